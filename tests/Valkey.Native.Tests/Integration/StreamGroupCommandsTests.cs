using System.Text.RegularExpressions;
using NUnit.Framework;
using StackExchange.Redis;
using Valkey.Native.Tests.Infrastructure;
using static Valkey.Native.Tests.Infrastructure.Resp;

namespace Valkey.Native.Tests.Integration;

/// <summary>
/// Stream consumer groups: XGROUP, XREADGROUP, XACK, XPENDING, XCLAIM, XAUTOCLAIM and XINFO,
/// through StackExchange.Redis (several consumers) and raw RESP2/RESP3 byte-exact replies,
/// with Valkey's error strings and its entries-read / lag bookkeeping.
/// </summary>
[TestFixture]
public class StreamGroupCommandsTests : SharedServerFixture
{
    private static string K(string name = "s") => $"{{sg}}:{TestContext.CurrentContext.Test.Name}:{name}";

    private static string Arr(params string[] bulks) => $"*{bulks.Length}\r\n" + string.Concat(bulks.Select(Bulk));

    /// <summary>One entry [id, [f, v...]] in RESP2.</summary>
    private static string Entry(string id, params string[] fieldsAndValues) => $"*2\r\n{Bulk(id)}{Arr(fieldsAndValues)}";

    private void Resp3() => Assert.That(Run("HELLO", "3"), Does.StartWith("%"));

    private void AddEntries(string key, int n, long firstMs = 1)
    {
        for (int i = 0; i < n; i++) Run("XADD", key, $"{firstMs + i}-0", "f", $"v{firstMs + i}");
    }

    // ---- XGROUP ----------------------------------------------------------------------------------

    [Test]
    public void XGroupCreateChecksKeyGroupAndOptions()
    {
        string k = K();
        Assert.That(Run("XGROUP", "CREATE", k, "g", "$"), Is.EqualTo(Err(
            "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.")));
        Assert.That(Run("XGROUP", "CREATE", k, "g", "$", "MKSTREAM"), Is.EqualTo(Ok));
        Assert.That(Run("TYPE", k), Is.EqualTo("+stream\r\n"));
        Assert.That(Run("XLEN", k), Is.EqualTo(Int(0)));
        Assert.That(Run("XGROUP", "CREATE", k, "g", "$"), Is.EqualTo(Err("BUSYGROUP Consumer Group name already exists")));
        Assert.That(Run("XGROUP", "CREATE", k, "g2", "$", "ENTRIESREAD", "-3"), Is.EqualTo(Err("ERR value for ENTRIESREAD must be positive or -1")));
        Assert.That(Run("XGROUP", "CREATE", k, "g2", "$", "ENTRIESREAD", "x"), Is.EqualTo(Err("ERR value is not an integer or out of range")));
        Assert.That(Run("XGROUP", "CREATE", k, "g2", "$", "BOGUS"), Is.EqualTo(Err(
            "ERR unknown subcommand or wrong number of arguments for 'CREATE'. Try XGROUP HELP.")));
        Assert.That(Run("XGROUP", "CREATE", k, "g2", "1-x"), Is.EqualTo(Err("ERR Invalid stream ID specified as stream command argument")));
        Assert.That(Run("XGROUP", "CREATE", k, "g2", "+"), Is.EqualTo(Err("ERR Invalid stream ID specified as stream command argument")), "strict ID");
        Assert.That(Run("XGROUP", "SETID", k, "nope", "0"), Is.EqualTo(Err($"NOGROUP No such consumer group 'nope' for key name '{k}'")));
        Assert.That(Run("XGROUP", "SETID", k, "g", "0", "MKSTREAM"), Does.StartWith("-ERR unknown subcommand or wrong number of arguments for 'SETID'"));
        Assert.That(Run("XGROUP", "CREATECONSUMER", k, "nope", "c"), Does.StartWith("-NOGROUP No such consumer group 'nope'"));
        Assert.That(Run("XGROUP", "DESTROY", k, "nope"), Is.EqualTo(Int(0)));
        Assert.That(Run("XGROUP", "DESTROY", K("missing"), "g"), Does.StartWith("-ERR The XGROUP subcommand requires the key to exist"));
        Run("SET", K("str"), "x");
        Assert.That(Run("XGROUP", "CREATE", K("str"), "g", "$", "MKSTREAM"), Is.EqualTo(WrongType));
        Assert.That(Run("XGROUP", "DESTROY", k, "g"), Is.EqualTo(Int(1)));
        Assert.That(Run("XGROUP", "DESTROY", k, "g"), Is.EqualTo(Int(0)));
    }

    [Test]
    public void XGroupConsumersCreateAndDelete()
    {
        string k = K();
        AddEntries(k, 3);
        Run("XGROUP", "CREATE", k, "g", "0");
        Assert.That(Run("XGROUP", "CREATECONSUMER", k, "g", "alice"), Is.EqualTo(Int(1)));
        Assert.That(Run("XGROUP", "CREATECONSUMER", k, "g", "alice"), Is.EqualTo(Int(0)));
        Run("XREADGROUP", "GROUP", "g", "bob", "STREAMS", k, ">");
        Assert.That(Run("XGROUP", "DELCONSUMER", k, "g", "bob"), Is.EqualTo(Int(3)), "the number of pending entries it had");
        Assert.That(Run("XGROUP", "DELCONSUMER", k, "g", "bob"), Is.EqualTo(Int(0)));
        Assert.That(Run("XPENDING", k, "g"), Is.EqualTo("*4\r\n:0\r\n$-1\r\n$-1\r\n*-1\r\n"), "its NACKs left the group PEL too");
    }

    [Test]
    public void XGroupHelpListsSubcommands()
    {
        string help = Run("XGROUP", "HELP");
        Assert.That(help, Does.StartWith("*17\r\n+XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+CREATE <key> <groupname> <id|$> [option]\r\n"));
        Assert.That(help, Does.EndWith("+HELP\r\n+    Print this help.\r\n"));
        Assert.That(Run("XINFO", "HELP"), Does.StartWith("*9\r\n+XINFO <subcommand>"));
    }

    // ---- XREADGROUP ------------------------------------------------------------------------------

