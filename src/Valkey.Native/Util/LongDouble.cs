using System.Globalization;
using System.Numerics;

namespace Valkey.Native.Util;

/// <summary>
/// An exact software model of the x87 80-bit <c>long double</c> that Valkey uses for INCRBYFLOAT
/// and HINCRBYFLOAT: a 64-bit significand with explicit integer bit, binary exponents down to
/// 2^-16445 (gradual underflow) and up to just below 2^16384, round-half-even. The results those
/// commands store and reply with depend on every one of those bits, so nothing here goes through
/// <see cref="double"/>. Arithmetic uses <see cref="BigInteger"/> and may allocate; these commands
/// are not on the hot path.
/// </summary>
/// <remarks>
/// A finite value is (-1)^<see cref="IsNegative"/> × <see cref="Significand"/> × 2^<see cref="Exponent"/>.
/// Normal values have bit 63 of the significand set; subnormals have it clear and the minimum exponent.
/// </remarks>
public readonly struct LongDouble
{
    /// <summary>Exponent of the significand's lowest bit for the smallest values (2^-16382 × 2^-63).</summary>
    public const int MinExponent = -16382 - 63;

    /// <summary>Exponent of the significand's lowest bit for the largest finite values (2^16383 × 2^-63).</summary>
    public const int MaxExponent = 16383 - 63;

    /// <summary>Valkey's MAX_LONG_DOUBLE_CHARS: string2ld() rejects inputs this long or longer.</summary>
    public const int MaxInputLength = 5 * 1024;

    /// <summary>Longest <see cref="FormatHuman"/> output: '-', 4933 integer digits, '.', 17 decimals.</summary>
    public const int MaxHumanLength = 1 + 4933 + 1 + 17;

    /// <summary>Longest <see cref="FormatGeneral"/> output, e.g. "-1.2345678901234567e-4951".</summary>
    public const int MaxGeneralLength = 32;

    private const int HumanDecimals = 17;
    private const ulong TenPow17 = 100_000_000_000_000_000UL;

    private enum Kind : byte { Finite, Infinity, NaN }

    private readonly ulong _significand;
    private readonly int _exponent;
    private readonly bool _negative;
    private readonly Kind _kind;

    private LongDouble(ulong significand, int exponent, bool negative, Kind kind)
    {
        _significand = significand;
        _exponent = exponent;
        _negative = negative;
        _kind = kind;
    }

    public static LongDouble Zero => default;
    public static LongDouble PositiveInfinity => new(0, 0, false, Kind.Infinity);
    public static LongDouble NegativeInfinity => new(0, 0, true, Kind.Infinity);
    public static LongDouble NaN => new(0, 0, false, Kind.NaN);

    public ulong Significand => _significand;
    public int Exponent => _exponent;
    public bool IsNegative => _negative;
    public bool IsNaN => _kind == Kind.NaN;
    public bool IsInfinity => _kind == Kind.Infinity;
    public bool IsFinite => _kind == Kind.Finite;
    public bool IsZero => _kind == Kind.Finite && _significand == 0;

    /// <summary>Exact conversion, as C's <c>(long double)ll</c> for an integer-encoded value.</summary>
    public static LongDouble FromInt64(long value)
    {
        if (value == 0) return Zero;
        ulong magnitude = value < 0 ? 0UL - (ulong)value : (ulong)value;
        int shift = BitOperations.LeadingZeroCount(magnitude);
        return new LongDouble(magnitude << shift, -shift, value < 0, Kind.Finite);
    }

    /// <summary>Exact widening, as C's <c>(long double)d</c>: every double is representable.</summary>
    public static LongDouble FromDouble(double value)
    {
        if (double.IsNaN(value)) return NaN;
        if (double.IsInfinity(value)) return value > 0 ? PositiveInfinity : NegativeInfinity;
        bool negative = double.IsNegative(value);
        if (value == 0) return new LongDouble(0, 0, negative, Kind.Finite);

        ulong bits = BitConverter.DoubleToUInt64Bits(value);
        ulong fraction = bits & 0x000F_FFFF_FFFF_FFFFUL;
        int biased = (int)((bits >> 52) & 0x7FF);
        ulong significand = biased != 0 ? fraction | (1UL << 52) : fraction;
        int exponent = biased != 0 ? biased - 1075 : -1074;
        int shift = BitOperations.LeadingZeroCount(significand);
        return new LongDouble(significand << shift, exponent - shift, negative, Kind.Finite);
    }

    /// <summary>
    /// string2ld(): the whole input must be one glibc strtold() number ("C" locale) — decimal, hex
    /// ("0x1.8p3") or inf/infinity in any case, optionally signed — shorter than 5120 bytes.
    /// NaN, whitespace, overflow to infinity and underflow of a non-zero number to zero are
    /// rejected; the value is rounded correctly to 64 significant bits.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> text, out LongDouble value)
    {
        value = Zero;
        if (text.IsEmpty || text.Length >= MaxInputLength) return false;

        int i = 0;
        bool negative = false;
        if (text[0] == '+' || text[0] == '-')
        {
            negative = text[0] == '-';
            i = 1;
        }

        if (i < text.Length && (text[i] | 0x20) == 'i')
        {
            if (!NumberParser.IsInfinityWord(text[i..])) return false;
            value = negative ? NegativeInfinity : PositiveInfinity;
            return true;
        }

        return NumberParser.IsHexPrefix(text, i)
            ? TryParseHex(text[(i + 2)..], negative, out value)
            : TryParseDecimal(text[i..], negative, out value);
    }

    private static bool TryParseDecimal(ReadOnlySpan<byte> text, bool negative, out LongDouble value)
    {
        value = Zero;
        if (!NumberParser.IsDecimalSyntax(text, out _, out _)) return false;
        RoundStatus status = ExactRounding.RoundDecimal(text, ExactRounding.X87, out ulong significand, out long exponent);
        value = FromRounded(status, significand, exponent, negative);
        return status == RoundStatus.InRange;
    }

    private static bool TryParseHex(ReadOnlySpan<byte> text, bool negative, out LongDouble value)
    {
        value = Zero;
        BigInteger digits = BigInteger.Zero;
        long binaryExponent = 0;
        bool afterPoint = false;
        int digitCount = 0;
        ulong chunk = 0;
        int chunkLength = 0;
        int i = 0;
        for (; i < text.Length; i++)
        {
            byte b = text[i];
            if (b == '.')
            {
                if (afterPoint) break;
                afterPoint = true;
                continue;
            }
            int d = NumberParser.HexDigitValue(b);
            if (d < 0) break;
            digitCount++;
            if (afterPoint) binaryExponent -= 4;
            chunk = (chunk << 4) | (uint)d;
            if (++chunkLength == 15)
            {
                digits = (digits << 60) | chunk;
                chunk = 0;
                chunkLength = 0;
            }
        }
        if (chunkLength > 0) digits = (digits << (4 * chunkLength)) | chunk;
        if (digitCount == 0 || !NumberParser.TryParseBinaryExponent(text[i..], out long explicitExponent)) return false;

        RoundStatus status = ExactRounding.Round(digits, binaryExponent + explicitExponent, false, ExactRounding.X87,
            out ulong significand, out long exponent);
        value = FromRounded(status, significand, exponent, negative);
        return status == RoundStatus.InRange;
    }

    private static LongDouble FromRounded(RoundStatus status, ulong significand, long exponent, bool negative) => status switch
    {
        RoundStatus.Overflow => negative ? NegativeInfinity : PositiveInfinity,
        RoundStatus.InRange when significand != 0 => new LongDouble(significand, (int)exponent, negative, Kind.Finite),
        _ => new LongDouble(0, 0, negative, Kind.Finite),
    };

    /// <summary>IEEE addition rounded once to the format (what x87 <c>fadd</c> does at extended precision).</summary>
    public static LongDouble operator +(LongDouble a, LongDouble b) => a.Add(b);

    public LongDouble Add(LongDouble other)
    {
        if (IsNaN || other.IsNaN) return NaN;
        if (IsInfinity)
            return other.IsInfinity && other._negative != _negative ? NaN : this;
        if (other.IsInfinity) return other;
        if (IsZero)
            return other.IsZero ? new LongDouble(0, 0, _negative && other._negative, Kind.Finite) : other;
        if (other.IsZero) return this;

        int common = Math.Min(_exponent, other._exponent);
        BigInteger left = new BigInteger(_significand) << (_exponent - common);
        BigInteger right = new BigInteger(other._significand) << (other._exponent - common);
        BigInteger sum = (_negative ? -left : left) + (other._negative ? -right : right);
        // An exact zero sum of opposite signs is +0 when rounding to nearest.
        if (sum.IsZero) return Zero;
        RoundStatus status = ExactRounding.Round(BigInteger.Abs(sum), common, false, ExactRounding.X87,
            out ulong significand, out long exponent);
        return FromRounded(status, significand, exponent, sum.Sign < 0);
    }

    /// <summary>
    /// ld2string(LD_STR_HUMAN), the INCRBYFLOAT/HINCRBYFLOAT reply and stored value: "inf", "-inf",
    /// "nan", otherwise glibc's exactly rounded "%.17Lf" with trailing zeros and then a bare '.'
    /// removed, and "-0" turned into "0" (e.g. 10.6 → "10.6", 1e20 → "100000000000000000000",
    /// -1e-20 → "0"). Allocation-free unless |value| ≥ 2^128.
    /// </summary>
    public int FormatHuman(Span<byte> dest)
    {
        if (IsInfinity) return Copy(_negative ? "-inf"u8 : "inf"u8, dest);
        if (IsNaN) return Copy("nan"u8, dest);

        int length = 0;
        if (_negative) Put(dest, ref length, (byte)'-');
        ulong decimals;
        if (_exponent >= 0)
        {
            decimals = 0;
            if (_exponent <= 64) WriteUInt128((UInt128)_significand << _exponent, dest, ref length);
            else WriteBigInteger(new BigInteger(_significand) << _exponent, dest, ref length);
        }
        else
        {
            // |value| < 2^64 here, so value × 10^17 < 2^121 and the rounded result fits in 128 bits.
            UInt128 scaled = RoundShiftRight((UInt128)_significand * TenPow17, -_exponent);
            WriteUInt128(scaled / TenPow17, dest, ref length);
            decimals = (ulong)(scaled % TenPow17);
        }

        if (decimals != 0)
        {
            int places = HumanDecimals;
            while (decimals % 10 == 0)
            {
                decimals /= 10;
                places--;
            }
            Put(dest, ref length, (byte)'.');
            if (length + places > dest.Length) NumberFormatter.ThrowTooSmall();
            int written = NumberFormatter.FormatUInt64(decimals, dest[(length + places - NumberFormatter.DigitCount(decimals))..]);
            dest.Slice(length, places - written).Fill((byte)'0');
            length += places;
        }

        // glibc keeps the sign of values that print as zero; Valkey turns "-0" into "0".
        if (length == 2 && dest[0] == '-' && dest[1] == '0')
        {
            dest[0] = (byte)'0';
            length = 1;
        }
        return length;
    }

    /// <summary>
    /// ld2string(LD_STR_AUTO): glibc "%.17Lg" (17 significant digits, exponent form below 1e-4 or from
    /// 1e17, trailing zeros removed, at least two exponent digits), with Valkey's "inf"/"-inf"/"nan".
    /// ZSCAN of a hashtable-encoded sorted set formats scores this way, e.g. 0.1 → "0.10000000000000001".
    /// Allocates.
    /// </summary>
    public int FormatGeneral(Span<byte> dest)
    {
        if (IsInfinity) return Copy(_negative ? "-inf"u8 : "inf"u8, dest);
        if (IsNaN) return Copy("nan"u8, dest);
        if (IsZero) return Copy(_negative ? "-0"u8 : "0"u8, dest);

        const int precision = 17;
        BigInteger numerator = new BigInteger(_significand) << Math.Max(_exponent, 0);
        BigInteger denominator = BigInteger.One << Math.Max(-_exponent, 0);

        // The exact decimal exponent first (an estimate, corrected by exact comparisons): rounding to
        // 17 digits happens at that exponent and only then may carry into the next power of ten.
        double log2 = Math.Log2(_significand) + _exponent;
        int decimalExponent = (int)Math.Floor(log2 * 0.30102999566398120);
        while (CompareWithPowerOfTen(numerator, denominator, decimalExponent) < 0) decimalExponent--;
        while (CompareWithPowerOfTen(numerator, denominator, decimalExponent + 1) >= 0) decimalExponent++;

        int scale = precision - 1 - decimalExponent;
        BigInteger n = scale >= 0 ? numerator * BigInteger.Pow(10, scale) : numerator;
        BigInteger d = scale >= 0 ? denominator : denominator * BigInteger.Pow(10, -scale);
        BigInteger digits = BigInteger.DivRem(n, d, out BigInteger remainder);
        int comparison = (remainder * 2).CompareTo(d);
        if (comparison > 0 || (comparison == 0 && !digits.IsEven)) digits += 1;
        if (digits == BigInteger.Pow(10, precision))
        {
            digits /= 10;
            decimalExponent++;
        }

        Span<byte> text = stackalloc byte[precision];
        string digitText = digits.ToString(CultureInfo.InvariantCulture);
        for (int k = 0; k < precision; k++) text[k] = (byte)digitText[k];
        int significant = precision;
        while (text[significant - 1] == '0') significant--;

        int length = 0;
        if (_negative) Put(dest, ref length, (byte)'-');
        if (decimalExponent < -4 || decimalExponent >= precision)
        {
            Put(dest, ref length, text[0]);
            if (significant > 1)
            {
                Put(dest, ref length, (byte)'.');
                foreach (byte b in text[1..significant]) Put(dest, ref length, b);
            }
            Put(dest, ref length, (byte)'e');
            Put(dest, ref length, decimalExponent < 0 ? (byte)'-' : (byte)'+');
            int magnitude = Math.Abs(decimalExponent);
            if (magnitude < 10) Put(dest, ref length, (byte)'0');
            if (length + NumberFormatter.DigitCount((ulong)magnitude) > dest.Length) NumberFormatter.ThrowTooSmall();
            length += NumberFormatter.FormatUInt64((ulong)magnitude, dest[length..]);
        }
        else if (decimalExponent < 0)
        {
            Put(dest, ref length, (byte)'0');
            Put(dest, ref length, (byte)'.');
            for (int k = -1; k > decimalExponent; k--) Put(dest, ref length, (byte)'0');
            foreach (byte b in text[..significant]) Put(dest, ref length, b);
        }
        else
        {
            int integerDigits = decimalExponent + 1;
            foreach (byte b in text[..integerDigits]) Put(dest, ref length, b);
            if (significant > integerDigits)
            {
                Put(dest, ref length, (byte)'.');
                foreach (byte b in text[integerDigits..significant]) Put(dest, ref length, b);
            }
        }
        return length;
    }

    /// <summary>The <see cref="FormatHuman"/> text, for diagnostics and tests.</summary>
    public override string ToString()
    {
        Span<byte> buffer = new byte[MaxHumanLength];
        return System.Text.Encoding.ASCII.GetString(buffer[..FormatHuman(buffer)]);
    }

    /// <summary>Sign of numerator/denominator − 10^power, computed exactly.</summary>
    private static int CompareWithPowerOfTen(BigInteger numerator, BigInteger denominator, int power) =>
        power >= 0
            ? numerator.CompareTo(denominator * BigInteger.Pow(10, power))
            : (numerator * BigInteger.Pow(10, -power)).CompareTo(denominator);

    /// <summary>value / 2^shift rounded half to even.</summary>
    private static UInt128 RoundShiftRight(UInt128 value, int shift)
    {
        if (shift >= 128) return 0;   // value < 2^127 here, so strictly below half
        UInt128 kept = value >> shift;
        UInt128 rest = value - (kept << shift);
        UInt128 half = UInt128.One << (shift - 1);
        if (rest > half || (rest == half && (kept & 1) != 0)) kept++;
        return kept;
    }

    private static void WriteUInt128(UInt128 value, Span<byte> dest, ref int length)
    {
        if (value <= ulong.MaxValue)
        {
            ulong small = (ulong)value;
            if (length + NumberFormatter.DigitCount(small) > dest.Length) NumberFormatter.ThrowTooSmall();
            length += NumberFormatter.FormatUInt64(small, dest[length..]);
            return;
        }
        // Split into a high part and exactly 19 low digits.
        const ulong tenPow19 = 10_000_000_000_000_000_000UL;
        UInt128 high = value / tenPow19;
        ulong low = (ulong)(value % tenPow19);
        WriteUInt128(high, dest, ref length);
        if (length + 19 > dest.Length) NumberFormatter.ThrowTooSmall();
        int lowDigits = NumberFormatter.DigitCount(low);
        dest.Slice(length, 19 - lowDigits).Fill((byte)'0');
        NumberFormatter.FormatUInt64(low, dest[(length + 19 - lowDigits)..]);
        length += 19;
    }

    private static void WriteBigInteger(BigInteger value, Span<byte> dest, ref int length)
    {
        string text = value.ToString(CultureInfo.InvariantCulture);
        if (length + text.Length > dest.Length) NumberFormatter.ThrowTooSmall();
        foreach (char c in text) dest[length++] = (byte)c;
    }

    private static void Put(Span<byte> dest, ref int length, byte value)
    {
        if (length >= dest.Length) NumberFormatter.ThrowTooSmall();
        dest[length++] = value;
    }

    private static int Copy(ReadOnlySpan<byte> text, Span<byte> dest)
    {
        if (text.Length > dest.Length) NumberFormatter.ThrowTooSmall();
        text.CopyTo(dest);
        return text.Length;
    }
}

