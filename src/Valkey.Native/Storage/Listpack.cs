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

    /// <summary>Grows the block (with 25% slack) so that it holds <paramref name="needed"/> bytes.</summary>
    public static byte* EnsureCapacity(Arena arena, byte* block, int needed)
    {
        if ((nuint)needed <= arena.UsableSize(block)) return block;
        return arena.Realloc(block, (nuint)(needed + needed / 4));
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
}
