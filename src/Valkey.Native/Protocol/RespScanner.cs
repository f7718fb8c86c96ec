using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Valkey.Native.Protocol;

/// <summary>
/// Byte scanning and number parsing for the request parser. Every search has a Vector256,
/// a Vector128 and a scalar implementation; the vector paths finish with one overlapping
/// load of the last full vector instead of a scalar tail loop.
/// </summary>
/// <remarks>
/// The "OrNul" variants stop at the first NUL as well, because Valkey locates line ends with
/// <c>strchr</c>, which never looks past a NUL byte: a NUL before the line end means
/// "line end not received yet" there, and the parser has to behave the same way.
/// </remarks>
public static class RespScanner
{
    /// <summary>
    /// Longest text string2ll accepts is 20 characters ("-9223372036854775808");
    /// Valkey rejects anything of LONG_STR_SIZE (21) or more before looking at it.
    /// </summary>
    private const int MaxLengthFieldChars = 20;

    /// <summary>Nineteen digits always fit in a ulong, so only a twentieth digit can overflow.</summary>
    private const int MaxDigitsWithoutOverflow = 19;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int IndexOfCr(ReadOnlySpan<byte> s) => IndexOf(s, (byte)'\r');

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int IndexOfNewline(ReadOnlySpan<byte> s) => IndexOf(s, (byte)'\n');

    /// <summary>Index of the first '\r' or NUL, whichever comes first; -1 if neither occurs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int IndexOfCrOrNul(ReadOnlySpan<byte> s) => IndexOfOrNul(s, (byte)'\r');

    /// <summary>Index of the first '\n' or NUL, whichever comes first; -1 if neither occurs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int IndexOfNewlineOrNul(ReadOnlySpan<byte> s) => IndexOfOrNul(s, (byte)'\n');

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int IndexOf(ReadOnlySpan<byte> s, byte value) =>
        Search<ExactByte>(ref MemoryMarshal.GetReference(s), s.Length, value);

    /// <summary>Index of the first <paramref name="value"/> or NUL byte; -1 if neither occurs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int IndexOfOrNul(ReadOnlySpan<byte> s, byte value) =>
        Search<ByteOrNul>(ref MemoryMarshal.GetReference(s), s.Length, value);

    /// <summary>
    /// Parses a RESP length field exactly as Valkey's string2ll does: an optional '-', then
    /// either a lone "0" or a digit 1-9 followed by digits; no '+', no spaces, no leading
    /// zeros, no "-0", at most 20 characters, and the value must fit in a long.
    /// </summary>
    public static bool TryParseLength(ReadOnlySpan<byte> digits, out long value)
    {
        value = 0;
        int length = digits.Length;
        if ((uint)(length - 1) >= MaxLengthFieldChars) return false;

        ref byte p = ref MemoryMarshal.GetReference(digits);
        int i = 0;
        bool negative = p == (byte)'-';
        if (negative)
        {
            if (length == 1) return false;
            i = 1;
        }

        uint first = (uint)(Unsafe.Add(ref p, i) - '0');
        if (first == 0) return length == 1;
        if (first > 9) return false;
        if (length - i > MaxDigitsWithoutOverflow) return false;

        ulong v = first;
        for (i++; i < length; i++)
        {
            uint d = (uint)(Unsafe.Add(ref p, i) - '0');
            if (d > 9) return false;
            v = v * 10 + d;
        }

        if (negative)
        {
            if (v > (ulong)long.MaxValue + 1) return false;
            value = unchecked((long)(0 - v));
        }
        else
        {
            if (v > long.MaxValue) return false;
            value = (long)v;
        }
        return true;
    }

    // Entry points that pin one implementation, so tests reach every path on any machine
    // that supports it. Each accepts any length and falls back like the dispatcher does.

    internal static int IndexOfScalar(ReadOnlySpan<byte> s, byte value, bool stopAtNul) =>
        stopAtNul
            ? SearchScalar<ByteOrNul>(ref MemoryMarshal.GetReference(s), s.Length, value)
            : SearchScalar<ExactByte>(ref MemoryMarshal.GetReference(s), s.Length, value);

