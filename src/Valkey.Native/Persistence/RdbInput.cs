using System.Buffers.Binary;
using Valkey.Native.Util;

namespace Valkey.Native.Persistence;

/// <summary>
/// Buffered, bounds-checked reader of an RDB stream (a file or a DUMP payload) with the running
/// CRC64. Every claimed length is checked against what remains, so a corrupt length fails at
/// once instead of allocating gigabytes or reading forever.
/// </summary>
public sealed class RdbInput
{
    /// <summary>Largest single string accepted (proto-max-bulk-len's ceiling, and Valkey's string limit).</summary>
    public const long MaxStringLength = 512L * 1024 * 1024;

    private readonly Stream _source;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _pos;
    private int _len;
    private int _crcFrom;
    private ulong _crc;
    private long _consumedBefore;   // bytes of the stream before _buffer[0]
    private readonly long _totalLength;
    private byte[] _lzf = [];

    public RdbInput(Stream source, long totalLength)
    {
        _source = source;
        _totalLength = totalLength;
    }

    public long Position => _consumedBefore + _pos;
    public long Remaining => _totalLength - Position;
    public long TotalLength => _totalLength;

    private bool Fill()
    {
        _crc = Crc64.Update(_crc, _buffer.AsSpan(_crcFrom, _pos - _crcFrom));
        int keep = _len - _pos;
        if (keep > 0) Buffer.BlockCopy(_buffer, _pos, _buffer, 0, keep);
        _consumedBefore += _pos;
        _len = keep;
        _pos = 0;
        _crcFrom = 0;
        int n = _source.Read(_buffer, _len, _buffer.Length - _len);
        if (n <= 0) return false;
        _len += n;
        return true;
    }

    private static RdbFormatException Truncated() => new("Unexpected EOF reading RDB file");

    public byte ReadByte()
    {
        if (_pos == _len && !Fill()) throw Truncated();
        return _buffer[_pos++];
    }

    public void ReadExact(Span<byte> dest)
    {
        if (dest.Length > Remaining) throw Truncated();
        while (dest.Length > 0)
        {
            if (_pos == _len && !Fill()) throw Truncated();
            int n = Math.Min(dest.Length, _len - _pos);
            _buffer.AsSpan(_pos, n).CopyTo(dest);
            _pos += n;
            dest = dest[n..];
        }
    }

    /// <summary>The CRC of everything read so far.</summary>
    public ulong CurrentCrc()
    {
        _crc = Crc64.Update(_crc, _buffer.AsSpan(_crcFrom, _pos - _crcFrom));
        _crcFrom = _pos;
        return _crc;
    }

    public ulong ReadUInt64LittleEndian()
    {
        Span<byte> b = stackalloc byte[8];
        ReadExact(b);
        return BinaryPrimitives.ReadUInt64LittleEndian(b);
    }

    public long ReadMillis() => (long)ReadUInt64LittleEndian();

    public int ReadInt32LittleEndian()
    {
        Span<byte> b = stackalloc byte[4];
        ReadExact(b);
        return BinaryPrimitives.ReadInt32LittleEndian(b);
    }

    public double ReadBinaryDouble() => BitConverter.Int64BitsToDouble((long)ReadUInt64LittleEndian());

    /// <summary>rdbLoadLen: a length, or (<paramref name="encoded"/>) a special string encoding number.</summary>
    public ulong ReadLength(out bool encoded)
    {
        encoded = false;
        byte b = ReadByte();
        int kind = (b & 0xC0) >> 6;
        switch (kind)
        {
            case RdbConstants.EncVal:
                encoded = true;
                return (ulong)(b & 0x3F);
            case RdbConstants.Len6Bit:
                return (ulong)(b & 0x3F);
            case RdbConstants.Len14Bit:
                return (ulong)(((b & 0x3F) << 8) | ReadByte());
        }
        if (b == RdbConstants.Len32Bit)
        {
            Span<byte> v = stackalloc byte[4];
            ReadExact(v);
            return BinaryPrimitives.ReadUInt32BigEndian(v);
        }
        if (b == RdbConstants.Len64Bit)
        {
            Span<byte> v = stackalloc byte[8];
            ReadExact(v);
            return BinaryPrimitives.ReadUInt64BigEndian(v);
        }
        throw new RdbFormatException($"Unknown length encoding {b} in rdbLoadLen()");
    }

    public ulong ReadLength()
    {
        ulong v = ReadLength(out bool encoded);
        if (encoded) throw new RdbFormatException("Unexpected encoded length");
        return v;
    }

    /// <summary>A count of elements: bounded by the bytes left (every element takes at least one byte).</summary>
    public long ReadCount(int minBytesPerElement = 1)
    {
        ulong v = ReadLength();
        if (v > (ulong)Math.Max(0, Remaining) / (ulong)minBytesPerElement) throw new RdbFormatException($"Length {v} exceeds the remaining payload");
        return (long)v;
    }

    /// <summary>rdbGenericLoadStringObject into <paramref name="buffer"/> (grown as needed); returns the length.</summary>
    public int ReadString(ref byte[] buffer)
    {
        ulong len = ReadLength(out bool encoded);
        if (encoded)
        {
            switch ((int)len)
            {
                case RdbConstants.EncInt8: return FormatInto(ref buffer, (sbyte)ReadByte());
                case RdbConstants.EncInt16:
                {
                    Span<byte> b = stackalloc byte[2];
                    ReadExact(b);
                    return FormatInto(ref buffer, BinaryPrimitives.ReadInt16LittleEndian(b));
                }
                case RdbConstants.EncInt32: return FormatInto(ref buffer, ReadInt32LittleEndian());
                case RdbConstants.EncLzf: return ReadLzf(ref buffer);
                default: throw new RdbFormatException($"Unknown RDB string encoding type {len}");
            }
        }
        if (len > (ulong)MaxStringLength || (long)len > Remaining) throw new RdbFormatException($"String length {len} exceeds the remaining payload");
        int n = (int)len;
        if (buffer.Length < n) buffer = new byte[Math.Max(n, buffer.Length * 2)];
        ReadExact(buffer.AsSpan(0, n));
        return n;
    }

    public byte[] ReadStringBytes()
    {
        byte[] buffer = new byte[16];
        int n = ReadString(ref buffer);
        return buffer.AsSpan(0, n).ToArray();
    }

    private static int FormatInto(ref byte[] buffer, long value)
    {
        if (buffer.Length < 24) buffer = new byte[24];
        return NumberFormatter.FormatInt64(value, buffer);
    }

    private int ReadLzf(ref byte[] buffer)
    {
        ulong clen = ReadLength();
        ulong len = ReadLength();
        if (clen > (ulong)Math.Max(0, Remaining) || len > (ulong)MaxStringLength) throw new RdbFormatException("Invalid LZF compressed string length");
        if (_lzf.Length < (int)clen) _lzf = new byte[Math.Max((int)clen, _lzf.Length * 2)];
        ReadExact(_lzf.AsSpan(0, (int)clen));
        int n = (int)len;
        if (buffer.Length < n) buffer = new byte[Math.Max(n, buffer.Length * 2)];
        int got;
        try { got = Lzf.Decompress(_lzf.AsSpan(0, (int)clen), buffer.AsSpan(0, n)); }
        catch (Exception) { got = -1; }
        if (got != n) throw new RdbFormatException("Invalid LZF compressed string");
        return n;
    }
}
