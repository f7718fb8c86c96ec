using System.Buffers.Binary;
using System.Numerics;
using Valkey.Native.Storage;
using Valkey.Native.Util;
using static Valkey.Native.Commands.KeySpecFlags;

namespace Valkey.Native.Commands;

/// <summary>
/// The bitmap family (Valkey's bitops.c): SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD and
/// BITFIELD_RO over ordinary string values. Bit 0 is the most significant bit of byte 0. Writes
/// grow the string zero-filled in place (<see cref="Database.MakeStringRaw"/>), which also turns
/// int and embstr values raw as Valkey's dbUnshareStringValue does. The loops over whole strings
/// are the SIMD kernels of <see cref="BitKernels"/>. Nothing here allocates on the GC heap.
/// </summary>
public static unsafe class BitmapCommands
{
    public static readonly CommandSpec[] Commands =
    [
        new CommandSpec("setbit", 4, CommandFlags.Write | CommandFlags.DenyOom,
            AclCategories.Write | AclCategories.Bitmap | AclCategories.Slow, SetBit)
        {
            Group = "bitmap", Summary = "Sets or clears the bit at offset of the string value. Creates the key if it doesn't exist.", Since = "2.2.0", Complexity = "O(1)",
            KeySpecs = [KeySpec.Index(1, RW | Access | Update)],
        },
        new CommandSpec("getbit", 3, CommandFlags.ReadOnly | CommandFlags.Fast,
            AclCategories.Read | AclCategories.Bitmap | AclCategories.Fast, GetBit)
        {
            Group = "bitmap", Summary = "Returns a bit value by offset.", Since = "2.2.0", Complexity = "O(1)",
            KeySpecs = [KeySpec.Index(1, RO | Access)],
        },
        new CommandSpec("bitcount", -2, CommandFlags.ReadOnly,
            AclCategories.Read | AclCategories.Bitmap | AclCategories.Slow, BitCount)
        {
            Group = "bitmap", Summary = "Counts the number of set bits (population counting) in a string.", Since = "2.6.0", Complexity = "O(N)",
            KeySpecs = [KeySpec.Index(1, RO | Access)],
            History =
            [
                ("7.0.0", "Added the `BYTE|BIT` option."),
                ("8.0.0", "`end` made optional; when called without argument the command reports the last BYTE."),
            ],
        },
        new CommandSpec("bitpos", -3, CommandFlags.ReadOnly,
            AclCategories.Read | AclCategories.Bitmap | AclCategories.Slow, BitPos)
        {
            Group = "bitmap", Summary = "Finds the first set (1) or clear (0) bit in a string.", Since = "2.8.7", Complexity = "O(N)",
            KeySpecs = [KeySpec.Index(1, RO | Access)],
            History = [("7.0.0", "Added the `BYTE|BIT` option.")],
        },
        new CommandSpec("bitop", -4, CommandFlags.Write | CommandFlags.DenyOom,
            AclCategories.Write | AclCategories.Bitmap | AclCategories.Slow, BitOp)
        {
            Group = "bitmap", Summary = "Performs bitwise operations on multiple strings, and stores the result.", Since = "2.6.0", Complexity = "O(N)",
            KeySpecs = [KeySpec.Index(2, OW | Update), KeySpec.Index(3, RO | Access, lastKey: -1)],
        },
        new CommandSpec("bitfield", -2, CommandFlags.Write | CommandFlags.DenyOom,
            AclCategories.Write | AclCategories.Bitmap | AclCategories.Slow, BitField)
        {
            Group = "bitmap", Summary = "Performs arbitrary bitfield integer operations on strings.", Since = "3.2.0", Complexity = "O(1) for each subcommand specified",
            KeySpecs = [KeySpec.Index(1, RW | Update | Access | VariableFlags, notes: "This command allows both access and modification of the key")],
            Keys = BitFieldKeys,
        },
        new CommandSpec("bitfield_ro", -2, CommandFlags.ReadOnly | CommandFlags.Fast,
            AclCategories.Read | AclCategories.Bitmap | AclCategories.Fast, BitFieldRo)
        {
            Group = "bitmap", Summary = "Performs arbitrary read-only bitfield integer operations on strings.", Since = "6.0.0", Complexity = "O(1) for each subcommand specified",
            KeySpecs = [KeySpec.Index(1, RO | Access)],
        },
    ];

