using System.Text;
using NUnit.Framework;
using Valkey.Native.Protocol;
using Valkey.Native.Storage;
using Valkey.Native.Tests.Infrastructure;
using Valkey.Native.Tests.Shared;

namespace Valkey.Native.Tests.Unit;

/// <summary>
/// <see cref="StreamValue"/> driven directly over a real keyspace and checked against a sorted
/// model: random appends (same and different field sets), deletes, exact and approximate trims and
/// forward/backward ranges; node splitting at the entry and byte limits; the metadata Valkey keeps
/// (first/last/max-deleted IDs, entries-added, lag helpers); clone and the return of every arena byte.
/// </summary>
[TestFixture]
public sealed unsafe class StreamValueTests : KeyspaceFixture
{
    private struct TestFields(string[] pairs) : IStreamFields
    {
        public readonly int PairCount => pairs.Length / 2;
        public readonly ReadOnlySpan<byte> Field(int i) => Encoding.UTF8.GetBytes(pairs[2 * i]);
        public readonly ReadOnlySpan<byte> Value(int i) => Encoding.UTF8.GetBytes(pairs[2 * i + 1]);
    }

    private ValueHeader* CreateStream(string key) => Database.Header(StreamValue.CreateEmpty(Db, B(key)));

    private void Append(ValueHeader* h, StreamId id, string[] pairs, long maxBytes = 4096, long maxEntries = 100)
    {
        var f = new TestFields(pairs);
        StreamValue.Append(Keyspace, h, id, ref f, maxBytes, maxEntries);
    }

    private static List<(StreamId Id, string[] Pairs)> Read(ValueHeader* h, StreamId start, StreamId end, bool reverse, int count = int.MaxValue)
    {
        var result = new List<(StreamId, string[])>();
        var it = StreamValue.Iterate(h, start, end, reverse);
        while (result.Count < count && it.MoveNext())
        {
            var pairs = new List<string>();
            while (it.NextField(out var f, out var v))
            {
                pairs.Add(Encoding.UTF8.GetString(f));
                pairs.Add(Encoding.UTF8.GetString(v));
            }
            Assert.That(pairs.Count, Is.EqualTo(it.FieldCount * 2));
            result.Add((it.Id, pairs.ToArray()));
        }
        return result;
    }

    private static void CheckNodes(ValueHeader* h, long maxEntries)
    {
        var m = StreamValue.M(h);
        StreamId previous = StreamId.Min;
        long live = 0;
        for (int i = 0; i < m->NodeCount; i++)
        {
            var slot = m->Index[m->IndexStart + i];
            Assert.That(StreamNode.Master(slot.Node), Is.EqualTo(slot.Master), "index key is the node's master ID");
            // Only an exact MINID trim may leave a node with nothing live (as Valkey does).
            Assert.That(StreamNode.Live(slot.Node), Is.GreaterThanOrEqualTo(0));
            live += StreamNode.Live(slot.Node);
            if (maxEntries > 0) Assert.That(StreamNode.Count(slot.Node), Is.LessThanOrEqualTo(maxEntries));
            if (i > 0) Assert.That(slot.Master, Is.GreaterThan(previous), "index sorted");
            previous = slot.Master;
        }
        Assert.That(live, Is.EqualTo(m->Length));
    }

    private static string[] RandomPairs(Random rng)
    {
        int kind = rng.Next(4);
        if (kind < 2) return ["field", "v" + rng.Next(1000)];                 // the common master fields
        if (kind == 2) return ["a", rng.Next(100000).ToString(), "b", new string('x', rng.Next(0, 300))];
        int n = rng.Next(1, 5);
        var p = new string[2 * n];
        for (int i = 0; i < n; i++)
        {
            p[2 * i] = "f" + rng.Next(10);
            p[2 * i + 1] = rng.Next(3) == 0 ? "" : "val" + rng.Next();
        }
        return p;
    }

