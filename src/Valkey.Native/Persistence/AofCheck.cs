using System.Text;

namespace Valkey.Native.Persistence;

/// <summary>
/// <c>valkey-native check-aof [--fix|--truncate-to-timestamp ts] FILE|MANIFEST</c>, with valkey-check-aof's
/// behaviour and output (tests and tools grep it): a manifest checks the base (RDB or RESP) and every
/// incremental file; any other file is an old-style AOF, possibly starting with an RDB preamble. Each
/// RESP part is parsed command by command (a MULTI without EXEC counts as torn); the report says where
/// the valid part ends (<c>ok_up_to</c>, and <c>ok_up_to_line</c>, the running count of lines read,
/// carried across the files of a manifest as the original does). A torn end of the last file can be
/// cut off (--fix, after a y/N prompt), or the last file cut at the first <c>#TS:</c> annotation past
/// a Unix time (--truncate-to-timestamp). Exit code 0 when everything is valid or was fixed, else 1.
/// </summary>
public static class AofCheck
{
    private enum Result { Ok, Empty, Truncated, TimestampTruncated }

    /// <summary>valkey-check-aof's exit(code) from deep inside the check.</summary>
    private sealed class Exit(int code) : Exception
    {
        public int Code { get; } = code;
    }

    private const int AnnotationLineMax = 1024;

    private static long _line;
    private static long _toTimestamp;
    private static string _error = "";
    private static long _errorPos;

    public static int Run(string[] args)
    {
        _line = 1;
        _toTimestamp = 0;
        _error = "";
        bool fix = false;
        string path;
        if (args.Length == 1)
        {
            if (args[0] is "-v" or "--version")
            {
                Console.WriteLine($"valkey-check-aof {Server.ServerContext.Version}");
                return 0;
            }
            path = args[0];
        }
        else if (args.Length == 2 && args[0] == "--fix")
        {
            path = args[1];
            fix = true;
        }
        else if (args.Length == 3 && args[0] == "--truncate-to-timestamp")
        {
            if (!long.TryParse(args[1], out _toTimestamp))
            {
                Console.WriteLine("Invalid timestamp, aborting...");
                return 1;
            }
            path = args[2];
        }
        else
        {
            Console.WriteLine("Usage: valkey-check-aof [--fix|--truncate-to-timestamp $timestamp] <file.manifest|file.aof>");
            return 1;
        }
        try
        {
            string dir = Path.GetDirectoryName(path) is { Length: > 0 } d ? d : ".";
            if (IsManifest(path)) CheckMultiPart(dir, path, fix);
            else CheckOldStyle(path, fix, IsRdb(path));
            return 0;
        }
        catch (Exit e)
        {
            return e.Code;
        }
        finally
        {
            Console.Out.Flush();
        }
    }

    private static FileStream OpenOrExit(string path, FileAccess access)
    {
        try
        {
            return new FileStream(path, FileMode.Open, access, FileShare.ReadWrite);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.WriteLine($"Cannot open file {path}: {(e is FileNotFoundException or DirectoryNotFoundException ? "No such file or directory" : e.Message)}");
            throw new Exit(1);
        }
    }

    /// <summary>fileIsManifest: the first non-comment lines start with "file".</summary>
    private static bool IsManifest(string path)
    {
        using var fs = OpenOrExit(path, FileAccess.Read);
        using var reader = new StreamReader(fs, Encoding.Latin1);
        bool manifest = false;
        while (reader.ReadLine() is { } line)
        {
            if (line.StartsWith('#')) continue;
            if (line.StartsWith("file", StringComparison.Ordinal)) manifest = true;
            else break;
        }
        return manifest;
    }

    /// <summary>fileIsRDB: at least an RDB header's worth of bytes starting with the RDB magic.</summary>
    private static bool IsRdb(string path)
    {
        using var fs = OpenOrExit(path, FileAccess.Read);
        if (fs.Length < 8) return false;
        Span<byte> magic = stackalloc byte[6];
        int got = fs.Read(magic);
        return AofPersistence.IsRdbMagic(magic[..got]);
    }

