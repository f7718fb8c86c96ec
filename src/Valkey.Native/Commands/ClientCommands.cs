using System.Runtime.CompilerServices;
using System.Text;
using Valkey.Native.Networking;

namespace Valkey.Native.Commands;

/// <summary>
/// CLIENT: connection introspection (ID, INFO, LIST), naming (SETNAME, GETNAME, SETINFO),
/// KILL, reply modes (REPLY ON|OFF|SKIP) and the NO-EVICT / NO-TOUCH modes. CLIENT LIST lines
/// carry Valkey 8.0's fields in its order (catClientInfoString); fields for features not
/// built yet (pub/sub, MULTI, WATCH, tracking) report their idle values.
/// </summary>
public static class ClientCommands
{
    public static readonly CommandSpec[] Commands =
    [
        new CommandSpec("client", -2, CommandFlags.Sentinel, AclCategories.Slow, null)
        { Group = "connection", Summary = "A container for client connection commands.", Since = "2.4.0", Complexity = "Depends on subcommand." }
        .WithSubcommands(
            new CommandSpec("capa", -3, CommandFlags.NoScript | CommandFlags.Loading | CommandFlags.Stale, AclCategories.Slow | AclCategories.Connection, Capa)
            { Group = "connection", Summary = "A client claims its capability.", Since = "8.0.0", Complexity = "O(1)" },
            new CommandSpec("caching", 3, CommandFlags.NoScript | CommandFlags.Loading | CommandFlags.Stale | CommandFlags.Sentinel, AclCategories.Slow | AclCategories.Connection, ClientTrackingCommands.Caching)
            { Group = "connection", Summary = "Instructs the server whether to track the keys in the next request.", Since = "6.0.0", Complexity = "O(1)" },
            new CommandSpec("getredir", 2, CommandFlags.NoScript | CommandFlags.Loading | CommandFlags.Stale | CommandFlags.Sentinel, AclCategories.Slow | AclCategories.Connection, ClientTrackingCommands.GetRedir)
            { Group = "connection", Summary = "Returns the client ID to which the connection's tracking notifications are redirected.", Since = "6.0.0", Complexity = "O(1)" },
            new CommandSpec("tracking", -3, CommandFlags.NoScript | CommandFlags.Loading | CommandFlags.Stale | CommandFlags.Sentinel, AclCategories.Slow | AclCategories.Connection, ClientTrackingCommands.TrackingCommand)
            { Group = "connection", Summary = "Controls server-assisted client-side caching for the connection.", Since = "6.0.0", Complexity = "O(1). Some options may introduce additional complexity." },
            new CommandSpec("trackinginfo", 2, CommandFlags.NoScript | CommandFlags.Loading | CommandFlags.Stale | CommandFlags.Sentinel, AclCategories.Slow | AclCategories.Connection, ClientTrackingCommands.TrackingInfo)
            { Group = "connection", Summary = "Returns information about server-assisted client-side caching for the connection.", Since = "6.2.0", Complexity = "O(1)" },
            new CommandSpec("getname", 2, CommandFlags.NoScript | CommandFlags.Loading | CommandFlags.Stale | CommandFlags.Sentinel, AclCategories.Slow | AclCategories.Connection, GetName)
            { Group = "connection", Summary = "Returns the name of the connection.", Since = "2.6.9", Complexity = "O(1)" },
            new CommandSpec("help", 2, CommandFlags.Loading | CommandFlags.Stale | CommandFlags.Sentinel, AclCategories.Slow | AclCategories.Connection, Help)
            { Group = "connection", Summary = "Returns helpful text about the different subcommands.", Since = "5.0.0", Complexity = "O(1)" },
            new CommandSpec("id", 2, CommandFlags.NoScript | CommandFlags.Loading | CommandFlags.Stale | CommandFlags.Sentinel, AclCategories.Slow | AclCategories.Connection, Id)
            { Group = "connection", Summary = "Returns the unique client ID of the connection.", Since = "5.0.0", Complexity = "O(1)" },
            new CommandSpec("info", 2, CommandFlags.NoScript | CommandFlags.Loading | CommandFlags.Stale | CommandFlags.Sentinel, AclCategories.Slow | AclCategories.Connection, Info)
            {
                Group = "connection", Summary = "Returns information about the connection.", Since = "6.2.0", Complexity = "O(1)",
                Tips = ["nondeterministic_output"],
            },
            new CommandSpec("kill", -3, CommandFlags.Admin | CommandFlags.NoScript | CommandFlags.Loading | CommandFlags.Stale | CommandFlags.Sentinel, AclCategories.Admin | AclCategories.Slow | AclCategories.Dangerous | AclCategories.Connection, Kill)
            {
                Group = "connection", Summary = "Terminates open connections.", Since = "2.4.0", Complexity = "O(N) where N is the number of client connections",
                History =
                [
                    ("2.8.12", "Added new filter format."),
                    ("2.8.12", "`ID` option."),
                    ("3.2.0", "Added `master` type in for `TYPE` option."),
                    ("5.0.0", "Replaced `slave` `TYPE` with `replica`. `slave` still supported for backward compatibility."),
                    ("6.2.0", "`LADDR` option."),
                    ("8.0.0", "`MAXAGE` option."),
                    ("8.0.0", "Replaced `master` `TYPE` with `primary`. `master` still supported for backward compatibility."),
                ],
            },
            new CommandSpec("list", -2, CommandFlags.Admin | CommandFlags.NoScript | CommandFlags.Loading | CommandFlags.Stale | CommandFlags.Sentinel, AclCategories.Admin | AclCategories.Slow | AclCategories.Dangerous | AclCategories.Connection, List)
            {
                Group = "connection", Summary = "Lists open connections.", Since = "2.4.0", Complexity = "O(N) where N is the number of client connections",
                Tips = ["nondeterministic_output"],
                History =
                [
                    ("2.8.12", "Added unique client `id` field."),
                    ("5.0.0", "Added optional `TYPE` filter."),
                    ("6.0.0", "Added `user` field."),
                    ("6.2.0", "Added `argv-mem`, `tot-mem`, `laddr` and `redir` fields and the optional `ID` filter."),
                    ("7.0.0", "Added `resp`, `multi-mem`, `rbs` and `rbp` fields."),
                    ("7.0.3", "Added `ssub` field."),
                    ("8.0.0", "Replaced `master` `TYPE` with `primary`. `master` still supported for backward compatibility."),
                ],
            },
            new CommandSpec("no-evict", 3, CommandFlags.Admin | CommandFlags.NoScript | CommandFlags.Loading | CommandFlags.Stale | CommandFlags.Sentinel, AclCategories.Admin | AclCategories.Slow | AclCategories.Dangerous | AclCategories.Connection, NoEvict)
            { Group = "connection", Summary = "Sets the client eviction mode of the connection.", Since = "7.0.0", Complexity = "O(1)" },
            new CommandSpec("no-touch", 3, CommandFlags.NoScript | CommandFlags.Loading | CommandFlags.Stale, AclCategories.Slow | AclCategories.Connection, NoTouch)
            { Group = "connection", Summary = "Controls whether commands sent by the client affect the LRU/LFU of accessed keys.", Since = "7.2.0", Complexity = "O(1)" },
            new CommandSpec("reply", 3, CommandFlags.NoScript | CommandFlags.Loading | CommandFlags.Stale | CommandFlags.Sentinel, AclCategories.Slow | AclCategories.Connection, ReplyMode)
            { Group = "connection", Summary = "Instructs the server whether to reply to commands.", Since = "3.2.0", Complexity = "O(1)" },
            new CommandSpec("setinfo", 4, CommandFlags.NoScript | CommandFlags.Loading | CommandFlags.Stale | CommandFlags.Sentinel, AclCategories.Slow | AclCategories.Connection, SetInfo)
            {
                Group = "connection", Summary = "Sets information specific to the client or connection.", Since = "7.2.0", Complexity = "O(1)",
                Tips = ["request_policy:all_nodes", "response_policy:all_succeeded"],
            },
            new CommandSpec("pause", -3, CommandFlags.Admin | CommandFlags.NoScript | CommandFlags.Loading | CommandFlags.Stale | CommandFlags.Sentinel, AclCategories.Admin | AclCategories.Slow | AclCategories.Dangerous | AclCategories.Connection, Pause)
            {
                Group = "connection", Summary = "Suspends commands processing.", Since = "3.0.0", Complexity = "O(1)",
                History = [("6.2.0", "`CLIENT PAUSE WRITE` mode added along with the `mode` option.")],
            },
            new CommandSpec("unpause", 2, CommandFlags.Admin | CommandFlags.NoScript | CommandFlags.Loading | CommandFlags.Stale | CommandFlags.Sentinel, AclCategories.Admin | AclCategories.Slow | AclCategories.Dangerous | AclCategories.Connection, Unpause)
            { Group = "connection", Summary = "Resumes processing commands from paused clients.", Since = "6.2.0", Complexity = "O(N) Where N is the number of paused clients" },
            new CommandSpec("unblock", -3, CommandFlags.Admin | CommandFlags.NoScript | CommandFlags.Loading | CommandFlags.Stale | CommandFlags.Sentinel, AclCategories.Admin | AclCategories.Slow | AclCategories.Dangerous | AclCategories.Connection, Unblock)
            { Group = "connection", Summary = "Unblocks a client blocked by a blocking command from a different connection.", Since = "5.0.0", Complexity = "O(log N) where N is the number of client connections" },
            new CommandSpec("setname", 3, CommandFlags.NoScript | CommandFlags.Loading | CommandFlags.Stale | CommandFlags.Sentinel, AclCategories.Slow | AclCategories.Connection, SetNameCommand)
            {
                Group = "connection", Summary = "Sets the connection name.", Since = "2.6.9", Complexity = "O(1)",
                Tips = ["request_policy:all_nodes", "response_policy:all_succeeded"],
            }),
    ];

