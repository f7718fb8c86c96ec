using NUnit.Framework;
using Valkey.Native.Tests.Infrastructure;
using static Valkey.Native.Tests.Infrastructure.Resp;

namespace Valkey.Native.Tests.Integration;

/// <summary>
/// Client-side caching (CLIENT TRACKING / CACHING / GETREDIR / TRACKINGINFO) on a server of its
/// own (the tracking table, FLUSHALL and tracking-table-max-keys are global): byte-exact RESP3
/// invalidation pushes after writes of every kind, RESP2 invalidations through a REDIRECT client
/// subscribed to __redis__:invalidate, flush invalidations, expiry, BCAST prefixes, OPTIN/OPTOUT,
/// NOLOOP, the table limit, broken redirects, CLIENT LIST / INFO fields and the error replies.
/// Keys are per test.
/// </summary>
[TestFixture]
public class ClientTrackingTests : OwnServerFixture
{
    protected override string[] ServerArguments => ["--enable-debug-command", "yes"];

    private static string K(string name = "k") => $"{TestContext.CurrentContext.Test.Name}:{name}";

    private static string Invalidate(params string[] keys) =>
        ">2\r\n$10\r\ninvalidate\r\n" + $"*{keys.Length}\r\n" + string.Concat(keys.Select(Bulk));

    private const string FlushPush = ">2\r\n$10\r\ninvalidate\r\n_\r\n";

    private static string RedirectMessage(params string[] keys) =>
        "*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n" + $"*{keys.Length}\r\n" + string.Concat(keys.Select(Bulk));

    private RawRespClient Resp3()
    {
        var c = Raw();
        Assert.That(c.Execute("HELLO", "3"), Does.StartWith("%"));
        return c;
    }

    private RawRespClient Tracker(params string[] options)
    {
        var c = Resp3();
        Assert.That(c.Execute(["CLIENT", "TRACKING", "ON", .. options]), Is.EqualTo("+OK\r\n"));
        return c;
    }

    /// <summary>Nothing (no push) is waiting: a PING answers PONG first.</summary>
    private static void AssertNothingPending(RawRespClient c, string because)
    {
        Assert.That(c.WaitForData(TimeSpan.FromMilliseconds(100)), Is.False, because);
        Assert.That(c.Execute("PING"), Is.EqualTo("+PONG\r\n"), because);
    }

    private static string InfoOf(RawRespClient c, params string[] sections) => BulkText(c.Execute(["INFO", .. sections]));

    private static long ClientId(RawRespClient c) => Integer(c.Execute("CLIENT", "ID"));

    // ---- default mode: every kind of write invalidates keys the client read --------------------------