    [Test]
    public void EmptyStreamMetadata()
    {
        var h = CreateStream("s");
        Assert.That(StreamValue.Length(h), Is.EqualTo(0));
        Assert.That(StreamValue.LastId(h), Is.EqualTo(StreamId.Min));
        Assert.That(StreamValue.FirstId(h), Is.EqualTo(StreamId.Min));
        Assert.That(StreamValue.MaxDeletedId(h), Is.EqualTo(StreamId.Min));
        Assert.That(StreamValue.EntriesAdded(h), Is.EqualTo(0));
        Assert.That(StreamValue.GroupsRef(h), Is.EqualTo(0));
        Assert.That(StreamValue.NodeCount(h), Is.EqualTo(0));
        Assert.That(StreamValue.LastLiveId(h), Is.EqualTo(StreamId.Min));
        Assert.That(Read(h, StreamId.Min, StreamId.Max, false), Is.Empty);
        Assert.That(Read(h, StreamId.Min, StreamId.Max, true), Is.Empty);
        Assert.That(StreamValue.EstimateDistanceFromFirstEverEntry(h, new StreamId(5, 0)), Is.EqualTo(0));
    }

    [TestCase(100, 4096)]
    [TestCase(1, 4096)]
    [TestCase(7, 0)]
    [TestCase(0, 200)]
    [TestCase(3, 1)]
    public void RandomOperationsMatchModel(long maxEntries, long maxBytes)
    {
        var rng = new Random((int)(maxEntries * 31 + maxBytes));
        var h = CreateStream("s");
        var model = new SortedDictionary<StreamId, string[]>();
        StreamId last = StreamId.Min, maxDeleted = StreamId.Min;
        long added = 0;
        for (int step = 0; step < 6000; step++)
        {
            int op = rng.Next(100);
            if (op < 60)
            {
                // Mostly increasing ms with occasional same-ms sequence bumps and big jumps.
                StreamId id = rng.Next(3) switch
                {
                    0 => new StreamId(last.Ms, last.Seq + 1),
                    1 => new StreamId(last.Ms + (ulong)rng.Next(1, 5), (ulong)rng.Next(0, 3)),
                    _ => new StreamId(last.Ms + (ulong)rng.Next(1, 100000), 0),
                };
                var pairs = RandomPairs(rng);
                Append(h, id, pairs, maxBytes, maxEntries);
                model[id] = pairs;
                last = id;
                added++;
            }
            else if (op < 75 && model.Count > 0)
            {
                // Delete an existing ID, or one that is not there.
                StreamId id = rng.Next(4) == 0 ? new StreamId(last.Ms + 1, 0) : model.Keys.ElementAt(rng.Next(model.Count));
                bool expected = model.Remove(id);
                Assert.That(StreamValue.Delete(Keyspace, h, id), Is.EqualTo(expected));
                if (expected && id > maxDeleted) maxDeleted = id;
            }
            else if (op < 80 && model.Count > 0)
            {
                // Exact MAXLEN trim.
                long maxLen = rng.Next(0, model.Count + 3);
                long expected = Math.Max(0, model.Count - maxLen);
                long removed = StreamValue.Trim(Keyspace, h, StreamTrimStrategy.MaxLen, maxLen, default, approx: false, limit: 0);
                Assert.That(removed, Is.EqualTo(expected));
                foreach (var id in model.Keys.Take((int)expected).ToList()) model.Remove(id);
            }
            else if (op < 85 && model.Count > 0)
            {
                // Approximate MAXLEN trim (whole nodes only), optionally limited: removes a prefix, never below maxLen.
                long maxLen = rng.Next(0, model.Count + 3);
                long limit = rng.Next(3) == 0 ? rng.Next(1, 300) : 0;
                int before = model.Count;
                long removed = StreamValue.Trim(Keyspace, h, StreamTrimStrategy.MaxLen, maxLen, default, approx: true, limit);
                Assert.That(before - removed, Is.GreaterThanOrEqualTo(Math.Min(before, maxLen)));
                if (limit > 0) Assert.That(removed, Is.LessThanOrEqualTo(limit));
                foreach (var id in model.Keys.Take((int)removed).ToList()) model.Remove(id);
            }
            else if (op < 90 && model.Count > 0)
            {
                // MINID trim, exact or approximate.
                StreamId minId = model.Keys.ElementAt(rng.Next(model.Count));
                bool approx = rng.Next(2) == 0;
                long removed = StreamValue.Trim(Keyspace, h, StreamTrimStrategy.MinId, 0, minId, approx, 0);
                var below = model.Keys.Where(k => k < minId).ToList();
                if (!approx) Assert.That(removed, Is.EqualTo(below.Count));
                else Assert.That(removed, Is.LessThanOrEqualTo(below.Count));
                foreach (var id in below.Take((int)removed)) model.Remove(id);
            }
            else
            {
                // A random range, both directions, with a count.
                StreamId a = new((ulong)rng.NextInt64(0, (long)last.Ms + 2), (ulong)rng.Next(0, 3));
                StreamId b = new((ulong)rng.NextInt64(0, (long)last.Ms + 2), (ulong)rng.Next(0, 3));
                if (a > b) (a, b) = (b, a);
                int count = rng.Next(1, 50);
                var expected = model.Where(kv => kv.Key >= a && kv.Key <= b).Select(kv => kv.Key).ToList();
                Assert.That(Read(h, a, b, false, count).Select(e => e.Id), Is.EqualTo(expected.Take(count)));
                expected.Reverse();
                Assert.That(Read(h, a, b, true, count).Select(e => e.Id), Is.EqualTo(expected.Take(count)));
            }

            Assert.That(StreamValue.Length(h), Is.EqualTo(model.Count));
            Assert.That(StreamValue.LastId(h), Is.EqualTo(last));
            Assert.That(StreamValue.EntriesAdded(h), Is.EqualTo(added));
            Assert.That(StreamValue.FirstId(h), Is.EqualTo(model.Count == 0 ? StreamId.Min : model.Keys.First()));
            Assert.That(StreamValue.MaxDeletedId(h), Is.EqualTo(maxDeleted));
            if (step % 500 == 0) CheckNodes(h, maxEntries);
        }

        CheckNodes(h, maxEntries);
        var all = Read(h, StreamId.Min, StreamId.Max, false);
        Assert.That(all.Select(e => e.Id), Is.EqualTo(model.Keys));
        foreach (var (id, pairs) in all) Assert.That(pairs, Is.EqualTo(model[id]), id.ToString());
        var back = Read(h, StreamId.Min, StreamId.Max, true);
        Assert.That(back.Select(e => e.Id), Is.EqualTo(model.Keys.Reverse()));
        foreach (var id in model.Keys.Take(50))
        {
            Assert.That(StreamValue.TryFind(h, id, out var it), Is.True);
            Assert.That(it.Id, Is.EqualTo(id));
        }

        // COPY: an independent deep copy; then both freed give every byte back.
        byte* copyEntry = Db.CopyValueFrom(Db.Lookup(B("s"), LookupFlags.NoTouch), B("copy"));
        var c = Database.Header(copyEntry);
        Assert.That(Read(c, StreamId.Min, StreamId.Max, false).Select(e => e.Id), Is.EqualTo(model.Keys));
        Assert.That(StreamValue.LastId(c), Is.EqualTo(last));
        Db.Delete(B("s"));
        Assert.That(Read(c, StreamId.Min, StreamId.Max, false).Select(e => e.Id), Is.EqualTo(model.Keys));
        Db.Delete(B("copy"));
        Assert.That(Keyspace.Arena.UsedBytes, Is.EqualTo(Baseline));
    }

