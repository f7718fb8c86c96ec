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
        // Pub/sub holds push messages for the running client until its reply is complete.
        _server.PubSub.EnterCommand(client);
        _server.Tracking.EnterCommand(client);
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
        // A refused command leaves BeforeCommand's reading untaken: no later call may start from it.
        _server.CommandStartTimestamp = 0;
        // Invalidations for the client's own keys follow its reply (before its pub/sub pushes, as Valkey).
        _server.Tracking.LeaveCommand(client);
        _server.PubSub.LeaveCommand(client);
    }

    private void ExecuteChecked(Client client)
    {
        CommandContext ctx = client.Context;
        ctx.Command = null!;
        var reply = client.Reply;
        CommandSpec? cmd = Table.Find(ctx.Arg(0));
        if (cmd == null)
        {
            Reject(client, null, UnknownCommandMessage(ctx));
            return;
        }
        if (cmd.Subcommands != null && ctx.ArgCount >= 2)
        {
            CommandSpec? sub = CommandTable.FindSubcommand(cmd, ctx.Arg(1));
            if (sub == null)
            {
                Reject(client, cmd, ErrorMessages.UnknownSubcommand(ctx.ArgPrefix(1, 128), ctx.ArgPrefix(0, 128)));
                return;
            }
            cmd = sub;
        }
        if ((cmd.Arity > 0 && cmd.Arity != ctx.ArgCount) || ctx.ArgCount < -cmd.Arity)
        {
            Reject(client, cmd, ErrorMessages.WrongArgCount(cmd.FullName));
            return;
        }
        if (!client.Authenticated && !cmd.Is(CommandFlags.NoAuth) && _server.AuthRequired)
        {
            Reject(client, cmd, ErrorMessages.NoAuth);
            return;
        }
        if (client.Multi is { Active: true } && cmd.Is(CommandFlags.NoMulti))
        {
            Reject(client, cmd, ErrorMessages.NotAllowedInTransaction);
            return;
        }
        // maxmemory(-clients): evict first; refuse denyoom commands (and EXEC of one) if still out of memory.
        if ((_server.Config.MaxMemory | _server.Config.MaxMemoryClients) != 0 && _server.Eviction.RejectsCommand(client, cmd, out bool evictedSelf))
        {
            if (!evictedSelf) Reject(client, cmd, ErrorMessages.OutOfMemory);
            return;
        }
        // stop-writes-on-bgsave-error: after a failed background save (with save points), writes and PING are refused.
        if (_server.Persistence.WritesRefused && (cmd.Is(CommandFlags.Write) || cmd.Name == "ping"))
        {
            Reject(client, cmd, ErrorMessages.BgsaveErrorFor(_server.Config.ExtendedRedisCompatibility));
            return;
        }
        // Loading a dataset (Server/LoadingState.cs): only LOADING commands run, for connected clients (the AOF's
        // own commands come from a client without a socket). EXEC and most of DEBUG are LOADING commands in Valkey
        // but could reload or touch the half-loaded keyspace here, so they wait for the load as well.
        if (_server.LoadingState.Active && client.Fd >= 0 && (!cmd.Is(CommandFlags.Loading) || LoadingState.Refuses(client.Context, cmd)))
        {
            Reject(client, cmd, ErrorMessages.LoadingFor(_server.Config.ExtendedRedisCompatibility));
            return;
        }
        if ((client.Subscriptions != null || cmd.Is(CommandFlags.PubSub)) && PubSubCommands.ContextError(client, cmd) is { } pubSubError)
        {
            // RESP2 subscribed context (only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET), or NOSUB.
            Reject(client, cmd, pubSubError);
            return;
        }
        // CLIENT PAUSE: the command waits in the query buffer until the pause ends (Server/ClientPause).
        if (_server.Pause.Active && _server.Pause.ShouldPostpone(client, cmd))
        {
            _server.Pause.Postpone(client);
            return;
        }
        // Inside MULTI everything but EXEC/DISCARD/QUIT/RESET is queued and answered +QUEUED.
        if (client.Multi is { Active: true } && TransactionCommands.TryQueue(ctx, cmd)) return;

        // Compared first: a store of a reference costs a GC write barrier, and clients mostly repeat commands.
        if (!ReferenceEquals(client.LastCommand, cmd)) client.LastCommand = cmd;
        Call(client, cmd);
    }

    /// <summary>
    /// Errors seen when the last call started or ended (Valkey's prev_err_count): a call counts as
    /// failed only for errors after that, so EXEC is not blamed for its queued commands' errors.
    /// </summary>
    private long _errorsSeen;

    /// <summary>Saved and restored around clients served during a DEBUG RELOAD (Server/LoadingState.cs): nested calls reset it.</summary>
    internal long ErrorsSeen { get => _errorsSeen; set => _errorsSeen = value; }

    /// <summary>
    /// Valkey's call(): runs a command that passed every check (from the client, or queued and
    /// now run by EXEC with its arguments bound to <paramref name="client"/>'s context) and keeps
    /// its commandstats. EXEC's commands do not refresh the clock: the transaction sees one time.
    /// </summary>
    internal void Call(Client client, CommandSpec cmd)
    {
        CommandContext ctx = client.Context;
        var reply = client.Reply;
        ctx.Command = cmd;
        _server.Keyspace.SuppressTouch = client.NoTouch && cmd.Name != "touch";
        _errorsSeen = reply.ErrorCount;
        long replyBefore = reply.PendingBytes;
        // The top-level call starts at BeforeCommand's clock reading (Valkey's call() uses its one
        // ustime() for the cached time and the duration); nested calls (EXEC's) read the clock.
        long start = _server.CommandStartTimestamp;
        _server.CommandStartTimestamp = 0;
        if (start == 0) start = Stopwatch.GetTimestamp();
        _server.Tracking.BeginExecution();
        // Propagation (AOF): a call that changed the dataset is propagated when it ends (Server/Propagation.cs).
        var propagation = _server.Propagation;
        long dirtyBefore = _server.Stats.Dirty;
        bool outerPrevent = propagation.Enter();
        try
        {
            cmd.Handler!(ctx);
        }
        finally
        {
            propagation.Leave(client, cmd, dirtyBefore, outerPrevent);
        }
        _server.Tracking.EndExecution();
        long elapsedUs = (long)Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        // Client-side caching: a tracking client's reads register their keys (Valkey's trackingRememberKeys).
        if (client.Tracking != null && cmd.Is(CommandFlags.ReadOnly)) _server.Tracking.RememberKeys(client, ctx, cmd);
        // MONITOR sees each command once (not its re-runs after blocking), never ADMIN ones.
        if (_server.Monitors.Count != 0 && !client.IsReprocessingCommand && !cmd.Is(CommandFlags.Admin | CommandFlags.SkipMonitor))
            _server.Monitors.Feed(client, cmd);
        // The latency monitor sees each attempt; the command log and histograms the whole command.
        _server.Latency.OnCommand(cmd, elapsedUs);
        _server.LoopStats.OnCommand(elapsedUs);
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
        if (reply.ErrorCount != _errorsSeen) cmd.FailedCalls++;
        _errorsSeen = reply.ErrorCount;
        _server.Stats.CommandsProcessed++;
        client.CommandsProcessed++;
        RecordCompleted(client, cmd, elapsedUs, client.CurrentRequestBytes, Math.Max(0, reply.PendingBytes - replyBefore));
    }

    /// <summary>
    /// A command completed (here, or a blocked one in BlockedClients): its latency histogram
    /// (latency-tracking) and the command logs (SLOWLOG / COMMANDLOG), with its whole duration.
    /// </summary>
    internal void RecordCompleted(Client client, CommandSpec cmd, long elapsedUs, long requestBytes, long replyBytes)
    {
        if (_server.Config.LatencyTracking) (cmd.LatencyHistogram ??= new LatencyHistogram()).Record(elapsedUs);
        // A client closed by its own command (SHUTDOWN closes every client) has released the query
        // buffer its arguments live in: the command logs must not read them (Valkey exits first).
        if (!client.IsClosed) _server.CommandLog.OnCommand(client, cmd, elapsedUs, requestBytes, replyBytes);
    }

    /// <summary>
    /// Valkey's rejectCommand: the command is refused before running (counted as rejected); inside
    /// MULTI the transaction is flagged so EXEC aborts, and a refused EXEC aborts it at once.
    /// </summary>
    private static void Reject(Client client, CommandSpec? cmd, ReadOnlySpan<byte> message)
    {
        if (cmd != null) cmd.RejectedCalls++;
        if (TransactionCommands.OnCommandRejected(client, cmd, message))
        {
            // Valkey's execCommandAbort: monitors saw the MULTI, so they see the EXEC that ended it.
            var monitors = client.Context.Server.Monitors;
            if (monitors.Count != 0) monitors.Feed(client, cmd!);
            return;
        }
        client.Reply.AddError(message);
    }

    private static void Reject(Client client, CommandSpec? cmd, string message) =>
        Reject(client, cmd, Encoding.UTF8.GetBytes(message));

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
