using NUnit.Framework;
using Valkey.Native.Tests.Infrastructure;
using static Valkey.Native.Tests.Integration.PersistenceTestHelpers;

namespace Valkey.Native.Tests.Integration;

/// <summary>
/// The rewrite fields of INFO persistence as Valkey keeps them (aof.c rewriteAppendOnlyFileBackground,
/// backgroundRewriteDoneHandler, killAppendOnlyChild, bgrewriteaofCommand; server.c resetServerStats and
/// genValkeyInfoString): aof_rewrites counts rewrites STARTED (before the fork, so failed ones too; a
/// scheduled one when cron starts it; not the foreground base of start-up), aof_last_rewrite_time_sec
/// and aof_current_rewrite_time_sec are whole-second differences (-1 when none), a cancelled rewrite
/// leaves status and duration alone, and CONFIG RESETSTAT clears the counters but not the status.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class AofRewriteStatsTests
{
    private const string Started = "+Background append only file rewriting started\r\n";

    /// <summary>An AOF server with 200 keys whose background rewrite takes 200 x the key delay (rdb-key-save-delay).</summary>
    private static ServerProcess StartWithSlowRewrite(int keyDelayMicroseconds)
    {
        var server = ServerProcess.Start("--save", "", "--appendonly", "yes", "--enable-debug-command", "yes",
            "--auto-aof-rewrite-percentage", "0");
        try
        {
            using var raw = server.CreateRawClient();
            Assert.That(raw.Execute("DEBUG", "POPULATE", "200"), Is.EqualTo("+OK\r\n"));
            Assert.That(raw.Execute("CONFIG", "SET", "rdb-key-save-delay", keyDelayMicroseconds.ToString()), Is.EqualTo("+OK\r\n"));
            return server;
        }
        catch
        {
            server.Dispose();
            throw;
        }
    }

    private static Dictionary<string, string> Fields(ServerProcess server) => InfoParser.Fields(PersistenceInfo(server));

    private static long Field(ServerProcess server, string name) => PersistenceField(server, name);

    /// <summary>Every background rewrite fails: its temporary base file's name is taken by a directory.</summary>
    private static string BlockRewrites(ServerProcess server)
    {
        string blocker = Path.Combine(AofDir(server), $"temp-rewriteaof-bg-{server.ProcessId}.aof");
        Directory.CreateDirectory(blocker);
        return blocker;
    }

    [Test]
    public void TheStartUpBaseIsNotCountedAndNothingEndedYet()
    {
        using var server = ServerProcess.Start("--save", "", "--appendonly", "yes");
        var info = Fields(server);
        Assert.That(info["aof_rewrites"], Is.EqualTo("0"), "the base written at start-up is a foreground rewrite");
        Assert.That(info["aof_rewrite_in_progress"], Is.EqualTo("0"));
        Assert.That(info["aof_rewrite_scheduled"], Is.EqualTo("0"));
        Assert.That(info["aof_pending_rewrite"], Is.EqualTo("0"));
        Assert.That(info["aof_last_rewrite_time_sec"], Is.EqualTo("-1"));
        Assert.That(info["aof_current_rewrite_time_sec"], Is.EqualTo("-1"));
        Assert.That(info["aof_last_bgrewrite_status"], Is.EqualTo("ok"));
        Assert.That(info["aof_rewrites_consecutive_failures"], Is.EqualTo("0"));
    }

    [Test]
    public void ARewriteIsCountedWhenItStartsEvenIfItFails()
    {
        using var server = ServerProcess.Start("--save", "", "--appendonly", "yes", "--auto-aof-rewrite-percentage", "0");
        using var raw = server.CreateRawClient();
        raw.Execute("SET", "k", "v");
        string blocker = BlockRewrites(server);

        Assert.That(raw.Execute("BGREWRITEAOF"), Is.EqualTo(Started));
        Assert.That(Field(server, "aof_rewrites"), Is.EqualTo(1), "counted at the start, before it ended");
        WaitForRewrite(server);
        var info = Fields(server);
        Assert.That(info["aof_rewrites"], Is.EqualTo("1"), "the failure does not change the started count");
        Assert.That(info["aof_last_bgrewrite_status"], Is.EqualTo("err"));
        Assert.That(info["aof_rewrites_consecutive_failures"], Is.EqualTo("1"));
        Assert.That(long.Parse(info["aof_last_rewrite_time_sec"]), Is.GreaterThanOrEqualTo(0), "a failed rewrite has a duration too");
        Assert.That(info["aof_current_rewrite_time_sec"], Is.EqualTo("-1"));

        Assert.That(raw.Execute("BGREWRITEAOF"), Is.EqualTo(Started));
        WaitForRewrite(server);
        Assert.That(Field(server, "aof_rewrites"), Is.EqualTo(2));
        Assert.That(Field(server, "aof_rewrites_consecutive_failures"), Is.EqualTo(2));

        Directory.Delete(blocker);
        Assert.That(raw.Execute("BGREWRITEAOF"), Is.EqualTo(Started));
        WaitForRewrite(server);
        info = Fields(server);
        Assert.That(info["aof_rewrites"], Is.EqualTo("3"));
        Assert.That(info["aof_last_bgrewrite_status"], Is.EqualTo("ok"));
        Assert.That(info["aof_rewrites_consecutive_failures"], Is.EqualTo("0"));
    }

    [Test]
    public void ARunningRewriteShowsItsCurrentTimeAndIsNotStartedTwice()
    {
        using var server = StartWithSlowRewrite(keyDelayMicroseconds: 10000); // rewrite ~2 s
        using var raw = server.CreateRawClient(TimeSpan.FromSeconds(30));

        Assert.That(raw.Execute("BGREWRITEAOF"), Is.EqualTo(Started));
        Assert.That(Field(server, "aof_rewrite_in_progress"), Is.EqualTo(1));
        Assert.That(Field(server, "aof_rewrites"), Is.EqualTo(1));
        Assert.That(Field(server, "aof_current_rewrite_time_sec"), Is.InRange(0, 1));
        Assert.That(raw.Execute("BGREWRITEAOF"), Is.EqualTo("-ERR Background append only file rewriting already in progress\r\n"));
        Assert.That(Field(server, "aof_rewrites"), Is.EqualTo(1), "a refused BGREWRITEAOF is not counted");
        Assert.That(Field(server, "aof_last_rewrite_time_sec"), Is.EqualTo(-1), "nothing ended yet");
        Thread.Sleep(1100);
        Assert.That(Field(server, "aof_rewrite_in_progress"), Is.EqualTo(1), "the rewrite still runs");
        Assert.That(Field(server, "aof_current_rewrite_time_sec"), Is.GreaterThanOrEqualTo(1));

        WaitForRewrite(server);
        var info = Fields(server);
        Assert.That(info["aof_current_rewrite_time_sec"], Is.EqualTo("-1"));
        Assert.That(long.Parse(info["aof_last_rewrite_time_sec"]), Is.GreaterThanOrEqualTo(1));
        Assert.That(info["aof_last_bgrewrite_status"], Is.EqualTo("ok"));
        Assert.That(info["aof_rewrites"], Is.EqualTo("1"));
    }

    [Test]
    public void AScheduledRewriteIsCountedWhenCronStartsIt()
    {
        using var server = StartWithSlowRewrite(keyDelayMicroseconds: 5000); // rewrite ~1 s
        using var raw = server.CreateRawClient(TimeSpan.FromSeconds(30));
        Assert.That(raw.Execute("BGSAVE"), Is.EqualTo("+Background saving started\r\n"));

        Assert.That(raw.Execute("BGREWRITEAOF"), Is.EqualTo("+Background append only file rewriting scheduled\r\n"));
        var info = Fields(server);
        Assert.That(info["aof_rewrite_scheduled"], Is.EqualTo("1"));
        Assert.That(info["aof_pending_rewrite"], Is.EqualTo("1"), "aof_pending_rewrite is aof_rewrite_scheduled too");
        Assert.That(info["aof_rewrite_in_progress"], Is.EqualTo("0"));
        Assert.That(info["aof_rewrites"], Is.EqualTo("0"), "scheduled is not started");
        Assert.That(info["aof_current_rewrite_time_sec"], Is.EqualTo("-1"));

        Assert.That(raw.Execute("CONFIG", "SET", "rdb-key-save-delay", "0"), Is.EqualTo("+OK\r\n"));
        WaitForBgsave(server);
        WaitForRewrite(server);
        info = Fields(server);
        Assert.That(info["aof_rewrites"], Is.EqualTo("1"), "cron started the scheduled rewrite once");
        Assert.That(info["aof_rewrite_scheduled"], Is.EqualTo("0"));
        Assert.That(info["aof_last_bgrewrite_status"], Is.EqualTo("ok"));
    }

    [Test]
    public void ConfigResetstatClearsTheCountersButNotTheStatusNorTheLastDuration()
    {
        using var server = ServerProcess.Start("--save", "", "--appendonly", "yes", "--auto-aof-rewrite-percentage", "0");
        using var raw = server.CreateRawClient();
        BlockRewrites(server);
        Assert.That(raw.Execute("BGREWRITEAOF"), Is.EqualTo(Started));
        WaitForRewrite(server);
        Assert.That(raw.Execute("BGREWRITEAOF"), Is.EqualTo(Started));
        WaitForRewrite(server);
        var before = Fields(server);
        Assert.That(before["aof_rewrites"], Is.EqualTo("2"));
        Assert.That(before["aof_rewrites_consecutive_failures"], Is.EqualTo("2"));

        Assert.That(raw.Execute("CONFIG", "RESETSTAT"), Is.EqualTo("+OK\r\n"));
        var after = Fields(server);
        Assert.That(after["aof_rewrites"], Is.EqualTo("0"));
        Assert.That(after["aof_rewrites_consecutive_failures"], Is.EqualTo("0"));
        Assert.That(after["aof_delayed_fsync"], Is.EqualTo("0"));
        Assert.That(after["aof_last_bgrewrite_status"], Is.EqualTo("err"), "resetServerStats leaves the status");
        Assert.That(after["aof_last_rewrite_time_sec"], Is.EqualTo(before["aof_last_rewrite_time_sec"]));
        Assert.That(after["aof_last_rewrite_time_sec"], Is.Not.EqualTo("-1"));

        Assert.That(raw.Execute("BGREWRITEAOF"), Is.EqualTo(Started));
        Assert.That(Field(server, "aof_rewrites"), Is.EqualTo(1), "counting starts over");
        WaitForRewrite(server);
    }

    /// <summary>
    /// killAppendOnlyChild (CONFIG SET appendonly no during a rewrite): the rewrite was counted when it
    /// started; no done handler runs, so status, failures and the last duration are left as they were.
    /// </summary>
    [Test]
    public void ACancelledRewriteStaysCountedWithoutAnOutcome()
    {
        using var server = StartWithSlowRewrite(keyDelayMicroseconds: 50000); // rewrite ~10 s
        using var raw = server.CreateRawClient(TimeSpan.FromSeconds(30));
        Assert.That(raw.Execute("BGREWRITEAOF"), Is.EqualTo(Started));
        Assert.That(Field(server, "aof_rewrite_in_progress"), Is.EqualTo(1));

        Assert.That(raw.Execute("CONFIG", "SET", "appendonly", "no"), Is.EqualTo("+OK\r\n"));
        var info = Fields(server);
        Assert.That(info["aof_rewrite_in_progress"], Is.EqualTo("0"));
        Assert.That(info["aof_rewrites"], Is.EqualTo("1"));
        Assert.That(info["aof_last_bgrewrite_status"], Is.EqualTo("ok"));
        Assert.That(info["aof_rewrites_consecutive_failures"], Is.EqualTo("0"));
        Assert.That(info["aof_last_rewrite_time_sec"], Is.EqualTo("-1"));
        Assert.That(info["aof_current_rewrite_time_sec"], Is.EqualTo("-1"));
        Assert.That(info["aof_enabled"], Is.EqualTo("0"));
        Assert.That(info.ContainsKey("aof_pending_rewrite"), Is.False, "the AOF-only fields go with appendonly no");
    }

    /// <summary>
    /// rewriteAppendOnlyFileBackground when the AOF directory cannot be created: an error reply, status
    /// err, and nothing counted (neither started nor a consecutive failure): no rewrite began.
    /// </summary>
    [Test]
    public void ARewriteThatCannotStartIsNotCounted()
    {
        using var server = ServerProcess.Start("--save", "", "--appendonly", "no", "--appenddirname", "aofdir-blocked");
        string path = Path.Combine(server.WorkingDirectory, "aofdir-blocked");
        if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
        File.WriteAllText(path, "not a directory");
        using var raw = server.CreateRawClient();

        Assert.That(raw.Execute("BGREWRITEAOF"),
            Is.EqualTo("-ERR Can't execute an AOF background rewriting. Please check the server logs for more information.\r\n"));
        var info = Fields(server);
        Assert.That(info["aof_rewrites"], Is.EqualTo("0"));
        Assert.That(info["aof_last_bgrewrite_status"], Is.EqualTo("err"));
        Assert.That(info["aof_rewrites_consecutive_failures"], Is.EqualTo("0"));
        Assert.That(info["aof_rewrite_in_progress"], Is.EqualTo("0"));

        File.Delete(path);
        Assert.That(raw.Execute("BGREWRITEAOF"), Is.EqualTo(Started), "with appendonly no too, a background rewrite");
        Assert.That(Field(server, "aof_rewrites"), Is.EqualTo(1));
        WaitForRewrite(server);
        Assert.That(Fields(server)["aof_last_bgrewrite_status"], Is.EqualTo("ok"));
    }
}
