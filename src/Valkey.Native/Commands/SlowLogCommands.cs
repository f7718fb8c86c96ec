using Valkey.Native.Server;

namespace Valkey.Native.Commands;

/// <summary>
/// SLOWLOG GET/LEN/RESET and Valkey 8.1's COMMANDLOG GET/LEN/RESET (slow, large-request and
/// large-reply logs). The logs live in <see cref="CommandLog"/>; entries are
/// [id, unix time, value, [args...], "ip:port", client name].
/// </summary>
public static class SlowLogCommands
{
    private const CommandFlags AdminFlags = CommandFlags.Admin | CommandFlags.Loading | CommandFlags.Stale;
    private const AclCategories AdminAcl = AclCategories.Admin | AclCategories.Slow | AclCategories.Dangerous;

    public static readonly CommandSpec[] Commands =
    [
        new CommandSpec("slowlog", -2, CommandFlags.None, AclCategories.Slow, null)
        { Group = "server", Summary = "A container for slow log commands.", Since = "2.2.12", Complexity = "Depends on subcommand." }
        .WithSubcommands(
            new CommandSpec("get", -2, AdminFlags, AdminAcl, SlowLogGet)
            {
                Group = "server", Summary = "Returns the slow log's entries.", Since = "2.2.12", Complexity = "O(N) where N is the number of entries returned",
                Tips = ["request_policy:all_nodes", "nondeterministic_output"],
                History = [("4.0.0", "Added client IP address, port and name to the reply.")],
            },
            new CommandSpec("help", 2, CommandFlags.Loading | CommandFlags.Stale, AclCategories.Slow, SlowLogHelp)
            { Group = "server", Summary = "Show helpful text about the different subcommands", Since = "6.2.0", Complexity = "O(1)" },
            new CommandSpec("len", 2, AdminFlags, AdminAcl, SlowLogLen)
            {
                Group = "server", Summary = "Returns the number of entries in the slow log.", Since = "2.2.12", Complexity = "O(1)",
                Tips = ["request_policy:all_nodes", "response_policy:agg_sum", "nondeterministic_output"],
            },
            new CommandSpec("reset", 2, AdminFlags, AdminAcl, SlowLogReset)
            {
                Group = "server", Summary = "Clears all entries from the slow log.", Since = "2.2.12", Complexity = "O(N) where N is the number of entries in the slowlog",
                Tips = ["request_policy:all_nodes", "response_policy:all_succeeded"],
            }),
        new CommandSpec("commandlog", -2, CommandFlags.None, AclCategories.Slow, null)
        { Group = "server", Summary = "A container for command log commands.", Since = "8.1.0", Complexity = "Depends on subcommand." }
        .WithSubcommands(
            new CommandSpec("get", 4, AdminFlags, AdminAcl, CommandLogGet)
            {
                Group = "server", Summary = "Returns the specified command log's entries.", Since = "8.1.0", Complexity = "O(N) where N is the number of entries returned",
                Tips = ["request_policy:all_nodes", "nondeterministic_output"],
            },
            new CommandSpec("help", 2, CommandFlags.Loading | CommandFlags.Stale, AclCategories.Slow, CommandLogHelp)
            { Group = "server", Summary = "Show helpful text about the different subcommands", Since = "8.1.0", Complexity = "O(1)" },
            new CommandSpec("len", 3, AdminFlags, AdminAcl, CommandLogLen)
            {
                Group = "server", Summary = "Returns the number of entries in the specified type of command log.", Since = "8.1.0", Complexity = "O(1)",
                Tips = ["request_policy:all_nodes", "response_policy:agg_sum", "nondeterministic_output"],
            },
            new CommandSpec("reset", 3, AdminFlags, AdminAcl, CommandLogReset)
            {
                Group = "server", Summary = "Clears all entries from the specified type of command log.", Since = "8.1.0", Complexity = "O(N) where N is the number of entries in the commandlog",
                Tips = ["request_policy:all_nodes", "response_policy:all_succeeded"],
            }),
    ];

    // ---- SLOWLOG ----------------------------------------------------------------------------

