using System.Globalization;
using System.Text.RegularExpressions;
using NUnit.Framework;
using Valkey.Native.Tests.Infrastructure;
using static Valkey.Native.Tests.Infrastructure.Resp;

namespace Valkey.Native.Tests.Integration;

/// <summary>
/// INFO (sections, field names and formats, counters that move), TIME, LASTSAVE and SHUTDOWN.
/// Statistics are global, so the fixture has a server of its own.
/// </summary>
[TestFixture]
[NonParallelizable]
public class ServerCommandsTests : OwnServerFixture
{
    /// <summary>The text of an INFO reply (RESP2 bulk).</summary>
    private static string InfoText(RawRespClient raw, params string[] sections)
        => BulkText(raw.Execute(["INFO", .. sections]));

    private Dictionary<string, string> Info(params string[] sections)
    {
        using var raw = Raw();
        return InfoParser.Fields(InfoText(raw, sections));
    }

    // ---- sections ------------------------------------------------------------------------

    private static readonly string[] DefaultTitles =
        ["Server", "Clients", "Memory", "Persistence", "Stats", "Replication", "CPU", "Modules", "Errorstats", "Cluster", "Keyspace"];

    private static readonly string[] AllTitles =
        ["Server", "Clients", "Memory", "Persistence", "Stats", "Replication", "CPU", "Modules", "Commandstats", "Errorstats", "Latencystats", "Cluster", "Keyspace"];

    [Test]
    public void DefaultInfoHasTheDefaultSectionsInValkeyOrder()
    {
        using var raw = Raw();
        Assert.That(InfoParser.SectionTitles(InfoText(raw)), Is.EqualTo(DefaultTitles));
        Assert.That(InfoParser.SectionTitles(InfoText(raw, "default")), Is.EqualTo(DefaultTitles));
        Assert.That(InfoText(raw), Does.Not.Contain("rejected_calls"), "commandstats is not a default section");
    }

    [TestCase("all")]
    [TestCase("everything")]
    [TestCase("ALL")]
    public void AllAndEverythingHaveEverySection(string arg)
    {
        using var raw = Raw();
        raw.Execute("PING");
        string info = InfoText(raw, arg);
        Assert.That(InfoParser.SectionTitles(info), Is.EqualTo(AllTitles));
        Assert.That(info, Does.Contain("rejected_calls"));
    }

    [Test]
    public void OneSectionOnlyAndNamesAreCaseInsensitive()
    {
        using var raw = Raw();
        Assert.That(InfoParser.SectionTitles(InfoText(raw, "cpu")), Is.EqualTo(new[] { "CPU" }));
        Assert.That(InfoParser.SectionTitles(InfoText(raw, "commandSTATS")), Is.EqualTo(new[] { "Commandstats" }));
        Assert.That(InfoText(raw, "cpu"), Does.Contain("used_cpu_user:").And.Not.Contain("used_memory"));
    }

    [Test]
    public void SeveralSectionsComeInValkeyOrderOnceEach()
    {
        using var raw = Raw();
        Assert.That(InfoParser.SectionTitles(InfoText(raw, "keyspace", "cpu", "server", "cpu")), Is.EqualTo(new[] { "Server", "CPU", "Keyspace" }));
        string cpuAll = InfoText(raw, "cpu", "all");
        Assert.That(Regex.Matches(cpuAll, "used_cpu_user_children").Count, Is.EqualTo(1));
        Assert.That(InfoParser.SectionTitles(InfoText(raw, "cpu", "default")), Is.EqualTo(DefaultTitles));
    }

    [Test]
    public void UnknownSectionGivesAnEmptyReply()
    {
        using var raw = Raw();
        Assert.That(raw.Execute("INFO", "sentinel"), Is.EqualTo("$0\r\n\r\n"));
    }

    [Test]
    public void SectionsAreSeparatedByABlankLineAndTheTextEndsWithCrlf()
    {
        using var raw = Raw();
        string info = InfoText(raw, "server", "clients");
        Assert.That(info, Does.StartWith("# Server\r\nredis_version:"));
        Assert.That(info, Does.Contain("\r\n\r\n# Clients\r\n"));
        Assert.That(info, Does.EndWith("total_blocking_keys_on_nokey:0\r\n"));
    }

