using System.Collections.Concurrent;
using NUnit.Framework;
using StackExchange.Redis;
using Valkey.Native.Tests.Infrastructure;
using static Valkey.Native.Tests.Infrastructure.Resp;

namespace Valkey.Native.Tests.Integration;

/// <summary>
/// Pub/sub (SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE, PUNSUBSCRIBE, PUBLISH, SSUBSCRIBE, SUNSUBSCRIBE,
/// SPUBLISH, PUBSUB ...) on a server of its own (PUBSUB NUMPAT/CHANNELS are global): byte-exact
/// RESP2 arrays and RESP3 pushes, the RESP2 subscribed context, NOSUB, unsubscribe-from-all
/// replies, RESET and disconnect clean-up, CLIENT LIST / INFO fields, delivery order when a client
/// publishes to itself, and the StackExchange.Redis ISubscriber API. Channel names are per test.
/// </summary>
[TestFixture]
public class PubSubCommandsTests : OwnServerFixture
{
    private static string Ch(string name = "c") => $"{TestContext.CurrentContext.Test.Name}:{name}";

    private static string Arr(params string[] items) => $"*{items.Length}\r\n" + string.Concat(items);
    private static string Push(params string[] items) => $">{items.Length}\r\n" + string.Concat(items);

    private static string Confirm(string kind, string channel, long count, bool resp3 = false) =>
        resp3 ? Push(Bulk(kind), Bulk(channel), Int(count)) : Arr(Bulk(kind), Bulk(channel), Int(count));

    private static string Message(string channel, string message, bool resp3 = false) =>
        resp3 ? Push(Bulk("message"), Bulk(channel), Bulk(message)) : Arr(Bulk("message"), Bulk(channel), Bulk(message));

    private static RawRespClient Resp3(RawRespClient c)
    {
        Assert.That(c.Execute("HELLO", "3"), Does.StartWith("%"));
        return c;
    }

    // ---- SUBSCRIBE / PUBLISH ------------------------------------------------------------------------

    [Test]
    public void SubscribeConfirmsEachChannelAndReceivesMessagesResp2()
    {
        using var sub = Raw();
        using var pub = Raw();
        sub.SendCommand("SUBSCRIBE", Ch("a"), Ch("b"), Ch("a"));
        Assert.That(sub.ReadReplies(3), Is.EqualTo(new[]
        {
            Confirm("subscribe", Ch("a"), 1), Confirm("subscribe", Ch("b"), 2), Confirm("subscribe", Ch("a"), 2),
        }), "a repeated channel is confirmed again with the same count");
        Assert.That(pub.Execute("PUBLISH", Ch("a"), "hello"), Is.EqualTo(Int(1)));
        Assert.That(pub.Execute("PUBLISH", Ch("nobody"), "x"), Is.EqualTo(Int(0)));
        Assert.That(sub.ReadReply(), Is.EqualTo(Message(Ch("a"), "hello")));
        Assert.That(pub.Execute("PUBLISH", Ch("b"), ""), Is.EqualTo(Int(1)));
        Assert.That(sub.ReadReply(), Is.EqualTo(Message(Ch("b"), "")), "empty messages are delivered");
    }

    [Test]
    public void SubscribeAndMessagesArePushesInResp3()
    {
        using var sub = Resp3(Raw());
        using var pub = Raw();
        Assert.That(sub.Execute("SUBSCRIBE", Ch()), Is.EqualTo(Confirm("subscribe", Ch(), 1, resp3: true)));
        Assert.That(pub.Execute("PUBLISH", Ch(), "m"), Is.EqualTo(Int(1)));
        Assert.That(sub.ReadReply(), Is.EqualTo(Message(Ch(), "m", resp3: true)));
        // RESP3 has no subscribed context: any command runs.
        Assert.That(sub.Execute("SET", Ch("key"), "v"), Is.EqualTo("+OK\r\n"));
        Assert.That(sub.Execute("PING"), Is.EqualTo("+PONG\r\n"));
        Assert.That(sub.Execute("UNSUBSCRIBE", Ch()), Is.EqualTo(Confirm("unsubscribe", Ch(), 0, resp3: true)));
    }

