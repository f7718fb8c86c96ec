using System.Text;
using NUnit.Framework;
using Valkey.Native.Storage;
using Valkey.Native.Tests.Infrastructure;

namespace Valkey.Native.Tests.Unit;

/// <summary>
/// Hash field TTLs in <see cref="HashValue"/> (payload TTL words, the per-hash TTL heap) and the
/// per-database <see cref="HashFieldIndex"/>, over a real keyspace: Valkey's reply codes, the
/// encoding rules, expired-but-unreclaimed fields, a random model check of the heap, active
/// reclaim, the index through delete/overwrite/rename/move/copy/swap/flush, and every arena byte
/// given back. Expired fields are made without sleeping by giving TTLs in the past.
/// </summary>
[TestFixture]
public sealed unsafe class HashFieldTtlTests : KeyspaceFixture
{
    private const int NoLimit = int.MaxValue;

    private ValueHeader* Create(string key, params string[] pairs)
    {
        byte* entry = Db.Add(B(key), DataType.Hash, ValueEncoding.ListPack, 8);
        ValueHeader* header = Database.Header(entry);
        HashValue.InitEmpty(Keyspace, header);
        for (int i = 0; i < pairs.Length; i += 2) HashValue.Set(Keyspace, header, B(pairs[i]), B(pairs[i + 1]), 128, 64);
        return header;
    }

    private ValueHeader* HeaderOf(Database db, string key)
    {
        byte* entry = db.Table.Find(B(key));
        Assert.That(entry != null, $"key {key} is missing");
        return Database.Header(entry);
    }

    private long Now => Keyspace.NowMs;

    private string? Get(ValueHeader* h, string field) =>
        HashValue.TryGet(Keyspace, h, B(field), out var v) ? Encoding.UTF8.GetString(v) : null;

    private long Ttl(ValueHeader* h, string field) =>
        HashValue.TryGetFieldExpire(Keyspace, h, B(field), out long at) ? at : -2;

    private int Expire(ValueHeader* h, string field, long at, FieldExpireCondition c = FieldExpireCondition.None) =>
        HashValue.SetFieldExpire(Keyspace, h, B(field), at, c);

    private HashSetResult SetWithTtl(ValueHeader* h, string field, string value, long at, bool keepTtl = false) =>
        HashValue.SetField(Keyspace, h, B(field), B(value), at, keepTtl, 128, 64);

    private struct Collector : IHashVisitor
    {
        public List<string> Fields;
        public void Visit(ReadOnlySpan<byte> field, ReadOnlySpan<byte> value) => Fields.Add(Encoding.UTF8.GetString(field));
    }

    private List<string> Visible(ValueHeader* h)
    {
        var c = new Collector { Fields = new() };
        HashValue.ForEach(Keyspace, h, ref c);
        c.Fields.Sort(StringComparer.Ordinal);
        return c.Fields;
    }

    // ---- reply codes and encodings ---------------------------------------------------------

    [Test]
    public void ListpackFieldsHaveNoTtlAndConvertOnlyWhenOneIsSet()
    {
        var h = Create("h", "a", "1", "b", "2");
        Assert.That(Expire(h, "missing", Now + 1000), Is.EqualTo(-2));
        Assert.That(Expire(h, "a", Now + 1000, FieldExpireCondition.Xx), Is.EqualTo(0), "XX: a listpack field has no TTL");
        Assert.That(Expire(h, "a", Now + 1000, FieldExpireCondition.Gt), Is.EqualTo(0), "GT: no TTL counts as infinite");
        Assert.That(h->Encoding, Is.EqualTo(ValueEncoding.ListPack), "failed conditions do not convert");
        Assert.That(Expire(h, "b", Now), Is.EqualTo(2), "a time not in the future deletes");
        Assert.That(h->Encoding, Is.EqualTo(ValueEncoding.ListPack));
        Assert.That(Get(h, "b"), Is.Null);
        Assert.That(HashValue.HasVolatileFields(h), Is.False);
        Assert.That(Ttl(h, "a"), Is.EqualTo(-1));

        Assert.That(Expire(h, "a", Now + 5000, FieldExpireCondition.Lt), Is.EqualTo(1), "LT: no TTL counts as infinite");
        Assert.That(h->Encoding, Is.EqualTo(ValueEncoding.HashTable));
        Assert.That(HashValue.HasVolatileFields(h), Is.True);
        Assert.That(Get(h, "a"), Is.EqualTo("1"));
        Assert.That(Ttl(h, "a"), Is.EqualTo(Now + 5000));
        Assert.That(HashValue.VolatileFieldCount(h), Is.EqualTo(1));
    }