/// <summary>How a value came out of rounding: exactly representable or rounded (zero included), or
/// outside the format's range, the two cases glibc's strtod()/strtold() flag with ERANGE.</summary>
internal enum RoundStatus { InRange, Overflow, Underflow }

/// <summary>
/// Correct rounding of exact binary or decimal values into a binary floating-point format, half to
/// even with gradual underflow, using <see cref="BigInteger"/>. Shared by the long double parser and
/// by the double parser for very long inputs.
/// </summary>
internal static class ExactRounding
{
    /// <summary>A format as significand bits and the range of the exponent of the significand's lowest bit.</summary>
    internal readonly record struct Format(int Precision, int MinExponent, int MaxExponent);

    /// <summary>x87 extended: 64 bits, 2^-16445 .. just below 2^16384.</summary>
    internal static readonly Format X87 = new(64, LongDouble.MinExponent, LongDouble.MaxExponent);

    /// <summary>IEEE binary64: 53 bits, 2^-1074 .. just below 2^1024.</summary>
    internal static readonly Format Binary64 = new(53, -1074, 1023 - 52);

    private static readonly BigInteger TenPow18 = new(1_000_000_000_000_000_000UL);

    /// <summary>
    /// Rounds the value of already validated unsigned decimal text (<c>digits[.digits][e[sign]digits]</c>)
    /// to <paramref name="format"/>. A zero significand with <see cref="RoundStatus.InRange"/> is an exact zero.
    /// </summary>
    public static RoundStatus RoundDecimal(ReadOnlySpan<byte> text, Format format, out ulong significand, out long exponent)
    {
        significand = 0;
        exponent = 0;
        int end = text.IndexOfAny((byte)'e', (byte)'E');
        if (end < 0) end = text.Length;
        long decimalExponent = end < text.Length ? ParseSaturatedExponent(text[(end + 1)..]) : 0;

        // value = digits × 10^decimalExponent, digits without leading zeros.
        BigInteger digits = BigInteger.Zero;
        int significantDigits = 0;
        bool afterPoint = false;
        ulong chunk = 0;
        int chunkLength = 0;
        foreach (byte b in text[..end])
        {
            if (b == '.')
            {
                afterPoint = true;
                continue;
            }
            if (afterPoint) decimalExponent--;
            if (significantDigits == 0 && b == '0') continue;
            significantDigits++;
            chunk = chunk * 10 + (ulong)(b - '0');
            if (++chunkLength == 18)
            {
                digits = digits * TenPow18 + chunk;
                chunk = 0;
                chunkLength = 0;
            }
        }
        if (significantDigits == 0) return RoundStatus.InRange;
        if (chunkLength > 0) digits = digits * BigInteger.Pow(10, chunkLength) + chunk;

        // log10(value) lies in [magnitude - 1, magnitude); skip the arithmetic when clearly out of range.
        long magnitude = significantDigits + decimalExponent;
        int largestDecimal = (int)Math.Ceiling((format.MaxExponent + format.Precision) * Log10Of2) + 1;
        int smallestDecimal = (int)Math.Floor(format.MinExponent * Log10Of2) - 2;
        if (magnitude - 1 > largestDecimal) return RoundStatus.Overflow;
        if (magnitude < smallestDecimal) return RoundStatus.Underflow;

        if (decimalExponent >= 0)
            return Round(digits * BigInteger.Pow(10, (int)decimalExponent), 0, false, format, out significand, out exponent);

        BigInteger divisor = BigInteger.Pow(10, (int)-decimalExponent);
        // Enough quotient bits for the significand, a rounding bit and a guard bit.
        long shift = Math.Max(0, format.Precision + 4 + (long)divisor.GetBitLength() - (long)digits.GetBitLength());
        BigInteger quotient = BigInteger.DivRem(digits << (int)shift, divisor, out BigInteger remainder);
        return Round(quotient, -shift, !remainder.IsZero, format, out significand, out exponent);
    }

