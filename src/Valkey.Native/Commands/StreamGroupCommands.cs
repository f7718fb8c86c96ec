using Valkey.Native.Protocol;
using Valkey.Native.Server;
using Valkey.Native.Storage;
using static Valkey.Native.Commands.KeySpecFlags;

namespace Valkey.Native.Commands;

/// <summary>
/// Stream consumer groups (Valkey's t_stream.c): XGROUP, XREADGROUP, XACK, XPENDING, XCLAIM,
/// XAUTOCLAIM and XINFO. Groups, consumers and PELs live in <see cref="StreamGroups"/>; entries
/// are read through <see cref="StreamValue"/>. Entries-read and lag follow Valkey exactly
/// (streamRangeHasTombstones / streamEstimateDistanceFromFirstEverEntry).
/// </summary>
public static unsafe class StreamGroupCommands
{
    private const AclCategories StreamAcl = AclCategories.Stream;
    private const string Nondeterministic = "nondeterministic_output";

    public static readonly CommandSpec[] Commands =
    [
        new CommandSpec("xgroup", -2, CommandFlags.None, AclCategories.Slow, null)
        {
            Group = "stream", Summary = "A container for consumer groups commands.", Since = "5.0.0", Complexity = "Depends on subcommand.",
        }.WithSubcommands(
            new CommandSpec("create", -5, CommandFlags.Write | CommandFlags.DenyOom, StreamAcl, XGroup)
            {
                Group = "stream", Summary = "Creates a consumer group.", Since = "5.0.0", Complexity = "O(1)",
                KeySpecs = [KeySpec.Index(2, RW | Insert)],
                History = [("7.0.0", "Added the `entries_read` named argument.")],
            },
            new CommandSpec("createconsumer", 5, CommandFlags.Write | CommandFlags.DenyOom, StreamAcl, XGroup)
            {
                Group = "stream", Summary = "Creates a consumer in a consumer group.", Since = "6.2.0", Complexity = "O(1)",
                KeySpecs = [KeySpec.Index(2, RW | Insert)],
            },
            new CommandSpec("delconsumer", 5, CommandFlags.Write, StreamAcl, XGroup)
            {
                Group = "stream", Summary = "Deletes a consumer from a consumer group.", Since = "5.0.0", Complexity = "O(1)",
                KeySpecs = [KeySpec.Index(2, RW | Delete)],
            },
            new CommandSpec("destroy", 4, CommandFlags.Write, StreamAcl, XGroup)
            {
                Group = "stream", Summary = "Destroys a consumer group.", Since = "5.0.0",
                Complexity = "O(N) where N is the number of entries in the group's pending entries list (PEL).",
                KeySpecs = [KeySpec.Index(2, RW | Delete)],
            },
            new CommandSpec("help", 2, CommandFlags.Loading | CommandFlags.Stale, StreamAcl, XGroup)
            {
                Group = "stream", Summary = "Returns helpful text about the different subcommands.", Since = "5.0.0", Complexity = "O(1)",
            },
            new CommandSpec("setid", -5, CommandFlags.Write, StreamAcl, XGroup)
            {
                Group = "stream", Summary = "Sets the last-delivered ID of a consumer group.", Since = "5.0.0", Complexity = "O(1)",
                KeySpecs = [KeySpec.Index(2, RW | Update)],
                History = [("7.0.0", "Added the optional `entries_read` argument.")],
            }),
        new CommandSpec("xreadgroup", -7, CommandFlags.Blocking | CommandFlags.Write, StreamAcl, XReadGroup)
        {
            Group = "stream", Since = "5.0.0",
            Summary = "Returns new or historical messages from a stream for a consumer in a group. Blocks until a message is available otherwise.",
            Complexity = "For each stream mentioned: O(M) with M being the number of elements returned. If M is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1). On the other side when XREADGROUP blocks, XADD will pay the O(N) time in order to serve the N clients blocked on the stream getting new data.",
            KeySpecs = [KeySpec.AfterKeyword("STREAMS", 4, RO | Access, lastKey: -1, step: 1, limit: 2)],
            Keys = StreamCommands.XReadKeys,
        },
        new CommandSpec("xack", -4, CommandFlags.Write | CommandFlags.Fast, StreamAcl, XAck)
        {
            Group = "stream", Since = "5.0.0",
            Summary = "Returns the number of messages that were successfully acknowledged by the consumer group member of a stream.",
            Complexity = "O(1) for each message ID processed.",
            KeySpecs = [KeySpec.Index(1, RW | Update)],
        },
        new CommandSpec("xpending", -3, CommandFlags.ReadOnly, StreamAcl, XPending)
        {
            Group = "stream", Since = "5.0.0",
            Summary = "Returns the information and entries from a stream consumer group's pending entries list.",
            Complexity = "O(N) with N being the number of elements returned, so asking for a small fixed number of entries per call is O(1). O(M), where M is the total number of entries scanned when used with the IDLE filter. When the command returns just the summary and the list of consumers is small, it runs in O(1) time; otherwise, an additional O(N) time for iterating every consumer.",
            KeySpecs = [KeySpec.Index(1, RO | Access)],
            History = [("6.2.0", "Added the `IDLE` option and exclusive range intervals.")],
            Tips = [Nondeterministic],
        },
        new CommandSpec("xclaim", -6, CommandFlags.Write | CommandFlags.Fast, StreamAcl, XClaim)
        {
            Group = "stream", Since = "5.0.0",
            Summary = "Changes, or acquires, ownership of a message in a consumer group, as if the message was delivered a consumer group member.",
            Complexity = "O(log N) with N being the number of messages in the PEL of the consumer group.",
            KeySpecs = [KeySpec.Index(1, RW | Update)],
            Tips = [Nondeterministic],
        },
        new CommandSpec("xautoclaim", -6, CommandFlags.Write | CommandFlags.Fast, StreamAcl, XAutoClaim)
        {
            Group = "stream", Since = "6.2.0",
            Summary = "Changes, or acquires, ownership of messages in a consumer group, as if the messages were delivered to as consumer group member.",
            Complexity = "O(1) if COUNT is small.",
            KeySpecs = [KeySpec.Index(1, RW | Delete)],
            History = [("7.0.0", "Added an element to the reply array, containing deleted entries the command cleared from the PEL")],
            Tips = [Nondeterministic],
        },
        new CommandSpec("xinfo", -2, CommandFlags.None, AclCategories.Slow, null)
        {
            Group = "stream", Summary = "A container for stream introspection commands.", Since = "5.0.0", Complexity = "Depends on subcommand.",
        }.WithSubcommands(
            new CommandSpec("consumers", 4, CommandFlags.ReadOnly, StreamAcl, XInfoConsumers)
            {
                Group = "stream", Summary = "Returns a list of the consumers in a consumer group.", Since = "5.0.0", Complexity = "O(1)",
                KeySpecs = [KeySpec.Index(2, RO | Access)],
                History = [("7.2.0", "Added the `inactive` field, and changed the meaning of `idle`.")],
                Tips = [Nondeterministic],
            },
            new CommandSpec("groups", 3, CommandFlags.ReadOnly, StreamAcl, XInfoGroups)
            {
                Group = "stream", Summary = "Returns a list of the consumer groups of a stream.", Since = "5.0.0", Complexity = "O(1)",
                KeySpecs = [KeySpec.Index(2, RO | Access)],
                History = [("7.0.0", "Added the `entries-read` and `lag` fields")],
            },
            new CommandSpec("help", 2, CommandFlags.Loading | CommandFlags.Stale, StreamAcl, XInfoHelp)
            {
                Group = "stream", Summary = "Returns helpful text about the different subcommands.", Since = "5.0.0", Complexity = "O(1)",
            },
            new CommandSpec("stream", -3, CommandFlags.ReadOnly, StreamAcl, XInfoStream)
            {
                Group = "stream", Summary = "Returns information about a stream.", Since = "5.0.0", Complexity = "O(1)",
                KeySpecs = [KeySpec.Index(2, RO | Access)],
                History =
                [
                    ("6.0.0", "Added the `FULL` modifier."),
                    ("7.0.0", "Added the `max-deleted-entry-id`, `entries-added`, `recorded-first-entry-id`, `entries-read` and `lag` fields"),
                    ("7.2.0", "Added the `active-time` field, and changed the meaning of `seen-time`."),
                ],
            }),
    ];

