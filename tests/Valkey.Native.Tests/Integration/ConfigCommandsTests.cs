using NUnit.Framework;
using StackExchange.Redis;
using Valkey.Native.Tests.Infrastructure;
using static Valkey.Native.Tests.Infrastructure.Resp;

namespace Valkey.Native.Tests.Integration;

/// <summary>
/// CONFIG GET / SET / RESETSTAT / REWRITE / HELP end to end. CONFIG SET changes global state, so
/// the fixture has a server of its own and every test puts back what it changed.
/// </summary>
[TestFixture]
[NonParallelizable]
public class ConfigCommandsTests : OwnServerFixture
{
    private string _tempDir = null!;

    protected override bool ConnectRedisAtStart => true;

    [OneTimeSetUp]
    public void CreateTempDir()
    {
        _tempDir = Path.Combine(Path.GetTempPath(), "valkey-native-config-it", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_tempDir);
    }

    [OneTimeTearDown]
    public void DeleteTempDir()
    {
        try { Directory.Delete(_tempDir, recursive: true); } catch (IOException) { }
    }

    private Dictionary<string, string> ConfigGet(params string[] patterns)
    {
        var result = (RedisResult[])Redis.GetDatabase().Execute("CONFIG", ["GET", .. patterns])!;
        var map = new Dictionary<string, string>();
        for (int i = 0; i < result.Length; i += 2)
        {
            Assert.That(map.TryAdd(result[i].ToString()!, result[i + 1].ToString()!), Is.True, $"duplicate {result[i]}");
        }
        return map;
    }

    // ---- GET -----------------------------------------------------------------------------

    [Test]
    public void GetOneParameterIsAFlatPairInResp2()
    {
        Assert.That(Execute("CONFIG", "GET", "port"), Is.EqualTo("*2\r\n" + Bulk("port") + Bulk(Server.Port.ToString())));
        Assert.That(Execute("config", "get", "no-such-parameter"), Is.EqualTo("*0\r\n"));
    }

    [Test]
    public void GetIsAMapInResp3()
    {
        using var raw = Server.CreateRawClient();
        raw.SendCommand("HELLO", "3");
        raw.ReadReply();
        Assert.That(raw.Execute("CONFIG", "GET", "timeout"), Is.EqualTo("%1\r\n" + Bulk("timeout") + Bulk("0")));
    }

    [Test]
    public void GetGlobsAreCaseInsensitiveAndHaveNoDuplicates()
    {
        var all = ConfigGet("*");
        Assert.That(all.Keys, Is.SupersetOf(new[]
        {
            "port", "bind", "protected-mode", "unixsocket", "unixsocketperm", "tcp-backlog", "timeout", "tcp-keepalive",
            "databases", "maxclients", "hz", "dynamic-hz", "dir", "logfile", "loglevel", "pidfile", "requirepass",
            "proto-max-bulk-len", "client-query-buffer-limit", "enable-debug-command", "daemonize",
            "active-expire-effort", "lazyfree-lazy-user-flush", "lazyfree-lazy-user-del", "maxmemory", "maxmemory-policy",
            "hash-max-listpack-entries", "hash-max-ziplist-entries",
        }));

        var some = ConfigGet("MAXMEMORY*", "maxmemory", "h*ziplist-entries", "hash-max-listpack-entries", "bind");
        Assert.That(some.Keys, Is.EquivalentTo(new[]
            { "maxmemory", "maxmemory-policy", "maxmemory-samples", "maxmemory-eviction-tenacity", "maxmemory-clients",
              "hash-max-ziplist-entries", "hash-max-listpack-entries", "bind" }));
        // A glob matches aliases of every family: the old ziplist names of hashes and sorted sets.
        Assert.That(ConfigGet("*ziplist-entries").Keys, Is.EquivalentTo(new[] { "hash-max-ziplist-entries", "zset-max-ziplist-entries" }));
        Assert.That(some["bind"], Is.EqualTo("127.0.0.1"));
        Assert.That(ConfigGet("t?meout")["timeout"], Is.EqualTo("0"));
        Assert.That(ConfigGet("[pq]ort").Keys, Is.EquivalentTo(new[] { "port" }));
    }

    [Test]
    public void OurOwnParameterIsHiddenFromPatternsButFoundByName()
    {
        Assert.That(ConfigGet("*").Keys, Has.No.Member("event-loop-backend"));
        Assert.That(ConfigGet("event-loop-*"), Is.Empty);
        Assert.That(ConfigGet("event-loop-backend")["event-loop-backend"], Is.AnyOf("epoll", "poll"));
        Assert.That(ConfigGet("*").Keys, Has.No.Member("event-loop-nap-us"));
    }

