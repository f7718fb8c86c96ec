using System.Buffers;
using Valkey.Native.Server;
using Valkey.Native.Storage;
using Valkey.Native.Util;
using static Valkey.Native.Commands.KeySpecFlags;

namespace Valkey.Native.Commands;

/// <summary>
/// List commands (Valkey's t_list.c), including the blocking BLPOP, BRPOP, BLMOVE, BRPOPLPUSH
/// and BLMPOP, which share the pop and move cores of LPOP/LMOVE/LMPOP and block through
/// <see cref="BlockingCommands.BlockForKeys"/>.
/// </summary>
public static unsafe class ListCommands
{
    private const CommandFlags WriteFast = CommandFlags.Write | CommandFlags.DenyOom | CommandFlags.Fast;
    private const string PushComplexity = "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.";

    public static readonly CommandSpec[] Commands =
    [
        new("lpush", -3, WriteFast, AclCategories.List, LPush)
            {
                Group = "list", Since = "1.0.0", Summary = "Prepends one or more elements to a list. Creates the key if it doesn't exist.", Complexity = PushComplexity,
                KeySpecs = [KeySpec.Index(1, RW | Insert)],
                History = [("2.4.0", "Accepts multiple `element` arguments.")],
            },
        new("rpush", -3, WriteFast, AclCategories.List, RPush)
            {
                Group = "list", Since = "1.0.0", Summary = "Appends one or more elements to a list. Creates the key if it doesn't exist.", Complexity = PushComplexity,
                KeySpecs = [KeySpec.Index(1, RW | Insert)],
                History = [("2.4.0", "Accepts multiple `element` arguments.")],
            },
        new("lpushx", -3, WriteFast, AclCategories.List, LPushX)
            {
                Group = "list", Since = "2.2.0", Summary = "Prepends one or more elements to a list only when the list exists.", Complexity = PushComplexity,
                KeySpecs = [KeySpec.Index(1, RW | Insert)],
                History = [("4.0.0", "Accepts multiple `element` arguments.")],
            },
        new("rpushx", -3, WriteFast, AclCategories.List, RPushX)
            {
                Group = "list", Since = "2.2.0", Summary = "Appends an element to a list only when the list exists.", Complexity = PushComplexity,
                KeySpecs = [KeySpec.Index(1, RW | Insert)],
                History = [("4.0.0", "Accepts multiple `element` arguments.")],
            },
        new("lpop", -2, CommandFlags.Write | CommandFlags.Fast, AclCategories.List, LPop)
            {
                Group = "list", Since = "1.0.0", Summary = "Returns the first elements in a list after removing it. Deletes the list if the last element was popped.", Complexity = "O(N) where N is the number of elements returned",
                KeySpecs = [KeySpec.Index(1, RW | Access | Delete)],
                History = [("6.2.0", "Added the `count` argument.")],
            },
        new("rpop", -2, CommandFlags.Write | CommandFlags.Fast, AclCategories.List, RPop)
            {
                Group = "list", Since = "1.0.0", Summary = "Returns and removes the last elements of a list. Deletes the list if the last element was popped.", Complexity = "O(N) where N is the number of elements returned",
                KeySpecs = [KeySpec.Index(1, RW | Access | Delete)],
                History = [("6.2.0", "Added the `count` argument.")],
            },
        new("llen", 2, CommandFlags.ReadOnly | CommandFlags.Fast, AclCategories.List, LLen)
            {
                Group = "list", Since = "1.0.0", Summary = "Returns the length of a list.", Complexity = "O(1)",
                KeySpecs = [KeySpec.Index(1, RO)],
            },
        new("lrange", 4, CommandFlags.ReadOnly, AclCategories.List, LRange)
            {
                Group = "list", Since = "1.0.0", Summary = "Returns a range of elements from a list.",
                Complexity = "O(S+N) where S is the distance of start offset from HEAD for small lists, from nearest end (HEAD or TAIL) for large lists; and N is the number of elements in the specified range.",
                KeySpecs = [KeySpec.Index(1, RO | Access)],
            },
        new("lindex", 3, CommandFlags.ReadOnly, AclCategories.List, LIndex)
            {
                Group = "list", Since = "1.0.0", Summary = "Returns an element from a list by its index.",
                Complexity = "O(N) where N is the number of elements to traverse to get to the element at index. This makes asking for the first or the last element of the list O(1).",
                KeySpecs = [KeySpec.Index(1, RO | Access)],
            },
        new("lset", 4, CommandFlags.Write | CommandFlags.DenyOom, AclCategories.List, LSet)
            {
                Group = "list", Since = "1.0.0", Summary = "Sets the value of an element in a list by its index.",
                Complexity = "O(N) where N is the length of the list. Setting either the first or the last element of the list is O(1).",
                KeySpecs = [KeySpec.Index(1, RW | Update)],
            },
        new("linsert", 5, CommandFlags.Write | CommandFlags.DenyOom, AclCategories.List, LInsert)
            {
                Group = "list", Since = "2.2.0", Summary = "Inserts an element before or after another element in a list.",
                Complexity = "O(N) where N is the number of elements to traverse before seeing the value pivot. This means that inserting somewhere on the left end on the list (head) can be considered O(1) and inserting somewhere on the right end (tail) is O(N).",
                KeySpecs = [KeySpec.Index(1, RW | Insert)],
            },
        new("lrem", 4, CommandFlags.Write, AclCategories.List, LRem)
            {
                Group = "list", Since = "1.0.0", Summary = "Removes elements from a list. Deletes the list if the last element was removed.",
                Complexity = "O(N+M) where N is the length of the list and M is the number of elements removed.",
                KeySpecs = [KeySpec.Index(1, RW | Delete)],
            },
        new("ltrim", 4, CommandFlags.Write, AclCategories.List, LTrim)
            {
                Group = "list", Since = "1.0.0", Summary = "Removes elements from both ends a list. Deletes the list if all elements were trimmed.",
                Complexity = "O(N) where N is the number of elements to be removed by the operation.",
                KeySpecs = [KeySpec.Index(1, RW | Delete)],
            },
        new("lpos", -3, CommandFlags.ReadOnly, AclCategories.List, LPos)
            {
                Group = "list", Since = "6.0.6", Summary = "Returns the index of matching elements in a list.",
                Complexity = "O(N) where N is the number of elements in the list, for the average case. When searching for elements near the head or the tail of the list, or when the MAXLEN option is provided, the command may run in constant time.",
                KeySpecs = [KeySpec.Index(1, RO | Access)],
            },
        new("lmove", 5, CommandFlags.Write | CommandFlags.DenyOom, AclCategories.List, LMove)
            {
                Group = "list", Since = "6.2.0", Summary = "Returns an element after popping it from one list and pushing it to another. Deletes the list if the last element was moved.", Complexity = "O(1)",
                KeySpecs = [KeySpec.Index(1, RW | Access | Delete), KeySpec.Index(2, RW | Insert)],
            },
        new("rpoplpush", 3, CommandFlags.Write | CommandFlags.DenyOom, AclCategories.List, RPopLPush)
            {
                Group = "list", Since = "1.2.0", Summary = "Returns the last element of a list after removing and pushing it to another list. Deletes the list if the last element was popped.", Complexity = "O(1)",
                KeySpecs = [KeySpec.Index(1, RW | Access | Delete), KeySpec.Index(2, RW | Insert)],
                DeprecatedSince = "6.2.0", ReplacedBy = "`LMOVE` with the `RIGHT` and `LEFT` arguments", DocFlags = DocFlags.Deprecated,
            },
        new("lmpop", -4, CommandFlags.Write, AclCategories.List, LMPop)
            {
                Group = "list", Since = "7.0.0", Summary = "Returns multiple elements from a list after removing them. Deletes the list if the last element was popped.",
                Complexity = "O(N+M) where N is the number of provided keys and M is the number of elements returned.",
                KeySpecs = [KeySpec.IndexKeyNum(1, RW | Access | Delete)],
            },
        new("blpop", -3, CommandFlags.Write | CommandFlags.Blocking, AclCategories.List, BLPop)
            {
                Group = "list", Since = "2.0.0", Summary = "Removes and returns the first element in a list. Blocks until an element is available otherwise. Deletes the list if the last element was popped.",
                Complexity = "O(N) where N is the number of provided keys.",
                KeySpecs = [KeySpec.Index(1, RW | Access | Delete, lastKey: -2)],
                History = [("6.0.0", "`timeout` is interpreted as a double instead of an integer.")],
            },
        new("brpop", -3, CommandFlags.Write | CommandFlags.Blocking, AclCategories.List, BRPop)
            {
                Group = "list", Since = "2.0.0", Summary = "Removes and returns the last element in a list. Blocks until an element is available otherwise. Deletes the list if the last element was popped.",
                Complexity = "O(N) where N is the number of provided keys.",
                KeySpecs = [KeySpec.Index(1, RW | Access | Delete, lastKey: -2)],
                History = [("6.0.0", "`timeout` is interpreted as a double instead of an integer.")],
            },
        new("blmove", 6, CommandFlags.Write | CommandFlags.DenyOom | CommandFlags.Blocking, AclCategories.List, BLMove)
            {
                Group = "list", Since = "6.2.0", Summary = "Pops an element from a list, pushes it to another list and returns it. Blocks until an element is available otherwise. Deletes the list if the last element was moved.", Complexity = "O(1)",
                KeySpecs = [KeySpec.Index(1, RW | Access | Delete), KeySpec.Index(2, RW | Insert)],
            },
        new("brpoplpush", 4, CommandFlags.Write | CommandFlags.DenyOom | CommandFlags.Blocking, AclCategories.List, BRPopLPush)
            {
                Group = "list", Since = "2.2.0", Summary = "Pops an element from a list, pushes it to another list and returns it. Block until an element is available otherwise. Deletes the list if the last element was popped.", Complexity = "O(1)",
                KeySpecs = [KeySpec.Index(1, RW | Access | Delete), KeySpec.Index(2, RW | Insert)],
                History = [("6.0.0", "`timeout` is interpreted as a double instead of an integer.")],
                DeprecatedSince = "6.2.0", ReplacedBy = "`BLMOVE` with the `RIGHT` and `LEFT` arguments", DocFlags = DocFlags.Deprecated,
            },
        new("blmpop", -5, CommandFlags.Write | CommandFlags.Blocking, AclCategories.List, BLMPop)
            {
                Group = "list", Since = "7.0.0", Summary = "Pops the first element from one of multiple lists. Blocks until an element is available otherwise. Deletes the list if the last element was popped.",
                Complexity = "O(N+M) where N is the number of provided keys and M is the number of elements returned.",
                KeySpecs = [KeySpec.IndexKeyNum(2, RW | Access | Delete)],
            },
    ];