    // ---- shared argument parsing and lookup ------------------------------------------------------

    /// <summary>
    /// getBitOffsetFromArgument: a bit offset below proto-max-bulk-len × 8. With
    /// <paramref name="hashForm"/> (BITFIELD), "#n" means n × <paramref name="bits"/>.
    /// </summary>
    private static bool TryGetBitOffsetOrReply(CommandContext ctx, int index, bool hashForm, int bits, out long offset)
    {
        ReadOnlySpan<byte> arg = ctx.Arg(index);
        bool useHash = hashForm && bits > 0 && arg.Length > 0 && arg[0] == (byte)'#';
        if (NumberParser.TryParseInt64(useHash ? arg[1..] : arg, out offset))
        {
            if (useHash) offset = unchecked(offset * bits);
            if (offset >= 0 && (offset >> 3) < ctx.Server.Config.ProtoMaxBulkLen) return true;
        }
        ctx.Reply.AddError(ErrorMessages.BitOffsetNotInteger);
        return false;
    }

    /// <summary>
    /// lookupStringForBitCommand: the string at argv[1] made raw and at least long enough to hold
    /// bit <paramref name="maxBit"/> (a missing key is created zero-filled). Null after replying
    /// WRONGTYPE. <paramref name="grown"/>: the key was created or its length changed.
    /// </summary>
    private static byte* LookupStringForBitWrite(CommandContext ctx, long maxBit, out bool grown, out byte* data)
    {
        grown = false;
        data = null;
        ReadOnlySpan<byte> key = ctx.Arg(1);
        byte* entry = ctx.LookupWriteOfType(key, DataType.String, out bool wrongType);
        if (wrongType) return null;
        long needed = (maxBit >> 3) + 1;
        if (needed > int.MaxValue)
        {
            // Only reachable with proto-max-bulk-len above 2 GB: values here are at most 2 GB.
            ctx.Reply.AddError(ErrorMessages.StringTooLong);
            return null;
        }
        Database db = ctx.Db;
        if (entry == null)
        {
            entry = db.Add(key, DataType.String, ValueEncoding.EmbStr, 0);
            grown = true;
        }
        else
        {
            grown = needed > StringValue.Length(Database.Header(entry));
        }
        data = db.MakeStringRaw(ref entry, (int)needed);
        return entry;
    }

    /// <summary>The bytes of a string entry (null: empty); int values are formatted into <paramref name="scratch"/>.</summary>
    private static ReadOnlySpan<byte> ValueOf(byte* entry, Span<byte> scratch) =>
        entry == null ? default : StringValue.Read(Database.Header(entry), scratch);

    // ---- SETBIT / GETBIT -----------------------------------------------------------------------------

    private static void SetBit(CommandContext ctx)
    {
        if (!TryGetBitOffsetOrReply(ctx, 2, hashForm: false, 0, out long offset)) return;
        if (!NumberParser.TryParseInt64(ctx.Arg(3), out long on) || (on & ~1L) != 0)
        {
            ctx.Reply.AddError(ErrorMessages.BitNotInteger);
            return;
        }
        if (LookupStringForBitWrite(ctx, offset, out bool grown, out byte* data) == null) return;

        byte* target = data + (offset >> 3);
        int shift = 7 - (int)(offset & 7);
        int old = (*target >> shift) & 1;
        // A new or longer string counts as a change even when the bit keeps its value.
        if (grown || old != on)
        {
            *target = (byte)((*target & ~(1 << shift)) | ((int)on << shift));
            ctx.MarkDirty();
            ctx.KeyChanged(NotifyClass.String, "setbit", ctx.Arg(1));
        }
        ctx.Reply.AddInteger(old);
    }

    private static void GetBit(CommandContext ctx)
    {
        if (!TryGetBitOffsetOrReply(ctx, 2, hashForm: false, 0, out long offset)) return;
        byte* entry = ctx.LookupReadOfType(ctx.Arg(1), DataType.String, out bool wrongType);
        if (wrongType) return;
        Span<byte> scratch = stackalloc byte[24];
        ReadOnlySpan<byte> value = ValueOf(entry, scratch);
        long index = offset >> 3;
        int bit = index < value.Length ? (value[(int)index] >> (7 - (int)(offset & 7))) & 1 : 0;
        ctx.Reply.AddInteger(bit);
    }

