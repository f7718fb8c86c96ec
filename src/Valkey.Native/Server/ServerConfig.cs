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
    public string[] Bind { get; set; } = ["127.0.0.1", "-::1"];
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
    /// <summary>"no", "yes" or "local" (DEBUG, MODULE...).</summary>
    public string EnableDebugCommand { get; set; } = "no";
    /// <summary>Our own switch: "epoll" (Linux default) or "poll" (the portable backend).</summary>
    public string EventLoopBackend { get; set; } = OperatingSystem.IsLinux() ? "epoll" : "poll";
    public bool Daemonize { get; set; }
    public bool LazyfreeLazyUserFlush { get; set; }
    public bool LazyfreeLazyUserDel { get; set; }
    public int ActiveExpireEffort { get; set; } = 1;
    public long MaxMemory { get; set; }
    public string MaxMemoryPolicy { get; set; } = "noeviction";
    public long LatencyTrackingInfoPercentiles { get; set; }
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
    /// <summary>notify-keyspace-events as Valkey's NOTIFY_* bits (see KeyspaceNotifier); 0 = off.</summary>
    public int NotifyKeyspaceEvents { get; set; }
    /// <summary>client-output-buffer-limit per class: [0] normal, [1] replica, [2] pubsub (only pubsub is enforced so far).</summary>
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