    [Test]
    public void EveryKindOfWriteInvalidatesAReadKey()
    {
        using var tracker = Tracker();
        using var writer = Raw();
        string s = K("s"), l = K("l"), h = K("h"), st = K("set"), z = K("z"), src = K("src"), dst = K("dst");
        writer.Execute("SET", s, "1");
        writer.Execute("RPUSH", l, "a");
        writer.Execute("HSET", h, "f", "v");
        writer.Execute("SADD", st, "m");
        writer.Execute("ZADD", z, "1", "m");
        writer.Execute("SET", src, "x");

        void Check(string readKey, string[] read, string[] write, string because)
        {
            tracker.Execute(read);
            writer.Execute(write);
            Assert.That(tracker.ReadReply(), Is.EqualTo(Invalidate(readKey)), because);
        }

        Check(s, ["GET", s], ["SET", s, "2"], "SET");
        Check(s, ["GET", s], ["APPEND", s, "x"], "APPEND");
        Check(s, ["STRLEN", s], ["SET", s, "5"], "a read of another kind registers the key too");
        Check(s, ["GET", s], ["INCR", s], "INCR");
        Check(l, ["LRANGE", l, "0", "-1"], ["LPUSH", l, "b"], "LPUSH");
        Check(l, ["LLEN", l], ["RPOP", l], "RPOP");
        Check(h, ["HGET", h, "f"], ["HSET", h, "g", "w"], "HSET");
        Check(h, ["HGETALL", h], ["HDEL", h, "g"], "HDEL");
        Check(st, ["SMEMBERS", st], ["SADD", st, "n"], "SADD");
        Check(st, ["SISMEMBER", st, "m"], ["SREM", st, "n"], "SREM");
        Check(z, ["ZRANGE", z, "0", "-1"], ["ZADD", z, "2", "n"], "ZADD");
        Check(z, ["ZSCORE", z, "m"], ["ZINCRBY", z, "1", "m"], "ZINCRBY");
        Check(s, ["GET", s], ["EXPIRE", s, "100"], "EXPIRE");
        Check(s, ["GET", s], ["PERSIST", s], "PERSIST");
        Check(h, ["HLEN", h], ["DEL", h], "DEL");
        Check(st, ["SCARD", st], ["UNLINK", st], "UNLINK");

        tracker.Execute("MGET", src, dst);
        writer.Execute("RENAME", src, dst);
        string[] both = [tracker.ReadReply(), tracker.ReadReply()];
        Assert.That(both, Is.EquivalentTo(new[] { Invalidate(src), Invalidate(dst) }), "RENAME invalidates both names");
    }

    [Test]
    public void AKeyIsInvalidatedOnceUntilReadAgain()
    {
        using var tracker = Tracker();
        using var writer = Raw();
        string k = K(), other = K("other");
        writer.Execute("SET", k, "1");
        tracker.Execute("GET", k);
        writer.Execute("SET", other, "1");
        AssertNothingPending(tracker, "a key the client never read sends nothing");
        writer.Execute("SET", k, "2");
        Assert.That(tracker.ReadReply(), Is.EqualTo(Invalidate(k)));
        writer.Execute("SET", k, "3");
        AssertNothingPending(tracker, "the key left the table with its first invalidation");
        tracker.Execute("GET", k);
        writer.Execute("SET", k, "4");
        Assert.That(tracker.ReadReply(), Is.EqualTo(Invalidate(k)), "reading again registers it again");
    }

    [Test]
    public void OwnWritesAreInvalidatedAfterTheReply()
    {
        using var tracker = Tracker();
        string h = K();
        tracker.Execute("HSET", h, "f", "1");
        tracker.Execute("HGET", h, "f");
        tracker.SendCommand("HDEL", h, "f");
        Assert.That(tracker.ReadReply(), Is.EqualTo(Int(1)), "the reply comes first");
        Assert.That(tracker.ReadReply(), Is.EqualTo(Invalidate(h)));
    }

    [Test]
    public void InvalidationsInsideATransactionFollowTheExecReply()
    {
        using var tracker = Tracker();
        string a = K("a"), b = K("b");
        tracker.Execute("MSET", a, "1", b, "2");
        tracker.Execute("GET", a);
        tracker.Execute("MULTI");
        tracker.Execute("INCR", a);
        tracker.Execute("GET", b);
        Assert.That(tracker.Execute("EXEC"), Is.EqualTo("*2\r\n:2\r\n$1\r\n2\r\n"));
        Assert.That(tracker.ReadReply(), Is.EqualTo(Invalidate(a)));
    }

    [Test]
    public void ConnectionsThatDoNotTrackGetNoPushes()
    {
        using var plain = Resp3();
        using var writer = Raw();
        string k = K();
        plain.Execute("GET", k);
        writer.Execute("SET", k, "1");
        AssertNothingPending(plain, "tracking is off");
        using var resp2 = Raw();
        Assert.That(resp2.Execute("CLIENT", "TRACKING", "ON"), Is.EqualTo("+OK\r\n"));
        resp2.Execute("GET", k);
        writer.Execute("SET", k, "2");
        AssertNothingPending(resp2, "a RESP2 connection without redirect cannot receive pushes");
    }

