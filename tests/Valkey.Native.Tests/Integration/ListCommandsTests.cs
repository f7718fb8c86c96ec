using NUnit.Framework;
using StackExchange.Redis;
using Valkey.Native.Tests.Infrastructure;
using static Valkey.Native.Tests.Infrastructure.Resp;

namespace Valkey.Native.Tests.Integration;

/// <summary>
/// The list commands (no blocking variants) against the shared server: byte-exact replies in
/// RESP2 and RESP3 over a raw socket, every error text, and semantics through StackExchange.Redis.
/// Every test uses keys prefixed with its own name. Encoding conversions under small limits are
/// in <see cref="ListEncodingTests"/>.
/// </summary>
[TestFixture]
public class ListCommandsTests : SharedServerFixture
{
    private static string K(string name = "k") => $"{{list}}:{TestContext.CurrentContext.Test.Name}:{name}";

    private const string Null2 = "$-1\r\n";
    private const string Null3 = "_\r\n";
    private const string NullArray2 = "*-1\r\n";
    private const string Empty = "*0\r\n";
    private const string WrongType = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";

    private void Resp3() => Assert.That(Run("HELLO", "3"), Does.StartWith("%"));

    private static string Arr(params string[] items) => $"*{items.Length}\r\n" + string.Concat(items.Select(Bulk));

    // ---- push / length / range ------------------------------------------------------------

    [Test]
    public void PushesReplyWithTheNewLengthAndKeepOrder()
    {
        Assert.That(Run("RPUSH", K(), "a", "b"), Is.EqualTo(Int(2)));
        Assert.That(Run("LPUSH", K(), "x", "y"), Is.EqualTo(Int(4)), "LPUSH pushes one by one: y ends first");
        Assert.That(Run("LRANGE", K(), "0", "-1"), Is.EqualTo(Arr("y", "x", "a", "b")));
        Assert.That(Run("LLEN", K()), Is.EqualTo(Int(4)));
        Assert.That(Run("TYPE", K()), Is.EqualTo("+list\r\n"));
        Assert.That(Run("OBJECT", "ENCODING", K()), Is.EqualTo(Bulk("listpack")));
        Assert.That(Run("LLEN", K("missing")), Is.EqualTo(Int(0)));
    }

    [Test]
    public void PushxOnlyTouchesExistingLists()
    {
        Assert.That(Run("LPUSHX", K(), "a"), Is.EqualTo(Int(0)));
        Assert.That(Run("RPUSHX", K(), "a", "b"), Is.EqualTo(Int(0)));
        Assert.That(Run("EXISTS", K()), Is.EqualTo(Int(0)));
        Run("RPUSH", K(), "m");
        Assert.That(Run("LPUSHX", K(), "a", "b"), Is.EqualTo(Int(3)));
        Assert.That(Run("RPUSHX", K(), "z"), Is.EqualTo(Int(4)));
        Assert.That(Run("LRANGE", K(), "0", "-1"), Is.EqualTo(Arr("b", "a", "m", "z")));
    }

    [Test]
    public void LrangeNormalizesIndexes()
    {
        Run("RPUSH", K(), "0", "1", "2", "3", "4");
        Assert.That(Run("LRANGE", K(), "1", "3"), Is.EqualTo(Arr("1", "2", "3")));
        Assert.That(Run("LRANGE", K(), "-2", "100"), Is.EqualTo(Arr("3", "4")));
        Assert.That(Run("LRANGE", K(), "-100", "0"), Is.EqualTo(Arr("0")));
        Assert.That(Run("LRANGE", K(), "3", "1"), Is.EqualTo(Empty));
        Assert.That(Run("LRANGE", K(), "5", "10"), Is.EqualTo(Empty));
        Assert.That(Run("LRANGE", K("missing"), "0", "-1"), Is.EqualTo(Empty));
        Assert.That(Run("LRANGE", K(), "a", "1"), Is.EqualTo(Err("ERR value is not an integer or out of range")));
    }

    [Test]
    public void LindexReturnsElementsOrNull()
    {
        Run("RPUSH", K(), "a", "b", "c");
        Assert.That(Run("LINDEX", K(), "0"), Is.EqualTo(Bulk("a")));
        Assert.That(Run("LINDEX", K(), "-1"), Is.EqualTo(Bulk("c")));
        Assert.That(Run("LINDEX", K(), "3"), Is.EqualTo(Null2));
        Assert.That(Run("LINDEX", K(), "-4"), Is.EqualTo(Null2));
        Assert.That(Run("LINDEX", K("missing"), "0"), Is.EqualTo(Null2));
        Assert.That(Run("LINDEX", K(), "x"), Is.EqualTo(Err("ERR value is not an integer or out of range")));
        Resp3();
        Assert.That(Run("LINDEX", K(), "9"), Is.EqualTo(Null3));
    }

