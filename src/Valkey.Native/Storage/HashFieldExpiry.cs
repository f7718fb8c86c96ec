using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Valkey.Native.Storage;

/// <summary>
/// The TTLs of one hash's fields ordered by time: a binary min-heap of <c>(expireAtMs, entry)</c>
/// in one arena block, <c>[int count][int capacity][8 spare]</c> then 16-byte items. Each item's
/// table entry records its slot (see <see cref="HashValue.HeapSlotOf"/>), so a field's TTL can be
/// changed or dropped in O(log n), and active expiry pops the earliest ones without scanning the hash.
/// Only hashes with at least one TTL field have a heap.
/// </summary>
internal static unsafe class FieldTtlHeap
{
    private const int HeaderSize = 16;
    private const int MinCapacity = 4;

    [StructLayout(LayoutKind.Sequential)]
    private struct Item
    {
        public long ExpireAt;
        public byte* Entry;
    }

    public static byte* Create(Arena arena, int capacity)
    {
        capacity = Math.Max(capacity, MinCapacity);
        byte* heap = arena.Alloc((nuint)(HeaderSize + capacity * sizeof(Item)));
        *(int*)heap = 0;
        *(int*)(heap + 4) = capacity;
        return heap;
    }

    public static int Count(byte* heap) => *(int*)heap;

    public static int Capacity(byte* heap) => *(int*)(heap + 4);

    private static Item* Items(byte* heap) => (Item*)(heap + HeaderSize);

    public static long MinExpire(byte* heap) => Count(heap) == 0 ? long.MaxValue : Items(heap)[0].ExpireAt;

    public static byte* MinEntry(byte* heap) => Items(heap)[0].Entry;

    /// <summary>Adds an entry (creating the heap when null); returns the heap, which may have moved.</summary>
    public static byte* Push(Arena arena, byte* heap, long expireAt, byte* entry)
    {
        if (heap == null) heap = Create(arena, MinCapacity);
        int n = Count(heap);
        if (n == Capacity(heap))
        {
            int capacity = n * 2;
            heap = arena.Realloc(heap, (nuint)(HeaderSize + capacity * sizeof(Item)));
            *(int*)(heap + 4) = capacity;
        }
        Items(heap)[n] = new Item { ExpireAt = expireAt, Entry = entry };
        *(int*)heap = n + 1;
        SiftUp(heap, n);
        return heap;
    }

    public static void RemoveAt(byte* heap, int slot)
    {
        int last = Count(heap) - 1;
        *(int*)heap = last;
        if (slot == last) return;
        Item* items = Items(heap);
        items[slot] = items[last];
        HashValue.HeapSlotOf(items[slot].Entry) = slot;
        SiftDown(heap, slot);
        SiftUp(heap, slot);
    }

    public static void UpdateExpire(byte* heap, int slot, long expireAt)
    {
        Items(heap)[slot].ExpireAt = expireAt;
        SiftDown(heap, slot);
        SiftUp(heap, slot);
    }

    /// <summary>The entry at <paramref name="slot"/> moved (its table payload was reallocated).</summary>
    public static void Relocate(byte* heap, int slot, byte* entry) => Items(heap)[slot].Entry = entry;

    /// <summary>How many items have a TTL before <paramref name="nowMs"/> (O(n); only hashes with TTL fields pay it).</summary>
    public static long CountExpired(byte* heap, long nowMs)
    {
        Item* items = Items(heap);
        int n = Count(heap);
        long expired = 0;
        for (int i = 0; i < n; i++)
        {
            if (nowMs > items[i].ExpireAt) expired++;
        }
        return expired;
    }

    private static void SiftUp(byte* heap, int slot)
    {
        Item* items = Items(heap);
        Item item = items[slot];
        while (slot > 0)
        {
            int parent = (slot - 1) >> 1;
            if (items[parent].ExpireAt <= item.ExpireAt) break;
            items[slot] = items[parent];
            HashValue.HeapSlotOf(items[slot].Entry) = slot;
            slot = parent;
        }
        items[slot] = item;
        HashValue.HeapSlotOf(item.Entry) = slot;
    }