    // ---- RESP2 through a redirect client ----------------------------------------------------------------

    [Test]
    public void Resp2InvalidationsArriveOnTheRedirectClientsChannel()
    {
        using var sub = Raw();
        long subId = ClientId(sub);
        Assert.That(sub.Execute("SUBSCRIBE", "__redis__:invalidate"), Does.StartWith("*3\r\n$9\r\nsubscribe\r\n"));
        using var tracker = Raw();
        Assert.That(tracker.Execute("CLIENT", "TRACKING", "ON", "REDIRECT", subId.ToString()), Is.EqualTo("+OK\r\n"));
        using var writer = Raw();
        string k = K();
        writer.Execute("SET", k, "1");
        tracker.Execute("GET", k);
        writer.Execute("INCR", k);
        Assert.That(sub.ReadReply(), Is.EqualTo(RedirectMessage(k)));
        Assert.That(tracker.Execute("CLIENT", "GETREDIR"), Is.EqualTo(Int(subId)));

        tracker.Execute("GET", k);
        writer.Execute("FLUSHDB");
        Assert.That(sub.ReadReply(), Is.EqualTo("*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n$-1\r\n"),
            "a flush is a null invalidation");
        Assert.That(tracker.Execute("CLIENT", "TRACKING", "OFF"), Is.EqualTo("+OK\r\n"));
    }

    [Test]
    public void RedirectToAResp3ClientIsAPush()
    {
        using var target = Resp3();
        long id = ClientId(target);
        using var tracker = Raw();
        tracker.Execute("CLIENT", "TRACKING", "ON", "REDIRECT", id.ToString());
        using var writer = Raw();
        string k = K();
        tracker.Execute("GET", k);
        writer.Execute("SET", k, "1");
        Assert.That(target.ReadReply(), Is.EqualTo(Invalidate(k)));
        AssertNothingPending(tracker, "the tracking client itself gets nothing");
        tracker.Execute("CLIENT", "TRACKING", "OFF");
    }

    [Test]
    public void BrokenRedirectIsReportedToAResp3Client()
    {
        var target = Raw();
        long id = ClientId(target);
        using var tracker = Resp3();
        using var writer = Raw();
        tracker.Execute("CLIENT", "TRACKING", "ON", "REDIRECT", id.ToString());
        string k = K();
        tracker.Execute("GET", k);
        Assert.That(target.Execute("QUIT"), Is.EqualTo("+OK\r\n"));
        Assert.That(target.IsClosed(TimeSpan.FromSeconds(5)), Is.True);
        target.Dispose();
        writer.Execute("SET", k, "1");
        Assert.That(tracker.ReadReply(), Is.EqualTo($">2\r\n$21\r\ntracking-redir-broken\r\n:{id}\r\n"));
        string info = tracker.Execute("CLIENT", "TRACKINGINFO");
        Assert.That(info, Is.EqualTo($"%3\r\n$5\r\nflags\r\n~2\r\n$2\r\non\r\n$15\r\nbroken_redirect\r\n$8\r\nredirect\r\n:{id}\r\n$8\r\nprefixes\r\n*0\r\n"));
        Assert.That(tracker.Execute("CLIENT", "INFO"), Does.Contain(" flags=tR ").And.Contain($" redir={id} "));
        tracker.Execute("CLIENT", "TRACKING", "OFF");
    }

    // ---- flushes and expiry ------------------------------------------------------------------------------

