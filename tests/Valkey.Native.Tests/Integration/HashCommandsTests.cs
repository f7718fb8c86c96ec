using System.Text;
using NUnit.Framework;
using StackExchange.Redis;
using Valkey.Native.Tests.Infrastructure;
using static Valkey.Native.Tests.Infrastructure.Resp;

namespace Valkey.Native.Tests.Integration;

/// <summary>
/// The hash basics (HSET, HMSET, HGET, HMGET, HGETALL, HDEL, HLEN, HEXISTS) against the shared
/// server: byte-exact replies in RESP2 and RESP3 over a raw socket, every error text, the generic
/// commands on hashes, and semantics through StackExchange.Redis. Every test uses keys prefixed
/// with its own name. Encoding conversions under small limits are in <see cref="HashEncodingTests"/>.
/// </summary>
[TestFixture]
public class HashCommandsTests : SharedServerFixture
{
    /// <summary>A key unique to the running test.</summary>
    private static string K(string name = "k") => $"{{hash}}:{TestContext.CurrentContext.Test.Name}:{name}";

    private const string Null2 = "$-1\r\n";
    private const string Null3 = "_\r\n";

    private void Resp3() => Assert.That(Run("HELLO", "3"), Does.StartWith("%"));

    // ---- HSET / HMSET ------------------------------------------------------------------------

    [Test]
    public void HsetRepliesWithTheNumberOfFieldsItCreated()
    {
        Assert.That(Run("HSET", K(), "a", "1", "b", "2"), Is.EqualTo(Int(2)));
        Assert.That(Run("HSET", K(), "a", "10", "b", "20"), Is.EqualTo(Int(0)), "updates create nothing");
        Assert.That(Run("HSET", K(), "b", "200", "c", "3"), Is.EqualTo(Int(1)));
        Assert.That(Run("HSET", K(), "d", "x", "d", "y"), Is.EqualTo(Int(1)), "a field repeated in one call counts once");
        Assert.That(Run("HGET", K(), "d"), Is.EqualTo(Bulk("y")), "the last value wins");
        Assert.That(Run("HGETALL", K()), Is.EqualTo("*8\r\n" + Bulk("a") + Bulk("10") + Bulk("b") + Bulk("200")
            + Bulk("c") + Bulk("3") + Bulk("d") + Bulk("y")));
    }

    [Test]
    public void HmsetRepliesOkAndSetsEveryPair()
    {
        Assert.That(Run("HMSET", K(), "a", "1", "b", "2"), Is.EqualTo(Ok));
        Assert.That(Run("HMSET", K(), "b", "x", "c", "3"), Is.EqualTo(Ok));
        Assert.That(Run("HMGET", K(), "a", "b", "c"), Is.EqualTo("*3\r\n" + Bulk("1") + Bulk("x") + Bulk("3")));
        Assert.That(Run("HLEN", K()), Is.EqualTo(Int(3)));
    }

    [Test]
    public void HsetCreatesAHashKey()
    {
        Assert.That(Run("EXISTS", K()), Is.EqualTo(Int(0)));
        Assert.That(Run("HSET", K(), "f", "v"), Is.EqualTo(Int(1)));
        Assert.That(Run("EXISTS", K()), Is.EqualTo(Int(1)));
        Assert.That(Run("TYPE", K()), Is.EqualTo("+hash\r\n"));
        Assert.That(Run("OBJECT", "ENCODING", K()), Is.EqualTo(Bulk("listpack")));
    }

    [Test]
    public void EmptyFieldsAndValuesAreStored()
    {
        Assert.That(Run("HSET", K(), "", "empty-field", "empty-value", ""), Is.EqualTo(Int(2)));
        Assert.That(Run("HGET", K(), ""), Is.EqualTo(Bulk("empty-field")));
        Assert.That(Run("HGET", K(), "empty-value"), Is.EqualTo("$0\r\n\r\n"));
        Assert.That(Run("HEXISTS", K(), ""), Is.EqualTo(Int(1)));
        Assert.That(Run("HGETALL", K()), Is.EqualTo("*4\r\n$0\r\n\r\n" + Bulk("empty-field") + Bulk("empty-value") + "$0\r\n\r\n"));
    }

    // ---- HGET / HMGET / HGETALL ----------------------------------------------------------------

    [Test]
    public void HgetRepliesWithTheValueOrANullBulk()
    {
        Run("HSET", K(), "f", "hello", "n", "12345");
        Assert.That(Run("HGET", K(), "f"), Is.EqualTo(Bulk("hello")));
        Assert.That(Run("HGET", K(), "n"), Is.EqualTo(Bulk("12345")));
        Assert.That(Run("HGET", K(), "F"), Is.EqualTo(Null2), "fields are case sensitive");
        Assert.That(Run("HGET", K(), "missing"), Is.EqualTo(Null2));
        Assert.That(Run("HGET", K("nokey"), "f"), Is.EqualTo(Null2));
    }

    [Test]
    public void HmgetRepliesWithOneSlotPerRequestedField()
    {
        Run("HSET", K(), "a", "1", "b", "2");
        Assert.That(Run("HMGET", K(), "a", "missing", "b", "a"),
            Is.EqualTo("*4\r\n" + Bulk("1") + Null2 + Bulk("2") + Bulk("1")));
        Assert.That(Run("HMGET", K("nokey"), "a", "b"), Is.EqualTo("*2\r\n" + Null2 + Null2));
    }

    [Test]
    public void HgetallRepliesWithPairsInInsertionOrderForAListpack()
    {
        Run("HSET", K(), "z", "26", "a", "1", "m", "13");
        Run("HSET", K(), "a", "one");
        Run("HDEL", K(), "z");
        Run("HSET", K(), "z", "last");
        Assert.That(Run("HGETALL", K()), Is.EqualTo("*6\r\n" + Bulk("a") + Bulk("one") + Bulk("m") + Bulk("13") + Bulk("z") + Bulk("last")));
        Assert.That(Run("HGETALL", K("nokey")), Is.EqualTo("*0\r\n"));
    }

