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