    /// <summary>getRangeLongFromObjectOrReply: a custom message replaces both the parse and the range error.</summary>
    private static bool TryGetRange(CommandContext ctx, int index, long min, long max, out long value, string? message)
    {
        bool parsed = NumberParser.TryParseInt64(ctx.Arg(index), out value);
        if (parsed && value >= min && value <= max) return true;
        if (message != null) ctx.Reply.AddError("ERR " + message);
        else if (!parsed) ctx.Reply.AddError(ErrorMessages.NotInteger);
        else ctx.Reply.AddError($"ERR value is out of range, value must between {min} and {max}");
        return false;
    }

    /// <summary>Deletes an emptied list (with its "del" event) or tries the shrinking conversion.</summary>
    private static void AfterRemoval(CommandContext ctx, ReadOnlySpan<byte> key, byte* entry)
    {
        ValueHeader* h = Database.Header(entry);
        if (ListValue.Length(h) == 0)
        {
            ctx.Db.DeleteEntry(entry);
            ctx.Server.Notify(NotifyClass.Generic, "del", key, ctx.Db.Id);
        }
        else ListValue.TryConvertAfterShrink(ctx.Keyspace, h, ctx.Server.ListLimits);
    }

    // ---- push ----------------------------------------------------------------------------

    private static void LPush(CommandContext ctx) => PushGeneric(ctx, head: true, existingOnly: false);
    private static void RPush(CommandContext ctx) => PushGeneric(ctx, head: false, existingOnly: false);
    private static void LPushX(CommandContext ctx) => PushGeneric(ctx, head: true, existingOnly: true);
    private static void RPushX(CommandContext ctx) => PushGeneric(ctx, head: false, existingOnly: true);

