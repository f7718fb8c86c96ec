using System.Text;
using NUnit.Framework;
using Valkey.Native.Storage;

namespace Valkey.Native.Tests.Unit;

/// <summary>
/// <see cref="SkipList"/> on its own (members held by a <see cref="KeyTable"/>, as the sorted set
/// does), checked against a sorted model: order, backward links, spans and ranks after every kind
/// of change, the range searches with Valkey's offset semantics, range deletions, and the return
/// of every arena byte.
/// </summary>
[TestFixture]
public sealed unsafe class SkipListTests
{
    private Arena _arena = null!;
    private KeyTable _members = null!;
    private SkipList* _list;
    private long _baseline;

    [SetUp]
    public void Create()
    {
        _arena = new Arena();
        _baseline = _arena.UsedBytes;
        _members = new KeyTable(_arena, 0xABCDEF);
        _list = SkipList.Create(_arena);
    }

    [TearDown]
    public void Dispose()
    {
        _members.Dispose();
        _arena.Dispose();
    }

    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    private static string S(SkipListNode* n) => Encoding.UTF8.GetString(SkipListNode.MemberOf(n));

    private SkipListNode* Insert(double score, string member)
    {
        byte* entry = _members.Add(B(member), 8);
        SkipListNode* node = SkipList.Insert(_arena, _list, score, entry);
        *(SkipListNode**)KeyTable.PayloadOf(entry) = node;
        return node;
    }

    private SkipListNode* NodeOf(string member) => *(SkipListNode**)KeyTable.PayloadOf(_members.Find(B(member)));

    private void Delete(string member)
    {
        byte* entry = _members.Find(B(member));
        SkipList.Delete(_arena, _list, *(SkipListNode**)KeyTable.PayloadOf(entry));
        _members.Unlink(entry);
        _members.FreeEntry(entry);
    }

    private static int Compare((double Score, string Member) a, (double Score, string Member) b) =>
        a.Score != b.Score ? a.Score.CompareTo(b.Score) : string.CompareOrdinal(a.Member, b.Member);

    private List<(double Score, string Member)> Walk()
    {
        var items = new List<(double, string)>();
        for (SkipListNode* n = SkipList.First(_list); n != null; n = SkipListNode.Next(n)) items.Add((n->Score, S(n)));
        return items;
    }

    /// <summary>Order, length, tail, backward links, and on every level: spans adding up to each node's rank.</summary>
    private void CheckInvariants(List<(double Score, string Member)> model)
    {
        model.Sort(Compare);
        Assert.That(_list->Length, Is.EqualTo(model.Count));
        Assert.That(Walk(), Is.EqualTo(model));
        var rankOf = new Dictionary<nint, long>();
        long rank = 0;
        SkipListNode* previous = null;
        for (SkipListNode* n = SkipList.First(_list); n != null; n = SkipListNode.Next(n))
        {
            rankOf[(nint)n] = ++rank;
            Assert.That((nint)n->Backward, Is.EqualTo((nint)previous), "backward link");
            previous = n;
        }
        Assert.That((nint)_list->Tail, Is.EqualTo((nint)previous), "tail");
        for (int level = 0; level < _list->Level; level++)
        {
            SkipListNode* x = SkipList.Header(_list);
            long position = 0;
            while (SkipListNode.Levels(x)[level].Forward != null)
            {
                position += SkipListNode.Levels(x)[level].Span;
                x = SkipListNode.Levels(x)[level].Forward;
                Assert.That(position, Is.EqualTo(rankOf[(nint)x]), $"span sum at level {level}");
            }
        }
        Assert.That(_list->Level, Is.InRange(1, SkipList.MaxLevel));
    }

    [Test]
    public void InsertsKeepScoreThenMemberOrderWithConsistentRanks()
    {
        var rng = new Random(7);
        var model = new List<(double, string)>();
        for (int i = 0; i < 2000; i++)
        {
            double score = rng.Next(-50, 50) / 2.0;
            string member = "m" + i;
            Insert(score, member);
            model.Add((score, member));
        }
        CheckInvariants(model);
        for (int i = 0; i < 2000; i += 37)
        {
            SkipListNode* node = NodeOf("m" + i);
            long rank = SkipList.RankOf(_list, node);
            Assert.That(rank, Is.EqualTo(model.IndexOf((node->Score, "m" + i)) + 1));
            Assert.That((nint)SkipList.ByRank(_list, rank), Is.EqualTo((nint)node));
        }
        Assert.That((nint)SkipList.ByRank(_list, 0), Is.EqualTo((nint)0));
        Assert.That((nint)SkipList.ByRank(_list, 2001), Is.EqualTo((nint)0));
    }

