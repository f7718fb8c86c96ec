using System.Text.RegularExpressions;
using NUnit.Framework;
using Valkey.Native.Util;
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
        Assert.That(raw.Execute("LATENCY", "HISTORY", "COMMAND"), Is.EqualTo("*0\r\n"), "event names are case-sensitive (Valkey's dict lookup)");
        Assert.That(raw.Execute("LATENCY", "GRAPH", "COMMAND"), Is.EqualTo(Err("ERR No samples available for event 'COMMAND'")));
        string history = raw.Execute("LATENCY", "HISTORY", "command");
        Assert.That(history, Does.Match(@"^\*1\r\n\*2\r\n:\d+\r\n:\d+\r\n$"));
        string graph = BulkText(raw.Execute("LATENCY", "GRAPH", "command"));
        Assert.That(graph, Does.Match(@"^command - high (\d+) ms, low \1 ms \(all time high \1 ms\)\n-{80}\n \n \n \n_\n \n[012]\ns\n$"), "one sample: bottom row, margin, age label");
        Assert.That(BulkText(raw.Execute("LATENCY", "DOCTOR")), Does.Contain("1. command: 1 latency spikes"));
        Assert.That(raw.Execute("LATENCY", "RESET", "COMMAND"), Is.EqualTo(Int(1)), "RESET compares names case-insensitively");
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

    // ---- HDR histogram numbers and the DOCTOR text (Valkey's exact output) --------------------

    private static readonly HdrHistogram Layout = new(1, 1_000_000_000, 2);

    /// <summary>The keys LATENCY HISTOGRAM can print: the log walk's levels 1024·2^k ns, as their bucket tops in µs.</summary>
    private static HashSet<long> HistogramKeys()
    {
        var keys = new HashSet<long> { 1_073_741 };   // the walk running off the end of the counts
        for (int k = 0; k < 20; k++) keys.Add(Layout.HighestEquivalentValue(1024L << k) / 1000);
        return keys;
    }

    [Test]
    public void LatencyStatsPrintHdrBucketTops()
    {
        using var raw = Raw();
        for (int i = 0; i < 50; i++) raw.Execute("SET", "lat:hdr", "v");
        raw.Execute("DEBUG", "SLEEP", "0.02");
        string info = BulkText(raw.Execute("INFO", "latencystats"));
        foreach (string cmd in new[] { "set", "debug" })
        {
            var m = Regex.Match(info, $@"latency_percentiles_usec_{cmd}:p50=(\d+)\.(\d{{3}}),p99=(\d+)\.(\d{{3}}),p99\.9=(\d+)\.(\d{{3}})\r\n");
            Assert.That(m.Success, Is.True, info);
            for (int g = 1; g <= 5; g += 2)
            {
                long ns = long.Parse(m.Groups[g].Value) * 1000 + long.Parse(m.Groups[g + 1].Value);
                Assert.That(Layout.HighestEquivalentValue(ns), Is.EqualTo(ns), $"{cmd}: {ns} ns is the top of an HDR bucket");
            }
        }
        Assert.That(info, Does.Match(@"latency_percentiles_usec_debug:p50=(2\d{4}|[3-9]\d{4}|\d{6,})\.\d{3},"), "slept 20 ms");
    }

    [Test]
    public void HistogramKeysAreTheLogWalkLevels()
    {
        using var raw = Raw();
        for (int i = 0; i < 20; i++) raw.Execute("SET", "lat:walk", "v");
        raw.Execute("DEBUG", "SLEEP", "0.01");
        var keys = HistogramKeys();
        foreach (string cmd in new[] { "set", "debug" })
        {
            string reply = raw.Execute("LATENCY", "HISTOGRAM", cmd);
            var pairs = Regex.Matches(reply, @":(\d+)\r\n:(\d+)\r\n");
            Assert.That(pairs.Count, Is.GreaterThan(0), reply);
            long previous = 0;
            foreach (Match p in pairs)
            {
                long us = long.Parse(p.Groups[1].Value), cumulative = long.Parse(p.Groups[2].Value);
                Assert.That(keys, Does.Contain(us), reply);
                Assert.That(cumulative, Is.GreaterThan(previous), "only steps where the count grows");
                previous = cumulative;
            }
            Assert.That(previous, Is.EqualTo(cmd == "set" ? 20 : 1));
        }
        Assert.That(raw.Execute("LATENCY", "HISTOGRAM", "debug"), Does.Match(@":(16908|33816|67633)\r\n:1\r\n$"), "10 ms falls under the 16.9 ms level");
    }

    /// <summary>The THP advice Valkey adds when its own process uses anonymous huge pages.</summary>
    private string ThpAdvice()
    {
        long kb = 0;
        string path = $"/proc/{Server.ProcessId}/smaps_rollup";
        if (File.Exists(path))
        {
            foreach (string line in File.ReadLines(path))
            {
                var m = Regex.Match(line, @"^AnonHugePages:\s+(\d+) kB");
                if (m.Success) kb += long.Parse(m.Groups[1].Value);
            }
        }
        return kb == 0 ? "" :
            "- I detected a non zero amount of anonymous huge pages used by your process. This creates very serious latency " +
            "events in different conditions, especially when Valkey is persisting on disk. To disable THP support use the " +
            "command 'echo never > /sys/kernel/mm/transparent_hugepage/enabled', make sure to also add it into /etc/rc.local " +
            "so that the command will be executed again after a reboot. Note that even if you have already disabled THP, you " +
            "still need to restart the Valkey process to get rid of the huge pages already created.\n";
    }

    [Test]
    public void DoctorRepliesValkeysTextByteForByte()
    {
        using var raw = Raw();
        const string disabled = "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Valkey instance. You may use " +
                                "\"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it.\n";
        Assert.That(raw.Execute("LATENCY", "DOCTOR"), Is.EqualTo(Bulk(disabled)));
        raw.Execute("HELLO", "3");
        Assert.That(raw.Execute("LATENCY", "DOCTOR"), Is.EqualTo($"={disabled.Length + 4}\r\ntxt:{disabled}\r\n"), "RESP3 verbatim txt");
        raw.Execute("HELLO", "2");

        raw.Execute("CONFIG", "SET", "latency-monitor-threshold", "20");
        string thp = ThpAdvice();
        string quiet = BulkText(raw.Execute("LATENCY", "DOCTOR"));
        Assert.That(quiet, Is.EqualTo(thp == "" ?
            "No latency spike was observed during the lifetime of this Valkey instance, not in the slightest bit.\n" :
            "\nHere is some advice for you:\n\n" + thp));

        raw.Execute("DEBUG", "SLEEP", "0.05");
        string report = BulkText(raw.Execute("LATENCY", "DOCTOR"));
        var m = Regex.Match(report, @"^Latency spikes are observed in this Valkey instance\.\n\n" +
            @"1\. command: 1 latency spikes \(average (\d+)ms, mean deviation 0ms, period (1|2)\.00 sec\)\. Worst all time event (\d+)ms\.\n" +
            @"\nHere is some advice for you:\n\n");
        Assert.That(m.Success, Is.True, report);
        Assert.That(m.Groups[3].Value, Is.EqualTo(m.Groups[1].Value));
        Assert.That(long.Parse(m.Groups[1].Value), Is.InRange(50, 1000));
        // slowlog-log-slower-than 10000 us is under the 20 ms threshold: no tuning advice.
        Assert.That(report[m.Length..], Is.EqualTo(
            "- Check your Slow Log to understand what are the commands you are running which are too slow to execute. " +
            "Please check https://valkey.io/commands/slowlog for more information.\n" +
            "- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking operation. If you have " +
            "very large objects that are often deleted, expired, or evicted, try to fragment those objects into multiple smaller objects.\n" +
            ThpAdvice()));

        raw.Execute("CONFIG", "SET", "slowlog-log-slower-than", "-1");
        Assert.That(BulkText(raw.Execute("LATENCY", "DOCTOR")), Does.Contain(
            "- There are latency issues with potentially slow commands you are using. Try to enable the Slow Log Valkey " +
            "feature using the command 'CONFIG SET slowlog-log-slower-than 20000'. If the Slow log is disabled Valkey is not " +
            "able to log slow commands execution for you.\n"));
        raw.Execute("CONFIG", "SET", "slowlog-log-slower-than", "10000");
    }
}
