using Valkey.Native.Storage;
using Valkey.Native.Util;

namespace Valkey.Native.Commands;

/// <summary>
/// The range commands of the sorted-set family (Valkey's zrangeGenericCommand and friends):
/// ZRANGE with BYSCORE/BYLEX/REV/LIMIT/WITHSCORES, ZRANGESTORE, the deprecated
/// Z[REV]RANGE[BYSCORE|BYLEX], ZCOUNT, ZLEXCOUNT and ZREMRANGEBYRANK/SCORE/LEX. Their rows are in
/// <see cref="SortedSetCommands"/>.
/// </summary>
public static unsafe class SortedSetRangeCommands
{
    private enum RangeType { Auto, Rank, Score, Lex }

    private enum Direction { Auto, Forward, Reverse }

    internal static void ZRange(CommandContext ctx) => RangeGeneric(ctx, 1, store: false, RangeType.Auto, Direction.Auto);

    internal static void ZRangeStore(CommandContext ctx) => RangeGeneric(ctx, 2, store: true, RangeType.Auto, Direction.Auto);

    internal static void ZRevRange(CommandContext ctx) => RangeGeneric(ctx, 1, store: false, RangeType.Rank, Direction.Reverse);

    internal static void ZRangeByScore(CommandContext ctx) => RangeGeneric(ctx, 1, store: false, RangeType.Score, Direction.Forward);

    internal static void ZRevRangeByScore(CommandContext ctx) => RangeGeneric(ctx, 1, store: false, RangeType.Score, Direction.Reverse);

    internal static void ZRangeByLex(CommandContext ctx) => RangeGeneric(ctx, 1, store: false, RangeType.Lex, Direction.Forward);

    internal static void ZRevRangeByLex(CommandContext ctx) => RangeGeneric(ctx, 1, store: false, RangeType.Lex, Direction.Reverse);

