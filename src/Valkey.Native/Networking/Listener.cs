using System.Net;
using System.Net.Sockets;

namespace Valkey.Native.Networking;

/// <summary>
/// A listening socket (TCP on one address, or a Unix socket). Creation uses .NET's Socket for
/// portable bind/listen; accepting uses accept4 in batches so a connection storm costs one
/// wakeup, not one per client.
/// </summary>
public sealed unsafe class Listener : IFileEventHandler, IDisposable
{
    private const int MaxAcceptsPerCall = 1000;
    private readonly Socket _socket;
    private readonly Action<int, ConnectionKind> _onAccepted;
    private Action<Listener>? _onExhausted;

    /// <summary>Called when accept fails for lack of file descriptors.</summary>
    public void OnDescriptorsExhausted(Action<Listener> handler) => _onExhausted = handler;

    private Listener(Socket socket, ConnectionKind kind, string description, Action<int, ConnectionKind> onAccepted)
    {
        _socket = socket;
        Kind = kind;
        Description = description;
        _onAccepted = onAccepted;
        Fd = (int)socket.Handle;
    }

    public int Fd { get; }
    public ConnectionKind Kind { get; }
    public string Description { get; }

    public static Listener OpenTcp(IPAddress address, int port, int backlog, Action<int, ConnectionKind> onAccepted)
    {
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            // Only SO_REUSEADDR: .NET's ReuseAddress also sets SO_REUSEPORT on Linux, which would let
            // a second server bind the same port and share its connections instead of failing.
            LibC.SetIntOption((int)socket.Handle, LibC.SOL_SOCKET, LibC.SO_REUSEADDR, 1);
            if (address.AddressFamily == AddressFamily.InterNetworkV6) socket.DualMode = false;
            socket.Bind(new IPEndPoint(address, port));
            socket.Listen(backlog);
            socket.Blocking = false;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return new Listener(socket, ConnectionKind.Tcp, $"{address}:{port}", onAccepted);
    }

    public static Listener OpenUnix(string path, int permissions, int backlog, Action<int, ConnectionKind> onAccepted)
    {
        if (File.Exists(path)) File.Delete(path);
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Bind(new UnixDomainSocketEndPoint(path));
            socket.Listen(backlog);
            socket.Blocking = false;
            if (permissions != 0 && !OperatingSystem.IsWindows())
                File.SetUnixFileMode(path, (UnixFileMode)permissions);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return new Listener(socket, ConnectionKind.Unix, path, onAccepted);
    }

    public void OnReadable()
    {
        for (int i = 0; i < MaxAcceptsPerCall; i++)
        {
            int fd = LibC.Accept4(Fd, null, null, LibC.SOCK_NONBLOCK | LibC.SOCK_CLOEXEC);
            if (fd < 0)
            {
                int errno = LibC.LastError;
                if (errno == LibC.EINTR || errno == LibC.ECONNABORTED) continue;
                // Out of descriptors: the pending connection keeps the socket readable, so stop
                // watching it until the cron (level-triggered polling would spin otherwise).
                if (errno == LibC.EMFILE || errno == LibC.ENFILE) _onExhausted?.Invoke(this);
                return; // EAGAIN: drained
            }
            _onAccepted(fd, Kind);
        }
    }

    public void OnWritable() { }

    public void Dispose()
    {
        _socket.Dispose();
        if (Kind == ConnectionKind.Unix && File.Exists(Description)) File.Delete(Description);
    }
}
