using NUnit.Framework;
using Valkey.Native.Persistence;

namespace Valkey.Native.Tests.Unit;

/// <summary>
/// AofRewriteLimiter against Valkey's aofRewriteLimited: no limit below 3 consecutive failures,
/// then delays of 1, 2, 4, ... minutes capped at 60, one attempt allowed when a delay is over,
/// one warning per delay period, and everything forgotten when the count drops (a success).
/// </summary>
[TestFixture]
public sealed class AofRewriteLimiterTests
{
    private const long T0 = 1_700_000_000;

    [Test]
    public void BelowTheThresholdNothingIsLimited()
    {
        var limiter = new AofRewriteLimiter();
        var log = new List<string>();
        for (int failures = 0; failures < AofRewriteLimiter.Threshold; failures++)
            Assert.That(limiter.IsLimited(failures, T0, log.Add), Is.False);
        Assert.That(log, Is.Empty);
    }

    [Test]
    public void DelaysDoubleFromOneMinuteUpToAnHourWithOneAttemptBetweenPeriods()
    {
        var limiter = new AofRewriteLimiter();
        var log = new List<string>();
        long now = T0;
        long failures = 3;
        int[] expected = [1, 2, 4, 8, 16, 32, 60, 60];
        foreach (int minutes in expected)
        {
            Assert.That(limiter.IsLimited(failures, now, log.Add), Is.True, "a new period starts");
            Assert.That(limiter.DelayMinutes, Is.EqualTo(minutes));
            Assert.That(log[^1], Is.EqualTo($"Background AOF rewrite has repeatedly failed and triggered the limit, will retry in {minutes} minutes"));
            int logged = log.Count;
            Assert.That(limiter.IsLimited(failures, now + minutes * 60 - 1, log.Add), Is.True, "still inside the period");
            Assert.That(log, Has.Count.EqualTo(logged), "the warning is logged once per period");
            now += minutes * 60;
            Assert.That(limiter.IsLimited(failures, now, log.Add), Is.False, "the period is over: one attempt");
            failures++; // ... and it failed again
        }
        Assert.That(log, Has.Count.EqualTo(expected.Length));
    }

    [Test]
    public void ASuccessForgetsThePeriodAndTheDelayStartsAgainAtOneMinute()
    {
        var limiter = new AofRewriteLimiter();
        var log = new List<string>();
        Assert.That(limiter.IsLimited(3, T0, log.Add), Is.True);
        Assert.That(limiter.IsLimited(3, T0 + 60, log.Add), Is.False);
        Assert.That(limiter.IsLimited(4, T0 + 61, log.Add), Is.True);
        Assert.That(limiter.DelayMinutes, Is.EqualTo(2));
        // A success (or BGREWRITEAOF scheduling) resets the count: no limit, and the next period is 1 minute again.
        Assert.That(limiter.IsLimited(0, T0 + 62, log.Add), Is.False);
        Assert.That(limiter.DelayMinutes, Is.EqualTo(0));
        Assert.That(limiter.IsLimited(3, T0 + 63, log.Add), Is.True);
        Assert.That(limiter.DelayMinutes, Is.EqualTo(1));
    }
}
