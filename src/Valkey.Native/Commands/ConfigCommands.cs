using Valkey.Native.Server;

namespace Valkey.Native.Commands;

/// <summary>CONFIG GET / SET / RESETSTAT / REWRITE / HELP over the <see cref="ConfigRegistry"/>.</summary>
public static class ConfigCommands
{
    private const CommandFlags AdminFlags = CommandFlags.Admin | CommandFlags.NoScript | CommandFlags.Loading | CommandFlags.Stale;
    private const AclCategories AdminAcl = AclCategories.Admin | AclCategories.Slow | AclCategories.Dangerous;

    public static readonly CommandSpec[] Commands =
    [
        new CommandSpec("config", -2, CommandFlags.None, AclCategories.Slow, null)
        {
            Group = "server", Summary = "A container for server configuration commands.", Since = "2.0.0",
            Complexity = "Depends on subcommand.",
        }.WithSubcommands(
            new CommandSpec("get", -3, AdminFlags, AdminAcl, Get)
            {
                Group = "server", Summary = "Returns the effective values of configuration parameters.", Since = "2.0.0",
                Complexity = "O(N) when N is the number of configuration parameters provided",
                History = [("7.0.0", "Added the ability to pass multiple pattern parameters in one call")],
            },
            new CommandSpec("set", -4, AdminFlags, AdminAcl, Set)
            {
                Group = "server", Summary = "Sets configuration parameters in-flight.", Since = "2.0.0",
                Complexity = "O(N) when N is the number of configuration parameters provided",
                Tips = ["request_policy:all_nodes", "response_policy:all_succeeded"],
                History = [("7.0.0", "Added the ability to set multiple parameters in one call.")],
            },
            new CommandSpec("resetstat", 2, AdminFlags, AdminAcl, ResetStat)
            {
                Group = "server", Summary = "Resets the server's statistics.", Since = "2.0.0", Complexity = "O(1)",
                Tips = ["request_policy:all_nodes", "response_policy:all_succeeded"],
            },
            new CommandSpec("rewrite", 2, AdminFlags, AdminAcl, Rewrite)
            {
                Group = "server", Summary = "Persists the effective configuration to file.", Since = "2.8.0", Complexity = "O(1)",
                Tips = ["request_policy:all_nodes", "response_policy:all_succeeded"],
            },
            new CommandSpec("help", 2, CommandFlags.Loading | CommandFlags.Stale, AclCategories.Slow, Help)
            {
                Group = "server", Summary = "Returns helpful text about the different subcommands.", Since = "5.0.0", Complexity = "O(1)",
            }),
    ];

    private static readonly string[] HelpLines =
    [
        "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "GET <pattern>",
        "    Return parameters matching the glob-like <pattern> and their values.",
        "SET <directive> <value>",
        "    Set the configuration <directive> to <value>.",
        "RESETSTAT",
        "    Reset statistics reported by the INFO command.",
        "REWRITE",
        "    Rewrite the configuration file.",
        "HELP",
        "    Print this help.",
    ];

    /// <summary>The server always has a registry (Program wires it); tests may build servers without one.</summary>
    private static ConfigRegistry Registry(CommandContext ctx) =>
        ctx.Server.ConfigRegistry ??= new ConfigRegistry(ctx.Server.Config) { Server = ctx.Server };

    private static void Get(CommandContext ctx)
    {
        var patterns = new byte[ctx.ArgCount - 2][];
        for (int i = 2; i < ctx.ArgCount; i++) patterns[i - 2] = ctx.Arg(i).ToArray();
        var matches = Registry(ctx).Get(patterns);
        ctx.Reply.AddMapLength(matches.Count);
        foreach (var (name, value) in matches)
        {
            ctx.Reply.AddBulk(name);
            ctx.Reply.AddBulk(value);
        }
    }

    private static void Set(CommandContext ctx)
    {
        // Name/value pairs: an odd total argument count leaves a name without a value.
        if ((ctx.ArgCount & 1) != 0)
        {
            ctx.Reply.AddError(ErrorMessages.Syntax);
            return;
        }
        var pairs = new KeyValuePair<string, string>[(ctx.ArgCount - 2) / 2];
        for (int i = 0; i < pairs.Length; i++) pairs[i] = new(ctx.ArgString(2 + 2 * i), ctx.ArgString(3 + 2 * i));
        string? error = Registry(ctx).Set(pairs, ctx.Client.IsLoopback);
        if (error == null) ctx.Reply.AddOk();
        else ctx.Reply.AddError(error);
    }

    private static void ResetStat(CommandContext ctx)
    {
        ctx.Server.Stats.Reset();
        ctx.Keyspace.Stats.Reset();
        ctx.Keyspace.LazyFree.ResetStats();
        ctx.Server.Eviction.ResetStats();
        ctx.Server.Commands.ResetStats();
        ctx.Server.LoopStats.Reset();
        ctx.Server.ReplyBuffers.ResetStats();
        ctx.Server.Aof.ResetStats();
        ctx.Reply.AddOk();
    }

    private static void Rewrite(CommandContext ctx)
    {
        var registry = Registry(ctx);
        if (registry.Config.ConfigFile.Length == 0)
        {
            ctx.Reply.AddError(ErrorMessages.NoConfigFile);
            return;
        }
        string? error = registry.Rewrite();
        if (error != null)
        {
            ctx.Server.Log.Warning($"CONFIG REWRITE failed: {error}");
            ctx.Reply.AddError($"ERR Rewriting config file: {error}");
            return;
        }
        ctx.Server.Log.Notice("CONFIG REWRITE executed with success.");
        ctx.Reply.AddOk();
    }

    private static void Help(CommandContext ctx) => ctx.Reply.AddHelp(HelpLines);
}
