using Valkey.Native.Storage;
using static Valkey.Native.Commands.KeySpecFlags;

namespace Valkey.Native.Commands;

/// <summary>
/// Time-to-live commands (Valkey's expire.c): EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT with
/// NX/XX/GT/LT, TTL, PTTL, EXPIRETIME, PEXPIRETIME and PERSIST. Every time is resolved to an
/// absolute Unix time in milliseconds against the command's cached clock, so a key cannot
/// expire half way through a command.
/// </summary>
public static unsafe class ExpireCommands
{
    private const AclCategories WriteFast = AclCategories.Keyspace | AclCategories.Write | AclCategories.Fast;
    private const AclCategories ReadFast = AclCategories.Keyspace | AclCategories.Read | AclCategories.Fast;

    public static readonly CommandSpec[] Commands =
    [
        new CommandSpec("expire", -3, CommandFlags.Write | CommandFlags.Fast, WriteFast, Expire)
        {
            Group = "generic", Summary = "Sets the expiration time of a key in seconds.", Since = "1.0.0", Complexity = "O(1)",
            KeySpecs = [KeySpec.Index(1, RW | Update)],
            History = [("7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`.")],
        },
        new CommandSpec("pexpire", -3, CommandFlags.Write | CommandFlags.Fast, WriteFast, PExpire)
        {
            Group = "generic", Summary = "Sets the expiration time of a key in milliseconds.", Since = "2.6.0", Complexity = "O(1)",
            KeySpecs = [KeySpec.Index(1, RW | Update)],
            History = [("7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`.")],
        },
        new CommandSpec("expireat", -3, CommandFlags.Write | CommandFlags.Fast, WriteFast, ExpireAt)
        {
            Group = "generic", Summary = "Sets the expiration time of a key to a Unix timestamp.", Since = "1.2.0", Complexity = "O(1)",
            KeySpecs = [KeySpec.Index(1, RW | Update)],
            History = [("7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`.")],
        },
        new CommandSpec("pexpireat", -3, CommandFlags.Write | CommandFlags.Fast, WriteFast, PExpireAt)
        {
            Group = "generic", Summary = "Sets the expiration time of a key to a Unix milliseconds timestamp.", Since = "2.6.0", Complexity = "O(1)",
            KeySpecs = [KeySpec.Index(1, RW | Update)],
            History = [("7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`.")],
        },
        new CommandSpec("ttl", 2, CommandFlags.ReadOnly | CommandFlags.Fast, ReadFast, Ttl)
        {
            Group = "generic", Summary = "Returns the expiration time in seconds of a key.", Since = "1.0.0", Complexity = "O(1)",
            KeySpecs = [KeySpec.Index(1, RO | Access)],
            Tips = ["nondeterministic_output"],
            History = [("2.8.0", "Added the -2 reply.")],
        },
        new CommandSpec("pttl", 2, CommandFlags.ReadOnly | CommandFlags.Fast, ReadFast, PTtl)
        {
            Group = "generic", Summary = "Returns the expiration time in milliseconds of a key.", Since = "2.6.0", Complexity = "O(1)",
            KeySpecs = [KeySpec.Index(1, RO | Access)],
            Tips = ["nondeterministic_output"],
            History = [("2.8.0", "Added the -2 reply.")],
        },
        new CommandSpec("expiretime", 2, CommandFlags.ReadOnly | CommandFlags.Fast, ReadFast, ExpireTime)
        {
            Group = "generic", Summary = "Returns the expiration time of a key as a Unix timestamp.", Since = "7.0.0", Complexity = "O(1)",
            KeySpecs = [KeySpec.Index(1, RO | Access)],
        },
        new CommandSpec("pexpiretime", 2, CommandFlags.ReadOnly | CommandFlags.Fast, ReadFast, PExpireTime)
        {
            Group = "generic", Summary = "Returns the expiration time of a key as a Unix milliseconds timestamp.", Since = "7.0.0", Complexity = "O(1)",
            KeySpecs = [KeySpec.Index(1, RO | Access)],
        },
        new CommandSpec("persist", 2, CommandFlags.Write | CommandFlags.Fast, WriteFast, Persist)
        {
            Group = "generic", Summary = "Removes the expiration time of a key.", Since = "2.2.0", Complexity = "O(1)",
            KeySpecs = [KeySpec.Index(1, RW | Update)],
        },
    ];

    [Flags]
    private enum Condition { None = 0, Nx = 1, Xx = 2, Gt = 4, Lt = 8 }

    private static void Expire(CommandContext ctx) => ExpireGeneric(ctx, ctx.Keyspace.NowMs, seconds: true);
    private static void ExpireAt(CommandContext ctx) => ExpireGeneric(ctx, 0, seconds: true);
    private static void PExpire(CommandContext ctx) => ExpireGeneric(ctx, ctx.Keyspace.NowMs, seconds: false);
    private static void PExpireAt(CommandContext ctx) => ExpireGeneric(ctx, 0, seconds: false);

