using Valkey.Native.Storage;
using static Valkey.Native.Commands.KeySpecFlags;

namespace Valkey.Native.Commands;

/// <summary>
/// MEMORY (Valkey's object.c memoryCommand). USAGE is exact here rather than sampled: every
/// byte a key owns is an arena block whose size the arena knows, so SAMPLES is accepted and
/// validated as Valkey does but not needed. STATS, DOCTOR, MALLOC-STATS and PURGE come with
/// the introspection issue.
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
                    { Group = "server", Since = "4.0.0", Summary = "Returns helpful text about the different subcommands.", Complexity = "O(1)" }),
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
