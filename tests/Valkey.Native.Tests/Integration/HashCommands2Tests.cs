using NUnit.Framework;
using StackExchange.Redis;
using Valkey.Native.Tests.Infrastructure;
using static Valkey.Native.Tests.Infrastructure.Resp;

namespace Valkey.Native.Tests.Integration;

/// <summary>
/// The rest of the hash family (HSETNX, HSTRLEN, HKEYS, HVALS, HINCRBY, HINCRBYFLOAT, HRANDFIELD,
/// HSCAN) against the shared server: byte-exact replies and errors in RESP2 and RESP3 over a raw
/// socket, both encodings, and the StackExchange.Redis API. Keys are prefixed with the test's name.
/// </summary>
[TestFixture]
public class HashCommands2Tests : SharedServerFixture
{
    private static string K(string name = "k") => $"{{hash2}}:{TestContext.CurrentContext.Test.Name}:{name}";

    private const string Null2 = "$-1\r\n";
    private const string Null3 = "_\r\n";
    private const string EmptyScan = "*2\r\n$1\r\n0\r\n*0\r\n";

    private void Resp3() => Assert.That(Run("HELLO", "3"), Does.StartWith("%"));

    /// <summary>A listpack hash f0..f(n-1) = v0..v(n-1), or a hashtable when n exceeds the default 512 entries.</summary>
    private void Fill(string key, int n)
    {
        var args = new List<string> { "HSET", key };
        for (int i = 0; i < n; i++) { args.Add($"f{i}"); args.Add($"v{i}"); }
        Assert.That(Run(args.ToArray()), Is.EqualTo(Int(n)));
        Assert.That(Run("OBJECT", "ENCODING", key), Is.EqualTo(Bulk(n > 512 ? "hashtable" : "listpack")));
    }

    /// <summary>Splits a flat RESP2 array of bulk strings (no nesting) into its strings.</summary>
    private static List<string> Bulks(string reply)
    {
        var lines = reply.Split("\r\n");
        Assert.That(lines[0], Does.StartWith("*"), reply);
        int n = int.Parse(lines[0][1..]);
        var items = new List<string>();
        for (int i = 0; i < n; i++)
        {
            Assert.That(lines[1 + 2 * i], Does.StartWith("$"), reply);
            items.Add(lines[2 + 2 * i]);
        }
        Assert.That(string.Join("\r\n", lines.Skip(1 + 2 * n)), Is.EqualTo(""), "nothing after the array");
        return items;
    }

    // ---- HSETNX ----------------------------------------------------------------------------------

    [Test]
    public void HsetnxSetsOnlyAMissingField()
    {
        Assert.That(Run("HSETNX", K(), "f", "1"), Is.EqualTo(Int(1)), "creates the key");
        Assert.That(Run("TYPE", K()), Is.EqualTo("+hash\r\n"));
        Assert.That(Run("HSETNX", K(), "f", "2"), Is.EqualTo(Int(0)));
        Assert.That(Run("HGET", K(), "f"), Is.EqualTo(Bulk("1")), "an existing field is left alone");
        Assert.That(Run("HSETNX", K(), "g", ""), Is.EqualTo(Int(1)));
        Assert.That(Run("HGETALL", K()), Is.EqualTo("*4\r\n" + Bulk("f") + Bulk("1") + Bulk("g") + "$0\r\n\r\n"));
        Assert.That(Run("OBJECT", "ENCODING", K()), Is.EqualTo(Bulk("listpack")));
    }

    [Test]
    public void HsetnxWithALongValueConvertsToAHashtable()
    {
        Run("HSET", K(), "a", "1");
        Assert.That(Run("HSETNX", K(), "long", new string('x', 65)), Is.EqualTo(Int(1)));
        Assert.That(Run("OBJECT", "ENCODING", K()), Is.EqualTo(Bulk("hashtable")));
        Assert.That(Run("HSETNX", K(), "long", "y"), Is.EqualTo(Int(0)));
        Assert.That(Run("HSTRLEN", K(), "long"), Is.EqualTo(Int(65)));
        Assert.That(Run("HSETNX", K("new"), new string('f', 65), "v"), Is.EqualTo(Int(1)));
        Assert.That(Run("OBJECT", "ENCODING", K("new")), Is.EqualTo(Bulk("hashtable")));
    }

    // ---- HSTRLEN ---------------------------------------------------------------------------------

