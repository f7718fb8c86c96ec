using System.Text;
using NUnit.Framework;
using StackExchange.Redis;
using Valkey.Native.Tests.Infrastructure;
using static Valkey.Native.Tests.Infrastructure.Resp;

namespace Valkey.Native.Tests.Integration;

/// <summary>
/// The set family (t_set.c) against the shared server: byte-exact replies and errors in RESP2 and
/// RESP3 over a raw socket, the generic commands on sets, and semantics through
/// StackExchange.Redis. Keys are prefixed with the test's name. Encoding conversions under
/// small limits, keyspace memory and notifications are in <see cref="SetEncodingTests"/>.
/// </summary>
[TestFixture]
public class SetCommandsTests : SharedServerFixture
{
    private static string K(string name = "k") => $"{{set}}:{TestContext.CurrentContext.Test.Name}:{name}";

    /// <summary>The members of a RESP2 array-of-bulks reply, sorted (order of set replies is not defined).</summary>
    private static List<string> Members(string reply)
    {
        var lines = reply.Split("\r\n");
        Assert.That(lines[0], Does.StartWith("*").Or.StartWith("~"), reply);
        int n = int.Parse(lines[0][1..]);
        var list = new List<string>();
        for (int i = 0; i < n; i++) list.Add(lines[2 + 2 * i]);
        list.Sort(StringComparer.Ordinal);
        return list;
    }

    private static string[] Sorted(params string[] items)
    {
        var copy = (string[])items.Clone();
        Array.Sort(copy, StringComparer.Ordinal);
        return copy;
    }

    // ---- SADD / SREM / SCARD / SISMEMBER / SMISMEMBER / SMEMBERS -----------------------------

    [Test]
    public void SaddCountsNewMembersOnly()
    {
        Assert.That(Run("SADD", K(), "a", "b", "c"), Is.EqualTo(Int(3)));
        Assert.That(Run("SADD", K(), "a", "d", "d"), Is.EqualTo(Int(1)), "existing and repeated members count once");
        Assert.That(Run("SCARD", K()), Is.EqualTo(Int(4)));
        Assert.That(Run("TYPE", K()), Is.EqualTo("+set\r\n"));
        Assert.That(Members(Run("SMEMBERS", K())), Is.EqualTo(Sorted("a", "b", "c", "d")));
    }

    [Test]
    public void SmembersOfAnIntsetIsSortedNumerically()
    {
        Assert.That(Run("SADD", K(), "30", "-5", "1000000", "2", "-70000"), Is.EqualTo(Int(5)));
        Assert.That(Run("OBJECT", "ENCODING", K()), Is.EqualTo(Bulk("intset")));
        Assert.That(Run("SMEMBERS", K()), Is.EqualTo("*5\r\n" + Bulk("-70000") + Bulk("-5") + Bulk("2") + Bulk("30") + Bulk("1000000")));
    }

    [Test]
    public void MissingKeysReadAsEmptySets()
    {
        Assert.That(Run("SMEMBERS", K()), Is.EqualTo("*0\r\n"));
        Assert.That(Run("SCARD", K()), Is.EqualTo(Int(0)));
        Assert.That(Run("SISMEMBER", K(), "a"), Is.EqualTo(Int(0)));
        Assert.That(Run("SMISMEMBER", K(), "a", "b"), Is.EqualTo("*2\r\n:0\r\n:0\r\n"));
        Assert.That(Run("SREM", K(), "a"), Is.EqualTo(Int(0)));
        Assert.That(Run("SPOP", K()), Is.EqualTo("$-1\r\n"));
        Assert.That(Run("SPOP", K(), "3"), Is.EqualTo("*0\r\n"));
        Assert.That(Run("SRANDMEMBER", K()), Is.EqualTo("$-1\r\n"));
        Assert.That(Run("SRANDMEMBER", K(), "5"), Is.EqualTo("*0\r\n"));
        Assert.That(Run("SSCAN", K(), "0"), Is.EqualTo("*2\r\n" + Bulk("0") + "*0\r\n"));
        Assert.That(Run("EXISTS", K()), Is.EqualTo(Int(0)), "reads create nothing");
    }

    [Test]
    public void MembershipChecks()
    {
        Run("SADD", K(), "a", "1", "");
        Assert.That(Run("SISMEMBER", K(), "a"), Is.EqualTo(Int(1)));
        Assert.That(Run("SISMEMBER", K(), "1"), Is.EqualTo(Int(1)));
        Assert.That(Run("SISMEMBER", K(), "01"), Is.EqualTo(Int(0)), "01 is not the member 1");
        Assert.That(Run("SISMEMBER", K(), ""), Is.EqualTo(Int(1)), "the empty member");
        Assert.That(Run("SMISMEMBER", K(), "a", "x", "1"), Is.EqualTo("*3\r\n:1\r\n:0\r\n:1\r\n"));
    }

    [Test]
    public void SremDeletesTheEmptiedKey()
    {
        Run("SADD", K(), "a", "b", "c");
        Assert.That(Run("SREM", K(), "a", "x", "a"), Is.EqualTo(Int(1)));
        Assert.That(Run("SREM", K(), "b", "c"), Is.EqualTo(Int(2)));
        Assert.That(Run("EXISTS", K()), Is.EqualTo(Int(0)));
        Run("SADD", K("i"), "1", "2");
        Assert.That(Run("SREM", K("i"), "2", "x", "1"), Is.EqualTo(Int(2)), "intset: a non-integer is simply absent");
        Assert.That(Run("EXISTS", K("i")), Is.EqualTo(Int(0)));
    }