    [Test]
    public void EventLoopNapIsOursHiddenAndSettable()
    {
        Assert.That(ConfigGet("event-loop-nap-us")["event-loop-nap-us"], Is.EqualTo("30"));
        try
        {
            Assert.That(Execute("CONFIG", "SET", "event-loop-nap-us", "0"), Is.EqualTo("+OK\r\n"));
            Assert.That(ConfigGet("event-loop-nap-us")["event-loop-nap-us"], Is.EqualTo("0"));
            Assert.That(Execute("CONFIG", "SET", "event-loop-nap-us", "1001"),
                Is.EqualTo("-ERR CONFIG SET failed (possibly related to argument 'event-loop-nap-us') - argument must be between 0 and 1000 inclusive\r\n"));
            Assert.That(Execute("CONFIG", "SET", "event-loop-nap-us", "-1"), Does.StartWith("-ERR CONFIG SET failed"));
            Assert.That(Execute("PING"), Is.EqualTo("+PONG\r\n"));
        }
        finally
        {
            Execute("CONFIG", "SET", "event-loop-nap-us", "30");
        }
    }

    [Test]
    public void GetPrintsValkeyFormats()
    {
        var v = ConfigGet("proto-max-bulk-len", "protected-mode", "loglevel", "databases", "unixsocketperm", "save", "daemonize");
        Assert.That(v["proto-max-bulk-len"], Is.EqualTo("536870912"));
        Assert.That(v["protected-mode"], Is.EqualTo("yes"));
        Assert.That(v["loglevel"], Is.EqualTo("notice"));
        Assert.That(v["databases"], Is.EqualTo("16"));
        Assert.That(v["unixsocketperm"], Is.EqualTo("0"));
        Assert.That(v["save"], Is.EqualTo("3600 1 300 100 60 10000"));
        Assert.That(v["daemonize"], Is.EqualTo("no"));
        Assert.That(ConfigGet("dir")["dir"], Is.EqualTo(Server.WorkingDirectory));
    }

    // ---- SET -----------------------------------------------------------------------------

    [Test]
    public void SetSeveralPairsAtOnce()
    {
        Assert.That(Execute("CONFIG", "SET", "maxmemory", "10mb", "timeout", "300", "maxmemory-policy", "ALLKEYS-LRU", "hash-max-ziplist-entries", "100"),
            Is.EqualTo("+OK\r\n"));
        try
        {
            var v = ConfigGet("maxmemory", "timeout", "maxmemory-policy", "hash-max-listpack-entries");
            Assert.That(v["maxmemory"], Is.EqualTo("10485760"));
            Assert.That(v["timeout"], Is.EqualTo("300"));
            Assert.That(v["maxmemory-policy"], Is.EqualTo("allkeys-lru"));
            Assert.That(v["hash-max-listpack-entries"], Is.EqualTo("100"));
        }
        finally
        {
            Assert.That(Execute("CONFIG", "SET", "maxmemory", "0", "timeout", "0", "maxmemory-policy", "noeviction", "hash-max-listpack-entries", "128"),
                Is.EqualTo("+OK\r\n"));
        }
    }

    [Test]
    public void FailedSetChangesNothing()
    {
        Assert.That(Execute("CONFIG", "SET", "maxmemory", "10000002"), Is.EqualTo("+OK\r\n"));
        try
        {
            Assert.That(Execute("CONFIG", "SET", "maxmemory", "10000001", "timeout", "12", "client-query-buffer-limit", "invalid", "hz", "50"),
                Is.EqualTo("-ERR CONFIG SET failed (possibly related to argument 'client-query-buffer-limit') - argument must be a memory value\r\n"));
            var v = ConfigGet("maxmemory", "timeout", "client-query-buffer-limit", "hz");
            Assert.That(v["maxmemory"], Is.EqualTo("10000002"));
            Assert.That(v["timeout"], Is.EqualTo("0"));
            Assert.That(v["client-query-buffer-limit"], Is.EqualTo("1073741824"));
            Assert.That(v["hz"], Is.EqualTo("10"));
        }
        finally
        {
            Assert.That(Execute("CONFIG", "SET", "maxmemory", "0"), Is.EqualTo("+OK\r\n"));
        }
    }

