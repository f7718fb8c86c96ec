using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Valkey.Native.Commands;
using Valkey.Native.Networking;
using Valkey.Native.Storage;

namespace Valkey.Native.Server;

/// <summary>
/// The server: configuration, keyspace, command table, clients and the event loop, passed
/// explicitly to everything that needs it (no global singletons). Owns the per-iteration
/// work (BeforeSleep) and the periodic cron.
/// </summary>
public sealed class ServerContext : IKeyspaceObserver, IDisposable
{
    public const string Version = "8.0.1";
    /// <summary>What INFO reports as redis_version, as Valkey does for client compatibility.</summary>
    public const string RedisCompatVersion = "7.2.4";

    private readonly Dictionary<long, Client> _clients = new();
    private readonly List<Client> _pendingWrites = new();
    private readonly List<Client> _closeQueue = new();
    private readonly List<Listener> _listeners = new();
    private long _nextClientId = 1;
    private volatile string? _shutdownSignal;
    private bool _shutdownDone;
    private long _cronLoops;

    public ServerContext(ServerConfig config, Log log)
    {
        Config = config;
        Log = log;
        Stats = new ServerStats();
        BufferPool = new IoBufferPool();
        Keyspace = new Keyspace(config.Databases, this, (ulong)Random.Shared.NextInt64());
        Blocking = new BlockedClients(this);
        Keyspace.Readiness = Blocking;
        ApplyLazyFreeSwitches();
        ClientClosed += Blocking.OnClientClosed;
        PubSub = new PubSub(this);
        ClientClosed += PubSub.OnClientClosed;
        Watches = new WatchedKeys(this);
        ClientClosed += Watches.OnClientClosed;
        Tracking = new Tracking(this);
        ClientClosed += Tracking.OnClientClosed;
        Monitors = new Monitors(this);
        ClientClosed += Monitors.OnClientClosed;
        Notifications = new KeyspaceNotifier(this);
        CommandLog = new CommandLog(this);
        Latency = new LatencyMonitor(this);
        Pause = new ClientPause(this);
        ClientClosed += Pause.OnClientClosed;
        Eviction = new Eviction(this);
        Persistence = new Persistence.RdbPersistence(this);
        LoadingState = new LoadingState(this);
        Propagation = new Propagation(this);
        Aof = new Persistence.AofPersistence(this);
        Commands = new CommandTable();
        Dispatcher = new Dispatcher(this, Commands);
        IEventBackend backend = config.EventLoopBackend == "poll" || !OperatingSystem.IsLinux()
            ? new PollBackend()
            : new EpollBackend();
        Loop = new EventLoop(backend)
        {
            CronPeriodMs = Math.Max(1, 1000 / Math.Max(1, config.Hz)),
            NapMicroseconds = config.EventLoopNapMicroseconds,
        };
        Loop.BeforeSleep = BeforeSleep;
        Loop.Cron = TimedCron;
        Loop.AfterSleep = LoopStats.AfterSleep;
        Loop.OnWake = OnWake;
        // A time-sliced eviction in progress must not wait for the next event (Valkey's 0 ms eviction timer).
        Loop.NextTimerMs = () => Eviction.Running ? 0 : NextTimerMs();
        RunId = Convert.ToHexString(RandomNumberGenerator()).ToLowerInvariant();
        StartTimeMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        Config.Changed += OnConfigChanged;
    }

    private static byte[] RandomNumberGenerator() => System.Security.Cryptography.RandomNumberGenerator.GetBytes(20);

