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

    private void WriteStream(byte* data)
    {
        byte* metaAddress = PointerAt(data);
        StreamMetaInfo meta;
        fixed (byte* copy = _view.Read(metaAddress, StreamValue.MetaSize, Scratch(StreamValue.MetaSize)))
            meta = StreamValue.ParseMeta(copy);

        _out.WriteLength(meta.NodeCount);
        int slotSize = StreamValue.IndexSlotSize;
        byte* slot = stackalloc byte[slotSize];
        Span<byte> nodeKey = stackalloc byte[16];
        var sink = new BuilderSink(_lp);
        for (int i = 0; i < meta.NodeCount; i++)
        {
            _view.Read(meta.FirstSlot + (long)i * slotSize, slotSize, new Span<byte>(slot, slotSize)).CopyTo(new Span<byte>(slot, slotSize));
            byte* node = StreamValue.NodeAddressOfSlot(slot);
            int size;
            fixed (byte* header = _view.Read(node, StreamValue.NodeHeaderSize, Scratch(StreamValue.NodeHeaderSize)))
                size = StreamValue.NodeSize(header);
            if (size < StreamValue.NodeHeaderSize) throw new RdbFormatException("stream node smaller than its header");
            byte* copy = Scratch2(size);
            _view.Read(node, size, new Span<byte>(copy, size)).CopyTo(new Span<byte>(copy, size));
            StreamValue.EncodeNodeKey(StreamValue.NodeMasterId(copy), nodeKey);
            _out.WriteString(nodeKey);
            _lp.Reset();
            StreamValue.WriteNodeAsValkeyListpack(copy, ref sink);
            _out.WriteString(_lp.Finish());
        }
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
