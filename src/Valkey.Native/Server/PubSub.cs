using Valkey.Native.Networking;
using Valkey.Native.Protocol;
using Valkey.Native.Util;

namespace Valkey.Native.Server;

/// <summary>One client's subscriptions (Valkey's c->pubsub_channels / pubsub_patterns / pubsubshard_channels).</summary>
public sealed class ClientSubscriptions
{
    public readonly HashSet<byte[]> Channels = new(ByteKeyComparer.Instance);
    public readonly HashSet<byte[]> Patterns = new(ByteKeyComparer.Instance);
    public readonly HashSet<byte[]> ShardChannels = new(ByteKeyComparer.Instance);

    /// <summary>Channels + patterns: the count SUBSCRIBE/PSUBSCRIBE replies carry.</summary>
    public int ChannelsAndPatterns => Channels.Count + Patterns.Count;
    /// <summary>Valkey's CLIENT_PUBSUB flag: subscribed to anything (RESP2 subscribed context, CLIENT LIST 'P').</summary>
    public int Total => Channels.Count + Patterns.Count + ShardChannels.Count;

    /// <summary>When (seconds, monotonic) the output first went over the pubsub soft limit; 0 = under it.</summary>
    internal long SoftLimitReachedAt;

    /// <summary>Sum of the subscribed names' lengths (kept on subscribe/unsubscribe: memory accounting never walks the sets).</summary>
    internal long NameBytes;

    /// <summary>
    /// What one subscription costs besides its name: the entry in this client's set (~24), the
    /// server-side name array header (24), registry entry (~32) and the client's entry in the
    /// channel's subscriber set (~24), the shared parts charged to each subscriber.
    /// </summary>
    internal const int SubscriptionOverheadBytes = 104;

    /// <summary>Valkey's pubsubMemOverhead for this client (client eviction, CLIENT LIST tot-mem).</summary>
    internal long MemoryBytes => (long)Total * SubscriptionOverheadBytes + NameBytes;
}

/// <summary>Which registry an operation works on: global channels or shard channels (Valkey's pubsubtype).</summary>
public enum ChannelKind { Global, Shard }

/// <summary>
/// The pub/sub registry (Valkey's pubsub.c): channel and pattern → subscribed clients, and
/// message delivery into subscribers' reply writers. Publishing encodes each frame once into a
/// reused scratch buffer and appends it to every subscriber (RESP3 swaps the '*' for '>'), so
/// the steady state allocates nothing. Writers of other clients are queued for the gathered
/// write in BeforeSleep; a subscriber beyond the pubsub output limit is closed asap.
/// Push messages to the client whose command is running (PUBLISH to itself, keyspace events
/// it caused) are held until that command's reply is complete, as Valkey's pending_push_messages.
/// </summary>
public sealed class PubSub
{
    private const int PubSubClass = 2;
    private const int ScratchKeepBytes = 64 * 1024;

    private readonly ServerContext _server;
    private readonly Dictionary<byte[], HashSet<Client>> _channels = new(ByteKeyComparer.Instance);
    private readonly Dictionary<byte[], HashSet<Client>> _shardChannels = new(ByteKeyComparer.Instance);
    private readonly Dictionary<byte[], HashSet<Client>> _patterns = new(ByteKeyComparer.Instance);
    private readonly Dictionary<byte[], HashSet<Client>>.AlternateLookup<ReadOnlySpan<byte>> _channelLookup;
    private readonly Dictionary<byte[], HashSet<Client>>.AlternateLookup<ReadOnlySpan<byte>> _shardLookup;
    private byte[] _frame = new byte[256];
    private int _frameLength;
    private byte[] _selfPending = [];
    private int _selfPendingLength;
    private Client? _executing;
    private int _depth;

    public PubSub(ServerContext server)
    {
        _server = server;
        _channelLookup = _channels.GetAlternateLookup<ReadOnlySpan<byte>>();
        _shardLookup = _shardChannels.GetAlternateLookup<ReadOnlySpan<byte>>();
        Commands.PubSubCommands.HookConnectionReset();
    }

    /// <summary>Clients subscribed to anything (INFO pubsub_clients).</summary>
    public int ClientCount { get; private set; }
    public int ChannelCount => _channels.Count;
    public int PatternCount => _patterns.Count;
    public int ShardChannelCount => _shardChannels.Count;

