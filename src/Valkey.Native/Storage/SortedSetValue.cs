using System.Buffers;
using System.Runtime.CompilerServices;

namespace Valkey.Native.Storage;

/// <summary>The thresholds that decide a sorted set's encoding (zset-max-listpack-entries / -value).</summary>
public readonly record struct SortedSetLimits(long MaxListpackEntries, long MaxListpackValue);

/// <summary>ZADD's options, as Valkey's ZADD_IN_* flags.</summary>
[Flags]
public enum ZAddFlags : byte
{
    None = 0,
    Incr = 1,
    Nx = 2,
    Xx = 4,
    Gt = 8,
    Lt = 16,
}

/// <summary>What one <see cref="SortedSetValue.Add"/> did, as Valkey's ZADD_OUT_* flags.</summary>
[Flags]
public enum ZAddOutcome : byte
{
    None = 0,
    /// <summary>The score (or the incremented score) is NaN: nothing changed.</summary>
    NaN = 1,
    Added = 2,
    Updated = 4,
    /// <summary>Skipped because of NX, XX, GT or LT.</summary>
    Nop = 8,
}

/// <summary>Receives sorted-set elements (the member span is valid only during the call).</summary>
public interface ISortedSetVisitor
{
    void Visit(ReadOnlySpan<byte> member, double score);
}

/// <summary>
/// Sorted-set values in Valkey's two encodings. "listpack": one arena block of (member, score)
/// pairs ordered by score then member bytes, the score an 8-byte item holding the double (small
/// sets: scanned linearly). "skiplist": a <see cref="SkipList"/> for order and ranks plus a
/// <see cref="KeyTable"/> from member to skiplist node (referenced by handle from the list block),
/// used past zset-max-listpack-entries / zset-max-listpack-value. Conversion back to listpack
/// happens only where Valkey does it (store results, <see cref="ConvertToListpackIfNeeded"/>).
/// The value's 8 data bytes hold the listpack block or the skiplist block pointer.
/// Every change to a sorted set goes through this class.
/// </summary>
public static unsafe class SortedSetValue
{
    // A pair: member item (varint length + bytes), then the score in the compact form of
    // WriteScore: a tag byte, then 0-8 payload bytes (integral scores as small integers, as
    // Valkey's listpack stores them; other doubles as a float when exact, else the 8 bytes).
    private const int MaxScoreSize = 9;
    private const byte ScoreIntTag = 0xF0;     // 0xF0 + k (k = 1..8): a k-byte signed integer follows
    private const byte ScoreFloatTag = 0xFE;   // a 4-byte float that reads back as exactly the score
    private const byte ScoreDoubleTag = 0xFF;  // the 8-byte double
    private const int StackOffsets = 256;

    // ---- creation and encoding -------------------------------------------------------------

    /// <summary>Valkey's zsetTypeCreate: listpack when the hints fit in one, else skiplist.</summary>
    public static ValueEncoding EncodingFor(long sizeHint, long valueLengthHint, SortedSetLimits limits) =>
        sizeHint <= limits.MaxListpackEntries && valueLengthHint <= limits.MaxListpackValue ? ValueEncoding.ListPack : ValueEncoding.SkipList;

    /// <summary>Adds an empty sorted set under <paramref name="key"/> (which must be absent); returns its entry.</summary>
    public static byte* Create(Database db, ReadOnlySpan<byte> key, long sizeHint, long valueLengthHint, SortedSetLimits limits)
    {
        var encoding = EncodingFor(sizeHint, valueLengthHint, limits);
        byte* entry = db.Add(key, DataType.SortedSet, encoding, 8);
        InitEmpty(db.Keyspace, Database.Header(entry), encoding);
        return entry;
    }

    /// <summary>
    /// An empty sorted set of the given encoding under <paramref name="key"/>, replacing whatever the key
    /// held (Valkey's setKey for the store commands: no "new" event for an existing key); returns its entry.
    /// </summary>
    public static byte* CreateOrReplace(Database db, ReadOnlySpan<byte> key, ValueEncoding encoding)
    {
        byte* entry = db.SetNewValue(key, DataType.SortedSet, encoding, 8);
        InitEmpty(db.Keyspace, Database.Header(entry), encoding);
        return entry;
    }

    /// <summary>Turns a freshly added entry (8 data bytes) into an empty sorted set of the given encoding.</summary>
    public static void InitEmpty(Keyspace keyspace, ValueHeader* header, ValueEncoding encoding)
    {
        header->Type = DataType.SortedSet;
        if (encoding == ValueEncoding.ListPack)
        {
            header->Encoding = ValueEncoding.ListPack;
            ValueHeader.SetPointer(header, Listpack.Create(keyspace.Arena));
            return;
        }
        header->Encoding = ValueEncoding.SkipList;
        ValueHeader.SetPointer(header, (byte*)NewSkipList(keyspace));
    }