    [Test]
    public void HgetallOfAHashtableHasEveryPairOnce()
    {
        var expected = new Dictionary<string, string>();
        var args = new List<string> { "HSET", K() };
        for (int i = 0; i < 700; i++)
        {
            args.Add($"field:{i}");
            args.Add($"value:{i * 3}");
            expected[$"field:{i}"] = $"value:{i * 3}";
        }
        Assert.That(Run(args.ToArray()), Is.EqualTo(Int(700)));
        Assert.That(Run("OBJECT", "ENCODING", K()), Is.EqualTo(Bulk("hashtable")));
        var all = Db.HashGetAll(K());
        Assert.That(all.ToDictionary(e => (string)e.Name!, e => (string)e.Value!), Is.EquivalentTo(expected));
        Assert.That(Run("HGETALL", K()), Does.StartWith("*1400\r\n"));
    }

    // ---- HDEL / HLEN / HEXISTS -------------------------------------------------------------------

    [Test]
    public void HdelRepliesWithTheNumberOfFieldsRemoved()
    {
        Run("HSET", K(), "a", "1", "b", "2", "c", "3", "d", "4");
        Assert.That(Run("HDEL", K(), "a"), Is.EqualTo(Int(1)));
        Assert.That(Run("HDEL", K(), "a"), Is.EqualTo(Int(0)));
        Assert.That(Run("HDEL", K(), "b", "missing", "c"), Is.EqualTo(Int(2)));
        Assert.That(Run("HDEL", K(), "d", "d"), Is.EqualTo(Int(1)), "a repeated field is removed once");
        Assert.That(Run("HDEL", K("nokey"), "a"), Is.EqualTo(Int(0)));
    }

    [Test]
    public void HdelOfTheLastFieldDeletesTheKey()
    {
        Run("HSET", K(), "a", "1", "b", "2");
        Assert.That(Run("HDEL", K(), "a"), Is.EqualTo(Int(1)));
        Assert.That(Run("EXISTS", K()), Is.EqualTo(Int(1)));
        Assert.That(Run("HDEL", K(), "b"), Is.EqualTo(Int(1)));
        Assert.That(Run("EXISTS", K()), Is.EqualTo(Int(0)));
        Assert.That(Run("TYPE", K()), Is.EqualTo("+none\r\n"));
        Assert.That(Run("HLEN", K()), Is.EqualTo(Int(0)));
        Assert.That(Run("HGETALL", K()), Is.EqualTo("*0\r\n"));
        Assert.That(Run("OBJECT", "ENCODING", K()), Is.EqualTo(Null2));
    }

    [Test]
    public void HdelEmptyingTheHashBeforeItsLastArgumentStopsThere()
    {
        Run("HSET", K(), "a", "1", "b", "2");
        Assert.That(Run("HDEL", K(), "a", "x", "b", "a", "c"), Is.EqualTo(Int(2)));
        Assert.That(Run("EXISTS", K()), Is.EqualTo(Int(0)));
        // A string key written afterwards under the same name is unaffected by the old hash.
        Assert.That(Run("SET", K(), "s"), Is.EqualTo(Ok));
        Assert.That(Run("TYPE", K()), Is.EqualTo("+string\r\n"));
    }

    [Test]
    public void HdelOfTheLastFieldOfAHashtableDeletesTheKey()
    {
        var args = new List<string> { "HSET", K() };
        for (int i = 0; i < 600; i++) { args.Add($"f{i}"); args.Add("v"); }
        Run(args.ToArray());
        Assert.That(Run("OBJECT", "ENCODING", K()), Is.EqualTo(Bulk("hashtable")));
        args[0] = "HDEL";
        args = args.Where((_, i) => i < 2 || i % 2 == 0).ToList();
        Assert.That(Run(args.ToArray()), Is.EqualTo(Int(600)));
        Assert.That(Run("EXISTS", K()), Is.EqualTo(Int(0)));
    }

    [Test]
    public void HlenAndHexists()
    {
        Assert.That(Run("HLEN", K()), Is.EqualTo(Int(0)));
        Assert.That(Run("HEXISTS", K(), "a"), Is.EqualTo(Int(0)));
        Run("HSET", K(), "a", "1", "b", "2", "c", "3");
        Assert.That(Run("HLEN", K()), Is.EqualTo(Int(3)));
        Assert.That(Run("HEXISTS", K(), "a"), Is.EqualTo(Int(1)));
        Assert.That(Run("HEXISTS", K(), "1"), Is.EqualTo(Int(0)), "a value is not a field");
        Run("HDEL", K(), "a");
        Assert.That(Run("HEXISTS", K(), "a"), Is.EqualTo(Int(0)));
        Assert.That(Run("HLEN", K()), Is.EqualTo(Int(2)));
    }

    // ---- RESP3 -----------------------------------------------------------------------------------

    [Test]
    public void Resp3RepliesAreByteExact()
    {
        Resp3();
        Assert.That(Run("HSET", K(), "a", "1", "b", "2"), Is.EqualTo(Int(2)));
        Assert.That(Run("HMSET", K(), "c", "3"), Is.EqualTo(Ok));
        Assert.That(Run("HGET", K(), "a"), Is.EqualTo(Bulk("1")));
        Assert.That(Run("HGET", K(), "zz"), Is.EqualTo(Null3));
        Assert.That(Run("HGET", K("nokey"), "a"), Is.EqualTo(Null3));
        Assert.That(Run("HMGET", K(), "a", "zz", "c"), Is.EqualTo("*3\r\n" + Bulk("1") + Null3 + Bulk("3")));
        Assert.That(Run("HMGET", K("nokey"), "a"), Is.EqualTo("*1\r\n" + Null3));
        Assert.That(Run("HGETALL", K()), Is.EqualTo("%3\r\n" + Bulk("a") + Bulk("1") + Bulk("b") + Bulk("2") + Bulk("c") + Bulk("3")));
        Assert.That(Run("HGETALL", K("nokey")), Is.EqualTo("%0\r\n"));
        Assert.That(Run("HLEN", K()), Is.EqualTo(Int(3)));
        Assert.That(Run("HEXISTS", K(), "a"), Is.EqualTo(Int(1)), "HEXISTS is an integer, not a RESP3 boolean");
        Assert.That(Run("HEXISTS", K(), "zz"), Is.EqualTo(Int(0)));
        Assert.That(Run("HDEL", K(), "a", "b", "c"), Is.EqualTo(Int(3)));
        Assert.That(Run("HGETALL", K()), Is.EqualTo("%0\r\n"));
        Assert.That(Run("HSET", K(), "x"), Is.EqualTo(Err("ERR wrong number of arguments for 'hset' command")));
        Run("SET", K("str"), "v");
        Assert.That(Run("HGETALL", K("str")), Is.EqualTo(WrongType));
    }