    private static void SiftDown(byte* heap, int slot)
    {
        Item* items = Items(heap);
        int n = Count(heap);
        Item item = items[slot];
        while (true)
        {
            int child = 2 * slot + 1;
            if (child >= n) break;
            if (child + 1 < n && items[child + 1].ExpireAt < items[child].ExpireAt) child++;
            if (items[child].ExpireAt >= item.ExpireAt) break;
            items[slot] = items[child];
            HashValue.HeapSlotOf(items[slot].Entry) = slot;
            slot = child;
        }
        items[slot] = item;
        HashValue.HeapSlotOf(item.Entry) = slot;
    }
}

/// <summary>
/// One database's set of hash keys that have fields with a TTL (Valkey's keys_with_volatile_items):
/// what the active field-expiry cycle walks, and INFO keyspace's keys_with_volatile_items. An
/// arena key table of key copies, empty and costless while no hash field has a TTL. The database
/// forgets a hash's key when the key is deleted, overwritten, renamed or moved, and tracks the new
/// key of a RENAME/MOVE/COPY whose value has TTL fields; the hash commands keep it in step with
/// <see cref="HashValue.HasVolatileFields"/>. The active cycle drops any key it finds stale.
/// </summary>
public sealed unsafe class HashFieldIndex : IDisposable
{
    private readonly KeyTable _keys;

    public HashFieldIndex(Arena arena, ulong hashSeed) => _keys = new KeyTable(arena, hashSeed);

    public long Count => _keys.Count;

    /// <summary>Where the active cycle resumes its scan.</summary>
    internal ulong Cursor { get; set; }

    public bool Contains(ReadOnlySpan<byte> key) => _keys.Count != 0 && _keys.Find(key) != null;

    public void Track(ReadOnlySpan<byte> key) => _keys.FindOrAdd(key, 0, out _);

    public void Untrack(ReadOnlySpan<byte> key)
    {
        if (_keys.Count != 0) _keys.Remove(key);
    }

    /// <summary>Keeps the set in step after a command changed the hash at <paramref name="key"/>.</summary>
    public void Update(ReadOnlySpan<byte> key, ValueHeader* header, bool wasVolatile)
    {
        bool isVolatile = HashValue.HasVolatileFields(header);
        if (isVolatile == wasVolatile) return;
        if (isVolatile) Track(key);
        else Untrack(key);
    }

    /// <summary>A keyspace entry is going away or being overwritten (database hook; cheap for non-hashes).</summary>
    public void Forget(byte* entry)
    {
        if (_keys.Count != 0 && Database.Header(entry)->Type == DataType.Hash) _keys.Remove(Database.KeyOf(entry));
    }

    /// <summary>A hash arrived under a new key (RENAME, MOVE, COPY): tracks it if it has TTL fields.</summary>
    public void TrackIfVolatile(byte* entry)
    {
        ValueHeader* header = Database.Header(entry);
        if (header->Type == DataType.Hash && HashValue.HasVolatileFields(header)) Track(Database.KeyOf(entry));
    }

    public void Clear()
    {
        _keys.Clear();
        Cursor = 0;
    }

    internal ulong Scan<TVisitor>(ulong cursor, ref TVisitor visitor) where TVisitor : struct, IKeyTableVisitor =>
        _keys.Scan(cursor, ref visitor);

    public void Dispose() => _keys.Dispose();
}

/// <summary>
/// Active expiry of hash fields (Valkey's FIELDS job of activeExpireCycle): walks each database's
/// <see cref="HashFieldIndex"/> with a persistent cursor and deletes, per hash visited, up to a
/// bounded number of fields whose TTL passed, earliest first (from the hash's TTL heap). A hash
/// left empty is deleted. Bounded by the caller's deadline, checked after every hash.
/// </summary>
public static unsafe class HashFieldExpiry
{
    /// <summary>Keys gathered by one scan step (command thread only, reused).</summary>
    private sealed class KeyBatch
    {
        public byte[] Bytes = new byte[4096];
        public int Used;
        public readonly List<(int Offset, int Length)> Keys = new();

        public void Clear()
        {
            Used = 0;
            Keys.Clear();
        }

