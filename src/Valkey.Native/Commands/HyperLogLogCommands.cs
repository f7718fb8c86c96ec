using Valkey.Native.Storage;
using static Valkey.Native.Commands.KeySpecFlags;

namespace Valkey.Native.Commands;

/// <summary>
/// The HyperLogLog family (Valkey's hyperloglog.c): PFADD, PFCOUNT, PFMERGE and the internal
/// PFDEBUG and PFSELFTEST. An HLL is a plain string holding exactly Valkey's bytes (see
/// <see cref="HyperLogLog"/>), so GET/SET/DUMP-style transplants work both ways. Like Valkey,
/// every command that touches an HLL first makes its string raw-encoded ("unshares" it).
/// Dense values are updated in place; sparse ones go through a reused
/// <see cref="HyperLogLogBuffer"/> because updates can resize them, then are written back.
/// </summary>
public static unsafe class HyperLogLogCommands
{
    public static readonly CommandSpec[] Commands =
    [
        new CommandSpec("pfadd", -2, CommandFlags.Write | CommandFlags.DenyOom | CommandFlags.Fast, AclCategories.HyperLogLog, PfAdd)
        {
            Group = "hyperloglog", Summary = "Adds elements to a HyperLogLog key. Creates the key if it doesn't exist.", Since = "2.8.9",
            Complexity = "O(1) to add every element.",
            KeySpecs = [KeySpec.Index(1, RW | Insert)],
        },
        new CommandSpec("pfcount", -2, CommandFlags.ReadOnly | CommandFlags.MayReplicate, AclCategories.HyperLogLog, PfCount)
        {
            Group = "hyperloglog", Summary = "Returns the approximated cardinality of the set(s) observed by the HyperLogLog key(s).", Since = "2.8.9",
            Complexity = "O(1) with a very small average constant time when called with a single key. O(N) with N being the number of keys, and much bigger constant times, when called with multiple keys.",
            KeySpecs = [KeySpec.Index(1, RW | Access, lastKey: -1, notes: "RW because it may change the internal representation of the key, and propagate to replicas")],
        },
        new CommandSpec("pfmerge", -2, CommandFlags.Write | CommandFlags.DenyOom, AclCategories.HyperLogLog, PfMerge)
        {
            Group = "hyperloglog", Summary = "Merges one or more HyperLogLog values into a single key.", Since = "2.8.9",
            Complexity = "O(N) to merge N HyperLogLogs, but with high constant times.",
            KeySpecs = [KeySpec.Index(1, RW | Access | Insert), KeySpec.Index(2, RO | Access, lastKey: -1)],
        },
        new CommandSpec("pfdebug", 3, CommandFlags.Write | CommandFlags.DenyOom | CommandFlags.Admin, AclCategories.HyperLogLog, PfDebug)
        {
            Group = "hyperloglog", Summary = "Internal commands for debugging HyperLogLog values.", Since = "2.8.9", Complexity = "N/A",
            KeySpecs = [KeySpec.Index(2, RW | Access)],
            DocFlags = DocFlags.SysCmd,
        },
        new CommandSpec("pfselftest", 1, CommandFlags.Admin, AclCategories.HyperLogLog, PfSelfTest)
        {
            Group = "hyperloglog", Summary = "An internal command for testing HyperLogLog values.", Since = "2.8.9", Complexity = "N/A",
            DocFlags = DocFlags.SysCmd,
        },
    ];

    [ThreadStatic] private static HyperLogLogBuffer? t_buffer;

    /// <summary>The reused working copy, set to the current hll-sparse-max-bytes.</summary>
    private static HyperLogLogBuffer Buffer(CommandContext ctx)
    {
        var buffer = t_buffer ??= new HyperLogLogBuffer();
        buffer.TrimExcess();
        buffer.SparseMaxBytes = ctx.Server.Config.HllSparseMaxBytes;
        return buffer;
    }