    private Dictionary<byte[], HashSet<Client>> Registry(ChannelKind kind) => kind == ChannelKind.Shard ? _shardChannels : _channels;

    // ---- subscribing -------------------------------------------------------------------

    private ClientSubscriptions SubscriptionsOf(Client c) => c.Subscriptions ??= new ClientSubscriptions();

    private static HashSet<byte[]> ClientSet(ClientSubscriptions s, ChannelKind kind) =>
        kind == ChannelKind.Shard ? s.ShardChannels : s.Channels;

    /// <summary>Adds a channel subscription; false if the client already had it.</summary>
    public bool Subscribe(Client c, ReadOnlySpan<byte> channel, ChannelKind kind)
    {
        var subs = SubscriptionsOf(c);
        var mine = ClientSet(subs, kind);
        if (mine.GetAlternateLookup<ReadOnlySpan<byte>>().Contains(channel)) return false;
        var registry = Registry(kind);
        var lookup = registry.GetAlternateLookup<ReadOnlySpan<byte>>();
        byte[] name;
        if (lookup.TryGetValue(channel, out byte[]? existing, out var clients)) name = existing;
        else
        {
            name = channel.ToArray();
            clients = new HashSet<Client>();
            registry.Add(name, clients);
        }
        BecomeSubscriber(subs);
        clients.Add(c);
        mine.Add(name);
        subs.NameBytes += name.Length;
        return true;
    }

    /// <summary>Removes a channel subscription; false if the client did not have it.</summary>
    public bool Unsubscribe(Client c, ReadOnlySpan<byte> channel, ChannelKind kind)
    {
        var subs = c.Subscriptions;
        if (subs == null) return false;
        if (!ClientSet(subs, kind).GetAlternateLookup<ReadOnlySpan<byte>>().Remove(channel)) return false;
        subs.NameBytes -= channel.Length;
        RemoveFromRegistry(Registry(kind), channel, c);
        LeaveIfUnsubscribed(subs);
        return true;
    }

    public bool SubscribePattern(Client c, ReadOnlySpan<byte> pattern)
    {
        var subs = SubscriptionsOf(c);
        if (subs.Patterns.GetAlternateLookup<ReadOnlySpan<byte>>().Contains(pattern)) return false;
        var lookup = _patterns.GetAlternateLookup<ReadOnlySpan<byte>>();
        byte[] name;
        if (lookup.TryGetValue(pattern, out byte[]? existing, out var clients)) name = existing;
        else
        {
            name = pattern.ToArray();
            clients = new HashSet<Client>();
            _patterns.Add(name, clients);
        }
        BecomeSubscriber(subs);
        clients.Add(c);
        subs.Patterns.Add(name);
        subs.NameBytes += name.Length;
        return true;
    }

    public bool UnsubscribePattern(Client c, ReadOnlySpan<byte> pattern)
    {
        var subs = c.Subscriptions;
        if (subs == null) return false;
        if (!subs.Patterns.GetAlternateLookup<ReadOnlySpan<byte>>().Remove(pattern)) return false;
        subs.NameBytes -= pattern.Length;
        RemoveFromRegistry(_patterns, pattern, c);
        LeaveIfUnsubscribed(subs);
        return true;
    }

    private static void RemoveFromRegistry(Dictionary<byte[], HashSet<Client>> registry, ReadOnlySpan<byte> name, Client c)
    {
        var lookup = registry.GetAlternateLookup<ReadOnlySpan<byte>>();
        if (!lookup.TryGetValue(name, out var clients)) return;
        clients.Remove(c);
        // Drop empty entries so that abusing PUBSUB with millions of channels does not leak.
        if (clients.Count == 0) lookup.Remove(name);
    }

    /// <summary>Valkey's markClientAsPubSub: counted once, when its first subscription is about to be added.</summary>
    private void BecomeSubscriber(ClientSubscriptions subs)
    {
        if (subs.Total == 0) ClientCount++;
    }

    /// <summary>Valkey's unmarkClientAsPubSub: its last subscription was just removed.</summary>
    private void LeaveIfUnsubscribed(ClientSubscriptions subs)
    {
        if (subs.Total == 0) ClientCount--;
    }

