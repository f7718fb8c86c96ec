using System.Runtime.InteropServices;
using Valkey.Native.Protocol;
using Valkey.Native.Storage;
using Valkey.Native.Util;
using static Valkey.Native.Commands.KeySpecFlags;

namespace Valkey.Native.Commands;

/// <summary>
/// The string family (Valkey's t_string.c): GET/SET and their variants, ranges, counters,
/// INCRBYFLOAT, LCS and DELIFEQ. SET, SETNX, SETEX and PSETEX are thin wrappers over one
/// <see cref="SetGeneric"/> core and INCR/DECR/INCRBY/DECRBY over <see cref="IncrDecr"/>, so
/// option semantics, replies and events cannot drift apart between the variants.
/// GET and SET run on every benchmark: they use spans and stack memory only.
/// </summary>
public static unsafe class StringCommands
{
    public static readonly CommandSpec[] Commands =
    [
        new CommandSpec("get", 2, CommandFlags.ReadOnly | CommandFlags.Fast,
            AclCategories.Read | AclCategories.String | AclCategories.Fast, Get)
        {
            Group = "string", Summary = "Returns the string value of a key.", Since = "1.0.0", Complexity = "O(1)",
            KeySpecs = [KeySpec.Index(1, RO | Access)],
        },
        new CommandSpec("set", -3, CommandFlags.Write | CommandFlags.DenyOom,
            AclCategories.Write | AclCategories.String | AclCategories.Slow, Set)
        {
            Group = "string", Summary = "Sets the string value of a key, ignoring its type. The key is created if it doesn't exist.", Since = "1.0.0", Complexity = "O(1)",
            KeySpecs = [KeySpec.Index(1, RW | Access | Update | VariableFlags, notes: "RW and ACCESS due to the optional `GET` argument")],
            Keys = SetKeys,
            History =
            [
                ("2.6.12", "Added the `EX`, `PX`, `NX` and `XX` options."),
                ("6.0.0", "Added the `KEEPTTL` option."),
                ("6.2.0", "Added the `GET`, `EXAT` and `PXAT` option."),
                ("7.0.0", "Allowed the `NX` and `GET` options to be used together."),
            ],
        },
        new CommandSpec("setnx", 3, CommandFlags.Write | CommandFlags.DenyOom | CommandFlags.Fast,
            AclCategories.Write | AclCategories.String | AclCategories.Fast, SetNx)
        {
            Group = "string", Summary = "Set the string value of a key only when the key doesn't exist.", Since = "1.0.0", Complexity = "O(1)",
            KeySpecs = [KeySpec.Index(1, OW | Insert)],
            DeprecatedSince = "2.6.12", ReplacedBy = "`SET` with the `NX` argument",
        },
        new CommandSpec("setex", 4, CommandFlags.Write | CommandFlags.DenyOom,
            AclCategories.Write | AclCategories.String | AclCategories.Slow, SetEx)
        {
            Group = "string", Summary = "Sets the string value and expiration time of a key. Creates the key if it doesn't exist.", Since = "2.0.0", Complexity = "O(1)",
            KeySpecs = [KeySpec.Index(1, OW | Update)],
            DeprecatedSince = "2.6.12", ReplacedBy = "`SET` with the `EX` argument",
        },
        new CommandSpec("psetex", 4, CommandFlags.Write | CommandFlags.DenyOom,
            AclCategories.Write | AclCategories.String | AclCategories.Slow, PSetEx)
        {
            Group = "string", Summary = "Sets both string value and expiration time in milliseconds of a key. The key is created if it doesn't exist.", Since = "2.6.0", Complexity = "O(1)",
            KeySpecs = [KeySpec.Index(1, OW | Update)],
            DeprecatedSince = "2.6.12", ReplacedBy = "`SET` with the `PX` argument",
        },
        new CommandSpec("getset", 3, CommandFlags.Write | CommandFlags.DenyOom | CommandFlags.Fast,
            AclCategories.Write | AclCategories.String | AclCategories.Fast, GetSet)
        {
            Group = "string", Summary = "Returns the previous string value of a key after setting it to a new value.", Since = "1.0.0", Complexity = "O(1)",
            KeySpecs = [KeySpec.Index(1, RW | Access | Update)],
            DeprecatedSince = "6.2.0", ReplacedBy = "`SET` with the `!GET` argument",
        },
        new CommandSpec("getdel", 2, CommandFlags.Write | CommandFlags.Fast,
            AclCategories.Write | AclCategories.String | AclCategories.Fast, GetDel)
        {
            Group = "string", Summary = "Returns the string value of a key after deleting the key.", Since = "6.2.0", Complexity = "O(1)",
            KeySpecs = [KeySpec.Index(1, RW | Access | Delete)],
        },
        new CommandSpec("getex", -2, CommandFlags.Write | CommandFlags.Fast,
            AclCategories.Write | AclCategories.String | AclCategories.Fast, GetEx)
        {
            Group = "string", Summary = "Returns the string value of a key after setting its expiration time.", Since = "6.2.0", Complexity = "O(1)",
            KeySpecs = [KeySpec.Index(1, RW | Access | Update, notes: "RW and UPDATE because it changes the TTL")],
        },
        new CommandSpec("mget", -2, CommandFlags.ReadOnly | CommandFlags.Fast,
            AclCategories.Read | AclCategories.String | AclCategories.Fast, MGet)
        {
            Group = "string", Summary = "Atomically returns the string values of one or more keys.", Since = "1.0.0", Complexity = "O(N) where N is the number of keys to retrieve.",
            KeySpecs = [KeySpec.Index(1, RO | Access, lastKey: -1)],
            Tips = ["request_policy:multi_shard"],
        },
        new CommandSpec("mset", -3, CommandFlags.Write | CommandFlags.DenyOom,
            AclCategories.Write | AclCategories.String | AclCategories.Slow, MSet)
        {
            Group = "string", Summary = "Atomically creates or modifies the string values of one or more keys.", Since = "1.0.1", Complexity = "O(N) where N is the number of keys to set.",
            KeySpecs = [KeySpec.Index(1, OW | Update, lastKey: -1, step: 2)],
            Tips = ["request_policy:multi_shard", "response_policy:all_succeeded"],
        },
        new CommandSpec("msetnx", -3, CommandFlags.Write | CommandFlags.DenyOom,
            AclCategories.Write | AclCategories.String | AclCategories.Slow, MSetNx)
        {
            Group = "string", Summary = "Atomically modifies the string values of one or more keys only when all keys don't exist.", Since = "1.0.1", Complexity = "O(N) where N is the number of keys to set.",
            KeySpecs = [KeySpec.Index(1, OW | Insert, lastKey: -1, step: 2)],
        },
        new CommandSpec("append", 3, CommandFlags.Write | CommandFlags.DenyOom | CommandFlags.Fast,
            AclCategories.Write | AclCategories.String | AclCategories.Fast, Append)
        {
            Group = "string", Summary = "Appends a string to the value of a key. Creates the key if it doesn't exist.", Since = "2.0.0",
            Complexity = "O(1). The amortized time complexity is O(1) assuming the appended value is small and the already present value is of any size, since the dynamic string library used by the server will double the free space available on every reallocation.",
            KeySpecs = [KeySpec.Index(1, RW | Insert)],
        },
        new CommandSpec("strlen", 2, CommandFlags.ReadOnly | CommandFlags.Fast,
            AclCategories.Read | AclCategories.String | AclCategories.Fast, StrLen)
        {
            Group = "string", Summary = "Returns the length of a string value.", Since = "2.2.0", Complexity = "O(1)",
            KeySpecs = [KeySpec.Index(1, RO)],
        },
        new CommandSpec("getrange", 4, CommandFlags.ReadOnly,
            AclCategories.Read | AclCategories.String | AclCategories.Slow, GetRange)
        {
            Group = "string", Summary = "Returns a substring of the string stored at a key.", Since = "2.4.0", Complexity = RangeComplexity,
            KeySpecs = [KeySpec.Index(1, RO | Access)],
        },
        new CommandSpec("substr", 4, CommandFlags.ReadOnly,
            AclCategories.Read | AclCategories.String | AclCategories.Slow, GetRange)
        {
            Group = "string", Summary = "Returns a substring from a string value.", Since = "1.0.0", Complexity = RangeComplexity,
            KeySpecs = [KeySpec.Index(1, RO | Access)],
            DeprecatedSince = "2.0.0", ReplacedBy = "`GETRANGE`",
        },
        new CommandSpec("setrange", 4, CommandFlags.Write | CommandFlags.DenyOom,
            AclCategories.Write | AclCategories.String | AclCategories.Slow, SetRange)
        {
            Group = "string", Summary = "Overwrites a part of a string value with another by an offset. Creates the key if it doesn't exist.", Since = "2.2.0",
            Complexity = "O(1), not counting the time taken to copy the new string in place. Usually, this string is very small so the amortized complexity is O(1). Otherwise, complexity is O(M) with M being the length of the value argument.",
            KeySpecs = [KeySpec.Index(1, RW | Update)],
        },
        new CommandSpec("incr", 2, CommandFlags.Write | CommandFlags.DenyOom | CommandFlags.Fast,
            AclCategories.Write | AclCategories.String | AclCategories.Fast, Incr)
        {
            Group = "string", Summary = "Increments the integer value of a key by one. Uses 0 as initial value if the key doesn't exist.", Since = "1.0.0", Complexity = "O(1)",
            KeySpecs = [KeySpec.Index(1, RW | Access | Update)],
        },
        new CommandSpec("decr", 2, CommandFlags.Write | CommandFlags.DenyOom | CommandFlags.Fast,
            AclCategories.Write | AclCategories.String | AclCategories.Fast, Decr)
        {
            Group = "string", Summary = "Decrements the integer value of a key by one. Uses 0 as initial value if the key doesn't exist.", Since = "1.0.0", Complexity = "O(1)",
            KeySpecs = [KeySpec.Index(1, RW | Access | Update)],
        },
        new CommandSpec("incrby", 3, CommandFlags.Write | CommandFlags.DenyOom | CommandFlags.Fast,
            AclCategories.Write | AclCategories.String | AclCategories.Fast, IncrBy)
        {
            Group = "string", Summary = "Increments the integer value of a key by a number. Uses 0 as initial value if the key doesn't exist.", Since = "1.0.0", Complexity = "O(1)",
            KeySpecs = [KeySpec.Index(1, RW | Access | Update)],
        },
        new CommandSpec("decrby", 3, CommandFlags.Write | CommandFlags.DenyOom | CommandFlags.Fast,
            AclCategories.Write | AclCategories.String | AclCategories.Fast, DecrBy)
        {
            Group = "string", Summary = "Decrements a number from the integer value of a key. Uses 0 as initial value if the key doesn't exist.", Since = "1.0.0", Complexity = "O(1)",
            KeySpecs = [KeySpec.Index(1, RW | Access | Update)],
        },
        new CommandSpec("incrbyfloat", 3, CommandFlags.Write | CommandFlags.DenyOom | CommandFlags.Fast,
            AclCategories.Write | AclCategories.String | AclCategories.Fast, IncrByFloat)
        {
            Group = "string", Summary = "Increment the floating point value of a key by a number. Uses 0 as initial value if the key doesn't exist.", Since = "2.6.0", Complexity = "O(1)",
            KeySpecs = [KeySpec.Index(1, RW | Access | Update)],
        },
        new CommandSpec("lcs", -3, CommandFlags.ReadOnly,
            AclCategories.Read | AclCategories.String | AclCategories.Slow, Lcs)
        {
            Group = "string", Summary = "Finds the longest common substring.", Since = "7.0.0", Complexity = "O(N*M) where N and M are the lengths of s1 and s2, respectively",
            KeySpecs = [KeySpec.Index(1, RO | Access, lastKey: 1)],
        },
        new CommandSpec("delifeq", 3, CommandFlags.Write,
            AclCategories.Write | AclCategories.String | AclCategories.Slow, DelIfEq)
        {
            Group = "string", Summary = "Delete key if value matches string.", Since = "9.0.0", Complexity = "O(1)",
            KeySpecs = [KeySpec.Index(1, RM | Access | Delete)],
        },
    ];

