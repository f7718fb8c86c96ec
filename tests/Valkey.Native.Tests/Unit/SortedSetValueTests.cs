using System.Text;
using NUnit.Framework;
using Valkey.Native.Storage;
using Valkey.Native.Tests.Infrastructure;

namespace Valkey.Native.Tests.Unit;

/// <summary>
/// <see cref="SortedSetValue"/> over a real <see cref="Keyspace"/>, checked against a sorted model:
/// ZADD's option semantics in both encodings, the conversion rules, ranks, the range walks (both
/// encodings must agree element for element), range removals, clones and freeing every byte.
/// </summary>
[TestFixture]
public sealed unsafe class SortedSetValueTests : KeyspaceFixture
{
    private static readonly SortedSetLimits Default = new(128, 64);

    private ValueHeader* Create(string key, long sizeHint = 0, SortedSetLimits? limits = null) =>
        Database.Header(SortedSetValue.Create(Db, B(key), sizeHint, 0, limits ?? Default));

    private ValueHeader* HeaderOf(string key) => Database.Header(Db.Lookup(B(key), LookupFlags.NoTouch | LookupFlags.NoStats));

    private ZAddOutcome Add(ValueHeader* h, double score, string member, ZAddFlags flags = ZAddFlags.None, SortedSetLimits? limits = null)
    {
        SortedSetValue.Add(Keyspace, h, score, B(member), flags, limits ?? Default, out var outcome, out _);
        return outcome;
    }

    private struct Collect : ISortedSetVisitor
    {
        public List<(string Member, double Score)> Items;
        public void Visit(ReadOnlySpan<byte> member, double score) => Items.Add((Encoding.UTF8.GetString(member), score));
    }

    private List<(string Member, double Score)> All(ValueHeader* h)
    {
        var c = new Collect { Items = [] };
        SortedSetValue.ForEach(Keyspace, h, ref c);
        return c.Items;
    }

    private static List<(string Member, double Score)> Sorted(Dictionary<string, double> model) =>
        model.Select(p => (p.Key, p.Value)).OrderBy(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).ToList();

    [Test]
    public void ZAddOptionsBehaveAsValkeyInBothEncodings([Values(ValueEncoding.ListPack, ValueEncoding.SkipList)] ValueEncoding encoding)
    {
        var h = Create("z", encoding == ValueEncoding.ListPack ? 0 : 1000);
        Assert.That(h->Encoding, Is.EqualTo(encoding));
        Assert.That(Add(h, 5, "a"), Is.EqualTo(ZAddOutcome.Added));
        Assert.That(Add(h, 5, "a"), Is.EqualTo(ZAddOutcome.None), "same score: neither added nor updated");
        Assert.That(Add(h, 6, "a", ZAddFlags.Nx), Is.EqualTo(ZAddOutcome.Nop));
        Assert.That(Add(h, 6, "b", ZAddFlags.Xx), Is.EqualTo(ZAddOutcome.Nop));
        Assert.That(Add(h, 4, "a", ZAddFlags.Gt), Is.EqualTo(ZAddOutcome.Nop));
        Assert.That(Add(h, 7, "a", ZAddFlags.Gt), Is.EqualTo(ZAddOutcome.Updated));
        Assert.That(Add(h, 8, "a", ZAddFlags.Lt), Is.EqualTo(ZAddOutcome.Nop));
        Assert.That(Add(h, 3, "c", ZAddFlags.Lt), Is.EqualTo(ZAddOutcome.Added), "GT/LT never stop a new member");
        Assert.That(SortedSetValue.Add(Keyspace, h, 2.5, B("a"), ZAddFlags.Incr, Default, out var outcome, out double newScore), Is.True);
        Assert.That((outcome, newScore), Is.EqualTo((ZAddOutcome.Updated, 9.5)));
        Assert.That(SortedSetValue.Add(Keyspace, h, double.PositiveInfinity, B("a"), ZAddFlags.Incr, Default, out _, out newScore), Is.True);
        Assert.That(newScore, Is.EqualTo(double.PositiveInfinity));
        Assert.That(SortedSetValue.Add(Keyspace, h, double.NegativeInfinity, B("a"), ZAddFlags.Incr, Default, out outcome, out _), Is.False);
        Assert.That(outcome, Is.EqualTo(ZAddOutcome.NaN), "inf + -inf");
        Assert.That(SortedSetValue.Add(Keyspace, h, double.NaN, B("n"), ZAddFlags.None, Default, out outcome, out _), Is.False);
        Assert.That(SortedSetValue.TryGetScore(Keyspace, h, B("n"), out _), Is.False);
        Assert.That(All(h), Is.EqualTo(new[] { ("c", 3.0), ("a", double.PositiveInfinity) }));
        Assert.That(h->Encoding, Is.EqualTo(encoding));
    }

