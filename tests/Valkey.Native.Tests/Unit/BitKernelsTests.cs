using System.Numerics;
using System.Runtime.Intrinsics;
using NUnit.Framework;
using Valkey.Native.Util;

namespace Valkey.Native.Tests.Unit;

/// <summary>
/// <see cref="BitKernels"/>: every path (scalar, Vector128, Vector256 and the dispatcher) against
/// byte-by-byte references, at every length 0..300, every start and end inside a buffer (so every
/// alignment), with guard bytes around the slices to catch reads or writes outside them.
/// </summary>
[TestFixture]
public class BitKernelsTests
{
    public enum Path
    {
        Scalar,
        Vector128,
        Vector256,
        Dispatch,
    }

    private const int MaxLength = 300;
    private static readonly int[] Alignments = [0, 1, 3, 7, 15, 16, 31, 33];

    private static KernelPath Kernel(Path path)
    {
        switch (path)
        {
            case Path.Vector128:
                Assume.That(Vector128.IsHardwareAccelerated, "Vector128 is not accelerated on this machine");
                return KernelPath.Vector128;
            case Path.Vector256:
                Assume.That(Vector256.IsHardwareAccelerated, "Vector256 is not accelerated on this machine");
                return KernelPath.Vector256;
            case Path.Scalar:
                return KernelPath.Scalar;
            default:
                return KernelPath.Auto;
        }
    }

    private static long PopCount(Path path, ReadOnlySpan<byte> data) =>
        path == Path.Dispatch ? BitKernels.PopCount(data) : BitKernels.PopCount(data, Kernel(path));

    private static int IndexOfFirstNot(Path path, ReadOnlySpan<byte> data, byte value) =>
        path == Path.Dispatch ? BitKernels.IndexOfFirstNot(data, value) : BitKernels.IndexOfFirstNot(data, value, Kernel(path));

    private static void Apply(Path path, BitwiseOp op, Span<byte> destination, ReadOnlySpan<byte> source)
    {
        if (path == Path.Dispatch) BitKernels.Apply(op, destination, source);
        else BitKernels.Apply(op, destination, source, Kernel(path));
    }

    private static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static long ReferencePopCount(ReadOnlySpan<byte> data)
    {
        long count = 0;
        foreach (byte b in data)
        {
            for (int bit = 0; bit < 8; bit++) count += (b >> bit) & 1;
        }
        return count;
    }

    private static long ReferenceFirstBit(ReadOnlySpan<byte> data, int bit)
    {
        for (long i = 0; i < data.Length * 8L; i++)
        {
            if (((data[(int)(i >> 3)] >> (7 - (int)(i & 7))) & 1) == bit) return i;
        }
        return -1;
    }

    private static byte ReferenceOp(BitwiseOp op, byte a, byte b) => op switch
    {
        BitwiseOp.And => (byte)(a & b),
        BitwiseOp.Or => (byte)(a | b),
        BitwiseOp.Xor => (byte)(a ^ b),
        _ => (byte)~a,
    };

    // ---- PopCount ---------------------------------------------------------------------------------

    [Test]
    public void PopCountOfEverySliceOfRandomBytes([Values] Path path)
    {
        byte[] data = RandomBytes(MaxLength, 11);
        // prefix[i] = set bits in data[..i], so every slice has its reference count in O(1).
        var prefix = new long[MaxLength + 1];
        for (int i = 0; i < MaxLength; i++) prefix[i + 1] = prefix[i] + BitOperations.PopCount(data[i]);
        Assert.That(prefix[MaxLength], Is.EqualTo(ReferencePopCount(data)));
        for (int start = 0; start <= MaxLength; start++)
        {
            for (int end = start; end <= MaxLength; end++)
            {
                long got = PopCount(path, data.AsSpan(start, end - start));
                if (got != prefix[end] - prefix[start]) Assert.Fail($"[{start}, {end}): got {got}, expected {prefix[end] - prefix[start]}");
            }
        }
    }