    [Test]
    public void Resp3HgetallOfAHashtableIsAMapOfEveryPair()
    {
        Resp3();
        var args = new List<string> { "HSET", K() };
        for (int i = 0; i < 520; i++) { args.Add($"f{i}"); args.Add($"{i}"); }
        Run(args.ToArray());
        string reply = Run("HGETALL", K());
        Assert.That(reply, Does.StartWith("%520\r\n"));
        for (int i = 0; i < 520; i++) Assert.That(reply, Does.Contain("\r\n" + Bulk($"f{i}") + Bulk($"{i}")));
    }

    // ---- errors ----------------------------------------------------------------------------------

    [TestCase("hset", "HSET")]
    [TestCase("hset", "HSET", "k")]
    [TestCase("hset", "HSET", "k", "f")]
    [TestCase("hset", "hset", "k", "f", "v", "f2")]
    [TestCase("hset", "HsEt", "k", "f", "v", "f2", "v2", "f3")]
    [TestCase("hmset", "HMSET", "k")]
    [TestCase("hmset", "HMSET", "k", "f")]
    [TestCase("hmset", "HMSET", "k", "f", "v", "f2")]
    [TestCase("hget", "HGET", "k")]
    [TestCase("hget", "HGET", "k", "f", "g")]
    [TestCase("hmget", "HMGET", "k")]
    [TestCase("hgetall", "HGETALL")]
    [TestCase("hgetall", "HGETALL", "k", "x")]
    [TestCase("hdel", "HDEL", "k")]
    [TestCase("hlen", "HLEN")]
    [TestCase("hlen", "HLEN", "k", "x")]
    [TestCase("hexists", "HEXISTS", "k")]
    [TestCase("hexists", "HEXISTS", "k", "f", "g")]
    public void WrongNumberOfArguments(string name, params string[] command)
    {
        if (command.Length > 1) command[1] = K();
        Assert.That(Run(command), Is.EqualTo(Err($"ERR wrong number of arguments for '{name}' command")));
        Assert.That(Run("EXISTS", K()), Is.EqualTo(Int(0)), "a rejected command creates nothing");
    }

    [Test]
    public void AnOddHsetLeavesAnExistingHashUnchanged()
    {
        Run("HSET", K(), "a", "1");
        Assert.That(Run("HSET", K(), "a", "2", "b"), Is.EqualTo(Err("ERR wrong number of arguments for 'hset' command")));
        Assert.That(Run("HMSET", K(), "a", "2", "b"), Is.EqualTo(Err("ERR wrong number of arguments for 'hmset' command")));
        Assert.That(Run("HGETALL", K()), Is.EqualTo("*2\r\n" + Bulk("a") + Bulk("1")));
    }

    [TestCase("HSET", "f", "v")]
    [TestCase("HMSET", "f", "v")]
    [TestCase("HGET", "f")]
    [TestCase("HMGET", "f", "g")]
    [TestCase("HGETALL")]
    [TestCase("HDEL", "f")]
    [TestCase("HLEN")]
    [TestCase("HEXISTS", "f")]
    public void HashCommandsAgainstAStringKeyAreWrongType(string command, params string[] rest)
    {
        Assert.That(Run("SET", K(), "string value"), Is.EqualTo(Ok));
        Assert.That(Run([command, K(), .. rest]), Is.EqualTo(WrongType));
        Assert.That(Run("GET", K()), Is.EqualTo(Bulk("string value")), "the string is untouched");
        Assert.That(Run("TYPE", K()), Is.EqualTo("+string\r\n"));
    }

    [Test]
    public void HashCommandsAgainstAnIntegerStringAreWrongType()
    {
        Run("SET", K(), "12345");
        Assert.That(Run("HGET", K(), "f"), Is.EqualTo(WrongType));
        Assert.That(Run("HSET", K(), "f", "v"), Is.EqualTo(WrongType));
        Assert.That(Run("GET", K()), Is.EqualTo(Bulk("12345")));
    }

    [TestCase("GET")]
    [TestCase("STRLEN")]
    [TestCase("APPEND", "x")]
    [TestCase("INCR")]
    [TestCase("INCRBY", "2")]
    [TestCase("GETRANGE", "0", "-1")]
    [TestCase("SETRANGE", "0", "x")]
    [TestCase("GETDEL")]
    [TestCase("GETSET", "x")]
    public void StringCommandsAgainstAHashAreWrongType(string command, params string[] rest)
    {
        Run("HSET", K(), "f", "v");
        Assert.That(Run([command, K(), .. rest]), Is.EqualTo(WrongType));
        Assert.That(Run("HGETALL", K()), Is.EqualTo("*2\r\n" + Bulk("f") + Bulk("v")), "the hash is untouched");
    }

    [Test]
    public void MgetSkipsAHashAsNull()
    {
        Run("HSET", K("h"), "f", "v");
        Run("SET", K("s"), "str");
        Assert.That(Run("MGET", K("h"), K("s")), Is.EqualTo("*2\r\n" + Null2 + Bulk("str")));
    }

    [TestCase(false)]
    [TestCase(true)]
    public void SetReplacesAHash(bool big)
    {
        var args = new List<string> { "HSET", K() };
        for (int i = 0; i < (big ? 600 : 3); i++) { args.Add($"f{i}"); args.Add("v"); }
        Run(args.ToArray());
        Assert.That(Run("SET", K(), "now a string"), Is.EqualTo(Ok));
        Assert.That(Run("TYPE", K()), Is.EqualTo("+string\r\n"));
        Assert.That(Run("HGET", K(), "f0"), Is.EqualTo(WrongType));
        Assert.That(Run("DEL", K()), Is.EqualTo(Int(1)));
        Assert.That(Run("HSET", K(), "new", "1"), Is.EqualTo(Int(1)));
        Assert.That(Run("HGETALL", K()), Is.EqualTo("*2\r\n" + Bulk("new") + Bulk("1")));
    }

    // ---- binary safety and size -----------------------------------------------------------------

