using Valkey.Native.Protocol;

namespace Valkey.Native.Persistence;

/// <summary>What <see cref="AofReader.Next"/> found.</summary>
public enum AofReadStatus { Command, End, Truncated, BadFormat }

/// <summary>
/// Reads the commands of an AOF file (RESP arrays of bulk strings, with '#' annotation lines such
/// as <c>#TS:1700000000</c> between them), as Valkey's loadSingleAppendOnlyFile and valkey-check-aof
/// parse it. Tracks the offset after the last complete command, where a torn file can be cut.
/// </summary>
public sealed class AofReader
{
    private readonly Stream _stream;
    private readonly byte[] _io = new byte[64 * 1024];
    private int _ioPos, _ioLen;
    private long _ioBase;
    private byte[] _data = new byte[1024];
    private int _dataLen;

    public AofReader(Stream stream, long startOffset = 0)
    {
        _stream = stream;
        _ioBase = startOffset;
    }

    /// <summary>The current command's arguments, as offsets into <see cref="Data"/>.</summary>
    public ArgList Args { get; } = new();
    public byte[] Data => _data;
    public ReadOnlySpan<byte> Arg(int i) => _data.AsSpan(Args.OffsetAt(i), Args.LengthAt(i));

    /// <summary>Bytes consumed so far.</summary>
    public long Position => _ioBase + _ioPos;

    /// <summary>Offset just after the last complete command or annotation (valid_up_to).</summary>
    public long ValidUpTo { get; private set; }

    /// <summary>Why the file is bad (for BadFormat).</summary>
    public string Error { get; private set; } = "";

    /// <summary>The last '#' annotation line read (without '#' and CRLF), if any.</summary>
    public string? LastAnnotation { get; private set; }

    public AofReadStatus Next()
    {
        Args.Clear();
        _dataLen = 0;
        ValidUpTo = Position;
        while (true)
        {
            int first = PeekByte();
            if (first < 0) return AofReadStatus.End;
            if (first != '#') break;
            // An annotation: a whole line is skipped (Valkey ignores unknown ones too).
            var line = ReadLine(4096, out bool eof);
            if (eof) return AofReadStatus.Truncated;
            if (line == null) return Bad("Annotation line too long");
            LastAnnotation = System.Text.Encoding.ASCII.GetString(line, 1, line.Length - 1);
            ValidUpTo = Position;
        }
        var header = ReadLine(64, out bool headerEof);
        if (headerEof) return AofReadStatus.Truncated;
        if (header == null || header.Length < 2 || header[0] != '*') return Bad("Bad file format reading the append only file");
        if (!TryParseLong(header.AsSpan(1), out long argc) || argc < 1 || argc > int.MaxValue) return Bad("Bad file format reading the append only file");
        Span<byte> crlf = stackalloc byte[2];
        for (long i = 0; i < argc; i++)
        {
            var bulk = ReadLine(64, out bool eof);
            if (eof) return AofReadStatus.Truncated;
            if (bulk == null || bulk.Length < 2 || bulk[0] != '$') return Bad("Bad file format reading the append only file");
            if (!TryParseLong(bulk.AsSpan(1), out long len) || len < 0 || len > 1L << 32) return Bad("Bad file format reading the append only file");
            if (_dataLen + len > _data.Length) Array.Resize(ref _data, (int)Math.Min(int.MaxValue - 64, Math.Max(_data.Length * 2L, _dataLen + len)));
            if (!ReadExact(_data.AsSpan(_dataLen, (int)len))) return AofReadStatus.Truncated;
            Args.Add(_dataLen, (int)len);
            _dataLen += (int)len;
            if (!ReadExact(crlf)) return AofReadStatus.Truncated;
            if (crlf[0] != '\r' || crlf[1] != '\n') return Bad("Bad file format reading the append only file");
        }
        return AofReadStatus.Command;
    }

    private AofReadStatus Bad(string message)
    {
        Error = message;
        return AofReadStatus.BadFormat;
    }

    private static bool TryParseLong(ReadOnlySpan<byte> s, out long v) => Util.NumberParser.TryParseInt64(s, out v);

    private bool Fill()
    {
        _ioBase += _ioLen;
        _ioPos = 0;
        _ioLen = _stream.Read(_io, 0, _io.Length);
        return _ioLen > 0;
    }

    private int PeekByte()
    {
        if (_ioPos >= _ioLen && !Fill()) return -1;
        return _io[_ioPos];
    }

    /// <summary>A CRLF-terminated line (without CRLF); null if longer than max; eof when the file ends first.</summary>
    private byte[]? ReadLine(int max, out bool eof)
    {
        eof = false;
        Span<byte> line = stackalloc byte[max + 2];
        int n = 0;
        while (true)
        {
            if (_ioPos >= _ioLen && !Fill()) { eof = true; return null; }
            byte b = _io[_ioPos++];
            if (b == '\n' && n > 0 && line[n - 1] == '\r') return line[..(n - 1)].ToArray();
            if (n == line.Length) return null;
            line[n++] = b;
        }
    }

    private bool ReadExact(Span<byte> dest)
    {
        while (dest.Length > 0)
        {
            if (_ioPos >= _ioLen && !Fill()) return false;
            int n = Math.Min(dest.Length, _ioLen - _ioPos);
            _io.AsSpan(_ioPos, n).CopyTo(dest);
            _ioPos += n;
            dest = dest[n..];
        }
        return true;
    }
}
