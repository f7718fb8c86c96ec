using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using NUnit.Framework;
using Valkey.Native.Tests.Infrastructure;
using static Valkey.Native.Tests.Infrastructure.Resp;

namespace Valkey.Native.Tests.Integration;

/// <summary>
/// The sorted-set family, continued (shared server): ZUNION/ZINTER/ZDIFF and their STORE forms,
/// ZINTERCARD, ZRANDMEMBER, ZSCAN of a listpack, the generic commands on sorted sets and the
/// command table rows.
/// </summary>
[TestFixture]
public class SortedSetCommands2Tests : SharedServerFixture
{
    private static string K(string name = "k") => $"{{zset2}}:{TestContext.CurrentContext.Test.Name}:{name}";

    private static string Array(params string[] items) => $"*{items.Length}\r\n" + string.Concat(items.Select(Bulk));

    private void Inputs()
    {
        Run("ZADD", K("a"), "1", "x", "2", "y", "3", "z");
        Run("ZADD", K("b"), "10", "y", "20", "z", "30", "w");
        Run("SADD", K("s"), "z", "w", "v");
    }

    // ---- ZUNION / ZINTER / ZDIFF ---------------------------------------------------------------

    [Test]
    public void UnionAggregatesAndCountsSetMembersAsOne()
    {
        Inputs();
        Assert.That(Run("ZUNION", "2", K("a"), K("b"), "WITHSCORES"), Is.EqualTo(Array("x", "1", "y", "12", "z", "23", "w", "30")));
        Assert.That(Run("ZUNION", "2", K("a"), K("b"), "WEIGHTS", "2", "0.5", "AGGREGATE", "MAX", "WITHSCORES"),
            Is.EqualTo(Array("x", "2", "y", "5", "z", "10", "w", "15")));
        Assert.That(Run("ZUNION", "3", K("a"), K("s"), K("none"), "AGGREGATE", "min", "WITHSCORES"),
            Is.EqualTo(Array("v", "1", "w", "1", "x", "1", "z", "1", "y", "2")));
        Assert.That(Run("ZUNION", "1", K("none")), Is.EqualTo("*0\r\n"));
        Assert.That(Run("ZUNIONSTORE", K("dst"), "2", K("a"), K("s")), Is.EqualTo(Int(5)));
        Assert.That(Run("ZRANGE", K("dst"), "0", "-1", "WITHSCORES"), Is.EqualTo(Array("v", "1", "w", "1", "x", "1", "y", "2", "z", "4")));
        Run("HELLO", "3");
        Assert.That(Run("ZUNION", "1", K("a"), "WITHSCORES"), Is.EqualTo("*3\r\n*2\r\n" + Bulk("x") + ",1\r\n*2\r\n" + Bulk("y") + ",2\r\n*2\r\n" + Bulk("z") + ",3\r\n"));
    }

    [Test]
    public void InfinitiesSumToZeroNotNaN()
    {
        Run("ZADD", K("p"), "+inf", "m");
        Run("ZADD", K("n"), "-inf", "m");
        Assert.That(Run("ZUNION", "2", K("p"), K("n"), "WITHSCORES"), Is.EqualTo(Array("m", "0")));
        Assert.That(Run("ZINTER", "2", K("p"), K("n"), "WITHSCORES"), Is.EqualTo(Array("m", "0")));
        Assert.That(Run("ZUNION", "1", K("p"), "WEIGHTS", "0", "WITHSCORES"), Is.EqualTo(Array("m", "0")), "0 * inf is 0");
    }

