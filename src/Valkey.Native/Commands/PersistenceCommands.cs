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
        if (ctx.Server.Persistence.BgsaveInProgress)
        {
            ctx.Reply.AddError(ErrorMessages.BgsaveInProgress);
            return;
        }
        if (ctx.Server.Persistence.Save() == null) ctx.Reply.AddOk();
        else ctx.Reply.AddError("ERR"u8);
    }

    /// <summary>
    /// BGSAVE [SCHEDULE|CANCEL] (rdb.c bgsaveCommand): the save runs on a copy-on-write snapshot in the
    /// background (Persistence/BackgroundSave.cs); SCHEDULE waits for a running AOF rewrite.
    /// </summary>
    private static void BgSave(CommandContext ctx)
    {
        bool schedule = false;
        if (ctx.ArgCount > 2)
        {
            ctx.Reply.AddError(ErrorMessages.Syntax);
            return;
        }
        if (ctx.ArgCount == 2)
        {
            if (ctx.ArgIs(1, "cancel"u8))
            {
                switch (ctx.Server.Persistence.CancelBackgroundSave())
                {
                    case Persistence.BgsaveCancelOutcome.Cancelled: ctx.Reply.AddSimpleString("Background saving cancelled"u8); break;
                    case Persistence.BgsaveCancelOutcome.ScheduledCancelled: ctx.Reply.AddSimpleString("Scheduled background saving cancelled"u8); break;
                    default: ctx.Reply.AddError(ErrorMessages.BgsaveNothingToCancel); break;
                }
                return;
            }
            if (!ctx.ArgIs(1, "schedule"u8))
            {
                ctx.Reply.AddError(ErrorMessages.Syntax);
                return;
            }
            schedule = true;
        }
        // bgsaveCommand: inside EXEC (a client in MULTI only runs a command here from EXEC) the save is
        // scheduled for the cron, after the transaction, unless one is already running.
        if (ctx.Client.Multi is { Active: true } && !ctx.Server.Persistence.BgsaveInProgress)
        {
            ctx.Server.Persistence.ScheduleBackgroundSave("Background saving scheduled to run after transaction execution");
            ctx.Reply.AddSimpleString("Background saving scheduled"u8);
            return;
        }
        switch (ctx.Server.Persistence.BackgroundSave(schedule))
        {
            case Persistence.BgsaveOutcome.Started: ctx.Reply.AddSimpleString("Background saving started"u8); break;
            case Persistence.BgsaveOutcome.Scheduled: ctx.Reply.AddSimpleString("Background saving scheduled"u8); break;
            case Persistence.BgsaveOutcome.AlreadyInProgress: ctx.Reply.AddError(ErrorMessages.BgsaveInProgress); break;
            default: ctx.Reply.AddError(ErrorMessages.BgsaveOtherJob); break;
        }
    }

    private static void LastSave(CommandContext ctx) => ctx.Reply.AddInteger(ctx.Server.Persistence.LastSaveUnix);
}
