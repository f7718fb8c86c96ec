using System.Diagnostics;
using NUnit.Framework;
using Valkey.Native.Tests.Infrastructure;
using static Valkey.Native.Tests.Infrastructure.Resp;

namespace Valkey.Native.Tests.Integration;

/// <summary>
/// BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP and the blocked-client machinery behind them
/// (first-blocked-first-served, timeouts, CLIENT UNBLOCK, disconnects, pipelines held behind a
/// blocked command, INFO / CLIENT LIST / commandstats). Blocking commands go through raw
/// connections only. The fixture has its own server because the tests read global counters
/// (blocked_clients, commandstats); every test waits until no client is blocked at its end.
/// </summary>
[TestFixture]
[NonParallelizable]
public class BlockingListCommandsTests : BlockedClientsFixture
{
    private static string K(string name = "k") => $"{{bl}}:{TestContext.CurrentContext.Test.Name}:{name}";

    private const string NullArray2 = "*-1\r\n";
    private const string Null3 = "_\r\n";

    // ---- served at once ------------------------------------------------------------------------

    [Test]
    public void PopsAtOnceWhenAListHasElements()
    {
        using var c = Raw();
        c.Execute("RPUSH", K("b"), "a", "b", "c", "d");
        Assert.That(c.Execute("BLPOP", K("a"), K("b"), "1"), Is.EqualTo(Arr(K("b"), "a")), "the first non-empty key in argument order");
        Assert.That(c.Execute("BRPOP", K("a"), K("b"), "0"), Is.EqualTo(Arr(K("b"), "d")));
        Assert.That(c.Execute("BLMPOP", "0", "2", K("a"), K("b"), "LEFT", "COUNT", "5"), Is.EqualTo($"*2\r\n{Bulk(K("b"))}{Arr("b", "c")}"));
        Assert.That(c.Execute("EXISTS", K("b")), Is.EqualTo(Int(0)), "an emptied list is deleted");
        c.Execute("RPUSH", K("src"), "x", "y");
        Assert.That(c.Execute("BLMOVE", K("src"), K("dst"), "LEFT", "RIGHT", "0"), Is.EqualTo(Bulk("x")));
        Assert.That(c.Execute("BRPOPLPUSH", K("src"), K("dst"), "0"), Is.EqualTo(Bulk("y")));
        Assert.That(c.Execute("LRANGE", K("dst"), "0", "-1"), Is.EqualTo(Arr("y", "x")));
        Assert.That(c.Execute("EXISTS", K("src")), Is.EqualTo(Int(0)));
        Assert.That(Info("blocked_clients"), Is.EqualTo(0));
    }

    // ---- blocking and waking ---------------------------------------------------------------------

    [Test]
    public void BlockedClientIsServedByAPushToAnyOfItsKeys()
    {
        using var blocked = Raw();
        using var pusher = Raw();
        Block(blocked, "BLPOP", K("a"), K("b"), K("b"), "0");
        Assert.That(Info("total_blocking_keys"), Is.EqualTo(2), "a repeated key counts once");
        Assert.That(blocked.WaitForData(Quiet), Is.False);
        Assert.That(pusher.Execute("RPUSH", K("b"), "x", "y"), Is.EqualTo(Int(2)), "the push replies before the waiter takes its element");
        Assert.That(blocked.ReadReply(), Is.EqualTo(Arr(K("b"), "x")));
        Assert.That(pusher.Execute("LRANGE", K("b"), "0", "-1"), Is.EqualTo(Arr("y")));
        Assert.That(Info("total_blocking_keys"), Is.EqualTo(0));
        pusher.Execute("RPUSH", K("a"), "z");
        Assert.That(pusher.Execute("LLEN", K("a")), Is.EqualTo(Int(1)), "served once: no longer waiting on the other key");
    }

