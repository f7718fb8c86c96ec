using System.Diagnostics;
using System.Text;
using NUnit.Framework;
using StackExchange.Redis;
using Valkey.Native.Tests.Infrastructure;
using static Valkey.Native.Tests.Infrastructure.Resp;

namespace Valkey.Native.Tests.Integration;

/// <summary>
/// PFADD, PFCOUNT, PFMERGE, PFDEBUG and PFSELFTEST against the shared server: byte-exact values
/// and replies over a raw socket, StackExchange.Redis's HyperLogLog API, type errors, corrupted
/// values. Configuration-dependent promotion is in <see cref="HyperLogLogSparseLimitTests"/>,
/// byte-for-byte compatibility with a real redis-server in <see cref="HyperLogLogRedisInteropTests"/>.
/// </summary>
[TestFixture]
public class HyperLogLogCommandsTests : SharedServerFixture
{
    private static string K(string name = "k") => $"{{hll}}:{TestContext.CurrentContext.Test.Name}:{name}";

    private const string HllWrongType = "-WRONGTYPE Key is not a valid HyperLogLog string value.\r\n";
    private const string Corrupted = "-INVALIDOBJ Corrupted HLL object detected\r\n";
    private const string EmptyHllHex = "48594C4C010000000000000000000080" + "7FFF";
    private const string AbcHllHex = "48594C4C010000000000000000000080" + "60F38050B1844BFB80425A";

    private static byte[] Get(string key) => (byte[])Db.StringGet(key)!;

    private static string Hex(string key) => Convert.ToHexString(Get(key));

    private static RedisValue[] Elements(string prefix, int count) =>
        Enumerable.Range(0, count).Select(i => (RedisValue)$"{prefix}{i}").ToArray();

    /// <summary>Writes arbitrary bytes as the key's string value.</summary>
    private static void SetBytes(string key, byte[] value) => Db.StringSet(key, value);

    private static byte[] FromHex(string hex) => Convert.FromHexString(hex);

    // ---- PFADD ---------------------------------------------------------------------------------

    [Test]
    public void PfaddWithoutElementsCreatesAnEmptySparseRawString()
    {
        Assert.That(Run("PFADD", K()), Is.EqualTo(Int(1)));
        Assert.That(Hex(K()), Is.EqualTo(EmptyHllHex), "HYLL, sparse, stale cache, XZERO:16384");
        Assert.That(Run("TYPE", K()), Is.EqualTo("+string\r\n"));
        Assert.That(Run("OBJECT", "ENCODING", K()), Is.EqualTo(Bulk("raw")));
        Assert.That(Run("STRLEN", K()), Is.EqualTo(Int(18)));
        Assert.That(Run("PFCOUNT", K()), Is.EqualTo(Int(0)));
        Assert.That(Run("PFADD", K()), Is.EqualTo(Int(0)), "no elements, nothing changed");
    }

    [Test]
    public void PfaddRepliesWhetherARegisterChanged()
    {
        Assert.That(Run("PFADD", K(), "a", "b", "c"), Is.EqualTo(Int(1)));
        Assert.That(Hex(K()), Is.EqualTo(AbcHllHex), "the bytes redis-server 7 stores for the same elements");
        Assert.That(Run("PFADD", K(), "a", "b", "c"), Is.EqualTo(Int(0)));
        Assert.That(Run("PFADD", K(), "c", "d"), Is.EqualTo(Int(1)));
        Assert.That(Run("PFADD", K("e"), ""), Is.EqualTo(Int(1)), "the empty string is an element");
        Assert.That(Run("PFCOUNT", K()), Is.EqualTo(Int(4)));
    }

    [Test]
    public void PfaddOnAnEmbstrHllMakesItRaw()
    {
        SetBytes(K(), FromHex(AbcHllHex));
        Assert.That(Run("OBJECT", "ENCODING", K()), Is.EqualTo(Bulk("embstr")));
        Assert.That(Run("PFADD", K(), "a"), Is.EqualTo(Int(0)));
        Assert.That(Run("OBJECT", "ENCODING", K()), Is.EqualTo(Bulk("raw")), "dbUnshareStringValue");
        Assert.That(Hex(K()), Is.EqualTo(AbcHllHex));
    }

