using System.Text;
using NUnit.Framework;
using Valkey.Native.Tests.Infrastructure;
using Valkey.Native.Storage;

namespace Valkey.Native.Tests.Unit;

/// <summary>
/// <see cref="SetValue"/> driven directly over a real <see cref="Keyspace"/> and checked against a
/// HashSet model: the three encodings, every conversion rule, intset widths and order, clones and
/// the return of every arena byte on delete.
/// </summary>
[TestFixture]
public sealed unsafe class SetValueTests : KeyspaceFixture
{
    private static readonly SetLimits Default = new(512, 128, 64);

    private ValueHeader* Create(string key, ValueEncoding encoding)
    {
        byte* entry = Db.Add(B(key), DataType.Set, encoding, 8);
        ValueHeader* header = Database.Header(entry);
        SetValue.InitEmpty(Keyspace, header, encoding);
        return header;
    }

    private ValueHeader* HeaderOf(string key)
    {
        byte* entry = Db.Lookup(B(key), LookupFlags.NoTouch | LookupFlags.NoStats);
        Assert.That(entry != null, $"key {key} is missing");
        return Database.Header(entry);
    }

    private bool Add(ValueHeader* h, string m, SetLimits? limits = null) => SetValue.Add(Keyspace, h, B(m), limits ?? Default);

    private List<string> MembersOf(ValueHeader* h) => SetValue.Members(Keyspace, h).Select(Encoding.UTF8.GetString).ToList();

    [Test]
    public void IntsetKeepsIntegersSortedAcrossWidthUpgrades()
    {
        var h = Create("s", ValueEncoding.IntSet);
        long[] values = [5, -3, 40000, 0, -40000, 3_000_000_000, -3_000_000_000, long.MaxValue, long.MinValue, 7];
        foreach (long v in values) Assert.That(Add(h, v.ToString()), Is.True, v.ToString());
        foreach (long v in values) Assert.That(Add(h, v.ToString()), Is.False, "already present: " + v);
        Assert.That(h->Encoding, Is.EqualTo(ValueEncoding.IntSet));
        var sorted = values.Order().Select(v => v.ToString()).ToList();
        Assert.That(MembersOf(h), Is.EqualTo(sorted));
        Assert.That(SetValue.Count(Keyspace, h), Is.EqualTo(values.Length));
        Assert.That(SetValue.Contains(Keyspace, h, B("40000")), Is.True);
        Assert.That(SetValue.Contains(Keyspace, h, B("040000")), Is.False, "not the canonical form");
        Assert.That(SetValue.Contains(Keyspace, h, B("x")), Is.False);
        Assert.That(SetValue.Remove(Keyspace, h, B(long.MinValue.ToString())), Is.True);
        Assert.That(SetValue.Remove(Keyspace, h, B("6")), Is.False);
        Assert.That(MembersOf(h), Is.EqualTo(sorted.Skip(1).ToList()));
    }

    [Test]
    public void ConversionRules()
    {
        var limits = new SetLimits(MaxIntsetEntries: 4, MaxListpackEntries: 3, MaxListpackValue: 5);
        Assert.That(SetValue.EncodingFor(B("12"), 1, limits), Is.EqualTo(ValueEncoding.IntSet));
        Assert.That(SetValue.EncodingFor(B("12"), 5, limits), Is.EqualTo(ValueEncoding.HashTable));
        Assert.That(SetValue.EncodingFor(B("12"), 3, limits with { MaxIntsetEntries = 2 }), Is.EqualTo(ValueEncoding.ListPack));
        Assert.That(SetValue.EncodingFor(B("x"), 3, limits), Is.EqualTo(ValueEncoding.ListPack));
        Assert.That(SetValue.EncodingFor(B("x"), 4, limits), Is.EqualTo(ValueEncoding.HashTable));

        var a = Create("a", ValueEncoding.IntSet);
        for (int i = 0; i < 4; i++) Add(a, i.ToString(), limits);
        Assert.That(a->Encoding, Is.EqualTo(ValueEncoding.IntSet));
        Add(a, "4", limits);
        Assert.That(a->Encoding, Is.EqualTo(ValueEncoding.HashTable), "past the intset limit");

        var b = Create("b", ValueEncoding.IntSet);
        Add(b, "1", limits);
        Add(b, "xy", limits);
        Assert.That(b->Encoding, Is.EqualTo(ValueEncoding.ListPack), "a short string with room in a listpack");
        Assert.That(MembersOf(b), Is.EqualTo(new[] { "1", "xy" }));
        Add(b, "zz", limits);
        Assert.That(b->Encoding, Is.EqualTo(ValueEncoding.ListPack));
        Add(b, "q", limits);
        Assert.That(b->Encoding, Is.EqualTo(ValueEncoding.HashTable), "past the listpack entry limit");

        var c = Create("c", ValueEncoding.ListPack);
        Add(c, "abcdef", limits);
        Assert.That(c->Encoding, Is.EqualTo(ValueEncoding.HashTable), "longer than the listpack value limit");

        var d = Create("d", ValueEncoding.IntSet);
        Add(d, "123456", limits);
        Add(d, "x", limits);
        Assert.That(d->Encoding, Is.EqualTo(ValueEncoding.HashTable), "an intset member too long for the listpack");

        var e = Create("e", ValueEncoding.ListPack);
        SetValue.MaybeConvert(Keyspace, e, 4, limits);
        Assert.That(e->Encoding, Is.EqualTo(ValueEncoding.HashTable));
        var f = Create("f", ValueEncoding.IntSet);
        SetValue.MaybeConvert(Keyspace, f, 4, limits);
        Assert.That(f->Encoding, Is.EqualTo(ValueEncoding.IntSet));
        SetValue.MaybeConvert(Keyspace, f, 5, limits);
        Assert.That(f->Encoding, Is.EqualTo(ValueEncoding.HashTable));

        var g = Create("g", ValueEncoding.HashTable);
        Add(g, "3", limits);
        Add(g, "-1", limits);
        SetValue.MaybeConvertToIntset(Keyspace, g, limits);
        Assert.That(g->Encoding, Is.EqualTo(ValueEncoding.IntSet));
        Assert.That(MembersOf(g), Is.EqualTo(new[] { "-1", "3" }));
    }

