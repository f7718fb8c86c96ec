using System.Text;
using Valkey.Native.Protocol;
using Valkey.Native.Server;
using Valkey.Native.Storage;
using Valkey.Native.Util;
using static Valkey.Native.Commands.KeySpecFlags;

namespace Valkey.Native.Commands;

/// <summary>
/// Sorted-set commands (Valkey's t_zset.c). This file holds every row of the family and the
/// element commands (ZADD, ZINCRBY, ZREM, ZSCORE, ZRANK...), the pops, ZRANDMEMBER and ZSCAN;
/// the range commands are in <see cref="SortedSetRangeCommands"/> and the union / intersection /
/// difference family in <see cref="SortedSetAlgebraCommands"/>. Values live in
/// <see cref="SortedSetValue"/> (listpack, skiplist). ZADD, ZSCORE and ZRANGE allocate nothing.
/// </summary>
public static unsafe class SortedSetCommands
{
    private const CommandFlags WriteFast = CommandFlags.Write | CommandFlags.DenyOom | CommandFlags.Fast;
    private const CommandFlags ReadFast = CommandFlags.ReadOnly | CommandFlags.Fast;
    private const CommandFlags WriteOom = CommandFlags.Write | CommandFlags.DenyOom;
    private const AclCategories ZSet = AclCategories.SortedSet;
    private const string Group = "sorted_set";
    private const string RangeComplexity = "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).";
    private const string RemoveRangeComplexity = "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.";
    private const string DiffComplexity = "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.";
    private const string InterComplexity = "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.";
    private const string PopComplexity = "O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.";

    private static KeySpec[] Key(KeySpecFlags flags) => [KeySpec.Index(1, flags)];

