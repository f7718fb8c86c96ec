using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;
using Valkey.Native.Server;

namespace Valkey.Native.Persistence;

/// <summary>
/// The append-only file, Valkey 7+'s multi-part layout (aof.c): <c>appenddirname/</c> holds the
/// manifest, one base file (an RDB written by <see cref="RdbWriter{TView}"/> when
/// aof-use-rdb-preamble is on, else commands) and incremental files. Propagated commands
/// (<see cref="Propagation"/>) are appended to an in-memory buffer, written in beforeSleep before any
/// reply goes out (flushAppendOnlyFile) and fsynced per appendfsync: <c>always</c> on the command thread
/// before the replies are sent, <c>everysec</c> by a background thread, <c>no</c> never.
/// </summary>
/// <remarks>
/// BGREWRITEAOF and automatic rewrites run in the background on the copy-on-write snapshot
/// (AofRewrite.cs); only start-up, shutdown during the first rewrite, and hosts without the snapshot
/// engine write the base in the foreground. Failed background rewrites are counted and make the
/// automatic ones back off (<see cref="AofRewriteLimiter"/>).
/// </remarks>
public sealed unsafe partial class AofPersistence : IPropagationTarget, IDisposable
{
    private readonly ServerContext _server;
    private NativeByteBuffer _buf;
    private SafeFileHandle? _incr;
    private long _incrSize;
    /// <summary>Sizes of the incremental files before the open one, and of the base.</summary>
    private long _olderIncrSize, _baseSize;
    private long _rewriteBaseSize;
    private int _selectedDb = -1;
    private long _lastTimestamp;
    private AofManifest? _manifest;

    // everysec: a background thread fsyncs; the main thread only asks.
    private readonly object _fdLock = new();
    private Thread? _fsyncThread;
    private readonly AutoResetEvent _fsyncRequest = new(false);
    private volatile bool _fsyncInProgress;
    private volatile bool _stopping;
    private long _lastFsyncTicks;
    private long _unsyncedBytes;

    public AofPersistence(ServerContext server)
    {
        _server = server;
        server.Config.Changed += name =>
        {
            if (name == "aof-disable-auto-gc" && !Config.AofDisableAutoGc) DeleteHistoryFiles();
        };
    }

    /// <summary>
    /// aofDelHistoryFiles: the history entries (kept while aof-disable-auto-gc was yes) leave the
    /// manifest and their files are deleted.
    /// </summary>
    private void DeleteHistoryFiles()
    {
        if (_manifest == null || _manifest.History.Count == 0 || Config.AofDisableAutoGc) return;
        var m = _manifest.Clone();
        var history = m.History.ToList();
        m.History.Clear();
        try
        {
            WriteManifest(ManifestPath, m);
        }
        catch (IOException e)
        {
            _server.Log.Warning($"Can't persist the AOF manifest to remove history files: {e.Message}");
            return;
        }
        _manifest = m;
        foreach (var f in history)
        {
            _server.Log.Notice($"Removing the history file {f.Name} in the background");
            TryDelete(Path.Combine(DirPath, f.Name));
        }
    }

    // ---- state for INFO -----------------------------------------------------------------------
    public bool On => _incr != null;
    /// <summary>INFO aof_enabled (aof_state != AOF_OFF): on, waiting for its first rewrite, or its start deferred.</summary>
    public bool Enabled => _incr != null || _startPending;
    public bool LastWriteOk { get; private set; } = true;
    /// <summary>aof_last_bgrewrite_status (aof_lastbgrewrite_status): not reset by CONFIG RESETSTAT.</summary>
    public bool LastRewriteOk { get; private set; } = true;
    /// <summary>
    /// aof_rewrites (stat_aof_rewrites): background rewrites STARTED, counted when one gets under way
    /// (even if it fails later), not when it completes; a scheduled one counts when cron starts it; the
    /// foreground base written at start-up or shutdown is not a background rewrite and is not counted.
    /// </summary>
    public long Rewrites { get; private set; }
    /// <summary>aof_rewrites_consecutive_failures (stat_aofrw_consecutive_failures).</summary>
    public long RewriteFailures { get; private set; }
    /// <summary>aof_last_rewrite_time_sec (aof_rewrite_time_last): -1 until a rewrite ended; not reset by CONFIG RESETSTAT.</summary>
    public long LastRewriteSeconds { get; private set; } = -1;

