using System.Text;
using Valkey.Native.Storage;
using Valkey.Native.Util;
using static Valkey.Native.Commands.KeySpecFlags;

namespace Valkey.Native.Commands;

/// <summary>
/// Set commands (Valkey's t_set.c): membership, random pops and samples, SSCAN and the set
/// algebra (SINTER/SUNION/SDIFF and their STORE forms, SINTERCARD). Values live in
/// <see cref="SetValue"/> (intset, listpack, hashtable). Set algebra, SPOP/SRANDMEMBER with
/// counts copy members out; only the single-member commands stay allocation-free.
/// </summary>
public static unsafe class SetCommands
{
    private const CommandFlags WriteFast = CommandFlags.Write | CommandFlags.DenyOom | CommandFlags.Fast;
    private const CommandFlags ReadFast = CommandFlags.ReadOnly | CommandFlags.Fast;
    private const CommandFlags WriteOom = CommandFlags.Write | CommandFlags.DenyOom;
    private const string InterComplexity = "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.";
    private const string UnionComplexity = "O(N) where N is the total number of elements in all given sets.";

    public static readonly CommandSpec[] Commands =
    [
        new("sadd", -3, WriteFast, AclCategories.Set, SAdd)
            {
                Group = "set", Since = "1.0.0", Summary = "Adds one or more members to a set. Creates the key if it doesn't exist.",
                Complexity = "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.",
                KeySpecs = [KeySpec.Index(1, RW | Insert)],
                History = [("2.4.0", "Accepts multiple `member` arguments.")],
            },
        new("srem", -3, CommandFlags.Write | CommandFlags.Fast, AclCategories.Set, SRem)
            {
                Group = "set", Since = "1.0.0", Summary = "Removes one or more members from a set. Deletes the set if the last member was removed.",
                Complexity = "O(N) where N is the number of members to be removed.",
                KeySpecs = [KeySpec.Index(1, RW | Delete)],
                History = [("2.4.0", "Accepts multiple `member` arguments.")],
            },
        new("smembers", 2, CommandFlags.ReadOnly, AclCategories.Set, SMembers)
            {
                Group = "set", Since = "1.0.0", Summary = "Returns all members of a set.", Complexity = "O(N) where N is the set cardinality.",
                KeySpecs = [KeySpec.Index(1, RO | Access)],
                Tips = ["nondeterministic_output_order"],
            },
        new("sismember", 3, ReadFast, AclCategories.Set, SIsMember)
            {
                Group = "set", Since = "1.0.0", Summary = "Determines whether a member belongs to a set.", Complexity = "O(1)",
                KeySpecs = [KeySpec.Index(1, RO)],
            },
        new("smismember", -3, ReadFast, AclCategories.Set, SMIsMember)
            {
                Group = "set", Since = "6.2.0", Summary = "Determines whether multiple members belong to a set.",
                Complexity = "O(N) where N is the number of elements being checked for membership",
                KeySpecs = [KeySpec.Index(1, RO | Access)],
            },
        new("scard", 2, ReadFast, AclCategories.Set, SCard)
            {
                Group = "set", Since = "1.0.0", Summary = "Returns the number of members in a set.", Complexity = "O(1)",
                KeySpecs = [KeySpec.Index(1, RO)],
            },
        new("smove", 4, CommandFlags.Write | CommandFlags.Fast, AclCategories.Set, SMove)
            {
                Group = "set", Since = "1.0.0", Summary = "Moves a member from one set to another.", Complexity = "O(1)",
                KeySpecs = [KeySpec.Index(1, RW | Access | Delete), KeySpec.Index(2, RW | Insert)],
            },
        new("spop", -2, CommandFlags.Write | CommandFlags.Fast, AclCategories.Set, SPop)
            {
                Group = "set", Since = "1.0.0", Summary = "Returns one or more random members from a set after removing them. Deletes the set if the last member was popped.",
                Complexity = "Without the count argument O(1), otherwise O(N) where N is the value of the passed count.",
                KeySpecs = [KeySpec.Index(1, RW | Access | Delete)],
                History = [("3.2.0", "Added the `count` argument.")],
                Tips = ["nondeterministic_output"],
            },
        new("srandmember", -2, CommandFlags.ReadOnly, AclCategories.Set, SRandMember)
            {
                Group = "set", Since = "1.0.0", Summary = "Get one or multiple random members from a set",
                Complexity = "Without the count argument O(1), otherwise O(N) where N is the absolute value of the passed count.",
                KeySpecs = [KeySpec.Index(1, RO | Access)],
                History = [("2.6.0", "Added the optional `count` argument.")],
                Tips = ["nondeterministic_output"],
            },
        new("sscan", -3, CommandFlags.ReadOnly, AclCategories.Set, SScan)
            {
                Group = "set", Since = "2.8.0", Summary = "Iterates over members of a set.",
                Complexity = "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.",
                KeySpecs = [KeySpec.Index(1, RO | Access)],
                Tips = ["nondeterministic_output"],
            },
        new("sinter", -2, CommandFlags.ReadOnly, AclCategories.Set, SInter)
            {
                Group = "set", Since = "1.0.0", Summary = "Returns the intersect of multiple sets.", Complexity = InterComplexity,
                KeySpecs = [KeySpec.Index(1, RO | Access, lastKey: -1)],
                Tips = ["nondeterministic_output_order"],
            },
        new("sintercard", -3, CommandFlags.ReadOnly, AclCategories.Set, SInterCard)
            {
                Group = "set", Since = "7.0.0", Summary = "Returns the number of members of the intersect of multiple sets.", Complexity = InterComplexity,
                KeySpecs = [KeySpec.IndexKeyNum(1, RO | Access, keyNumIndex: 0, firstKey: 1, step: 1)],
            },
        new("sinterstore", -3, WriteOom, AclCategories.Set, SInterStore)
            {
                Group = "set", Since = "1.0.0", Summary = "Stores the intersect of multiple sets in a key.", Complexity = InterComplexity,
                KeySpecs = [KeySpec.Index(1, OW | Update), KeySpec.Index(2, RO | Access, lastKey: -1)],
            },
        new("sunion", -2, CommandFlags.ReadOnly, AclCategories.Set, SUnion)
            {
                Group = "set", Since = "1.0.0", Summary = "Returns the union of multiple sets.", Complexity = UnionComplexity,
                KeySpecs = [KeySpec.Index(1, RO | Access, lastKey: -1)],
                Tips = ["nondeterministic_output_order"],
            },
        new("sunionstore", -3, WriteOom, AclCategories.Set, SUnionStore)
            {
                Group = "set", Since = "1.0.0", Summary = "Stores the union of multiple sets in a key.", Complexity = UnionComplexity,
                KeySpecs = [KeySpec.Index(1, OW | Update), KeySpec.Index(2, RO | Access, lastKey: -1)],
            },
        new("sdiff", -2, CommandFlags.ReadOnly, AclCategories.Set, SDiff)
            {
                Group = "set", Since = "1.0.0", Summary = "Returns the difference of multiple sets.", Complexity = UnionComplexity,
                KeySpecs = [KeySpec.Index(1, RO | Access, lastKey: -1)],
                Tips = ["nondeterministic_output_order"],
            },
        new("sdiffstore", -3, WriteOom, AclCategories.Set, SDiffStore)
            {
                Group = "set", Since = "1.0.0", Summary = "Stores the difference of multiple sets in a key.", Complexity = UnionComplexity,
                KeySpecs = [KeySpec.Index(1, OW | Update), KeySpec.Index(2, RO | Access, lastKey: -1)],
            },
    ];