    [Test]
    public void WrongTypeEverywhere()
    {
        Run("SET", K(), "string");
        Run("SADD", K("s"), "a");
        string[][] commands =
        [
            ["SADD", K(), "a"], ["SREM", K(), "a"], ["SMEMBERS", K()], ["SISMEMBER", K(), "a"], ["SMISMEMBER", K(), "a"],
            ["SCARD", K()], ["SPOP", K()], ["SPOP", K(), "2"], ["SRANDMEMBER", K()], ["SRANDMEMBER", K(), "2"], ["SSCAN", K(), "0"],
            ["SINTER", K("s"), K()], ["SINTERCARD", "2", K("s"), K()], ["SINTERSTORE", K("d"), K("s"), K()],
            ["SUNION", K("s"), K()], ["SUNIONSTORE", K("d"), K("s"), K()], ["SDIFF", K("s"), K()], ["SDIFFSTORE", K("d"), K("s"), K()],
            ["SMOVE", K(), K("s"), "a"], ["SMOVE", K("s"), K(), "a"],
        ];
        foreach (var c in commands) Assert.That(Run(c), Is.EqualTo(WrongType), string.Join(' ', c));
        Assert.That(Run("SISMEMBER", K("s"), "a"), Is.EqualTo(Int(1)), "SMOVE to a wrong-type key moved nothing");
        Assert.That(Run("SINTER", K("missing"), K()), Is.EqualTo(WrongType), "a missing key does not hide a later wrong type");
    }

    [Test]
    public void ArityErrors()
    {
        Assert.That(Run("SADD", K()), Is.EqualTo(Err("ERR wrong number of arguments for 'sadd' command")));
        Assert.That(Run("SMOVE", K(), K("b")), Is.EqualTo(Err("ERR wrong number of arguments for 'smove' command")));
        Assert.That(Run("SINTERCARD", "1"), Is.EqualTo(Err("ERR wrong number of arguments for 'sintercard' command")));
        Assert.That(Run("SPOP", K(), "1", "2"), Is.EqualTo(Err("ERR syntax error")));
        Assert.That(Run("SRANDMEMBER", K(), "1", "2"), Is.EqualTo(Err("ERR syntax error")));
    }

    // ---- SMOVE -------------------------------------------------------------------------------

    [Test]
    public void SmoveMovesAndCreatesTheDestination()
    {
        Run("SADD", K("src"), "a", "b");
        Assert.That(Run("SMOVE", K("src"), K("dst"), "a"), Is.EqualTo(Int(1)));
        Assert.That(Members(Run("SMEMBERS", K("dst"))), Is.EqualTo(new[] { "a" }));
        Assert.That(Run("SMOVE", K("src"), K("dst"), "zz"), Is.EqualTo(Int(0)));
        Assert.That(Run("SMOVE", K("nosuch"), K("dst"), "a"), Is.EqualTo(Int(0)));
        Assert.That(Run("SADD", K("dst"), "b"), Is.EqualTo(Int(1)));
        Assert.That(Run("SMOVE", K("src"), K("dst"), "b"), Is.EqualTo(Int(1)), "already in the destination: still moved");
        Assert.That(Run("EXISTS", K("src")), Is.EqualTo(Int(0)), "the emptied source is deleted");
        Assert.That(Run("SCARD", K("dst")), Is.EqualTo(Int(2)));
        Assert.That(Run("SMOVE", K("dst"), K("dst"), "a"), Is.EqualTo(Int(1)), "same key: membership");
        Assert.That(Run("SMOVE", K("dst"), K("dst"), "q"), Is.EqualTo(Int(0)));
        Assert.That(Run("SCARD", K("dst")), Is.EqualTo(Int(2)));
    }

    [Test]
    public void SmoveFromAMissingSourceIgnoresTheDestinationType()
    {
        Run("SET", K("str"), "x");
        Assert.That(Run("SMOVE", K("nosuch"), K("str"), "a"), Is.EqualTo(Int(0)));
    }

    // ---- SPOP / SRANDMEMBER ------------------------------------------------------------------

    [Test]
    public void SpopRemovesWhatItReturns()
    {
        var all = new HashSet<string> { "a", "b", "c", "1", "2" };
        Run(["SADD", K(), .. all]);
        string one = BulkText(Run("SPOP", K()));
        Assert.That(all, Does.Contain(one));
        Assert.That(Run("SISMEMBER", K(), one), Is.EqualTo(Int(0)));
        var two = Members(Run("SPOP", K(), "2"));
        Assert.That(two, Has.Count.EqualTo(2).And.All.Not.EqualTo(one));
        Assert.That(Run("SCARD", K()), Is.EqualTo(Int(2)));
        Assert.That(Run("SPOP", K(), "0"), Is.EqualTo("*0\r\n"));
        var rest = Members(Run("SPOP", K(), "10"));
        Assert.That(rest, Has.Count.EqualTo(2));
        Assert.That(new HashSet<string>([one, .. two, .. rest]), Is.EquivalentTo(all));
        Assert.That(Run("EXISTS", K()), Is.EqualTo(Int(0)));
    }

