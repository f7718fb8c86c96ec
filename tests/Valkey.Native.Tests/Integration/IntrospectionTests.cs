using System.Diagnostics;
using System.Text.RegularExpressions;
using NUnit.Framework;
using Valkey.Native.Tests.Infrastructure;
using static Valkey.Native.Tests.Infrastructure.Resp;

namespace Valkey.Native.Tests.Integration;

/// <summary>
/// Introspection details Valkey's suite relies on: CLIENT LIST/INFO field order, the query
/// buffer's life (querybuf.tcl), INFO commandstats / errorstats lines.
/// </summary>
[TestFixture]
[NonParallelizable]
public class IntrospectionTests : OwnServerFixture
{
    protected override string[] ServerArguments => ["--enable-debug-command", "yes", "--hz", "100"];

    private static readonly string[] ClientFields =
    [
        "id", "addr", "laddr", "fd", "name", "age", "idle", "flags", "db", "sub", "psub", "ssub", "multi", "watch",
        "qbuf", "qbuf-free", "argv-mem", "multi-mem", "rbs", "rbp", "obl", "oll", "omem", "tot-mem", "events", "cmd",
        "user", "redir", "resp", "lib-name", "lib-ver", "tot-net-in", "tot-net-out", "tot-cmds",
    ];

    [Test]
    public void ClientInfoHasValkeysFieldsInOrder()
    {
        using var raw = Raw();
        string line = BulkText(raw.Execute("CLIENT", "INFO")).TrimEnd('\n');
        var names = line.Split(' ').Select(f => f[..f.IndexOf('=')]).ToArray();
        Assert.That(names, Is.EqualTo(ClientFields));
        Assert.That(line, Does.Contain(" cmd=client|info "));
        Assert.That(line, Does.Contain(" flags=N "));
    }

    [Test]
    public void ClientCountersAndModeFlags()
    {
        using var raw = Raw();
        raw.Execute("CLIENT", "NO-EVICT", "ON");
        raw.Execute("CLIENT", "NO-TOUCH", "ON");
        raw.Execute("SET", "intro:k", "v");
        string line = BulkText(raw.Execute("CLIENT", "INFO"));
        Assert.That(line, Does.Contain(" flags=eT "));
        // Three commands done before CLIENT INFO: tot-cmds counts completed commands.
        Assert.That(Regex.Match(line, @"tot-cmds=(\d+)").Groups[1].Value, Is.EqualTo("3"));
        Assert.That(long.Parse(Regex.Match(line, @"tot-net-in=(\d+)").Groups[1].Value), Is.GreaterThan(50));
        raw.Execute("CLIENT", "NO-EVICT", "OFF");
        raw.Execute("CLIENT", "NO-TOUCH", "OFF");
    }

    private static long QueryBufferOf(RawRespClient admin, string name)
    {
        string list = BulkText(admin.Execute("CLIENT", "LIST"));
        string? line = list.Split('\n').FirstOrDefault(l => l.Contains(" name=" + name + " "));
        if (line == null) return 0;
        long qbuf = long.Parse(Regex.Match(line, @" qbuf=(\d+)").Groups[1].Value);
        long free = long.Parse(Regex.Match(line, @" qbuf-free=(\d+)").Groups[1].Value);
        return qbuf + free;
    }

    [Test]
    public void PrivateQueryBufferIsKeptThenFreedWhenIdle()
    {
        using var admin = Raw();
        using var client = Raw();
        client.Execute("CLIENT", "SETNAME", "qb-client");
        Assert.That(QueryBufferOf(admin, "qb-client"), Is.EqualTo(0), "an idle client holds no query buffer");
        client.Send("*3\r\n$3\r\nset\r\n$2\r\na");
        var sw = Stopwatch.StartNew();
        while (QueryBufferOf(admin, "qb-client") == 0 && sw.ElapsedMilliseconds < 2000) Thread.Sleep(10);
        client.Send("a\r\n$1\r\nb\r\n");
        Assert.That(client.ReadReply(), Is.EqualTo("+OK\r\n"));
        long kept = QueryBufferOf(admin, "qb-client");
        Assert.That(kept, Is.InRange(16384, 32770), "the partial command made the buffer the client's own");
        sw.Restart();
        while (QueryBufferOf(admin, "qb-client") != 0)
        {
            if (sw.ElapsedMilliseconds > 6000) Assert.Fail("the idle query buffer was never freed");
            Thread.Sleep(50);
        }
    }

