using System.Buffers.Binary;
using Valkey.Native.Persistence;
using Valkey.Native.Storage;
using Valkey.Native.Util;
using static Valkey.Native.Commands.KeySpecFlags;

namespace Valkey.Native.Commands;

/// <summary>
/// DUMP and RESTORE (Valkey's cluster.c): the payload is one RDB object (type byte and value, as in
/// a file), then the RDB version (2 bytes, little endian) and the CRC64 of all that (8 bytes). The
/// version is 10 (Redis 7.0 and every Valkey accept it) unless the value needs Valkey 9's hash with
/// field TTLs (80).
/// </summary>
public static unsafe class DumpCommands
{
    public static readonly CommandSpec[] Commands =
    [
        new CommandSpec("dump", 2, CommandFlags.ReadOnly, AclCategories.Keyspace, Dump)
        {
            Group = "generic", Summary = "Returns a serialized representation of the value stored at a key.", Since = "2.6.0",
            Complexity = "O(1) to access the key and additional O(N*M) to serialize it, where N is the number of objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1).",
            KeySpecs = [KeySpec.Index(1, RO | Access)],
            Tips = ["nondeterministic_output"],
        },
        new CommandSpec("restore", -4, CommandFlags.Write | CommandFlags.DenyOom, AclCategories.Keyspace | AclCategories.Dangerous, Restore)
        {
            Group = "generic", Summary = "Creates a key from the serialized representation of a value.", Since = "2.6.0",
            Complexity = "O(1) to create the new key and additional O(N*M) to reconstruct the serialized value, where N is the number of objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1). However for sorted set values the complexity is O(N*M*log(N)) because inserting values into sorted sets is O(log(N)).",
            KeySpecs = [KeySpec.Index(1, OW | Update)],
            History = [("3.0.0", "Added the `REPLACE` modifier."), ("5.0.0", "Added the `ABSTTL` modifier."), ("5.0.0", "Added the `IDLETIME` and `FREQ` options.")],
        },
    ];

    private static void Dump(CommandContext ctx)
    {
        byte* entry = ctx.Db.LookupRead(ctx.Arg(1));
        if (entry == null)
        {
            ctx.Reply.AddNull();
            return;
        }
        byte[] payload;
        try
        {
            payload = CreatePayload(ctx.Server, entry);
        }
        catch (RdbFormatException e)
        {
            ctx.Reply.AddError("ERR " + e.Message);
            return;
        }
        ctx.Reply.AddBulk(payload);
    }

    /// <summary>createDumpPayload: the serialized value of <paramref name="entry"/>, version and CRC64.</summary>
    public static byte[] CreatePayload(Server.ServerContext server, byte* entry)
    {
        var ms = new MemoryStream();
        var output = new RdbOutput(ms, checksum: false, compress: server.Config.RdbCompression);
        var root = KeyspaceRoot.CaptureLive(server.Keyspace, server.Config.MaxMemoryPolicy, 0);
        using var writer = new RdbWriter<LiveMemoryView>(output, root, default);
        ValueHeader* h = Database.Header(entry);
        byte type = writer.TypeOf(*h);
        writer.WriteObject((byte*)h, *h, default, writeKey: false);
        output.Flush();
        int version = type == RdbConstants.TypeHash2 ? RdbConstants.FieldTtlVersion : RdbConstants.WriteVersion;
        Span<byte> footer = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(footer, (ushort)version);
        ms.Write(footer);
        ulong crc = Crc64.Compute(ms.GetBuffer().AsSpan(0, (int)ms.Length));
        Span<byte> crcBytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(crcBytes, crc);
        ms.Write(crcBytes);
        return ms.ToArray();
    }

    /// <summary>verifyDumpPayload: a known version and a matching CRC64. Returns the version or -1.</summary>
    public static int VerifyPayload(ReadOnlySpan<byte> p)
    {
        if (p.Length < 10) return -1;
        int version = BinaryPrimitives.ReadUInt16LittleEndian(p[^10..]);
        if (version > RdbConstants.MaxReadVersion || (version >= RdbConstants.ForeignVersionMin && version <= RdbConstants.ForeignVersionMax)) return -1;
        if (RdbLoader.SkipChecksumValidation) return version;
        ulong crc = Crc64.Compute(p[..^8]);
        return crc == BinaryPrimitives.ReadUInt64LittleEndian(p[^8..]) ? version : -1;
    }