    /// <summary>aofRewriteLimited: automatic and scheduled rewrites back off after repeated failures.</summary>
    private readonly AofRewriteLimiter _limiter = new();

    private bool RewriteLimited() =>
        _limiter.IsLimited(RewriteFailures, UnixNow(), _server.Log.Warning);

    /// <summary>
    /// BGREWRITEAOF while it cannot start at once (inside EXEC, during a BGSAVE): cron starts it. As
    /// bgrewriteaofCommand, the consecutive failure count is reset so the back-off does not delay it.
    /// </summary>
    public void ScheduleRewrite()
    {
        RewriteScheduled = true;
        RewriteFailures = 0;
        _server.Log.Notice("Background append only file rewriting scheduled.");
    }

    /// <summary>CONFIG RESETSTAT: aof_rewrites, aof_rewrites_consecutive_failures and aof_delayed_fsync (resetServerStats).</summary>
    public void ResetStats()
    {
        Rewrites = 0;
        RewriteFailures = 0;
        DelayedFsync = 0;
    }
    /// <summary>CONFIG SET appendonly yes was deferred (inside EXEC, or during a BGSAVE): the scheduled rewrite turns the AOF on.</summary>
    private bool _startPending;
    /// <summary>aof_rewrite_scheduled: BGREWRITEAOF was asked while it could not start at once; Cron starts it.</summary>
    public bool RewriteScheduled { get; set; }
    public long CurrentSize => _baseSize + _olderIncrSize + _incrSize;
    public long BaseSize => _baseSize;
    public long BufferLength => _buf.Length;
    /// <summary>
    /// INFO mem_aof_buffer: the bytes the AOF buffer holds allocated (Valkey reports the sds allocation
    /// of aof_buf). Counted in used_memory and, as Valkey's freeMemoryGetNotCountedMemory, subtracted
    /// again for maxmemory (mem_not_counted_for_evict) while the AOF is on: writes must not evict keys.
    /// </summary>
    public long BufferAllocated => _buf.Capacity;
    public long DelayedFsync { get; private set; }
    public bool FsyncInProgress => _fsyncInProgress;
    public bool Loading { get; private set; }
    public long LoadedCommands { get; private set; }

    private ServerConfig Config => _server.Config;
    public string DirPath => Path.GetFullPath(Config.AppendDirName);
    private string ManifestPath => Path.Combine(DirPath, AofManifest.ManifestName(Config.AppendFilename));

    // ---- feeding (IPropagationTarget) ---------------------------------------------------------

    /// <summary>feedAppendOnlyFile: timestamp annotation, SELECT when the database changes, the command.</summary>
    public void Feed(int dbId, ReadOnlySpan<byte> command)
    {
        if (Config.AofTimestampEnabled)
        {
            long now = UnixNow();
            if (now != _lastTimestamp)
            {
                _lastTimestamp = now;
                _buf.Append("#TS:"u8);
                Span<byte> digits = stackalloc byte[24];
                _buf.Append(digits[..Util.NumberFormatter.FormatInt64(now, digits)]);
                _buf.Append("\r\n"u8);
            }
        }
        if (dbId >= 0 && dbId != _selectedDb)
        {
            _buf.AppendHeader((byte)'*', 2);
            _buf.AppendBulk("SELECT"u8);
            _buf.AppendBulk(dbId);
            _selectedDb = dbId;
        }
        _buf.Append(command);
    }

    // ---- writing and fsync --------------------------------------------------------------------

    /// <summary>flushAppendOnlyFile, from beforeSleep: before any reply of this iteration is sent.</summary>
    public void BeforeSleep()
    {
        if (_incr == null) return;
        if (_buf.Length > 0) Write();
        if (_unsyncedBytes > 0 && !FsyncPostponed)
        {
            if (Config.AppendFsync == "everysec") RequestBackgroundFsync();
            // 'always' writes that skipped their fsync during a background write get it once it ended.
            else if (Config.AppendFsync == "always") FlushAndSync();
        }
    }

    /// <summary>
    /// no-appendfsync-on-rewrite: while a rewrite or a BGSAVE writes in the background, the AOF is
    /// written but not fsynced (whatever appendfsync says), so the command thread never waits on a
    /// disk busy with the other write; the next fsync after it ends covers what was skipped.
    /// </summary>
    private bool FsyncPostponed => Config.NoAppendFsyncOnRewrite && (_job != null || _server.Persistence.BgsaveInProgress);

