namespace Valkey.Native.Server;

/// <summary>Counters and samples kept for INFO beside the server (one per <see cref="ServerContext"/>).</summary>
public sealed class ServerInfoState
{
    public long AuthFailures;
    public long PeakMemory;
    /// <summary>Replication IDs (no replication yet, but INFO shows them and DEBUG CHANGE-REPL-ID changes them).</summary>
    public string ReplicationId = NewReplicationId();
    public string ReplicationId2 = new('0', 40);
    public readonly InstantaneousMetric Commands = new();
    public readonly InstantaneousMetric NetInput = new();
    public readonly InstantaneousMetric NetOutput = new();
    public long LastSampleMs;

    /// <summary>Takes one sample of the instantaneous metrics if 100 ms have passed (called from the cron and by INFO).</summary>
    public void SampleMetrics(ServerStats stats)
    {
        long now = Environment.TickCount64;
        if (LastSampleMs != 0 && now - LastSampleMs < 100) return;
        LastSampleMs = now;
        Commands.Add(now, stats.CommandsProcessed);
        NetInput.Add(now, stats.NetInputBytes);
        NetOutput.Add(now, stats.NetOutputBytes);
    }

    public void ChangeReplicationId()
    {
        ReplicationId = NewReplicationId();
        ReplicationId2 = new string('0', 40);
    }

    private static string NewReplicationId() =>
        Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(20)).ToLowerInvariant();
}

/// <summary>
/// Valkey's instantaneous metrics: a rate sampled every 100 ms, averaged over the last 16
/// samples. Sampled from the cron and lazily by INFO.
/// </summary>
public sealed class InstantaneousMetric
{
    private const int Samples = 16;
    private readonly long[] _rates = new long[Samples];
    private int _index;
    private int _count;
    private long _lastValue = -1;
    private long _lastMs;

    public void Add(long nowMs, long value)
    {
        if (_lastValue >= 0 && nowMs > _lastMs)
        {
            _rates[_index] = (value - _lastValue) * 1000 / (nowMs - _lastMs);
            _index = (_index + 1) % Samples;
            if (_count < Samples) _count++;
        }
        _lastValue = value;
        _lastMs = nowMs;
    }

    public long Value
    {
        get
        {
            if (_count == 0) return 0;
            long sum = 0;
            for (int i = 0; i < _count; i++) sum += _rates[i];
            return sum / _count;
        }
    }
}