    [Test]
    public void PopCountIgnoresTheBytesAroundTheSlice([Values] Path path)
    {
        foreach (int alignment in Alignments)
        {
            for (int length = 0; length <= MaxLength; length++)
            {
                // Ones around, a sparse pattern inside: any byte read outside the slice changes the count.
                var buffer = new byte[alignment + length + 64];
                buffer.AsSpan().Fill(0xFF);
                Span<byte> slice = buffer.AsSpan(alignment, length);
                for (int i = 0; i < length; i++) slice[i] = (byte)(i % 3 == 0 ? 0x01 : 0x00);
                long got = PopCount(path, slice);
                if (got != (length + 2) / 3) Assert.Fail($"length {length}, alignment {alignment}: got {got}");
            }
        }
    }

    [Test]
    public void PopCountOfLongRunsOfOnesCrossesTheByteLaneLimit([Values] Path path)
    {
        // Byte lanes are widened every 31 vectors: all-ones input is the worst case for the lane sums.
        int[] lengths = [495, 496, 497, 511, 512, 991, 992, 993, 1023, 1024, 1025, 4096, 4097, 65_537, 1_000_003];
        foreach (int length in lengths)
        {
            var ones = new byte[length];
            ones.AsSpan().Fill(0xFF);
            Assert.That(PopCount(path, ones), Is.EqualTo(8L * length), $"length {length}");
            byte[] random = RandomBytes(length, length);
            Assert.That(PopCount(path, random), Is.EqualTo(ReferencePopCount(random)), $"random, length {length}");
        }
    }

    // ---- IndexOfFirstNot / IndexOfFirstBit ----------------------------------------------------------

    [Test]
    public void IndexOfFirstNotFindsOneOddByteAtEveryPosition([Values] Path path, [Values((byte)0x00, (byte)0xFF)] byte value)
    {
        var random = new Random(5);
        foreach (int alignment in new[] { 0, 1, 7, 31 })
        {
            for (int length = 0; length <= MaxLength; length++)
            {
                // Odd bytes around the slice: a read past its end would be reported as a hit.
                var buffer = new byte[alignment + length + 64];
                buffer.AsSpan().Fill((byte)~value);
                Span<byte> slice = buffer.AsSpan(alignment, length);
                slice.Fill(value);
                int none = IndexOfFirstNot(path, slice, value);
                if (none != -1) Assert.Fail($"uniform slice: got {none}, length {length}, alignment {alignment}");
                for (int position = 0; position < length; position++)
                {
                    // Differs from the run value by one bit or by several.
                    byte odd = (byte)(value ^ (position % 2 == 0 ? 1 << (position % 8) : random.Next(1, 256)));
                    slice[position] = odd;
                    int got = IndexOfFirstNot(path, slice, value);
                    if (got != position) Assert.Fail($"odd byte at {position}: got {got}, length {length}, alignment {alignment}");
                    slice[position] = value;
                }
            }
        }
    }

    [Test]
    public void IndexOfFirstNotReturnsTheFirstOfSeveral([Values] Path path)
    {
        byte[] data = new byte[MaxLength];
        for (int first = 0; first < MaxLength; first++)
        {
            Array.Clear(data);
            data[first] = 0x10;
            for (int k = first + 1; k < MaxLength; k += 5) data[k] = 0x80;
            Assert.That(IndexOfFirstNot(path, data, 0), Is.EqualTo(first));
        }
    }

    [Test]
    public void IndexOfFirstBitMatchesTheBitByBitReference([Values(0, 1)] int bit)
    {
        var random = new Random(bit + 40);
        for (int length = 0; length <= MaxLength; length++)
        {
            // Mostly runs of the skipped byte with a rare byte that has the bit: the BITPOS case.
            byte skip = bit == 1 ? (byte)0 : (byte)0xFF;
            var data = new byte[length];
            data.AsSpan().Fill(skip);
            if (length > 0 && random.Next(4) != 0) data[random.Next(length)] = (byte)random.Next(256);
            Assert.That(BitKernels.IndexOfFirstBit(data, bit), Is.EqualTo(ReferenceFirstBit(data, bit)), $"length {length}");
        }
        byte[] dense = RandomBytes(MaxLength, 3);
        for (int start = 0; start < MaxLength; start++)
        {
            Assert.That(BitKernels.IndexOfFirstBit(dense.AsSpan(start), bit), Is.EqualTo(ReferenceFirstBit(dense.AsSpan(start), bit)));
        }
    }