    public static readonly CommandSpec[] Commands =
    [
        new("zadd", -4, WriteFast, ZSet, ZAdd)
            {
                Group = Group, Since = "1.2.0", Summary = "Adds one or more members to a sorted set, or updates their scores. Creates the key if it doesn't exist.",
                Complexity = "O(log(N)) for each item added, where N is the number of elements in the sorted set.",
                KeySpecs = Key(RW | Update),
                History = [("2.4.0", "Accepts multiple elements."), ("3.0.2", "Added the `XX`, `NX`, `CH` and `INCR` options."), ("6.2.0", "Added the `GT` and `LT` options.")],
            },
        new("zincrby", 4, WriteFast, ZSet, ZIncrBy)
            {
                Group = Group, Since = "1.2.0", Summary = "Increments the score of a member in a sorted set.",
                Complexity = "O(log(N)) where N is the number of elements in the sorted set.", KeySpecs = Key(RW | Access | Update),
            },
        new("zrem", -3, CommandFlags.Write | CommandFlags.Fast, ZSet, ZRem)
            {
                Group = Group, Since = "1.2.0", Summary = "Removes one or more members from a sorted set. Deletes the sorted set if all members were removed.",
                Complexity = "O(M*log(N)) with N being the number of elements in the sorted set and M the number of elements to be removed.",
                KeySpecs = Key(RW | Delete), History = [("2.4.0", "Accepts multiple elements.")],
            },
        new("zcard", 2, ReadFast, ZSet, ZCard)
            {
                Group = Group, Since = "1.2.0", Summary = "Returns the number of members in a sorted set.", Complexity = "O(1)", KeySpecs = Key(RO),
            },
        new("zscore", 3, ReadFast, ZSet, ZScore)
            {
                Group = Group, Since = "1.2.0", Summary = "Returns the score of a member in a sorted set.", Complexity = "O(1)", KeySpecs = Key(RO | Access),
            },
        new("zmscore", -3, ReadFast, ZSet, ZMScore)
            {
                Group = Group, Since = "6.2.0", Summary = "Returns the score of one or more members in a sorted set.",
                Complexity = "O(N) where N is the number of members being requested.", KeySpecs = Key(RO | Access),
            },
        new("zrank", -3, ReadFast, ZSet, ZRank)
            {
                Group = Group, Since = "2.0.0", Summary = "Returns the index of a member in a sorted set ordered by ascending scores.",
                Complexity = "O(log(N))", KeySpecs = Key(RO | Access), History = [("7.2.0", "Added the optional `WITHSCORE` argument.")],
            },
        new("zrevrank", -3, ReadFast, ZSet, ZRevRank)
            {
                Group = Group, Since = "2.0.0", Summary = "Returns the index of a member in a sorted set ordered by descending scores.",
                Complexity = "O(log(N))", KeySpecs = Key(RO | Access), History = [("7.2.0", "Added the optional `WITHSCORE` argument.")],
            },
        new("zcount", 4, ReadFast, ZSet, SortedSetRangeCommands.ZCount)
            {
                Group = Group, Since = "2.0.0", Summary = "Returns the count of members in a sorted set that have scores within a range.",
                Complexity = "O(log(N)) with N being the number of elements in the sorted set.", KeySpecs = Key(RO | Access),
            },
        new("zlexcount", 4, ReadFast, ZSet, SortedSetRangeCommands.ZLexCount)
            {
                Group = Group, Since = "2.8.9", Summary = "Returns the number of members in a sorted set within a lexicographical range.",
                Complexity = "O(log(N)) with N being the number of elements in the sorted set.", KeySpecs = Key(RO | Access),
            },
        new("zrange", -4, CommandFlags.ReadOnly, ZSet, SortedSetRangeCommands.ZRange)
            {
                Group = Group, Since = "1.2.0", Summary = "Returns members in a sorted set within a range of indexes.",
                Complexity = "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.",
                KeySpecs = Key(RO | Access), History = [("6.2.0", "Added the `REV`, `BYSCORE`, `BYLEX` and `LIMIT` options.")],
            },
        new("zrangestore", -5, WriteOom, ZSet, SortedSetRangeCommands.ZRangeStore)
            {
                Group = Group, Since = "6.2.0", Summary = "Stores a range of members from sorted set in a key.",
                Complexity = "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements stored into the destination key.",
                KeySpecs = [KeySpec.Index(1, OW | Update), KeySpec.Index(2, RO | Access)],
            },
        new("zrevrange", -4, CommandFlags.ReadOnly, ZSet, SortedSetRangeCommands.ZRevRange)
            {
                Group = Group, Since = "1.2.0", Summary = "Returns members in a sorted set within a range of indexes in reverse order.",
                Complexity = "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.",
                KeySpecs = Key(RO | Access), DeprecatedSince = "6.2.0", ReplacedBy = "`ZRANGE` with the `REV` argument",
            },
        new("zrangebyscore", -4, CommandFlags.ReadOnly, ZSet, SortedSetRangeCommands.ZRangeByScore)
            {
                Group = Group, Since = "1.0.5", Summary = "Returns members in a sorted set within a range of scores.", Complexity = RangeComplexity,
                KeySpecs = Key(RO | Access), History = [("2.0.0", "Added the `WITHSCORES` modifier.")],
                DeprecatedSince = "6.2.0", ReplacedBy = "`ZRANGE` with the `BYSCORE` argument",
            },
        new("zrevrangebyscore", -4, CommandFlags.ReadOnly, ZSet, SortedSetRangeCommands.ZRevRangeByScore)
            {
                Group = Group, Since = "2.2.0", Summary = "Returns members in a sorted set within a range of scores in reverse order.", Complexity = RangeComplexity,
                KeySpecs = Key(RO | Access), History = [("2.1.6", "`min` and `max` can be exclusive.")],
                DeprecatedSince = "6.2.0", ReplacedBy = "`ZRANGE` with the `REV` and `BYSCORE` arguments",
            },
        new("zrangebylex", -4, CommandFlags.ReadOnly, ZSet, SortedSetRangeCommands.ZRangeByLex)
            {
                Group = Group, Since = "2.8.9", Summary = "Returns members in a sorted set within a lexicographical range.", Complexity = RangeComplexity,
                KeySpecs = Key(RO | Access), DeprecatedSince = "6.2.0", ReplacedBy = "`ZRANGE` with the `BYLEX` argument",
            },
        new("zrevrangebylex", -4, CommandFlags.ReadOnly, ZSet, SortedSetRangeCommands.ZRevRangeByLex)
            {
                Group = Group, Since = "2.8.9", Summary = "Returns members in a sorted set within a lexicographical range in reverse order.", Complexity = RangeComplexity,
                KeySpecs = Key(RO | Access), DeprecatedSince = "6.2.0", ReplacedBy = "`ZRANGE` with the `REV` and `BYLEX` arguments",
            },
        new("zremrangebyrank", 4, CommandFlags.Write, ZSet, SortedSetRangeCommands.ZRemRangeByRank)
            {
                Group = Group, Since = "2.0.0", Summary = "Removes members in a sorted set within a range of indexes. Deletes the sorted set if all members were removed.",
                Complexity = RemoveRangeComplexity, KeySpecs = Key(RW | Delete),
            },
        new("zremrangebyscore", 4, CommandFlags.Write, ZSet, SortedSetRangeCommands.ZRemRangeByScore)
            {
                Group = Group, Since = "1.2.0", Summary = "Removes members in a sorted set within a range of scores. Deletes the sorted set if all members were removed.",
                Complexity = RemoveRangeComplexity, KeySpecs = Key(RW | Delete),
            },
        new("zremrangebylex", 4, CommandFlags.Write, ZSet, SortedSetRangeCommands.ZRemRangeByLex)
            {
                Group = Group, Since = "2.8.9", Summary = "Removes members in a sorted set within a lexicographical range. Deletes the sorted set if all members were removed.",
                Complexity = RemoveRangeComplexity, KeySpecs = Key(RW | Delete),
            },
        new("zpopmin", -2, CommandFlags.Write | CommandFlags.Fast, ZSet, ZPopMin)
            {
                Group = Group, Since = "5.0.0", Summary = "Returns the lowest-scoring members from a sorted set after removing them. Deletes the sorted set if the last member was popped.",
                Complexity = PopComplexity, KeySpecs = Key(RW | Access | Delete),
            },
        new("zpopmax", -2, CommandFlags.Write | CommandFlags.Fast, ZSet, ZPopMax)
            {
                Group = Group, Since = "5.0.0", Summary = "Returns the highest-scoring members from a sorted set after removing them. Deletes the sorted set if the last member was popped.",
                Complexity = PopComplexity, KeySpecs = Key(RW | Access | Delete),
            },
        new("zmpop", -4, CommandFlags.Write, ZSet, ZMPop)
            {
                Group = Group, Since = "7.0.0", Summary = "Returns the highest- or lowest-scoring members from one or more sorted sets after removing them. Deletes the sorted set if the last member was popped.",
                Complexity = "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.",
                KeySpecs = [KeySpec.IndexKeyNum(1, RW | Access | Delete, keyNumIndex: 0, firstKey: 1, step: 1)],
            },
        new("bzpopmin", -3, CommandFlags.Write | CommandFlags.Fast | CommandFlags.Blocking, ZSet, BZPopMin)
            {
                Group = Group, Since = "5.0.0", Summary = "Removes and returns the member with the lowest score from one or more sorted sets. Blocks until a member is available otherwise. Deletes the sorted set if the last element was popped.",
                Complexity = "O(log(N)) with N being the number of elements in the sorted set.",
                KeySpecs = [KeySpec.Index(1, RW | Access | Delete, lastKey: -2)],
                History = [("6.0.0", "`timeout` is interpreted as a double instead of an integer.")],
            },
        new("bzpopmax", -3, CommandFlags.Write | CommandFlags.Fast | CommandFlags.Blocking, ZSet, BZPopMax)
            {
                Group = Group, Since = "5.0.0", Summary = "Removes and returns the member with the highest score from one or more sorted sets. Blocks until a member is available otherwise. Deletes the sorted set if the last element was popped.",
                Complexity = "O(log(N)) with N being the number of elements in the sorted set.",
                KeySpecs = [KeySpec.Index(1, RW | Access | Delete, lastKey: -2)],
                History = [("6.0.0", "`timeout` is interpreted as a double instead of an integer.")],
            },
        new("bzmpop", -5, CommandFlags.Write | CommandFlags.Blocking, ZSet, BZMPop)
            {
                Group = Group, Since = "7.0.0", Summary = "Removes and returns a member by score from one or more sorted sets. Blocks until a member is available otherwise. Deletes the sorted set if the last element was popped.",
                Complexity = "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.",
                KeySpecs = [KeySpec.IndexKeyNum(2, RW | Access | Delete, keyNumIndex: 0, firstKey: 1, step: 1)],
            },
        new("zrandmember", -2, CommandFlags.ReadOnly, ZSet, ZRandMember)
            {
                Group = Group, Since = "6.2.0", Summary = "Returns one or more random members from a sorted set.",
                Complexity = "O(N) where N is the number of members returned", KeySpecs = Key(RO | Access), Tips = ["nondeterministic_output"],
            },
        new("zscan", -3, CommandFlags.ReadOnly, ZSet, ZScan)
            {
                Group = Group, Since = "2.8.0", Summary = "Iterates over members and scores of a sorted set.",
                Complexity = "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.",
                KeySpecs = Key(RO | Access), History = [("8.0.0", "Added noscores option.")], Tips = ["nondeterministic_output"],
            },
        new("zunion", -3, CommandFlags.ReadOnly, ZSet, SortedSetAlgebraCommands.ZUnion)
            {
                Group = Group, Since = "6.2.0", Summary = "Returns the union of multiple sorted sets.",
                Complexity = "O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.",
                KeySpecs = [KeySpec.IndexKeyNum(1, RO | Access, keyNumIndex: 0, firstKey: 1, step: 1)],
            },
        new("zunionstore", -4, WriteOom, ZSet, SortedSetAlgebraCommands.ZUnionStore)
            {
                Group = Group, Since = "2.0.0", Summary = "Stores the union of multiple sorted sets in a key.",
                Complexity = "O(N)+O(M log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.",
                KeySpecs = [KeySpec.Index(1, OW | Update), KeySpec.IndexKeyNum(2, RO | Access, keyNumIndex: 0, firstKey: 1, step: 1)],
            },
        new("zinter", -3, CommandFlags.ReadOnly, ZSet, SortedSetAlgebraCommands.ZInter)
            {
                Group = Group, Since = "6.2.0", Summary = "Returns the intersect of multiple sorted sets.", Complexity = InterComplexity,
                KeySpecs = [KeySpec.IndexKeyNum(1, RO | Access, keyNumIndex: 0, firstKey: 1, step: 1)],
            },
        new("zinterstore", -4, WriteOom, ZSet, SortedSetAlgebraCommands.ZInterStore)
            {
                Group = Group, Since = "2.0.0", Summary = "Stores the intersect of multiple sorted sets in a key.", Complexity = InterComplexity,
                KeySpecs = [KeySpec.Index(1, OW | Update), KeySpec.IndexKeyNum(2, RO | Access, keyNumIndex: 0, firstKey: 1, step: 1)],
            },
        new("zintercard", -3, CommandFlags.ReadOnly, ZSet, SortedSetAlgebraCommands.ZInterCard)
            {
                Group = Group, Since = "7.0.0", Summary = "Returns the number of members of the intersect of multiple sorted sets.",
                Complexity = "O(N*K) worst case with N being the smallest input sorted set, K being the number of input sorted sets.",
                KeySpecs = [KeySpec.IndexKeyNum(1, RO | Access, keyNumIndex: 0, firstKey: 1, step: 1)],
            },
        new("zdiff", -3, CommandFlags.ReadOnly, ZSet, SortedSetAlgebraCommands.ZDiff)
            {
                Group = Group, Since = "6.2.0", Summary = "Returns the difference between multiple sorted sets.", Complexity = DiffComplexity,
                KeySpecs = [KeySpec.IndexKeyNum(1, RO | Access, keyNumIndex: 0, firstKey: 1, step: 1)],
            },
        new("zdiffstore", -4, WriteOom, ZSet, SortedSetAlgebraCommands.ZDiffStore)
            {
                Group = Group, Since = "6.2.0", Summary = "Stores the difference of multiple sorted sets in a key.", Complexity = DiffComplexity,
                KeySpecs = [KeySpec.Index(1, OW | Update), KeySpec.IndexKeyNum(2, RO | Access, keyNumIndex: 0, firstKey: 1, step: 1)],
            },
    ];

