namespace Valkey.Native.Server;

/// <summary>
/// Typed configuration values the server reads on its hot paths. The parameter registry
/// (<see cref="ConfigRegistry"/>) maps Valkey's parameter names onto these properties,
/// parses and validates them, and raises <see cref="Changed"/> so the server can apply a
/// new value at run time (hz, loglevel, ...).
/// </summary>
public sealed class ServerConfig
{
    public int Port { get; set; } = 6379;
    /// <summary>Valkey 8's default: every IPv4 address, IPv6 when available (protected mode guards it).</summary>
    public string[] Bind { get; set; } = ["*", "-::*"];
    public bool ProtectedMode { get; set; } = true;
    public string UnixSocket { get; set; } = "";
    public int UnixSocketPerm { get; set; } = 0;
    public int TcpBacklog { get; set; } = 511;
    /// <summary>Close idle clients after this many seconds (0 = never).</summary>
    public int Timeout { get; set; } = 0;
    public int TcpKeepAlive { get; set; } = 300;
    public int Databases { get; set; } = 16;
    public int MaxClients { get; set; } = 10000;
    public int Hz { get; set; } = 10;
    public bool DynamicHz { get; set; } = true;
    public string Dir { get; set; } = Directory.GetCurrentDirectory();
    public string LogFile { get; set; } = "";
    public LogLevel LogLevel { get; set; } = LogLevel.Notice;
    public string PidFile { get; set; } = "";
    public string RequirePass { get; set; } = "";
    public long ProtoMaxBulkLen { get; set; } = 512L * 1024 * 1024;
    public long ClientQueryBufferLimit { get; set; } = 1024L * 1024 * 1024;
    /// <summary>Keys the client-side caching table may hold before the oldest are invalidated (0: no limit).</summary>
    public long TrackingTableMaxKeys { get; set; } = 1_000_000;
    /// <summary>"no", "yes" or "local" (DEBUG, MODULE...).</summary>
    public string EnableDebugCommand { get; set; } = "no";
    /// <summary>Our own switch: "epoll" (Linux default) or "poll" (the portable backend).</summary>
    public string EventLoopBackend { get; set; } = OperatingSystem.IsLinux() ? "epoll" : "poll";
    /// <summary>event-loop-nap-us (ours, hidden): the event loop's nap while requests arrive back to back; 0 = always block.</summary>
    public int EventLoopNapMicroseconds { get; set; } = 30;
    public bool Daemonize { get; set; }
    // Valkey 8 defaults every lazyfree-* switch to yes.
    public bool LazyfreeLazyUserFlush { get; set; } = true;
    public bool LazyfreeLazyUserDel { get; set; } = true;
    /// <summary>lazyfree-lazy-expire: expired keys are freed (and propagated as UNLINK) through the lazy path.</summary>
    public bool LazyfreeLazyExpire { get; set; } = true;
    /// <summary>lazyfree-lazy-server-del: implicit deletes (overwrites, RENAME/MOVE targets, *STORE dst) free lazily.</summary>
    public bool LazyfreeLazyServerDel { get; set; } = true;
    /// <summary>shutdown-on-sigterm / shutdown-on-sigint: <see cref="ShutdownFlags"/> bits (0 = default).</summary>
    public int ShutdownOnSigterm { get; set; }
    public int ShutdownOnSigint { get; set; }
    /// <summary>oom-score-adj: "no", "yes" (relative; "relative" is stored as "yes", as Valkey reports it) or "absolute".</summary>
    public string OomScoreAdj { get; set; } = "no";
    /// <summary>oom-score-adj-values: primary, replica, background child.</summary>
    public int[] OomScoreAdjValues { get; set; } = [0, 200, 800];
    /// <summary>extended-redis-compatibility: HELLO reports server "redis" and Redis' version.</summary>
    public bool ExtendedRedisCompatibility { get; set; }
    public int ActiveExpireEffort { get; set; } = 1;
    public long MaxMemory { get; set; }
    public string MaxMemoryPolicy { get; set; } = "noeviction";
    // ---- RDB persistence (Persistence/RdbPersistence.cs) ----
    public string DbFilename { get; set; } = "dump.rdb";
    public bool RdbCompression { get; set; } = true;
    public bool RdbChecksum { get; set; } = true;
    public string SanitizeDumpPayload { get; set; } = "no";
    public bool StopWritesOnBgsaveError { get; set; } = true;
    public bool RdbDelSyncFiles { get; set; }
    public long RdbKeySaveDelay { get; set; }
    /// <summary>key-load-delay: microseconds slept per key loaded (negative -N: 1 us once every N keys); tests use it to see LOADING.</summary>
    public long KeyLoadDelay { get; set; }
    /// <summary>loading-process-events-interval-bytes: clients are served after every this many bytes loaded.</summary>
    public long LoadingProcessEventsIntervalBytes { get; set; } = 2 * 1024 * 1024;
    // ---- append-only file (Persistence/Aof*.cs) ----
    public bool AppendOnly { get; set; }
    public string AppendFilename { get; set; } = "appendonly.aof";
    public string AppendDirName { get; set; } = "appendonlydir";
    /// <summary>"always", "everysec" or "no".</summary>
    public string AppendFsync { get; set; } = "everysec";
    public int AutoAofRewritePercentage { get; set; } = 100;
    public long AutoAofRewriteMinSize { get; set; } = 64L * 1024 * 1024;
    public bool AofLoadTruncated { get; set; } = true;
    public bool AofUseRdbPreamble { get; set; } = true;
    public bool AofTimestampEnabled { get; set; }
    public bool AofRewriteIncrementalFsync { get; set; } = true;
    public bool NoAppendFsyncOnRewrite { get; set; }
    /// <summary>aof-disable-auto-gc (hidden): the files a rewrite replaces stay, as history entries of the manifest.</summary>
    public bool AofDisableAutoGc { get; set; }
    /// <summary>Keys sampled per database for each LRU/LFU/TTL eviction pick (maxmemory-samples).</summary>
    public int MaxMemorySamples { get; set; } = 5;
    /// <summary>0..100: how long one eviction call may run before continuing from the event loop.</summary>
    public int MaxMemoryEvictionTenacity { get; set; } = 10;
    public int LfuLogFactor { get; set; } = 10;
    /// <summary>Minutes per one-step decay of the LFU counter (0 = never decay).</summary>
    public int LfuDecayTime { get; set; } = 1;
    public bool LazyfreeLazyEviction { get; set; } = true;
    /// <summary>maxmemory-clients: bytes, or a percentage of maxmemory stored negated (-N = N%); 0 = no client eviction.</summary>
    public long MaxMemoryClients { get; set; }
    public long LatencyTrackingInfoPercentiles { get; set; }
    // ---- introspection (command logs, latency monitor and tracking) ----
    /// <summary>commandlog-execution-slower-than (alias slowlog-log-slower-than), microseconds; negative disables.</summary>
    public long SlowlogLogSlowerThan { get; set; } = 10000;
    /// <summary>commandlog-slow-execution-max-len (alias slowlog-max-len).</summary>
    public long SlowlogMaxLen { get; set; } = 128;
    /// <summary>commandlog-request-larger-than, bytes; negative disables.</summary>
    public long CommandlogRequestLargerThan { get; set; } = 1024 * 1024;
    public long CommandlogLargeRequestMaxLen { get; set; } = 128;
    /// <summary>commandlog-reply-larger-than, bytes; negative disables.</summary>
    public long CommandlogReplyLargerThan { get; set; } = 1024 * 1024;
    public long CommandlogLargeReplyMaxLen { get; set; } = 128;
    /// <summary>latency-monitor-threshold in milliseconds; 0 disables the latency monitor.</summary>
    public long LatencyMonitorThreshold { get; set; }
    /// <summary>latency-tracking: per-command latency histograms (INFO latencystats, LATENCY HISTOGRAM).</summary>
    public bool LatencyTracking { get; set; } = true;
    /// <summary>latency-tracking-info-percentiles: the percentiles INFO latencystats prints.</summary>
    public double[] LatencyTrackingPercentiles { get; set; } = [50.0, 99.0, 99.9];
    /// <summary>Hashes convert from listpack to hashtable beyond these (hash-max-listpack-*).</summary>
    public int HashMaxListpackEntries { get; set; } = 512;
    public int HashMaxListpackValue { get; set; } = 64;
    public int ListMaxListpackSize { get; set; } = -2;
    public int ListCompressDepth { get; set; }
    public int SetMaxIntsetEntries { get; set; } = 512;
    public int SetMaxListpackEntries { get; set; } = 128;
    public int SetMaxListpackValue { get; set; } = 64;
    public int ZsetMaxListpackEntries { get; set; } = 128;
    public int ZsetMaxListpackValue { get; set; } = 64;
    /// <summary>Longest sparse HyperLogLog (header included) before it is promoted to dense (hll-sparse-max-bytes).</summary>
    public long HllSparseMaxBytes { get; set; } = 3000;
    /// <summary>A stream node takes no more entries beyond this many bytes of Valkey listpack (stream-node-max-bytes; 0 = 1 GB).</summary>
    public long StreamNodeMaxBytes { get; set; } = 4096;
    /// <summary>A stream node takes at most this many entries, deleted ones included (stream-node-max-entries; 0 = no limit).</summary>
    public long StreamNodeMaxEntries { get; set; } = 100;
    /// <summary>notify-keyspace-events as Valkey's NOTIFY_* bits (see KeyspaceNotifier); 0 = off.</summary>
    public int NotifyKeyspaceEvents { get; set; }
    /// <summary>client-output-buffer-limit per class: [0] normal (Client), [1] replica, [2] pubsub (PubSub).</summary>
    public OutputBufferLimit[] ClientOutputBufferLimits { get; set; } =
        [new(0, 0, 0), new(256L * 1024 * 1024, 64L * 1024 * 1024, 60), new(32L * 1024 * 1024, 8L * 1024 * 1024, 60)];

    /// <summary>"no", "yes" or "local": whether CONFIG SET may change protected parameters (dir).</summary>
    public string EnableProtectedConfigs { get; set; } = "no";
    /// <summary>RDB save points ("save" parameter); stored only until persistence exists.</summary>
    public (long Seconds, int Changes)[] Save { get; set; } = [(3600, 1), (300, 100), (60, 10000)];

    /// <summary>The config file the server was started with (CONFIG REWRITE target), or empty.</summary>
    public string ConfigFile { get; set; } = "";

    /// <summary>Raised after CONFIG SET changed a parameter (by canonical name).</summary>
    public event Action<string>? Changed;

    public void RaiseChanged(string name) => Changed?.Invoke(name);
}

/// <summary>One client class's output limits: close at <see cref="Hard"/> bytes, or above <see cref="Soft"/> for <see cref="SoftSeconds"/>.</summary>
public readonly record struct OutputBufferLimit(long Hard, long Soft, long SoftSeconds);