    [Test]
    public void EqualScoresOrderByMemberBytes()
    {
        foreach (var m in new[] { "b", "a", "ab", "", "B", "\u00ff" }) Insert(1, m);
        Assert.That(Walk().Select(p => p.Member), Is.EqualTo(new[] { "", "B", "a", "ab", "b", "\u00ff" }));
    }

    [Test]
    public void UpdateScoreMovesTheSameNodeAndKeepsSpans()
    {
        var model = new List<(double Score, string Member)>();
        for (int i = 0; i < 300; i++)
        {
            Insert(i, "m" + i);
            model.Add((i, "m" + i));
        }
        var rng = new Random(3);
        for (int step = 0; step < 1000; step++)
        {
            int i = rng.Next(300);
            SkipListNode* node = NodeOf("m" + i);
            double newScore = rng.Next(3) == 0 ? node->Score + 0.25 : rng.Next(-100, 400);
            int at = model.FindIndex(p => p.Member == "m" + i);
            model[at] = (newScore, "m" + i);
            SkipList.UpdateScore(_list, node, newScore);
            Assert.That((nint)NodeOf("m" + i), Is.EqualTo((nint)node), "the node is reused");
            Assert.That(node->Score, Is.EqualTo(newScore));
            if (step % 50 == 0) CheckInvariants(model);
        }
        CheckInvariants(model);
    }

    [Test]
    public void DeletesShrinkLevelsAndFreeEverything()
    {
        var model = new List<(double, string)>();
        for (int i = 0; i < 500; i++)
        {
            Insert(i % 17, "m" + i);
            model.Add((i % 17, "m" + i));
        }
        var rng = new Random(11);
        foreach (int i in Enumerable.Range(0, 500).OrderBy(_ => rng.Next()))
        {
            Delete("m" + i);
            model.Remove((i % 17, "m" + i));
            if (model.Count % 45 == 0) CheckInvariants(model);
        }
        Assert.That(_list->Length, Is.EqualTo(0));
        Assert.That((nint)_list->Tail, Is.EqualTo((nint)0));
        Assert.That(_list->Level, Is.EqualTo(1));
        SkipList.Free(_arena, _list);
        _members.Clear();
        _list = null;
        Assert.That(_arena.UsedBytes, Is.EqualTo(_baseline), "nodes, list block and member entries all returned");
    }

    /// <summary>Valkey's zslNthInRange over a model: n-th in range from the low end, or from the high end when negative.</summary>
    private static (double, string)? ModelNth(List<(double Score, string Member)> sorted, Func<(double Score, string Member), bool> inRange, long n)
    {
        var matching = sorted.Where(inRange).ToList();
        if (n >= 0) return n < matching.Count ? matching[(int)n] : null;
        return -n <= matching.Count ? matching[matching.Count + (int)n] : null;
    }

    [Test]
    public void NthInRangeMatchesTheModelFromBothEnds()
    {
        var model = new List<(double Score, string Member)>();
        for (int i = 0; i < 200; i++)
        {
            Insert(i / 4, "m" + i.ToString("D3"));
            model.Add((i / 4, "m" + i.ToString("D3")));
        }
        model.Sort(Compare);
        var rng = new Random(5);
        for (int t = 0; t < 400; t++)
        {
            double a = rng.Next(-5, 55), b = rng.Next(-5, 55);
            var range = new ScoreRange(Math.Min(a, b), Math.Max(a, b), rng.Next(2) == 0, rng.Next(2) == 0);
            long n = rng.Next(-12, 12);
            var expected = ModelNth(model, p => range.Contains(p.Score), n);
            SkipListNode* node = SkipList.NthInRange(_list, range, n);
            if (expected == null) Assert.That((nint)node, Is.EqualTo((nint)0), $"{range.Min}..{range.Max} n={n}");
            else Assert.That((node->Score, S(node)), Is.EqualTo(expected.Value), $"{range.Min}..{range.Max} n={n}");
        }
        Assert.That((nint)SkipList.NthInRange(_list, new ScoreRange(3, 3, true, false), 0), Is.EqualTo((nint)0), "an open point is empty");
        Assert.That((nint)SkipList.NthInRange(_list, new ScoreRange(5, 4, false, false), 0), Is.EqualTo((nint)0), "min above max");
        Assert.That((nint)SkipList.NthInRange(_list, new ScoreRange(0, 100, false, false), long.MaxValue), Is.EqualTo((nint)0), "offset overflow");
    }