    [Test]
    public void Resp3InfoIsAVerbatimString()
    {
        using var raw = Raw();
        raw.Execute("HELLO", "3");
        string reply = raw.Execute("INFO", "cluster");
        const string text = "txt:# Cluster\r\ncluster_enabled:0\r\n";
        Assert.That(reply, Is.EqualTo($"={text.Length}\r\n{text}\r\n"));
    }

    // ---- fields -------------------------------------------------------------------------------

    [Test]
    public void ServerSectionIdentifiesValkey8()
    {
        var f = Info("server");
        Assert.That(f["redis_version"], Is.EqualTo("7.2.4"));
        Assert.That(f["server_name"], Is.EqualTo("valkey"));
        Assert.That(f["valkey_version"], Is.EqualTo("8.0.1"));
        Assert.That(f["server_mode"], Is.EqualTo("standalone"));
        Assert.That(f["tcp_port"], Is.EqualTo(Server.Port.ToString()));
        Assert.That(f["process_id"], Is.EqualTo(Server.ProcessId.ToString()));
        Assert.That(f["run_id"], Does.Match("^[0-9a-f]{40}$"));
        Assert.That(f["arch_bits"], Is.EqualTo("64"));
        Assert.That(f["hz"], Is.EqualTo("10"));
        Assert.That(long.Parse(f["uptime_in_seconds"]), Is.GreaterThanOrEqualTo(0));
        Assert.That(f["listener0"], Is.EqualTo($"name=tcp,bind=127.0.0.1,port={Server.Port}"));
        Assert.That(long.Parse(f["server_time_usec"]) / 1_000_000, Is.EqualTo(DateTimeOffset.UtcNow.ToUnixTimeSeconds()).Within(5));
    }

    [Test]
    public void FieldsHaveValkeysFormats()
    {
        var f = Info("everything");
        Assert.That(long.Parse(f["used_memory"]), Is.GreaterThan(0));
        Assert.That(f["used_memory_human"], Does.Match(@"^\d+(B|\.\d\d[KMGTP])$"));
        Assert.That(long.Parse(f["used_memory_rss"]), Is.GreaterThan(1024 * 1024));
        Assert.That(f["mem_fragmentation_ratio"], Does.Match(@"^\d+\.\d\d$"));
        Assert.That(f["used_memory_peak_perc"], Does.Match(@"^\d+\.\d\d%$"));
        Assert.That(f["maxmemory"], Is.EqualTo("0"));
        Assert.That(f["maxmemory_human"], Is.EqualTo("0B"));
        Assert.That(f["maxmemory_policy"], Is.EqualTo("noeviction"));
        Assert.That(f["used_cpu_user"], Does.Match(@"^\d+\.\d{6}$"));
        Assert.That(f["used_cpu_sys"], Does.Match(@"^\d+\.\d{6}$"));
        Assert.That(f["used_cpu_user_main_thread"], Does.Match(@"^\d+\.\d{6}$"));
        Assert.That(f["role"], Is.EqualTo("master"));
        Assert.That(f["connected_slaves"], Is.EqualTo("0"));
        Assert.That(f["master_replid"], Does.Match("^[0-9a-f]{40}$"));
        Assert.That(f["cluster_enabled"], Is.EqualTo("0"));
        Assert.That(f["loading"], Is.EqualTo("0"));
        Assert.That(f["aof_enabled"], Is.EqualTo("0"));
        Assert.That(f["rdb_last_bgsave_status"], Is.EqualTo("ok"));
        Assert.That(long.Parse(f["connected_clients"]), Is.GreaterThanOrEqualTo(1));
        Assert.That(f["maxclients"], Is.EqualTo("10000"));
        Assert.That(long.Parse(f["instantaneous_ops_per_sec"]), Is.GreaterThanOrEqualTo(0));
        Assert.That(f["instantaneous_input_kbps"], Does.Match(@"^\d+\.\d\d$"));
    }

    [Test]
    public void CommandsProcessedAndConnectionsCount()
    {
        using var raw = Raw();
        long before = long.Parse(InfoParser.Fields(InfoText(raw, "stats"))["total_commands_processed"]);
        for (int i = 0; i < 5; i++) raw.Execute("PING");
        long after = long.Parse(InfoParser.Fields(InfoText(raw, "stats"))["total_commands_processed"]);
        Assert.That(after - before, Is.EqualTo(6), "five PINGs and the first INFO");
    }

