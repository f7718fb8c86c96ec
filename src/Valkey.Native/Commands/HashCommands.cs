using Valkey.Native.Storage;

namespace Valkey.Native.Commands;

/// <summary>
/// Hash commands (Valkey's t_hash.c). This issue carries the basics the product session
/// needs; the rest of the family (HINCRBY, HSCAN, field TTLs...) comes with the collections issue.
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
        long created = 0;
        for (int i = 2; i < ctx.ArgCount; i += 2)
        {
            if (HashValue.Set(ctx.Keyspace, header, ctx.Arg(i), ctx.Arg(i + 1), config.HashMaxListpackEntries, config.HashMaxListpackValue))
                created++;
        }
        ctx.KeyChanged(NotifyClass.Hash, "hset", key);
        ctx.MarkDirty((ctx.ArgCount - 2) / 2);
        if (replyOk) ctx.Reply.AddOk();
        else ctx.Reply.AddInteger(created);
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
        ctx.Reply.AddMapLength(HashValue.Count(ctx.Keyspace, header));
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
        long deleted = 0;
        bool keyRemoved = false;
        for (int i = 2; i < ctx.ArgCount; i++)
        {
            if (!HashValue.Delete(ctx.Keyspace, header, ctx.Arg(i))) continue;
            deleted++;
            if (HashValue.Count(ctx.Keyspace, header) == 0)
            {
                ctx.Db.DeleteEntry(entry);
                keyRemoved = true;
                break;
            }
        }
        if (deleted > 0)
        {
            ctx.KeyChanged(NotifyClass.Hash, "hdel", key);
            if (keyRemoved) ctx.Server.Notify(NotifyClass.Generic, "del", key, ctx.Db.Id);
            ctx.MarkDirty(deleted);
        }
        ctx.Reply.AddInteger(deleted);
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
}
