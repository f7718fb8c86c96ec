using Valkey.Native.Commands;
using Valkey.Native.Networking;
using Valkey.Native.Util;

namespace Valkey.Native.Server;

/// <summary>
/// One connection's CLIENT TRACKING settings (Valkey's CLIENT_TRACKING_* flags and
/// client_tracking_redirection / client_tracking_prefixes). The client holds one only while
/// tracking is on, so "is this client tracking?" is a null check on the hot path.
/// </summary>
public sealed class ClientTrackingState
{
    /// <summary>Client id invalidations go to (0: this connection, RESP3 only).</summary>
    public long RedirectId;
    public bool Bcast, OptIn, OptOut, NoLoop;
    /// <summary>CLIENT CACHING yes (OPTIN) / no (OPTOUT) for the next command or transaction.</summary>
    public bool Caching;
    /// <summary>The redirect client went away (CLIENT LIST 'R', TRACKINGINFO broken_redirect).</summary>
    public bool BrokenRedirect;
    /// <summary>BCAST prefixes this client is registered for (the empty prefix is every key).</summary>
    public readonly List<byte[]> Prefixes = new();
}

/// <summary>
/// Server-assisted client-side caching (Valkey's tracking.c). In the default mode the server
/// remembers, per key name (all databases share one table), the ids of tracking clients that
/// read it; the first write of the key sends them one invalidation and forgets the key. In
/// BCAST mode clients subscribe to key prefixes instead: keys written during a loop iteration
/// are gathered per prefix and broadcast before the server sleeps.
///
/// Invalidations go to the client itself as RESP3 push frames, or to its REDIRECT client (RESP3
/// push, or for a RESP2 client in pub/sub mode a message on <c>__redis__:invalidate</c>).
/// Messages for the client whose command is running are held until its reply is complete, so
/// they never land in the middle of a reply (Valkey's tracking_pending_keys).
/// </summary>
public sealed class Tracking
{
    /// <summary>The channel RESP2 redirect clients receive invalidations on.</summary>
    public static ReadOnlySpan<byte> ChannelName => "__redis__:invalidate"u8;

    private readonly ServerContext _server;
    /// <summary>Key name → ids of the clients that may have cached it.</summary>
    private readonly Dictionary<byte[], TrackedKey> _table = new(ByteKeyComparer.Instance);
    private readonly Dictionary<byte[], TrackedKey>.AlternateLookup<ReadOnlySpan<byte>> _tableLookup;
    /// <summary>The same entries in a dense list, so the table limit can pick random victims in O(1).</summary>
    private readonly List<TrackedKey> _tracked = new();
    private ulong _rng = (ulong)Environment.TickCount64 * 0x9E3779B97F4A7C15UL | 1;
    /// <summary>BCAST prefix → its subscribers and the keys modified since the last broadcast.</summary>
    private readonly Dictionary<byte[], BcastState> _prefixes = new(ByteKeyComparer.Instance);
    /// <summary>Invalidations for the running client, sent after its reply (null: a flush).</summary>
    private readonly List<byte[]?> _pending = new();
    private readonly List<KeyReference> _keys = new();
    private byte[] _frame = new byte[256];
    private int _frameLength;
    private Client? _current;
    private int _executing;
    /// <summary>A key expiry or eviction just announced: its modification has no client behind it (Valkey's NULL client).</summary>
    private byte[]? _serverModifiedKey;
    /// <summary>A flush invalidation was already sent for the running command (FLUSHALL clears every database).</summary>
    private bool _flushSent;
    private bool _bcastDirty;
    private int _limitRounds;
    private static bool s_resetHooked;

    /// <summary>A tracked key: the ids of the clients that may have cached it, and its place in <see cref="_tracked"/>.</summary>
    private sealed class TrackedKey(byte[] key) : HashSet<long>
    {
        public readonly byte[] Key = key;
        public int Slot;
    }

    private sealed class BcastState
    {
        public readonly HashSet<Client> Clients = new();
        /// <summary>Modified key → the client that modified it (null: the server), for NOLOOP.</summary>
        public readonly Dictionary<byte[], Client?> Keys = new(ByteKeyComparer.Instance);
    }

    public Tracking(ServerContext server)
    {
        _server = server;
        _tableLookup = _table.GetAlternateLookup<ReadOnlySpan<byte>>();
        if (!s_resetHooked)
        {
            s_resetHooked = true;
            ConnectionCommands.ConnectionReset += ctx => ctx.Server.Tracking.Disable(ctx.Client);
        }
    }