    private static SetLimits Limits(CommandContext ctx)
    {
        var c = ctx.Server.Config;
        return new SetLimits(c.SetMaxIntsetEntries, c.SetMaxListpackEntries, c.SetMaxListpackValue);
    }

    // ---- SADD / SREM / SMOVE -----------------------------------------------------------------

    private static void SAdd(CommandContext ctx)
    {
        var key = ctx.Arg(1);
        byte* entry = ctx.LookupWriteOfType(key, DataType.Set, out bool wrongType);
        if (wrongType) return;
        var limits = Limits(ctx);
        long hint = ctx.ArgCount - 2;
        ValueHeader* header;
        if (entry == null)
        {
            var encoding = SetValue.EncodingFor(ctx.Arg(2), hint, limits);
            entry = ctx.Db.Add(key, DataType.Set, encoding, 8);
            header = Database.Header(entry);
            SetValue.InitEmpty(ctx.Keyspace, header, encoding);
        }
        else
        {
            header = Database.Header(entry);
            SetValue.MaybeConvert(ctx.Keyspace, header, hint, limits);
        }
        long added = 0;
        for (int i = 2; i < ctx.ArgCount; i++)
        {
            if (SetValue.Add(ctx.Keyspace, header, ctx.Arg(i), limits)) added++;
        }
        if (added > 0)
        {
            ctx.KeyChanged(NotifyClass.Set, "sadd", key);
            ctx.MarkDirty(added);
        }
        ctx.Reply.AddInteger(added);
    }

