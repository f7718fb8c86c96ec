using System.Net.Sockets;
using NUnit.Framework;
using StackExchange.Redis;
using Valkey.Native.Tests.Infrastructure;
using static Valkey.Native.Tests.Infrastructure.Resp;

namespace Valkey.Native.Tests.Integration;

/// <summary>
/// maxmemory and eviction: the limit holds under a write load for every policy, each policy picks
/// the victims it should (LRU keeps recently read keys, volatile-ttl the longest TTLs, volatile-*
/// never touch persistent keys), noeviction refuses denyoom commands only (also inside MULTI),
/// evictions raise the "evicted" keyspace event, OBJECT FREQ/IDLETIME follow the policy, and a
/// normal client over its output buffer limit is disconnected while others keep working.
/// </summary>
public class EvictionTests : OwnServerFixture
{
    private const string Oom = "-OOM command not allowed when used memory > 'maxmemory'.\r\n";

    [SetUp]
    public void ResetState()
    {
        Execute("CONFIG", "SET", "maxmemory", "0");
        Execute("CONFIG", "SET", "maxmemory-policy", "noeviction");
        Execute("CONFIG", "SET", "notify-keyspace-events", "");
        Execute("CONFIG", "SET", "client-output-buffer-limit", "normal 0 0 0");
        // Evictions free synchronously unless a test asks otherwise, and nothing an earlier test
        // handed to the lazy-free worker may still be in flight (it would move used_memory and
        // the lazyfree counters under this test's feet).
        Execute("CONFIG", "SET", "lazyfree-lazy-eviction", "no");
        Execute("FLUSHALL", "SYNC");
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (InfoParser.Field(Execute("INFO", "memory"), "lazyfree_pending_objects") != 0 && DateTime.UtcNow < deadline) Thread.Sleep(10);
        Execute("CONFIG", "RESETSTAT");
    }

    [TearDown]
    public void NoLimitAfterwards() => Execute("CONFIG", "SET", "maxmemory", "0");

    private long Info(string field) => InfoParser.Field(Execute("INFO", "all"), field);

    /// <summary>Sets maxmemory to the current usage plus <paramref name="headroom"/> bytes.</summary>
    private long LimitAtUsedPlus(long headroom)
    {
        long limit = Info("used_memory") + headroom;
        Assert.That(Execute("CONFIG", "SET", "maxmemory", limit.ToString()), Is.EqualTo("+OK\r\n"));
        return limit;
    }

    private static string Value(int size) => new('v', size);

    [TestCase("allkeys-lru")]
    [TestCase("allkeys-lfu")]
    [TestCase("allkeys-random")]
    [TestCase("volatile-lru")]
    [TestCase("volatile-lfu")]
    [TestCase("volatile-random")]
    [TestCase("volatile-ttl")]
    public void UsedMemoryStaysUnderTheLimitUnderAWriteLoad(string policy)
    {
        Execute("CONFIG", "SET", "maxmemory-policy", policy);
        long limit = LimitAtUsedPlus(200 * 1024);
        var db = Redis.GetDatabase();
        string value = Value(200);
        // Far more data than fits: every write past the limit must evict something.
        var writes = Enumerable.Range(0, 5000).Select(i => db.StringSetAsync($"load:{policy}:{i}", value, TimeSpan.FromHours(1))).ToArray();
        db.WaitAll(writes);
        Assert.That(writes.All(w => w.Result), Is.True, "no write was refused");
        long used = Info("used_memory");
        Assert.That(used, Is.LessThan(limit + 16 * 1024), $"used {used} vs limit {limit}");
        Assert.That(Info("evicted_keys"), Is.GreaterThan(100));
        long keys = (long)Redis.GetServer(Server.Endpoint).DatabaseSize();
        Assert.That(keys, Is.InRange(10, 4900));
    }

