namespace Valkey.Native.Storage;

/// <summary>
/// Where the keyspace reports that keys clients may be blocked on changed (Valkey's
/// signalKeyAsReady / signalDeletedKeyAsReady and the SWAPDB / FLUSHDB rescans). The server's
/// blocked-client registry (Server/BlockedClients) implements it; every method must return at
/// once when no client is blocked, as they run on write paths. Nothing is served from inside
/// these calls: keys are only queued, and blocked clients are served after the current command.
/// </summary>
public interface IKeyReadiness
{
    /// <summary>
    /// A list, sorted set or stream key was created, or data was added that a blocked client
    /// may consume (Valkey's signalKeyAsReady). <see cref="Database.Add"/> calls it for new keys
    /// of those types; stream appends to an existing key call <see cref="Database.SignalKeyAsReady"/>.
    /// </summary>
    void KeyReady(Database db, ReadOnlySpan<byte> key, DataType type);

    /// <summary>A key was deleted or its value replaced by another type (signalDeletedKeyAsReady; wakes XREADGROUP-style waiters).</summary>
    void DeletedKeyReady(Database db, ReadOnlySpan<byte> key, DataType type);

    /// <summary>Every key of <paramref name="db"/> is about to go (FLUSHDB/FLUSHALL).</summary>
    void DatabaseEmptying(Database db);

    /// <summary>The contents of two databases are about to be exchanged (SWAPDB).</summary>
    void DatabasesSwapping(Database a, Database b);

    /// <summary>The contents of two databases were exchanged (SWAPDB): waiters may now find their keys.</summary>
    void DatabasesSwapped(Database a, Database b);
}
