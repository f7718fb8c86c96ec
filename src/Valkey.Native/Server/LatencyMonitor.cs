using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Valkey.Native.Commands;

namespace Valkey.Native.Server;

/// <summary>
/// Valkey's latency monitor (latency.c): operations that take at least latency-monitor-threshold
/// milliseconds add a sample to their event's time series ("command", "fast-command",
/// "expire-cycle", ...). A series keeps the latest 160 samples, one per second (a second's
/// sample keeps its worst latency), and the all-time maximum. LATENCY LATEST / HISTORY / GRAPH /
/// DOCTOR / RESET read them.
/// </summary>
public sealed class LatencyMonitor
{
    public const int SeriesLength = 160;

    public sealed class Series
    {
        internal readonly long[] Times = new long[SeriesLength];
        internal readonly long[] Latencies = new long[SeriesLength];
        internal int Next;
        public long Max { get; internal set; }

        /// <summary>Samples oldest first as (unix seconds, milliseconds).</summary>
        public IEnumerable<(long Time, long Latency)> Samples()
        {
            for (int j = 0; j < SeriesLength; j++)
            {
                int i = (Next + j) % SeriesLength;
                if (Times[i] != 0) yield return (Times[i], Latencies[i]);
            }
        }

        public (long Time, long Latency) Latest
        {
            get
            {
                int last = (Next + SeriesLength - 1) % SeriesLength;
                return (Times[last], Latencies[last]);
            }
        }
    }

    private readonly ServerContext _server;
    // Few events exist; insertion order is what LATENCY LATEST lists.
    private readonly List<(string Name, Series Series)> _events = new();

    public LatencyMonitor(ServerContext server) => _server = server;

    public IReadOnlyList<(string Name, Series Series)> Events => _events;

    public Series? Find(string name)
    {
        foreach (var (n, s) in _events)
        {
            if (n.Equals(name, StringComparison.OrdinalIgnoreCase)) return s;
        }
        return null;
    }

    /// <summary>latencyAddSampleIfNeeded: records when monitoring is on and the threshold is reached.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void AddSampleIfNeeded(string eventName, long milliseconds)
    {
        long threshold = _server.Config.LatencyMonitorThreshold;
        if (threshold > 0 && milliseconds >= threshold) AddSample(eventName, milliseconds);
    }

    /// <summary>Records a command's latency as "command" or, for fast commands, "fast-command".</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void OnCommand(CommandSpec cmd, long microseconds)
    {
        long threshold = _server.Config.LatencyMonitorThreshold;
        if (threshold > 0 && microseconds / 1000 >= threshold)
            AddSample(cmd.Is(CommandFlags.Fast) ? "fast-command" : "command", microseconds / 1000);
    }

    public void AddSample(string eventName, long milliseconds)
    {
        var series = Find(eventName);
        if (series == null)
        {
            series = new Series();
            _events.Add((eventName, series));
        }
        if (milliseconds > series.Max) series.Max = milliseconds;
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        int prev = (series.Next + SeriesLength - 1) % SeriesLength;
        if (series.Times[prev] == now)
        {
            if (milliseconds > series.Latencies[prev]) series.Latencies[prev] = milliseconds;
            return;
        }
        series.Times[series.Next] = now;
        series.Latencies[series.Next] = milliseconds;
        series.Next = (series.Next + 1) % SeriesLength;
    }

    /// <summary>Forgets one event (case-insensitive) or all of them; returns how many were dropped.</summary>
    public int Reset(string? eventName)
    {
        if (eventName == null)
        {
            int n = _events.Count;
            _events.Clear();
            return n;
        }
        return _events.RemoveAll(e => e.Name.Equals(eventName, StringComparison.OrdinalIgnoreCase));
    }

    // ---- LATENCY GRAPH ----------------------------------------------------------------------

    private const int GraphColumns = 80;
    private const int GraphRows = 4;