    // ---- BITCOUNT / BITPOS -------------------------------------------------------------------------------

    /// <summary>Parses the optional trailing BYTE|BIT argument; false after a syntax error reply.</summary>
    private static bool TryGetUnitOrReply(CommandContext ctx, int index, out bool isBit)
    {
        isBit = ctx.ArgIs(index, "bit"u8);
        if (isBit || ctx.ArgIs(index, "byte"u8)) return true;
        ctx.Reply.AddError(ErrorMessages.Syntax);
        return false;
    }

    /// <summary>
    /// Turns BITCOUNT/BITPOS start and end (bytes, or bits with <paramref name="isBit"/>; negative
    /// from the end) into an inclusive bit range clamped to a string of <paramref name="length"/>
    /// bytes. False when the range is empty.
    /// </summary>
    private static bool ToBitRange(long start, long end, bool isBit, long length, out long startBit, out long endBit)
    {
        long total = isBit ? length << 3 : length;
        if (start < 0) start += total;
        if (end < 0) end += total;
        if (start < 0) start = 0;
        if (end < 0) end = 0;
        if (end >= total) end = total - 1;
        startBit = isBit ? start : start << 3;
        endBit = isBit ? end : (end << 3) + 7;
        return start <= end;
    }

    /// <summary>BITCOUNT key [start [end [BYTE|BIT]]]</summary>
    private static void BitCount(CommandContext ctx)
    {
        int argc = ctx.ArgCount;
        long start = 0, end = -1;
        bool isBit = false;
        if (argc >= 3 && argc <= 5)
        {
            if (!ctx.TryGetInt64OrReply(2, out start)) return;
            if (argc == 5 && !TryGetUnitOrReply(ctx, 4, out isBit)) return;
            if (argc >= 4 && !ctx.TryGetInt64OrReply(3, out end)) return;
        }
        else if (argc != 2)
        {
            ctx.Reply.AddError(ErrorMessages.Syntax);
            return;
        }

        byte* entry = ctx.LookupReadOfType(ctx.Arg(1), DataType.String, out bool wrongType);
        if (wrongType) return;
        Span<byte> scratch = stackalloc byte[24];
        ReadOnlySpan<byte> value = ValueOf(entry, scratch);
        // Without an end, the range runs to the last byte.
        if (argc <= 3) end = value.Length - 1;

        // Both negative with start past end: empty before clamping, whatever the unit.
        if ((start < 0 && end < 0 && start > end) || entry == null ||
            !ToBitRange(start, end, isBit, value.Length, out long startBit, out long endBit))
        {
            ctx.Reply.AddInteger(0);
            return;
        }
        int firstByte = (int)(startBit >> 3), lastByte = (int)(endBit >> 3);
        long count = BitKernels.PopCount(value[firstByte..(lastByte + 1)]);
        // Bits of the edge bytes outside the range.
        count -= BitOperations.PopCount((uint)(value[firstByte] & ~(0xFF >> (int)(startBit & 7)) & 0xFF));
        count -= BitOperations.PopCount((uint)(value[lastByte] & (0xFF >> (int)((endBit & 7) + 1))));
        ctx.Reply.AddInteger(count);
    }

    /// <summary>BITPOS key bit [start [end [BYTE|BIT]]]</summary>
    private static void BitPos(CommandContext ctx)
    {
        if (!ctx.TryGetInt64OrReply(2, out long bit)) return;
        if (bit != 0 && bit != 1)
        {
            ctx.Reply.AddError(ErrorMessages.BitArgumentNotBinary);
            return;
        }
        int argc = ctx.ArgCount;
        long start = 0, end = -1;
        bool isBit = false, endGiven = argc >= 5;
        if (argc >= 4 && argc <= 6)
        {
            if (!ctx.TryGetInt64OrReply(3, out start)) return;
            if (argc == 6 && !TryGetUnitOrReply(ctx, 5, out isBit)) return;
            if (endGiven && !ctx.TryGetInt64OrReply(4, out end)) return;
        }
        else if (argc != 3)
        {
            ctx.Reply.AddError(ErrorMessages.Syntax);
            return;
        }

        byte* entry = ctx.LookupReadOfType(ctx.Arg(1), DataType.String, out bool wrongType);
        if (wrongType) return;
        // A missing key is an endless run of zeros.
        if (entry == null)
        {
            ctx.Reply.AddInteger(bit == 1 ? -1 : 0);
            return;
        }
        Span<byte> scratch = stackalloc byte[24];
        ReadOnlySpan<byte> value = ValueOf(entry, scratch);
        if (!endGiven) end = value.Length - 1;
                if (!ToBitRange(start, end, isBit, value.Length, out long startBit, out long endBit))
        {
            ctx.Reply.AddInteger(-1);
            return;
        }
        long position = FindBit(value, startBit, endBit, (int)bit);
        // Without an explicit end, the string continues with zeros after its last byte.
        if (position < 0 && bit == 0 && !endGiven) position = endBit + 1;
        ctx.Reply.AddInteger(position);
    }