    [Test]
    public void HstrlenCountsBytesOfTheValue()
    {
        Run("HSET", K(), "s", "hello", "n", "-12345", "e", "", "u", "\u00e9\u00e9");
        Assert.That(Run("HSTRLEN", K(), "s"), Is.EqualTo(Int(5)));
        Assert.That(Run("HSTRLEN", K(), "n"), Is.EqualTo(Int(6)));
        Assert.That(Run("HSTRLEN", K(), "e"), Is.EqualTo(Int(0)));
        Assert.That(Run("HSTRLEN", K(), "u"), Is.EqualTo(Int(4)), "bytes, not characters");
        Assert.That(Run("HSTRLEN", K(), "missing"), Is.EqualTo(Int(0)));
        Assert.That(Run("HSTRLEN", K("nokey"), "s"), Is.EqualTo(Int(0)));
        Fill(K("big"), 600);
        Assert.That(Run("HSTRLEN", K("big"), "f150"), Is.EqualTo(Int(4)));
        Assert.That(Run("HSTRLEN", K("big"), "nope"), Is.EqualTo(Int(0)));
    }

    // ---- HKEYS / HVALS ---------------------------------------------------------------------------

    [Test]
    public void HkeysAndHvalsOfAListpackAreInInsertionOrder()
    {
        Run("HSET", K(), "b", "2", "a", "1", "c", "");
        Assert.That(Run("HKEYS", K()), Is.EqualTo("*3\r\n" + Bulk("b") + Bulk("a") + Bulk("c")));
        Assert.That(Run("HVALS", K()), Is.EqualTo("*3\r\n" + Bulk("2") + Bulk("1") + "$0\r\n\r\n"));
        Assert.That(Run("HKEYS", K("nokey")), Is.EqualTo("*0\r\n"));
        Assert.That(Run("HVALS", K("nokey")), Is.EqualTo("*0\r\n"));
        Resp3();
        Assert.That(Run("HKEYS", K()), Is.EqualTo("*3\r\n" + Bulk("b") + Bulk("a") + Bulk("c")), "an array, not a set, in RESP3");
        Assert.That(Run("HVALS", K()), Is.EqualTo("*3\r\n" + Bulk("2") + Bulk("1") + "$0\r\n\r\n"));
        Assert.That(Run("HKEYS", K("nokey")), Is.EqualTo("*0\r\n"));
        Assert.That(Run("HVALS", K("nokey")), Is.EqualTo("*0\r\n"));
    }

    [Test]
    public void HkeysAndHvalsOfAHashtableMatchHgetall()
    {
        Fill(K(), 600);
        var keys = Bulks(Run("HKEYS", K()));
        var vals = Bulks(Run("HVALS", K()));
        Assert.That(keys, Is.EquivalentTo(Enumerable.Range(0, 600).Select(i => $"f{i}")));
        Assert.That(vals, Is.EquivalentTo(Enumerable.Range(0, 600).Select(i => $"v{i}")));
        for (int i = 0; i < keys.Count; i++) Assert.That(vals[i], Is.EqualTo("v" + keys[i][1..]), "the same order in both");
    }

    // ---- HINCRBY ---------------------------------------------------------------------------------

    [Test]
    public void HincrbyAddsAndCreates()
    {
        Assert.That(Run("HINCRBY", K(), "n", "5"), Is.EqualTo(Int(5)), "a missing key and field start at 0");
        Assert.That(Run("HINCRBY", K(), "n", "-7"), Is.EqualTo(Int(-2)));
        Assert.That(Run("HINCRBY", K(), "n", "0"), Is.EqualTo(Int(-2)));
        Assert.That(Run("HGET", K(), "n"), Is.EqualTo(Bulk("-2")));
        Run("HSET", K(), "big", "17179869184");
        Assert.That(Run("HINCRBY", K(), "big", "17179869184"), Is.EqualTo(Int(34359738368)));
        Assert.That(Run("HINCRBY", K(), "other", "1"), Is.EqualTo(Int(1)));
        Assert.That(Run("HKEYS", K()), Is.EqualTo("*3\r\n" + Bulk("n") + Bulk("big") + Bulk("other")));
        Fill(K("ht"), 600);
        Run("HSET", K("ht"), "f3", "100");
        Assert.That(Run("HINCRBY", K("ht"), "f3", "-101"), Is.EqualTo(Int(-1)));
        Assert.That(Run("HINCRBY", K("ht"), "new", "9"), Is.EqualTo(Int(9)));
        Assert.That(Run("HLEN", K("ht")), Is.EqualTo(Int(601)));
    }

    [TestCase("abc")]
    [TestCase(" 1")]
    [TestCase("1 ")]
    [TestCase("1.5")]
    [TestCase("")]
    [TestCase("01")]
    [TestCase("9223372036854775808")]
    public void HincrbyOfANonIntegerValueFails(string value)
    {
        Run("HSET", K(), "f", value);
        Assert.That(Run("HINCRBY", K(), "f", "1"), Is.EqualTo(Err("ERR hash value is not an integer")));
        Assert.That(Run("HGET", K(), "f"), Is.EqualTo(Bulk(value)));
    }

