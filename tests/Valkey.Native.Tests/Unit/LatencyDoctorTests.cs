using NUnit.Framework;
using Valkey.Native.Server;

namespace Valkey.Native.Tests.Unit;

/// <summary>
/// LATENCY DOCTOR's report text (Valkey's createLatencyReport), byte for byte, for chosen events
/// and settings; the statistics of a series (analyzeLatencyForEvent).
/// </summary>
[TestFixture]
public sealed class LatencyDoctorTests
{
    private static readonly LatencyDoctor.Settings Defaults = new(
        MonitorThresholdMs: 5, SlowlogLogSlowerThanUs: 10000, SlowlogMaxLen: 128, AppendFsyncAlways: false, Hz: 10,
        ForkRateGbPerSecond: 0, AnonHugePagesBytes: 0);

    private static LatencyDoctor.EventStats Event(string name, int samples = 1, long avg = 12, long mad = 0, long period = 1, long max = 12) =>
        new(name, samples, avg, mad, period, max);

    private const string Intro = "Latency spikes are observed in this Valkey instance.\n\n";
    private const string AdviceHeader = "\nHere is some advice for you:\n\n";
    private const string SlowlogInspect =
        "- Check your Slow Log to understand what are the commands you are running which are too slow to execute. " +
        "Please check https://valkey.io/commands/slowlog for more information.\n";
    private const string LargeObjects =
        "- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking operation. If you have " +
        "very large objects that are often deleted, expired, or evicted, try to fragment those objects into multiple smaller objects.\n";

    [Test]
    public void DisabledAndNeverEnabled() =>
        Assert.That(LatencyDoctor.CreateReport([], Defaults with { MonitorThresholdMs = 0 }), Is.EqualTo(
            "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Valkey instance. You may use " +
            "\"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it.\n"));

    [Test]
    public void EnabledWithoutEvents() =>
        Assert.That(LatencyDoctor.CreateReport([], Defaults), Is.EqualTo(
            "No latency spike was observed during the lifetime of this Valkey instance, not in the slightest bit.\n"));

    [Test]
    public void HugePagesAloneStillAdvise() =>
        Assert.That(LatencyDoctor.CreateReport([], Defaults with { AnonHugePagesBytes = 2 << 20 }), Is.EqualTo(
            AdviceHeader +
            "- I detected a non zero amount of anonymous huge pages used by your process. This creates very serious latency " +
            "events in different conditions, especially when Valkey is persisting on disk. To disable THP support use the " +
            "command 'echo never > /sys/kernel/mm/transparent_hugepage/enabled', make sure to also add it into /etc/rc.local " +
            "so that the command will be executed again after a reboot. Note that even if you have already disabled THP, you " +
            "still need to restart the Valkey process to get rid of the huge pages already created.\n"));

    [Test]
    public void EventsWithoutAdviceAndHalfEvenPeriod() =>
        // 1 s over 8 samples is exactly 0.125: C's %.2f rounds the tie to even.
        Assert.That(LatencyDoctor.CreateReport([Event("eviction-lazyfree", samples: 8, avg: 15, mad: 5, period: 1, max: 31)], Defaults),
            Is.EqualTo(Intro +
                "1. eviction-lazyfree: 8 latency spikes (average 15ms, mean deviation 5ms, period 0.12 sec). Worst all time event 31ms.\n" +
                "\nThere are latency events logged that are not easy to fix. Please get some help from Valkey community, " +
                "providing this report in your help request.\n"));

    [Test]
    public void CommandEventWithSlowlogAboveTheThreshold() =>
        Assert.That(LatencyDoctor.CreateReport([Event("command", samples: 3, avg: 25, mad: 13, period: 10, max: 60)], Defaults),
            Is.EqualTo(Intro +
                "1. command: 3 latency spikes (average 25ms, mean deviation 13ms, period 3.33 sec). Worst all time event 60ms.\n" +
                AdviceHeader +
                "- Your current Slow Log configuration only logs events that are slower than your configured latency monitor " +
                "threshold. Please use 'CONFIG SET slowlog-log-slower-than 5000'.\n" +
                SlowlogInspect + LargeObjects));