    // ---- pops -----------------------------------------------------------------------------

    [Test]
    public void PopsWithoutCountReplyBulkOrNull()
    {
        Run("RPUSH", K(), "a", "b", "c");
        Assert.That(Run("LPOP", K()), Is.EqualTo(Bulk("a")));
        Assert.That(Run("RPOP", K()), Is.EqualTo(Bulk("c")));
        Assert.That(Run("RPOP", K()), Is.EqualTo(Bulk("b")));
        Assert.That(Run("EXISTS", K()), Is.EqualTo(Int(0)), "an emptied list is deleted");
        Assert.That(Run("LPOP", K()), Is.EqualTo(Null2));
        Resp3();
        Assert.That(Run("RPOP", K()), Is.EqualTo(Null3));
    }

    [Test]
    public void PopsWithCountReplyArraysInPopOrder()
    {
        Run("RPUSH", K(), "a", "b", "c", "d", "e");
        Assert.That(Run("LPOP", K(), "2"), Is.EqualTo(Arr("a", "b")));
        Assert.That(Run("RPOP", K(), "2"), Is.EqualTo(Arr("e", "d")));
        Assert.That(Run("LPOP", K(), "0"), Is.EqualTo(Empty));
        Assert.That(Run("RPOP", K(), "10"), Is.EqualTo(Arr("c")));
        Assert.That(Run("EXISTS", K()), Is.EqualTo(Int(0)));
        Assert.That(Run("LPOP", K(), "1"), Is.EqualTo(NullArray2));
        Assert.That(Run("LPOP", K(), "0"), Is.EqualTo(NullArray2), "a missing key wins over count 0");
        Assert.That(Run("LPOP", K(), "-1"), Is.EqualTo(Err("ERR value is out of range, must be positive")));
        Assert.That(Run("LPOP", K(), "x"), Is.EqualTo(Err("ERR value is out of range, must be positive")));
        Assert.That(Run("LPOP", K(), "1", "2"), Is.EqualTo(Err("ERR wrong number of arguments for 'lpop' command")));
        Resp3();
        Assert.That(Run("RPOP", K(), "1"), Is.EqualTo(Null3));
    }

    // ---- LSET / LINSERT / LREM / LTRIM ---------------------------------------------------

    [Test]
    public void LsetReplacesOrFails()
    {
        Assert.That(Run("LSET", K(), "0", "x"), Is.EqualTo(Err("ERR no such key")));
        Run("RPUSH", K(), "a", "b", "c");
        Assert.That(Run("LSET", K(), "1", "B"), Is.EqualTo("+OK\r\n"));
        Assert.That(Run("LSET", K(), "-1", "C"), Is.EqualTo("+OK\r\n"));
        Assert.That(Run("LSET", K(), "3", "x"), Is.EqualTo(Err("ERR index out of range")));
        Assert.That(Run("LSET", K(), "-4", "x"), Is.EqualTo(Err("ERR index out of range")));
        Assert.That(Run("LSET", K(), "x", "x"), Is.EqualTo(Err("ERR value is not an integer or out of range")));
        Assert.That(Run("LRANGE", K(), "0", "-1"), Is.EqualTo(Arr("a", "B", "C")));
    }

    [Test]
    public void LinsertBeforeAndAfterTheFirstPivot()
    {
        Assert.That(Run("LINSERT", K(), "BEFORE", "a", "x"), Is.EqualTo(Int(0)));
        Run("RPUSH", K(), "a", "b", "a");
        Assert.That(Run("LINSERT", K(), "before", "a", "0"), Is.EqualTo(Int(4)));
        Assert.That(Run("LINSERT", K(), "AFTER", "a", "1"), Is.EqualTo(Int(5)));
        Assert.That(Run("LINSERT", K(), "after", "zz", "1"), Is.EqualTo(Int(-1)));
        Assert.That(Run("LINSERT", K(), "middle", "a", "1"), Is.EqualTo(Err("ERR syntax error")));
        Assert.That(Run("LRANGE", K(), "0", "-1"), Is.EqualTo(Arr("0", "a", "1", "b", "a")));
    }

