using System.Text;
using Valkey.Native.Storage;

namespace Valkey.Native.Server;

/// <summary>
/// Keyspace notifications (Valkey's notify.c): turns <see cref="ServerContext.Notify"/> events into
/// PUBLISH of "__keyspace@&lt;db&gt;__:&lt;key&gt; &lt;event&gt;" and "__keyevent@&lt;db&gt;__:&lt;event&gt; &lt;key&gt;".
/// With notify-keyspace-events empty (the default) the hook is not installed at all, so a
/// change costs one null check. Channel names are built in a reused scratch buffer.
/// </summary>
public sealed class KeyspaceNotifier
{
    /// <summary>Valkey's NOTIFY_ALL ('A'): every class except key-miss ('m') and new-key ('n').</summary>
    public const NotifyClass All = NotifyClass.Generic | NotifyClass.String | NotifyClass.List | NotifyClass.Set |
        NotifyClass.Hash | NotifyClass.SortedSet | NotifyClass.Expired | NotifyClass.Evicted | NotifyClass.Stream | NotifyClass.Module;

    private readonly ServerContext _server;
    private readonly ServerContext.NotifyHandler _handler;
    private NotifyClass _flags;
    private byte[] _channel = new byte[128];

    public KeyspaceNotifier(ServerContext server)
    {
        _server = server;
        _handler = Notify;
        server.Config.Changed += name => { if (name == "notify-keyspace-events") Apply(); };
        Apply();
    }

    private void Apply()
    {
        _flags = (NotifyClass)_server.Config.NotifyKeyspaceEvents;
        _server.NotifyHook = _flags == NotifyClass.None ? null : _handler;
    }

    private void Notify(NotifyClass type, string eventName, ReadOnlySpan<byte> key, int dbId)
    {
        if ((_flags & type) == 0) return;
        Span<byte> eventBytes = stackalloc byte[64];
        int eventLength = Encoding.ASCII.GetBytes(eventName.AsSpan(0, Math.Min(eventName.Length, 64)), eventBytes);
        ReadOnlySpan<byte> ev = eventBytes[..eventLength];
        if ((_flags & NotifyClass.Keyspace) != 0)
        {
            int n = BuildChannel("__keyspace@"u8, dbId, key);
            _server.PubSub.Publish(_channel.AsSpan(0, n), ev, ChannelKind.Global);
        }
        if ((_flags & NotifyClass.Keyevent) != 0)
        {
            int n = BuildChannel("__keyevent@"u8, dbId, ev);
            _server.PubSub.Publish(_channel.AsSpan(0, n), key, ChannelKind.Global);
        }
        if (_channel.Length > 64 * 1024) _channel = new byte[128];
    }

    private int BuildChannel(ReadOnlySpan<byte> prefix, int dbId, ReadOnlySpan<byte> tail)
    {
        int need = prefix.Length + 11 + 3 + tail.Length;
        if (need > _channel.Length) _channel = new byte[need];
        var dest = _channel.AsSpan();
        prefix.CopyTo(dest);
        int n = prefix.Length;
        n += Util.NumberFormatter.FormatInt64(dbId, dest[n..]);
        "__:"u8.CopyTo(dest[n..]);
        n += 3;
        tail.CopyTo(dest[n..]);
        return n + tail.Length;
    }

    /// <summary>Valkey's keyspaceEventsStringToFlags: -1 for an unknown class character.</summary>
    public static int ParseFlags(string classes)
    {
        NotifyClass flags = NotifyClass.None;
        foreach (char ch in classes)
        {
            flags |= ch switch
            {
                'A' => All,
                'g' => NotifyClass.Generic,
                '$' => NotifyClass.String,
                'l' => NotifyClass.List,
                's' => NotifyClass.Set,
                'h' => NotifyClass.Hash,
                'z' => NotifyClass.SortedSet,
                'x' => NotifyClass.Expired,
                'e' => NotifyClass.Evicted,
                'K' => NotifyClass.Keyspace,
                'E' => NotifyClass.Keyevent,
                't' => NotifyClass.Stream,
                'm' => NotifyClass.KeyMiss,
                'd' => NotifyClass.Module,
                'n' => NotifyClass.New,
                _ => (NotifyClass)(-1),
            };
            if ((int)flags == -1) return -1;
        }
        return (int)flags;
    }

    /// <summary>Valkey's keyspaceEventsFlagsToString (CONFIG GET / REWRITE).</summary>
    public static string FormatFlags(int value)
    {
        var flags = (NotifyClass)value;
        var sb = new StringBuilder();
        if ((flags & All) == All) sb.Append('A');
        else
        {
            if ((flags & NotifyClass.Generic) != 0) sb.Append('g');
            if ((flags & NotifyClass.String) != 0) sb.Append('$');
            if ((flags & NotifyClass.List) != 0) sb.Append('l');
            if ((flags & NotifyClass.Set) != 0) sb.Append('s');
            if ((flags & NotifyClass.Hash) != 0) sb.Append('h');
            if ((flags & NotifyClass.SortedSet) != 0) sb.Append('z');
            if ((flags & NotifyClass.Expired) != 0) sb.Append('x');
            if ((flags & NotifyClass.Evicted) != 0) sb.Append('e');
            if ((flags & NotifyClass.Stream) != 0) sb.Append('t');
            if ((flags & NotifyClass.Module) != 0) sb.Append('d');
            if ((flags & NotifyClass.New) != 0) sb.Append('n');
        }
        if ((flags & NotifyClass.Keyspace) != 0) sb.Append('K');
        if ((flags & NotifyClass.Keyevent) != 0) sb.Append('E');
        if ((flags & NotifyClass.KeyMiss) != 0) sb.Append('m');
        return sb.ToString();
    }
}
