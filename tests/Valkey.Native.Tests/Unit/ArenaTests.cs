using NUnit.Framework;
using Valkey.Native.Storage;

namespace Valkey.Native.Tests.Unit;

[TestFixture]
public sealed unsafe class ArenaTests
{
    private sealed record LiveBlock(nuint Size, byte Pattern);

    private static void Fill(byte* p, nuint size, byte pattern)
    {
        for (nuint i = 0; i < size; i++) p[i] = (byte)(pattern + i * 31);
    }

    private static bool HasPattern(byte* p, nuint size, byte pattern)
    {
        for (nuint i = 0; i < size; i++)
            if (p[i] != (byte)(pattern + i * 31)) return false;
        return true;
    }

    private static long SumOfUsableSizes(Arena arena, Dictionary<nint, LiveBlock> live)
    {
        long sum = 0;
        foreach (nint p in live.Keys) sum += (long)arena.UsableSize((byte*)p);
        return sum;
    }

    private static nuint RandomSize(Random random)
    {
        int kind = random.Next(100);
        if (kind < 60) return (nuint)random.Next(0, 257);
        if (kind < 90) return (nuint)random.Next(257, Arena.MaxSmallSize + 1);
        return (nuint)random.Next(Arena.MaxSmallSize + 1, 300_000);
    }

    [Test]
    public void RandomAllocFreeReallocKeepsAccountingExactAndContentIntact()
    {
        using var arena = new Arena();
        var random = new Random(12345);
        var live = new Dictionary<nint, LiveBlock>();
        var order = new List<nint>();

        for (int step = 0; step < 40_000; step++)
        {
            int op = random.Next(10);
            if (op < 5 || order.Count == 0)
            {
                nuint size = RandomSize(random);
                byte* p = arena.Alloc(size);
                Assert.That(arena.UsableSize(p), Is.GreaterThanOrEqualTo(size));
                byte pattern = (byte)random.Next(256);
                Fill(p, size, pattern);
                Assert.That(live.ContainsKey((nint)p), Is.False, "the arena handed out a live block twice");
                live[(nint)p] = new LiveBlock(size, pattern);
                order.Add((nint)p);
            }
            else
            {
                int index = random.Next(order.Count);
                nint victim = order[index];
                LiveBlock block = live[victim];
                Assert.That(HasPattern((byte*)victim, block.Size, block.Pattern), Is.True, $"block of {block.Size} bytes was corrupted");
                live.Remove(victim);
                if (op < 8)
                {
                    order[index] = order[^1];
                    order.RemoveAt(order.Count - 1);
                    arena.Free((byte*)victim);
                }
                else
                {
                    nuint newSize = RandomSize(random);
                    byte* moved = arena.Realloc((byte*)victim, newSize);
                    nuint kept = Math.Min(block.Size, newSize);
                    Assert.That(HasPattern(moved, kept, block.Pattern), Is.True, $"realloc {block.Size} -> {newSize} lost content");
                    Assert.That(arena.UsableSize(moved), Is.GreaterThanOrEqualTo(newSize));
                    Fill(moved, newSize, block.Pattern);
                    live[(nint)moved] = new LiveBlock(newSize, block.Pattern);
                    order[index] = (nint)moved;
                }
            }

            if (step % 997 == 0)
            {
                Assert.That(arena.UsedBytes, Is.EqualTo(SumOfUsableSizes(arena, live)));
                Assert.That(arena.LiveBlocks, Is.EqualTo(live.Count));
            }
        }

        Assert.That(arena.UsedBytes, Is.EqualTo(SumOfUsableSizes(arena, live)));
        foreach (var (p, block) in live)
        {
            Assert.That(HasPattern((byte*)p, block.Size, block.Pattern), Is.True);
            arena.Free((byte*)p);
        }
        Assert.That(arena.UsedBytes, Is.Zero);
        Assert.That(arena.LiveBlocks, Is.Zero);
        Assert.That(arena.LargeBlockCount, Is.Zero);
    }

    [Test]
    public void EverySmallSizeMapsToATightAlignedClass()
    {
        using var arena = new Arena();
        nuint previousClass = 0;
        for (nuint size = 0; size <= Arena.MaxSmallSize; size += size < 2048 ? 1u : 7u)
        {
            byte* p = arena.Alloc(size);
            nuint usable = arena.UsableSize(p);
            Assert.That(usable, Is.EqualTo(Arena.SizeClassFor(size)), $"size {size}");
            Assert.That(usable, Is.GreaterThanOrEqualTo(Math.Max(size, 1)), $"size {size}");
            Assert.That(usable, Is.GreaterThanOrEqualTo(previousClass), "classes must not shrink as sizes grow");
            if (size > 64) Assert.That((double)usable / size, Is.LessThanOrEqualTo(1.25 + 1e-9), $"rounding waste of size {size}");
            Assert.That((ulong)p % (usable >= 16 ? 16UL : 8UL), Is.Zero, $"alignment of size {size}");
            Assert.That((ulong)usable % 8, Is.Zero);
            Fill(p, usable, 7);
            previousClass = usable;
            arena.Free(p);
        }
        Assert.That(arena.UsedBytes, Is.Zero);
    }