    /// <summary>
    /// A socket became writable before beforeSleep: with appendfsync always, what is buffered is written and
    /// fsynced first, so no reply can acknowledge a write the AOF does not hold (Valkey's AE_BARRIER).
    /// </summary>
    public void BeforeRepliesLeave()
    {
        if (_buf.Length > 0 && _incr != null && Config.AppendFsync == "always") Write();
    }

    /// <summary>DEBUG AOF-FLUSH-SLEEP: microseconds slept before each write of the buffer (server.aof_flush_sleep).</summary>
    public long FlushSleepMicros { get; set; }

    private void Write()
    {
        if (FlushSleepMicros > 0) Thread.Sleep(TimeSpan.FromMicroseconds(FlushSleepMicros));
        try
        {
            RandomAccess.Write(_incr!, _buf.Span, _incrSize);
        }
        catch (IOException e)
        {
            // The buffer is kept and retried next time; with 'always' an acknowledged write could be
            // lost, so (as Valkey) the server exits instead of replying.
            LastWriteOk = false;
            _server.Log.Warning($"Error writing to the AOF file: {e.Message}");
            if (Config.AppendFsync == "always")
            {
                _server.Log.Warning("Can't recover from AOF write error when the AOF fsync policy is 'always'. Exiting...");
                Environment.Exit(1);
            }
            return;
        }
        if (!LastWriteOk) _server.Log.Warning("AOF write error looks solved. The server can write again.");
        LastWriteOk = true;
        _incrSize += _buf.Length;
        _unsyncedBytes += _buf.Length;
        _buf.Length = 0;
        // As flushAppendOnlyFile: a small buffer is kept for reuse, a big one (a burst) is given back.
        _buf.ShrinkIfIdle(4096);
        if (Config.AppendFsync == "always" && !FsyncPostponed)
        {
            if (FdataSync((int)_incr!.DangerousGetHandle()) != 0)
            {
                _server.Log.Warning($"Can't persist AOF for fsync error when the AOF fsync policy is 'always': errno {Marshal.GetLastPInvokeError()}. Exiting...");
                Environment.Exit(1);
            }
            _unsyncedBytes = 0;
        }
    }

    private void RequestBackgroundFsync()
    {
        long now = Environment.TickCount64;
        if (now - Interlocked.Read(ref _lastFsyncTicks) < 1000) return;
        if (_fsyncInProgress)
        {
            // Valkey counts a write that found the previous fsync still running (aof_delayed_fsync).
            DelayedFsync++;
            return;
        }
        _unsyncedBytes = 0;
        _fsyncInProgress = true;
        _fsyncRequest.Set();
    }

    private void FsyncLoop()
    {
        while (true)
        {
            _fsyncRequest.WaitOne();
            if (_stopping) return;
            lock (_fdLock)
            {
                if (_incr is { IsClosed: false } h) FdataSync((int)h.DangerousGetHandle());
            }
            Interlocked.Exchange(ref _lastFsyncTicks, Environment.TickCount64);
            _fsyncInProgress = false;
        }
    }

    /// <summary>Writes what is buffered and fsyncs now (shutdown, rewrite, appendonly no).</summary>
    public void FlushAndSync()
    {
        if (_incr == null) return;
        if (_buf.Length > 0) Write();
        lock (_fdLock) FdataSync((int)_incr.DangerousGetHandle());
        _unsyncedBytes = 0;
    }

    [LibraryImport("libc", EntryPoint = "fdatasync", SetLastError = true)]
    private static partial int FdataSync(int fd);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    // ---- start-up, on/off -----------------------------------------------------------------------