    public ServerConfig Config { get; }
    public Log Log { get; }
    public ServerStats Stats { get; }
    /// <summary>INFO's instantaneous metrics, peak memory, auth failures and replication ids.</summary>
    public ServerInfoState InfoState { get; } = new();
    public IoBufferPool BufferPool { get; }
    public Keyspace Keyspace { get; }
    public CommandTable Commands { get; }
    public Dispatcher Dispatcher { get; }
    /// <summary>Clients blocked on keys (BLPOP, BZPOPMIN, XREAD...): see <see cref="BlockedClients"/>.</summary>
    public BlockedClients Blocking { get; }
    /// <summary>WATCHed keys and the transactions they make dirty: see <see cref="WatchedKeys"/>.</summary>
    public WatchedKeys Watches { get; }
    /// <summary>Channels, patterns and message delivery: see <see cref="Server.PubSub"/>.</summary>
    public PubSub PubSub { get; }
    /// <summary>CLIENT TRACKING: the tracking table, BCAST prefixes and invalidation delivery.</summary>
    public Tracking Tracking { get; }
    /// <summary>MONITOR connections and their feed.</summary>
    public Monitors Monitors { get; }
    /// <summary>notify-keyspace-events: publishes keyspace events (installs <see cref="NotifyHook"/> only when on).</summary>
    public KeyspaceNotifier Notifications { get; }
    /// <summary>SLOWLOG / COMMANDLOG: slow commands and large requests and replies.</summary>
    public CommandLog CommandLog { get; }
    /// <summary>The latency monitor (LATENCY LATEST/HISTORY/...; latency-monitor-threshold).</summary>
    public LatencyMonitor Latency { get; }
    /// <summary>CLIENT PAUSE / UNPAUSE state and the clients it postponed.</summary>
    public ClientPause Pause { get; }
    /// <summary>Event-loop cycle, command and cron durations (INFO stats / debug eventloop_*).</summary>
    public EventLoopStats LoopStats { get; } = new();
    /// <summary>maxmemory enforcement: see <see cref="Server.Eviction"/>.</summary>
    public Eviction Eviction { get; }
    /// <summary>RDB files: SAVE, save points, loading, INFO persistence (Persistence/RdbPersistence.cs).</summary>
    public Persistence.RdbPersistence Persistence { get; }
    /// <summary>A dataset loading (RDB/AOF): -LOADING for most commands, clients served meanwhile (Server/LoadingState.cs).</summary>
    public LoadingState LoadingState { get; }
    /// <summary>Command propagation to the AOF (and later replicas): see <see cref="Server.Propagation"/>.</summary>
    public Propagation Propagation { get; }
    /// <summary>The append-only file (Persistence/AofPersistence.cs).</summary>
    public Persistence.AofPersistence Aof { get; }
    public EventLoop Loop { get; }
    public string RunId { get; }
    public long StartTimeMs { get; }
    public long CronLoops => _cronLoops;
    public IReadOnlyCollection<Client> Clients => _clients.Values;
    public IReadOnlyList<Listener> Listeners => _listeners;
    public bool AuthRequired => Config.RequirePass.Length > 0;
    /// <summary>DEBUG SET-ACTIVE-EXPIRE 0 turns the active expire cycle off.</summary>
    public bool ActiveExpireEnabled { get; set; } = true;
    /// <summary>DEBUG PAUSE-CRON 1 stops the cron (tests use it to freeze background work).</summary>
    public bool CronPaused { get; set; }
    /// <summary>Valkey's per-client reply buffer sizing (CLIENT LIST rbs/rbp, DEBUG REPLYBUFFER).</summary>
    public ReplyBufferSizing ReplyBuffers { get; } = new();
    /// <summary>DEBUG DICT-RESIZING 0 stops the database key tables from growing or shrinking (Valkey's dict_resizing).</summary>
    public bool DictResizingEnabled { get; set; } = true;
    /// <summary>DEBUG QUICKLIST-PACKED-THRESHOLD: elements at least this big get their own quicklist node (<see cref="ListLimits.NoPackedThreshold"/>: not set).</summary>
    public long QuicklistPackedThreshold { get; set; } = ListLimits.NoPackedThreshold;
    /// <summary>The settings list commands and loaders build lists with, from the config and DEBUG state of this server.</summary>
    public ListLimits ListLimits => new(Config.ListMaxListpackSize, Config.ListCompressDepth, QuicklistPackedThreshold);
    public ConfigRegistry? ConfigRegistry { get; set; }

    public Client? FindClient(long id) => _clients.TryGetValue(id, out var c) ? c : null;

    // ---- start-up --------------------------------------------------------------------

    /// <summary>Opens the configured listeners. Throws with Valkey-like text if none can be bound.</summary>
    public void Listen()
    {
        OpenTcpListeners(_listeners);
        if (Config.UnixSocket.Length > 0)
        {
            var l = Listener.OpenUnix(Config.UnixSocket, Config.UnixSocketPerm, Config.TcpBacklog, OnAccepted);
            l.OnDescriptorsExhausted(PauseListener);
            Loop.Register(l.Fd, l, IoEvents.Readable);
            _listeners.Add(l);
        }
        if (_listeners.Count == 0) throw new InvalidOperationException("Configured to not listen anywhere, exiting.");
    }