    [TestCase(new[] { "no-such", "1" }, "ERR Unknown option or number of arguments for CONFIG SET - 'no-such'")]
    [TestCase(new[] { "databases", "4" }, "ERR CONFIG SET failed (possibly related to argument 'databases') - can't set immutable config")]
    [TestCase(new[] { "daemonize", "yes" }, "ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set immutable config")]
    [TestCase(new[] { "enable-debug-command", "no" }, "ERR CONFIG SET failed (possibly related to argument 'enable-debug-command') - can't set immutable config")]
    [TestCase(new[] { "dir", "/tmp" }, "ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected config")]
    [TestCase(new[] { "maxmemory", "1", "MaxMemory", "2" }, "ERR CONFIG SET failed (possibly related to argument 'MaxMemory') - duplicate parameter")]
    [TestCase(new[] { "port", "abc" }, "ERR CONFIG SET failed (possibly related to argument 'port') - argument couldn't be parsed into an integer")]
    [TestCase(new[] { "timeout", "-5" }, "ERR CONFIG SET failed (possibly related to argument 'timeout') - argument must be between 0 and 2147483647 inclusive")]
    [TestCase(new[] { "protected-mode", "maybe" }, "ERR CONFIG SET failed (possibly related to argument 'protected-mode') - argument must be 'yes' or 'no'")]
    [TestCase(new[] { "maxmemory-policy", "lru" }, "ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy') - argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction")]
    [TestCase(new[] { "timeout", "1", "nosuch" }, "ERR syntax error")]
    public void SetErrors(string[] args, string error)
    {
        Assert.That(Execute(["CONFIG", "SET", .. args]), Is.EqualTo($"-{error}\r\n"));
    }

    [Test]
    public void SetArityAndUnknownSubcommand()
    {
        Assert.That(Execute("CONFIG", "SET", "timeout"), Is.EqualTo("-ERR wrong number of arguments for 'config|set' command\r\n"));
        Assert.That(Execute("CONFIG", "GET"), Is.EqualTo("-ERR wrong number of arguments for 'config|get' command\r\n"));
        Assert.That(Execute("CONFIG", "FOO"), Is.EqualTo("-ERR unknown subcommand 'FOO'. Try CONFIG HELP.\r\n"));
    }

    [Test]
    public void SettingAParameterToItsOwnValueIsAccepted()
    {
        // Valkey's "CONFIG sanity": CONFIG SET of every mutable value as CONFIG GET printed it.
        var before = ConfigGet("*");
        var skip = new HashSet<string> { "databases", "tcp-backlog", "unixsocket", "unixsocketperm", "pidfile", "logfile",
            "daemonize", "enable-debug-command", "enable-protected-configs", "event-loop-backend", "dir", "port", "bind",
            // Immutable or protected, as in Valkey's own sanity test.
            "appendfilename", "appenddirname", "rdbchecksum", "dbfilename" };
        foreach (var (name, value) in before)
        {
            if (skip.Contains(name)) continue;
            Assert.That(Execute("CONFIG", "SET", name, value), Is.EqualTo("+OK\r\n"), name);
        }
        Assert.That(ConfigGet("*"), Is.EqualTo(before));
    }

    [Test]
    public void HzAndLoglevelTakeEffect()
    {
        Assert.That(Execute("CONFIG", "SET", "hz", "1000", "loglevel", "debug"), Is.EqualTo("+OK\r\n"));
        try
        {
            Assert.That(ConfigGet("hz")["hz"], Is.EqualTo("500"));
            Assert.That(ConfigGet("loglevel")["loglevel"], Is.EqualTo("debug"));
        }
        finally
        {
            Assert.That(Execute("CONFIG", "SET", "hz", "10", "loglevel", "notice"), Is.EqualTo("+OK\r\n"));
        }
    }

    [Test]
    public void RequirepassTakesEffectForNewConnections()
    {
        Assert.That(Execute("CONFIG", "SET", "requirepass", "s3cret"), Is.EqualTo("+OK\r\n"));
        try
        {
            using var raw = Server.CreateRawClient();
            Assert.That(raw.Execute("GET", "x"), Does.StartWith("-NOAUTH"));
            Assert.That(raw.Execute("AUTH", "s3cret"), Is.EqualTo("+OK\r\n"));
            Assert.That(raw.Execute("CONFIG", "SET", "requirepass", ""), Is.EqualTo("+OK\r\n"));
        }
        finally
        {
            using var raw = Server.CreateRawClient();
            raw.Execute("AUTH", "s3cret");
            raw.Execute("CONFIG", "SET", "requirepass", "");
        }
        Assert.That(ConfigGet("requirepass")["requirepass"], Is.EqualTo(""));
    }

    [Test]
    public void ProtoMaxBulkLenAppliesToTheParser()
    {
        Assert.That(Execute("CONFIG", "SET", "proto-max-bulk-len", "1mb"), Is.EqualTo("+OK\r\n"));
        try
        {
            using var raw = Server.CreateRawClient();
            raw.Send($"*2\r\n$4\r\nECHO\r\n${2 * 1024 * 1024}\r\n");
            Assert.That(raw.ReadReply(), Is.EqualTo("-ERR Protocol error: invalid bulk length\r\n"));
        }
        finally
        {
            Assert.That(Execute("CONFIG", "SET", "proto-max-bulk-len", "512mb"), Is.EqualTo("+OK\r\n"));
        }
    }