    /// <summary>
    /// zrangeGenericCommand: <c>&lt;src&gt; &lt;min&gt; &lt;max&gt; [BYSCORE | BYLEX] [REV] [WITHSCORES] [LIMIT offset count]</c>
    /// with the source key at <paramref name="keyIndex"/>; the fixed variants pass their type and
    /// direction, which then can't be given as options. Options first, then the range, then the key.
    /// </summary>
    private static void RangeGeneric(CommandContext ctx, int keyIndex, bool store, RangeType type, Direction direction)
    {
        int minIndex = keyIndex + 1, maxIndex = keyIndex + 2;
        bool withScores = false;
        long offset = 0, limit = -1;
        for (int j = keyIndex + 3; j < ctx.ArgCount; j++)
        {
            int left = ctx.ArgCount - j - 1;
            if (!store && ctx.ArgIs(j, "withscores"u8)) withScores = true;
            else if (ctx.ArgIs(j, "limit"u8) && left >= 2)
            {
                if (!ctx.TryGetInt64OrReply(j + 1, out offset) || !ctx.TryGetInt64OrReply(j + 2, out limit)) return;
                j += 2;
            }
            else if (direction == Direction.Auto && ctx.ArgIs(j, "rev"u8)) direction = Direction.Reverse;
            else if (type == RangeType.Auto && ctx.ArgIs(j, "bylex"u8)) type = RangeType.Lex;
            else if (type == RangeType.Auto && ctx.ArgIs(j, "byscore"u8)) type = RangeType.Score;
            else
            {
                ctx.Reply.AddError(ErrorMessages.Syntax);
                return;
            }
        }
        if (direction == Direction.Auto) direction = Direction.Forward;
        if (type == RangeType.Auto) type = RangeType.Rank;
        if (limit != -1 && type == RangeType.Rank)
        {
            ctx.Reply.AddError(ErrorMessages.ZRangeLimitNeedsByScoreOrLex);
            return;
        }
        if (withScores && type == RangeType.Lex)
        {
            ctx.Reply.AddError(ErrorMessages.ZRangeWithScoresByLex);
            return;
        }
        bool reverse = direction == Direction.Reverse;
        // The score and lex forms take the range as [max, min] when reversed.
        if (reverse && type != RangeType.Rank) (minIndex, maxIndex) = (maxIndex, minIndex);

        long start = 0, end = 0;
        ScoreRange scoreRange = default;
        LexRange lexRange = default;
        switch (type)
        {
            case RangeType.Rank:
                if (!ctx.TryGetInt64OrReply(minIndex, out start) || !ctx.TryGetInt64OrReply(maxIndex, out end)) return;
                break;
            case RangeType.Score:
                if (!ScoreRange.TryParse(ctx.Arg(minIndex), ctx.Arg(maxIndex), out scoreRange))
                {
                    ctx.Reply.AddError(ErrorMessages.MinMaxNotFloat);
                    return;
                }
                break;
            default:
                if (!LexRange.TryParse(ctx.Arg(minIndex), ctx.Arg(maxIndex), out lexRange))
                {
                    ctx.Reply.AddError(ErrorMessages.MinMaxNotStringRange);
                    return;
                }
                break;
        }

        byte* entry = ctx.Db.LookupRead(ctx.Arg(keyIndex));
        if (entry == null)
        {
            if (store) StoreResult(ctx, ctx.Arg(1), [], "zrangestore");
            else ctx.Reply.AddEmptyArray();
            return;
        }
        ValueHeader* header = Database.Header(entry);
        if (header->Type != DataType.SortedSet)
        {
            ctx.Reply.AddError(ErrorMessages.WrongType);
            return;
        }
        var keyspace = ctx.Keyspace;

        if (store)
        {
            var result = new List<(byte[] Member, double Score)>();
            var collector = new SortedSetCommands.Collector(result);
            switch (type)
            {
                case RangeType.Rank:
                    if (SanitizeRank(SortedSetValue.Count(keyspace, header), ref start, ref end))
                        SortedSetValue.VisitRankRange(keyspace, header, start, end - start + 1, reverse, ref collector);
                    break;
                case RangeType.Score:
                    SortedSetValue.VisitRange(keyspace, header, scoreRange, offset, limit, reverse, ref collector);
                    break;
                default:
                    SortedSetValue.VisitRange(keyspace, header, lexRange, offset, limit, reverse, ref collector);
                    break;
            }
            if (reverse) result.Reverse();
            StoreResult(ctx, ctx.Arg(1), result, "zrangestore");
            return;
        }

        var reply = ctx.Reply;
        bool flat = withScores && reply.Protocol == 2;
        var writer = new SortedSetCommands.ElementWriter(reply, withScores, nested: withScores && reply.Protocol > 2);
        if (type == RangeType.Rank)
        {
            if (!SanitizeRank(SortedSetValue.Count(keyspace, header), ref start, ref end))
            {
                reply.AddEmptyArray();
                return;
            }
            long n = end - start + 1;
            reply.AddArrayLength(flat ? n * 2 : n);
            SortedSetValue.VisitRankRange(keyspace, header, start, n, reverse, ref writer);
            return;
        }
        int deferred = reply.BeginDeferredLength();
        long visited = type == RangeType.Score
            ? SortedSetValue.VisitRange(keyspace, header, scoreRange, offset, limit, reverse, ref writer)
            : SortedSetValue.VisitRange(keyspace, header, lexRange, offset, limit, reverse, ref writer);
        reply.SetDeferredArrayLength(deferred, flat ? visited * 2 : visited);
    }

    /// <summary>Valkey's rank sanitizing: negatives count from the end; false when the range is empty.</summary>
    private static bool SanitizeRank(long length, ref long start, ref long end)
    {
        if (start < 0) start = length + start;
        if (end < 0) end = length + end;
        if (start < 0) start = 0;
        if (start > end || start >= length) return false;
        if (end >= length) end = length - 1;
        return true;
    }

    /// <summary>
    /// The store commands' ending (ZRANGESTORE, ZUNIONSTORE...): replaces the destination with the
    /// elements (ascending, distinct), or deletes it when there are none; replies the count. The
    /// result is a listpack when it fits one (Valkey's zsetConvertToListpackIfNeeded), else a skiplist.
    /// </summary>
    internal static void StoreResult(CommandContext ctx, ReadOnlySpan<byte> key, List<(byte[] Member, double Score)> ascending, string eventName)
    {
        if (ascending.Count == 0)
        {
            ctx.Reply.AddInteger(0);
            if (ctx.Db.Delete(key))
            {
                ctx.KeyChanged(NotifyClass.Generic, "del", key);
                ctx.MarkDirty();
            }
            return;
        }
        var limits = SortedSetCommands.Limits(ctx);
        long maxLength = 0, totalLength = 0;
        foreach (var (member, _) in ascending)
        {
            maxLength = Math.Max(maxLength, member.Length);
            totalLength += member.Length;
        }
        bool listpack = ascending.Count <= limits.MaxListpackEntries && maxLength <= limits.MaxListpackValue && totalLength <= Listpack.MaxSafeBytes;
        byte* entry = SortedSetValue.CreateOrReplace(ctx.Db, key, listpack ? ValueEncoding.ListPack : ValueEncoding.SkipList);
        ValueHeader* header = Database.Header(entry);
        foreach (var (member, score) in ascending) SortedSetValue.AppendSorted(ctx.Keyspace, header, member, score);
        ctx.Reply.AddInteger(ascending.Count);
        ctx.KeyChanged(NotifyClass.SortedSet, eventName, key);
        ctx.MarkDirty();
    }