    /// <summary>Opens a TCP listener per bind address (a "-" prefix marks an optional one).</summary>
    private void OpenTcpListeners(List<Listener> opened)
    {
        if (Config.Port != 0)
        {
            foreach (string spec in Config.Bind)
            {
                bool optional = spec.StartsWith('-');
                string address = optional ? spec[1..] : spec;
                IPAddress ip = address switch
                {
                    "*" => IPAddress.Any,
                    "::*" => IPAddress.IPv6Any,
                    _ => IPAddress.Parse(address),
                };
                try
                {
                    var l = Listener.OpenTcp(ip, Config.Port, Config.TcpBacklog, OnAccepted);
                    l.OnDescriptorsExhausted(PauseListener);
                    Loop.Register(l.Fd, l, IoEvents.Readable);
                    _listeners.Add(l);
                }
                catch (SocketException e) when (optional || e.SocketErrorCode == SocketError.AddressFamilyNotSupported)
                {
                    Log.Verbose($"Skipping optional bind address {spec}: {e.Message}");
                }
                catch (SocketException e)
                {
                    foreach (var done in opened.Where(o => o.Kind == ConnectionKind.Tcp).ToList())
                    {
                        Loop.Unregister(done.Fd);
                        done.Dispose();
                        opened.Remove(done);
                    }
                    throw new InvalidOperationException($"Failed listening on port {Config.Port} (tcp), aborting. ({address}: {e.Message})");
                }
            }
        }
    }

    /// <summary>
    /// CONFIG SET port/bind: opens the new TCP listeners first and closes the old ones only
    /// when that worked, so a failed change leaves the server listening where it was.
    /// </summary>
    /// <summary>The storage layer reads these two switches on every delete: copy them there.</summary>
    private void ApplyLazyFreeSwitches()
    {
        Keyspace.LazyFree.ServerDel = Config.LazyfreeLazyServerDel;
        Keyspace.LazyFree.Expire = Config.LazyfreeLazyExpire;
    }

    private void ReopenTcpListeners(string failureMessage)
    {
        var fresh = new List<Listener>();
        var old = _listeners.Where(l => l.Kind == ConnectionKind.Tcp).ToList();
        foreach (var l in old) { Loop.Unregister(l.Fd); l.Dispose(); _listeners.Remove(l); }
        try
        {
            OpenTcpListeners(fresh);
        }
        catch (Exception e) when (e is InvalidOperationException or SocketException or FormatException or ArgumentException)
        {
            // Any failure (bad address, EADDRINUSE, EACCES...) gets Valkey's one text; the caller restores the old value.
            Log.Warning(e.Message);
            throw new InvalidOperationException(failureMessage);
        }
        _listeners.AddRange(fresh);
    }

    private void OnAccepted(int fd, ConnectionKind kind)
    {
        Stats.ConnectionsReceived++;
        if (_clients.Count >= Config.MaxClients)
        {
            RejectConnection(fd, "-ERR max number of clients reached\r\n"u8);
            Stats.RejectedConnections++;
            return;
        }
        if (kind == ConnectionKind.Tcp)
        {
            LibC.SetIntOption(fd, LibC.IPPROTO_TCP, LibC.TCP_NODELAY, 1);
            if (Config.TcpKeepAlive > 0)
            {
                LibC.SetIntOption(fd, LibC.SOL_SOCKET, LibC.SO_KEEPALIVE, 1);
                LibC.SetIntOption(fd, LibC.IPPROTO_TCP, LibC.TCP_KEEPIDLE, Config.TcpKeepAlive);
                LibC.SetIntOption(fd, LibC.IPPROTO_TCP, LibC.TCP_KEEPINTVL, Math.Max(1, Config.TcpKeepAlive / 3));
                LibC.SetIntOption(fd, LibC.IPPROTO_TCP, LibC.TCP_KEEPCNT, 3);
            }
        }
        var client = new Client(this, _nextClientId++, fd, kind);
        // Valkey 8's clientAcceptHandler: the bind addresses do not matter, only protected-mode and a password.
        if (kind == ConnectionKind.Tcp && Config.ProtectedMode && !AuthRequired && !client.IsLoopback)
        {
            RejectConnection(fd, ProtectedModeError);
            Stats.RejectedConnections++;
            return;
        }
        _clients.Add(client.Id, client);
        Loop.Register(fd, client, IoEvents.Readable);
    }

    private readonly List<Listener> _pausedListeners = new();

