using NUnit.Framework;
using Valkey.Native.Tests.Infrastructure;
using Valkey.Native.Tests.Shared;

namespace Valkey.Native.Tests.Unit;

/// <summary>
/// With the AOF on, propagating a command (verbatim or rewritten) and appending it to the AOF buffer
/// allocates nothing on the GC heap: the steady-state allocations of a command are the same as with the AOF off.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class PropagationAllocationTests
{
    [TestCase("SET", "k", "value")]
    [TestCase("SET", "k", "value", "EX", "1000")]
    [TestCase("INCRBYFLOAT", "f", "1.5")]
    [TestCase("EXPIRE", "k", "1000")]
    [TestCase("HSET", "h", "f", "v")]
    public void PropagationAddsNoAllocation(params string[] command)
    {
        long off, on;
        using (var server = new InProcessServer())
        {
            server.Execute("SET", "k", "v");
            off = server.AllocatedBytes(warmup: 1000, runs: 5_000, RawRespClient.EncodeCommand(command));
        }
        string dir = Path.Combine(Path.GetTempPath(), "aof-alloc-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            using var server = new InProcessServer();
            server.Server.Config.AppendDirName = dir;
            Assert.That(server.Server.Aof.Start(), Is.Null);
            Assert.That(server.Server.Propagation.Enabled);
            server.Execute("SET", "k", "v");
            on = server.AllocatedBytes(warmup: 1000, runs: 5_000, RawRespClient.EncodeCommand(command));
            Assert.That(server.Server.Aof.BufferLength, Is.GreaterThan(5_000 * 10), "commands were propagated");
            server.Server.Aof.Stop();
        }
        finally
        {
            try { Directory.Delete(dir, true); } catch (IOException) { }
        }
        TestContext.Out.WriteLine($"{string.Join(' ', command)}: {on} bytes allocated over 5,000 runs with the AOF on, {off} off");
        Assert.That(on, Is.LessThanOrEqualTo(off), $"{string.Join(' ', command)}: {on} bytes with the AOF on, {off} off");
    }
}