    [Test]
    public void InterAndDiff()
    {
        Inputs();
        Assert.That(Run("ZINTER", "2", K("a"), K("b"), "WITHSCORES"), Is.EqualTo(Array("y", "12", "z", "23")));
        Assert.That(Run("ZINTER", "3", K("a"), K("b"), K("s"), "AGGREGATE", "MAX", "WITHSCORES"), Is.EqualTo(Array("z", "20")));
        Assert.That(Run("ZINTER", "2", K("a"), K("none")), Is.EqualTo("*0\r\n"));
        Assert.That(Run("ZINTER", "2", K("a"), K("a"), "WEIGHTS", "1", "2", "WITHSCORES"), Is.EqualTo(Array("x", "3", "y", "6", "z", "9")));
        Assert.That(Run("ZINTERCARD", "2", K("a"), K("b")), Is.EqualTo(Int(2)));
        Assert.That(Run("ZINTERCARD", "2", K("a"), K("b"), "LIMIT", "1"), Is.EqualTo(Int(1)));
        Assert.That(Run("ZINTERCARD", "2", K("a"), K("b"), "LIMIT", "0"), Is.EqualTo(Int(2)), "0 is no limit");
        Assert.That(Run("ZINTERSTORE", K("dst"), "2", K("b"), K("s"), "WEIGHTS", "1", "5"), Is.EqualTo(Int(2)));
        Assert.That(Run("ZRANGE", K("dst"), "0", "-1", "WITHSCORES"), Is.EqualTo(Array("z", "25", "w", "35")));
        Assert.That(Run("ZDIFF", "2", K("b"), K("s"), "WITHSCORES"), Is.EqualTo(Array("y", "10")));
        Assert.That(Run("ZDIFF", "2", K("a"), K("a")), Is.EqualTo("*0\r\n"));
        Assert.That(Run("ZDIFF", "3", K("s"), K("a"), K("none")), Is.EqualTo(Array("v", "w")));
        Assert.That(Run("ZDIFFSTORE", K("dst"), "2", K("a"), K("b")), Is.EqualTo(Int(1)));
        Assert.That(Run("ZRANGE", K("dst"), "0", "-1", "WITHSCORES"), Is.EqualTo(Array("x", "1")));
        Assert.That(Run("ZDIFFSTORE", K("dst"), "2", K("a"), K("a")), Is.EqualTo(Int(0)));
        Assert.That(Run("EXISTS", K("dst")), Is.EqualTo(Int(0)), "an empty result deletes the destination");
    }

    [Test]
    public void AlgebraErrors()
    {
        Inputs();
        Assert.That(Run("ZUNION", "0", K("a")), Is.EqualTo(Err("ERR at least 1 input key is needed for 'zunion' command")));
        Assert.That(Run("ZINTERSTORE", K("d"), "0", K("a")), Is.EqualTo(Err("ERR at least 1 input key is needed for 'zinterstore' command")));
        Assert.That(Run("ZUNION", "x", K("a")), Is.EqualTo(Err("ERR value is not an integer or out of range")));
        Assert.That(Run("ZUNION", "3", K("a"), K("b")), Is.EqualTo(Err("ERR syntax error")));
        Assert.That(Run("ZUNION", "2", K("a"), K("b"), "WEIGHTS", "1"), Is.EqualTo(Err("ERR syntax error")));
        Assert.That(Run("ZUNION", "2", K("a"), K("b"), "WEIGHTS", "1", "x"), Is.EqualTo(Err("ERR weight value is not a float")));
        Assert.That(Run("ZUNION", "1", K("a"), "AGGREGATE", "avg"), Is.EqualTo(Err("ERR syntax error")));
        Assert.That(Run("ZUNIONSTORE", K("d"), "1", K("a"), "WITHSCORES"), Is.EqualTo(Err("ERR syntax error")));
        Assert.That(Run("ZDIFF", "1", K("a"), "WEIGHTS", "1"), Is.EqualTo(Err("ERR syntax error")));
        Assert.That(Run("ZINTERCARD", "1", K("a"), "WITHSCORES"), Is.EqualTo(Err("ERR syntax error")));
        Assert.That(Run("ZINTERCARD", "1", K("a"), "LIMIT", "-1"), Is.EqualTo(Err("ERR LIMIT can't be negative")));
        Assert.That(Run("ZINTERCARD", "1", K("a"), "LIMIT", "x"), Is.EqualTo(Err("ERR LIMIT can't be negative")));
        Run("SET", K("str"), "x");
        Assert.That(Run("ZUNION", "2", K("a"), K("str")), Is.EqualTo(WrongType));
        Assert.That(Run("ZUNIONSTORE", K("str"), "1", K("a")), Is.EqualTo(Int(3)), "the destination's old type does not matter");
        Assert.That(Run("TYPE", K("str")), Is.EqualTo("+zset\r\n"));
    }

    // ---- ZRANDMEMBER ---------------------------------------------------------------------------