    // ---- ZCOUNT / ZLEXCOUNT ------------------------------------------------------------------

    internal static void ZCount(CommandContext ctx)
    {
        if (!ScoreRange.TryParse(ctx.Arg(2), ctx.Arg(3), out var range))
        {
            ctx.Reply.AddError(ErrorMessages.MinMaxNotFloat);
            return;
        }
        byte* entry = ctx.LookupReadOfType(ctx.Arg(1), DataType.SortedSet, out bool wrongType);
        if (wrongType) return;
        ctx.Reply.AddInteger(entry == null ? 0 : SortedSetValue.CountInRange(ctx.Keyspace, Database.Header(entry), range));
    }

    internal static void ZLexCount(CommandContext ctx)
    {
        if (!LexRange.TryParse(ctx.Arg(2), ctx.Arg(3), out var range))
        {
            ctx.Reply.AddError(ErrorMessages.MinMaxNotStringRange);
            return;
        }
        byte* entry = ctx.LookupReadOfType(ctx.Arg(1), DataType.SortedSet, out bool wrongType);
        if (wrongType) return;
        ctx.Reply.AddInteger(entry == null ? 0 : SortedSetValue.CountInRange(ctx.Keyspace, Database.Header(entry), range));
    }

    // ---- ZREMRANGEBY* --------------------------------------------------------------------------

    internal static void ZRemRangeByRank(CommandContext ctx) => RemoveRangeGeneric(ctx, RangeType.Rank);

    internal static void ZRemRangeByScore(CommandContext ctx) => RemoveRangeGeneric(ctx, RangeType.Score);

    internal static void ZRemRangeByLex(CommandContext ctx) => RemoveRangeGeneric(ctx, RangeType.Lex);

    /// <summary>zremrangeGenericCommand: parse the range, then remove it; an emptied set is deleted.</summary>
    private static void RemoveRangeGeneric(CommandContext ctx, RangeType type)
    {
        long start = 0, end = 0;
        ScoreRange scoreRange = default;
        LexRange lexRange = default;
        string eventName;
        switch (type)
        {
            case RangeType.Rank:
                eventName = "zremrangebyrank";
                if (!ctx.TryGetInt64OrReply(2, out start) || !ctx.TryGetInt64OrReply(3, out end)) return;
                break;
            case RangeType.Score:
                eventName = "zremrangebyscore";
                if (!ScoreRange.TryParse(ctx.Arg(2), ctx.Arg(3), out scoreRange))
                {
                    ctx.Reply.AddError(ErrorMessages.MinMaxNotFloat);
                    return;
                }
                break;
            default:
                eventName = "zremrangebylex";
                if (!LexRange.TryParse(ctx.Arg(2), ctx.Arg(3), out lexRange))
                {
                    ctx.Reply.AddError(ErrorMessages.MinMaxNotStringRange);
                    return;
                }
                break;
        }
        var key = ctx.Arg(1);
        byte* entry = ctx.LookupWriteOfType(key, DataType.SortedSet, out bool wrongType);
        if (wrongType) return;
        if (entry == null)
        {
            ctx.Reply.AddInteger(0);
            return;
        }
        ValueHeader* header = Database.Header(entry);
        var keyspace = ctx.Keyspace;
        long removed = type switch
        {
            RangeType.Rank => SanitizeRank(SortedSetValue.Count(keyspace, header), ref start, ref end)
                ? SortedSetValue.RemoveRangeByRank(keyspace, header, start, end)
                : 0,
            RangeType.Score => SortedSetValue.RemoveRange(keyspace, header, scoreRange),
            _ => SortedSetValue.RemoveRange(keyspace, header, lexRange),
        };
        bool keyRemoved = false;
        if (removed > 0 && SortedSetValue.Count(keyspace, header) == 0)
        {
            ctx.Db.DeleteEntry(entry);
            keyRemoved = true;
        }
        if (removed > 0)
        {
            ctx.KeyChanged(NotifyClass.SortedSet, eventName, key);
            if (keyRemoved) ctx.Server.Notify(NotifyClass.Generic, "del", key, ctx.Db.Id);
        }
        ctx.MarkDirty(removed);
        ctx.Reply.AddInteger(removed);
    }
}