    [Test]
    public void LremCountsAndDirections()
    {
        Run("RPUSH", K(), "x", "a", "x", "b", "x", "c", "x");
        Assert.That(Run("LREM", K(), "2", "x"), Is.EqualTo(Int(2)));
        Assert.That(Run("LRANGE", K(), "0", "-1"), Is.EqualTo(Arr("a", "b", "x", "c", "x")));
        Assert.That(Run("LREM", K(), "-1", "x"), Is.EqualTo(Int(1)));
        Assert.That(Run("LRANGE", K(), "0", "-1"), Is.EqualTo(Arr("a", "b", "x", "c")));
        Assert.That(Run("LREM", K(), "0", "x"), Is.EqualTo(Int(1)));
        Assert.That(Run("LREM", K(), "0", "nope"), Is.EqualTo(Int(0)));
        Assert.That(Run("LREM", K("missing"), "0", "a"), Is.EqualTo(Int(0)));
        Assert.That(Run("LREM", K(), "-9223372036854775808", "a"),
            Is.EqualTo(Err("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807")));
        Assert.That(Run("LREM", K(), "0", "a"), Is.EqualTo(Int(1)));
        Assert.That(Run("LREM", K(), "0", "b"), Is.EqualTo(Int(1)));
        Assert.That(Run("LREM", K(), "0", "c"), Is.EqualTo(Int(1)));
        Assert.That(Run("EXISTS", K()), Is.EqualTo(Int(0)));
    }

    [Test]
    public void LtrimKeepsARangeAndDeletesWhenEmpty()
    {
        Assert.That(Run("LTRIM", K(), "0", "1"), Is.EqualTo("+OK\r\n"));
        Run("RPUSH", K(), "0", "1", "2", "3", "4", "5");
        Assert.That(Run("LTRIM", K(), "1", "-2"), Is.EqualTo("+OK\r\n"));
        Assert.That(Run("LRANGE", K(), "0", "-1"), Is.EqualTo(Arr("1", "2", "3", "4")));
        Assert.That(Run("LTRIM", K(), "-100", "100"), Is.EqualTo("+OK\r\n"));
        Assert.That(Run("LLEN", K()), Is.EqualTo(Int(4)));
        Assert.That(Run("LTRIM", K(), "3", "1"), Is.EqualTo("+OK\r\n"));
        Assert.That(Run("EXISTS", K()), Is.EqualTo(Int(0)));
        Assert.That(Run("LTRIM", K(), "a", "1"), Is.EqualTo(Err("ERR value is not an integer or out of range")));
    }

    // ---- LPOS -----------------------------------------------------------------------------

    [Test]
    public void LposRankCountMaxlen()
    {
        Run("RPUSH", K(), "a", "b", "c", "1", "2", "3", "c", "c");
        Assert.That(Run("LPOS", K(), "c"), Is.EqualTo(Int(2)));
        Assert.That(Run("LPOS", K(), "c", "RANK", "2"), Is.EqualTo(Int(6)));
        Assert.That(Run("LPOS", K(), "c", "RANK", "-1"), Is.EqualTo(Int(7)));
        Assert.That(Run("LPOS", K(), "c", "COUNT", "2"), Is.EqualTo("*2\r\n:2\r\n:6\r\n"));
        Assert.That(Run("LPOS", K(), "c", "COUNT", "0"), Is.EqualTo("*3\r\n:2\r\n:6\r\n:7\r\n"));
        Assert.That(Run("LPOS", K(), "c", "RANK", "-1", "COUNT", "2"), Is.EqualTo("*2\r\n:7\r\n:6\r\n"));
        Assert.That(Run("LPOS", K(), "c", "COUNT", "0", "MAXLEN", "7"), Is.EqualTo("*2\r\n:2\r\n:6\r\n"));
        Assert.That(Run("LPOS", K(), "c", "MAXLEN", "2"), Is.EqualTo(Null2));
        Assert.That(Run("LPOS", K(), "zz"), Is.EqualTo(Null2));
        Assert.That(Run("LPOS", K(), "zz", "COUNT", "1"), Is.EqualTo(Empty));
        Assert.That(Run("LPOS", K("missing"), "a"), Is.EqualTo(Null2));
        Assert.That(Run("LPOS", K("missing"), "a", "COUNT", "1"), Is.EqualTo(Empty));
        Assert.That(Run("LPOS", K(), "c", "RANK", "0"), Is.EqualTo(Err("ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list")));
        Assert.That(Run("LPOS", K(), "c", "RANK", "-9223372036854775808"),
            Is.EqualTo(Err("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807")));
        Assert.That(Run("LPOS", K(), "c", "COUNT", "-1"), Is.EqualTo(Err("ERR COUNT can't be negative")));
        Assert.That(Run("LPOS", K(), "c", "MAXLEN", "x"), Is.EqualTo(Err("ERR MAXLEN can't be negative")));
        Assert.That(Run("LPOS", K(), "c", "COUNT"), Is.EqualTo(Err("ERR syntax error")));
        Assert.That(Run("LPOS", K(), "c", "FOO", "1"), Is.EqualTo(Err("ERR syntax error")));
        Resp3();
        Assert.That(Run("LPOS", K(), "zz"), Is.EqualTo(Null3));
    }