    [Test]
    public void HincrbyOverflowAndBadIncrements()
    {
        Run("HSET", K(), "max", "9223372036854775807", "min", "-9223372036854775808");
        Assert.That(Run("HINCRBY", K(), "max", "1"), Is.EqualTo(Err("ERR increment or decrement would overflow")));
        Assert.That(Run("HINCRBY", K(), "min", "-1"), Is.EqualTo(Err("ERR increment or decrement would overflow")));
        Assert.That(Run("HINCRBY", K(), "max", "-9223372036854775808"), Is.EqualTo(Int(-1)));
        Assert.That(Run("HINCRBY", K(), "min", "9223372036854775807"), Is.EqualTo(Int(-1)));
        Assert.That(Run("HINCRBY", K("new"), "f", "-9223372036854775808"), Is.EqualTo(Int(long.MinValue)));

        foreach (var bad in new[] { "x", "1.0", "9223372036854775808", "", " 1" })
            Assert.That(Run("HINCRBY", K("bad"), "f", bad), Is.EqualTo(Err("ERR value is not an integer or out of range")), bad);
        Assert.That(Run("EXISTS", K("bad")), Is.EqualTo(Int(0)), "a rejected increment creates nothing");
        Run("SET", K("str"), "1");
        Assert.That(Run("HINCRBY", K("str"), "f", "1"), Is.EqualTo(WrongType));
        Assert.That(Run("HINCRBY", K("str"), "f", "x"), Is.EqualTo(Err("ERR value is not an integer or out of range")),
            "the increment is parsed before the key is looked up");
    }

    // ---- HINCRBYFLOAT ----------------------------------------------------------------------------

    [TestCase("10.5", "0.1", "10.6")]
    [TestCase("17179869184", "17179869184", "34359738368")]
    [TestCase("1", "-1", "0")]
    [TestCase("5.0e3", "2.0e2", "5200")]
    [TestCase("1.23", "0.1", "1.33")]
    [TestCase("0x10", "1", "17")]
    [TestCase("-0.5", "0.25", "-0.25")]
    [TestCase("3", "1.5e-5", "3.000015")]
    public void HincrbyfloatFormatsLikeValkey(string start, string increment, string expected)
    {
        Run("HSET", K(), "f", start);
        Assert.That(Run("HINCRBYFLOAT", K(), "f", increment), Is.EqualTo(Bulk(expected)));
        Assert.That(Run("HGET", K(), "f"), Is.EqualTo(Bulk(expected)));
    }

    [Test]
    public void HincrbyfloatCreatesAndWorksOnHashtables()
    {
        Assert.That(Run("HINCRBYFLOAT", K(), "f", "2.5"), Is.EqualTo(Bulk("2.5")));
        Assert.That(Run("HINCRBYFLOAT", K(), "f", "-2.5"), Is.EqualTo(Bulk("0")));
        Assert.That(Run("HINCRBY", K(), "f", "3"), Is.EqualTo(Int(3)), "its integral result is an integer again");
        Fill(K("ht"), 600);
        Assert.That(Run("HINCRBYFLOAT", K("ht"), "x", "0.1"), Is.EqualTo(Bulk("0.1")));
        Assert.That(Run("HINCRBYFLOAT", K("ht"), "x", "0.2"), Is.EqualTo(Bulk("0.3")));
        Resp3();
        Assert.That(Run("HINCRBYFLOAT", K(), "f", "0.5"), Is.EqualTo(Bulk("3.5")), "a bulk string in RESP3 too");
    }

