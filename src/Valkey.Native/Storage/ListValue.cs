using System.Runtime.CompilerServices;
using Valkey.Native.Util;

namespace Valkey.Native.Storage;

/// <summary>Receives list elements in iteration order (LRANGE, pops with a count).</summary>
public interface IListVisitor
{
    void Visit(ReadOnlySpan<byte> element);
}

/// <summary>
/// The settings lists are built and edited with, read from the server running the command and
/// passed down explicitly (two servers in one process keep their own): <see cref="Fill"/> is
/// list-max-listpack-size, <see cref="CompressDepth"/> list-compress-depth (kept by a list when it
/// becomes a quicklist), <see cref="PackedThreshold"/> DEBUG QUICKLIST-PACKED-THRESHOLD (0 or
/// <see cref="NoPackedThreshold"/>: not set; elements at least this big then get a node of their own).
/// </summary>
public readonly record struct ListLimits(int Fill, int CompressDepth, long PackedThreshold)
{
    /// <summary>Valkey's default packed_threshold (1 GB), meaning "not set".</summary>
    public const long NoPackedThreshold = 1L << 30;

    /// <summary>A fill with no compression and no packed threshold (the defaults of those two).</summary>
    public ListLimits(int fill) : this(fill, 0, NoPackedThreshold) { }

    /// <summary>Valkey's defaults: list-max-listpack-size -2, list-compress-depth 0.</summary>
    public static ListLimits Default => new(-2);
}

/// <summary>
/// List values in Valkey's two encodings, all in arena memory.
/// <para>A <b>node</b> is one arena block: <c>[prev 8][next 8][used 4][count 4][sz 4][pad 4]</c> then the
/// elements, each <c>[header][payload][backward varint size]</c> so a node can be walked both
/// ways; an element that is a canonical integer is stored as a 1-9 byte integer, as Valkey's
/// listpack does (see "items" below). <c>sz</c> is the size Valkey's listpack would need for the same elements (its
/// entry encodings), so node limits and conversions happen at the same points as in Valkey.</para>
/// <para>"listpack": the value's 8 data bytes point at a single node (prev/next null).
/// "quicklist": they point at a 32-byte header <c>[head 8][tail 8][count 8][nodes 8]</c> over a doubly
/// linked chain of nodes, each bounded by list-max-listpack-size (negative: 4..64 KB of
/// listpack bytes; positive: an entry count, with an 8 KB safety limit). A listpack converts
/// when an insertion would exceed one node's limit; a quicklist converts back when it has a
/// single node at most half the limit (Valkey 8's shrinking rule).</para>
/// <para>Compression (list-compress-depth): a quicklist keeps the depth it was created with in its
/// header; every node but the <c>depth</c> nodes at each end is kept LZF-compressed when that saves
/// bytes (see <see cref="Compress"/>): flag <see cref="FlagCompressed"/> in the pad word, payload
/// <c>[raw used 4][lzf bytes]</c>, <c>used</c> covering the compressed bytes; <c>count</c> and
/// <c>sz</c> stay those of the raw node, so lengths, limits and locating by counts never decompress.
/// Reads see a compressed node through a per-thread decompressed copy (<see cref="View"/>),
/// edits decompress it in place (<see cref="Open"/>), and each mutating operation restores
/// the compression afterwards. Depth 0 costs one header check per push or pop.</para>
/// Not implemented: plain nodes (an oversized element simply gets a node of its own).
/// </summary>
public static unsafe class ListValue
{
    private const int NodeHeader = 32;

    /// <summary>Where a node's elements start (the persistence writers decode node copies with <see cref="ReadRaw"/>).</summary>
    internal const int NodeHeaderSize = NodeHeader;
    private const int QlHeaderSize = 32;
    private const int ListpackOverhead = 7;       // listpack header (6) + end byte (1)
    private const int SizeEstimateOverhead = 8;   // Valkey's SIZE_ESTIMATE_OVERHEAD
    private const int SizeSafetyLimit = 8192;     // Valkey's SIZE_SAFETY_LIMIT
    // A static array: a collection expression of ints in a span property allocated on every read (LPUSH's hot path).
    private static readonly int[] OptimizationLevel = [4096, 8192, 16384, 32768, 65536];

    // ---- node fields -------------------------------------------------------------------

