using Valkey.Native.Storage;
using static Valkey.Native.Commands.KeySpecFlags;

namespace Valkey.Native.Commands;

/// <summary>
/// Hash field expiration (Valkey 9's t_hash.c): HEXPIRE, HPEXPIRE, HEXPIREAT, HPEXPIREAT, HTTL,
/// HPTTL, HEXPIRETIME, HPEXPIRETIME, HPERSIST, HGETEX, HSETEX and HGETDEL. Times resolve to
/// absolute Unix milliseconds against the command's cached clock. A field whose TTL passed is
/// gone for every command here; active expiry reclaims it (see <see cref="HashFieldExpiry"/>).
/// Every command that changes a hash keeps the database's index of hashes with field TTLs in step.
/// </summary>
public static unsafe class HashFieldExpireCommands
{
    private const CommandFlags WriteFast = CommandFlags.Write | CommandFlags.Fast;
    private const CommandFlags ReadFast = CommandFlags.ReadOnly | CommandFlags.Fast;
    private const string PerField = "O(N) where N is the number of specified fields.";

    public static readonly CommandSpec[] Commands =
    [
        new("hexpire", -6, WriteFast, AclCategories.Hash, HExpire)
        {
            Group = "hash", Since = "9.0.0", Summary = "Set expiry time on hash fields.", Complexity = PerField,
            KeySpecs = [KeySpec.Index(1, RW | Update)],
        },
        new("hpexpire", -6, WriteFast, AclCategories.Hash, HPExpire)
        {
            Group = "hash", Since = "9.0.0", Summary = "Set expiry time on hash object.", Complexity = PerField,
            KeySpecs = [KeySpec.Index(1, RW | Update)],
        },
        new("hexpireat", -6, WriteFast, AclCategories.Hash, HExpireAt)
        {
            Group = "hash", Since = "9.0.0", Summary = "Set expiry time on hash fields.", Complexity = PerField,
            KeySpecs = [KeySpec.Index(1, RW | Update)],
        },
        new("hpexpireat", -6, WriteFast, AclCategories.Hash, HPExpireAt)
        {
            Group = "hash", Since = "9.0.0", Summary = "Set expiration time on hash field.", Complexity = PerField,
            KeySpecs = [KeySpec.Index(1, RW | Update)],
        },
        new("httl", -5, ReadFast, AclCategories.Hash, HTtl)
        {
            Group = "hash", Since = "9.0.0", Complexity = PerField,
            Summary = "Returns the remaining time to live (in seconds) of a hash key's field(s) that have an associated expiration.",
            KeySpecs = [KeySpec.Index(1, RO | Access)],
        },
        new("hpttl", -5, ReadFast, AclCategories.Hash, HPTtl)
        {
            Group = "hash", Since = "9.0.0", Complexity = PerField,
            Summary = "Returns the remaining time to live in milliseconds of a hash key's field(s) that have an associated expiration.",
            KeySpecs = [KeySpec.Index(1, RO | Access)],
        },
        new("hexpiretime", -5, ReadFast, AclCategories.Hash, HExpireTime)
        {
            Group = "hash", Since = "9.0.0", Complexity = PerField,
            Summary = "Returns Unix timestamps in seconds since the epoch at which the given key's field(s) will expire",
            KeySpecs = [KeySpec.Index(1, RO | Access)],
        },
        new("hpexpiretime", -5, ReadFast, AclCategories.Hash, HPExpireTime)
        {
            Group = "hash", Since = "9.0.0", Complexity = PerField,
            Summary = "Returns the Unix timestamp in milliseconds since Unix epoch at which the given key's field(s) will expire",
            KeySpecs = [KeySpec.Index(1, RO | Access)],
        },
        new("hpersist", -5, WriteFast, AclCategories.Hash, HPersist)
        {
            Group = "hash", Since = "9.0.0", Summary = "Remove the existing expiration on a hash key's field(s).", Complexity = PerField,
            KeySpecs = [KeySpec.Index(1, RW | Update)],
        },
        new("hgetex", -5, WriteFast, AclCategories.Hash, HGetEx)
        {
            Group = "hash", Since = "9.0.0", Complexity = PerField,
            Summary = "Get the value of one or more fields of a given hash key, and optionally set their expiration time or time-to-live (TTL).",
            KeySpecs = [KeySpec.Index(1, RW | Access)],
        },
        new("hsetex", -6, WriteFast | CommandFlags.DenyOom, AclCategories.Hash, HSetEx)
        {
            Group = "hash", Since = "9.0.0", Complexity = PerField,
            Summary = "Set the value of one or more fields of a given hash key, and optionally set their expiration time.",
            KeySpecs = [KeySpec.Index(1, RW | Insert)],
        },
        new("hgetdel", -5, WriteFast, AclCategories.Hash, HGetDel)
        {
            Group = "hash", Since = "9.1.0", Summary = "Returns the values of one or more fields and deletes them from a hash.",
            Complexity = "O(N) where N is the number of fields to be retrieved and deleted.",
            KeySpecs = [KeySpec.Index(1, RW | Access | Delete)],
        },
    ];

