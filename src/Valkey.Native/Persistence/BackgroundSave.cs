using System.Diagnostics;
using Valkey.Native.Server;
using Valkey.Native.Storage;
using Valkey.Native.Storage.Snapshot;

namespace Valkey.Native.Persistence;

/// <summary>What BGSAVE did (the handler maps it to Valkey's replies).</summary>
public enum BgsaveOutcome : byte { Started, Scheduled, AlreadyInProgress, OtherJobActive }

/// <summary>What BGSAVE CANCEL did.</summary>
public enum BgsaveCancelOutcome : byte { Cancelled, ScheduledCancelled, NothingToCancel }

/// <summary>
/// BGSAVE on the fork-free copy-on-write snapshot (Valkey's rdbSaveBackground,
/// backgroundSaveDoneHandler, killRDBChild). Instead of forking, the command thread takes a
/// <see cref="CowSnapshot"/> of the arena and captures the managed roots in the same pause
/// (<see cref="BackgroundSnapshot{TRoot}"/>); an <see cref="RdbWriter{TView}"/> reads that frozen
/// view on a thread of its own while commands keep being served. The cron collects the result
/// (rename + directory fsync + counters), as Valkey's checkChildrenDone.
/// </summary>
/// <remarks>
/// Fallbacks to the foreground save (logged): no userfaultfd write-protection
/// (<see cref="CowSnapshot.IsSupported"/> false) or a snapshot already held by someone else
/// (AOF rewrite started between checks). Streams are saved in the background like every other
/// type: their consumer groups (managed records) are captured in Begin's pause with the other
/// managed roots (<see cref="CapturedStreamGroups"/>), their nodes and PELs are arena memory.
/// While a job runs every key table of the arena avoids resizing (Valkey's
/// updateDictResizePolicy during a fork): KeyTable derives that from the arena's snapshot state.
/// </remarks>
public sealed partial class RdbPersistence
{
    private BackgroundSnapshot<KeyspaceRoot>? _bgJob;
    private string? _bgTemp;
    private readonly Stopwatch _bgClock = new();
    private long _bgDirtyAtStart;
    private bool _bgScheduled;

    /// <summary>rdb_bgsave_in_progress.</summary>
    public bool BgsaveInProgress => _bgJob != null;
    /// <summary>rdb_bgsave_scheduled (BGSAVE SCHEDULE while an AOF rewrite holds the snapshot).</summary>
    public bool BgsaveScheduled => _bgScheduled;
    /// <summary>rdb_current_bgsave_time_sec (-1 when none runs).</summary>
    public long CurrentBgsaveSeconds => _bgJob != null ? (long)_bgClock.Elapsed.TotalSeconds : -1;
    /// <summary>current_cow_size: bytes copied on write by the running save.</summary>
    public long CurrentCowSize => _bgJob?.CopiedBytes ?? 0;
    /// <summary>current_save_keys_processed / current_save_keys_total of the running save (0 when none runs).</summary>
    public long CurrentSaveKeysProcessed => _bgJob?.Root.Progress?.KeysProcessed ?? 0;
    public long CurrentSaveKeysTotal => _bgJob?.Root.Progress?.TotalKeys ?? 0;
    /// <summary>current_fork_perc: how much of the dataset the running save has written.</summary>
    public double CurrentSavePercent => CurrentSaveKeysTotal == 0 ? 0 : 100.0 * CurrentSaveKeysProcessed / CurrentSaveKeysTotal;
    /// <summary>rdb_last_cow_size: bytes copied on write by the last background save.</summary>
    public long LastCowSize { get; private set; }
    /// <summary>How long the last background save's Begin paused the command thread.</summary>
    public TimeSpan LastBgsavePause { get; private set; }

    // The foreground save's name too: a foreground save first kills the job, so they never overlap.
    private static string BackgroundTempPath(string dir) => Path.Combine(dir, $"temp-{Environment.ProcessId}.rdb");

    /// <summary>BGSAVE [SCHEDULE] and save points (rdbSaveBackground). Command thread.</summary>
    public BgsaveOutcome StartBackgroundSave(bool schedule, string reason = "Background saving started")
    {
        if (_bgJob != null) return BgsaveOutcome.AlreadyInProgress;
        if (server.Aof.RewriteInProgress)
        {
            // The AOF rewrite holds the arena's snapshot (one at a time): Valkey's "another child".
            if (!schedule) return BgsaveOutcome.OtherJobActive;
            _bgScheduled = true;
            server.Log.Notice("Background saving scheduled due to user request");
            return BgsaveOutcome.Scheduled;
        }
        _bgScheduled = false;
        _lastSaveAttemptMs = Environment.TickCount64;
        var keyspace = server.Keyspace;
        if (!CowSnapshot.IsSupported)
        {
            ForegroundBackgroundSave(reason, CowSnapshot.UnsupportedReason ?? "no copy-on-write snapshots");
            return BgsaveOutcome.Started;
        }

        string final = FilePath;
        string dir = Path.GetDirectoryName(final) ?? ".";
        string temp = BackgroundTempPath(dir);
        string policy = server.Config.MaxMemoryPolicy;
        long used = ServerCommandsUsedMemory();
        bool checksum = server.Config.RdbChecksum, compress = server.Config.RdbCompression;
        try
        {
            // Nested tables and stream groups resolved in the pause (handles and managed objects change
            // later): the writer must not touch live state from the background thread.
            long keySaveDelayUs = server.Config.RdbKeySaveDelay;
            _bgJob = BackgroundSnapshot<KeyspaceRoot>.Start(keyspace.Arena,
                _ => KeyspaceRoot.CaptureForSnapshot(keyspace, policy, used, keySaveDelayUs),
                (root, view, job) => WriteSnapshotFile(temp, root, view, job, checksum, compress));
        }
        catch (Exception e) when (e is InvalidOperationException or NotSupportedException or IOException)
        {
            _bgJob = null;
            ForegroundBackgroundSave(reason, e.Message);
            return BgsaveOutcome.Started;
        }
        _bgTemp = temp;
        _bgDirtyAtStart = server.Stats.Dirty;
        _bgClock.Restart();
        Saves++;
        server.Log.Notice($"{reason} (copy-on-write snapshot, paused {_bgJob.PauseDuration.TotalMilliseconds:F2} ms)");
        return BgsaveOutcome.Started;
    }

