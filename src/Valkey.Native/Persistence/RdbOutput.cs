using System.Buffers.Binary;
using Valkey.Native.Util;

namespace Valkey.Native.Persistence;

/// <summary>
/// The byte sink of the RDB writer: buffers output, keeps the running CRC64 (when checksums are on)
/// and hands full buffers to a stream (a file, or a MemoryStream for DUMP). Holds the primitive
/// encoders of rdb.c (lengths, strings with integer or LZF encoding, binary doubles, times).
/// </summary>
public sealed class RdbOutput
{
    private readonly Stream _target;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _used;
    private byte[] _lzf = new byte[256];

    public RdbOutput(Stream target, bool checksum, bool compress)
    {
        _target = target;
        Checksum = checksum;
        Compress = compress;
    }

    public bool Checksum { get; }
    public bool Compress { get; }
    public ulong Crc { get; private set; }
    public long BytesWritten { get; private set; }

    public void Flush()
    {
        if (_used == 0) return;
        if (Checksum) Crc = Crc64.Update(Crc, _buffer.AsSpan(0, _used));
        _target.Write(_buffer, 0, _used);
        BytesWritten += _used;
        _used = 0;
    }

    public void WriteByte(byte b)
    {
        if (_used == _buffer.Length) Flush();
        _buffer[_used++] = b;
    }

    public void WriteRaw(ReadOnlySpan<byte> data)
    {
        while (data.Length > 0)
        {
            if (_used == _buffer.Length) Flush();
            int n = Math.Min(data.Length, _buffer.Length - _used);
            data[..n].CopyTo(_buffer.AsSpan(_used));
            _used += n;
            data = data[n..];
        }
    }

    /// <summary>Writes the CRC trailer (0 when checksums are off, which loaders then skip) and flushes.</summary>
    public void Finish()
    {
        Flush();
        Span<byte> crc = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(crc, Checksum ? Crc : 0);
        _target.Write(crc);
        BytesWritten += 8;
    }

    public void WriteLength(ulong length)
    {
        if (length < 1 << 6) WriteByte((byte)length);
        else if (length < 1 << 14)
        {
            WriteByte((byte)(((length >> 8) & 0x3F) | 0x40));
            WriteByte((byte)length);
        }
        else if (length <= uint.MaxValue)
        {
            Span<byte> b = stackalloc byte[5];
            b[0] = RdbConstants.Len32Bit;
            BinaryPrimitives.WriteUInt32BigEndian(b[1..], (uint)length);
            WriteRaw(b);
        }
        else
        {
            Span<byte> b = stackalloc byte[9];
            b[0] = RdbConstants.Len64Bit;
            BinaryPrimitives.WriteUInt64BigEndian(b[1..], length);
            WriteRaw(b);
        }
    }

    public void WriteLength(long length) => WriteLength((ulong)length);

    /// <summary>rdbSaveMillisecondTime: 8 bytes little endian.</summary>
    public void WriteMillis(long ms)
    {
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(b, ms);
        WriteRaw(b);
    }

    /// <summary>rdbSaveBinaryDoubleValue: the IEEE bits, little endian.</summary>
    public void WriteBinaryDouble(double d)
    {
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteDoubleLittleEndian(b, d);
        WriteRaw(b);
    }

    /// <summary>An integer in the smallest RDB integer string encoding, or as its decimal text.</summary>
    public void WriteInteger(long value)
    {
        if (value >= sbyte.MinValue && value <= sbyte.MaxValue)
        {
            WriteByte((RdbConstants.EncVal << 6) | RdbConstants.EncInt8);
            WriteByte((byte)(sbyte)value);
        }
        else if (value >= short.MinValue && value <= short.MaxValue)
        {
            WriteByte((RdbConstants.EncVal << 6) | RdbConstants.EncInt16);
            WriteByte((byte)value);
            WriteByte((byte)(value >> 8));
        }
        else if (value >= int.MinValue && value <= int.MaxValue)
        {
            Span<byte> b = stackalloc byte[5];
            b[0] = (RdbConstants.EncVal << 6) | RdbConstants.EncInt32;
            BinaryPrimitives.WriteInt32LittleEndian(b[1..], (int)value);
            WriteRaw(b);
        }
        else
        {
            Span<byte> text = stackalloc byte[24];
            int n = NumberFormatter.FormatInt64(value, text);
            WriteLength(n);
            WriteRaw(text[..n]);
        }
    }

    /// <summary>
    /// rdbSaveRawString: strings of up to 11 bytes that are canonical 32-bit-range integers use an
    /// integer encoding; longer ones are LZF-compressed when rdbcompression is on, they are over
    /// 20 bytes and compression saves at least 4 bytes (as rdbSaveLzfStringObject decides);
    /// anything else is length + bytes.
    /// </summary>
    public void WriteString(ReadOnlySpan<byte> s)
    {
        if (s.Length <= 11 && s.Length > 0 && Storage.Listpack.IsCanonicalInteger(s, out long v)
            && v >= int.MinValue && v <= int.MaxValue)
        {
            WriteInteger(v);
            return;
        }
        if (Compress && s.Length > 20 && TryWriteLzf(s)) return;
        WriteLength(s.Length);
        WriteRaw(s);
    }

    private bool TryWriteLzf(ReadOnlySpan<byte> s)
    {
        int budget = s.Length - 4;
        if (_lzf.Length < budget) _lzf = new byte[Math.Max(budget, _lzf.Length * 2)];
        int compressed = Lzf.Compress(s, _lzf.AsSpan(0, budget));
        if (compressed == 0) return false;
        WriteByte((RdbConstants.EncVal << 6) | RdbConstants.EncLzf);
        WriteLength(compressed);
        WriteLength(s.Length);
        WriteRaw(_lzf.AsSpan(0, compressed));
        return true;
    }
}
