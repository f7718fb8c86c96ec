using System.Globalization;

namespace Valkey.Native.Server;

/// <summary>
/// Parameters of the command logs (Valkey 8.1's commandlog-*, with the slowlog-* names of
/// earlier versions as aliases), the latency monitor and per-command latency tracking.
/// </summary>
public static partial class ConfigParameters
{
    private static ConfigParameter[] IntrospectionParameters() =>
    [
        new NumericParameter("commandlog-execution-slower-than", "slowlog-log-slower-than", ConfigFlags.None, NumericFormat.Integer,
            -1, LongMax, unsignedBounds: false, c => c.SlowlogLogSlowerThan, (c, v) => c.SlowlogLogSlowerThan = v),
        new NumericParameter("commandlog-slow-execution-max-len", "slowlog-max-len", ConfigFlags.None, NumericFormat.Integer,
            0, LongMax, unsignedBounds: true, c => c.SlowlogMaxLen, (c, v) => c.SlowlogMaxLen = v),
        new NumericParameter("commandlog-request-larger-than", null, ConfigFlags.None, NumericFormat.Integer,
            -1, LongMax, unsignedBounds: false, c => c.CommandlogRequestLargerThan, (c, v) => c.CommandlogRequestLargerThan = v),
        new NumericParameter("commandlog-large-request-max-len", null, ConfigFlags.None, NumericFormat.Integer,
            0, LongMax, unsignedBounds: true, c => c.CommandlogLargeRequestMaxLen, (c, v) => c.CommandlogLargeRequestMaxLen = v),
        new NumericParameter("commandlog-reply-larger-than", null, ConfigFlags.None, NumericFormat.Integer,
            -1, LongMax, unsignedBounds: false, c => c.CommandlogReplyLargerThan, (c, v) => c.CommandlogReplyLargerThan = v),
        new NumericParameter("commandlog-large-reply-max-len", null, ConfigFlags.None, NumericFormat.Integer,
            0, LongMax, unsignedBounds: true, c => c.CommandlogLargeReplyMaxLen, (c, v) => c.CommandlogLargeReplyMaxLen = v),
        new NumericParameter("latency-monitor-threshold", null, ConfigFlags.None, NumericFormat.Integer,
            0, LongMax, unsignedBounds: false, c => c.LatencyMonitorThreshold, (c, v) => c.LatencyMonitorThreshold = v),
        Bool("latency-tracking", ConfigFlags.None, c => c.LatencyTracking, (c, v) => c.LatencyTracking = v),
        new SpecialParameter("latency-tracking-info-percentiles", null, ConfigFlags.MultiArg,
            c => FormatPercentiles(c.LatencyTrackingPercentiles), SetPercentiles,
            (c, d) => new RewriteLine(
                c.LatencyTrackingPercentiles.Length == 0
                    ? "latency-tracking-info-percentiles \"\""
                    : "latency-tracking-info-percentiles " + FormatPercentiles(c.LatencyTrackingPercentiles),
                FormatPercentiles(c.LatencyTrackingPercentiles) != FormatPercentiles(d.LatencyTrackingPercentiles))),
    ];

    /// <summary>"50 99 99.9": each percentile with at most 4 decimals and no trailing zeros (as Valkey prints them).</summary>
    public static string FormatPercentiles(double[] percentiles) =>
        string.Join(' ', percentiles.Select(FormatPercentile));

    /// <summary>Valkey's "%f" then trimDoubleString: six decimals (glibc rounding), trailing zeros and dot dropped.</summary>
    public static string FormatPercentile(double p)
    {
        string s = Util.GeoHash.FormatFixed(p, 6);
        return s.Contains('.') ? s.TrimEnd('0').TrimEnd('.') : s;
    }

    private static SetResult SetPercentiles(ServerConfig config, string[] args, out string? error)
    {
        var values = new List<double>();
        foreach (string a in args)
        {
            if (a.Length == 0) continue;
            if (!double.TryParse(a, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || v < 0 || v > 100 || double.IsNaN(v))
            {
                error = "latency-tracking-info-percentiles should be a space separated list of doubles between 0 and 100";
                return SetResult.Failed;
            }
            values.Add(v);
        }
        error = null;
        if (values.SequenceEqual(config.LatencyTrackingPercentiles)) return SetResult.Unchanged;
        config.LatencyTrackingPercentiles = values.ToArray();
        return SetResult.Changed;
    }
}
