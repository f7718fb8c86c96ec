using System.Runtime.CompilerServices;

namespace Valkey.Native.Storage;

/// <summary>
/// A stream entry ID: milliseconds and a sequence number, ordered as the pair (Valkey's streamID).
/// </summary>
public readonly record struct StreamId(ulong Ms, ulong Seq) : IComparable<StreamId>
{
    public static readonly StreamId Min = new(0, 0);
    public static readonly StreamId Max = new(ulong.MaxValue, ulong.MaxValue);

    /// <summary>Longest text of an ID: two 20-digit numbers and the dash.</summary>
    public const int MaxTextLength = 41;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int CompareTo(StreamId other)
    {
        if (Ms != other.Ms) return Ms < other.Ms ? -1 : 1;
        if (Seq != other.Seq) return Seq < other.Seq ? -1 : 1;
        return 0;
    }

    public static bool operator <(StreamId a, StreamId b) => a.CompareTo(b) < 0;
    public static bool operator >(StreamId a, StreamId b) => a.CompareTo(b) > 0;
    public static bool operator <=(StreamId a, StreamId b) => a.CompareTo(b) <= 0;
    public static bool operator >=(StreamId a, StreamId b) => a.CompareTo(b) >= 0;

    public bool IsZero => Ms == 0 && Seq == 0;

    /// <summary>The next ID; false (and 0-0) when this is the largest possible one.</summary>
    public bool TryIncrement(out StreamId next)
    {
        if (Seq != ulong.MaxValue) { next = new StreamId(Ms, Seq + 1); return true; }
        if (Ms != ulong.MaxValue) { next = new StreamId(Ms + 1, 0); return true; }
        next = Min;
        return false;
    }

    /// <summary>The previous ID; false (and the maximum ID) when this is 0-0.</summary>
    public bool TryDecrement(out StreamId previous)
    {
        if (Seq != 0) { previous = new StreamId(Ms, Seq - 1); return true; }
        if (Ms != 0) { previous = new StreamId(Ms - 1, ulong.MaxValue); return true; }
        previous = Max;
        return false;
    }

    /// <summary>Writes "ms-seq" into <paramref name="destination"/> (at least <see cref="MaxTextLength"/> bytes); returns the length.</summary>
    public int Format(Span<byte> destination)
    {
        Ms.TryFormat(destination, out int n);
        destination[n++] = (byte)'-';
        Seq.TryFormat(destination[n..], out int m);
        return n + m;
    }

    public override string ToString() => $"{Ms}-{Seq}";

    /// <summary>
    /// Parses an ID argument as stream commands accept it: "-" and "+" (unless
    /// <paramref name="strict"/>), "ms" (sequence = <paramref name="missingSeq"/>), "ms-seq", and,
    /// when <paramref name="allowAutoSeq"/>, "ms-*" (then <paramref name="seqGiven"/> is false).
    /// Numbers follow Valkey's string2ull: unsigned 64-bit, no sign but "+", nothing after them.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> text, ulong missingSeq, bool strict, bool allowAutoSeq,
        out StreamId id, out bool seqGiven)
    {
        id = default;
        seqGiven = true;
        if (text.Length > 127) return false;
        if (text.Length == 1 && (text[0] == '-' || text[0] == '+'))
        {
            if (strict) return false;
            id = text[0] == '-' ? Min : Max;
            return true;
        }
        int dash = text.IndexOf((byte)'-');
        ReadOnlySpan<byte> msText = dash < 0 ? text : text[..dash];
        if (!TryParseUnsigned(msText, out ulong ms)) return false;
        ulong seq = missingSeq;
        if (dash >= 0)
        {
            ReadOnlySpan<byte> seqText = text[(dash + 1)..];
            if (allowAutoSeq && seqText.Length == 1 && seqText[0] == '*')
            {
                seq = 0;
                seqGiven = false;
            }
            else if (!TryParseUnsigned(seqText, out seq)) return false;
        }
        id = new StreamId(ms, seq);
        return true;
    }

    /// <summary>Valkey's string2ull: optional leading spaces and '+', decimal digits to the end, no overflow, never negative.</summary>
    internal static bool TryParseUnsigned(ReadOnlySpan<byte> s, out ulong value)
    {
        value = 0;
        int i = 0;
        while (i < s.Length && (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r'))) i++;
        bool negative = false;
        if (i < s.Length && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
        if (i == s.Length) return false;
        for (; i < s.Length; i++)
        {
            uint digit = (uint)(s[i] - '0');
            if (digit > 9) return false;
            if (value > (ulong.MaxValue - digit) / 10) return false;
            value = value * 10 + digit;
        }
        // "-0" reads as 0; any other negative number is out of range.
        return !negative || value == 0;
    }
}