    [Test]
    public void ClientsAreServedInTheOrderTheyBlocked()
    {
        using var first = Raw();
        using var second = Raw();
        using var third = Raw();
        using var pusher = Raw();
        Block(first, "BRPOP", K(), "0");
        Block(second, "BLPOP", K(), "0");
        Block(third, "BLMPOP", "0", "1", K(), "LEFT", "COUNT", "2");
        pusher.Execute("RPUSH", K(), "1");
        Assert.That(first.ReadReply(), Is.EqualTo(Arr(K(), "1")));
        Assert.That(second.WaitForData(Quiet), Is.False, "one element serves one client");
        WaitForBlocked(2);
        pusher.Execute("RPUSH", K(), "2", "3", "4", "5");
        Assert.That(second.ReadReply(), Is.EqualTo(Arr(K(), "2")));
        Assert.That(third.ReadReply(), Is.EqualTo($"*2\r\n{Bulk(K())}{Arr("3", "4")}"));
        Assert.That(pusher.Execute("LRANGE", K(), "0", "-1"), Is.EqualTo(Arr("5")));
    }

    [Test]
    public void PushAndBlockPipelinedByOneClientKeepFairness()
    {
        // Valkey's "Unblock fairness is kept while pipelining": the waiter is served right
        // after the push, before the pipelined BLPOP of the pushing client runs.
        using var waiter = Raw();
        using var other = Raw();
        Block(waiter, "BLPOP", K(), "0");
        other.Send(RawRespClient.EncodeCommand("LPUSH", K(), "1").Concat(RawRespClient.EncodeCommand("BLPOP", K(), "0")).ToArray());
        Assert.That(waiter.ReadReply(), Is.EqualTo(Arr(K(), "1")));
        Assert.That(other.ReadReply(), Is.EqualTo(Int(1)));
        WaitForBlocked(1);
        Execute("LPUSH", K(), "2");
        Assert.That(other.ReadReply(), Is.EqualTo(Arr(K(), "2")));
    }

    [Test]
    public void PipelinedCommandsWaitBehindABlockedCommand()
    {
        using var c = Raw();
        var pipeline = RawRespClient.EncodeCommand("BLPOP", K(), "0")
            .Concat(RawRespClient.EncodeCommand("PING"))
            .Concat(RawRespClient.EncodeCommand("RPUSH", K("after"), "1"))
            .ToArray();
        c.Send(pipeline);
        WaitForBlocked(1);
        Assert.That(c.WaitForData(Quiet), Is.False);
        Assert.That(Execute("EXISTS", K("after")), Is.EqualTo(Int(0)), "nothing behind the blocked command ran");
        c.Send(RawRespClient.EncodeCommand("RPUSH", K("late"), "1"));
        Assert.That(c.WaitForData(Quiet), Is.False, "input arriving while blocked waits too");
        Execute("RPUSH", K(), "v");
        Assert.That(c.ReadReplies(4), Is.EqualTo(new[] { Arr(K(), "v"), "+PONG\r\n", Int(1), Int(1) }));
    }

    [Test]
    public void BlmoveIntoAListAnotherClientWaitsOnWakesBoth()
    {
        using var popper = Raw();
        using var mover = Raw();
        Block(popper, "BLPOP", K("target"), "0");
        Block(mover, "BLMOVE", K("src"), K("target"), "RIGHT", "LEFT", "0");
        Execute("RPUSH", K("src"), "foo");
        Assert.That(mover.ReadReply(), Is.EqualTo(Bulk("foo")));
        Assert.That(popper.ReadReply(), Is.EqualTo(Arr(K("target"), "foo")));
        Assert.That(Execute("EXISTS", K("src"), K("target")), Is.EqualTo(Int(0)));
    }

