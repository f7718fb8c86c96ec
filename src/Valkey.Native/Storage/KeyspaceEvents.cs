namespace Valkey.Native.Storage;

/// <summary>Keyspace notification classes (notify-keyspace-events flags), as Valkey's NOTIFY_* bits.</summary>
[Flags]
public enum NotifyClass
{
    None = 0,
    Keyspace = 1 << 0,   // K
    Keyevent = 1 << 1,   // E
    Generic = 1 << 2,    // g
    String = 1 << 3,     // $
    List = 1 << 4,       // l
    Set = 1 << 5,        // s
    Hash = 1 << 6,       // h
    SortedSet = 1 << 7,  // z
    Expired = 1 << 8,    // x
    Evicted = 1 << 9,    // e
    Stream = 1 << 10,    // t
    KeyMiss = 1 << 11,   // m
    Loaded = 1 << 12,    // module only
    Module = 1 << 13,    // d
    New = 1 << 14,       // n
}

/// <summary>
/// What the keyspace tells the rest of the server when keys change: the hook for keyspace
/// notifications, WATCH, client-side caching and (later) copy-on-write snapshots.
/// </summary>
public interface IKeyspaceObserver
{
    /// <summary>A key's value changed or the key disappeared (Valkey's signalModifiedKey).</summary>
    void KeyModified(Database db, ReadOnlySpan<byte> key);

    /// <summary>A keyspace event (Valkey's notifyKeyspaceEvent); <paramref name="eventName"/> is e.g. "set", "expired".</summary>
    void Notify(NotifyClass type, string eventName, ReadOnlySpan<byte> key, int dbId);

    /// <summary>
    /// Every key of <paramref name="db"/> is about to be removed (FLUSHDB/FLUSHALL: <paramref name="replacedWith"/>
    /// is null) or exchanged with those of <paramref name="replacedWith"/> (SWAPDB): Valkey's
    /// touchAllWatchedKeysInDb. Called before the change, so both sides can still be read.
    /// </summary>
    void DatabaseTouched(Database db, Database? replacedWith) { }
}
