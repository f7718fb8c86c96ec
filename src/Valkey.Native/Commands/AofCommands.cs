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
    /// The rewrite runs to completion before the reply (no snapshot engine wired in yet), so one is never
    /// in progress; a failure shows in INFO (aof_last_bgrewrite_status:err) as a failed child would.
    /// </summary>
    private static void BgRewriteAof(CommandContext ctx)
    {
        ctx.Server.Aof.Rewrite("Background append only file rewriting started by BGREWRITEAOF (running in the foreground)", attach: false);
        ctx.Reply.AddSimpleString("Background append only file rewriting started"u8);
    }
}