    [Test]
    public void RandMemberShapes()
    {
        Run("ZADD", K(), "1", "a", "2", "b", "3", "c");
        Assert.That(BulkText(Run("ZRANDMEMBER", K())), Is.AnyOf("a", "b", "c"));
        Assert.That(Run("ZRANDMEMBER", K("none")), Is.EqualTo("$-1\r\n"));
        Assert.That(Run("ZRANDMEMBER", K("none"), "5"), Is.EqualTo("*0\r\n"));
        Assert.That(Run("ZRANDMEMBER", K(), "0"), Is.EqualTo("*0\r\n"));
        Assert.That(Run("ZRANDMEMBER", K(), "10", "WITHSCORES"), Is.EqualTo(Array("c", "3", "b", "2", "a", "1")), "the whole set, highest first");
        var twice = Run("ZRANDMEMBER", K(), "-7").Split("\r\n");
        Assert.That(twice[0], Is.EqualTo("*7"));
        var picked = Run("ZRANDMEMBER", K(), "2", "WITHSCORES").Split("\r\n");
        Assert.That(picked[0], Is.EqualTo("*4"));
        Assert.That(picked[2], Is.Not.EqualTo(picked[6]), "distinct members");
        Assert.That(Run("ZRANDMEMBER", K(), "1", "scores"), Is.EqualTo(Err("ERR syntax error")));
        Assert.That(Run("ZRANDMEMBER", K(), "1", "WITHSCORES", "x"), Is.EqualTo(Err("ERR syntax error")));
        Assert.That(Run("ZRANDMEMBER", K(), "x"), Is.EqualTo(Err("ERR value is not an integer or out of range")));
        Assert.That(Run("ZRANDMEMBER", K(), "-9223372036854775808"), Is.EqualTo(Err("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807")));
        Assert.That(Run("ZRANDMEMBER", K(), "-9223372036854770000", "WITHSCORES"), Is.EqualTo(Err("ERR value is out of range")));
        Run("HELLO", "3");
        var nested = Run("ZRANDMEMBER", K(), "-2", "WITHSCORES");
        Assert.That(nested, Does.Match(@"^\*2\r\n\*2\r\n\$1\r\n[abc]\r\n,[123]\r\n\*2\r\n\$1\r\n[abc]\r\n,[123]\r\n$"));
        Assert.That(Run("ZRANDMEMBER", K(), "1"), Does.Match(@"^\*1\r\n\$1\r\n[abc]\r\n$"));
    }

    [Test]
    public void RandMemberWithoutRepetitionIsUniform()
    {
        var members = Enumerable.Range(0, 10).Select(i => "m" + i).ToList();
        Run(["ZADD", K(), .. members.SelectMany((m, i) => new[] { i.ToString(), m })]);
        var counts = new Dictionary<string, int>();
        for (int i = 0; i < 1000; i++)
        {
            var lines = Run("ZRANDMEMBER", K(), "3").Split("\r\n");
            var batch = new[] { lines[2], lines[4], lines[6] };
            Assert.That(batch.Distinct().Count(), Is.EqualTo(3));
            foreach (var m in batch) counts[m] = counts.GetValueOrDefault(m) + 1;
        }
        double expected = 3000 / 10.0;
        double chiSquare = counts.Values.Sum(c => (c - expected) * (c - expected) / expected);
        Assert.That(counts.Keys, Is.EquivalentTo(members));
        Assert.That(chiSquare, Is.LessThan(40), string.Join(' ', counts));
    }

    // ---- ZSCAN ---------------------------------------------------------------------------------

    [Test]
    public void ZscanOfAListpackIsOneStep()
    {
        Run("ZADD", K(), "1.5", "a", "0.1", "b", "3", "c", "1e20", "d");
        Assert.That(Run("ZSCAN", K(), "0"), Is.EqualTo("*2\r\n" + Bulk("0") + Array("b", "0.1", "a", "1.5", "c", "3", "d", "1e+20")));
        Assert.That(Run("ZSCAN", K(), "0", "MATCH", "[ab]", "COUNT", "1"), Is.EqualTo("*2\r\n" + Bulk("0") + Array("b", "0.1", "a", "1.5")));
        Assert.That(Run("ZSCAN", K(), "0", "NOSCORES"), Is.EqualTo("*2\r\n" + Bulk("0") + Array("b", "a", "c", "d")));
        Assert.That(Run("ZSCAN", K(), "0", "NOVALUES"), Is.EqualTo(Err("ERR NOVALUES option can only be used in HSCAN")));
        Assert.That(Run("ZSCAN", K(), "x"), Is.EqualTo(Err("ERR invalid cursor")));
        Assert.That(Run("ZSCAN", K("none"), "0", "BOGUS"), Is.EqualTo("*2\r\n" + Bulk("0") + "*0\r\n"), "options are not read for a missing key");
        Assert.That(Run("ZSCAN", K(), "0", "COUNT", "0"), Is.EqualTo(Err("ERR syntax error")));
    }

