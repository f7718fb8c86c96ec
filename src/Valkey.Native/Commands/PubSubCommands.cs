using Valkey.Native.Networking;
using Valkey.Native.Protocol;
using Valkey.Native.Server;

namespace Valkey.Native.Commands;

/// <summary>
/// Pub/sub commands (Valkey's pubsub.c): SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE, PUNSUBSCRIBE, PUBLISH,
/// SSUBSCRIBE, SUNSUBSCRIBE, SPUBLISH (standalone: one shard) and PUBSUB introspection. The
/// registry and delivery live in <see cref="Server.PubSub"/>. (Un)subscribe confirmations are
/// push replies and are written even under CLIENT REPLY OFF/SKIP, as Valkey's CLIENT_PUSHING.
/// </summary>
public static class PubSubCommands
{
    private const CommandFlags SubscribeFlags = CommandFlags.PubSub | CommandFlags.NoScript | CommandFlags.Loading | CommandFlags.Stale;
    private const CommandFlags IntrospectionFlags = CommandFlags.PubSub | CommandFlags.Loading | CommandFlags.Stale;

    public static readonly CommandSpec[] Commands =
    [
        new CommandSpec("subscribe", -2, SubscribeFlags | CommandFlags.Sentinel, AclCategories.None, Subscribe)
        { Group = "pubsub", Summary = "Listens for messages published to channels.", Since = "2.0.0", Complexity = "O(N) where N is the number of channels to subscribe to." },
        new CommandSpec("unsubscribe", -1, SubscribeFlags | CommandFlags.Sentinel, AclCategories.None, Unsubscribe)
        { Group = "pubsub", Summary = "Stops listening to messages posted to channels.", Since = "2.0.0", Complexity = "O(N) where N is the number of channels to unsubscribe." },
        new CommandSpec("psubscribe", -2, SubscribeFlags | CommandFlags.Sentinel, AclCategories.None, PSubscribe)
        { Group = "pubsub", Summary = "Listens for messages published to channels that match one or more patterns.", Since = "2.0.0", Complexity = "O(N) where N is the number of patterns to subscribe to." },
        new CommandSpec("punsubscribe", -1, SubscribeFlags | CommandFlags.Sentinel, AclCategories.None, PUnsubscribe)
        { Group = "pubsub", Summary = "Stops listening to messages published to channels that match one or more patterns.", Since = "2.0.0", Complexity = "O(N) where N is the number of patterns to unsubscribe." },
        new CommandSpec("publish", 3, CommandFlags.PubSub | CommandFlags.Loading | CommandFlags.Stale | CommandFlags.Fast | CommandFlags.MayReplicate | CommandFlags.Sentinel, AclCategories.None, Publish)
        { Group = "pubsub", Summary = "Posts a message to a channel.", Since = "2.0.0", Complexity = "O(N+M) where N is the number of clients subscribed to the receiving channel and M is the total number of subscribed patterns (by any client)." },
        new CommandSpec("ssubscribe", -2, SubscribeFlags, AclCategories.None, SSubscribe)
        {
            Group = "pubsub", Summary = "Listens for messages published to shard channels.", Since = "7.0.0", Complexity = "O(N) where N is the number of shard channels to subscribe to.",
            KeySpecs = [KeySpec.Index(1, KeySpecFlags.NotKey, lastKey: -1)],
        },
        new CommandSpec("sunsubscribe", -1, SubscribeFlags, AclCategories.None, SUnsubscribe)
        {
            Group = "pubsub", Summary = "Stops listening to messages posted to shard channels.", Since = "7.0.0", Complexity = "O(N) where N is the number of shard channels to unsubscribe.",
            KeySpecs = [KeySpec.Index(1, KeySpecFlags.NotKey, lastKey: -1)],
        },
        new CommandSpec("spublish", 3, CommandFlags.PubSub | CommandFlags.Loading | CommandFlags.Stale | CommandFlags.Fast | CommandFlags.MayReplicate, AclCategories.None, SPublish)
        {
            Group = "pubsub", Summary = "Post a message to a shard channel", Since = "7.0.0", Complexity = "O(N) where N is the number of clients subscribed to the receiving shard channel.",
            KeySpecs = [KeySpec.Index(1, KeySpecFlags.NotKey)],
        },
        new CommandSpec("pubsub", -2, CommandFlags.None, AclCategories.None, null)
        { Group = "pubsub", Summary = "A container for Pub/Sub commands.", Since = "2.8.0", Complexity = "Depends on subcommand." }
        .WithSubcommands(
            new CommandSpec("channels", -2, IntrospectionFlags, AclCategories.None, Channels)
            { Group = "pubsub", Summary = "Returns the active channels.", Since = "2.8.0", Complexity = "O(N) where N is the number of active channels, and assuming constant time pattern matching (relatively short channels and patterns)" },
            new CommandSpec("numsub", -2, IntrospectionFlags, AclCategories.None, NumSub)
            { Group = "pubsub", Summary = "Returns a count of subscribers to channels.", Since = "2.8.0", Complexity = "O(N) for the NUMSUB subcommand, where N is the number of requested channels" },
            new CommandSpec("numpat", 2, IntrospectionFlags, AclCategories.None, NumPat)
            { Group = "pubsub", Summary = "Returns a count of unique pattern subscriptions.", Since = "2.8.0", Complexity = "O(1)" },
            new CommandSpec("shardchannels", -2, IntrospectionFlags, AclCategories.None, ShardChannels)
            { Group = "pubsub", Summary = "Returns the active shard channels.", Since = "7.0.0", Complexity = "O(N) where N is the number of active shard channels, and assuming constant time pattern matching (relatively short shard channels)." },
            new CommandSpec("shardnumsub", -2, IntrospectionFlags, AclCategories.None, ShardNumSub)
            { Group = "pubsub", Summary = "Returns the count of subscribers of shard channels.", Since = "7.0.0", Complexity = "O(N) for the SHARDNUMSUB subcommand, where N is the number of requested shard channels" },
            new CommandSpec("help", 2, CommandFlags.Loading | CommandFlags.Stale, AclCategories.None, Help)
            { Group = "pubsub", Summary = "Returns helpful text about the different subcommands.", Since = "6.2.0", Complexity = "O(1)" }),
    ];

