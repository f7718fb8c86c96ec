using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Valkey.Native.Server;

namespace Valkey.Native.Commands;

/// <summary>
/// Server commands: INFO (the sections and field names of Valkey 8.0's genValkeyInfoString),
/// TIME, LASTSAVE and SHUTDOWN. Persistence does not exist, so the persistence section
/// reports a server that never saved (but started "saved", as LASTSAVE says) and SHUTDOWN
/// never saves. Fields for features not built yet report their idle values.
/// </summary>
public static class ServerCommands
{
    public static readonly CommandSpec[] Commands =
    [
        new CommandSpec("info", -1, CommandFlags.Loading | CommandFlags.Stale | CommandFlags.Sentinel, AclCategories.Slow | AclCategories.Dangerous, Info)
        {
            Group = "server", Summary = "Returns information and statistics about the server.", Since = "1.0.0", Complexity = "O(1)",
            Tips = ["nondeterministic_output", "request_policy:all_shards", "response_policy:special"],
            History = [("7.0.0", "Added support for taking multiple section arguments.")],
        },
        new CommandSpec("time", 1, CommandFlags.Loading | CommandFlags.Stale | CommandFlags.Fast, AclCategories.Fast, Time)
        {
            Group = "server", Summary = "Returns the server time.", Since = "2.6.0", Complexity = "O(1)",
            Tips = ["nondeterministic_output"],
        },
        new CommandSpec("shutdown", -1, CommandFlags.Admin | CommandFlags.NoScript | CommandFlags.Loading | CommandFlags.Stale | CommandFlags.NoMulti | CommandFlags.Sentinel | CommandFlags.AllowBusy, AclCategories.Admin | AclCategories.Slow | AclCategories.Dangerous, Shutdown)
        {
            Group = "server", Summary = "Synchronously saves the database(s) to disk and shuts down the server.", Since = "1.0.0", Complexity = "O(N) when saving, where N is the total number of keys in all databases when saving data, otherwise O(1)",
            History = [("7.0.0", "Added the `NOW`, `FORCE` and `ABORT` modifiers.")],
        },
    ];

    /// <summary>The INFO counters and samples the server keeps (<see cref="ServerContext.InfoState"/>).</summary>
    public static ServerInfoState StateOf(ServerContext server) => server.InfoState;

    /// <summary>Takes one sample of the instantaneous metrics if 100 ms have passed.</summary>
    public static void SampleMetrics(ServerContext server) => server.InfoState.SampleMetrics(server.Stats);

    // ---- TIME / LASTSAVE / SHUTDOWN ---------------------------------------------------------

    private static void Time(CommandContext ctx)
    {
        long us = (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) / 10;
        ctx.Reply.AddArrayLength(2);
        ctx.Reply.AddBulk(us / 1_000_000);
        ctx.Reply.AddBulk(us % 1_000_000);
    }

    private static bool HasArg(CommandContext ctx, ReadOnlySpan<byte> word)
    {
        for (int i = 1; i < ctx.ArgCount; i++) if (ctx.ArgIs(i, word)) return true;
        return false;
    }

    /// <summary>SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]: stops at once (SAVE has nothing to save).</summary>
    private static void Shutdown(CommandContext ctx)
    {
        bool noSave = false, save = false, other = false, abort = false;
        for (int i = 1; i < ctx.ArgCount; i++)
        {
            if (ctx.ArgIs(i, "nosave"u8)) noSave = true;
            else if (ctx.ArgIs(i, "save"u8)) save = true;
            else if (ctx.ArgIs(i, "now"u8) || ctx.ArgIs(i, "force"u8)) other = true;
            else if (ctx.ArgIs(i, "abort"u8)) abort = true;
            else
            {
                ctx.Reply.AddError(ErrorMessages.Syntax);
                return;
            }
        }
        if ((abort && (noSave || save || other)) || (noSave && save))
        {
            ctx.Reply.AddError(ErrorMessages.Syntax);
            return;
        }
        if (abort)
        {
            // Only a signal shutdown can be pending (held by DEBUG PAUSE-CRON); SHUTDOWN itself is immediate.
            if (ctx.Server.AbortShutdown()) ctx.Reply.AddOk();
            else ctx.Reply.AddError("ERR No shutdown in progress."u8);
            return;
        }
        int flags = (save ? ShutdownFlags.Save : 0) | (noSave ? ShutdownFlags.NoSave : 0)
            | (HasArg(ctx, "now"u8) ? ShutdownFlags.Now : 0) | (HasArg(ctx, "force"u8) ? ShutdownFlags.Force : 0);
        // No reply on success: the connection closes with the server, as with Valkey.
        if (!ctx.Server.TryShutdown(flags)) ctx.Reply.AddError("ERR Errors trying to SHUTDOWN. Check logs."u8);
    }

