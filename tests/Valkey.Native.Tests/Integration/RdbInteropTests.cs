using System.Net;
using System.Text;
using NUnit.Framework;
using StackExchange.Redis;
using Valkey.Native.Tests.Infrastructure;

namespace Valkey.Native.Tests.Integration;

/// <summary>Test data of every type and encoding Redis 7.0 knows, and a canonical view of a server's whole dataset.</summary>
internal static class RdbTestData
{
    public static ConnectionMultiplexer Connect(int port) => ConnectionMultiplexer.Connect(new ConfigurationOptions
    {
        EndPoints = { { IPAddress.Loopback, port } },
        AllowAdmin = true, AbortOnConnectFail = false, ConnectTimeout = 10000, SyncTimeout = 10000,
    });

    /// <summary>Fills databases 0 and 5 with one key per type and encoding (and expiries).</summary>
    public static void Populate(IDatabase db, IDatabase db5)
    {
        db.StringSet("str:embstr", "hello");
        db.StringSet("str:int", "123456");
        db.StringSet("str:negint", "-9223372036854775808");
        db.StringSet("str:raw", new string('r', 100) + "x");
        db.StringSet("str:lzf", string.Concat(Enumerable.Repeat("abcdefgh", 200)));
        db.StringSet("str:binary", new byte[] { 0, 255, 13, 10, 1, 2, 3 });
        db.StringSet("str:empty", "");
        db.StringSet("str:ttl", "v", TimeSpan.FromHours(5));
        db.ListRightPush("list:small", ["a", "1", "-2", "70000", "-70000", "4294967296", "x"]);
        db.ListRightPush("list:big", Enumerable.Range(0, 3000).Select(i => (RedisValue)$"element-{i}-padding-padding").ToArray());
        db.ListRightPush("list:ints", Enumerable.Range(0, 2000).Select(i => (RedisValue)(i * 1001L - 1000000)).ToArray());
        db.ListRightPush("list:large-element", [new string('L', 20000), "tail"]);
        db.SetAdd("set:intset", [1, 2, 3, -100, 65536, 5000000000]);
        db.SetAdd("set:small", ["a", "b", "c"]);
        db.SetAdd("set:big", Enumerable.Range(0, 700).Select(i => (RedisValue)$"member-{i}").ToArray());
        db.SetAdd("set:bigints", Enumerable.Range(0, 600).Select(i => (RedisValue)(i * 7L)).ToArray());
        db.HashSet("hash:small", [new("f1", "v1"), new("f2", "2"), new("f3", "-77"), new("n", "")]);
        db.HashSet("hash:big", Enumerable.Range(0, 600).Select(i => new HashEntry($"field-{i}", $"value-{i}")).ToArray());
        db.HashSet("hash:longvalue", [new("f", new string('h', 100))]);
        db.SortedSetAdd("zset:small", [new("a", 1), new("b", 2.5), new("c", -3), new("d", 1e20), new("e", double.PositiveInfinity), new("f", 0.1)]);
        db.SortedSetAdd("zset:big", Enumerable.Range(0, 300).Select(i => new SortedSetEntry($"m{i}", i * 1.25 - 100)).ToArray());
        db.SortedSetAdd("zset:longmember", [new(new string('z', 80), 1)]);
        db.KeyExpire("zset:small", TimeSpan.FromHours(3));
        // A stream over several nodes with a deleted entry, two groups, pending entries of two consumers.
        for (int i = 1; i <= 250; i++) db.StreamAdd("stream:s", [new("f1", $"v{i}"), new("n", i)], $"{1000 + i}-{i % 3}");
        db.StreamAdd("stream:s", [new("other", "fields")], "5000-0");
        db.StreamDelete("stream:s", ["1002-2"]);
        db.StreamCreateConsumerGroup("stream:s", "g1", "0-0");
        db.StreamCreateConsumerGroup("stream:s", "g2", "$");
        db.StreamReadGroup("stream:s", "g1", "alice", ">", 3);
        db.StreamReadGroup("stream:s", "g1", "bob", ">", 2);
        db.StreamAcknowledge("stream:s", "g1", "1001-1");
        db.StreamAdd("stream:empty", [new("a", "1")], "7-7");
        db.StreamTrim("stream:empty", 0);
        db5.StringSet("db5:key", "five");
        db5.SetAdd("db5:set", ["p", "q"]);
    }

