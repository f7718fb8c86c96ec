using System.Diagnostics;
using System.Text;
using Valkey.Native.Networking;
using Valkey.Native.Server;

namespace Valkey.Native.Commands;

/// <summary>
/// Runs one parsed command: looks it up, checks arity, authentication and flags before the
/// handler runs (handlers never re-check them), times it and keeps commandstats.
/// </summary>
public sealed class Dispatcher
{
    private readonly ServerContext _server;

    public Dispatcher(ServerContext server, CommandTable table)
    {
        _server = server;
        Table = table;
    }

    public CommandTable Table { get; }

    public void Execute(Client client)
    {
        try
        {
            ExecuteChecked(client);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A bug in one command must not take down every other client: report it, keep serving.
            string name = client.Context.Command?.FullName ?? "?";
            _server.Log.Warning($"Command '{name}' failed with an internal error: {e}");
            client.Reply.AddError("ERR internal error while executing '" + name + "'");
        }
    }

    private void ExecuteChecked(Client client)
    {
        CommandContext ctx = client.Context;
        ctx.Command = null!;
        var reply = client.Reply;
        CommandSpec? cmd = Table.Find(ctx.Arg(0));
        if (cmd == null)
        {
            reply.AddError(UnknownCommandMessage(ctx));
            return;
        }
        if (cmd.Subcommands != null && ctx.ArgCount >= 2)
        {
            CommandSpec? sub = CommandTable.FindSubcommand(cmd, ctx.Arg(1));
            if (sub == null)
            {
                cmd.RejectedCalls++;
                reply.AddError(ErrorMessages.UnknownSubcommand(ctx.ArgPrefix(1, 128), ctx.ArgPrefix(0, 128)));
                return;
            }
            cmd = sub;
        }
        if ((cmd.Arity > 0 && cmd.Arity != ctx.ArgCount) || ctx.ArgCount < -cmd.Arity)
        {
            cmd.RejectedCalls++;
            reply.AddError(ErrorMessages.WrongArgCount(cmd.FullName));
            return;
        }
        if (!client.Authenticated && !cmd.Is(CommandFlags.NoAuth) && _server.AuthRequired)
        {
            cmd.RejectedCalls++;
            reply.AddError(ErrorMessages.NoAuth);
            return;
        }

        ctx.Command = cmd;
        client.LastCommand = cmd;
        _server.Keyspace.SuppressTouch = client.NoTouch && cmd.Name != "touch";
        long errorsBefore = reply.ErrorCount;
        long start = Stopwatch.GetTimestamp();
        cmd.Handler!(ctx);
        long elapsedUs = (long)Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        if (client.IsBlocked)
        {
            // Not done yet: as Valkey, a blocking command is counted once, when it is served,
            // times out or is unblocked (BlockedClients), with the time of every attempt.
            client.BlockedMicroseconds += elapsedUs;
            return;
        }
        elapsedUs += client.BlockedMicroseconds;
        client.BlockedMicroseconds = 0;
        cmd.Calls++;
        cmd.Microseconds += elapsedUs;
        if (reply.ErrorCount != errorsBefore) cmd.FailedCalls++;
        _server.Stats.CommandsProcessed++;
        client.CommandsProcessed++;
    }

    /// <summary>"ERR unknown command 'x', with args beginning with: 'a' 'b' " (args capped at 128 chars).</summary>
    private static string UnknownCommandMessage(CommandContext ctx)
    {
        var args = new StringBuilder();
        for (int i = 1; i < ctx.ArgCount && args.Length < 128; i++)
        {
            string a = ctx.ArgPrefix(i, 128);
            int room = 128 - args.Length;
            args.Append('\'').Append(a.Length > room ? a[..room] : a).Append("' ");
        }
        return $"ERR unknown command '{ctx.ArgPrefix(0, 128)}', with args beginning with: {args}";
    }
}
