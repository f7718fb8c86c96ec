using Valkey.Native.Protocol;
using Valkey.Native.Server;
using Valkey.Native.Storage;
using static Valkey.Native.Commands.KeySpecFlags;

namespace Valkey.Native.Commands;

/// <summary>
/// Streams without consumer groups (Valkey's t_stream.c): XADD, XLEN, XRANGE, XREVRANGE, XDEL,
/// XTRIM, XREAD and XSETID. Storage is <see cref="StreamValue"/>; consumer groups are
/// <see cref="StreamGroupCommands"/>.
/// </summary>
public static unsafe class StreamCommands
{
    private const AclCategories StreamAcl = AclCategories.Stream;

    public static readonly CommandSpec[] Commands =
    [
        new CommandSpec("xadd", -5, CommandFlags.Write | CommandFlags.DenyOom | CommandFlags.Fast, StreamAcl, XAdd)
        {
            Group = "stream", Since = "5.0.0",
            Summary = "Appends a new message to a stream. Creates the key if it doesn't exist.",
            Complexity = "O(1) when adding a new entry, O(N) when trimming where N being the number of entries evicted.",
            KeySpecs = [KeySpec.Index(1, RW | Update, notes: "UPDATE instead of INSERT because of the optional trimming feature")],
            Tips = ["nondeterministic_output"],
            History =
            [
                ("6.2.0", "Added the `NOMKSTREAM` option, `MINID` trimming strategy and the `LIMIT` option."),
                ("7.0.0", "Added support for the `<ms>-*` explicit ID form."),
            ],
        },
        new CommandSpec("xlen", 2, CommandFlags.ReadOnly | CommandFlags.Fast, StreamAcl, XLen)
        {
            Group = "stream", Since = "5.0.0", Summary = "Return the number of messages in a stream.", Complexity = "O(1)",
            KeySpecs = [KeySpec.Index(1, RO)],
        },
        new CommandSpec("xrange", -4, CommandFlags.ReadOnly, StreamAcl, XRange)
        {
            Group = "stream", Since = "5.0.0", Summary = "Returns the messages from a stream within a range of IDs.",
            Complexity = "O(N) with N being the number of elements being returned. If N is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1).",
            KeySpecs = [KeySpec.Index(1, RO | Access)],
            History = [("6.2.0", "Added exclusive ranges.")],
        },
        new CommandSpec("xrevrange", -4, CommandFlags.ReadOnly, StreamAcl, XRevRange)
        {
            Group = "stream", Since = "5.0.0", Summary = "Returns the messages from a stream within a range of IDs in reverse order.",
            Complexity = "O(N) with N being the number of elements returned. If N is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1).",
            KeySpecs = [KeySpec.Index(1, RO | Access)],
            History = [("6.2.0", "Added exclusive ranges.")],
        },
        new CommandSpec("xdel", -3, CommandFlags.Write | CommandFlags.Fast, StreamAcl, XDel)
        {
            Group = "stream", Since = "5.0.0", Summary = "Returns the number of messages after removing them from a stream.",
            Complexity = "O(1) for each single item to delete in the stream, regardless of the stream size.",
            KeySpecs = [KeySpec.Index(1, RW | Delete)],
        },
        new CommandSpec("xtrim", -4, CommandFlags.Write, StreamAcl, XTrim)
        {
            Group = "stream", Since = "5.0.0", Summary = "Deletes messages from the beginning of a stream.",
            Complexity = "O(N), with N being the number of evicted entries. Constant times are very small however, since entries are organized in macro nodes containing multiple entries that can be released with a single deallocation.",
            KeySpecs = [KeySpec.Index(1, RW | Delete)],
            Tips = ["nondeterministic_output"],
            History = [("6.2.0", "Added the `MINID` trimming strategy and the `LIMIT` option.")],
        },
        new CommandSpec("xread", -4, CommandFlags.Blocking | CommandFlags.ReadOnly, StreamAcl, XRead)
        {
            Group = "stream", Since = "5.0.0",
            Summary = "Returns messages from multiple streams with IDs greater than the ones requested. Blocks until a message is available otherwise.",
            KeySpecs = [KeySpec.AfterKeyword("STREAMS", 1, RO | Access, lastKey: -1, step: 1, limit: 2)],
            Keys = XReadKeys,
        },
        new CommandSpec("xsetid", -3, CommandFlags.Write | CommandFlags.DenyOom | CommandFlags.Fast, StreamAcl, XSetId)
        {
            Group = "stream", Since = "5.0.0", Summary = "An internal command for replicating stream values.", Complexity = "O(1)",
            KeySpecs = [KeySpec.Index(1, RW | Update)],
            History = [("7.0.0", "Added the `entries_added` and `max_deleted_entry_id` arguments.")],
        },
    ];

