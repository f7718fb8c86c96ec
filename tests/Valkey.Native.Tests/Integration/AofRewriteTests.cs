using System.Diagnostics;
using System.Text;
using NUnit.Framework;
using Valkey.Native.Tests.Infrastructure;
using static Valkey.Native.Tests.Infrastructure.Resp;
using static Valkey.Native.Tests.Integration.PersistenceTestHelpers;

namespace Valkey.Native.Tests.Integration;

/// <summary>
/// AOF rewrite and loading details (Valkey's aof.c): the command base written with
/// aof-use-rdb-preamble no (per-type commands as rewriteAppendOnlyFileRio, from the live keyspace and
/// from the snapshot), old single-file AOFs made of an RDB preamble followed by commands,
/// CONFIG SET appendonly yes inside MULTI, mem_aof_buffer, the rewrite fsync options, and the
/// forms sorted-set pops propagate in.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class AofRewriteTests
{
    private static string Info(ServerProcess server, string section = "persistence") => BulkText(server.Execute("INFO", section));

    private static string BaseFile(ServerProcess server) =>
        Directory.GetFiles(AofDir(server), "*.base.*").Single();

    /// <summary>One key per database, so the base's order is known: every type and TTL form.</summary>
    private static void PopulateOneKeyPerDb(RawRespClient raw, long ttlAt, long fieldTtlAt)
    {
        raw.Execute("SELECT", "0");
        raw.Execute("SET", "s", "v");
        raw.Execute("PEXPIREAT", "s", ttlAt.ToString());
        raw.Execute("SELECT", "1");
        var items = new List<string> { "RPUSH", "l" };
        for (int i = 0; i < 70; i++) items.Add(i % 2 == 0 ? i.ToString() : "e" + i);
        raw.Execute([.. items]);
        raw.Execute("SELECT", "2");
        raw.Execute("SADD", "si", "3", "1", "2");
        raw.Execute("SELECT", "3");
        raw.Execute("ZADD", "z", "2", "b", "1.5", "a", "+inf", "c");
        raw.Execute("SELECT", "4");
        raw.Execute("HSET", "h", "f1", "v1", "f2", "2");
        raw.Execute("SELECT", "5");
        raw.Execute("HSET", "hh", "a", "1", "b", "2");
        raw.Execute("HPEXPIREAT", "hh", fieldTtlAt.ToString(), "FIELDS", "1", "a");
        raw.Execute("SELECT", "6");
        raw.Execute("XADD", "st", "1-1", "a", "1");
        raw.Execute("XADD", "st", "2-1", "a", "2", "b", "3");
        raw.Execute("XADD", "st", "3-1", "a", "4");
        raw.Execute("XGROUP", "CREATE", "st", "g", "0");
        raw.Execute("XREADGROUP", "GROUP", "g", "alice", "COUNT", "1", "STREAMS", "st", ">");
        raw.Execute("XDEL", "st", "3-1");
        raw.Execute("XGROUP", "CREATECONSUMER", "st", "g", "bob");
        raw.Execute("SELECT", "0");
    }

    private static void AssertOneKeyPerDbBase(List<string> cmds, long ttlAt, long fieldTtlAt)
    {
        var list = Enumerable.Range(0, 70).Select(i => i % 2 == 0 ? i.ToString() : "e" + i).ToList();
        var expected = new List<string>
        {
            "SELECT 0", "SET s v", $"PEXPIREAT s {ttlAt}",
            "SELECT 1", "RPUSH l " + string.Join(' ', list.Take(64)), "RPUSH l " + string.Join(' ', list.Skip(64)),
            "SELECT 2", "SADD si 1 2 3",
            "SELECT 3", "ZADD z 1.5 a 2 b inf c",
            "SELECT 4", "HMSET h f1 v1 f2 2",
            "SELECT 5", $"HSETEX hh PXAT {fieldTtlAt} FIELDS 1 a 1", "HMSET hh b 2",
            "SELECT 6", "XADD st 1-1 a 1", "XADD st 2-1 a 2 b 3", "XSETID st 3-1 ENTRIESADDED 3 MAXDELETEDID 3-1",
            "XGROUP CREATE st g 1-1 ENTRIESREAD 1",
        };
        Assert.That(cmds.Take(expected.Count), Is.EqualTo(expected));
        Assert.That(cmds, Has.Count.EqualTo(expected.Count + 2));
        Assert.That(cmds[^2], Does.Match(@"^XCLAIM st g alice 0 1-1 TIME \d{13} RETRYCOUNT 1 JUSTID FORCE$"));
        Assert.That(cmds[^1], Is.EqualTo("XGROUP CREATECONSUMER st g bob"));
    }

    private static void AssertOneKeyPerDbReloaded(ServerProcess server, long ttlAt, long fieldTtlAt)
    {
        using var raw = server.CreateRawClient();
        Assert.That(raw.Execute("PEXPIRETIME", "s"), Is.EqualTo(Int(ttlAt)));
        raw.Execute("SELECT", "1");
        Assert.That(raw.Execute("LLEN", "l"), Is.EqualTo(Int(70)));
        Assert.That(raw.Execute("LINDEX", "l", "69"), Is.EqualTo(Bulk("e69")));
        raw.Execute("SELECT", "3");
        Assert.That(raw.Execute("ZSCORE", "z", "c"), Is.EqualTo(Bulk("inf")));
        raw.Execute("SELECT", "5");
        Assert.That(raw.Execute("HPEXPIRETIME", "hh", "FIELDS", "2", "a", "b"), Is.EqualTo($"*2\r\n:{fieldTtlAt}\r\n:-1\r\n"));
        raw.Execute("SELECT", "6");
        Assert.That(raw.Execute("XLEN", "st"), Is.EqualTo(Int(2)));
        Assert.That(raw.Execute("XPENDING", "st", "g"), Does.StartWith("*4\r\n:1\r\n$3\r\n1-1\r\n$3\r\n1-1\r\n*1\r\n*2\r\n$5\r\nalice\r\n$1\r\n1\r\n"));
        Assert.That(raw.Execute("XINFO", "CONSUMERS", "st", "g"), Does.Contain("bob"));
        Assert.That(raw.Execute("XINFO", "STREAM", "st"),
            Does.Contain("$17\r\nlast-generated-id\r\n$3\r\n3-1\r\n").And.Contain("$13\r\nentries-added\r\n:3\r\n"));
    }

    [Test]
    public void CommandBaseIsWrittenPerTypeFromTheSnapshot()
    {
        // hash-max-listpack-entries 2: "h" stays a listpack; the field-TTL hash is a hashtable.
        using var server = ServerProcess.Start("--save", "", "--appendonly", "yes", "--aof-use-rdb-preamble", "no", "--hash-max-listpack-entries", "2");
        long ttlAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 3_600_000;
        long fieldTtlAt = ttlAt + 1000;
        using (var raw = server.CreateRawClient())
        {
            PopulateOneKeyPerDb(raw, ttlAt, fieldTtlAt);
            Assert.That(raw.Execute("BGREWRITEAOF"), Does.StartWith("+Background append only file rewriting"));
        }
        WaitForRewrite(server);
        string baseFile = BaseFile(server);
        Assert.That(baseFile, Does.EndWith(".base.aof"));
        AssertOneKeyPerDbBase(AofCommands(baseFile), ttlAt, fieldTtlAt);
        AssertLogSoon(server, "copy-on-write snapshot");
        Assert.That(server.Log, Does.Not.Contain("rewriting in the foreground"));
        server.Restart();
        AssertOneKeyPerDbReloaded(server, ttlAt, fieldTtlAt);
    }

    [Test]
    public void ShutdownDuringTheFirstRewriteWritesTheCommandBaseInTheForeground()
    {
        using var server = ServerProcess.Start("--save", "", "--aof-use-rdb-preamble", "no", "--hash-max-listpack-entries", "2");
        long ttlAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 3_600_000;
        long fieldTtlAt = ttlAt + 1000;
        using (var raw = server.CreateRawClient())
        {
            PopulateOneKeyPerDb(raw, ttlAt, fieldTtlAt);
            // The first rewrite of appendonly yes crawls (1 s per key): SHUTDOWN finds it running.
            raw.Execute("CONFIG", "SET", "rdb-key-save-delay", "1000000");
            Assert.That(raw.Execute("CONFIG", "SET", "appendonly", "yes"), Is.EqualTo("+OK\r\n"));
            Assert.That(InfoParser.Field(Info(server), "aof_rewrite_in_progress"), Is.EqualTo(1));
            Assert.That(File.Exists(Path.Combine(AofDir(server), "temp-appendonly.aof.incr")));
            Assert.That(File.Exists(Path.Combine(AofDir(server), "appendonly.aof.manifest")), Is.False);
        }
        server.Stop();
        AssertLogSoon(server, "Writing the initial AOF before exiting");
        Assert.That(File.Exists(Path.Combine(AofDir(server), "temp-appendonly.aof.incr")), Is.False);
        AssertOneKeyPerDbBase(AofCommands(Directory.GetFiles(AofDir(server), "*.base.aof").Single()), ttlAt, fieldTtlAt);
        using var restarted = new ServerProcess(["--save", "", "--appendonly", "yes"], workingDirectory: server.WorkingDirectory);
        AssertOneKeyPerDbReloaded(restarted, ttlAt, fieldTtlAt);
    }

    [Test]
    public void AppendonlyYesAccumulatesInATemporaryIncrUntilTheFirstRewriteEnds()
    {
        using var server = ServerProcess.Start("--save", "");
        using var raw = server.CreateRawClient();
        for (int i = 0; i < 20; i++) raw.Execute("SET", "k" + i, "v");
        raw.Execute("CONFIG", "SET", "rdb-key-save-delay", "100000");
        Assert.That(raw.Execute("CONFIG", "SET", "appendonly", "yes"), Is.EqualTo("+OK\r\n"));
        Assert.That(InfoParser.Field(Info(server), "aof_rewrite_in_progress"), Is.EqualTo(1));
        raw.Execute("SET", "during", "1");
        string temp = Path.Combine(AofDir(server), "temp-appendonly.aof.incr");
        Assert.That(AofCommands(temp), Is.EqualTo(new[] { "SELECT 0", "SET during 1" }));
        // appendonly no now: the temporary file goes, no manifest was ever written.
        Assert.That(raw.Execute("CONFIG", "SET", "appendonly", "no"), Is.EqualTo("+OK\r\n"));
        Assert.That(File.Exists(temp), Is.False);
        AssertLogSoon(server, "Removing the temp incr aof file");
        Assert.That(File.Exists(Path.Combine(AofDir(server), "appendonly.aof.manifest")), Is.False);
        // Again, to the end: the temporary file becomes the first incremental file.
        raw.Execute("CONFIG", "SET", "rdb-key-save-delay", "0");
        Assert.That(raw.Execute("CONFIG", "SET", "appendonly", "yes"), Is.EqualTo("+OK\r\n"));
        raw.Execute("SET", "during2", "2");
        WaitForRewrite(server);
        raw.Execute("SET", "after", "3");
        Assert.That(File.ReadAllText(Path.Combine(AofDir(server), "appendonly.aof.manifest")),
            Is.EqualTo("file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n"));
        Assert.That(AofCommands(IncrFile(server)), Does.Contain("SET after 3"));
        server.Stop();
        using var restarted = new ServerProcess(["--save", "", "--appendonly", "yes"], workingDirectory: server.WorkingDirectory);
        Assert.That(restarted.Execute("MGET", "k19", "during", "during2", "after"), Is.EqualTo("*4\r\n$1\r\nv\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"));
    }

    [Test]
    public void CommandBaseStartsWithTheTimestampAnnotationWhenEnabled()
    {
        using var server = ServerProcess.Start("--save", "", "--appendonly", "yes", "--aof-use-rdb-preamble", "no", "--aof-timestamp-enabled", "yes");
        server.Execute("SET", "k", "v");
        Assert.That(server.Execute("BGREWRITEAOF"), Does.StartWith("+Background"));
        WaitForRewrite(server);
        string text = File.ReadAllText(BaseFile(server));
        Assert.That(text, Does.Match(@"^#TS:\d{10}\r\n\*2\r\n\$6\r\nSELECT\r\n\$1\r\n0\r\n\*3\r\n\$3\r\nSET\r\n\$1\r\nk\r\n\$1\r\nv\r\n$"));
        server.Restart();
        Assert.That(server.Execute("GET", "k"), Is.EqualTo(Bulk("v")));
    }

    [Test]
    public void BigRewriteWithIncrementalFsyncAndWritesDuringIt()
    {
        using var server = ServerProcess.Start("--save", "", "--appendonly", "yes", "--aof-use-rdb-preamble", "no",
            "--aof-rewrite-incremental-fsync", "yes", "--no-appendfsync-on-rewrite", "yes", "--appendfsync", "always");
        using var raw = server.CreateRawClient();
        string value = new('x', 10_000);
        for (int i = 0; i < 1000; i++) raw.SendCommand("SET", "big:" + i, value + i);
        for (int i = 0; i < 1000; i++) raw.ReadReply();
        Assert.That(raw.Execute("BGREWRITEAOF"), Does.StartWith("+Background"));
        for (int i = 0; i < 100; i++) raw.Execute("INCR", "during");
        WaitForRewrite(server);
        Assert.That(new FileInfo(BaseFile(server)).Length, Is.GreaterThan(10_000_000));
        for (int i = 0; i < 10; i++) raw.Execute("INCR", "during");
        server.Restart();
        Assert.That(server.Execute("GET", "during"), Is.EqualTo(Bulk("110")));
        Assert.That(server.Execute("GET", "big:999"), Is.EqualTo(Bulk(value + 999)));
        Assert.That(server.Execute("DBSIZE"), Is.EqualTo(Int(1001)));
    }

    [Test]
    public void WritesDuringABgsaveAreKeptWithNoAppendfsyncOnRewrite()
    {
        using var server = ServerProcess.Start("--save", "", "--appendonly", "yes", "--appendfsync", "always",
            "--no-appendfsync-on-rewrite", "yes", "--rdb-key-save-delay", "10000");
        using var raw = server.CreateRawClient();
        for (int i = 0; i < 200; i++) raw.Execute("SET", "k" + i, "v");
        Assert.That(raw.Execute("BGSAVE"), Does.StartWith("+Background saving started"));
        Assert.That(InfoParser.Field(Info(server), "rdb_bgsave_in_progress"), Is.EqualTo(1));
        for (int i = 0; i < 50; i++) raw.Execute("INCR", "during");
        Assert.That(AofCommands(IncrFile(server)).Count(c => c == "INCR during"), Is.EqualTo(50));
        raw.Execute("CONFIG", "SET", "rdb-key-save-delay", "0");
        WaitFor(() => InfoParser.Field(Info(server), "rdb_bgsave_in_progress") == 0, "bgsave did not finish");
        raw.Execute("INCR", "during");
        server.Restart();
        Assert.That(server.Execute("GET", "during"), Is.EqualTo(Bulk("51")));
    }

    // ---- old single-file AOF: RDB preamble + commands ----------------------------------------------

    private static byte[] RdbOf(Action<RawRespClient> populate)
    {
        using var source = ServerProcess.Start("--save", "");
        using (var raw = source.CreateRawClient())
        {
            populate(raw);
            Assert.That(raw.Execute("SAVE"), Is.EqualTo("+OK\r\n"));
        }
        return File.ReadAllBytes(Path.Combine(source.WorkingDirectory, "dump.rdb"));
    }

    private static byte[] Resp(params string[] args)
    {
        var sb = new StringBuilder();
        sb.Append('*').Append(args.Length).Append("\r\n");
        foreach (var a in args) sb.Append('$').Append(Encoding.UTF8.GetByteCount(a)).Append("\r\n").Append(a).Append("\r\n");
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    [TestCase(true)]
    [TestCase(false)]
    public void OldSingleFileAofWithRdbPreambleLoadsTheCommandsAfterIt(bool keysInPreamble)
    {
        byte[] rdb = RdbOf(raw =>
        {
            if (!keysInPreamble) return;
            raw.Execute("SET", "pre", "1");
            raw.Execute("RPUSH", "list", "a", "b");
            raw.Execute("SET", "ctr", "10");
        });
        string dir = Path.Combine(Path.GetTempPath(), "aof7-legacy-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            using (var f = File.Create(Path.Combine(dir, "appendonly.aof")))
            {
                f.Write(rdb);
                f.Write(Encoding.ASCII.GetBytes("#TS:1700000000\r\n"));
                f.Write(Resp("SELECT", "0"));
                f.Write(Resp("SET", "tail", "2"));
                f.Write(Resp("INCR", "ctr"));
                f.Write(Resp("RPUSH", "list", "c"));
            }
            using var server = new ServerProcess(["--save", "", "--appendonly", "yes"], workingDirectory: dir);
            AssertLogSoon(server, "Reading the remaining AOF tail");
            Assert.That(server.Execute("GET", "tail"), Is.EqualTo(Bulk("2")));
            Assert.That(server.Execute("GET", "ctr"), Is.EqualTo(Bulk(keysInPreamble ? "11" : "1")));
            Assert.That(server.Execute("LRANGE", "list", "0", "-1"),
                Is.EqualTo(keysInPreamble ? "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n" : "*1\r\n$1\r\nc\r\n"));
            Assert.That(server.Execute("GET", "pre"), Is.EqualTo(keysInPreamble ? Bulk("1") : "$-1\r\n"));
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    [Test]
    public void TornCommandAfterAnRdbPreambleIsCutAtItsAbsoluteOffset()
    {
        byte[] rdb = RdbOf(raw => raw.Execute("SET", "pre", "1"));
        string dir = Path.Combine(Path.GetTempPath(), "aof7-legacy-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string path = Path.Combine(dir, "appendonly.aof");
            byte[] complete = Resp("SET", "tail", "2");
            using (var f = File.Create(path))
            {
                f.Write(rdb);
                f.Write(complete);
                f.Write(Resp("SET", "torn", "3").AsSpan(0, 10));
            }
            // The legacy file is moved into the AOF directory as the base (aofUpgradePrepare), loaded
            // and truncated; a first incremental file follows it.
            using var server = new ServerProcess(["--save", "", "--appendonly", "yes", "--aof-load-truncated", "yes"], workingDirectory: dir);
            Assert.That(server.Execute("MGET", "pre", "tail", "torn"), Is.EqualTo("*3\r\n$1\r\n1\r\n$1\r\n2\r\n$-1\r\n"));
            Assert.That(File.Exists(path), Is.False);
            string moved = Path.Combine(dir, "appendonlydir", "appendonly.aof");
            Assert.That(new FileInfo(moved).Length, Is.EqualTo(rdb.Length + complete.Length));
            Assert.That(File.ReadAllText(Path.Combine(dir, "appendonlydir", "appendonly.aof.manifest")),
                Is.EqualTo("file appendonly.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n"));
            AssertLogSoon(server, "Successfully migrated an old-style AOF file (appendonly.aof) into the AOF directory (appendonlydir).");
            server.Execute("SET", "later", "4");
            server.Restart();
            Assert.That(server.Execute("MGET", "pre", "tail", "later"), Is.EqualTo("*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n4\r\n"));
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    // ---- CONFIG SET appendonly yes inside MULTI -----------------------------------------------------

    [Test]
    public void AppendonlyYesInsideMultiIsScheduledAndThenTurnsTheAofOn()
    {
        using var server = ServerProcess.Start("--save", "");
        using var raw = server.CreateRawClient();
        raw.Execute("MULTI");
        raw.Execute("SET", "foo", "bar");
        raw.Execute("CONFIG", "SET", "appendonly", "yes");
        Assert.That(raw.Execute("EXEC"), Is.EqualTo("*2\r\n+OK\r\n+OK\r\n"));
        WaitFor(() => server.Log.Contains("AOF was enabled during a transaction. An AOF background was scheduled to start when possible."), "no log line");
        WaitFor(() => InfoParser.Field(Info(server), "aof_enabled") == 1, "AOF not turned on");
        WaitForRewrite(server);
        raw.Execute("SET", "after", "1");
        server.Stop();
        using var restarted = new ServerProcess(["--save", "", "--appendonly", "yes"], workingDirectory: server.WorkingDirectory);
        Assert.That(restarted.Execute("MGET", "foo", "after"), Is.EqualTo("*2\r\n$3\r\nbar\r\n$1\r\n1\r\n"));
    }

    [Test]
    public void AppendonlyNoCancelsAScheduledStart()
    {
        using var server = ServerProcess.Start("--save", "", "--rdb-key-save-delay", "100000");
        using var raw = server.CreateRawClient();
        for (int i = 0; i < 20; i++) raw.Execute("SET", "k" + i, "v");
        Assert.That(raw.Execute("BGSAVE"), Does.StartWith("+Background saving started"));
        Assert.That(raw.Execute("CONFIG", "SET", "appendonly", "yes"), Is.EqualTo("+OK\r\n"));
        Assert.That(InfoParser.Field(Info(server), "aof_rewrite_scheduled"), Is.EqualTo(1));
        AssertLogSoon(server, "AOF was enabled but there is already another background operation");
        Assert.That(raw.Execute("CONFIG", "SET", "appendonly", "no"), Is.EqualTo("+OK\r\n"));
        Assert.That(InfoParser.Field(Info(server), "aof_rewrite_scheduled"), Is.EqualTo(0));
        WaitFor(() => server.Log.Contains("AOF was disabled but there is a scheduled AOF background, cancel it."), "no cancel log");
        raw.Execute("CONFIG", "SET", "rdb-key-save-delay", "0");
        WaitFor(() => InfoParser.Field(Info(server), "rdb_bgsave_in_progress") == 0, "bgsave did not finish");
        Thread.Sleep(300);
        Assert.That(InfoParser.Field(Info(server), "aof_enabled"), Is.EqualTo(0));
    }

    // ---- mem_aof_buffer -------------------------------------------------------------------------------

    [Test]
    public void MemAofBufferIsInUsedMemoryAndNotCountedForEviction()
    {
        using var server = ServerProcess.Start("--save", "", "--appendonly", "yes");
        server.Execute("SET", "k", "v");
        string info = Info(server, "memory");
        long buffer = InfoParser.Field(info, "mem_aof_buffer");
        Assert.That(buffer, Is.GreaterThan(0));
        Assert.That(InfoParser.Field(info, "mem_not_counted_for_evict"), Is.GreaterThanOrEqualTo(buffer));
        Assert.That(server.Execute("CONFIG", "SET", "appendonly", "no"), Is.EqualTo("+OK\r\n"));
        Assert.That(InfoParser.Field(Info(server, "memory"), "mem_not_counted_for_evict"), Is.EqualTo(0));
    }

    // ---- sorted-set pops ------------------------------------------------------------------------------

    [Test]
    public void SortedSetPopsPropagateInValkeysForms()
    {
        using var server = ServerProcess.Start("--save", "", "--appendonly", "yes");
        using var raw = server.CreateRawClient();
        raw.Execute("ZADD", "z1", "1", "a", "2", "b");
        raw.Execute("BZPOPMIN", "z1", "0");                                // ZPOPMIN z1
        raw.Execute("BZPOPMAX", "z1", "0");                                // ZPOPMAX z1
        raw.Execute("ZADD", "z2", "1", "a", "2", "b");
        raw.Execute("BZMPOP", "0", "1", "z2", "MIN", "COUNT", "5");       // ZPOPMIN z2 2
        raw.Execute("ZADD", "z3", "1", "a", "2", "b", "3", "c");
        raw.Execute("ZMPOP", "1", "z3", "MAX", "COUNT", "2");             // ZPOPMAX z3 2
        raw.Execute("ZPOPMIN", "z3", "10");                                // verbatim
        raw.Execute("ZADD", "z4", "1", "a", "2", "b");
        raw.Execute("ZPOPMAX", "z4");                                      // verbatim
        using var blocked = server.CreateRawClient();
        blocked.SendCommand("BZPOPMIN", "z5", "0");
        WaitFor(() => InfoParser.Field(Info(server, "clients"), "blocked_clients") == 1, "not blocked");
        raw.Execute("ZADD", "z5", "7", "x");
        Assert.That(blocked.ReadReply(), Is.EqualTo("*3\r\n$2\r\nz5\r\n$1\r\nx\r\n$1\r\n7\r\n"));
        var cmds = AofCommands(IncrFile(server)).Where(c => !c.StartsWith("ZADD", StringComparison.OrdinalIgnoreCase)).ToList();
        Assert.That(cmds, Is.EqualTo(new[]
        {
            "SELECT 0", "ZPOPMIN z1", "ZPOPMAX z1", "ZPOPMIN z2 2", "ZPOPMAX z3 2", "ZPOPMIN z3 10", "ZPOPMAX z4", "ZPOPMIN z5",
        }));
    }

    // ---- manifest: history files, strict parsing ------------------------------------------------------

    [Test]
    public void DisabledAutoGcKeepsReplacedFilesAsHistoryUntilReenabled()
    {
        using var server = ServerProcess.Start("--save", "", "--appendonly", "yes", "--enable-debug-command", "yes");
        server.Execute("SET", "k", "v");
        Assert.That(server.Execute("CONFIG", "SET", "aof-disable-auto-gc", "yes"), Is.EqualTo("+OK\r\n"));
        Assert.That(server.Execute("BGREWRITEAOF"), Does.StartWith("+Background"));
        WaitForRewrite(server);
        Assert.That(server.Execute("BGREWRITEAOF"), Does.StartWith("+Background"));
        WaitForRewrite(server);
        string manifest = Path.Combine(AofDir(server), "appendonly.aof.manifest");
        // Newest history first, as Valkey's list-head insertion: the incremental file, then the base.
        Assert.That(File.ReadAllText(manifest), Is.EqualTo(
            "file appendonly.aof.3.base.rdb seq 3 type b\n" +
            "file appendonly.aof.2.incr.aof seq 2 type h\n" +
            "file appendonly.aof.2.base.rdb seq 2 type h\n" +
            "file appendonly.aof.1.incr.aof seq 1 type h\n" +
            "file appendonly.aof.1.base.rdb seq 1 type h\n" +
            "file appendonly.aof.3.incr.aof seq 3 type i\n"));
        foreach (var f in new[] { "appendonly.aof.1.base.rdb", "appendonly.aof.2.base.rdb", "appendonly.aof.1.incr.aof", "appendonly.aof.2.incr.aof" })
            Assert.That(File.Exists(Path.Combine(AofDir(server), f)), f);
        // History files are not loaded.
        server.Execute("SET", "k2", "v2");
        Assert.That(server.Execute("DEBUG", "LOADAOF"), Is.EqualTo("+OK\r\n"));
        Assert.That(server.Execute("DBSIZE"), Is.EqualTo(Int(2)));
        Assert.That(server.Execute("CONFIG", "SET", "aof-disable-auto-gc", "no"), Is.EqualTo("+OK\r\n"));
        Assert.That(File.ReadAllText(manifest), Is.EqualTo("file appendonly.aof.3.base.rdb seq 3 type b\nfile appendonly.aof.3.incr.aof seq 3 type i\n"));
        Assert.That(Directory.GetFiles(AofDir(server)).Select(Path.GetFileName).Order(StringComparer.Ordinal),
            Is.EqualTo(new[] { "appendonly.aof.3.base.rdb", "appendonly.aof.3.incr.aof", "appendonly.aof.manifest" }));
        server.Restart();
        Assert.That(server.Execute("MGET", "k", "k2"), Is.EqualTo("*2\r\n$1\r\nv\r\n$2\r\nv2\r\n"));
    }

    private static (int Code, string Output) Run(string binary, string workingDirectory, params string[] args)
    {
        var psi = new ProcessStartInfo(binary) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        Assert.That(p.WaitForExit(15000), "did not exit");
        return (p.ExitCode, stdout.Result + stderr.Result);
    }

    [TestCase("file appendonly.aof.1.incr.aof seq 1 type i\n\nfile appendonly.aof.2.incr.aof seq 2 type i\n", "Invalid AOF manifest file format")]
    [TestCase("file appendonly.aof.1.incr.aof seq 1 type i\nfile appendonly.aof.2.incr.aof seq 2 type i", "The AOF manifest file contains too long line")]
    [TestCase("file appendonly.aof.1.incr.aof type i\n", "Invalid AOF manifest file format")]
    [TestCase("file appendonly.aof.1.incr.aof seq 0 type i foo bar\n", "Invalid AOF manifest file format")]
    public void MalformedManifestStopsTheServer(string manifest, string message)
    {
        string dir = Path.Combine(Path.GetTempPath(), "aof7-manifest-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(dir, "appendonlydir"));
        try
        {
            File.WriteAllText(Path.Combine(dir, "appendonlydir", "appendonly.aof.1.incr.aof"), "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n");
            File.WriteAllText(Path.Combine(dir, "appendonlydir", "appendonly.aof.2.incr.aof"), "");
            File.WriteAllText(Path.Combine(dir, "appendonlydir", "appendonly.aof.manifest"), manifest);
            var (code, output) = Run(ServerProcess.FindBinary(), dir, "--port", ServerProcess.GetFreePort().ToString(), "--save", "", "--appendonly", "yes");
            Assert.That(code, Is.Not.EqualTo(0));
            Assert.That(output, Does.Contain(message));
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    [Test]
    public void CheckAofCountsLinesAndTruncatesToATimestamp()
    {
        string dir = Path.Combine(Path.GetTempPath(), "aof7-check-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string file = Path.Combine(dir, "appendonly.aof");
            File.WriteAllText(file, "*3\r\n$3\r\nset\r\n$3\r\nfoo\r\n$5\r\nhello\r\n!!!");
            var bad = Run(ServerProcess.FindBinary(), dir, "check-aof", file);
            Assert.That(bad.Code, Is.EqualTo(1));
            Assert.That(bad.Output, Does.Contain("Start checking Old-Style AOF"));
            Assert.That(bad.Output, Does.Contain("ok_up_to=33, ok_up_to_line=8, diff=3"));

            File.WriteAllText(file, "#TS:1628217470\r\n" + "*2\r\n$4\r\nincr\r\n$1\r\nx\r\n" + "#TS:1628217471\r\n" + "*2\r\n$4\r\nincr\r\n$1\r\nx\r\n");
            var ok = Run(ServerProcess.FindBinary(), dir, "check-aof", "--truncate-to-timestamp", "1628217470", file);
            Assert.That(ok.Code, Is.EqualTo(0), ok.Output);
            Assert.That(ok.Output, Does.Contain($"Successfully truncated AOF {file} to timestamp 1628217470"));
            Assert.That(File.ReadAllText(file), Is.EqualTo("#TS:1628217470\r\n*2\r\n$4\r\nincr\r\n$1\r\nx\r\n"));
            var nothing = Run(ServerProcess.FindBinary(), dir, "check-aof", "--truncate-to-timestamp", "1628217470", file);
            Assert.That(nothing.Output, Does.Contain($"Truncate nothing in AOF {file} to timestamp 1628217470"));
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>
    /// A command base in the form Valkey 9's rewriteHashObject writes (aof.c): each field with a TTL as
    /// <c>HSETEX key PXAT ms FIELDS 1 field value</c> first, then the other fields in HMSET batches,
    /// so HSETEX creates the key and HMSET adds to it. A field whose time passed while the server was
    /// down is kept during the load (nothing expires while loading) and expires right after.
    /// </summary>
    [Test]
    public void ACommandBaseInValkey9sHashFormLoads()
    {
        long future = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 3_600_000;
        long past = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 60_000;
        string dir = Path.Combine(Path.GetTempPath(), "aof8-v9hash-" + Guid.NewGuid().ToString("N"));
        string aofDir = Path.Combine(dir, "appendonlydir");
        Directory.CreateDirectory(aofDir);
        try
        {
            File.WriteAllText(Path.Combine(aofDir, "appendonly.aof.manifest"),
                "file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n");
            using (var f = File.Create(Path.Combine(aofDir, "appendonly.aof.1.base.aof")))
            {
                f.Write(Resp("SELECT", "0"));
                f.Write(Resp("HSETEX", "h", "PXAT", future.ToString(), "FIELDS", "1", "a", "1"));
                f.Write(Resp("HSETEX", "h", "PXAT", past.ToString(), "FIELDS", "1", "c", "3"));
                f.Write(Resp("HMSET", "h", "b", "2", "d", "4"));
                f.Write(Resp("HSETEX", "only", "PXAT", future.ToString(), "FIELDS", "1", "x", "9"));
                f.Write(Resp("HSETEX", "gone", "PXAT", past.ToString(), "FIELDS", "1", "y", "8"));
            }
            File.WriteAllBytes(Path.Combine(aofDir, "appendonly.aof.1.incr.aof"), Resp("HSET", "h", "e", "5"));
            using var server = new ServerProcess(["--save", "", "--appendonly", "yes"], workingDirectory: dir);
            using var raw = server.CreateRawClient();
            Assert.That(raw.Execute("HPEXPIRETIME", "h", "FIELDS", "5", "a", "b", "c", "d", "e"),
                Is.EqualTo($"*5\r\n:{future}\r\n:-1\r\n:-2\r\n:-1\r\n:-1\r\n"));
            Assert.That(raw.Execute("HMGET", "h", "a", "b", "d", "e"), Is.EqualTo("*4\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n4\r\n$1\r\n5\r\n"));
            Assert.That(raw.Execute("HPEXPIRETIME", "only", "FIELDS", "1", "x"), Is.EqualTo($"*1\r\n:{future}\r\n"));
            Assert.That(raw.Execute("HGETALL", "gone"), Is.EqualTo("*0\r\n"), "its only field expired");
            WaitFor(() => raw.Execute("EXISTS", "gone") == Int(0), "the emptied hash was not removed", seconds: 5);

            // And a rewrite writes it back in the same form: volatile fields first.
            Assert.That(raw.Execute("CONFIG", "SET", "aof-use-rdb-preamble", "no"), Is.EqualTo("+OK\r\n"));
            Assert.That(raw.Execute("BGREWRITEAOF"), Does.StartWith("+Background append only file rewriting"));
            WaitForRewrite(server);
            var cmds = AofCommands(Directory.GetFiles(aofDir, "*.base.aof").Single());
            int first = cmds.FindIndex(c => c.StartsWith("HSETEX h ", StringComparison.Ordinal) || c.StartsWith("HMSET h ", StringComparison.Ordinal));
            Assert.That(cmds[first], Is.EqualTo($"HSETEX h PXAT {future} FIELDS 1 a 1"));
            Assert.That(cmds[first + 1], Does.StartWith("HMSET h "));
            Assert.That(cmds[first + 1].Split(' ').Skip(2).Chunk(2).Select(p => p[0] + "=" + p[1]).Order(),
                Is.EqualTo(new[] { "b=2", "d=4", "e=5" }));
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>
    /// serverCron starts an automatic rewrite only when no other background job runs: during a BGSAVE
    /// (which holds the arena's snapshot) it waits, then runs in the background, never in the foreground.
    /// </summary>
    [Test]
    public void AnAutomaticRewriteWaitsForARunningBgsave()
    {
        using var server = ServerProcess.Start("--save", "", "--appendonly", "yes", "--enable-debug-command", "yes",
            "--auto-aof-rewrite-percentage", "0", "--auto-aof-rewrite-min-size", "0");
        using var raw = server.CreateRawClient(TimeSpan.FromSeconds(30));
        Assert.That(raw.Execute("DEBUG", "POPULATE", "200"), Is.EqualTo("+OK\r\n"));
        Assert.That(raw.Execute("CONFIG", "SET", "rdb-key-save-delay", "5000"), Is.EqualTo("+OK\r\n")); // ~1 s
        Assert.That(raw.Execute("BGSAVE"), Is.EqualTo("+Background saving started\r\n"));
        Assert.That(raw.Execute("CONFIG", "SET", "auto-aof-rewrite-percentage", "1"), Is.EqualTo("+OK\r\n"));
        raw.Execute("SET", "grow", new string('x', 8192));
        Thread.Sleep(300);
        Assert.That(InfoParser.Field(Info(server), "rdb_bgsave_in_progress"), Is.EqualTo(1), "the BGSAVE still runs");
        Assert.That(server.Log, Does.Not.Contain("Starting automatic rewriting of AOF on"));
        Assert.That(raw.Execute("CONFIG", "SET", "rdb-key-save-delay", "0"), Is.EqualTo("+OK\r\n"));
        WaitForBgsave(server);
        WaitForLog(server, "Starting automatic rewriting of AOF on");
        WaitForRewrite(server);
        Assert.That(InfoParser.Field(Info(server), "aof_rewrites"), Is.EqualTo(1));
        Assert.That(InfoParser.Fields(Info(server))["aof_last_bgrewrite_status"], Is.EqualTo("ok"));
        Assert.That(server.Log, Does.Contain("Automatic AOF rewrite: background append only file rewriting started"));
        Assert.That(server.Log, Does.Not.Contain("rewriting in the foreground"));
    }
}