    // ---- LMOVE / RPOPLPUSH / LMPOP ----------------------------------------------------------

    [Test]
    public void LmoveAllDirectionsAndSameKey()
    {
        Run("RPUSH", K("s"), "1", "2", "3");
        Assert.That(Run("LMOVE", K("s"), K("d"), "LEFT", "RIGHT"), Is.EqualTo(Bulk("1")));
        Assert.That(Run("LMOVE", K("s"), K("d"), "right", "left"), Is.EqualTo(Bulk("3")));
        Assert.That(Run("LRANGE", K("d"), "0", "-1"), Is.EqualTo(Arr("3", "1")));
        Assert.That(Run("RPOPLPUSH", K("d"), K("d")), Is.EqualTo(Bulk("1")), "rotation");
        Assert.That(Run("LRANGE", K("d"), "0", "-1"), Is.EqualTo(Arr("1", "3")));
        Assert.That(Run("LMOVE", K("s"), K("d"), "LEFT", "LEFT"), Is.EqualTo(Bulk("2")));
        Assert.That(Run("EXISTS", K("s")), Is.EqualTo(Int(0)), "the emptied source is deleted");
        Assert.That(Run("LMOVE", K("s"), K("d"), "LEFT", "LEFT"), Is.EqualTo(Null2));
        Assert.That(Run("LMOVE", K("d"), K("x"), "UP", "LEFT"), Is.EqualTo(Err("ERR syntax error")));
        Run("SET", K("str"), "v");
        Assert.That(Run("LMOVE", K("d"), K("str"), "LEFT", "LEFT"), Is.EqualTo(WrongType));
        Assert.That(Run("LLEN", K("d")), Is.EqualTo(Int(3)), "nothing moved on WRONGTYPE");
        Assert.That(Run("RPOPLPUSH", K("str"), K("d")), Is.EqualTo(WrongType));
        Resp3();
        Assert.That(Run("RPOPLPUSH", K("s"), K("d")), Is.EqualTo(Null3));
    }

    [Test]
    public void LmpopPopsFromTheFirstNonEmptyList()
    {
        Run("RPUSH", K("b"), "1", "2", "3");
        Assert.That(Run("LMPOP", "2", K("a"), K("b"), "LEFT"), Is.EqualTo("*2\r\n" + Bulk(K("b")) + Arr("1")));
        Assert.That(Run("LMPOP", "2", K("a"), K("b"), "RIGHT", "COUNT", "5"), Is.EqualTo("*2\r\n" + Bulk(K("b")) + Arr("3", "2")));
        Assert.That(Run("EXISTS", K("b")), Is.EqualTo(Int(0)));
        Assert.That(Run("LMPOP", "2", K("a"), K("b"), "LEFT"), Is.EqualTo(NullArray2));
        Assert.That(Run("LMPOP", "0", K("a"), "LEFT"), Is.EqualTo(Err("ERR numkeys should be greater than 0")));
        Assert.That(Run("LMPOP", "x", K("a"), "LEFT"), Is.EqualTo(Err("ERR numkeys should be greater than 0")));
        Assert.That(Run("LMPOP", "3", K("a"), "LEFT"), Is.EqualTo(Err("ERR syntax error")));
        Assert.That(Run("LMPOP", "9223372036854775807", K("a"), "LEFT"), Is.EqualTo(Err("ERR syntax error")));
        Assert.That(Run("LMPOP", "1", K("a"), "UP"), Is.EqualTo(Err("ERR syntax error")));
        Assert.That(Run("LMPOP", "1", K("a"), "LEFT", "COUNT", "0"), Is.EqualTo(Err("ERR count should be greater than 0")));
        Assert.That(Run("LMPOP", "1", K("a"), "LEFT", "COUNT", "1", "COUNT", "1"), Is.EqualTo(Err("ERR syntax error")));
        Assert.That(Run("LMPOP", "1", K("a"), "LEFT", "COUNT"), Is.EqualTo(Err("ERR syntax error")));
        Run("SET", K("str"), "v");
        Assert.That(Run("LMPOP", "2", K("a"), K("str"), "LEFT"), Is.EqualTo(WrongType));
        Resp3();
        Assert.That(Run("LMPOP", "1", K("a"), "LEFT"), Is.EqualTo(Null3));
        Run("RPUSH", K("c"), "x");
        Assert.That(Run("LMPOP", "1", K("c"), "LEFT"), Is.EqualTo("*2\r\n" + Bulk(K("c")) + Arr("x")));
    }

