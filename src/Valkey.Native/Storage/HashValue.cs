using System.Runtime.CompilerServices;

namespace Valkey.Native.Storage;

/// <summary>Receives the fields of a hash in iteration order (HGETALL, HKEYS...).</summary>
public unsafe interface IHashVisitor
{
    void Visit(ReadOnlySpan<byte> field, ReadOnlySpan<byte> value);
}

/// <summary>What <see cref="HashValue.SetField"/> did to the field.</summary>
public enum HashSetResult
{
    /// <summary>A live field got a new value.</summary>
    Updated,
    /// <summary>The field did not exist.</summary>
    Added,
    /// <summary>The field existed but its TTL had passed (not yet reclaimed): replaced as if new (Valkey's expired_overwritten).</summary>
    ReplacedExpired,
}

/// <summary>The NX/XX/GT/LT conditions of HEXPIRE and friends (Valkey's EXPIRE_* flags).</summary>
[Flags]
public enum FieldExpireCondition
{
    None = 0,
    Nx = 1,
    Xx = 2,
    Gt = 4,
    Lt = 8,
}

/// <summary>
/// Hash values in Valkey's two encodings. "listpack": one arena block of field/value pairs (Listpack's
/// tagged items: canonical integers stored as integers, as Valkey does) in insertion order, scanned linearly (small hashes: compact and cache
/// friendly). "hashtable": a KeyTable keyed by field whose payload is the value, used once
/// the hash outgrows hash-max-listpack-entries / hash-max-listpack-value (never converted back,
/// as in Valkey). The value's 8 data bytes hold the block pointer or the table's handle.
/// </summary>
/// <remarks>
/// <para>Field TTLs (Valkey 9's hash field expiration) exist only in the hashtable encoding: a
/// listpack hash converts when a field first gets a TTL, as in Valkey. A field's payload is
/// <c>[varint length &lt;&lt; 1][value]</c> (1 byte of prefix up to 63-byte values, so a 13-byte
/// field and value fit the 48-byte class); a field with a TTL sets the low bit and carries
/// <c>[int length &lt;&lt; 1 | 1][int heap slot][long expireAtMs][value]</c>. A hash with such fields has
/// <see cref="VolatileFieldsFlag"/> in its header Flags and an arena min-heap of
/// <c>(expireAtMs, entry)</c> (see <see cref="FieldTtlHeap"/>) whose pointer is split over the
/// header's Length word (unused by hashes) and the upper half of the data word (the table
/// handle is an int). A hash without TTL fields has neither, so it pays nothing beyond one
/// bit test when a field is read.</para>
/// <para>A field whose TTL has passed but which active expiry has not reclaimed yet is invisible
/// to every read and to HDEL/HEXPIRE/HPERSIST, still counted by <see cref="Count"/> (HLEN, as in
/// Valkey), and overwritten as a new field by the set operations.</para>
/// </remarks>
public static unsafe class HashValue
{
    /// <summary>Header flag: the hash (hashtable encoded) has at least one field with a TTL.</summary>
    public const ushort VolatileFieldsFlag = 0x0001;

    private const int VolatilePrefix = 16;

    // ---- creation ----------------------------------------------------------------------

    /// <summary>Turns a freshly added entry (8 data bytes) into an empty listpack hash.</summary>
    public static void InitEmpty(Keyspace keyspace, ValueHeader* header)
    {
        header->Type = DataType.Hash;
        header->Encoding = ValueEncoding.ListPack;
        ValueHeader.SetPointer(header, Listpack.Create(keyspace.Arena));
    }

    /// <summary>Number of fields, including expired fields not reclaimed yet (HLEN, as Valkey's hashTypeLength).</summary>
    public static long Count(Keyspace keyspace, ValueHeader* header) => header->Encoding == ValueEncoding.ListPack
        ? Listpack.Count(ValueHeader.PointerAt(header))
        : Table(keyspace, header).Count;

    /// <summary>Number of fields a reader sees: <see cref="Count"/> minus the expired ones not yet reclaimed.</summary>
    public static long LiveCount(Keyspace keyspace, ValueHeader* header)
    {
        long count = Count(keyspace, header);
        return HasVolatileFields(header) ? count - FieldTtlHeap.CountExpired(Heap(header), keyspace.NowMs) : count;
    }

    private static KeyTable Table(Keyspace keyspace, ValueHeader* header) =>
        keyspace.Handles.Get<KeyTable>(*(int*)ValueHeader.DataOf(header));

    /// <summary>The field table of a "hashtable" hash (DEBUG HTSTATS-KEY).</summary>
    internal static KeyTable HashTableOf(Keyspace keyspace, ValueHeader* header) => Table(keyspace, header);