    [Test]
    public void LinkedAndCircularMovesSettleInOneStep()
    {
        using var one = Raw();
        using var two = Raw();
        Block(one, "BLMOVE", K("l1"), K("l2"), "RIGHT", "LEFT", "0");
        Block(two, "BLMOVE", K("l2"), K("l3"), "LEFT", "RIGHT", "0");
        Execute("RPUSH", K("l1"), "foo");
        Assert.That(one.ReadReply(), Is.EqualTo(Bulk("foo")));
        Assert.That(two.ReadReply(), Is.EqualTo(Bulk("foo")));
        Assert.That(Execute("LRANGE", K("l3"), "0", "-1"), Is.EqualTo(Arr("foo")));

        Block(one, "BRPOPLPUSH", K("c1"), K("c2"), "0");
        Block(two, "BRPOPLPUSH", K("c2"), K("c1"), "0");
        Execute("RPUSH", K("c1"), "bar");
        Assert.That(one.ReadReply(), Is.EqualTo(Bulk("bar")));
        Assert.That(two.ReadReply(), Is.EqualTo(Bulk("bar")));
        Assert.That(Execute("LRANGE", K("c1"), "0", "-1"), Is.EqualTo(Arr("bar")), "the element went round once");
        Assert.That(Execute("EXISTS", K("c2")), Is.EqualTo(Int(0)));

        Block(one, "BRPOPLPUSH", K("self"), K("self"), "0");
        Execute("RPUSH", K("self"), "x");
        Assert.That(one.ReadReply(), Is.EqualTo(Bulk("x")));
        Assert.That(Execute("LRANGE", K("self"), "0", "-1"), Is.EqualTo(Arr("x")));
    }

    [Test]
    public void KeysMovedIntoPlaceOrSwappedInWakeWaiters()
    {
        using var c = Raw();
        Block(c, "BLPOP", K(), "0");
        Execute("RPUSH", K("other"), "a", "b");
        Execute("RENAME", K("other"), K());
        Assert.That(c.ReadReply(), Is.EqualTo(Arr(K(), "a")));

        using var db9 = Raw();
        Assert.That(db9.Execute("SELECT", "9"), Is.EqualTo(Ok));
        using var db1 = Raw();
        Assert.That(db1.Execute("SELECT", "1"), Is.EqualTo(Ok));
        db1.Execute("RPUSH", K("swapped"), "hello");
        Block(db9, "BRPOP", K("swapped"), "5");
        Assert.That(Execute("SWAPDB", "1", "9"), Is.EqualTo(Ok));
        Assert.That(db9.ReadReply(), Is.EqualTo(Arr(K("swapped"), "hello")));
        Assert.That(Execute("SWAPDB", "1", "9"), Is.EqualTo(Ok));
    }

    [Test]
    public void SwappedInKeyThatAlreadyExpiredDoesNotWake()
    {
        using var admin = Raw();
        Assert.That(admin.Execute("DEBUG", "SET-ACTIVE-EXPIRE", "0"), Is.EqualTo(Ok));
        try
        {
            admin.Execute("SELECT", "1");
            admin.Execute("RPUSH", K(), "hello");
            admin.Execute("PEXPIRE", K(), "50");
            using var waiter = Raw();
            waiter.Execute("SELECT", "9");
            long id = Integer(waiter.Execute("CLIENT", "ID"));
            Block(waiter, "BRPOP", K(), "0");
            Thread.Sleep(80);
            Assert.That(admin.Execute("SWAPDB", "1", "9"), Is.EqualTo(Ok));
            Assert.That(waiter.WaitForData(Quiet), Is.False);
            Assert.That(BulkText(admin.Execute("CLIENT", "LIST", "ID", id.ToString())), Does.Contain(" flags=b "));
            Assert.That(admin.Execute("CLIENT", "UNBLOCK", id.ToString()), Is.EqualTo(Int(1)));
            Assert.That(waiter.ReadReply(), Is.EqualTo(NullArray2));
            admin.Execute("SWAPDB", "1", "9");
        }
        finally
        {
            admin.Execute("DEBUG", "SET-ACTIVE-EXPIRE", "1");
        }
    }

