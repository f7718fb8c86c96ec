using System.Collections.Concurrent;
using NUnit.Framework;
using StackExchange.Redis;
using Valkey.Native.Tests.Infrastructure;
using static Valkey.Native.Tests.Infrastructure.Resp;

namespace Valkey.Native.Tests.Integration;

/// <summary>
/// Keyspace notifications (notify-keyspace-events, Valkey's notify.c) on a server of its own (the
/// parameter is global): the flag string round trip of CONFIG GET, keyspace and keyevent channels
/// byte-exact in RESP2 and RESP3, class masking, 'A' leaving out 'n' and 'm', the new-key and
/// key-miss events, expired events (lazy and active), string/list/set/hash/zset events and hash
/// field TTL events (hexpire, hexpired, hpersist), and subscribing through StackExchange.Redis.
/// </summary>
[TestFixture]
public class KeyspaceNotificationTests : OwnServerFixture
{
    private static string K(string name = "k") => $"{TestContext.CurrentContext.Test.Name}:{name}";

    private static string PMessage(string pattern, string channel, string message) =>
        $"*4\r\n{Bulk("pmessage")}{Bulk(pattern)}{Bulk(channel)}{Bulk(message)}";

    private static string Space(string key, string ev) => PMessage("*", $"__keyspace@0__:{key}", ev);
    private static string Event(string ev, string key) => PMessage("*", $"__keyevent@0__:{ev}", key);

    private void Flags(string flags) => Assert.That(Execute("CONFIG", "SET", "notify-keyspace-events", flags), Is.EqualTo("+OK\r\n"));

    [TearDown]
    public void NotificationsOff() => Execute("CONFIG", "SET", "notify-keyspace-events", "");

    /// <summary>A RESP2 client psubscribed to everything.</summary>
    private RawRespClient Listener(string pattern = "*")
    {
        var c = Raw();
        Assert.That(c.Execute("PSUBSCRIBE", pattern), Is.EqualTo($"*3\r\n{Bulk("psubscribe")}{Bulk(pattern)}{Int(1)}"));
        return c;
    }

    private static void NothingMore(RawRespClient c) => Assert.That(c.WaitForData(TimeSpan.FromMilliseconds(150)), Is.False, "no more events");

    // ---- the parameter ----------------------------------------------------------------------------------

    [TestCase("", "")]
    [TestCase("gKE", "gKE")]
    [TestCase("$lshzxeKE", "$lshzxeKE")]
    [TestCase("KA", "AK")]
    [TestCase("EA", "AE")]
    [TestCase("Kgxmn", "gxnKm")]
    [TestCase("AKEmn", "AKEm")] // Valkey prints 'A' and drops 'n' even when it is set
    [TestCase("tdKE", "tdKE")]
    public void ConfigGetRoundTripsFlagsAsValkey(string set, string expected)
    {
        Flags(set);
        Assert.That(Execute("CONFIG", "GET", "notify-keyspace-events"), Is.EqualTo($"*2\r\n{Bulk("notify-keyspace-events")}{Bulk(expected)}"));
    }

    [Test]
    public void InvalidClassCharacterIsRejected()
    {
        Assert.That(Execute("CONFIG", "SET", "notify-keyspace-events", "KEq"),
            Is.EqualTo(Err("ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - Invalid event class character. Use 'Ag$lshzxeKEtmdn'.")));
        Assert.That(Execute("CONFIG", "GET", "notify-keyspace-events"), Is.EqualTo($"*2\r\n{Bulk("notify-keyspace-events")}{Bulk("")}"));
    }

    // ---- channels and masking ------------------------------------------------------------------------------

    [Test]
    public void KeyspaceAndKeyeventChannels()
    {
        Flags("KEA");
        using var l = Listener();
        Execute("SET", K(), "v");
        Assert.That(l.ReadReply(), Is.EqualTo(Space(K(), "set")));
        Assert.That(l.ReadReply(), Is.EqualTo(Event("set", K())));
        NothingMore(l);
    }

    [Test]
    public void EventsInOtherDatabasesCarryTheirNumber()
    {
        Flags("E$");
        using var l = Listener();
        using var c = Raw();
        c.Execute("SELECT", "9");
        c.Execute("SET", K(), "v");
        Assert.That(l.ReadReply(), Is.EqualTo(PMessage("*", "__keyevent@9__:set", K())));
        c.Execute("FLUSHDB");
    }

