using System.Security.Cryptography;
using System.Text;

namespace Valkey.Native.Commands;

/// <summary>
/// Connection commands: PING, ECHO, QUIT, RESET, AUTH and HELLO (SELECT is in
/// <see cref="DatabaseCommands"/>, CLIENT in <see cref="ClientCommands"/>). Authentication is
/// Valkey's without ACL users: a single "default" user whose password is requirepass.
/// </summary>
public static class ConnectionCommands
{
    public static readonly CommandSpec[] Commands =
    [
        new CommandSpec("ping", -1, CommandFlags.Fast | CommandFlags.Sentinel, AclCategories.Fast | AclCategories.Connection, Ping)
        {
            Group = "connection", Summary = "Returns the server's liveliness response.", Since = "1.0.0", Complexity = "O(1)",
            Tips = ["request_policy:all_shards", "response_policy:all_succeeded"],
        },
        new CommandSpec("echo", 2, CommandFlags.Loading | CommandFlags.Stale | CommandFlags.Fast, AclCategories.Fast | AclCategories.Connection, Echo)
        { Group = "connection", Summary = "Returns the given string.", Since = "1.0.0", Complexity = "O(1)" },
        new CommandSpec("quit", -1, CommandFlags.AllowBusy | CommandFlags.NoScript | CommandFlags.Loading | CommandFlags.Stale | CommandFlags.Fast | CommandFlags.NoAuth, AclCategories.Fast | AclCategories.Connection, Quit)
        {
            Group = "connection", Summary = "Closes the connection.", Since = "1.0.0", Complexity = "O(1)",
            DeprecatedSince = "7.2.0", ReplacedBy = "just closing the connection",
        },
        new CommandSpec("reset", 1, CommandFlags.NoScript | CommandFlags.Loading | CommandFlags.Stale | CommandFlags.Fast | CommandFlags.NoAuth | CommandFlags.AllowBusy, AclCategories.Fast | AclCategories.Connection, Reset)
        { Group = "connection", Summary = "Resets the connection.", Since = "6.2.0", Complexity = "O(1)" },
        new CommandSpec("auth", -2, CommandFlags.NoScript | CommandFlags.Loading | CommandFlags.Stale | CommandFlags.Fast | CommandFlags.NoAuth | CommandFlags.Sentinel | CommandFlags.AllowBusy, AclCategories.Fast | AclCategories.Connection, Auth)
        {
            Group = "connection", Summary = "Authenticates the connection.", Since = "1.0.0", Complexity = "O(N) where N is the number of passwords defined for the user",
            History = [("6.0.0", "Added ACL style (username and password).")],
        },
        new CommandSpec("hello", -1, CommandFlags.NoScript | CommandFlags.Loading | CommandFlags.Stale | CommandFlags.Fast | CommandFlags.NoAuth | CommandFlags.Sentinel | CommandFlags.AllowBusy, AclCategories.Fast | AclCategories.Connection, Hello)
        {
            Group = "connection", Summary = "Handshakes with the server.", Since = "6.0.0", Complexity = "O(1)",
            History = [("6.2.0", "`protover` made optional; when called without arguments the command reports the current connection's context.")],
        },
    ];

    /// <summary>
    /// Raised by RESET before it replies, so features that keep per-connection state
    /// (MULTI, pub/sub, tracking, MONITOR) can drop it as Valkey's clearClientConnectionState does.
    /// </summary>
    public static event Action<CommandContext>? ConnectionReset;

    private static void Ping(CommandContext ctx)
    {
        // PING's arity is -1 so the dispatcher lets any count through; more than one argument is an arity error.
        if (ctx.ArgCount > 2)
        {
            ctx.Reply.AddError(ErrorMessages.WrongArgCount("ping"));
            return;
        }
        if (ctx.Client.Subscriptions is { Total: > 0 } && ctx.Reply.Protocol == 2)
        {
            // RESP2 subscribed context: ["pong", argument or ""], as Valkey.
            ctx.Reply.AddArrayLength(2);
            ctx.Reply.AddBulk("pong"u8);
            ctx.Reply.AddBulk(ctx.ArgCount == 1 ? default : ctx.Arg(1));
            return;
        }
        if (ctx.ArgCount == 1) ctx.Reply.AddRaw("+PONG\r\n"u8);
        else ctx.Reply.AddBulk(ctx.Arg(1));
    }

    private static void Echo(CommandContext ctx) => ctx.Reply.AddBulk(ctx.Arg(1));

    /// <summary>Replies +OK, then the connection closes once the reply is written; pipelined commands after it never run.</summary>
    private static void Quit(CommandContext ctx)
    {
        ctx.Reply.AddOk();
        ctx.Client.CloseAfterReply = true;
    }

    /// <summary>RESET: back to the state of a fresh connection (db 0, RESP2, no name, replies on, default auth).</summary>
    private static void Reset(CommandContext ctx)
    {
        var client = ctx.Client;
        ConnectionReset?.Invoke(ctx);
        client.SelectDatabase(0);
        ctx.Reply.Protocol = 2;
        // A password-protected server requires AUTH again, as a new connection would.
        client.Authenticated = !ctx.Server.AuthRequired;
        client.Name = null;
        // lib-name and lib-ver survive: they describe the library behind the connection.
        // With CLIENT REPLY OFF this command's reply was going to be dropped; RESET turns replies back on first.
        if (client.ReplyOff) ctx.Reply.Enabled = true;
        client.ReplyOff = false;
        client.SkipNextReply = false;
        ClientCommands.ClearModes(client);
        ctx.Reply.AddSimpleString("RESET"u8);
    }