    /// <summary>The field/value arguments of XADD, read in place (no copies).</summary>
    private readonly struct ArgFields(CommandContext ctx, int first) : IStreamFields
    {
        public int PairCount => (ctx.ArgCount - first) / 2;
        public ReadOnlySpan<byte> Field(int i) => ctx.Arg(first + 2 * i);
        public ReadOnlySpan<byte> Value(int i) => ctx.Arg(first + 2 * i + 1);
    }

    private static void AddId(ReplyWriter reply, StreamId id)
    {
        Span<byte> text = stackalloc byte[StreamId.MaxTextLength];
        reply.AddBulk(text[..id.Format(text)]);
    }

    // ---- XADD / XTRIM argument parsing ------------------------------------------------------------

    /// <summary>Valkey's streamAddTrimArgs.</summary>
    private struct TrimArgs
    {
        public StreamTrimStrategy Strategy;
        public bool Approx;
        public long MaxLen;
        public StreamId MinId;
        public long Limit;
        public bool NoMkStream;
        public bool IdGiven;
        public bool SeqGiven;
        public StreamId Id;
        /// <summary>Argument index of the MAXLEN count / MINID ID (Valkey's trim_strategy_arg_idx).</summary>
        public int ValueArg;
        /// <summary>Bit i: argument i is a LIMIT keyword (dropped, with its count, when an approximate trim propagates as exact).</summary>
        public ulong LimitArgs;
    }

