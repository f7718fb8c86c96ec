using NUnit.Framework;
using Valkey.Native.Tests.Infrastructure;
using Valkey.Native.Tests.Shared;

namespace Valkey.Native.Tests.Unit;

/// <summary>
/// The hot path (parse → dispatch → execute → reply) must not allocate on the GC heap in
/// steady state. Measured with the runtime's per-thread allocation counter, not with time.
/// </summary>
[NonParallelizable]
public class HotPathAllocationTests
{
    [TestCase("GET", "alloc:key")]
    [TestCase("SET", "alloc:key", "some-value-0123456789")]
    [TestCase("SET", "alloc:key", "12345")]
    [TestCase("HGET", "alloc:hash", "field")]
    [TestCase("HSET", "alloc:hash", "field", "value")]
    [TestCase("ZADD", "alloc:zset", "3", "member")]
    [TestCase("ZINCRBY", "alloc:zset", "1", "member")]
    [TestCase("ZSCORE", "alloc:zset", "member")]
    [TestCase("ZRANGE", "alloc:zset", "0", "-1", "WITHSCORES")]
    [TestCase("ZRANGE", "alloc:zset", "0", "-1", "REV")]
    [TestCase("ZADD", "alloc:bigzset", "GT", "CH", "5", "m7")]
    [TestCase("ZINCRBY", "alloc:bigzset", "1", "m7")]
    [TestCase("ZSCORE", "alloc:bigzset", "m150")]
    [TestCase("ZRANGE", "alloc:bigzset", "10", "20", "WITHSCORES")]
    [TestCase("ZRANGE", "alloc:zset", "(0", "+inf", "BYSCORE", "REV", "LIMIT", "0", "2")]
    [TestCase("ZRANGEBYSCORE", "alloc:bigzset", "(10", "20", "WITHSCORES")]
    public void SteadyStateCommandAllocatesNothing(params string[] command)
    {
        using var server = new InProcessServer();
        server.Execute("SET", "alloc:key", "v");
        server.Execute("HSET", "alloc:hash", "field", "v");
        server.Execute("ZADD", "alloc:zset", "1", "member", "2", "other", "0", "first");
        // Past zset-max-listpack-entries: the skiplist encoding.
        server.Execute(["ZADD", "alloc:bigzset", .. Enumerable.Range(0, 200).SelectMany(i => new[] { i.ToString(), "m" + i })]);
        long allocated = server.AllocatedBytes(warmup: 1000, runs: 10_000, RawRespClient.EncodeCommand(command));

        Assert.That(allocated, Is.EqualTo(0), $"{string.Join(' ', command)} allocated {allocated} bytes over 10,000 runs");
    }

    [Test]
    public void RepliesAreProducedByTheInProcessPath()
    {
        // Guards the test above: a path that silently did nothing would also allocate nothing.
        using var server = new InProcessServer();
        server.Client.InjectInput(RawRespClient.EncodeCommand("HSET", "h", "f", "v"));
        server.Client.InjectInput(RawRespClient.EncodeCommand("HGET", "h", "f"));
        Assert.That(System.Text.Encoding.ASCII.GetString(server.Client.Reply.PeekPending()), Is.EqualTo(":1\r\n$1\r\nv\r\n"));
        server.Client.Reply.ReleaseBuffers();
    }
}