    [Test]
    public void SpopAndSrandmemberCountErrors()
    {
        Run("SADD", K(), "a");
        Assert.That(Run("SPOP", K(), "-1"), Is.EqualTo(Err("ERR value is out of range, must be positive")));
        Assert.That(Run("SPOP", K(), "x"), Is.EqualTo(Err("ERR value is not an integer or out of range")));
        Assert.That(Run("SRANDMEMBER", K(), "x"), Is.EqualTo(Err("ERR value is not an integer or out of range")));
        Assert.That(Run("SRANDMEMBER", K(), "-9223372036854775808"),
            Is.EqualTo(Err("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807")));
        Assert.That(Run("SPOP", K("nosuch"), "-1"), Is.EqualTo(Err("ERR value is out of range, must be positive")), "the count is checked first");
    }

    [Test]
    public void SrandmemberCounts()
    {
        foreach (var (key, members) in new[] { (K("lp"), new[] { "a", "b", "c", "d", "e" }), (K("int"), new[] { "1", "2", "3", "4", "5" }) })
        {
            Run(["SADD", key, .. members]);
            Assert.That(Members(BulkList(Run("SRANDMEMBER", key, "3"))).Distinct().Count(), Is.EqualTo(3));
            Assert.That(Members(Run("SRANDMEMBER", key, "10")), Is.EqualTo(Sorted(members)), "a count past the size returns the whole set");
            var repeated = Members(Run("SRANDMEMBER", key, "-20"));
            Assert.That(repeated, Has.Count.EqualTo(20));
            Assert.That(members, Is.SupersetOf(repeated.Distinct()));
            Assert.That(Run("SRANDMEMBER", key, "0"), Is.EqualTo("*0\r\n"));
            Assert.That(members, Does.Contain(BulkText(Run("SRANDMEMBER", key))));
            Assert.That(Run("SCARD", key), Is.EqualTo(Int(5)), "SRANDMEMBER removes nothing");
        }
    }

    private static string BulkList(string reply) => reply;

    [Test]
    public void SrandmemberOnAHashtableSetIsRoughlyUniform()
    {
        var members = Enumerable.Range(0, 200).Select(i => "m" + i).ToArray();
        Run(["SADD", K(), .. members]);
        Assert.That(Run("OBJECT", "ENCODING", K()), Is.EqualTo(Bulk("hashtable")));
        var counts = new Dictionary<string, int>();
        foreach (var m in Members(Run("SRANDMEMBER", K(), "-20000"))) counts[m] = counts.GetValueOrDefault(m) + 1;
        Assert.That(counts.Keys, Is.SubsetOf(members));
        Assert.That(counts, Has.Count.EqualTo(200), "every member shows up");
        Assert.That(counts.Values.Max(), Is.LessThan(200), "no member is heavily favoured (expected 100 each)");
        var distinct = Members(Run("SRANDMEMBER", K(), "50"));
        Assert.That(distinct.Distinct().Count(), Is.EqualTo(50));
    }

    // ---- SSCAN -------------------------------------------------------------------------------

    [Test]
    public void SscanSmallSetsReturnEverythingAtOnce()
    {
        Run("SADD", K(), "apple", "avocado", "banana");
        Assert.That(Members(SscanMembers(Run("SSCAN", K(), "0"), out string cursor)), Is.EqualTo(Sorted("apple", "avocado", "banana")));
        Assert.That(cursor, Is.EqualTo("0"));
        Assert.That(Members(SscanMembers(Run("SSCAN", K(), "0", "MATCH", "a*"), out _)), Is.EqualTo(Sorted("apple", "avocado")));
        Run("SADD", K("i"), "10", "20", "35");
        Assert.That(Run("SSCAN", K("i"), "0", "MATCH", "*0"), Is.EqualTo("*2\r\n" + Bulk("0") + "*2\r\n" + Bulk("10") + Bulk("20")));
    }

    /// <summary>The member array of an SSCAN reply, and its cursor.</summary>
    private static string SscanMembers(string reply, out string cursor)
    {
        Assert.That(reply, Does.StartWith("*2\r\n$"));
        int first = reply.IndexOf("\r\n", 4, StringComparison.Ordinal) + 2;
        int end = reply.IndexOf("\r\n", first, StringComparison.Ordinal);
        cursor = reply[first..end];
        return reply[(end + 2)..];
    }

    [Test]
    public void SscanAHashtableSetVisitsEveryMember()
    {
        var members = Enumerable.Range(0, 1000).Select(i => "member:" + i).ToArray();
        Db.SetAdd(K(), members.Select(m => (RedisValue)m).ToArray());
        var seen = new HashSet<string>();
        string cursor = "0";
        int calls = 0;
        do
        {
            var page = Members(SscanMembers(Run("SSCAN", K(), cursor, "COUNT", "50"), out cursor));
            seen.UnionWith(page);
            calls++;
        } while (cursor != "0");
        Assert.That(seen, Is.EquivalentTo(members));
        Assert.That(calls, Is.GreaterThan(5), "the scan is incremental");
        // Through the client library too, with MATCH.
        var matched = Db.SetScan(K(), "member:99*", pageSize: 20).Select(v => (string)v!).ToList();
        Assert.That(matched, Is.EquivalentTo(members.Where(m => m.StartsWith("member:99"))));
    }

