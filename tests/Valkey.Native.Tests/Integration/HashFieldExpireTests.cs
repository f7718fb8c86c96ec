using NUnit.Framework;
using StackExchange.Redis;
using Valkey.Native.Tests.Infrastructure;
using static Valkey.Native.Tests.Infrastructure.Resp;

namespace Valkey.Native.Tests.Integration;

/// <summary>
/// Hash field expiration (Valkey 9: HEXPIRE, HPEXPIRE, HEXPIREAT, HPEXPIREAT, HTTL, HPTTL,
/// HEXPIRETIME, HPEXPIRETIME, HPERSIST, HGETEX, HSETEX, HGETDEL) on the shared server: byte-exact
/// replies and error texts in RESP2 and RESP3 over a raw socket, reply codes per field, the
/// NX/XX/GT/LT and FNX/FXX/NX/XX conditions, encodings, the hash commands' TTL rules (HSET drops
/// a TTL, HINCRBY keeps it) and the StackExchange.Redis API. Keys are prefixed with the test name.
/// </summary>
[TestFixture]
public class HashFieldExpireTests : SharedServerFixture
{
    private static string K(string name = "k") => $"{{hfe}}:{TestContext.CurrentContext.Test.Name}:{name}";

    private static string Ints(params long[] values) => $"*{values.Length}\r\n" + string.Concat(values.Select(Int));

    private const string NumFields = "-ERR numfields should be greater than 0 and match the provided number of fields\r\n";
    private const string WrongType = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";

    private void Resp3() => Assert.That(Run("HELLO", "3"), Does.StartWith("%"));

    private long NowMs()
    {
        var lines = Run("TIME").Split("\r\n");
        return long.Parse(lines[2]) * 1000 + long.Parse(lines[4]) / 1000;
    }

    // ---- HEXPIRE family --------------------------------------------------------------------------

    [Test]
    public void HexpireRepliesACodePerFieldAndConvertsToHashtable()
    {
        Run("HSET", K(), "f1", "v1", "f2", "v2", "f3", "v3");
        Assert.That(Run("OBJECT", "ENCODING", K()), Is.EqualTo(Bulk("listpack")));
        Assert.That(Run("HEXPIRE", K(), "100", "FIELDS", "3", "f1", "nope", "f2"), Is.EqualTo(Ints(1, -2, 1)));
        Assert.That(Run("OBJECT", "ENCODING", K()), Is.EqualTo(Bulk("hashtable")), "a field with a TTL needs the hashtable");
        Assert.That(Run("HTTL", K(), "FIELDS", "4", "f1", "f2", "f3", "nope"), Is.EqualTo(Ints(100, 100, -1, -2)));
        Assert.That(Run("HMGET", K(), "f1", "f2", "f3"), Is.EqualTo("*3\r\n" + Bulk("v1") + Bulk("v2") + Bulk("v3")));
        Assert.That(Run("HLEN", K()), Is.EqualTo(Int(3)));
        Assert.That(Run("HEXPIRE", K("none"), "100", "FIELDS", "2", "a", "b"), Is.EqualTo(Ints(-2, -2)), "no key: -2 each");
        Assert.That(Run("EXISTS", K("none")), Is.EqualTo(Int(0)));
    }

    [Test]
    public void TtlCommandsAgreeAndRoundSeconds()
    {
        Run("HSET", K(), "f", "v", "g", "w");
        long at = NowMs() + 100_000 + 400;
        Assert.That(Run("HPEXPIREAT", K(), at.ToString(), "FIELDS", "1", "f"), Is.EqualTo(Ints(1)));
        Assert.That(Run("HPEXPIRETIME", K(), "FIELDS", "2", "f", "g"), Is.EqualTo(Ints(at, -1)));
        Assert.That(Run("HEXPIRETIME", K(), "FIELDS", "1", "f"), Is.EqualTo(Ints((at + 500) / 1000)), "rounded to the nearest second");
        long pttl = Integer(Run("HPTTL", K(), "FIELDS", "1", "f").Split("\r\n", 2)[1]);
        Assert.That(pttl, Is.InRange(95_000, 100_400));
        long ttl = Integer(Run("HTTL", K(), "FIELDS", "1", "f").Split("\r\n", 2)[1]);
        Assert.That(ttl, Is.InRange(99, 101));
        long atSeconds = NowMs() / 1000 + 500;
        Assert.That(Run("HEXPIREAT", K(), atSeconds.ToString(), "FIELDS", "1", "g"), Is.EqualTo(Ints(1)));
        Assert.That(Run("HEXPIRETIME", K(), "FIELDS", "1", "g"), Is.EqualTo(Ints(atSeconds)));
        Assert.That(Run("HPEXPIRETIME", K(), "FIELDS", "1", "g"), Is.EqualTo(Ints(atSeconds * 1000)));
        Assert.That(Run("HTTL", K("none"), "FIELDS", "1", "g"), Is.EqualTo(Ints(-2)));
    }