    /// <summary>
    /// Valkey's streamParseAddOrTrimArgsOrReply: options from argument 2 on; for XADD stops at the
    /// ID (returns its index), for XTRIM consumes everything. -1 after replying an error.
    /// </summary>
    private static int ParseAddOrTrimArgs(CommandContext ctx, ref TrimArgs args, bool xadd)
    {
        int argc = ctx.ArgCount;
        bool limitGiven = false;
        int i = 2;
        for (; i < argc; i++)
        {
            int moreArgs = argc - 1 - i;
            var opt = ctx.Arg(i);
            if (xadd && opt.Length == 1 && opt[0] == '*') break;
            if (ctx.ArgIs(i, "maxlen"u8) && moreArgs > 0)
            {
                if (args.Strategy != StreamTrimStrategy.None)
                {
                    ctx.Reply.AddError(ErrorMessages.XTrimMaxLenAndMinId);
                    return -1;
                }
                args.Approx = false;
                i = SkipApproxSpecifier(ctx, i, moreArgs, ref args.Approx);
                if (!ctx.TryGetInt64OrReply(i + 1, out args.MaxLen)) return -1;
                if (args.MaxLen < 0)
                {
                    ctx.Reply.AddError(ErrorMessages.XTrimMaxLenNegative);
                    return -1;
                }
                i++;
                args.Strategy = StreamTrimStrategy.MaxLen;
                args.ValueArg = i;
            }
            else if (ctx.ArgIs(i, "minid"u8) && moreArgs > 0)
            {
                if (args.Strategy != StreamTrimStrategy.None)
                {
                    ctx.Reply.AddError(ErrorMessages.XTrimMaxLenAndMinId);
                    return -1;
                }
                args.Approx = false;
                i = SkipApproxSpecifier(ctx, i, moreArgs, ref args.Approx);
                if (!ctx.TryGetStrictStreamIdOrReply(i + 1, 0, out args.MinId)) return -1;
                i++;
                args.Strategy = StreamTrimStrategy.MinId;
                args.ValueArg = i;
            }
            else if (ctx.ArgIs(i, "limit"u8) && moreArgs > 0)
            {
                if (!ctx.TryGetInt64OrReply(i + 1, out args.Limit)) return -1;
                if (args.Limit < 0)
                {
                    ctx.Reply.AddError(ErrorMessages.XTrimLimitNegative);
                    return -1;
                }
                limitGiven = true;
                if (i < 64) args.LimitArgs |= 1UL << i;
                i++;
            }
            else if (xadd && ctx.ArgIs(i, "nomkstream"u8))
            {
                args.NoMkStream = true;
            }
            else if (xadd)
            {
                // Anything else must be the ID.
                if (!StreamId.TryParse(opt, 0, strict: true, allowAutoSeq: true, out args.Id, out args.SeqGiven))
                {
                    ctx.Reply.AddError(ErrorMessages.StreamInvalidId);
                    return -1;
                }
                args.IdGiven = true;
                break;
            }
            else
            {
                ctx.Reply.AddError(ErrorMessages.Syntax);
                return -1;
            }
        }

        if (args.Limit != 0 && args.Strategy == StreamTrimStrategy.None)
        {
            ctx.Reply.AddError(ErrorMessages.XTrimLimitWithoutStrategy);
            return -1;
        }
        if (!xadd && args.Strategy == StreamTrimStrategy.None)
        {
            ctx.Reply.AddError(ErrorMessages.XTrimNoStrategy);
            return -1;
        }
        if (limitGiven)
        {
            if (!args.Approx)
            {
                ctx.Reply.AddError(ErrorMessages.XTrimLimitWithoutApprox);
                return -1;
            }
        }
        else if (args.Approx)
        {
            // Bound the work of an approximate trim: at most ~100 nodes by default.
            long nodeEntries = ctx.Server.Config.StreamNodeMaxEntries;
            args.Limit = nodeEntries > long.MaxValue / 100 ? 1000000 : 100 * nodeEntries;
            if (args.Limit <= 0) args.Limit = 10000;
            if (args.Limit > 1000000) args.Limit = 1000000;
        }
        else args.Limit = 0;
        return i;
    }

    /// <summary>Consumes a "~" or "=" after MAXLEN/MINID (only when a value follows it).</summary>
    private static int SkipApproxSpecifier(CommandContext ctx, int i, int moreArgs, ref bool approx)
    {
        if (moreArgs < 2) return i;
        var next = ctx.Arg(i + 1);
        if (next.Length != 1) return i;
        if (next[0] == '~')
        {
            approx = true;
            return i + 1;
        }
        return next[0] == '=' ? i + 1 : i;
    }

    // ---- XADD -------------------------------------------------------------------------------------

