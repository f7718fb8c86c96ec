using NUnit.Framework;
using StackExchange.Redis;
using Valkey.Native.Tests.Infrastructure;
using static Valkey.Native.Tests.Infrastructure.Resp;

namespace Valkey.Native.Tests.Integration;

/// <summary>
/// XADD, XLEN, XRANGE, XREVRANGE, XDEL, XTRIM, XREAD (non-blocking) and XSETID on the shared
/// server: byte-exact RESP2/RESP3 replies over a raw socket, Valkey's error strings, malformed
/// IDs and counts, generic key commands on streams, and StackExchange.Redis round trips.
/// Blocking XREAD and keyspace events are in <see cref="BlockingStreamCommandsTests"/>.
/// </summary>
[TestFixture]
public class StreamCommandsTests : SharedServerFixture
{
    private static string K(string name = "s") => $"{{st}}:{TestContext.CurrentContext.Test.Name}:{name}";

    private static string Arr(params string[] bulks) => $"*{bulks.Length}\r\n" + string.Concat(bulks.Select(Bulk));

    /// <summary>One entry [id, [f, v...]] (same in RESP2 and RESP3).</summary>
    private static string Entry(string id, params string[] fieldsAndValues) => $"*2\r\n{Bulk(id)}{Arr(fieldsAndValues)}";

    private static string Entries(params string[] entries) => $"*{entries.Length}\r\n" + string.Concat(entries);

    private const string InvalidId = "ERR Invalid stream ID specified as stream command argument";

    private void Resp3() => Assert.That(Run("HELLO", "3"), Does.StartWith("%"));

    // ---- XADD ----------------------------------------------------------------------------------------

    [Test]
    public void XAddStoresEntriesThatXRangeReturnsByteExact()
    {
        string k = K();
        Assert.That(Run("XADD", k, "1-1", "name", "alice", "age", "30"), Is.EqualTo(Bulk("1-1")));
        Assert.That(Run("XADD", k, "1-2", "name", "bob", "age", "31"), Is.EqualTo(Bulk("1-2")));
        Assert.That(Run("XADD", k, "2-0", "other", ""), Is.EqualTo(Bulk("2-0")));
        string expected = Entries(Entry("1-1", "name", "alice", "age", "30"), Entry("1-2", "name", "bob", "age", "31"), Entry("2-0", "other", ""));
        Assert.That(Run("XRANGE", k, "-", "+"), Is.EqualTo(expected));
        Assert.That(Run("XLEN", k), Is.EqualTo(Int(3)));
        Assert.That(Run("TYPE", k), Is.EqualTo("+stream\r\n"));
        Assert.That(Run("OBJECT", "ENCODING", k), Is.EqualTo(Bulk("stream")));
        Resp3();
        Assert.That(Run("XRANGE", k, "-", "+"), Is.EqualTo(expected), "entries are arrays in RESP3 too");
        Assert.That(Run("XREVRANGE", k, "+", "-", "COUNT", "1"), Is.EqualTo(Entries(Entry("2-0", "other", ""))));
    }

    [Test]
    public void XAddGeneratesIdsAsValkey()
    {
        string k = K();
        long before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        string id = BulkText(Run("XADD", k, "*", "f", "v"));
        var parts = id.Split('-');
        Assert.That(long.Parse(parts[0]), Is.InRange(before - 1000, before + 5000));
        Assert.That(parts[1], Is.EqualTo("0").Or.Not.Empty);
        // "*" after an ID in the future: last ID + 1.
        Run("XADD", K("f"), "99999999999999-5", "f", "v");
        Assert.That(Run("XADD", K("f"), "*", "f", "v"), Is.EqualTo(Bulk("99999999999999-6")));
        // ms-*: next sequence for the same ms, 0 for a later ms.
        Run("XADD", K("p"), "123-456", "f", "v");
        Assert.That(Run("XADD", K("p"), "123-*", "f", "v"), Is.EqualTo(Bulk("123-457")));
        Assert.That(Run("XADD", K("p"), "789-*", "f", "v"), Is.EqualTo(Bulk("789-0")));
        Assert.That(Run("XADD", K("p"), "42-*", "f", "v"), Is.EqualTo(Err("ERR The ID specified in XADD is equal or smaller than the target stream top item")));
        Assert.That(Run("XADD", K("z"), "0-*", "f", "v"), Is.EqualTo(Bulk("0-1")));
        Assert.That(Run("XADD", K("ms"), "5", "f", "v"), Is.EqualTo(Bulk("5-0")), "a bare ms means sequence 0");
    }

    [Test]
    public void XAddErrors()
    {
        string k = K();
        Assert.That(Run("XADD", k, "0-0", "f", "v"), Is.EqualTo(Err("ERR The ID specified in XADD must be greater than 0-0")));
        Assert.That(Run("EXISTS", k), Is.EqualTo(Int(0)), "a rejected 0-0 never creates the key");
        Run("XADD", k, "5-5", "f", "v");
        Assert.That(Run("XADD", k, "5-5", "f", "v"), Is.EqualTo(Err("ERR The ID specified in XADD is equal or smaller than the target stream top item")));
        Assert.That(Run("XADD", k, "5-4", "f", "v"), Is.EqualTo(Err("ERR The ID specified in XADD is equal or smaller than the target stream top item")));
        Assert.That(Run("XADD", k, "6-0", "f"), Is.EqualTo(Err("ERR wrong number of arguments for 'xadd' command")));
        Assert.That(Run("XADD", k, "6-0", "f", "v", "g"), Is.EqualTo(Err("ERR wrong number of arguments for 'xadd' command")));
        Assert.That(Run("XADD", k, "*"), Is.EqualTo(Err("ERR wrong number of arguments for 'xadd' command")));
        foreach (string bad in new[] { "abc", "1-", "-1", "1-x", "18446744073709551616-0", "1-18446744073709551616", "+", "-", "1-2-3", "*-1", " " })
            Assert.That(Run("XADD", k, bad, "f", "v"), Is.EqualTo(Err(InvalidId)), bad);
        Assert.That(Run("XADD", k, "MAXLEN", "-1", "*", "f", "v"), Is.EqualTo(Err("ERR The MAXLEN argument must be >= 0.")));
        Assert.That(Run("XADD", k, "MAXLEN", "x", "*", "f", "v"), Is.EqualTo(Err("ERR value is not an integer or out of range")));
        Assert.That(Run("XADD", k, "MAXLEN", "1", "MINID", "1", "*", "f", "v"), Is.EqualTo(Err("ERR syntax error, MAXLEN and MINID options at the same time are not compatible")));
        Assert.That(Run("XADD", k, "LIMIT", "1", "*", "f", "v"), Is.EqualTo(Err("ERR syntax error, LIMIT cannot be used without specifying a trimming strategy")));
        Assert.That(Run("XADD", k, "MAXLEN", "1", "LIMIT", "1", "*", "f", "v"), Is.EqualTo(Err("ERR syntax error, LIMIT cannot be used without the special ~ option")));
        Assert.That(Run("XADD", k, "MAXLEN", "~", "1", "LIMIT", "-1", "*", "f", "v"), Is.EqualTo(Err("ERR The LIMIT argument must be >= 0.")));
        Assert.That(Run("XADD", k, "MINID", "x", "*", "f", "v"), Is.EqualTo(Err(InvalidId)));
        Assert.That(Run("XLEN", k), Is.EqualTo(Int(1)), "failed XADDs added nothing");
        Run("SET", K("str"), "x");
        Assert.That(Run("XADD", K("str"), "*", "f", "v"), Is.EqualTo(WrongType));
        Run("XADD", K("max"), "18446744073709551615-18446744073709551615", "f", "v");
        Assert.That(Run("XADD", K("max"), "*", "f", "v"), Is.EqualTo(Err("ERR The stream has exhausted the last possible ID, unable to add more items")));
        Run("XADD", K("seq"), "1-18446744073709551615", "f", "v");
        Assert.That(Run("XADD", K("seq"), "1-*", "f", "v"), Is.EqualTo(Err("ERR The ID specified in XADD is equal or smaller than the target stream top item")));
    }