    [Test]
    public void ANonListValueUnderTheKeyDoesNotWakeAndAWrongDestinationFailsOnWake()
    {
        using var c = Raw();
        Block(c, "BLPOP", K(), "0");
        Execute("SET", K(), "string");
        Execute("SADD", K("set"), "m");
        Execute("RENAME", K("set"), K("other"));
        Assert.That(c.WaitForData(Quiet), Is.False, "a string or set appearing is not a list");
        Execute("DEL", K());
        Execute("LPUSH", K(), "ok");
        Assert.That(c.ReadReply(), Is.EqualTo(Arr(K(), "ok")));

        Execute("SET", K("dst"), "nolist");
        Block(c, "BRPOPLPUSH", K("src"), K("dst"), "0");
        Execute("RPUSH", K("src"), "a", "b", "c");
        Assert.That(c.ReadReply(), Is.EqualTo(WrongType), "woken, the move meets the wrong destination type");
        Assert.That(Execute("LRANGE", K("src"), "0", "-1"), Is.EqualTo(Arr("a", "b", "c")), "nothing was popped");
    }

    // ---- type and argument errors -----------------------------------------------------------------

    [Test]
    public void WrongTypeKeysFailAtOnce()
    {
        using var c = Raw();
        c.Execute("SET", K("str"), "x");
        Assert.That(c.Execute("BLPOP", K("missing"), K("str"), "1"), Is.EqualTo(WrongType), "missing keys are skipped, the wrong type is not");
        Assert.That(c.Execute("BRPOP", K("str"), "0"), Is.EqualTo(WrongType));
        Assert.That(c.Execute("BLMPOP", "0", "2", K("missing"), K("str"), "RIGHT"), Is.EqualTo(WrongType));
        Assert.That(c.Execute("BLMOVE", K("str"), K("dst"), "LEFT", "LEFT", "0"), Is.EqualTo(WrongType));
        c.Execute("RPUSH", K("src"), "a");
        Assert.That(c.Execute("BRPOPLPUSH", K("src"), K("str"), "0"), Is.EqualTo(WrongType));
        Assert.That(c.Execute("LRANGE", K("src"), "0", "-1"), Is.EqualTo(Arr("a")));
    }

    [TestCase("-1", "ERR timeout is negative")]
    [TestCase("-inf", "ERR timeout is negative")]
    [TestCase("abc", "ERR timeout is not a float or out of range")]
    [TestCase("nan", "ERR timeout is not a float or out of range")]
    [TestCase("1 ", "ERR timeout is not a float or out of range")]
    [TestCase("inf", "ERR timeout is out of range")]
    [TestCase("0x7FFFFFFFFFFFFF", "ERR timeout is out of range")]
    [TestCase("9223372036854776", "ERR timeout is out of range")]
    [TestCase("9223372036854775", "ERR timeout is out of range")]
    public void BadTimeoutsAreRejected(string timeout, string error)
    {
        using var c = Raw();
        Assert.That(c.Execute("BLPOP", K(), timeout), Is.EqualTo(Err(error)));
        Assert.That(c.Execute("BRPOP", K(), timeout), Is.EqualTo(Err(error)));
        Assert.That(c.Execute("BLMPOP", timeout, "1", K(), "LEFT"), Is.EqualTo(Err(error)));
        Assert.That(c.Execute("BLMOVE", K(), K("d"), "LEFT", "LEFT", timeout), Is.EqualTo(Err(error)));
        Assert.That(c.Execute("BRPOPLPUSH", K(), K("d"), timeout), Is.EqualTo(Err(error)));
    }