    [Test]
    public void ConversionRules()
    {
        var limits = new SortedSetLimits(MaxListpackEntries: 3, MaxListpackValue: 4);
        Assert.That(SortedSetValue.EncodingFor(3, 4, limits), Is.EqualTo(ValueEncoding.ListPack));
        Assert.That(SortedSetValue.EncodingFor(4, 1, limits), Is.EqualTo(ValueEncoding.SkipList));
        Assert.That(SortedSetValue.EncodingFor(1, 5, limits), Is.EqualTo(ValueEncoding.SkipList));
        Assert.That(SortedSetValue.EncodingFor(0, 0, new SortedSetLimits(0, 0)), Is.EqualTo(ValueEncoding.ListPack));

        var a = Create("a", 1, limits);
        for (int i = 0; i < 3; i++) Add(a, i, "m" + i, limits: limits);
        Assert.That(a->Encoding, Is.EqualTo(ValueEncoding.ListPack));
        Add(a, 1, "m1", limits: limits);
        Assert.That(a->Encoding, Is.EqualTo(ValueEncoding.ListPack), "updates never convert");
        Add(a, 9, "m3", ZAddFlags.Xx, limits);
        Assert.That(a->Encoding, Is.EqualTo(ValueEncoding.ListPack), "an XX that adds nothing does not convert");
        Add(a, 9, "m3", limits: limits);
        Assert.That(a->Encoding, Is.EqualTo(ValueEncoding.SkipList), "the fourth member");
        Assert.That(All(a).Select(p => p.Member), Is.EqualTo(new[] { "m0", "m1", "m2", "m3" }));

        var b = Create("b", 1, limits);
        Add(b, 1, "long!", limits: limits);
        Assert.That(b->Encoding, Is.EqualTo(ValueEncoding.SkipList), "a member longer than the value limit");

        var c = Create("c", 1, limits);
        SortedSetValue.MaybeConvert(Keyspace, c, 3, 4, limits);
        Assert.That(c->Encoding, Is.EqualTo(ValueEncoding.ListPack));
        SortedSetValue.MaybeConvert(Keyspace, c, 4, 1, limits);
        Assert.That(c->Encoding, Is.EqualTo(ValueEncoding.SkipList));

        // Back to listpack only when every limit allows it.
        SortedSetValue.RemoveRangeByRank(Keyspace, a, 0, 0);
        SortedSetValue.ConvertToListpackIfNeeded(Keyspace, a, maxElementLength: 5, totalElementLength: 6, limits);
        Assert.That(a->Encoding, Is.EqualTo(ValueEncoding.SkipList), "an element too long");
        SortedSetValue.ConvertToListpackIfNeeded(Keyspace, a, maxElementLength: 2, totalElementLength: 6, limits);
        Assert.That(a->Encoding, Is.EqualTo(ValueEncoding.ListPack));
        Assert.That(All(a), Is.EqualTo(new[] { ("m1", 1.0), ("m2", 2.0), ("m3", 9.0) }));
        Assert.That(Keyspace.Handles.Count, Is.EqualTo(2), "b and c keep member tables; a's was released");
    }