    // ---- TTL bookkeeping -----------------------------------------------------------------

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool HasVolatileFields(ValueHeader* header) => (header->Flags & VolatileFieldsFlag) != 0;

    /// <summary>The hash's TTL heap (null when no field has a TTL).</summary>
    internal static byte* Heap(ValueHeader* header) =>
        (byte*)(((ulong)*(uint*)(ValueHeader.DataOf(header) + 4) << 32) | (uint)header->Length);

    private static void SetHeap(ValueHeader* header, byte* heap)
    {
        header->Length = (int)(uint)(ulong)heap;
        *(uint*)(ValueHeader.DataOf(header) + 4) = (uint)((ulong)heap >> 32);
        if (heap != null) header->Flags |= VolatileFieldsFlag;
        else header->Flags &= unchecked((ushort)~VolatileFieldsFlag);
    }

    /// <summary>Number of fields with a TTL (expired or not).</summary>
    public static long VolatileFieldCount(ValueHeader* header) => HasVolatileFields(header) ? FieldTtlHeap.Count(Heap(header)) : 0;

    /// <summary>The earliest field TTL of the hash, or -1.</summary>
    public static long NextFieldExpire(ValueHeader* header) => HasVolatileFields(header) ? FieldTtlHeap.MinExpire(Heap(header)) : -1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsVolatile(byte* payload) => (*payload & 1) != 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static long PayloadExpire(byte* payload) => IsVolatile(payload) ? *(long*)(payload + 8) : -1;

    /// <summary>Valkey's entryIsExpired: a TTL is over once the clock is past it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool PayloadExpired(byte* payload, long now) => IsVolatile(payload) && now > *(long*)(payload + 8);

    /// <summary>Bytes of a plain payload's length prefix (a varint of length &lt;&lt; 1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int PlainPrefixSize(int length)
    {
        int n = 1;
        for (uint x = (uint)length << 1; x >= 0x80; x >>= 7) n++;
        return n;
    }

    /// <summary>Payload bytes of a field without TTL whose value is <paramref name="length"/> bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int PlainSize(int length) => PlainPrefixSize(length) + length;

    /// <summary>The value in a payload, plain or volatile; <paramref name="offset"/> is where it starts.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ReadOnlySpan<byte> PayloadValue(byte* payload, out int offset)
    {
        if (IsVolatile(payload))
        {
            offset = VolatilePrefix;
            return new ReadOnlySpan<byte>(payload + VolatilePrefix, (int)(*(uint*)payload >> 1));
        }
        uint x = 0;
        int shift = 0, p = 0;
        byte b;
        do
        {
            b = payload[p++];
            x |= (uint)(b & 0x7F) << shift;
            shift += 7;
        } while ((b & 0x80) != 0);
        offset = p;
        return new ReadOnlySpan<byte>(payload + p, (int)(x >> 1));
    }

    /// <summary>Entry's slot in the TTL heap (volatile fields only).</summary>
    internal static ref int HeapSlotOf(byte* entry) => ref *(int*)(KeyTable.PayloadOf(entry) + 4);

    // ---- lookup ------------------------------------------------------------------------

    public static bool TryGet(Keyspace keyspace, ValueHeader* header, ReadOnlySpan<byte> field, out ReadOnlySpan<byte> value)
    {
        if (header->Encoding == ValueEncoding.ListPack)
        {
            byte* block = ValueHeader.PointerAt(header);
            int pos = FindInListpack(block, field, out int valuePos);
            if (pos < 0) { value = default; return false; }
            value = ReadItem(block, valuePos, out _);
            return true;
        }
        byte* entry = Table(keyspace, header).Find(field);
        if (entry == null) { value = default; return false; }
        byte* payload = KeyTable.PayloadOf(entry);
        if (PayloadExpired(payload, keyspace.NowMs)) { value = default; return false; }
        value = PayloadValue(payload, out _);
        return true;
    }

    /// <summary>Valkey's hashTypeGetExpiry: false if the field is missing (or expired), else its TTL or -1.</summary>
    public static bool TryGetFieldExpire(Keyspace keyspace, ValueHeader* header, ReadOnlySpan<byte> field, out long expireAtMs)
    {
        expireAtMs = -1;
        if (header->Encoding == ValueEncoding.ListPack) return FindInListpack(ValueHeader.PointerAt(header), field, out _) >= 0;
        byte* entry = Table(keyspace, header).Find(field);
        if (entry == null) return false;
        byte* payload = KeyTable.PayloadOf(entry);
        if (PayloadExpired(payload, keyspace.NowMs)) return false;
        expireAtMs = PayloadExpire(payload);
        return true;
    }

