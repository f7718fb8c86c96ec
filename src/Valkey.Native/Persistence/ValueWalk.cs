using Valkey.Native.Storage;
using Valkey.Native.Util;

namespace Valkey.Native.Persistence;

/// <summary>
/// The walks over a value's elements that <see cref="RdbWriter{TView}"/> and <see cref="AofBaseWriter{TView}"/>
/// share, reading arena memory only through the view: a key table (both bucket arrays, chains), a list's
/// nodes (compressed ones decompressed), a skiplist from the highest score down and a stream's nodes. What each writer
/// does with an element (an RDB listpack, an RPUSH batch...) stays in its visitor; the visitors are
/// structs used as generic parameters, so each walk is compiled per writer with direct calls.
/// The visitors also lend the scratch buffers the view copies into (a snapshot view copies; the live
/// view returns the memory itself): the writers decide which buffer may be reused when.
/// </summary>
public static unsafe class ValueWalk
{
    public interface IEntryVisitor
    {
        /// <summary>Where an entry's key is read to (valid until the next entry).</summary>
        Span<byte> KeyScratch(int length);

        void Visit(byte* entry, ReadOnlySpan<byte> key);
    }

    /// <summary>
    /// Every entry of a captured table: both bucket arrays (mid-rehash the moved buckets of table 0 are
    /// empty, so each entry is seen once), chains followed through the view. Returns how many entries
    /// were seen; the caller compares with <see cref="KeyTableRoot.Count"/> (a torn capture).
    /// </summary>
    public static long Table<TView, TVisitor>(ref TView view, KeyTableRoot table, ref TVisitor visitor)
        where TView : struct, IMemoryView where TVisitor : struct, IEntryVisitor =>
        Buckets(ref view, table.Table0, table.Size0, ref visitor) + Buckets(ref view, table.Table1, table.Size1, ref visitor);

    private static long Buckets<TView, TVisitor>(ref TView view, byte** buckets, long size, ref TVisitor visitor)
        where TView : struct, IMemoryView where TVisitor : struct, IEntryVisitor
    {
        if (buckets == null) return 0;
        long seen = 0;
        for (long i = 0; i < size; i++)
        {
            byte* e = (byte*)view.ReadStruct<nint>((byte*)(buckets + i));
            while (e != null)
            {
                byte* next = (byte*)view.ReadStruct<nint>(e);
                int keyLength = view.ReadStruct<int>(e + 12);
                visitor.Visit(e, view.Read(e + KeyTable.HeaderSize, keyLength, visitor.KeyScratch(keyLength)));
                seen++;
                e = next;
            }
        }
        return seen;
    }

    public interface IListVisitor
    {
        /// <summary>Where a node is copied to (valid while its elements are visited).</summary>
        Span<byte> NodeScratch(int size);

        /// <summary>Where a compressed node is decompressed to (another buffer than <see cref="NodeScratch"/>).</summary>
        Span<byte> PlainScratch(int size);

        /// <summary>One element; <paramref name="text"/> is valid during the call only.</summary>
        void Element(ReadOnlySpan<byte> text, bool isInt, long value);

        /// <summary>The node's last element was visited.</summary>
        void NodeEnd();
    }

    /// <summary>How many nodes a list value has (1 for a single-node list), as its header says.</summary>
    public static long ListNodes<TView>(ref TView view, byte* data, in ValueHeader h, out byte* first) where TView : struct, IMemoryView
    {
        byte* pointer = (byte*)view.ReadStruct<nint>(data);
        if (h.Encoding == ValueEncoding.QuickList)
        {
            first = (byte*)view.ReadStruct<nint>(pointer);
            return view.ReadStruct<int>(pointer + 24);
        }
        first = pointer;
        return 1;
    }

