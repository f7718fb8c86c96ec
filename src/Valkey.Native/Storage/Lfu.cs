using System.Runtime.CompilerServices;

namespace Valkey.Native.Storage;

/// <summary>
/// Valkey's LFU approximation (evict.c): under an LFU maxmemory policy a value's 24-bit access
/// word holds the time of the last decrement in minutes (16 bits, wrapping every ~45 days) above
/// an 8-bit logarithmic access counter. Accesses raise the counter with a probability that falls
/// as it grows (lfu-log-factor); every lfu-decay-time minutes without access take one off it
/// (LFUDecrAndReturn).
/// </summary>
public static class Lfu
{
    /// <summary>New values start here (LFU_INIT_VAL) so they are not evicted before they get a chance to be read.</summary>
    public const int InitialCounter = 5;
    public const int MaxCounter = 255;

    /// <summary>Minutes since the epoch, 16 bits (LFUGetTimeInMinutes).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint MinutesNow(long nowMs) => (uint)(nowMs / 60_000) & 0xFFFF;

    /// <summary>The access word of a value created now.</summary>
    public static uint Initial(long nowMs) => (MinutesNow(nowMs) << 8) | InitialCounter;

    /// <summary>An access word with the given counter, stamped now (RESTORE ... FREQ).</summary>
    public static uint Make(long nowMs, int counter) => (MinutesNow(nowMs) << 8) | (uint)Math.Clamp(counter, 0, MaxCounter);

    /// <summary>Minutes between a stamp and now, allowing for one wrap of the 16-bit clock (LFUTimeElapsed).</summary>
    public static uint ElapsedMinutes(uint stampMinutes, long nowMs)
    {
        uint now = MinutesNow(nowMs);
        return now >= stampMinutes ? now - stampMinutes : 65535 - stampMinutes + now;
    }

    /// <summary>The counter after the decay owed since the stamp, without storing it (LFUDecrAndReturn).</summary>
    public static int DecayedCounter(uint word, long nowMs, int decayTimeMinutes)
    {
        uint counter = word & 0xFF;
        if (decayTimeMinutes <= 0) return (int)counter;
        uint periods = ElapsedMinutes((word >> 8) & 0xFFFF, nowMs) / (uint)decayTimeMinutes;
        return periods >= counter ? 0 : (int)(counter - periods);
    }

    /// <summary>
    /// Logarithmic increment (LFULogIncr): the chance of going up is 1 / ((counter - 5) * factor + 1),
    /// so with factor 10 about a million accesses are needed to saturate at 255.
    /// </summary>
    public static int LogIncrement(int counter, int logFactor, double random01)
    {
        if (counter >= MaxCounter) return MaxCounter;
        double baseValue = Math.Max(0, counter - InitialCounter);
        double p = 1.0 / (baseValue * logFactor + 1);
        return random01 < p ? counter + 1 : counter;
    }

    /// <summary>The access word after one access now (updateLFU): decay, then a logarithmic increment.</summary>
    public static uint Touch(uint word, long nowMs, int logFactor, int decayTimeMinutes, double random01)
    {
        int counter = LogIncrement(DecayedCounter(word, nowMs, decayTimeMinutes), logFactor, random01);
        return (MinutesNow(nowMs) << 8) | (uint)counter;
    }
}

/// <summary>
/// What a value's access word means for this keyspace: the LRU clock (seconds) or LFU data,
/// following maxmemory-policy, lfu-log-factor and lfu-decay-time (set by the server's
/// eviction code when those change). Switching policy does not convert existing words: as in
/// Valkey, the data "takes some time to adjust".
/// </summary>
public sealed class AccessTracking
{
    private ulong _rng = 0x9E3779B97F4A7C15UL ^ (ulong)Environment.TickCount64;

    /// <summary>True under an LFU maxmemory policy.</summary>
    public bool Lfu { get; set; }
    public int LfuLogFactor { get; set; } = 10;
    public int LfuDecayTime { get; set; } = 1;

    /// <summary>The word a newly created value starts with (createObject).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint NewWord(Keyspace keyspace) => Lfu ? Storage.Lfu.Initial(keyspace.NowMs) : keyspace.LruClock;

    /// <summary>The word after an access (lookupKey's touch).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint Touched(uint word, Keyspace keyspace) =>
        Lfu ? Storage.Lfu.Touch(word, keyspace.NowMs, LfuLogFactor, LfuDecayTime, NextDouble()) : keyspace.LruClock;

    /// <summary>
    /// The word of a value that replaces another under the same key (dbSetValue keeps the old
    /// object's LFU data; under LRU the write is an access).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint Overwritten(uint oldWord, Keyspace keyspace) => Lfu ? oldWord : keyspace.LruClock;

    private double NextDouble()
    {
        // xorshift64*: the event-loop thread is the only caller; quality is ample for a coin flip.
        _rng ^= _rng >> 12; _rng ^= _rng << 25; _rng ^= _rng >> 27;
        return ((_rng * 2685821657736338717UL) >> 11) * (1.0 / (1UL << 53));
    }
}
