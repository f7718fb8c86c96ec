using Valkey.Native.Storage;
using Valkey.Native.Util;
using static Valkey.Native.Commands.KeySpecFlags;

namespace Valkey.Native.Commands;

/// <summary>
/// Whole-database commands: SELECT, SWAPDB, MOVE, DBSIZE, FLUSHDB and FLUSHALL
/// (Valkey's db.c). Also home of the database-index parsing the key commands share
/// (MOVE, COPY ... DB n), so every path words its errors the same way.
/// </summary>
public static unsafe class DatabaseCommands
{
    public static readonly CommandSpec[] Commands =
    [
        new CommandSpec("select", 2, CommandFlags.Loading | CommandFlags.Stale | CommandFlags.Fast,
            AclCategories.Connection | AclCategories.Fast, Select)
        {
            Group = "connection", Summary = "Changes the selected database.", Since = "1.0.0", Complexity = "O(1)",
        },
        new CommandSpec("swapdb", 3, CommandFlags.Write | CommandFlags.Fast,
            AclCategories.Keyspace | AclCategories.Dangerous | AclCategories.Write | AclCategories.Fast, SwapDb)
        {
            Group = "server", Summary = "Swaps two databases.", Since = "4.0.0",
            Complexity = "O(N) where N is the count of clients watching or blocking on keys from both databases.",
        },
        new CommandSpec("move", 3, CommandFlags.Write | CommandFlags.Fast,
            AclCategories.Keyspace | AclCategories.Write | AclCategories.Fast, Move)
        {
            Group = "generic", Summary = "Moves a key to another database.", Since = "1.0.0", Complexity = "O(1)",
            KeySpecs = [KeySpec.Index(1, RW | Access | Update)],
        },
        new CommandSpec("dbsize", 1, CommandFlags.ReadOnly | CommandFlags.Fast,
            AclCategories.Keyspace | AclCategories.Read | AclCategories.Fast, DbSize)
        {
            Group = "server", Summary = "Returns the number of keys in the database.", Since = "1.0.0", Complexity = "O(1)",
            Tips = ["request_policy:all_shards", "response_policy:agg_sum"],
        },
        new CommandSpec("flushdb", -1, CommandFlags.Write,
            AclCategories.Keyspace | AclCategories.Dangerous | AclCategories.Write | AclCategories.Slow, FlushDb)
        {
            Group = "server", Summary = "Remove all keys from the current database.", Since = "1.0.0",
            Complexity = "O(N) where N is the number of keys in the selected database",
            Tips = ["request_policy:all_shards", "response_policy:all_succeeded"],
            History = [("4.0.0", "Added the `ASYNC` flushing mode modifier."), ("6.2.0", "Added the `SYNC` flushing mode modifier.")],
        },
        new CommandSpec("flushall", -1, CommandFlags.Write,
            AclCategories.Keyspace | AclCategories.Dangerous | AclCategories.Write | AclCategories.Slow, FlushAll)
        {
            Group = "server", Summary = "Removes all keys from all databases.", Since = "1.0.0",
            Complexity = "O(N) where N is the total number of keys in all databases",
            Tips = ["request_policy:all_shards", "response_policy:all_succeeded"],
            History = [("4.0.0", "Added the `ASYNC` flushing mode modifier."), ("6.2.0", "Added the `SYNC` flushing mode modifier.")],
        },
    ];

    // ---- shared argument parsing -----------------------------------------------------------

    /// <summary>What getRangeLongFromObjectOrReply says when an int argument is outside the int range.</summary>
    internal static ReadOnlySpan<byte> IntOutOfRange => "ERR value is out of range, value must between -2147483648 and 2147483647"u8;

    /// <summary>
    /// Valkey's getIntFromObjectOrReply: a 64-bit integer that must fit an int. With a custom
    /// message (SWAPDB's "invalid first DB index") both failures use it; without one, a
    /// non-number and an out-of-range number get different texts.
    /// </summary>
    internal static bool TryGetInt32OrReply(CommandContext ctx, int index, out int value, ReadOnlySpan<byte> message = default)
    {
        value = 0;
        if (!NumberParser.TryParseInt64(ctx.Arg(index), out long v))
        {
            ctx.Reply.AddError(message.IsEmpty ? ErrorMessages.NotInteger : message);
            return false;
        }
        if (v < int.MinValue || v > int.MaxValue)
        {
            ctx.Reply.AddError(message.IsEmpty ? IntOutOfRange : message);
            return false;
        }
        value = (int)v;
        return true;
    }

    /// <summary>
    /// Parses a database index argument for MOVE / COPY ... DB: integer errors as
    /// getIntFromObjectOrReply, then "DB index is out of range" as selectDb's failure.
    /// </summary>
    internal static Database? GetDatabaseOrReply(CommandContext ctx, int index)
    {
        if (!TryGetInt32OrReply(ctx, index, out int id)) return null;
        var dbs = ctx.Keyspace.Databases;
        if (id < 0 || id >= dbs.Length)
        {
            ctx.Reply.AddError(ErrorMessages.InvalidDbIndex);
            return null;
        }
        return dbs[id];
    }

    /// <summary>signalModifiedKey + notifyKeyspaceEvent for a key of a database other than the client's.</summary>
    internal static void KeyChangedIn(CommandContext ctx, Database db, NotifyClass type, string eventName, ReadOnlySpan<byte> key)
    {
        ctx.Server.KeyModified(db, key);
        ctx.Server.Notify(type, eventName, key, db.Id);
    }

