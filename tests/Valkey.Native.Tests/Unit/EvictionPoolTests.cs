using System.Text;
using NUnit.Framework;
using Valkey.Native.Storage;

namespace Valkey.Native.Tests.Unit;

/// <summary>
/// <see cref="EvictionPool"/>: keeps the 16 best-scored candidates, pops them best first,
/// drops candidates worse than a full pool, and handles keys longer than the cached buffer.
/// </summary>
[TestFixture]
public sealed class EvictionPoolTests
{
    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    private static List<(string Key, ulong Score, int Db)> Drain(EvictionPool pool)
    {
        var result = new List<(string, ulong, int)>();
        byte[] buffer = new byte[4];
        while (true)
        {
            int n = pool.PopBest(ref buffer, out int db, out ulong score);
            if (n < 0) return result;
            result.Add((Encoding.UTF8.GetString(buffer, 0, n), score, db));
        }
    }

    [Test]
    public void CandidatesComeOutBestFirst()
    {
        var pool = new EvictionPool();
        ulong[] scores = [40, 10, 30, 50, 20];
        foreach (ulong s in scores) pool.Insert(s, B($"k{s}"), (int)(s / 10));
        Assert.That(pool.Count, Is.EqualTo(5));
        var drained = Drain(pool);
        Assert.That(drained.Select(d => d.Score), Is.EqualTo(new ulong[] { 50, 40, 30, 20, 10 }));
        Assert.That(drained.Select(d => d.Key), Is.EqualTo(new[] { "k50", "k40", "k30", "k20", "k10" }));
        Assert.That(drained.Select(d => d.Db), Is.EqualTo(new[] { 5, 4, 3, 2, 1 }));
        Assert.That(pool.Count, Is.EqualTo(0));
    }

    [Test]
    public void AFullPoolKeepsTheSixteenBestAndDropsWorseCandidates()
    {
        var pool = new EvictionPool();
        for (ulong s = 1; s <= 100; s++) pool.Insert(s * 7 % 101, B($"k{s * 7 % 101}"), 0);
        pool.Insert(0, B("worst"), 0);
        Assert.That(pool.Count, Is.EqualTo(EvictionPool.Size));
        var drained = Drain(pool);
        Assert.That(drained.Select(d => d.Score), Is.EqualTo(Enumerable.Range(85, 16).Reverse().Select(i => (ulong)i)));
        Assert.That(drained.All(d => d.Key == $"k{d.Score}"), Is.True, "keys travel with their scores");
    }

    [Test]
    public void LongKeysAndBufferGrowthAreHandled()
    {
        var pool = new EvictionPool();
        string longKey = new string('x', 1000);
        pool.Insert(5, B(longKey), 2);
        pool.Insert(3, B("short"), 1);
        byte[] buffer = new byte[1];
        int n = pool.PopBest(ref buffer, out int db, out _);
        Assert.That(n, Is.EqualTo(1000));
        Assert.That(buffer.Length, Is.GreaterThanOrEqualTo(1000));
        Assert.That(Encoding.UTF8.GetString(buffer, 0, n), Is.EqualTo(longKey));
        Assert.That(db, Is.EqualTo(2));
        // The slot that held the long key is reused for a short one later.
        pool.Insert(9, B("again"), 3);
        var rest = Drain(pool);
        Assert.That(rest.Select(r => r.Key), Is.EqualTo(new[] { "again", "short" }));
    }

    [Test]
    public void ClearEmptiesThePool()
    {
        var pool = new EvictionPool();
        pool.Insert(1, B("a"), 0);
        pool.Clear();
        byte[] buffer = [];
        Assert.That(pool.PopBest(ref buffer, out _, out _), Is.EqualTo(-1));
    }
}