    [Test]
    public void ConditionsFollowValkeysRules()
    {
        var h = Create("h", "ttl", "1", "plain", "2");
        Assert.That(Expire(h, "ttl", Now + 10_000), Is.EqualTo(1));
        Assert.That(Expire(h, "ttl", Now + 20_000, FieldExpireCondition.Nx), Is.EqualTo(0));
        Assert.That(Expire(h, "plain", Now + 20_000, FieldExpireCondition.Xx), Is.EqualTo(0));
        Assert.That(Expire(h, "plain", Now + 20_000, FieldExpireCondition.Gt), Is.EqualTo(0));
        Assert.That(Expire(h, "ttl", Now + 10_000, FieldExpireCondition.Gt), Is.EqualTo(0), "GT needs strictly greater");
        Assert.That(Expire(h, "ttl", Now + 30_000, FieldExpireCondition.Gt), Is.EqualTo(1));
        Assert.That(Expire(h, "ttl", Now + 30_000, FieldExpireCondition.Lt), Is.EqualTo(0), "LT needs strictly less");
        Assert.That(Expire(h, "ttl", Now + 15_000, FieldExpireCondition.Lt | FieldExpireCondition.Xx), Is.EqualTo(1));
        Assert.That(Ttl(h, "ttl"), Is.EqualTo(Now + 15_000));
        Assert.That(Expire(h, "ttl", Now - 1, FieldExpireCondition.Nx), Is.EqualTo(0), "a failed condition never deletes");
        Assert.That(Get(h, "ttl"), Is.EqualTo("1"));
        Assert.That(Expire(h, "ttl", 0, FieldExpireCondition.Lt), Is.EqualTo(2));
        Assert.That(Get(h, "ttl"), Is.Null);
        Assert.That(HashValue.HasVolatileFields(h), Is.False, "the last TTL field gone frees the heap");
        Assert.That(HashValue.Count(Keyspace, h), Is.EqualTo(1));
    }

    [Test]
    public void PersistAndSetClearTtlsAndKeepTtlKeepsThem()
    {
        var h = Create("h", "a", "1", "b", "2", "c", "3");
        Assert.That(HashValue.PersistField(Keyspace, h, B("a")), Is.EqualTo(-1), "listpack: no TTL");
        Assert.That(HashValue.PersistField(Keyspace, h, B("zz")), Is.EqualTo(-2));
        Expire(h, "a", Now + 1000);
        Expire(h, "b", Now + 2000);
        Expire(h, "c", Now + 3000);
        Assert.That(HashValue.PersistField(Keyspace, h, B("a")), Is.EqualTo(1));
        Assert.That(HashValue.PersistField(Keyspace, h, B("a")), Is.EqualTo(-1));
        Assert.That(Get(h, "a"), Is.EqualTo("1"), "the value moved back in front intact");
        Assert.That(HashValue.NextFieldExpire(h), Is.EqualTo(Now + 2000));

        Assert.That(HashValue.Set(Keyspace, h, B("b"), B("new"), 128, 64), Is.False, "an update");
        Assert.That(Ttl(h, "b"), Is.EqualTo(-1), "HSET drops the TTL");
        Assert.That(SetWithTtl(h, "c", "kept", -1, keepTtl: true), Is.EqualTo(HashSetResult.Updated));
        Assert.That(Ttl(h, "c"), Is.EqualTo(Now + 3000), "KEEPTTL");
        Assert.That(Get(h, "c"), Is.EqualTo("kept"));
        Assert.That(SetWithTtl(h, "c", "longer value than before, to move the entry", Now + 4000), Is.EqualTo(HashSetResult.Updated));
        Assert.That(Ttl(h, "c"), Is.EqualTo(Now + 4000));
        Assert.That(Get(h, "c"), Is.EqualTo("longer value than before, to move the entry"));
        Assert.That(SetWithTtl(h, "d", "new", -1, keepTtl: true), Is.EqualTo(HashSetResult.Added));
        Assert.That(Ttl(h, "d"), Is.EqualTo(-1));
        Assert.That(HashValue.VolatileFieldCount(h), Is.EqualTo(1));
    }