    [Test]
    public void NodesSplitAtTheEntryLimitCountingDeletedEntries()
    {
        var h = CreateStream("s");
        for (int i = 1; i <= 250; i++) Append(h, new StreamId((ulong)i, 0), ["f", "v"], 4096, 100);
        Assert.That(StreamValue.NodeCount(h), Is.EqualTo(3));
        // Deleting inside the tail node does not make room in it (Valkey counts deleted entries too).
        for (int i = 201; i <= 240; i++) StreamValue.Delete(Keyspace, h, new StreamId((ulong)i, 0));
        for (int i = 251; i <= 300; i++) Append(h, new StreamId((ulong)i, 0), ["f", "v"], 4096, 100);
        Assert.That(StreamValue.NodeCount(h), Is.EqualTo(3));
        Append(h, new StreamId(301, 0), ["f", "v"], 4096, 100);
        Assert.That(StreamValue.NodeCount(h), Is.EqualTo(4));
        // A node whose entries are all deleted is freed.
        for (int i = 101; i <= 200; i++) StreamValue.Delete(Keyspace, h, new StreamId((ulong)i, 0));
        Assert.That(StreamValue.NodeCount(h), Is.EqualTo(3));
        Assert.That(StreamValue.Length(h), Is.EqualTo(301 - 40 - 100));
        CheckNodes(h, 100);
    }