    private static void XAdd(CommandContext ctx)
    {
        var args = new TrimArgs();
        int idPos = ParseAddOrTrimArgs(ctx, ref args, xadd: true);
        if (idPos < 0) return;
        int fieldPos = idPos + 1;
        int fieldArgs = ctx.ArgCount - fieldPos;
        if (fieldArgs < 2 || fieldArgs % 2 == 1)
        {
            ctx.Reply.AddError(ErrorMessages.WrongArgCount("xadd"));
            return;
        }
        // 0-0 is refused before the key is created, so a failed XADD never leaves an empty stream.
        if (args.IdGiven && args.SeqGiven && args.Id.IsZero)
        {
            ctx.Reply.AddError(ErrorMessages.XAddIdZero);
            return;
        }

        var key = ctx.Arg(1);
        byte* entry = ctx.LookupWriteOfType(key, DataType.Stream, out bool wrongType);
        if (wrongType) return;
        if (entry == null)
        {
            if (args.NoMkStream)
            {
                ctx.Reply.AddNull();
                return;
            }
            entry = StreamValue.CreateEmpty(ctx.Db, key);
        }
        ValueHeader* h = Database.Header(entry);
        StreamId last = StreamValue.LastId(h);
        if (last == StreamId.Max)
        {
            ctx.Reply.AddError(ErrorMessages.XAddExhausted);
            return;
        }

        // streamAppendItem's ID choice.
        StreamId id;
        if (args.IdGiven)
        {
            if (args.SeqGiven) id = args.Id;
            else if (last.Ms == args.Id.Ms)
            {
                if (last.Seq == ulong.MaxValue)
                {
                    ctx.Reply.AddError(ErrorMessages.XAddIdTooSmall);
                    return;
                }
                id = new StreamId(last.Ms, last.Seq + 1);
            }
            else id = args.Id;
        }
        else
        {
            ulong now = (ulong)ctx.Keyspace.NowMs;
            if (now > last.Ms) id = new StreamId(now, 0);
            else last.TryIncrement(out id);
        }
        if (id <= last)
        {
            ctx.Reply.AddError(ErrorMessages.XAddIdTooSmall);
            return;
        }
        var fields = new ArgFields(ctx, fieldPos);
        long total = 0;
        for (int i = fieldPos; i < ctx.ArgCount; i++) total += ctx.Arg(i).Length;
        if (total > StreamValue.NodeMaxSizeCap)
        {
            ctx.Reply.AddError(ErrorMessages.XAddTooLarge);
            return;
        }

        var config = ctx.Server.Config;
        StreamValue.Append(ctx.Keyspace, h, id, ref fields, config.StreamNodeMaxBytes, config.StreamNodeMaxEntries);
        AddId(ctx.Reply, id);
        ctx.Server.Notify(NotifyClass.Stream, "xadd", key, ctx.Db.Id);
        ctx.MarkDirty();
        if (args.Strategy != StreamTrimStrategy.None
            && StreamValue.Trim(ctx.Keyspace, h, args.Strategy, args.MaxLen, args.MinId, args.Approx, args.Limit) > 0)
        {
            ctx.Server.Notify(NotifyClass.Stream, "xtrim", key, ctx.Db.Id);
        }
        // "*" or a partial ID propagates as the ID generated here, an approximate trim as the exact result.
        bool rewriteId = !args.IdGiven || !args.SeqGiven;
        if (ctx.Propagating && (rewriteId || args.Approx)) PropagateRewritten(ctx, ref args, h, rewriteId ? idPos : -1, id);
        ctx.Server.KeyModified(ctx.Db, key);
        // Clients blocked in XREAD / XREADGROUP on this key get a chance to be served.
        ctx.Db.SignalKeyAsReady(key, DataType.Stream);
    }

    // ---- XLEN / XRANGE / XREVRANGE -----------------------------------------------------------------

    private static void XLen(CommandContext ctx)
    {
        byte* entry = ctx.LookupReadOfType(ctx.Arg(1), DataType.Stream, out bool wrongType);
        if (wrongType) return;
        ctx.Reply.AddInteger(entry == null ? 0 : StreamValue.Length(Database.Header(entry)));
    }

    private static void XRange(CommandContext ctx) => RangeGeneric(ctx, reverse: false);
    private static void XRevRange(CommandContext ctx) => RangeGeneric(ctx, reverse: true);