    /// <summary>BGSAVE inside EXEC (Valkey's server.in_exec): the cron starts it once the transaction is over.</summary>
    public void ScheduleBackgroundSave(string logLine)
    {
        _bgScheduled = true;
        server.Log.Notice(logLine);
    }

    /// <summary>The job's thread: the file from the frozen view, fsynced. Touches nothing live.</summary>
    private static void WriteSnapshotFile(string temp, KeyspaceRoot root, SnapshotMemoryView view,
        BackgroundSnapshot<KeyspaceRoot> job, bool checksum, bool compress)
    {
        using var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 64 * 1024);
        // The writer checks for cancellation once per database; the stream checks at every 64 KB flush.
        var output = new RdbOutput(new CancellableStream(file, job), checksum, compress);
        using (var writer = new RdbWriter<SnapshotMemoryView>(output, root, view))
            writer.WriteFile(ServerContext.Version, _ => !job.CancelRequested);
        if (job.CancelRequested) throw new OperationCanceledException("background save cancelled");
        file.Flush(flushToDisk: true);
    }

    /// <summary>The old behaviour, for when no snapshot can be taken: the save runs before the reply.</summary>
    private void ForegroundBackgroundSave(string reason, string why)
    {
        server.Log.Notice($"{reason} (in the foreground: {why})");
        if (Save("Background saving terminated with success") != null)
        {
            server.Log.Warning("Background saving error");
            LastBgsaveOk = false;
        }
    }

    /// <summary>backgroundSaveDoneHandler, from cron (command thread): installs the file when the job is done.</summary>
    private void CheckBackgroundSaveDone()
    {
        if (_bgJob == null || !_bgJob.TryComplete()) return;
        var job = _bgJob;
        _bgJob = null;
        string temp = _bgTemp!;
        LastCowSize = job.CopiedBytes;
        LastBgsavePause = job.PauseDuration;
        LastSaveDurationSec = (long)_bgClock.Elapsed.TotalSeconds;
        Exception? error = job.Error;
        if (error == null)
        {
            try
            {
                string final = FilePath;
                File.Move(temp, final, overwrite: true);
                NativeFile.FsyncDirectory(Path.GetDirectoryName(final) ?? ".");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                error = e;
            }
        }
        if (error == null)
        {
            _dirtyAtLastSave = _bgDirtyAtStart;
            LastSaveUnix = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            LastBgsaveOk = true;
            server.Log.Notice($"Background saving terminated with success ({_bgClock.ElapsedMilliseconds} ms, {job.CopiedBytes} bytes copied on write)");
        }
        else if (error is OperationCanceledException)
        {
            // Killed on purpose (Valkey's SIGUSR1): not an error for lastbgsave_status.
            TryDeleteTemp(temp);
            server.Log.Warning("Background saving terminated by cancellation");
        }
        else
        {
            TryDeleteTemp(temp);
            LastBgsaveOk = false;
            server.Log.Warning($"Background saving error: {error.Message}");
        }
        if (_bgScheduled && !server.Aof.RewriteInProgress) StartBackgroundSave(schedule: false);
    }

    /// <summary>Valkey's killRDBChild: FLUSHALL, SAVE paths, DEBUG RELOAD, SHUTDOWN. Waits for the writer to stop.</summary>
    public void KillBackgroundSave(string why)
    {
        _bgScheduled = false;
        if (_bgJob == null) return;
        server.Log.Warning(why);
        var job = _bgJob;
        job.Cancel();
        job.WaitForCompletion();
        _bgJob = null;
        LastCowSize = job.CopiedBytes;
        if (_bgTemp != null) TryDeleteTemp(_bgTemp);
    }

    /// <summary>BGSAVE CANCEL.</summary>
    public BgsaveCancelOutcome CancelBackgroundSave()
    {
        if (_bgJob != null)
        {
            KillBackgroundSave("Background saving will be aborted due to user request");
            return BgsaveCancelOutcome.Cancelled;
        }
        if (_bgScheduled)
        {
            _bgScheduled = false;
            server.Log.Notice("Scheduled background saving will be cancelled due to user request");
            return BgsaveCancelOutcome.ScheduledCancelled;
        }
        return BgsaveCancelOutcome.NothingToCancel;
    }

    /// <summary>Shutdown: never leave the writer reading the arena while the keyspace goes away.</summary>
    public void OnShutdown() => KillBackgroundSave("There is a child saving an .rdb. Killing it!");

    private static void TryDeleteTemp(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    /// <summary>Stops a cancelled job's writer at its next buffer flush (the RdbWriter polls only between databases).</summary>
    private sealed class CancellableStream(Stream inner, BackgroundSnapshot<KeyspaceRoot> job) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => inner.Length;
        public override long Position { get => inner.Position; set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (job.CancelRequested) throw new OperationCanceledException("background save cancelled");
            inner.Write(buffer);
        }
    }
}