    // ---- argument parsing ----------------------------------------------------------------

    /// <summary>The options Valkey's parseExtendedCommandArgumentsOrReply accepts, as its ARGS_* flags.</summary>
    [Flags]
    private enum Options
    {
        None = 0,
        Nx = 1 << 0,
        Xx = 1 << 1,
        Ex = 1 << 2,
        Px = 1 << 3,
        KeepTtl = 1 << 4,
        ExAt = 1 << 6,
        PxAt = 1 << 7,
        Persist = 1 << 8,
        Fnx = 1 << 11,
        Fxx = 1 << 12,
        AnyTime = Ex | Px | ExAt | PxAt,
    }

    /// <summary>
    /// Finds the FIELDS keyword as Valkey does: the first argument from <paramref name="from"/> on,
    /// not the last one, that says "fields" (<paramref name="fieldsKeyword"/>, -1 if none). Returns
    /// where the fields start (two past the keyword), or where the search stopped when there is no
    /// keyword; <paramref name="numFields"/> is 0 until the caller reads it.
    /// </summary>
    private static int FindFields(CommandContext ctx, int from, out long numFields, out int fieldsKeyword)
    {
        numFields = 0;
        fieldsKeyword = -1;
        int i = from;
        for (; i < ctx.ArgCount - 1; i++)
        {
            if (ctx.ArgIs(i, "fields"u8))
            {
                fieldsKeyword = i;
                return i + 2;
            }
        }
        return i;
    }