    private static void PushGeneric(CommandContext ctx, bool head, bool existingOnly)
    {
        var key = ctx.Arg(1);
        byte* entry = ctx.LookupWriteOfType(key, DataType.List, out bool wrongType);
        if (wrongType) return;
        long bytes = 0;
        for (int i = 2; i < ctx.ArgCount; i++) bytes += ctx.Arg(i).Length;
        if (entry == null)
        {
            if (existingOnly)
            {
                ctx.Reply.AddInteger(0);
                return;
            }
            entry = CreateList(ctx, key, bytes, ctx.ArgCount - 2);
        }
        ValueHeader* h = Database.Header(entry);
        var limits = ctx.Server.ListLimits;
        ListValue.TryConvertForGrowth(ctx.Keyspace, h, limits, bytes, ctx.ArgCount - 2);
        for (int i = 2; i < ctx.ArgCount; i++) ListValue.Push(ctx.Keyspace, h, ctx.Arg(i), head, limits);
        ctx.MarkDirty(ctx.ArgCount - 2);
        ctx.Reply.AddInteger(ListValue.Length(h));
        ctx.KeyChanged(NotifyClass.List, head ? "lpush" : "rpush", key);
    }

    /// <summary>A new empty list whose first node is sized for the <paramref name="count"/> elements (<paramref name="bytes"/> in all) about to be pushed.</summary>
    private static byte* CreateList(CommandContext ctx, ReadOnlySpan<byte> key, long bytes, long count)
    {
        byte* entry = ctx.Db.Add(key, DataType.List, ValueEncoding.ListPack, 8);
        ListValue.InitEmpty(ctx.Keyspace, Database.Header(entry), bytes, count);
        return entry;
    }