    /// <summary>The encoding limits from the server configuration (zset-max-listpack-entries / -value).</summary>
    public static SortedSetLimits Limits(CommandContext ctx)
    {
        var c = ctx.Server.Config;
        return new SortedSetLimits(c.ZsetMaxListpackEntries, c.ZsetMaxListpackValue);
    }

    /// <summary>
    /// getRangeLongFromObjectOrReply: an integer in [min, max]; on failure replies "ERR " + message
    /// when given, else Valkey's generic texts.
    /// </summary>
    internal static bool TryGetRangeOrReply(CommandContext ctx, int index, long min, long max, out long value, string? message)
    {
        bool parsed = NumberParser.TryParseInt64(ctx.Arg(index), out value);
        if (parsed && value >= min && value <= max) return true;
        if (message != null) ctx.Reply.AddError("ERR " + message);
        else if (!parsed) ctx.Reply.AddError(ErrorMessages.NotInteger);
        else ctx.Reply.AddError($"ERR value is out of range, value must between {min} and {max}");
        return false;
    }

    // ---- ZADD / ZINCRBY ----------------------------------------------------------------------

    private static void ZAdd(CommandContext ctx) => AddGeneric(ctx, ZAddFlags.None);

    private static void ZIncrBy(CommandContext ctx) => AddGeneric(ctx, ZAddFlags.Incr);

