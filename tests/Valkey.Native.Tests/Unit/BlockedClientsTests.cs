using System.Text;
using NUnit.Framework;
using Valkey.Native.Commands;
using Valkey.Native.Networking;
using Valkey.Native.Protocol;
using Valkey.Native.Server;
using Valkey.Native.Storage;
using Valkey.Native.Tests.Infrastructure;
using Valkey.Native.Util;

namespace Valkey.Native.Tests.Unit;

/// <summary>
/// The blocked-client registry in process: several connection-less clients driven through the
/// real parse → dispatch path, with the loop's steps (timeouts, ready keys, unblocked clients)
/// called directly, so the ordering cases a socket test cannot pin down are checked exactly.
/// </summary>
[NonParallelizable]
public unsafe class BlockedClientsTests
{
    private ServerContext _server = null!;
    private long _nextId = 1;

    [SetUp]
    public void CreateServer()
    {
        // The slow log off, as InProcessServer does: on a loaded machine a command preempted past
        // 10 ms gets a slow-log entry (an allocation, as in Valkey), which the zero-allocation test would see.
        _server = new ServerContext(new ServerConfig { SlowlogLogSlowerThan = -1 }, new Log { Level = LogLevel.Warning });
        _nextId = 1;
    }

    [TearDown]
    public void DisposeServer() => _server.Dispose();

    private BlockedClients Blocking => _server.Blocking;
    private Database Db => _server.Keyspace.Databases[0];

    private Client NewClient() => new(_server, _nextId++, -1, ConnectionKind.Tcp);

    private static void Send(Client c, params string[] command) => c.InjectInput(RawRespClient.EncodeCommand(command));

    private static string TakeReply(Client c)
    {
        string reply = Encoding.UTF8.GetString(c.Reply.PeekPending());
        c.Reply.ReleaseBuffers();
        return reply;
    }

    private static string Run(Client c, params string[] command)
    {
        Send(c, command);
        return TakeReply(c);
    }

    // ---- timeout parsing ---------------------------------------------------------------------

    [TestCase("0", 0L)]
    [TestCase("1", 1000L)]
    [TestCase("0.1", 100L)]
    [TestCase("0.001", 1L)]
    [TestCase("0.0001", 1L)]
    [TestCase("1e-300", 1L)]
    [TestCase("1.0001", 1001L)]
    [TestCase("2.5", 2500L)]
    [TestCase("-0", 0L)]
    [TestCase("-0.0001", 0L)]
    [TestCase("-0.9e-3", 0L)]
    [TestCase("9223372036854775", 9223372036854775000L)]
    [TestCase("9223372036854775.807", 9223372036854775807L)]
    [TestCase("0x10", 16000L)]
    public void SecondsBecomeCeiledMilliseconds(string text, long expected)
    {
        Assert.That(LongDouble.TryParse(Encoding.ASCII.GetBytes(text), out var seconds), Is.True);
        Assert.That(BlockingCommands.SecondsToMilliseconds(seconds, out long ms), Is.EqualTo(BlockingCommands.TimeoutConversion.Ok));
        Assert.That(ms, Is.EqualTo(expected));
    }

    [TestCase("-1", BlockingCommands.TimeoutConversion.Negative)]
    [TestCase("-0.002", BlockingCommands.TimeoutConversion.Negative)]
    [TestCase("-inf", BlockingCommands.TimeoutConversion.Negative)]
    [TestCase("-1e300", BlockingCommands.TimeoutConversion.Negative)]
    [TestCase("inf", BlockingCommands.TimeoutConversion.OutOfRange)]
    [TestCase("9223372036854776", BlockingCommands.TimeoutConversion.OutOfRange)]
    [TestCase("1e300", BlockingCommands.TimeoutConversion.OutOfRange)]
    [TestCase("0x7FFFFFFFFFFFFF", BlockingCommands.TimeoutConversion.OutOfRange)]
    public void OutOfRangeAndNegativeSeconds(string text, BlockingCommands.TimeoutConversion expected)
    {
        Assert.That(LongDouble.TryParse(Encoding.ASCII.GetBytes(text), out var seconds), Is.True);
        Assert.That(BlockingCommands.SecondsToMilliseconds(seconds, out _), Is.EqualTo(expected));
    }

    // ---- blocking, serving, pipelines ----------------------------------------------------------

