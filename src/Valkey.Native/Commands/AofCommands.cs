namespace Valkey.Native.Commands;

/// <summary>BGREWRITEAOF (Valkey's aof.c); the work is in Persistence/AofPersistence.cs.</summary>
public static class AofCommands
{
    public static readonly CommandSpec[] Commands =
    [
        new CommandSpec("bgrewriteaof", 1, CommandFlags.NoAsyncLoading | CommandFlags.Admin | CommandFlags.NoScript, AclCategories.Admin | AclCategories.Slow | AclCategories.Dangerous, BgRewriteAof)
        {
            Group = "server", Summary = "Asynchronously rewrites the append-only file to disk.", Since = "1.0.0", Complexity = "O(1)",
        },
    ];

    /// <summary>
    /// Starts the rewrite on the copy-on-write snapshot (or runs it in the foreground when that is not
    /// possible); a failure shows in INFO (aof_last_bgrewrite_status:err) as a failed child would.
    /// </summary>
    private static void BgRewriteAof(CommandContext ctx)
    {
        var aof = ctx.Server.Aof;
        // As Valkey's bgrewriteaofCommand: inside EXEC (a client in MULTI only runs a command here
        // from EXEC, otherwise it is queued) or while a BGSAVE runs, the rewrite is scheduled for cron.
        if (!aof.RewriteInProgress && (ctx.Client.Multi is { Active: true } || ctx.Server.Persistence.BgsaveInProgress))
        {
            aof.ScheduleRewrite();
            ctx.Reply.AddSimpleString("Background append only file rewriting scheduled"u8);
            return;
        }
        string? error = ctx.Server.Aof.StartBackgroundRewrite("BGREWRITEAOF");
        if (error != null && error.StartsWith("ERR ", StringComparison.Ordinal)) ctx.Reply.AddError(error);
        else ctx.Reply.AddSimpleString("Background append only file rewriting started"u8);
    }
}