    [Test]
    public void SscanErrors()
    {
        Run("SADD", K(), "a");
        Assert.That(Run("SSCAN", K(), "x"), Is.EqualTo(Err("ERR invalid cursor")));
        Assert.That(Run("SSCAN", K(), "0", "COUNT", "0"), Is.EqualTo(Err("ERR syntax error")));
        Assert.That(Run("SSCAN", K(), "0", "COUNT", "x"), Is.EqualTo(Err("ERR value is not an integer or out of range")));
        Assert.That(Run("SSCAN", K(), "0", "TYPE", "set"), Is.EqualTo(Err("ERR syntax error")));
        Assert.That(Run("SSCAN", K(), "0", "NOVALUES"), Is.EqualTo(Err("ERR NOVALUES option can only be used in HSCAN")));
        Assert.That(Run("SSCAN", K(), "0", "NOSCORES"), Is.EqualTo(Err("ERR NOSCORES option can only be used in ZSCAN")));
        Assert.That(Run("SSCAN", K(), "0", "MATCH"), Is.EqualTo(Err("ERR syntax error")));
    }

    // ---- set algebra -------------------------------------------------------------------------

    [Test]
    public void SinterSunionSdiff()
    {
        Run("SADD", K("a"), "1", "2", "3", "x");
        Run("SADD", K("b"), "2", "3", "4", "x", "y");
        Run("SADD", K("c"), "3", "x", "z");
        Assert.That(Members(Run("SINTER", K("a"), K("b"), K("c"))), Is.EqualTo(Sorted("3", "x")));
        Assert.That(Members(Run("SUNION", K("a"), K("b"), K("c"))), Is.EqualTo(Sorted("1", "2", "3", "4", "x", "y", "z")));
        Assert.That(Members(Run("SDIFF", K("a"), K("b"))), Is.EqualTo(Sorted("1")));
        Assert.That(Members(Run("SDIFF", K("b"), K("a"), K("c"))), Is.EqualTo(Sorted("4", "y")));
        Assert.That(Run("SINTER", K("a"), K("missing")), Is.EqualTo("*0\r\n"));
        Assert.That(Members(Run("SUNION", K("missing"), K("c"))), Is.EqualTo(Sorted("3", "x", "z")));
        Assert.That(Run("SDIFF", K("missing"), K("a")), Is.EqualTo("*0\r\n"));
        Assert.That(Members(Run("SDIFF", K("a"), K("missing"))), Is.EqualTo(Sorted("1", "2", "3", "x")));
        Assert.That(Run("SDIFF", K("a"), K("a")), Is.EqualTo("*0\r\n"));
        Assert.That(Members(Run("SINTER", K("a"), K("a"))), Is.EqualTo(Sorted("1", "2", "3", "x")));
    }

    [Test]
    public void AlgebraOfIntsetsIsSorted()
    {
        Run("SADD", K("a"), "5", "1", "9");
        Run("SADD", K("b"), "7", "-3", "5");
        Assert.That(Run("SUNION", K("a"), K("b")), Is.EqualTo("*5\r\n" + Bulk("-3") + Bulk("1") + Bulk("5") + Bulk("7") + Bulk("9")));
        Assert.That(Run("SINTER", K("a"), K("b")), Is.EqualTo("*1\r\n" + Bulk("5")));
        Assert.That(Run("SDIFF", K("a"), K("b")), Is.EqualTo("*2\r\n" + Bulk("1") + Bulk("9")));
    }

    [Test]
    public void StoreCommands()
    {
        Run("SADD", K("a"), "1", "2", "3", "x");
        Run("SADD", K("b"), "2", "3", "y");
        Assert.That(Run("SINTERSTORE", K("d"), K("a"), K("b")), Is.EqualTo(Int(2)));
        Assert.That(Members(Run("SMEMBERS", K("d"))), Is.EqualTo(Sorted("2", "3")));
        Assert.That(Run("OBJECT", "ENCODING", K("d")), Is.EqualTo(Bulk("intset")), "an all-integer intersection is an intset");
        Assert.That(Run("SUNIONSTORE", K("d"), K("a"), K("b")), Is.EqualTo(Int(5)));
        Assert.That(Members(Run("SMEMBERS", K("d"))), Is.EqualTo(Sorted("1", "2", "3", "x", "y")));
        Assert.That(Run("SDIFFSTORE", K("d"), K("a"), K("b")), Is.EqualTo(Int(2)));
        Assert.That(Members(Run("SMEMBERS", K("d"))), Is.EqualTo(Sorted("1", "x")));

        // The destination may be a source, and any old value (of any type, with a TTL) is replaced.
        Assert.That(Run("SUNIONSTORE", K("a"), K("a"), K("b")), Is.EqualTo(Int(5)));
        Run("SET", K("s"), "string", "EX", "100");
        Assert.That(Run("SINTERSTORE", K("s"), K("a"), K("b")), Is.EqualTo(Int(3)));
        Assert.That(Run("TYPE", K("s")), Is.EqualTo("+set\r\n"));
        Assert.That(Run("TTL", K("s")), Is.EqualTo(Int(-1)));

        // An empty result deletes the destination.
        Assert.That(Run("SINTERSTORE", K("s"), K("a"), K("missing")), Is.EqualTo(Int(0)));
        Assert.That(Run("EXISTS", K("s")), Is.EqualTo(Int(0)));
        Run("SET", K("s"), "x");
        Assert.That(Run("SDIFFSTORE", K("s"), K("b"), K("a")), Is.EqualTo(Int(0)));
        Assert.That(Run("EXISTS", K("s")), Is.EqualTo(Int(0)));
        Assert.That(Run("SUNIONSTORE", K("s"), K("missing")), Is.EqualTo(Int(0)));
    }

