namespace Valkey.Native.Storage;

/// <summary>The field/value pairs of an entry being added (a struct over command arguments or test data: no allocation).</summary>
public interface IStreamFields
{
    int PairCount { get; }
    ReadOnlySpan<byte> Field(int i);
    ReadOnlySpan<byte> Value(int i);
}

/// <summary>How XADD/XTRIM trim (Valkey's streamAddTrimArgs).</summary>
public enum StreamTrimStrategy : byte { None, MaxLen, MinId }

public static unsafe partial class StreamValue
{
    /// <summary>Valkey's STREAM_LISTPACK_MAX_SIZE: the node byte limit when stream-node-max-bytes is 0 or larger.</summary>
    public const long NodeMaxSizeCap = 1L << 30;

    // ---- appending ----------------------------------------------------------------------------

    /// <summary>
    /// Valkey's streamAppendItem after the ID checks: stores an entry with <paramref name="id"/>
    /// (which the caller verified is greater than <see cref="LastId"/>) at the tail, starting a new
    /// node when the tail node reached <paramref name="nodeMaxBytes"/> (Valkey listpack bytes, 0 =
    /// 1 GB) or <paramref name="nodeMaxEntries"/> (0 = unlimited). Updates length, last ID,
    /// entries-added and (for the first entry) the first ID.
    /// </summary>
    public static void Append<T>(Keyspace keyspace, ValueHeader* h, StreamId id, ref T fields, long nodeMaxBytes, long nodeMaxEntries)
        where T : struct, IStreamFields
    {
        Meta* m = M(h);
        Arena arena = keyspace.Arena;
        int pairs = fields.PairCount;
        long totalElementBytes = 0;
        for (int i = 0; i < pairs; i++) totalElementBytes += fields.Field(i).Length + fields.Value(i).Length;

        byte* tail = m->NodeCount > 0 ? m->Index[m->IndexStart + m->NodeCount - 1].Node : null;
        if (tail != null)
        {
            long maxBytes = nodeMaxBytes == 0 || nodeMaxBytes > NodeMaxSizeCap ? NodeMaxSizeCap : nodeMaxBytes;
            bool newNode = StreamNode.LpBytes(tail) + totalElementBytes >= maxBytes
                || (nodeMaxEntries > 0 && StreamNode.Count(tail) >= nodeMaxEntries);
            if (newNode)
            {
                // The tail is sealed: give back the growth slack (Valkey's lpShrinkToFit).
                int slot = m->IndexStart + m->NodeCount - 1;
                m->Index[slot].Node = arena.Realloc(tail, (nuint)StreamNode.Used(tail));
                tail = null;
            }
        }

        if (tail == null)
        {
            int masterSize = StreamNode.VarintSize((ulong)pairs);
            for (int i = 0; i < pairs; i++) masterSize += ItemSize(fields.Field(i).Length);
            int entrySize = EntrySize(ref fields, sameFields: true, StreamNode.IdPrefixSize(id, id));
            byte* node = arena.Alloc((nuint)(StreamNode.HeaderSize + masterSize + entrySize));
            StreamNode.Master(node) = id;
            StreamNode.Count(node) = 0;
            StreamNode.Deleted(node) = 0;
            StreamNode.EntriesLp(node) = 0;
            int p = StreamNode.HeaderSize;
            p += StreamNode.WriteVarint(node + p, (ulong)pairs);
            for (int i = 0; i < pairs; i++) p += WriteItem(node + p, fields.Field(i));
            StreamNode.First(node) = p;
            StreamNode.Used(node) = p;
            StreamNode.Last(node) = p;
            AddIndexSlot(arena, m, id, node);
            tail = node;
        }

        StreamId master = StreamNode.Master(tail);
        bool same = SameAsMaster(tail, ref fields);
        int size = EntrySize(ref fields, same, StreamNode.IdPrefixSize(master, id));
        int used = StreamNode.Used(tail);
        if ((nuint)(used + size) > arena.UsableSize(tail))
        {
            tail = arena.Realloc(tail, (nuint)(used + size));
            m->Index[m->IndexStart + m->NodeCount - 1].Node = tail;
        }
        byte* e = tail + used;
        int q = 0;
        q += StreamNode.WriteIdPrefix(e, master, id, same ? StreamNode.FlagSameFields : (byte)0);
        if (!same) q += StreamNode.WriteVarint(e + q, (ulong)pairs);
        for (int i = 0; i < pairs; i++)
        {
            if (!same) q += WriteItem(e + q, fields.Field(i));
            q += WriteItem(e + q, fields.Value(i));
        }
        q += StreamNode.WriteBackVarint(e + q, (ulong)q);
        StreamNode.Last(tail) = used;
        StreamNode.Used(tail) = used + q;
        StreamNode.Count(tail)++;
        StreamNode.EntriesLp(tail) = (int)Math.Min(int.MaxValue, StreamNode.EntriesLp(tail) + LpEntrySize(ref fields, same, (long)(id.Ms - master.Ms), (long)(id.Seq - master.Seq)));

        m->Length++;
        m->LastId = id;
        m->EntriesAdded++;
        if (m->Length == 1) m->FirstId = id;
    }