    public static bool Exists(Keyspace keyspace, ValueHeader* header, ReadOnlySpan<byte> field) =>
        TryGet(keyspace, header, field, out _);

    // ---- updates -----------------------------------------------------------------------

    /// <summary>Sets a field (clearing any TTL it had); returns true if it was new. Converts to hashtable past the limits.</summary>
    public static bool Set(Keyspace keyspace, ValueHeader* header, ReadOnlySpan<byte> field, ReadOnlySpan<byte> value,
        int maxListpackEntries, int maxListpackValue) =>
        SetField(keyspace, header, field, value, -1, false, maxListpackEntries, maxListpackValue) != HashSetResult.Updated;

    /// <summary>
    /// Valkey's hashTypeSet: sets a field to <paramref name="value"/> with the TTL
    /// <paramref name="expireAtMs"/> (-1: none). With <paramref name="keepTtl"/> a live field keeps
    /// the TTL it has. An expired field that was not reclaimed yet is overwritten as a new one.
    /// Converts to hashtable past the listpack limits or when a TTL is given.
    /// </summary>
    public static HashSetResult SetField(Keyspace keyspace, ValueHeader* header, ReadOnlySpan<byte> field, ReadOnlySpan<byte> value,
        long expireAtMs, bool keepTtl, int maxListpackEntries, int maxListpackValue)
    {
        if (header->Encoding == ValueEncoding.ListPack)
        {
            if (expireAtMs < 0)
            {
                byte* block = ValueHeader.PointerAt(header);
                int pairs = *(int*)(block + 4);
                int fieldPos = FindInListpack(block, field, out int valuePos);
                bool fits = field.Length <= maxListpackValue && value.Length <= maxListpackValue
                    && *(int*)block + 10L + field.Length + value.Length <= Listpack.MaxSafeBytes;
                // An update keeps the listpack only while it is within the entry limit (the limit
                // may have been lowered by CONFIG SET since): Valkey checks the length after every set.
                if (fieldPos >= 0 && fits && pairs <= maxListpackEntries)
                {
                    ReplaceListpackValue(keyspace.Arena, header, valuePos, value);
                    return HashSetResult.Updated;
                }
                if (fieldPos < 0 && fits && pairs + 1 <= maxListpackEntries)
                {
                    AppendListpackPair(keyspace.Arena, header, field, value);
                    return HashSetResult.Added;
                }
            }
            ConvertToTable(keyspace, header);
        }
        var table = Table(keyspace, header);
        if (expireAtMs < 0 && !keepTtl)
        {
            // The common case (HSET): one probe, the TTL (if any) goes away.
            byte* entry = table.FindOrAdd(field, PlainSize(value.Length), out bool added);
            if (added)
            {
                WritePlain(entry, value);
                return HashSetResult.Added;
            }
            var result = HashSetResult.Updated;
            byte* payload = KeyTable.PayloadOf(entry);
            if (IsVolatile(payload))
            {
                if (keyspace.NowMs > *(long*)(payload + 8)) result = HashSetResult.ReplacedExpired;
                RemoveFromHeap(keyspace, header, entry);
            }
            entry = table.ResizePayload(entry, PlainSize(value.Length));
            WritePlain(entry, value);
            return result;
        }
        return SetInTableWithTtl(keyspace, header, table, field, value, expireAtMs, keepTtl);
    }

    private static HashSetResult SetInTableWithTtl(Keyspace keyspace, ValueHeader* header, KeyTable table,
        ReadOnlySpan<byte> field, ReadOnlySpan<byte> value, long expireAtMs, bool keepTtl)
    {
        byte* entry = table.Find(field);
        if (entry == null)
        {
            if (expireAtMs < 0)
            {
                WritePlain(table.Add(field, PlainSize(value.Length)), value);
                return HashSetResult.Added;
            }
            entry = table.Add(field, VolatilePrefix + value.Length);
            WriteVolatile(entry, value, expireAtMs);
            PushToHeap(keyspace, header, entry, expireAtMs);
            return HashSetResult.Added;
        }
        byte* payload = KeyTable.PayloadOf(entry);
        long current = PayloadExpire(payload);
        bool expired = current >= 0 && keyspace.NowMs > current;
        if (keepTtl && !expired && expireAtMs < 0) expireAtMs = current;
        var result = expired ? HashSetResult.ReplacedExpired : HashSetResult.Updated;
        if (expireAtMs < 0)
        {
            if (current >= 0) RemoveFromHeap(keyspace, header, entry);
            entry = table.ResizePayload(entry, PlainSize(value.Length));
            WritePlain(entry, value);
            return result;
        }
        if (current < 0)
        {
            entry = table.ResizePayload(entry, VolatilePrefix + value.Length);
            WriteVolatile(entry, value, expireAtMs);
            PushToHeap(keyspace, header, entry, expireAtMs);
            return result;
        }
        int slot = HeapSlotOf(entry);
        entry = table.ResizePayload(entry, VolatilePrefix + value.Length);
        WriteVolatile(entry, value, expireAtMs); // keeps the slot word
        FieldTtlHeap.Relocate(Heap(header), slot, entry);
        FieldTtlHeap.UpdateExpire(Heap(header), slot, expireAtMs);
        return result;
    }