    [Test]
    public void XReadGroupDeliversNewEntriesThenHistoryRaw()
    {
        string k = K();
        Run("XADD", k, "1-0", "a", "1");
        Run("XGROUP", "CREATE", k, "g", "$");
        Run("XADD", k, "2-0", "b", "2");
        Run("XADD", k, "3-0", "c", "3");
        Assert.That(Run("XREADGROUP", "GROUP", "g", "c1", "COUNT", "1", "STREAMS", k, ">"),
            Is.EqualTo($"*1\r\n*2\r\n{Bulk(k)}*1\r\n{Entry("2-0", "b", "2")}"));
        Assert.That(Run("XREADGROUP", "GROUP", "g", "c2", "STREAMS", k, ">"),
            Is.EqualTo($"*1\r\n*2\r\n{Bulk(k)}*1\r\n{Entry("3-0", "c", "3")}"));
        Assert.That(Run("XREADGROUP", "GROUP", "g", "c2", "STREAMS", k, ">"), Is.EqualTo("*-1\r\n"), "nothing new");
        // History: only the consumer's own pending entries.
        Assert.That(Run("XREADGROUP", "GROUP", "g", "c1", "STREAMS", k, "0"),
            Is.EqualTo($"*1\r\n*2\r\n{Bulk(k)}*1\r\n{Entry("2-0", "b", "2")}"));
        Assert.That(Run("XREADGROUP", "GROUP", "g", "c3", "STREAMS", k, "0"), Is.EqualTo($"*1\r\n*2\r\n{Bulk(k)}*0\r\n"),
            "empty history is an empty array, not a null");
        // A deleted entry in the history comes back as [id, nil].
        Run("XDEL", k, "2-0");
        Assert.That(Run("XREADGROUP", "GROUP", "g", "c1", "STREAMS", k, "0"),
            Is.EqualTo($"*1\r\n*2\r\n{Bulk(k)}*1\r\n*2\r\n{Bulk("2-0")}*-1\r\n"));
        Resp3();
        Assert.That(Run("XREADGROUP", "GROUP", "g", "c1", "STREAMS", k, "0"),
            Is.EqualTo($"%1\r\n{Bulk(k)}*1\r\n*2\r\n{Bulk("2-0")}_\r\n"));
        Assert.That(Run("XREADGROUP", "GROUP", "g", "c1", "STREAMS", k, ">"), Is.EqualTo("_\r\n"));
        // History reads count as deliveries, but not once the entry is gone.
        Assert.That(Run("XPENDING", k, "g", "-", "+", "10", "c1"), Does.EndWith(":2\r\n"), "delivered, then read once from history");
    }

    [Test]
    public void XReadGroupOverSeveralStreamsServesOnlyThoseWithData()
    {
        string a = K("a"), b = K("b"), c = K("c");
        Run("XGROUP", "CREATE", a, "g", "$", "MKSTREAM");
        Run("XGROUP", "CREATE", b, "g", "$", "MKSTREAM");
        Run("XGROUP", "CREATE", c, "g", "$", "MKSTREAM");
        Run("XADD", a, "1-0", "x", "1");
        Run("XADD", c, "2-0", "y", "2");
        Assert.That(Run("XREADGROUP", "GROUP", "g", "w", "STREAMS", a, b, c, ">", ">", ">"),
            Is.EqualTo($"*2\r\n*2\r\n{Bulk(a)}*1\r\n{Entry("1-0", "x", "1")}*2\r\n{Bulk(c)}*1\r\n{Entry("2-0", "y", "2")}"));
        Resp3();
        Run("XADD", b, "3-0", "z", "3");
        Assert.That(Run("XREADGROUP", "GROUP", "g", "w", "STREAMS", a, b, ">", "0"),
            Is.EqualTo($"%1\r\n{Bulk(b)}*0\r\n"), "'>' on a has nothing; b's (empty) history is served even with new data there");
        Assert.That(Run("XREADGROUP", "GROUP", "g", "w", "STREAMS", b, ">"),
            Is.EqualTo($"%1\r\n{Bulk(b)}*1\r\n{Entry("3-0", "z", "3")}"));
        Assert.That(Run("XINFO", "CONSUMERS", b, "g"), Does.StartWith($"*1\r\n%4\r\n{Bulk("name")}{Bulk("w")}{Bulk("pending")}:1\r\n"));
    }

    [Test]
    public void XReadGroupNoAckCreatesNoPendingEntries()
    {
        string k = K();
        AddEntries(k, 2);
        Run("XGROUP", "CREATE", k, "g", "0");
        Assert.That(Run("XREADGROUP", "GROUP", "g", "c", "NOACK", "STREAMS", k, ">"), Does.StartWith("*1\r\n*2\r\n"));
        Assert.That(Run("XPENDING", k, "g"), Is.EqualTo("*4\r\n:0\r\n$-1\r\n$-1\r\n*-1\r\n"));
        Assert.That(Run("XINFO", "CONSUMERS", k, "g"), Does.Contain(Bulk("c")), "the consumer exists");
        Assert.That(Run("XINFO", "CONSUMERS", k, "g"), Does.Contain($"{Bulk("inactive")}:-1\r\n"), "NOACK reads are not activity");
    }

    [Test]
    public void XReadGroupArgumentErrors()
    {
        string k = K();
        AddEntries(k, 1);
        Run("XGROUP", "CREATE", k, "g", "0");
        Assert.That(Run("XREADGROUP", "GROUP", "g", "c", "STREAMS", k, "$"), Is.EqualTo(Err(
            "ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.")));
        Assert.That(Run("XREADGROUP", "GROUP", "g", "c", "STREAMS", k, "+"), Does.StartWith("-ERR The + ID is meaningless in the context of XREADGROUP"));
        Assert.That(Run("XREADGROUP", "GROUP", "g", "c", "STREAMS", k, k, ">"), Is.EqualTo(Err(
            "ERR Unbalanced 'xreadgroup' list of streams: for each stream key an ID or '>' must be specified.")));
        Assert.That(Run("XREADGROUP", "COUNT", "1", "NOACK", "STREAMS", k, ">"), Is.EqualTo(Err("ERR Missing GROUP option for XREADGROUP")));
        Assert.That(Run("XREADGROUP", "GROUP", "g", "c", "FOO", "STREAMS", k, ">"), Is.EqualTo(Err("ERR syntax error")));
        Assert.That(Run("XREADGROUP", "GROUP", "g", "c", "COUNT", "x", "STREAMS", k, ">"), Is.EqualTo(Err("ERR value is not an integer or out of range")));
        Assert.That(Run("XREADGROUP", "GROUP", "g", "c", "BLOCK", "-1", "STREAMS", k, ">"), Is.EqualTo(Err("ERR timeout is negative")));
        Assert.That(Run("XREADGROUP", "GROUP", "g", "c", "BLOCK", "1.5", "STREAMS", k, ">"), Is.EqualTo(Err("ERR timeout is not an integer or out of range")));
        Assert.That(Run("XREADGROUP", "GROUP", "g", "c", "STREAMS", k, "1-x"), Is.EqualTo(Err("ERR Invalid stream ID specified as stream command argument")));
        Assert.That(Run("XREADGROUP", "GROUP", "nope", "c", "STREAMS", k, ">"), Is.EqualTo(Err(
            $"NOGROUP No such key '{k}' or consumer group 'nope' in XREADGROUP with GROUP option")));
        Assert.That(Run("XREADGROUP", "GROUP", "g", "c", "STREAMS", K("missing"), ">"), Does.StartWith("-NOGROUP No such key"));
        Run("SET", K("str"), "x");
        Assert.That(Run("XREADGROUP", "GROUP", "g", "c", "STREAMS", K("str"), ">"), Is.EqualTo(WrongType));
        Assert.That(Run("XREADGROUP", "GROUP", "g", "c", "COUNT", "-5", "STREAMS", k, ">"), Does.StartWith("*1\r\n"), "a negative COUNT means no limit");
        Assert.That(Run("PING"), Is.EqualTo("+PONG\r\n"));
    }

