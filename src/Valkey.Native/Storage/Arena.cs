using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Valkey.Native.Storage;

/// <summary>
/// Size-class allocator for everything the keyspace stores: keys, values and the internals
/// of collections live here instead of on the GC heap, and every byte is accounted for
/// (<see cref="UsedBytes"/> is what INFO reports as used_memory).
/// </summary>
/// <remarks>
/// <para>Threading: an arena belongs to the command thread and locks nothing, except while
/// <see cref="SharedMode"/> is on: then the lazy-free worker may free into it concurrently and
/// every public operation is serialized by a lock.</para>
/// <para>Layout. Memory is obtained from the OS in 64 KB units aligned to 64 KB.</para>
/// <list type="bullet">
/// <item>Small blocks (up to <see cref="MaxSmallSize"/>) are carved from a <em>page</em>: one
/// 64 KB unit that starts with a 64-byte <see cref="PageHeader"/> and holds blocks of a single
/// size class. The header is found from any block by masking the low 16 bits of its address,
/// so a small block carries no header of its own: the only overhead is rounding up to the
/// class (at most 25%, ~12% on average) and the 64 bytes per page.</item>
/// <item>Large blocks get their own mapping, rounded to the OS page and starting on a 64 KB
/// boundary. No small block starts at offset 0 of a unit (the page header is there), so
/// "address is 64 KB aligned" identifies a large block; its size lives in
/// <see cref="UnitMap"/>, a radix map keyed by address.</item>
/// </list>
/// <para>All page metadata is in two places only: the <see cref="PageHeader"/>s, which are
/// all linked on one list, and the large-block map. A copy-on-write snapshot
/// (<see cref="Snapshot.CowSnapshot"/>) enumerates every page the arena owns from those, and while
/// it is active the arena unmaps and moves nothing (see <see cref="EnterSnapshot"/>).</para>
/// </remarks>
public sealed unsafe class Arena : IDisposable
{
    public const int PageShift = 16;
    public const int PageSize = 1 << PageShift;
    private const nuint PageOffsetMask = PageSize - 1;
    private const int PageHeaderSize = 64;
    private const ushort PageMagic = 0xA7E4;

    /// <summary>Largest request served from a page; bigger ones are mapped individually.</summary>
    public const int MaxSmallSize = 14336;

    /// <summary>
    /// Completely free pages kept for reuse instead of being unmapped at once, so a workload
    /// that frees and reallocates around a page boundary does not hammer the OS.
    /// </summary>
    public int EmptyPageCacheLimit { get; set; } = 16;

    /// <summary>
    /// Large blocks bigger than this are not unmapped on Free but queued and given back
    /// <see cref="ReleaseSliceBytes"/> at a time: unmapping resident memory costs ~25 µs per MB,
    /// so returning a 128 MB bucket array in one go would stall the command thread for ms.
    /// </summary>
    public const int DeferredReleaseThreshold = 1 << 20;

    /// <summary>
    /// How much queued memory each allocator slow path gives back: unmapping 256 KB of resident
    /// pages takes ~10-40 µs, small enough to hide inside an allocation that needed a new page.
    /// </summary>
    public const int ReleaseSliceBytes = 256 << 10;

    // jemalloc-style classes: 8, 16, then four classes per doubling. Keeps the rounding
    // waste of a class under 25% while the number of classes stays small. One extra class, 56:
    // the common small keyspace entry (16-byte entry header, a ~10-byte key, 12-byte value
    // header, a ~13-byte embstr) lands between 48 and 64, where 64 would waste up to 15 bytes per key.
    // An array, not a ReadOnlySpan<ushort> property over static data: unoptimized (Debug) JIT code
    // materializes such a span through a reflection stub on every access, which the allocation
    // tests see as garbage on the hot path.
    private static readonly ushort[] ClassSizes =
    [
        8, 16, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384, 448, 512,
        640, 768, 896, 1024, 1280, 1536, 1792, 2048, 2560, 3072, 3584, 4096,
        5120, 6144, 7168, 8192, 10240, 12288, 14336,
    ];

    private const int ClassCount = 37;
    private const int FineLimit = 1024;      // below it the lookup step is 8 bytes
    private const int CoarseStepShift = 7;   // above it classes are multiples of 128

    // Size -> class, in two tables so the lookup is a single load.
    private static readonly byte[] FineClassOf = BuildFineTable();
    private static readonly byte[] CoarseClassOf = BuildCoarseTable();

    /// <summary>
    /// Per-page metadata at the start of every small-block page. 64 bytes: one cache line,
    /// and the offset at which the first block starts.
    /// </summary>
    [StructLayout(LayoutKind.Sequential, Size = PageHeaderSize)]
    private struct PageHeader
    {
        public PageHeader* ClassNext;   // on the partial list of its class, or the empty cache
        public PageHeader* ClassPrev;
        public PageHeader* AllNext;     // every page the arena owns, for Dispose and snapshots
        public PageHeader* AllPrev;
        public byte* FreeList;          // blocks freed on this page, linked through their first word
        public uint BumpOffset;         // blocks from here to the end were never handed out
        public uint BlockSize;
        public ushort LiveCount;
        public ushort Capacity;
        public byte ClassIndex;
        public PageState State;
        public ushort Magic;
        /// <summary>The arena's snapshot epoch when the page was last taken for a class (see <see cref="EnterSnapshot"/>).</summary>
        public uint Epoch;
        /// <summary>1 while the page is on <see cref="_snapshotPages"/> rather than <see cref="_allPages"/>.</summary>
        public uint OnSnapshotList;
    }

    private enum PageState : byte { Partial, Full, EmptyCached }