    private const string RangeComplexity =
        "O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings.";

    // Errors only this family produces (shared ones live in ErrorMessages).
    private static ReadOnlySpan<byte> OffsetOutOfRange => "ERR offset is out of range"u8;
    private static ReadOnlySpan<byte> DecrementOverflow => "ERR decrement would overflow"u8;
    private static ReadOnlySpan<byte> LcsWrongType => "ERR The specified keys must contain string values"u8;
    private static ReadOnlySpan<byte> LcsLenAndIdx => "ERR If you want both the length and indexes, please just use IDX."u8;
    private static ReadOnlySpan<byte> LcsTooLong => "ERR String too long for LCS"u8;
    private static ReadOnlySpan<byte> LcsOverProtoMax => "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len"u8;
    private static ReadOnlySpan<byte> LcsAllocFailed => "ERR Insufficient memory, failed allocating transient memory for LCS"u8;

    /// <summary>Options of SET and GETEX (Valkey's OBJ_* flags for parseExtendedStringArgumentsOrReply).</summary>
    [Flags]
    private enum SetFlags
    {
        None = 0,
        Nx = 1 << 0,
        Xx = 1 << 1,
        Ex = 1 << 2,
        Px = 1 << 3,
        KeepTtl = 1 << 4,
        Get = 1 << 5,
        ExAt = 1 << 6,
        PxAt = 1 << 7,
        Persist = 1 << 8,
        IfEq = 1 << 9,
        AnyExpire = Ex | Px | ExAt | PxAt,
        /// <summary>The expire argument counts milliseconds rather than seconds.</summary>
        MillisecondUnit = Px | PxAt,
        /// <summary>The expire argument is relative to now rather than an absolute Unix time.</summary>
        Relative = Ex | Px,
    }

