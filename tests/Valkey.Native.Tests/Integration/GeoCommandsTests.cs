using System.Diagnostics;
using NUnit.Framework;
using StackExchange.Redis;
using Valkey.Native.Tests.Infrastructure;
using static Valkey.Native.Tests.Infrastructure.Resp;

namespace Valkey.Native.Tests.Integration;

/// <summary>
/// The geo family (geo.c) against the shared server: byte-exact RESP2/RESP3 replies and errors over
/// a raw socket, and the same commands through StackExchange.Redis. The expected texts are what
/// Valkey (and redis-server 7, which has the same geo code) replies. Keys carry the test's name.
/// </summary>
[TestFixture]
public class GeoCommandsTests : SharedServerFixture
{
    private static string K(string name = "k") => $"{{geo}}:{TestContext.CurrentContext.Test.Name}:{name}";

    private void AddSicily(string key) =>
        Assert.That(Run("GEOADD", key, "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania"), Is.EqualTo(Int(2)));

    private static string Arr(params string[] items) => $"*{items.Length}\r\n" + string.Concat(items);

    // ---- GEOADD --------------------------------------------------------------------------------

    [Test]
    public void GeoAddStoresGeohashScores()
    {
        AddSicily(K());
        Assert.That(Run("ZSCORE", K(), "Palermo"), Is.EqualTo(Bulk("3479099956230698")));
        Assert.That(Run("ZSCORE", K(), "Catania"), Is.EqualTo(Bulk("3479447370796909")));
        Assert.That(Run("TYPE", K()), Is.EqualTo("+zset\r\n"));
    }

    [Test]
    public void GeoAddOptions()
    {
        AddSicily(K());
        Assert.That(Run("GEOADD", K(), "13.361389", "38.115556", "Palermo"), Is.EqualTo(Int(0)));
        Assert.That(Run("GEOADD", K(), "CH", "13.4", "38.1", "Palermo", "1", "1", "New"), Is.EqualTo(Int(2)));
        string before = Run("ZSCORE", K(), "Palermo");
        Assert.That(Run("GEOADD", K(), "NX", "2", "2", "Palermo", "3", "3", "Other"), Is.EqualTo(Int(1)));
        Assert.That(Run("ZSCORE", K(), "Palermo"), Is.EqualTo(before), "NX leaves existing members alone");
        Assert.That(Run("GEOADD", K(), "XX", "CH", "5", "5", "Palermo", "6", "6", "Absent"), Is.EqualTo(Int(1)));
        Assert.That(Run("ZSCORE", K(), "Absent"), Is.EqualTo("$-1\r\n"));
        Assert.That(Run("GEOADD", K("none"), "XX", "5", "5", "a"), Is.EqualTo(Int(0)));
        Assert.That(Run("EXISTS", K("none")), Is.EqualTo(Int(0)));
    }

    [Test]
    public void GeoAddErrors()
    {
        Assert.That(Run("GEOADD", K(), "XX", "NX", "1", "1", "a"), Is.EqualTo(Err("ERR syntax error")));
        Assert.That(Run("GEOADD", K(), "1", "1", "a", "2"), Is.EqualTo(Err("ERR syntax error")));
        Assert.That(Run("GEOADD", K(), "GT", "1", "1", "a"), Is.EqualTo(Err("ERR syntax error")));
        Assert.That(Run("GEOADD", K(), "200", "100", "a"), Is.EqualTo(Err("ERR invalid longitude,latitude pair 200.000000,100.000000")));
        Assert.That(Run("GEOADD", K(), "-0", "86", "a"), Is.EqualTo(Err("ERR invalid longitude,latitude pair -0.000000,86.000000")));
        Assert.That(Run("GEOADD", K(), "1", "1", "ok", "abc", "1", "a"), Is.EqualTo(Err("ERR value is not a valid float")));
        Assert.That(Run("EXISTS", K()), Is.EqualTo(Int(0)), "nothing is added when one triple is bad");
        Run("SET", K("s"), "x");
        Assert.That(Run("GEOADD", K("s"), "1", "1", "a"), Does.StartWith("-WRONGTYPE"));
        Assert.That(Run("GEOADD", K(), "1", "1"), Is.EqualTo(Err("ERR wrong number of arguments for 'geoadd' command")));
    }

