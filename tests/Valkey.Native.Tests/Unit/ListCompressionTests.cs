using System.Text;
using NUnit.Framework;
using Valkey.Native.Tests.Infrastructure;
using Valkey.Native.Storage;

namespace Valkey.Native.Tests.Unit;

/// <summary>
/// list-compress-depth in <see cref="ListValue"/>: random operations (pushes, pops, LSET, LINSERT,
/// LREM, LTRIM and range deletions in the middle) against a List&lt;byte[]&gt; model with depth 1
/// and 2, checking after each step that the end nodes are raw and every other node was compressed
/// (or found not worth it), and that clones and frees handle compressed nodes.
/// </summary>
[TestFixture, NonParallelizable]
public sealed unsafe class ListCompressionTests : ListValueFixture
{
    [TearDown]
    public void ResetDepth() => CompressDepth = 0;

    /// <summary>The depth nodes at each end are raw; every other node is compressed, too small, or found incompressible.</summary>
    private static int AssertShape(ValueHeader* h, int depth, string context)
    {
        var map = ListValue.CompressionMap(h);
        int compressed = 0;
        for (int i = 0; i < map.Length; i++)
        {
            bool end = i < depth || i >= map.Length - depth;
            if (end) Assert.That(map[i].State, Is.Not.EqualTo(1), $"{context}: node {i}/{map.Length} is within the depth");
            else if (map[i].Bytes >= 48) Assert.That(map[i].State, Is.Not.EqualTo(0), $"{context}: node {i}/{map.Length} left raw");
            if (map[i].State == 1) compressed++;
        }
        return compressed;
    }

    private static byte[] RandomElement(Random rng) => rng.Next(6) switch
    {
        0 => B(rng.Next(-100000, 100000).ToString()),
        1 => B("v" + rng.Next(10)),
        2 => Enumerable.Range(0, rng.Next(20, 300)).Select(i => (byte)('a' + i % 26)).ToArray(),
        3 => B("element-" + rng.Next(1000) + "-padding-padding-padding"),
        4 => Enumerable.Range(0, rng.Next(1, 40)).Select(_ => (byte)rng.Next(256)).ToArray(),
        _ => new byte[rng.Next(0, 3)],
    };

    [TestCase(1, -2, 1)]
    [TestCase(2, -1, 2)]
    [TestCase(1, 8, 3)]
    [TestCase(2, 16, 4)]
    [TestCase(1, -1, 5)]
    [TestCase(3, 4, 6)]
    public void RandomOperationsMatchAListModel(int depth, int fill, int seed)
    {
        CompressDepth = depth;
        var rng = new Random(seed);
        var model = new List<byte[]>();
        ValueHeader* h = Create("l");
        int maxCompressed = 0;
        for (int step = 0; step < 3000; step++)
        {
            int pushPercent = (step / 500) % 2 == 0 ? 75 : 20;
            int op = rng.Next(100) < pushPercent ? 0 : 30 + rng.Next(70);
            string ctx = $"depth {depth} fill {fill} step {step} op {op}";
            if (op < 30 || model.Count == 0)
            {
                var v = RandomElement(rng);
                bool head = rng.Next(2) == 0;
                Push(h, v, head, fill);
                if (head) model.Insert(0, v); else model.Add(v);
            }
            else if (op < 42)
            {
                PopEnd(h, model, head: rng.Next(2) == 0, ctx);
            }
            else if (op < 52)
            {
                SetAt(h, model, rng.Next(model.Count), RandomElement(rng), fill);
            }
            else if (op < 62)
            {
                InsertAtPivot(h, model, pivot: model[rng.Next(model.Count)], RandomElement(rng), after: rng.Next(2) == 0, fill, ctx);
            }
            else if (op < 68)
            {
                int start = rng.Next(model.Count);
                DeleteRange(h, model, start, n: rng.Next(1, Math.Min(20, model.Count - start) + 1));
            }
            else if (op < 75)
            {
                RemoveMatching(h, model, model[rng.Next(model.Count)], forward: rng.Next(2) == 0, k: rng.Next(0, 3), ctx);
            }
            else if (op < 78 && model.Count > 10)
            {
                TrimEnds(h, model, left: rng.Next(3), right: rng.Next(3));
            }
            else
            {
                // reads must not leave nodes decompressed
                int i = rng.Next(model.Count);
                Assert.That(ListValue.Locate(h, i).Value.ToArray(), Is.EqualTo(model[i]), ctx);
                if (rng.Next(4) == 0)
                {
                    int from = rng.Next(model.Count);
                    var c = new Collector { Items = [] };
                    int n = rng.Next(1, model.Count - from + 1);
                    ListValue.VisitRange(h, from, n, false, ref c);
                    Assert.That(c.Items, Is.EqualTo(model.GetRange(from, n)), ctx);
                }
            }
            if (model.Count == 0)
            {
                Db.Delete(B("l"));
                Assert.That(Keyspace.Arena.UsedBytes, Is.EqualTo(Baseline), ctx + ": memory back after delete");
                h = Create("l");
                continue;
            }
            if (op >= 30 && op < 78) ListValue.TryConvertAfterShrink(Keyspace, h, Limits(fill));
            if (h->Encoding == ValueEncoding.QuickList)
            {
                Assert.That(ListValue.DepthOf(h), Is.EqualTo(depth), ctx);
                maxCompressed = Math.Max(maxCompressed, AssertShape(h, depth, ctx));
            }
            if (step % 29 == 0) AssertSame(h, model, ctx);
        }
        AssertSame(h, model, "final");
        Assert.That(maxCompressed, Is.GreaterThan(0), "the run compressed interior nodes");

        byte* copy = Db.CopyValueFrom(Db.Lookup(B("l"), LookupFlags.NoTouch | LookupFlags.NoStats), B("copy"));
        ValueHeader* ch = Database.Header(copy);
        AssertSame(ch, model, "clone");
        if (ch->Encoding == ValueEncoding.QuickList) AssertShape(ch, depth, "clone");
        while (ListValue.Length(ch) > 0) ListValue.RemoveEnd(Keyspace, ch, true);
        AssertSame(h, model, "original after emptying the clone");
        Db.Delete(B("copy"));
        Db.Delete(B("l"));
        Assert.That(Keyspace.Arena.UsedBytes, Is.EqualTo(Baseline), "every byte returned");
    }

