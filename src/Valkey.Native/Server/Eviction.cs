using System.Diagnostics;
using Valkey.Native.Commands;
using Valkey.Native.Networking;
using Valkey.Native.Storage;

namespace Valkey.Native.Server;

/// <summary>maxmemory-policy values.</summary>
public enum MaxMemoryPolicy
{
    NoEviction,
    AllKeysLru,
    AllKeysLfu,
    AllKeysRandom,
    VolatileLru,
    VolatileLfu,
    VolatileRandom,
    VolatileTtl,
}

/// <summary>What one eviction attempt achieved (Valkey's EVICT_OK / EVICT_RUNNING / EVICT_FAIL).</summary>
public enum EvictionResult
{
    /// <summary>Under the limit (or nothing to do).</summary>
    Ok,
    /// <summary>Still over the limit, but the time slice ran out; eviction goes on from the event loop.</summary>
    Running,
    /// <summary>Over the limit and nothing (more) can be evicted: denyoom commands are refused.</summary>
    Fail,
}

/// <summary>
/// maxmemory enforcement (Valkey's evict.c): before each command, while used memory is over
/// maxmemory, keys chosen by the policy are deleted through the normal delete path (WATCH,
/// tracking, blocked clients and the "evicted" keyspace event see them). LRU, LFU and TTL
/// policies use Valkey's sampled approximation with an <see cref="EvictionPool"/>; each call
/// evicts for at most a tenacity-dependent time slice and then continues from the event loop.
/// </summary>
public sealed unsafe class Eviction
{
    private readonly ServerContext _server;
    private readonly EvictionPool _pool = new();
    private byte[] _keyBuffer = new byte[EvictionPool.CachedKeyBytes];
    private ulong _rng = (ulong)Random.Shared.NextInt64() | 1;
    private int _nextDb;
    /// <summary>When used memory went over the limit without being brought back (Stopwatch ticks; 0 = not over).</summary>
    private long _exceededSinceTicks;
    private long _totalExceededTicks;

    public Eviction(ServerContext server)
    {
        _server = server;
        ApplyConfig();
        server.Config.Changed += OnConfigChanged;
        server.Keyspace.ExpandAllowed = AllowTableExpand;
    }

    /// <summary>Valkey's HASHTABLE_MAX_LOAD_FACTOR: beyond this load a table grows whatever the memory.</summary>
    private const double MaxLoadFactor = 1.618;

    /// <summary>
    /// Valkey's dictResizeAllowed: a database table does not grow its bucket array if that alone
    /// would pass maxmemory (it would only cause evictions), unless the load is getting too high.
    /// </summary>
    private bool AllowTableExpand(long moreBytes, double usedRatio)
    {
        if (usedRatio > MaxLoadFactor) return true;
        long max = _server.Config.MaxMemory;
        if (max == 0) return true;
        long used = Math.Max(0, UsedMemory() - NotCountedMemory());
        return (ulong)(used + moreBytes) <= (ulong)max;
    }

    public MaxMemoryPolicy Policy { get; private set; }

    /// <summary>Valkey's isEvictionProcRunning: a time-sliced eviction continues on the next loop iteration.</summary>
    public bool Running { get; private set; }

    /// <summary>
    /// Whether the last check before a command found the server out of memory (Valkey's
    /// pre_command_oom_state): scripts use it to refuse writes without re-measuring mid-script.
    /// </summary>
    public bool PreCommandOomState { get; private set; }

    /// <summary>INFO total_eviction_exceeded_time (ms), including the current stretch.</summary>
    public long TotalExceededMs => (_totalExceededTicks + CurrentExceededTicks) * 1000 / Stopwatch.Frequency;
    /// <summary>INFO current_eviction_exceeded_time (ms).</summary>
    public long CurrentExceededMs => CurrentExceededTicks * 1000 / Stopwatch.Frequency;
    private long CurrentExceededTicks => _exceededSinceTicks == 0 ? 0 : Stopwatch.GetTimestamp() - _exceededSinceTicks;

    public bool IsLfu => Policy is MaxMemoryPolicy.AllKeysLfu or MaxMemoryPolicy.VolatileLfu;
    public bool IsLru => Policy is MaxMemoryPolicy.AllKeysLru or MaxMemoryPolicy.VolatileLru;
    private bool AllKeys => Policy is MaxMemoryPolicy.AllKeysLru or MaxMemoryPolicy.AllKeysLfu or MaxMemoryPolicy.AllKeysRandom;