    /// <summary>
    /// Options are parsed and validated before the time, and the time before the key is looked
    /// up, so errors win over "no such key" exactly in Valkey's order.
    /// </summary>
    private static bool TryParseConditions(CommandContext ctx, out Condition conditions)
    {
        conditions = Condition.None;
        for (int i = 3; i < ctx.ArgCount; i++)
        {
            if (ctx.ArgIs(i, "nx"u8)) conditions |= Condition.Nx;
            else if (ctx.ArgIs(i, "xx"u8)) conditions |= Condition.Xx;
            else if (ctx.ArgIs(i, "gt"u8)) conditions |= Condition.Gt;
            else if (ctx.ArgIs(i, "lt"u8)) conditions |= Condition.Lt;
            else
            {
                // Valkey formats the option with %s, so the text stops at an embedded NUL.
                string option = ctx.ArgString(i);
                int nul = option.IndexOf('\0');
                ctx.Reply.AddError("ERR Unsupported option " + (nul >= 0 ? option[..nul] : option));
                return false;
            }
        }
        if ((conditions & Condition.Nx) != 0 && (conditions & (Condition.Xx | Condition.Gt | Condition.Lt)) != 0)
        {
            ctx.Reply.AddError("ERR NX and XX, GT or LT options at the same time are not compatible"u8);
            return false;
        }
        if ((conditions & (Condition.Gt | Condition.Lt)) == (Condition.Gt | Condition.Lt))
        {
            ctx.Reply.AddError("ERR GT and LT options at the same time are not compatible"u8);
            return false;
        }
        return true;
    }

    /// <summary>Valkey's expireGenericCommand; <paramref name="baseTimeMs"/> is 0 for the *AT variants.</summary>
    private static void ExpireGeneric(CommandContext ctx, long baseTimeMs, bool seconds)
    {
        if (!TryParseConditions(ctx, out var conditions)) return;
        if (!ctx.TryGetInt64OrReply(2, out long when)) return;

        // Negative times are allowed (they delete the key), but the conversion to milliseconds
        // and the addition of the base time must not overflow.
        if (seconds)
        {
            if (when > long.MaxValue / 1000 || when < long.MinValue / 1000)
            {
                ctx.Reply.AddError(ErrorMessages.InvalidExpireTime(ctx.Command.FullName));
                return;
            }
            when *= 1000;
        }
        if (when > long.MaxValue - baseTimeMs)
        {
            ctx.Reply.AddError(ErrorMessages.InvalidExpireTime(ctx.Command.FullName));
            return;
        }
        when += baseTimeMs;

        var key = ctx.Arg(1);
        Database db = ctx.Db;
        byte* entry = db.LookupWrite(key);
        if (entry == null)
        {
            ctx.Reply.AddInteger(0);
            return;
        }

        if (conditions != Condition.None)
        {
            long current = ValueHeader.ExpireAt(Database.Header(entry));
            bool hasTtl = current != ValueHeader.NoExpire;
            bool refused =
                ((conditions & Condition.Nx) != 0 && hasTtl)
                || ((conditions & Condition.Xx) != 0 && !hasTtl)
                // No TTL counts as an infinite one: nothing is greater, everything is less.
                || ((conditions & Condition.Gt) != 0 && (!hasTtl || when <= current))
                || ((conditions & Condition.Lt) != 0 && hasTtl && when >= current);
            if (refused)
            {
                ctx.Reply.AddInteger(0);
                return;
            }
        }

        // A time already in the past deletes the key right away, reported as a "del" (Valkey's
        // deleteExpiredKeyFromOverwriteAndPropagate). A replica instead stores the past time and
        // waits for its primary's DEL; lazy expiry being disabled is how a replica shows here.
        if (when <= ctx.Keyspace.NowMs && ctx.Keyspace.LazyExpireDeletes && !ctx.Keyspace.LoadingAof)
        {
            db.DeleteEntry(entry);
            ctx.MarkDirty();
            ctx.KeyChanged(NotifyClass.Generic, "del", key);
            ctx.RewriteArgs(2).Arg(ctx.Server.Config.LazyfreeLazyExpire ? "UNLINK"u8 : "DEL"u8).Arg(key);
            ctx.Reply.AddInteger(1);
            return;
        }

        db.SetExpire(entry, when);   // may move the entry; not used below
        ctx.Reply.AddInteger(1);
        ctx.KeyChanged(NotifyClass.Generic, "expire", key);
        ctx.MarkDirty();
        // Relative and second-based forms propagate as the absolute PEXPIREAT key <ms> (conditions already applied).
        ctx.RewriteArgs(3).Arg("PEXPIREAT"u8).Arg(key).Arg(when);
    }

    // ---- TTL family -------------------------------------------------------------------------

    private static void Ttl(CommandContext ctx) => TtlGeneric(ctx, milliseconds: false, absolute: false);
    private static void PTtl(CommandContext ctx) => TtlGeneric(ctx, milliseconds: true, absolute: false);
    private static void ExpireTime(CommandContext ctx) => TtlGeneric(ctx, milliseconds: false, absolute: true);
    private static void PExpireTime(CommandContext ctx) => TtlGeneric(ctx, milliseconds: true, absolute: true);

    /// <summary>-2 for a missing (or expired) key, -1 without a TTL; seconds are rounded to nearest.</summary>
    private static void TtlGeneric(CommandContext ctx, bool milliseconds, bool absolute)
    {
        byte* entry = ctx.Db.Lookup(ctx.Arg(1), LookupFlags.NoTouch);
        if (entry == null)
        {
            ctx.Reply.AddInteger(-2);
            return;
        }
        long expireAt = ValueHeader.ExpireAt(Database.Header(entry));
        if (expireAt == ValueHeader.NoExpire)
        {
            ctx.Reply.AddInteger(-1);
            return;
        }
        long ttl = absolute ? expireAt : expireAt - ctx.Keyspace.NowMs;
        if (ttl < 0) ttl = 0;
        ctx.Reply.AddInteger(milliseconds ? ttl : (ttl + 500) / 1000);
    }

    private static void Persist(CommandContext ctx)
    {
        var key = ctx.Arg(1);
        byte* entry = ctx.Db.LookupWrite(key);
        if (entry == null || !ctx.Db.RemoveExpire(entry))
        {
            ctx.Reply.AddInteger(0);
            return;
        }
        ctx.KeyChanged(NotifyClass.Generic, "persist", key);
        ctx.Reply.AddInteger(1);
        ctx.MarkDirty();
    }
}