    private static int ItemSize(int length) => StreamNode.VarintSize((ulong)length) + length;

    private static int WriteItem(byte* p, ReadOnlySpan<byte> item)
    {
        int n = StreamNode.WriteVarint(p, (ulong)item.Length);
        item.CopyTo(new Span<byte>(p + n, item.Length));
        return n + item.Length;
    }

    private static int EntrySize<T>(ref T fields, bool sameFields, int idPrefixSize) where T : struct, IStreamFields
    {
        int pairs = fields.PairCount;
        int size = idPrefixSize;
        if (!sameFields) size += StreamNode.VarintSize((ulong)pairs);
        for (int i = 0; i < pairs; i++)
        {
            if (!sameFields) size += ItemSize(fields.Field(i).Length);
            size += ItemSize(fields.Value(i).Length);
        }
        return size + StreamNode.VarintSize((ulong)size);
    }

    /// <summary>The bytes Valkey's listpack spends on this entry (flags, ID deltas, fields, lp-count).</summary>
    private static long LpEntrySize<T>(ref T fields, bool sameFields, long msDelta, long seqDelta) where T : struct, IStreamFields
    {
        int pairs = fields.PairCount;
        long size = StreamNode.LpIntSize(sameFields ? StreamNode.FlagSameFields : 0) + StreamNode.LpIntSize(msDelta) + StreamNode.LpIntSize(seqDelta);
        if (!sameFields) size += StreamNode.LpIntSize(pairs);
        for (int i = 0; i < pairs; i++)
        {
            if (!sameFields) size += StreamNode.LpStringSize(fields.Field(i));
            size += StreamNode.LpStringSize(fields.Value(i));
        }
        long lpCount = sameFields ? pairs + 3 : 2L * pairs + 4;
        return size + StreamNode.LpIntSize(lpCount);
    }

    private static bool SameAsMaster<T>(byte* node, ref T fields) where T : struct, IStreamFields
    {
        int p = StreamNode.HeaderSize;
        int count = (int)StreamNode.ReadVarint(node, ref p);
        if (count != fields.PairCount) return false;
        for (int i = 0; i < count; i++)
        {
            int len = (int)StreamNode.ReadVarint(node, ref p);
            if (!new ReadOnlySpan<byte>(node + p, len).SequenceEqual(fields.Field(i))) return false;
            p += len;
        }
        return true;
    }

    private static void AddIndexSlot(Arena arena, Meta* m, StreamId master, byte* node)
    {
        if (m->Index == null)
        {
            m->IndexCapacity = 4;
            m->IndexStart = 0;
            m->Index = (IndexSlot*)arena.Alloc((nuint)(m->IndexCapacity * sizeof(IndexSlot)));
        }
        else if (m->IndexStart + m->NodeCount == m->IndexCapacity)
        {
            if (m->IndexStart > 0 && m->IndexStart >= m->NodeCount)
            {
                // Trimming freed the front half: slide down instead of growing.
                Buffer.MemoryCopy(m->Index + m->IndexStart, m->Index, (long)m->NodeCount * sizeof(IndexSlot), (long)m->NodeCount * sizeof(IndexSlot));
                m->IndexStart = 0;
            }
            else
            {
                m->IndexCapacity *= 2;
                m->Index = (IndexSlot*)arena.Realloc((byte*)m->Index, (nuint)(m->IndexCapacity * sizeof(IndexSlot)));
            }
        }
        m->Index[m->IndexStart + m->NodeCount] = new IndexSlot { Master = master, Node = node };
        m->NodeCount++;
    }

    /// <summary>Frees the node at absolute index slot <paramref name="slot"/> and closes the gap.</summary>
    private static void RemoveNode(Arena arena, Meta* m, int slot)
    {
        arena.Free(m->Index[slot].Node);
        int last = m->IndexStart + m->NodeCount - 1;
        if (slot == m->IndexStart) m->IndexStart++;
        else if (slot < last)
            Buffer.MemoryCopy(m->Index + slot + 1, m->Index + slot, (long)(last - slot) * sizeof(IndexSlot), (long)(last - slot) * sizeof(IndexSlot));
        m->NodeCount--;
        if (m->NodeCount == 0)
        {
            arena.Free((byte*)m->Index);
            m->Index = null;
            m->IndexStart = 0;
            m->IndexCapacity = 0;
        }
    }

