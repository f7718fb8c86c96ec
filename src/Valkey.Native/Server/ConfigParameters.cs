using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace Valkey.Native.Server;

/// <summary>Per-parameter behaviour flags (Valkey's *_CONFIG flags that matter to us).</summary>
[Flags]
public enum ConfigFlags
{
    None = 0,
    /// <summary>Only settable at start-up (config file / command line).</summary>
    Immutable = 1 << 0,
    /// <summary>CONFIG SET allowed only as enable-protected-configs says (yes, or local for loopback clients).</summary>
    Protected = 1 << 1,
    /// <summary>Left out of CONFIG GET pattern matches; an exact name still finds it.</summary>
    Hidden = 1 << 2,
    /// <summary>Takes several values (bind, save): CONFIG SET splits its value on spaces.</summary>
    MultiArg = 1 << 3,
    /// <summary>The value is a secret (requirepass): never logged.</summary>
    Sensitive = 1 << 4,
}

/// <summary>What a setter did: Valkey's 0 / 1 / 2 return of the set interface.</summary>
public enum SetResult
{
    Failed = 0,
    /// <summary>The stored value changed: the change must be applied (RaiseChanged).</summary>
    Changed = 1,
    /// <summary>Valid, but equal to the current value: nothing to apply.</summary>
    Unchanged = 2,
}

/// <summary>
/// How CONFIG REWRITE writes a parameter: <see cref="Line"/> null means "no line at all" (the
/// parameter's old lines are blanked); <see cref="Force"/> means the line must be written even
/// if the old file did not mention the parameter (the value differs from the default).
/// </summary>
public readonly record struct RewriteLine(string? Line, bool Force);

/// <summary>One configuration parameter: its names, flags, and how to parse, print and rewrite it.</summary>
public abstract class ConfigParameter(string name, string? alias, ConfigFlags flags)
{
    public string Name { get; } = name;
    /// <summary>The old name Valkey still accepts (hash-max-ziplist-entries...), or null.</summary>
    public string? Alias { get; } = alias;
    public ConfigFlags Flags { get; } = flags;

    public bool Has(ConfigFlags flag) => (Flags & flag) != 0;

    /// <summary>The value as CONFIG GET prints it.</summary>
    public abstract string Get(ServerConfig config);

    /// <summary>
    /// Parses and stores <paramref name="args"/> (exactly one unless <see cref="ConfigFlags.MultiArg"/>).
    /// On failure nothing is stored and <paramref name="error"/> holds Valkey's reason text.
    /// </summary>
    public abstract SetResult Set(ServerConfig config, string[] args, out string? error);

    /// <summary>The CONFIG REWRITE line for the current value; <paramref name="defaults"/> is a pristine config.</summary>
    public abstract RewriteLine Rewrite(ServerConfig config, ServerConfig defaults);
}

/// <summary>yes/no parameters.</summary>
public sealed class BoolParameter(string name, string? alias, ConfigFlags flags,
    Func<ServerConfig, bool> get, Action<ServerConfig, bool> set, Func<bool, string?>? validate = null)
    : ConfigParameter(name, alias, flags)
{
    public override string Get(ServerConfig config) => get(config) ? "yes" : "no";

    public override SetResult Set(ServerConfig config, string[] args, out string? error)
    {
        int yn = ConfigText.YesNo(args[0]);
        if (yn < 0)
        {
            error = "argument must be 'yes' or 'no'";
            return SetResult.Failed;
        }
        error = validate?.Invoke(yn == 1);
        if (error != null) return SetResult.Failed;
        if (get(config) == (yn == 1)) return SetResult.Unchanged;
        set(config, yn == 1);
        return SetResult.Changed;
    }

    public override RewriteLine Rewrite(ServerConfig config, ServerConfig defaults) =>
        new($"{Name} {Get(config)}", get(config) != get(defaults));
}

/// <summary>How a numeric parameter is written and read back.</summary>
public enum NumericFormat
{
    Integer,
    /// <summary>Accepts 1k/1kb/1m/1mb/1g/1gb (memtoull); GET prints plain bytes, REWRITE uses gb/mb/kb.</summary>
    Memory,
    /// <summary>Parsed and printed in octal (unixsocketperm).</summary>
    Octal,
}

