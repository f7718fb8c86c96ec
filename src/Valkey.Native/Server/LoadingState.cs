using System.Diagnostics;
using Valkey.Native.Networking;

namespace Valkey.Native.Server;

/// <summary>
/// A dataset being loaded (RDB at start-up or DEBUG RELOAD, the AOF at start-up or DEBUG LOADAOF):
/// INFO persistence's loading_* fields, progress lines in the log, and Valkey's processEventsWhileBlocked —
/// the loaders report progress here and, every loading-process-events-interval-bytes (at most every
/// <see cref="EventsIntervalMs"/>), one non-blocking pass of the event loop accepts connections,
/// reads requests and writes replies. The dispatcher answers every command without the LOADING flag
/// with -LOADING meanwhile, so nothing that runs can see or change the half-loaded keyspace; the cron
/// (active expiry, eviction, save points, rehashing) does not run until the load ends.
/// </summary>
public sealed class LoadingState(ServerContext server)
{
    /// <summary>Clients are also served at least this often (ms) when the loader is slow (big values, key-load-delay).</summary>
    private const long EventsIntervalMs = 100;

    private long _startTicks;
    private long _lastEventsTicks;
    private long _lastLogTicks;
    private long _bytesAtLastEvents;
    private long _keysSinceDelay;
    private Client? _caller;
    private bool _inEvents;

    /// <summary>Valkey's server.loading: the dispatcher refuses commands without the LOADING flag.</summary>
    public bool Active { get; private set; }
    /// <summary>What is loading, for the progress lines ("RDB", "AOF").</summary>
    public string What { get; private set; } = "RDB";
    public long StartUnix { get; private set; }
    public long TotalBytes { get; private set; }
    public long LoadedBytes { get; private set; }
    public long LoadedKeys { get; private set; }
    /// <summary>Loads so far (INFO's loading events); a load within a load is never started.</summary>
    public long Loads { get; private set; }

    /// <summary>Valkey's loading_eta_seconds: elapsed time scaled by the bytes left (1 in the first second).</summary>
    public long EtaSeconds
    {
        get
        {
            long elapsed = DateTimeOffset.UtcNow.ToUnixTimeSeconds() - StartUnix;
            if (elapsed <= 0) return 1;
            long remaining = Math.Max(0, TotalBytes - LoadedBytes);
            return elapsed * remaining / (LoadedBytes + 1);
        }
    }

    public double LoadedPercent => TotalBytes == 0 ? 0 : LoadedBytes * 100.0 / TotalBytes;

    /// <summary>
    /// startLoading. <paramref name="caller"/> is the client whose command (DEBUG RELOAD / LOADAOF) loads:
    /// it is mid-command, so it is neither read from nor closed until the load ends. Returns false when a
    /// load is already running (a nested one is refused by the caller).
    /// </summary>
    public bool Begin(string what, long totalBytes, Client? caller)
    {
        if (Active) return false;
        Active = true;
        Loads++;
        What = what;
        TotalBytes = totalBytes;
        LoadedBytes = LoadedKeys = 0;
        _bytesAtLastEvents = 0;
        _keysSinceDelay = 0;
        StartUnix = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        _startTicks = _lastEventsTicks = _lastLogTicks = Stopwatch.GetTimestamp();
        _caller = caller is { IsClosed: false, Fd: >= 0 } ? caller : null;
        // The caller's socket leaves the loop: its pipelined commands wait (their bytes stay in the kernel), and
        // so does its unsent output (a write would re-enable reading: Client.Flush → UpdateInterest).
        if (_caller != null) server.Loop.Update(_caller.Fd, IoEvents.None);
        return true;
    }

    /// <summary>Another loader (the RDB base of an AOF) continues the same load: only the byte counts restart.</summary>
    public void Continue(long totalBytes)
    {
        TotalBytes = totalBytes;
        LoadedBytes = 0;
        _bytesAtLastEvents = 0;
    }

    /// <summary>stopLoading: clients are served normally again.</summary>
    public void End()
    {
        if (!Active) return;
        Active = false;
        var caller = _caller;
        _caller = null;
        if (caller != null && !caller.IsClosed) server.UpdateInterest(caller);
        server.Keyspace.RefreshClock();
    }

