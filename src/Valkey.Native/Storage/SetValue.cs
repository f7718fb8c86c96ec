using System.Runtime.CompilerServices;
using Valkey.Native.Util;

namespace Valkey.Native.Storage;

/// <summary>Receives the members of a set (the span is only valid during the call).</summary>
public interface ISetVisitor
{
    void Visit(ReadOnlySpan<byte> member);
}

/// <summary>The thresholds that decide a set's encoding (set-max-intset-entries, set-max-listpack-*).</summary>
public readonly record struct SetLimits(long MaxIntsetEntries, long MaxListpackEntries, long MaxListpackValue);

/// <summary>
/// Set values in Valkey's three encodings. "intset": one arena block of sorted integers, all of
/// the same width (2, 4 or 8 bytes, widened when a larger value arrives, never narrowed).
/// "listpack": one arena block of length-prefixed members in insertion order (small sets of
/// strings). "hashtable": a KeyTable keyed by member with an empty payload, referenced by
/// handle. Conversions follow Valkey's t_set.c: intset to listpack (a non-integer arrives and
/// the set is small) or hashtable (too many entries or long members), listpack to hashtable;
/// never back, except when a store command builds an all-integer result.
/// The value's 8 data bytes hold the block pointer or the table's handle.
/// </summary>
public static unsafe class SetValue
{
    // intset block: [int count][int width] then count values of width bytes, ascending.
    // listpack block: [int usedBytes][int count] then varint length + bytes per member.
    // Both compact encodings (Listpack and IntSet) start with an 8-byte header.
    private const int BlockHeader = Listpack.HeaderSize;
    private const long IntsetMaxEntriesCap = 1L << 30;

    // ---- creation ----------------------------------------------------------------------

    /// <summary>Turns a freshly added entry (8 data bytes) into an empty set of the given encoding.</summary>
    public static void InitEmpty(Keyspace keyspace, ValueHeader* header, ValueEncoding encoding)
    {
        header->Type = DataType.Set;
        header->Encoding = encoding;
        switch (encoding)
        {
            case ValueEncoding.IntSet:
            {
                byte* block = keyspace.Arena.Alloc(32);
                *(int*)block = 0;
                *(int*)(block + 4) = 2;
                ValueHeader.SetPointer(header, block);
                break;
            }
            case ValueEncoding.ListPack:
            {
                byte* block = keyspace.Arena.Alloc(64);
                *(int*)block = BlockHeader;
                *(int*)(block + 4) = 0;
                ValueHeader.SetPointer(header, block);
                break;
            }
            default:
                header->Encoding = ValueEncoding.HashTable;
                *(long*)ValueHeader.DataOf(header) = keyspace.Handles.Add(new KeyTable(keyspace.Arena, keyspace.HashSeed));
                break;
        }
    }

    /// <summary>Valkey's setTypeCreate: the encoding for a new set whose first member is <paramref name="first"/>.</summary>
    public static ValueEncoding EncodingFor(ReadOnlySpan<byte> first, long sizeHint, SetLimits limits)
    {
        if (NumberParser.TryParseInt64(first, out _) && sizeHint <= limits.MaxIntsetEntries) return ValueEncoding.IntSet;
        if (sizeHint <= limits.MaxListpackEntries) return ValueEncoding.ListPack;
        return ValueEncoding.HashTable;
    }

    /// <summary>Valkey's setTypeMaybeConvert: converts to hashtable up front when a command will add more than the encoding holds.</summary>
    public static void MaybeConvert(Keyspace keyspace, ValueHeader* header, long sizeHint, SetLimits limits)
    {
        if ((header->Encoding == ValueEncoding.ListPack && sizeHint > limits.MaxListpackEntries)
            || (header->Encoding == ValueEncoding.IntSet && sizeHint > limits.MaxIntsetEntries))
            ConvertToTable(keyspace, header);
    }

    public static long Count(Keyspace keyspace, ValueHeader* header) => header->Encoding switch
    {
        ValueEncoding.IntSet => *(int*)ValueHeader.PointerAt(header),
        ValueEncoding.ListPack => *(int*)(ValueHeader.PointerAt(header) + 4),
        _ => Table(keyspace, header).Count,
    };

    private static KeyTable Table(Keyspace keyspace, ValueHeader* header) =>
        keyspace.Handles.Get<KeyTable>(*(int*)ValueHeader.DataOf(header));