    // ---- INFO --------------------------------------------------------------------------------

    private static readonly string[] DefaultSections =
        ["server", "clients", "memory", "persistence", "stats", "replication", "cpu", "module_list", "errorstats", "cluster", "keyspace"];

    /// <summary>INFO [section ...]: "default", "all" and "everything" as genInfoSectionDict; names are case-insensitive.</summary>
    private static void Info(CommandContext ctx)
    {
        var sections = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        bool all = false;
        if (ctx.ArgCount == 1)
        {
            sections.UnionWith(DefaultSections);
        }
        for (int i = 1; i < ctx.ArgCount; i++)
        {
            if (ctx.ArgIs(i, "default"u8)) sections.UnionWith(DefaultSections);
            else if (ctx.ArgIs(i, "all"u8) || ctx.ArgIs(i, "everything"u8)) all = true;
            else sections.Add(ctx.ArgString(i));
        }
        ctx.Reply.AddVerbatim(GenerateInfo(ctx, sections, all));
    }

    /// <summary>The INFO text for the given sections (everything with <paramref name="all"/>, except "debug").</summary>
    public static string GenerateInfo(CommandContext ctx, IReadOnlySet<string> sections, bool all)
    {
        var server = ctx.Server;
        SampleMetrics(server);
        var info = new InfoBuilder();
        bool Want(string name) => all || sections.Contains(name);

        if (Want("server")) ServerSection(info.Section("Server"), server);
        if (Want("clients")) ClientsSection(info.Section("Clients"), server);
        if (Want("memory")) MemorySection(info.Section("Memory"), server);
        if (Want("persistence")) PersistenceSection(info.Section("Persistence"), server);
        if (Want("stats")) StatsSection(info.Section("Stats"), server);
        if (Want("replication")) ReplicationSection(info.Section("Replication"), server);
        if (Want("cpu")) CpuSection(info.Section("CPU"));
        if (all || sections.Contains("module_list") || sections.Contains("modules")) info.Section("Modules");
        if (Want("commandstats")) CommandStatsSection(info.Section("Commandstats"), server);
        if (Want("errorstats")) ErrorStatsSection(info.Section("Errorstats"), server);
        if (Want("latencystats")) LatencyStatsSection(info.Section("Latencystats"), server);
        if (Want("cluster")) info.Section("Cluster").Field("cluster_enabled", 0);
        if (Want("keyspace")) KeyspaceSection(info.Section("Keyspace"), server);
        if (sections.Contains("debug"))
        {
            info.Section("Debug")
                .Field("eventloop_duration_aof_sum", 0)
                .Field("eventloop_duration_cron_sum", server.LoopStats.CronSumUs)
                .Field("eventloop_duration_max", server.LoopStats.DurationMaxUs)
                .Field("eventloop_cmd_per_cycle_max", server.LoopStats.CommandsPerCycleMax);
        }
        return info.ToString();
    }