    [Test]
    public void HincrbyfloatErrors()
    {
        Run("HSET", K(), "word", "abc", "space", " 1", "inf", "inf", "big", "1e4932", "nul", "1\u00002");
        Assert.That(Run("HINCRBYFLOAT", K(), "word", "1"), Is.EqualTo(Err("ERR hash value is not a float")));
        Assert.That(Run("HINCRBYFLOAT", K(), "space", "1"), Is.EqualTo(Err("ERR hash value is not a float")));
        Assert.That(Run("HINCRBYFLOAT", K(), "nul", "1"), Is.EqualTo(Err("ERR hash value is not a float")));
        Assert.That(Run("HINCRBYFLOAT", K(), "inf", "1"), Is.EqualTo(Err("ERR increment would produce NaN or Infinity")));
        Assert.That(Run("HINCRBYFLOAT", K(), "big", "1e4932"), Is.EqualTo(Err("ERR increment would produce NaN or Infinity")));
        Assert.That(Run("HGET", K(), "big"), Is.EqualTo(Bulk("1e4932")), "unchanged");

        foreach (var bad in new[] { "abc", "nan", "1.5x", "", " 1" })
            Assert.That(Run("HINCRBYFLOAT", K("bad"), "f", bad), Is.EqualTo(Err("ERR value is not a valid float")), bad);
        foreach (var infinite in new[] { "inf", "-inf", "+Infinity", "1e5000" })
            Assert.That(Run("HINCRBYFLOAT", K("bad"), "f", infinite), Is.EqualTo(Err(infinite == "1e5000"
                ? "ERR value is not a valid float" : "ERR value is NaN or Infinity")), infinite);
        Assert.That(Run("EXISTS", K("bad")), Is.EqualTo(Int(0)));

        Run("SET", K("str"), "1");
        Assert.That(Run("HINCRBYFLOAT", K("str"), "f", "1"), Is.EqualTo(WrongType));
        Assert.That(Run("HINCRBYFLOAT", K("str"), "f", "inf"), Is.EqualTo(Err("ERR value is NaN or Infinity")),
            "an infinite increment is refused before the key is looked up");
    }

    // ---- HRANDFIELD ------------------------------------------------------------------------------

    [Test]
    public void HrandfieldOfAMissingKey()
    {
        Assert.That(Run("HRANDFIELD", K()), Is.EqualTo(Null2));
        Assert.That(Run("HRANDFIELD", K(), "5"), Is.EqualTo("*0\r\n"));
        Assert.That(Run("HRANDFIELD", K(), "-5", "WITHVALUES"), Is.EqualTo("*0\r\n"));
        Resp3();
        Assert.That(Run("HRANDFIELD", K()), Is.EqualTo(Null3));
        Assert.That(Run("HRANDFIELD", K(), "5"), Is.EqualTo("*0\r\n"));
        Assert.That(Run("HRANDFIELD", K(), "0", "withvalues"), Is.EqualTo("*0\r\n"));
    }

    [Test]
    public void HrandfieldErrors()
    {
        Run("HSET", K(), "a", "1");
        Assert.That(Run("HRANDFIELD", K(), "x"), Is.EqualTo(Err("ERR value is not an integer or out of range")));
        Assert.That(Run("HRANDFIELD", K(), "1.5"), Is.EqualTo(Err("ERR value is not an integer or out of range")));
        Assert.That(Run("HRANDFIELD", K(), "-9223372036854775808"),
            Is.EqualTo(Err("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807")));
        Assert.That(Run("HRANDFIELD", K(), "-9223372036854775808", "WITHVALUES"),
            Is.EqualTo(Err("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807")));
        Assert.That(Run("HRANDFIELD", K(), "-9223372036854770000", "withvalues"), Is.EqualTo(Err("ERR value is out of range")));
        Assert.That(Run("HRANDFIELD", K(), "4611686018427387904", "withvalues"), Is.EqualTo(Err("ERR value is out of range")));
        Assert.That(Run("HRANDFIELD", K(), "-4611686018427387904", "withvalues"), Is.EqualTo(Err("ERR value is out of range")));
        Assert.That(Run("HRANDFIELD", K(), "1", "withvalue"), Is.EqualTo(Err("ERR syntax error")));
        Assert.That(Run("HRANDFIELD", K(), "1", "withvalues", "x"), Is.EqualTo(Err("ERR syntax error")));
        Assert.That(Run("HRANDFIELD", K(), "x", "bogus"), Is.EqualTo(Err("ERR value is not an integer or out of range")),
            "the count is parsed first");
        Assert.That(Run("HRANDFIELD", K("nokey"), "1", "bogus"), Is.EqualTo(Err("ERR syntax error")), "options before the lookup");
        Run("SET", K("str"), "v");
        Assert.That(Run("HRANDFIELD", K("str")), Is.EqualTo(WrongType));
        Assert.That(Run("HRANDFIELD", K("str"), "0"), Is.EqualTo(WrongType), "the type is checked before a zero count");
        Assert.That(Run("HRANDFIELD", K("str"), "-3", "withvalues"), Is.EqualTo(WrongType));
        Assert.That(Run("HRANDFIELD", K(), "0"), Is.EqualTo("*0\r\n"));
        Assert.That(Run("HRANDFIELD", K(), "0", "WITHVALUES"), Is.EqualTo("*0\r\n"));
    }

    [TestCase(10)]
    [TestCase(600)]
    public void HrandfieldWithoutCountReturnsEveryFieldEventually(int size)
    {
        Fill(K(), size);
        var seen = new HashSet<string>();
        for (int i = 0; i < size * 40 && seen.Count < size; i++)
        {
            string field = BulkText(Run("HRANDFIELD", K()));
            Assert.That(field, Does.StartWith("f"));
            seen.Add(field);
        }
        Assert.That(seen, Has.Count.EqualTo(size));
    }

