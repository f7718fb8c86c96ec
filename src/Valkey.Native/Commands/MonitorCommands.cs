namespace Valkey.Native.Commands;

/// <summary>
/// MONITOR: the connection receives every command the server runs from then on (Server/Monitor.cs
/// formats and delivers the lines). It leaves monitor mode with RESET or by disconnecting.
/// </summary>
public static class MonitorCommands
{
    public static readonly CommandSpec[] Commands =
    [
        new CommandSpec("monitor", 1, CommandFlags.Admin | CommandFlags.NoScript | CommandFlags.Loading | CommandFlags.Stale,
            AclCategories.Admin | AclCategories.Slow | AclCategories.Dangerous, Monitor)
        {
            Group = "server", Summary = "Listens for all requests received by the server in real-time.", Since = "1.0.0",
            Complexity = "",
        },
    ];

    private static void Monitor(CommandContext ctx)
    {
        // A client that expects one reply per command (inside EXEC or a script) cannot stream.
        if (ctx.Client.DenyBlocking)
        {
            ctx.Reply.AddError(ErrorMessages.MonitorDenyBlocking);
            return;
        }
        // Already monitoring: Valkey ignores the command without replying.
        if (ctx.Client.IsMonitor) return;
        ctx.Server.Monitors.Add(ctx.Client);
        ctx.Reply.AddOk();
    }
}