    /// <summary>Valkey's xrangeGenericCommand: IDs ("-", "+", "(" exclusive), then COUNT, then the key.</summary>
    private static void RangeGeneric(CommandContext ctx, bool reverse)
    {
        int startArg = reverse ? 3 : 2, endArg = reverse ? 2 : 3;
        if (!ctx.TryGetIntervalStreamIdOrReply(startArg, 0, out StreamId start, out bool startExclusive)) return;
        if (startExclusive && !start.TryIncrement(out start))
        {
            ctx.Reply.AddError(ErrorMessages.StreamInvalidStartInterval);
            return;
        }
        if (!ctx.TryGetIntervalStreamIdOrReply(endArg, ulong.MaxValue, out StreamId end, out bool endExclusive)) return;
        if (endExclusive && !end.TryDecrement(out end))
        {
            ctx.Reply.AddError(ErrorMessages.StreamInvalidEndInterval);
            return;
        }
        long count = -1;
        for (int j = 4; j < ctx.ArgCount; j++)
        {
            if (ctx.ArgIs(j, "count"u8) && ctx.ArgCount - j - 1 >= 1)
            {
                if (!ctx.TryGetInt64OrReply(j + 1, out count)) return;
                if (count < 0) count = 0;
                j++;
            }
            else
            {
                ctx.Reply.AddError(ErrorMessages.Syntax);
                return;
            }
        }
        byte* entry = ctx.LookupReadOfType(ctx.Arg(1), DataType.Stream, out bool wrongType);
        if (wrongType) return;
        if (entry == null)
        {
            ctx.Reply.AddEmptyArray();
            return;
        }
        if (count == 0)
        {
            ctx.Reply.AddNullArray();
            return;
        }
        StreamValue.WriteRange(ctx.Reply, Database.Header(entry), start, end, count == -1 ? 0 : count, reverse);
    }

    // ---- XDEL / XTRIM -------------------------------------------------------------------------------

    private static void XDel(CommandContext ctx)
    {
        var key = ctx.Arg(1);
        byte* entry = ctx.LookupWriteOfType(key, DataType.Stream, out bool wrongType);
        if (wrongType) return;
        if (entry == null)
        {
            ctx.Reply.AddInteger(0);
            return;
        }
        // Every ID is validated first: the command is never applied partially.
        for (int j = 2; j < ctx.ArgCount; j++)
        {
            if (!ctx.TryGetStrictStreamIdOrReply(j, 0, out _)) return;
        }
        ValueHeader* h = Database.Header(entry);
        long deleted = 0;
        for (int j = 2; j < ctx.ArgCount; j++)
        {
            StreamId.TryParse(ctx.Arg(j), 0, strict: true, allowAutoSeq: false, out StreamId id, out _);
            if (StreamValue.Delete(ctx.Keyspace, h, id)) deleted++;
        }
        if (deleted > 0)
        {
            ctx.KeyChanged(NotifyClass.Stream, "xdel", key);
            ctx.MarkDirty(deleted);
        }
        ctx.Reply.AddInteger(deleted);
    }

    private static void XTrim(CommandContext ctx)
    {
        var args = new TrimArgs();
        if (ParseAddOrTrimArgs(ctx, ref args, xadd: false) < 0) return;
        var key = ctx.Arg(1);
        byte* entry = ctx.LookupWriteOfType(key, DataType.Stream, out bool wrongType);
        if (wrongType) return;
        if (entry == null)
        {
            ctx.Reply.AddInteger(0);
            return;
        }
        ValueHeader* h = Database.Header(entry);
        long deleted = StreamValue.Trim(ctx.Keyspace, h, args.Strategy, args.MaxLen, args.MinId, args.Approx, args.Limit);
        if (deleted > 0)
        {
            if (args.Approx && ctx.Propagating) PropagateRewritten(ctx, ref args, h, -1, default);
            ctx.Server.Notify(NotifyClass.Stream, "xtrim", key, ctx.Db.Id);
            ctx.Server.KeyModified(ctx.Db, key);
            ctx.MarkDirty(deleted);
        }
        ctx.Reply.AddInteger(deleted);
    }