    [TestCase(10)]
    [TestCase(600)]
    public void HrandfieldNegativeCountRepeatsFields(int size)
    {
        Fill(K(), size);
        var fields = Bulks(Run("HRANDFIELD", K(), "-1000"));
        Assert.That(fields, Has.Count.EqualTo(1000));
        Assert.That(fields, Is.All.Matches<string>(f => f.StartsWith('f') && int.Parse(f[1..]) < size));
        Assert.That(fields.Distinct().Count(), Is.LessThan(1000), "repeats");
        if (size == 10)
        {
            // Roughly uniform: each of the ten fields about 100 times.
            foreach (var group in fields.GroupBy(f => f)) Assert.That(group.Count(), Is.InRange(40, 180), group.Key);
            Assert.That(fields.Distinct().Count(), Is.EqualTo(10));
        }

        var pairs = Bulks(Run("HRANDFIELD", K(), "-50", "WITHVALUES"));
        Assert.That(pairs, Has.Count.EqualTo(100), "RESP2 flattens field/value pairs");
        for (int i = 0; i < pairs.Count; i += 2) Assert.That(pairs[i + 1], Is.EqualTo("v" + pairs[i][1..]));
    }

    [TestCase(10)]
    [TestCase(600)]
    public void HrandfieldPositiveCountReturnsDistinctFields(int size)
    {
        Fill(K(), size);
        // Every path: the whole hash, few picks (random), many picks (selection sampling).
        foreach (int count in new[] { size + 5, size, size - 1, size / 2, 2, 1 })
        {
            var fields = Bulks(Run("HRANDFIELD", K(), count.ToString()));
            Assert.That(fields, Has.Count.EqualTo(Math.Min(count, size)), $"count {count}");
            Assert.That(fields, Is.Unique, $"count {count}");
            Assert.That(fields, Is.All.Matches<string>(f => f.StartsWith('f') && int.Parse(f[1..]) < size));
            var pairs = Bulks(Run("HRANDFIELD", K(), count.ToString(), "withvalues"));
            Assert.That(pairs, Has.Count.EqualTo(2 * Math.Min(count, size)));
            for (int i = 0; i < pairs.Count; i += 2) Assert.That(pairs[i + 1], Is.EqualTo("v" + pairs[i][1..]));
            Assert.That(pairs.Where((_, i) => i % 2 == 0), Is.Unique);
        }

        // Small counts cover every field over repeated calls.
        var seen = new HashSet<string>();
        for (int i = 0; i < 2000 && seen.Count < size; i++) seen.UnionWith(Bulks(Run("HRANDFIELD", K(), (size / 20 + 2).ToString())));
        Assert.That(seen, Has.Count.EqualTo(size));
    }

    [Test]
    public void HrandfieldOfTheWholeListpackKeepsItsOrder()
    {
        Run("HSET", K(), "b", "2", "a", "1", "c", "3");
        Assert.That(Run("HRANDFIELD", K(), "3"), Is.EqualTo("*3\r\n" + Bulk("b") + Bulk("a") + Bulk("c")));
        Assert.That(Run("HRANDFIELD", K(), "100", "WITHVALUES"),
            Is.EqualTo("*6\r\n" + Bulk("b") + Bulk("2") + Bulk("a") + Bulk("1") + Bulk("c") + Bulk("3")));
        Resp3();
        Assert.That(Run("HRANDFIELD", K(), "100", "WITHVALUES"),
            Is.EqualTo("*3\r\n*2\r\n" + Bulk("b") + Bulk("2") + "*2\r\n" + Bulk("a") + Bulk("1") + "*2\r\n" + Bulk("c") + Bulk("3")));
        Assert.That(Run("HRANDFIELD", K(), "3"), Is.EqualTo("*3\r\n" + Bulk("b") + Bulk("a") + Bulk("c")), "no nesting without values");
    }

