using System.Buffers.Binary;
using Valkey.Native.Util;

namespace Valkey.Native.Persistence;

/// <summary>
/// Builds blobs in Valkey's own listpack format (listpack.c), the way RDB carries small hashes,
/// sorted sets, list nodes and (RDB 11) sets: <c>[total bytes u32][count u16]</c>, entries of
/// <c>[encoding+data][backlen]</c>, then 0xFF. Strings that are canonical integers are stored as
/// integers, as lpAppend does, so the bytes match what Valkey/Redis would write for the same items.
/// </summary>
public sealed class ListpackBuilder
{
    private byte[] _buffer = new byte[256];
    private int _used;
    private int _count;

    public int Count => _count;

    public void Reset()
    {
        _used = 6;
        _count = 0;
    }

    public ListpackBuilder() => Reset();

    private Span<byte> Reserve(int n)
    {
        if (_used + n > _buffer.Length) Array.Resize(ref _buffer, Math.Max(_used + n, _buffer.Length * 2));
        var s = _buffer.AsSpan(_used, n);
        _used += n;
        return s;
    }

    public void Append(ReadOnlySpan<byte> item)
    {
        if (Storage.Listpack.IsCanonicalInteger(item, out long v)) AppendInteger(v);
        else AppendString(item);
    }

    public void AppendString(ReadOnlySpan<byte> s)
    {
        int start = _used;
        if (s.Length < 64)
        {
            Reserve(1)[0] = (byte)(0x80 | s.Length);
        }
        else if (s.Length < 4096)
        {
            var h = Reserve(2);
            h[0] = (byte)(0xE0 | (s.Length >> 8));
            h[1] = (byte)s.Length;
        }
        else
        {
            var h = Reserve(5);
            h[0] = 0xF0;
            BinaryPrimitives.WriteInt32LittleEndian(h[1..], s.Length);
        }
        s.CopyTo(Reserve(s.Length));
        WriteBacklen(_used - start);
        _count++;
    }

    public void AppendInteger(long v)
    {
        int start = _used;
        if (v >= 0 && v <= 127) Reserve(1)[0] = (byte)v;
        else if (v >= -4096 && v <= 4095)
        {
            var h = Reserve(2);
            ulong u = (ulong)v & 0x1FFF;
            h[0] = (byte)(0xC0 | (u >> 8));
            h[1] = (byte)u;
        }
        else if (v >= short.MinValue && v <= short.MaxValue)
        {
            var h = Reserve(3);
            h[0] = 0xF1;
            BinaryPrimitives.WriteInt16LittleEndian(h[1..], (short)v);
        }
        else if (v >= -8388608 && v <= 8388607)
        {
            var h = Reserve(4);
            h[0] = 0xF2;
            h[1] = (byte)v; h[2] = (byte)(v >> 8); h[3] = (byte)(v >> 16);
        }
        else if (v >= int.MinValue && v <= int.MaxValue)
        {
            var h = Reserve(5);
            h[0] = 0xF3;
            BinaryPrimitives.WriteInt32LittleEndian(h[1..], (int)v);
        }
        else
        {
            var h = Reserve(9);
            h[0] = 0xF4;
            BinaryPrimitives.WriteInt64LittleEndian(h[1..], v);
        }
        WriteBacklen(_used - start);
        _count++;
    }

    /// <summary>A sorted-set score as Redis 7.0's zzlInsertAt stores it: d2string text (an integer when integral).</summary>
    public void AppendScore(double score)
    {
        Span<byte> text = stackalloc byte[40];
        Append(text[..FormatScore(score, text)]);
    }

    /// <summary>Redis 7.0's d2string: integral values within ±2^52 as integers, else %.17g.</summary>
    public static int FormatScore(double value, Span<byte> dest)
    {
        if (double.IsNaN(value)) return Copy("nan"u8, dest);
        if (double.IsInfinity(value)) return Copy(value > 0 ? "inf"u8 : "-inf"u8, dest);
        if (value == 0) return Copy(double.IsNegative(value) ? "-0"u8 : "0"u8, dest);
        if (value > -4503599627370495.0 && value < 4503599627370496.0 && value == (long)value)
            return NumberFormatter.FormatInt64((long)value, dest);
        string s = value.ToString("G17", System.Globalization.CultureInfo.InvariantCulture).Replace('E', 'e');
        for (int i = 0; i < s.Length; i++) dest[i] = (byte)s[i];
        return s.Length;
    }

