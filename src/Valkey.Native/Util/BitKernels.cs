using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace Valkey.Native.Util;

/// <summary>The bitwise operations of BITOP (NOT takes one operand).</summary>
public enum BitwiseOp
{
    And,
    Or,
    Xor,
    Not,
}

/// <summary>Which implementation a kernel runs: the dispatcher's choice or one pinned path (tests, benchmarks).</summary>
internal enum KernelPath
{
    Auto,
    Scalar,
    Vector128,
    Vector256,
}

/// <summary>
/// The loops of the bitmap commands, in the style of .NET's SpanHelpers: a Vector256 path, a
/// Vector128 path and a scalar path on 64-bit words, chosen by length and hardware. The vector
/// paths end with one overlapping load of the last full vector instead of a scalar tail loop.
/// <list type="bullet">
/// <item><see cref="PopCount"/> (BITCOUNT): byte counts by nibble table lookup (vpshufb / tbl, or
/// the ARM byte popcount), summed per 31-vector block; the scalar path is the hardware popcnt on
/// 64-bit words.</item>
/// <item><see cref="IndexOfFirstNot"/> / <see cref="IndexOfFirstBit"/> (BITPOS): vector compares
/// skip runs of 0x00 or 0xFF bytes, four vectors per step.</item>
/// <item><see cref="Apply"/> (BITOP): destination = destination op source, in place.</item>
/// </list>
/// Bit order is Valkey's: bit 0 is the most significant bit of byte 0.
/// </summary>
public static class BitKernels
{
    // ---- population count ------------------------------------------------------------------

    /// <summary>The number of set bits in <paramref name="data"/>.</summary>
    public static long PopCount(ReadOnlySpan<byte> data) => PopCount(data, KernelPath.Auto);

    internal static long PopCount(ReadOnlySpan<byte> data, KernelPath path)
    {
        ref byte start = ref MemoryMarshal.GetReference(data);
        nuint length = (nuint)data.Length;
        if (path == KernelPath.Auto)
        {
            // Two table lookups per 16 bytes are no faster than popcnt on two words (measured in
            // BitKernelsBenchmarks), so x86 without Vector256 keeps the scalar path; ARM has a byte popcount.
            path = BestPath();
            if (path == KernelPath.Vector128 && Popcnt.X64.IsSupported) path = KernelPath.Scalar;
        }
        RequireSupported(path);
        if (path == KernelPath.Vector256 && length >= (nuint)Vector256<byte>.Count) return PopCountVector256(ref start, length);
        if (path >= KernelPath.Vector128 && length >= (nuint)Vector128<byte>.Count) return PopCountVector128(ref start, length);
        return PopCountScalar(ref start, length);
    }