    // ---- expired, not yet reclaimed ------------------------------------------------------------

    [Test]
    public void ExpiredFieldsAreInvisibleButCountedUntilReclaimed()
    {
        var h = Create("h", "live", "1");
        Assert.That(SetWithTtl(h, "gone", "x", Now - 5), Is.EqualTo(HashSetResult.Added));
        Assert.That(SetWithTtl(h, "later", "y", Now + 60_000), Is.EqualTo(HashSetResult.Added));
        Assert.That(SetWithTtl(h, "edge", "z", Now), Is.EqualTo(HashSetResult.Added));

        Assert.That(Get(h, "gone"), Is.Null);
        Assert.That(Get(h, "edge"), Is.EqualTo("z"), "a TTL equal to now has not passed (now > when)");
        Assert.That(HashValue.Exists(Keyspace, h, B("gone")), Is.False);
        Assert.That(HashValue.ValueLength(Keyspace, h, B("gone")), Is.EqualTo(0));
        Assert.That(Ttl(h, "gone"), Is.EqualTo(-2));
        Assert.That(Expire(h, "gone", Now + 1000), Is.EqualTo(-2));
        Assert.That(HashValue.PersistField(Keyspace, h, B("gone")), Is.EqualTo(-2));
        Assert.That(HashValue.Delete(Keyspace, h, B("gone")), Is.False, "HDEL does not see it");
        Assert.That(HashValue.Count(Keyspace, h), Is.EqualTo(4), "HLEN counts it");
        Assert.That(HashValue.LiveCount(Keyspace, h), Is.EqualTo(3));
        Assert.That(Visible(h), Is.EqualTo(new[] { "edge", "later", "live" }));

        var scanned = new Collector { Fields = new() };
        ulong cursor = 0;
        do cursor = HashValue.ScanTable(Keyspace, h, cursor, ref scanned); while (cursor != 0);
        Assert.That(scanned.Fields, Has.No.Member("gone"));
        Assert.That(scanned.Fields, Has.Count.EqualTo(3));

        for (int i = 0; i < 200; i++)
        {
            Assert.That(HashValue.TryRandomLivePair(Keyspace, h, out _, out var f, out _), Is.True);
            Assert.That(Encoding.UTF8.GetString(f), Is.Not.EqualTo("gone"));
        }

        Assert.That(SetWithTtl(h, "gone", "again", -1), Is.EqualTo(HashSetResult.ReplacedExpired), "overwritten as new");
        Assert.That(Ttl(h, "gone"), Is.EqualTo(-1));
        Assert.That(HashValue.Count(Keyspace, h), Is.EqualTo(4));
    }

    [Test]
    public void KeepTtlOnAnExpiredFieldStartsWithoutOneAndIgnoreTtlDeleteRemovesIt()
    {
        var h = Create("h", "a", "1");
        SetWithTtl(h, "old", "x", Now - 1);
        Assert.That(SetWithTtl(h, "old", "y", -1, keepTtl: true), Is.EqualTo(HashSetResult.ReplacedExpired));
        Assert.That(Ttl(h, "old"), Is.EqualTo(-1));
        SetWithTtl(h, "old2", "x", Now - 1);
        Assert.That(HashValue.Delete(Keyspace, h, B("old2"), ignoreTtl: true), Is.True);
        Assert.That(HashValue.Count(Keyspace, h), Is.EqualTo(2));
        Assert.That(HashValue.HasVolatileFields(h), Is.False);
    }

