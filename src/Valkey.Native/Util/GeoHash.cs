using System.Numerics;
using System.Text;

namespace Valkey.Native.Util;

/// <summary>A geohash cell: <see cref="Step"/> bits per coordinate, interleaved (latitude on even bits).</summary>
public struct GeoHashBits
{
    public ulong Bits;
    public byte Step;

    public GeoHashBits(ulong bits, byte step)
    {
        Bits = bits;
        Step = step;
    }

    /// <summary>HASHISZERO: a cell removed from a search (no bits and no step).</summary>
    public readonly bool IsZero => Bits == 0 && Step == 0;
}

/// <summary>The longitude/latitude rectangle a geohash cell covers.</summary>
public struct GeoHashArea
{
    public GeoHashBits Hash;
    public double LongitudeMin, LongitudeMax, LatitudeMin, LatitudeMax;
}

/// <summary>A search shape (Valkey's GeoShape): a circle (radius) or a box (width, height), in the unit of <see cref="Conversion"/>.</summary>
public struct GeoShape
{
    public bool IsBox;
    public double Longitude, Latitude;
    /// <summary>Meters per unit (m 1, km 1000, ft 0.3048, mi 1609.34).</summary>
    public double Conversion;
    public double Radius;
    public double Width, Height;
}

/// <summary>The cells a search visits: the centre cell, then N, S, E, W, NE, NW, SE, SW (zeroed when useless).</summary>
public struct GeoHashRadius
{
    public GeoHashBits Hash;
    public GeoHashArea Area;
    public GeoHashBits North, South, East, West, NorthEast, NorthWest, SouthEast, SouthWest;

    /// <summary>The nine cells in Valkey's search order (membersOfAllNeighbors).</summary>
    public readonly void SearchOrder(Span<GeoHashBits> cells)
    {
        cells[0] = Hash;
        cells[1] = North;
        cells[2] = South;
        cells[3] = East;
        cells[4] = West;
        cells[5] = NorthEast;
        cells[6] = NorthWest;
        cells[7] = SouthEast;
        cells[8] = SouthWest;
    }
}

/// <summary>
/// Valkey's geohash.c / geohash_helper.c: 52-bit interleaved geohash scores (26 steps per
/// coordinate over longitude -180..180 and latitude ±85.05112878), decoding to the cell centre,
/// neighbour cells, the step estimate and the nine-cell area of a search, and the Haversine
/// distance with Valkey's earth radius. Every operation is done in the same order with the same
/// doubles (and the C library's sin/cos/asin), so scores, distances and coordinates come out
/// bit for bit as Valkey's.
/// </summary>
public static class GeoHash
{
    public const int StepMax = 26;
    public const double LatMin = -85.05112878;
    public const double LatMax = 85.05112878;
    public const double LongMin = -180;
    public const double LongMax = 180;
    public const double EarthRadiusInMeters = 6372797.560856;
    private const double MercatorMax = 20037726.37;
    private const double DegToRadFactor = Math.PI / 180.0;

    private static double DegRad(double angle) => angle * DegToRadFactor;

    private static double RadDeg(double angle) => angle / DegToRadFactor;

    // ---- bit interleaving ------------------------------------------------------------------------

    /// <summary>x's bits on the even positions, y's on the odd ones.</summary>
    public static ulong Interleave64(uint xlo, uint ylo)
    {
        ulong x = xlo, y = ylo;
        x = (x | (x << 16)) & 0x0000FFFF0000FFFFUL;
        y = (y | (y << 16)) & 0x0000FFFF0000FFFFUL;
        x = (x | (x << 8)) & 0x00FF00FF00FF00FFUL;
        y = (y | (y << 8)) & 0x00FF00FF00FF00FFUL;
        x = (x | (x << 4)) & 0x0F0F0F0F0F0F0F0FUL;
        y = (y | (y << 4)) & 0x0F0F0F0F0F0F0F0FUL;
        x = (x | (x << 2)) & 0x3333333333333333UL;
        y = (y | (y << 2)) & 0x3333333333333333UL;
        x = (x | (x << 1)) & 0x5555555555555555UL;
        y = (y | (y << 1)) & 0x5555555555555555UL;
        return x | (y << 1);
    }