    [Test]
    public void NodesSplitWhereValkeysListpackReachesTheByteLimit()
    {
        // Valkey: a new node when lpBytes + (field and value bytes) >= stream-node-max-bytes.
        // A node of "f"/"v" entries: 7 header/end + master entry (count 2, deleted 2, fields 2, "f" 3, terminator 2)
        // and per entry flags 2 + ms-delta 2 + seq-delta 2 + "v" 3 + lp-count 2 = 11 bytes.
        var h = CreateStream("s");
        for (int i = 0; i < 40; i++) Append(h, new StreamId((ulong)(i + 1), 0), ["f", "v"], 200, 0);
        var m = StreamValue.M(h);
        byte* first = m->Index[m->IndexStart].Node;
        // 18 + 11 * n + 2 >= 200 first holds at n = 17 entries, so the node takes 17.
        Assert.That(StreamNode.Count(first), Is.EqualTo(17));
        Assert.That(StreamNode.LpBytes(first), Is.EqualTo(18 + 11 * 17));
    }

    [Test]
    public void ExactMinIdTrimKeepsANodeEmptiedUpToATombstoneAsValkeyDoes()
    {
        // Valkey keeps the listpack: the next entries fill it up to the node limit, which decides
        // what a later approximate trim removes (checked against redis-server: XLEN 60, not 50).
        var h = CreateStream("s");
        for (int i = 1; i <= 10; i++) Append(h, new StreamId((ulong)i, 0), ["f", "v"]);
        StreamValue.Delete(Keyspace, h, new StreamId(10, 0));
        Assert.That(StreamValue.Trim(Keyspace, h, StreamTrimStrategy.MinId, 0, new StreamId(10, 0), approx: false, limit: 0), Is.EqualTo(9));
        Assert.That(StreamValue.NodeCount(h), Is.EqualTo(1));
        Assert.That(StreamValue.Length(h), Is.EqualTo(0));
        Assert.That(StreamValue.FirstId(h), Is.EqualTo(StreamId.Min));
        for (int i = 11; i <= 160; i++) Append(h, new StreamId((ulong)i, 0), ["f", "v"]);
        Assert.That(StreamValue.FirstId(h), Is.EqualTo(new StreamId(11, 0)));
        Assert.That(StreamValue.Trim(Keyspace, h, StreamTrimStrategy.MaxLen, 50, default, approx: true, limit: 10000), Is.EqualTo(90));
        Assert.That(StreamValue.Length(h), Is.EqualTo(60));
        CheckNodes(h, 100);
    }

    [Test]
    public void EntriesWithOtherFieldsThanTheMasterKeepTheirOwnFields()
    {
        var h = CreateStream("s");
        Append(h, new StreamId(1, 0), ["a", "1", "b", "2"]);
        Append(h, new StreamId(1, 1), ["a", "3", "b", "4"]);
        Append(h, new StreamId(1, 2), ["b", "5", "a", "6"]);
        Append(h, new StreamId(2, 0), ["a", "7"]);
        Append(h, new StreamId(3, 0), ["", ""]);
        var all = Read(h, StreamId.Min, StreamId.Max, false);
        Assert.That(all.Select(e => string.Join(",", e.Pairs)),
            Is.EqualTo(new[] { "a,1,b,2", "a,3,b,4", "b,5,a,6", "a,7", "," }));
        Assert.That(StreamValue.NodeCount(h), Is.EqualTo(1));
    }

