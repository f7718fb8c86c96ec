using System.Diagnostics;
using NUnit.Framework;
using Valkey.Native.Tests.Infrastructure;
using static Valkey.Native.Tests.Infrastructure.Resp;

namespace Valkey.Native.Tests.Integration;

/// <summary>
/// BZPOPMIN, BZPOPMAX and BZMPOP: served at once from the first non-empty sorted set, or blocked
/// until a ZADD (or a sorted set moved into place) makes one of their keys ready; first blocked,
/// first served; timeouts, WRONGTYPE and argument errors as Valkey's. Blocking commands go
/// through raw connections; the fixture owns its server because it reads blocked_clients.
/// </summary>
[TestFixture]
[NonParallelizable]
public class BlockingSortedSetCommandsTests : BlockedClientsFixture
{
    private static string K(string name = "k") => $"{{bz}}:{TestContext.CurrentContext.Test.Name}:{name}";

    private long BlockedClients() => Info("blocked_clients");

    [Test]
    public void PopsAtOnceFromTheFirstNonEmptySortedSet()
    {
        using var c = Raw();
        c.Execute("ZADD", K("b"), "1", "one", "2", "two", "3", "three");
        Assert.That(c.Execute("BZPOPMIN", K("a"), K("b"), "1"), Is.EqualTo(Arr(K("b"), "one", "1")));
        Assert.That(c.Execute("BZPOPMAX", K("a"), K("b"), "0"), Is.EqualTo(Arr(K("b"), "three", "3")));
        Assert.That(c.Execute("BZMPOP", "0", "2", K("a"), K("b"), "MIN", "COUNT", "5"),
            Is.EqualTo($"*2\r\n{Bulk(K("b"))}*1\r\n{Arr("two", "2")}"));
        Assert.That(c.Execute("EXISTS", K("b")), Is.EqualTo(Int(0)), "an emptied sorted set is deleted");
    }

    [Test]
    public void Resp3RepliesUseDoublesAndNullOnTimeout()
    {
        using var c = Raw();
        c.Execute("HELLO", "3");
        c.Execute("ZADD", K(), "1.5", "m", "7", "n");
        Assert.That(c.Execute("BZPOPMIN", K(), "0"), Is.EqualTo($"*3\r\n{Bulk(K())}{Bulk("m")},1.5\r\n"));
        Assert.That(c.Execute("BZMPOP", "0", "1", K(), "MAX"), Is.EqualTo($"*2\r\n{Bulk(K())}*1\r\n*2\r\n{Bulk("n")},7\r\n"));
        Assert.That(c.Execute("BZPOPMAX", K(), "0.01"), Is.EqualTo("_\r\n"));
        Assert.That(c.Execute("BZMPOP", "0.01", "1", K(), "MIN"), Is.EqualTo("_\r\n"));
    }

    [Test]
    public void ABlockedClientIsServedByZaddToAnyOfItsKeys()
    {
        using var blocked = Raw();
        using var writer = Raw();
        Block(blocked, "BZPOPMAX", K("a"), K("b"), "0");
        Assert.That(blocked.WaitForData(Quiet), Is.False);
        Assert.That(writer.Execute("ZADD", K("b"), "5", "x", "9", "y"), Is.EqualTo(Int(2)));
        Assert.That(blocked.ReadReply(), Is.EqualTo(Arr(K("b"), "y", "9")));
        Assert.That(writer.Execute("ZRANGE", K("b"), "0", "-1"), Is.EqualTo(Arr("x")));
    }

    [Test]
    public void ClientsAreServedInTheOrderTheyBlocked()
    {
        using var first = Raw();
        using var second = Raw();
        using var third = Raw();
        Block(first, "BZPOPMIN", K(), "0");
        Block(second, "BZMPOP", "0", "1", K(), "MAX", "COUNT", "2");
        Block(third, "BZPOPMAX", K(), "0");
        Execute("ZADD", K(), "1", "a");
        Assert.That(first.ReadReply(), Is.EqualTo(Arr(K(), "a", "1")));
        Assert.That(second.WaitForData(Quiet), Is.False, "one member serves one client");
        WaitForBlocked(2);
        Execute("ZADD", K(), "2", "b", "3", "c", "4", "d");
        Assert.That(second.ReadReply(), Is.EqualTo($"*2\r\n{Bulk(K())}*2\r\n{Arr("d", "4")}{Arr("c", "3")}"));
        Assert.That(third.ReadReply(), Is.EqualTo(Arr(K(), "b", "2")));
        Assert.That(Execute("EXISTS", K()), Is.EqualTo(Int(0)));
    }

