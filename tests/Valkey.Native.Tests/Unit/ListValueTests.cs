using System.Text;
using NUnit.Framework;
using Valkey.Native.Tests.Infrastructure;
using Valkey.Native.Storage;

namespace Valkey.Native.Tests.Unit;

/// <summary>
/// <see cref="ListValue"/> driven directly over a real <see cref="Keyspace"/> and checked against a
/// List&lt;byte[]&gt; model: random operations across node boundaries in both encodings, the
/// conversions both ways, clones, and the return of every arena byte on free.
/// </summary>
[TestFixture]
public sealed unsafe class ListValueTests : ListValueFixture
{

    private static byte[] RandomElement(Random rng)
    {
        return rng.Next(6) switch
        {
            0 => B(rng.Next(-100000, 100000).ToString()),
            1 => new byte[rng.Next(0, 3)],
            2 => Enumerable.Range(0, rng.Next(100, 400)).Select(i => (byte)('a' + i % 26)).ToArray(),
            3 => B("v" + rng.Next(10)),
            _ => Enumerable.Range(0, rng.Next(1, 40)).Select(_ => (byte)rng.Next(256)).ToArray(),
        };
    }

    [TestCase(-1, 1)]
    [TestCase(-2, 2)]
    [TestCase(4, 3)]
    [TestCase(1, 4)]
    [TestCase(-1, 5)]
    [TestCase(128, 6)]
    [TestCase(-2, 7)]
    [TestCase(2, 8)]
    [TestCase(0, 9)]
    [TestCase(-1, 10)]
    public void RandomOperationsMatchAListModel(int fill, int seed)
    {
        var rng = new Random(seed);
        var model = new List<byte[]>();
        ValueHeader* h = Create("l");
        bool sawQuicklist = false, sawListpackAfterQuicklist = false;
        for (int step = 0; step < 3000; step++)
        {
            // Alternate growing and shrinking phases so the list crosses the limits both ways.
            int pushPercent = (step / 400) % 2 == 0 ? 70 : 15;
            int op = rng.Next(100) < pushPercent ? 0 : 30 + rng.Next(70);
            string ctx = $"fill {fill} step {step} op {op}";
            if (op < 30 || model.Count == 0)
            {
                var v = RandomElement(rng);
                bool head = rng.Next(2) == 0;
                Push(h, v, head, fill);
                if (head) model.Insert(0, v); else model.Add(v);
            }
            else if (op < 45)
            {
                PopEnd(h, model, head: rng.Next(2) == 0, ctx);
            }
            else if (op < 55)
            {
                SetAt(h, model, rng.Next(model.Count), RandomElement(rng), fill);
            }
            else if (op < 65)
            {
                InsertAtPivot(h, model, pivot: model[rng.Next(model.Count)], RandomElement(rng), after: rng.Next(2) == 0, fill, ctx);
            }
            else if (op < 72)
            {
                int start = rng.Next(model.Count);
                DeleteRange(h, model, start, n: rng.Next(1, Math.Min(20, model.Count - start) + 1));
            }
            else if (op < 78)
            {
                // LREM-like: remove up to k matches of a value in a direction.
                RemoveMatching(h, model, model[rng.Next(model.Count)], forward: rng.Next(2) == 0, k: rng.Next(0, 3), ctx);
            }
            else if (op < 80 && model.Count > 10)
            {
                TrimEnds(h, model, left: rng.Next(3), right: rng.Next(3));
            }
            else
            {
                int i = rng.Next(model.Count);
                Assert.That(ListValue.Locate(h, i).Value.ToArray(), Is.EqualTo(model[i]), ctx);
            }
            if (model.Count == 0)
            {
                // As the commands do: an emptied list is deleted, then recreated.
                Db.Delete(B("l"));
                Assert.That(Keyspace.Arena.UsedBytes, Is.EqualTo(Baseline), ctx + ": memory back after delete");
                h = Create("l");
                continue;
            }
            if (op >= 30 && op < 80) ListValue.TryConvertAfterShrink(Keyspace, h, Limits(fill));
            bool quick = h->Encoding == ValueEncoding.QuickList;
            if (quick) sawQuicklist = true;
            else if (sawQuicklist) sawListpackAfterQuicklist = true;
            if (step % 37 == 0) AssertSame(h, model, ctx);
        }
        AssertSame(h, model, "final");
        Assert.That(sawQuicklist, Is.True, "the run crossed the listpack limit");
        Assert.That(sawListpackAfterQuicklist, Is.True, "the run converted back at least once");

        // A clone is deep and independent.
        byte* copy = Db.CopyValueFrom(Db.Lookup(B("l"), LookupFlags.NoTouch | LookupFlags.NoStats), B("copy"));
        ValueHeader* ch = Database.Header(copy);
        AssertSame(ch, model, "clone");
        while (ListValue.Length(ch) > 0) ListValue.RemoveEnd(Keyspace, ch, true);
        AssertSame(h, model, "original after emptying the clone");
        Db.Delete(B("copy"));
        Db.Delete(B("l"));
        Assert.That(Keyspace.Arena.UsedBytes, Is.EqualTo(Baseline), "every byte returned");
    }