    /// <summary>Valkey's processCommand whitelist for a RESP2 client in the subscribed context.</summary>
    public static bool AllowedWhileSubscribed(CommandSpec cmd) => cmd.Name switch
    {
        "ping" or "subscribe" or "ssubscribe" or "unsubscribe" or "sunsubscribe" or "psubscribe" or "punsubscribe" or "quit" or "reset" => true,
        _ => false,
    };

    private static bool IsUnsubscribe(CommandSpec cmd) => cmd.Name is "unsubscribe" or "sunsubscribe" or "punsubscribe";

    /// <summary>
    /// The dispatcher's pub/sub context checks (Valkey's processCommand): a RESP2 client subscribed to
    /// anything may only run the whitelist; (P|S)UNSUBSCRIBE outside the subscribed mode is a NOSUB error.
    /// Returns the error text, or null when the command may run.
    /// </summary>
    public static string? ContextError(Client client, CommandSpec cmd)
    {
        bool subscribed = client.Subscriptions is { Total: > 0 };
        if (subscribed && client.Reply.Protocol == 2 && !AllowedWhileSubscribed(cmd)) return ErrorMessages.NotAllowedWhileSubscribed(cmd.FullName);
        if (!subscribed && IsUnsubscribe(cmd)) return ErrorMessages.NotSubscribed(cmd.FullName);
        return null;
    }

    private static bool s_resetHooked;

    /// <summary>RESET drops every subscription (Valkey's clearClientConnectionState); called once at start-up.</summary>
    internal static void HookConnectionReset()
    {
        if (s_resetHooked) return;
        s_resetHooked = true;
        ConnectionCommands.ConnectionReset += ctx => ctx.Server.PubSub.UnsubscribeAllSilently(ctx.Client);
    }

    // ---- subscribe / unsubscribe ---------------------------------------------------------

