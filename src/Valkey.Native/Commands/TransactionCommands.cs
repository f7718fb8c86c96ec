using Valkey.Native.Networking;
using Valkey.Native.Server;
using static Valkey.Native.Commands.KeySpecFlags;

namespace Valkey.Native.Commands;

/// <summary>
/// Transactions (Valkey's multi.c): MULTI, EXEC, DISCARD, WATCH, UNWATCH. The per-client state is
/// <see cref="MultiState"/>, the WATCH registry <see cref="WatchedKeys"/>. The dispatcher queues
/// commands while a client is in MULTI (<see cref="TryQueue"/>) and reports commands it rejects
/// (<see cref="OnCommandRejected"/>) so the transaction aborts at EXEC.
/// </summary>
public static unsafe class TransactionCommands
{
    private const CommandFlags ControlFlags = CommandFlags.NoScript | CommandFlags.Loading | CommandFlags.Stale;

    public static readonly CommandSpec[] Commands =
    [
        new CommandSpec("multi", 1, ControlFlags | CommandFlags.Fast | CommandFlags.NoMulti | CommandFlags.AllowBusy,
            AclCategories.Transaction, Multi)
        {
            Group = "transactions", Summary = "Starts a transaction.", Since = "1.2.0", Complexity = "O(1)",
        },
        new CommandSpec("exec", 1, ControlFlags | CommandFlags.SkipSlowlog, AclCategories.Transaction, Exec)
        {
            Group = "transactions", Summary = "Executes all commands in a transaction.", Since = "1.2.0",
            Complexity = "Depends on commands in the transaction",
        },
        new CommandSpec("discard", 1, ControlFlags | CommandFlags.Fast | CommandFlags.AllowBusy, AclCategories.Transaction, Discard)
        {
            Group = "transactions", Summary = "Discards a transaction.", Since = "2.0.0",
            Complexity = "O(N), when N is the number of queued commands",
        },
        new CommandSpec("watch", -2, ControlFlags | CommandFlags.Fast | CommandFlags.NoMulti | CommandFlags.AllowBusy,
            AclCategories.Transaction, Watch)
        {
            Group = "transactions", Summary = "Monitors changes to keys to determine the execution of a transaction.",
            Since = "2.2.0", Complexity = "O(1) for every key.",
            KeySpecs = [KeySpec.Index(1, RO, lastKey: -1)],
        },
        new CommandSpec("unwatch", 1, ControlFlags | CommandFlags.Fast | CommandFlags.AllowBusy, AclCategories.Transaction, Unwatch)
        {
            Group = "transactions", Summary = "Forgets about watched keys of a transaction.", Since = "2.2.0", Complexity = "O(1)",
        },
    ];

    static TransactionCommands()
    {
        // RESET leaves MULTI and forgets watched keys (clearClientConnectionState).
        ConnectionCommands.ConnectionReset += ctx => DiscardTransaction(ctx.Server, ctx.Client);
    }

    // ---- hooks for the dispatcher ----------------------------------------------------------

    /// <summary>
    /// Called for a client in MULTI with a command that passed every check: queues it and replies
    /// +QUEUED, or returns false for the commands that run at once (EXEC, DISCARD, QUIT, RESET;
    /// MULTI and WATCH never get here, they are NO_MULTI).
    /// </summary>
    internal static bool TryQueue(CommandContext ctx, CommandSpec cmd)
    {
        if (cmd.Name is "exec" or "discard" or "quit" or "reset") return false;
        if (!ctx.Client.Multi!.Queue(ctx, cmd))
        {
            FlagTransaction(ctx.Client);
            ctx.Reply.AddError(ErrorMessages.TransactionTooLarge);
            return true;
        }
        ctx.Reply.AddSimpleString("QUEUED"u8);
        return true;
    }

    /// <summary>
    /// The dispatcher refused <paramref name="cmd"/> (unknown, arity, NOAUTH, not allowed in MULTI...):
    /// the open transaction is flagged (flagTransaction). A refused EXEC ends the transaction with
    /// "EXECABORT ... because of: reason" (execCommandAbort) and returns true: the reply is written.
    /// </summary>
    internal static bool OnCommandRejected(Client client, CommandSpec? cmd, ReadOnlySpan<byte> message)
    {
        FlagTransaction(client);
        if (cmd == null || cmd.Name != "exec") return false;
        DiscardTransaction(client.Context.Server, client);
        client.Reply.AddError(ErrorMessages.ExecAbortBecause(System.Text.Encoding.UTF8.GetString(message)));
        return true;
    }