    [Test]
    public void PfaddKeepsTheTtl()
    {
        Run("PFADD", K(), "a");
        Run("EXPIRE", K(), "1000");
        Run(["PFADD", K(), .. Elements("x", 3000).Select(v => v.ToString())]);
        Assert.That(Run("PFDEBUG", "ENCODING", K()), Is.EqualTo("+dense\r\n"));
        Assert.That(Integer(Run("TTL", K())), Is.InRange(990, 1000));
    }

    // ---- PFCOUNT -------------------------------------------------------------------------------

    [Test]
    public void PfcountCachesTheEstimateInTheHeader()
    {
        Run("PFADD", K(), "a", "b", "c");
        Assert.That(Get(K())[15], Is.EqualTo(0x80), "stale after an add");
        Assert.That(Run("PFCOUNT", K()), Is.EqualTo(Int(3)));
        byte[] cached = Get(K());
        Assert.That(cached[8..16], Is.EqualTo(new byte[] { 3, 0, 0, 0, 0, 0, 0, 0 }));
        Assert.That(Run("PFADD", K(), "a", "b", "c"), Is.EqualTo(Int(0)));
        Assert.That(Get(K())[15], Is.EqualTo(0x00), "an add that changes nothing keeps the cache");
        Assert.That(Run("PFADD", K(), "1", "2", "3"), Is.EqualTo(Int(1)));
        Assert.That(Get(K())[15], Is.EqualTo(0x80));
        Assert.That(Run("PFCOUNT", K()), Is.EqualTo(Int(6)));
    }

    [Test]
    public void PfcountReturnsAValidCachedValueAsIs()
    {
        byte[] value = FromHex(AbcHllHex);
        value[8] = 42;
        value[15] = 0;
        SetBytes(K(), value);
        Assert.That(Run("PFCOUNT", K()), Is.EqualTo(Int(42)), "the cache is trusted while its stale bit is clear");
    }

    [Test]
    public void PfcountOfMissingKeysIsZero()
    {
        Assert.That(Run("PFCOUNT", K()), Is.EqualTo(Int(0)));
        Assert.That(Run("PFCOUNT", K("a"), K("b")), Is.EqualTo(Int(0)));
        Assert.That(Run("EXISTS", K()), Is.EqualTo(Int(0)));
    }

    [Test]
    public void PfcountOfSeveralKeysCountsTheUnionWithoutTouchingThem()
    {
        Run("PFADD", K("a"), "a", "b", "c");
        Run("PFADD", K("b"), "b", "c", "d");
        byte[] before = Get(K("a"));
        Assert.That(Run("PFCOUNT", K("a"), K("b"), K("missing")), Is.EqualTo(Int(4)));
        Assert.That(Get(K("a")), Is.EqualTo(before), "the union does not write caches");
        Assert.That(Run("PFCOUNT", K("a"), K("a")), Is.EqualTo(Int(3)));
    }

    [Test]
    public void CountsEqualValkeysEstimates()
    {
        // PFCOUNT values redis-server 7.0.15 gives for "e:0".."e:(n-1)".
        foreach (var (n, expected) in new[] { (1000, 995L), (10000, 10077L), (100000, 100342L) })
        {
            string key = K(n.ToString());
            for (int i = 0; i < n; i += 1000) Db.HyperLogLogAdd(key, Enumerable.Range(i, Math.Min(1000, n - i)).Select(j => (RedisValue)$"e:{j}").ToArray());
            Assert.That(Db.HyperLogLogLength(key), Is.EqualTo(expected), $"n={n}");
        }
    }

    // ---- StackExchange.Redis API ---------------------------------------------------------------

    [Test]
    public void StackExchangeRedisHyperLogLogApi()
    {
        Assert.That(Db.HyperLogLogAdd(K("a"), Elements("a", 1000)), Is.True);
        Assert.That(Db.HyperLogLogAdd(K("a"), "a0"), Is.False);
        Assert.That(Db.HyperLogLogAdd(K("b"), Elements("b", 2000)), Is.True);
        long a = Db.HyperLogLogLength(K("a")), b = Db.HyperLogLogLength(K("b"));
        Assert.That(a, Is.InRange(950, 1050));
        Assert.That(b, Is.InRange(1900, 2100));
        long union = Db.HyperLogLogLength([K("a"), K("b")]);
        Assert.That(union, Is.InRange(2850, 3150));
        Db.HyperLogLogMerge(K("d"), [K("a"), K("b")]);
        Assert.That(Db.HyperLogLogLength(K("d")), Is.EqualTo(union), "PFMERGE and the PFCOUNT union agree");
        Db.HyperLogLogMerge(K("d2"), K("a"), K("b"));
        Assert.That(Get(K("d2"))[16..], Is.EqualTo(Get(K("d"))[16..]), "same registers (only d has its count cached)");
    }

