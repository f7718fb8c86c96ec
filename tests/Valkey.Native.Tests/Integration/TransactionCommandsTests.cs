using System.Diagnostics;
using System.Text;
using NUnit.Framework;
using StackExchange.Redis;
using Valkey.Native.Tests.Infrastructure;
using static Valkey.Native.Tests.Infrastructure.Resp;

namespace Valkey.Native.Tests.Integration;

/// <summary>
/// MULTI, EXEC, DISCARD, WATCH, UNWATCH (Valkey's multi.c): queueing, errors while queueing,
/// WATCH invalidation by writes, expiry, FLUSHDB/FLUSHALL/SWAPDB, blocking commands inside EXEC,
/// clients blocked on keys touched by a transaction, CLIENT LIST / INFO / commandstats, and
/// StackExchange.Redis transactions with conditions. Own server: the tests flush databases and
/// read global counters.
/// </summary>
[TestFixture]
[NonParallelizable]
public class TransactionCommandsTests : OwnServerFixture
{
    protected override string[] ServerArguments => ["--enable-debug-command", "yes"];

    private static string K(string name = "k") => $"tx:{TestContext.CurrentContext.Test.Name}:{name}";

    private const string Ok = "+OK\r\n";
    private const string Queued = "+QUEUED\r\n";
    private const string NullArray2 = "*-1\r\n";
    private const string ExecAbort = "-EXECABORT Transaction discarded because of previous errors.\r\n";
    private const string NotInMulti = "-ERR Command not allowed inside a transaction\r\n";
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(200);

    private static string Arr(params string[] items) => $"*{items.Length}\r\n" + string.Concat(items);

    private string InfoField(string section, string field) =>
        InfoParser.Fields(BulkText(Execute("INFO", section)))[field];

    // ---- queueing and EXEC -----------------------------------------------------------------

    [Test]
    public void ExecRepliesTheRepliesOfTheQueuedCommandsInOrder()
    {
        using var c = Raw();
        c.Execute("DEL", K());
        Assert.That(c.Execute("MULTI"), Is.EqualTo(Ok));
        Assert.That(c.Execute("SET", K(), "v"), Is.EqualTo(Queued));
        Assert.That(c.Execute("INCR", K("n")), Is.EqualTo(Queued));
        Assert.That(c.Execute("GET", K()), Is.EqualTo(Queued));
        Assert.That(c.Execute("PING"), Is.EqualTo(Queued));
        Assert.That(c.Execute("GET", K()), Is.EqualTo(Queued));
        Assert.That(Execute("EXISTS", K()), Is.EqualTo(Int(0)), "nothing runs before EXEC");
        Assert.That(c.Execute("EXEC"), Is.EqualTo(Arr(Ok, Int(1), Bulk("v"), "+PONG\r\n", Bulk("v"))));
        Assert.That(c.Execute("GET", K()), Is.EqualTo(Bulk("v")), "the client is back to normal after EXEC");
    }

    [Test]
    public void EmptyTransactionRepliesAnEmptyArray()
    {
        using var c = Raw();
        c.Execute("MULTI");
        Assert.That(c.Execute("EXEC"), Is.EqualTo("*0\r\n"));
    }