    /// <summary>
    /// The event's header line, a ruler and an ASCII chart of its samples (one column each, at most
    /// 80 columns, 4 character rows high) with "how long ago" labels printed vertically underneath.
    /// </summary>
    public static string Graph(string name, Series series)
    {
        var samples = series.Samples().ToList();
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        long min = samples.Count == 0 ? 0 : samples.Min(s => s.Latency);
        long max = samples.Count == 0 ? 0 : samples.Max(s => s.Latency);
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"{name} - high {max} ms, low {min} ms (all time high {series.Max} ms)\n");
        sb.Append('-', GraphColumns).Append('\n');
        if (samples.Count > GraphColumns) samples = samples.Skip(samples.Count - GraphColumns).ToList();
        int levels = GraphRows * 2; // each character row shows two levels: '_' (low half) and '#'... as '|'
        var heights = samples.Select(s => max == min ? levels : (int)Math.Round((double)(s.Latency - min) / (max - min) * (levels - 1)) + 1).ToList();
        for (int row = GraphRows - 1; row >= 0; row--)
        {
            var line = new StringBuilder();
            foreach (int h in heights)
            {
                int inRow = h - row * 2;
                line.Append(inRow >= 2 ? '#' : inRow == 1 ? '_' : ' ');
            }
            sb.Append(line.ToString().TrimEnd()).Append('\n');
        }
        // Labels ("12s", "3m", "1h", "2d") written top to bottom under their column.
        var labels = samples.Select(s => AgeLabel(now - s.Time)).ToList();
        int labelRows = labels.Count == 0 ? 0 : labels.Max(l => l.Length);
        for (int r = 0; r < labelRows; r++)
        {
            var line = new StringBuilder();
            foreach (var l in labels) line.Append(r < l.Length ? l[r] : ' ');
            sb.Append(line.ToString().TrimEnd()).Append('\n');
        }
        return sb.ToString();
    }

    private static string AgeLabel(long elapsed) =>
        elapsed < 60 ? $"{elapsed}s" : elapsed < 3600 ? $"{elapsed / 60}m" : elapsed < 86400 ? $"{elapsed / 3600}h" : $"{elapsed / 86400}d";

    // ---- LATENCY DOCTOR ---------------------------------------------------------------------

    /// <summary>A human-readable report: one paragraph per event with its statistics, then advice.</summary>
    public string Doctor()
    {
        var config = _server.Config;
        if (_events.Count == 0 && config.LatencyMonitorThreshold == 0)
        {
            return "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Valkey instance. You may use " +
                   "\"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it.\n";
        }
        if (_events.Count == 0)
        {
            return "Dave, no latency spike was observed during the lifetime of this Valkey instance, not in the slightest bit. " +
                   "I honestly think you ought to sleep better.\n";
        }
        var sb = new StringBuilder("Latency spikes are observed in this Valkey instance.\n\n");
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        bool commandAdvice = false, fastCommandAdvice = false, expireAdvice = false;
        int n = 0;
        foreach (var (name, series) in _events)
        {
            var samples = series.Samples().ToList();
            long avg = samples.Count == 0 ? 0 : (long)samples.Average(s => s.Latency);
            long mad = samples.Count == 0 ? 0 : (long)samples.Average(s => Math.Abs(avg - s.Latency));
            long period = samples.Count == 0 ? 0 : Math.Max(1, now - samples.Min(s => s.Time));
            sb.Append(CultureInfo.InvariantCulture,
                $"{++n}. {name}: {samples.Count} latency spikes (average {avg}ms, mean deviation {mad}ms, period {(samples.Count == 0 ? 0 : (double)period / samples.Count):F2} sec). Worst all time event {series.Max}ms.\n");
            if (name == "command") commandAdvice = true;
            if (name == "fast-command") fastCommandAdvice = true;
            if (name.StartsWith("expire", StringComparison.Ordinal)) expireAdvice = true;
        }
        sb.Append("\nI have a few advices for you:\n\n");
        if (commandAdvice)
        {
            if (config.SlowlogLogSlowerThan < 0 || config.SlowlogMaxLen == 0)
                sb.Append("- The system is slow to execute commands but the slow log is disabled: enable it with CONFIG SET slowlog-log-slower-than and slowlog-max-len to find out which commands are slow.\n");
            else if (config.SlowlogLogSlowerThan / 1000 > config.LatencyMonitorThreshold)
                sb.Append(CultureInfo.InvariantCulture, $"- slowlog-log-slower-than is {config.SlowlogLogSlowerThan / 1000} ms, above the latency monitor threshold of {config.LatencyMonitorThreshold} ms: lower it to see the slow commands in the slow log.\n");
            sb.Append("- Check your slow log (SLOWLOG GET) for commands with a high time complexity (KEYS, SORT, LRANGE on long lists, SUNION...) and use them more carefully.\n");
            sb.Append("- Deleting, expiring or evicting big values takes time: consider UNLINK and the lazyfree-* options.\n");
        }
        if (fastCommandAdvice)
            sb.Append("- O(1) or O(log N) commands were slow: the process was probably not scheduled by the operating system (an overloaded or virtualized host).\n");
        if (expireAdvice)
            sb.Append("- Many keys expired at the same time or big keys expired: spread expire times, or enable lazyfree-lazy-expire.\n");
        return sb.ToString();
    }
}