    /// <summary>The first bit equal to <paramref name="bit"/> in the inclusive bit range, or -1.</summary>
    private static long FindBit(ReadOnlySpan<byte> value, long startBit, long endBit, int bit)
    {
        int firstByte = (int)(startBit >> 3), lastByte = (int)(endBit >> 3);
        uint flip = bit == 1 ? 0u : 0xFFu;
        uint headMask = 0xFFu >> (int)(startBit & 7);
        uint tailMask = (0xFF00u >> (int)((endBit & 7) + 1)) & 0xFF;
        // Bits equal to 'bit' become ones; bits outside the range are masked out.
        uint head = (value[firstByte] ^ flip) & headMask;
        if (firstByte == lastByte) head &= tailMask;
        if (head != 0) return firstByte * 8L + BitKernels.LeadingZeros8(head);
        if (firstByte == lastByte) return -1;

        ReadOnlySpan<byte> middle = value[(firstByte + 1)..lastByte];
        int index = BitKernels.IndexOfFirstNot(middle, (byte)flip);
        if (index >= 0) return (firstByte + 1L + index) * 8 + BitKernels.LeadingZeros8(middle[index] ^ flip);

        uint tail = (value[lastByte] ^ flip) & tailMask;
        return tail != 0 ? lastByte * 8L + BitKernels.LeadingZeros8(tail) : -1;
    }

    // ---- BITOP -------------------------------------------------------------------------------------------

    /// <summary>
    /// BITOP op destkey key [key ...]: the result, as long as the longest source (shorter ones
    /// and missing keys read as zeros), is computed into a new raw block and installed as the
    /// destination's value (TTL dropped); an empty result deletes the destination.
    /// </summary>
    private static void BitOp(CommandContext ctx)
    {
        BitwiseOp op;
        if (ctx.ArgIs(1, "and"u8)) op = BitwiseOp.And;
        else if (ctx.ArgIs(1, "or"u8)) op = BitwiseOp.Or;
        else if (ctx.ArgIs(1, "xor"u8)) op = BitwiseOp.Xor;
        else if (ctx.ArgIs(1, "not"u8)) op = BitwiseOp.Not;
        else
        {
            ctx.Reply.AddError(ErrorMessages.Syntax);
            return;
        }
        int argc = ctx.ArgCount;
        if (op == BitwiseOp.Not && argc != 4)
        {
            ctx.Reply.AddError(ErrorMessages.BitopNotSingleKey);
            return;
        }

        // First pass: look every source up once (hits, misses, lazy expiry), check types, find the length.
        Database db = ctx.Db;
        long maxLength = 0;
        for (int j = 3; j < argc; j++)
        {
            byte* entry = db.LookupRead(ctx.Arg(j));
            if (entry == null) continue;
            ValueHeader* h = Database.Header(entry);
            if (h->Type != DataType.String)
            {
                ctx.Reply.AddError(ErrorMessages.WrongType);
                return;
            }
            maxLength = Math.Max(maxLength, StringValue.Length(h));
        }

        ReadOnlySpan<byte> destKey = ctx.Arg(2);
        if (maxLength == 0)
        {
            if (db.Delete(destKey))
            {
                ctx.KeyChanged(NotifyClass.Generic, "del", destKey);
                ctx.MarkDirty();
            }
            ctx.Reply.AddInteger(0);
            return;
        }

        int length = (int)maxLength;
        byte* block = ReusableDestinationBlock(ctx, destKey, length);
        if (block == null) block = ctx.Arena.Alloc((nuint)length);
        var result = new Span<byte>(block, length);
        Span<byte> scratch = stackalloc byte[24];
        // Bytes of 'result' from here on are zero already (AND with a shorter source).
        int zeroFrom = length;
        for (int j = 3; j < argc; j++)
        {
            ReadOnlySpan<byte> source = ValueOf(db.Lookup(ctx.Arg(j), LookupFlags.NoStats | LookupFlags.NoTouch), scratch);
            if (j == 3)
            {
                source.CopyTo(result);
                result[source.Length..].Clear();
                if (op == BitwiseOp.Not) BitKernels.Not(result);
                else if (op == BitwiseOp.And) zeroFrom = source.Length;
                continue;
            }
            if (op == BitwiseOp.And)
            {
                int common = Math.Min(source.Length, zeroFrom);
                BitKernels.Apply(BitwiseOp.And, result[..common], source);
                result[common..zeroFrom].Clear();
                zeroFrom = common;
            }
            else
            {
                BitKernels.Apply(op, result[..source.Length], source);
            }
        }

        StoreRawString(ctx, destKey, block, length);
        ctx.KeyChanged(NotifyClass.String, "set", destKey);
        ctx.MarkDirty();
        ctx.Reply.AddInteger(length);
    }