    public const string InvalidNameError = "ERR Client names cannot contain spaces, newlines or special characters.";

    private static readonly string[] HelpLines =
    [
        "CACHING (YES|NO)",
        "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
        "CAPA <option> [options...]",
        "    The client claims its some capability options. Options are:",
        "    * REDIRECT",
        "      The client can handle redirection during primary and replica failover in standalone mode.",
        "GETREDIR",
        "    Return the client ID we are redirecting to when tracking is enabled.",
        "GETNAME",
        "    Return the name of the current connection.",
        "ID",
        "    Return the ID of the current connection.",
        "INFO",
        "    Return information about the current client connection.",
        "KILL <ip:port>",
        "    Kill connection made from <ip:port>.",
        "KILL <option> <value> [<option> <value> [...]]",
        "    Kill connections. Options are:",
        "    * ADDR (<ip:port>|<unixsocket>:0)",
        "      Kill connections made from the specified address",
        "    * LADDR (<ip:port>|<unixsocket>:0)",
        "      Kill connections made to specified local address",
        "    * TYPE (NORMAL|PRIMARY|REPLICA|PUBSUB)",
        "      Kill connections by type.",
        "    * USER <username>",
        "      Kill connections authenticated by <username>.",
        "    * SKIPME (YES|NO)",
        "      Skip killing current connection (default: yes).",
        "    * ID <client-id>",
        "      Kill connections by client id.",
        "    * MAXAGE <maxage>",
        "      Kill connections older than the specified age.",
        "LIST [options ...]",
        "    Return information about client connections. Options:",
        "    * TYPE (NORMAL|PRIMARY|REPLICA|PUBSUB)",
        "      Return clients of specified type.",
        "UNPAUSE",
        "    Stop the current client pause, resuming traffic.",
        "PAUSE <timeout> [WRITE|ALL]",
        "    Suspend all, or just write, clients for <timeout> milliseconds.",
        "REPLY (ON|OFF|SKIP)",
        "    Control the replies sent to the current connection.",
        "SETNAME <name>",
        "    Assign the name <name> to the current connection.",
        "SETINFO <option> <value>",
        "    Set client meta attr. Options are:",
        "    * LIB-NAME: the client lib name.",
        "    * LIB-VER: the client lib version.",
        "UNBLOCK <clientid> [TIMEOUT|ERROR]",
        "    Unblock the specified blocked client.",
        "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
        "         [OPTIN] [OPTOUT] [NOLOOP]",
        "    Control server assisted client side caching.",
        "TRACKINGINFO",
        "    Report tracking status for the current connection.",
        "NO-EVICT (ON|OFF)",
        "    Protect current client connection from eviction.",
        "NO-TOUCH (ON|OFF)",
        "    Will not touch LRU/LFU stats when this mode is on.",
    ];

