using NUnit.Framework;
using Valkey.Native.Server;
using Valkey.Native.Util;

namespace Valkey.Native.Tests.Unit;

/// <summary>
/// The HDR histogram behind INFO latencystats and LATENCY HISTOGRAM. Expected values follow
/// HdrHistogram_c's bucket math for Valkey's configuration (1 ns .. 1 s, 2 significant figures:
/// 256 sub-buckets, 23 buckets, 3,072 slots); they were checked against the reference C
/// implementation (hdr_value_at_percentile, hdr_iter_log_init(1024, 2) as latency.c walks it).
/// </summary>
[TestFixture]
public sealed class HdrHistogramTests
{
    private static HdrHistogram Valkey() => new(1, 1_000_000_000, 2);

    [Test]
    public void LayoutForValkeysParameters()
    {
        var h = Valkey();
        Assert.That(h.SubBucketCount, Is.EqualTo(256));
        Assert.That(h.BucketCount, Is.EqualTo(23));
        Assert.That(h.CountsLength, Is.EqualTo(3072));
    }

    [Test]
    public void LayoutForOtherParameters()
    {
        // 3 figures: 2000 needs 11 bits -> 2048 sub-buckets; 1 figure: 20 -> 32.
        var three = new HdrHistogram(1, 3_600_000_000, 3);
        Assert.That(three.SubBucketCount, Is.EqualTo(2048));
        Assert.That(three.BucketCount, Is.EqualTo(22));
        Assert.That(three.CountsLength, Is.EqualTo(23 * 1024));
        var one = new HdrHistogram(1, 1000, 1);
        Assert.That(one.SubBucketCount, Is.EqualTo(32));
        Assert.That(one.BucketCount, Is.EqualTo(6));
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new HdrHistogram(0, 1000, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new HdrHistogram(1, 1000, 6));
    }

    // value, lowest equivalent, highest equivalent, counts slot
    [TestCase(0L, 0L, 0L, 0)]
    [TestCase(1L, 1L, 1L, 1)]
    [TestCase(2L, 2L, 2L, 2)]
    [TestCase(127L, 127L, 127L, 127)]
    [TestCase(128L, 128L, 128L, 128)]
    [TestCase(200L, 200L, 200L, 200)]
    [TestCase(255L, 255L, 255L, 255)]
    [TestCase(256L, 256L, 257L, 256)]
    [TestCase(257L, 256L, 257L, 256)]
    [TestCase(258L, 258L, 259L, 257)]
    [TestCase(511L, 510L, 511L, 383)]
    [TestCase(512L, 512L, 515L, 384)]
    [TestCase(513L, 512L, 515L, 384)]
    [TestCase(1000L, 1000L, 1003L, 506)]
    [TestCase(1023L, 1020L, 1023L, 511)]
    [TestCase(1024L, 1024L, 1031L, 512)]
    [TestCase(1031L, 1024L, 1031L, 512)]
    [TestCase(1032L, 1032L, 1039L, 513)]
    [TestCase(2000L, 2000L, 2007L, 634)]
    [TestCase(2047L, 2040L, 2047L, 639)]
    [TestCase(2048L, 2048L, 2063L, 640)]
    [TestCase(2063L, 2048L, 2063L, 640)]
    [TestCase(4000L, 4000L, 4015L, 762)]
    [TestCase(4095L, 4080L, 4095L, 767)]
    [TestCase(4096L, 4096L, 4127L, 768)]
    [TestCase(4111L, 4096L, 4127L, 768)]
    [TestCase(65535L, 65280L, 65535L, 1279)]
    [TestCase(65536L, 65536L, 66047L, 1280)]
    [TestCase(999999L, 999424L, 1003519L, 1780)]
    [TestCase(1000000L, 999424L, 1003519L, 1780)]
    [TestCase(123456789L, 123207680L, 123731967L, 2667)]
    [TestCase(536870912L, 536870912L, 541065215L, 2944)]
    [TestCase(999999999L, 998244352L, 1002438655L, 3054)]
    [TestCase(1000000000L, 998244352L, 1002438655L, 3054)]
    [TestCase(1073741823L, 1069547520L, 1073741823L, 3071)]
    public void EquivalentRanges(long value, long lowest, long highest, int index)
    {
        var h = Valkey();
        Assert.That(h.LowestEquivalentValue(value), Is.EqualTo(lowest));
        Assert.That(h.HighestEquivalentValue(value), Is.EqualTo(highest));
        Assert.That(h.IndexOf(value), Is.EqualTo(index));
        Assert.That(h.ValueAtIndex(index), Is.EqualTo(lowest), "a slot's value is its lowest equivalent");
    }

    [Test]
    public void EverySlotRoundTrips()
    {
        var h = Valkey();
        for (int i = 0; i < h.CountsLength; i++)
        {
            long v = h.ValueAtIndex(i);
            Assert.That(h.IndexOf(v), Is.EqualTo(i));
            Assert.That(h.IndexOf(h.HighestEquivalentValue(v)), Is.EqualTo(i));
            if (i + 1 < h.CountsLength) Assert.That(h.ValueAtIndex(i + 1), Is.EqualTo(h.HighestEquivalentValue(v) + 1), $"slot {i}: ranges are contiguous");
        }
    }

    [Test]
    public void ValuesBeyondTheRangeAreNotCounted()
    {
        var h = Valkey();
        Assert.That(h.Record(-1), Is.False);
        Assert.That(h.Record(1L << 30), Is.False);
        Assert.That(h.Record(1_000_000_000), Is.True);
        Assert.That(h.TotalCount, Is.EqualTo(1));
        Assert.That(h.ValueAtPercentile(50), Is.EqualTo(1002438655));
    }