    /// <summary>Snapshot of a client's channels (or patterns) for unsubscribe-from-all (rare path).</summary>
    public static byte[][] Snapshot(HashSet<byte[]> set)
    {
        var result = new byte[set.Count][];
        set.CopyTo(result);
        return result;
    }

    /// <summary>Drops every subscription without replying (RESET, connection closed).</summary>
    public void UnsubscribeAllSilently(Client c)
    {
        var subs = c.Subscriptions;
        if (subs == null || subs.Total == 0) return;
        foreach (var ch in Snapshot(subs.Channels)) Unsubscribe(c, ch, ChannelKind.Global);
        foreach (var ch in Snapshot(subs.ShardChannels)) Unsubscribe(c, ch, ChannelKind.Shard);
        foreach (var p in Snapshot(subs.Patterns)) UnsubscribePattern(c, p);
    }

    internal void OnClientClosed(Client c)
    {
        UnsubscribeAllSilently(c);
        if (_executing == c) _selfPendingLength = 0;
    }

    // ---- introspection -------------------------------------------------------------------

    public int SubscriberCount(ReadOnlySpan<byte> channel, ChannelKind kind)
    {
        var lookup = kind == ChannelKind.Shard ? _shardLookup : _channelLookup;
        return lookup.TryGetValue(channel, out var clients) ? clients.Count : 0;
    }

    /// <summary>Active channels matching <paramref name="pattern"/> (null: all).</summary>
    public void CollectChannels(ChannelKind kind, ReadOnlySpan<byte> pattern, bool all, List<byte[]> into)
    {
        foreach (var name in Registry(kind).Keys)
        {
            if (all || GlobMatcher.IsMatch(pattern, name)) into.Add(name);
        }
    }

    // ---- publishing ------------------------------------------------------------------------

    /// <summary>PUBLISH / SPUBLISH: delivers to channel subscribers (and, for global channels, matching patterns).</summary>
    public int Publish(ReadOnlySpan<byte> channel, ReadOnlySpan<byte> message, ChannelKind kind)
    {
        int receivers = PublishToSubscribers(channel, message, kind);
        // A huge message grew the scratch frame: do not keep that memory.
        if (_frame.Length > ScratchKeepBytes) _frame = new byte[256];
        return receivers;
    }

    private int PublishToSubscribers(ReadOnlySpan<byte> channel, ReadOnlySpan<byte> message, ChannelKind kind)
    {
        int receivers = 0;
        var lookup = kind == ChannelKind.Shard ? _shardLookup : _channelLookup;
        if (lookup.TryGetValue(channel, out var clients) && clients.Count > 0)
        {
            BeginFrame(3);
            AppendBulk(kind == ChannelKind.Shard ? "smessage"u8 : "message"u8);
            AppendBulk(channel);
            AppendBulk(message);
            foreach (var c in clients)
            {
                Deliver(c);
                receivers++;
            }
        }
        if (kind == ChannelKind.Shard || _patterns.Count == 0) return receivers;
        foreach (var (pattern, subscribers) in _patterns)
        {
            if (!GlobMatcher.IsMatch(pattern, channel)) continue;
            BeginFrame(4);
            AppendBulk("pmessage"u8);
            AppendBulk(pattern);
            AppendBulk(channel);
            AppendBulk(message);
            foreach (var c in subscribers)
            {
                Deliver(c);
                receivers++;
            }
        }
        return receivers;
    }

    private void BeginFrame(int elements)
    {
        _frameLength = 0;
        Append((byte)'*');
        AppendNumber(elements);
    }

    private void AppendBulk(ReadOnlySpan<byte> value)
    {
        Append((byte)'$');
        AppendNumber(value.Length);
        EnsureFrame(value.Length + 2);
        value.CopyTo(_frame.AsSpan(_frameLength));
        _frameLength += value.Length;
        _frame[_frameLength++] = (byte)'\r';
        _frame[_frameLength++] = (byte)'\n';
    }

    private void AppendNumber(long n)
    {
        EnsureFrame(24);
        int written = NumberFormatter.FormatInt64(n, _frame.AsSpan(_frameLength));
        _frameLength += written;
        _frame[_frameLength++] = (byte)'\r';
        _frame[_frameLength++] = (byte)'\n';
    }

    private void Append(byte b)
    {
        EnsureFrame(1);
        _frame[_frameLength++] = b;
    }