    // ---- shared helpers ------------------------------------------------------------------------

    private static void AddId(ReplyWriter reply, StreamId id)
    {
        Span<byte> text = stackalloc byte[StreamId.MaxTextLength];
        reply.AddBulk(text[..id.Format(text)]);
    }

    private static string Text(ReadOnlySpan<byte> bytes) => System.Text.Encoding.UTF8.GetString(bytes);

    private static StreamGroupSet? GroupsOf(CommandContext ctx, ValueHeader* h) =>
        StreamGroups.Get(ctx.Keyspace, StreamValue.GroupsRef(h));

    private static StreamConsumerGroup? FindGroup(CommandContext ctx, ValueHeader* h, ReadOnlySpan<byte> name) =>
        GroupsOf(ctx, h)?.Find(name);

    /// <summary>streamCreateConsumer with the default flags: counts as a change and fires xgroup-createconsumer.</summary>
    private static StreamConsumer? CreateConsumer(CommandContext ctx, StreamConsumerGroup group, ReadOnlySpan<byte> name, ReadOnlySpan<byte> key)
    {
        var consumer = group.CreateConsumer(ctx.Arena, name, ctx.Keyspace.NowMs);
        if (consumer == null) return null;
        ctx.MarkDirty();
        ctx.Server.Notify(NotifyClass.Stream, "xgroup-createconsumer", key, ctx.Db.Id);
        return consumer;
    }

    private static StreamConsumer LookupOrCreateConsumer(CommandContext ctx, StreamConsumerGroup group, ReadOnlySpan<byte> name, ReadOnlySpan<byte> key) =>
        group.FindConsumer(name) ?? CreateConsumer(ctx, group, name, key)!;

    /// <summary>Valkey's streamReplyWithCGLag: the group's lag, or null when it cannot be known.</summary>
    private static void AddLag(ReplyWriter reply, ValueHeader* h, StreamConsumerGroup group)
    {
        long entriesAdded = StreamValue.EntriesAdded(h);
        if (entriesAdded == 0)
        {
            reply.AddInteger(0);
            return;
        }
        if (group.EntriesRead != StreamConsumerGroup.InvalidEntriesRead
            && !StreamValue.RangeHasTombstones(h, group.LastId, StreamId.Max))
        {
            reply.AddInteger(entriesAdded - group.EntriesRead);
            return;
        }
        long estimate = StreamValue.EstimateDistanceFromFirstEverEntry(h, group.LastId);
        if (estimate != StreamValue.InvalidEntriesRead) reply.AddInteger(entriesAdded - estimate);
        else reply.AddNull();
    }

    private static void AddEntriesRead(ReplyWriter reply, StreamConsumerGroup group)
    {
        if (group.EntriesRead != StreamConsumerGroup.InvalidEntriesRead) reply.AddInteger(group.EntriesRead);
        else reply.AddNull();
    }

    // ---- propagation (AOF / replicas): what Valkey's t_stream.c emits instead of the command ----

    /// <summary>
    /// streamPropagateXCLAIM: an idempotent "XCLAIM key group consumer 0 id TIME t RETRYCOUNT n FORCE
    /// JUSTID LASTID last" recreating (or, for a deleted entry, dropping) the NACK on the other side.
    /// </summary>
    private static void PropagateXClaim(CommandContext ctx, int keyArg, int groupArg, StreamConsumerGroup group, PelNode* nack, ReadOnlySpan<byte> idText)
    {
        if (!ctx.Propagating) return;
        Span<byte> last = stackalloc byte[StreamId.MaxTextLength];
        ctx.AlsoPropagate(14).Arg("XCLAIM"u8).Arg(ctx, keyArg).Arg(ctx, groupArg).Arg(group.ConsumerById(nack->ConsumerId).Name)
            .Arg("0"u8).Arg(idText).Arg("TIME"u8).Arg(nack->DeliveryTime).Arg("RETRYCOUNT"u8).Arg(nack->DeliveryCount)
            .Arg("FORCE"u8).Arg("JUSTID"u8).Arg("LASTID"u8).Arg(last[..group.LastId.Format(last)]);
    }

    private static void PropagateXClaim(CommandContext ctx, int keyArg, int groupArg, StreamConsumerGroup group, PelNode* nack, StreamId id)
    {
        if (!ctx.Propagating) return;
        Span<byte> text = stackalloc byte[StreamId.MaxTextLength];
        PropagateXClaim(ctx, keyArg, groupArg, group, nack, text[..id.Format(text)]);
    }

