using NUnit.Framework;
using StackExchange.Redis;
using Valkey.Native.Tests.Infrastructure;
using static Valkey.Native.Tests.Infrastructure.Resp;

namespace Valkey.Native.Tests.Integration;

/// <summary>
/// The sorted-set family (t_zset.c) against the shared server: byte-exact replies and error texts
/// in RESP2 and RESP3 over a raw socket for the element, range and pop commands, and semantics
/// through StackExchange.Redis. Keys are prefixed with the test's name. Set algebra, ZRANDMEMBER,
/// ZSCAN and the generic commands are in <see cref="SortedSetCommands2Tests"/>; encodings under small
/// limits in <see cref="SortedSetEncodingTests"/>.
/// </summary>
[TestFixture]
public class SortedSetCommandsTests : SharedServerFixture
{
    private static string K(string name = "k") => $"{{zset}}:{TestContext.CurrentContext.Test.Name}:{name}";

    /// <summary>A RESP2 array of bulk strings.</summary>
    private static string Array(params string[] items) => $"*{items.Length}\r\n" + string.Concat(items.Select(Bulk));

    /// <summary>A RESP3 array of [member, score] pairs, the score a RESP3 double.</summary>
    private static string Pairs3(params (string Member, string Score)[] pairs) =>
        $"*{pairs.Length}\r\n" + string.Concat(pairs.Select(p => "*2\r\n" + Bulk(p.Member) + "," + p.Score + "\r\n"));

    private void Fill() => Assert.That(Run("ZADD", K(), "1", "a", "2", "b", "3", "c", "4", "d"), Is.EqualTo(Int(4)));

    // ---- ZADD / ZINCRBY --------------------------------------------------------------------------

    [Test]
    public void ZaddCountsNewMembersAndOrdersByScoreThenMember()
    {
        Assert.That(Run("ZADD", K(), "2", "b", "1", "z", "2", "a", "1.5", "m"), Is.EqualTo(Int(4)));
        Assert.That(Run("ZADD", K(), "2", "b", "9", "new"), Is.EqualTo(Int(1)), "an unchanged member is not counted");
        Assert.That(Run("ZRANGE", K(), "0", "-1", "WITHSCORES"),
            Is.EqualTo(Array("z", "1", "m", "1.5", "a", "2", "b", "2", "new", "9")));
        Assert.That(Run("ZCARD", K()), Is.EqualTo(Int(5)));
        Assert.That(Run("TYPE", K()), Is.EqualTo("+zset\r\n"));
        Assert.That(Run("OBJECT", "ENCODING", K()), Is.EqualTo(Bulk("listpack")));
    }

    [Test]
    public void ZaddOptions()
    {
        Fill();
        Assert.That(Run("ZADD", K(), "NX", "10", "a", "5", "e"), Is.EqualTo(Int(1)));
        Assert.That(Run("ZSCORE", K(), "a"), Is.EqualTo(Bulk("1")), "NX leaves existing members alone");
        Assert.That(Run("ZADD", K(), "XX", "10", "a", "6", "f"), Is.EqualTo(Int(0)));
        Assert.That(Run("ZSCORE", K(), "a"), Is.EqualTo(Bulk("10")));
        Assert.That(Run("ZSCORE", K(), "f"), Is.EqualTo("$-1\r\n"), "XX adds nothing");
        Assert.That(Run("ZADD", K(), "XX", "CH", "11", "a", "2", "b"), Is.EqualTo(Int(1)), "CH counts changed scores");
        Assert.That(Run("ZADD", K(), "GT", "CH", "5", "a", "20", "b", "1", "g"), Is.EqualTo(Int(2)), "GT only raises; new members are added");
        Assert.That(Run("ZMSCORE", K(), "a", "b", "g"), Is.EqualTo(Array("11", "20", "1")));
        Assert.That(Run("ZADD", K(), "LT", "CH", "0", "a", "30", "b"), Is.EqualTo(Int(1)));
        Assert.That(Run("ZMSCORE", K(), "a", "b"), Is.EqualTo(Array("0", "20")));
        Assert.That(Run("ZADD", K(), "xx", "gt", "ch", "1", "a"), Is.EqualTo(Int(1)), "options are case-insensitive; XX combines with GT");
    }

