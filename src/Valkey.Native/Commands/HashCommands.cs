using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Valkey.Native.Storage;
using Valkey.Native.Util;

namespace Valkey.Native.Commands;

/// <summary>
/// Hash commands (Valkey's t_hash.c): the whole family except field expiration (HEXPIRE...).
/// </summary>
public static unsafe class HashCommands
{
    private const CommandFlags WriteFast = CommandFlags.Write | CommandFlags.DenyOom | CommandFlags.Fast;
    private const CommandFlags ReadFast = CommandFlags.ReadOnly | CommandFlags.Fast;

    public static readonly CommandSpec[] Commands =
    [
        new("hset", -4, WriteFast, AclCategories.Hash, HSet)
            {
                Group = "hash", Since = "2.0.0", Summary = "Creates or modifies the value of a field in a hash.", Complexity = "O(1) for each field/value pair added, so O(N) to add N field/value pairs when the command is called with multiple field/value pairs.",
                KeySpecs = [KeySpec.Index(1, KeySpecFlags.RW | KeySpecFlags.Update)],
                History = [("4.0.0", "Accepts multiple `field` and `value` arguments.")],
            },
        new("hmset", -4, WriteFast, AclCategories.Hash, HMSet)
            {
                Group = "hash", Since = "2.0.0", Summary = "Sets the values of multiple fields.", Complexity = "O(N) where N is the number of fields being set.",
                KeySpecs = [KeySpec.Index(1, KeySpecFlags.RW | KeySpecFlags.Update)],
                DeprecatedSince = "4.0.0", ReplacedBy = "`HSET` with multiple field-value pairs",
            },
        new("hget", 3, ReadFast, AclCategories.Hash, HGet)
            {
                Group = "hash", Since = "2.0.0", Summary = "Returns the value of a field in a hash.",
                KeySpecs = [KeySpec.Index(1, KeySpecFlags.RO | KeySpecFlags.Access)],
            },
        new("hmget", -3, ReadFast, AclCategories.Hash, HMGet)
            {
                Group = "hash", Since = "2.0.0", Summary = "Returns the values of all fields in a hash.", Complexity = "O(N) where N is the number of fields being requested.",
                KeySpecs = [KeySpec.Index(1, KeySpecFlags.RO | KeySpecFlags.Access)],
            },
        new("hgetall", 2, CommandFlags.ReadOnly, AclCategories.Hash, HGetAll)
            {
                Group = "hash", Since = "2.0.0", Summary = "Returns all fields and values in a hash.", Complexity = "O(N) where N is the size of the hash.",
                KeySpecs = [KeySpec.Index(1, KeySpecFlags.RO | KeySpecFlags.Access)],
                Tips = ["nondeterministic_output_order"],
            },
        new("hdel", -3, CommandFlags.Write | CommandFlags.Fast, AclCategories.Hash, HDel)
            {
                Group = "hash", Since = "2.0.0", Summary = "Deletes one or more fields and their values from a hash. Deletes the hash if no fields remain.", Complexity = "O(N) where N is the number of fields to be removed.",
                KeySpecs = [KeySpec.Index(1, KeySpecFlags.RW | KeySpecFlags.Delete)],
                History = [("2.4.0", "Accepts multiple `field` arguments.")],
            },
        new("hlen", 2, ReadFast, AclCategories.Hash, HLen)
            {
                Group = "hash", Since = "2.0.0", Summary = "Returns the number of fields in a hash.",
                KeySpecs = [KeySpec.Index(1, KeySpecFlags.RO)],
            },
        new("hexists", 3, ReadFast, AclCategories.Hash, HExists)
            {
                Group = "hash", Since = "2.0.0", Summary = "Determines whether a field exists in a hash.",
                KeySpecs = [KeySpec.Index(1, KeySpecFlags.RO)],
            },
        new("hsetnx", 4, WriteFast, AclCategories.Hash, HSetNx)
            {
                Group = "hash", Since = "2.0.0", Summary = "Sets the value of a field in a hash only when the field doesn't exist.",
                KeySpecs = [KeySpec.Index(1, KeySpecFlags.RW | KeySpecFlags.Insert)],
            },
        new("hstrlen", 3, ReadFast, AclCategories.Hash, HStrLen)
            {
                Group = "hash", Since = "3.2.0", Summary = "Returns the length of the value of a field.",
                KeySpecs = [KeySpec.Index(1, KeySpecFlags.RO)],
            },
        new("hkeys", 2, CommandFlags.ReadOnly, AclCategories.Hash, HKeys)
            {
                Group = "hash", Since = "2.0.0", Summary = "Returns all fields in a hash.", Complexity = "O(N) where N is the size of the hash.",
                KeySpecs = [KeySpec.Index(1, KeySpecFlags.RO | KeySpecFlags.Access)],
                Tips = ["nondeterministic_output_order"],
            },
        new("hvals", 2, CommandFlags.ReadOnly, AclCategories.Hash, HVals)
            {
                Group = "hash", Since = "2.0.0", Summary = "Returns all values in a hash.", Complexity = "O(N) where N is the size of the hash.",
                KeySpecs = [KeySpec.Index(1, KeySpecFlags.RO | KeySpecFlags.Access)],
                Tips = ["nondeterministic_output_order"],
            },
        new("hincrby", 4, WriteFast, AclCategories.Hash, HIncrBy)
            {
                Group = "hash", Since = "2.0.0", Summary = "Increments the integer value of a field in a hash by a number. Uses 0 as initial value if the field doesn't exist.",
                KeySpecs = [KeySpec.Index(1, KeySpecFlags.RW | KeySpecFlags.Access | KeySpecFlags.Update)],
            },
        new("hincrbyfloat", 4, WriteFast, AclCategories.Hash, HIncrByFloat)
            {
                Group = "hash", Since = "2.6.0", Summary = "Increments the floating point value of a field by a number. Uses 0 as initial value if the field doesn't exist.",
                KeySpecs = [KeySpec.Index(1, KeySpecFlags.RW | KeySpecFlags.Access | KeySpecFlags.Update)],
            },
        new("hrandfield", -2, CommandFlags.ReadOnly, AclCategories.Hash, HRandField)
            {
                Group = "hash", Since = "6.2.0", Summary = "Returns one or more random fields from a hash.", Complexity = "O(N) where N is the number of fields returned",
                KeySpecs = [KeySpec.Index(1, KeySpecFlags.RO | KeySpecFlags.Access)],
                Tips = ["nondeterministic_output"],
            },
        new("hscan", -3, CommandFlags.ReadOnly, AclCategories.Hash, HScan)
            {
                Group = "hash", Since = "2.8.0", Summary = "Iterates over fields and values of a hash.", Complexity = "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.",
                KeySpecs = [KeySpec.Index(1, KeySpecFlags.RO | KeySpecFlags.Access)],
                Tips = ["nondeterministic_output"],
            },
    ];

