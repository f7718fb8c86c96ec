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
}

/// <summary>The live keyspace's handles, resolved at the time of the call.</summary>
public sealed class LiveTables(Keyspace keyspace) : ICapturedTables
{
    public KeyTableRoot Table(int handle) => keyspace.Handles.Get<KeyTable>(handle).CaptureRoot();
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
    /// The live keyspace, for the one type not yet read through the view (streams, see RdbStreams);
    /// null in a snapshot, where saving a stream then fails with a clear error.
    /// </summary>
    public Keyspace? LiveKeyspace { get; init; }
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
            LiveKeyspace = keyspace,
        };
    }
}