    [Test]
    public void NoKOrENoEvents()
    {
        Flags("A");
        using var l = Listener();
        Execute("SET", K(), "v");
        NothingMore(l);
    }

    [Test]
    public void ClassesAreMasked()
    {
        Flags("Kl");
        using var l = Listener();
        Execute("SET", K("s"), "v");
        Execute("LPUSH", K("l"), "a");
        Assert.That(l.ReadReply(), Is.EqualTo(Space(K("l"), "lpush")), "no string event: only lists are on");
        NothingMore(l);
    }

    [Test]
    public void ChannelSubscriberGetsExactResp3Push()
    {
        Flags("KE$");
        using var c = Raw();
        Assert.That(c.Execute("HELLO", "3"), Does.StartWith("%"));
        string channel = $"__keyspace@0__:{K()}";
        Assert.That(c.Execute("SUBSCRIBE", channel), Is.EqualTo($">3\r\n{Bulk("subscribe")}{Bulk(channel)}{Int(1)}"));
        Execute("APPEND", K(), "x");
        Assert.That(c.ReadReply(), Is.EqualTo($">3\r\n{Bulk("message")}{Bulk(channel)}{Bulk("append")}"));
    }

    [Test]
    public void OwnChangesArriveAfterTheCommandReply()
    {
        Flags("E$");
        using var c = Raw();
        Assert.That(c.Execute("HELLO", "3"), Does.StartWith("%"));
        c.Execute("SUBSCRIBE", "__keyevent@0__:set");
        c.SendCommand("SET", K(), "v");
        Assert.That(c.ReadReply(), Is.EqualTo("+OK\r\n"));
        Assert.That(c.ReadReply(), Is.EqualTo($">3\r\n{Bulk("message")}{Bulk("__keyevent@0__:set")}{Bulk(K())}"));
    }

    // ---- new and key-miss events: not part of 'A' ------------------------------------------------------------

    [Test]
    public void NewKeyEventsOnlyWithN()
    {
        Flags("EA");
        using (var l = Listener("__keyevent@0__:new"))
        {
            Execute("SET", K("a"), "v");
            NothingMore(l);
        }
        Flags("En");
        using var l2 = Listener();
        Execute("SET", K("b"), "v");
        Execute("SET", K("b"), "w");
        Execute("RPUSH", K("c"), "x");
        Assert.That(l2.ReadReply(), Is.EqualTo(Event("new", K("b"))));
        Assert.That(l2.ReadReply(), Is.EqualTo(Event("new", K("c"))), "overwriting an existing key is not new");
        NothingMore(l2);
    }

    [Test]
    public void KeyMissEventsOnlyWithM()
    {
        Flags("EA");
        using (var l = Listener("__keyevent@0__:keymiss"))
        {
            Execute("GET", K("none"));
            NothingMore(l);
        }
        Flags("Em");
        using var l2 = Listener();
        Execute("GET", K("none"));
        Execute("SET", K("none"), "v");
        Execute("GET", K("none"));
        Assert.That(l2.ReadReply(), Is.EqualTo(Event("keymiss", K("none"))));
        NothingMore(l2);
    }

    // ---- families ------------------------------------------------------------------------------------------------

    [Test]
    public void GenericAndStringEvents()
    {
        Flags("KEg$");
        using var l = Listener();
        Execute("SET", K(), "1");
        Execute("INCRBY", K(), "2");
        Execute("EXPIRE", K(), "100");
        Execute("DEL", K());
        Assert.That(l.ReadReplies(8), Is.EqualTo(new[]
        {
            Space(K(), "set"), Event("set", K()),
            Space(K(), "incrby"), Event("incrby", K()),
            Space(K(), "expire"), Event("expire", K()),
            Space(K(), "del"), Event("del", K()),
        }));
    }

    [Test]
    public void ListEvents()
    {
        Flags("El");
        using var l = Listener();
        Execute("LPUSH", K(), "a");
        Execute("RPUSH", K(), "b");
        Execute("RPOP", K());
        Assert.That(l.ReadReplies(3), Is.EqualTo(new[] { Event("lpush", K()), Event("rpush", K()), Event("rpop", K()) }));
    }

