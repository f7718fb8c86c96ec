using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Valkey.Native.Storage.Snapshot;

/// <summary>
/// A fork-free point-in-time view of an <see cref="Arena"/>: after <see cref="Begin"/> the command
/// thread keeps writing, and a background thread reads every arena byte as it was at Begin.
/// </summary>
/// <remarks>
/// <para>How: Begin write-protects every page that can hold live data (userfaultfd, see
/// native/snapshot/cow.c). The first write to a protected 4 KB page faults; a native handler
/// thread copies the page aside and lets the write proceed. <see cref="Read"/> returns the copy
/// when there is one, else the still-protected live page. Extra memory is therefore one page
/// per page written during the snapshot, never the dataset.</para>
/// <para>While the snapshot is active the arena unmaps nothing and moves no mapping (it defers
/// those until <see cref="Dispose"/>), so every address the snapshot can reach stays mapped and
/// keeps its pre-snapshot contents through the protection. Memory mapped after Begin is not
/// protected and need not be: no pointer in the snapshot leads there.</para>
/// <para>Threads: Begin on the arena's owner (command) thread, between commands; Read from any
/// thread (typically one BGSAVE thread); Dispose from any thread once no Read is running or will
/// run. Managed state (KeyTable objects, handles) is not versioned: capture it in the same pause
/// as Begin.</para>
/// </remarks>
public sealed unsafe class CowSnapshot : IDisposable
{
    private static readonly Lazy<(bool Supported, string? Reason)> Probe = new(ProbeSupport);

    private readonly Arena _arena;
    private nint _context;
    private int _disposed;
    private int _activeReads;
    private CowNative.Stats _finalStats;

    private CowSnapshot(Arena arena, nint context)
    {
        _arena = arena;
        _context = context;
    }

    ~CowSnapshot() => End();

    /// <summary>
    /// Whether this machine can take copy-on-write snapshots: Linux with userfaultfd
    /// write-protection of anonymous memory including never-touched pages (kernel 6.4+), and the
    /// permission to use it (root, CAP_SYS_PTRACE, vm.unprivileged_userfaultfd=1 or access to
    /// /dev/userfaultfd). Callers fall back (e.g. to a foreground save) when false.
    /// </summary>
    public static bool IsSupported => Probe.Value.Supported;

    /// <summary>Why <see cref="IsSupported"/> is false (null when supported).</summary>
    public static string? UnsupportedReason => Probe.Value.Reason;

    /// <summary>OS page size: the copy-on-write granularity.</summary>
    public static int PageSize { get; } = Environment.SystemPageSize;

    private static (bool, string?) ProbeSupport()
    {
        if (!OperatingSystem.IsLinux()) return (false, "copy-on-write snapshots need Linux userfaultfd");
        try
        {
            int rc = CowNative.IsSupported();
            if (rc == 1) return (true, null);
            return (false, $"userfaultfd write-protection unavailable ({Marshal.GetPInvokeErrorMessage(-rc)})");
        }
        catch (DllNotFoundException e) { return (false, "native snapshot library missing: " + e.Message); }
        catch (EntryPointNotFoundException e) { return (false, "native snapshot library mismatch: " + e.Message); }
    }

    /// <summary>How long Begin kept the calling thread (write-protecting the arena).</summary>
    public TimeSpan BeginDuration { get; private set; }

    /// <summary>
    /// Starts a snapshot of <paramref name="arena"/>. Call on the arena's owner thread with no
    /// command in progress; holds the arena lock meanwhile if the lazy-free worker shares it.
    /// Throws <see cref="NotSupportedException"/> when <see cref="IsSupported"/> is false and
    /// <see cref="InvalidOperationException"/> when the kernel refuses (e.g. too many mappings)
    /// or a snapshot of this arena is already active.
    /// </summary>
    public static CowSnapshot Begin(Arena arena)
    {
        ArgumentNullException.ThrowIfNull(arena);
        if (!IsSupported) throw new NotSupportedException(UnsupportedReason);
        long start = Stopwatch.GetTimestamp();
        int error;
        nint context = CowNative.Begin(&error);
        if (context == 0)
            throw new InvalidOperationException($"snapshot: userfaultfd unavailable ({Marshal.GetPInvokeErrorMessage(error)})");
        var snapshot = new CowSnapshot(arena, context);
        int rc;
        try
        {
            rc = arena.EnterSnapshot(snapshot, context);
        }
        catch
        {
            snapshot.End();
            throw;
        }
        if (rc != 0)
        {
            snapshot.End();
            throw new InvalidOperationException($"snapshot: write-protecting the arena failed ({Marshal.GetPInvokeErrorMessage(-rc)})");
        }
        snapshot.BeginDuration = Stopwatch.GetElapsedTime(start);
        return snapshot;
    }