    /// <summary>zaddGenericCommand: options, then every score checked before anything changes.</summary>
    private static void AddGeneric(CommandContext ctx, ZAddFlags flags)
    {
        int scoreIndex = 2;
        bool ch = false;
        for (; scoreIndex < ctx.ArgCount; scoreIndex++)
        {
            if (ctx.ArgIs(scoreIndex, "nx"u8)) flags |= ZAddFlags.Nx;
            else if (ctx.ArgIs(scoreIndex, "xx"u8)) flags |= ZAddFlags.Xx;
            else if (ctx.ArgIs(scoreIndex, "ch"u8)) ch = true;
            else if (ctx.ArgIs(scoreIndex, "incr"u8)) flags |= ZAddFlags.Incr;
            else if (ctx.ArgIs(scoreIndex, "gt"u8)) flags |= ZAddFlags.Gt;
            else if (ctx.ArgIs(scoreIndex, "lt"u8)) flags |= ZAddFlags.Lt;
            else break;
        }
        bool incr = (flags & ZAddFlags.Incr) != 0, nx = (flags & ZAddFlags.Nx) != 0, xx = (flags & ZAddFlags.Xx) != 0;
        bool gt = (flags & ZAddFlags.Gt) != 0, lt = (flags & ZAddFlags.Lt) != 0;
        int elements = ctx.ArgCount - scoreIndex;
        if (elements % 2 != 0 || elements == 0)
        {
            ctx.Reply.AddError(ErrorMessages.Syntax);
            return;
        }
        elements /= 2;
        if (nx && xx)
        {
            ctx.Reply.AddError(ErrorMessages.ZAddXxAndNx);
            return;
        }
        if ((gt && nx) || (lt && nx) || (gt && lt))
        {
            ctx.Reply.AddError(ErrorMessages.ZAddGtLtNx);
            return;
        }
        if (incr && elements > 1)
        {
            ctx.Reply.AddError(ErrorMessages.ZAddIncrSinglePair);
            return;
        }
        // Every score is checked before the key is touched, so the command applies fully or not at all.
        long maxLength = 0;
        for (int j = 0; j < elements; j++)
        {
            if (!ctx.TryGetDoubleOrReply(scoreIndex + j * 2, out _)) return;
            maxLength = Math.Max(maxLength, ctx.Arg(scoreIndex + 1 + j * 2).Length);
        }

        var key = ctx.Arg(1);
        byte* entry = ctx.LookupWriteOfType(key, DataType.SortedSet, out bool wrongType);
        if (wrongType) return;
        long added = 0, updated = 0, processed = 0;
        double score = 0;
        if (entry != null || !xx)
        {
            var limits = Limits(ctx);
            ValueHeader* header;
            if (entry == null)
            {
                entry = SortedSetValue.Create(ctx.Db, key, elements, maxLength, limits);
                header = Database.Header(entry);
            }
            else
            {
                header = Database.Header(entry);
                SortedSetValue.MaybeConvert(ctx.Keyspace, header, elements, maxLength, limits);
            }
            for (int j = 0; j < elements; j++)
            {
                NumberParser.TryParseDouble(ctx.Arg(scoreIndex + j * 2), out score);
                if (!SortedSetValue.Add(ctx.Keyspace, header, score, ctx.Arg(scoreIndex + 1 + j * 2), flags, limits,
                        out var outcome, out double newScore))
                {
                    ctx.Reply.AddError(ErrorMessages.ZAddNaN);
                    AfterAdd(ctx, key, incr, added, updated);
                    return;
                }
                if ((outcome & ZAddOutcome.Added) != 0) added++;
                if ((outcome & ZAddOutcome.Updated) != 0) updated++;
                if ((outcome & ZAddOutcome.Nop) == 0) processed++;
                score = newScore;
            }
            ctx.MarkDirty(added + updated);
        }
        if (incr)
        {
            if (processed > 0) ctx.Reply.AddDouble(score);
            else ctx.Reply.AddNull();
        }
        else
        {
            ctx.Reply.AddInteger(ch ? added + updated : added);
        }
        AfterAdd(ctx, key, incr, added, updated);
    }

    private static void AfterAdd(CommandContext ctx, ReadOnlySpan<byte> key, bool incr, long added, long updated)
    {
        if (added + updated > 0) ctx.KeyChanged(NotifyClass.SortedSet, incr ? "zincr" : "zadd", key);
    }

    // ---- ZREM ----------------------------------------------------------------------------------

    private static void ZRem(CommandContext ctx) =>
        CollectionEdits.RemoveElements<MemberRemover>(ctx, DataType.SortedSet, NotifyClass.SortedSet, "zrem");

