using System.Globalization;
using Valkey.Native.Util;

namespace Valkey.Native.Storage;

/// <summary>
/// What the range walks (ZRANGEBYSCORE/BYLEX, ZCOUNT/ZLEXCOUNT, ZREMRANGEBYSCORE/BYLEX) ask of a
/// <see cref="ScoreRange"/> or a <see cref="LexRange"/>: one walk serves both, specialised per
/// range type (generic over the struct, so no boxing or indirect call), testing listpack pairs by
/// (member, score) and skiplist nodes directly (a score test never loads the member).
/// </summary>
public unsafe interface ISortedSetRange
{
    bool IsEmpty { get; }
    bool GteMin(ReadOnlySpan<byte> member, double score);
    bool LteMax(ReadOnlySpan<byte> member, double score);
    bool GteMin(SkipListNode* node);
    bool LteMax(SkipListNode* node);
}

/// <summary>
/// A score interval as ZRANGEBYSCORE, ZCOUNT and ZREMRANGEBYSCORE take it (Valkey's zrangespec):
/// each end inclusive, or exclusive when written with a leading '('.
/// </summary>
public readonly unsafe struct ScoreRange(double min, double max, bool minExclusive, bool maxExclusive) : ISortedSetRange
{
    public readonly double Min = min;
    public readonly double Max = max;
    public readonly bool MinExclusive = minExclusive;
    public readonly bool MaxExclusive = maxExclusive;

    public bool GteMin(double value) => MinExclusive ? value > Min : value >= Min;

    public bool LteMax(double value) => MaxExclusive ? value < Max : value <= Max;

    public bool Contains(double value) => GteMin(value) && LteMax(value);

    bool ISortedSetRange.GteMin(ReadOnlySpan<byte> member, double score) => GteMin(score);
    bool ISortedSetRange.LteMax(ReadOnlySpan<byte> member, double score) => LteMax(score);
    bool ISortedSetRange.GteMin(SkipListNode* node) => GteMin(node->Score);
    bool ISortedSetRange.LteMax(SkipListNode* node) => LteMax(node->Score);

    /// <summary>Ranges no score can fall in (min above max, or a point with an open end).</summary>
    public bool IsEmpty => Min > Max || (Min == Max && (MinExclusive || MaxExclusive));

    /// <summary>
    /// Valkey's zslParseRange: each bound is C strtod() over the whole argument (after an optional
    /// '('), so leading blanks, hexadecimal, "inf" and overflow to ±inf are accepted, and an empty
    /// bound reads as 0; NaN is refused. False means "ERR min or max is not a float".
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> min, ReadOnlySpan<byte> max, out ScoreRange range)
    {
        range = default;
        if (!TryParseBound(min, out double lo, out bool loEx) || !TryParseBound(max, out double hi, out bool hiEx)) return false;
        range = new ScoreRange(lo, hi, loEx, hiEx);
        return true;
    }

    private static bool TryParseBound(ReadOnlySpan<byte> arg, out double value, out bool exclusive)
    {
        exclusive = arg.Length > 0 && arg[0] == (byte)'(';
        if (exclusive) arg = arg[1..];
        return TryParseStrtod(arg, out value) && !double.IsNaN(value);
    }

    /// <summary>
    /// <c>strtod(s, &amp;end)</c> followed by <c>*end == '\0'</c>, as C sees the argument (it ends at
    /// the first NUL byte). No ERANGE check: overflow gives ±inf and underflow 0, as strtod returns them.
    /// A NaN result is returned as NaN (callers refuse it).
    /// </summary>
    public static bool TryParseStrtod(ReadOnlySpan<byte> s, out double value)
    {
        value = 0;
        int nul = s.IndexOf((byte)0);
        if (nul >= 0) s = s[..nul];
        if (s.IsEmpty) return true; // nothing converted, and the end pointer is at the terminator
        int i = 0;
        while (i < s.Length && IsCSpace(s[i])) i++;
        var text = s[i..];
        if (text.IsEmpty) return false;
        int bodyStart = text[0] == (byte)'+' || text[0] == (byte)'-' ? 1 : 0;
        bool negative = bodyStart == 1 && text[0] == (byte)'-';
        var body = text[bodyStart..];
        if (body.IsEmpty) return false;
        if ((body[0] | 0x20) == 'i')
        {
            if (!NumberParser.IsInfinityWord(body)) return false;
            value = negative ? double.NegativeInfinity : double.PositiveInfinity;
            return true;
        }
        if ((body[0] | 0x20) == 'n')
        {
            // "nan" and "nan(chars)": a NaN, which every caller refuses; anything else is not a number.
            if (!IsNanWord(body)) return false;
            value = double.NaN;
            return true;
        }
        if (NumberParser.IsHexPrefix(body, 0)) return TryParseHex(text, body[2..], negative, out value);
        if (!NumberParser.IsDecimalSyntax(body, out _, out _)) return false;
        const NumberStyles style = NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent;
        // Overflow comes back as ±infinity and underflow as ±0, as from strtod.
        return double.TryParse(text, style, CultureInfo.InvariantCulture, out value);
    }

    private static bool IsCSpace(byte b) => b == ' ' || (b >= '\t' && b <= '\r');

    private static bool IsNanWord(ReadOnlySpan<byte> body)
    {
        if (body.Length < 3 || (body[0] | 0x20) != 'n' || (body[1] | 0x20) != 'a' || (body[2] | 0x20) != 'n') return false;
        if (body.Length == 3) return true;
        if (body[3] != (byte)'(' || body[^1] != (byte)')') return false;
        foreach (byte b in body[4..^1])
            if (!(char.IsAsciiLetterOrDigit((char)b) || b == '_')) return false;
        return true;
    }

    /// <summary>Hexadecimal strtod: exact when the value is a finite non-zero double, else ±inf / ±0 as strtod rounds.</summary>
    private static bool TryParseHex(ReadOnlySpan<byte> text, ReadOnlySpan<byte> digits, bool negative, out double value)
    {
        if (NumberParser.TryParseDouble(text, out value)) return true;
        // The strict parser refuses only bad syntax and ERANGE results; tell them apart.
        int i = 0, count = 0, integerDigits = -1, firstNonZero = -1;
        for (; i < digits.Length; i++)
        {
            byte b = digits[i];
            if (b == '.' && integerDigits < 0) { integerDigits = count; continue; }
            int d = NumberParser.HexDigitValue(b);
            if (d < 0) break;
            if (d != 0 && firstNonZero < 0) firstNonZero = count;
            count++;
        }
        if (integerDigits < 0) integerDigits = count;
        if (count == 0 || !NumberParser.TryParseBinaryExponent(digits[i..], out long exponent)) return false;
        if (firstNonZero < 0)
        {
            value = negative ? -0.0 : 0.0;
            return true;
        }
        // The leading digit weighs 16^(integerDigits - 1 - firstNonZero): a value the strict parser
        // refused that is far above 1 overflowed, anything else underflowed.
        long log2 = 4L * (integerDigits - 1 - firstNonZero) + exponent;
        value = log2 > 0 ? double.PositiveInfinity : 0.0;
        if (negative) value = -value;
        return true;
    }
}

