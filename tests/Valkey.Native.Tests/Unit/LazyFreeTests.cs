using NUnit.Framework;
using Valkey.Native.Storage;
using Valkey.Native.Tests.Infrastructure;

namespace Valkey.Native.Tests.Unit;

/// <summary>The lazy-free worker over an in-process keyspace: the effort threshold, statistics and the arena's shared mode.</summary>
[TestFixture]
public sealed unsafe class LazyFreeWorkerTests : KeyspaceFixture
{
    private static readonly SetLimits Limits = new(512, 128, 64);

    private void AddSet(string key, int members)
    {
        byte* entry = Db.Add(B(key), DataType.Set, ValueEncoding.ListPack, 8);
        ValueHeader* header = Database.Header(entry);
        SetValue.InitEmpty(Keyspace, header, ValueEncoding.ListPack);
        for (int i = 0; i < members; i++) SetValue.Add(Keyspace, header, B($"member:{i}"), Limits);
    }

    private byte* Entry(string key) => Db.Lookup(B(key), LookupFlags.NoTouch | LookupFlags.NoStats);

    [Test]
    public void CheapValuesAreFreedAtOnceAndExpensiveOnesByTheWorker()
    {
        AddSet("small", 10);
        AddSet("large", 5_000);

        Db.DeleteEntryLazy(Entry("small"));
        Assert.That(Keyspace.LazyFree.PendingObjects + Keyspace.LazyFree.FreedObjects, Is.Zero);
        Assert.That(Keyspace.Arena.SharedMode, Is.False, "nothing was handed over");

        Db.DeleteEntryLazy(Entry("large"));
        Assert.That(Entry("large") == null, Is.True, "the key is gone at once");
        Assert.That(Keyspace.Arena.SharedMode, Is.True, "the arena is shared while the worker may run");
        Keyspace.LazyFree.WaitIdle();
        Assert.That(Keyspace.LazyFree.FreedObjects, Is.EqualTo(1));
        Assert.That(Keyspace.LazyFree.PendingObjects, Is.Zero);

        Keyspace.LazyFree.LeaveSharedModeIfIdle();
        Assert.That(Keyspace.Arena.SharedMode, Is.False);
        Assert.That(Keyspace.Arena.UsedBytes, Is.EqualTo(Baseline), "every byte of both sets came back");
    }

    [Test]
    public void ClearAsyncHandsTheWholeTableOver()
    {
        for (int i = 0; i < 1_000; i++) AddSet($"set{i}", 3);
        long keys = Db.Count;

        Assert.That(Db.ClearAsync(), Is.EqualTo(keys));
        Assert.That(Db.Count, Is.Zero);
        AddSet("after", 2);   // the command thread keeps allocating while the worker frees
        Keyspace.LazyFree.WaitIdle();
        Keyspace.LazyFree.LeaveSharedModeIfIdle();

        Assert.That(Keyspace.LazyFree.FreedObjects, Is.EqualTo(keys));
        Assert.That(Db.Count, Is.EqualTo(1));
        Assert.That(Keyspace.Arena.SharedMode, Is.False);
        Keyspace.LazyFree.ResetStats();
        Assert.That(Keyspace.LazyFree.FreedObjects, Is.Zero);
    }
}