    private readonly struct MemberRemover : IElementRemover
    {
        public static bool Remove(Keyspace keyspace, ValueHeader* header, ReadOnlySpan<byte> member) => SortedSetValue.Remove(keyspace, header, member);
        public static long Count(Keyspace keyspace, ValueHeader* header) => SortedSetValue.Count(keyspace, header);
    }

    // ---- reads ---------------------------------------------------------------------------------

    private static void ZCard(CommandContext ctx)
    {
        byte* entry = ctx.LookupReadOfType(ctx.Arg(1), DataType.SortedSet, out bool wrongType);
        if (wrongType) return;
        ctx.Reply.AddInteger(entry == null ? 0 : SortedSetValue.Count(ctx.Keyspace, Database.Header(entry)));
    }

    private static void ZScore(CommandContext ctx)
    {
        byte* entry = ctx.LookupReadOfType(ctx.Arg(1), DataType.SortedSet, out bool wrongType);
        if (wrongType) return;
        if (entry != null && SortedSetValue.TryGetScore(ctx.Keyspace, Database.Header(entry), ctx.Arg(2), out double score))
            ctx.Reply.AddDouble(score);
        else
            ctx.Reply.AddNull();
    }

    private static void ZMScore(CommandContext ctx)
    {
        byte* entry = ctx.LookupReadOfType(ctx.Arg(1), DataType.SortedSet, out bool wrongType);
        if (wrongType) return;
        ctx.Reply.AddArrayLength(ctx.ArgCount - 2);
        for (int j = 2; j < ctx.ArgCount; j++)
        {
            if (entry != null && SortedSetValue.TryGetScore(ctx.Keyspace, Database.Header(entry), ctx.Arg(j), out double score))
                ctx.Reply.AddDouble(score);
            else
                ctx.Reply.AddNull();
        }
    }

    private static void ZRank(CommandContext ctx) => RankGeneric(ctx, reverse: false);

    private static void ZRevRank(CommandContext ctx) => RankGeneric(ctx, reverse: true);

    private static void RankGeneric(CommandContext ctx, bool reverse)
    {
        if (ctx.ArgCount > 4)
        {
            ctx.Reply.AddError(ErrorMessages.WrongArgCount(ctx.Command.FullName));
            return;
        }
        bool withScore = false;
        if (ctx.ArgCount > 3)
        {
            if (!ctx.ArgIs(3, "withscore"u8))
            {
                ctx.Reply.AddError(ErrorMessages.Syntax);
                return;
            }
            withScore = true;
        }
        byte* entry = ctx.LookupReadOfType(ctx.Arg(1), DataType.SortedSet, out bool wrongType);
        if (wrongType) return;
        long rank = -1;
        double score = 0;
        if (entry != null) rank = SortedSetValue.Rank(ctx.Keyspace, Database.Header(entry), ctx.Arg(2), reverse, out score);
        if (rank < 0)
        {
            if (withScore) ctx.Reply.AddNullArray();
            else ctx.Reply.AddNull();
            return;
        }
        if (withScore) ctx.Reply.AddArrayLength(2);
        ctx.Reply.AddInteger(rank);
        if (withScore) ctx.Reply.AddDouble(score);
    }

    // ---- pops ----------------------------------------------------------------------------------

    private static void ZPopMin(CommandContext ctx) => PopMinMax(ctx, max: false);

    private static void ZPopMax(CommandContext ctx) => PopMinMax(ctx, max: true);

    /// <summary>zpopMinMaxCommand: ZPOPMIN/ZPOPMAX key [count].</summary>
    private static void PopMinMax(CommandContext ctx, bool max)
    {
        if (ctx.ArgCount > 3)
        {
            ctx.Reply.AddError(ErrorMessages.Syntax);
            return;
        }
        long count = -1;
        if (ctx.ArgCount == 3 && !ctx.TryGetRangeOrReply(2, 0, long.MaxValue, out count, ErrorMessages.OutOfRangeMustBePositive)) return;
        // A flat array in RESP2 or for a single pop; pairs in RESP3 when a count was given.
        bool nested = ctx.Reply.Protocol > 2 && count != -1;
        GenericPop(ctx, 1, 1, max, emitKey: false, count, nested, nilWhenEmpty: false);
    }

    /// <summary>ZMPOP numkeys key [key ...] MIN|MAX [COUNT count].</summary>
    private static void ZMPop(CommandContext ctx)
    {
        if (!TryParseMPopOrReply(ctx, 1, out int numKeys, out bool max, out long count)) return;
        GenericPop(ctx, 2, numKeys, max, emitKey: true, count, nested: true, nilWhenEmpty: true);
    }

    // ---- blocking pops --------------------------------------------------------------------------

    /// <summary>BZPOPMIN key [key ...] timeout.</summary>
    private static void BZPopMin(CommandContext ctx) =>
        BlockingPop(ctx, 1, ctx.ArgCount - 2, max: false, timeoutIndex: ctx.ArgCount - 1, count: -1, nested: false);

    /// <summary>BZPOPMAX key [key ...] timeout.</summary>
    private static void BZPopMax(CommandContext ctx) =>
        BlockingPop(ctx, 1, ctx.ArgCount - 2, max: true, timeoutIndex: ctx.ArgCount - 1, count: -1, nested: false);

    /// <summary>BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count]: the arguments are checked before the timeout.</summary>
    private static void BZMPop(CommandContext ctx)
    {
        if (!TryParseMPopOrReply(ctx, 2, out int numKeys, out bool max, out long count)) return;
        BlockingPop(ctx, 3, numKeys, max, timeoutIndex: 1, count, nested: true);
    }