    private static void HSet(CommandContext ctx) => SetFields(ctx, replyOk: false);

    private static void HMSet(CommandContext ctx) => SetFields(ctx, replyOk: true);

    /// <summary>HSET and HMSET: one core, they differ only in the reply.</summary>
    private static void SetFields(CommandContext ctx, bool replyOk)
    {
        if (ctx.ArgCount % 2 != 0)
        {
            ctx.Reply.AddError(ErrorMessages.WrongArgCount(ctx.Command.FullName));
            return;
        }
        var key = ctx.Arg(1);
        byte* entry = ctx.LookupWriteOfType(key, DataType.Hash, out bool wrongType);
        if (wrongType) return;
        if (entry == null)
        {
            entry = ctx.Db.Add(key, DataType.Hash, ValueEncoding.ListPack, 8);
            HashValue.InitEmpty(ctx.Keyspace, Database.Header(entry));
        }
        var config = ctx.Server.Config;
        ValueHeader* header = Database.Header(entry);
        // Valkey's hashTypeTryConversion: more pairs than the listpack may hold means hashtable
        // up front, even if some of them repeat a field.
        if ((ctx.ArgCount - 2) / 2 > config.HashMaxListpackEntries) HashValue.ConvertToTable(ctx.Keyspace, header);
        bool wasVolatile = HashValue.HasVolatileFields(header);
        long created = 0, expiredOverwritten = 0;
        for (int i = 2; i < ctx.ArgCount; i += 2)
        {
            var result = HashValue.SetField(ctx.Keyspace, header, ctx.Arg(i), ctx.Arg(i + 1), -1, false,
                config.HashMaxListpackEntries, config.HashMaxListpackValue);
            if (result != HashSetResult.Updated)
            {
                created++;
                if (result == HashSetResult.ReplacedExpired) expiredOverwritten++;
            }
        }
        if (wasVolatile) ctx.Db.VolatileHashes.Update(key, header, wasVolatile);
        KeyChangedAfterSet(ctx, "hset", key, expiredOverwritten);
        ctx.MarkDirty((ctx.ArgCount - 2) / 2);
        if (replyOk) ctx.Reply.AddOk();
        else ctx.Reply.AddInteger(created);
    }