        public void Add(ReadOnlySpan<byte> key)
        {
            if (Used + key.Length > Bytes.Length) Array.Resize(ref Bytes, Math.Max(Bytes.Length * 2, Used + key.Length));
            key.CopyTo(Bytes.AsSpan(Used));
            Keys.Add((Used, key.Length));
            Used += key.Length;
        }

        public ReadOnlySpan<byte> this[int i] => Bytes.AsSpan(Keys[i].Offset, Keys[i].Length);
    }

    private readonly struct Collector(KeyBatch batch) : IKeyTableVisitor
    {
        public void Visit(byte* entry) => batch.Add(KeyTable.KeyOf(entry));
    }

    private static readonly KeyBatch s_batch = new();

    /// <summary>
    /// One pass over the databases: <paramref name="keysPerLoop"/> hashes per round, up to four times
    /// as many fields per hash per visit, repeating a database while more than
    /// <paramref name="acceptableStalePercent"/>% of the visited hashes had expired fields.
    /// Returns false if it stopped because of <paramref name="deadlineTicks"/> (Stopwatch ticks).
    /// </summary>
    public static bool ActiveExpireCycle(Keyspace keyspace, int keysPerLoop, int acceptableStalePercent, long deadlineTicks)
    {
        long now = keyspace.NowMs;
        int maxFields = keysPerLoop * 4;
        var batch = s_batch;
        foreach (var db in keyspace.Databases)
        {
            var index = db.VolatileHashes;
            while (index.Count > 0)
            {
                long target = Math.Min(keysPerLoop, index.Count);
                batch.Clear();
                var collector = new Collector(batch);
                ulong cursor = index.Cursor;
                long buckets = 0;
                do
                {
                    cursor = index.Scan(cursor, ref collector);
                    buckets++;
                } while (cursor != 0 && batch.Keys.Count < target && buckets < target * 10);
                index.Cursor = cursor;

                int sampled = 0, expired = 0;
                bool outOfTime = false;
                for (int i = 0; i < batch.Keys.Count; i++)
                {
                    int removed, total = 0;
                    do
                    {
                        removed = ReclaimExpiredFields(keyspace, db, batch[i], now, maxFields);
                        total += removed;
                        outOfTime = Stopwatch.GetTimestamp() > deadlineTicks;
                    } while (removed == maxFields && !outOfTime);
                    sampled++;
                    if (total > 0) expired++;
                    if (outOfTime) break;
                }
                keyspace.Stats.ExpiredFieldKeySamples += sampled;
                keyspace.Stats.ExpiredFieldKeyStaleSamples += expired;
                if (outOfTime)
                {
                    keyspace.Stats.ExpiredTimeCapReachedCount++;
                    return false;
                }
                if (cursor == 0 || sampled == 0 || expired * 100 / sampled <= acceptableStalePercent) break;
            }
        }
        return true;
    }

    /// <summary>
    /// Valkey's dbReclaimExpiredFields for one key: deletes up to <paramref name="maxFields"/> expired
    /// fields, counts them in expired_fields, emits "hexpired" (and "del" when the hash empties), and
    /// keeps the index right. A key that is gone or has no TTL fields leaves the index. Returns the
    /// number of fields deleted.
    /// </summary>
    public static int ReclaimExpiredFields(Keyspace keyspace, Database db, ReadOnlySpan<byte> key, long nowMs, int maxFields)
    {
        byte* entry = db.Table.Find(key);
        ValueHeader* header = entry == null ? null : Database.Header(entry);
        if (header == null || header->Type != DataType.Hash || !HashValue.HasVolatileFields(header))
        {
            db.VolatileHashes.Untrack(key);
            return 0;
        }
        int removed = HashValue.DeleteExpiredFields(keyspace, header, nowMs, maxFields);
        if (removed == 0) return 0;
        keyspace.Stats.ExpiredFields += removed;
        keyspace.Observer.Notify(NotifyClass.Expired, "hexpired", key, db.Id);
        if (HashValue.Count(keyspace, header) == 0)
        {
            db.DeleteEntry(entry);
            keyspace.Observer.Notify(NotifyClass.Generic, "del", key, db.Id);
        }
        else if (!HashValue.HasVolatileFields(header))
        {
            db.VolatileHashes.Untrack(key);
        }
        keyspace.Observer.KeyModified(db, key);
        return removed;
    }
}