    // ---- GET / SET family ------------------------------------------------------------------

    private static void Get(CommandContext ctx) => GetGeneric(ctx, out _);

    /// <summary>
    /// Replies with the value of argv[1] (null if missing). Returns false after replying
    /// WRONGTYPE, so callers that go on to write (GETSET, GETDEL, SET ... GET) stop there.
    /// <paramref name="entry"/> is the live entry, or null.
    /// </summary>
    private static bool GetGeneric(CommandContext ctx, out byte* entry)
    {
        entry = ctx.Db.LookupRead(ctx.Arg(1));
        if (entry == null)
        {
            ctx.Reply.AddNull();
            return true;
        }
        ValueHeader* h = Database.Header(entry);
        if (h->Type != DataType.String)
        {
            ctx.Reply.AddError(ErrorMessages.WrongType);
            entry = null;
            return false;
        }
        Span<byte> scratch = stackalloc byte[24];
        ctx.Reply.AddBulk(StringValue.Read(h, scratch));
        return true;
    }

    private static void Set(CommandContext ctx)
    {
        if (!TryParseExtendedArgs(ctx, forSet: true, out SetFlags flags, out int expireIndex, out int comparisonIndex)) return;
        SetGeneric(ctx, flags, valueIndex: 2, expireIndex, comparisonIndex, integerReplies: false);
    }

    /// <summary>SET's key finder (setGetKeys): its flags depend on GET, which the key spec cannot tell.</summary>
    private static void SetKeys(CommandContext ctx, List<KeyReference> keys)
    {
        for (int i = 3; i < ctx.ArgCount; i++)
        {
            if (ctx.ArgIs(i, "get"u8))
            {
                keys.Add(new KeyReference(1, RW | Access | Update));
                return;
            }
        }
        keys.Add(new KeyReference(1, OW | Update));
    }

    private static void SetNx(CommandContext ctx) => SetGeneric(ctx, SetFlags.Nx, 2, -1, -1, integerReplies: true);

    private static void SetEx(CommandContext ctx) => SetGeneric(ctx, SetFlags.Ex, 3, 2, -1, integerReplies: false);

    private static void PSetEx(CommandContext ctx) => SetGeneric(ctx, SetFlags.Px, 3, 2, -1, integerReplies: false);