    [Test]
    public void ConditionsNxXxGtLt()
    {
        Run("HSET", K(), "ttl", "1", "plain", "2");
        Assert.That(Run("HEXPIRE", K(), "100", "XX", "FIELDS", "1", "ttl"), Is.EqualTo(Ints(0)), "listpack: no TTL yet");
        Assert.That(Run("HEXPIRE", K(), "100", "GT", "FIELDS", "1", "ttl"), Is.EqualTo(Ints(0)));
        Assert.That(Run("OBJECT", "ENCODING", K()), Is.EqualTo(Bulk("listpack")), "failed conditions do not convert");
        Assert.That(Run("HEXPIRE", K(), "100", "NX", "FIELDS", "1", "ttl"), Is.EqualTo(Ints(1)));
        Assert.That(Run("HEXPIRE", K(), "200", "NX", "FIELDS", "2", "ttl", "plain"), Is.EqualTo(Ints(0, 1)));
        Run("HPERSIST", K(), "FIELDS", "1", "plain");
        Assert.That(Run("HEXPIRE", K(), "300", "XX", "FIELDS", "2", "ttl", "plain"), Is.EqualTo(Ints(1, 0)));
        // The same absolute time (a relative one would move with the clock between the commands).
        string expireAt = Run("HPEXPIRETIME", K(), "FIELDS", "1", "ttl").Split("\r\n")[1].TrimStart(':');
        Assert.That(Run("HPEXPIREAT", K(), expireAt, "GT", "FIELDS", "2", "ttl", "plain"), Is.EqualTo(Ints(0, 0)), "GT: equal is not greater; no TTL is infinite");
        Assert.That(Run("HEXPIRE", K(), "400", "GT", "FIELDS", "1", "ttl"), Is.EqualTo(Ints(1)));
        Assert.That(Run("HEXPIRE", K(), "400", "LT", "FIELDS", "1", "ttl"), Is.EqualTo(Ints(0)));
        Assert.That(Run("HEXPIRE", K(), "50", "LT", "FIELDS", "2", "ttl", "plain"), Is.EqualTo(Ints(1, 1)), "LT on no TTL succeeds");
        Assert.That(Run("HTTL", K(), "FIELDS", "2", "ttl", "plain"), Is.EqualTo(Ints(50, 50)));
        Assert.That(Run("HEXPIRE", K(), "0", "NX", "FIELDS", "1", "ttl"), Is.EqualTo(Ints(0)), "a failed condition never deletes");
        Assert.That(Run("HLEN", K()), Is.EqualTo(Int(2)));
    }

    [Test]
    public void APastTimeDeletesFieldsAndTheEmptiedKey()
    {
        Run("HSET", K(), "a", "1", "b", "2", "c", "3");
        Assert.That(Run("HEXPIRE", K(), "0", "FIELDS", "2", "a", "zz"), Is.EqualTo(Ints(2, -2)));
        Assert.That(Run("OBJECT", "ENCODING", K()), Is.EqualTo(Bulk("listpack")), "deleting needs no conversion");
        Assert.That(Run("HPEXPIREAT", K(), "1", "FIELDS", "1", "b"), Is.EqualTo(Ints(2)));
        Assert.That(Run("HEXISTS", K(), "b"), Is.EqualTo(Int(0)));
        Run("HEXPIRE", K(), "100", "FIELDS", "1", "c");
        Assert.That(Run("HEXPIREAT", K(), "1000", "FIELDS", "2", "c", "c"), Is.EqualTo(Ints(2, -2)), "the second c is gone already");
        Assert.That(Run("EXISTS", K()), Is.EqualTo(Int(0)), "the last field took the key with it");
    }

    [Test]
    public void HexpireErrorsInValkeysOrder()
    {
        Run("HSET", K(), "f", "v");
        Run("SET", K("str"), "x");
        Assert.That(Run("HEXPIRE", K(), "10", "FIELDS", "2", "f"), Is.EqualTo(NumFields));
        Assert.That(Run("HEXPIRE", K(), "10", "FIELDS", "0", "f"), Is.EqualTo(NumFields));
        Assert.That(Run("HEXPIRE", K(), "10", "FIELDS", "-1", "f"), Is.EqualTo(NumFields));
        Assert.That(Run("HEXPIRE", K(), "10", "NX", "NX", "FIELDS"), Is.EqualTo(NumFields), "FIELDS as the last argument is not found");
        Assert.That(Run("HEXPIRE", K(), "10", "FIELDS", "x", "f"), Is.EqualTo(Err("ERR value is not an integer or out of range")));
        Assert.That(Run("HEXPIRE", K(), "10", "NX", "XX", "FIELDS", "1", "f"), Is.EqualTo(Err("ERR NX and XX, GT or LT options at the same time are not compatible")));
        Assert.That(Run("HEXPIRE", K(), "10", "GT", "LT", "FIELDS", "1", "f"), Is.EqualTo(Err("ERR GT and LT options at the same time are not compatible")));
        Assert.That(Run("HEXPIRE", K(), "10", "foo", "FIELDS", "1", "f"), Is.EqualTo(Err("ERR Unsupported option foo")));
        Assert.That(Run("HEXPIRE", K(), "abc", "FIELDS", "1", "f"), Is.EqualTo(Err("ERR value is not an integer or out of range")));
        Assert.That(Run("HEXPIRE", K(), "-1", "FIELDS", "1", "f"), Is.EqualTo(Err("ERR invalid expire time in 'hexpire' command")));
        Assert.That(Run("HPEXPIRE", K(), "-1", "FIELDS", "1", "f"), Is.EqualTo(Err("ERR invalid expire time in 'hpexpire' command")));
        Assert.That(Run("HEXPIREAT", K(), "9223372036854776", "FIELDS", "1", "f"), Is.EqualTo(Err("ERR invalid expire time in 'hexpireat' command")));
        Assert.That(Run("HPEXPIRE", K(), "9223372036854775807", "FIELDS", "1", "f"), Is.EqualTo(Err("ERR invalid expire time in 'hpexpire' command")), "overflows with the base time");
        Assert.That(Run("HEXPIRE", K("str"), "10", "FIELDS", "1", "f"), Is.EqualTo(WrongType));
        Assert.That(Run("HEXPIRE", K("str"), "-1", "FIELDS", "1", "f"), Is.EqualTo(Err("ERR invalid expire time in 'hexpire' command")), "the time is checked before the key");
        Assert.That(Run("HEXPIRE", K(), "10", "FIELDS"), Is.EqualTo(Err("ERR wrong number of arguments for 'hexpire' command")));
        Assert.That(Run("HTTL", K(), "FIELDS", "2", "f"), Is.EqualTo(Err("ERR syntax error")), "HTTL's own text for a count mismatch");
        Assert.That(Run("HTTL", K(), "FIELDS", "x", "f"), Is.EqualTo(Err("ERR value is not an integer or out of range")));
        Assert.That(Run("HPTTL", K("str"), "FIELDS", "1", "f"), Is.EqualTo(WrongType));
        Assert.That(Run("HEXPIRETIME", K(), "FIELDS", "1"), Is.EqualTo(Err("ERR wrong number of arguments for 'hexpiretime' command")));
        Assert.That(Run("HTTL", K(), "FIELDS", "1", "f"), Is.EqualTo(Ints(-1)), "the connection is still in step");
    }