    [TestCase(1)]
    [TestCase(600)]
    public void HrandfieldReplyShapes(int size)
    {
        Fill(K(), size);
        string one = Run("HRANDFIELD", K(), "1", "WITHVALUES");
        Assert.That(one, Does.Match(@"^\*2\r\n\$\d+\r\nf(\d+)\r\n\$\d+\r\nv\1\r\n$"));
        string neg = Run("HRANDFIELD", K(), "-2", "WITHVALUES");
        Assert.That(neg, Does.Match(@"^\*4\r\n(\$\d+\r\nf(\d+)\r\n\$\d+\r\nv\2\r\n){2}$"));
        Assert.That(Run("HRANDFIELD", K()), Does.Match(@"^\$\d+\r\nf\d+\r\n$"));
        Assert.That(Run("HRANDFIELD", K(), "-3"), Does.Match(@"^\*3\r\n(\$\d+\r\nf\d+\r\n){3}$"));
        Resp3();
        Assert.That(Run("HRANDFIELD", K(), "1", "WITHVALUES"), Does.Match(@"^\*1\r\n\*2\r\n\$\d+\r\nf(\d+)\r\n\$\d+\r\nv\1\r\n$"));
        Assert.That(Run("HRANDFIELD", K(), "-3", "WITHVALUES"), Does.Match(@"^\*3\r\n(\*2\r\n\$\d+\r\nf(\d+)\r\n\$\d+\r\nv\2\r\n){3}$"));
        Assert.That(Run("HRANDFIELD", K(), "-3"), Does.Match(@"^\*3\r\n(\$\d+\r\nf\d+\r\n){3}$"));
        if (size > 1)
            Assert.That(Run("HRANDFIELD", K(), "2", "WITHVALUES"), Does.Match(@"^\*2\r\n(\*2\r\n\$\d+\r\nf(\d+)\r\n\$\d+\r\nv\2\r\n){2}$"));
    }

    // ---- HSCAN -----------------------------------------------------------------------------------

    [Test]
    public void HscanOfAListpackReturnsEverythingAtOnce()
    {
        Run("HSET", K(), "foo", "1", "bar", "2", "baz", "", "other", "4");
        string all = "*8\r\n" + Bulk("foo") + Bulk("1") + Bulk("bar") + Bulk("2") + Bulk("baz") + "$0\r\n\r\n" + Bulk("other") + Bulk("4");
        Assert.That(Run("HSCAN", K(), "0"), Is.EqualTo("*2\r\n$1\r\n0\r\n" + all));
        Assert.That(Run("HSCAN", K(), "0", "COUNT", "1"), Is.EqualTo("*2\r\n$1\r\n0\r\n" + all), "COUNT does not split a listpack");
        Assert.That(Run("HSCAN", K(), "12345"), Is.EqualTo("*2\r\n$1\r\n0\r\n" + all), "any cursor restarts it");
        Assert.That(Run("HSCAN", K(), "0", "MATCH", "ba*"),
            Is.EqualTo("*2\r\n$1\r\n0\r\n*4\r\n" + Bulk("bar") + Bulk("2") + Bulk("baz") + "$0\r\n\r\n"));
        Assert.That(Run("HSCAN", K(), "0", "match", "*", "novalues"),
            Is.EqualTo("*2\r\n$1\r\n0\r\n*4\r\n" + Bulk("foo") + Bulk("bar") + Bulk("baz") + Bulk("other")));
        Assert.That(Run("HSCAN", K(), "0", "NOVALUES", "MATCH", "b?r"), Is.EqualTo("*2\r\n$1\r\n0\r\n*1\r\n" + Bulk("bar")));
        Assert.That(Run("HSCAN", K(), "0", "MATCH", "zzz*"), Is.EqualTo(EmptyScan));
        Assert.That(Run("HSCAN", K(), "0", "MATCH", "1"), Is.EqualTo(EmptyScan), "MATCH applies to fields, not values");
        Resp3();
        Assert.That(Run("HSCAN", K(), "0"), Is.EqualTo("*2\r\n$1\r\n0\r\n" + all), "flat arrays in RESP3 too");
        Assert.That(Run("HSCAN", K("nokey"), "0"), Is.EqualTo(EmptyScan));
    }

    [TestCase(false)]
    [TestCase(true)]
    public void HscanOfAHashtableVisitsEveryField(bool noValues)
    {
        Fill(K(), 1000);
        var found = new Dictionary<string, string>();
        ulong cursor = 0;
        int calls = 0;
        do
        {
            var args = new List<string> { "HSCAN", K(), cursor.ToString(), "COUNT", "20" };
            if (noValues) args.Add("NOVALUES");
            string reply = Run(args.ToArray());
            var lines = reply.Split("\r\n");
            Assert.That(lines[0], Is.EqualTo("*2"), reply);
            cursor = ulong.Parse(lines[2]);
            var items = Bulks(string.Join("\r\n", lines.Skip(3)));
            if (noValues)
            {
                foreach (var f in items) found[f] = "";
            }
            else
            {
                Assert.That(items.Count % 2, Is.EqualTo(0));
                for (int i = 0; i < items.Count; i += 2)
                {
                    Assert.That(items[i + 1], Is.EqualTo("v" + items[i][1..]));
                    found[items[i]] = items[i + 1];
                }
            }
            calls++;
            Assert.That(calls, Is.LessThan(1000));
        } while (cursor != 0);
        Assert.That(found.Keys, Is.EquivalentTo(Enumerable.Range(0, 1000).Select(i => $"f{i}")));
        Assert.That(calls, Is.GreaterThan(10), "COUNT 20 splits the iteration");
    }

