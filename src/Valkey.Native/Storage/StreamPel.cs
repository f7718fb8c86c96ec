using System.Runtime.InteropServices;

namespace Valkey.Native.Storage;

/// <summary>
/// One entry of a pending entries list. In a group's PEL it is the NACK itself (delivery time,
/// delivery count, owning consumer); in a consumer's PEL it only points at the group's node, so
/// the NACK data exists once and a consumer change is a move between consumer lists.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct PelNode
{
    public StreamId Id;
    /// <summary>Unix ms of the last delivery (Valkey's nack->delivery_time).</summary>
    public long DeliveryTime;
    public long DeliveryCount;
    /// <summary>In a consumer's PEL: the group PEL node holding the NACK data.</summary>
    public PelNode* Nack;
    /// <summary>In a group's PEL: the owning consumer's id in its group, -1 while unowned.</summary>
    public int ConsumerId;
    public int Level;

    public static PelNode** Forward(PelNode* node) => (PelNode**)(node + 1);

    public static PelNode* Next(PelNode* node) => Forward(node)[0];
}

/// <summary>
/// An ordered set of stream IDs in arena memory (a skiplist without spans): O(log n) insert,
/// delete and lookup and ordered forward scans, one arena block per entry, so a PEL of
/// millions of entries costs no GC objects. The list header is one arena block too.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct PelList
{
    private const int MaxLevel = 32;

    public long Count;
    /// <summary>Arena bytes held by the list (header and nodes), kept for MEMORY USAGE.</summary>
    public long Bytes;
    public PelNode* Tail;
    private int _level;
    private uint _seed;
    // MaxLevel forward pointers of the head follow.

    private static PelNode** Head(PelList* list) => (PelNode**)(list + 1);

    public static PelNode* First(PelList* list) => Head(list)[0];

    public static PelNode* Last(PelList* list) => list->Tail;

    public static PelList* Create(Arena arena)
    {
        nuint size = (nuint)(sizeof(PelList) + MaxLevel * sizeof(PelNode*));
        var list = (PelList*)arena.AllocZeroed(size);
        list->_level = 1;
        // Any non-zero seed: levels only need to be well spread, not unpredictable.
        list->_seed = (uint)((nuint)list >> 4) | 1u;
        list->Bytes = (long)arena.UsableSize((byte*)list);
        return list;
    }

    /// <summary>Frees the header and every node.</summary>
    public static void Free(Arena arena, PelList* list)
    {
        PelNode* node = First(list);
        while (node != null)
        {
            PelNode* next = PelNode.Next(node);
            arena.Free((byte*)node);
            node = next;
        }
        arena.Free((byte*)list);
    }

    private static int RandomLevel(PelList* list)
    {
        // xorshift32; each level with probability 1/4 as Valkey's skiplists.
        uint x = list->_seed;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        list->_seed = x;
        int level = 1;
        while (level < MaxLevel && (x & 3) == 0)
        {
            level++;
            x >>= 2;
            if (x == 0) break;
        }
        return level;
    }

    /// <summary>The node with exactly <paramref name="id"/>, or null.</summary>
    public static PelNode* Find(PelList* list, StreamId id)
    {
        PelNode* node = SeekGreaterOrEqual(list, id);
        return node != null && node->Id == id ? node : null;
    }

    /// <summary>The first node whose ID is &gt;= <paramref name="id"/>, or null.</summary>
    public static PelNode* SeekGreaterOrEqual(PelList* list, StreamId id)
    {
        PelNode** forward = Head(list);
        PelNode* candidate = null;
        for (int i = list->_level - 1; i >= 0; i--)
        {
            while (true)
            {
                PelNode* next = forward[i];
                if (next == null || next->Id >= id)
                {
                    candidate = next;
                    break;
                }
                forward = PelNode.Forward(next);
            }
        }
        return candidate;
    }

    /// <summary>
    /// Inserts <paramref name="id"/> with a zeroed payload; returns the new node, or the
    /// existing one with <paramref name="inserted"/> false.
    /// </summary>
    public static PelNode* Insert(Arena arena, PelList* list, StreamId id, out bool inserted)
    {
        PelNode*** update = stackalloc PelNode**[MaxLevel];
        PelNode** forward = Head(list);
        for (int i = list->_level - 1; i >= 0; i--)
        {
            while (forward[i] != null && forward[i]->Id < id) forward = PelNode.Forward(forward[i]);
            update[i] = forward;
        }
        PelNode* existing = forward[0];
        if (existing != null && existing->Id == id)
        {
            inserted = false;
            return existing;
        }
        int level = RandomLevel(list);
        if (level > list->_level)
        {
            for (int i = list->_level; i < level; i++) update[i] = Head(list);
            list->_level = level;
        }
        var node = (PelNode*)arena.Alloc((nuint)(sizeof(PelNode) + level * sizeof(PelNode*)));
        *node = default;
        node->Id = id;
        node->ConsumerId = -1;
        node->Level = level;
        PelNode** links = PelNode.Forward(node);
        for (int i = 0; i < level; i++)
        {
            links[i] = update[i][i];
            update[i][i] = node;
        }
        if (links[0] == null) list->Tail = node;
        list->Count++;
        list->Bytes += (long)arena.UsableSize((byte*)node);
        inserted = true;
        return node;
    }

    /// <summary>Removes <paramref name="id"/>; false if absent. Node pointers to other entries stay valid.</summary>
    public static bool Delete(Arena arena, PelList* list, StreamId id)
    {
        PelNode*** update = stackalloc PelNode**[MaxLevel];
        PelNode** forward = Head(list);
        PelNode* previous = null;
        for (int i = list->_level - 1; i >= 0; i--)
        {
            while (forward[i] != null && forward[i]->Id < id)
            {
                previous = forward[i];
                forward = PelNode.Forward(previous);
            }
            update[i] = forward;
        }
        PelNode* node = forward[0];
        if (node == null || node->Id != id) return false;
        PelNode** links = PelNode.Forward(node);
        for (int i = 0; i < node->Level; i++) update[i][i] = links[i];
        if (list->Tail == node) list->Tail = previous;
        while (list->_level > 1 && Head(list)[list->_level - 1] == null) list->_level--;
        list->Count--;
        list->Bytes -= (long)arena.UsableSize((byte*)node);
        arena.Free((byte*)node);
        return true;
    }
}
