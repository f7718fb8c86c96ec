using System.Diagnostics;
using Valkey.Native.Server;
using Valkey.Native.Storage.Snapshot;

namespace Valkey.Native.Persistence;

/// <summary>
/// BGREWRITEAOF and automatic rewrites in the background with the fork-free copy-on-write snapshot
/// (Storage/Snapshot): as Valkey 7+'s multi-part rewrite, a new incremental file is opened (and
/// recorded in the manifest) when the rewrite starts, so commands keep being appended while the new
/// base is written from the snapshot on another thread; when it is done (cron) the manifest is swapped
/// to the new base plus the incremental files opened since, and the older files are deleted.
/// The base is an RDB (aof-use-rdb-preamble yes, RdbWriter) or commands (AofBaseWriter), both read
/// through the snapshot's memory view. When the snapshot engine is unavailable, or if the background
/// write fails (e.g. a stream, which neither writer can read from a snapshot yet), the rewrite runs in
/// the foreground instead (logged).
/// </summary>
public sealed partial class AofPersistence
{
    private BackgroundSnapshot<KeyspaceRoot>? _job;
    private string? _jobTemp;
    private int _jobFirstIncr;
    /// <summary>The running job writes an RDB base (else commands): decides the base file's extension.</summary>
    private bool _jobRdb;
    private readonly Stopwatch _jobClock = new();
    /// <summary>
    /// aof_rewrite_time_start: the Unix second the running rewrite started, -1 when none. INFO's
    /// rewrite times are differences of whole wall-clock seconds, as Valkey's time(NULL) arithmetic.
    /// </summary>
    private long _rewriteStartUnix = -1;

    public bool RewriteInProgress => _job != null;
    /// <summary>aof_current_rewrite_time_sec: -1 unless a background rewrite runs.</summary>
    public long CurrentRewriteSeconds => _job != null ? UnixNow() - _rewriteStartUnix : -1;

    private static long UnixNow() => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    /// <summary>
    /// rewriteAppendOnlyFileBackground once its files are ready: stat_aof_rewrites counts rewrites
    /// started (before the fork, so one that fails later still counts), and the start time is taken.
    /// </summary>
    private void RewriteStarted()
    {
        Rewrites++;
        _rewriteStartUnix = UnixNow();
    }

    /// <summary>
    /// backgroundRewriteDoneHandler's bookkeeping: status, consecutive failures (the back-off) and the
    /// duration. A failed first rewrite of appendonly yes (AOF_WAIT_REWRITE) is scheduled again: the
    /// AOF keeps waiting, commands keep going to the temporary file, and the retry starts over from a
    /// new snapshot.
    /// </summary>
    private void RewriteEnded(bool ok)
    {
        LastRewriteOk = ok;
        RewriteFailures = ok ? 0 : RewriteFailures + 1;
        LastRewriteSeconds = _rewriteStartUnix < 0 ? 0 : UnixNow() - _rewriteStartUnix;
        _rewriteStartUnix = -1;
        if (!ok && _waitRewrite) RewriteScheduled = true;
    }

    /// <summary>
    /// AOF_WAIT_REWRITE: appendonly was turned on and its first base is being written in the background.
    /// Commands go to a temporary incremental file outside the manifest (Valkey's temp INCR); when the base
    /// is done the file is renamed into the new manifest with it. Until then a crash loads the old files.
    /// </summary>
    private bool _waitRewrite;

    private string TempIncrPath => Path.Combine(DirPath, $"temp-{Config.AppendFilename}.incr");

    /// <summary>Closes and deletes the temporary incremental file of AOF_WAIT_REWRITE (failed or abandoned first rewrite).</summary>
    private void DiscardTempIncr()
    {
        if (!_waitRewrite) return;
        _waitRewrite = false;
        _server.Propagation.SetAof(null);
        lock (_fdLock)
        {
            _incr?.Dispose();
            _incr = null;
        }
        _buf.Length = 0;
        _incrSize = 0;
        _server.Log.Notice($"Removing the temp incr aof file {Path.GetFileName(TempIncrPath)} in the background");
        TryDelete(TempIncrPath);
    }

