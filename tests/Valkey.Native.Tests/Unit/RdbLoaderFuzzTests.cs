using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using NUnit.Framework;
using Valkey.Native.Persistence;
using Valkey.Native.Storage;
using Valkey.Native.Tests.Infrastructure;

namespace Valkey.Native.Tests.Unit;

/// <summary>
/// The RDB writer and loader in process: a keyspace with every type and encoding round-trips to the
/// same bytes, and mutated or truncated files (with and without a checksum) only ever end in a clean
/// <see cref="RdbFormatException"/> or a successful load, never another exception or a hang.
/// </summary>
[TestFixture]
public sealed unsafe class RdbLoaderFuzzTests : KeyspaceFixture
{
    private static readonly RdbLoadOptions Options = new() { SkipExpired = false };

    private void Put(string key, LoadedValue value, long expireAt = -1) =>
        RdbLoader.Store(Db, B(key), value, expireAt, -1, -1, Options, 0);

    private static LoadedValue Items(DataType type, IEnumerable<string> items)
    {
        var v = new LoadedValue { Type = type };
        foreach (var i in items) v.Items.Add(Encoding.UTF8.GetBytes(i));
        return v;
    }

    private void Populate()
    {
        Put("str", new LoadedValue { Type = DataType.String, Str = B("hello") });
        Put("int", new LoadedValue { Type = DataType.String, Str = B("-123456789012") });
        Put("long", new LoadedValue { Type = DataType.String, Str = Encoding.ASCII.GetBytes(new string('x', 500)) }, 4_000_000_000_000);
        Put("list-small", Items(DataType.List, ["a", "1", "-70000", "b"]));
        Put("list-big", Items(DataType.List, Enumerable.Range(0, 2000).Select(i => $"element-{i}")));
        Put("set-int", Items(DataType.Set, ["1", "5", "-3", "100000"]));
        Put("set-lp", Items(DataType.Set, ["x", "y", "z"]));
        Put("set-ht", Items(DataType.Set, Enumerable.Range(0, 300).Select(i => $"m{i}")));
        var hs = new LoadedValue { Type = DataType.Hash };
        hs.Fields.Add((B("f"), B("v"), -1));
        hs.Fields.Add((B("n"), B("42"), -1));
        Put("hash-lp", hs);
        var hb = new LoadedValue { Type = DataType.Hash };
        for (int i = 0; i < 700; i++) hb.Fields.Add((B($"f{i}"), B($"v{i}"), -1));
        Put("hash-ht", hb);
        var ht = new LoadedValue { Type = DataType.Hash };
        ht.Fields.Add((B("a"), B("1"), 4_000_000_000_000));
        ht.Fields.Add((B("b"), B("2"), -1));
        Put("hash-ttl", ht);
        var zs = new LoadedValue { Type = DataType.SortedSet };
        zs.Members.Add((B("a"), 1));
        zs.Members.Add((B("b"), 2.5));
        zs.Members.Add((B("c"), double.NegativeInfinity));
        Put("zset-lp", zs);
        var zb = new LoadedValue { Type = DataType.SortedSet };
        for (int i = 0; i < 300; i++) zb.Members.Add((B($"m{i}"), i * 0.75));
        Put("zset-sl", zb);
        var st = new LoadedStream();
        for (int i = 1; i <= 150; i++)
            st.Entries.Add((new StreamId(1000 + (ulong)i, 0), i % 10 == 0 ? [B("other"), B($"{i}")] : [B("f"), B($"v{i}"), B("n"), B($"{i}")]));
        st.Length = 150;
        st.LastId = new StreamId(1150, 0);
        st.EntriesAdded = 152;
        st.MaxDeletedId = new StreamId(999, 0);
        var group = new LoadedGroup { Name = B("g"), LastId = new StreamId(1003, 0), EntriesRead = 3 };
        group.Pel.Add((new StreamId(1002, 0), 1234, 2));
        group.Pel.Add((new StreamId(1003, 0), 1235, 1));
        group.Consumers.Add((B("alice"), 1234, 1234, [new StreamId(1002, 0), new StreamId(1003, 0)]));
        st.Groups.Add(group);
        Put("stream", new LoadedValue { Type = DataType.Stream, Stream = st });
    }

