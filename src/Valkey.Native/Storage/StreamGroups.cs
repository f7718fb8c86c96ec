namespace Valkey.Native.Storage;

/// <summary>A consumer of a group: its name, times and its own PEL (nodes pointing at the group's NACKs).</summary>
public sealed unsafe class StreamConsumer
{
    public readonly byte[] Name;
    /// <summary>Index in the group's consumer table; group PEL nodes store it as their owner.</summary>
    public readonly int Id;
    /// <summary>Last time the consumer was seen by a command (XREADGROUP, XCLAIM, XAUTOCLAIM), Unix ms.</summary>
    public long SeenTime;
    /// <summary>Last successful read or claim, Unix ms; -1 until it has one.</summary>
    public long ActiveTime = -1;
    public PelList* Pel;

    public StreamConsumer(byte[] name, int id, PelList* pel)
    {
        Name = name;
        Id = id;
        Pel = pel;
    }

    public long PendingCount => Pel->Count;
}

/// <summary>
/// A consumer group (Valkey's streamCG): last delivered ID, entries-read counter (-1 when
/// invalid), the group PEL holding the NACKs and the consumers sorted by name (rax order).
/// </summary>
public sealed unsafe class StreamConsumerGroup
{
    public const long InvalidEntriesRead = -1;

    public readonly byte[] Name;
    public StreamId LastId;
    public long EntriesRead;
    public PelList* Pel;
    /// <summary>Sorted by name (byte order, as Valkey's rax iterates).</summary>
    public readonly List<StreamConsumer> Consumers = new();
    private readonly List<StreamConsumer?> _byId = new();
    private readonly Stack<int> _freeIds = new();

    public StreamConsumerGroup(byte[] name, StreamId lastId, long entriesRead, PelList* pel)
    {
        Name = name;
        LastId = lastId;
        EntriesRead = entriesRead;
        Pel = pel;
    }

    public StreamConsumer ConsumerById(int id) => _byId[id]!;

    public StreamConsumer? FindConsumer(ReadOnlySpan<byte> name)
    {
        int i = IndexOf(name);
        return i >= 0 ? Consumers[i] : null;
    }

