using NUnit.Framework;
using Valkey.Native.Storage;
using Valkey.Native.Tests.Infrastructure;
using Valkey.Native.Tests.Shared;

namespace Valkey.Native.Tests.Unit;

/// <summary>
/// The consumer-group storage: the arena PEL skiplist against a SortedSet model, group and
/// consumer bookkeeping (ownership moves, deletes, clone) and the return of every arena byte.
/// </summary>
[TestFixture]
public sealed unsafe class StreamGroupsTests : KeyspaceFixture
{
    private static List<StreamId> Ids(PelList* list)
    {
        var ids = new List<StreamId>();
        for (PelNode* n = PelList.First(list); n != null; n = PelNode.Next(n)) ids.Add(n->Id);
        return ids;
    }

    [Test]
    public void PelListMatchesSortedSetModelUnderRandomInsertsAndDeletes()
    {
        var arena = Keyspace.Arena;
        PelList* list = PelList.Create(arena);
        var model = new SortedSet<StreamId>();
        var rng = new Random(1234);
        for (int i = 0; i < 20000; i++)
        {
            var id = new StreamId((ulong)rng.Next(0, 300), (ulong)rng.Next(0, 30));
            if (rng.Next(3) == 0)
            {
                Assert.That(PelList.Delete(arena, list, id), Is.EqualTo(model.Remove(id)));
            }
            else
            {
                PelNode* n = PelList.Insert(arena, list, id, out bool inserted);
                Assert.That(inserted, Is.EqualTo(model.Add(id)));
                Assert.That(n->Id, Is.EqualTo(id));
            }
        }
        Assert.That(Ids(list), Is.EqualTo(model.ToList()));
        Assert.That(list->Count, Is.EqualTo(model.Count));
        Assert.That(PelList.Last(list)->Id, Is.EqualTo(model.Max));
        Assert.That(PelList.First(list)->Id, Is.EqualTo(model.Min));
        foreach (var probe in new[] { new StreamId(0, 0), new StreamId(150, 15), new StreamId(299, 29), new StreamId(400, 0) })
        {
            PelNode* ge = PelList.SeekGreaterOrEqual(list, probe);
            var expected = model.GetViewBetween(probe, StreamId.Max);
            if (expected.Count == 0) Assert.That(ge == null);
            else Assert.That(ge->Id, Is.EqualTo(expected.Min));
            Assert.That(PelList.Find(list, probe) != null, Is.EqualTo(model.Contains(probe)));
        }
        // Deleting everything keeps Tail consistent and gives every byte back.
        foreach (var id in model.Reverse().ToList())
        {
            Assert.That(PelList.Delete(arena, list, id), Is.True);
            model.Remove(id);
            if (model.Count > 0) Assert.That(PelList.Last(list)->Id, Is.EqualTo(model.Max));
        }
        Assert.That(PelList.Last(list) == null && PelList.First(list) == null);
        PelList.Free(arena, list);
        Assert.That(arena.UsedBytes, Is.EqualTo(Baseline));
    }

    [Test]
    public void PelListBytesTracksArenaUsage()
    {
        var arena = Keyspace.Arena;
        PelList* list = PelList.Create(arena);
        for (ulong i = 0; i < 1000; i++) PelList.Insert(arena, list, new StreamId(i, 0), out _);
        Assert.That(list->Bytes, Is.EqualTo(arena.UsedBytes - Baseline));
        PelList.Free(arena, list);
        Assert.That(arena.UsedBytes, Is.EqualTo(Baseline));
    }

    [Test]
    public void OwnershipMovesBetweenConsumersAndDeleteConsumerDropsItsNacks()
    {
        long setRef = StreamGroups.CreateSet(Keyspace, out var set);
        var arena = Keyspace.Arena;
        var g = StreamGroups.CreateGroup(Keyspace, set, B("g"), StreamId.Min, 0)!;
        Assert.That(StreamGroups.CreateGroup(Keyspace, set, B("g"), StreamId.Min, 0), Is.Null);
        StreamGroups.CreateGroup(Keyspace, set, B("a"), StreamId.Min, 0);
        Assert.That(set.Groups.Select(x => System.Text.Encoding.ASCII.GetString(x.Name)), Is.EqualTo(new[] { "a", "g" }));

        var bob = g.CreateConsumer(arena, B("bob"), 1)!;
        var alice = g.CreateConsumer(arena, B("alice"), 2)!;
        Assert.That(g.CreateConsumer(arena, B("bob"), 3), Is.Null);
        Assert.That(g.Consumers.Select(c => System.Text.Encoding.ASCII.GetString(c.Name)), Is.EqualTo(new[] { "alice", "bob" }));

        for (ulong i = 1; i <= 10; i++)
        {
            PelNode* nack = g.AddNack(arena, new StreamId(i, 0), out bool inserted);
            Assert.That(inserted, Is.True);
            g.SetOwner(arena, nack, i % 2 == 0 ? alice : bob);
        }
        Assert.That(alice.PendingCount, Is.EqualTo(5));
        Assert.That(bob.PendingCount, Is.EqualTo(5));
        // Claim 3-0 from bob to alice.
        g.SetOwner(arena, PelList.Find(g.Pel, new StreamId(3, 0)), alice);
        Assert.That(alice.PendingCount, Is.EqualTo(6));
        Assert.That(bob.PendingCount, Is.EqualTo(4));
        Assert.That(PelList.Find(alice.Pel, new StreamId(3, 0))->Nack == PelList.Find(g.Pel, new StreamId(3, 0)));

        Assert.That(g.RemoveNack(arena, new StreamId(4, 0)), Is.True);
        Assert.That(g.RemoveNack(arena, new StreamId(4, 0)), Is.False);
        Assert.That(alice.PendingCount, Is.EqualTo(5));

        long cloneRef = StreamGroups.Clone(Keyspace, setRef);
        var cloneGroup = StreamGroups.Get(Keyspace, cloneRef)!.Find(B("g"))!;
        Assert.That(cloneGroup.Pel->Count, Is.EqualTo(9));
        Assert.That(cloneGroup.FindConsumer(B("alice"))!.PendingCount, Is.EqualTo(5));
        Assert.That(cloneGroup.ConsumerById(PelList.Find(cloneGroup.Pel, new StreamId(3, 0))->ConsumerId).Name, Is.EqualTo(B("alice")));

        Assert.That(g.DeleteConsumer(arena, bob), Is.EqualTo(4));
        Assert.That(g.Pel->Count, Is.EqualTo(5));
        Assert.That(g.FindConsumer(B("bob")), Is.Null);
        // The freed id is reused by the next consumer.
        var carol = g.CreateConsumer(arena, B("carol"), 4)!;
        Assert.That(carol.Id, Is.EqualTo(bob.Id));

        Assert.That(StreamGroups.Count(Keyspace, setRef), Is.EqualTo(2));
        // Groups g and a, consumers alice and carol, 5 NACKs each in the group PEL and a consumer PEL.
        Assert.That(StreamGroups.FreeEffort(Keyspace, setRef), Is.EqualTo(2 + 2 + 5 + 5));
        Assert.That(StreamGroups.FreeEffort(Keyspace, 0), Is.EqualTo(0));
        Assert.That(StreamGroups.MemoryBytes(Keyspace, setRef), Is.GreaterThan(g.Pel->Bytes));
        Assert.That(StreamGroups.DestroyGroup(Keyspace, set, B("a")), Is.True);
        Assert.That(StreamGroups.DestroyGroup(Keyspace, set, B("a")), Is.False);
        StreamGroups.Free(Keyspace, setRef);
        StreamGroups.Free(Keyspace, cloneRef);
        Assert.That(Keyspace.Arena.UsedBytes, Is.EqualTo(Baseline));
    }

