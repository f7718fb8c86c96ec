using System.Numerics;
using System.Runtime.CompilerServices;

namespace Valkey.Native.Util;

/// <summary>
/// A High Dynamic Range histogram with the bucket layout of HdrHistogram_c, which Valkey uses for
/// its per-command latency statistics. Our own implementation of the published algorithm; the
/// point of following it to the bit is that INFO latencystats and LATENCY HISTOGRAM print numbers
/// derived from bucket boundaries, so any other layout prints different digits.
///
/// Layout: values below <c>SubBucketCount</c> (2^ceil(log2(2·10^figures))) each have their own
/// slot (times the unit, 2^floor(log2(lowest))). Every further bucket doubles the value range
/// with the same number of slots, so only its upper half is new: a value's bucket comes from its
/// leading-zero count and its slot from a shift. The counts array holds
/// (bucketCount + 1) · SubBucketCount/2 entries — 3,072 for Valkey's (1, 10^9, 2).
///
/// Recording is a leading-zero count, a shift and two increments: no allocation. The counts
/// array is allocated once by the constructor (callers create the histogram lazily, on the
/// first value, as Valkey's hdr_init on first use does).
/// </summary>
public sealed class HdrHistogram
{
    private readonly long[] _counts;
    private readonly int _unitMagnitude;
    private readonly int _subBucketHalfCountMagnitude;
    private readonly int _subBucketHalfCount;
    private readonly long _subBucketMask;

    public long LowestDiscernibleValue { get; }
    public long HighestTrackableValue { get; }
    public int SignificantFigures { get; }
    public int SubBucketCount { get; }
    public int BucketCount { get; }
    public int CountsLength => _counts.Length;
    public long TotalCount { get; private set; }

    public HdrHistogram(long lowestDiscernibleValue, long highestTrackableValue, int significantFigures)
    {
        if (lowestDiscernibleValue < 1 || significantFigures is < 1 or > 5 || lowestDiscernibleValue * 2 > highestTrackableValue)
            throw new ArgumentOutOfRangeException(nameof(significantFigures), "invalid HDR histogram configuration");
        LowestDiscernibleValue = lowestDiscernibleValue;
        HighestTrackableValue = highestTrackableValue;
        SignificantFigures = significantFigures;

        // Enough slots per bucket to tell apart every integer up to 2·10^figures: the relative
        // error stays under 10^-figures everywhere above that.
        long singleUnitResolutionLimit = 2;
        for (int i = 0; i < significantFigures; i++) singleUnitResolutionLimit *= 10;
        int subBucketCountMagnitude = 64 - BitOperations.LeadingZeroCount((ulong)(singleUnitResolutionLimit - 1)); // ceil(log2)
        _subBucketHalfCountMagnitude = Math.Max(subBucketCountMagnitude, 1) - 1;
        _unitMagnitude = 63 - BitOperations.LeadingZeroCount((ulong)lowestDiscernibleValue);                     // floor(log2)
        if (_unitMagnitude + _subBucketHalfCountMagnitude > 61)
            throw new ArgumentOutOfRangeException(nameof(lowestDiscernibleValue), "invalid HDR histogram configuration");
        SubBucketCount = 1 << (_subBucketHalfCountMagnitude + 1);
        _subBucketHalfCount = SubBucketCount / 2;
        _subBucketMask = ((long)SubBucketCount - 1) << _unitMagnitude;

        // Buckets until the first untrackable value exceeds the highest trackable one.
        long firstUntrackable = (long)SubBucketCount << _unitMagnitude;
        int buckets = 1;
        while (firstUntrackable <= highestTrackableValue)
        {
            if (firstUntrackable > long.MaxValue / 2) { buckets++; break; }
            firstUntrackable <<= 1;
            buckets++;
        }
        BucketCount = buckets;
        _counts = new long[(buckets + 1) * _subBucketHalfCount];
    }