    private int IndexOf(ReadOnlySpan<byte> name)
    {
        int lo = 0, hi = Consumers.Count - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            int c = Consumers[mid].Name.AsSpan().SequenceCompareTo(name);
            if (c == 0) return mid;
            if (c < 0) lo = mid + 1;
            else hi = mid - 1;
        }
        return ~lo;
    }

    /// <summary>Creates the consumer; null if one with that name exists.</summary>
    public StreamConsumer? CreateConsumer(Arena arena, ReadOnlySpan<byte> name, long nowMs)
    {
        int i = IndexOf(name);
        if (i >= 0) return null;
        int id = _freeIds.Count > 0 ? _freeIds.Pop() : _byId.Count;
        var consumer = new StreamConsumer(name.ToArray(), id, PelList.Create(arena)) { SeenTime = nowMs };
        if (id == _byId.Count) _byId.Add(consumer);
        else _byId[id] = consumer;
        Consumers.Insert(~i, consumer);
        return consumer;
    }

    /// <summary>Deletes the consumer and its pending entries from the group PEL; returns how many it had.</summary>
    public long DeleteConsumer(Arena arena, StreamConsumer consumer)
    {
        long pending = consumer.Pel->Count;
        for (PelNode* n = PelList.First(consumer.Pel); n != null; n = PelNode.Next(n))
        {
            PelList.Delete(arena, Pel, n->Id);
        }
        PelList.Free(arena, consumer.Pel);
        consumer.Pel = null;
        Consumers.RemoveAt(IndexOf(consumer.Name));
        _byId[consumer.Id] = null;
        _freeIds.Push(consumer.Id);
        return pending;
    }

    /// <summary>
    /// Adds (or finds) the NACK for <paramref name="id"/> in the group PEL, fresh NACKs unowned
    /// with count 0. <paramref name="inserted"/> tells which.
    /// </summary>
    public PelNode* AddNack(Arena arena, StreamId id, out bool inserted) => PelList.Insert(arena, Pel, id, out inserted);

    /// <summary>Gives the NACK to <paramref name="consumer"/>, moving it from its previous owner's PEL.</summary>
    public void SetOwner(Arena arena, PelNode* nack, StreamConsumer consumer)
    {
        if (nack->ConsumerId == consumer.Id) return;
        if (nack->ConsumerId >= 0) PelList.Delete(arena, ConsumerById(nack->ConsumerId).Pel, nack->Id);
        PelNode* link = PelList.Insert(arena, consumer.Pel, nack->Id, out _);
        link->Nack = nack;
        nack->ConsumerId = consumer.Id;
    }

    /// <summary>Removes the NACK of <paramref name="id"/> from the group and its owner; false if not pending.</summary>
    public bool RemoveNack(Arena arena, StreamId id)
    {
        PelNode* nack = PelList.Find(Pel, id);
        if (nack == null) return false;
        if (nack->ConsumerId >= 0) PelList.Delete(arena, ConsumerById(nack->ConsumerId).Pel, id);
        PelList.Delete(arena, Pel, id);
        return true;
    }

    // ---- RDB loading (RESTORE / DEBUG RELOAD): the group PEL first, then each consumer's IDs ----

    /// <summary>Adds a saved NACK (still unowned); false if the ID is already pending (corrupt input).</summary>
    public bool LoadNack(Arena arena, StreamId id, long deliveryTime, long deliveryCount)
    {
        PelNode* nack = PelList.Insert(arena, Pel, id, out bool inserted);
        if (!inserted) return false;
        nack->DeliveryTime = deliveryTime;
        nack->DeliveryCount = deliveryCount;
        return true;
    }

    /// <summary>
    /// Gives the loaded NACK <paramref name="id"/> to <paramref name="consumer"/>; false if the
    /// group PEL has no such NACK or it already has an owner (corrupt input).
    /// </summary>
    public bool LoadConsumerPending(Arena arena, StreamConsumer consumer, StreamId id)
    {
        PelNode* nack = PelList.Find(Pel, id);
        if (nack == null || nack->ConsumerId >= 0) return false;
        SetOwner(arena, nack, consumer);
        return true;
    }

    /// <summary>After loading: every NACK has an owner (Valkey rejects a payload where one has none).</summary>
    public bool EveryNackOwned()
    {
        long owned = 0;
        foreach (var consumer in Consumers) owned += consumer.Pel->Count;
        return owned == Pel->Count;
    }

    internal void FreeAll(Arena arena)
    {
        foreach (var consumer in Consumers)
        {
            if (consumer.Pel != null) PelList.Free(arena, consumer.Pel);
            consumer.Pel = null;
        }
        if (Pel != null) PelList.Free(arena, Pel);
        Pel = null;
    }

    internal long ArenaBytes()
    {
        long bytes = Pel->Bytes;
        foreach (var consumer in Consumers) bytes += consumer.Pel->Bytes;
        return bytes;
    }

    internal long ManagedBytes()
    {
        // Rough object sizes: the group object and its lists, each consumer object and name.
        long bytes = 96 + Name.Length + 24 + 8L * (_byId.Count + Consumers.Count);
        foreach (var consumer in Consumers) bytes += 64 + consumer.Name.Length + 24;
        return bytes;
    }

    internal StreamConsumerGroup Clone(Arena arena)
    {
        var copy = new StreamConsumerGroup(Name, LastId, EntriesRead, PelList.Create(arena));
        for (PelNode* n = PelList.First(Pel); n != null; n = PelNode.Next(n))
        {
            PelNode* c = PelList.Insert(arena, copy.Pel, n->Id, out _);
            c->DeliveryTime = n->DeliveryTime;
            c->DeliveryCount = n->DeliveryCount;
        }
        foreach (var consumer in Consumers)
        {
            var twin = copy.CreateConsumer(arena, consumer.Name, consumer.SeenTime)!;
            twin.ActiveTime = consumer.ActiveTime;
            for (PelNode* n = PelList.First(consumer.Pel); n != null; n = PelNode.Next(n))
            {
                copy.SetOwner(arena, PelList.Find(copy.Pel, n->Id), twin);
            }
        }
        return copy;
    }
}

/// <summary>The consumer groups of one stream, sorted by name (rax order).</summary>
public sealed class StreamGroupSet
{
    public readonly List<StreamConsumerGroup> Groups = new();

    public StreamConsumerGroup? Find(ReadOnlySpan<byte> name)
    {
        int i = IndexOf(name);
        return i >= 0 ? Groups[i] : null;
    }