    /// <summary>
    /// What XADD/XTRIM propagate instead of their arguments (Valkey's streamRewriteApproxSpecifier,
    /// streamRewriteTrimArgument and the XADD ID rewrite): the ID generated for "*" / "ms-*" at
    /// <paramref name="idArg"/> (-1: none), and an approximate trim as "= the length left" (MAXLEN) or
    /// "= the first entry ID, tombstones included" (MINID), so AOF and replicas trim exactly as here.
    /// LIMIT goes too: Valkey keeps it and ignores it for its primary/AOF clients, which we do not
    /// distinguish, and "=" with LIMIT would be refused on replay.
    /// </summary>
    private static void PropagateRewritten(CommandContext ctx, ref TrimArgs args, ValueHeader* h, int idArg, StreamId id)
    {
        int argc = ctx.ArgCount;
        bool trim = args.Approx;
        ulong dropped = 0;
        if (trim)
        {
            for (int i = 0; i < argc && i < 64; i++)
            {
                if ((args.LimitArgs & (1UL << i)) != 0) dropped |= 3UL << i;
            }
        }
        Span<byte> idText = stackalloc byte[StreamId.MaxTextLength];
        int idLength = idArg >= 0 ? id.Format(idText) : 0;
        Span<byte> trimText = stackalloc byte[StreamId.MaxTextLength];
        int trimLength = 0;
        if (trim)
        {
            if (args.Strategy == StreamTrimStrategy.MaxLen) StreamValue.Length(h).TryFormat(trimText, out trimLength);
            else trimLength = StreamValue.FirstEntryId(h).Format(trimText);
        }
        var w = ctx.RewriteArgs(argc - System.Numerics.BitOperations.PopCount(dropped));
        for (int i = 0; i < argc; i++)
        {
            if (i < 64 && (dropped & (1UL << i)) != 0) continue;
            if (trim && i == args.ValueArg - 1) w.Arg("="u8);
            else if (trim && i == args.ValueArg) w.Arg(trimText[..trimLength]);
            else if (i == idArg) w.Arg(idText[..idLength]);
            else w.Arg(ctx, i);
        }
    }

    // ---- XREAD ------------------------------------------------------------------------------------------

    /// <summary>xreadGetKeys (XREAD and XREADGROUP): the keys are the first half of what follows STREAMS.</summary>
    internal static void XReadKeys(CommandContext ctx, List<KeyReference> keys)
    {
        int argc = ctx.ArgCount, streamsPos = -1;
        for (int i = 1; i < argc; i++)
        {
            if (ctx.ArgIs(i, "block"u8) || ctx.ArgIs(i, "count"u8)) i++;
            else if (ctx.ArgIs(i, "group"u8)) i += 2;
            else if (ctx.ArgIs(i, "noack"u8)) { }
            else if (ctx.ArgIs(i, "streams"u8))
            {
                streamsPos = i;
                break;
            }
            else break;
        }
        if (streamsPos < 0) return;
        int num = argc - streamsPos - 1;
        if (num == 0 || num % 2 != 0) return;
        for (int i = streamsPos + 1; i < streamsPos + 1 + num / 2; i++) keys.Add(new KeyReference(i, RO | Access));
    }

