using System.Diagnostics;
using Valkey.Native.Networking;
using Valkey.Native.Server;

namespace Valkey.Native.Persistence;

/// <summary>
/// Loading the AOF at start-up (Valkey's loadAppendOnlyFiles / loadSingleAppendOnlyFile): the base
/// (RDB or commands) and then each incremental file, commands executed through the dispatcher by a
/// client with no connection. A torn final command is cut off (aof-load-truncated yes) or stops the
/// server; a MULTI without its EXEC at the end is reverted the same way.
/// </summary>
public sealed unsafe partial class AofPersistence
{
    private enum FileLoad { Ok, Empty, Truncated, Failed }

    /// <summary>Loads the AOF directory if there is one. Returns null or the error (the server must not start).</summary>
    public string? LoadAtStartup()
    {
        string manifestPath = ManifestPath;
        AofManifest? manifest = null;
        if (File.Exists(manifestPath))
        {
            try
            {
                manifest = AofManifest.Parse(File.ReadAllText(manifestPath));
            }
            catch (Exception e) when (e is FormatException or IOException)
            {
                return $"Failed to load the AOF manifest {manifestPath}: {e.Message}";
            }
        }
        // An AOF from before Valkey 7 (one file in dir): as loadAppendOnlyFiles, it becomes the base of a
        // new manifest (moved into the AOF directory) when there is no directory or manifest yet, or when
        // a manifest naming it as its only file was written but the move did not happen.
        string legacy = Path.GetFullPath(Config.AppendFilename);
        if (File.Exists(legacy)
            && (manifest == null
                || manifest.Base?.Name == Config.AppendFilename && manifest.Incr.Count == 0
                   && !File.Exists(Path.Combine(DirPath, Config.AppendFilename))))
        {
            try
            {
                manifest = UpgradeOldStyleAof(legacy);
            }
            catch (IOException e)
            {
                return $"Error trying to move the old AOF file {Config.AppendFilename} into dir {Config.AppendDirName}: {e.Message}";
            }
        }
        if (manifest == null) return null;
        _manifest = manifest;
        var paths = _manifest.LoadOrder().Select(f => Path.Combine(DirPath, f.Name)).ToList();
        return LoadFiles(paths);
    }

    /// <summary>aofUpgradePrepare: a manifest whose base is the old file, then the file moved into the directory.</summary>
    private AofManifest UpgradeOldStyleAof(string legacy)
    {
        Directory.CreateDirectory(DirPath);
        var manifest = new AofManifest { CurrentBaseSeq = 1 };
        manifest.Base = new AofFileInfo(Config.AppendFilename, 1, AofFileType.Base);
        WriteManifest(ManifestPath, manifest);
        File.Move(legacy, Path.Combine(DirPath, Config.AppendFilename));
        _server.Log.Notice($"Successfully migrated an old-style AOF file ({Config.AppendFilename}) into the AOF directory ({Config.AppendDirName}).");
        return manifest;
    }

    /// <summary>
    /// DEBUG LOADAOF: flush and fsync the AOF, empty every database and load the AOF directory again
    /// (nothing loaded is propagated back into the AOF). Returns null or the error.
    /// </summary>
    public string? DebugLoadAof(Client? caller = null)
    {
        CancelBackgroundRewrite();
        if (_incr != null) FlushAndSync();
        foreach (var db in _server.Keyspace.Databases) db.Clear();
        var target = _server.Propagation.Aof;
        _server.Propagation.SetAof(null);
        try
        {
            _loadCaller = caller;
            string? error = LoadAtStartup();
            if (error == null) _server.Log.Notice("Append Only File loaded by DEBUG LOADAOF");
            return error;
        }
        finally
        {
            _server.Propagation.SetAof(target);
        }
    }

    /// <summary>The client whose DEBUG LOADAOF loads (left alone while clients are served: Server/LoadingState.cs).</summary>
    private Client? _loadCaller;
    /// <summary>Bytes of the files before the one loading (INFO's loading_loaded_bytes counts all of them).</summary>
    private long _loadedBytesBefore;