    // ---- deleting -----------------------------------------------------------------------------

    /// <summary>Marks the iterator's current entry deleted; frees its node when no live entry remains. Invalidates iterators.</summary>
    private static void DeleteCurrent(Arena arena, Meta* m, ref StreamIterator it)
    {
        byte* node = it.Node;
        node[it.EntryOffset] |= StreamNode.FlagDeleted;
        StreamNode.Deleted(node)++;
        m->Length--;
        if (StreamNode.Live(node) == 0) RemoveNode(arena, m, it.Slot);
    }

    /// <summary>
    /// XDEL of one ID (Valkey's streamDeleteItem plus xdelCommand's bookkeeping): false if no live
    /// entry has it; else deletes it, raises MaxDeletedId and moves FirstId when needed.
    /// </summary>
    public static bool Delete(Keyspace keyspace, ValueHeader* h, StreamId id)
    {
        Meta* m = M(h);
        if (!TryFind(h, id, out var it)) return false;
        DeleteCurrent(keyspace.Arena, m, ref it);
        if (id > m->MaxDeletedId) m->MaxDeletedId = id;
        if (m->Length == 0) m->FirstId = StreamId.Min;
        else if (id == m->FirstId) m->FirstId = FirstLiveId(m);
        return true;
    }

    private static StreamId FirstLiveId(Meta* m)
    {
        var it = new StreamIterator(m, StreamId.Min, StreamId.Max, false);
        return it.MoveNext() ? it.Id : StreamId.Min;
    }

    /// <summary>
    /// Valkey's streamTrim: removes entries from the head until at most <paramref name="maxLen"/>
    /// remain (MaxLen) or no ID below <paramref name="minId"/> remains (MinId). With
    /// <paramref name="approx"/> only whole nodes go; <paramref name="limit"/> (0 = none) caps the
    /// entries removed by whole-node removal. Returns the number of entries removed.
    /// </summary>
    public static long Trim(Keyspace keyspace, ValueHeader* h, StreamTrimStrategy strategy, long maxLen, StreamId minId, bool approx, long limit)
    {
        if (strategy == StreamTrimStrategy.None) return 0;
        Meta* m = M(h);
        Arena arena = keyspace.Arena;
        long deleted = 0;
        while (m->NodeCount > 0)
        {
            if (strategy == StreamTrimStrategy.MaxLen && m->Length <= maxLen) break;
            int slot = m->IndexStart;
            byte* node = m->Index[slot].Node;
            long entries = StreamNode.Live(node);
            if (limit != 0 && deleted + entries > limit) break;
            bool removeNode;
            if (strategy == StreamTrimStrategy.MaxLen) removeNode = m->Length - entries >= maxLen;
            else
            {
                // Valkey compares the node's last ID, deleted or not.
                StreamId last = StreamNode.ReadId(node, StreamNode.Last(node), out _, out _);
                removeNode = last < minId;
            }
            if (removeNode)
            {
                RemoveNode(arena, m, slot);
                m->Length -= entries;
                deleted += entries;
                continue;
            }
            if (approx) break;
            // Mark entries of this node deleted one by one, then stop: the rest is kept.
            int pos = StreamNode.First(node);
            int end = StreamNode.Used(node);
            long fromNode = 0;
            while (pos < end)
            {
                StreamId id = StreamNode.ReadId(node, pos, out byte flags, out _);
                bool stop = strategy == StreamTrimStrategy.MaxLen ? m->Length <= maxLen : id >= minId;
                if (stop) break;
                if ((flags & StreamNode.FlagDeleted) == 0)
                {
                    node[pos] |= StreamNode.FlagDeleted;
                    StreamNode.Deleted(node)++;
                    m->Length--;
                    fromNode++;
                }
                pos = StreamNode.NextEntry(node, pos);
            }
            deleted += fromNode;
            // A node left with nothing live stays, as in Valkey (MINID stopping at a deleted last
            // entry): later appends and approximate trims then see the same nodes Valkey would.
            // It goes with the next trim that reaches it, or takes appends if it is the tail.
            break;
        }
        m->FirstId = m->Length == 0 ? StreamId.Min : FirstLiveId(m);
        return deleted;
    }

    // ---- XSETID -----------------------------------------------------------------------------------

    /// <summary>XSETID: sets the last ID, and entries-added / max-deleted ID when given (the caller validated them).</summary>
    public static void SetIds(ValueHeader* h, StreamId lastId, long entriesAdded, StreamId maxDeletedId)
    {
        Meta* m = M(h);
        m->LastId = lastId;
        if (entriesAdded >= 0) m->EntriesAdded = entriesAdded;
        if (!maxDeletedId.IsZero) m->MaxDeletedId = maxDeletedId;
    }
}
