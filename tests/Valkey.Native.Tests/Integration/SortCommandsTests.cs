using System.Text;
using NUnit.Framework;
using StackExchange.Redis;
using Valkey.Native.Tests.Infrastructure;
using static Valkey.Native.Tests.Infrastructure.Resp;

namespace Valkey.Native.Tests.Integration;

/// <summary>
/// SORT and SORT_RO (sort.c) against the shared server: byte-exact replies over a raw socket in
/// RESP2 and RESP3, every option, the weight parsing and comparison rules, pattern substitution,
/// STORE semantics, errors and key extraction; semantics again through StackExchange.Redis.
/// Expected orders of ties were taken from a reference server (Redis 7.0, same sort.c).
/// Keys are prefixed with the test's name; patterns use the same prefix.
/// </summary>
[TestFixture]
public class SortCommandsTests : SharedServerFixture
{
    private static string P => $"{{sort}}:{TestContext.CurrentContext.Test.Name}:";

    private static string K(string name = "k") => P + name;

    private const string Null2 = "$-1\r\n";
    private const string Null3 = "_\r\n";
    private const string Empty = "*0\r\n";
    private const string NotDouble = "-ERR One or more scores can't be converted into double\r\n";
    private const string Syntax = "-ERR syntax error\r\n";

    private static string Arr(params string[] items) => $"*{items.Length}\r\n" + string.Concat(items.Select(Bulk));

    private string Sort(params string[] args) => Run(["SORT", .. args]);

    // ---- plain sorts ------------------------------------------------------------------------

    [Test]
    public void NumericSortOfAListAscendingAndDescending()
    {
        Run("RPUSH", K(), "3", "-1", "10", "2.5", "1e1", "0");
        Assert.That(Sort(K()), Is.EqualTo(Arr("-1", "0", "2.5", "3", "10", "1e1")), "equal weights: element bytes decide ('10' < '1e1')");
        Assert.That(Sort(K(), "DESC"), Is.EqualTo(Arr("1e1", "10", "3", "2.5", "0", "-1")));
        Assert.That(Sort(K(), "desc", "asc"), Is.EqualTo(Sort(K())), "the last ASC/DESC wins");
        Assert.That(Run("LRANGE", K(), "0", "-1"), Is.EqualTo(Arr("3", "-1", "10", "2.5", "1e1", "0")), "the source is untouched");
    }