    [Test]
    public void RandomPicksGiveUpWhenEveryFieldExpired()
    {
        var h = Create("h");
        for (int i = 0; i < 10; i++) SetWithTtl(h, "f" + i, "v", Now - 1);
        Assert.That(HashValue.TryRandomLivePair(Keyspace, h, out _, out _, out _), Is.False);
        Assert.That(HashValue.LiveCount(Keyspace, h), Is.EqualTo(0));
        Assert.That(Visible(h), Is.Empty);
    }

    // ---- heap model check and reclaim --------------------------------------------------------

    [Test]
    public void RandomOperationsKeepEveryTtlAndTheHeapOrder([Values(1, 2, 3)] int seed)
    {
        var rng = new Random(seed);
        var h = Create("h");
        var model = new Dictionary<string, (string Value, long Ttl)>();
        long baseTime = Now + 1_000_000;
        for (int step = 0; step < 4000; step++)
        {
            string f = "f" + rng.Next(300);
            string v = new string('v', rng.Next(0, 40));
            long ttl = baseTime + rng.Next(100_000);
            bool exists = model.TryGetValue(f, out var cur);
            switch (rng.Next(6))
            {
                case 0:
                    HashValue.Set(Keyspace, h, B(f), B(v), NoLimit, NoLimit);
                    model[f] = (v, -1);
                    break;
                case 1:
                    SetWithTtl(h, f, v, ttl);
                    model[f] = (v, ttl);
                    break;
                case 2:
                    Assert.That(Expire(h, f, ttl), Is.EqualTo(exists ? 1 : -2));
                    if (exists) model[f] = (cur.Value, ttl);
                    break;
                case 3:
                    Assert.That(HashValue.PersistField(Keyspace, h, B(f)), Is.EqualTo(!exists ? -2 : cur.Ttl == -1 ? -1 : 1));
                    if (exists) model[f] = (cur.Value, -1);
                    break;
                case 4:
                    Assert.That(HashValue.Delete(Keyspace, h, B(f)), Is.EqualTo(exists));
                    model.Remove(f);
                    break;
                default:
                    SetWithTtl(h, f, v, -1, keepTtl: true);
                    model[f] = (v, exists ? cur.Ttl : -1);
                    break;
            }
            if (step % 97 == 0 || step == 3999)
            {
                foreach (var (field, (value, t)) in model)
                {
                    Assert.That(Get(h, field), Is.EqualTo(value), field);
                    Assert.That(Ttl(h, field), Is.EqualTo(t), field);
                }
                int volatileCount = model.Values.Count(x => x.Ttl != -1);
                Assert.That(HashValue.VolatileFieldCount(h), Is.EqualTo(volatileCount));
                Assert.That(HashValue.NextFieldExpire(h), Is.EqualTo(volatileCount == 0 ? -1 : model.Values.Where(x => x.Ttl != -1).Min(x => x.Ttl)));
                Assert.That(HashValue.Count(Keyspace, h), Is.EqualTo(model.Count));
            }
        }
        // Reclaim everything up to the median TTL, in bounded batches, earliest first.
        var ttls = model.Where(x => x.Value.Ttl != -1).Select(x => x.Value.Ttl).OrderBy(x => x).ToList();
        long cut = ttls[ttls.Count / 2];
        int expected = ttls.Count(t => t <= cut), total = 0, removed;
        do
        {
            removed = HashValue.DeleteExpiredFields(Keyspace, h, cut, 7);
            Assert.That(removed, Is.LessThanOrEqualTo(7));
            total += removed;
        } while (removed == 7);
        Assert.That(total, Is.EqualTo(expected));
        Assert.That(HashValue.NextFieldExpire(h), Is.GreaterThan(cut));
        foreach (var (field, (_, t)) in model)
            Assert.That(Get(h, field) != null, Is.EqualTo(t == -1 || t > cut), field);
        Assert.That(Db.Delete(B("h")), Is.True);
        Assert.That(Keyspace.Arena.UsedBytes, Is.EqualTo(Baseline), "table, entries and heap all freed");
    }