    [MethodImpl(MethodImplOptions.AggressiveInlining)] private static ref byte* Prev(byte* n) => ref *(byte**)n;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] private static ref byte* Next(byte* n) => ref *(byte**)(n + 8);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] private static ref int Used(byte* n) => ref *(int*)(n + 16);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] private static ref int NCount(byte* n) => ref *(int*)(n + 20);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] private static ref int Sz(byte* n) => ref *(int*)(n + 24);

    // ---- quicklist header fields -------------------------------------------------------

    [MethodImpl(MethodImplOptions.AggressiveInlining)] private static ref byte* QHead(byte* q) => ref *(byte**)q;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] private static ref byte* QTail(byte* q) => ref *(byte**)(q + 8);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] private static ref long QCount(byte* q) => ref *(long*)(q + 16);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] private static ref int QNodes(byte* q) => ref *(int*)(q + 24);
    /// <summary>
    /// The list-compress-depth the quicklist was created with (low 16 bits: Valkey caps it at 65535)
    /// and <see cref="QDirty"/>: an interior node may be raw since the last full recompression.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] private static ref int QDepthWord(byte* q) => ref *(int*)(q + 28);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] private static int QDepth(byte* q) => QDepthWord(q) & 0xFFFF;
    private const int QDirty = 1 << 30;

    private static bool IsQuick(ValueHeader* h) => h->Encoding == ValueEncoding.QuickList;

    private static byte* NewNode(Arena arena, int capacity)
    {
        byte* n = arena.Alloc((nuint)Math.Max(capacity, 64));
        Prev(n) = null;
        Next(n) = null;
        Used(n) = NodeHeader;
        NCount(n) = 0;
        Sz(n) = ListpackOverhead;
        *(int*)(n + 28) = 0;
        return n;
    }

    // ---- creation and shape ------------------------------------------------------------

    /// <summary>Turns a freshly added entry (8 data bytes) into an empty listpack list.</summary>
    public static void InitEmpty(Keyspace keyspace, ValueHeader* header) => InitEmpty(keyspace, header, 0, 0);

    /// <summary>
    /// Turns a freshly added entry into an empty listpack list whose node already has room for the
    /// <paramref name="count"/> elements of <paramref name="bytes"/> bytes about to be pushed (LPUSH
    /// on a new key): a 64-byte node would be reallocated, copied and freed at once for a 1 KB element.
    /// Elements that will not fit one listpack get the minimal node: the first push converts the
    /// list to a quicklist and frees it anyway.
    /// </summary>
    public static void InitEmpty(Keyspace keyspace, ValueHeader* header, long bytes, long count)
    {
        header->Type = DataType.List;
        header->Encoding = ValueEncoding.ListPack;
        ValueHeader.SetPointer(header, NewNode(keyspace.Arena, FirstNodeCapacity(bytes, count)));
    }

    /// <summary>
    /// The node capacity <see cref="InitEmpty(Keyspace, ValueHeader*, long, long)"/> allocates: the
    /// header plus the most the elements can take (<see cref="MaxItemSize"/>: at most 6 bytes of
    /// length varints each below 64 KB), or the 64-byte minimum past one node's largest limit.
    /// </summary>
    internal static int FirstNodeCapacity(long bytes, long count)
    {
        long need = NodeHeader + bytes + 6 * count;
        return count > 0 && need <= OptimizationLevel[^1] ? (int)need : 64;
    }

    public static long Length(ValueHeader* h) => IsQuick(h) ? QCount(ValueHeader.PointerAt(h)) : NCount(ValueHeader.PointerAt(h));

    /// <summary>Sum over the nodes of the listpack bytes Valkey would use for them (DEBUG OBJECT ql_uncompressed_size).</summary>
    public static long ListpackBytes(ValueHeader* h)
    {
        long total = 0;
        for (byte* n = Head(h); n != null; n = Next(n)) total += Sz(n);
        return total;
    }

    /// <summary>Number of nodes (1 for a listpack), for tests and DEBUG.</summary>
    public static long NodeCount(ValueHeader* h) => IsQuick(h) ? QNodes(ValueHeader.PointerAt(h)) : 1;

    private static byte* Head(ValueHeader* h) => IsQuick(h) ? QHead(ValueHeader.PointerAt(h)) : ValueHeader.PointerAt(h);
    private static byte* Tail(ValueHeader* h) => IsQuick(h) ? QTail(ValueHeader.PointerAt(h)) : ValueHeader.PointerAt(h);

    private static void AdjustCount(ValueHeader* h, long delta)
    {
        if (IsQuick(h)) QCount(ValueHeader.PointerAt(h)) += delta;
    }

    // ---- limits (Valkey's quicklistNodeLimit / quicklistNodeExceedsLimit) ----------------

    private static void Limits(int fill, out long size, out long count)
    {
        size = long.MaxValue;
        count = long.MaxValue;
        if (fill >= 0) count = fill == 0 ? 1 : fill;
        else size = OptimizationLevel[Math.Min(-fill - 1, OptimizationLevel.Length - 1)];
    }

    private static bool Exceeds(int fill, long newSize, long newCount)
    {
        Limits(fill, out long size, out long count);
        if (size != long.MaxValue) return newSize > size;
        if (newSize > SizeSafetyLimit) return true;
        return newCount > count;
    }

    /// <summary>
    /// Whether an element is "large" (a node of its own): at least the DEBUG QUICKLIST-PACKED-THRESHOLD
    /// when one is set, else past the fill's byte limit (the 8 KB safety limit for a count fill).
    /// </summary>
    private static bool IsLarge(long length, in ListLimits limits)
    {
        long threshold = limits.PackedThreshold;
        if (threshold is > 0 and < ListLimits.NoPackedThreshold) return length >= threshold;
        int fill = limits.Fill;
        return fill >= 0 ? length > SizeSafetyLimit : length > OptimizationLevel[Math.Min(-fill - 1, OptimizationLevel.Length - 1)];
    }

    /// <summary>
    /// Valkey's _quicklistNodeAllowInsert; a node holding one large element stands for a plain node and takes nothing more.
    /// On top of Valkey's estimate, the node's own bytes must stay within the byte limit too
    /// (<see cref="WithinOwnBytes"/>), so that a full node fits its size class.
    /// </summary>
    private static bool AllowInsert(byte* node, in ListLimits limits, int length) =>
        !IsLarge(length, limits) && !IsPlain(node, limits)
        && !Exceeds(limits.Fill, Sz(node) + (long)length + SizeEstimateOverhead, NCount(node) + 1L)
        && WithinOwnBytes(node, limits.Fill, length);

    /// <summary>
    /// Whether the node's own block stays within the node byte limit (the size limit of a negative
    /// fill, else the 8 KB safety limit) after adding an element of <paramref name="length"/> bytes.
    /// Valkey's limit counts listpack bytes (7 bytes of header and end byte); our node has a
    /// 32-byte header, so a node Valkey calls full would be ~25 bytes past 8,192 and take a 10 KB
    /// block. Refusing those last one or two elements (they start the next node) keeps a full node
    /// in the 8 KB class. It never refuses an empty node, and conversions between listpack and
    /// quicklist still follow Valkey's listpack-size rule alone.
    /// </summary>
    private static bool WithinOwnBytes(byte* node, int fill, int length)
    {
        if (NCount(node) == 0) return true;
        Limits(fill, out long size, out _);
        if (size == long.MaxValue) size = SizeSafetyLimit;
        return Used(node) + (long)MaxItemSize(length) <= size;
    }

    private static bool IsPlain(byte* node, in ListLimits limits) => NCount(node) == 1 && IsLarge(TextLength(node, NodeHeader), limits);

    /// <summary>Listpack bytes Valkey would use for a string element (lpEncode of a string + backlen).</summary>
    private static int EstimateText(ReadOnlySpan<byte> e)
    {
        long enc = e.Length < 64 ? 1 + e.Length : e.Length < 4096 ? 2 + e.Length : 5 + e.Length;
        int back = enc < 128 ? 1 : enc < 16384 ? 2 : enc < 2097152 ? 3 : enc < 268435456 ? 4 : 5;
        return (int)(enc + back);
    }

    /// <summary>Listpack bytes of an integer element in Valkey (its integer encodings + backlen).</summary>
    private static int EstimateInteger(long v)
    {
        if (v is >= 0 and <= 127) return 2;
        if (v is >= -4096 and <= 4095) return 3;
        if (v is >= short.MinValue and <= short.MaxValue) return 4;
        if (v is >= -(1 << 23) and < (1 << 23)) return 5;
        if (v is >= int.MinValue and <= int.MaxValue) return 6;
        return 10;
    }

    /// <summary>Valkey's listpack size estimate of the stored element at <paramref name="off"/>.</summary>
    private static int EstimateAt(byte* node, int off, out int next)
    {
        var text = ReadRaw(node, off, out next, out bool isInt, out long v);
        return isInt ? EstimateInteger(v) : EstimateText(text);
    }

    /// <summary>
    /// Valkey's LIST_CONV_GROWING before adding <paramref name="addCount"/> elements of
    /// <paramref name="addBytes"/> bytes: a listpack that would exceed one node becomes a quicklist,
    /// which keeps the compress depth of <paramref name="limits"/> from then on.
    /// </summary>
    public static void TryConvertForGrowth(Keyspace keyspace, ValueHeader* h, in ListLimits limits, long addBytes, long addCount)
    {
        if (IsQuick(h)) return;
        byte* node = ValueHeader.PointerAt(h);
        if (!Exceeds(limits.Fill, Sz(node) + addBytes, NCount(node) + addCount)) return;
        byte* q = keyspace.Arena.Alloc(QlHeaderSize);
        if (NCount(node) > 0)
        {
            QHead(q) = QTail(q) = node;
            QCount(q) = NCount(node);
            QNodes(q) = 1;
        }
        else
        {
            keyspace.Arena.Free(node);
            QHead(q) = QTail(q) = null;
            QCount(q) = 0;
            QNodes(q) = 0;
        }
        QDepthWord(q) = Math.Clamp(limits.CompressDepth, 0, 0xFFFF);
        ValueHeader.SetPointer(h, q);
        h->Encoding = ValueEncoding.QuickList;
    }

    /// <summary>Valkey's LIST_CONV_SHRINKING after removals: a single-node quicklist at most half the limit becomes a listpack.</summary>
    public static void TryConvertAfterShrink(Keyspace keyspace, ValueHeader* h, in ListLimits limits)
    {
        if (!IsQuick(h)) return;
        byte* q = ValueHeader.PointerAt(h);
        if ((QDepthWord(q) & QDirty) != 0) Recompress(keyspace.Arena, h);
        if (QNodes(q) != 1) return;
        byte* node = QHead(q);
        // A lone large element would be a plain node in Valkey, which never converts.
        if (IsPlain(node, limits)) return;
        Limits(limits.Fill, out long size, out long count);
        if (size != long.MaxValue) size /= 2;
        if (count != long.MaxValue) count /= 2;
        if (Sz(node) > size || NCount(node) > count) return;
        keyspace.Arena.Free(q);
        ValueHeader.SetPointer(h, node);
        h->Encoding = ValueEncoding.ListPack;
    }

    // ---- items -------------------------------------------------------------------------
    //
    // An element is [header][payload][back]. A string: header = varint (LEB128) of length << 1,
    // payload = its bytes. An element that is a canonical int64 (Valkey's string2ll: what its
    // listpack stores as an integer, and formatting gives back the same bytes) is an integer:
    // header = one odd byte (t << 1 | 1), t <= TinyIntMax being the value itself (no payload),
    // t = IntTagBase + k a k-byte little-endian two's complement payload (k = 1..8).
    // back = the size of header + payload as a varint written backwards (its last byte holds
    // the low bits), so a node walks both ways.

    private const int TinyIntMax = 118;
    private const int IntTagBase = 119;

    private static int VarintSize(uint value)
    {
        int n = 1;
        while (value >= 0x80) { value >>= 7; n++; }
        return n;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool AsInteger(ReadOnlySpan<byte> e, out long v)
    {
        v = 0;
        return e.Length is > 0 and <= 20 && (uint)(e[0] - '0') <= 9 | e[0] == '-' && NumberParser.TryParseInt64(e, out v);
    }

    /// <summary>Payload bytes of an integer element: 0 for 0..TinyIntMax, else the fewest two's complement bytes.</summary>
    private static int IntPayload(long v)
    {
        if ((ulong)v <= TinyIntMax) return 0;
        int k = 1;
        while (k < 8 && (v < -(1L << (8 * k - 1)) || v >= 1L << (8 * k - 1))) k++;
        return k;
    }

    /// <summary>Bytes the element takes in a node.</summary>
    private static int ItemSize(ReadOnlySpan<byte> e) => ItemSize(e, AsInteger(e, out long v), v);

    /// <summary><see cref="ItemSize(ReadOnlySpan{byte})"/> of an element already classified by <see cref="AsInteger"/>.</summary>
    private static int ItemSize(ReadOnlySpan<byte> e, bool isInt, long v)
    {
        int body = isInt ? 1 + IntPayload(v) : VarintSize((uint)e.Length << 1) + e.Length;
        return body + VarintSize((uint)body);
    }

    /// <summary>Most bytes an element of <paramref name="length"/> bytes can take (stored as a string).</summary>
    private static int MaxItemSize(int length)
    {
        int body = VarintSize((uint)length << 1) + length;
        return body + VarintSize((uint)body);
    }

    /// <summary>Writes an element already classified by <see cref="AsInteger"/>; returns its size.</summary>
    private static int WriteItem(byte* dest, ReadOnlySpan<byte> item, bool isInt, long v)
    {
        int pos;
        if (isInt)
        {
            int k = IntPayload(v);
            dest[0] = (byte)(((k == 0 ? (int)v : IntTagBase + k) << 1) | 1);
            for (int i = 0; i < k; i++) dest[1 + i] = (byte)(v >> (8 * i));
            pos = 1 + k;
        }
        else
        {
            pos = 0;
            uint x = (uint)item.Length << 1;
            while (x >= 0x80) { dest[pos++] = (byte)(x | 0x80); x >>= 7; }
            dest[pos++] = (byte)x;
            item.CopyTo(new Span<byte>(dest + pos, item.Length));
            pos += item.Length;
        }
        uint body = (uint)pos;
        int n = VarintSize(body);
        for (int i = 0; i < n; i++)
        {
            dest[pos + n - 1 - i] = (byte)((body & 0x7F) | (i < n - 1 ? 0x80u : 0u));
            body >>= 7;
        }
        return pos + n;
    }

    /// <summary>
    /// Decodes the element at <paramref name="off"/>: a string's bytes, or (<paramref name="isInt"/>)
    /// an integer's value; <paramref name="next"/> is where the following element starts.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ReadOnlySpan<byte> ReadRaw(byte* node, int off, out int next, out bool isInt, out long value)
    {
        byte b0 = node[off];
        int body;
        if ((b0 & 1) != 0)
        {
            isInt = true;
            int t = b0 >> 1;
            if (t <= TinyIntMax)
            {
                value = t;
                body = 1;
            }
            else
            {
                int k = t - IntTagBase;
                ulong raw = 0;
                for (int i = 0; i < k; i++) raw |= (ulong)node[off + 1 + i] << (8 * i);
                int shift = 64 - 8 * k;
                value = (long)(raw << shift) >> shift;
                body = 1 + k;
            }
            next = off + body + VarintSize((uint)body);
            return default;
        }
        isInt = false;
        value = 0;
        uint x = 0;
        int shiftBits = 0, p = off;
        byte b;
        do
        {
            b = node[p++];
            x |= (uint)(b & 0x7F) << shiftBits;
            shiftBits += 7;
        } while ((b & 0x80) != 0);
        int length = (int)(x >> 1);
        body = p - off + length;
        next = off + body + VarintSize((uint)body);
        return new ReadOnlySpan<byte>(node + p, length);
    }

    /// <summary>The element at <paramref name="off"/> as bytes; an integer is formatted into <paramref name="scratch"/> (24 bytes).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ReadOnlySpan<byte> ReadItem(byte* node, int off, out int next, Span<byte> scratch)
    {
        var text = ReadRaw(node, off, out next, out bool isInt, out long v);
        if (!isInt) return text;
        return scratch[..NumberFormatter.FormatInt64(v, scratch)];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int SkipItem(byte* node, int off)
    {
        ReadRaw(node, off, out int next, out _, out _);
        return next;
    }

    /// <summary>Length of the element at <paramref name="off"/> as bytes (an integer's text length).</summary>
    private static int TextLength(byte* node, int off)
    {
        var text = ReadRaw(node, off, out _, out bool isInt, out long v);
        return isInt ? NumberFormatter.DigitCount(v) : text.Length;
    }

    /// <summary>
    /// Where <see cref="Peek"/> and <see cref="Cursor.Value"/> format an integer element: one
    /// native buffer per thread, so such a span is valid until the next read of an integer
    /// element through them (callers use or copy it at once).
    /// </summary>
    [ThreadStatic] private static byte* t_scratch;

    private static Span<byte> Scratch
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            byte* p = t_scratch;
            if (p == null) t_scratch = p = (byte*)System.Runtime.InteropServices.NativeMemory.Alloc(NumberFormatter.MaxInt64Length);
            return new Span<byte>(p, NumberFormatter.MaxInt64Length);
        }
    }

    /// <summary>Offset of the item that ends at <paramref name="end"/>.</summary>
    private static int PrevOffset(byte* node, int end)
    {
        int p = end - 1, body = 0, shift = 0;
        while (true)
        {
            byte b = node[p];
            body |= (b & 0x7F) << shift;
            shift += 7;
            if ((b & 0x80) == 0) break;
            p--;
        }
        return p - body;
    }

    // ---- node surgery ------------------------------------------------------------------

    /// <summary>Points whatever referenced <paramref name="old"/> at <paramref name="moved"/> after a realloc.</summary>
    private static void Relink(ValueHeader* h, byte* old, byte* moved)
    {
        if (old == moved) return;
        if (!IsQuick(h)) { ValueHeader.SetPointer(h, moved); return; }
        byte* q = ValueHeader.PointerAt(h);
        if (Prev(moved) != null) Next(Prev(moved)) = moved; else QHead(q) = moved;
        if (Next(moved) != null) Prev(Next(moved)) = moved; else QTail(q) = moved;
    }

    /// <summary>Inserts an element at byte offset <paramref name="off"/> of the node; returns the (possibly moved) node.</summary>
    private static byte* InsertInNode(Arena arena, ValueHeader* h, byte* node, int off, ReadOnlySpan<byte> item)
    {
        // Classified once: size, encoding and Valkey's size estimate all depend on it.
        bool isInt = AsInteger(item, out long v);
        int size = ItemSize(item, isInt, v);
        int used = Used(node);
        if ((nuint)(used + size) > arena.UsableSize(node)) node = GrowWithGap(arena, h, node, off, size);
        else Buffer.MemoryCopy(node + off, node + off + size, used - off, used - off);
        WriteItem(node + off, item, isInt, v);
        Pad(node) = 0;
        Used(node) = used + size;
        NCount(node)++;
        Sz(node) += isInt ? EstimateInteger(v) : EstimateText(item);
        AdjustCount(h, 1);
        return node;
    }

    /// <summary>
    /// Moves a node into a block with room for <paramref name="gap"/> more bytes, leaving the gap at
    /// byte offset <paramref name="off"/>; returns the new node, relinked. Exactly the size needed:
    /// the arena's size classes (at most 25% apart) already give amortized growth, and a full node
    /// then wastes at most its class rounding. Unlike a realloc followed by a memmove to open the
    /// gap (what LPUSH did: the node's bytes copied twice, as Valkey's listpack also does), every
    /// byte is copied once, straight to its final place.
    /// </summary>
    private static byte* GrowWithGap(Arena arena, ValueHeader* h, byte* node, int off, int gap)
    {
        int used = Used(node);
        byte* grown = arena.Alloc((nuint)(used + gap));
        Arena.CopyToFreshBlock(node, grown, off);
        Arena.CopyToFreshBlock(node + off, grown + off + gap, used - off);
        arena.Free(node);
        Relink(h, node, grown);
        return grown;
    }

    /// <summary>
    /// Deletes <paramref name="n"/> items starting at byte offset <paramref name="off"/> (the node is kept,
    /// even if emptied); a node left mostly empty is shrunk, so the (possibly moved) node is returned.
    /// </summary>
    private static byte* DeleteInNode(Arena arena, ValueHeader* h, byte* node, int off, int n, bool shrink = true)
    {
        int end = off, est = 0;
        for (int i = 0; i < n; i++) est += EstimateAt(node, end, out end);
        int used = Used(node);
        Buffer.MemoryCopy(node + end, node + off, used - off, used - end);
        Used(node) = used - (end - off);
        Pad(node) = 0;
        NCount(node) -= n;
        Sz(node) -= est;
        AdjustCount(h, -n);
        if (shrink && NCount(node) > 0)
        {
            nuint usable = arena.UsableSize(node);
            int now = Used(node);
            if (usable >= 1024 && (nuint)now * 2 < usable)
            {
                byte* moved = arena.Realloc(node, (nuint)Math.Max(now, 64));
                Relink(h, node, moved);
                node = moved;
            }
        }
        return node;
    }

    /// <summary>Frees an emptied node of a quicklist (a listpack keeps its only node).</summary>
    private static void DropIfEmpty(Arena arena, ValueHeader* h, byte* node)
    {
        if (NCount(node) != 0 || !IsQuick(h)) return;
        byte* q = ValueHeader.PointerAt(h);
        if (Prev(node) != null) Next(Prev(node)) = Next(node); else QHead(q) = Next(node);
        if (Next(node) != null) Prev(Next(node)) = Prev(node); else QTail(q) = Prev(node);
        QNodes(q)--;
        if (QDepthWord(q) != 0) QDepthWord(q) |= QDirty;
        arena.Free(node);
    }

    /// <summary>Links a new empty node after <paramref name="after"/> (null: at the head). Quicklist only.</summary>
    private static byte* LinkNewNode(Arena arena, ValueHeader* h, byte* after, int capacity)
    {
        byte* q = ValueHeader.PointerAt(h);
        byte* n = NewNode(arena, capacity);
        byte* next = after == null ? QHead(q) : Next(after);
        Prev(n) = after;
        Next(n) = next;
        if (after != null) Next(after) = n; else QHead(q) = n;
        if (next != null) Prev(next) = n; else QTail(q) = n;
        QNodes(q)++;
        return n;
    }

    // ---- compression (list-compress-depth) -------------------------------------------------

    private const int FlagCompressed = 1;
    private const int FlagIncompressible = 2;   // raw, and compressing it did not pay (cleared on any edit)
    private const int MinCompressBytes = 48;    // Valkey's MIN_COMPRESS_BYTES
    private const int MinCompressImprove = 8;   // Valkey's MIN_COMPRESS_IMPROVE

    [MethodImpl(MethodImplOptions.AggressiveInlining)] private static ref int Pad(byte* n) => ref *(int*)(n + 28);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] private static bool IsCompressed(byte* n) => (Pad(n) & FlagCompressed) != 0;

    /// <summary>The compress depth of this list (0 for a listpack).</summary>
    public static int DepthOf(ValueHeader* h) => IsQuick(h) ? QDepth(ValueHeader.PointerAt(h)) : 0;

    /// <summary>
    /// Per node from the head (tests): State 0 raw, 1 compressed, 2 raw because compressing did not
    /// pay; Bytes its listpack size (nodes under 48 bytes are never compressed).
    /// </summary>
    public static (int State, int Bytes)[] CompressionMap(ValueHeader* h)
    {
        var map = new (int, int)[NodeCount(h)];
        int i = 0;
        for (byte* n = Head(h); n != null; n = Next(n)) map[i++] = (Pad(n) & 3, Sz(n));
        return map;
    }

    // Two per-thread views, so that a cursor on one can step to the next compressed node.
    [ThreadStatic] private static byte* t_view0, t_view1, t_origin0, t_origin1, t_packBuffer;
    [ThreadStatic] private static nuint t_viewCap0, t_viewCap1, t_packCap;

    private static byte* Grow(ref byte* buffer, ref nuint capacity, nuint need)
    {
        if (capacity < need)
        {
            nuint cap = Math.Max(need, 1024);
            buffer = (byte*)System.Runtime.InteropServices.NativeMemory.Realloc(buffer, cap);
            capacity = cap;
        }
        return buffer;
    }

    private static int RawUsed(byte* n) => *(int*)(n + NodeHeader);

    private static void DecompressTo(byte* n, byte* dest)
    {
        int raw = RawUsed(n);
        Buffer.MemoryCopy(n, dest, NodeHeader, NodeHeader);
        int got = Lzf.Decompress(new ReadOnlySpan<byte>(n + NodeHeader + 4, Used(n) - NodeHeader - 4),
            new Span<byte>(dest + NodeHeader, raw - NodeHeader));
        if (got != raw - NodeHeader) throw new InvalidOperationException("corrupt compressed list node");
        Used(dest) = raw;
        Pad(dest) = 0;
    }

    /// <summary>A decompressed read-only copy of compressed node <paramref name="n"/> (prev/next those of the node), not <paramref name="avoid"/>.</summary>
    private static byte* View(byte* n, byte* avoid)
    {
        nuint need = (nuint)RawUsed(n);
        if (t_view0 != avoid || t_view0 == null)
        {
            byte* v = Grow(ref t_view0, ref t_viewCap0, need);
            t_origin0 = n;
            DecompressTo(n, v);
            return v;
        }
        byte* w = Grow(ref t_view1, ref t_viewCap1, need);
        t_origin1 = n;
        DecompressTo(n, w);
        return w;
    }

    /// <summary>The real node behind a cursor's node, decompressed in place if needed.</summary>
    private static byte* OpenCursorNode(Arena arena, ValueHeader* h, byte* n)
    {
        if (n == null) return n;
        if (n == t_view0 && n != null) n = t_origin0;
        else if (n == t_view1 && n != null) n = t_origin1;
        return Open(arena, h, n);
    }

    /// <summary>Decompresses a compressed node in place (a new block, relinked); returns the raw node.</summary>
    private static byte* Open(Arena arena, ValueHeader* h, byte* n)
    {
        if (!IsCompressed(n)) return n;
        byte* raw = arena.Alloc((nuint)Math.Max(RawUsed(n), 64));
        DecompressTo(n, raw);
        if (t_origin0 == n) t_origin0 = null;
        if (t_origin1 == n) t_origin1 = null;
        arena.Free(n);
        Relink(h, n, raw);
        QDepthWord(ValueHeader.PointerAt(h)) |= QDirty;
        return raw;
    }

    /// <summary>
    /// Valkey's __quicklistCompressNode: a node of at least 48 listpack bytes is stored compressed
    /// when that saves at least 8 bytes; otherwise it is flagged so it is not retried until edited.
    /// </summary>
    private static void Compress(Arena arena, ValueHeader* h, byte* n)
    {
        if ((Pad(n) & (FlagCompressed | FlagIncompressible)) != 0 || NCount(n) == 0) return;
        int rawBytes = Used(n) - NodeHeader;
        if (Sz(n) < MinCompressBytes) return;
        int budget = rawBytes - MinCompressImprove - 4;
        if (budget < 2) { Pad(n) |= FlagIncompressible; return; }
        byte* buf = Grow(ref t_packBuffer, ref t_packCap, (nuint)budget);
        int len = Lzf.Compress(new ReadOnlySpan<byte>(n + NodeHeader, rawBytes), new Span<byte>(buf, budget));
        if (len == 0) { Pad(n) |= FlagIncompressible; return; }
        byte* c = arena.Alloc((nuint)Math.Max(NodeHeader + 4 + len, 64));
        Buffer.MemoryCopy(n, c, NodeHeader, NodeHeader);
        *(int*)(c + NodeHeader) = Used(n);
        Buffer.MemoryCopy(buf, c + NodeHeader + 4, len, len);
        Used(c) = NodeHeader + 4 + len;
        Pad(c) = FlagCompressed;
        arena.Free(n);
        Relink(h, n, c);
    }

    /// <summary>After a node was added or dropped at an end: the depth nodes at each end raw, the next ones compressed.</summary>
    private static void FixEnds(Arena arena, ValueHeader* h)
    {
        byte* q = ValueHeader.PointerAt(h);
        int depth = QDepth(q), nodes = QNodes(q);
        if (depth == 0) return;
        if (nodes <= 2 * depth)
        {
            for (byte* n = QHead(q); n != null; n = Next(n)) n = Open(arena, h, n);
            return;
        }
        byte* f = QHead(q);
        byte* b = QTail(q);
        for (int i = 0; i < depth; i++)
        {
            f = Open(arena, h, f);
            b = Open(arena, h, b);
            f = Next(f);
            b = Prev(b);
        }
        Compress(arena, h, f);
        if (b != f) Compress(arena, h, b);
    }

    /// <summary>Restores the compression of the whole list after an edit (a no-op at depth 0).</summary>
    private static void Recompress(Arena arena, ValueHeader* h)
    {
        if (!IsQuick(h)) return;
        byte* q = ValueHeader.PointerAt(h);
        int depth = QDepth(q);
        if (depth == 0) return;
        long nodes = QNodes(q), i = 0;
        for (byte* n = QHead(q); n != null; i++)
        {
            byte* next = Next(n);
            if (i < depth || i >= nodes - depth) Open(arena, h, n);
            else Compress(arena, h, n);
            n = next;
        }
        QDepthWord(q) &= ~QDirty;
    }

    /// <summary>Restores the compression after a series of <see cref="DeleteAt"/> (LREM).</summary>
    public static void Recompress(Keyspace keyspace, ValueHeader* h) => Recompress(keyspace.Arena, h);

    // ---- push / pop --------------------------------------------------------------------

    /// <summary>Adds an element at the head or the tail. Callers run <see cref="TryConvertForGrowth"/> first.</summary>
    public static void Push(Keyspace keyspace, ValueHeader* h, ReadOnlySpan<byte> item, bool head, in ListLimits limits)
    {
        var arena = keyspace.Arena;
        byte* node = head ? Head(h) : Tail(h);
        if (IsQuick(h) && (node == null || !AllowInsert(node, limits, item.Length)))
        {
            node = LinkNewNode(arena, h, head ? null : node, NodeHeader + ItemSize(item));
            if (QDepth(ValueHeader.PointerAt(h)) != 0) FixEnds(arena, h);
        }
        InsertInNode(arena, h, node, head ? NodeHeader : Used(node), item);
    }

    /// <summary>The first or last element (the list must not be empty); valid until the list changes.</summary>
    public static ReadOnlySpan<byte> Peek(ValueHeader* h, bool head)
    {
        byte* node = head ? Head(h) : Tail(h);
        return ReadItem(node, head ? NodeHeader : PrevOffset(node, Used(node)), out _, Scratch);
    }

    /// <summary>Removes the first or last element (the list must not be empty).</summary>
    public static void RemoveEnd(Keyspace keyspace, ValueHeader* h, bool head)
    {
        byte* node = head ? Head(h) : Tail(h);
        node = DeleteInNode(keyspace.Arena, h, node, head ? NodeHeader : PrevOffset(node, Used(node)), 1);
        if (NCount(node) == 0 && IsQuick(h))
        {
            DropIfEmpty(keyspace.Arena, h, node);
            if (QDepth(ValueHeader.PointerAt(h)) != 0) FixEnds(keyspace.Arena, h);
        }
    }

    // ---- positions ---------------------------------------------------------------------

    /// <summary>A position in the list: a node and the byte offset of an element in it.</summary>
    public struct Cursor
    {
        public byte* Node;
        public int Offset;
        public readonly bool Valid => Node != null;
        /// <summary>The element; an integer element's text is valid until the next such read (see <see cref="Scratch"/>).</summary>
        public readonly ReadOnlySpan<byte> Value => ReadItem(Node, Offset, out _, Scratch);
    }

    private static Cursor Advance(Cursor c, bool forward)
    {
        if (forward)
        {
            int next = SkipItem(c.Node, c.Offset);
            if (next < Used(c.Node)) return new Cursor { Node = c.Node, Offset = next };
            byte* n = Next(c.Node);
            while (n != null && NCount(n) == 0) n = Next(n);
            if (n != null && IsCompressed(n)) n = View(n, c.Node);
            return new Cursor { Node = n, Offset = NodeHeader };
        }
        if (c.Offset > NodeHeader) return new Cursor { Node = c.Node, Offset = PrevOffset(c.Node, c.Offset) };
        byte* p = Prev(c.Node);
        while (p != null && NCount(p) == 0) p = Prev(p);
        if (p != null && IsCompressed(p)) p = View(p, c.Node);
        return p == null ? default : new Cursor { Node = p, Offset = PrevOffset(p, Used(p)) };
    }

    /// <summary>Position of element <paramref name="index"/> (0-based from the head, must be in range).</summary>
    public static Cursor Locate(ValueHeader* h, long index)
    {
        long length = Length(h);
        byte* node;
        long local;
        if (index < length / 2)
        {
            node = Head(h);
            while (index >= NCount(node)) { index -= NCount(node); node = Next(node); }
            local = index;
        }
        else
        {
            long fromTail = length - 1 - index;
            node = Tail(h);
            while (fromTail >= NCount(node)) { fromTail -= NCount(node); node = Prev(node); }
            local = NCount(node) - 1 - fromTail;
        }
        if (IsCompressed(node)) node = View(node, null);
        int off;
        if (local < NCount(node) / 2)
        {
            off = NodeHeader;
            for (long i = 0; i < local; i++) off = SkipItem(node, off);
        }
        else
        {
            off = Used(node);
            for (long i = NCount(node); i > local; i--) off = PrevOffset(node, off);
        }
        return new Cursor { Node = node, Offset = off };
    }

    /// <summary>Visits <paramref name="count"/> elements from index <paramref name="from"/>, forward or backward.</summary>
    public static void VisitRange<TVisitor>(ValueHeader* h, long from, long count, bool reverse, ref TVisitor visitor) where TVisitor : IListVisitor
    {
        if (count <= 0) return;
        var c = Locate(h, from);
        Span<byte> scratch = stackalloc byte[NumberFormatter.MaxInt64Length];
        for (long i = 0; i < count; i++)
        {
            visitor.Visit(ReadItem(c.Node, c.Offset, out _, scratch));
            if (i + 1 < count) c = Advance(c, !reverse);
        }
    }

    /// <summary>Visits every element from head to tail (DEBUG DIGEST, persistence...).</summary>
    public static void ForEach<TVisitor>(ValueHeader* h, ref TVisitor visitor) where TVisitor : IListVisitor =>
        VisitRange(h, 0, Length(h), reverse: false, ref visitor);

    /// <summary>First position from the head (forward) or the tail.</summary>
    public static Cursor Start(ValueHeader* h, bool forward) =>
        Length(h) == 0 ? default : Locate(h, forward ? 0 : Length(h) - 1);

    public static Cursor Step(Cursor c, bool forward) => Advance(c, forward);

    // ---- edits -------------------------------------------------------------------------

    /// <summary>Deletes <paramref name="count"/> elements from index <paramref name="start"/> (in range).</summary>
    public static void DeleteRange(Keyspace keyspace, ValueHeader* h, long start, long count)
    {
        if (count <= 0) return;
        var arena = keyspace.Arena;
        var c = Locate(h, start);
        byte* node = OpenCursorNode(arena, h, c.Node);
        int off = c.Offset;
        while (count > 0 && node != null)
        {
            node = Open(arena, h, node);
            int local = 0;
            for (int p = NodeHeader; p < off; p = SkipItem(node, p)) local++;
            int n = (int)Math.Min(count, NCount(node) - local);
            node = DeleteInNode(arena, h, node, off, n);
            count -= n;
            byte* next = Next(node);
            DropIfEmpty(arena, h, node);
            node = next;
            off = NodeHeader;
        }
        Recompress(arena, h);
    }

    /// <summary>Keeps only elements [start, end] (already normalized, may be empty: start &gt; end).</summary>
    public static void Trim(Keyspace keyspace, ValueHeader* h, long left, long right)
    {
        if (left > 0) DeleteRange(keyspace, h, 0, left);
        if (right > 0) DeleteRange(keyspace, h, Length(h) - right, right);
    }

    /// <summary>Deletes the element at the cursor and returns the cursor of the next one in the given direction.</summary>
    public static Cursor DeleteAt(Keyspace keyspace, ValueHeader* h, Cursor c, bool forward)
    {
        c.Node = OpenCursorNode(keyspace.Arena, h, c.Node);
        if (IsQuick(h))
        {
            // an edited interior node (even a raw one, found incompressible before) is compressed again afterwards
            byte* q = ValueHeader.PointerAt(h);
            if (QDepthWord(q) != 0) QDepthWord(q) |= QDirty;
        }
        Cursor following;
        if (forward)
        {
            int next = SkipItem(c.Node, c.Offset);
            if (next < Used(c.Node)) following = c; // the next element slides into this offset
            else
            {
                byte* n = Next(c.Node);
                while (n != null && NCount(n) == 0) n = Next(n);
                if (n != null && IsCompressed(n)) n = View(n, null);
                following = new Cursor { Node = n, Offset = NodeHeader };
            }
        }
        else following = Advance(c, false);
        byte* moved = DeleteInNode(keyspace.Arena, h, c.Node, c.Offset, 1);
        if (following.Node == c.Node) following.Node = moved;
        DropIfEmpty(keyspace.Arena, h, moved);
        return following;
    }

    /// <summary>Replaces the element at <paramref name="index"/> (in range).</summary>
    public static void Set(Keyspace keyspace, ValueHeader* h, long index, ReadOnlySpan<byte> value, in ListLimits limits)
    {
        var arena = keyspace.Arena;
        var c = Locate(h, index);
        byte* node = OpenCursorNode(arena, h, c.Node);
        int off = c.Offset;
        int oldEstimate = EstimateAt(node, off, out _);
        bool fits = !IsQuick(h) || (!IsLarge(value.Length, limits)
            && !Exceeds(limits.Fill, Sz(node) - oldEstimate + (long)value.Length + SizeEstimateOverhead, NCount(node)));
        if (fits)
        {
            node = DeleteInNode(arena, h, node, off, 1, shrink: false);
            InsertInNode(arena, h, node, off, value);
            Recompress(arena, h);
            return;
        }
        // Too big for its node: the element gets a node of its own between the halves.
        byte* rest = SplitAt(arena, h, node, off);
        rest = DeleteInNode(arena, h, rest, NodeHeader, 1);
        byte* own = LinkNewNode(arena, h, node, NodeHeader + ItemSize(value));
        InsertInNode(arena, h, own, NodeHeader, value);
        DropIfEmpty(arena, h, rest);
        DropIfEmpty(arena, h, node);
        Recompress(arena, h);
    }

    /// <summary>Moves the elements from byte offset <paramref name="off"/> on into a new node after <paramref name="node"/>.</summary>
    private static byte* SplitAt(Arena arena, ValueHeader* h, byte* node, int off)
    {
        int bytes = Used(node) - off;
        byte* rest = LinkNewNode(arena, h, node, NodeHeader + bytes);
        Buffer.MemoryCopy(node + off, rest + NodeHeader, bytes, bytes);
        int n = 0, est = 0;
        for (int p = NodeHeader; p < NodeHeader + bytes;) { est += EstimateAt(rest, p, out p); n++; }
        Used(rest) = NodeHeader + bytes;
        NCount(rest) = n;
        Sz(rest) = ListpackOverhead + est;
        Used(node) = off;
        Pad(node) = 0;
        NCount(node) -= n;
        Sz(node) -= est;
        return rest;
    }

    /// <summary>Inserts before or after the first element equal to <paramref name="pivot"/>; false if there is none.</summary>
    public static bool Insert(Keyspace keyspace, ValueHeader* h, ReadOnlySpan<byte> pivot, bool after, ReadOnlySpan<byte> value, in ListLimits limits)
    {
        var arena = keyspace.Arena;
        for (var c = Start(h, true); c.Valid; c = Advance(c, true))
        {
            if (!c.Value.SequenceEqual(pivot)) continue;
            byte* node = OpenCursorNode(arena, h, c.Node);
            if (IsQuick(h) && QDepth(ValueHeader.PointerAt(h)) != 0)
            {
                if (Next(node) != null) Open(arena, h, Next(node));
                if (Prev(node) != null) Open(arena, h, Prev(node));
            }
            int off = c.Offset;
            if (after) off = SkipItem(node, off);
            if (!IsQuick(h) || AllowInsert(node, limits, value.Length))
            {
                InsertInNode(arena, h, node, off, value);
                Recompress(arena, h);
                return true;
            }
            bool atTail = off == Used(node), atHead = off == NodeHeader;
            if (atTail && Next(node) != null && AllowInsert(Next(node), limits, value.Length))
                InsertInNode(arena, h, Next(node), NodeHeader, value);
            else if (atHead && Prev(node) != null && AllowInsert(Prev(node), limits, value.Length))
                InsertInNode(arena, h, Prev(node), Used(Prev(node)), value);
            else if (atTail)
                InsertInNode(arena, h, LinkNewNode(arena, h, node, NodeHeader + ItemSize(value)), NodeHeader, value);
            else if (atHead)
                InsertInNode(arena, h, LinkNewNode(arena, h, Prev(node), NodeHeader + ItemSize(value)), NodeHeader, value);
            else
            {
                byte* rest = SplitAt(arena, h, node, off);
                if (AllowInsert(node, limits, value.Length)) InsertInNode(arena, h, node, Used(node), value);
                else if (AllowInsert(rest, limits, value.Length)) InsertInNode(arena, h, rest, NodeHeader, value);
                else InsertInNode(arena, h, LinkNewNode(arena, h, node, NodeHeader + ItemSize(value)), NodeHeader, value);
            }
            Recompress(arena, h);
            return true;
        }
        return false;
    }

    // ---- memory ------------------------------------------------------------------------

    public static void Free(Keyspace keyspace, ValueHeader* header)
    {
        var arena = keyspace.Arena;
        byte* p = ValueHeader.PointerAt(header);
        if (p == null) return;
        if (!IsQuick(header)) { arena.Free(p); return; }
        for (byte* n = QHead(p); n != null;)
        {
            byte* next = Next(n);
            arena.Free(n);
            n = next;
        }
        arena.Free(p);
    }

    private static byte* CopyNode(Arena arena, byte* node)
    {
        int used = Used(node);
        byte* copy = arena.Alloc((nuint)Math.Max(used, 64));
        Buffer.MemoryCopy(node, copy, used, used);
        Prev(copy) = null;
        Next(copy) = null;
        return copy;
    }

    public static void CloneInto(Keyspace keyspace, ValueHeader* source, ValueHeader* target)
    {
        var arena = keyspace.Arena;
        byte* p = ValueHeader.PointerAt(source);
        if (!IsQuick(source)) { ValueHeader.SetPointer(target, CopyNode(arena, p)); return; }
        byte* q = arena.Alloc(QlHeaderSize);
        QHead(q) = QTail(q) = null;
        QCount(q) = QCount(p);
        QNodes(q) = QNodes(p);
        QDepthWord(q) = QDepthWord(p);
        byte* last = null;
        for (byte* n = QHead(p); n != null; n = Next(n))
        {
            byte* copy = CopyNode(arena, n);
            Prev(copy) = last;
            if (last != null) Next(last) = copy; else QHead(q) = copy;
            last = copy;
        }
        QTail(q) = last;
        ValueHeader.SetPointer(target, q);
    }

    public static long MemoryBytes(Keyspace keyspace, ValueHeader* header)
    {
        var arena = keyspace.Arena;
        byte* p = ValueHeader.PointerAt(header);
        if (p == null) return 0;
        if (!IsQuick(header)) return (long)arena.UsableSize(p);
        long total = (long)arena.UsableSize(p);
        for (byte* n = QHead(p); n != null; n = Next(n)) total += (long)arena.UsableSize(n);
        return total;
    }
}