    [Test]
    public void XAddNoMkStreamRepliesNullWithoutCreatingTheKey()
    {
        string k = K();
        Assert.That(Run("XADD", k, "NOMKSTREAM", "*", "f", "v"), Is.EqualTo("$-1\r\n"));
        Assert.That(Run("EXISTS", k), Is.EqualTo(Int(0)));
        Run("XADD", k, "1-0", "f", "v");
        Assert.That(Run("XADD", k, "NOMKSTREAM", "2-0", "f", "v"), Is.EqualTo(Bulk("2-0")));
        Resp3();
        Assert.That(Run("XADD", K("other"), "NOMKSTREAM", "*", "f", "v"), Is.EqualTo("_\r\n"));
    }

    [Test]
    public void XAddTrimsWithMaxLenAndMinId()
    {
        string k = K();
        for (int i = 1; i <= 10; i++) Run("XADD", k, "MAXLEN", "3", $"{i}-0", "f", $"v{i}");
        Assert.That(Run("XRANGE", k, "-", "+"), Is.EqualTo(Entries(Entry("8-0", "f", "v8"), Entry("9-0", "f", "v9"), Entry("10-0", "f", "v10"))));
        Run("XADD", k, "MAXLEN", "=", "1", "11-0", "f", "v11");
        Assert.That(Run("XLEN", k), Is.EqualTo(Int(1)));
        Run("XADD", k, "MINID", "12", "12-0", "f", "v12");
        Assert.That(Run("XRANGE", k, "-", "+"), Is.EqualTo(Entries(Entry("12-0", "f", "v12"))));
        // "~" only drops whole nodes (100 entries by default): nothing goes below one node.
        string a = K("approx");
        for (int i = 1; i <= 150; i++) Run("XADD", a, $"{i}-0", "f", "v");
        Run("XADD", a, "MAXLEN", "~", "10", "151-0", "f", "v");
        Assert.That(Run("XLEN", a), Is.EqualTo(Int(51)), "the first node of 100 entries went, the rest stays");
        Run("XADD", a, "MAXLEN", "~", "0", "LIMIT", "10", "152-0", "f", "v");
        Assert.That(Run("XLEN", a), Is.EqualTo(Int(52)), "LIMIT 10 is less than a node");
    }

    // ---- XRANGE / XREVRANGE ------------------------------------------------------------------------------

    [Test]
    public void XRangeBoundsCountsAndExclusiveIds()
    {
        string k = K();
        foreach (string id in new[] { "0-1", "0-18446744073709551615", "1-0", "42-0", "42-42", "18446744073709551615-18446744073709551614", "18446744073709551615-18446744073709551615" })
            Run("XADD", k, id, "f", id);
        Assert.That(Integer(Run("XLEN", k)), Is.EqualTo(7));
        Assert.That(Run("XRANGE", k, "(0-1", "(1-0"), Is.EqualTo(Entries(Entry("0-18446744073709551615", "f", "0-18446744073709551615"))));
        Assert.That(Run("XRANGE", k, "(1-0", "(42-42"), Is.EqualTo(Entries(Entry("42-0", "f", "42-0"))));
        Assert.That(Run("XRANGE", k, "42", "42"), Is.EqualTo(Entries(Entry("42-0", "f", "42-0"), Entry("42-42", "f", "42-42"))), "an end ms without seq covers every seq");
        Assert.That(Run("XREVRANGE", k, "42", "1", "COUNT", "2"), Is.EqualTo(Entries(Entry("42-42", "f", "42-42"), Entry("42-0", "f", "42-0"))));
        Assert.That(Run("XRANGE", k, "(-", "+"), Is.EqualTo(Err(InvalidId)));
        Assert.That(Run("XRANGE", k, "-", "(+"), Is.EqualTo(Err(InvalidId)));
        Assert.That(Run("XRANGE", k, "(18446744073709551615-18446744073709551615", "+"), Is.EqualTo(Err("ERR invalid start ID for the interval")));
        Assert.That(Run("XRANGE", k, "-", "(0-0"), Is.EqualTo(Err("ERR invalid end ID for the interval")));
        Assert.That(Run("XRANGE", k, "5", "3"), Is.EqualTo("*0\r\n"));
        Assert.That(Run("XRANGE", k, "-", "+", "COUNT", "0"), Is.EqualTo("*-1\r\n"), "COUNT 0 is a null array, as in Valkey");
        Assert.That(Run("XRANGE", k, "-", "+", "COUNT", "-5"), Is.EqualTo("*-1\r\n"), "a negative COUNT counts as 0");
        Assert.That(Run("XRANGE", k, "-", "+", "COUNT", "x"), Is.EqualTo(Err("ERR value is not an integer or out of range")));
        Assert.That(Run("XRANGE", k, "-", "+", "COUNT"), Is.EqualTo(Err("ERR syntax error")));
        Assert.That(Run("XRANGE", k, "-", "+", "LIMIT", "1"), Is.EqualTo(Err("ERR syntax error")));
        Assert.That(Run("XRANGE", k, "x", "+"), Is.EqualTo(Err(InvalidId)));
        Assert.That(Run("XRANGE", K("none"), "-", "+"), Is.EqualTo("*0\r\n"));
        Assert.That(Run("XRANGE", K("none"), "-", "+", "COUNT", "0"), Is.EqualTo("*0\r\n"), "a missing key is an empty array first");
        Run("SET", K("str"), "x");
        Assert.That(Run("XREVRANGE", K("str"), "+", "-"), Is.EqualTo(WrongType));
        Resp3();
        Assert.That(Run("XRANGE", k, "-", "+", "COUNT", "0"), Is.EqualTo("_\r\n"));
    }