    /// <summary>INFO tracking_clients.</summary>
    public int ClientCount { get; private set; }
    /// <summary>INFO tracking_total_keys: keys in the tracking table.</summary>
    public int TotalKeys => _table.Count;
    /// <summary>INFO tracking_total_items: (key, client) pairs in the tracking table.</summary>
    public long TotalItems { get; private set; }
    /// <summary>INFO tracking_total_prefixes.</summary>
    public int TotalPrefixes => _prefixes.Count;

    // ---- enabling / disabling ----------------------------------------------------------------

    /// <summary>
    /// Valkey's checkPrefixCollisionsOrReply: a client's prefixes must not be prefixes of each
    /// other. Returns the error text, or null when they are fine.
    /// </summary>
    public static string? PrefixCollision(Client c, List<byte[]> prefixes)
    {
        for (int i = 0; i < prefixes.Count; i++)
        {
            if (c.Tracking != null)
            {
                foreach (var existing in c.Tracking.Prefixes)
                {
                    if (Overlap(existing, prefixes[i]))
                        return $"ERR Prefix '{Text(prefixes[i])}' overlaps with an existing prefix '{Text(existing)}'. Prefixes for a single client must not overlap.";
                }
            }
            for (int j = i + 1; j < prefixes.Count; j++)
            {
                if (Overlap(prefixes[i], prefixes[j]))
                    return $"ERR Prefix '{Text(prefixes[i])}' overlaps with another provided prefix '{Text(prefixes[j])}'. Prefixes for a single client must not overlap.";
            }
        }
        return null;
    }

    private static bool Overlap(byte[] a, byte[] b)
    {
        int n = Math.Min(a.Length, b.Length);
        return a.AsSpan(0, n).SequenceEqual(b.AsSpan(0, n));
    }

    private static string Text(byte[] b) => System.Text.Encoding.UTF8.GetString(b);

    /// <summary>Valkey's enableTracking: (re)configures tracking; BCAST prefixes are added to those it has.</summary>
    public void Enable(Client c, long redirectId, bool bcast, bool optIn, bool optOut, bool noLoop, List<byte[]> prefixes)
    {
        var state = c.Tracking;
        if (state == null)
        {
            state = new ClientTrackingState();
            c.Tracking = state;
            ClientCount++;
        }
        state.BrokenRedirect = false;
        state.RedirectId = redirectId;
        state.Bcast = bcast;
        state.OptIn = optIn;
        state.OptOut = optOut;
        state.NoLoop = noLoop;
        if (!bcast) return;
        if (prefixes.Count == 0) AddPrefix(c, state, []);
        foreach (var p in prefixes) AddPrefix(c, state, p);
    }

    private void AddPrefix(Client c, ClientTrackingState state, byte[] prefix)
    {
        if (!_prefixes.TryGetValue(prefix, out var bs))
        {
            bs = new BcastState();
            _prefixes.Add(prefix, bs);
        }
        if (bs.Clients.Add(c)) state.Prefixes.Add(prefix);
    }

    /// <summary>Valkey's disableTracking (CLIENT TRACKING OFF, RESET, connection closed).</summary>
    public void Disable(Client c)
    {
        var state = c.Tracking;
        if (state == null) return;
        foreach (var prefix in state.Prefixes)
        {
            if (!_prefixes.TryGetValue(prefix, out var bs)) continue;
            bs.Clients.Remove(c);
            if (bs.Clients.Count == 0) _prefixes.Remove(prefix);
        }
        // The table keeps the client's id under the keys it read: ids are never reused, and the
        // entries go away with the keys' next invalidation, as in Valkey.
        c.Tracking = null;
        ClientCount--;
    }

    internal void OnClientClosed(Client c)
    {
        Disable(c);
        if (_current == c)
        {
            _pending.Clear();
            _current = null;
        }
    }

    // ---- the running command ---------------------------------------------------------------

    /// <summary>
    /// Before a client's command (the dispatcher's outermost call): keeps the table within
    /// tracking-table-max-keys, as Valkey's processCommand does, and notes the running client.
    /// </summary>
    internal void EnterCommand(Client c)
    {
        if (ClientCount > 0 && _current == null) LimitUsedSlots();
        _current = c;
        _serverModifiedKey = null;
    }