    /// <summary>
    /// The events after a set (Valkey's order: signalModifiedKey, then "hexpired" when expired,
    /// unreclaimed fields were overwritten, counted as expired fields, then the command's event).
    /// </summary>
    private static void KeyChangedAfterSet(CommandContext ctx, string eventName, ReadOnlySpan<byte> key, long expiredOverwritten)
    {
        if (expiredOverwritten == 0)
        {
            ctx.KeyChanged(NotifyClass.Hash, eventName, key);
            return;
        }
        ctx.Server.KeyModified(ctx.Db, key);
        ctx.Keyspace.Stats.ExpiredFields += expiredOverwritten;
        ctx.Server.Notify(NotifyClass.Hash, "hexpired", key, ctx.Db.Id);
        ctx.Server.Notify(NotifyClass.Hash, eventName, key, ctx.Db.Id);
    }

    private static void HGet(CommandContext ctx)
    {
        byte* entry = ctx.LookupReadOfType(ctx.Arg(1), DataType.Hash, out bool wrongType);
        if (wrongType) return;
        if (entry != null && HashValue.TryGet(ctx.Keyspace, Database.Header(entry), ctx.Arg(2), out var value))
            ctx.Reply.AddBulk(value);
        else
            ctx.Reply.AddNull();
    }

    private static void HMGet(CommandContext ctx)
    {
        byte* entry = ctx.LookupReadOfType(ctx.Arg(1), DataType.Hash, out bool wrongType);
        if (wrongType) return;
        ctx.Reply.AddArrayLength(ctx.ArgCount - 2);
        for (int i = 2; i < ctx.ArgCount; i++)
        {
            if (entry != null && HashValue.TryGet(ctx.Keyspace, Database.Header(entry), ctx.Arg(i), out var value))
                ctx.Reply.AddBulk(value);
            else
                ctx.Reply.AddNull();
        }
    }

    private static void HGetAll(CommandContext ctx)
    {
        byte* entry = ctx.LookupReadOfType(ctx.Arg(1), DataType.Hash, out bool wrongType);
        if (wrongType) return;
        if (entry == null)
        {
            ctx.Reply.AddMapLength(0);
            return;
        }
        ValueHeader* header = Database.Header(entry);
        ctx.Reply.AddMapLength(HashValue.LiveCount(ctx.Keyspace, header));
        var writer = new PairWriter(ctx.Reply);
        HashValue.ForEach(ctx.Keyspace, header, ref writer);
    }

    private readonly struct PairWriter(Protocol.ReplyWriter reply) : IHashVisitor
    {
        public void Visit(ReadOnlySpan<byte> field, ReadOnlySpan<byte> value)
        {
            reply.AddBulk(field);
            reply.AddBulk(value);
        }
    }

