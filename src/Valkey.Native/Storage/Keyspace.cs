namespace Valkey.Native.Storage;

/// <summary>Keyspace counters reported by INFO stats.</summary>
public sealed class KeyspaceStats
{
    public long Hits;
    public long Misses;
    public long ExpiredKeys;
    public long ExpiredStaleSamples;
    public long ExpiredSamples;
    public long ExpiredTimeCapReachedCount;
    public long ExpireCycleCpuMicroseconds;
    public long EvictedKeys;
    /// <summary>Hash fields deleted because their TTL passed (INFO expired_fields).</summary>
    public long ExpiredFields;
    /// <summary>Hashes visited by active field expiry, and how many of them had expired fields.</summary>
    public long ExpiredFieldKeySamples;
    public long ExpiredFieldKeyStaleSamples;

    public void Reset()
    {
        Hits = Misses = ExpiredKeys = ExpiredStaleSamples = ExpiredSamples = 0;
        ExpiredTimeCapReachedCount = ExpireCycleCpuMicroseconds = EvictedKeys = 0;
        ExpiredFields = ExpiredFieldKeySamples = ExpiredFieldKeyStaleSamples = 0;
    }
}

/// <summary>
/// All databases of the server over one arena. Owns the cached clock that every command
/// of one event-loop iteration sees (as Valkey's commandTimeSnapshot), so a key cannot
/// expire half way through a command.
/// </summary>
public sealed class Keyspace : IDisposable, IKeyTableExpandGuard
{
    private readonly IKeyspaceObserver _observer;

    public Keyspace(int databaseCount, IKeyspaceObserver observer, ulong hashSeed)
    {
        _observer = observer;
        Arena = new Arena();
        HashSeed = hashSeed;
        LazyFree = new LazyFree(this);
        Databases = new Database[databaseCount];
        for (int i = 0; i < databaseCount; i++) Databases[i] = new Database(i, this, hashSeed);
        RefreshClock();
    }

    public Arena Arena { get; }
    /// <summary>Whether values' access words hold LRU or LFU data (maxmemory-policy, lfu-*): see <see cref="AccessTracking"/>.</summary>
    public AccessTracking Access { get; } = new();

    /// <summary>Set by the server under maxmemory: whether a database table may grow by so many bytes at this load.</summary>
    public Func<long, double, bool>? ExpandAllowed { get; set; }

    bool IKeyTableExpandGuard.AllowExpand(long moreBytes, double usedRatio) => ExpandAllowed?.Invoke(moreBytes, usedRatio) ?? true;
    /// <summary>Managed structures of large collections, referenced from values by handle.</summary>
    public ObjectHandles Handles { get; } = new();

    /// <summary>GC-heap bytes of the managed objects of large collections (part of used_memory).</summary>
    public long ManagedBytes => Handles.Count * (KeyTable.ManagedObjectBytes + IntPtr.Size);
    public ulong HashSeed { get; private set; }
    /// <summary>The background freer of large values and flushed databases (UNLINK, FLUSHALL ASYNC).</summary>
    public LazyFree LazyFree { get; }
    public Database[] Databases { get; }
    public KeyspaceStats Stats { get; } = new();
    public IKeyspaceObserver Observer => _observer;

    /// <summary>Unix time in ms as of the start of the current command.</summary>
    public long NowMs { get; private set; }

    /// <summary>When false, lazy expiry deletes nothing (a replica, or DEBUG tooling); reads still hide expired keys.</summary>
    public bool LazyExpireDeletes { get; set; } = true;

    /// <summary>
    /// Set while the AOF is replayed: as Valkey's keyIsExpired (nothing expires while loading) and
    /// checkAlreadyExpired (a past TTL is stored, not applied), so a logged <c>RPUSH k a; PEXPIREAT k past;
    /// RPUSH k b</c> rebuilds the same expired list instead of a new one; it expires after the load.
    /// </summary>
    public bool LoadingAof { get; set; }

    /// <summary>Set while a CLIENT NO-TOUCH connection runs a command other than TOUCH: lookups leave the access clock alone.</summary>
    public bool SuppressTouch { get; set; }

    /// <summary>
    /// Receives key readiness for blocked clients (BLPOP, BZPOPMIN, XREAD...): the server's
    /// blocked-client registry; null in bare keyspaces (unit tests), where nothing can block.
    /// </summary>
    public IKeyReadiness? Readiness { get; set; }

    public void RefreshClock() => NowMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    /// <summary>Sets the command clock from a time the caller already read (the server derives it per command without a wall-clock read).</summary>
    public void SetClock(long unixMs) => NowMs = unixMs;

    /// <summary>Valkey's 24-bit LRU clock with one-second resolution.</summary>
    public uint LruClock => (uint)(NowMs / 1000) & 0xFFFFFF;

    public long TotalKeys
    {
        get
        {
            long n = 0;
            foreach (var db in Databases) n += db.Count;
            return n;
        }
    }

    /// <summary>Exchanges the contents of two databases (SWAPDB) without touching any key.</summary>
    public void Swap(int a, int b)
    {
        if (a == b) return;
        _observer.DatabaseTouched(Databases[a], Databases[b]);
        _observer.DatabaseTouched(Databases[b], Databases[a]);
        Readiness?.DatabasesSwapping(Databases[a], Databases[b]);
        Databases[a].SwapContents(Databases[b]);
        Readiness?.DatabasesSwapped(Databases[a], Databases[b]);
    }

    public void Dispose()
    {
        LazyFree.Dispose();
        foreach (var db in Databases) db.Dispose();
        Arena.Dispose();
    }
}
