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
/// When the snapshot engine is unavailable, with aof-use-rdb-preamble no, or if the background
/// write fails (e.g. a stream, which the snapshot writer cannot read yet), the rewrite runs in the
/// foreground instead (logged).
/// </summary>
public sealed partial class AofPersistence
{
    private BackgroundSnapshot<KeyspaceRoot>? _job;
    private string? _jobTemp;
    private int _jobFirstIncr;
    private readonly Stopwatch _jobClock = new();

    public bool RewriteInProgress => _job != null;
    public long CurrentRewriteSeconds => _job != null ? (long)_jobClock.Elapsed.TotalSeconds : -1;

    /// <summary>rewriteAppendOnlyFileBackground. Returns null or the error reply text.</summary>
    public string? StartBackgroundRewrite(string reason)
    {
        if (_job != null) return "ERR Background append only file rewriting already in progress";
        if (!CowSnapshot.IsSupported || !Config.AofUseRdbPreamble)
            return Rewrite(reason + " (running in the foreground: " + (CowSnapshot.UnsupportedReason ?? "aof-use-rdb-preamble no") + ")", attach: false);
        string dir = DirPath;
        try
        {
            Directory.CreateDirectory(dir);
            _jobFirstIncr = int.MaxValue;
            if (_incr != null)
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
            string temp = Path.Combine(dir, $"temp-rewriteaof-bg-{Environment.ProcessId}.aof");
            _jobTemp = temp;
            var keyspace = _server.Keyspace;
            string policy = Config.MaxMemoryPolicy;
            long used = Commands.ServerCommands.UsedMemory(_server);
            bool checksum = Config.RdbChecksum, compress = Config.RdbCompression;
            _job = BackgroundSnapshot<KeyspaceRoot>.Start(keyspace.Arena,
                _ =>
                {
                    keyspace.RefreshClock();
                    var live = KeyspaceRoot.CaptureLive(keyspace, policy, used);
                    return new KeyspaceRoot
                    {
                        Databases = live.Databases, Tables = SnapshotTables.Capture(keyspace.Handles), NowMs = live.NowMs,
                        SaveLru = live.SaveLru, SaveLfu = live.SaveLfu, HasFieldTtls = live.HasFieldTtls, UsedMemory = used,
                    };
                },
                (root, view, job) =>
                {
                    using var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 64 * 1024);
                    var output = new RdbOutput(file, checksum, compress);
                    using (var writer = new RdbWriter<SnapshotMemoryView>(output, root, view))
                        writer.WriteFile(ServerContext.Version, _ => !job.CancelRequested);
                    if (job.CancelRequested) throw new OperationCanceledException("rewrite cancelled");
                    file.Flush(flushToDisk: true);
                }, "aofrewrite");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or NotSupportedException)
        {
            _job = null;
            _server.Log.Warning($"Can't rewrite append only file in background: {e.Message}; rewriting in the foreground");
            return Rewrite(reason + " (running in the foreground)", attach: false);
        }
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
            TryDelete(temp);
            _server.Log.Warning($"Background AOF rewrite failed: {job.Error.Message}; rewriting in the foreground instead");
            Rewrite("Foreground append only file rewriting after a failed background rewrite", attach: false);
            return;
        }
        var old = _manifest;
        var next = new AofManifest
        {
            CurrentBaseSeq = (old?.CurrentBaseSeq ?? 0) + 1,
            CurrentIncrSeq = old?.CurrentIncrSeq ?? 0,
        };
        string baseName = AofManifest.BaseName(Config.AppendFilename, next.CurrentBaseSeq, rdb: true);
        next.Base = new AofFileInfo(baseName, next.CurrentBaseSeq, AofFileType.Base);
        if (old != null && _jobFirstIncr < old.Incr.Count) next.Incr.AddRange(old.Incr.Skip(_jobFirstIncr));
        else if (old != null && _incr != null) next.Incr.Add(old.Incr[^1]);
        try
        {
            File.Move(temp, Path.Combine(dir, baseName), overwrite: true);
            WriteManifest(ManifestPath, next);
        }
        catch (IOException e)
        {
            TryDelete(temp);
            LastRewriteOk = false;
            RewriteFailures++;
            _server.Log.Warning($"Error installing the rewritten append only file: {e.Message}");
            return;
        }
        _manifest = next;
        if (old != null)
        {
            var keep = next.LoadOrder().Select(f => f.Name).ToHashSet();
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
        LastRewriteOk = true;
        RewriteFailures = 0;
        Rewrites++;
        LastRewriteSeconds = (long)_jobClock.Elapsed.TotalSeconds;
        _server.Log.Notice($"Background AOF rewrite terminated with success ({_jobClock.ElapsedMilliseconds} ms, {job.CopiedBytes} bytes copied on write)");
    }

    /// <summary>Stops a background rewrite and discards its output (shutdown, a foreground rewrite).</summary>
    private void CancelBackgroundRewrite()
    {
        if (_job == null) return;
        _job.Cancel();
        _job.WaitForCompletion();
        _job = null;
        if (_jobTemp != null) TryDelete(_jobTemp);
        _server.Log.Notice("Background AOF rewrite cancelled");
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
