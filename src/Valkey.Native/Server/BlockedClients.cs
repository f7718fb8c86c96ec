using System.Numerics;
using Valkey.Native.Commands;
using Valkey.Native.Networking;
using Valkey.Native.Storage;
using Valkey.Native.Util;

namespace Valkey.Native.Server;

/// <summary>What a blocked client waits for (Valkey's BLOCKED_* types that wait on keys).</summary>
public enum BlockType : byte
{
    None = 0,
    /// <summary>BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP: served when a list key appears.</summary>
    List = 1,
    /// <summary>BZPOPMIN, BZPOPMAX, BZMPOP: served when a sorted set key appears.</summary>
    SortedSet = 2,
    /// <summary>XREAD / XREADGROUP BLOCK: served when a stream key gets entries.</summary>
    Stream = 3,
}

/// <summary>
/// One client's blocking state (Valkey's bstate), created the first time the client blocks and
/// reused afterwards. Only <see cref="BlockedClients"/> changes it.
/// </summary>
public sealed class BlockState
{
    internal readonly List<(BlockedClients.KeyWaiters Waiters, LinkedListNode<Client> Node)> Keys = new();

    public BlockType Type { get; internal set; }
    /// <summary>Absolute deadline in Unix milliseconds, 0 for none (kept when a reprocessed command blocks again).</summary>
    public long TimeoutMs { get; internal set; }
    /// <summary>Also wake when a waited key is deleted or changes type (XREADGROUP).</summary>
    public bool UnblockOnNoKey { get; internal set; }
    /// <summary>The database the keys belong to (the client's database when it blocked).</summary>
    public Database? Db { get; internal set; }
    /// <summary>The blocked command (commandstats when it times out or is unblocked).</summary>
    public CommandSpec? Command { get; internal set; }
    /// <summary>
    /// Whatever the blocking handler passed to <see cref="BlockingCommands.BlockForKeys"/> (e.g. the
    /// stream IDs "$" resolved to when XREAD blocked). It survives the re-executions of the
    /// command and is dropped when the command completes.
    /// </summary>
    public object? Payload { get; internal set; }

    /// <summary>Number of distinct keys the client waits on.</summary>
    public int KeyCount => Keys.Count;
}

/// <summary>
/// Blocking commands' helpers for handlers. The whole blocking API a family needs:
/// <code>
/// static void BZPopMin(CommandContext ctx)
/// {
///     if (!ctx.TryGetBlockingTimeoutOrReply(ctx.ArgCount - 1, out long timeout)) return;   // errors as Valkey
///     for (each key argument) { if it holds data: pop, reply, return; WRONGTYPE: reply, return; }
///     if (ctx.Client.DenyBlocking) { ctx.Reply.AddNullArray(); return; }                   // inside MULTI/EXEC or a script
///     ctx.BlockForKeys(BlockType.SortedSet, firstKeyArg: 1, keyCount: ctx.ArgCount - 2, timeout);
/// }
/// </code>
/// Once blocked, the client executes nothing else (its pipeline waits in the query buffer). When
/// one of the keys is created (<see cref="Database.Add"/> signals lists, sorted sets and streams;
/// call <see cref="Database.SignalKeyAsReady"/> when adding to an existing stream), the server
/// runs the same handler again after the current command, with <see cref="Client.IsReprocessingCommand"/>
/// set: it either serves the client or calls <c>BlockForKeys</c> again, which keeps the original
/// timeout and re-queues the client at the tail. Clients are served first-blocked first. On
/// timeout or CLIENT UNBLOCK the client gets a null array (RESP3 null) and the command counts
/// once in commandstats. Nothing to clean up in the handler: disconnects are handled here.
/// </summary>
public static class BlockingCommands
{
    /// <summary>Units of a blocking command's timeout argument (Valkey's UNIT_SECONDS / UNIT_MILLISECONDS).</summary>
    public enum TimeoutUnit { Seconds, Milliseconds }