    /// <summary>Deletes a live field; returns whether it existed. An expired field is left to active expiry (as Valkey's HDEL). The caller deletes an emptied key.</summary>
    public static bool Delete(Keyspace keyspace, ValueHeader* header, ReadOnlySpan<byte> field) => Delete(keyspace, header, field, ignoreTtl: false);

    /// <summary>Deletes a field; with <paramref name="ignoreTtl"/> an expired, unreclaimed field is deleted too (HSETEX with a past time).</summary>
    public static bool Delete(Keyspace keyspace, ValueHeader* header, ReadOnlySpan<byte> field, bool ignoreTtl)
    {
        if (header->Encoding == ValueEncoding.ListPack)
        {
            byte* block = ValueHeader.PointerAt(header);
            int fieldPos = FindInListpack(block, field, out int valuePos);
            if (fieldPos < 0) return false;
            int end = Listpack.SkipTagged(block, valuePos);
            Listpack.RemoveRange(block, fieldPos, end, entries: 1);
            return true;
        }
        var table = Table(keyspace, header);
        byte* entry = table.Find(field);
        if (entry == null) return false;
        byte* payload = KeyTable.PayloadOf(entry);
        if (IsVolatile(payload))
        {
            if (!ignoreTtl && keyspace.NowMs > *(long*)(payload + 8)) return false;
            RemoveFromHeap(keyspace, header, entry);
        }
        table.Unlink(entry);
        table.FreeEntry(entry);
        return true;
    }

    /// <summary>
    /// Valkey's hashTypeSetExpire: -2 the field is missing, 0 a condition failed, 1 the TTL was
    /// set, 2 the time is not in the future and the field was deleted. A listpack hash converts
    /// to hashtable only when a TTL is actually set.
    /// </summary>
    public static int SetFieldExpire(Keyspace keyspace, ValueHeader* header, ReadOnlySpan<byte> field, long expireAtMs, FieldExpireCondition condition)
    {
        bool timeIsPast = expireAtMs <= keyspace.NowMs;
        if (header->Encoding == ValueEncoding.ListPack)
        {
            if (FindInListpack(ValueHeader.PointerAt(header), field, out _) < 0) return -2;
            // Listpack fields have no TTL: XX and GT cannot hold.
            if ((condition & (FieldExpireCondition.Xx | FieldExpireCondition.Gt)) != 0) return 0;
            if (timeIsPast)
            {
                Delete(keyspace, header, field);
                return 2;
            }
            ConvertToTable(keyspace, header);
        }
        var table = Table(keyspace, header);
        byte* entry = table.Find(field);
        if (entry == null) return -2;
        byte* payload = KeyTable.PayloadOf(entry);
        if (PayloadExpired(payload, keyspace.NowMs)) return -2;
        long current = PayloadExpire(payload);
        if ((condition & FieldExpireCondition.Nx) != 0 && current != -1) return 0;
        if ((condition & FieldExpireCondition.Xx) != 0 && current == -1) return 0;
        if ((condition & FieldExpireCondition.Gt) != 0 && (current == -1 || expireAtMs <= current)) return 0;
        if ((condition & FieldExpireCondition.Lt) != 0 && current != -1 && expireAtMs >= current) return 0;
        if (timeIsPast)
        {
            if (current != -1) RemoveFromHeap(keyspace, header, entry);
            table.Unlink(entry);
            table.FreeEntry(entry);
            return 2;
        }
        if (current != -1)
        {
            *(long*)(payload + 8) = expireAtMs;
            FieldTtlHeap.UpdateExpire(Heap(header), HeapSlotOf(entry), expireAtMs);
            return 1;
        }
        // Make room for the TTL words in front of the value.
        int length = PayloadValue(payload, out int plainOffset).Length;
        entry = table.ResizePayload(entry, VolatilePrefix + length);
        payload = KeyTable.PayloadOf(entry);
        Buffer.MemoryCopy(payload + plainOffset, payload + VolatilePrefix, length, length);
        *(int*)payload = (length << 1) | 1;
        *(long*)(payload + 8) = expireAtMs;
        PushToHeap(keyspace, header, entry, expireAtMs);
        return 1;
    }

