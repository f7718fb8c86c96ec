using NUnit.Framework;
using Valkey.Native.Storage;

namespace Valkey.Native.Tests.Unit;

/// <summary>
/// How <see cref="ListValue"/> sizes its nodes on the push path: a new list's first node fits the
/// elements being pushed (no 64-byte node reallocated at once), and a node that grows keeps the
/// elements in order whether the gap opens at the head, the tail or in the middle.
/// </summary>
[TestFixture]
public sealed unsafe class ListNodeSizingTests : ListValueFixture
{
    private ValueHeader* CreateSized(string key, long bytes, long count)
    {
        byte* entry = Db.Add(B(key), DataType.List, ValueEncoding.ListPack, 8);
        ValueHeader* header = Database.Header(entry);
        ListValue.InitEmpty(Keyspace, header, bytes, count);
        return header;
    }

    private static byte[] Filled(int length, char c) => Enumerable.Repeat((byte)c, length).ToArray();

    [Test]
    public void FirstNodeCapacityCoversTheElementsOrFallsBackToTheMinimum()
    {
        Assert.That(ListValue.FirstNodeCapacity(0, 0), Is.EqualTo(64), "no hint");
        Assert.That(ListValue.FirstNodeCapacity(1024, 1), Is.EqualTo(32 + 1024 + 6));
        Assert.That(ListValue.FirstNodeCapacity(3 * 100, 3), Is.EqualTo(32 + 300 + 18));
        Assert.That(ListValue.FirstNodeCapacity(65536, 1), Is.EqualTo(64), "past any node limit: the list converts at once");
    }

    [TestCase(1024, 1)]
    [TestCase(100, 3)]
    [TestCase(4000, 2)]
    [TestCase(1, 10)]
    [TestCase(20000, 1)]
    public void ANewListTakesItsFirstElementsWithoutMovingItsNode(int length, int count)
    {
        const int fill = -5; // 64 KB listpacks: even a 20,000-byte element (3-byte varints) stays in the listpack
        ValueHeader* h = CreateSized("l", (long)length * count, count);
        byte* node = ValueHeader.PointerAt(h);
        long blocks = Keyspace.Arena.LiveBlocks;
        var model = new List<byte[]>();
        for (int i = 0; i < count; i++)
        {
            var v = Filled(length, (char)('a' + i));
            Push(h, v, head: true, fill);
            model.Insert(0, v);
        }
        Assert.That(h->Encoding, Is.EqualTo(ValueEncoding.ListPack));
        Assert.That(ValueHeader.PointerAt(h) == node, Is.True, "the first node was reallocated");
        Assert.That(Keyspace.Arena.LiveBlocks, Is.EqualTo(blocks));
        Assert.That(ListValue.MemoryBytes(Keyspace, h),
            Is.EqualTo((long)Arena.SizeClassFor((nuint)ListValue.FirstNodeCapacity((long)length * count, count))));
        AssertSame(h, model, "after the pushes");
        Db.Delete(B("l"));
        Assert.That(Keyspace.Arena.UsedBytes, Is.EqualTo(Baseline));
    }

    [Test]
    public void IntegerElementsFitTheirTextSizedNode()
    {
        // "-9223372036854775808" is stored in 10 bytes, less than its 20-byte text: the hint over-covers.
        ValueHeader* h = CreateSized("l", 20 + 1, 2);
        byte* node = ValueHeader.PointerAt(h);
        Push(h, B("-9223372036854775808"), head: false, fill: -2);
        Push(h, B("7"), head: false, fill: -2);
        Assert.That(ValueHeader.PointerAt(h) == node, Is.True);
        AssertSame(h, [B("-9223372036854775808"), B("7")], "integers");
        Db.Delete(B("l"));
        Assert.That(Keyspace.Arena.UsedBytes, Is.EqualTo(Baseline));
    }

    [Test]
    public void AnOversizedFirstElementConvertsAndFreesTheMinimalNode()
    {
        const int fill = -1; // 4 KB
        var big = Filled(5000, 'z');
        ValueHeader* h = CreateSized("l", big.Length, 1);
        Push(h, big, head: false, fill);
        Assert.That(h->Encoding, Is.EqualTo(ValueEncoding.QuickList));
        Assert.That(ListValue.NodeCount(h), Is.EqualTo(1));
        AssertSame(h, [big], "one large element");
        Db.Delete(B("l"));
        Assert.That(Keyspace.Arena.UsedBytes, Is.EqualTo(Baseline));
    }

    [TestCase(true)]
    [TestCase(false)]
    public void KilobyteElementsFillEightKilobyteNodes(bool head)
    {
        // redis-benchmark's LPUSH -d 1024: 7 elements of 1,028 node bytes per 8 KB node
        // (Valkey's listpack takes 7 too), each node in the 8,192-byte class, grown by single copies.
        const int fill = -2;
        ValueHeader* h = Create("l");
        var model = new List<byte[]>();
        for (int i = 0; i < 70; i++)
        {
            var v = Filled(1024, (char)('A' + i % 26));
            v[0] = (byte)i;
            Push(h, v, head, fill);
            if (head) model.Insert(0, v); else model.Add(v);
        }
        Assert.That(h->Encoding, Is.EqualTo(ValueEncoding.QuickList));
        Assert.That(ListValue.NodeCount(h), Is.EqualTo(10));
        Assert.That(ListValue.MemoryBytes(Keyspace, h), Is.EqualTo(32 + 10 * 8192), "the quicklist header and ten 8 KB nodes");
        AssertSame(h, model, "after the pushes");
        Db.Delete(B("l"));
        Assert.That(Keyspace.Arena.UsedBytes, Is.EqualTo(Baseline));
    }

    [Test]
    public void GrowingANodeInTheMiddleKeepsBothSides()
    {
        // LINSERT into a full-class node: the node moves to a larger block with the gap mid-way.
        const int fill = -2;
        ValueHeader* h = Create("l");
        var model = new List<byte[]>();
        for (int i = 0; i < 5; i++)
        {
            var v = Filled(900, (char)('a' + i));
            Push(h, v, head: false, fill);
            model.Add(v);
        }
        long before = ListValue.MemoryBytes(Keyspace, h);
        var inserted = Filled(700, 'X');
        InsertAtPivot(h, model, pivot: model[2], inserted, after: true, fill, "middle insert");
        Assert.That(ListValue.MemoryBytes(Keyspace, h), Is.GreaterThan(before), "the node grew");
        AssertSame(h, model, "after the insert");
        Db.Delete(B("l"));
        Assert.That(Keyspace.Arena.UsedBytes, Is.EqualTo(Baseline));
    }
}