    /// <summary>
    /// Per key (or per batch of keys) from the loader, with the input position: applies key-load-delay,
    /// and serves clients when enough bytes or time passed (Valkey's rdbLoadProgressCallback /
    /// loadingAbsProgress + processEventsWhileBlocked).
    /// </summary>
    public void Progress(long keys, long bytes, long newKeys = 1)
    {
        if (!Active) return;
        LoadedKeys = keys;
        LoadedBytes = bytes;
        long delay = server.Config.KeyLoadDelay;
        if (delay != 0) Delay(delay, newKeys);
        long now = Stopwatch.GetTimestamp();
        bool byBytes = bytes - _bytesAtLastEvents >= server.Config.LoadingProcessEventsIntervalBytes;
        bool byTime = now - _lastEventsTicks >= EventsIntervalMs * Stopwatch.Frequency / 1000;
        if (!byBytes && !byTime) return;
        _bytesAtLastEvents = bytes;
        _lastEventsTicks = now;
        if (now - _lastLogTicks >= 2 * Stopwatch.Frequency)
        {
            _lastLogTicks = now;
            server.Log.Notice($"Loading {What}: {keys} keys, {LoadedPercent:F2}% of {TotalBytes} bytes");
        }
        ProcessEvents();
    }

    /// <summary>
    /// LOADING commands that still must wait: EXEC (its queued commands could read the keyspace) and
    /// DEBUG but for subcommands that leave the dataset alone (RELOAD, LOADAOF, POPULATE... would nest
    /// a load or read half-loaded values).
    /// </summary>
    public static bool Refuses(Commands.CommandContext ctx, Commands.CommandSpec cmd)
    {
        if (cmd.Name == "exec") return true;
        if (cmd.Name != "debug") return false;
        if (ctx.ArgCount < 2) return true;
        return !(ctx.ArgIs(1, "log"u8) || ctx.ArgIs(1, "sleep"u8) || ctx.ArgIs(1, "help"u8) || ctx.ArgIs(1, "set-active-expire"u8)
            || ctx.ArgIs(1, "pause-cron"u8) || ctx.ArgIs(1, "stringmatch-len"u8) || ctx.ArgIs(1, "replybuffer"u8));
    }

    /// <summary>debugDelay: N &gt; 0 sleeps N us per key; -N sleeps 1 us once every N keys on average.</summary>
    private void Delay(long delay, long newKeys)
    {
        if (delay > 0)
        {
            long us = delay * newKeys;
            // Sub-millisecond sleeps cost a whole timer slice: sleep in ms once enough accumulated.
            _keysSinceDelay += us;
            if (_keysSinceDelay >= 1000)
            {
                Thread.Sleep((int)Math.Min(int.MaxValue, _keysSinceDelay / 1000));
                _keysSinceDelay %= 1000;
            }
            return;
        }
        _keysSinceDelay += newKeys;
        if (_keysSinceDelay >= -delay * 1000)
        {
            Thread.Sleep(1);
            _keysSinceDelay = 0;
        }
    }

    /// <summary>
    /// processEventsWhileBlocked: up to 4 non-blocking passes while there is work. A SHUTDOWN (or a
    /// signal) during the load ends the process here, as Valkey exits from its nested event processing.
    /// </summary>
    private void ProcessEvents()
    {
        if (_inEvents) return;
        _inEvents = true;
        // DEBUG RELOAD / LOADAOF: the caller's command is mid-call; the calls served here must not change its stats state.
        long errorsSeen = server.Dispatcher.ErrorsSeen;
        bool suppressTouch = server.Keyspace.SuppressTouch;
        try
        {
            for (int i = 0; i < 4; i++)
            {
                server.Keyspace.RefreshClock();
                int n = server.Loop.ProcessEventsNow();
                server.FlushPendingWrites(_caller);
                if (server.Loop.StopRequested)
                {
                    server.Log.Warning($"Shutdown while loading the {What}: exiting without saving.");
                    Environment.Exit(0);
                }
                if (n == 0) break;
            }
        }
        finally
        {
            _inEvents = false;
            server.Dispatcher.ErrorsSeen = errorsSeen;
            server.Keyspace.SuppressTouch = suppressTouch;
        }
    }
}