/// <summary>
/// Integer parameters with inclusive bounds. <see cref="UnsignedBounds"/> reproduces Valkey's
/// unsigned C types (unsigned int, size_t, unsigned long long): the parsed value is compared as an
/// unsigned number, so "-1" is out of range rather than below the minimum, and the bounds print
/// with %llu.
/// </summary>
public sealed class NumericParameter(string name, string? alias, ConfigFlags flags, NumericFormat format,
    long lower, long upper, bool unsignedBounds, Func<ServerConfig, long> get, Action<ServerConfig, long> set,
    Func<long, string?>? validate = null)
    : ConfigParameter(name, alias, flags)
{
    public NumericFormat Format { get; } = format;
    public long Lower { get; } = lower;
    public long Upper { get; } = upper;
    public bool UnsignedBounds { get; } = unsignedBounds;

    public override string Get(ServerConfig config)
    {
        long v = get(config);
        return Format switch
        {
            NumericFormat.Memory => ((ulong)v).ToString(CultureInfo.InvariantCulture),
            NumericFormat.Octal => Convert.ToString(v, 8),
            _ => v.ToString(CultureInfo.InvariantCulture),
        };
    }

    public override SetResult Set(ServerConfig config, string[] args, out string? error)
    {
        if (!TryParse(args[0], out long value, out error)) return SetResult.Failed;
        if (!CheckBounds(value, out error)) return SetResult.Failed;
        error = validate?.Invoke(value);
        if (error != null) return SetResult.Failed;
        if (get(config) == value) return SetResult.Unchanged;
        set(config, value);
        return SetResult.Changed;
    }

    private bool TryParse(string text, out long value, out string? error)
    {
        error = null;
        switch (Format)
        {
            case NumericFormat.Memory:
                value = (long)ConfigText.MemToULong(text, out bool memError);
                if (!memError) return true;
                error = "argument must be a memory value";
                return false;
            case NumericFormat.Octal:
                if (ConfigText.StrToLong(text, 8, out value, out bool complete, out bool overflow) && complete && !overflow) return true;
                error = "argument couldn't be parsed as an octal number";
                return false;
            default:
                if (Util.NumberParser.TryParseInt64(Encoding.UTF8.GetBytes(text), out value)) return true;
                error = "argument couldn't be parsed into an integer";
                return false;
        }
    }

    private bool CheckBounds(long value, out string? error)
    {
        error = null;
        if (UnsignedBounds)
        {
            ulong v = (ulong)value, lo = (ulong)Lower, hi = (ulong)Upper;
            if (v >= lo && v <= hi) return true;
            error = Format == NumericFormat.Octal
                ? $"argument must be between {Convert.ToString(Lower, 8)} and {Convert.ToString(Upper, 8)} inclusive"
                : $"argument must be between {lo} and {hi} inclusive";
            return false;
        }
        if (value >= Lower && value <= Upper) return true;
        error = $"argument must be between {Lower} and {Upper} inclusive";
        return false;
    }

    public override RewriteLine Rewrite(ServerConfig config, ServerConfig defaults)
    {
        long v = get(config);
        string text = Format switch
        {
            NumericFormat.Memory => ConfigText.FormatMemory(v),
            NumericFormat.Octal => Convert.ToString(v, 8),
            _ => v.ToString(CultureInfo.InvariantCulture),
        };
        return new($"{Name} {text}", v != get(defaults));
    }
}

/// <summary>
/// Free-text parameters. With <c>emptyIsNull</c> (Valkey's EMPTY_STRING_IS_NULL, whose default is
/// "unset") an empty value means unset: CONFIG REWRITE then drops the line, and any other value is
/// always written.
/// </summary>
public sealed class StringParameter(string name, string? alias, ConfigFlags flags, bool emptyIsNull,
    Func<ServerConfig, string> get, Action<ServerConfig, string> set, Func<string, string?>? validate = null)
    : ConfigParameter(name, alias, flags)
{
    public override string Get(ServerConfig config) => get(config);

    public override SetResult Set(ServerConfig config, string[] args, out string? error)
    {
        error = validate?.Invoke(args[0]);
        if (error != null) return SetResult.Failed;
        if (string.Equals(get(config), args[0], StringComparison.Ordinal)) return SetResult.Unchanged;
        set(config, args[0]);
        return SetResult.Changed;
    }

    public override RewriteLine Rewrite(ServerConfig config, ServerConfig defaults)
    {
        string value = get(config);
        if (emptyIsNull && value.Length == 0) return new(null, false);
        bool force = emptyIsNull || !string.Equals(value, get(defaults), StringComparison.Ordinal);
        return new($"{Name} {ConfigText.Repr(value)}", force);
    }
}

/// <summary>One of a fixed set of lowercase names, matched case-insensitively.</summary>
public sealed class EnumParameter(string name, string? alias, ConfigFlags flags, string[] names,
    Func<ServerConfig, string> get, Action<ServerConfig, string> set, Func<string, string?>? validate = null)
    : ConfigParameter(name, alias, flags)
{
    public IReadOnlyList<string> Names { get; } = names;

    public override string Get(ServerConfig config) => get(config);

    public override SetResult Set(ServerConfig config, string[] args, out string? error)
    {
        string? match = args.Length == 1
            ? Array.Find(names, n => string.Equals(n, args[0], StringComparison.OrdinalIgnoreCase))
            : null;
        if (match == null)
        {
            error = "argument(s) must be one of the following: " + string.Join(", ", names);
            return SetResult.Failed;
        }
        error = validate?.Invoke(match);
        if (error != null) return SetResult.Failed;
        if (get(config) == match) return SetResult.Unchanged;
        set(config, match);
        return SetResult.Changed;
    }

    public override RewriteLine Rewrite(ServerConfig config, ServerConfig defaults) =>
        new($"{Name} {get(config)}", get(config) != get(defaults));
}

/// <summary>Parameters with their own grammar (dir, bind, save): every behaviour is supplied.</summary>
public sealed class SpecialParameter(string name, string? alias, ConfigFlags flags,
    Func<ServerConfig, string> get, SpecialParameter.Setter set, Func<ServerConfig, ServerConfig, RewriteLine> rewrite)
    : ConfigParameter(name, alias, flags)
{
    public delegate SetResult Setter(ServerConfig config, string[] args, out string? error);

    public override string Get(ServerConfig config) => get(config);
    public override SetResult Set(ServerConfig config, string[] args, out string? error) => set(config, args, out error);
    public override RewriteLine Rewrite(ServerConfig config, ServerConfig defaults) => rewrite(config, defaults);
}

