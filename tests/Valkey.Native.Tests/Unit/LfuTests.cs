using NUnit.Framework;
using Valkey.Native.Storage;

namespace Valkey.Native.Tests.Unit;

/// <summary>
/// <see cref="Lfu"/>: the 16-bit minutes + 8-bit counter word, decay per lfu-decay-time minutes
/// (with the 16-bit minute clock wrapping), and the logarithmic increment's probabilities.
/// </summary>
[TestFixture]
public sealed class LfuTests
{
    private const long Minute = 60_000;
    private static readonly long Now = 1_700_000_000_000L;

    [Test]
    public void ANewValueStartsAtFiveStampedWithTheCurrentMinute()
    {
        uint word = Lfu.Initial(Now);
        Assert.That(word & 0xFF, Is.EqualTo(5));
        Assert.That(word >> 8, Is.EqualTo((uint)(Now / Minute) & 0xFFFF));
        Assert.That(Lfu.DecayedCounter(word, Now, 1), Is.EqualTo(5));
    }

    [Test]
    public void TheCounterLosesOnePerDecayPeriodAndStopsAtZero()
    {
        uint word = Lfu.Make(Now, 20);
        Assert.That(Lfu.DecayedCounter(word, Now + 3 * Minute, 1), Is.EqualTo(17));
        Assert.That(Lfu.DecayedCounter(word, Now + 3 * Minute, 2), Is.EqualTo(19), "3 minutes are one full 2-minute period");
        Assert.That(Lfu.DecayedCounter(word, Now + 300 * Minute, 1), Is.EqualTo(0));
        Assert.That(Lfu.DecayedCounter(word, Now + 300 * Minute, 0), Is.EqualTo(20), "decay time 0 never decays");
    }

    [Test]
    public void ElapsedMinutesSurviveTheWrapOfTheSixteenBitClock()
    {
        // A stamp just before the wrap, read two minutes after it.
        uint stamp = 65534;
        long nowMinutes = ((Now / Minute) & ~0xFFFFL) + 0x10000 + 1;
        long nowMs = nowMinutes * Minute;
        Assert.That(Lfu.MinutesNow(nowMs), Is.EqualTo(1u));
        Assert.That(Lfu.ElapsedMinutes(stamp, nowMs), Is.EqualTo(2u));
    }

    [Test]
    public void IncrementIsCertainAtOrBelowTheInitialValueAndRarerAboveIt()
    {
        Assert.That(Lfu.LogIncrement(0, 10, 0.999), Is.EqualTo(1));
        Assert.That(Lfu.LogIncrement(5, 10, 0.999), Is.EqualTo(6));
        // At counter 6 with factor 10, p = 1/11.
        Assert.That(Lfu.LogIncrement(6, 10, 0.08), Is.EqualTo(7));
        Assert.That(Lfu.LogIncrement(6, 10, 0.10), Is.EqualTo(6));
        Assert.That(Lfu.LogIncrement(255, 0, 0.0), Is.EqualTo(255), "saturates");
        // Factor 0: every access counts.
        Assert.That(Lfu.LogIncrement(100, 0, 0.999), Is.EqualTo(101));
    }

    [Test]
    public void ManyTouchesGrowTheCounterLogarithmically()
    {
        var rng = new Random(42);
        uint word = Lfu.Initial(Now);
        for (int i = 0; i < 1000; i++) word = Lfu.Touch(word, Now, 10, 1, rng.NextDouble());
        int afterThousand = (int)(word & 0xFF);
        // Valkey's table for factor 10: ~18 after 1K hits (100 hits -> ~10).
        Assert.That(afterThousand, Is.InRange(12, 30));
        for (int i = 0; i < 100_000; i++) word = Lfu.Touch(word, Now, 10, 1, rng.NextDouble());
        Assert.That((int)(word & 0xFF), Is.InRange(100, 160), "~142 after 100K hits with factor 10");
    }

    [Test]
    public void TouchAppliesPendingDecayBeforeIncrementing()
    {
        uint word = Lfu.Make(Now, 50);
        uint touched = Lfu.Touch(word, Now + 10 * Minute, 10, 1, 0.999);
        Assert.That(touched & 0xFF, Is.EqualTo(40u));
        Assert.That(touched >> 8, Is.EqualTo(Lfu.MinutesNow(Now + 10 * Minute)), "restamped");
    }
}