    [Test]
    public void XRangeIteratesLargeStreamsAcrossNodes()
    {
        string k = K();
        using var c = Raw();
        for (int i = 1; i <= 1000; i++)
        {
            // Every tenth entry has other fields, as Valkey's mass-insertion test does.
            string[] cmd = i % 10 == 0 ? ["XADD", k, $"{i}-0", "item", $"{i}", "other", "x"] : ["XADD", k, $"{i}-0", "item", $"{i}"];
            c.SendCommand(cmd);
        }
        c.ReadReplies(1000);
        Assert.That(Run("XLEN", k), Is.EqualTo(Int(1000)));
        string last = "-";
        int seen = 0;
        while (true)
        {
            string reply = Run("XRANGE", k, last, "+", "COUNT", "77");
            if (reply == "*0\r\n") break;
            int n = int.Parse(reply[1..reply.IndexOf('\r')]);
            seen += n;
            last = "(" + (seen) + "-0";
        }
        Assert.That(seen, Is.EqualTo(1000));
        Assert.That(Run("XREVRANGE", k, "+", "-", "COUNT", "2"), Is.EqualTo(Entries(Entry("1000-0", "item", "1000", "other", "x"), Entry("999-0", "item", "999"))));
        Assert.That(Run("XRANGE", k, "499", "501"), Is.EqualTo(Entries(Entry("499-0", "item", "499"), Entry("500-0", "item", "500", "other", "x"), Entry("501-0", "item", "501"))));
    }

    // ---- XDEL / XTRIM --------------------------------------------------------------------------------------

    [Test]
    public void XDelDeletesExistingIdsOnly()
    {
        string k = K();
        for (int i = 1; i <= 5; i++) Run("XADD", k, $"1-{i}", "f", $"{i}");
        Assert.That(Run("XDEL", k, "1-1", "1-4", "1-5", "2-1", "1-4"), Is.EqualTo(Int(3)));
        Assert.That(Run("XRANGE", k, "-", "+"), Is.EqualTo(Entries(Entry("1-2", "f", "2"), Entry("1-3", "f", "3"))));
        Assert.That(Run("XDEL", k, "1-2", "bad"), Is.EqualTo(Err(InvalidId)));
        Assert.That(Run("XLEN", k), Is.EqualTo(Int(2)), "an invalid ID anywhere means nothing is deleted");
        Assert.That(Run("XDEL", k, "+"), Is.EqualTo(Err(InvalidId)), "strict IDs");
        Assert.That(Run("XDEL", K("none"), "bad"), Is.EqualTo(Int(0)), "a missing key replies 0 before IDs are parsed");
        Run("SET", K("str"), "x");
        Assert.That(Run("XDEL", K("str"), "1-1"), Is.EqualTo(WrongType));
        Assert.That(Run("XDEL", k, "1-2", "1-3"), Is.EqualTo(Int(2)));
        Assert.That(Run("EXISTS", k), Is.EqualTo(Int(1)), "an emptied stream stays");
        Assert.That(Run("XLEN", k), Is.EqualTo(Int(0)));
        Assert.That(Run("XADD", k, "1-3", "f", "v"), Does.StartWith("-ERR The ID specified in XADD is equal or smaller"), "the last ID survives");
    }

    [Test]
    public void XTrimStrategiesAndErrors()
    {
        string k = K();
        for (int i = 1; i <= 10; i++) Run("XADD", k, $"{i}-0", "f", "v");
        Assert.That(Run("XTRIM", k, "MAXLEN", "7"), Is.EqualTo(Int(3)));
        Assert.That(Run("XTRIM", k, "MINID", "=", "6"), Is.EqualTo(Int(2)));
        Assert.That(Run("XRANGE", k, "-", "+", "COUNT", "1"), Is.EqualTo(Entries(Entry("6-0", "f", "v"))));
        Assert.That(Run("XTRIM", k, "MAXLEN", "~", "3"), Is.EqualTo(Int(0)), "~ never trims inside a node (it holds 6..10)");
        Assert.That(Run("XTRIM", k, "MAXLEN", "100"), Is.EqualTo(Int(0)));
        Assert.That(Run("XTRIM", k), Is.EqualTo(Err("ERR wrong number of arguments for 'xtrim' command")));
        Assert.That(Run("XTRIM", k, "MAXLEN"), Is.EqualTo(Err("ERR wrong number of arguments for 'xtrim' command")));
        Assert.That(Run("XTRIM", k, "FOO", "1"), Is.EqualTo(Err("ERR syntax error")));
        Assert.That(Run("XTRIM", k, "MAXLEN", "1", "FOO"), Is.EqualTo(Err("ERR syntax error")));
        Assert.That(Run("XTRIM", k, "LIMIT", "5", "MAXLEN", "0"), Is.EqualTo(Err("ERR syntax error, LIMIT cannot be used without the special ~ option")));
        Assert.That(Run("XTRIM", k, "LIMIT", "5", "LIMIT", "6"), Is.EqualTo(Err("ERR syntax error, LIMIT cannot be used without specifying a trimming strategy")));
        Assert.That(Run("XTRIM", k, "NOMKSTREAM", "1"), Is.EqualTo(Err("ERR syntax error")), "NOMKSTREAM is XADD-only");
        Assert.That(Run("XTRIM", k, "MINID", "+"), Is.EqualTo(Err(InvalidId)));
        Assert.That(Run("XTRIM", K("none"), "MAXLEN", "0"), Is.EqualTo(Int(0)));
        Assert.That(Run("XTRIM", k, "MAXLEN", "0"), Is.EqualTo(Int(5)));
        Assert.That(Run("XLEN", k), Is.EqualTo(Int(0)));
    }

    [Test]
    public void XTrimApproximateRemovesWholeNodesWithinLimit()
    {
        string k = K();
        using var c = Raw();
        for (int i = 1; i <= 350; i++) c.SendCommand("XADD", k, $"{i}-0", "f", "v");
        c.ReadReplies(350);
        Assert.That(Run("XTRIM", k, "MAXLEN", "~", "120"), Is.EqualTo(Int(200)), "nodes of 100: removing a third one would leave fewer than 120");
        Assert.That(Run("XTRIM", k, "MINID", "~", "330", "LIMIT", "99"), Is.EqualTo(Int(0)), "a node of 100 exceeds LIMIT 99");
        Assert.That(Run("XTRIM", k, "MINID", "~", "330"), Is.EqualTo(Int(100)));
        Assert.That(Run("XLEN", k), Is.EqualTo(Int(50)));
    }

    // ---- XREAD (non-blocking) -------------------------------------------------------------------------

    [Test]
    public void XReadServesEveryStreamWithNewerEntries()
    {
        string a = K("a"), b = K("b"), none = K("none");
        Run("XADD", a, "1-0", "f", "a1");
        Run("XADD", a, "2-0", "f", "a2");
        Run("XADD", b, "3-0", "f", "b3");
        string expected = $"*2\r\n*2\r\n{Bulk(a)}{Entries(Entry("2-0", "f", "a2"))}*2\r\n{Bulk(b)}{Entries(Entry("3-0", "f", "b3"))}";
        Assert.That(Run("XREAD", "STREAMS", a, none, b, "1", "0", "0"), Is.EqualTo(expected));
        Assert.That(Run("XREAD", "COUNT", "1", "STREAMS", a, "0"), Is.EqualTo($"*1\r\n*2\r\n{Bulk(a)}{Entries(Entry("1-0", "f", "a1"))}"));
        Assert.That(Run("XREAD", "STREAMS", a, b, "$", "$"), Is.EqualTo("*-1\r\n"));
        Assert.That(Run("XREAD", "STREAMS", a, b, "+", "+"),
            Is.EqualTo($"*2\r\n*2\r\n{Bulk(a)}{Entries(Entry("2-0", "f", "a2"))}*2\r\n{Bulk(b)}{Entries(Entry("3-0", "f", "b3"))}"));
        Assert.That(Run("XREAD", "COUNT", "5", "STREAMS", a, "+"), Is.EqualTo($"*1\r\n*2\r\n{Bulk(a)}{Entries(Entry("2-0", "f", "a2"))}"), "+ is only the last entry");
        Assert.That(Run("XREAD", "STREAMS", none, "+"), Is.EqualTo("*-1\r\n"));
        Resp3();
        Assert.That(Run("XREAD", "STREAMS", a, b, "1", "0"),
            Is.EqualTo($"%2\r\n{Bulk(a)}{Entries(Entry("2-0", "f", "a2"))}{Bulk(b)}{Entries(Entry("3-0", "f", "b3"))}"), "a map in RESP3");
        Assert.That(Run("XREAD", "STREAMS", a, "$"), Is.EqualTo("_\r\n"));
    }

