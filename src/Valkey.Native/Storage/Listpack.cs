using System.Runtime.CompilerServices;

namespace Valkey.Native.Storage;

/// <summary>
/// The compact encoding of small collections (Valkey's listpack): one arena block holding
/// <c>[int usedBytes][int count]</c> followed by items, each a varint length and its bytes.
/// What an entry is (one item for a set member, two for a hash field and value) and what
/// <c>count</c> counts is up to the caller. Blocks may move when they grow: every method that
/// can grow one returns the (possibly new) block pointer for the caller to store.
/// </summary>
public static unsafe class Listpack
{
    public const int HeaderSize = 8;

    /// <summary>Largest block size a collection keeps in this encoding (Valkey's lpSafeToAdd bound).</summary>
    public const long MaxSafeBytes = 1L << 30;

    public static byte* Create(Arena arena, int capacity = 64)
    {
        byte* block = arena.Alloc((nuint)Math.Max(capacity, HeaderSize));
        *(int*)block = HeaderSize;
        *(int*)(block + 4) = 0;
        return block;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int UsedBytes(byte* block) => *(int*)block;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Count(byte* block) => *(int*)(block + 4);

    public static void AddToCount(byte* block, int delta) => *(int*)(block + 4) += delta;

    /// <summary>Reads the item at <paramref name="pos"/>; <paramref name="next"/> is where the following item starts.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ReadOnlySpan<byte> ReadItem(byte* block, int pos, out int next)
    {
        int length = 0, shift = 0;
        byte b;
        do
        {
            b = block[pos++];
            length |= (b & 0x7F) << shift;
            shift += 7;
        } while ((b & 0x80) != 0);
        next = pos + length;
        return new ReadOnlySpan<byte>(block + pos, length);
    }

    /// <summary>Bytes an item of <paramref name="length"/> bytes takes (length prefix included).</summary>
    public static int ItemSize(int length)
    {
        int n = 1;
        for (int v = length; v >= 0x80; v >>= 7) n++;
        return n + length;
    }

    public static int WriteItem(byte* dest, ReadOnlySpan<byte> item)
    {
        int pos = 0;
        uint v = (uint)item.Length;
        while (v >= 0x80) { dest[pos++] = (byte)(v | 0x80); v >>= 7; }
        dest[pos++] = (byte)v;
        item.CopyTo(new Span<byte>(dest + pos, item.Length));
        return pos + item.Length;
    }

    /// <summary>
    /// Grows the block so that it holds <paramref name="needed"/> bytes, to exactly that size: the
    /// arena's size classes (at most 25% apart, and <see cref="Arena.Realloc"/> keeps a block whose
    /// class does not change) already make appends amortized O(1), and a block that has stopped
    /// growing then wastes only its class rounding (redis' listpack grows the same way). Past the
    /// small classes a block is its own OS mapping sized to the page, so there it keeps 25% slack
    /// (as jemalloc's large classes would) instead of remapping on every page crossed.
    /// </summary>
    public static byte* EnsureCapacity(Arena arena, byte* block, int needed)
    {
        if ((nuint)needed <= arena.UsableSize(block)) return block;
        nuint size = needed <= Arena.MaxSmallSize ? (nuint)needed : (nuint)needed + (nuint)(needed / 4);
        return arena.Realloc(block, size);
    }

    /// <summary>Finds an entry whose first item equals <paramref name="key"/>, stepping over <paramref name="itemsPerEntry"/> items per entry.</summary>
    public static int Find(byte* block, ReadOnlySpan<byte> key, int itemsPerEntry)
    {
        int used = UsedBytes(block);
        int pos = HeaderSize;
        while (pos < used)
        {
            int entryStart = pos;
            if (ReadItem(block, pos, out pos).SequenceEqual(key)) return entryStart;
            for (int i = 1; i < itemsPerEntry; i++) ReadItem(block, pos, out pos);
        }
        return -1;
    }

    /// <summary>Appends one entry of one item; count grows by one.</summary>
    public static byte* Append(Arena arena, byte* block, ReadOnlySpan<byte> item)
    {
        int used = UsedBytes(block);
        block = EnsureCapacity(arena, block, used + ItemSize(item.Length));
        *(int*)block = used + WriteItem(block + used, item);
        AddToCount(block, 1);
        return block;
    }

    /// <summary>Appends one entry of two items (a field and its value); count grows by one.</summary>
    public static byte* Append(Arena arena, byte* block, ReadOnlySpan<byte> first, ReadOnlySpan<byte> second)
    {
        int used = UsedBytes(block);
        block = EnsureCapacity(arena, block, used + ItemSize(first.Length) + ItemSize(second.Length));
        int pos = used;
        pos += WriteItem(block + pos, first);
        pos += WriteItem(block + pos, second);
        *(int*)block = pos;
        AddToCount(block, 1);
        return block;
    }

    /// <summary>
    /// Inserts one entry of two items at <paramref name="pos"/> (an entry boundary, or
    /// <see cref="UsedBytes"/> to append), moving what follows; count grows by one.
    /// Sorted sets use it to keep their (member, score) pairs in order.
    /// </summary>
    public static byte* InsertAt(Arena arena, byte* block, int pos, ReadOnlySpan<byte> first, ReadOnlySpan<byte> second)
    {
        int used = UsedBytes(block);
        int size = ItemSize(first.Length) + ItemSize(second.Length);
        block = EnsureCapacity(arena, block, used + size);
        int tail = used - pos;
        Buffer.MemoryCopy(block + pos, block + pos + size, tail, tail);
        int at = pos + WriteItem(block + pos, first);
        WriteItem(block + at, second);
        *(int*)block = used + size;
        AddToCount(block, 1);
        return block;
    }

    /// <summary>
    /// Inserts one entry made of an item and <paramref name="raw"/> bytes written as they are (no
    /// length prefix: the caller's format must tell their size, as sorted-set scores do) at
    /// <paramref name="pos"/> (an entry boundary, or <see cref="UsedBytes"/> to append); count grows by one.
    /// </summary>
    public static byte* InsertItemAndRawAt(Arena arena, byte* block, int pos, ReadOnlySpan<byte> item, ReadOnlySpan<byte> raw)
    {
        int used = UsedBytes(block);
        int size = ItemSize(item.Length) + raw.Length;
        block = EnsureCapacity(arena, block, used + size);
        int tail = used - pos;
        Buffer.MemoryCopy(block + pos, block + pos + size, tail, tail);
        int at = pos + WriteItem(block + pos, item);
        raw.CopyTo(new Span<byte>(block + at, raw.Length));
        *(int*)block = used + size;
        AddToCount(block, 1);
        return block;
    }

    /// <summary>Removes the bytes [start, end) and lowers count by <paramref name="entries"/>.</summary>
    public static void RemoveRange(byte* block, int start, int end, int entries)
    {
        int used = UsedBytes(block);
        Buffer.MemoryCopy(block + end, block + start, used - start, used - end);
        *(int*)block = used - (end - start);
        AddToCount(block, -entries);
    }

    /// <summary>Replaces the item at <paramref name="pos"/> with <paramref name="item"/>, moving what follows.</summary>
    public static byte* ReplaceItem(Arena arena, byte* block, int pos, ReadOnlySpan<byte> item)
    {
        ReadItem(block, pos, out int oldEnd);
        int used = UsedBytes(block);
        int delta = ItemSize(item.Length) - (oldEnd - pos);
        if (delta > 0) block = EnsureCapacity(arena, block, used + delta);
        int tail = used - oldEnd;
        Buffer.MemoryCopy(block + oldEnd, block + oldEnd + delta, tail, tail);
        WriteItem(block + pos, item);
        *(int*)block = used + delta;
        return block;
    }

    // ---- tagged items (hash listpacks) ------------------------------------------------------
    //
    // The items of a hash listpack (fields and values) use a second item form in which canonical
    // integers are stored as integers, as Valkey's listpack does (what string2ll accepts, so
    // formatting gives back the same bytes): a string is a varint of length << 1 and its bytes;
    // an integer is one odd byte (t << 1 | 1), t <= TaggedTinyMax being the value itself, or
    // t = TaggedIntBase + k followed by a k-byte little-endian two's complement value (k = 1..8).
    // Reading an integer needs somewhere to put its text: see HashValue's shadow buffer.

    public const int TaggedTinyMax = 118;
    private const int TaggedIntBase = 119;

    /// <summary>Whether <paramref name="item"/> is stored as an integer (a canonical int64, as Valkey's string2ll).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsCanonicalInteger(ReadOnlySpan<byte> item, out long value)
    {
        value = 0;
        return item.Length is > 0 and <= 20 && ((uint)(item[0] - '0') <= 9 || item[0] == '-')
            && Util.NumberParser.TryParseInt64(item, out value);
    }

    private static int TaggedPayload(long v)
    {
        if ((ulong)v <= TaggedTinyMax) return 0;
        int k = 1;
        while (k < 8 && (v < -(1L << (8 * k - 1)) || v >= 1L << (8 * k - 1))) k++;
        return k;
    }

    /// <summary>Bytes a tagged item takes.</summary>
    public static int TaggedSize(ReadOnlySpan<byte> item)
    {
        if (IsCanonicalInteger(item, out long v)) return 1 + TaggedPayload(v);
        int n = 1;
        for (uint x = (uint)item.Length << 1; x >= 0x80; x >>= 7) n++;
        return n + item.Length;
    }

    public static int WriteTagged(byte* dest, ReadOnlySpan<byte> item)
    {
        if (IsCanonicalInteger(item, out long v))
        {
            int k = TaggedPayload(v);
            dest[0] = (byte)(((k == 0 ? (int)v : TaggedIntBase + k) << 1) | 1);
            for (int i = 0; i < k; i++) dest[1 + i] = (byte)(v >> (8 * i));
            return 1 + k;
        }
        int pos = 0;
        uint x = (uint)item.Length << 1;
        while (x >= 0x80) { dest[pos++] = (byte)(x | 0x80); x >>= 7; }
        dest[pos++] = (byte)x;
        item.CopyTo(new Span<byte>(dest + pos, item.Length));
        return pos + item.Length;
    }

    /// <summary>Decodes the tagged item at <paramref name="pos"/>: a string's bytes, or (<paramref name="isInt"/>) an integer's value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ReadOnlySpan<byte> ReadTagged(byte* block, int pos, out int next, out bool isInt, out long value)
    {
        byte b0 = block[pos];
        if ((b0 & 1) != 0)
        {
            isInt = true;
            int t = b0 >> 1;
            if (t <= TaggedTinyMax)
            {
                value = t;
                next = pos + 1;
                return default;
            }
            int k = t - TaggedIntBase;
            ulong raw = 0;
            for (int i = 0; i < k; i++) raw |= (ulong)block[pos + 1 + i] << (8 * i);
            int shift = 64 - 8 * k;
            value = (long)(raw << shift) >> shift;
            next = pos + 1 + k;
            return default;
        }
        isInt = false;
        value = 0;
        uint x = 0;
        int bits = 0;
        byte b;
        do
        {
            b = block[pos++];
            x |= (uint)(b & 0x7F) << bits;
            bits += 7;
        } while ((b & 0x80) != 0);
        int length = (int)(x >> 1);
        next = pos + length;
        return new ReadOnlySpan<byte>(block + pos, length);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int SkipTagged(byte* block, int pos)
    {
        ReadTagged(block, pos, out int next, out _, out _);
        return next;
    }

    /// <summary>
    /// Whether the tagged item at <paramref name="pos"/> equals <paramref name="key"/>, given
    /// <paramref name="keyIsInt"/>/<paramref name="keyValue"/> from <see cref="IsCanonicalInteger"/>
    /// (an integer item can only equal a canonical integer key, a string item never does).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TaggedEquals(byte* block, int pos, out int next, ReadOnlySpan<byte> key, bool keyIsInt, long keyValue)
    {
        var text = ReadTagged(block, pos, out next, out bool isInt, out long v);
        return isInt ? keyIsInt && v == keyValue : !keyIsInt && text.SequenceEqual(key);
    }

    /// <summary>Appends one entry of two tagged items (a field and its value); count grows by one.</summary>
    public static byte* AppendTagged(Arena arena, byte* block, ReadOnlySpan<byte> first, ReadOnlySpan<byte> second)
    {
        int used = UsedBytes(block);
        block = EnsureCapacity(arena, block, used + TaggedSize(first) + TaggedSize(second));
        int pos = used;
        pos += WriteTagged(block + pos, first);
        pos += WriteTagged(block + pos, second);
        *(int*)block = pos;
        AddToCount(block, 1);
        return block;
    }

    /// <summary>Replaces the tagged item at <paramref name="pos"/> with <paramref name="item"/>, moving what follows.</summary>
    public static byte* ReplaceTagged(Arena arena, byte* block, int pos, ReadOnlySpan<byte> item)
    {
        int oldEnd = SkipTagged(block, pos);
        int used = UsedBytes(block);
        int delta = TaggedSize(item) - (oldEnd - pos);
        if (delta > 0) block = EnsureCapacity(arena, block, used + delta);
        int tail = used - oldEnd;
        Buffer.MemoryCopy(block + oldEnd, block + oldEnd + delta, tail, tail);
        WriteTagged(block + pos, item);
        *(int*)block = used + delta;
        return block;
    }
}