    /// <summary>The member table of a "hashtable" set (DEBUG HTSTATS-KEY).</summary>
    internal static KeyTable HashTableOf(Keyspace keyspace, ValueHeader* header) => Table(keyspace, header);

    // ---- lookup ------------------------------------------------------------------------

    public static bool Contains(Keyspace keyspace, ValueHeader* header, ReadOnlySpan<byte> member)
    {
        switch (header->Encoding)
        {
            case ValueEncoding.IntSet:
                return NumberParser.TryParseInt64(member, out long v) && IntSet.Search(ValueHeader.PointerAt(header), v, out _);
            case ValueEncoding.ListPack:
                return FindInListpack(ValueHeader.PointerAt(header), member) >= 0;
            default:
                return Table(keyspace, header).Find(member) != null;
        }
    }

    // ---- updates -----------------------------------------------------------------------

    /// <summary>Valkey's setTypeAdd: adds a member, converting as needed; true if it was new.</summary>
    public static bool Add(Keyspace keyspace, ValueHeader* header, ReadOnlySpan<byte> member, SetLimits limits)
    {
        switch (header->Encoding)
        {
            case ValueEncoding.IntSet:
            {
                if (NumberParser.TryParseInt64(member, out long value))
                {
                    if (!IntSet.Add(keyspace.Arena, header, value)) return false;
                    if (Count(keyspace, header) > Math.Min(limits.MaxIntsetEntries, IntsetMaxEntriesCap)) ConvertToTable(keyspace, header);
                    return true;
                }
                byte* block = ValueHeader.PointerAt(header);
                int n = *(int*)block;
                long maxLength = 0;
                if (n > 0) maxLength = Math.Max(NumberFormatter.DigitCount(IntSet.Get(block, 0)), NumberFormatter.DigitCount(IntSet.Get(block, n - 1)));
                if (n < limits.MaxListpackEntries && member.Length <= limits.MaxListpackValue && maxLength <= limits.MaxListpackValue
                    && (long)n * (maxLength + 2) + member.Length + 10 <= Listpack.MaxSafeBytes)
                    ConvertIntsetToListpack(keyspace, header);
                else
                    ConvertToTable(keyspace, header);
                AddUnchecked(keyspace, header, member);
                return true;
            }
            case ValueEncoding.ListPack:
            {
                byte* block = ValueHeader.PointerAt(header);
                if (FindInListpack(block, member) >= 0) return false;
                int n = *(int*)(block + 4);
                if (n < limits.MaxListpackEntries && member.Length <= limits.MaxListpackValue
                    && *(int*)block + 10L + member.Length <= Listpack.MaxSafeBytes)
                    AppendListpack(keyspace.Arena, header, member);
                else
                {
                    ConvertToTable(keyspace, header);
                    AddUnchecked(keyspace, header, member);
                }
                return true;
            }
            default:
                Table(keyspace, header).FindOrAdd(member, 0, out bool added);
                return added;
        }
    }

    /// <summary>Adds a member known to be absent, to the current listpack/hashtable encoding.</summary>
    private static void AddUnchecked(Keyspace keyspace, ValueHeader* header, ReadOnlySpan<byte> member)
    {
        if (header->Encoding == ValueEncoding.ListPack) AppendListpack(keyspace.Arena, header, member);
        else Table(keyspace, header).FindOrAdd(member, 0, out _);
    }

    /// <summary>Removes a member; returns whether it existed. The caller deletes an emptied key.</summary>
    public static bool Remove(Keyspace keyspace, ValueHeader* header, ReadOnlySpan<byte> member)
    {
        switch (header->Encoding)
        {
            case ValueEncoding.IntSet:
            {
                if (!NumberParser.TryParseInt64(member, out long v)) return false;
                byte* block = ValueHeader.PointerAt(header);
                if (!IntSet.Search(block, v, out int index)) return false;
                IntSet.RemoveAt(block, index);
                return true;
            }
            case ValueEncoding.ListPack:
            {
                byte* block = ValueHeader.PointerAt(header);
                int pos = FindInListpack(block, member);
                if (pos < 0) return false;
                ListpackRemoveAt(block, pos);
                return true;
            }
            default:
                return Table(keyspace, header).Remove(member);
        }
    }

    // ---- iteration and random access ---------------------------------------------------