    /// <summary>Valkey's hashTypePersist: -2 the field is missing, -1 it has no TTL, 1 the TTL was removed.</summary>
    public static int PersistField(Keyspace keyspace, ValueHeader* header, ReadOnlySpan<byte> field)
    {
        if (header->Encoding == ValueEncoding.ListPack)
            return FindInListpack(ValueHeader.PointerAt(header), field, out _) >= 0 ? -1 : -2;
        var table = Table(keyspace, header);
        byte* entry = table.Find(field);
        if (entry == null) return -2;
        byte* payload = KeyTable.PayloadOf(entry);
        if (!IsVolatile(payload)) return -1;
        if (keyspace.NowMs > *(long*)(payload + 8)) return -2;
        RemoveFromHeap(keyspace, header, entry);
        int length = PayloadValue(payload, out _).Length;
        int prefix = PlainPrefixSize(length);
        Buffer.MemoryCopy(payload + VolatilePrefix, payload + prefix, length, length);
        WritePlainPrefix(payload, length);
        table.ResizePayload(entry, prefix + length);
        return 1;
    }

    /// <summary>
    /// Active expiry of fields (Valkey's hashTypeDeleteExpiredFields): deletes up to
    /// <paramref name="maxFields"/> fields whose TTL is at or before <paramref name="nowMs"/>, earliest
    /// first. Returns how many were deleted. The caller deletes an emptied key.
    /// </summary>
    public static int DeleteExpiredFields(Keyspace keyspace, ValueHeader* header, long nowMs, int maxFields)
    {
        if (!HasVolatileFields(header)) return 0;
        var table = Table(keyspace, header);
        int deleted = 0;
        while (deleted < maxFields && HasVolatileFields(header))
        {
            byte* heap = Heap(header);
            if (FieldTtlHeap.MinExpire(heap) > nowMs) break;
            byte* entry = FieldTtlHeap.MinEntry(heap);
            RemoveFromHeap(keyspace, header, entry);
            table.Unlink(entry);
            table.FreeEntry(entry);
            deleted++;
        }
        return deleted;
    }

    public static void ForEach<TVisitor>(Keyspace keyspace, ValueHeader* header, ref TVisitor visitor) where TVisitor : IHashVisitor
    {
        if (header->Encoding == ValueEncoding.ListPack)
        {
            byte* block = ValueHeader.PointerAt(header);
            int used = *(int*)block;
            int pos = Listpack.HeaderSize;
            while (pos < used)
            {
                var f = ReadItem(block, pos, out pos);
                var v = ReadItem(block, pos, out pos);
                visitor.Visit(f, v);
            }
            return;
        }
        var adapter = new TableVisitor<TVisitor>(visitor, keyspace.NowMs);
        Table(keyspace, header).ForEach(ref adapter);
        visitor = adapter.Inner;
    }

    /// <summary>Hands live fields to the inner visitor (expired, unreclaimed fields are skipped as Valkey's hashtable validation does).</summary>
    private struct TableVisitor<TVisitor>(TVisitor inner, long now) : IKeyTableVisitor where TVisitor : IHashVisitor
    {
        public TVisitor Inner = inner;

        public void Visit(byte* entry)
        {
            byte* payload = KeyTable.PayloadOf(entry);
            if (!PayloadExpired(payload, now)) Inner.Visit(KeyTable.KeyOf(entry), PayloadValue(payload, out _));
        }
    }

    // ---- random access and scan (HSTRLEN, HRANDFIELD, HSCAN) ------------------------------

    /// <summary>Length of a field's value, 0 if the field is missing (Valkey's hashTypeGetValueLength).</summary>
    public static int ValueLength(Keyspace keyspace, ValueHeader* header, ReadOnlySpan<byte> field) =>
        TryGet(keyspace, header, field, out var value) ? value.Length : 0;

    /// <summary>State of the generator behind the random picks (command thread only).</summary>
    private static ulong s_rngState = (ulong)Environment.TickCount64 * 0x9E3779B97F4A7C15UL ^ 0xD1B54A32D192ED03UL;

    /// <summary>A uniform random number in [0, bound) (bound &gt; 0); SplitMix64 mapped by multiply-high.</summary>
    public static ulong NextRandom(ulong bound)
    {
        ulong z = s_rngState += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return Math.BigMul(z, bound, out _);
    }