    // ---- pop -----------------------------------------------------------------------------

    private static void LPop(CommandContext ctx) => PopGeneric(ctx, head: true);
    private static void RPop(CommandContext ctx) => PopGeneric(ctx, head: false);

    private static void PopGeneric(CommandContext ctx, bool head)
    {
        if (ctx.ArgCount > 3)
        {
            ctx.Reply.AddError(ErrorMessages.WrongArgCount(ctx.Command.FullName));
            return;
        }
        bool hasCount = ctx.ArgCount == 3;
        long count = 0;
        if (hasCount && !TryGetRange(ctx, 2, 0, long.MaxValue, out count, "value is out of range, must be positive")) return;
        var key = ctx.Arg(1);
        byte* entry = ctx.LookupWriteOfType(key, DataType.List, out bool wrongType);
        if (wrongType) return;
        if (entry == null)
        {
            if (hasCount) ctx.Reply.AddNullArray();
            else ctx.Reply.AddNull();
            return;
        }
        if (hasCount && count == 0)
        {
            ctx.Reply.AddEmptyArray();
            return;
        }
        PopAndReply(ctx, key, entry, head, hasCount ? count : -1, withKey: false);
    }

    /// <summary>
    /// The pop core of LPOP/RPOP, LMPOP and the blocking pops: removes from a non-empty list one
    /// element (<paramref name="count"/> -1: a bulk reply) or up to <paramref name="count"/> (an
    /// array), preceded by the key in a 2-element array when <paramref name="withKey"/>; then the
    /// event, deletion of an emptied list, the modified-key signal and dirty.
    /// </summary>
    private static void PopAndReply(CommandContext ctx, ReadOnlySpan<byte> key, byte* entry, bool head, long count, bool withKey)
    {
        ValueHeader* h = Database.Header(entry);
        if (withKey)
        {
            ctx.Reply.AddArrayLength(2);
            ctx.Reply.AddBulk(key);
        }
        long popped;
        if (count < 0)
        {
            ctx.Reply.AddBulk(ListValue.Peek(h, head));
            ListValue.RemoveEnd(ctx.Keyspace, h, head);
            popped = 1;
        }
        else popped = PopRangeReply(ctx, h, head, count);
        ctx.Server.Notify(NotifyClass.List, head ? "lpop" : "rpop", key, ctx.Db.Id);
        AfterRemoval(ctx, key, entry);
        ctx.Server.KeyModified(ctx.Db, key);
        ctx.MarkDirty(popped);
        // Every pop (BLPOP/BRPOP/BLMPOP/LMPOP served from any key) propagates as LPOP|RPOP key [count].
        if (ctx.Propagating)
        {
            if (count < 0) ctx.RewriteArgs(2).Arg(head ? "LPOP"u8 : "RPOP"u8).Arg(key);
            else ctx.RewriteArgs(3).Arg(head ? "LPOP"u8 : "RPOP"u8).Arg(key).Arg(popped);
        }
    }

    /// <summary>Replies with up to <paramref name="count"/> elements from one end (in pop order) and removes them.</summary>
    private static long PopRangeReply(CommandContext ctx, ValueHeader* h, bool head, long count)
    {
        long length = ListValue.Length(h);
        long n = Math.Min(count, length);
        ctx.Reply.AddArrayLength(n);
        var writer = new BulkWriter(ctx.Reply);
        ListValue.VisitRange(h, head ? 0 : length - 1, n, reverse: !head, ref writer);
        ListValue.DeleteRange(ctx.Keyspace, h, head ? 0 : length - n, n);
        return n;
    }

    private readonly struct BulkWriter(Protocol.ReplyWriter reply) : IListVisitor
    {
        public void Visit(ReadOnlySpan<byte> element) => reply.AddBulk(element);
    }

    // ---- reads ---------------------------------------------------------------------------