    // ---- GEOPOS / GEOHASH / GEODIST --------------------------------------------------------------

    [Test]
    public void GeoPosResp2AndResp3()
    {
        AddSicily(K());
        string palermo2 = Arr(Bulk("13.36138933897018433"), Bulk("38.11555639549629859"));
        Assert.That(Run("GEOPOS", K(), "Palermo", "Missing"), Is.EqualTo(Arr(palermo2, "*-1\r\n")));
        Assert.That(Run("GEOPOS", K("none"), "a"), Is.EqualTo(Arr("*-1\r\n")));
        Assert.That(Run("GEOPOS", K()), Is.EqualTo("*0\r\n"));
        Run("HELLO", "3");
        Assert.That(Run("GEOPOS", K(), "Palermo", "Missing"),
            Is.EqualTo(Arr(Arr(",13.36138933897018433\r\n", ",38.11555639549629859\r\n"), "_\r\n")));
    }

    [Test]
    public void GeoPosOfTheOrigin()
    {
        Run("GEOADD", K(), "0", "0", "zero");
        Assert.That(Run("GEOPOS", K(), "zero"), Is.EqualTo(Arr(Arr(Bulk("0.00000268220901489"), Bulk("0.00000126736058093")))));
    }

    [Test]
    public void GeoHashStrings()
    {
        AddSicily(K());
        Assert.That(Run("GEOHASH", K(), "Palermo", "Catania", "Missing"),
            Is.EqualTo(Arr(Bulk("sqc8b49rny0"), Bulk("sqdtr74hyu0"), "$-1\r\n")));
        Run("HELLO", "3");
        Assert.That(Run("GEOHASH", K(), "Missing"), Is.EqualTo(Arr("_\r\n")));
    }

    [Test]
    public void GeoDistUnits()
    {
        AddSicily(K());
        Assert.That(Run("GEODIST", K(), "Palermo", "Catania"), Is.EqualTo(Bulk("166274.1516")));
        Assert.That(Run("GEODIST", K(), "Palermo", "Catania", "km"), Is.EqualTo(Bulk("166.2742")));
        Assert.That(Run("GEODIST", K(), "Palermo", "Catania", "MI"), Is.EqualTo(Bulk("103.3182")));
        Assert.That(Run("GEODIST", K(), "Palermo", "Catania", "ft"), Is.EqualTo(Bulk("545518.8700")));
        Assert.That(Run("GEODIST", K(), "Palermo", "Palermo"), Is.EqualTo(Bulk("0.0000")));
        Assert.That(Run("GEODIST", K(), "Palermo", "Missing"), Is.EqualTo("$-1\r\n"));
        Assert.That(Run("GEODIST", K("none"), "a", "b"), Is.EqualTo("$-1\r\n"));
        Assert.That(Run("GEODIST", K(), "Palermo", "Catania", "yd"), Is.EqualTo(Err("ERR unsupported unit provided. please use M, KM, FT, MI")));
        Assert.That(Run("GEODIST", K(), "Palermo", "Catania", "km", "x"), Is.EqualTo(Err("ERR syntax error")));
    }

    // ---- searches ----------------------------------------------------------------------------