/// <summary>
/// The parameter table. Each row maps a Valkey parameter onto a <see cref="ServerConfig"/>
/// property with Valkey's type, bounds, flags and default (the property's initial value).
/// Who applies a change at run time: values read on every use (timeout, maxclients, protected-mode,
/// tcp-keepalive for new connections, active-expire-effort, requirepass, client-query-buffer-limit,
/// lazyfree-*) need nothing; hz, loglevel and proto-max-bulk-len are applied by
/// <see cref="ServerContext"/> on <see cref="ServerConfig.Changed"/>, as port and bind must be
/// (re-listening; a failure is reported by throwing); maxmemory, maxmemory-policy and lfu-* by
/// <see cref="Eviction"/>. Stored but without effect yet: dynamic-hz and save (persistence is a later issue;
/// appendonly is applied by Persistence/AofPersistence.cs; the AOF rows are in Persistence/AofConfig.cs).
/// </summary>
public static partial class ConfigParameters
{
    private const long IntMax = int.MaxValue;
    private const long UIntMax = uint.MaxValue;
    private const long LongMax = long.MaxValue;
    private const long Mb = 1024 * 1024;
    /// <summary>Valkey's CONFIG_BINDADDR_MAX.</summary>
    public const int MaxBindAddresses = 16;
    /// <summary>Valkey's CONFIG_MIN_HZ / CONFIG_MAX_HZ: hz is a hint, out-of-range values are capped.</summary>
    public const int MinHz = 1, MaxHz = 500;

    private static readonly string[] ProtectedActionNames = ["no", "yes", "local"];
    private static readonly string[] LogLevelNames = ["debug", "verbose", "notice", "warning", "nothing"];
    private static readonly string[] MaxMemoryPolicyNames =
        ["volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl", "allkeys-lru", "allkeys-lfu", "allkeys-random", "noeviction"];
    private static readonly string[] EventLoopBackendNames = ["epoll", "poll"];