    /// <summary>
    /// Before adding <paramref name="key"/> after a write lookup said it is absent: when lazy
    /// expiry may not delete (a replica), an expired entry can still occupy the name, and the
    /// table must never hold a key twice.
    /// </summary>
    internal static void RemoveStaleExpired(Database db, ReadOnlySpan<byte> key)
    {
        if (!db.Keyspace.LazyExpireDeletes) db.Delete(key);
    }

    // ---- SELECT / SWAPDB / MOVE / DBSIZE ----------------------------------------------------

    private static void Select(CommandContext ctx)
    {
        if (!TryGetInt32OrReply(ctx, 1, out int id)) return;
        if (id < 0 || id >= ctx.Keyspace.Databases.Length)
        {
            ctx.Reply.AddError(ErrorMessages.InvalidDbIndex);
            return;
        }
        ctx.Client.SelectDatabase(id);
        ctx.Reply.AddOk();
    }

    private static void SwapDb(CommandContext ctx)
    {
        if (!TryGetInt32OrReply(ctx, 1, out int a, "ERR invalid first DB index"u8)) return;
        if (!TryGetInt32OrReply(ctx, 2, out int b, "ERR invalid second DB index"u8)) return;
        int count = ctx.Keyspace.Databases.Length;
        if (a < 0 || a >= count || b < 0 || b >= count)
        {
            ctx.Reply.AddError(ErrorMessages.InvalidDbIndex);
            return;
        }
        // The Database objects stay where they are (clients keep pointing at "db 3") and only
        // their contents move, which is what Valkey's dbSwapDatabases does with serverDb structs.
        // WATCH/blocking/tracking need a database-level hook here once those features exist:
        // Valkey touches every watched key of both databases (touchAllWatchedKeysInDb).
        ctx.Keyspace.Swap(a, b);
        ctx.MarkDirty();
        ctx.Reply.AddOk();
    }

    private static void Move(CommandContext ctx)
    {
        Database src = ctx.Db;
        Database? dst = GetDatabaseOrReply(ctx, 2);
        if (dst == null) return;
        if (dst == src)
        {
            ctx.Reply.AddError(ErrorMessages.SameObject);
            return;
        }

        var key = ctx.Arg(1);
        byte* entry = src.LookupWrite(key);
        if (entry == null || dst.LookupWrite(key) != null)
        {
            ctx.Reply.AddInteger(0);
            return;
        }
        RemoveStaleExpired(dst, key);
        // The value's memory changes owner without being copied, and the TTL goes with it.
        dst.MoveValueFrom(src, entry, key, keepTtl: true);
        KeyChangedIn(ctx, src, NotifyClass.Generic, "move_from", key);
        KeyChangedIn(ctx, dst, NotifyClass.Generic, "move_to", key);
        ctx.MarkDirty();
        ctx.Reply.AddInteger(1);
    }

    /// <summary>Counts every stored key, including logically expired ones not yet reclaimed, as Valkey does.</summary>
    private static void DbSize(CommandContext ctx) => ctx.Reply.AddInteger(ctx.Db.Count);

    // ---- FLUSHDB / FLUSHALL -----------------------------------------------------------------

    /// <summary>
    /// getFlushCommandFlags: SYNC, ASYNC, or nothing (then lazyfree-lazy-user-flush decides);
    /// anything else is a syntax error.
    /// </summary>
    private static bool TryParseFlushModeOrReply(CommandContext ctx, out bool async)
    {
        async = ctx.Server.Config.LazyfreeLazyUserFlush;
        if (ctx.ArgCount == 1) return true;
        if (ctx.ArgCount == 2 && ctx.ArgIs(1, "sync"u8)) { async = false; return true; }
        if (ctx.ArgCount == 2 && ctx.ArgIs(1, "async"u8)) { async = true; return true; }
        ctx.Reply.AddError(ErrorMessages.Syntax);
        return false;
    }

    // ASYNC swaps in an empty table and the lazy-free worker frees the old one: the keys are
    // gone before the reply is sent either way, only the memory comes back later.
    // WATCH and client tracking need a database-level "flushed" hook here once they exist
    // (Valkey's signalFlushedDb touches watched keys and sends a flush invalidation).

    private static long FlushDatabase(Database db, bool async) => async ? db.ClearAsync() : db.Clear();

    private static void FlushDb(CommandContext ctx)
    {
        if (!TryParseFlushModeOrReply(ctx, out bool async)) return;
        long removed = FlushDatabase(ctx.Db, async);
        ctx.MarkDirty(removed);
        // forceCommandPropagation: an empty database is flushed in the AOF too (and on replicas).
        if (removed == 0) ctx.RewriteArgs(ctx.ArgCount).Args(ctx, 0, ctx.ArgCount);
        ctx.Reply.AddOk();
    }

    private static void FlushAll(CommandContext ctx)
    {
        if (!TryParseFlushModeOrReply(ctx, out bool async)) return;
        long removed = 0;
        foreach (var db in ctx.Keyspace.Databases) removed += FlushDatabase(db, async);
        // flushAllDataAndResetRDB: a running BGSAVE of the old data is killed (Persistence/BackgroundSave.cs).
        ctx.Server.Persistence.KillBackgroundSave("Background saving cancelled by FLUSHALL");
        ctx.MarkDirty(removed);
        // forceCommandPropagation: empty databases are flushed in the AOF too (and on replicas).
        if (removed == 0) ctx.RewriteArgs(ctx.ArgCount).Args(ctx, 0, ctx.ArgCount);
        // Valkey's flushAllDataAndResetRDB: with save points, an (empty) RDB is saved at once, which
        // resets rdb_changes_since_last_save, so the flush cannot trigger a save point later.
        if (ctx.Server.Config.Save.Length > 0) ctx.Server.Persistence.Save();
        ctx.Reply.AddOk();
    }
}