    [Test]
    public void BinaryChannelsAndMessagesArePreserved()
    {
        using var sub = Raw();
        using var pub = Raw();
        byte[] channel = [0, 1, 0xff, (byte)'\r', (byte)'\n'];
        byte[] message = [0xfe, 0, (byte)'*'];
        sub.SendCommand([ "SUBSCRIBE"u8.ToArray(), channel ]);
        sub.ReadReply();
        pub.SendCommand([ "PUBLISH"u8.ToArray(), channel, message ]);
        Assert.That(pub.ReadReply(), Is.EqualTo(Int(1)));
        byte[] expected = [.. "*3\r\n$7\r\nmessage\r\n$5\r\n"u8, .. channel, .. "\r\n$3\r\n"u8, .. message, .. "\r\n"u8];
        Assert.That(sub.ReadReplyBytes(), Is.EqualTo(expected));
    }

    [Test]
    public void TwoSubscribersBothReceive()
    {
        using var s1 = Raw();
        using var s2 = Resp3(Raw());
        using var pub = Raw();
        s1.Execute("SUBSCRIBE", Ch());
        s2.Execute("SUBSCRIBE", Ch());
        Assert.That(pub.Execute("PUBLISH", Ch(), "hi"), Is.EqualTo(Int(2)));
        Assert.That(s1.ReadReply(), Is.EqualTo(Message(Ch(), "hi")));
        Assert.That(s2.ReadReply(), Is.EqualTo(Message(Ch(), "hi", resp3: true)));
    }

    // ---- patterns ---------------------------------------------------------------------------------------

    [Test]
    public void PsubscribeMatchesGlobAndDeliversPmessage()
    {
        using var sub = Raw();
        using var pub = Raw();
        string pattern = Ch("foo.*");
        Assert.That(sub.Execute("PSUBSCRIBE", pattern), Is.EqualTo(Confirm("psubscribe", pattern, 1)));
        Assert.That(pub.Execute("PUBLISH", Ch("foo.1"), "x"), Is.EqualTo(Int(1)));
        Assert.That(pub.Execute("PUBLISH", Ch("foo1"), "x"), Is.EqualTo(Int(0)));
        Assert.That(sub.ReadReply(), Is.EqualTo(Arr(Bulk("pmessage"), Bulk(pattern), Bulk(Ch("foo.1")), Bulk("x"))));
        Assert.That(sub.Execute("PUNSUBSCRIBE", pattern), Is.EqualTo(Confirm("punsubscribe", pattern, 0)));
        Assert.That(pub.Execute("PUBLISH", Ch("foo.1"), "x"), Is.EqualTo(Int(0)));
    }

    [Test]
    public void ChannelAndPatternSubscriptionsBothCountAndBothDeliver()
    {
        using var sub = Raw();
        using var pub = Raw();
        Assert.That(sub.Execute("SUBSCRIBE", Ch("x.y")), Is.EqualTo(Confirm("subscribe", Ch("x.y"), 1)));
        Assert.That(sub.Execute("PSUBSCRIBE", Ch("x.*")), Is.EqualTo(Confirm("psubscribe", Ch("x.*"), 2)));
        Assert.That(pub.Execute("PUBLISH", Ch("x.y"), "m"), Is.EqualTo(Int(2)));
        Assert.That(sub.ReadReply(), Is.EqualTo(Message(Ch("x.y"), "m")));
        Assert.That(sub.ReadReply(), Is.EqualTo(Arr(Bulk("pmessage"), Bulk(Ch("x.*")), Bulk(Ch("x.y")), Bulk("m"))));
        // UNSUBSCRIBE with no channel left but a pattern: one reply with a null channel.
        Assert.That(sub.Execute("UNSUBSCRIBE", Ch("x.y")), Is.EqualTo(Confirm("unsubscribe", Ch("x.y"), 1)));
        Assert.That(sub.Execute("UNSUBSCRIBE"), Is.EqualTo(Arr(Bulk("unsubscribe"), "$-1\r\n", Int(1))));
        Assert.That(sub.Execute("PUNSUBSCRIBE"), Is.EqualTo(Confirm("punsubscribe", Ch("x.*"), 0)));
    }