    /// <summary>Around the handler itself (nested for EXEC): only then are the client's own invalidations held.</summary>
    internal void BeginExecution() => _executing++;
    internal void EndExecution() => _executing--;

    /// <summary>
    /// After the outermost command: sends the invalidations held for the client (after its reply),
    /// and ends a CLIENT CACHING yes/no that applied to this command or transaction.
    /// </summary>
    internal void LeaveCommand(Client c)
    {
        _current = null;
        _executing = 0; // a handler that threw never ended its execution
        _serverModifiedKey = null;
        _flushSent = false;
        if (_pending.Count > 0) SendPending(c);
        var state = c.Tracking;
        if (state is { Caching: true } && c.Multi is not { Active: true } && !RanClientCommand(c)) state.Caching = false;
    }

    /// <summary>
    /// Valkey keeps the CACHING flag across CLIENT subcommands (CLIENT CACHING itself sets it). The
    /// top-level command that ran (not one EXEC ran; a refused command leaves Context.Command null).
    /// </summary>
    private static bool RanClientCommand(Client c) => c.Context.Command != null && c.LastCommand?.Parent?.Name == "client";

    private void SendPending(Client c)
    {
        if (c.IsClosed || c.Tracking == null)
        {
            _pending.Clear();
            return;
        }
        foreach (var key in _pending)
        {
            if (key == null) SendFlush(c);
            else SendKey(c, key);
        }
        _pending.Clear();
    }

    // ---- remembering keys ---------------------------------------------------------------------

    /// <summary>
    /// Valkey's trackingRememberKeys: after a read-only command of a tracking client (not in BCAST
    /// mode), its keys are remembered unless OPTIN without CACHING yes or OPTOUT with CACHING no.
    /// </summary>
    internal void RememberKeys(Client tracking, CommandContext ctx, CommandSpec cmd)
    {
        var state = tracking.Tracking!;
        if (state.Bcast) return;
        if ((state.OptIn && !state.Caching) || (state.OptOut && state.Caching)) return;
        // Shard channels are keys for cluster routing, not cacheable data.
        if (cmd.Is(CommandFlags.PubSub)) return;
        if (!CollectKeys(ctx, cmd)) return;
        foreach (var k in _keys)
        {
            var key = ctx.Arg(k.Position);
            if (!_tableLookup.TryGetValue(key, out var ids))
            {
                ids = new TrackedKey(key.ToArray()) { Slot = _tracked.Count };
                _table.Add(ids.Key, ids);
                _tracked.Add(ids);
            }
            if (ids.Add(tracking.Id)) TotalItems++;
        }
    }

    /// <summary>The command's keys: its fixed key range, or (movable keys) the command table's extraction.</summary>
    private bool CollectKeys(CommandContext ctx, CommandSpec cmd)
    {
        _keys.Clear();
        int argc = ctx.ArgCount;
        if (!cmd.MovableKeys)
        {
            if (cmd.FirstKey <= 0) return false;
            int last = cmd.LastKey < 0 ? argc + cmd.LastKey : cmd.LastKey;
            int step = Math.Max(1, cmd.Step);
            for (int i = cmd.FirstKey; i <= last && i < argc; i += step) _keys.Add(new KeyReference(i, KeySpecFlags.None));
            return _keys.Count > 0;
        }
        // Movable keys (ZUNION, SORT_RO, XREAD...): rare enough to afford a copy of the arguments.
        var args = new byte[argc][];
        for (int i = 0; i < argc; i++) args[i] = ctx.Arg(i).ToArray();
        return CommandCommands.ExtractKeys(ctx, cmd, args, _keys);
    }

    // ---- invalidating ------------------------------------------------------------------------

    /// <summary>
    /// Called by ServerContext.Notify for "expired"/"evicted" events: that key's modification has
    /// no client behind it, so BCAST NOLOOP must not filter it out. Expiry announces the key before
    /// signalling the modification, eviction after it: both orders are handled.
    /// </summary>
    internal void NoteServerModification(ReadOnlySpan<byte> key)
    {
        if (!Active) return;
        foreach (var bs in _prefixes.Values)
        {
            var lookup = bs.Keys.GetAlternateLookup<ReadOnlySpan<byte>>();
            if (lookup.TryGetValue(key, out byte[]? stored, out _)) bs.Keys[stored] = null;
        }
        _serverModifiedKey = key.ToArray();
    }