    [Test]
    public void RandomModelCheckInEveryEncodingPath([Values(0, 1, 2)] int seed)
    {
        var rng = new Random(seed);
        var limits = new SetLimits(8 + seed * 20, 6 + seed * 10, 6);
        var model = new HashSet<string>();
        var h = Create("s", ValueEncoding.IntSet);
        var seenEncodings = new HashSet<ValueEncoding>();
        for (int step = 0; step < 3000; step++)
        {
            string m = rng.Next(4) switch
            {
                0 => rng.Next(-50, 50).ToString(),
                1 => ((long)rng.Next() * rng.Next(-3, 3)).ToString(),
                2 => "s" + rng.Next(30),
                _ => new string('L', rng.Next(1, 12)),
            };
            bool integersOnlyPhase = step < 1000;
            if (integersOnlyPhase && !long.TryParse(m, out _)) m = rng.Next(-100, 100).ToString();
            if (rng.Next(3) == 0)
                Assert.That(SetValue.Remove(Keyspace, h, B(m)), Is.EqualTo(model.Remove(m)), m);
            else
                Assert.That(SetValue.Add(Keyspace, h, B(m), limits), Is.EqualTo(model.Add(m)), m);
            seenEncodings.Add(h->Encoding);
            Assert.That(SetValue.Count(Keyspace, h), Is.EqualTo(model.Count));
            if (step % 97 == 0)
            {
                Assert.That(MembersOf(h), Is.EquivalentTo(model), $"step {step}");
                if (model.Count > 0) Assert.That(model, Does.Contain(Encoding.UTF8.GetString(SetValue.RandomMember(Keyspace, h))));
            }
        }
        foreach (var m in model) Assert.That(SetValue.Contains(Keyspace, h, B(m)), Is.True, m);
        Assert.That(seenEncodings, Does.Contain(ValueEncoding.HashTable));
    }

    [Test]
    public void ClonesAreDeepAndEverythingIsFreed([Values(ValueEncoding.IntSet, ValueEncoding.ListPack, ValueEncoding.HashTable)] ValueEncoding encoding)
    {
        var h = Create("s", encoding);
        for (int i = 0; i < 200; i++) Add(h, encoding == ValueEncoding.IntSet ? (i * 1000).ToString() : "m" + i);
        Assert.That(h->Encoding, Is.EqualTo(encoding == ValueEncoding.ListPack ? ValueEncoding.HashTable : encoding),
            "a listpack past 128 members converts");
        byte* source = Db.Lookup(B("s"), LookupFlags.NoTouch | LookupFlags.NoStats);
        Assert.That(Db.CopyValueFrom(source, B("copy")) != null, Is.True);
        var copy = HeaderOf("copy");
        h = HeaderOf("s");
        Assert.That(MembersOf(copy), Is.EquivalentTo(MembersOf(h)));
        Assert.That(SetValue.MemoryBytes(Keyspace, copy), Is.GreaterThan(0));
        SetValue.Remove(Keyspace, h, SetValue.Members(Keyspace, h)[0]);
        Assert.That(SetValue.Count(Keyspace, copy), Is.EqualTo(200), "the copy does not share storage");
        Assert.That(Db.Delete(B("s")), Is.True);
        Assert.That(Db.Delete(B("copy")), Is.True);
        Assert.That(Keyspace.Arena.UsedBytes, Is.EqualTo(Baseline), "every byte is returned");
        Assert.That(Keyspace.Handles.Count, Is.EqualTo(0));
    }

    [Test]
    public void RandomMemberCoversEveryMember([Values(ValueEncoding.IntSet, ValueEncoding.ListPack, ValueEncoding.HashTable)] ValueEncoding encoding)
    {
        var h = Create("s", encoding);
        var members = Enumerable.Range(0, 20).Select(i => encoding == ValueEncoding.IntSet ? i.ToString() : "x" + i).ToList();
        foreach (var m in members) Add(h, m);
        var seen = new HashSet<string>();
        for (int i = 0; i < 2000; i++) seen.Add(Encoding.UTF8.GetString(SetValue.RandomMember(Keyspace, h)));
        Assert.That(seen, Is.EquivalentTo(members));
    }
    [Test]
    public void RandomMemberIsUniform([Values(ValueEncoding.IntSet, ValueEncoding.ListPack, ValueEncoding.HashTable)] ValueEncoding encoding)
    {
        var h = Create("s", encoding);
        for (int i = 0; i < 10; i++) Add(h, encoding == ValueEncoding.IntSet ? i.ToString() : "m" + i);
        var counts = new Dictionary<string, int>();
        const int draws = 20000;
        for (int i = 0; i < draws; i++)
        {
            string m = Encoding.UTF8.GetString(SetValue.RandomMember(Keyspace, h));
            counts[m] = counts.GetValueOrDefault(m) + 1;
        }
        double expected = draws / 10.0;
        double chiSquare = counts.Values.Sum(c => (c - expected) * (c - expected) / expected);
        // 9 degrees of freedom: 40 has a probability of about 1e-5 for a fair draw.
        Assert.That(counts, Has.Count.EqualTo(10));
        Assert.That(chiSquare, Is.LessThan(40), string.Join(' ', counts.Values));
    }
}
