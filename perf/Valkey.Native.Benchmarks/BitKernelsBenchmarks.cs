using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Valkey.Native.Util;

namespace Valkey.Native.Benchmarks;

/// <summary>
/// The bitmap kernels (BITCOUNT, BITPOS, BITOP) with each path pinned: the scalar 64-bit word loop
/// is the baseline of every category, against the Vector128 and Vector256 paths. BITPOS scans a run
/// of zero bytes ending in one set bit, so the whole buffer is read; .NET's IndexOfAnyExcept is
/// there for reference. Read the Ratio column.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class BitKernelsBenchmarks
{
    [Params(64, 4096, 1 << 20)]
    public int Size;

    private byte[] _random = [];
    private byte[] _zerosThenOne = [];
    private byte[] _destination = [];

    [GlobalSetup]
    public void Setup()
    {
        _random = new byte[Size];
        new Random(42).NextBytes(_random);
        _zerosThenOne = new byte[Size];
        _zerosThenOne[^1] = 0x01;
        _destination = new byte[Size];
        new Random(7).NextBytes(_destination);
    }

    [BenchmarkCategory("BITCOUNT popcount"), Benchmark(Baseline = true)]
    public long PopCountScalar() => BitKernels.PopCount(_random, KernelPath.Scalar);

    [BenchmarkCategory("BITCOUNT popcount"), Benchmark]
    public long PopCountVector128() => BitKernels.PopCount(_random, KernelPath.Vector128);

    [BenchmarkCategory("BITCOUNT popcount"), Benchmark]
    public long PopCountVector256() => BitKernels.PopCount(_random, KernelPath.Vector256);

    [BenchmarkCategory("BITPOS first set bit"), Benchmark(Baseline = true)]
    public int FirstNotZeroScalar() => BitKernels.IndexOfFirstNot(_zerosThenOne, 0, KernelPath.Scalar);

    [BenchmarkCategory("BITPOS first set bit"), Benchmark]
    public int FirstNotZeroVector128() => BitKernels.IndexOfFirstNot(_zerosThenOne, 0, KernelPath.Vector128);

    [BenchmarkCategory("BITPOS first set bit"), Benchmark]
    public int FirstNotZeroVector256() => BitKernels.IndexOfFirstNot(_zerosThenOne, 0, KernelPath.Vector256);

    [BenchmarkCategory("BITPOS first set bit"), Benchmark]
    public int FirstNotZeroDotNet() => _zerosThenOne.AsSpan().IndexOfAnyExcept((byte)0);

    [BenchmarkCategory("BITOP xor"), Benchmark(Baseline = true)]
    public void XorScalar() => BitKernels.Apply(BitwiseOp.Xor, _destination, _random, KernelPath.Scalar);

    [BenchmarkCategory("BITOP xor"), Benchmark]
    public void XorVector128() => BitKernels.Apply(BitwiseOp.Xor, _destination, _random, KernelPath.Vector128);

    [BenchmarkCategory("BITOP xor"), Benchmark]
    public void XorVector256() => BitKernels.Apply(BitwiseOp.Xor, _destination, _random, KernelPath.Vector256);
}