    [Test]
    public void XReadErrors()
    {
        string k = K();
        Run("XADD", k, "1-0", "f", "v");
        Assert.That(Run("XREAD", "STREAMS", k), Is.EqualTo(Err("ERR wrong number of arguments for 'xread' command")));
        Assert.That(Run("XREAD", "STREAMS", k, "0", "1"), Is.EqualTo(Err("ERR Unbalanced 'xread' list of streams: for each stream key an ID or '$' must be specified.")));
        Assert.That(Run("XREAD", "COUNT", "5", "x"), Is.EqualTo(Err("ERR syntax error")));
        Assert.That(Run("XREAD", "COUNT", "x", "STREAMS", k, "0"), Is.EqualTo(Err("ERR value is not an integer or out of range")));
        Assert.That(Run("XREAD", "BLOCK", "-1", "STREAMS", k, "0"), Is.EqualTo(Err("ERR timeout is negative")));
        Assert.That(Run("XREAD", "BLOCK", "1.5", "STREAMS", k, "0"), Is.EqualTo(Err("ERR timeout is not an integer or out of range")));
        Assert.That(Run("XREAD", "GROUP", "g", "c", "STREAMS", k, "0"), Is.EqualTo(Err("ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.")));
        Assert.That(Run("XREAD", "NOACK", "STREAMS", k, "0"), Is.EqualTo(Err("ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.")));
        Assert.That(Run("XREAD", "STREAMS", k, ">"), Is.EqualTo(Err("ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.")));
        Assert.That(Run("XREAD", "STREAMS", k, "-"), Is.EqualTo(Err(InvalidId)));
        Assert.That(Run("XREAD", "STREAMS", k, "1-x"), Is.EqualTo(Err(InvalidId)));
        Assert.That(Run("XREAD", "FOO", "STREAMS", k, "0"), Is.EqualTo(Err("ERR syntax error")));
        Run("SET", K("str"), "x");
        Assert.That(Run("XREAD", "STREAMS", k, K("str"), "0", "0"), Is.EqualTo(WrongType));
        Assert.That(Run("XREAD", "COUNT", "-3", "STREAMS", k, "0"), Is.EqualTo($"*1\r\n*2\r\n{Bulk(k)}{Entries(Entry("1-0", "f", "v"))}"), "a negative COUNT means no limit");
        // An empty stream that was never written to: "+" has no last entry.
        Run("XADD", K("e"), "1-0", "f", "v");
        Run("XDEL", K("e"), "1-0");
        Assert.That(Run("XREAD", "STREAMS", K("e"), "+"), Is.EqualTo("*-1\r\n"));
    }

    [Test]
    public void XReadInsideMultiRepliesNullInsteadOfBlocking()
    {
        string k = K();
        Assert.That(Run("MULTI"), Is.EqualTo(Ok));
        Assert.That(Run("XREAD", "BLOCK", "0", "STREAMS", k, "$"), Is.EqualTo("+QUEUED\r\n"));
        Assert.That(Run("EXEC"), Is.EqualTo("*1\r\n*-1\r\n"));
    }

    // ---- XSETID ---------------------------------------------------------------------------------------

    [Test]
    public void XSetIdChecksAsValkey()
    {
        string k = K();
        Run("XADD", k, "1-0", "a", "b");
        Run("XADD", k, "2-0", "a", "b");
        Assert.That(Run("XSETID", k, "1-5"), Is.EqualTo(Err("ERR The ID specified in XSETID is smaller than the target stream top item")));
        Assert.That(Run("XSETID", k, "200-0"), Is.EqualTo(Ok));
        Assert.That(Run("XADD", k, "100-0", "a", "b"), Does.StartWith("-ERR The ID specified in XADD is equal or smaller"));
        Assert.That(Run("XADD", k, "*", "a", "b"), Does.Not.StartWith("-"));
        Assert.That(Run("XSETID", K("none"), "1-0"), Is.EqualTo(Err("ERR no such key")));
        Assert.That(Run("XSETID", k, "300-0", "ENTRIESADDED", "-1"), Is.EqualTo(Err("ERR entries_added must be positive")));
        Assert.That(Run("XSETID", k, "300-0", "ENTRIESADDED", "x"), Is.EqualTo(Err("ERR value is not an integer or out of range")));
        Assert.That(Run("XSETID", k, "300-0", "MAXDELETEDID", "400-0"), Is.EqualTo(Err("ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id")));
        Assert.That(Run("XSETID", k, "99999999999999-0", "ENTRIESADDED", "1"), Is.EqualTo(Err("ERR The entries_added specified in XSETID is smaller than the target stream length")));
        Assert.That(Run("XSETID", k, "99999999999999-0", "FOO", "1"), Is.EqualTo(Err("ERR syntax error")));
        Assert.That(Run("XSETID", k, "99999999999999-0", "ENTRIESADDED"), Is.EqualTo(Err("ERR syntax error")));
        Assert.That(Run("XSETID", k, "+"), Is.EqualTo(Err(InvalidId)));
        Assert.That(Run("XSETID", k, "99999999999999-0", "ENTRIESADDED", "10", "MAXDELETEDID", "50-0"), Is.EqualTo(Ok));
        Assert.That(Run("XSETID", k, "99999999999999-0", "MAXDELETEDID", "1-0"), Is.EqualTo(Ok), "an older max deleted ID is accepted");
        Assert.That(Run("XSETID", k, "40-0"), Is.EqualTo(Err("ERR The ID specified in XSETID is smaller than the target stream top item")));
        Run("XADD", K("e"), "5-0", "a", "b");
        Run("XDEL", K("e"), "5-0");
        Assert.That(Run("XSETID", K("e"), "4-0"), Is.EqualTo(Err("ERR The ID specified in XSETID is smaller than current max_deleted_entry_id")));
        Assert.That(Run("XSETID", K("e"), "5-0"), Is.EqualTo(Ok));
        Run("SET", K("str"), "x");
        Assert.That(Run("XSETID", K("str"), "1-0"), Is.EqualTo(WrongType));
    }

    // ---- generic key commands -------------------------------------------------------------------------