    /// <summary>
    /// XREAD [COUNT n] [BLOCK ms] STREAMS key... id...: entries after each ID ("$" = the stream's
    /// last ID, "+" = its last entry). Blocks when nothing can be served and BLOCK was given;
    /// "$" is resolved once, when the command first runs, and kept in the block state's payload
    /// for the re-executions (Valkey rewrites the argument instead).
    /// </summary>
    private static void XRead(CommandContext ctx)
    {
        if (!XReadArgs.TryParseOrReply(ctx, group: false, out XReadArgs args)) return;
        int streamsArg = args.StreamsArg, streams = args.Streams;
        long count = args.Count;

        // "$" resolved by an earlier attempt of this (blocked, re-executed) command.
        StreamId[]? resolved = ctx.Client.IsReprocessingCommand ? ctx.Client.Blocking?.Payload as StreamId[] : null;
        Span<StreamId> ids = streams <= 32 ? stackalloc StreamId[streams] : new StreamId[streams];
        bool anyDollar = false;
        for (int k = 0; k < streams; k++)
        {
            var key = ctx.Arg(streamsArg + k);
            byte* entry = ctx.LookupReadOfType(key, DataType.Stream, out bool wrongType);
            if (wrongType) return;
            int idArg = streamsArg + streams + k;
            var text = ctx.Arg(idArg);
            if (text.Length == 1 && text[0] == '$')
            {
                anyDollar = true;
                ids[k] = resolved != null && k < resolved.Length ? resolved[k]
                    : entry != null ? StreamValue.LastId(Database.Header(entry)) : StreamId.Min;
            }
            else if (text.Length == 1 && text[0] == '+')
            {
                if (entry != null)
                {
                    if (!StreamValue.LastId(Database.Header(entry)).TryDecrement(out ids[k]))
                    {
                        ctx.Reply.AddError(ErrorMessages.XReadLastIdZero);
                        return;
                    }
                }
                else ids[k] = StreamId.Min;
            }
            else if (text.Length == 1 && text[0] == '>')
            {
                ctx.Reply.AddError(ErrorMessages.XReadGreaterId);
                return;
            }
            else if (!ctx.TryGetStrictStreamIdOrReply(idArg, 0, out ids[k])) return;
        }

        // Serve synchronously every stream that has entries after its ID.
        int served = 0, handle = 0;
        var reply = ctx.Reply;
        for (int k = 0; k < streams; k++)
        {
            var key = ctx.Arg(streamsArg + k);
            byte* entry = ctx.Db.LookupRead(key);
            if (entry == null) continue;
            ValueHeader* h = Database.Header(entry);
            if (StreamValue.Length(h) == 0 || StreamValue.LastLiveId(h) <= ids[k]) continue;
            if (served++ == 0) handle = reply.BeginDeferredLength();
            if (reply.Protocol == 2) reply.AddArrayLength(2);
            reply.AddBulk(key);
            ids[k].TryIncrement(out StreamId start);
            StreamValue.WriteRange(reply, h, start, StreamId.Max, count, reverse: false);
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
            object? payload = null;
            if (anyDollar) payload = resolved ?? ids.ToArray();
            ctx.BlockForKeys(BlockType.Stream, streamsArg, streams, args.TimeoutMs, unblockOnNoKey: false, payload: payload);
            return;
        }
        reply.AddNullArray();
    }

    /// <summary>
    /// xreadCommand's option parsing, shared by XREAD and XREADGROUP with its order of checks:
    /// BLOCK, COUNT, GROUP and NOACK in any order until STREAMS (whose key/ID list must be
    /// balanced), then STREAMS is required, then (XREADGROUP) GROUP is.
    /// </summary>
    internal struct XReadArgs
    {
        public bool Block;
        public long TimeoutMs;
        public long Count;
        /// <summary>The first key after STREAMS; its IDs start at StreamsArg + Streams.</summary>
        public int StreamsArg;
        public int Streams;
        /// <summary>The group name's argument (the consumer's follows); 0 for XREAD.</summary>
        public int GroupArg;
        public bool NoAck;