    public static void ForEach<TVisitor>(Keyspace keyspace, ValueHeader* header, ref TVisitor visitor) where TVisitor : ISetVisitor
    {
        switch (header->Encoding)
        {
            case ValueEncoding.IntSet:
            {
                byte* block = ValueHeader.PointerAt(header);
                int n = *(int*)block;
                Span<byte> scratch = stackalloc byte[24];
                for (int i = 0; i < n; i++)
                {
                    int len = NumberFormatter.FormatInt64(IntSet.Get(block, i), scratch);
                    visitor.Visit(scratch[..len]);
                }
                return;
            }
            case ValueEncoding.ListPack:
            {
                byte* block = ValueHeader.PointerAt(header);
                int used = *(int*)block;
                int pos = BlockHeader;
                while (pos < used) visitor.Visit(ReadItem(block, pos, out pos));
                return;
            }
            default:
            {
                var adapter = new TableVisitor<TVisitor>(visitor);
                Table(keyspace, header).ForEach(ref adapter);
                visitor = adapter.Inner;
                return;
            }
        }
    }

    private struct TableVisitor<TVisitor>(TVisitor inner) : IKeyTableVisitor where TVisitor : ISetVisitor
    {
        public TVisitor Inner = inner;
        public void Visit(byte* entry) => Inner.Visit(KeyTable.KeyOf(entry));
    }

    private struct Collector(List<byte[]> list) : ISetVisitor
    {
        public void Visit(ReadOnlySpan<byte> member) => list.Add(member.ToArray());
    }

    /// <summary>Copies every member out (set algebra, SPOP/SRANDMEMBER with counts: not hot paths).</summary>
    public static List<byte[]> Members(Keyspace keyspace, ValueHeader* header)
    {
        var list = new List<byte[]>((int)Math.Min(Count(keyspace, header), 1 << 20));
        var collector = new Collector(list);
        ForEach(keyspace, header, ref collector);
        return list;
    }

    private static ulong _rng = (ulong)Environment.TickCount64 * 0x9E3779B97F4A7C15UL + 1;

    /// <summary>A random number below <paramref name="bound"/> (SplitMix64).</summary>
    public static long RandomBelow(long bound)
    {
        ulong z = _rng += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (long)Math.BigMul(z, (ulong)bound, out _);
    }

    /// <summary>A random member copied out; the set must not be empty.</summary>
    public static byte[] RandomMember(Keyspace keyspace, ValueHeader* header)
    {
        switch (header->Encoding)
        {
            case ValueEncoding.IntSet:
            {
                byte* block = ValueHeader.PointerAt(header);
                Span<byte> scratch = stackalloc byte[24];
                int len = NumberFormatter.FormatInt64(IntSet.Get(block, (int)RandomBelow(*(int*)block)), scratch);
                return scratch[..len].ToArray();
            }
            case ValueEncoding.ListPack:
            {
                byte* block = ValueHeader.PointerAt(header);
                long skip = RandomBelow(*(int*)(block + 4));
                int pos = BlockHeader;
                while (true)
                {
                    var item = ReadItem(block, pos, out pos);
                    if (skip-- == 0) return item.ToArray();
                }
            }
            default:
            {
                var table = Table(keyspace, header);
                // A small table is walked to an exactly uniform index: the table's sampler
                // (consecutive buckets) favours some entries noticeably when there are few.
                if (table.Count <= SmallTableWalk)
                {
                    var picker = new IndexPicker(RandomBelow(table.Count));
                    table.ForEach(ref picker);
                    return picker.Picked!;
                }
                // As Valkey's dictGetRandomKey, a draw is an access: a set only ever sampled
                // (SRANDMEMBER loops) still finishes its rehash.
                if (table.IsRehashing) table.RehashSteps(1);
                return KeyTable.KeyOf(table.RandomEntry(ref _rng)).ToArray();
            }
        }
    }

    private const long SmallTableWalk = 64;

    private struct IndexPicker(long index) : IKeyTableVisitor
    {
        private long _remaining = index;
        public byte[]? Picked;

        public void Visit(byte* entry)
        {
            if (_remaining-- == 0) Picked = KeyTable.KeyOf(entry).ToArray();
        }
    }

    // ---- memory ------------------------------------------------------------------------