    [Test]
    public void ZaddIncrRepliesTheNewScoreOrNil()
    {
        Assert.That(Run("ZADD", K(), "INCR", "1.5", "a"), Is.EqualTo(Bulk("1.5")));
        Assert.That(Run("ZADD", K(), "INCR", "1", "a"), Is.EqualTo(Bulk("2.5")));
        Assert.That(Run("ZADD", K(), "INCR", "NX", "1", "a"), Is.EqualTo("$-1\r\n"));
        Assert.That(Run("ZADD", K(), "INCR", "XX", "1", "nope"), Is.EqualTo("$-1\r\n"));
        Assert.That(Run("ZADD", K(), "INCR", "GT", "-1", "a"), Is.EqualTo("$-1\r\n"), "GT refuses a lower result");
        Assert.That(Run("ZADD", K(), "INCR", "0", "a"), Is.EqualTo(Bulk("2.5")), "no change is still a reply");
        Assert.That(Run("ZADD", K("none"), "XX", "INCR", "1", "a"), Is.EqualTo("$-1\r\n"));
        Assert.That(Run("EXISTS", K("none")), Is.EqualTo(Int(0)), "XX on a missing key creates nothing");
        Assert.That(Run("ZINCRBY", K(), "0.1", "a"), Is.EqualTo(Bulk("2.6")));
        Assert.That(Run("ZINCRBY", K(), "-2.6", "a"), Is.EqualTo(Bulk("0")));
        Assert.That(Run("ZINCRBY", K("new"), "7", "x"), Is.EqualTo(Bulk("7")));
        Assert.That(Run("ZINCRBY", K(), "1e20", "a"), Is.EqualTo(Bulk("1e+20")));
        Run("HELLO", "3");
        Assert.That(Run("ZINCRBY", K(), "0.5", "b"), Is.EqualTo(",0.5\r\n"));
        Assert.That(Run("ZADD", K(), "INCR", "NX", "1", "b"), Is.EqualTo("_\r\n"));
    }

    [Test]
    public void ZaddErrors()
    {
        Run("ZADD", K(), "1", "a");
        Assert.That(Run("ZADD", K(), "1"), Is.EqualTo(Err("ERR wrong number of arguments for 'zadd' command")));
        Assert.That(Run("ZADD", K(), "1", "a", "2"), Is.EqualTo(Err("ERR syntax error")));
        Assert.That(Run("ZADD", K(), "NX", "1", "a", "2"), Is.EqualTo(Err("ERR syntax error")));
        Assert.That(Run("ZADD", K(), "NX", "XX", "1", "a"), Is.EqualTo(Err("ERR XX and NX options at the same time are not compatible")));
        Assert.That(Run("ZADD", K(), "GT", "LT", "1", "a"), Is.EqualTo(Err("ERR GT, LT, and/or NX options at the same time are not compatible")));
        Assert.That(Run("ZADD", K(), "NX", "GT", "1", "a"), Is.EqualTo(Err("ERR GT, LT, and/or NX options at the same time are not compatible")));
        Assert.That(Run("ZADD", K(), "INCR", "1", "a", "2", "b"), Is.EqualTo(Err("ERR INCR option supports a single increment-element pair")));
        Assert.That(Run("ZADD", K(), "1", "x", "abc", "y"), Is.EqualTo(Err("ERR value is not a valid float")));
        Assert.That(Run("ZADD", K(), "nan", "x"), Is.EqualTo(Err("ERR value is not a valid float")));
        Assert.That(Run("ZCARD", K()), Is.EqualTo(Int(1)), "a bad score anywhere adds nothing");
        Assert.That(Run("ZINCRBY", K(), "nan", "a"), Is.EqualTo(Err("ERR value is not a valid float")));
        Assert.That(Run("ZINCRBY", K(), "NX", "a"), Is.EqualTo(Err("ERR syntax error")), "ZINCRBY shares ZADD's option parser");
        Run("ZADD", K(), "+inf", "a");
        Assert.That(Run("ZINCRBY", K(), "-inf", "a"), Is.EqualTo(Err("ERR resulting score is not a number (NaN)")));
        Assert.That(Run("ZSCORE", K(), "a"), Is.EqualTo(Bulk("inf")));
        Run("SET", K("str"), "x");
        Assert.That(Run("ZADD", K("str"), "1", "a"), Is.EqualTo(WrongType));
        Assert.That(Run("ZADD", K("str"), "x", "a"), Is.EqualTo(Err("ERR value is not a valid float")), "scores are checked before the key");
    }