    [Test]
    public void KeyCommandsWorkOnStreams()
    {
        string k = K();
        for (int i = 1; i <= 250; i++) Run("XADD", k, $"{i}-0", "f", $"v{i}");
        Run("XDEL", k, "5-0");
        Assert.That(Run("COPY", k, K("copy")), Is.EqualTo(Int(1)));
        Assert.That(Run("XADD", K("copy"), "251-0", "f", "x"), Is.EqualTo(Bulk("251-0")));
        Assert.That(Run("XLEN", k), Is.EqualTo(Int(249)), "the copy is independent");
        Assert.That(Run("XLEN", K("copy")), Is.EqualTo(Int(250)));
        Assert.That(Run("XADD", K("copy"), "5-0", "f", "x"), Does.StartWith("-ERR"), "the copy keeps the last ID");
        Assert.That(Run("RENAME", K("copy"), K("renamed")), Is.EqualTo(Ok));
        Assert.That(Run("XRANGE", K("renamed"), "250", "+"), Is.EqualTo(Entries(Entry("250-0", "f", "v250"), Entry("251-0", "f", "x"))));
        long usage = Integer(Run("MEMORY", "USAGE", k));
        Assert.That(usage, Is.InRange(1500, 20000), "about 10 bytes an entry plus node overhead");
        Assert.That(Run("MOVE", K("renamed"), "9"), Is.EqualTo(Int(1)));
        Assert.That(Run("SELECT", "9"), Is.EqualTo(Ok));
        Assert.That(Run("XLEN", K("renamed")), Is.EqualTo(Int(250)));
        Assert.That(Run("UNLINK", K("renamed")), Is.EqualTo(Int(1)));
        Assert.That(Run("SELECT", "0"), Is.EqualTo(Ok));
        Assert.That(Run("DEL", k), Is.EqualTo(Int(1)));
        Assert.That(Run("XLEN", k), Is.EqualTo(Int(0)));
        Assert.That(Run("SCAN", "0", "MATCH", K("*"), "TYPE", "stream", "COUNT", "1000"), Does.EndWith("*0\r\n"));
    }

    [Test]
    public void LargeFieldsAndValuesRoundTrip()
    {
        string k = K();
        string big = new('x', 100_000);
        string field = new('f', 5000);
        Assert.That(Run("XADD", k, "1-0", field, big, "small", "1"), Is.EqualTo(Bulk("1-0")));
        Run("XADD", k, "2-0", "a", "b");
        Assert.That(Run("XRANGE", k, "-", "+"), Is.EqualTo(Entries(Entry("1-0", field, big, "small", "1"), Entry("2-0", "a", "b"))));
    }

    [Test]
    public void MalformedArgumentsNeverBreakTheServer()
    {
        string k = K();
        Run("XADD", k, "1-0", "f", "v");
        var rng = new Random(42);
        string[] words = ["XADD", "XRANGE", "XREVRANGE", "XDEL", "XTRIM", "XREAD", "XSETID", "XLEN", "MAXLEN", "MINID", "~", "=", "LIMIT", "COUNT", "BLOCK",
            "STREAMS", "NOMKSTREAM", "ENTRIESADDED", "MAXDELETEDID", "*", "$", "+", "-", "(", "(+", "0", "-1", "1-", "1-*", "18446744073709551615-18446744073709551615",
            "99999999999999999999", "abc", "", "0-0", "5", "1-1", k];
        for (int i = 0; i < 400; i++)
        {
            var args = new List<string> { words[rng.Next(8)], k };
            int n = rng.Next(0, 8);
            for (int j = 0; j < n; j++) args.Add(words[rng.Next(words.Length)]);
            if (args[0] == "XREAD" && args.Contains("BLOCK")) continue;
            string reply = Run(args.ToArray());
            Assert.That(reply, Is.Not.Empty);
        }
        Assert.That(Run("PING"), Is.EqualTo("+PONG\r\n"));
    }

    // ---- StackExchange.Redis ---------------------------------------------------------------------------

    [Test]
    public void StackExchangeRedisStreamApi()
    {
        string k = K();
        RedisValue id1 = Db.StreamAdd(k, "temp", "20.5");
        RedisValue id2 = Db.StreamAdd(k, [new NameValueEntry("temp", "21"), new NameValueEntry("hum", "40")]);
        Assert.That(Db.StreamLength(k), Is.EqualTo(2));
        var all = Db.StreamRange(k);
        Assert.That(all.Select(e => e.Id), Is.EqualTo(new[] { id1, id2 }));
        Assert.That(all[1]["hum"], Is.EqualTo((RedisValue)"40"));
        var rev = Db.StreamRange(k, messageOrder: Order.Descending, count: 1);
        Assert.That(rev.Single().Id, Is.EqualTo(id2));
        var read = Db.StreamRead(k, id1);
        Assert.That(read.Single().Id, Is.EqualTo(id2));
        var multi = Db.StreamRead([new StreamPosition(k, "0-0"), new StreamPosition(K("none"), "0-0")]);
        Assert.That(multi.Single().Entries.Length, Is.EqualTo(2));
        Assert.That(Db.StreamDelete(k, [id1]), Is.EqualTo(1));
        for (int i = 0; i < 20; i++) Db.StreamAdd(k, "i", i, maxLength: 10);
        Assert.That(Db.StreamLength(k), Is.EqualTo(10));
        Assert.That(Db.StreamTrim(k, 4), Is.EqualTo(6));
        Assert.That(Db.StreamRange(k).Select(e => (int)e["i"]), Is.EqualTo(new[] { 16, 17, 18, 19 }));
        Assert.That(Db.KeyType(k), Is.EqualTo(RedisType.Stream));
    }
}

/// <summary>
/// XREAD BLOCK with several clients on a server of its own: waking on XADD with "$" resolved at
/// block time, timeouts (RESP2 and RESP3 nulls), deletion and MULTI that must not wake, several
/// readers, and the keyspace events of the stream commands.
/// </summary>
[TestFixture]
[NonParallelizable]
public class BlockingStreamCommandsTests : BlockedClientsFixture
{
    private static string K(string name = "s") => $"{{bs}}:{TestContext.CurrentContext.Test.Name}:{name}";

    private static string Entry(string id, params string[] fieldsAndValues) => $"*2\r\n{Bulk(id)}{Arr(fieldsAndValues)}";

    private static string ReadReply(string key, params string[] entries) => $"*1\r\n*2\r\n{Bulk(key)}*{entries.Length}\r\n" + string.Concat(entries);

    [Test]
    public void BlockedXReadWakesOnXAddWithOnlyTheNewEntries()
    {
        using var reader = Raw();
        using var writer = Raw();
        writer.Execute("XADD", K(), "1-0", "old", "x");
        Block(reader, "XREAD", "BLOCK", "0", "STREAMS", K("other"), K(), "$", "$");
        Assert.That(reader.WaitForData(Quiet), Is.False);
        Assert.That(writer.Execute("XADD", K(), "2-0", "new", "y"), Is.EqualTo(Bulk("2-0")));
        Assert.That(reader.ReadReply(), Is.EqualTo(ReadReply(K(), Entry("2-0", "new", "y"))));
        Assert.That(Info("blocked_clients"), Is.EqualTo(0));
    }