    /// <summary>Written at the start of a freed large mapping while it waits to be unmapped.</summary>
    private struct PendingRelease
    {
        public PendingRelease* Next;
        public nuint MappedBytes;   // still mapped, from the start of the block
    }

    private readonly PageHeader** _partialPages;  // per class: pages with at least one free block
    private PageHeader* _emptyPages;              // fully free pages kept for reuse
    private int _emptyPageCount;
    private PageHeader* _allPages;
    // Pages mapped while a snapshot runs: a list of their own, because linking a new page in
    // front of _allPages would write the (protected) header of the page that heads it.
    private PageHeader* _snapshotPages;
    private UnitMap _largeBlocks;
    // Every small-block page, by address: what a snapshot protects. A scan of this map visits
    // the pages in address order and merged into runs, where following the page list costs a
    // cache and TLB miss per 64 KB page (7 ms per GB at Begin, with the command thread stopped).
    private UnitMap _pageDirectory;
    private const nuint PageInUse = 1, PageCachedEmpty = 2;
    private PendingRelease* _pendingRelease;      // freed large mappings still to be unmapped
    private long _pendingReleaseBytes;

    private long _usedBytes;
    private long _reservedBytes;
    private long _liveBlocks;
    private long _pageCount;
    private long _largeBlockCount;
    private bool _disposed;

    // Copy-on-write snapshot state (see EnterSnapshot). Mappings freed while a snapshot is active
    // are kept, as (address, size) pairs in a C-heap array, until the snapshot ends.
    private const int SnapshotNone = 0, SnapshotRunning = 1, SnapshotEnded = 2;
    private int _snapshotPhase;
    private object? _snapshotOwner;
    private nuint* _snapshotDeferred;
    private int _snapshotDeferredCount;
    private int _snapshotDeferredCapacity;
    private long _snapshotDeferredBytes;

    // Writes during a snapshot go to fresh memory (see EnterSnapshot): pages taken for a class
    // after Begin carry the current epoch; older ("frozen") pages are set aside, and small blocks
    // freed on them are only recorded, to be linked into their pages once the snapshot is over.
    private uint _epoch;
    private readonly PageHeader** _frozenPartialPages;
    private byte** _deferredFrees;
    private int _deferredFreeCount;
    private int _deferredFreeCapacity;

    public Arena()
    {
        _partialPages = (PageHeader**)NativeMemory.AllocZeroed((nuint)(ClassCount * sizeof(PageHeader*)));
        _frozenPartialPages = (PageHeader**)NativeMemory.AllocZeroed((nuint)(ClassCount * sizeof(PageHeader*)));
        _largeBlocks = new UnitMap();
        _pageDirectory = new UnitMap();
    }

    ~Arena() => ReleaseEverything();

    /// <summary>Sum of <see cref="UsableSize"/> over live blocks (INFO used_memory).</summary>
    public long UsedBytes => _usedBytes;

    /// <summary>
    /// Bytes currently mapped from the OS (pages, large blocks and the large-block map). The page
    /// directory is left out: 1 MB of address space per 4 GB region, of which only 8 bytes per
    /// 64 KB page in use are ever touched.
    /// </summary>
    public long ReservedBytes => _reservedBytes + _largeBlocks.ReservedBytes;

    public long LiveBlocks => _liveBlocks;

    /// <summary>Pages currently owned (in use or cached empty).</summary>
    public long PageCount => _pageCount;

    public long LargeBlockCount => _largeBlockCount;

    public int CachedEmptyPages => _emptyPageCount;

    /// <summary>Freed memory not yet returned to the OS (see <see cref="ReleaseDeferred"/>).</summary>
    public long PendingReleaseBytes => _pendingReleaseBytes;

    /// <summary>Whether a copy-on-write snapshot is active (its deferred memory not yet handed back).</summary>
    public bool SnapshotActive => Volatile.Read(ref _snapshotPhase) != SnapshotNone;

    /// <summary>Whether a snapshot still write-protects the arena (ended snapshots awaiting their release point are not).</summary>
    public bool SnapshotProtecting => Volatile.Read(ref _snapshotPhase) == SnapshotRunning;

    /// <summary>Memory freed during the current snapshot, kept mapped until it ends.</summary>
    public long SnapshotDeferredBytes => _snapshotDeferredBytes;

    /// <summary>Small blocks freed on frozen pages during a snapshot and not yet linked back into them.</summary>
    public int DeferredFreeCount => _deferredFreeCount;

    // ---------------------------------------------------------------- shared mode

    /// <summary>
    /// Whether another thread (the lazy-free worker) may be freeing into this arena right now.
    /// Only the command thread switches it, and only at points where no other thread is using
    /// the arena: on when it hands work to the worker, off once the worker reports idle. While
    /// it is on every public operation takes <see cref="_sharedLock"/>; while it is off (nearly
    /// always) the cost is one predictable branch.
    /// </summary>
    public bool SharedMode
    {
        get => Volatile.Read(ref _sharedMode);
        set => Volatile.Write(ref _sharedMode, value);
    }

    private bool _sharedMode;
    private readonly Lock _sharedLock = new();