    [Test]
    public void BlockedClientIsServedAfterThePushingCommandAndThenRunsItsPipeline()
    {
        var waiter = NewClient();
        var pusher = NewClient();
        var pipeline = RawRespClient.EncodeCommand("BLPOP", "k", "0").Concat(RawRespClient.EncodeCommand("PING")).ToArray();
        waiter.InjectInput(pipeline);
        Assert.That(waiter.IsBlocked, Is.True);
        Assert.That(waiter.Reply.HasPending, Is.False, "no reply, and the PING behind it did not run");
        Assert.That(Blocking.BlockedClientCount, Is.EqualTo(1));
        Assert.That(Blocking.TotalBlockingKeys, Is.EqualTo(1));
        Assert.That(waiter.BlockedCommandBytes, Is.GreaterThan(0));

        Assert.That(Run(pusher, "RPUSH", "k", "a", "b"), Is.EqualTo(":2\r\n"));
        Assert.That(waiter.IsBlocked, Is.False);
        Assert.That(Blocking.BlockedClientCount, Is.EqualTo(0));
        Assert.That(Blocking.TotalBlockingKeys, Is.EqualTo(0));
        Assert.That(waiter.InUnblockedQueue, Is.True, "its pipeline waits for the loop");
        Assert.That(Encoding.UTF8.GetString(waiter.Reply.PeekPending()), Is.EqualTo("*2\r\n$1\r\nk\r\n$1\r\na\r\n"));

        Blocking.ProcessUnblockedClients();
        Assert.That(waiter.InUnblockedQueue, Is.False);
        Assert.That(TakeReply(waiter), Is.EqualTo("*2\r\n$1\r\nk\r\n$1\r\na\r\n+PONG\r\n"));
        Assert.That(waiter.QueryBufferLength, Is.EqualTo(0));
    }

    [Test]
    public void ReadinessConsumedBeforeItIsHandledWakesNobody()
    {
        // What LPUSH + DEL (+ SET) inside one MULTI/EXEC do: the key is signalled, then gone
        // (or of another type) by the time blocked clients are served.
        var waiter = NewClient();
        Send(waiter, "BLPOP", "k", "0");
        var blpop = _server.Commands.Find("blpop")!;
        long callsBefore = blpop.Calls;

        CreateEmptyList("k");
        Assert.That(Blocking.HasReadyKeys, Is.True);
        Assert.That(Db.Delete("k"u8), Is.True);
        Blocking.HandleClientsBlockedOnKeys();
        Assert.That(waiter.IsBlocked, Is.True);
        Assert.That(Blocking.HasReadyKeys, Is.False);

        CreateEmptyList("k");
        Db.Delete("k"u8);
        Db.SetString("k"u8, "now a string"u8);
        Blocking.HandleClientsBlockedOnKeys();
        Assert.That(waiter.IsBlocked, Is.True, "a string under the key is not a list");
        Assert.That(blpop.Calls, Is.EqualTo(callsBefore), "the command was not even re-executed");
        Assert.That(waiter.Reply.HasPending, Is.False);

        var other = NewClient();
        Run(other, "DEL", "k");
        Run(other, "LPUSH", "k", "x");
        Assert.That(TakeReply(waiter), Is.EqualTo("*2\r\n$1\r\nk\r\n$1\r\nx\r\n"));
        Assert.That(blpop.Calls, Is.EqualTo(callsBefore + 1));
    }

    [Test]
    public void SignallingTheSameKeyTwiceQueuesItOnce()
    {
        var waiter = NewClient();
        Send(waiter, "BLPOP", "k", "0");
        Db.SignalKeyAsReady("k"u8, DataType.List);
        Db.SignalKeyAsReady("k"u8, DataType.List);
        Db.SignalKeyAsReady("other"u8, DataType.List);
        Db.SignalKeyAsReady("k"u8, DataType.String);
        Db.SignalKeyAsReady("k"u8, DataType.SortedSet);
        Assert.That(Blocking.HasReadyKeys, Is.True);
        Blocking.HandleClientsBlockedOnKeys();
        Assert.That(waiter.IsBlocked, Is.True, "no list under the key");
        Assert.That(Blocking.HasReadyKeys, Is.False);
    }