    private static SkipList* NewSkipList(Keyspace keyspace)
    {
        SkipList* list = SkipList.Create(keyspace.Arena);
        list->OwnerData = keyspace.Handles.Add(new KeyTable(keyspace.Arena, keyspace.HashSeed));
        return list;
    }

    /// <summary>Valkey's zsetTypeMaybeConvert: a listpack that will receive more or longer members than it holds becomes a skiplist up front.</summary>
    public static void MaybeConvert(Keyspace keyspace, ValueHeader* header, long sizeHint, long valueLengthHint, SortedSetLimits limits)
    {
        if (header->Encoding == ValueEncoding.ListPack
            && (sizeHint > limits.MaxListpackEntries || valueLengthHint > limits.MaxListpackValue))
            ConvertToSkipList(keyspace, header);
    }

    /// <summary>Valkey's zsetConvertToListpackIfNeeded: a skiplist small enough in every respect becomes a listpack.</summary>
    public static void ConvertToListpackIfNeeded(Keyspace keyspace, ValueHeader* header, long maxElementLength, long totalElementLength, SortedSetLimits limits)
    {
        if (header->Encoding != ValueEncoding.SkipList) return;
        if (Count(keyspace, header) <= limits.MaxListpackEntries && maxElementLength <= limits.MaxListpackValue
            && totalElementLength <= Listpack.MaxSafeBytes)
            ConvertToListpack(keyspace, header);
    }

    public static void ConvertToSkipList(Keyspace keyspace, ValueHeader* header)
    {
        if (header->Encoding != ValueEncoding.ListPack) return;
        byte* block = ValueHeader.PointerAt(header);
        SkipList* list = NewSkipList(keyspace);
        var table = Table(keyspace, list);
        int used = Listpack.UsedBytes(block);
        for (int pos = Listpack.HeaderSize; pos < used;)
        {
            var member = ReadPair(block, pos, out double score, out pos);
            InsertNew(keyspace.Arena, list, table, member, score);
        }
        keyspace.Arena.Free(block);
        ValueHeader.SetPointer(header, (byte*)list);
        header->Encoding = ValueEncoding.SkipList;
    }

    private static void ConvertToListpack(Keyspace keyspace, ValueHeader* header)
    {
        SkipList* list = List(header);
        long bytes = Listpack.HeaderSize;
        for (SkipListNode* n = SkipList.First(list); n != null; n = SkipListNode.Next(n))
            bytes += Listpack.ItemSize(SkipListNode.MemberOf(n).Length) + ScoreSize(n->Score);
        byte* block = Listpack.Create(keyspace.Arena, (int)bytes);
        byte* scoreBytes = stackalloc byte[MaxScoreSize];
        for (SkipListNode* n = SkipList.First(list); n != null; n = SkipListNode.Next(n))
        {
            int size = WriteScore(scoreBytes, n->Score);
            block = Listpack.InsertItemAndRawAt(keyspace.Arena, block, Listpack.UsedBytes(block), SkipListNode.MemberOf(n),
                new ReadOnlySpan<byte>(scoreBytes, size));
        }
        FreeSkipList(keyspace, list);
        ValueHeader.SetPointer(header, block);
        header->Encoding = ValueEncoding.ListPack;
    }

    public static long Count(Keyspace keyspace, ValueHeader* header) => header->Encoding == ValueEncoding.ListPack
        ? Listpack.Count(ValueHeader.PointerAt(header))
        : List(header)->Length;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static SkipList* List(ValueHeader* header) => (SkipList*)ValueHeader.PointerAt(header);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static KeyTable Table(Keyspace keyspace, SkipList* list) => keyspace.Handles.Get<KeyTable>(list->OwnerData);

    /// <summary>The member table of a "skiplist" sorted set (DEBUG HTSTATS-KEY).</summary>
    internal static KeyTable HashTableOf(Keyspace keyspace, ValueHeader* header) => Table(keyspace, List(header));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static SkipListNode* NodeOf(byte* memberEntry) => *(SkipListNode**)KeyTable.PayloadOf(memberEntry);

    private static void InsertNew(Arena arena, SkipList* list, KeyTable table, ReadOnlySpan<byte> member, double score)
    {
        byte* entry = table.Add(member, sizeof(SkipListNode*));
        *(SkipListNode**)KeyTable.PayloadOf(entry) = SkipList.Insert(arena, list, score, entry);
    }

    // ---- lookups -------------------------------------------------------------------------------