    [Test]
    public void SequenceDeltasBelowTheMasterAndHugeIdsRoundTrip()
    {
        var h = CreateStream("s");
        StreamId[] ids =
        [
            new(5, 1000), new(6, 0), new(6, ulong.MaxValue - 1), new(7, 3),
            new(ulong.MaxValue - 1, 0), new(ulong.MaxValue, 0), new(ulong.MaxValue, ulong.MaxValue),
        ];
        foreach (var id in ids) Append(h, id, ["k", id.ToString()]);
        var all = Read(h, StreamId.Min, StreamId.Max, false);
        Assert.That(all.Select(e => e.Id), Is.EqualTo(ids));
        Assert.That(all.Select(e => e.Pairs[1]), Is.EqualTo(ids.Select(i => i.ToString())));
        Assert.That(Read(h, new StreamId(6, 1), new StreamId(7, 3), true).Select(e => e.Id),
            Is.EqualTo(new[] { new StreamId(7, 3), new StreamId(6, ulong.MaxValue - 1) }));
    }

    [Test]
    public void XDelBookkeepingMatchesValkey()
    {
        var h = CreateStream("s");
        for (int i = 1; i <= 5; i++) Append(h, new StreamId((ulong)i, 0), ["f", "v"]);
        Assert.That(StreamValue.Delete(Keyspace, h, new StreamId(3, 0)), Is.True);
        Assert.That(StreamValue.Delete(Keyspace, h, new StreamId(3, 0)), Is.False);
        Assert.That(StreamValue.MaxDeletedId(h), Is.EqualTo(new StreamId(3, 0)));
        Assert.That(StreamValue.FirstId(h), Is.EqualTo(new StreamId(1, 0)));
        StreamValue.Delete(Keyspace, h, new StreamId(1, 0));
        Assert.That(StreamValue.FirstId(h), Is.EqualTo(new StreamId(2, 0)));
        Assert.That(StreamValue.MaxDeletedId(h), Is.EqualTo(new StreamId(3, 0)), "only a larger ID raises it");
        Assert.That(StreamValue.RangeHasTombstones(h, StreamId.Min, StreamId.Max), Is.True);
        Assert.That(StreamValue.RangeHasTombstones(h, new StreamId(4, 0), StreamId.Max), Is.False);
        Assert.That(StreamValue.EstimateDistanceFromFirstEverEntry(h, new StreamId(5, 0)), Is.EqualTo(5));
        Assert.That(StreamValue.EstimateDistanceFromFirstEverEntry(h, new StreamId(9, 0)), Is.EqualTo(StreamValue.InvalidEntriesRead));
        Assert.That(StreamValue.EstimateDistanceFromFirstEverEntry(h, new StreamId(2, 0)), Is.EqualTo(StreamValue.InvalidEntriesRead),
            "a tombstone after the first entry makes the distance unknown");
        Assert.That(StreamValue.LastLiveId(h), Is.EqualTo(new StreamId(5, 0)));
        StreamValue.Delete(Keyspace, h, new StreamId(5, 0));
        Assert.That(StreamValue.LastLiveId(h), Is.EqualTo(new StreamId(4, 0)));
        Assert.That(StreamValue.LastId(h), Is.EqualTo(new StreamId(5, 0)), "the last ID survives deletion");
        foreach (int i in new[] { 2, 4 }) StreamValue.Delete(Keyspace, h, new StreamId((ulong)i, 0));
        Assert.That(StreamValue.Length(h), Is.EqualTo(0));
        Assert.That(StreamValue.FirstId(h), Is.EqualTo(StreamId.Min));
        Assert.That(StreamValue.NodeCount(h), Is.EqualTo(0));
        Assert.That(StreamValue.EstimateDistanceFromFirstEverEntry(h, new StreamId(1, 0)), Is.EqualTo(5));
    }

    [Test]
    public void WriteRangeWritesValkeysShapes()
    {
        var h = CreateStream("s");
        Append(h, new StreamId(1, 0), ["f", "v"]);
        Append(h, new StreamId(2, 5), ["a", "b", "c", "d"]);
        using var pool = new Valkey.Native.Networking.IoBufferPool();
        var reply = new ReplyWriter(pool);
        long n = StreamValue.WriteRange(reply, h, StreamId.Min, StreamId.Max, 0, reverse: true);
        Assert.That(n, Is.EqualTo(2));
        string output = Encoding.ASCII.GetString(reply.PeekPending());
        reply.Dispose();
        Assert.That(output,
            Is.EqualTo("*2\r\n*2\r\n$3\r\n2-5\r\n*4\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n"));
    }

    // ---- RDB support ------------------------------------------------------------------------------