    /// <summary>Builds the table; <paramref name="registry"/> supplies start-up state that "save" depends on.</summary>
    public static ConfigParameter[] Create(ConfigRegistry registry) =>
    [
        // ---- networking ----
        Int("port", ConfigFlags.None, 0, 65535, c => c.Port, (c, v) => c.Port = (int)v),
        new SpecialParameter("bind", null, ConfigFlags.MultiArg,
            c => string.Join(' ', c.Bind), SetBind, RewriteBind),
        Bool("protected-mode", ConfigFlags.None, c => c.ProtectedMode, (c, v) => c.ProtectedMode = v),
        new StringParameter("unixsocket", null, ConfigFlags.Immutable, emptyIsNull: true,
            c => c.UnixSocket, (c, v) => c.UnixSocket = v),
        new NumericParameter("unixsocketperm", null, ConfigFlags.Immutable, NumericFormat.Octal, 0, Convert.ToInt64("777", 8),
            unsignedBounds: true, c => c.UnixSocketPerm, (c, v) => c.UnixSocketPerm = (int)v),
        Int("tcp-backlog", ConfigFlags.Immutable, 0, IntMax, c => c.TcpBacklog, (c, v) => c.TcpBacklog = (int)v),
        Int("timeout", ConfigFlags.None, 0, IntMax, c => c.Timeout, (c, v) => c.Timeout = (int)v),
        Int("tcp-keepalive", ConfigFlags.None, 0, IntMax, c => c.TcpKeepAlive, (c, v) => c.TcpKeepAlive = (int)v),
        // unsigned int in Valkey; our property is an int, so values above int.MaxValue are capped
        // (no operating system gives a process that many descriptors anyway).
        new NumericParameter("maxclients", null, ConfigFlags.None, NumericFormat.Integer, 1, UIntMax, unsignedBounds: true,
            c => c.MaxClients, (c, v) => c.MaxClients = (int)Math.Min(v, IntMax)),
        Memory("proto-max-bulk-len", ConfigFlags.None, Mb, LongMax, unsignedBounds: false,
            c => c.ProtoMaxBulkLen, (c, v) => c.ProtoMaxBulkLen = v),
        Memory("client-query-buffer-limit", ConfigFlags.None, Mb, LongMax, unsignedBounds: true,
            c => c.ClientQueryBufferLimit, (c, v) => c.ClientQueryBufferLimit = v),
        new NumericParameter("tracking-table-max-keys", null, ConfigFlags.None, NumericFormat.Integer, 0, LongMax, unsignedBounds: true,
            c => c.TrackingTableMaxKeys, (c, v) => c.TrackingTableMaxKeys = v),

        // ---- server ----
        Int("databases", ConfigFlags.Immutable, 1, IntMax, c => c.Databases, (c, v) => c.Databases = (int)v),
        Int("hz", ConfigFlags.None, 0, IntMax, c => c.Hz, (c, v) => c.Hz = (int)Math.Clamp(v, MinHz, MaxHz)),
        Bool("dynamic-hz", ConfigFlags.None, c => c.DynamicHz, (c, v) => c.DynamicHz = v),
        new SpecialParameter("dir", null, ConfigFlags.Protected, _ => CurrentDirectory(), SetDir,
            (_, _) => new RewriteLine($"dir {ConfigText.Repr(CurrentDirectory())}", true)),
        new StringParameter("logfile", null, ConfigFlags.Immutable, emptyIsNull: false, c => c.LogFile, (c, v) => c.LogFile = v),
        new EnumParameter("loglevel", null, ConfigFlags.None, LogLevelNames,
            c => LogLevelNames[(int)c.LogLevel], (c, v) => c.LogLevel = (LogLevel)Array.IndexOf(LogLevelNames, v)),
        new StringParameter("pidfile", null, ConfigFlags.Immutable, emptyIsNull: true, c => c.PidFile, (c, v) => c.PidFile = v),
        new StringParameter("requirepass", null, ConfigFlags.Sensitive, emptyIsNull: true,
            c => c.RequirePass, (c, v) => c.RequirePass = v),
        Bool("daemonize", ConfigFlags.Immutable, c => c.Daemonize, (c, v) => c.Daemonize = v,
            v => v ? "daemonize yes is not supported: Valkey.Native always runs in the foreground (use a service manager such as systemd to run it in the background)" : null),
        new EnumParameter("enable-debug-command", null, ConfigFlags.Immutable, ProtectedActionNames,
            c => c.EnableDebugCommand, (c, v) => c.EnableDebugCommand = v),
        new EnumParameter("enable-protected-configs", null, ConfigFlags.Immutable, ProtectedActionNames,
            c => c.EnableProtectedConfigs, (c, v) => c.EnableProtectedConfigs = v),
        // Ours, not Valkey's: which readiness API the event loop uses. Hidden so that CONFIG GET *
        // lists exactly Valkey's names (tools and test suites walk that list and set each one back).
        new EnumParameter("event-loop-backend", null, ConfigFlags.Immutable | ConfigFlags.Hidden, EventLoopBackendNames,
            c => c.EventLoopBackend, (c, v) => c.EventLoopBackend = v,
            v => v == "epoll" && !OperatingSystem.IsLinux() ? "epoll is only available on Linux" : null),
        // Ours too, hidden for the same reason: how long the loop naps instead of blocking while requests
        // arrive back to back (Networking/IdleNap.cs); 0 = always block, as Valkey does.
        Int("event-loop-nap-us", ConfigFlags.Hidden, 0, 1000, c => c.EventLoopNapMicroseconds, (c, v) => c.EventLoopNapMicroseconds = (int)v),

        // ---- keyspace ----
        Int("active-expire-effort", ConfigFlags.None, 1, 10, c => c.ActiveExpireEffort, (c, v) => c.ActiveExpireEffort = (int)v),
        Bool("lazyfree-lazy-user-flush", ConfigFlags.None, c => c.LazyfreeLazyUserFlush, (c, v) => c.LazyfreeLazyUserFlush = v),
        Bool("lazyfree-lazy-user-del", ConfigFlags.None, c => c.LazyfreeLazyUserDel, (c, v) => c.LazyfreeLazyUserDel = v),
        new NumericParameter("maxmemory", null, ConfigFlags.None, NumericFormat.Memory, 0, unchecked((long)ulong.MaxValue),
            unsignedBounds: true, c => c.MaxMemory, (c, v) => c.MaxMemory = v),
        new EnumParameter("maxmemory-policy", null, ConfigFlags.None, MaxMemoryPolicyNames,
            c => c.MaxMemoryPolicy, (c, v) => c.MaxMemoryPolicy = v),
        Int("maxmemory-samples", ConfigFlags.None, 1, 64, c => c.MaxMemorySamples, (c, v) => c.MaxMemorySamples = (int)v),
        Int("maxmemory-eviction-tenacity", ConfigFlags.None, 0, 100, c => c.MaxMemoryEvictionTenacity, (c, v) => c.MaxMemoryEvictionTenacity = (int)v),
        Int("lfu-log-factor", ConfigFlags.None, 0, IntMax, c => c.LfuLogFactor, (c, v) => c.LfuLogFactor = (int)v),
        Int("lfu-decay-time", ConfigFlags.None, 0, IntMax, c => c.LfuDecayTime, (c, v) => c.LfuDecayTime = (int)v),
        Bool("lazyfree-lazy-eviction", ConfigFlags.None, c => c.LazyfreeLazyEviction, (c, v) => c.LazyfreeLazyEviction = v),
        Bool("lazyfree-lazy-expire", ConfigFlags.None, c => c.LazyfreeLazyExpire, (c, v) => c.LazyfreeLazyExpire = v),
        Bool("lazyfree-lazy-server-del", ConfigFlags.None, c => c.LazyfreeLazyServerDel, (c, v) => c.LazyfreeLazyServerDel = v),
        ShutdownOnSignal("shutdown-on-sigterm", c => c.ShutdownOnSigterm, (c, v) => c.ShutdownOnSigterm = v),
        ShutdownOnSignal("shutdown-on-sigint", c => c.ShutdownOnSigint, (c, v) => c.ShutdownOnSigint = v),
        new EnumParameter("oom-score-adj", null, ConfigFlags.None, ["no", "yes", "relative", "absolute"],
            c => c.OomScoreAdj, (c, v) => c.OomScoreAdj = v == "relative" ? "yes" : v),
        new SpecialParameter("oom-score-adj-values", null, ConfigFlags.MultiArg, c => string.Join(' ', c.OomScoreAdjValues),
            (ServerConfig c, string[] args, out string? error) => OomScoreAdj.SetValues(c, args, registry.Server?.Log, out error),
            (c, d) => new RewriteLine($"oom-score-adj-values {string.Join(' ', c.OomScoreAdjValues)}",
                !c.OomScoreAdjValues.AsSpan().SequenceEqual(d.OomScoreAdjValues))),
        Bool("extended-redis-compatibility", ConfigFlags.None, c => c.ExtendedRedisCompatibility, (c, v) => c.ExtendedRedisCompatibility = v),
        new SpecialParameter("maxmemory-clients", null, ConfigFlags.None, GetMaxMemoryClients, SetMaxMemoryClients,
            (c, d) => new RewriteLine($"maxmemory-clients {GetMaxMemoryClients(c)}", c.MaxMemoryClients != d.MaxMemoryClients)),
        // size_t in Valkey, int properties here: values above int.MaxValue are capped.
        new NumericParameter("hash-max-listpack-entries", "hash-max-ziplist-entries", ConfigFlags.None, NumericFormat.Integer,
            0, LongMax, unsignedBounds: true, c => c.HashMaxListpackEntries, (c, v) => c.HashMaxListpackEntries = (int)Math.Min(v, IntMax)),
        new NumericParameter("hash-max-listpack-value", "hash-max-ziplist-value", ConfigFlags.None, NumericFormat.Memory,
            0, LongMax, unsignedBounds: true, c => c.HashMaxListpackValue, (c, v) => c.HashMaxListpackValue = (int)Math.Min(v, IntMax)),
        // Encoding thresholds of lists, sets and sorted sets: stored now, used by those types
        // when they arrive with the collections issue (scripts and test suites set them already).
        new NumericParameter("list-max-listpack-size", "list-max-ziplist-size", ConfigFlags.None, NumericFormat.Integer,
            int.MinValue, IntMax, unsignedBounds: false, c => c.ListMaxListpackSize, (c, v) => c.ListMaxListpackSize = (int)v),
        new NumericParameter("list-compress-depth", null, ConfigFlags.None, NumericFormat.Integer,
            0, IntMax, unsignedBounds: false, c => c.ListCompressDepth, (c, v) => c.ListCompressDepth = (int)v),
        new NumericParameter("set-max-intset-entries", null, ConfigFlags.None, NumericFormat.Integer,
            0, LongMax, unsignedBounds: true, c => c.SetMaxIntsetEntries, (c, v) => c.SetMaxIntsetEntries = (int)Math.Min(v, IntMax)),
        new NumericParameter("set-max-listpack-entries", null, ConfigFlags.None, NumericFormat.Integer,
            0, LongMax, unsignedBounds: true, c => c.SetMaxListpackEntries, (c, v) => c.SetMaxListpackEntries = (int)Math.Min(v, IntMax)),
        new NumericParameter("set-max-listpack-value", null, ConfigFlags.None, NumericFormat.Integer,
            0, LongMax, unsignedBounds: true, c => c.SetMaxListpackValue, (c, v) => c.SetMaxListpackValue = (int)Math.Min(v, IntMax)),
        new NumericParameter("zset-max-listpack-entries", "zset-max-ziplist-entries", ConfigFlags.None, NumericFormat.Integer,
            0, LongMax, unsignedBounds: true, c => c.ZsetMaxListpackEntries, (c, v) => c.ZsetMaxListpackEntries = (int)Math.Min(v, IntMax)),
        new NumericParameter("zset-max-listpack-value", "zset-max-ziplist-value", ConfigFlags.None, NumericFormat.Memory,
            0, LongMax, unsignedBounds: true, c => c.ZsetMaxListpackValue, (c, v) => c.ZsetMaxListpackValue = (int)Math.Min(v, IntMax)),
        new NumericParameter("hll-sparse-max-bytes", null, ConfigFlags.None, NumericFormat.Memory,
            0, LongMax, unsignedBounds: true, c => c.HllSparseMaxBytes, (c, v) => c.HllSparseMaxBytes = v),
        new NumericParameter("stream-node-max-bytes", null, ConfigFlags.None, NumericFormat.Memory,
            0, LongMax, unsignedBounds: true, c => c.StreamNodeMaxBytes, (c, v) => c.StreamNodeMaxBytes = v),
        new NumericParameter("stream-node-max-entries", null, ConfigFlags.None, NumericFormat.Integer,
            0, LongMax, unsignedBounds: false, c => c.StreamNodeMaxEntries, (c, v) => c.StreamNodeMaxEntries = v),

        new SpecialParameter("client-output-buffer-limit", null, ConfigFlags.MultiArg, GetOutputBufferLimits, SetOutputBufferLimits,
            (c, d) => new RewriteLine($"client-output-buffer-limit {GetOutputBufferLimits(c)}", GetOutputBufferLimits(c) != GetOutputBufferLimits(d))),
        new SpecialParameter("notify-keyspace-events", null, ConfigFlags.None,
            c => KeyspaceNotifier.FormatFlags(c.NotifyKeyspaceEvents), SetNotifyKeyspaceEvents,
            (c, _) => new RewriteLine($"notify-keyspace-events {ConfigText.Repr(KeyspaceNotifier.FormatFlags(c.NotifyKeyspaceEvents))}", c.NotifyKeyspaceEvents != 0)),

        // ---- persistence (stored for compatibility; nothing saves yet) ----
        // The append-only file (Persistence/AofConfig.cs).
        .. AofParameters(),
        new StringParameter("dbfilename", null, ConfigFlags.Protected, emptyIsNull: false, c => c.DbFilename, (c, v) => c.DbFilename = v,
            v => v.Contains('/') ? "dbfilename can't be a path, just a filename" : null),
        Bool("rdbcompression", ConfigFlags.None, c => c.RdbCompression, (c, v) => c.RdbCompression = v),
        Bool("rdbchecksum", ConfigFlags.Immutable, c => c.RdbChecksum, (c, v) => c.RdbChecksum = v),
        new EnumParameter("sanitize-dump-payload", null, ConfigFlags.None, ["no", "yes", "clients"],
            c => c.SanitizeDumpPayload, (c, v) => c.SanitizeDumpPayload = v),
        Bool("stop-writes-on-bgsave-error", ConfigFlags.None, c => c.StopWritesOnBgsaveError, (c, v) => c.StopWritesOnBgsaveError = v),
        Bool("rdb-del-sync-files", ConfigFlags.None, c => c.RdbDelSyncFiles, (c, v) => c.RdbDelSyncFiles = v),
        Int("rdb-key-save-delay", ConfigFlags.Hidden, int.MinValue, int.MaxValue, c => c.RdbKeySaveDelay, (c, v) => c.RdbKeySaveDelay = v),
        // Loading (Server/LoadingState.cs): a debug delay per key loaded, and how often clients are served meanwhile.
        Int("key-load-delay", ConfigFlags.Hidden, int.MinValue, int.MaxValue, c => c.KeyLoadDelay, (c, v) => c.KeyLoadDelay = v),
        Int("loading-process-events-interval-bytes", ConfigFlags.Hidden, 1024, int.MaxValue, c => c.LoadingProcessEventsIntervalBytes, (c, v) => c.LoadingProcessEventsIntervalBytes = v),
        new SpecialParameter("save", null, ConfigFlags.MultiArg, GetSave,
            (ServerConfig c, string[] args, out string? error) => SetSave(registry, c, args, out error), RewriteSave),

        // ---- introspection (Server/IntrospectionConfig.cs) ----
        .. IntrospectionParameters(),
    ];

