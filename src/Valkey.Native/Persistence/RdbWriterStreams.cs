using System.Buffers.Binary;
using Valkey.Native.Storage;

namespace Valkey.Native.Persistence;

/// <summary>
/// Streams in the RDB writer (Valkey's rdbSaveObject for OBJ_STREAM), written as
/// RDB_TYPE_STREAM_LISTPACKS_2 (Redis 7.0 / RDB 10: the consumers' active-time is not kept and
/// reloads as the seen-time, as Valkey does with such files).
/// </summary>
/// <remarks>
/// Everything arena-resident is read through the view, so the same code serves SAVE/DUMP (live
/// view) and BGSAVE/AOF rewrite (snapshot view, on a background thread): the metadata block, the
/// node index, each node (emitted as the listpack Valkey keeps for it, deleted entries included,
/// one RDB node per storage node) and the PEL skiplists. The consumer groups' managed records come
/// from <see cref="ICapturedTables.StreamGroups"/>, captured with the root (see
/// <see cref="CapturedStreamGroups"/>).
/// </remarks>
public sealed unsafe partial class RdbWriter<TView>
{
    private readonly struct BuilderSink(ListpackBuilder lp) : IListpackSink
    {
        public void AppendString(ReadOnlySpan<byte> s) => lp.Append(s);
        public void AppendInteger(long v) => lp.AppendInteger(v);
    }

    /// <summary>Each node as RDB's (node key, Valkey listpack) pair.</summary>
    private readonly struct NodeWriter(RdbWriter<TView> writer) : ValueWalk.IStreamNodeVisitor
    {
        public Span<byte> HeaderScratch(int length) => writer.Scratch(length);
        public Span<byte> NodeScratch(int length) => new(writer.Scratch2(length), length);

        public void Node(byte* node)
        {
            Span<byte> nodeKey = stackalloc byte[16];
            StreamValue.EncodeNodeKey(StreamValue.NodeMasterId(node), nodeKey);
            writer._out.WriteString(nodeKey);
            writer._lp.Reset();
            var sink = new BuilderSink(writer._lp);
            StreamValue.WriteNodeAsValkeyListpack(node, ref sink);
            writer._out.WriteString(writer._lp.Finish());
        }
    }

    private void WriteStream(byte* data)
    {
        byte* metaAddress = PointerAt(data);
        StreamMetaInfo meta;
        fixed (byte* copy = _view.Read(metaAddress, StreamValue.MetaSize, Scratch(StreamValue.MetaSize)))
            meta = StreamValue.ParseMeta(copy);

        _out.WriteLength(meta.NodeCount);
        var visitor = new NodeWriter(this);
        if (ValueWalk.StreamNodes(ref _view, in meta, ref visitor) != meta.NodeCount)
            throw new RdbFormatException("stream node smaller than its header");
        _out.WriteLength(meta.Length);
        WriteStreamId(meta.LastId);
        WriteStreamId(meta.FirstId);
        WriteStreamId(meta.MaxDeletedId);
        _out.WriteLength(meta.EntriesAdded);

        if (meta.GroupsRef == 0)
        {
            _out.WriteLength(0);
            return;
        }
        var groups = _root.Tables.StreamGroups((int)(meta.GroupsRef - 1))
            ?? throw new RdbFormatException("the stream's consumer groups were not captured with the save's root");
        _out.WriteLength(groups.Groups.Length);
        Span<byte> rawId = stackalloc byte[16];
        foreach (var g in groups.Groups)
        {
            _out.WriteString(g.Name);
            WriteStreamId(g.LastId);
            _out.WriteLength((ulong)g.EntriesRead);
            // The group PEL: raw ID, delivery time, delivery count (rdbSaveStreamPEL with nacks).
            long count = PelCount(g.Pel);
            _out.WriteLength(count);
            long written = 0;
            for (byte* n = PelFirst(g.Pel); n != null && written < count; written++)
            {
                var nack = _view.ReadStruct<PelNode>(n);
                EncodeRawId(rawId, nack.Id);
                _out.WriteRaw(rawId);
                _out.WriteMillis(nack.DeliveryTime);
                _out.WriteLength(nack.DeliveryCount);
                n = PelNext(n);
            }
            if (written != count) throw new RdbFormatException("stream group PEL shorter than its count");
            _out.WriteLength(g.Consumers.Length);
            foreach (var c in g.Consumers)
            {
                _out.WriteString(c.Name);
                _out.WriteMillis(c.SeenTime);
                // The consumer PEL: raw IDs only (the NACK data is in the group PEL).
                count = PelCount(c.Pel);
                _out.WriteLength(count);
                written = 0;
                for (byte* n = PelFirst(c.Pel); n != null && written < count; written++)
                {
                    EncodeRawId(rawId, _view.ReadStruct<StreamId>(n));
                    _out.WriteRaw(rawId);
                    n = PelNext(n);
                }
                if (written != count) throw new RdbFormatException("stream consumer PEL shorter than its count");
            }
        }
    }

    // PelList: the header struct, then the head's forward pointers; a PelNode: the struct, then its
    // forward pointers (level 0 first). Read through the view, laid out by the structs themselves.
    private long PelCount(PelList* list) => _view.ReadStruct<PelList>((byte*)list).Count;

    private byte* PelFirst(PelList* list) => (byte*)_view.ReadStruct<nint>((byte*)list + sizeof(PelList));

    private byte* PelNext(byte* node) => (byte*)_view.ReadStruct<nint>(node + sizeof(PelNode));

    private void WriteStreamId(StreamId id)
    {
        _out.WriteLength(id.Ms);
        _out.WriteLength(id.Seq);
    }

    private static void EncodeRawId(Span<byte> destination, StreamId id)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, id.Ms);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], id.Seq);
    }
}
