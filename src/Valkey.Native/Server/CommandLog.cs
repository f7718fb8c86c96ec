using System.Runtime.CompilerServices;
using System.Text;
using Valkey.Native.Commands;
using Valkey.Native.Networking;

namespace Valkey.Native.Server;

/// <summary>The three command logs of Valkey 8.1 (COMMANDLOG GET &lt;count&gt; &lt;type&gt;); SLOWLOG is the first one.</summary>
public enum CommandLogType
{
    /// <summary>Execution time in microseconds above commandlog-execution-slower-than (slowlog-log-slower-than).</summary>
    Slow = 0,
    /// <summary>Request size in bytes above commandlog-request-larger-than.</summary>
    LargeRequest = 1,
    /// <summary>Reply size in bytes above commandlog-reply-larger-than.</summary>
    LargeReply = 2,
}

/// <summary>One logged command: what SLOWLOG GET / COMMANDLOG GET reply for it.</summary>
public sealed class CommandLogEntry(long id, long unixTime, long value, byte[][] args, string peer, string clientName)
{
    public long Id { get; } = id;
    public long UnixTime { get; } = unixTime;
    /// <summary>Microseconds (slow) or bytes (large-request / large-reply).</summary>
    public long Value { get; } = value;
    public byte[][] Args { get; } = args;
    public string Peer { get; } = peer;
    public string ClientName { get; } = clientName;
}

/// <summary>
/// Valkey's commandlog.c (slowlog.c before 8.1): the latest N commands that were slow, or whose
/// request or reply was large, newest first. Each log has a threshold (negative disables it) and
/// a maximum length (0 disables it). Recording costs three comparisons per command; an entry
/// (with its copied, trimmed and redacted arguments) is only built for commands that qualify.
/// </summary>
public sealed class CommandLog
{
    /// <summary>Arguments kept per entry; the last one then says how many more there were.</summary>
    public const int MaxArgs = 32;
    /// <summary>Longer arguments are cut here and end with "... (N more bytes)".</summary>
    public const int MaxArgBytes = 128;

    private static readonly byte[] Redacted = "(redacted)"u8.ToArray();

    private readonly ServerContext _server;
    private readonly LinkedList<CommandLogEntry>[] _logs = [new(), new(), new()];
    private readonly long[] _nextId = new long[3];

    public CommandLog(ServerContext server) => _server = server;

    public int Count(CommandLogType type) => _logs[(int)type].Count;

    public void Reset(CommandLogType type) => _logs[(int)type].Clear();

    /// <summary>The newest <paramref name="count"/> entries, newest first.</summary>
    public IEnumerable<CommandLogEntry> Newest(CommandLogType type, long count)
    {
        foreach (var e in _logs[(int)type])
        {
            if (count-- <= 0) yield break;
            yield return e;
        }
    }

    /// <summary>
    /// Called after every completed command (Valkey's commandlogPushCurrentCommand): the command
    /// bound to <paramref name="client"/>'s context is logged in each log whose threshold it reaches.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void OnCommand(Client client, CommandSpec cmd, long durationUs, long requestBytes, long replyBytes)
    {
        var config = _server.Config;
        if (durationUs >= config.SlowlogLogSlowerThan && config.SlowlogLogSlowerThan >= 0
            || requestBytes >= config.CommandlogRequestLargerThan && config.CommandlogRequestLargerThan >= 0
            || replyBytes >= config.CommandlogReplyLargerThan && config.CommandlogReplyLargerThan >= 0)
        {
            Record(client, cmd, durationUs, requestBytes, replyBytes);
        }
    }

    private void Record(Client client, CommandSpec cmd, long durationUs, long requestBytes, long replyBytes)
    {
        // Commands that may carry secrets in ways redaction cannot cover (EXEC's own line...) are skipped.
        if (cmd.Is(CommandFlags.SkipSlowlog)) return;
        var config = _server.Config;
        byte[][]? args = null;
        Push(CommandLogType.Slow, config.SlowlogLogSlowerThan, config.SlowlogMaxLen, durationUs);
        Push(CommandLogType.LargeRequest, config.CommandlogRequestLargerThan, config.CommandlogLargeRequestMaxLen, requestBytes);
        Push(CommandLogType.LargeReply, config.CommandlogReplyLargerThan, config.CommandlogLargeReplyMaxLen, replyBytes);

        void Push(CommandLogType type, long threshold, long maxLen, long value)
        {
            if (threshold < 0 || maxLen <= 0 || value < threshold) return;
            args ??= CaptureArgs(client.Context, cmd);
            var log = _logs[(int)type];
            long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            log.AddFirst(new CommandLogEntry(_nextId[(int)type]++, now, value, args, client.PeerAddress, client.Name ?? ""));
            while (log.Count > maxLen) log.RemoveLast();
        }
    }