    /// <summary>
    /// The one SET implementation (Valkey's setGenericCommand). Replies +OK / null, or :1 / :0
    /// for SETNX (<paramref name="integerReplies"/>); with GET the old value is the only reply.
    /// Order matters and is Valkey's: expire validation, GET reply, IFEQ/NX/XX conditions,
    /// then the already-expired shortcut, the write, and the events.
    /// </summary>
    private static void SetGeneric(CommandContext ctx, SetFlags flags, int valueIndex, int expireIndex, int comparisonIndex, bool integerReplies)
    {
        long expireAt = 0;
        bool hasExpire = expireIndex >= 0;
        if (hasExpire && !TryGetExpireAtOrReply(ctx, expireIndex, flags, out expireAt)) return;

        bool withGet = (flags & SetFlags.Get) != 0;
        if (withGet && !GetGeneric(ctx, out _)) return;

        ReadOnlySpan<byte> key = ctx.Arg(1);
        Database db = ctx.Db;
        byte* existing = db.LookupWrite(key);
        bool found = existing != null;

        if ((flags & SetFlags.IfEq) != 0)
        {
            bool matches = false;
            if (found)
            {
                ValueHeader* h = Database.Header(existing);
                // (With GET, GetGeneric has already rejected a non-string value.)
                if (h->Type != DataType.String)
                {
                    ctx.Reply.AddError(ErrorMessages.WrongType);
                    return;
                }
                Span<byte> scratch = stackalloc byte[24];
                matches = StringValue.Read(h, scratch).SequenceEqual(ctx.Arg(comparisonIndex));
            }
            if (!matches)
            {
                if (!withGet) AddAbortReply(ctx.Reply, integerReplies);
                return;
            }
        }

        if (((flags & SetFlags.Nx) != 0 && found) || ((flags & SetFlags.Xx) != 0 && !found))
        {
            if (!withGet) AddAbortReply(ctx.Reply, integerReplies);
            return;
        }

        // A deadline already in the past: store nothing (and drop the old value) instead of
        // writing a key that active expiry would only have to delete.
        if (hasExpire && expireAt <= ctx.Keyspace.NowMs)
        {
            if (found) DeleteAsOverwrite(ctx, existing, key);
            if (!withGet) AddOkReply(ctx.Reply, integerReplies);
            return;
        }

        // With an expire the old TTL is kept only to be replaced just below (no remove + re-add).
        bool keepTtl = (flags & SetFlags.KeepTtl) != 0 || hasExpire;
        byte* entry = db.SetString(key, ctx.Arg(valueIndex), keepTtl);
        ctx.MarkDirty();
        ctx.KeyChanged(NotifyClass.String, "set", key);
        if (hasExpire)
        {
            db.SetExpire(entry, expireAt);   // may move the entry; not used below
            ctx.Server.Notify(NotifyClass.Generic, "expire", key, db.Id);
            // A relative TTL (EX/PX/EXAT, SETEX/PSETEX) propagates as SET key value PXAT <absolute ms>.
            if ((flags & SetFlags.PxAt) == 0) ctx.RewriteArgs(5).Arg("SET"u8).Arg(key).Arg(ctx, valueIndex).Arg("PXAT"u8).Arg(expireAt);
        }
        if (!withGet) AddOkReply(ctx.Reply, integerReplies);
    }

    private static void AddOkReply(ReplyWriter reply, bool integerReplies)
    {
        if (integerReplies) reply.AddInteger(1);
        else reply.AddOk();
    }

    private static void AddAbortReply(ReplyWriter reply, bool integerReplies)
    {
        if (integerReplies) reply.AddInteger(0);
        else reply.AddNull();
    }

    /// <summary>
    /// Valkey's parseExtendedStringArgumentsOrReply: SET takes NX|XX|IFEQ, GET, KEEPTTL and one
    /// of EX/PX/EXAT/PXAT; GETEX takes PERSIST or one of EX/PX/EXAT/PXAT. Conflicting or unknown
    /// options, and a trailing option missing its value, are "ERR syntax error". Repeating the
    /// same option is accepted (the last value wins), as in Valkey.
    /// </summary>
    private static bool TryParseExtendedArgs(CommandContext ctx, bool forSet, out SetFlags flags, out int expireIndex, out int comparisonIndex)
    {
        flags = SetFlags.None;
        expireIndex = -1;
        comparisonIndex = -1;
        int argc = ctx.ArgCount;
        for (int j = forSet ? 3 : 2; j < argc; j++)
        {
            ReadOnlySpan<byte> opt = ctx.Arg(j);
            bool hasValue = j + 1 < argc;
            if (forSet && CommandContext.AsciiEqualsIgnoreCase(opt, "nx"u8) && (flags & (SetFlags.Xx | SetFlags.IfEq)) == 0)
            {
                flags |= SetFlags.Nx;
            }
            else if (forSet && CommandContext.AsciiEqualsIgnoreCase(opt, "xx"u8) && (flags & (SetFlags.Nx | SetFlags.IfEq)) == 0)
            {
                flags |= SetFlags.Xx;
            }
            else if (forSet && CommandContext.AsciiEqualsIgnoreCase(opt, "ifeq"u8) && hasValue
                     && (flags & (SetFlags.Nx | SetFlags.Xx | SetFlags.IfEq)) == 0)
            {
                flags |= SetFlags.IfEq;
                comparisonIndex = ++j;
            }
            else if (forSet && CommandContext.AsciiEqualsIgnoreCase(opt, "get"u8))
            {
                flags |= SetFlags.Get;
            }
            else if (forSet && CommandContext.AsciiEqualsIgnoreCase(opt, "keepttl"u8) && (flags & (SetFlags.Persist | SetFlags.AnyExpire)) == 0)
            {
                flags |= SetFlags.KeepTtl;
            }
            else if (!forSet && CommandContext.AsciiEqualsIgnoreCase(opt, "persist"u8) && (flags & (SetFlags.AnyExpire | SetFlags.KeepTtl)) == 0)
            {
                flags |= SetFlags.Persist;
            }
            else if (hasValue && TryExpireOption(opt, flags, out SetFlags option))
            {
                flags |= option;
                expireIndex = ++j;
            }
            else
            {
                ctx.Reply.AddError(ErrorMessages.Syntax);
                return false;
            }
        }
        return true;
    }

    /// <summary>EX/PX/EXAT/PXAT, accepted when no other kind of expiry (nor KEEPTTL/PERSIST) was given.</summary>
    private static bool TryExpireOption(ReadOnlySpan<byte> opt, SetFlags flags, out SetFlags option)
    {
        if (CommandContext.AsciiEqualsIgnoreCase(opt, "ex"u8)) option = SetFlags.Ex;
        else if (CommandContext.AsciiEqualsIgnoreCase(opt, "px"u8)) option = SetFlags.Px;
        else if (CommandContext.AsciiEqualsIgnoreCase(opt, "exat"u8)) option = SetFlags.ExAt;
        else if (CommandContext.AsciiEqualsIgnoreCase(opt, "pxat"u8)) option = SetFlags.PxAt;
        else
        {
            option = SetFlags.None;
            return false;
        }
        SetFlags conflicts = SetFlags.KeepTtl | SetFlags.Persist | (SetFlags.AnyExpire & ~option);
        return (flags & conflicts) == 0;
    }