    [Test]
    public void RandomModelCheckAcrossConversions([Values(0, 1, 2, 3)] int seed)
    {
        var rng = new Random(seed);
        var limits = new SortedSetLimits(10 + seed * 15, 8);
        var model = new Dictionary<string, double>();
        var h = Create("z", 1, limits);
        var seen = new HashSet<ValueEncoding>();
        for (int step = 0; step < 3000; step++)
        {
            string m = rng.Next(5) == 0 ? new string('x', rng.Next(1, 12)) : "m" + rng.Next(60);
            double score = rng.Next(-20, 20) / 4.0;
            int op = rng.Next(10);
            if (op < 6)
            {
                var flags = (ZAddFlags)(rng.Next(4) == 0 ? 1 << rng.Next(5) : 0);
                if ((flags & (ZAddFlags.Gt | ZAddFlags.Lt)) != 0 && rng.Next(2) == 0) flags |= ZAddFlags.Xx;
                bool exists = model.TryGetValue(m, out double current);
                double target = (flags & ZAddFlags.Incr) != 0 && exists ? current + score : score;
                bool skip = ((flags & ZAddFlags.Nx) != 0 && exists) || ((flags & ZAddFlags.Xx) != 0 && !exists)
                    || (exists && (((flags & ZAddFlags.Gt) != 0 && target <= current) || ((flags & ZAddFlags.Lt) != 0 && target >= current)));
                var outcome = Add(h, score, m, flags, limits);
                if (skip) Assert.That(outcome, Is.EqualTo(ZAddOutcome.Nop), $"step {step}");
                else
                {
                    Assert.That(outcome, Is.EqualTo(!exists ? ZAddOutcome.Added : target != current ? ZAddOutcome.Updated : ZAddOutcome.None), $"step {step}");
                    model[m] = target;
                }
            }
            else if (op < 8)
            {
                Assert.That(SortedSetValue.Remove(Keyspace, h, B(m)), Is.EqualTo(model.Remove(m)));
            }
            else
            {
                var sorted = Sorted(model);
                int index = sorted.FindIndex(p => p.Member == m);
                bool reverse = rng.Next(2) == 0;
                long rank = SortedSetValue.Rank(Keyspace, h, B(m), reverse, out double s);
                Assert.That(rank, Is.EqualTo(index < 0 ? -1 : reverse ? sorted.Count - 1 - index : index));
                if (index >= 0) Assert.That(s, Is.EqualTo(model[m]));
            }
            seen.Add(h->Encoding);
            Assert.That(SortedSetValue.Count(Keyspace, h), Is.EqualTo(model.Count));
            if (step % 101 == 0) Assert.That(All(h), Is.EqualTo(Sorted(model)), $"step {step}");
        }
        Assert.That(All(h), Is.EqualTo(Sorted(model)));
        Assert.That(seen, Does.Contain(ValueEncoding.SkipList));
    }

    /// <summary>The same content in both encodings.</summary>
    private (nint Listpack, nint SkipList) Twins(IEnumerable<(string Member, double Score)> items)
    {
        var lp = Create("lp");
        var sl = Create("sl", 1000);
        foreach (var (m, s) in items)
        {
            Add(lp, s, m, limits: new SortedSetLimits(100_000, 1000));
            Add(sl, s, m);
        }
        Assert.That(lp->Encoding, Is.EqualTo(ValueEncoding.ListPack));
        Assert.That(sl->Encoding, Is.EqualTo(ValueEncoding.SkipList));
        return ((nint)lp, (nint)sl);
    }

    [Test]
    public void RangeWalksAgreeBetweenEncodings()
    {
        var items = Enumerable.Range(0, 40).Select(i => ("m" + (char)('a' + i % 26) + i / 26, (double)(i / 3))).ToList();
        var (lp, sl) = Twins(items);
        var rng = new Random(9);
        for (int t = 0; t < 300; t++)
        {
            double a = rng.Next(-3, 16), b = rng.Next(-3, 16);
            var range = new ScoreRange(Math.Min(a, b), Math.Max(a, b), rng.Next(2) == 0, rng.Next(2) == 0);
            long offset = rng.Next(-2, 8), limit = rng.Next(-1, 6);
            bool reverse = rng.Next(2) == 0;
            var x = new Collect { Items = [] };
            var y = new Collect { Items = [] };
            long nx = SortedSetValue.VisitRange(Keyspace, (ValueHeader*)lp, range, offset, limit, reverse, ref x);
            long ny = SortedSetValue.VisitRange(Keyspace, (ValueHeader*)sl, range, offset, limit, reverse, ref y);
            string what = $"[{range.Min},{range.Max}] ex {range.MinExclusive}/{range.MaxExclusive} offset {offset} limit {limit} rev {reverse}";
            if (offset >= 0)
            {
                // Negative offsets differ between the encodings in Valkey too (listpack: empty; skiplist: from the far end).
                Assert.That(x.Items, Is.EqualTo(y.Items), what);
                var expected = items.OrderBy(p => p.Item2).ThenBy(p => p.Item1, StringComparer.Ordinal).Where(p => range.Contains(p.Item2)).ToList();
                if (reverse) expected.Reverse();
                var page = expected.Skip((int)offset);
                if (limit >= 0) page = page.Take((int)limit);
                Assert.That(x.Items, Is.EqualTo(page.ToList()), what);
            }
            else Assert.That(nx, Is.EqualTo(0), "a negative offset walks a listpack off its end");
            Assert.That(nx, Is.EqualTo(x.Items.Count));
            Assert.That(ny, Is.EqualTo(y.Items.Count));
            Assert.That(SortedSetValue.CountInRange(Keyspace, (ValueHeader*)lp, range), Is.EqualTo(SortedSetValue.CountInRange(Keyspace, (ValueHeader*)sl, range)), what);
        }
        for (long start = 0; start < 40; start += 7)
        {
            foreach (bool reverse in new[] { false, true })
            {
                var x = new Collect { Items = [] };
                var y = new Collect { Items = [] };
                SortedSetValue.VisitRankRange(Keyspace, (ValueHeader*)lp, start, Math.Min(5, 40 - start), reverse, ref x);
                SortedSetValue.VisitRankRange(Keyspace, (ValueHeader*)sl, start, Math.Min(5, 40 - start), reverse, ref y);
                Assert.That(x.Items, Is.EqualTo(y.Items));
            }
        }
    }