    [Test]
    public void ReclaimCountsStatsDeletesAnEmptiedKeyAndKeepsTheIndex()
    {
        var h = Create("h", "keep", "1");
        SetWithTtl(h, "a", "x", Now - 10);
        SetWithTtl(h, "b", "x", Now - 5);
        Db.VolatileHashes.Track(B("h"));
        var h2 = Create("h2");
        SetWithTtl(h2, "only", "x", Now - 1);
        Db.VolatileHashes.Track(B("h2"));
        Assert.That(Db.VolatileHashes.Count, Is.EqualTo(2));

        Assert.That(HashFieldExpiry.ReclaimExpiredFields(Keyspace, Db, B("h"), Now, 1), Is.EqualTo(1), "bounded");
        Assert.That(HashFieldExpiry.ReclaimExpiredFields(Keyspace, Db, B("h"), Now, 10), Is.EqualTo(1));
        Assert.That(Keyspace.Stats.ExpiredFields, Is.EqualTo(2));
        Assert.That(Db.VolatileHashes.Contains(B("h")), Is.False, "no TTL field left");
        Assert.That(HashValue.Count(Keyspace, HeaderOf(Db, "h")), Is.EqualTo(1));

        Assert.That(HashFieldExpiry.ReclaimExpiredFields(Keyspace, Db, B("h2"), Now, 10), Is.EqualTo(1));
        Assert.That(Db.Exists(B("h2")), Is.False, "the last field gone deletes the hash");
        Assert.That(Db.VolatileHashes.Count, Is.EqualTo(0));

        Db.VolatileHashes.Track(B("ghost"));
        Assert.That(HashFieldExpiry.ReclaimExpiredFields(Keyspace, Db, B("ghost"), Now, 10), Is.EqualTo(0));
        Assert.That(Db.VolatileHashes.Count, Is.EqualTo(0), "a stale key leaves the index");
    }

    [Test]
    public void ActiveCycleReclaimsEveryDatabaseWithinItsBounds()
    {
        for (int k = 0; k < 50; k++)
        {
            var h = Create("k" + k, "persistent", "p");
            for (int i = 0; i < 100; i++) SetWithTtl(h, "f" + i, "x", i % 2 == 0 ? Now - 1 : Now + 60_000);
            Db.VolatileHashes.Track(B("k" + k));
        }
        long deadline = System.Diagnostics.Stopwatch.GetTimestamp() + System.Diagnostics.Stopwatch.Frequency * 10;
        for (int round = 0; round < 20 && Keyspace.Stats.ExpiredFields < 2500; round++)
            HashFieldExpiry.ActiveExpireCycle(Keyspace, 20, 10, deadline);
        Assert.That(Keyspace.Stats.ExpiredFields, Is.EqualTo(2500));
        for (int k = 0; k < 50; k++) Assert.That(HashValue.Count(Keyspace, HeaderOf(Db, "k" + k)), Is.EqualTo(51));
        Assert.That(Db.VolatileHashes.Count, Is.EqualTo(50), "future TTLs remain");
    }

    // ---- the index through keyspace operations ---------------------------------------------------

    private byte* VolatileHash(Database db, string key)
    {
        byte* entry = db.Add(B(key), DataType.Hash, ValueEncoding.ListPack, 8);
        ValueHeader* h = Database.Header(entry);
        HashValue.InitEmpty(Keyspace, h);
        HashValue.Set(Keyspace, h, B("plain"), B("1"), 128, 64);
        HashValue.SetField(Keyspace, h, B("t"), B("2"), Now + 100_000, false, 128, 64);
        db.VolatileHashes.Track(B(key));
        return entry;
    }