    /// <summary>
    /// Valkey's getTimeoutFromObjectOrReply: parses the timeout at argument <paramref name="index"/>
    /// (seconds as a long double, e.g. "0.1"; or whole milliseconds) into an absolute Unix-ms
    /// deadline, 0 meaning "block forever". Replies "ERR timeout is not a float or out of range"
    /// ("... an integer ..." for milliseconds), "ERR timeout is negative" or
    /// "ERR timeout is out of range" and returns false on bad input.
    /// </summary>
    public static bool TryGetBlockingTimeoutOrReply(this CommandContext ctx, int index, out long timeoutMs, TimeoutUnit unit = TimeoutUnit.Seconds)
    {
        timeoutMs = 0;
        long ms;
        if (unit == TimeoutUnit.Seconds)
        {
            if (!LongDouble.TryParse(ctx.Arg(index), out var seconds))
            {
                ctx.Reply.AddError(ErrorMessages.TimeoutNotFloat);
                return false;
            }
            switch (SecondsToMilliseconds(seconds, out ms))
            {
                case TimeoutConversion.OutOfRange:
                    ctx.Reply.AddError(ErrorMessages.TimeoutOutOfRange);
                    return false;
                case TimeoutConversion.Negative:
                    ctx.Reply.AddError(ErrorMessages.TimeoutNegative);
                    return false;
            }
        }
        else if (!NumberParser.TryParseInt64(ctx.Arg(index), out ms))
        {
            ctx.Reply.AddError(ErrorMessages.TimeoutNotInteger);
            return false;
        }
        if (ms < 0)
        {
            ctx.Reply.AddError(ErrorMessages.TimeoutNegative);
            return false;
        }
        if (ms > 0)
        {
            long now = ctx.Keyspace.NowMs;
            if (ms > long.MaxValue - now)
            {
                ctx.Reply.AddError(ErrorMessages.TimeoutOutOfRange);
                return false;
            }
            ms += now;
        }
        timeoutMs = ms;
        return true;
    }

    public enum TimeoutConversion { Ok, OutOfRange, Negative }

    /// <summary>
    /// <c>(long long)ceill(seconds * 1000.0L)</c> with the x87 product rounded to 64 significant
    /// bits, and Valkey's "> LLONG_MAX" check. A tiny negative timeout rounds up to 0 (forever), as there.
    /// </summary>
    public static TimeoutConversion SecondsToMilliseconds(LongDouble seconds, out long ms)
    {
        ms = 0;
        if (seconds.IsInfinity) return seconds.IsNegative ? TimeoutConversion.Negative : TimeoutConversion.OutOfRange;
        if (seconds.IsZero) return TimeoutConversion.Ok;
        UInt128 product = (UInt128)seconds.Significand * 1000;
        int exponent = seconds.Exponent;
        int bits = 128 - (int)UInt128.LeadingZeroCount(product);
        if (bits > 64)
        {
            int shift = bits - 64;
            UInt128 remainder = product & ((UInt128.One << shift) - 1);
            UInt128 half = UInt128.One << (shift - 1);
            product >>= shift;
            exponent += shift;
            if (remainder > half || (remainder == half && (product & 1) != 0))
            {
                product++;
                if (product == UInt128.One << 64)
                {
                    product >>= 1;
                    exponent++;
                }
            }
        }
        ulong m = (ulong)product;
        if (!seconds.IsNegative)
        {
            if (exponent >= 0)
            {
                if (exponent >= 63 || 64 - BitOperations.LeadingZeroCount(m) + exponent > 63) return TimeoutConversion.OutOfRange;
                ms = (long)(m << exponent);
                return TimeoutConversion.Ok;
            }
            if (exponent <= -64)
            {
                ms = 1;
                return TimeoutConversion.Ok;
            }
            ulong whole = m >> -exponent;
            bool fraction = (m & ((1UL << -exponent) - 1)) != 0;
            ms = (long)whole + (fraction ? 1 : 0);
            return TimeoutConversion.Ok;
        }
        // ceil() of a negative value truncates: only a magnitude of at least 1 ms stays negative.
        if (exponent >= 0) return TimeoutConversion.Negative;
        if (exponent > -64 && (m >> -exponent) != 0) return TimeoutConversion.Negative;
        ms = 0;
        return TimeoutConversion.Ok;
    }

    /// <summary>
    /// Valkey's blockForKeys: blocks the calling client on the keys at arguments
    /// [<paramref name="firstKeyArg"/>, <paramref name="firstKeyArg"/> + <paramref name="keyCount"/>)
    /// (repeated keys count once) until one of them is ready for <paramref name="type"/> or
    /// <paramref name="timeoutMs"/> (from <see cref="TryGetBlockingTimeoutOrReply"/>) passes. The
    /// handler must return right after without replying. <paramref name="unblockOnNoKey"/> also
    /// wakes the client when a key is deleted or changes type (XREADGROUP); <paramref name="payload"/>
    /// is kept in <see cref="BlockState.Payload"/> for the re-executions.
    /// </summary>
    public static void BlockForKeys(this CommandContext ctx, BlockType type, int firstKeyArg, int keyCount, long timeoutMs,
        bool unblockOnNoKey = false, object? payload = null) =>
        ctx.Server.Blocking.BlockForKeys(ctx, type, firstKeyArg, keyCount, timeoutMs, unblockOnNoKey, payload);
}