    private static void CheckMultiPart(string dir, string manifestPath, bool fix)
    {
        Console.WriteLine("Start checking Multi Part AOF");
        AofManifest manifest;
        try
        {
            manifest = AofManifest.Parse(File.ReadAllText(manifestPath));
        }
        catch (Exception e) when (e is FormatException or IOException)
        {
            Console.WriteLine($"Invalid AOF manifest file format: {e.Message}");
            throw new Exit(1);
        }
        int total = (manifest.Base != null ? 1 : 0) + manifest.Incr.Count, seen = 0;
        if (manifest.Base != null)
        {
            string file = Path.Combine(dir, manifest.Base.Name);
            bool rdb = File.Exists(file) && IsRdb(file);
            Console.WriteLine($"Start to check BASE AOF ({(rdb ? "RDB" : "RESP")} format).");
            var result = CheckSingle(manifest.Base.Name, file, ++seen == total, fix, rdb);
            PrintResult(result, manifest.Base.Name, "BASE AOF");
        }
        if (manifest.Incr.Count > 0)
        {
            Console.WriteLine("Start to check INCR files.");
            foreach (var incr in manifest.Incr)
            {
                var result = CheckSingle(incr.Name, Path.Combine(dir, incr.Name), ++seen == total, fix, preamble: false);
                PrintResult(result, incr.Name, "INCR AOF");
            }
        }
        Console.WriteLine("All AOF files and manifest are valid");
    }

    private static void CheckOldStyle(string path, bool fix, bool preamble)
    {
        Console.WriteLine("Start checking Old-Style AOF");
        PrintResult(CheckSingle(path, path, last: true, fix, preamble), path, "AOF");
    }

    private static void PrintResult(Result result, string name, string kind)
    {
        switch (result)
        {
            case Result.Ok: Console.WriteLine($"{kind} {name} is valid"); break;
            case Result.Empty: Console.WriteLine($"{kind} {name} is empty"); break;
            case Result.TimestampTruncated: Console.WriteLine($"Successfully truncated AOF {name} to timestamp {_toTimestamp}"); break;
            case Result.Truncated: Console.WriteLine($"Successfully truncated AOF {name}"); break;
        }
    }

    private static void SetError(long pos, string message)
    {
        _errorPos = pos;
        _error = message;
    }

    private static Result CheckSingle(string name, string path, bool last, bool fix, bool preamble)
    {
        long size;
        long pos = 0;
        bool annotationTruncated = false;
        using (var fs = OpenOrExit(path, FileAccess.ReadWrite))
        {
            size = fs.Length;
            if (size == 0) return Result.Empty;
            long start = 0;
            if (preamble)
            {
                try
                {
                    long lastKeyEnd = -1;
                    var loaded = RdbLoader.Load(fs, size, null, new RdbLoadOptions { DryRun = true, Progress = (_, bytes) => lastKeyEnd = bytes, ProgressEveryKeys = 1 });
                    start = AofPersistence.RdbEnd(fs, size, lastKeyEnd, loaded.Version);
                }
                catch (Exception e) when (e is IOException or RdbFormatException)
                {
                    Console.WriteLine($"RDB preamble of AOF file is not sane, aborting. ({e.Message})");
                    throw new Exit(1);
                }
                Console.WriteLine("RDB preamble is OK, proceeding with AOF tail...");
            }
            var r = new Reader(fs, start);
            int multi = 0;
            while (true)
            {
                if (multi == 0) pos = r.Position;
                int b = r.Peek();
                if (b < 0) break;
                if (b == '#')
                {
                    if (!ProcessAnnotation(r, fs, path, last))
                    {
                        annotationTruncated = true;
                        break;
                    }
                }
                else if (b == '*')
                {
                    if (!ProcessCommand(r, path, ref multi)) break;
                }
                else
                {
                    Console.WriteLine($"AOF {name} format error");
                    break;
                }
            }
            if (annotationTruncated) return Result.TimestampTruncated;
            if (r.Eof && multi != 0 && _error.Length == 0) SetError(r.Position, "Reached EOF before reading EXEC for MULTI");
        }
        if (_error.Length > 0) Console.WriteLine($"0x{_errorPos,16:x}: {_error}");
        long diff = size - pos;
        if (diff == 0 && _toTimestamp != 0)
        {
            Console.WriteLine($"Truncate nothing in AOF {name} to timestamp {_toTimestamp}");
            return Result.Ok;
        }
        Console.WriteLine($"AOF analyzed: filename={name}, size={size}, ok_up_to={pos}, ok_up_to_line={_line}, diff={diff}");
        if (diff <= 0) return Result.Ok;
        if (!fix)
        {
            Console.WriteLine($"AOF {name} is not valid. Use the --fix option to try fixing it.");
            throw new Exit(1);
        }
        if (!last)
        {
            Console.WriteLine($"Failed to truncate AOF {name} because it is not the last file");
            throw new Exit(1);
        }
        Console.WriteLine($"This will shrink the AOF {name} from {size} bytes, with {diff} bytes, to {pos} bytes");
        Console.Write("Continue? [y/N]: ");
        Console.Out.Flush();
        string? answer = Console.In.ReadLine();
        if (answer == null || !answer.StartsWith('y') && !answer.StartsWith('Y'))
        {
            Console.WriteLine("Aborting...");
            throw new Exit(1);
        }
        try
        {
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
            fs.SetLength(pos);
            fs.Flush(flushToDisk: true);
        }
        catch (IOException)
        {
            Console.WriteLine($"Failed to truncate AOF {name}");
            throw new Exit(1);
        }
        return Result.Truncated;
    }