    /// <summary>CLIENT NO-TOUCH ON: reads by this connection should not update keys' access clock.</summary>
    public static bool IsNoTouch(Client client) => client.NoTouch;

    /// <summary>CLIENT NO-EVICT ON: the connection is exempt from client eviction.</summary>
    public static bool IsNoEvict(Client client) => client.NoEvict;

    /// <summary>Turns NO-EVICT and NO-TOUCH off (RESET).</summary>
    internal static void ClearModes(Client client)
    {
        // Capabilities describe the client library, so they survive RESET.
        client.NoEvict = false;
        client.NoTouch = false;
    }

    // ---- names -----------------------------------------------------------------------------

    /// <summary>Names and library attributes must stay one CLIENT LIST field: printable ASCII, no spaces.</summary>
    public static bool IsValidName(ReadOnlySpan<byte> value)
    {
        foreach (byte b in value)
        {
            if (b < '!' || b > '~') return false;
        }
        return true;
    }

    /// <summary>Sets the name; an empty name removes it. The caller has validated it.</summary>
    public static void SetName(Client client, ReadOnlySpan<byte> name) =>
        client.Name = name.IsEmpty ? null : Encoding.ASCII.GetString(name);

    // ---- handlers ----------------------------------------------------------------------------

    private static void Help(CommandContext ctx) => ctx.ReplyHelpWithHeader(HelpLines);