    private static void LLen(CommandContext ctx)
    {
        byte* entry = ctx.LookupReadOfType(ctx.Arg(1), DataType.List, out bool wrongType);
        if (wrongType) return;
        ctx.Reply.AddInteger(entry == null ? 0 : ListValue.Length(Database.Header(entry)));
    }

    private static void LRange(CommandContext ctx)
    {
        if (!ctx.TryGetInt64OrReply(2, out long start) || !ctx.TryGetInt64OrReply(3, out long end)) return;
        byte* entry = ctx.LookupReadOfType(ctx.Arg(1), DataType.List, out bool wrongType);
        if (wrongType) return;
        if (entry == null)
        {
            ctx.Reply.AddEmptyArray();
            return;
        }
        ValueHeader* h = Database.Header(entry);
        long length = ListValue.Length(h);
        if (start < 0) start += length;
        if (end < 0) end += length;
        if (start < 0) start = 0;
        if (start > end || start >= length)
        {
            ctx.Reply.AddEmptyArray();
            return;
        }
        if (end >= length) end = length - 1;
        long n = end - start + 1;
        ctx.Reply.AddArrayLength(n);
        var writer = new BulkWriter(ctx.Reply);
        ListValue.VisitRange(h, start, n, reverse: false, ref writer);
    }

    private static void LIndex(CommandContext ctx)
    {
        byte* entry = ctx.LookupReadOfType(ctx.Arg(1), DataType.List, out bool wrongType);
        if (wrongType) return;
        if (entry == null)
        {
            ctx.Reply.AddNull();
            return;
        }
        if (!ctx.TryGetInt64OrReply(2, out long index)) return;
        ValueHeader* h = Database.Header(entry);
        long length = ListValue.Length(h);
        if (index < 0) index += length;
        if (index < 0 || index >= length) ctx.Reply.AddNull();
        else ctx.Reply.AddBulk(ListValue.Locate(h, index).Value);
    }

    // ---- edits ---------------------------------------------------------------------------

    private static void LSet(CommandContext ctx)
    {
        var key = ctx.Arg(1);
        byte* entry = ctx.LookupWriteOfType(key, DataType.List, out bool wrongType);
        if (wrongType) return;
        if (entry == null)
        {
            ctx.Reply.AddError(ErrorMessages.NoSuchKey);
            return;
        }
        if (!ctx.TryGetInt64OrReply(2, out long index)) return;
        ValueHeader* h = Database.Header(entry);
        var value = ctx.Arg(3);
        var limits = ctx.Server.ListLimits;
        ListValue.TryConvertForGrowth(ctx.Keyspace, h, limits, value.Length, 1);
        long length = ListValue.Length(h);
        if (index < 0) index += length;
        if (index < 0 || index >= length)
        {
            ctx.Reply.AddError(ErrorMessages.OutOfRange);
            return;
        }
        ListValue.Set(ctx.Keyspace, h, index, value, limits);
        ListValue.TryConvertAfterShrink(ctx.Keyspace, h, limits);
        ctx.Reply.AddOk();
        ctx.KeyChanged(NotifyClass.List, "lset", key);
        ctx.MarkDirty();
    }

    private static void LInsert(CommandContext ctx)
    {
        bool after;
        if (ctx.ArgIs(2, "after"u8)) after = true;
        else if (ctx.ArgIs(2, "before"u8)) after = false;
        else
        {
            ctx.Reply.AddError(ErrorMessages.Syntax);
            return;
        }
        var key = ctx.Arg(1);
        byte* entry = ctx.LookupWriteOfType(key, DataType.List, out bool wrongType);
        if (wrongType) return;
        if (entry == null)
        {
            ctx.Reply.AddInteger(0);
            return;
        }
        ValueHeader* h = Database.Header(entry);
        var limits = ctx.Server.ListLimits;
        var value = ctx.Arg(4);
        ListValue.TryConvertForGrowth(ctx.Keyspace, h, limits, value.Length, 1);
        if (!ListValue.Insert(ctx.Keyspace, h, ctx.Arg(3), after, value, limits))
        {
            ctx.Reply.AddInteger(-1);
            return;
        }
        ctx.KeyChanged(NotifyClass.List, "linsert", key);
        ctx.MarkDirty();
        ctx.Reply.AddInteger(ListValue.Length(h));
    }