    /// <summary>streamPropagateGroupID: "XGROUP SETID key group last-id ENTRIESREAD n".</summary>
    private static void PropagateGroupId(CommandContext ctx, int keyArg, int groupArg, StreamConsumerGroup group)
    {
        if (!ctx.Propagating) return;
        Span<byte> last = stackalloc byte[StreamId.MaxTextLength];
        ctx.AlsoPropagate(7).Arg("XGROUP"u8).Arg("SETID"u8).Arg(ctx, keyArg).Arg(ctx, groupArg)
            .Arg(last[..group.LastId.Format(last)]).Arg("ENTRIESREAD"u8).Arg(group.EntriesRead);
    }

    // ---- XGROUP --------------------------------------------------------------------------------

    private static readonly string[] XGroupHelpLines =
    [
        "CREATE <key> <groupname> <id|$> [option]",
        "    Create a new consumer group. Options are:",
        "    * MKSTREAM",
        "      Create the empty stream if it does not exist.",
        "    * ENTRIESREAD entries_read",
        "      Set the group's entries_read counter (internal use).",
        "CREATECONSUMER <key> <groupname> <consumer>",
        "    Create a new consumer in the specified group.",
        "DELCONSUMER <key> <groupname> <consumer>",
        "    Remove the specified consumer.",
        "DESTROY <key> <groupname>",
        "    Remove the specified group.",
        "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
        "    Set the current group ID and entries_read counter.",
    ];

    /// <summary>XGROUP CREATE / SETID / DESTROY / CREATECONSUMER / DELCONSUMER / HELP, checked in xgroupCommand's order.</summary>
    private static void XGroup(CommandContext ctx)
    {
        int argc = ctx.ArgCount;
        bool create = ctx.ArgIs(1, "create"u8), setId = ctx.ArgIs(1, "setid"u8);
        if (ctx.ArgIs(1, "help"u8))
        {
            ctx.ReplyHelpWithHeader(XGroupHelpLines);
            return;
        }
        bool mkStream = false;
        long entriesRead = StreamConsumerGroup.InvalidEntriesRead;
        for (int i = 5; i < argc;)
        {
            if (create && ctx.ArgIs(i, "mkstream"u8))
            {
                mkStream = true;
                i++;
            }
            else if ((create || setId) && ctx.ArgIs(i, "entriesread"u8) && i + 1 < argc)
            {
                if (!ctx.TryGetInt64OrReply(i + 1, out entriesRead)) return;
                if (entriesRead < 0 && entriesRead != StreamConsumerGroup.InvalidEntriesRead)
                {
                    ctx.Reply.AddError(ErrorMessages.XGroupEntriesRead);
                    return;
                }
                i += 2;
            }
            else
            {
                ctx.ReplySubcommandSyntaxError();
                return;
            }
        }

        ReadOnlySpan<byte> key = ctx.Arg(2);
        ReadOnlySpan<byte> groupName = ctx.Arg(3);
        byte* entry = ctx.LookupWriteOfType(key, DataType.Stream, out bool wrongType);
        if (wrongType) return;
        ValueHeader* h = entry == null ? null : Database.Header(entry);
        StreamConsumerGroup? group = null;
        if (!mkStream)
        {
            if (h == null)
            {
                ctx.Reply.AddError(ErrorMessages.XGroupKeyMissing);
                return;
            }
            group = FindGroup(ctx, h, groupName);
            if (group == null && !create && !ctx.ArgIs(1, "destroy"u8))
            {
                ctx.Reply.AddError(ErrorMessages.NoGroupForKey(Text(groupName), Text(key)));
                return;
            }
        }

        if (create)
        {
            if (argc > 8)
            {
                ctx.ReplySubcommandSyntaxError();
                return;
            }
            StreamId id;
            if (ctx.Arg(4).SequenceEqual("$"u8)) id = h != null ? StreamValue.LastId(h) : StreamId.Min;
            else if (!ctx.TryGetStrictStreamIdOrReply(4, 0, out id)) return;
            if (h == null)
            {
                entry = StreamValue.CreateEmpty(ctx.Db, key);
                h = Database.Header(entry);
                ctx.Server.KeyModified(ctx.Db, key);
            }
            ref long groupsRef = ref StreamValue.GroupsRef(h);
            StreamGroupSet set;
            if (groupsRef == 0) groupsRef = StreamGroups.CreateSet(ctx.Keyspace, out set);
            else set = StreamGroups.Get(ctx.Keyspace, groupsRef)!;
            if (StreamGroups.CreateGroup(ctx.Keyspace, set, groupName, id, entriesRead) == null)
            {
                ctx.Reply.AddError(ErrorMessages.XGroupBusy);
                return;
            }
            ctx.Reply.AddOk();
            ctx.MarkDirty();
            ctx.Server.Notify(NotifyClass.Stream, "xgroup-create", key, ctx.Db.Id);
        }
        else if (setId)
        {
            if (argc != 5 && argc != 7)
            {
                ctx.ReplySubcommandSyntaxError();
                return;
            }
            StreamId id;
            if (ctx.Arg(4).SequenceEqual("$"u8)) id = StreamValue.LastId(h);
            else if (!ctx.TryGetStreamIdOrReply(4, 0, out id)) return;
            group!.LastId = id;
            group.EntriesRead = entriesRead;
            ctx.Reply.AddOk();
            ctx.MarkDirty();
            ctx.Server.Notify(NotifyClass.Stream, "xgroup-setid", key, ctx.Db.Id);
        }
        else if (ctx.ArgIs(1, "destroy"u8))
        {
            if (group == null)
            {
                ctx.Reply.AddInteger(0);
                return;
            }
            StreamGroups.DestroyGroup(ctx.Keyspace, GroupsOf(ctx, h)!, groupName);
            ctx.Reply.AddInteger(1);
            ctx.MarkDirty();
            ctx.Server.Notify(NotifyClass.Stream, "xgroup-destroy", key, ctx.Db.Id);
            // Blocked XREADGROUP clients re-run and get -NOGROUP.
            ctx.Db.SignalKeyAsReady(key, DataType.Stream);
        }
        else if (ctx.ArgIs(1, "createconsumer"u8))
        {
            ctx.Reply.AddInteger(CreateConsumer(ctx, group!, ctx.Arg(4), key) != null ? 1 : 0);
        }
        else
        {
            // DELCONSUMER
            long pending = 0;
            var consumer = group!.FindConsumer(ctx.Arg(4));
            if (consumer != null)
            {
                pending = group.DeleteConsumer(ctx.Arena, consumer);
                ctx.MarkDirty();
                ctx.Server.Notify(NotifyClass.Stream, "xgroup-delconsumer", key, ctx.Db.Id);
            }
            ctx.Reply.AddInteger(pending);
        }
    }