    /// <summary>A config change shrank a log's maximum length: drop the oldest entries now.</summary>
    public void Trim()
    {
        var config = _server.Config;
        TrimTo(CommandLogType.Slow, config.SlowlogMaxLen);
        TrimTo(CommandLogType.LargeRequest, config.CommandlogLargeRequestMaxLen);
        TrimTo(CommandLogType.LargeReply, config.CommandlogLargeReplyMaxLen);

        void TrimTo(CommandLogType type, long maxLen)
        {
            var log = _logs[(int)type];
            while (log.Count > Math.Max(0, maxLen)) log.RemoveLast();
        }
    }

    /// <summary>The arguments as logged: at most 32, each at most 128 bytes, secrets replaced by "(redacted)".</summary>
    private static byte[][] CaptureArgs(CommandContext ctx, CommandSpec cmd)
    {
        int argc = ctx.ArgCount;
        int kept = Math.Min(argc, MaxArgs);
        var args = new byte[kept][];
        for (int i = 0; i < kept; i++)
        {
            if (kept != argc && i == kept - 1)
            {
                args[i] = Encoding.ASCII.GetBytes($"... ({argc - kept + 1} more arguments)");
            }
            else if (CommandRedaction.IsRedacted(ctx, cmd, i))
            {
                args[i] = Redacted;
            }
            else
            {
                var arg = ctx.Arg(i);
                if (arg.Length > MaxArgBytes)
                {
                    var more = Encoding.ASCII.GetBytes($"... ({arg.Length - MaxArgBytes} more bytes)");
                    var cut = new byte[MaxArgBytes + more.Length];
                    arg[..MaxArgBytes].CopyTo(cut);
                    more.CopyTo(cut.AsSpan(MaxArgBytes));
                    args[i] = cut;
                }
                else
                {
                    args[i] = arg.ToArray();
                }
            }
        }
        return args;
    }
}

/// <summary>
/// Which arguments carry secrets (Valkey's redactClientCommandArgument calls in AUTH, HELLO,
/// MIGRATE, CONFIG SET of sensitive parameters and ACL SETUSER/DELUSER/GETUSER): the command log
/// (and MONITOR) show "(redacted)" in their place. Decided from the arguments alone, so it also
/// holds when the command failed half way.
/// </summary>
public static class CommandRedaction
{
    /// <summary>Sensitive parameters, whether or not this server knows them (Valkey's SENSITIVE_CONFIG).</summary>
    private static readonly string[] SensitiveConfigs =
        ["requirepass", "masterauth", "primaryauth", "masteruser", "primaryuser", "tls-key-file-pass", "tls-client-key-file-pass"];

    public static bool IsRedacted(CommandContext ctx, CommandSpec cmd, int index)
    {
        if (index == 0) return false;
        string name = cmd.Parent?.Name ?? cmd.Name;
        switch (name)
        {
            case "auth":
                return ctx.ArgCount <= 3;
            case "hello":
                for (int j = 2; j < ctx.ArgCount; j++)
                {
                    int more = ctx.ArgCount - 1 - j;
                    if (ctx.ArgIs(j, "auth"u8) && more >= 2)
                    {
                        if (index == j + 1 || index == j + 2) return true;
                        j += 2;
                    }
                    else if (ctx.ArgIs(j, "setname"u8) && more >= 1) j++;
                }
                return false;
            case "migrate":
                for (int j = 6; j < ctx.ArgCount; j++)
                {
                    int more = ctx.ArgCount - 1 - j;
                    if (ctx.ArgIs(j, "auth"u8) && more >= 1)
                    {
                        if (index == j + 1) return true;
                        j++;
                    }
                    else if (ctx.ArgIs(j, "auth2"u8) && more >= 2)
                    {
                        if (index == j + 1 || index == j + 2) return true;
                        j += 2;
                    }
                    else if (ctx.ArgIs(j, "keys"u8)) break;
                }
                return false;
            case "config":
                if (cmd.Name != "set" || index < 3 || (index - 2) % 2 != 1) return false;
                return IsSensitiveConfig(ctx, ctx.ArgString(index - 1));
            case "acl":
                if (cmd.Name is "setuser" or "deluser") return index >= 2;
                if (cmd.Name == "getuser") return index == 2;
                return false;
            default:
                return false;
        }
    }

    private static bool IsSensitiveConfig(CommandContext ctx, string parameter)
    {
        foreach (var s in SensitiveConfigs)
        {
            if (s.Equals(parameter, StringComparison.OrdinalIgnoreCase)) return true;
        }
        var registry = ctx.Server.ConfigRegistry;
        return registry?.Find(parameter) is { } p && p.Has(ConfigFlags.Sensitive);
    }
}