    private static int Copy(ReadOnlySpan<byte> s, Span<byte> dest)
    {
        s.CopyTo(dest);
        return s.Length;
    }

    private void WriteBacklen(int l)
    {
        if (l <= 127) Reserve(1)[0] = (byte)l;
        else if (l < 16383)
        {
            var b = Reserve(2);
            b[0] = (byte)(l >> 7);
            b[1] = (byte)((l & 127) | 128);
        }
        else if (l < 2097151)
        {
            var b = Reserve(3);
            b[0] = (byte)(l >> 14);
            b[1] = (byte)(((l >> 7) & 127) | 128);
            b[2] = (byte)((l & 127) | 128);
        }
        else if (l < 268435455)
        {
            var b = Reserve(4);
            b[0] = (byte)(l >> 21);
            b[1] = (byte)(((l >> 14) & 127) | 128);
            b[2] = (byte)(((l >> 7) & 127) | 128);
            b[3] = (byte)((l & 127) | 128);
        }
        else
        {
            var b = Reserve(5);
            b[0] = (byte)(l >> 28);
            b[1] = (byte)(((l >> 21) & 127) | 128);
            b[2] = (byte)(((l >> 14) & 127) | 128);
            b[3] = (byte)(((l >> 7) & 127) | 128);
            b[4] = (byte)((l & 127) | 128);
        }
    }

    /// <summary>Terminates the listpack and returns its bytes (valid until the next Reset/append).</summary>
    public ReadOnlySpan<byte> Finish()
    {
        Reserve(1)[0] = 0xFF;
        BinaryPrimitives.WriteUInt32LittleEndian(_buffer, (uint)_used);
        BinaryPrimitives.WriteUInt16LittleEndian(_buffer.AsSpan(4), (ushort)Math.Min(_count, 65535));
        return _buffer.AsSpan(0, _used);
    }
}