    private static void LRem(CommandContext ctx)
    {
        if (!TryGetRange(ctx, 2, -long.MaxValue, long.MaxValue, out long toRemove, null)) return;
        var key = ctx.Arg(1);
        byte* entry = ctx.LookupWriteOfType(key, DataType.List, out bool wrongType);
        if (wrongType) return;
        if (entry == null)
        {
            ctx.Reply.AddInteger(0);
            return;
        }
        ValueHeader* h = Database.Header(entry);
        bool forward = toRemove >= 0;
        if (toRemove < 0) toRemove = -toRemove;
        var element = ctx.Arg(3);
        long removed = 0;
        var c = ListValue.Start(h, forward);
        while (c.Valid)
        {
            if (c.Value.SequenceEqual(element))
            {
                c = ListValue.DeleteAt(ctx.Keyspace, h, c, forward);
                removed++;
                if (toRemove != 0 && removed == toRemove) break;
            }
            else c = ListValue.Step(c, forward);
        }
        if (removed > 0)
        {
            ctx.Server.Notify(NotifyClass.List, "lrem", key, ctx.Db.Id);
            AfterRemoval(ctx, key, entry);
            ctx.Server.KeyModified(ctx.Db, key);
            ctx.MarkDirty(removed);
        }
        ctx.Reply.AddInteger(removed);
    }

    private static void LTrim(CommandContext ctx)
    {
        if (!ctx.TryGetInt64OrReply(2, out long start) || !ctx.TryGetInt64OrReply(3, out long end)) return;
        var key = ctx.Arg(1);
        byte* entry = ctx.LookupWriteOfType(key, DataType.List, out bool wrongType);
        if (wrongType) return;
        if (entry == null)
        {
            ctx.Reply.AddOk();
            return;
        }
        ValueHeader* h = Database.Header(entry);
        long length = ListValue.Length(h);
        if (start < 0) start += length;
        if (end < 0) end += length;
        if (start < 0) start = 0;
        long left, right;
        if (start > end || start >= length) { left = length; right = 0; }
        else
        {
            if (end >= length) end = length - 1;
            left = start;
            right = length - end - 1;
        }
        ListValue.Trim(ctx.Keyspace, h, left, right);
        ctx.Server.Notify(NotifyClass.List, "ltrim", key, ctx.Db.Id);
        AfterRemoval(ctx, key, entry);
        ctx.Server.KeyModified(ctx.Db, key);
        ctx.MarkDirty(left + right);
        ctx.Reply.AddOk();
    }

    // ---- LPOS ----------------------------------------------------------------------------

    private static void LPos(CommandContext ctx)
    {
        long rank = 1, count = -1, maxLen = 0;
        for (int j = 3; j < ctx.ArgCount; j++)
        {
            bool more = ctx.ArgCount - 1 - j > 0;
            if (ctx.ArgIs(j, "rank"u8) && more)
            {
                j++;
                if (!TryGetRange(ctx, j, -long.MaxValue, long.MaxValue, out rank, null)) return;
                if (rank == 0)
                {
                    ctx.Reply.AddError("ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list");
                    return;
                }
            }
            else if (ctx.ArgIs(j, "count"u8) && more)
            {
                j++;
                if (!TryGetRange(ctx, j, 0, long.MaxValue, out count, "COUNT can't be negative")) return;
            }
            else if (ctx.ArgIs(j, "maxlen"u8) && more)
            {
                j++;
                if (!TryGetRange(ctx, j, 0, long.MaxValue, out maxLen, "MAXLEN can't be negative")) return;
            }
            else
            {
                ctx.Reply.AddError(ErrorMessages.Syntax);
                return;
            }
        }
        bool forward = rank > 0;
        if (rank < 0) rank = -rank;
        byte* entry = ctx.LookupReadOfType(ctx.Arg(1), DataType.List, out bool wrongType);
        if (wrongType) return;
        if (entry == null)
        {
            if (count != -1) ctx.Reply.AddEmptyArray();
            else ctx.Reply.AddNull();
            return;
        }
        ValueHeader* h = Database.Header(entry);
        var element = ctx.Arg(2);
        long length = ListValue.Length(h);
        int deferred = count != -1 ? ctx.Reply.BeginDeferredLength() : -1;
        long index = 0, matches = 0, matchIndex = -1, found = 0;
        for (var c = ListValue.Start(h, forward); c.Valid && (maxLen == 0 || index < maxLen); c = ListValue.Step(c, forward))
        {
            if (c.Value.SequenceEqual(element))
            {
                matches++;
                matchIndex = forward ? index : length - index - 1;
                if (matches >= rank)
                {
                    if (count == -1) break;
                    found++;
                    ctx.Reply.AddInteger(matchIndex);
                    if (count != 0 && matches - rank + 1 >= count) break;
                }
            }
            index++;
            matchIndex = -1;
        }
        if (count != -1) ctx.Reply.SetDeferredArrayLength(deferred, found);
        else if (matchIndex != -1) ctx.Reply.AddInteger(matchIndex);
        else ctx.Reply.AddNull();
    }