    // ---- HPERSIST ------------------------------------------------------------------------------

    [Test]
    public void HpersistCodesAndWrongType()
    {
        Run("HSET", K(), "f1", "v1", "f2", "v2");
        Assert.That(Run("HPERSIST", K(), "FIELDS", "2", "f1", "zz"), Is.EqualTo(Ints(-1, -2)), "listpack fields have no TTL");
        Run("HEXPIRE", K(), "100", "FIELDS", "1", "f1");
        Assert.That(Run("HPERSIST", K(), "FIELDS", "3", "f1", "f2", "zz"), Is.EqualTo(Ints(1, -1, -2)));
        Assert.That(Run("HTTL", K(), "FIELDS", "1", "f1"), Is.EqualTo(Ints(-1)));
        Assert.That(Run("HPERSIST", K("none"), "FIELDS", "1", "f1"), Is.EqualTo(Ints(-2)));
        Run("SET", K("str"), "x");
        Assert.That(Run("HPERSIST", K("str"), "FIELDS", "1", "f1"), Is.EqualTo(WrongType), "an error only, no array header");
        Assert.That(Run("HPERSIST", K(), "FIELDS", "2", "f1"), Is.EqualTo(NumFields));
        Assert.That(Run("PING"), Is.EqualTo("+PONG\r\n"));
    }

    // ---- HGETEX --------------------------------------------------------------------------------

    [Test]
    public void HgetexGetsAndSetsOrRemovesTtls()
    {
        Run("HSET", K(), "f1", "v1", "f2", "v2");
        Assert.That(Run("HGETEX", K(), "FIELDS", "2", "f1", "nope"), Is.EqualTo("*2\r\n" + Bulk("v1") + "$-1\r\n"), "no option: a plain read");
        Assert.That(Run("OBJECT", "ENCODING", K()), Is.EqualTo(Bulk("listpack")));
        Assert.That(Run("HGETEX", K(), "EX", "100", "FIELDS", "2", "f1", "nope"), Is.EqualTo("*2\r\n" + Bulk("v1") + "$-1\r\n"));
        Assert.That(Run("HTTL", K(), "FIELDS", "3", "f1", "f2", "nope"), Is.EqualTo(Ints(100, -1, -2)), "a missing field is not created");
        Assert.That(Run("HGETEX", K(), "PX", "500000", "FIELDS", "1", "f2"), Is.EqualTo("*1\r\n" + Bulk("v2")));
        Assert.That(Run("HTTL", K(), "FIELDS", "1", "f2"), Is.EqualTo(Ints(500)));
        long at = NowMs() / 1000 + 1000;
        Run("HGETEX", K(), "EXAT", at.ToString(), "FIELDS", "1", "f1");
        Assert.That(Run("HEXPIRETIME", K(), "FIELDS", "1", "f1"), Is.EqualTo(Ints(at)));
        Assert.That(Run("HGETEX", K(), "PERSIST", "FIELDS", "2", "f1", "f2"), Is.EqualTo("*2\r\n" + Bulk("v1") + Bulk("v2")));
        Assert.That(Run("HTTL", K(), "FIELDS", "2", "f1", "f2"), Is.EqualTo(Ints(-1, -1)));
        Assert.That(Run("HGETEX", K(), "PXAT", "1", "FIELDS", "3", "f1", "f1", "f2"), Is.EqualTo("*3\r\n" + Bulk("v1") + "$-1\r\n" + Bulk("v2")),
            "a past time deletes after replying");
        Assert.That(Run("EXISTS", K()), Is.EqualTo(Int(0)));
        Assert.That(Run("HGETEX", K(), "EX", "10", "FIELDS", "2", "a", "b"), Is.EqualTo("*2\r\n$-1\r\n$-1\r\n"), "no key");
    }