    [Test]
    public void NoEvictionRefusesWritesButServesReadsAndDeletes()
    {
        Execute("SET", "ne:a", "1");
        Execute("SET", "ne:b", "2");
        Execute("CONFIG", "SET", "maxmemory", "1");
        using var c = Raw();
        Assert.That(c.Execute("SET", "ne:c", "3"), Is.EqualTo(Oom));
        Assert.That(c.Execute("RPUSH", "ne:l", "x"), Is.EqualTo(Oom));
        Assert.That(c.Execute("GET", "ne:a"), Is.EqualTo(Bulk("1")));
        Assert.That(c.Execute("DEL", "ne:a"), Is.EqualTo(Int(1)));
        Assert.That(c.Execute("EXISTS", "ne:b"), Is.EqualTo(Int(1)));
        Assert.That(c.Execute("PING"), Is.EqualTo("+PONG\r\n"));
        Assert.That(Info("evicted_keys"), Is.EqualTo(0));
        Assert.That(Info("maxmemory"), Is.EqualTo(1));
        var fields = InfoParser.Fields(BulkText(Execute("INFO", "all")));
        Assert.That(fields["maxmemory_policy"], Is.EqualTo("noeviction"));
        Assert.That(fields["maxmemory_human"], Is.EqualTo("1B"));
        Assert.That(long.Parse(fields["current_eviction_exceeded_time"]), Is.GreaterThanOrEqualTo(0));
        Assert.That(fields, Does.ContainKey("mem_not_counted_for_evict"));
        Assert.That(fields, Does.ContainKey("total_eviction_exceeded_time"));
    }

    [Test]
    public void OutOfMemoryInsideMultiAbortsOnlyTransactionsWithWrites()
    {
        Execute("SET", "tx:x", "value");
        using var c = Raw();
        // Queued before the limit: EXEC of reads only still runs, EXEC with a write is aborted.
        Assert.That(c.Execute("MULTI"), Is.EqualTo("+OK\r\n"));
        Assert.That(c.Execute("GET", "tx:x"), Is.EqualTo("+QUEUED\r\n"));
        Execute("CONFIG", "SET", "maxmemory", "1");
        Assert.That(c.Execute("EXEC"), Is.EqualTo("*1\r\n" + Bulk("value")));
        Execute("CONFIG", "SET", "maxmemory", "0");

        Assert.That(c.Execute("MULTI"), Is.EqualTo("+OK\r\n"));
        Assert.That(c.Execute("SET", "tx:y", "1"), Is.EqualTo("+QUEUED\r\n"));
        Execute("CONFIG", "SET", "maxmemory", "1");
        Assert.That(c.Execute("EXEC"), Is.EqualTo("-EXECABORT Transaction discarded because of: OOM command not allowed when used memory > 'maxmemory'.\r\n"));

        // Queued while out of memory: the write is refused, EXEC reports the earlier error, DISCARD works.
        Assert.That(c.Execute("MULTI"), Is.EqualTo("+OK\r\n"));
        Assert.That(c.Execute("SET", "tx:z", "1"), Is.EqualTo(Oom));
        Assert.That(c.Execute("DISCARD"), Is.EqualTo("+OK\r\n"));
        Assert.That(c.Execute("MULTI"), Is.EqualTo("+OK\r\n"));
        Assert.That(c.Execute("SET", "tx:z", "1"), Is.EqualTo(Oom));
        Assert.That(c.Execute("EXEC"), Is.EqualTo("-EXECABORT Transaction discarded because of previous errors.\r\n"));
        Execute("CONFIG", "SET", "maxmemory", "0");
        Assert.That(Execute("EXISTS", "tx:y", "tx:z"), Is.EqualTo(Int(0)));
    }

    [Test]
    public void AllKeysLruKeepsRecentlyReadKeys()
    {
        var db = Redis.GetDatabase();
        string value = Value(1000);
        for (int i = 0; i < 200; i++) db.StringSet($"lru:{i}", value);
        // The LRU clock has one-second resolution: let every key age, then read the even ones.
        Thread.Sleep(2100);
        for (int i = 0; i < 200; i += 2) Assert.That(db.StringGet($"lru:{i}").HasValue, Is.True);
        Execute("CONFIG", "SET", "maxmemory-policy", "allkeys-lru");
        Execute("CONFIG", "SET", "maxmemory-samples", "10");
        LimitAtUsedPlus(0);
        // New keys push about a third of the old ones out.
        for (int i = 0; i < 70; i++) db.StringSet($"lru:new:{i}", value);
        int hotLeft = Enumerable.Range(0, 100).Count(i => db.KeyExists($"lru:{2 * i}"));
        int coldLeft = Enumerable.Range(0, 100).Count(i => db.KeyExists($"lru:{2 * i + 1}"));
        Assert.That(Info("evicted_keys"), Is.GreaterThan(30));
        Assert.That(hotLeft, Is.GreaterThan(95), $"recently read keys survive (cold left: {coldLeft})");
        Assert.That(coldLeft, Is.LessThan(75));
    }