    /// <summary>
    /// blockingGenericZpopCommand: pops from the first non-empty sorted set among the keys (WRONGTYPE
    /// stops at the first key of another type); with none, a null array inside MULTI/scripts, else
    /// the client blocks on every key and this runs again when one of them is ready.
    /// </summary>
    private static void BlockingPop(CommandContext ctx, int firstKey, int numKeys, bool max, int timeoutIndex, long count, bool nested)
    {
        if (!ctx.TryGetBlockingTimeoutOrReply(timeoutIndex, out long timeout)) return;
        for (int i = firstKey; i < firstKey + numKeys; i++)
        {
            var key = ctx.Arg(i);
            byte* entry = ctx.Db.LookupWrite(key);
            if (entry == null) continue;
            if (Database.Header(entry)->Type != DataType.SortedSet)
            {
                ctx.Reply.AddError(ErrorMessages.WrongType);
                return;
            }
            if (SortedSetValue.Count(ctx.Keyspace, Database.Header(entry)) == 0) continue;
            PopAndReply(ctx, key, entry, max, count, emitKey: true, nested);
            return;
        }
        if (ctx.Client.DenyBlocking)
        {
            ctx.Reply.AddNullArray();
            return;
        }
        ctx.BlockForKeys(BlockType.SortedSet, firstKey, numKeys, timeout);
    }

    /// <summary>
    /// zmpopGenericCommand's parsing, shared with BZMPOP (<paramref name="numKeysIndex"/> 2 there):
    /// numkeys, MIN|MAX and an optional COUNT (default 1). False after replying an error.
    /// </summary>
    public static bool TryParseMPopOrReply(CommandContext ctx, int numKeysIndex, out int numKeys, out bool max, out long count)
    {
        numKeys = 0;
        max = false;
        count = -1;
        if (!TryGetRangeOrReply(ctx, numKeysIndex, 1, long.MaxValue, out long n, "numkeys should be greater than 0")) return false;
        long whereIndex = numKeysIndex + Math.Min(n, ctx.ArgCount) + 1;
        if (whereIndex >= ctx.ArgCount)
        {
            ctx.Reply.AddError(ErrorMessages.Syntax);
            return false;
        }
        if (ctx.ArgIs((int)whereIndex, "min"u8)) max = false;
        else if (ctx.ArgIs((int)whereIndex, "max"u8)) max = true;
        else
        {
            ctx.Reply.AddError(ErrorMessages.Syntax);
            return false;
        }
        for (int j = (int)whereIndex + 1; j < ctx.ArgCount; j++)
        {
            bool moreArgs = ctx.ArgCount - 1 - j > 0;
            if (count == -1 && ctx.ArgIs(j, "count"u8) && moreArgs)
            {
                j++;
                if (!TryGetRangeOrReply(ctx, j, 1, long.MaxValue, out count, "count should be greater than 0")) return false;
            }
            else
            {
                ctx.Reply.AddError(ErrorMessages.Syntax);
                return false;
            }
        }
        if (count == -1) count = 1;
        numKeys = (int)n;
        return true;
    }

    /// <summary>
    /// genericZpopCommand: pops from the first existing key among arguments
    /// [<paramref name="firstKey"/>, +<paramref name="keyCount"/>) (WRONGTYPE if that key is not a
    /// sorted set). With no such key: a null array when <paramref name="nilWhenEmpty"/> (ZMPOP), else an
    /// empty array. <paramref name="count"/> -1 is a plain single pop, 0 replies an empty array.
    /// </summary>
    public static void GenericPop(CommandContext ctx, int firstKey, int keyCount, bool max, bool emitKey, long count, bool nested, bool nilWhenEmpty)
    {
        byte* entry = null;
        int keyIndex = firstKey;
        for (int i = firstKey; i < firstKey + keyCount; i++)
        {
            entry = ctx.Db.LookupWrite(ctx.Arg(i));
            if (entry == null) continue;
            if (Database.Header(entry)->Type != DataType.SortedSet)
            {
                ctx.Reply.AddError(ErrorMessages.WrongType);
                return;
            }
            keyIndex = i;
            break;
        }
        if (entry == null)
        {
            if (nilWhenEmpty) ctx.Reply.AddNullArray();
            else ctx.Reply.AddEmptyArray();
            return;
        }
        if (count == 0)
        {
            ctx.Reply.AddEmptyArray();
            return;
        }
        PopAndReply(ctx, ctx.Arg(keyIndex), entry, max, count, emitKey, nested);
    }

