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
    public void SteadyStateCommandAllocatesNothing(params string[] command)
    {
        using var server = new InProcessServer();
        server.Execute("SET", "alloc:key", "v");
        server.Execute("HSET", "alloc:hash", "field", "v");
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