    /// <summary>
    /// rewriteAppendOnlyFileBackground. Returns null or the error reply text. <paramref name="enabling"/>:
    /// the first rewrite of CONFIG SET appendonly yes (startAppendOnly), which also attaches the AOF.
    /// </summary>
    public string? StartBackgroundRewrite(string reason, bool enabling = false)
    {
        if (_job != null) return Commands.ErrorMessages.AofRewriteInProgress;
        bool firstEnable = enabling && !_waitRewrite;
        enabling |= _waitRewrite;
        if (!CowSnapshot.IsSupported)
        {
            DiscardTempIncr();
            RewriteStarted();
            ClearScheduledOnStart();
            return Rewrite(reason + " (running in the foreground: " + CowSnapshot.UnsupportedReason + ")", attach: enabling, background: true);
        }
        bool rdb = Config.AofUseRdbPreamble;
        bool autoSync = Config.AofRewriteIncrementalFsync;
        long timestamp = RewriteTimestamp();
        string dir = DirPath;
        try
        {
            Directory.CreateDirectory(dir);
            _jobFirstIncr = int.MaxValue;
            if (enabling)
            {
                // A fresh temporary incremental file: what an earlier attempt logged is in the new
                // snapshot already (the buffer too), so it starts empty at the snapshot.
                var handle = File.OpenHandle(TempIncrPath, FileMode.Create, FileAccess.Write, FileShare.ReadWrite);
                lock (_fdLock)
                {
                    _incr?.Dispose();
                    _incr = handle;
                }
                _buf.Length = 0;
                _incrSize = 0;
                _unsyncedBytes = 0;
                if (!_waitRewrite)
                {
                    _waitRewrite = true;
                    Attach();
                }
                _selectedDb = -1;
            }
            else if (_incr != null)
            {
                // From now on commands go to a new incremental file: it follows the new base.
                FlushAndSync();
                var m = _manifest!.Clone();
                m.CurrentIncrSeq++;
                var incr = new AofFileInfo(AofManifest.IncrName(Config.AppendFilename, m.CurrentIncrSeq), m.CurrentIncrSeq, AofFileType.Incr);
                m.Incr.Add(incr);
                var handle = File.OpenHandle(Path.Combine(dir, incr.Name), FileMode.Create, FileAccess.Write, FileShare.ReadWrite);
                try
                {
                    WriteManifest(ManifestPath, m);
                }
                catch
                {
                    handle.Dispose();
                    throw;
                }
                lock (_fdLock)
                {
                    _incr.Dispose();
                    _incr = handle;
                }
                _olderIncrSize += _incrSize;
                _incrSize = 0;
                _selectedDb = -1;
                _manifest = m;
                _jobFirstIncr = m.Incr.Count - 1;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // As rewriteAppendOnlyFileBackground when the directory or the new incremental file cannot
            // be made: status err, nothing started nor counted, a scheduled rewrite stays scheduled.
            LastRewriteOk = false;
            _server.Log.Warning($"Can't rewrite append only file in background: {e.Message}");
            return firstEnable ? Commands.ErrorMessages.AofCantTurnOn : Commands.ErrorMessages.AofRewriteCantStart;
        }
        RewriteStarted();
        try
        {
            string temp = Path.Combine(dir, $"temp-rewriteaof-bg-{Environment.ProcessId}.aof");
            _jobTemp = temp;
            var keyspace = _server.Keyspace;
            string policy = Config.MaxMemoryPolicy;
            long used = Commands.ServerCommands.UsedMemory(_server);
            bool checksum = Config.RdbChecksum, compress = Config.RdbCompression;
            long keySaveDelayUs = Config.RdbKeySaveDelay;
            _job = BackgroundSnapshot<KeyspaceRoot>.Start(keyspace.Arena,
                // Nested tables and stream groups resolved in the pause; rdb-key-save-delay applies to
                // the rewrite too (Valkey's tests use it to keep a rewrite running).
                _ => KeyspaceRoot.CaptureForSnapshot(keyspace, policy, used, keySaveDelayUs),
                (root, view, job) =>
                {
                    using var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 64 * 1024);
                    Stream target = autoSync ? new AutoSyncStream(file, AutoSyncStream.DefaultBytes) : file;
                    if (rdb)
                    {
                        var output = new RdbOutput(target, checksum, compress);
                        using var writer = new RdbWriter<SnapshotMemoryView>(output, root, view);
                        writer.WriteFile(ServerContext.Version, _ => !job.CancelRequested);
                    }
                    else
                    {
                        new AofBaseWriter<SnapshotMemoryView>(target, root, view).Write(timestamp, () => !job.CancelRequested);
                    }
                    if (job.CancelRequested) throw new OperationCanceledException("rewrite cancelled");
                    file.Flush(flushToDisk: true);
                }, "aofrewrite");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or NotSupportedException)
        {
            // The snapshot (our fork) could not start: the same rewrite, already counted, runs in the
            // foreground instead and ends as a finished background one would.
            _job = null;
            _server.Log.Warning($"Can't rewrite append only file in background: {e.Message}; rewriting in the foreground");
            DiscardTempIncr();
            ClearScheduledOnStart();
            return Rewrite(reason + " (running in the foreground)", attach: enabling, background: true);
        }
        ClearScheduledOnStart();
        _jobRdb = rdb;
        _jobClock.Restart();
        _server.Log.Notice($"{reason}: background append only file rewriting started (copy-on-write snapshot)");
        return null;
    }

