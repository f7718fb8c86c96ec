using Valkey.Native.Server;
using Valkey.Native.Storage;

namespace Valkey.Native.Persistence;

/// <summary>
/// Streams in a command AOF base (Valkey's rewriteStreamObject): one <c>XADD key id field value...</c>
/// per live entry (an empty stream as <c>XADD key MAXLEN 0 0-1 x y</c>), <c>XSETID key last-id
/// ENTRIESADDED n MAXDELETEDID id</c>, then per consumer group (sorted by name, as Valkey's rax)
/// <c>XGROUP CREATE key group last-id ENTRIESREAD n</c> and per consumer (sorted by name) one
/// <c>XCLAIM key group consumer 0 id TIME ms RETRYCOUNT n JUSTID FORCE</c> per pending entry, or
/// <c>XGROUP CREATECONSUMER key group consumer</c> when it has none.
/// </summary>
/// <remarks>
/// Read as the RDB writer reads streams (RdbWriterStreams.cs): the metadata block, index slots, nodes
/// and PEL skiplists through the view, each node decoded from the Valkey listpack elements
/// <see cref="StreamValue.WriteNodeAsValkeyListpack"/> emits; the groups' managed records from the
/// root's captured tables. Works on the live keyspace and on a snapshot alike.
/// </remarks>
public sealed unsafe partial class AofBaseWriter<TView>
{
    private void WriteStream(byte* data)
    {
        byte* metaAddress = PointerAt(data);
        StreamMetaInfo meta;
        fixed (byte* copy = _view.Read(metaAddress, StreamValue.MetaSize, ScratchA(StreamValue.MetaSize)))
            meta = StreamValue.ParseMeta(copy);
        Span<byte> id = stackalloc byte[48];
        if (meta.Length > 0)
        {
            var sink = new XaddSink(this);
            try
            {
                // Node copies live in scratch B (live view: the node itself); the sink only appends to buffers.
                var visitor = new NodeVisitor(this, sink);
                if (ValueWalk.StreamNodes(ref _view, in meta, ref visitor) != meta.NodeCount)
                    throw new InvalidOperationException("stream node smaller than its header");
            }
            finally
            {
                sink.Free();
            }
        }
        else
        {
            // The XADD MAXLEN 0 trick: creates the key, keeps no entry.
            _buf.Append("*7\r\n$4\r\nXADD\r\n"u8);
            _buf.AppendBulk(Key);
            _buf.Append("$6\r\nMAXLEN\r\n$1\r\n0\r\n$3\r\n0-1\r\n$1\r\nx\r\n$1\r\ny\r\n"u8);
        }
        // The last ID may be past the last entry (XDEL, MAXLEN): XSETID restores it and the counters.
        _buf.Append("*7\r\n$6\r\nXSETID\r\n"u8);
        _buf.AppendBulk(Key);
        _buf.AppendBulk(id[..meta.LastId.Format(id)]);
        _buf.Append("$12\r\nENTRIESADDED\r\n"u8);
        _buf.AppendBulk(meta.EntriesAdded);
        _buf.Append("$12\r\nMAXDELETEDID\r\n"u8);
        _buf.AppendBulk(id[..meta.MaxDeletedId.Format(id)]);
        if (meta.GroupsRef == 0) return;

        var groups = _root.Tables.StreamGroups((int)(meta.GroupsRef - 1))
            ?? throw new InvalidOperationException("the stream's consumer groups were not captured with the rewrite's root");
        foreach (var g in groups.Groups)
        {
            _buf.Append("*7\r\n$6\r\nXGROUP\r\n$6\r\nCREATE\r\n"u8);
            _buf.AppendBulk(Key);
            _buf.AppendBulk(g.Name);
            _buf.AppendBulk(id[..g.LastId.Format(id)]);
            _buf.Append("$11\r\nENTRIESREAD\r\n"u8);
            _buf.AppendBulk(g.EntriesRead);
            foreach (var c in g.Consumers)
            {
                long count = _view.ReadStruct<PelList>((byte*)c.Pel).Count;
                if (count == 0)
                {
                    _buf.Append("*5\r\n$6\r\nXGROUP\r\n$14\r\nCREATECONSUMER\r\n"u8);
                    _buf.AppendBulk(Key);
                    _buf.AppendBulk(g.Name);
                    _buf.AppendBulk(c.Name);
                    continue;
                }
                long written = 0;
                for (byte* n = PelFirst(c.Pel); n != null && written < count; written++)
                {
                    // A consumer's PEL node points at the group's NACK, which holds time and count.
                    var entry = _view.ReadStruct<PelNode>(n);
                    var nack = entry.Nack != null ? _view.ReadStruct<PelNode>((byte*)entry.Nack) : entry;
                    _buf.Append("*12\r\n$6\r\nXCLAIM\r\n"u8);
                    _buf.AppendBulk(Key);
                    _buf.AppendBulk(g.Name);
                    _buf.AppendBulk(c.Name);
                    _buf.Append("$1\r\n0\r\n"u8);
                    _buf.AppendBulk(id[..entry.Id.Format(id)]);
                    _buf.Append("$4\r\nTIME\r\n"u8);
                    _buf.AppendBulk(nack.DeliveryTime);
                    _buf.Append("$10\r\nRETRYCOUNT\r\n"u8);
                    _buf.AppendBulk(nack.DeliveryCount);
                    _buf.Append("$6\r\nJUSTID\r\n$5\r\nFORCE\r\n"u8);
                    n = (byte*)_view.ReadStruct<nint>(n + sizeof(PelNode));
                }
                if (written != count) throw new InvalidOperationException("stream consumer PEL shorter than its count");
            }
        }
    }