    private static void SRem(CommandContext ctx) =>
        CollectionEdits.RemoveElements<MemberRemover>(ctx, DataType.Set, NotifyClass.Set, "srem");

    private readonly struct MemberRemover : IElementRemover
    {
        public static bool Remove(Keyspace keyspace, ValueHeader* header, ReadOnlySpan<byte> member) => SetValue.Remove(keyspace, header, member);
        public static long Count(Keyspace keyspace, ValueHeader* header) => SetValue.Count(keyspace, header);
    }

    private static void SMove(CommandContext ctx)
    {
        var srcKey = ctx.Arg(1);
        var dstKey = ctx.Arg(2);
        var member = ctx.Arg(3);
        byte* src = ctx.Db.LookupWrite(srcKey);
        byte* dst = ctx.Db.LookupWrite(dstKey);
        if (src == null)
        {
            ctx.Reply.AddInteger(0);
            return;
        }
        if (Database.Header(src)->Type != DataType.Set || (dst != null && Database.Header(dst)->Type != DataType.Set))
        {
            ctx.Reply.AddError(ErrorMessages.WrongType);
            return;
        }
        ValueHeader* srcHeader = Database.Header(src);
        if (src == dst)
        {
            ctx.Reply.AddInteger(SetValue.Contains(ctx.Keyspace, srcHeader, member) ? 1 : 0);
            return;
        }
        if (!SetValue.Remove(ctx.Keyspace, srcHeader, member))
        {
            ctx.Reply.AddInteger(0);
            return;
        }
        ctx.Server.Notify(NotifyClass.Set, "srem", srcKey, ctx.Db.Id);
        if (SetValue.Count(ctx.Keyspace, srcHeader) == 0)
        {
            ctx.Db.DeleteEntry(src);
            ctx.Server.Notify(NotifyClass.Generic, "del", srcKey, ctx.Db.Id);
        }
        var limits = Limits(ctx);
        if (dst == null)
        {
            var encoding = SetValue.EncodingFor(member, 1, limits);
            dst = ctx.Db.Add(dstKey, DataType.Set, encoding, 8);
            SetValue.InitEmpty(ctx.Keyspace, Database.Header(dst), encoding);
        }
        ctx.Server.KeyModified(ctx.Db, srcKey);
        ctx.MarkDirty(1);
        if (SetValue.Add(ctx.Keyspace, Database.Header(dst), member, limits))
        {
            ctx.MarkDirty(1);
            ctx.KeyChanged(NotifyClass.Set, "sadd", dstKey);
        }
        ctx.Reply.AddInteger(1);
    }