    [Test]
    public void GeoSearchWithEverything()
    {
        AddSicily(K());
        string expected = Arr(
            Arr(Bulk("Catania"), Bulk("56.4413"), Int(3479447370796909), Arr(Bulk("15.08726745843887329"), Bulk("37.50266842333162032"))),
            Arr(Bulk("Palermo"), Bulk("190.4424"), Int(3479099956230698), Arr(Bulk("13.36138933897018433"), Bulk("38.11555639549629859"))));
        Assert.That(Run("GEOSEARCH", K(), "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "ASC", "WITHCOORD", "WITHDIST", "WITHHASH"),
            Is.EqualTo(expected));
        Assert.That(Run("GEORADIUS", K(), "15", "37", "200", "km", "WITHDIST", "WITHHASH", "WITHCOORD", "ASC"), Is.EqualTo(expected));
        Assert.That(Run("GEORADIUS_RO", K(), "15", "37", "200", "km", "DESC"), Is.EqualTo(Arr(Bulk("Palermo"), Bulk("Catania"))));
        Assert.That(Run("GEOSEARCH", K(), "FROMLONLAT", "15", "37", "BYBOX", "400", "400", "km", "DESC", "COUNT", "1"), Is.EqualTo(Arr(Bulk("Palermo"))));
        Assert.That(Run("GEOSEARCH", K(), "FROMMEMBER", "Palermo", "BYRADIUS", "100", "km"), Is.EqualTo(Arr(Bulk("Palermo"))));
        Assert.That(Run("GEORADIUSBYMEMBER", K(), "Catania", "200", "km", "WITHDIST"),
            Is.EqualTo(Arr(Arr(Bulk("Palermo"), Bulk("166.2742")), Arr(Bulk("Catania"), Bulk("0.0000")))), "no sort: the order found (by score)");
        Assert.That(Run("GEOSEARCH", K(), "FROMLONLAT", "0", "0", "BYRADIUS", "1", "m"), Is.EqualTo("*0\r\n"));
        Assert.That(Run("GEOSEARCH", K("none"), "FROMMEMBER", "x", "BYRADIUS", "1", "m"), Is.EqualTo("*0\r\n"));
        Run("HELLO", "3");
        Assert.That(Run("GEOSEARCH", K(), "FROMLONLAT", "15", "37", "BYRADIUS", "100", "km", "WITHCOORD"),
            Is.EqualTo(Arr(Arr(Bulk("Catania"), Arr(",15.08726745843887329\r\n", ",37.50266842333162032\r\n")))));
    }

    [Test]
    public void CountAnyStopsEarly()
    {
        for (int i = 0; i < 20; i++) Run("GEOADD", K(), (10 + i * 0.001).ToString("R"), "10", "p" + i);
        string any = Run("GEOSEARCH", K(), "FROMLONLAT", "10", "10", "BYRADIUS", "10", "km", "COUNT", "3", "ANY");
        Assert.That(any, Does.StartWith("*3\r\n"));
        Assert.That(Run("GEOSEARCH", K(), "FROMLONLAT", "10", "10", "BYRADIUS", "10", "km", "COUNT", "3"),
            Is.EqualTo(Arr(Bulk("p0"), Bulk("p1"), Bulk("p2"))));
        Assert.That(Run("GEOSEARCH", K(), "FROMLONLAT", "10.019", "10", "BYRADIUS", "10", "km", "COUNT", "2", "DESC"),
            Is.EqualTo(Arr(Bulk("p0"), Bulk("p1"))));
    }

    [Test]
    public void SearchErrors()
    {
        AddSicily(K());
        Assert.That(Run("GEOSEARCH", K(), "BYBOX", "1", "1", "km", "ASC"),
            Is.EqualTo(Err("ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for GEOSEARCH")));
        Assert.That(Run("geosearch", K(), "FROMLONLAT", "1", "1", "COUNT", "1"),
            Is.EqualTo(Err("ERR exactly one of BYRADIUS and BYBOX can be specified for geosearch")));
        Assert.That(Run("GEOSEARCH", K(), "FROMLONLAT", "1", "1", "FROMMEMBER", "Palermo", "BYRADIUS", "1", "km"), Is.EqualTo(Err("ERR syntax error")));
        Assert.That(Run("GEOSEARCH", K(), "FROMMEMBER", "Nope", "BYRADIUS", "1", "km"), Is.EqualTo(Err("ERR could not decode requested zset member")));
        Assert.That(Run("GEOSEARCH", K(), "FROMLONLAT", "1", "1", "BYBOX", "-1", "1", "km"), Is.EqualTo(Err("ERR height or width cannot be negative")));
        Assert.That(Run("GEOSEARCH", K(), "FROMLONLAT", "1", "1", "BYBOX", "a", "1", "km"), Is.EqualTo(Err("ERR need numeric width")));
        Assert.That(Run("GEOSEARCH", K(), "FROMLONLAT", "1", "1", "BYBOX", "1", "b", "km"), Is.EqualTo(Err("ERR need numeric height")));
        Assert.That(Run("GEOSEARCH", K(), "FROMLONLAT", "1", "1", "BYRADIUS", "1", "km", "STOREDIST"), Is.EqualTo(Err("ERR syntax error")));
        Assert.That(Run("GEORADIUS", K(), "1", "2", "-1", "km"), Is.EqualTo(Err("ERR radius cannot be negative")));
        Assert.That(Run("GEORADIUS", K(), "1", "2", "x", "km"), Is.EqualTo(Err("ERR need numeric radius")));
        Assert.That(Run("GEORADIUS", K(), "1", "2", "1", "yd"), Is.EqualTo(Err("ERR unsupported unit provided. please use M, KM, FT, MI")));
        Assert.That(Run("GEORADIUS", K(), "1", "2", "1", "km", "COUNT", "0"), Is.EqualTo(Err("ERR COUNT must be > 0")));
        Assert.That(Run("GEORADIUS", K(), "1", "2", "1", "km", "COUNT", "x"), Is.EqualTo(Err("ERR value is not an integer or out of range")));
        Assert.That(Run("GEORADIUS", K(), "1", "2", "1", "km", "ANY"), Is.EqualTo(Err("ERR the ANY argument requires COUNT argument")));
        Assert.That(Run("GEORADIUS", K(), "1", "2", "1", "km", "STORE", "x", "WITHDIST"),
            Is.EqualTo(Err("ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD options")));
        Assert.That(Run("GEOSEARCHSTORE", K("d"), K(), "FROMLONLAT", "1", "1", "BYRADIUS", "1", "km", "WITHHASH"),
            Is.EqualTo(Err("ERR GEOSEARCHSTORE is not compatible with WITHDIST, WITHHASH and WITHCOORD options")));
        Assert.That(Run("GEORADIUS_RO", K(), "1", "2", "1", "km", "STORE", "x"), Is.EqualTo(Err("ERR syntax error")));
        Assert.That(Run("GEORADIUSBYMEMBER", K(), "Nope", "1", "km"), Is.EqualTo(Err("ERR could not decode requested zset member")));
        Assert.That(Run("GEORADIUS", K(), "181", "2", "1", "km"), Is.EqualTo(Err("ERR invalid longitude,latitude pair 181.000000,2.000000")));
        Run("SET", K("s"), "x");
        Assert.That(Run("GEOSEARCH", K("s"), "FROMLONLAT", "1", "1", "BYRADIUS", "1", "km"), Does.StartWith("-WRONGTYPE"));
        Assert.That(Run("GEOPOS", K("s"), "a"), Does.StartWith("-WRONGTYPE"));
    }

    [Test]
    public void StoreAndStoreDist()
    {
        AddSicily(K());
        Assert.That(Run("GEOSEARCHSTORE", K("d"), K(), "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km"), Is.EqualTo(Int(2)));
        Assert.That(Run("ZRANGE", K("d"), "0", "-1", "WITHSCORES"),
            Is.EqualTo(Arr(Bulk("Palermo"), Bulk("3479099956230698"), Bulk("Catania"), Bulk("3479447370796909"))));
        Assert.That(Run("GEOSEARCHSTORE", K("d"), K(), "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "STOREDIST", "COUNT", "1"), Is.EqualTo(Int(1)));
        Assert.That(Run("ZRANGE", K("d"), "0", "-1"), Is.EqualTo(Arr(Bulk("Catania"))));
        Assert.That(Run("ZSCORE", K("d"), "Catania"), Is.EqualTo(Bulk("56.4412578701582")), "the distance in the unit, unrounded");
        Assert.That(Run("GEORADIUS", K(), "15", "37", "200", "km", "STOREDIST", K("d2")), Is.EqualTo(Int(2)));
        Assert.That(Run("GEORADIUSBYMEMBER", K(), "Palermo", "10", "km", "STORE", K("d3")), Is.EqualTo(Int(1)));
        Assert.That(Run("ZRANGE", K("d3"), "0", "-1"), Is.EqualTo(Arr(Bulk("Palermo"))));
        // No results (or no source) delete the destination.
        Assert.That(Run("GEOSEARCHSTORE", K("d"), K(), "FROMLONLAT", "0", "0", "BYRADIUS", "1", "m"), Is.EqualTo(Int(0)));
        Assert.That(Run("EXISTS", K("d")), Is.EqualTo(Int(0)));
        Assert.That(Run("GEORADIUSBYMEMBER", K("none"), "x", "1", "km", "STORE", K("d3")), Is.EqualTo(Int(0)));
        Assert.That(Run("EXISTS", K("d3")), Is.EqualTo(Int(0)));
        // The source itself as destination.
        Assert.That(Run("GEORADIUS", K(), "15", "37", "100", "km", "STORE", K()), Is.EqualTo(Int(1)));
        Assert.That(Run("ZRANGE", K(), "0", "-1"), Is.EqualTo(Arr(Bulk("Catania"))));
    }

    [Test]
    public void KeysOfTheStoreForms()
    {
        Assert.That(Run("COMMAND", "GETKEYS", "GEORADIUS", "src", "1", "2", "3", "km", "STORE", "a", "STOREDIST", "b"),
            Is.EqualTo(Arr(Bulk("src"), Bulk("a"), Bulk("b"))));
        Assert.That(Run("COMMAND", "GETKEYS", "GEORADIUSBYMEMBER", "src", "m", "3", "km", "STOREDIST", "b"),
            Is.EqualTo(Arr(Bulk("src"), Bulk("b"))));
        Assert.That(Run("COMMAND", "GETKEYS", "GEOSEARCHSTORE", "d", "s", "FROMLONLAT", "1", "2", "BYRADIUS", "1", "m"),
            Is.EqualTo(Arr(Bulk("d"), Bulk("s"))));
        Assert.That(Run("COMMAND", "INFO", "georadius"), Does.Contain("movablekeys"));
    }

    // ---- StackExchange.Redis ---------------------------------------------------------------------

    [Test]
    public void StackExchangeRedisGeoApi()
    {
        var key = (RedisKey)K();
        Assert.That(Db.GeoAdd(key, [new GeoEntry(13.361389, 38.115556, "Palermo"), new GeoEntry(15.087269, 37.502669, "Catania")]), Is.EqualTo(2));
        Assert.That(Db.GeoDistance(key, "Palermo", "Catania", GeoUnit.Kilometers), Is.EqualTo(166.2742));
        Assert.That(Db.GeoDistance(key, "Palermo", "Nope"), Is.Null);
        Assert.That(Db.GeoHash(key, "Palermo"), Is.EqualTo("sqc8b49rny0"));
        var pos = Db.GeoPosition(key, "Palermo");
        Assert.That(pos, Is.Not.Null);
        Assert.That(pos!.Value.Longitude, Is.EqualTo(13.36138933897018433).Within(1e-12));
        Assert.That(pos.Value.Latitude, Is.EqualTo(38.11555639549629859).Within(1e-12));
        Assert.That(Db.GeoPosition(key, "Nope"), Is.Null);
        var found = Db.GeoSearch(key, 15, 37, new GeoSearchCircle(200, GeoUnit.Kilometers), order: Order.Ascending,
            options: GeoRadiusOptions.WithDistance | GeoRadiusOptions.WithCoordinates);
        Assert.That(found.Select(r => r.Member.ToString()), Is.EqualTo(new[] { "Catania", "Palermo" }));
        Assert.That(found[0].Distance, Is.EqualTo(56.4413));
        var boxed = Db.GeoSearch(key, "Palermo", new GeoSearchBox(400, 400, GeoUnit.Kilometers), count: 1, order: Order.Descending);
        Assert.That(boxed.Single().Member.ToString(), Is.EqualTo("Catania"));
        var radius = Db.GeoRadius(key, "Catania", 100, GeoUnit.Kilometers);
        Assert.That(radius.Single().Member.ToString(), Is.EqualTo("Catania"));
        Assert.That(Db.GeoSearchAndStore(key, K("dst"), 15, 37, new GeoSearchCircle(200, GeoUnit.Kilometers)), Is.EqualTo(2));
        Assert.That(Db.SortedSetLength(K("dst")), Is.EqualTo(2));
        Assert.That(Db.GeoRemove(key, "Palermo"), Is.True);
    }
}

/// <summary>
/// A differential check against a real redis-server (Redis 7 has Valkey's geo code): random points
/// and searches of every kind, in RESP2 and RESP3, must give byte-identical replies. Skipped when
/// /usr/bin/redis-server is not installed.
/// </summary>
[TestFixture]
public class GeoRedisDifferentialTests : OwnServerFixture
{
    private ReferenceRedisServer? _redis;

    [OneTimeSetUp]
    public void StartRedisServer() => _redis = ReferenceRedisServer.StartOrIgnore();

    [OneTimeTearDown]
    public void StopRedisServer() => _redis?.Dispose();

    [TestCase(2, 1, 40)]
    [TestCase(3, 2, 40)]
    [TestCase(2, 3, 300)]
    [TestCase(3, 4, 300)]
    public void RepliesAreIdenticalToRedis(int protocol, int seed, int points)
    {
        using var ours = new RawRespClient(Server.Port);
        using var theirs = _redis!.CreateRawClient();
        var random = new Random(seed);
        int checks = 0;
        void Check(params string[] args)
        {
            checks++;
            Assert.That(ours.Execute(args), Is.EqualTo(theirs.Execute(args)), string.Join(" ", args));
        }
        foreach (var c in new[] { ours, theirs })
        {
            c.Execute("HELLO", protocol.ToString());
            c.Execute("FLUSHALL");
        }
        string[] units = ["m", "km", "ft", "mi", "KM"];
        for (int i = 0; i < points; i++)
            Check("GEOADD", "pts", (random.NextDouble() * 360 - 180).ToString("R"), (random.NextDouble() * 170 - 85).ToString("R"), "p" + i);
        Check("GEOADD", "pts", "180", "85.05112878", "edge1", "-180", "-85.05112878", "edge2");
        Check("GEOADD", "pts", "200", "100", "bad");
        Check("GEOADD", "pts", "1e300", "1", "bad");
        Check("ZADD", "weird", "-1", "neg", "1e300", "huge", "inf", "pinf", "4503599627370496", "big");
        Check("GEOPOS", "weird", "neg", "huge", "pinf", "big");
        Check("GEOHASH", "weird", "neg", "huge", "pinf", "big");
        Check("GEOPOS", "pts", "edge1", "edge2", "p0", "p1", "p2", "nope");
        Check("GEOHASH", "pts", "edge1", "edge2", "p0", "p1", "p2", "nope");
        for (int i = 0; i < 30; i++)
            Check("GEODIST", "pts", "p" + random.Next(points), "p" + random.Next(points), units[random.Next(units.Length)]);
        for (int i = 0; i < 150; i++)
        {
            var opts = new List<string>();
            foreach (var o in new[] { "WITHDIST", "WITHCOORD", "WITHHASH" }) if (random.Next(2) == 0) opts.Add(o);
            if (random.Next(2) == 0)
            {
                opts.Add("COUNT");
                opts.Add(random.Next(1, 20).ToString());
                if (random.Next(4) == 0) opts.Add("ANY");
            }
            if (random.Next(2) == 0) opts.Add(random.Next(2) == 0 ? "ASC" : "DESC");
            string radius = new[] { "0", "1", "100", "1000", "5000", "20000", "12.5" }[random.Next(7)];
            string unit = units[random.Next(units.Length)];
            string lon = (random.NextDouble() * 360 - 180).ToString("F5"), lat = (random.NextDouble() * 170 - 85).ToString("F5");
            string member = "p" + random.Next(points);
            switch (random.Next(5))
            {
                case 0: Check(["GEORADIUS", "pts", lon, lat, radius, unit, .. opts]); break;
                case 1: Check(["GEORADIUSBYMEMBER_RO", "pts", member, radius, unit, .. opts]); break;
                case 2: Check(["GEOSEARCH", "pts", "FROMLONLAT", lon, lat, "BYRADIUS", radius, unit, .. opts]); break;
                case 3:
                    Check(["GEOSEARCH", "pts", "FROMMEMBER", member, "BYBOX", radius, new[] { "1", "300", "3000" }[random.Next(3)], unit, .. opts]);
                    break;
                default:
                    var storeOpts = opts.Where(o => !o.StartsWith("WITH")).ToList();
                    if (random.Next(2) == 0) storeOpts.Add("STOREDIST");
                    Check(["GEOSEARCHSTORE", "dst", "pts", "FROMLONLAT", lon, lat, "BYRADIUS", radius, unit, .. storeOpts]);
                    Check("ZRANGE", "dst", "0", "-1");
                    Check("OBJECT", "ENCODING", "dst");
                    break;
            }
        }
        Assert.That(checks, Is.GreaterThan(200));
    }
}
