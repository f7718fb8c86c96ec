using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Valkey.Native.Server;

/// <summary>
/// Valkey's duration_stats (latency.c durationAddSample) and the event-loop instantaneous
/// metrics: how many loop iterations ran, how long their work took (sleeping excluded), how much
/// of it was commands and cron, the longest iteration and the most commands in one iteration.
/// INFO stats shows eventloop_cycles / eventloop_duration_sum / eventloop_duration_cmd_sum /
/// instantaneous_eventloop_*, INFO debug the rest. All durations are microseconds.
/// </summary>
public sealed class EventLoopStats
{
    public long Cycles;
    public long DurationSumUs;
    public long DurationMaxUs;
    public long CommandSumUs;
    public long CronSumUs;
    public long CommandsPerCycleMax;

    private long _cycleStartTicks;
    private long _commandsThisCycle;
    private long _lastSampleMs;
    private long _lastCycles = -1, _lastDurationSum, _lastSampleCycles;
    private readonly long[] _cycleRates = new long[16];
    private readonly long[] _durationPerCycle = new long[16];
    private int _sampleIndex, _sampleCount;

    /// <summary>The loop woke up (at <paramref name="timestamp"/>, a Stopwatch reading): an iteration's work starts.</summary>
    public void AfterSleep(long timestamp) => _cycleStartTicks = timestamp;

    /// <summary>The iteration's work is done (end of beforeSleep): one cycle is accounted.</summary>
    public void EndCycle()
    {
        if (_cycleStartTicks == 0) return;
        long us = (long)Stopwatch.GetElapsedTime(_cycleStartTicks).TotalMicroseconds;
        _cycleStartTicks = 0;
        Cycles++;
        DurationSumUs += us;
        if (us > DurationMaxUs) DurationMaxUs = us;
        if (_commandsThisCycle > CommandsPerCycleMax) CommandsPerCycleMax = _commandsThisCycle;
        _commandsThisCycle = 0;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void OnCommand(long microseconds)
    {
        CommandSumUs += microseconds;
        _commandsThisCycle++;
    }

    public void OnCron(long microseconds) => CronSumUs += microseconds;

    /// <summary>Every 100 ms (from the cron): cycles per second and average µs per cycle, over the last 16 samples.</summary>
    public void Sample()
    {
        long now = Environment.TickCount64;
        if (_lastSampleMs != 0 && now - _lastSampleMs < 100) return;
        if (_lastCycles >= 0 && now > _lastSampleMs)
        {
            long cycles = Cycles - _lastCycles;
            _cycleRates[_sampleIndex] = cycles * 1000 / (now - _lastSampleMs);
            _durationPerCycle[_sampleIndex] = cycles > 0 ? (DurationSumUs - _lastDurationSum) / cycles : 0;
            _sampleIndex = (_sampleIndex + 1) % _cycleRates.Length;
            if (_sampleCount < _cycleRates.Length) _sampleCount++;
        }
        _lastSampleMs = now;
        _lastCycles = Cycles;
        _lastDurationSum = DurationSumUs;
        _lastSampleCycles = Cycles;
    }

    public long InstantaneousCyclesPerSecond => Average(_cycleRates);
    public long InstantaneousDurationUs => Average(_durationPerCycle);

    private long Average(long[] samples)
    {
        if (_sampleCount == 0) return 0;
        long sum = 0;
        for (int i = 0; i < _sampleCount; i++) sum += samples[i];
        return sum / _sampleCount;
    }

    /// <summary>CONFIG RESETSTAT (the per-type sums and maxima; instantaneous samples restart).</summary>
    public void Reset()
    {
        Cycles = DurationSumUs = DurationMaxUs = CommandSumUs = CronSumUs = CommandsPerCycleMax = 0;
        _lastCycles = -1;
        _lastSampleMs = 0;
        _sampleCount = _sampleIndex = 0;
    }
}
