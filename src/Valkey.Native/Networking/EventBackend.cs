namespace Valkey.Native.Networking;

[Flags]
public enum IoEvents : byte
{
    None = 0,
    Readable = 1,
    Writable = 2,
    /// <summary>Error or hang-up: the handler should try to read and will see the failure.</summary>
    Error = 4,
}

public struct ReadyEvent
{
    public int Fd;
    public IoEvents Events;
}

/// <summary>
/// The readiness-notification mechanism under the event loop: epoll on Linux, poll(2)
/// elsewhere (and on Linux when <c>event-loop-backend poll</c> is configured, so tests cover it).
/// </summary>
public interface IEventBackend : IDisposable
{
    string Name { get; }
    void Register(int fd, IoEvents interest);
    void Update(int fd, IoEvents interest);
    void Unregister(int fd);
    /// <summary>Waits up to <paramref name="timeoutMs"/> (-1 = forever) and fills <paramref name="ready"/>.</summary>
    int Wait(Span<ReadyEvent> ready, int timeoutMs);
}
