using System.Text;
using Valkey.Native.Networking;
using Valkey.Native.Server;
using Valkey.Native.Storage;

namespace Valkey.Native.Commands;

/// <summary>
/// The DEBUG subcommands about tables and buffers: HTSTATS, HTSTATS-KEY, DICT-RESIZING,
/// CLIENT-EVICTION and REPLYBUFFER (dispatched from <see cref="DebugCommands"/>). The text
/// layouts are Valkey's (dictGetStatsMsg, kvstoreGetStats, debugCommand's bucket listing).
/// </summary>
public static unsafe class DebugHashTables
{
    /// <summary>Valkey's DICT_STATS_VECTLEN: chain lengths from this one on share the last slot.</summary>
    private const int ChainHistogramLength = KeyTableStats.HistogramLength;

    /// <summary>CLIENT_MEM_USAGE_BUCKET_MIN_LOG / MAX_LOG: buckets of clients by memory, 32 KB up to 4 GB+.</summary>
    private const int BucketMinLog = 15;
    private const int BucketMaxLog = 33;
    private const int BucketCount = 1 + BucketMaxLog - BucketMinLog;

    // ---- HTSTATS / HTSTATS-KEY ---------------------------------------------------------------

    /// <summary>
    /// DEBUG HTSTATS dbid [full]: the key table and the TTL index of one database. Our key table is a
    /// chained hash table like Valkey's dict (same sizes, same incremental rehash into a second table),
    /// so its figures map one to one. Keys with a TTL are kept in a dense array, not a hash table:
    /// its "table size" is the array's slot count and every key has a slot of its own (chains of 1).
    /// </summary>
    public static void HtStats(CommandContext ctx)
    {
        if (!ctx.TryGetInt64OrReply(2, out long dbid)) return;
        var databases = ctx.Keyspace.Databases;
        if (dbid < 0 || dbid >= databases.Length)
        {
            ctx.Reply.AddError(ErrorMessages.DebugOutOfRangeDatabase);
            return;
        }
        bool full = ctx.ArgCount >= 4 && ctx.ArgIs(3, "full"u8);
        var db = databases[dbid];
        var sb = new StringBuilder(256);
        sb.Append("[Dictionary HT]\n");
        // Valkey creates a database's dict with its first key and prints nothing before that.
        if (db.Table.MainTableSize != 0 || db.Table.Count != 0) AppendTableStats(sb, db.Table, full);
        sb.Append("[Expires HT]\n");
        if (db.VolatileCapacity != 0) AppendDenseStats(sb, db.VolatileCapacity, db.VolatileCount, full);
        ctx.Reply.AddVerbatim(sb.ToString());
    }

    /// <summary>DEBUG HTSTATS-KEY key [full]: the table of a hashtable-encoded set or hash, or a skiplist sorted set's member table.</summary>
    public static void HtStatsKey(CommandContext ctx)
    {
        bool full = ctx.ArgCount >= 4 && ctx.ArgIs(3, "full"u8);
        byte* entry = ctx.Db.Lookup(ctx.Arg(2), LookupFlags.NoTouch | LookupFlags.NoStats);
        if (entry == null)
        {
            ctx.Reply.AddError(ErrorMessages.NoSuchKey);
            return;
        }
        ValueHeader* h = Database.Header(entry);
        KeyTable? table = (h->Type, h->Encoding) switch
        {
            (DataType.Set, ValueEncoding.HashTable) => SetValue.HashTableOf(ctx.Keyspace, h),
            (DataType.Hash, ValueEncoding.HashTable) => HashValue.HashTableOf(ctx.Keyspace, h),
            (DataType.SortedSet, ValueEncoding.SkipList) => SortedSetValue.HashTableOf(ctx.Keyspace, h),
            _ => null,
        };
        if (table == null)
        {
            ctx.Reply.AddError(ErrorMessages.DebugNotHashTable);
            return;
        }
        var sb = new StringBuilder(256);
        AppendTableStats(sb, table, full);
        ctx.Reply.AddVerbatim(sb.ToString());
    }

    /// <summary>dictGetStats: the main table, then the rehash target while rehashing.</summary>
    private static void AppendTableStats(StringBuilder sb, KeyTable table, bool full)
    {
        AppendOne(sb, table, 0, full);
        if (table.IsRehashing) AppendOne(sb, table, 1, full);
    }

