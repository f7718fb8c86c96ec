using NUnit.Framework;
using Valkey.Native.Tests.Infrastructure;
using static Valkey.Native.Tests.Infrastructure.Resp;

namespace Valkey.Native.Tests.Integration;

/// <summary>
/// The small-key memory layout seen from a client (issue 6): a key without a TTL is one 48-byte
/// block for a 10-byte key and value (MEMORY USAGE counts that block), a TTL adds its 12-byte
/// block, and setting, replacing and removing TTLs on such keys (which grows, and may move, the
/// key's entry) keeps values and TTLs exact.
/// </summary>
public class CompactKeyMemoryTests : SharedServerFixture
{
    [Test]
    public void SmallKeyTakesOne48ByteBlockAndATtlAddsItsBlock()
    {
        Assert.That(Run("SET", "ckm:123456", "val:123456"), Is.EqualTo("+OK\r\n"));
        Assert.That(Integer(Run("MEMORY", "USAGE", "ckm:123456")), Is.EqualTo(48));
        Assert.That(Run("EXPIRE", "ckm:123456", "1000"), Is.EqualTo(":1\r\n"));
        Assert.That(Integer(Run("MEMORY", "USAGE", "ckm:123456")), Is.EqualTo(64), "16 + 10 + 12 + 12 + 10 = 60: the 64 class");
        Assert.That(Run("GET", "ckm:123456"), Is.EqualTo("$10\r\nval:123456\r\n"));
        // SET without KEEPTTL drops the TTL and its block.
        Assert.That(Run("SET", "ckm:123456", "val:654321"), Is.EqualTo("+OK\r\n"));
        Assert.That(Run("TTL", "ckm:123456"), Is.EqualTo(":-1\r\n"));
        Assert.That(Integer(Run("MEMORY", "USAGE", "ckm:123456")), Is.EqualTo(48));
        Run("DEL", "ckm:123456");
    }

    [Test]
    public void TtlChangesKeepEveryEncodingIntact()
    {
        string raw = new('r', 100);
        Run("SET", "ckm:int", "12345");
        Run("SET", "ckm:emb", "embedded");
        Run("SET", "ckm:raw", raw);
        Run("RPUSH", "ckm:list", "a", "b", "c");
        Run("HSET", "ckm:hash", "f", "v");
        long at = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 600_000;
        foreach (var key in new[] { "ckm:int", "ckm:emb", "ckm:raw", "ckm:list", "ckm:hash" })
        {
            Assert.That(Run("PEXPIREAT", key, at.ToString()), Is.EqualTo(":1\r\n"), key);
            Assert.That(Run("PEXPIRETIME", key), Is.EqualTo($":{at}\r\n"), key);
        }
        Assert.That(Run("GET", "ckm:int"), Is.EqualTo("$5\r\n12345\r\n"));
        Assert.That(Run("OBJECT", "ENCODING", "ckm:int"), Is.EqualTo("$3\r\nint\r\n"));
        Assert.That(Run("GET", "ckm:emb"), Is.EqualTo("$8\r\nembedded\r\n"));
        Assert.That(Run("GET", "ckm:raw"), Is.EqualTo($"$100\r\n{raw}\r\n"));
        Assert.That(Run("LRANGE", "ckm:list", "0", "-1"), Is.EqualTo("*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n"));
        Assert.That(Run("HGET", "ckm:hash", "f"), Is.EqualTo("$1\r\nv\r\n"));

        // PERSIST, then a TTL again, then APPEND (the value moves to raw with the block in place).
        Assert.That(Run("PERSIST", "ckm:emb"), Is.EqualTo(":1\r\n"));
        Assert.That(Run("TTL", "ckm:emb"), Is.EqualTo(":-1\r\n"));
        Assert.That(Run("PERSIST", "ckm:emb"), Is.EqualTo(":0\r\n"));
        Assert.That(Run("EXPIRE", "ckm:emb", "500"), Is.EqualTo(":1\r\n"));
        Assert.That(Run("APPEND", "ckm:emb", "-more"), Is.EqualTo(":13\r\n"));
        Assert.That(Run("GET", "ckm:emb"), Is.EqualTo("$13\r\nembedded-more\r\n"));
        Assert.That(Integer(Run("TTL", "ckm:emb")), Is.InRange(499, 500));
        Assert.That(Run("INCR", "ckm:int"), Is.EqualTo(":12346\r\n"));
        Assert.That(Run("PEXPIRETIME", "ckm:int"), Is.EqualTo($":{at}\r\n"));

        // GETEX and SET ... KEEPTTL / EX on keys that already carry the block.
        Assert.That(Run("GETEX", "ckm:raw", "PERSIST"), Is.EqualTo($"$100\r\n{raw}\r\n"));
        Assert.That(Run("TTL", "ckm:raw"), Is.EqualTo(":-1\r\n"));
        Assert.That(Run("SET", "ckm:raw", "short", "EX", "300"), Is.EqualTo("+OK\r\n"));
        Assert.That(Run("SET", "ckm:raw", "shorter", "KEEPTTL"), Is.EqualTo("+OK\r\n"));
        Assert.That(Integer(Run("TTL", "ckm:raw")), Is.InRange(299, 300));
        Assert.That(Run("GET", "ckm:raw"), Is.EqualTo("$7\r\nshorter\r\n"));

        // RENAME and COPY carry TTL and value.
        Assert.That(Run("RENAME", "ckm:list", "ckm:list2"), Is.EqualTo("+OK\r\n"));
        Assert.That(Run("PEXPIRETIME", "ckm:list2"), Is.EqualTo($":{at}\r\n"));
        Assert.That(Run("COPY", "ckm:hash", "ckm:hash2"), Is.EqualTo(":1\r\n"));
        Assert.That(Run("PEXPIRETIME", "ckm:hash2"), Is.EqualTo($":{at}\r\n"));
        Assert.That(Run("HGET", "ckm:hash2", "f"), Is.EqualTo("$1\r\nv\r\n"));
        Run("DEL", "ckm:int", "ckm:emb", "ckm:raw", "ckm:list2", "ckm:hash", "ckm:hash2");
    }
}