    [Test]
    public void Sintercard()
    {
        Run("SADD", K("a"), "1", "2", "3", "4", "x");
        Run("SADD", K("b"), "2", "3", "4", "x", "y");
        Assert.That(Run("SINTERCARD", "2", K("a"), K("b")), Is.EqualTo(Int(4)));
        Assert.That(Run("SINTERCARD", "2", K("a"), K("b"), "LIMIT", "2"), Is.EqualTo(Int(2)));
        Assert.That(Run("SINTERCARD", "2", K("a"), K("b"), "limit", "0"), Is.EqualTo(Int(4)), "0 means no limit");
        Assert.That(Run("SINTERCARD", "2", K("a"), K("b"), "LIMIT", "100"), Is.EqualTo(Int(4)));
        Assert.That(Run("SINTERCARD", "1", K("a")), Is.EqualTo(Int(5)));
        Assert.That(Run("SINTERCARD", "2", K("a"), K("missing")), Is.EqualTo(Int(0)));

        Assert.That(Run("SINTERCARD", "0", K("a")), Is.EqualTo(Err("ERR numkeys should be greater than 0")));
        Assert.That(Run("SINTERCARD", "-1", K("a")), Is.EqualTo(Err("ERR numkeys should be greater than 0")));
        Assert.That(Run("SINTERCARD", "x", K("a")), Is.EqualTo(Err("ERR numkeys should be greater than 0")));
        Assert.That(Run("SINTERCARD", "3", K("a"), K("b")), Is.EqualTo(Err("ERR Number of keys can't be greater than number of args")));
        Assert.That(Run("SINTERCARD", "2", K("a"), K("b"), "LIMIT", "-1"), Is.EqualTo(Err("ERR LIMIT can't be negative")));
        Assert.That(Run("SINTERCARD", "2", K("a"), K("b"), "LIMIT", "x"), Is.EqualTo(Err("ERR LIMIT can't be negative")));
        Assert.That(Run("SINTERCARD", "2", K("a"), K("b"), "LIMIT"), Is.EqualTo(Err("ERR syntax error")));
        Assert.That(Run("SINTERCARD", "2", K("a"), K("b"), "FOO", "1"), Is.EqualTo(Err("ERR syntax error")));
        Assert.That(Run("SINTERCARD", "1", K("a"), K("b")), Is.EqualTo(Err("ERR syntax error")));
    }

    // ---- RESP3 -------------------------------------------------------------------------------

    [Test]
    public void Resp3RepliesAreSets()
    {
        Run("SADD", K(), "1");
        Run("SADD", K("s"), "a");
        Assert.That(Run("HELLO", "3"), Does.StartWith("%"));
        Assert.That(Run("SMEMBERS", K()), Is.EqualTo("~1\r\n" + Bulk("1")));
        Assert.That(Run("SMEMBERS", K("missing")), Is.EqualTo("~0\r\n"));
        Assert.That(Run("SINTER", K(), K()), Is.EqualTo("~1\r\n" + Bulk("1")));
        Assert.That(Run("SINTER", K(), K("missing")), Is.EqualTo("~0\r\n"));
        Assert.That(Run("SUNION", K()), Is.EqualTo("~1\r\n" + Bulk("1")));
        Assert.That(Run("SDIFF", K("s"), K()), Is.EqualTo("~1\r\n" + Bulk("a")));
        Assert.That(Run("SRANDMEMBER", K(), "2"), Is.EqualTo("*1\r\n" + Bulk("1")), "SRANDMEMBER replies an array");
        Assert.That(Run("SRANDMEMBER", K("missing")), Is.EqualTo("_\r\n"));
        Assert.That(Run("SPOP", K("missing")), Is.EqualTo("_\r\n"));
        Assert.That(Run("SPOP", K("missing"), "2"), Is.EqualTo("~0\r\n"));
        Assert.That(Run("SPOP", K(), "5"), Is.EqualTo("~1\r\n" + Bulk("1")));
        Assert.That(Run("SPOP", K("s"), "0"), Is.EqualTo("~0\r\n"));
    }

    // ---- generic commands on sets ------------------------------------------------------------