    [Test]
    public void LexWalksAgreeBetweenEncodings()
    {
        var items = "abcdefghij".Select(c => (c.ToString(), 0.0)).Concat(new[] { "aa", "ab", "b0", "", "zz" }.Select(m => (m, 0.0))).ToList();
        var (lp, sl) = Twins(items);
        string[] bounds = ["-", "+", "[a", "(a", "[b", "(b0", "[e", "(j", "[zz", "(zz", "[", "("];
        foreach (var lo in bounds)
        foreach (var hi in bounds)
        foreach (bool reverse in new[] { false, true })
        {
            Assert.That(LexRange.TryParse(B(lo), B(hi), out var range), Is.True);
            var x = new Collect { Items = [] };
            var y = new Collect { Items = [] };
            SortedSetValue.VisitRange(Keyspace, (ValueHeader*)lp, range, 1, 3, reverse, ref x);
            SortedSetValue.VisitRange(Keyspace, (ValueHeader*)sl, range, 1, 3, reverse, ref y);
            Assert.That(x.Items, Is.EqualTo(y.Items), $"{lo} {hi} {reverse}");
            Assert.That(SortedSetValue.CountInRange(Keyspace, (ValueHeader*)lp, range),
                Is.EqualTo(SortedSetValue.CountInRange(Keyspace, (ValueHeader*)sl, range)), $"{lo} {hi}");
        }
        Assert.That(LexRange.TryParse(B("a"), B("+"), out _), Is.False, "a bound needs ( or [");
        Assert.That(LexRange.TryParse(B("+x"), B("+"), out _), Is.False);
        Assert.That(LexRange.TryParse(B(""), B("+"), out _), Is.False);
    }

    [Test]
    public void RangeRemovalsAgreeBetweenEncodings()
    {
        var items = Enumerable.Range(0, 30).Select(i => ("k" + i.ToString("D2"), (double)(i % 10))).ToList();
        var (lp, sl) = Twins(items);
        var range = new ScoreRange(2, 4, false, true);
        Assert.That(SortedSetValue.RemoveRange(Keyspace, (ValueHeader*)lp, range), Is.EqualTo(6));
        Assert.That(SortedSetValue.RemoveRange(Keyspace, (ValueHeader*)sl, range), Is.EqualTo(6));
        Assert.That(SortedSetValue.RemoveRangeByRank(Keyspace, (ValueHeader*)lp, 3, 7), Is.EqualTo(5));
        Assert.That(SortedSetValue.RemoveRangeByRank(Keyspace, (ValueHeader*)sl, 3, 7), Is.EqualTo(5));
        Assert.That(All((ValueHeader*)lp), Is.EqualTo(All((ValueHeader*)sl)));
        Assert.That(SortedSetValue.Count(Keyspace, (ValueHeader*)sl), Is.EqualTo(19));
        Assert.That(SortedSetValue.RemoveRange(Keyspace, (ValueHeader*)lp, new ScoreRange(100, 200, false, false)), Is.EqualTo(0));

        var lexItems = "abcdef".Select(c => (c.ToString(), 1.0)).ToList();
        Db.Delete(B("lp"));
        Db.Delete(B("sl"));
        (lp, sl) = Twins(lexItems);
        Assert.That(LexRange.TryParse(B("(a"), B("[d"), out var lex), Is.True);
        Assert.That(SortedSetValue.RemoveRange(Keyspace, (ValueHeader*)lp, lex), Is.EqualTo(3));
        Assert.That(SortedSetValue.RemoveRange(Keyspace, (ValueHeader*)sl, lex), Is.EqualTo(3));
        Assert.That(All((ValueHeader*)lp).Select(p => p.Member), Is.EqualTo(new[] { "a", "e", "f" }));
        Assert.That(All((ValueHeader*)sl).Select(p => p.Member), Is.EqualTo(new[] { "a", "e", "f" }));
    }