    [Test]
    public void FlushAllSendsOneNullInvalidationAndEmptiesTheTable()
    {
        using var tracker = Tracker();
        using var other = Tracker();
        using var writer = Raw();
        tracker.Execute("GET", K("a"));
        tracker.Execute("GET", K("b"));
        Assert.That(InfoParser.Field(InfoOf(writer, "stats"), "tracking_total_keys"), Is.GreaterThanOrEqualTo(2));
        writer.Execute("FLUSHALL");
        Assert.That(tracker.ReadReply(), Is.EqualTo(FlushPush));
        Assert.That(other.ReadReply(), Is.EqualTo(FlushPush), "every tracking client, even one that read nothing");
        AssertNothingPending(tracker, "one message for all databases");
        Assert.That(InfoParser.Field(InfoOf(writer, "stats"), "tracking_total_keys"), Is.EqualTo(0));
        Assert.That(InfoParser.Field(InfoOf(writer, "stats"), "tracking_total_items"), Is.EqualTo(0));

        tracker.SendCommand("FLUSHDB", "ASYNC");
        Assert.That(tracker.ReadReply(), Is.EqualTo("+OK\r\n"));
        Assert.That(tracker.ReadReply(), Is.EqualTo(FlushPush), "the flushing client gets it after its reply");
        Assert.That(other.ReadReply(), Is.EqualTo(FlushPush));
    }

    [Test]
    public void ActiveAndLazyExpiryInvalidate()
    {
        using var tracker = Tracker();
        using var writer = Raw();
        string active = K("active"), lazy = K("lazy");
        writer.Execute("SET", active, "v", "PX", "30");
        tracker.Execute("GET", active);
        Assert.That(tracker.ReadReply(), Is.EqualTo(Invalidate(active)), "the active expire cycle removes it");

        Assert.That(writer.Execute("DEBUG", "SET-ACTIVE-EXPIRE", "0"), Is.EqualTo("+OK\r\n"));
        try
        {
            writer.Execute("SET", lazy, "v", "PX", "30");
            tracker.Execute("GET", lazy);
            Thread.Sleep(80);
            AssertNothingPending(tracker, "nothing expires it while active expiry is off");
            Assert.That(writer.Execute("EXISTS", lazy), Is.EqualTo(Int(0)));
            Assert.That(tracker.ReadReply(), Is.EqualTo(Invalidate(lazy)), "the lazy expiry on access");
        }
        finally
        {
            writer.Execute("DEBUG", "SET-ACTIVE-EXPIRE", "1");
        }
    }

    // ---- BCAST ----------------------------------------------------------------------------------------------

    [Test]
    public void BcastSendsKeysUnderEachPrefixWithoutReading()
    {
        string p1 = K("u:"), p2 = K("o:");
        using var tracker = Tracker("BCAST", "PREFIX", p1, "PREFIX", p2);
        using var writer = Raw();
        writer.Execute("MULTI");
        writer.Execute("SET", p1 + "2", "x");
        writer.Execute("SET", p1 + "1", "x");
        writer.Execute("SET", p2 + "1", "x");
        writer.Execute("SET", K("other"), "x");
        writer.Execute("EXEC");
        string[] got = [tracker.ReadReply(), tracker.ReadReply()];
        Assert.That(got, Is.EquivalentTo(new[] { Invalidate(p1 + "1", p1 + "2"), Invalidate(p2 + "1") }),
            "one message per prefix, keys in byte order");
        AssertNothingPending(tracker, "keys outside the prefixes are not sent");
        string info = tracker.Execute("CLIENT", "TRACKINGINFO");
        Assert.That(info, Does.Contain("~2\r\n$2\r\non\r\n$5\r\nbcast\r\n"));
        string[] sorted = [p1, p2];
        Array.Sort(sorted, StringComparer.Ordinal);
        Assert.That(info, Does.EndWith($"$8\r\nprefixes\r\n*2\r\n{Bulk(sorted[0])}{Bulk(sorted[1])}"));
        Assert.That(tracker.Execute("CLIENT", "INFO"), Does.Contain(" flags=tB "));
        Assert.That(InfoParser.Field(InfoOf(writer), "tracking_total_prefixes"), Is.GreaterThanOrEqualTo(2));
    }