/// <summary>
/// The registry of clients blocked on keys (Valkey's blocked.c): per database, the clients
/// waiting on each key in arrival order; the keys signalled ready since they were last
/// handled; the timeout table; and the clients unblocked since the loop last slept, whose
/// pipelined input is processed before it sleeps again. Runs on the event-loop thread.
/// </summary>
public sealed unsafe class BlockedClients : IKeyReadiness
{
    /// <summary>The clients waiting on one key of one database, first blocked first.</summary>
    internal sealed class KeyWaiters(byte[] key)
    {
        public readonly byte[] Key = key;
        public readonly LinkedList<Client> Clients = new();
        /// <summary>How many of them also wake on deletion (Valkey's blocking_keys_unblock_on_nokey count).</summary>
        public int NoKeyClients;
    }

    private readonly ServerContext _server;
    private readonly Dictionary<byte[], KeyWaiters>?[] _waiters;
    private readonly HashSet<byte[]>?[] _readySets;
    private List<(Database Db, byte[] Key)> _ready = new();
    private List<(Database Db, byte[] Key)> _readySpare = new();
    private readonly SortedSet<(long Deadline, Client Client)> _timeouts = new(TimeoutOrder.Instance);
    private readonly Queue<Client> _unblocked = new();
    private readonly List<Client> _receivers = new();
    private readonly int[] _blockedByType = new int[4];
    private bool _handling;

    public BlockedClients(ServerContext server)
    {
        _server = server;
        int databases = server.Keyspace.Databases.Length;
        _waiters = new Dictionary<byte[], KeyWaiters>?[databases];
        _readySets = new HashSet<byte[]>?[databases];
    }

    /// <summary>INFO blocked_clients.</summary>
    public int BlockedClientCount { get; private set; }
    /// <summary>INFO clients_in_timeout_table: blocked clients with a timeout.</summary>
    public int TimeoutTableCount => _timeouts.Count;
    /// <summary>INFO total_blocking_keys: keys with at least one client blocked on them.</summary>
    public int TotalBlockingKeys { get; private set; }
    /// <summary>INFO total_blocking_keys_on_nokey: keys with a client that also wakes on deletion.</summary>
    public int TotalBlockingKeysOnNoKey { get; private set; }
    /// <summary>Keys were signalled ready and not handled yet.</summary>
    public bool HasReadyKeys => _ready.Count > 0;

    public int BlockedClientsOfType(BlockType type) => _blockedByType[(int)type];

    public static BlockType BlockTypeOf(DataType type) => type switch
    {
        DataType.List => BlockType.List,
        DataType.SortedSet => BlockType.SortedSet,
        DataType.Stream => BlockType.Stream,
        _ => BlockType.None,
    };

    // ---- blocking ------------------------------------------------------------------------

    /// <summary>See <see cref="BlockingCommands.BlockForKeys"/>.</summary>
    public void BlockForKeys(CommandContext ctx, BlockType type, int firstKeyArg, int keyCount, long timeoutMs, bool unblockOnNoKey, object? payload)
    {
        if (type == BlockType.None) throw new ArgumentOutOfRangeException(nameof(type));
        Client client = ctx.Client;
        if (client.IsBlocked) throw new InvalidOperationException("client is already blocked");
        BlockState state = client.Blocking ??= new BlockState();
        // A re-executed command that blocks again keeps the deadline of its first attempt.
        if (!client.IsReprocessingCommand) state.TimeoutMs = timeoutMs;
        state.Type = type;
        state.Db = ctx.Db;
        state.Command = ctx.Command;
        state.Payload = payload;
        state.UnblockOnNoKey = unblockOnNoKey;
        var byKey = _waiters[ctx.Db.Id] ??= new Dictionary<byte[], KeyWaiters>(ByteKeyComparer.Instance);
        var lookup = byKey.GetAlternateLookup<ReadOnlySpan<byte>>();
        for (int i = firstKeyArg; i < firstKeyArg + keyCount; i++)
        {
            var key = ctx.Arg(i);
            if (IsWaitingOn(state, key)) continue;
            if (!lookup.TryGetValue(key, out var waiters))
            {
                waiters = new KeyWaiters(key.ToArray());
                byKey.Add(waiters.Key, waiters);
                TotalBlockingKeys++;
            }
            var node = waiters.Clients.AddLast(client);
            state.Keys.Add((waiters, node));
            if (unblockOnNoKey && waiters.NoKeyClients++ == 0) TotalBlockingKeysOnNoKey++;
        }
        client.IsBlocked = true;
        BlockedClientCount++;
        _blockedByType[(int)type]++;
        if (state.TimeoutMs != 0) _timeouts.Add((state.TimeoutMs, client));
    }