    [Test]
    public void LoadHelpersRebuildGroupsAndRejectInconsistentInput()
    {
        var arena = Keyspace.Arena;
        long setRef = StreamGroups.CreateSet(Keyspace, out var set);
        var g = StreamGroups.CreateGroup(Keyspace, set, B("g"), new StreamId(9, 0), 4)!;
        Assert.That(g.LoadNack(arena, new StreamId(1, 0), 1000, 3), Is.True);
        Assert.That(g.LoadNack(arena, new StreamId(2, 0), 2000, 1), Is.True);
        Assert.That(g.LoadNack(arena, new StreamId(2, 0), 2000, 1), Is.False, "duplicate NACK");
        var c = g.CreateConsumer(arena, B("c"), 500)!;
        c.ActiveTime = 600;
        Assert.That(g.LoadConsumerPending(arena, c, new StreamId(1, 0)), Is.True);
        Assert.That(g.EveryNackOwned(), Is.False, "2-0 has no owner yet");
        Assert.That(g.LoadConsumerPending(arena, c, new StreamId(3, 0)), Is.False, "not in the group PEL");
        Assert.That(g.LoadConsumerPending(arena, c, new StreamId(1, 0)), Is.False, "already owned");
        Assert.That(g.LoadConsumerPending(arena, c, new StreamId(2, 0)), Is.True);
        Assert.That(g.EveryNackOwned(), Is.True);
        PelNode* nack = PelList.Find(g.Pel, new StreamId(1, 0));
        Assert.That((nack->DeliveryTime, nack->DeliveryCount, nack->ConsumerId), Is.EqualTo((1000L, 3L, c.Id)));
        StreamGroups.Free(Keyspace, setRef);
        Assert.That(arena.UsedBytes, Is.EqualTo(Baseline));
    }
}

/// <summary>Steady-state consumer-group commands allocate nothing on the GC heap.</summary>
[NonParallelizable]
public class StreamGroupAllocationTests
{
    [TestCase("XREADGROUP", "GROUP", "g", "c", "COUNT", "10", "STREAMS", "alloc:s", "0")]
    [TestCase("XREADGROUP", "GROUP", "g", "c", "STREAMS", "alloc:s", ">")]
    [TestCase("XACK", "alloc:s", "g", "999-0", "998-0")]
    [TestCase("XPENDING", "alloc:s", "g")]
    [TestCase("XPENDING", "alloc:s", "g", "IDLE", "0", "-", "+", "10", "c")]
    [TestCase("XCLAIM", "alloc:s", "g", "c", "0", "1-0", "2-0", "JUSTID")]
    [TestCase("XAUTOCLAIM", "alloc:s", "g", "c", "0", "0", "COUNT", "5")]
    [TestCase("XINFO", "GROUPS", "alloc:s")]
    [TestCase("XINFO", "CONSUMERS", "alloc:s", "g")]
    public void SteadyStateGroupCommandAllocatesNothing(params string[] command)
    {
        using var server = new InProcessServer();
        for (int i = 1; i <= 20; i++) server.Execute("XADD", "alloc:s", $"{i}-0", "f", "v");
        server.Execute("XGROUP", "CREATE", "alloc:s", "g", "0");
        server.Execute("XREADGROUP", "GROUP", "g", "c", "STREAMS", "alloc:s", ">");
        long allocated = server.AllocatedBytes(warmup: 1000, runs: 5_000, RawRespClient.EncodeCommand(command));
        Assert.That(allocated, Is.EqualTo(0), $"{string.Join(' ', command)} allocated {allocated} bytes over 5,000 runs");
    }
}