    [Test]
    public void CommandEventWithSlowlogDisabled()
    {
        string expected = Intro +
            "1. command: 1 latency spikes (average 12ms, mean deviation 0ms, period 1.00 sec). Worst all time event 12ms.\n" +
            AdviceHeader +
            "- There are latency issues with potentially slow commands you are using. Try to enable the Slow Log Valkey " +
            "feature using the command 'CONFIG SET slowlog-log-slower-than 5000'. If the Slow log is disabled Valkey is not " +
            "able to log slow commands execution for you.\n" +
            SlowlogInspect + LargeObjects;
        Assert.That(LatencyDoctor.CreateReport([Event("command")], Defaults with { SlowlogLogSlowerThanUs = -1 }), Is.EqualTo(expected));
        Assert.That(LatencyDoctor.CreateReport([Event("command")], Defaults with { SlowlogMaxLen = 0 }), Is.EqualTo(expected));
        // Logging everything the monitor sees: nothing to tune.
        Assert.That(LatencyDoctor.CreateReport([Event("command")], Defaults with { SlowlogLogSlowerThanUs = 5000 }),
            Is.EqualTo(Intro +
                "1. command: 1 latency spikes (average 12ms, mean deviation 0ms, period 1.00 sec). Worst all time event 12ms.\n" +
                AdviceHeader + SlowlogInspect + LargeObjects));
    }

    [Test]
    public void ForkFastCommandAndExpireCycle()
    {
        string report = LatencyDoctor.CreateReport(
            [Event("fork"), Event("fast-command", samples: 2, avg: 7, mad: 1, period: 5, max: 8), Event("expire-cycle")], Defaults);
        Assert.That(report, Is.EqualTo(Intro +
            "1. fork: 1 latency spikes (average 12ms, mean deviation 0ms, period 1.00 sec). Worst all time event 12ms. " +
            "Fork rate is 0.00 GB/sec (terrible).\n" +
            "2. fast-command: 2 latency spikes (average 7ms, mean deviation 1ms, period 2.50 sec). Worst all time event 8ms.\n" +
            "3. expire-cycle: 1 latency spikes (average 12ms, mean deviation 0ms, period 1.00 sec). Worst all time event 12ms.\n" +
            AdviceHeader +
            "- If you are using a virtual machine, consider upgrading it with a faster one using a hypervisior that provides " +
            "less latency during fork() calls. Xen is known to have poor fork() performance. Even in the context of the same " +
            "VM provider, certain kinds of instances can execute fork faster than others.\n" +
            "- The system is slow to execute Valkey code paths not containing system calls. This usually means the system " +
            "does not provide Valkey CPU time to run for long periods. You should try to:\n" +
            "  1) Lower the system load.\n" +
            "  2) Use a computer / VM just for Valkey if you are running other software in the same system.\n" +
            "  3) Check if you have a \"noisy neighbour\" problem.\n" +
            "  4) Check with 'valkey-cli --intrinsic-latency 100' what is the intrinsic latency in your system.\n" +
            "  5) Check if the problem is allocator-related by recompiling Valkey with MALLOC=libc, if you are using " +
            "Jemalloc. However this may create fragmentation problems.\n" +
            "- In order to make the Valkey keys expiring process more incremental, try to set the 'hz' configuration " +
            "parameter to 100 using 'CONFIG SET hz 100'.\n" +
            LargeObjects));
        // Fork quality bands.
        Assert.That(LatencyDoctor.CreateReport([Event("FORK")], Defaults with { ForkRateGbPerSecond = 24.999 }), Does.Contain(" Fork rate is 25.00 GB/sec (poor).\n"));
        Assert.That(LatencyDoctor.CreateReport([Event("fork")], Defaults with { ForkRateGbPerSecond = 50 }),
            Does.Contain(" Fork rate is 50.00 GB/sec (good).\n\nThere are latency events logged"));
        Assert.That(LatencyDoctor.CreateReport([Event("fork")], Defaults with { ForkRateGbPerSecond = 100 }), Does.Contain("(excellent)"));
        // hz already 100: the expire advice is raised but not printed.
        Assert.That(LatencyDoctor.CreateReport([Event("expire-cycle")], Defaults with { Hz = 100 }), Does.EndWith(AdviceHeader + LargeObjects));
    }

