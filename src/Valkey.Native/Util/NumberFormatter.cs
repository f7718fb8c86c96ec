using System.Numerics;
using System.Runtime.CompilerServices;

namespace Valkey.Native.Util;

/// <summary>
/// Number-to-text conversions that produce exactly Valkey's bytes. Integer and double formatting
/// are allocation-free (they sit on the reply hot path); each method returns the byte count written.
/// </summary>
public static class NumberFormatter
{
    /// <summary>Longest output of <see cref="FormatInt64"/>: "-9223372036854775808".</summary>
    public const int MaxInt64Length = 20;

    /// <summary>Longest output of <see cref="FormatDouble"/>, e.g. "-2.2250738585072014e-308".</summary>
    public const int MaxDoubleLength = 24;

    /// <summary>Longest output of <see cref="FormatDoubleHuman"/>: "-" + 309 integer digits + "." + 17 digits.</summary>
    public const int MaxDoubleHumanLength = 1 + 309 + 1 + 17;

    private static ReadOnlySpan<byte> DigitPairs =>
        "00010203040506070809101112131415161718192021222324252627282930313233343536373839"u8 +
        "40414243444546474849505152535455565758596061626364656667686970717273747576777879"u8 +
        "8081828384858687888990919293949596979899"u8;

    /// <summary>Decimal digit count of <paramref name="value"/> (Valkey's digits10).</summary>
    public static int DigitCount(ulong value)
    {
        int count = 1;
        while (value >= 10000)
        {
            value /= 10000;
            count += 4;
        }
        if (value >= 1000) return count + 3;
        if (value >= 100) return count + 2;
        if (value >= 10) return count + 1;
        return count;
    }

    /// <summary>Length of <see cref="FormatInt64"/>'s output, sign included (Valkey's sdigits10).</summary>
    public static int DigitCount(long value) =>
        value < 0 ? DigitCount(0UL - (ulong)value) + 1 : DigitCount((ulong)value);

    /// <summary>ll2string(): plain decimal, '-' for negatives, long.MinValue included.</summary>
    public static int FormatInt64(long value, Span<byte> dest)
    {
        if (value >= 0) return FormatUInt64((ulong)value, dest);
        if (dest.IsEmpty) ThrowTooSmall();
        dest[0] = (byte)'-';
        return 1 + FormatUInt64(0UL - (ulong)value, dest[1..]);
    }

    /// <summary>ull2string(): plain decimal.</summary>
    public static int FormatUInt64(ulong value, Span<byte> dest)
    {
        int length = DigitCount(value);
        if (length > dest.Length) ThrowTooSmall();

        ReadOnlySpan<byte> pairs = DigitPairs;
        int next = length - 1;
        while (value >= 100)
        {
            int pair = (int)(value % 100) * 2;
            value /= 100;
            dest[next] = pairs[pair + 1];
            dest[next - 1] = pairs[pair];
            next -= 2;
        }
        if (value < 10)
        {
            dest[next] = (byte)('0' + (int)value);
        }
        else
        {
            int pair = (int)value * 2;
            dest[next] = pairs[pair + 1];
            dest[next - 1] = pairs[pair];
        }
        return length;
    }

    /// <summary>
    /// d2string(), which addReplyDouble uses for both RESP2 bulk strings and RESP3 ',' doubles and
    /// which sorted-set listpacks store: "nan", "inf", "-inf", "0", "-0"; integral values with
    /// |v| ≤ 2^62 as plain integers; anything else as fpconv's Grisu2 shortest round-trip digits,
    /// e.g. "0.1", "1.5e-7", "1e+20", "9223372036854776000", "1.2345678901234e+4".
    /// </summary>
    public static int FormatDouble(double value, Span<byte> dest)
    {
        if (double.IsNaN(value)) return Copy("nan"u8, dest);
        if (double.IsInfinity(value)) return Copy(value > 0 ? "inf"u8 : "-inf"u8, dest);
        if (value == 0) return Copy(double.IsNegative(value) ? "-0"u8 : "0"u8, dest);

        // Valkey's double2ll(): integral values within ±(LLONG_MAX/2), which as a double is exactly 2^62.
        const double integerLimit = 4611686018427387904.0;
        if (value >= -integerLimit && value <= integerLimit)
        {
            long integral = (long)value;
            if (integral == value) return FormatInt64(integral, dest);
        }
        if (dest.Length < MaxDoubleLength) ThrowTooSmall();
        return Grisu2.Format(value, dest);
    }

