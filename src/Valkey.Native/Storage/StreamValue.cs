using System.Runtime.CompilerServices;
using Valkey.Native.Protocol;

namespace Valkey.Native.Storage;

/// <summary>
/// Stream values (Valkey's t_stream.c storage), all in arena memory.
/// <para>The value's 8 data bytes point at a <b>metadata block</b> (<see cref="Meta"/>): length,
/// last/first/max-deleted IDs, entries-added, the consumer-groups reference (owned by
/// <see cref="StreamGroups"/>) and a sorted <b>index</b> of nodes keyed by their master ID
/// (the role of Valkey's radix tree: O(log n) lookup by ID, O(1) append and front removal).</para>
/// <para>A <b>node</b> (<see cref="StreamNode"/>) holds up to stream-node-max-entries entries in one
/// arena block, delta-encoded against the node's master ID, with Valkey's master-field
/// compression; deleted entries stay flagged in place and XDEL frees a node when none is live
/// (an exact MINID trim may leave a node with nothing live, as Valkey does: see <see cref="Trim"/>).</para>
/// <para>Threading: command thread only, except <see cref="Free"/> (may run on the lazy-free worker:
/// it touches only the arena and <see cref="StreamGroups.Free"/>). Pointers and spans obtained from
/// a stream are valid until the next mutation of that stream.</para>
/// </summary>
public static unsafe partial class StreamValue
{
    /// <summary>Valkey's SCG_INVALID_ENTRIES_READ: "unknown" for lag/entries-read computations.</summary>
    public const long InvalidEntriesRead = -1;

    /// <summary>The metadata block the value's data pointer refers to.</summary>
    internal struct Meta
    {
        public long Length;
        public StreamId LastId;
        public StreamId FirstId;
        public StreamId MaxDeletedId;
        public long EntriesAdded;
        public long GroupsRef;
        /// <summary>Index slots (<see cref="IndexSlot"/>), live ones in [IndexStart, IndexStart + NodeCount).</summary>
        public IndexSlot* Index;
        public int IndexStart;
        public int NodeCount;
        public int IndexCapacity;
        public int Reserved;
    }

    /// <summary>One node in the index: its master ID (the first ID ever stored in it) and the node block.</summary>
    internal struct IndexSlot
    {
        public StreamId Master;
        public byte* Node;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Meta* M(ValueHeader* h) => (Meta*)ValueHeader.PointerAt(h);

    // ---- metadata -----------------------------------------------------------------------

    /// <summary>Number of live entries (XLEN).</summary>
    public static long Length(ValueHeader* h) => M(h)->Length;

    /// <summary>The ID of the last entry ever added (or set by XSETID): the "$" and XADD "*" base.</summary>
    public static StreamId LastId(ValueHeader* h) => M(h)->LastId;

    /// <summary>The ID of the first live entry (Valkey's s->first_id), 0-0 when the stream is empty.</summary>
    public static StreamId FirstId(ValueHeader* h) => M(h)->FirstId;

    /// <summary>The largest ID ever deleted (XDEL, XTRIM, XSETID MAXDELETEDID), 0-0 if none.</summary>
    public static StreamId MaxDeletedId(ValueHeader* h) => M(h)->MaxDeletedId;

    /// <summary>Count of entries ever added (XINFO "entries-added").</summary>
    public static long EntriesAdded(ValueHeader* h) => M(h)->EntriesAdded;

    /// <summary>
    /// The 64-bit slot owned by <see cref="StreamGroups"/> (0 = no groups). The stream only
    /// passes it to StreamGroups.Free / Clone / MemoryBytes.
    /// </summary>
    public static ref long GroupsRef(ValueHeader* h) => ref M(h)->GroupsRef;

    /// <summary>Number of nodes (XINFO "radix-tree-keys").</summary>
    public static int NodeCount(ValueHeader* h) => M(h)->NodeCount;

    /// <summary>
    /// The first entry of the first node, deleted or not (Valkey's streamGetEdgeID(first, keep
    /// tombstones): what an approximate MINID trim propagates); the maximum ID when there is no node.
    /// </summary>
    public static StreamId FirstEntryId(ValueHeader* h)
    {
        Meta* m = M(h);
        if (m->NodeCount == 0) return StreamId.Max;
        byte* node = m->Index[m->IndexStart].Node;
        return StreamNode.ReadId(node, StreamNode.First(node), out _, out _);
    }