    [Test]
    public void AReexecutedCommandThatBlocksAgainKeepsItsDeadlineAndGoesToTheTail()
    {
        var first = NewClient();
        var second = NewClient();
        Send(first, "BLPOP", "k", "100");
        long deadline = first.Blocking!.TimeoutMs;
        Assert.That(deadline, Is.GreaterThan(_server.Keyspace.NowMs));
        Send(second, "BLPOP", "k", "0");

        // A list that is live when the waiters are checked but expired once the command runs
        // (Valkey's "BLPOP unblock but the key is expired and then block again").
        _server.Keyspace.Readiness = null;
        var setup = NewClient();
        Run(setup, "RPUSH", "k", "v");
        Run(setup, "PEXPIRE", "k", "20");
        _server.Keyspace.Readiness = Blocking;
        Thread.Sleep(40);
        Db.SignalKeyAsReady("k"u8, DataType.List);
        Blocking.HandleClientsBlockedOnKeys();

        Assert.That(first.IsBlocked && second.IsBlocked, Is.True);
        Assert.That(first.Blocking.TimeoutMs, Is.EqualTo(deadline), "the first attempt's deadline is kept");
        Assert.That(first.Reply.HasPending || second.Reply.HasPending, Is.False);

        Run(setup, "RPUSH", "k", "a");
        Assert.That(second.Reply.HasPending, Is.True, "the re-blocked client went behind the other one");
        Assert.That(first.IsBlocked, Is.True);
        Assert.That(TakeReply(second), Is.EqualTo("*2\r\n$1\r\nk\r\n$1\r\na\r\n"));

        Blocking.HandleTimeouts(deadline);
        Assert.That(first.IsBlocked, Is.True, "a deadline fires once passed, not at the same millisecond");
        Blocking.HandleTimeouts(deadline + 1);
        Assert.That(first.IsBlocked, Is.False);
        Assert.That(TakeReply(first), Is.EqualTo("*-1\r\n"));
        Assert.That(Blocking.TimeoutTableCount, Is.EqualTo(0));
    }

    [Test]
    public void TimeoutAndUnblockRepliesHonourClientReplySkip()
    {
        var c = NewClient();
        var data = RawRespClient.EncodeCommand("CLIENT", "REPLY", "SKIP")
            .Concat(RawRespClient.EncodeCommand("BLPOP", "k", "0.01"))
            .Concat(RawRespClient.EncodeCommand("PING")).ToArray();
        c.InjectInput(data);
        Assert.That(c.IsBlocked, Is.True);
        Blocking.HandleTimeouts(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 1000);
        Blocking.ProcessUnblockedClients();
        Assert.That(TakeReply(c), Is.EqualTo("+PONG\r\n"), "the skipped command's timeout reply is dropped");
    }

    [Test]
    public void DenyBlockingRepliesAsOnTimeoutWithoutBlocking()
    {
        var c = NewClient();
        c.DenyBlocking = true;
        Assert.That(Run(c, "BLPOP", "k", "0"), Is.EqualTo("*-1\r\n"));
        Assert.That(Run(c, "BLMPOP", "0", "1", "k", "LEFT"), Is.EqualTo("*-1\r\n"));
        Assert.That(Run(c, "BLMOVE", "k", "d", "LEFT", "LEFT", "0"), Is.EqualTo("$-1\r\n"));
        Assert.That(Run(c, "BRPOPLPUSH", "k", "d", "0"), Is.EqualTo("$-1\r\n"));
        Assert.That(c.IsBlocked, Is.False);
        Assert.That(Blocking.BlockedClientCount, Is.EqualTo(0));
        Run(c, "RPUSH", "k", "v");
        Assert.That(Run(c, "BLPOP", "k", "0"), Is.EqualTo("*2\r\n$1\r\nk\r\n$1\r\nv\r\n"), "data is still served");
    }

    [Test]
    public void ClosingABlockedClientRemovesEveryTrace()
    {
        var c = NewClient();
        Send(c, "BLPOP", "a", "b", "5");
        Assert.That(Blocking.TotalBlockingKeys, Is.EqualTo(2));
        Assert.That(Blocking.TimeoutTableCount, Is.EqualTo(1));
        Blocking.OnClientClosed(c);
        c.ReleaseBuffers();
        Assert.That(Blocking.BlockedClientCount, Is.EqualTo(0));
        Assert.That(Blocking.TotalBlockingKeys, Is.EqualTo(0));
        Assert.That(Blocking.TimeoutTableCount, Is.EqualTo(0));
        Assert.That(Blocking.BlockedClientsOfType(BlockType.List), Is.EqualTo(0));
        var other = NewClient();
        Run(other, "RPUSH", "a", "1");
        Assert.That(Run(other, "LLEN", "a"), Is.EqualTo(":1\r\n"));
    }

    // ---- the generic API (what sorted sets and streams use) --------------------------------------