    /// <summary>
    /// HDEL: a field whose TTL passed is not there for HDEL (as Valkey's validating delete); the
    /// key goes when no field is left, expired ones included ("del" after "hdel").
    /// </summary>
    private static void HDel(CommandContext ctx)
    {
        var key = ctx.Arg(1);
        byte* entry = ctx.LookupWriteOfType(key, DataType.Hash, out bool wrongType);
        if (wrongType) return;
        if (entry == null)
        {
            ctx.Reply.AddInteger(0);
            return;
        }
        ValueHeader* header = Database.Header(entry);
        bool wasVolatile = HashValue.HasVolatileFields(header);
        long removed = 0;
        bool keyRemoved = false;
        for (int i = 2; i < ctx.ArgCount; i++)
        {
            if (!HashValue.Delete(ctx.Keyspace, header, ctx.Arg(i))) continue;
            removed++;
            if (HashValue.Count(ctx.Keyspace, header) == 0)
            {
                ctx.Db.DeleteEntry(entry);
                keyRemoved = true;
                break;
            }
        }
        if (removed > 0)
        {
            if (!keyRemoved && wasVolatile) ctx.Db.VolatileHashes.Update(key, header, wasVolatile);
            ctx.KeyChanged(NotifyClass.Hash, "hdel", key);
            if (keyRemoved) ctx.Server.Notify(NotifyClass.Generic, "del", key, ctx.Db.Id);
            ctx.MarkDirty(removed);
        }
        ctx.Reply.AddInteger(removed);
    }

    private static void HLen(CommandContext ctx)
    {
        byte* entry = ctx.LookupReadOfType(ctx.Arg(1), DataType.Hash, out bool wrongType);
        if (wrongType) return;
        ctx.Reply.AddInteger(entry == null ? 0 : HashValue.Count(ctx.Keyspace, Database.Header(entry)));
    }

    private static void HExists(CommandContext ctx)
    {
        byte* entry = ctx.LookupReadOfType(ctx.Arg(1), DataType.Hash, out bool wrongType);
        if (wrongType) return;
        ctx.Reply.AddInteger(entry != null && HashValue.Exists(ctx.Keyspace, Database.Header(entry), ctx.Arg(2)) ? 1 : 0);
    }

    // ---- the rest of the family ----------------------------------------------------------

    /// <summary>Adds an empty listpack hash under <paramref name="key"/> (hashTypeLookupWriteOrCreate).</summary>
    private static ValueHeader* CreateHash(CommandContext ctx, ReadOnlySpan<byte> key)
    {
        byte* entry = ctx.Db.Add(key, DataType.Hash, ValueEncoding.ListPack, 8);
        ValueHeader* header = Database.Header(entry);
        HashValue.InitEmpty(ctx.Keyspace, header);
        return header;
    }

    private static void HSetNx(CommandContext ctx)
    {
        var key = ctx.Arg(1);
        byte* entry = ctx.LookupWriteOfType(key, DataType.Hash, out bool wrongType);
        if (wrongType) return;
        if (entry != null && HashValue.Exists(ctx.Keyspace, Database.Header(entry), ctx.Arg(2)))
        {
            ctx.Reply.AddInteger(0);
            return;
        }
        ValueHeader* header = entry != null ? Database.Header(entry) : CreateHash(ctx, key);
        var config = ctx.Server.Config;
        bool wasVolatile = HashValue.HasVolatileFields(header);
        var result = HashValue.SetField(ctx.Keyspace, header, ctx.Arg(2), ctx.Arg(3), -1, false,
            config.HashMaxListpackEntries, config.HashMaxListpackValue);
        if (wasVolatile) ctx.Db.VolatileHashes.Update(key, header, wasVolatile);
        ctx.Reply.AddInteger(1);
        KeyChangedAfterSet(ctx, "hset", key, result == HashSetResult.ReplacedExpired ? 1 : 0);
        ctx.MarkDirty();
    }

    private static void HStrLen(CommandContext ctx)
    {
        byte* entry = ctx.LookupReadOfType(ctx.Arg(1), DataType.Hash, out bool wrongType);
        if (wrongType) return;
        ctx.Reply.AddInteger(entry == null ? 0 : HashValue.ValueLength(ctx.Keyspace, Database.Header(entry), ctx.Arg(2)));
    }

    private static void HKeys(CommandContext ctx) => FieldsOrValues(ctx, fields: true);

    private static void HVals(CommandContext ctx) => FieldsOrValues(ctx, fields: false);