    // ---- reads -------------------------------------------------------------------------------

    private static void SMembers(CommandContext ctx)
    {
        byte* entry = ctx.LookupReadOfType(ctx.Arg(1), DataType.Set, out bool wrongType);
        if (wrongType) return;
        if (entry == null)
        {
            ctx.Reply.AddSetLength(0);
            return;
        }
        ValueHeader* header = Database.Header(entry);
        ctx.Reply.AddSetLength(SetValue.Count(ctx.Keyspace, header));
        var writer = new MemberWriter(ctx.Reply);
        SetValue.ForEach(ctx.Keyspace, header, ref writer);
    }

    private readonly struct MemberWriter(Protocol.ReplyWriter reply) : ISetVisitor
    {
        public void Visit(ReadOnlySpan<byte> member) => reply.AddBulk(member);
    }

    private static void SIsMember(CommandContext ctx)
    {
        byte* entry = ctx.LookupReadOfType(ctx.Arg(1), DataType.Set, out bool wrongType);
        if (wrongType) return;
        ctx.Reply.AddInteger(entry != null && SetValue.Contains(ctx.Keyspace, Database.Header(entry), ctx.Arg(2)) ? 1 : 0);
    }

    private static void SMIsMember(CommandContext ctx)
    {
        byte* entry = ctx.LookupReadOfType(ctx.Arg(1), DataType.Set, out bool wrongType);
        if (wrongType) return;
        ctx.Reply.AddArrayLength(ctx.ArgCount - 2);
        for (int i = 2; i < ctx.ArgCount; i++)
            ctx.Reply.AddInteger(entry != null && SetValue.Contains(ctx.Keyspace, Database.Header(entry), ctx.Arg(i)) ? 1 : 0);
    }

    private static void SCard(CommandContext ctx)
    {
        byte* entry = ctx.LookupReadOfType(ctx.Arg(1), DataType.Set, out bool wrongType);
        if (wrongType) return;
        ctx.Reply.AddInteger(entry == null ? 0 : SetValue.Count(ctx.Keyspace, Database.Header(entry)));
    }

    // ---- SPOP / SRANDMEMBER ------------------------------------------------------------------

    private static void SPop(CommandContext ctx)
    {
        if (ctx.ArgCount == 3)
        {
            SPopWithCount(ctx);
            return;
        }
        if (ctx.ArgCount > 3)
        {
            ctx.Reply.AddError(ErrorMessages.Syntax);
            return;
        }
        var key = ctx.Arg(1);
        byte* entry = ctx.LookupWriteOfType(key, DataType.Set, out bool wrongType);
        if (wrongType) return;
        if (entry == null)
        {
            ctx.Reply.AddNull();
            return;
        }
        ValueHeader* header = Database.Header(entry);
        byte[] member = SetValue.RandomMember(ctx.Keyspace, header);
        SetValue.Remove(ctx.Keyspace, header, member);
        ctx.KeyChanged(NotifyClass.Set, "spop", key);
        ctx.Reply.AddBulk(member);
        // The random pick propagates as SREM key member.
        ctx.RewriteArgs(3).Arg("SREM"u8).Arg(key).Arg(member);
        if (SetValue.Count(ctx.Keyspace, header) == 0)
        {
            ctx.Db.DeleteEntry(entry);
            ctx.Server.Notify(NotifyClass.Generic, "del", key, ctx.Db.Id);
        }
        ctx.MarkDirty(1);
    }

