using System.Diagnostics;
using Valkey.Native.Server;
using Valkey.Native.Storage;

namespace Valkey.Native.Persistence;

/// <summary>
/// The server's RDB state and operations (Valkey's rdbSave / rdbLoad callers in server.c, debug.c):
/// SAVE and BGSAVE, save points from the cron, save-on-shutdown, loading at start-up, DEBUG RELOAD,
/// and the counters INFO persistence reports.
/// </summary>
/// <remarks>
/// BGSAVE and save points run the writer over a copy-on-write snapshot on a background thread
/// (BackgroundSave.cs). Files are written to temp-&lt;pid&gt;.rdb in the same directory, fsynced, then renamed over dbfilename,
/// so a failed save never damages the last good file.
/// </remarks>
public sealed partial class RdbPersistence(ServerContext server)
{
    private long _dirtyAtLastSave;
    private long _lastSaveAttemptMs;

    public long LastSaveUnix { get; private set; } = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
    /// <summary>Valkey's lastbgsave_status: set by background saves (BGSAVE, save points), cleared by any successful save.</summary>
    public bool LastBgsaveOk { get; private set; } = true;
    public long Saves { get; private set; }
    public long LastSaveDurationSec { get; private set; } = -1;
    public long LastLoadKeysLoaded { get; private set; }
    public long LastLoadKeysExpired { get; private set; }
    public bool Loading { get; private set; }
    public long LoadingStartUnix { get; private set; }
    public long LoadingTotalBytes { get; private set; }
    public long LoadingLoadedBytes { get; private set; }
    public long LoadingLoadedKeys { get; private set; }
    public long ChangesSinceLastSave => server.Stats.Dirty - _dirtyAtLastSave;

    public string FilePath => Path.GetFullPath(server.Config.DbFilename);

    public RdbLoadOptions LoadOptions(bool replaceExisting = false, Action<long, long>? progress = null, int progressEvery = 1024) => new()
    {
        Progress = progress,
        ProgressEveryKeys = progressEvery,
        HashMaxListpackEntries = server.Config.HashMaxListpackEntries,
        HashMaxListpackValue = server.Config.HashMaxListpackValue,
        ListLimits = server.ListLimits,
        SetLimits = new SetLimits(server.Config.SetMaxIntsetEntries, server.Config.SetMaxListpackEntries, server.Config.SetMaxListpackValue),
        ZsetLimits = new SortedSetLimits(server.Config.ZsetMaxListpackEntries, server.Config.ZsetMaxListpackValue),
        StreamNodeMaxBytes = server.Config.StreamNodeMaxBytes,
        StreamNodeMaxEntries = server.Config.StreamNodeMaxEntries,
        ReplaceExisting = replaceExisting,
    };

    // ---- saving -------------------------------------------------------------------------

    /// <summary>rdbSave: writes the whole keyspace to dbfilename. Returns null or the error text (also logged).</summary>
    public string? Save(string reason = "DB saved on disk")
    {
        var sw = Stopwatch.StartNew();
        string final = FilePath;
        string dir = Path.GetDirectoryName(final) ?? ".";
        string temp = Path.Combine(dir, $"temp-{Environment.ProcessId}.rdb");
        // killRDBChild: a background save finishing later would overwrite this newer file (BackgroundSave.cs).
        KillBackgroundSave("Background saving cancelled by a foreground save");
        _lastSaveAttemptMs = Environment.TickCount64;
        try
        {
            server.Keyspace.RefreshClock();
            var root = KeyspaceRoot.CaptureLive(server.Keyspace, server.Config.MaxMemoryPolicy, ServerCommandsUsedMemory());
            using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.None))
            {
                var output = new RdbOutput(file, server.Config.RdbChecksum, server.Config.RdbCompression);
                using var writer = new RdbWriter<LiveMemoryView>(output, root, default);
                writer.WriteFile(ServerContext.Version);
                file.Flush(flushToDisk: true);
            }
            File.Move(temp, final, overwrite: true);
            NativeFile.FsyncDirectory(dir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or RdbFormatException or OperationCanceledException)
        {
            try { File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            server.Log.Warning($"Write error saving DB on disk: {e.Message}");
            return e.Message;
        }
        _dirtyAtLastSave = server.Stats.Dirty;
        LastSaveUnix = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        LastBgsaveOk = true;
        Saves++;
        LastSaveDurationSec = (long)sw.Elapsed.TotalSeconds;
        server.Log.Notice(reason);
        return null;
    }

    private long ServerCommandsUsedMemory() => Commands.ServerCommands.UsedMemory(server);

    /// <summary>BGSAVE: on a copy-on-write snapshot in the background (Persistence/BackgroundSave.cs).</summary>
    public BgsaveOutcome BackgroundSave(bool schedule = false) => StartBackgroundSave(schedule);

