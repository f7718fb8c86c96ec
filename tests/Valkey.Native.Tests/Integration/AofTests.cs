using System.Diagnostics;
using System.Text;
using NUnit.Framework;
using Valkey.Native.Tests.Infrastructure;
using static Valkey.Native.Tests.Infrastructure.Resp;
using static Valkey.Native.Tests.Integration.PersistenceTestHelpers;

namespace Valkey.Native.Tests.Integration;

/// <summary>
/// The append-only file: Valkey 7+'s multi-part directory, the deterministic forms commands are
/// propagated in (read back from the incremental file), restart and crash recovery, a torn final
/// record per aof-load-truncated, an AOF directory written by redis-server 7.0, and check-aof.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class AofTests
{
    /// <summary>The manifest has one base and one incremental file, and the directory holds exactly those.</summary>
    private static void AssertCompactDirectory(ServerProcess server)
    {
        var lines = File.ReadAllLines(Path.Combine(AofDir(server), "appendonly.aof.manifest"));
        Assert.That(lines, Has.Length.EqualTo(2));
        Assert.That(lines[0], Does.Match(@"^file appendonly\.aof\.\d+\.base\.rdb seq \d+ type b$"));
        Assert.That(lines[1], Does.Match(@"^file appendonly\.aof\.\d+\.incr\.aof seq \d+ type i$"));
        var named = lines.Select(l => l.Split(' ')[1]).Append("appendonly.aof.manifest").Order(StringComparer.Ordinal);
        Assert.That(Directory.GetFiles(AofDir(server)).Select(Path.GetFileName).Order(StringComparer.Ordinal), Is.EqualTo(named));
    }

    [Test]
    public void MultiPartLayoutIsCreatedAtStartupAndInfoReportsIt()
    {
        using var server = ServerProcess.Start("--save", "", "--appendonly", "yes");
        var dir = AofDir(server);
        Assert.That(File.ReadAllText(Path.Combine(dir, "appendonly.aof.manifest")),
            Is.EqualTo("file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n"));
        Assert.That(File.ReadAllBytes(Path.Combine(dir, "appendonly.aof.1.base.rdb"))[..5], Is.EqualTo("REDIS"u8.ToArray()));
        server.Execute("SET", "k", "v");
        var info = PersistenceInfo(server);
        Assert.That(InfoParser.Field(info, "aof_enabled"), Is.EqualTo(1));
        Assert.That(InfoParser.Fields(info)["aof_last_write_status"], Is.EqualTo("ok"));
        Assert.That(InfoParser.Field(info, "aof_current_size"), Is.GreaterThan(InfoParser.Field(info, "aof_base_size")));
        Assert.That(AofCommands(IncrFile(server), upperCaseName: true), Is.EqualTo(new[] { "SELECT 0", "SET k v" }));
    }

    [Test]
    public void PropagatedFormsAreDeterministic()
    {
        using var server = ServerProcess.Start("--save", "", "--appendonly", "yes");
        using var raw = server.CreateRawClient();
        long before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        raw.Execute("SET", "s1", "v", "EX", "100");
        raw.Execute("SETEX", "s2", "100", "v");
        raw.Execute("SET", "s3", "v", "PXAT", "99999999999999");
        raw.Execute("INCRBYFLOAT", "f", "1.5");
        raw.Execute("EXPIRE", "f", "100");
        raw.Execute("SADD", "set", "a", "b", "c");
        string popped = BulkText(raw.Execute("SPOP", "set"));
        raw.Execute("RPUSH", "list", "x", "y");
        raw.Execute("BLPOP", "list", "0");
        string xid = BulkText(raw.Execute("XADD", "st", "*", "f", "v"));
        raw.Execute("HSET", "h", "f", "1");
        raw.Execute("HINCRBYFLOAT", "h", "f", "0.5");
        raw.Execute("HEXPIRE", "h", "100", "FIELDS", "1", "f");
        raw.Execute("GETDEL", "s3");
        raw.Execute("GET", "s1");                 // a read: nothing
        raw.Execute("SET", "s4", "v", "NX");
        raw.Execute("SET", "s4", "v", "NX");      // no change: nothing
        raw.Execute("SELECT", "2");
        raw.Execute("SET", "in2", "x");
        long after = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var cmds = AofCommands(IncrFile(server), upperCaseName: true);

        void AssertAbsolute(string line, string prefix, long offsetMs, string suffix = "")
        {
            Assert.That(line, Does.StartWith(prefix));
            var rest = line[prefix.Length..];
            if (suffix.Length > 0) rest = rest[..^suffix.Length];
            long at = long.Parse(rest);
            Assert.That(at, Is.InRange(before + offsetMs, after + offsetMs), line);
        }
        Assert.That(cmds[0], Is.EqualTo("SELECT 0"));
        AssertAbsolute(cmds[1], "SET s1 v PXAT ", 100_000);
        AssertAbsolute(cmds[2], "SET s2 v PXAT ", 100_000);
        Assert.That(cmds[3], Is.EqualTo("SET s3 v PXAT 99999999999999"));
        Assert.That(cmds[4], Is.EqualTo("SET f 1.5 KEEPTTL"));
        AssertAbsolute(cmds[5], "PEXPIREAT f ", 100_000);
        Assert.That(cmds[6], Is.EqualTo("SADD set a b c"));
        Assert.That(cmds[7], Is.EqualTo("SREM set " + popped));
        Assert.That(cmds[8], Is.EqualTo("RPUSH list x y"));
        Assert.That(cmds[9], Is.EqualTo("LPOP list"));
        Assert.That(cmds[10], Is.EqualTo($"XADD st {xid} f v"));
        Assert.That(cmds[11], Is.EqualTo("HSET h f 1"));
        Assert.That(cmds[12], Is.EqualTo("HSETEX h KEEPTTL FIELDS 1 f 1.5"));
        AssertAbsolute(cmds[13], "HPEXPIREAT h ", 100_000, " FIELDS 1 f");
        Assert.That(cmds[14], Is.EqualTo("DEL s3"));
        Assert.That(cmds[15], Is.EqualTo("SET s4 v NX"));
        Assert.That(cmds[16], Is.EqualTo("SELECT 2"));
        Assert.That(cmds[17], Is.EqualTo("SET in2 x"));
        Assert.That(cmds, Has.Count.EqualTo(18));
    }

    [Test]
    public void ServedBlockedPopAndTransactionsPropagateAsTheirEffects()
    {
        using var server = ServerProcess.Start("--save", "", "--appendonly", "yes");
        using var blocked = server.CreateRawClient();
        blocked.SendCommand("BRPOP", "bl", "0");
        Thread.Sleep(200);
        using var raw = server.CreateRawClient();
        raw.Execute("LPUSH", "bl", "a");
        Assert.That(blocked.ReadReply(), Is.EqualTo("*2\r\n$2\r\nbl\r\n$1\r\na\r\n"));
        raw.Execute("ZADD", "z", "1", "m");
        blocked.SendCommand("BZPOPMIN", "z", "0");
        Assert.That(blocked.ReadReply(), Does.StartWith("*3\r\n"));
        Assert.That(raw.Execute("MULTI"), Is.EqualTo("+OK\r\n"));
        raw.Execute("SET", "t1", "1");
        raw.Execute("GET", "t1");
        raw.Execute("INCR", "t1");
        Assert.That(raw.Execute("EXEC"), Is.EqualTo("*3\r\n+OK\r\n$1\r\n1\r\n:2\r\n"));
        raw.Execute("MULTI");
        raw.Execute("SET", "t2", "1");
        raw.Execute("EXEC");
        var cmds = AofCommands(IncrFile(server), upperCaseName: true);
        Assert.That(cmds, Is.EqualTo(new[]
        {
            "SELECT 0", "LPUSH bl a", "RPOP bl", "ZADD z 1 m", "ZPOPMIN z",
            "MULTI", "SET t1 1", "INCR t1", "EXEC", "SET t2 1",
        }));
    }

    // deleteExpiredKeyAndPropagate: UNLINK with lazyfree-lazy-expire yes (Valkey 8's default), DEL with no.
    [TestCase("yes", "UNLINK short")]
    [TestCase("no", "DEL short")]
    public void ExpiredKeysPropagateAsUnlinkOrDelPerLazyfreeLazyExpire(string lazyExpire, string expected)
    {
        using var server = ServerProcess.Start("--save", "", "--appendonly", "yes", "--lazyfree-lazy-expire", lazyExpire);
        server.Execute("SET", "short", "v", "PX", "50");
        Thread.Sleep(300);
        Assert.That(server.Execute("GET", "short"), Is.EqualTo("$-1\r\n"));
        Thread.Sleep(150);
        var cmds = AofCommands(IncrFile(server), upperCaseName: true);
        Assert.That(cmds.Count(c => c == expected), Is.EqualTo(1));
        Assert.That(cmds.Count(c => c.EndsWith(" short") && c != expected && !c.StartsWith("SET")), Is.EqualTo(0));
    }

    [Test]
    public void LazyExpiryDeletesPrecedeTheCommandAndScanIsNotWrapped()
    {
        using var server = ServerProcess.Start("--save", "", "--appendonly", "yes", "--enable-debug-command", "yes");
        using var raw = server.CreateRawClient();
        Assert.That(raw.Execute("DEBUG", "SET-ACTIVE-EXPIRE", "0"), Is.EqualTo("+OK\r\n"));
        raw.Execute("SET", "lz1", "v", "PX", "1");
        raw.Execute("SET", "lz2", "v", "PX", "1");
        raw.Execute("SET", "lz3", "v", "PX", "1");
        Thread.Sleep(20);
        raw.Execute("APPEND", "lz3", "x");                        // DEL lz3 then APPEND: one unit
        raw.Execute("SCAN", "0", "COUNT", "100");                 // deletes lz1 and lz2, not as a transaction
        var cmds = AofCommands(IncrFile(server), upperCaseName: true).Skip(4).ToList();   // SELECT + the three SETs
        Assert.That(cmds.Take(4), Is.EqualTo(new[] { "MULTI", "UNLINK lz3", "APPEND lz3 x", "EXEC" }));
        Assert.That(cmds.Skip(4).Order(), Is.EqualTo(new[] { "UNLINK lz1", "UNLINK lz2" }));
    }

    [Test]
    public void RestartRestoresEveryTypeWithExpiriesFromBaseAndIncrementalFiles()
    {
        using var server = ServerProcess.Start("--save", "", "--appendonly", "yes", "--appendfsync", "everysec");
        SortedDictionary<string, string> before;
        using (var mux = server.Connect())
        {
            RdbTestData.Populate(mux.GetDatabase(0), mux.GetDatabase(5));
            // Half in the base (after a rewrite), half in the incremental file.
            Assert.That(server.Execute("BGREWRITEAOF"), Is.EqualTo("+Background append only file rewriting started\r\n"));
            WaitForRewrite(server);
            var db = mux.GetDatabase(0);
            db.StringSet("after:rewrite", "1", TimeSpan.FromHours(1));
            db.HashSet("hf", [new("a", "1"), new("b", "2")]);
            db.Execute("HEXPIRE", "hf", "1000", "FIELDS", "1", "a");
            db.SetAdd("spop:set", ["1", "2", "3", "4", "5"]);
            db.Execute("SPOP", "spop:set", "2");
            db.StringIncrement("after:float", 2.25);
            db.ListRightPush("list:big", "appended");
            db.KeyDelete("str:raw");
            db.StringSet("gone:soon", "x", TimeSpan.FromMilliseconds(300));
            before = RdbTestData.Snapshot(mux);
        }
        AssertCompactDirectory(server);
        Thread.Sleep(400);
        server.Restart();
        Assert.That(server.Log, Does.Contain("DB loaded from append only file"));
        using var mux2 = server.Connect();
        before.Remove("0:gone:soon");
        Assert.That(RdbTestData.Snapshot(mux2), Is.EqualTo(before));
        Assert.That(Integer(server.Execute("TTL", "after:rewrite")), Is.InRange(3500, 3600));
        Assert.That(server.Execute("HTTL", "hf", "FIELDS", "2", "a", "b"), Does.Match(@"^\*2\r\n:(99\d|1000)\r\n:-1\r\n$"));
    }

    [Test]
    public void BaseOfCommandsWithoutRdbPreambleRestoresEverything()
    {
        using var server = ServerProcess.Start("--save", "", "--appendonly", "yes", "--aof-use-rdb-preamble", "no");
        SortedDictionary<string, string> before;
        using (var mux = server.Connect())
        {
            RdbTestData.Populate(mux.GetDatabase(0), mux.GetDatabase(5));
            Assert.That(server.Execute("BGREWRITEAOF"), Does.StartWith("+Background"));
            WaitForRewrite(server);
            mux.GetDatabase(0).StringSet("after", "1");
            before = RdbTestData.Snapshot(mux);
        }
        string baseFile = Path.Combine(AofDir(server), "appendonly.aof.2.base.aof");
        Assert.That(File.Exists(baseFile));
        var cmds = AofCommands(baseFile, upperCaseName: true);
        Assert.That(cmds[0], Is.EqualTo("SELECT 0"));
        // Per-type commands as rewriteAppendOnlyFileRio writes them, never RESTORE payloads.
        Assert.That(cmds.Count(c => c.StartsWith("RESTORE ")), Is.EqualTo(0));
        Assert.That(cmds, Does.Contain("SET str:int 123456").And.Contain("SELECT 5").And.Contain("SET db5:key five"));
        Assert.That(cmds.Count(c => c.StartsWith("RPUSH list:big ")), Is.EqualTo(3000 / 64 + 1));
        Assert.That(cmds.Count(c => c.StartsWith("SADD set:big ")), Is.EqualTo(700 / 64 + 1));
        Assert.That(cmds.Count(c => c.StartsWith("HMSET hash:big ")), Is.EqualTo(600 / 64 + 1));
        Assert.That(cmds.Count(c => c.StartsWith("ZADD zset:big ")), Is.EqualTo(300 / 64 + 1));
        Assert.That(cmds.Count(c => c.StartsWith("XADD stream:s ")), Is.EqualTo(250));
        Assert.That(cmds, Does.Contain("XADD stream:empty MAXLEN 0 0-1 x y"));
        Assert.That(cmds.Count(c => c.StartsWith("PEXPIREAT ")), Is.EqualTo(2));
        server.Restart();
        using var mux2 = server.Connect();
        Assert.That(RdbTestData.Snapshot(mux2), Is.EqualTo(before));
        Assert.That(Integer(server.Execute("TTL", "str:ttl")), Is.InRange(17000, 18000));
    }

    [Test]
    public void BackgroundRewriteKeepsWritesMadeWhileItRuns()
    {
        using var server = ServerProcess.Start("--save", "", "--appendonly", "yes");
        using var raw = server.CreateRawClient();
        string big = new('x', 2000);
        for (int i = 0; i < 20000; i++) raw.SendCommand("SET", $"bg:{i}", big);
        raw.ReadReplies(20000);
        raw.Execute("HSET", "bg:h", "a", "1", "b", "2");
        raw.Execute("HEXPIRE", "bg:h", "1000", "FIELDS", "1", "a");
        Assert.That(raw.Execute("BGREWRITEAOF"), Is.EqualTo("+Background append only file rewriting started\r\n"));
        // Writes while the base is being written go to the new incremental file.
        for (int i = 0; i < 200; i++) raw.Execute("SET", $"bg:{i}", "changed");
        raw.Execute("DEL", "bg:19999");
        WaitForRewrite(server);
        var info = PersistenceInfo(server);
        Assert.That(InfoParser.Fields(info)["aof_last_bgrewrite_status"], Is.EqualTo("ok"));
        // Only BGREWRITEAOF counts: the base written at start-up is a foreground rewrite (Valkey's
        // aofOpenIfNeededOnServerStart), not a started background one.
        Assert.That(InfoParser.Field(info, "aof_rewrites"), Is.EqualTo(1));
        AssertCompactDirectory(server);
        raw.Execute("SET", "bg:after", "1");
        server.Restart();
        using var raw2 = server.CreateRawClient();
        Assert.That(Integer(raw2.Execute("DBSIZE")), Is.EqualTo(20000 + 1));
        Assert.That(raw2.Execute("GET", "bg:0"), Is.EqualTo(Bulk("changed")));
        Assert.That(raw2.Execute("GET", "bg:199"), Is.EqualTo(Bulk("changed")));
        Assert.That(raw2.Execute("GET", "bg:200"), Is.EqualTo(Bulk(big)));
        Assert.That(raw2.Execute("EXISTS", "bg:19999"), Is.EqualTo(":0\r\n"));
        Assert.That(raw2.Execute("HTTL", "bg:h", "FIELDS", "2", "a", "b"), Does.Match(@"^\*2\r\n:(99\d|1000)\r\n:-1\r\n$"));
    }

    /// <remarks>
    /// With <c>always</c> the write and fsync happen before the reply leaves, so no acknowledged write can be
    /// lost even on power loss. A kill -9 keeps the page cache, so <c>everysec</c> (whose window is the
    /// last second of fsyncs, for power loss only) must also keep everything written before replying.
    /// </remarks>
    [TestCase("always")]
    [TestCase("everysec")]
    public void KillDuringWriteLoadLosesNoAcknowledgedWrite(string fsync)
    {
        using var server = ServerProcess.Start("--save", "", "--appendonly", "yes", "--appendfsync", fsync);
        const int writers = 4;
        var acked = new long[writers];
        using var stop = new CancellationTokenSource();
        var threads = Enumerable.Range(0, writers).Select(w => new Thread(() =>
        {
            try
            {
                using var raw = server.CreateRawClient(TimeSpan.FromSeconds(5));
                for (long i = 1; !stop.IsCancellationRequested; i++)
                {
                    if (raw.Execute("SET", $"crash:{w}", i.ToString()) != "+OK\r\n") return;
                    raw.Execute("RPUSH", $"crash:list:{w}", i.ToString());
                    Volatile.Write(ref acked[w], i);
                }
            }
            catch (Exception) { /* the kill cuts the connection */ }
        })).ToList();
        threads.ForEach(t => t.Start());
        Thread.Sleep(1500);
        server.Kill();
        stop.Cancel();
        threads.ForEach(t => t.Join());
        long[] ackedAtKill = acked.ToArray();
        Assert.That(ackedAtKill.Min(), Is.GreaterThan(10), "the load did not run");
        server.Restart();
        using var raw2 = server.CreateRawClient();
        for (int w = 0; w < writers; w++)
        {
            // Every acknowledged RPUSH is there (an unacknowledged one may be too).
            long len = Integer(raw2.Execute("LLEN", $"crash:list:{w}"));
            Assert.That(len, Is.GreaterThanOrEqualTo(ackedAtKill[w]), $"writer {w}");
            Assert.That(long.Parse(BulkText(raw2.Execute("GET", $"crash:{w}"))), Is.GreaterThanOrEqualTo(ackedAtKill[w]));
        }
    }

    [Test]
    public void TornFinalRecordIsTruncatedWhenAllowedAndStopsTheServerOtherwise()
    {
        using var server = ServerProcess.Start("--save", "", "--appendonly", "yes");
        server.Execute("SET", "a", "1");
        server.Execute("SET", "b", "2");
        server.Kill();
        string incr = IncrFile(server);
        long goodLength = new FileInfo(incr).Length;
        File.AppendAllText(incr, "*3\r\n$3\r\nSET\r\n$1\r\nc\r\n$5\r\nhel");

        // aof-load-truncated no: the server refuses to start and says how to fix it.
        var psi = new ProcessStartInfo(server.BinaryPath) { WorkingDirectory = server.WorkingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "--port", ServerProcess.GetFreePort().ToString(), "--save", "", "--appendonly", "yes", "--aof-load-truncated", "no" })
            psi.ArgumentList.Add(a);
        using (var p = Process.Start(psi)!)
        {
            string output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
            Assert.That(p.WaitForExit(10000));
            Assert.That(p.ExitCode, Is.Not.EqualTo(0));
            Assert.That(output, Does.Contain("Unexpected end of file reading the append only file"));
            Assert.That(output, Does.Contain("aof-load-truncated"));
        }
        Assert.That(new FileInfo(incr).Length, Is.GreaterThan(goodLength), "nothing is cut without aof-load-truncated");

        // Default (yes): the torn command is cut off, everything before it is loaded.
        server.Restart();
        Assert.That(server.Log, Does.Contain("AOF appendonly.aof.1.incr.aof loaded anyway because aof-load-truncated is enabled"));
        Assert.That(server.Execute("MGET", "a", "b", "c"), Is.EqualTo("*3\r\n$1\r\n1\r\n$1\r\n2\r\n$-1\r\n"));
        Assert.That(new FileInfo(incr).Length, Is.EqualTo(goodLength));
        // Appending continues after the cut: a third restart sees the new write.
        server.Execute("SET", "c", "3");
        server.Restart();
        Assert.That(server.Execute("GET", "c"), Is.EqualTo("$1\r\n3\r\n"));
    }

    [Test]
    public void IncompleteTransactionAtTheEndIsReverted()
    {
        using var server = ServerProcess.Start("--save", "", "--appendonly", "yes");
        server.Execute("SET", "before", "1");
        server.Kill();
        File.AppendAllText(IncrFile(server), "*1\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nSET\r\n$2\r\nin\r\n$1\r\nx\r\n");
        server.Restart();
        Assert.That(server.Log, Does.Contain("Revert incomplete MULTI/EXEC transaction"));
        Assert.That(server.Execute("MGET", "before", "in"), Is.EqualTo("*2\r\n$1\r\n1\r\n$-1\r\n"));
    }

    [Test]
    public void ConfigSetAppendonlyAtRuntimeWritesTheDatasetFirst()
    {
        using var server = ServerProcess.Start("--save", "");
        server.Execute("SET", "early", "1");
        Assert.That(Directory.Exists(AofDir(server)), Is.False);
        Assert.That(server.Execute("CONFIG", "SET", "appendonly", "yes"), Is.EqualTo("+OK\r\n"));
        Assert.That(InfoParser.Field(PersistenceInfo(server), "aof_enabled"), Is.EqualTo(1));
        WaitForRewrite(server);   // the first base is written in the background (AOF_WAIT_REWRITE)
        server.Execute("SET", "late", "2");
        Assert.That(AofCommands(IncrFile(server), upperCaseName: true), Is.EqualTo(new[] { "SELECT 0", "SET late 2" }));
        Assert.That(server.Execute("CONFIG", "SET", "appendonly", "no"), Is.EqualTo("+OK\r\n"));
        server.Execute("SET", "notlogged", "3");
        Assert.That(AofCommands(IncrFile(server), upperCaseName: true), Has.Count.EqualTo(2));
        Assert.That(InfoParser.Field(PersistenceInfo(server), "aof_enabled"), Is.EqualTo(0));
        server.Stop();
        var restarted = new ServerProcess(["--save", "", "--appendonly", "yes"], workingDirectory: server.WorkingDirectory);
        using (restarted)
        {
            Assert.That(restarted.Execute("MGET", "early", "late", "notlogged"), Is.EqualTo("*3\r\n$1\r\n1\r\n$1\r\n2\r\n$-1\r\n"));
        }
    }

    [Test]
    public void AutomaticRewriteWhenTheFileGrows()
    {
        using var server = ServerProcess.Start("--save", "", "--appendonly", "yes",
            "--auto-aof-rewrite-min-size", "10kb", "--auto-aof-rewrite-percentage", "100");
        using var raw = server.CreateRawClient();
        string value = new('v', 100);
        for (int i = 0; i < 300; i++) raw.Execute("SET", "same", value + i);
        // Cron logs the start and starts the rewrite in the same step, so once the line shows, the
        // rewrite is in progress or done: waitForBgrewriteaof then covers its end.
        WaitForLog(server, "Starting automatic rewriting of AOF", seconds: 5);
        WaitForRewrite(server);
        Assert.That(InfoParser.Field(PersistenceInfo(server), "aof_rewrites"), Is.GreaterThanOrEqualTo(1));
        Assert.That(InfoParser.Fields(PersistenceInfo(server))["aof_last_bgrewrite_status"], Is.EqualTo("ok"));
        server.Restart();
        Assert.That(server.Execute("GET", "same"), Is.EqualTo(Bulk(value + 299)));
    }

    [Test]
    public void TimestampAnnotationsAreWrittenAndSkippedWhenLoading()
    {
        using var server = ServerProcess.Start("--save", "", "--appendonly", "yes", "--aof-timestamp-enabled", "yes");
        server.Execute("SET", "ts", "1");
        string text = File.ReadAllText(IncrFile(server));
        Assert.That(text, Does.Match(@"^#TS:\d{10}\r\n\*2\r\n\$6\r\nSELECT\r\n"));
        server.Restart();
        Assert.That(server.Execute("GET", "ts"), Is.EqualTo("$1\r\n1\r\n"));
    }

    [Test]
    public void DirectoryWrittenByRedis70Loads()
    {
        string work = Path.Combine(Path.GetTempPath(), "aof-redis70-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(work);
        try
        {
            SortedDictionary<string, string> expected;
            using (var redis = ReferenceRedisServer.StartOrIgnore(ReferenceRedisServer.DefaultPath, work,
                       "--appendonly", "yes", "--appenddirname", "redisaof", "--appendfsync", "always"))
            {
                using var mux = RdbTestData.Connect(redis.Port);
                var db = mux.GetDatabase(0);
                // Some keys in the RDB base (after a rewrite), the rest as commands in the incremental file.
                db.StringSet("in:base", "b");
                db.SetAdd("set:base", ["1", "2", "x"]);
                db.Execute("BGREWRITEAOF");
                var deadline = DateTime.UtcNow.AddSeconds(10);
                while (DateTime.UtcNow < deadline && !File.Exists(Path.Combine(work, "redisaof", "appendonly.aof.2.base.rdb"))) Thread.Sleep(100);
                Thread.Sleep(300);
                RdbTestData.Populate(db, mux.GetDatabase(5));
                db.Execute("SPOP", "set:base");
                db.StringIncrement("f", 1.5);
                db.StringSet("t", "v", TimeSpan.FromHours(2));
                expected = RdbTestData.Snapshot(mux);
                using var raw = redis.CreateRawClient();
                raw.SendCommand("SHUTDOWN");
                Thread.Sleep(500);
            }
            Assert.That(File.ReadAllText(Path.Combine(work, "redisaof", "appendonly.aof.manifest")), Does.Contain("type i"));
            using var server = new ServerProcess(["--save", "", "--appendonly", "yes", "--appenddirname", "redisaof"], workingDirectory: work);
            using var mux2 = server.Connect();
            Assert.That(RdbTestData.Snapshot(mux2), Is.EqualTo(expected));
            Assert.That(Integer(server.Execute("TTL", "t")), Is.InRange(7000, 7200));
        }
        finally
        {
            try { Directory.Delete(work, true); } catch (IOException) { }
        }
    }

    [Test]
    public void CheckAofReportsAndFixesATornFile()
    {
        using var server = ServerProcess.Start("--save", "", "--appendonly", "yes");
        server.Execute("SET", "a", "1");
        server.Kill();
        string dir = AofDir(server);
        string manifest = Path.Combine(dir, "appendonly.aof.manifest");
        var ok = RunTool(server.BinaryPath, null, "check-aof", manifest);
        Assert.That(ok.Code, Is.EqualTo(0), ok.Output);
        Assert.That(ok.Output, Does.Contain("All AOF files and manifest are valid"));

        string incr = IncrFile(server);
        long good = new FileInfo(incr).Length;
        File.AppendAllText(incr, "*2\r\n$3\r\nDEL\r\n$1");
        var bad = RunTool(server.BinaryPath, null, "check-aof", incr);
        Assert.That(bad.Code, Is.EqualTo(1));
        Assert.That(bad.Output, Does.Contain($"ok_up_to={good}"));
        Assert.That(bad.Output, Does.Contain("is not valid. Use the --fix option to try fixing it."));
        var fixedRun = RunTool(server.BinaryPath, "y\n", "check-aof", "--fix", manifest);
        Assert.That(fixedRun.Code, Is.EqualTo(0), fixedRun.Output);
        Assert.That(fixedRun.Output, Does.Contain("Successfully truncated AOF"));
        Assert.That(new FileInfo(incr).Length, Is.EqualTo(good));

        File.AppendAllText(incr, "garbage\r\n");
        var format = RunTool(server.BinaryPath, null, "check-aof", incr);
        Assert.That(format.Code, Is.EqualTo(1));
        Assert.That(format.Output, Does.Contain("format error"));
    }

    private static (int Code, string Output) RunTool(string binary, string? stdin, params string[] args)
    {
        var psi = new ProcessStartInfo(binary) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        if (stdin != null) p.StandardInput.Write(stdin);
        p.StandardInput.Close();
        string output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        p.WaitForExit(10000);
        return (p.ExitCode, output);
    }
}