    /// <summary>The ID of the last live entry (Valkey's streamLastValidID), 0-0 when empty.</summary>
    public static StreamId LastLiveId(ValueHeader* h)
    {
        var it = Iterate(h, StreamId.Min, StreamId.Max, reverse: true);
        return it.MoveNext() ? it.Id : StreamId.Min;
    }

    // ---- creation / freeing / copying ---------------------------------------------------------

    /// <summary>Initializes <paramref name="h"/> (a header of type Stream with 8 data bytes) as an empty stream.</summary>
    internal static void InitEmpty(Arena arena, ValueHeader* h)
    {
        var m = (Meta*)arena.AllocZeroed((nuint)sizeof(Meta));
        ValueHeader.SetPointer(h, (byte*)m);
    }

    /// <summary>
    /// Adds a new empty stream under <paramref name="key"/> (which must not exist) and returns
    /// its keyspace entry (XGROUP CREATE ... MKSTREAM, XADD). Signals the key ready and emits
    /// nothing else: the caller sends its own keyspace events.
    /// </summary>
    public static byte* CreateEmpty(Database db, ReadOnlySpan<byte> key)
    {
        byte* entry = db.Add(key, DataType.Stream, ValueEncoding.Stream, 8);
        InitEmpty(db.Keyspace.Arena, Database.Header(entry));
        return entry;
    }

    /// <summary>Frees everything the value owns (nodes, index, groups, metadata). Lazy-free safe.</summary>
    public static void Free(Keyspace keyspace, ValueHeader* h)
    {
        Meta* m = M(h);
        if (m == null) return;
        Arena arena = keyspace.Arena;
        for (int i = 0; i < m->NodeCount; i++) arena.Free(m->Index[m->IndexStart + i].Node);
        if (m->Index != null) arena.Free((byte*)m->Index);
        if (m->GroupsRef != 0) StreamGroups.Free(keyspace, m->GroupsRef);
        arena.Free((byte*)m);
        ValueHeader.SetPointer(h, null);
    }

    /// <summary>COPY: deep-copies <paramref name="source"/>'s memory into <paramref name="target"/> (a byte copy of the header).</summary>
    public static void CloneInto(Keyspace keyspace, ValueHeader* source, ValueHeader* target)
    {
        Arena arena = keyspace.Arena;
        Meta* s = M(source);
        var t = (Meta*)arena.Alloc((nuint)sizeof(Meta));
        *t = *s;
        t->IndexStart = 0;
        t->IndexCapacity = s->NodeCount;
        t->Index = s->NodeCount == 0 ? null : (IndexSlot*)arena.Alloc((nuint)(s->NodeCount * sizeof(IndexSlot)));
        for (int i = 0; i < s->NodeCount; i++)
        {
            IndexSlot slot = s->Index[s->IndexStart + i];
            int used = StreamNode.Used(slot.Node);
            byte* copy = arena.Alloc((nuint)used);
            Buffer.MemoryCopy(slot.Node, copy, used, used);
            t->Index[i] = new IndexSlot { Master = slot.Master, Node = copy };
        }
        t->GroupsRef = s->GroupsRef == 0 ? 0 : StreamGroups.Clone(keyspace, s->GroupsRef);
        ValueHeader.SetPointer(target, (byte*)t);
    }

    /// <summary>Bytes the value owns outside its keyspace entry (MEMORY USAGE).</summary>
    public static long MemoryBytes(Keyspace keyspace, ValueHeader* h)
    {
        Meta* m = M(h);
        Arena arena = keyspace.Arena;
        long total = (long)arena.UsableSize((byte*)m);
        if (m->Index != null) total += (long)arena.UsableSize((byte*)m->Index);
        for (int i = 0; i < m->NodeCount; i++) total += (long)arena.UsableSize(m->Index[m->IndexStart + i].Node);
        if (m->GroupsRef != 0) total += StreamGroups.MemoryBytes(keyspace, m->GroupsRef);
        return total;
    }

    /// <summary>Lazy-free effort: one allocation per node (plus the metadata).</summary>
    public static long FreeEffort(ValueHeader* h) => M(h)->NodeCount + 1;

    // ---- reading --------------------------------------------------------------------------------