    // ---- types and command metadata -------------------------------------------------------

    [Test]
    public void EveryCommandRefusesOtherTypes()
    {
        Run("SET", K(), "v");
        string[][] commands =
        [
            ["LPUSH", K(), "a"], ["RPUSH", K(), "a"], ["LPUSHX", K(), "a"], ["RPUSHX", K(), "a"],
            ["LPOP", K()], ["RPOP", K(), "2"], ["LLEN", K()], ["LRANGE", K(), "0", "-1"], ["LINDEX", K(), "0"],
            ["LSET", K(), "0", "a"], ["LINSERT", K(), "BEFORE", "a", "b"], ["LREM", K(), "0", "a"],
            ["LTRIM", K(), "0", "1"], ["LPOS", K(), "a"], ["LMOVE", K(), K("d"), "LEFT", "LEFT"],
            ["RPOPLPUSH", K(), K("d")], ["LMPOP", "1", K(), "LEFT"],
        ];
        foreach (var c in commands) Assert.That(Run(c), Is.EqualTo(WrongType), string.Join(' ', c));
        Assert.That(Run("GET", K()), Is.EqualTo(Bulk("v")));
        Run("RPUSH", K("l"), "a");
        Assert.That(Run("GET", K("l")), Is.EqualTo(WrongType));
    }

    [Test]
    public void CommandInfoDescribesTheKeys()
    {
        Assert.That(Run("COMMAND", "GETKEYS", "LMPOP", "2", "a", "b", "LEFT"), Is.EqualTo(Arr("a", "b")));
        Assert.That(Run("COMMAND", "GETKEYS", "LMOVE", "s", "d", "LEFT", "RIGHT"), Is.EqualTo(Arr("s", "d")));
        Assert.That(Run("COMMAND", "COUNT"), Does.StartWith(":"));
        Assert.That(Run("LPUSH", K()), Is.EqualTo(Err("ERR wrong number of arguments for 'lpush' command")));
        Assert.That(Run("LMPOP", "1", K()), Is.EqualTo(Err("ERR wrong number of arguments for 'lmpop' command")));
    }

    [Test]
    public void GenericKeyCommandsCarryListsAlong()
    {
        var args = new List<string> { "RPUSH", K("a") };
        for (int i = 0; i < 3000; i++) args.Add($"e{i}");
        Run([.. args]);
        Assert.That(Run("OBJECT", "ENCODING", K("a")), Is.EqualTo(Bulk("quicklist")));
        Assert.That(Run("COPY", K("a"), K("b")), Is.EqualTo(Int(1)));
        Assert.That(Run("OBJECT", "ENCODING", K("b")), Is.EqualTo(Bulk("quicklist")));
        Assert.That(Run("LTRIM", K("b"), "0", "1"), Is.EqualTo("+OK\r\n"));
        Assert.That(Run("LLEN", K("a")), Is.EqualTo(Int(3000)), "the copy is deep");
        Assert.That(Run("RENAME", K("a"), K("c")), Is.EqualTo("+OK\r\n"));
        Assert.That(Run("LINDEX", K("c"), "2999"), Is.EqualTo(Bulk("e2999")));
        Assert.That(Run("LRANGE", K("b"), "0", "-1"), Is.EqualTo(Arr("e0", "e1")));
        Assert.That(Run("OBJECT", "ENCODING", K("b")), Is.EqualTo(Bulk("listpack")));
        Assert.That(Run("DEL", K("b"), K("c")), Is.EqualTo(Int(2)));
    }