    // ---- bucket math -------------------------------------------------------------------------

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int BucketIndexOf(long value)
    {
        // The smallest power of two holding the value; the mask makes every value of the first
        // bucket (below SubBucketCount units) land in bucket 0.
        int pow2Ceiling = 64 - BitOperations.LeadingZeroCount((ulong)(value | _subBucketMask));
        return pow2Ceiling - _unitMagnitude - (_subBucketHalfCountMagnitude + 1);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int SubBucketIndexOf(long value, int bucketIndex) => (int)(value >> (bucketIndex + _unitMagnitude));

    /// <summary>The counts slot of <paramref name="value"/> (may be out of range above the highest trackable value).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int IndexOf(long value)
    {
        int bucket = BucketIndexOf(value);
        int sub = SubBucketIndexOf(value, bucket);
        // Bucket b's slots start at (b + 1) · half; its sub-bucket indexes run half..count-1
        // (bucket 0 also uses 0..half-1, which land on slots 0..half-1).
        return ((bucket + 1) << _subBucketHalfCountMagnitude) + (sub - _subBucketHalfCount);
    }

    /// <summary>The lowest value counted in slot <paramref name="index"/> (hdr_value_at_index).</summary>
    public long ValueAtIndex(int index)
    {
        int bucket = (index >> _subBucketHalfCountMagnitude) - 1;
        int sub = (index & (_subBucketHalfCount - 1)) + _subBucketHalfCount;
        if (bucket < 0)
        {
            sub -= _subBucketHalfCount;
            bucket = 0;
        }
        return (long)sub << (bucket + _unitMagnitude);
    }

    /// <summary>The width of the range of values that share <paramref name="value"/>'s slot.</summary>
    public long SizeOfEquivalentRange(long value)
    {
        int bucket = BucketIndexOf(value);
        int sub = SubBucketIndexOf(value, bucket);
        // A value shifted by its bucket can reach SubBucketCount only through rounding at a
        // bucket's top edge: it then belongs to the next, twice as wide, bucket.
        int adjusted = sub >= SubBucketCount ? bucket + 1 : bucket;
        return 1L << (_unitMagnitude + adjusted);
    }

    public long LowestEquivalentValue(long value)
    {
        int bucket = BucketIndexOf(value);
        return (long)SubBucketIndexOf(value, bucket) << (bucket + _unitMagnitude);
    }

    public long HighestEquivalentValue(long value) => LowestEquivalentValue(value) + SizeOfEquivalentRange(value) - 1;

    // ---- recording ---------------------------------------------------------------------------

    /// <summary>Counts one value; false (nothing counted) when negative or beyond the tracked range.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Record(long value)
    {
        if (value < 0) return false;
        int index = IndexOf(value);
        if ((uint)index >= (uint)_counts.Length) return false;
        _counts[index]++;
        TotalCount++;
        return true;
    }

    public long CountAtIndex(int index) => _counts[index];

    public void Reset()
    {
        Array.Clear(_counts);
        TotalCount = 0;
    }

    // ---- queries -----------------------------------------------------------------------------

    /// <summary>
    /// hdr_value_at_percentile: the slot where the cumulative count first reaches
    /// round(percentile% of the total) (at least 1), reported as that slot's highest equivalent
    /// value — its lowest for percentile 0. 0 for an empty histogram.
    /// </summary>
    public long ValueAtPercentile(double percentile)
    {
        double requested = percentile < 100.0 ? percentile : 100.0;
        // Same double expression, same order of operations as the C code: the rounding must agree.
        long countAtPercentile = (long)(requested / 100 * TotalCount + 0.5);
        if (countAtPercentile < 1) countAtPercentile = 1;
        long value = 0;
        long cumulative = 0;
        for (int i = 0; i < _counts.Length; i++)
        {
            cumulative += _counts[i];
            if (cumulative >= countAtPercentile)
            {
                value = ValueAtIndex(i);
                break;
            }
        }
        return percentile == 0.0 ? LowestEquivalentValue(value) : HighestEquivalentValue(value);
    }

    /// <summary>
    /// The steps of HdrHistogram_c's logarithmic iterator (hdr_iter_log_init(first, base)):
    /// for each reporting level first, first·base, ... the walk stops on the first slot whose
    /// value reaches the level and yields that slot's highest equivalent value and the cumulative
    /// count up to and including it. The walk ends when every count has been passed and the next
    /// slot lies below the next level; running off the end of the array yields the last slot once.
    /// LATENCY HISTOGRAM prints these steps (where the count grew) as its histogram_usec map.
    /// </summary>
    public List<(long HighestEquivalentValue, long CumulativeCount)> LogarithmicSteps(long firstLevel, long logBase)
    {
        var steps = new List<(long, long)>();
        int index = -1;
        long cumulative = 0, value = 0, highest = 0;
        long level = firstLevel;
        long levelLowest = LowestEquivalentValue(level);
        while (index < _counts.Length
               && (cumulative < TotalCount || (index < _counts.Length && ValueAtIndex(index + 1) > levelLowest)))
        {
            while (true)
            {
                if (value >= levelLowest)
                {
                    level *= logBase;
                    levelLowest = LowestEquivalentValue(level);
                    break;
                }
                index++;
                if (index >= _counts.Length) break;   // off the end: report the last slot as it stands
                cumulative += _counts[index];
                value = ValueAtIndex(index);
                highest = HighestEquivalentValue(value);
            }
            steps.Add((highest, cumulative));
        }
        return steps;
    }
}