    private const double Log10Of2 = 0.30102999566398120;

    /// <summary>Parses [sign]digits after 'e', saturating well beyond any representable magnitude.</summary>
    private static long ParseSaturatedExponent(ReadOnlySpan<byte> text)
    {
        bool negative = text[0] == '-';
        int i = text[0] == '-' || text[0] == '+' ? 1 : 0;
        long exponent = 0;
        for (; i < text.Length; i++)
            if (exponent < 1_000_000_000) exponent = exponent * 10 + (text[i] - '0');
        return negative ? -exponent : exponent;
    }

    /// <summary>
    /// Rounds magnitude × 2^exponent (plus, when <paramref name="sticky"/>, a positive amount smaller
    /// than 2^exponent) to the format. Normal results have the top significand bit set; subnormal
    /// ones have the minimum exponent.
    /// </summary>
    public static RoundStatus Round(BigInteger magnitude, long exponent, bool sticky, Format format,
        out ulong significand, out long resultExponent)
    {
        significand = 0;
        resultExponent = 0;
        if (magnitude.IsZero) return RoundStatus.InRange;

        long bitLength = (long)magnitude.GetBitLength();
        resultExponent = Math.Max(bitLength + exponent - format.Precision, format.MinExponent);
        long shift = resultExponent - exponent;

        if (shift <= 0)
        {
            significand = (ulong)(magnitude << (int)-shift);
        }
        else if (shift <= bitLength)
        {
            BigInteger kept = magnitude >> (int)shift;
            BigInteger rest = magnitude - (kept << (int)shift);
            int comparison = rest.CompareTo(BigInteger.One << (int)(shift - 1));
            if (comparison > 0 || (comparison == 0 && (sticky || !kept.IsEven))) kept += 1;
            if (kept.GetBitLength() > format.Precision)
            {
                kept >>= 1;
                resultExponent++;
            }
            significand = (ulong)kept;
        }
        // else: below half of the smallest step, so it rounds to zero.

        if (resultExponent > format.MaxExponent) return RoundStatus.Overflow;
        if (significand == 0) return RoundStatus.Underflow;
        return RoundStatus.InRange;
    }
}