    /// <summary>
    /// The destination's own raw block, for a result too large for the arena's small classes, when a
    /// new block would be the same number of pages (so memory use is the same as with a new one) and
    /// the destination is not also a source. Repeated BITOPs into one key then touch no new pages:
    /// a new large block is a fresh mapping, which costs a page fault per 4 KB written.
    /// </summary>
    private static byte* ReusableDestinationBlock(CommandContext ctx, ReadOnlySpan<byte> destKey, int length)
    {
        if (length <= Arena.MaxSmallSize) return null;
        for (int j = 3; j < ctx.ArgCount; j++)
        {
            if (ctx.Arg(j).SequenceEqual(destKey)) return null;
        }
        byte* entry = ctx.Db.LookupWrite(destKey);
        if (entry == null) return null;
        ValueHeader* h = Database.Header(entry);
        if (h->Type != DataType.String || h->Encoding != ValueEncoding.Raw) return null;
        byte* block = ValueHeader.PointerAt(h);
        return ctx.Arena.UsableSize(block) == OsMemory.RoundUpToPage((nuint)length) ? block : null;
    }

    /// <summary>
    /// Valkey's setKey with a new raw string object: <paramref name="block"/> (arena memory, now owned
    /// by the key) becomes the value of <paramref name="key"/>, replacing any value of any type; the TTL goes.
    /// The block may be the key's current one (<see cref="ReusableDestinationBlock"/>).
    /// </summary>
    private static void StoreRawString(CommandContext ctx, ReadOnlySpan<byte> key, byte* block, int length)
    {
        Database db = ctx.Db;
        byte* entry = db.LookupWrite(key);
        if (entry == null)
        {
            entry = db.Add(key, DataType.String, ValueEncoding.Raw, sizeof(byte*));
        }
        else if (Database.Header(entry)->Encoding == ValueEncoding.Raw && Database.Header(entry)->Type == DataType.String &&
            ValueHeader.PointerAt(Database.Header(entry)) == block)
        {
            db.RemoveExpire(entry);
        }
        else
        {
            ValueHeader* old = Database.Header(entry);
            if (old->Type != DataType.String) db.SignalDeletedKeyAsReady(key, old->Type);
            db.RemoveExpire(entry);
            ValueMemory.Free(ctx.Keyspace, old);
            entry = db.ResizeData(entry, sizeof(byte*));
        }
        ValueHeader* h = Database.Header(entry);
        h->Type = DataType.String;
        h->Encoding = ValueEncoding.Raw;
        h->Length = length;
        // An overwrite keeps LFU data and refreshes the LRU clock (Keyspace.Access).
        h->AccessClock = ctx.Keyspace.Access.Overwritten(h->AccessClock, ctx.Keyspace);
        ValueHeader.SetPointer(h, block);
    }

    // ---- BITFIELD / BITFIELD_RO --------------------------------------------------------------------------

    private enum Overflow { Wrap, Sat, Fail }

    private enum FieldOp { Get, Set, IncrBy }