    /// <summary>Valkey's zsetScore: false if the member is absent.</summary>
    public static bool TryGetScore(Keyspace keyspace, ValueHeader* header, ReadOnlySpan<byte> member, out double score)
    {
        if (header->Encoding == ValueEncoding.ListPack) return FindInListpack(ValueHeader.PointerAt(header), member, out score) >= 0;
        byte* entry = Table(keyspace, List(header)).Find(member);
        if (entry == null)
        {
            score = 0;
            return false;
        }
        score = NodeOf(entry)->Score;
        return true;
    }

    /// <summary>Valkey's zsetRank: the 0-based rank (from the top when <paramref name="reverse"/>), or -1 if absent.</summary>
    public static long Rank(Keyspace keyspace, ValueHeader* header, ReadOnlySpan<byte> member, bool reverse, out double score)
    {
        long length = Count(keyspace, header);
        score = 0;
        if (header->Encoding == ValueEncoding.ListPack)
        {
            byte* block = ValueHeader.PointerAt(header);
            int used = Listpack.UsedBytes(block);
            long rank = 0;
            for (int pos = Listpack.HeaderSize; pos < used; rank++)
            {
                var m = ReadPair(block, pos, out double s, out pos);
                if (!m.SequenceEqual(member)) continue;
                score = s;
                return reverse ? length - 1 - rank : rank;
            }
            return -1;
        }
        SkipList* list = List(header);
        byte* entry = Table(keyspace, list).Find(member);
        if (entry == null) return -1;
        SkipListNode* node = NodeOf(entry);
        score = node->Score;
        long oneBased = SkipList.RankOf(list, node);
        return reverse ? length - oneBased : oneBased - 1;
    }

    // ---- updates -------------------------------------------------------------------------------

    /// <summary>
    /// Valkey's zsetAdd: adds a member or updates its score under the ZADD options, converting a
    /// listpack that outgrows its limits. Returns false (outcome NaN, nothing changed) when the
    /// score or the incremented score is NaN. <paramref name="newScore"/> is the member's score
    /// after the call unless the outcome is Nop or NaN.
    /// </summary>
    public static bool Add(Keyspace keyspace, ValueHeader* header, double score, ReadOnlySpan<byte> member, ZAddFlags flags,
        SortedSetLimits limits, out ZAddOutcome outcome, out double newScore)
    {
        newScore = 0;
        outcome = ZAddOutcome.None;
        if (double.IsNaN(score))
        {
            outcome = ZAddOutcome.NaN;
            return false;
        }
        bool incr = (flags & ZAddFlags.Incr) != 0, nx = (flags & ZAddFlags.Nx) != 0, xx = (flags & ZAddFlags.Xx) != 0;
        bool gt = (flags & ZAddFlags.Gt) != 0, lt = (flags & ZAddFlags.Lt) != 0;

        if (header->Encoding == ValueEncoding.ListPack)
        {
            byte* block = ValueHeader.PointerAt(header);
            int pos = FindInListpack(block, member, out double current);
            if (pos >= 0)
            {
                if (nx) { outcome = ZAddOutcome.Nop; return true; }
                if (incr)
                {
                    score += current;
                    if (double.IsNaN(score)) { outcome = ZAddOutcome.NaN; return false; }
                }
                if ((lt && score >= current) || (gt && score <= current)) { outcome = ZAddOutcome.Nop; return true; }
                newScore = score;
                if (score != current)
                {
                    RemovePairAt(block, pos);
                    InsertIntoListpack(keyspace.Arena, header, member, score);
                    outcome = ZAddOutcome.Updated;
                }
                return true;
            }
            if (xx) { outcome = ZAddOutcome.Nop; return true; }
            if (Listpack.Count(block) + 1L > limits.MaxListpackEntries || member.Length > limits.MaxListpackValue
                || Listpack.UsedBytes(block) + (long)member.Length > Listpack.MaxSafeBytes)
            {
                ConvertToSkipList(keyspace, header);
            }
            else
            {
                InsertIntoListpack(keyspace.Arena, header, member, score);
                newScore = score;
                outcome = ZAddOutcome.Added;
                return true;
            }
        }

        SkipList* list = List(header);
        var table = Table(keyspace, list);
        byte* entry = table.Find(member);
        if (entry != null)
        {
            if (nx) { outcome = ZAddOutcome.Nop; return true; }
            SkipListNode* node = NodeOf(entry);
            double current = node->Score;
            if (incr)
            {
                score += current;
                if (double.IsNaN(score)) { outcome = ZAddOutcome.NaN; return false; }
            }
            if ((lt && score >= current) || (gt && score <= current)) { outcome = ZAddOutcome.Nop; return true; }
            newScore = score;
            if (score != current)
            {
                SkipList.UpdateScore(list, node, score);
                outcome = ZAddOutcome.Updated;
            }
            return true;
        }
        if (xx) { outcome = ZAddOutcome.Nop; return true; }
        InsertNew(keyspace.Arena, list, table, member, score);
        newScore = score;
        outcome = ZAddOutcome.Added;
        return true;
    }