    // ---- generic commands and the command table -------------------------------------------------

    [Test]
    public void CopyRenameMoveAndScanType()
    {
        Run("ZADD", K(), "1", "a", "2", "b");
        Assert.That(Run("COPY", K(), K("copy")), Is.EqualTo(Int(1)));
        Run("ZADD", K(), "3", "c");
        Assert.That(Run("ZRANGE", K("copy"), "0", "-1", "WITHSCORES"), Is.EqualTo(Array("a", "1", "b", "2")), "the copy is independent");
        Assert.That(Run("RENAME", K("copy"), K("renamed")), Is.EqualTo(Ok));
        Assert.That(Run("ZSCORE", K("renamed"), "b"), Is.EqualTo(Bulk("2")));
        Assert.That(Run("OBJECT", "ENCODING", K("renamed")), Is.EqualTo(Bulk("listpack")));
        var scan = Run("SCAN", "0", "MATCH", K("*"), "TYPE", "zset", "COUNT", "1000");
        Assert.That(scan, Does.Contain(Bulk(K())).And.Contain(Bulk(K("renamed"))));
        Assert.That(Run("SELECT", "9"), Is.EqualTo(Ok));
        Assert.That(Run("DEL", K("moved")), Is.EqualTo(Int(0)).Or.EqualTo(Int(1)));
        Assert.That(Run("SELECT", "0"), Is.EqualTo(Ok));
        Assert.That(Run("MOVE", K("renamed"), "9"), Is.EqualTo(Int(1)));
        Assert.That(Run("SELECT", "9"), Is.EqualTo(Ok));
        Assert.That(Run("ZRANGE", K("renamed"), "0", "-1"), Is.EqualTo(Array("a", "b")));
        Run("DEL", K("renamed"));
        Run("SELECT", "0");
        Assert.That(Integer(Run("MEMORY", "USAGE", K())), Is.GreaterThan(16));
    }

    [Test]
    public void CommandRows()
    {
        Assert.That(Run("COMMAND", "GETKEYS", "ZUNIONSTORE", "d", "2", "a", "b", "WEIGHTS", "1", "2"), Is.EqualTo(Array("d", "a", "b")));
        Assert.That(Run("COMMAND", "GETKEYS", "ZMPOP", "2", "a", "b", "MIN"), Is.EqualTo(Array("a", "b")));
        Assert.That(Run("COMMAND", "GETKEYS", "ZRANGESTORE", "d", "s", "0", "1"), Is.EqualTo(Array("d", "s")));
        var info = Run("COMMAND", "INFO", "zadd");
        Assert.That(info, Does.Contain(Bulk("zadd") + ":-4\r\n"));
        Assert.That(info, Does.Contain("@sortedset").And.Contain("denyoom").And.Contain("fast"));
        var docs = Run("COMMAND", "DOCS", "zrangebyscore");
        Assert.That(docs, Does.Contain("+deprecated\r\n").And.Contain(Bulk("`ZRANGE` with the `BYSCORE` argument")).And.Contain(Bulk("sorted-set")));
        Assert.That(Run("COMMAND", "INFO", "zrangestore"), Does.Contain(":-5\r\n"));
    }
}

/// <summary>
/// Sorted-set encodings under small zset-max-listpack-* limits, the skiplist's ZSCAN, DEBUG
/// DIGEST-VALUE and memory accounting, on a server of its own.
/// </summary>
[TestFixture]
public class SortedSetEncodingTests : OwnServerFixture
{
    protected override string[] ServerArguments => ["--enable-debug-command", "yes"];

    private RawRespClient _raw = null!;

    [SetUp]
    public void SetUp()
    {
        _raw = Server.CreateRawClient();
        Assert.That(Run("FLUSHALL"), Is.EqualTo(Ok));
        Assert.That(Run("CONFIG", "SET", "zset-max-listpack-entries", "3", "zset-max-listpack-value", "8"), Is.EqualTo(Ok));
    }

    [TearDown]
    public void TearDown() => _raw.Dispose();

    private string Run(params string[] args) => _raw.Execute(args);

    private string EncodingOf(string key) => BulkText(Run("OBJECT", "ENCODING", key));