    private static NumericParameter Int(string name, ConfigFlags flags, long lower, long upper,
        Func<ServerConfig, long> get, Action<ServerConfig, long> set) =>
        new(name, null, flags, NumericFormat.Integer, lower, upper, unsignedBounds: false, get, set);

    private static NumericParameter Memory(string name, ConfigFlags flags, long lower, long upper, bool unsignedBounds,
        Func<ServerConfig, long> get, Action<ServerConfig, long> set) =>
        new(name, null, flags, NumericFormat.Memory, lower, upper, unsignedBounds, get, set);

    private static BoolParameter Bool(string name, ConfigFlags flags, Func<ServerConfig, bool> get, Action<ServerConfig, bool> set,
        Func<bool, string?>? validate = null) => new(name, null, flags, get, set, validate);

    // ---- client-output-buffer-limit ----

    private static readonly string[] OutputBufferClassNames = ["normal", "slave", "pubsub"];

    private static string GetOutputBufferLimits(ServerConfig config) =>
        string.Join(' ', config.ClientOutputBufferLimits.Select((l, i) => $"{OutputBufferClassNames[i]} {l.Hard} {l.Soft} {l.SoftSeconds}"));

    /// <summary>Valkey's setConfigClientOutputBufferLimitOption: &lt;class&gt; &lt;hard&gt; &lt;soft&gt; &lt;soft seconds&gt; groups, all or nothing.</summary>
    private static SetResult SetOutputBufferLimits(ServerConfig config, string[] args, out string? error)
    {
        if (args.Length % 4 != 0)
        {
            error = "Wrong number of arguments in buffer limit configuration.";
            return SetResult.Failed;
        }
        var limits = (OutputBufferLimit[])config.ClientOutputBufferLimits.Clone();
        for (int j = 0; j < args.Length; j += 4)
        {
            int cls = args[j].ToLowerInvariant() switch { "normal" => 0, "slave" or "replica" => 1, "pubsub" => 2, _ => -1 };
            if (cls < 0)
            {
                error = "Invalid client class specified in buffer limit configuration.";
                return SetResult.Failed;
            }
            long hard = (long)ConfigText.MemToULong(args[j + 1], out bool hardError);
            if (hardError) { error = "Error in hard limit"; return SetResult.Failed; }
            long soft = (long)ConfigText.MemToULong(args[j + 2], out bool softError);
            if (softError) { error = "Error in soft limit"; return SetResult.Failed; }
            if (!long.TryParse(args[j + 3], System.Globalization.NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long seconds))
            {
                error = "Error in soft_seconds setting";
                return SetResult.Failed;
            }
            limits[cls] = new OutputBufferLimit(hard, soft, seconds);
        }
        error = null;
        config.ClientOutputBufferLimits = limits;
        return SetResult.Changed;
    }

