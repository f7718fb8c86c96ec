using Valkey.Native.Networking;
using System.Text;
using Valkey.Native.Server;
using Valkey.Native.Tests.Infrastructure;

namespace Valkey.Native.Tests.Shared;

/// <summary>
/// A server with no listeners and one connection-less client, to drive the real
/// parse → dispatch → execute → reply path in process.
/// </summary>
public sealed class InProcessServer : IDisposable
{
    public InProcessServer()
    {
        // No slow-command log: on a loaded machine a command preempted past the threshold would
        // record an entry (which allocates, as Valkey's does), and the allocation tests would flake.
        var config = new ServerConfig { SlowlogLogSlowerThan = -1 };
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

    /// <summary>Runs one command and returns its reply.</summary>
    public string Execute(params string[] command)
    {
        Client.InjectInput(RawRespClient.EncodeCommand(command));
        string reply = Encoding.UTF8.GetString(Client.Reply.PeekPending());
        Client.Reply.ReleaseBuffers();
        return reply;
    }

    /// <summary>
    /// Runs <paramref name="requests"/> in turn <paramref name="warmup"/> times, then <paramref name="runs"/> times more,
    /// and returns the bytes this thread allocated on the GC heap during the latter.
    /// </summary>
    public long AllocatedBytes(int warmup, int runs, params byte[][] requests)
    {
        for (int i = 0; i < warmup; i++) foreach (var r in requests) Run(r);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < runs; i++) foreach (var r in requests) Run(r);
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    public void Dispose() => Server.Dispose();
}