    // ---- PFMERGE -------------------------------------------------------------------------------

    [Test]
    public void PfmergeCountsTheUnion()
    {
        Run("PFADD", K("1"), "a", "b", "c");
        Run("PFADD", K("2"), "b", "c", "d");
        Run("PFADD", K("3"), "c", "d", "e");
        Assert.That(Run("PFMERGE", K(), K("1"), K("2"), K("3")), Is.EqualTo(Ok));
        Assert.That(Run("PFCOUNT", K()), Is.EqualTo(Int(5)));
        Assert.That(Run("PFDEBUG", "ENCODING", K()), Is.EqualTo("+sparse\r\n"), "sparse inputs keep a sparse target");
        Assert.That(Get(K())[15], Is.EqualTo(0), "PFCOUNT cached the union count");
    }

    [Test]
    public void PfmergeWithMissingSourcesCreatesAnEmptyDestination()
    {
        Assert.That(Run("PFMERGE", K(), K("nosuch")), Is.EqualTo(Ok));
        Assert.That(Hex(K()), Is.EqualTo(EmptyHllHex));
        Assert.That(Run("PFMERGE", K("d2")), Is.EqualTo(Ok));
        Assert.That(Run("EXISTS", K("d2")), Is.EqualTo(Int(1)));
        Assert.That(Run("PFCOUNT", K("d2")), Is.EqualTo(Int(0)));
    }

    [Test]
    public void PfmergeIncludesTheDestination()
    {
        Run("PFADD", K(), "a", "b", "c");
        Assert.That(Run("PFMERGE", K()), Is.EqualTo(Ok));
        Assert.That(Run("PFCOUNT", K()), Is.EqualTo(Int(3)));
        Run("PFADD", K("src"), "d");
        Assert.That(Run("PFMERGE", K(), K("src")), Is.EqualTo(Ok));
        Assert.That(Run("PFCOUNT", K()), Is.EqualTo(Int(4)));
    }

    [Test]
    public void PfmergeWithADenseInputMakesADenseTarget()
    {
        Run("PFADD", K("sparse"), "a", "b");
        Run("PFADD", K("dense"), "c");
        Assert.That(Run("PFDEBUG", "TODENSE", K("dense")), Is.EqualTo(Int(1)));
        Assert.That(Run("PFMERGE", K(), K("sparse"), K("dense")), Is.EqualTo(Ok));
        Assert.That(Run("PFDEBUG", "ENCODING", K()), Is.EqualTo("+dense\r\n"));
        Assert.That(Run("STRLEN", K()), Is.EqualTo(Int(12304)));
        Assert.That(Run("PFCOUNT", K()), Is.EqualTo(Int(3)));
        Assert.That(Run("PFDEBUG", "ENCODING", K("sparse")), Is.EqualTo("+sparse\r\n"), "sources are not modified");
    }

    // ---- type checks and corrupted values ------------------------------------------------------

    [Test]
    public void OtherTypesGiveTheUsualWrongTypeError()
    {
        Run("RPUSH", K("list"), "x");
        Assert.That(Run("PFADD", K("list"), "a"), Is.EqualTo(WrongType));
        Assert.That(Run("PFCOUNT", K("list")), Is.EqualTo(WrongType));
        Assert.That(Run("PFCOUNT", K("missing"), K("list")), Is.EqualTo(WrongType));
        Assert.That(Run("PFMERGE", K("dest"), K("list")), Is.EqualTo(WrongType));
        Assert.That(Run("PFMERGE", K("list"), K("missing")), Is.EqualTo(WrongType));
        Assert.That(Run("EXISTS", K("dest")), Is.EqualTo(Int(0)));
    }