    private static void SPopWithCount(CommandContext ctx)
    {
        if (!ctx.TryGetInt64OrReply(2, out long count)) return;
        if (count < 0)
        {
            ctx.Reply.AddError(ErrorMessages.OutOfRangeMustBePositive);
            return;
        }
        var key = ctx.Arg(1);
        byte* entry = ctx.LookupWriteOfType(key, DataType.Set, out bool wrongType);
        if (wrongType) return;
        if (entry == null || count == 0)
        {
            ctx.Reply.AddSetLength(0);
            return;
        }
        ValueHeader* header = Database.Header(entry);
        long size = SetValue.Count(ctx.Keyspace, header);
        ctx.Server.Notify(NotifyClass.Set, "spop", key, ctx.Db.Id);
        ctx.MarkDirty(Math.Min(count, size));
        if (count >= size)
        {
            ctx.Reply.AddSetLength(size);
            var writer = new MemberWriter(ctx.Reply);
            SetValue.ForEach(ctx.Keyspace, header, ref writer);
            ctx.Db.DeleteEntry(entry);
            ctx.Server.Notify(NotifyClass.Generic, "del", key, ctx.Db.Id);
            ctx.Server.KeyModified(ctx.Db, key);
            // spopWithCountCommand: UNLINK when lazyfree-lazy-server-del is on.
            ctx.RewriteArgs(2).Arg(ctx.Server.Config.LazyfreeLazyServerDel ? "UNLINK"u8 : "DEL"u8).Arg(key);
            return;
        }
        ctx.Reply.AddSetLength(count);
        // The random picks propagate as one SREM key m1 m2 ...
        var propagated = ctx.RewriteArgs(2 + (int)count).Arg("SREM"u8).Arg(key);
        for (long i = 0; i < count; i++)
        {
            byte[] member = SetValue.RandomMember(ctx.Keyspace, header);
            SetValue.Remove(ctx.Keyspace, header, member);
            ctx.Reply.AddBulk(member);
            propagated.Arg(member);
        }
        ctx.Server.KeyModified(ctx.Db, key);
    }

    private static void SRandMember(CommandContext ctx)
    {
        if (ctx.ArgCount == 3)
        {
            SRandMemberWithCount(ctx);
            return;
        }
        if (ctx.ArgCount > 3)
        {
            ctx.Reply.AddError(ErrorMessages.Syntax);
            return;
        }
        byte* entry = ctx.LookupReadOfType(ctx.Arg(1), DataType.Set, out bool wrongType);
        if (wrongType) return;
        if (entry == null)
        {
            ctx.Reply.AddNull();
            return;
        }
        ctx.Reply.AddBulk(SetValue.RandomMember(ctx.Keyspace, Database.Header(entry)));
    }

    /// <summary>Up to this many members, SRANDMEMBER with a count copies the set and picks exactly uniformly.</summary>
    private const long SmallCopyLimit = 1024;

    private static void SRandMemberWithCount(CommandContext ctx)
    {
        if (!ctx.TryGetInt64OrReply(2, out long l)) return;
        if (l == long.MinValue)
        {
            ctx.Reply.AddError(ErrorMessages.ValueMustBetweenSignedLong);
            return;
        }
        bool unique = l >= 0;
        long count = Math.Abs(l);
        byte* entry = ctx.LookupReadOfType(ctx.Arg(1), DataType.Set, out bool wrongType);
        if (wrongType) return;
        if (entry == null || count == 0)
        {
            ctx.Reply.AddArrayLength(0);
            return;
        }
        ValueHeader* header = Database.Header(entry);
        var keyspace = ctx.Keyspace;
        long size = SetValue.Count(keyspace, header);
        var reply = ctx.Reply;

        // With repetitions (negative count): independent draws.
        if (!unique || count == 1)
        {
            reply.AddArrayLength(count);
            // Independent table draws for a big set; a copy for a small one, where an exact
            // uniform pick is cheap (the table's sampler favours some chains slightly).
            if (count == 1 || (header->Encoding == ValueEncoding.HashTable && size > SmallCopyLimit && size > count))
            {
                for (long i = 0; i < count; i++) reply.AddBulk(SetValue.RandomMember(keyspace, header));
                return;
            }
            var all = SetValue.Members(keyspace, header);
            for (long i = 0; i < count; i++) reply.AddBulk(all[(int)SetValue.RandomBelow(all.Count)]);
            return;
        }

        // The whole set.
        if (count >= size)
        {
            reply.AddArrayLength(size);
            var writer = new MemberWriter(reply);
            SetValue.ForEach(keyspace, header, ref writer);
            return;
        }

        // Many of the members: copy them and keep a random subset (partial Fisher-Yates).
        if (header->Encoding != ValueEncoding.HashTable || count * 3 > size || size <= SmallCopyLimit)
        {
            var all = SetValue.Members(keyspace, header);
            for (int i = 0; i < count; i++)
            {
                int j = i + (int)SetValue.RandomBelow(all.Count - i);
                (all[i], all[j]) = (all[j], all[i]);
            }
            reply.AddArrayLength(count);
            for (int i = 0; i < count; i++) reply.AddBulk(all[i]);
            return;
        }

        // Few members of a big set: draw until enough distinct ones.
        var picked = new HashSet<string>();
        var order = new List<byte[]>((int)count);
        while (order.Count < count)
        {
            byte[] member = SetValue.RandomMember(keyspace, header);
            if (picked.Add(Encoding.Latin1.GetString(member))) order.Add(member);
        }
        reply.AddArrayLength(count);
        foreach (var m in order) reply.AddBulk(m);
    }

