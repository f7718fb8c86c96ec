using NUnit.Framework;
using Valkey.Native.Commands;

namespace Valkey.Native.Tests.Unit;

/// <summary>The number formats DEBUG HTSTATS / CLIENT-EVICTION share with Valkey's printf output.</summary>
[TestFixture]
public class DebugStatsFormatTests
{
    // glibc's "%.02f" rounds the exact binary value half to even (expectations checked against gcc/glibc).
    [TestCase(1.125f, "1.12")]
    [TestCase(3.125f, "3.12")]
    [TestCase(0.375f, "0.38")]
    [TestCase(93.75f, "93.75")]
    [TestCase(6.25f, "6.25")]
    [TestCase(1f, "1.00")]
    [TestCase(0f, "0.00")]
    [TestCase(2.675f, "2.67")]      // the float is 2.67499995...
    [TestCase(0.005f, "0.00")]      // the float is 0.00499999988...
    [TestCase(99.995f, "100.00")]   // the float is 99.9950027...
    public void FormatFloat2RoundsLikePrintf(float value, string expected) =>
        Assert.That(DebugHashTables.FormatFloat2(value), Is.EqualTo(expected));

    [Test]
    public void FormatFloat2MatchesPercentagesOfSmallTables()
    {
        // ((float)n / size) * 100 for the tables HTSTATS FULL prints.
        Assert.That(DebugHashTables.FormatFloat2((float)8 / 256 * 100), Is.EqualTo("3.12"));
        Assert.That(DebugHashTables.FormatFloat2((float)1 / 3 * 100), Is.EqualTo("33.33"));
        Assert.That(DebugHashTables.FormatFloat2((float)2 / 3 * 100), Is.EqualTo("66.67"));
    }

    [TestCase(0L, 0)]
    [TestCase(1L, 0)]
    [TestCase(32767L, 0)]
    [TestCase(32768L, 1)]
    [TestCase(65535L, 1)]
    [TestCase(65536L, 2)]
    [TestCase(1L << 31, 17)]
    [TestCase((1L << 32) - 1, 17)]
    [TestCase(1L << 32, 18)]
    [TestCase(long.MaxValue, 18)]
    public void ClientMemoryBucketsFollowTheHighestBit(long memory, int bucket) =>
        Assert.That(DebugHashTables.BucketOf(memory), Is.EqualTo(bucket));
}