    [Test]
    public void CommandstatsCountCallsRejectedAndFailedCalls()
    {
        using var raw = Raw();
        var before = CommandStat(raw, "echo");
        raw.Execute("ECHO", "a");
        raw.Execute("ECHO", "b");
        raw.Execute("ECHO");
        var after = CommandStat(raw, "echo");
        Assert.That(after.Calls - before.Calls, Is.EqualTo(2));
        Assert.That(after.Rejected - before.Rejected, Is.EqualTo(1), "an arity error is a rejected call");

        var sn = CommandStat(raw, "client|setname");
        raw.Execute("CLIENT", "SETNAME", "bad name");
        var sn2 = CommandStat(raw, "client|setname");
        Assert.That(sn2.Failed - sn.Failed, Is.EqualTo(1), "an error from the command itself is a failed call");
        Assert.That(sn2.Calls - sn.Calls, Is.EqualTo(1));
    }

    [Test]
    public void CommandstatsLineFormat()
    {
        using var raw = Raw();
        raw.Execute("TIME");
        string info = InfoText(raw, "commandstats");
        Assert.That(info, Does.Match(@"(^|\r\n)cmdstat_time:calls=\d+,usec=\d+,usec_per_call=\d+\.\d\d,rejected_calls=\d+,failed_calls=\d+\r\n"));
        Assert.That(info, Does.Not.Contain("cmdstat_lastsave:"), "commands never called are not listed");
    }

    private static (long Calls, long Rejected, long Failed) CommandStat(RawRespClient raw, string name)
    {
        var f = InfoParser.Fields(InfoText(raw, "commandstats"));
        if (!f.TryGetValue("cmdstat_" + name, out var v)) return (0, 0, 0);
        var m = Regex.Match(v, @"^calls=(\d+),usec=\d+,usec_per_call=[\d.]+,rejected_calls=(\d+),failed_calls=(\d+)$");
        Assert.That(m.Success, Is.True, v);
        return (long.Parse(m.Groups[1].Value), long.Parse(m.Groups[2].Value), long.Parse(m.Groups[3].Value));
    }

    [Test]
    public void ErrorstatsAndTotalErrorRepliesCount()
    {
        using var raw = Raw();
        var before = InfoParser.Fields(InfoText(raw, "everything"));
        raw.Execute("NOSUCHCOMMAND");
        raw.Execute("HSET", "errstats:h", "f", "v");
        raw.Execute("GET", "errstats:h");
        var after = InfoParser.Fields(InfoText(raw, "everything"));
        Assert.That(long.Parse(after["total_error_replies"]) - long.Parse(before["total_error_replies"]), Is.EqualTo(2));
        Assert.That(ErrorCount(after, "ERR") - ErrorCount(before, "ERR"), Is.EqualTo(1));
        Assert.That(ErrorCount(after, "WRONGTYPE") - ErrorCount(before, "WRONGTYPE"), Is.EqualTo(1));
        raw.Execute("DEL", "errstats:h");
    }

    private static long ErrorCount(Dictionary<string, string> f, string code) =>
        f.TryGetValue("errorstat_" + code, out var v) ? long.Parse(v["count=".Length..]) : 0;

    [Test]
    public void KeyspaceLinesShowKeysExpiresAndAverageTtl()
    {
        using var raw = Raw();
        raw.Execute("SELECT", "7");
        raw.Execute("FLUSHDB");
        raw.Execute("SET", "a", "1");
        raw.Execute("SET", "b", "2", "EX", "1000");
        var f = Info("keyspace");
        Assert.That(f["db7"], Does.Match(@"^keys=2,expires=1,avg_ttl=\d+,keys_with_volatile_items=0$"));
        raw.Execute("FLUSHDB");
        Assert.That(Info("keyspace").ContainsKey("db7"), Is.False, "empty databases are not listed");
    }

