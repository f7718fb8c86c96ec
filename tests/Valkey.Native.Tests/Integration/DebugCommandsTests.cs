using System.Diagnostics;
using System.Text.RegularExpressions;
using NUnit.Framework;
using Valkey.Native.Tests.Infrastructure;
using static Valkey.Native.Tests.Infrastructure.Resp;

namespace Valkey.Native.Tests.Integration;

/// <summary>
/// DEBUG: the enable-debug-command gate and the subcommands Valkey's test suite uses.
/// DEBUG changes global state (cron, active expiry), so the fixture has a server of its own.
/// </summary>
[TestFixture]
[NonParallelizable]
public class DebugCommandsTests : OwnServerFixture
{
    protected override string[] ServerArguments => ["--enable-debug-command", "yes"];

    private const string Disabled =
        "-ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.\r\n";

    // ---- the gate ---------------------------------------------------------------------------

    [Test]
    public void DebugIsRefusedByDefault()
    {
        using var raw = SharedServer.CreateRawClient();
        Assert.That(raw.Execute("DEBUG", "HELP"), Is.EqualTo(Disabled));
        Assert.That(raw.Execute("DEBUG", "SLEEP", "0"), Is.EqualTo(Disabled));
    }

    [Test]
    public void LocalAllowsLoopbackConnections()
    {
        using var server = ServerProcess.Start("--enable-debug-command", "local");
        using var raw = server.CreateRawClient();
        Assert.That(raw.Execute("DEBUG", "SLEEP", "0"), Is.EqualTo("+OK\r\n"));
    }

    [Test]
    public void ArityIsCheckedBeforeTheGate()
    {
        using var raw = SharedServer.CreateRawClient();
        Assert.That(raw.Execute("DEBUG"), Is.EqualTo("-ERR wrong number of arguments for 'debug' command\r\n"));
    }

    // ---- HELP / unknown -------------------------------------------------------------------------

    [Test]
    public void HelpAndUnknownSubcommands()
    {
        using var raw = Raw();
        string help = raw.Execute("DEBUG", "HELP");
        Assert.That(help, Does.Contain("+DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n"));
        Assert.That(help, Does.Contain("+SLEEP <seconds>\r\n"));
        Assert.That(help, Does.EndWith("+HELP\r\n+    Print this help.\r\n"));
        Assert.That(raw.Execute("DEBUG", "NOSUCH"), Is.EqualTo("-ERR unknown subcommand or wrong number of arguments for 'NOSUCH'. Try DEBUG HELP.\r\n"));
        Assert.That(raw.Execute("DEBUG", "SLEEP"), Is.EqualTo("-ERR unknown subcommand or wrong number of arguments for 'SLEEP'. Try DEBUG HELP.\r\n"));
    }

    [Test]
    public void ReloadSavesAndLoadsTheDataset()
    {
        using var raw = Raw();
        raw.Execute("SET", "debug-reload-key", "v1");
        Assert.That(raw.Execute("DEBUG", "RELOAD"), Is.EqualTo("+OK\r\n"));
        Assert.That(raw.Execute("GET", "debug-reload-key"), Is.EqualTo(Bulk("v1")));
        Assert.That(raw.Execute("DEBUG", "RELOAD", "BOGUS"), Is.EqualTo("-ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.\r\n"));
    }

    // ---- SLEEP / cron / active expire ----------------------------------------------------------------