    private void PauseListener(Listener listener)
    {
        if (_pausedListeners.Contains(listener)) return;
        Log.Warning("Accepting client connection: Too many open files");
        Loop.Update(listener.Fd, IoEvents.None);
        _pausedListeners.Add(listener);
    }

    private void ResumePausedListeners()
    {
        foreach (var l in _pausedListeners)
        {
            if (_listeners.Contains(l)) Loop.Update(l.Fd, IoEvents.Readable);
        }
        _pausedListeners.Clear();
    }

    /// <summary>
    /// Raises the open-files limit to what maxclients needs (plus 32 for listeners, logs and
    /// files), or lowers maxclients to fit the limit, as Valkey's adjustOpenFilesLimit does.
    /// </summary>
    public static unsafe void AdjustOpenFilesLimit(ServerConfig config, Log log)
    {
        const int Reserved = 32;
        ulong wanted = (ulong)config.MaxClients + Reserved;
        LibC.RLimit limit;
        if (LibC.GetRLimit(LibC.RLIMIT_NOFILE, &limit) != 0)
        {
            log.Warning("Unable to obtain the current NOFILE limit, assuming 1024 and setting the max clients configuration accordingly.");
            config.MaxClients = 1024 - Reserved;
            return;
        }
        if (limit.Current >= wanted) return;
        ulong original = limit.Current;
        ulong target = Math.Min(wanted, limit.Maximum);
        var raised = new LibC.RLimit { Current = target, Maximum = limit.Maximum };
        if (target > original && LibC.SetRLimit(LibC.RLIMIT_NOFILE, &raised) == 0 && target == wanted)
        {
            log.Notice($"Increased maximum number of open files to {wanted} (it was originally set to {original}).");
            return;
        }
        ulong have = target > original && LibC.GetRLimit(LibC.RLIMIT_NOFILE, &limit) == 0 ? limit.Current : original;
        if (have <= Reserved)
        {
            log.Warning($"Your current 'ulimit -n' of {have} is not enough for the server to start. Please increase your open file limit to at least {wanted}. Exiting.");
            throw new InvalidOperationException("open file limit too low");
        }
        int old = config.MaxClients;
        config.MaxClients = (int)(have - Reserved);
        log.Warning($"You requested maxclients of {old} requiring at least {wanted} max file descriptors.");
        log.Warning($"Current maximum open files is {have}. maxclients has been reduced to {config.MaxClients} to compensate for low ulimit. If you need higher maxclients increase 'ulimit -n'.");
    }


    private static unsafe void RejectConnection(int fd, ReadOnlySpan<byte> message)
    {
        fixed (byte* p = message) LibC.Write(fd, p, message.Length);
        LibC.Close(fd);
    }

    private static ReadOnlySpan<byte> ProtectedModeError =>
        "-DENIED Running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers, you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting from the same host the server is running, however MAKE SURE it's not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Set up an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n"u8;

    // ---- clients -----------------------------------------------------------------------

    internal void QueueWrite(Client client)
    {
        if (client.InPendingWrites || client.IsClosed) return;
        client.InPendingWrites = true;
        _pendingWrites.Add(client);
    }

    internal void UpdateInterest(Client client)
    {
        if (client.IsClosed) return;
        var interest = IoEvents.None;
        if (!client.ReadPaused) interest |= IoEvents.Readable;
        if (client.WantsWritable) interest |= IoEvents.Writable;
        Loop.Update(client.Fd, interest);
    }

    /// <summary>Closes a connection now. Commands must use <see cref="Client.CloseAsap"/> instead.</summary>
    public void CloseClient(Client client)
    {
        if (client.IsClosed) return;
        Loop.Unregister(client.Fd);
        LibC.Close(client.Fd);
        client.ReleaseBuffers();
        _clients.Remove(client.Id);
        ClientClosed?.Invoke(client);
    }

    /// <summary>Raised when a connection goes away (blocking, pub/sub and tracking clean up here).</summary>
    public event Action<Client>? ClientClosed;