    [Test]
    public void StringsThatAreNotHllsAreRejected()
    {
        Run("SET", K("plain"), "bar");
        Run("SET", K("int"), "12345");
        foreach (var key in new[] { K("plain"), K("int") })
        {
            Assert.That(Run("PFADD", key, "a"), Is.EqualTo(HllWrongType));
            Assert.That(Run("PFCOUNT", key), Is.EqualTo(HllWrongType));
            Assert.That(Run("PFMERGE", K("d"), key), Is.EqualTo(HllWrongType));
            Assert.That(Run("PFMERGE", key), Is.EqualTo(HllWrongType));
            Assert.That(Run("PFDEBUG", "ENCODING", key), Is.EqualTo(HllWrongType));
        }
        Assert.That(Run("GET", K("plain")), Is.EqualTo(Bulk("bar")));
    }

    [Test]
    public void BrokenHeadersAreRejected()
    {
        Run("PFADD", K("magic"), "a", "b", "c");
        Run("SETRANGE", K("magic"), "0", "0123");
        Assert.That(Run("PFCOUNT", K("magic")), Is.EqualTo(HllWrongType));

        Run("PFADD", K("encoding"), "a", "b", "c");
        Run("SETRANGE", K("encoding"), "4", "x");
        Assert.That(Run("PFCOUNT", K("encoding")), Is.EqualTo(HllWrongType));

        Run("PFADD", K("length"), "a", "b", "c");
        SetBytes(K("length"), [.. Get(K("length"))[..4], 0, .. Get(K("length"))[5..]]);
        Assert.That(Run("PFCOUNT", K("length")), Is.EqualTo(HllWrongType), "dense encoding with a sparse length");

        SetBytes(K("short"), "HYLL"u8.ToArray());
        Assert.That(Run("PFADD", K("short"), "a"), Is.EqualTo(HllWrongType));
    }

    [Test]
    public void CorruptedSparseBodiesAreDetected()
    {
        Run("PFADD", K(), "a", "b", "c");
        Run("APPEND", K(), "hello");
        Assert.That(Run("PFCOUNT", K()), Is.EqualTo(Corrupted));
        Assert.That(Run("PFCOUNT", K(), K("other")), Is.EqualTo(Corrupted));
        Assert.That(Run("PFMERGE", K("dest"), K()), Is.EqualTo(Corrupted));
        Assert.That(Run("EXISTS", K("dest")), Is.EqualTo(Int(0)), "nothing is created when a source is corrupted");
        Assert.That(Run("PFDEBUG", "TODENSE", K()), Is.EqualTo(Corrupted));
        Assert.That(Run("PFDEBUG", "GETREG", K()), Is.EqualTo(Corrupted));

        // Runs that cover only 100 registers: adding an element past them fails.
        SetBytes(K("short"), FromHex("48594C4C010000000000000000000080" + "4063"));
        Assert.That(Run("PFADD", K("short"), "a"), Is.EqualTo(Corrupted));
        Assert.That(Run("PFCOUNT", K("short")), Is.EqualTo(Corrupted));
    }

    [Test]
    public void RandomCorruptionIsReportedNotFatal()
    {
        var random = new Random(11);
        for (int round = 0; round < 100; round++)
        {
            string key = K(round.ToString());
            Db.HyperLogLogAdd(key, Elements($"{round}:", random.Next(1, 2500)));
            byte[] value = Get(key);
            value[random.Next(16, value.Length)] = (byte)random.Next(256);
            SetBytes(key, value);
            string reply = Run("PFCOUNT", key);
            Assert.That(reply, Does.StartWith(":").Or.EqualTo(Corrupted).Or.EqualTo(HllWrongType));
            Run("PFADD", key, "more", "elements");
        }
        Assert.That(Run("PING"), Is.EqualTo("+PONG\r\n"));
    }

    // ---- PFDEBUG / PFSELFTEST ------------------------------------------------------------------

    [Test]
    public void PfdebugDecodeAndEncoding()
    {
        Run("PFADD", K(), "a", "b", "c");
        Assert.That(Run("PFDEBUG", "DECODE", K()), Is.EqualTo(Bulk("Z:8436 v:1,1 Z:4274 v:2,1 Z:3068 v:1,1 Z:603")));
        Assert.That(Run("PFDEBUG", "encoding", K()), Is.EqualTo("+sparse\r\n"));
        Assert.That(Run("PFDEBUG", "TODENSE", K()), Is.EqualTo(Int(1)));
        Assert.That(Run("PFDEBUG", "TODENSE", K()), Is.EqualTo(Int(0)));
        Assert.That(Run("PFDEBUG", "ENCODING", K()), Is.EqualTo("+dense\r\n"));
        Assert.That(Run("PFDEBUG", "DECODE", K()), Is.EqualTo(Err("ERR HLL encoding is not sparse")));
        Assert.That(Run("PFCOUNT", K()), Is.EqualTo(Int(3)));
    }