    // ---- helpers -------------------------------------------------------------------------------

    /// <summary>The bytes of a string value that is not int-encoded.</summary>
    private static ReadOnlySpan<byte> Bytes(ValueHeader* h) => h->Encoding == ValueEncoding.Raw
        ? new ReadOnlySpan<byte>(ValueHeader.PointerAt(h), h->Length)
        : new ReadOnlySpan<byte>(ValueHeader.DataOf(h), h->Length);

    /// <summary>isHLLObjectOrReply: a string holding a well-formed HLL header, else the error is sent.</summary>
    private static bool CheckHllOrReply(CommandContext ctx, byte* entry)
    {
        ValueHeader* h = Database.Header(entry);
        if (h->Type != DataType.String)
        {
            ctx.Reply.AddError(ErrorMessages.WrongType);
            return false;
        }
        if (h->Encoding == ValueEncoding.Int || !HyperLogLog.IsValid(Bytes(h)))
        {
            ctx.Reply.AddError(ErrorMessages.HllWrongType);
            return false;
        }
        return true;
    }

    /// <summary>dbUnshareStringValue: makes the value raw-encoded and returns its writable bytes.</summary>
    private static Span<byte> Unshare(Database db, ref byte* entry)
    {
        int length = Database.Header(entry)->Length;
        byte* buffer = db.MakeStringRaw(ref entry, length);
        return new Span<byte>(buffer, length);
    }

    /// <summary>Stores <paramref name="value"/> as the raw string of <paramref name="entry"/>, creating the key when null.</summary>
    private static void Store(Database db, ref byte* entry, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        entry = entry == null ? db.Add(key, DataType.String, ValueEncoding.EmbStr, 0) : entry;
        byte* buffer = db.MakeStringRaw(ref entry, value.Length);
        value.CopyTo(new Span<byte>(buffer, value.Length));
        Database.Header(entry)->Length = value.Length;
    }

    // ---- PFADD -------------------------------------------------------------------------------

    private static void PfAdd(CommandContext ctx)
    {
        ReadOnlySpan<byte> key = ctx.Arg(1);
        Database db = ctx.Db;
        byte* entry = db.LookupWrite(key);
        int updated = 0;
        if (entry != null)
        {
            if (!CheckHllOrReply(ctx, entry)) return;
            Span<byte> value = Unshare(db, ref entry);
            if (HyperLogLog.IsDense(value))
            {
                // Dense values never change length: update the stored registers directly.
                Span<byte> registers = value[HyperLogLog.HeaderSize..];
                for (int i = 2; i < ctx.ArgCount; i++)
                {
                    if (HyperLogLog.DenseAdd(registers, ctx.Arg(i))) updated++;
                }
                if (updated > 0) HyperLogLog.InvalidateCache(value);
                PfAddDone(ctx, key, updated);
                return;
            }
        }

        var hll = Buffer(ctx);
        if (entry == null)
        {
            hll.LoadEmpty();
            updated++;
        }
        else
        {
            hll.Load(Bytes(Database.Header(entry)));
        }
        bool corrupted = false;
        for (int i = 2; i < ctx.ArgCount; i++)
        {
            int result = hll.Add(ctx.Arg(i));
            if (result == 1) updated++;
            else if (result < 0)
            {
                corrupted = true;
                break;
            }
        }
        if (!corrupted && updated > 0) hll.InvalidateCache();
        // Registers changed before a corruption was found stay changed, as in Valkey.
        Store(db, ref entry, key, hll.Value);
        if (corrupted)
        {
            ctx.Reply.AddError(ErrorMessages.HllCorrupted);
            return;
        }
        PfAddDone(ctx, key, updated);
    }

    private static void PfAddDone(CommandContext ctx, ReadOnlySpan<byte> key, int updated)
    {
        if (updated > 0)
        {
            ctx.KeyChanged(NotifyClass.String, "pfadd", key);
            ctx.MarkDirty(updated);
        }
        ctx.Reply.AddInteger(updated > 0 ? 1 : 0);
    }