    /// <summary>backgroundRewriteDoneHandler, from cron: installs the new base when the background write is done.</summary>
    private void CheckBackgroundRewriteDone()
    {
        if (_job == null || !_job.TryComplete()) return;
        var job = _job;
        _job = null;
        string temp = _jobTemp!;
        string dir = DirPath;
        if (job.Error != null)
        {
            // As a rewrite child that exited with an error: counted (the automatic rewrites back off
            // after AofRewriteLimiter.Threshold of them), the incremental files opened for it stay in
            // the manifest, and nothing is redone in the foreground (that would block the server).
            TryDelete(temp);
            RewriteEnded(ok: false);
            _server.Log.Warning($"Background AOF rewrite failed: {job.Error.Message}");
            _server.Log.Warning("Background AOF rewrite terminated with error");
            return;
        }
        if (_waitRewrite)
        {
            InstallFirstBase(temp);
            return;
        }
        var old = _manifest;
        var next = new AofManifest
        {
            CurrentBaseSeq = (old?.CurrentBaseSeq ?? 0) + 1,
            CurrentIncrSeq = old?.CurrentIncrSeq ?? 0,
        };
        string baseName = AofManifest.BaseName(Config.AppendFilename, next.CurrentBaseSeq, _jobRdb);
        next.Base = new AofFileInfo(baseName, next.CurrentBaseSeq, AofFileType.Base);
        if (old != null && _jobFirstIncr < old.Incr.Count) next.Incr.AddRange(old.Incr.Skip(_jobFirstIncr));
        else if (old != null && _incr != null) next.Incr.Add(old.Incr[^1]);
        if (old != null && Config.AofDisableAutoGc)
        {
            // The replaced files stay as history, newest first (Valkey adds each at the list head:
            // the old base, then every rewritten incremental file).
            var kept = next.Incr.Select(f => f.Name).ToHashSet();
            var history = new List<AofFileInfo>();
            if (old.Base != null) history.Insert(0, new AofFileInfo(old.Base.Name, old.Base.Seq, AofFileType.History));
            foreach (var f in old.Incr)
            {
                if (!kept.Contains(f.Name)) history.Insert(0, new AofFileInfo(f.Name, f.Seq, AofFileType.History));
            }
            next.History.AddRange(history);
            next.History.AddRange(old.History);
        }
        try
        {
            File.Move(temp, Path.Combine(dir, baseName), overwrite: true);
            WriteManifest(ManifestPath, next);
        }
        catch (IOException e)
        {
            // The old manifest stays in use: the new base (moved or not) is not referenced by it.
            TryDelete(temp);
            TryDelete(Path.Combine(dir, baseName));
            RewriteEnded(ok: false);
            _server.Log.Warning($"Error installing the rewritten append only file: {e.Message}");
            return;
        }
        _manifest = next;
        if (old != null)
        {
            var keep = next.LoadOrder().Concat(next.History).Select(f => f.Name).ToHashSet();
            foreach (var f in old.LoadOrder().Concat(old.History))
            {
                if (!keep.Contains(f.Name)) TryDelete(Path.Combine(dir, f.Name));
            }
        }
        _baseSize = FileSize(baseName);
        _olderIncrSize = 0;
        for (int i = 0; i < next.Incr.Count - 1; i++) _olderIncrSize += FileSize(next.Incr[i].Name);
        if (_incr == null && next.Incr.Count > 0) _olderIncrSize += FileSize(next.Incr[^1].Name);
        _rewriteBaseSize = CurrentSize;
        RewriteEnded(ok: true);
        _server.Log.Notice($"Background AOF rewrite terminated with success ({_jobClock.ElapsedMilliseconds} ms, {job.CopiedBytes} bytes copied on write)");
        _server.Log.Notice("Background AOF rewrite finished successfully");
    }

