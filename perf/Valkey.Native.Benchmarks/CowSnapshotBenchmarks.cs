using BenchmarkDotNet.Attributes;
using Valkey.Native.Storage;
using Valkey.Native.Storage.Snapshot;

namespace Valkey.Native.Benchmarks;

/// <summary>
/// The copy-on-write snapshot engine: what the command thread pays for the first write to a page
/// during a snapshot (a userfaultfd round trip to the native handler plus a 4 KB copy), against the
/// same write with no snapshot; and the Begin + End pause over a populated arena.
/// Run: <c>dotnet run -c Release --project perf/Valkey.Native.Benchmarks -- --filter '*CowSnapshot*'</c>.
/// </summary>
[MemoryDiagnoser]
public unsafe class CowSnapshotBenchmarks
{
    private const int Pages = 4096;

    [Params(64)]
    public int DatasetMegabytes;

    private Arena _arena = null!;
    private byte* _block;
    private CowSnapshot? _snapshot;
    private int _pageSize;

    [GlobalSetup]
    public void Setup()
    {
        if (!CowSnapshot.IsSupported) throw new NotSupportedException(CowSnapshot.UnsupportedReason);
        _pageSize = Environment.SystemPageSize;
        _arena = new Arena();
        long bytes = (long)DatasetMegabytes << 20;
        _block = _arena.Alloc((nuint)bytes);
        new Span<byte>(_block, (int)bytes).Fill(1);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _snapshot?.Dispose();
        _arena.Dispose();
    }

    [IterationSetup(Target = nameof(FirstWriteDuringSnapshot))]
    public void BeginSnapshot() => _snapshot = CowSnapshot.Begin(_arena);

    [IterationCleanup(Target = nameof(FirstWriteDuringSnapshot))]
    public void EndSnapshot()
    {
        _snapshot!.Dispose();
        _snapshot = null;
        _arena.ReleaseDeferred(long.MaxValue);
    }

    /// <summary>Per operation: one first write to a protected 4 KB page.</summary>
    [Benchmark(OperationsPerInvoke = Pages)]
    public void FirstWriteDuringSnapshot()
    {
        for (int i = 0; i < Pages; i++) _block[(long)i * _pageSize] ^= 1;
    }

    [Benchmark(OperationsPerInvoke = Pages, Baseline = true)]
    public void WriteWithoutSnapshot()
    {
        for (int i = 0; i < Pages; i++) _block[(long)i * _pageSize] ^= 1;
    }

    /// <summary>The command-thread pause of Begin plus the cost of End, over the whole dataset.</summary>
    [Benchmark]
    public void BeginAndEnd()
    {
        CowSnapshot.Begin(_arena).Dispose();
        _arena.ReleaseDeferred(long.MaxValue);
    }
}