    /// <summary>
    /// getExpireMillisecondsOrReply: the expire argument as an absolute Unix time in ms.
    /// Non-positive values, seconds that overflow when scaled, and relative times that overflow
    /// when added to now are "invalid expire time in '&lt;command&gt;' command".
    /// </summary>
    private static bool TryGetExpireAtOrReply(CommandContext ctx, int index, SetFlags flags, out long atMs)
    {
        if (!ctx.TryGetInt64OrReply(index, out atMs)) return false;
        bool seconds = (flags & SetFlags.MillisecondUnit) == 0;
        if (atMs <= 0 || (seconds && atMs > long.MaxValue / 1000))
        {
            ctx.Reply.AddError(ErrorMessages.InvalidExpireTime(ctx.Command.FullName));
            return false;
        }
        if (seconds) atMs *= 1000;
        if ((flags & SetFlags.Relative) != 0) atMs = unchecked(atMs + ctx.Keyspace.NowMs);
        if (atMs <= 0)
        {
            ctx.Reply.AddError(ErrorMessages.InvalidExpireTime(ctx.Command.FullName));
            return false;
        }
        return true;
    }

    /// <summary>
    /// deleteExpiredKeyFromOverwriteAndPropagate: a write whose deadline already passed removes
    /// the key; Valkey reports it as an explicit "del".
    /// </summary>
    private static void DeleteAsOverwrite(CommandContext ctx, byte* entry, ReadOnlySpan<byte> key)
    {
        ctx.Db.DeleteEntry(entry);
        ctx.MarkDirty();
        ctx.KeyChanged(NotifyClass.Generic, "del", key);
        // Propagated as an explicit DEL, or UNLINK with lazyfree-lazy-expire (deleteExpiredKeyFromOverwriteAndPropagate).
        ctx.RewriteArgs(2).Arg(ctx.Server.Config.LazyfreeLazyExpire ? "UNLINK"u8 : "DEL"u8).Arg(key);
    }

    /// <summary>GETEX key [EX|PX|EXAT|PXAT time | PERSIST]: GET that can also change the TTL.</summary>
    private static void GetEx(CommandContext ctx)
    {
        if (!TryParseExtendedArgs(ctx, forSet: false, out SetFlags flags, out int expireIndex, out _)) return;

        ReadOnlySpan<byte> key = ctx.Arg(1);
        byte* entry = ctx.LookupReadOfType(key, DataType.String, out bool wrongType);
        if (wrongType) return;
        if (entry == null)
        {
            ctx.Reply.AddNull();
            return;
        }

        long expireAt = 0;
        bool hasExpire = expireIndex >= 0;
        if (hasExpire && !TryGetExpireAtOrReply(ctx, expireIndex, flags, out expireAt)) return;

        // The value goes out before the key may be deleted or changed below.
        Span<byte> scratch = stackalloc byte[24];
        ctx.Reply.AddBulk(StringValue.Read(Database.Header(entry), scratch));

        Database db = ctx.Db;
        if ((flags & (SetFlags.ExAt | SetFlags.PxAt)) != 0 && expireAt <= ctx.Keyspace.NowMs)
        {
            DeleteAsOverwrite(ctx, entry, key);
        }
        else if (hasExpire)
        {
            db.SetExpire(entry, expireAt);   // may move the entry; not used below
            ctx.MarkDirty();
            ctx.KeyChanged(NotifyClass.Generic, "expire", key);
            ctx.RewriteArgs(3).Arg("PEXPIREAT"u8).Arg(key).Arg(expireAt);
        }
        else if ((flags & SetFlags.Persist) != 0 && db.RemoveExpire(entry))
        {
            ctx.MarkDirty();
            ctx.KeyChanged(NotifyClass.Generic, "persist", key);
            ctx.RewriteArgs(2).Arg("PERSIST"u8).Arg(key);
        }
    }

    private static void GetDel(CommandContext ctx)
    {
        if (!GetGeneric(ctx, out byte* entry) || entry == null) return;
        ctx.Db.DeleteEntry(entry);
        ctx.MarkDirty();
        ctx.KeyChanged(NotifyClass.Generic, "del", ctx.Arg(1));
        ctx.RewriteArgs(2).Arg("DEL"u8).Arg(ctx, 1);
    }

    private static void GetSet(CommandContext ctx)
    {
        if (!GetGeneric(ctx, out byte* old)) return;
        ReadOnlySpan<byte> key = ctx.Arg(1);
        ctx.Db.SetString(key, ctx.Arg(2), keepTtl: false);
        ctx.MarkDirty();
        ctx.KeyChanged(NotifyClass.String, "set", key);
    }

    /// <summary>DELIFEQ key value: deletes the key only if it holds exactly that string.</summary>
    private static void DelIfEq(CommandContext ctx)
    {
        ReadOnlySpan<byte> key = ctx.Arg(1);
        byte* entry = ctx.LookupWriteOfType(key, DataType.String, out bool wrongType);
        if (wrongType) return;
        if (entry == null)
        {
            ctx.Reply.AddInteger(0);
            return;
        }
        Span<byte> scratch = stackalloc byte[24];
        if (!StringValue.Read(Database.Header(entry), scratch).SequenceEqual(ctx.Arg(2)))
        {
            ctx.Reply.AddInteger(0);
            return;
        }
        ctx.Db.DeleteEntry(entry);
        ctx.MarkDirty();
        ctx.KeyChanged(NotifyClass.Generic, "del", key);
        ctx.Reply.AddInteger(1);
    }

    // ---- multi-key ---------------------------------------------------------------------------

    private static void MGet(CommandContext ctx)
    {
        int count = ctx.ArgCount - 1;
        ReplyWriter reply = ctx.Reply;
        reply.AddArrayLength(count);
        Span<byte> scratch = stackalloc byte[24];
        for (int j = 1; j <= count; j++)
        {
            byte* entry = ctx.Db.LookupRead(ctx.Arg(j));
            // Keys of other types read as missing: MGET never fails part way.
            if (entry == null || Database.Header(entry)->Type != DataType.String) reply.AddNull();
            else reply.AddBulk(StringValue.Read(Database.Header(entry), scratch));
        }
    }