    [Test]
    public void LeadingZerosOfEveryByte()
    {
        for (uint b = 0; b < 256; b++)
        {
            int expected = 8;
            for (int i = 7; i >= 0; i--)
            {
                if ((b & (1u << i)) != 0)
                {
                    expected = 7 - i;
                    break;
                }
            }
            Assert.That(BitKernels.LeadingZeros8(b), Is.EqualTo(expected), $"byte {b}");
        }
    }

    // ---- Apply (BITOP) ----------------------------------------------------------------------------------

    [Test]
    public void ApplyMatchesTheReferenceAtEveryLengthAndAlignment(
        [Values] Path path, [Values(BitwiseOp.And, BitwiseOp.Or, BitwiseOp.Xor, BitwiseOp.Not)] BitwiseOp op)
    {
        (int Destination, int Source)[] alignments = [(0, 0), (1, 0), (0, 3), (5, 7), (31, 17), (16, 1), (33, 63)];
        foreach (var (dstAlign, srcAlign) in alignments)
        {
            for (int length = 0; length <= MaxLength; length++)
            {
                byte[] destination = RandomBytes(dstAlign + length + 40, length * 7 + dstAlign);
                byte[] source = RandomBytes(srcAlign + length + 40, length * 13 + srcAlign + 1);
                byte[] before = (byte[])destination.Clone();
                Apply(path, op, destination.AsSpan(dstAlign, length), source.AsSpan(srcAlign, length));
                for (int i = 0; i < destination.Length; i++)
                {
                    bool inside = i >= dstAlign && i < dstAlign + length;
                    byte expected = inside ? ReferenceOp(op, before[i], source[srcAlign + i - dstAlign]) : before[i];
                    if (destination[i] != expected)
                        Assert.Fail($"{op} length {length}, alignments ({dstAlign}, {srcAlign}): byte {i - dstAlign} is {destination[i]:X2}, expected {expected:X2} ({(inside ? "inside" : "outside")} the slice)");
                }
            }
        }
    }

    [Test]
    public void ApplyInPlaceWithTheSameMemoryAsSource([Values] Path path)
    {
        for (int length = 0; length <= MaxLength; length++)
        {
            byte[] data = RandomBytes(length, length);
            byte[] original = (byte[])data.Clone();
            Apply(path, BitwiseOp.Xor, data, data);
            Assert.That(data.All(b => b == 0), Is.True, $"x ^ x, length {length}");
            data = (byte[])original.Clone();
            Apply(path, BitwiseOp.Not, data, default);
            Assert.That(data, Is.EqualTo(original.Select(b => (byte)~b).ToArray()), $"~x, length {length}");
            Apply(path, BitwiseOp.Not, data, default);
            Assert.That(data, Is.EqualTo(original), $"~~x, length {length}");
            Apply(path, BitwiseOp.Or, data, data);
            Assert.That(data, Is.EqualTo(original), $"x | x, length {length}");
        }
    }

    [Test]
    public void ApplyOnLongBuffers([Values] Path path)
    {
        foreach (int length in new[] { 1000, 4096, 4099, 100_003 })
        {
            byte[] a = RandomBytes(length, 1), b = RandomBytes(length, 2);
            foreach (BitwiseOp op in new[] { BitwiseOp.And, BitwiseOp.Or, BitwiseOp.Xor, BitwiseOp.Not })
            {
                byte[] d = (byte[])a.Clone();
                Apply(path, op, d, b);
                for (int i = 0; i < length; i++)
                {
                    if (d[i] != ReferenceOp(op, a[i], b[i])) Assert.Fail($"{op} length {length}: byte {i}");
                }
            }
        }
    }

    [Test]
    public void ApplyRejectsAShorterSource()
    {
        Assert.Throws<ArgumentException>(() => BitKernels.Apply(BitwiseOp.And, new byte[10], new byte[9]));
        Assert.DoesNotThrow(() => BitKernels.Apply(BitwiseOp.And, new byte[10], new byte[11]));
    }
}