    // ---- XREADGROUP ----------------------------------------------------------------------------

    /// <summary>
    /// XREADGROUP GROUP g c [COUNT n] [BLOCK ms] [NOACK] STREAMS k... id...: xreadCommand's group
    /// path. "&gt;" serves entries after the group's last ID (creating NACKs unless NOACK); any
    /// other ID serves the consumer's own history. Blocks (re-executed on XADD, group destroy or
    /// key deletion) only when every stream asked for "&gt;" and none had new entries.
    /// </summary>
    private static void XReadGroup(CommandContext ctx)
    {
        if (!StreamCommands.XReadArgs.TryParseOrReply(ctx, group: true, out var args)) return;
        int streamsArg = args.StreamsArg, streams = args.Streams, groupArg = args.GroupArg;
        long count = args.Count;
        bool noAck = args.NoAck;
        ReadOnlySpan<byte> groupName = ctx.Arg(groupArg);
        ReadOnlySpan<byte> consumerName = ctx.Arg(groupArg + 1);

        // Validate every key, group and ID before serving anything, as Valkey does.
        Span<StreamId> ids = streams <= 16 ? stackalloc StreamId[streams] : new StreamId[streams];
        for (int i = 0; i < streams; i++)
        {
            ReadOnlySpan<byte> key = ctx.Arg(streamsArg + i);
            byte* entry = ctx.LookupReadOfType(key, DataType.Stream, out bool wrongType);
            if (wrongType) return;
            if (entry == null || FindGroup(ctx, Database.Header(entry), groupName) == null)
            {
                ctx.Reply.AddError(ErrorMessages.NoKeyOrGroupXReadGroup(Text(key), Text(groupName)));
                return;
            }
            int idArg = streamsArg + streams + i;
            ReadOnlySpan<byte> idText = ctx.Arg(idArg);
            if (idText.SequenceEqual("$"u8))
            {
                ctx.Reply.AddError(ErrorMessages.XReadGroupDollar);
                return;
            }
            if (idText.SequenceEqual("+"u8))
            {
                ctx.Reply.AddError(ErrorMessages.XReadGroupPlus);
                return;
            }
            if (idText.SequenceEqual(">"u8)) ids[i] = StreamId.Max;
            else if (!ctx.TryGetStrictStreamIdOrReply(idArg, 0, out ids[i])) return;
        }

        // XREADGROUP itself never propagates: its effects go out as XCLAIM / XGROUP commands.
        ctx.PreventPropagation();
        var reply = ctx.Reply;
        long served = 0;
        int handle = -1;
        for (int i = 0; i < streams; i++)
        {
            ReadOnlySpan<byte> key = ctx.Arg(streamsArg + i);
            // A second read lookup per key, as xreadCommand does (keyspace hits count twice there too).
            ValueHeader* h = Database.Header(ctx.Db.LookupRead(key));
            StreamConsumerGroup group = FindGroup(ctx, h, groupName)!;
            StreamId after = ids[i];
            bool serve = false, history = false;
            if (after != StreamId.Max)
            {
                serve = true;
                history = true;
            }
            else if (StreamValue.Length(h) > 0 && StreamValue.LastLiveId(h) > group.LastId)
            {
                serve = true;
                after = group.LastId;
            }
            StreamConsumer? consumer = group.FindConsumer(consumerName);
            if (consumer == null)
            {
                consumer = CreateConsumer(ctx, group, consumerName, key)!;
                // Without NOACK the XCLAIMs of the deliveries create it on the other side.
                if (noAck && ctx.Propagating)
                {
                    ctx.AlsoPropagate(5).Arg("XGROUP"u8).Arg("CREATECONSUMER"u8).Arg(key).Arg(groupName).Arg(consumerName);
                }
            }
            consumer.SeenTime = ctx.Keyspace.NowMs;
            if (!serve) continue;

            if (served++ == 0) handle = reply.BeginDeferredLength();
            if (reply.Protocol == 2) reply.AddArrayLength(2);
            reply.AddBulk(key);
            // Ranges are inclusive: start right after the given ID (wrapping to 0-0 as streamIncrID).
            StreamId start = after.TryIncrement(out var next) ? next : StreamId.Min;
            if (history) ReplyConsumerHistory(ctx, h, start, count, consumer);
            else ReplyNewEntries(ctx, h, start, count, group, consumer, noAck, streamsArg + i, groupArg);
            ctx.MarkDirty();
        }
        if (served > 0)
        {
            if (reply.Protocol == 2) reply.SetDeferredArrayLength(handle, served);
            else reply.SetDeferredMapLength(handle, served);
            return;
        }
        if (args.Block)
        {
            if (ctx.Client.DenyBlocking)
            {
                reply.AddNullArray();
                return;
            }
            ctx.BlockForKeys(BlockType.Stream, streamsArg, streams, args.TimeoutMs, unblockOnNoKey: true);
            return;
        }
        reply.AddNullArray();
    }

    /// <summary>
    /// streamReplyWithRange with a group: entries from <paramref name="start"/> on, advancing the
    /// group's last ID and entries-read, and (without NOACK) recording each delivery in the PELs,
    /// taking over a NACK another consumer held (possible after XGROUP SETID).
    /// </summary>
    private static void ReplyNewEntries(CommandContext ctx, ValueHeader* h, StreamId start, long count,
        StreamConsumerGroup group, StreamConsumer consumer, bool noAck, int keyArg, int groupArg)
    {
        bool lastIdMoved = false;
        var reply = ctx.Reply;
        Arena arena = ctx.Arena;
        long now = ctx.Keyspace.NowMs;
        int handle = reply.BeginDeferredLength();
        long n = 0;
        var it = StreamValue.Iterate(h, start, StreamId.Max);
        while (it.MoveNext())
        {
            StreamId id = it.Id;
            if (id > group.LastId)
            {
                if (group.EntriesRead != StreamConsumerGroup.InvalidEntriesRead && !StreamValue.RangeHasTombstones(h, id, StreamId.Max))
                {
                    group.EntriesRead++;
                }
                else if (StreamValue.EntriesAdded(h) != 0)
                {
                    group.EntriesRead = StreamValue.EstimateDistanceFromFirstEverEntry(h, id);
                }
                group.LastId = id;
                lastIdMoved = true;
            }
            StreamValue.WriteEntry(reply, ref it);
            if (!noAck)
            {
                PelNode* nack = group.AddNack(arena, id, out _);
                nack->DeliveryTime = now;
                nack->DeliveryCount = 1;
                group.SetOwner(arena, nack, consumer);
                consumer.ActiveTime = now;
                PropagateXClaim(ctx, keyArg, groupArg, group, nack, id);
            }
            n++;
            if (count != 0 && n == count) break;
        }
        reply.SetDeferredArrayLength(handle, n);
        if (lastIdMoved) PropagateGroupId(ctx, keyArg, groupArg, group);
    }

