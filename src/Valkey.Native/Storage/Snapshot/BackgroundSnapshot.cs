namespace Valkey.Native.Storage.Snapshot;

/// <summary>
/// Runs a reader of a <see cref="CowSnapshot"/> (BGSAVE's RDB writer) on a background thread:
/// the snapshot and the managed roots are taken together on the command thread, the work runs on
/// its own thread, and the command thread collects the outcome from its cron.
/// </summary>
/// <remarks>
/// Typical use (BGSAVE):
/// <code>
/// var job = BackgroundSnapshot&lt;KeyspaceRoot&gt;.Start(keyspace.Arena,
///     capture: _ => /* same pause */ KeyspaceRoot with Tables = SnapshotTables.Capture(keyspace.Handles),
///     work: (root, view, job) => { /* RdbWriter&lt;SnapshotMemoryView&gt;(output, root, view).WriteFile(...,
///                                     progress: _ => !job.CancelRequested) */ });
/// // cron, command thread:
/// if (job.TryComplete()) { /* job.Error == null ? success : failure; job.CopiedBytes for INFO */ }
/// </code>
/// Threads: Start, TryComplete and WaitForCompletion on the command thread; the work delegate on
/// the job's thread, where it must touch nothing but the snapshot view, the captured roots and
/// its own output.
/// </remarks>
public sealed class BackgroundSnapshot<TRoot>
{
    private readonly CowSnapshot _snapshot;
    private readonly Thread _thread;
    private volatile bool _finished;
    private volatile bool _cancel;
    private bool _completed;

    private BackgroundSnapshot(CowSnapshot snapshot, TRoot root, Action<TRoot, SnapshotMemoryView, BackgroundSnapshot<TRoot>> work, string threadName)
    {
        _snapshot = snapshot;
        Root = root;
        _thread = new Thread(() =>
        {
            LowerPriority();
            try { work(Root, _snapshot.View, this); }
            catch (Exception e) { Error = e; }
            finally
            {
                // Ending the snapshot (lifting the protection of the whole arena) costs
                // milliseconds per GB: here, not in the command thread's cron.
                try { _snapshot.Dispose(); }
                catch (Exception e) { Error ??= e; }
                _finished = true;
            }
        }) { IsBackground = true, Name = threadName };
    }

    /// <summary>Nice value of the writer thread (Linux; raising it needs no privilege).</summary>
    public const int WriterNice = 10;

    /// <summary>
    /// A fork child competes with the server for the CPU as an equal; this writer need not: it is
    /// a thread of the server, and every millisecond it takes a core the command thread wants
    /// shows up in command latency on a small machine. At nice 10 it still gets any idle core,
    /// so on an unloaded machine the save is as fast as before.
    /// </summary>
    private static void LowerPriority()
    {
        if (!OperatingSystem.IsLinux()) return;
        try { _ = Networking.LibC.SetPriority(Networking.LibC.PRIO_PROCESS, Networking.LibC.GetTid(), WriterNice); }
        catch (EntryPointNotFoundException) { }
    }

    /// <summary>The roots captured at Begin.</summary>
    public TRoot Root { get; }

    /// <summary>The exception the work ended with (null: success). Valid once completed.</summary>
    public Exception? Error { get; private set; }

    /// <summary>Set by <see cref="Cancel"/>; the work should poll it and stop early (throwing or returning).</summary>
    public bool CancelRequested => _cancel;

    /// <summary>Whether the work has finished (the snapshot may not be released yet: see <see cref="TryComplete"/>).</summary>
    public bool WorkFinished => _finished;

    /// <summary>How long Begin paused the command thread.</summary>
    public TimeSpan PauseDuration => _snapshot.BeginDuration;

    /// <summary>Bytes copied on write so far (INFO current_cow_size; after completion rdb_last_cow_size).</summary>
    public long CopiedBytes => _snapshot.CopiedBytes;

    /// <summary>
    /// Takes the snapshot and calls <paramref name="capture"/> in the same pause (no command runs in
    /// between: that is what makes the managed roots and the arena agree), then starts
    /// <paramref name="work"/> on a new thread. Command thread. Throws what <see cref="CowSnapshot.Begin"/>
    /// throws (check <see cref="CowSnapshot.IsSupported"/> first to fall back quietly).
    /// </summary>
    public static BackgroundSnapshot<TRoot> Start(Arena arena, Func<CowSnapshot, TRoot> capture,
        Action<TRoot, SnapshotMemoryView, BackgroundSnapshot<TRoot>> work, string threadName = "bgsave")
    {
        var snapshot = CowSnapshot.Begin(arena);
        BackgroundSnapshot<TRoot> job;
        try
        {
            job = new BackgroundSnapshot<TRoot>(snapshot, capture(snapshot), work, threadName);
            job._thread.Start();
            BackgroundSnapshotStats.OnStarted(snapshot.BeginDuration);
        }
        catch
        {
            snapshot.Dispose();
            throw;
        }
        return job;
    }

    /// <summary>Asks the work to stop (FLUSHALL, SHUTDOWN, BGSAVE cancel...). Any thread.</summary>
    public void Cancel() => _cancel = true;

    /// <summary>
    /// Command thread (cron): when the work has finished (its thread has already ended the snapshot),
    /// returns true exactly once; the memory kept for the snapshot then goes back through the arena's
    /// release queue.
    /// </summary>
    public bool TryComplete()
    {
        if (_completed || !_finished) return false;
        _thread.Join();
        _completed = true;
        return true;
    }

    /// <summary>Blocks until the work finishes, then completes (shutdown, SAVE while a BGSAVE runs, tests).</summary>
    public void WaitForCompletion()
    {
        if (_completed) return;
        _thread.Join();
        TryComplete();
    }
}

/// <summary>
/// INFO's fork counters for a fork-free server (hook for persistence, rdb7): every background
/// snapshot job started (BGSAVE, save point, AOF rewrite) counts as one fork in total_forks,
/// and its Begin pause is latest_fork_usec, the time the command thread was stopped.
/// </summary>
public static class BackgroundSnapshotStats
{
    private static long _started;
    private static long _latestPauseUs;

    public static long Started => Interlocked.Read(ref _started);
    public static long LatestPauseMicroseconds => Interlocked.Read(ref _latestPauseUs);

    internal static void OnStarted(TimeSpan pause)
    {
        Interlocked.Increment(ref _started);
        Interlocked.Exchange(ref _latestPauseUs, (long)pause.TotalMicroseconds);
    }
}