/// <summary>
/// Reads a listpack blob from an RDB file with full bounds checks (a corrupt file must give an
/// error, never a crash): entry by entry, strings as spans of the blob, integers as values.
/// </summary>
public ref struct ListpackReader
{
    private readonly ReadOnlySpan<byte> _lp;
    private int _pos;

    public ListpackReader(ReadOnlySpan<byte> lp)
    {
        if (lp.Length < 7) throw new RdbFormatException("listpack too short");
        uint total = BinaryPrimitives.ReadUInt32LittleEndian(lp);
        if (total != lp.Length) throw new RdbFormatException("listpack size mismatch");
        if (lp[^1] != 0xFF) throw new RdbFormatException("listpack without terminator");
        _lp = lp;
        _pos = 6;
        HeaderCount = BinaryPrimitives.ReadUInt16LittleEndian(lp[4..]);
    }

    /// <summary>The header's element count (65535: unknown, count by walking).</summary>
    public int HeaderCount { get; }

    /// <summary>Next entry: false at the end. A string sets <paramref name="str"/>, an integer <paramref name="isInt"/>/<paramref name="value"/>.</summary>
    public bool Next(out ReadOnlySpan<byte> str, out bool isInt, out long value)
    {
        str = default;
        isInt = false;
        value = 0;
        if (_pos >= _lp.Length) throw new RdbFormatException("listpack overrun");
        byte b = _lp[_pos];
        if (b == 0xFF)
        {
            if (_pos != _lp.Length - 1) throw new RdbFormatException("listpack terminator before end");
            // lpValidateIntegrity: the header count, unless it saturated, is the number of entries.
            if (HeaderCount != ushort.MaxValue && HeaderCount != _seen) throw new RdbFormatException("listpack count mismatch");
            return false;
        }
        int start = _pos;
        int headerLen, dataLen;
        if ((b & 0x80) == 0) { isInt = true; value = b; headerLen = 1; dataLen = 0; }
        else if ((b & 0xC0) == 0x80) { headerLen = 1; dataLen = b & 0x3F; }
        else if ((b & 0xE0) == 0xC0)
        {
            Need(2);
            isInt = true;
            int u = ((b & 0x1F) << 8) | _lp[_pos + 1];
            value = (u << 19) >> 19;
            headerLen = 2; dataLen = 0;
        }
        else if ((b & 0xF0) == 0xE0)
        {
            Need(2);
            headerLen = 2; dataLen = ((b & 0x0F) << 8) | _lp[_pos + 1];
        }
        else
        {
            switch (b)
            {
                case 0xF0:
                    Need(5);
                    headerLen = 5;
                    uint l = BinaryPrimitives.ReadUInt32LittleEndian(_lp[(_pos + 1)..]);
                    if (l > int.MaxValue) throw new RdbFormatException("listpack string too long");
                    dataLen = (int)l;
                    break;
                case 0xF1: Need(3); isInt = true; value = BinaryPrimitives.ReadInt16LittleEndian(_lp[(_pos + 1)..]); headerLen = 3; dataLen = 0; break;
                case 0xF2:
                    Need(4); isInt = true;
                    int u24 = _lp[_pos + 1] | (_lp[_pos + 2] << 8) | (_lp[_pos + 3] << 16);
                    value = (u24 << 8) >> 8; headerLen = 4; dataLen = 0; break;
                case 0xF3: Need(5); isInt = true; value = BinaryPrimitives.ReadInt32LittleEndian(_lp[(_pos + 1)..]); headerLen = 5; dataLen = 0; break;
                case 0xF4: Need(9); isInt = true; value = BinaryPrimitives.ReadInt64LittleEndian(_lp[(_pos + 1)..]); headerLen = 9; dataLen = 0; break;
                default: throw new RdbFormatException("listpack invalid entry encoding");
            }
        }
        long entryLen = (long)headerLen + dataLen;
        if (_pos + entryLen > _lp.Length - 1) throw new RdbFormatException("listpack entry overruns");
        if (!isInt) str = _lp.Slice(_pos + headerLen, dataLen);
        _pos += (int)entryLen;
        int backlen = BacklenSize(entryLen);
        if (_pos + backlen > _lp.Length - 1) throw new RdbFormatException("listpack backlen overruns");
        // The backlen must encode the entry's size (lpEncodeBacklen): walking backwards relies on it.
        if (!BacklenMatches(_lp.Slice(_pos, backlen), entryLen)) throw new RdbFormatException("listpack backlen mismatch");
        _pos += backlen;
        _seen++;
        _ = start;
        return true;
    }

    /// <summary>Next entry as bytes (integers formatted into <paramref name="scratch"/>).</summary>
    public bool NextBytes(Span<byte> scratch, out ReadOnlySpan<byte> item)
    {
        if (!Next(out item, out bool isInt, out long v)) return false;
        if (isInt) item = scratch[..NumberFormatter.FormatInt64(v, scratch)];
        return true;
    }

    private readonly void Need(int n)
    {
        if (_pos + n > _lp.Length - 1) throw new RdbFormatException("listpack entry overruns");
    }

    private int _seen;

    /// <summary>lpEncodeBacklen's bytes for <paramref name="l"/>: the top bits first, then 7 bits per byte with the high bit set.</summary>
    private static bool BacklenMatches(ReadOnlySpan<byte> backlen, long l)
    {
        int n = backlen.Length;
        if (backlen[0] != (byte)(l >> (7 * (n - 1)))) return false;
        for (int i = 1; i < n; i++)
            if (backlen[i] != (byte)(((l >> (7 * (n - 1 - i))) & 127) | 128)) return false;
        return true;
    }

    private static int BacklenSize(long l) => l <= 127 ? 1 : l < 16383 ? 2 : l < 2097151 ? 3 : l < 268435455 ? 4 : 5;
}