    [Test]
    public void HscanOfAHashtableWithMatch()
    {
        Fill(K(), 700);
        var found = new List<string>();
        ulong cursor = 0;
        do
        {
            var lines = Run("HSCAN", K(), cursor.ToString(), "MATCH", "f1*", "COUNT", "100").Split("\r\n");
            cursor = ulong.Parse(lines[2]);
            var items = Bulks(string.Join("\r\n", lines.Skip(3)));
            for (int i = 0; i < items.Count; i += 2) found.Add(items[i]);
        } while (cursor != 0);
        Assert.That(found.Distinct(), Is.EquivalentTo(Enumerable.Range(0, 700).Select(i => $"f{i}").Where(f => f.StartsWith("f1"))));
    }

    [Test]
    public void HscanErrors()
    {
        Run("HSET", K(), "a", "1");
        foreach (var bad in new[] { "x", "-1", "1.5", "18446744073709551616", "" })
            Assert.That(Run("HSCAN", K(), bad), Is.EqualTo(Err("ERR invalid cursor")), bad);
        Assert.That(Run("HSCAN", K(), "0", "COUNT", "0"), Is.EqualTo(Err("ERR syntax error")));
        Assert.That(Run("HSCAN", K(), "0", "COUNT", "-1"), Is.EqualTo(Err("ERR syntax error")));
        Assert.That(Run("HSCAN", K(), "0", "COUNT", "x"), Is.EqualTo(Err("ERR value is not an integer or out of range")));
        Assert.That(Run("HSCAN", K(), "0", "COUNT"), Is.EqualTo(Err("ERR syntax error")));
        Assert.That(Run("HSCAN", K(), "0", "MATCH"), Is.EqualTo(Err("ERR syntax error")));
        Assert.That(Run("HSCAN", K(), "0", "TYPE", "hash"), Is.EqualTo(Err("ERR syntax error")), "TYPE is SCAN's only");
        Assert.That(Run("HSCAN", K(), "0", "NOSCORES"), Is.EqualTo(Err("ERR NOSCORES option can only be used in ZSCAN")));
        Assert.That(Run("HSCAN", K(), "0", "bogus"), Is.EqualTo(Err("ERR syntax error")));
        Assert.That(Run("HSCAN", K("nokey"), "0", "bogus"), Is.EqualTo(EmptyScan), "options are parsed after the lookup");
        Assert.That(Run("HSCAN", K("nokey"), "x"), Is.EqualTo(Err("ERR invalid cursor")), "the cursor is parsed first");
        Assert.That(Run("HSCAN", K()), Is.EqualTo(Err("ERR wrong number of arguments for 'hscan' command")));
        Run("SET", K("str"), "v");
        Assert.That(Run("HSCAN", K("str"), "0"), Is.EqualTo(WrongType));
        Assert.That(Run("HSCAN", K("str"), "0", "bogus"), Is.EqualTo(WrongType));
        Assert.That(Run("HSCAN", K("str"), "x"), Is.EqualTo(Err("ERR invalid cursor")));
    }

    // ---- shared errors -----------------------------------------------------------------------

    [TestCase("hsetnx", "HSETNX", "k", "f")]
    [TestCase("hsetnx", "HSETNX", "k", "f", "v", "x")]
    [TestCase("hstrlen", "HSTRLEN", "k")]
    [TestCase("hstrlen", "HSTRLEN", "k", "f", "g")]
    [TestCase("hkeys", "HKEYS")]
    [TestCase("hkeys", "HKEYS", "k", "x")]
    [TestCase("hvals", "HVALS")]
    [TestCase("hvals", "HVALS", "k", "x")]
    [TestCase("hincrby", "HINCRBY", "k", "f")]
    [TestCase("hincrby", "HINCRBY", "k", "f", "1", "2")]
    [TestCase("hincrbyfloat", "HINCRBYFLOAT", "k", "f")]
    [TestCase("hincrbyfloat", "HINCRBYFLOAT", "k", "f", "1", "2")]
    [TestCase("hrandfield", "HRANDFIELD")]
    [TestCase("hscan", "HSCAN", "k")]
    public void WrongNumberOfArguments(string name, params string[] command)
    {
        if (command.Length > 1) command[1] = K();
        Assert.That(Run(command), Is.EqualTo(Err($"ERR wrong number of arguments for '{name}' command")));
        Assert.That(Run("EXISTS", K()), Is.EqualTo(Int(0)));
    }