    /// <summary>
    /// An iterator over live entries with IDs in [<paramref name="start"/>, <paramref name="end"/>]
    /// (both inclusive; pass StreamId.Min/Max for open ends), ascending or, with
    /// <paramref name="reverse"/>, descending. Call <see cref="StreamIterator.MoveNext"/> first.
    /// </summary>
    public static StreamIterator Iterate(ValueHeader* h, StreamId start, StreamId end, bool reverse = false) =>
        new(M(h), start, end, reverse);

    /// <summary>Positions <paramref name="it"/> on the live entry with exactly <paramref name="id"/>; false if there is none (never added, deleted or trimmed).</summary>
    public static bool TryFind(ValueHeader* h, StreamId id, out StreamIterator it)
    {
        it = Iterate(h, id, id);
        return it.MoveNext();
    }

    /// <summary>Whether a live entry with exactly <paramref name="id"/> exists.</summary>
    public static bool Contains(ValueHeader* h, StreamId id) => TryFind(h, id, out _);

    /// <summary>Writes the current entry of <paramref name="it"/> as Valkey does: <c>[id, [f1, v1, ...]]</c> (RESP2 and RESP3 alike).</summary>
    public static void WriteEntry(ReplyWriter reply, ref StreamIterator it)
    {
        reply.AddArrayLength(2);
        Span<byte> idText = stackalloc byte[StreamId.MaxTextLength];
        reply.AddBulk(idText[..it.Id.Format(idText)]);
        reply.AddArrayLength(it.FieldCount * 2);
        it.ResetFields();
        while (it.NextField(out var field, out var value))
        {
            reply.AddBulk(field);
            reply.AddBulk(value);
        }
    }

    /// <summary>Writes the entry with exactly <paramref name="id"/> as <see cref="WriteEntry"/>; false (nothing written) if it does not exist.</summary>
    public static bool TryWriteEntry(ReplyWriter reply, ValueHeader* h, StreamId id)
    {
        if (!TryFind(h, id, out var it)) return false;
        WriteEntry(reply, ref it);
        return true;
    }

    /// <summary>
    /// Writes an array of the live entries in [start, end] (descending with <paramref name="reverse"/>),
    /// at most <paramref name="count"/> of them (0 or less = all), each as <see cref="WriteEntry"/>.
    /// Returns how many were written (the array length).
    /// </summary>
    public static long WriteRange(ReplyWriter reply, ValueHeader* h, StreamId start, StreamId end, long count, bool reverse)
    {
        int handle = reply.BeginDeferredLength();
        long n = 0;
        var it = Iterate(h, start, end, reverse);
        while ((count <= 0 || n < count) && it.MoveNext())
        {
            WriteEntry(reply, ref it);
            n++;
        }
        reply.SetDeferredArrayLength(handle, n);
        return n;
    }

    // ---- lag support (Valkey's streamRangeHasTombstones / streamEstimateDistanceFromFirstEverEntry) ----

    /// <summary>
    /// Whether deleted entries may lie within [start, end] (Valkey's streamRangeHasTombstones):
    /// false when the stream is empty, nothing was ever deleted or the last deletion precedes the first entry, else whether MaxDeletedId is in the range.
    /// </summary>
    public static bool RangeHasTombstones(ValueHeader* h, StreamId start, StreamId end)
    {
        Meta* m = M(h);
        if (m->Length == 0 || m->MaxDeletedId.IsZero) return false;
        if (m->FirstId > m->MaxDeletedId) return false;
        return start <= m->MaxDeletedId && m->MaxDeletedId <= end;
    }

    /// <summary>
    /// Valkey's streamEstimateDistanceFromFirstEverEntry: the "entries read" counter of
    /// <paramref name="id"/> (1 for the first entry ever added), or <see cref="InvalidEntriesRead"/> when unknown.
    /// </summary>
    public static long EstimateDistanceFromFirstEverEntry(ValueHeader* h, StreamId id)
    {
        Meta* m = M(h);
        if (m->EntriesAdded == 0) return 0;
        if (m->Length == 0 && id <= m->LastId) return m->EntriesAdded;
        int cmpLast = id.CompareTo(m->LastId);
        if (cmpLast == 0) return m->EntriesAdded;
        if (cmpLast > 0) return InvalidEntriesRead;
        if (m->MaxDeletedId.IsZero || m->MaxDeletedId < m->FirstId)
        {
            int cmpFirst = id.CompareTo(m->FirstId);
            if (cmpFirst < 0) return m->EntriesAdded - m->Length;
            if (cmpFirst == 0) return m->EntriesAdded - m->Length + 1;
        }
        return InvalidEntriesRead;
    }
}
