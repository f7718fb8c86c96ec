using System.Runtime.CompilerServices;

namespace Valkey.Native.Storage;

/// <summary>
/// Valkey's intset: a sorted array of integers in one arena block, <c>[int count][int width]</c>
/// then the values, each 2, 4 or 8 bytes wide. The width grows when a value needs it (the new
/// value is then the smallest or largest) and never shrinks. Lookups are binary searches.
/// </summary>
public static unsafe class IntSet
{
    public const int HeaderSize = 8;

    public static int Count(byte* block) => *(int*)block;

    public static int Width(byte* block) => *(int*)(block + 4);

    public static int WidthFor(long v) => v >= short.MinValue && v <= short.MaxValue ? 2 : v >= int.MinValue && v <= int.MaxValue ? 4 : 8;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long Get(byte* block, int index)
    {
        byte* data = block + HeaderSize;
        return *(int*)(block + 4) switch
        {
            2 => ((short*)data)[index],
            4 => ((int*)data)[index],
            _ => ((long*)data)[index],
        };
    }

    public static void Set(byte* block, int index, long value)
    {
        byte* data = block + HeaderSize;
        switch (*(int*)(block + 4))
        {
            case 2: ((short*)data)[index] = (short)value; break;
            case 4: ((int*)data)[index] = (int)value; break;
            default: ((long*)data)[index] = value; break;
        }
    }

    public static bool Search(byte* block, long value, out int index)
    {
        int n = *(int*)block;
        int lo = 0, hi = n - 1;
        if (n == 0 || value < Get(block, 0) || value > Get(block, n - 1))
        {
            index = n == 0 || value < Get(block, 0) ? 0 : n;
            return false;
        }
        while (lo <= hi)
        {
            int mid = (int)(((uint)lo + (uint)hi) >> 1);
            long cur = Get(block, mid);
            if (cur < value) lo = mid + 1;
            else if (cur > value) hi = mid - 1;
            else { index = mid; return true; }
        }
        index = lo;
        return false;
    }

    public static bool Add(Arena arena, ValueHeader* header, long value)
    {
        byte* block = ValueHeader.PointerAt(header);
        int n = *(int*)block;
        int width = *(int*)(block + 4);
        int needed = WidthFor(value);
        if (needed > width)
        {
            // Upgrade: the new value is beyond every present one, so it goes first or last.
            byte* upgraded = arena.Alloc((nuint)(HeaderSize + (n + 1) * needed));
            *(int*)upgraded = n + 1;
            *(int*)(upgraded + 4) = needed;
            int offset = value < 0 ? 1 : 0;
            for (int i = 0; i < n; i++) Set(upgraded, i + offset, Get(block, i));
            Set(upgraded, value < 0 ? 0 : n, value);
            arena.Free(block);
            ValueHeader.SetPointer(header, upgraded);
            return true;
        }
        if (Search(block, value, out int index)) return false;
        int size = HeaderSize + (n + 1) * width;
        if ((nuint)size > arena.UsableSize(block))
        {
            // Exactly the size needed: the arena's classes (at most 25% apart) are the growth
            // headroom, so a finished set carries no extra slack on top of the class rounding.
            block = arena.Realloc(block, (nuint)size);
            ValueHeader.SetPointer(header, block);
        }
        byte* at = block + HeaderSize + index * width;
        Buffer.MemoryCopy(at, at + width, (n - index) * width, (n - index) * width);
        *(int*)block = n + 1;
        Set(block, index, value);
        return true;
    }

    public static void RemoveAt(byte* block, int index)
    {
        int n = *(int*)block;
        int width = *(int*)(block + 4);
        byte* at = block + HeaderSize + index * width;
        Buffer.MemoryCopy(at + width, at, (n - index - 1) * width, (n - index - 1) * width);
        *(int*)block = n - 1;
    }
}