    [Test]
    public void BinaryAndEmptyElementsRoundTrip()
    {
        var key = K();
        var db = Db;
        byte[] binary = [0, 1, 2, 0xFF, 13, 10, 0];
        db.ListRightPush(key, binary);
        db.ListRightPush(key, Array.Empty<byte>());
        db.ListLeftPush(key, new string('x', 5000));
        var all = db.ListRange(key);
        Assert.That(all, Has.Length.EqualTo(3));
        Assert.That((byte[]?)all[1], Is.EqualTo(binary));
        Assert.That(((byte[]?)all[2])!, Is.Empty);
        Assert.That(all[0].ToString(), Has.Length.EqualTo(5000));
        Assert.That(db.ListGetByIndex(key, -2), Is.EqualTo((RedisValue)binary));
    }

    [Test]
    public void LargeListsThroughStackExchangeRedis()
    {
        var key = K();
        var db = Db;
        var model = new List<string>();
        for (int i = 0; i < 2000; i++)
        {
            db.ListRightPush(key, $"item-{i}");
            model.Add($"item-{i}");
        }
        Assert.That(Run("OBJECT", "ENCODING", key), Is.EqualTo(Bulk("quicklist")));
        Assert.That(db.ListLength(key), Is.EqualTo(2000));
        Assert.That(db.ListGetByIndex(key, 1234).ToString(), Is.EqualTo("item-1234"));
        db.ListSetByIndex(key, 1500, "changed");
        model[1500] = "changed";
        db.ListInsertBefore(key, "item-700", "inserted");
        model.Insert(700, "inserted");
        Assert.That(db.ListRemove(key, "item-3"), Is.EqualTo(1));
        model.Remove("item-3");
        db.ListTrim(key, 10, -11);
        model = model.Skip(10).Take(model.Count - 20).ToList();
        Assert.That(db.ListRange(key).Select(v => v.ToString()), Is.EqualTo(model));
        Assert.That(db.ListRange(key, -5, -1).Select(v => v.ToString()), Is.EqualTo(model.TakeLast(5)));
        Assert.That(db.ListLeftPop(key, 3).Select(v => v.ToString()), Is.EqualTo(model.Take(3)));
        Assert.That(db.ListRightPop(key, 2).Select(v => v.ToString()), Is.EqualTo(new[] { model[^1], model[^2] }));
        Assert.That(db.ListPosition(key, "changed"), Is.EqualTo(model.IndexOf("changed") - 3));
    }
}

/// <summary>
/// Encoding conversions (listpack ⇄ quicklist) as OBJECT ENCODING shows them, on a server of its
/// own with small list-max-listpack-size values, plus the memory a deleted list gives back.
/// </summary>
[TestFixture]
public class ListEncodingTests : OwnServerFixture
{
    private RawRespClient _raw = null!;

    [SetUp]
    public void SetUp()
    {
        _raw = Server.CreateRawClient();
        Assert.That(Run("FLUSHALL"), Is.EqualTo("+OK\r\n"));
        Assert.That(Run("CONFIG", "SET", "list-max-listpack-size", "4"), Is.EqualTo("+OK\r\n"));
    }

    [TearDown]
    public void TearDown() => _raw.Dispose();

    private string Run(params string[] args) => _raw.Execute(args);

    private string EncodingOf(string key) => Run("OBJECT", "ENCODING", key);

    private static readonly string Listpack = Bulk("listpack");
    private static readonly string Quicklist = Bulk("quicklist");

    [Test]
    public void GrowingPastTheCountConvertsAndShrinkingToHalfConvertsBack()
    {
        Run("RPUSH", "l", "a", "b", "c", "d");
        Assert.That(EncodingOf("l"), Is.EqualTo(Listpack));
        Run("RPUSH", "l", "e");
        Assert.That(EncodingOf("l"), Is.EqualTo(Quicklist));
        Run("RPOP", "l");                 // one node of 4: above half the limit
        Assert.That(EncodingOf("l"), Is.EqualTo(Quicklist));
        Run("LPOP", "l");
        Assert.That(EncodingOf("l"), Is.EqualTo(Quicklist), "3 elements > 4/2");
        Run("LPOP", "l");
        Assert.That(EncodingOf("l"), Is.EqualTo(Listpack), "2 elements <= 4/2");
        Assert.That(Run("LRANGE", "l", "0", "-1"), Is.EqualTo("*2\r\n" + Bulk("c") + Bulk("d")));
    }