    [Test]
    public void ListpackGrowsIntoASkiplist()
    {
        Run("ZADD", "z", "1", "a", "2", "b", "3", "c");
        Assert.That(EncodingOf("z"), Is.EqualTo("listpack"));
        Run("ZADD", "z", "4", "d");
        Assert.That(EncodingOf("z"), Is.EqualTo("skiplist"), "past zset-max-listpack-entries");
        Assert.That(Run("ZRANGE", "z", "0", "-1", "WITHSCORES"), Is.EqualTo("*8\r\n" + string.Concat(new[] { "a", "1", "b", "2", "c", "3", "d", "4" }.Select(Bulk))));
        Run("ZREM", "z", "a", "b", "c");
        Assert.That(EncodingOf("z"), Is.EqualTo("skiplist"), "never converted back by removals");

        Run("ZADD", "long", "1", "123456789");
        Assert.That(EncodingOf("long"), Is.EqualTo("skiplist"), "a member longer than zset-max-listpack-value");
        Run("ZADD", "many", "1", "a", "1", "a", "1", "a", "1", "a");
        Assert.That(EncodingOf("many"), Is.EqualTo("skiplist"), "four pairs up front, even repeating one member");
        Run("ZADD", "small", "1", "a");
        Run("ZADD", "small", "XX", "1", "a", "2", "b", "3", "c", "4", "d");
        Assert.That(EncodingOf("small"), Is.EqualTo("skiplist"), "a long ZADD converts an existing listpack up front");
    }

