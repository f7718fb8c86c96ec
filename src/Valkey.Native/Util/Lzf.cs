using System.Runtime.CompilerServices;

namespace Valkey.Native.Util;

/// <summary>
/// LZF compression in the stream format of liblzf (what Valkey uses for compressed quicklist
/// nodes and RDB strings). A stream is a sequence of runs, each starting with a control byte
/// <c>c</c>: <c>c &lt; 32</c> is a literal run of <c>c + 1</c> bytes that follow; otherwise
/// <c>len = c &gt;&gt; 5</c> (7 means "7 + the next byte") and a back reference copies
/// <c>len + 2</c> bytes from <c>((c &amp; 31) &lt;&lt; 8 | next byte) + 1</c> bytes back in the output.
/// The encoder is our own (a hash of 3-byte sequences); any stream it writes decodes with liblzf,
/// and <see cref="Decompress"/> decodes any liblzf stream.
/// </summary>
public static unsafe class Lzf
{
    private const int HashLog = 14;
    private const int MaxLiteral = 32;
    private const int MaxOffset = 8192;
    private const int MaxMatch = 264; // 2 + 7 + 255 bytes

    /// <summary>Per-thread table of last positions per hash (stale entries are validated before use).</summary>
    [ThreadStatic] private static int* t_table;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Hash(byte* p) => (int)(((uint)(p[0] << 16 | p[1] << 8 | p[2]) * 2654435761u) >> (32 - HashLog));

    /// <summary>
    /// Compresses <paramref name="input"/> into <paramref name="output"/>; returns the stream length,
    /// or 0 when it does not fit in <paramref name="output"/> (incompressible for that budget) or input is empty.
    /// </summary>
    public static int Compress(ReadOnlySpan<byte> input, Span<byte> output)
    {
        int inLen = input.Length, outLen = output.Length;
        if (inLen == 0 || outLen < 2) return 0;
        int* table = t_table;
        if (table == null)
        {
            table = (int*)System.Runtime.InteropServices.NativeMemory.AllocZeroed((nuint)(sizeof(int) << HashLog));
            t_table = table;
        }
        fixed (byte* inp = input)
        fixed (byte* outp = output)
        {
            int ip = 0, op = 1, litPos = 0, lit = 0;
            while (ip < inLen - 2)
            {
                int h = Hash(inp + ip);
                int r = table[h];
                table[h] = ip;
                int off = ip - r - 1;
                if (r >= 0 && r < ip && off < MaxOffset
                    && inp[r] == inp[ip] && inp[r + 1] == inp[ip + 1] && inp[r + 2] == inp[ip + 2])
                {
                    int max = Math.Min(inLen - ip, MaxMatch);
                    int m = 3;
                    while (m < max && inp[r + m] == inp[ip + m]) m++;
                    // close the literal run (or take back its unused control byte)
                    if (lit > 0) outp[litPos] = (byte)(lit - 1); else op--;
                    int l = m - 2;
                    if (op + 3 + 1 > outLen) return 0;
                    if (l < 7) outp[op++] = (byte)((l << 5) | (off >> 8));
                    else
                    {
                        outp[op++] = (byte)((7 << 5) | (off >> 8));
                        outp[op++] = (byte)(l - 7);
                    }
                    outp[op++] = (byte)off;
                    // index a couple of positions inside the match for later references
                    int end = ip + m;
                    if (end < inLen - 2)
                    {
                        table[Hash(inp + end - 2)] = end - 2;
                        table[Hash(inp + end - 1)] = end - 1;
                    }
                    ip = end;
                    litPos = op++;
                    lit = 0;
                    continue;
                }
                if (op + 1 >= outLen) return 0;
                outp[op++] = inp[ip++];
                if (++lit == MaxLiteral)
                {
                    outp[litPos] = MaxLiteral - 1;
                    litPos = op++;
                    lit = 0;
                }
            }
            while (ip < inLen)
            {
                if (op + 1 >= outLen) return 0;
                outp[op++] = inp[ip++];
                if (++lit == MaxLiteral)
                {
                    outp[litPos] = MaxLiteral - 1;
                    litPos = op++;
                    lit = 0;
                }
            }
            if (lit > 0) outp[litPos] = (byte)(lit - 1); else op--;
            return op;
        }
    }

    /// <summary>Decodes an LZF stream; returns the decoded length, or -1 if the stream is corrupt or does not fit.</summary>
    public static int Decompress(ReadOnlySpan<byte> input, Span<byte> output)
    {
        int ip = 0, op = 0, inLen = input.Length, outLen = output.Length;
        while (ip < inLen)
        {
            int c = input[ip++];
            if (c < 32)
            {
                int n = c + 1;
                if (ip + n > inLen || op + n > outLen) return -1;
                input.Slice(ip, n).CopyTo(output.Slice(op));
                ip += n;
                op += n;
                continue;
            }
            int len = c >> 5;
            if (len == 7)
            {
                if (ip >= inLen) return -1;
                len += input[ip++];
            }
            if (ip >= inLen) return -1;
            int r = op - ((c & 31) << 8) - input[ip++] - 1;
            len += 2;
            if (r < 0 || op + len > outLen) return -1;
            for (int i = 0; i < len; i++) output[op + i] = output[r + i]; // may overlap: byte by byte
            op += len;
        }
        return op;
    }
}