    /// <summary>True when some client could be interested in key modifications.</summary>
    internal bool Active => _table.Count > 0 || _prefixes.Count > 0;

    /// <summary>Valkey's trackingInvalidateKey(c, key, bcast=1): the key was modified.</summary>
    internal void InvalidateKey(ReadOnlySpan<byte> key)
    {
        Client? modifier = _current;
        if (_serverModifiedKey != null && key.SequenceEqual(_serverModifiedKey)) modifier = null;
        _serverModifiedKey = null;
        if (_prefixes.Count > 0) RememberKeyToBroadcast(modifier, key);
        InvalidateTrackedKey(key);
    }

    private void RememberKeyToBroadcast(Client? modifier, ReadOnlySpan<byte> key)
    {
        byte[]? copy = null;
        foreach (var (prefix, bs) in _prefixes)
        {
            if (prefix.Length > key.Length || !key.StartsWith(prefix)) continue;
            copy ??= key.ToArray();
            bs.Keys[copy] = modifier;
            _bcastDirty = true;
        }
    }

    /// <summary>Sends the key's invalidation to the clients that read it and forgets the key.</summary>
    private void InvalidateTrackedKey(ReadOnlySpan<byte> key)
    {
        if (!_tableLookup.Remove(key, out byte[]? storedKey, out var ids)) return;
        TotalItems -= ids.Count;
        // Swap-remove from the dense list.
        var last = _tracked[^1];
        _tracked[ids.Slot] = last;
        last.Slot = ids.Slot;
        _tracked.RemoveAt(_tracked.Count - 1);
        foreach (long id in ids)
        {
            var target = _server.FindClient(id);
            if (target?.Tracking == null || target.Tracking.Bcast) continue;
            if (target.Tracking.NoLoop && target == _current) continue;
            if (target == _current && _executing > 0) _pending.Add(storedKey);
            else SendKey(target, storedKey);
        }
    }

    /// <summary>
    /// Valkey's trackingInvalidateKeysOnFlush: FLUSHDB/FLUSHALL send every tracking client a null
    /// invalidation ("everything") and empty the table. FLUSHALL reaches here once per database:
    /// one message per command is enough.
    /// </summary>
    internal void OnFlush()
    {
        if (ClientCount > 0 && !(_flushSent && _current != null))
        {
            _flushSent = _current != null;
            foreach (var c in _server.Clients)
            {
                if (c.Tracking == null) continue;
                if (c == _current) _pending.Add(null);
                else SendFlush(c);
            }
        }
        _table.Clear();
        _tracked.Clear();
        TotalItems = 0;
    }

    /// <summary>
    /// Valkey's trackingLimitUsedSlots: over tracking-table-max-keys, random keys are invalidated
    /// until the table fits; 100 keys per call, more each call the table stays too big.
    /// </summary>
    internal void LimitUsedSlots()
    {
        long max = _server.Config.TrackingTableMaxKeys;
        if (max == 0 || _table.Count <= max)
        {
            _limitRounds = 0;
            return;
        }
        for (int effort = 100 * (_limitRounds + 1); effort > 0 && _tracked.Count > 0; effort--)
        {
            _rng ^= _rng << 13;
            _rng ^= _rng >> 7;
            _rng ^= _rng << 17;
            var victim = _tracked[(int)(_rng % (ulong)_tracked.Count)];
            InvalidateTrackedKey(victim.Key);
            if (_table.Count <= max)
            {
                _limitRounds = 0;
                return;
            }
        }
        _limitRounds++;
    }

    /// <summary>Before sleeping: BCAST clients get the keys modified under their prefixes (Valkey's trackingBroadcastInvalidationMessages).</summary>
    internal void BroadcastInvalidations()
    {
        if (!_bcastDirty) return;
        _bcastDirty = false;
        var keys = new List<byte[]>();
        foreach (var bs in _prefixes.Values)
        {
            if (bs.Keys.Count == 0) continue;
            keys.Clear();
            keys.AddRange(bs.Keys.Keys);
            // Valkey walks a radix tree: keys go out in byte order.
            keys.Sort(static (a, b) => a.AsSpan().SequenceCompareTo(b));
            foreach (var c in bs.Clients)
            {
                if (c.Tracking == null) continue;
                int count = 0;
                foreach (var k in keys)
                {
                    if (!c.Tracking.NoLoop || bs.Keys[k] != c) count++;
                }
                if (count == 0) continue;
                BeginPayload();
                AppendHeader((byte)'*', count);
                foreach (var k in keys)
                {
                    if (c.Tracking.NoLoop && bs.Keys[k] == c) continue;
                    AppendBulk(k);
                }
                SendPayload(c);
            }
            bs.Keys.Clear();
        }
        if (_frame.Length > 64 * 1024) _frame = new byte[256];
    }