    [Test]
    public void XReadGroupAfterSetIdReassignsPendingEntries()
    {
        string k = K();
        AddEntries(k, 3);
        Run("XGROUP", "CREATE", k, "g", "0");
        Run("XREADGROUP", "GROUP", "g", "c1", "STREAMS", k, ">");
        Assert.That(Run("XGROUP", "SETID", k, "g", "0"), Is.EqualTo(Ok));
        Run("XREADGROUP", "GROUP", "g", "c2", "COUNT", "1", "STREAMS", k, ">");
        Assert.That(Run("XPENDING", k, "g"), Is.EqualTo($"*4\r\n:3\r\n{Bulk("1-0")}{Bulk("3-0")}*2\r\n{Arr("c1", "2")}{Arr("c2", "1")}"));
    }

    // ---- XACK / XPENDING -------------------------------------------------------------------------

    [Test]
    public void XAckAndXPendingForms()
    {
        string k = K();
        AddEntries(k, 5);
        Run("XGROUP", "CREATE", k, "g", "0");
        Run("XREADGROUP", "GROUP", "g", "alice", "COUNT", "3", "STREAMS", k, ">");
        Run("XREADGROUP", "GROUP", "g", "bob", "STREAMS", k, ">");
        Assert.That(Run("XPENDING", k, "g"), Is.EqualTo($"*4\r\n:5\r\n{Bulk("1-0")}{Bulk("5-0")}*2\r\n{Arr("alice", "3")}{Arr("bob", "2")}"));
        string ext = Run("XPENDING", k, "g", "-", "+", "10");
        Assert.That(Regex.Matches(ext, @"\*4\r\n\$3\r\n\d-0\r\n\$\d+\r\n(alice|bob)\r\n:\d+\r\n:1\r\n").Count, Is.EqualTo(5), ext);
        Assert.That(Run("XPENDING", k, "g", "(1-0", "(5-0", "10", "bob"), Does.StartWith($"*1\r\n*4\r\n{Bulk("4-0")}{Bulk("bob")}"));
        Assert.That(Run("XPENDING", k, "g", "(1-0", "(5", "10", "bob"), Does.StartWith("*2\r\n"), "(5 is 5-max exclusive: 5-0 is in");
        Assert.That(Run("XPENDING", k, "g", "-", "+", "10", "nobody"), Is.EqualTo("*0\r\n"));
        Assert.That(Run("XPENDING", k, "g", "-", "+", "2"), Does.StartWith("*2\r\n"));
        Assert.That(Run("XPENDING", k, "g", "IDLE", "100000", "-", "+", "10"), Is.EqualTo("*0\r\n"));
        Assert.That(Run("XPENDING", k, "g", "IDLE", "0", "-", "+", "10", "alice"), Does.StartWith("*3\r\n"));
        Assert.That(Run("XPENDING", k, "g", "IDLE", "10", "-", "+"), Is.EqualTo(Err("ERR syntax error")));
        Assert.That(Run("XPENDING", k, "g", "-", "+"), Is.EqualTo(Err("ERR syntax error")));
        Assert.That(Run("XPENDING", k, "g", "-", "+", "x"), Is.EqualTo(Err("ERR value is not an integer or out of range")));
        Assert.That(Run("XPENDING", k, "g", "(18446744073709551615-18446744073709551615", "+", "1"), Is.EqualTo(Err("ERR invalid start ID for the interval")));
        Assert.That(Run("XPENDING", k, "g", "-", "(0-0", "1"), Is.EqualTo(Err("ERR invalid end ID for the interval")));
        Assert.That(Run("XPENDING", k, "nope"), Is.EqualTo(Err($"NOGROUP No such key '{k}' or consumer group 'nope'")));

        Assert.That(Run("XACK", k, "g", "1-0", "2-0", "9-0"), Is.EqualTo(Int(2)));
        Assert.That(Run("XACK", k, "g", "1-0"), Is.EqualTo(Int(0)), "cannot ack twice");
        Assert.That(Run("XACK", k, "g", "3-0", "bad"), Is.EqualTo(Err("ERR Invalid stream ID specified as stream command argument")));
        Assert.That(Run("XPENDING", k, "g"), Does.StartWith("*4\r\n:3\r\n"), "an invalid ID acks nothing at all");
        Assert.That(Run("XACK", k, "nope", "3-0"), Is.EqualTo(Int(0)));
        Assert.That(Run("XACK", K("missing"), "g", "3-0"), Is.EqualTo(Int(0)));
        Assert.That(Run("XPENDING", k, "g"), Is.EqualTo($"*4\r\n:3\r\n{Bulk("3-0")}{Bulk("5-0")}*2\r\n{Arr("alice", "1")}{Arr("bob", "2")}"));
    }

    // ---- XCLAIM / XAUTOCLAIM ---------------------------------------------------------------------

