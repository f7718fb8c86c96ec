using NUnit.Framework;
using StackExchange.Redis;
using Valkey.Native.Tests.Infrastructure;
using static Valkey.Native.Tests.Infrastructure.Resp;

namespace Valkey.Native.Tests.Integration;

/// <summary>
/// DUMP and RESTORE: payloads byte-identical to redis-server 7.0's where the encodings agree,
/// payloads crossing in both directions for every type, RESTORE's options and its exact errors.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class DumpRestoreTests : OwnServerFixture
{
    private ReferenceRedisServer? _redis;
    private ConnectionMultiplexer? _redisMux;

    protected override string[] ServerArguments => ["--save", ""];

    private ReferenceRedisServer Redis7 => _redis ??= ReferenceRedisServer.StartOrIgnore();
    private ConnectionMultiplexer Redis7Mux => _redisMux ??= RdbTestData.Connect(Redis7.Port);

    [OneTimeTearDown]
    public void StopRedis()
    {
        _redisMux?.Dispose();
        _redis?.Dispose();
    }

    private IDatabase Ours => Redis.GetDatabase(0);

    [Test]
    public void PayloadsAreByteIdenticalToRedis70WhereEncodingsAgree()
    {
        var theirs = Redis7Mux.GetDatabase(0);
        foreach (var db in new[] { Ours, theirs })
        {
            db.KeyDelete(["bx:s", "bx:i", "bx:n", "bx:l", "bx:li", "bx:is", "bx:h", "bx:z", "bx:zi", "bx:big"]);
            db.StringSet("bx:s", "hello world");
            db.StringSet("bx:i", "1234");
            db.StringSet("bx:n", "-9000000000");
            db.StringSet("bx:big", "12345678901234567890123");
            db.ListRightPush("bx:l", ["a", "bb", "ccc", "", "-1", "100000", "9223372036854775807"]);
            db.ListRightPush("bx:li", Enumerable.Range(-50, 100).Select(i => (RedisValue)(i * 12345)).ToArray());
            db.SetAdd("bx:is", [5, 1, -3, 40000, 3000000000]);
            db.HashSet("bx:h", [new("name", "value"), new("n", "42"), new("neg", "-4096"), new("e", "")]);
            db.SortedSetAdd("bx:z", [new("one", 1), new("half", 0.5), new("big", 1e15), new("neg", -2), new("third", 1.0 / 3), new("inf", double.NegativeInfinity)]);
            db.SortedSetAdd("bx:zi", [new("a", 100), new("b", 200)]);
        }
        // bx:big is left out: it is LZF-compressed, and our LZF encoder picks other (equally valid) matches than liblzf.
        foreach (var key in new[] { "bx:s", "bx:i", "bx:n", "bx:l", "bx:li", "bx:is", "bx:h", "bx:z", "bx:zi" })
        {
            byte[] mine = (byte[])Ours.KeyDump(key)!;
            byte[] reference = (byte[])theirs.KeyDump(key)!;
            Assert.That(Convert.ToHexString(mine), Is.EqualTo(Convert.ToHexString(reference)), key);
        }
    }

    [Test]
    public void PayloadsCrossInBothDirectionsForEveryType()
    {
        var theirs = Redis7Mux.GetDatabase(0);
        Ours.Execute("FLUSHALL");
        theirs.Execute("FLUSHALL");
        RdbTestData.Populate(Ours, Redis.GetDatabase(5));
        RdbTestData.Populate(theirs, Redis7Mux.GetDatabase(5));
        foreach (var (from, to, label) in new[] { (Ours, theirs, "ours->redis"), (theirs, Ours, "redis->ours") })
        {
            foreach (var key in Redis.GetServers()[0].Keys(0))
            {
                byte[] payload = (byte[])from.KeyDump(key)!;
                string copy = "copy:" + key;
                from.KeyDelete(copy);
                to.KeyDelete(copy);
                to.Execute("RESTORE", copy, 0, payload);
                var type = from.KeyType(key);
                Assert.That(to.KeyType(copy), Is.EqualTo(type), $"{label} {key}");
                Assert.That(Content(to, copy, type), Is.EqualTo(Content(from, key, type)), $"{label} {key}");
            }
        }
    }

    private static string Content(IDatabase db, RedisKey key, RedisType type) => RdbTestData.Content(db, key, type);

    [Test]
    public void DumpOfAMissingKeyIsNull()
    {
        using var raw = Server.CreateRawClient();
        Assert.That(raw.Execute("DUMP", "dr:missing"), Is.EqualTo("$-1\r\n"));
    }

    [Test]
    public void RestoreErrors()
    {
        Ours.StringSet("dr:src", "value");
        byte[] payload = (byte[])Ours.KeyDump("dr:src")!;
        string p = System.Text.Encoding.Latin1.GetString(payload);
        using var raw = Server.CreateRawClient();
        Assert.That(Exec(raw, "RESTORE", "dr:src", "0", payload), Is.EqualTo("-BUSYKEY Target key name already exists.\r\n"));
        Assert.That(Exec(raw, "RESTORE", "dr:new", "-1", payload), Is.EqualTo("-ERR Invalid TTL value, must be >= 0\r\n"));
        Assert.That(Exec(raw, "RESTORE", "dr:new", "abc", payload), Is.EqualTo("-ERR value is not an integer or out of range\r\n"));
        byte[] badCrc = (byte[])payload.Clone();
        badCrc[^1] ^= 1;
        Assert.That(Exec(raw, "RESTORE", "dr:new", "0", badCrc), Is.EqualTo("-ERR DUMP payload version or checksum are wrong\r\n"));
        byte[] future = (byte[])payload.Clone();
        future[^10] = 99;
        Assert.That(Exec(raw, "RESTORE", "dr:new", "0", future), Is.EqualTo("-ERR DUMP payload version or checksum are wrong\r\n"));
        Assert.That(Exec(raw, "RESTORE", "dr:new", "0", "short"u8.ToArray()), Is.EqualTo("-ERR DUMP payload version or checksum are wrong\r\n"));
        // A correct footer over a body that is not an RDB object.
        byte[] garbage = WithFooter([42, 1, 2, 3]);
        Assert.That(Exec(raw, "RESTORE", "dr:new", "0", garbage), Is.EqualTo("-ERR Bad data format\r\n"));
        Assert.That(Exec(raw, "RESTORE", "dr:new", "0", payload, "BOGUS"), Is.EqualTo("-ERR syntax error\r\n"));
        Assert.That(Exec(raw, "RESTORE", "dr:new", "0", payload, "IDLETIME", "-1"), Is.EqualTo("-ERR Invalid IDLETIME value, must be >= 0\r\n"));
        Assert.That(Exec(raw, "RESTORE", "dr:new", "0", payload, "FREQ", "256"), Is.EqualTo("-ERR Invalid FREQ value, must be >= 0 and <= 255\r\n"));
        Assert.That(Exec(raw, "RESTORE", "dr:new", "0", payload, "FREQ", "1", "IDLETIME", "1"), Is.EqualTo("-ERR syntax error\r\n"));
        Assert.That(Exec(raw, "RESTORE", "dr:new", "0", payload, "IDLETIME"), Is.EqualTo("-ERR syntax error\r\n"));
        Assert.That(raw.Execute("EXISTS", "dr:new"), Is.EqualTo(":0\r\n"));
        Assert.That(p, Is.Not.Empty);
    }

    private static byte[] WithFooter(byte[] body)
    {
        var withVersion = body.Concat(new byte[] { 10, 0 }).ToArray();
        ulong crc = Valkey.Native.Util.Crc64.Compute(withVersion);
        return withVersion.Concat(BitConverter.GetBytes(crc)).ToArray();
    }

    private static string Exec(RawRespClient raw, params object[] args)
    {
        var parts = args.Select(a => a is byte[] b ? b : System.Text.Encoding.UTF8.GetBytes((string)a)).ToArray();
        raw.SendCommand(parts);
        return raw.ReadReply();
    }

    [Test]
    public void RestoreOptions()
    {
        Ours.StringSet("dr:opt", "v");
        byte[] payload = (byte[])Ours.KeyDump("dr:opt")!;
        using var raw = Server.CreateRawClient();
        Assert.That(Exec(raw, "RESTORE", "dr:opt", "0", payload, "REPLACE"), Is.EqualTo("+OK\r\n"));
        Assert.That(Exec(raw, "RESTORE", "dr:ttl", "5000", payload), Is.EqualTo("+OK\r\n"));
        long pttl = Integer(raw.Execute("PTTL", "dr:ttl"));
        Assert.That(pttl, Is.InRange(1, 5000));
        long future = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 100_000;
        Assert.That(Exec(raw, "RESTORE", "dr:abs", future.ToString(), payload, "ABSTTL"), Is.EqualTo("+OK\r\n"));
        Assert.That(Integer(raw.Execute("PEXPIRETIME", "dr:abs")), Is.EqualTo(future));
        // An absolute TTL in the past: OK, but no key (and REPLACE removes the old one).
        Assert.That(Exec(raw, "RESTORE", "dr:abs", "1000", payload, "ABSTTL", "REPLACE"), Is.EqualTo("+OK\r\n"));
        Assert.That(raw.Execute("EXISTS", "dr:abs"), Is.EqualTo(":0\r\n"));
        Assert.That(Exec(raw, "RESTORE", "dr:idle", "0", payload, "IDLETIME", "1000"), Is.EqualTo("+OK\r\n"));
        Assert.That(Integer(raw.Execute("OBJECT", "IDLETIME", "dr:idle")), Is.InRange(1000, 1010));
        Assert.That(raw.Execute("CONFIG", "SET", "maxmemory-policy", "allkeys-lfu"), Is.EqualTo("+OK\r\n"));
        try
        {
            Assert.That(Exec(raw, "RESTORE", "dr:freq", "0", payload, "FREQ", "100"), Is.EqualTo("+OK\r\n"));
            Assert.That(raw.Execute("OBJECT", "FREQ", "dr:freq"), Is.EqualTo(":100\r\n"));
        }
        finally
        {
            raw.Execute("CONFIG", "SET", "maxmemory-policy", "noeviction");
        }
        Assert.That(raw.Execute("GET", "dr:freq"), Is.EqualTo(Bulk("v")));
    }

    [Test]
    public void HashWithFieldTtlsDumpsAsRdb80AndRestoresTheTtls()
    {
        using var raw = Server.CreateRawClient();
        raw.Execute("HSET", "dr:hf", "a", "1", "b", "2");
        raw.Execute("HEXPIRE", "dr:hf", "1000", "FIELDS", "1", "a");
        byte[] payload = (byte[])Ours.KeyDump("dr:hf")!;
        Assert.That(payload[^10], Is.EqualTo(80), "RDB version 80 (Valkey 9's hash with field TTLs)");
        Assert.That(payload[0], Is.EqualTo(22), "RDB_TYPE_HASH_2");
        Assert.That(Exec(raw, "RESTORE", "dr:hf2", "0", payload), Is.EqualTo("+OK\r\n"));
        Assert.That(raw.Execute("HTTL", "dr:hf2", "FIELDS", "2", "a", "b"), Does.Match(@"^\*2\r\n:(99\d|1000)\r\n:-1\r\n$"));
        // Redis 7.0 cannot read it, and says so.
        using var r7 = Redis7.CreateRawClient();
        r7.SendCommand("RESTORE"u8.ToArray(), "dr:hf"u8.ToArray(), "0"u8.ToArray(), payload);
        Assert.That(r7.ReadReply(), Is.EqualTo("-ERR DUMP payload version or checksum are wrong\r\n"));
    }
}