    /// <summary>One parsed subcommand; <see cref="TryParseFieldOp"/> fills it.</summary>
    private struct FieldOperation
    {
        public FieldOp Op;
        public bool Signed;
        public int Bits;
        public long Offset;
        public long Value;
        /// <summary>Arguments the subcommand took, its name included.</summary>
        public int Width;
    }

    private static void BitField(CommandContext ctx) => BitFieldGeneric(ctx, readOnlyCommand: false);

    private static void BitFieldRo(CommandContext ctx) => BitFieldGeneric(ctx, readOnlyCommand: true);

    /// <summary>
    /// BITFIELD key [GET type offset] [[OVERFLOW WRAP|SAT|FAIL] SET type offset value | INCRBY type offset increment] ...
    /// The arguments are parsed twice: once to validate everything and find the furthest bit written
    /// (no reply is started before every error is known), then again while executing in order.
    /// </summary>
    private static void BitFieldGeneric(CommandContext ctx, bool readOnlyCommand)
    {
        int argc = ctx.ArgCount;
        bool readOnly = true;
        long highestWrite = 0;
        int count = 0;
        for (int j = 2; j < argc; j++)
        {
            if (ctx.ArgIs(j, "overflow"u8) && argc - j - 1 >= 1)
            {
                if (!TryParseOverflow(ctx, j + 1, out _))
                {
                    ctx.Reply.AddError(ErrorMessages.BitfieldInvalidOverflow);
                    return;
                }
                j++;
                continue;
            }
            if (!TryParseFieldOp(ctx, j, out FieldOperation field)) return;
            if (field.Op != FieldOp.Get)
            {
                readOnly = false;
                highestWrite = Math.Max(highestWrite, field.Offset + field.Bits - 1);
            }
            count++;
            j += field.Width - 1;
        }

        byte* entry;
        byte* data = null;
        bool grown = false;
        if (readOnly)
        {
            entry = ctx.LookupReadOfType(ctx.Arg(1), DataType.String, out bool wrongType);
            if (wrongType) return;
        }
        else
        {
            if (readOnlyCommand)
            {
                ctx.Reply.AddError(ErrorMessages.BitfieldRoOnlyGet);
                return;
            }
            entry = LookupStringForBitWrite(ctx, highestWrite, out grown, out data);
            if (entry == null) return;
        }

        Span<byte> scratch = stackalloc byte[24];
        ReadOnlySpan<byte> value = data != null ? new ReadOnlySpan<byte>(data, Database.Header(entry)->Length) : ValueOf(entry, scratch);
        var reply = ctx.Reply;
        reply.AddArrayLength(count);
        long changes = 0;
        Overflow overflow = Overflow.Wrap;
        for (int j = 2; j < argc; j++)
        {
            if (ctx.ArgIs(j, "overflow"u8))
            {
                TryParseOverflow(ctx, j + 1, out overflow);
                j++;
                continue;
            }
            TryParseFieldOp(ctx, j, out FieldOperation field);
            j += field.Width - 1;
            if (field.Op == FieldOp.Get)
            {
                ulong raw = ReadField(value, field.Offset, field.Bits);
                reply.AddInteger(field.Signed ? SignExtend(raw, field.Bits) : (long)raw);
                continue;
            }

            ulong old = ReadField(value, field.Offset, field.Bits);
            bool overflowed;
            ulong stored;
            long replyValue;
            if (field.Signed)
            {
                long oldValue = SignExtend(old, field.Bits);
                long newValue;
                if (field.Op == FieldOp.IncrBy)
                {
                    overflowed = CheckSignedOverflow(oldValue, field.Value, field.Bits, overflow, out long limit);
                    newValue = overflowed ? limit : unchecked(oldValue + field.Value);
                    replyValue = newValue;
                }
                else
                {
                    overflowed = CheckSignedOverflow(field.Value, 0, field.Bits, overflow, out long limit);
                    newValue = overflowed ? limit : field.Value;
                    replyValue = oldValue;
                }
                stored = (ulong)newValue;
                if (!(overflowed && overflow == Overflow.Fail) && (grown || oldValue != newValue)) changes++;
            }
            else
            {
                ulong newValue;
                if (field.Op == FieldOp.IncrBy)
                {
                    overflowed = CheckUnsignedOverflow(old, field.Value, field.Bits, overflow, out ulong limit);
                    newValue = overflowed ? limit : unchecked(old + (ulong)field.Value);
                    replyValue = (long)newValue;
                }
                else
                {
                    overflowed = CheckUnsignedOverflow((ulong)field.Value, 0, field.Bits, overflow, out ulong limit);
                    newValue = overflowed ? limit : (ulong)field.Value;
                    replyValue = (long)old;
                }
                stored = newValue;
                if (!(overflowed && overflow == Overflow.Fail) && (grown || old != newValue)) changes++;
            }

            // OVERFLOW FAIL: nothing written, a null in the reply.
            if (overflowed && overflow == Overflow.Fail)
            {
                reply.AddNull();
                continue;
            }
            reply.AddInteger(replyValue);
            WriteField(data, field.Offset, field.Bits, stored);
        }

        if (changes > 0)
        {
            ctx.KeyChanged(NotifyClass.String, "setbit", ctx.Arg(1));
            ctx.MarkDirty(changes);
        }
    }