    /// <summary>
    /// fpconv_dtoa() itself, without d2string's plain-integer shortcut: "0"/"-0", "inf"/"-inf",
    /// "nan"/"-nan", else Grisu2 digits laid out as fpconv does (so 1e9 is "1e+9", 12345 is "12345").
    /// DEBUG DIGEST mixes sorted-set scores in this form.
    /// </summary>
    public static int FormatDoubleFpconv(double value, Span<byte> dest)
    {
        if (double.IsNaN(value)) return Copy(double.IsNegative(value) ? "-nan"u8 : "nan"u8, dest);
        if (double.IsInfinity(value)) return Copy(value > 0 ? "inf"u8 : "-inf"u8, dest);
        if (value == 0) return Copy(double.IsNegative(value) ? "-0"u8 : "0"u8, dest);
        if (dest.Length < MaxDoubleLength) ThrowTooSmall();
        return Grisu2.Format(value, dest);
    }

    /// <summary>
    /// ld2string(LD_STR_HUMAN) of a double widened to long double, as addReplyHumanLongDouble sends
    /// GEOPOS/GEORADIUS WITHCOORD coordinates: "%.17Lf" with trailing zeros (and a bare '.')
    /// removed, e.g. 13.361389 → "13.36138933897018433". Allocation-free for |v| below 2^64.
    /// </summary>
    public static int FormatDoubleHuman(double value, Span<byte> dest) => LongDouble.FromDouble(value).FormatHuman(dest);