    [Test]
    public void APushOfManyElementsConvertsUpFront()
    {
        Run("RPUSH", "l", "1", "2", "3", "4", "5");
        Assert.That(EncodingOf("l"), Is.EqualTo(Quicklist));
        Run("LTRIM", "l", "0", "1");
        Assert.That(EncodingOf("l"), Is.EqualTo(Listpack), "LTRIM shrinks to one small node");
    }

    [Test]
    public void ByteLimitsConvertOnLargeElements()
    {
        Assert.That(Run("CONFIG", "SET", "list-max-listpack-size", "-1"), Is.EqualTo("+OK\r\n"));
        Run("RPUSH", "l", "a");
        Assert.That(EncodingOf("l"), Is.EqualTo(Listpack));
        Run("RPUSH", "l", new string('x', 5000));
        Assert.That(EncodingOf("l"), Is.EqualTo(Quicklist));
        Run("RPOP", "l");
        Assert.That(EncodingOf("l"), Is.EqualTo(Listpack));
        Run("LSET", "l", "0", new string('y', 5000));
        Assert.That(EncodingOf("l"), Is.EqualTo(Quicklist), "LSET grows like a push");
        Run("LSET", "l", "0", "z");
        Assert.That(EncodingOf("l"), Is.EqualTo(Listpack), "and shrinks back");
        Run("LINSERT", "l", "AFTER", "z", new string('w', 5000));
        Assert.That(EncodingOf("l"), Is.EqualTo(Quicklist));
        Assert.That(Run("LREM", "l", "0", new string('w', 5000)), Is.EqualTo(":1\r\n"));
        Assert.That(EncodingOf("l"), Is.EqualTo(Listpack));
    }

    [Test]
    public void LmoveConvertsTheDestinationAndTheSource()
    {
        Run("RPUSH", "src", "1", "2", "3", "4", "5");
        Run("RPUSH", "dst", "a", "b", "c", "d");
        Assert.That(EncodingOf("dst"), Is.EqualTo(Listpack));
        Run("LMOVE", "src", "dst", "LEFT", "RIGHT");
        Assert.That(EncodingOf("dst"), Is.EqualTo(Quicklist));
        Run("LMOVE", "src", "dst", "LEFT", "RIGHT");
        Run("LMOVE", "src", "dst", "LEFT", "RIGHT");
        Assert.That(EncodingOf("src"), Is.EqualTo(Quicklist), "nodes [4] [5]: deletions never merge nodes, as in Valkey");
        Run("LMOVE", "src", "dst", "LEFT", "RIGHT");
        Assert.That(EncodingOf("src"), Is.EqualTo(Listpack), "one node left, small enough");
        Assert.That(Run("LRANGE", "dst", "0", "-1"), Is.EqualTo("*8\r\n" + string.Concat(new[] { "a", "b", "c", "d", "1", "2", "3", "4" }.Select(Bulk))));
    }

    [Test]
    public void DeletingABigListReturnsItsMemory()
    {
        Assert.That(Run("CONFIG", "SET", "list-max-listpack-size", "-2"), Is.EqualTo("+OK\r\n"));
        Run("SET", "warmup", "x");
        // Without the client buffers: the 20 KB RPUSH requests grew this connection's query buffer,
        // which (as in Valkey) is kept until the connection has been idle for a while.
        long Used()
        {
            string memory = BulkText(Run("INFO", "memory"));
            return InfoParser.Field(memory, "used_memory") - InfoParser.Field(memory, "mem_clients_normal");
        }
        long baseline = Used();
        for (int batch = 0; batch < 20; batch++)
        {
            var args = new List<string> { "RPUSH", "big" };
            for (int i = 0; i < 500; i++) args.Add($"element-{batch}-{i}-{new string('p', i % 50)}");
            Run([.. args]);
        }
        Run("COPY", "big", "copy");
        Assert.That(Used(), Is.GreaterThan(baseline + 200_000));
        Assert.That(Run("DEL", "big", "copy"), Is.EqualTo(":2\r\n"));
        // DEL is lazy by default (lazyfree-lazy-user-del yes): the worker and the cron give the memory back shortly.
        SpinWait.SpinUntil(() => Used() == baseline, 10_000);
        Assert.That(Used(), Is.EqualTo(baseline));
    }
}
