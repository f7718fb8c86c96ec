using System.Runtime.CompilerServices;

namespace Valkey.Native.Storage;

/// <summary>Receives the fields of a hash in iteration order (HGETALL, HKEYS...).</summary>
public unsafe interface IHashVisitor
{
    void Visit(ReadOnlySpan<byte> field, ReadOnlySpan<byte> value);
}

/// <summary>
/// Hash values in Valkey's two encodings. "listpack": one arena block of length-prefixed
/// field/value pairs in insertion order, scanned linearly (small hashes: compact and cache
/// friendly). "hashtable": a KeyTable keyed by field whose payload is the value, used once
/// the hash outgrows hash-max-listpack-entries / hash-max-listpack-value (never converted back,
/// as in Valkey). The value's 8 data bytes hold the block pointer or the table's handle.
/// </summary>
public static unsafe class HashValue
{
    // ---- creation ----------------------------------------------------------------------

    /// <summary>Turns a freshly added entry (8 data bytes) into an empty listpack hash.</summary>
    public static void InitEmpty(Keyspace keyspace, ValueHeader* header)
    {
        header->Type = DataType.Hash;
        header->Encoding = ValueEncoding.ListPack;
        ValueHeader.SetPointer(header, Listpack.Create(keyspace.Arena));
    }

    public static long Count(Keyspace keyspace, ValueHeader* header) => header->Encoding == ValueEncoding.ListPack
        ? Listpack.Count(ValueHeader.PointerAt(header))
        : Table(keyspace, header).Count;