    [Test]
    public void VolatileTtlEvictsTheShortestTtlsFirst()
    {
        var db = Redis.GetDatabase();
        string value = Value(1000);
        for (int i = 0; i < 200; i++) db.StringSet($"ttl:{i}", value, TimeSpan.FromSeconds(10_000 + i * 100));
        Execute("CONFIG", "SET", "maxmemory-policy", "volatile-ttl");
        LimitAtUsedPlus(-60 * 1024);
        // The next command evicts until under the limit.
        Assert.That(Execute("PING"), Is.EqualTo("+PONG\r\n"));
        var evicted = Enumerable.Range(0, 200).Where(i => !db.KeyExists($"ttl:{i}")).ToList();
        Assert.That(evicted.Count, Is.InRange(40, 120));
        // Sampled, not exact: nearly all victims come from the shortest TTLs.
        int fromShortHalf = evicted.Count(i => i < 100);
        Assert.That(fromShortHalf, Is.GreaterThanOrEqualTo(evicted.Count * 9 / 10), string.Join(",", evicted));
    }

    [TestCase("volatile-lru")]
    [TestCase("volatile-random")]
    [TestCase("volatile-ttl")]
    [TestCase("volatile-lfu")]
    public void VolatilePoliciesNeverEvictPersistentKeys(string policy)
    {
        var db = Redis.GetDatabase();
        string value = Value(500);
        for (int i = 0; i < 100; i++) db.StringSet($"persist:{i}", value);
        for (int i = 0; i < 100; i++) db.StringSet($"vol:{i}", value, TimeSpan.FromHours(1));
        Execute("CONFIG", "SET", "maxmemory-policy", policy);
        LimitAtUsedPlus(0);
        // Writes evict volatile keys until none is left; then they are refused.
        int refused = 0;
        for (int i = 0; i < 400; i++)
        {
            string reply = Execute("SET", $"persist:new:{i}", value);
            if (reply == Oom) refused++;
            else Assert.That(reply, Is.EqualTo("+OK\r\n"));
        }
        Assert.That(refused, Is.GreaterThan(0), "once no volatile key is left, writes fail");
        Assert.That(Enumerable.Range(0, 100).All(i => db.KeyExists($"persist:{i}")), Is.True, "no persistent key was evicted");
        Assert.That(Enumerable.Range(0, 100).Count(i => db.KeyExists($"vol:{i}")), Is.EqualTo(0));
        Assert.That(Info("evicted_keys"), Is.EqualTo(100));
    }

    [Test]
    public void EvictionsRaiseTheEvictedKeyspaceEvent()
    {
        Execute("CONFIG", "SET", "notify-keyspace-events", "Ee");
        Execute("CONFIG", "SET", "maxmemory-policy", "allkeys-random");
        Execute("SET", "ev:foo", "bar");
        using var sub = Raw();
        sub.SendCommand("PSUBSCRIBE", "__keyevent@0__:evicted");
        Assert.That(sub.ReadReply(), Does.StartWith("*3\r\n$10\r\npsubscribe\r\n"));
        // Lowering the limit evicts from the event loop, without any further command.
        Execute("CONFIG", "SET", "maxmemory", "1");
        Assert.That(sub.ReadReply(), Is.EqualTo("*4\r\n$8\r\npmessage\r\n$22\r\n__keyevent@0__:evicted\r\n$22\r\n__keyevent@0__:evicted\r\n$6\r\nev:foo\r\n"));
        Execute("CONFIG", "SET", "maxmemory", "0");
        Assert.That(Info("evicted_keys"), Is.EqualTo(1));
    }