    [Test]
    public void HgetexErrors()
    {
        Run("HSET", K(), "f1", "v1");
        Run("SET", K("str"), "x");
        Assert.That(Run("HGETEX", K(), "EX", "60", "PX", "1000", "FIELDS", "1", "f1"), Is.EqualTo(Err("ERR syntax error")));
        Assert.That(Run("HGETEX", K(), "EX", "60", "PERSIST", "FIELDS", "1", "f1"), Is.EqualTo(Err("ERR syntax error")));
        Assert.That(Run("HGETEX", K(), "KEEPTTL", "FIELDS", "1", "f1"), Is.EqualTo(Err("ERR syntax error")), "KEEPTTL is HSETEX's");
        Assert.That(Run("HGETEX", K(), "EX", "FIELDS", "1", "f1"), Is.EqualTo(Err("ERR syntax error")), "EX needs a value before FIELDS");
        Assert.That(Run("HGETEX", K(), "EX", "-10", "FIELDS", "1", "f1"), Is.EqualTo(Err("ERR invalid expire time in 'hgetex' command")));
        Assert.That(Run("HGETEX", K(), "EX", "abc", "FIELDS", "1", "f1"), Is.EqualTo(Err("ERR value is not an integer or out of range")));
        Assert.That(Run("HGETEX", K(), "EX", "10", "1", "f1"), Is.EqualTo(NumFields), "no FIELDS keyword");
        Assert.That(Run("HGETEX", K(), "EX", "10", "FIELDS", "2", "f1"), Is.EqualTo(NumFields));
        Assert.That(Run("HGETEX", K(), "EX", "10", "FIELDS", "-10"), Is.EqualTo(NumFields));
        Assert.That(Run("HGETEX", K("str"), "EX", "abc", "FIELDS", "1", "f1"), Is.EqualTo(WrongType), "the key is checked before the time");
        Assert.That(Run("HGETEX", K(), "PERSIST", "PERSIST", "FIELDS"), Is.EqualTo(NumFields));
    }

    // ---- HSETEX --------------------------------------------------------------------------------

    [Test]
    public void HsetexSetsFieldsWithTtlsAndConditions()
    {
        Assert.That(Run("HSETEX", K(), "EX", "100", "FIELDS", "2", "f1", "v1", "f2", "v2"), Is.EqualTo(Int(1)));
        Assert.That(Run("HTTL", K(), "FIELDS", "2", "f1", "f2"), Is.EqualTo(Ints(100, 100)));
        Assert.That(Run("OBJECT", "ENCODING", K()), Is.EqualTo(Bulk("hashtable")));
        Assert.That(Run("HSETEX", K(), "KEEPTTL", "FIELDS", "1", "f1", "new"), Is.EqualTo(Int(1)));
        Assert.That(Run("HTTL", K(), "FIELDS", "1", "f1"), Is.EqualTo(Ints(100)), "KEEPTTL");
        Assert.That(Run("HGET", K(), "f1"), Is.EqualTo(Bulk("new")));
        Assert.That(Run("HSETEX", K(), "FIELDS", "1", "f2", "plain"), Is.EqualTo(Int(1)));
        Assert.That(Run("HTTL", K(), "FIELDS", "1", "f2"), Is.EqualTo(Ints(-1)), "no option drops the TTL, as HSET");

        Assert.That(Run("HSETEX", K(), "NX", "FIELDS", "1", "x", "y"), Is.EqualTo(Int(0)), "NX: the key exists");
        Assert.That(Run("HSETEX", K("n"), "XX", "FIELDS", "1", "x", "y"), Is.EqualTo(Int(0)), "XX: no key");
        Assert.That(Run("EXISTS", K("n")), Is.EqualTo(Int(0)));
        Assert.That(Run("HSETEX", K("n"), "FXX", "EX", "10", "FIELDS", "1", "x", "y"), Is.EqualTo(Int(0)));
        Assert.That(Run("EXISTS", K("n")), Is.EqualTo(Int(0)), "FXX creates nothing");
        Assert.That(Run("HSETEX", K("n"), "NX", "FNX", "PX", "100000", "FIELDS", "1", "x", "y"), Is.EqualTo(Int(1)));
        Assert.That(Run("HSETEX", K(), "FNX", "FIELDS", "2", "f1", "a", "new", "b"), Is.EqualTo(Int(0)), "FNX: f1 exists");
        Assert.That(Run("HEXISTS", K(), "new"), Is.EqualTo(Int(0)), "all or nothing");
        Assert.That(Run("HSETEX", K(), "XX", "FXX", "FIELDS", "2", "f1", "a", "f2", "b"), Is.EqualTo(Int(1)));
        Assert.That(Run("HSETEX", K(), "FXX", "FIELDS", "2", "f1", "a", "zz", "b"), Is.EqualTo(Int(0)));
        Assert.That(Run("HMGET", K(), "f1", "f2", "zz"), Is.EqualTo("*3\r\n" + Bulk("a") + Bulk("b") + "$-1\r\n"));
    }

    [Test]
    public void HsetexWithAPastTimeDeletesTheFields()
    {
        Run("HSET", K(), "f1", "v1", "keep", "k");
        Assert.That(Run("HSETEX", K(), "PX", "0", "FIELDS", "2", "f1", "x", "f2", "y"), Is.EqualTo(Int(1)));
        Assert.That(Run("HGETALL", K()), Is.EqualTo("*2\r\n" + Bulk("keep") + Bulk("k")));
        Assert.That(Run("OBJECT", "ENCODING", K()), Is.EqualTo(Bulk("listpack")), "zero is a valid time: nothing converts");
        Assert.That(Run("HSETEX", K(), "EXAT", "1", "FIELDS", "1", "keep", "z"), Is.EqualTo(Int(1)));
        Assert.That(Run("EXISTS", K()), Is.EqualTo(Int(0)));
        Assert.That(Run("HSETEX", K("fresh"), "PX", "0", "FIELDS", "1", "a", "b"), Is.EqualTo(Int(1)), "replies 1 even though nothing stays");
        Assert.That(Run("EXISTS", K("fresh")), Is.EqualTo(Int(0)));
    }