    [Test]
    public void StoreResultsGoBackToAListpackWhenSmall()
    {
        Run("ZADD", "big", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e");
        Assert.That(EncodingOf("big"), Is.EqualTo("skiplist"));
        Assert.That(Run("ZUNIONSTORE", "u", "1", "big"), Is.EqualTo(Int(5)));
        Assert.That(EncodingOf("u"), Is.EqualTo("skiplist"));
        Assert.That(Run("ZINTERSTORE", "i", "2", "big", "big"), Is.EqualTo(Int(5)));
        Assert.That(Run("ZREMRANGEBYRANK", "big", "0", "1"), Is.EqualTo(Int(2)));
        Assert.That(Run("ZDIFFSTORE", "d", "1", "big"), Is.EqualTo(Int(3)));
        Assert.That(EncodingOf("d"), Is.EqualTo("listpack"), "three short members fit a listpack");
        Assert.That(Run("ZRANGESTORE", "r", "big", "0", "1"), Is.EqualTo(Int(2)));
        Assert.That(EncodingOf("r"), Is.EqualTo("listpack"));
        Assert.That(Run("ZRANGESTORE", "r", "u", "0", "-1"), Is.EqualTo(Int(5)));
        Assert.That(EncodingOf("r"), Is.EqualTo("skiplist"));
        Assert.That(Run("CONFIG", "SET", "zset-max-listpack-entries", "0"), Is.EqualTo(Ok));
        Assert.That(Run("ZRANGESTORE", "r", "big", "0", "0"), Is.EqualTo(Int(1)));
        Assert.That(EncodingOf("r"), Is.EqualTo("skiplist"), "zset-max-listpack-entries 0: always a skiplist");
        Run("ZADD", "zero", "1", "a");
        Assert.That(EncodingOf("zero"), Is.EqualTo("skiplist"));
        Assert.That(Run("COPY", "big", "copy"), Is.EqualTo(Int(1)));
        Assert.That(EncodingOf("copy"), Is.EqualTo("skiplist"), "COPY keeps the encoding");
    }

    [Test]
    public void SkiplistScanPrintsScoresWithSeventeenDigits()
    {
        Run("ZADD", "z", "0.1", "a", "2", "b", "1e20", "c", "-inf", "d", "1.5", "e");
        Assert.That(EncodingOf("z"), Is.EqualTo("skiplist"));
        var found = new Dictionary<string, string>();
        string cursor = "0";
        do
        {
            var lines = Run("ZSCAN", "z", cursor, "COUNT", "2").Split("\r\n");
            cursor = lines[2];
            int n = int.Parse(lines[3][1..]);
            for (int i = 0; i < n; i += 2) found[lines[5 + 2 * i]] = lines[7 + 2 * i];
        } while (cursor != "0");
        Assert.That(found, Is.EquivalentTo(new Dictionary<string, string>
        {
            ["a"] = "0.10000000000000001", ["b"] = "2", ["c"] = "1e+20", ["d"] = "-inf", ["e"] = "1.5",
        }));
        Assert.That(Run("ZSCORE", "z", "a"), Is.EqualTo(Bulk("0.1")), "replies use the shortest form");
        var noScores = Run("ZSCAN", "z", "0", "NOSCORES", "COUNT", "100");
        Assert.That(noScores, Does.Not.Contain("0.1"));
    }

    /// <summary>Valkey's mixDigest: digest = SHA1(digest xor SHA1(data)).</summary>
    private static void Mix(byte[] digest, byte[] data)
    {
        var hash = SHA1.HashData(data);
        for (int i = 0; i < 20; i++) digest[i] ^= hash[i];
        SHA1.HashData(digest, digest);
    }

    /// <summary>xorObjectDigest of a sorted set: the type, then per element SHA1(mix(member, score as fpconv_dtoa)) XORed in.</summary>
    private static string ExpectedDigest(params (string Member, string Score)[] elements)
    {
        var digest = new byte[20];
        var type = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(type, 3);
        Mix(digest, type);
        foreach (var (member, score) in elements)
        {
            var element = new byte[20];
            Mix(element, Encoding.UTF8.GetBytes(member));
            Mix(element, Encoding.UTF8.GetBytes(score));
            var hash = SHA1.HashData(element);
            for (int i = 0; i < 20; i++) digest[i] ^= hash[i];
        }
        return "+" + Convert.ToHexString(digest).ToLowerInvariant() + "\r\n";
    }

    [Test]
    public void DigestIsValkeysAndIndependentOfEncoding()
    {
        Run("ZADD", "lp", "1", "a", "1.5", "b", "1e9", "c");
        Run("ZADD", "sl", "1e9", "c", "1", "a", "1.5", "b", "0", "x");
        Run("ZREM", "sl", "x");
        Assert.That(EncodingOf("lp"), Is.EqualTo("listpack"));
        Assert.That(EncodingOf("sl"), Is.EqualTo("skiplist"));
        string expected = ExpectedDigest(("a", "1"), ("b", "1.5"), ("c", "1e+9"));
        Assert.That(Run("DEBUG", "DIGEST-VALUE", "lp", "sl"), Is.EqualTo("*2\r\n" + expected + expected));
        Run("ZINCRBY", "sl", "1", "a");
        Assert.That(Run("DEBUG", "DIGEST-VALUE", "sl"), Is.EqualTo("*1\r\n" + ExpectedDigest(("a", "2"), ("b", "1.5"), ("c", "1e+9"))));
    }

    [Test]
    public void MemoryIsAccountedAndReturned()
    {
        long before = long.Parse(Run("INFO", "memory").Split("\r\n").First(l => l.StartsWith("used_memory:"))["used_memory:".Length..]);
        var args = new List<string> { "ZADD", "z" };
        for (int i = 0; i < 2000; i++) args.AddRange([i.ToString(), "member:" + i]);
        Assert.That(Run([.. args]), Is.EqualTo(Int(2000)));
        Assert.That(EncodingOf("z"), Is.EqualTo("skiplist"));
        Assert.That(Integer(Run("MEMORY", "USAGE", "z")), Is.GreaterThan(2000 * 40));
        Assert.That(Run("ZRANK", "z", "member:1234"), Is.EqualTo(Int(1234)));
        Assert.That(Run("ZRANGE", "z", "1000", "1001", "WITHSCORES"), Is.EqualTo("*4\r\n" + Bulk("member:1000") + Bulk("1000") + Bulk("member:1001") + Bulk("1001")));
        Assert.That(Run("ZCOUNT", "z", "(10", "1500"), Is.EqualTo(Int(1490)));
        Assert.That(Run("ZREMRANGEBYSCORE", "z", "100", "199"), Is.EqualTo(Int(100)));
        Assert.That(Run("ZREVRANK", "z", "member:0"), Is.EqualTo(Int(1899)));
        Assert.That(Run("DEL", "z"), Is.EqualTo(Int(1)));
        // DEL is lazy by default (lazyfree-lazy-user-del yes): the worker and the cron give the memory back shortly.
        long Used() => long.Parse(Run("INFO", "memory").Split("\r\n").First(l => l.StartsWith("used_memory:"))["used_memory:".Length..]);
        SpinWait.SpinUntil(() => Used() - before < 4096, 10_000);
        long after = Used();
        Assert.That(after - before, Is.LessThan(4096), "the skiplist, its nodes and member table are freed");
    }
}
