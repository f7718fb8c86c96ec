using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Valkey.Native.Storage;

/// <summary>
/// The only place where the storage layer talks to the operating system for memory.
/// Mappings come straight from the kernel (mmap / VirtualAlloc) rather than from the C heap
/// so that (1) fresh memory is known to be zero, which lets huge bucket arrays be "allocated
/// zeroed" without touching a byte, and (2) memory handed back really leaves the process,
/// instead of lingering in a malloc free list after a mass deletion.
/// Platforms without a known mapping API fall back to <see cref="NativeMemory"/>.
/// </summary>
internal static unsafe class OsMemory
{
    private enum Backend : byte { Posix, Windows, CHeap }

    private static readonly Backend Kind =
        OperatingSystem.IsLinux() || OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD()
            ? Backend.Posix
            : OperatingSystem.IsWindows() ? Backend.Windows : Backend.CHeap;

    /// <summary>
    /// Whether any page-aligned part of a mapping can be unmapped on its own (POSIX munmap), so
    /// that several blocks may share one mapping and still be returned one at a time.
    /// </summary>
    public static bool CanUnmapPartially => Kind == Backend.Posix;

    /// <summary>Granularity of the OS mapping; sizes of mappings are rounded up to it.</summary>
    public static readonly nuint PageSize = (nuint)Environment.SystemPageSize;

    private const int ProtReadWrite = 0x1 | 0x2;
    private const int MapPrivate = 0x02;
    private static readonly int MapAnonymous = OperatingSystem.IsLinux() ? 0x20 : 0x1000;
    private const int MremapMayMove = 1;
    private const int MremapFixed = 2;
    private const uint MemCommitReserve = 0x1000 | 0x2000;
    private const uint MemRelease = 0x8000;
    private const uint MemDecommit = 0x4000;
    private const uint PageReadWrite = 0x04;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static nuint RoundUpToPage(nuint size) => (size + PageSize - 1) & ~(PageSize - 1);

    /// <summary>
    /// Maps <paramref name="size"/> bytes (a multiple of <see cref="PageSize"/>) of zeroed memory
    /// whose address is a multiple of <paramref name="alignment"/> (a power of two).
    /// Returns null when the OS refuses.
    /// </summary>
    public static byte* MapAligned(nuint size, nuint alignment)
    {
        switch (Kind)
        {
            case Backend.Posix:
            {
                // Over-map by (alignment - page) and cut off the misaligned head and the tail:
                // the kernel only guarantees page alignment.
                nuint slack = alignment > PageSize ? alignment - PageSize : 0;
                nuint total = size + slack;
                nint raw = mmap(0, total, ProtReadWrite, MapPrivate | MapAnonymous, -1, 0);
                if (raw == -1 || raw == 0) return null;
                nuint start = (nuint)raw;
                nuint aligned = (start + alignment - 1) & ~(alignment - 1);
                nuint head = aligned - start;
                nuint tail = total - head - size;
                if (head != 0) munmap((nint)start, head);
                if (tail != 0) munmap((nint)(aligned + size), tail);
                return (byte*)aligned;
            }
            case Backend.Windows:
            {
                // VirtualAlloc regions start on the 64 KB allocation granularity, which covers
                // every alignment the arena asks for.
                if (alignment > 65536) return null;
                return (byte*)VirtualAlloc(0, size, MemCommitReserve, PageReadWrite);
            }
            default:
            {
                void* p;
                try { p = NativeMemory.AlignedAlloc(size, alignment); }
                catch (OutOfMemoryException) { return null; }
                NativeMemory.Clear(p, size);
                return (byte*)p;
            }
        }
    }

    /// <summary>Returns a whole mapping obtained from <see cref="MapAligned"/>.</summary>
    public static void Unmap(byte* p, nuint size)
    {
        switch (Kind)
        {
            case Backend.Posix: munmap((nint)p, size); break;
            case Backend.Windows: VirtualFree((nint)p, 0, MemRelease); break;
            default: NativeMemory.AlignedFree(p); break;
        }
    }

    /// <summary>
    /// Gives back the pages of [p, p + size), a page-aligned sub-range of a mapping whose start
    /// stays mapped (it is unmapped whole later). Returns false where the OS cannot release
    /// part of a mapping.
    /// </summary>
    public static bool TryReleaseRange(byte* p, nuint size)
    {
        switch (Kind)
        {
            case Backend.Posix: return munmap((nint)p, size) == 0;
            case Backend.Windows: return VirtualFree((nint)p, size, MemDecommit) != 0;
            default: return false;
        }
    }

    /// <summary>
    /// Gives back the tail of a mapping so it becomes <paramref name="newSize"/> bytes long
    /// (both page multiples). Returns false where the OS cannot split a mapping.
    /// </summary>
    public static bool TryTrimTail(byte* p, nuint oldSize, nuint newSize)
    {
        if (Kind != Backend.Posix) return false;
        return munmap((nint)(p + newSize), oldSize - newSize) == 0;
    }

    /// <summary>
    /// Grows a mapping by moving its pages to a fresh aligned address without copying
    /// (Linux mremap). Returns null when unsupported or refused; the old mapping is then untouched.
    /// </summary>
    public static byte* TryMoveGrow(byte* p, nuint oldSize, nuint newSize, nuint alignment)
    {
        if (!OperatingSystem.IsLinux()) return null;
        // Reserve the aligned destination first, then let the kernel move the old page
        // tables over its head; the part beyond oldSize stays the fresh zero pages we mapped.
        byte* target = MapAligned(newSize, alignment);
        if (target == null) return null;
        nint moved = mremap((nint)p, oldSize, newSize, MremapMayMove | MremapFixed, (nint)target);
        if (moved != (nint)target)
        {
            Unmap(target, newSize);
            return null;
        }
        return target;
    }

    [DllImport("libc", EntryPoint = "mmap")]
    private static extern nint mmap(nint addr, nuint length, int prot, int flags, int fd, nint offset);

    [DllImport("libc", EntryPoint = "munmap")]
    private static extern int munmap(nint addr, nuint length);

    [DllImport("libc", EntryPoint = "mremap")]
    private static extern nint mremap(nint oldAddress, nuint oldSize, nuint newSize, int flags, nint newAddress);

    [DllImport("kernel32", EntryPoint = "VirtualAlloc")]
    private static extern nint VirtualAlloc(nint address, nuint size, uint allocationType, uint protect);

    [DllImport("kernel32", EntryPoint = "VirtualFree")]
    private static extern int VirtualFree(nint address, nuint size, uint freeType);
}
