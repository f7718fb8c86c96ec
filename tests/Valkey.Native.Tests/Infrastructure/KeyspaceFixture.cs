using System.Text;
using NUnit.Framework;
using Valkey.Native.Storage;

namespace Valkey.Native.Tests.Infrastructure;

/// <summary>
/// A fresh in-memory keyspace per test for storage unit tests (no server, no notifications),
/// with the arena's usage recorded as <see cref="Baseline"/> so tests can check that freeing a
/// value gives every byte back.
/// </summary>
public abstract unsafe class KeyspaceFixture
{
    protected sealed class NullObserver : IKeyspaceObserver
    {
        public void KeyModified(Database db, ReadOnlySpan<byte> key) { }
        public void Notify(NotifyClass type, string eventName, ReadOnlySpan<byte> key, int dbId) { }
    }

    protected Keyspace Keyspace { get; private set; } = null!;
    protected Database Db { get; private set; } = null!;
    /// <summary>Arena bytes in use with only a sentinel key present.</summary>
    protected long Baseline { get; private set; }

    [SetUp]
    public void CreateKeyspace()
    {
        Keyspace = new Keyspace(2, new NullObserver(), hashSeed: 0xC0FFEE_1234UL);
        Db = Keyspace.Databases[0];
        // A resident key gives the database table its bucket array, so the baseline is what
        // the arena holds with no value under test at all.
        Db.SetString("sentinel"u8, "x"u8);
        Baseline = Keyspace.Arena.UsedBytes;
    }

    [TearDown]
    public void DisposeKeyspace() => Keyspace.Dispose();

    protected static byte[] B(string s) => Encoding.UTF8.GetBytes(s);
}
