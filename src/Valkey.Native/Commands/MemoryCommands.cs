using Valkey.Native.Storage;
using static Valkey.Native.Commands.KeySpecFlags;

namespace Valkey.Native.Commands;

/// <summary>
/// MEMORY (Valkey's object.c memoryCommand). USAGE is exact here rather than sampled: every
/// byte a key owns is an arena block whose size the arena knows, so SAMPLES is accepted and
/// validated as Valkey does but not needed. STATS reports the same accounting as INFO memory;
/// MALLOC-STATS and PURGE answer as Valkey built without jemalloc does.
/// </summary>
public static unsafe class MemoryCommands
{
    public static readonly CommandSpec[] Commands =
    [
        new CommandSpec("memory", -2, CommandFlags.None, AclCategories.None, null)
            { Group = "server", Since = "4.0.0", Summary = "A container for memory diagnostics commands.", Complexity = "Depends on subcommand." }
            .WithSubcommands(
                new CommandSpec("usage", -3, CommandFlags.ReadOnly, AclCategories.None, Usage)
                {
                    Group = "server", Since = "4.0.0", Summary = "Estimates the memory usage of a key.",
                    Complexity = "O(N) where N is the number of samples.",
                    KeySpecs = [KeySpec.Index(2, RO)],
                },
                new CommandSpec("help", 2, CommandFlags.Loading | CommandFlags.Stale, AclCategories.None, Help)
                    { Group = "server", Since = "4.0.0", Summary = "Returns helpful text about the different subcommands.", Complexity = "O(1)" },
                new CommandSpec("doctor", 2, CommandFlags.None, AclCategories.None, Doctor)
                {
                    Group = "server", Since = "4.0.0", Summary = "Outputs a memory problems report.", Complexity = "O(1)",
                    Tips = ["nondeterministic_output", "request_policy:all_shards", "response_policy:special"],
                },
                new CommandSpec("stats", 2, CommandFlags.None, AclCategories.None, Stats)
                {
                    Group = "server", Since = "4.0.0", Summary = "Returns details about memory usage.", Complexity = "O(1)",
                    Tips = ["nondeterministic_output", "request_policy:all_shards", "response_policy:special"],
                },
                new CommandSpec("malloc-stats", 2, CommandFlags.None, AclCategories.None, MallocStats)
                {
                    Group = "server", Since = "4.0.0", Summary = "Returns the allocator statistics.", Complexity = "Depends on how much memory is allocated, could be slow",
                    Tips = ["nondeterministic_output", "request_policy:all_shards", "response_policy:special"],
                },
                new CommandSpec("purge", 2, CommandFlags.None, AclCategories.None, Purge)
                {
                    Group = "server", Since = "4.0.0", Summary = "Asks the allocator to release memory.", Complexity = "Depends on how much memory is allocated, could be slow",
                    Tips = ["request_policy:all_shards", "response_policy:all_succeeded"],
                }),
    ];

    private static void Usage(CommandContext ctx)
    {
        for (int i = 3; i < ctx.ArgCount; i++)
        {
            if (ctx.ArgIs(i, "samples"u8) && i + 1 < ctx.ArgCount)
            {
                if (!ctx.TryGetInt64OrReply(i + 1, out long samples)) return;
                if (samples < 0)
                {
                    ctx.Reply.AddError(ErrorMessages.Syntax);
                    return;
                }
                i++;
            }
            else
            {
                ctx.Reply.AddError(ErrorMessages.Syntax);
                return;
            }
        }
        // Like Valkey's dbFind: a logically expired key that is still stored is reported too.
        byte* entry = ctx.Db.Table.Find(ctx.Arg(2));
        if (entry == null)
        {
            ctx.Reply.AddNull();
            return;
        }
        long bytes = (long)ctx.Arena.UsableSize(entry) + ValueMemory.OutOfLineBytes(ctx.Keyspace, Database.Header(entry));
        ctx.Reply.AddInteger(bytes);
    }

    /// <summary>
    /// The key tables' bucket arrays (overhead.db.hashtable.lut), the part of them belonging to
    /// tables being rehashed (their old array: overhead.db.hashtable.rehashing) and how many are.
    /// </summary>
    public static (long Lut, long Rehashing, long RehashingCount) HashtableOverhead(Valkey.Native.Server.ServerContext server)
    {
        long lut = 0, rehashing = 0, count = 0;
        foreach (var db in server.Keyspace.Databases)
        {
            lut += db.Table.BucketArrayBytes;
            if (!db.Table.IsRehashing) continue;
            rehashing += db.Table.MainTableSize * sizeof(nint);
            count++;
        }
        return (lut, rehashing, count);
    }