    /// <summary>
    /// streamReplyWithRangeFromConsumerPEL: the consumer's pending entries from <paramref name="start"/>,
    /// each delivery counted again; an entry deleted meanwhile comes back as [id, nil].
    /// </summary>
    private static void ReplyConsumerHistory(CommandContext ctx, ValueHeader* h, StreamId start, long count, StreamConsumer consumer)
    {
        var reply = ctx.Reply;
        long now = ctx.Keyspace.NowMs;
        int handle = reply.BeginDeferredLength();
        long n = 0;
        for (PelNode* link = PelList.SeekGreaterOrEqual(consumer.Pel, start); link != null && (count == 0 || n < count); link = PelNode.Next(link))
        {
            if (StreamValue.TryWriteEntry(reply, h, link->Id))
            {
                link->Nack->DeliveryTime = now;
                link->Nack->DeliveryCount++;
            }
            else
            {
                reply.AddArrayLength(2);
                AddId(reply, link->Id);
                reply.AddNullArray();
            }
            n++;
        }
        reply.SetDeferredArrayLength(handle, n);
    }

    // ---- XACK ----------------------------------------------------------------------------------

    /// <summary>XACK key group id...: removes the IDs from the group and owner PELs; all IDs are parsed first.</summary>
    private static void XAck(CommandContext ctx)
    {
        ReadOnlySpan<byte> key = ctx.Arg(1);
        byte* entry = ctx.LookupReadOfType(key, DataType.Stream, out bool wrongType);
        if (wrongType) return;
        StreamConsumerGroup? group = entry == null ? null : FindGroup(ctx, Database.Header(entry), ctx.Arg(2));
        if (group == null)
        {
            ctx.Reply.AddInteger(0);
            return;
        }
        int n = ctx.ArgCount - 3;
        Span<StreamId> ids = n <= 16 ? stackalloc StreamId[n] : new StreamId[n];
        for (int j = 0; j < n; j++)
        {
            if (!ctx.TryGetStrictStreamIdOrReply(3 + j, 0, out ids[j])) return;
        }
        long acknowledged = 0;
        foreach (var id in ids)
        {
            if (group.RemoveNack(ctx.Arena, id)) acknowledged++;
        }
        ctx.MarkDirty(acknowledged);
        ctx.Reply.AddInteger(acknowledged);
    }

    // ---- XPENDING ------------------------------------------------------------------------------

    /// <summary>XPENDING key group [[IDLE ms] start end count [consumer]]: the summary or the extended form.</summary>
    private static void XPending(CommandContext ctx)
    {
        int argc = ctx.ArgCount;
        bool summary = argc == 3;
        if (!summary && (argc < 6 || argc > 9))
        {
            ctx.Reply.AddError(ErrorMessages.Syntax);
            return;
        }
        long count = 0, minIdle = 0;
        StreamId start = default, end = default;
        int consumerArg = -1;
        if (argc >= 6)
        {
            int startIdx = 3;
            if (ctx.ArgIs(3, "idle"u8))
            {
                if (!ctx.TryGetInt64OrReply(4, out minIdle)) return;
                if (argc < 8)
                {
                    ctx.Reply.AddError(ErrorMessages.Syntax);
                    return;
                }
                startIdx += 2;
            }
            if (!ctx.TryGetInt64OrReply(startIdx + 2, out count)) return;
            if (count < 0) count = 0;
            if (!ctx.TryGetIntervalStreamIdOrReply(startIdx, 0, out start, out bool startEx)) return;
            if (startEx && !start.TryIncrement(out start))
            {
                ctx.Reply.AddError(ErrorMessages.StreamInvalidStartInterval);
                return;
            }
            if (!ctx.TryGetIntervalStreamIdOrReply(startIdx + 1, ulong.MaxValue, out end, out bool endEx)) return;
            if (endEx && !end.TryDecrement(out end))
            {
                ctx.Reply.AddError(ErrorMessages.StreamInvalidEndInterval);
                return;
            }
            if (startIdx + 3 < argc) consumerArg = startIdx + 3;
        }

        ReadOnlySpan<byte> key = ctx.Arg(1);
        byte* entry = ctx.LookupReadOfType(key, DataType.Stream, out bool wrongType);
        if (wrongType) return;
        StreamConsumerGroup? group = entry == null ? null : FindGroup(ctx, Database.Header(entry), ctx.Arg(2));
        if (group == null)
        {
            ctx.Reply.AddError(ErrorMessages.NoKeyOrGroup(Text(key), ctx.ArgString(2)));
            return;
        }
        var reply = ctx.Reply;
        if (summary)
        {
            reply.AddArrayLength(4);
            reply.AddInteger(group.Pel->Count);
            if (group.Pel->Count == 0)
            {
                reply.AddNull();
                reply.AddNull();
                reply.AddNullArray();
                return;
            }
            AddId(reply, PelList.First(group.Pel)->Id);
            AddId(reply, PelList.Last(group.Pel)->Id);
            int handle = reply.BeginDeferredLength();
            long withPending = 0;
            foreach (var consumer in group.Consumers)
            {
                if (consumer.PendingCount == 0) continue;
                reply.AddArrayLength(2);
                reply.AddBulk(consumer.Name);
                reply.AddBulk(consumer.PendingCount);
                withPending++;
            }
            reply.SetDeferredArrayLength(handle, withPending);
            return;
        }

        PelList* pel = group.Pel;
        bool ofConsumer = false;
        if (consumerArg > 0)
        {
            var consumer = group.FindConsumer(ctx.Arg(consumerArg));
            if (consumer == null)
            {
                reply.AddEmptyArray();
                return;
            }
            pel = consumer.Pel;
            ofConsumer = true;
        }
        long now = ctx.Keyspace.NowMs;
        int listHandle = reply.BeginDeferredLength();
        long written = 0;
        for (PelNode* node = PelList.SeekGreaterOrEqual(pel, start); count > 0 && node != null && node->Id <= end; node = PelNode.Next(node))
        {
            PelNode* nack = ofConsumer ? node->Nack : node;
            if (minIdle != 0 && now - nack->DeliveryTime < minIdle) continue;
            written++;
            count--;
            reply.AddArrayLength(4);
            AddId(reply, node->Id);
            reply.AddBulk(group.ConsumerById(nack->ConsumerId).Name);
            reply.AddInteger(Math.Max(0, now - nack->DeliveryTime));
            reply.AddInteger(nack->DeliveryCount);
        }
        reply.SetDeferredArrayLength(listHandle, written);
    }