    /// <summary>
    /// A random field and its value of a non-empty hash (listpack: uniform; hashtable: the
    /// table's fair random entry). Returns an identity of the pair (stable until the hash
    /// changes) so that callers can tell repeated picks apart. Expired fields are not skipped:
    /// hashes with field TTLs use <see cref="TryRandomLivePair"/>.
    /// </summary>
    public static nint RandomPair(Keyspace keyspace, ValueHeader* header, out ReadOnlySpan<byte> field, out ReadOnlySpan<byte> value)
    {
        if (header->Encoding == ValueEncoding.ListPack)
        {
            byte* block = ValueHeader.PointerAt(header);
            int pairs = *(int*)(block + 4);
            long skip = (long)NextRandom((ulong)pairs);
            int pos = Listpack.HeaderSize;
            while (skip-- > 0) pos = Listpack.SkipTagged(block, Listpack.SkipTagged(block, pos));
            return ListpackPairAt(header, pos, out field, out value);
        }
        byte* entry = Table(keyspace, header).RandomEntry(ref s_rngState);
        field = KeyTable.KeyOf(entry);
        value = TableValue(entry);
        return (nint)entry;
    }

    /// <summary>
    /// Valkey's hashTypeRandomElement: a random live field, trying up to 100 picks on a hash with
    /// field TTLs; false when every try met an expired field.
    /// </summary>
    public static bool TryRandomLivePair(Keyspace keyspace, ValueHeader* header, out nint id, out ReadOnlySpan<byte> field, out ReadOnlySpan<byte> value)
    {
        if (!HasVolatileFields(header))
        {
            id = RandomPair(keyspace, header, out field, out value);
            return true;
        }
        var table = Table(keyspace, header);
        long now = keyspace.NowMs;
        for (int tries = 0; tries < 100; tries++)
        {
            byte* entry = table.RandomEntry(ref s_rngState);
            if (PayloadExpired(KeyTable.PayloadOf(entry), now)) continue;
            id = (nint)entry;
            field = KeyTable.KeyOf(entry);
            value = TableValue(entry);
            return true;
        }
        id = 0;
        field = value = default;
        return false;
    }

    /// <summary>
    /// Fills <paramref name="offsets"/> (at least <see cref="Count"/> long) with the position of
    /// every pair of a listpack hash, for repeated O(1) picks with <see cref="ListpackPairAt"/>.
    /// </summary>
    public static int ListpackPairOffsets(ValueHeader* header, Span<int> offsets)
    {
        byte* block = ValueHeader.PointerAt(header);
        int used = *(int*)block;
        int pos = Listpack.HeaderSize, n = 0;
        while (pos < used)
        {
            offsets[n++] = pos;
            pos = Listpack.SkipTagged(block, Listpack.SkipTagged(block, pos));
        }
        return n;
    }

    /// <summary>The pair at a position given by <see cref="ListpackPairOffsets"/>; returns the position.</summary>
    public static nint ListpackPairAt(ValueHeader* header, int offset, out ReadOnlySpan<byte> field, out ReadOnlySpan<byte> value)
    {
        byte* block = ValueHeader.PointerAt(header);
        field = ReadItem(block, offset, out int next);
        value = ReadItem(block, next, out _);
        return offset;
    }

    /// <summary>
    /// One step of HSCAN over a hashtable-encoded hash (Valkey's reverse-binary cursor); returns the
    /// next cursor, 0 when done. The spans handed to the visitor stay valid until the hash changes.
    /// Expired fields are skipped.
    /// </summary>
    public static ulong ScanTable<TVisitor>(Keyspace keyspace, ValueHeader* header, ulong cursor, ref TVisitor visitor) where TVisitor : IHashVisitor
    {
        var adapter = new TableVisitor<TVisitor>(visitor, keyspace.NowMs);
        cursor = Table(keyspace, header).Scan(cursor, ref adapter);
        visitor = adapter.Inner;
        return cursor;
    }

    // ---- memory ------------------------------------------------------------------------

    /// <summary>Frees the value's memory (may run on the lazy-free thread, on a copy of the header).</summary>
    public static void Free(Keyspace keyspace, ValueHeader* header)
    {
        if (header->Encoding == ValueEncoding.ListPack)
        {
            keyspace.Arena.Free(ValueHeader.PointerAt(header));
            return;
        }
        if (HasVolatileFields(header))
        {
            keyspace.Arena.Free(Heap(header));
            SetHeap(header, null);
        }
        int handle = *(int*)ValueHeader.DataOf(header);
        var table = keyspace.Handles.Get<KeyTable>(handle);
        table.Clear();
        table.Dispose();
        keyspace.Handles.Remove(handle);
    }