    // ---- maxmemory-clients (memory or percent of maxmemory) ----

    private static string GetMaxMemoryClients(ServerConfig config) =>
        config.MaxMemoryClients < 0 ? $"{-config.MaxMemoryClients}%" : config.MaxMemoryClients.ToString(CultureInfo.InvariantCulture);

    /// <summary>Valkey's PERCENT_CONFIG | MEMORY_CONFIG ssize_t: "N%" (stored as -N, at most 100%) or a memory value.</summary>
    private static SetResult SetMaxMemoryClients(ServerConfig config, string[] args, out string? error)
    {
        string text = args[0];
        long value;
        error = null;
        if (text.Length > 1 && text.EndsWith('%'))
        {
            if (!long.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out long percent))
            {
                error = "argument must be a memory or percent value";
                return SetResult.Failed;
            }
            value = -percent;
        }
        else
        {
            value = (long)ConfigText.MemToULong(text, out bool memError);
            if (memError)
            {
                error = "argument must be a memory or percent value";
                return SetResult.Failed;
            }
        }
        if (value < -100)
        {
            error = "percentage argument must be less or equal to 100";
            return SetResult.Failed;
        }
        if (value == config.MaxMemoryClients) return SetResult.Unchanged;
        config.MaxMemoryClients = value;
        return SetResult.Changed;
    }

    // ---- notify-keyspace-events ----

    private static SetResult SetNotifyKeyspaceEvents(ServerConfig config, string[] args, out string? error)
    {
        int flags = KeyspaceNotifier.ParseFlags(args[0]);
        if (flags == -1)
        {
            error = "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.";
            return SetResult.Failed;
        }
        error = null;
        config.NotifyKeyspaceEvents = flags;
        return SetResult.Changed;
    }

    // ---- bind ----

    /// <summary>shutdown-on-sigterm / shutdown-on-sigint: a multi-word flag set (ShutdownFlags).</summary>
    private static SpecialParameter ShutdownOnSignal(string name, Func<ServerConfig, int> get, Action<ServerConfig, int> set) =>
        new(name, null, ConfigFlags.MultiArg, c => ShutdownFlags.Format(get(c)),
            (ServerConfig c, string[] args, out string? error) => ShutdownFlags.Parse(args, get(c), v => set(c, v), out error),
            (c, d) => new RewriteLine($"{name} {ShutdownFlags.Format(get(c))}", get(c) != get(d)));

    private static SetResult SetBind(ServerConfig config, string[] args, out string? error)
    {
        if (args.Length > MaxBindAddresses)
        {
            error = "Too many bind addresses specified.";
            return SetResult.Failed;
        }
        error = null;
        // A single empty argument means "no addresses" (bind "").
        config.Bind = args.Length == 1 && args[0].Length == 0 ? [] : (string[])args.Clone();
        // Always "changed", as in Valkey: re-binding to the same addresses is how a failed
        // listener is retried.
        return SetResult.Changed;
    }

    private static RewriteLine RewriteBind(ServerConfig config, ServerConfig defaults)
    {
        if (config.Bind.AsSpan().SequenceEqual(defaults.Bind)) return new(null, false);
        string addresses = config.Bind.Length > 0 ? string.Join(' ', config.Bind) : "\"\"";
        return new($"bind {addresses}", true);
    }

    // ---- dir ----

    private static string CurrentDirectory()
    {
        try
        {
            return Directory.GetCurrentDirectory();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return ""; // getcwd failed (directory removed under us): Valkey prints an empty value too
        }
    }

    private static SetResult SetDir(ServerConfig config, string[] args, out string? error)
    {
        if (args.Length != 1)
        {
            error = "wrong number of arguments";
            return SetResult.Failed;
        }
        if (args[0].Length == 0)
        {
            error = "dir can't be empty";
            return SetResult.Failed;
        }
        // chdir(2) directly: the error must be strerror(errno), and the working directory is
        // process state that every relative path (dbfilename, includes) resolves against.
        if (LibC.Chdir(args[0]) != 0)
        {
            error = Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError());
            return SetResult.Failed;
        }
        error = null;
        config.Dir = CurrentDirectory();
        return SetResult.Changed;
    }

    // ---- save ----

    private static string GetSave(ServerConfig config) =>
        string.Join(' ', config.Save.Select(p => $"{p.Seconds} {p.Changes}"));

    private static SetResult SetSave(ConfigRegistry registry, ServerConfig config, string[] args, out string? error)
    {
        // A single "" means "no save points" (save ""), and clears the list even in a config file.
        bool clear = args.Length == 1 && args[0].Length == 0;
        if (clear) args = [];
        error = "Invalid save parameters";
        if ((args.Length & 1) != 0) return SetResult.Failed;
        var points = new (long Seconds, int Changes)[args.Length / 2];
        for (int j = 0; j < args.Length; j++)
        {
            ConfigText.StrToLong(args[j], 10, out long v, out bool complete, out _);
            if (!complete || ((j & 1) == 0 && v < 1) || ((j & 1) == 1 && v < 0)) return SetResult.Failed;
            if ((j & 1) == 0) points[j / 2].Seconds = v;
            else points[j / 2].Changes = unchecked((int)v);
        }
        error = null;
        if (clear) config.Save = [];
        // In config files the first "save" line replaces the built-in defaults and later ones
        // append to it; CONFIG SET always replaces the whole list.
        if (registry.ReadingConfigFile && registry.SaveLoaded)
        {
            config.Save = [.. config.Save, .. points];
        }
        else
        {
            config.Save = points;
            if (registry.ReadingConfigFile) registry.SaveLoaded = true;
        }
        return SetResult.Changed;
    }

    private static RewriteLine RewriteSave(ServerConfig config, ServerConfig defaults) =>
        config.Save.Length == 0 ? new("save \"\"", true) : new("save " + GetSave(config), true);

    private static partial class LibC
    {
        [LibraryImport("libc", EntryPoint = "chdir", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
        internal static partial int Chdir(string path);
    }
}

/// <summary>
/// The C-library text conventions config files and CONFIG depend on: strtoll, memtoull,
/// yesnotoi, sdscatrepr quoting and the gb/mb/kb memory notation of CONFIG REWRITE.
/// </summary>
public static class ConfigText
{
    /// <summary>yesnotoi(): 1 for yes, 0 for no (any case), -1 otherwise.</summary>
    public static int YesNo(string s) =>
        s.Equals("yes", StringComparison.OrdinalIgnoreCase) ? 1 : s.Equals("no", StringComparison.OrdinalIgnoreCase) ? 0 : -1;

    /// <summary>
    /// memtoull(): digits then an optional unit b, k (1000), kb (1024), m, mb, g, gb in any case.
    /// A leading '-' or an unknown unit is an error; no digits reads as 0 ("" and "kb" are 0, as
    /// strtoull accepts an empty string); overflow saturates and the multiplication wraps, as in C.
    /// </summary>
    public static ulong MemToULong(string text, out bool error)
    {
        error = false;
        if (text.StartsWith('-'))
        {
            error = true;
            return 0;
        }
        int u = 0;
        while (u < text.Length && char.IsAsciiDigit(text[u])) u++;
        string unit = text[u..];
        ulong mul;
        switch (unit.ToLowerInvariant())
        {
            case "": case "b": mul = 1; break;
            case "k": mul = 1000; break;
            case "kb": mul = 1024; break;
            case "m": mul = 1000 * 1000; break;
            case "mb": mul = 1024 * 1024; break;
            case "g": mul = 1000L * 1000 * 1000; break;
            case "gb": mul = 1024L * 1024 * 1024; break;
            default:
                error = true;
                return 0;
        }
        // The C code copies the digits into a 128-byte buffer first.
        if (u >= 128)
        {
            error = true;
            return 0;
        }
        ulong value = 0;
        for (int i = 0; i < u; i++)
        {
            ulong digit = (ulong)(text[i] - '0');
            value = value > (ulong.MaxValue - digit) / 10 ? ulong.MaxValue : value * 10 + digit;
        }
        return unchecked(value * mul);
    }

    /// <summary>
    /// strtoll(text, &amp;end, radix): leading C white space, an optional sign, then digits.
    /// <paramref name="complete"/> is C's <c>*end == '\0'</c> (true for "" and false for "+" or "  ",
    /// where no digits means end points at the start); <paramref name="overflow"/> is ERANGE
    /// (the value is then saturated). Returns true when the whole text was consumed.
    /// </summary>
    public static bool StrToLong(string text, int radix, out long value, out bool complete, out bool overflow)
    {
        value = 0;
        overflow = false;
        int i = 0;
        while (i < text.Length && IsCSpace(text[i])) i++;
        bool negative = false;
        if (i < text.Length && (text[i] == '+' || text[i] == '-'))
        {
            negative = text[i] == '-';
            i++;
        }
        int digitsStart = i;
        ulong magnitude = 0;
        ulong limit = negative ? (ulong)long.MaxValue + 1 : long.MaxValue;
        for (; i < text.Length; i++)
        {
            int d = text[i] - '0';
            if (d < 0 || d >= radix) break;
            if (magnitude > (limit - (ulong)d) / (ulong)radix)
            {
                overflow = true;
                magnitude = limit;
            }
            else if (!overflow)
            {
                magnitude = magnitude * (ulong)radix + (ulong)d;
            }
        }
        if (i == digitsStart)
        {
            complete = text.Length == 0;
            return complete;
        }
        value = negative ? unchecked((long)(0 - magnitude)) : (long)magnitude;
        complete = i == text.Length;
        return complete;
    }

    private static bool IsCSpace(char c) => c == ' ' || (c >= '\t' && c <= '\r');

    /// <summary>rewriteConfigFormatMemory(): "Ngb", "Nmb", "Nkb" when exact, else plain bytes.</summary>
    public static string FormatMemory(long bytes)
    {
        const long gb = 1024 * 1024 * 1024, mb = 1024 * 1024, kb = 1024;
        if (bytes != 0 && bytes % gb == 0) return $"{bytes / gb}gb";
        if (bytes != 0 && bytes % mb == 0) return $"{bytes / mb}mb";
        if (bytes != 0 && bytes % kb == 0) return $"{bytes / kb}kb";
        return bytes.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>sdscatrepr() of the UTF-8 bytes of <paramref name="value"/>.</summary>
    public static string Repr(string value) => Repr(Encoding.UTF8.GetBytes(value));

    /// <summary>
    /// sdscatrepr(): a double-quoted string that sdssplitargs reads back to the same bytes
    /// (\\ \" \n \r \t \a \b escaped, other non-printable bytes as \xhh).
    /// </summary>
    public static string Repr(ReadOnlySpan<byte> value)
    {
        var sb = new StringBuilder(value.Length + 2);
        sb.Append('"');
        foreach (byte b in value)
        {
            switch (b)
            {
                case (byte)'\\': sb.Append("\\\\"); break;
                case (byte)'"': sb.Append("\\\""); break;
                case (byte)'\n': sb.Append("\\n"); break;
                case (byte)'\r': sb.Append("\\r"); break;
                case (byte)'\t': sb.Append("\\t"); break;
                case 7: sb.Append("\\a"); break;
                case 8: sb.Append("\\b"); break;
                default:
                    if (b >= 0x20 && b < 0x7F) sb.Append((char)b);
                    else sb.Append("\\x").Append(b.ToString("x2", CultureInfo.InvariantCulture));
                    break;
            }
        }
        return sb.Append('"').ToString();
    }
}