    // ---- LMOVE / RPOPLPUSH ---------------------------------------------------------------

    private static void LMove(CommandContext ctx)
    {
        if (!TryGetSide(ctx, 3, out bool fromHead) || !TryGetSide(ctx, 4, out bool toHead)) return;
        MoveGeneric(ctx, fromHead, toHead);
    }

    private static void RPopLPush(CommandContext ctx) => MoveGeneric(ctx, fromHead: false, toHead: true);

    /// <summary>BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout.</summary>
    private static void BLMove(CommandContext ctx)
    {
        if (!TryGetSide(ctx, 3, out bool fromHead) || !TryGetSide(ctx, 4, out bool toHead)) return;
        if (!ctx.TryGetBlockingTimeoutOrReply(5, out long timeout)) return;
        BlockingMoveGeneric(ctx, fromHead, toHead, timeout);
    }

    /// <summary>BRPOPLPUSH source destination timeout.</summary>
    private static void BRPopLPush(CommandContext ctx)
    {
        if (!ctx.TryGetBlockingTimeoutOrReply(3, out long timeout)) return;
        BlockingMoveGeneric(ctx, fromHead: false, toHead: true, timeout);
    }

    /// <summary>blmoveGenericCommand: LMOVE when the source exists; else block on it (a null inside MULTI/scripts).</summary>
    private static void BlockingMoveGeneric(CommandContext ctx, bool fromHead, bool toHead, long timeout)
    {
        byte* src = ctx.LookupWriteOfType(ctx.Arg(1), DataType.List, out bool wrongType);
        if (wrongType) return;
        if (src != null)
        {
            MoveGeneric(ctx, fromHead, toHead);
            return;
        }
        if (ctx.Client.DenyBlocking)
        {
            ctx.Reply.AddNull();
            return;
        }
        ctx.BlockForKeys(BlockType.List, 1, 1, timeout);
    }

    private static bool TryGetSide(CommandContext ctx, int index, out bool head)
    {
        head = ctx.ArgIs(index, "left"u8);
        if (head || ctx.ArgIs(index, "right"u8)) return true;
        ctx.Reply.AddError(ErrorMessages.Syntax);
        return false;
    }

