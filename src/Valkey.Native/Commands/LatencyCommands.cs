using Valkey.Native.Server;

namespace Valkey.Native.Commands;

/// <summary>
/// LATENCY LATEST/HISTORY/RESET/GRAPH/DOCTOR (the latency monitor, <see cref="LatencyMonitor"/>)
/// and LATENCY HISTOGRAM (per-command latency distributions kept with latency-tracking).
/// </summary>
public static class LatencyCommands
{
    private const CommandFlags AdminFlags = CommandFlags.Admin | CommandFlags.NoScript | CommandFlags.Loading | CommandFlags.Stale;
    private const AclCategories AdminAcl = AclCategories.Admin | AclCategories.Slow | AclCategories.Dangerous;
    private static readonly string[] SpecialTips = ["nondeterministic_output", "request_policy:all_nodes", "response_policy:special"];

    public static readonly CommandSpec[] Commands =
    [
        new CommandSpec("latency", -2, CommandFlags.None, AclCategories.Slow, null)
        { Group = "server", Summary = "A container for latency diagnostics commands.", Since = "2.8.13", Complexity = "Depends on subcommand." }
        .WithSubcommands(
            new CommandSpec("doctor", 2, AdminFlags, AdminAcl, Doctor)
            { Group = "server", Summary = "Returns a human-readable latency analysis report.", Since = "2.8.13", Complexity = "O(1)", Tips = SpecialTips },
            new CommandSpec("graph", 3, AdminFlags, AdminAcl, Graph)
            { Group = "server", Summary = "Returns a latency graph for an event.", Since = "2.8.13", Complexity = "O(1)", Tips = SpecialTips },
            new CommandSpec("help", 2, CommandFlags.Loading | CommandFlags.Stale, AclCategories.Slow, Help)
            { Group = "server", Summary = "Returns helpful text about the different subcommands.", Since = "2.8.13", Complexity = "O(1)" },
            new CommandSpec("histogram", -2, AdminFlags, AdminAcl, Histogram)
            {
                Group = "server", Summary = "Returns the cumulative distribution of latencies of a subset or all commands.", Since = "7.0.0",
                Complexity = "O(N) where N is the number of commands with latency information being retrieved.", Tips = SpecialTips,
            },
            new CommandSpec("history", 3, AdminFlags, AdminAcl, History)
            { Group = "server", Summary = "Returns timestamp-latency samples for an event.", Since = "2.8.13", Complexity = "O(1)", Tips = SpecialTips },
            new CommandSpec("latest", 2, AdminFlags, AdminAcl, Latest)
            { Group = "server", Summary = "Returns the latest latency samples for all events.", Since = "2.8.13", Complexity = "O(1)", Tips = SpecialTips },
            new CommandSpec("reset", -2, AdminFlags, AdminAcl, Reset)
            {
                Group = "server", Summary = "Resets the latency data for one or more events.", Since = "2.8.13", Complexity = "O(1)",
                Tips = ["request_policy:all_nodes", "response_policy:agg_sum"],
            }),
    ];

    private static void Help(CommandContext ctx) => ctx.ReplyHelpWithHeader(
    [
        "DOCTOR",
        "    Return a human readable latency analysis report.",
        "GRAPH <event>",
        "    Return an ASCII latency graph for the <event> class.",
        "HISTORY <event>",
        "    Return time-latency samples for the <event> class.",
        "LATEST",
        "    Return the latest latency samples for all events.",
        "RESET [<event> ...]",
        "    Reset latency data of one or more <event> classes.",
        "    (default: reset all data for all event classes)",
        "HISTOGRAM [COMMAND ...]",
        "    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.",
        "    If no commands are specified then all histograms are replied.",
    ]);

    /// <summary>LATENCY LATEST: [event, time of the latest sample, its latency, all-time max] per event.</summary>
    private static void Latest(CommandContext ctx)
    {
        var events = ctx.Server.Latency.Events;
        ctx.Reply.AddArrayLength(events.Count);
        foreach (var (name, series) in events)
        {
            var (time, latency) = series.Latest;
            ctx.Reply.AddArrayLength(4);
            ctx.Reply.AddBulk(name);
            ctx.Reply.AddInteger(time);
            ctx.Reply.AddInteger(latency);
            ctx.Reply.AddInteger(series.Max);
        }
    }