    [Test]
    public void SleepBlocksTheServerForFractionalSeconds()
    {
        using var sleeper = Raw();
        using var other = Raw();
        var sw = Stopwatch.StartNew();
        sleeper.SendCommand("DEBUG", "SLEEP", "0.3");
        Thread.Sleep(50);
        Assert.That(other.Execute("PING"), Is.EqualTo("+PONG\r\n"));
        Assert.That(sw.Elapsed, Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(280)), "the other client waited for the sleep");
        Assert.That(sleeper.ReadReply(), Is.EqualTo("+OK\r\n"));
    }

    [Test]
    public void SetActiveExpireZeroKeepsExpiredKeysInMemory()
    {
        using var raw = Raw();
        raw.Execute("SELECT", "4");
        try
        {
            Assert.That(raw.Execute("DEBUG", "SET-ACTIVE-EXPIRE", "0"), Is.EqualTo("+OK\r\n"));
            raw.Execute("SET", "ae:k", "v", "PX", "50");
            Thread.Sleep(400);
            Assert.That(raw.Execute("DBSIZE"), Is.EqualTo(":1\r\n"), "nobody removed the expired key");
            Assert.That(raw.Execute("DEBUG", "SET-ACTIVE-EXPIRE", "1"), Is.EqualTo("+OK\r\n"));
            Assert.That(WaitFor(() => raw.Execute("DBSIZE") == ":0\r\n"), Is.True, "active expiry removes it");
        }
        finally
        {
            raw.Execute("DEBUG", "SET-ACTIVE-EXPIRE", "1");
            raw.Execute("FLUSHDB");
        }
    }

    [Test]
    public void PauseCronAcceptsZeroAndOne()
    {
        using var raw = Raw();
        Assert.That(raw.Execute("DEBUG", "PAUSE-CRON", "1"), Is.EqualTo("+OK\r\n"));
        Assert.That(raw.Execute("PING"), Is.EqualTo("+PONG\r\n"), "commands still run");
        Assert.That(raw.Execute("DEBUG", "PAUSE-CRON", "0"), Is.EqualTo("+OK\r\n"));
    }

    private static bool WaitFor(Func<bool> condition)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < TimeSpan.FromSeconds(5))
        {
            if (condition()) return true;
            Thread.Sleep(20);
        }
        return false;
    }

    // ---- OBJECT ----------------------------------------------------------------------------------------

    [Test]
    public void ObjectDescribesTheValue()
    {
        using var raw = Raw();
        raw.Execute("SET", "obj:emb", "hello");
        raw.Execute("SET", "obj:int", "12345");
        raw.Execute("SET", "obj:raw", new string('x', 100));
        const string pattern = @"^\+Value at:0x[0-9a-f]+ refcount:1 encoding:{0} serializedlength:{1} lru:\d+ lru_seconds_idle:\d+ lfu_freq:\d+ lfu_access_time_minutes:\d+\r\n$";
        Assert.That(raw.Execute("DEBUG", "OBJECT", "obj:emb"), Does.Match(string.Format(pattern, "embstr", 6)));
        Assert.That(raw.Execute("DEBUG", "OBJECT", "obj:int"), Does.Match(string.Format(pattern, "int", 3)));
        Assert.That(raw.Execute("DEBUG", "OBJECT", "obj:raw"), Does.Match(string.Format(pattern, "raw", 102)));
        Assert.That(raw.Execute("DEBUG", "OBJECT", "obj:emb", "fast"), Does.Not.Contain("serializedlength"));
        Assert.That(raw.Execute("DEBUG", "OBJECT", "obj:missing"), Is.EqualTo("-ERR no such key\r\n"));
        raw.Execute("DEL", "obj:emb", "obj:int", "obj:raw");
    }

    [Test]
    public void ObjectOfAQuicklistShowsItsNodes()
    {
        using var raw = Raw();
        raw.Execute("CONFIG", "SET", "list-max-listpack-size", "4");
        try
        {
            raw.Execute("RPUSH", "obj:ql", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j");
            string info = raw.Execute("DEBUG", "OBJECT", "obj:ql");
            // 10 one-byte elements, 4 per node: 3 nodes; each listpack is 7 bytes of overhead + 3 per element
            // (encoding byte, the byte, back-length byte), as Valkey counts node->sz.
            Assert.That(info, Does.Match(@" encoding:quicklist .* ql_nodes:3 ql_avg_node:3\.33 ql_listpack_max:4 ql_compressed:0 ql_uncompressed_size:51\r\n$"));
            Assert.That(raw.Execute("DEBUG", "OBJECT", "obj:ql", "fast"), Does.EndWith(" ql_compressed:0\r\n"));
            raw.Execute("RPUSH", "obj:lp", "a");
            Assert.That(raw.Execute("DEBUG", "OBJECT", "obj:lp"), Does.Not.Contain("ql_nodes"));
        }
        finally
        {
            raw.Execute("CONFIG", "SET", "list-max-listpack-size", "-2");
            raw.Execute("DEL", "obj:ql", "obj:lp");
        }
    }

    // ---- DIGEST ----------------------------------------------------------------------------------------

    [Test]
    public void DigestTracksTheDataset()
    {
        using var server = ServerProcess.Start("--enable-debug-command", "yes");
        using var raw = server.CreateRawClient();
        string zeros = "+" + new string('0', 40) + "\r\n";
        Assert.That(raw.Execute("DEBUG", "DIGEST"), Is.EqualTo(zeros), "empty dataset");
        raw.Execute("SET", "a", "1");
        raw.Execute("HSET", "h", "f1", "v1", "f2", "v2");
        string d1 = raw.Execute("DEBUG", "DIGEST");
        Assert.That(d1, Does.Match(@"^\+[0-9a-f]{40}\r\n$").And.Not.EqualTo(zeros));

        // Same content written in another order and another encoding gives the same digest.
        raw.Execute("FLUSHALL");
        raw.Execute("HSET", "h", "f2", "v2", "f1", "v1");
        raw.Execute("SET", "a", "1");
        Assert.That(raw.Execute("DEBUG", "DIGEST"), Is.EqualTo(d1));

        raw.Execute("SET", "a", "2");
        Assert.That(raw.Execute("DEBUG", "DIGEST"), Is.Not.EqualTo(d1));
        raw.Execute("SET", "a", "1");
        Assert.That(raw.Execute("DEBUG", "DIGEST"), Is.EqualTo(d1));
        raw.Execute("EXPIRE", "a", "1000");
        Assert.That(raw.Execute("DEBUG", "DIGEST"), Is.Not.EqualTo(d1), "a TTL is part of the digest");

        // The same keys in another database are a different dataset.
        raw.Execute("FLUSHALL");
        raw.Execute("SELECT", "1");
        raw.Execute("SET", "a", "1");
        raw.Execute("HSET", "h", "f1", "v1", "f2", "v2");
        Assert.That(raw.Execute("DEBUG", "DIGEST"), Is.Not.EqualTo(d1));
    }

    [Test]
    public void DigestValueIsPerKey()
    {
        using var raw = Raw();
        raw.Execute("SET", "dv:a", "same");
        raw.Execute("SET", "dv:b", "same");
        raw.Execute("SET", "dv:c", "other");
        var lines = raw.Execute("DEBUG", "DIGEST-VALUE", "dv:a", "dv:b", "dv:c", "dv:missing").Split("\r\n");
        Assert.That(lines[0], Is.EqualTo("*4"));
        Assert.That(lines[1], Does.Match("^\\+[0-9a-f]{40}$"));
        Assert.That(lines[2], Is.EqualTo(lines[1]), "the key name is not part of a value digest");
        Assert.That(lines[3], Is.Not.EqualTo(lines[1]));
        Assert.That(lines[4], Is.EqualTo("+" + new string('0', 40)));
        Assert.That(raw.Execute("DEBUG", "DIGEST-VALUE"), Is.EqualTo("*0\r\n"));
        raw.Execute("DEL", "dv:a", "dv:b", "dv:c");
    }

    [Test]
    public void SetDigestDependsOnMembersNotOnOrderOrEncoding()
    {
        using var raw = Raw();
        raw.Execute("SADD", "dvs:intset", "3", "1", "2");
        raw.Execute("SADD", "dvs:other-order", "2", "3", "1");
        raw.Execute("SADD", "dvs:different", "1", "2", "4");
        raw.Execute("COPY", "dvs:intset", "dvs:copy");
        var lines = raw.Execute("DEBUG", "DIGEST-VALUE", "dvs:intset", "dvs:other-order", "dvs:copy", "dvs:different").Split("\r\n");
        Assert.That(lines[1], Does.Match("^\\+[0-9a-f]{40}$"));
        Assert.That(lines[1], Is.Not.EqualTo("+" + new string('0', 40)));
        Assert.That(lines[2], Is.EqualTo(lines[1]), "insertion order does not change the digest");
        Assert.That(lines[3], Is.EqualTo(lines[1]), "a copy has the same digest");
        Assert.That(lines[4], Is.Not.EqualTo(lines[1]), "different members, different digest");
        raw.Execute("DEL", "dvs:intset", "dvs:other-order", "dvs:different", "dvs:copy");
    }

    [Test]
    public void ListDigestDependsOnElementsAndTheirOrder()
    {
        using var raw = Raw();
        raw.Execute("RPUSH", "dvl:a", "x", "y", "z");
        raw.Execute("RPUSH", "dvl:same", "x", "y", "z");
        raw.Execute("RPUSH", "dvl:reversed", "z", "y", "x");
        var lines = raw.Execute("DEBUG", "DIGEST-VALUE", "dvl:a", "dvl:same", "dvl:reversed").Split("\r\n");
        Assert.That(lines[1], Is.Not.EqualTo("+" + new string('0', 40)));
        Assert.That(lines[2], Is.EqualTo(lines[1]));
        Assert.That(lines[3], Is.Not.EqualTo(lines[1]), "order is part of a list's digest");
        raw.Execute("DEL", "dvl:a", "dvl:same", "dvl:reversed");
    }

    // ---- PROTOCOL / ERROR / LOG ------------------------------------------------------------------------

    [TestCase("string", "$11\r\nHello World\r\n", "$11\r\nHello World\r\n")]
    [TestCase("integer", ":12345\r\n", ":12345\r\n")]
    [TestCase("double", "$5\r\n3.141\r\n", ",3.141\r\n")]
    [TestCase("bignum", "$37\r\n1234567999999999999999999999999999999\r\n", "(1234567999999999999999999999999999999\r\n")]
    [TestCase("null", "$-1\r\n", "_\r\n")]
    [TestCase("array", "*3\r\n:0\r\n:1\r\n:2\r\n", "*3\r\n:0\r\n:1\r\n:2\r\n")]
    [TestCase("set", "*3\r\n:0\r\n:1\r\n:2\r\n", "~3\r\n:0\r\n:1\r\n:2\r\n")]
    [TestCase("map", "*6\r\n:0\r\n:0\r\n:1\r\n:1\r\n:2\r\n:0\r\n", "%3\r\n:0\r\n#f\r\n:1\r\n#t\r\n:2\r\n#f\r\n")]
    [TestCase("true", ":1\r\n", "#t\r\n")]
    [TestCase("false", ":0\r\n", "#f\r\n")]
    [TestCase("verbatim", "$25\r\nThis is a verbatim\nstring\r\n", "=29\r\ntxt:This is a verbatim\nstring\r\n")]
    [TestCase("attrib", "$39\r\nSome real reply following the attribute\r\n",
        "|1\r\n$14\r\nkey-popularity\r\n*2\r\n$7\r\nkey:123\r\n:90\r\n$39\r\nSome real reply following the attribute\r\n")]
    public void ProtocolRepliesEachTypeInBothProtocols(string type, string resp2, string resp3)
    {
        using var raw = Raw();
        Assert.That(raw.Execute("DEBUG", "PROTOCOL", type), Is.EqualTo(resp2));
        raw.Execute("HELLO", "3");
        Assert.That(raw.Execute("DEBUG", "PROTOCOL", type), Is.EqualTo(resp3));
    }

    [Test]
    public void ProtocolPushNeedsResp3()
    {
        using var raw = Raw();
        Assert.That(raw.Execute("DEBUG", "PROTOCOL", "push"), Is.EqualTo("-ERR RESP2 is not supported by this command\r\n"));
        raw.Execute("HELLO", "3");
        raw.SendCommand("DEBUG", "PROTOCOL", "push");
        Assert.That(raw.ReadReply(), Is.EqualTo(">2\r\n$16\r\nserver-cpu-usage\r\n:42\r\n"));
        Assert.That(raw.ReadReply(), Is.EqualTo("$40\r\nSome real reply following the push reply\r\n"));
        Assert.That(raw.Execute("DEBUG", "PROTOCOL", "nope"), Does.StartWith("-ERR Wrong protocol type name."));
    }

    [Test]
    public void ErrorRepliesTheGivenText()
    {
        using var raw = Raw();
        Assert.That(raw.Execute("DEBUG", "ERROR", "MYCODE some\r\ntext"), Is.EqualTo("-MYCODE some  text\r\n"));
    }

    [Test]
    public void LogWritesToTheServerLog()
    {
        using var raw = Raw();
        Assert.That(raw.Execute("DEBUG", "LOG", "marker-8f3a"), Is.EqualTo("+OK\r\n"));
        Assert.That(WaitFor(() => Server.Log.Contains("DEBUG LOG: marker-8f3a")), Is.True);
    }

    // ---- POPULATE / CHANGE-REPL-ID / QUICKLIST-PACKED-THRESHOLD -------------------------------------------

    [Test]
    public void PopulateCreatesKeysAndKeepsExistingOnes()
    {
        using var raw = Raw();
        raw.Execute("SELECT", "2");
        try
        {
            raw.Execute("FLUSHDB");
            raw.Execute("SET", "key:1", "mine");
            Assert.That(raw.Execute("DEBUG", "POPULATE", "10"), Is.EqualTo("+OK\r\n"));
            Assert.That(raw.Execute("DBSIZE"), Is.EqualTo(":10\r\n"));
            Assert.That(raw.Execute("GET", "key:0"), Is.EqualTo(Bulk("value:0")));
            Assert.That(raw.Execute("GET", "key:1"), Is.EqualTo(Bulk("mine")), "existing keys are left alone");
            Assert.That(raw.Execute("DEBUG", "POPULATE", "3", "p", "10"), Is.EqualTo("+OK\r\n"));
            Assert.That(raw.Execute("GET", "p:2"), Is.EqualTo("$10\r\nvalue:2\0\0\0\r\n"), "padded to the size");
            Assert.That(raw.Execute("DEBUG", "POPULATE", "2", "q", "3"), Is.EqualTo("+OK\r\n"));
            Assert.That(raw.Execute("GET", "q:1"), Is.EqualTo(Bulk("val")), "truncated to the size");
            Assert.That(raw.Execute("DEBUG", "POPULATE", "-1"), Is.EqualTo("-ERR value is out of range, must be positive\r\n"));
        }
        finally
        {
            raw.Execute("FLUSHDB");
        }
    }

    [Test]
    public void ChangeReplIdChangesTheReplicationId()
    {
        using var raw = Raw();
        string Id() => Regex.Match(raw.Execute("INFO", "replication"), "master_replid:([0-9a-f]{40})").Groups[1].Value;
        string before = Id();
        Assert.That(raw.Execute("DEBUG", "CHANGE-REPL-ID"), Is.EqualTo("+OK\r\n"));
        Assert.That(Id(), Has.Length.EqualTo(40).And.Not.EqualTo(before));
    }

    [Test]
    public void QuicklistPackedThresholdValidatesItsArgument()
    {
        using var raw = Raw();
        Assert.That(raw.Execute("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "100"), Is.EqualTo("+OK\r\n"));
        Assert.That(raw.Execute("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "1kb"), Is.EqualTo("+OK\r\n"));
        Assert.That(raw.Execute("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "5gb"),
            Is.EqualTo("-ERR argument must be a memory value bigger than 1 and smaller than 4gb\r\n"));
        Assert.That(raw.Execute("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "abc"),
            Is.EqualTo("-ERR argument must be a memory value bigger than 1 and smaller than 4gb\r\n"));
        Assert.That(raw.Execute("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "0"), Is.EqualTo("+OK\r\n"));
    }

    [Test]
    public void ListpackNeedsAListpackValue()
    {
        using var raw = Raw();
        raw.Execute("HSET", "lp:h", "f", "v");
        raw.Execute("SET", "lp:s", "v");
        Assert.That(raw.Execute("DEBUG", "LISTPACK", "lp:h"), Is.EqualTo("+Listpack structure printed on stdout\r\n"));
        Assert.That(raw.Execute("DEBUG", "LISTPACK", "lp:s"), Is.EqualTo("-ERR Not a listpack encoded object.\r\n"));
        Assert.That(raw.Execute("DEBUG", "LISTPACK", "lp:none"), Is.EqualTo("-ERR no such key\r\n"));
        raw.Execute("DEL", "lp:h", "lp:s");
    }

    [Test]
    public void StringmatchTestPasses()
    {
        using var raw = Raw();
        Assert.That(raw.Execute("DEBUG", "STRINGMATCH-TEST"), Is.EqualTo("+Apparently the server did not crash: test passed\r\n"));
    }
}