    private static void Subscribe(CommandContext ctx)
    {
        // Valkey refuses SUBSCRIBE for a deny-blocking client except inside MULTI; DenyBlocking is only
        // set by EXEC today (no scripting yet), so there is nothing to refuse. Scripting must add the check.
        var pubsub = ctx.Server.PubSub;
        for (int i = 1; i < ctx.ArgCount; i++)
        {
            pubsub.Subscribe(ctx.Client, ctx.Arg(i), ChannelKind.Global);
            AddConfirmation(ctx.Client, "subscribe"u8, ctx.Arg(i), ctx.Client.Subscriptions!.ChannelsAndPatterns);
        }
    }

    private static void SSubscribe(CommandContext ctx)
    {
        if (ctx.Client.DenyBlocking)
        {
            ctx.Reply.AddError(ErrorMessages.SubscribeDenyBlocking("SSUBSCRIBE"));
            return;
        }
        var pubsub = ctx.Server.PubSub;
        for (int i = 1; i < ctx.ArgCount; i++)
        {
            pubsub.Subscribe(ctx.Client, ctx.Arg(i), ChannelKind.Shard);
            AddConfirmation(ctx.Client, "ssubscribe"u8, ctx.Arg(i), ctx.Client.Subscriptions!.ShardChannels.Count);
        }
    }

    private static void PSubscribe(CommandContext ctx)
    {
        var pubsub = ctx.Server.PubSub;
        for (int i = 1; i < ctx.ArgCount; i++)
        {
            pubsub.SubscribePattern(ctx.Client, ctx.Arg(i));
            AddConfirmation(ctx.Client, "psubscribe"u8, ctx.Arg(i), ctx.Client.Subscriptions!.ChannelsAndPatterns);
        }
    }

    private static void Unsubscribe(CommandContext ctx) => UnsubscribeChannels(ctx, ChannelKind.Global, "unsubscribe"u8);

    private static void SUnsubscribe(CommandContext ctx) => UnsubscribeChannels(ctx, ChannelKind.Shard, "sunsubscribe"u8);

    private static void UnsubscribeChannels(CommandContext ctx, ChannelKind kind, ReadOnlySpan<byte> kindName)
    {
        var client = ctx.Client;
        var pubsub = ctx.Server.PubSub;
        if (ctx.ArgCount == 1)
        {
            int count = 0;
            var subs = client.Subscriptions;
            if (subs != null)
            {
                foreach (var channel in PubSub.Snapshot(kind == ChannelKind.Shard ? subs.ShardChannels : subs.Channels))
                {
                    if (pubsub.Unsubscribe(client, channel, kind)) count++;
                    AddConfirmation(client, kindName, channel, CountFor(client, kind));
                }
            }
            // Subscribed to nothing: still one confirmation, with a null channel.
            if (count == 0) AddConfirmation(client, kindName, default, CountFor(client, kind), nullChannel: true);
            return;
        }
        for (int i = 1; i < ctx.ArgCount; i++)
        {
            pubsub.Unsubscribe(client, ctx.Arg(i), kind);
            AddConfirmation(client, kindName, ctx.Arg(i), CountFor(client, kind));
        }
    }

    private static void PUnsubscribe(CommandContext ctx)
    {
        var client = ctx.Client;
        var pubsub = ctx.Server.PubSub;
        if (ctx.ArgCount == 1)
        {
            int count = 0;
            var subs = client.Subscriptions;
            if (subs != null)
            {
                foreach (var pattern in PubSub.Snapshot(subs.Patterns))
                {
                    if (pubsub.UnsubscribePattern(client, pattern)) count++;
                    AddConfirmation(client, "punsubscribe"u8, pattern, CountFor(client, ChannelKind.Global));
                }
            }
            if (count == 0) AddConfirmation(client, "punsubscribe"u8, default, CountFor(client, ChannelKind.Global), nullChannel: true);
            return;
        }
        for (int i = 1; i < ctx.ArgCount; i++)
        {
            pubsub.UnsubscribePattern(client, ctx.Arg(i));
            AddConfirmation(client, "punsubscribe"u8, ctx.Arg(i), CountFor(client, ChannelKind.Global));
        }
    }