    /// <summary>
    /// A list's elements head to tail, node by node (ListValue's node layout; a compressed node holds
    /// [raw used 4][lzf bytes] after its header). Returns the nodes visited; the caller compares with
    /// <see cref="ListNodes"/>.
    /// </summary>
    public static long List<TView, TVisitor>(ref TView view, byte* data, in ValueHeader h, ref TVisitor visitor)
        where TView : struct, IMemoryView where TVisitor : struct, IListVisitor
    {
        long nodes = ListNodes(ref view, data, in h, out byte* first);
        long visited = 0;
        for (byte* n = first; n != null && visited < nodes; visited++)
        {
            byte* next = (byte*)view.ReadStruct<nint>(n + 8);
            int used = view.ReadStruct<int>(n + 16);
            int pad = view.ReadStruct<int>(n + 28);
            var block = view.Read(n, used, visitor.NodeScratch(used));
            fixed (byte* raw = block)
            {
                if ((pad & 1) != 0)
                {
                    int rawUsed = *(int*)(raw + ListValue.NodeHeaderSize);
                    var plain = visitor.PlainScratch(rawUsed);
                    int got = Lzf.Decompress(new ReadOnlySpan<byte>(raw + ListValue.NodeHeaderSize + 4, used - ListValue.NodeHeaderSize - 4),
                        plain.Slice(ListValue.NodeHeaderSize, rawUsed - ListValue.NodeHeaderSize));
                    if (got != rawUsed - ListValue.NodeHeaderSize) throw new RdbFormatException("corrupt compressed list node");
                    fixed (byte* p = plain) NodeElements(p, rawUsed, ref visitor);
                }
                else NodeElements(raw, used, ref visitor);
            }
            visitor.NodeEnd();
            n = next;
        }
        return visited;
    }

    private static void NodeElements<TVisitor>(byte* node, int used, ref TVisitor visitor) where TVisitor : struct, IListVisitor
    {
        for (int off = ListValue.NodeHeaderSize; off < used;)
        {
            var text = ListValue.ReadRaw(node, off, out off, out bool isInt, out long value);
            visitor.Element(text, isInt, value);
        }
    }

    public interface IScoredVisitor
    {
        /// <summary>Where a member is read to (valid during <see cref="Member"/>).</summary>
        Span<byte> MemberScratch(int length);

        void Member(ReadOnlySpan<byte> member, double score);
    }

    /// <summary>The skiplist's length, as its header says.</summary>
    public static long SkipListLength<TView>(ref TView view, byte* data) where TView : struct, IMemoryView =>
        view.ReadStruct<SkipList>((byte*)view.ReadStruct<nint>(data)).Length;

    /// <summary>
    /// A skiplist sorted set from the tail (highest score) down: RDB's order, so loading inserts at the
    /// head. Returns the members visited; the caller compares with <see cref="SkipListLength"/>.
    /// </summary>
    public static long SkipListFromTail<TView, TVisitor>(ref TView view, byte* data, ref TVisitor visitor)
        where TView : struct, IMemoryView where TVisitor : struct, IScoredVisitor
    {
        var sl = view.ReadStruct<SkipList>((byte*)view.ReadStruct<nint>(data));
        long visited = 0;
        for (byte* n = (byte*)sl.Tail; n != null && visited < sl.Length; visited++)
        {
            var node = view.ReadStruct<SkipListNode>(n);
            int length = view.ReadStruct<int>(node.Entry + 12);
            visitor.Member(view.Read(node.Entry + KeyTable.HeaderSize, length, visitor.MemberScratch(length)), node.Score);
            n = (byte*)node.Backward;
        }
        return visited;
    }

    public interface IStreamNodeVisitor
    {
        /// <summary>Where a node's header is read to (only its size is taken from it).</summary>
        Span<byte> HeaderScratch(int length);

        /// <summary>Where a whole node is read to (valid during <see cref="Node"/>).</summary>
        Span<byte> NodeScratch(int length);

        /// <summary>One node, whole (<see cref="StreamValue"/>'s node layout), in index order.</summary>
        void Node(byte* node);
    }

    /// <summary>
    /// A stream's nodes in ID order, through its index slots. Stops at a node smaller than its
    /// header; returns the nodes visited, which the caller compares with the metadata's node count.
    /// </summary>
    public static long StreamNodes<TView, TVisitor>(ref TView view, in StreamMetaInfo meta, ref TVisitor visitor)
        where TView : struct, IMemoryView where TVisitor : struct, IStreamNodeVisitor
    {
        int slotSize = StreamValue.IndexSlotSize;
        byte* slot = stackalloc byte[slotSize];
        for (long i = 0; i < meta.NodeCount; i++)
        {
            view.Read(meta.FirstSlot + i * slotSize, slotSize, new Span<byte>(slot, slotSize)).CopyTo(new Span<byte>(slot, slotSize));
            byte* node = StreamValue.NodeAddressOfSlot(slot);
            int size;
            fixed (byte* header = view.Read(node, StreamValue.NodeHeaderSize, visitor.HeaderScratch(StreamValue.NodeHeaderSize)))
                size = StreamValue.NodeSize(header);
            if (size < StreamValue.NodeHeaderSize) return i;
            fixed (byte* copy = view.Read(node, size, visitor.NodeScratch(size)))
                visitor.Node(copy);
        }
        return meta.NodeCount;
    }
}
