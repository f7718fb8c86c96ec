using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Valkey.Native.Storage;

/// <summary>Callback for <see cref="KeyTable.Scan{TVisitor}"/>, <see cref="KeyTable.ForEach{TVisitor}"/> and <see cref="KeyTable.Clear{TVisitor}"/>.</summary>
public unsafe interface IKeyTableVisitor
{
    void Visit(byte* entry);
}

/// <summary>When the table may start a resize (mirrors Valkey's dict_can_resize).</summary>
public enum KeyTableResizePolicy : byte
{
    /// <summary>Grow at load 1, shrink at load 1/8.</summary>
    Enable,
    /// <summary>Resize only when badly off (load 4 / load 1/32), e.g. while a snapshot wants few page writes.</summary>
    Avoid,
    /// <summary>Never start a resize.</summary>
    Forbid,
}

/// <summary>
/// Chained hash table of byte-string keys whose entries live in an <see cref="Arena"/>.
/// Each entry is one arena block holding the chain link, the key and a caller-defined payload,
/// so a key costs no GC object and one allocation.
/// </summary>
/// <remarks>
/// <para>Entry layout: <c>[next: 8][hash: 4][keyLength: 4][key bytes][payload]</c>. The payload follows the
/// key unpadded (a 10-byte key wastes no 6 bytes of padding: with size-class rounding that is often
/// a whole class), so payload fields are unaligned; x64 does not mind, and no payload is accessed
/// atomically. Payload readers go through <see cref="PayloadOf"/>/<see cref="PayloadOffset"/>.
/// The stored hash is the low 32 bits of the key's SipHash; bucket indexes use those low bits,
/// which is why tables stop growing at 2^32 buckets, and the rest of them filter out most
/// non-matching keys before any byte comparison.</para>
/// <para>Resizing is incremental, as in Valkey's dict: a resize allocates the new bucket array
/// (zeroed lazily by the OS) and from then on every Find/Add/Unlink moves one bucket, and the
/// server cron calls <see cref="RehashForMicroseconds"/>; so no single operation ever moves
/// more than a handful of entries, however large the table.</para>
/// <para>Threading: the table belongs to the command thread, no locking. Find is not read-only
/// (it advances rehashing).</para>
/// </remarks>
public sealed unsafe class KeyTable : IDisposable
{
    public const int HeaderSize = 16;
    private const int HashOffset = 8;
    private const int KeyLengthOffset = 12;
    private const int InitialExponent = 2;     // 4 buckets
    private const int MaxExponent = 32;        // the stored hash has 32 bits
    private const int MinFillDivisor = 8;      // shrink below 1/8 load (Valkey's HASHTABLE_MIN_FILL)
    private const int ForceResizeRatio = 4;    // Valkey's dict_force_resize_ratio, for Avoid
    private const int RandomSampleSize = 15;   // Valkey's GETFAIR_NUM_ENTRIES

    private readonly Arena _arena;
    private readonly ulong _hashKey0;
    private readonly ulong _hashKey1;

    // Table 0 is the live one; table 1 exists only while rehashing, and receives the entries.
    private byte** _table0;
    private byte** _table1;
    private int _exponent0 = -1;
    private int _exponent1 = -1;
    private long _used0;
    private long _used1;
    private long _rehashIndex = -1;   // buckets of table 0 below it have been moved to table 1
    private int _pauseRehash;         // >0 while entries are being visited: nothing may move
    private bool _disposed;

    /// <summary>
    /// GC-heap bytes of one KeyTable object: its buckets and entries are arena memory, but the
    /// object itself is managed, so used_memory and MEMORY USAGE add this per large collection.
    /// </summary>
    public static long ManagedObjectBytes { get; } = MeasureObjectBytes();

    private static long MeasureObjectBytes()
    {
        using var arena = new Arena();
        long before = GC.GetAllocatedBytesForCurrentThread();
        var table = new KeyTable(arena, 0);
        long bytes = GC.GetAllocatedBytesForCurrentThread() - before;
        GC.KeepAlive(table);
        return bytes;
    }

    public KeyTable(Arena arena, ulong hashSeed)
    {
        _arena = arena ?? throw new ArgumentNullException(nameof(arena));
        _hashKey0 = hashSeed;
        _hashKey1 = KeyHash.DeriveSecondKeyHalf(hashSeed);
    }

