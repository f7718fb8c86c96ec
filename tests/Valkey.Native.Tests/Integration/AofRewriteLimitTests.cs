using NUnit.Framework;
using Valkey.Native.Tests.Infrastructure;
using static Valkey.Native.Tests.Integration.PersistenceTestHelpers;

namespace Valkey.Native.Tests.Integration;

/// <summary>
/// Failed background AOF rewrites and the back-off of automatic ones (Valkey's aofRewriteLimited and
/// backgroundRewriteDoneHandler): failures are counted in aof_rewrites_consecutive_failures, every
/// failed attempt leaves its incremental file in the manifest, from the third failure automatic and
/// scheduled rewrites wait (1 minute, doubling; the doubling is covered by AofRewriteLimiterTests),
/// BGREWRITEAOF is never limited, and a success, a scheduled BGREWRITEAOF or CONFIG RESETSTAT reset
/// the count. Valkey's suite fails a rewrite by killing its fork child; here the rewrite's temporary
/// file name is taken by a directory, so opening it fails: deterministic, and possible as root.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class AofRewriteLimitTests
{
    private const string LimitLine = "Background AOF rewrite has repeatedly failed and triggered the limit, will retry in 1 minutes";
    private const string FailedLine = "Background AOF rewrite terminated with error";

    /// <summary>Makes every background rewrite fail: its temporary base file cannot be created.</summary>
    private static string BlockRewrites(ServerProcess server)
    {
        string blocker = Path.Combine(AofDir(server), $"temp-rewriteaof-bg-{server.ProcessId}.aof");
        Directory.CreateDirectory(blocker);
        return blocker;
    }

    private static long Failures(ServerProcess server) => PersistenceField(server, "aof_rewrites_consecutive_failures");

    private static string LastStatus(ServerProcess server) => InfoParser.Fields(PersistenceInfo(server))["aof_last_bgrewrite_status"];

    private static int IncrFiles(ServerProcess server) => ManifestLines(server).Count(l => l.EndsWith(" type i", StringComparison.Ordinal));

    /// <summary>BGREWRITEAOF starts (it is never limited), fails, and the count reaches <paramref name="expected"/>.</summary>
    private static void FailOneRewrite(ServerProcess server, RawRespClient raw, int expected)
    {
        Assert.That(raw.Execute("BGREWRITEAOF"), Is.EqualTo("+Background append only file rewriting started\r\n"));
        WaitForRewrite(server);
        Assert.That(Failures(server), Is.EqualTo(expected));
        Assert.That(LastStatus(server), Is.EqualTo("err"));
        WaitForLog(server, FailedLine, expected);
    }

    [Test]
    public void AutomaticRewritesBackOffAfterThreeFailuresWhileBgrewriteaofStillRuns()
    {
        using var server = ServerProcess.Start("--save", "", "--appendonly", "yes", "--auto-aof-rewrite-percentage", "0");
        using var raw = server.CreateRawClient();
        raw.Execute("SET", "before", "1");
        string blocker = BlockRewrites(server);

        FailOneRewrite(server, raw, 1);
        FailOneRewrite(server, raw, 2);
        // Each failed attempt opened an incremental file that stays in the manifest (nothing is lost).
        Assert.That(IncrFiles(server), Is.EqualTo(3));
        Assert.That(server.Log, Does.Not.Contain("rewriting in the foreground"), "a failed background rewrite is not redone in the foreground");

        // Below the threshold the automatic rewrite still runs: it fails too (the third failure), and
        // from then on the growth that keeps asking for a rewrite only meets the limit, logged once.
        Assert.That(raw.Execute("CONFIG", "SET", "auto-aof-rewrite-min-size", "0"), Is.EqualTo("+OK\r\n"));
        Assert.That(raw.Execute("CONFIG", "SET", "auto-aof-rewrite-percentage", "1"), Is.EqualTo("+OK\r\n"));
        raw.Execute("SET", "grow", new string('x', 4096));
        WaitForLog(server, LimitLine);
        Assert.That(CountOf(server.Log, "Starting automatic rewriting of AOF on"), Is.EqualTo(1));
        Assert.That(Failures(server), Is.EqualTo(3));
        Thread.Sleep(1000); // ten cron runs: none may start a rewrite or log the limit again
        Assert.That(CountOf(server.Log, "Starting automatic rewriting of AOF on"), Is.EqualTo(1));
        Assert.That(CountOf(server.Log, LimitLine), Is.EqualTo(1));
        Assert.That(CountOf(server.Log, FailedLine), Is.EqualTo(3));
        Assert.That(PersistenceField(server, "aof_rewrite_in_progress"), Is.EqualTo(0));
        Assert.That(IncrFiles(server), Is.EqualTo(4));

        // BGREWRITEAOF is not limited: it runs (and fails while the directory is in the way) ...
        FailOneRewrite(server, raw, 4);
        Assert.That(CountOf(server.Log, LimitLine), Is.EqualTo(1));
        // ... and once the problem is gone it succeeds: the count resets and the manifest is compact.
        Directory.Delete(blocker);
        Assert.That(raw.Execute("CONFIG", "SET", "auto-aof-rewrite-percentage", "0"), Is.EqualTo("+OK\r\n"));
        Assert.That(raw.Execute("BGREWRITEAOF"), Is.EqualTo("+Background append only file rewriting started\r\n"));
        WaitForRewrite(server);
        Assert.That(Failures(server), Is.EqualTo(0));
        Assert.That(LastStatus(server), Is.EqualTo("ok"));
        WaitForLog(server, "Background AOF rewrite finished successfully");
        Assert.That(IncrFiles(server), Is.EqualTo(1));

        // With the count reset the automatic rewrite is no longer limited.
        Assert.That(raw.Execute("CONFIG", "SET", "auto-aof-rewrite-percentage", "1"), Is.EqualTo("+OK\r\n"));
        raw.Execute("SET", "grow2", new string('y', 4096));
        WaitForLog(server, "Starting automatic rewriting of AOF on", 2);
        WaitForRewrite(server);
        WaitForLog(server, "Background AOF rewrite finished successfully", 2);
        // Every rewrite started counts, the failed ones too: four failures, BGREWRITEAOF, automatic.
        Assert.That(PersistenceField(server, "aof_rewrites"), Is.EqualTo(6));
        Assert.That(Failures(server), Is.EqualTo(0));
        Assert.That(CountOf(server.Log, LimitLine), Is.EqualTo(1));

        server.Restart();
        using var raw2 = server.CreateRawClient();
        Assert.That(raw2.Execute("DBSIZE"), Is.EqualTo(":3\r\n"), "every write survived the failed rewrites");
    }

    [Test]
    public void ScheduledBgrewriteaofAndConfigResetstatResetTheFailureCount()
    {
        using var server = ServerProcess.Start("--save", "", "--appendonly", "yes", "--auto-aof-rewrite-percentage", "0", "--enable-debug-command", "yes");
        using var raw = server.CreateRawClient(TimeSpan.FromSeconds(30));
        Assert.That(raw.Execute("DEBUG", "POPULATE", "200"), Is.EqualTo("+OK\r\n"));
        string blocker = BlockRewrites(server);
        FailOneRewrite(server, raw, 1);
        FailOneRewrite(server, raw, 2);
        FailOneRewrite(server, raw, 3);

        // CONFIG RESETSTAT clears the count (resetServerStats); the status stays err.
        Assert.That(raw.Execute("CONFIG", "RESETSTAT"), Is.EqualTo("+OK\r\n"));
        Assert.That(Failures(server), Is.EqualTo(0));
        Assert.That(LastStatus(server), Is.EqualTo("err"));
        FailOneRewrite(server, raw, 1);
        FailOneRewrite(server, raw, 2);
        FailOneRewrite(server, raw, 3);

        // BGREWRITEAOF during a BGSAVE is scheduled, and scheduling it resets the count so cron is not
        // held back by the limit when the BGSAVE ends (bgrewriteaofCommand).
        Directory.Delete(blocker);
        Assert.That(raw.Execute("CONFIG", "SET", "rdb-key-save-delay", "5000"), Is.EqualTo("+OK\r\n")); // ~1 s for 200 keys
        Assert.That(raw.Execute("BGSAVE"), Is.EqualTo("+Background saving started\r\n"));
        Assert.That(raw.Execute("BGREWRITEAOF"), Is.EqualTo("+Background append only file rewriting scheduled\r\n"));
        Assert.That(Failures(server), Is.EqualTo(0));
        Assert.That(PersistenceField(server, "aof_rewrite_scheduled"), Is.EqualTo(1));
        Assert.That(raw.Execute("CONFIG", "SET", "rdb-key-save-delay", "0"), Is.EqualTo("+OK\r\n"));
        WaitForBgsave(server);
        WaitForRewrite(server);
        Assert.That(LastStatus(server), Is.EqualTo("ok"));
        Assert.That(Failures(server), Is.EqualTo(0));
        Assert.That(server.Log, Does.Not.Contain(LimitLine));
    }

    [Test]
    public void AFailedFirstRewriteOfAppendonlyYesIsRetriedWithTheBackOffAndLosesNothing()
    {
        using var server = ServerProcess.Start("--save", "");
        using var raw = server.CreateRawClient();
        raw.Execute("SET", "before", "1");
        string blocker = BlockRewrites(server);

        // appendonly yes writes its first base in the background; it fails, is scheduled again and
        // retried from cron until the third failure, then waits (AOF_WAIT_REWRITE all along).
        Assert.That(raw.Execute("CONFIG", "SET", "appendonly", "yes"), Is.EqualTo("+OK\r\n"));
        WaitForLog(server, LimitLine);
        Assert.That(Failures(server), Is.EqualTo(3));
        Assert.That(CountOf(server.Log, FailedLine), Is.EqualTo(3));
        Assert.That(PersistenceField(server, "aof_rewrite_scheduled"), Is.EqualTo(1), "the retry stays scheduled while limited");
        Assert.That(PersistenceField(server, "aof_rewrite_in_progress"), Is.EqualTo(0));
        Assert.That(File.Exists(Path.Combine(AofDir(server), "appendonly.aof.manifest")), Is.False, "no AOF is in use yet");
        raw.Execute("SET", "during", "2");
        Thread.Sleep(500);
        Assert.That(Failures(server), Is.EqualTo(3), "no attempt while limited");

        // BGREWRITEAOF is not limited: with the directory usable it writes the first base and the AOF is on.
        Directory.Delete(blocker);
        Assert.That(raw.Execute("BGREWRITEAOF"), Is.EqualTo("+Background append only file rewriting started\r\n"));
        WaitForRewrite(server);
        WaitFor(() => PersistenceField(server, "aof_enabled") == 1, "the AOF did not turn on");
        Assert.That(Failures(server), Is.EqualTo(0));
        Assert.That(LastStatus(server), Is.EqualTo("ok"));
        Assert.That(File.Exists(Path.Combine(AofDir(server), "temp-appendonly.aof.incr")), Is.False);
        raw.Execute("SET", "after", "3");

        server.Stop();
        using var restarted = new ServerProcess(["--save", "", "--appendonly", "yes"], workingDirectory: server.WorkingDirectory);
        using var raw2 = restarted.CreateRawClient();
        Assert.That(raw2.Execute("MGET", "before", "during", "after"), Is.EqualTo("*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"));
    }

    [Test]
    public void AppendonlyNoCancelsTheScheduledRetryOfAFailedFirstRewrite()
    {
        using var server = ServerProcess.Start("--save", "");
        using var raw = server.CreateRawClient();
        BlockRewrites(server);
        Assert.That(raw.Execute("CONFIG", "SET", "appendonly", "yes"), Is.EqualTo("+OK\r\n"));
        WaitForLog(server, LimitLine);
        Assert.That(raw.Execute("CONFIG", "SET", "appendonly", "no"), Is.EqualTo("+OK\r\n"));
        AssertLogSoon(server, "AOF was disabled but there is a scheduled AOF background, cancel it.");
        Assert.That(PersistenceField(server, "aof_rewrite_scheduled"), Is.EqualTo(0));
        Assert.That(PersistenceField(server, "aof_enabled"), Is.EqualTo(0));
        Assert.That(File.Exists(Path.Combine(AofDir(server), "temp-appendonly.aof.incr")), Is.False);
    }
}