    /// <summary>Every key of databases 0-15: type, whether it has a TTL, and its contents (unordered collections sorted).</summary>
    public static SortedDictionary<string, string> Snapshot(ConnectionMultiplexer mux)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var server = mux.GetServers()[0];
        for (int n = 0; n < 16; n++)
        {
            var db = mux.GetDatabase(n);
            foreach (var key in server.Keys(n, pageSize: 1000))
            {
                var type = db.KeyType(key);
                var ttl = db.KeyTimeToLive(key);
                string content = Content(db, key, type);
                result[$"{n}:{key}"] = $"{type} ttl={(ttl.HasValue ? "yes" : "no")} {content}";
            }
        }
        return result;
    }

    /// <summary>One key's contents as text (unordered collections sorted).</summary>
    public static string Content(IDatabase db, RedisKey key, RedisType type) => type switch
    {
        RedisType.String => Hex(db.StringGet(key)),
        RedisType.List => string.Join(",", db.ListRange(key).Select(Hex)),
        RedisType.Set => string.Join(",", db.SetMembers(key).Select(Hex).Order(StringComparer.Ordinal)),
        RedisType.Hash => string.Join(",", db.HashGetAll(key).Select(e => Hex(e.Name) + "=" + Hex(e.Value)).Order(StringComparer.Ordinal)),
        RedisType.SortedSet => string.Join(",", db.SortedSetRangeByRankWithScores(key).Select(e => Hex(e.Element) + "=" + e.Score.ToString("R"))),
        RedisType.Stream => StreamContent(db, key),
        _ => "?",
    };

    private static string Hex(RedisValue v) => Convert.ToHexString((byte[])v!);

    private static string StreamContent(IDatabase db, RedisKey key)
    {
        var sb = new StringBuilder();
        foreach (var e in db.StreamRange(key))
            sb.Append(e.Id).Append('[').Append(string.Join(",", e.Values.Select(v => $"{v.Name}={v.Value}"))).Append(']');
        var info = db.StreamInfo(key);
        sb.Append($" len={info.Length} last={info.LastGeneratedId} groups={info.ConsumerGroupCount}");
        foreach (var g in db.StreamGroupInfo(key).OrderBy(g => g.Name))
        {
            sb.Append($" {g.Name}:consumers={g.ConsumerCount},pending={g.PendingMessageCount},last={g.LastDeliveredId},read={g.EntriesRead}");
            foreach (var p in db.StreamPendingMessages(key, g.Name, 1000, RedisValue.Null))
                sb.Append($" {p.MessageId}@{p.ConsumerName}x{p.DeliveryCount}");
        }
        return sb.ToString();
    }

    public static string Encoding(IDatabase db, string key) => db.Execute("OBJECT", "ENCODING", key).ToString();
}

