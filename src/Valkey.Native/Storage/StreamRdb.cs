using System.Buffers.Binary;

namespace Valkey.Native.Storage;

/// <summary>Receives listpack elements in order (an RDB writer's listpack builder).</summary>
public interface IListpackSink
{
    /// <summary>A string element; the sink encodes it as lpAppend would (integer-looking strings as integers).</summary>
    void AppendString(ReadOnlySpan<byte> s);
    void AppendInteger(long v);
}

/// <summary>Yields the elements of a listpack in order (an RDB reader's listpack decoder).</summary>
public interface IListpackSource
{
    /// <summary>The next element: a string (<paramref name="isInt"/> false) or an integer; false at the end.</summary>
    bool Next(out ReadOnlySpan<byte> str, out bool isInt, out long value);
}

/// <summary>What the RDB writer needs of a stream's metadata block (read from a copy of it).</summary>
public readonly unsafe struct StreamMetaInfo
{
    public long Length { get; init; }
    public StreamId LastId { get; init; }
    public StreamId FirstId { get; init; }
    public StreamId MaxDeletedId { get; init; }
    public long EntriesAdded { get; init; }
    public long GroupsRef { get; init; }
    /// <summary>Address of the first live index slot; slot i is at <c>FirstSlot + i * StreamValue.IndexSlotSize</c>.</summary>
    public byte* FirstSlot { get; init; }
    public int NodeCount { get; init; }
}

/// <summary>
/// RDB support (Valkey's RDB_TYPE_STREAM_LISTPACKS_3 layout: per node the 16-byte big-endian master
/// ID and a listpack in Valkey's stream-node format, then length, last ID, first ID, max deleted ID,
/// entries added, then the consumer groups). Everything here works on <b>copies</b> of arena bytes
/// (a snapshot view's scratch) as well as on live memory, because node and metadata layouts only
/// use relative offsets: read the metadata block (<see cref="MetaSize"/> bytes at
/// <c>ValueHeader.PointerAt(h)</c>) and parse it with <see cref="ParseMeta"/>; read each index slot
/// (<see cref="IndexSlotSize"/> bytes) for its node address with <see cref="NodeAddressOfSlot"/>;
/// read the node's first <see cref="NodeHeaderSize"/> bytes to learn its size (<see cref="NodeSize"/>),
/// then the whole node, and emit it with <see cref="WriteNodeAsValkeyListpack"/>.
/// Loading: create the value with <see cref="CreateEmpty"/>, feed each node's listpack to
/// <see cref="AppendValkeyListpack"/>, then call <see cref="SetLoadedMetadata"/>.
/// </summary>
public static unsafe partial class StreamValue
{
    public static int MetaSize => sizeof(Meta);
    public static int IndexSlotSize => sizeof(IndexSlot);
    public const int NodeHeaderSize = StreamNode.HeaderSize;

    public static StreamMetaInfo ParseMeta(byte* metaCopy)
    {
        var m = (Meta*)metaCopy;
        return new StreamMetaInfo
        {
            Length = m->Length, LastId = m->LastId, FirstId = m->FirstId, MaxDeletedId = m->MaxDeletedId,
            EntriesAdded = m->EntriesAdded, GroupsRef = m->GroupsRef,
            FirstSlot = m->Index == null ? null : (byte*)(m->Index + m->IndexStart), NodeCount = m->NodeCount,
        };
    }

    /// <summary>The node address stored in an index slot (a copy of <see cref="IndexSlotSize"/> bytes).</summary>
    public static byte* NodeAddressOfSlot(byte* slotCopy) => ((IndexSlot*)slotCopy)->Node;

    /// <summary>The whole size of a node, from a copy of its first <see cref="NodeHeaderSize"/> bytes.</summary>
    public static int NodeSize(byte* nodeHeaderCopy) => StreamNode.Used(nodeHeaderCopy);

    /// <summary>The node's master ID, the RDB node key (write it with <see cref="EncodeNodeKey"/>).</summary>
    public static StreamId NodeMasterId(byte* nodeCopy) => StreamNode.Master(nodeCopy);