    [Test]
    public void RuntimeErrorsInsideExecDoNotStopTheOtherCommands()
    {
        using var c = Raw();
        c.Execute("DEL", K(), K("b"));
        c.Execute("MULTI");
        c.Execute("SET", K(), "abc");
        c.Execute("INCR", K());
        c.Execute("SET", K("b"), "x");
        c.Execute("LPUSH", K(), "y");
        Assert.That(c.Execute("EXEC"), Is.EqualTo(Arr(Ok, "-ERR value is not an integer or out of range\r\n", Ok,
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n")));
        Assert.That(c.Execute("GET", K("b")), Is.EqualTo(Bulk("x")));
    }

    [Test]
    public void DiscardDropsTheQueueAndLeavesMulti()
    {
        using var c = Raw();
        c.Execute("DEL", K());
        c.Execute("MULTI");
        Assert.That(c.Execute("SET", K(), "v"), Is.EqualTo(Queued));
        Assert.That(c.Execute("DISCARD"), Is.EqualTo(Ok));
        Assert.That(c.Execute("EXISTS", K()), Is.EqualTo(Int(0)));
        Assert.That(c.Execute("EXEC"), Is.EqualTo("-ERR EXEC without MULTI\r\n"));
    }

    [Test]
    public void ExecAndDiscardWithoutMultiAreErrors()
    {
        using var c = Raw();
        Assert.That(c.Execute("EXEC"), Is.EqualTo("-ERR EXEC without MULTI\r\n"));
        Assert.That(c.Execute("DISCARD"), Is.EqualTo("-ERR DISCARD without MULTI\r\n"));
        Assert.That(c.Execute("PING"), Is.EqualTo("+PONG\r\n"));
    }

    [Test]
    public void QueuedArgumentsSurviveTheReuseOfTheQueryBuffer()
    {
        // One write with the whole pipeline: big values span query-buffer growth and reuse.
        using var c = Raw();
        string big = new string('x', 200_000);
        var sb = new StringBuilder();
        var commands = new List<string[]> { new[] { "MULTI" } };
        for (int i = 0; i < 50; i++) commands.Add(["SET", K("k" + i), i % 10 == 0 ? big + i : "v" + i]);
        commands.Add(["EXEC"]);
        foreach (var cmd in commands) c.Send(RawRespClient.EncodeCommand(cmd));
        Assert.That(c.ReadReply(), Is.EqualTo(Ok));
        for (int i = 0; i < 50; i++) Assert.That(c.ReadReply(), Is.EqualTo(Queued));
        Assert.That(c.ReadReply(), Is.EqualTo("*50\r\n" + string.Concat(Enumerable.Repeat(Ok, 50))));
        for (int i = 0; i < 50; i++)
        {
            string expected = i % 10 == 0 ? big + i : "v" + i;
            Assert.That(c.Execute("GET", K("k" + i)), Is.EqualTo(Bulk(expected)), $"key {i}");
        }
    }

    [Test]
    public void SelectInsideTransactionChangesTheDatabaseOfLaterCommands()
    {
        using var c = Raw();
        c.Execute("MULTI");
        c.Execute("SELECT", "3");
        c.Execute("SET", K(), "in3");
        Assert.That(c.Execute("EXEC"), Is.EqualTo(Arr(Ok, Ok)));
        Assert.That(c.Execute("GET", K()), Is.EqualTo(Bulk("in3")), "the connection stays on db 3");
        c.Execute("SELECT", "0");
        Assert.That(c.Execute("EXISTS", K()), Is.EqualTo(Int(0)));
    }

    // ---- errors while queueing -------------------------------------------------------------

    [Test]
    public void UnknownCommandWhileQueueingAbortsTheTransaction()
    {
        using var c = Raw();
        c.Execute("DEL", K("a"), K("b"));
        c.Execute("MULTI");
        c.Execute("SET", K("a"), "1");
        Assert.That(c.Execute("NOSUCHCMD", "x"), Does.StartWith("-ERR unknown command 'NOSUCHCMD'"));
        Assert.That(c.Execute("SET", K("b"), "2"), Is.EqualTo(Queued), "still queueing after the error");
        Assert.That(c.Execute("EXEC"), Is.EqualTo(ExecAbort));
        Assert.That(c.Execute("EXISTS", K("a"), K("b")), Is.EqualTo(Int(0)));
        Assert.That(c.Execute("PING"), Is.EqualTo("+PONG\r\n"), "the MULTI state is cleared");
    }

    [Test]
    public void ArityErrorWhileQueueingAbortsTheTransaction()
    {
        using var c = Raw();
        c.Execute("MULTI");
        Assert.That(c.Execute("SET", K()), Is.EqualTo("-ERR wrong number of arguments for 'set' command\r\n"));
        Assert.That(c.Execute("CONFIG", "NOSUCHSUB"), Does.StartWith("-ERR unknown subcommand 'NOSUCHSUB'"));
        Assert.That(c.Execute("EXEC"), Is.EqualTo(ExecAbort));
    }

    [Test]
    public void NestedMultiAndWatchInsideMultiAreRejectedAndAbort()
    {
        using var c = Raw();
        c.Execute("MULTI");
        Assert.That(c.Execute("MULTI"), Is.EqualTo(NotInMulti));
        Assert.That(c.Execute("EXEC"), Is.EqualTo(ExecAbort));
        c.Execute("MULTI");
        Assert.That(c.Execute("WATCH", K()), Is.EqualTo(NotInMulti));
        Assert.That(c.Execute("EXEC"), Is.EqualTo(ExecAbort));
        c.Execute("MULTI");
        Assert.That(c.Execute("SHUTDOWN"), Is.EqualTo(NotInMulti), "SHUTDOWN is no-multi too");
        Assert.That(c.Execute("EXEC"), Is.EqualTo(ExecAbort));
        Assert.That(c.Execute("PING"), Is.EqualTo("+PONG\r\n"));
    }

    [Test]
    public void RejectedExecAbortsWithItsReason()
    {
        using var c = Raw();
        c.Execute("MULTI");
        c.Execute("SET", K(), "v");
        Assert.That(c.Execute("EXEC", "extra"),
            Is.EqualTo("-EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command\r\n"));
        Assert.That(c.Execute("EXEC"), Is.EqualTo("-ERR EXEC without MULTI\r\n"), "the transaction is gone");
        Assert.That(c.Execute("EXISTS", K()), Is.EqualTo(Int(0)));
    }

    // ---- WATCH -------------------------------------------------------------------------------

    [Test]
    public void ExecFailsWhenAnotherClientModifiesAWatchedKey()
    {
        using var c = Raw();
        using var other = Raw();
        c.Execute("SET", K(), "1");
        Assert.That(c.Execute("WATCH", K("x"), K(), K("y")), Is.EqualTo(Ok));
        other.Execute("SET", K(), "2");
        c.Execute("MULTI");
        Assert.That(c.Execute("SET", K(), "3"), Is.EqualTo(Queued));
        Assert.That(c.Execute("EXEC"), Is.EqualTo(NullArray2));
        Assert.That(c.Execute("GET", K()), Is.EqualTo(Bulk("2")), "the transaction did not run");
    }

    [Test]
    public void ExecFailureIsANullInResp3()
    {
        using var c = Raw();
        c.Execute("HELLO", "3");
        c.Execute("WATCH", K());
        Execute("SET", K(), "x");
        c.Execute("MULTI");
        c.Execute("PING");
        Assert.That(c.Execute("EXEC"), Is.EqualTo("_\r\n"));
    }

    [Test]
    public void ExecSucceedsWhenWatchedKeysAreUntouchedAndUnwatchesAfterwards()
    {
        using var c = Raw();
        c.Execute("SET", K(), "1");
        c.Execute("WATCH", K());
        Execute("GET", K());
        Execute("SET", K("other"), "x");
        c.Execute("MULTI");
        c.Execute("INCR", K());
        Assert.That(c.Execute("EXEC"), Is.EqualTo(Arr(Int(2))), "reads and other keys do not touch");
        Execute("SET", K(), "5");
        c.Execute("MULTI");
        c.Execute("INCR", K());
        Assert.That(c.Execute("EXEC"), Is.EqualTo(Arr(Int(6))), "EXEC unwatched the key");
    }

    [Test]
    public void UnwatchAndDiscardForgetWatchesAndTheDirtyFlag()
    {
        using var c = Raw();
        c.Execute("WATCH", K());
        Execute("SET", K(), "10");
        Assert.That(c.Execute("UNWATCH"), Is.EqualTo(Ok));
        c.Execute("MULTI");
        c.Execute("INCR", K());
        Assert.That(c.Execute("EXEC"), Is.EqualTo(Arr(Int(11))));

        c.Execute("WATCH", K());
        Execute("SET", K(), "10");
        c.Execute("MULTI");
        Assert.That(c.Execute("DISCARD"), Is.EqualTo(Ok));
        c.Execute("MULTI");
        c.Execute("INCR", K());
        Assert.That(c.Execute("EXEC"), Is.EqualTo(Arr(Int(11))), "DISCARD cleared the dirty flag");
    }

    [Test]
    public void WatchRemembersTheDatabaseOfTheKey()
    {
        using var c = Raw();
        c.Execute("SELECT", "5");
        c.Execute("SET", K(), "30");
        c.Execute("WATCH", K());
        c.Execute("SELECT", "1");
        c.Execute("SET", K(), "10");
        c.Execute("SELECT", "5");
        c.Execute("MULTI");
        c.Execute("PING");
        Assert.That(c.Execute("EXEC"), Is.EqualTo(Arr("+PONG\r\n")), "same name in another db is another key");
        c.Execute("SELECT", "0");
    }

    [Test]
    public void ExpireOfAWatchedKeyTouchesIt()
    {
        using var c = Raw();
        c.Execute("SET", K(), "v");
        c.Execute("WATCH", K());
        Execute("EXPIRE", K(), "100");
        c.Execute("MULTI");
        c.Execute("PING");
        Assert.That(c.Execute("EXEC"), Is.EqualTo(NullArray2));
    }

    [Test]
    public void WatchedKeyThatExpiresBeforeExecFailsTheTransaction()
    {
        using var c = Raw();
        c.Execute("DEBUG", "SET-ACTIVE-EXPIRE", "0");
        try
        {
            c.Execute("SET", K(), "v", "PX", "50");
            c.Execute("WATCH", K());
            Thread.Sleep(120);
            c.Execute("MULTI");
            c.Execute("PING");
            Assert.That(c.Execute("EXEC"), Is.EqualTo(NullArray2), "lazily expired (isWatchedKeyExpired)");

            c.Execute("SET", K(), "v", "PX", "50");
            c.Execute("WATCH", K());
            Thread.Sleep(120);
            Assert.That(Execute("EXISTS", K()), Is.EqualTo(Int(0)), "deleted by another client's lookup");
            c.Execute("MULTI");
            c.Execute("PING");
            Assert.That(c.Execute("EXEC"), Is.EqualTo(NullArray2), "the expiry deletion touched it");
        }
        finally
        {
            c.Execute("DEBUG", "SET-ACTIVE-EXPIRE", "1");
        }
    }

    [Test]
    public void WatchingAnAlreadyExpiredKeyDoesNotFailExec()
    {
        using var c = Raw();
        c.Execute("DEBUG", "SET-ACTIVE-EXPIRE", "0");
        try
        {
            c.Execute("SET", K(), "v", "PX", "1");
            Thread.Sleep(10);
            c.Execute("WATCH", K());
            Assert.That(c.Execute("EXISTS", K()), Is.EqualTo(Int(0)), "the lookup deletes the stale key");
            c.Execute("MULTI");
            c.Execute("PING");
            Assert.That(c.Execute("EXEC"), Is.EqualTo(Arr("+PONG\r\n")));
        }
        finally
        {
            c.Execute("DEBUG", "SET-ACTIVE-EXPIRE", "1");
        }
    }

    [Test]
    public void FlushdbFlushallAndSwapdbTouchWatchedKeysThatExist()
    {
        using var c = Raw();
        // FLUSHDB: an existing watched key is touched, a missing one is not.
        c.Execute("SET", K("exists"), "1");
        c.Execute("WATCH", K("exists"));
        Execute("FLUSHDB");
        c.Execute("MULTI");
        c.Execute("PING");
        Assert.That(c.Execute("EXEC"), Is.EqualTo(NullArray2));
        c.Execute("WATCH", K("missing"));
        Execute("FLUSHDB");
        c.Execute("MULTI");
        c.Execute("PING");
        Assert.That(c.Execute("EXEC"), Is.EqualTo(Arr("+PONG\r\n")));

        // FLUSHALL from another database.
        c.Execute("SET", K("exists"), "1");
        c.Execute("WATCH", K("exists"));
        Execute("FLUSHALL");
        c.Execute("MULTI");
        c.Execute("PING");
        Assert.That(c.Execute("EXEC"), Is.EqualTo(NullArray2));

        // SWAPDB: a missing key that the swap brings in is touched too.
        using var db1 = Raw();
        db1.Execute("SELECT", "1");
        db1.Execute("SET", K("incoming"), "30");
        c.Execute("WATCH", K("incoming"));
        Execute("SWAPDB", "0", "1");
        c.Execute("MULTI");
        c.Execute("PING");
        Assert.That(c.Execute("EXEC"), Is.EqualTo(NullArray2));
        Execute("FLUSHALL");
    }

    [Test]
    public void ManyWatchersOfOneKeyAreAllInvalidated()
    {
        var clients = Enumerable.Range(0, 5).Select(_ => Raw()).ToList();
        try
        {
            foreach (var c in clients) c.Execute("WATCH", K("a"), K("b"), K());
            Execute("DEL", K());
            Execute("SET", K(), "x");
            foreach (var c in clients)
            {
                c.Execute("MULTI");
                c.Execute("PING");
                Assert.That(c.Execute("EXEC"), Is.EqualTo(NullArray2));
            }
        }
        finally
        {
            foreach (var c in clients) c.Dispose();
        }
    }

    [Test]
    public void WatchRacesBetweenClientsLetExactlyOneIncrementWin()
    {
        Execute("SET", K(), "0");
        using var a = Raw();
        using var b = Raw();
        a.Execute("WATCH", K());
        b.Execute("WATCH", K());
        a.Execute("MULTI");
        b.Execute("MULTI");
        a.Execute("INCR", K());
        b.Execute("INCR", K());
        Assert.That(a.Execute("EXEC"), Is.EqualTo(Arr(Int(1))), "first EXEC wins");
        Assert.That(b.Execute("EXEC"), Is.EqualTo(NullArray2), "the first EXEC's INCR touched b's watch");
        Assert.That(Execute("GET", K()), Is.EqualTo(Bulk("1")));
    }

    // ---- RESET / close ---------------------------------------------------------------------

    [Test]
    public void ResetLeavesMultiAndForgetsWatches()
    {
        using var c = Raw();
        c.Execute("WATCH", K());
        c.Execute("MULTI");
        c.Execute("SET", K(), "v");
        Assert.That(c.Execute("RESET"), Is.EqualTo("+RESET\r\n"));
        Assert.That(c.Execute("EXEC"), Is.EqualTo("-ERR EXEC without MULTI\r\n"));
        Assert.That(c.Execute("EXISTS", K()), Is.EqualTo(Int(0)));
        WaitForInfo("clients", "watching_clients", "0");
    }

    /// <summary>Waits (closes are processed asynchronously) until an INFO field has a value.</summary>
    private void WaitForInfo(string section, string field, string value)
    {
        var sw = Stopwatch.StartNew();
        while (InfoField(section, field) != value && sw.Elapsed < TimeSpan.FromSeconds(5)) Thread.Sleep(10);
        Assert.That(InfoField(section, field), Is.EqualTo(value), field);
    }

    [Test]
    public void InfoCountsWatchingClientsAndWatchedKeys()
    {
        WaitForInfo("clients", "watching_clients", "0");
        using var a = Raw();
        using var b = Raw();
        a.Execute("WATCH", K("1"), K("2"));
        a.Execute("WATCH", K("1"));
        b.Execute("WATCH", K("2"), K("3"));
        Assert.That(InfoField("clients", "watching_clients"), Is.EqualTo("2"));
        Assert.That(InfoField("clients", "total_watched_keys"), Is.EqualTo("3"));
        a.Execute("UNWATCH");
        Assert.That(InfoField("clients", "watching_clients"), Is.EqualTo("1"));
        Assert.That(InfoField("clients", "total_watched_keys"), Is.EqualTo("2"));
        b.Dispose();
        WaitForInfo("clients", "watching_clients", "0");
        Assert.That(InfoField("clients", "total_watched_keys"), Is.EqualTo("0"));
    }

    [Test]
    public void ClientListShowsMultiStateWatchesAndDirtyFlag()
    {
        using var c = Raw();
        c.Execute("CLIENT", "SETNAME", "txlist");
        string Line() => BulkText(Execute("CLIENT", "LIST")).Split('\n').Single(l => l.Contains("name=txlist "));
        Assert.That(Line(), Does.Contain(" flags=N ").And.Contain(" multi=-1 watch=0 ").And.Contain(" multi-mem=0 "));
        c.Execute("WATCH", K("a"), K("b"));
        Assert.That(Line(), Does.Contain(" multi=-1 watch=2 "));
        c.Execute("MULTI");
        c.Execute("SET", K("a"), "value");
        Assert.That(Line(), Does.Contain(" flags=x ").And.Contain(" multi=1 watch=2 "));
        Assert.That(Line(), Does.Match(" multi-mem=[1-9][0-9]* "));
        Execute("SET", K("b"), "touch");
        Assert.That(Line(), Does.Contain(" flags=xd ").And.Contain(" multi=0 watch=0 ").And.Contain(" multi-mem=0 "),
            "a touched watch drops the queue and every watch");
        Assert.That(c.Execute("SET", K("a"), "more"), Is.EqualTo(Queued));
        Assert.That(c.Execute("EXEC"), Is.EqualTo(NullArray2));
        Assert.That(Line(), Does.Contain(" flags=N ").And.Contain(" multi=-1 watch=0 ").And.Contain(" cmd=exec "));
    }

    [Test]
    public void CommandstatsCountQueuedCommandsWhenExecRunsThem()
    {
        using var c = Raw();
        c.Execute("CONFIG", "RESETSTAT");
        c.Execute("MULTI");
        c.Execute("SET", K(), "v");
        c.Execute("AUTH", "nopass");
        Assert.That(c.Execute("EXEC"), Does.StartWith("*2\r\n+OK\r\n-ERR AUTH"));
        c.Execute("SET");
        string stats = BulkText(c.Execute("INFO", "commandstats"));
        Assert.That(stats, Does.Contain("cmdstat_multi:calls=1,"));
        Assert.That(stats, Does.Match(@"cmdstat_exec:calls=1,[^\r]*rejected_calls=0,failed_calls=0"),
            "errors of queued commands are not EXEC's");
        Assert.That(stats, Does.Match(@"cmdstat_set:calls=1,[^\r]*rejected_calls=1,failed_calls=0"));
        Assert.That(stats, Does.Match(@"cmdstat_auth:calls=1,[^\r]*failed_calls=1"));

        c.Execute("CONFIG", "RESETSTAT");
        c.Execute("MULTI");
        c.Execute("SET");
        Assert.That(c.Execute("EXEC"), Is.EqualTo(ExecAbort));
        stats = BulkText(c.Execute("INFO", "commandstats"));
        Assert.That(stats, Does.Match(@"cmdstat_set:calls=0,[^\r]*rejected_calls=1,failed_calls=0"));
        Assert.That(stats, Does.Match(@"cmdstat_exec:calls=1,[^\r]*rejected_calls=0,failed_calls=1"));
        string errors = BulkText(c.Execute("INFO", "errorstats"));
        Assert.That(errors, Does.Contain("errorstat_EXECABORT:count=1"));
    }

    // ---- blocking commands -------------------------------------------------------------------

    [Test]
    public void BlockingCommandsInsideExecReplyAsOnTimeout()
    {
        using var c = Raw();
        c.Execute("MULTI");
        c.Execute("BLPOP", K("l"), "0");
        c.Execute("BRPOP", K("l"), "0");
        c.Execute("BLMOVE", K("l"), K("l2"), "LEFT", "LEFT", "0");
        c.Execute("BRPOPLPUSH", K("l"), K("l2"), "0");
        c.Execute("BZPOPMIN", K("z"), "0");
        c.Execute("BZPOPMAX", K("z"), "0");
        c.Execute("BLMPOP", "0", "1", K("l"), "LEFT");
        c.Execute("BZMPOP", "0", "1", K("z"), "MIN");
        var sw = Stopwatch.StartNew();
        Assert.That(c.Execute("EXEC"), Is.EqualTo("*8\r\n" + string.Concat(Enumerable.Repeat(NullArray2, 2)) + "$-1\r\n$-1\r\n"
            + string.Concat(Enumerable.Repeat(NullArray2, 4))));
        Assert.That(sw.Elapsed, Is.LessThan(TimeSpan.FromSeconds(2)));
        Assert.That(c.Execute("PING"), Is.EqualTo("+PONG\r\n"), "the client is not left blocked");
        c.Execute("RPUSH", K("l"), "a");
        Assert.That(c.Execute("BLPOP", K("l"), "0"), Is.EqualTo(Arr(Bulk(K("l")), Bulk("a"))), "blocking works again after EXEC");
    }

    [Test]
    public void BlockedClientSeesOnlyTheStateAfterExec()
    {
        using var blocked = Raw();
        using var c = Raw();
        blocked.SendCommand("BLPOP", K("l"), "0");
        var sw = Stopwatch.StartNew();
        while (InfoField("clients", "blocked_clients") != "1" && sw.Elapsed < TimeSpan.FromSeconds(5)) Thread.Sleep(5);

        c.Execute("MULTI");
        c.Execute("LPUSH", K("l"), "x");
        c.Execute("DEL", K("l"));
        Assert.That(c.Execute("EXEC"), Is.EqualTo(Arr(Int(1), Int(1))));
        Assert.That(blocked.WaitForData(Quiet), Is.False, "the list was already gone when EXEC ended");

        c.Execute("MULTI");
        c.Execute("LPUSH", K("l"), "y");
        c.Execute("LPUSH", K("l"), "z");
        Assert.That(c.Execute("EXEC"), Is.EqualTo(Arr(Int(1), Int(2))));
        Assert.That(blocked.ReadReply(), Is.EqualTo(Arr(Bulk(K("l")), Bulk("z"))), "served after EXEC, with its final state");
        Assert.That(c.Execute("LRANGE", K("l"), "0", "-1"), Is.EqualTo(Arr(Bulk("y"))));
    }

    // ---- StackExchange.Redis -----------------------------------------------------------------

    [Test]
    public async Task StackExchangeTransactionsWithConditions()
    {
        var db = Redis.GetDatabase();
        string key = K(), other = K("other");
        await db.KeyDeleteAsync([key, other]);

        var tran = db.CreateTransaction();
        tran.AddCondition(Condition.KeyNotExists(key));
        var set = tran.StringSetAsync(key, "1");
        var incr = tran.StringIncrementAsync(other, 5);
        Assert.That(await tran.ExecuteAsync(), Is.True);
        Assert.That(await set, Is.True);
        Assert.That(await incr, Is.EqualTo(5));

        var failing = db.CreateTransaction();
        failing.AddCondition(Condition.KeyNotExists(key));
        _ = failing.StringSetAsync(other, "never");
        Assert.That(await failing.ExecuteAsync(), Is.False, "the condition does not hold");
        Assert.That((string?)await db.StringGetAsync(other), Is.EqualTo("5"));

        var equal = db.CreateTransaction();
        equal.AddCondition(Condition.StringEqual(key, "1"));
        var hset = equal.HashSetAsync(K("h"), "f", "v");
        Assert.That(await equal.ExecuteAsync(), Is.True);
        Assert.That(await hset, Is.True);
    }
}
