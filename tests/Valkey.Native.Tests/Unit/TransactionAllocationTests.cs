using NUnit.Framework;
using Valkey.Native.Tests.Infrastructure;
using Valkey.Native.Tests.Shared;

namespace Valkey.Native.Tests.Unit;

/// <summary>
/// MULTI / queued commands / EXEC through the real parse → dispatch → reply path in process:
/// queueing copies arguments into the client's pooled buffer, so a steady stream of
/// transactions allocates nothing on the GC heap.
/// </summary>
[TestFixture]
public class TransactionAllocationTests
{
    [Test]
    public void TransactionsDoNotAllocateInSteadyState()
    {
        using var server = new InProcessServer();
        byte[][] requests =
        [
            RawRespClient.EncodeCommand("MULTI"),
            RawRespClient.EncodeCommand("SET", "k", "value"),
            RawRespClient.EncodeCommand("INCR", "n"),
            RawRespClient.EncodeCommand("GET", "k"),
            RawRespClient.EncodeCommand("LPUSH", "l", "a", "b"),
            RawRespClient.EncodeCommand("LPOP", "l", "2"),
            RawRespClient.EncodeCommand("EXEC"),
            RawRespClient.EncodeCommand("MULTI"),
            RawRespClient.EncodeCommand("SET", "k", "other"),
            RawRespClient.EncodeCommand("DISCARD"),
        ];
        long allocated = server.AllocatedBytes(warmup: 200, runs: 2000, requests);
        Assert.That(allocated, Is.EqualTo(0), $"allocated {allocated} bytes");
        Assert.That(server.Execute("GET", "k"), Is.EqualTo("$5\r\nvalue\r\n"), "DISCARD dropped the last SET");
        Assert.That(server.Execute("GET", "n"), Is.EqualTo("$4\r\n2200\r\n"));
    }

    [Test]
    public void ExecRepliesExactlyOnceWithAllQueuedReplies()
    {
        using var server = new InProcessServer();
        Assert.That(server.Execute("MULTI"), Is.EqualTo("+OK\r\n"));
        Assert.That(server.Execute("SET", "a", "1"), Is.EqualTo("+QUEUED\r\n"));
        Assert.That(server.Execute("INCRBY", "a", "41"), Is.EqualTo("+QUEUED\r\n"));
        Assert.That(server.Execute("EXEC"), Is.EqualTo("*2\r\n+OK\r\n:42\r\n"));
        Assert.That(server.Execute("EXEC"), Is.EqualTo("-ERR EXEC without MULTI\r\n"));
    }
}