    /// <summary>Valkey's streamEncodeID: ms then seq, big-endian (16 bytes).</summary>
    public static void EncodeNodeKey(StreamId id, Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, id.Ms);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], id.Seq);
    }

    public static StreamId DecodeNodeKey(ReadOnlySpan<byte> key) =>
        new(BinaryPrimitives.ReadUInt64BigEndian(key), BinaryPrimitives.ReadUInt64BigEndian(key[8..]));

    /// <summary>
    /// Emits a node (a complete copy of <see cref="NodeSize"/> bytes) as the elements of the listpack
    /// Valkey keeps for it: the master entry <c>count deleted n field... 0</c>, then every entry,
    /// deleted ones included, as <c>flags ms-diff seq-diff [n field] value... lp-count</c>.
    /// </summary>
    public static void WriteNodeAsValkeyListpack<TSink>(byte* node, ref TSink sink) where TSink : IListpackSink, allows ref struct
    {
        sink.AppendInteger(StreamNode.Live(node));
        sink.AppendInteger(StreamNode.Deleted(node));
        int p = StreamNode.HeaderSize;
        int masterFields = (int)StreamNode.ReadVarint(node, ref p);
        sink.AppendInteger(masterFields);
        for (int i = 0; i < masterFields; i++) sink.AppendString(ReadItem(node, ref p));
        sink.AppendInteger(0);

        int pos = StreamNode.First(node), end = StreamNode.Used(node);
        while (pos < end)
        {
            StreamId master = StreamNode.Master(node);
            StreamId id = StreamNode.ReadId(node, pos, out byte flags, out int q);
            sink.AppendInteger(flags);
            sink.AppendInteger((long)(id.Ms - master.Ms));
            sink.AppendInteger((long)(id.Seq - master.Seq));
            bool same = (flags & StreamNode.FlagSameFields) != 0;
            int fields = same ? masterFields : (int)StreamNode.ReadVarint(node, ref q);
            if (!same) sink.AppendInteger(fields);
            for (int i = 0; i < fields; i++)
            {
                if (!same) sink.AppendString(ReadItem(node, ref q));
                sink.AppendString(ReadItem(node, ref q));
            }
            sink.AppendInteger(same ? fields + 3 : 2L * fields + 4);
            pos = StreamNode.NextEntry(node, pos);
        }
    }

    private static ReadOnlySpan<byte> ReadItem(byte* node, ref int p)
    {
        int len = (int)StreamNode.ReadVarint(node, ref p);
        var item = new ReadOnlySpan<byte>(node + p, len);
        p += len;
        return item;
    }

    /// <summary>Field/value pairs collected from a listpack entry (load path only).</summary>
    private struct LoadedFields : IStreamFields
    {
        public byte[] Buffer;
        public int[] Offsets;   // start of item k; item k ends at Offsets[k + 1]
        public int Items;

        public readonly int PairCount => Items / 2;
        public readonly ReadOnlySpan<byte> Field(int i) => Buffer.AsSpan(Offsets[2 * i], Offsets[2 * i + 1] - Offsets[2 * i]);
        public readonly ReadOnlySpan<byte> Value(int i) => Buffer.AsSpan(Offsets[2 * i + 1], Offsets[2 * i + 2] - Offsets[2 * i + 1]);
        public readonly ReadOnlySpan<byte> Item(int k) => Buffer.AsSpan(Offsets[k], Offsets[k + 1] - Offsets[k]);

        public void Add(ReadOnlySpan<byte> str, bool isInt, long value)
        {
            int start = Offsets[Items];
            int need = start + (isInt ? 20 : str.Length);
            if (need > Buffer.Length) Array.Resize(ref Buffer, Math.Max(need, Buffer.Length * 2));
            int length;
            if (isInt) value.TryFormat(Buffer.AsSpan(start), out length);
            else
            {
                str.CopyTo(Buffer.AsSpan(start));
                length = str.Length;
            }
            if (Items + 2 > Offsets.Length) Array.Resize(ref Offsets, Offsets.Length * 2);
            Offsets[++Items] = start + length;
        }

        public void Clear() => Items = 0;
    }

    /// <summary>
    /// RDB load of one node: appends the live entries of a Valkey stream listpack whose node key is
    /// <paramref name="master"/> (deleted entries are dropped: Valkey keeps them as tombstones, we
    /// need not). Entries must come after everything already in the stream. False when the listpack
    /// does not have Valkey's stream-node structure (the caller reports a corrupt RDB).
    /// </summary>
    public static bool AppendValkeyListpack<TSource>(Keyspace keyspace, ValueHeader* h, StreamId master, ref TSource lp,
        long nodeMaxBytes, long nodeMaxEntries) where TSource : IListpackSource, allows ref struct
    {
        if (!NextInt(ref lp, out long live) || !NextInt(ref lp, out long deleted) || !NextInt(ref lp, out long masterCount)) return false;
        if (live < 0 || deleted < 0 || masterCount < 0 || live + deleted == 0) return false;
        var masterFields = new LoadedFields { Buffer = new byte[256], Offsets = new int[Math.Max(4, (int)Math.Min(masterCount, 1 << 20) + 2)] };
        for (long i = 0; i < masterCount; i++)
        {
            if (!lp.Next(out var s, out bool isInt, out long v)) return false;
            masterFields.Add(s, isInt, v);
        }
        if (!NextInt(ref lp, out long zero) || zero != 0) return false;

        var entry = new LoadedFields { Buffer = new byte[256], Offsets = new int[16] };
        long seenLive = 0;
        for (long e = 0; e < live + deleted; e++)
        {
            if (!NextInt(ref lp, out long flags) || !NextInt(ref lp, out long msDiff) || !NextInt(ref lp, out long seqDiff)) return false;
            bool same = (flags & StreamNode.FlagSameFields) != 0;
            long fields = masterCount;
            if (!same && (!NextInt(ref lp, out fields) || fields < 0)) return false;
            entry.Clear();
            for (long i = 0; i < fields; i++)
            {
                if (same) entry.Add(masterFields.Item((int)i), false, 0);
                else
                {
                    if (!lp.Next(out var f, out bool fInt, out long fv)) return false;
                    entry.Add(f, fInt, fv);
                }
                if (!lp.Next(out var s, out bool isInt, out long v)) return false;
                entry.Add(s, isInt, v);
            }
            if (!NextInt(ref lp, out long lpCount) || lpCount != (same ? fields + 3 : 2 * fields + 4)) return false;
            if ((flags & StreamNode.FlagDeleted) != 0) continue;
            var id = new StreamId(master.Ms + (ulong)msDiff, master.Seq + (ulong)seqDiff);
            Meta* m = M(h);
            if (m->EntriesAdded > 0 && id <= m->LastId) return false;
            Append(keyspace, h, id, ref entry, nodeMaxBytes, nodeMaxEntries);
            seenLive++;
        }
        return seenLive == live && !lp.Next(out _, out _, out _);
    }

    private static bool NextInt<TSource>(ref TSource lp, out long value) where TSource : IListpackSource, allows ref struct
    {
        if (!lp.Next(out _, out bool isInt, out value) || !isInt) { value = 0; return false; }
        return true;
    }

    /// <summary>
    /// RDB load, after the nodes: the stream's recorded metadata. False when <paramref name="length"/>
    /// disagrees with the entries loaded or the last ID is below the last entry (corrupt RDB). The
    /// first ID needs no argument: it is the first live entry loaded (what Valkey's first_id is; for
    /// RDB types before STREAM_LISTPACKS_2 Valkey computes it the same way).
    /// </summary>
    public static bool SetLoadedMetadata(ValueHeader* h, long length, StreamId lastId, StreamId maxDeletedId, long entriesAdded)
    {
        Meta* m = M(h);
        if (length != m->Length) return false;
        if (m->Length > 0 && lastId < m->LastId) return false;
        m->LastId = lastId;
        m->MaxDeletedId = maxDeletedId;
        m->EntriesAdded = entriesAdded;
        return true;
    }
}