    /// <summary>HKEYS and HVALS: a flat array in both protocols (an empty one for a missing key).</summary>
    private static void FieldsOrValues(CommandContext ctx, bool fields)
    {
        byte* entry = ctx.LookupReadOfType(ctx.Arg(1), DataType.Hash, out bool wrongType);
        if (wrongType) return;
        if (entry == null)
        {
            ctx.Reply.AddEmptyArray();
            return;
        }
        ValueHeader* header = Database.Header(entry);
        ctx.Reply.AddArrayLength(HashValue.LiveCount(ctx.Keyspace, header));
        var writer = new HalfWriter(ctx.Reply, fields);
        HashValue.ForEach(ctx.Keyspace, header, ref writer);
    }

    private readonly struct HalfWriter(Protocol.ReplyWriter reply, bool fields) : IHashVisitor
    {
        public void Visit(ReadOnlySpan<byte> field, ReadOnlySpan<byte> value) => reply.AddBulk(fields ? field : value);
    }

    private static void HIncrBy(CommandContext ctx)
    {
        if (!ctx.TryGetInt64OrReply(3, out long increment)) return;
        var key = ctx.Arg(1);
        byte* entry = ctx.LookupWriteOfType(key, DataType.Hash, out bool wrongType);
        if (wrongType) return;
        ValueHeader* header = entry != null ? Database.Header(entry) : null;
        long value = 0;
        if (header != null && HashValue.TryGet(ctx.Keyspace, header, ctx.Arg(2), out var current)
            && !NumberParser.TryParseInt64(current, out value))
        {
            ctx.Reply.AddError(ErrorMessages.HashValueNotInteger);
            return;
        }
        if ((increment < 0 && value < 0 && increment < long.MinValue - value)
            || (increment > 0 && value > 0 && increment > long.MaxValue - value))
        {
            ctx.Reply.AddError(ErrorMessages.Overflow);
            return;
        }
        value += increment;
        Span<byte> text = stackalloc byte[24];
        text = text[..NumberFormatter.FormatInt64(value, text)];
        if (header == null) header = CreateHash(ctx, key);
        long expiredOverwritten = SetKeepingTtl(ctx, key, header, text);
        ctx.Reply.AddInteger(value);
        KeyChangedAfterSet(ctx, "hincrby", key, expiredOverwritten);
        ctx.MarkDirty();
    }

    /// <summary>
    /// HINCRBYFLOAT in x87 80-bit long double arithmetic with ld2string's human format, as
    /// INCRBYFLOAT. A NaN/infinite increment is refused before the key is looked at.
    /// </summary>
    private static void HIncrByFloat(CommandContext ctx)
    {
        if (!ctx.TryGetLongDoubleOrReply(3, out LongDouble increment)) return;
        if (increment.IsNaN || increment.IsInfinity)
        {
            ctx.Reply.AddError(ErrorMessages.ValueNanOrInfinity);
            return;
        }
        var key = ctx.Arg(1);
        byte* entry = ctx.LookupWriteOfType(key, DataType.Hash, out bool wrongType);
        if (wrongType) return;
        ValueHeader* header = entry != null ? Database.Header(entry) : null;
        LongDouble value = LongDouble.Zero;
        if (header != null && HashValue.TryGet(ctx.Keyspace, header, ctx.Arg(2), out var current)
            && !LongDouble.TryParse(current, out value))
        {
            ctx.Reply.AddError(ErrorMessages.HashValueNotFloat);
            return;
        }
        Span<byte> text = stackalloc byte[LongDouble.MaxHumanLength];
        if (!ctx.TryIncrementOrReply(value, increment, ref text)) return;
        if (header == null) header = CreateHash(ctx, key);
        long expiredOverwritten = SetKeepingTtl(ctx, key, header, text);
        ctx.Reply.AddBulk(text);
        KeyChangedAfterSet(ctx, "hincrbyfloat", key, expiredOverwritten);
        ctx.MarkDirty();
        // The float result propagates as written, keeping the field's TTL (Valkey: HSET key field value).
        ctx.RewriteArgs(7).Arg("HSETEX"u8).Arg(key).Arg("KEEPTTL"u8).Arg("FIELDS"u8).Arg(1).Arg(ctx, 2).Arg(text);
    }