    // ---- SSCAN -------------------------------------------------------------------------------

    private static void SScan(CommandContext ctx)
    {
        if (!KeyCommands.TryParseCursorOrReply(ctx, 2, out ulong cursor)) return;
        byte* entry = ctx.LookupReadOfType(ctx.Arg(1), DataType.Set, out bool wrongType);
        if (wrongType) return;
        if (entry == null)
        {
            ctx.Reply.AddArrayLength(2);
            ctx.Reply.AddBulk("0"u8);
            ctx.Reply.AddArrayLength(0);
            return;
        }
        if (!ScanOptions.TryParseOrReply(ctx, 3, ScanKind.Set, out var options)) return;
        long count = options.Count;
        ReadOnlySpan<byte> pattern = options.Pattern;
        bool usePattern = options.UsePattern;
        ValueHeader* header = Database.Header(entry);
        var found = new List<byte[]>();
        if (header->Encoding != ValueEncoding.HashTable)
        {
            // Small encodings are returned whole, with cursor 0 (as Valkey does).
            foreach (var m in SetValue.Members(ctx.Keyspace, header))
                if (!usePattern || GlobMatcher.IsMatch(pattern, m)) found.Add(m);
            cursor = 0;
        }
        else
        {
            var table = ctx.Keyspace.Handles.Get<KeyTable>(*(int*)ValueHeader.DataOf(header));
            var collector = new ScanCollector(found);
            long maxIterations = count > long.MaxValue / 10 ? long.MaxValue : count * 10;
            do
            {
                cursor = table.Scan(cursor, ref collector);
            } while (cursor != 0 && maxIterations-- > 0 && found.Count < count);
            if (usePattern)
            {
                byte[] patternBytes = pattern.ToArray();
                found.RemoveAll(m => !GlobMatcher.IsMatch(patternBytes, m));
            }
        }
        ctx.Reply.AddArrayLength(2);
        Span<byte> digits = stackalloc byte[24];
        ctx.Reply.AddBulk(digits[..NumberFormatter.FormatUInt64(cursor, digits)]);
        ctx.Reply.AddArrayLength(found.Count);
        foreach (var m in found) ctx.Reply.AddBulk(m);
    }

    private readonly struct ScanCollector(List<byte[]> found) : IKeyTableVisitor
    {
        public void Visit(byte* entry) => found.Add(KeyTable.KeyOf(entry).ToArray());
    }

    // ---- set algebra -------------------------------------------------------------------------