    /// <summary>The <see cref="Persistence.IMemoryView"/> the RDB writer reads through.</summary>
    public SnapshotMemoryView View => new(this);

    /// <summary>
    /// Copies <paramref name="destination"/>.Length bytes at <paramref name="address"/> as they
    /// were at Begin. The address must be arena memory that was live at Begin (any alignment,
    /// ranges may span pages and blocks of the same mapping).
    /// </summary>
    public void Read(byte* address, Span<byte> destination)
    {
        if (destination.IsEmpty) return;
        Interlocked.Increment(ref _activeReads);
        try
        {
            nint context = Volatile.Read(ref _context);
            ObjectDisposedException.ThrowIf(context == 0 || Volatile.Read(ref _disposed) != 0, this);
            int rc;
            fixed (byte* d = destination) rc = CowNative.Read(context, address, (nuint)destination.Length, d);
            if (rc != 0) throw new InvalidOperationException("snapshot: a page could not be preserved (out of memory); the snapshot is incomplete");
        }
        finally
        {
            Interlocked.Decrement(ref _activeReads);
        }
    }

    /// <summary>
    /// Tests only: makes every <see cref="Read"/> of a not-yet-copied page sleep this long before
    /// copying it, so a concurrent first write to the page reliably lands in between.
    /// </summary>
    internal void SetReadPauseForTests(TimeSpan pause)
    {
        nint context = Volatile.Read(ref _context);
        if (context != 0) CowNative.SetReadPause(context, (uint)pause.TotalMicroseconds);
    }

    /// <summary>Reads one unmanaged value as of Begin.</summary>
    public T Read<T>(byte* address) where T : unmanaged
    {
        T value;
        Read(address, new Span<byte>(&value, sizeof(T)));
        return value;
    }

    private CowNative.Stats CurrentStats()
    {
        if (Volatile.Read(ref _disposed) != 0) return _finalStats;
        Interlocked.Increment(ref _activeReads);
        try
        {
            nint context = Volatile.Read(ref _context);
            if (context == 0 || Volatile.Read(ref _disposed) != 0) return _finalStats;
            CowNative.Stats stats;
            CowNative.GetStats(context, &stats);
            return stats;
        }
        finally
        {
            Interlocked.Decrement(ref _activeReads);
        }
    }

    /// <summary>Pages copied because they were written during the snapshot.</summary>
    public long PagesCopied => CurrentStats().PagesCopied;

    /// <summary>Bytes of page copies (INFO: the snapshot's copy-on-write size).</summary>
    public long CopiedBytes => CurrentStats().PagesCopied * PageSize;

    /// <summary>Address space reserved for the copies (slabs from 2 MB doubling to 64 MB; resident only where copied).</summary>
    public long ShadowBytes => CurrentStats().ShadowBytes;

    /// <summary>Bytes write-protected at Begin.</summary>
    public long ProtectedBytes => CurrentStats().ProtectedBytes;

    /// <summary>Write faults handled (a page written by two threads at once may count twice).</summary>
    public long Faults => CurrentStats().Faults;

    /// <summary>Contiguous address ranges registered at Begin (each costs the kernel a VMA).</summary>
    public long RegisteredRuns => CurrentStats().Runs;

    /// <summary>Write-protect calls made at Begin (each costs a TLB flush: the bulk of the pause).</summary>
    public long ProtectCalls => CurrentStats().ProtectCalls;

    /// <summary>Of <see cref="BeginDuration"/>: sorting and registering the ranges with the kernel.</summary>
    public TimeSpan RegisterDuration => TimeSpan.FromMicroseconds(CurrentStats().RegisterMicroseconds);

    /// <summary>Of <see cref="BeginDuration"/>: write-protecting them (the kernel's page-table walk).</summary>
    public TimeSpan ProtectDuration => TimeSpan.FromMicroseconds(CurrentStats().ProtectMicroseconds);

    /// <summary>
    /// Ends the snapshot: removes every protection, frees the copies and lets the arena return
    /// the memory freed meanwhile (on its owner thread, at its next release point, e.g. the cron's
    /// <see cref="Arena.ReleaseDeferred"/>). Any thread; no Read may be running. Idempotent.
    /// </summary>
    public void Dispose()
    {
        End();
        GC.SuppressFinalize(this);
    }

    private void End()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        // A Read that raced with Dispose (a caller bug) must not see the context freed under it.
        var spin = new SpinWait();
        while (Volatile.Read(ref _activeReads) != 0) spin.SpinOnce();
        nint context = Interlocked.Exchange(ref _context, 0);
        if (context == 0) return;
        CowNative.Stats stats;
        CowNative.GetStats(context, &stats);
        _finalStats = stats;
        CowNative.End(context);
        _arena.LeaveSnapshot(this);
    }
}