    /// <summary>
    /// Start-up with appendonly yes: opens the last incremental file of the manifest for appending, or,
    /// when there is no AOF yet, writes a first base from the loaded dataset (Valkey does a rewrite too).
    /// Returns null or the error.
    /// </summary>
    public string? OpenAtStartup()
    {
        // aofOpenIfNeededOnServerStart: only an empty start writes a base; a manifest with a base and
        // no incremental file (an upgraded old-style AOF) just gets a new incremental file.
        if (_manifest == null || _manifest.Base == null && _manifest.Incr.Count == 0)
            return Rewrite("AOF created at start-up");
        if (_manifest.Incr.Count == 0)
        {
            var m = _manifest.Clone();
            m.CurrentIncrSeq++;
            m.Incr.Add(new AofFileInfo(AofManifest.IncrName(Config.AppendFilename, m.CurrentIncrSeq), m.CurrentIncrSeq, AofFileType.Incr));
            try
            {
                File.Create(Path.Combine(DirPath, m.Incr[0].Name)).Dispose();
                WriteManifest(ManifestPath, m);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return $"Can't open the append-only file {m.Incr[0].Name}: {e.Message}";
            }
            _manifest = m;
        }
        string path = Path.Combine(DirPath, _manifest.Incr[^1].Name);
        try
        {
            _incr = File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.ReadWrite);
            _incrSize = RandomAccess.GetLength(_incr);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"Can't open the append-only file {path}: {e.Message}";
        }
        _baseSize = _manifest.Base != null ? FileSize(_manifest.Base.Name) : 0;
        _olderIncrSize = 0;
        for (int i = 0; i < _manifest.Incr.Count - 1; i++) _olderIncrSize += FileSize(_manifest.Incr[i].Name);
        _rewriteBaseSize = CurrentSize;
        Attach();
        return null;
    }

    private long FileSize(string name)
    {
        try { return new FileInfo(Path.Combine(DirPath, name)).Length; }
        catch (IOException) { return 0; }
    }

    private void Attach()
    {
        _selectedDb = -1;
        _lastTimestamp = 0;
        if (_fsyncThread == null)
        {
            _stopping = false;
            _fsyncThread = new Thread(FsyncLoop) { IsBackground = true, Name = "aof-fsync" };
            _fsyncThread.Start();
        }
        _server.Propagation.SetAof(this);
    }

    /// <summary>CONFIG SET appendonly yes (startAppendOnly): a rewrite writes the current dataset, then commands are appended.</summary>
    public string? Start()
    {
        if (_incr != null) return null;
        // As startAppendOnly: inside EXEC (CONFIG SET queued in MULTI runs nested in EXEC's call) or
        // while a BGSAVE runs, the rewrite that turns the AOF on is scheduled; cron starts it.
        bool inExec = _server.Propagation.Depth > 1;
        if (inExec || _server.Persistence.BgsaveInProgress)
        {
            _startPending = true;
            RewriteScheduled = true;
            _server.Log.Notice(inExec
                ? "AOF was enabled during a transaction. An AOF background was scheduled to start when possible."
                : "AOF was enabled but there is already another background operation. An AOF background was scheduled to start when possible.");
            return null;
        }
        if (_job != null)
        {
            // A rewrite of appendonly no (BGREWRITEAOF) does not accumulate commands: start over.
            _server.Log.Notice("AOF was enabled but there is already an AOF rewriting in background. Stopping background AOF and starting a rewrite now.");
            CancelBackgroundRewrite();
        }
        // startAppendOnly: the first base is written in the background (AOF_WAIT_REWRITE, commands
        // accumulate in a temporary incremental file); without the snapshot engine, in the foreground.
        string? error = StartBackgroundRewrite("AOF enabled (appendonly yes)", enabling: true);
        return error != null && error.StartsWith("ERR ", StringComparison.Ordinal) ? null : error;
    }

    /// <summary>CONFIG SET appendonly no (stopAppendOnly): flush, fsync and close; files stay for the next start.</summary>
    public void Stop()
    {
        // stopAppendOnly drops any scheduled rewrite: the deferred start, a BGREWRITEAOF waiting for a
        // BGSAVE, or the retry of a failed first rewrite.
        if (_startPending || RewriteScheduled && (_incr != null || _waitRewrite))
        {
            _startPending = false;
            RewriteScheduled = false;
            _server.Log.Notice("AOF was disabled but there is a scheduled AOF background, cancel it.");
        }
        // stopAppendOnly kills a running rewrite (killAppendOnlyChild).
        CancelBackgroundRewrite();
        if (_waitRewrite)
        {
            // The first base was still being written: nothing of this AOF is in a manifest yet.
            DiscardTempIncr();
            _server.Log.Notice("AOF stopped (appendonly no) before its first rewrite completed");
            return;
        }
        if (_incr == null) return;
        FlushAndSync();
        _server.Propagation.SetAof(null);
        lock (_fdLock)
        {
            _incr.Dispose();
            _incr = null;
        }
        _server.Log.Notice("AOF stopped (appendonly no)");
    }

    /// <summary>Shutdown: everything written and fsynced (Valkey's prepareForShutdown).</summary>
    public void OnShutdown()
    {
        CancelBackgroundRewrite();
        if (_waitRewrite)
        {
            // The first base is not written yet (Valkey refuses to exit then): write it now, in the
            // foreground, so nothing acknowledged is lost.
            DiscardTempIncr();
            Rewrite("Writing the initial AOF before exiting", attach: true);
        }
        if (_incr == null) return;
        _server.Log.Notice("Calling fsync() on the AOF file.");
        FlushAndSync();
    }

    // ---- rewrite ----------------------------------------------------------------------------------

    /// <summary>
    /// rewriteAppendOnlyFile + backgroundRewriteDoneHandler in one step (foreground): a new base from
    /// the dataset, a new empty incremental file, the manifest swapped atomically, old files deleted.
    /// Also attaches the AOF when it was off. Returns null or the error (the old AOF stays in use).
    /// <paramref name="background"/>: it stands in for a background rewrite (already counted as started),
    /// so it ends as backgroundRewriteDoneHandler would (status, failures, duration); the start-up and
    /// shutdown bases are Valkey's plain rewriteAppendOnlyFile and leave the rewrite stats alone.
    /// </summary>
    public string? Rewrite(string reason, bool attach = true, bool background = false)
    {
        // BGREWRITEAOF with appendonly no writes a base (and manifest) only, as Valkey does.
        CancelBackgroundRewrite();
        if (_waitRewrite)
        {
            DiscardTempIncr();
            attach = true;
        }
        attach |= _incr != null;
        var sw = Stopwatch.StartNew();
        _server.Log.Notice(reason);
        string dir = DirPath;
        var old = _manifest;
        var next = new AofManifest
        {
            CurrentBaseSeq = (old?.CurrentBaseSeq ?? 0) + 1,
            CurrentIncrSeq = (old?.CurrentIncrSeq ?? 0) + 1,
        };
        bool rdb = Config.AofUseRdbPreamble;
        string baseName = AofManifest.BaseName(Config.AppendFilename, next.CurrentBaseSeq, rdb);
        string incrName = AofManifest.IncrName(Config.AppendFilename, next.CurrentIncrSeq);
        next.Base = new AofFileInfo(baseName, next.CurrentBaseSeq, AofFileType.Base);
        if (attach) next.Incr.Add(new AofFileInfo(incrName, next.CurrentIncrSeq, AofFileType.Incr));
        else next.CurrentIncrSeq--;
        string temp = Path.Combine(dir, $"temp-rewriteaof-{Environment.ProcessId}.aof");
        SafeFileHandle? newIncr = null;
        try
        {
            Directory.CreateDirectory(dir);
            // What is buffered belongs to the old files: it must be there before they are replaced.
            if (_incr != null) FlushAndSync();
            _server.Keyspace.RefreshClock();
            using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 64 * 1024))
            {
                Stream target = Config.AofRewriteIncrementalFsync ? new AutoSyncStream(file, AutoSyncStream.DefaultBytes) : file;
                var root = KeyspaceRoot.CaptureLive(_server.Keyspace, Config.MaxMemoryPolicy, Commands.ServerCommands.UsedMemory(_server));
                if (rdb)
                {
                    var output = new RdbOutput(target, Config.RdbChecksum, Config.RdbCompression);
                    using var writer = new RdbWriter<LiveMemoryView>(output, root, default);
                    writer.WriteFile(ServerContext.Version);
                }
                else
                {
                    new AofBaseWriter<LiveMemoryView>(target, root, default).Write(RewriteTimestamp());
                }
                file.Flush(flushToDisk: true);
            }
            File.Move(temp, Path.Combine(dir, baseName), overwrite: true);
            if (attach) newIncr = File.OpenHandle(Path.Combine(dir, incrName), FileMode.Create, FileAccess.Write, FileShare.ReadWrite);
            WriteManifest(ManifestPath, next);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or RdbFormatException or InvalidOperationException or NotSupportedException)
        {
            try { File.Delete(temp); } catch (IOException) { }
            newIncr?.Dispose();
            if (background) RewriteEnded(ok: false);
            _server.Log.Warning($"Error rewriting the append only file: {e.Message}");
            return e.Message;
        }
        lock (_fdLock)
        {
            _incr?.Dispose();
            _incr = newIncr;
        }
        _incrSize = 0;
        _olderIncrSize = 0;
        _baseSize = FileSize(baseName);
        _rewriteBaseSize = CurrentSize;
        _manifest = next;
        // Old base, incremental and history files are no longer referenced by the manifest.
        if (old != null)
        {
            foreach (var f in old.LoadOrder().Concat(old.History))
            {
                if (f.Name == baseName || f.Name == incrName) continue;
                try { File.Delete(Path.Combine(dir, f.Name)); } catch (IOException) { }
            }
        }
        if (background) RewriteEnded(ok: true);
        if (attach) Attach();
        _server.Log.Notice($"Background AOF rewrite terminated with success (ran in the foreground, {sw.ElapsedMilliseconds} ms)");
        return null;
    }

    /// <summary>The <c>#TS:</c> annotation a command base starts with when aof-timestamp-enabled is on, else -1.</summary>
    private long RewriteTimestamp() => Config.AofTimestampEnabled ? UnixNow() : -1;

    /// <summary>Writes the manifest to a temp file, fsyncs it and renames it over the old one (atomic swap).</summary>
    public static void WriteManifest(string path, AofManifest manifest)
    {
        string dir = Path.GetDirectoryName(path) ?? ".";
        string temp = Path.Combine(dir, "temp-" + Path.GetFileName(path));
        using (var fs = new FileStream(temp, FileMode.Create, FileAccess.Write))
        {
            fs.Write(Encoding.UTF8.GetBytes(manifest.Format()));
            fs.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
        NativeFile.FsyncDirectory(dir);
    }

    /// <summary>serverCron: automatic rewrite when the AOF grew enough, and the everysec fsync when idle.</summary>
    public void Cron()
    {
        CheckBackgroundRewriteDone();
        // A BGREWRITEAOF that arrived inside EXEC or during a BGSAVE starts once nothing else runs
        // (subject to the back-off, as Valkey's serverCron: only a failed first rewrite of appendonly
        // yes can be scheduled with failures counted, BGREWRITEAOF resets them).
        if (RewriteScheduled && _job == null && !_server.Persistence.BgsaveInProgress && !RewriteLimited())
        {
            if (_startPending)
            {
                // appendonly yes was set inside EXEC or during a BGSAVE: turn the AOF on now.
                RewriteScheduled = false;
                _startPending = false;
                if (Start() is { } error) _server.Log.Warning($"The scheduled AOF rewrite for appendonly yes failed: {error}");
            }
            // The flag is cleared once the rewrite gets under way: one that cannot start stays
            // scheduled and is tried again (serverCron's aof_rewrite_scheduled).
            else StartBackgroundRewrite(_waitRewrite ? "AOF enabled (appendonly yes), retrying the first rewrite" : "BGREWRITEAOF (scheduled)");
        }
        // appendonly yes whose first rewrite was cancelled (DEBUG LOADAOF): try again (a failed one
        // is retried through RewriteScheduled above, with the back-off).
        if (_waitRewrite && _job == null && !RewriteScheduled && !_server.Persistence.BgsaveInProgress)
            StartBackgroundRewrite("AOF enabled (appendonly yes), retrying the first rewrite", enabling: true);
        if (_incr == null) return;
        BeforeSleep();
        int percentage = Config.AutoAofRewritePercentage;
        // As serverCron: only with the AOF on (not while its first rewrite is pending) and no other
        // background job (a BGSAVE holds the snapshot: starting now would rewrite in the foreground).
        if (percentage > 0 && _job == null && !_waitRewrite && !_server.Persistence.BgsaveInProgress
            && CurrentSize > Config.AutoAofRewriteMinSize)
        {
            long baseSize = Math.Max(1, _rewriteBaseSize);
            long growth = CurrentSize * 100 / baseSize - 100;
            if (growth >= percentage && !RewriteLimited())
            {
                _server.Log.Notice($"Starting automatic rewriting of AOF on {growth}% growth");
                StartBackgroundRewrite("Automatic AOF rewrite");
            }
        }
    }

    public void Dispose()
    {
        if (_job != null) CancelBackgroundRewrite();
        _stopping = true;
        _fsyncRequest.Set();
        lock (_fdLock)
        {
            _incr?.Dispose();
            _incr = null;
        }
        _buf.Free();
    }
}