    // ---- ZREM / ZSCORE / ZMSCORE / ZRANK -----------------------------------------------------------

    [Test]
    public void ZremDeletesTheKeyWithItsLastMember()
    {
        Fill();
        Assert.That(Run("ZREM", K(), "a", "x", "a"), Is.EqualTo(Int(1)));
        Assert.That(Run("ZREM", K(), "b", "c", "d", "e"), Is.EqualTo(Int(3)));
        Assert.That(Run("EXISTS", K()), Is.EqualTo(Int(0)));
        Assert.That(Run("ZREM", K(), "a"), Is.EqualTo(Int(0)));
    }

    [Test]
    public void ScoresInBothProtocols()
    {
        Run("ZADD", K(), "1.5", "a", "-0.25", "b", "100", "c", "-inf", "d", "1e-5", "e");
        Assert.That(Run("ZSCORE", K(), "a"), Is.EqualTo(Bulk("1.5")));
        Assert.That(Run("ZSCORE", K(), "d"), Is.EqualTo(Bulk("-inf")));
        Assert.That(Run("ZSCORE", K(), "e"), Is.EqualTo(Bulk("0.00001")), "fpconv's shortest digits");
        Assert.That(Run("ZSCORE", K(), "zz"), Is.EqualTo("$-1\r\n"));
        Assert.That(Run("ZSCORE", K("none"), "a"), Is.EqualTo("$-1\r\n"));
        Assert.That(Run("ZMSCORE", K(), "a", "zz", "c"), Is.EqualTo("*3\r\n" + Bulk("1.5") + "$-1\r\n" + Bulk("100")));
        Assert.That(Run("ZMSCORE", K("none"), "a", "b"), Is.EqualTo("*2\r\n$-1\r\n$-1\r\n"));
        Run("HELLO", "3");
        Assert.That(Run("ZSCORE", K(), "b"), Is.EqualTo(",-0.25\r\n"));
        Assert.That(Run("ZSCORE", K(), "zz"), Is.EqualTo("_\r\n"));
        Assert.That(Run("ZMSCORE", K(), "c", "zz"), Is.EqualTo("*2\r\n,100\r\n_\r\n"));
    }

    [Test]
    public void RanksWithAndWithoutScore()
    {
        Fill();
        Assert.That(Run("ZRANK", K(), "c"), Is.EqualTo(Int(2)));
        Assert.That(Run("ZREVRANK", K(), "c"), Is.EqualTo(Int(1)));
        Assert.That(Run("ZRANK", K(), "c", "WITHSCORE"), Is.EqualTo("*2\r\n:2\r\n" + Bulk("3")));
        Assert.That(Run("ZREVRANK", K(), "a", "withscore"), Is.EqualTo("*2\r\n:3\r\n" + Bulk("1")));
        Assert.That(Run("ZRANK", K(), "zz"), Is.EqualTo("$-1\r\n"));
        Assert.That(Run("ZRANK", K(), "zz", "WITHSCORE"), Is.EqualTo("*-1\r\n"));
        Assert.That(Run("ZRANK", K("none"), "a", "WITHSCORE"), Is.EqualTo("*-1\r\n"));
        Assert.That(Run("ZRANK", K(), "a", "WITHSCORES"), Is.EqualTo(Err("ERR syntax error")));
        Assert.That(Run("ZRANK", K(), "a", "WITHSCORE", "x"), Is.EqualTo(Err("ERR wrong number of arguments for 'zrank' command")));
        Run("HELLO", "3");
        Assert.That(Run("ZRANK", K(), "b", "WITHSCORE"), Is.EqualTo("*2\r\n:1\r\n,2\r\n"));
        Assert.That(Run("ZRANK", K(), "zz", "WITHSCORE"), Is.EqualTo("_\r\n"));
        Assert.That(Run("ZRANK", K(), "zz"), Is.EqualTo("_\r\n"));
    }

    // ---- ZRANGE and the deprecated forms -------------------------------------------------------