    [Test]
    public void FieldsAndValuesAreBinarySafe()
    {
        // Within the listpack limits (64 bytes), so HGETALL's order is the insertion order.
        byte[] low = Enumerable.Range(0, 64).Select(i => (byte)i).ToArray();
        byte[] high = Enumerable.Range(192, 64).Select(i => (byte)i).ToArray();
        byte[] crlf = "a\r\nb\r\n$3\r\n*1\r\n"u8.ToArray();
        byte[] nul = [0, 0, 0];
        byte[] key = Encoding.UTF8.GetBytes(K());
        Client.SendCommand("HSET"u8.ToArray(), key, low, crlf, crlf, high, nul, nul);
        Assert.That(Client.ReadReply(), Is.EqualTo(Int(3)));
        Assert.That(Run("OBJECT", "ENCODING", K()), Is.EqualTo(Bulk("listpack")));

        Client.SendCommand("HGET"u8.ToArray(), key, low);
        Assert.That(Client.ReadReplyBytes(), Is.EqualTo(BulkBytes(crlf)));
        Client.SendCommand("HGET"u8.ToArray(), key, crlf);
        Assert.That(Client.ReadReplyBytes(), Is.EqualTo(BulkBytes(high)));
        Client.SendCommand("HGET"u8.ToArray(), key, new byte[] { 0, 0 });
        Assert.That(Client.ReadReply(), Is.EqualTo(Null2), "a prefix of a binary field is another field");

        Client.SendCommand("HGETALL"u8.ToArray(), key);
        byte[] expected = [.. "*6\r\n"u8, .. BulkBytes(low), .. BulkBytes(crlf), .. BulkBytes(crlf), .. BulkBytes(high),
            .. BulkBytes(nul), .. BulkBytes(nul)];
        Assert.That(Client.ReadReplyBytes(), Is.EqualTo(expected));

        var entries = Db.HashGetAll(K());
        Assert.That(entries.Select(e => (byte[])e.Name!), Is.EqualTo(new[] { low, crlf, nul }));
        Assert.That(Db.HashDelete(K(), low), Is.True);
        Assert.That(Db.HashExists(K(), low), Is.False);
        Assert.That((byte[]?)Db.HashGet(K(), nul), Is.EqualTo(nul));
    }

    [Test]
    public void BinaryFieldsAndValuesSurviveTheHashtable()
    {
        byte[] allBytes = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        byte[] reversed = allBytes.Reverse().ToArray();
        byte[] key = Encoding.UTF8.GetBytes(K());
        Client.SendCommand("HSET"u8.ToArray(), key, allBytes, reversed, reversed, allBytes, "\r\n"u8.ToArray(), "\0"u8.ToArray());
        Assert.That(Client.ReadReply(), Is.EqualTo(Int(3)));
        Assert.That(Run("OBJECT", "ENCODING", K()), Is.EqualTo(Bulk("hashtable")));
        Client.SendCommand("HMGET"u8.ToArray(), key, allBytes, reversed, "\r\n"u8.ToArray(), allBytes[..255]);
        Assert.That(Client.ReadReplyBytes(),
            Is.EqualTo((byte[])[.. "*4\r\n"u8, .. BulkBytes(reversed), .. BulkBytes(allBytes), .. BulkBytes("\0"u8.ToArray()), .. "$-1\r\n"u8]));
        var all = Db.HashGetAll(K()).ToDictionary(e => Convert.ToHexString((byte[])e.Name!), e => (byte[])e.Value!);
        Assert.That(all, Has.Count.EqualTo(3));
        Assert.That(all[Convert.ToHexString(allBytes)], Is.EqualTo(reversed));
        Assert.That(all[Convert.ToHexString(reversed)], Is.EqualTo(allBytes));
        Assert.That(all[Convert.ToHexString("\r\n"u8.ToArray())], Is.EqualTo("\0"u8.ToArray()));
    }

    private static byte[] BulkBytes(byte[] value) => [.. Encoding.ASCII.GetBytes($"${value.Length}\r\n"), .. value, .. "\r\n"u8];

    [Test]
    public void AOneMegabyteValueRoundTrips()
    {
        var rng = new Random(5);
        var big = new byte[1024 * 1024];
        rng.NextBytes(big);
        Assert.That(Db.HashSet(K(), "small", "s"), Is.True);
        Assert.That(Db.HashSet(K(), "big", big), Is.True);
        Assert.That((byte[]?)Db.HashGet(K(), "big"), Is.EqualTo(big));
        Assert.That(Run("OBJECT", "ENCODING", K()), Is.EqualTo(Bulk("hashtable")));
        Assert.That(Run("HLEN", K()), Is.EqualTo(Int(2)));

        Client.SendCommand("HGET", K(), "big");
        byte[] reply = Client.ReadReplyBytes();
        Assert.That(reply, Is.EqualTo(BulkBytes(big)));

        // Replace it with something smaller and bigger again.
        big[0] ^= 0xFF;
        Assert.That(Db.HashSet(K(), "big", big.AsMemory(0, 1000).ToArray()), Is.False);
        Assert.That(((byte[]?)Db.HashGet(K(), "big"))!.Length, Is.EqualTo(1000));
        Assert.That(Db.HashSet(K(), "big", big), Is.False);
        var all = Db.HashGetAll(K()).ToDictionary(e => (string)e.Name!, e => (byte[])e.Value!);
        Assert.That(all["big"], Is.EqualTo(big));
        Assert.That(all["small"], Is.EqualTo("s"u8.ToArray()));
    }

    // ---- generic commands on hashes ------------------------------------------------------------

    private Dictionary<string, string> Contents(string key, int db = 0) =>
        SharedServer.Connection.GetDatabase(db).HashGetAll(key).ToDictionary(e => (string)e.Name!, e => (string)e.Value!);

    private Dictionary<string, string> Fill(string key, int fields)
    {
        var entries = Enumerable.Range(0, fields).Select(i => new HashEntry($"field{i}", $"value{i}")).ToArray();
        Db.HashSet(key, entries);
        return entries.ToDictionary(e => (string)e.Name!, e => (string)e.Value!);
    }