/// <summary>
/// Interoperability with a real peer, Debian's redis-server 7.0: an RDB it writes (every type and
/// encoding) loads here with identical contents, and an RDB written here loads into it with identical
/// contents. DUMP payloads cross in both directions in DumpRestoreTests.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class RdbInteropTests
{
    private string _dir = null!;

    [SetUp]
    public void CreateDirectory()
    {
        _dir = Path.Combine(Path.GetTempPath(), "valkey-native-tests", "rdb-interop-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(_dir);
    }

    [TearDown]
    public void DeleteDirectory()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    [Test]
    public void RedisRdbLoadsHereWithIdenticalContents()
    {
        SortedDictionary<string, string> expected;
        string redisDir = Path.Combine(_dir, "redis");
        Directory.CreateDirectory(redisDir);
        using (var redis = ReferenceRedisServer.StartOrIgnore(ReferenceRedisServer.DefaultPath, redisDir, "--list-compress-depth", "1"))
        using (var mux = RdbTestData.Connect(redis.Port))
        {
            RdbTestData.Populate(mux.GetDatabase(0), mux.GetDatabase(5));
            expected = RdbTestData.Snapshot(mux);
            Assert.That(RdbTestData.Encoding(mux.GetDatabase(0), "set:intset"), Is.EqualTo("intset"));
            Assert.That(RdbTestData.Encoding(mux.GetDatabase(0), "zset:big"), Is.EqualTo("skiplist"));
            using var raw = redis.CreateRawClient();
            Assert.That(raw.Execute("SAVE"), Is.EqualTo("+OK\r\n"));
        }
        string ours = Path.Combine(_dir, "ours");
        Directory.CreateDirectory(ours);
        File.Copy(Path.Combine(redisDir, "dump.rdb"), Path.Combine(ours, "dump.rdb"));

        var check = RedisCliRun(ours, Path.Combine(ours, "dump.rdb"));
        Assert.That(check, Does.Contain("Checksum OK").And.Contain("RDB looks OK"));

        using var server = new ServerProcess(["--save", ""], workingDirectory: ours);
        Assert.That(server.Log, Does.Contain("RDB version 10 produced by version 7.0"));
        using var ourMux = server.Connect();
        var actual = RdbTestData.Snapshot(ourMux);
        Assert.That(actual.Keys, Is.EqualTo(expected.Keys));
        foreach (var (key, value) in expected) Assert.That(actual[key], Is.EqualTo(value), key);
        var db = ourMux.GetDatabase(0);
        Assert.That(RdbTestData.Encoding(db, "set:intset"), Is.EqualTo("intset"));
        Assert.That(RdbTestData.Encoding(db, "hash:big"), Is.EqualTo("hashtable"));
        Assert.That(RdbTestData.Encoding(db, "zset:big"), Is.EqualTo("skiplist"));
        Assert.That(RdbTestData.Encoding(db, "list:big"), Is.EqualTo("quicklist"));
    }

    [Test]
    public void OurRdbLoadsIntoRedisWithIdenticalContents()
    {
        string dir = Path.Combine(_dir, "shared");
        Directory.CreateDirectory(dir);
        SortedDictionary<string, string> expected;
        using (var server = new ServerProcess(["--save", "", "--list-compress-depth", "2"], workingDirectory: dir))
        using (var mux = server.Connect())
        {
            RdbTestData.Populate(mux.GetDatabase(0), mux.GetDatabase(5));
            expected = RdbTestData.Snapshot(mux);
            var db = mux.GetDatabase(0);
            // Our own encodings that Redis 7.0 does not have must still be written in forms it reads.
            Assert.That(RdbTestData.Encoding(db, "list:small"), Is.EqualTo("listpack"));
            Assert.That(RdbTestData.Encoding(db, "set:small"), Is.EqualTo("listpack"));
            Assert.That(server.Execute("SAVE"), Is.EqualTo("+OK\r\n"));
        }
        byte[] header = File.ReadAllBytes(Path.Combine(dir, "dump.rdb"))[..9];
        Assert.That(Encoding.ASCII.GetString(header), Is.EqualTo("REDIS0010"));

        using var redis = ReferenceRedisServer.StartOrIgnore(ReferenceRedisServer.DefaultPath, dir);
        using var redisMux = RdbTestData.Connect(redis.Port);
        var actual = RdbTestData.Snapshot(redisMux);
        Assert.That(actual.Keys, Is.EqualTo(expected.Keys));
        foreach (var (key, value) in expected) Assert.That(actual[key], Is.EqualTo(value), key);
    }

    [Test]
    public void RdbCompressionAndChecksumOffStillInteroperate()
    {
        string dir = Path.Combine(_dir, "plain");
        Directory.CreateDirectory(dir);
        SortedDictionary<string, string> expected;
        long withCompression;
        using (var server = new ServerProcess(["--save", "", "--rdbchecksum", "no"], workingDirectory: dir))
        using (var mux = server.Connect())
        {
            RdbTestData.Populate(mux.GetDatabase(0), mux.GetDatabase(5));
            expected = RdbTestData.Snapshot(mux);
            Assert.That(server.Execute("SAVE"), Is.EqualTo("+OK\r\n"));
            withCompression = new FileInfo(Path.Combine(dir, "dump.rdb")).Length;
            Assert.That(server.Execute("CONFIG", "SET", "rdbcompression", "no"), Is.EqualTo("+OK\r\n"));
            Assert.That(server.Execute("SAVE"), Is.EqualTo("+OK\r\n"));
        }
        byte[] file = File.ReadAllBytes(Path.Combine(dir, "dump.rdb"));
        Assert.That(file.Length, Is.GreaterThan(withCompression), "rdbcompression no writes no LZF strings");
        Assert.That(file[^8..], Is.EqualTo(new byte[8]), "rdbchecksum no writes a zero checksum");
        using var redis = ReferenceRedisServer.StartOrIgnore(ReferenceRedisServer.DefaultPath, dir);
        using var redisMux = RdbTestData.Connect(redis.Port);
        Assert.That(RdbTestData.Snapshot(redisMux), Is.EqualTo(expected));
    }

    private static string RedisCliRun(string workDir, string file)
    {
        string binary = ServerProcess.FindBinary();
        var psi = new System.Diagnostics.ProcessStartInfo(binary) { RedirectStandardOutput = true, UseShellExecute = false, WorkingDirectory = workDir };
        psi.ArgumentList.Add("check-rdb");
        psi.ArgumentList.Add(file);
        using var p = System.Diagnostics.Process.Start(psi)!;
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit(30000);
        Assert.That(p.ExitCode, Is.EqualTo(0), output);
        return output;
    }
}