    private static void MSet(CommandContext ctx) => MSetGeneric(ctx, onlyIfNoneExist: false);

    private static void MSetNx(CommandContext ctx) => MSetGeneric(ctx, onlyIfNoneExist: true);

    private static void MSetGeneric(CommandContext ctx, bool onlyIfNoneExist)
    {
        int argc = ctx.ArgCount;
        if (argc % 2 == 0)
        {
            ctx.Reply.AddError(ErrorMessages.WrongArgCount(ctx.Command.FullName));
            return;
        }
        Database db = ctx.Db;
        if (onlyIfNoneExist)
        {
            for (int j = 1; j < argc; j += 2)
            {
                if (db.LookupWrite(ctx.Arg(j)) != null)
                {
                    ctx.Reply.AddInteger(0);
                    return;
                }
            }
        }
        for (int j = 1; j < argc; j += 2)
        {
            ReadOnlySpan<byte> key = ctx.Arg(j);
            // A key may repeat, so existence is checked per pair, not taken from the NX pass.
            bool existed = db.LookupWrite(key) != null;
            db.SetString(key, ctx.Arg(j + 1), keepTtl: false);
            ctx.KeyChanged(NotifyClass.String, "set", key);
        }
        ctx.MarkDirty((argc - 1) / 2);
        if (onlyIfNoneExist) ctx.Reply.AddInteger(1);
        else ctx.Reply.AddOk();
    }

    // ---- lengths and ranges --------------------------------------------------------------------

    private static void StrLen(CommandContext ctx)
    {
        byte* entry = ctx.LookupReadOfType(ctx.Arg(1), DataType.String, out bool wrongType);
        if (wrongType) return;
        ctx.Reply.AddInteger(entry == null ? 0 : StringValue.Length(Database.Header(entry)));
    }

    /// <summary>
    /// checkStringLength: APPEND/SETRANGE may not grow a string past proto-max-bulk-len (nor,
    /// here, past what one arena block can address).
    /// </summary>
    private static bool CheckStringLengthOrReply(CommandContext ctx, long size, long append)
    {
        long total = unchecked(size + append);
        long limit = Math.Min(ctx.Server.Config.ProtoMaxBulkLen, int.MaxValue);
        if (total > limit || total < size || total < append)
        {
            ctx.Reply.AddError(ErrorMessages.StringTooLong);
            return false;
        }
        return true;
    }

    private static void Append(CommandContext ctx)
    {
        ReadOnlySpan<byte> key = ctx.Arg(1);
        ReadOnlySpan<byte> suffix = ctx.Arg(2);
        Database db = ctx.Db;
        byte* entry = db.LookupWrite(key);
        long total;
        if (entry == null)
        {
            // A new key is stored like SET stores it (so "123" becomes int-encoded).
            db.SetString(key, suffix, keepTtl: false);
            total = suffix.Length;
        }
        else
        {
            ValueHeader* h = Database.Header(entry);
            if (h->Type != DataType.String)
            {
                ctx.Reply.AddError(ErrorMessages.WrongType);
                return;
            }
            long length = StringValue.Length(h);
            if (!CheckStringLengthOrReply(ctx, length, suffix.Length)) return;
            // Always raw afterwards, even for an empty suffix: Valkey unshares the value first.
            byte* buffer = db.MakeStringRaw(ref entry, (int)(length + suffix.Length));
            suffix.CopyTo(new Span<byte>(buffer + length, suffix.Length));
            total = length + suffix.Length;
        }
        ctx.MarkDirty();
        ctx.KeyChanged(NotifyClass.String, "append", key);
        ctx.Reply.AddInteger(total);
    }

    /// <summary>GETRANGE and its deprecated alias SUBSTR: inclusive, negative indexes count from the end.</summary>
    private static void GetRange(CommandContext ctx)
    {
        if (!ctx.TryGetInt64OrReply(2, out long start) || !ctx.TryGetInt64OrReply(3, out long end)) return;
        byte* entry = ctx.LookupReadOfType(ctx.Arg(1), DataType.String, out bool wrongType);
        if (wrongType) return;
        if (entry == null)
        {
            ctx.Reply.AddBulk(ReadOnlySpan<byte>.Empty);
            return;
        }
        Span<byte> scratch = stackalloc byte[24];
        ReadOnlySpan<byte> value = StringValue.Read(Database.Header(entry), scratch);
        long length = value.Length;

        if (start < 0 && end < 0 && start > end)
        {
            ctx.Reply.AddBulk(ReadOnlySpan<byte>.Empty);
            return;
        }
        if (start < 0) start += length;
        if (end < 0) end += length;
        if (start < 0) start = 0;
        if (end < 0) end = 0;
        if (end >= length) end = length - 1;
        if (start > end || length == 0)
        {
            ctx.Reply.AddBulk(ReadOnlySpan<byte>.Empty);
            return;
        }
        ctx.Reply.AddBulk(value.Slice((int)start, (int)(end - start + 1)));
    }

    private static void SetRange(CommandContext ctx)
    {
        if (!ctx.TryGetInt64OrReply(2, out long offset)) return;
        if (offset < 0)
        {
            ctx.Reply.AddError(OffsetOutOfRange);
            return;
        }
        ReadOnlySpan<byte> key = ctx.Arg(1);
        ReadOnlySpan<byte> patch = ctx.Arg(3);
        Database db = ctx.Db;
        byte* entry = db.LookupWrite(key);
        if (entry == null)
        {
            // Writing nothing creates nothing.
            if (patch.IsEmpty)
            {
                ctx.Reply.AddInteger(0);
                return;
            }
            if (!CheckStringLengthOrReply(ctx, offset, patch.Length)) return;
            // An empty value that MakeStringRaw turns into a zero-filled raw string.
            entry = db.Add(key, DataType.String, ValueEncoding.EmbStr, 0);
        }
        else
        {
            ValueHeader* h = Database.Header(entry);
            if (h->Type != DataType.String)
            {
                ctx.Reply.AddError(ErrorMessages.WrongType);
                return;
            }
            // Nothing to write: the value (and its encoding) stays as it is.
            if (patch.IsEmpty)
            {
                ctx.Reply.AddInteger(StringValue.Length(h));
                return;
            }
            if (!CheckStringLengthOrReply(ctx, offset, patch.Length)) return;
        }

        byte* buffer = db.MakeStringRaw(ref entry, (int)(offset + patch.Length));
        patch.CopyTo(new Span<byte>(buffer + offset, patch.Length));
        ctx.MarkDirty();
        ctx.KeyChanged(NotifyClass.String, "setrange", key);
        ctx.Reply.AddInteger(Database.Header(entry)->Length);
    }