        public static bool TryParseOrReply(CommandContext ctx, bool group, out XReadArgs args)
        {
            args = default;
            int argc = ctx.ArgCount;
            for (int i = 1; i < argc; i++)
            {
                int moreArgs = argc - i - 1;
                if (ctx.ArgIs(i, "block"u8) && moreArgs > 0)
                {
                    i++;
                    if (!ctx.TryGetBlockingTimeoutOrReply(i, out args.TimeoutMs, BlockingCommands.TimeoutUnit.Milliseconds)) return false;
                    args.Block = true;
                }
                else if (ctx.ArgIs(i, "count"u8) && moreArgs > 0)
                {
                    i++;
                    if (!ctx.TryGetInt64OrReply(i, out args.Count)) return false;
                    if (args.Count < 0) args.Count = 0;
                }
                else if (ctx.ArgIs(i, "streams"u8) && moreArgs > 0)
                {
                    args.StreamsArg = i + 1;
                    args.Streams = argc - args.StreamsArg;
                    if (args.Streams % 2 != 0)
                    {
                        ctx.Reply.AddError(group ? ErrorMessages.XReadGroupUnbalanced : ErrorMessages.XReadUnbalanced);
                        return false;
                    }
                    args.Streams /= 2;
                    break;
                }
                else if (ctx.ArgIs(i, "group"u8) && moreArgs >= 2)
                {
                    if (!group)
                    {
                        ctx.Reply.AddError(ErrorMessages.XReadGroupOption);
                        return false;
                    }
                    args.GroupArg = i + 1;
                    i += 2;
                }
                else if (ctx.ArgIs(i, "noack"u8))
                {
                    if (!group)
                    {
                        ctx.Reply.AddError(ErrorMessages.XReadNoAckOption);
                        return false;
                    }
                    args.NoAck = true;
                }
                else
                {
                    ctx.Reply.AddError(ErrorMessages.Syntax);
                    return false;
                }
            }
            if (args.StreamsArg == 0)
            {
                ctx.Reply.AddError(ErrorMessages.Syntax);
                return false;
            }
            if (group && args.GroupArg == 0)
            {
                ctx.Reply.AddError(ErrorMessages.XReadGroupMissingGroup);
                return false;
            }
            return true;
        }
    }

    // ---- XSETID ----------------------------------------------------------------------------------------

    private static void XSetId(CommandContext ctx)
    {
        if (!ctx.TryGetStrictStreamIdOrReply(2, 0, out StreamId id)) return;
        long entriesAdded = -1;
        StreamId maxDeleted = StreamId.Min;
        for (int i = 3; i < ctx.ArgCount;)
        {
            int moreArgs = ctx.ArgCount - 1 - i;
            if (ctx.ArgIs(i, "entriesadded"u8) && moreArgs > 0)
            {
                if (!ctx.TryGetInt64OrReply(i + 1, out entriesAdded)) return;
                if (entriesAdded < 0)
                {
                    ctx.Reply.AddError(ErrorMessages.XSetIdEntriesAddedNegative);
                    return;
                }
                i += 2;
            }
            else if (ctx.ArgIs(i, "maxdeletedid"u8) && moreArgs > 0)
            {
                if (!ctx.TryGetStrictStreamIdOrReply(i + 1, 0, out maxDeleted)) return;
                if (id < maxDeleted)
                {
                    ctx.Reply.AddError(ErrorMessages.XSetIdSmallerThanMaxDeletedArg);
                    return;
                }
                i += 2;
            }
            else
            {
                ctx.Reply.AddError(ErrorMessages.Syntax);
                return;
            }
        }

        var key = ctx.Arg(1);
        byte* entry = ctx.LookupWriteOfType(key, DataType.Stream, out bool wrongType);
        if (wrongType) return;
        if (entry == null)
        {
            ctx.Reply.AddError(ErrorMessages.NoSuchKey);
            return;
        }
        ValueHeader* h = Database.Header(entry);
        if (id < StreamValue.MaxDeletedId(h))
        {
            ctx.Reply.AddError(ErrorMessages.XSetIdSmallerThanMaxDeleted);
            return;
        }
        if (StreamValue.Length(h) > 0)
        {
            if (id < StreamValue.LastLiveId(h))
            {
                ctx.Reply.AddError(ErrorMessages.XSetIdSmallerThanTop);
                return;
            }
            if (entriesAdded != -1 && StreamValue.Length(h) > entriesAdded)
            {
                ctx.Reply.AddError(ErrorMessages.XSetIdEntriesAddedSmall);
                return;
            }
        }
        StreamValue.SetIds(h, id, entriesAdded, maxDeleted);
        ctx.Reply.AddOk();
        ctx.MarkDirty();
        ctx.Server.Notify(NotifyClass.Stream, "xsetid", key, ctx.Db.Id);
    }
}