    public long Count => _used0 + _used1;
    public bool IsRehashing => _rehashIndex >= 0;
    public long BucketCount => TableSize(_exponent0) + TableSize(_exponent1);
    public long MainTableSize => TableSize(_exponent0);
    public long RehashTargetSize => TableSize(_exponent1);
    public long RehashIndex => _rehashIndex;
    public KeyTableResizePolicy ResizePolicy { get; set; } = KeyTableResizePolicy.Enable;

    /// <summary>
    /// Consulted before growing (Valkey's dictTypeResizeAllowed): the keyspace's main tables refuse
    /// a growth that would push used memory over maxmemory while the load is still tolerable.
    /// </summary>
    public IKeyTableExpandGuard? ExpandGuard { get; set; }

    /// <summary>Bytes held by the bucket arrays (the entries are accounted per block in the arena).</summary>
    public long BucketArrayBytes => BucketCount * sizeof(byte*);

    /// <summary>
    /// The bucket arrays as they are now, for the RDB writer (Persistence/MemoryView.cs): a snapshot
    /// engine captures this at snapshot time and the writer then reads buckets and entries only
    /// through its memory view, never through this managed object.
    /// </summary>
    public Persistence.KeyTableRoot CaptureRoot() =>
        new(_table0, TableSize(_exponent0), _table1, TableSize(_exponent1), Count);

