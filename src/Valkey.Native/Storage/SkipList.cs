using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Valkey.Native.Storage;

/// <summary>One element of a <see cref="SkipList"/>; its levels follow it in the same arena block.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct SkipListNode
{
    public double Score;
    public SkipListNode* Backward;
    /// <summary>
    /// The member's entry in the sorted set's member table (a <see cref="KeyTable"/> entry): the
    /// member bytes are stored once, there. Null for the list's header node.
    /// </summary>
    public byte* Entry;
    public int Level;
    private int _reserved;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SkipListLevel* Levels(SkipListNode* node) => (SkipListLevel*)(node + 1);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ReadOnlySpan<byte> MemberOf(SkipListNode* node) => KeyTable.KeyOf(node->Entry);

    /// <summary>The next node in ascending order, or null.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SkipListNode* Next(SkipListNode* node) => Levels(node)[0].Forward;
}

/// <summary>One level of a node: the next node at that level and how many elements that link skips.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct SkipListLevel
{
    public SkipListNode* Forward;
    public long Span;
}

/// <summary>Called with each node a range deletion unlinks, before the node's memory is freed.</summary>
public unsafe interface ISkipListRemoval
{
    void Removed(SkipListNode* node);
}

/// <summary>
/// Valkey's zskiplist in arena memory: elements ordered by (score, member bytes), each node with
/// 1..32 levels (probability 1/4 per extra level) whose links record their span, so that rank
/// lookups and rank-based access are O(log n). The list's own block holds its length, level,
/// tail and the header node with all 32 levels. Members are not stored here: each node points
/// at its member's <see cref="KeyTable"/> entry, whose payload in turn points back at the node.
/// Thread: command thread only.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct SkipList
{
    public const int MaxLevel = 32;

    public SkipListNode* Tail;
    public long Length;
    public int Level;
    /// <summary>Free for the owner (SortedSetValue keeps its member table's handle here).</summary>
    public int OwnerData;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SkipListNode* Header(SkipList* list) => (SkipListNode*)(list + 1);

    /// <summary>The lowest element, or null when empty.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SkipListNode* First(SkipList* list) => SkipListNode.Levels(Header(list))[0].Forward;

    private static nuint NodeSize(int level) => (nuint)(sizeof(SkipListNode) + level * sizeof(SkipListLevel));

    public static SkipList* Create(Arena arena)
    {
        var list = (SkipList*)arena.Alloc((nuint)sizeof(SkipList) + NodeSize(MaxLevel));
        list->Tail = null;
        list->Length = 0;
        list->Level = 1;
        list->OwnerData = 0;
        SkipListNode* header = Header(list);
        header->Score = 0;
        header->Backward = null;
        header->Entry = null;
        header->Level = MaxLevel;
        SkipListLevel* levels = SkipListNode.Levels(header);
        for (int i = 0; i < MaxLevel; i++)
        {
            levels[i].Forward = null;
            levels[i].Span = 0;
        }
        return list;
    }

    /// <summary>Frees every node and the list itself (the member entries belong to the caller).</summary>
    public static void Free(Arena arena, SkipList* list)
    {
        SkipListNode* node = First(list);
        while (node != null)
        {
            SkipListNode* next = SkipListNode.Next(node);
            arena.Free((byte*)node);
            node = next;
        }
        arena.Free((byte*)list);
    }

    /// <summary>Bytes held by the list block and its nodes (MEMORY USAGE).</summary>
    public static long MemoryBytes(Arena arena, SkipList* list)
    {
        long bytes = (long)arena.UsableSize((byte*)list);
        for (SkipListNode* n = First(list); n != null; n = SkipListNode.Next(n)) bytes += (long)arena.UsableSize((byte*)n);
        return bytes;
    }

    // ---- ordering ------------------------------------------------------------------------

    /// <summary>True when (score, member) of <paramref name="node"/> sorts before (score, member).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Before(SkipListNode* node, double score, ReadOnlySpan<byte> member) =>
        node->Score < score || (node->Score == score && SkipListNode.MemberOf(node).SequenceCompareTo(member) < 0);

    private static ulong s_random = (ulong)Environment.TickCount64 * 0x9E3779B97F4A7C15UL | 1;

    /// <summary>Valkey's zslRandomLevel: 1 plus one level per success of a 1/4 chance, at most 32.</summary>
    private static int RandomLevel()
    {
        int level = 1;
        while (level < MaxLevel)
        {
            // xorshift64*: two random bits per level.
            ulong x = s_random;
            x ^= x >> 12; x ^= x << 25; x ^= x >> 27;
            s_random = x;
            if (((x * 0x2545F4914F6CDD1DUL) >> 62) != 0) break;
            level++;
        }
        return level;
    }

    // ---- insertion and removal --------------------------------------------------------------

    /// <summary>Inserts an element known to be absent; returns its node.</summary>
    public static SkipListNode* Insert(Arena arena, SkipList* list, double score, byte* memberEntry)
    {
        int level = RandomLevel();
        var node = (SkipListNode*)arena.Alloc(NodeSize(level));
        node->Score = score;
        node->Entry = memberEntry;
        node->Level = level;
        Link(list, node);
        return node;
    }

    /// <summary>Links a node (score, entry and level set) at its place in the order.</summary>
    private static void Link(SkipList* list, SkipListNode* node)
    {
        SkipListNode** update = stackalloc SkipListNode*[MaxLevel];
        long* rank = stackalloc long[MaxLevel];
        double score = node->Score;
        var member = SkipListNode.MemberOf(node);
        SkipListNode* x = Header(list);
        for (int i = list->Level - 1; i >= 0; i--)
        {
            rank[i] = i == list->Level - 1 ? 0 : rank[i + 1];
            SkipListLevel* lv = SkipListNode.Levels(x);
            while (lv[i].Forward != null && Before(lv[i].Forward, score, member))
            {
                rank[i] += lv[i].Span;
                x = lv[i].Forward;
                lv = SkipListNode.Levels(x);
            }
            update[i] = x;
        }
        int level = node->Level;
        if (level > list->Level)
        {
            for (int i = list->Level; i < level; i++)
            {
                rank[i] = 0;
                update[i] = Header(list);
                SkipListNode.Levels(update[i])[i].Span = list->Length;
            }
            list->Level = level;
        }
        SkipListLevel* levels = SkipListNode.Levels(node);
        for (int i = 0; i < level; i++)
        {
            SkipListLevel* u = SkipListNode.Levels(update[i]);
            levels[i].Forward = u[i].Forward;
            u[i].Forward = node;
            levels[i].Span = u[i].Span - (rank[0] - rank[i]);
            u[i].Span = rank[0] - rank[i] + 1;
        }
        for (int i = level; i < list->Level; i++) SkipListNode.Levels(update[i])[i].Span++;
        node->Backward = update[0] == Header(list) ? null : update[0];
        if (levels[0].Forward != null) levels[0].Forward->Backward = node;
        else list->Tail = node;
        list->Length++;
    }

    /// <summary>Fills <paramref name="update"/> with the last node before <paramref name="node"/> on every level.</summary>
    private static void FindUpdate(SkipList* list, SkipListNode* node, SkipListNode** update)
    {
        double score = node->Score;
        var member = SkipListNode.MemberOf(node);
        SkipListNode* x = Header(list);
        for (int i = list->Level - 1; i >= 0; i--)
        {
            while (SkipListNode.Levels(x)[i].Forward != null && Before(SkipListNode.Levels(x)[i].Forward, score, member))
                x = SkipListNode.Levels(x)[i].Forward;
            update[i] = x;
        }
    }

    /// <summary>Valkey's zslDeleteNode: unlinks <paramref name="node"/> given its predecessors on every level.</summary>
    private static void Unlink(SkipList* list, SkipListNode* node, SkipListNode** update)
    {
        SkipListLevel* levels = SkipListNode.Levels(node);
        for (int i = 0; i < list->Level; i++)
        {
            SkipListLevel* u = SkipListNode.Levels(update[i]);
            if (u[i].Forward == node)
            {
                u[i].Span += levels[i].Span - 1;
                u[i].Forward = levels[i].Forward;
            }
            else
            {
                u[i].Span -= 1;
            }
        }
        if (levels[0].Forward != null) levels[0].Forward->Backward = node->Backward;
        else list->Tail = node->Backward;
        SkipListLevel* header = SkipListNode.Levels(Header(list));
        while (list->Level > 1 && header[list->Level - 1].Forward == null) list->Level--;
        list->Length--;
    }

    /// <summary>Unlinks and frees <paramref name="node"/> (its member entry is the caller's).</summary>
    public static void Delete(Arena arena, SkipList* list, SkipListNode* node)
    {
        SkipListNode** update = stackalloc SkipListNode*[MaxLevel];
        FindUpdate(list, node, update);
        Unlink(list, node, update);
        arena.Free((byte*)node);
    }

    /// <summary>
    /// Valkey's zslUpdateScore: changes a node's score, in place when the order allows, otherwise
    /// by unlinking and relinking the same node (so whoever points at it stays valid).
    /// </summary>
    public static void UpdateScore(SkipList* list, SkipListNode* node, double newScore)
    {
        SkipListNode* next = SkipListNode.Next(node);
        if ((node->Backward == null || node->Backward->Score < newScore) && (next == null || next->Score > newScore))
        {
            node->Score = newScore;
            return;
        }
        SkipListNode** update = stackalloc SkipListNode*[MaxLevel];
        FindUpdate(list, node, update);
        Unlink(list, node, update);
        node->Score = newScore;
        Link(list, node);
    }

    // ---- ranks ---------------------------------------------------------------------------

    /// <summary>1-based rank of <paramref name="node"/> (Valkey's zslGetRank).</summary>
    public static long RankOf(SkipList* list, SkipListNode* node)
    {
        double score = node->Score;
        var member = SkipListNode.MemberOf(node);
        long rank = 0;
        SkipListNode* x = Header(list);
        for (int i = list->Level - 1; i >= 0; i--)
        {
            SkipListLevel* lv = SkipListNode.Levels(x);
            while (lv[i].Forward != null && (lv[i].Forward == node || Before(lv[i].Forward, score, member)))
            {
                rank += lv[i].Span;
                x = lv[i].Forward;
                if (x == node) return rank;
                lv = SkipListNode.Levels(x);
            }
        }
        return 0;
    }

    /// <summary>The element at a 1-based rank, or null (Valkey's zslGetElementByRank).</summary>
    public static SkipListNode* ByRank(SkipList* list, long rank)
    {
        if (rank < 1 || rank > list->Length) return null;
        long traversed = 0;
        SkipListNode* x = Header(list);
        for (int i = list->Level - 1; i >= 0; i--)
        {
            SkipListLevel* lv = SkipListNode.Levels(x);
            while (lv[i].Forward != null && traversed + lv[i].Span <= rank)
            {
                traversed += lv[i].Span;
                x = lv[i].Forward;
                lv = SkipListNode.Levels(x);
            }
            if (traversed == rank) return x;
        }
        return null;
    }

    // ---- score and lexicographic ranges ----------------------------------------------------------

    public static bool IsInRange<TRange>(SkipList* list, in TRange range) where TRange : ISortedSetRange, allows ref struct
    {
        if (range.IsEmpty) return false;
        SkipListNode* last = list->Tail;
        if (last == null || !range.GteMin(last)) return false;
        SkipListNode* first = First(list);
        return first != null && range.LteMax(first);
    }

    /// <summary>
    /// Valkey's zslNthInRange / zslNthInLexRange: the n-th element (0-based) inside the range,
    /// counting from its low end; a negative n counts from the high end (-1 is the last one). Null if none.
    /// </summary>
    public static SkipListNode* NthInRange<TRange>(SkipList* list, in TRange range, long n) where TRange : ISortedSetRange, allows ref struct
    {
        if (!IsInRange(list, range)) return null;
        SkipListNode* x = Header(list);
        long edgeRank = 0;
        if (n >= 0)
        {
            // Rank of the last element below the range.
            for (int i = list->Level - 1; i >= 0; i--)
            {
                SkipListLevel* lv = SkipListNode.Levels(x);
                while (lv[i].Forward != null && !range.GteMin(lv[i].Forward))
                {
                    edgeRank += lv[i].Span;
                    x = lv[i].Forward;
                    lv = SkipListNode.Levels(x);
                }
            }
            if ((ulong)(edgeRank + n) >= (ulong)list->Length) return null;
            SkipListNode* node = ByRank(list, edgeRank + 1 + n);
            return node != null && range.LteMax(node) ? node : null;
        }
        // Rank of the last element inside the range.
        for (int i = list->Level - 1; i >= 0; i--)
        {
            SkipListLevel* lv = SkipListNode.Levels(x);
            while (lv[i].Forward != null && range.LteMax(lv[i].Forward))
            {
                edgeRank += lv[i].Span;
                x = lv[i].Forward;
                lv = SkipListNode.Levels(x);
            }
        }
        if (edgeRank < -n) return null;
        SkipListNode* found = ByRank(list, edgeRank + 1 + n);
        return found != null && range.GteMin(found) ? found : null;
    }

    // ---- range deletion --------------------------------------------------------------------

    /// <summary>Deletes the elements with 1-based ranks start..end (inclusive); returns how many.</summary>
    public static long DeleteRangeByRank<TRemoval>(Arena arena, SkipList* list, long start, long end, ref TRemoval removal)
        where TRemoval : struct, ISkipListRemoval
    {
        SkipListNode** update = stackalloc SkipListNode*[MaxLevel];
        long traversed = 0;
        SkipListNode* x = Header(list);
        for (int i = list->Level - 1; i >= 0; i--)
        {
            while (SkipListNode.Levels(x)[i].Forward != null && traversed + SkipListNode.Levels(x)[i].Span < start)
            {
                traversed += SkipListNode.Levels(x)[i].Span;
                x = SkipListNode.Levels(x)[i].Forward;
            }
            update[i] = x;
        }
        traversed++;
        x = SkipListNode.Levels(x)[0].Forward;
        long removed = 0;
        while (x != null && traversed <= end)
        {
            SkipListNode* next = SkipListNode.Next(x);
            Unlink(list, x, update);
            removal.Removed(x);
            arena.Free((byte*)x);
            removed++;
            traversed++;
            x = next;
        }
        return removed;
    }

    /// <summary>Deletes the elements inside <paramref name="range"/> (by score or by member); returns how many.</summary>
    public static long DeleteRange<TRange, TRemoval>(Arena arena, SkipList* list, in TRange range, ref TRemoval removal)
        where TRange : ISortedSetRange, allows ref struct
        where TRemoval : struct, ISkipListRemoval
    {
        SkipListNode** update = stackalloc SkipListNode*[MaxLevel];
        SkipListNode* x = Header(list);
        for (int i = list->Level - 1; i >= 0; i--)
        {
            while (SkipListNode.Levels(x)[i].Forward != null && !range.GteMin(SkipListNode.Levels(x)[i].Forward))
                x = SkipListNode.Levels(x)[i].Forward;
            update[i] = x;
        }
        x = SkipListNode.Levels(x)[0].Forward;
        long removed = 0;
        while (x != null && range.LteMax(x))
        {
            SkipListNode* next = SkipListNode.Next(x);
            Unlink(list, x, update);
            removal.Removed(x);
            arena.Free((byte*)x);
            removed++;
            x = next;
        }
        return removed;
    }
}