    [Test]
    public void CopyRenameAndMoveOfSets()
    {
        string[] small = ["a", "b", "3"];
        var big = Enumerable.Range(0, 300).Select(i => "m" + i).ToArray();
        Run(["SADD", K("ints"), "1", "2", "3"]);
        Run(["SADD", K("lp"), .. small]);
        Run(["SADD", K("ht"), .. big]);
        foreach (var (name, encoding) in new[] { ("ints", "intset"), ("lp", "listpack"), ("ht", "hashtable") })
        {
            string src = K(name), copy = K(name + "-copy"), renamed = K(name + "-renamed");
            var before = Members(Run("SMEMBERS", src));
            Assert.That(Run("OBJECT", "ENCODING", src), Is.EqualTo(Bulk(encoding)));
            Assert.That(Run("COPY", src, copy), Is.EqualTo(Int(1)));
            Assert.That(Run("OBJECT", "ENCODING", copy), Is.EqualTo(Bulk(encoding)));
            Assert.That(Run("SADD", copy, "only-in-copy"), Is.EqualTo(Int(1)));
            Assert.That(Run("SISMEMBER", src, "only-in-copy"), Is.EqualTo(Int(0)), "the copy is deep");
            Assert.That(Run("SREM", src, before[0]), Is.EqualTo(Int(1)));
            Assert.That(Run("SISMEMBER", copy, before[0]), Is.EqualTo(Int(1)));
            Assert.That(Run("SADD", src, before[0]), Is.EqualTo(Int(1)));
            Assert.That(Run("RENAME", src, renamed), Is.EqualTo(Ok));
            Assert.That(Members(Run("SMEMBERS", renamed)), Is.EqualTo(before));
            Assert.That(Run("EXISTS", src), Is.EqualTo(Int(0)));
        }

        using var raw = Raw();
        Assert.That(raw.Execute("SADD", K("mv"), "x", "y"), Is.EqualTo(Int(2)));
        Assert.That(raw.Execute("MOVE", K("mv"), "7"), Is.EqualTo(Int(1)));
        Assert.That(raw.Execute("EXISTS", K("mv")), Is.EqualTo(Int(0)));
        Assert.That(raw.Execute("SELECT", "7"), Is.EqualTo(Ok));
        Assert.That(Members(raw.Execute("SMEMBERS", K("mv"))), Is.EqualTo(Sorted("x", "y")));
        Assert.That(raw.Execute("DEL", K("mv")), Is.EqualTo(Int(1)));
    }

    [Test]
    public void BinaryMembersThroughTheClientLibrary()
    {
        byte[] binary = [0, 1, 2, 255, 13, 10];
        Assert.That(Db.SetAdd(K(), binary), Is.True);
        Assert.That(Db.SetAdd(K(), binary), Is.False);
        Assert.That(Db.SetContains(K(), binary), Is.True);
        Assert.That(Db.SetAdd(K(), new RedisValue[] { "text", 12, new string('x', 200) }), Is.EqualTo(3));
        Assert.That(Db.SetLength(K()), Is.EqualTo(4));
        var members = Db.SetMembers(K()).Select(v => (byte[])v!).ToList();
        Assert.That(members.Any(m => m.SequenceEqual(binary)), Is.True);
        Assert.That(Db.SetRemove(K(), binary), Is.True);
        Assert.That(Db.SetMove(K(), K("other"), "text"), Is.True);
        Assert.That(Db.SetMembers(K("other")).Select(v => (string)v!), Is.EquivalentTo(new[] { "text" }));
        Assert.That(Db.SetCombine(SetOperation.Union, K(), K("other")).Length, Is.EqualTo(3));
        Assert.That(Db.SetCombineAndStore(SetOperation.Difference, K("d"), K(), K("other")), Is.EqualTo(2));
        Assert.That(Db.SetIntersectionLength([K(), K("d")]), Is.EqualTo(2));
        Assert.That(Db.SetPop(K("d"), 5).Length, Is.EqualTo(2));
        Assert.That(Db.KeyExists(K("d")), Is.False);
    }

    [Test]
    public void CommandInfoOfTheFamily()
    {
        Assert.That(Run("COMMAND", "GETKEYS", "SINTERCARD", "2", "a", "b", "LIMIT", "1"), Is.EqualTo("*2\r\n" + Bulk("a") + Bulk("b")));
        Assert.That(Run("COMMAND", "GETKEYS", "SMOVE", "a", "b", "m"), Is.EqualTo("*2\r\n" + Bulk("a") + Bulk("b")));
        Assert.That(Run("COMMAND", "GETKEYS", "SDIFFSTORE", "d", "a", "b"), Is.EqualTo("*3\r\n" + Bulk("d") + Bulk("a") + Bulk("b")));
        var info = Run("COMMAND", "INFO", "sadd");
        Assert.That(info, Does.Contain(Bulk("sadd") + ":-3\r\n"));
        Assert.That(info, Does.Contain("@set"));
    }
}

/// <summary>
/// Encodings and their conversions (set-max-intset-entries / set-max-listpack-entries /
/// set-max-listpack-value set small), keyspace events and memory, on a server of its own.
/// </summary>
[TestFixture]
public class SetEncodingTests : OwnServerFixture
{
    private RawRespClient _raw = null!;

    [SetUp]
    public void SetUp()
    {
        _raw = Server.CreateRawClient();
        Assert.That(Run("FLUSHALL"), Is.EqualTo(Ok));
        Assert.That(Run("CONFIG", "SET", "set-max-intset-entries", "4", "set-max-listpack-entries", "3", "set-max-listpack-value", "8"), Is.EqualTo(Ok));
    }

    [TearDown]
    public void TearDown() => _raw.Dispose();

    private string Run(params string[] args) => _raw.Execute(args);

    private string EncodingOf(string key) => BulkText(Run("OBJECT", "ENCODING", key));