    [Test]
    public void ZrangeByRank()
    {
        Fill();
        Assert.That(Run("ZRANGE", K(), "0", "-1"), Is.EqualTo(Array("a", "b", "c", "d")));
        Assert.That(Run("ZRANGE", K(), "-2", "100"), Is.EqualTo(Array("c", "d")));
        Assert.That(Run("ZRANGE", K(), "-100", "0"), Is.EqualTo(Array("a")));
        Assert.That(Run("ZRANGE", K(), "3", "1"), Is.EqualTo("*0\r\n"));
        Assert.That(Run("ZRANGE", K(), "4", "10"), Is.EqualTo("*0\r\n"));
        Assert.That(Run("ZRANGE", K(), "0", "1", "REV", "WITHSCORES"), Is.EqualTo(Array("d", "4", "c", "3")));
        Assert.That(Run("ZREVRANGE", K(), "1", "2"), Is.EqualTo(Array("c", "b")));
        Assert.That(Run("ZRANGE", K("none"), "0", "-1"), Is.EqualTo("*0\r\n"));
        Assert.That(Run("ZRANGE", K(), "a", "1"), Is.EqualTo(Err("ERR value is not an integer or out of range")));
        Assert.That(Run("ZRANGE", K(), "0", "1", "LIMIT", "0", "1"), Is.EqualTo(Err("ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX")));
        Assert.That(Run("ZRANGE", K(), "0", "1", "LIMIT", "0", "-1"), Is.EqualTo(Array("a", "b")), "LIMIT 0 -1 is no limit, as in Valkey");
        Assert.That(Run("ZRANGE", K(), "0", "1", "BOGUS"), Is.EqualTo(Err("ERR syntax error")));
        Assert.That(Run("ZREVRANGE", K(), "0", "1", "REV"), Is.EqualTo(Err("ERR syntax error")), "the fixed forms take no direction or type");
        Run("HELLO", "3");
        Assert.That(Run("ZRANGE", K(), "0", "1", "WITHSCORES"), Is.EqualTo(Pairs3(("a", "1"), ("b", "2"))));
        Assert.That(Run("ZRANGE", K(), "0", "1"), Is.EqualTo(Array("a", "b")));
    }

    [Test]
    public void ZrangeByScore()
    {
        Run("ZADD", K(), "-inf", "n", "1", "a", "2", "b", "2", "bb", "3", "c", "+inf", "p");
        Assert.That(Run("ZRANGE", K(), "(1", "3", "BYSCORE"), Is.EqualTo(Array("b", "bb", "c")));
        Assert.That(Run("ZRANGE", K(), "-inf", "(2", "BYSCORE", "WITHSCORES"), Is.EqualTo(Array("n", "-inf", "a", "1")));
        Assert.That(Run("ZRANGE", K(), "+inf", "2", "BYSCORE", "REV"), Is.EqualTo(Array("p", "c", "bb", "b")));
        Assert.That(Run("ZRANGE", K(), "0", "10", "BYSCORE", "LIMIT", "1", "2"), Is.EqualTo(Array("b", "bb")));
        Assert.That(Run("ZRANGE", K(), "10", "0", "BYSCORE", "REV", "LIMIT", "1", "10"), Is.EqualTo(Array("bb", "b", "a")));
        Assert.That(Run("ZRANGE", K(), "0", "10", "BYSCORE", "LIMIT", "1", "-1"), Is.EqualTo(Array("b", "bb", "c")));
        Assert.That(Run("ZRANGE", K(), "0", "10", "BYSCORE", "LIMIT", "10", "1"), Is.EqualTo("*0\r\n"));
        Assert.That(Run("ZRANGE", K(), "(2", "(2", "BYSCORE"), Is.EqualTo("*0\r\n"));
        Assert.That(Run("ZRANGEBYSCORE", K(), "2", "2", "WITHSCORES"), Is.EqualTo(Array("b", "2", "bb", "2")));
        Assert.That(Run("ZREVRANGEBYSCORE", K(), "(3", "-inf", "LIMIT", "0", "2"), Is.EqualTo(Array("bb", "b")));
        Assert.That(Run("ZRANGEBYSCORE", K(), "1", "x"), Is.EqualTo(Err("ERR min or max is not a float")));
        Assert.That(Run("ZRANGEBYSCORE", K(), "nan", "1"), Is.EqualTo(Err("ERR min or max is not a float")));
        Assert.That(Run("ZRANGEBYSCORE", K("none"), "x", "1"), Is.EqualTo(Err("ERR min or max is not a float")), "the range is checked before the key");
        Assert.That(Run("ZRANGEBYSCORE", K(), "0", "1", "BYSCORE"), Is.EqualTo(Err("ERR syntax error")));
        Assert.That(Run("ZRANGEBYSCORE", K(), "0", "1", "LIMIT", "x", "1"), Is.EqualTo(Err("ERR value is not an integer or out of range")));
        Assert.That(Run("ZRANGEBYSCORE", K(), "0", "1", "LIMIT", "1"), Is.EqualTo(Err("ERR syntax error")));
        Run("HELLO", "3");
        Assert.That(Run("ZRANGEBYSCORE", K(), "3", "+inf", "WITHSCORES"), Is.EqualTo(Pairs3(("c", "3"), ("p", "inf"))));
        Assert.That(Run("ZRANGEBYSCORE", K(), "30", "+inf", "WITHSCORES"), Is.EqualTo(Pairs3(("p", "inf"))));
        Assert.That(Run("ZRANGEBYSCORE", K(), "(inf", "+inf", "WITHSCORES"), Is.EqualTo("*0\r\n"));
    }