    /// <summary>
    /// Called before every command: refreshes the cached clock commands see. One monotonic read
    /// serves both the command's wall-clock time and, for a top-level call, the start of its
    /// duration (<see cref="CommandStartTimestamp"/>), as Valkey's call() reads the clock once for
    /// both: a command costs two clock reads, not three. The wall time is the monotonic reading
    /// plus an offset taken from a real wall-clock read at most 100 ms old (both clocks advance at
    /// the same NTP-adjusted rate; only a wall-clock step shows up up to 100 ms late).
    /// </summary>
    internal void BeforeCommand()
    {
        long now = Stopwatch.GetTimestamp();
        if ((ulong)(now - _wallSyncTimestamp) > (ulong)WallResyncTicks) SyncWallClock(now);
        CommandStartTimestamp = now;
        Keyspace.SetClock((_wallSyncUnixUs + (long)((now - _wallSyncTimestamp) * MicrosecondsPerTick)) / 1000);
    }

    /// <summary>The monotonic reading of the last <see cref="BeforeCommand"/>, for the call it precedes (0 once taken).</summary>
    internal long CommandStartTimestamp;
    private long _wallSyncTimestamp = long.MinValue / 2;
    private long _wallSyncUnixUs;
    private static readonly double MicrosecondsPerTick = 1_000_000.0 / Stopwatch.Frequency;
    private static readonly long WallResyncTicks = Stopwatch.Frequency / 10;

    private void SyncWallClock(long timestamp)
    {
        _wallSyncUnixUs = (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) / (TimeSpan.TicksPerMillisecond / 1000);
        _wallSyncTimestamp = timestamp;
    }

    /// <summary>
    /// Called after every command a client sent (not after commands run inside EXEC or a script):
    /// serves clients blocked on keys the command made ready (Valkey's handleClientsBlockedOnKeys).
    /// </summary>
    internal void AfterCommand()
    {
        // While loading, keys the loader adds signal blocked clients: they are served once the load ends.
        if (Blocking.HasReadyKeys && !LoadingState.Active) Blocking.HandleClientsBlockedOnKeys();
    }

    // ---- per-iteration work and cron -----------------------------------------------------

    /// <summary>How long the loop may sleep: until the next blocking timeout or the end of a client pause.</summary>
    private int NextTimerMs()
    {
        int blocking = Blocking.MillisecondsToNextTimeout();
        int pause = Pause.MillisecondsToEnd();
        if (blocking < 0) return pause;
        if (pause < 0) return blocking;
        return Math.Min(blocking, pause);
    }

    private void BeforeSleep()
    {
        Pause.BeforeSleep();
        if (ActiveExpireEnabled && !Pause.ExpirePaused) ActiveExpireCycle(fast: true);
        Eviction.BeforeSleep();
        Blocking.BeforeSleep();
        Tracking.BroadcastInvalidations();
        // flushAppendOnlyFile: the AOF is written (and with appendfsync always fsynced) before any reply goes out.
        Aof.BeforeSleep();
        // Gather writes: one writev per client with output, once per loop iteration.
        for (int i = 0; i < _pendingWrites.Count; i++)
        {
            var c = _pendingWrites[i];
            c.InPendingWrites = false;
            if (c.CloseAsap) { CloseClient(c); continue; }
            c.Flush();
        }
        _pendingWrites.Clear();
        LoopStats.EndCycle();
    }

    /// <summary>
    /// While loading (Server/LoadingState.cs): writes replies, without the rest of BeforeSleep (active
    /// expiry, eviction, blocked clients and the AOF must not run on a half-loaded keyspace). The client
    /// whose command is loading (<paramref name="keep"/>) stays queued: it is mid-command, so it is
    /// neither written to nor closed (CLIENT KILL) before the load ends.
    /// </summary>
    internal void FlushPendingWrites(Client? keep)
    {
        int kept = 0;
        for (int i = 0; i < _pendingWrites.Count; i++)
        {
            var c = _pendingWrites[i];
            if (ReferenceEquals(c, keep)) { _pendingWrites[kept++] = c; continue; }
            c.InPendingWrites = false;
            if (c.CloseAsap) { CloseClient(c); continue; }
            c.Flush();
        }
        // Entries a Flush appended (a paused pipeline resumed) were visited by the loop too.
        _pendingWrites.RemoveRange(kept, _pendingWrites.Count - kept);
    }

    /// <summary>The cron, timed for INFO debug's eventloop_duration_cron_sum.</summary>
    private void TimedCron()
    {
        long start = Stopwatch.GetTimestamp();
        Cron();
        LoopStats.OnCron((long)Stopwatch.GetElapsedTime(start).TotalMicroseconds);
        LoopStats.Sample();
    }

    /// <summary>A connection that read or wrote within this many ms counts as active for the loop's nap (Networking/IdleNap.cs).</summary>
    private const int ActiveConnectionWindowMs = 200;