    public static void Free(Keyspace keyspace, ValueHeader* header)
    {
        if (header->Encoding != ValueEncoding.HashTable)
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
        if (source->Encoding != ValueEncoding.HashTable)
        {
            byte* block = ValueHeader.PointerAt(source);
            int used = BlockUsedBytes(source->Encoding, block);
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
        public void Visit(byte* entry) => target.FindOrAdd(KeyTable.KeyOf(entry), 0, out _);
    }

    public static long MemoryBytes(Keyspace keyspace, ValueHeader* header)
    {
        if (header->Encoding != ValueEncoding.HashTable) return (long)keyspace.Arena.UsableSize(ValueHeader.PointerAt(header));
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

    private static int BlockUsedBytes(ValueEncoding encoding, byte* block) => encoding == ValueEncoding.IntSet
        ? BlockHeader + *(int*)block * *(int*)(block + 4)
        : *(int*)block;

    // ---- conversions -------------------------------------------------------------------

    /// <summary>Converts an intset or listpack set to the hashtable encoding (no-op if it is one).</summary>
    public static void ConvertToTable(Keyspace keyspace, ValueHeader* header)
    {
        if (header->Encoding == ValueEncoding.HashTable) return;
        var table = new KeyTable(keyspace.Arena, keyspace.HashSeed);
        var adder = new TableAdder(table);
        ForEach(keyspace, header, ref adder);
        keyspace.Arena.Free(ValueHeader.PointerAt(header));
        *(long*)ValueHeader.DataOf(header) = keyspace.Handles.Add(table);
        header->Encoding = ValueEncoding.HashTable;
    }

    private readonly struct TableAdder(KeyTable table) : ISetVisitor
    {
        public void Visit(ReadOnlySpan<byte> member) => table.FindOrAdd(member, 0, out _);
    }

    private static void ConvertIntsetToListpack(Keyspace keyspace, ValueHeader* header)
    {
        byte* intset = ValueHeader.PointerAt(header);
        int n = *(int*)intset;
        Span<byte> scratch = stackalloc byte[24];
        // Exactly the bytes the members take (the caller appends one more member right after,
        // growing the block to exactly its size as well): no slack beyond the arena class.
        int size = BlockHeader;
        for (int i = 0; i < n; i++) size += Listpack.ItemSize(NumberFormatter.FormatInt64(IntSet.Get(intset, i), scratch));
        byte* block = keyspace.Arena.Alloc((nuint)size);
        int pos = BlockHeader;
        for (int i = 0; i < n; i++)
        {
            int len = NumberFormatter.FormatInt64(IntSet.Get(intset, i), scratch);
            pos += WriteItem(block + pos, scratch[..len]);
        }
        *(int*)block = pos;
        *(int*)(block + 4) = n;
        keyspace.Arena.Free(intset);
        ValueHeader.SetPointer(header, block);
        header->Encoding = ValueEncoding.ListPack;
    }

    /// <summary>
    /// Valkey's maybeConvertToIntset, for store commands whose result holds only integers: rebuilds
    /// the set as an intset unless it has more members than an intset may hold.
    /// </summary>
    public static void MaybeConvertToIntset(Keyspace keyspace, ValueHeader* header, SetLimits limits)
    {
        if (header->Encoding == ValueEncoding.IntSet) return;
        if (Count(keyspace, header) > Math.Min(limits.MaxIntsetEntries, IntsetMaxEntriesCap)) return;
        var members = Members(keyspace, header);
        Free(keyspace, header);
        InitEmpty(keyspace, header, ValueEncoding.IntSet);
        foreach (var m in members)
        {
            NumberParser.TryParseInt64(m, out long v);
            IntSet.Add(keyspace.Arena, header, v);
        }
    }

    // ---- listpack helpers (the encoding itself is Listpack) ---------------------------------

    private static int FindInListpack(byte* block, ReadOnlySpan<byte> member) => Listpack.Find(block, member, itemsPerEntry: 1);

    private static void ListpackRemoveAt(byte* block, int pos)
    {
        Listpack.ReadItem(block, pos, out int end);
        Listpack.RemoveRange(block, pos, end, entries: 1);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ReadOnlySpan<byte> ReadItem(byte* block, int pos, out int next) => Listpack.ReadItem(block, pos, out next);

    private static int WriteItem(byte* dest, ReadOnlySpan<byte> item) => Listpack.WriteItem(dest, item);

    private static void AppendListpack(Arena arena, ValueHeader* header, ReadOnlySpan<byte> member) =>
        ValueHeader.SetPointer(header, Listpack.Append(arena, ValueHeader.PointerAt(header), member));
}
