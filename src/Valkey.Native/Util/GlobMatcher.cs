namespace Valkey.Native.Util;

/// <summary>
/// Glob-style matching with exactly the semantics of Valkey's stringmatchlen(): KEYS, SCAN MATCH,
/// PSUBSCRIBE, ACL key/channel patterns and CONFIG GET all depend on byte-for-byte identical answers,
/// including for malformed patterns. Allocation-free.
/// </summary>
/// <remarks>
/// Quirks reproduced on purpose (all verified against the C implementation):
/// <list type="bullet">
/// <item>Bytes past the end of the pattern read as NUL, because Valkey's patterns are NUL-terminated
/// sds strings and the C code peeks one byte ahead.</item>
/// <item>An unterminated class (<c>"[abc"</c>) behaves as if it were closed at the end of the pattern.</item>
/// <item><c>"[a-]"</c> is a range from 'a' to ']' (reversed, so ']'..'a'), and the class then runs
/// on to the end of the pattern.</item>
/// <item>Ranges compare bytes as C's signed <c>char</c>: bytes 0x80-0xFF sort below 0x00.</item>
/// <item>With <c>ignoreCase</c>, range bounds are lower-cased after being put in order, so
/// <c>"[Z-a]"</c> matches nothing; an escaped byte inside a class is compared case-sensitively.</item>
/// <item>glibc's C-locale tolower() maps signed bytes -128..-2 to 128..254 but leaves -1 (0xFF, EOF)
/// alone, which matters only for case-insensitive ranges over high bytes.</item>
/// <item>More than 1000 nested '*' groups make the match fail (Valkey's stack guard).</item>
/// </list>
/// Exponential blow-up on patterns such as <c>"a*a*a*a*b"</c> is avoided the same way Valkey does:
/// once the rest of the pattern after a '*' has failed at every later position, no earlier '*'
/// can succeed by consuming more, so the whole search stops.
/// </remarks>
public static class GlobMatcher
{
    /// <summary>Valkey stops (and reports no match) beyond this many nested '*' expansions.</summary>
    private const int MaxNesting = 1000;

    public static bool IsMatch(ReadOnlySpan<byte> pattern, ReadOnlySpan<byte> str, bool ignoreCase = false)
    {
        bool skipLongerMatches = false;
        return MatchFrom(pattern, str, ignoreCase, ref skipLongerMatches, 0);
    }

    private static bool MatchFrom(ReadOnlySpan<byte> pattern, ReadOnlySpan<byte> str, bool ignoreCase,
        ref bool skipLongerMatches, int nesting)
    {
        if (nesting > MaxNesting) return false;

        int p = 0;
        int s = 0;
        while (p < pattern.Length && s < str.Length)
        {
            switch (pattern[p])
            {
                case (byte)'*':
                    while (p < pattern.Length && ByteAt(pattern, p + 1) == '*') p++;
                    if (pattern.Length - p == 1) return true;
                    while (s < str.Length)
                    {
                        if (MatchFrom(pattern[(p + 1)..], str[s..], ignoreCase, ref skipLongerMatches, nesting + 1))
                            return true;
                        if (skipLongerMatches) return false;
                        s++;
                    }
                    // The rest of the pattern matched nowhere in the remaining string, so letting any
                    // enclosing '*' swallow more characters cannot help either.
                    skipLongerMatches = true;
                    return false;

                case (byte)'?':
                    s++;
                    break;

                case (byte)'[':
                    if (!MatchClass(pattern, ref p, str[s], ignoreCase)) return false;
                    s++;
                    break;

                case (byte)'\\':
                    // A trailing backslash is an ordinary character.
                    if (pattern.Length - p >= 2) p++;
                    if (!SameByte(pattern[p], str[s], ignoreCase)) return false;
                    s++;
                    break;

                default:
                    if (!SameByte(pattern[p], str[s], ignoreCase)) return false;
                    s++;
                    break;
            }

            p++;
            if (s == str.Length)
            {
                while (ByteAt(pattern, p) == '*') p++;
                break;
            }
        }

        return p == pattern.Length && s == str.Length;
    }

    /// <summary>
    /// Evaluates the class starting at <paramref name="p"/> (the '[') against one byte, leaving
    /// <paramref name="p"/> on the closing ']' (or on the last pattern byte when unterminated).
    /// </summary>
    private static bool MatchClass(ReadOnlySpan<byte> pattern, ref int p, byte c, bool ignoreCase)
    {
        p++;
        bool negated = ByteAt(pattern, p) == '^';
        if (negated) p++;

        bool matched = false;
        while (true)
        {
            int remaining = pattern.Length - p;
            byte current = ByteAt(pattern, p);
            if (current == '\\' && remaining >= 2)
            {
                p++;
                if (pattern[p] == c) matched = true;
            }
            else if (current == ']')
            {
                break;
            }
            else if (remaining == 0)
            {
                // Unterminated class: step back so the caller's advance lands on the pattern end.
                p--;
                break;
            }
            else if (remaining >= 3 && pattern[p + 1] == '-')
            {
                int start = (sbyte)pattern[p];
                int end = (sbyte)pattern[p + 2];
                int value = (sbyte)c;
                if (start > end) (start, end) = (end, start);
                if (ignoreCase)
                {
                    start = CLocaleToLower(start);
                    end = CLocaleToLower(end);
                    value = CLocaleToLower(value);
                }
                p += 2;
                if (value >= start && value <= end) matched = true;
            }
            else if (SameByte(current, c, ignoreCase))
            {
                matched = true;
            }
            p++;
        }

        return matched != negated;
    }

    private static byte ByteAt(ReadOnlySpan<byte> span, int index) => (uint)index < (uint)span.Length ? span[index] : (byte)0;

    private static bool SameByte(byte a, byte b, bool ignoreCase)
    {
        if (a == b) return true;
        // Only ASCII letters fold; glibc's C-locale tolower() keeps every other byte distinct.
        return ignoreCase && (a | 0x20) == (b | 0x20) && (uint)((a | 0x20) - 'a') <= 'z' - 'a';
    }

    /// <summary>glibc tolower() in the "C" locale applied to a value of C's signed char.</summary>
    private static int CLocaleToLower(int signedChar)
    {
        if (signedChar >= 'A' && signedChar <= 'Z') return signedChar + 32;
        if (signedChar < -1) return signedChar + 256;
        return signedChar;
    }
}