    [Test]
    public void ListpackKeepsNegativeZeroAsZeroAsValkeysIntegerEncodingDoes()
    {
        var lp = Create("lp");
        var sl = Create("sl", 1000);
        Add(lp, -0.0, "a");
        Add(sl, -0.0, "a");
        SortedSetValue.TryGetScore(Keyspace, lp, B("a"), out double x);
        SortedSetValue.TryGetScore(Keyspace, sl, B("a"), out double y);
        Assert.That(double.IsNegative(x), Is.False, "listpack: 0");
        Assert.That(double.IsNegative(y), Is.True, "skiplist: -0");
        SortedSetValue.ConvertToListpackIfNeeded(Keyspace, sl, 1, 1, Default);
        SortedSetValue.TryGetScore(Keyspace, sl, B("a"), out y);
        Assert.That(double.IsNegative(y), Is.False, "converted to listpack");
    }

    private static readonly double[] EncodingScores =
    [
        0, 1, 9, 127, 128, 239, 240, 255, 256, -1, -128, -129, 32767, 32768, -32769, 65535, 1 << 23, -(1 << 23) - 1,
        int.MaxValue, int.MinValue, 1700000000, -1700000000123, 1L << 40, 9007199254740993.0, -(1L << 62),
        9.2233720368547748E18, -9.2233720368547758E18, 9.2233720368547758E18, 1e20, -1e300,
        1.5, -2.75, 0.1, 1e-300, double.Epsilon, double.MaxValue, double.MinValue, 3.4028234663852886E38, 1.0 / 3,
        double.PositiveInfinity, double.NegativeInfinity,
    ];

    [Test]
    public void ScoreEncodingRoundTripsEveryDoubleAndIsCompact()
    {
        byte* buffer = stackalloc byte[16];
        foreach (double score in EncodingScores)
        {
            int size = SortedSetValue.WriteScore(buffer, score);
            Assert.That(SortedSetValue.ScoreSize(score), Is.EqualTo(size), $"{score:R}");
            double back = SortedSetValue.ReadScore(buffer, out int read);
            Assert.That(read, Is.EqualTo(size), $"{score:R}");
            Assert.That(BitConverter.DoubleToInt64Bits(back), Is.EqualTo(BitConverter.DoubleToInt64Bits(score)), $"{score:R} reads back bit for bit");
        }
        Assert.That(SortedSetValue.WriteScore(buffer, -0.0), Is.EqualTo(1));
        Assert.That(double.IsNegative(SortedSetValue.ReadScore(buffer, out _)), Is.False, "-0 is stored as the integer 0, as Valkey does");
        Assert.That(SortedSetValue.ScoreSize(0), Is.EqualTo(1));
        Assert.That(SortedSetValue.ScoreSize(239), Is.EqualTo(1), "small integers are the tag byte alone");
        Assert.That(SortedSetValue.ScoreSize(240), Is.EqualTo(3), "past 127: two payload bytes");
        Assert.That(SortedSetValue.ScoreSize(-1), Is.EqualTo(2));
        Assert.That(SortedSetValue.ScoreSize(-128), Is.EqualTo(2));
        Assert.That(SortedSetValue.ScoreSize(32767), Is.EqualTo(3));
        Assert.That(SortedSetValue.ScoreSize(1700000000), Is.EqualTo(5), "a timestamp");
        Assert.That(SortedSetValue.ScoreSize(-9.2233720368547758E18), Is.EqualTo(9));
        Assert.That(SortedSetValue.ScoreSize(1.5), Is.EqualTo(5), "an exact float");
        Assert.That(SortedSetValue.ScoreSize(0.1), Is.EqualTo(9), "not a float: the double");
        Assert.That(SortedSetValue.ScoreSize(1e20), Is.EqualTo(9), "integral beyond int64: the double");
    }