    [Test]
    public void XClaimMovesOwnershipWithOptions()
    {
        string k = K();
        AddEntries(k, 3);
        Run("XGROUP", "CREATE", k, "g", "0");
        Run("XREADGROUP", "GROUP", "g", "alice", "STREAMS", k, ">");
        Assert.That(Run("XCLAIM", k, "g", "bob", "0", "1-0"), Is.EqualTo($"*1\r\n{Entry("1-0", "f", "v1")}"));
        Assert.That(Run("XCLAIM", k, "g", "bob", "0", "2-0", "JUSTID"), Is.EqualTo($"*1\r\n{Bulk("2-0")}"));
        Assert.That(Run("XCLAIM", k, "g", "bob", "100000", "3-0"), Is.EqualTo("*0\r\n"), "not idle long enough");
        Assert.That(Run("XPENDING", k, "g", "1-0", "1-0", "1"), Does.EndWith(":2\r\n"), "a claim counts as a delivery");
        Assert.That(Run("XPENDING", k, "g", "2-0", "2-0", "1"), Does.EndWith(":1\r\n"), "JUSTID does not");
        Assert.That(Run("XCLAIM", k, "g", "carol", "0", "3-0", "RETRYCOUNT", "7", "IDLE", "5000", "JUSTID"), Is.EqualTo($"*1\r\n{Bulk("3-0")}"));
        string p = Run("XPENDING", k, "g", "3-0", "3-0", "1");
        Assert.That(p, Does.Contain(Bulk("carol")).And.EndWith(":7\r\n"));
        Assert.That(long.Parse(Regex.Match(p, @":(\d+)\r\n:7\r\n$").Groups[1].Value), Is.GreaterThanOrEqualTo(5000));
        // FORCE creates a NACK for an existing entry that was not pending; missing entries are ignored.
        Run("XACK", k, "g", "3-0");
        Assert.That(Run("XCLAIM", k, "g", "dave", "0", "3-0", "99-0", "FORCE", "JUSTID"), Is.EqualTo($"*1\r\n{Bulk("3-0")}"));
        Assert.That(Run("XCLAIM", k, "g", "dave", "0", "1-0", "LASTID", "50-0", "JUSTID"), Is.EqualTo($"*1\r\n{Bulk("1-0")}"));
        Assert.That(Run("XINFO", "GROUPS", k), Does.Contain($"{Bulk("last-delivered-id")}{Bulk("50-0")}"));
        // Errors.
        Assert.That(Run("XCLAIM", k, "g", "bob", "x", "1-0"), Is.EqualTo(Err("ERR Invalid min-idle-time argument for XCLAIM")));
        Assert.That(Run("XCLAIM", k, "g", "bob", "0", "1-0", "IDLE", "x"), Is.EqualTo(Err("ERR Invalid IDLE option argument for XCLAIM")));
        Assert.That(Run("XCLAIM", k, "g", "bob", "0", "1-0", "TIME", "x"), Is.EqualTo(Err("ERR Invalid TIME option argument for XCLAIM")));
        Assert.That(Run("XCLAIM", k, "g", "bob", "0", "1-0", "RETRYCOUNT", "x"), Is.EqualTo(Err("ERR Invalid RETRYCOUNT option argument for XCLAIM")));
        Assert.That(Run("XCLAIM", k, "g", "bob", "0", "1-0", "LASTID", "x"), Is.EqualTo(Err("ERR Invalid stream ID specified as stream command argument")));
        Assert.That(Run("XCLAIM", k, "g", "bob", "0", "1-0", "WHAT"), Is.EqualTo(Err("ERR Unrecognized XCLAIM option 'WHAT'")));
        Assert.That(Run("XCLAIM", k, "nope", "bob", "0", "1-0"), Is.EqualTo(Err($"NOGROUP No such key '{k}' or consumer group 'nope'")));
    }

    [Test]
    public void XClaimAndXAutoClaimDropDeletedEntries()
    {
        string k = K();
        AddEntries(k, 5);
        Run("XGROUP", "CREATE", k, "g", "0");
        Run("XREADGROUP", "GROUP", "g", "alice", "STREAMS", k, ">");
        Run("XDEL", k, "2-0", "4-0");
        Assert.That(Run("XCLAIM", k, "g", "bob", "0", "2-0", "3-0", "JUSTID"), Is.EqualTo($"*1\r\n{Bulk("3-0")}"));
        Assert.That(Run("XPENDING", k, "g"), Does.StartWith("*4\r\n:4\r\n"), "2-0 left the PEL");
        Assert.That(Run("XAUTOCLAIM", k, "g", "carol", "0", "0", "COUNT", "2"),
            Is.EqualTo($"*3\r\n{Bulk("4-0")}*2\r\n{Entry("1-0", "f", "v1")}{Entry("3-0", "f", "v3")}*0\r\n"));
        Assert.That(Run("XAUTOCLAIM", k, "g", "carol", "0", "(3-0", "COUNT", "2", "JUSTID"),
            Is.EqualTo($"*3\r\n{Bulk("0-0")}{Arr("5-0")}{Arr("4-0")}"), "the deleted ID counts towards COUNT and is reported");
        Assert.That(Run("XAUTOCLAIM", k, "g", "carol", "0", "5-0"),
            Is.EqualTo($"*3\r\n{Bulk("0-0")}*1\r\n{Entry("5-0", "f", "v5")}*0\r\n"), "end of the PEL: cursor 0-0");
        Assert.That(Run("XAUTOCLAIM", k, "g", "carol", "0", "0", "COUNT", "0"), Is.EqualTo(Err("ERR COUNT must be > 0")));
        Assert.That(Run("XAUTOCLAIM", k, "g", "carol", "0", "0", "COUNT", "8070450532247928833"), Is.EqualTo(Err("ERR COUNT must be > 0")));
        Assert.That(Run("XAUTOCLAIM", k, "g", "carol", "x", "0"), Is.EqualTo(Err("ERR Invalid min-idle-time argument for XAUTOCLAIM")));
        Assert.That(Run("XAUTOCLAIM", k, "g", "carol", "0", "0", "JUSTID", "X"), Is.EqualTo(Err("ERR syntax error")));
        Assert.That(Run("XAUTOCLAIM", k, "nope", "carol", "0", "0"), Is.EqualTo(Err($"NOGROUP No such key '{k}' or consumer group 'nope'")));
        Assert.That(Run("XPENDING", k, "g"), Is.EqualTo($"*4\r\n:3\r\n{Bulk("1-0")}{Bulk("5-0")}*1\r\n{Arr("carol", "3")}"));
    }

    // ---- XINFO -----------------------------------------------------------------------------------