    /// <summary>The even bits in the low 32 bits of the result, the odd bits in the high 32.</summary>
    public static ulong Deinterleave64(ulong interleaved)
    {
        ulong x = interleaved, y = interleaved >> 1;
        x &= 0x5555555555555555UL;
        y &= 0x5555555555555555UL;
        x = (x | (x >> 1)) & 0x3333333333333333UL;
        y = (y | (y >> 1)) & 0x3333333333333333UL;
        x = (x | (x >> 2)) & 0x0F0F0F0F0F0F0F0FUL;
        y = (y | (y >> 2)) & 0x0F0F0F0F0F0F0F0FUL;
        x = (x | (x >> 4)) & 0x00FF00FF00FF00FFUL;
        y = (y | (y >> 4)) & 0x00FF00FF00FF00FFUL;
        x = (x | (x >> 8)) & 0x0000FFFF0000FFFFUL;
        y = (y | (y >> 8)) & 0x0000FFFF0000FFFFUL;
        x = (x | (x >> 16)) & 0x00000000FFFFFFFFUL;
        y = (y | (y >> 16)) & 0x00000000FFFFFFFFUL;
        return x | (y << 32);
    }

    // ---- encode / decode -------------------------------------------------------------------------

    /// <summary>geohashEncode over the given ranges; false for a bad step or coordinates out of range.</summary>
    public static bool Encode(double longMin, double longMax, double latMin, double latMax, double longitude, double latitude,
        int step, out GeoHashBits hash)
    {
        hash = default;
        if (step > 32 || step == 0 || (latMax == 0 && latMin == 0) || (longMax == 0 && longMin == 0)) return false;
        if (longitude > LongMax || longitude < LongMin || latitude > LatMax || latitude < LatMin) return false;
        hash.Step = (byte)step;
        if (latitude < latMin || latitude > latMax || longitude < longMin || longitude > longMax) return false;
        double latOffset = (latitude - latMin) / (latMax - latMin);
        double longOffset = (longitude - longMin) / (longMax - longMin);
        latOffset *= (double)(1UL << step);
        longOffset *= (double)(1UL << step);
        hash.Bits = Interleave64((uint)latOffset, (uint)longOffset);
        return true;
    }

    /// <summary>geohashEncodeWGS84: over Valkey's coordinate ranges.</summary>
    public static bool EncodeWgs84(double longitude, double latitude, int step, out GeoHashBits hash) =>
        Encode(LongMin, LongMax, LatMin, LatMax, longitude, latitude, step, out hash);

    /// <summary>geohashDecode over the given ranges.</summary>
    public static bool Decode(double longMin, double longMax, double latMin, double latMax, GeoHashBits hash, out GeoHashArea area)
    {
        area = default;
        if (hash.IsZero || (latMax == 0 && latMin == 0) || (longMax == 0 && longMin == 0)) return false;
        area.Hash = hash;
        int step = hash.Step;
        ulong separated = Deinterleave64(hash.Bits);
        double latScale = latMax - latMin;
        double longScale = longMax - longMin;
        uint ilato = (uint)separated;
        uint ilono = (uint)(separated >> 32);
        double cells = (double)(1UL << step);
        area.LatitudeMin = latMin + (ilato * 1.0 / cells) * latScale;
        area.LatitudeMax = latMin + (unchecked(ilato + 1u) * 1.0 / cells) * latScale;
        area.LongitudeMin = longMin + (ilono * 1.0 / cells) * longScale;
        area.LongitudeMax = longMin + (unchecked(ilono + 1u) * 1.0 / cells) * longScale;
        return true;
    }

    public static bool DecodeWgs84(GeoHashBits hash, out GeoHashArea area) => Decode(LongMin, LongMax, LatMin, LatMax, hash, out area);

    /// <summary>geohashDecodeToLongLatWGS84: the cell centre, clamped to the valid ranges.</summary>
    public static bool DecodeToLongLat(GeoHashBits hash, out double longitude, out double latitude)
    {
        longitude = latitude = 0;
        if (!DecodeWgs84(hash, out var area)) return false;
        longitude = (area.LongitudeMin + area.LongitudeMax) / 2;
        if (longitude > LongMax) longitude = LongMax;
        if (longitude < LongMin) longitude = LongMin;
        latitude = (area.LatitudeMin + area.LatitudeMax) / 2;
        if (latitude > LatMax) latitude = LatMax;
        if (latitude < LatMin) latitude = LatMin;
        return true;
    }

    /// <summary>The C conversion <c>(uint64_t)score</c> as gcc compiles it on x86-64 (cvttsd2si; out-of-range values wrap as the instruction does).</summary>
    public static ulong ScoreToBits(double score)
    {
        const double TwoPow63 = 9223372036854775808.0;
        if (score < TwoPow63) return (ulong)Truncate(score);
        return (ulong)Truncate(score - TwoPow63) ^ 0x8000000000000000UL;
    }

