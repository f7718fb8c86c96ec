using System.Runtime.InteropServices;

namespace Valkey.Native.Networking;

/// <summary>Level-triggered epoll backend (the default on Linux).</summary>
public sealed unsafe class EpollBackend : IEventBackend
{
    // struct epoll_event is packed (12 bytes) on x86-64 and naturally aligned (16 bytes) elsewhere.
    [StructLayout(LayoutKind.Sequential, Pack = 4)]
    private struct PackedEvent { public uint Events; public ulong Data; }

    [StructLayout(LayoutKind.Sequential)]
    private struct AlignedEvent { public uint Events; public ulong Data; }

    private static readonly bool Packed = RuntimeInformation.ProcessArchitecture == Architecture.X64;
    private const int MaxEventsPerWait = 1024;

    private readonly int _epfd;
    private readonly byte* _events;

    public EpollBackend()
    {
        _epfd = LibC.EpollCreate1(LibC.EPOLL_CLOEXEC);
        if (_epfd < 0) throw new InvalidOperationException($"epoll_create1 failed: errno {LibC.LastError}");
        _events = (byte*)NativeMemory.Alloc((nuint)(MaxEventsPerWait * sizeof(AlignedEvent)));
    }

    public string Name => "epoll";

    public void Register(int fd, IoEvents interest) => Control(LibC.EPOLL_CTL_ADD, fd, interest);
    public void Update(int fd, IoEvents interest) => Control(LibC.EPOLL_CTL_MOD, fd, interest);
    public void Unregister(int fd) => Control(LibC.EPOLL_CTL_DEL, fd, IoEvents.None);

    private void Control(int op, int fd, IoEvents interest)
    {
        uint mask = ((interest & IoEvents.Readable) != 0 ? LibC.EPOLLIN : 0) |
                    ((interest & IoEvents.Writable) != 0 ? LibC.EPOLLOUT : 0);
        int rc;
        if (Packed)
        {
            var ev = new PackedEvent { Events = mask, Data = (ulong)fd };
            rc = LibC.EpollCtl(_epfd, op, fd, &ev);
        }
        else
        {
            var ev = new AlignedEvent { Events = mask, Data = (ulong)fd };
            rc = LibC.EpollCtl(_epfd, op, fd, &ev);
        }
        if (rc < 0 && op != LibC.EPOLL_CTL_DEL)
            throw new InvalidOperationException($"epoll_ctl({op}, {fd}) failed: errno {LibC.LastError}");
    }

    public int Wait(Span<ReadyEvent> ready, int timeoutMs)
    {
        int max = Math.Min(ready.Length, MaxEventsPerWait);
        int n = LibC.EpollWait(_epfd, _events, max, timeoutMs);
        if (n <= 0) return 0;
        for (int i = 0; i < n; i++)
        {
            uint mask; ulong data;
            if (Packed) { var e = ((PackedEvent*)_events)[i]; mask = e.Events; data = e.Data; }
            else { var e = ((AlignedEvent*)_events)[i]; mask = e.Events; data = e.Data; }
            IoEvents ev = IoEvents.None;
            if ((mask & LibC.EPOLLIN) != 0) ev |= IoEvents.Readable;
            if ((mask & LibC.EPOLLOUT) != 0) ev |= IoEvents.Writable;
            if ((mask & (LibC.EPOLLERR | LibC.EPOLLHUP)) != 0) ev |= IoEvents.Error | IoEvents.Readable;
            ready[i] = new ReadyEvent { Fd = (int)data, Events = ev };
        }
        return n;
    }

    public void Dispose()
    {
        LibC.Close(_epfd);
        NativeMemory.Free(_events);
    }
}