    private static bool IsWaitingOn(BlockState state, ReadOnlySpan<byte> key)
    {
        foreach (var (waiters, _) in state.Keys)
        {
            if (key.SequenceEqual(waiters.Key)) return true;
        }
        return false;
    }

    /// <summary>
    /// Valkey's unblockClient: forgets what the client waits on. Its command stays pending (the
    /// caller re-executes it or completes it); with <paramref name="queueForReprocessing"/> its
    /// pipelined input runs before the loop sleeps.
    /// </summary>
    private void Unblock(Client client, bool queueForReprocessing)
    {
        BlockState state = client.Blocking!;
        var byKey = _waiters[state.Db!.Id]!;
        foreach (var (waiters, node) in state.Keys)
        {
            waiters.Clients.Remove(node);
            if (state.UnblockOnNoKey && --waiters.NoKeyClients == 0) TotalBlockingKeysOnNoKey--;
            if (waiters.Clients.Count == 0)
            {
                byKey.Remove(waiters.Key);
                TotalBlockingKeys--;
            }
        }
        state.Keys.Clear();
        BlockedClientCount--;
        _blockedByType[(int)state.Type]--;
        if (state.TimeoutMs != 0) _timeouts.Remove((state.TimeoutMs, client));
        state.Type = BlockType.None;
        state.UnblockOnNoKey = false;
        client.IsBlocked = false;
        if (queueForReprocessing) QueueForReprocessing(client);
    }

    private void QueueForReprocessing(Client client)
    {
        if (client.InUnblockedQueue) return;
        client.InUnblockedQueue = true;
        _unblocked.Enqueue(client);
    }

    /// <summary>
    /// CLIENT UNBLOCK: completes a blocked command as on timeout (a null array) or with
    /// "-UNBLOCKED client unblocked via CLIENT UNBLOCK". False if the client is not blocked.
    /// </summary>
    public bool UnblockByRequest(Client client, bool withError)
    {
        if (!client.IsBlocked) return false;
        if (withError) UnblockWithError(client, "UNBLOCKED client unblocked via CLIENT UNBLOCK");
        else UnblockOnTimeout(client);
        return true;
    }

    /// <summary>Valkey's unblockClientOnTimeout: the timeout reply (a null array), stats, then unblock.</summary>
    private void UnblockOnTimeout(Client client)
    {
        client.EnableBlockedReply();
        client.Reply.AddNullArray();
        client.Reply.Enabled = true;
        CountCompletedCommand(client, failed: false);
        Unblock(client, queueForReprocessing: true);
        client.FinishBlockedCommand();
        _server.QueueWrite(client);
    }

    /// <summary>Valkey's unblockClientOnError: an error reply (code included in the message), stats, then unblock.</summary>
    public void UnblockWithError(Client client, string error)
    {
        if (!client.IsBlocked) return;
        client.EnableBlockedReply();
        client.Reply.AddError(error);
        client.Reply.Enabled = true;
        CountCompletedCommand(client, failed: true);
        Unblock(client, queueForReprocessing: true);
        client.FinishBlockedCommand();
        _server.QueueWrite(client);
    }

    /// <summary>updateStatsOnUnblock: the blocked command counts once, with the time of its attempts.</summary>
    private void CountCompletedCommand(Client client, bool failed)
    {
        CommandSpec? cmd = client.Blocking!.Command;
        if (cmd != null)
        {
            cmd.Calls++;
            cmd.Microseconds += client.BlockedMicroseconds;
            if (failed) cmd.FailedCalls++;
            client.BindBlockedCommand();
            _server.Dispatcher.RecordCompleted(client, cmd, client.BlockedMicroseconds, 0, 0);
        }
        client.BlockedMicroseconds = 0;
        client.CommandsProcessed++;
        _server.Stats.CommandsProcessed++;
    }