    private string? LoadFiles(List<string> paths)
    {
        var sw = Stopwatch.StartNew();
        long dirtyBefore = _server.Stats.Dirty;
        Loading = true;
        LoadedCommands = 0;
        long total = 0;
        foreach (var p in paths)
        {
            try { total += new FileInfo(p).Length; } catch (IOException) { }
        }
        _loadedBytesBefore = 0;
        bool began = _server.LoadingState.Begin("AOF", total, _loadCaller);
        _loadCaller = null;
        _server.Keyspace.LoadingAof = true;
        try
        {
            for (int i = 0; i < paths.Count; i++)
            {
                string path = paths[i];
                if (!File.Exists(path)) return $"The append log file {Path.GetFileName(path)} doesn't exist: No such file or directory";
                bool last = i == paths.Count - 1;
                var result = LoadOne(path, last, out string? error);
                try { _loadedBytesBefore += new FileInfo(path).Length; } catch (IOException) { }
                if (result == FileLoad.Failed) return error;
                if (result == FileLoad.Truncated && !last)
                    return $"Fatal error: the truncated file {Path.GetFileName(path)} is not the last file";
            }
        }
        finally
        {
            Loading = false;
            _server.Keyspace.LoadingAof = false;
            if (began) _server.LoadingState.End();
            // Loading is not a change to persist (Valkey resets dirty after loading too).
            _server.Stats.Dirty = dirtyBefore;
        }
        _server.Log.Notice($"DB loaded from append only file: {sw.Elapsed.TotalSeconds:F3} seconds");
        return null;
    }

    private FileLoad LoadOne(string path, bool last, out string? error)
    {
        error = null;
        string name = Path.GetFileName(path);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1);
        long length = file.Length;
        if (length == 0) return FileLoad.Empty;
        Span<byte> magic = stackalloc byte[6];
        int got = file.Read(magic);
        file.Position = 0;
        long commandsFrom = 0;
        if (IsRdbMagic(magic[..got]))
        {
            // A base written as RDB (.base.rdb), or an AOF from before Valkey 7 that starts with an RDB
            // preamble followed by commands (loadSingleAppendOnlyFile reads the RDB, then goes on).
            _server.Log.Notice($"Reading RDB base file on AOF loading...");
            try
            {
                _server.Keyspace.RefreshClock();
                int every = Config.KeyLoadDelay != 0 ? 1 : 1024;
                long before = _loadedBytesBefore;
                // Where the last key ended: the RDB's EOF opcode and checksum follow (see RdbEnd).
                long lastKeyEnd = -1;
                var loaded = RdbLoader.Load(file, length, _server.Keyspace,
                    _server.Persistence.LoadOptions(progress: (keys, bytes) =>
                    {
                        lastKeyEnd = bytes;
                        if (keys % every == 0) _server.LoadingState.Progress(keys, before + bytes, every);
                    }, progressEvery: 1));
                commandsFrom = RdbEnd(file, length, lastKeyEnd, loaded.Version);
                if (commandsFrom >= length)
                {
                    _server.Log.Notice($"DB loaded from base file {name}");
                    return FileLoad.Ok;
                }
                _server.Log.Notice($"Reading the remaining AOF tail... ({loaded.Keys} keys from the RDB part)");
                file.Position = commandsFrom;
            }
            catch (Exception e) when (e is IOException or RdbFormatException)
            {
                error = $"Bad file format reading the append only file {name}: {e.Message}";
                return FileLoad.Failed;
            }
        }

