using NUnit.Framework;
using StackExchange.Redis;
using Valkey.Native.Tests.Infrastructure;
using static Valkey.Native.Tests.Infrastructure.Resp;

namespace Valkey.Native.Tests.Integration;

/// <summary>
/// UNLINK, FLUSHDB/FLUSHALL ASYNC and lazyfree-lazy-user-del/-flush: expensive values are freed
/// by the background worker (INFO lazyfree_pending_objects / lazyfreed_objects), cheap ones at once,
/// and the server keeps serving correctly while the worker frees.
/// </summary>
public class LazyFreeTests : OwnServerFixture
{
    [SetUp]
    public void ResetState()
    {
        Execute("FLUSHALL", "SYNC");
        Execute("CONFIG", "SET", "lazyfree-lazy-user-del", "no");
        Execute("CONFIG", "SET", "lazyfree-lazy-user-flush", "no");
        Execute("CONFIG", "SET", "lazyfree-lazy-expire", "yes");
        Execute("CONFIG", "SET", "lazyfree-lazy-server-del", "yes");
        WaitForLazyFree();
        Execute("CONFIG", "RESETSTAT");
    }

    private long Info(string field) => InfoParser.Field(Execute("INFO", "memory"), field);

    /// <summary>
    /// used_memory without the client buffers: a connection keeps its grown query buffer until the
    /// cron trims it (as Valkey does), which would hide whether the worker gave the data back.
    /// </summary>
    private long DataMemory()
    {
        string memory = Execute("INFO", "memory");
        return InfoParser.Field(memory, "used_memory") - InfoParser.Field(memory, "mem_clients_normal");
    }