    private static void AppendOne(StringBuilder sb, KeyTable table, int index, bool full)
    {
        if (!full)
        {
            long size = index == 0 ? table.MainTableSize : table.RehashTargetSize;
            AppendStatsMessage(sb, index, size, table.UsedIn(index), null);
            return;
        }
        var stats = table.GetStats(index);
        AppendStatsMessage(sb, index, stats.TableSize, stats.Used, stats);
    }

    /// <summary>The TTL array as Valkey's stats see a table: <paramref name="used"/> slots hold one key each.</summary>
    private static void AppendDenseStats(StringBuilder sb, long capacity, long used, bool full)
    {
        KeyTableStats? stats = null;
        if (full)
        {
            var histogram = new long[ChainHistogramLength];
            histogram[0] = capacity - used;
            histogram[1] = used;
            stats = new KeyTableStats(capacity, used, used, used > 0 ? 1 : 0, histogram);
        }
        AppendStatsMessage(sb, 0, capacity, used, stats);
    }

    /// <summary>dictGetStatsMsg's layout; <paramref name="stats"/> is null unless FULL was asked for.</summary>
    private static void AppendStatsMessage(StringBuilder sb, int index, long size, long used, KeyTableStats? stats)
    {
        sb.Append("Hash table ").Append(index).Append(" stats (").Append(index == 0 ? "main hash table" : "rehashing target").Append("):\n");
        if (used == 0)
        {
            sb.Append("No stats available for empty dictionaries\n");
            return;
        }
        sb.Append(" table size: ").Append(size).Append('\n');
        sb.Append(" number of elements: ").Append(used).Append('\n');
        if (stats is not { } s) return;
        long totalChainLength = 0;
        for (int i = 0; i < ChainHistogramLength; i++) totalChainLength += i * s.ChainLengthHistogram[i];
        sb.Append(" different slots: ").Append(s.NonEmptyBuckets).Append('\n');
        sb.Append(" max chain length: ").Append(s.MaxChainLength).Append('\n');
        // Valkey divides as floats: the same rounding here.
        sb.Append(" avg chain length (counted): ").Append(FormatFloat2((float)totalChainLength / s.NonEmptyBuckets)).Append('\n');
        sb.Append(" avg chain length (computed): ").Append(FormatFloat2((float)used / s.NonEmptyBuckets)).Append('\n');
        sb.Append(" Chain length distribution:\n");
        // The last slot (50 and longer) is counted but, as in Valkey, not listed.
        for (int i = 0; i < ChainHistogramLength - 1; i++)
        {
            long buckets = s.ChainLengthHistogram[i];
            if (buckets == 0) continue;
            float percent = (float)buckets / size * 100;
            sb.Append("   ").Append(i).Append(": ").Append(buckets).Append(" (").Append(FormatFloat2(percent)).Append("%)\n");
        }
    }

    /// <summary>
    /// printf("%.02f") of a float: round half to even on the exact value. A float times 100 is exact
    /// in a double (24 + 7 bits), so rounding that product is exact too (.NET's "F2" rounds halves up).
    /// </summary>
    internal static string FormatFloat2(float value)
    {
        if (float.IsNaN(value)) return "nan";
        if (float.IsInfinity(value)) return value > 0 ? "inf" : "-inf";
        double hundredths = Math.Round((double)value * 100, MidpointRounding.ToEven);
        bool negative = hundredths < 0 || (hundredths == 0 && value < 0);
        ulong n = (ulong)Math.Abs(hundredths);
        return (negative ? "-" : "") + (n / 100).ToString(System.Globalization.CultureInfo.InvariantCulture) + "." + (n % 100).ToString("D2", System.Globalization.CultureInfo.InvariantCulture);
    }

    // ---- DICT-RESIZING -----------------------------------------------------------------------

    /// <summary>DEBUG DICT-RESIZING 0|1 (atoi): whether database key tables may grow or shrink.</summary>
    public static void DictResizing(CommandContext ctx, bool enabled)
    {
        ctx.Server.DictResizingEnabled = enabled;
        foreach (var db in ctx.Keyspace.Databases) EnforceResizing(db.Table, enabled);
        ctx.Reply.AddOk();
    }