    // PelList: the header struct, then the head's forward pointers (level 0 first).
    private byte* PelFirst(PelList* list) => (byte*)_view.ReadStruct<nint>((byte*)list + sizeof(PelList));

    /// <summary>
    /// Turns the elements of one node's Valkey listpack (master entry <c>count deleted n field... 0</c>, then
    /// per entry <c>flags ms-diff seq-diff [n field] value... lp-count</c>; fields and values always come as
    /// strings, the structure as integers) into XADD commands for the live entries.
    /// </summary>
    private readonly struct NodeVisitor(AofBaseWriter<TView> writer, XaddSink sink) : ValueWalk.IStreamNodeVisitor
    {
        public Span<byte> HeaderScratch(int length) => writer.ScratchA(length);
        public Span<byte> NodeScratch(int length) => writer.ScratchB(length);

        public void Node(byte* node)
        {
            var target = sink;
            target.Begin(StreamValue.NodeMasterId(node));
            StreamValue.WriteNodeAsValkeyListpack(node, ref target);
        }
    }

    private sealed class XaddSink(AofBaseWriter<TView> writer) : IListpackSink
    {
        private enum State { Live, Deleted, MasterCount, MasterFields, MasterEnd, Flags, MsDiff, SeqDiff, FieldCount, Items, LpCount }

        private readonly List<byte[]> _master = [];
        private NativeByteBuffer _fields;
        private State _state;
        private StreamId _masterId, _id;
        private long _msDiff;
        private bool _same, _deleted;
        private int _remaining, _pairs, _itemIndex;

        public void Begin(StreamId masterId)
        {
            _masterId = masterId;
            _master.Clear();
            _state = State.Live;
        }

        public void AppendInteger(long v)
        {
            switch (_state)
            {
                case State.Live: _state = State.Deleted; break;
                case State.Deleted: _state = State.MasterCount; break;
                case State.MasterCount:
                    _remaining = (int)v;
                    _state = _remaining == 0 ? State.MasterEnd : State.MasterFields;
                    break;
                case State.MasterEnd: _state = State.Flags; break;
                case State.Flags:
                    _deleted = (v & StreamNode.FlagDeleted) != 0;
                    _same = (v & StreamNode.FlagSameFields) != 0;
                    _state = State.MsDiff;
                    break;
                case State.MsDiff:
                    _msDiff = v;
                    _state = State.SeqDiff;
                    break;
                case State.SeqDiff:
                    _id = new StreamId(_masterId.Ms + (ulong)_msDiff, _masterId.Seq + (ulong)v);
                    _fields.Length = 0;
                    _pairs = 0;
                    _itemIndex = 0;
                    if (_same) StartItems(_master.Count * 2, _master.Count);
                    else _state = State.FieldCount;
                    break;
                case State.FieldCount:
                    StartItems((int)v * 2, (int)v);
                    break;
                case State.LpCount:
                    if (!_deleted) EmitEntry();
                    _state = State.Flags;
                    break;
                default:
                    throw new InvalidOperationException("unexpected integer in a stream node");
            }
        }

        private void StartItems(int items, int pairs)
        {
            _pairs = pairs;
            // Same-fields entries carry values only: the fields are the master's.
            _remaining = _same ? pairs : items;
            _state = _remaining == 0 ? State.LpCount : State.Items;
        }

        public void AppendString(ReadOnlySpan<byte> s)
        {
            if (_state == State.MasterFields)
            {
                _master.Add(s.ToArray());
                if (--_remaining == 0) _state = State.MasterEnd;
                return;
            }
            if (_state != State.Items) throw new InvalidOperationException("unexpected string in a stream node");
            if (!_deleted)
            {
                if (_same) _fields.AppendBulk(_master[_itemIndex]);
                _fields.AppendBulk(s);
            }
            _itemIndex++;
            if (--_remaining == 0) _state = State.LpCount;
        }

        private void EmitEntry()
        {
            ref var buf = ref writer._buf;
            Span<byte> id = stackalloc byte[48];
            buf.AppendHeader((byte)'*', 3 + 2L * _pairs);
            buf.Append("$4\r\nXADD\r\n"u8);
            buf.AppendBulk(writer.Key);
            buf.AppendBulk(id[.._id.Format(id)]);
            buf.Append(_fields.Span);
            _fields.Length = 0;
            if (buf.Length >= DrainBytes) writer.Drain();
        }

        public void Free() => _fields.Free();
    }
}
