using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Valkey.Native.Storage;

/// <summary>How a lookup treats the key (Valkey's LOOKUP_* flags).</summary>
[Flags]
public enum LookupFlags
{
    None = 0,
    /// <summary>Do not update the access clock (OBJECT, TYPE... and CLIENT NO-TOUCH).</summary>
    NoTouch = 1,
    /// <summary>Do not count keyspace hits/misses (writes count nothing).</summary>
    NoStats = 2,
    /// <summary>Lookup for a write: counts nothing.</summary>
    Write = NoStats,
}

/// <summary>
/// One numbered database: the key table, the list of keys that carry a TTL (sampled by
/// active expiry) and every keyspace operation commands build on. Entries and values live
/// in the shared arena; an entry pointer is valid until the next operation that may move
/// it (resize, delete), so command code re-reads it after such calls.
/// </summary>
public sealed unsafe class Database : IDisposable
{
    private readonly Keyspace _keyspace;
    private KeyTable _table;
    private byte** _volatile;
    private int _volatileCount;
    private int _volatileCapacity;
    private ulong _rng;

    internal Database(int id, Keyspace keyspace, ulong hashSeed)
    {
        Id = id;
        _keyspace = keyspace;
        _table = new KeyTable(keyspace.Arena, hashSeed) { ExpandGuard = keyspace };
        _rng = hashSeed ^ (ulong)(id + 1) * 0x9E3779B97F4A7C15UL;
        VolatileHashes = new HashFieldIndex(keyspace.Arena, hashSeed);
    }

    /// <summary>Hash keys with field TTLs (active field expiry, INFO keys_with_volatile_items); see <see cref="HashFieldIndex"/>.</summary>
    public HashFieldIndex VolatileHashes { get; private set; }

    public int Id { get; }
    public Keyspace Keyspace => _keyspace;
    public Arena Arena => _keyspace.Arena;
    public long Count => _table.Count;
    public long VolatileCount => _volatileCount;
    /// <summary>Slots in the array of keys with a TTL (DEBUG HTSTATS reports it as the expires table).</summary>
    public long VolatileCapacity => _volatileCapacity;
    public KeyTable Table => _table;