    /// <summary>A closed connection leaves no trace (called from <see cref="ServerContext.ClientClosed"/>).</summary>
    public void OnClientClosed(Client client)
    {
        if (client.IsBlocked) Unblock(client, queueForReprocessing: false);
        if (client.Blocking != null) client.Blocking.Payload = null;
        client.BlockedMicroseconds = 0;
    }

    // ---- readiness (IKeyReadiness) --------------------------------------------------------

    public void KeyReady(Database db, ReadOnlySpan<byte> key, DataType type)
    {
        if (BlockedClientCount == 0) return;
        BlockType blockType = BlockTypeOf(type);
        if (blockType == BlockType.None || _blockedByType[(int)blockType] == 0) return;
        var byKey = _waiters[db.Id];
        if (byKey == null || !byKey.GetAlternateLookup<ReadOnlySpan<byte>>().TryGetValue(key, out var waiters)) return;
        QueueReady(db, waiters.Key);
    }

    public void DeletedKeyReady(Database db, ReadOnlySpan<byte> key, DataType type)
    {
        if (TotalBlockingKeysOnNoKey == 0) return;
        BlockType blockType = BlockTypeOf(type);
        if (blockType == BlockType.None || _blockedByType[(int)blockType] == 0) return;
        var byKey = _waiters[db.Id];
        if (byKey == null || !byKey.GetAlternateLookup<ReadOnlySpan<byte>>().TryGetValue(key, out var waiters)) return;
        if (waiters.NoKeyClients == 0) return;
        QueueReady(db, waiters.Key);
    }

    private void QueueReady(Database db, byte[] key)
    {
        var set = _readySets[db.Id] ??= new HashSet<byte[]>(ByteKeyComparer.Instance);
        if (!set.Add(key)) return;
        _ready.Add((db, key));
    }

    public void DatabaseEmptying(Database db) => SignalDeletedKeys(db, null);

    public void DatabasesSwapping(Database a, Database b)
    {
        SignalDeletedKeys(a, b);
        SignalDeletedKeys(b, a);
    }

    public void DatabasesSwapped(Database a, Database b)
    {
        SignalExistingKeys(a);
        SignalExistingKeys(b);
    }

    /// <summary>scanDatabaseForDeletedKeys: keys of <paramref name="emptied"/> that disappear or change type.</summary>
    private void SignalDeletedKeys(Database emptied, Database? replacedWith)
    {
        if (TotalBlockingKeysOnNoKey == 0) return;
        var byKey = _waiters[emptied.Id];
        if (byKey == null) return;
        foreach (var waiters in byKey.Values)
        {
            if (waiters.NoKeyClients == 0) continue;
            byte* before = emptied.Table.Find(waiters.Key);
            if (before == null) continue;
            DataType originalType = Database.Header(before)->Type;
            byte* after = replacedWith == null ? null : replacedWith.Table.Find(waiters.Key);
            if (after == null || Database.Header(after)->Type != originalType) DeletedKeyReady(emptied, waiters.Key, originalType);
        }
    }

    /// <summary>scanDatabaseForReadyKeys: after SWAPDB, waited keys that now exist may serve their clients.</summary>
    private void SignalExistingKeys(Database db)
    {
        if (BlockedClientCount == 0) return;
        var byKey = _waiters[db.Id];
        if (byKey == null) return;
        foreach (var waiters in byKey.Values)
        {
            byte* entry = db.Table.Find(waiters.Key);
            if (entry != null) KeyReady(db, waiters.Key, Database.Header(entry)->Type);
        }
    }

    // ---- serving ---------------------------------------------------------------------------

    /// <summary>
    /// Valkey's handleClientsBlockedOnKeys: for each key signalled ready (in signal order), the
    /// clients blocked on it, first blocked first, run their command again while the key still
    /// holds the type they wait for. Keys made ready meanwhile (BLMOVE's push) are handled in
    /// the same call. Not re-entrant.
    /// </summary>
    public void HandleClientsBlockedOnKeys()
    {
        if (_handling) return;
        _handling = true;
        try
        {
            while (_ready.Count > 0)
            {
                var batch = _ready;
                _ready = _readySpare;
                for (int i = 0; i < batch.Count; i++)
                {
                    var (db, key) = batch[i];
                    _readySets[db.Id]!.Remove(key);
                    ServeClientsBlockedOn(db, key);
                }
                batch.Clear();
                _readySpare = batch;
            }
        }
        finally
        {
            _handling = false;
        }
    }

