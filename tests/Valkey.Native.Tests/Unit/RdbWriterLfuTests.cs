using NUnit.Framework;
using Valkey.Native.Persistence;
using Valkey.Native.Storage;
using Valkey.Native.Tests.Infrastructure;

namespace Valkey.Native.Tests.Unit;

/// <summary>
/// The FREQ hint saved under an LFU policy is the counter after the decay owed since the last
/// access (Valkey's LFUDecrAndReturn in rdbSaveKeyValuePair), not the stored counter.
/// </summary>
[TestFixture]
public sealed unsafe class RdbWriterLfuTests : KeyspaceFixture
{
    private byte[] Save(string policy, int decayMinutes)
    {
        Keyspace.Access.LfuDecayTime = decayMinutes;
        var ms = new MemoryStream();
        var output = new RdbOutput(ms, checksum: true, compress: false);
        using (var writer = new RdbWriter<LiveMemoryView>(output, KeyspaceRoot.CaptureLive(Keyspace, policy, 0), default))
            writer.WriteFile("test");
        return ms.ToArray();
    }

    /// <summary>Loads the file into a fresh keyspace and returns the counter the key got from its FREQ opcode.</summary>
    private static int LoadedCounter(byte[] file, string key)
    {
        using var ks = new Keyspace(1, new NullObserver(), 1);
        RdbLoader.Load(new MemoryStream(file), file.Length, ks, new RdbLoadOptions());
        byte* entry = ks.Databases[0].Table.Find(B(key));
        Assert.That(entry != null);
        return (int)(Database.Header(entry)->AccessClock & 0xFF);
    }

    private sealed class NullObserver : IKeyspaceObserver
    {
        public void KeyModified(Database db, ReadOnlySpan<byte> key) { }
        public void Notify(NotifyClass type, string eventName, ReadOnlySpan<byte> key, int dbId) { }
    }

    [Test]
    public void TheSavedFrequencyHasTheDecayOwedSinceTheLastAccessApplied()
    {
        byte* entry = Db.SetString(B("hot"), B("v"));
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        // Counter 50, last decremented 10 minutes ago.
        Database.Header(entry)->AccessClock = Lfu.Make(now - 10 * 60_000, 50);
        Keyspace.RefreshClock();

        Assert.That(LoadedCounter(Save("allkeys-lfu", 1), "hot"), Is.EqualTo(40), "one off per minute with lfu-decay-time 1");
        Assert.That(LoadedCounter(Save("allkeys-lfu", 5), "hot"), Is.EqualTo(48), "one off per 5 minutes");
        Assert.That(LoadedCounter(Save("allkeys-lfu", 0), "hot"), Is.EqualTo(50), "lfu-decay-time 0: no decay");
        // The stored word itself is left alone (saving does not touch the key).
        Assert.That(Database.Header(Db.Table.Find(B("hot")))->AccessClock & 0xFF, Is.EqualTo(50u));
    }
}