    [Test]
    public void XInfoGroupsTracksEntriesReadAndLagThroughDeletes()
    {
        // Valkey's "Consumer group lag with XDELs" sequence.
        string k = K();
        for (int i = 1; i <= 5; i++) Run("XADD", k, $"{i}-0", "data", "a");
        Run("XDEL", k, "3-0");
        Run("XGROUP", "CREATE", k, "g1", "0");
        Run("XGROUP", "CREATE", k, "g2", "0");
        const string Nil = "$-1\r\n";
        Assert.That((GroupField(k, "g1", "entries-read"), GroupField(k, "g1", "lag")), Is.EqualTo((Nil, Nil)), "a tombstone ahead: unknown");
        for (int read = 1; read <= 3; read++)
        {
            Run("XREADGROUP", "GROUP", "g1", "c", "COUNT", "1", "STREAMS", k, ">");
            Assert.That((GroupField(k, "g1", "entries-read"), GroupField(k, "g1", "lag")), Is.EqualTo((Nil, Nil)), $"read {read}");
        }
        Run("XREADGROUP", "GROUP", "g1", "c", "COUNT", "1", "STREAMS", k, ">");
        Assert.That((GroupField(k, "g1", "entries-read"), GroupField(k, "g1", "lag")), Is.EqualTo((":5\r\n", ":0\r\n")), "the last entry is exact");
        Run("XADD", k, "6-0", "data", "f");
        Assert.That(GroupField(k, "g1", "lag"), Is.EqualTo(":1\r\n"));
        Run("XTRIM", k, "MINID", "=", "3-0");
        Assert.That(GroupField(k, "g1", "lag"), Is.EqualTo(":1\r\n"));
        Assert.That((GroupField(k, "g2", "entries-read"), GroupField(k, "g2", "lag")), Is.EqualTo((Nil, ":3\r\n")));
        Run("XTRIM", k, "MINID", "=", "5-0");
        Assert.That((GroupField(k, "g2", "entries-read"), GroupField(k, "g2", "lag")), Is.EqualTo((Nil, ":2\r\n")));
        Run("XREADGROUP", "GROUP", "g2", "c", "STREAMS", k, ">");
        Assert.That((GroupField(k, "g2", "entries-read"), GroupField(k, "g2", "lag")), Is.EqualTo((":6\r\n", ":0\r\n")));
        Resp3();
        string groups = Run("XINFO", "GROUPS", k);
        Assert.That(groups, Does.StartWith($"*2\r\n%6\r\n{Bulk("name")}{Bulk("g1")}{Bulk("consumers")}:1\r\n{Bulk("pending")}:4\r\n"));
    }

    [Test]
    public void XInfoGroupsOnFreshStreamsAndEntriesReadOption()
    {
        string k = K();
        Run("XGROUP", "CREATE", k, "g", "$", "MKSTREAM");
        Assert.That(Run("XINFO", "GROUPS", k), Is.EqualTo(
            $"*1\r\n*12\r\n{Bulk("name")}{Bulk("g")}{Bulk("consumers")}:0\r\n{Bulk("pending")}:0\r\n{Bulk("last-delivered-id")}{Bulk("0-0")}{Bulk("entries-read")}$-1\r\n{Bulk("lag")}:0\r\n"));
        for (int i = 1; i <= 4; i++) Run("XADD", k, $"1-{i}", "x", "y");
        Run("XGROUP", "CREATE", k, "g3", "$", "ENTRIESREAD", "3");
        Assert.That(GroupField(k, "g3", "entries-read"), Is.EqualTo(":3\r\n"));
        Assert.That(GroupField(k, "g3", "lag"), Is.EqualTo(":1\r\n"));
        Assert.That(GroupField(k, "g", "lag"), Is.EqualTo(":4\r\n"));
        Run("XGROUP", "SETID", k, "g", "1-2", "ENTRIESREAD", "2");
        Assert.That(GroupField(k, "g", "lag"), Is.EqualTo(":2\r\n"));
        Assert.That(Run("XINFO", "GROUPS", K("missing")), Is.EqualTo(Err("ERR no such key")));
        Run("XADD", K("nog"), "1-0", "a", "b");
        Assert.That(Run("XINFO", "GROUPS", K("nog")), Is.EqualTo("*0\r\n"));
    }

    private string GroupField(string key, string group, string field)
    {
        string all = Run("XINFO", "GROUPS", key);
        int at = all.IndexOf($"{Bulk("name")}{Bulk(group)}", StringComparison.Ordinal);
        Assert.That(at, Is.GreaterThanOrEqualTo(0), all);
        int f = all.IndexOf(Bulk(field), at, StringComparison.Ordinal) + Bulk(field).Length;
        return all[f..(all.IndexOf("\r\n", f, StringComparison.Ordinal) + 2)];
    }

    [Test]
    public void XInfoConsumersAndStreamFull()
    {
        string k = K();
        AddEntries(k, 3);
        Run("XGROUP", "CREATE", k, "g", "0");
        Run("XGROUP", "CREATECONSUMER", k, "g", "idle-one");
        Run("XREADGROUP", "GROUP", "g", "worker", "COUNT", "2", "STREAMS", k, ">");
        string consumers = Run("XINFO", "CONSUMERS", k, "g");
        Assert.That(consumers, Does.Match(
            @"^\*2\r\n\*8\r\n\$4\r\nname\r\n\$8\r\nidle-one\r\n\$7\r\npending\r\n:0\r\n\$4\r\nidle\r\n:\d+\r\n\$8\r\ninactive\r\n:-1\r\n" +
            @"\*8\r\n\$4\r\nname\r\n\$6\r\nworker\r\n\$7\r\npending\r\n:2\r\n\$4\r\nidle\r\n:\d+\r\n\$8\r\ninactive\r\n:\d+\r\n$"));
        Assert.That(Run("XINFO", "CONSUMERS", k, "nope"), Is.EqualTo(Err($"NOGROUP No such consumer group 'nope' for key name '{k}'")));

        string plain = Run("XINFO", "STREAM", k);
        Assert.That(plain, Does.StartWith($"*20\r\n{Bulk("length")}:3\r\n{Bulk("radix-tree-keys")}:"));
        Assert.That(plain, Does.Contain($"{Bulk("last-generated-id")}{Bulk("3-0")}{Bulk("max-deleted-entry-id")}{Bulk("0-0")}{Bulk("entries-added")}:3\r\n{Bulk("recorded-first-entry-id")}{Bulk("1-0")}{Bulk("groups")}:1\r\n"));
        Assert.That(plain, Does.EndWith($"{Bulk("first-entry")}{Entry("1-0", "f", "v1")}{Bulk("last-entry")}{Entry("3-0", "f", "v3")}"));

        string full = Run("XINFO", "STREAM", k, "FULL", "COUNT", "1");
        Assert.That(full, Does.StartWith("*18\r\n"));
        Assert.That(full, Does.Contain($"{Bulk("entries")}*1\r\n{Entry("1-0", "f", "v1")}{Bulk("groups")}*1\r\n*14\r\n{Bulk("name")}{Bulk("g")}{Bulk("last-delivered-id")}{Bulk("2-0")}{Bulk("entries-read")}:2\r\n{Bulk("lag")}:1\r\n{Bulk("pel-count")}:2\r\n{Bulk("pending")}*1\r\n*4\r\n{Bulk("1-0")}{Bulk("worker")}:"));
        Assert.That(full, Does.Contain($"{Bulk("consumers")}*2\r\n*10\r\n{Bulk("name")}{Bulk("idle-one")}{Bulk("seen-time")}:"));
        Assert.That(full, Does.Contain($"{Bulk("active-time")}:-1\r\n{Bulk("pel-count")}:0\r\n{Bulk("pending")}*0\r\n"));
        Assert.That(Run("XINFO", "STREAM", k, "FULL", "COUNT", "0"), Does.Contain($"{Bulk("entries")}*3\r\n"), "COUNT 0 = everything");
        Assert.That(Run("XINFO", "STREAM", k, "FULL", "LIMIT", "1"), Is.EqualTo(Err("ERR unknown subcommand or wrong number of arguments for 'STREAM'. Try XINFO HELP.")));
        Assert.That(Run("XINFO", "STREAM", k, "FULL", "COUNT", "x"), Is.EqualTo(Err("ERR value is not an integer or out of range")));
        Assert.That(Run("XINFO", "STREAM", K("missing")), Is.EqualTo(Err("ERR no such key")));

        Resp3();
        string map = Run("XINFO", "STREAM", k);
        Assert.That(map, Does.StartWith($"%10\r\n{Bulk("length")}:3\r\n"));
        Assert.That(Run("XINFO", "STREAM", k, "FULL"), Does.StartWith("%9\r\n").And.Contain("*1\r\n%7\r\n").And.Contain("*2\r\n%5\r\n"));
        Assert.That(Run("XINFO", "CONSUMERS", k, "g"), Does.StartWith($"*2\r\n%4\r\n{Bulk("name")}"));
        Run("XADD", K("empty"), "1-0", "a", "b");
        Run("XDEL", K("empty"), "1-0");
        Assert.That(Run("XINFO", "STREAM", K("empty")), Does.EndWith($"{Bulk("first-entry")}_\r\n{Bulk("last-entry")}_\r\n"));
    }