    private void Cron()
    {
        if (CronPaused) return;
        if (_shutdownSignal != null)
        {
            RunSignalShutdown();
            if (_shutdownSignal != null) return; // shutting down: the loop is stopping
        }
        _cronLoops++;
        Keyspace.RefreshClock();
        InfoState.SampleMetrics(Stats);
        if (_pausedListeners.Count > 0) ResumePausedListeners();
        if (Config.Timeout > 0) CloseIdleClients();
        long tick = Environment.TickCount64;
        int active = 0;
        foreach (var c in _clients.Values)
        {
            c.CronResizeQueryBuffer(tick);
            ReplyBuffers.Cron(c, tick);
            if (tick - c.LastInteractionMs <= ActiveConnectionWindowMs) active++;
        }
        Loop.ActiveConnections = active;
        PubSub.CronCheckOutputLimits();
        // Also done before every command; here so that an idle server still shrinks the table after CONFIG SET.
        if (Tracking.ClientCount > 0) Tracking.LimitUsedSlots();
        // A normal client stuck over its soft output limit with no new replies is closed too.
        if (Config.ClientOutputBufferLimits[0].Soft > 0)
        {
            foreach (var c in _clients.Values) if (c.OutputSoftLimitSince > 0) c.CheckOutputBufferLimits();
        }
        if (ActiveExpireEnabled && !Pause.ExpirePaused) ActiveExpireCycle(fast: false);
        // Incremental rehashing gets 1 ms per database per cron, as Valkey's activerehashing.
        foreach (var db in Keyspace.Databases)
        {
            Valkey.Native.Commands.DebugHashTables.EnforceResizing(db.Table, DictResizingEnabled);
            db.Table.ShrinkIfNeeded();
            // Valkey's tryResizeHashTables also grows: a table held back (snapshot, DICT-RESIZING 0) catches up here.
            if (db.Table.Count > 0) db.Table.ExpandIfNeeded();
            if (db.Table.IsRehashing) db.Table.RehashForMicroseconds(1000);
        }
        // Big freed blocks (old bucket arrays, large values) go back to the OS a slice at a
        // time, so unmapping 100+ MB never stalls one command.
        Keyspace.Arena.ReleaseDeferred(4L * 1024 * 1024);
        Keyspace.LazyFree.LeaveSharedModeIfIdle();
        Persistence.Cron();
        Aof.Cron();
    }

    private long _lastFastCycleTicks;

    /// <summary>
    /// Active expiry (Valkey's activeExpireCycle): the slow cycle runs from cron with up to 25%
    /// of the cron period; the fast cycle runs before sleeping for at most 1 ms, not more often
    /// than every 2 ms. Each database is sampled until few sampled keys are expired.
    /// </summary>
    private void ActiveExpireCycle(bool fast)
    {
        long now = Stopwatch.GetTimestamp();
        if (fast)
        {
            if (now - _lastFastCycleTicks < Stopwatch.Frequency / 500) return;
            _lastFastCycleTicks = now;
        }
        int effort = Math.Clamp(Config.ActiveExpireEffort, 1, 10) - 1;
        int samples = 20 + 20 / 4 * effort;
        int acceptableStale = 10 - effort;
        long budgetUs = fast ? 1000 + 1000 / 4 * effort : 1_000_000L * (25 + 2 * effort) / Math.Max(1, Config.Hz) / 100;
        long deadline = now + budgetUs * Stopwatch.Frequency / 1_000_000;
        Keyspace.RefreshClock();
        foreach (var db in Keyspace.Databases)
        {
            if (db.VolatileCount == 0) continue;
            if (!db.ActiveExpire(samples, acceptableStale, deadline)) break;
        }
        HashFieldExpiry.ActiveExpireCycle(Keyspace, samples, acceptableStale, deadline);
        long elapsedUs = (long)Stopwatch.GetElapsedTime(now).TotalMicroseconds;
        Keyspace.Stats.ExpireCycleCpuMicroseconds += elapsedUs;
        Latency.AddSampleIfNeeded("expire-cycle", elapsedUs / 1000);
    }