    private static void ServerSection(InfoBuilder info, ServerContext server)
    {
        long nowMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        long uptime = (nowMs - server.StartTimeMs) / 1000;
        var config = server.Config;
        info.Field("redis_version", ServerContext.RedisCompatVersion)
            .Field("server_name", "valkey")
            .Field("valkey_version", ServerContext.Version)
            .Field("redis_git_sha1", "00000000")
            .Field("redis_git_dirty", 0)
            .Field("redis_build_id", "0000000000000000")
            .Field(config.ExtendedRedisCompatibility ? "redis_mode" : "server_mode", "standalone") // extended-redis-compatibility
            .Field("os", OsDescription())
            .Field("arch_bits", IntPtr.Size * 8)
            .Field("monotonic_clock", "POSIX clock_gettime")
            .Field("multiplexing_api", server.Loop.BackendName)
            .Field("gcc_version", "0.0.0")
            .Field("process_id", Environment.ProcessId)
            .Field("process_supervised", "no")
            .Field("run_id", server.RunId)
            .Field("tcp_port", config.Port)
            .Field("server_time_usec", (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) / 10)
            .Field("uptime_in_seconds", uptime)
            .Field("uptime_in_days", uptime / 86400)
            .Field("hz", config.Hz)
            .Field("configured_hz", config.Hz)
            .Field("lru_clock", server.Keyspace.LruClock)
            .Field("executable", Environment.ProcessPath ?? "")
            .Field("config_file", config.ConfigFile)
            .Field("io_threads_active", 0)
            .Field("availability_zone", "");
        // One line per listener type, as getListensInfoString: "listener0:name=tcp,bind=*,bind=-::*,port=6379".
        if (config.Port != 0)
        {
            var tcp = new StringBuilder("name=tcp");
            foreach (var b in config.Bind) tcp.Append(",bind=").Append(b);
            tcp.Append(",port=").Append(config.Port);
            info.Field("listener0", tcp.ToString());
        }
        if (config.UnixSocket.Length > 0) info.Field("listener1", "name=unix,bind=" + config.UnixSocket);
    }

    private static string? _osDescription;