    /// <summary>
    /// Adds a member known to be absent whose (score, member) sorts after every present element
    /// (building a set from sorted input: store commands, COPY-like rebuilds). No limit checks.
    /// </summary>
    public static void AppendSorted(Keyspace keyspace, ValueHeader* header, ReadOnlySpan<byte> member, double score)
    {
        if (header->Encoding == ValueEncoding.ListPack)
        {
            byte* scoreBytes = stackalloc byte[MaxScoreSize];
            int size = WriteScore(scoreBytes, score);
            byte* block = ValueHeader.PointerAt(header);
            ValueHeader.SetPointer(header, Listpack.InsertItemAndRawAt(keyspace.Arena, block, Listpack.UsedBytes(block), member,
                new ReadOnlySpan<byte>(scoreBytes, size)));
            return;
        }
        SkipList* list = List(header);
        InsertNew(keyspace.Arena, list, Table(keyspace, list), member, score);
    }

    /// <summary>Valkey's zsetDel: removes a member; returns whether it existed. The caller deletes an emptied key.</summary>
    public static bool Remove(Keyspace keyspace, ValueHeader* header, ReadOnlySpan<byte> member)
    {
        if (header->Encoding == ValueEncoding.ListPack)
        {
            byte* block = ValueHeader.PointerAt(header);
            int pos = FindInListpack(block, member, out _);
            if (pos < 0) return false;
            RemovePairAt(block, pos);
            return true;
        }
        SkipList* list = List(header);
        var table = Table(keyspace, list);
        byte* entry = table.Find(member);
        if (entry == null) return false;
        SkipList.Delete(keyspace.Arena, list, NodeOf(entry));
        table.Unlink(entry);
        table.FreeEntry(entry);
        return true;
    }

    /// <summary>Removes the elements of 0-based ranks <paramref name="start"/>..<paramref name="end"/> (ascending, in bounds); returns how many.</summary>
    public static long RemoveRangeByRank(Keyspace keyspace, ValueHeader* header, long start, long end)
    {
        if (header->Encoding == ValueEncoding.ListPack)
        {
            byte* block = ValueHeader.PointerAt(header);
            int pos = SkipPairs(block, Listpack.HeaderSize, start);
            int stop = SkipPairs(block, pos, end - start + 1);
            Listpack.RemoveRange(block, pos, stop, (int)(end - start + 1));
            return end - start + 1;
        }
        var removal = new TableRemoval(Table(keyspace, List(header)));
        return SkipList.DeleteRangeByRank(keyspace.Arena, List(header), start + 1, end + 1, ref removal);
    }

    /// <summary>ZREMRANGEBYSCORE / ZREMRANGEBYLEX: removes the elements in <paramref name="range"/>; returns how many.</summary>
    public static long RemoveRange<TRange>(Keyspace keyspace, ValueHeader* header, in TRange range) where TRange : ISortedSetRange, allows ref struct
    {
        if (header->Encoding == ValueEncoding.ListPack)
        {
            using var view = new ListpackView(ValueHeader.PointerAt(header));
            int first = view.FirstInRange(range);
            return first < 0 ? 0 : view.RemoveIndexes(first, view.EndOfRange(first, range));
        }
        var removal = new TableRemoval(Table(keyspace, List(header)));
        return SkipList.DeleteRange(keyspace.Arena, List(header), range, ref removal);
    }

    /// <summary>Drops the member table's entry of each node a range deletion unlinks.</summary>
    private readonly struct TableRemoval(KeyTable table) : ISkipListRemoval
    {
        public void Removed(SkipListNode* node)
        {
            table.Unlink(node->Entry);
            table.FreeEntry(node->Entry);
        }
    }

    // ---- iteration -------------------------------------------------------------------------------

    /// <summary>Visits every element in ascending order.</summary>
    public static void ForEach<TVisitor>(Keyspace keyspace, ValueHeader* header, ref TVisitor visitor) where TVisitor : ISortedSetVisitor
    {
        if (header->Encoding == ValueEncoding.ListPack)
        {
            byte* block = ValueHeader.PointerAt(header);
            int used = Listpack.UsedBytes(block);
            for (int pos = Listpack.HeaderSize; pos < used;)
            {
                var member = ReadPair(block, pos, out double score, out pos);
                visitor.Visit(member, score);
            }
            return;
        }
        for (SkipListNode* n = SkipList.First(List(header)); n != null; n = SkipListNode.Next(n))
            visitor.Visit(SkipListNode.MemberOf(n), n->Score);
    }