    private static long Truncate(double value) =>
        double.IsNaN(value) || value >= 9223372036854775808.0 || value < -9223372036854775808.0 ? long.MinValue : (long)value;

    /// <summary>decodeGeohash: a sorted-set score (a 52-bit geohash) to the longitude and latitude of its cell centre.</summary>
    public static bool DecodeScore(double score, out double longitude, out double latitude) =>
        DecodeToLongLat(new GeoHashBits(ScoreToBits(score), StepMax), out longitude, out latitude);

    /// <summary>The score GEOADD stores for a point (Valkey validates the coordinates first).</summary>
    public static ulong Score(double longitude, double latitude)
    {
        EncodeWgs84(longitude, latitude, StepMax, out var hash);
        return Align52Bits(hash);
    }

    /// <summary>geohashAlign52Bits: the hash as a 52-bit sorted-set score.</summary>
    public static ulong Align52Bits(GeoHashBits hash) => hash.Bits << (52 - hash.Step * 2);

    /// <summary>scoresOfGeoHashBox: the score range [min, max) of the points inside a cell.</summary>
    public static void ScoresOfBox(GeoHashBits hash, out ulong min, out ulong max)
    {
        min = Align52Bits(hash);
        hash.Bits++;
        max = Align52Bits(hash);
    }

    /// <summary>
    /// GEOHASH's string: the point re-encoded over the standard -90..90 latitude range, as 11
    /// base-32 characters (the last always '0': only 52 bits are kept).
    /// </summary>
    public static void StandardGeohash(double longitude, double latitude, Span<byte> dest)
    {
        ReadOnlySpan<byte> alphabet = "0123456789bcdefghjkmnpqrstuvwxyz"u8;
        Encode(-180, 180, -90, 90, longitude, latitude, 26, out var hash);
        for (int i = 0; i < 11; i++)
        {
            int index = i == 10 ? 0 : (int)((hash.Bits >> (52 - (i + 1) * 5)) & 0x1f);
            dest[i] = alphabet[index];
        }
    }

    // ---- neighbours -------------------------------------------------------------------------------

    private static void MoveX(ref GeoHashBits hash, int d)
    {
        if (d == 0) return;
        ulong x = hash.Bits & 0xaaaaaaaaaaaaaaaaUL;
        ulong y = hash.Bits & 0x5555555555555555UL;
        ulong zz = 0x5555555555555555UL >> (64 - hash.Step * 2);
        if (d > 0)
        {
            x += zz + 1;
        }
        else
        {
            x |= zz;
            x -= zz + 1;
        }
        x &= 0xaaaaaaaaaaaaaaaaUL >> (64 - hash.Step * 2);
        hash.Bits = x | y;
    }

    private static void MoveY(ref GeoHashBits hash, int d)
    {
        if (d == 0) return;
        ulong x = hash.Bits & 0xaaaaaaaaaaaaaaaaUL;
        ulong y = hash.Bits & 0x5555555555555555UL;
        ulong zz = 0xaaaaaaaaaaaaaaaaUL >> (64 - hash.Step * 2);
        if (d > 0)
        {
            y += zz + 1;
        }
        else
        {
            y |= zz;
            y -= zz + 1;
        }
        y &= 0x5555555555555555UL >> (64 - hash.Step * 2);
        hash.Bits = x | y;
    }

    private static GeoHashBits Moved(GeoHashBits hash, int dx, int dy)
    {
        MoveX(ref hash, dx);
        MoveY(ref hash, dy);
        return hash;
    }

    /// <summary>geohashNeighbors: the eight cells around <paramref name="hash"/> (filled into <paramref name="radius"/>).</summary>
    public static void Neighbors(GeoHashBits hash, ref GeoHashRadius radius)
    {
        radius.East = Moved(hash, 1, 0);
        radius.West = Moved(hash, -1, 0);
        radius.South = Moved(hash, 0, -1);
        radius.North = Moved(hash, 0, 1);
        radius.NorthWest = Moved(hash, -1, 1);
        radius.NorthEast = Moved(hash, 1, 1);
        radius.SouthEast = Moved(hash, 1, -1);
        radius.SouthWest = Moved(hash, -1, -1);
    }

    // ---- search areas -----------------------------------------------------------------------------

    /// <summary>geohashEstimateStepsByRadius: the coarsest step whose cells still cover the radius.</summary>
    public static int EstimateStepsByRadius(double rangeMeters, double latitude)
    {
        if (rangeMeters == 0) return 26;
        int step = 1;
        while (rangeMeters < MercatorMax)
        {
            rangeMeters *= 2;
            step++;
        }
        step -= 2;
        if (latitude > 66 || latitude < -66)
        {
            step--;
            if (latitude > 80 || latitude < -80) step--;
        }
        if (step < 1) step = 1;
        if (step > 26) step = 26;
        return step;
    }

