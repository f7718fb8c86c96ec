using System.Globalization;
using System.Text;
using Valkey.Native.Util;

namespace Valkey.Native.Server;

/// <summary>
/// LATENCY DOCTOR's report (Valkey's createLatencyReport in latency.c): one line of statistics
/// per monitored event, then the advice its events call for. The sentences are user-visible
/// output that tools and people match on, so they are reproduced word for word, like error
/// strings; the numbers are computed as Valkey computes them (integer average and mean absolute
/// deviation of the samples in milliseconds, the period since the oldest sample).
/// </summary>
public static class LatencyDoctor
{
    /// <summary>analyzeLatencyForEvent's figures for one event.</summary>
    public readonly record struct EventStats(string Name, int Samples, long Average, long MeanDeviation, long PeriodSeconds, long AllTimeHigh);

    /// <summary>The server state the advice depends on, apart from the events themselves.</summary>
    public readonly record struct Settings(
        long MonitorThresholdMs,
        long SlowlogLogSlowerThanUs,
        long SlowlogMaxLen,
        bool AppendFsyncAlways,
        int Hz,
        double ForkRateGbPerSecond,
        long AnonHugePagesBytes);

    /// <summary>
    /// The statistics of one series: sample count, integer average and mean absolute deviation
    /// (truncated like Valkey's unsigned divisions), and the seconds from the oldest sample to
    /// <paramref name="nowSeconds"/> (at least 1).
    /// </summary>
    public static EventStats Analyze(string name, LatencyMonitor.Series series, long nowSeconds)
    {
        int samples = 0;
        long sum = 0, oldest = 0;
        foreach (var (time, latency) in series.Samples())
        {
            samples++;
            sum += latency;
            if (oldest == 0 || time < oldest) oldest = time;
        }
        long average = 0, deviation = 0, period = 0;
        if (samples > 0)
        {
            average = sum / samples;
            period = nowSeconds - oldest;
            if (period == 0) period = 1;
            long deviations = 0;
            foreach (var (_, latency) in series.Samples()) deviations += Math.Abs(average - latency);
            deviation = deviations / samples;
        }
        return new EventStats(name, samples, average, deviation, period, series.Max);
    }

    [Flags]
    private enum Advice
    {
        None = 0,
        BetterVm = 1 << 0,
        SlowlogEnable = 1 << 1,
        SlowlogTuning = 1 << 2,
        SlowlogInspect = 1 << 3,
        DiskContention = 1 << 4,
        Scheduler = 1 << 5,
        DataWriteback = 1 << 6,
        NoAppendfsync = 1 << 7,
        LocalDisk = 1 << 8,
        Ssd = 1 << 9,
        WriteLoadInfo = 1 << 10,
        Hz = 1 << 11,
        LargeObjects = 1 << 12,
        MassEviction = 1 << 13,
        RelaxFsync = 1 << 14,
        DisableThp = 1 << 15,
    }