    [Test]
    public void EvictionTouchesWatchedKeys()
    {
        Execute("CONFIG", "SET", "maxmemory-policy", "allkeys-random");
        Execute("SET", "watch:k", "v");
        using var c = Raw();
        Assert.That(c.Execute("WATCH", "watch:k"), Is.EqualTo("+OK\r\n"));
        Execute("CONFIG", "SET", "maxmemory", "1");
        Assert.That(Execute("EXISTS", "watch:k"), Is.EqualTo(Int(0)));
        Execute("CONFIG", "SET", "maxmemory", "0");
        Assert.That(c.Execute("MULTI"), Is.EqualTo("+OK\r\n"));
        Assert.That(c.Execute("PING"), Is.EqualTo("+QUEUED\r\n"));
        Assert.That(c.Execute("EXEC"), Is.EqualTo("*-1\r\n"), "the evicted key made the transaction fail");
    }

    [Test]
    public void ObjectFreqRisesWithAccessUnderAnLfuPolicy()
    {
        using var c = Raw();
        Assert.That(c.Execute("OBJECT", "FREQ", "missing"), Is.EqualTo("$-1\r\n"));
        c.Execute("SET", "lfu:k", "v");
        Assert.That(c.Execute("OBJECT", "FREQ", "lfu:k"), Is.EqualTo("-ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.\r\n"));
        c.Execute("CONFIG", "SET", "maxmemory-policy", "allkeys-lfu");
        c.Execute("DEL", "lfu:k");
        c.Execute("SET", "lfu:k", "v");
        c.Execute("SET", "lfu:cold", "v");
        Assert.That(c.Execute("OBJECT", "FREQ", "lfu:k"), Is.EqualTo(Int(5)), "new keys start at LFU_INIT_VAL");
        for (int i = 0; i < 200; i++) c.SendCommand("GET", "lfu:k");
        c.ReadReplies(200);
        long freq = Integer(c.Execute("OBJECT", "FREQ", "lfu:k"));
        Assert.That(freq, Is.InRange(8, 30));
        Assert.That(c.Execute("OBJECT", "FREQ", "lfu:cold"), Is.EqualTo(Int(5)), "OBJECT itself does not count as an access");
        Assert.That(c.Execute("OBJECT", "IDLETIME", "lfu:k"), Is.EqualTo("-ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.\r\n"));
        // CLIENT NO-TOUCH: reads leave the counter alone.
        c.Execute("CLIENT", "NO-TOUCH", "on");
        for (int i = 0; i < 50; i++) c.Execute("GET", "lfu:cold");
        Assert.That(c.Execute("OBJECT", "FREQ", "lfu:cold"), Is.EqualTo(Int(5)));
    }

    [Test]
    public void AllKeysLfuEvictsRarelyUsedKeysFirst()
    {
        Execute("CONFIG", "SET", "maxmemory-policy", "allkeys-lfu");
        Execute("CONFIG", "SET", "lfu-log-factor", "0");
        var db = Redis.GetDatabase();
        string value = Value(1000);
        for (int i = 0; i < 100; i++) db.StringSet($"freq:{i}", value);
        var reads = new List<Task>();
        for (int round = 0; round < 20; round++)
            for (int i = 0; i < 100; i += 2) reads.Add(db.StringGetAsync($"freq:{i}"));
        Task.WaitAll(reads.ToArray());
        LimitAtUsedPlus(0);
        for (int i = 0; i < 40; i++) db.StringSet($"freq:new:{i}", value);
        int frequentLeft = Enumerable.Range(0, 50).Count(i => db.KeyExists($"freq:{2 * i}"));
        Assert.That(frequentLeft, Is.GreaterThanOrEqualTo(48));
        Assert.That(Info("evicted_keys"), Is.GreaterThanOrEqualTo(30));
        Execute("CONFIG", "SET", "lfu-log-factor", "10");
    }