    [TestCase(5, "listpack")]
    [TestCase(600, "hashtable")]
    public void CopyDuplicatesEveryFieldIndependently(int fields, string encoding)
    {
        var expected = Fill(K("src"), fields);
        Assert.That(Run("COPY", K("src"), K("dst")), Is.EqualTo(Int(1)));
        Assert.That(Contents(K("dst")), Is.EquivalentTo(expected));
        Assert.That(Run("OBJECT", "ENCODING", K("dst")), Is.EqualTo(Bulk(encoding)));
        Assert.That(Run("TYPE", K("dst")), Is.EqualTo("+hash\r\n"));

        Assert.That(Run("HSET", K("dst"), "field0", "changed", "extra", "x"), Is.EqualTo(Int(1)));
        Assert.That(Run("HDEL", K("dst"), "field1"), Is.EqualTo(Int(1)));
        Assert.That(Contents(K("src")), Is.EquivalentTo(expected), "the source is not affected by changes to the copy");
        Assert.That(Run("DEL", K("src")), Is.EqualTo(Int(1)));
        Assert.That(Run("HGET", K("dst"), "field0"), Is.EqualTo(Bulk("changed")));
        Assert.That(Run("HLEN", K("dst")), Is.EqualTo(Int(fields)));

        // COPY onto an existing hash needs REPLACE.
        Fill(K("src"), 2);
        Assert.That(Run("COPY", K("src"), K("dst")), Is.EqualTo(Int(0)));
        Assert.That(Run("COPY", K("src"), K("dst"), "REPLACE"), Is.EqualTo(Int(1)));
        Assert.That(Contents(K("dst")), Has.Count.EqualTo(2));
    }

    [TestCase(5)]
    [TestCase(600)]
    public void RenameKeepsEveryField(int fields)
    {
        var expected = Fill(K("a"), fields);
        Run("EXPIRE", K("a"), "1000");
        Assert.That(Run("RENAME", K("a"), K("b")), Is.EqualTo(Ok));
        Assert.That(Run("EXISTS", K("a")), Is.EqualTo(Int(0)));
        Assert.That(Contents(K("b")), Is.EquivalentTo(expected));
        Assert.That(Db.KeyTimeToLive(K("b")), Is.Not.Null, "the TTL moves with the hash");
        // RENAME over an existing hash replaces it.
        Fill(K("c"), 3);
        Assert.That(Run("RENAME", K("c"), K("b")), Is.EqualTo(Ok));
        Assert.That(Contents(K("b")), Has.Count.EqualTo(3));
        Assert.That(Run("RENAMENX", K("b"), K("d")), Is.EqualTo(Int(1)));
        Assert.That(Run("HLEN", K("d")), Is.EqualTo(Int(3)));
    }

    [TestCase(5)]
    [TestCase(600)]
    public void MoveKeepsEveryField(int fields)
    {
        var expected = Fill(K(), fields);
        try
        {
            Assert.That(Run("MOVE", K(), "9"), Is.EqualTo(Int(1)));
            Assert.That(Run("EXISTS", K()), Is.EqualTo(Int(0)));
            Assert.That(Contents(K(), 9), Is.EquivalentTo(expected));
            Assert.That(Run("SELECT", "9"), Is.EqualTo(Ok));
            Assert.That(Run("HSET", K(), "field0", "in db 9"), Is.EqualTo(Int(0)));
            Assert.That(Run("MOVE", K(), "0"), Is.EqualTo(Int(1)));
            Assert.That(Run("SELECT", "0"), Is.EqualTo(Ok));
            Assert.That(Run("HGET", K(), "field0"), Is.EqualTo(Bulk("in db 9")));
            Assert.That(Run("HLEN", K()), Is.EqualTo(Int(fields)));
        }
        finally
        {
            SharedServer.Connection.GetDatabase(9).KeyDelete(K());
        }
    }

    [Test]
    public void CopyToAnotherDatabaseKeepsEveryField()
    {
        var expected = Fill(K(), 20);
        try
        {
            Assert.That(Run("COPY", K(), K(), "DB", "8"), Is.EqualTo(Int(1)));
            Assert.That(Contents(K(), 8), Is.EquivalentTo(expected));
            Assert.That(Contents(K()), Is.EquivalentTo(expected));
        }
        finally
        {
            SharedServer.Connection.GetDatabase(8).KeyDelete(K());
        }
    }

    [Test]
    public void TypeAndScanTypeSeeHashes()
    {
        string prefix = K("");
        foreach (var n in new[] { "h1", "h2", "h3" }) Run("HSET", K(n), "f", "v");
        Fill(K("h4"), 600);
        Run("SET", K("s1"), "v");
        Run("SET", K("s2"), "1");
        Assert.That(Run("TYPE", K("h1")), Is.EqualTo("+hash\r\n"));
        Assert.That(Run("TYPE", K("h4")), Is.EqualTo("+hash\r\n"));

        Assert.That(ScanAll(prefix + "*", "hash"), Is.EquivalentTo(new[] { K("h1"), K("h2"), K("h3"), K("h4") }));
        Assert.That(ScanAll(prefix + "*", "HASH"), Is.EquivalentTo(new[] { K("h1"), K("h2"), K("h3"), K("h4") }));
        Assert.That(ScanAll(prefix + "*", "string"), Is.EquivalentTo(new[] { K("s1"), K("s2") }));
        Run("HDEL", K("h1"), "f");
        Assert.That(ScanAll(prefix + "*", "hash"), Is.EquivalentTo(new[] { K("h2"), K("h3"), K("h4") }));
    }

    /// <summary>Every key a full SCAN ... MATCH ... TYPE iteration returns (duplicates removed).</summary>
    private List<string> ScanAll(string pattern, string type)
    {
        var found = new HashSet<string>();
        string cursor = "0";
        do
        {
            var page = (RedisResult[])Db.Execute("SCAN", cursor, "MATCH", pattern, "COUNT", "1000", "TYPE", type)!;
            cursor = (string)page[0]!;
            foreach (var key in (RedisResult[])page[1]!) found.Add((string)key!);
        } while (cursor != "0");
        return found.ToList();
    }

    [Test]
    public void ExpireAppliesToHashesAndHsetKeepsTheTtl()
    {
        Run("HSET", K(), "a", "1");
        Assert.That(Run("EXPIRE", K(), "1000"), Is.EqualTo(Int(1)));
        Assert.That(Run("HSET", K(), "b", "2"), Is.EqualTo(Int(1)));
        Assert.That(Run("TTL", K()), Does.Match(@"^:(99\d|1000)\r\n$"), "HSET does not clear the TTL");
        Assert.That(Run("HDEL", K(), "a"), Is.EqualTo(Int(1)));
        Assert.That(Run("TTL", K()), Does.Match(@"^:(99\d|1000)\r\n$"));

        Run("HSET", K("short"), "a", "1", "b", "2");
        Assert.That(Run("PEXPIRE", K("short"), "1"), Is.EqualTo(Int(1)));
        Thread.Sleep(20);
        Assert.That(Run("HGET", K("short"), "a"), Is.EqualTo(Null2));
        Assert.That(Run("HSET", K("short"), "c", "3"), Is.EqualTo(Int(1)), "an expired hash is replaced by a new one");
        Assert.That(Run("HGETALL", K("short")), Is.EqualTo("*2\r\n" + Bulk("c") + Bulk("3")));
        Assert.That(Run("TTL", K("short")), Is.EqualTo(Int(-1)));
    }