    private static KeyTable Table(Keyspace keyspace, ValueHeader* header) =>
        keyspace.Handles.Get<KeyTable>(*(int*)ValueHeader.DataOf(header));

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
        value = TableValue(entry);
        return true;
    }

    public static bool Exists(Keyspace keyspace, ValueHeader* header, ReadOnlySpan<byte> field) =>
        TryGet(keyspace, header, field, out _);

    // ---- updates -----------------------------------------------------------------------

    /// <summary>Sets a field; returns true if it was new. Converts to hashtable past the limits.</summary>
    public static bool Set(Keyspace keyspace, ValueHeader* header, ReadOnlySpan<byte> field, ReadOnlySpan<byte> value,
        int maxListpackEntries, int maxListpackValue)
    {
        if (header->Encoding == ValueEncoding.ListPack)
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
                return false;
            }
            if (fieldPos < 0 && fits && pairs + 1 <= maxListpackEntries)
            {
                AppendListpackPair(keyspace.Arena, header, field, value);
                return true;
            }
            ConvertToTable(keyspace, header);
        }
        return SetInTable(Table(keyspace, header), field, value);
    }

    /// <summary>Deletes a field; returns whether it existed. The caller deletes an emptied key.</summary>
    public static bool Delete(Keyspace keyspace, ValueHeader* header, ReadOnlySpan<byte> field)
    {
        if (header->Encoding == ValueEncoding.ListPack)
        {
            byte* block = ValueHeader.PointerAt(header);
            int fieldPos = FindInListpack(block, field, out int valuePos);
            if (fieldPos < 0) return false;
            ReadItem(block, valuePos, out int end);
            Listpack.RemoveRange(block, fieldPos, end, entries: 1);
            return true;
        }
        return Table(keyspace, header).Remove(field);
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
        var adapter = new TableVisitor<TVisitor>(visitor);
        Table(keyspace, header).ForEach(ref adapter);
        visitor = adapter.Inner;
    }

    private struct TableVisitor<TVisitor>(TVisitor inner) : IKeyTableVisitor where TVisitor : IHashVisitor
    {
        public TVisitor Inner = inner;
        public void Visit(byte* entry) => Inner.Visit(KeyTable.KeyOf(entry), TableValue(entry));
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
    /// changes) so that callers can tell repeated picks apart.
    /// </summary>
    public static nint RandomPair(Keyspace keyspace, ValueHeader* header, out ReadOnlySpan<byte> field, out ReadOnlySpan<byte> value)
    {
        if (header->Encoding == ValueEncoding.ListPack)
        {
            byte* block = ValueHeader.PointerAt(header);
            int pairs = *(int*)(block + 4);
            long skip = (long)NextRandom((ulong)pairs);
            int pos = Listpack.HeaderSize;
            while (skip-- > 0)
            {
                ReadItem(block, pos, out pos);
                ReadItem(block, pos, out pos);
            }
            return ListpackPairAt(header, pos, out field, out value);
        }
        byte* entry = Table(keyspace, header).RandomEntry(ref s_rngState);
        field = KeyTable.KeyOf(entry);
        value = TableValue(entry);
        return (nint)entry;
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
            ReadItem(block, pos, out pos);
            ReadItem(block, pos, out pos);
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
    /// </summary>
    public static ulong ScanTable<TVisitor>(Keyspace keyspace, ValueHeader* header, ulong cursor, ref TVisitor visitor) where TVisitor : IHashVisitor
    {
        var adapter = new TableVisitor<TVisitor>(visitor);
        cursor = Table(keyspace, header).Scan(cursor, ref adapter);
        visitor = adapter.Inner;
        return cursor;
    }

    // ---- memory ------------------------------------------------------------------------

    public static void Free(Keyspace keyspace, ValueHeader* header)
    {
        if (header->Encoding == ValueEncoding.ListPack)
        {
            keyspace.Arena.Free(ValueHeader.PointerAt(header));
            return;
        }
        int handle = *(int*)ValueHeader.DataOf(header);
        var table = keyspace.Handles.Get<KeyTable>(handle);
        table.Clear();
        table.Dispose();
        keyspace.Handles.Remove(handle);
    }

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
        var copier = new TableCopier(clone);
        Table(keyspace, source).ForEach(ref copier);
        *(long*)ValueHeader.DataOf(target) = keyspace.Handles.Add(clone);
    }

    private readonly struct TableCopier(KeyTable target) : IKeyTableVisitor
    {
        public void Visit(byte* entry) => SetInTable(target, KeyTable.KeyOf(entry), TableValue(entry));
    }

    public static long MemoryBytes(Keyspace keyspace, ValueHeader* header)
    {
        if (header->Encoding == ValueEncoding.ListPack) return (long)keyspace.Arena.UsableSize(ValueHeader.PointerAt(header));
        var table = Table(keyspace, header);
        var sizer = new TableSizer(keyspace.Arena);
        table.ForEach(ref sizer);
        return sizer.Bytes + table.BucketArrayBytes;
    }

    private struct TableSizer(Arena arena) : IKeyTableVisitor
    {
        public long Bytes;
        public void Visit(byte* entry) => Bytes += (long)arena.UsableSize(entry);
    }

    // ---- hashtable encoding helpers ----------------------------------------------------

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ReadOnlySpan<byte> TableValue(byte* entry)
    {
        byte* payload = KeyTable.PayloadOf(entry);
        return new ReadOnlySpan<byte>(payload + 4, *(int*)payload);
    }

    private static bool SetInTable(KeyTable table, ReadOnlySpan<byte> field, ReadOnlySpan<byte> value)
    {
        byte* entry = table.FindOrAdd(field, 4 + value.Length, out bool added);
        if (!added) entry = table.ResizePayload(entry, 4 + value.Length);
        byte* payload = KeyTable.PayloadOf(entry);
        *(int*)payload = value.Length;
        value.CopyTo(new Span<byte>(payload + 4, value.Length));
        return added;
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
    }

    // ---- listpack helpers (the encoding itself is Listpack) ---------------------------------

    /// <summary>Offset of the field's item (or -1) and, through <paramref name="valuePos"/>, of its value item.</summary>
    private static int FindInListpack(byte* block, ReadOnlySpan<byte> field, out int valuePos)
    {
        int pos = Listpack.Find(block, field, itemsPerEntry: 2);
        valuePos = -1;
        if (pos >= 0) Listpack.ReadItem(block, pos, out valuePos);
        return pos;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ReadOnlySpan<byte> ReadItem(byte* block, int pos, out int next) => Listpack.ReadItem(block, pos, out next);

    private static void AppendListpackPair(Arena arena, ValueHeader* header, ReadOnlySpan<byte> field, ReadOnlySpan<byte> value) =>
        ValueHeader.SetPointer(header, Listpack.Append(arena, ValueHeader.PointerAt(header), field, value));

    private static void ReplaceListpackValue(Arena arena, ValueHeader* header, int valuePos, ReadOnlySpan<byte> value) =>
        ValueHeader.SetPointer(header, Listpack.ReplaceItem(arena, ValueHeader.PointerAt(header), valuePos, value));
}