    private static int CountFor(Client client, ChannelKind kind)
    {
        var subs = client.Subscriptions;
        if (subs == null) return 0;
        return kind == ChannelKind.Shard ? subs.ShardChannels.Count : subs.ChannelsAndPatterns;
    }

    /// <summary>[kind, channel|null, count] as an array (RESP2) or push (RESP3), never silenced.</summary>
    private static void AddConfirmation(Client client, ReadOnlySpan<byte> kind, ReadOnlySpan<byte> channel, int count, bool nullChannel = false)
    {
        var reply = client.Reply;
        bool enabled = reply.Enabled;
        reply.Enabled = true;
        reply.AddPushLength(3);
        reply.AddBulk(kind);
        if (nullChannel) reply.AddNull();
        else reply.AddBulk(channel);
        reply.AddInteger(count);
        reply.Enabled = enabled;
    }

    // ---- publish ---------------------------------------------------------------------------

    private static void Publish(CommandContext ctx) =>
        ctx.Reply.AddInteger(ctx.Server.PubSub.Publish(ctx.Arg(1), ctx.Arg(2), ChannelKind.Global));

    private static void SPublish(CommandContext ctx) =>
        ctx.Reply.AddInteger(ctx.Server.PubSub.Publish(ctx.Arg(1), ctx.Arg(2), ChannelKind.Shard));

    // ---- PUBSUB introspection -----------------------------------------------------------------

    private static void Channels(CommandContext ctx) => ChannelList(ctx, ChannelKind.Global);

    private static void ShardChannels(CommandContext ctx) => ChannelList(ctx, ChannelKind.Shard);

    private static void ChannelList(CommandContext ctx, ChannelKind kind)
    {
        if (ctx.ArgCount > 3)
        {
            ctx.Reply.AddError(ErrorMessages.SubcommandSyntax(ctx.ArgPrefix(1, 128), "PUBSUB"));
            return;
        }
        var names = new List<byte[]>();
        bool all = ctx.ArgCount == 2;
        ctx.Server.PubSub.CollectChannels(kind, all ? default : ctx.Arg(2), all, names);
        ctx.Reply.AddArrayLength(names.Count);
        foreach (var n in names) ctx.Reply.AddBulk(n);
    }

    private static void NumSub(CommandContext ctx) => SubscriberCounts(ctx, ChannelKind.Global);

    private static void ShardNumSub(CommandContext ctx) => SubscriberCounts(ctx, ChannelKind.Shard);

    private static void SubscriberCounts(CommandContext ctx, ChannelKind kind)
    {
        var pubsub = ctx.Server.PubSub;
        ctx.Reply.AddArrayLength((ctx.ArgCount - 2) * 2);
        for (int i = 2; i < ctx.ArgCount; i++)
        {
            ctx.Reply.AddBulk(ctx.Arg(i));
            ctx.Reply.AddInteger(pubsub.SubscriberCount(ctx.Arg(i), kind));
        }
    }

    private static void NumPat(CommandContext ctx) => ctx.Reply.AddInteger(ctx.Server.PubSub.PatternCount);

    private static readonly string[] HelpLines =
    [
        "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "CHANNELS [<pattern>]",
        "    Return the currently active channels matching a <pattern> (default: '*').",
        "NUMPAT",
        "    Return number of subscriptions to patterns.",
        "NUMSUB [<channel> ...]",
        "    Return the number of subscribers for the specified channels, excluding",
        "    pattern subscriptions(default: no channels).",
        "SHARDCHANNELS [<pattern>]",
        "    Return the currently active shard level channels matching a <pattern> (default: '*').",
        "SHARDNUMSUB [<shardchannel> ...]",
        "    Return the number of subscribers for the specified shard level channel(s)",
        "HELP",
        "    Print this help.",
    ];

    private static void Help(CommandContext ctx) => ctx.Reply.AddHelp(HelpLines);
}
