using System.Diagnostics;

namespace Valkey.Native.Networking;

/// <summary>
/// Decides what the event loop does when it runs out of ready events: block in the backend's wait
/// (what Valkey's ae always does), or, while requests from many clients arrive back to back, sleep
/// a few microseconds off the wait queue and look again.
/// <para>
/// Why: a thread blocked in epoll_wait is woken by whichever thread makes a socket readable, and
/// that wake-up (try_to_wake_up on another CPU) is paid by the sender: on one host, the client.
/// Under many concurrent clients the loop drains its events quickly and blocks, so every dozen
/// requests or so a client pays a wake-up. With 50 clients at pipeline 1, that was the only
/// difference in redis-benchmark's profile between us and redis-server (12.9% vs 10.3% of its time
/// in the wake path) and made it about 5% slower against us. A thread in nanosleep is not on the
/// epoll wait queue: the client's write only queues the event, and the loop takes everything that
/// arrived during the nap in one wait (perf/RESULTS.md, "Pipeline 1: who pays for the wake-up").
/// </para>
/// <para>
/// When: only while most waits find events already ready, the sign of a steady stream. With a few
/// clients in lockstep (each waits for its reply before sending again) or at low load nearly every
/// wait runs dry, and a nap would only add latency, so the loop blocks as before. A nap after which
/// few active connections are still with their clients shows clients that ran out of work and
/// waited on us, and stops the napping for a while (<see cref="AfterNap"/>). Two naps in a row that
/// find nothing end in a block.
/// </para>
/// </summary>
public struct IdleNap
{
    /// <summary>Naps in a row that may find nothing before the loop blocks.</summary>
    public const int MaxNapsPerWait = 2;

    /// <summary>Fixed-point 1.0 of <see cref="DryShare"/>.</summary>
    public const int Scale = 1024;

    // Napping starts when under 35% of recent waits ran dry and stops above 55% (the gap keeps a
    // load near the line from flipping every few waits).
    private const int EnterBelow = Scale * 35 / 100, LeaveAbove = Scale * 55 / 100;

    // A wait that returns with events ready takes well under a microsecond; one that slept took
    // at least a scheduler round trip.
    private static readonly long SleptTicks = Math.Max(1, Stopwatch.Frequency / 500_000);

    // Back-off after a nap that showed clients waiting on us: waits to go without napping. It
    // doubles while such naps keep happening (a load that stays lockstep is left alone for longer
    // and longer) and is back to the minimum after a nap that left many connections with their clients.
    private const int MinHoldOff = 32, MaxHoldOff = 1 << 14;
    private int _holdOff, _nextHoldOff = MinHoldOff;

    private int _dryShare;
    private bool _napping;
    private long _napNanoseconds;

    public IdleNap() => _dryShare = Scale;

    /// <summary>Nap length in microseconds; 0 turns napping off (the loop always blocks).</summary>
    public int Microseconds
    {
        readonly get => (int)(_napNanoseconds / 1000);
        set
        {
            _napNanoseconds = Math.Max(0, value) * 1000L;
            if (_napNanoseconds == 0) _napping = false;
        }
    }

    public readonly long NapNanoseconds => _napNanoseconds;

    /// <summary>Whether the next wait should look without blocking first and nap if nothing is ready.</summary>
    public readonly bool Napping => _napping;

    /// <summary>Share of recent waits that ran dry, in 1/<see cref="Scale"/> (an average over about 16 waits).</summary>
    public readonly int DryShare => _dryShare;

    /// <summary>Records one wait: <paramref name="ranDry"/> when nothing was ready when it started.</summary>
    public void Record(bool ranDry)
    {
        _dryShare += ((ranDry ? Scale : 0) - _dryShare) >> 4;
        if (_napping) { if (_dryShare > LeaveAbove) _napping = false; }
        else if (_holdOff > 0) _holdOff--;
        else if (_napNanoseconds > 0 && _dryShare < EnterBelow) _napping = true;
    }

    /// <summary>Records a blocking wait that took <paramref name="elapsedTicks"/> (Stopwatch): it ran dry if it slept.</summary>
    public void RecordBlockingWait(long elapsedTicks) => Record(ranDry: elapsedTicks > SleptTicks);

    /// <summary>Connections that must still be with their clients after a nap for the nap to have cost them nothing.</summary>
    public const int MinBusyElsewhere = 8;

    /// <summary>
    /// After a nap that ended with <paramref name="ready"/> events out of <paramref name="active"/>
    /// recently active connections. The connections not ready are with their clients: replies
    /// not read yet, requests not sent yet. While that backlog is large the clients are busy and
    /// lose nothing while we nap. When it is small (a few clients, or clients that send a burst
    /// after each round of replies and then wait), the clients ran out of work during the nap and
    /// waited on us: napping stops for a while (32 waits, doubling while it keeps happening).
    /// </summary>
    public void AfterNap(int ready, int active)
    {
        if (active - ready >= MinBusyElsewhere)
        {
            _nextHoldOff = MinHoldOff;
            return;
        }
        _napping = false;
        _holdOff = _nextHoldOff;
        _nextHoldOff = Math.Min(_nextHoldOff * 2, MaxHoldOff);
    }

    /// <summary>Waits left before napping may start again after a lockstep nap.</summary>
    public readonly int HoldOff => _holdOff;
}