    [Test]
    public void HsetexErrors()
    {
        Run("SET", K("str"), "x");
        Assert.That(Run("HSETEX", K(), "EX", "10", "FIELDS"), Is.EqualTo(Err("ERR wrong number of arguments for 'hsetex' command")));
        Assert.That(Run("HSETEX", K(), "EX", "10", "FIELDS", "0"), Is.EqualTo(NumFields));
        Assert.That(Run("HSETEX", K(), "EX", "10", "FIELDS", "0", "a"), Is.EqualTo(NumFields));
        Assert.That(Run("HSETEX", K(), "EX", "10", "FIELDS", "2", "f", "v"), Is.EqualTo(NumFields));
        Assert.That(Run("HSETEX", K(), "PX", "100", "FIELDS", "1", "f", "v", "extra"), Is.EqualTo(NumFields));
        Assert.That(Run("HSETEX", K(), "FIELDS", "4611686018427387904", "f", "v"), Is.EqualTo(NumFields), "no overflow of numfields * 2");
        Assert.That(Run("HSETEX", K(), "EX", "-10", "FIELDS", "1", "f", "v"), Is.EqualTo(Err("ERR invalid expire time in 'hsetex' command")));
        Assert.That(Run("HSETEX", K(), "EX", "abc", "FIELDS", "1", "f", "v"), Is.EqualTo(Err("ERR value is not an integer or out of range")));
        Assert.That(Run("HSETEX", K(), "EX", "10", "FNX", "FXX", "FIELDS", "1", "x", "y"), Is.EqualTo(Err("ERR syntax error")));
        Assert.That(Run("HSETEX", K(), "NX", "XX", "FIELDS", "1", "x", "y"), Is.EqualTo(Err("ERR syntax error")));
        Assert.That(Run("HSETEX", K(), "KEEPTTL", "EX", "10", "FIELDS", "1", "x", "y"), Is.EqualTo(Err("ERR syntax error")));
        Assert.That(Run("HSETEX", K(), "PERSIST", "FIELDS", "1", "x", "y"), Is.EqualTo(Err("ERR syntax error")), "PERSIST is HGETEX's");
        Assert.That(Run("HSETEX", K(), "KEEPTTL", "KEEPTTL", "KEEPTTL", "FIELDS"), Is.EqualTo(NumFields));
        Assert.That(Run("HSETEX", K("str"), "EX", "10", "FIELDS", "1", "x", "y"), Is.EqualTo(WrongType));
        Assert.That(Run("EXISTS", K()), Is.EqualTo(Int(0)));
    }

    // ---- HGETDEL -------------------------------------------------------------------------------

    [Test]
    public void HgetdelRepliesValuesAndDeletes()
    {
        Run("HSET", K(), "a", "1", "b", "2", "c", "3");
        Assert.That(Run("HGETDEL", K(), "FIELDS", "3", "a", "zz", "a"), Is.EqualTo("*3\r\n" + Bulk("1") + "$-1\r\n$-1\r\n"));
        Assert.That(Run("HGETALL", K()), Is.EqualTo("*4\r\n" + Bulk("b") + Bulk("2") + Bulk("c") + Bulk("3")));
        Assert.That(Run("HGETDEL", K(), "FIELDS", "3", "b", "c", "b"), Is.EqualTo("*3\r\n" + Bulk("2") + Bulk("3") + "$-1\r\n"));
        Assert.That(Run("EXISTS", K()), Is.EqualTo(Int(0)), "the last field took the key");
        Assert.That(Run("HGETDEL", K(), "FIELDS", "1", "a"), Is.EqualTo("*1\r\n$-1\r\n"));
        Assert.That(Run("HGETDEL", K(), "FIELDS", "2", "a"), Is.EqualTo(NumFields));
        Run("SET", K("str"), "x");
        Assert.That(Run("HGETDEL", K("str"), "FIELDS", "1", "a"), Is.EqualTo(WrongType));
    }

    // ---- the rest of the hash family with TTLs ------------------------------------------------------

    [Test]
    public void HsetDropsATtlAndHincrbyKeepsIt()
    {
        Run("HSET", K(), "n", "10", "m", "1.5", "s", "x");
        Run("HEXPIRE", K(), "1000", "FIELDS", "3", "n", "m", "s");
        Assert.That(Run("HINCRBY", K(), "n", "5"), Is.EqualTo(Int(15)));
        Assert.That(Run("HINCRBYFLOAT", K(), "m", "1"), Is.EqualTo(Bulk("2.5")));
        Assert.That(Run("HTTL", K(), "FIELDS", "2", "n", "m"), Is.EqualTo(Ints(1000, 1000)), "increments keep the TTL");
        Assert.That(Run("HSET", K(), "s", "y", "t", "z"), Is.EqualTo(Int(1)));
        Assert.That(Run("HTTL", K(), "FIELDS", "1", "s"), Is.EqualTo(Ints(-1)), "HSET drops it");
        Assert.That(Run("HSETNX", K(), "n", "0"), Is.EqualTo(Int(0)));
        Run("HDEL", K(), "n");
        Assert.That(Run("HSET", K(), "n", "1"), Is.EqualTo(Int(1)));
        Assert.That(Run("HTTL", K(), "FIELDS", "1", "n"), Is.EqualTo(Ints(-1)), "a re-created field has no TTL");
    }