    /// <summary>
    /// HINCRBY/HINCRBYFLOAT store the result keeping the field's TTL (Valkey passes the TTL it read
    /// back to hashTypeSet); a field whose TTL passed starts over without one. Returns 1 when such an
    /// expired field was overwritten.
    /// </summary>
    private static long SetKeepingTtl(CommandContext ctx, ReadOnlySpan<byte> key, ValueHeader* header, ReadOnlySpan<byte> text)
    {
        var config = ctx.Server.Config;
        bool wasVolatile = HashValue.HasVolatileFields(header);
        var result = HashValue.SetField(ctx.Keyspace, header, ctx.Arg(2), text, -1, keepTtl: wasVolatile,
            config.HashMaxListpackEntries, config.HashMaxListpackValue);
        if (wasVolatile) ctx.Db.VolatileHashes.Update(key, header, wasVolatile);
        return result == HashSetResult.ReplacedExpired ? 1 : 0;
    }

    // ---- HRANDFIELD ----------------------------------------------------------------------

    private static void HRandField(CommandContext ctx)
    {
        if (ctx.ArgCount >= 3)
        {
            if (!ctx.TryGetInt64OrReply(2, out long l)) return;
            if (l == long.MinValue)
            {
                ctx.Reply.AddError(ErrorMessages.ValueMustBetweenSignedLong);
                return;
            }
            if (ctx.ArgCount > 4 || (ctx.ArgCount == 4 && !ctx.ArgIs(3, "withvalues"u8)))
            {
                ctx.Reply.AddError(ErrorMessages.Syntax);
                return;
            }
            bool withValues = ctx.ArgCount == 4;
            if (withValues && (l < -long.MaxValue / 2 || l > long.MaxValue / 2))
            {
                ctx.Reply.AddError(ErrorMessages.ValueOutOfRange);
                return;
            }
            HRandFieldWithCount(ctx, l, withValues);
            return;
        }

        byte* entry = ctx.LookupReadOfType(ctx.Arg(1), DataType.Hash, out bool wrongType);
        if (wrongType) return;
        if (entry == null)
        {
            ctx.Reply.AddNull();
            return;
        }
        if (HashValue.TryRandomLivePair(ctx.Keyspace, Database.Header(entry), out _, out var field, out _))
            ctx.Reply.AddBulk(field);
        else
            ctx.Reply.AddNull();
    }

    /// <summary>Identities of the pairs already returned by a unique HRANDFIELD (reused; command thread only).</summary>
    private static readonly HashSet<nint> RandomPicked = new();

    /// <summary>
    /// HRANDFIELD key count [WITHVALUES], Valkey's cases: a negative count repeats picks (random
    /// order); a count covering the hash returns all of it; a smaller count returns distinct
    /// fields. RESP3 nests each field/value pair in a 2-element array, RESP2 flattens.
    /// </summary>
    private static void HRandFieldWithCount(CommandContext ctx, long l, bool withValues)
    {
        byte* entry = ctx.LookupReadOfType(ctx.Arg(1), DataType.Hash, out bool wrongType);
        if (wrongType) return;
        if (entry == null)
        {
            ctx.Reply.AddEmptyArray();
            return;
        }
        ValueHeader* header = Database.Header(entry);
        long size = HashValue.Count(ctx.Keyspace, header);
        bool unique = l >= 0;
        long count = unique ? l : -l;
        if (count == 0)
        {
            ctx.Reply.AddEmptyArray();
            return;
        }
        var reply = ctx.Reply;
        var writer = new RandomPairWriter(reply, withValues);
        if (HashValue.HasVolatileFields(header))
        {
            HRandFieldWithTtls(ctx, header, size, count, unique, writer);
            return;
        }

        // CASE 1: repeated picks (negative count, or a single one).
        if (!unique || count == 1)
        {
            reply.AddArrayLength(withValues && reply.Protocol == 2 ? count * 2 : count);
            if (header->Encoding == ValueEncoding.ListPack)
            {
                int[]? rented = null;
                Span<int> offsets = size <= 512 ? stackalloc int[512] : (rented = ArrayPool<int>.Shared.Rent((int)size));
                int n = HashValue.ListpackPairOffsets(header, offsets);
                for (long i = 0; i < count && !ctx.Client.CloseAsap; i++)
                {
                    HashValue.ListpackPairAt(header, offsets[(int)HashValue.NextRandom((ulong)n)], out var f, out var v);
                    writer.Visit(f, v);
                }
                if (rented != null) ArrayPool<int>.Shared.Return(rented);
            }
            else
            {
                for (long i = 0; i < count && !ctx.Client.CloseAsap; i++)
                {
                    HashValue.RandomPair(ctx.Keyspace, header, out var f, out var v);
                    writer.Visit(f, v);
                }
            }
            return;
        }

        long replySize = Math.Min(count, size);
        reply.AddArrayLength(withValues && reply.Protocol == 2 ? replySize * 2 : replySize);

        // CASE 2: the count covers the whole hash.
        if (count >= size)
        {
            HashValue.ForEach(ctx.Keyspace, header, ref writer);
            return;
        }

        // CASE 2.5/3: listpack, or a count close to the size: one pass of selection sampling
        // (every subset of the requested size equally likely), in the hash's order.
        if (header->Encoding == ValueEncoding.ListPack || count * 3 > size)
        {
            var selector = new SelectionSampler(writer, count, size);
            HashValue.ForEach(ctx.Keyspace, header, ref selector);
            return;
        }

        // CASE 4: a big hash: random picks, skipping the ones already returned.
        var picked = RandomPicked;
        picked.Clear();
        while (picked.Count < count)
        {
            nint id = HashValue.RandomPair(ctx.Keyspace, header, out var f, out var v);
            if (picked.Add(id)) writer.Visit(f, v);
        }
        picked.Clear();
        if (count > 4096) picked.TrimExcess();
    }

