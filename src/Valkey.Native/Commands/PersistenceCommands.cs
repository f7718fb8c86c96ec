namespace Valkey.Native.Commands;

/// <summary>SAVE, BGSAVE and LASTSAVE (Valkey's rdb.c commands); the work is in Persistence/RdbPersistence.cs.</summary>
public static class PersistenceCommands
{
    public static readonly CommandSpec[] Commands =
    [
        new CommandSpec("save", 1, CommandFlags.NoAsyncLoading | CommandFlags.Admin | CommandFlags.NoScript | CommandFlags.NoMulti, AclCategories.Admin | AclCategories.Slow | AclCategories.Dangerous, Save)
        {
            Group = "server", Summary = "Synchronously saves the database(s) to disk.", Since = "1.0.0",
            Complexity = "O(N) where N is the total number of keys in all databases",
        },
        new CommandSpec("bgsave", -1, CommandFlags.NoAsyncLoading | CommandFlags.Admin | CommandFlags.NoScript, AclCategories.Admin | AclCategories.Slow | AclCategories.Dangerous, BgSave)
        {
            Group = "server", Summary = "Asynchronously saves the database(s) to disk.", Since = "1.0.0", Complexity = "O(1)",
            History = [("3.2.2", "Added the `SCHEDULE` option."), ("8.1.0", "Added the `CANCEL` option.")],
        },
        new CommandSpec("lastsave", 1, CommandFlags.Loading | CommandFlags.Stale | CommandFlags.Fast, AclCategories.Admin | AclCategories.Fast | AclCategories.Dangerous, LastSave)
        {
            Group = "server", Summary = "Returns the Unix timestamp of the last successful save to disk.", Since = "1.0.0", Complexity = "O(1)",
            Tips = ["nondeterministic_output"],
        },
    ];

    private static void Save(CommandContext ctx)
    {
        if (ctx.Server.Persistence.Save() == null) ctx.Reply.AddOk();
        else ctx.Reply.AddError("ERR"u8);
    }

    /// <summary>
    /// BGSAVE [SCHEDULE|CANCEL]. The save runs to completion before the reply (no snapshot engine yet),
    /// so nothing is ever in progress: SCHEDULE starts it at once and CANCEL finds nothing to cancel.
    /// A failure shows in INFO (rdb_last_bgsave_status:err), as a failed child would in Valkey.
    /// </summary>
    private static void BgSave(CommandContext ctx)
    {
        if (ctx.ArgCount > 2)
        {
            ctx.Reply.AddError(ErrorMessages.Syntax);
            return;
        }
        if (ctx.ArgCount == 2)
        {
            if (ctx.ArgIs(1, "cancel"u8))
            {
                ctx.Reply.AddError("ERR Background saving is currently not in progress or scheduled"u8);
                return;
            }
            if (!ctx.ArgIs(1, "schedule"u8))
            {
                ctx.Reply.AddError(ErrorMessages.Syntax);
                return;
            }
        }
        ctx.Server.Persistence.BackgroundSave();
        ctx.Reply.AddSimpleString("Background saving started"u8);
    }

    private static void LastSave(CommandContext ctx) => ctx.Reply.AddInteger(ctx.Server.Persistence.LastSaveUnix);
}
