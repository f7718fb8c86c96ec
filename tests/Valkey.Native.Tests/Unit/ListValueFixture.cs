using NUnit.Framework;
using Valkey.Native.Storage;
using Valkey.Native.Tests.Infrastructure;

namespace Valkey.Native.Tests.Unit;

/// <summary>
/// What the <see cref="ListValue"/> model tests share: creating a list in the keyspace, reading it
/// whole in either direction, comparing it with a List&lt;byte[]&gt; model, and an LREM-like removal
/// applied to the list and the model alike.
/// </summary>
public abstract unsafe class ListValueFixture : KeyspaceFixture
{
    /// <summary>The list-compress-depth the helpers build lists with (compression tests set it per test).</summary>
    protected int CompressDepth;

    /// <summary>The settings a list command would pass with this fill and <see cref="CompressDepth"/>.</summary>
    protected ListLimits Limits(int fill) => new(fill, CompressDepth, ListLimits.NoPackedThreshold);

    protected ValueHeader* Create(string key)
    {
        byte* entry = Db.Add(B(key), DataType.List, ValueEncoding.ListPack, 8);
        ValueHeader* header = Database.Header(entry);
        ListValue.InitEmpty(Keyspace, header);
        return header;
    }

    protected struct Collector : IListVisitor
    {
        public List<byte[]> Items;
        public void Visit(ReadOnlySpan<byte> element) => Items.Add(element.ToArray());
    }

    protected static List<byte[]> All(ValueHeader* h, bool reverse = false)
    {
        var c = new Collector { Items = [] };
        long n = ListValue.Length(h);
        if (n > 0) ListValue.VisitRange(h, reverse ? n - 1 : 0, n, reverse, ref c);
        return c.Items;
    }

    /// <summary>The list equals the model, walked forward and backward.</summary>
    protected static void AssertSame(ValueHeader* h, List<byte[]> model, string context)
    {
        Assert.That(ListValue.Length(h), Is.EqualTo(model.Count), context);
        Assert.That(All(h), Is.EqualTo(model), context);
        var reversed = All(h, reverse: true);
        reversed.Reverse();
        Assert.That(reversed, Is.EqualTo(model), context + " (backward walk)");
    }

    /// <summary>LPUSH/RPUSH of one element, converting first as the commands do.</summary>
    protected void Push(ValueHeader* h, byte[] v, bool head, int fill)
    {
        var limits = Limits(fill);
        ListValue.TryConvertForGrowth(Keyspace, h, limits, v.Length, 1);
        ListValue.Push(Keyspace, h, v, head, limits);
    }

    /// <summary>LPOP/RPOP of one element from the list and the model, checking the element first.</summary>
    protected void PopEnd(ValueHeader* h, List<byte[]> model, bool head, string context)
    {
        Assert.That(ListValue.Peek(h, head).ToArray(), Is.EqualTo(head ? model[0] : model[^1]), context);
        ListValue.RemoveEnd(Keyspace, h, head);
        model.RemoveAt(head ? 0 : model.Count - 1);
    }

    /// <summary>LSET on the list and the model.</summary>
    protected void SetAt(ValueHeader* h, List<byte[]> model, int index, byte[] v, int fill)
    {
        var limits = Limits(fill);
        ListValue.TryConvertForGrowth(Keyspace, h, limits, v.Length, 1);
        ListValue.Set(Keyspace, h, index, v, limits);
        model[index] = v;
    }

    /// <summary>LINSERT before or after the first element equal to <paramref name="pivot"/>, on the list and the model.</summary>
    protected void InsertAtPivot(ValueHeader* h, List<byte[]> model, byte[] pivot, byte[] v, bool after, int fill, string context)
    {
        var limits = Limits(fill);
        ListValue.TryConvertForGrowth(Keyspace, h, limits, v.Length, 1);
        Assert.That(ListValue.Insert(Keyspace, h, pivot, after, v, limits), Is.True, context);
        int first = model.FindIndex(x => x.AsSpan().SequenceEqual(pivot));
        model.Insert(after ? first + 1 : first, v);
    }

    /// <summary>Deletes <paramref name="n"/> elements from <paramref name="start"/> in the list and the model.</summary>
    protected void DeleteRange(ValueHeader* h, List<byte[]> model, int start, int n)
    {
        ListValue.DeleteRange(Keyspace, h, start, n);
        model.RemoveRange(start, n);
    }

    /// <summary>LTRIM-like: drops <paramref name="left"/> elements at the head and <paramref name="right"/> at the tail.</summary>
    protected void TrimEnds(ValueHeader* h, List<byte[]> model, int left, int right)
    {
        ListValue.Trim(Keyspace, h, left, right);
        model.RemoveRange(0, left);
        model.RemoveRange(model.Count - right, right);
    }

    /// <summary>LREM-like: removes up to <paramref name="k"/> (0: all) matches of <paramref name="target"/> from the list and the model.</summary>
    protected void RemoveMatching(ValueHeader* h, List<byte[]> model, byte[] target, bool forward, int k, string context)
    {
        int removed = 0;
        var c = ListValue.Start(h, forward);
        while (c.Valid)
        {
            if (c.Value.SequenceEqual(target))
            {
                c = ListValue.DeleteAt(Keyspace, h, c, forward);
                removed++;
                if (k != 0 && removed == k) break;
            }
            else c = ListValue.Step(c, forward);
        }
        int fromModel = 0;
        if (forward)
        {
            for (int i = 0; i < model.Count && (k == 0 || fromModel < k);)
                if (model[i].AsSpan().SequenceEqual(target)) { model.RemoveAt(i); fromModel++; } else i++;
        }
        else
        {
            for (int i = model.Count - 1; i >= 0 && (k == 0 || fromModel < k); i--)
                if (model[i].AsSpan().SequenceEqual(target)) { model.RemoveAt(i); fromModel++; }
        }
        Assert.That(removed, Is.EqualTo(fromModel), context);
    }
}