    /// <summary>AUTH [username] password.</summary>
    private static void Auth(CommandContext ctx)
    {
        if (ctx.ArgCount > 3)
        {
            ctx.Reply.AddError(ErrorMessages.Syntax);
            return;
        }
        ReadOnlySpan<byte> user, password;
        if (ctx.ArgCount == 2)
        {
            // The one-argument form keeps its historical error when no password is set.
            if (!ctx.Server.AuthRequired)
            {
                ctx.Reply.AddError(ErrorMessages.AuthNotConfigured);
                return;
            }
            user = "default"u8;
            password = ctx.Arg(1);
        }
        else
        {
            user = ctx.Arg(1);
            password = ctx.Arg(2);
        }
        if (TryAuthenticate(ctx, user, password)) ctx.Reply.AddOk();
    }

    /// <summary>
    /// Checks credentials against the only user, "default" (user names are case-sensitive):
    /// any password when requirepass is empty (the user is "nopass"), else requirepass.
    /// On success the connection is authenticated; on failure WRONGPASS is replied.
    /// </summary>
    public static bool TryAuthenticate(CommandContext ctx, ReadOnlySpan<byte> user, ReadOnlySpan<byte> password)
    {
        bool ok = user.SequenceEqual("default"u8) && (!ctx.Server.AuthRequired || PasswordMatches(ctx.Server.Config.RequirePass, password));
        if (!ok)
        {
            ServerCommands.StateOf(ctx.Server).AuthFailures++;
            ctx.Reply.AddError(ErrorMessages.InvalidPassword);
            return false;
        }
        ctx.Client.Authenticated = true;
        return true;
    }

    /// <summary>Compares in constant time so the reply time does not leak how much of the password matched.</summary>
    private static bool PasswordMatches(string expected, ReadOnlySpan<byte> given)
    {
        byte[] want = Encoding.UTF8.GetBytes(expected);
        // Equal lengths are required by FixedTimeEquals; comparing against itself keeps the timing flat.
        bool sameLength = want.Length == given.Length;
        bool equal = CryptographicOperations.FixedTimeEquals(want, sameLength ? given : want);
        return sameLength && equal;
    }

    /// <summary>HELLO [protover [AUTH username password] [SETNAME clientname]].</summary>
    private static void Hello(CommandContext ctx)
    {
        long version = 0;
        int next = 1;
        if (ctx.ArgCount >= 2)
        {
            if (!ctx.TryGetInt64OrReply(next++, out version, "ERR Protocol version is not an integer or out of range"u8)) return;
            if (version < 2 || version > 3)
            {
                ctx.Reply.AddError("NOPROTO unsupported protocol version"u8);
                return;
            }
        }
        int userArg = -1, nameArg = -1;
        for (int j = next; j < ctx.ArgCount; j++)
        {
            int more = ctx.ArgCount - 1 - j;
            if (ctx.ArgIs(j, "auth"u8) && more >= 2)
            {
                userArg = j + 1;
                j += 2;
            }
            else if (ctx.ArgIs(j, "setname"u8) && more >= 1)
            {
                nameArg = j + 1;
                if (!ClientCommands.IsValidName(ctx.Arg(nameArg)))
                {
                    ctx.Reply.AddError(ClientCommands.InvalidNameError);
                    return;
                }
                j++;
            }
            else
            {
                ctx.Reply.AddError($"ERR Syntax error in HELLO option '{ctx.ArgString(j)}'");
                return;
            }
        }

        if (userArg > 0 && !TryAuthenticate(ctx, ctx.Arg(userArg), ctx.Arg(userArg + 1))) return;
        if (!ctx.Client.Authenticated)
        {
            ctx.Reply.AddError("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time"u8);
            return;
        }
        if (nameArg > 0) ClientCommands.SetName(ctx.Client, ctx.Arg(nameArg));
        // The reply already uses the new protocol: a RESP3 HELLO gets a map.
        if (version != 0) ctx.Reply.Protocol = (int)version;

        var reply = ctx.Reply;
        reply.AddMapLength(7);
        // extended-redis-compatibility: clients that check for Redis see "redis" and Redis' version.
        bool redisCompat = ctx.Server.Config.ExtendedRedisCompatibility;
        reply.AddBulk("server"u8);
        reply.AddBulk(redisCompat ? "redis"u8 : "valkey"u8);
        reply.AddBulk("version"u8);
        reply.AddBulk(redisCompat ? Server.ServerContext.RedisCompatVersion : Server.ServerContext.Version);
        reply.AddBulk("proto"u8);
        reply.AddInteger(reply.Protocol);
        reply.AddBulk("id"u8);
        reply.AddInteger(ctx.Client.Id);
        reply.AddBulk("mode"u8);
        reply.AddBulk("standalone"u8);
        reply.AddBulk("role"u8);
        reply.AddBulk("master"u8);
        reply.AddBulk("modules"u8);
        reply.AddEmptyArray();
    }
}