    /// <summary>processAnnotations: skips a '#' line; with --truncate-to-timestamp cuts the file at a later #TS:.</summary>
    private static bool ProcessAnnotation(Reader r, FileStream fs, string path, bool last)
    {
        long at = r.Position;
        var line = r.ReadLine(AnnotationLineMax - 1);
        if (line.Length == 0)
        {
            Console.WriteLine($"Failed to read annotations from AOF {path}, aborting...");
            throw new Exit(1);
        }
        if (_toTimestamp == 0 || !line.AsSpan().StartsWith("#TS:"u8)) return true;
        int end = 4;
        while (end < line.Length && line[end] >= '0' && line[end] <= '9') end++;
        if (end == 4 || end >= line.Length || line[end] != '\r'
            || !long.TryParse(Encoding.ASCII.GetString(line, 4, end - 4), out long ts))
        {
            Console.WriteLine("Invalid timestamp annotation");
            throw new Exit(1);
        }
        if (ts <= _toTimestamp) return true;
        if (at == 0)
        {
            Console.WriteLine($"AOF {path} has nothing before timestamp {_toTimestamp}, aborting...");
            throw new Exit(1);
        }
        if (!last)
        {
            Console.WriteLine($"Failed to truncate AOF {path} to timestamp {_toTimestamp} to offset {at} because it is not the last file.");
            Console.WriteLine("If you insist, please delete all files after this file according to the manifest file and delete the corresponding records in manifest file manually. Then re-run valkey-check-aof.");
            throw new Exit(1);
        }
        try
        {
            fs.SetLength(at);
            fs.Flush(flushToDisk: true);
        }
        catch (IOException)
        {
            Console.WriteLine($"Failed to truncate AOF {path} to timestamp {_toTimestamp}");
            throw new Exit(1);
        }
        return false;
    }