    /// <summary>uname's "sysname release machine".</summary>
    private static string OsDescription()
    {
        if (_osDescription != null) return _osDescription;
        string sysname = OperatingSystem.IsLinux() ? "Linux" : OperatingSystem.IsMacOS() ? "Darwin" : RuntimeInformation.OSDescription;
        string release = "";
        try { release = File.ReadAllText("/proc/sys/kernel/osrelease").Trim(); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        string machine = RuntimeInformation.OSArchitecture switch
        {
            Architecture.X64 => "x86_64",
            Architecture.Arm64 => OperatingSystem.IsMacOS() ? "arm64" : "aarch64",
            Architecture.X86 => "i686",
            _ => RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant(),
        };
        return _osDescription = $"{sysname} {release} {machine}";
    }

    private static void ClientsSection(InfoBuilder info, ServerContext server)
    {
        long maxIn = 0, maxOut = 0;
        foreach (var c in server.Clients)
        {
            maxIn = Math.Max(maxIn, c.QueryBufferCapacity);
            maxOut = Math.Max(maxOut, c.Reply.PendingBytes);
        }
        info.Field("connected_clients", server.Clients.Count)
            .Field("cluster_connections", 0)
            .Field("maxclients", server.Config.MaxClients)
            .Field("client_recent_max_input_buffer", maxIn)
            .Field("client_recent_max_output_buffer", maxOut)
            .Field("blocked_clients", server.Blocking.BlockedClientCount + server.Pause.PostponedCount)
            .Field("tracking_clients", server.Tracking.ClientCount)
            .Field("pubsub_clients", server.PubSub.ClientCount)
            .Field("watching_clients", server.Watches.WatchingClients)
            .Field("clients_in_timeout_table", server.Blocking.TimeoutTableCount)
            .Field("total_watched_keys", server.Watches.TotalWatchedKeys)
            .Field("total_blocking_keys", server.Blocking.TotalBlockingKeys)
            .Field("total_blocking_keys_on_nokey", server.Blocking.TotalBlockingKeysOnNoKey);
    }

    /// <summary>Bytes in use: the keyspace arena (keys, values, hash tables) plus connection buffers.</summary>
    public static long UsedMemory(ServerContext server) =>
        server.Keyspace.Arena.UsedBytes + server.Keyspace.ManagedBytes + server.BufferPool.BytesInUse + server.Aof.BufferAllocated;

    private static void MemorySection(InfoBuilder info, ServerContext server)
    {
        var state = StateOf(server);
        var arena = server.Keyspace.Arena;
        long used = UsedMemory(server);
        if (used > state.PeakMemory) state.PeakMemory = used;
        long peak = state.PeakMemory;
        long rss = ResidentSetBytes();
        long totalSystem = TotalSystemMemory();
        long allocated = arena.UsedBytes;
        long active = Math.Max(allocated, arena.ReservedBytes);
        long resident = active;
        long buckets = 0;
        foreach (var db in server.Keyspace.Databases) buckets += db.Table.BucketArrayBytes;
        // Overhead as Valkey counts it: client buffers and the key tables' bucket arrays.
        long overhead = server.BufferPool.BytesInUse + buckets;
        long dataset = Math.Max(0, used - overhead);
        long maxMemory = server.Config.MaxMemory;

        info.Field("used_memory", used)
            .Field("used_memory_human", BytesToHuman(used))
            .Field("used_memory_rss", rss)
            .Field("used_memory_rss_human", BytesToHuman(rss))
            .Field("used_memory_peak", peak)
            .Field("used_memory_peak_human", BytesToHuman(peak))
            .Field("used_memory_peak_perc", Percent(used, peak) + "%")
            .Field("used_memory_overhead", overhead)
            .Field("used_memory_startup", 0)
            .Field("used_memory_dataset", dataset)
            .Field("used_memory_dataset_perc", Percent(dataset, used) + "%")
            .Field("allocator_allocated", allocated)
            .Field("allocator_active", active)
            .Field("allocator_resident", resident)
            .Field("allocator_muzzy", 0)
            .Field("total_system_memory", totalSystem)
            .Field("total_system_memory_human", BytesToHuman(totalSystem))
            .Field("used_memory_lua", 0)
            .Field("used_memory_vm_eval", 0)
            .Field("used_memory_lua_human", BytesToHuman(0))
            .Field("used_memory_scripts_eval", 0)
            .Field("number_of_cached_scripts", 0)
            .Field("number_of_functions", 0)
            .Field("number_of_libraries", 0)
            .Field("used_memory_vm_functions", 0)
            .Field("used_memory_vm_total", 0)
            .Field("used_memory_vm_total_human", BytesToHuman(0))
            .Field("used_memory_functions", 0)
            .Field("used_memory_scripts", 0)
            .Field("used_memory_scripts_human", BytesToHuman(0))
            .Field("maxmemory", maxMemory)
            .Field("maxmemory_human", BytesToHuman(maxMemory))
            .Field("maxmemory_policy", server.Config.MaxMemoryPolicy)
            .Field("allocator_frag_ratio", Ratio(active, allocated))
            .Field("allocator_frag_bytes", active - allocated)
            .Field("allocator_rss_ratio", Ratio(resident, active))
            .Field("allocator_rss_bytes", resident - active)
            .Field("rss_overhead_ratio", Ratio(rss, resident))
            .Field("rss_overhead_bytes", rss - resident)
            // Named for compatibility: the whole RSS overhead, not just fragmentation (as Valkey).
            .Field("mem_fragmentation_ratio", Ratio(rss, used))
            .Field("mem_fragmentation_bytes", rss - used)
            .Field("mem_not_counted_for_evict", server.Eviction.NotCountedMemory())
            .Field("mem_replication_backlog", 0)
            .Field("mem_total_replication_buffers", 0)
            .Field("mem_clients_slaves", 0)
            .Field("mem_clients_normal", server.BufferPool.BytesInUse)
            .Field("mem_cluster_links", 0)
            .Field("mem_aof_buffer", server.Aof.BufferAllocated)
            .Field("mem_allocator", "arena")
            .Field("mem_overhead_db_hashtable_rehashing", MemoryCommands.HashtableOverhead(server).Rehashing)
            .Field("active_defrag_running", 0)
            .Field("lazyfree_pending_objects", server.Keyspace.LazyFree.PendingObjects)
            .Field("lazyfreed_objects", server.Keyspace.LazyFree.FreedObjects);
    }

    private static void PersistenceSection(InfoBuilder info, ServerContext server)
    {
        var rdb = server.Persistence;
        // Live while a load serves clients (Server/LoadingState.cs: RDB or AOF).
        var loading = server.LoadingState;
        info.Field("loading", loading.Active ? 1 : 0);
        if (loading.Active)
        {
            long elapsed = DateTimeOffset.UtcNow.ToUnixTimeSeconds() - loading.StartUnix;
            info.Field("loading_start_time", loading.StartUnix)
                .Field("loading_total_bytes", loading.TotalBytes)
                .Field("loading_rdb_used_mem", 0)
                .Field("loading_loaded_bytes", loading.LoadedBytes)
                .Field("loading_loaded_perc", loading.LoadedPercent.ToString("F2", System.Globalization.CultureInfo.InvariantCulture))
                .Field("loading_eta_seconds", loading.EtaSeconds)
                .Field("loading_elapsed_seconds", elapsed);
        }
        info.Field("async_loading", 0)
            .Field("current_cow_peak", 0)
            .Field("current_cow_size", rdb.CurrentCowSize)
            .Field("current_cow_size_age", 0)
            .Field("current_fork_perc", rdb.CurrentSavePercent.ToString("F2", System.Globalization.CultureInfo.InvariantCulture))
            .Field("current_save_keys_processed", rdb.CurrentSaveKeysProcessed)
            .Field("current_save_keys_total", rdb.CurrentSaveKeysTotal)
            .Field("rdb_changes_since_last_save", rdb.ChangesSinceLastSave)
            .Field("rdb_bgsave_in_progress", rdb.BgsaveInProgress ? 1 : 0)
            .Field("rdb_last_save_time", rdb.LastSaveUnix)
            .Field("rdb_last_bgsave_status", rdb.LastBgsaveOk ? "ok" : "err")
            .Field("rdb_last_bgsave_time_sec", rdb.LastSaveDurationSec)
            .Field("rdb_current_bgsave_time_sec", rdb.CurrentBgsaveSeconds)
            .Field("rdb_saves", rdb.Saves)
            .Field("rdb_last_cow_size", rdb.LastCowSize)
            .Field("rdb_last_load_keys_expired", rdb.LastLoadKeysExpired)
            .Field("rdb_last_load_keys_loaded", rdb.LastLoadKeysLoaded)
            .Field("aof_enabled", server.Aof.Enabled ? 1 : 0)
            .Field("aof_rewrite_in_progress", server.Aof.RewriteInProgress ? 1 : 0)
            .Field("aof_rewrite_scheduled", server.Aof.RewriteScheduled ? 1 : 0)
            .Field("aof_last_rewrite_time_sec", server.Aof.LastRewriteSeconds)
            .Field("aof_current_rewrite_time_sec", server.Aof.CurrentRewriteSeconds)
            .Field("aof_last_bgrewrite_status", server.Aof.LastRewriteOk ? "ok" : "err")
            .Field("aof_rewrites", server.Aof.Rewrites)
            .Field("aof_rewrites_consecutive_failures", server.Aof.RewriteFailures)
            .Field("aof_last_write_status", server.Aof.LastWriteOk ? "ok" : "err")
            .Field("aof_last_cow_size", 0)
            .Field("module_fork_in_progress", 0)
            .Field("module_fork_last_cow_size", 0);
        // Valkey adds these while appendonly is yes (server.aof_enabled, the config).
        if (server.Config.AppendOnly)
        {
            info.Field("aof_current_size", server.Aof.CurrentSize)
                .Field("aof_base_size", server.Aof.BaseSize)
                .Field("aof_pending_rewrite", server.Aof.RewriteScheduled ? 1 : 0)
                .Field("aof_buffer_length", server.Aof.BufferLength)
                .Field("aof_pending_bio_fsync", server.Aof.FsyncInProgress ? 1 : 0)
                .Field("aof_delayed_fsync", server.Aof.DelayedFsync);
        }
    }

    private static void StatsSection(InfoBuilder info, ServerContext server)
    {
        var stats = server.Stats;
        var ks = server.Keyspace.Stats;
        var state = StateOf(server);
        long sampled = ks.ExpiredSamples;
        double stalePerc = sampled == 0 ? 0 : (double)ks.ExpiredStaleSamples / sampled * 100;
        info.Field("total_connections_received", stats.ConnectionsReceived)
            .Field("total_commands_processed", stats.CommandsProcessed)
            .Field("instantaneous_ops_per_sec", state.Commands.Value)
            .Field("total_net_input_bytes", stats.NetInputBytes)
            .Field("total_net_output_bytes", stats.NetOutputBytes)
            .Field("total_net_repl_input_bytes", 0)
            .Field("total_net_repl_output_bytes", 0)
            .Field("instantaneous_input_kbps", Fixed2(state.NetInput.Value / 1024.0))
            .Field("instantaneous_output_kbps", Fixed2(state.NetOutput.Value / 1024.0))
            .Field("instantaneous_input_repl_kbps", "0.00")
            .Field("instantaneous_output_repl_kbps", "0.00")
            .Field("rejected_connections", stats.RejectedConnections)
            .Field("sync_full", 0)
            .Field("sync_partial_ok", 0)
            .Field("sync_partial_err", 0)
            .Field("expired_keys", ks.ExpiredKeys)
            .Field("expired_fields", ks.ExpiredFields)
            .Field("expired_stale_perc", Fixed2(stalePerc))
            .Field("expired_keys_with_volatile_items_stale_perc", Fixed2(ks.ExpiredFieldKeySamples == 0 ? 0 : (double)ks.ExpiredFieldKeyStaleSamples / ks.ExpiredFieldKeySamples * 100))
            .Field("expired_time_cap_reached_count", ks.ExpiredTimeCapReachedCount)
            .Field("expire_cycle_cpu_milliseconds", ks.ExpireCycleCpuMicroseconds / 1000)
            .Field("evicted_keys", ks.EvictedKeys)
            .Field("evicted_clients", server.Eviction.EvictedClients)
            .Field("evicted_scripts", 0)
            .Field("total_eviction_exceeded_time", server.Eviction.TotalExceededMs)
            .Field("current_eviction_exceeded_time", server.Eviction.CurrentExceededMs)
            .Field("keyspace_hits", ks.Hits)
            .Field("keyspace_misses", ks.Misses)
            .Field("pubsub_channels", server.PubSub.ChannelCount)
            .Field("pubsub_patterns", server.PubSub.PatternCount)
            .Field("pubsubshard_channels", server.PubSub.ShardChannelCount)
            // Fork-free: each background snapshot (BGSAVE, AOF rewrite) counts as a fork, its pause as the fork time.
            .Field("latest_fork_usec", Storage.Snapshot.BackgroundSnapshotStats.LatestPauseMicroseconds)
            .Field("total_forks", Storage.Snapshot.BackgroundSnapshotStats.Started)
            .Field("migrate_cached_sockets", 0)
            .Field("slave_expires_tracked_keys", 0)
            .Field("active_defrag_hits", 0)
            .Field("active_defrag_misses", 0)
            .Field("active_defrag_key_hits", 0)
            .Field("active_defrag_key_misses", 0)
            .Field("total_active_defrag_time", 0)
            .Field("current_active_defrag_time", 0)
            .Field("tracking_total_keys", server.Tracking.TotalKeys)
            .Field("tracking_total_items", server.Tracking.TotalItems)
            .Field("tracking_total_prefixes", server.Tracking.TotalPrefixes)
            .Field("unexpected_error_replies", 0)
            .Field("total_error_replies", stats.TotalErrorReplies)
            .Field("dump_payload_sanitizations", 0)
            .Field("total_reads_processed", 0)
            .Field("total_writes_processed", 0)
            .Field("io_threaded_reads_processed", 0)
            .Field("io_threaded_writes_processed", 0)
            .Field("io_threaded_freed_objects", 0)
            .Field("io_threaded_poll_processed", 0)
            .Field("io_threaded_total_prefetch_batches", 0)
            .Field("io_threaded_total_prefetch_entries", 0)
            .Field("client_query_buffer_limit_disconnections", stats.ClientQueryBufferLimitDisconnections)
            .Field("client_output_buffer_limit_disconnections", stats.ClientOutputBufferLimitDisconnections)
            .Field("reply_buffer_shrinks", server.ReplyBuffers.Shrinks)
            .Field("reply_buffer_expands", server.ReplyBuffers.Expands)
            .Field("eventloop_cycles", server.LoopStats.Cycles)
            .Field("eventloop_duration_sum", server.LoopStats.DurationSumUs)
            .Field("eventloop_duration_cmd_sum", server.LoopStats.CommandSumUs)
            .Field("instantaneous_eventloop_cycles_per_sec", server.LoopStats.InstantaneousCyclesPerSecond)
            .Field("instantaneous_eventloop_duration_usec", server.LoopStats.InstantaneousDurationUs)
            .Field("acl_access_denied_auth", state.AuthFailures)
            .Field("acl_access_denied_cmd", 0)
            .Field("acl_access_denied_key", 0)
            .Field("acl_access_denied_channel", 0);
    }

    private static void ReplicationSection(InfoBuilder info, ServerContext server)
    {
        var state = StateOf(server);
        info.Field("role", "master")
            .Field("connected_slaves", 0)
            .Field("replicas_waiting_psync", 0)
            .Field("master_failover_state", "no-failover")
            .Field("master_replid", state.ReplicationId)
            .Field("master_replid2", state.ReplicationId2)
            .Field("master_repl_offset", 0)
            .Field("second_repl_offset", -1)
            .Field("repl_backlog_active", 0)
            .Field("repl_backlog_size", 1048576)
            .Field("repl_backlog_first_byte_offset", 0)
            .Field("repl_backlog_histlen", 0);
    }

    private static void CpuSection(InfoBuilder info)
    {
        ResourceUsage.Get(ResourceUsage.Self, out var selfSys, out var selfUser);
        ResourceUsage.Get(ResourceUsage.Children, out var childSys, out var childUser);
        info.Field("used_cpu_sys", selfSys)
            .Field("used_cpu_user", selfUser)
            .Field("used_cpu_sys_children", childSys)
            .Field("used_cpu_user_children", childUser);
        // Commands run on the event-loop thread, which is the thread running INFO.
        if (OperatingSystem.IsLinux() && ResourceUsage.Get(ResourceUsage.Thread, out var threadSys, out var threadUser))
        {
            info.Field("used_cpu_sys_main_thread", threadSys)
                .Field("used_cpu_user_main_thread", threadUser);
        }
    }

    private static void CommandStatsSection(InfoBuilder info, ServerContext server)
    {
        foreach (var cmd in server.Commands.All) AddCommandStats(cmd);

        void AddCommandStats(CommandSpec cmd)
        {
            if (cmd.Calls != 0 || cmd.FailedCalls != 0 || cmd.RejectedCalls != 0)
            {
                double perCall = cmd.Calls == 0 ? 0 : (float)cmd.Microseconds / cmd.Calls;
                info.Field("cmdstat_" + SafeInfoString(cmd.FullName),
                    $"calls={cmd.Calls},usec={cmd.Microseconds},usec_per_call={Fixed2(perCall)},rejected_calls={cmd.RejectedCalls},failed_calls={cmd.FailedCalls}");
            }
            if (cmd.Subcommands != null) foreach (var sub in cmd.Subcommands) AddCommandStats(sub);
        }
    }

    /// <summary>latency_percentiles_usec_&lt;cmd&gt;:p50=1.003,p99=...: the configured percentiles of each command's histogram.</summary>
    private static void LatencyStatsSection(InfoBuilder info, ServerContext server)
    {
        var percentiles = server.Config.LatencyTrackingPercentiles;
        foreach (var cmd in server.Commands.All) AddLatencyStats(cmd);

        void AddLatencyStats(CommandSpec cmd)
        {
            if (cmd.LatencyHistogram is { TotalCount: > 0 } h)
            {
                var sb = new StringBuilder();
                foreach (double p in percentiles)
                {
                    if (sb.Length > 0) sb.Append(',');
                    sb.Append('p').Append(ConfigParameters.FormatPercentile(p)).Append('=')
                        .Append(h.FormatPercentileMicros(p));
                }
                info.Field("latency_percentiles_usec_" + SafeInfoString(cmd.FullName), sb.ToString());
            }
            if (cmd.Subcommands != null) foreach (var sub in cmd.Subcommands) AddLatencyStats(sub);
        }
    }

    private static void ErrorStatsSection(InfoBuilder info, ServerContext server)
    {
        foreach (var (code, count) in server.Stats.ErrorStats())
            info.Field("errorstat_" + SafeInfoString(code), "count=" + count.ToString(CultureInfo.InvariantCulture));
    }

    private static void KeyspaceSection(InfoBuilder info, ServerContext server)
    {
        foreach (var db in server.Keyspace.Databases)
        {
            long keys = db.Count, expires = db.VolatileCount;
            if (keys == 0 && expires == 0) continue;
            info.Field("db" + db.Id.ToString(CultureInfo.InvariantCulture),
                $"keys={keys},expires={expires},avg_ttl={db.AverageTtlMs},keys_with_volatile_items={db.VolatileHashes.Count}");
        }
    }

    // ---- formatting -----------------------------------------------------------------------------

    /// <summary>"#", ":", CR and LF would break the INFO format: they become "_" (getSafeInfoString).</summary>
    private static string SafeInfoString(string s) =>
        s.IndexOfAny(['#', ':', '\r', '\n']) < 0 ? s : s.Replace('#', '_').Replace(':', '_').Replace('\r', '_').Replace('\n', '_');

    private static string Fixed2(double v) => v.ToString("F2", CultureInfo.InvariantCulture);

    private static string Ratio(long a, long b) => Fixed2(b == 0 ? 0 : (double)a / b);

    private static string Percent(long a, long b) => Fixed2(b == 0 ? 0 : (double)a * 100 / b);

    /// <summary>Valkey's bytesToHuman: "123B", "1.50K", "2.00M"... </summary>
    public static string BytesToHuman(long n)
    {
        double d = n;
        if (n < 1024) return n.ToString(CultureInfo.InvariantCulture) + "B";
        if (n < 1024L * 1024) return Fixed2(d / 1024) + "K";
        if (n < 1024L * 1024 * 1024) return Fixed2(d / (1024 * 1024)) + "M";
        if (n < 1024L * 1024 * 1024 * 1024) return Fixed2(d / (1024L * 1024 * 1024)) + "G";
        if (n < 1024L * 1024 * 1024 * 1024 * 1024) return Fixed2(d / (1024L * 1024 * 1024 * 1024)) + "T";
        if (n < 1024L * 1024 * 1024 * 1024 * 1024 * 1024) return Fixed2(d / (1024L * 1024 * 1024 * 1024 * 1024)) + "P";
        return n.ToString(CultureInfo.InvariantCulture) + "B";
    }

    /// <summary>Resident set size from /proc/self/statm (pages), or the process working set elsewhere.</summary>
    public static long ResidentSetBytes()
    {
        try
        {
            var fields = File.ReadAllText("/proc/self/statm").Split(' ');
            return long.Parse(fields[1], CultureInfo.InvariantCulture) * Environment.SystemPageSize;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return Environment.WorkingSet;
        }
    }

    private static long TotalSystemMemory()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/meminfo"))
            {
                if (!line.StartsWith("MemTotal:", StringComparison.Ordinal)) continue;
                var kb = line["MemTotal:".Length..].Trim().Split(' ')[0];
                return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException) { }
        return GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
    }