    [TestCase("HSETNX", "f", "v")]
    [TestCase("HSTRLEN", "f")]
    [TestCase("HKEYS")]
    [TestCase("HVALS")]
    [TestCase("HINCRBY", "f", "1")]
    [TestCase("HINCRBYFLOAT", "f", "1")]
    [TestCase("HRANDFIELD")]
    [TestCase("HRANDFIELD", "2")]
    [TestCase("HSCAN", "0")]
    public void AgainstAStringKeyAreWrongType(string command, params string[] rest)
    {
        Run("SET", K(), "12");
        Assert.That(Run([command, K(), .. rest]), Is.EqualTo(WrongType));
        Assert.That(Run("GET", K()), Is.EqualTo(Bulk("12")));
    }

    [Test]
    public void CommandInfoOfTheNewCommands()
    {
        Assert.That(Run("COMMAND", "INFO", "hincrbyfloat"), Does.StartWith("*1\r\n*10\r\n" + Bulk("hincrbyfloat") + Int(4)
            + "*3\r\n+write\r\n+denyoom\r\n+fast\r\n" + Int(1) + Int(1) + Int(1)));
        Assert.That(Run("COMMAND", "INFO", "hscan"), Does.StartWith("*1\r\n*10\r\n" + Bulk("hscan") + Int(-3) + "*1\r\n+readonly\r\n"));
        Assert.That(Run("COMMAND", "INFO", "hrandfield"), Does.StartWith("*1\r\n*10\r\n" + Bulk("hrandfield") + Int(-2) + "*1\r\n+readonly\r\n"));
        Assert.That(Run("COMMAND", "INFO", "hsetnx"), Does.Contain("insert"));
        Assert.That(Run("COMMAND", "GETKEYS", "HSCAN", "key1", "0"), Is.EqualTo("*1\r\n" + Bulk("key1")));
    }

    // ---- StackExchange.Redis ---------------------------------------------------------------------

    [Test]
    public void StackExchangeRedisApi()
    {
        Assert.That(Db.HashSet(K(), "a", "1", When.NotExists), Is.True);
        Assert.That(Db.HashSet(K(), "a", "2", When.NotExists), Is.False);
        Assert.That(Db.HashIncrement(K(), "n", 5), Is.EqualTo(5));
        Assert.That(Db.HashDecrement(K(), "n", 7), Is.EqualTo(-2));
        Assert.That(Db.HashIncrement(K(), "x", 1.5), Is.EqualTo(1.5));
        Assert.That(Db.HashStringLength(K(), "x"), Is.EqualTo(3));
        Assert.That(Db.HashKeys(K()).Select(v => (string?)v), Is.EqualTo(new[] { "a", "n", "x" }));
        Assert.That(Db.HashValues(K()).Select(v => (string?)v), Is.EqualTo(new[] { "1", "-2", "1.5" }));
        Assert.That((string?)Db.HashRandomField(K()), Is.AnyOf("a", "n", "x"));
        Assert.That(Db.HashRandomFields(K(), 10).Select(v => (string?)v), Is.EquivalentTo(new[] { "a", "n", "x" }));
        Assert.That(Db.HashRandomFieldsWithValues(K(), -4), Has.Length.EqualTo(4));
        Assert.That(Db.HashScan(K(), "*").Select(e => $"{e.Name}={e.Value}"), Is.EqualTo(new[] { "a=1", "n=-2", "x=1.5" }));
        Assert.That(() => Db.HashIncrement(K(), "a", 0.5), Throws.Nothing);
        Db.HashSet(K(), "s", "text");
        Assert.That(() => Db.HashIncrement(K(), "s", 1),
            Throws.InstanceOf<RedisServerException>().With.Message.EqualTo("ERR hash value is not an integer"));
        Assert.That(() => Db.HashIncrement(K(), "s", 1.0),
            Throws.InstanceOf<RedisServerException>().With.Message.EqualTo("ERR hash value is not a float"));

        var big = Enumerable.Range(0, 700).Select(i => new HashEntry($"f{i}", i)).ToArray();
        Db.HashSet(K("big"), big);
        Assert.That(Db.HashScan(K("big"), "f1*", pageSize: 50).Select(e => (string?)e.Name).Distinct(),
            Is.EquivalentTo(big.Select(e => (string?)e.Name).Where(n => n!.StartsWith("f1"))));
        Assert.That(Db.HashScanNoValues(K("big"), pageSize: 100).Select(v => (string?)v).Distinct().Count(), Is.EqualTo(700));
    }
}