    private static bool TryParseOverflow(CommandContext ctx, int index, out Overflow overflow)
    {
        overflow = Overflow.Wrap;
        if (ctx.ArgIs(index, "wrap"u8)) return true;
        overflow = Overflow.Sat;
        if (ctx.ArgIs(index, "sat"u8)) return true;
        overflow = Overflow.Fail;
        return ctx.ArgIs(index, "fail"u8);
    }

    /// <summary>Parses GET/SET/INCRBY and its arguments at argv[<paramref name="j"/>]; false after replying the error.</summary>
    private static bool TryParseFieldOp(CommandContext ctx, int j, out FieldOperation field)
    {
        field = default;
        int remaining = ctx.ArgCount - j - 1;
        if (ctx.ArgIs(j, "get"u8) && remaining >= 2) field.Op = FieldOp.Get;
        else if (ctx.ArgIs(j, "set"u8) && remaining >= 3) field.Op = FieldOp.Set;
        else if (ctx.ArgIs(j, "incrby"u8) && remaining >= 3) field.Op = FieldOp.IncrBy;
        else
        {
            ctx.Reply.AddError(ErrorMessages.Syntax);
            return false;
        }
        field.Width = field.Op == FieldOp.Get ? 3 : 4;
        if (!TryParseFieldType(ctx.Arg(j + 1), out field.Signed, out field.Bits))
        {
            ctx.Reply.AddError(ErrorMessages.BitfieldInvalidType);
            return false;
        }
        if (!TryGetBitOffsetOrReply(ctx, j + 2, hashForm: true, field.Bits, out field.Offset)) return false;
        return field.Op == FieldOp.Get || ctx.TryGetInt64OrReply(j + 3, out field.Value);
    }

    /// <summary>getBitfieldTypeFromArgument: i1..i64 or u1..u63 (lowercase; the digits end at a NUL, as strlen).</summary>
    private static bool TryParseFieldType(ReadOnlySpan<byte> arg, out bool signed, out int bits)
    {
        signed = false;
        bits = 0;
        if (arg.IsEmpty || (arg[0] != (byte)'i' && arg[0] != (byte)'u')) return false;
        signed = arg[0] == (byte)'i';
        ReadOnlySpan<byte> digits = arg[1..];
        int nul = digits.IndexOf((byte)0);
        if (nul >= 0) digits = digits[..nul];
        if (!NumberParser.TryParseInt64(digits, out long n) || n < 1 || n > (signed ? 64 : 63)) return false;
        bits = (int)n;
        return true;
    }

    /// <summary>
    /// The <paramref name="bits"/>-bit field at bit <paramref name="offset"/>, most significant bit
    /// first; bytes past the end of <paramref name="value"/> read as zeros.
    /// </summary>
    private static ulong ReadField(ReadOnlySpan<byte> value, long offset, int bits)
    {
        Span<byte> window = stackalloc byte[16];
        window.Clear();
        long first = offset >> 3;
        if (first < value.Length) value.Slice((int)first, (int)Math.Min(9, value.Length - first)).CopyTo(window);
        UInt128 v = BinaryPrimitives.ReadUInt128BigEndian(window);
        return (ulong)((v << (int)(offset & 7)) >> (128 - bits));
    }