    private static byte[] Save(Keyspace ks, bool checksum = true)
    {
        var ms = new MemoryStream();
        var output = new RdbOutput(ms, checksum, compress: true);
        var root = KeyspaceRoot.CaptureLive(ks, "noeviction", 0);
        using (var writer = new RdbWriter<LiveMemoryView>(output, root, default)) writer.WriteFile("test");
        return ms.ToArray();
    }

    private static RdbLoadResult LoadInto(Keyspace ks, byte[] file)
    {
        using var ms = new MemoryStream(file);
        return RdbLoader.Load(ms, file.Length, ks, Options);
    }

    private static Keyspace NewKeyspace() => new(2, new NullObserver(), hashSeed: 0xC0FFEE_1234UL);

    [Test]
    public void EveryEncodingRoundTripsToTheSameBytes()
    {
        Populate();
        Assert.That(HashValue.HasVolatileFields(Database.Header(Db.Table.Find(B("hash-ttl")))), Is.True);
        byte[] first = Save(Keyspace);
        Assert.That(Encoding.ASCII.GetString(first, 0, 9), Is.EqualTo("VALKEY080"), "a hash with field TTLs needs RDB 80");
        using var ks2 = NewKeyspace();
        var result = LoadInto(ks2, first);
        Assert.That(result.Keys, Is.EqualTo(Db.Count));
        Assert.That(result.ChecksumVerified, Is.True);
        Assert.That(ks2.Databases[0].Count, Is.EqualTo(Db.Count));
        Assert.That(ks2.Databases[0].VolatileHashes.Count, Is.EqualTo(1));
        byte[] second = Save(ks2);
        Assert.That(Canonical(second), Is.EqualTo(Canonical(first)), "a reloaded keyspace saves the same content");
        Assert.That(Canonical(first), Has.Count.EqualTo(Db.Count));
        Assert.That(second.Length, Is.EqualTo(first.Length));
    }

    /// <summary>Every key of a file as text: type, expire and its elements (unordered collections sorted).</summary>
    private static SortedDictionary<string, string> Canonical(byte[] file)
    {
        var map = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var options = new RdbLoadOptions
        {
            DryRun = true,
            SkipExpired = false,
            OnKey = (db, key, v, expire) =>
            {
                static string S(byte[] b) => Convert.ToHexString(b);
                IEnumerable<string> parts = v.Type switch
                {
                    DataType.String => [S(v.Str)],
                    DataType.List => v.Items.Select(S),
                    DataType.Set => v.Items.Select(S).Order(StringComparer.Ordinal),
                    DataType.Hash => v.Fields.Select(f => $"{S(f.Field)}={S(f.Value)}@{f.ExpireAtMs}").Order(StringComparer.Ordinal),
                    DataType.Stream => v.Stream!.Entries.Select(e => $"{e.Id}:{string.Join("/", e.Pairs.Select(S))}")
                        .Append($"{v.Stream.LastId} {v.Stream.EntriesAdded} {v.Stream.MaxDeletedId}")
                        .Concat(v.Stream.Groups.Select(g => $"{S(g.Name)} {g.LastId} {g.EntriesRead} {string.Join("/", g.Pel)} {string.Join("/", g.Consumers.Select(c => S(c.Name) + ":" + string.Join("+", c.Pel)))}")),
                    _ => v.Members.Select(m => $"{S(m.Member)}={m.Score:R}").Order(StringComparer.Ordinal),
                };
                map[$"{db}:{Encoding.UTF8.GetString(key)}"] = $"{v.Type} {expire} {string.Join(",", parts)}";
            },
        };
        using var ms = new MemoryStream(file);
        RdbLoader.Load(ms, file.Length, null, options);
        return map;
    }