    [Test]
    public void PfdebugGetregListsEveryRegisterAndMakesTheValueDense()
    {
        Run("PFADD", K(), "a", "b", "c");
        string reply = Run("PFDEBUG", "GETREG", K());
        var lines = reply.Split("\r\n");
        Assert.That(lines[0], Is.EqualTo("*16384"));
        var registers = lines.Skip(1).Take(16384).Select(l => int.Parse(l[1..])).ToArray();
        Assert.That(registers[8436], Is.EqualTo(1));
        Assert.That(registers[8437 + 4274], Is.EqualTo(2));
        Assert.That(registers.Count(r => r != 0), Is.EqualTo(3));
        Assert.That(Run("PFDEBUG", "ENCODING", K()), Is.EqualTo("+dense\r\n"));
    }

    [Test]
    public void PfdebugErrors()
    {
        Assert.That(Run("PFDEBUG", "ENCODING", K("missing")), Is.EqualTo(Err("ERR The specified key does not exist")));
        Run("PFADD", K(), "a");
        Assert.That(Run("PFDEBUG", "nosuch", K()), Is.EqualTo(Err("ERR Unknown PFDEBUG subcommand 'nosuch'")));
        Assert.That(Run("PFDEBUG", "ENCODING"), Is.EqualTo(Err("ERR wrong number of arguments for 'pfdebug' command")));
        Assert.That(Run("PFDEBUG", "ENCODING", K(), "x"), Is.EqualTo(Err("ERR wrong number of arguments for 'pfdebug' command")));
        Assert.That(Run("PFSELFTEST", "x"), Is.EqualTo(Err("ERR wrong number of arguments for 'pfselftest' command")));
        Assert.That(Run("PFADD"), Is.EqualTo(Err("ERR wrong number of arguments for 'pfadd' command")));
        Assert.That(Run("PFCOUNT"), Is.EqualTo(Err("ERR wrong number of arguments for 'pfcount' command")));
        Assert.That(Run("PFMERGE"), Is.EqualTo(Err("ERR wrong number of arguments for 'pfmerge' command")));
    }

    [Test]
    public void PfdebugSimdSwitchesTheVectorPaths()
    {
        Run(["PFADD", K("a"), .. Elements("a", 4000).Select(v => v.ToString())]);
        Run(["PFADD", K("b"), .. Elements("b", 3000).Select(v => v.ToString())]);
        try
        {
            Assert.That(Run("PFDEBUG", "SIMD", "OFF"), Is.EqualTo("+disabled\r\n"));
            string scalar = Run("PFCOUNT", K("a"), K("b"));
            Run("PFMERGE", K("ms"), K("a"), K("b"));
            Assert.That(Run("PFDEBUG", "SIMD", "on"), Is.EqualTo("+enabled\r\n"));
            Assert.That(Run("PFCOUNT", K("a"), K("b")), Is.EqualTo(scalar));
            Run("PFMERGE", K("mv"), K("a"), K("b"));
            Assert.That(Get(K("mv")), Is.EqualTo(Get(K("ms"))));
            Assert.That(Run("PFDEBUG", "SIMD", "maybe"), Is.EqualTo(Err("ERR Argument must be ON or OFF")));
        }
        finally
        {
            Run("PFDEBUG", "SIMD", "ON");
        }
    }

    [Test]
    public void PfselftestPasses()
    {
        Assert.That(Run("PFSELFTEST"), Is.EqualTo(Ok));
    }

    [Test]
    public void Resp3RepliesAreTheSame()
    {
        Run("HELLO", "3");
        Assert.That(Run("PFADD", K(), "a", "b"), Is.EqualTo(Int(1)));
        Assert.That(Run("PFCOUNT", K()), Is.EqualTo(Int(2)));
        Assert.That(Run("PFDEBUG", "ENCODING", K()), Is.EqualTo("+sparse\r\n"));
        Assert.That(Run("PFMERGE", K("d"), K()), Is.EqualTo(Ok));
    }