    private static void Id(CommandContext ctx) => ctx.Reply.AddInteger(ctx.Client.Id);

    private static void GetName(CommandContext ctx)
    {
        if (ctx.Client.Name == null) ctx.Reply.AddNull();
        else ctx.Reply.AddBulk(ctx.Client.Name);
    }

    private static void SetNameCommand(CommandContext ctx)
    {
        if (!IsValidName(ctx.Arg(2)))
        {
            ctx.Reply.AddError(InvalidNameError);
            return;
        }
        SetName(ctx.Client, ctx.Arg(2));
        ctx.Reply.AddOk();
    }

    /// <summary>CLIENT SETINFO LIB-NAME|LIB-VER value (an empty value clears it).</summary>
    private static void SetInfo(CommandContext ctx)
    {
        bool libName = ctx.ArgIs(2, "lib-name"u8);
        if (!libName && !ctx.ArgIs(2, "lib-ver"u8))
        {
            ctx.Reply.AddError($"ERR Unrecognized option '{ctx.ArgString(2)}'");
            return;
        }
        if (!IsValidName(ctx.Arg(3)))
        {
            ctx.Reply.AddError($"ERR {ctx.ArgString(2)} cannot contain spaces, newlines or special characters.");
            return;
        }
        string? value = ctx.Arg(3).IsEmpty ? null : Encoding.ASCII.GetString(ctx.Arg(3));
        if (libName) ctx.Client.LibName = value;
        else ctx.Client.LibVersion = value;
        ctx.Reply.AddOk();
    }

    private static void Info(CommandContext ctx)
    {
        var sb = new StringBuilder(256);
        AppendClientInfo(sb, ctx, ctx.Client);
        sb.Append('\n');
        ctx.Reply.AddVerbatim(sb.ToString());
    }