    // ---------------------------------------------------------------- entry layout

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int KeyLength(byte* entry) => *(int*)(entry + KeyLengthOffset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ReadOnlySpan<byte> KeyOf(byte* entry) => new(entry + HeaderSize, KeyLength(entry));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int PayloadOffset(int keyLength) => HeaderSize + keyLength;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte* PayloadOf(byte* entry) => entry + PayloadOffset(KeyLength(entry));

    /// <summary>Bytes an entry with this key and payload occupies before size-class rounding.</summary>
    public static nuint EntrySize(int keyLength, int payloadSize) => (nuint)PayloadOffset(keyLength) + (nuint)payloadSize;

    /// <summary>Payload bytes available in the entry's block (at least what was asked for).</summary>
    public int PayloadCapacity(byte* entry) =>
        (int)((long)_arena.UsableSize(entry) - PayloadOffset(KeyLength(entry)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ref byte* NextOf(byte* entry) => ref *(byte**)entry;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint HashOf(byte* entry) => *(uint*)(entry + HashOffset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private uint HashKey(ReadOnlySpan<byte> key) => (uint)KeyHash.SipHash12(key, _hashKey0, _hashKey1);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static long TableSize(int exponent) => exponent < 0 ? 0 : 1L << exponent;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static long Mask(int exponent) => (1L << exponent) - 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Matches(byte* entry, uint hash, ReadOnlySpan<byte> key) =>
        HashOf(entry) == hash
        && KeyLength(entry) == key.Length
        && new ReadOnlySpan<byte>(entry + HeaderSize, key.Length).SequenceEqual(key);

    // ---------------------------------------------------------------- lookup and insert

    public byte* Find(ReadOnlySpan<byte> key)
    {
        if (Count == 0) return null;
        uint hash = HashKey(key);
        RehashOnAccess(hash);
        return FindWithHash(key, hash);
    }

    /// <summary>Inserts a key that is not present. The payload is uninitialized.</summary>
    public byte* Add(ReadOnlySpan<byte> key, int payloadSize)
    {
        uint hash = HashKey(key);
        if (_table0 != null) RehashOnAccess(hash);
        Debug.Assert(FindWithHash(key, hash) == null, "KeyTable.Add: key already present");
        ExpandIfNeeded();
        return Insert(key, hash, payloadSize);
    }

    public byte* FindOrAdd(ReadOnlySpan<byte> key, int payloadSize, out bool added)
    {
        uint hash = HashKey(key);
        if (_table0 != null)
        {
            RehashOnAccess(hash);
            byte* existing = FindWithHash(key, hash);
            if (existing != null)
            {
                added = false;
                return existing;
            }
        }
        ExpandIfNeeded();
        added = true;
        return Insert(key, hash, payloadSize);
    }

    private byte* FindWithHash(ReadOnlySpan<byte> key, uint hash)
    {
        if (_table0 == null) return null;
        long index = hash & Mask(_exponent0);
        if (index >= _rehashIndex) // also true when not rehashing (-1)
        {
            for (byte* e = _table0[index]; e != null; e = NextOf(e))
                if (Matches(e, hash, key)) return e;
        }
        if (_rehashIndex < 0) return null;
        for (byte* e = _table1[hash & Mask(_exponent1)]; e != null; e = NextOf(e))
            if (Matches(e, hash, key)) return e;
        return null;
    }

    private byte* Insert(ReadOnlySpan<byte> key, uint hash, int payloadSize)
    {
        Debug.Assert(payloadSize >= 0);
        byte* entry = _arena.Alloc(EntrySize(key.Length, payloadSize));
        *(uint*)(entry + HashOffset) = hash;
        *(int*)(entry + KeyLengthOffset) = key.Length;
        key.CopyTo(new Span<byte>(entry + HeaderSize, key.Length));

        // While rehashing, new entries go straight to the new table so the old one only drains.
        if (_rehashIndex >= 0)
        {
            ref byte* head = ref _table1[hash & Mask(_exponent1)];
            NextOf(entry) = head;
            head = entry;
            _used1++;
        }
        else
        {
            ref byte* head = ref _table0[hash & Mask(_exponent0)];
            NextOf(entry) = head;
            head = entry;
            _used0++;
        }
        return entry;
    }

    // ---------------------------------------------------------------- removal and resize of entries

    /// <summary>Removes the entry from the table without freeing it. False if it is not linked here.</summary>
    public bool Unlink(byte* entry)
    {
        if (Count == 0) return false;
        uint hash = HashOf(entry);
        RehashOnAccess(hash);
        byte** slot = LocateSlot(entry, hash, out bool inTable1);
        if (slot == null) return false;
        *slot = NextOf(entry);
        if (inTable1) _used1--; else _used0--;
        if (_pauseRehash == 0) ShrinkIfNeeded();
        return true;
    }

    /// <summary>Finds and unlinks the entry for <paramref name="key"/>; returns it (still allocated) or null.</summary>
    public byte* UnlinkKey(ReadOnlySpan<byte> key)
    {
        byte* entry = Find(key);
        if (entry != null) Unlink(entry);
        return entry;
    }

    /// <summary>Returns an unlinked entry's memory to the arena.</summary>
    public void FreeEntry(byte* entry) => _arena.Free(entry);

    /// <summary>Unlinks and frees the entry of <paramref name="key"/>; false if absent. For payloads that own no memory.</summary>
    public bool Remove(ReadOnlySpan<byte> key)
    {
        byte* entry = UnlinkKey(key);
        if (entry == null) return false;
        FreeEntry(entry);
        return true;
    }

    /// <summary>
    /// Resizes the payload keeping the key and the payload's first min(old, new) bytes.
    /// The entry may move; the table is relinked, and the returned pointer replaces the old one.
    /// </summary>
    public byte* ResizePayload(byte* entry, int newPayloadSize)
    {
        Debug.Assert(newPayloadSize >= 0);
        byte** slot = LocateSlot(entry, HashOf(entry), out _);
        Debug.Assert(slot != null, "ResizePayload: entry is not in this table");
        byte* moved = _arena.Realloc(entry, EntrySize(KeyLength(entry), newPayloadSize));
        if (moved != entry && slot != null) *slot = moved;
        return moved;
    }

    /// <summary>The link that points at <paramref name="entry"/> (a bucket head or a predecessor's next).</summary>
    private byte** LocateSlot(byte* entry, uint hash, out bool inTable1)
    {
        inTable1 = false;
        if (_table0 == null) return null;
        long index = hash & Mask(_exponent0);
        if (index >= _rehashIndex)
        {
            byte** slot = &_table0[index];
            for (; *slot != null; slot = (byte**)*slot)
                if (*slot == entry) return slot;
        }
        if (_rehashIndex < 0) return null;
        inTable1 = true;
        {
            byte** slot = &_table1[hash & Mask(_exponent1)];
            for (; *slot != null; slot = (byte**)*slot)
                if (*slot == entry) return slot;
        }
        return null;
    }

    // ---------------------------------------------------------------- resizing

    public void ExpandIfNeeded()
    {
        if (_table0 == null)
        {
            Resize(InitialExponent);
            return;
        }
        if (_rehashIndex >= 0 || _pauseRehash > 0) return;
        long size = TableSize(_exponent0);
        bool needed = EffectiveResizePolicy switch
        {
            KeyTableResizePolicy.Enable => _used0 >= size,
            KeyTableResizePolicy.Avoid => _used0 >= ForceResizeRatio * size,
            _ => false,
        };
        if (!needed || _exponent0 >= MaxExponent) return;
        int exponent = ExponentFor(_used0 + 1);
        if (ExpandGuard != null && !ExpandGuard.AllowExpand((long)sizeof(byte*) << exponent, (double)_used0 / size)) return;
        Resize(exponent);
    }

    public void ShrinkIfNeeded()
    {
        if (_rehashIndex >= 0 || _pauseRehash > 0 || _exponent0 <= InitialExponent) return;
        long size = TableSize(_exponent0);
        bool needed = EffectiveResizePolicy switch
        {
            KeyTableResizePolicy.Enable => _used0 * MinFillDivisor <= size,
            KeyTableResizePolicy.Avoid => _used0 * MinFillDivisor * ForceResizeRatio <= size,
            _ => false,
        };
        if (needed) Resize(ExponentFor(_used0));
    }

    /// <summary>Smallest exponent whose table holds <paramref name="count"/> entries at load 1.</summary>
    private static int ExponentFor(long count)
    {
        if (count <= 1L << InitialExponent) return InitialExponent;
        int exponent = 64 - System.Numerics.BitOperations.LeadingZeroCount((ulong)(count - 1));
        return Math.Min(exponent, MaxExponent);
    }

    private void Resize(int exponent)
    {
        if (exponent == _exponent0) return;
        // Fresh arena blocks this large are fresh OS mappings: zero without a memset.
        byte** table = (byte**)_arena.AllocZeroed((nuint)sizeof(byte*) << exponent);
        if (_table0 == null || _used0 == 0)
        {
            // Nothing to move: the new table simply replaces the old one.
            if (_table0 != null) _arena.Free((byte*)_table0);
            _table0 = table;
            _exponent0 = exponent;
            return;
        }
        _table1 = table;
        _exponent1 = exponent;
        _rehashIndex = 0;
    }

    /// <summary>
    /// Moves every entry of table-0 bucket <paramref name="index"/> to table 1. When shrinking,
    /// all of them land in one bucket (the index masked down), so their hashes need not be read.
    /// </summary>
    private void RehashBucket(long index)
    {
        bool growing = _exponent1 > _exponent0;
        long mask1 = Mask(_exponent1);
        byte* e = _table0[index];
        while (e != null)
        {
            byte* next = NextOf(e);
            long target = growing ? HashOf(e) & mask1 : index & mask1;
            NextOf(e) = _table1[target];
            _table1[target] = e;
            _used0--;
            _used1++;
            e = next;
        }
        _table0[index] = null;
    }

    private bool CompleteRehashIfDrained()
    {
        if (_used0 != 0) return false;
        _arena.Free((byte*)_table0);
        _table0 = _table1;
        _exponent0 = _exponent1;
        _used0 = _used1;
        _table1 = null;
        _exponent1 = -1;
        _used1 = 0;
        _rehashIndex = -1;
        return true;
    }

    /// <summary>
    /// Valkey's dictRehash under DICT_RESIZE_AVOID/FORBID: while a snapshot (BGSAVE) runs, moving
    /// entries would copy every page they and both bucket arrays live on, so a rehash in progress
    /// waits, unless the tables are badly sized (target 4x larger, or 32x smaller, under Avoid).
    /// </summary>
    /// <summary>
    /// <see cref="ResizePolicy"/>, except that every table of an arena under a copy-on-write
    /// snapshot avoids resizing (Valkey's global dict resize policy while a fork child is alive):
    /// collections' nested tables as much as the keyspace's, whoever started the snapshot.
    /// </summary>
    private KeyTableResizePolicy EffectiveResizePolicy =>
        ResizePolicy == KeyTableResizePolicy.Enable && _arena.SnapshotProtecting ? KeyTableResizePolicy.Avoid : ResizePolicy;

    private bool RehashHeldBack => EffectiveResizePolicy switch
    {
        KeyTableResizePolicy.Enable => false,
        KeyTableResizePolicy.Avoid => _exponent1 - _exponent0 < 2 && _exponent0 - _exponent1 < 5,
        _ => true,
    };

    /// <summary>
    /// One step of rehashing on behalf of a key operation. If the key's own old bucket is still
    /// pending, moving that one is the cheapest step (it is already in cache); otherwise the
    /// next bucket in order moves.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void RehashOnAccess(uint hash)
    {
        if (_rehashIndex < 0 || _pauseRehash > 0 || RehashHeldBack) return;
        long index = hash & Mask(_exponent0);
        if (index >= _rehashIndex && _table0[index] != null)
        {
            RehashBucket(index);
            CompleteRehashIfDrained();
        }
        else
        {
            RehashSteps(1);
        }
    }

    /// <summary>
    /// Moves up to <paramref name="buckets"/> non-empty buckets, visiting at most ten times as many
    /// empty ones so a sparse stretch cannot make one step long. Returns whether work remains.
    /// </summary>
    public bool RehashSteps(int buckets)
    {
        if (_rehashIndex < 0 || _pauseRehash > 0 || RehashHeldBack) return false;
        int emptyVisitsLeft = buckets * 10;
        long size0 = TableSize(_exponent0);
        while (buckets-- > 0 && _used0 != 0)
        {
            Debug.Assert(_rehashIndex < size0);
            while (_table0[_rehashIndex] == null)
            {
                _rehashIndex++;
                if (--emptyVisitsLeft == 0) return true;
            }
            RehashBucket(_rehashIndex);
            _rehashIndex++;
        }
        return !CompleteRehashIfDrained();
    }

    /// <summary>Rehashes in batches of 100 buckets for about <paramref name="microseconds"/>. Returns whether work remains.</summary>
    public bool RehashForMicroseconds(long microseconds)
    {
        long deadline = Stopwatch.GetTimestamp() + microseconds * Stopwatch.Frequency / 1_000_000;
        while (RehashSteps(100))
        {
            if (Stopwatch.GetTimestamp() >= deadline) return true;
        }
        return false;
    }

    // ---------------------------------------------------------------- random sampling

    /// <summary>
    /// A random entry, close to uniform: like Valkey's dictGetFairRandomKey it collects up to 15
    /// entries from consecutive buckets starting at a random one and picks among them, which
    /// evens out the bias of "random bucket, then random chain element". Null if empty.
    /// </summary>
    public byte* RandomEntry(ref ulong rngState)
    {
        if (Count == 0) return null;
        // Small tables: pick exactly uniformly by position. Sampling consecutive buckets until
        // RandomSampleSize entries are seen would wrap around a small table and count the
        // entries met first twice (a measurable bias in HRANDFIELD/SRANDMEMBER distributions).
        if (Count <= ExactRandomLimit) return NthEntry((long)NextRandomBelow(ref rngState, (ulong)Count));
        // Buckets are addressed in one virtual range: table 0 from the rehash index on, then table 1.
        long start0 = _rehashIndex >= 0 ? _rehashIndex : 0;
        long span0 = TableSize(_exponent0) - start0;
        long total = span0 + TableSize(_exponent1);

        byte** samples = stackalloc byte*[RandomSampleSize];
        int seen = 0;
        long position = (long)NextRandomBelow(ref rngState, (ulong)total);
        int emptyRun = 0;
        for (int step = 0; step < RandomSampleSize * 10 && seen < RandomSampleSize; step++)
        {
            byte* e = VirtualBucket(position, start0, span0);
            if (e == null)
            {
                // A long empty stretch says little about where entries are: jump elsewhere.
                if (++emptyRun >= 5 && emptyRun > RandomSampleSize)
                {
                    position = (long)NextRandomBelow(ref rngState, (ulong)total);
                    emptyRun = 0;
                    continue;
                }
            }
            else
            {
                emptyRun = 0;
                // Reservoir sampling to the chain's end, so its tail is as likely as its head.
                for (; e != null; e = NextOf(e), seen++)
                {
                    if (seen < RandomSampleSize) samples[seen] = e;
                    else
                    {
                        ulong slot = NextRandomBelow(ref rngState, (ulong)seen + 1);
                        if (slot < RandomSampleSize) samples[slot] = e;
                    }
                }
            }
            position = position + 1 == total ? 0 : position + 1;
        }
        if (seen > 0) return samples[NextRandomBelow(ref rngState, (ulong)Math.Min(seen, RandomSampleSize))];

        // Unlucky stretch of empty buckets: fall back to probing until a chain is found.
        while (true)
        {
            byte* head = VirtualBucket((long)NextRandomBelow(ref rngState, (ulong)total), start0, span0);
            if (head == null) continue;
            int length = 0;
            for (byte* e = head; e != null; e = NextOf(e)) length++;
            ulong pick = NextRandomBelow(ref rngState, (ulong)length);
            byte* chosen = head;
            while (pick-- > 0) chosen = NextOf(chosen);
            return chosen;
        }
    }

    /// <summary>Up to this many entries RandomEntry walks to a uniformly chosen position.</summary>
    private const long ExactRandomLimit = 64;

    /// <summary>The entry at <paramref name="index"/> in bucket order (both tables while rehashing).</summary>
    private byte* NthEntry(long index)
    {
        long start0 = _rehashIndex >= 0 ? _rehashIndex : 0;
        long span0 = TableSize(_exponent0) - start0;
        long total = span0 + TableSize(_exponent1);
        for (long position = 0; position < total; position++)
        {
            for (byte* e = VirtualBucket(position, start0, span0); e != null; e = NextOf(e))
            {
                if (index-- == 0) return e;
            }
        }
        return null;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private byte* VirtualBucket(long position, long start0, long span0) =>
        position < span0 ? _table0[start0 + position] : _table1[position - span0];

    /// <summary>SplitMix64 step mapped onto [0, bound) by a multiply-high (no modulo bias worth noting).</summary>
    private static ulong NextRandomBelow(ref ulong state, ulong bound)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return Math.BigMul(z, bound, out _);
    }

    // ---------------------------------------------------------------- scan and iteration

    /// <summary>
    /// One step of a stateless, resumable scan (Valkey's reverse-binary cursor). Start with 0;
    /// returns the next cursor, 0 when done. Every key present for the whole scan is visited at
    /// least once, even if the table grows, shrinks or rehashes between calls; some may be
    /// visited twice. The visitor may look keys up and may unlink or free the entry it is
    /// given, but must not add keys.
    /// </summary>
    public ulong Scan<TVisitor>(ulong cursor, ref TVisitor visitor) where TVisitor : struct, IKeyTableVisitor
    {
        if (Count == 0) return 0;
        _pauseRehash++;
        try
        {
            if (_rehashIndex < 0)
            {
                ulong mask = (ulong)Mask(_exponent0);
                VisitChain(_table0[cursor & mask], ref visitor);
                return IncrementReversed(cursor, mask);
            }

            // Visit the smaller table's bucket, then every bucket of the larger table that
            // it expands into; that reduces two tables to the single-table case.
            bool table0Smaller = _exponent0 <= _exponent1;
            byte** small = table0Smaller ? _table0 : _table1;
            byte** large = table0Smaller ? _table1 : _table0;
            ulong smallMask = (ulong)Mask(Math.Min(_exponent0, _exponent1));
            ulong largeMask = (ulong)Mask(Math.Max(_exponent0, _exponent1));

            VisitChain(small[cursor & smallMask], ref visitor);
            do
            {
                VisitChain(large[cursor & largeMask], ref visitor);
                cursor = IncrementReversed(cursor, largeMask);
            } while ((cursor & (smallMask ^ largeMask)) != 0);
            return cursor;
        }
        finally
        {
            _pauseRehash--;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void VisitChain<TVisitor>(byte* e, ref TVisitor visitor) where TVisitor : struct, IKeyTableVisitor
    {
        while (e != null)
        {
            byte* next = NextOf(e); // read first: the visitor may free the entry
            visitor.Visit(e);
            e = next;
        }
    }

    /// <summary>Adds one to the cursor's masked bits counted from the top bit down.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong IncrementReversed(ulong cursor, ulong mask)
    {
        // Setting the unmasked bits makes the carry run straight out of the masked range.
        cursor |= ~mask;
        cursor = ReverseBits(cursor);
        cursor++;
        return ReverseBits(cursor);
    }

    private static ulong ReverseBits(ulong v)
    {
        v = ((v >> 1) & 0x5555555555555555UL) | ((v & 0x5555555555555555UL) << 1);
        v = ((v >> 2) & 0x3333333333333333UL) | ((v & 0x3333333333333333UL) << 2);
        v = ((v >> 4) & 0x0F0F0F0F0F0F0F0FUL) | ((v & 0x0F0F0F0F0F0F0F0FUL) << 4);
        return BinaryPrimitives.ReverseEndianness(v);
    }

    /// <summary>
    /// Visits every entry once. Rehashing is paused meanwhile. The visitor may unlink or free the
    /// entry it is given and look keys up, but must not add keys.
    /// </summary>
    public void ForEach<TVisitor>(ref TVisitor visitor) where TVisitor : struct, IKeyTableVisitor
    {
        _pauseRehash++;
        try
        {
            VisitTable(_table0, _exponent0, ref visitor);
            VisitTable(_table1, _exponent1, ref visitor);
        }
        finally
        {
            _pauseRehash--;
        }
    }

    private static void VisitTable<TVisitor>(byte** table, int exponent, ref TVisitor visitor) where TVisitor : struct, IKeyTableVisitor
    {
        if (table == null) return;
        long size = TableSize(exponent);
        for (long i = 0; i < size; i++) VisitChain(table[i], ref visitor);
    }

    /// <summary>
    /// Empties the table: <paramref name="onEntry"/> sees each entry (to free what its payload
    /// owns), then the entry and the bucket arrays go back to the arena.
    /// </summary>
    public void Clear<TVisitor>(ref TVisitor onEntry) where TVisitor : struct, IKeyTableVisitor
    {
        var freeing = new FreeAfterVisit<TVisitor>(_arena, onEntry);
        VisitTable(_table0, _exponent0, ref freeing);
        VisitTable(_table1, _exponent1, ref freeing);
        onEntry = freeing.Inner;
        if (_table0 != null) _arena.Free((byte*)_table0);
        if (_table1 != null) _arena.Free((byte*)_table1);
        _table0 = _table1 = null;
        _exponent0 = _exponent1 = -1;
        _used0 = _used1 = 0;
        _rehashIndex = -1;
    }

    /// <summary>Empties the table when payloads own nothing.</summary>
    public void Clear()
    {
        var none = default(NoVisitor);
        Clear(ref none);
    }

    private struct NoVisitor : IKeyTableVisitor
    {
        public readonly void Visit(byte* entry) { }
    }

    private struct FreeAfterVisit<TVisitor>(Arena arena, TVisitor inner) : IKeyTableVisitor
        where TVisitor : struct, IKeyTableVisitor
    {
        public TVisitor Inner = inner;

        public void Visit(byte* entry)
        {
            Inner.Visit(entry);
            arena.Free(entry);
        }
    }

    // ---------------------------------------------------------------- statistics

    /// <summary>Chain statistics of one table (0 = main, 1 = rehash target), for DEBUG HTSTATS. O(buckets).</summary>
    public KeyTableStats GetStats(int table)
    {
        byte** buckets = table == 0 ? _table0 : _table1;
        int exponent = table == 0 ? _exponent0 : _exponent1;
        var histogram = new long[KeyTableStats.HistogramLength];
        long nonEmpty = 0, maxChain = 0;
        long size = TableSize(exponent);
        for (long i = 0; i < size; i++)
        {
            long length = 0;
            for (byte* e = buckets[i]; e != null; e = NextOf(e)) length++;
            if (length > 0) nonEmpty++;
            if (length > maxChain) maxChain = length;
            histogram[Math.Min(length, KeyTableStats.HistogramLength - 1)]++;
        }
        return new KeyTableStats(size, table == 0 ? _used0 : _used1, nonEmpty, maxChain, histogram);
    }

    // ---------------------------------------------------------------- teardown

    /// <summary>Frees entries and bucket arrays. Payload-owned memory must be released first via <see cref="Clear{TVisitor}"/>.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Clear();
    }

    /// <summary>Entries in one table (0 = main, 1 = rehash target), for DEBUG HTSTATS without a full walk.</summary>
    public long UsedIn(int table) => table == 0 ? _used0 : _used1;
}

/// <summary>Chain-length statistics of one bucket array.</summary>
/// <param name="ChainLengthHistogram">Index = chain length (last slot: that length or longer) -> number of buckets.</param>
public readonly record struct KeyTableStats(
    long TableSize, long Used, long NonEmptyBuckets, long MaxChainLength, long[] ChainLengthHistogram)
{
    public const int HistogramLength = 50;
}

/// <summary>Decides whether a key table may allocate a bigger bucket array (see <see cref="KeyTable.ExpandGuard"/>).</summary>
public interface IKeyTableExpandGuard
{
    /// <param name="moreBytes">Size of the new bucket array.</param>
    /// <param name="usedRatio">Entries per bucket now.</param>
    bool AllowExpand(long moreBytes, double usedRatio);
}