    /// <summary>
    /// Applies DICT-RESIZING to one database table (also from the cron, for tables created since,
    /// e.g. by FLUSHALL ASYNC): disabled forbids every resize and rehash step; enabled lifts our
    /// Forbid only (a running snapshot still makes the table avoid resizing: KeyTable.EffectiveResizePolicy).
    /// </summary>
    public static void EnforceResizing(KeyTable table, bool enabled)
    {
        if (!enabled) table.ResizePolicy = KeyTableResizePolicy.Forbid;
        else if (table.ResizePolicy == KeyTableResizePolicy.Forbid) table.ResizePolicy = KeyTableResizePolicy.Enable;
    }

    // ---- CLIENT-EVICTION ---------------------------------------------------------------------

    /// <summary>
    /// DEBUG CLIENT-EVICTION: the evictable clients grouped as Valkey's eviction buckets group them
    /// (by the highest bit of their memory). Valkey lists what its buckets held at the last update;
    /// here each client's memory is measured now.
    /// </summary>
    public static void ClientEviction(CommandContext ctx)
    {
        if (ctx.Server.Config.MaxMemoryClients == 0)
        {
            ctx.Reply.AddError(ErrorMessages.DebugClientEvictionDisabled);
            return;
        }
        var memory = new long[BucketCount];
        var clients = new long[BucketCount];
        foreach (Client c in ctx.Server.Clients)
        {
            // clientEvictionAllowed: no CLIENT NO-EVICT (all our connections are normal or pub/sub clients).
            if (c.NoEvict || c.IsClosed) continue;
            long mem = Eviction.ClientMemory(c);
            int bucket = BucketOf(mem);
            memory[bucket] += mem;
            clients[bucket]++;
        }
        var sb = new StringBuilder(BucketCount * 64);
        for (int j = 0; j < BucketCount; j++)
        {
            if (j == 0) sb.Append("bucket          0");
            else sb.Append("bucket ").Append(Pad10(1L << (j - 1 + BucketMinLog)));
            if (j == BucketCount - 1) sb.Append("+            : ");
            else sb.Append(" - ").Append(Pad10((1L << (j + BucketMinLog)) - 1)).Append(": ");
            sb.Append("tot-mem: ").Append(Pad10(memory[j])).Append(", clients: ").Append(clients[j]).Append('\n');
        }
        ctx.Reply.AddVerbatim(sb.ToString());
    }

    /// <summary>getMemUsageBucket: the bit length of the size, clamped to the bucket range.</summary>
    internal static int BucketOf(long mem)
    {
        int bits = mem > 0 ? 64 - System.Numerics.BitOperations.LeadingZeroCount((ulong)mem) : 0;
        return Math.Clamp(bits, BucketMinLog, BucketMaxLog) - BucketMinLog;
    }

    /// <summary>printf("%10zu").</summary>
    private static string Pad10(long value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(10);

    // ---- REPLYBUFFER -------------------------------------------------------------------------

    /// <summary>DEBUG REPLYBUFFER PEAK-RESET-TIME never|reset|ms, or REPLYBUFFER RESIZING 0|1 (atoi).</summary>
    public static void ReplyBuffer(CommandContext ctx)
    {
        var sizing = ctx.Server.ReplyBuffers;
        if (ctx.ArgIs(2, "peak-reset-time"u8))
        {
            if (ctx.ArgIs(3, "never"u8)) sizing.PeakResetTimeMs = -1;
            else if (ctx.ArgIs(3, "reset"u8)) sizing.PeakResetTimeMs = ReplyBufferSizing.DefaultPeakResetTimeMs;
            else
            {
                if (!ctx.TryGetInt64OrReply(3, out long ms)) return;
                sizing.PeakResetTimeMs = ms;
            }
        }
        else if (ctx.ArgIs(2, "resizing"u8))
        {
            sizing.ResizingEnabled = DebugCommands.Atoi(ctx.Arg(3)) != 0;
        }
        else
        {
            ctx.ReplySubcommandSyntaxError();
            return;
        }
        ctx.Reply.AddOk();
    }
}