    /// <summary>MEMORY STATS: getMemoryOverheadData's map (31 fields plus one per non-empty database).</summary>
    private static void Stats(CommandContext ctx)
    {
        var server = ctx.Server;
        long used = ServerCommands.UsedMemory(server);
        var state = ServerCommands.StateOf(server);
        if (used > state.PeakMemory) state.PeakMemory = used;
        long peak = state.PeakMemory;
        long rss = ServerCommands.ResidentSetBytes();
        long allocated = server.Keyspace.Arena.UsedBytes;
        long active = Math.Max(allocated, server.Keyspace.Arena.ReservedBytes);
        var (lut, rehashing, rehashingCount) = HashtableOverhead(server);
        long clients = server.BufferPool.BytesInUse;
        long overhead = clients + lut;
        long dataset = Math.Max(0, used - overhead);
        long keys = server.Keyspace.TotalKeys;
        // As Valkey (kvstoreNumAllocatedDicts): a database is listed once its table exists, even emptied.
        var dbs = server.Keyspace.Databases.Where(d => d.Count > 0 || d.VolatileCount > 0 || d.Table.BucketCount > 0).ToList();
        var r = ctx.Reply;
        r.AddMapLength(31 + dbs.Count);
        Field("peak.allocated", peak);
        Field("total.allocated", used);
        Field("startup.allocated", 0);
        Field("replication.backlog", 0);
        Field("clients.slaves", 0);
        Field("clients.normal", clients);
        Field("cluster.links", 0);
        Field("aof.buffer", 0);
        Field("lua.caches", 0);
        Field("functions.caches", 0);
        foreach (var db in dbs)
        {
            r.AddBulk("db." + db.Id);
            r.AddMapLength(2);
            Field("overhead.hashtable.main", db.Table.BucketArrayBytes);
            Field("overhead.hashtable.expires", 0);
        }
        Field("overhead.db.hashtable.lut", lut);
        Field("overhead.db.hashtable.rehashing", rehashing);
        Field("overhead.total", overhead);
        Field("db.dict.rehashing.count", rehashingCount);
        Field("keys.count", keys);
        Field("keys.bytes-per-key", keys == 0 ? 0 : dataset / keys);
        Field("dataset.bytes", dataset);
        DoubleField("dataset.percentage", used == 0 ? 0 : dataset * 100.0 / used);
        DoubleField("peak.percentage", peak == 0 ? 0 : used * 100.0 / peak);
        Field("allocator.allocated", allocated);
        Field("allocator.active", active);
        Field("allocator.resident", active);
        Field("allocator.muzzy", 0);
        DoubleField("allocator-fragmentation.ratio", allocated == 0 ? 0 : (double)active / allocated);
        Field("allocator-fragmentation.bytes", active - allocated);
        DoubleField("allocator-rss.ratio", active == 0 ? 0 : 1.0);
        Field("allocator-rss.bytes", 0);
        DoubleField("rss-overhead.ratio", active == 0 ? 0 : (double)rss / active);
        Field("rss-overhead.bytes", rss - active);
        DoubleField("fragmentation", used == 0 ? 0 : (double)rss / used);
        Field("fragmentation.bytes", rss - used);

        void Field(string name, long value)
        {
            r.AddBulk(name);
            r.AddInteger(value);
        }

        void DoubleField(string name, double value)
        {
            r.AddBulk(name);
            r.AddDouble(value);
        }
    }

    /// <summary>MEMORY DOCTOR: Valkey's report; with under 5 MB in use there is nothing to analyse.</summary>
    private static void Doctor(CommandContext ctx)
    {
        long used = ServerCommands.UsedMemory(ctx.Server);
        long peak = Math.Max(used, ServerCommands.StateOf(ctx.Server).PeakMemory);
        string report;
        if (used < 5L * 1024 * 1024)
        {
            report = "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. " +
                     "Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting.\n";
        }
        else if (peak > used * 3 / 2)
        {
            report = "Sam, I detected a few issues in this Valkey instance memory implants:\n\n" +
                     " * Peak memory: In the past this instance used more than 150% the memory that is currently using. The allocator is normally not able to release memory after a peak, so you can expect to see a big fragmentation ratio, however this is actually harmless and is only due to the memory peak, and if the Valkey instance Resident Set Size (RSS) is currently bigger than expected, the memory will be used as soon as you fill the Valkey instance with more data. If the memory peak was only occasional and you want to try to reclaim memory, please try the MEMORY PURGE command, otherwise the only other option is to shutdown and restart the instance.\n\n" +
                     "I'm here to keep you safe, Sam. I want to help you.\n";
        }
        else
        {
            report = "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n";
        }
        ctx.Reply.AddVerbatim(report);
    }

    /// <summary>What Valkey built without jemalloc answers.</summary>
    private static void MallocStats(CommandContext ctx) => ctx.Reply.AddBulk("Stats not supported for the current allocator"u8);

    /// <summary>Freed arena blocks are already returned to the OS by the cron; nothing to purge on demand.</summary>
    private static void Purge(CommandContext ctx) => ctx.Reply.AddOk();

    private static void Help(CommandContext ctx) => ctx.ReplyHelpWithHeader(
    [
        "DOCTOR",
        "    Return memory problems reports.",
        "MALLOC-STATS",
        "    Return internal statistics report from the memory allocator.",
        "PURGE",
        "    Attempt to purge dirty pages for reclamation by the allocator.",
        "STATS",
        "    Return information about the memory usage of the server.",
        "USAGE <key> [SAMPLES <count>]",
        "    Return memory in bytes used by <key> and its value. Nested values are",
        "    sampled up to <count> times (default: 5, 0 means sample all).",
    ]);
}