    /// <summary>Allocates at least <paramref name="size"/> bytes; never returns null.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public byte* Alloc(nuint size)
    {
        if (_sharedMode) return AllocShared(size);
        return AllocCore(size);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private byte* AllocCore(nuint size)
    {
        if (size <= MaxSmallSize) return AllocSmall(ClassIndexOf(size));
        return AllocLarge(size);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private byte* AllocShared(nuint size)
    {
        lock (_sharedLock) return AllocCore(size);
    }

    /// <summary>Like <see cref="Alloc"/>, with the whole usable size zeroed.</summary>
    public byte* AllocZeroed(nuint size)
    {
        if (_sharedMode)
        {
            lock (_sharedLock) return AllocZeroedCore(size);
        }
        return AllocZeroedCore(size);
    }

    private byte* AllocZeroedCore(nuint size)
    {
        if (size <= MaxSmallSize)
        {
            int cls = ClassIndexOf(size);
            byte* p = AllocSmall(cls);
            NativeMemory.Clear(p, ClassSizes[cls]);
            return p;
        }
        // A fresh mapping is zero already: a 128 MB bucket array costs no memset here,
        // its pages are zeroed by the kernel on first touch.
        return AllocLarge(size);
    }

    public void Free(byte* p)
    {
        if (_sharedMode) FreeShared(p);
        else FreeCore(p);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void FreeShared(byte* p)
    {
        lock (_sharedLock) FreeCore(p);
    }

    private void FreeCore(byte* p)
    {
        if (p == null) return;
        if (((nuint)p & PageOffsetMask) == 0)
        {
            FreeLarge(p);
            return;
        }
        PageHeader* page = PageOf(p);
        Debug.Assert(page->Magic == PageMagic, "Free of a pointer the arena does not own");
        _usedBytes -= page->BlockSize;
        _liveBlocks--;
        // Linking the block into a frozen page would write the page the snapshot still reads
        // (a 4 KB copy): record it instead (see EnterSnapshot).
        if (_snapshotPhase != SnapshotNone && page->Epoch != _epoch) DeferFree(p);
        else ReturnToPage(p, page);
    }

    /// <summary>Links a freed small block into its page (the accounting is the caller's).</summary>
    private void ReturnToPage(byte* p, PageHeader* page)
    {
        *(byte**)p = page->FreeList;
        page->FreeList = p;
        ushort live = --page->LiveCount;
        if (page->State == PageState.Full)
        {
            page->State = PageState.Partial;
            PushPartial(page);
        }
        else if (live == 0)
        {
            RetireEmptyPage(page);
        }
    }

    /// <summary>
    /// Resizes a block keeping min(old, new) bytes of content. Returns the same pointer when
    /// the new size still maps to the block's class (or, for a large block, its mapping).
    /// </summary>
    public byte* Realloc(byte* p, nuint newSize)
    {
        if (_sharedMode)
        {
            lock (_sharedLock) return ReallocCore(p, newSize);
        }
        return ReallocCore(p, newSize);
    }

    private byte* ReallocCore(byte* p, nuint newSize)
    {
        if (p == null) return AllocCore(newSize);
        if (((nuint)p & PageOffsetMask) == 0) return ReallocLarge(p, newSize);

        PageHeader* page = PageOf(p);
        Debug.Assert(page->Magic == PageMagic, "Realloc of a pointer the arena does not own");
        if (newSize <= MaxSmallSize && ClassIndexOf(newSize) == page->ClassIndex) return p;

        byte* fresh = AllocCore(newSize);
        nuint keep = Math.Min(newSize, (nuint)page->BlockSize);
        CopyToFreshBlock(p, fresh, (nint)keep);
        FreeCore(p);
        return fresh;
    }

    /// <summary>
    /// Copies into a block that may lie on never-touched pages (a block just allocated to grow
    /// into). Above 2 KB, Buffer.MemoryCopy probes the destination with a read before calling
    /// memmove; reading a fresh anonymous page maps the shared zero page, so the copy's first
    /// write then faults the same page a second time (LPUSH -d 1024 took 0.41 faults per push
    /// instead of 0.3). Writing the first byte first makes it a single write fault.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void CopyToFreshBlock(byte* source, byte* destination, nint count)
    {
        if (count <= 0) return;
        *destination = *source;
        Buffer.MemoryCopy(source, destination, count, count);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public nuint UsableSize(byte* p)
    {
        if (((nuint)p & PageOffsetMask) == 0) return LargeSizeOf(p);
        return PageOf(p)->BlockSize;
    }

    private nuint LargeSizeOf(byte* p)
    {
        if (_sharedMode)
        {
            lock (_sharedLock) return _largeBlocks.SizeOf(p);
        }
        return _largeBlocks.SizeOf(p);
    }

    /// <summary>The size a request of <paramref name="size"/> bytes would actually occupy.</summary>
    public static nuint SizeClassFor(nuint size) =>
        size <= MaxSmallSize ? ClassSizes[ClassIndexOf(size)] : OsMemory.RoundUpToPage(size);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static PageHeader* PageOf(byte* p) => (PageHeader*)((nuint)p & ~PageOffsetMask);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ClassIndexOf(nuint size)
    {
        if (size <= FineLimit) return FineClassOf[(int)((size + 7) >> 3)];
        return CoarseClassOf[(int)((size + (1 << CoarseStepShift) - 1) >> CoarseStepShift)];
    }

    // ---------------------------------------------------------------- small blocks

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private byte* AllocSmall(int cls)
    {
        PageHeader* page = _partialPages[cls];
        if (page == null) page = AcquirePage(cls);

        byte* p = page->FreeList;
        if (p != null)
        {
            page->FreeList = *(byte**)p;
        }
        else
        {
            // Carving lazily from the untouched end keeps a fresh page's memory untouched
            // (and unfaulted) until it is actually needed.
            p = (byte*)page + page->BumpOffset;
            page->BumpOffset += page->BlockSize;
        }
        _usedBytes += page->BlockSize;
        _liveBlocks++;
        if (++page->LiveCount == page->Capacity)
        {
            RemovePartial(page);
            page->State = PageState.Full;
        }
        return p;
    }

    private PageHeader* AcquirePage(int cls)
    {
        if (_pendingRelease != null) ReleaseDeferredCore(ReleaseSliceBytes);
        // Frees left over from a snapshot may refill this class: link a slice before growing.
        if (_deferredFreeCount != 0 && _snapshotPhase == SnapshotNone)
        {
            LinkDeferredFrees(DeferredFreeSlice);
            PageHeader* refilled = _partialPages[cls];
            if (refilled != null) return refilled;
        }
        PageHeader* page = _emptyPages;
        if (page != null)
        {
            _emptyPages = page->ClassNext;
            _emptyPageCount--;
            _pageDirectory.Set((byte*)page, PageInUse);
        }
        else
        {
            page = MapPages();
        }

        uint blockSize = ClassSizes[cls];
        page->Epoch = _epoch;
        page->BlockSize = blockSize;
        page->ClassIndex = (byte)cls;
        page->Capacity = (ushort)((PageSize - PageHeaderSize) / blockSize);
        page->BumpOffset = PageHeaderSize;
        page->FreeList = null;
        page->LiveCount = 0;
        page->State = PageState.Partial;
        PushPartial(page);
        return page;
    }

    /// <summary>
    /// Pages mapped at once. Each mmap costs a system call plus two munmaps trimming it to the
    /// 64 KB alignment, and takes the process' address-space lock for writing: one mapping per
    /// 16 pages (1 MB) outside snapshots, as many as the empty-page cache takes (SET, HSET,
    /// LPUSH of 1 KB values map a page every ~60 requests). While a snapshot runs every page an allocation needs is new (frozen pages are
    /// not reused), and anything walking the page tables (a monitoring read of /proc/PID/smaps,
    /// the snapshot's own faults) holds that lock for milliseconds on a big heap: the first
    /// mapping of a snapshot takes 16 pages, each next one twice as many, up to 256 (16 MB).
    /// Untouched pages of a run cost address space, not memory (only their 64-byte headers are
    /// written). Where parts of a mapping cannot be unmapped alone, pages are mapped one by one.
    /// </summary>
    private const int PageBatch = 16, SnapshotPageBatchFirst = 16, SnapshotPageBatchMax = 256;
    private int _snapshotPageBatch = SnapshotPageBatchFirst;

    /// <summary>Maps a new page, and a run of them where possible (the rest go to the empty-page cache).</summary>
    private PageHeader* MapPages()
    {
        int count = 1;
        if (OsMemory.CanUnmapPartially)
        {
            if (_snapshotPhase != SnapshotNone)
            {
                count = _snapshotPageBatch;
                _snapshotPageBatch = Math.Min(count * 2, SnapshotPageBatchMax);
            }
            else
            {
                // (Called with the empty-page cache empty: the extras must fit in it.)
                count = Math.Clamp(1 + EmptyPageCacheLimit - _emptyPageCount, 1, PageBatch);
            }
        }
        byte* run = OsMemory.MapAligned((nuint)count * PageSize, PageSize);
        if (run == null && count > 1)
        {
            count = 1;
            run = OsMemory.MapAligned(PageSize, PageSize);
        }
        if (run == null) throw new OutOfMemoryException("Arena: the OS refused a 64 KB page");
        for (int i = count - 1; i >= 1; i--)
        {
            var extra = (PageHeader*)(run + (nuint)i * PageSize);
            AddNewPage(extra);
            extra->State = PageState.EmptyCached;
            _pageDirectory.Set((byte*)extra, PageCachedEmpty);
            extra->ClassNext = _emptyPages;
            extra->ClassPrev = null;
            _emptyPages = extra;
            _emptyPageCount++;
        }
        var page = (PageHeader*)run;
        AddNewPage(page);
        return page;
    }

    /// <summary>Accounts a freshly mapped page and links it into the list of all pages.</summary>
    private void AddNewPage(PageHeader* page)
    {
        _reservedBytes += PageSize;
        _pageCount++;
        page->AllPrev = null;
        if (_snapshotPhase == SnapshotNone)
        {
            page->OnSnapshotList = 0;
            page->AllNext = _allPages;
            if (_allPages != null) _allPages->AllPrev = page;
            _allPages = page;
        }
        else
        {
            page->OnSnapshotList = 1;
            page->AllNext = _snapshotPages;
            if (_snapshotPages != null) _snapshotPages->AllPrev = page;
            _snapshotPages = page;
        }
        page->Magic = PageMagic;
        _pageDirectory.Set((byte*)page, PageInUse);
    }

    private void RetireEmptyPage(PageHeader* page)
    {
        RemovePartial(page);
        if (_emptyPageCount < EmptyPageCacheLimit)
        {
            page->State = PageState.EmptyCached;
            page->ClassNext = _emptyPages;
            page->ClassPrev = null;
            _emptyPages = page;
            _emptyPageCount++;
            _pageDirectory.Set((byte*)page, PageCachedEmpty);
            return;
        }
        ReleasePage(page);
    }

    private void ReleasePage(PageHeader* page)
    {
        if (page->AllPrev != null) page->AllPrev->AllNext = page->AllNext;
        else if (page->OnSnapshotList != 0) _snapshotPages = page->AllNext;
        else _allPages = page->AllNext;
        if (page->AllNext != null) page->AllNext->AllPrev = page->AllPrev;
        page->Magic = 0;
        _pageCount--;
        _pageDirectory.Set((byte*)page, 0);
        if (_snapshotPhase != SnapshotNone)
        {
            DeferForSnapshot((byte*)page, PageSize);
            return;
        }
        OsMemory.Unmap((byte*)page, PageSize);
        _reservedBytes -= PageSize;
    }

    /// <summary>Returns the cached empty pages and all deferred releases to the OS (e.g. MEMORY PURGE).</summary>
    public void TrimCache()
    {
        if (_sharedMode)
        {
            lock (_sharedLock) TrimCacheCore();
        }
        else TrimCacheCore();
    }

    private void TrimCacheCore()
    {
        ReleaseDeferredCore(long.MaxValue);
        while (_emptyPages != null)
        {
            PageHeader* page = _emptyPages;
            _emptyPages = page->ClassNext;
            ReleasePage(page);
        }
        _emptyPageCount = 0;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void PushPartial(PageHeader* page)
    {
        PageHeader* head = _partialPages[page->ClassIndex];
        page->ClassPrev = null;
        page->ClassNext = head;
        if (head != null) head->ClassPrev = page;
        _partialPages[page->ClassIndex] = page;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void RemovePartial(PageHeader* page)
    {
        if (page->ClassPrev != null) page->ClassPrev->ClassNext = page->ClassNext;
        else _partialPages[page->ClassIndex] = page->ClassNext;
        if (page->ClassNext != null) page->ClassNext->ClassPrev = page->ClassPrev;
        page->ClassNext = page->ClassPrev = null;
    }

    // ---------------------------------------------------------------- large blocks

    private byte* AllocLarge(nuint size)
    {
        if (_pendingRelease != null) ReleaseDeferredCore(ReleaseSliceBytes);
        nuint mapped = OsMemory.RoundUpToPage(size);
        if (mapped < size) throw new OutOfMemoryException("Arena: allocation size overflows");
        byte* p = OsMemory.MapAligned(mapped, PageSize);
        if (p == null) throw new OutOfMemoryException($"Arena: the OS refused {size} bytes");
        _largeBlocks.Set(p, mapped);
        _reservedBytes += (long)mapped;
        _usedBytes += (long)mapped;
        _liveBlocks++;
        _largeBlockCount++;
        return p;
    }

    private void FreeLarge(byte* p)
    {
        nuint mapped = _largeBlocks.SizeOf(p);
        Debug.Assert(mapped != 0, "Free of a 64 KB aligned pointer that is not a large block");
        _largeBlocks.Set(p, 0);
        _usedBytes -= (long)mapped;
        _liveBlocks--;
        _largeBlockCount--;
        if (_snapshotPhase != SnapshotNone)
        {
            DeferForSnapshot(p, mapped);
            return;
        }
        if (mapped <= DeferredReleaseThreshold)
        {
            OsMemory.Unmap(p, mapped);
            _reservedBytes -= (long)mapped;
            if (_pendingRelease != null) ReleaseDeferredCore(ReleaseSliceBytes);
            return;
        }
        var pending = (PendingRelease*)p;
        pending->Next = _pendingRelease;
        pending->MappedBytes = mapped;
        _pendingRelease = pending;
        _pendingReleaseBytes += (long)mapped;
        ReleaseDeferredCore(ReleaseSliceBytes);
    }

    /// <summary>
    /// Unmaps up to about <paramref name="maxBytes"/> of freed large blocks, from their ends
    /// backwards so each block's bookkeeping at its start stays mapped until its last slice.
    /// The allocator calls this on its slow paths; the server cron should call it too so
    /// memory comes back while the keyspace is idle. Returns the bytes still pending.
    /// </summary>
    public long ReleaseDeferred(long maxBytes)
    {
        if (_sharedMode)
        {
            lock (_sharedLock) return ReleaseDeferredCore(maxBytes);
        }
        return ReleaseDeferredCore(maxBytes);
    }

    private long ReleaseDeferredCore(long maxBytes)
    {
        if (_snapshotPhase != SnapshotNone)
        {
            // Nothing a snapshot may still read goes back to the OS before it ends.
            if (Volatile.Read(ref _snapshotPhase) != SnapshotEnded) return _pendingReleaseBytes;
            FinishSnapshot();
        }
        if (_deferredFreeCount != 0) LinkDeferredFrees(DeferredFreeSlice);
        while (_pendingRelease != null && maxBytes > 0)
        {
            PendingRelease* pending = _pendingRelease;
            nuint mapped = pending->MappedBytes;
            if ((ulong)maxBytes < mapped)
            {
                nuint slice = Math.Max((nuint)maxBytes & ~(OsMemory.PageSize - 1), OsMemory.PageSize);
                if (slice < mapped && OsMemory.TryReleaseRange((byte*)pending + (mapped - slice), slice))
                {
                    pending->MappedBytes = mapped - slice;
                    _reservedBytes -= (long)slice;
                    _pendingReleaseBytes -= (long)slice;
                    return _pendingReleaseBytes;
                }
                // The OS cannot give back part of a mapping: the whole of it goes now.
            }
            _pendingRelease = pending->Next;
            OsMemory.Unmap((byte*)pending, mapped);
            _reservedBytes -= (long)mapped;
            _pendingReleaseBytes -= (long)mapped;
            maxBytes -= (long)mapped;
        }
        return _pendingReleaseBytes;
    }

    private byte* ReallocLarge(byte* p, nuint newSize)
    {
        nuint mapped = _largeBlocks.SizeOf(p);
        Debug.Assert(mapped != 0, "Realloc of a 64 KB aligned pointer that is not a large block");

        if (newSize <= MaxSmallSize)
        {
            byte* small = AllocCore(newSize);
            CopyToFreshBlock(p, small, (nint)newSize);
            FreeLarge(p);
            return small;
        }

        nuint newMapped = OsMemory.RoundUpToPage(newSize);
        if (newMapped == mapped) return p;

        if (newMapped < mapped)
        {
            // During a snapshot the tail may still be read through it: keep the block whole.
            if (_snapshotPhase != SnapshotNone) return p;
            if (!OsMemory.TryTrimTail(p, mapped, newMapped)) return p; // keeps its old, larger size
            AdjustLarge(p, mapped, newMapped);
            return p;
        }

        // mremap would unmap the old address under a snapshot: copy instead (the old block is
        // then freed, i.e. kept mapped until the snapshot ends).
        byte* moved = _snapshotPhase == SnapshotNone ? OsMemory.TryMoveGrow(p, mapped, newMapped, PageSize) : null;
        if (moved != null)
        {
            _largeBlocks.Set(p, 0);
            AdjustLarge(moved, mapped, newMapped);
            return moved;
        }

        byte* fresh = AllocLarge(newSize);
        CopyToFreshBlock(p, fresh, (nint)mapped);
        FreeLarge(p);
        return fresh;
    }

    private void AdjustLarge(byte* p, nuint oldMapped, nuint newMapped)
    {
        _largeBlocks.Set(p, newMapped);
        long delta = (long)newMapped - (long)oldMapped;
        _reservedBytes += delta;
        _usedBytes += delta;
    }

    // ---------------------------------------------------------------- copy-on-write snapshots

    /// <summary>
    /// Starts a snapshot: hands every mapping that may hold live data to the native engine to be
    /// write-protected, and from then on unmaps and moves nothing until <see cref="LeaveSnapshot"/>.
    /// Owner thread only (holds the shared lock if the lazy-free worker is active). Returns 0 or
    /// -errno from the engine; on failure the arena is unchanged and the caller ends the engine.
    /// </summary>
    /// <remarks>
    /// What is protected: every in-use page, whole, and every large block. (Protecting a page
    /// only up to its bump offset would spare a few copies, but splits adjacent pages into one
    /// protection call each; whole pages merge into runs, and each call costs a TLB flush, so the
    /// Begin pause is shorter this way.) Cached empty pages and
    /// freed large mappings awaiting release hold nothing reachable: they are only registered, so
    /// that adjacent mappings form one kernel registration (fewer VMA splits), not protected; their
    /// reuse during the snapshot costs no copies. Mappings created later are not registered at
    /// all. None of this memory can change address: frees are deferred (<see cref="FreeLarge"/>,
    /// <see cref="ReleasePage"/>), shrinking keeps a large block whole, and growing copies instead
    /// of mremap, so a pointer captured at Begin always leads to protected (or copied) bytes.
    /// </remarks>
    internal int EnterSnapshot(object owner, nint cowContext)
    {
        if (_sharedMode)
        {
            lock (_sharedLock) return EnterSnapshotCore(owner, cowContext);
        }
        return EnterSnapshotCore(owner, cowContext);
    }

    private int EnterSnapshotCore(object owner, nint cowContext)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (Volatile.Read(ref _snapshotPhase) == SnapshotEnded) FinishSnapshot();
        if (_snapshotPhase != SnapshotNone) throw new InvalidOperationException("Arena: a snapshot is already active");
        // Frees recorded during the previous snapshot go into their pages now, while no page is protected.
        LinkDeferredFrees(int.MaxValue);
        _snapshotPageBatch = SnapshotPageBatchFirst;

        long pending = 0;
        for (PendingRelease* r = _pendingRelease; r != null; r = r->Next) pending++;
        long capacity = _pageCount + _largeBlockCount + pending;
        var ranges = (Snapshot.CowNative.Range*)NativeMemory.Alloc((nuint)Math.Max(capacity, 1), (nuint)sizeof(Snapshot.CowNative.Range));
        try
        {
            long n = _pageDirectory.CollectRuns(ranges, capacity, PageInUse);
            n += _largeBlocks.CollectRanges(ranges + n, capacity - n);
            for (PendingRelease* r = _pendingRelease; r != null; r = r->Next)
            {
                ref Snapshot.CowNative.Range range = ref ranges[n++];
                range.Address = (nuint)r;
                range.Length = r->MappedBytes;
                range.ProtectLength = 0;
            }
            Debug.Assert(n <= capacity);
            int rc = Snapshot.CowNative.ProtectRanges(cowContext, ranges, (nuint)n);
            if (rc != 0) return rc;
        }
        finally
        {
            NativeMemory.Free(ranges);
        }
        // From here every page that exists is frozen: new blocks come from pages taken after this
        // point (cached empty pages, which are not protected, or new mappings), so a write during
        // the snapshot to a value allocated during it never faults; an overwrite that replaces its
        // value (most do) costs the new block instead of a 4 KB page copy.
        _epoch++;
        for (int cls = 0; cls < ClassCount; cls++)
        {
            _frozenPartialPages[cls] = _partialPages[cls];
            _partialPages[cls] = null;
        }
        _snapshotOwner = owner;
        Volatile.Write(ref _snapshotPhase, SnapshotRunning);
        return 0;
    }

    /// <summary>
    /// Called (from any thread) once the engine has removed every protection: the memory freed
    /// meanwhile is handed back by the owner thread at its next release point.
    /// </summary>
    internal void LeaveSnapshot(object owner)
    {
        if (Volatile.Read(ref _snapshotOwner) != owner) return;
        Volatile.Write(ref _snapshotPhase, SnapshotEnded);
    }

    private void DeferForSnapshot(byte* p, nuint size)
    {
        if (_snapshotDeferredCount == _snapshotDeferredCapacity)
        {
            int capacity = Math.Max(64, _snapshotDeferredCapacity * 2);
            _snapshotDeferred = (nuint*)NativeMemory.Realloc(_snapshotDeferred, (nuint)capacity * 2 * (nuint)sizeof(nuint));
            _snapshotDeferredCapacity = capacity;
        }
        _snapshotDeferred[2 * _snapshotDeferredCount] = (nuint)p;
        _snapshotDeferred[2 * _snapshotDeferredCount + 1] = size;
        _snapshotDeferredCount++;
        _snapshotDeferredBytes += (long)size;
    }

    /// <summary>
    /// Owner thread, snapshot ended: the mappings kept for it join the ordinary release queue,
    /// which returns them a slice at a time rather than in one long stall.
    /// </summary>
    private void FinishSnapshot()
    {
        // The frozen partial pages rejoin their classes (ahead of the fresh ones, so older pages
        // fill up first); the frees recorded meanwhile are linked a slice at a time afterwards.
        for (int cls = 0; cls < ClassCount; cls++)
        {
            PageHeader* frozen = _frozenPartialPages[cls];
            if (frozen == null) continue;
            _frozenPartialPages[cls] = null;
            PageHeader* tail = frozen;
            while (tail->ClassNext != null) tail = tail->ClassNext;
            PageHeader* head = _partialPages[cls];
            tail->ClassNext = head;
            if (head != null) head->ClassPrev = tail;
            _partialPages[cls] = frozen;
        }
        if (_snapshotPages != null)
        {
            PageHeader* tail = _snapshotPages;
            for (PageHeader* page = _snapshotPages; page != null; page = page->AllNext)
            {
                page->OnSnapshotList = 0;
                tail = page;
            }
            tail->AllNext = _allPages;
            if (_allPages != null) _allPages->AllPrev = tail;
            _allPages = _snapshotPages;
            _snapshotPages = null;
        }
        for (int i = 0; i < _snapshotDeferredCount; i++)
        {
            var pending = (PendingRelease*)_snapshotDeferred[2 * i];
            pending->Next = _pendingRelease;
            pending->MappedBytes = _snapshotDeferred[2 * i + 1];
            _pendingRelease = pending;
            _pendingReleaseBytes += (long)pending->MappedBytes;
        }
        _snapshotDeferredCount = 0;
        _snapshotDeferredBytes = 0;
        _snapshotOwner = null;
        Volatile.Write(ref _snapshotPhase, SnapshotNone);
    }

    /// <summary>
    /// How many recorded frees one release point links: ~64k blocks is well under a millisecond,
    /// so a snapshot that saw millions of overwrites does not stall the command thread at its end.
    /// </summary>
    private const int DeferredFreeSlice = 1 << 16;

    /// <summary>A small block freed on a frozen page during a snapshot (already subtracted from the accounting).</summary>
    private void DeferFree(byte* p)
    {
        if (_deferredFreeCount == _deferredFreeCapacity)
        {
            int capacity = Math.Max(1024, _deferredFreeCapacity * 2);
            _deferredFrees = (byte**)NativeMemory.Realloc(_deferredFrees, (nuint)capacity * (nuint)sizeof(byte*));
            _deferredFreeCapacity = capacity;
        }
        _deferredFrees[_deferredFreeCount++] = p;
    }

    /// <summary>Links up to <paramref name="max"/> recorded frees into their pages (no snapshot active).</summary>
    private void LinkDeferredFrees(int max)
    {
        Debug.Assert(_snapshotPhase == SnapshotNone);
        int count = Math.Min(max, _deferredFreeCount);
        int first = _deferredFreeCount - count;
        for (int i = _deferredFreeCount - 1; i >= first; i--)
        {
            byte* p = _deferredFrees[i];
            ReturnToPage(p, PageOf(p));
        }
        _deferredFreeCount = first;
        if (first == 0 && _deferredFreeCapacity > 1024)
        {
            NativeMemory.Free(_deferredFrees);
            _deferredFrees = null;
            _deferredFreeCapacity = 0;
        }
    }

    // ---------------------------------------------------------------- teardown

    public void Dispose()
    {
        ReleaseEverything();
        GC.SuppressFinalize(this);
    }

    private static void UnmapPageList(PageHeader* page)
    {
        while (page != null)
        {
            PageHeader* next = page->AllNext;
            OsMemory.Unmap((byte*)page, PageSize);
            page = next;
        }
    }

    private void ReleaseEverything()
    {
        if (_disposed) return;
        _disposed = true;
        UnmapPageList(_allPages);
        UnmapPageList(_snapshotPages);
        _allPages = _snapshotPages = null;
        _emptyPages = null;
        _largeBlocks.ForEach(&OsMemory.Unmap);
        for (int i = 0; i < _snapshotDeferredCount; i++)
            OsMemory.Unmap((byte*)_snapshotDeferred[2 * i], _snapshotDeferred[2 * i + 1]);
        NativeMemory.Free(_snapshotDeferred);
        _snapshotDeferred = null;
        NativeMemory.Free(_deferredFrees);
        _deferredFrees = null;
        _deferredFreeCount = _deferredFreeCapacity = 0;
        _snapshotDeferredCount = _snapshotDeferredCapacity = 0;
        _snapshotDeferredBytes = 0;
        _snapshotPhase = SnapshotNone;
        ReleaseDeferred(long.MaxValue);
        _largeBlocks.Dispose();
        _pageDirectory.Dispose();
        NativeMemory.Free(_partialPages);
        NativeMemory.Free(_frozenPartialPages);
        _reservedBytes = _usedBytes = _liveBlocks = _pageCount = _largeBlockCount = _pendingReleaseBytes = 0;
    }

    // ---------------------------------------------------------------- class tables

    private static byte[] BuildFineTable()
    {
        var table = new byte[FineLimit / 8 + 1];
        int cls = 0;
        for (int i = 0; i < table.Length; i++)
        {
            int size = Math.Max(i * 8, 1);
            while (ClassSizes[cls] < size) cls++;
            table[i] = (byte)cls;
        }
        return table;
    }

    private static byte[] BuildCoarseTable()
    {
        var table = new byte[(MaxSmallSize >> CoarseStepShift) + 1];
        int cls = 0;
        for (int i = 0; i < table.Length; i++)
        {
            int size = i << CoarseStepShift;
            while (ClassSizes[cls] < size) cls++;
            table[i] = (byte)cls;
        }
        return table;
    }

    /// <summary>
    /// Address -> a value per 64 KB unit (the size of the large block starting there; a page's
    /// state). A two-level radix map over the units of a 48-bit address space: lookups are two
    /// loads and never rehash, so millions of large values do not introduce a stall. Both levels
    /// are OS mappings that stay unfaulted (and cost no RSS) where no unit ever had a value.
    /// </summary>
    private struct UnitMap : IDisposable
    {
        private const int AddressBits = 48;
        private const int LeafBits = 16;                                  // 65536 units = 4 GB per leaf
        private const int RootBits = AddressBits - PageShift - LeafBits;  // 16
        private static readonly nuint RootBytes = (nuint)(sizeof(nuint*) << RootBits);
        private static readonly nuint LeafBytes = (nuint)(sizeof(nuint) << LeafBits);

        private nuint** _root;
        private long _leafCount;

        public readonly long ReservedBytes =>
            _root == null ? 0 : (long)RootBytes + _leafCount * (long)LeafBytes;

        public readonly nuint SizeOf(byte* p)
        {
            nuint unit = (nuint)p >> PageShift;
            if (_root == null) return 0;
            nuint* leaf = _root[unit >> LeafBits];
            return leaf == null ? 0 : leaf[unit & ((1u << LeafBits) - 1)];
        }

        public void Set(byte* p, nuint size)
        {
            nuint unit = (nuint)p >> PageShift;
            if ((unit >> (LeafBits + RootBits)) != 0)
                throw new NotSupportedException("Arena: address above the 48-bit range");
            if (_root == null)
            {
                _root = (nuint**)OsMemory.MapAligned(OsMemory.RoundUpToPage(RootBytes), OsMemory.PageSize);
                if (_root == null) throw new OutOfMemoryException("Arena: cannot map the large-block map");
            }
            ref nuint* leaf = ref _root[unit >> LeafBits];
            if (leaf == null)
            {
                if (size == 0) return;
                leaf = (nuint*)OsMemory.MapAligned(OsMemory.RoundUpToPage(LeafBytes), OsMemory.PageSize);
                if (leaf == null) throw new OutOfMemoryException("Arena: cannot map the large-block map");
                _leafCount++;
            }
            leaf[unit & ((1u << LeafBits) - 1)] = size;
        }

        public readonly void ForEach(delegate*<byte*, nuint, void> action)
        {
            if (_root == null) return;
            for (nuint r = 0; r < (nuint)1 << RootBits; r++)
            {
                nuint* leaf = _root[r];
                if (leaf == null) continue;
                for (nuint i = 0; i < (nuint)1 << LeafBits; i++)
                {
                    if (leaf[i] != 0) action((byte*)(((r << LeafBits) | i) << PageShift), leaf[i]);
                }
            }
        }

        /// <summary>Writes (address, size, size) for every block, at most max of them; returns the count.</summary>
        public readonly long CollectRanges(Snapshot.CowNative.Range* dest, long max)
        {
            if (_root == null) return 0;
            long n = 0;
            for (nuint r = 0; r < (nuint)1 << RootBits; r++)
            {
                nuint* leaf = _root[r];
                if (leaf == null) continue;
                for (nuint i = 0; i < (nuint)1 << LeafBits; i++)
                {
                    if (leaf[i] == 0) continue;
                    if (n == max) throw new InvalidOperationException("Arena: large-block count out of sync");
                    dest[n].Address = ((r << LeafBits) | i) << PageShift;
                    dest[n].Length = leaf[i];
                    dest[n].ProtectLength = leaf[i];
                    n++;
                }
            }
            return n;
        }

        /// <summary>
        /// Writes one range per run of consecutive units with the same non-zero value (in address
        /// order): the run's bytes, protected whole when the value is <paramref name="protectValue"/>,
        /// else only registered. At most max ranges; returns the count.
        /// </summary>
        public readonly long CollectRuns(Snapshot.CowNative.Range* dest, long max, nuint protectValue)
        {
            if (_root == null) return 0;
            long n = 0;
            nuint runStart = 0, runValue = 0, runUnits = 0;
            for (nuint r = 0; r < (nuint)1 << RootBits; r++)
            {
                nuint* leaf = _root[r];
                if (leaf == null) continue;
                for (nuint i = 0; i < (nuint)1 << LeafBits; i++)
                {
                    nuint value = leaf[i];
                    nuint unit = (r << LeafBits) | i;
                    if (value != 0 && value == runValue && unit == runStart + runUnits)
                    {
                        runUnits++;
                        continue;
                    }
                    if (runUnits != 0) Emit(dest, ref n, max, runStart, runUnits, runValue == protectValue);
                    runStart = unit;
                    runValue = value;
                    runUnits = value != 0 ? 1u : 0u;
                }
            }
            if (runUnits != 0) Emit(dest, ref n, max, runStart, runUnits, runValue == protectValue);
            return n;

            static void Emit(Snapshot.CowNative.Range* dest, ref long n, long max, nuint unit, nuint units, bool protect)
            {
                if (n == max) throw new InvalidOperationException("Arena: page count out of sync");
                dest[n].Address = unit << PageShift;
                dest[n].Length = units << PageShift;
                dest[n].ProtectLength = protect ? units << PageShift : 0;
                n++;
            }
        }

        public void Dispose()
        {
            if (_root == null) return;
            for (nuint r = 0; r < (nuint)1 << RootBits; r++)
            {
                if (_root[r] != null) OsMemory.Unmap((byte*)_root[r], OsMemory.RoundUpToPage(LeafBytes));
            }
            OsMemory.Unmap((byte*)_root, OsMemory.RoundUpToPage(RootBytes));
            _root = null;
            _leafCount = 0;
        }
    }
}