    /// <summary>Deep copy for COPY: same encoding, same fields, same field TTLs.</summary>
    public static void CloneInto(Keyspace keyspace, ValueHeader* source, ValueHeader* target)
    {
        if (source->Encoding == ValueEncoding.ListPack)
        {
            byte* block = ValueHeader.PointerAt(source);
            int used = *(int*)block;
            byte* copy = keyspace.Arena.Alloc((nuint)used);
            Buffer.MemoryCopy(block, copy, used, used);
            ValueHeader.SetPointer(target, copy);
            return;
        }
        var clone = new KeyTable(keyspace.Arena, keyspace.HashSeed);
        byte* heap = null;
        if (HasVolatileFields(source)) heap = FieldTtlHeap.Create(keyspace.Arena, FieldTtlHeap.Capacity(Heap(source)));
        var copier = new TableCopier(clone, keyspace.Arena, heap);
        Table(keyspace, source).ForEach(ref copier);
        *(long*)ValueHeader.DataOf(target) = keyspace.Handles.Add(clone);
        SetHeap(target, copier.Heap);
    }

    private struct TableCopier(KeyTable target, Arena arena, byte* heap) : IKeyTableVisitor
    {
        public byte* Heap = heap;

        public void Visit(byte* entry)
        {
            byte* payload = KeyTable.PayloadOf(entry);
            int size = PayloadValue(payload, out int offset).Length + offset;
            byte* copy = target.Add(KeyTable.KeyOf(entry), size);
            Buffer.MemoryCopy(payload, KeyTable.PayloadOf(copy), size, size);
            if (IsVolatile(payload)) Heap = FieldTtlHeap.Push(arena, Heap, *(long*)(payload + 8), copy);
        }
    }

    public static long MemoryBytes(Keyspace keyspace, ValueHeader* header)
    {
        if (header->Encoding == ValueEncoding.ListPack) return (long)keyspace.Arena.UsableSize(ValueHeader.PointerAt(header));
        var table = Table(keyspace, header);
        var sizer = new TableSizer(keyspace.Arena);
        table.ForEach(ref sizer);
        long heapBytes = HasVolatileFields(header) ? (long)keyspace.Arena.UsableSize(Heap(header)) : 0;
        return sizer.Bytes + table.BucketArrayBytes + heapBytes;
    }

    private struct TableSizer(Arena arena) : IKeyTableVisitor
    {
        public long Bytes;
        public void Visit(byte* entry) => Bytes += (long)arena.UsableSize(entry);
    }

    // ---- hashtable encoding helpers ----------------------------------------------------