    // ---- PFCOUNT -----------------------------------------------------------------------------

    private static void PfCount(CommandContext ctx)
    {
        Database db = ctx.Db;
        if (ctx.ArgCount > 2)
        {
            // The union of several HLLs, computed on raw registers; none of them is modified.
            Span<byte> max = stackalloc byte[HyperLogLog.Registers];
            max.Clear();
            for (int i = 1; i < ctx.ArgCount; i++)
            {
                if (!MergeSourceOrReply(ctx, ctx.Arg(i), max, out _)) return;
            }
            ctx.Reply.AddInteger((long)HyperLogLog.CountRaw(max));
            return;
        }

        ReadOnlySpan<byte> key = ctx.Arg(1);
        byte* entry = db.LookupRead(key);
        if (entry == null)
        {
            ctx.Reply.AddInteger(0);
            return;
        }
        if (!CheckHllOrReply(ctx, entry)) return;
        Span<byte> value = Unshare(db, ref entry);
        if (HyperLogLog.TryGetCachedCardinality(value, out long cached))
        {
            ctx.Reply.AddInteger(cached);
            return;
        }
        if (!HyperLogLog.TryCount(value, out ulong cardinality))
        {
            ctx.Reply.AddError(ErrorMessages.HllCorrupted);
            return;
        }
        // Caching the estimate modifies the string: signal it (no keyspace event, as in Valkey).
        HyperLogLog.SetCachedCardinality(value, cardinality);
        ctx.Server.KeyModified(db, key);
        ctx.MarkDirty();
        ctx.Reply.AddInteger((long)cardinality);
    }

    /// <summary>
    /// Merges the HLL at <paramref name="key"/> (if it exists) into <paramref name="max"/>. False
    /// after replying an error (wrong type, not an HLL, corrupted).
    /// </summary>
    private static bool MergeSourceOrReply(CommandContext ctx, ReadOnlySpan<byte> key, Span<byte> max, out bool dense)
    {
        dense = false;
        byte* entry = ctx.Db.LookupRead(key);
        if (entry == null) return true;
        if (!CheckHllOrReply(ctx, entry)) return false;
        ReadOnlySpan<byte> value = Bytes(Database.Header(entry));
        dense = HyperLogLog.IsDense(value);
        if (!HyperLogLog.Merge(max, value))
        {
            ctx.Reply.AddError(ErrorMessages.HllCorrupted);
            return false;
        }
        return true;
    }

    // ---- PFMERGE -----------------------------------------------------------------------------

    private static void PfMerge(CommandContext ctx)
    {
        Database db = ctx.Db;
        Span<byte> max = stackalloc byte[HyperLogLog.Registers];
        max.Clear();
        bool useDense = false;
        // The destination is merged too (it is argument 1).
        for (int i = 1; i < ctx.ArgCount; i++)
        {
            if (!MergeSourceOrReply(ctx, ctx.Arg(i), max, out bool dense)) return;
            useDense |= dense;
        }

        ReadOnlySpan<byte> key = ctx.Arg(1);
        byte* entry = db.LookupWrite(key);
        var hll = Buffer(ctx);
        if (entry == null) hll.LoadEmpty();
        else hll.Load(Bytes(Database.Header(entry)));

        // A dense input makes the destination dense at once (no sparse growth on the way).
        if (useDense && !hll.ToDense())
        {
            Store(db, ref entry, key, hll.Value);
            ctx.Reply.AddError(ErrorMessages.HllCorrupted);
            return;
        }
        if (hll.IsDense)
        {
            HyperLogLog.CompressDense(hll.DenseRegisters, max);
        }
        else
        {
            for (int i = 0; i < HyperLogLog.Registers; i++)
            {
                if (max[i] != 0) hll.Set(i, max[i]);
            }
        }
        hll.InvalidateCache();
        Store(db, ref entry, key, hll.Value);
        // A PFADD event: a merge is a mass add of elements.
        ctx.KeyChanged(NotifyClass.String, "pfadd", key);
        ctx.MarkDirty();
        ctx.Reply.AddOk();
    }