    [Test]
    public void ATableMidRehashIsSavedWholeThroughACopyingView()
    {
        int n = 0;
        while (!Db.Table.IsRehashing || n < 3000)
        {
            Put($"k{n}", new LoadedValue { Type = DataType.String, Str = B($"v{n}") });
            n++;
            if (n > 1_000_000) Assert.Fail("the table never started a rehash");
            if (Db.Table.IsRehashing && n >= 3000) break;
        }
        Put("set-ht", Items(DataType.Set, Enumerable.Range(0, 300).Select(i => $"m{i}")));
        Assert.That(Db.Table.IsRehashing, Is.True);
        byte[] live = Save(Keyspace);
        var counter = new ReadCounter();
        var ms = new MemoryStream();
        var root = KeyspaceRoot.CaptureLive(Keyspace, "noeviction", 0);
        using (var writer = new RdbWriter<CopyingView>(new RdbOutput(ms, true, true), root, new CopyingView(counter))) writer.WriteFile("test");
        Assert.That(counter.Reads, Is.GreaterThan(Db.Count), "every entry is read through the view");
        var copied = Canonical(ms.ToArray());
        Assert.That(copied, Is.EqualTo(Canonical(live)));
        Assert.That(copied, Has.Count.EqualTo(Db.Count));
    }

    private sealed class ReadCounter
    {
        public long Reads;
    }

    /// <summary>A view that, like a snapshot's, always copies into the caller's scratch (and counts reads).</summary>
    private readonly struct CopyingView(ReadCounter counter) : IMemoryView
    {
        public ReadOnlySpan<byte> Read(byte* address, int length, Span<byte> scratch)
        {
            counter.Reads++;
            new ReadOnlySpan<byte>(address, length).CopyTo(scratch);
            return scratch[..length];
        }

        public T ReadStruct<T>(byte* address) where T : unmanaged
        {
            counter.Reads++;
            return System.Runtime.CompilerServices.Unsafe.ReadUnaligned<T>(address);
        }
    }

    [Test]
    public void WithoutFieldTtlsTheFileIsRdb10()
    {
        Put("s", new LoadedValue { Type = DataType.String, Str = B("v") });
        Assert.That(Encoding.ASCII.GetString(Save(Keyspace), 0, 9), Is.EqualTo("REDIS0010"));
    }

    [Test]
    public void WrongChecksumIsRejected()
    {
        Populate();
        byte[] file = Save(Keyspace);
        file[^1] ^= 0x5A;
        using var ks = NewKeyspace();
        var e = Assert.Throws<RdbFormatException>(() => LoadInto(ks, file));
        Assert.That(e!.Message, Does.Contain("Wrong RDB checksum"));
    }

    [Test]
    public void HugeLengthsFailFastWithoutAllocating()
    {
        // REDIS0010, a string key whose value claims 2^62 bytes.
        var ms = new MemoryStream();
        ms.Write("REDIS0010"u8);
        ms.WriteByte(0);                 // type string
        ms.Write([3, (byte)'k', (byte)'e', (byte)'y']);
        ms.WriteByte(0x81);
        Span<byte> len = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(len, 1UL << 62);
        ms.Write(len);
        using var ks = NewKeyspace();
        var e = Assert.Throws<RdbFormatException>(() => LoadInto(ks, ms.ToArray()));
        Assert.That(e!.Message, Does.Contain("exceeds"));

        // A list claiming 2^40 elements.
        var ms2 = new MemoryStream();
        ms2.Write("REDIS0010"u8);
        ms2.WriteByte(1);
        ms2.Write([1, (byte)'l']);
        ms2.WriteByte(0x81);
        BinaryPrimitives.WriteUInt64BigEndian(len, 1UL << 40);
        ms2.Write(len);
        Assert.Throws<RdbFormatException>(() => LoadInto(ks, ms2.ToArray()));
    }

