using System.Text;
using NUnit.Framework;
using Valkey.Native.Util;

namespace Valkey.Native.Tests.Unit;

/// <summary>
/// <see cref="GeoHash"/>: scores, decoding, neighbours, the step estimate and search areas,
/// distances and the number formats, against values Valkey (and redis-server 7) produce.
/// </summary>
[TestFixture]
public class GeoHashTests
{
    private static string Human(double value)
    {
        Span<byte> buffer = stackalloc byte[128];
        return Encoding.ASCII.GetString(buffer[..LongDouble.FromDouble(value).FormatHuman(buffer)]);
    }

    private static string Distance(double value)
    {
        Span<byte> buffer = stackalloc byte[GeoHash.MaxDistanceLength];
        return Encoding.ASCII.GetString(buffer[..GeoHash.FormatDistance(value, buffer)]);
    }

    [Test]
    public void ScoresMatchValkeys()
    {
        Assert.That(GeoHash.Score(13.361389, 38.115556), Is.EqualTo(3479099956230698UL));
        Assert.That(GeoHash.Score(15.087269, 37.502669), Is.EqualTo(3479447370796909UL));
        Assert.That(GeoHash.Score(-180, GeoHash.LatMin), Is.EqualTo(0UL));
        Assert.That(GeoHash.Score(0, 0), Is.EqualTo(GeoHash.Interleave64(1u << 25, 1u << 25)));
    }

    [Test]
    public void DecodingGivesTheCellCentreValkeyPrints()
    {
        Assert.That(GeoHash.DecodeScore(3479099956230698, out double lon, out double lat), Is.True);
        Assert.That(Human(lon), Is.EqualTo("13.36138933897018433"));
        Assert.That(Human(lat), Is.EqualTo("38.11555639549629859"));
        GeoHash.DecodeScore(GeoHash.Score(0, 0), out lon, out lat);
        Assert.That(Human(lon), Is.EqualTo("0.00000268220901489"));
        Assert.That(Human(lat), Is.EqualTo("0.00000126736058093"));
    }

    [Test]
    public void InterleavingRoundTrips()
    {
        var random = new Random(7);
        for (int i = 0; i < 1000; i++)
        {
            uint x = (uint)random.NextInt64(0, 1L << 32), y = (uint)random.NextInt64(0, 1L << 32);
            ulong both = GeoHash.Interleave64(x, y);
            Assert.That(GeoHash.Deinterleave64(both), Is.EqualTo(x | ((ulong)y << 32)));
        }
        Assert.That(GeoHash.Interleave64(1, 0), Is.EqualTo(1UL));
        Assert.That(GeoHash.Interleave64(0, 1), Is.EqualTo(2UL));
    }

    [Test]
    public void ScoresOutsideTheGeohashRangeConvertAsCDoes()
    {
        Assert.That(GeoHash.ScoreToBits(-1.0), Is.EqualTo(ulong.MaxValue));
        Assert.That(GeoHash.ScoreToBits(double.PositiveInfinity), Is.EqualTo(0UL));
        Assert.That(GeoHash.ScoreToBits(double.NegativeInfinity), Is.EqualTo(0x8000000000000000UL));
        Assert.That(GeoHash.ScoreToBits(9223372036854775808.0), Is.EqualTo(0x8000000000000000UL));
        Assert.That(GeoHash.ScoreToBits(4503599627370496.0), Is.EqualTo(1UL << 52));
    }

    [Test]
    public void StandardGeohashStrings()
    {
        Span<byte> text = stackalloc byte[11];
        GeoHash.DecodeScore(3479099956230698, out double lon, out double lat);
        GeoHash.StandardGeohash(lon, lat, text);
        Assert.That(Encoding.ASCII.GetString(text), Is.EqualTo("sqc8b49rny0"));
        GeoHash.DecodeScore(3479447370796909, out lon, out lat);
        GeoHash.StandardGeohash(lon, lat, text);
        Assert.That(Encoding.ASCII.GetString(text), Is.EqualTo("sqdtr74hyu0"));
    }