    [Test]
    public void NthInLexRangeMatchesTheModel()
    {
        var members = Enumerable.Range(0, 60).Select(i => ((char)('a' + i % 26)).ToString() + (i / 26)).ToList();
        foreach (var m in members) Insert(0, m);
        var sorted = members.Select(m => (0.0, m)).ToList();
        sorted.Sort(Compare);
        string[] bounds = ["-", "+", "[a0", "(a0", "[c1", "(c1", "[m", "(z9", "[zz", "[b", "(b0"];
        foreach (var lo in bounds)
        {
            foreach (var hi in bounds)
            {
                Assert.That(LexRange.TryParse(B(lo), B(hi), out var range), Is.True);
                var matching = new List<(double, string)>();
                foreach (var p in sorted)
                    if (range.Contains(B(p.Item2))) matching.Add(p);
                foreach (long n in new long[] { 0, 1, 5, -1, -2, -7, 100, -100 })
                {
                    (double, string)? expected = n >= 0 ? (n < matching.Count ? matching[(int)n] : null) : (-n <= matching.Count ? matching[matching.Count + (int)n] : null);
                    SkipListNode* node = SkipList.NthInRange(_list, range, n);
                    if (expected == null) Assert.That((nint)node, Is.EqualTo((nint)0), $"{lo} {hi} n={n}");
                    else Assert.That(S(node), Is.EqualTo(expected.Value.Item2), $"{lo} {hi} n={n}");
                }
            }
        }
    }

    private struct RemovalCounter(KeyTable members) : ISkipListRemoval
    {
        public int Count;

        public void Removed(SkipListNode* node)
        {
            Count++;
            members.Unlink(node->Entry);
            members.FreeEntry(node->Entry);
        }
    }

    [Test]
    public void RangeDeletionsRemoveExactlyTheRange()
    {
        var model = new List<(double Score, string Member)>();
        for (int i = 0; i < 120; i++)
        {
            Insert(i / 3, "m" + i.ToString("D3"));
            model.Add((i / 3, "m" + i.ToString("D3")));
        }
        model.Sort(Compare);

        var counter = new RemovalCounter(_members);
        Assert.That(SkipList.DeleteRangeByRank(_arena, _list, 10, 19, ref counter), Is.EqualTo(10));
        model.RemoveRange(9, 10);
        Assert.That(counter.Count, Is.EqualTo(10));
        CheckInvariants(model);

        var range = new ScoreRange(20, 25, true, false);
        long removed = SkipList.DeleteRange(_arena, _list, range, ref counter);
        Assert.That(removed, Is.EqualTo(model.RemoveAll(p => range.Contains(p.Score))));
        CheckInvariants(model);

        Assert.That(LexRange.TryParse(B("[m090"), B("(m100"), out var lex), Is.True);
        // Lex deletion walks from the first member >= min while members stay <= max (equal scores expected).
        long before = _list->Length;
        int inLex = 0;
        for (int i = model.Count - 1; i >= 0; i--)
        {
            if (!lex.Contains(B(model[i].Member))) continue;
            model.RemoveAt(i);
            inLex++;
        }
        removed = SkipList.DeleteRange(_arena, _list, lex, ref counter);
        Assert.That(removed, Is.EqualTo(inLex));
        Assert.That(_list->Length, Is.EqualTo(before - removed));
        CheckInvariants(model);
        Assert.That(_members.Count, Is.EqualTo(model.Count), "the callback dropped each member entry");
    }
}