    [Test]
    public void CommandMetadata()
    {
        Assert.That(Run("COMMAND", "GETKEYS", "PFMERGE", "d", "a", "b"), Is.EqualTo("*3\r\n" + Bulk("d") + Bulk("a") + Bulk("b")));
        Assert.That(Run("COMMAND", "GETKEYS", "PFCOUNT", "a", "b"), Is.EqualTo("*2\r\n" + Bulk("a") + Bulk("b")));
        Assert.That(Run("COMMAND", "GETKEYS", "PFDEBUG", "GETREG", "k"), Is.EqualTo("*1\r\n" + Bulk("k")));
        string info = Run("COMMAND", "INFO", "pfadd");
        Assert.That(info, Does.StartWith("*1\r\n*10\r\n" + Bulk("pfadd") + ":-2\r\n*3\r\n+write\r\n+denyoom\r\n+fast\r\n:1\r\n:1\r\n:1\r\n"));
        Assert.That(info, Does.Contain("+@hyperloglog\r\n"));
    }
}

/// <summary>hll-sparse-max-bytes on a server of its own (CONFIG SET is global).</summary>
[TestFixture]
public class HyperLogLogSparseLimitTests : OwnServerFixture
{
    [TearDown]
    public void ResetLimit() => Execute("CONFIG", "SET", "hll-sparse-max-bytes", "3000");

    [Test]
    public void TheParameterExistsWithValkeysDefault()
    {
        Assert.That(Execute("CONFIG", "GET", "hll-sparse-max-bytes"), Is.EqualTo("*2\r\n" + Bulk("hll-sparse-max-bytes") + Bulk("3000")));
        Assert.That(Execute("CONFIG", "SET", "hll-sparse-max-bytes", "-1"), Does.StartWith("-ERR CONFIG SET failed"));
        Assert.That(Execute("CONFIG", "SET", "hll-sparse-max-bytes", "1kb"), Is.EqualTo(Ok));
        Assert.That(Execute("CONFIG", "GET", "hll-sparse-max-bytes"), Is.EqualTo("*2\r\n" + Bulk("hll-sparse-max-bytes") + Bulk("1024")));
    }

    [Test]
    public void LoweringTheLimitPromotesOnTheNextGrowth()
    {
        using var raw = Raw();
        raw.Execute("DEL", "h");
        raw.Execute("PFADD", "h", "a", "b", "c", "d", "e", "d", "g", "h", "i", "j", "k");
        Assert.That(raw.Execute("PFDEBUG", "ENCODING", "h"), Is.EqualTo("+sparse\r\n"));
        raw.Execute("CONFIG", "SET", "hll-sparse-max-bytes", "30");
        raw.Execute("PFADD", "h", "new_element");
        Assert.That(raw.Execute("PFDEBUG", "ENCODING", "h"), Is.EqualTo("+dense\r\n"));
        Assert.That(raw.Execute("PFCOUNT", "h"), Is.EqualTo(Int(11)));
    }

    [Test]
    public void SparseValuesNeverExceedTheLimit()
    {
        using var raw = Raw();
        foreach (int max in new[] { 100, 500, 3000 })
        {
            raw.Execute("CONFIG", "SET", "hll-sparse-max-bytes", max.ToString());
            raw.Execute("DEL", "h");
            raw.Execute("PFADD", "h");
            int i = 0;
            while (raw.Execute("PFDEBUG", "ENCODING", "h") == "+sparse\r\n")
            {
                Assert.That(Integer(raw.Execute("STRLEN", "h")), Is.LessThanOrEqualTo(max));
                raw.Execute(["PFADD", "h", .. Enumerable.Range(i, 10).Select(j => $"{max}:{j}")]);
                i += 10;
                Assert.That(i, Is.LessThan(100000));
            }
            Assert.That(Integer(raw.Execute("STRLEN", "h")), Is.EqualTo(12304));
        }
    }

    [Test]
    public void ZeroLimitMakesEveryUpdateDense()
    {
        using var raw = Raw();
        raw.Execute("CONFIG", "SET", "hll-sparse-max-bytes", "0");
        raw.Execute("DEL", "h");
        Assert.That(raw.Execute("PFADD", "h"), Is.EqualTo(Int(1)));
        Assert.That(raw.Execute("PFDEBUG", "ENCODING", "h"), Is.EqualTo("+sparse\r\n"), "creation is always sparse");
        raw.Execute("PFADD", "h", "a");
        Assert.That(raw.Execute("PFDEBUG", "ENCODING", "h"), Is.EqualTo("+dense\r\n"));
    }
}