    /// <summary>
    /// A rewrite got under way: aof_rewrite_scheduled is cleared (a scheduled one is covered by it),
    /// unless appendonly yes is still waiting to attach (Cron's deferred start does that).
    /// </summary>
    private void ClearScheduledOnStart()
    {
        if (!_startPending) RewriteScheduled = false;
    }

    /// <summary>
    /// The first base of appendonly yes is written: a new manifest with it and the temporary incremental
    /// file renamed as the next incremental file; the files of the old manifest are deleted.
    /// </summary>
    private void InstallFirstBase(string temp)
    {
        string dir = DirPath;
        var old = _manifest;
        var next = new AofManifest
        {
            CurrentBaseSeq = (old?.CurrentBaseSeq ?? 0) + 1,
            CurrentIncrSeq = (old?.CurrentIncrSeq ?? 0) + 1,
        };
        string baseName = AofManifest.BaseName(Config.AppendFilename, next.CurrentBaseSeq, _jobRdb);
        string incrName = AofManifest.IncrName(Config.AppendFilename, next.CurrentIncrSeq);
        next.Base = new AofFileInfo(baseName, next.CurrentBaseSeq, AofFileType.Base);
        next.Incr.Add(new AofFileInfo(incrName, next.CurrentIncrSeq, AofFileType.Incr));
        try
        {
            // Whatever is buffered belongs after the base: it goes to the file being renamed.
            if (_buf.Length > 0) Write();
            File.Move(temp, Path.Combine(dir, baseName), overwrite: true);
            File.Move(TempIncrPath, Path.Combine(dir, incrName), overwrite: true);
            WriteManifest(ManifestPath, next);
        }
        catch (IOException e)
        {
            // Nothing of the new files is in a manifest: remove them; the temporary incremental file
            // (if it was not moved) is recreated by the retry anyway.
            TryDelete(temp);
            TryDelete(Path.Combine(dir, baseName));
            if (!File.Exists(TempIncrPath)) TryDelete(Path.Combine(dir, incrName));
            RewriteEnded(ok: false);
            _server.Log.Warning($"Error installing the first append only file: {e.Message}");
            return;
        }
        _waitRewrite = false;
        _manifest = next;
        if (old != null)
        {
            foreach (var f in old.LoadOrder().Concat(old.History))
            {
                if (f.Name != baseName && f.Name != incrName) TryDelete(Path.Combine(dir, f.Name));
            }
        }
        _baseSize = FileSize(baseName);
        _olderIncrSize = 0;
        _rewriteBaseSize = CurrentSize;
        RewriteEnded(ok: true);
        _server.Log.Notice("Background AOF rewrite terminated with success");
        _server.Log.Notice("Background AOF rewrite finished successfully");
    }

    /// <summary>Stops a background rewrite and discards its output (shutdown, a foreground rewrite).</summary>
    private void CancelBackgroundRewrite()
    {
        if (_job == null) return;
        _job.Cancel();
        _job.WaitForCompletion();
        _job = null;
        // killAppendOnlyChild: no done handler runs, so status, failures and the last duration stay.
        _rewriteStartUnix = -1;
        if (_jobTemp != null) TryDelete(_jobTemp);
        // Valkey's killAppendOnlyChild wording (tests grep it); here the "child" is the rewrite thread.
        _server.Log.Notice("Killing running AOF rewrite child (background rewrite thread): rewrite cancelled");
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

/// <summary>
/// aof-rewrite-incremental-fsync (rioSetAutoSync with REDIS_AUTOSYNC_BYTES): while a rewrite writes its
/// base, the file is fsynced every 4 MB, so the kernel never holds a huge dirty tail that one final
/// fsync would have to push at once (a latency spike for the whole disk).
/// </summary>
public sealed class AutoSyncStream(FileStream file, long syncEvery) : Stream
{
    /// <summary>REDIS_AUTOSYNC_BYTES.</summary>
    public const long DefaultBytes = 4L * 1024 * 1024;

    private long _sinceSync;

    /// <summary>How many intermediate fsyncs were done (tests, logs).</summary>
    public int Syncs { get; private set; }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        file.Write(buffer);
        _sinceSync += buffer.Length;
        if (_sinceSync >= syncEvery)
        {
            file.Flush(flushToDisk: true);
            _sinceSync = 0;
            Syncs++;
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
    public override void Flush() => file.Flush();
    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => file.Length;
    public override long Position { get => file.Position; set => throw new NotSupportedException(); }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