    [Test]
    public void ListpackKeepsEveryScoreKindInOrderAndSmallIntegerScoresAreCompact()
    {
        var h = Create("z");
        var model = new Dictionary<string, double>();
        var shuffled = EncodingScores.Select((s, i) => (s, i)).OrderBy(p => (p.i * 7919) % EncodingScores.Length).ToArray();
        foreach (var (score, i) in shuffled)
        {
            Add(h, score, "m" + i);
            model["m" + i] = score;
        }
        Assert.That(h->Encoding, Is.EqualTo(ValueEncoding.ListPack));
        Assert.That(All(h), Is.EqualTo(Sorted(model)));
        foreach (var (member, score) in model)
            Assert.That(SortedSetValue.TryGetScore(Keyspace, h, B(member), out double s) && s.Equals(score), Is.True, member);
        // Updates that change a score's encoded size move it and keep the rest intact.
        Add(h, 0.1, "m0");
        Add(h, 1e20, "m1");
        Add(h, 5, "m30");
        model["m0"] = 0.1; model["m1"] = 1e20; model["m30"] = 5;
        Assert.That(All(h), Is.EqualTo(Sorted(model)));
        Db.Delete(B("z"));

        // 10 members of 14 bytes with scores 0-9: 8 + 10 x (15 + 1) = 168 bytes, the 192-byte class.
        var small = Create("small");
        for (int i = 0; i < 10; i++) Add(small, i, $"member:{i:D7}");
        Assert.That(SortedSetValue.MemoryBytes(Keyspace, small), Is.EqualTo(192));
        Db.Delete(B("small"));
        Assert.That(Keyspace.Arena.UsedBytes, Is.EqualTo(Baseline));
    }

    [Test]
    public void ClonesAreDeepAndEverythingIsFreed([Values(ValueEncoding.ListPack, ValueEncoding.SkipList)] ValueEncoding encoding)
    {
        var h = Create("z", encoding == ValueEncoding.ListPack ? 0 : 1000);
        for (int i = 0; i < 100; i++) Add(h, i % 7, "member-" + i);
        Assert.That(h->Encoding, Is.EqualTo(encoding));
        byte* source = Db.Lookup(B("z"), LookupFlags.NoTouch | LookupFlags.NoStats);
        Assert.That(Db.CopyValueFrom(source, B("copy")) != null, Is.True);
        var copy = HeaderOf("copy");
        h = HeaderOf("z");
        Assert.That(copy->Encoding, Is.EqualTo(encoding));
        Assert.That(All(copy), Is.EqualTo(All(h)));
        Assert.That(SortedSetValue.MemoryBytes(Keyspace, copy), Is.GreaterThan(100 * 8));
        SortedSetValue.Remove(Keyspace, h, B("member-5"));
        Add(h, 99, "member-6");
        Assert.That(SortedSetValue.Count(Keyspace, copy), Is.EqualTo(100), "the copy does not share storage");
        Assert.That(SortedSetValue.TryGetScore(Keyspace, copy, B("member-6"), out double s) && s == 6, Is.True);
        Assert.That(Db.Delete(B("z")), Is.True);
        Assert.That(Db.Delete(B("copy")), Is.True);
        Assert.That(Keyspace.Arena.UsedBytes, Is.EqualTo(Baseline), "every byte is returned");
        Assert.That(Keyspace.Handles.Count, Is.EqualTo(0));
    }