    [Test]
    public void BcastWithNoLoopSkipsOwnWrites()
    {
        string prefix = K("p:");
        using var tracker = Tracker("BCAST", "PREFIX", prefix, "NOLOOP");
        using var writer = Raw();
        tracker.Execute("SET", prefix + "mine", "1");
        writer.Execute("SET", prefix + "theirs", "1");
        Assert.That(tracker.ReadReply(), Is.EqualTo(Invalidate(prefix + "theirs")));
        AssertNothingPending(tracker, "its own write is not reported");
    }

    [Test]
    public void PrefixesMustNotOverlap()
    {
        using var c = Raw();
        Assert.That(c.Execute("CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "FOOBAR", "PREFIX", "FOO"),
            Is.EqualTo(Err("ERR Prefix 'FOOBAR' overlaps with another provided prefix 'FOO'. Prefixes for a single client must not overlap.")));
        Assert.That(c.Execute("CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "FOO", "PREFIX", "BAR"), Is.EqualTo("+OK\r\n"));
        Assert.That(c.Execute("CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "FO"),
            Is.EqualTo(Err("ERR Prefix 'FO' overlaps with an existing prefix 'FOO'. Prefixes for a single client must not overlap.")));
        Assert.That(c.Execute("CLIENT", "TRACKING", "ON", "PREFIX", "X"), Is.EqualTo(Err("ERR PREFIX option requires BCAST mode to be enabled")));
        Assert.That(c.Execute("CLIENT", "TRACKING", "ON"),
            Is.EqualTo(Err("ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.")));
        Assert.That(c.Execute("CLIENT", "TRACKING", "OFF"), Is.EqualTo("+OK\r\n"));
    }

    // ---- OPTIN / OPTOUT / NOLOOP ---------------------------------------------------------------------------

    [Test]
    public void OptInTracksOnlyAfterCachingYes()
    {
        using var tracker = Tracker("OPTIN");
        using var writer = Raw();
        string a = K("a"), b = K("b");
        tracker.Execute("GET", a);
        writer.Execute("SET", a, "1");
        AssertNothingPending(tracker, "OPTIN without CLIENT CACHING yes");
        Assert.That(tracker.Execute("CLIENT", "CACHING", "YES"), Is.EqualTo("+OK\r\n"));
        Assert.That(tracker.Execute("CLIENT", "TRACKINGINFO"), Does.Contain("$5\r\noptin\r\n$11\r\ncaching-yes\r\n"));
        tracker.Execute("GET", b);
        tracker.Execute("GET", a);
        writer.Execute("SET", a, "2");
        writer.Execute("SET", b, "2");
        Assert.That(tracker.ReadReply(), Is.EqualTo(Invalidate(b)), "CACHING yes covers the next command only");
        AssertNothingPending(tracker, "the second GET was not tracked");
        Assert.That(tracker.Execute("CLIENT", "CACHING", "NO"),
            Is.EqualTo(Err("ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.")));
    }

    [Test]
    public void OptOutTracksUnlessCachingNo()
    {
        using var tracker = Tracker("OPTOUT");
        using var writer = Raw();
        string a = K("a"), b = K("b");
        Assert.That(tracker.Execute("CLIENT", "CACHING", "NO"), Is.EqualTo("+OK\r\n"));
        tracker.Execute("GET", a);
        tracker.Execute("GET", b);
        writer.Execute("SET", a, "1");
        writer.Execute("SET", b, "1");
        Assert.That(tracker.ReadReply(), Is.EqualTo(Invalidate(b)), "only the command after CACHING no was skipped");
        AssertNothingPending(tracker, "a was not tracked");
        Assert.That(tracker.Execute("CLIENT", "CACHING", "YES"),
            Is.EqualTo(Err("ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.")));
        Assert.That(tracker.Execute("CLIENT", "TRACKING", "ON", "OPTIN"),
            Is.EqualTo(Err("ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.")));
    }

    [Test]
    public void NoLoopSkipsOwnWritesInDefaultMode()
    {
        using var tracker = Tracker("NOLOOP");
        using var writer = Raw();
        string mine = K("mine"), theirs = K("theirs");
        tracker.Execute("MGET", mine, theirs);
        tracker.Execute("SET", mine, "1");
        writer.Execute("SET", theirs, "1");
        Assert.That(tracker.ReadReply(), Is.EqualTo(Invalidate(theirs)));
        AssertNothingPending(tracker, "NOLOOP: no message for its own write");
        Assert.That(tracker.Execute("CLIENT", "TRACKINGINFO"), Does.StartWith("%3\r\n$5\r\nflags\r\n~2\r\n$2\r\non\r\n$6\r\nnoloop\r\n"));
    }

    // ---- the table limit ----------------------------------------------------------------------------------------

    [Test]
    public void TableLimitEvictsKeysWithInvalidations()
    {
        using var admin = Raw();
        admin.Execute("FLUSHALL");
        using var tracker = Tracker();
        string[] keys = [K("1"), K("2"), K("3")];
        tracker.Execute(["MGET", .. keys]);
        Assert.That(InfoParser.Field(InfoOf(admin, "stats"), "tracking_total_keys"), Is.EqualTo(3));
        try
        {
            Assert.That(admin.Execute("CONFIG", "SET", "tracking-table-max-keys", "1"), Is.EqualTo("+OK\r\n"));
            admin.Execute("PING"); // the limit is applied before each command (and by the cron)
            var got = new List<string> { tracker.ReadReply(), tracker.ReadReply() };
            Assert.That(got.Distinct().Count(), Is.EqualTo(2));
            Assert.That(got, Is.SubsetOf(keys.Select(k => Invalidate(k))));
            Assert.That(InfoParser.Field(InfoOf(admin, "stats"), "tracking_total_keys"), Is.EqualTo(1));
            AssertNothingPending(tracker, "only the excess is evicted");
        }
        finally
        {
            admin.Execute("CONFIG", "SET", "tracking-table-max-keys", "1000000");
        }
    }

    [Test]
    public void TableLimitEvictsRandomKeysNotTheOldest()
    {
        using var admin = Raw();
        admin.Execute("FLUSHALL");
        using var tracker = Tracker();
        try
        {
            Assert.That(admin.Execute("CONFIG", "SET", "tracking-table-max-keys", "10"), Is.EqualTo("+OK\r\n"));
            var evicted = new List<string>();
            for (int i = 0; i < 100; i++)
            {
                tracker.SendCommand("GET", K(i.ToString()));
                // Keys evicted before this GET ran are announced ahead of its reply.
                string reply;
                while ((reply = tracker.ReadReply()).StartsWith('>')) evicted.Add(reply);
                Assert.That(reply, Is.EqualTo("_\r\n"));
            }
            // Over the limit, each command evicts one key (the last GET added an 11th, which the cron trims).
            Assert.That(evicted, Has.Count.EqualTo(89));
            Thread.Sleep(300);
            tracker.SendCommand("PING");
            string last;
            while ((last = tracker.ReadReply()).StartsWith('>')) evicted.Add(last);
            Assert.That(last, Is.EqualTo("+PONG\r\n"));
            Assert.That(evicted, Has.Count.EqualTo(90));
            Assert.That(evicted.Distinct().Count(), Is.EqualTo(90));
            Assert.That(InfoParser.Field(InfoOf(admin, "stats"), "tracking_total_keys"), Is.EqualTo(10));
            var survivors = Enumerable.Range(0, 100).Select(i => K(i.ToString())).Where(k => !evicted.Contains(Invalidate(k))).ToList();
            Assert.That(survivors, Has.Count.EqualTo(10));
            // Valkey evicts random keys (trackingLimitUsedSlots): oldest-first would keep exactly the newest ones.
            Assert.That(survivors, Is.Not.SubsetOf(Enumerable.Range(89, 11).Select(i => K(i.ToString()))));
        }
        finally
        {
            admin.Execute("CONFIG", "SET", "tracking-table-max-keys", "1000000");
        }
    }

    // ---- introspection and errors --------------------------------------------------------------------------------

    [Test]
    public void InfoAndClientFieldsFollowTrackingState()
    {
        using var c = Raw();
        using var admin = Raw();
        long before = InfoParser.Field(InfoOf(admin, "clients"), "tracking_clients");
        Assert.That(c.Execute("CLIENT", "GETREDIR"), Is.EqualTo(Int(-1)));
        Assert.That(c.Execute("CLIENT", "TRACKINGINFO"), Is.EqualTo("*6\r\n$5\r\nflags\r\n*1\r\n$3\r\noff\r\n$8\r\nredirect\r\n:-1\r\n$8\r\nprefixes\r\n*0\r\n"));
        Assert.That(c.Execute("CLIENT", "INFO"), Does.Contain(" flags=N ").And.Contain(" redir=-1 "));
        c.Execute("CLIENT", "TRACKING", "ON");
        Assert.That(c.Execute("CLIENT", "GETREDIR"), Is.EqualTo(Int(0)));
        Assert.That(c.Execute("CLIENT", "INFO"), Does.Contain(" flags=t ").And.Contain(" redir=0 "));
        Assert.That(InfoParser.Field(InfoOf(admin, "clients"), "tracking_clients"), Is.EqualTo(before + 1));
        c.Execute("CLIENT", "TRACKING", "ON");
        Assert.That(InfoParser.Field(InfoOf(admin, "clients"), "tracking_clients"), Is.EqualTo(before + 1), "enabling twice counts once");
        Assert.That(c.Execute("RESET"), Is.EqualTo("+RESET\r\n"));
        Assert.That(c.Execute("CLIENT", "GETREDIR"), Is.EqualTo(Int(-1)), "RESET turns tracking off");
        Assert.That(InfoParser.Field(InfoOf(admin, "clients"), "tracking_clients"), Is.EqualTo(before));
    }

    [Test]
    public void TrackingErrors()
    {
        using var c = Raw();
        Assert.That(c.Execute("CLIENT", "TRACKING", "ON", "REDIRECT", "999999"),
            Is.EqualTo(Err("ERR The client ID you want redirect to does not exist")));
        long self = ClientId(c);
        Assert.That(c.Execute("CLIENT", "TRACKING", "ON", "REDIRECT", self.ToString(), "REDIRECT", self.ToString()),
            Is.EqualTo(Err("ERR A client can only redirect to a single other client")));
        Assert.That(c.Execute("CLIENT", "TRACKING", "ON", "BCAST", "OPTIN"), Is.EqualTo(Err("ERR OPTIN and OPTOUT are not compatible with BCAST")));
        Assert.That(c.Execute("CLIENT", "TRACKING", "ON", "OPTIN", "OPTOUT"), Is.EqualTo(Err("ERR You can't specify both OPTIN mode and OPTOUT mode")));
        Assert.That(c.Execute("CLIENT", "TRACKING", "MAYBE"), Is.EqualTo(Err("ERR syntax error")));
        Assert.That(c.Execute("CLIENT", "TRACKING", "ON", "BOGUS"), Is.EqualTo(Err("ERR syntax error")));
        Assert.That(c.Execute("CLIENT", "TRACKING", "ON", "REDIRECT", "x"), Is.EqualTo(Err("ERR value is not an integer or out of range")));
        Assert.That(c.Execute("CLIENT", "TRACKING"), Is.EqualTo(Err("ERR wrong number of arguments for 'client|tracking' command")));
        Assert.That(c.Execute("CLIENT", "CACHING", "YES"),
            Is.EqualTo(Err("ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled")));
        Assert.That(c.Execute("CLIENT", "GETREDIR"), Is.EqualTo(Int(-1)), "failed attempts leave tracking off");
    }
}