    [Test]
    public void Resp3RepliesAreByteExact()
    {
        Resp3();
        Run("HSET", K(), "f", "v");
        Assert.That(Run("HEXPIRE", K(), "100", "FIELDS", "2", "f", "zz"), Is.EqualTo(Ints(1, -2)));
        Assert.That(Run("HTTL", K(), "FIELDS", "2", "f", "zz"), Is.EqualTo(Ints(100, -2)));
        Assert.That(Run("HGETEX", K(), "FIELDS", "2", "f", "zz"), Is.EqualTo("*2\r\n" + Bulk("v") + "_\r\n"));
        Assert.That(Run("HGETDEL", K(), "FIELDS", "2", "zz", "f"), Is.EqualTo("*2\r\n_\r\n" + Bulk("v")));
        Assert.That(Run("HSETEX", K(), "PX", "100000", "FIELDS", "1", "a", "b"), Is.EqualTo(Int(1)));
        Assert.That(Run("HGETALL", K()), Is.EqualTo("%1\r\n" + Bulk("a") + Bulk("b")));
        Assert.That(Run("HPERSIST", K(), "FIELDS", "1", "a"), Is.EqualTo(Ints(1)));
    }

    [Test]
    public void CommandInfoMatchesValkey()
    {
        var info = Run("COMMAND", "INFO", "hsetex", "httl", "hgetdel");
        Assert.That(info, Does.StartWith("*3\r\n*10\r\n$6\r\nhsetex\r\n:-6\r\n"));
        Assert.That(info, Does.Contain("$4\r\nhttl\r\n:-5\r\n"));
        Assert.That(info, Does.Contain("$7\r\nhgetdel\r\n:-5\r\n"));
        Assert.That(Run("COMMAND", "GETKEYS", "HEXPIRE", "mykey", "10", "FIELDS", "1", "f"), Is.EqualTo("*1\r\n" + Bulk("mykey")));
    }

    // ---- StackExchange.Redis --------------------------------------------------------------------

    [Test]
    public void StackExchangeRedisFieldExpiryApi()
    {
        var key = (RedisKey)K();
        Db.HashSet(key, [new HashEntry("a", "1"), new HashEntry("b", "2")]);
        var results = Db.HashFieldExpire(key, ["a", "nope"], TimeSpan.FromSeconds(100));
        Assert.That(results, Is.EqualTo(new[] { ExpireResult.Success, ExpireResult.NoSuchField }));
        Assert.That(Db.HashFieldExpire(key, ["a"], TimeSpan.FromSeconds(200), ExpireWhen.HasNoExpiry), Is.EqualTo(new[] { ExpireResult.ConditionNotMet }));
        var ttls = Db.HashFieldGetTimeToLive(key, ["a", "b", "nope"]);
        Assert.That(ttls[0], Is.InRange(95_000L, 100_000L), "milliseconds");
        Assert.That(ttls[1..], Is.EqualTo(new[] { -1L, -2L }));
        Assert.That(Db.HashFieldPersist(key, ["a", "b"]), Is.EqualTo(new[] { PersistResult.Success, PersistResult.ConditionNotMet }));
        Assert.That(Db.HashFieldExpire(key, ["b"], TimeSpan.Zero), Is.EqualTo(new[] { ExpireResult.Due }));
        Assert.That((string?)Db.HashFieldGetAndSetExpiry(key, "a", TimeSpan.FromSeconds(50)), Is.EqualTo("1"));
        Assert.That(Db.HashFieldGetTimeToLive(key, ["a"])[0], Is.InRange(45_000L, 50_000L));
        Db.HashFieldSetAndSetExpiry(key, "c", "3", TimeSpan.FromSeconds(30));
        Assert.That((string?)Db.HashGet(key, "c"), Is.EqualTo("3"));
        Assert.That((string?)Db.HashFieldGetAndDelete(key, "c"), Is.EqualTo("3"));
        Assert.That(Db.HashExists(key, "c"), Is.False);
        var raw = Db.Execute("HEXPIRE", key, 10, "XX", "FIELDS", 1, "a");
        Assert.That((long[])raw!, Is.EqualTo(new[] { 1L }));
    }
}

/// <summary>
/// Lazy and active expiry of hash fields on a server of its own (DEBUG SET-ACTIVE-EXPIRE, INFO
/// counters, FLUSHALL): expired fields hidden but counted by HLEN until reclaimed, the active
/// cycle reclaiming them and deleting emptied hashes, expired_fields and keys_with_volatile_items
/// through RENAME, MOVE, COPY, SWAPDB, SET and FLUSHALL.
/// </summary>
[TestFixture]
public class HashFieldActiveExpireTests : OwnServerFixture
{
    private RawRespClient _client = null!;

    protected override string[] ServerArguments => ["--enable-debug-command", "yes"];

    [SetUp]
    public void Connect()
    {
        _client = Raw();
        Run("FLUSHALL");
        Run("DEBUG", "SET-ACTIVE-EXPIRE", "1");
    }

    [TearDown]
    public void Disconnect() => _client.Dispose();

    private string Run(params string[] args) => _client.Execute(args);