    private void CloseIdleClients()
    {
        long limit = Config.Timeout * 1000L;
        long now = Environment.TickCount64;
        _closeQueue.Clear();
        foreach (var c in _clients.Values)
        {
            // As clientsCronHandleTimeout: blocked clients and pub/sub subscribers (who only listen) are never idle.
            if (now - c.LastInteractionMs > limit && !c.IsBlocked && !c.IsPostponed && c.Subscriptions is not { Total: > 0 }) _closeQueue.Add(c);
        }
        foreach (var c in _closeQueue)
        {
            Log.Verbose("Closing idle client");
            CloseClient(c);
        }
    }

    private void OnConfigChanged(string name)
    {
        switch (name)
        {
            case "appendonly":
                if (!Config.AppendOnly) Aof.Stop();
                else if (Aof.Start() is { } aofError) throw new InvalidOperationException(aofError);
                break;
            case "hz":
                Loop.CronPeriodMs = Math.Max(1, 1000 / Math.Clamp(Config.Hz, 1, 500));
                break;
            case "event-loop-nap-us":
                Loop.NapMicroseconds = Config.EventLoopNapMicroseconds;
                break;
            case "loglevel":
                Log.Level = Config.LogLevel;
                break;
            case "logfile":
                Log.File = Config.LogFile;
                break;
            case "port":
                ReopenTcpListeners("Unable to listen on this port. Check server logs.");
                break;
            case "bind":
                ReopenTcpListeners("Failed to bind to specified addresses.");
                break;
            case "oom-score-adj" or "oom-score-adj-values":
                if (!OomScoreAdj.Apply(Config, Log)) throw new InvalidOperationException("Failed to set current oom_score_adj. Check server logs.");
                break;
            case "lazyfree-lazy-server-del" or "lazyfree-lazy-expire":
                ApplyLazyFreeSwitches();
                break;
            case "commandlog-slow-execution-max-len" or "commandlog-large-request-max-len" or "commandlog-large-reply-max-len":
                CommandLog.Trim();
                break;
            case "proto-max-bulk-len":
                foreach (var c in _clients.Values) c.Parser.MaxBulkLength = Config.ProtoMaxBulkLen;
                break;
        }
    }

    // ---- keyspace observer (hooks for WATCH, notifications, tracking, snapshots) ---------

    public void KeyModified(Database db, ReadOnlySpan<byte> key)
    {
        Watches.TouchKey(db, key);
        // Valkey's signalModifiedKey → trackingInvalidateKey (key names are shared by all databases).
        if (Tracking.Active) Tracking.InvalidateKey(key);
        KeyModifiedHook?.Invoke(db, key);
    }

    /// <summary>FLUSHDB/FLUSHALL (replacedWith null) or SWAPDB is about to change every key of <paramref name="db"/>.</summary>
    public void DatabaseTouched(Database db, Database? replacedWith)
    {
        Watches.TouchAllKeysInDb(db, replacedWith);
        // A flush (not SWAPDB) invalidates every client's cache: Valkey's trackingInvalidateKeysOnFlush.
        if (replacedWith == null) Tracking.OnFlush();
    }

    public void Notify(NotifyClass type, string eventName, ReadOnlySpan<byte> key, int dbId)
    {
        // Loading an RDB file fires no events (Valkey's dbAddRDBLoad); RESTORE still does.
        if (Valkey.Native.Persistence.RdbLoader.LoadingFile) return;
        // Expired and evicted keys were not changed by a client: tracking's BCAST NOLOOP must not
        // filter them out (Valkey passes a NULL client to signalModifiedKey there).
        if ((type & (NotifyClass.Expired | NotifyClass.Evicted)) != 0)
        {
            Tracking.NoteServerModification(key);
            // propagateDeletion: an expired or evicted key goes to the AOF as DEL (field expiry needs nothing:
            // the HPEXPIREAT in the AOF expires the fields again when it is loaded).
            if (Propagation.Enabled && eventName is "expired" or "evicted") Propagation.PropagateDeletion(dbId, key,
                unlink: eventName == "expired" ? Config.LazyfreeLazyExpire : Config.LazyfreeLazyEviction);
        }
        NotifyHook?.Invoke(type, eventName, key, dbId);
    }

    public delegate void KeyModifiedHandler(Database db, ReadOnlySpan<byte> key);
    public delegate void NotifyHandler(NotifyClass type, string eventName, ReadOnlySpan<byte> key, int dbId);
    /// <summary>
    /// Extra consumers (combine with +=). WATCH and client tracking are called explicitly by
    /// <see cref="KeyModified"/>; keyspace notifications own <see cref="NotifyHook"/>.
    /// </summary>
    public KeyModifiedHandler? KeyModifiedHook { get; set; }
    public NotifyHandler? NotifyHook { get; set; }