    /// <summary>RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency].</summary>
    private static void Restore(CommandContext ctx)
    {
        bool replace = false, absTtl = false;
        long idle = -1, freq = -1;
        for (int j = 4; j < ctx.ArgCount; j++)
        {
            int additional = ctx.ArgCount - j - 1;
            if (ctx.ArgIs(j, "replace"u8)) replace = true;
            else if (ctx.ArgIs(j, "absttl"u8)) absTtl = true;
            else if (ctx.ArgIs(j, "idletime"u8) && additional >= 1 && freq == -1)
            {
                if (!ctx.TryGetInt64OrReply(j + 1, out idle)) return;
                if (idle < 0)
                {
                    ctx.Reply.AddError("ERR Invalid IDLETIME value, must be >= 0"u8);
                    return;
                }
                j++;
            }
            else if (ctx.ArgIs(j, "freq"u8) && additional >= 1 && idle == -1)
            {
                if (!ctx.TryGetInt64OrReply(j + 1, out freq)) return;
                if (freq < 0 || freq > 255)
                {
                    ctx.Reply.AddError("ERR Invalid FREQ value, must be >= 0 and <= 255"u8);
                    return;
                }
                j++;
            }
            else
            {
                ctx.Reply.AddError(ErrorMessages.Syntax);
                return;
            }
        }
        if (!ctx.TryGetInt64OrReply(2, out long ttl)) return;
        if (ttl < 0)
        {
            ctx.Reply.AddError("ERR Invalid TTL value, must be >= 0"u8);
            return;
        }
        var key = ctx.Arg(1);
        if (!replace && ctx.Db.LookupWrite(key) != null)
        {
            ctx.Reply.AddError("BUSYKEY Target key name already exists."u8);
            return;
        }
        var payload = ctx.Arg(3);
        int version = VerifyPayload(payload);
        if (version < 0)
        {
            ctx.Reply.AddError("ERR DUMP payload version or checksum are wrong"u8);
            return;
        }
        var value = new LoadedValue();
        try
        {
            fixed (byte* p = payload)
            {
                using var stream = new UnmanagedMemoryStream(p, payload.Length - 10);
                var input = new RdbInput(stream, payload.Length - 10);
                byte type = input.ReadByte();
                RdbLoader.ReadObject(input, type, version, value);
            }
        }
        catch (RdbFormatException e)
        {
            // rdbReportError in a RESTORE context: logged at verbose level, the client gets "Bad data format".
            ctx.Server.Log.Verbose($"Internal error in RDB reading offset 0, function at rdb.c:0 -> {e.Message}");
            ctx.Reply.AddError("ERR Bad data format"u8);
            return;
        }

        bool deleted = replace && ctx.Db.Delete(key);
        if (ttl > 0 && !absTtl) ttl += ctx.Keyspace.NowMs;
        if (ttl > 0 && ttl <= ctx.Keyspace.NowMs)
        {
            // Already expired: the key is not created (and a replaced one is gone).
            if (deleted)
            {
                ctx.KeyChanged(NotifyClass.Generic, "del", key);
                ctx.MarkDirty();
                ctx.RewriteArgs(2).Arg(ctx.Server.Config.LazyfreeLazyServerDel ? "UNLINK"u8 : "DEL"u8).Arg(key);
            }
            ctx.Reply.AddOk();
            return;
        }
        bool lfu = ctx.Server.Config.MaxMemoryPolicy.Contains("lfu", StringComparison.Ordinal);
        var options = ctx.Server.Persistence.LoadOptions(replaceExisting: true);
        byte* entry;
        try
        {
            entry = RdbLoader.Store(ctx.Db, key, value, ttl > 0 ? ttl : -1, lfu ? -1 : idle, lfu ? (int)freq : -1,
                // RESTORE keeps hash fields whose TTL has passed (Valkey loads them with now=0): active expiry reclaims them.
                options with { SkipExpired = false }, ctx.Keyspace.NowMs);
        }
        catch (RdbFormatException e)
        {
            // Consistency only checkable while building (stream groups): the half-built key goes away.
            ctx.Db.Delete(key);
            ctx.Server.Log.Verbose($"Internal error in RDB reading offset 0, function at rdb.c:0 -> {e.Message}");
            ctx.Reply.AddError("ERR Bad data format"u8);
            return;
        }
        if (entry != null) ctx.KeyChanged(NotifyClass.Generic, "restore", key);
        ctx.MarkDirty();
        if (ttl > 0 && !absTtl && ctx.Propagating)
        {
            // A relative TTL propagates as the absolute time with ABSTTL.
            int argc = ctx.ArgCount;
            ctx.RewriteArgs(argc + 1).Args(ctx, 0, 2).Arg(ttl).Args(ctx, 3, argc).Arg("ABSTTL"u8);
        }
        ctx.Reply.AddOk();
    }
}