    // ---- XCLAIM / XAUTOCLAIM --------------------------------------------------------------------

    /// <summary>
    /// XCLAIM key group consumer min-idle id... [IDLE ms] [TIME ms] [RETRYCOUNT n] [FORCE] [JUSTID] [LASTID id]:
    /// IDs are read until the first argument that is not one; options follow. NACKs of deleted
    /// entries are dropped from the PEL.
    /// </summary>
    private static void XClaim(CommandContext ctx)
    {
        int argc = ctx.ArgCount;
        ReadOnlySpan<byte> key = ctx.Arg(1);
        byte* entry = ctx.LookupReadOfType(key, DataType.Stream, out bool wrongType);
        if (wrongType) return;
        ValueHeader* h = entry == null ? null : Database.Header(entry);
        StreamConsumerGroup? group = h == null ? null : FindGroup(ctx, h, ctx.Arg(2));
        if (group == null)
        {
            ctx.Reply.AddError(ErrorMessages.NoKeyOrGroup(Text(key), ctx.ArgString(2)));
            return;
        }
        if (!ctx.TryGetInt64OrReply(4, out long minIdle, ErrorMessages.XClaimMinIdle)) return;
        if (minIdle < 0) minIdle = 0;

        int maxIds = argc - 5;
        Span<StreamId> ids = maxIds <= 16 ? stackalloc StreamId[maxIds] : new StreamId[maxIds];
        int j = 5;
        for (; j < argc; j++)
        {
            if (!StreamId.TryParse(ctx.Arg(j), 0, strict: true, allowAutoSeq: false, out ids[j - 5], out _)) break;
        }
        int idCount = j - 5;

        long now = ctx.Keyspace.NowMs;
        long deliveryTime = -1, retryCount = -1;
        bool force = false, justId = false;
        StreamId lastId = StreamId.Min;
        for (; j < argc; j++)
        {
            int moreArgs = argc - 1 - j;
            if (ctx.ArgIs(j, "force"u8)) force = true;
            else if (ctx.ArgIs(j, "justid"u8)) justId = true;
            else if (ctx.ArgIs(j, "idle"u8) && moreArgs > 0)
            {
                j++;
                if (!ctx.TryGetInt64OrReply(j, out deliveryTime, ErrorMessages.XClaimIdle)) return;
                deliveryTime = now - deliveryTime;
            }
            else if (ctx.ArgIs(j, "time"u8) && moreArgs > 0)
            {
                j++;
                if (!ctx.TryGetInt64OrReply(j, out deliveryTime, ErrorMessages.XClaimTime)) return;
            }
            else if (ctx.ArgIs(j, "retrycount"u8) && moreArgs > 0)
            {
                j++;
                if (!ctx.TryGetInt64OrReply(j, out retryCount, ErrorMessages.XClaimRetryCount)) return;
            }
            else if (ctx.ArgIs(j, "lastid"u8) && moreArgs > 0)
            {
                j++;
                if (!ctx.TryGetStrictStreamIdOrReply(j, 0, out lastId)) return;
            }
            else
            {
                ctx.Reply.AddError(ErrorMessages.XClaimUnknownOption(ctx.ArgString(j)));
                return;
            }
        }

        bool lastIdMoved = false;
        if (lastId > group.LastId)
        {
            group.LastId = lastId;
            lastIdMoved = true;
        }
        // A bogus IDLE/TIME (negative, or in the future) means "now", as in Valkey.
        if (deliveryTime < 0 || deliveryTime > now) deliveryTime = now;

        Arena arena = ctx.Arena;
        StreamConsumer consumer = LookupOrCreateConsumer(ctx, group, ctx.Arg(3), key);
        consumer.SeenTime = now;
        var reply = ctx.Reply;
        int handle = reply.BeginDeferredLength();
        long claimed = 0;
        bool anyChange = false;
        for (int i = 0; i < idCount; i++)
        {
            StreamId id = ids[i];
            PelNode* nack = PelList.Find(group.Pel, id);
            if (!StreamValue.Contains(h, id))
            {
                if (nack != null)
                {
                    PropagateXClaim(ctx, 1, 2, group, nack, ctx.Arg(5 + i));
                    group.RemoveNack(arena, id);
                    ctx.MarkDirty();
                    anyChange = true;
                }
                continue;
            }
            if (force && nack == null)
            {
                nack = group.AddNack(arena, id, out _);
                nack->DeliveryTime = now;
                nack->DeliveryCount = 1;
            }
            if (nack == null) continue;
            if (nack->ConsumerId >= 0 && minIdle != 0 && now - nack->DeliveryTime < minIdle) continue;
            group.SetOwner(arena, nack, consumer);
            nack->DeliveryTime = deliveryTime;
            if (retryCount >= 0) nack->DeliveryCount = retryCount;
            else if (!justId) nack->DeliveryCount++;
            if (justId) AddId(reply, id);
            else StreamValue.TryWriteEntry(reply, h, id);
            claimed++;
            consumer.ActiveTime = now;
            PropagateXClaim(ctx, 1, 2, group, nack, ctx.Arg(5 + i));
            ctx.MarkDirty();
            anyChange = true;
        }
        if (lastIdMoved && !anyChange)
        {
            PropagateGroupId(ctx, 1, 2, group);
            ctx.MarkDirty();
        }
        reply.SetDeferredArrayLength(handle, claimed);
        ctx.PreventPropagation();
    }

