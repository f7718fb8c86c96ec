using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Valkey.Native.Protocol;

/// <summary>
/// Splits a line into arguments with the grammar of Valkey's sdssplitargs (used for inline
/// commands and config files), unescaping in place: every output byte consumes at least one
/// input byte, so the result never overtakes the text still to be read.
/// </summary>
/// <remarks>
/// Grammar: blanks (space, \t, \n, \v, \f, \r) separate arguments, but only space, \t, \n and \r
/// end an unquoted one (a \v or \f inside a word is kept). A quote may open in the middle of a
/// word ("foo"bar" style: <c>foo"bar"</c> is <c>foobar</c>) and ends that argument; the closing
/// quote must be followed by a blank or the end of the line. Inside double quotes \n \r \t \b \a,
/// \xHH and backslash + any other byte (which stands for itself) are escapes; inside single
/// quotes only \' is. An empty quoted string is an empty argument.
/// </remarks>
public static class InlineSplitter
{
    /// <summary>
    /// Splits <paramref name="line"/> into <paramref name="args"/> (cleared first), as offsets into
    /// <paramref name="line"/>. A NUL byte ends the line, as it ends the C string sdssplitargs reads.
    /// Returns false on unbalanced quotes (or a closing quote followed by a non-blank); the content
    /// of <paramref name="args"/> and <paramref name="line"/> is then unspecified.
    /// </summary>
    public static bool TrySplit(Span<byte> line, ArgList args)
    {
        int nul = RespScanner.IndexOf(line, 0);
        return SplitWithoutNul(nul >= 0 ? line[..nul] : line, args);
    }

    /// <summary>The caller guarantees <paramref name="line"/> contains no NUL.</summary>
    internal static bool SplitWithoutNul(Span<byte> line, ArgList args)
    {
        args.Clear();
        ref byte p = ref MemoryMarshal.GetReference(line);
        int n = line.Length;
        int read = 0;
        while (true)
        {
            while (read < n && IsBlank(Unsafe.Add(ref p, read))) read++;
            if (read == n) return true;

            int argStart = read;
            int write = read;
            while (true)
            {
                if (read == n) break;
                byte c = Unsafe.Add(ref p, read);
                if (c == (byte)' ' || c == (byte)'\t' || c == (byte)'\n' || c == (byte)'\r')
                {
                    read++;
                    break;
                }
                if (c == (byte)'"')
                {
                    if (!ReadDoubleQuoted(ref p, n, ref read, ref write)) return false;
                    break;
                }
                if (c == (byte)'\'')
                {
                    if (!ReadSingleQuoted(ref p, n, ref read, ref write)) return false;
                    break;
                }
                Unsafe.Add(ref p, write++) = c;
                read++;
            }
            args.Add(argStart, write - argStart);
        }
    }

    /// <summary>On entry <paramref name="read"/> is at the opening quote; on success just past the closing one.</summary>
    private static bool ReadDoubleQuoted(ref byte p, int n, ref int read, ref int write)
    {
        int r = read + 1;
        int w = write;
        while (true)
        {
            if (r == n) return false;
            byte c = Unsafe.Add(ref p, r);
            if (c == (byte)'\\')
            {
                if (r + 3 < n && Unsafe.Add(ref p, r + 1) == (byte)'x'
                    && TryHexValue(Unsafe.Add(ref p, r + 2), out int high)
                    && TryHexValue(Unsafe.Add(ref p, r + 3), out int low))
                {
                    Unsafe.Add(ref p, w++) = (byte)(high * 16 + low);
                    r += 4;
                    continue;
                }
                // A backslash as the very last byte leaves the quote unterminated.
                if (r + 1 == n) return false;
                Unsafe.Add(ref p, w++) = Unescape(Unsafe.Add(ref p, r + 1));
                r += 2;
                continue;
            }
            if (c == (byte)'"')
            {
                if (r + 1 < n && !IsBlank(Unsafe.Add(ref p, r + 1))) return false;
                read = r + 1;
                write = w;
                return true;
            }
            Unsafe.Add(ref p, w++) = c;
            r++;
        }
    }

    private static bool ReadSingleQuoted(ref byte p, int n, ref int read, ref int write)
    {
        int r = read + 1;
        int w = write;
        while (true)
        {
            if (r == n) return false;
            byte c = Unsafe.Add(ref p, r);
            if (c == (byte)'\\' && r + 1 < n && Unsafe.Add(ref p, r + 1) == (byte)'\'')
            {
                Unsafe.Add(ref p, w++) = (byte)'\'';
                r += 2;
                continue;
            }
            if (c == (byte)'\'')
            {
                if (r + 1 < n && !IsBlank(Unsafe.Add(ref p, r + 1))) return false;
                read = r + 1;
                write = w;
                return true;
            }
            Unsafe.Add(ref p, w++) = c;
            r++;
        }
    }

    /// <summary>C isspace in the "C" locale: space, \t, \n, \v, \f, \r.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsBlank(byte c) => c == (byte)' ' || (uint)(c - '\t') <= '\r' - '\t';

    private static byte Unescape(byte c) => c switch
    {
        (byte)'n' => (byte)'\n',
        (byte)'r' => (byte)'\r',
        (byte)'t' => (byte)'\t',
        (byte)'b' => (byte)'\b',
        (byte)'a' => (byte)'\a',
        _ => c,
    };

    private static bool TryHexValue(byte c, out int value)
    {
        uint d = (uint)(c - '0');
        if (d <= 9)
        {
            value = (int)d;
            return true;
        }
        uint letter = (uint)((c | 0x20) - 'a');
        value = (int)letter + 10;
        return letter <= 5;
    }
}