    [Test]
    public void BlockedXReadOnAMissingKeyWakesWhenXAddCreatesIt()
    {
        using var reader = Raw();
        using var writer = Raw();
        Block(reader, "XREAD", "COUNT", "1", "BLOCK", "5000", "STREAMS", K(), "$");
        writer.Execute("XADD", K(), "5-0", "a", "1");
        Assert.That(reader.ReadReply(), Is.EqualTo(ReadReply(K(), Entry("5-0", "a", "1"))));
        // "+" on a missing key blocks too, and the first entry serves it.
        Block(reader, "XREAD", "BLOCK", "0", "STREAMS", K("plus"), "+");
        writer.Execute("XADD", K("plus"), "1-0", "k", "v");
        Assert.That(reader.ReadReply(), Is.EqualTo(ReadReply(K("plus"), Entry("1-0", "k", "v"))));
    }

    [Test]
    public void XReadTimesOutWithANullArray()
    {
        using var reader = Raw();
        var sw = System.Diagnostics.Stopwatch.StartNew();
        Assert.That(reader.Execute("XREAD", "BLOCK", "100", "STREAMS", K(), "$"), Is.EqualTo("*-1\r\n"));
        Assert.That(sw.ElapsedMilliseconds, Is.GreaterThanOrEqualTo(90));
        Assert.That(reader.Execute("HELLO", "3"), Does.StartWith("%"));
        Assert.That(reader.Execute("XREAD", "BLOCK", "50", "STREAMS", K(), "0"), Is.EqualTo("_\r\n"));
    }

    [Test]
    public void DeletionAndMultiDoNotWakeXReadButTheNextXAddDoes()
    {
        using var reader = Raw();
        using var writer = Raw();
        writer.Execute("XADD", K(), "1-0", "f", "v");
        Block(reader, "XREAD", "BLOCK", "0", "STREAMS", K(), "$");
        writer.Execute("DEL", K());
        Assert.That(reader.WaitForData(Quiet), Is.False, "XREAD does not wake on deletion");
        writer.Execute("MULTI");
        writer.Execute("XADD", K(), "2-0", "f", "v");
        writer.Execute("DEL", K());
        Assert.That(writer.Execute("EXEC"), Is.EqualTo($"*2\r\n{Bulk("2-0")}:1\r\n"));
        Assert.That(reader.WaitForData(Quiet), Is.False, "the key is gone again when the transaction ends");
        writer.Execute("XADD", K(), "1-5", "again", "v");
        Assert.That(reader.ReadReply(), Is.EqualTo(ReadReply(K(), Entry("1-5", "again", "v"))),
            "$ was resolved to 1-0 when the client blocked: a recreated stream with a later ID serves it");
    }

    [Test]
    public void XAddAndXDelInATransactionDoNotServeAnEmptyReply()
    {
        using var reader = Raw();
        using var writer = Raw();
        writer.Execute("XADD", K(), "1-0", "f", "v");
        Block(reader, "XREAD", "BLOCK", "0", "STREAMS", K(), "1-0");
        writer.Execute("MULTI");
        writer.Execute("XADD", K(), "2-0", "f", "v");
        writer.Execute("XDEL", K(), "2-0");
        writer.Execute("EXEC");
        Assert.That(reader.WaitForData(Quiet), Is.False, "nothing after 1-0 is left: the reader blocks again");
        writer.Execute("XADD", K(), "3-0", "g", "w");
        Assert.That(reader.ReadReply(), Is.EqualTo(ReadReply(K(), Entry("3-0", "g", "w"))));
    }

    [Test]
    public void SeveralReadersAreAllServedByOneXAdd()
    {
        using var r1 = Raw();
        using var r2 = Raw();
        using var writer = Raw();
        Block(r1, "XREAD", "BLOCK", "0", "STREAMS", K(), "$");
        Block(r2, "XREAD", "BLOCK", "0", "STREAMS", K(), K(), "$", "$");
        writer.Execute("XADD", K(), "7-0", "f", "v");
        Assert.That(r1.ReadReply(), Is.EqualTo(ReadReply(K(), Entry("7-0", "f", "v"))));
        Assert.That(r2.ReadReply(), Is.EqualTo($"*2\r\n*2\r\n{Bulk(K())}*1\r\n{Entry("7-0", "f", "v")}*2\r\n{Bulk(K())}*1\r\n{Entry("7-0", "f", "v")}"),
            "the same stream twice is served twice, as in Valkey");
    }

    [Test]
    public void ClientUnblockEndsAnXRead()
    {
        using var reader = Raw();
        long id = Integer(reader.Execute("CLIENT", "ID"));
        Block(reader, "XREAD", "BLOCK", "0", "STREAMS", K(), "$");
        Assert.That(Execute("CLIENT", "UNBLOCK", id.ToString(), "ERROR"), Is.EqualTo(Int(1)));
        Assert.That(reader.ReadReply(), Is.EqualTo(Err("UNBLOCKED client unblocked via CLIENT UNBLOCK")));
    }

    [Test]
    public void StreamCommandsEmitValkeysKeyspaceEvents()
    {
        Assert.That(Execute("CONFIG", "SET", "notify-keyspace-events", "KEt"), Is.EqualTo(Ok));
        try
        {
            using var sub = Raw();
            sub.Execute("PSUBSCRIBE", "__keyevent@0__:*");
            using var c = Raw();
            c.Execute("XADD", K(), "1-0", "f", "v");
            c.Execute("XADD", K(), "MAXLEN", "1", "2-0", "f", "v");
            c.Execute("XADD", K(), "MAXLEN", "5", "3-0", "f", "v");
            c.Execute("XDEL", K(), "2-0");
            c.Execute("XDEL", K(), "9-0");
            c.Execute("XTRIM", K(), "MAXLEN", "0");
            c.Execute("XTRIM", K(), "MAXLEN", "0");
            c.Execute("XSETID", K(), "10-0");
            string[] expected = ["xadd", "xadd", "xtrim", "xadd", "xdel", "xtrim", "xsetid"];
            foreach (string e in expected)
                Assert.That(sub.ReadReply(), Is.EqualTo($"*4\r\n{Bulk("pmessage")}{Bulk("__keyevent@0__:*")}{Bulk("__keyevent@0__:" + e)}{Bulk(K())}"), e);
            Assert.That(sub.WaitForData(Quiet), Is.False, "no event for a no-op XDEL or XTRIM");
        }
        finally
        {
            Execute("CONFIG", "SET", "notify-keyspace-events", "");
        }
    }

    [Test]
    public void DebugObjectReportsTheStreamEncoding()
    {
        using var c = Raw();
        c.Execute("XADD", K(), "1-0", "f", "v");
        Assert.That(c.Execute("DEBUG", "OBJECT", K()), Does.StartWith("+Value at:").And.Contain(" encoding:stream "));
    }