    [Test]
    public void ConversionsReturnEveryByte()
    {
        var h = Create("z", 0, new SortedSetLimits(4, 64));
        for (int i = 0; i < 50; i++) Add(h, i, "m" + i, limits: new SortedSetLimits(4, 64));
        Assert.That(h->Encoding, Is.EqualTo(ValueEncoding.SkipList));
        SortedSetValue.RemoveRangeByRank(Keyspace, h, 0, 46);
        SortedSetValue.ConvertToListpackIfNeeded(Keyspace, h, 3, 9, Default);
        Assert.That(h->Encoding, Is.EqualTo(ValueEncoding.ListPack));
        SortedSetValue.ConvertToSkipList(Keyspace, h);
        Assert.That(All(h), Is.EqualTo(new[] { ("m47", 47.0), ("m48", 48.0), ("m49", 49.0) }));
        Db.Delete(B("z"));
        Assert.That(Keyspace.Arena.UsedBytes, Is.EqualTo(Baseline));
        Assert.That(Keyspace.Handles.Count, Is.EqualTo(0));
    }

    [Test]
    public void ScoreRangeParsingFollowsStrtod()
    {
        Assert.That(ScoreRange.TryParse(B("(1.5"), B("+inf"), out var r), Is.True);
        Assert.That((r.Min, r.MinExclusive, r.Max, r.MaxExclusive), Is.EqualTo((1.5, true, double.PositiveInfinity, false)));
        Assert.That(ScoreRange.TryParse(B(""), B("("), out r), Is.True, "strtod of an empty string is 0");
        Assert.That((r.Min, r.Max, r.MaxExclusive), Is.EqualTo((0.0, 0.0, true)));
        Assert.That(ScoreRange.TryParse(B("  7"), B("0x10"), out r), Is.True, "leading blanks and hex");
        Assert.That((r.Min, r.Max), Is.EqualTo((7.0, 16.0)));
        Assert.That(ScoreRange.TryParse(B("1e400"), B("-1e400"), out r), Is.True, "overflow is infinity, not an error");
        Assert.That((r.Min, r.Max), Is.EqualTo((double.PositiveInfinity, double.NegativeInfinity)));
        Assert.That(ScoreRange.TryParse(B("1e-400"), B("Infinity"), out r), Is.True);
        Assert.That(r.Min, Is.EqualTo(0.0));
        Assert.That(ScoreRange.TryParse(B("0x1p99999"), B("1"), out r), Is.True);
        Assert.That(r.Min, Is.EqualTo(double.PositiveInfinity));
        Assert.That(ScoreRange.TryParse(B("5\0junk"), B("6"), out r), Is.True, "C stops at the NUL");
        foreach (var bad in new[] { "nan", "(nan", "1 ", " ", "abc", "1e", "--1", "+", "0x", "inf5", "(" + "x" })
            Assert.That(ScoreRange.TryParse(B(bad), B("1"), out _), Is.False, bad);
    }
}

/// <summary>
/// Keyspace events, modified-key signals and dirty counts of the sorted-set commands, observed
/// through the server's hooks on the in-process path (Valkey's event names and order).
/// </summary>
[TestFixture]
public sealed class SortedSetEventTests
{
    private Valkey.Native.Tests.Shared.InProcessServer _server = null!;
    private readonly List<string> _events = [];
    private readonly List<string> _modified = [];

    [SetUp]
    public void SetUp()
    {
        _server = new Valkey.Native.Tests.Shared.InProcessServer();
        _server.Server.NotifyHook = (type, name, key, db) => _events.Add($"{type}:{name}:{Encoding.UTF8.GetString(key)}");
        _server.Server.KeyModifiedHook = (db, key) => _modified.Add(Encoding.UTF8.GetString(key));
    }

    [TearDown]
    public void TearDown() => _server.Dispose();

    /// <summary>Runs a command and returns the events it fired, the keys it signalled and the dirty it added.</summary>
    private (string[] Events, string[] Modified, long Dirty) Run(params string[] command)
    {
        _events.Clear();
        _modified.Clear();
        long dirty = _server.Server.Stats.Dirty;
        _server.Execute(command);
        return (_events.ToArray(), _modified.ToArray(), _server.Server.Stats.Dirty - dirty);
    }

