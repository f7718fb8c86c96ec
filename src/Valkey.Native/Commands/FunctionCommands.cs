namespace Valkey.Native.Commands;

/// <summary>
/// FUNCTION (Valkey's functions.c). Scripting is a later issue, so the server holds no function
/// libraries: FUNCTION FLUSH has nothing to delete and replies OK, which is exactly Valkey's
/// behaviour on an empty library set (clients and Valkey's test harness call it on start-up).
/// LOAD, LIST, CALL and the rest come with scripting.
/// </summary>
public static class FunctionCommands
{
    public static readonly CommandSpec[] Commands =
    [
        new CommandSpec("function", -2, CommandFlags.None, AclCategories.None, null)
            { Group = "scripting", Since = "7.0.0", Summary = "A container for function commands.", Complexity = "Depends on subcommand." }
            .WithSubcommands(
                new CommandSpec("flush", -2, CommandFlags.NoScript | CommandFlags.Write, AclCategories.Scripting, Flush)
                    {
                        Group = "scripting", Since = "7.0.0", Summary = "Deletes all libraries and functions.", Complexity = "O(N) where N is the number of functions deleted",
                        Tips = ["request_policy:all_shards", "response_policy:all_succeeded"],
                    },
                new CommandSpec("help", 2, CommandFlags.Loading | CommandFlags.Stale, AclCategories.Scripting, Help)
                    { Group = "scripting", Since = "7.0.0", Summary = "Returns helpful text about the different subcommands.", Complexity = "O(1)" }),
    ];

    private static void Flush(CommandContext ctx)
    {
        if (ctx.ArgCount > 3 || (ctx.ArgCount == 3 && !ctx.ArgIs(2, "async"u8) && !ctx.ArgIs(2, "sync"u8)))
        {
            ctx.Reply.AddError("ERR FUNCTION FLUSH only supports SYNC|ASYNC option");
            return;
        }
        ctx.Reply.AddOk();
    }

    private static void Help(CommandContext ctx) => ctx.ReplyHelpWithHeader(
    [
        "FLUSH [ASYNC|SYNC]",
        "    Delete all the libraries.",
        "    When called without the optional mode argument, the behavior is determined by the",
        "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
        "    * ASYNC: Asynchronously flush the libraries.",
        "    * SYNC: Synchronously flush the libraries.",
    ]);
}