    // ---- shutdown ----------------------------------------------------------------------

    /// <summary>
    /// Thread-safe (signal handlers): asks the loop to shut down gracefully, as Valkey's
    /// sigShutdownHandler. A second SIGINT while one is still pending (say, during a long final
    /// save) means "quit now": the temp RDB is removed and the process exits with status 1.
    /// </summary>
    public void RequestShutdown(string signalName)
    {
        if (signalName == "SIGINT" && _shutdownSignal != null)
        {
            Log.Warning("You insist... exiting now.");
            try { File.Delete(Path.Combine(Path.GetDirectoryName(Persistence.FilePath) ?? ".", $"temp-{Environment.ProcessId}.rdb")); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
            Environment.Exit(1);
        }
        Log.Warning(LoadingState.Active ? "Received shutdown signal during loading, scheduling shutdown."
            : $"Received {signalName} scheduling shutdown...");
        _shutdownSignal = signalName;
        Loop.Wake();
    }

    /// <summary>SHUTDOWN ABORT: cancels a signal shutdown that has not run yet (e.g. held by DEBUG PAUSE-CRON).</summary>
    public bool AbortShutdown()
    {
        if (_shutdownSignal == null) return false;
        _shutdownSignal = null;
        Log.Notice("Shutdown manually aborted.");
        return true;
    }

    private void OnWake()
    {
        // DEBUG PAUSE-CRON holds a pending signal shutdown, as it holds Valkey's serverCron;
        // Cron() runs it once the pause ends (SHUTDOWN ABORT may cancel it meanwhile).
        if (_shutdownSignal != null && !CronPaused) RunSignalShutdown();
    }

    private void RunSignalShutdown()
    {
        string? signal = _shutdownSignal;
        if (signal == null || _shutdownDone) return;
        int flags = signal switch
        {
            "SIGINT" => Config.ShutdownOnSigint,
            "SIGTERM" => Config.ShutdownOnSigterm,
            _ => ShutdownFlags.None,
        };
        // A failed final save keeps the server running (the signal is consumed, as Valkey's cancelShutdown).
        if (TryShutdown(flags)) _shutdownDone = true;
        else _shutdownSignal = null;
    }

    /// <summary>
    /// prepareForShutdown: the final save (with SAVE, or with save points and no NOSAVE; never while
    /// loading, the half-loaded dataset would replace the file being loaded), then <see cref="Shutdown"/>.
    /// Returns false, serving on, when that save failed without FORCE.
    /// </summary>
    public bool TryShutdown(int flags)
    {
        bool save = (flags & ShutdownFlags.Save) != 0, noSave = (flags & ShutdownFlags.NoSave) != 0;
        if (!LoadingState.Active && (save || (!noSave && Config.Save.Length > 0)))
        {
            Log.Notice("Saving the final RDB snapshot before exiting.");
            if (Persistence.Save() != null)
            {
                if ((flags & ShutdownFlags.Force) != 0)
                {
                    Log.Warning("Error trying to save the DB. Exit anyway.");
                }
                else
                {
                    Log.Warning("Error trying to save the DB, can't exit.");
                    Log.Warning("Errors trying to shut down the server. Check the logs for more information.");
                    return false;
                }
            }
        }
        Shutdown();
        return true;
    }

    /// <summary>Stops serving: closes listeners and clients and ends the loop.</summary>
    public void Shutdown()
    {
        Log.Warning("User requested shutdown...");
        Persistence.OnShutdown();
        Aof.OnShutdown();
        foreach (var c in _clients.Values.ToList()) { c.Flush(); CloseClient(c); }
        foreach (var l in _listeners) { Loop.Unregister(l.Fd); l.Dispose(); }
        _listeners.Clear();
        if (Config.PidFile.Length > 0)
        {
            try { File.Delete(Config.PidFile); } catch (IOException) { }
        }
        Log.Warning("Valkey is now ready to exit, bye bye...");
        Loop.Stop();
    }

    public void Run() => Loop.Run();

    public void Dispose()
    {
        foreach (var c in _clients.Values.ToList()) CloseClient(c);
        foreach (var l in _listeners) l.Dispose();
        Loop.Dispose();
        Aof.Dispose();
        Propagation.Dispose();
        Keyspace.Dispose();
        BufferPool.Dispose();
    }
}