    /// <summary>Looks up the source sets (null for a missing key); false after replying WRONGTYPE.</summary>
    private static bool LookupSets(CommandContext ctx, int first, int count, out nint[] sets)
    {
        sets = new nint[count];
        for (int j = 0; j < count; j++)
        {
            byte* entry = ctx.LookupReadOfType(ctx.Arg(first + j), DataType.Set, out bool wrongType);
            if (wrongType) return false;
            sets[j] = entry == null ? 0 : (nint)Database.Header(entry);
        }
        return true;
    }

    private static void SInter(CommandContext ctx) => InterGeneric(ctx, 1, ctx.ArgCount - 1, -1, false, 0);

    private static void SInterStore(CommandContext ctx) => InterGeneric(ctx, 2, ctx.ArgCount - 2, 1, false, 0);

    private static void SInterCard(CommandContext ctx)
    {
        if (!ctx.TryGetRangeOrReply(1, 1, long.MaxValue, out long numKeys, ErrorMessages.NumKeysMustBePositive)) return;
        if (numKeys > ctx.ArgCount - 2)
        {
            ctx.Reply.AddError(ErrorMessages.NumKeysGreaterThanArgs);
            return;
        }
        long limit = 0;
        for (int j = 2 + (int)numKeys; j < ctx.ArgCount; j++)
        {
            int moreArgs = ctx.ArgCount - 1 - j;
            if (ctx.ArgIs(j, "limit"u8) && moreArgs > 0)
            {
                j++;
                if (!ctx.TryGetRangeOrReply(j, 0, long.MaxValue, out limit, ErrorMessages.LimitCantBeNegative)) return;
            }
            else
            {
                ctx.Reply.AddError(ErrorMessages.Syntax);
                return;
            }
        }
        InterGeneric(ctx, 2, (int)numKeys, -1, true, limit);
    }

    private static void InterGeneric(CommandContext ctx, int first, int count, int dstIndex, bool cardinalityOnly, long limit)
    {
        if (!LookupSets(ctx, first, count, out nint[] sets)) return;
        var keyspace = ctx.Keyspace;
        if (Array.IndexOf(sets, (nint)0) >= 0)
        {
            if (dstIndex >= 0) StoreEmpty(ctx, dstIndex);
            else if (cardinalityOnly) ctx.Reply.AddInteger(0);
            else ctx.Reply.AddSetLength(0);
            return;
        }
        Array.Sort(sets, (a, b) => SetValue.Count(keyspace, (ValueHeader*)a).CompareTo(SetValue.Count(keyspace, (ValueHeader*)b)));
        var smallest = (ValueHeader*)sets[0];
        var result = new List<byte[]>();
        long cardinality = 0;
        foreach (var m in SetValue.Members(keyspace, smallest))
        {
            bool inAll = true;
            for (int j = 1; j < sets.Length && inAll; j++)
            {
                if (sets[j] == sets[0]) continue;
                inAll = SetValue.Contains(keyspace, (ValueHeader*)sets[j], m);
            }
            if (!inAll) continue;
            cardinality++;
            if (cardinalityOnly)
            {
                if (limit != 0 && cardinality >= limit) break;
            }
            else result.Add(m);
        }
        if (cardinalityOnly)
        {
            ctx.Reply.AddInteger(cardinality);
            return;
        }
        if (dstIndex < 0)
        {
            ReplySet(ctx, result);
            return;
        }
        // The result starts as the smallest set's encoding (intset stays intset, a hashtable
        // source starts as listpack) and is made an intset if it holds only integers.
        var encoding = smallest->Encoding == ValueEncoding.IntSet ? ValueEncoding.IntSet : ValueEncoding.ListPack;
        Store(ctx, dstIndex, result, encoding, "sinterstore", convertToIntsetIfIntegers: true);
    }

    private static void SUnion(CommandContext ctx) => UnionDiffGeneric(ctx, 1, ctx.ArgCount - 1, -1, diff: false);

    private static void SUnionStore(CommandContext ctx) => UnionDiffGeneric(ctx, 2, ctx.ArgCount - 2, 1, diff: false);

    private static void SDiff(CommandContext ctx) => UnionDiffGeneric(ctx, 1, ctx.ArgCount - 1, -1, diff: true);