    [Test]
    public void ZrangeByLex()
    {
        Run("ZADD", K(), "0", "alpha", "0", "bar", "0", "cool", "0", "down", "0", "elephant");
        Assert.That(Run("ZRANGE", K(), "[bar", "(down", "BYLEX"), Is.EqualTo(Array("bar", "cool")));
        Assert.That(Run("ZRANGE", K(), "+", "(cool", "BYLEX", "REV"), Is.EqualTo(Array("elephant", "down")));
        Assert.That(Run("ZRANGE", K(), "-", "+", "BYLEX", "LIMIT", "1", "2"), Is.EqualTo(Array("bar", "cool")));
        Assert.That(Run("ZRANGEBYLEX", K(), "(a", "[c"), Is.EqualTo(Array("alpha", "bar")));
        Assert.That(Run("ZREVRANGEBYLEX", K(), "[d", "-", "LIMIT", "0", "1"), Is.EqualTo(Array("cool")));
        Assert.That(Run("ZRANGEBYLEX", K(), "+", "-"), Is.EqualTo("*0\r\n"));
        Assert.That(Run("ZRANGEBYLEX", K(), "[bar", "(bar"), Is.EqualTo("*0\r\n"));
        Assert.That(Run("ZRANGE", K(), "-", "+", "BYLEX", "WITHSCORES"), Is.EqualTo(Err("ERR syntax error, WITHSCORES not supported in combination with BYLEX")));
        Assert.That(Run("ZRANGEBYLEX", K(), "bar", "+"), Is.EqualTo(Err("ERR min or max not valid string range item")));
        Assert.That(Run("ZRANGEBYLEX", K(), "-x", "+"), Is.EqualTo(Err("ERR min or max not valid string range item")));
        Assert.That(Run("ZLEXCOUNT", K(), "[b", "[d"), Is.EqualTo(Int(2)));
        Assert.That(Run("ZLEXCOUNT", K(), "-", "+"), Is.EqualTo(Int(5)));
        Assert.That(Run("ZLEXCOUNT", K("none"), "-", "+"), Is.EqualTo(Int(0)));
        Assert.That(Run("ZLEXCOUNT", K(), "b", "+"), Is.EqualTo(Err("ERR min or max not valid string range item")));
    }

    [Test]
    public void ZcountCountsAScoreRange()
    {
        Run("ZADD", K(), "1", "a", "2", "b", "3", "c", "3", "d", "5", "e");
        Assert.That(Run("ZCOUNT", K(), "2", "3"), Is.EqualTo(Int(3)));
        Assert.That(Run("ZCOUNT", K(), "(2", "(5"), Is.EqualTo(Int(2)));
        Assert.That(Run("ZCOUNT", K(), "-inf", "+inf"), Is.EqualTo(Int(5)));
        Assert.That(Run("ZCOUNT", K(), "6", "+inf"), Is.EqualTo(Int(0)));
        Assert.That(Run("ZCOUNT", K(), "3", "2"), Is.EqualTo(Int(0)));
        Assert.That(Run("ZCOUNT", K(), "0x1", "  2"), Is.EqualTo(Int(2)), "strtod: hexadecimal and leading blanks");
        Assert.That(Run("ZCOUNT", K(), "", "1"), Is.EqualTo(Int(1)), "strtod: an empty bound is 0");
        Assert.That(Run("ZCOUNT", K(), "1e999", "+inf"), Is.EqualTo(Int(0)), "strtod: overflow is infinity");
        Assert.That(Run("ZCOUNT", K(), "2 ", "3"), Is.EqualTo(Err("ERR min or max is not a float")));
        Assert.That(Run("ZCOUNT", K("none"), "0", "1"), Is.EqualTo(Int(0)));
    }