    /// <summary>CLIENT LIST [TYPE type] | [ID id ...].</summary>
    private static void List(CommandContext ctx)
    {
        var sb = new StringBuilder(256);
        if (ctx.ArgCount == 4 && ctx.ArgIs(2, "type"u8))
        {
            if (!TryParseType(ctx.Arg(3), out var type))
            {
                ctx.Reply.AddError($"ERR Unknown client type '{ctx.ArgString(3)}'");
                return;
            }
            foreach (var c in ctx.Server.Clients)
            {
                if (TypeOf(c) != type) continue;
                AppendClientInfo(sb, ctx, c);
                sb.Append('\n');
            }
        }
        else if (ctx.ArgCount > 3 && ctx.ArgIs(2, "id"u8))
        {
            for (int i = 3; i < ctx.ArgCount; i++)
            {
                if (!ctx.TryGetInt64OrReply(i, out long id, "ERR Invalid client ID"u8)) return;
                var c = ctx.Server.FindClient(id);
                if (c == null) continue;
                AppendClientInfo(sb, ctx, c);
                sb.Append('\n');
            }
        }
        else if (ctx.ArgCount != 2)
        {
            ctx.Reply.AddError(ErrorMessages.Syntax);
            return;
        }
        else
        {
            foreach (var c in ctx.Server.Clients)
            {
                AppendClientInfo(sb, ctx, c);
                sb.Append('\n');
            }
        }
        ctx.Reply.AddVerbatim(sb.ToString());
    }

    /// <summary>CLIENT REPLY ON|OFF|SKIP. OFF and SKIP reply nothing; ON replies +OK.</summary>
    private static void ReplyMode(CommandContext ctx)
    {
        var client = ctx.Client;
        if (ctx.ArgIs(2, "on"u8))
        {
            client.ReplyOff = false;
            client.SkipNextReply = false;
            // This command started with replies off; its own +OK must go out.
            ctx.Reply.Enabled = true;
            ctx.Reply.AddOk();
        }
        else if (ctx.ArgIs(2, "off"u8))
        {
            client.ReplyOff = true;
        }
        else if (ctx.ArgIs(2, "skip"u8))
        {
            if (!client.ReplyOff) client.SkipNextReply = true;
        }
        else
        {
            ctx.Reply.AddError(ErrorMessages.Syntax);
        }
    }

    /// <summary>
    /// CLIENT UNBLOCK id [TIMEOUT|ERROR]: completes another client's blocking command as on timeout
    /// (the default) or with an -UNBLOCKED error. Replies 1 if it was blocked, else 0.
    /// </summary>
    private static void Unblock(CommandContext ctx)
    {
        if (ctx.ArgCount > 4)
        {
            ctx.ReplySubcommandSyntaxError();
            return;
        }
        bool withError = false;
        if (ctx.ArgCount == 4)
        {
            if (ctx.ArgIs(3, "error"u8)) withError = true;
            else if (!ctx.ArgIs(3, "timeout"u8))
            {
                ctx.Reply.AddError("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR"u8);
                return;
            }
        }
        if (!ctx.TryGetInt64OrReply(2, out long id)) return;
        var target = ctx.Server.FindClient(id);
        bool unblocked = target != null && ctx.Server.Blocking.UnblockByRequest(target, withError);
        ctx.Reply.AddInteger(unblocked ? 1 : 0);
    }

    /// <summary>
    /// CLIENT PAUSE timeout [WRITE|ALL]: postpones all commands, or those that may write, until
    /// <c>timeout</c> milliseconds from now (Server/ClientPause); ALL is the default.
    /// </summary>
    private static void Pause(CommandContext ctx)
    {
        if (ctx.ArgCount > 4)
        {
            ctx.ReplySubcommandSyntaxError();
            return;
        }
        bool all = true;
        if (ctx.ArgCount == 4)
        {
            if (ctx.ArgIs(3, "write"u8)) all = false;
            else if (!ctx.ArgIs(3, "all"u8))
            {
                ctx.Reply.AddError(ErrorMessages.PauseMode);
                return;
            }
        }
        if (!ctx.TryGetInt64OrReply(2, out long timeout, ErrorMessages.PauseTimeout)) return;
        if (timeout < 0)
        {
            ctx.Reply.AddError(ErrorMessages.PauseNegativeTimeout);
            return;
        }
        long now = ctx.Keyspace.NowMs;
        if (timeout > long.MaxValue - now)
        {
            ctx.Reply.AddError("ERR timeout is out of range"u8);
            return;
        }
        ctx.Server.Pause.Pause(timeout == 0 ? 0 : now + timeout, all);
        ctx.Reply.AddOk();
    }

    /// <summary>CLIENT UNPAUSE: postponed clients run their commands before the loop sleeps.</summary>
    private static void Unpause(CommandContext ctx)
    {
        ctx.Server.Pause.Unpause();
        ctx.Reply.AddOk();
    }