        var fake = new Client(_server, -1, -1, ConnectionKind.Tcp) { Authenticated = true, DenyBlocking = true };
        fake.Reply.Enabled = false;
        var reader = new AofReader(file, commandsFrom);
        long validBeforeMulti = -1;
        long lastLog = Environment.TickCount64;
        bool inMulti = false;
        try
        {
            while (true)
            {
                var status = reader.Next();
                if (status == AofReadStatus.End)
                {
                    if (!inMulti) break;
                    // A MULTI without its EXEC: what follows the MULTI is reverted like a torn command.
                    _server.Log.Warning("Revert incomplete MULTI/EXEC transaction in AOF file " + name);
                    return Truncated(path, name, validBeforeMulti, last, out error);
                }
                if (status == AofReadStatus.Truncated)
                    return Truncated(path, name, inMulti ? validBeforeMulti : reader.ValidUpTo, last, out error);
                if (status == AofReadStatus.BadFormat)
                {
                    error = $"Bad file format reading the append only file {name}: make a backup of your AOF file, then use ./valkey-check-aof --fix <filename.manifest>";
                    return FileLoad.Failed;
                }
                var cmdName = reader.Arg(0);
                var spec = _server.Dispatcher.Table.Find(cmdName);
                if (spec == null)
                {
                    error = $"Unknown command '{System.Text.Encoding.UTF8.GetString(cmdName)}' reading the append only file {name}";
                    return FileLoad.Failed;
                }
                if (Commands.CommandContext.AsciiEqualsIgnoreCase(cmdName, "multi"u8))
                {
                    validBeforeMulti = reader.ValidUpTo;
                    inMulti = true;
                }
                else if (Commands.CommandContext.AsciiEqualsIgnoreCase(cmdName, "exec"u8))
                {
                    inMulti = false;
                }
                fixed (byte* data = reader.Data)
                {
                    fake.Context.Bind(data, reader.Args);
                    _server.BeforeCommand();
                    _server.Dispatcher.Execute(fake);
                }
                LoadedCommands++;
                // key-load-delay, and clients served (-LOADING) between commands.
                _server.LoadingState.Progress(LoadedCommands, _loadedBytesBefore + reader.Position);
                if ((LoadedCommands & 1023) == 0 && Environment.TickCount64 - lastLog >= 2000)
                {
                    lastLog = Environment.TickCount64;
                    _server.Log.Notice($"Loading AOF {name}: {LoadedCommands} commands, {reader.Position * 100 / Math.Max(1, length)}% of {length} bytes");
                }
            }
        }
        finally
        {
            fake.Reply.ReleaseBuffers();
        }
        return FileLoad.Ok;
    }

    /// <summary>
    /// The offset just after the RDB part of a file (its EOF opcode and, from RDB 5 on, the 8-byte
    /// checksum). The loader reads ahead in blocks, so the stream position says nothing: the end of the
    /// last key is known from the progress callback and must be followed by the EOF opcode. With no key
    /// (or if that does not hold), the EOF opcode is searched: the first 0xFF whose following 8 bytes are
    /// the CRC64 of everything up to it (or zero: rdbchecksum no) and that is followed by the end of
    /// the file or the start of a command ('*') or annotation ('#').
    /// </summary>
    internal static long RdbEnd(FileStream file, long length, long lastKeyEnd, int version)
    {
        int tail = version >= 5 ? 9 : 1;
        if (lastKeyEnd > 0 && lastKeyEnd + tail <= length)
        {
            file.Position = lastKeyEnd;
            if (file.ReadByte() == 0xFF) return lastKeyEnd + tail;
        }
        file.Position = 0;
        var head = new byte[(int)Math.Min(length, 64L << 20)];
        file.ReadExactly(head);
        for (int p = 9; p + tail <= head.Length; p++)
        {
            if (head[p] != 0xFF) continue;
            int end = p + tail;
            if (end < head.Length && head[end] != '*' && head[end] != '#') continue;
            if (tail == 9)
            {
                ulong stored = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(head.AsSpan(p + 1, 8));
                if (stored != 0 && stored != Util.Crc64.Update(0, head.AsSpan(0, p + 1))) continue;
            }
            return end;
        }
        return length;
    }

    /// <summary>An RDB file starts with "REDIS" (versions up to 11) or "VALKEY" (Valkey 9's version 80+).</summary>
    public static bool IsRdbMagic(ReadOnlySpan<byte> head) => head.StartsWith("REDIS"u8) || head.StartsWith("VALKEY"u8);

    /// <summary>A torn end: cut the file at the last complete command when aof-load-truncated allows it.</summary>
    private FileLoad Truncated(string path, string name, long validUpTo, bool last, out string? error)
    {
        error = null;
        if (!last)
        {
            error = $"Fatal error: the truncated file {name} is not the last file";
            return FileLoad.Failed;
        }
        _server.Log.Warning($"!!! Warning: short read while loading the AOF file {name}!!!");
        _server.Log.Warning($"!!! Truncating the AOF {name} at offset {validUpTo} !!!");
        if (!Config.AofLoadTruncated)
        {
            error = $"Unexpected end of file reading the append only file {name}. You can: " +
                    "1) Make a backup of your AOF file, then use ./valkey-check-aof --fix <filename.manifest>. " +
                    "2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server.";
            return FileLoad.Failed;
        }
        try
        {
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
            fs.SetLength(validUpTo);
            fs.Flush(flushToDisk: true);
        }
        catch (IOException e)
        {
            error = $"Error truncating the AOF file {name}: {e.Message}";
            return FileLoad.Failed;
        }
        _server.Log.Warning($"AOF {name} loaded anyway because aof-load-truncated is enabled");
        return FileLoad.Truncated;
    }
}