    // ---- messages -------------------------------------------------------------------------------

    private void SendKey(Client c, ReadOnlySpan<byte> key)
    {
        BeginPayload();
        AppendHeader((byte)'*', 1);
        AppendBulk(key);
        SendPayload(c);
    }

    /// <summary>A flush: the payload is a null ("every key"), in the receiving connection's protocol.</summary>
    private void SendFlush(Client c)
    {
        BeginPayload();
        _nullPayload = true;
        SendPayload(c);
        _nullPayload = false;
    }

    private bool _nullPayload;

    /// <summary>
    /// Valkey's sendTrackingMessage: the payload (an array of keys, or null) goes to the client as
    /// a RESP3 push, or to its redirect client (RESP3 push, or a pub/sub message for a subscribed
    /// RESP2 client). A redirect client that is gone marks the redirect broken and tells a RESP3
    /// client so. Pushes bypass CLIENT REPLY OFF, as Valkey's CLIENT_PUSHING.
    /// </summary>
    private void SendPayload(Client c)
    {
        var state = c.Tracking!;
        Client target = c;
        bool redirected = false;
        if (state.RedirectId != 0)
        {
            var redir = _server.FindClient(state.RedirectId);
            if (redir == null || redir.IsClosed)
            {
                state.BrokenRedirect = true;
                if (c.Reply.Protocol >= 3)
                {
                    Span<byte> head = stackalloc byte[64];
                    var prefix = ">2\r\n$21\r\ntracking-redir-broken\r\n:"u8;
                    prefix.CopyTo(head);
                    int n = prefix.Length;
                    n += NumberFormatter.FormatInt64(state.RedirectId, head[n..]);
                    head[n++] = (byte)'\r';
                    head[n++] = (byte)'\n';
                    Write(c, head[..n], default);
                }
                return;
            }
            target = redir;
            redirected = true;
        }
        if (target.IsClosed || target.CloseAsap) return;
        ReadOnlySpan<byte> header;
        if (target.Reply.Protocol >= 3) header = ">2\r\n$10\r\ninvalidate\r\n"u8;
        else if (redirected && target.Subscriptions is { Total: > 0 }) header = "*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n"u8;
        else return; // a RESP2 connection without a redirect cannot receive pushes
        ReadOnlySpan<byte> payload = _nullPayload
            ? (target.Reply.Protocol >= 3 ? "_\r\n"u8 : "$-1\r\n"u8)
            : new ReadOnlySpan<byte>(_frame, 0, _frameLength);
        Write(target, header, payload);
    }

    private void Write(Client target, ReadOnlySpan<byte> header, ReadOnlySpan<byte> payload)
    {
        var reply = target.Reply;
        bool enabled = reply.Enabled;
        reply.Enabled = true;
        reply.AddRaw(header);
        if (!payload.IsEmpty) reply.AddRaw(payload);
        reply.Enabled = enabled;
        _server.QueueWrite(target);
    }

    private void BeginPayload() => _frameLength = 0;

    private void AppendHeader(byte type, long n)
    {
        Ensure(24);
        _frame[_frameLength++] = type;
        _frameLength += NumberFormatter.FormatInt64(n, _frame.AsSpan(_frameLength));
        _frame[_frameLength++] = (byte)'\r';
        _frame[_frameLength++] = (byte)'\n';
    }

    private void AppendBulk(ReadOnlySpan<byte> value)
    {
        AppendHeader((byte)'$', value.Length);
        Ensure(value.Length + 2);
        value.CopyTo(_frame.AsSpan(_frameLength));
        _frameLength += value.Length;
        _frame[_frameLength++] = (byte)'\r';
        _frame[_frameLength++] = (byte)'\n';
    }

    private void Ensure(int more)
    {
        if (_frameLength + more <= _frame.Length) return;
        Array.Resize(ref _frame, Math.Max(_frame.Length * 2, _frameLength + more));
    }
}