    /// <summary>CLIENT CAPA option ...: remembers REDIRECT (for failover redirects); unknown capabilities are ignored.</summary>
    private static void Capa(CommandContext ctx)
    {
        for (int i = 2; i < ctx.ArgCount; i++)
        {
            if (ctx.ArgIs(i, "redirect"u8)) ctx.Client.CapaRedirect = true;
        }
        ctx.Reply.AddOk();
    }

    /// <summary>CLIENT CAPA REDIRECT was sent: the client understands -REDIRECT replies.</summary>
    public static bool HasRedirectCapability(Client client) => client.CapaRedirect;

    private static void NoEvict(CommandContext ctx) => SetMode(ctx, evict: true);

    private static void NoTouch(CommandContext ctx) => SetMode(ctx, evict: false);

    private static void SetMode(CommandContext ctx, bool evict)
    {
        bool on;
        if (ctx.ArgIs(2, "on"u8)) on = true;
        else if (ctx.ArgIs(2, "off"u8)) on = false;
        else
        {
            ctx.Reply.AddError(ErrorMessages.Syntax);
            return;
        }
        if (evict) ctx.Client.NoEvict = on;
        else ctx.Client.NoTouch = on;
        ctx.Reply.AddOk();
    }

    /// <summary>
    /// CLIENT KILL addr (old form: +OK or "No such client", may kill the caller) or
    /// CLIENT KILL [ID id] [ADDR addr] [LADDR addr] [TYPE type] [USER user] [SKIPME yes|no] [MAXAGE secs]
    /// (new form: replies the number killed). Victims are closed by the event loop (CloseAsap),
    /// the caller only after its reply is written.
    /// </summary>
    private static void Kill(CommandContext ctx)
    {
        string? addr = null, laddr = null;
        ClientType? type = null;
        long id = 0, maxAge = 0;
        bool skipMe = true;
        bool oldForm = ctx.ArgCount == 3;
        if (oldForm)
        {
            addr = ctx.ArgString(2);
            skipMe = false; // with the old form a client may kill itself
        }
        else
        {
            for (int i = 2; i < ctx.ArgCount; i += 2)
            {
                bool more = ctx.ArgCount > i + 1;
                if (!more)
                {
                    ctx.Reply.AddError(ErrorMessages.Syntax);
                    return;
                }
                if (ctx.ArgIs(i, "id"u8))
                {
                    if (!ctx.TryGetRangeOrReply(i + 1, 1, long.MaxValue, out id, "ERR client-id should be greater than 0"u8)) return;
                }
                else if (ctx.ArgIs(i, "maxage"u8))
                {
                    if (!ctx.TryGetInt64OrReply(i + 1, out maxAge, "ERR maxage is not an integer or out of range"u8)) return;
                    if (maxAge <= 0)
                    {
                        ctx.Reply.AddError("ERR maxage should be greater than 0"u8);
                        return;
                    }
                }
                else if (ctx.ArgIs(i, "type"u8))
                {
                    if (!TryParseType(ctx.Arg(i + 1), out var t))
                    {
                        ctx.Reply.AddError($"ERR Unknown client type '{ctx.ArgString(i + 1)}'");
                        return;
                    }
                    type = t;
                }
                else if (ctx.ArgIs(i, "addr"u8))
                {
                    addr = ctx.ArgString(i + 1);
                }
                else if (ctx.ArgIs(i, "laddr"u8))
                {
                    laddr = ctx.ArgString(i + 1);
                }
                else if (ctx.ArgIs(i, "user"u8))
                {
                    // Without ACL users the only user is "default", which every connection uses.
                    if (!ctx.Arg(i + 1).SequenceEqual("default"u8))
                    {
                        ctx.Reply.AddError($"ERR No such user '{ctx.ArgString(i + 1)}'");
                        return;
                    }
                }
                else if (ctx.ArgIs(i, "skipme"u8))
                {
                    if (ctx.ArgIs(i + 1, "yes"u8)) skipMe = true;
                    else if (ctx.ArgIs(i + 1, "no"u8)) skipMe = false;
                    else
                    {
                        ctx.Reply.AddError(ErrorMessages.Syntax);
                        return;
                    }
                }
                else
                {
                    ctx.Reply.AddError(ErrorMessages.Syntax);
                    return;
                }
            }
        }

        long now = Environment.TickCount64;
        int killed = 0;
        bool killSelf = false;
        foreach (var c in ctx.Server.Clients)
        {
            if (addr != null && c.PeerAddress != addr) continue;
            if (laddr != null && c.LocalAddress != laddr) continue;
            if (type != null && TypeOf(c) != type) continue;
            if (id != 0 && c.Id != id) continue;
            if (c == ctx.Client && skipMe) continue;
            if (maxAge != 0 && (now - c.CreatedAtMs) / 1000 < maxAge) continue;
            if (c == ctx.Client) killSelf = true;
            else
            {
                c.CloseAsap = true;
                // The loop closes CloseAsap clients when it flushes them: make sure it visits this one.
                ctx.Server.QueueWrite(c);
            }
            killed++;
        }

        if (oldForm)
        {
            if (killed == 0) ctx.Reply.AddError("ERR No such client"u8);
            else ctx.Reply.AddOk();
        }
        else
        {
            ctx.Reply.AddInteger(killed);
        }
        if (killSelf) ctx.Client.CloseAfterReply = true;
    }