    /// <summary>processRESP: one array of bulk strings; MULTI/EXEC must pair up.</summary>
    private static bool ProcessCommand(Reader r, string path, ref int multi)
    {
        if (!ReadNumber(r, (byte)'*', out long argc)) return false;
        Span<byte> head = stackalloc byte[8];
        for (long i = 0; i < argc; i++)
        {
            if (!ReadNumber(r, (byte)'$', out long length)) return false;
            if (length < 0 || length > long.MaxValue - 2)
            {
                SetError(r.Position, $"Expected to read string of {length} bytes, which is not in the suitable range");
                return false;
            }
            long at = r.Position;
            bool name = i == 0 && length <= 8;
            long got = r.Skip(length + 2, name ? head[..(int)length] : default, out byte cr, out byte lf);
            if (got != length + 2)
            {
                SetError(at, $"Expected to read {length + 2} bytes, got {got} bytes");
                return false;
            }
            if (cr != '\r' || lf != '\n')
            {
                SetError(at, $"Expected \\r\\n, got: {cr:x2}{lf:x2}");
                return false;
            }
            _line++;
            if (!name) continue;
            var command = head[..(int)length];
            if (Commands.CommandContext.AsciiEqualsIgnoreCase(command, "multi"u8))
            {
                if (multi++ != 0)
                {
                    SetError(at, $"Unexpected MULTI in AOF {path}");
                    return false;
                }
            }
            else if (Commands.CommandContext.AsciiEqualsIgnoreCase(command, "exec"u8))
            {
                if (--multi != 0)
                {
                    SetError(at, $"Unexpected EXEC in AOF {path}");
                    return false;
                }
            }
        }
        return true;
    }

    /// <summary>readLong: a "&lt;prefix&gt;&lt;number&gt;\r\n" line (at most 127 bytes, as fgets with a 128-byte buffer).</summary>
    private static bool ReadNumber(Reader r, byte prefix, out long value)
    {
        value = 0;
        long at = r.Position;
        var line = r.ReadLine(127);
        if (line.Length == 0) return false;
        if (line[0] != prefix)
        {
            SetError(at, $"Expected prefix '{(char)prefix}', got: '{(char)line[0]}'");
            return false;
        }
        // strtol: optional sign and digits; whatever follows must be CRLF.
        int p = 1;
        bool negative = p < line.Length && line[p] == '-';
        if (p < line.Length && (line[p] == '-' || line[p] == '+')) p++;
        while (p < line.Length && line[p] >= '0' && line[p] <= '9')
        {
            value = unchecked(value * 10 + (line[p] - '0'));
            p++;
        }
        if (negative) value = -value;
        byte c0 = p < line.Length ? line[p] : (byte)0, c1 = p + 1 < line.Length ? line[p + 1] : (byte)0;
        if (c0 != '\r' || c1 != '\n')
        {
            SetError(at, $"Expected \\r\\n, got: {c0:x2}{c1:x2}");
            return false;
        }
        _line++;
        return true;
    }

    /// <summary>A forward reader that knows its file offset and whether it ran into the end.</summary>
    private sealed class Reader(FileStream fs, long start)
    {
        private readonly BufferedStream _in = Init(fs, start);
        public long Position { get; private set; } = start;
        public bool Eof { get; private set; }
        private int _peeked = -2;

        private static BufferedStream Init(FileStream fs, long start)
        {
            fs.Position = start;
            return new BufferedStream(fs, 64 * 1024);
        }

        public int Peek()
        {
            if (_peeked == -2) _peeked = _in.ReadByte();
            if (_peeked < 0) Eof = true;
            return _peeked;
        }

        private int Next()
        {
            int b = Peek();
            _peeked = -2;
            if (b >= 0) Position++;
            return b;
        }

        /// <summary>fgets: up to <paramref name="max"/> bytes, stopping after '\n'; empty at the end of the file.</summary>
        public byte[] ReadLine(int max)
        {
            var line = new List<byte>(32);
            while (line.Count < max)
            {
                int b = Next();
                if (b < 0) break;
                line.Add((byte)b);
                if (b == '\n') break;
            }
            return [.. line];
        }

        /// <summary>fread of <paramref name="count"/> bytes: keeps the first ones in <paramref name="head"/> and the last two.</summary>
        public long Skip(long count, Span<byte> head, out byte beforeLast, out byte last)
        {
            beforeLast = last = 0;
            long got = 0;
            while (got < count)
            {
                int b = Next();
                if (b < 0) break;
                if (got < head.Length) head[(int)got] = (byte)b;
                beforeLast = last;
                last = (byte)b;
                got++;
            }
            return got;
        }
    }
}