    [Test]
    public void StreamNodeConfigParameters()
    {
        Assert.That(Execute("CONFIG", "GET", "stream-node-max-bytes"), Is.EqualTo($"*2\r\n{Bulk("stream-node-max-bytes")}{Bulk("4096")}"));
        Assert.That(Execute("CONFIG", "GET", "stream-node-max-entries"), Is.EqualTo($"*2\r\n{Bulk("stream-node-max-entries")}{Bulk("100")}"));
        Assert.That(Execute("CONFIG", "SET", "stream-node-max-entries", "2"), Is.EqualTo(Ok));
        try
        {
            using var c = Raw();
            for (int i = 1; i <= 5; i++) c.Execute("XADD", K(), $"{i}-0", "f", "v");
            Assert.That(c.Execute("XTRIM", K(), "MAXLEN", "~", "2"), Is.EqualTo(Int(2)), "nodes of 2 entries: one node removed");
            Assert.That(c.Execute("XTRIM", K(), "MAXLEN", "~", "0"), Is.EqualTo(Int(3)));
            Assert.That(Execute("CONFIG", "SET", "stream-node-max-bytes", "-1"), Does.StartWith("-ERR"));
            Assert.That(Execute("CONFIG", "SET", "stream-node-max-bytes", "1mb"), Is.EqualTo(Ok));
            Assert.That(Execute("CONFIG", "GET", "stream-node-max-bytes"), Is.EqualTo($"*2\r\n{Bulk("stream-node-max-bytes")}{Bulk("1048576")}"));
        }
        finally
        {
            Execute("CONFIG", "SET", "stream-node-max-entries", "100");
            Execute("CONFIG", "SET", "stream-node-max-bytes", "4096");
        }
    }
}

/// <summary>
/// Random stream command sequences sent to valkey-native and to Debian's redis-server (7.0, same
/// stream storage rules as Valkey for these commands) must get byte-identical replies: explicit and
/// "ms-*" IDs, entries with the node's master fields or others, integer-looking and long values
/// (so nodes fill by bytes as well as by count), XDEL, exact and approximate trims with LIMIT
/// (whose results depend on where nodes split), ranges and XREAD. XSETID and "+" in XREAD are left
/// out: Redis 7.0 predates Valkey's rules for them.
/// </summary>
[TestFixture]
public class StreamRedisDifferentialTests : OwnServerFixture
{
    private ReferenceRedisServer? _redis;

    [OneTimeSetUp]
    public void StartRedisServer() => _redis = ReferenceRedisServer.StartOrIgnore();

    [OneTimeTearDown]
    public void StopRedisServer() => _redis?.Dispose();

    [TestCase(2, 1, "100", "4096")]
    [TestCase(3, 2, "10", "4096")]
    [TestCase(2, 3, "0", "300")]
    [TestCase(2, 4, "7", "1000")]
    [TestCase(3, 5, "100", "0")]
    public void RepliesAreIdenticalToRedis(int protocol, int seed, string maxEntries, string maxBytes)
    {
        using var ours = new RawRespClient(Server.Port);
        using var theirs = _redis!.CreateRawClient();
        var rng = new Random(seed);
        int checks = 0;
        void Check(params string[] args)
        {
            checks++;
            Assert.That(ours.Execute(args), Is.EqualTo(theirs.Execute(args)), $"step {checks}: {string.Join(" ", args.Select(a => a.Length > 40 ? a[..40] + "..." : a))}");
        }
        foreach (var c in new[] { ours, theirs })
        {
            c.Execute("HELLO", protocol.ToString());
            c.Execute("FLUSHALL");
            Assert.That(c.Execute("CONFIG", "SET", "stream-node-max-entries", maxEntries), Is.EqualTo(Ok));
            Assert.That(c.Execute("CONFIG", "SET", "stream-node-max-bytes", maxBytes), Is.EqualTo(Ok));
        }
        try
        {
            string[] keys = ["s1", "s2"];
            long ms = 1;
            var ids = new List<string>();
            string Value() => rng.Next(6) switch
            {
                0 => rng.Next(-1000, 100000).ToString(),
                1 => new string((char)('a' + rng.Next(26)), rng.Next(50, 400)),
                2 => "",
                3 => rng.NextInt64().ToString(),
                _ => "v" + rng.Next(1000),
            };
            string[] Fields()
            {
                int kind = rng.Next(5);
                if (kind < 3) return ["field", Value(), "other", Value()];
                int n = rng.Next(1, 4);
                var f = new List<string>();
                for (int i = 0; i < n; i++) { f.Add(rng.Next(3) == 0 ? rng.Next(100).ToString() : "f" + rng.Next(5)); f.Add(Value()); }
                return f.ToArray();
            }
            string Id()
            {
                int r = rng.Next(10);
                if (r < 4) { ms += rng.Next(1, 3); return ms + "-" + rng.Next(0, 3); }
                if (r < 7) return ms + "-*";
                if (r < 8) { ms += rng.Next(100, 100000); return ms.ToString(); }
                return (ms - rng.Next(0, 2)) + "-" + rng.Next(0, 5);   // sometimes too small: an error on both
            }
            string Bound()
            {
                int r = rng.Next(8);
                if (r == 0) return "-";
                if (r == 1) return "+";
                string b = ids.Count > 0 && rng.Next(2) == 0 ? ids[rng.Next(ids.Count)] : rng.NextInt64(0, ms + 2).ToString();
                return rng.Next(4) == 0 ? "(" + b : b;
            }
            for (int step = 0; step < 3000; step++)
            {
                string k = keys[rng.Next(keys.Length)];
                int op = rng.Next(100);
                if (op < 45)
                {
                    var cmd = new List<string> { "XADD", k };
                    int trim = rng.Next(10);
                    if (trim == 0) cmd.AddRange(["MAXLEN", rng.Next(3) == 0 ? "~" : "=", rng.Next(0, 1000).ToString()]);
                    else if (trim == 1 && ids.Count > 0) cmd.AddRange(["MINID", "~", ids[rng.Next(ids.Count)]]);
                    if (trim < 2 && rng.Next(3) == 0 && cmd.Contains("~")) cmd.AddRange(["LIMIT", rng.Next(0, 250).ToString()]);
                    string id = Id();
                    cmd.Add(id);
                    cmd.AddRange(Fields());
                    string reply = ours.Execute(cmd.ToArray());
                    Assert.That(reply, Is.EqualTo(theirs.Execute(cmd.ToArray())), $"step {step}: {string.Join(" ", cmd.Take(8))}");
                    if (reply.StartsWith('$')) ids.Add(BulkText(reply));
                }
                else if (op < 55 && ids.Count > 0)
                {
                    var cmd = new List<string> { "XDEL", k };
                    for (int i = rng.Next(1, 6); i > 0; i--) cmd.Add(ids[rng.Next(ids.Count)]);
                    Check(cmd.ToArray());
                }
                else if (op < 63)
                {
                    var cmd = new List<string> { "XTRIM", k };
                    bool approx = rng.Next(2) == 0;
                    if (rng.Next(3) > 0) cmd.AddRange(["MAXLEN", approx ? "~" : "=", rng.Next(0, 1000).ToString()]);
                    else cmd.AddRange(["MINID", approx ? "~" : "=", ids.Count > 0 ? ids[rng.Next(ids.Count)] : "0"]);
                    if (approx && rng.Next(3) == 0) cmd.AddRange(["LIMIT", rng.Next(0, 300).ToString()]);
                    Check(cmd.ToArray());
                }
                else if (op < 85)
                {
                    bool rev = rng.Next(2) == 0;
                    var cmd = new List<string> { rev ? "XREVRANGE" : "XRANGE", k, Bound(), Bound() };
                    if (rng.Next(2) == 0) cmd.AddRange(["COUNT", rng.Next(-1, 30).ToString()]);
                    Check(cmd.ToArray());
                }
                else if (op < 95)
                {
                    string from = ids.Count > 0 && rng.Next(3) > 0 ? ids[rng.Next(ids.Count)] : rng.Next(3) == 0 ? "$" : "0";
                    string from2 = rng.Next(2) == 0 ? "0" : "$";
                    Check("XREAD", "COUNT", rng.Next(0, 20).ToString(), "STREAMS", k, keys[rng.Next(keys.Length)], from, from2);
                }
                else Check("XLEN", k);
            }
            foreach (string k in keys)
            {
                Check("XRANGE", k, "-", "+");
                Check("XLEN", k);
            }
            // A long stream of many nodes, then approximate trims (whole nodes only: they show where nodes split).
            for (int i = 0; i < 1500; i++)
            {
                ms += rng.Next(0, 3);
                var cmd = new List<string> { "XADD", "big", ms + "-*" };
                cmd.AddRange(Fields());
                Check(cmd.ToArray());
                if (i % 97 == 0) Check("XDEL", "big", ms + "-0", ms + "-1");
            }
            for (int i = 0; i < 12; i++)
            {
                Check("XTRIM", "big", "MAXLEN", "~", rng.Next(0, 1500).ToString(), "LIMIT", rng.Next(0, 400).ToString());
                Check("XLEN", "big");
                Check("XRANGE", "big", "-", "+", "COUNT", "3");
            }
            Check("XTRIM", "big", "MINID", "~", ms.ToString());
            Check("XRANGE", "big", "-", "+");
            // An exact MINID trim that stops at a deleted last entry leaves an empty node behind.
            for (int i = 1; i <= 10; i++) Check("XADD", "e", $"{i}-0", "f", "v");
            Check("XDEL", "e", "10-0");
            Check("XTRIM", "e", "MINID", "=", "10");
            for (int i = 11; i <= 160; i++) Check("XADD", "e", $"{i}-0", "f", "v");
            Check("XTRIM", "e", "MAXLEN", "~", "50");
            Check("XLEN", "e");
            Assert.That(checks, Is.GreaterThan(500));
            Assert.That(ids.Count, Is.GreaterThan(300), "most XADDs succeed");
            TestContext.Out.WriteLine($"{checks} checks, {ids.Count} entries added, lengths {ours.Execute("XLEN", "s1").Trim()} {ours.Execute("XLEN", "s2").Trim()}");
        }
        finally
        {
            foreach (var c in new[] { ours, theirs })
            {
                c.Execute("CONFIG", "SET", "stream-node-max-entries", "100");
                c.Execute("CONFIG", "SET", "stream-node-max-bytes", "4096");
            }
        }
    }
}