    [Test]
    public void AofAndEvictionAdviceInValkeysOrder()
    {
        string report = LatencyDoctor.CreateReport(
            [Event("aof-rename"), Event("aof-write-active-child"), Event("aof-fstat"), Event("aof-fsync-always"), Event("eviction-cycle")],
            Defaults with { AppendFsyncAlways = true });
        string[] order =
        [
            "- It is strongly advised to use local disks for persistence, especially if you are using AOF. Remote disks " +
            "provided by platform-as-a-service providers are known to be slow.\n",
            "- SSD disks are able to reduce fsync latency, and total time needed for snapshotting and AOF log rewriting " +
            "(resulting in smaller memory usage). With extremely high write load SSD disks can be a good option. However " +
            "Valkey should perform reasonably with high load using normal disks. Use this advice as a last resort.\n",
            "- Mounting ext3/4 filesystems with data=writeback can provide a performance boost compared to data=ordered, " +
            "however this mode of operation provides less guarantees, and sometimes it can happen that after a hard crash " +
            "the AOF file will have a half-written command at the end and will require to be repaired before Valkey restarts.\n",
            "- Try to lower the disk contention. This is often caused by other disk intensive processes running in the same " +
            "computer (including other Valkey instances).\n",
            "- Assuming from the point of view of data safety this is viable in your environment, you could try to enable the " +
            "'no-appendfsync-on-rewrite' option, so that fsync will not be performed while there is a child rewriting the AOF " +
            "file or producing an RDB file (the moment where there is high disk contention).\n",
            "- Your fsync policy is set to 'always'. It is very hard to get good performances with such a setup, if possible " +
            "try to relax the fsync policy to 'onesec'.\n",
            "- Latency during the AOF atomic rename operation or when the final difference is flushed to the AOF file at the " +
            "end of the rewrite, sometimes is caused by very high write load, causing the AOF buffer to get very large. If " +
            "possible try to send less commands to accomplish the same work, or use Lua scripts to group multiple operations " +
            "into a single EVALSHA call.\n",
            "- Sudden changes to the 'maxmemory' setting via 'CONFIG SET', or allocation of large objects via sets or sorted " +
            "sets intersections, STORE option of SORT, Valkey Cluster large keys migrations (RESTORE command), may create " +
            "sudden memory pressure forcing the server to block trying to evict keys. \n",
        ];
        int at = report.IndexOf(AdviceHeader, StringComparison.Ordinal);
        Assert.That(at, Is.GreaterThan(0));
        Assert.That(report[(at + AdviceHeader.Length)..], Is.EqualTo(string.Concat(order)));

        // fsync-always raised while appendfsync is not 'always': the header stays, the sentence does not.
        Assert.That(LatencyDoctor.CreateReport([Event("aof-fsync-always")], Defaults), Does.EndWith("12ms.\n" + AdviceHeader));
    }

    [Test]
    public void AnalyzeComputesIntegerAverageDeviationAndPeriod()
    {
        var series = new LatencyMonitor.Series();
        long[] times = [100, 101, 103];
        long[] latencies = [10, 20, 45];
        for (int i = 0; i < 3; i++)
        {
            series.Times[i] = times[i];
            series.Latencies[i] = latencies[i];
        }
        series.Next = 3;
        series.Max = 60;
        var stats = LatencyDoctor.Analyze("command", series, nowSeconds: 110);
        // avg 75/3 = 25; deviations 15, 5, 20 -> 40/3 = 13; period 110 - 100.
        Assert.That(stats, Is.EqualTo(new LatencyDoctor.EventStats("command", 3, 25, 13, 10, 60)));
        Assert.That(LatencyDoctor.Analyze("command", series, nowSeconds: 100).PeriodSeconds, Is.EqualTo(1), "at least one second");
    }
}