    [Test]
    public void NullChannelReplyIsResp3NullInResp3()
    {
        using var sub = Resp3(Raw());
        sub.Execute("PSUBSCRIBE", Ch("p*"));
        Assert.That(sub.Execute("UNSUBSCRIBE"), Is.EqualTo(Push(Bulk("unsubscribe"), "_\r\n", Int(1))));
        Assert.That(sub.Execute("SUNSUBSCRIBE"), Is.EqualTo(Push(Bulk("sunsubscribe"), "_\r\n", Int(0))));
    }

    [Test]
    public void UnsubscribeWithoutArgumentsLeavesEveryChannel()
    {
        using var sub = Raw();
        using var pub = Raw();
        sub.SendCommand("SUBSCRIBE", Ch("1"), Ch("2"), Ch("3"));
        sub.ReadReplies(3);
        sub.SendCommand("UNSUBSCRIBE");
        var replies = sub.ReadReplies(3);
        Assert.That(replies.Select(r => r.Split("\r\n")[4]), Is.EquivalentTo(new[] { Ch("1"), Ch("2"), Ch("3") }));
        Assert.That(replies.Select(r => r.Split("\r\n")[5]).ToArray(), Is.EqualTo(new[] { ":2", ":1", ":0" }));
        Assert.That(pub.Execute("PUBLISH", Ch("2"), "x"), Is.EqualTo(Int(0)));
        // Out of the subscribed context: ordinary commands work again.
        Assert.That(sub.Execute("PING"), Is.EqualTo("+PONG\r\n"));
    }

    [Test]
    public void UnsubscribeOutsideSubscribedModeIsNosub()
    {
        using var c = Raw();
        Assert.That(c.Execute("UNSUBSCRIBE", "x"), Is.EqualTo(Err("NOSUB 'unsubscribe' command executed not in subscribed mode")));
        Assert.That(c.Execute("PUNSUBSCRIBE"), Is.EqualTo(Err("NOSUB 'punsubscribe' command executed not in subscribed mode")));
        Assert.That(c.Execute("SUNSUBSCRIBE", "x"), Is.EqualTo(Err("NOSUB 'sunsubscribe' command executed not in subscribed mode")));
        // Subscribed to something: unsubscribing from an unknown channel is fine.
        c.Execute("SUBSCRIBE", Ch());
        Assert.That(c.Execute("UNSUBSCRIBE", Ch("other")), Is.EqualTo(Confirm("unsubscribe", Ch("other"), 1)));
    }

    // ---- the RESP2 subscribed context -------------------------------------------------------------------

    [Test]
    public void Resp2SubscribedContextAllowsOnlyTheWhitelist()
    {
        using var c = Raw();
        c.Execute("SUBSCRIBE", Ch());
        Assert.That(c.Execute("GET", "k"), Is.EqualTo(Err("ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context")));
        Assert.That(c.Execute("CONFIG", "GET", "port"), Is.EqualTo(Err("ERR Can't execute 'config|get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context")));
        Assert.That(c.Execute("PING"), Is.EqualTo(Arr(Bulk("pong"), Bulk(""))));
        Assert.That(c.Execute("PING", "foo"), Is.EqualTo(Arr(Bulk("pong"), Bulk("foo"))));
        Assert.That(c.Execute("PSUBSCRIBE", Ch("*")), Is.EqualTo(Confirm("psubscribe", Ch("*"), 2)));
        Assert.That(c.Execute("SSUBSCRIBE", Ch("s")), Is.EqualTo(Confirm("ssubscribe", Ch("s"), 1)));
        Assert.That(c.Execute("QUIT"), Is.EqualTo("+OK\r\n"));
    }

    [Test]
    public void ResetLeavesEverySubscription()
    {
        using var c = Raw();
        using var pub = Raw();
        c.Execute("SUBSCRIBE", Ch());
        c.Execute("PSUBSCRIBE", Ch("*"));
        c.Execute("SSUBSCRIBE", Ch("s"));
        Assert.That(c.Execute("RESET"), Is.EqualTo("+RESET\r\n"));
        Assert.That(pub.Execute("PUBLISH", Ch(), "x"), Is.EqualTo(Int(0)));
        Assert.That(pub.Execute("SPUBLISH", Ch("s"), "x"), Is.EqualTo(Int(0)));
        Assert.That(c.Execute("GET", Ch("nokey")), Is.EqualTo("$-1\r\n"), "out of the subscribed context");
        Assert.That(c.WaitForData(TimeSpan.FromMilliseconds(100)), Is.False);
    }