    [Test]
    public void ManyBlocksOfEachClassDoNotOverlap()
    {
        using var arena = new Arena();
        var blocks = new List<(nint P, nuint Size, byte Pattern)>();
        byte pattern = 0;
        foreach (nuint size in new nuint[] { 8, 16, 24, 48, 100, 500, 1000, 3000, 8192, 9000, 14336 })
        {
            // Enough blocks to span several pages of the class.
            int count = (int)Math.Max(3 * Arena.PageSize / (long)Arena.SizeClassFor(size), 20);
            for (int i = 0; i < count; i++)
            {
                byte* p = arena.Alloc(size);
                Fill(p, arena.UsableSize(p), ++pattern);
                blocks.Add(((nint)p, arena.UsableSize(p), pattern));
            }
        }
        foreach (var (p, size, pat) in blocks) Assert.That(HasPattern((byte*)p, size, pat), Is.True);
        Assert.That(arena.UsedBytes, Is.EqualTo(blocks.Sum(b => (long)b.Size)));
        foreach (var block in blocks) arena.Free((byte*)block.P);
        Assert.That(arena.UsedBytes, Is.Zero);
    }

    [TestCase(14_337)]
    [TestCase(65_536)]
    [TestCase(65_537)]
    [TestCase(1_048_579)]
    [TestCase(64 * 1024 * 1024)]
    public void LargeBlocksAreMappedIndividually(int size)
    {
        using var arena = new Arena();
        long reservedBefore = arena.ReservedBytes;
        byte* p = arena.AllocZeroed((nuint)size);
        nuint usable = arena.UsableSize(p);
        Assert.That(usable, Is.GreaterThanOrEqualTo((nuint)size));
        Assert.That((ulong)usable % (ulong)Environment.SystemPageSize, Is.Zero);
        Assert.That(usable - (nuint)size, Is.LessThan((nuint)Environment.SystemPageSize));
        Assert.That(arena.UsedBytes, Is.EqualTo((long)usable));
        Assert.That(arena.LargeBlockCount, Is.EqualTo(1));
        Assert.That(p[0] == 0 && p[size / 2] == 0 && p[size - 1] == 0, Is.True, "AllocZeroed returned dirty memory");
        p[0] = 1; p[size - 1] = 2;
        long reservedWithBlock = arena.ReservedBytes;
        Assert.That(reservedWithBlock - reservedBefore, Is.GreaterThanOrEqualTo((long)usable));
        arena.Free(p);
        Assert.That(arena.UsedBytes, Is.Zero);
        Assert.That(arena.LiveBlocks, Is.Zero);
        arena.ReleaseDeferred(long.MaxValue);
        Assert.That(arena.PendingReleaseBytes, Is.Zero);
        Assert.That(arena.ReservedBytes, Is.EqualTo(reservedWithBlock - (long)usable), "a freed large block goes back to the OS");
    }

    [Test]
    public void HugeBlocksAreReturnedToTheOsInSlices()
    {
        using var arena = new Arena();
        const int size = 64 << 20;
        byte* p = arena.Alloc(size);
        for (int i = 0; i < size; i += 4096) p[i] = 1;   // resident, as a used bucket array would be
        long reservedWithBlock = arena.ReservedBytes;

        arena.Free(p);
        Assert.That(arena.UsedBytes, Is.Zero, "used memory drops at once");
        Assert.That(arena.PendingReleaseBytes, Is.EqualTo(size - Arena.ReleaseSliceBytes), "only one slice is unmapped inside Free");
        Assert.That(arena.ReservedBytes, Is.EqualTo(reservedWithBlock - Arena.ReleaseSliceBytes));

        // Allocation slow paths (a fresh page here) keep trickling memory back.
        var blocks = new List<nint>();
        for (int i = 0; i < 5 * (Arena.PageSize / 64); i++) blocks.Add((nint)arena.Alloc(64));
        Assert.That(arena.PendingReleaseBytes, Is.LessThanOrEqualTo(size - 5L * Arena.ReleaseSliceBytes));

        int calls = 0;
        while (arena.ReleaseDeferred(Arena.ReleaseSliceBytes) > 0) calls++;
        Assert.That(calls, Is.InRange(size / Arena.ReleaseSliceBytes - 10, size / Arena.ReleaseSliceBytes - 5));
        foreach (nint b in blocks) arena.Free((byte*)b);
        arena.TrimCache();
        Assert.That(arena.ReservedBytes, Is.EqualTo(reservedWithBlock - size));
    }