    /// <summary>
    /// The whole report for <paramref name="events"/> (in the order LATENCY LATEST lists them).
    /// </summary>
    public static string CreateReport(IReadOnlyList<EventStats> events, Settings settings)
    {
        if (events.Count == 0 && settings.MonitorThresholdMs == 0)
        {
            return "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Valkey instance. You may " +
                   "use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it.\n";
        }

        var sb = new StringBuilder();
        var advice = Advice.None;
        // Valkey counts advices as it raises them (an advice raised twice counts twice); only
        // whether the count is zero matters for the closing text.
        int advices = 0;
        int eventNumber = 0;
        foreach (var ev in events)
        {
            eventNumber++;
            if (eventNumber == 1) sb.Append("Latency spikes are observed in this Valkey instance.\n\n");
            sb.Append(CultureInfo.InvariantCulture,
                $"{eventNumber}. {ev.Name}: {ev.Samples} latency spikes (average {ev.Average}ms, mean deviation {ev.MeanDeviation}ms, period ");
            sb.Append(GeoHash.FormatFixed((double)ev.PeriodSeconds / ev.Samples, 2));
            sb.Append(CultureInfo.InvariantCulture, $" sec). Worst all time event {ev.AllTimeHigh}ms.");

            string name = ev.Name;
            if (Is(name, "fork"))
            {
                double rate = settings.ForkRateGbPerSecond;
                string quality;
                if (rate < 10) { quality = "terrible"; advice |= Advice.BetterVm; advices++; }
                else if (rate < 25) { quality = "poor"; advice |= Advice.BetterVm; advices++; }
                else if (rate < 100) quality = "good";
                else quality = "excellent";
                sb.Append(" Fork rate is ").Append(GeoHash.FormatFixed(rate, 2)).Append(" GB/sec (").Append(quality).Append(").");
            }
            if (Is(name, "command"))
            {
                if (settings.SlowlogLogSlowerThanUs < 0 || settings.SlowlogMaxLen == 0) { advice |= Advice.SlowlogEnable; advices++; }
                else if (settings.SlowlogLogSlowerThanUs / 1000 > settings.MonitorThresholdMs) { advice |= Advice.SlowlogTuning; advices++; }
                advice |= Advice.SlowlogInspect | Advice.LargeObjects;
                advices += 2;
            }
            if (Is(name, "fast-command")) { advice |= Advice.Scheduler; advices++; }
            if (Is(name, "aof-write-pending-fsync"))
            {
                advice |= Advice.LocalDisk | Advice.DiskContention | Advice.Ssd | Advice.DataWriteback;
                advices += 4;
            }
            if (Is(name, "aof-write-active-child"))
            {
                advice |= Advice.NoAppendfsync | Advice.DataWriteback | Advice.Ssd;
                advices += 3;
            }
            if (Is(name, "aof-write-alone"))
            {
                advice |= Advice.LocalDisk | Advice.DataWriteback | Advice.Ssd;
                advices += 3;
            }
            if (Is(name, "aof-fsync-always")) { advice |= Advice.RelaxFsync; advices++; }
            if (Is(name, "aof-fstat") || Is(name, "rdb-unlink-temp-file"))
            {
                advice |= Advice.DiskContention | Advice.LocalDisk;
                advices += 2;
            }
            if (Is(name, "aof-rewrite-diff-write") || Is(name, "aof-rename"))
            {
                advice |= Advice.WriteLoadInfo | Advice.DataWriteback | Advice.Ssd | Advice.LocalDisk;
                advices += 4;
            }
            if (Is(name, "expire-cycle"))
            {
                advice |= Advice.Hz | Advice.LargeObjects;
                advices += 2;
            }
            if (Is(name, "eviction-del")) { advice |= Advice.LargeObjects; advices++; }
            if (Is(name, "eviction-cycle")) { advice |= Advice.MassEviction; advices++; }
            sb.Append('\n');
        }

        // Not tied to an event: transparent huge pages in use by this process.
        if (settings.AnonHugePagesBytes > 0)
        {
            advice |= Advice.DisableThp;
            advices++;
        }

        if (eventNumber == 0 && advices == 0)
        {
            sb.Append("No latency spike was observed during the lifetime of this Valkey instance, not in the slightest bit.\n");
            return sb.ToString();
        }
        if (eventNumber > 0 && advices == 0)
        {
            sb.Append("\nThere are latency events logged that are not easy to fix. Please get some help from Valkey community, " +
                      "providing this report in your help request.\n");
            return sb.ToString();
        }

        sb.Append("\nHere is some advice for you:\n\n");
        string thresholdUs = (settings.MonitorThresholdMs * 1000).ToString(CultureInfo.InvariantCulture);
        if (advice.HasFlag(Advice.BetterVm))
            sb.Append("- If you are using a virtual machine, consider upgrading it with a faster one using a hypervisior that " +
                      "provides less latency during fork() calls. Xen is known to have poor fork() performance. Even in the " +
                      "context of the same VM provider, certain kinds of instances can execute fork faster than others.\n");
        if (advice.HasFlag(Advice.SlowlogEnable))
            sb.Append("- There are latency issues with potentially slow commands you are using. Try to enable the Slow Log " +
                      "Valkey feature using the command 'CONFIG SET slowlog-log-slower-than ").Append(thresholdUs)
              .Append("'. If the Slow log is disabled Valkey is not able to log slow commands execution for you.\n");
        if (advice.HasFlag(Advice.SlowlogTuning))
            sb.Append("- Your current Slow Log configuration only logs events that are slower than your configured latency " +
                      "monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than ").Append(thresholdUs).Append("'.\n");
        if (advice.HasFlag(Advice.SlowlogInspect))
            sb.Append("- Check your Slow Log to understand what are the commands you are running which are too slow to " +
                      "execute. Please check https://valkey.io/commands/slowlog for more information.\n");
        if (advice.HasFlag(Advice.Scheduler))
            sb.Append("- The system is slow to execute Valkey code paths not containing system calls. This usually means the " +
                      "system does not provide Valkey CPU time to run for long periods. You should try to:\n" +
                      "  1) Lower the system load.\n" +
                      "  2) Use a computer / VM just for Valkey if you are running other software in the same system.\n" +
                      "  3) Check if you have a \"noisy neighbour\" problem.\n" +
                      "  4) Check with 'valkey-cli --intrinsic-latency 100' what is the intrinsic latency in your system.\n" +
                      "  5) Check if the problem is allocator-related by recompiling Valkey with MALLOC=libc, if you are " +
                      "using Jemalloc. However this may create fragmentation problems.\n");
        if (advice.HasFlag(Advice.LocalDisk))
            sb.Append("- It is strongly advised to use local disks for persistence, especially if you are using AOF. Remote " +
                      "disks provided by platform-as-a-service providers are known to be slow.\n");
        if (advice.HasFlag(Advice.Ssd))
            sb.Append("- SSD disks are able to reduce fsync latency, and total time needed for snapshotting and AOF log " +
                      "rewriting (resulting in smaller memory usage). With extremely high write load SSD disks can be a good " +
                      "option. However Valkey should perform reasonably with high load using normal disks. Use this advice as " +
                      "a last resort.\n");
        if (advice.HasFlag(Advice.DataWriteback))
            sb.Append("- Mounting ext3/4 filesystems with data=writeback can provide a performance boost compared to " +
                      "data=ordered, however this mode of operation provides less guarantees, and sometimes it can happen that " +
                      "after a hard crash the AOF file will have a half-written command at the end and will require to be " +
                      "repaired before Valkey restarts.\n");
        if (advice.HasFlag(Advice.DiskContention))
            sb.Append("- Try to lower the disk contention. This is often caused by other disk intensive processes running in " +
                      "the same computer (including other Valkey instances).\n");
        if (advice.HasFlag(Advice.NoAppendfsync))
            sb.Append("- Assuming from the point of view of data safety this is viable in your environment, you could try to " +
                      "enable the 'no-appendfsync-on-rewrite' option, so that fsync will not be performed while there is a " +
                      "child rewriting the AOF file or producing an RDB file (the moment where there is high disk " +
                      "contention).\n");
        // The next two are raised by their events but only printed when the setting is to blame.
        if (advice.HasFlag(Advice.RelaxFsync) && settings.AppendFsyncAlways)
            sb.Append("- Your fsync policy is set to 'always'. It is very hard to get good performances with such a setup, if " +
                      "possible try to relax the fsync policy to 'onesec'.\n");
        if (advice.HasFlag(Advice.WriteLoadInfo))
            sb.Append("- Latency during the AOF atomic rename operation or when the final difference is flushed to the AOF " +
                      "file at the end of the rewrite, sometimes is caused by very high write load, causing the AOF buffer to " +
                      "get very large. If possible try to send less commands to accomplish the same work, or use Lua scripts " +
                      "to group multiple operations into a single EVALSHA call.\n");
        if (advice.HasFlag(Advice.Hz) && settings.Hz < 100)
            sb.Append("- In order to make the Valkey keys expiring process more incremental, try to set the 'hz' " +
                      "configuration parameter to 100 using 'CONFIG SET hz 100'.\n");
        if (advice.HasFlag(Advice.LargeObjects))
            sb.Append("- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking operation. " +
                      "If you have very large objects that are often deleted, expired, or evicted, try to fragment those " +
                      "objects into multiple smaller objects.\n");
        if (advice.HasFlag(Advice.MassEviction))
            sb.Append("- Sudden changes to the 'maxmemory' setting via 'CONFIG SET', or allocation of large objects via sets " +
                      "or sorted sets intersections, STORE option of SORT, Valkey Cluster large keys migrations (RESTORE " +
                      "command), may create sudden memory pressure forcing the server to block trying to evict keys. \n");
        if (advice.HasFlag(Advice.DisableThp))
            sb.Append("- I detected a non zero amount of anonymous huge pages used by your process. This creates very " +
                      "serious latency events in different conditions, especially when Valkey is persisting on disk. To " +
                      "disable THP support use the command 'echo never > /sys/kernel/mm/transparent_hugepage/enabled', make " +
                      "sure to also add it into /etc/rc.local so that the command will be executed again after a reboot. " +
                      "Note that even if you have already disabled THP, you still need to restart the Valkey process to get " +
                      "rid of the huge pages already created.\n");
        return sb.ToString();
    }

    private static bool Is(string eventName, string wanted) => eventName.Equals(wanted, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The AnonHugePages total of this process in bytes (Valkey reads its own /proc/self/smaps);
    /// smaps_rollup holds the same sum precomputed. 0 where /proc is unavailable.
    /// </summary>
    public static long AnonHugePagesBytes()
    {
        try
        {
            string path = File.Exists("/proc/self/smaps_rollup") ? "/proc/self/smaps_rollup" : "/proc/self/smaps";
            long total = 0;
            foreach (string line in File.ReadLines(path))
            {
                if (!line.StartsWith("AnonHugePages:", StringComparison.Ordinal)) continue;
                var rest = line.AsSpan("AnonHugePages:".Length).Trim();
                int space = rest.IndexOf(' ');
                if (space > 0) rest = rest[..space];
                if (long.TryParse(rest, NumberStyles.None, CultureInfo.InvariantCulture, out long kb)) total += kb * 1024;
            }
            return total;
        }
        catch (IOException)
        {
            return 0;
        }
        catch (UnauthorizedAccessException)
        {
            return 0;
        }
    }
}