    [Test]
    public void WritesFireValkeysEvents()
    {
        Assert.That(Run("ZADD", "z", "1", "a", "2", "b"), Is.EqualTo((new[] { "New:new:z", "SortedSet:zadd:z" }, new[] { "z" }, 2L)));
        Assert.That(Run("ZADD", "z", "1", "a").Events, Is.Empty, "nothing changed");
        Assert.That(Run("ZADD", "z", "1", "a").Dirty, Is.EqualTo(0));
        Assert.That(Run("ZINCRBY", "z", "1", "a"), Is.EqualTo((new[] { "SortedSet:zincr:z" }, new[] { "z" }, 1L)));
        Assert.That(Run("ZADD", "z", "INCR", "1", "b").Events, Is.EqualTo(new[] { "SortedSet:zincr:z" }));
        Assert.That(Run("ZADD", "z", "XX", "5", "c").Events, Is.Empty);
        Assert.That(Run("ZADD", "z", "3", "c", "4", "d", "5", "e").Dirty, Is.EqualTo(3));
        Assert.That(Run("ZREM", "z", "c", "zz"), Is.EqualTo((new[] { "SortedSet:zrem:z" }, new[] { "z" }, 1L)));
        Assert.That(Run("ZPOPMIN", "z", "2"), Is.EqualTo((new[] { "SortedSet:zpopmin:z" }, new[] { "z" }, 2L)));
        Assert.That(Run("ZMPOP", "1", "z", "MAX").Events, Is.EqualTo(new[] { "SortedSet:zpopmax:z" }));
        Assert.That(Run("ZREMRANGEBYSCORE", "z", "100", "200"), Is.EqualTo((Array.Empty<string>(), Array.Empty<string>(), 0L)));
        Assert.That(Run("ZREMRANGEBYSCORE", "z", "-inf", "+inf"), Is.EqualTo((new[] { "SortedSet:zremrangebyscore:z", "Generic:del:z" }, new[] { "z" }, 1L)));
        Run("ZADD", "z", "1", "a");
        Assert.That(Run("ZPOPMAX", "z").Events, Is.EqualTo(new[] { "SortedSet:zpopmax:z", "Generic:del:z" }));
        Run("ZADD", "z", "1", "a", "2", "b");
        Assert.That(Run("ZREM", "z", "a", "b").Events, Is.EqualTo(new[] { "SortedSet:zrem:z", "Generic:del:z" }));
        Run("ZADD", "z", "1", "a", "2", "b");
        Assert.That(Run("ZREMRANGEBYRANK", "z", "0", "0").Events, Is.EqualTo(new[] { "SortedSet:zremrangebyrank:z" }));
        Assert.That(Run("ZREMRANGEBYLEX", "z", "-", "+").Events, Is.EqualTo(new[] { "SortedSet:zremrangebylex:z", "Generic:del:z" }));
    }

    [Test]
    public void StoresFireTheirEventOrDel()
    {
        Run("ZADD", "z", "1", "a", "2", "b");
        Assert.That(Run("ZRANGESTORE", "d", "z", "0", "-1"), Is.EqualTo((new[] { "New:new:d", "SortedSet:zrangestore:d" }, new[] { "d" }, 1L)));
        Assert.That(Run("ZUNIONSTORE", "d", "1", "z").Events, Is.EqualTo(new[] { "SortedSet:zunionstore:d" }), "an overwrite is not new");
        Assert.That(Run("ZINTERSTORE", "d", "1", "z").Events, Is.EqualTo(new[] { "SortedSet:zinterstore:d" }));
        Assert.That(Run("ZDIFFSTORE", "d", "1", "z").Events, Is.EqualTo(new[] { "SortedSet:zdiffstore:d" }));
        Assert.That(Run("ZRANGESTORE", "d", "z", "5", "9"), Is.EqualTo((new[] { "Generic:del:d" }, new[] { "d" }, 1L)));
        Assert.That(Run("ZDIFFSTORE", "d", "1", "missing"), Is.EqualTo((new[] { "KeyMiss:keymiss:missing" }, Array.Empty<string>(), 0L)),
            "nothing to delete; reading the missing source is a key miss (Valkey's lookupKeyRead)");
        Assert.That(Run("ZRANGE", "z", "0", "-1").Events, Is.Empty);
        _server.Execute("SET", "str", "x");
        _server.Execute("EXPIRE", "str", "100");
        Assert.That(Run("ZUNIONSTORE", "str", "1", "z").Events, Is.EqualTo(new[] { "SortedSet:zunionstore:str" }), "another type is overwritten in place");
        Assert.That(_server.Execute("TTL", "str"), Is.EqualTo(":-1\r\n"), "and loses its TTL");
        Assert.That(_server.Execute("ZCARD", "str"), Is.EqualTo(":2\r\n"));
    }
}