    [Test]
    public void DeleteOverwriteRenameMoveCopySwapAndFlushKeepTheIndexRight()
    {
        var other = Keyspace.Databases[1];
        byte* e = VolatileHash(Db, "a");
        Db.MoveValueFrom(Db, e, B("renamed"));
        Assert.That(Db.VolatileHashes.Contains(B("a")), Is.False);
        Assert.That(Db.VolatileHashes.Contains(B("renamed")), Is.True);
        Assert.That(Ttl(HeaderOf(Db, "renamed"), "t"), Is.EqualTo(Now + 100_000));

        other.MoveValueFrom(Db, Db.Table.Find(B("renamed")), B("moved"));
        Assert.That(Db.VolatileHashes.Count, Is.EqualTo(0));
        Assert.That(other.VolatileHashes.Contains(B("moved")), Is.True);

        long before = Keyspace.Arena.UsedBytes;
        other.CopyValueFrom(other.Table.Find(B("moved")), B("copy"));
        Assert.That(other.VolatileHashes.Count, Is.EqualTo(2));
        ValueHeader* copy = HeaderOf(other, "copy");
        Assert.That(Ttl(copy, "t"), Is.EqualTo(Now + 100_000));
        Assert.That(HashValue.MemoryBytes(Keyspace, copy), Is.EqualTo(HashValue.MemoryBytes(Keyspace, HeaderOf(other, "moved"))));
        Assert.That(HashValue.PersistField(Keyspace, copy, B("t")), Is.EqualTo(1));
        Assert.That(Ttl(HeaderOf(other, "moved"), "t"), Is.EqualTo(Now + 100_000), "the copy has its own heap");

        other.SetString(B("moved"), "now a string"u8);
        Assert.That(other.VolatileHashes.Contains(B("moved")), Is.False, "overwritten by SET");
        other.Delete(B("copy"));
        Assert.That(other.VolatileHashes.Count, Is.EqualTo(0));
        other.Delete(B("moved"));
        Assert.That(Keyspace.Arena.UsedBytes, Is.LessThan(before));

        VolatileHash(Db, "x");
        Keyspace.Swap(0, 1);
        Assert.That(Db.VolatileHashes.Count, Is.EqualTo(0));
        Assert.That(other.VolatileHashes.Contains(B("x")), Is.True, "SWAPDB swaps the index with the keys");
        other.Clear();
        Assert.That(other.VolatileHashes.Count, Is.EqualTo(0));

        VolatileHash(Db, "y");
        Db.DeleteEntryLazy(Db.Table.Find(B("y")));
        Assert.That(Db.VolatileHashes.Count, Is.EqualTo(0));
        Keyspace.LazyFree.WaitIdle();
    }
}

/// <summary>
/// The hash hot path with field TTLs in the picture: HGET/HSET on hashtable hashes with and
/// without TTL fields, and the TTL commands on a steady hash, allocate nothing on the GC heap.
/// </summary>
[NonParallelizable]
public class HashFieldTtlAllocationTests
{
    [TestCase("HGET", "plain:big", "f7")]
    [TestCase("HSET", "plain:big", "f7", "value")]
    [TestCase("HGET", "ttl:big", "f7")]
    [TestCase("HGET", "ttl:big", "f8")]
    [TestCase("HSET", "ttl:big", "f8", "value")]
    [TestCase("HTTL", "ttl:big", "FIELDS", "2", "f7", "nope")]
    [TestCase("HPEXPIRE", "ttl:big", "100000", "FIELDS", "1", "f7")]
    [TestCase("HGETEX", "ttl:big", "PX", "100000", "FIELDS", "1", "f7")]
    public void SteadyStateCommandAllocatesNothing(params string[] command)
    {
        using var server = new Shared.InProcessServer();
        var pairs = Enumerable.Range(0, 200).SelectMany(i => new[] { "f" + i, "v" + i }).ToArray();
        server.Execute(["HSET", "plain:big", .. pairs]);
        server.Execute(["HSET", "ttl:big", .. pairs]);
        server.Execute("HEXPIRE", "ttl:big", "100000", "FIELDS", "3", "f1", "f7", "f9");
        Assert.That(server.Execute(command), Does.Not.StartWith("-"), "the command under test succeeds");
        long allocated = server.AllocatedBytes(warmup: 1000, runs: 10_000, RawRespClient.EncodeCommand(command));
        Assert.That(allocated, Is.EqualTo(0), $"{string.Join(' ', command)} allocated {allocated} bytes over 10,000 runs");
    }
}