    [Test]
    public void ArgumentErrorsComeBeforeTheTimeout()
    {
        using var c = Raw();
        Assert.That(c.Execute("BLMOVE", K(), K("d"), "UP", "LEFT", "-1"), Is.EqualTo(Err("ERR syntax error")));
        Assert.That(c.Execute("BLMOVE", K(), K("d"), "LEFT", "DOWN", "-1"), Is.EqualTo(Err("ERR syntax error")));
        Assert.That(c.Execute("BLMPOP", "-1", "0", K(), "LEFT"), Is.EqualTo(Err("ERR numkeys should be greater than 0")));
        Assert.That(c.Execute("BLMPOP", "-1", "x", K(), "LEFT"), Is.EqualTo(Err("ERR numkeys should be greater than 0")));
        Assert.That(c.Execute("BLMPOP", "-1", "2", K(), "LEFT"), Is.EqualTo(Err("ERR syntax error")), "numkeys swallows the side");
        Assert.That(c.Execute("BLMPOP", "-1", "1", K(), "MIDDLE"), Is.EqualTo(Err("ERR syntax error")));
        Assert.That(c.Execute("BLMPOP", "-1", "1", K(), "LEFT", "COUNT", "0"), Is.EqualTo(Err("ERR count should be greater than 0")));
        Assert.That(c.Execute("BLMPOP", "-1", "1", K(), "LEFT", "COUNT", "1", "COUNT", "2"), Is.EqualTo(Err("ERR syntax error")));
        Assert.That(c.Execute("BLMPOP", "-1", "1", K(), "LEFT"), Is.EqualTo(Err("ERR timeout is negative")));
        Assert.That(c.Execute("BLPOP", K()), Is.EqualTo(Err("ERR wrong number of arguments for 'blpop' command")));
        Assert.That(c.Execute("BLMPOP", "0", "1", K()), Is.EqualTo(Err("ERR wrong number of arguments for 'blmpop' command")));
        Assert.That(c.Execute("BRPOPLPUSH", K(), K("d")), Is.EqualTo(Err("ERR wrong number of arguments for 'brpoplpush' command")));
        Assert.That(c.Execute("BLMOVE", K(), K("d"), "LEFT", "LEFT"), Is.EqualTo(Err("ERR wrong number of arguments for 'blmove' command")));
    }

    // ---- timeouts ----------------------------------------------------------------------------------

    [Test]
    public void FractionalTimeoutsExpireOnTime()
    {
        using var c = Raw();
        var sw = Stopwatch.StartNew();
        Assert.That(c.Execute("BLPOP", K(), "0.2"), Is.EqualTo(NullArray2));
        Assert.That(sw.ElapsedMilliseconds, Is.InRange(190, 600));
        sw.Restart();
        Assert.That(c.Execute("BLMPOP", "0.01", "1", K(), "LEFT", "COUNT", "10"), Is.EqualTo(NullArray2));
        Assert.That(sw.ElapsedMilliseconds, Is.InRange(8, 300), "ms precision, not the cron period");
        Assert.That(c.Execute("BRPOP", K(), "0.001"), Is.EqualTo(NullArray2));
        Assert.That(c.Execute("BLMOVE", K(), K("d"), "LEFT", "LEFT", "0.01"), Is.EqualTo(NullArray2), "Valkey times every list wait out with a null array");
        Assert.That(c.Execute("BRPOPLPUSH", K(), K("d"), "0.01"), Is.EqualTo(NullArray2));
        Assert.That(c.Execute("PING"), Is.EqualTo("+PONG\r\n"));
        Assert.That(Info("clients_in_timeout_table"), Is.EqualTo(0));
    }

    [Test]
    public void TimeoutRepliesAreRespNullInResp3()
    {
        using var c = Raw();
        Assert.That(c.Execute("HELLO", "3"), Does.StartWith("%"));
        Assert.That(c.Execute("BLPOP", K(), "0.01"), Is.EqualTo(Null3));
        Assert.That(c.Execute("BLMPOP", "0.01", "1", K(), "LEFT"), Is.EqualTo(Null3));
        Assert.That(c.Execute("BLMOVE", K(), K("d"), "LEFT", "LEFT", "0.01"), Is.EqualTo(Null3));
        c.Execute("RPUSH", K(), "v");
        Assert.That(c.Execute("BLPOP", K(), "0"), Is.EqualTo(Arr(K(), "v")), "a served pop is a plain array");
    }