    [Test]
    public void HitsMissesAndDirtyCount()
    {
        using var raw = Raw();
        raw.Execute("SET", "hm:k", "v");
        var before = InfoParser.Fields(InfoText(raw, "stats", "persistence"));
        raw.Execute("GET", "hm:k");
        raw.Execute("GET", "hm:k");
        raw.Execute("GET", "hm:missing");
        raw.Execute("SET", "hm:k2", "v");
        var after = InfoParser.Fields(InfoText(raw, "stats", "persistence"));
        Assert.That(long.Parse(after["keyspace_hits"]) - long.Parse(before["keyspace_hits"]), Is.EqualTo(2));
        Assert.That(long.Parse(after["keyspace_misses"]) - long.Parse(before["keyspace_misses"]), Is.EqualTo(1));
        Assert.That(long.Parse(after["rdb_changes_since_last_save"]) - long.Parse(before["rdb_changes_since_last_save"]), Is.EqualTo(1));
    }

    [Test]
    public void UsedMemoryGrowsWithData()
    {
        using var raw = Raw();
        raw.Execute("SELECT", "6");
        long before = long.Parse(Info("memory")["used_memory"]);
        for (int i = 0; i < 200; i++) raw.Execute("SET", "mem:" + i, new string('x', 1000));
        long after = long.Parse(Info("memory")["used_memory"]);
        Assert.That(after - before, Is.GreaterThan(200_000));
        raw.Execute("FLUSHDB");
    }

    // ---- TIME / LASTSAVE ---------------------------------------------------------------------------

    [Test]
    public void TimeIsSecondsAndMicroseconds()
    {
        using var raw = Raw();
        var m = Regex.Match(raw.Execute("TIME"), @"^\*2\r\n\$\d+\r\n(\d+)\r\n\$\d+\r\n(\d+)\r\n$");
        Assert.That(m.Success, Is.True);
        Assert.That(long.Parse(m.Groups[1].Value), Is.EqualTo(DateTimeOffset.UtcNow.ToUnixTimeSeconds()).Within(5));
        Assert.That(long.Parse(m.Groups[2].Value), Is.InRange(0, 999_999));
        Assert.That(raw.Execute("TIME", "x"), Is.EqualTo("-ERR wrong number of arguments for 'time' command\r\n"));
    }

    [Test]
    public void LastsaveIsTheStartTime()
    {
        using var raw = Raw();
        string reply = raw.Execute("LASTSAVE");
        Assert.That(reply, Does.Match(@"^:\d+\r\n$"));
        long t = long.Parse(reply[1..^2], CultureInfo.InvariantCulture);
        Assert.That(t, Is.LessThanOrEqualTo(DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
        Assert.That(t, Is.EqualTo(long.Parse(Info("persistence")["rdb_last_save_time"])));
    }

    // ---- SHUTDOWN ----------------------------------------------------------------------------------

    [Test]
    public void ShutdownRejectsBadFlagCombinations()
    {
        using var raw = Raw();
        Assert.That(raw.Execute("SHUTDOWN", "NOSAVE", "SAVE"), Is.EqualTo("-ERR syntax error\r\n"));
        Assert.That(raw.Execute("SHUTDOWN", "ABORT", "NOW"), Is.EqualTo("-ERR syntax error\r\n"));
        Assert.That(raw.Execute("SHUTDOWN", "SOON"), Is.EqualTo("-ERR syntax error\r\n"));
        Assert.That(raw.Execute("SHUTDOWN", "ABORT"), Is.EqualTo("-ERR No shutdown in progress.\r\n"));
        Assert.That(raw.Execute("PING"), Is.EqualTo("+PONG\r\n"));
    }

    [TestCase("")]
    [TestCase("NOSAVE")]
    [TestCase("SAVE NOW FORCE")]
    public void ShutdownStopsTheServer(string flagList)
    {
        string[] flags = flagList.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        using var server = ServerProcess.Start();
        using var raw = server.CreateRawClient();
        raw.SendCommand(["SHUTDOWN", .. flags]);
        Assert.That(raw.IsClosed(TimeSpan.FromSeconds(10)), Is.True, "the connection closes");
        Assert.That(raw.ReadUntilClosed(), Is.Empty, "SHUTDOWN sends no reply");
        Assert.That(server.WaitForExit(TimeSpan.FromSeconds(10)), Is.EqualTo(0), server.Log);
        // The log reader may still be draining the exited process's output.
        var sw = System.Diagnostics.Stopwatch.StartNew();
        while (!server.Log.Contains("User requested shutdown...") && sw.Elapsed < TimeSpan.FromSeconds(5)) Thread.Sleep(20);
        Assert.That(server.Log, Does.Contain("User requested shutdown..."));
    }
}