    private static long PopCountScalar(ref byte start, nuint length)
    {
        long count = 0;
        nuint i = 0;
        for (; i + 32 <= length; i += 32)
        {
            count += BitOperations.PopCount(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, i)))
                + BitOperations.PopCount(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, i + 8)))
                + BitOperations.PopCount(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, i + 16)))
                + BitOperations.PopCount(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, i + 24)));
        }
        for (; i + 8 <= length; i += 8)
        {
            count += BitOperations.PopCount(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, i)));
        }
        nuint rest = length - i;
        if (rest == 0) return count;
        if (length >= 8)
        {
            // The last whole word, with the bytes already counted shifted out (little endian: they are the low ones).
            ulong last = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, length - 8));
            last = BitConverter.IsLittleEndian ? last >> (int)(8 * (8 - rest)) : last << (int)(8 * (8 - rest));
            return count + BitOperations.PopCount(last);
        }
        for (; i < length; i++) count += BitOperations.PopCount((uint)Unsafe.Add(ref start, i));
        return count;
    }

    /// <summary>Vectors summed into byte lanes before they are widened: 31 × 8 bits = 248 fits a byte.</summary>
    private const int VectorsPerBlock = 31;

    private static long PopCountVector128(ref byte start, nuint length)
    {
        nuint size = (nuint)Vector128<byte>.Count;
        nuint whole = length & ~(size - 1);
        Vector128<ulong> total = Vector128<ulong>.Zero;
        nuint offset = 0;
        while (offset < whole)
        {
            nuint blockEnd = Math.Min(whole, offset + VectorsPerBlock * size);
            Vector128<byte> acc = Vector128<byte>.Zero;
            for (; offset + 2 * size <= blockEnd; offset += 2 * size)
            {
                acc += ByteCounts(Vector128.LoadUnsafe(ref start, offset)) + ByteCounts(Vector128.LoadUnsafe(ref start, offset + size));
            }
            if (offset < blockEnd)
            {
                acc += ByteCounts(Vector128.LoadUnsafe(ref start, offset));
                offset += size;
            }
            total += SumBytes(acc);
        }
        nuint rest = length - whole;
        if (rest != 0)
        {
            // The last full vector overlaps bytes already counted: a mask keeps only its last 'rest' bytes.
            Vector128<byte> keep = Vector128.LoadUnsafe(ref MemoryMarshal.GetReference(TailMask), (nuint)TailMaskHalf - size + rest);
            total += SumBytes(ByteCounts(Vector128.LoadUnsafe(ref start, length - size)) & keep);
        }
        return (long)Vector128.Sum(total);
    }

    private static long PopCountVector256(ref byte start, nuint length)
    {
        nuint size = (nuint)Vector256<byte>.Count;
        nuint whole = length & ~(size - 1);
        Vector256<ulong> total = Vector256<ulong>.Zero;
        nuint offset = 0;
        while (offset < whole)
        {
            nuint blockEnd = Math.Min(whole, offset + VectorsPerBlock * size);
            Vector256<byte> acc = Vector256<byte>.Zero;
            for (; offset + 2 * size <= blockEnd; offset += 2 * size)
            {
                acc += ByteCounts(Vector256.LoadUnsafe(ref start, offset)) + ByteCounts(Vector256.LoadUnsafe(ref start, offset + size));
            }
            if (offset < blockEnd)
            {
                acc += ByteCounts(Vector256.LoadUnsafe(ref start, offset));
                offset += size;
            }
            total += SumBytes(acc);
        }
        nuint rest = length - whole;
        if (rest != 0)
        {
            Vector256<byte> keep = Vector256.LoadUnsafe(ref MemoryMarshal.GetReference(TailMask), (nuint)TailMaskHalf - size + rest);
            total += SumBytes(ByteCounts(Vector256.LoadUnsafe(ref start, length - size)) & keep);
        }
        return (long)Vector256.Sum(total);
    }

    private const int TailMaskHalf = 32;

    /// <summary>32 zero bytes then 32 0xFF bytes: a vector of N bytes loaded at 32 - N + n keeps the last n bytes.</summary>
    private static ReadOnlySpan<byte> TailMask =>
    [
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    ];

    /// <summary>Set bits of each byte: the ARM byte popcount, or two lookups of a nibble table.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> ByteCounts(Vector128<byte> v)
    {
        if (AdvSimd.IsSupported) return AdvSimd.PopCount(v);
        Vector128<byte> table = Vector128.Create((byte)0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
        Vector128<byte> nibble = Vector128.Create((byte)0x0F);
        Vector128<byte> low = v & nibble;
        Vector128<byte> high = Vector128.ShiftRightLogical(v.AsUInt16(), 4).AsByte() & nibble;
        return Vector128.ShuffleNative(table, low) + Vector128.ShuffleNative(table, high);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<byte> ByteCounts(Vector256<byte> v)
    {
        // The table is the same in both 128-bit lanes, so vpshufb's in-lane lookup is the plain lookup.
        Vector256<byte> table = Vector256.Create((byte)0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
        Vector256<byte> nibble = Vector256.Create((byte)0x0F);
        Vector256<byte> low = v & nibble;
        Vector256<byte> high = Vector256.ShiftRightLogical(v.AsUInt16(), 4).AsByte() & nibble;
        if (Avx2.IsSupported) return Avx2.Shuffle(table, low) + Avx2.Shuffle(table, high);
        return Vector256.Shuffle(table, low) + Vector256.Shuffle(table, high);
    }

    /// <summary>Adds the bytes of each 64-bit lane (psadbw against zero where there is one).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<ulong> SumBytes(Vector128<byte> v)
    {
        if (Sse2.IsSupported) return Sse2.SumAbsoluteDifferences(v, Vector128<byte>.Zero).AsUInt64();
        if (AdvSimd.IsSupported)
        {
            return AdvSimd.AddPairwiseWidening(AdvSimd.AddPairwiseWidening(AdvSimd.AddPairwiseWidening(v)));
        }
        Vector128<ushort> s16 = Vector128.WidenLower(v) + Vector128.WidenUpper(v);
        Vector128<uint> s32 = Vector128.WidenLower(s16) + Vector128.WidenUpper(s16);
        return Vector128.WidenLower(s32) + Vector128.WidenUpper(s32);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<ulong> SumBytes(Vector256<byte> v)
    {
        if (Avx2.IsSupported) return Avx2.SumAbsoluteDifferences(v, Vector256<byte>.Zero).AsUInt64();
        Vector256<ushort> s16 = Vector256.WidenLower(v) + Vector256.WidenUpper(v);
        Vector256<uint> s32 = Vector256.WidenLower(s16) + Vector256.WidenUpper(s16);
        return Vector256.WidenLower(s32) + Vector256.WidenUpper(s32);
    }

    // ---- first bit (BITPOS) ------------------------------------------------------------------

    /// <summary>
    /// The position of the first bit equal to <paramref name="bit"/> (0 or 1), counted from the most
    /// significant bit of the first byte; -1 if there is none.
    /// </summary>
    public static long IndexOfFirstBit(ReadOnlySpan<byte> data, int bit)
    {
        byte skip = bit != 0 ? (byte)0 : (byte)0xFF;
        int index = IndexOfFirstNot(data, skip);
        if (index < 0) return -1;
        return index * 8L + LeadingZeros8((uint)(data[index] ^ skip));
    }

    /// <summary>Leading zero bits of a byte value (0..255; 8 for zero).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int LeadingZeros8(uint b) => BitOperations.LeadingZeroCount(b & 0xFF) - 24;

    /// <summary>The index of the first byte that is not <paramref name="value"/>; -1 if every byte is.</summary>
    public static int IndexOfFirstNot(ReadOnlySpan<byte> data, byte value) => IndexOfFirstNot(data, value, KernelPath.Auto);

    internal static int IndexOfFirstNot(ReadOnlySpan<byte> data, byte value, KernelPath path)
    {
        ref byte start = ref MemoryMarshal.GetReference(data);
        nuint length = (nuint)data.Length;
        if (path == KernelPath.Auto) path = BestPath();
        RequireSupported(path);
        if (path == KernelPath.Vector256 && length >= (nuint)Vector256<byte>.Count) return IndexOfFirstNotVector256(ref start, length, value);
        if (path >= KernelPath.Vector128 && length >= (nuint)Vector128<byte>.Count) return IndexOfFirstNotVector128(ref start, length, value);
        return IndexOfFirstNotScalar(ref start, length, value);
    }

    private static int IndexOfFirstNotScalar(ref byte start, nuint length, byte value)
    {
        ulong splat = value * 0x0101010101010101UL;
        nuint i = 0;
        for (; i + 8 <= length; i += 8)
        {
            ulong diff = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, i)) ^ splat;
            if (diff != 0) return (int)i + FirstByteOf(diff);
        }
        if (i < length && length >= 8)
        {
            // Bytes re-read by this overlapping word were equal, so its first difference is the first overall.
            nuint last = length - 8;
            ulong diff = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, last)) ^ splat;
            return diff != 0 ? (int)last + FirstByteOf(diff) : -1;
        }
        for (; i < length; i++)
        {
            if (Unsafe.Add(ref start, i) != value) return (int)i;
        }
        return -1;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int FirstByteOf(ulong diff) =>
        (BitConverter.IsLittleEndian ? BitOperations.TrailingZeroCount(diff) : BitOperations.LeadingZeroCount(diff)) >> 3;

    private static int IndexOfFirstNotVector128(ref byte start, nuint length, byte value)
    {
        nuint size = (nuint)Vector128<byte>.Count;
        Vector128<byte> splat = Vector128.Create(value);
        nuint offset = 0;
        for (; offset + 4 * size <= length; offset += 4 * size)
        {
            Vector128<byte> diff = (Vector128.LoadUnsafe(ref start, offset) ^ splat)
                | (Vector128.LoadUnsafe(ref start, offset + size) ^ splat)
                | (Vector128.LoadUnsafe(ref start, offset + 2 * size) ^ splat)
                | (Vector128.LoadUnsafe(ref start, offset + 3 * size) ^ splat);
            if (diff != Vector128<byte>.Zero) break;
        }
        nuint last = length - size;
        uint mask;
        for (; offset < last; offset += size)
        {
            mask = ~Vector128.Equals(Vector128.LoadUnsafe(ref start, offset), splat).ExtractMostSignificantBits() & 0xFFFF;
            if (mask != 0) return (int)offset + BitOperations.TrailingZeroCount(mask);
        }
        mask = ~Vector128.Equals(Vector128.LoadUnsafe(ref start, last), splat).ExtractMostSignificantBits() & 0xFFFF;
        return mask != 0 ? (int)last + BitOperations.TrailingZeroCount(mask) : -1;
    }

    private static int IndexOfFirstNotVector256(ref byte start, nuint length, byte value)
    {
        nuint size = (nuint)Vector256<byte>.Count;
        Vector256<byte> splat = Vector256.Create(value);
        nuint offset = 0;
        for (; offset + 4 * size <= length; offset += 4 * size)
        {
            Vector256<byte> diff = (Vector256.LoadUnsafe(ref start, offset) ^ splat)
                | (Vector256.LoadUnsafe(ref start, offset + size) ^ splat)
                | (Vector256.LoadUnsafe(ref start, offset + 2 * size) ^ splat)
                | (Vector256.LoadUnsafe(ref start, offset + 3 * size) ^ splat);
            if (diff != Vector256<byte>.Zero) break;
        }
        nuint last = length - size;
        uint mask;
        for (; offset < last; offset += size)
        {
            mask = ~Vector256.Equals(Vector256.LoadUnsafe(ref start, offset), splat).ExtractMostSignificantBits();
            if (mask != 0) return (int)offset + BitOperations.TrailingZeroCount(mask);
        }
        mask = ~Vector256.Equals(Vector256.LoadUnsafe(ref start, last), splat).ExtractMostSignificantBits();
        return mask != 0 ? (int)last + BitOperations.TrailingZeroCount(mask) : -1;
    }

    // ---- bitwise operations (BITOP) ---------------------------------------------------------------

    /// <summary>
    /// <c>destination[i] = destination[i] op source[i]</c> for every byte of <paramref name="destination"/>
    /// (<see cref="BitwiseOp.Not"/>: <c>~destination[i]</c>, <paramref name="source"/> unused).
    /// <paramref name="source"/> must be at least as long, and either the same memory or not overlapping it.
    /// </summary>
    public static void Apply(BitwiseOp op, Span<byte> destination, ReadOnlySpan<byte> source) =>
        Apply(op, destination, source, KernelPath.Auto);

    /// <summary>Inverts every byte of <paramref name="data"/>.</summary>
    public static void Not(Span<byte> data) => Apply(BitwiseOp.Not, data, data, KernelPath.Auto);

    internal static void Apply(BitwiseOp op, Span<byte> destination, ReadOnlySpan<byte> source, KernelPath path)
    {
        if (op == BitwiseOp.Not) source = destination;
        if (source.Length < destination.Length) throw new ArgumentException("source is shorter than destination", nameof(source));
        if (path == KernelPath.Auto) path = BestPath();
        RequireSupported(path);
        ref byte d = ref MemoryMarshal.GetReference(destination);
        ref byte s = ref MemoryMarshal.GetReference(source);
        nuint length = (nuint)destination.Length;
        switch (op)
        {
            case BitwiseOp.And: Apply<AndOperator>(ref d, ref s, length, path); break;
            case BitwiseOp.Or: Apply<OrOperator>(ref d, ref s, length, path); break;
            case BitwiseOp.Xor: Apply<XorOperator>(ref d, ref s, length, path); break;
            default: Apply<NotOperator>(ref d, ref s, length, path); break;
        }
    }

    private interface IBitwiseOperator
    {
        static abstract ulong Invoke(ulong a, ulong b);
        static abstract Vector128<byte> Invoke(Vector128<byte> a, Vector128<byte> b);
        static abstract Vector256<byte> Invoke(Vector256<byte> a, Vector256<byte> b);
    }

    private readonly struct AndOperator : IBitwiseOperator
    {
        public static ulong Invoke(ulong a, ulong b) => a & b;
        public static Vector128<byte> Invoke(Vector128<byte> a, Vector128<byte> b) => a & b;
        public static Vector256<byte> Invoke(Vector256<byte> a, Vector256<byte> b) => a & b;
    }

    private readonly struct OrOperator : IBitwiseOperator
    {
        public static ulong Invoke(ulong a, ulong b) => a | b;
        public static Vector128<byte> Invoke(Vector128<byte> a, Vector128<byte> b) => a | b;
        public static Vector256<byte> Invoke(Vector256<byte> a, Vector256<byte> b) => a | b;
    }

    private readonly struct XorOperator : IBitwiseOperator
    {
        public static ulong Invoke(ulong a, ulong b) => a ^ b;
        public static Vector128<byte> Invoke(Vector128<byte> a, Vector128<byte> b) => a ^ b;
        public static Vector256<byte> Invoke(Vector256<byte> a, Vector256<byte> b) => a ^ b;
    }

    private readonly struct NotOperator : IBitwiseOperator
    {
        public static ulong Invoke(ulong a, ulong b) => ~a;
        public static Vector128<byte> Invoke(Vector128<byte> a, Vector128<byte> b) => ~a;
        public static Vector256<byte> Invoke(Vector256<byte> a, Vector256<byte> b) => ~a;
    }

    private static void Apply<TOp>(ref byte d, ref byte s, nuint length, KernelPath path) where TOp : struct, IBitwiseOperator
    {
        if (path == KernelPath.Vector256 && length >= (nuint)Vector256<byte>.Count) ApplyVector256<TOp>(ref d, ref s, length);
        else if (path >= KernelPath.Vector128 && length >= (nuint)Vector128<byte>.Count) ApplyVector128<TOp>(ref d, ref s, length);
        else ApplyScalar<TOp>(ref d, ref s, length);
    }

    // Every path computes the last (overlapping) word or vector from the original bytes before the
    // loop writes anything, and stores it at the end: the bytes it shares with the loop's last
    // store get the same values twice, which keeps XOR and NOT (not idempotent) exact.

    private static void ApplyScalar<TOp>(ref byte d, ref byte s, nuint length) where TOp : struct, IBitwiseOperator
    {
        if (length < 8)
        {
            for (nuint j = 0; j < length; j++)
            {
                Unsafe.Add(ref d, j) = (byte)TOp.Invoke(Unsafe.Add(ref d, j), Unsafe.Add(ref s, j));
            }
            return;
        }
        nuint last = length - 8;
        ulong tail = TOp.Invoke(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref d, last)), Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref s, last)));
        nuint i = 0;
        for (; i + 32 <= length; i += 32)
        {
            ulong a0 = TOp.Invoke(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref d, i)), Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref s, i)));
            ulong a1 = TOp.Invoke(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref d, i + 8)), Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref s, i + 8)));
            ulong a2 = TOp.Invoke(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref d, i + 16)), Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref s, i + 16)));
            ulong a3 = TOp.Invoke(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref d, i + 24)), Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref s, i + 24)));
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref d, i), a0);
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref d, i + 8), a1);
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref d, i + 16), a2);
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref d, i + 24), a3);
        }
        for (; i < last; i += 8)
        {
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref d, i),
                TOp.Invoke(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref d, i)), Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref s, i))));
        }
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref d, last), tail);
    }

    private static void ApplyVector128<TOp>(ref byte d, ref byte s, nuint length) where TOp : struct, IBitwiseOperator
    {
        nuint size = (nuint)Vector128<byte>.Count;
        nuint last = length - size;
        Vector128<byte> tail = TOp.Invoke(Vector128.LoadUnsafe(ref d, last), Vector128.LoadUnsafe(ref s, last));
        nuint i = 0;
        for (; i + 4 * size <= length; i += 4 * size)
        {
            Vector128<byte> r0 = TOp.Invoke(Vector128.LoadUnsafe(ref d, i), Vector128.LoadUnsafe(ref s, i));
            Vector128<byte> r1 = TOp.Invoke(Vector128.LoadUnsafe(ref d, i + size), Vector128.LoadUnsafe(ref s, i + size));
            Vector128<byte> r2 = TOp.Invoke(Vector128.LoadUnsafe(ref d, i + 2 * size), Vector128.LoadUnsafe(ref s, i + 2 * size));
            Vector128<byte> r3 = TOp.Invoke(Vector128.LoadUnsafe(ref d, i + 3 * size), Vector128.LoadUnsafe(ref s, i + 3 * size));
            r0.StoreUnsafe(ref d, i);
            r1.StoreUnsafe(ref d, i + size);
            r2.StoreUnsafe(ref d, i + 2 * size);
            r3.StoreUnsafe(ref d, i + 3 * size);
        }
        for (; i < last; i += size)
        {
            TOp.Invoke(Vector128.LoadUnsafe(ref d, i), Vector128.LoadUnsafe(ref s, i)).StoreUnsafe(ref d, i);
        }
        tail.StoreUnsafe(ref d, last);
    }

    private static void ApplyVector256<TOp>(ref byte d, ref byte s, nuint length) where TOp : struct, IBitwiseOperator
    {
        nuint size = (nuint)Vector256<byte>.Count;
        nuint last = length - size;
        Vector256<byte> tail = TOp.Invoke(Vector256.LoadUnsafe(ref d, last), Vector256.LoadUnsafe(ref s, last));
        nuint i = 0;
        for (; i + 4 * size <= length; i += 4 * size)
        {
            Vector256<byte> r0 = TOp.Invoke(Vector256.LoadUnsafe(ref d, i), Vector256.LoadUnsafe(ref s, i));
            Vector256<byte> r1 = TOp.Invoke(Vector256.LoadUnsafe(ref d, i + size), Vector256.LoadUnsafe(ref s, i + size));
            Vector256<byte> r2 = TOp.Invoke(Vector256.LoadUnsafe(ref d, i + 2 * size), Vector256.LoadUnsafe(ref s, i + 2 * size));
            Vector256<byte> r3 = TOp.Invoke(Vector256.LoadUnsafe(ref d, i + 3 * size), Vector256.LoadUnsafe(ref s, i + 3 * size));
            r0.StoreUnsafe(ref d, i);
            r1.StoreUnsafe(ref d, i + size);
            r2.StoreUnsafe(ref d, i + 2 * size);
            r3.StoreUnsafe(ref d, i + 3 * size);
        }
        for (; i < last; i += size)
        {
            TOp.Invoke(Vector256.LoadUnsafe(ref d, i), Vector256.LoadUnsafe(ref s, i)).StoreUnsafe(ref d, i);
        }
        tail.StoreUnsafe(ref d, last);
    }

    // ---- path selection ----------------------------------------------------------------------------

    private static KernelPath BestPath() =>
        Vector256.IsHardwareAccelerated ? KernelPath.Vector256
        : Vector128.IsHardwareAccelerated ? KernelPath.Vector128
        : KernelPath.Scalar;

    /// <summary>Whether a pinned path can run on this machine.</summary>
    internal static bool IsSupported(KernelPath path) => path switch
    {
        KernelPath.Vector256 => Vector256.IsHardwareAccelerated,
        KernelPath.Vector128 => Vector128.IsHardwareAccelerated,
        _ => true,
    };

    private static void RequireSupported(KernelPath path)
    {
        if (!IsSupported(path)) throw new PlatformNotSupportedException($"{path} is not accelerated on this machine");
    }
}