    /// <summary>
    /// HRANDFIELD with a count on a hash with field TTLs (always hashtable): Valkey's cases with
    /// expired, unreclaimed fields left out. Random picks give up on a pick after 100 expired
    /// fields in a row, so the reply may be shorter than asked (its length is deferred).
    /// </summary>
    private static void HRandFieldWithTtls(CommandContext ctx, ValueHeader* header, long size, long count, bool unique, RandomPairWriter writer)
    {
        var reply = ctx.Reply;
        bool flat = writer.WithValues && reply.Protocol == 2;
        if (!unique || count == 1)
        {
            int handle = reply.BeginDeferredLength();
            long n = 0;
            while (n < count && HashValue.TryRandomLivePair(ctx.Keyspace, header, out _, out var f, out var v))
            {
                writer.Visit(f, v);
                n++;
                if (ctx.Client.CloseAsap) break;
            }
            reply.SetDeferredArrayLength(handle, flat ? n * 2 : n);
            return;
        }
        long live = HashValue.LiveCount(ctx.Keyspace, header);
        if (count >= size || count * 3 > size)
        {
            long needed = Math.Min(count, live);
            reply.AddArrayLength(flat ? needed * 2 : needed);
            var selector = new SelectionSampler(writer, needed, live);
            HashValue.ForEach(ctx.Keyspace, header, ref selector);
            return;
        }
        var picked = RandomPicked;
        picked.Clear();
        int lengthHandle = reply.BeginDeferredLength();
        long maxTries = count > long.MaxValue / 10 ? long.MaxValue : count * 10;
        while (picked.Count < count && maxTries-- > 0)
        {
            if (!HashValue.TryRandomLivePair(ctx.Keyspace, header, out nint id, out var f, out var v)) break;
            if (picked.Add(id)) writer.Visit(f, v);
        }
        reply.SetDeferredArrayLength(lengthHandle, flat ? picked.Count * 2L : picked.Count);
        picked.Clear();
        if (count > 4096) picked.TrimExcess();
    }

    private readonly struct RandomPairWriter(Protocol.ReplyWriter reply, bool withValues) : IHashVisitor
    {
        public bool WithValues => withValues;

        public void Visit(ReadOnlySpan<byte> field, ReadOnlySpan<byte> value)
        {
            if (withValues && reply.Protocol >= 3) reply.AddArrayLength(2);
            reply.AddBulk(field);
            if (withValues) reply.AddBulk(value);
        }
    }