    /// <summary>Average TTL of the keys sampled by the last active-expire cycles (INFO keyspace avg_ttl).</summary>
    public long AverageTtlMs { get; internal set; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ValueHeader* Header(byte* entry) => (ValueHeader*)KeyTable.PayloadOf(entry);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ReadOnlySpan<byte> KeyOf(byte* entry) => KeyTable.KeyOf(entry);

    // ---- lookup ----------------------------------------------------------------------

    /// <summary>
    /// Finds a live key: an expired key is deleted (lazy expiry) and reported missing.
    /// Updates the access clock and hit/miss counters according to <paramref name="flags"/>.
    /// </summary>
    public byte* Lookup(ReadOnlySpan<byte> key, LookupFlags flags = LookupFlags.None)
    {
        byte* entry = _table.Find(key);
        if (entry != null && IsExpired(entry))
        {
            if (_keyspace.LazyExpireDeletes) ExpireEntry(entry);
            entry = null;
        }
        if ((flags & LookupFlags.NoStats) == 0)
        {
            if (entry == null)
            {
                _keyspace.Stats.Misses++;
                // Valkey's lookupKey: a read miss is the "keymiss" event (class 'm').
                _keyspace.Observer.Notify(NotifyClass.KeyMiss, "keymiss", key, Id);
            }
            else _keyspace.Stats.Hits++;
        }
        // As Valkey skips it while a fork child saves: a snapshot is running, and a read that
        // rewrote the access clock would copy the entry's page for nothing but an LRU hint.
        if (entry != null && (flags & LookupFlags.NoTouch) == 0 && !_keyspace.SuppressTouch && !Arena.SnapshotProtecting)
        {
            ValueHeader* touched = Header(entry);
            touched->AccessClock = _keyspace.Access.Touched(touched->AccessClock, _keyspace);
        }
        return entry;
    }

    public byte* LookupRead(ReadOnlySpan<byte> key) => Lookup(key, LookupFlags.None);
    public byte* LookupWrite(ReadOnlySpan<byte> key) => Lookup(key, LookupFlags.Write);

    /// <summary>True if the key exists and is not logically expired; never deletes or counts.</summary>
    public bool Exists(ReadOnlySpan<byte> key)
    {
        byte* entry = _table.Find(key);
        return entry != null && !IsExpired(entry);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool IsExpired(byte* entry)
    {
        long at = ValueHeader.ExpireAt(Header(entry));
        return at != ValueHeader.NoExpire && at <= _keyspace.NowMs && !_keyspace.LoadingAof;
    }

    // ---- creation and resizing ---------------------------------------------------------

    /// <summary>Adds a new key (which must not exist) with an initialized header and <paramref name="dataSize"/> bytes of data.</summary>
    public byte* Add(ReadOnlySpan<byte> key, DataType type, ValueEncoding encoding, int dataSize)
    {
        byte* entry = _table.Add(key, ValueHeader.Size + dataSize);
        ValueHeader.Init(Header(entry), type, encoding, _keyspace.Access.NewWord(_keyspace));
        // dbAdd: clients blocked on this key may now be served, then the "new" event.
        if (type is DataType.List or DataType.SortedSet or DataType.Stream) SignalKeyAsReady(key, type);
        _keyspace.Observer.Notify(NotifyClass.New, "new", key, Id);
        return entry;
    }

    // ---- blocked clients -----------------------------------------------------------------

    /// <summary>
    /// Valkey's signalKeyAsReady: clients blocked on <paramref name="key"/> (BLPOP, BZPOPMIN,
    /// XREAD...) get a chance to be served after the current command. <see cref="Add"/> calls it
    /// for new lists, sorted sets and streams; call it directly only when data is added to an
    /// existing key that blocked clients may wait on (stream appends). Cheap when nobody blocks.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void SignalKeyAsReady(ReadOnlySpan<byte> key, DataType type) => _keyspace.Readiness?.KeyReady(this, key, type);

    /// <summary>Valkey's signalDeletedKeyAsReady: the key was deleted or its value replaced by another type.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void SignalDeletedKeyAsReady(ReadOnlySpan<byte> key, DataType type) => _keyspace.Readiness?.DeletedKeyReady(this, key, type);

    /// <summary>
    /// Changes the inline data size of a value (an expiry block, if any, stays); the entry may
    /// move (volatile list kept in step).
    /// </summary>
    public byte* ResizeData(byte* entry, int dataSize)
    {
        byte* moved = _table.ResizePayload(entry, Header(entry)->DataOffset + dataSize);
        if (moved != entry) EntryMoved(moved);
        return moved;
    }

    /// <summary>
    /// <see cref="ResizeData"/> for a value about to be written whole (its old data is gone): an
    /// expiry block left without a TTL by <see cref="RemoveExpire"/> is dropped on the way, so
    /// SET without EX over a key that had a TTL gets back to the smaller entry.
    /// </summary>
    private byte* ReplaceData(byte* entry, int dataSize)
    {
        ValueHeader* h = Header(entry);
        if (h->HasExpireBlock && ValueHeader.VolatileSlot(h) < 0) ValueHeader.DropExpireBlock(h);
        return ResizeData(entry, dataSize);
    }

    private void EntryMoved(byte* moved)
    {
        int slot = ValueHeader.VolatileSlot(Header(moved));
        if (slot >= 0) _volatile[slot] = moved;
    }

    // ---- strings ---------------------------------------------------------------------

    /// <summary>
    /// Stores a string value under <paramref name="key"/>, replacing any value of any type.
    /// Keeps the TTL only when <paramref name="keepTtl"/>. Returns the entry.
    /// </summary>
    public byte* SetString(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, bool keepTtl = false)
    {
        var encoding = StringValue.ChooseEncoding(value, out long intValue, out int dataSize);
        byte* entry = _table.Find(key);
        if (entry == null)
        {
            entry = Add(key, DataType.String, encoding, dataSize);
        }
        else
        {
            ValueHeader* old = Header(entry);
            if (old->Type != DataType.String) SignalDeletedKeyAsReady(key, old->Type);
            // A stale expired key is simply overwritten; its TTL goes with it.
            if (!keepTtl || IsExpired(entry)) RemoveExpire(entry);
            VolatileHashes.Forget(entry);
            FreeOverwritten(old);
            entry = ReplaceData(entry, dataSize);
        }
        ValueHeader* h = Header(entry);
        uint accessWord = h->AccessClock;
        StringValue.Write(Arena, h, value, encoding, intValue);
        // A new key got its initial word in Add; an overwrite keeps LFU data, refreshes LRU.
        h->AccessClock = _keyspace.Access.Overwritten(accessWord, _keyspace);
        return entry;
    }

    /// <summary>
    /// Valkey's setKey for a value a command builds whole (ZUNIONSTORE, ZRANGESTORE...): adds the key,
    /// or replaces the value of an existing one of any type in place, so that no "new" event fires
    /// for it (dbOverwrite); the TTL goes. Returns the entry with <paramref name="dataSize"/> bytes of
    /// data and a header of the given type and encoding, for the caller to initialize.
    /// </summary>
    public byte* SetNewValue(ReadOnlySpan<byte> key, DataType type, ValueEncoding encoding, int dataSize)
    {
        byte* entry = _table.Find(key);
        if (entry == null) return Add(key, type, encoding, dataSize);
        ValueHeader* old = Header(entry);
        SignalDeletedKeyAsReady(key, old->Type);
        RemoveExpire(entry);
        VolatileHashes.Forget(entry);
        FreeOverwritten(old);
        entry = ReplaceData(entry, dataSize);
        ValueHeader* h = Header(entry);
        h->Type = type;
        h->Encoding = encoding;
        h->Flags = 0;
        h->Length = 0;
        h->AccessClock = _keyspace.Access.Overwritten(h->AccessClock, _keyspace);
        return entry;
    }

    /// <summary>dbSetValue's overwrite: the old value goes to the lazy freer when lazyfree-lazy-server-del is on.</summary>
    private void FreeOverwritten(ValueHeader* old)
    {
        if (_keyspace.LazyFree.ServerDel) _keyspace.LazyFree.FreeValue(old);
        else ValueMemory.Free(_keyspace, old);
    }

    /// <summary>Stores an integer as an int-encoded string (INCR family), replacing any value.</summary>
    public byte* SetInteger(byte* existingEntry, ReadOnlySpan<byte> key, long value)
    {
        byte* entry = existingEntry;
        if (entry == null)
        {
            entry = Add(key, DataType.String, ValueEncoding.Int, sizeof(long));
        }
        else
        {
            ValueMemory.Free(_keyspace, Header(entry));
            entry = ResizeData(entry, sizeof(long));
        }
        ValueHeader* h = Header(entry);
        h->Type = DataType.String;
        h->Encoding = ValueEncoding.Int;
        h->Length = 0;
        *(long*)ValueHeader.DataOf(h) = value;
        return entry;
    }

    /// <summary>
    /// Makes the string at <paramref name="entry"/> raw-encoded and at least
    /// <paramref name="minLength"/> bytes long (new bytes zeroed), for APPEND/SETRANGE,
    /// growing greedily as sdsMakeRoomFor does. Returns the writable buffer.
    /// </summary>
    public byte* MakeStringRaw(ref byte* entry, int minLength)
    {
        ValueHeader* h = Header(entry);
        if (h->Encoding == ValueEncoding.Raw)
        {
            byte* block = ValueHeader.PointerAt(h);
            int length = h->Length;
            if (minLength > length)
            {
                if ((nuint)minLength > Arena.UsableSize(block))
                {
                    long grown = minLength < 1024 * 1024 ? minLength * 2L : minLength + 1024L * 1024;
                    // Greedy growth is capped, but never below what the caller needs (proto-max-bulk-len may exceed 512 MB).
                    block = Arena.Realloc(block, (nuint)Math.Max(minLength, Math.Min(grown, StringValue.MaxLength + 1024 * 1024)));
                    ValueHeader.SetPointer(h, block);
                }
                new Span<byte>(block + length, minLength - length).Clear();
                h->Length = minLength;
            }
            return block;
        }

        Span<byte> scratch = stackalloc byte[24];
        ReadOnlySpan<byte> current = StringValue.Read(h, scratch);
        int newLength = Math.Max(minLength, current.Length);
        byte* raw = Arena.Alloc((nuint)Math.Max(newLength, 1));
        current.CopyTo(new Span<byte>(raw, current.Length));
        new Span<byte>(raw + current.Length, newLength - current.Length).Clear();
        entry = ResizeData(entry, sizeof(byte*));
        h = Header(entry);
        h->Encoding = ValueEncoding.Raw;
        h->Length = newLength;
        ValueHeader.SetPointer(h, raw);
        return raw;
    }

    // ---- deletion --------------------------------------------------------------------

    /// <summary>Deletes a key if present (expired or not). Returns whether something was removed.</summary>
    public bool Delete(ReadOnlySpan<byte> key)
    {
        byte* entry = _table.Find(key);
        if (entry == null) return false;
        DeleteEntry(entry);
        return true;
    }

    /// <summary>
    /// Valkey's dbDelete: a server-side delete (RENAME/MOVE targets, emptied containers, *STORE
    /// destinations...), lazy when lazyfree-lazy-server-del is on.
    /// </summary>
    public void DeleteEntry(byte* entry)
    {
        if (_keyspace.LazyFree.ServerDel) DeleteEntryLazy(entry);
        else DeleteEntrySync(entry);
    }

    /// <summary>Valkey's dbSyncDelete: frees the value on this thread (DEL with lazyfree-lazy-user-del off).</summary>
    public void DeleteEntrySync(byte* entry)
    {
        VolatileHashes.Forget(entry);
        SignalDeletedKeyAsReady(KeyOf(entry), Header(entry)->Type);
        RemoveExpire(entry);
        _table.Unlink(entry);
        ValueMemory.Free(_keyspace, Header(entry));
        _table.FreeEntry(entry);
    }

    /// <summary>
    /// Valkey's dbAsyncDelete (UNLINK, DEL with lazyfree-lazy-user-del): like <see cref="DeleteEntry"/>,
    /// but a value that is expensive to free is handed to the lazy-free worker.
    /// </summary>
    public void DeleteEntryLazy(byte* entry)
    {
        VolatileHashes.Forget(entry);
        SignalDeletedKeyAsReady(KeyOf(entry), Header(entry)->Type);
        RemoveExpire(entry);
        _table.Unlink(entry);
        _keyspace.LazyFree.FreeValue(Header(entry));
        _table.FreeEntry(entry);
    }

    /// <summary>Deletes an expired key and reports it as Valkey does (stats, "expired" event).</summary>
    internal void ExpireEntry(byte* entry)
    {
        Span<byte> keyCopy = KeyTable.KeyLength(entry) <= 256 ? stackalloc byte[256] : new byte[KeyTable.KeyLength(entry)];
        var key = KeyOf(entry);
        key.CopyTo(keyCopy);
        keyCopy = keyCopy[..key.Length];
        if (_keyspace.LazyFree.Expire) DeleteEntryLazy(entry);
        else DeleteEntrySync(entry);
        _keyspace.Stats.ExpiredKeys++;
        _keyspace.Observer.Notify(NotifyClass.Expired, "expired", keyCopy, Id);
        _keyspace.Observer.KeyModified(this, keyCopy);
    }

    /// <summary>Unlinks an entry without freeing its value (RENAME/MOVE move it to a new entry).</summary>
    internal void UnlinkKeepValue(byte* entry)
    {
        VolatileHashes.Forget(entry);
        SignalDeletedKeyAsReady(KeyOf(entry), Header(entry)->Type);
        RemoveExpire(entry);
        _table.Unlink(entry);
        _table.FreeEntry(entry);
    }

    /// <summary>
    /// Re-homes the value of <paramref name="sourceEntry"/> (from any database) under
    /// <paramref name="newKey"/> in this database, which must not contain it. The source key
    /// disappears; its value memory is moved, not copied. Keeps the TTL when <paramref name="keepTtl"/>.
    /// </summary>
    public byte* MoveValueFrom(Database source, byte* sourceEntry, ReadOnlySpan<byte> newKey, bool keepTtl = true)
    {
        ValueHeader* src = Header(sourceEntry);
        int dataSize = ValueMemory.InlineDataSize(src);
        long expireAt = ValueHeader.ExpireAt(src);
        byte* entry = Add(newKey, src->Type, src->Encoding, dataSize);
        ValueHeader* dst = Header(entry);
        ValueHeader.CopyBase(src, dst);
        Buffer.MemoryCopy(ValueHeader.DataOf(src), ValueHeader.DataOf(dst), dataSize, dataSize);
        source.UnlinkKeepValue(sourceEntry);
        if (keepTtl && expireAt != ValueHeader.NoExpire) entry = SetExpire(entry, expireAt);
        VolatileHashes.TrackIfVolatile(entry);
        return entry;
    }

    /// <summary>Deep-copies a value under a new key in this database (COPY). The key must not exist here.</summary>
    public byte* CopyValueFrom(byte* sourceEntry, ReadOnlySpan<byte> newKey)
    {
        ValueHeader* src = Header(sourceEntry);
        int dataSize = ValueMemory.InlineDataSize(src);
        long expireAt = ValueHeader.ExpireAt(src);
        byte* entry = Add(newKey, src->Type, src->Encoding, dataSize);
        ValueHeader* dst = Header(entry);
        ValueHeader.CopyBase(src, dst);
        Buffer.MemoryCopy(ValueHeader.DataOf(src), ValueHeader.DataOf(dst), dataSize, dataSize);
        ValueMemory.CloneInto(_keyspace, src, dst);
        if (expireAt != ValueHeader.NoExpire) entry = SetExpire(entry, expireAt);
        VolatileHashes.TrackIfVolatile(entry);
        return entry;
    }

    // ---- expiry ----------------------------------------------------------------------

    /// <summary>
    /// Sets the key's TTL. A key that never had one first gets its expiry block, which grows
    /// the entry: the entry may MOVE, so the returned pointer replaces <paramref name="entry"/>
    /// (and any header pointer taken from it).
    /// </summary>
    public byte* SetExpire(byte* entry, long atMs)
    {
        ValueHeader* h = Header(entry);
        if (!h->HasExpireBlock)
        {
            int dataSize = ValueMemory.InlineDataSize(h);
            byte* moved = _table.ResizePayload(entry, ValueHeader.Size + ValueHeader.ExpireBlockSize + dataSize);
            // Not in the volatile list yet (no block), so nothing else points at the entry.
            entry = moved;
            h = Header(entry);
            ValueHeader.InsertExpireBlock(h, dataSize);
        }
        int slot = ValueHeader.VolatileSlot(h);
        if (slot >= 0)
        {
            ValueHeader.SetExpireFields(h, atMs, slot);
            return entry;
        }
        if (_volatileCount == _volatileCapacity)
        {
            // From the arena, so used_memory counts it (it grows with the number of keys with a TTL).
            _volatileCapacity = Math.Max(16, _volatileCapacity * 2);
            nuint bytes = (nuint)(_volatileCapacity * sizeof(byte*));
            _volatile = (byte**)(_volatile == null ? Arena.Alloc(bytes) : Arena.Realloc((byte*)_volatile, bytes));
        }
        ValueHeader.SetExpireFields(h, atMs, _volatileCount);
        _volatile[_volatileCount++] = entry;
        return entry;
    }

    /// <summary>Removes the TTL; returns whether the key had one.</summary>
    public bool RemoveExpire(byte* entry)
    {
        // The block stays (NoExpire, slot -1): removing it would move the entry, and a key that
        // had a TTL once often gets one again.
        ValueHeader* h = Header(entry);
        if (!h->HasExpireBlock) return false;
        int slot = ValueHeader.VolatileSlot(h);
        ValueHeader.SetExpireFields(h, ValueHeader.NoExpire, -1);
        if (slot < 0) return false;
        byte* last = _volatile[--_volatileCount];
        if (slot != _volatileCount)
        {
            _volatile[slot] = last;
            ValueHeader.SetVolatileSlot(Header(last), slot);
        }
        return true;
    }

    /// <summary>
    /// One pass of active expiry over this database: samples keys with a TTL in rounds of
    /// <paramref name="samplesPerRound"/> and goes on while more than
    /// <paramref name="acceptableStalePercent"/>% of a round was expired and time remains.
    /// Returns false if it stopped because of the time limit.
    /// </summary>
    public bool ActiveExpire(int samplesPerRound, int acceptableStalePercent, long deadlineTicks)
    {
        long ttlSum = 0, ttlSamples = 0;
        int iteration = 0;
        while (_volatileCount > 0)
        {
            int sampled = 0, expired = 0;
            int rounds = Math.Min(samplesPerRound, _volatileCount);
            for (int i = 0; i < rounds && _volatileCount > 0; i++)
            {
                int slot = (int)(NextRandom() % (ulong)_volatileCount);
                byte* entry = _volatile[slot];
                sampled++;
                long at = ValueHeader.ExpireAt(Header(entry));
                if (at <= _keyspace.NowMs)
                {
                    ExpireEntry(entry);
                    expired++;
                }
                else
                {
                    ttlSum += at - _keyspace.NowMs;
                    ttlSamples++;
                }
            }
            _keyspace.Stats.ExpiredSamples += sampled;
            _keyspace.Stats.ExpiredStaleSamples += expired;
            if (ttlSamples > 0)
            {
                long avg = ttlSum / ttlSamples;
                AverageTtlMs = AverageTtlMs == 0 ? avg : (AverageTtlMs / 50) * 49 + avg / 50;
            }
            if ((++iteration & 15) == 0 && Stopwatch.GetTimestamp() > deadlineTicks)
            {
                _keyspace.Stats.ExpiredTimeCapReachedCount++;
                return false;
            }
            if (sampled == 0 || expired * 100 / sampled <= acceptableStalePercent) break;
        }
        return true;
    }

    /// <summary>A random key with a TTL (volatile-* eviction samples the expires set), or null if none.</summary>
    internal byte* RandomVolatileEntry() => _volatileCount == 0 ? null : _volatile[(int)(NextRandom() % (ulong)_volatileCount)];

    internal ulong NextRandom()
    {
        // xorshift64*: cheap, good enough for sampling.
        _rng ^= _rng >> 12; _rng ^= _rng << 25; _rng ^= _rng >> 27;
        return _rng * 2685821657736338717UL;
    }

    /// <summary>A random live key (RANDOMKEY); expired keys met on the way are deleted.</summary>
    public byte* RandomLiveEntry()
    {
        for (int attempts = 0; attempts < 100 && _table.Count > 0; attempts++)
        {
            byte* entry = _table.RandomEntry(ref _rng);
            if (entry == null) return null;
            if (!IsExpired(entry)) return entry;
            // All keys volatile and expired: give up after some tries like Valkey does.
            if (_keyspace.LazyExpireDeletes) ExpireEntry(entry);
        }
        return null;
    }

    // ---- whole database ----------------------------------------------------------------

    /// <summary>Removes every key (FLUSHDB). Returns how many were removed.</summary>
    public long Clear()
    {
        _keyspace.Observer.DatabaseTouched(this, null);
        _keyspace.Readiness?.DatabaseEmptying(this);
        long removed = _table.Count;
        var freer = new ValueMemory.EntryValueFreer(_keyspace);
        _table.Clear(ref freer);
        _volatileCount = 0;
        AverageTtlMs = 0;
        VolatileHashes.Clear();
        return removed;
    }

    /// <summary>
    /// Valkey's emptyDbAsync (FLUSHDB/FLUSHALL ASYNC): swaps in an empty table and hands the
    /// old one, keys and values, to the lazy-free worker. Returns how many keys were removed.
    /// </summary>
    public long ClearAsync()
    {
        _keyspace.Observer.DatabaseTouched(this, null);
        _keyspace.Readiness?.DatabaseEmptying(this);
        long removed = _table.Count;
        if (removed == 0) return 0;
        KeyTable old = _table;
        _table = new KeyTable(_keyspace.Arena, _keyspace.HashSeed) { ExpandGuard = _keyspace };
        _volatileCount = 0;
        AverageTtlMs = 0;
        VolatileHashes.Clear();
        _keyspace.LazyFree.FreeTable(old);
        return removed;
    }

    internal void SwapContents(Database other)
    {
        (_table, other._table) = (other._table, _table);
        byte** volatileKeys = _volatile;
        _volatile = other._volatile;
        other._volatile = volatileKeys;
        (_volatileCount, other._volatileCount) = (other._volatileCount, _volatileCount);
        (_volatileCapacity, other._volatileCapacity) = (other._volatileCapacity, _volatileCapacity);
        (AverageTtlMs, other.AverageTtlMs) = (other.AverageTtlMs, AverageTtlMs);
        (VolatileHashes, other.VolatileHashes) = (other.VolatileHashes, VolatileHashes);
    }

    public void Dispose()
    {
        Clear();
        _table.Dispose();
        VolatileHashes.Dispose();
        if (_volatile != null) Arena.Free((byte*)_volatile);
        _volatile = null;
    }
}