    [Test]
    public void EmptyHistogramReportsZero() => Assert.That(Valkey().ValueAtPercentile(50), Is.EqualTo(0));

    private const string Percentiles = "0 1 10 25 33.3333 50 75 90 99 99.9 99.99 100";

    private static string Report(LatencyHistogram h, string percentiles) =>
        string.Join(",", percentiles.Split(' ').Select(double.Parse)
            .Select(p => "p" + ConfigParameters.FormatPercentile(p) + "=" + h.FormatPercentileMicros(p)));

    private static string Cdf(LatencyHistogram h) =>
        string.Join(" ", h.PowerOfTwoDistribution().Select(s => $"{s.Microseconds}:{s.Cumulative}"));

    [Test]
    public void OneFourMicrosecondCommand()
    {
        var h = new LatencyHistogram();
        h.Record(4);
        Assert.That(Report(h, "50 99 99.9 0 100"), Is.EqualTo("p50=4.015,p99=4.015,p99.9=4.015,p0=4.000,p100=4.015"));
        Assert.That(Cdf(h), Is.EqualTo("4:1"));
    }

    [Test]
    public void ZeroMicrosecondsCountsAsOneNanosecond()
    {
        var h = new LatencyHistogram();
        h.Record(0);
        Assert.That(Report(h, "50"), Is.EqualTo("p50=0.001"));
        Assert.That(Cdf(h), Is.EqualTo("1:1"), "below 1024 ns reports at the first level");
    }

    [Test]
    public void MixedValuesAndTheOneSecondClamp()
    {
        var h = new LatencyHistogram();
        foreach (long us in new long[] { 0, 1, 2, 4, 8, 1_000_000 }) h.Record(us);
        Assert.That(Report(h, "0 50 99 100"), Is.EqualTo("p0=0.001,p50=2.007,p99=1002438.655,p100=1002438.655"));
        Assert.That(Cdf(h), Is.EqualTo("1:2 2:3 4:4 8:5 1073741:6"));

        var clamped = new LatencyHistogram();
        clamped.RecordNanoseconds(5_000_000_000);
        clamped.RecordNanoseconds(999_999_999);
        clamped.RecordNanoseconds(1);
        Assert.That(Report(clamped, "50 100"), Is.EqualTo("p50=1002438.655,p100=1002438.655"));
        Assert.That(Cdf(clamped), Is.EqualTo("1:1 1073741:3"));
    }

    [Test]
    public void LinearRangeOfMicroseconds()
    {
        var h = new LatencyHistogram();
        for (long us = 0; us <= 200; us++) h.Record(us);
        Assert.That(Report(h, Percentiles), Is.EqualTo(
            "p0=0.001,p1=1.003,p10=19.071,p25=49.151,p33.3333=66.047,p50=100.351,p75=150.527,p90=180.223," +
            "p99=198.655,p99.9=200.703,p99.99=200.703,p100=200.703"));
        Assert.That(Cdf(h), Is.EqualTo("1:2 2:3 4:5 8:9 16:17 33:34 66:67 132:133 264:201"));
    }

    [Test]
    public void GeometricValuesWithGrowingCounts()
    {
        var h = new LatencyHistogram();
        for (int k = 0; k <= 20; k++)
        {
            for (int r = 0; r <= k; r++) h.RecordNanoseconds(1000L << k);
        }
        Assert.That(h.TotalCount, Is.EqualTo(231));
        Assert.That(Report(h, Percentiles), Is.EqualTo(
            "p0=1.000,p1=2.007,p10=64.255,p25=1028.095,p33.3333=2056.191,p50=16449.535,p75=263192.575,p90=526385.151," +
            "p99=1002438.655,p99.9=1002438.655,p99.99=1002438.655,p100=1002438.655"));
        Assert.That(Cdf(h), Is.EqualTo(
            "1:1 2:3 4:6 8:10 16:15 33:21 66:28 132:36 264:45 528:55 1056:66 2113:78 4227:91 8454:105 16908:120 " +
            "33816:136 67633:153 135266:171 270532:190 541065:210 1073741:231"));
    }

    [Test]
    public void SubMicrosecondNanoseconds()
    {
        var h = new LatencyHistogram();
        for (long ns = 1; ns <= 3000; ns++) h.RecordNanoseconds(ns);
        Assert.That(Report(h, Percentiles), Is.EqualTo(
            "p0=0.001,p1=0.030,p10=0.301,p25=0.751,p33.3333=1.003,p50=1.503,p75=2.255,p90=2.703," +
            "p99=2.975,p99.9=3.007,p99.99=3.007,p100=3.007"));
        Assert.That(Cdf(h), Is.EqualTo("1:1031 2:2063 4:3000"));
    }

    [Test]
    public void OneOutlierInAThousand()
    {
        var h = new LatencyHistogram();
        for (int i = 0; i < 999; i++) h.Record(3);
        h.Record(500);
        Assert.That(Report(h, "50 99.9 99.95 100"), Is.EqualTo("p50=3.007,p99.9=3.007,p99.95=501.759,p100=501.759"));
        Assert.That(Cdf(h), Is.EqualTo("4:999 528:1000"));
    }

    [Test]
    public void PercentileNamesFollowValkeysTrimmedPercentF()
    {
        Assert.That(ConfigParameters.FormatPercentile(99.9), Is.EqualTo("99.9"));
        Assert.That(ConfigParameters.FormatPercentile(50), Is.EqualTo("50"));
        Assert.That(ConfigParameters.FormatPercentile(0), Is.EqualTo("0"));
        Assert.That(ConfigParameters.FormatPercentile(99.99999), Is.EqualTo("99.99999"));
        Assert.That(ConfigParameters.FormatPercentile(12.3456789), Is.EqualTo("12.345679"));
    }
}