    /// <summary>An error while queueing: EXEC will reply EXECABORT (flagTransaction).</summary>
    private static void FlagTransaction(Client client)
    {
        var state = client.Multi;
        if (state is not { Active: true }) return;
        state.DirtyExec = true;
        state.ResetQueue();
    }

    /// <summary>Leaves MULTI, drops the queue and the dirty flags, unwatches everything (discardTransaction).</summary>
    private static void DiscardTransaction(ServerContext server, Client client)
    {
        var state = client.Multi;
        if (state == null) return;
        state.ResetQueue();
        state.Active = false;
        state.DirtyCas = false;
        state.DirtyExec = false;
        server.Watches.UnwatchAll(client);
    }

    // ---- commands -------------------------------------------------------------------------

    private static void Multi(CommandContext ctx)
    {
        ctx.Server.Watches.StateOf(ctx.Client).Active = true;
        ctx.Reply.AddOk();
    }

    private static void Discard(CommandContext ctx)
    {
        if (ctx.Client.Multi is not { Active: true })
        {
            ctx.Reply.AddError(ErrorMessages.DiscardWithoutMulti);
            return;
        }
        DiscardTransaction(ctx.Server, ctx.Client);
        ctx.Reply.AddOk();
    }

    /// <summary>
    /// Runs the queued commands as one unit: replies their replies in an array, or a null array
    /// when a watched key changed (or expired), or EXECABORT when queueing failed. Blocking
    /// commands reply as on timeout; clients blocked on keys are served only after EXEC returns.
    /// </summary>
    private static void Exec(CommandContext ctx)
    {
        var client = ctx.Client;
        var server = ctx.Server;
        var state = client.Multi;
        if (state is not { Active: true })
        {
            ctx.Reply.AddError(ErrorMessages.ExecWithoutMulti);
            return;
        }
        if (server.Watches.AnyWatchedKeyExpired(client)) state.DirtyCas = true;
        if (state.DirtyCas || state.DirtyExec)
        {
            if (state.DirtyExec) ctx.Reply.AddError(ErrorMessages.ExecAbort);
            else ctx.Reply.AddNullArray();
            DiscardTransaction(server, client);
            return;
        }

        bool denyBlocking = client.DenyBlocking;
        client.DenyBlocking = true;
        // Unwatch first: the transaction's own writes must not touch its watches.
        server.Watches.UnwatchAll(client);
        CommandSpec exec = ctx.Command;
        byte* argBase = ctx.ArgBase;
        var args = ctx.Args;
        int count = state.Count;
        ctx.Reply.AddArrayLength(count);
        try
        {
            for (int i = 0; i < count; i++)
            {
                CommandSpec cmd = state.BindQueued(ctx, i);
                try
                {
                    server.Dispatcher.Call(client, cmd);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    // One reply per queued command, whatever happens, or the array is broken.
                    server.Log.Warning($"Command '{cmd.FullName}' failed with an internal error inside EXEC: {e}");
                    ctx.Reply.AddError("ERR internal error while executing '" + cmd.FullName + "'");
                }
            }
        }
        finally
        {
            client.DenyBlocking = denyBlocking;
            ctx.Bind(argBase, args);
            ctx.Command = exec;
            DiscardTransaction(server, client);
        }
    }

    private static void Watch(CommandContext ctx)
    {
        var client = ctx.Client;
        // Already dirty: EXEC fails anyway, watching more changes nothing.
        if (client.Multi is not { DirtyCas: true })
        {
            for (int i = 1; i < ctx.ArgCount; i++) ctx.Server.Watches.Watch(client, ctx.Arg(i));
        }
        ctx.Reply.AddOk();
    }

    private static void Unwatch(CommandContext ctx)
    {
        var client = ctx.Client;
        ctx.Server.Watches.UnwatchAll(client);
        if (client.Multi != null) client.Multi.DirtyCas = false;
        ctx.Reply.AddOk();
    }
}
