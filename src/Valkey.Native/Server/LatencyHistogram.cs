using System.Numerics;
using System.Runtime.CompilerServices;

namespace Valkey.Native.Server;

/// <summary>
/// A compact log-linear histogram of command latencies in microseconds (our stand-in for the
/// HDR histogram Valkey keeps per command): values below 256 have a bucket each, larger values
/// share a bucket with those having the same 8 leading bits (relative error under 1/128, like
/// HDR with 2 significant digits). Values are clamped to [1, 1,000,000] µs as Valkey clamps to
/// [1 ns, 1 s]. Recording is a leading-zero count and an increment: no allocation.
/// </summary>
public sealed class LatencyHistogram
{
    public const long MaxValue = 1_000_000;
    private const int LinearBuckets = 256;
    private const int SubBuckets = 128;
    // 1,000,000 < 2^20: exponents 8..19 above the linear range.
    private const int BucketCount = LinearBuckets + (20 - 8) * SubBuckets;

    private readonly long[] _counts = new long[BucketCount];

    public long TotalCount { get; private set; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Record(long microseconds)
    {
        long v = Math.Clamp(microseconds, 1, MaxValue);
        _counts[IndexOf(v)]++;
        TotalCount++;
    }

    private static int IndexOf(long v)
    {
        if (v < LinearBuckets) return (int)v;
        int log2 = 63 - BitOperations.LeadingZeroCount((ulong)v);   // >= 8
        int shift = log2 - 7;                                        // keeps 8 significant bits
        return LinearBuckets + (log2 - 8) * SubBuckets + (int)((v >> shift) - SubBuckets);
    }

    /// <summary>The largest value that falls in bucket <paramref name="index"/> (HDR's highest equivalent value).</summary>
    private static long HighestOf(int index)
    {
        if (index < LinearBuckets) return index;
        int rel = index - LinearBuckets;
        int log2 = rel / SubBuckets + 8;
        int shift = log2 - 7;
        long low = (long)(rel % SubBuckets + SubBuckets) << shift;
        return low + (1L << shift) - 1;
    }

    /// <summary>The value at <paramref name="percentile"/> (0..100), in microseconds; 0 when empty.</summary>
    public long ValueAtPercentile(double percentile)
    {
        if (TotalCount == 0) return 0;
        double p = Math.Clamp(percentile, 0, 100);
        long target = Math.Max(1, (long)Math.Ceiling(p / 100 * TotalCount));
        long seen = 0;
        for (int i = 0; i < BucketCount; i++)
        {
            seen += _counts[i];
            if (seen >= target) return Math.Min(HighestOf(i), MaxValue);
        }
        return MaxValue;
    }

    /// <summary>
    /// The cumulative distribution at power-of-two microsecond boundaries (1, 2, 4, ... µs), only
    /// where the count grows, as LATENCY HISTOGRAM's histogram_usec map.
    /// </summary>
    public List<(long Microseconds, long Cumulative)> PowerOfTwoDistribution()
    {
        var result = new List<(long, long)>();
        long cumulative = 0, previous = 0;
        int i = 0;
        for (long bound = 1; ; bound <<= 1)
        {
            while (i < BucketCount && HighestOf(i) <= bound)
            {
                cumulative += _counts[i];
                i++;
            }
            if (cumulative > previous) result.Add((bound, cumulative));
            previous = cumulative;
            if (i >= BucketCount || cumulative == TotalCount) break;
        }
        return result;
    }
}