    /// <summary>
    /// Visits <paramref name="count"/> elements from 0-based rank <paramref name="start"/> on, in
    /// ascending order, or in descending order from the top when <paramref name="reverse"/> (rank
    /// counted from the top). The caller keeps start and count within the set.
    /// </summary>
    public static void VisitRankRange<TVisitor>(Keyspace keyspace, ValueHeader* header, long start, long count, bool reverse, ref TVisitor visitor)
        where TVisitor : ISortedSetVisitor
    {
        if (count <= 0) return;
        long length = Count(keyspace, header);
        if (header->Encoding == ValueEncoding.ListPack)
        {
            byte* block = ValueHeader.PointerAt(header);
            if (!reverse)
            {
                int pos = SkipPairs(block, Listpack.HeaderSize, start);
                for (long i = 0; i < count; i++)
                {
                    var member = ReadPair(block, pos, out double score, out pos);
                    visitor.Visit(member, score);
                }
                return;
            }
            // Descending: the ascending window [length - start - count, length - start), read backwards.
            int n = (int)count;
            int[]? rented = null;
            Span<int> offsets = n <= StackOffsets ? stackalloc int[StackOffsets] : (rented = ArrayPool<int>.Shared.Rent(n));
            int p = SkipPairs(block, Listpack.HeaderSize, length - start - count);
            for (int i = 0; i < n; i++)
            {
                offsets[i] = p;
                p = NextPair(block, p);
            }
            for (int i = n - 1; i >= 0; i--)
            {
                var member = ReadPair(block, offsets[i], out double score, out _);
                visitor.Visit(member, score);
            }
            if (rented != null) ArrayPool<int>.Shared.Return(rented);
            return;
        }
        SkipList* list = List(header);
        SkipListNode* node = reverse
            ? (start == 0 ? list->Tail : SkipList.ByRank(list, length - start))
            : (start == 0 ? SkipList.First(list) : SkipList.ByRank(list, start + 1));
        for (long i = 0; i < count && node != null; i++)
        {
            visitor.Visit(SkipListNode.MemberOf(node), node->Score);
            node = reverse ? node->Backward : SkipListNode.Next(node);
        }
    }

    /// <summary>
    /// ZRANGEBYSCORE's and ZRANGEBYLEX's walk: skips <paramref name="offset"/> elements from the
    /// first (or, reversed, the last) element in the range, then visits up to <paramref name="limit"/>
    /// (negative: all) while they stay in range. Returns the number visited. Offsets behave exactly
    /// as Valkey's (a negative offset empties a listpack result, and picks from the far end of a skiplist's).
    /// </summary>
    public static long VisitRange<TRange, TVisitor>(Keyspace keyspace, ValueHeader* header, in TRange range, long offset, long limit,
        bool reverse, ref TVisitor visitor) where TRange : ISortedSetRange, allows ref struct where TVisitor : ISortedSetVisitor
    {
        long length = Count(keyspace, header);
        if (offset > 0 && offset >= length) return 0;
        long visited = 0;
        if (header->Encoding == ValueEncoding.ListPack)
        {
            using var view = new ListpackView(ValueHeader.PointerAt(header));
            int i = view.Skip(reverse ? view.LastInRange(range) : view.FirstInRange(range), offset, reverse);
            while (i >= 0 && limit-- != 0)
            {
                var member = view.Read(i, out double score);
                if (reverse ? !range.GteMin(member, score) : !range.LteMax(member, score)) break;
                visitor.Visit(member, score);
                visited++;
                i = view.Step(i, reverse);
            }
            return visited;
        }
        SkipList* list = List(header);
        SkipListNode* node = SkipList.NthInRange(list, range, reverse ? -offset - 1 : offset);
        while (node != null && limit-- != 0)
        {
            if (reverse ? !range.GteMin(node) : !range.LteMax(node)) break;
            visitor.Visit(SkipListNode.MemberOf(node), node->Score);
            visited++;
            node = reverse ? node->Backward : SkipListNode.Next(node);
        }
        return visited;
    }

    /// <summary>ZCOUNT / ZLEXCOUNT: the number of elements in the range.</summary>
    public static long CountInRange<TRange>(Keyspace keyspace, ValueHeader* header, in TRange range) where TRange : ISortedSetRange, allows ref struct
    {
        if (header->Encoding == ValueEncoding.ListPack)
        {
            using var view = new ListpackView(ValueHeader.PointerAt(header));
            int first = view.FirstInRange(range);
            return first < 0 ? 0 : view.EndOfRange(first, range) - first;
        }
        SkipList* list = List(header);
        SkipListNode* firstNode = SkipList.NthInRange(list, range, 0);
        if (firstNode == null) return 0;
        SkipListNode* lastNode = SkipList.NthInRange(list, range, -1);
        long count = list->Length - SkipList.RankOf(list, firstNode) + 1;
        if (lastNode != null) count -= list->Length - SkipList.RankOf(list, lastNode);
        return count;
    }

    // ---- random access and scan ---------------------------------------------------------------

