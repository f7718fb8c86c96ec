namespace Valkey.Native.Storage;

/// <summary>
/// The consumer groups of one stream (groups, their pending-entries lists and consumers),
/// referenced from the stream's metadata by an opaque 64-bit reference; 0 means "no groups".
/// </summary>
/// <remarks>
/// Placeholder: the consumer-group implementation replaces the bodies. The stream value calls
/// these when it is freed (possibly on the lazy-free thread: touch only the arena and the
/// keyspace handles), copied (COPY) or measured (MEMORY USAGE).
/// </remarks>
public static class StreamGroups
{
    public static void Free(Keyspace keyspace, long groupsRef) { }

    public static long Clone(Keyspace keyspace, long groupsRef) => 0;

    public static long MemoryBytes(Keyspace keyspace, long groupsRef) => 0;

    /// <summary>Number of groups (XINFO STREAM "groups").</summary>
    public static long Count(Keyspace keyspace, long groupsRef) => 0;
}