    /// <summary>geohashBoundingBox: min longitude, min latitude, max longitude, max latitude around the shape.</summary>
    public static void BoundingBox(in GeoShape shape, out double minLon, out double minLat, out double maxLon, out double maxLat)
    {
        double longitude = shape.Longitude, latitude = shape.Latitude;
        double height = shape.Conversion * (shape.IsBox ? shape.Height / 2 : shape.Radius);
        double width = shape.Conversion * (shape.IsBox ? shape.Width / 2 : shape.Radius);
        double latDelta = RadDeg(height / EarthRadiusInMeters);
        double longDeltaTop = RadDeg(width / EarthRadiusInMeters / Math.Cos(DegRad(latitude + latDelta)));
        double longDeltaBottom = RadDeg(width / EarthRadiusInMeters / Math.Cos(DegRad(latitude - latDelta)));
        bool southern = latitude < 0;
        minLon = southern ? longitude - longDeltaBottom : longitude - longDeltaTop;
        maxLon = southern ? longitude + longDeltaBottom : longitude + longDeltaTop;
        minLat = latitude - latDelta;
        maxLat = latitude + latDelta;
    }

    /// <summary>geohashCalculateAreasByShapeWGS84: the centre cell and the neighbours worth searching.</summary>
    public static GeoHashRadius CalculateAreasByShape(in GeoShape shape)
    {
        BoundingBox(shape, out double minLon, out double minLat, out double maxLon, out double maxLat);
        double longitude = shape.Longitude, latitude = shape.Latitude;
        double radiusMeters = shape.IsBox
            ? Math.Sqrt((shape.Width / 2) * (shape.Width / 2) + (shape.Height / 2) * (shape.Height / 2))
            : shape.Radius;
        radiusMeters *= shape.Conversion;

        int steps = EstimateStepsByRadius(radiusMeters, latitude);
        var result = default(GeoHashRadius);
        EncodeWgs84(longitude, latitude, steps, out var hash);
        Neighbors(hash, ref result);
        DecodeWgs84(hash, out var area);

        bool decreaseStep = false;
        DecodeWgs84(result.North, out var north);
        DecodeWgs84(result.South, out var south);
        DecodeWgs84(result.East, out var east);
        DecodeWgs84(result.West, out var west);
        if (north.LatitudeMax < maxLat) decreaseStep = true;
        if (south.LatitudeMin > minLat) decreaseStep = true;
        if (east.LongitudeMax < maxLon) decreaseStep = true;
        if (west.LongitudeMin > minLon) decreaseStep = true;

        if (steps > 1 && decreaseStep)
        {
            steps--;
            EncodeWgs84(longitude, latitude, steps, out hash);
            Neighbors(hash, ref result);
            DecodeWgs84(hash, out area);
        }

        if (steps >= 2)
        {
            if (area.LatitudeMin < minLat) result.South = result.SouthWest = result.SouthEast = default;
            if (area.LatitudeMax > maxLat) result.North = result.NorthEast = result.NorthWest = default;
            if (area.LongitudeMin < minLon) result.West = result.SouthWest = result.NorthWest = default;
            if (area.LongitudeMax > maxLon) result.East = result.SouthEast = result.NorthEast = default;
        }
        result.Hash = hash;
        result.Area = area;
        return result;
    }

    // ---- distances --------------------------------------------------------------------------------

    /// <summary>geohashGetLatDistance: the distance along a meridian.</summary>
    public static double LatDistance(double lat1d, double lat2d) => EarthRadiusInMeters * Math.Abs(DegRad(lat2d) - DegRad(lat1d));

    /// <summary>geohashGetDistance: Haversine distance in meters.</summary>
    public static double Distance(double lon1d, double lat1d, double lon2d, double lat2d)
    {
        double lon1r = DegRad(lon1d);
        double lon2r = DegRad(lon2d);
        double v = Math.Sin((lon2r - lon1r) / 2);
        if (v == 0.0) return LatDistance(lat1d, lat2d);
        double lat1r = DegRad(lat1d);
        double lat2r = DegRad(lat2d);
        double u = Math.Sin((lat2r - lat1r) / 2);
        double a = u * u + Math.Cos(lat1r) * Math.Cos(lat2r) * v * v;
        return 2.0 * EarthRadiusInMeters * Math.Asin(Math.Sqrt(a));
    }