    public int IndexOf(ReadOnlySpan<byte> name)
    {
        int lo = 0, hi = Groups.Count - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            int c = Groups[mid].Name.AsSpan().SequenceCompareTo(name);
            if (c == 0) return mid;
            if (c < 0) lo = mid + 1;
            else hi = mid - 1;
        }
        return ~lo;
    }
}

/// <summary>
/// The consumer groups of a stream, referenced from the stream's metadata by an opaque 64-bit
/// reference: the <see cref="ObjectHandles"/> handle of its <see cref="StreamGroupSet"/> plus
/// one; 0 means "no groups". The PELs live in the arena; the group and consumer records are
/// small managed objects (one per group or consumer, never per pending entry).
/// </summary>
/// <remarks>
/// The stream value calls <see cref="Free"/>, <see cref="Clone"/> and <see cref="MemoryBytes"/>
/// when it is freed (possibly on the lazy-free thread: only the arena and the handles are
/// touched here), copied (COPY) or measured (MEMORY USAGE).
/// </remarks>
public static class StreamGroups
{
    public static StreamGroupSet? Get(Keyspace keyspace, long groupsRef) =>
        groupsRef == 0 ? null : keyspace.Handles.Get<StreamGroupSet>((int)(groupsRef - 1));

    /// <summary>A new empty set of groups; store the returned reference in the stream.</summary>
    public static long CreateSet(Keyspace keyspace, out StreamGroupSet set)
    {
        set = new StreamGroupSet();
        return keyspace.Handles.Add(set) + 1L;
    }

    /// <summary>Creates a group; null if the name is taken.</summary>
    public static StreamConsumerGroup? CreateGroup(Keyspace keyspace, StreamGroupSet set, ReadOnlySpan<byte> name, StreamId lastId, long entriesRead)
    {
        int i = set.IndexOf(name);
        if (i >= 0) return null;
        StreamConsumerGroup group;
        unsafe
        {
            group = new StreamConsumerGroup(name.ToArray(), lastId, entriesRead, PelList.Create(keyspace.Arena));
        }
        set.Groups.Insert(~i, group);
        return group;
    }

    /// <summary>Destroys a group and frees its PELs; false if there is no such group.</summary>
    public static bool DestroyGroup(Keyspace keyspace, StreamGroupSet set, ReadOnlySpan<byte> name)
    {
        int i = set.IndexOf(name);
        if (i < 0) return false;
        set.Groups[i].FreeAll(keyspace.Arena);
        set.Groups.RemoveAt(i);
        return true;
    }

    public static void Free(Keyspace keyspace, long groupsRef)
    {
        if (groupsRef == 0) return;
        var set = Get(keyspace, groupsRef)!;
        foreach (var group in set.Groups) group.FreeAll(keyspace.Arena);
        set.Groups.Clear();
        keyspace.Handles.Remove((int)(groupsRef - 1));
    }

    public static long Clone(Keyspace keyspace, long groupsRef)
    {
        if (groupsRef == 0) return 0;
        var set = Get(keyspace, groupsRef)!;
        long copyRef = CreateSet(keyspace, out var copy);
        foreach (var group in set.Groups) copy.Groups.Add(group.Clone(keyspace.Arena));
        return copyRef;
    }

    public static long MemoryBytes(Keyspace keyspace, long groupsRef)
    {
        if (groupsRef == 0) return 0;
        var set = Get(keyspace, groupsRef)!;
        long bytes = 48 + 8L * set.Groups.Count;
        foreach (var group in set.Groups) bytes += group.ArenaBytes() + group.ManagedBytes();
        return bytes;
    }

    /// <summary>
    /// Lazy-free effort of the groups (Valkey's lazyfreeGetFreeEffort counts PEL entries too): one
    /// allocation per group, consumer and PEL node, so a stream with a huge PEL is freed in the background.
    /// </summary>
    public static unsafe long FreeEffort(Keyspace keyspace, long groupsRef)
    {
        if (groupsRef == 0) return 0;
        long effort = 0;
        foreach (var group in Get(keyspace, groupsRef)!.Groups)
        {
            effort += 1 + group.Pel->Count + group.Consumers.Count;
            foreach (var consumer in group.Consumers) effort += consumer.Pel->Count;
        }
        return effort;
    }

    /// <summary>Number of groups (XINFO STREAM "groups").</summary>
    public static long Count(Keyspace keyspace, long groupsRef) => groupsRef == 0 ? 0 : Get(keyspace, groupsRef)!.Groups.Count;
}