    [Test]
    public void ReallocPreservesContentAcrossClassesAndLargeBlocks()
    {
        using var arena = new Arena();
        nuint[] sizes = [5, 8, 40, 40, 300, 14336, 14337, 100_000, 3_000_000, 20_000, 9_000, 100, 1];
        byte* p = arena.Alloc(sizes[0]);
        Fill(p, sizes[0], 99);
        nuint current = sizes[0];
        for (int i = 1; i < sizes.Length; i++)
        {
            p = arena.Realloc(p, sizes[i]);
            nuint kept = Math.Min(current, sizes[i]);
            Assert.That(HasPattern(p, kept, 99), Is.True, $"realloc {current} -> {sizes[i]}");
            Assert.That(arena.UsableSize(p), Is.GreaterThanOrEqualTo(sizes[i]));
            Assert.That(arena.UsedBytes, Is.EqualTo((long)arena.UsableSize(p)));
            Assert.That(arena.LiveBlocks, Is.EqualTo(1));
            Fill(p, sizes[i], 99);
            current = sizes[i];
        }
        arena.Free(p);
        Assert.That(arena.UsedBytes, Is.Zero);
    }

    [Test]
    public void ReallocWithinTheSameClassKeepsThePointer()
    {
        using var arena = new Arena();
        byte* p = arena.Alloc(33);   // class 48
        Assert.That(arena.Realloc(p, 48) == p, Is.True);
        Assert.That(arena.Realloc(p, 40) == p, Is.True);
        byte* moved = arena.Realloc(p, 49);
        Assert.That(moved != p, Is.True);
        Assert.That(arena.UsableSize(moved), Is.EqualTo((nuint)56));

        byte* large = arena.Alloc(100_000);
        nuint usable = arena.UsableSize(large);
        Assert.That(arena.Realloc(large, usable) == large, Is.True);
        arena.Free(moved);
        arena.Free(large);
        Assert.That(arena.UsedBytes, Is.Zero);
    }

    [Test]
    public void ReallocOfLargeBlockShrinksAndGrowsAccounting()
    {
        using var arena = new Arena();
        byte* p = arena.Alloc(1_000_000);
        Fill(p, 1_000_000, 3);
        p = arena.Realloc(p, 200_000);
        Assert.That(arena.UsableSize(p), Is.LessThan((nuint)1_000_000));
        Assert.That(arena.UsedBytes, Is.EqualTo((long)arena.UsableSize(p)));
        p = arena.Realloc(p, 5_000_000);
        Assert.That(HasPattern(p, 200_000, 3), Is.True);
        Assert.That(p[4_999_999], Is.Zero, "grown tail of a large block must be fresh zero pages");
        Assert.That(arena.UsedBytes, Is.EqualTo((long)arena.UsableSize(p)));
        arena.Free(p);
        Assert.That(arena.UsedBytes, Is.Zero);
        Assert.That(arena.LargeBlockCount, Is.Zero);
    }

    [Test]
    public void AllocZeroedClearsRecycledBlocks()
    {
        using var arena = new Arena();
        var dirty = new List<nint>();
        for (int i = 0; i < 100; i++)
        {
            byte* p = arena.Alloc(200);
            Fill(p, arena.UsableSize(p), 0xAB);
            dirty.Add((nint)p);
        }
        foreach (nint p in dirty) arena.Free((byte*)p);
        for (int i = 0; i < 100; i++)
        {
            byte* p = arena.AllocZeroed(200);
            for (int b = 0; b < 200; b++) Assert.That(p[b], Is.Zero);
        }
    }

    [Test]
    public void ZeroSizeAndNullAreHandled()
    {
        using var arena = new Arena();
        byte* p = arena.Alloc(0);
        Assert.That(p != null, Is.True);
        Assert.That(arena.UsableSize(p), Is.EqualTo((nuint)8));
        arena.Free(null);
        byte* q = arena.Realloc(null, 10);
        Assert.That(arena.UsableSize(q), Is.EqualTo((nuint)16));
        arena.Free(p);
        arena.Free(q);
        Assert.That(arena.UsedBytes, Is.Zero);
    }

    [Test]
    public void FreeingEverythingReturnsPagesToTheOs()
    {
        using var arena = new Arena();
        long baseline = arena.ReservedBytes;
        var blocks = new List<nint>();
        var random = new Random(7);
        for (int i = 0; i < 200_000; i++) blocks.Add((nint)arena.Alloc((nuint)random.Next(1, 600)));
        long peak = arena.ReservedBytes;
        Assert.That(peak - baseline, Is.GreaterThan(200_000L * 8));

        // Free in random order so pages empty out in an arbitrary sequence.
        foreach (nint p in blocks.OrderBy(_ => random.Next())) arena.Free((byte*)p);
        Assert.That(arena.UsedBytes, Is.Zero);
        Assert.That(arena.ReservedBytes - baseline, Is.LessThanOrEqualTo((long)arena.EmptyPageCacheLimit * Arena.PageSize));
        Assert.That(arena.CachedEmptyPages, Is.LessThanOrEqualTo(arena.EmptyPageCacheLimit));

        arena.TrimCache();
        Assert.That(arena.PageCount, Is.Zero);
        Assert.That(arena.ReservedBytes, Is.EqualTo(baseline));
    }