    [Test]
    public void IntsetGrowsIntoAHashtablePastItsLimit()
    {
        for (int i = 1; i <= 4; i++)
        {
            Assert.That(Run("SADD", "s", (i * 1000).ToString()), Is.EqualTo(Int(1)));
            Assert.That(EncodingOf("s"), Is.EqualTo("intset"), $"{i} members");
        }
        Assert.That(Run("SADD", "s", "5000"), Is.EqualTo(Int(1)));
        Assert.That(EncodingOf("s"), Is.EqualTo("hashtable"), "more than set-max-intset-entries integers");
        Assert.That(Run("SCARD", "s"), Is.EqualTo(Int(5)));
        Assert.That(Run("SREM", "s", "1000", "2000", "3000"), Is.EqualTo(Int(3)));
        Assert.That(EncodingOf("s"), Is.EqualTo("hashtable"), "never converted back");
    }

    [Test]
    public void IntsetWidthsAndExtremes()
    {
        string[] values = ["1", "-1", "32767", "-32768", "32768", "2147483647", "-2147483649", "9223372036854775807"];
        Assert.That(Run("CONFIG", "SET", "set-max-intset-entries", "100"), Is.EqualTo(Ok));
        foreach (var v in values) Assert.That(Run("SADD", "s", v), Is.EqualTo(Int(1)), v);
        Assert.That(Run("SADD", "s", "-9223372036854775808"), Is.EqualTo(Int(1)));
        Assert.That(EncodingOf("s"), Is.EqualTo("intset"));
        foreach (var v in values) Assert.That(Run("SISMEMBER", "s", v), Is.EqualTo(Int(1)), v);
        Assert.That(Run("SADD", "s", "9223372036854775808"), Is.EqualTo(Int(1)), "beyond int64: a string");
        Assert.That(EncodingOf("s"), Is.EqualTo("hashtable"), "9 members is past the listpack limit (3)");
    }

    [Test]
    public void IntsetBecomesAListpackForAShortString()
    {
        Run("SADD", "s", "1", "2");
        Assert.That(Run("SADD", "s", "abc"), Is.EqualTo(Int(1)));
        Assert.That(EncodingOf("s"), Is.EqualTo("listpack"));
        Assert.That(Run("SMEMBERS", "s"), Is.EqualTo("*3\r\n" + Bulk("1") + Bulk("2") + Bulk("abc")));
        Assert.That(Run("SADD", "s", "d"), Is.EqualTo(Int(1)));
        Assert.That(EncodingOf("s"), Is.EqualTo("hashtable"), "past set-max-listpack-entries");

        Run("SADD", "t", "1", "2", "3");
        Assert.That(Run("SADD", "t", "x"), Is.EqualTo(Int(1)));
        Assert.That(EncodingOf("t"), Is.EqualTo("hashtable"), "an intset at the listpack limit goes to hashtable");

        Run("SADD", "u", "1");
        Assert.That(Run("SADD", "u", "123456789"), Is.EqualTo(Int(1)));
        Assert.That(Run("SADD", "u", "abcdefghi"), Is.EqualTo(Int(1)));
        Assert.That(EncodingOf("u"), Is.EqualTo("hashtable"), "a member longer than set-max-listpack-value");

        Run("SADD", "v", "1", "123456789");
        Assert.That(Run("SADD", "v", "a"), Is.EqualTo(Int(1)));
        Assert.That(EncodingOf("v"), Is.EqualTo("hashtable"), "an integer that would be too long as a listpack member");
    }

    [Test]
    public void NewSetsFollowTheFirstMemberAndTheArgumentCount()
    {
        Run("SADD", "a", "1", "x");
        Assert.That(EncodingOf("a"), Is.EqualTo("listpack"), "the first member is an integer, the second is not");
        Run("SADD", "b", "x");
        Assert.That(EncodingOf("b"), Is.EqualTo("listpack"));
        Run("SADD", "c", "1", "2", "3", "4", "5");
        Assert.That(EncodingOf("c"), Is.EqualTo("hashtable"), "more integers than set-max-intset-entries up front");
        Run("SADD", "d", "x", "y", "z", "w");
        Assert.That(EncodingOf("d"), Is.EqualTo("hashtable"), "more members than set-max-listpack-entries up front");
        Run("SADD", "e", "1", "1", "1", "1", "1");
        Assert.That(EncodingOf("e"), Is.EqualTo("hashtable"), "the argument count decides, even when members repeat");
        Run("SADD", "f", "x");
        Run("SADD", "f", "x", "x", "x", "x");
        Assert.That(EncodingOf("f"), Is.EqualTo("hashtable"), "an existing listpack converts for a long SADD");
    }

    [Test]
    public void StoreResultsPickTheirEncoding()
    {
        Run("SADD", "ints", "1", "2", "3");
        Run("SADD", "mixed", "1", "2", "x");
        Run("SADD", "big", "1", "2", "3", "a", "b", "c");
        Assert.That(EncodingOf("big"), Is.EqualTo("hashtable"));
        Assert.That(Run("SINTERSTORE", "d", "big", "mixed"), Is.EqualTo(Int(2)));
        Assert.That(EncodingOf("d"), Is.EqualTo("intset"), "integers only");
        Assert.That(Run("SINTERSTORE", "d", "big", "mixed", "mixed"), Is.EqualTo(Int(2)));
        Assert.That(Run("SINTERSTORE", "d", "mixed", "mixed"), Is.EqualTo(Int(3)));
        Assert.That(EncodingOf("d"), Is.EqualTo("listpack"));
        Assert.That(Run("SUNIONSTORE", "d", "ints", "ints"), Is.EqualTo(Int(3)));
        Assert.That(EncodingOf("d"), Is.EqualTo("intset"));
        Assert.That(Run("SUNIONSTORE", "d", "ints", "mixed"), Is.EqualTo(Int(4)));
        Assert.That(EncodingOf("d"), Is.EqualTo("hashtable"), "4 members with a string: past the listpack limit");
        Assert.That(Run("SDIFFSTORE", "d", "big", "ints"), Is.EqualTo(Int(3)));
        Assert.That(EncodingOf("d"), Is.EqualTo("listpack"));
    }