    [Test]
    public void ZeroAndTinyNegativeTimeoutsBlockForever()
    {
        using var c = Raw();
        using var admin = Raw();
        long id = Integer(c.Execute("CLIENT", "ID"));
        Block(c, "BLPOP", K(), "0");
        Assert.That(Info("clients_in_timeout_table"), Is.EqualTo(0), "no deadline");
        Assert.That(c.WaitForData(TimeSpan.FromMilliseconds(300)), Is.False);
        admin.Execute("RPUSH", K(), "x");
        Assert.That(c.ReadReply(), Is.EqualTo(Arr(K(), "x")));
        // -0.0001 s rounds up to 0 ms, which Valkey takes as "forever".
        Block(c, "BRPOP", K(), "-0.0001");
        Assert.That(c.WaitForData(Quiet), Is.False);
        Assert.That(admin.Execute("CLIENT", "UNBLOCK", id.ToString()), Is.EqualTo(Int(1)));
        Assert.That(c.ReadReply(), Is.EqualTo(NullArray2));
    }

    // ---- CLIENT UNBLOCK, disconnects ----------------------------------------------------------

    [Test]
    public void ClientUnblockTimeoutAndError()
    {
        using var c = Raw();
        using var admin = Raw();
        string id = Integer(c.Execute("CLIENT", "ID")).ToString();
        Block(c, "BLPOP", K(), "0");
        Assert.That(admin.Execute("CLIENT", "UNBLOCK", id), Is.EqualTo(Int(1)));
        Assert.That(c.ReadReply(), Is.EqualTo(NullArray2));
        Block(c, "BLMPOP", "10", "1", K(), "RIGHT");
        Assert.That(Info("clients_in_timeout_table"), Is.EqualTo(1));
        Assert.That(admin.Execute("CLIENT", "UNBLOCK", id, "timeout"), Is.EqualTo(Int(1)));
        Assert.That(c.ReadReply(), Is.EqualTo(NullArray2));
        Assert.That(Info("clients_in_timeout_table"), Is.EqualTo(0));
        Block(c, "BLMOVE", K(), K("d"), "LEFT", "LEFT", "0");
        Assert.That(admin.Execute("CLIENT", "UNBLOCK", id, "ERROR"), Is.EqualTo(Int(1)));
        Assert.That(c.ReadReply(), Is.EqualTo("-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n"));

        Assert.That(admin.Execute("CLIENT", "UNBLOCK", id), Is.EqualTo(Int(0)), "not blocked");
        Assert.That(admin.Execute("CLIENT", "UNBLOCK", "999999"), Is.EqualTo(Int(0)), "no such client");
        Assert.That(admin.Execute("CLIENT", "UNBLOCK", "asd"), Is.EqualTo(Err("ERR value is not an integer or out of range")));
        Assert.That(admin.Execute("CLIENT", "UNBLOCK", id, "later"), Is.EqualTo(Err("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR")));
        Assert.That(admin.Execute("CLIENT", "UNBLOCK", "asd", "later"), Is.EqualTo(Err("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR")), "the reason is checked first");
        Assert.That(admin.Execute("CLIENT", "UNBLOCK", id, "timeout", "x"), Is.EqualTo(Err("ERR unknown subcommand or wrong number of arguments for 'UNBLOCK'. Try CLIENT HELP.")));

        Block(c, "BLPOP", K(), "0");
        admin.Execute("LPUSH", K(), "foo");
        Assert.That(c.ReadReply(), Is.EqualTo(Arr(K(), "foo")), "still usable after being unblocked");
    }