    // ---- counters --------------------------------------------------------------------------------

    private static void Incr(CommandContext ctx) => IncrDecr(ctx, 1);

    private static void Decr(CommandContext ctx) => IncrDecr(ctx, -1);

    private static void IncrBy(CommandContext ctx)
    {
        if (ctx.TryGetInt64OrReply(2, out long increment)) IncrDecr(ctx, increment);
    }

    private static void DecrBy(CommandContext ctx)
    {
        if (!ctx.TryGetInt64OrReply(2, out long decrement)) return;
        // -long.MinValue does not exist.
        if (decrement == long.MinValue)
        {
            ctx.Reply.AddError(DecrementOverflow);
            return;
        }
        IncrDecr(ctx, -decrement);
    }

    /// <summary>
    /// The INCR/DECR/INCRBY/DECRBY core: the value (0 if missing) must be a canonical 64-bit
    /// integer; the result is stored int-encoded with the TTL kept.
    /// </summary>
    private static void IncrDecr(CommandContext ctx, long increment)
    {
        ReadOnlySpan<byte> key = ctx.Arg(1);
        byte* entry = ctx.LookupWriteOfType(key, DataType.String, out bool wrongType);
        if (wrongType) return;
        long value = 0;
        if (entry != null && !StringValue.TryGetInt64(Database.Header(entry), out value))
        {
            ctx.Reply.AddError(ErrorMessages.NotInteger);
            return;
        }
        if ((increment < 0 && value < 0 && increment < long.MinValue - value) ||
            (increment > 0 && value > 0 && increment > long.MaxValue - value))
        {
            ctx.Reply.AddError(ErrorMessages.Overflow);
            return;
        }
        value += increment;
        ctx.Db.SetInteger(entry, key, value);
        ctx.MarkDirty();
        ctx.KeyChanged(NotifyClass.String, "incrby", key);
        ctx.Reply.AddInteger(value);
    }

    /// <summary>
    /// INCRBYFLOAT in x87 80-bit long double arithmetic, as Valkey computes it, formatted with
    /// ld2string's human mode. The result is stored as a plain string (embstr/raw, never int),
    /// exactly like Valkey's createStringObjectFromLongDouble, with the TTL kept.
    /// </summary>
    private static void IncrByFloat(CommandContext ctx)
    {
        ReadOnlySpan<byte> key = ctx.Arg(1);
        byte* entry = ctx.LookupWriteOfType(key, DataType.String, out bool wrongType);
        if (wrongType) return;

        LongDouble value = LongDouble.Zero;
        if (entry != null && !TryGetLongDouble(Database.Header(entry), out value))
        {
            ctx.Reply.AddError(ErrorMessages.NotFloat);
            return;
        }
        if (!ctx.TryGetLongDoubleOrReply(2, out LongDouble increment)) return;
        Span<byte> text = stackalloc byte[LongDouble.MaxHumanLength];
        if (!ctx.TryIncrementOrReply(value, increment, ref text)) return;

        StorePlainString(ctx.Db, entry, key, text);
        ctx.MarkDirty();
        ctx.KeyChanged(NotifyClass.String, "incrbyfloat", key);
        // Float formatting must not differ on replay: propagated as SET key <result> KEEPTTL.
        ctx.RewriteArgs(4).Arg("SET"u8).Arg(key).Arg(text).Arg("KEEPTTL"u8);
        ctx.Reply.AddBulk(text);
    }

    /// <summary>getLongDoubleFromObject: int-encoded values convert exactly, others go through string2ld.</summary>
    private static bool TryGetLongDouble(ValueHeader* h, out LongDouble value)
    {
        if (h->Encoding == ValueEncoding.Int)
        {
            value = LongDouble.FromInt64(*(long*)ValueHeader.DataOf(h));
            return true;
        }
        Span<byte> scratch = stackalloc byte[24];
        return LongDouble.TryParse(StringValue.Read(h, scratch), out value);
    }

    /// <summary>
    /// Stores <paramref name="value"/> as embstr (up to 44 bytes) or raw without trying the int
    /// encoding, replacing the value of <paramref name="entry"/> (TTL kept) or adding the key.
    /// </summary>
    private static void StorePlainString(Database db, byte* entry, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        ValueEncoding encoding = value.Length <= StringValue.EmbStrLimit ? ValueEncoding.EmbStr : ValueEncoding.Raw;
        int dataSize = encoding == ValueEncoding.EmbStr ? value.Length : sizeof(byte*);
        if (entry == null)
        {
            entry = db.Add(key, DataType.String, encoding, dataSize);
        }
        else
        {
            ValueMemory.Free(db.Keyspace, Database.Header(entry));
            entry = db.ResizeData(entry, dataSize);
        }
        StringValue.Write(db.Arena, Database.Header(entry), value, encoding, 0);
    }

    // ---- LCS ------------------------------------------------------------------------------------------

