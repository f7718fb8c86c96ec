using System.Runtime.CompilerServices;
using Valkey.Native.Storage;

namespace Valkey.Native.Persistence;

/// <summary>
/// How the RDB writer reads arena memory. The writer never dereferences an arena pointer itself:
/// every key entry, value block, list node and skiplist node it visits is read through this view,
/// so a snapshot engine can serve a point-in-time copy (copy-on-write pages) while the command
/// thread keeps mutating the live arena. Implementations are structs used as generic parameters
/// (<c>where TView : struct, IMemoryView</c>), so the live view compiles down to plain loads.
/// </summary>
/// <remarks>
/// Contract: <see cref="Read"/> returns <paramref name="length"/> bytes as they were at snapshot time.
/// It may return a span over the memory itself (live view) or copy into <paramref name="scratch"/>
/// (which is then at least <paramref name="length"/> bytes long) and return that; the span is only
/// valid until <paramref name="scratch"/> is reused. Callers pin the result (fixed) to parse it with
/// the storage classes' pointer-based decoders.
/// </remarks>
public unsafe interface IMemoryView
{
    ReadOnlySpan<byte> Read(byte* address, int length, Span<byte> scratch);

    T ReadStruct<T>(byte* address) where T : unmanaged;
}

/// <summary>Decoders the writers (RDB, AOF base) share for value layouts they read through a view.</summary>
public static unsafe class ViewLayouts
{
    /// <summary>
    /// Where the value of one hashtable-hash field lies: HashValue's payload is
    /// <c>[varint length &lt;&lt; 1][value]</c>, or with a TTL <c>[int length &lt;&lt; 1 | 1][int heap slot][long expireAtMs][value]</c>.
    /// Returns the field's expiry in Unix ms, or -1.
    /// </summary>
    public static long HashFieldValue<TView>(ref TView view, byte* payload, out int offset, out int length) where TView : struct, IMemoryView
    {
        byte first = view.ReadStruct<byte>(payload);
        if ((first & 1) != 0)
        {
            length = (int)(view.ReadStruct<uint>(payload) >> 1);
            offset = 16;
            return view.ReadStruct<long>(payload + 8);
        }
        uint x = 0;
        int bits = 0, p = 0;
        byte b;
        do
        {
            b = view.ReadStruct<byte>(payload + p++);
            x |= (uint)(b & 0x7F) << bits;
            bits += 7;
        } while ((b & 0x80) != 0 && p < 5);
        length = (int)(x >> 1);
        offset = p;
        return -1;
    }
}

/// <summary>The zero-cost view of the live arena (SAVE, DUMP, DEBUG RELOAD on the command thread).</summary>
public unsafe struct LiveMemoryView : IMemoryView
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly ReadOnlySpan<byte> Read(byte* address, int length, Span<byte> scratch) => new(address, length);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly T ReadStruct<T>(byte* address) where T : unmanaged => Unsafe.ReadUnaligned<T>(address);
}

/// <summary>
/// The bucket arrays of one <see cref="KeyTable"/> at capture time: enough to visit every entry
/// (both tables while a rehash is in progress; buckets already moved are null in table 0).
/// The arrays and the entries themselves are arena memory and are read through the view.
/// </summary>
public readonly unsafe struct KeyTableRoot(byte** table0, long size0, byte** table1, long size1, long count)
{
    public byte** Table0 { get; } = table0;
    public long Size0 { get; } = size0;
    public byte** Table1 { get; } = table1;
    public long Size1 { get; } = size1;
    public long Count { get; } = count;
}

/// <summary>One database at capture time.</summary>
public readonly record struct DatabaseRoot(int Id, KeyTableRoot Keys, long VolatileCount);

/// <summary>
/// Managed state the writer needs besides arena memory: the KeyTables of hashtable-encoded sets
/// and hashes and of sorted sets' member tables are managed objects referenced by handle from arena
/// values. A snapshot engine captures them (handle → <see cref="KeyTableRoot"/>) when the snapshot
/// starts, because a handle may be freed or its table resized afterwards.
/// </summary>
public interface ICapturedTables
{
    KeyTableRoot Table(int handle);

    /// <summary>
    /// The consumer groups of a stream by the handle of its <see cref="StreamGroupSet"/> (the
    /// stream's groups reference minus one), as they were at capture; null when not captured.
    /// </summary>
    CapturedStreamGroups? StreamGroups(int handle) => null;
}

/// <summary>The live keyspace's handles, resolved at the time of the call.</summary>
public sealed class LiveTables(Keyspace keyspace) : ICapturedTables
{
    public KeyTableRoot Table(int handle) => keyspace.Handles.Get<KeyTable>(handle).CaptureRoot();

    public CapturedStreamGroups? StreamGroups(int handle) => CapturedStreamGroups.Capture(keyspace.Handles.Get<StreamGroupSet>(handle));
}