    [Test]
    public void DistancesMatchValkeys()
    {
        GeoHash.DecodeScore(3479099956230698, out double lon1, out double lat1);
        GeoHash.DecodeScore(3479447370796909, out double lon2, out double lat2);
        double meters = GeoHash.Distance(lon1, lat1, lon2, lat2);
        Assert.That(Distance(meters), Is.EqualTo("166274.1516"));
        Assert.That(Distance(meters / 1000), Is.EqualTo("166.2742"));
        Assert.That(GeoHash.Distance(lon1, lat1, lon1, lat1), Is.EqualTo(0.0));
        // Same longitude: the meridian shortcut.
        Assert.That(GeoHash.Distance(10, 0, 10, 1), Is.EqualTo(GeoHash.EarthRadiusInMeters * (Math.PI / 180.0)).Within(1e-6));
    }

    [Test]
    public void DistanceFormatRoundsHalfToEvenOnFourDecimals()
    {
        Assert.That(Distance(0), Is.EqualTo("0.0000"));
        Assert.That(Distance(-0.0), Is.EqualTo("0.0000"));
        Assert.That(Distance(0.0775), Is.EqualTo("0.0775"));
        Assert.That(Distance(1.23456), Is.EqualTo("1.2346"));
        Assert.That(Distance(0.00005), Is.EqualTo("0.0000"), "llrint(0.5) is 0");
        Assert.That(Distance(0.00025), Is.EqualTo("0.0002"), "llrint(2.5) is 2");
        Assert.That(Distance(12345678.9), Is.EqualTo("12345678.9000"));
        Assert.That(Distance(-1.5), Is.EqualTo("-1.5000"));
    }

    [Test]
    public void FixedFormatIsGlibcPercentF()
    {
        Assert.That(GeoHash.FormatFixed(200, 6), Is.EqualTo("200.000000"));
        Assert.That(GeoHash.FormatFixed(-0.0, 6), Is.EqualTo("-0.000000"));
        Assert.That(GeoHash.FormatFixed(86.5, 6), Is.EqualTo("86.500000"));
        Assert.That(GeoHash.FormatFixed(0.0078125, 6), Is.EqualTo("0.007812"), "exact tie: half to even");
        Assert.That(GeoHash.FormatFixed(0.0234375, 6), Is.EqualTo("0.023438"));
        Assert.That(GeoHash.FormatFixed(0.1, 6), Is.EqualTo("0.100000"));
        Assert.That(GeoHash.FormatFixed(1e22, 6), Is.EqualTo("10000000000000000000000.000000"));
        Assert.That(GeoHash.FormatFixed(double.PositiveInfinity, 6), Is.EqualTo("inf"));
        Assert.That(GeoHash.FormatFixed(double.NegativeInfinity, 6), Is.EqualTo("-inf"));
    }

    [Test]
    public void StepEstimate()
    {
        Assert.That(GeoHash.EstimateStepsByRadius(0, 0), Is.EqualTo(26));
        Assert.That(GeoHash.EstimateStepsByRadius(1000, 0), Is.EqualTo(14));
        Assert.That(GeoHash.EstimateStepsByRadius(1000, 70), Is.EqualTo(13));
        Assert.That(GeoHash.EstimateStepsByRadius(1000, -85), Is.EqualTo(12));
        Assert.That(GeoHash.EstimateStepsByRadius(1e9, 0), Is.EqualTo(1));
        Assert.That(GeoHash.EstimateStepsByRadius(0.001, 0), Is.EqualTo(26));
    }

    [Test]
    public void NeighboursAreTheAdjacentCells()
    {
        GeoHash.EncodeWgs84(13.4, 38.1, 10, out var hash);
        var radius = default(GeoHashRadius);
        GeoHash.Neighbors(hash, ref radius);
        GeoHash.DecodeWgs84(hash, out var centre);
        GeoHash.DecodeWgs84(radius.East, out var east);
        GeoHash.DecodeWgs84(radius.West, out var west);
        GeoHash.DecodeWgs84(radius.North, out var north);
        GeoHash.DecodeWgs84(radius.South, out var south);
        GeoHash.DecodeWgs84(radius.NorthEast, out var northEast);
        Assert.That(east.LongitudeMin, Is.EqualTo(centre.LongitudeMax).Within(1e-9));
        Assert.That(east.LatitudeMin, Is.EqualTo(centre.LatitudeMin));
        Assert.That(west.LongitudeMax, Is.EqualTo(centre.LongitudeMin).Within(1e-9));
        Assert.That(north.LatitudeMin, Is.EqualTo(centre.LatitudeMax).Within(1e-9));
        Assert.That(south.LatitudeMax, Is.EqualTo(centre.LatitudeMin).Within(1e-9));
        Assert.That(northEast.LongitudeMin, Is.EqualTo(centre.LongitudeMax).Within(1e-9));
        Assert.That(northEast.LatitudeMin, Is.EqualTo(centre.LatitudeMax).Within(1e-9));
        Assert.That(radius.East.Step, Is.EqualTo(10));
    }