/// <summary>
/// Byte-for-byte compatibility with a real redis-server (Redis 7 stores HyperLogLogs exactly like
/// Valkey): the same commands on both give the same values and counts, and values move between
/// them with GET/SET. Skipped when /usr/bin/redis-server is not installed.
/// </summary>
[TestFixture]
public class HyperLogLogRedisInteropTests : OwnServerFixture
{
    private ReferenceRedisServer? _redisServer;
    private ConnectionMultiplexer? _redisConnection;

    private IDatabase Ours => Redis.GetDatabase();
    private IDatabase Theirs => _redisConnection!.GetDatabase();

    [OneTimeSetUp]
    public void StartRedisServer()
    {
        _redisServer = ReferenceRedisServer.StartOrIgnore();
        _redisConnection = ConnectionMultiplexer.Connect(new ConfigurationOptions
        {
            EndPoints = { { "127.0.0.1", _redisServer.Port } },
            AllowAdmin = true,
            AbortOnConnectFail = false,
            SyncTimeout = 10000,
        });
    }

    [OneTimeTearDown]
    public void StopRedisServer()
    {
        _redisConnection?.Dispose();
        _redisServer?.Dispose();
    }

    [SetUp]
    public void FlushBoth()
    {
        Ours.Execute("FLUSHALL");
        Theirs.Execute("FLUSHALL");
        Ours.Execute("CONFIG", "SET", "hll-sparse-max-bytes", "3000");
        Theirs.Execute("CONFIG", "SET", "hll-sparse-max-bytes", "3000");
    }

    private static RedisValue[] RandomElements(Random random, int count) => Enumerable.Range(0, count).Select(_ =>
    {
        if (random.Next(4) == 0)
        {
            var bytes = new byte[random.Next(0, 24)];
            random.NextBytes(bytes);
            return (RedisValue)bytes;
        }
        return (RedisValue)random.NextDouble().ToString("R");
    }).ToArray();

    /// <summary>Runs the same action on both servers.</summary>
    private void Both(Action<IDatabase> action)
    {
        action(Ours);
        action(Theirs);
    }

    private void AssertSameValue(string key, string because)
    {
        byte[]? ours = Ours.StringGet(key), theirs = Theirs.StringGet(key);
        Assert.That(ours, Is.Not.Null, because);
        Assert.That(Convert.ToHexString(ours!), Is.EqualTo(Convert.ToHexString(theirs!)), because);
    }

    private void AssertSameCount(string because, params RedisKey[] keys) =>
        Assert.That(Ours.HyperLogLogLength(keys), Is.EqualTo(Theirs.HyperLogLogLength(keys)), because);

    private void AddInBatches(string key, RedisValue[] elements)
    {
        for (int i = 0; i < elements.Length; i += 500)
        {
            var batch = elements[i..Math.Min(elements.Length, i + 500)];
            Assert.That(Ours.HyperLogLogAdd(key, batch), Is.EqualTo(Theirs.HyperLogLogAdd(key, batch)), $"{key} PFADD reply");
        }
    }

    [Test]
    public void SameElementsGiveSameBytesAndCounts()
    {
        var random = new Random(21);
        foreach (int n in new[] { 0, 1, 3, 50, 500, 1500, 2500, 5000, 50000 })
        {
            string key = $"h{n}";
            Both(db => db.Execute("PFADD", key));
            AddInBatches(key, RandomElements(random, n));
            AssertSameValue(key, $"n={n} after PFADD");
            Assert.That(Ours.Execute("PFDEBUG", "ENCODING", key).ToString(), Is.EqualTo(Theirs.Execute("PFDEBUG", "ENCODING", key).ToString()));
            AssertSameCount($"n={n}", key);
            AssertSameValue(key, $"n={n} after PFCOUNT wrote the cache");
            if (Ours.Execute("PFDEBUG", "ENCODING", key).ToString() == "sparse")
                Assert.That(Ours.Execute("PFDEBUG", "DECODE", key).ToString(), Is.EqualTo(Theirs.Execute("PFDEBUG", "DECODE", key).ToString()));
        }
    }