    [Test]
    public void ListpackConvertsPastTheEntryLimitAndBackAtHalf()
    {
        const int fill = 4;
        ValueHeader* h = Create("l");
        for (int i = 0; i < 4; i++) Push(h, B($"e{i}"), head: false, fill);
        Assert.That(h->Encoding, Is.EqualTo(ValueEncoding.ListPack));
        Push(h, B("e4"), head: false, fill);
        Assert.That(h->Encoding, Is.EqualTo(ValueEncoding.QuickList));
        Assert.That(ListValue.NodeCount(h), Is.EqualTo(2));
        ListValue.RemoveEnd(Keyspace, h, head: false);   // [e0..e3]: one node of 4 > 2
        ListValue.TryConvertAfterShrink(Keyspace, h, Limits(fill));
        Assert.That(h->Encoding, Is.EqualTo(ValueEncoding.QuickList));
        ListValue.RemoveEnd(Keyspace, h, head: true);
        ListValue.TryConvertAfterShrink(Keyspace, h, Limits(fill));
        Assert.That(h->Encoding, Is.EqualTo(ValueEncoding.QuickList), "3 > 4/2");
        ListValue.RemoveEnd(Keyspace, h, head: true);
        ListValue.TryConvertAfterShrink(Keyspace, h, Limits(fill));
        Assert.That(h->Encoding, Is.EqualTo(ValueEncoding.ListPack), "2 <= 4/2");
        Assert.That(All(h), Is.EqualTo(new[] { B("e2"), B("e3") }));
    }

    [Test]
    public void ByteLimitCountsListpackSizes()
    {
        const int fill = -1; // 4096 bytes
        ValueHeader* h = Create("l");
        var big = new byte[1000];
        for (int i = 0; i < 4; i++) Push(h, big, head: true, fill);
        Assert.That(h->Encoding, Is.EqualTo(ValueEncoding.ListPack), "4 x ~1003 bytes fit in 4096");
        Push(h, big, head: true, fill);
        Assert.That(h->Encoding, Is.EqualTo(ValueEncoding.QuickList));
        Assert.That(ListValue.MemoryBytes(Keyspace, h), Is.GreaterThan(5000));
    }

    [Test]
    public void NodesShrinkAfterDeletions()
    {
        const int fill = -5; // 64 KB
        ValueHeader* h = Create("l");
        var v = new byte[100];
        for (int i = 0; i < 500; i++) Push(h, v, head: false, fill);
        Assert.That(h->Encoding, Is.EqualTo(ValueEncoding.ListPack));
        Assert.That(ListValue.MemoryBytes(Keyspace, h), Is.GreaterThan(50_000));
        for (int i = 0; i < 490; i++) ListValue.RemoveEnd(Keyspace, h, head: i % 2 == 0);
        Assert.That(ListValue.Length(h), Is.EqualTo(10));
        Assert.That(ListValue.MemoryBytes(Keyspace, h), Is.LessThan(4_000), "a mostly empty node gives memory back");
        Assert.That(All(h), Has.Count.EqualTo(10));
        Db.Delete(B("l"));
        Assert.That(Keyspace.Arena.UsedBytes, Is.EqualTo(Baseline));
    }

    [Test]
    public void FullNodesFitTheirSizeClass([Values(-1, -2, 128)] int fill)
    {
        // 1M-element lists of 15-byte elements: Valkey's rule alone would let a node's own bytes
        // (32-byte header + elements) pass the byte limit by ~25 bytes, into the next size class.
        ValueHeader* h = Create("l");
        var model = new List<byte[]>();
        for (int i = 0; i < 3000; i++)
        {
            var v = B($"element:{i:D7}");
            Push(h, v, head: i % 3 == 0, fill);
            if (i % 3 == 0) model.Insert(0, v); else model.Add(v);
        }
        Assert.That(h->Encoding, Is.EqualTo(ValueEncoding.QuickList));
        long limit = fill < 0 ? 4096L << (-fill - 1) : 8192;
        long nodes = ListValue.NodeCount(h);
        Assert.That(ListValue.MemoryBytes(Keyspace, h), Is.LessThanOrEqualTo(nodes * limit + 32), "every node within its limit's class");
        if (fill < 0)
            Assert.That(nodes, Is.LessThanOrEqualTo(3000 / ((limit - 32) / 17) + 3), "nodes are still filled up to the limit");
        else
            Assert.That(nodes, Is.LessThanOrEqualTo(3000 / 128 + 3), "count-limited nodes are unaffected");
        AssertSame(h, model, "after the pushes");
        Db.Delete(B("l"));
        Assert.That(Keyspace.Arena.UsedBytes, Is.EqualTo(Baseline));
    }