    [Test]
    public void ScoreRangeOfACellCoversItsPoints()
    {
        GeoHash.EncodeWgs84(13.4, 38.1, 12, out var hash);
        GeoHash.ScoresOfBox(hash, out ulong min, out ulong max);
        ulong score = GeoHash.Score(13.4, 38.1);
        Assert.That(score, Is.GreaterThanOrEqualTo(min));
        Assert.That(score, Is.LessThan(max));
        Assert.That(max - min, Is.EqualTo(1UL << (52 - 24)));
    }

    [Test]
    public void SearchAreaDropsUselessNeighbours()
    {
        var small = new GeoShape { Longitude = 13.4, Latitude = 38.1, Radius = 1, Conversion = 1000 };
        var areas = GeoHash.CalculateAreasByShape(small);
        Assert.That(areas.Hash.Step, Is.InRange(12, 14));
        GeoHash.DecodeWgs84(areas.Hash, out var centre);
        Assert.That(13.4, Is.InRange(centre.LongitudeMin, centre.LongitudeMax));
        Assert.That(38.1, Is.InRange(centre.LatitudeMin, centre.LatitudeMax));
        Span<GeoHashBits> cells = stackalloc GeoHashBits[9];
        areas.SearchOrder(cells);
        int kept = 0;
        foreach (var c in cells) if (!c.IsZero) kept++;
        Assert.That(kept, Is.InRange(1, 9));

        var huge = new GeoShape { Longitude = 0, Latitude = 0, Radius = 30000, Conversion = 1000 };
        Assert.That(GeoHash.CalculateAreasByShape(huge).Hash.Step, Is.EqualTo(1));
    }

    [Test]
    public void WithinShapeCircleAndBox()
    {
        double score = GeoHash.Score(15.087269, 37.502669);
        var circle = new GeoShape { Longitude = 15, Latitude = 37, Radius = 200, Conversion = 1000 };
        Assert.That(GeoHash.WithinShape(circle, score, out _, out _, out double d), Is.True);
        Assert.That(Distance(d / 1000), Is.EqualTo("56.4413"));
        circle.Radius = 50;
        Assert.That(GeoHash.WithinShape(circle, score, out _, out _, out _), Is.False);
        var box = new GeoShape { IsBox = true, Longitude = 15, Latitude = 37, Width = 400, Height = 400, Conversion = 1000 };
        Assert.That(GeoHash.WithinShape(box, score, out _, out _, out d), Is.True);
        box.Height = 100; // the point is ~56 km north: outside a 100 km tall box (50 km each side)
        Assert.That(GeoHash.WithinShape(box, score, out _, out _, out _), Is.False);
    }
}

/// <summary>The geo read paths and GEOADD allocate nothing on the GC heap in steady state.</summary>
[NonParallelizable]
public class GeoAllocationTests
{
    [TestCase("GEOADD", "alloc:geo", "13.361389", "38.115556", "Palermo")]
    [TestCase("GEOPOS", "alloc:geo", "Palermo", "Catania", "Missing")]
    [TestCase("GEODIST", "alloc:geo", "Palermo", "Catania", "km")]
    [TestCase("GEOHASH", "alloc:geo", "Palermo", "Catania")]
    [TestCase("GEOSEARCH", "alloc:geo", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "ASC", "WITHCOORD", "WITHDIST", "WITHHASH")]
    [TestCase("GEORADIUSBYMEMBER_RO", "alloc:geo", "Palermo", "500", "km", "COUNT", "1")]
    public void SteadyStateGeoCommandAllocatesNothing(params string[] command)
    {
        using var server = new Valkey.Native.Tests.Shared.InProcessServer();
        Assert.That(server.Execute("GEOADD", "alloc:geo", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania"), Is.EqualTo(":2\r\n"));
        Assert.That(server.Execute(command), Does.Not.StartWith("-"), "the command runs (an error reply would also allocate nothing)");
        long allocated = server.AllocatedBytes(warmup: 1000, runs: 10_000, Valkey.Native.Tests.Infrastructure.RawRespClient.EncodeCommand(command));
        Assert.That(allocated, Is.EqualTo(0), $"{string.Join(' ', command)} allocated {allocated} bytes over 10,000 runs");
    }
}
