using Valkey.Native.Storage;

namespace Valkey.Native.Persistence;

/// <summary>One consumer as the RDB writer needs it: name, times and the address of its PEL (arena memory).</summary>
public readonly unsafe struct CapturedConsumer(byte[] name, long seenTime, long activeTime, PelList* pel)
{
    public byte[] Name { get; } = name;
    public long SeenTime { get; } = seenTime;
    public long ActiveTime { get; } = activeTime;
    public PelList* Pel { get; } = pel;
}

/// <summary>One consumer group as the RDB writer needs it; <see cref="Pel"/> is arena memory, read through the view.</summary>
public readonly unsafe struct CapturedGroup(byte[] name, StreamId lastId, long entriesRead, PelList* pel, CapturedConsumer[] consumers)
{
    public byte[] Name { get; } = name;
    public StreamId LastId { get; } = lastId;
    public long EntriesRead { get; } = entriesRead;
    public PelList* Pel { get; } = pel;
    public CapturedConsumer[] Consumers { get; } = consumers;
}

/// <summary>
/// The consumer groups of one stream frozen for a save: every managed field the writer reads
/// (group and consumer names, last-delivered ID, entries-read, seen/active times) copied by value,
/// and the PEL roots kept as arena addresses.
/// </summary>
/// <remarks>
/// <para>Why groups are captured at snapshot Begin rather than cloned lazily before their first
/// mutation: the group and consumer records are managed objects, which the copy-on-write snapshot
/// does not version, and they are mutated from many command paths (XREADGROUP, XACK, XCLAIM,
/// XAUTOCLAIM, XGROUP *, XSETID, XTRIM, DEL...). A copy-before-write scheme would need a hook in
/// every one of them, and a missed one silently corrupts a file. Capturing costs one small record
/// per group and per consumer in Begin's pause (never per pending entry: the PELs are arena
/// skiplists, already frozen by the snapshot, and only their root addresses are recorded), which
/// is tiny next to the write-protection of the arena done in the same pause.</para>
/// <para>Names are shared, not copied: group and consumer names are arrays created once and never
/// written (there is no rename), so sharing them with the background writer is safe.</para>
/// </remarks>
public sealed class CapturedStreamGroups
{
    public required CapturedGroup[] Groups { get; init; }

    /// <summary>Copies what the writer needs of <paramref name="set"/>. Command thread (Begin's pause, or a foreground save).</summary>
    public static unsafe CapturedStreamGroups Capture(StreamGroupSet set)
    {
        var groups = new CapturedGroup[set.Groups.Count];
        for (int i = 0; i < groups.Length; i++)
        {
            var g = set.Groups[i];
            var consumers = new CapturedConsumer[g.Consumers.Count];
            for (int j = 0; j < consumers.Length; j++)
            {
                var c = g.Consumers[j];
                consumers[j] = new CapturedConsumer(c.Name, c.SeenTime, c.ActiveTime, c.Pel);
            }
            groups[i] = new CapturedGroup(g.Name, g.LastId, g.EntriesRead, g.Pel, consumers);
        }
        return new CapturedStreamGroups { Groups = groups };
    }
}