/// <summary>Which kind of bound one end of a <see cref="LexRange"/> is.</summary>
public enum LexBoundKind : byte
{
    /// <summary>"-": below every member.</summary>
    Minimum,
    /// <summary>"+": above every member.</summary>
    Maximum,
    /// <summary>"[value" or "(value".</summary>
    Value,
}

/// <summary>
/// A lexicographic interval as ZRANGEBYLEX, ZLEXCOUNT and ZREMRANGEBYLEX take it (Valkey's
/// zlexrangespec): "-" and "+" for the extremes, "[x" inclusive, "(x" exclusive. The values are
/// spans into the command's arguments, so the range lives no longer than the command.
/// </summary>
public readonly unsafe ref struct LexRange : ISortedSetRange
{
    public readonly ReadOnlySpan<byte> Min;
    public readonly ReadOnlySpan<byte> Max;
    public readonly LexBoundKind MinKind;
    public readonly LexBoundKind MaxKind;
    public readonly bool MinExclusive;
    public readonly bool MaxExclusive;

    private LexRange(ReadOnlySpan<byte> min, LexBoundKind minKind, bool minEx, ReadOnlySpan<byte> max, LexBoundKind maxKind, bool maxEx)
    {
        Min = min; MinKind = minKind; MinExclusive = minEx;
        Max = max; MaxKind = maxKind; MaxExclusive = maxEx;
    }

    /// <summary>Valkey's zslParseLexRange; false means "ERR min or max not valid string range item".</summary>
    public static bool TryParse(ReadOnlySpan<byte> min, ReadOnlySpan<byte> max, out LexRange range)
    {
        range = default;
        if (!TryParseItem(min, out var minValue, out var minKind, out bool minEx)
            || !TryParseItem(max, out var maxValue, out var maxKind, out bool maxEx)) return false;
        range = new LexRange(minValue, minKind, minEx, maxValue, maxKind, maxEx);
        return true;
    }

    private static bool TryParseItem(ReadOnlySpan<byte> item, out ReadOnlySpan<byte> value, out LexBoundKind kind, out bool exclusive)
    {
        value = default;
        kind = LexBoundKind.Value;
        exclusive = true;
        if (item.IsEmpty) return false;
        switch (item[0])
        {
            // The argument is a C string to that check: "+" then a NUL byte is still "+".
            case (byte)'+':
                if (item.Length > 1 && item[1] != 0) return false;
                kind = LexBoundKind.Maximum;
                return true;
            case (byte)'-':
                if (item.Length > 1 && item[1] != 0) return false;
                kind = LexBoundKind.Minimum;
                return true;
            case (byte)'(':
                value = item[1..];
                return true;
            case (byte)'[':
                value = item[1..];
                exclusive = false;
                return true;
            default:
                return false;
        }
    }

    /// <summary>sdscmplex of a member against a bound: the extremes sort below/above everything.</summary>
    private static int CompareMember(ReadOnlySpan<byte> member, LexBoundKind kind, ReadOnlySpan<byte> bound) => kind switch
    {
        LexBoundKind.Minimum => 1,
        LexBoundKind.Maximum => -1,
        _ => member.SequenceCompareTo(bound),
    };

    public bool GteMin(ReadOnlySpan<byte> member)
    {
        int c = CompareMember(member, MinKind, Min);
        return MinExclusive ? c > 0 : c >= 0;
    }

    public bool LteMax(ReadOnlySpan<byte> member)
    {
        int c = CompareMember(member, MaxKind, Max);
        return MaxExclusive ? c < 0 : c <= 0;
    }

    public bool Contains(ReadOnlySpan<byte> member) => GteMin(member) && LteMax(member);

    bool ISortedSetRange.GteMin(ReadOnlySpan<byte> member, double score) => GteMin(member);
    bool ISortedSetRange.LteMax(ReadOnlySpan<byte> member, double score) => LteMax(member);
    bool ISortedSetRange.GteMin(SkipListNode* node) => GteMin(SkipListNode.MemberOf(node));
    bool ISortedSetRange.LteMax(SkipListNode* node) => LteMax(SkipListNode.MemberOf(node));

    /// <summary>Ranges no member can fall in (min above max, or equal bounds with an open end).</summary>
    public bool IsEmpty
    {
        get
        {
            int cmp;
            if (MinKind == MaxKind && MinKind != LexBoundKind.Value) cmp = 0;
            else if (MinKind == LexBoundKind.Minimum || MaxKind == LexBoundKind.Maximum) cmp = -1;
            else if (MinKind == LexBoundKind.Maximum || MaxKind == LexBoundKind.Minimum) cmp = 1;
            else cmp = Min.SequenceCompareTo(Max);
            return cmp > 0 || (cmp == 0 && (MinExclusive || MaxExclusive));
        }
    }
}