    [Test]
    public void DefaultLimitsDecideTheEncoding()
    {
        // The shared server runs with the defaults: 512 entries, 64-byte fields and values.
        Assert.That(Run("CONFIG", "GET", "hash-max-listpack-entries"), Is.EqualTo("*2\r\n" + Bulk("hash-max-listpack-entries") + Bulk("512")));
        Assert.That(Run("CONFIG", "GET", "hash-max-listpack-value"), Is.EqualTo("*2\r\n" + Bulk("hash-max-listpack-value") + Bulk("64")));
        Fill(K("n"), 512);
        Assert.That(Run("OBJECT", "ENCODING", K("n")), Is.EqualTo(Bulk("listpack")));
        Assert.That(Run("HSET", K("n"), "one-more", "v"), Is.EqualTo(Int(1)));
        Assert.That(Run("OBJECT", "ENCODING", K("n")), Is.EqualTo(Bulk("hashtable")));

        Run("HSET", K("v"), "f", new string('x', 64));
        Assert.That(Run("OBJECT", "ENCODING", K("v")), Is.EqualTo(Bulk("listpack")));
        Run("HSET", K("v"), "f", new string('x', 65));
        Assert.That(Run("OBJECT", "ENCODING", K("v")), Is.EqualTo(Bulk("hashtable")));

        Run("HSET", K("f"), new string('x', 65), "v");
        Assert.That(Run("OBJECT", "ENCODING", K("f")), Is.EqualTo(Bulk("hashtable")));
    }

    // ---- StackExchange.Redis and pipelining -------------------------------------------------------

    [Test]
    public void StackExchangeRedisHashApi()
    {
        Assert.That(Db.HashSet(K(), "a", "1"), Is.True);
        Assert.That(Db.HashSet(K(), "a", "2"), Is.False);
        Db.HashSet(K(), [new HashEntry("b", "x"), new HashEntry("c", 42)]);
        Assert.That(Db.HashLength(K()), Is.EqualTo(3));
        Assert.That(Db.HashExists(K(), "c"), Is.True);
        Assert.That((long)Db.HashGet(K(), "c"), Is.EqualTo(42));
        Assert.That(Db.HashGet(K(), ["a", "nope", "b"]).Select(v => v.IsNull ? null : (string?)v), Is.EqualTo(new[] { "2", null, "x" }));
        Assert.That(Db.HashGetAll(K()).Select(e => $"{e.Name}={e.Value}"), Is.EqualTo(new[] { "a=2", "b=x", "c=42" }));
        Assert.That(Db.HashDelete(K(), ["a", "nope"]), Is.EqualTo(1));
        Assert.That(Db.HashDelete(K(), "b"), Is.True);
        Assert.That(Db.HashDelete(K(), "c"), Is.True);
        Assert.That(Db.KeyExists(K()), Is.False);
        Assert.That(Db.KeyType(K()), Is.EqualTo(RedisType.None));
        Db.HashSet(K(), "x", "y");
        Assert.That(Db.KeyType(K()), Is.EqualTo(RedisType.Hash));
        Db.StringSet(K("s"), "v");
        Assert.That(() => Db.HashGet(K("s"), "f"), Throws.InstanceOf<RedisServerException>().With.Message.StartsWith("WRONGTYPE"));
        Assert.That(() => Db.StringGet(K()), Throws.InstanceOf<RedisServerException>().With.Message.StartsWith("WRONGTYPE"));
    }

    [Test]
    public void PipelinedCommandsReplyInOrder()
    {
        var request = new List<byte>();
        for (int i = 0; i < 200; i++) request.AddRange(RawRespClient.EncodeCommand("HSET", K(), $"f{i % 50}", $"v{i}"));
        request.AddRange(RawRespClient.EncodeCommand("HLEN", K()));
        request.AddRange(RawRespClient.EncodeCommand("HGET", K(), "f49"));
        Client.Send(request.ToArray());
        var replies = Client.ReadReplies(202);
        Assert.That(replies.Take(50), Is.All.EqualTo(Int(1)));
        Assert.That(replies.Skip(50).Take(150), Is.All.EqualTo(Int(0)));
        Assert.That(replies[200], Is.EqualTo(Int(50)));
        Assert.That(replies[201], Is.EqualTo(Bulk("v199")));
    }

    [Test]
    public void RandomOperationsMatchADictionaryAcrossTheConversion()
    {
        var rng = new Random(1234);
        var model = new Dictionary<string, string>();
        var order = new List<string>();
        bool table = false;
        for (int op = 0; op < 1500; op++)
        {
            string field = rng.Next(10) == 0 ? $"long-field-{rng.Next(3)}-{new string('f', 70)}" : $"f{rng.Next(700)}";
            if (rng.Next(4) == 0)
            {
                bool existed = model.Remove(field);
                order.Remove(field);
                Assert.That(Run("HDEL", K(), field), Is.EqualTo(Int(existed ? 1 : 0)), $"op {op}");
            }
            else
            {
                string value = new string((char)('a' + rng.Next(26)), rng.Next(0, 80));
                bool added = !model.ContainsKey(field);
                if (added) order.Add(field);
                model[field] = value;
                if (field.Length > 64 || value.Length > 64 || model.Count > 512) table = true;
                Assert.That(Run("HSET", K(), field, value), Is.EqualTo(Int(added ? 1 : 0)), $"op {op}");
            }
            if (model.Count == 0) table = false; // the key is gone; a new hash starts as a listpack
            if (op % 100 == 99 || op == 1499)
            {
                Assert.That(Run("HLEN", K()), Is.EqualTo(Int(model.Count)), $"op {op}");
                var all = Db.HashGetAll(K());
                if (!table) Assert.That(all.Select(e => (string)e.Name!), Is.EqualTo(order), $"insertion order, op {op}");
                Assert.That(all.ToDictionary(e => (string)e.Name!, e => (string)e.Value!), Is.EquivalentTo(model), $"op {op}");
                Assert.That(Run("OBJECT", "ENCODING", K()),
                    Is.EqualTo(model.Count == 0 ? Null2 : Bulk(table ? "hashtable" : "listpack")), $"op {op}");
            }
        }
    }
}