    // ---- StackExchange.Redis scenario --------------------------------------------------------------

    [Test]
    public void SeveralConsumersShareAStreamThroughStackExchangeRedis()
    {
        var db = Db;
        string k = K();
        Assert.That(db.StreamCreateConsumerGroup(k, "workers", StreamPosition.NewMessages, createStream: true), Is.True);
        for (int i = 0; i < 10; i++) db.StreamAdd(k, "n", i);
        var a = db.StreamReadGroup(k, "workers", "a", StreamPosition.NewMessages, count: 4);
        var b = db.StreamReadGroup(k, "workers", "b", StreamPosition.NewMessages, count: 4);
        var c = db.StreamReadGroup(k, "workers", "c", StreamPosition.NewMessages);
        Assert.That(a.Length + b.Length + c.Length, Is.EqualTo(10));
        Assert.That(a.Concat(b).Concat(c).Select(e => (int)e["n"]), Is.EqualTo(Enumerable.Range(0, 10)), "each entry delivered once, in order");

        Assert.That(db.StreamAcknowledge(k, "workers", a.Select(e => e.Id).ToArray()), Is.EqualTo(4));
        var pending = db.StreamPending(k, "workers");
        Assert.That(pending.PendingMessageCount, Is.EqualTo(6));
        Assert.That(pending.LowestPendingMessageId.ToString(), Is.EqualTo(b[0].Id.ToString()));
        Assert.That(pending.Consumers.Select(x => (x.Name.ToString(), x.PendingMessageCount)), Is.EqualTo(new[] { ("b", 4), ("c", 2) }));
        var details = db.StreamPendingMessages(k, "workers", 10, "c");
        Assert.That(details.Select(d => d.MessageId.ToString()), Is.EqualTo(c.Select(e => e.Id.ToString())));
        Assert.That(details.All(d => d.DeliveryCount == 1 && d.ConsumerName == "c"));

        var claimed = db.StreamClaim(k, "workers", "a", 0, [b[0].Id, b[1].Id]);
        Assert.That(claimed.Select(e => (int)e["n"]), Is.EqualTo(new[] { 4, 5 }));
        var ids = db.StreamClaimIdsOnly(k, "workers", "a", 0, [b[2].Id]);
        Assert.That(ids.Select(x => x.ToString()), Is.EqualTo(new[] { b[2].Id.ToString() }));
        var auto = db.StreamAutoClaim(k, "workers", "d", 0, "0-0", 2);
        Assert.That(auto.ClaimedEntries.Select(e => (int)e["n"]), Is.EqualTo(new[] { 4, 5 }));
        Assert.That(auto.NextStartId.ToString(), Is.EqualTo(b[2].Id.ToString()));
        Assert.That(auto.DeletedIds, Is.Empty);

        var info = db.StreamInfo(k);
        Assert.That(info.Length, Is.EqualTo(10));
        Assert.That(info.ConsumerGroupCount, Is.EqualTo(1));
        var groups = db.StreamGroupInfo(k);
        Assert.That(groups.Single().Name, Is.EqualTo("workers"));
        Assert.That(groups.Single().PendingMessageCount, Is.EqualTo(6));
        Assert.That(groups.Single().ConsumerCount, Is.EqualTo(4));
        Assert.That(groups.Single().Lag, Is.EqualTo(0));
        Assert.That(groups.Single().EntriesRead, Is.EqualTo(10));
        var consumers = db.StreamConsumerInfo(k, "workers");
        Assert.That(consumers.Select(x => (x.Name, x.PendingMessageCount)), Is.EqualTo(new[] { ("a", 1), ("b", 1), ("c", 2), ("d", 2) }));
        Assert.That(db.StreamDeleteConsumer(k, "workers", "d"), Is.EqualTo(2));
        Assert.That(db.StreamConsumerGroupSetPosition(k, "workers", "0-0"), Is.True);
        Assert.That(db.StreamDeleteConsumerGroup(k, "workers"), Is.True);
        Assert.That(db.StreamGroupInfo(k), Is.Empty);
    }

