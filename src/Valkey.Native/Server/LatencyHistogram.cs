using System.Runtime.CompilerServices;
using System.Text;
using Valkey.Native.Util;

namespace Valkey.Native.Server;

/// <summary>
/// A command's latency distribution (INFO latencystats, LATENCY HISTOGRAM), kept exactly as
/// Valkey keeps it so both print the same digits: an <see cref="HdrHistogram"/> over
/// [1 ns, 1 s] with 2 significant figures (server.h LATENCY_HISTOGRAM_*), fed with the
/// command's duration in whole microseconds times 1000, clamped to that range (a 0 µs command
/// counts as 1 ns and later prints as p50=0.001).
/// Created on a command's first tracked call (CommandSpec.LatencyHistogram ??= new ...), so
/// only commands that ran pay for the 24 KB counts array; recording allocates nothing.
/// </summary>
public sealed class LatencyHistogram
{
    public const long MinValueNs = 1;
    public const long MaxValueNs = 1_000_000_000;
    public const int Precision = 2;

    private readonly HdrHistogram _hdr = new(MinValueNs, MaxValueNs, Precision);

    public long TotalCount => _hdr.TotalCount;

    internal HdrHistogram Hdr => _hdr;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Record(long microseconds) => RecordNanoseconds(microseconds * 1000);

    public void RecordNanoseconds(long nanoseconds) => _hdr.Record(Math.Clamp(nanoseconds, MinValueNs, MaxValueNs));

    /// <summary>The value at <paramref name="percentile"/> (0..100) in nanoseconds (hdr_value_at_percentile).</summary>
    public long ValueAtPercentile(double percentile) => _hdr.ValueAtPercentile(percentile);

    /// <summary>
    /// The percentile in microseconds as INFO prints it ("%.3f" of nanoseconds / 1000.0). The
    /// value is a whole number of nanoseconds, so integer arithmetic gives the same digits as
    /// C's rounding of the double (the double is within half an ulp of the 3-decimal number).
    /// </summary>
    public string FormatPercentileMicros(double percentile)
    {
        long ns = ValueAtPercentile(percentile);
        var sb = new StringBuilder(16);
        sb.Append(ns / 1000).Append('.');
        long frac = ns % 1000;
        if (frac < 100) sb.Append('0');
        if (frac < 10) sb.Append('0');
        sb.Append(frac);
        return sb.ToString();
    }

    /// <summary>
    /// LATENCY HISTOGRAM's histogram_usec entries: the logarithmic walk from 1024 ns doubling
    /// (hdr_iter_log_init(1024, 2)), each step's highest equivalent value in whole microseconds
    /// with its cumulative count, keeping only steps where the count grew.
    /// </summary>
    public List<(long Microseconds, long Cumulative)> PowerOfTwoDistribution()
    {
        var result = new List<(long, long)>();
        long previous = 0;
        foreach (var (highest, cumulative) in _hdr.LogarithmicSteps(1024, 2))
        {
            if (cumulative > previous) result.Add((highest / 1000, cumulative));
            previous = cumulative;
        }
        return result;
    }
}