    private sealed class Elements
    {
        public readonly List<object> Items = new();
    }

    private struct CollectingSink(Elements into) : IListpackSink
    {
        public readonly void AppendString(ReadOnlySpan<byte> s) => into.Items.Add(Encoding.UTF8.GetString(s));
        public readonly void AppendInteger(long v) => into.Items.Add(v);
    }

    private struct ReplaySource(Elements from) : IListpackSource
    {
        private int _next;

        public bool Next(out ReadOnlySpan<byte> str, out bool isInt, out long value)
        {
            str = default;
            value = 0;
            isInt = false;
            if (_next >= from.Items.Count) return false;
            object item = from.Items[_next++];
            if (item is long l) { isInt = true; value = l; }
            else str = Encoding.UTF8.GetBytes((string)item);
            return true;
        }
    }

    private static List<Elements> NodesAsValkeyListpacks(ValueHeader* h, out List<StreamId> keys)
    {
        var result = new List<Elements>();
        keys = new List<StreamId>();
        // Through copies, as a snapshot writer would read them.
        byte[] metaCopy = new byte[StreamValue.MetaSize];
        fixed (byte* mc = metaCopy)
        {
            Buffer.MemoryCopy(ValueHeader.PointerAt(h), mc, metaCopy.Length, metaCopy.Length);
            var meta = StreamValue.ParseMeta(mc);
            for (int i = 0; i < meta.NodeCount; i++)
            {
                byte* node = StreamValue.NodeAddressOfSlot(meta.FirstSlot + i * StreamValue.IndexSlotSize);
                byte[] copy = new byte[StreamValue.NodeSize(node)];
                fixed (byte* nc = copy)
                {
                    Buffer.MemoryCopy(node, nc, copy.Length, copy.Length);
                    var e = new Elements();
                    var sink = new CollectingSink(e);
                    StreamValue.WriteNodeAsValkeyListpack(nc, ref sink);
                    result.Add(e);
                    keys.Add(StreamValue.NodeMasterId(nc));
                }
            }
        }
        return result;
    }

    [Test]
    public void NodesAreWrittenInValkeysStreamListpackLayout()
    {
        var h = CreateStream("s");
        Append(h, new StreamId(5, 0), ["f", "v"]);
        Append(h, new StreamId(5, 1), ["f", "w"]);
        Append(h, new StreamId(6, 0), ["g", "x"]);
        StreamValue.Delete(Keyspace, h, new StreamId(5, 1));
        var lps = NodesAsValkeyListpacks(h, out var keys);
        Assert.That(keys, Is.EqualTo(new[] { new StreamId(5, 0) }));
        Assert.That(lps.Single().Items, Is.EqualTo(new object[]
        {
            2L, 1L, 1L, "f", 0L,                  // master entry: count, deleted, fields, terminator
            2L, 0L, 0L, "v", 4L,                  // same fields
            3L, 0L, 1L, "w", 4L,                  // same fields, deleted
            0L, 1L, 0L, 1L, "g", "x", 6L,         // own fields
        }));
        Span<byte> key = stackalloc byte[16];
        StreamValue.EncodeNodeKey(new StreamId(5, 258), key);
        Assert.That(key.ToArray(), Is.EqualTo(new byte[] { 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 1, 2 }));
        Assert.That(StreamValue.DecodeNodeKey(key), Is.EqualTo(new StreamId(5, 258)));
    }