    /// <summary>Knuth's selection sampling: keeps each pair with probability needed/remaining.</summary>
    private struct SelectionSampler(RandomPairWriter writer, long needed, long remaining) : IHashVisitor
    {
        private long _needed = needed, _remaining = remaining;

        public void Visit(ReadOnlySpan<byte> field, ReadOnlySpan<byte> value)
        {
            if (_needed > 0 && (long)HashValue.NextRandom((ulong)_remaining) < _needed)
            {
                writer.Visit(field, value);
                _needed--;
            }
            _remaining--;
        }
    }

    // ---- HSCAN -------------------------------------------------------------------------------

    /// <summary>A field (and value) found by HSCAN: arena pointers, valid until the hash changes.</summary>
    private readonly record struct ScannedPair(nint Field, int FieldLength, nint Value, int ValueLength);

    /// <summary>Pairs found by the current HSCAN step; reused, the command thread is the only user.</summary>
    private static readonly List<ScannedPair> ScanFound = new();

    /// <summary>
    /// HSCAN key cursor [MATCH pattern] [COUNT count] [NOVALUES] (Valkey's scanGenericCommand for a
    /// hash): a listpack hash comes back whole with cursor 0; a hashtable is walked with the
    /// reverse-binary cursor, at most COUNT*10 buckets per call.
    /// </summary>
    private static void HScan(CommandContext ctx)
    {
        if (!KeyCommands.TryParseCursorOrReply(ctx, 2, out ulong cursor)) return;
        byte* entry = ctx.LookupReadOfType(ctx.Arg(1), DataType.Hash, out bool wrongType);
        if (wrongType) return;
        if (entry == null)
        {
            ctx.Reply.AddArrayLength(2);
            ctx.Reply.AddBulk("0"u8);
            ctx.Reply.AddEmptyArray();
            return;
        }

        if (!ScanOptions.TryParseOrReply(ctx, 3, ScanKind.Hash, out var options)) return;
        long count = options.Count;
        bool onlyFields = options.NoValues;
        ReadOnlySpan<byte> pattern = options.Pattern;
        bool usePattern = options.UsePattern;
        ValueHeader* header = Database.Header(entry);
        var reply = ctx.Reply;
        var found = ScanFound;
        found.Clear();
        fixed (byte* p = pattern)
        {
            var collector = new ScanCollector(found, usePattern ? p : null, pattern.Length);
            if (header->Encoding == ValueEncoding.ListPack)
            {
                HashValue.ForEach(ctx.Keyspace, header, ref collector);
                cursor = 0;
            }
            else
            {
                long maxIterations = count > long.MaxValue / 10 ? long.MaxValue : count * 10;
                do
                {
                    cursor = HashValue.ScanTable(ctx.Keyspace, header, cursor, ref collector);
                } while (cursor != 0 && maxIterations-- > 0 && collector.Sampled < count);
            }
        }

        reply.AddArrayLength(2);
        reply.AddBulk((long)cursor);
        reply.AddArrayLength(onlyFields ? found.Count : found.Count * 2L);
        foreach (var pair in found)
        {
            reply.AddBulk(new ReadOnlySpan<byte>((byte*)pair.Field, pair.FieldLength));
            if (!onlyFields) reply.AddBulk(new ReadOnlySpan<byte>((byte*)pair.Value, pair.ValueLength));
        }
        found.Clear();
        if (found.Capacity > 64 * 1024) found.Capacity = 1024;
    }

    /// <summary>Collects the pairs of the visited buckets whose field matches the pattern (if any).</summary>
    private struct ScanCollector(List<ScannedPair> found, byte* pattern, int patternLength) : IHashVisitor
    {
        public long Sampled;

        public void Visit(ReadOnlySpan<byte> field, ReadOnlySpan<byte> value)
        {
            Sampled++;
            if (pattern != null && !GlobMatcher.IsMatch(new ReadOnlySpan<byte>(pattern, patternLength), field)) return;
            found.Add(new ScannedPair(AddressOf(field), field.Length, AddressOf(value), value.Length));
        }

        private static nint AddressOf(ReadOnlySpan<byte> span) => (nint)Unsafe.AsPointer(ref MemoryMarshal.GetReference(span));
    }
}