    [Test]
    public void BlockForKeysFromAHandlerContextWithUnblockOnNoKey()
    {
        var c = NewClient();
        var payload = new object();
        BlockWithArgs(c, BlockType.Stream, unblockOnNoKey: true, payload, "XREADGROUP", "s1", "s2", "s1");
        Assert.That(c.IsBlocked, Is.True);
        Assert.That(c.Blocking!.KeyCount, Is.EqualTo(2));
        Assert.That(c.Blocking.Payload, Is.SameAs(payload));
        Assert.That(Blocking.TotalBlockingKeysOnNoKey, Is.EqualTo(2));
        Assert.That(Blocking.BlockedClientsOfType(BlockType.Stream), Is.EqualTo(1));

        Db.SignalDeletedKeyAsReady("s1"u8, DataType.List);
        Assert.That(Blocking.HasReadyKeys, Is.False, "nobody waits on lists");
        Db.SignalKeyAsReady("s1"u8, DataType.List);
        Assert.That(Blocking.HasReadyKeys, Is.False);
        Db.SignalDeletedKeyAsReady("s2"u8, DataType.Stream);
        Assert.That(Blocking.HasReadyKeys, Is.True, "a deleted stream wakes a no-key waiter");

        Assert.That(Blocking.UnblockByRequest(c, withError: true), Is.True);
        Assert.That(TakeReply(c), Is.EqualTo("-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n"));
        Assert.That(c.Blocking.Payload, Is.Null, "dropped when the command completes");
        Assert.That(Blocking.TotalBlockingKeysOnNoKey, Is.EqualTo(0));
        Assert.That(Blocking.TotalBlockingKeys, Is.EqualTo(0));
        Assert.That(Blocking.UnblockByRequest(c, withError: false), Is.False);
        Blocking.HandleClientsBlockedOnKeys();
        Assert.That(Blocking.HasReadyKeys, Is.False);
    }

    [Test]
    public void ListWaitersAreNotWokenByDeletions()
    {
        var c = NewClient();
        Send(c, "BLPOP", "k", "0");
        Run(NewClient(), "RPUSH", "k", "v");
        TakeReply(c);
        Blocking.ProcessUnblockedClients();
        Send(c, "BLPOP", "k", "0");
        Db.SetString("k"u8, "x"u8);
        Db.Delete("k"u8);
        Assert.That(Blocking.HasReadyKeys, Is.False, "only no-key waiters (XREADGROUP) care about deletions");
        Blocking.UnblockByRequest(c, withError: false);
        Assert.That(TakeReply(c), Is.EqualTo("*-1\r\n"));
    }

    /// <summary>Blocks <paramref name="c"/> as a handler would, on every argument after the first.</summary>
    private static void BlockWithArgs(Client c, BlockType type, bool unblockOnNoKey, object? payload, params string[] args)
    {
        byte[] buffer = Encoding.ASCII.GetBytes(string.Concat(args));
        var list = new ArgList();
        int offset = 0;
        foreach (var a in args)
        {
            list.Add(offset, a.Length);
            offset += a.Length;
        }
        fixed (byte* p = buffer)
        {
            var ctx = c.Context;
            ctx.Bind(p, list);
            ctx.Command = c.Context.Server.Commands.Find("ping")!;
            ctx.BlockForKeys(type, 1, args.Length - 1, 0, unblockOnNoKey, payload);
        }
    }

    private void CreateEmptyList(string key)
    {
        byte* entry = Db.Add(Encoding.ASCII.GetBytes(key), DataType.List, ValueEncoding.ListPack, 8);
        ListValue.InitEmpty(_server.Keyspace, Database.Header(entry));
    }

    // ---- the hot path ------------------------------------------------------------------------------

    [Test]
    public void ListPushAndPopAllocateNothingEvenWithClientsBlockedElsewhere()
    {
        var waiter = NewClient();
        Send(waiter, "BLPOP", "elsewhere", "0");
        var c = NewClient();
        Run(c, "RPUSH", "hot", "base");
        Run(c, "SET", "s", "v");
        byte[][] requests =
        [
            RawRespClient.EncodeCommand("LPUSH", "hot", "v"),
            RawRespClient.EncodeCommand("RPUSH", "hot", "w"),
            RawRespClient.EncodeCommand("LPOP", "hot"),
            RawRespClient.EncodeCommand("RPOP", "hot"),
            RawRespClient.EncodeCommand("SET", "s", "v"),
            RawRespClient.EncodeCommand("GET", "s"),
        ];
        for (int i = 0; i < 1000; i++) RunAll(c, requests);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++) RunAll(c, requests);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(allocated, Is.EqualTo(0), $"allocated {allocated} bytes");
        Assert.That(waiter.IsBlocked, Is.True);
        Assert.That(Run(c, "LRANGE", "hot", "0", "-1"), Is.EqualTo("*1\r\n$4\r\nbase\r\n"));
    }

    private static void RunAll(Client c, byte[][] requests)
    {
        foreach (var r in requests) c.InjectInput(r);
        c.Reply.ReleaseBuffers();
    }
}