/// <summary>
/// Listpack → hashtable conversion under small limits set with CONFIG SET, on a server of its own.
/// </summary>
[TestFixture]
[NonParallelizable]
public class HashEncodingTests : OwnServerFixture
{
    private RawRespClient _raw = null!;

    [SetUp]
    public void SetUp()
    {
        _raw = Server.CreateRawClient();
        Assert.That(Run("FLUSHALL"), Is.EqualTo("+OK\r\n"));
        Assert.That(Run("CONFIG", "SET", "hash-max-listpack-entries", "4", "hash-max-listpack-value", "8"), Is.EqualTo("+OK\r\n"));
    }

    [TearDown]
    public void TearDown() => _raw.Dispose();

    private string Run(params string[] args) => _raw.Execute(args);

    private string EncodingOf(string key) => Run("OBJECT", "ENCODING", key);

    private static readonly string Listpack = Bulk("listpack");
    private static readonly string Hashtable = Bulk("hashtable");

    [Test]
    public void GrowingPastTheEntryLimitConverts()
    {
        for (int i = 1; i <= 4; i++)
        {
            Assert.That(Run("HSET", "h", $"f{i}", $"v{i}"), Is.EqualTo(":1\r\n"));
            Assert.That(EncodingOf("h"), Is.EqualTo(Listpack), $"{i} fields");
        }
        Assert.That(Run("HSET", "h", "f2", "updated"), Is.EqualTo(":0\r\n"));
        Assert.That(EncodingOf("h"), Is.EqualTo(Listpack), "an update at the limit keeps the listpack");
        Assert.That(Run("HSET", "h", "f5", "v5"), Is.EqualTo(":1\r\n"));
        Assert.That(EncodingOf("h"), Is.EqualTo(Hashtable));
        Assert.That(Run("HLEN", "h"), Is.EqualTo(":5\r\n"));
        Assert.That(Run("HMGET", "h", "f1", "f2", "f3", "f4", "f5"),
            Is.EqualTo("*5\r\n" + Bulk("v1") + Bulk("updated") + Bulk("v3") + Bulk("v4") + Bulk("v5")));

        // Shrinking never converts back.
        Assert.That(Run("HDEL", "h", "f1", "f2", "f3", "f4"), Is.EqualTo(":4\r\n"));
        Assert.That(EncodingOf("h"), Is.EqualTo(Hashtable));
        Assert.That(Run("HGETALL", "h"), Is.EqualTo("*2\r\n" + Bulk("f5") + Bulk("v5")));
    }

    [Test]
    public void OneHsetWithManyPairsConverts()
    {
        Assert.That(Run("HSET", "h", "a", "1", "b", "2", "c", "3", "d", "4", "e", "5"), Is.EqualTo(":5\r\n"));
        Assert.That(EncodingOf("h"), Is.EqualTo(Hashtable));
        Assert.That(Run("HMSET", "m", "a", "1", "b", "2", "c", "3", "d", "4"), Is.EqualTo("+OK\r\n"));
        Assert.That(EncodingOf("m"), Is.EqualTo(Listpack));
        Assert.That(Run("HMSET", "m", "e", "5"), Is.EqualTo("+OK\r\n"));
        Assert.That(EncodingOf("m"), Is.EqualTo(Hashtable));
    }

    [Test]
    public void MorePairsThanTheLimitConvertEvenIfTheyRepeatAField()
    {
        // Valkey's hashTypeTryConversion goes by the number of pairs in the command.
        Assert.That(Run("HSET", "h", "f", "1", "f", "2", "f", "3", "f", "4", "f", "5"), Is.EqualTo(":1\r\n"));
        Assert.That(Run("HLEN", "h"), Is.EqualTo(":1\r\n"));
        Assert.That(EncodingOf("h"), Is.EqualTo(Hashtable));
        Assert.That(Run("HSET", "g", "f", "1", "f", "2", "f", "3", "f", "4"), Is.EqualTo(":1\r\n"));
        Assert.That(EncodingOf("g"), Is.EqualTo(Listpack));
    }

    [TestCase("value")]
    [TestCase("field")]
    [TestCase("update")]
    public void ALongFieldOrValueConverts(string which)
    {
        Assert.That(Run("HSET", "h", "12345678", "abcdefgh"), Is.EqualTo(":1\r\n"));
        Assert.That(EncodingOf("h"), Is.EqualTo(Listpack), "exactly the limit fits");
        string reply = which switch
        {
            "value" => Run("HSET", "h", "f", "123456789"),
            "field" => Run("HSET", "h", "123456789", "v"),
            _ => Run("HSET", "h", "12345678", "123456789"),
        };
        Assert.That(reply, Is.EqualTo(which == "update" ? ":0\r\n" : ":1\r\n"));
        Assert.That(EncodingOf("h"), Is.EqualTo(Hashtable));
        Assert.That(Run("HGET", "h", "12345678"), Is.EqualTo(Bulk(which == "update" ? "123456789" : "abcdefgh")));
    }

    [Test]
    public void LoweringTheLimitConvertsOnTheNextWrite()
    {
        Assert.That(Run("CONFIG", "SET", "hash-max-listpack-entries", "10"), Is.EqualTo("+OK\r\n"));
        Assert.That(Run("HSET", "h", "a", "1", "b", "2", "c", "3", "d", "4", "e", "5", "f", "6"), Is.EqualTo(":6\r\n"));
        Assert.That(EncodingOf("h"), Is.EqualTo(Listpack));
        Assert.That(Run("CONFIG", "SET", "hash-max-listpack-entries", "4"), Is.EqualTo("+OK\r\n"));
        Assert.That(EncodingOf("h"), Is.EqualTo(Listpack), "CONFIG SET itself converts nothing");
        Assert.That(Run("HGET", "h", "c"), Is.EqualTo(Bulk("3")));
        Assert.That(Run("HSET", "h", "c", "33"), Is.EqualTo(":0\r\n"));
        Assert.That(EncodingOf("h"), Is.EqualTo(Hashtable), "the next write checks the length, as Valkey does");
        Assert.That(Run("HLEN", "h"), Is.EqualTo(":6\r\n"));
    }