    private void EnsureFrame(int more)
    {
        if (_frameLength + more <= _frame.Length) return;
        Array.Resize(ref _frame, Math.Max(_frame.Length * 2, _frameLength + more));
    }

    /// <summary>Appends the current frame to a subscriber as a push (bypassing CLIENT REPLY OFF/SKIP, as Valkey's CLIENT_PUSHING).</summary>
    private void Deliver(Client c)
    {
        if (c.IsClosed || c.CloseAsap) return;
        var frame = new ReadOnlySpan<byte>(_frame, 0, _frameLength);
        bool resp3 = c.Reply.Protocol >= 3;
        if (c == _executing && _depth > 0)
        {
            // After the running command's reply (important inside MULTI/EXEC), as Valkey does.
            int need = _selfPendingLength + frame.Length;
            if (need > _selfPending.Length) Array.Resize(ref _selfPending, Math.Max(need, _selfPending.Length * 2));
            frame.CopyTo(_selfPending.AsSpan(_selfPendingLength));
            if (resp3) _selfPending[_selfPendingLength] = (byte)'>';
            _selfPendingLength += frame.Length;
            return;
        }
        var reply = c.Reply;
        bool enabled = reply.Enabled;
        reply.Enabled = true;
        if (resp3)
        {
            reply.AddRaw(">"u8);
            reply.AddRaw(frame[1..]);
        }
        else reply.AddRaw(frame);
        reply.Enabled = enabled;
        AfterPush(c);
    }

    private void AfterPush(Client c)
    {
        CheckOutputLimits(c);
        _server.QueueWrite(c);
    }

    /// <summary>
    /// Valkey's checkClientOutputBufferLimits for the pubsub class (client-output-buffer-limit): over
    /// the hard limit, or over the soft limit for longer than its seconds, the client is closed asap.
    /// </summary>
    private void CheckOutputLimits(Client c)
    {
        var subs = c.Subscriptions;
        if (subs == null || subs.Total == 0 || c.CloseAsap) return;
        var limit = _server.Config.ClientOutputBufferLimits[PubSubClass];
        long used = c.Reply.PendingBytes;
        bool hard = limit.Hard > 0 && used >= limit.Hard;
        bool soft = limit.Soft > 0 && used >= limit.Soft;
        if (soft)
        {
            long now = Environment.TickCount64 / 1000;
            if (subs.SoftLimitReachedAt == 0) { subs.SoftLimitReachedAt = now; soft = false; }
            else if (now - subs.SoftLimitReachedAt <= limit.SoftSeconds) soft = false;
        }
        else subs.SoftLimitReachedAt = 0;
        if (!hard && !soft) return;
        _server.Log.Warning($"Client id={c.Id} addr={c.PeerAddress} scheduled to be closed ASAP for overcoming of output buffer limits.");
        _server.Stats.ClientOutputBufferLimitDisconnections++;
        c.CloseAsap = true;
        _server.QueueWrite(c);
    }

    /// <summary>From cron (Valkey's clientsCron): a subscriber stuck over the soft limit with no new traffic is closed too.</summary>
    internal void CronCheckOutputLimits()
    {
        if (ClientCount == 0) return;
        foreach (var c in _server.Clients)
        {
            if (c.Subscriptions is { SoftLimitReachedAt: > 0 }) CheckOutputLimits(c);
        }
    }

    // ---- the running command (self-delivery ordering) ---------------------------------------

    /// <summary>The dispatcher calls this before running a command (nested calls from EXEC count depth).</summary>
    internal void EnterCommand(Client c)
    {
        if (_depth++ == 0) _executing = c;
    }

    /// <summary>After a command: the outermost one appends push messages held for its own client.</summary>
    internal void LeaveCommand(Client c)
    {
        if (--_depth > 0) return;
        _depth = 0;
        var target = _executing;
        _executing = null;
        if (_selfPendingLength == 0 || target == null) return;
        int length = _selfPendingLength;
        _selfPendingLength = 0;
        if (target.IsClosed) return;
        var reply = target.Reply;
        bool enabled = reply.Enabled;
        reply.Enabled = true;
        reply.AddRaw(new ReadOnlySpan<byte>(_selfPending, 0, length));
        reply.Enabled = enabled;
        if (_selfPending.Length > ScratchKeepBytes) _selfPending = [];
        AfterPush(target);
    }
}