    [Test]
    public void AClientThatDisconnectsWhileBlockedLeavesNoTrace()
    {
        var c = Raw();
        c.SendCommand("BLPOP", K(), K("b"), "30");
        WaitForBlocked(1);
        Assert.That(Info("total_blocking_keys"), Is.EqualTo(2));
        Assert.That(Info("clients_in_timeout_table"), Is.EqualTo(1));
        c.Dispose();
        WaitForBlocked(0);
        Assert.That(Info("total_blocking_keys"), Is.EqualTo(0));
        Assert.That(Info("clients_in_timeout_table"), Is.EqualTo(0));
        Assert.That(Execute("RPUSH", K(), "x"), Is.EqualTo(Int(1)));
        Assert.That(Execute("LLEN", K()), Is.EqualTo(Int(1)), "nobody took the element");

        // A client killed while blocked goes the same way, and others keep their turn.
        using var victim = Raw();
        using var next = Raw();
        string id = Integer(victim.Execute("CLIENT", "ID")).ToString();
        Block(victim, "BLPOP", K("k2"), "0");
        Block(next, "BLPOP", K("k2"), "0");
        Assert.That(Execute("CLIENT", "KILL", "ID", id), Is.EqualTo(Int(1)));
        WaitForBlocked(1);
        Execute("RPUSH", K("k2"), "y");
        Assert.That(next.ReadReply(), Is.EqualTo(Arr(K("k2"), "y")));
    }

    [Test]
    public void IdleTimeoutSparesBlockedClients()
    {
        Assert.That(Execute("CONFIG", "SET", "timeout", "1"), Is.EqualTo(Ok));
        try
        {
            using var c = Raw();
            Block(c, "BLPOP", K(), "3");
            Thread.Sleep(2200);
            Assert.That(Info("blocked_clients"), Is.EqualTo(1), "a blocked client is not idle");
            Execute("RPUSH", K(), "v");
            Assert.That(c.ReadReply(), Is.EqualTo(Arr(K(), "v")));
        }
        finally
        {
            Execute("CONFIG", "SET", "timeout", "0");
        }
    }

    // ---- introspection -------------------------------------------------------------------------

    [Test]
    public void ClientListAndInfoShowTheBlockedClient()
    {
        using var c = Raw();
        c.Execute("CLIENT", "SETNAME", "waiter");
        Block(c, "BRPOPLPUSH", K("src"), K("dst"), "100");
        string list = BulkText(Execute("CLIENT", "LIST"));
        string line = list.Split('\n').Single(l => l.Contains(" name=waiter "));
        Assert.That(line, Does.Contain(" flags=b "));
        Assert.That(line, Does.Contain(" cmd=brpoplpush "));
        Assert.That(line, Does.Contain(" qbuf=0 "), "the blocked command does not count as unread input");
        var fields = InfoParser.Fields(BulkText(Execute("INFO", "clients")));
        Assert.That(fields["blocked_clients"], Is.EqualTo("1"));
        Assert.That(fields["total_blocking_keys"], Is.EqualTo("1"), "BRPOPLPUSH waits on its source only");
        Assert.That(fields["clients_in_timeout_table"], Is.EqualTo("1"));
        Assert.That(fields["total_blocking_keys_on_nokey"], Is.EqualTo("0"));
        Execute("RPUSH", K("src"), "v");
        Assert.That(c.ReadReply(), Is.EqualTo(Bulk("v")));
        Assert.That(BulkText(Execute("CLIENT", "LIST")).Split('\n').Single(l => l.Contains(" name=waiter ")), Does.Contain(" flags=N "));
    }