    [Test]
    public void RdbRoundTripThroughValkeyListpacksKeepsEntriesAndMetadata()
    {
        var rng = new Random(7);
        var h = CreateStream("s");
        StreamId last = StreamId.Min;
        for (int i = 0; i < 2000; i++)
        {
            last = new StreamId(last.Ms + (ulong)rng.Next(0, 3), rng.Next(2) == 0 ? last.Seq + 1 : (ulong)rng.Next(0, 2));
            if (last <= StreamValue.LastId(h)) last = new StreamId(StreamValue.LastId(h).Ms, StreamValue.LastId(h).Seq + 1);
            Append(h, last, RandomPairs(rng), 4096, 100);
            if (rng.Next(5) == 0) StreamValue.Delete(Keyspace, h, last);
        }
        StreamValue.Trim(Keyspace, h, StreamTrimStrategy.MaxLen, 1200, default, approx: false, limit: 0);
        var lps = NodesAsValkeyListpacks(h, out var keys);
        Assert.That(lps.Count, Is.EqualTo(StreamValue.NodeCount(h)));

        var loaded = CreateStream("loaded");
        for (int i = 0; i < lps.Count; i++)
        {
            var source = new ReplaySource(lps[i]);
            Assert.That(StreamValue.AppendValkeyListpack(Keyspace, loaded, keys[i], ref source, 4096, 100), Is.True, $"node {i}");
        }
        Assert.That(StreamValue.SetLoadedMetadata(loaded, StreamValue.Length(h), StreamValue.LastId(h), StreamValue.MaxDeletedId(h), StreamValue.EntriesAdded(h)), Is.True);
        Assert.That(Read(loaded, StreamId.Min, StreamId.Max, false).Select(e => (e.Id, string.Join("|", e.Pairs))),
            Is.EqualTo(Read(h, StreamId.Min, StreamId.Max, false).Select(e => (e.Id, string.Join("|", e.Pairs)))));
        Assert.That(StreamValue.LastId(loaded), Is.EqualTo(StreamValue.LastId(h)));
        Assert.That(StreamValue.FirstId(loaded), Is.EqualTo(StreamValue.FirstId(h)));
        Assert.That(StreamValue.EntriesAdded(loaded), Is.EqualTo(StreamValue.EntriesAdded(h)));
        Assert.That(StreamValue.MaxDeletedId(loaded), Is.EqualTo(StreamValue.MaxDeletedId(h)));
        Assert.That(StreamValue.SetLoadedMetadata(loaded, StreamValue.Length(h) + 1, StreamValue.LastId(h), default, 0), Is.False, "length mismatch");

        // Corrupt listpacks are refused.
        var bad = new Elements();
        bad.Items.AddRange(new object[] { 1L, 0L, 1L, "f", 0L, 2L, 0L, 0L, "v", 5L });
        var badSource = new ReplaySource(bad);
        Assert.That(StreamValue.AppendValkeyListpack(Keyspace, CreateStream("bad"), new StreamId(1, 0), ref badSource, 4096, 100), Is.False, "wrong lp-count");
        var old = new Elements();
        old.Items.AddRange(new object[] { 1L, 0L, 1L, "f", 0L, 2L, 0L, 0L, "v", 4L });
        var oldSource = new ReplaySource(old);
        Assert.That(StreamValue.AppendValkeyListpack(Keyspace, loaded, new StreamId(1, 0), ref oldSource, 4096, 100), Is.False, "IDs must increase");
    }
}

/// <summary>The stream commands' steady state allocates nothing per command on the GC heap (XREAD without BLOCK included).</summary>
[NonParallelizable]
public class StreamAllocationTests
{
    [TestCase("XADD", "alloc:s", "*", "field", "value")]
    [TestCase("XADD", "alloc:s", "MAXLEN", "~", "500", "*", "a", "1", "b", "2")]
    [TestCase("XADD", "alloc:s", "MINID", "=", "1-0", "*", "field", "value")]
    [TestCase("XLEN", "alloc:s")]
    [TestCase("XRANGE", "alloc:s", "-", "+", "COUNT", "10")]
    [TestCase("XREVRANGE", "alloc:s", "+", "(1-0", "COUNT", "10")]
    [TestCase("XREAD", "COUNT", "5", "STREAMS", "alloc:s", "alloc:none", "0", "$")]
    [TestCase("XDEL", "alloc:s", "9-9")]
    [TestCase("XTRIM", "alloc:s", "MAXLEN", "~", "1000")]
    public void SteadyStateStreamCommandAllocatesNothing(params string[] command)
    {
        using var server = new InProcessServer();
        for (int i = 1; i <= 300; i++) server.Execute("XADD", "alloc:s", $"{i}-0", "field", "value" + i);
        const int runs = 20_000;
        long allocated = server.AllocatedBytes(warmup: 2000, runs, RawRespClient.EncodeCommand(command));
        Assert.That(allocated, Is.EqualTo(0), $"{string.Join(' ', command)} allocated {allocated} bytes over {runs} runs");
    }
}