    /// <summary>LATENCY HISTORY event: [time, latency] pairs, oldest first (empty for an unknown event).</summary>
    private static void History(CommandContext ctx)
    {
        var series = ctx.Server.Latency.Find(ctx.ArgString(2));
        if (series == null)
        {
            ctx.Reply.AddEmptyArray();
            return;
        }
        var samples = series.Samples().ToList();
        ctx.Reply.AddArrayLength(samples.Count);
        foreach (var (time, latency) in samples)
        {
            ctx.Reply.AddArrayLength(2);
            ctx.Reply.AddInteger(time);
            ctx.Reply.AddInteger(latency);
        }
    }

    private static void Graph(CommandContext ctx)
    {
        string wanted = ctx.ArgString(2);
        var series = ctx.Server.Latency.Find(wanted);
        if (series == null)
        {
            ctx.Reply.AddError(ErrorMessages.LatencyNoSamples(wanted));
            return;
        }
        ctx.Reply.AddVerbatim(LatencyMonitor.Graph(wanted, series, DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
    }

    private static void Doctor(CommandContext ctx) => ctx.Reply.AddVerbatim(ctx.Server.Latency.Doctor());

    /// <summary>LATENCY RESET [event ...]: the number of event series dropped.</summary>
    private static void Reset(CommandContext ctx)
    {
        var latency = ctx.Server.Latency;
        if (ctx.ArgCount == 2)
        {
            ctx.Reply.AddInteger(latency.Reset(null));
            return;
        }
        int resets = 0;
        for (int i = 2; i < ctx.ArgCount; i++) resets += latency.Reset(ctx.ArgString(i));
        ctx.Reply.AddInteger(resets);
    }

    /// <summary>
    /// LATENCY HISTOGRAM [command ...]: {name: {calls: n, histogram_usec: {µs: cumulative count}}}
    /// for every command (or the named ones and their subcommands) that has latency data.
    /// Unknown names are skipped.
    /// </summary>
    private static void Histogram(CommandContext ctx)
    {
        var reply = ctx.Reply;
        int handle = reply.BeginDeferredLength();
        int withData = 0;
        if (ctx.ArgCount == 2)
        {
            foreach (var cmd in ctx.Server.Commands.All) AddWithSubcommands(cmd);
        }
        else
        {
            for (int i = 2; i < ctx.ArgCount; i++)
            {
                var cmd = FindByFullName(ctx, ctx.Arg(i));
                if (cmd != null) AddWithSubcommands(cmd);
            }
        }
        reply.SetDeferredMapLength(handle, withData);

        void AddWithSubcommands(CommandSpec cmd)
        {
            Add(cmd);
            if (cmd.Subcommands != null) foreach (var sub in cmd.Subcommands) Add(sub);
        }

        void Add(CommandSpec cmd)
        {
            var h = cmd.LatencyHistogram;
            if (h == null) return;
            withData++;
            reply.AddBulk(cmd.FullName);
            reply.AddMapLength(2);
            reply.AddBulk("calls"u8);
            reply.AddInteger(h.TotalCount);
            reply.AddBulk("histogram_usec"u8);
            var buckets = h.PowerOfTwoDistribution();
            reply.AddMapLength(buckets.Count);
            foreach (var (us, cumulative) in buckets)
            {
                reply.AddInteger(us);
                reply.AddInteger(cumulative);
            }
        }
    }

    /// <summary>A command by name, or a subcommand by "container|sub" (lookupCommandBySds).</summary>
    private static CommandSpec? FindByFullName(CommandContext ctx, ReadOnlySpan<byte> name)
    {
        int bar = name.IndexOf((byte)'|');
        if (bar < 0) return ctx.Server.Commands.Find(name);
        var parent = ctx.Server.Commands.Find(name[..bar]);
        if (parent?.Subcommands == null) return null;
        return CommandTable.FindSubcommand(parent, name[(bar + 1)..]);
    }
}
