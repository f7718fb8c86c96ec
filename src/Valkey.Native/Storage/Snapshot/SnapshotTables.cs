using Valkey.Native.Persistence;

namespace Valkey.Native.Storage.Snapshot;

/// <summary>
/// The nested key tables (hashtable-encoded sets and hashes, sorted sets' member tables) as they
/// were when a snapshot began: handle → bucket arrays and sizes. Their KeyTable objects are
/// managed and keep changing (resizes, rehash steps, handles freed and reused), so BGSAVE must
/// resolve handles through this capture, never through the live <see cref="ObjectHandles"/>.
/// </summary>
public sealed class SnapshotTables : ICapturedTables
{
    private readonly Dictionary<int, KeyTableRoot> _tables;
    // Streams' consumer groups (managed records around arena PELs): see CapturedStreamGroups for why at Begin.
    private readonly Dictionary<int, CapturedStreamGroups> _streamGroups;

    private SnapshotTables(Dictionary<int, KeyTableRoot> tables, Dictionary<int, CapturedStreamGroups> streamGroups)
    {
        _tables = tables;
        _streamGroups = streamGroups;
    }

    /// <summary>Number of tables captured.</summary>
    public int Count => _tables.Count;

    /// <summary>Captures every KeyTable behind a handle. Command thread, same pause as <see cref="CowSnapshot.Begin"/>.</summary>
    public static SnapshotTables Capture(ObjectHandles handles)
    {
        var tables = new Dictionary<int, KeyTableRoot>();
        var streamGroups = new Dictionary<int, CapturedStreamGroups>();
        handles.ForEach((handle, value) =>
        {
            if (value is KeyTable table) tables[handle] = table.CaptureRoot();
            else if (value is StreamGroupSet groups) streamGroups[handle] = CapturedStreamGroups.Capture(groups);
        });
        return new SnapshotTables(tables, streamGroups);
    }

    public KeyTableRoot Table(int handle) =>
        _tables.TryGetValue(handle, out var root)
            ? root
            : throw new InvalidOperationException($"snapshot: handle {handle} held no key table when the snapshot began");

    public CapturedStreamGroups? StreamGroups(int handle) => _streamGroups.GetValueOrDefault(handle);
}