    [Test]
    public void CommandStatsAndErrorStatsLines()
    {
        using var raw = Raw();
        raw.Execute("CONFIG", "RESETSTAT");
        raw.Execute("SET", "intro:s", "v");
        raw.Execute("LPUSH", "intro:s", "x");
        raw.Execute("SET", "intro:s");
        string stats = BulkText(raw.Execute("INFO", "commandstats"));
        Assert.That(stats, Does.Match(@"cmdstat_set:calls=1,usec=\d+,usec_per_call=\d+\.\d{2},rejected_calls=1,failed_calls=0\r\n"));
        Assert.That(stats, Does.Match(@"cmdstat_lpush:calls=1,usec=\d+,usec_per_call=\d+\.\d{2},rejected_calls=0,failed_calls=1\r\n"));
        string errors = BulkText(raw.Execute("INFO", "errorstats"));
        Assert.That(errors, Does.Contain("errorstat_ERR:count=1\r\n"));
        Assert.That(errors, Does.Contain("errorstat_WRONGTYPE:count=1\r\n"));
    }

    [Test]
    public void MemoryStatsDoctorMallocStatsAndPurge()
    {
        using var raw = Raw();
        raw.Execute("SET", "intro:mem", "v");
        string stats = raw.Execute("MEMORY", "STATS");
        var m = Regex.Match(stats, @"^\*(\d+)\r\n\$14\r\npeak\.allocated\r\n:\d+\r\n\$15\r\ntotal\.allocated\r\n:(\d+)\r\n");
        Assert.That(m.Success, Is.True, stats);
        int dbs = Regex.Matches(stats, @"\$\d+\r\ndb\.\d+\r\n\*4\r\n").Count;
        Assert.That(dbs, Is.GreaterThanOrEqualTo(1));
        Assert.That(int.Parse(m.Groups[1].Value), Is.EqualTo(2 * (31 + dbs)), "RESP2 map: 31 fields plus one per database with keys");
        foreach (var field in new[] { "overhead.db.hashtable.lut", "db.dict.rehashing.count", "keys.count", "dataset.percentage", "fragmentation.bytes" })
            Assert.That(stats, Does.Contain("\r\n" + field + "\r\n"));
        Assert.That(BulkText(raw.Execute("MEMORY", "DOCTOR")), Does.StartWith("Hi Sam"));
        Assert.That(raw.Execute("MEMORY", "MALLOC-STATS"), Is.EqualTo(Bulk("Stats not supported for the current allocator")));
        Assert.That(raw.Execute("MEMORY", "PURGE"), Is.EqualTo("+OK\r\n"));
        Assert.That(raw.Execute("MEMORY", "STATS", "x"), Is.EqualTo(Err("ERR wrong number of arguments for 'memory|stats' command")));
    }

    [Test]
    public void EventLoopMetricsAdvance()
    {
        using var raw = Raw();
        raw.Execute("PING");
        string a = BulkText(raw.Execute("INFO", "stats"));
        Thread.Sleep(150);
        raw.Execute("PING");
        string b = BulkText(raw.Execute("INFO", "stats"));
        Assert.That(InfoParser.Field(b, "eventloop_cycles"), Is.GreaterThan(InfoParser.Field(a, "eventloop_cycles")));
        Assert.That(InfoParser.Field(b, "eventloop_cycles") - InfoParser.Field(a, "eventloop_cycles"), Is.LessThan(200), "an idle loop sleeps");
        Assert.That(InfoParser.Field(b, "eventloop_duration_cmd_sum"), Is.GreaterThan(0));
        string debug = BulkText(raw.Execute("INFO", "debug"));
        Assert.That(InfoParser.Field(debug, "eventloop_duration_cron_sum"), Is.GreaterThan(0));
        Assert.That(InfoParser.Field(debug, "eventloop_cmd_per_cycle_max"), Is.GreaterThan(0));
    }
}