    private static ulong s_rngState = (ulong)Environment.TickCount64 * 0x9E3779B97F4A7C15UL ^ 0x5851F42D4C957F2DUL;

    /// <summary>A uniform random number in [0, bound) (bound &gt; 0); SplitMix64 mapped by multiply-high.</summary>
    public static long NextRandom(long bound)
    {
        ulong z = s_rngState += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (long)Math.BigMul(z, (ulong)bound, out _);
    }

    /// <summary>
    /// A random element of a non-empty set (listpack: uniform; skiplist: the member table's fair
    /// random entry). The span stays valid until the set changes.
    /// </summary>
    public static void RandomElement(Keyspace keyspace, ValueHeader* header, out ReadOnlySpan<byte> member, out double score)
    {
        if (header->Encoding == ValueEncoding.ListPack)
        {
            byte* block = ValueHeader.PointerAt(header);
            int pos = SkipPairs(block, Listpack.HeaderSize, NextRandom(Listpack.Count(block)));
            member = ReadPair(block, pos, out score, out _);
            return;
        }
        byte* entry = Table(keyspace, List(header)).RandomEntry(ref s_rngState);
        member = KeyTable.KeyOf(entry);
        score = NodeOf(entry)->Score;
    }

    /// <summary>
    /// Fills <paramref name="offsets"/> (at least <see cref="Count"/> long) with the position of every
    /// pair of a listpack-encoded set, for repeated O(1) reads with <see cref="ListpackPairAt"/>.
    /// </summary>
    public static int ListpackPairOffsets(ValueHeader* header, Span<int> offsets)
    {
        byte* block = ValueHeader.PointerAt(header);
        int used = Listpack.UsedBytes(block), n = 0;
        for (int pos = Listpack.HeaderSize; pos < used; pos = NextPair(block, pos)) offsets[n++] = pos;
        return n;
    }

    /// <summary>The pair at a position given by <see cref="ListpackPairOffsets"/>.</summary>
    public static ReadOnlySpan<byte> ListpackPairAt(ValueHeader* header, int offset, out double score) =>
        ReadPair(ValueHeader.PointerAt(header), offset, out score, out _);

    /// <summary>
    /// One ZSCAN step over a skiplist-encoded set's member table (Valkey's reverse-binary cursor);
    /// returns the next cursor, 0 when done. Spans stay valid until the set changes.
    /// </summary>
    public static ulong ScanTable<TVisitor>(Keyspace keyspace, ValueHeader* header, ulong cursor, ref TVisitor visitor)
        where TVisitor : ISortedSetVisitor
    {
        var adapter = new TableVisitor<TVisitor>(visitor);
        cursor = Table(keyspace, List(header)).Scan(cursor, ref adapter);
        visitor = adapter.Inner;
        return cursor;
    }

    private struct TableVisitor<TVisitor>(TVisitor inner) : IKeyTableVisitor where TVisitor : ISortedSetVisitor
    {
        public TVisitor Inner = inner;
        public void Visit(byte* entry) => Inner.Visit(KeyTable.KeyOf(entry), NodeOf(entry)->Score);
    }

    // ---- memory ----------------------------------------------------------------------------------

    public static void Free(Keyspace keyspace, ValueHeader* header)
    {
        if (header->Encoding == ValueEncoding.ListPack)
        {
            keyspace.Arena.Free(ValueHeader.PointerAt(header));
            return;
        }
        FreeSkipList(keyspace, List(header));
    }

    private static void FreeSkipList(Keyspace keyspace, SkipList* list)
    {
        int handle = list->OwnerData;
        var table = keyspace.Handles.Get<KeyTable>(handle);
        SkipList.Free(keyspace.Arena, list);
        table.Clear();
        table.Dispose();
        keyspace.Handles.Remove(handle);
    }

    /// <summary>COPY: a deep copy in the same encoding (Valkey's zsetDup).</summary>
    public static void CloneInto(Keyspace keyspace, ValueHeader* source, ValueHeader* target)
    {
        if (source->Encoding == ValueEncoding.ListPack)
        {
            byte* block = ValueHeader.PointerAt(source);
            int used = Listpack.UsedBytes(block);
            byte* copy = keyspace.Arena.Alloc((nuint)used);
            Buffer.MemoryCopy(block, copy, used, used);
            ValueHeader.SetPointer(target, copy);
            return;
        }
        SkipList* from = List(source);
        SkipList* to = NewSkipList(keyspace);
        var table = Table(keyspace, to);
        // From the top down: each insertion lands at the head, the cheapest place.
        for (SkipListNode* n = from->Tail; n != null; n = n->Backward)
            InsertNew(keyspace.Arena, to, table, SkipListNode.MemberOf(n), n->Score);
        ValueHeader.SetPointer(target, (byte*)to);
    }

