using System.Globalization;
using System.Numerics;
using System.Text;

namespace Valkey.Native.Util;

/// <summary>
/// Strict number parsing with Valkey's exact acceptance rules: what one command accepts as an
/// integer or a float must be what Valkey accepts, or clients see different errors. Allocation-free.
/// </summary>
public static class NumberParser
{
    /// <summary>Longest text string2ll() accepts: Valkey rejects LONG_STR_SIZE (21) bytes or more outright.</summary>
    public const int MaxInt64Length = 20;

    /// <summary>
    /// string2ll(): optional '-', then "0" alone or a digit 1-9 followed by digits. No '+', no spaces,
    /// no leading zeros, no "-0", at most 20 bytes, and the value must fit in a long.
    /// </summary>
    public static bool TryParseInt64(ReadOnlySpan<byte> s, out long value)
    {
        value = 0;
        if (s.IsEmpty || s.Length > MaxInt64Length) return false;
        if (s.Length == 1 && s[0] == '0') return true;

        int i = 0;
        bool negative = s[0] == '-';
        if (negative && ++i == s.Length) return false;

        uint first = (uint)(s[i] - '1');
        if (first > 8) return false;
        ulong magnitude = first + 1;
        for (i++; i < s.Length; i++)
        {
            uint digit = (uint)(s[i] - '0');
            if (digit > 9) return false;
            // Twenty digits can exceed even a ulong.
            if (magnitude > (ulong.MaxValue - digit) / 10) return false;
            magnitude = magnitude * 10 + digit;
        }

        if (negative)
        {
            if (magnitude > (ulong)long.MaxValue + 1) return false;
            value = (long)(0 - magnitude);
        }
        else
        {
            if (magnitude > long.MaxValue) return false;
            value = (long)magnitude;
        }
        return true;
    }

    /// <summary>
    /// string2d(): the whole input must be one C strtod() number in the "C" locale: decimal
    /// (<c>"1"</c>, <c>"-.5"</c>, <c>"1."</c>, <c>"+1e-3"</c>), hexadecimal (<c>"0x1.8p3"</c>) or
    /// <c>inf</c>/<c>infinity</c> in any case with an optional sign. NaN in any spelling, whitespace,
    /// overflow to infinity and underflow to zero of a non-zero number are rejected; results that
    /// underflow only to a subnormal are accepted.
    /// </summary>
    public static bool TryParseDouble(ReadOnlySpan<byte> s, out double value)
    {
        value = 0;
        if (s.IsEmpty) return false;

        int i = 0;
        bool negative = false;
        if (s[0] == '+' || s[0] == '-')
        {
            negative = s[0] == '-';
            i = 1;
        }

        if (i < s.Length && (s[i] | 0x20) == 'i')
        {
            if (!IsInfinityWord(s[i..])) return false;
            value = negative ? double.NegativeInfinity : double.PositiveInfinity;
            return true;
        }

        if (IsHexPrefix(s, i))
            return TryParseHexDouble(s[(i + 2)..], negative, out value);

        if (!IsDecimalSyntax(s[i..], out bool hasNonZeroDigit, out int mantissaDigits)) return false;
        if (mantissaDigits > MaxDigitsForBuiltInParse)
            return TryParseLongDecimal(s[i..], negative, out value);

        const NumberStyles style = NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent;
        if (!double.TryParse(s, style, CultureInfo.InvariantCulture, out value)) return false;
        if (double.IsInfinity(value)) return false;            // ERANGE overflow
        if (value == 0 && hasNonZeroDigit) return false;       // ERANGE underflow to zero
        return true;
    }

    /// <summary>
    /// .NET keeps only the first 768 significant digits and folds the rest into a sticky bit. Rather
    /// than depend on that being enough for every input, mantissas longer than this (leading zeros
    /// included) are rounded exactly with big integers; such inputs are rare and off the hot path.
    /// </summary>
    private const int MaxDigitsForBuiltInParse = 700;

    private static bool TryParseLongDecimal(ReadOnlySpan<byte> s, bool negative, out double value)
    {
        value = 0;
        RoundStatus status = ExactRounding.RoundDecimal(s, ExactRounding.Binary64, out ulong significand, out long exponent);
        if (status != RoundStatus.InRange) return false;
        // Normal doubles have bit 52 set and a biased exponent of exponent + 1075; subnormals are the raw fraction.
        ulong bits = significand >= 1UL << 52
            ? ((ulong)(exponent + 1075) << 52) | (significand & 0x000F_FFFF_FFFF_FFFFUL)
            : significand;
        value = BitConverter.UInt64BitsToDouble(bits);
        if (negative) value = -value;
        return true;
    }

    /// <summary>"inf" or "infinity", any case: the only non-numeric spellings strtod() turns into a non-NaN.</summary>
    internal static bool IsInfinityWord(ReadOnlySpan<byte> word) =>
        Ascii.EqualsIgnoreCase(word, "inf"u8) || Ascii.EqualsIgnoreCase(word, "infinity"u8);

    /// <summary>"0x"/"0X" at <paramref name="i"/>; strtod() then needs at least one hex digit to take the prefix.</summary>
    internal static bool IsHexPrefix(ReadOnlySpan<byte> s, int i) =>
        s.Length - i >= 2 && s[i] == '0' && (s[i + 1] | 0x20) == 'x';