    [Test]
    public void ABlockingCommandCountsOnceInCommandstats()
    {
        using var c = Raw();
        using var admin = Raw();
        string id = Integer(c.Execute("CLIENT", "ID")).ToString();
        admin.Execute("CONFIG", "RESETSTAT");
        Block(c, "BLPOP", K(), "0");
        admin.Execute("LPUSH", K(), "1");
        Assert.That(c.ReadReply(), Is.EqualTo(Arr(K(), "1")));
        Assert.That(CommandStat(admin, "blpop"), Does.StartWith("calls=1,").And.EndWith(",rejected_calls=0,failed_calls=0"));

        admin.Execute("CONFIG", "RESETSTAT");
        Block(c, "BLPOP", K(), "0");
        admin.Execute("CLIENT", "UNBLOCK", id, "TIMEOUT");
        Assert.That(c.ReadReply(), Is.EqualTo(NullArray2));
        Assert.That(CommandStat(admin, "blpop"), Does.StartWith("calls=1,").And.EndWith(",rejected_calls=0,failed_calls=0"));

        admin.Execute("CONFIG", "RESETSTAT");
        Block(c, "BLMOVE", K(), K("d"), "LEFT", "LEFT", "0");
        admin.Execute("CLIENT", "UNBLOCK", id, "ERROR");
        Assert.That(c.ReadReply(), Does.StartWith("-UNBLOCKED"));
        Assert.That(CommandStat(admin, "blmove"), Does.StartWith("calls=1,").And.EndWith(",rejected_calls=0,failed_calls=1"));
        Assert.That(BulkText(admin.Execute("INFO", "errorstats")), Does.Contain("errorstat_UNBLOCKED:count=1"));
        Assert.That(InfoParser.Field(BulkText(admin.Execute("INFO", "stats")), "total_commands_processed"), Is.GreaterThanOrEqualTo(3));
    }

    private static string CommandStat(RawRespClient c, string command)
    {
        string info = BulkText(c.Execute("INFO", "commandstats"));
        string prefix = $"cmdstat_{command}:";
        string? line = info.Split("\r\n").FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
        Assert.That(line, Is.Not.Null, info);
        return line![prefix.Length..];
    }

    [Test]
    public void ServedPopsChangeDirtyAsTheirNonBlockingForms()
    {
        using var c = Raw();
        using var admin = Raw();
        long Dirty() => InfoParser.Field(BulkText(admin.Execute("INFO", "persistence")), "rdb_changes_since_last_save");
        long before = Dirty();
        Block(c, "BLPOP", K(), "0");
        admin.Execute("LPUSH", K(), "a");
        Assert.That(c.ReadReply(), Is.EqualTo(Arr(K(), "a")));
        Assert.That(Dirty(), Is.EqualTo(before + 2));
        before = Dirty();
        Block(c, "BLMOVE", K(), K("d"), "LEFT", "LEFT", "0");
        admin.Execute("LPUSH", K(), "a");
        Assert.That(c.ReadReply(), Is.EqualTo(Bulk("a")));
        Assert.That(Dirty(), Is.EqualTo(before + 2));
    }

    [Test]
    public void CommandRowsDescribeTheBlockingCommands()
    {
        using var c = Raw();
        string info = c.Execute("COMMAND", "INFO", "blpop", "blmpop", "blmove");
        Assert.That(info, Does.Contain("$5\r\nblpop\r\n:-3\r\n*2\r\n+write\r\n+blocking\r\n:1\r\n:-2\r\n:1\r\n"));
        Assert.That(info, Does.Contain("$6\r\nblmpop\r\n:-5\r\n*3\r\n+write\r\n+blocking\r\n+movablekeys\r\n:0\r\n:0\r\n:0\r\n"));
        Assert.That(info, Does.Contain("$6\r\nblmove\r\n:6\r\n*3\r\n+write\r\n+denyoom\r\n+blocking\r\n:1\r\n:2\r\n:1\r\n"));
        Assert.That(c.Execute("COMMAND", "GETKEYS", "BLMPOP", "0", "2", "a", "b", "LEFT"), Is.EqualTo(Arr("a", "b")));
        Assert.That(c.Execute("COMMAND", "GETKEYS", "BLPOP", "a", "b", "0"), Is.EqualTo(Arr("a", "b")));
        Assert.That(c.Execute("COMMAND", "DOCS", "brpoplpush"), Does.Contain("deprecated"));
    }
}
