using System.Text.RegularExpressions;
using NUnit.Framework;
using Valkey.Native.Tests.Infrastructure;
using static Valkey.Native.Tests.Infrastructure.Resp;

namespace Valkey.Native.Tests.Integration;

/// <summary>
/// LATENCY LATEST/HISTORY/GRAPH/DOCTOR/RESET/HISTOGRAM, latency-monitor-threshold and INFO
/// latencystats (latency-tracking, latency-tracking-info-percentiles). Global state: own server.
/// </summary>
[TestFixture]
[NonParallelizable]
public class LatencyMonitorTests : OwnServerFixture
{
    protected override string[] ServerArguments => ["--enable-debug-command", "yes"];

    [SetUp]
    public void Reset()
    {
        using var raw = Raw();
        raw.Execute("CONFIG", "SET", "latency-monitor-threshold", "0", "latency-tracking", "yes",
            "latency-tracking-info-percentiles", "50 99 99.9");
        raw.Execute("LATENCY", "RESET");
        raw.Execute("CONFIG", "RESETSTAT");
    }

    [Test]
    public void NothingIsRecordedWhileDisabled()
    {
        using var raw = Raw();
        raw.Execute("DEBUG", "SLEEP", "0.05");
        Assert.That(raw.Execute("LATENCY", "LATEST"), Is.EqualTo("*0\r\n"));
        Assert.That(BulkText(raw.Execute("LATENCY", "DOCTOR")), Does.StartWith("I'm sorry, Dave, I can't do that."));
        Assert.That(raw.Execute("LATENCY", "HISTORY", "command"), Is.EqualTo("*0\r\n"));
        Assert.That(raw.Execute("LATENCY", "GRAPH", "command"), Is.EqualTo(Err("ERR No samples available for event 'command'")));
        Assert.That(raw.Execute("LATENCY", "RESET", "nosuch"), Is.EqualTo(Int(0)));
    }

    [Test]
    public void SlowCommandsBecomeCommandEvents()
    {
        using var raw = Raw();
        raw.Execute("CONFIG", "SET", "latency-monitor-threshold", "20");
        raw.Execute("PING");
        Assert.That(raw.Execute("LATENCY", "LATEST"), Is.EqualTo("*0\r\n"), "fast enough: no event");
        raw.Execute("DEBUG", "SLEEP", "0.05");
        string latest = raw.Execute("LATENCY", "LATEST");
        var m = Regex.Match(latest, @"^\*1\r\n\*4\r\n\$7\r\ncommand\r\n:(\d+)\r\n:(\d+)\r\n:(\d+)\r\n$");
        Assert.That(m.Success, Is.True, latest);
        Assert.That(long.Parse(m.Groups[2].Value), Is.InRange(50, 1000));
        Assert.That(m.Groups[3].Value, Is.EqualTo(m.Groups[2].Value), "all-time max");
        string history = raw.Execute("LATENCY", "HISTORY", "COMMAND");
        Assert.That(history, Does.Match(@"^\*1\r\n\*2\r\n:\d+\r\n:\d+\r\n$"));
        string graph = BulkText(raw.Execute("LATENCY", "GRAPH", "command"));
        Assert.That(graph, Does.Match(@"^command - high \d+ ms, low \d+ ms \(all time high \d+ ms\)\n-{80}\n"));
        Assert.That(BulkText(raw.Execute("LATENCY", "DOCTOR")), Does.Contain("1. command: 1 latency spikes"));
        Assert.That(raw.Execute("LATENCY", "RESET", "command"), Is.EqualTo(Int(1)));
        Assert.That(raw.Execute("LATENCY", "LATEST"), Is.EqualTo("*0\r\n"));
    }

    [Test]
    public void HistogramPerCommandAndSubcommand()
    {
        using var raw = Raw();
        raw.Execute("CONFIG", "RESETSTAT");
        raw.Execute("SET", "lat:a", "b");
        raw.Execute("SET", "lat:c", "d");
        raw.Execute("CLIENT", "ID");
        string set = raw.Execute("LATENCY", "HISTOGRAM", "set", "nosuch");
        Assert.That(set, Does.Match(@"^\*2\r\n\$3\r\nset\r\n\*4\r\n\$5\r\ncalls\r\n:2\r\n\$14\r\nhistogram_usec\r\n\*\d+\r\n(:\d+\r\n)+$"));
        Assert.That(set, Does.EndWith(":2\r\n"), "the last bucket is cumulative: every call");
        string client = raw.Execute("LATENCY", "HISTOGRAM", "client");
        Assert.That(client, Does.StartWith("*2\r\n$9\r\nclient|id\r\n"));
        Assert.That(raw.Execute("LATENCY", "HISTOGRAM", "client|id"), Does.StartWith("*2\r\n$9\r\nclient|id\r\n"));
        Assert.That(raw.Execute("LATENCY", "HISTOGRAM", "blabla"), Is.EqualTo("*0\r\n"));
        string all = raw.Execute("LATENCY", "HISTOGRAM");
        Assert.That(all, Does.Contain("$16\r\nconfig|resetstat\r\n"));
        Assert.That(raw.Execute("LATENCY", "HELP", "xxx"), Is.EqualTo(Err("ERR wrong number of arguments for 'latency|help' command")));
    }

    [Test]
    public void InfoLatencyStatsFollowsItsConfigs()
    {
        using var raw = Raw();
        raw.Execute("CONFIG", "SET", "latency-tracking", "no");
        raw.Execute("SET", "lat:x", "y");
        Assert.That(BulkText(raw.Execute("INFO", "latencystats")), Does.Not.Contain("latency_percentiles_usec_set"));
        raw.Execute("CONFIG", "SET", "latency-tracking", "yes");
        raw.Execute("SET", "lat:x", "y");
        Assert.That(BulkText(raw.Execute("INFO", "latencystats")), Does.Match(@"latency_percentiles_usec_set:p50=\d+\.\d{3},p99=\d+\.\d{3},p99\.9=\d+\.\d{3}\r\n"));
        Assert.That(raw.Execute("CONFIG", "SET", "latency-tracking-info-percentiles", "0.0 50.0 100.0"), Is.EqualTo("+OK\r\n"));
        Assert.That(raw.Execute("CONFIG", "GET", "latency-tracking-info-percentiles"),
            Is.EqualTo("*2\r\n" + Bulk("latency-tracking-info-percentiles") + Bulk("0 50 100")));
        Assert.That(BulkText(raw.Execute("INFO", "latencystats")), Does.Contain("latency_percentiles_usec_set:p0="));
        Assert.That(raw.Execute("CONFIG", "SET", "latency-tracking-info-percentiles", "10 101"), Does.StartWith("-ERR CONFIG SET failed"));
        Assert.That(raw.Execute("CONFIG", "SET", "latency-tracking-info-percentiles", "10 a"), Does.StartWith("-ERR CONFIG SET failed"));
        raw.Execute("CONFIG", "SET", "latency-tracking-info-percentiles", "50");
        raw.Execute("DEBUG", "SLEEP", "0.05");
        var m = Regex.Match(BulkText(raw.Execute("INFO", "latencystats")), @"latency_percentiles_usec_debug:p50=(\d+)\.\d+");
        Assert.That(m.Success, Is.True);
        Assert.That(long.Parse(m.Groups[1].Value), Is.GreaterThanOrEqualTo(50000));
        raw.Execute("CONFIG", "RESETSTAT");
        Assert.That(BulkText(raw.Execute("INFO", "latencystats")), Does.Not.Contain("latency_percentiles_usec_debug"));
    }
}
