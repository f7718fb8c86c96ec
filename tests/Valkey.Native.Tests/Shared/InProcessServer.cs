using Valkey.Native.Networking;
using Valkey.Native.Server;

namespace Valkey.Native.Tests.Shared;

/// <summary>
/// A server with no listeners and one connection-less client, to drive the real
/// parse → dispatch → execute → reply path in process.
/// </summary>
public sealed class InProcessServer : IDisposable
{
    public InProcessServer()
    {
        var config = new ServerConfig();
        Server = new ServerContext(config, new Log { Level = LogLevel.Warning });
        Client = new Client(Server, 1, -1, ConnectionKind.Tcp);
    }

    public ServerContext Server { get; }
    public Client Client { get; }

    /// <summary>Runs the request bytes and discards the reply.</summary>
    public void Run(ReadOnlySpan<byte> request)
    {
        Client.InjectInput(request);
        Client.Reply.ReleaseBuffers();
    }

    public void Dispose() => Server.Dispose();
}
