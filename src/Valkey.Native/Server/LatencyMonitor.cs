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

    /// <summary>The series of an event; names are case-sensitive here (Valkey's dict lookup), unlike RESET's.</summary>
    public Series? Find(string name)
    {
        foreach (var (n, s) in _events)
        {
            if (n.Equals(name, StringComparison.Ordinal)) return s;
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
    private const string FillCharset = "_o#";   // three levels per row; '|' fills rows below the top
    private const int LevelsPerRow = 3;

    /// <summary>
    /// LATENCY GRAPH as Valkey draws it (latencyCommandGenSparkeline + sparkline.c with
    /// SPARKLINE_FILL): a header with the samples' high/low and the all-time high, a ruler, then the
    /// samples oldest first in blocks of 80 columns (a blank line between blocks). Each block is
    /// 4 rows of bars, a blank margin row, then each sample's "how long ago" label ("12s", "3m",
    /// "1h", "2d") written downwards under its column. Lines are padded with spaces to the block
    /// width, as Valkey prints them.
    /// </summary>
    public static string Graph(string name, Series series, long nowSeconds)
    {
        var values = new List<long>();
        var labels = new List<string>();
        foreach (var (time, latency) in series.Samples())
        {
            values.Add(latency);
            labels.Add(AgeLabel(nowSeconds - time));
        }
        long min = values.Count == 0 ? 0 : values.Min();
        long max = values.Count == 0 ? 0 : values.Max();
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"{name} - high {max} ms, low {min} ms (all time high {series.Max} ms)\n");
        sb.Append('-', GraphColumns).Append('\n');
        for (int start = 0; start < values.Count; start += GraphColumns)
        {
            if (start != 0) sb.Append('\n');
            RenderBlock(sb, values, labels, min, max, start, Math.Min(GraphColumns, values.Count - start));
        }
        return sb.ToString();
    }

    private static void RenderBlock(StringBuilder sb, List<long> values, List<string> labels, long min, long max, int offset, int length)
    {
        const int steps = LevelsPerRow * GraphRows;
        double range = max - min;
        if (range == 0) range = 1;
        var line = new char[length];
        var levels = new int[length];
        for (int j = 0; j < length; j++)
        {
            // Valkey truncates the scaled value to an integer before dividing by the range.
            int step = (int)((int)((double)(values[offset + j] - min) * steps) / range);
            levels[j] = Math.Clamp(step, 0, steps - 1);
        }
        for (int row = 0; row < GraphRows; row++)
        {
            for (int j = 0; j < length; j++)
            {
                int level = levels[j] - (GraphRows - row - 1) * LevelsPerRow;
                line[j] = level < 0 ? ' ' : level < LevelsPerRow ? FillCharset[level] : '|';
            }
            sb.Append(line).Append('\n');
        }
        // Samples always have labels: one blank margin row, then the labels vertically.
        sb.Append(' ', length).Append('\n');
        for (int r = 0; ; r++)
        {
            bool any = false;
            for (int j = 0; j < length; j++)
            {
                string label = labels[offset + j];
                if (r < label.Length)
                {
                    line[j] = label[r];
                    any = true;
                }
                else
                {
                    line[j] = ' ';
                }
            }
            if (!any) break;
            sb.Append(line).Append('\n');
        }
    }

    private static string AgeLabel(long elapsed) => elapsed < 60 ? $"{elapsed}s"
        : elapsed < 3600 ? $"{elapsed / 60}m"
        : elapsed < 86400 ? $"{elapsed / 3600}h"
        : $"{elapsed / 86400}d";

    // ---- LATENCY DOCTOR ---------------------------------------------------------------------

    /// <summary>The LATENCY DOCTOR report for the current events and settings (<see cref="LatencyDoctor"/>).</summary>
    public string Doctor()
    {
        var config = _server.Config;
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var stats = new List<LatencyDoctor.EventStats>(_events.Count);
        foreach (var (name, series) in _events) stats.Add(LatencyDoctor.Analyze(name, series, now));
        var settings = new LatencyDoctor.Settings(
            MonitorThresholdMs: config.LatencyMonitorThreshold,
            SlowlogLogSlowerThanUs: config.SlowlogLogSlowerThan,
            SlowlogMaxLen: config.SlowlogMaxLen,
            AppendFsyncAlways: config.AppendFsync.Equals("always", StringComparison.OrdinalIgnoreCase),
            Hz: config.Hz,
            // No fork() here: Valkey's stat_fork_rate before any fork is 0.
            ForkRateGbPerSecond: 0,
            AnonHugePagesBytes: LatencyDoctor.AnonHugePagesBytes());
        return LatencyDoctor.CreateReport(stats, settings);
    }
}
