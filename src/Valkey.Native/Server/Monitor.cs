using System.Text;
using Valkey.Native.Commands;
using Valkey.Native.Networking;
using Valkey.Native.Util;

namespace Valkey.Native.Server;

/// <summary>
/// MONITOR connections and the feed they receive (Valkey's server.monitors and
/// replicationFeedMonitors): after each command that ran, one status line
/// <c>+&lt;unix seconds&gt;.&lt;microseconds&gt; [&lt;db&gt; &lt;ip:port&gt;] "arg" "arg"...</c> with every
/// argument quoted and escaped as sdscatrepr, and secrets (AUTH, HELLO ... AUTH, MIGRATE
/// AUTH/AUTH2, sensitive CONFIG SET values) shown as "(redacted)". The line is formatted once
/// into a reused buffer and appended to every monitor.
/// </summary>
public sealed class Monitors
{
    private readonly ServerContext _server;
    private readonly List<Client> _clients = new();
    private byte[] _line = new byte[256];
    private int _length;
    private static bool s_resetHooked;

    public Monitors(ServerContext server)
    {
        _server = server;
        if (!s_resetHooked)
        {
            s_resetHooked = true;
            // RESET leaves monitor mode, as Valkey's clearClientConnectionState.
            ConnectionCommands.ConnectionReset += ctx => ctx.Server.Monitors.Remove(ctx.Client);
        }
    }

    /// <summary>Monitors connected: the dispatcher feeds nothing while this is 0.</summary>
    public int Count => _clients.Count;

    internal void Add(Client c)
    {
        c.IsMonitor = true;
        _clients.Add(c);
    }

    internal void Remove(Client c)
    {
        if (!c.IsMonitor) return;
        c.IsMonitor = false;
        _clients.Remove(c);
    }

    internal void OnClientClosed(Client c) => Remove(c);

    /// <summary>
    /// Sends the command bound to <paramref name="client"/>'s context to every monitor (the
    /// dispatcher has checked that monitors exist and that the command is not ADMIN/SKIP_MONITOR).
    /// <paramref name="fromScript"/>: a command a script ran, shown as <c>[db lua]</c> (for the scripting engine).
    /// </summary>
    internal void Feed(Client client, CommandSpec cmd, bool fromScript = false)
    {
        var ctx = client.Context;
        _length = 0;
        long micros = (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) / 10;
        Append((byte)'+');
        AppendNumber(micros / 1_000_000);
        Append((byte)'.');
        long frac = micros % 1_000_000;
        for (long d = 100_000; d > 0; d /= 10) Append((byte)('0' + frac / d % 10));
        Append(" ["u8);
        AppendNumber(client.DbIndex);
        if (fromScript)
        {
            Append(" lua"u8);
        }
        else if (client.Kind == ConnectionKind.Unix)
        {
            Append(" unix:"u8);
            AppendAscii(_server.Config.UnixSocket);
        }
        else
        {
            Append((byte)' ');
            AppendAscii(client.PeerAddress);
        }
        Append("] "u8);
        for (int i = 0; i < ctx.ArgCount; i++)
        {
            if (i > 0) Append((byte)' ');
            if (CommandRedaction.IsRedacted(ctx, cmd, i)) Append("\"(redacted)\""u8);
            else AppendRepr(ctx.Arg(i));
        }
        Append("\r\n"u8);
        var line = new ReadOnlySpan<byte>(_line, 0, _length);
        foreach (var m in _clients)
        {
            if (m.IsClosed || m.CloseAsap) continue;
            m.Reply.AddRaw(line);
            _server.QueueWrite(m);
        }
        if (_line.Length > 64 * 1024) _line = new byte[256];
    }

    // ---- formatting ------------------------------------------------------------------------------

    /// <summary>sdscatrepr: a double-quoted string, \\ \" \n \r \t \a \b escaped, other non-printables as \xHH.</summary>
    private void AppendRepr(ReadOnlySpan<byte> s)
    {
        Ensure(s.Length + 2);
        Append((byte)'"');
        foreach (byte b in s)
        {
            switch (b)
            {
                case (byte)'\\': Append("\\\\"u8); break;
                case (byte)'"': Append("\\\""u8); break;
                case (byte)'\n': Append("\\n"u8); break;
                case (byte)'\r': Append("\\r"u8); break;
                case (byte)'\t': Append("\\t"u8); break;
                case 7: Append("\\a"u8); break;
                case 8: Append("\\b"u8); break;
                default:
                    if (b >= 0x20 && b <= 0x7e) Append(b);
                    else
                    {
                        Append("\\x"u8);
                        Append((byte)"0123456789abcdef"[b >> 4]);
                        Append((byte)"0123456789abcdef"[b & 15]);
                    }
                    break;
            }
        }
        Append((byte)'"');
    }

    private void AppendNumber(long n)
    {
        Ensure(24);
        _length += NumberFormatter.FormatInt64(n, _line.AsSpan(_length));
    }

    private void AppendAscii(string s)
    {
        Ensure(s.Length);
        _length += Encoding.ASCII.GetBytes(s, _line.AsSpan(_length));
    }

    private void Append(ReadOnlySpan<byte> bytes)
    {
        Ensure(bytes.Length);
        bytes.CopyTo(_line.AsSpan(_length));
        _length += bytes.Length;
    }

    private void Append(byte b)
    {
        Ensure(1);
        _line[_length++] = b;
    }

    private void Ensure(int more)
    {
        if (_length + more <= _line.Length) return;
        Array.Resize(ref _line, Math.Max(_line.Length * 2, _length + more));
    }
}