    // Reused by XAUTOCLAIM (command thread only): the reply's cursor comes first, so the claimed
    // and deleted IDs are collected before anything is written.
    private static readonly List<StreamId> s_claimed = new();
    private static readonly List<StreamId> s_deleted = new();

    /// <summary>
    /// XAUTOCLAIM key group consumer min-idle start [COUNT n] [JUSTID]: claims idle PEL entries from
    /// <c>start</c>, scanning at most 10 * COUNT of them; replies [next cursor, claimed, deleted IDs].
    /// </summary>
    private static void XAutoClaim(CommandContext ctx)
    {
        int argc = ctx.ArgCount;
        if (!ctx.TryGetInt64OrReply(4, out long minIdle, ErrorMessages.XAutoClaimMinIdle)) return;
        if (minIdle < 0) minIdle = 0;
        if (!ctx.TryGetIntervalStreamIdOrReply(5, 0, out StreamId start, out bool startEx)) return;
        if (startEx && !start.TryIncrement(out start))
        {
            ctx.Reply.AddError(ErrorMessages.StreamInvalidStartInterval);
            return;
        }
        long count = 100;
        bool justId = false;
        for (int j = 6; j < argc; j++)
        {
            int moreArgs = argc - 1 - j;
            if (ctx.ArgIs(j, "count"u8) && moreArgs > 0)
            {
                // LONG_MAX / max(sizeof(streamID), attempts factor 10), as Valkey bounds it.
                if (!ctx.TryGetRangeOrReply(j + 1, 1, long.MaxValue / 16, out count, ErrorMessages.XAutoClaimCount)) return;
                j++;
            }
            else if (ctx.ArgIs(j, "justid"u8)) justId = true;
            else
            {
                ctx.Reply.AddError(ErrorMessages.Syntax);
                return;
            }
        }

        ReadOnlySpan<byte> key = ctx.Arg(1);
        byte* entry = ctx.LookupReadOfType(key, DataType.Stream, out bool wrongType);
        if (wrongType) return;
        ValueHeader* h = entry == null ? null : Database.Header(entry);
        StreamConsumerGroup? group = h == null ? null : FindGroup(ctx, h, ctx.Arg(2));
        if (group == null)
        {
            ctx.Reply.AddError(ErrorMessages.NoKeyOrGroup(Text(key), ctx.ArgString(2)));
            return;
        }

        Arena arena = ctx.Arena;
        long now = ctx.Keyspace.NowMs;
        StreamConsumer consumer = LookupOrCreateConsumer(ctx, group, ctx.Arg(3), key);
        consumer.SeenTime = now;
        s_claimed.Clear();
        s_deleted.Clear();
        long attempts = count * 10;
        PelNode* node = PelList.SeekGreaterOrEqual(group.Pel, start);
        while (attempts-- > 0 && count > 0 && node != null)
        {
            PelNode* next = PelNode.Next(node);
            StreamId id = node->Id;
            if (!StreamValue.Contains(h, id))
            {
                PropagateXClaim(ctx, 1, 2, group, node, id);
                group.RemoveNack(arena, id);
                s_deleted.Add(id);
                count--;
                ctx.MarkDirty();
                node = next;
                continue;
            }
            if (minIdle != 0 && now - node->DeliveryTime < minIdle)
            {
                node = next;
                continue;
            }
            group.SetOwner(arena, node, consumer);
            node->DeliveryTime = now;
            if (!justId) node->DeliveryCount++;
            s_claimed.Add(id);
            count--;
            consumer.ActiveTime = now;
            PropagateXClaim(ctx, 1, 2, group, node, id);
            ctx.MarkDirty();
            node = next;
        }
        ctx.PreventPropagation();

        var reply = ctx.Reply;
        reply.AddArrayLength(3);
        AddId(reply, node == null ? StreamId.Min : node->Id);
        reply.AddArrayLength(s_claimed.Count);
        foreach (var id in s_claimed)
        {
            if (justId) AddId(reply, id);
            else StreamValue.TryWriteEntry(reply, h, id);
        }
        reply.AddArrayLength(s_deleted.Count);
        foreach (var id in s_deleted) AddId(reply, id);
        s_claimed.Clear();
        s_deleted.Clear();
    }

    // ---- XINFO ---------------------------------------------------------------------------------

    private static readonly string[] XInfoHelpLines =
    [
        "CONSUMERS <key> <groupname>",
        "    Show consumers of <groupname>.",
        "GROUPS <key>",
        "    Show the stream consumer groups.",
        "STREAM <key> [FULL [COUNT <count>]",
        "    Show information about the stream.",
    ];

    private static void XInfoHelp(CommandContext ctx) => ctx.ReplyHelpWithHeader(XInfoHelpLines);

    /// <summary>lookupKeyReadOrReply(nokeyerr) + checkType for the XINFO subcommands.</summary>
    private static ValueHeader* LookupInfoStream(CommandContext ctx)
    {
        byte* entry = ctx.LookupReadOfType(ctx.Arg(2), DataType.Stream, out bool wrongType);
        if (wrongType) return null;
        if (entry == null)
        {
            ctx.Reply.AddError(ErrorMessages.NoSuchKey);
            return null;
        }
        return Database.Header(entry);
    }

    private static void XInfoConsumers(CommandContext ctx)
    {
        ValueHeader* h = LookupInfoStream(ctx);
        if (h == null) return;
        StreamConsumerGroup? group = FindGroup(ctx, h, ctx.Arg(3));
        if (group == null)
        {
            ctx.Reply.AddError(ErrorMessages.NoGroupForKey(ctx.ArgString(3), ctx.ArgString(2)));
            return;
        }
        var reply = ctx.Reply;
        long now = ctx.Keyspace.NowMs;
        reply.AddArrayLength(group.Consumers.Count);
        foreach (var consumer in group.Consumers)
        {
            long inactive = consumer.ActiveTime != -1 ? now - consumer.ActiveTime : -1;
            long idle = Math.Max(0, now - consumer.SeenTime);
            reply.AddMapLength(4);
            reply.AddBulk("name"u8);
            reply.AddBulk(consumer.Name);
            reply.AddBulk("pending"u8);
            reply.AddInteger(consumer.PendingCount);
            reply.AddBulk("idle"u8);
            reply.AddInteger(idle);
            reply.AddBulk("inactive"u8);
            reply.AddInteger(inactive);
        }
    }