    [Test]
    public void ClosingASubscriberRemovesItsSubscriptions()
    {
        using var pub = Raw();
        using (var c = Raw())
        {
            c.Execute("SUBSCRIBE", Ch());
            c.Execute("PSUBSCRIBE", Ch("*"));
            c.Execute("SSUBSCRIBE", Ch("s"));
            Assert.That(pub.Execute("PUBSUB", "NUMSUB", Ch()), Is.EqualTo(Arr(Bulk(Ch()), Int(1))));
        }
        Assert.That(() => pub.Execute("PUBLISH", Ch(), "x"), Is.EqualTo(Int(0)).After(2000, 20));
        Assert.That(pub.Execute("PUBSUB", "NUMSUB", Ch()), Is.EqualTo(Arr(Bulk(Ch()), Int(0))));
        Assert.That(pub.Execute("PUBSUB", "SHARDNUMSUB", Ch("s")), Is.EqualTo(Arr(Bulk(Ch("s")), Int(0))));
        Assert.That(pub.Execute("PUBSUB", "CHANNELS", Ch() + "*"), Is.EqualTo("*0\r\n"));
    }

    [Test]
    public void SubscribeRepliesAreNotSilencedByClientReplyOff()
    {
        using var c = Resp3(Raw());
        using var pub = Raw();
        c.SendCommand("CLIENT", "REPLY", "OFF");
        c.SendCommand("SUBSCRIBE", Ch());
        Assert.That(c.ReadReply(), Is.EqualTo(Confirm("subscribe", Ch(), 1, resp3: true)));
        c.SendCommand("PING");
        Assert.That(pub.Execute("PUBLISH", Ch(), "m"), Is.EqualTo(Int(1)));
        Assert.That(c.ReadReply(), Is.EqualTo(Message(Ch(), "m", resp3: true)), "the PING reply is dropped, the push is not");
    }

    // ---- publishing to oneself ----------------------------------------------------------------------------

    [Test]
    public void PublishToSelfDeliversAfterThePublishReply()
    {
        using var c = Resp3(Raw());
        c.Execute("SUBSCRIBE", Ch());
        c.SendCommand("PUBLISH", Ch(), "me");
        Assert.That(c.ReadReply(), Is.EqualTo(Int(1)));
        Assert.That(c.ReadReply(), Is.EqualTo(Message(Ch(), "me", resp3: true)));
    }

    // ---- shard channels ----------------------------------------------------------------------------------------

    [Test]
    public void ShardChannelsAreSeparateFromGlobalChannels()
    {
        using var s = Raw();
        using var g = Raw();
        using var pub = Raw();
        Assert.That(s.Execute("SSUBSCRIBE", Ch()), Is.EqualTo(Confirm("ssubscribe", Ch(), 1)));
        Assert.That(g.Execute("SUBSCRIBE", Ch()), Is.EqualTo(Confirm("subscribe", Ch(), 1)));
        Assert.That(g.Execute("PSUBSCRIBE", "*"), Is.EqualTo(Confirm("psubscribe", "*", 2)));
        Assert.That(pub.Execute("SPUBLISH", Ch(), "s"), Is.EqualTo(Int(1)), "shard publishes ignore patterns and global subscribers");
        Assert.That(s.ReadReply(), Is.EqualTo(Arr(Bulk("smessage"), Bulk(Ch()), Bulk("s"))));
        Assert.That(pub.Execute("PUBLISH", Ch(), "g"), Is.EqualTo(Int(2)));
        Assert.That(g.ReadReply(), Is.EqualTo(Message(Ch(), "g")));
        Assert.That(s.WaitForData(TimeSpan.FromMilliseconds(100)), Is.False);
        Assert.That(pub.Execute("PUBSUB", "SHARDCHANNELS", Ch()), Is.EqualTo(Arr(Bulk(Ch()))));
        Assert.That(pub.Execute("PUBSUB", "SHARDNUMSUB", Ch(), "none"), Is.EqualTo(Arr(Bulk(Ch()), Int(1), Bulk("none"), Int(0))));
        Assert.That(s.Execute("SUNSUBSCRIBE"), Is.EqualTo(Confirm("sunsubscribe", Ch(), 0)));
        g.Execute("PUNSUBSCRIBE", "*");
    }