    /// <summary>Accumulates "# Section" blocks of "name:value" lines separated by blank lines, CRLF-terminated.</summary>
    private sealed class InfoBuilder
    {
        private readonly StringBuilder _sb = new(4096);
        private int _sections;

        public InfoBuilder Section(string title)
        {
            if (_sections++ > 0) _sb.Append("\r\n");
            _sb.Append("# ").Append(title).Append("\r\n");
            return this;
        }

        public InfoBuilder Field(string name, string value)
        {
            _sb.Append(name).Append(':').Append(value).Append("\r\n");
            return this;
        }

        public InfoBuilder Field(string name, long value) => Field(name, value.ToString(CultureInfo.InvariantCulture));

        public override string ToString() => _sb.ToString();
    }
}

/// <summary>CPU times from getrusage, formatted as Valkey prints them ("seconds.microseconds").</summary>
internal static unsafe partial class ResourceUsage
{
    public const int Self = 0;
    public const int Children = -1;
    public const int Thread = 1;

    [LibraryImport("libc", EntryPoint = "getrusage")]
    private static partial int GetRUsage(int who, long* usage);

    /// <summary>False if unavailable; then process-wide times from .NET stand in for RUSAGE_SELF.</summary>
    public static bool Get(int who, out string system, out string user)
    {
        // struct rusage starts with ru_utime and ru_stime (two timevals of 2 longs each on 64-bit Unix).
        long* buffer = stackalloc long[32];
        bool ok = false;
        try
        {
            ok = (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS()) && IntPtr.Size == 8 && GetRUsage(who, buffer) == 0;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { }
        if (ok)
        {
            user = Format(buffer[0], buffer[1]);
            system = Format(buffer[2], buffer[3]);
            return true;
        }
        if (who == Self)
        {
            using var p = Process.GetCurrentProcess();
            system = FromTimeSpan(p.PrivilegedProcessorTime);
            user = FromTimeSpan(p.UserProcessorTime);
        }
        else
        {
            system = user = "0.000000";
        }
        return false;
    }

    private static string Format(long seconds, long microseconds) =>
        seconds.ToString(CultureInfo.InvariantCulture) + "." + microseconds.ToString("D6", CultureInfo.InvariantCulture);

    private static string FromTimeSpan(TimeSpan t)
    {
        long us = t.Ticks / 10;
        return Format(us / 1_000_000, us % 1_000_000);
    }
}