    [Test]
    public void MalformedArgumentsNeverCrashTheServer()
    {
        string k = K();
        AddEntries(k, 5);
        Run("XGROUP", "CREATE", k, "g", "0");
        Run("XREADGROUP", "GROUP", "g", "c", "STREAMS", k, ">");
        string[] pool = ["", "-", "+", "$", ">", "(", "(-", "0", "-1", "1-", "-1-1", "1-x", "18446744073709551615-18446744073709551615",
            "18446744073709551616", "9223372036854775808", "COUNT", "BLOCK", "STREAMS", "GROUP", "NOACK", "IDLE", "TIME", "RETRYCOUNT",
            "FORCE", "JUSTID", "LASTID", "FULL", "ENTRIESREAD", "MKSTREAM", k, "g", "c", "\0\r\n"];
        string[][] heads =
        [
            ["XGROUP", "CREATE", k], ["XGROUP", "SETID", k, "g"], ["XREADGROUP", "GROUP", "g", "c"], ["XREADGROUP"], ["XACK", k, "g"],
            ["XPENDING", k, "g"], ["XCLAIM", k, "g", "c"], ["XAUTOCLAIM", k, "g", "c"], ["XINFO", "STREAM", k], ["XINFO", "CONSUMERS", k],
        ];
        var rng = new Random(42);
        for (int i = 0; i < 1500; i++)
        {
            var head = heads[rng.Next(heads.Length)];
            var args = head.Concat(Enumerable.Range(0, rng.Next(0, 7)).Select(_ => pool[rng.Next(pool.Length)])).ToArray();
            if (args.Contains("BLOCK")) continue;
            string reply = Run(args);
            Assert.That(reply, Is.Not.Empty, string.Join(' ', args));
        }
        Assert.That(Run("PING"), Is.EqualTo("+PONG\r\n"));
        Assert.That(Run("XLEN", k), Is.EqualTo(Int(5)));
    }

    [Test]
    public void XPendingSummaryInResp3()
    {
        string k = K();
        Run("XGROUP", "CREATE", k, "g", "$", "MKSTREAM");
        Resp3();
        Assert.That(Run("XPENDING", k, "g"), Is.EqualTo("*4\r\n:0\r\n_\r\n_\r\n_\r\n"));
        Run("XADD", k, "1-0", "a", "b");
        Run("XREADGROUP", "GROUP", "g", "c", "STREAMS", k, ">");
        Assert.That(Run("XPENDING", k, "g"), Is.EqualTo($"*4\r\n:1\r\n{Bulk("1-0")}{Bulk("1-0")}*1\r\n{Arr("c", "1")}"));
    }

    [Test]
    public void CopyAndMemoryUsageCarryTheGroups()
    {
        string k = K();
        AddEntries(k, 3);
        Run("XGROUP", "CREATE", k, "g", "0");
        Run("XREADGROUP", "GROUP", "g", "c", "STREAMS", k, ">");
        Assert.That(Run("COPY", k, K("copy")), Is.EqualTo(Int(1)));
        Run("XACK", k, "g", "1-0");
        Assert.That(Run("XPENDING", K("copy"), "g"), Is.EqualTo($"*4\r\n:3\r\n{Bulk("1-0")}{Bulk("3-0")}*1\r\n{Arr("c", "3")}"), "the copy is independent");
        Assert.That(Run("XPENDING", k, "g"), Does.StartWith("*4\r\n:2\r\n"));
        Assert.That(Integer(Run("MEMORY", "USAGE", k)), Is.GreaterThan(0));
        Assert.That(Run("DEL", k, K("copy")), Is.EqualTo(Int(2)));
    }
}

/// <summary>XREADGROUP BLOCK and XGROUP keyspace events, on a server of their own.</summary>
[TestFixture]
[NonParallelizable]
public class BlockingStreamGroupTests : BlockedClientsFixture
{
    private static string K(string name = "s") => $"{{bsg}}:{TestContext.CurrentContext.Test.Name}:{name}";

    [Test]
    public void BlockedReadGroupIsWokenByXAdd()
    {
        using var blocked = Raw();
        using var writer = Raw();
        writer.Execute("XGROUP", "CREATE", K(), "g", "$", "MKSTREAM");
        Block(blocked, "XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", K(), ">");
        Assert.That(blocked.WaitForData(Quiet), Is.False);
        writer.Execute("XADD", K(), "5-0", "k", "v");
        Assert.That(blocked.ReadReply(), Is.EqualTo($"*1\r\n*2\r\n{Bulk(K())}*1\r\n*2\r\n{Bulk("5-0")}*2\r\n{Bulk("k")}{Bulk("v")}"));
        Assert.That(writer.Execute("XPENDING", K(), "g"), Does.StartWith("*4\r\n:1\r\n"));
    }

    [Test]
    public void BlockedReadGroupGetsNoGroupWhenGroupOrKeyGoes()
    {
        using var blocked = Raw();
        using var writer = Raw();
        writer.Execute("XGROUP", "CREATE", K(), "g", "$", "MKSTREAM");
        Block(blocked, "XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", K(), ">");
        writer.Execute("XGROUP", "DESTROY", K(), "g");
        Assert.That(blocked.ReadReply(), Is.EqualTo($"-NOGROUP No such key '{K()}' or consumer group 'g' in XREADGROUP with GROUP option\r\n"));

        writer.Execute("XGROUP", "CREATE", K(), "g", "$");
        Block(blocked, "XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", K(), ">");
        writer.Execute("DEL", K());
        Assert.That(blocked.ReadReply(), Does.StartWith("-NOGROUP No such key"));

        writer.Execute("XGROUP", "CREATE", K(), "g", "$", "MKSTREAM");
        Block(blocked, "XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", K(), ">");
        writer.Execute("SET", K(), "now-a-string");
        Assert.That(blocked.ReadReply(), Is.EqualTo(Resp.WrongType));
    }

    [Test]
    public void BlockedReadGroupTimesOutAndHistoryNeverBlocks()
    {
        using var c = Raw();
        c.Execute("XGROUP", "CREATE", K(), "g", "$", "MKSTREAM");
        var sw = System.Diagnostics.Stopwatch.StartNew();
        Assert.That(c.Execute("XREADGROUP", "GROUP", "g", "c", "BLOCK", "100", "STREAMS", K(), ">"), Is.EqualTo("*-1\r\n"));
        Assert.That(sw.ElapsedMilliseconds, Is.GreaterThanOrEqualTo(90));
        Assert.That(c.Execute("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", K(), "0"), Is.EqualTo($"*1\r\n*2\r\n{Bulk(K())}*0\r\n"));
        c.Execute("MULTI");
        c.Execute("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", K(), ">");
        Assert.That(c.Execute("EXEC"), Is.EqualTo("*1\r\n*-1\r\n"), "inside MULTI it does not block");
    }