    /// <summary>
    /// The pop core shared by ZPOPMIN/ZPOPMAX, ZMPOP and the blocking BZPOPMIN/BZPOPMAX/BZMPOP: pops up
    /// to <paramref name="count"/> (-1: one, as a plain pop) of the lowest (or, with <paramref name="max"/>,
    /// highest) elements of the non-empty sorted set at <paramref name="entry"/> and writes the reply:
    /// <list type="bullet">
    /// <item>flat, no key: <c>[m1, s1, m2, s2...]</c> (ZPOPMIN in RESP2, or without a count);</item>
    /// <item>nested, no key: <c>[[m1, s1], ...]</c> (ZPOPMIN with a count in RESP3);</item>
    /// <item>flat with key: <c>[key, m1, s1...]</c> (BZPOPMIN/BZPOPMAX);</item>
    /// <item>nested with key: <c>[key, [[m1, s1], ...]]</c> (ZMPOP/BZMPOP).</item>
    /// </list>
    /// Then "zpopmin"/"zpopmax" (and "del" when the set empties, which deletes the key), the
    /// modified-key signal and one dirty per element. Returns whether the key was deleted.
    /// </summary>
    public static bool PopAndReply(CommandContext ctx, ReadOnlySpan<byte> key, byte* entry, bool max, long count, bool emitKey, bool nested)
    {
        ValueHeader* header = Database.Header(entry);
        var keyspace = ctx.Keyspace;
        var reply = ctx.Reply;
        bool single = count == -1;
        if (count == -1) count = 1;
        long length = SortedSetValue.Count(keyspace, header);
        long n = Math.Min(count, length);
        if (!nested && !emitKey) reply.AddArrayLength(n * 2);
        else if (nested && !emitKey) reply.AddArrayLength(n);
        else if (!nested)
        {
            reply.AddArrayLength(n * 2 + 1);
            reply.AddBulk(key);
        }
        else
        {
            reply.AddArrayLength(2);
            reply.AddBulk(key);
            reply.AddArrayLength(n);
        }
        var writer = new ElementWriter(reply, withScores: true, nested);
        SortedSetValue.VisitRankRange(keyspace, header, 0, n, reverse: max, ref writer);
        SortedSetValue.RemoveRangeByRank(keyspace, header, max ? length - n : 0, max ? length - 1 : n - 1);
        ctx.MarkDirty(n);
        // Propagation as t_zset.c: ZPOPMIN/ZPOPMAX go out as received; BZPOPMIN/BZPOPMAX as
        // ZPOPMIN|ZPOPMAX key (no count); ZMPOP/BZMPOP as ZPOPMIN|ZPOPMAX key popped-count.
        if (!ctx.Command.Name.StartsWith("zpop", StringComparison.Ordinal))
        {
            if (single) ctx.RewriteArgs(2).Arg(max ? "ZPOPMAX"u8 : "ZPOPMIN"u8).Arg(key);
            else ctx.RewriteArgs(3).Arg(max ? "ZPOPMAX"u8 : "ZPOPMIN"u8).Arg(key).Arg(n);
        }
        ctx.Server.Notify(NotifyClass.SortedSet, max ? "zpopmax" : "zpopmin", key, ctx.Db.Id);
        bool deleted = false;
        if (n == length)
        {
            ctx.Db.DeleteEntry(entry);
            ctx.Server.Notify(NotifyClass.Generic, "del", key, ctx.Db.Id);
            deleted = true;
        }
        ctx.Server.KeyModified(ctx.Db, key);
        return deleted;
    }

    /// <summary>
    /// Writes elements as the range and pop replies do: the member, then (optionally) the score,
    /// each pair in its own 2-element array when <c>nested</c> (RESP3 WITHSCORES).
    /// </summary>
    internal readonly struct ElementWriter(ReplyWriter reply, bool withScores, bool nested) : ISortedSetVisitor
    {
        public void Visit(ReadOnlySpan<byte> member, double score)
        {
            if (nested) reply.AddArrayLength(2);
            reply.AddBulk(member);
            if (withScores) reply.AddDouble(score);
        }
    }

    // ---- ZRANDMEMBER ---------------------------------------------------------------------------

    /// <summary>Below this ratio of set size to count, ZRANDMEMBER copies the set instead of drawing (Valkey's ZRANDMEMBER_SUB_STRATEGY_MUL).</summary>
    private const int SubStrategyMultiplier = 3;

    private static void ZRandMember(CommandContext ctx)
    {
        if (ctx.ArgCount >= 3)
        {
            if (!TryGetRangeOrReply(ctx, 2, -long.MaxValue, long.MaxValue, out long l, null)) return;
            if (ctx.ArgCount > 4 || (ctx.ArgCount == 4 && !ctx.ArgIs(3, "withscores"u8)))
            {
                ctx.Reply.AddError(ErrorMessages.Syntax);
                return;
            }
            bool withScores = ctx.ArgCount == 4;
            if (withScores && (l < -long.MaxValue / 2 || l > long.MaxValue / 2))
            {
                ctx.Reply.AddError(ErrorMessages.ValueOutOfRange);
                return;
            }
            RandMemberWithCount(ctx, l, withScores);
            return;
        }
        byte* entry = ctx.LookupReadOfType(ctx.Arg(1), DataType.SortedSet, out bool wrongType);
        if (wrongType) return;
        if (entry == null)
        {
            ctx.Reply.AddNull();
            return;
        }
        SortedSetValue.RandomElement(ctx.Keyspace, Database.Header(entry), out var member, out _);
        ctx.Reply.AddBulk(member);
    }