    // ---- client types --------------------------------------------------------------------------

    private enum ClientType { Normal, Replica, PubSub, Primary }

    private static bool TryParseType(ReadOnlySpan<byte> name, out ClientType type)
    {
        type = ClientType.Normal;
        if (CommandContext.AsciiEqualsIgnoreCase(name, "normal"u8)) type = ClientType.Normal;
        else if (CommandContext.AsciiEqualsIgnoreCase(name, "slave"u8) || CommandContext.AsciiEqualsIgnoreCase(name, "replica"u8)) type = ClientType.Replica;
        else if (CommandContext.AsciiEqualsIgnoreCase(name, "pubsub"u8)) type = ClientType.PubSub;
        else if (CommandContext.AsciiEqualsIgnoreCase(name, "master"u8) || CommandContext.AsciiEqualsIgnoreCase(name, "primary"u8)) type = ClientType.Primary;
        else return false;
        return true;
    }

    /// <summary>Valkey's getClientType: subscribed clients are "pubsub"; replication does not exist yet.</summary>
    private static ClientType TypeOf(Client client) =>
        client.Subscriptions is { Total: > 0 } ? ClientType.PubSub : ClientType.Normal;

    // ---- the CLIENT LIST line ----------------------------------------------------------------------

    /// <summary>Reply buffer size reported as rbs: our reply chunks are this big.</summary>
    private const int ReplyChunkBytes = IoBufferPool.ChunkSize;

    /// <summary>Valkey's PROTO_MBULK_BIG_ARG: bulks this big get a query buffer of their own.</summary>
    private const long BigArgBytes = 32 * 1024;