    [TestCase(1)]
    [TestCase(2)]
    public void CompressibleListCompressesAllButTheEnds(int depth)
    {
        CompressDepth = depth;
        ValueHeader* h = Create("c");
        var model = new List<byte[]>();
        for (int i = 0; i < 2000; i++)
        {
            var v = B("some fairly repetitive element text " + (i % 50));
            Push(h, v, head: false, fill: -2);
            model.Add(v);
        }
        var map = ListValue.CompressionMap(h);
        Assert.That(map.Length, Is.GreaterThan(2 * depth + 2));
        for (int i = 0; i < map.Length; i++)
            Assert.That(map[i].State, Is.EqualTo(i < depth || i >= map.Length - depth ? 0 : 1), $"node {i}");
        long compressedBytes = ListValue.MemoryBytes(Keyspace, h);
        Assert.That(compressedBytes, Is.LessThan(ListValue.ListpackBytes(h) / 2), "memory shows the saving");

        // Reads go through views and leave the nodes compressed.
        for (int i = 0; i < model.Count; i += 37) Assert.That(ListValue.Locate(h, i).Value.ToArray(), Is.EqualTo(model[i]));
        AssertSame(h, model, "reads");
        Assert.That(ListValue.CompressionMap(h).Select(m => m.State), Is.EqualTo(map.Select(m => m.State)), "reads leave the shape");

        // Popping everything from one end walks the window through the list.
        while (model.Count > 0)
        {
            Assert.That(ListValue.Peek(h, true).ToArray(), Is.EqualTo(model[0]));
            ListValue.RemoveEnd(Keyspace, h, true);
            model.RemoveAt(0);
            if (model.Count % 97 == 0 && h->Encoding == ValueEncoding.QuickList) AssertShape(h, depth, $"pop {model.Count}");
        }
        Db.Delete(B("c"));
        Assert.That(Keyspace.Arena.UsedBytes, Is.EqualTo(Baseline), "every byte returned");
    }

    [Test]
    public void DepthZeroNeverCompresses()
    {
        ValueHeader* h = Create("z");
        for (int i = 0; i < 2000; i++) Push(h, B("some fairly repetitive element text " + (i % 50)), head: i % 2 == 0, fill: -2);
        Assert.That(ListValue.DepthOf(h), Is.EqualTo(0));
        Assert.That(ListValue.CompressionMap(h).All(m => m.State == 0), Is.True);
    }
}