    [Test]
    public void ZeroEntriesMeansHashtableFromTheStart()
    {
        Assert.That(Run("CONFIG", "SET", "hash-max-listpack-entries", "0"), Is.EqualTo("+OK\r\n"));
        Assert.That(Run("HSET", "h", "a", "1"), Is.EqualTo(":1\r\n"));
        Assert.That(EncodingOf("h"), Is.EqualTo(Hashtable));
        Assert.That(Run("HGETALL", "h"), Is.EqualTo("*2\r\n" + Bulk("a") + Bulk("1")));
    }

    [Test]
    public void ZeroValueLimitStillAllowsEmptyStrings()
    {
        Assert.That(Run("CONFIG", "SET", "hash-max-listpack-value", "0"), Is.EqualTo("+OK\r\n"));
        Assert.That(Run("HSET", "h", "", ""), Is.EqualTo(":1\r\n"));
        Assert.That(EncodingOf("h"), Is.EqualTo(Listpack));
        Assert.That(Run("HSET", "h", "", "x"), Is.EqualTo(":0\r\n"));
        Assert.That(EncodingOf("h"), Is.EqualTo(Hashtable));
    }

    [Test]
    public void TheZiplistAliasesSetTheSameLimits()
    {
        Assert.That(Run("CONFIG", "SET", "hash-max-ziplist-entries", "2", "hash-max-ziplist-value", "3"), Is.EqualTo("+OK\r\n"));
        Assert.That(Run("CONFIG", "GET", "hash-max-listpack-entries"), Is.EqualTo("*2\r\n" + Bulk("hash-max-listpack-entries") + Bulk("2")));
        Assert.That(Run("CONFIG", "GET", "hash-max-listpack-value"), Is.EqualTo("*2\r\n" + Bulk("hash-max-listpack-value") + Bulk("3")));
        Run("HSET", "h", "a", "1", "b", "2");
        Assert.That(EncodingOf("h"), Is.EqualTo(Listpack));
        Run("HSET", "h", "c", "3");
        Assert.That(EncodingOf("h"), Is.EqualTo(Hashtable));
        Run("HSET", "v", "abc", "abcd");
        Assert.That(EncodingOf("v"), Is.EqualTo(Hashtable));
    }

    [Test]
    public void CopyRenameAndMoveKeepTheEncoding()
    {
        Run("HSET", "lp", "a", "1", "b", "2");
        Run("HSET", "ht", "a", "1", "b", "2", "c", "3", "d", "4", "e", "5");
        Assert.That(Run("COPY", "lp", "lp2"), Is.EqualTo(":1\r\n"));
        Assert.That(Run("COPY", "ht", "ht2"), Is.EqualTo(":1\r\n"));
        Assert.That(EncodingOf("lp2"), Is.EqualTo(Listpack));
        Assert.That(EncodingOf("ht2"), Is.EqualTo(Hashtable));
        Assert.That(Run("RENAME", "ht2", "ht3"), Is.EqualTo("+OK\r\n"));
        Assert.That(EncodingOf("ht3"), Is.EqualTo(Hashtable));
        Assert.That(Run("MOVE", "lp2", "1"), Is.EqualTo(":1\r\n"));
        Assert.That(Run("SELECT", "1"), Is.EqualTo("+OK\r\n"));
        Assert.That(EncodingOf("lp2"), Is.EqualTo(Listpack));
        Assert.That(Run("HGETALL", "lp2"), Is.EqualTo("*4\r\n" + Bulk("a") + Bulk("1") + Bulk("b") + Bulk("2")));
        // The copied listpack converts on its own, the original stays.
        Assert.That(Run("HSET", "lp2", "c", "3", "d", "4", "e", "5"), Is.EqualTo(":3\r\n"));
        Assert.That(EncodingOf("lp2"), Is.EqualTo(Hashtable));
        Assert.That(Run("SELECT", "0"), Is.EqualTo("+OK\r\n"));
        Assert.That(EncodingOf("lp"), Is.EqualTo(Listpack));
        Assert.That(Run("HLEN", "ht3"), Is.EqualTo(":5\r\n"));
    }

    [Test]
    public void RandomOperationsMatchADictionaryUnderSmallLimits()
    {
        using var connection = Server.Connect();
        var db = connection.GetDatabase();
        var rng = new Random(99);
        for (int round = 0; round < 20; round++)
        {
            string key = $"r{round}";
            var model = new Dictionary<string, string>();
            var order = new List<string>();
            bool table = false;
            for (int op = 0; op < 60; op++)
            {
                string field = rng.Next(8) == 0 ? "long-field" : $"f{rng.Next(7)}";
                if (rng.Next(5) == 0)
                {
                    bool existed = model.Remove(field);
                    order.Remove(field);
                    Assert.That(db.HashDelete(key, field), Is.EqualTo(existed));
                    if (model.Count == 0) table = false;
                }
                else
                {
                    string value = new string('v', rng.Next(0, 11));
                    bool added = !model.ContainsKey(field);
                    if (added) order.Add(field);
                    model[field] = value;
                    if (field.Length > 8 || value.Length > 8 || model.Count > 4) table = true;
                    Assert.That(db.HashSet(key, field, value), Is.EqualTo(added));
                }
                var all = db.HashGetAll(key);
                Assert.That(all.ToDictionary(e => (string)e.Name!, e => (string)e.Value!), Is.EquivalentTo(model), $"round {round} op {op}");
                if (!table) Assert.That(all.Select(e => (string)e.Name!), Is.EqualTo(order), $"round {round} op {op}");
                Assert.That(EncodingOf(key), Is.EqualTo(model.Count == 0 ? "$-1\r\n" : table ? Hashtable : Listpack), $"round {round} op {op}");
            }
        }
    }

    [Test]
    public void FlushallAndRecreateStartsAsAListpackAgain()
    {
        Run("HSET", "h", "a", "1", "b", "2", "c", "3", "d", "4", "e", "5");
        Assert.That(EncodingOf("h"), Is.EqualTo(Hashtable));
        Assert.That(Run("FLUSHALL"), Is.EqualTo("+OK\r\n"));
        Assert.That(Run("EXISTS", "h"), Is.EqualTo(":0\r\n"));
        Run("HSET", "h", "a", "1");
        Assert.That(EncodingOf("h"), Is.EqualTo(Listpack));
        Assert.That(Run("DBSIZE"), Is.EqualTo(":1\r\n"));
    }
}
