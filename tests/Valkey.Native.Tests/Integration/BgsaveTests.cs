using NUnit.Framework;
using Valkey.Native.Tests.Infrastructure;
using static Valkey.Native.Tests.Infrastructure.Resp;
using static Valkey.Native.Tests.Integration.PersistenceTestHelpers;

namespace Valkey.Native.Tests.Integration;

/// <summary>
/// BGSAVE on the copy-on-write snapshot (Persistence/BackgroundSave.cs): the file holds the dataset
/// as it was when BGSAVE ran even though another client rewrites it meanwhile, commands are served
/// during the save, Valkey's errors and INFO fields, cancellation (BGSAVE CANCEL, FLUSHALL,
/// SHUTDOWN), MISCONF after a failed background save, save points, streams with consumer groups,
/// BGSAVE inside MULTI/EXEC, rdb-key-save-delay, total_forks.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class BgsaveTests
{
    /// <summary>A dataset big enough that the save outlives a burst of writes from another client.</summary>
    private static void Fill(RawRespClient raw, int keys)
    {
        Assert.That(raw.Execute("DEBUG", "POPULATE", keys.ToString(), "key", "100"), Is.EqualTo("+OK\r\n"));
        raw.Execute("RPUSH", "list", "a", "b", "c");
        raw.Execute("SADD", "set", "x", "y", "z");
        raw.Execute("HSET", "hash", "f1", "v1", "f2", "v2");
        raw.Execute("ZADD", "zset", "1", "one", "2", "two");
        raw.Execute("SET", "big", new string('b', 3_000_000));
        raw.Execute("SET", "ttl", "t", "EX", "3600");
    }

    [Test]
    public void TheFileHoldsTheDatasetAtTheBgsaveMomentWhileAnotherClientKeepsWriting()
    {
        using var server = ServerProcess.Start("--save", "", "--enable-debug-command", "yes");
        using var raw = server.CreateRawClient(TimeSpan.FromSeconds(60));
        using var writer = server.CreateRawClient(TimeSpan.FromSeconds(60));
        Fill(raw, 1_000_000);
        string digestAtBgsave = raw.Execute("DEBUG", "DIGEST");
        string valueAtBgsave = raw.Execute("GET", "key:17");

        Assert.That(raw.Execute("BGSAVE"), Is.EqualTo("+Background saving started\r\n"));
        // Another client rewrites, deletes and adds keys, and changes every collection, while the save runs.
        const int writes = 3000;
        for (int i = 0; i < writes; i++)
        {
            switch (i % 3)
            {
                case 0: writer.SendCommand("SET", $"key:{i * 300}", "overwritten"); break;
                case 1: writer.SendCommand("DEL", $"key:{i * 300 + 1}"); break;
                default: writer.SendCommand("SET", $"new:{i}", "added"); break;
            }
        }
        writer.SendCommand("RPUSH", "list", "d");
        writer.SendCommand("SREM", "set", "x");
        writer.SendCommand("HSET", "hash", "f3", "v3");
        writer.SendCommand("ZADD", "zset", "3", "three");
        writer.SendCommand("SETRANGE", "big", "0", "CHANGED");
        writer.SendCommand("SET", "key:17", "changed");
        writer.SendCommand("INFO", "persistence");
        var replies = writer.ReadReplies(writes + 7);
        // Ordering, not time: every write was answered before this INFO, which still sees the save running.
        Assert.That(InfoParser.Field(BulkText(replies[^1]), "rdb_bgsave_in_progress"), Is.EqualTo(1),
            "the writes were served while the background save was in progress");
        Assert.That(raw.Execute("GET", "key:17"), Is.EqualTo(Bulk("changed")));
        Assert.That(raw.Execute("DEBUG", "DIGEST"), Is.Not.EqualTo(digestAtBgsave));

        WaitForBgsave(server);
        string info = PersistenceInfo(server);
        Assert.That(InfoParser.Fields(info)["rdb_last_bgsave_status"], Is.EqualTo("ok"));
        Assert.That(InfoParser.Field(info, "rdb_last_cow_size"), Is.GreaterThan(0), "the writes copied pages");
        Assert.That(InfoParser.Field(info, "rdb_changes_since_last_save"), Is.GreaterThanOrEqualTo(writes / 3 * 2));
        AssertLogSoon(server, "copy-on-write snapshot");
        Assert.That(Directory.GetFiles(server.WorkingDirectory, "temp-*.rdb"), Is.Empty);

        // A second server loads the file: it equals the dataset at the BGSAVE moment.
        string dir = Path.Combine(Path.GetTempPath(), "valkey-native-tests", "bgsave-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        try
        {
            File.Copy(Path.Combine(server.WorkingDirectory, "dump.rdb"), Path.Combine(dir, "dump.rdb"));
            using var second = new ServerProcess(["--save", "", "--enable-debug-command", "yes"], workingDirectory: dir);
            using var raw2 = second.CreateRawClient(TimeSpan.FromSeconds(60));
            Assert.That(raw2.Execute("DEBUG", "DIGEST"), Is.EqualTo(digestAtBgsave));
            Assert.That(raw2.Execute("GET", "key:17"), Is.EqualTo(valueAtBgsave));
            Assert.That(raw2.Execute("EXISTS", "new:2"), Is.EqualTo(":0\r\n"));
            Assert.That(raw2.Execute("LLEN", "list"), Is.EqualTo(":3\r\n"));
            Assert.That(raw2.Execute("GETRANGE", "big", "0", "6"), Is.EqualTo(Bulk("bbbbbbb")));
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    [Test]
    public void ErrorsWhileOneRunsInfoFieldsAndCancel()
    {
        using var server = ServerProcess.Start("--save", "", "--enable-debug-command", "yes");
        using var raw = server.CreateRawClient(TimeSpan.FromSeconds(60));
        Fill(raw, 1_500_000);
        Assert.That(raw.Execute("BGSAVE"), Is.EqualTo("+Background saving started\r\n"));
        Assert.That(raw.Execute("BGSAVE"), Is.EqualTo("-ERR Background save already in progress\r\n"));
        Assert.That(raw.Execute("BGSAVE", "SCHEDULE"), Is.EqualTo("-ERR Background save already in progress\r\n"));
        Assert.That(raw.Execute("SAVE"), Is.EqualTo("-ERR Background save already in progress\r\n"));
        string info = BulkText(raw.Execute("INFO", "persistence"));
        Assert.That(InfoParser.Field(info, "rdb_bgsave_in_progress"), Is.EqualTo(1));
        Assert.That(InfoParser.Field(info, "rdb_current_bgsave_time_sec"), Is.GreaterThanOrEqualTo(0));
        Assert.That(InfoParser.Field(info, "rdb_saves"), Is.EqualTo(1));

        Assert.That(raw.Execute("BGSAVE", "CANCEL"), Is.EqualTo("+Background saving cancelled\r\n"));
        info = PersistenceInfo(server);
        Assert.That(InfoParser.Field(info, "rdb_bgsave_in_progress"), Is.EqualTo(0));
        Assert.That(InfoParser.Field(info, "rdb_current_bgsave_time_sec"), Is.EqualTo(-1));
        Assert.That(InfoParser.Fields(info)["rdb_last_bgsave_status"], Is.EqualTo("ok"), "a cancelled save is not an error");
        Assert.That(File.Exists(Path.Combine(server.WorkingDirectory, "dump.rdb")), Is.False);
        Assert.That(Directory.GetFiles(server.WorkingDirectory, "temp-*.rdb"), Is.Empty);
        Assert.That(raw.Execute("BGSAVE", "CANCEL"), Is.EqualTo("-ERR Background saving is currently not in progress or scheduled\r\n"));

        // Completes: LASTSAVE moves, the durations are reported.
        long before = Integer(raw.Execute("LASTSAVE"));
        Thread.Sleep(1100);
        Assert.That(raw.Execute("BGSAVE"), Is.EqualTo("+Background saving started\r\n"));
        WaitForBgsave(server);
        info = PersistenceInfo(server);
        Assert.That(InfoParser.Field(info, "rdb_saves"), Is.EqualTo(2));
        Assert.That(InfoParser.Field(info, "rdb_last_bgsave_time_sec"), Is.GreaterThanOrEqualTo(0));
        Assert.That(InfoParser.Field(info, "rdb_changes_since_last_save"), Is.EqualTo(0));
        Assert.That(Integer(raw.Execute("LASTSAVE")), Is.GreaterThan(before));
        Assert.That(File.Exists(Path.Combine(server.WorkingDirectory, "dump.rdb")));
    }

    [Test]
    public void FlushallCancelsARunningBgsaveAndShutdownKillsIt()
    {
        using var server = ServerProcess.Start("--save", "", "--enable-debug-command", "yes");
        using (var raw = server.CreateRawClient(TimeSpan.FromSeconds(60)))
        {
            Fill(raw, 1_500_000);
            Assert.That(raw.Execute("BGSAVE"), Is.EqualTo("+Background saving started\r\n"));
            if (InfoParser.Field(BulkText(raw.Execute("INFO", "persistence")), "rdb_bgsave_in_progress") == 0)
                Assert.Inconclusive("the background save ended before FLUSHALL could cancel it");
            Assert.That(raw.Execute("FLUSHALL"), Is.EqualTo("+OK\r\n"));
            Assert.That(InfoParser.Field(PersistenceInfo(server), "rdb_bgsave_in_progress"), Is.EqualTo(0));
            AssertLogSoon(server, "Background saving cancelled by FLUSHALL");
            Assert.That(File.Exists(Path.Combine(server.WorkingDirectory, "dump.rdb")), Is.False);

            Fill(raw, 1_500_000);
            Assert.That(raw.Execute("BGSAVE"), Is.EqualTo("+Background saving started\r\n"));
            raw.SendCommand("SHUTDOWN", "NOSAVE");
        }
        Assert.That(server.WaitForExit(TimeSpan.FromSeconds(30)), Is.EqualTo(0), () => server.Log);
        AssertLogSoon(server, "There is a child saving an .rdb. Killing it!");
        Assert.That(Directory.GetFiles(server.WorkingDirectory, "temp-*.rdb"), Is.Empty);
    }

    [Test]
    public void AFailedBackgroundSaveReportsErrAndRefusesWritesUntilASaveSucceeds()
    {
        using var server = ServerProcess.Start("--save", "3600 1");
        using var raw = server.CreateRawClient();
        raw.Execute("SET", "k", "1");
        // The save's temporary file cannot be created: a directory is in its way.
        string blocker = Path.Combine(server.WorkingDirectory, $"temp-{server.ProcessId}.rdb");
        Directory.CreateDirectory(blocker);
        Assert.That(raw.Execute("BGSAVE"), Is.EqualTo("+Background saving started\r\n"));
        WaitForBgsave(server);
        Assert.That(InfoParser.Fields(PersistenceInfo(server))["rdb_last_bgsave_status"], Is.EqualTo("err"));
        AssertLogSoon(server, "Background saving error");
        Assert.That(raw.Execute("SET", "k", "2"), Is.EqualTo("-" + System.Text.Encoding.UTF8.GetString(
            "MISCONF Valkey is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Valkey logs for details about the RDB error."u8) + "\r\n"));
        Assert.That(raw.Execute("GET", "k"), Is.EqualTo(Bulk("1")));
        // extended-redis-compatibility names the server Redis in both places, as Valkey's shared bgsaveerr does.
        raw.Execute("CONFIG", "SET", "extended-redis-compatibility", "yes");
        Assert.That(raw.Execute("SET", "k", "2"), Does.StartWith("-MISCONF Redis is configured to save RDB snapshots").And.EndWith("Please check the Redis logs for details about the RDB error.\r\n"));
        raw.Execute("CONFIG", "SET", "extended-redis-compatibility", "no");
        Directory.Delete(blocker);
        Assert.That(raw.Execute("BGSAVE"), Is.EqualTo("+Background saving started\r\n"));
        WaitForBgsave(server);
        Assert.That(InfoParser.Fields(PersistenceInfo(server))["rdb_last_bgsave_status"], Is.EqualTo("ok"));
        Assert.That(raw.Execute("SET", "k", "3"), Is.EqualTo("+OK\r\n"));
    }

    [Test]
    public void SavePointsStartABackgroundSave()
    {
        using var server = ServerProcess.Start("--save", "1 3");
        using var raw = server.CreateRawClient();
        for (int i = 0; i < 3; i++) raw.Execute("SET", $"sp:{i}", "v");
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!File.Exists(Path.Combine(server.WorkingDirectory, "dump.rdb")) && DateTime.UtcNow < deadline) Thread.Sleep(50);
        WaitForBgsave(server);
        AssertLogSoon(server, "3 changes in 1 seconds. Saving...");
        Assert.That(server.Log, Does.Contain("copy-on-write snapshot").Or.Contain("in the foreground"));
        Assert.That(InfoParser.Field(PersistenceInfo(server), "rdb_changes_since_last_save"), Is.EqualTo(0));
        Assert.That(InfoParser.Fields(PersistenceInfo(server))["rdb_last_bgsave_status"], Is.EqualTo("ok"));
    }

    [Test]
    public void WhileAnAofRewriteHoldsTheSnapshotBgsaveIsRefusedOrScheduled()
    {
        using var server = ServerProcess.Start("--save", "", "--enable-debug-command", "yes");
        using var raw = server.CreateRawClient(TimeSpan.FromSeconds(60));
        Fill(raw, 1_500_000);
        Assert.That(raw.Execute("CONFIG", "SET", "appendonly", "yes"), Is.EqualTo("+OK\r\n"));
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (InfoParser.Field(BulkText(raw.Execute("INFO", "persistence")), "aof_rewrite_in_progress") != 0)
        {
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline));
            Thread.Sleep(20);
        }
        Assert.That(raw.Execute("BGREWRITEAOF"), Is.EqualTo("+Background append only file rewriting started\r\n"));
        if (InfoParser.Field(BulkText(raw.Execute("INFO", "persistence")), "aof_rewrite_in_progress") == 0)
            Assert.Inconclusive("the AOF rewrite ended (or ran in the foreground) before BGSAVE could overlap it");
        Assert.That(raw.Execute("BGSAVE"), Is.EqualTo(
            "-ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.\r\n"));
        Assert.That(raw.Execute("BGSAVE", "SCHEDULE"), Is.EqualTo("+Background saving scheduled\r\n"));
        deadline = DateTime.UtcNow.AddSeconds(60);
        while (!File.Exists(Path.Combine(server.WorkingDirectory, "dump.rdb")))
        {
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), "the scheduled BGSAVE never ran");
            Thread.Sleep(50);
        }
        WaitForBgsave(server);
        AssertLogSoon(server, "Background saving scheduled due to user request");
        Assert.That(InfoParser.Fields(PersistenceInfo(server))["rdb_last_bgsave_status"], Is.EqualTo("ok"));
    }

    /// <summary>Streams with groups, consumers and PELs, one with tombstones, an empty one with a group.</summary>
    private static void FillStreams(RawRespClient raw)
    {
        for (int i = 1; i <= 700; i++)
        {
            raw.SendCommand("XADD", "st1", $"{i}-1", "f", $"v{i}", "n", i.ToString());
            raw.SendCommand("XADD", "st2", $"{i}-{i % 7}", "other", new string('x', i % 50));
        }
        raw.ReadReplies(1400);
        Assert.That(raw.Execute("XGROUP", "CREATE", "st1", "g1", "0"), Is.EqualTo("+OK\r\n"));
        Assert.That(raw.Execute("XGROUP", "CREATE", "st1", "g2", "$"), Is.EqualTo("+OK\r\n"));
        Assert.That(raw.Execute("XGROUP", "CREATE", "st2", "grp", "0"), Is.EqualTo("+OK\r\n"));
        Assert.That(raw.Execute("XGROUP", "CREATE", "st3", "lonely", "$", "MKSTREAM"), Is.EqualTo("+OK\r\n"));
        raw.Execute("XREADGROUP", "GROUP", "g1", "alice", "COUNT", "200", "STREAMS", "st1", ">");
        raw.Execute("XREADGROUP", "GROUP", "g1", "bob", "COUNT", "150", "STREAMS", "st1", ">");
        raw.Execute("XREADGROUP", "GROUP", "grp", "carol", "COUNT", "300", "STREAMS", "st2", ">");
        Assert.That(raw.Execute("XGROUP", "CREATECONSUMER", "st1", "g2", "idle"), Is.EqualTo(":1\r\n"));
        Assert.That(raw.Execute("XACK", "st1", "g1", "1-1", "2-1", "3-1", "201-1"), Is.EqualTo(":4\r\n"));
        Assert.That(raw.Execute("XDEL", "st2", "10-3", "11-4", "12-5"), Is.EqualTo(":3\r\n"));
        raw.Execute("XTRIM", "st2", "MINID", "5");
    }

    /// <summary>XPENDING's extended form: each entry is *4 id consumer :idle :count; drops the idle integer.</summary>
    private static string WithoutIdleTimes(string reply) =>
        System.Text.RegularExpressions.Regex.Replace(reply, @"(\r\n\$\d+\r\n[^\r]*\r\n\$\d+\r\n[^\r]*\r\n):\d+\r\n", "$1");

    [Test]
    public void StreamsWithGroupsAreSavedInTheBackgroundAsTheyWereAtBgsave()
    {
        using var server = ServerProcess.Start("--save", "", "--enable-debug-command", "yes");
        using var raw = server.CreateRawClient(TimeSpan.FromSeconds(60));
        using var writer = server.CreateRawClient(TimeSpan.FromSeconds(60));
        Assert.That(raw.Execute("DEBUG", "POPULATE", "3000", "key", "10"), Is.EqualTo("+OK\r\n"));
        FillStreams(raw);
        string digest = raw.Execute("DEBUG", "DIGEST");
        // Summary form (count, range, per-consumer counts) and IDs with owners and delivery counts: idle times move on.
        string pending = raw.Execute("XPENDING", "st1", "g1");
        string pendingIds = WithoutIdleTimes(raw.Execute("XPENDING", "st1", "g1", "-", "+", "1000"));
        string groups = raw.Execute("XINFO", "GROUPS", "st1");
        string consumers = raw.Execute("XINFO", "CONSUMERS", "st1", "g1");
        long forks = InfoParser.Field(BulkText(raw.Execute("INFO", "stats")), "total_forks");
        // 1 ms per key: the save of ~3,000 keys lasts about 3 seconds.
        Assert.That(raw.Execute("CONFIG", "SET", "rdb-key-save-delay", "1000"), Is.EqualTo("+OK\r\n"));

        Assert.That(raw.Execute("BGSAVE"), Is.EqualTo("+Background saving started\r\n"));
        // Meanwhile: new entries, acks, claims, a consumer and a group deleted, a stream deleted, another created.
        writer.SendCommand("XADD", "st1", "*", "late", "1");
        writer.SendCommand("XACK", "st1", "g1", "4-1", "5-1", "160-1");
        writer.SendCommand("XGROUP", "DELCONSUMER", "st1", "g1", "bob");
        writer.SendCommand("XREADGROUP", "GROUP", "g1", "dave", "COUNT", "10", "STREAMS", "st1", ">");
        writer.SendCommand("XCLAIM", "st1", "g1", "dave", "0", "10-1", "11-1");
        writer.SendCommand("XGROUP", "DESTROY", "st2", "grp");
        writer.SendCommand("XGROUP", "SETID", "st1", "g2", "0", "ENTRIESREAD", "0");
        writer.SendCommand("DEL", "st3");
        writer.SendCommand("XADD", "st4", "1-1", "f", "v");
        writer.SendCommand("XTRIM", "st1", "MAXLEN", "100");
        writer.SendCommand("INFO", "persistence");
        var replies = writer.ReadReplies(11);
        Assert.That(replies[2], Is.EqualTo(":149\r\n"), "DELCONSUMER dropped bob's pending entries");
        Assert.That(InfoParser.Field(BulkText(replies[^1]), "rdb_bgsave_in_progress"), Is.EqualTo(1),
            "the stream commands ran while the background save was in progress");
        Assert.That(raw.Execute("DEBUG", "DIGEST"), Is.Not.EqualTo(digest));

        WaitForBgsave(server);
        Assert.That(InfoParser.Fields(PersistenceInfo(server))["rdb_last_bgsave_status"], Is.EqualTo("ok"));
        Assert.That(InfoParser.Field(BulkText(raw.Execute("INFO", "stats")), "total_forks"), Is.EqualTo(forks + 1));
        AssertLogSoon(server, "Background saving terminated with success");
        Assert.That(server.Log, Does.Contain("copy-on-write snapshot"));
        Assert.That(server.Log, Does.Not.Contain("in the foreground"));

        string dir = Path.Combine(Path.GetTempPath(), "valkey-native-tests", "bgsave-st-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        try
        {
            File.Copy(Path.Combine(server.WorkingDirectory, "dump.rdb"), Path.Combine(dir, "dump.rdb"));
            using var second = new ServerProcess(["--save", "", "--enable-debug-command", "yes"], workingDirectory: dir);
            using var raw2 = second.CreateRawClient(TimeSpan.FromSeconds(60));
            Assert.That(raw2.Execute("DEBUG", "DIGEST"), Is.EqualTo(digest));
            Assert.That(raw2.Execute("XPENDING", "st1", "g1"), Is.EqualTo(pending));
            Assert.That(WithoutIdleTimes(raw2.Execute("XPENDING", "st1", "g1", "-", "+", "1000")), Is.EqualTo(pendingIds));
            Assert.That(raw2.Execute("XINFO", "GROUPS", "st1"), Is.EqualTo(groups));
            Assert.That(raw2.Execute("XLEN", "st1"), Is.EqualTo(":700\r\n"));
            Assert.That(raw2.Execute("XLEN", "st3"), Is.EqualTo(":0\r\n"));
            Assert.That(raw2.Execute("EXISTS", "st4"), Is.EqualTo(":0\r\n"));
            Assert.That(raw2.Execute("XINFO", "GROUPS", "st3"), Does.Contain("lonely"));
            Assert.That(raw2.Execute("XPENDING", "st2", "grp"), Does.StartWith("*4\r\n:"));
            // Consumers: names and pending counts survive (times are not compared: seen-time is saved,
            // active-time reloads as the seen-time in RDB 10's stream format).
            string reloaded = raw2.Execute("XINFO", "CONSUMERS", "st1", "g1");
            foreach (var name in new[] { "alice", "bob" }) Assert.That(reloaded, Does.Contain(name));
            Assert.That(consumers, Does.Contain("bob"));
            Assert.That(reloaded, Does.Not.Contain("dave"));
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    [Test]
    public void AnAofRewriteBaseKeepsStreamsWithGroupsWrittenFromTheSnapshot()
    {
        using var server = ServerProcess.Start("--save", "", "--enable-debug-command", "yes", "--aof-use-rdb-preamble", "yes");
        using var raw = server.CreateRawClient(TimeSpan.FromSeconds(60));
        FillStreams(raw);
        string digest = raw.Execute("DEBUG", "DIGEST");
        long forks = InfoParser.Field(BulkText(raw.Execute("INFO", "stats")), "total_forks");
        Assert.That(raw.Execute("CONFIG", "SET", "appendonly", "yes"), Is.EqualTo("+OK\r\n"));
        // appendonly yes started its first rewrite at once (counted when started).
        Assert.That(InfoParser.Field(BulkText(raw.Execute("INFO", "persistence")), "aof_rewrites"), Is.EqualTo(1));
        WaitForRewrite(raw);
        // Then an explicit BGREWRITEAOF, which runs on the snapshot.
        forks = InfoParser.Field(BulkText(raw.Execute("INFO", "stats")), "total_forks");
        Assert.That(raw.Execute("BGREWRITEAOF"), Is.EqualTo("+Background append only file rewriting started\r\n"));
        Assert.That(InfoParser.Field(BulkText(raw.Execute("INFO", "persistence")), "aof_rewrites"), Is.EqualTo(2));
        WaitForRewrite(raw);
        Assert.That(InfoParser.Fields(BulkText(raw.Execute("INFO", "persistence")))["aof_last_bgrewrite_status"], Is.EqualTo("ok"));
        Assert.That(InfoParser.Field(BulkText(raw.Execute("INFO", "stats")), "total_forks"), Is.EqualTo(forks + 1), server.Log);
        Assert.That(server.Log, Does.Not.Contain("in the foreground instead").And.Not.Contain("rewriting in the foreground"),
            "no fallback because of the streams");
        Assert.That(server.Stop(), Is.True);
        // The AOF (its RDB-preamble base) is what a server started with appendonly yes loads.
        using var second = new ServerProcess(["--save", "", "--enable-debug-command", "yes", "--appendonly", "yes"],
            workingDirectory: server.WorkingDirectory);
        Assert.That(second.Execute("DEBUG", "DIGEST"), Is.EqualTo(digest));
        Assert.That(second.Execute("XPENDING", "st1", "g1"), Does.StartWith("*4\r\n:346\r\n"));
    }

    [Test]
    public void BgsaveInsideExecIsScheduledAndRunsAfterTheTransaction()
    {
        using var server = ServerProcess.Start("--save", "");
        using var raw = server.CreateRawClient(TimeSpan.FromSeconds(30));
        raw.Execute("SET", "k", "v");
        long forks = InfoParser.Field(BulkText(raw.Execute("INFO", "stats")), "total_forks");
        Assert.That(raw.Execute("MULTI"), Is.EqualTo("+OK\r\n"));
        Assert.That(raw.Execute("SET", "foo", "bar"), Is.EqualTo("+QUEUED\r\n"));
        Assert.That(raw.Execute("BGSAVE"), Is.EqualTo("+QUEUED\r\n"));
        Assert.That(raw.Execute("EXEC"), Is.EqualTo("*2\r\n+OK\r\n+Background saving scheduled\r\n"));
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!File.Exists(Path.Combine(server.WorkingDirectory, "dump.rdb")))
        {
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), "the scheduled BGSAVE never ran");
            Thread.Sleep(50);
        }
        WaitForBgsave(server);
        AssertLogSoon(server, "Background saving scheduled to run after transaction execution");
        Assert.That(InfoParser.Fields(PersistenceInfo(server))["rdb_last_bgsave_status"], Is.EqualTo("ok"));
        if (server.Log.Contains("copy-on-write snapshot", StringComparison.Ordinal))
            Assert.That(InfoParser.Field(BulkText(raw.Execute("INFO", "stats")), "total_forks"), Is.EqualTo(forks + 1));
        server.Restart();
        Assert.That(server.Execute("GET", "foo"), Is.EqualTo(Bulk("bar")));
    }

    [Test]
    public void RdbKeySaveDelayKeepsTheBackgroundSaveRunningAndCancelStopsItPromptly()
    {
        using var server = ServerProcess.Start("--save", "", "--enable-debug-command", "yes");
        using var raw = server.CreateRawClient(TimeSpan.FromSeconds(30));
        Assert.That(raw.Execute("DEBUG", "POPULATE", "100"), Is.EqualTo("+OK\r\n"));
        Assert.That(raw.Execute("CONFIG", "SET", "rdb-key-save-delay", "1000000"), Is.EqualTo("+OK\r\n"));
        Assert.That(raw.Execute("CONFIG", "GET", "rdb-key-save-delay"), Is.EqualTo("*2\r\n$18\r\nrdb-key-save-delay\r\n$7\r\n1000000\r\n"));
        // A foreground save never sleeps.
        var sw = System.Diagnostics.Stopwatch.StartNew();
        Assert.That(raw.Execute("SAVE"), Is.EqualTo("+OK\r\n"));
        Assert.That(sw.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5)));
        Assert.That(raw.Execute("BGSAVE"), Is.EqualTo("+Background saving started\r\n"));
        Thread.Sleep(1500);
        Assert.That(InfoParser.Field(PersistenceInfo(server), "rdb_bgsave_in_progress"), Is.EqualTo(1), "one second per key: still saving");
        sw.Restart();
        Assert.That(raw.Execute("BGSAVE", "CANCEL"), Is.EqualTo("+Background saving cancelled\r\n"));
        Assert.That(sw.Elapsed, Is.LessThan(TimeSpan.FromSeconds(2)), "the writer notices the cancellation between sleeps");
        Assert.That(InfoParser.Field(PersistenceInfo(server), "rdb_bgsave_in_progress"), Is.EqualTo(0));
        Assert.That(raw.Execute("CONFIG", "SET", "rdb-del-sync-files", "yes"), Is.EqualTo("+OK\r\n"));
    }
}