/// <summary>
/// What XADD and XTRIM propagate (read back from the AOF): the ID generated for "*" and "ms-*",
/// and approximate trims rewritten as exact ones ("~" becomes "=", the count the length left or
/// the first entry's ID, LIMIT dropped), as Valkey's streamRewriteApproxSpecifier /
/// streamRewriteTrimArgument, so a replica or an AOF reload trims exactly as the primary did.
/// </summary>
[TestFixture]
[NonParallelizable]
public class StreamPropagationTests : OwnServerFixture
{
    protected override string[] ServerArguments => ["--appendonly", "yes", "--save", ""];

    private List<string> AofCommands()
    {
        string dir = Path.Combine(Server.WorkingDirectory, "appendonlydir");
        string file = Directory.GetFiles(dir, "*.incr.aof").OrderBy(f => f, StringComparer.Ordinal).Last();
        var data = File.ReadAllBytes(file);
        var result = new List<string>();
        int pos = 0;
        string Line()
        {
            int end = Array.IndexOf(data, (byte)'\n', pos);
            string s = System.Text.Encoding.UTF8.GetString(data, pos, end - 1 - pos);
            pos = end + 1;
            return s;
        }
        while (pos < data.Length)
        {
            string header = Line();
            if (!header.StartsWith('*')) continue;
            int argc = int.Parse(header[1..]);
            var args = new List<string>();
            for (int i = 0; i < argc; i++)
            {
                int len = int.Parse(Line()[1..]);
                args.Add(System.Text.Encoding.UTF8.GetString(data, pos, len));
                pos += len + 2;
            }
            result.Add(string.Join(' ', args));
        }
        return result;
    }

    private List<string> WaitForAof(string lastExpected)
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var commands = AofCommands();
            if (commands.Count > 0 && commands[^1].Equals(lastExpected, StringComparison.OrdinalIgnoreCase)) return commands;
            if (sw.Elapsed > TimeSpan.FromSeconds(5)) return commands;
            Thread.Sleep(20);
        }
    }

    [Test]
    public void ApproximateTrimsAndGeneratedIdsPropagateAsExactCommands()
    {
        using var c = Raw();
        Assert.That(c.Execute("CONFIG", "SET", "stream-node-max-entries", "10"), Is.EqualTo(Ok));
        try
        {
            for (int i = 1; i <= 35; i++) c.Execute("XADD", "s", $"{i}-0", "f", "v");
            string id = BulkText(c.Execute("XADD", "s", "MAXLEN", "~", "12", "LIMIT", "100", "*", "f", "v"));
            Assert.That(c.Execute("XLEN", "s"), Is.EqualTo(Int(16)), "two nodes of 10 went");
            Assert.That(c.Execute("XADD", "p", "5-*", "a", "b"), Is.EqualTo(Bulk("5-0")));
            Assert.That(c.Execute("XADD", "p", "MAXLEN", "=", "1", "7-1", "a", "b"), Is.EqualTo(Bulk("7-1")));
            Assert.That(c.Execute("XTRIM", "s", "MINID", "~", "25"), Is.EqualTo(Int(0)), "25 is inside the first node");
            Assert.That(c.Execute("XTRIM", "s", "MAXLEN", "~", "1"), Is.EqualTo(Int(10)));
            var aof = WaitForAof("XTRIM s MAXLEN = 6");
            var upper = aof.Select(l => l.ToUpperInvariant()).ToList();
            Assert.That(upper.Where(l => l.StartsWith("XADD S MAXLEN") || l.StartsWith("XADD P") || l.StartsWith("XTRIM")),
                Is.EqualTo(new[]
                {
                    $"XADD S MAXLEN = 16 {id} F V",
                    "XADD P 5-0 A B",
                    "XADD P MAXLEN = 1 7-1 A B",
                    "XTRIM S MAXLEN = 6",
                }));
            // MINID propagates the first entry still in the first node, tombstones included.
            c.Execute("XADD", "m", "1-0", "f", "v");
            c.Execute("XADD", "m", "2-0", "f", "v");
            for (int i = 11; i <= 30; i++) c.Execute("XADD", "m", $"{i}-0", "f", "v");
            // Nodes of 10: [1 2 11..18] [19..28] [29 30]; 19-0 becomes a tombstone at the head of the second.
            c.Execute("XDEL", "m", "19-0");
            Assert.That(c.Execute("XTRIM", "m", "MINID", "~", "25"), Is.EqualTo(Int(10)));
            Assert.That(WaitForAof("XTRIM m MINID = 19-0")[^1], Is.EqualTo("XTRIM m MINID = 19-0").IgnoreCase);
        }
        finally
        {
            c.Execute("CONFIG", "SET", "stream-node-max-entries", "100");
        }
    }
}