    /// <summary>The value of a table entry, whether or not it carries a TTL.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ReadOnlySpan<byte> TableValue(byte* entry)
    {
        return PayloadValue(KeyTable.PayloadOf(entry), out _);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WritePlain(byte* entry, ReadOnlySpan<byte> value)
    {
        byte* payload = KeyTable.PayloadOf(entry);
        int prefix = WritePlainPrefix(payload, value.Length);
        value.CopyTo(new Span<byte>(payload + prefix, value.Length));
    }

    /// <summary>Writes a plain payload's length prefix (a varint of length &lt;&lt; 1: the low bit 0 tells it from a TTL payload); returns its size.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int WritePlainPrefix(byte* payload, int length)
    {
        int pos = 0;
        uint x = (uint)length << 1;
        while (x >= 0x80) { payload[pos++] = (byte)(x | 0x80); x >>= 7; }
        payload[pos++] = (byte)x;
        return pos;
    }

    /// <summary>Writes a TTL field's payload; the heap slot word is left as it is.</summary>
    private static void WriteVolatile(byte* entry, ReadOnlySpan<byte> value, long expireAtMs)
    {
        byte* payload = KeyTable.PayloadOf(entry);
        *(int*)payload = (value.Length << 1) | 1;
        *(long*)(payload + 8) = expireAtMs;
        value.CopyTo(new Span<byte>(payload + VolatilePrefix, value.Length));
    }

    private static void PushToHeap(Keyspace keyspace, ValueHeader* header, byte* entry, long expireAtMs) =>
        SetHeap(header, FieldTtlHeap.Push(keyspace.Arena, Heap(header), expireAtMs, entry));

    /// <summary>Takes a TTL field out of the heap; the last one out frees the heap and clears the flag.</summary>
    private static void RemoveFromHeap(Keyspace keyspace, ValueHeader* header, byte* entry)
    {
        byte* heap = Heap(header);
        FieldTtlHeap.RemoveAt(heap, HeapSlotOf(entry));
        if (FieldTtlHeap.Count(heap) == 0)
        {
            keyspace.Arena.Free(heap);
            SetHeap(header, null);
        }
    }

    private static void SetInTable(KeyTable table, ReadOnlySpan<byte> field, ReadOnlySpan<byte> value)
    {
        byte* entry = table.FindOrAdd(field, PlainSize(value.Length), out bool added);
        if (!added) entry = table.ResizePayload(entry, PlainSize(value.Length));
        WritePlain(entry, value);
    }

    /// <summary>
    /// Converts a listpack hash to the hashtable encoding (no-op if it already is one). HSET uses it
    /// up front when it carries more pairs than hash-max-listpack-entries, as Valkey's hashTypeTryConversion.
    /// </summary>
    public static void ConvertToTable(Keyspace keyspace, ValueHeader* header)
    {
        if (header->Encoding != ValueEncoding.ListPack) return;
        byte* block = ValueHeader.PointerAt(header);
        var table = new KeyTable(keyspace.Arena, keyspace.HashSeed);
        int used = *(int*)block;
        int pos = Listpack.HeaderSize;
        while (pos < used)
        {
            var f = ReadItem(block, pos, out pos);
            var v = ReadItem(block, pos, out pos);
            SetInTable(table, f, v);
        }
        keyspace.Arena.Free(block);
        *(long*)ValueHeader.DataOf(header) = keyspace.Handles.Add(table);
        header->Encoding = ValueEncoding.HashTable;
        SetHeap(header, null);
    }

    // ---- listpack helpers (the encoding itself is Listpack) ---------------------------------

    // A hash listpack holds Listpack's tagged items: fields and values that are canonical
    // integers are stored as 1-9 byte integers, as in Valkey's listpack.

    /// <summary>Offset of the field's item (or -1) and, through <paramref name="valuePos"/>, of its value item.</summary>
    private static int FindInListpack(byte* block, ReadOnlySpan<byte> field, out int valuePos)
    {
        bool keyIsInt = Listpack.IsCanonicalInteger(field, out long keyValue);
        int used = *(int*)block;
        int pos = Listpack.HeaderSize;
        while (pos < used)
        {
            if (Listpack.TaggedEquals(block, pos, out int next, field, keyIsInt, keyValue))
            {
                valuePos = next;
                return pos;
            }
            pos = Listpack.SkipTagged(block, next);
        }
        valuePos = -1;
        return -1;
    }

    /// <summary>
    /// The item at <paramref name="pos"/> as bytes. An integer item is formatted into the thread's
    /// shadow buffer at <c>10 * pos</c>: every item of a block gets its own slot (an integer item
    /// of 1 byte has at most 3 digits, a longer one is at least 2 bytes), so the spans of one
    /// hash stay valid and distinct together, as spans into the block would (HSCAN collects them
    /// all before replying), until the hash changes or a larger hash is read.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ReadOnlySpan<byte> ReadItem(byte* block, int pos, out int next)
    {
        var text = Listpack.ReadTagged(block, pos, out next, out bool isInt, out long v);
        return isInt ? FormatInShadow(block, pos, v) : text;
    }

    [ThreadStatic] private static byte* t_shadow;
    [ThreadStatic] private static nint t_shadowSize;

    private static ReadOnlySpan<byte> FormatInShadow(byte* block, int pos, long v)
    {
        // Sized from the whole block, so it only grows (moves) on the first read of a bigger hash.
        nint need = (nint)(*(int*)block) * 10 + 32;
        if (t_shadowSize < need)
        {
            nint size = Math.Max(need, 4096);
            t_shadow = (byte*)System.Runtime.InteropServices.NativeMemory.Realloc(t_shadow, (nuint)size);
            t_shadowSize = size;
        }
        var slot = new Span<byte>(t_shadow + (nint)pos * 10, Util.NumberFormatter.MaxInt64Length);
        return slot[..Util.NumberFormatter.FormatInt64(v, slot)];
    }

    private static void AppendListpackPair(Arena arena, ValueHeader* header, ReadOnlySpan<byte> field, ReadOnlySpan<byte> value) =>
        ValueHeader.SetPointer(header, Listpack.AppendTagged(arena, ValueHeader.PointerAt(header), field, value));

    private static void ReplaceListpackValue(Arena arena, ValueHeader* header, int valuePos, ReadOnlySpan<byte> value) =>
        ValueHeader.SetPointer(header, Listpack.ReplaceTagged(arena, ValueHeader.PointerAt(header), valuePos, value));
}
