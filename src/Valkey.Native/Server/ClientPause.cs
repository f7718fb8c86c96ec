using Valkey.Native.Commands;
using Valkey.Native.Networking;

namespace Valkey.Native.Server;

/// <summary>What a pause suspends (Valkey's PAUSE_ACTION_* bits).</summary>
[Flags]
public enum PauseActions
{
    None = 0,
    ClientWrite = 1 << 0,
    ClientAll = 1 << 1,
    Expire = 1 << 2,
    Evict = 1 << 3,
    Replica = 1 << 4,
    WriteSet = ClientWrite | Expire | Evict | Replica,
    AllSet = ClientAll | Expire | Evict | Replica,
}

/// <summary>
/// CLIENT PAUSE / UNPAUSE (Valkey's pauseActions): until the deadline, commands of every client
/// (ALL) or only those that may write or replicate (WRITE: write commands, may-replicate ones such
/// as PUBLISH and PFCOUNT, EXEC of a transaction holding any) are postponed, not rejected: the
/// client stops executing, its command stays in its query buffer and runs when the pause ends or
/// becomes less restrictive (then it may be postponed again). Expiry (lazy deletion and the active
/// cycle) and eviction are suspended as well, so that nothing changes the data set meanwhile.
/// The event loop wakes up at the deadline (<see cref="MillisecondsToEnd"/>); postponed clients
/// resume from <see cref="BeforeSleep"/>, never from inside another client's command.
/// </summary>
public sealed class ClientPause
{
    private readonly ServerContext _server;
    private readonly List<Client> _postponed = new();
    private PauseActions _actions;
    private long _endMs;
    private bool _resumePending;
    private bool _expirySuspended;
    private bool _savedLazyExpireDeletes;

    public ClientPause(ServerContext server) => _server = server;

    /// <summary>Something is paused (cheap check for the dispatcher's hot path).</summary>
    public bool Active => _actions != PauseActions.None;

    public PauseActions Actions => _actions;

    /// <summary>Unix milliseconds at which the pause ends (0 when not paused).</summary>
    public long EndMs => _endMs;

    /// <summary>Clients whose command waits for the pause to end (they count in INFO blocked_clients).</summary>
    public int PostponedCount => _postponed.Count;

    /// <summary>
    /// CLIENT PAUSE: a later deadline replaces an earlier one, never the reverse; WRITE never
    /// weakens a pause that is already ALL (pauseClientsByClient).
    /// </summary>
    public void Pause(long endMs, bool all)
    {
        Refresh(); // an expired pause must not make a new WRITE pause an ALL one
        var actions = all || (_actions & PauseActions.ClientAll) != 0 ? PauseActions.AllSet : PauseActions.WriteSet;
        if (_endMs < endMs) _endMs = endMs;
        var previous = _actions;
        _actions = actions;
        Update(previous);
    }

    /// <summary>CLIENT UNPAUSE: ends the pause; postponed clients run before the loop sleeps.</summary>
    public void Unpause()
    {
        var previous = _actions;
        _actions = PauseActions.None;
        _endMs = 0;
        Update(previous);
    }

    /// <summary>True while expiry must not delete keys (isPausedActionsWithUpdate(PAUSE_ACTION_EXPIRE)).</summary>
    public bool ExpirePaused
    {
        get
        {
            if ((_actions & PauseActions.Expire) == 0) return false;
            Refresh();
            return (_actions & PauseActions.Expire) != 0;
        }
    }

    /// <summary>True while eviction must not run.</summary>
    public bool EvictPaused
    {
        get
        {
            if ((_actions & PauseActions.Evict) == 0) return false;
            Refresh();
            return (_actions & PauseActions.Evict) != 0;
        }
    }

    /// <summary>
    /// processCommand's pause check: ALL postpones everything, WRITE postpones what may write or
    /// replicate. Commands re-run for a blocked client are not postponed (they already waited).
    /// </summary>
    public bool ShouldPostpone(Client client, CommandSpec cmd)
    {
        Refresh();
        if ((_actions & PauseActions.ClientAll) != 0) return !client.IsReprocessingCommand;
        if ((_actions & PauseActions.ClientWrite) == 0 || client.IsReprocessingCommand) return false;
        return MayReplicate(client, cmd);
    }

    /// <summary>Valkey's is_may_replicate_command: write / may-replicate flags, or EXEC of such a transaction.</summary>
    private static bool MayReplicate(Client client, CommandSpec cmd)
    {
        const CommandFlags writeFlags = CommandFlags.Write | CommandFlags.MayReplicate;
        if (cmd.Is(writeFlags)) return !IsReadOnlyScript(client, cmd);
        return cmd.Name == "exec" && client.Multi is { Active: true } multi && multi.AnyQueued(writeFlags);
    }

    /// <summary>
    /// Scripting can refine this: EVAL / FCALL of a script declared no-writes must not be postponed
    /// (Valkey's evalGetCommandFlags). Null until a scripting engine installs it.
    /// </summary>
    public static Func<Client, CommandSpec, bool>? ReadOnlyScriptCheck { get; set; }

    private static bool IsReadOnlyScript(Client client, CommandSpec cmd) => ReadOnlyScriptCheck?.Invoke(client, cmd) ?? false;

    /// <summary>blockPostponeClient: the command stays in the client's query buffer until the pause ends.</summary>
    public void Postpone(Client client)
    {
        client.IsPostponed = true;
        _postponed.Add(client);
    }

    public void OnClientClosed(Client client)
    {
        if (!client.IsPostponed) return;
        client.IsPostponed = false;
        _postponed.Remove(client);
    }

    /// <summary>Milliseconds until the pause ends, for the event loop's wait; -1 when nothing is paused.</summary>
    public int MillisecondsToEnd()
    {
        if (_actions == PauseActions.None) return _resumePending ? 0 : -1;
        long left = _endMs - DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        return left <= 0 ? 0 : (int)Math.Min(left, int.MaxValue);
    }

    /// <summary>Ends an expired pause, then resumes postponed clients if the pause ended or weakened.</summary>
    public void BeforeSleep()
    {
        if (_actions != PauseActions.None) Refresh();
        if (!_resumePending) return;
        _resumePending = false;
        var resumed = _postponed.ToArray();
        _postponed.Clear();
        foreach (var c in resumed)
        {
            if (c.IsClosed) continue;
            c.IsPostponed = false;
            // May postpone the client again (the pause only weakened from ALL to WRITE).
            c.ProcessInput();
        }
    }

    private void Refresh()
    {
        if (_actions == PauseActions.None || _endMs > DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()) return;
        var previous = _actions;
        _actions = PauseActions.None;
        _endMs = 0;
        Update(previous);
    }

    /// <summary>updatePausedActions: applies expiry suspension and schedules resumption when less is paused.</summary>
    private void Update(PauseActions previous)
    {
        const PauseActions clientMask = PauseActions.ClientWrite | PauseActions.ClientAll;
        if ((_actions & clientMask) < (previous & clientMask) && _postponed.Count > 0) _resumePending = true;
        bool suspend = (_actions & PauseActions.Expire) != 0;
        if (suspend == _expirySuspended) return;
        var keyspace = _server.Keyspace;
        if (suspend)
        {
            // Lazy expiry keeps hiding expired keys but deletes nothing until the pause ends.
            _savedLazyExpireDeletes = keyspace.LazyExpireDeletes;
            keyspace.LazyExpireDeletes = false;
        }
        else
        {
            keyspace.LazyExpireDeletes = _savedLazyExpireDeletes;
        }
        _expirySuspended = suspend;
    }
}