    [Test]
    public void ZrangestoreStoresAndDeletes()
    {
        Fill();
        Assert.That(Run("ZRANGESTORE", K("dst"), K(), "1", "2"), Is.EqualTo(Int(2)));
        Assert.That(Run("ZRANGE", K("dst"), "0", "-1", "WITHSCORES"), Is.EqualTo(Array("b", "2", "c", "3")));
        Assert.That(Run("ZRANGESTORE", K("dst"), K(), "+inf", "(2", "BYSCORE", "REV", "LIMIT", "0", "1"), Is.EqualTo(Int(1)));
        Assert.That(Run("ZRANGE", K("dst"), "0", "-1", "WITHSCORES"), Is.EqualTo(Array("d", "4")));
        Assert.That(Run("ZRANGESTORE", K("dst"), K(), "[c", "+", "BYLEX"), Is.EqualTo(Int(2)));
        Assert.That(Run("ZRANGE", K("dst"), "0", "-1"), Is.EqualTo(Array("c", "d")));
        Assert.That(Run("ZRANGESTORE", K("dst"), K(), "5", "10"), Is.EqualTo(Int(0)));
        Assert.That(Run("EXISTS", K("dst")), Is.EqualTo(Int(0)), "an empty result deletes the destination");
        Run("SET", K("dst"), "string");
        Assert.That(Run("ZRANGESTORE", K("dst"), K("none"), "0", "-1"), Is.EqualTo(Int(0)));
        Assert.That(Run("EXISTS", K("dst")), Is.EqualTo(Int(0)), "a missing source too, whatever the destination held");
        Assert.That(Run("ZRANGESTORE", K(), K(), "0", "0"), Is.EqualTo(Int(1)), "the source may be the destination");
        Assert.That(Run("ZRANGE", K(), "0", "-1"), Is.EqualTo(Array("a")));
        Assert.That(Run("ZRANGESTORE", K("dst"), K(), "0", "-1", "WITHSCORES"), Is.EqualTo(Err("ERR syntax error")));
        Run("SET", K("str"), "x");
        Assert.That(Run("ZRANGESTORE", K("dst"), K("str"), "0", "-1"), Is.EqualTo(WrongType));
        Assert.That(Run("ZRANGESTORE", K("dst"), K()), Is.EqualTo(Err("ERR wrong number of arguments for 'zrangestore' command")));
    }

    // ---- ZREMRANGEBY* ------------------------------------------------------------------------------

    [Test]
    public void RemoveRanges()
    {
        Run("ZADD", K(), "1", "a", "2", "b", "3", "c", "4", "d", "5", "e", "6", "f");
        Assert.That(Run("ZREMRANGEBYRANK", K(), "-2", "-1"), Is.EqualTo(Int(2)));
        Assert.That(Run("ZREMRANGEBYRANK", K(), "10", "20"), Is.EqualTo(Int(0)));
        Assert.That(Run("ZREMRANGEBYSCORE", K(), "(1", "2"), Is.EqualTo(Int(1)));
        Assert.That(Run("ZRANGE", K(), "0", "-1"), Is.EqualTo(Array("a", "c", "d")));
        Assert.That(Run("ZREMRANGEBYLEX", K(), "[b", "[c"), Is.EqualTo(Int(1)), "from the first member >= min while members stay <= max");
        Assert.That(Run("ZREMRANGEBYSCORE", K(), "-inf", "+inf"), Is.EqualTo(Int(2)));
        Assert.That(Run("EXISTS", K()), Is.EqualTo(Int(0)));
        Run("ZADD", K(), "0", "a", "0", "b", "0", "c");
        Assert.That(Run("ZREMRANGEBYLEX", K(), "(a", "+"), Is.EqualTo(Int(2)));
        Assert.That(Run("ZREMRANGEBYRANK", K(), "0", "-1"), Is.EqualTo(Int(1)));
        Assert.That(Run("EXISTS", K()), Is.EqualTo(Int(0)));
        Assert.That(Run("ZREMRANGEBYRANK", K(), "x", "1"), Is.EqualTo(Err("ERR value is not an integer or out of range")));
        Assert.That(Run("ZREMRANGEBYSCORE", K(), "x", "1"), Is.EqualTo(Err("ERR min or max is not a float")));
        Assert.That(Run("ZREMRANGEBYLEX", K(), "x", "+"), Is.EqualTo(Err("ERR min or max not valid string range item")));
        Run("SET", K("str"), "x");
        Assert.That(Run("ZREMRANGEBYRANK", K("str"), "0", "1"), Is.EqualTo(WrongType));
    }

