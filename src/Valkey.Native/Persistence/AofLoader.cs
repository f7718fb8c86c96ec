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
        if (!File.Exists(manifestPath))
        {
            // An AOF from before Valkey 7 (one file in dir): loaded as the base; the rewrite that follows
            // at start-up creates the multi-part directory from it (Valkey upgrades it the same way).
            string legacy = Path.GetFullPath(Config.AppendFilename);
            if (!File.Exists(legacy)) return null;
            _server.Log.Notice($"Loading the old-style append only file {legacy}");
            return LoadFiles([legacy]);
        }
        try
        {
            _manifest = AofManifest.Parse(File.ReadAllText(manifestPath));
        }
        catch (Exception e) when (e is FormatException or IOException)
        {
            return $"Failed to load the AOF manifest {manifestPath}: {e.Message}";
        }
        var paths = _manifest.LoadOrder().Select(f => Path.Combine(DirPath, f.Name)).ToList();
        return LoadFiles(paths);
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
        try
        {
            for (int i = 0; i < paths.Count; i++)
            {
                string path = paths[i];
                if (!File.Exists(path)) return $"The AOF file {Path.GetFileName(path)} doesn't exist";
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
        if (IsRdbMagic(magic[..got]))
        {
            // A base written as RDB (.base.rdb, or an old preamble AOF made only of the RDB part).
            _server.Log.Notice($"Reading RDB base file on AOF loading...");
            try
            {
                _server.Keyspace.RefreshClock();
                int every = Config.KeyLoadDelay != 0 ? 1 : 1024;
                long before = _loadedBytesBefore;
                var loaded = RdbLoader.Load(file, length, _server.Keyspace,
                    _server.Persistence.LoadOptions(progress: (keys, bytes) => _server.LoadingState.Progress(keys, before + bytes, every), progressEvery: every));
                _server.Log.Notice($"Reading the remaining AOF tail... ({loaded.Keys} keys from the RDB part)");
                if (file.Position < length && name.EndsWith(AofManifest.AofExt, StringComparison.Ordinal))
                    _server.Log.Warning($"{name}: commands after an RDB preamble are not read (not supported yet)");
            }
            catch (Exception e) when (e is IOException or RdbFormatException)
            {
                error = $"Bad file format reading the append only file {name}: {e.Message}";
                return FileLoad.Failed;
            }
            _server.Log.Notice($"DB loaded from base file {name}");
            return FileLoad.Ok;
        }

        var fake = new Client(_server, -1, -1, ConnectionKind.Tcp) { Authenticated = true, DenyBlocking = true };
        fake.Reply.Enabled = false;
        var reader = new AofReader(file);
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