    /// <summary>geohashGetDistanceIfInRectangle: (x1, y1) the box centre, (x2, y2) the point.</summary>
    public static bool DistanceIfInRectangle(double widthM, double heightM, double x1, double y1, double x2, double y2, out double distance)
    {
        distance = 0;
        double latDistance = LatDistance(y2, y1);
        if (latDistance > heightM / 2) return false;
        double lonDistance = Distance(x2, y2, x1, y2);
        if (lonDistance > widthM / 2) return false;
        distance = Distance(x1, y1, x2, y2);
        return true;
    }

    /// <summary>geoWithinShape: decodes the score and tells whether the point is inside the shape, with its distance (meters) from the centre.</summary>
    public static bool WithinShape(in GeoShape shape, double score, out double longitude, out double latitude, out double distance)
    {
        distance = 0;
        if (!DecodeScore(score, out longitude, out latitude)) return false;
        if (!shape.IsBox)
        {
            distance = Distance(shape.Longitude, shape.Latitude, longitude, latitude);
            return !(distance > shape.Radius * shape.Conversion);
        }
        return DistanceIfInRectangle(shape.Width * shape.Conversion, shape.Height * shape.Conversion,
            shape.Longitude, shape.Latitude, longitude, latitude, out distance);
    }

    // ---- formatting -------------------------------------------------------------------------------

    /// <summary>Longest text of <see cref="FormatDistance"/>.</summary>
    public const int MaxDistanceLength = 32;

    /// <summary>fixedpoint_d2string(d, 4): llrint(d × 10⁴) written with four decimals ("%.4f" as Valkey replies distances).</summary>
    public static int FormatDistance(double value, Span<byte> dest)
    {
        if (value == 0)
        {
            "0.0000"u8.CopyTo(dest);
            return 6;
        }
        double scaled = Math.Round(value * 10000.0, MidpointRounding.ToEven);
        long s = double.IsNaN(scaled) || scaled >= 9223372036854775808.0 || scaled < -9223372036854775808.0 ? long.MinValue : (long)scaled;
        int length = 0;
        ulong magnitude;
        if (s < 0)
        {
            dest[length++] = (byte)'-';
            magnitude = s == long.MinValue ? 1UL << 63 : (ulong)(-s);
        }
        else
        {
            magnitude = (ulong)s;
        }
        length += NumberFormatter.FormatUInt64(magnitude / 10000, dest[length..]);
        dest[length++] = (byte)'.';
        ulong fraction = magnitude % 10000;
        for (int i = 3; i >= 0; i--)
        {
            dest[length + i] = (byte)('0' + (int)(fraction % 10));
            fraction /= 10;
        }
        return length + 4;
    }

    /// <summary>
    /// C's <c>printf("%.*f")</c> of a double as glibc prints it: the exact binary value rounded
    /// half-to-even to <paramref name="decimals"/> places, the sign kept on negative zero, "inf"/"nan".
    /// Used for error texts only (allocates).
    /// </summary>
    public static string FormatFixed(double value, int decimals)
    {
        if (double.IsNaN(value)) return double.IsNegative(value) ? "-nan" : "nan";
        if (double.IsInfinity(value)) return value < 0 ? "-inf" : "inf";
        bool negative = double.IsNegative(value);
        long bits = BitConverter.DoubleToInt64Bits(value);
        int exponent = (int)((bits >> 52) & 0x7FF);
        long mantissa = bits & 0xFFFFFFFFFFFFFL;
        if (exponent == 0) exponent = 1;
        else mantissa |= 1L << 52;
        exponent -= 1075;
        // value = mantissa × 2^exponent; scaled = value × 10^decimals, rounded half-even.
        BigInteger scaled = new BigInteger(mantissa) * BigInteger.Pow(10, decimals);
        if (exponent >= 0)
        {
            scaled <<= exponent;
        }
        else
        {
            BigInteger divisor = BigInteger.One << -exponent;
            BigInteger quotient = BigInteger.DivRem(scaled, divisor, out BigInteger remainder);
            int cmp = (remainder * 2).CompareTo(divisor);
            if (cmp > 0 || (cmp == 0 && !quotient.IsEven)) quotient += 1;
            scaled = quotient;
        }
        string digits = scaled.ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(decimals + 1, '0');
        var sb = new StringBuilder();
        if (negative) sb.Append('-');
        sb.Append(digits, 0, digits.Length - decimals);
        if (decimals > 0) sb.Append('.').Append(digits, digits.Length - decimals, decimals);
        return sb.ToString();
    }
}