    [Test]
    public void PagesAreMappedSixteenAtATimeAsFarAsTheEmptyPageCacheTakesThem()
    {
        if (!OperatingSystem.IsLinux()) Assert.Ignore("runs of pages need partial munmap");
        using var arena = new Arena();
        arena.Alloc(1000);
        Assert.That(arena.PageCount, Is.EqualTo(16), "one mapping of 16 pages");
        Assert.That(arena.CachedEmptyPages, Is.EqualTo(15));
        for (int i = 0; i < 63 * 16 - 1; i++) arena.Alloc(1000);   // 63 blocks of 1024 per page
        Assert.That(arena.PageCount, Is.EqualTo(16), "the run served them all");
        arena.Alloc(1000);
        Assert.That(arena.PageCount, Is.EqualTo(32));

        using var small = new Arena { EmptyPageCacheLimit = 3 };
        small.Alloc(1000);
        Assert.That(small.PageCount, Is.EqualTo(4), "no more extras than the cache holds");
        using var none = new Arena { EmptyPageCacheLimit = 0 };
        none.Alloc(1000);
        Assert.That(none.PageCount, Is.EqualTo(1));
    }

    [Test]
    public void PagesAreReusedAfterFreeInsteadOfGrowingTheReservation()
    {
        using var arena = new Arena();
        for (int round = 0; round < 5; round++)
        {
            var blocks = new List<nint>();
            for (int i = 0; i < 50_000; i++) blocks.Add((nint)arena.Alloc(64));
            foreach (nint p in blocks) arena.Free((byte*)p);
        }
        // 50,000 x 64 bytes is ~49 pages; five rounds must not reserve five times that.
        Assert.That(arena.ReservedBytes, Is.LessThan(60L * Arena.PageSize + (1 << 20)));
    }

    [Test]
    public void DisposeReleasesEverything()
    {
        var arena = new Arena();
        for (int i = 0; i < 10_000; i++) arena.Alloc(100);
        arena.Alloc(1 << 20);
        arena.Free(arena.Alloc(32 << 20));   // leaves a deferred release pending
        Assert.That(arena.PendingReleaseBytes, Is.GreaterThan(0));
        Assert.That(arena.ReservedBytes, Is.GreaterThan(1 << 20));
        arena.Dispose();
        Assert.That(arena.ReservedBytes, Is.Zero);
        Assert.That(arena.UsedBytes, Is.Zero);
    }

    [Test]
    public void SharedModeLetsAnotherThreadFreeWhileThisOneAllocates()
    {
        using var arena = new Arena();
        var random = new Random(7);
        // Blocks the other thread will free: mixed classes, some large.
        var foreign = new List<nint>();
        for (int i = 0; i < 20_000; i++) foreign.Add((nint)arena.Alloc(i % 500 == 0 ? (nuint)70_000 : RandomSize(random)));
        long usedBefore = arena.UsedBytes;

        arena.SharedMode = true;
        var freer = new Thread(() =>
        {
            foreach (nint p in foreign) arena.Free((byte*)p);
        });
        freer.Start();
        var live = new Dictionary<nint, LiveBlock>();
        byte pattern = 0;
        while (freer.IsAlive || live.Count < 5_000)
        {
            if (live.Count > 3_000 && random.Next(2) == 0)
            {
                nint victim = live.Keys.First();
                Assert.That(HasPattern((byte*)victim, live[victim].Size, live[victim].Pattern), Is.True);
                arena.Free((byte*)victim);
                live.Remove(victim);
            }
            nuint size = RandomSize(random);
            byte* p = arena.Alloc(size);
            Fill(p, size, ++pattern);
            live[(nint)p] = new LiveBlock(size, pattern);
        }
        freer.Join();
        arena.SharedMode = false;

        foreach (var (p, block) in live) Assert.That(HasPattern((byte*)p, block.Size, block.Pattern), Is.True);
        Assert.That(arena.UsedBytes, Is.EqualTo(SumOfUsableSizes(arena, live)), "accounting is exact after concurrent frees");
        Assert.That(usedBefore, Is.GreaterThan(arena.UsedBytes));
        foreach (nint p in live.Keys) arena.Free((byte*)p);
        Assert.That(arena.UsedBytes, Is.Zero);
    }
}