    [Test]
    public void NumericSortOfSetsInEveryEncoding()
    {
        Run("SADD", K("int"), "5", "-20", "3", "100");
        Assert.That(Run("OBJECT", "ENCODING", K("int")), Is.EqualTo(Bulk("intset")));
        Assert.That(Sort(K("int")), Is.EqualTo(Arr("-20", "3", "5", "100")));

        Run("SADD", K("lp"), "2.5", "-0.5", "1");
        Assert.That(Run("OBJECT", "ENCODING", K("lp")), Is.EqualTo(Bulk("listpack")));
        Assert.That(Sort(K("lp"), "DESC"), Is.EqualTo(Arr("2.5", "1", "-0.5")));

        var members = Enumerable.Range(0, 300).Select(i => (i * 7919 % 1000).ToString() + ".5").Distinct().ToArray();
        Run(["SADD", K("ht"), .. members]);
        Assert.That(Run("OBJECT", "ENCODING", K("ht")), Is.EqualTo(Bulk("hashtable")));
        var expected = members.OrderBy(m => double.Parse(m, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.That(Sort(K("ht")), Is.EqualTo(Arr(expected)));
    }

    [Test]
    public void AlphaSortsAsBytes()
    {
        Run("RPUSH", K(), "2", "1", "3", "10", "b", "B", "a", "\u00e9", "");
        Assert.That(Sort(K(), "ALPHA"), Is.EqualTo(Arr("", "1", "10", "2", "3", "B", "a", "b", "\u00e9")));
        Assert.That(Sort(K(), "ALPHA", "DESC"), Is.EqualTo(Arr("\u00e9", "b", "a", "B", "3", "2", "10", "1", "")));
        Assert.That(Sort(K(), "alpha", "LIMIT", "1", "3"), Is.EqualTo(Arr("1", "10", "2")));
    }

    [Test]
    public void AlphaWithoutStoreStopsAtNulLikeStrcollButStoreComparesAllBytes()
    {
        // strcoll() sees "x\0b" and "x\0a" as "x": equal, so they keep their order (a stable sort).
        Run("RPUSH", K(), "x\0b", "y", "x\0a", "x");
        Assert.That(Sort(K(), "ALPHA"), Is.EqualTo(Arr("x\0b", "x\0a", "x", "y")));
        Assert.That(Sort(K(), "ALPHA", "DESC"), Is.EqualTo(Arr("y", "x\0b", "x\0a", "x")));
        Assert.That(Sort(K(), "ALPHA", "STORE", K("dst")), Is.EqualTo(Int(4)));
        Assert.That(Run("LRANGE", K("dst"), "0", "-1"), Is.EqualTo(Arr("x", "x\0a", "x\0b", "y")), "STORE compares binary");
    }

    [Test]
    public void MissingKeySortsAsAnEmptyList()
    {
        Assert.That(Sort(K("missing")), Is.EqualTo(Empty));
        Assert.That(Sort(K("missing"), "BY", "nosort", "LIMIT", "0", "5", "GET", "#"), Is.EqualTo(Empty));
        Assert.That(Run("SORT_RO", K("missing"), "ALPHA"), Is.EqualTo(Empty));
    }

    // ---- weights ----------------------------------------------------------------------------

    [Test]
    public void WeightsParseLikeStrtod()
    {
        // Accepted: leading white space, hex, exponents, infinities, an empty string (0), text after a NUL.
        Run("RPUSH", K(), " 7", "0x10", "1e1", "-inf", "+inf", "", "3\0junk", ".5", "5.");
        Assert.That(Sort(K()), Is.EqualTo(Arr("-inf", "", ".5", "3\0junk", "5.", " 7", "1e1", "0x10", "+inf")));
        foreach (var bad in new[] { "7 ", "abc", "nan", "1e400", "1e-400", " ", "0x", "1e", "--1", " \0" })
        {
            Run("DEL", K("bad"));
            Run("RPUSH", K("bad"), "1", bad);
            Assert.That(Sort(K("bad")), Is.EqualTo(NotDouble), $"weight '{bad}'");
        }
    }

    [Test]
    public void AlphaNeverParsesWeights()
    {
        Run("SADD", K(), "1", "2", "not-a-double");
        Assert.That(Sort(K()), Is.EqualTo(NotDouble));
        Assert.That(Sort(K(), "ALPHA"), Is.EqualTo(Arr("1", "2", "not-a-double")));
    }

    [Test]
    public void ABadWeightFailsEvenOutsideTheLimitAndStoresNothing()
    {
        Run("RPUSH", K(), "1", "2", "3");
        Run("MSET", P + "w_1", "1", P + "w_2", "2", P + "w_3", "x");
        Run("SET", K("dst"), "keep");
        Assert.That(Sort(K(), "BY", P + "w_*", "LIMIT", "0", "1"), Is.EqualTo(NotDouble));
        Assert.That(Sort(K(), "BY", P + "w_*", "STORE", K("dst")), Is.EqualTo(NotDouble));
        Assert.That(Run("GET", K("dst")), Is.EqualTo(Bulk("keep")));
    }

    // ---- BY ---------------------------------------------------------------------------------

    [Test]
    public void ByKeyAndByHashField()
    {
        Run("RPUSH", K(), "a", "b", "c", "d");
        Run("MSET", P + "w_a", "30", P + "w_b", "-1", P + "w_c", "2.5", P + "w_d", "10");
        Run("HSET", P + "h_a", "f", "3"); Run("HSET", P + "h_b", "f", "1");
        Run("HSET", P + "h_c", "f", "4"); Run("HSET", P + "h_d", "f", "2");
        Assert.That(Sort(K(), "BY", P + "w_*"), Is.EqualTo(Arr("b", "c", "d", "a")));
        Assert.That(Sort(K(), "BY", P + "w_*", "DESC"), Is.EqualTo(Arr("a", "d", "c", "b")));
        Assert.That(Sort(K(), "BY", P + "h_*->f"), Is.EqualTo(Arr("b", "d", "a", "c")));
        Assert.That(Sort(K(), "BY", P + "w_*", "LIMIT", "1", "2"), Is.EqualTo(Arr("c", "d")));
        Assert.That(Sort(K(), "BY", P + "w_*", "ALPHA"), Is.EqualTo(Arr("b", "d", "c", "a")), "ALPHA compares '-1' '10' '2.5' '30'");
    }

    [Test]
    public void MissingWeightsCountAsZeroAndTiesSortByElement()
    {
        Run("SADD", K(), "e", "b", "d", "a", "c");
        Run("MSET", P + "w_a", "1", P + "w_e", "-1");
        Assert.That(Sort(K(), "BY", P + "w_*"), Is.EqualTo(Arr("e", "b", "c", "d", "a")));
        Run("SET", P + "w_b", "notanumber");
        Assert.That(Sort(K(), "BY", P + "w_*"), Is.EqualTo(NotDouble));
        Run("DEL", P + "w_b");
        Run("HSET", P + "w_b", "f", "1");
        Assert.That(Sort(K(), "BY", P + "w_*"), Is.EqualTo(Arr("e", "b", "c", "d", "a")), "a hash where a string is expected counts as missing");
    }

    [Test]
    public void AlphaByPutsMissingValuesFirstAndKeepsTiesInOrder()
    {
        Run("RPUSH", K(), "p", "q", "r", "s", "t", "u");
        Run("MSET", P + "w_q", "b", P + "w_s", "a", P + "w_u", "b");
        Assert.That(Sort(K(), "BY", P + "w_*", "ALPHA"), Is.EqualTo(Arr("p", "r", "t", "s", "q", "u")));
        Assert.That(Sort(K(), "BY", P + "w_*", "ALPHA", "DESC"), Is.EqualTo(Arr("q", "u", "s", "p", "r", "t")));
    }

    [Test]
    public void ByWithLimitUsesThePartialQuicksortTieOrder()
    {
        // All weights missing: every element ties. A full sort keeps the order (stable); with a
        // LIMIT Valkey's pqsort moves equal elements around. Expected values from the reference server.
        var elements = Enumerable.Range(0, 50).Select(i => "e" + i).ToArray();
        Run(["RPUSH", K(), .. elements]);
        Assert.That(Sort(K(), "BY", P + "nokey_*", "ALPHA"), Is.EqualTo(Arr(elements)));
        Assert.That(Sort(K(), "BY", P + "nokey_*", "ALPHA", "LIMIT", "0", "50"), Is.EqualTo(Arr(elements)), "the whole range: full sort");
        Assert.That(Sort(K(), "BY", P + "nokey_*", "ALPHA", "LIMIT", "0", "5"), Is.EqualTo(Arr(PqsortTies5)));
        Assert.That(Sort(K(), "BY", P + "nokey_*", "ALPHA", "LIMIT", "20", "4"), Is.EqualTo(Arr(PqsortTies20)));
        Assert.That(Sort(K(), "BY", P + "nokey_*", "ALPHA", "LIMIT", "0", "49"),
            Is.EqualTo(Arr(["e49", .. elements[1..49]])), "one element short of the whole: partial sort");
    }

    private static readonly string[] PqsortTies5 = ["e49", "e1", "e2", "e3", "e4"];
    private static readonly string[] PqsortTies20 = ["e20", "e21", "e22", "e23"];

    [Test]
    public void ConstantByMeansNoSort()
    {
        Run("RPUSH", K(), "2", "1", "4", "3", "5");
        Assert.That(Sort(K(), "BY", "nosort"), Is.EqualTo(Arr("2", "1", "4", "3", "5")));
        Assert.That(Sort(K(), "BY", "nosort", "DESC"), Is.EqualTo(Arr("5", "3", "4", "1", "2")));
        Assert.That(Sort(K(), "BY", "nosort", "LIMIT", "1", "2"), Is.EqualTo(Arr("1", "4")));
        Assert.That(Sort(K(), "BY", "nosort", "DESC", "LIMIT", "1", "2"), Is.EqualTo(Arr("3", "4")));
        Assert.That(Sort(K(), "BY", "nosort", "LIMIT", "4", "10"), Is.EqualTo(Arr("5")));
        Assert.That(Sort(K(), "BY", "nosort", "LIMIT", "5", "10"), Is.EqualTo(Empty));
        Assert.That(Sort(K(), "BY", "nosort", "ALPHA"), Is.EqualTo(Arr("2", "1", "4", "3", "5")), "ALPHA changes nothing");
        Assert.That(Sort(K(), "BY", "no\0*"), Is.EqualTo(Arr("2", "1", "4", "3", "5")), "a '*' after a NUL does not count");
        Assert.That(Sort(K(), "BY", "nosort", "BY", P + "w_*"), Is.EqualTo(Arr("2", "1", "4", "3", "5")), "once constant, a later BY does not sort again");
    }

    [Test]
    public void ConstantByOnASetStoresAlphaSorted()
    {
        Run("SADD", K(), "b", "10", "a", "2");
        Assert.That(Sort(K(), "BY", "nosort", "STORE", K("dst")), Is.EqualTo(Int(4)));
        Assert.That(Run("LRANGE", K("dst"), "0", "-1"), Is.EqualTo(Arr("10", "2", "a", "b")));
        Assert.That(Sort(K(), "BY", "nosort", "DESC", "LIMIT", "0", "2", "STORE", K("dst")), Is.EqualTo(Int(2)));
        Assert.That(Run("LRANGE", K("dst"), "0", "-1"), Is.EqualTo(Arr("b", "a")));
    }

    // ---- GET --------------------------------------------------------------------------------

    [Test]
    public void GetPatternsHashFieldsAndHash()
    {
        Run("RPUSH", K(), "2", "1", "3");
        Run("MSET", P + "o_1", "one", P + "o_3", "three");
        Run("HSET", P + "h_1", "name", "uno"); Run("HSET", P + "h_2", "name", "dos");
        Assert.That(Sort(K(), "GET", P + "o_*"), Is.EqualTo("*3\r\n" + Bulk("one") + Null2 + Bulk("three")));
        Assert.That(Sort(K(), "GET", "#", "GET", P + "h_*->name", "DESC"),
            Is.EqualTo("*6\r\n" + Bulk("3") + Null2 + Bulk("2") + Bulk("dos") + Bulk("1") + Bulk("uno")));
        Assert.That(Sort(K(), "GET", "#", "LIMIT", "1", "1", "GET", "#"), Is.EqualTo(Arr("2", "2")));
        Assert.That(Sort(K(), "GET", "constant"), Is.EqualTo("*3\r\n" + Null2 + Null2 + Null2), "no '*': nothing to read");
        Assert.That(Sort(K(), "GET", "#x", "LIMIT", "0", "1"), Is.EqualTo("*1\r\n" + Null2), "only '#' itself is the element");
        Assert.That(Run("SORT_RO", K(), "GET", P + "o_*", "LIMIT", "0", "1"), Is.EqualTo(Arr("one")));
    }

    [Test]
    public void GetRepliesNullsInResp3()
    {
        Run("RPUSH", K(), "1", "2");
        Run("SET", P + "o_2", "two");
        Assert.That(Run("HELLO", "3"), Does.StartWith("%"));
        Assert.That(Sort(K(), "GET", P + "o_*"), Is.EqualTo("*2\r\n" + Null3 + Bulk("two")));
        Assert.That(Sort(K(), "STORE", K("dst")), Is.EqualTo(Int(2)));
    }

    [Test]
    public void PatternSubstitutionRules()
    {
        Run("RPUSH", K(), "a");
        // Only the first '*' is replaced.
        Run("SET", P + "x_a_*", "first-star");
        Assert.That(Sort(K(), "ALPHA", "GET", P + "x_*_*"), Is.EqualTo(Arr("first-star")));
        // "->" at the very end is no field: the key is read as a string.
        Run("SET", P + "s_a->", "plain");
        Assert.That(Sort(K(), "BY", "num", "GET", P + "s_*->"), Is.EqualTo(Arr("plain")));
        // A field name may itself contain "->": the first arrow after the '*' splits.
        Run("HSET", P + "h_a", "f->g", "nested");
        Assert.That(Sort(K(), "ALPHA", "GET", P + "h_*->f->g"), Is.EqualTo(Arr("nested")));
        // An arrow before the '*' belongs to the key name.
        Run("SET", P + "->a", "arrow-key");
        Assert.That(Sort(K(), "ALPHA", "GET", P + "->*"), Is.EqualTo(Arr("arrow-key")));
        // A hash read without a field, a string read with one: missing.
        Assert.That(Sort(K(), "ALPHA", "GET", P + "h_*"), Is.EqualTo("*1\r\n" + Null2));
        Assert.That(Sort(K(), "ALPHA", "GET", P + "x_*_*->f"), Is.EqualTo("*1\r\n" + Null2));
        // Integer-encoded strings read back as their digits.
        Run("SET", P + "i_a", "12345");
        Assert.That(Sort(K(), "ALPHA", "GET", P + "i_*"), Is.EqualTo(Arr("12345")));
    }

    [Test]
    public void ExpiredPatternKeysAreMissing()
    {
        Run("RPUSH", K(), "a", "b");
        Run("SET", P + "o_a", "A", "PX", "1");
        Run("SET", P + "o_b", "B");
        Thread.Sleep(10);
        Assert.That(Sort(K(), "ALPHA", "GET", P + "o_*"), Is.EqualTo("*2\r\n" + Null2 + Bulk("B")));
    }

    // ---- LIMIT ------------------------------------------------------------------------------

    [Test]
    public void LimitIsClampedToTheElements()
    {
        Run("RPUSH", K(), "5", "4", "3", "2", "1");
        Assert.That(Sort(K(), "LIMIT", "0", "2"), Is.EqualTo(Arr("1", "2")));
        Assert.That(Sort(K(), "LIMIT", "3", "-1"), Is.EqualTo(Arr("4", "5")), "a negative count: to the end");
        Assert.That(Sort(K(), "LIMIT", "-10", "2"), Is.EqualTo(Arr("1", "2")), "a negative offset: from the start");
        Assert.That(Sort(K(), "LIMIT", "2", "0"), Is.EqualTo(Empty));
        Assert.That(Sort(K(), "LIMIT", "5", "1"), Is.EqualTo(Empty));
        Assert.That(Sort(K(), "LIMIT", "4", "9223372036854775807"), Is.EqualTo(Arr("5")));
        Assert.That(Sort(K(), "LIMIT", "9223372036854775807", "9223372036854775807"), Is.EqualTo(Empty));
        Assert.That(Sort(K(), "LIMIT", "0", "1", "LIMIT", "1", "1"), Is.EqualTo(Arr("2")), "the last LIMIT wins");
        Assert.That(Sort(K(), "LIMIT", "0", "2", "GET", "#", "GET", "#"), Is.EqualTo(Arr("1", "1", "2", "2")));
        Assert.That(Run("SORT_RO", K(), "BY", "a", "LIMIT", "2", "9223372036854775807"), Is.EqualTo(Arr("3", "2", "1")));
    }

    // ---- STORE ------------------------------------------------------------------------------

    [Test]
    public void StoreWritesAListAndRepliesItsLength()
    {
        Run("SADD", K(), "3", "1", "2");
        Assert.That(Sort(K(), "STORE", K("dst")), Is.EqualTo(Int(3)));
        Assert.That(Run("TYPE", K("dst")), Is.EqualTo("+list\r\n"));
        Assert.That(Run("LRANGE", K("dst"), "0", "-1"), Is.EqualTo(Arr("1", "2", "3")));
        Assert.That(Run("OBJECT", "ENCODING", K("dst")), Is.EqualTo(Bulk("listpack")));
    }

    [Test]
    public void StoreReplacesAnyTypeAndDropsTheTtl()
    {
        Run("RPUSH", K(), "b", "a");
        Run("HSET", K("dst"), "f", "v");
        Run("EXPIRE", K("dst"), "100");
        Assert.That(Sort(K(), "ALPHA", "STORE", K("dst")), Is.EqualTo(Int(2)));
        Assert.That(Run("LRANGE", K("dst"), "0", "-1"), Is.EqualTo(Arr("a", "b")));
        Assert.That(Run("TTL", K("dst")), Is.EqualTo(Int(-1)));
    }

    [Test]
    public void StoreOverTheSourceItself()
    {
        Run("RPUSH", K(), "3", "1", "2");
        Assert.That(Sort(K(), "DESC", "STORE", K()), Is.EqualTo(Int(3)));
        Assert.That(Run("LRANGE", K(), "0", "-1"), Is.EqualTo(Arr("3", "2", "1")));
        Assert.That(Sort(K(), "LIMIT", "0", "0", "STORE", K()), Is.EqualTo(Int(0)));
        Assert.That(Run("EXISTS", K()), Is.EqualTo(Int(0)), "an empty result deletes the destination, here the source");
    }

    [Test]
    public void EmptyResultsDeleteTheDestinationAndCreateNothing()
    {
        Run("SET", K("dst"), "x");
        Assert.That(Sort(K("missing"), "STORE", K("dst")), Is.EqualTo(Int(0)));
        Assert.That(Run("EXISTS", K("dst")), Is.EqualTo(Int(0)));
        Run("RPUSH", K(), "a");
        Assert.That(Sort(K(), "ALPHA", "LIMIT", "10", "10", "STORE", K("dst")), Is.EqualTo(Int(0)));
        Assert.That(Run("EXISTS", K("dst")), Is.EqualTo(Int(0)));
    }

    [Test]
    public void StoreWritesMissingGetValuesAsEmptyStrings()
    {
        Run("RPUSH", K(), "1", "2");
        Run("SET", P + "o_1", "one");
        Assert.That(Sort(K(), "GET", "#", "GET", P + "o_*", "STORE", K("dst")), Is.EqualTo(Int(4)));
        Assert.That(Run("LRANGE", K("dst"), "0", "-1"), Is.EqualTo(Arr("1", "one", "2", "")));
    }

    [Test]
    public void StoreOfAListByNosortKeepsTheNativeOrder()
    {
        Run("LPUSH", K(), "2", "1", "4", "3", "5");
        Assert.That(Sort(K(), "BY", "nosort", "STORE", K("dst")), Is.EqualTo(Int(5)));
        Assert.That(Run("LRANGE", K("dst"), "0", "-1"), Is.EqualTo(Arr("5", "3", "4", "1", "2")));
        Assert.That(Sort(K(), "BY", "nosort", "LIMIT", "0", "3", "STORE", K("dst")), Is.EqualTo(Int(3)));
        Assert.That(Run("LRANGE", K("dst"), "0", "-1"), Is.EqualTo(Arr("5", "3", "4")));
    }

    [Test]
    public void LargeStoreBecomesAQuicklist()
    {
        var items = Enumerable.Range(0, 1000).Select(i => (999 - i).ToString("D10")).ToArray();   // 12 KB: above 8 KB
        Run(["RPUSH", K(), .. items]);
        Assert.That(Sort(K(), "STORE", K("dst")), Is.EqualTo(Int(1000)));
        Assert.That(Run("OBJECT", "ENCODING", K("dst")), Is.EqualTo(Bulk("quicklist")));
        Assert.That(Run("LINDEX", K("dst"), "0"), Is.EqualTo(Bulk("0000000000")));
        Assert.That(Run("LINDEX", K("dst"), "-1"), Is.EqualTo(Bulk("0000000999")));
        Assert.That(Sort(K(), "LIMIT", "0", "100", "STORE", K("dst")), Is.EqualTo(Int(100)));
        Assert.That(Run("OBJECT", "ENCODING", K("dst")), Is.EqualTo(Bulk("listpack")), "1.2 KB fits one listpack");
    }

    // ---- sorted sets ------------------------------------------------------------------------

    [Test]
    public void SortedSetsSortTheirMembers()
    {
        Run("ZADD", K(), "1", "a", "5", "b", "2", "c", "10", "d", "3", "e");
        Assert.That(Sort(K(), "ALPHA", "DESC"), Is.EqualTo(Arr("e", "d", "c", "b", "a")));
        Assert.That(Sort(K(), "ALPHA", "LIMIT", "1", "2", "STORE", K("dst")), Is.EqualTo(Int(2)));
        Assert.That(Run("LRANGE", K("dst"), "0", "-1"), Is.EqualTo(Arr("b", "c")));
        Assert.That(Sort(K()), Is.EqualTo(NotDouble), "members, not scores, are the weights");
        Run("ZADD", K("n"), "3", "10", "2", "9", "1", "100");
        Assert.That(Sort(K("n")), Is.EqualTo(Arr("9", "10", "100")));
    }

    [Test]
    public void SortedSetByNosortKeepsScoreOrderWithLimit()
    {
        Run("ZADD", K(), "1", "a", "5", "b", "2", "c", "10", "d", "3", "e");
        Assert.That(Sort(K(), "BY", "nosort"), Is.EqualTo(Arr("a", "c", "e", "b", "d")));
        Assert.That(Sort(K(), "BY", "nosort", "DESC"), Is.EqualTo(Arr("d", "b", "e", "c", "a")));
        Assert.That(Sort(K(), "BY", "nosort", "ASC", "LIMIT", "0", "1"), Is.EqualTo(Arr("a")));
        Assert.That(Sort(K(), "BY", "nosort", "DESC", "LIMIT", "0", "2"), Is.EqualTo(Arr("d", "b")));
        Assert.That(Sort(K(), "BY", "nosort", "DESC", "LIMIT", "1", "2"), Is.EqualTo(Arr("b", "e")));
        Assert.That(Sort(K(), "BY", "nosort", "LIMIT", "5", "10"), Is.EqualTo(Empty));
        Assert.That(Sort(K(), "BY", "nosort", "LIMIT", "-10", "100"), Is.EqualTo(Arr("a", "c", "e", "b", "d")));
        Assert.That(Run("SORT_RO", K(), "BY", "nosort", "LIMIT", "3", "5", "GET", "#", "GET", P + "o_*"), Is.EqualTo("*4\r\n" + Bulk("b") + Null2 + Bulk("d") + Null2));
        Assert.That(Sort(K(), "BY", "nosort", "DESC", "STORE", K("dst")), Is.EqualTo(Int(5)));
        Assert.That(Run("LRANGE", K("dst"), "0", "-1"), Is.EqualTo(Arr("d", "b", "e", "c", "a")));
    }

    [Test]
    public void SortingASortedSetConvertsItToASkiplistLikeValkey()
    {
        Run("ZADD", K(), "1", "a", "2", "b");
        Assert.That(Run("OBJECT", "ENCODING", K()), Is.EqualTo(Bulk("listpack")));
        Assert.That(Sort(K(), "NOPE"), Is.EqualTo(Syntax));
        Assert.That(Run("OBJECT", "ENCODING", K()), Is.EqualTo(Bulk("listpack")), "a syntax error stops before the conversion");
        Assert.That(Run("SORT_RO", K(), "ALPHA"), Is.EqualTo(Arr("a", "b")));
        Assert.That(Run("OBJECT", "ENCODING", K()), Is.EqualTo(Bulk("skiplist")));
        Assert.That(Run("ZRANGE", K(), "0", "-1", "WITHSCORES"), Is.EqualTo(Arr("a", "1", "b", "2")));
    }

    // ---- errors -----------------------------------------------------------------------------

    [Test]
    public void SyntaxErrors()
    {
        Run("RPUSH", K(), "1");
        Assert.That(Sort(K(), "NOPE"), Is.EqualTo(Syntax));
        Assert.That(Sort(K(), "LIMIT", "1"), Is.EqualTo(Syntax), "LIMIT needs two arguments");
        Assert.That(Sort(K(), "BY"), Is.EqualTo(Syntax));
        Assert.That(Sort(K(), "GET"), Is.EqualTo(Syntax));
        Assert.That(Sort(K(), "STORE"), Is.EqualTo(Syntax));
        Assert.That(Sort(K(), "LIMIT", "a", "1"), Is.EqualTo(Err("ERR value is not an integer or out of range")));
        Assert.That(Sort(K(), "LIMIT", "0", "1.5"), Is.EqualTo(Err("ERR value is not an integer or out of range")));
        Assert.That(Run("SORT_RO", K(), "STORE", K("dst")), Is.EqualTo(Syntax));
        Assert.That(Run("EXISTS", K("dst")), Is.EqualTo(Int(0)));
        Assert.That(Run("SORT"), Is.EqualTo(Err("ERR wrong number of arguments for 'sort' command")));
        Assert.That(Run("SORT_RO"), Is.EqualTo(Err("ERR wrong number of arguments for 'sort_ro' command")));
    }

    [Test]
    public void WrongTypeAfterTheOptionsAreParsed()
    {
        Run("SET", K("str"), "x");
        Run("HSET", K("hash"), "f", "v");
        Assert.That(Sort(K("str")), Is.EqualTo(WrongType));
        Assert.That(Sort(K("hash"), "ALPHA"), Is.EqualTo(WrongType));
        Assert.That(Run("SORT_RO", K("str")), Is.EqualTo(WrongType));
        Assert.That(Sort(K("str"), "NOPE"), Is.EqualTo(Syntax), "a syntax error comes first");
        Assert.That(Sort(K("str"), "STORE", K("dst")), Is.EqualTo(WrongType));
    }

    // ---- key extraction and metadata ------------------------------------------------------------

    [Test]
    public void GetkeysFindsTheLastStore()
    {
        Assert.That(Run("COMMAND", "GETKEYS", "SORT", "abc", "STORE", "def"), Is.EqualTo(Arr("abc", "def")));
        Assert.That(Run("COMMAND", "GETKEYS", "SORT", "abc", "STORE", "invalid", "STORE", "stillbad", "STORE", "def"), Is.EqualTo(Arr("abc", "def")));
        Assert.That(Run("COMMAND", "GETKEYS", "SORT", "abc", "BY", "store", "GET", "store", "LIMIT", "store", "store"), Is.EqualTo(Arr("abc")));
        Assert.That(Run("COMMAND", "GETKEYS", "SORT", "abc", "STORE"), Is.EqualTo(Arr("abc")));
        Assert.That(Run("COMMAND", "GETKEYS", "SORT_RO", "abc", "STORE", "def"), Is.EqualTo(Arr("abc")));
        Assert.That(Run("COMMAND", "GETKEYSANDFLAGS", "SORT_RO", "abc"), Is.EqualTo("*1\r\n*2\r\n" + Bulk("abc") + "*2\r\n+RO\r\n+access\r\n"));
    }

    [Test]
    public void CommandInfoDescribesBothCommands()
    {
        string sort = Run("COMMAND", "INFO", "sort");
        Assert.That(sort, Does.StartWith("*1\r\n*10\r\n" + Bulk("sort") + ":-2\r\n*3\r\n+write\r\n+denyoom\r\n+movablekeys\r\n:1\r\n:1\r\n:1\r\n"));
        Assert.That(sort, Does.Contain("+@write\r\n+@set\r\n+@sortedset\r\n+@list\r\n+@slow\r\n+@dangerous\r\n"));
        string ro = Run("COMMAND", "INFO", "sort_ro");
        Assert.That(ro, Does.StartWith("*1\r\n*10\r\n" + Bulk("sort_ro") + ":-2\r\n*2\r\n+readonly\r\n+movablekeys\r\n:1\r\n:1\r\n:1\r\n"));
        Assert.That(Run("COMMAND", "DOCS", "sort_ro"), Does.Contain(Bulk("Returns the sorted elements of a list, a set, or a sorted set.")));
    }

    // ---- through StackExchange.Redis ----------------------------------------------------------

    [Test]
    public void StackExchangeRedisSortAndSortAndStore()
    {
        var key = (RedisKey)K();
        Db.ListRightPush(key, [5, 3, 9, 1]);
        Assert.That(Db.Sort(key).Select(v => (string)v!), Is.EqualTo(new[] { "1", "3", "5", "9" }));
        Assert.That(Db.Sort(key, skip: 1, take: 2, order: Order.Descending).Select(v => (string)v!), Is.EqualTo(new[] { "5", "3" }));
        Db.StringSet(P + "w_1", 10);
        Db.StringSet(P + "n_9", "nine");
        Assert.That(Db.Sort(key, by: P + "w_*").Select(v => (string)v!), Is.EqualTo(new[] { "3", "5", "9", "1" }));
        Assert.That(Db.Sort(key, sortType: SortType.Alphabetic, get: ["#", P + "n_*"]).Select(v => (string?)v),
            Is.EqualTo(new[] { "1", null, "3", null, "5", null, "9", "nine" }));
        Assert.That(Db.SortAndStore(K("dst"), key, order: Order.Descending), Is.EqualTo(4));
        Assert.That(Db.ListRange(K("dst")).Select(v => (string)v!), Is.EqualTo(new[] { "9", "5", "3", "1" }));
    }

    [Test]
    public void LargeListsSortLikeLinq()
    {
        var rng = new Random(42);
        var values = Enumerable.Range(0, 5000).Select(_ => rng.Next(-100000, 100000)).ToArray();
        var key = (RedisKey)K();
        Db.ListRightPush(key, values.Select(v => (RedisValue)v).ToArray());
        var expected = values.OrderBy(v => v).ThenBy(v => v.ToString(), StringComparer.Ordinal).Select(v => (long)v).ToArray();
        Assert.That(Db.Sort(key).Select(v => (long)v), Is.EqualTo(expected));
        Assert.That(Db.Sort(key, skip: 100, take: 10).Select(v => (long)v), Is.EqualTo(expected.Skip(100).Take(10)));
        var alpha = values.Select(v => v.ToString()).OrderBy(s => s, StringComparer.Ordinal).ToArray();
        Assert.That(Db.Sort(key, sortType: SortType.Alphabetic, order: Order.Descending).Select(v => (string)v!), Is.EqualTo(alpha.Reverse()));
    }
}

/// <summary>
/// SORT on a server of its own: the STORE encoding under small list limits (as the suite's
/// check_sort_store_encoding), the changes counter and the keyspace hit/miss counts of BY/GET lookups.
/// </summary>
[TestFixture]
public class SortStoreTests : OwnServerFixture
{
    private RawRespClient _raw = null!;

    [SetUp]
    public void SetUp()
    {
        _raw = Server.CreateRawClient();
        Assert.That(Run("FLUSHALL"), Is.EqualTo(Ok));
        Assert.That(Run("CONFIG", "SET", "list-max-listpack-size", "16"), Is.EqualTo(Ok));
    }

    [TearDown]
    public void TearDown() => _raw.Dispose();

    private string Run(params string[] args) => _raw.Execute(args);

    private long Info(string section, string field) => InfoParser.Field(BulkText(Run("INFO", section)), field);

    [TestCase(16, "listpack")]
    [TestCase(17, "quicklist")]
    [TestCase(1000, "quicklist")]
    public void StoredListEncodingFollowsTheListLimits(int count, string encoding)
    {
        Run(["RPUSH", "src", .. Enumerable.Range(0, count).Select(i => i.ToString())]);
        Assert.That(Run("SORT", "src", "DESC", "STORE", "dst"), Is.EqualTo(Int(count)));
        Assert.That(Run("OBJECT", "ENCODING", "dst"), Is.EqualTo(Bulk(encoding)));
        Assert.That(Run("LINDEX", "dst", "0"), Is.EqualTo(Bulk((count - 1).ToString())));
        Assert.That(Run("LLEN", "dst"), Is.EqualTo(Int(count)));
    }

    [Test]
    public void StoreCountsOneChangePerStoredElementAndOneForADeletion()
    {
        Run("RPUSH", "src", "c", "b", "a");
        long before = Info("persistence", "rdb_changes_since_last_save");
        Assert.That(Run("SORT", "src", "ALPHA", "GET", "#", "GET", "#", "STORE", "dst"), Is.EqualTo(Int(6)));
        Assert.That(Info("persistence", "rdb_changes_since_last_save"), Is.EqualTo(before + 6));
        Assert.That(Run("SORT", "missing", "STORE", "dst"), Is.EqualTo(Int(0)));
        Assert.That(Info("persistence", "rdb_changes_since_last_save"), Is.EqualTo(before + 7), "deleting the destination");
        Assert.That(Run("SORT", "missing", "STORE", "dst"), Is.EqualTo(Int(0)));
        Assert.That(Info("persistence", "rdb_changes_since_last_save"), Is.EqualTo(before + 7), "nothing to delete");
        Assert.That(Run("SORT", "src", "ALPHA"), Is.EqualTo("*3\r\n" + Bulk("a") + Bulk("b") + Bulk("c")));
        Assert.That(Info("persistence", "rdb_changes_since_last_save"), Is.EqualTo(before + 7), "no STORE, no change");
    }

    [Test]
    public void StoreWakesAClientBlockedOnTheDestination()
    {
        Run("RPUSH", "src", "3", "1", "2");
        using var blocked = Server.CreateRawClient();
        blocked.SendCommand("BLPOP", "dst", "5");
        Thread.Sleep(100);
        Assert.That(Run("SORT", "src", "STORE", "dst"), Is.EqualTo(Int(3)));
        Assert.That(blocked.ReadReply(), Is.EqualTo("*2\r\n" + Bulk("dst") + Bulk("1")));
        Assert.That(Run("LRANGE", "dst", "0", "-1"), Is.EqualTo("*2\r\n" + Bulk("2") + Bulk("3")));
    }

    [Test]
    public void PatternLookupsCountKeyspaceHitsAndMisses()
    {
        Run("RPUSH", "l", "a", "b", "c");
        Run("SET", "w_a", "1");
        Assert.That(Run("CONFIG", "RESETSTAT"), Is.EqualTo(Ok));
        Run("SORT", "l", "BY", "w_*", "GET", "#", "GET", "o_*");
        // The sorted key (hit), BY for 3 elements (1 hit, 2 misses), GET o_* for 3 (3 misses); '#' reads nothing.
        Assert.That(Info("stats", "keyspace_hits"), Is.EqualTo(2));
        Assert.That(Info("stats", "keyspace_misses"), Is.EqualTo(5));
    }
}