    public static MaxMemoryPolicy ParsePolicy(string name) => name.ToLowerInvariant() switch
    {
        "allkeys-lru" => MaxMemoryPolicy.AllKeysLru,
        "allkeys-lfu" => MaxMemoryPolicy.AllKeysLfu,
        "allkeys-random" => MaxMemoryPolicy.AllKeysRandom,
        "volatile-lru" => MaxMemoryPolicy.VolatileLru,
        "volatile-lfu" => MaxMemoryPolicy.VolatileLfu,
        "volatile-random" => MaxMemoryPolicy.VolatileRandom,
        "volatile-ttl" => MaxMemoryPolicy.VolatileTtl,
        _ => MaxMemoryPolicy.NoEviction,
    };

    // ---- configuration ------------------------------------------------------------------

    private void ApplyConfig()
    {
        var config = _server.Config;
        Policy = ParsePolicy(config.MaxMemoryPolicy);
        var access = _server.Keyspace.Access;
        access.Lfu = IsLfu;
        access.LfuLogFactor = config.LfuLogFactor;
        access.LfuDecayTime = config.LfuDecayTime;
    }

    private void OnConfigChanged(string name)
    {
        switch (name)
        {
            case "maxmemory-policy":
                ApplyConfig();
                // Scores of another policy are meaningless for this one.
                _pool.Clear();
                break;
            case "lfu-log-factor" or "lfu-decay-time":
                ApplyConfig();
                break;
            case "maxmemory":
                // Valkey's updateMaxmemory: warn, then evict from the event loop (not inside CONFIG SET).
                long max = _server.Config.MaxMemory;
                if (max == 0) break;
                long used = UsedMemory() - NotCountedMemory();
                if (max < used)
                {
                    _server.Log.Warning($"WARNING: the new maxmemory value set via CONFIG SET ({(ulong)max}) is smaller than the current memory usage ({used}). This will result in key eviction and/or the inability to accept new write commands depending on the maxmemory-policy.");
                }
                Running = true;
                break;
        }
    }

    // ---- memory accounting --------------------------------------------------------------

    /// <summary>INFO used_memory: the arena, managed collection objects and connection buffers.</summary>
    public long UsedMemory() => ServerCommands.UsedMemory(_server);

    /// <summary>
    /// Valkey's freeMemoryGetNotCountedMemory: replica output buffers and the AOF buffer do not
    /// count towards maxmemory (INFO mem_not_counted_for_evict). The AOF buffer is in used_memory
    /// (INFO mem_aof_buffer) and subtracted here while the AOF is on, as Valkey does; replica output
    /// buffers join here with replication.
    /// </summary>
    public long NotCountedMemory() => _server.Aof.On ? _server.Aof.BufferAllocated : 0;

    /// <summary>Valkey's getMaxmemoryState: false with the bytes to free when over maxmemory.</summary>
    public bool IsUnderLimit(out long toFree)
    {
        toFree = 0;
        long max = _server.Config.MaxMemory;
        if (max == 0) return true;
        long reported = UsedMemory();
        if ((ulong)reported <= (ulong)max) return true;
        long used = Math.Max(0, reported - NotCountedMemory());
        if ((ulong)used <= (ulong)max) return true;
        toFree = used - max;
        return false;
    }

    /// <summary>Memory use relative to maxmemory (0 without a limit), as getMaxmemoryState's level.</summary>
    public double Level()
    {
        long max = _server.Config.MaxMemory;
        return max == 0 ? 0 : (double)Math.Max(0, UsedMemory() - NotCountedMemory()) / (ulong)max;
    }

    /// <summary>Valkey's evictionTimeLimitUs: 50 µs per tenacity step to 10, then +15% per step, unlimited at 100.</summary>
    public static long TimeLimitMicroseconds(int tenacity)
    {
        if (tenacity <= 10) return 50L * Math.Max(0, tenacity);
        if (tenacity < 100) return (long)(500.0 * Math.Pow(1.15, tenacity - 10.0));
        return long.MaxValue;
    }

    // ---- the command gate ---------------------------------------------------------------