    [Test]
    public void SmoveCreatesTheDestinationByTheMember()
    {
        Run("SADD", "src", "1", "x");
        Assert.That(Run("SMOVE", "src", "d1", "1"), Is.EqualTo(Int(1)));
        Assert.That(EncodingOf("d1"), Is.EqualTo("intset"));
        Assert.That(Run("SMOVE", "src", "d2", "x"), Is.EqualTo(Int(1)));
        Assert.That(EncodingOf("d2"), Is.EqualTo("listpack"));
        Assert.That(Run("EXISTS", "src"), Is.EqualTo(Int(0)));
    }

    [Test]
    public void EveryEncodingBehavesTheSame()
    {
        var cases = new (string Key, string[] Members, string Encoding)[]
        {
            ("i", ["3", "1", "2"], "intset"),
            ("l", ["a", "b", "1"], "listpack"),
            ("h", ["a", "b", "c", "d", "1", "2"], "hashtable"),
        };
        foreach (var (key, members, encoding) in cases)
        {
            Run(["SADD", key, .. members]);
            Assert.That(EncodingOf(key), Is.EqualTo(encoding));
            Assert.That(Run("SCARD", key), Is.EqualTo(Int(members.Length)));
            foreach (var m in members) Assert.That(Run("SISMEMBER", key, m), Is.EqualTo(Int(1)), $"{encoding} {m}");
            Assert.That(Run("SISMEMBER", key, "nope"), Is.EqualTo(Int(0)));
            var popped = new List<string>();
            for (int i = 0; i < members.Length; i++) popped.Add(BulkText(Run("SPOP", key)));
            Assert.That(popped, Is.EquivalentTo(members), encoding);
            Assert.That(Run("EXISTS", key), Is.EqualTo(Int(0)), $"{encoding}: the last SPOP deletes the key");
        }
    }

    [Test]
    public void WritesCountAsChanges()
    {
        long Dirty() => long.Parse(InfoParser.Fields(BulkText(Run("INFO", "persistence")))["rdb_changes_since_last_save"]);
        long d0 = Dirty();
        Run("SADD", "s", "a", "b", "a");
        Assert.That(Dirty() - d0, Is.EqualTo(2), "one per added member");
        Run("SADD", "s", "a");
        Assert.That(Dirty() - d0, Is.EqualTo(2), "nothing added, nothing changed");
        Run("SREM", "s", "a", "zz");
        Assert.That(Dirty() - d0, Is.EqualTo(3));
        Run("SMOVE", "s", "t", "b");
        Assert.That(Dirty() - d0, Is.EqualTo(5), "removal and addition");
        Run("SADD", "u", "1", "2", "3");
        Run("SPOP", "u", "2");
        Assert.That(Dirty() - d0, Is.EqualTo(10));
        Run("SINTERSTORE", "v", "t", "t");
        Assert.That(Dirty() - d0, Is.EqualTo(11));
        Run("SINTER", "t", "t");
        Assert.That(Dirty() - d0, Is.EqualTo(11), "reads change nothing");
    }

    [Test]
    public void MemoryIsReturnedAfterDel()
    {
        long Used() => long.Parse(InfoParser.Fields(BulkText(Run("INFO", "memory")))["used_memory"]);
        Run("SET", "warmup", "x");
        var bigArgs = new List<string> { "SADD", "big" };
        for (int j = 0; j < 2000; j++) bigArgs.Add($"member-{j}");
        long peak = 0;
        void Round()
        {
            Run([.. bigArgs]);
            Run("SADD", "ints", "1", "2", "70000", "5000000000");
            Run("SADD", "lp", "a", "b");
            Run("COPY", "big", "bigcopy");
            Run("COPY", "ints", "intscopy");
            Run("COPY", "lp", "lpcopy");
            Assert.That(EncodingOf("big") + EncodingOf("ints") + EncodingOf("lp"), Is.EqualTo("hashtable" + "intset" + "listpack"));
            peak = Used();
            Assert.That(Run("DEL", "big", "ints", "lp", "bigcopy", "intscopy", "lpcopy"), Is.EqualTo(Int(6)));
            SpinWait.SpinUntil(() => InfoParser.Field(BulkText(Run("INFO", "memory")), "lazyfree_pending_objects") == 0, 10_000); // DEL is lazy by default (lazyfree-lazy-user-del yes)
        }
        // The first round sizes the keyspace table itself; from then on every round returns to the same figure.
        Round();
        long before = Used();
        for (int i = 0; i < 5; i++)
        {
            Round();
            Assert.That(peak, Is.GreaterThan(before + 100_000));
            Assert.That(Used(), Is.EqualTo(before), $"round {i}: every byte of every encoding is returned");
        }
    }
}
