using System.Runtime.InteropServices;

namespace Valkey.Native.Networking;

/// <summary>
/// Portable poll(2) backend for systems without epoll. O(n) per wait, like Valkey's
/// select backend; selectable on Linux with <c>event-loop-backend poll</c> so tests exercise it.
/// </summary>
public sealed unsafe class PollBackend : IEventBackend
{
    private LibC.PollFd* _fds;
    private int _count;
    private int _nextStart;
    private int _capacity;
    // fd -> index in _fds, or -1
    private int[] _slotOfFd = new int[1024];

    public PollBackend()
    {
        _capacity = 64;
        _fds = (LibC.PollFd*)NativeMemory.Alloc((nuint)(_capacity * sizeof(LibC.PollFd)));
        Array.Fill(_slotOfFd, -1);
    }

    public string Name => "poll";

    private static short ToPoll(IoEvents interest) =>
        (short)(((interest & IoEvents.Readable) != 0 ? LibC.POLLIN : 0) |
                ((interest & IoEvents.Writable) != 0 ? LibC.POLLOUT : 0));

    public void Register(int fd, IoEvents interest)
    {
        if (fd >= _slotOfFd.Length)
        {
            int old = _slotOfFd.Length;
            Array.Resize(ref _slotOfFd, Math.Max(fd + 1, old * 2));
            Array.Fill(_slotOfFd, -1, old, _slotOfFd.Length - old);
        }
        if (_count == _capacity)
        {
            _capacity *= 2;
            _fds = (LibC.PollFd*)NativeMemory.Realloc(_fds, (nuint)(_capacity * sizeof(LibC.PollFd)));
        }
        _fds[_count] = new LibC.PollFd { Fd = fd, Events = ToPoll(interest) };
        _slotOfFd[fd] = _count++;
    }

    public void Update(int fd, IoEvents interest)
    {
        int slot = fd < _slotOfFd.Length ? _slotOfFd[fd] : -1;
        if (slot >= 0) _fds[slot].Events = ToPoll(interest);
    }

    public void Unregister(int fd)
    {
        int slot = fd < _slotOfFd.Length ? _slotOfFd[fd] : -1;
        if (slot < 0) return;
        int last = --_count;
        if (slot != last)
        {
            _fds[slot] = _fds[last];
            _slotOfFd[_fds[slot].Fd] = slot;
        }
        _slotOfFd[fd] = -1;
    }

    public int Wait(Span<ReadyEvent> ready, int timeoutMs)
    {
        int n = LibC.Poll(_fds, (nuint)_count, timeoutMs);
        if (n <= 0) return 0;
        int produced = 0;
        // Start where the last full batch stopped, so with more ready descriptors than fit in
        // one batch every one of them is served in turn.
        int start = _nextStart < _count ? _nextStart : 0;
        for (int k = 0; k < _count && produced < ready.Length; k++)
        {
            int i = (start + k) % _count;
            short re = _fds[i].Revents;
            if (re == 0) continue;
            IoEvents ev = IoEvents.None;
            if ((re & LibC.POLLIN) != 0) ev |= IoEvents.Readable;
            if ((re & LibC.POLLOUT) != 0) ev |= IoEvents.Writable;
            if ((re & (LibC.POLLERR | LibC.POLLHUP | LibC.POLLNVAL)) != 0) ev |= IoEvents.Error | IoEvents.Readable;
            ready[produced++] = new ReadyEvent { Fd = _fds[i].Fd, Events = ev };
            _nextStart = i + 1;
        }
        return produced;
    }

    public void Dispose() => NativeMemory.Free(_fds);
}