    private static void XInfoGroups(CommandContext ctx)
    {
        ValueHeader* h = LookupInfoStream(ctx);
        if (h == null) return;
        var reply = ctx.Reply;
        var set = GroupsOf(ctx, h);
        if (set == null)
        {
            reply.AddEmptyArray();
            return;
        }
        reply.AddArrayLength(set.Groups.Count);
        foreach (var group in set.Groups)
        {
            reply.AddMapLength(6);
            reply.AddBulk("name"u8);
            reply.AddBulk(group.Name);
            reply.AddBulk("consumers"u8);
            reply.AddInteger(group.Consumers.Count);
            reply.AddBulk("pending"u8);
            reply.AddInteger(group.Pel->Count);
            reply.AddBulk("last-delivered-id"u8);
            AddId(reply, group.LastId);
            reply.AddBulk("entries-read"u8);
            AddEntriesRead(reply, group);
            reply.AddBulk("lag"u8);
            AddLag(reply, h, group);
        }
    }

    /// <summary>XINFO STREAM key [FULL [COUNT n]] (xinfoReplyWithStreamInfo).</summary>
    private static void XInfoStream(CommandContext ctx)
    {
        ValueHeader* h = LookupInfoStream(ctx);
        if (h == null) return;
        int argc = ctx.ArgCount;
        bool full = argc > 3;
        long count = 10;
        if (full)
        {
            if ((argc != 4 && argc != 6) || !ctx.ArgIs(3, "full"u8) || (argc == 6 && !ctx.ArgIs(4, "count"u8)))
            {
                ctx.ReplySubcommandSyntaxError();
                return;
            }
            if (argc == 6)
            {
                if (!ctx.TryGetInt64OrReply(5, out count)) return;
                if (count < 0) count = 10;
            }
        }
        var reply = ctx.Reply;
        reply.AddMapLength(full ? 9 : 10);
        reply.AddBulk("length"u8);
        reply.AddInteger(StreamValue.Length(h));
        reply.AddBulk("radix-tree-keys"u8);
        reply.AddInteger(StreamValue.NodeCount(h));
        reply.AddBulk("radix-tree-nodes"u8);
        reply.AddInteger(RadixTreeNodes(h));
        reply.AddBulk("last-generated-id"u8);
        AddId(reply, StreamValue.LastId(h));
        reply.AddBulk("max-deleted-entry-id"u8);
        AddId(reply, StreamValue.MaxDeletedId(h));
        reply.AddBulk("entries-added"u8);
        reply.AddInteger(StreamValue.EntriesAdded(h));
        reply.AddBulk("recorded-first-entry-id"u8);
        AddId(reply, StreamValue.FirstId(h));
        var set = GroupsOf(ctx, h);
        if (!full)
        {
            reply.AddBulk("groups"u8);
            reply.AddInteger(set?.Groups.Count ?? 0);
            reply.AddBulk("first-entry"u8);
            var first = StreamValue.Iterate(h, StreamId.Min, StreamId.Max);
            if (first.MoveNext()) StreamValue.WriteEntry(reply, ref first);
            else reply.AddNull();
            reply.AddBulk("last-entry"u8);
            var last = StreamValue.Iterate(h, StreamId.Min, StreamId.Max, reverse: true);
            if (last.MoveNext()) StreamValue.WriteEntry(reply, ref last);
            else reply.AddNull();
            return;
        }
        reply.AddBulk("entries"u8);
        StreamValue.WriteRange(reply, h, StreamId.Min, StreamId.Max, count, reverse: false);
        reply.AddBulk("groups"u8);
        if (set == null)
        {
            reply.AddEmptyArray();
            return;
        }
        reply.AddArrayLength(set.Groups.Count);
        foreach (var group in set.Groups) WriteFullGroup(reply, h, group, count);
    }

    private static void WriteFullGroup(ReplyWriter reply, ValueHeader* h, StreamConsumerGroup group, long count)
    {
        reply.AddMapLength(7);
        reply.AddBulk("name"u8);
        reply.AddBulk(group.Name);
        reply.AddBulk("last-delivered-id"u8);
        AddId(reply, group.LastId);
        reply.AddBulk("entries-read"u8);
        AddEntriesRead(reply, group);
        reply.AddBulk("lag"u8);
        AddLag(reply, h, group);
        reply.AddBulk("pel-count"u8);
        reply.AddInteger(group.Pel->Count);
        reply.AddBulk("pending"u8);
        long limit = count == 0 ? group.Pel->Count : Math.Min(count, group.Pel->Count);
        reply.AddArrayLength(limit);
        PelNode* node = PelList.First(group.Pel);
        for (long i = 0; i < limit; i++, node = PelNode.Next(node))
        {
            reply.AddArrayLength(4);
            AddId(reply, node->Id);
            reply.AddBulk(group.ConsumerById(node->ConsumerId).Name);
            reply.AddInteger(node->DeliveryTime);
            reply.AddInteger(node->DeliveryCount);
        }
        reply.AddBulk("consumers"u8);
        reply.AddArrayLength(group.Consumers.Count);
        foreach (var consumer in group.Consumers)
        {
            reply.AddMapLength(5);
            reply.AddBulk("name"u8);
            reply.AddBulk(consumer.Name);
            reply.AddBulk("seen-time"u8);
            reply.AddInteger(consumer.SeenTime);
            reply.AddBulk("active-time"u8);
            reply.AddInteger(consumer.ActiveTime);
            reply.AddBulk("pel-count"u8);
            reply.AddInteger(consumer.PendingCount);
            reply.AddBulk("pending"u8);
            long own = count == 0 ? consumer.PendingCount : Math.Min(count, consumer.PendingCount);
            reply.AddArrayLength(own);
            PelNode* link = PelList.First(consumer.Pel);
            for (long i = 0; i < own; i++, link = PelNode.Next(link))
            {
                reply.AddArrayLength(3);
                AddId(reply, link->Id);
                reply.AddInteger(link->Nack->DeliveryTime);
                reply.AddInteger(link->Nack->DeliveryCount);
            }
        }
    }

    /// <summary>
    /// XINFO "radix-tree-nodes": our node index is a sorted array, not a rax; report the node
    /// count plus one (the rax root), which is what Valkey shows for small streams.
    /// </summary>
    private static long RadixTreeNodes(ValueHeader* h) => StreamValue.NodeCount(h) + 1;
}