    /// <summary>Writes the low <paramref name="bits"/> bits of <paramref name="field"/> at bit <paramref name="offset"/> (the string is long enough).</summary>
    private static void WriteField(byte* data, long offset, int bits, ulong field)
    {
        int shift = (int)(offset & 7);
        int bytes = (shift + bits + 7) >> 3;
        var target = new Span<byte>(data + (offset >> 3), bytes);
        Span<byte> window = stackalloc byte[16];
        window.Clear();
        target.CopyTo(window);
        ulong low = ulong.MaxValue >> (64 - bits);
        int position = 128 - bits - shift;
        UInt128 mask = (UInt128)low << position;
        UInt128 v = BinaryPrimitives.ReadUInt128BigEndian(window);
        v = (v & ~mask) | ((UInt128)(field & low) << position);
        BinaryPrimitives.WriteUInt128BigEndian(window, v);
        window[..bytes].CopyTo(target);
    }

    private static long SignExtend(ulong raw, int bits) =>
        bits < 64 && (raw & (1UL << (bits - 1))) != 0 ? (long)(raw | (ulong.MaxValue << bits)) : (long)raw;

    /// <summary>
    /// checkUnsignedBitfieldOverflow: does <paramref name="value"/> + <paramref name="increment"/> leave
    /// 0..2^bits-1? If so, <paramref name="limit"/> is the wrapped (WRAP) or saturated (SAT) result.
    /// A SET value is checked with increment 0 after a cast to unsigned, so negative values overflow upwards.
    /// </summary>
    private static bool CheckUnsignedOverflow(ulong value, long increment, int bits, Overflow overflow, out ulong limit)
    {
        ulong max = (1UL << bits) - 1;
        long maxIncrement = unchecked((long)(max - value));
        long minIncrement = unchecked(-(long)value);
        limit = 0;
        bool up = value > max || (increment > 0 && increment > maxIncrement);
        if (!up && !(increment < 0 && increment < minIncrement)) return false;
        if (overflow == Overflow.Wrap) limit = unchecked(value + (ulong)increment) & max;
        else if (overflow == Overflow.Sat) limit = up ? max : 0;
        return true;
    }

    /// <summary>
    /// checkSignedBitfieldOverflow, with its exact conditions: the room left above the value is
    /// computed in unsigned arithmetic, so a SET value far below the minimum of a narrow type counts
    /// as an overflow upwards (SAT then stores the maximum), as in Valkey.
    /// </summary>
    private static bool CheckSignedOverflow(long value, long increment, int bits, Overflow overflow, out long limit)
    {
        long max = bits == 64 ? long.MaxValue : (1L << (bits - 1)) - 1;
        long min = -max - 1;
        long maxIncrement = unchecked((long)((ulong)max - (ulong)value));
        long minIncrement = unchecked(min - value);
        limit = 0;
        bool up = value > max || (bits != 64 && increment > maxIncrement) || (value >= 0 && increment > 0 && increment > maxIncrement);
        bool down = !up && (value < min || (bits != 64 && increment < minIncrement) || (value < 0 && increment < 0 && increment < minIncrement));
        if (!up && !down) return false;
        if (overflow == Overflow.Wrap)
        {
            ulong sum = unchecked((ulong)value + (ulong)increment);
            if (bits < 64)
            {
                ulong high = ulong.MaxValue << bits;
                sum = (sum & (1UL << (bits - 1))) != 0 ? sum | high : sum & ~high;
            }
            limit = (long)sum;
        }
        else if (overflow == Overflow.Sat)
        {
            limit = up ? max : min;
        }
        return true;
    }

    /// <summary>bitfieldGetKeys: the key is read-only unless a SET/INCRBY (or something unparsable) appears.</summary>
    private static void BitFieldKeys(CommandContext ctx, List<KeyReference> keys)
    {
        bool readOnly = true;
        int argc = ctx.ArgCount;
        for (int i = 2; i < argc; i++)
        {
            int remaining = argc - i - 1;
            if (ctx.ArgIs(i, "get"u8) && remaining >= 2) i += 2;
            else if (ctx.ArgIs(i, "overflow"u8) && remaining >= 1) i += 1;
            else
            {
                // SET/INCRBY, or a syntax error: safer to assume a write.
                readOnly = false;
                break;
            }
        }
        keys.Add(new KeyReference(1, readOnly ? RO | Access : RW | Access | Update));
    }
}