    private static void SlowLogHelp(CommandContext ctx) => ctx.ReplyHelpWithHeader(
    [
        "GET [<count>]",
        "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
        "    Entries are made of:",
        "    id, timestamp, time in microseconds, arguments array, client IP and port,",
        "    client name",
        "LEN",
        "    Return the length of the slowlog.",
        "RESET",
        "    Reset the slowlog.",
    ]);

    /// <summary>SLOWLOG GET [count]: the newest entries (10 by default, -1 for all).</summary>
    private static void SlowLogGet(CommandContext ctx)
    {
        if (ctx.ArgCount > 3)
        {
            ctx.ReplySubcommandSyntaxError();
            return;
        }
        long count = 10;
        if (ctx.ArgCount == 3 && !TryGetCount(ctx, 2, out count)) return;
        ReplyEntries(ctx, CommandLogType.Slow, count);
    }

    private static void SlowLogLen(CommandContext ctx) => ctx.Reply.AddInteger(ctx.Server.CommandLog.Count(CommandLogType.Slow));

    private static void SlowLogReset(CommandContext ctx)
    {
        ctx.Server.CommandLog.Reset(CommandLogType.Slow);
        ctx.Reply.AddOk();
    }

    // ---- COMMANDLOG -------------------------------------------------------------------------

    private static void CommandLogHelp(CommandContext ctx) => ctx.ReplyHelpWithHeader(
    [
        "GET <count> <type>",
        "    Return top <count> entries of the specified <type> from the commandlog (-1 mean all).",
        "    Entries are made of:",
        "    id, timestamp,",
        "        time in microseconds for type of slow,",
        "        or size in bytes for type of large-request,",
        "        or size in bytes for type of large-reply",
        "    arguments array, client IP and port,",
        "    client name",
        "LEN <type>",
        "    Return the length of the specified type of commandlog.",
        "RESET <type>",
        "    Reset the specified type of commandlog.",
    ]);

    /// <summary>COMMANDLOG GET count type (count -1 for all).</summary>
    private static void CommandLogGet(CommandContext ctx)
    {
        if (!TryGetCount(ctx, 2, out long count)) return;
        if (!TryGetTypeOrReply(ctx, 3, out var type)) return;
        ReplyEntries(ctx, type, count);
    }

    private static void CommandLogLen(CommandContext ctx)
    {
        if (!TryGetTypeOrReply(ctx, 2, out var type)) return;
        ctx.Reply.AddInteger(ctx.Server.CommandLog.Count(type));
    }

    private static void CommandLogReset(CommandContext ctx)
    {
        if (!TryGetTypeOrReply(ctx, 2, out var type)) return;
        ctx.Server.CommandLog.Reset(type);
        ctx.Reply.AddOk();
    }

    // ---- shared -----------------------------------------------------------------------------

    private static bool TryGetCount(CommandContext ctx, int index, out long count)
    {
        if (!ctx.TryGetRangeOrReply(index, -1, long.MaxValue, out count, ErrorMessages.CommandLogCount)) return false;
        if (count == -1) count = long.MaxValue;
        return true;
    }

    private static bool TryGetTypeOrReply(CommandContext ctx, int index, out CommandLogType type)
    {
        type = CommandLogType.Slow;
        if (ctx.ArgIs(index, "slow"u8)) return true;
        if (ctx.ArgIs(index, "large-request"u8)) { type = CommandLogType.LargeRequest; return true; }
        if (ctx.ArgIs(index, "large-reply"u8)) { type = CommandLogType.LargeReply; return true; }
        ctx.Reply.AddError(ErrorMessages.CommandLogType);
        return false;
    }

    private static void ReplyEntries(CommandContext ctx, CommandLogType type, long count)
    {
        var log = ctx.Server.CommandLog;
        var reply = ctx.Reply;
        reply.AddArrayLength((int)Math.Min(count, log.Count(type)));
        foreach (var e in log.Newest(type, count))
        {
            reply.AddArrayLength(6);
            reply.AddInteger(e.Id);
            reply.AddInteger(e.UnixTime);
            reply.AddInteger(e.Value);
            reply.AddArrayLength(e.Args.Length);
            foreach (var a in e.Args) reply.AddBulk(a);
            reply.AddBulk(e.Peer);
            reply.AddBulk(e.ClientName);
        }
    }
}