    public static long MemoryBytes(Keyspace keyspace, ValueHeader* header)
    {
        if (header->Encoding == ValueEncoding.ListPack) return (long)keyspace.Arena.UsableSize(ValueHeader.PointerAt(header));
        SkipList* list = List(header);
        var table = Table(keyspace, list);
        var sizer = new TableSizer(keyspace.Arena);
        table.ForEach(ref sizer);
        return sizer.Bytes + table.BucketArrayBytes + SkipList.MemoryBytes(keyspace.Arena, list);
    }

    private struct TableSizer(Arena arena) : IKeyTableVisitor
    {
        public long Bytes;
        public void Visit(byte* entry) => Bytes += (long)arena.UsableSize(entry);
    }

    // ---- listpack helpers ------------------------------------------------------------------------

    /// <summary>
    /// Writes a score in the listpack's compact form; returns its size (1 to <see cref="MaxScoreSize"/>).
    /// Like Valkey (double2ll into a listpack integer) an integral score is an integer, which turns
    /// -0 into 0: 0..239 is the tag byte alone, other int64 values take the fewest bytes that hold
    /// them. Anything else is a 4-byte float when that is exact, else the 8-byte double; every
    /// score but -0 reads back bit for bit.
    /// </summary>
    internal static int WriteScore(byte* dest, double score)
    {
        if (score >= -9.2233720368547758E18 && score < 9.2233720368547758E18)
        {
            long v = (long)score;
            if (v == score)
            {
                if ((ulong)v < ScoreIntTag) { *dest = (byte)v; return 1; }
                int k = IntBytes(v);
                *dest = (byte)(ScoreIntTag + k);
                for (int i = 0; i < k; i++) dest[1 + i] = (byte)(v >> (8 * i));
                return 1 + k;
            }
        }
        float f = (float)score;
        if (f == score)
        {
            *dest = ScoreFloatTag;
            Unsafe.WriteUnaligned(dest + 1, f);
            return 5;
        }
        *dest = ScoreDoubleTag;
        Unsafe.WriteUnaligned(dest + 1, score);
        return 9;
    }

    /// <summary>Bytes <see cref="WriteScore"/> takes for <paramref name="score"/>.</summary>
    internal static int ScoreSize(double score)
    {
        byte* scratch = stackalloc byte[MaxScoreSize];
        return WriteScore(scratch, score);
    }

    /// <summary>Fewest bytes of a two's complement integer that hold <paramref name="v"/> (1..8).</summary>
    private static int IntBytes(long v)
    {
        int k = 1;
        while (k < 8 && (v < -(1L << (8 * k - 1)) || v >= 1L << (8 * k - 1))) k++;
        return k;
    }