    private static void SDiffStore(CommandContext ctx) => UnionDiffGeneric(ctx, 2, ctx.ArgCount - 2, 1, diff: true);

    private static void UnionDiffGeneric(CommandContext ctx, int first, int count, int dstIndex, bool diff)
    {
        if (!LookupSets(ctx, first, count, out nint[] sets)) return;
        var keyspace = ctx.Keyspace;
        var result = new List<byte[]>();
        bool allIntsets = true;
        foreach (nint s in sets)
            if (s != 0 && ((ValueHeader*)s)->Encoding != ValueEncoding.IntSet) allIntsets = false;

        if (!diff)
        {
            var seen = new HashSet<string>();
            foreach (nint s in sets)
            {
                if (s == 0) continue;
                foreach (var m in SetValue.Members(keyspace, (ValueHeader*)s))
                    if (seen.Add(Encoding.Latin1.GetString(m))) result.Add(m);
            }
        }
        else if (sets[0] != 0 && Array.IndexOf(sets, sets[0], 1) < 0)
        {
            foreach (var m in SetValue.Members(keyspace, (ValueHeader*)sets[0]))
            {
                bool elsewhere = false;
                for (int j = 1; j < sets.Length && !elsewhere; j++)
                    if (sets[j] != 0) elsewhere = SetValue.Contains(keyspace, (ValueHeader*)sets[j], m);
                if (!elsewhere) result.Add(m);
            }
        }

        if (dstIndex < 0)
        {
            // Valkey collects into an intset when every source is one, so the reply is sorted.
            if (allIntsets && result.Count > 1) result.Sort((a, b) => Parse(a).CompareTo(Parse(b)));
            ReplySet(ctx, result);
            return;
        }
        Store(ctx, dstIndex, result, ValueEncoding.IntSet, diff ? "sdiffstore" : "sunionstore", convertToIntsetIfIntegers: false);
    }

    private static long Parse(byte[] m)
    {
        NumberParser.TryParseInt64(m, out long v);
        return v;
    }

    private static void ReplySet(CommandContext ctx, List<byte[]> members)
    {
        ctx.Reply.AddSetLength(members.Count);
        foreach (var m in members) ctx.Reply.AddBulk(m);
    }

    /// <summary>The *STORE commands: replaces the destination with the result, or deletes it when empty.</summary>
    private static void Store(CommandContext ctx, int dstIndex, List<byte[]> members, ValueEncoding encoding, string eventName,
        bool convertToIntsetIfIntegers)
    {
        if (members.Count == 0)
        {
            StoreEmpty(ctx, dstIndex);
            return;
        }
        var key = ctx.Arg(dstIndex);
        var limits = Limits(ctx);
        ctx.Db.Delete(key);
        byte* entry = ctx.Db.Add(key, DataType.Set, encoding, 8);
        ValueHeader* header = Database.Header(entry);
        SetValue.InitEmpty(ctx.Keyspace, header, encoding);
        bool onlyIntegers = true;
        foreach (var m in members)
        {
            SetValue.Add(ctx.Keyspace, header, m, limits);
            if (onlyIntegers && !NumberParser.TryParseInt64(m, out _)) onlyIntegers = false;
        }
        if (convertToIntsetIfIntegers && onlyIntegers) SetValue.MaybeConvertToIntset(ctx.Keyspace, header, limits);
        ctx.Reply.AddInteger(members.Count);
        ctx.KeyChanged(NotifyClass.Set, eventName, key);
        ctx.MarkDirty(1);
    }

    private static void StoreEmpty(CommandContext ctx, int dstIndex)
    {
        ctx.Reply.AddInteger(0);
        var key = ctx.Arg(dstIndex);
        if (ctx.Db.Delete(key))
        {
            ctx.MarkDirty(1);
            ctx.KeyChanged(NotifyClass.Generic, "del", key);
        }
    }
}