    // ---- RESETSTAT / HELP ----------------------------------------------------------------

    [Test]
    public void ResetStatClearsCountersReportedByInfo()
    {
        for (int i = 0; i < 5; i++) Execute("PING");
        Execute("NO-SUCH-COMMAND");
        string before = Execute("INFO", "stats");
        Assert.That(InfoParser.Field(before, "total_commands_processed"), Is.GreaterThan(5));
        Assert.That(Execute("CONFIG", "RESETSTAT"), Is.EqualTo("+OK\r\n"));
        string after = Execute("INFO", "stats");
        Assert.That(InfoParser.Field(after, "total_commands_processed"), Is.LessThanOrEqualTo(1));
        Assert.That(InfoParser.Field(after, "total_connections_received"), Is.LessThanOrEqualTo(1));
        Assert.That(Execute("INFO", "commandstats"), Does.Not.Contain("cmdstat_ping:"));
        Assert.That(Execute("INFO", "errorstats"), Does.Not.Contain("errorstat_ERR"));
    }

    [Test]
    public void Help()
    {
        string help = Execute("CONFIG", "HELP");
        Assert.That(help, Does.StartWith("*11\r\n+CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+GET <pattern>\r\n"));
        Assert.That(help, Does.EndWith("+HELP\r\n+    Print this help.\r\n"));
    }

    // ---- REWRITE -------------------------------------------------------------------------

    [Test]
    public void RewriteWithoutConfigFileFails()
    {
        Assert.That(Execute("CONFIG", "REWRITE"), Is.EqualTo("-ERR The server is running without a config file\r\n"));
    }

    [Test]
    public void RewriteRoundTrip()
    {
        string conf = Path.Combine(_tempDir, "roundtrip.conf");
        File.WriteAllText(conf, "# my settings\ntimeout 10\n\n# memory\nmaxmemory 1mb\nloglevel verbose\n");
        using var server = ServerProcess.StartWithConfig(conf);
        using (var raw = server.CreateRawClient())
        {
            Assert.That(raw.Execute("CONFIG", "SET", "maxmemory", "5mb", "timeout", "42", "maxmemory-policy", "volatile-ttl", "save", ""),
                Is.EqualTo("+OK\r\n"));
            Assert.That(raw.Execute("CONFIG", "REWRITE"), Is.EqualTo("+OK\r\n"));
        }

        string text = File.ReadAllText(conf);
        Assert.That(text, Does.StartWith("# my settings\ntimeout 42\n\n# memory\nmaxmemory 5mb\nloglevel verbose\n"));
        Assert.That(text, Does.Contain("\n# Generated by CONFIG REWRITE\n"));
        Assert.That(text, Does.Contain("\nmaxmemory-policy volatile-ttl\n").And.Contain("\nsave \"\"\n"));
        Assert.That(text, Does.Contain($"\nport {server.Port}\n").And.Contain("\nbind 127.0.0.1\n"));

        server.Restart();
        using (var raw = server.CreateRawClient())
        {
            Assert.That(raw.Execute("CONFIG", "GET", "maxmemory"), Is.EqualTo("*2\r\n" + Bulk("maxmemory") + Bulk("5242880")));
            Assert.That(raw.Execute("CONFIG", "GET", "timeout"), Is.EqualTo("*2\r\n" + Bulk("timeout") + Bulk("42")));
            Assert.That(raw.Execute("CONFIG", "GET", "maxmemory-policy"), Is.EqualTo("*2\r\n" + Bulk("maxmemory-policy") + Bulk("volatile-ttl")));
            Assert.That(raw.Execute("CONFIG", "GET", "save"), Is.EqualTo("*2\r\n" + Bulk("save") + Bulk("")));
            Assert.That(raw.Execute("CONFIG", "GET", "loglevel"), Is.EqualTo("*2\r\n" + Bulk("loglevel") + Bulk("verbose")));
        }
    }

    [Test]
    public void RewriteIntoAReadOnlyDirectoryReportsTheError()
    {
        if (OperatingSystem.IsWindows() || Environment.UserName == "root")
        {
            Assert.Ignore("needs Unix permissions that apply to the current user (root can write anywhere)");
            return;
        }
        string dir = Path.Combine(_tempDir, "ro");
        Directory.CreateDirectory(dir);
        string conf = Path.Combine(dir, "ro.conf");
        File.WriteAllText(conf, "timeout 1\n");
        using var server = ServerProcess.StartWithConfig(conf);
        File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        try
        {
            Assert.That(server.CreateRawClient().Execute("CONFIG", "REWRITE"), Is.EqualTo("-ERR Rewriting config file: Permission denied\r\n"));
        }
        finally
        {
            File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }
}