    /// <summary>Save points (serverCron): a save when enough changes happened in enough time.</summary>
    public void Cron()
    {
        CheckBackgroundSaveDone();
        if (_bgJob != null || server.Aof.RewriteInProgress) return;
        if (_bgScheduled) { StartBackgroundSave(schedule: false); return; }
        var points = server.Config.Save;
        if (points.Length == 0 || Loading) return;
        long changes = ChangesSinceLastSave;
        if (changes == 0) return;
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        foreach (var (seconds, needed) in points)
        {
            // After a failed save, retry only every 5 seconds (CONFIG_BGSAVE_RETRY_DELAY).
            if (changes >= needed && now - LastSaveUnix > seconds
                && (LastBgsaveOk || Environment.TickCount64 - _lastSaveAttemptMs > 5000))
            {
                server.Log.Notice($"{needed} changes in {seconds} seconds. Saving...");
                StartBackgroundSave(schedule: false, reason: "Background saving started");
                return;
            }
        }
    }

    /// <summary>Whether writes are refused (stop-writes-on-bgsave-error after a failed save with save points).</summary>
    public bool WritesRefused => !LastBgsaveOk && server.Config.StopWritesOnBgsaveError && server.Config.Save.Length > 0;

    // ---- loading ------------------------------------------------------------------------

    /// <summary>Loads dbfilename if it exists (start-up). Returns null, or the error (the server must not start).</summary>
    public string? LoadAtStartup()
    {
        string path = FilePath;
        if (!File.Exists(path)) return null;
        var sw = Stopwatch.StartNew();
        string? error = LoadFile(path, replaceExisting: false, out var result);
        if (error != null)
        {
            server.Log.Warning($"Fatal error loading the DB, check server logs. Exiting. ({error})");
            // rdbReportError's last words when a file on disk is corrupt (tests look for them).
            server.Log.Warning("Terminating server after rdb file reading failure.");
            return error;
        }
        if (result!.EmptyKeysSkipped > 0)
            server.Log.Notice($"Done loading RDB, keys loaded: {result.Keys - result.ExpiredSkipped}, keys expired: {result.ExpiredSkipped}, empty keys skipped: {result.EmptyKeysSkipped}.");
        else server.Log.Notice($"Done loading RDB, keys loaded: {result.Keys - result.ExpiredSkipped}, keys expired: {result.ExpiredSkipped}.");
        server.Log.Notice($"DB loaded from disk: {sw.Elapsed.TotalSeconds:F3} seconds");
        return null;
    }

    /// <summary>Reads an RDB file into the keyspace; returns null or the error text.</summary>
    /// <remarks>
    /// Clients are served meanwhile (-LOADING for most commands: Server/LoadingState.cs); <paramref name="caller"/>
    /// is the client whose command loads (DEBUG RELOAD), left alone until the load ends.
    /// </remarks>
    public string? LoadFile(string path, bool replaceExisting, out RdbLoadResult? result, Networking.Client? caller = null)
    {
        result = null;
        bool began = false;
        Loading = true;
        LoadingStartUnix = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        LoadingLoadedBytes = LoadingLoadedKeys = 0;
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1);
            LoadingTotalBytes = file.Length;
            began = server.LoadingState.Begin("RDB", file.Length, caller);
            int progressEvery = server.Config.KeyLoadDelay != 0 ? 1 : 1024;
            var withProgress = LoadOptions(replaceExisting, (keys, bytes) =>
            {
                LoadingLoadedKeys = keys;
                LoadingLoadedBytes = bytes;
                // key-load-delay, progress lines and serving clients (-LOADING) while this runs.
                server.LoadingState.Progress(keys, bytes, progressEvery);
            }, progressEvery);
            server.Log.Notice($"Loading RDB {path} ({LoadingTotalBytes} bytes)");
            server.Keyspace.RefreshClock();
            result = RdbLoader.Load(file, file.Length, server.Keyspace, withProgress);
            if (result.Aux.TryGetValue("valkey-ver", out var vv) || result.Aux.TryGetValue("redis-ver", out vv))
                server.Log.Notice($"RDB version {result.Version} produced by version {vv}");
            foreach (var name in result.EmptyKeyNames) server.Log.Notice($"rdbLoadObject skipping empty key: {name}");
            if (result.Aux.ContainsKey("functions-skipped"))
                server.Log.Warning("The RDB file contains function libraries; they were skipped (no functions engine)");
            LastLoadKeysLoaded = result.Keys - result.ExpiredSkipped;
            LastLoadKeysExpired = result.ExpiredSkipped;
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or RdbFormatException)
        {
            server.Log.Warning($"Short read or OOM loading DB. Unrecoverable error, aborting now. {e.Message}");
            return e.Message;
        }
        finally
        {
            Loading = false;
            if (began) server.LoadingState.End();
        }
    }

    /// <summary>DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]; returns null or the error reply.</summary>
    public string? DebugReload(bool merge, bool noFlush, bool noSave, Networking.Client? caller = null)
    {
        if (!noSave && Save() != null) return "ERR Error trying to save the server DB";
        if (!noFlush)
        {
            foreach (var db in server.Keyspace.Databases) db.Clear();
        }
        string? error = LoadFile(FilePath, replaceExisting: merge, out _, caller);
        if (error != null) return "ERR Error trying to load the RDB dump, check server logs.";
        server.Log.Notice("DB reloaded by DEBUG RELOAD");
        _dirtyAtLastSave = server.Stats.Dirty;
        return null;
    }
}