    private void WaitForLazyFree()
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (Info("lazyfree_pending_objects") != 0)
        {
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), "the lazy-free worker never finished");
            Thread.Sleep(10);
        }
    }

    private void FillSet(string key, int members)
    {
        var db = Redis.GetDatabase();
        for (int start = 0; start < members; start += 10_000)
        {
            var batch = Enumerable.Range(start, Math.Min(10_000, members - start)).Select(i => (RedisValue)$"member:{i}").ToArray();
            db.SetAdd(key, batch);
        }
    }

    [Test]
    public void UnlinkOfALargeSetFreesItInTheBackgroundAndReclaimsTheMemory()
    {
        long before = DataMemory();
        FillSet("lazy:set", 200_000);
        long peak = DataMemory();
        Assert.That(peak, Is.GreaterThan(before + 5_000_000));

        Assert.That(Execute("UNLINK", "lazy:set"), Is.EqualTo(Int(1)));
        Assert.That(Execute("EXISTS", "lazy:set"), Is.EqualTo(Int(0)), "the key is gone before the reply");
        WaitForLazyFree();

        Assert.That(Info("lazyfreed_objects"), Is.EqualTo(1));
        Assert.That(DataMemory(), Is.LessThan(before + 100_000));
    }

    [Test]
    public void UnlinkOfASmallValueFreesItAtOnce()
    {
        Execute("RPUSH", "lazy:small", "a", "b", "c");
        Execute("SET", "lazy:string", "value");
        Assert.That(Execute("UNLINK", "lazy:small", "lazy:string", "lazy:missing"), Is.EqualTo(Int(2)));
        Assert.That(Info("lazyfreed_objects"), Is.EqualTo(0));
        Assert.That(Info("lazyfree_pending_objects"), Is.EqualTo(0));
    }

    [Test]
    public void DelIsSynchronousUnlessLazyfreeLazyUserDelIsSet()
    {
        FillSet("lazy:del1", 1_000);
        Assert.That(Execute("DEL", "lazy:del1"), Is.EqualTo(Int(1)));
        Assert.That(Info("lazyfreed_objects"), Is.EqualTo(0));

        Execute("CONFIG", "SET", "lazyfree-lazy-user-del", "yes");
        FillSet("lazy:del2", 1_000);
        Assert.That(Execute("DEL", "lazy:del2"), Is.EqualTo(Int(1)));
        WaitForLazyFree();
        Assert.That(Info("lazyfreed_objects"), Is.EqualTo(1));
    }

    [TestCase("FLUSHDB", "ASYNC")]
    [TestCase("FLUSHALL", "ASYNC")]
    public void FlushAsyncEmptiesAtOnceAndFreesInTheBackground(string command, string mode)
    {
        long before = DataMemory();
        var db = Redis.GetDatabase();
        var batch = db.CreateBatch();
        var tasks = Enumerable.Range(0, 5_000).Select(i => batch.StringSetAsync($"lazy:k{i}", "v")).ToList();
        batch.Execute();
        Task.WaitAll(tasks.ToArray());
        FillSet("lazy:flushset", 100_000);

        Assert.That(Execute(command, mode), Is.EqualTo("+OK\r\n"));
        Assert.That(Execute("DBSIZE"), Is.EqualTo(Int(0)));
        WaitForLazyFree();

        Assert.That(Info("lazyfreed_objects"), Is.EqualTo(5_001), "a flushed database counts its keys");
        Assert.That(DataMemory(), Is.LessThan(before + 100_000));
    }

    [Test]
    public void LazyfreeLazyUserFlushMakesAPlainFlushAsynchronousAndSyncOverridesIt()
    {
        Execute("CONFIG", "SET", "lazyfree-lazy-user-flush", "yes");
        Execute("SET", "lazy:a", "1");
        Execute("FLUSHALL");
        WaitForLazyFree();
        Assert.That(Info("lazyfreed_objects"), Is.EqualTo(1));

        Execute("SET", "lazy:b", "1");
        Execute("FLUSHALL", "SYNC");
        Assert.That(Info("lazyfreed_objects"), Is.EqualTo(1));
        Assert.That(Execute("FLUSHALL", "LAZY"), Is.EqualTo(Err("ERR syntax error")));
    }

    [Test]
    public void WritesWhileTheWorkerFreesKeepEveryValueIntact()
    {
        var db = Redis.GetDatabase();
        for (int round = 0; round < 3; round++)
        {
            FillSet($"lazy:big{round}", 150_000);
            Assert.That(Execute("UNLINK", $"lazy:big{round}"), Is.EqualTo(Int(1)));
            // These allocate and free in the arena while the worker is freeing the set.
            for (int i = 0; i < 2_000; i++) db.StringSet($"lazy:w{round}:{i}", $"value-{round}-{i}-{new string('x', i % 200)}");
            for (int i = 0; i < 2_000; i += 97)
                Assert.That((string?)db.StringGet($"lazy:w{round}:{i}"), Is.EqualTo($"value-{round}-{i}-{new string('x', i % 200)}"));
        }
        WaitForLazyFree();
        Assert.That(Info("lazyfreed_objects"), Is.EqualTo(3));
        Execute("FLUSHALL", "SYNC");
        Assert.That(DataMemory(), Is.LessThan(200_000), "accounting stays exact across both threads");
    }

    // deleteExpiredKeyAndPropagate frees through the lazy path when lazyfree-lazy-expire is on.
    [TestCase("yes", 1)]
    [TestCase("no", 0)]
    public void AnExpiredLargeSetIsFreedByTheWorkerOnlyWithLazyfreeLazyExpire(string lazyExpire, long lazyFreed)
    {
        Execute("CONFIG", "SET", "lazyfree-lazy-expire", lazyExpire);
        FillSet("lazyexp:set", 2_000);
        Assert.That(Execute("PEXPIRE", "lazyexp:set", "1"), Is.EqualTo(":1\r\n"));
        Thread.Sleep(20);
        Assert.That(Execute("EXISTS", "lazyexp:set"), Is.EqualTo(":0\r\n"));
        WaitForLazyFree();
        Assert.That(Info("lazyfreed_objects"), Is.EqualTo(lazyFreed));
        Assert.That(Execute("DBSIZE"), Is.EqualTo(":0\r\n"));
    }

    // dbSetValue / dbDelete: overwriting or implicitly deleting a large value frees it lazily with lazyfree-lazy-server-del.
    [TestCase("yes", 2)]
    [TestCase("no", 0)]
    public void OverwrittenAndRenameTargetValuesAreFreedLazilyOnlyWithLazyfreeLazyServerDel(string serverDel, long lazyFreed)
    {
        Execute("CONFIG", "SET", "lazyfree-lazy-server-del", serverDel);
        FillSet("serverdel:a", 2_000);
        Assert.That(Execute("SET", "serverdel:a", "plain"), Is.EqualTo("+OK\r\n"));
        FillSet("serverdel:b", 2_000);
        Assert.That(Execute("RENAME", "serverdel:a", "serverdel:b"), Is.EqualTo("+OK\r\n"));
        WaitForLazyFree();
        Assert.That(Info("lazyfreed_objects"), Is.EqualTo(lazyFreed));
        Assert.That(Execute("GET", "serverdel:b"), Is.EqualTo(Bulk("plain")));
    }
}