    private static void RandMemberWithCount(CommandContext ctx, long l, bool withScores)
    {
        byte* entry = ctx.LookupReadOfType(ctx.Arg(1), DataType.SortedSet, out bool wrongType);
        if (wrongType) return;
        var reply = ctx.Reply;
        if (entry == null || l == 0)
        {
            reply.AddEmptyArray();
            return;
        }
        ValueHeader* header = Database.Header(entry);
        var keyspace = ctx.Keyspace;
        long size = SortedSetValue.Count(keyspace, header);
        bool unique = l > 0;
        long count = unique ? l : -l;
        bool resp2Flat = withScores && reply.Protocol == 2;
        bool nested = withScores && reply.Protocol > 2;
        var writer = new ElementWriter(reply, withScores, nested);

        // CASE 1: with repetitions (negative count), or a single element: independent draws.
        if (!unique || count == 1)
        {
            reply.AddArrayLength(resp2Flat ? count * 2 : count);
            if (header->Encoding == ValueEncoding.SkipList)
            {
                for (long i = 0; i < count && !ctx.Client.CloseAsap; i++)
                {
                    SortedSetValue.RandomElement(keyspace, header, out var member, out double score);
                    writer.Visit(member, score);
                }
                return;
            }
            int n = (int)size;
            Span<int> offsets = n <= 1024 ? stackalloc int[n] : new int[n];
            SortedSetValue.ListpackPairOffsets(header, offsets);
            for (long i = 0; i < count && !ctx.Client.CloseAsap; i++)
            {
                var member = SortedSetValue.ListpackPairAt(header, offsets[(int)SortedSetValue.NextRandom(n)], out double score);
                writer.Visit(member, score);
            }
            return;
        }

        long replySize = Math.Min(count, size);
        reply.AddArrayLength(resp2Flat ? replySize * 2 : replySize);

        // CASE 2: the whole set, from the highest score down (Valkey walks sorted sets backwards).
        if (count >= size)
        {
            SortedSetValue.VisitRankRange(keyspace, header, 0, size, reverse: true, ref writer);
            return;
        }

        // CASE 2.5 (listpack): a uniformly chosen subset, in the set's order (selection sampling).
        if (header->Encoding == ValueEncoding.ListPack)
        {
            var sampler = new SelectionSampler(writer, count, size);
            SortedSetValue.ForEach(keyspace, header, ref sampler);
            return;
        }

        // CASE 3: most of the set: copy it and keep a random subset.
        if (count * SubStrategyMultiplier > size)
        {
            var all = new List<(byte[] Member, double Score)>((int)size);
            var collector = new Collector(all);
            SortedSetValue.ForEach(keyspace, header, ref collector);
            for (int i = 0; i < count; i++)
            {
                int j = i + (int)SortedSetValue.NextRandom(all.Count - i);
                (all[i], all[j]) = (all[j], all[i]);
            }
            for (int i = 0; i < count; i++) writer.Visit(all[i].Member, all[i].Score);
            return;
        }

        // CASE 4: few members of a big set: draw until enough distinct ones.
        var seen = new HashSet<string>();
        long added = 0;
        while (added < count)
        {
            SortedSetValue.RandomElement(keyspace, header, out var member, out double score);
            if (!seen.Add(Encoding.Latin1.GetString(member))) continue;
            added++;
            writer.Visit(member, score);
        }
    }

    /// <summary>Knuth's selection sampling: visits exactly <c>needed</c> of <c>total</c> elements, each subset equally likely.</summary>
    private struct SelectionSampler(ElementWriter writer, long needed, long total) : ISortedSetVisitor
    {
        private long _needed = needed;
        private long _remaining = total;

        public void Visit(ReadOnlySpan<byte> member, double score)
        {
            if (_needed > 0 && SortedSetValue.NextRandom(_remaining) < _needed)
            {
                writer.Visit(member, score);
                _needed--;
            }
            _remaining--;
        }
    }

    /// <summary>Copies elements out (store commands, ZRANDMEMBER: not hot paths).</summary>
    internal readonly struct Collector(List<(byte[] Member, double Score)> list) : ISortedSetVisitor
    {
        public void Visit(ReadOnlySpan<byte> member, double score) => list.Add((member.ToArray(), score));
    }

    // ---- ZSCAN ---------------------------------------------------------------------------------

    private static void ZScan(CommandContext ctx)
    {
        if (!KeyCommands.TryParseCursorOrReply(ctx, 2, out ulong cursor)) return;
        byte* entry = ctx.LookupReadOfType(ctx.Arg(1), DataType.SortedSet, out bool wrongType);
        if (wrongType) return;
        var reply = ctx.Reply;
        if (entry == null)
        {
            reply.AddArrayLength(2);
            reply.AddBulk("0"u8);
            reply.AddEmptyArray();
            return;
        }
        if (!ScanOptions.TryParseOrReply(ctx, 3, ScanKind.SortedSet, out var options)) return;
        ValueHeader* header = Database.Header(entry);
        var found = new List<(byte[] Member, double Score)>();
        byte[]? pattern = options.UsePattern ? options.Pattern.ToArray() : null;
        var collector = new ScanCollector(found, pattern);
        bool table = header->Encoding == ValueEncoding.SkipList;
        if (!table)
        {
            // A listpack is returned whole, with cursor 0 (as Valkey does).
            SortedSetValue.ForEach(ctx.Keyspace, header, ref collector);
            cursor = 0;
        }
        else
        {
            long count = options.Count;
            long maxIterations = count > long.MaxValue / 10 ? long.MaxValue : count * 10;
            do
            {
                cursor = SortedSetValue.ScanTable(ctx.Keyspace, header, cursor, ref collector);
            } while (cursor != 0 && maxIterations-- > 0 && collector.Sampled < count);
        }
        reply.AddArrayLength(2);
        reply.AddBulk((long)cursor);
        reply.AddArrayLength(options.NoScores ? found.Count : found.Count * 2L);
        Span<byte> text = stackalloc byte[LongDouble.MaxGeneralLength + 8];
        foreach (var (member, score) in found)
        {
            reply.AddBulk(member);
            if (options.NoScores) continue;
            // A listpack holds the score as d2string text; the skiplist scan prints it with "%.17g".
            int n = table ? LongDouble.FromDouble(score).FormatGeneral(text) : NumberFormatter.FormatDouble(score, text);
            reply.AddBulk(text[..n]);
        }
    }

    /// <summary>Collects the elements whose member matches the pattern (if any), counting every one seen.</summary>
    private struct ScanCollector(List<(byte[] Member, double Score)> found, byte[]? pattern) : ISortedSetVisitor
    {
        public long Sampled;

        public void Visit(ReadOnlySpan<byte> member, double score)
        {
            Sampled++;
            if (pattern != null && !GlobMatcher.IsMatch(pattern, member)) return;
            found.Add((member.ToArray(), score));
        }
    }
}