    // ---- PFDEBUG / PFSELFTEST ------------------------------------------------------------------

    private static void PfDebug(CommandContext ctx)
    {
        // PFDEBUG SIMD ON|OFF (Valkey 9): switches the vectorized register paths; no key involved.
        if (ctx.ArgIs(1, "simd"u8))
        {
            if (ctx.ArgIs(2, "on"u8)) HyperLogLog.SimdEnabled = true;
            else if (ctx.ArgIs(2, "off"u8)) HyperLogLog.SimdEnabled = false;
            else
            {
                ctx.Reply.AddError(ErrorMessages.HllSimdArgument);
                return;
            }
            ctx.Reply.AddSimpleString(HyperLogLog.SimdActive ? "enabled" : "disabled");
            return;
        }

        Database db = ctx.Db;
        ReadOnlySpan<byte> key = ctx.Arg(2);
        byte* entry = db.LookupWrite(key);
        if (entry == null)
        {
            ctx.Reply.AddError(ErrorMessages.HllKeyMissing);
            return;
        }
        if (!CheckHllOrReply(ctx, entry)) return;
        Span<byte> value = Unshare(db, ref entry);
        bool sparse = !HyperLogLog.IsDense(value);

        if (ctx.ArgIs(1, "getreg"u8))
        {
            if (sparse)
            {
                if (!ToDenseOrReply(ctx, ref entry, key, value)) return;
                value = new Span<byte>(ValueHeader.PointerAt(Database.Header(entry)), HyperLogLog.DenseSize);
            }
            ReadOnlySpan<byte> registers = value[HyperLogLog.HeaderSize..];
            ctx.Reply.AddArrayLength(HyperLogLog.Registers);
            for (int i = 0; i < HyperLogLog.Registers; i++) ctx.Reply.AddInteger(HyperLogLog.GetRegister(registers, i));
        }
        else if (ctx.ArgIs(1, "decode"u8))
        {
            if (!sparse)
            {
                ctx.Reply.AddError(ErrorMessages.HllNotSparse);
                return;
            }
            ctx.Reply.AddBulk(HyperLogLog.DecodeSparse(value));
        }
        else if (ctx.ArgIs(1, "encoding"u8))
        {
            ctx.Reply.AddSimpleString(sparse ? "sparse"u8 : "dense"u8);
        }
        else if (ctx.ArgIs(1, "todense"u8))
        {
            if (sparse && !ToDenseOrReply(ctx, ref entry, key, value)) return;
            ctx.Reply.AddInteger(sparse ? 1 : 0);
        }
        else
        {
            ctx.Reply.AddError(ErrorMessages.HllUnknownDebugSubcommand(ctx.ArgString(1)));
        }
    }

    /// <summary>Converts a stored sparse value to dense (GETREG, TODENSE); counts as a change for propagation.</summary>
    private static bool ToDenseOrReply(CommandContext ctx, ref byte* entry, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        var hll = Buffer(ctx);
        hll.Load(value);
        if (!hll.ToDense())
        {
            ctx.Reply.AddError(ErrorMessages.HllCorrupted);
            return false;
        }
        Store(ctx.Db, ref entry, key, hll.Value);
        ctx.MarkDirty();
        return true;
    }

    private static void PfSelfTest(CommandContext ctx)
    {
        string? failure = HyperLogLog.SelfTest(ctx.Server.Config.HllSparseMaxBytes, Random.Shared);
        if (failure == null) ctx.Reply.AddOk();
        else ctx.Reply.AddError("ERR " + failure);
    }
}