    [Test]
    public void ASortedSetMovedIntoPlaceWakesTheWaiter()
    {
        using var blocked = Raw();
        Block(blocked, "BZPOPMIN", K("target"), "0");
        Execute("ZADD", K("other"), "3", "z");
        Assert.That(Execute("RENAME", K("other"), K("target")), Is.EqualTo("+OK\r\n"));
        Assert.That(blocked.ReadReply(), Is.EqualTo(Arr(K("target"), "z", "3")));
    }

    [Test]
    public void AValueOfAnotherTypeFailsAtOnceAndAListPushDoesNotWake()
    {
        using var c = Raw();
        c.Execute("SET", K("s"), "x");
        Assert.That(c.Execute("BZPOPMIN", K("missing"), K("s"), "0"), Is.EqualTo(Err("WRONGTYPE Operation against a key holding the wrong kind of value")));
        Assert.That(c.Execute("BZMPOP", "0", "1", K("s"), "MIN"), Is.EqualTo(Err("WRONGTYPE Operation against a key holding the wrong kind of value")));

        using var blocked = Raw();
        Block(blocked, "BZPOPMIN", K("l"), "0");
        Execute("RPUSH", K("l"), "v");
        Assert.That(blocked.WaitForData(Quiet), Is.False, "a list under the key is not a sorted set to serve");
        Assert.That(BlockedClients(), Is.EqualTo(1));
        Execute("DEL", K("l"));
        Execute("ZADD", K("l"), "1", "m");
        Assert.That(blocked.ReadReply(), Is.EqualTo(Arr(K("l"), "m", "1")));
    }

    [TestCase("BZPOPMIN", "-1", "ERR timeout is negative")]
    [TestCase("BZPOPMAX", "abc", "ERR timeout is not a float or out of range")]
    [TestCase("BZPOPMIN", "inf", "ERR timeout is out of range")]
    public void BadTimeoutsAreRejected(string command, string timeout, string error)
    {
        Assert.That(Execute(command, K(), timeout), Is.EqualTo(Err(error)));
    }

    [Test]
    public void BzmpopChecksItsArgumentsBeforeTheTimeout()
    {
        Assert.That(Execute("BZMPOP", "abc", "0", K(), "MIN"), Is.EqualTo(Err("ERR numkeys should be greater than 0")));
        Assert.That(Execute("BZMPOP", "abc", "1", K(), "SIDE"), Is.EqualTo(Err("ERR syntax error")));
        Assert.That(Execute("BZMPOP", "abc", "1", K(), "MIN", "COUNT", "0"), Is.EqualTo(Err("ERR count should be greater than 0")));
        Assert.That(Execute("BZMPOP", "abc", "1", K(), "MIN"), Is.EqualTo(Err("ERR timeout is not a float or out of range")));
        Assert.That(Execute("BZMPOP", "0", "2", K(), "MIN"), Is.EqualTo(Err("ERR syntax error")));
    }

    [Test]
    public void TimeoutsReplyNullAfterAboutTheirDuration()
    {
        using var c = Raw();
        var sw = Stopwatch.StartNew();
        Assert.That(c.Execute("BZPOPMIN", K(), "0.2"), Is.EqualTo("*-1\r\n"));
        Assert.That(sw.Elapsed, Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(190)));
        Assert.That(c.Execute("BZMPOP", "0.05", "1", K(), "MAX", "COUNT", "3"), Is.EqualTo("*-1\r\n"));
    }

    [Test]
    public void ClientUnblockEndsTheWait()
    {
        using var blocked = Raw();
        long id = Integer(blocked.Execute("CLIENT", "ID"));
        Block(blocked, "BZPOPMAX", K(), "0");
        Assert.That(Execute("CLIENT", "UNBLOCK", id.ToString(), "ERROR"), Is.EqualTo(Int(1)));
        Assert.That(blocked.ReadReply(), Is.EqualTo(Err("UNBLOCKED client unblocked via CLIENT UNBLOCK")));
    }

    [Test]
    public void CommandRowsDescribeTheBlockingPops()
    {
        string info = Execute("COMMAND", "INFO", "bzpopmin", "bzmpop");
        Assert.That(info, Does.Contain("$8\r\nbzpopmin\r\n:-3\r\n*3\r\n+write\r\n+blocking\r\n+fast\r\n:1\r\n:-2\r\n:1\r\n"));
        Assert.That(info, Does.Contain("$6\r\nbzmpop\r\n:-5\r\n*3\r\n+write\r\n+blocking\r\n+movablekeys\r\n:0\r\n:0\r\n:0\r\n"));
        Assert.That(Execute("COMMAND", "GETKEYS", "BZMPOP", "0", "2", "a", "b", "MIN"), Is.EqualTo(Arr("a", "b")));
    }
}