    [Test]
    public void ObjectIdleTimeFollowsAccessUnderLru()
    {
        Execute("CONFIG", "SET", "maxmemory-policy", "allkeys-lru");
        Execute("SET", "idle:k", "v");
        Thread.Sleep(2100);
        Assert.That(Integer(Execute("OBJECT", "IDLETIME", "idle:k")), Is.GreaterThanOrEqualTo(2));
        Execute("GET", "idle:k");
        Assert.That(Integer(Execute("OBJECT", "IDLETIME", "idle:k")), Is.LessThanOrEqualTo(1));
    }

    [Test]
    public void LazyEvictionFreesBigValuesInTheBackground()
    {
        Execute("CONFIG", "SET", "lazyfree-lazy-eviction", "yes");
        try
        {
            var db = Redis.GetDatabase();
            for (int k = 0; k < 3; k++)
                db.SetAdd($"lazyev:{k}", Enumerable.Range(0, 20_000).Select(i => (RedisValue)$"m{i}").ToArray());
            Execute("CONFIG", "SET", "maxmemory-policy", "allkeys-random");
            long limit = LimitAtUsedPlus(-1024 * 1024);
            // As in Valkey, the evicting command waits for the lazy-free thread only within the
            // eviction time slice (500 us at the default tenacity): on a loaded machine the
            // memory may not be back yet, and the command then gets OOM. Either reply is right;
            // the evictions must have happened in both cases.
            Assert.That(Execute("SET", "lazyev:small", "x"), Is.EqualTo("+OK\r\n").Or.EqualTo(Oom));
            Assert.That(Info("evicted_keys"), Is.GreaterThanOrEqualTo(1));
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (Info("lazyfree_pending_objects") != 0 && DateTime.UtcNow < deadline) Thread.Sleep(10);
            Assert.That(Info("lazyfreed_objects"), Is.GreaterThanOrEqualTo(1), "the evicted set was freed by the lazy-free worker");
            Assert.That(Info("used_memory"), Is.LessThan(limit));
            Assert.That(Execute("SET", "lazyev:small", "x"), Is.EqualTo("+OK\r\n"), "once freed, the memory is available again");
        }
        finally
        {
            Execute("CONFIG", "SET", "lazyfree-lazy-eviction", "no");
        }
    }

    [Test]
    public void ANormalClientOverItsOutputLimitIsDisconnectedWhileOthersKeepWorking()
    {
        Execute("SET", "obuf:big", Value(100_000));
        Assert.That(Execute("CONFIG", "SET", "client-output-buffer-limit", "normal 1mb 0 0"), Is.EqualTo("+OK\r\n"));
        Assert.That(Execute("CONFIG", "GET", "client-output-buffer-limit"), Does.Contain("normal 1048576 0 0"));
        using var reader = Raw();
        Assert.That(reader.Execute("PING"), Is.EqualTo("+PONG\r\n"));
        using var slow = Raw();
        Assert.That(slow.Execute("CLIENT", "SETNAME", "slowpoke"), Is.EqualTo("+OK\r\n"));
        // 200 x 100 KB replies and never a read: far beyond what the socket buffers take.
        for (int i = 0; i < 200; i++) slow.SendCommand("GET", "obuf:big");
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (Info("client_output_buffer_limit_disconnections") == 0 && DateTime.UtcNow < deadline) Thread.Sleep(20);
        Assert.That(Info("client_output_buffer_limit_disconnections"), Is.EqualTo(1));
        Assert.That(reader.Execute("GET", "obuf:big"), Has.Length.GreaterThan(100_000), "other clients are unaffected");
        Assert.That(Execute("CLIENT", "LIST"), Does.Not.Contain("name=slowpoke"), "the slow client is gone");
        // The slow client's connection is closed: reading drains at most what was sent before, then fails.
        Assert.That(() =>
        {
            for (int i = 0; i < 200; i++) slow.ReadReply();
        }, Throws.InstanceOf<Exception>());
    }

    [Test]
    public void TheDefaultNormalLimitNeverDisconnects()
    {
        Execute("SET", "obuf:big2", Value(100_000));
        using var slow = Raw();
        for (int i = 0; i < 100; i++) slow.SendCommand("GET", "obuf:big2");
        Thread.Sleep(300);
        Assert.That(Info("client_output_buffer_limit_disconnections"), Is.EqualTo(0));
        var replies = slow.ReadReplies(100);
        Assert.That(replies.All(r => r.Length > 100_000), Is.True);
    }