    // ---- pops ------------------------------------------------------------------------------------

    [Test]
    public void PopMinAndMax()
    {
        Fill();
        Assert.That(Run("ZPOPMIN", K()), Is.EqualTo(Array("a", "1")));
        Assert.That(Run("ZPOPMAX", K(), "2"), Is.EqualTo(Array("d", "4", "c", "3")));
        Assert.That(Run("ZPOPMIN", K(), "0"), Is.EqualTo("*0\r\n"));
        Assert.That(Run("ZPOPMAX", K(), "10"), Is.EqualTo(Array("b", "2")));
        Assert.That(Run("EXISTS", K()), Is.EqualTo(Int(0)), "popping the last member deletes the key");
        Assert.That(Run("ZPOPMIN", K()), Is.EqualTo("*0\r\n"));
        Assert.That(Run("ZPOPMIN", K(), "-1"), Is.EqualTo(Err("ERR value is out of range, must be positive")));
        Assert.That(Run("ZPOPMIN", K(), "x"), Is.EqualTo(Err("ERR value is out of range, must be positive")));
        Assert.That(Run("ZPOPMIN", K(), "1", "2"), Is.EqualTo(Err("ERR syntax error")));
        Fill();
        Run("HELLO", "3");
        Assert.That(Run("ZPOPMIN", K()), Is.EqualTo("*2\r\n" + Bulk("a") + ",1\r\n"), "a single pop stays flat in RESP3");
        Assert.That(Run("ZPOPMAX", K(), "2"), Is.EqualTo(Pairs3(("d", "4"), ("c", "3"))));
        Assert.That(Run("ZPOPMAX", K(), "1"), Is.EqualTo(Pairs3(("b", "2"))));
        Run("SET", K("str"), "x");
        Assert.That(Run("ZPOPMIN", K("str"), "0"), Is.EqualTo(WrongType), "the type is checked before the count");
    }

    [Test]
    public void Zmpop()
    {
        Run("ZADD", K("b"), "1", "x", "2", "y", "3", "z");
        Assert.That(Run("ZMPOP", "2", K("a"), K("b"), "MIN"), Is.EqualTo("*2\r\n" + Bulk(K("b")) + "*1\r\n*2\r\n" + Bulk("x") + Bulk("1")));
        Assert.That(Run("ZMPOP", "1", K("b"), "max", "COUNT", "5"), Is.EqualTo("*2\r\n" + Bulk(K("b")) + "*2\r\n*2\r\n" + Bulk("z") + Bulk("3") + "*2\r\n" + Bulk("y") + Bulk("2")));
        Assert.That(Run("EXISTS", K("b")), Is.EqualTo(Int(0)));
        Assert.That(Run("ZMPOP", "2", K("a"), K("b"), "MIN"), Is.EqualTo("*-1\r\n"));
        Assert.That(Run("ZMPOP", "0", K("a"), "MIN"), Is.EqualTo(Err("ERR numkeys should be greater than 0")));
        Assert.That(Run("ZMPOP", "x", K("a"), "MIN"), Is.EqualTo(Err("ERR numkeys should be greater than 0")));
        Assert.That(Run("ZMPOP", "2", K("a"), "MIN"), Is.EqualTo(Err("ERR syntax error")));
        Assert.That(Run("ZMPOP", "1", K("a"), "LEFT"), Is.EqualTo(Err("ERR syntax error")));
        Assert.That(Run("ZMPOP", "1", K("a"), "MIN", "COUNT", "0"), Is.EqualTo(Err("ERR count should be greater than 0")));
        Assert.That(Run("ZMPOP", "1", K("a"), "MIN", "COUNT", "1", "COUNT", "1"), Is.EqualTo(Err("ERR syntax error")));
        Assert.That(Run("ZMPOP", "9223372036854775807", K("a"), "MIN"), Is.EqualTo(Err("ERR syntax error")));
        Run("SET", K("str"), "x");
        Run("ZADD", K("c"), "1", "m");
        Assert.That(Run("ZMPOP", "2", K("str"), K("c"), "MIN"), Is.EqualTo(WrongType), "the first existing key must be a sorted set");
        Run("HELLO", "3");
        Assert.That(Run("ZMPOP", "2", K("a"), K("c"), "MIN"), Is.EqualTo("*2\r\n" + Bulk(K("c")) + "*1\r\n*2\r\n" + Bulk("m") + ",1\r\n"));
        Assert.That(Run("ZMPOP", "1", K("c"), "MIN"), Is.EqualTo("_\r\n"));
    }