    [Test]
    public void SmallerSparseLimitGivesSameBytes()
    {
        var random = new Random(22);
        Both(db => db.Execute("CONFIG", "SET", "hll-sparse-max-bytes", "200"));
        for (int round = 0; round < 20; round++)
        {
            string key = $"s{round}";
            AddInBatches(key, RandomElements(random, random.Next(1, 300)));
            AssertSameValue(key, $"round {round}");
            AssertSameCount($"round {round}", key);
        }
    }

    [Test]
    public void MergesAndUnionsAgree()
    {
        var random = new Random(23);
        AddInBatches("a", RandomElements(random, 300));
        AddInBatches("b", RandomElements(random, 800));
        AddInBatches("c", RandomElements(random, 20000));
        Both(db => db.HyperLogLogMerge("ab", ["a", "b"]));
        AssertSameValue("ab", "sparse + sparse");
        Both(db => db.HyperLogLogMerge("abc", ["a", "b", "c"]));
        AssertSameValue("abc", "sparse + dense");
        Both(db => db.HyperLogLogMerge("a", ["b"]));
        AssertSameValue("a", "merge into an existing sparse destination");
        Both(db => db.Execute("PFDEBUG", "TODENSE", "b"));
        AssertSameValue("b", "TODENSE");
        AssertSameCount("union of three", "a", "b", "c");
        AssertSameCount("union with a missing key", "a", "nosuch");
        AssertSameCount("merged", "abc");
        AssertSameValue("abc", "after PFCOUNT");
    }

    [Test]
    public void ValuesMoveFromUsToRedis()
    {
        var random = new Random(24);
        foreach (int n in new[] { 10, 1000, 30000 })
        {
            string key = $"ours{n}";
            Ours.HyperLogLogAdd(key, RandomElements(random, n));
            byte[] value = (byte[])Ours.StringGet(key)!;
            Theirs.StringSet(key, value);
            Assert.That(Theirs.HyperLogLogLength(key), Is.EqualTo(Ours.HyperLogLogLength(key)), $"n={n}");
            var more = RandomElements(random, 200);
            Both(db => db.HyperLogLogAdd(key, more));
            AssertSameValue(key, $"n={n} after more adds on both");
            AssertSameCount($"n={n}", key);
        }
    }

    [Test]
    public void ValuesMoveFromRedisToUs()
    {
        var random = new Random(25);
        foreach (int n in new[] { 10, 1000, 30000 })
        {
            string key = $"theirs{n}";
            Theirs.HyperLogLogAdd(key, RandomElements(random, n));
            byte[] value = (byte[])Theirs.StringGet(key)!;
            Ours.StringSet(key, value);
            Assert.That(Ours.HyperLogLogLength(key), Is.EqualTo(Theirs.HyperLogLogLength(key)), $"n={n}");
            var more = RandomElements(random, 200);
            Both(db => db.HyperLogLogAdd(key, more));
            AssertSameValue(key, $"n={n} after more adds on both");
            Both(db => db.HyperLogLogMerge($"{key}:m", [key, "other"]));
            AssertSameValue($"{key}:m", $"n={n} merged");
        }
    }

    [Test]
    public void CorruptedValuesGiveTheSameErrors()
    {
        Both(db => db.HyperLogLogAdd("h", ["a", "b", "c"]));
        Both(db => db.StringAppend("h", "hello"));
        string Error(IDatabase db, params object[] args)
        {
            try
            {
                return db.Execute((string)args[0], args[1..]).ToString();
            }
            catch (RedisServerException e)
            {
                return e.Message;
            }
        }
        Assert.That(Error(Ours, "PFCOUNT", "h"), Is.EqualTo(Error(Theirs, "PFCOUNT", "h")));
        Assert.That(Error(Ours, "PFMERGE", "d", "h"), Is.EqualTo(Error(Theirs, "PFMERGE", "d", "h")));
        Both(db => db.StringSet("s", "not an hll"));
        Assert.That(Error(Ours, "PFADD", "s", "x"), Is.EqualTo(Error(Theirs, "PFADD", "s", "x")));
        Assert.That(Error(Ours, "PFDEBUG", "GETREG", "nosuch"), Is.EqualTo(Error(Theirs, "PFDEBUG", "GETREG", "nosuch")));
    }
}