    // ---- PUBSUB introspection, CLIENT LIST, INFO -----------------------------------------------------------------

    [Test]
    public void PubsubIntrospection()
    {
        using var a = Raw();
        using var b = Raw();
        using var q = Raw();
        a.Execute("SUBSCRIBE", Ch("one"));
        b.Execute("SUBSCRIBE", Ch("one"));
        b.Execute("SUBSCRIBE", Ch("two"));
        a.Execute("PSUBSCRIBE", Ch("p1"));
        b.Execute("PSUBSCRIBE", Ch("p1"));
        b.Execute("PSUBSCRIBE", Ch("p2"));
        Assert.That(q.Execute("PUBSUB", "NUMSUB", Ch("one"), Ch("two"), Ch("three")),
            Is.EqualTo(Arr(Bulk(Ch("one")), Int(2), Bulk(Ch("two")), Int(1), Bulk(Ch("three")), Int(0))));
        Assert.That(q.Execute("PUBSUB", "NUMSUB"), Is.EqualTo("*0\r\n"));
        Assert.That(q.Execute("PUBSUB", "NUMPAT"), Is.EqualTo(Int(2)), "unique patterns");
        var channels = q.Execute("PUBSUB", "CHANNELS", Ch("*"));
        Assert.That(channels, Does.StartWith("*2\r\n").And.Contain(Bulk(Ch("one"))).And.Contain(Bulk(Ch("two"))));
        Assert.That(q.Execute("PUBSUB", "CHANNELS", Ch("t*")), Is.EqualTo(Arr(Bulk(Ch("two")))));
        Assert.That(q.Execute("PUBSUB", "CHANNELS", "a", "b"), Is.EqualTo(Err("ERR unknown subcommand or wrong number of arguments for 'CHANNELS'. Try PUBSUB HELP.")));
        Assert.That(q.Execute("PUBSUB", "NUMPAT", "x"), Is.EqualTo(Err("ERR wrong number of arguments for 'pubsub|numpat' command")));
        Assert.That(q.Execute("PUBSUB", "HELP"), Does.StartWith("*14\r\n+PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n"));

        var info = q.Execute("INFO", "stats");
        Assert.That(InfoParser.Field(info, "pubsub_channels"), Is.EqualTo(2));
        Assert.That(InfoParser.Field(info, "pubsub_patterns"), Is.EqualTo(2));
        Assert.That(InfoParser.Field(q.Execute("INFO", "clients"), "pubsub_clients"), Is.EqualTo(2));

        string list = BulkText(q.Execute("CLIENT", "LIST"));
        string bLine = list.Split('\n').Single(l => l.Contains(" sub=2 "));
        Assert.That(bLine, Does.Contain(" flags=P ").And.Contain(" sub=2 psub=2 ssub=0 "));
        Assert.That(BulkText(q.Execute("CLIENT", "LIST", "TYPE", "pubsub")).Trim().Split('\n'), Has.Length.EqualTo(2));
    }

    [Test]
    public void CommandRowsMatchValkey()
    {
        Assert.That(Execute("COMMAND", "INFO", "publish"), Does.Contain("+pubsub\r\n+loading\r\n+stale\r\n+fast\r\n"));
        Assert.That(Execute("COMMAND", "INFO", "subscribe"), Does.StartWith("*1\r\n*10\r\n$9\r\nsubscribe\r\n:-2\r\n"));
        Assert.That(Execute("COMMAND", "GETKEYS", "SPUBLISH", "ch", "m"), Is.EqualTo(Err("ERR The command has no key arguments")), "shard channels are NOT_KEY");
    }

    // ---- client-output-buffer-limit (pubsub class) -------------------------------------------------------------