    private static int Copy(ReadOnlySpan<byte> text, Span<byte> dest)
    {
        if (text.Length > dest.Length) ThrowTooSmall();
        text.CopyTo(dest);
        return text.Length;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static void ThrowTooSmall() => throw new ArgumentException("Destination buffer is too small.", "dest");

    /// <summary>
    /// Florian Loitsch's Grisu2 exactly as Valkey's bundled fpconv runs it: same cached powers, same
    /// choice among them, same rounding of the 64×64 products and the same digit "weeding". Grisu2
    /// does not always give the shortest digits, so only a step-for-step equivalent reproduces
    /// Valkey's bytes. Also the same output layout: plain integers, plain decimals, or d.ddde±X.
    /// </summary>
    private static class Grisu2
    {
        private const ulong FractionMask = 0x000F_FFFF_FFFF_FFFFUL;
        private const ulong ExponentMask = 0x7FF0_0000_0000_0000UL;
        private const ulong HiddenBit = 0x0010_0000_0000_0000UL;
        private const int ExponentBias = 1023 + 52;

        private const int FirstPower = -348;
        private const int PowerStep = 8;
        private const int PowerCount = 87;
        private const int MinTargetExponent = -60;
        private const int MaxTargetExponent = -32;

        private readonly struct DiyFp(ulong fraction, int exponent)
        {
            public readonly ulong F = fraction;
            public readonly int E = exponent;
        }

        private static readonly ulong[] PowerFractions = new ulong[PowerCount];
        private static readonly int[] PowerExponents = new int[PowerCount];

        static Grisu2()
        {
            // 10^k for k = -348, -340, ..., 340 as 64-bit normalized values, rounded to nearest.
            for (int i = 0; i < PowerCount; i++)
            {
                int k = FirstPower + i * PowerStep;
                BigInteger numerator = k >= 0 ? BigInteger.Pow(10, k) : BigInteger.One;
                BigInteger denominator = k >= 0 ? BigInteger.One : BigInteger.Pow(10, -k);
                // Scale so that the quotient has 64 or 65 bits before rounding.
                long shift = 64 - ((long)numerator.GetBitLength() - (long)denominator.GetBitLength());
                BigInteger scaled = shift >= 0 ? numerator << (int)shift : numerator;
                BigInteger divisor = shift >= 0 ? denominator : denominator << (int)-shift;
                BigInteger quotient = BigInteger.DivRem(scaled, divisor, out BigInteger remainder);
                int exponent = (int)-shift;
                while (quotient.GetBitLength() > 64)
                {
                    remainder += (quotient & 1) * divisor;
                    divisor <<= 1;
                    quotient >>= 1;
                    exponent++;
                }
                if (remainder * 2 >= divisor) quotient += 1;
                if (quotient.GetBitLength() > 64)
                {
                    quotient >>= 1;
                    exponent++;
                }
                PowerFractions[i] = (ulong)quotient;
                PowerExponents[i] = exponent;
            }
        }

        public static int Format(double value, Span<byte> dest)
        {
            int length = 0;
            bool negative = double.IsNegative(value);
            if (negative) dest[length++] = (byte)'-';

            Span<byte> digits = stackalloc byte[20];
            int count = GenerateShortest(value, digits, out int decimalExponent);
            return length + EmitDigits(digits[..count], decimalExponent, negative, dest[length..]);
        }

        private static DiyFp FromDouble(double value)
        {
            ulong bits = BitConverter.DoubleToUInt64Bits(value);
            ulong fraction = bits & FractionMask;
            int exponent = (int)((bits & ExponentMask) >> 52);
            return exponent != 0
                ? new DiyFp(fraction + HiddenBit, exponent - ExponentBias)
                : new DiyFp(fraction, -ExponentBias + 1);
        }

        private static DiyFp Normalize(DiyFp fp)
        {
            ulong f = fp.F;
            int e = fp.E;
            while ((f & HiddenBit) == 0)
            {
                f <<= 1;
                e--;
            }
            return new DiyFp(f << 11, e - 11);
        }

        private static void Boundaries(DiyFp fp, out DiyFp lower, out DiyFp upper)
        {
            ulong upperF = (fp.F << 1) + 1;
            int upperE = fp.E - 1;
            while ((upperF & (HiddenBit << 1)) == 0)
            {
                upperF <<= 1;
                upperE--;
            }
            upperF <<= 10;
            upperE -= 10;

            // The gap below a power of two is half the gap above it.
            int lowerShift = fp.F == HiddenBit ? 2 : 1;
            ulong lowerF = (fp.F << lowerShift) - 1;
            int lowerE = fp.E - lowerShift;
            lowerF <<= lowerE - upperE;

            upper = new DiyFp(upperF, upperE);
            lower = new DiyFp(lowerF, upperE);
        }

        /// <summary>High 64 bits of the 128-bit product, rounded half-up on bit 63 of the low word.</summary>
        private static DiyFp Multiply(DiyFp a, DiyFp b)
        {
            const ulong low32 = 0xFFFF_FFFFUL;
            ulong ahBl = (a.F >> 32) * (b.F & low32);
            ulong alBh = (a.F & low32) * (b.F >> 32);
            ulong alBl = (a.F & low32) * (b.F & low32);
            ulong ahBh = (a.F >> 32) * (b.F >> 32);
            ulong middle = (ahBl & low32) + (alBh & low32) + (alBl >> 32);
            middle += 1UL << 31;
            return new DiyFp(ahBh + (ahBl >> 32) + (alBh >> 32) + (middle >> 32), a.E + b.E + 64);
        }

        private static DiyFp CachedPower(int exponent, out int k)
        {
            // The starting guess decides which of two admissible powers is used, so it must be
            // computed exactly like fpconv does (double product truncated toward zero).
            const double log10Of2 = 0.30102999566398114;
            int approx = (int)(-(exponent + PowerCount) * log10Of2);
            int index = (approx - FirstPower) / PowerStep;
            while (true)
            {
                int current = exponent + PowerExponents[index] + 64;
                if (current < MinTargetExponent)
                {
                    index++;
                    continue;
                }
                if (current > MaxTargetExponent)
                {
                    index--;
                    continue;
                }
                k = FirstPower + index * PowerStep;
                return new DiyFp(PowerFractions[index], PowerExponents[index]);
            }
        }

        private static int GenerateShortest(double value, Span<byte> digits, out int decimalExponent)
        {
            DiyFp w = FromDouble(value);
            Boundaries(w, out DiyFp lower, out DiyFp upper);
            w = Normalize(w);

            DiyFp power = CachedPower(upper.E, out int k);
            w = Multiply(w, power);
            upper = Multiply(upper, power);
            lower = Multiply(lower, power);
            lower = new DiyFp(lower.F + 1, lower.E);
            upper = new DiyFp(upper.F - 1, upper.E);

            decimalExponent = -k;
            return GenerateDigits(w, upper, lower, digits, ref decimalExponent);
        }

        private static ReadOnlySpan<ulong> PowersOf10 =>
        [
            10000000000000000000UL, 1000000000000000000UL, 100000000000000000UL, 10000000000000000UL,
            1000000000000000UL, 100000000000000UL, 10000000000000UL, 1000000000000UL, 100000000000UL,
            10000000000UL, 1000000000UL, 100000000UL, 10000000UL, 1000000UL, 100000UL, 10000UL,
            1000UL, 100UL, 10UL, 1UL,
        ];

        private static int GenerateDigits(DiyFp w, DiyFp upper, DiyFp lower, Span<byte> digits, ref int decimalExponent)
        {
            ulong distanceToUpper = upper.F - w.F;
            ulong delta = upper.F - lower.F;
            int shift = -upper.E;
            ulong one = 1UL << shift;

            ulong integral = upper.F >> shift;
            ulong fractional = upper.F & (one - 1);

            int count = 0;
            int kappa = 10;
            ReadOnlySpan<ulong> powers = PowersOf10;
            for (int p = 10; kappa > 0; p++)
            {
                ulong divisor = powers[p];
                uint digit = (uint)(integral / divisor);
                if (digit != 0 || count != 0) digits[count++] = (byte)('0' + digit);
                integral -= digit * divisor;
                kappa--;

                ulong remainder = (integral << shift) + fractional;
                if (remainder <= delta)
                {
                    decimalExponent += kappa;
                    Weed(digits, count, delta, remainder, divisor << shift, distanceToUpper);
                    return count;
                }
            }

            int unit = 18;
            while (true)
            {
                fractional *= 10;
                delta *= 10;
                kappa--;

                uint digit = (uint)(fractional >> shift);
                if (digit != 0 || count != 0) digits[count++] = (byte)('0' + digit);
                fractional &= one - 1;
                if (fractional < delta)
                {
                    decimalExponent += kappa;
                    Weed(digits, count, delta, fractional, one, distanceToUpper * powers[unit]);
                    return count;
                }
                unit--;
            }
        }

        /// <summary>Moves the last digit down while that brings the result closer to the real value.</summary>
        private static void Weed(Span<byte> digits, int count, ulong delta, ulong rest, ulong tenKappa, ulong distance)
        {
            while (rest < distance && delta - rest >= tenKappa &&
                   (rest + tenKappa < distance || distance - rest > rest + tenKappa - distance))
            {
                digits[count - 1]--;
                rest += tenKappa;
            }
        }

        private static int EmitDigits(ReadOnlySpan<byte> digits, int k, bool negative, Span<byte> dest)
        {
            int count = digits.Length;
            int exponent = Math.Abs(k + count - 1);

            if (k >= 0 && exponent < count + 7)
            {
                digits.CopyTo(dest);
                dest.Slice(count, k).Fill((byte)'0');
                return count + k;
            }

            if (k < 0 && (k > -7 || exponent < 4))
            {
                int integerDigits = count + k;
                if (integerDigits <= 0)
                {
                    int zeros = -integerDigits;
                    dest[0] = (byte)'0';
                    dest[1] = (byte)'.';
                    dest.Slice(2, zeros).Fill((byte)'0');
                    digits.CopyTo(dest[(2 + zeros)..]);
                    return count + 2 + zeros;
                }
                digits[..integerDigits].CopyTo(dest);
                dest[integerDigits] = (byte)'.';
                digits[integerDigits..].CopyTo(dest[(integerDigits + 1)..]);
                return count + 1;
            }

            count = Math.Min(count, 18 - (negative ? 1 : 0));
            int length = 0;
            dest[length++] = digits[0];
            if (count > 1)
            {
                dest[length++] = (byte)'.';
                digits[1..count].CopyTo(dest[length..]);
                length += count - 1;
            }
            dest[length++] = (byte)'e';
            dest[length++] = k + count - 1 < 0 ? (byte)'-' : (byte)'+';

            // One, two or three exponent digits, never padded.
            int hundreds = 0;
            if (exponent > 99)
            {
                hundreds = exponent / 100;
                dest[length++] = (byte)('0' + hundreds);
                exponent -= hundreds * 100;
            }
            if (exponent > 9)
            {
                int tens = exponent / 10;
                dest[length++] = (byte)('0' + tens);
                exponent -= tens * 10;
            }
            else if (hundreds != 0)
            {
                dest[length++] = (byte)'0';
            }
            dest[length++] = (byte)('0' + exponent);
            return length;
        }
    }
}