    /// <summary>Valkey's parseExtendedCommandArgumentsOrReply over [start, end) for HGETEX (hget) or HSETEX (hset).</summary>
    private static bool TryParseOptions(CommandContext ctx, int start, int end, bool hset, out Options options, out int expireIndex)
    {
        options = Options.None;
        expireIndex = -1;
        for (int j = start; j < end; j++)
        {
            bool hasNext = j != end - 1;
            if (hset && ctx.ArgIs(j, "nx"u8) && (options & Options.Xx) == 0) options |= Options.Nx;
            else if (hset && ctx.ArgIs(j, "xx"u8) && (options & Options.Nx) == 0) options |= Options.Xx;
            else if (hset && ctx.ArgIs(j, "fnx"u8) && (options & Options.Fxx) == 0) options |= Options.Fnx;
            else if (hset && ctx.ArgIs(j, "fxx"u8) && (options & Options.Fnx) == 0) options |= Options.Fxx;
            else if (hset && ctx.ArgIs(j, "keepttl"u8) && (options & (Options.Persist | Options.AnyTime)) == 0) options |= Options.KeepTtl;
            else if (!hset && ctx.ArgIs(j, "persist"u8) && (options & (Options.AnyTime | Options.KeepTtl)) == 0) options |= Options.Persist;
            else if (ctx.ArgIs(j, "ex"u8) && hasNext
                     && (options & (Options.KeepTtl | Options.Persist | Options.ExAt | Options.Px | Options.PxAt)) == 0)
            {
                options |= Options.Ex;
                expireIndex = ++j;
            }
            else if (ctx.ArgIs(j, "px"u8) && hasNext
                     && (options & (Options.KeepTtl | Options.Persist | Options.Ex | Options.ExAt | Options.PxAt)) == 0)
            {
                options |= Options.Px;
                expireIndex = ++j;
            }
            else if (ctx.ArgIs(j, "exat"u8) && hasNext
                     && (options & (Options.KeepTtl | Options.Persist | Options.Ex | Options.Px | Options.PxAt)) == 0)
            {
                options |= Options.ExAt;
                expireIndex = ++j;
            }
            else if (ctx.ArgIs(j, "pxat"u8) && hasNext
                     && (options & (Options.KeepTtl | Options.Persist | Options.Ex | Options.ExAt | Options.Px)) == 0)
            {
                options |= Options.PxAt;
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

    /// <summary>Valkey's parseExtendedExpireArgumentsOrReply over [3, end): NX, XX, GT, LT.</summary>
    private static bool TryParseConditions(CommandContext ctx, int end, out FieldExpireCondition condition)
    {
        condition = FieldExpireCondition.None;
        for (int i = 3; i < end; i++)
        {
            if (ctx.ArgIs(i, "nx"u8)) condition |= FieldExpireCondition.Nx;
            else if (ctx.ArgIs(i, "xx"u8)) condition |= FieldExpireCondition.Xx;
            else if (ctx.ArgIs(i, "gt"u8)) condition |= FieldExpireCondition.Gt;
            else if (ctx.ArgIs(i, "lt"u8)) condition |= FieldExpireCondition.Lt;
            else
            {
                // Valkey formats the option with %s, so the text stops at an embedded NUL.
                string option = ctx.ArgString(i);
                int nul = option.IndexOf('\0');
                ctx.Reply.AddError(ErrorMessages.UnsupportedOption(nul >= 0 ? option[..nul] : option));
                return false;
            }
        }
        if ((condition & FieldExpireCondition.Nx) != 0 && (condition & (FieldExpireCondition.Xx | FieldExpireCondition.Gt | FieldExpireCondition.Lt)) != 0)
        {
            ctx.Reply.AddError(ErrorMessages.NxXxGtLtIncompatible);
            return false;
        }
        if ((condition & (FieldExpireCondition.Gt | FieldExpireCondition.Lt)) == (FieldExpireCondition.Gt | FieldExpireCondition.Lt))
        {
            ctx.Reply.AddError(ErrorMessages.GtLtIncompatible);
            return false;
        }
        return true;
    }

    /// <summary>
    /// Valkey's convertExpireArgumentToUnixTime: a non-negative integer, in seconds or milliseconds,
    /// plus <paramref name="baseTimeMs"/> (0 for absolute times) without overflowing.
    /// </summary>
    private static bool TryGetExpireTimeOrReply(CommandContext ctx, int index, long baseTimeMs, bool seconds, out long whenMs)
    {
        whenMs = 0;
        if (!ctx.TryGetInt64OrReply(index, out long when)) return false;
        if (when < 0 || (seconds && when > long.MaxValue / 1000))
        {
            ctx.Reply.AddError(ErrorMessages.InvalidExpireTime(ctx.Command.FullName));
            return false;
        }
        if (seconds) when *= 1000;
        if (when > long.MaxValue - baseTimeMs)
        {
            ctx.Reply.AddError(ErrorMessages.InvalidExpireTime(ctx.Command.FullName));
            return false;
        }
        whenMs = when + baseTimeMs;
        return true;
    }

    /// <summary>"FIELDS numfields field..." at argument 2 (HTTL, HPERSIST, HGETDEL): numfields must match the fields given.</summary>
    private static bool TryGetFixedFieldCount(CommandContext ctx, ReadOnlySpan<byte> mismatchError)
    {
        if (!ctx.TryGetInt64OrReply(3, out long numFields)) return false;
        if (numFields == 0 || numFields != ctx.ArgCount - 4)
        {
            ctx.Reply.AddError(mismatchError);
            return false;
        }
        return true;
    }

    /// <summary>After the fields changed: the index of hashes with TTLs, and deletion of a hash left empty ("del").</summary>
    private static void DeleteIfEmptyAndTrack(CommandContext ctx, ReadOnlySpan<byte> key, byte* entry, bool wasVolatile)
    {
        ValueHeader* header = Database.Header(entry);
        ctx.Db.VolatileHashes.Update(key, header, wasVolatile);
        if (HashValue.Count(ctx.Keyspace, header) == 0)
        {
            ctx.Db.DeleteEntry(entry);
            ctx.Server.Notify(NotifyClass.Generic, "del", key, ctx.Db.Id);
        }
    }

    // ---- HEXPIRE family -------------------------------------------------------------------

    private static void HExpire(CommandContext ctx) => ExpireGeneric(ctx, ctx.Keyspace.NowMs, seconds: true);

    private static void HPExpire(CommandContext ctx) => ExpireGeneric(ctx, ctx.Keyspace.NowMs, seconds: false);

    private static void HExpireAt(CommandContext ctx) => ExpireGeneric(ctx, 0, seconds: true);

    private static void HPExpireAt(CommandContext ctx) => ExpireGeneric(ctx, 0, seconds: false);

    /// <summary>
    /// Valkey's hexpireGenericCommand: options, then numfields, then the time, then the key. One
    /// reply code per field: -2 no such field, 0 condition not met, 1 TTL set, 2 deleted (time not
    /// in the future). Events: "hexpired" if any field was deleted, else "hexpire"; "del" if the hash emptied.
    /// </summary>
    private static void ExpireGeneric(CommandContext ctx, long baseTimeMs, bool seconds)
    {
        int firstField = FindFields(ctx, 3, out long numFields, out int keyword);
        var condition = FieldExpireCondition.None;
        if (keyword >= 0)
        {
            if (!TryParseConditions(ctx, keyword, out condition)) return;
            if (!ctx.TryGetInt64OrReply(keyword + 1, out numFields)) return;
        }
        if (numFields == 0 || numFields != ctx.ArgCount - firstField)
        {
            ctx.Reply.AddError(ErrorMessages.NumFieldsMismatch);
            return;
        }
        if (!TryGetExpireTimeOrReply(ctx, 2, baseTimeMs, seconds, out long when)) return;
        var key = ctx.Arg(1);
        byte* entry = ctx.LookupWriteOfType(key, DataType.Hash, out bool wrongType);
        if (wrongType) return;
        ValueHeader* header = entry == null ? null : Database.Header(entry);
        bool wasVolatile = header != null && HashValue.HasVolatileFields(header);
        long expired = 0, updated = 0;
        ctx.Reply.AddArrayLength(numFields);
        // For propagation: which fields changed (only those go out, with the absolute time).
        byte[]? changed = ctx.Propagating ? System.Buffers.ArrayPool<byte>.Shared.Rent((int)numFields) : null;
        for (int i = firstField; i < ctx.ArgCount; i++)
        {
            int result = header == null ? -2 : HashValue.SetFieldExpire(ctx.Keyspace, header, ctx.Arg(i), when, condition);
            if (changed != null) changed[i - firstField] = (byte)(result is 1 or 2 ? 1 : 0);
            if (result == 1) updated++;
            else if (result == 2)
            {
                expired++;
                ctx.Keyspace.Stats.ExpiredFields++;
            }
            ctx.Reply.AddInteger(result);
        }
        if (changed != null)
        {
            // HEXPIRE/HPEXPIRE/HEXPIREAT with conditions propagate as HPEXPIREAT key <ms> FIELDS n <changed fields>.
            if (expired + updated > 0)
            {
                var w = ctx.RewriteArgs(5 + (int)(expired + updated)).Arg("HPEXPIREAT"u8).Arg(key).Arg(when).Arg("FIELDS"u8).Arg(expired + updated);
                for (int i = firstField; i < ctx.ArgCount; i++)
                {
                    if (changed[i - firstField] != 0) w.Arg(ctx, i);
                }
            }
            System.Buffers.ArrayPool<byte>.Shared.Return(changed);
        }
        if (expired == 0 && updated == 0) return;
        ctx.Server.Notify(NotifyClass.Hash, expired > 0 ? "hexpired" : "hexpire", key, ctx.Db.Id);
        ctx.MarkDirty(expired + updated);
        ctx.Server.KeyModified(ctx.Db, key);
        DeleteIfEmptyAndTrack(ctx, key, entry, wasVolatile);
    }

    // ---- HTTL family ------------------------------------------------------------------------

    private static void HTtl(CommandContext ctx) => TtlGeneric(ctx, ctx.Keyspace.NowMs, seconds: true);

    private static void HPTtl(CommandContext ctx) => TtlGeneric(ctx, ctx.Keyspace.NowMs, seconds: false);

    private static void HExpireTime(CommandContext ctx) => TtlGeneric(ctx, 0, seconds: true);

    private static void HPExpireTime(CommandContext ctx) => TtlGeneric(ctx, 0, seconds: false);

    /// <summary>
    /// Valkey's httlGenericCommand: per field -2 (no such field or key), -1 (no TTL), or the TTL
    /// (relative, never negative) / the expire time, seconds rounded to the nearest. A numfields
    /// that does not match is a syntax error here.
    /// </summary>
    private static void TtlGeneric(CommandContext ctx, long baseTimeMs, bool seconds)
    {
        if (!TryGetFixedFieldCount(ctx, ErrorMessages.Syntax)) return;
        byte* entry = ctx.LookupReadOfType(ctx.Arg(1), DataType.Hash, out bool wrongType);
        if (wrongType) return;
        ValueHeader* header = entry == null ? null : Database.Header(entry);
        ctx.Reply.AddArrayLength(ctx.ArgCount - 4);
        for (int i = 4; i < ctx.ArgCount; i++)
        {
            if (header == null || !HashValue.TryGetFieldExpire(ctx.Keyspace, header, ctx.Arg(i), out long at))
            {
                ctx.Reply.AddInteger(-2);
                continue;
            }
            if (at == -1)
            {
                ctx.Reply.AddInteger(-1);
                continue;
            }
            long result = Math.Max(0, at - baseTimeMs);
            ctx.Reply.AddInteger(seconds ? (result + 500) / 1000 : result);
        }
    }

    // ---- HPERSIST ---------------------------------------------------------------------------

    /// <summary>Valkey's hpersistCommand: per field 1 (TTL removed), -1 (no TTL), -2 (no such field); "hpersist" once.</summary>
    private static void HPersist(CommandContext ctx)
    {
        if (!TryGetFixedFieldCount(ctx, ErrorMessages.NumFieldsMismatch)) return;
        var key = ctx.Arg(1);
        byte* entry = ctx.LookupWriteOfType(key, DataType.Hash, out bool wrongType);
        if (wrongType) return;
        ValueHeader* header = entry == null ? null : Database.Header(entry);
        bool wasVolatile = header != null && HashValue.HasVolatileFields(header);
        long changes = 0;
        ctx.Reply.AddArrayLength(ctx.ArgCount - 4);
        for (int i = 4; i < ctx.ArgCount; i++)
        {
            int result = header == null ? -2 : HashValue.PersistField(ctx.Keyspace, header, ctx.Arg(i));
            if (result == 1) changes++;
            ctx.Reply.AddInteger(result);
        }
        if (changes == 0) return;
        ctx.MarkDirty(changes);
        ctx.Db.VolatileHashes.Update(key, header, wasVolatile);
        ctx.Server.Notify(NotifyClass.Hash, "hpersist", key, ctx.Db.Id);
        ctx.Server.KeyModified(ctx.Db, key);
    }

    // ---- HGETEX -----------------------------------------------------------------------------

    /// <summary>
    /// Valkey's hgetexCommand: replies the values (null for missing fields), then sets the TTL
    /// (EX/PX/EXAT/PXAT), removes it (PERSIST) or deletes the fields (a time not in the future).
    /// One event for all the fields that changed: "hexpire", "hpersist" or "hexpired"; "del" if the hash emptied.
    /// </summary>
    private static void HGetEx(CommandContext ctx)
    {
        int firstField = FindFields(ctx, 1, out long numFields, out int keyword);
        Options options = Options.None;
        int expireIndex = -1;
        if (keyword >= 0)
        {
            if (!TryParseOptions(ctx, 2, keyword, hset: false, out options, out expireIndex)) return;
            if (!ctx.TryGetInt64OrReply(keyword + 1, out numFields)) return;
        }
        else
        {
            numFields = -1;
        }
        if (numFields == 0 || numFields != ctx.ArgCount - firstField)
        {
            ctx.Reply.AddError(ErrorMessages.NumFieldsMismatch);
            return;
        }
        var key = ctx.Arg(1);
        byte* entry = ctx.LookupReadOfType(key, DataType.Hash, out bool wrongType);
        if (wrongType) return;
        ValueHeader* header = entry == null ? null : Database.Header(entry);
        bool wasVolatile = header != null && HashValue.HasVolatileFields(header);

        bool persist = (options & Options.Persist) != 0, setExpiry = false, deleteFields = false;
        long when = -1;
        if (!persist && expireIndex >= 0)
        {
            long baseTime = (options & (Options.ExAt | Options.PxAt)) != 0 ? 0 : ctx.Keyspace.NowMs;
            bool seconds = (options & (Options.Ex | Options.ExAt)) != 0;
            if (!TryGetExpireTimeOrReply(ctx, expireIndex, baseTime, seconds, out when)) return;
            if (when <= ctx.Keyspace.NowMs) deleteFields = true;
            else setExpiry = true;
        }

        long changes = 0;
        ctx.Reply.AddArrayLength(numFields);
        for (int i = firstField; i < ctx.ArgCount; i++)
        {
            var field = ctx.Arg(i);
            if (header != null && HashValue.TryGet(ctx.Keyspace, header, field, out var value)) ctx.Reply.AddBulk(value);
            else ctx.Reply.AddNull();
            if (header == null) continue;
            bool changed = false;
            if (deleteFields)
            {
                changed = HashValue.Delete(ctx.Keyspace, header, field);
                if (changed) ctx.Keyspace.Stats.ExpiredFields++;
            }
            else if (setExpiry)
            {
                changed = HashValue.SetFieldExpire(ctx.Keyspace, header, field, when, FieldExpireCondition.None) == 1;
            }
            else if (persist)
            {
                changed = HashValue.PersistField(ctx.Keyspace, header, field) == 1;
            }
            if (changed) changes++;
        }
        if (changes == 0) return;
        ctx.Server.Notify(NotifyClass.Hash, deleteFields ? "hexpired" : setExpiry ? "hexpire" : "hpersist", key, ctx.Db.Id);
        ctx.MarkDirty(changes);
        if (when >= 0) PropagateWithAbsoluteTime(ctx, expireIndex, when);
        ctx.Server.KeyModified(ctx.Db, key);
        DeleteIfEmptyAndTrack(ctx, key, entry, wasVolatile);
    }

    // ---- HSETEX -----------------------------------------------------------------------------

    /// <summary>
    /// Valkey's hsetexCommand: NX/XX on the key and FNX/FXX on the fields decide first (reply 0 when
    /// they fail, creating nothing); then every pair is set with the TTL (or KEEPTTL), or deleted when
    /// the time is not in the future. Replies 1. Events: "hexpired" for overwritten expired fields,
    /// then "hset", "hexpire" when a time was given, "hexpired" when the fields were deleted, "del"
    /// when the hash is left empty.
    /// </summary>
    private static void HSetEx(CommandContext ctx)
    {
        int firstField = FindFields(ctx, 1, out long numFields, out int keyword);
        Options options = Options.None;
        int expireIndex = -1;
        if (keyword >= 0)
        {
            if (!TryParseOptions(ctx, 2, keyword, hset: true, out options, out expireIndex)) return;
            if (!ctx.TryGetInt64OrReply(keyword + 1, out numFields)) return;
        }
        if (numFields == 0 || numFields > long.MaxValue / 2 || numFields * 2 != ctx.ArgCount - firstField)
        {
            ctx.Reply.AddError(ErrorMessages.NumFieldsMismatch);
            return;
        }
        var key = ctx.Arg(1);
        byte* entry = ctx.LookupWriteOfType(key, DataType.Hash, out bool wrongType);
        if (wrongType) return;
        if (((options & Options.Nx) != 0 && entry != null) || ((options & Options.Xx) != 0 && entry == null))
        {
            ctx.Reply.AddInteger(0);
            return;
        }

        bool keepTtl = (options & Options.KeepTtl) != 0, deleteFields = false;
        long when = -1;
        if (!keepTtl && expireIndex >= 0)
        {
            long baseTime = (options & (Options.ExAt | Options.PxAt)) != 0 ? 0 : ctx.Keyspace.NowMs;
            bool seconds = (options & (Options.Ex | Options.ExAt)) != 0;
            if (!TryGetExpireTimeOrReply(ctx, expireIndex, baseTime, seconds, out when)) return;
            if (when <= ctx.Keyspace.NowMs) deleteFields = true;
        }

        ValueHeader* header = entry == null ? null : Database.Header(entry);
        if ((options & (Options.Fnx | Options.Fxx)) != 0)
        {
            if (header == null)
            {
                if ((options & Options.Fxx) != 0)
                {
                    ctx.Reply.AddInteger(0);
                    return;
                }
            }
            else
            {
                for (int i = firstField; i < ctx.ArgCount; i += 2)
                {
                    bool exists = HashValue.Exists(ctx.Keyspace, header, ctx.Arg(i));
                    if (((options & Options.Fnx) != 0 && exists) || ((options & Options.Fxx) != 0 && !exists))
                    {
                        ctx.Reply.AddInteger(0);
                        return;
                    }
                }
            }
        }

        if (entry == null)
        {
            entry = ctx.Db.Add(key, DataType.Hash, ValueEncoding.ListPack, 8);
            header = Database.Header(entry);
            HashValue.InitEmpty(ctx.Keyspace, header);
        }
        bool wasVolatile = HashValue.HasVolatileFields(header);
        var config = ctx.Server.Config;
        long changes = 0, expiredOverwritten = 0;
        for (int i = firstField; i < ctx.ArgCount; i += 2)
        {
            if (deleteFields)
            {
                if (HashValue.Delete(ctx.Keyspace, header, ctx.Arg(i), ignoreTtl: true)) changes++;
                // Counted as an expiration whether or not the field was there, as Valkey does.
                ctx.Keyspace.Stats.ExpiredFields++;
                continue;
            }
            var result = HashValue.SetField(ctx.Keyspace, header, ctx.Arg(i), ctx.Arg(i + 1), when, keepTtl,
                config.HashMaxListpackEntries, config.HashMaxListpackValue);
            changes++;
            if (result == HashSetResult.ReplacedExpired) expiredOverwritten++;
        }
        if (changes > 0)
        {
            ctx.Db.VolatileHashes.Update(key, header, wasVolatile);
            if (expiredOverwritten > 0)
            {
                ctx.Keyspace.Stats.ExpiredFields += expiredOverwritten;
                ctx.Server.Notify(NotifyClass.Hash, "hexpired", key, ctx.Db.Id);
            }
            ctx.Server.KeyModified(ctx.Db, key);
            ctx.MarkDirty(changes);
            if (when >= 0) PropagateWithAbsoluteTime(ctx, expireIndex, when);
        }
        ctx.Server.Notify(NotifyClass.Hash, "hset", key, ctx.Db.Id);
        if (expireIndex >= 0 && !keepTtl) ctx.Server.Notify(NotifyClass.Hash, "hexpire", key, ctx.Db.Id);
        if (deleteFields) ctx.Server.Notify(NotifyClass.Hash, "hexpired", key, ctx.Db.Id);
        if (HashValue.Count(ctx.Keyspace, header) == 0)
        {
            ctx.Db.DeleteEntry(entry);
            ctx.Server.Notify(NotifyClass.Generic, "del", key, ctx.Db.Id);
        }
        ctx.Reply.AddInteger(1);
    }

    /// <summary>HGETEX/HSETEX with EX/PX/EXAT propagate with PXAT &lt;absolute ms&gt; in place of the relative time.</summary>
    private static void PropagateWithAbsoluteTime(CommandContext ctx, int expireIndex, long when)
    {
        if (!ctx.Propagating) return;
        int argc = ctx.ArgCount;
        var w = ctx.RewriteArgs(argc);
        for (int i = 0; i < argc; i++)
        {
            if (i == expireIndex - 1) w.Arg("PXAT"u8);
            else if (i == expireIndex) w.Arg(when);
            else w.Arg(ctx, i);
        }
    }

    // ---- HGETDEL ----------------------------------------------------------------------------

    /// <summary>
    /// Valkey's hgetdelCommand: replies each field's value (null if missing) and deletes it; the key
    /// goes when no field is left. Events "hdel" (and "del").
    /// </summary>
    private static void HGetDel(CommandContext ctx)
    {
        if (!TryGetFixedFieldCount(ctx, ErrorMessages.NumFieldsMismatch)) return;
        var key = ctx.Arg(1);
        byte* entry = ctx.LookupWriteOfType(key, DataType.Hash, out bool wrongType);
        if (wrongType) return;
        ValueHeader* header = entry == null ? null : Database.Header(entry);
        bool wasVolatile = header != null && HashValue.HasVolatileFields(header);
        long deleted = 0;
        bool keyRemoved = false;
        ctx.Reply.AddArrayLength(ctx.ArgCount - 4);
        for (int i = 4; i < ctx.ArgCount; i++)
        {
            var field = ctx.Arg(i);
            if (header != null && HashValue.TryGet(ctx.Keyspace, header, field, out var value)) ctx.Reply.AddBulk(value);
            else ctx.Reply.AddNull();
            if (header == null || !HashValue.Delete(ctx.Keyspace, header, field)) continue;
            deleted++;
            if (HashValue.Count(ctx.Keyspace, header) == 0)
            {
                ctx.Db.DeleteEntry(entry);
                keyRemoved = true;
                header = null;
            }
        }
        if (deleted == 0) return;
        if (!keyRemoved) ctx.Db.VolatileHashes.Update(key, header, wasVolatile);
        ctx.KeyChanged(NotifyClass.Hash, "hdel", key);
        if (keyRemoved) ctx.Server.Notify(NotifyClass.Generic, "del", key, ctx.Db.Id);
        ctx.MarkDirty(deleted);
    }
}