    internal static int IndexOfVector128(ReadOnlySpan<byte> s, byte value, bool stopAtNul)
    {
        if (!Vector128.IsHardwareAccelerated) throw new PlatformNotSupportedException();
        if (s.Length < Vector128<byte>.Count) return IndexOfScalar(s, value, stopAtNul);
        return stopAtNul
            ? SearchVector128<ByteOrNul>(ref MemoryMarshal.GetReference(s), s.Length, value)
            : SearchVector128<ExactByte>(ref MemoryMarshal.GetReference(s), s.Length, value);
    }

    internal static int IndexOfVector256(ReadOnlySpan<byte> s, byte value, bool stopAtNul)
    {
        if (!Vector256.IsHardwareAccelerated) throw new PlatformNotSupportedException();
        if (s.Length < Vector256<byte>.Count) return IndexOfVector128(s, value, stopAtNul);
        return stopAtNul
            ? SearchVector256<ByteOrNul>(ref MemoryMarshal.GetReference(s), s.Length, value)
            : SearchVector256<ExactByte>(ref MemoryMarshal.GetReference(s), s.Length, value);
    }

    private interface ISearchMode
    {
        static abstract bool StopAtNul { get; }
    }

    private readonly struct ExactByte : ISearchMode
    {
        public static bool StopAtNul => false;
    }

    private readonly struct ByteOrNul : ISearchMode
    {
        public static bool StopAtNul => true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Search<TMode>(ref byte start, int length, byte value) where TMode : struct, ISearchMode
    {
        if (Vector256.IsHardwareAccelerated && length >= Vector256<byte>.Count)
            return SearchVector256<TMode>(ref start, length, value);
        if (Vector128.IsHardwareAccelerated && length >= Vector128<byte>.Count)
            return SearchVector128<TMode>(ref start, length, value);
        return SearchScalar<TMode>(ref start, length, value);
    }

    private static int SearchScalar<TMode>(ref byte start, int length, byte value) where TMode : struct, ISearchMode
    {
        for (int i = 0; i < length; i++)
        {
            byte b = Unsafe.Add(ref start, i);
            if (b == value || (TMode.StopAtNul && b == 0)) return i;
        }
        return -1;
    }

    private static int SearchVector128<TMode>(ref byte start, int length, byte value) where TMode : struct, ISearchMode
    {
        Vector128<byte> needle = Vector128.Create(value);
        nuint offset = 0;
        nuint lastVectorStart = (nuint)(length - Vector128<byte>.Count);
        uint mask;
        while (offset < lastVectorStart)
        {
            mask = Matches<TMode>(Vector128.LoadUnsafe(ref start, offset), needle);
            if (mask != 0) return (int)offset + BitOperations.TrailingZeroCount(mask);
            offset += (nuint)Vector128<byte>.Count;
        }

        // Bytes before lastVectorStart that this load re-reads held no match, so its first match is the first overall.
        mask = Matches<TMode>(Vector128.LoadUnsafe(ref start, lastVectorStart), needle);
        return mask != 0 ? (int)lastVectorStart + BitOperations.TrailingZeroCount(mask) : -1;
    }

    private static int SearchVector256<TMode>(ref byte start, int length, byte value) where TMode : struct, ISearchMode
    {
        Vector256<byte> needle = Vector256.Create(value);
        nuint offset = 0;
        nuint lastVectorStart = (nuint)(length - Vector256<byte>.Count);
        uint mask;
        while (offset < lastVectorStart)
        {
            mask = Matches<TMode>(Vector256.LoadUnsafe(ref start, offset), needle);
            if (mask != 0) return (int)offset + BitOperations.TrailingZeroCount(mask);
            offset += (nuint)Vector256<byte>.Count;
        }

        mask = Matches<TMode>(Vector256.LoadUnsafe(ref start, lastVectorStart), needle);
        return mask != 0 ? (int)lastVectorStart + BitOperations.TrailingZeroCount(mask) : -1;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Matches<TMode>(Vector128<byte> data, Vector128<byte> needle) where TMode : struct, ISearchMode
    {
        Vector128<byte> hits = Vector128.Equals(data, needle);
        if (TMode.StopAtNul) hits |= Vector128.Equals(data, Vector128<byte>.Zero);
        return hits.ExtractMostSignificantBits();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Matches<TMode>(Vector256<byte> data, Vector256<byte> needle) where TMode : struct, ISearchMode
    {
        Vector256<byte> hits = Vector256.Equals(data, needle);
        if (TMode.StopAtNul) hits |= Vector256.Equals(data, Vector256<byte>.Zero);
        return hits.ExtractMostSignificantBits();
    }
}