    /// <summary>Reads a score written by <see cref="WriteScore"/>; <paramref name="size"/> is how many bytes it took.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static double ReadScore(byte* p, out int size)
    {
        byte tag = *p;
        if (tag < ScoreIntTag) { size = 1; return tag; }
        if (tag == ScoreDoubleTag) { size = 9; return Unsafe.ReadUnaligned<double>(p + 1); }
        if (tag == ScoreFloatTag) { size = 5; return Unsafe.ReadUnaligned<float>(p + 1); }
        int k = tag - ScoreIntTag;
        size = 1 + k;
        ulong raw = 0;
        for (int i = 0; i < k; i++) raw |= (ulong)p[1 + i] << (8 * i);
        int shift = 64 - 8 * k;
        return (long)(raw << shift) >> shift;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ScoreSizeAt(byte* p)
    {
        byte tag = *p;
        if (tag < ScoreIntTag) return 1;
        if (tag == ScoreDoubleTag) return 9;
        if (tag == ScoreFloatTag) return 5;
        return 1 + tag - ScoreIntTag;
    }

    /// <summary>Reads the pair at <paramref name="pos"/>: its member, score and where the next pair starts.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ReadOnlySpan<byte> ReadPair(byte* block, int pos, out double score, out int next)
    {
        var member = Listpack.ReadItem(block, pos, out int scorePos);
        score = ReadScore(block + scorePos, out int size);
        next = scorePos + size;
        return member;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int NextPair(byte* block, int pos)
    {
        Listpack.ReadItem(block, pos, out int scorePos);
        return scorePos + ScoreSizeAt(block + scorePos);
    }

    private static int SkipPairs(byte* block, int pos, long pairs)
    {
        for (long i = 0; i < pairs; i++) pos = NextPair(block, pos);
        return pos;
    }

    /// <summary>Position of the member's pair, or -1; its score through <paramref name="score"/>.</summary>
    private static int FindInListpack(byte* block, ReadOnlySpan<byte> member, out double score)
    {
        int used = Listpack.UsedBytes(block);
        for (int pos = Listpack.HeaderSize; pos < used;)
        {
            int at = pos;
            var m = ReadPair(block, pos, out score, out pos);
            if (m.SequenceEqual(member)) return at;
        }
        score = 0;
        return -1;
    }

    private static void RemovePairAt(byte* block, int pos) => Listpack.RemoveRange(block, pos, NextPair(block, pos), entries: 1);

    /// <summary>Valkey's zzlInsert: before the first pair with a higher score, or an equal score and a greater member.</summary>
    private static void InsertIntoListpack(Arena arena, ValueHeader* header, ReadOnlySpan<byte> member, double score)
    {
        byte* block = ValueHeader.PointerAt(header);
        int used = Listpack.UsedBytes(block);
        int pos = Listpack.HeaderSize;
        while (pos < used)
        {
            var m = ReadPair(block, pos, out double s, out int next);
            if (s > score || (s == score && m.SequenceCompareTo(member) > 0)) break;
            pos = next;
        }
        byte* scoreBytes = stackalloc byte[MaxScoreSize];
        int size = WriteScore(scoreBytes, score);
        ValueHeader.SetPointer(header, Listpack.InsertItemAndRawAt(arena, block, pos, member, new ReadOnlySpan<byte>(scoreBytes, size)));
    }

    /// <summary>
    /// Index-based access to a listpack's pairs (positions gathered once), for the walks that go
    /// backwards or start from the far end. Index -1 means "none".
    /// </summary>
    private ref struct ListpackView
    {
        private readonly byte* _block;
        private readonly Span<int> _offsets;
        private readonly int[]? _rented;
        public readonly int Count;

        public ListpackView(byte* block)
        {
            _block = block;
            Count = Listpack.Count(block);
            _rented = ArrayPool<int>.Shared.Rent(Math.Max(Count, 1));
            _offsets = _rented;
            int used = Listpack.UsedBytes(block), n = 0;
            for (int pos = Listpack.HeaderSize; pos < used; pos = NextPair(block, pos)) _offsets[n++] = pos;
        }

        public readonly ReadOnlySpan<byte> Read(int i, out double score) => ReadPair(_block, _offsets[i], out score, out _);

        /// <summary>Removes the pairs of indexes [first, end) from the block; returns how many. The view is stale afterwards.</summary>
        public readonly long RemoveIndexes(int first, int end)
        {
            if (end <= first) return 0;
            int stop = end < Count ? _offsets[end] : Listpack.UsedBytes(_block);
            Listpack.RemoveRange(_block, _offsets[first], stop, end - first);
            return end - first;
        }

        public readonly int Step(int i, bool reverse)
        {
            i += reverse ? -1 : 1;
            return i >= 0 && i < Count ? i : -1;
        }

        /// <summary>Moves <paramref name="offset"/> steps; a negative offset walks off the end (Valkey's <c>while (eptr &amp;&amp; offset--)</c>).</summary>
        public readonly int Skip(int i, long offset, bool reverse)
        {
            if (offset < 0) return -1;
            if (i < 0 || offset == 0) return i;
            long target = reverse ? i - offset : i + offset;
            return target >= 0 && target < Count ? (int)target : -1;
        }

        public readonly int FirstInRange<TRange>(in TRange range) where TRange : ISortedSetRange, allows ref struct
        {
            if (!InRange(range)) return -1;
            for (int i = 0; i < Count; i++)
            {
                var m = Read(i, out double s);
                if (range.GteMin(m, s)) return range.LteMax(m, s) ? i : -1;
            }
            return -1;
        }

        public readonly int LastInRange<TRange>(in TRange range) where TRange : ISortedSetRange, allows ref struct
        {
            if (!InRange(range)) return -1;
            for (int i = Count - 1; i >= 0; i--)
            {
                var m = Read(i, out double s);
                if (range.LteMax(m, s)) return range.GteMin(m, s) ? i : -1;
            }
            return -1;
        }

        /// <summary>The index after the last element in range, walking up from <paramref name="first"/> (in range).</summary>
        public readonly int EndOfRange<TRange>(int first, in TRange range) where TRange : ISortedSetRange, allows ref struct
        {
            int end = first;
            while (end < Count)
            {
                var m = Read(end, out double s);
                if (!range.LteMax(m, s)) break;
                end++;
            }
            return end;
        }

        private readonly bool InRange<TRange>(in TRange range) where TRange : ISortedSetRange, allows ref struct
        {
            if (range.IsEmpty || Count == 0) return false;
            var last = Read(Count - 1, out double lastScore);
            if (!range.GteMin(last, lastScore)) return false;
            var first = Read(0, out double firstScore);
            return range.LteMax(first, firstScore);
        }

        public readonly void Dispose()
        {
            if (_rented != null) ArrayPool<int>.Shared.Return(_rented);
        }
    }
}
