using System.Diagnostics;
using System.Linq;
using NUnit.Framework;
using Valkey.Native.Networking;

namespace Valkey.Native.Tests.Unit;

/// <summary>
/// <see cref="IdleNap"/>: the event loop naps instead of blocking only while most waits find events
/// ready, stops when waits run dry or when a nap shows clients that were waiting on us, and never
/// naps when turned off.
/// </summary>
[TestFixture]
public sealed class IdleNapTests
{
    private static IdleNap Steady(int microseconds = 20)
    {
        var nap = new IdleNap { Microseconds = microseconds };
        for (int i = 0; i < 64; i++) nap.Record(ranDry: false);
        return nap;
    }

    [Test]
    public void StartsBlockingAndNapsOnceWaitsFindEventsReady()
    {
        var nap = new IdleNap { Microseconds = 20 };
        Assert.That(nap.Napping, Is.False, "a new loop has seen no load");
        int waits = 0;
        while (!nap.Napping && waits < 100) { nap.Record(ranDry: false); waits++; }
        Assert.That(nap.Napping, Is.True);
        // From "every wait ran dry" to under 35% takes some waits, not one: a single busy wait is no stream.
        Assert.That(waits, Is.InRange(10, 30));
        Assert.That(nap.NapNanoseconds, Is.EqualTo(20_000));
    }

    [Test]
    public void NeverNapsWhenTurnedOff()
    {
        var nap = Steady(microseconds: 0);
        Assert.That(nap.Napping, Is.False);
        Assert.That(nap.DryShare, Is.LessThan(IdleNap.Scale / 10), "the share is still tracked");
    }

    [Test]
    public void TurningItOffStopsNappingAtOnce()
    {
        var nap = Steady();
        Assert.That(nap.Napping, Is.True);
        nap.Microseconds = 0;
        Assert.That(nap.Napping, Is.False);
        nap.Record(ranDry: false);
        Assert.That(nap.Napping, Is.False);
        nap.Microseconds = 20;
        nap.Record(ranDry: false);
        Assert.That(nap.Napping, Is.True, "turned back on under a steady stream");
    }

    [Test]
    public void StopsNappingWhenWaitsRunDry()
    {
        var nap = Steady();
        int waits = 0;
        while (nap.Napping && waits < 100) { nap.Record(ranDry: true); waits++; }
        Assert.That(nap.Napping, Is.False);
        Assert.That(waits, Is.InRange(5, 20));
    }

    [TestCase(0.2, true)]
    [TestCase(0.3, true)]
    [TestCase(0.7, false)]
    [TestCase(1.0, false)]
    public void NapsOnlyWhileFewWaitsRunDry(double dryFraction, bool napping)
    {
        var nap = new IdleNap { Microseconds = 20 };
        var random = new Random(7);
        int nappingWaits = 0;
        for (int i = 0; i < 2000; i++)
        {
            nap.Record(ranDry: random.NextDouble() < dryFraction);
            if (i >= 1000 && nap.Napping) nappingWaits++;
        }
        // Judged over the second half: most of it in the expected state.
        if (napping) Assert.That(nappingWaits, Is.GreaterThan(900));
        else Assert.That(nappingWaits, Is.LessThan(100));
    }

    [Test]
    public void ANapThatLeavesFewConnectionsWithTheirClientsStopsNappingForAWhile()
    {
        var nap = Steady();
        nap.AfterNap(ready: 3, active: 50);
        Assert.That(nap.Napping, Is.True, "47 connections are with their client: it is busy with their replies");
        nap.AfterNap(ready: 12, active: 20);
        Assert.That(nap.Napping, Is.True, "8 still with their clients is enough backlog");
        nap.AfterNap(ready: 3, active: 10);
        Assert.That(nap.Napping, Is.False, "only 7 left with the clients: they ran out of work and waited on us");
        Assert.That(nap.HoldOff, Is.EqualTo(32));
        Assert.That(WaitsUntilNapping(ref nap), Is.EqualTo(33), "32 waits held off, then the steady share resumes at once");
    }

    [Test]
    public void TheHoldOffDoublesWhileNapsKeepFindingClientsWaitingAndResetsAfterAGoodNap()
    {
        var nap = Steady();
        var holdOffs = new List<int>();
        for (int i = 0; i < 12; i++)
        {
            nap.AfterNap(ready: 4, active: 4);
            holdOffs.Add(nap.HoldOff);
            WaitsUntilNapping(ref nap);
        }
        Assert.That(holdOffs.Take(5), Is.EqualTo(new[] { 32, 64, 128, 256, 512 }));
        Assert.That(holdOffs.Max(), Is.EqualTo(1 << 14), "capped: a load that changes is looked at again");
        nap.AfterNap(ready: 2, active: 40);
        nap.AfterNap(ready: 40, active: 40);
        Assert.That(nap.HoldOff, Is.EqualTo(32), "a nap that cost nothing starts the back-off over");
    }

    [Test]
    public void NoConnectionsCountedYetMeansNoBacklog()
    {
        var nap = Steady();
        nap.AfterNap(ready: 1, active: 0);
        Assert.That(nap.Napping, Is.False);
    }

    private static int WaitsUntilNapping(ref IdleNap nap)
    {
        int waits = 0;
        while (!nap.Napping && waits < 100_000) { nap.Record(ranDry: false); waits++; }
        return waits;
    }

    [Test]
    public void ABlockingWaitRanDryOnlyIfItSlept()
    {
        var nap = new IdleNap { Microseconds = 20 };
        for (int i = 0; i < 64; i++) nap.RecordBlockingWait(0);
        Assert.That(nap.Napping, Is.True, "waits that returned at once: events were ready");
        long oneMillisecond = Stopwatch.Frequency / 1000;
        for (int i = 0; i < 64; i++) nap.RecordBlockingWait(oneMillisecond);
        Assert.That(nap.Napping, Is.False);
        Assert.That(nap.DryShare, Is.GreaterThan(IdleNap.Scale * 9 / 10));
    }
}