    [Test]
    public void ClientUnblockEndsABlockedReadGroup()
    {
        using var blocked = Raw();
        using var admin = Raw();
        admin.Execute("XGROUP", "CREATE", K(), "g", "$", "MKSTREAM");
        long id = Resp.Integer(blocked.Execute("CLIENT", "ID"));
        Block(blocked, "XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", K(), ">");
        Assert.That(admin.Execute("CLIENT", "UNBLOCK", id.ToString()), Is.EqualTo(Resp.Int(1)));
        Assert.That(blocked.ReadReply(), Is.EqualTo("*-1\r\n"));
        Block(blocked, "XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", K(), ">");
        Assert.That(admin.Execute("CLIENT", "UNBLOCK", id.ToString(), "ERROR"), Is.EqualTo(Resp.Int(1)));
        Assert.That(blocked.ReadReply(), Is.EqualTo("-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n"));
        Assert.That(admin.Execute("XINFO", "CONSUMERS", K(), "g"), Does.Contain(Bulk("c")), "blocking created the consumer");
    }

    [Test]
    public void GroupCommandsFireKeyspaceEvents()
    {
        using var sub = Raw();
        using var c = Raw();
        c.Execute("CONFIG", "SET", "notify-keyspace-events", "KEt");
        try
        {
            sub.Execute("PSUBSCRIBE", "__keyevent@0__:*");
            c.Execute("XGROUP", "CREATE", K(), "g", "$", "MKSTREAM");
            c.Execute("XGROUP", "CREATECONSUMER", K(), "g", "c1");
            c.Execute("XREADGROUP", "GROUP", "g", "c2", "STREAMS", K(), ">");
            c.Execute("XGROUP", "SETID", K(), "g", "0");
            c.Execute("XGROUP", "DELCONSUMER", K(), "g", "c1");
            c.Execute("XGROUP", "DESTROY", K(), "g");
            var events = new List<string>();
            for (int i = 0; i < 6; i++)
            {
                string msg = sub.ReadReply();
                var parts = msg.Split("\r\n");
                events.Add(parts[6].Split(':')[1]);
                Assert.That(parts[8], Is.EqualTo(K()));
            }
            Assert.That(events, Is.EqualTo(new[] { "xgroup-create", "xgroup-createconsumer", "xgroup-createconsumer", "xgroup-setid", "xgroup-delconsumer", "xgroup-destroy" }));
        }
        finally
        {
            c.Execute("CONFIG", "SET", "notify-keyspace-events", "");
        }
    }
}

/// <summary>
/// Propagation: XREADGROUP / XCLAIM / XAUTOCLAIM reach the AOF as Valkey's idempotent XCLAIM ... FORCE JUSTID
/// LASTID, XGROUP SETID ... ENTRIESREAD and XGROUP CREATECONSUMER forms, and the group state survives a restart.
/// </summary>
[TestFixture]
[NonParallelizable]
public class StreamGroupPropagationTests
{
    private static List<string> AofCommands(ServerProcess server)
    {
        string file = Directory.GetFiles(Path.Combine(server.WorkingDirectory, "appendonlydir"), "*.incr.aof").OrderBy(f => f, StringComparer.Ordinal).Last();
        var data = File.ReadAllBytes(file);
        var result = new List<string>();
        int pos = 0;
        string Line()
        {
            int end = Array.IndexOf(data, (byte)'\n', pos);
            string line = System.Text.Encoding.UTF8.GetString(data, pos, end - 1 - pos);
            pos = end + 1;
            return line;
        }
        while (pos < data.Length)
        {
            string header = Line();
            if (header.StartsWith('#')) continue;
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

    private static string Masked(string reply) => Regex.Replace(reply, @"(seen-time|active-time)\r\n:\d+", "$1\r\n:T");

    [Test]
    public void GroupCommandsPropagateValkeysFormsAndSurviveARestart()
    {
        using var server = ServerProcess.Start("--save", "", "--appendonly", "yes", "--appendfsync", "always");
        using (var c = server.CreateRawClient())
        {
            c.Execute("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM");
            c.Execute("XADD", "s", "1-0", "a", "1");
            c.Execute("XADD", "s", "2-0", "b", "2");
            c.Execute("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", ">");
            c.Execute("XREADGROUP", "GROUP", "g", "bob", "NOACK", "STREAMS", "s", ">");
            c.Execute("XADD", "s", "3-0", "c", "3");
            c.Execute("XREADGROUP", "GROUP", "g", "bob", "NOACK", "STREAMS", "s", ">");
            c.Execute("XCLAIM", "s", "g", "carol", "0", "1", "JUSTID", "RETRYCOUNT", "5");
            c.Execute("XDEL", "s", "2-0");
            c.Execute("XAUTOCLAIM", "s", "g", "dave", "0", "0", "JUSTID");
            c.Execute("XCLAIM", "s", "g", "alice", "0", "9-0", "LASTID", "10-0"); // an existing consumer: a consumer created by an XCLAIM that claims nothing is not propagated (as in Valkey)
            c.Execute("XADD", "s", "11-0", "d", "4");
            c.Execute("XREADGROUP", "GROUP", "g", "frank", "STREAMS", "s", ">");
        }
        var aof = AofCommands(server).Select(l => Regex.Replace(l, @"TIME \d+", "TIME t")).ToList();
        Assert.That(aof.Any(l => l.StartsWith("XREADGROUP") || l.StartsWith("XAUTOCLAIM")), Is.False, string.Join("\n", aof));
        Assert.That(aof, Does.Contain("XCLAIM s g alice 0 1-0 TIME t RETRYCOUNT 1 FORCE JUSTID LASTID 1-0"));
        Assert.That(aof, Does.Contain("XGROUP SETID s g 2-0 ENTRIESREAD 2"));
        Assert.That(aof, Does.Contain("XGROUP CREATECONSUMER s g bob"), "NOACK reads create the consumer explicitly");
        Assert.That(aof, Does.Contain("XGROUP SETID s g 3-0 ENTRIESREAD 3"));
        Assert.That(aof, Does.Contain("XCLAIM s g carol 0 1 TIME t RETRYCOUNT 5 FORCE JUSTID LASTID 3-0"), "the ID as the client typed it");
        Assert.That(aof, Does.Contain("XCLAIM s g alice 0 2-0 TIME t RETRYCOUNT 1 FORCE JUSTID LASTID 3-0"), "a deleted entry's NACK is dropped by the replayed XCLAIM");
        Assert.That(aof, Does.Contain("XGROUP SETID s g 10-0 ENTRIESREAD 3"), "LASTID alone moves the group");

        string[][] probes =
        [
            ["XINFO", "GROUPS", "s"], ["XPENDING", "s", "g"], ["XINFO", "STREAM", "s", "FULL"],
        ];
        var before = probes.Select(p => Masked(server.Execute(p))).ToList();
        Assert.That(before[1], Does.StartWith("*4\r\n:2\r\n"));
        server.Restart();
        var after = probes.Select(p => Masked(server.Execute(p))).ToList();
        Assert.That(after, Is.EqualTo(before));
    }
}
