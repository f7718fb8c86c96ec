using Valkey.Native.Networking;
using Valkey.Native.Storage;

namespace Valkey.Native.Server;

/// <summary>
/// WATCH bookkeeping (the second half of Valkey's multi.c): per database, which clients watch
/// which key, and per client (<see cref="MultiState.Watched"/>) which keys it watches. A write to
/// a watched key (<see cref="TouchKey"/>, fed by ServerContext.KeyModifiedHook, i.e.
/// signalModifiedKey, which expiry and eviction also call) marks the watchers' transactions
/// dirty so their EXEC replies a null array; FLUSHDB/FLUSHALL/SWAPDB go through
/// <see cref="TouchAllKeysInDb"/>. Every entry point returns at once when nothing is watched.
/// </summary>
public sealed unsafe class WatchedKeys
{
    /// <summary>One (client, database, key) watch (Valkey's watchedKey).</summary>
    internal sealed class WatchedKey(Client client, Database db, byte[] key, bool expired)
    {
        public readonly Client Client = client;
        public readonly Database Db = db;
        public readonly byte[] Key = key;
        /// <summary>The key was already logically expired when WATCH ran: its deletion is no change.</summary>
        public bool Expired = expired;
    }

    private readonly ServerContext _server;
    private readonly Dictionary<byte[], List<WatchedKey>>?[] _byDb;
    private int _watchedKeyCount;

    public WatchedKeys(ServerContext server)
    {
        _server = server;
        _byDb = new Dictionary<byte[], List<WatchedKey>>?[server.Keyspace.Databases.Length];
    }

    /// <summary>INFO watching_clients: clients watching at least one key.</summary>
    public int WatchingClients { get; private set; }
    /// <summary>INFO total_watched_keys: distinct (database, key) pairs with at least one watcher.</summary>
    public int TotalWatchedKeys => _watchedKeyCount;

    /// <summary>The client's transaction state, created on first use (MULTI or WATCH).</summary>
    public MultiState StateOf(Client client) => client.Multi ??= new MultiState(_server.BufferPool);

    /// <summary>WATCH one key in the client's current database (watchForKey); watching it twice is a no-op.</summary>
    public void Watch(Client client, ReadOnlySpan<byte> key)
    {
        var state = StateOf(client);
        Database db = client.Db;
        if (state.Watched.Count == 0) WatchingClients++;
        foreach (var w in state.Watched)
        {
            if (w.Db == db && key.SequenceEqual(w.Key)) return;
        }
        var byKey = _byDb[db.Id] ??= new Dictionary<byte[], List<WatchedKey>>(ByteKeyComparer.Instance);
        var lookup = byKey.GetAlternateLookup<ReadOnlySpan<byte>>();
        if (!lookup.TryGetValue(key, out byte[]? storedKey, out var watchers))
        {
            storedKey = key.ToArray();
            watchers = new List<WatchedKey>(1);
            byKey.Add(storedKey, watchers);
            _watchedKeyCount++;
        }
        var watched = new WatchedKey(client, db, storedKey, IsLogicallyExpired(db, key));
        state.Watched.Add(watched);
        state.WatchedKeyBytes += storedKey.Length;
        watchers.Add(watched);
    }

    /// <summary>Forgets every key the client watches (unwatchAllKeys); its dirty flag is the caller's business.</summary>
    public void UnwatchAll(Client client)
    {
        var state = client.Multi;
        if (state == null || state.Watched.Count == 0) return;
        foreach (var w in state.Watched)
        {
            var byKey = _byDb[w.Db.Id]!;
            var watchers = byKey[w.Key];
            watchers.Remove(w);
            if (watchers.Count == 0)
            {
                byKey.Remove(w.Key);
                _watchedKeyCount--;
            }
        }
        state.Watched.Clear();
        state.WatchedKeyBytes = 0;
        WatchingClients--;
    }

    /// <summary>
    /// True if a watched key that was alive when watched is now logically expired
    /// (isWatchedKeyExpired): EXEC then fails as if the key had been modified.
    /// </summary>
    public bool AnyWatchedKeyExpired(Client client)
    {
        var state = client.Multi;
        if (state == null) return false;
        foreach (var w in state.Watched)
        {
            if (!w.Expired && IsLogicallyExpired(w.Db, w.Key)) return true;
        }
        return false;
    }

    /// <summary>A key was modified (touchWatchedKey): every client watching it gets a dirty transaction.</summary>
    public void TouchKey(Database db, ReadOnlySpan<byte> key)
    {
        if (_watchedKeyCount == 0) return;
        var byKey = _byDb[db.Id];
        if (byKey == null || byKey.Count == 0) return;
        if (!byKey.GetAlternateLookup<ReadOnlySpan<byte>>().TryGetValue(key, out var watchers)) return;
        // Backwards: UnwatchAll removes the current watcher (and only it) from this list.
        for (int i = watchers.Count - 1; i >= 0; i--)
        {
            if (i >= watchers.Count) continue;
            var w = watchers[i];
            if (w.Expired)
            {
                // Watched while already expired: its deletion changes nothing logically, and
                // from then on it is an ordinary missing key.
                if (db.Table.Find(key) == null) w.Expired = false;
                continue;
            }
            MarkDirty(w.Client);
            // Dirty for good: no need to hear about this client's keys again before EXEC.
            UnwatchAll(w.Client);
        }
    }

    /// <summary>
    /// Every key of <paramref name="emptied"/> is about to go (FLUSHDB/FLUSHALL, replacedWith null)
    /// or to be exchanged with the keys of <paramref name="replacedWith"/> (SWAPDB):
    /// touchAllWatchedKeysInDb. A watch is touched when the key exists on either side, except that
    /// an expired key going away, or being replaced by another expired one, changes nothing.
    /// </summary>
    public void TouchAllKeysInDb(Database emptied, Database? replacedWith)
    {
        if (_watchedKeyCount == 0) return;
        var byKey = _byDb[emptied.Id];
        if (byKey == null || byKey.Count == 0) return;
        foreach (var (key, watchers) in byKey)
        {
            bool existsInEmptied = emptied.Table.Find(key) != null;
            byte* replacement = replacedWith == null ? null : replacedWith.Table.Find(key);
            if (!existsInEmptied && replacement == null) continue;
            foreach (var w in watchers)
            {
                if (w.Expired)
                {
                    if (replacement == null)
                    {
                        w.Expired = false;
                        continue;
                    }
                    if (replacedWith!.IsExpired(replacement)) continue;
                }
                else if (!existsInEmptied && replacedWith!.IsExpired(replacement))
                {
                    // A missing key replaced by an expired one: still missing, logically.
                    w.Expired = true;
                    continue;
                }
                // Not unwatched here (that would change the collections being walked).
                MarkDirty(w.Client);
            }
        }
    }

    /// <summary>The client closed: drop its watches and queued commands.</summary>
    public void OnClientClosed(Client client)
    {
        if (client.Multi == null) return;
        UnwatchAll(client);
        client.Multi.ResetQueue();
    }

    private static void MarkDirty(Client client)
    {
        var state = client.Multi!;
        state.DirtyCas = true;
        state.ResetQueue();
    }

    private static bool IsLogicallyExpired(Database db, ReadOnlySpan<byte> key)
    {
        byte* entry = db.Table.Find(key);
        return entry != null && db.IsExpired(entry);
    }
}