    [TestCase("REDIS0012", "Can't handle RDB format version 12")]
    [TestCase("REDIS0081", "Can't handle RDB format version 81")]
    [TestCase("VALKEY082", "Can't handle RDB format version 82")]
    [TestCase("VALKEY011", "Wrong signature")]
    [TestCase("NOTREDIS!", "Wrong signature")]
    public void BadHeadersAreRejected(string magic, string message)
    {
        using var ks = NewKeyspace();
        var e = Assert.Throws<RdbFormatException>(() => LoadInto(ks, Encoding.ASCII.GetBytes(magic + "\xff")));
        Assert.That(e!.Message, Does.Contain(message));
    }

    [Test]
    public void Valkey92FilesLoad()
    {
        using var ks = NewKeyspace();
        // VALKEY081, a string key, EOF, no checksum.
        byte[] file = [.. "VALKEY081"u8, 0, 1, (byte)'k', 1, (byte)'v', 255, 0, 0, 0, 0, 0, 0, 0, 0];
        Assert.That(LoadInto(ks, file).Version, Is.EqualTo(81));
        Assert.That(ks.Databases[0].Count, Is.EqualTo(1));
        var e = Assert.Throws<RdbFormatException>(() => LoadInto(NewKeyspace(), [.. "VALKEY081"u8, 23, 1, (byte)'p', 0]));
        Assert.That(e!.Message, Does.Contain("Unknown RDB encoding type 23"));
    }

    [Test]
    public void UnknownTypeIsRejected()
    {
        using var ks = NewKeyspace();
        var e = Assert.Throws<RdbFormatException>(() => LoadInto(ks, [.. "REDIS0010"u8, 99, 1, (byte)'k', 0]));
        Assert.That(e!.Message, Does.Contain("Unknown RDB encoding type 99"));
    }

    [TestCase(true)]
    [TestCase(false)]
    public void MutatedAndTruncatedFilesNeverCrashOrHang(bool checksum)
    {
        Populate();
        byte[] good = Save(Keyspace, checksum);
        var rng = new Random(checksum ? 1234 : 5678);
        var sw = Stopwatch.StartNew();
        int loaded = 0, rejected = 0;
        int iterations = int.TryParse(Environment.GetEnvironmentVariable("RDB_FUZZ_ITERATIONS"), out int it) ? it : 400;
        for (int iteration = 0; iteration < iterations; iteration++)
        {
            byte[] bad = (byte[])good.Clone();
            switch (iteration % 4)
            {
                case 0: // truncate
                    bad = bad.AsSpan(0, rng.Next(bad.Length)).ToArray();
                    break;
                case 1: // flip a few bytes
                    for (int k = 0; k < 1 + rng.Next(4); k++) bad[rng.Next(9, bad.Length)] ^= (byte)(1 + rng.Next(255));
                    break;
                case 2: // set a byte to an interesting value
                    bad[rng.Next(9, bad.Length)] = (byte)(new[] { 0x00, 0x3F, 0x40, 0x7F, 0x80, 0x81, 0xC0, 0xC3, 0xF4, 0xFF })[rng.Next(10)];
                    break;
                default: // duplicate or remove a random slice
                    int at = rng.Next(9, bad.Length), n = rng.Next(1, 64);
                    n = Math.Min(n, bad.Length - at);
                    bad = rng.Next(2) == 0
                        ? [.. bad.AsSpan(0, at), .. bad.AsSpan(at + n)]
                        : [.. bad.AsSpan(0, at + n), .. bad.AsSpan(at)];
                    break;
            }
            using var ks = NewKeyspace();
            try
            {
                LoadInto(ks, bad);
                loaded++;
            }
            catch (RdbFormatException)
            {
                rejected++;
            }
        }
        TestContext.Out.WriteLine($"loaded {loaded}, rejected {rejected} in {sw.ElapsedMilliseconds} ms");
        Assert.That(rejected, Is.GreaterThan(200));
        Assert.That(sw.Elapsed, Is.LessThan(TimeSpan.FromSeconds(60) * Math.Max(1, iterations / 400)));
    }
}