    private long ExpiredFields() => InfoParser.Field(BulkText(Run("INFO", "stats")), "expired_fields");

    private string KeyspaceLine(int db = 0) =>
        InfoParser.Fields(BulkText(Run("INFO", "keyspace"))).TryGetValue("db" + db, out var line) ? line : "";

    private long VolatileKeys(int db = 0)
    {
        string line = KeyspaceLine(db);
        int at = line.IndexOf("keys_with_volatile_items=", StringComparison.Ordinal);
        return at < 0 ? 0 : long.Parse(line[(at + "keys_with_volatile_items=".Length)..]);
    }

    private static void WaitFor(Func<bool> condition, string what, int timeoutMs = 5000)
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            if (sw.ElapsedMilliseconds > timeoutMs) Assert.Fail("timed out waiting for " + what);
            Thread.Sleep(20);
        }
    }

    [Test]
    public void ExpiredFieldsAreHiddenButCountedUntilActiveExpiryReclaimsThem()
    {
        Run("DEBUG", "SET-ACTIVE-EXPIRE", "0");
        long before = ExpiredFields();
        Run("HSET", "h", "keep", "1");
        Assert.That(Run("HSETEX", "h", "PX", "30", "FIELDS", "2", "gone1", "x", "gone2", "y"), Is.EqualTo(Int(1)));
        Assert.That(KeyspaceLine(), Is.EqualTo("keys=1,expires=0,avg_ttl=0,keys_with_volatile_items=1"));
        Thread.Sleep(80);
        Assert.That(Run("HGET", "h", "gone1"), Is.EqualTo("$-1\r\n"));
        Assert.That(Run("HEXISTS", "h", "gone1"), Is.EqualTo(Int(0)));
        Assert.That(Run("HSTRLEN", "h", "gone1"), Is.EqualTo(Int(0)));
        Assert.That(Run("HLEN", "h"), Is.EqualTo(Int(3)), "HLEN counts fields not reclaimed yet, as Valkey");
        Assert.That(Run("HGETALL", "h"), Is.EqualTo("*2\r\n" + Bulk("keep") + Bulk("1")));
        Assert.That(Run("HKEYS", "h"), Is.EqualTo("*1\r\n" + Bulk("keep")));
        Assert.That(Run("HSCAN", "h", "0"), Is.EqualTo("*2\r\n$1\r\n0\r\n*2\r\n" + Bulk("keep") + Bulk("1")));
        Assert.That(Run("HRANDFIELD", "h", "-5"), Is.EqualTo("*5\r\n" + string.Concat(Enumerable.Repeat(Bulk("keep"), 5))));
        Assert.That(Run("HRANDFIELD", "h", "10"), Is.EqualTo("*1\r\n" + Bulk("keep")));
        Assert.That(Run("HTTL", "h", "FIELDS", "2", "gone1", "keep"), Is.EqualTo("*2\r\n:-2\r\n:-1\r\n"));
        Assert.That(Run("HPERSIST", "h", "FIELDS", "1", "gone1"), Is.EqualTo("*1\r\n:-2\r\n"));
        Assert.That(Run("HDEL", "h", "gone1"), Is.EqualTo(Int(0)), "HDEL does not see it either");
        Assert.That(ExpiredFields(), Is.EqualTo(before), "nothing reclaimed while active expiry is off");

        Assert.That(Run("HSET", "h", "gone2", "back"), Is.EqualTo(Int(1)), "overwriting an expired field creates it");
        Assert.That(ExpiredFields(), Is.EqualTo(before + 1), "and counts the old one as expired");
        Assert.That(Run("HTTL", "h", "FIELDS", "1", "gone2"), Is.EqualTo("*1\r\n:-1\r\n"));

        Run("DEBUG", "SET-ACTIVE-EXPIRE", "1");
        WaitFor(() => Run("HLEN", "h") == Int(2), "the active cycle to reclaim gone1");
        Assert.That(ExpiredFields(), Is.EqualTo(before + 2));
        Assert.That(VolatileKeys(), Is.EqualTo(0));
        Assert.That(Run("HGETALL", "h"), Is.AnyOf("*4\r\n" + Bulk("keep") + Bulk("1") + Bulk("gone2") + Bulk("back"),
            "*4\r\n" + Bulk("gone2") + Bulk("back") + Bulk("keep") + Bulk("1")));
    }

    [Test]
    public void ActiveExpiryDeletesAHashWhenItsLastFieldExpires()
    {
        long before = ExpiredFields();
        Run("HSET", "a", "f1", "v1", "f2", "v2");
        Run("HPEXPIRE", "a", "50", "FIELDS", "2", "f1", "f2");
        Run("HSETEX", "b", "PX", "50", "FIELDS", "1", "f", "v");
        Run("HSET", "b", "plain", "p");
        Assert.That(VolatileKeys(), Is.EqualTo(2));
        WaitFor(() => Run("EXISTS", "a") == Int(0), "hash a to be deleted");
        WaitFor(() => Run("HLEN", "b") == Int(1), "field f of b to be reclaimed");
        Assert.That(ExpiredFields(), Is.EqualTo(before + 3));
        Assert.That(VolatileKeys(), Is.EqualTo(0));
        Assert.That(KeyspaceLine(), Is.EqualTo("keys=1,expires=0,avg_ttl=0,keys_with_volatile_items=0"));
    }

    [Test]
    public void ActiveExpiryReclaimsManyFieldsAcrossManyHashes()
    {
        const int Hashes = 200, Fields = 300;
        for (int k = 0; k < Hashes; k++)
        {
            var args = new List<string> { "HSETEX", "big" + k, "PX", "3000", "FIELDS", Fields.ToString() };
            for (int i = 0; i < Fields; i++) { args.Add("f" + i); args.Add("v" + i); }
            Run(args.ToArray());
            Run("HSET", "big" + k, "survivor", "s");
        }
        Assert.That(VolatileKeys(), Is.EqualTo(Hashes));
        WaitFor(() => VolatileKeys() == 0, "every field TTL to be reclaimed", 20_000);
        for (int k = 0; k < Hashes; k += 37)
            Assert.That(Run("HGETALL", "big" + k), Is.EqualTo("*2\r\n" + Bulk("survivor") + Bulk("s")));
        Assert.That(Run("DBSIZE"), Is.EqualTo(Int(Hashes)));
    }

    [Test]
    public void KeyspaceOperationsKeepVolatileKeysRight()
    {
        Run("HSETEX", "h", "EX", "1000", "FIELDS", "1", "f", "v");
        Run("HSET", "h", "p", "1");
        Assert.That(Run("RENAME", "h", "r"), Is.EqualTo("+OK\r\n"));
        Assert.That(VolatileKeys(), Is.EqualTo(1));
        Assert.That(Run("HTTL", "r", "FIELDS", "2", "f", "p"), Is.EqualTo("*2\r\n:1000\r\n:-1\r\n"));
        Assert.That(Run("COPY", "r", "c"), Is.EqualTo(Int(1)));
        Assert.That(VolatileKeys(), Is.EqualTo(2));
        Assert.That(Run("MEMORY", "USAGE", "r"), Is.EqualTo(Run("MEMORY", "USAGE", "c")));
        Assert.That(Run("HPERSIST", "c", "FIELDS", "1", "f"), Is.EqualTo("*1\r\n:1\r\n"));
        Assert.That(VolatileKeys(), Is.EqualTo(1), "the copy has no TTL field left; the original keeps its own");
        Assert.That(Run("HTTL", "r", "FIELDS", "1", "f"), Is.EqualTo("*1\r\n:1000\r\n"));
        Assert.That(Run("MOVE", "r", "3"), Is.EqualTo(Int(1)));
        Assert.That(VolatileKeys(), Is.EqualTo(0));
        Assert.That(VolatileKeys(3), Is.EqualTo(1));
        Run("SELECT", "3");
        Assert.That(Run("HTTL", "r", "FIELDS", "1", "f"), Is.EqualTo("*1\r\n:1000\r\n"));
        Assert.That(Run("SWAPDB", "3", "4"), Is.EqualTo("+OK\r\n"));
        Assert.That(VolatileKeys(3), Is.EqualTo(0));
        Assert.That(VolatileKeys(4), Is.EqualTo(1));
        Run("SELECT", "4");
        Run("SET", "r", "string now");
        Assert.That(VolatileKeys(4), Is.EqualTo(0), "SET over the hash");
        Run("HSETEX", "x", "EX", "1000", "FIELDS", "1", "f", "v");
        Run("HSETEX", "y", "EX", "1000", "FIELDS", "1", "f", "v");
        Assert.That(Run("DEL", "x"), Is.EqualTo(Int(1)));
        Assert.That(VolatileKeys(4), Is.EqualTo(1));
        Assert.That(Run("HDEL", "y", "f"), Is.EqualTo(Int(1)));
        Assert.That(Run("EXISTS", "y"), Is.EqualTo(Int(0)));
        Assert.That(VolatileKeys(4), Is.EqualTo(0));
        Run("HSETEX", "z", "EX", "1000", "FIELDS", "1", "f", "v");
        Run("FLUSHALL");
        Assert.That(VolatileKeys(4), Is.EqualTo(0));
        Assert.That(Run("HSETEX", "z", "EX", "1000", "FIELDS", "1", "f", "v"), Is.EqualTo(Int(1)));
        Assert.That(VolatileKeys(4), Is.EqualTo(1), "the index works again after a flush");
    }

    [Test]
    public void HsetexAndHexpireWithPastTimesCountExpiredFields()
    {
        long before = ExpiredFields();
        Run("HSET", "h", "a", "1", "b", "2");
        Assert.That(Run("HEXPIRE", "h", "0", "FIELDS", "2", "a", "zz"), Is.EqualTo("*2\r\n:2\r\n:-2\r\n"));
        Assert.That(ExpiredFields(), Is.EqualTo(before + 1));
        Assert.That(Run("HSETEX", "h", "PX", "0", "FIELDS", "2", "b", "x", "zz", "y"), Is.EqualTo(Int(1)));
        Assert.That(ExpiredFields(), Is.EqualTo(before + 3), "HSETEX counts every field, present or not, as Valkey");
        Assert.That(Run("EXISTS", "h"), Is.EqualTo(Int(0)));
        Run("HSET", "g", "a", "1");
        Assert.That(Run("HGETEX", "g", "EX", "0", "FIELDS", "2", "a", "zz"), Is.EqualTo("*2\r\n" + Bulk("1") + "$-1\r\n"));
        Assert.That(ExpiredFields(), Is.EqualTo(before + 4), "HGETEX counts only the fields it deleted");
        Run("CONFIG", "RESETSTAT");
        Assert.That(ExpiredFields(), Is.EqualTo(0));
    }
}