    /// <summary>
    /// processCommand's maxmemory step, for a command about to run while maxmemory is set: evicts
    /// as needed, and returns true if the command must be refused with the OOM error (a denyoom
    /// command, or EXEC of a transaction holding one, while nothing more can be evicted).
    /// </summary>
    public bool RejectsCommand(Client client, CommandSpec cmd, out bool evictedSelf)
    {
        evictedSelf = false;
        // A blocked command re-run when its key got ready was admitted when it first ran; evicting
        // now would delete keys (and signal readiness) while the blocked-client registry is walked.
        if (client.IsReprocessingCommand) return false;
        // Client eviction first: the clients' buffers may be what pushes memory over the limit.
        evictedSelf = _server.Config.MaxMemoryClients != 0 && EvictClients(client);
        if (evictedSelf) return true;
        if (_server.Config.MaxMemory == 0) return false;
        bool outOfMemory = PerformEvictions() == EvictionResult.Fail;
        if (outOfMemory)
        {
            if (cmd.Is(CommandFlags.DenyOom)) return true;
            if (cmd.Name == "exec" && client.Multi is { Active: true } multi && (multi.QueuedFlags & CommandFlags.DenyOom) != 0) return true;
        }
        PreCommandOomState = outOfMemory;
        return false;
    }

    /// <summary>Called before the event loop sleeps: client eviction, and a time-sliced key eviction goes on (evictionTimeProc).</summary>
    internal void BeforeSleep()
    {
        if (_server.Config.MaxMemoryClients != 0) EvictClients(null);
        if (!Running) return;
        if (PerformEvictions() != EvictionResult.Running) Running = false;
    }

    // ---- client eviction (maxmemory-clients) ------------------------------------------------

    /// <summary>INFO evicted_clients.</summary>
    public long EvictedClients { get; private set; }

    /// <summary>CONFIG RESETSTAT (evicted_keys lives in the keyspace stats).</summary>
    public void ResetStats()
    {
        EvictedClients = 0;
        _totalExceededTicks = 0;
        _exceededSinceTicks = 0;
    }

    private readonly List<Client> _evictable = new();

    /// <summary>Valkey's getClientEvictionLimit: bytes, or a percentage of maxmemory; never under 128 KB; 0 = off.</summary>
    public long ClientEvictionLimit()
    {
        long configured = _server.Config.MaxMemoryClients;
        long max = _server.Config.MaxMemory;
        long limit;
        if (configured < 0 && max != 0) limit = (long)((double)(ulong)max * -configured / 100);
        else if (configured > 0) limit = configured;
        else return 0;
        return Math.Max(limit, 128 * 1024);
    }

    /// <summary>
    /// A client's memory as client eviction and CLIENT LIST tot-mem count it (getClientMemoryUsage):
    /// query buffer, unsent replies, a fixed share for the connection's own state, the transaction
    /// (queued arguments, watched keys), subscriptions and tracking prefixes. The command's own
    /// arguments live in the query buffer here, so they are not counted twice. Every term is O(1).
    /// </summary>
    public static long ClientMemory(Client c)
    {
        long mem = c.QueryBufferCapacity + c.Reply.PendingBytes + ClientFixedBytes;
        if (c.Multi is { } multi) mem += multi.MemoryBytes;
        if (c.Subscriptions is { } subs) mem += subs.MemoryBytes;
        // Valkey charges rax nodes for BCAST prefixes; one list slot, key array and registry entry each here.
        if (c.Tracking is { } tracking) mem += (long)tracking.Prefixes.Count * TrackingPrefixBytes;
        return mem;
    }

    /// <summary>What one connection costs besides its buffers (objects, parser, reply writer state).</summary>
    public const long ClientFixedBytes = 2048;

    private const long TrackingPrefixBytes = 96;

    /// <summary>
    /// Valkey's evictClients: while normal and pub/sub clients together use at least the
    /// maxmemory-clients limit, the biggest evictable clients (not CLIENT NO-EVICT) are closed.
    /// <paramref name="current"/> (the client whose command is about to run) is only flagged to
    /// close; returns true if it was chosen, and its command must not run.
    /// </summary>
    public bool EvictClients(Client? current)
    {
        long limit = ClientEvictionLimit();
        if (limit == 0) return false;
        long total = 0;
        _evictable.Clear();
        foreach (var c in _server.Clients)
        {
            if (c.CloseAsap || c.IsClosed) continue;
            total += ClientMemory(c);
            if (!c.NoEvict) _evictable.Add(c);
        }
        if (total < limit) return false;
        _evictable.Sort((a, b) => ClientMemory(b).CompareTo(ClientMemory(a)));
        bool evictedSelf = false;
        foreach (var c in _evictable)
        {
            if (total < limit) break;
            _server.Log.Notice($"Evicting client: id={c.Id} addr={c.PeerAddress} name={c.Name} qbuf={c.QueryBufferLength} qbuf-cap={c.QueryBufferCapacity} omem={c.Reply.PendingBytes} multi-mem={c.Multi?.ArgumentBytes ?? 0} tot-mem={ClientMemory(c)} all-clients={total} limit={limit}");
            total -= ClientMemory(c);
            EvictedClients++;
            if (c == current)
            {
                c.CloseAsap = true;
                _server.QueueWrite(c);
                evictedSelf = true;
            }
            else _server.CloseClient(c);
        }
        if (total >= limit) _server.Log.Warning("Over client maxmemory after evicting all evictable clients");
        _evictable.Clear();
        return evictedSelf;
    }