    /// <summary>
    /// Checks that <paramref name="s"/> (after any sign) is exactly <c>digits[.digits][e[sign]digits]</c>
    /// with at least one mantissa digit. strtod() would stop early at anything else, which Valkey
    /// rejects because the whole argument was not consumed.
    /// </summary>
    internal static bool IsDecimalSyntax(ReadOnlySpan<byte> s, out bool hasNonZeroDigit, out int mantissaDigits)
    {
        hasNonZeroDigit = false;
        mantissaDigits = 0;
        int i = 0;
        for (; i < s.Length && IsDigit(s[i]); i++)
        {
            mantissaDigits++;
            hasNonZeroDigit |= s[i] != '0';
        }
        if (i < s.Length && s[i] == '.')
        {
            for (i++; i < s.Length && IsDigit(s[i]); i++)
            {
                mantissaDigits++;
                hasNonZeroDigit |= s[i] != '0';
            }
        }
        if (mantissaDigits == 0) return false;
        if (i == s.Length) return true;

        if ((s[i] | 0x20) != 'e') return false;
        i++;
        if (i < s.Length && (s[i] == '+' || s[i] == '-')) i++;
        if (i == s.Length) return false;
        for (; i < s.Length; i++)
            if (!IsDigit(s[i])) return false;
        return true;
    }

    private static bool IsDigit(byte b) => (uint)(b - '0') <= 9;

    internal static int HexDigitValue(byte b)
    {
        if ((uint)(b - '0') <= 9) return b - '0';
        int lower = b | 0x20;
        if ((uint)(lower - 'a') <= 5) return lower - 'a' + 10;
        return -1;
    }

    /// <summary>
    /// Parses what follows "0x": <c>hexdigits[.hexdigits][p[sign]digits]</c>, correctly rounded to
    /// double (round-half-even, with gradual underflow) as glibc does.
    /// </summary>
    private static bool TryParseHexDouble(ReadOnlySpan<byte> s, bool negative, out double value)
    {
        value = 0;
        // Keep the first 64 significant bits; anything below only matters as a sticky bit.
        ulong mantissa = 0;
        int keptBits = 0;
        bool sticky = false;
        long exponent = 0;   // power of two applied to 'mantissa'
        int digits = 0;
        int i = 0;
        bool seenPoint = false;
        for (; i < s.Length; i++)
        {
            byte b = s[i];
            if (b == '.')
            {
                if (seenPoint) break;
                seenPoint = true;
                continue;
            }
            int d = HexDigitValue(b);
            if (d < 0) break;
            digits++;
            if (mantissa == 0 && d == 0)
            {
                if (seenPoint) exponent -= 4;
                continue;
            }
            if (keptBits <= 60)
            {
                mantissa = (mantissa << 4) | (uint)d;
                keptBits = 64 - BitOperations.LeadingZeroCount(mantissa);
                if (seenPoint) exponent -= 4;
            }
            else
            {
                sticky |= d != 0;
                if (!seenPoint) exponent += 4;
            }
        }
        if (digits == 0 || !TryParseBinaryExponent(s[i..], out long binaryExponent)) return false;

        if (mantissa == 0)
        {
            value = negative ? -0.0 : 0.0;
            return true;
        }
        value = RoundToDouble(mantissa, sticky, exponent + binaryExponent, negative);
        // Overflow and underflow to zero both set ERANGE, which Valkey rejects.
        return !double.IsInfinity(value) && value != 0;
    }

    /// <summary>Empty, or <c>p[sign]digits</c> spanning the rest; saturates far beyond any double/long double range.</summary>
    internal static bool TryParseBinaryExponent(ReadOnlySpan<byte> s, out long exponent)
    {
        exponent = 0;
        if (s.IsEmpty) return true;
        if ((s[0] | 0x20) != 'p') return false;
        int i = 1;
        bool negative = false;
        if (i < s.Length && (s[i] == '+' || s[i] == '-'))
        {
            negative = s[i] == '-';
            i++;
        }
        if (i == s.Length) return false;
        for (; i < s.Length; i++)
        {
            if (!IsDigit(s[i])) return false;
            if (exponent < 1_000_000_000) exponent = exponent * 10 + (s[i] - '0');
        }
        if (negative) exponent = -exponent;
        return true;
    }

    /// <summary>Rounds mantissa × 2^exponent (plus a sticky fraction below it) to the nearest double, ties to even.</summary>
    private static double RoundToDouble(ulong mantissa, bool sticky, long exponent, bool negative)
    {
        int leadingZeros = BitOperations.LeadingZeroCount(mantissa);
        mantissa <<= leadingZeros;
        exponent -= leadingZeros;
        // Now mantissa has bit 63 set; the value's unbiased binary exponent is exponent + 63.
        long unbiased = exponent + 63;
        double result;
        if (unbiased > 1023)
        {
            result = double.PositiveInfinity;
        }
        else
        {
            // Normal doubles keep 53 bits; subnormals lose one more bit per step below -1022.
            long dropped = 11 + Math.Max(0, -1022 - unbiased);
            ulong kept;
            if (dropped > 64)
            {
                kept = 0;
            }
            else if (dropped == 64)
            {
                bool above = mantissa > 1UL << 63 || sticky;
                kept = above ? 1UL : 0UL;
            }
            else
            {
                kept = mantissa >> (int)dropped;
                ulong rest = mantissa & ((1UL << (int)dropped) - 1);
                ulong half = 1UL << (int)(dropped - 1);
                if (rest > half || (rest == half && (sticky || (kept & 1) != 0))) kept++;
            }

            if (unbiased < -1022)
            {
                // Subnormal: the bits are the fraction field; a carry into bit 52 yields the smallest normal.
                result = BitConverter.UInt64BitsToDouble(kept);
            }
            else
            {
                // kept carries the implicit bit at 52 (or 53 after a rounding carry), which adds
                // the final 1 (or 2) to the biased exponent field.
                ulong bits = ((ulong)(unbiased + 1022) << 52) + kept;
                result = bits >= 0x7FF0_0000_0000_0000UL ? double.PositiveInfinity : BitConverter.UInt64BitsToDouble(bits);
            }
        }
        return negative ? -result : result;
    }
}