    private void ServeClientsBlockedOn(Database db, byte[] key)
    {
        var byKey = _waiters[db.Id];
        if (byKey == null || !byKey.TryGetValue(key, out var waiters)) return;
        // Only the clients blocked now: one that blocks again goes to the tail and waits for the next signal.
        _receivers.Clear();
        foreach (var c in waiters.Clients) _receivers.Add(c);
        for (int i = 0; i < _receivers.Count; i++)
        {
            Client receiver = _receivers[i];
            if (!receiver.IsBlocked || receiver.IsClosed) continue;
            BlockState state = receiver.Blocking!;
            byte* entry = db.Table.Find(key);
            bool live = entry != null && !db.IsExpired(entry);
            if ((live && state.Type == BlockTypeOf(Database.Header(entry)->Type)) || state.UnblockOnNoKey)
                UnblockOnKey(receiver);
        }
        _receivers.Clear();
    }

    /// <summary>unblockClientOnKey: unblock, run the command again, then let its pipeline continue.</summary>
    private void UnblockOnKey(Client client)
    {
        Unblock(client, queueForReprocessing: false);
        client.ExecuteBlockedCommandAgain();
        if (!client.IsBlocked && !client.IsClosed) QueueForReprocessing(client);
    }

    // ---- the event loop --------------------------------------------------------------------

    /// <summary>Valkey's blockedBeforeSleep: timeouts, ready keys, then unblocked clients' pipelines.</summary>
    public void BeforeSleep()
    {
        if (_timeouts.Count > 0) HandleTimeouts(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        if (HasReadyKeys) HandleClientsBlockedOnKeys();
        ProcessUnblockedClients();
    }

    /// <summary>Times out every client whose deadline is before <paramref name="nowMs"/>.</summary>
    public void HandleTimeouts(long nowMs)
    {
        while (_timeouts.Count > 0)
        {
            var (deadline, client) = _timeouts.Min;
            if (deadline >= nowMs) break;
            if (!client.IsBlocked)
            {
                _timeouts.Remove((deadline, client));
                continue;
            }
            UnblockOnTimeout(client);
        }
    }

    /// <summary>processUnblockedClients: runs what unblocked clients pipelined meanwhile.</summary>
    public void ProcessUnblockedClients()
    {
        while (_unblocked.Count > 0)
        {
            Client client = _unblocked.Dequeue();
            client.InUnblockedQueue = false;
            if (!client.IsClosed && !client.IsBlocked) client.ProcessInput();
        }
    }

    /// <summary>For the event loop's wait: milliseconds until the earliest timeout fires, -1 if none.</summary>
    public int MillisecondsToNextTimeout()
    {
        if (_timeouts.Count == 0) return -1;
        long wait = _timeouts.Min.Deadline + 1 - DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        return (int)Math.Clamp(wait, 0, int.MaxValue);
    }
}

/// <summary>The timeout table's order: deadline, then client id (Valkey's radix tree of timeout + client id).</summary>
internal sealed class TimeoutOrder : IComparer<(long Deadline, Client Client)>
{
    public static readonly TimeoutOrder Instance = new();

    public int Compare((long Deadline, Client Client) x, (long Deadline, Client Client) y)
    {
        int c = x.Deadline.CompareTo(y.Deadline);
        return c != 0 ? c : x.Client.Id.CompareTo(y.Client.Id);
    }
}

/// <summary>Byte-content equality for keys held as arrays, with span lookups (no allocation to look up).</summary>
internal sealed class ByteKeyComparer : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
{
    public static readonly ByteKeyComparer Instance = new();

    public bool Equals(byte[]? x, byte[]? y) => ReferenceEquals(x, y) || (x != null && y != null && x.AsSpan().SequenceEqual(y));
    public int GetHashCode(byte[] obj) => GetHashCode((ReadOnlySpan<byte>)obj);
    public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);

    public int GetHashCode(ReadOnlySpan<byte> alternate)
    {
        var hash = new HashCode();
        hash.AddBytes(alternate);
        return hash.ToHashCode();
    }

    public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();
}