    [Test]
    public void ClientEvictionClosesTheBiggestClientsFirst()
    {
        Execute("CONFIG", "SET", "maxmemory-clients", "1mb");
        try
        {
            using var admin = Raw();
            Assert.That(admin.Execute("CLIENT", "NO-EVICT", "on"), Is.EqualTo("+OK\r\n"));
            using var hog = Raw();
            // A half-sent 2 MB bulk string: its query buffer alone passes the limit.
            try
            {
                hog.Send("*2\r\n$4\r\nECHO\r\n$2000000\r\n" + new string('x', 1_500_000));
            }
            catch (SocketException)
            {
                // Evicted while still sending: the server closed it as soon as its buffer passed the limit.
            }
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (Info("evicted_clients") == 0 && DateTime.UtcNow < deadline) Thread.Sleep(20);
            // Connections left over by earlier tests may go too, but the hog is always among the victims.
            Assert.That(Info("evicted_clients"), Is.InRange(1, 3));
            Assert.That(() => hog.ReadReply(), Throws.InstanceOf<Exception>(), "the hog was disconnected");
            Assert.That(admin.Execute("PING"), Is.EqualTo("+PONG\r\n"), "the no-evict client stays");
            Assert.That(Execute("CONFIG", "GET", "maxmemory-clients"), Does.Contain("1048576"));
        }
        finally
        {
            Execute("CONFIG", "SET", "maxmemory-clients", "0");
        }
    }

    [Test]
    public void IdleClientsAreClosedAfterTheTimeoutButSubscribersAreNot()
    {
        Execute("CONFIG", "SET", "timeout", "1");
        try
        {
            using var idle = Raw();
            using var subscriber = Raw();
            Assert.That(idle.Execute("PING"), Is.EqualTo("+PONG\r\n"));
            subscriber.SendCommand("SUBSCRIBE", "timeout:ch");
            Assert.That(subscriber.ReadReply(), Does.StartWith("*3\r\n$9\r\nsubscribe\r\n"));
            Thread.Sleep(2600);
            Assert.That(() => idle.Execute("PING"), Throws.InstanceOf<Exception>(), "the idle client was closed");
            Assert.That(Execute("PUBLISH", "timeout:ch", "hello"), Is.EqualTo(Int(1)), "the subscriber is still there");
            Assert.That(subscriber.ReadReply(), Does.EndWith("$5\r\nhello\r\n"));
        }
        finally
        {
            Execute("CONFIG", "SET", "timeout", "0");
        }
    }

    [Test]
    public void EvictionConfigParametersRoundTrip()
    {
        foreach (var (name, value) in new[]
                 {
                     ("maxmemory-samples", "10"), ("maxmemory-eviction-tenacity", "50"), ("lfu-log-factor", "20"),
                     ("lfu-decay-time", "5"), ("lazyfree-lazy-eviction", "yes"), ("maxmemory-clients", "10%"),
                 })
        {
            string before = Execute("CONFIG", "GET", name);
            Assert.That(Execute("CONFIG", "SET", name, value), Is.EqualTo("+OK\r\n"), name);
            Assert.That(Execute("CONFIG", "GET", name), Is.EqualTo($"*2\r\n{Bulk(name)}{Bulk(value)}"));
            string old = before.Split("\r\n")[4];
            Execute("CONFIG", "SET", name, old);
        }
        Assert.That(Execute("CONFIG", "SET", "maxmemory-samples", "65"), Does.StartWith("-ERR CONFIG SET failed"));
        Assert.That(Execute("CONFIG", "SET", "maxmemory-eviction-tenacity", "101"), Does.StartWith("-ERR CONFIG SET failed"));
        Assert.That(Execute("CONFIG", "SET", "maxmemory-clients", "101%"),
            Is.EqualTo("-ERR CONFIG SET failed (possibly related to argument 'maxmemory-clients') - percentage argument must be less or equal to 100\r\n"));
    }
}