    /// <summary>One client's line in catClientInfoString's field order (Valkey 8.0).</summary>
    private static void AppendClientInfo(StringBuilder sb, CommandContext ctx, Client c)
    {
        long now = Environment.TickCount64;
        bool self = c == ctx.Client;
        // Only the calling client has an argument vector while CLIENT LIST runs. Valkey 8 has
        // consumed the running command from the query buffer by then, so its qbuf shows only
        // what is pipelined behind it: take the command's RESP encoding off our buffer length.
        long argvMem = 0, qbuf = c.QueryBufferLength - c.BlockedCommandBytes;
        if (self)
        {
            long encoded = 3 + DigitCount(ctx.ArgCount);
            for (int i = 0; i < ctx.ArgCount; i++)
            {
                int len = ctx.Arg(i).Length;
                argvMem += len;
                encoded += 5 + DigitCount(len) + len;
            }
            qbuf = Math.Max(0, qbuf - encoded);
        }
        else if (c.Parser.BytesNeeded - c.Parser.AwaitedBulkStart >= BigArgBytes + 2 && !c.IsBlocked)
        {
            // Valkey reads a big argument (PROTO_MBULK_BIG_ARG) into a query buffer of its own, the
            // arguments before it having become argv: qbuf shows only the big bulk's bytes so far.
            qbuf = Math.Max(0, qbuf - c.Parser.AwaitedBulkStart);
        }
        long pending = c.Reply.PendingBytes;
        // Valkey's static buffer (rbs) holds the first bytes; the rest are reply blocks (omem/oll).
        long obl = Math.Min(pending, c.ReplyBufferSize);
        long omem = pending - obl;
        long oll = omem == 0 ? 0 : (omem + ReplyChunkBytes - 1) / ReplyChunkBytes;
        long totMem = Valkey.Native.Server.Eviction.ClientMemory(c) + argvMem;

        sb.Append("id=").Append(c.Id);
        sb.Append(" addr=").Append(c.PeerAddress);
        sb.Append(" laddr=").Append(c.LocalAddress);
        sb.Append(" fd=").Append(c.Fd);
        sb.Append(" name=").Append(c.Name ?? "");
        sb.Append(" age=").Append((now - c.CreatedAtMs) / 1000);
        sb.Append(" idle=").Append((now - c.LastInteractionMs) / 1000);
        sb.Append(" flags=");
        AppendFlags(sb, c);
        sb.Append(" db=").Append(c.DbIndex);
        var subs = c.Subscriptions;
        sb.Append(" sub=").Append(subs?.Channels.Count ?? 0).Append(" psub=").Append(subs?.Patterns.Count ?? 0)
            .Append(" ssub=").Append(subs?.ShardChannels.Count ?? 0);
        sb.Append(" multi=").Append(c.Multi is { Active: true } ? c.Multi.Count : -1)
            .Append(" watch=").Append(c.Multi?.Watched.Count ?? 0);
        sb.Append(" qbuf=").Append(qbuf);
        sb.Append(" qbuf-free=").Append(Math.Max(0, c.QueryBufferCapacity - c.QueryBufferLength));
        sb.Append(" argv-mem=").Append(argvMem);
        sb.Append(" multi-mem=").Append(c.Multi?.ArgumentBytes ?? 0);
        sb.Append(" rbs=").Append(c.ReplyBufferSize);
        sb.Append(" rbp=").Append(c.ReplyBufferPeak);
        sb.Append(" obl=").Append(obl);
        sb.Append(" oll=").Append(oll);
        sb.Append(" omem=").Append(omem);
        sb.Append(" tot-mem=").Append(totMem);
        sb.Append(" events=");
        if (!c.ReadPaused) sb.Append('r');
        if (c.WantsWritable) sb.Append('w');
        sb.Append(" cmd=").Append(c.LastCommand?.FullName ?? "NULL");
        sb.Append(" user=default");
        sb.Append(" redir=").Append(ClientTrackingCommands.Redirect(c));
        sb.Append(" resp=").Append(c.Reply.Protocol);
        sb.Append(" lib-name=").Append(c.LibName ?? "");
        sb.Append(" lib-ver=").Append(c.LibVersion ?? "");
        sb.Append(" tot-net-in=").Append(c.NetInputBytes);
        sb.Append(" tot-net-out=").Append(c.NetOutputBytes);
        sb.Append(" tot-cmds=").Append(c.CommandsProcessed);
    }

    private static int DigitCount(long n) => n < 10 ? 1 : (int)Math.Floor(Math.Log10(n)) + 1;

    private static void AppendFlags(StringBuilder sb, Client c)
    {
        int start = sb.Length;
        if (c.IsMonitor) sb.Append('O');
        if (c.Subscriptions is { Total: > 0 }) sb.Append('P');
        if (c.Multi is { Active: true }) sb.Append('x');
        if (c.IsBlocked || c.IsPostponed) sb.Append('b');
        ClientTrackingCommands.AppendFlags(sb, c);
        if (c.Multi is { DirtyCas: true }) sb.Append('d');
        if (c.CloseAfterReply) sb.Append('c');
        if (c.InUnblockedQueue) sb.Append('u');
        if (c.CloseAsap) sb.Append('A');
        if (c.Kind == ConnectionKind.Unix) sb.Append('U');
        if (IsNoEvict(c)) sb.Append('e');
        if (IsNoTouch(c)) sb.Append('T');
        if (sb.Length == start) sb.Append('N');
    }
}