    // ---- eviction -------------------------------------------------------------------------

    /// <summary>Valkey's performEvictions: frees memory by evicting keys until under maxmemory or out of time.</summary>
    public EvictionResult PerformEvictions()
    {
        // Valkey's isSafeToPerformEvictions: CLIENT PAUSE WRITE/ALL pauses eviction (a fake OK, no metrics).
        // TODO(replication): a replica with replica-ignore-maxmemory yes does not evict either.
        if (_server.Pause.EvictPaused) return EvictionResult.Ok;
        EvictionResult result;
        if (IsUnderLimit(out long toFree))
        {
            result = EvictionResult.Ok;
        }
        else if (Policy == MaxMemoryPolicy.NoEviction)
        {
            result = EvictionResult.Fail;
        }
        else
        {
            result = EvictKeys(toFree);
        }

        if (result == EvictionResult.Ok)
        {
            if (_exceededSinceTicks != 0)
            {
                _totalExceededTicks += Stopwatch.GetTimestamp() - _exceededSinceTicks;
                _exceededSinceTicks = 0;
            }
        }
        else if (_exceededSinceTicks == 0)
        {
            _exceededSinceTicks = Stopwatch.GetTimestamp();
        }
        return result;
    }

    private EvictionResult EvictKeys(long toFree)
    {
        var config = _server.Config;
        long limitUs = TimeLimitMicroseconds(config.MaxMemoryEvictionTenacity);
        long limitTicks = limitUs == long.MaxValue ? long.MaxValue : limitUs * Stopwatch.Frequency / 1_000_000;
        long start = Stopwatch.GetTimestamp();
        bool lazy = config.LazyfreeLazyEviction;
        long freed = 0;
        int keysFreed = 0;
        bool exhausted = false;
        var keyspace = _server.Keyspace;

        while (freed < toFree)
        {
            if (!TryPickVictim(out Database? db, out byte* entry))
            {
                exhausted = true;
                break;
            }
            freed += EvictEntry(db!, entry, lazy);
            keysFreed++;
            if ((keysFreed & 15) == 0)
            {
                // The lazy-free thread releases memory meanwhile: the precomputed target overstates what is left.
                if (lazy && IsUnderLimit(out _)) break;
                if (Stopwatch.GetTimestamp() - start > limitTicks)
                {
                    Running = true;
                    break;
                }
            }
        }

        EvictionResult result;
        if (!exhausted)
        {
            result = Running ? EvictionResult.Running : EvictionResult.Ok;
        }
        else
        {
            // Nothing left to evict, but values may still be going away on the lazy-free
            // thread: wait a little for them (never beyond the time slice).
            result = EvictionResult.Fail;
            long waitStart = Stopwatch.GetTimestamp();
            while (keyspace.LazyFree.PendingObjects > 0 && Stopwatch.GetTimestamp() - start < limitTicks)
            {
                if (IsUnderLimit(out _))
                {
                    result = EvictionResult.Ok;
                    break;
                }
                Thread.Sleep(TimeSpan.FromMicroseconds(Math.Min(1000, Math.Max(1, limitUs))));
            }
            _server.Latency.AddSampleIfNeeded("eviction-lazyfree", (long)Stopwatch.GetElapsedTime(waitStart).TotalMilliseconds);
        }
        _server.Latency.AddSampleIfNeeded("eviction-cycle", (long)Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        return result;
    }

    /// <summary>
    /// Deletes one evicted key through the normal delete path, then reports it as Valkey's
    /// performEvictions does: evicted_keys, the "evicted" event (with propagation as DEL) and
    /// signalModifiedKey (WATCH, tracking). Returns the memory the delete itself released.
    /// </summary>
    private long EvictEntry(Database db, byte* entry, bool lazy)
    {
        ReadOnlySpan<byte> liveKey = Database.KeyOf(entry);
        if (_keyBuffer.Length < liveKey.Length) _keyBuffer = new byte[liveKey.Length];
        liveKey.CopyTo(_keyBuffer);
        ReadOnlySpan<byte> key = _keyBuffer.AsSpan(0, liveKey.Length);

        long before = UsedMemory();
        long start = Stopwatch.GetTimestamp();
        if (lazy) db.DeleteEntryLazy(entry);
        else db.DeleteEntry(entry);
        _server.Latency.AddSampleIfNeeded("eviction-del", (long)Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        long delta = before - UsedMemory();

        _server.Keyspace.Stats.EvictedKeys++;
        // The "evicted" event first, as Database.ExpireEntry does: ServerContext.Notify marks the change
        // as the server's own for tracking (no NOLOOP filtering) and propagates the deletion as DEL.
        _server.Notify(NotifyClass.Evicted, "evicted", key, db.Id);
        _server.KeyModified(db, key);
        return delta;
    }

    /// <summary>Chooses the key to evict under the current policy; false when no candidate exists.</summary>
    private bool TryPickVictim(out Database? victimDb, out byte* victim)
    {
        victimDb = null;
        victim = null;
        var databases = _server.Keyspace.Databases;
        bool allKeys = AllKeys;

        if (Policy is MaxMemoryPolicy.AllKeysRandom or MaxMemoryPolicy.VolatileRandom)
        {
            // One database after another, so that every database loses keys in turn.
            for (int i = 0; i < databases.Length; i++)
            {
                _nextDb = (_nextDb + 1) % databases.Length;
                Database db = databases[_nextDb];
                byte* e = allKeys ? db.Table.RandomEntry(ref _rng) : db.RandomVolatileEntry();
                if (e == null) continue;
                victimDb = db;
                victim = e;
                return true;
            }
            return false;
        }

        int samples = Math.Clamp(_server.Config.MaxMemorySamples, 1, 64);
        while (true)
        {
            long totalKeys = 0;
            // Sample every database: the choice is global, not per database.
            foreach (Database db in databases)
            {
                long keys = allKeys ? db.Count : db.VolatileCount;
                if (keys == 0) continue;
                totalKeys += keys;
                Populate(db, samples, allKeys);
            }
            if (totalKeys == 0) return false;

            // From the best candidate down; a candidate deleted since it was sampled is a ghost.
            while (true)
            {
                int length = _pool.PopBest(ref _keyBuffer, out int dbId, out _);
                if (length < 0) break;
                Database db = databases[dbId];
                byte* e = db.Table.Find(_keyBuffer.AsSpan(0, length));
                if (e == null) continue;
                if (!allKeys && !ValueHeader.HasExpire(Database.Header(e))) continue;
                victimDb = db;
                victim = e;
                return true;
            }
        }
    }

    /// <summary>Valkey's evictionPoolPopulate: samples keys of one database and offers them to the pool with their score.</summary>
    private void Populate(Database db, int samples, bool allKeys)
    {
        var keyspace = _server.Keyspace;
        uint lruClock = keyspace.LruClock;
        int decay = keyspace.Access.LfuDecayTime;
        for (int i = 0; i < samples; i++)
        {
            byte* e = allKeys ? db.Table.RandomEntry(ref _rng) : db.RandomVolatileEntry();
            if (e == null) break;
            ValueHeader* h = Database.Header(e);
            ulong score = Policy switch
            {
                MaxMemoryPolicy.AllKeysLru or MaxMemoryPolicy.VolatileLru => IdleMilliseconds(lruClock, h->AccessClock),
                MaxMemoryPolicy.AllKeysLfu or MaxMemoryPolicy.VolatileLfu => (ulong)(Lfu.MaxCounter - Lfu.DecayedCounter(h->AccessClock, keyspace.NowMs, decay)),
                // The sooner the expiry the better.
                _ => ulong.MaxValue - (ulong)ValueHeader.ExpireAt(h),
            };
            _pool.Insert(score, Database.KeyOf(e), db.Id);
        }
    }

    /// <summary>Valkey's estimateObjectIdleTime: LRU clock distance in ms, allowing for one wrap of the 24-bit clock.</summary>
    public static ulong IdleMilliseconds(uint lruClock, uint accessClock)
    {
        const uint ClockMax = (1u << 24) - 1;
        uint access = accessClock & ClockMax;
        ulong seconds = lruClock >= access ? lruClock - access : lruClock + (ClockMax - access);
        return seconds * 1000;
    }
}