    // ---- WRONGTYPE and the client library ----------------------------------------------------------

    [Test]
    public void EveryCommandRefusesAnotherType()
    {
        Run("SET", K(), "x");
        string[][] commands =
        [
            ["ZINCRBY", K(), "1", "a"], ["ZREM", K(), "a"], ["ZCARD", K()], ["ZSCORE", K(), "a"], ["ZMSCORE", K(), "a"],
            ["ZRANK", K(), "a"], ["ZREVRANK", K(), "a"], ["ZCOUNT", K(), "0", "1"], ["ZLEXCOUNT", K(), "-", "+"],
            ["ZRANGE", K(), "0", "1"], ["ZRANGEBYSCORE", K(), "0", "1"], ["ZREVRANGEBYLEX", K(), "+", "-"], ["ZREVRANGE", K(), "0", "1"],
            ["ZREMRANGEBYSCORE", K(), "0", "1"], ["ZREMRANGEBYLEX", K(), "-", "+"], ["ZPOPMAX", K()],
            ["ZRANDMEMBER", K()], ["ZRANDMEMBER", K(), "2"], ["ZSCAN", K(), "0"], ["ZUNION", "1", K()], ["ZINTERCARD", "1", K()],
            ["ZDIFFSTORE", K("d"), "1", K()],
        ];
        foreach (var c in commands) Assert.That(Run(c), Is.EqualTo(WrongType), string.Join(' ', c));
    }

    [Test]
    public void StackExchangeRedisRoundTrip()
    {
        var key = K();
        Assert.That(Db.SortedSetAdd(key, [new("a", 3), new("b", 1.25), new("c", 2)]), Is.EqualTo(3));
        Assert.That(Db.SortedSetAdd(key, "a", 4), Is.False);
        Assert.That(Db.SortedSetScore(key, "a"), Is.EqualTo(4));
        Assert.That(Db.SortedSetLength(key), Is.EqualTo(3));
        Assert.That(Db.SortedSetRank(key, "c"), Is.EqualTo(1));
        Assert.That(Db.SortedSetRank(key, "c", Order.Descending), Is.EqualTo(1));
        var ranked = Db.SortedSetRangeByRankWithScores(key);
        Assert.That(ranked.Select(e => ((string)e.Element!, e.Score)), Is.EqualTo(new[] { ("b", 1.25), ("c", 2.0), ("a", 4.0) }));
        Assert.That(Db.SortedSetRangeByScore(key, 1.5, 10, Exclude.None, Order.Descending).Select(v => (string)v!), Is.EqualTo(new[] { "a", "c" }));
        Assert.That(Db.SortedSetIncrement(key, "b", 10), Is.EqualTo(11.25));
        Assert.That(Db.SortedSetLengthByValue(key, "a", "z"), Is.EqualTo(3));
        var popped = Db.SortedSetPop(key, 2);
        Assert.That(popped.Select(e => (string)e.Element!), Is.EqualTo(new[] { "c", "a" }));
        Assert.That(Db.SortedSetRemove(key, "b"), Is.True);
        Assert.That(Db.KeyExists(key), Is.False);
        Assert.That(Db.SortedSetScores(key, ["a", "b"]), Is.EqualTo(new double?[] { null, null }));
    }
}
