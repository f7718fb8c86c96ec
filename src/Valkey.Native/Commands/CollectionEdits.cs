using Valkey.Native.Storage;

namespace Valkey.Native.Commands;

/// <summary>How a collection type removes one element and counts what is left.</summary>
public unsafe interface IElementRemover
{
    static abstract bool Remove(Keyspace keyspace, ValueHeader* header, ReadOnlySpan<byte> element);
    static abstract long Count(Keyspace keyspace, ValueHeader* header);
}

/// <summary>Edits several collection commands share (one routine, the type supplied as a generic).</summary>
public static unsafe class CollectionEdits
{
    /// <summary>
    /// HDEL / SREM: removes arguments 2.. from the collection at argument 1, deletes the key when
    /// it empties ("del" after the type's event, as Valkey), and replies the number removed.
    /// </summary>
    public static void RemoveElements<TRemover>(CommandContext ctx, DataType type, NotifyClass notifyClass, string eventName)
        where TRemover : IElementRemover
    {
        var key = ctx.Arg(1);
        byte* entry = ctx.LookupWriteOfType(key, type, out bool wrongType);
        if (wrongType) return;
        if (entry == null)
        {
            ctx.Reply.AddInteger(0);
            return;
        }
        ValueHeader* header = Database.Header(entry);
        long removed = 0;
        bool keyRemoved = false;
        for (int i = 2; i < ctx.ArgCount; i++)
        {
            if (!TRemover.Remove(ctx.Keyspace, header, ctx.Arg(i))) continue;
            removed++;
            if (TRemover.Count(ctx.Keyspace, header) == 0)
            {
                ctx.Db.DeleteEntry(entry);
                keyRemoved = true;
                break;
            }
        }
        if (removed > 0)
        {
            ctx.KeyChanged(notifyClass, eventName, key);
            if (keyRemoved) ctx.Server.Notify(NotifyClass.Generic, "del", key, ctx.Db.Id);
            ctx.MarkDirty(removed);
        }
        ctx.Reply.AddInteger(removed);
    }
}