    /// <summary>
    /// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN]: the classic O(N*M) dynamic
    /// programming table, then one walk back from its corner that yields both the subsequence
    /// and the matched ranges (last match first), with Valkey's tie-breaking so replies are identical.
    /// </summary>
    private static void Lcs(CommandContext ctx)
    {
        // Both keys are read (and counted as hits/misses) before the options are looked at.
        byte* entryA = ctx.Db.LookupRead(ctx.Arg(1));
        byte* entryB = ctx.Db.LookupRead(ctx.Arg(2));
        if ((entryA != null && Database.Header(entryA)->Type != DataType.String) ||
            (entryB != null && Database.Header(entryB)->Type != DataType.String))
        {
            ctx.Reply.AddError(LcsWrongType);
            return;
        }
        Span<byte> scratchA = stackalloc byte[24];
        Span<byte> scratchB = stackalloc byte[24];
        ReadOnlySpan<byte> a = entryA == null ? default : StringValue.Read(Database.Header(entryA), scratchA);
        ReadOnlySpan<byte> b = entryB == null ? default : StringValue.Read(Database.Header(entryB), scratchB);

        bool getLen = false, getIdx = false, withMatchLen = false;
        long minMatchLen = 0;
        for (int j = 3; j < ctx.ArgCount; j++)
        {
            bool moreArgs = j < ctx.ArgCount - 1;
            if (ctx.ArgIs(j, "idx"u8)) getIdx = true;
            else if (ctx.ArgIs(j, "len"u8)) getLen = true;
            else if (ctx.ArgIs(j, "withmatchlen"u8)) withMatchLen = true;
            else if (ctx.ArgIs(j, "minmatchlen"u8) && moreArgs)
            {
                if (!ctx.TryGetInt64OrReply(j + 1, out minMatchLen)) return;
                if (minMatchLen < 0) minMatchLen = 0;
                j++;
            }
            else
            {
                ctx.Reply.AddError(ErrorMessages.Syntax);
                return;
            }
        }
        if (getLen && getIdx)
        {
            ctx.Reply.AddError(LcsLenAndIdx);
            return;
        }
        if ((uint)a.Length >= uint.MaxValue - 1 || (uint)b.Length >= uint.MaxValue - 1)
        {
            ctx.Reply.AddError(LcsTooLong);
            return;
        }

        int alen = a.Length, blen = b.Length;
        ulong cells = (ulong)(alen + 1) * (ulong)(blen + 1);
        ulong bytes = cells * sizeof(uint);
        if (bytes > (ulong)ctx.Server.Config.ProtoMaxBulkLen)
        {
            ctx.Reply.AddError(LcsOverProtoMax);
            return;
        }
        uint* table;
        try
        {
            table = (uint*)NativeMemory.Alloc((nuint)bytes);
        }
        catch (OutOfMemoryException)
        {
            ctx.Reply.AddError(LcsAllocFailed);
            return;
        }
        try
        {
            FillLcsTable(a, b, table);
            WriteLcsReply(ctx, a, b, table, getLen, getIdx, withMatchLen, minMatchLen);
        }
        finally
        {
            NativeMemory.Free(table);
        }
    }

    /// <summary>table[i * (blen + 1) + j] = length of the LCS of a[..i] and b[..j].</summary>
    private static void FillLcsTable(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, uint* table)
    {
        int stride = b.Length + 1;
        new Span<uint>(table, stride).Clear();
        for (int i = 1; i <= a.Length; i++)
        {
            uint* row = table + (long)i * stride;
            uint* above = row - stride;
            row[0] = 0;
            byte ai = a[i - 1];
            for (int j = 1; j < stride; j++)
            {
                if (ai == b[j - 1]) row[j] = above[j - 1] + 1;
                else row[j] = above[j] > row[j - 1] ? above[j] : row[j - 1];
            }
        }
    }

    private static void WriteLcsReply(CommandContext ctx, ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, uint* table,
        bool getLen, bool getIdx, bool withMatchLen, long minMatchLen)
    {
        int stride = b.Length + 1;
        uint total = table[(long)a.Length * stride + b.Length];
        ReplyWriter reply = ctx.Reply;
        if (getLen && !getIdx)
        {
            reply.AddInteger(total);
            return;
        }

        byte[] subsequence = new byte[total];
        int deferred = -1;
        long ranges = 0;
        if (getIdx)
        {
            reply.AddMapLength(2);
            reply.AddBulk("matches"u8);
            deferred = reply.BeginDeferredLength();
        }

        // Walk back from the corner. A range of consecutive matches is grown backwards and
        // emitted when the walk leaves it (a mismatch step) or reaches the start of a string.
        int i = a.Length, j = b.Length;
        long remaining = total;
        bool open = false;
        int aStart = 0, aEnd = 0, bStart = 0, bEnd = 0;
        while (i > 0 && j > 0)
        {
            bool emit = false;
            if (a[i - 1] == b[j - 1])
            {
                subsequence[--remaining] = a[i - 1];
                if (!open)
                {
                    open = true;
                    aStart = aEnd = i - 1;
                    bStart = bEnd = j - 1;
                }
                else if (aStart == i && bStart == j)
                {
                    aStart--;
                    bStart--;
                }
                else
                {
                    emit = true;
                }
                if (aStart == 0 || bStart == 0) emit = true;
                i--;
                j--;
            }
            else
            {
                uint up = table[(long)(i - 1) * stride + j];
                uint left = table[(long)i * stride + j - 1];
                if (up > left) i--;
                else j--;
                if (open) emit = true;
            }

            if (emit)
            {
                long matchLen = aEnd - aStart + 1;
                if (getIdx && (minMatchLen == 0 || matchLen >= minMatchLen))
                {
                    reply.AddArrayLength(withMatchLen ? 3 : 2);
                    reply.AddArrayLength(2);
                    reply.AddInteger(aStart);
                    reply.AddInteger(aEnd);
                    reply.AddArrayLength(2);
                    reply.AddInteger(bStart);
                    reply.AddInteger(bEnd);
                    if (withMatchLen) reply.AddInteger(matchLen);
                    ranges++;
                }
                open = false;
            }
        }

        if (getIdx)
        {
            reply.AddBulk("len"u8);
            reply.AddInteger(total);
            reply.SetDeferredArrayLength(deferred, ranges);
        }
        else
        {
            reply.AddBulk(subsequence);
        }
    }
}