    [Test]
    public void SetEventsOnlyWhenSomethingChanged()
    {
        Flags("Ks");
        using var l = Listener();
        Execute("SADD", K(), "a", "b");
        Execute("SREM", K(), "x");
        Execute("SADD", K(), "a");
        Execute("SREM", K(), "a");
        Assert.That(l.ReadReplies(2), Is.EqualTo(new[] { Space(K(), "sadd"), Space(K(), "srem") }));
        NothingMore(l);
    }

    [Test]
    public void HashEvents()
    {
        Flags("Kh");
        using var l = Listener();
        Execute("HMSET", K(), "yes", "1", "no", "0");
        Execute("HINCRBY", K(), "yes", "10");
        Execute("HDEL", K(), "no");
        Assert.That(l.ReadReplies(3), Is.EqualTo(new[] { Space(K(), "hset"), Space(K(), "hincrby"), Space(K(), "hdel") }));
    }

    [Test]
    public void SortedSetEvents()
    {
        Flags("Kz");
        using var l = Listener();
        Execute("ZADD", K(), "1", "a", "2", "b");
        Execute("ZREM", K(), "x");
        Execute("ZINCRBY", K(), "5", "a");
        Execute("ZREM", K(), "a");
        Assert.That(l.ReadReplies(3), Is.EqualTo(new[] { Space(K(), "zadd"), Space(K(), "zincr"), Space(K(), "zrem") }));
        NothingMore(l);
    }

    [Test]
    public void ExpiredEventFromLazyAndActiveExpiry()
    {
        Flags("Ex");
        using var l = Listener();
        Execute("PSETEX", K("active"), "50", "v");
        Assert.That(l.ReadReply(), Is.EqualTo(Event("expired", K("active"))), "the active cycle expires it");
        Execute("DEBUG", "SET-ACTIVE-EXPIRE", "0");
        try
        {
            Execute("PSETEX", K("lazy"), "10", "v");
            Thread.Sleep(50);
            Assert.That(Execute("GET", K("lazy")), Is.EqualTo("$-1\r\n"));
            Assert.That(l.ReadReply(), Is.EqualTo(Event("expired", K("lazy"))));
        }
        finally
        {
            Execute("DEBUG", "SET-ACTIVE-EXPIRE", "1");
        }
    }

    // ---- hash field TTL -----------------------------------------------------------------------------------------------

    [Test]
    public void HashFieldExpireEvents()
    {
        Flags("KEA");
        using var l = Listener("__keyevent@*");
        Execute("HSET", K(), "f1", "v1", "f2", "v2");
        Execute("HEXPIRE", K(), "100", "FIELDS", "1", "f1");
        Execute("HPERSIST", K(), "FIELDS", "1", "f1");
        Execute("HPEXPIRE", K(), "1", "FIELDS", "1", "f2");
        string P(string ev) => PMessage("__keyevent@*", $"__keyevent@0__:{ev}", K());
        Assert.That(l.ReadReplies(4), Is.EqualTo(new[] { P("hset"), P("hexpire"), P("hpersist"), P("hexpire") }));
        Assert.That(l.ReadReply(), Is.EqualTo(P("hexpired")), "the field expires in the background");
        Execute("HPEXPIRE", K(), "1", "FIELDS", "1", "f1");
        Assert.That(l.ReadReplies(3), Is.EqualTo(new[] { P("hexpire"), P("hexpired"), P("del") }), "the last field going deletes the key");
    }

    [Test]
    public void HexpireInThePastDeletesAtOnce()
    {
        Flags("Eh");
        using var l = Listener();
        Execute("HSET", K(), "f", "v", "g", "w");
        Execute("HEXPIREAT", K(), "1", "FIELDS", "1", "f");
        Assert.That(l.ReadReplies(2), Is.EqualTo(new[] { Event("hset", K()), Event("hexpired", K()) }));
    }

    // ---- StackExchange.Redis ------------------------------------------------------------------------------------------------

    [Test]
    public void StackExchangeSubscriberSeesKeyspaceEvents()
    {
        Flags("K$");
        var received = new BlockingCollection<string>();
        var sub = Redis.GetSubscriber();
        var channel = RedisChannel.Literal($"__keyspace@0__:{K()}");
        sub.Subscribe(channel, (_, msg) => received.Add(msg!));
        Redis.GetDatabase().StringSet(K(), "v");
        Assert.That(received.TryTake(out var ev, TimeSpan.FromSeconds(5)), Is.True);
        Assert.That(ev, Is.EqualTo("set"));
        sub.Unsubscribe(channel);
    }
}