    [Test]
    public void NodeBytesCapOnlyRefusesWhatWouldPassTheLimit()
    {
        const int fill = -2; // 8 KB
        ValueHeader* h = Create("l");
        Push(h, new byte[5000], head: false, fill);
        Push(h, new byte[5000], head: false, fill);
        Assert.That(h->Encoding, Is.EqualTo(ValueEncoding.QuickList));
        // 8,160 bytes: Valkey's listpack would be 8,174 bytes, ours 8,196 with the node header. It
        // still gets a node of its own (an empty node takes any element that is not "large").
        var near = new byte[8160];
        Push(h, near, head: false, fill);
        Assert.That(ListValue.NodeCount(h), Is.EqualTo(3));
        // Valkey would add "x" to that node (8,174 + 1 + 8 <= 8,192); our node is already past
        // 8,192 bytes of its own, so "x" starts the next node.
        Push(h, B("x"), head: false, fill);
        Assert.That(ListValue.Length(h), Is.EqualTo(4));
        Assert.That(ListValue.NodeCount(h), Is.EqualTo(4));
        Push(h, B("y"), head: false, fill);
        Assert.That(ListValue.NodeCount(h), Is.EqualTo(4), "small elements share a node again");
        Db.Delete(B("l"));
        Assert.That(Keyspace.Arena.UsedBytes, Is.EqualTo(Baseline));
    }

    [Test]
    public void IntegerElementsAreCompactAndReadBackByteForByte([Values(4, -2)] int fill)
    {
        string[] elements =
        [
            "0", "-0", "00", "007", "+5", "-1", "1", "118", "119", "127", "128", "-128", "-129", "255", "32767", "-32768",
            "65536", "9223372036854775807", "-9223372036854775808", "9223372036854775808", "-9223372036854775809",
            " 1", "1 ", "", "1.0", "0x10", "12345678901234567890", "-", "1e3", "99999999999999999999",
        ];
        ValueHeader* h = Create("l");
        var model = new List<byte[]>();
        foreach (var e in elements) { Push(h, B(e), head: false, fill); model.Add(B(e)); }
        foreach (var e in elements) { Push(h, B(e), head: true, fill); model.Insert(0, B(e)); }
        AssertSame(h, model, "pushed");
        for (int i = 0; i < model.Count; i += 3) Assert.That(ListValue.Locate(h, i).Value.ToArray(), Is.EqualTo(model[i]), $"index {i}");
        Assert.That(ListValue.Peek(h, head: true).ToArray(), Is.EqualTo(model[0]));
        Assert.That(ListValue.Peek(h, head: false).ToArray(), Is.EqualTo(model[^1]));
        // Set and Insert across the encodings (a string replaced by an integer and back).
        ListValue.Set(Keyspace, h, 5, B("-42"), Limits(fill)); model[5] = B("-42");
        ListValue.Set(Keyspace, h, 6, B("text"), Limits(fill)); model[6] = B("text");
        Assert.That(ListValue.Insert(Keyspace, h, B("-42"), after: true, B("4242424242"), Limits(fill)), Is.True);
        model.Insert(6, B("4242424242"));
        AssertSame(h, model, "after set and insert");
        Db.Delete(B("l"));
        Assert.That(Keyspace.Arena.UsedBytes, Is.EqualTo(Baseline));
    }

    [Test]
    public void AListOfIntegersTakesValkeysListpackBytes()
    {
        // 100 integers of 5-7 digits: a tag byte + 2-4 payload bytes + 1 back byte each, the same as
        // Valkey's 16/24/32-bit integers + backlen: 32 + 515 = 547 bytes in the 640 class (as text
        // they took 32 + 909 = 941 bytes, the 1,024 class).
        ValueHeader* h = Create("l");
        for (int j = 0; j < 100; j++) Push(h, B((j * 100003 + 12345).ToString()), head: false, fill: -2);
        Assert.That(h->Encoding, Is.EqualTo(ValueEncoding.ListPack));
        Assert.That(ListValue.MemoryBytes(Keyspace, h), Is.EqualTo(640));
        Assert.That(ListValue.ListpackBytes(h), Is.EqualTo(7 + 4 + 83 * 5 + 16 * 6), "Valkey's size estimate is unchanged");
        var all = All(h);
        for (int j = 0; j < 100; j++) Assert.That(all[j], Is.EqualTo(B((j * 100003 + 12345).ToString())));
        Db.Delete(B("l"));
        Assert.That(Keyspace.Arena.UsedBytes, Is.EqualTo(Baseline));
    }
}