/// <summary>
/// How far a background writer got (INFO current_save_keys_processed / current_save_keys_total /
/// current_fork_perc, Valkey's child info): written by the job's thread, read by the command thread.
/// </summary>
public sealed class SaveProgress(long totalKeys)
{
    private long _keys;

    public long TotalKeys { get; } = totalKeys;
    public long KeysProcessed => Volatile.Read(ref _keys);
    internal void SetProcessed(long keys) => Volatile.Write(ref _keys, keys);
}

/// <summary>
/// Everything the RDB writer reads that is not arena memory, captured when the save starts:
/// per database its key table's root, the nested tables by handle, the clock, and the options.
/// BGSAVE's snapshot engine builds one of these at snapshot time and pairs it with its own
/// <see cref="IMemoryView"/>; SAVE builds it from the live keyspace (<see cref="CaptureLive"/>).
/// </summary>
public sealed class KeyspaceRoot
{
    public required DatabaseRoot[] Databases { get; init; }
    public required ICapturedTables Tables { get; init; }
    /// <summary>Unix ms at capture: the IDLE hint is computed against it.</summary>
    public long NowMs { get; init; }
    /// <summary>Write IDLE (an LRU maxmemory-policy) or FREQ (LFU) hints, as rdbSaveKeyValuePair.</summary>
    public bool SaveLru { get; init; }
    public bool SaveLfu { get; init; }
    /// <summary>Some hash has field TTLs: the file must be version 80 (see <see cref="RdbConstants.WriteVersion"/>).</summary>
    public bool HasFieldTtls { get; init; }
    /// <summary>
    /// The live keyspace when the root was captured live (SAVE, DUMP, foreground rewrites); null in a
    /// snapshot root. The RDB writer does not use it (streams are read through the view and
    /// <see cref="ICapturedTables.StreamGroups"/>); kept for writers that still read streams live.
    /// </summary>
    public Keyspace? LiveKeyspace { get; init; }
    /// <summary>
    /// rdb-key-save-delay, microseconds slept per key written (negative: 1 us every -N keys). Background
    /// writers only (BGSAVE, AOF rewrite base): Valkey's tests use it to keep a save running; a
    /// foreground save or DUMP never sleeps.
    /// </summary>
    public long KeySaveDelayUs { get; init; }
    /// <summary>Progress published by background writers; null for foreground saves.</summary>
    public SaveProgress? Progress { get; init; }
    /// <summary>lfu-decay-time at capture: the FREQ hint is the counter after the decay owed (LFUDecrAndReturn).</summary>
    public int LfuDecayTime { get; init; } = 1;
    /// <summary>Aux "used-mem".</summary>
    public long UsedMemory { get; init; }

    public static KeyspaceRoot CaptureLive(Keyspace keyspace, string maxMemoryPolicy, long usedMemory)
    {
        var dbs = new DatabaseRoot[keyspace.Databases.Length];
        bool fieldTtls = false;
        for (int i = 0; i < dbs.Length; i++)
        {
            var db = keyspace.Databases[i];
            dbs[i] = new DatabaseRoot(i, db.Table.CaptureRoot(), db.VolatileCount);
            if (db.VolatileHashes.Count > 0) fieldTtls = true;
        }
        return new KeyspaceRoot
        {
            Databases = dbs,
            Tables = new LiveTables(keyspace),
            NowMs = keyspace.NowMs,
            SaveLru = maxMemoryPolicy.Contains("lru", StringComparison.Ordinal),
            SaveLfu = maxMemoryPolicy.Contains("lfu", StringComparison.Ordinal),
            HasFieldTtls = fieldTtls,
            UsedMemory = usedMemory,
            LfuDecayTime = keyspace.Access.LfuDecayTime,
            LiveKeyspace = keyspace,
        };
    }

    /// <summary>
    /// The root of a background save (BGSAVE, AOF rewrite base), in the pause of the snapshot's Begin:
    /// as <see cref="CaptureLive"/>, but the nested tables and the streams' consumer groups are resolved
    /// now (<see cref="Storage.Snapshot.SnapshotTables"/>), because handles and managed objects keep
    /// changing while the writer runs on its own thread.
    /// </summary>
    public static KeyspaceRoot CaptureForSnapshot(Keyspace keyspace, string maxMemoryPolicy, long usedMemory, long keySaveDelayUs = 0)
    {
        keyspace.RefreshClock();
        var live = CaptureLive(keyspace, maxMemoryPolicy, usedMemory);
        return new KeyspaceRoot
        {
            Databases = live.Databases, Tables = Storage.Snapshot.SnapshotTables.Capture(keyspace.Handles), NowMs = live.NowMs,
            SaveLru = live.SaveLru, SaveLfu = live.SaveLfu, HasFieldTtls = live.HasFieldTtls, UsedMemory = usedMemory,
            LfuDecayTime = live.LfuDecayTime, KeySaveDelayUs = keySaveDelayUs, Progress = new SaveProgress(keyspace.TotalKeys),
        };
    }
}
