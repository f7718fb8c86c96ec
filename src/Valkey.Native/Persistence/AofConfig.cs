namespace Valkey.Native.Server;

/// <summary>
/// Parameters of the append-only file (Valkey's config.c rows for appendonly and aof-*).
/// appendonly is applied at run time by <see cref="Persistence.AofPersistence"/> (through
/// ServerConfig.Changed); the others are read on use.
/// </summary>
public static partial class ConfigParameters
{
    private static readonly string[] AppendFsyncNames = ["always", "everysec", "no"];

    private static ConfigParameter[] AofParameters() =>
    [
        Bool("appendonly", ConfigFlags.None, c => c.AppendOnly, (c, v) => c.AppendOnly = v),
        new StringParameter("appendfilename", null, ConfigFlags.Immutable, emptyIsNull: false, c => c.AppendFilename, (c, v) => c.AppendFilename = v),
        new StringParameter("appenddirname", null, ConfigFlags.Immutable, emptyIsNull: false, c => c.AppendDirName, (c, v) => c.AppendDirName = v),
        new EnumParameter("appendfsync", null, ConfigFlags.None, AppendFsyncNames, c => c.AppendFsync, (c, v) => c.AppendFsync = v),
        Int("auto-aof-rewrite-percentage", ConfigFlags.None, 0, IntMax, c => c.AutoAofRewritePercentage, (c, v) => c.AutoAofRewritePercentage = (int)v),
        Memory("auto-aof-rewrite-min-size", ConfigFlags.None, 0, LongMax, unsignedBounds: false,
            c => c.AutoAofRewriteMinSize, (c, v) => c.AutoAofRewriteMinSize = v),
        Bool("aof-load-truncated", ConfigFlags.None, c => c.AofLoadTruncated, (c, v) => c.AofLoadTruncated = v),
        Bool("aof-use-rdb-preamble", ConfigFlags.None, c => c.AofUseRdbPreamble, (c, v) => c.AofUseRdbPreamble = v),
        Bool("aof-timestamp-enabled", ConfigFlags.None, c => c.AofTimestampEnabled, (c, v) => c.AofTimestampEnabled = v),
        Bool("aof-rewrite-incremental-fsync", ConfigFlags.None, c => c.AofRewriteIncrementalFsync, (c, v) => c.AofRewriteIncrementalFsync = v),
        Bool("no-appendfsync-on-rewrite", ConfigFlags.None, c => c.NoAppendFsyncOnRewrite, (c, v) => c.NoAppendFsyncOnRewrite = v),
        Bool("aof-disable-auto-gc", ConfigFlags.Hidden, c => c.AofDisableAutoGc, (c, v) => c.AofDisableAutoGc = v),
    ];
}