    [Test]
    public void OutputBufferLimitConfigRoundTripsAsValkey()
    {
        Assert.That(Execute("CONFIG", "GET", "client-output-buffer-limit"),
            Is.EqualTo($"*2\r\n{Bulk("client-output-buffer-limit")}{Bulk("normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60")}"));
        Assert.That(Execute("CONFIG", "SET", "client-output-buffer-limit", "wrong number"),
            Does.Contain("Wrong number of arguments in buffer limit configuration."));
        Assert.That(Execute("CONFIG", "SET", "client-output-buffer-limit", "master 10mb 10mb 60"),
            Does.Contain("Invalid client class specified in buffer limit configuration."));
        Assert.That(Execute("CONFIG", "SET", "client-output-buffer-limit", "normal 10mbs 10mb 60"), Does.Contain("Error in hard limit"));
        Assert.That(Execute("CONFIG", "SET", "client-output-buffer-limit", "pubsub 10mb 10mb 60s"), Does.Contain("Error in soft_seconds setting"));
        try
        {
            Assert.That(Execute("CONFIG", "SET", "client-output-buffer-limit", "normal 1mb 2mb 60 replica 3mb 4mb 70 pubsub 5mb 6mb 80"), Is.EqualTo("+OK\r\n"));
            Assert.That(Execute("CONFIG", "GET", "client-output-buffer-limit"), Is.EqualTo(
                $"*2\r\n{Bulk("client-output-buffer-limit")}{Bulk("normal 1048576 2097152 60 slave 3145728 4194304 70 pubsub 5242880 6291456 80")}"));
        }
        finally
        {
            Execute("CONFIG", "SET", "client-output-buffer-limit", "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60");
        }
    }

    [Test]
    public void SubscriberOverTheHardLimitIsDisconnected()
    {
        Assert.That(Execute("CONFIG", "SET", "client-output-buffer-limit", "pubsub 100000 0 0"), Is.EqualTo("+OK\r\n"));
        try
        {
            using var slow = Raw();
            using var pub = Raw();
            slow.Execute("SUBSCRIBE", Ch());
            long before = InfoParser.Field(pub.Execute("INFO", "stats"), "client_output_buffer_limit_disconnections");
            string payload = new('x', 64 * 1024);
            // The slow subscriber never reads: once the socket buffers fill up its pending output grows past the limit.
            for (int i = 0; i < 2000 && pub.Execute("PUBLISH", Ch(), payload) != Int(0); i++) { }
            Assert.That(pub.Execute("PUBLISH", Ch(), "x"), Is.EqualTo(Int(0)), "the subscriber was closed and unsubscribed");
            Assert.That(InfoParser.Field(pub.Execute("INFO", "stats"), "client_output_buffer_limit_disconnections"), Is.EqualTo(before + 1));
        }
        finally
        {
            Execute("CONFIG", "SET", "client-output-buffer-limit", "pubsub 32mb 8mb 60");
        }
    }

    // ---- StackExchange.Redis -----------------------------------------------------------------------------------

    [Test]
    public void StackExchangeSubscriberReceivesChannelAndPatternMessages()
    {
        var subscriber = Redis.GetSubscriber();
        var received = new BlockingCollection<string>();
        var channel = RedisChannel.Literal(Ch("se"));
        var pattern = RedisChannel.Pattern(Ch("se*"));
        subscriber.Subscribe(channel, (ch, msg) => received.Add($"literal {ch} {msg}"));
        subscriber.Subscribe(pattern, (ch, msg) => received.Add($"pattern {ch} {msg}"));
        long receivers = subscriber.Publish(channel, "hello");
        Assert.That(receivers, Is.EqualTo(2));
        var got = new List<string>();
        for (int i = 0; i < 2; i++)
        {
            Assert.That(received.TryTake(out var m, TimeSpan.FromSeconds(5)), Is.True);
            got.Add(m!);
        }
        Assert.That(got, Is.EquivalentTo(new[] { $"literal {Ch("se")} hello", $"pattern {Ch("se")} hello" }));
        subscriber.UnsubscribeAll();
        Assert.That(() => subscriber.Publish(channel, "x"), Is.EqualTo(0).After(2000, 20));
    }
}