    private static void MoveGeneric(CommandContext ctx, bool fromHead, bool toHead)
    {
        var source = ctx.Arg(1);
        var destination = ctx.Arg(2);
        byte* src = ctx.LookupWriteOfType(source, DataType.List, out bool wrongType);
        if (wrongType) return;
        if (src == null)
        {
            ctx.Reply.AddNull();
            return;
        }
        byte* dst = ctx.LookupWriteOfType(destination, DataType.List, out wrongType);
        if (wrongType) return;
        ValueHeader* sh = Database.Header(src);
        var peek = ListValue.Peek(sh, fromHead);
        byte[] rented = ArrayPool<byte>.Shared.Rent(Math.Max(peek.Length, 1));
        try
        {
            peek.CopyTo(rented);
            var value = rented.AsSpan(0, peek.Length);
            ListValue.RemoveEnd(ctx.Keyspace, sh, fromHead);
            if (dst == null) dst = CreateList(ctx, destination, value.Length, 1);
            ValueHeader* dh = Database.Header(dst);
            var limits = ctx.Server.ListLimits;
            ListValue.TryConvertForGrowth(ctx.Keyspace, dh, limits, value.Length, 1);
            ListValue.Push(ctx.Keyspace, dh, value, toHead, limits);
            ctx.KeyChanged(NotifyClass.List, toHead ? "lpush" : "rpush", destination);
            ctx.Reply.AddBulk(value);
            // The source entry does not move when another key is added; look it up again anyway
            // without side effects, as the destination may be the same key.
            src = ctx.Db.Lookup(source, LookupFlags.NoTouch | LookupFlags.NoStats);
            ctx.Server.Notify(NotifyClass.List, fromHead ? "lpop" : "rpop", source, ctx.Db.Id);
            AfterRemoval(ctx, source, src);
            ctx.Server.KeyModified(ctx.Db, source);
            ctx.MarkDirty();
            // BLMOVE / BRPOPLPUSH (and RPOPLPUSH, LMOVE) propagate as LMOVE src dst LEFT|RIGHT LEFT|RIGHT.
            ctx.RewriteArgs(5).Arg("LMOVE"u8).Arg(source).Arg(destination)
                .Arg(fromHead ? "LEFT"u8 : "RIGHT"u8).Arg(toHead ? "LEFT"u8 : "RIGHT"u8);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    // ---- LMPOP ---------------------------------------------------------------------------

    private static void LMPop(CommandContext ctx) => MPopGeneric(ctx, numKeysIndex: 1, blocking: false);

    /// <summary>BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count].</summary>
    private static void BLMPop(CommandContext ctx) => MPopGeneric(ctx, numKeysIndex: 2, blocking: true);

    /// <summary>lmpopGenericCommand: parses numkeys, the side and COUNT, then pops (or blocks).</summary>
    private static void MPopGeneric(CommandContext ctx, int numKeysIndex, bool blocking)
    {
        if (!TryGetRange(ctx, numKeysIndex, 1, long.MaxValue, out long numKeys, "numkeys should be greater than 0")) return;
        if (numKeys > ctx.ArgCount)
        {
            ctx.Reply.AddError(ErrorMessages.Syntax);
            return;
        }
        long whereIndex = numKeysIndex + numKeys + 1;
        if (whereIndex >= ctx.ArgCount)
        {
            ctx.Reply.AddError(ErrorMessages.Syntax);
            return;
        }
        if (!TryGetSide(ctx, (int)whereIndex, out bool head)) return;
        long count = -1;
        for (int j = (int)whereIndex + 1; j < ctx.ArgCount; j++)
        {
            bool more = ctx.ArgCount - 1 - j > 0;
            if (count == -1 && ctx.ArgIs(j, "count"u8) && more)
            {
                j++;
                if (!TryGetRange(ctx, j, 1, long.MaxValue, out count, "count should be greater than 0")) return;
            }
            else
            {
                ctx.Reply.AddError(ErrorMessages.Syntax);
                return;
            }
        }
        if (count == -1) count = 1;
        if (blocking)
        {
            BlockingPopGeneric(ctx, numKeysIndex + 1, (int)numKeys, head, timeoutIndex: 1, count);
            return;
        }
        if (!TryPopFirstNonEmpty(ctx, numKeysIndex + 1, (int)numKeys, head, count)) return;
        ctx.Reply.AddNullArray();
    }

    /// <summary>
    /// Pops from the first of the keys at arguments [first, first + n) holding a non-empty list,
    /// replying [key, element(s)]. Returns false when it replied (popped, or WRONGTYPE);
    /// true with nothing replied when every key is missing or empty.
    /// </summary>
    private static bool TryPopFirstNonEmpty(CommandContext ctx, int first, int n, bool head, long count)
    {
        for (int i = first; i < first + n; i++)
        {
            var key = ctx.Arg(i);
            byte* entry = ctx.LookupWriteOfType(key, DataType.List, out bool wrongType);
            if (wrongType) return false;
            if (entry == null || ListValue.Length(Database.Header(entry)) == 0) continue;
            PopAndReply(ctx, key, entry, head, count, withKey: true);
            return false;
        }
        return true;
    }

    // ---- blocking pops -------------------------------------------------------------------

    /// <summary>BLPOP key [key ...] timeout.</summary>
    private static void BLPop(CommandContext ctx) => BlockingPopGeneric(ctx, 1, ctx.ArgCount - 2, head: true, timeoutIndex: ctx.ArgCount - 1, count: -1);

    /// <summary>BRPOP key [key ...] timeout.</summary>
    private static void BRPop(CommandContext ctx) => BlockingPopGeneric(ctx, 1, ctx.ArgCount - 2, head: false, timeoutIndex: ctx.ArgCount - 1, count: -1);

    /// <summary>
    /// blockingPopGenericCommand: pops like [LR]POP (count -1) or LMPOP from the first non-empty
    /// list; with none, replies a null array inside MULTI/scripts, else blocks on every key.
    /// </summary>
    private static void BlockingPopGeneric(CommandContext ctx, int firstKey, int numKeys, bool head, int timeoutIndex, long count)
    {
        if (!ctx.TryGetBlockingTimeoutOrReply(timeoutIndex, out long timeout)) return;
        if (!TryPopFirstNonEmpty(ctx, firstKey, numKeys, head, count)) return;
        if (ctx.Client.DenyBlocking)
        {
            ctx.Reply.AddNullArray();
            return;
        }
        ctx.BlockForKeys(BlockType.List, firstKey, numKeys, timeout);
    }
}
