using System.Buffers;
using Valkey.Native.Storage;
using Valkey.Native.Util;
using static Valkey.Native.Commands.KeySpecFlags;

namespace Valkey.Native.Commands;

/// <summary>
/// Geo commands (Valkey's geo.c): points are members of an ordinary sorted set whose score is the
/// 52-bit geohash of the point (<see cref="GeoHash"/>). GEOADD is ZADD with computed scores;
/// GEOPOS, GEOHASH and GEODIST decode scores; GEOSEARCH, GEOSEARCHSTORE and the GEORADIUS family
/// scan the score ranges of the centre cell and its neighbours (Valkey's order), keep the points
/// inside the circle or box, sort them by distance (a stable sort as glibc's qsort, or Valkey's
/// partial quicksort with COUNT) and reply or store them.
/// </summary>
public static unsafe class GeoCommands
{
    private const CommandFlags WriteOom = CommandFlags.Write | CommandFlags.DenyOom;
    private const AclCategories Geo = AclCategories.Geo;
    private const string Group = "geo";
    private const string RadiusComplexity = "O(N+log(M)) where N is the number of elements inside the bounding box of the circular area delimited by center and radius and M is the number of items inside the index.";
    private const string SearchComplexity = "O(N+log(M)) where N is the number of elements in the grid-aligned bounding box area around the shape provided as the filter and M is the number of items inside the shape";
    private static readonly (string, string)[] RadiusHistory = [("6.2.0", "Added the `ANY` option for `COUNT`."), ("7.0.0", "Added support for uppercase unit names.")];

    private static KeySpec[] Key(KeySpecFlags flags) => [KeySpec.Index(1, flags)];

    public static readonly CommandSpec[] Commands =
    [
        new("geoadd", -5, WriteOom, Geo, GeoAdd)
        {
            Group = Group, Since = "3.2.0", Summary = "Adds one or more members to a geospatial index. The key is created if it doesn't exist.",
            Complexity = "O(log(N)) for each item added, where N is the number of elements in the sorted set.",
            KeySpecs = Key(RW | Update), History = [("6.2.0", "Added the `CH`, `NX` and `XX` options.")],
        },
        new("geodist", -4, CommandFlags.ReadOnly, Geo, GeoDist)
        {
            Group = Group, Since = "3.2.0", Summary = "Returns the distance between two members of a geospatial index.",
            Complexity = "O(1)", KeySpecs = Key(RO | Access),
        },
        new("geohash", -2, CommandFlags.ReadOnly, Geo, GeoHashCommand)
        {
            Group = Group, Since = "3.2.0", Summary = "Returns members from a geospatial index as geohash strings.",
            Complexity = "O(1) for each member requested.", KeySpecs = Key(RO | Access),
        },
        new("geopos", -2, CommandFlags.ReadOnly, Geo, GeoPos)
        {
            Group = Group, Since = "3.2.0", Summary = "Returns the longitude and latitude of members from a geospatial index.",
            Complexity = "O(1) for each member requested.", KeySpecs = Key(RO | Access),
        },
        new("georadius", -6, WriteOom, Geo, GeoRadius)
        {
            Group = Group, Since = "3.2.0", Complexity = RadiusComplexity,
            Summary = "Queries a geospatial index for members within a distance from a coordinate, optionally stores the result.",
            KeySpecs = [KeySpec.Index(1, RO | Access), KeySpec.AfterKeyword("STORE", 6, OW | Update), KeySpec.AfterKeyword("STOREDIST", 6, OW | Update)],
            Keys = GeoRadiusKeys, History = RadiusHistory,
            DeprecatedSince = "6.2.0", ReplacedBy = "`GEOSEARCH` and `GEOSEARCHSTORE` with the `BYRADIUS` argument",
        },
        new("georadius_ro", -6, CommandFlags.ReadOnly, Geo, GeoRadiusRo)
        {
            Group = Group, Since = "3.2.10", Complexity = RadiusComplexity,
            Summary = "Returns members from a geospatial index that are within a distance from a coordinate.",
            KeySpecs = Key(RO | Access), History = RadiusHistory,
            DeprecatedSince = "6.2.0", ReplacedBy = "`GEOSEARCH` with the `BYRADIUS` argument",
        },
        new("georadiusbymember", -5, WriteOom, Geo, GeoRadiusByMember)
        {
            Group = Group, Since = "3.2.0", Complexity = RadiusComplexity,
            Summary = "Queries a geospatial index for members within a distance from a member, optionally stores the result.",
            KeySpecs = [KeySpec.Index(1, RO | Access), KeySpec.AfterKeyword("STORE", 5, OW | Update), KeySpec.AfterKeyword("STOREDIST", 5, OW | Update)],
            Keys = GeoRadiusKeys, History = RadiusHistory,
            DeprecatedSince = "6.2.0", ReplacedBy = "`GEOSEARCH` and `GEOSEARCHSTORE` with the `BYRADIUS` and `FROMMEMBER` arguments",
        },
        new("georadiusbymember_ro", -5, CommandFlags.ReadOnly, Geo, GeoRadiusByMemberRo)
        {
            Group = Group, Since = "3.2.10", Complexity = RadiusComplexity,
            Summary = "Returns members from a geospatial index that are within a distance from a member.",
            KeySpecs = Key(RO | Access), History = RadiusHistory,
            DeprecatedSince = "6.2.0", ReplacedBy = "`GEOSEARCH` with the `BYRADIUS` and `FROMMEMBER` arguments",
        },
        new("geosearch", -7, CommandFlags.ReadOnly, Geo, GeoSearch)
        {
            Group = Group, Since = "6.2.0", Complexity = SearchComplexity,
            Summary = "Queries a geospatial index for members inside an area of a box or a circle.",
            KeySpecs = Key(RO | Access), History = [("7.0.0", "Added support for uppercase unit names.")],
        },
        new("geosearchstore", -8, WriteOom, Geo, GeoSearchStore)
        {
            Group = Group, Since = "6.2.0", Complexity = SearchComplexity,
            Summary = "Queries a geospatial index for members inside an area of a box or a circle, optionally stores the result.",
            KeySpecs = [KeySpec.Index(1, OW | Update), KeySpec.Index(2, RO | Access)],
            History = [("7.0.0", "Added support for uppercase unit names.")],
        },
    ];

    /// <summary>georadiusGetKeys: the source key, and the argument after the last STORE/STOREDIST from argument 5 on.</summary>
    private static void GeoRadiusKeys(CommandContext ctx, List<KeyReference> keys)
    {
        int stored = -1;
        for (int i = 5; i < ctx.ArgCount; i++)
        {
            if ((ctx.ArgIs(i, "store"u8) || ctx.ArgIs(i, "storedist"u8)) && i + 1 < ctx.ArgCount)
            {
                stored = i + 1;
                i++;
            }
        }
        keys.Add(new KeyReference(1, RO | Access));
        if (stored > 0) keys.Add(new KeyReference(stored, OW | Update));
    }

    // ---- argument helpers --------------------------------------------------------------------

    /// <summary>extractLongLatOrReply: a longitude and a latitude at <paramref name="index"/>, within Valkey's limits.</summary>
    private static bool TryGetLongLatOrReply(CommandContext ctx, int index, out double longitude, out double latitude)
    {
        latitude = 0;
        if (!ctx.TryGetDoubleOrReply(index, out longitude) || !ctx.TryGetDoubleOrReply(index + 1, out latitude)) return false;
        if (longitude < GeoHash.LongMin || longitude > GeoHash.LongMax || latitude < GeoHash.LatMin || latitude > GeoHash.LatMax)
        {
            ctx.Reply.AddError(ErrorMessages.GeoInvalidLongLat(GeoHash.FormatFixed(longitude, 6), GeoHash.FormatFixed(latitude, 6)));
            return false;
        }
        return true;
    }

    /// <summary>extractUnitOrReply: meters per unit, or -1 after replying the error.</summary>
    private static double UnitOrReply(CommandContext ctx, int index)
    {
        if (ctx.ArgIs(index, "m"u8)) return 1;
        if (ctx.ArgIs(index, "km"u8)) return 1000;
        if (ctx.ArgIs(index, "ft"u8)) return 0.3048;
        if (ctx.ArgIs(index, "mi"u8)) return 1609.34;
        ctx.Reply.AddError(ErrorMessages.GeoUnsupportedUnit);
        return -1;
    }

    /// <summary>extractDistanceOrReply: "radius unit".</summary>
    private static bool TryGetDistanceOrReply(CommandContext ctx, int index, ref GeoShape shape)
    {
        if (!ctx.TryGetDoubleOrReply(index, out double radius, ErrorMessages.GeoNeedNumericRadius)) return false;
        if (radius < 0)
        {
            ctx.Reply.AddError(ErrorMessages.GeoNegativeRadius);
            return false;
        }
        double conversion = UnitOrReply(ctx, index + 1);
        if (conversion < 0) return false;
        shape.Radius = radius;
        shape.Conversion = conversion;
        return true;
    }

    /// <summary>extractBoxOrReply: "width height unit".</summary>
    private static bool TryGetBoxOrReply(CommandContext ctx, int index, ref GeoShape shape)
    {
        if (!ctx.TryGetDoubleOrReply(index, out double width, ErrorMessages.GeoNeedNumericWidth)
            || !ctx.TryGetDoubleOrReply(index + 1, out double height, ErrorMessages.GeoNeedNumericHeight)) return false;
        if (height < 0 || width < 0)
        {
            ctx.Reply.AddError(ErrorMessages.GeoNegativeBox);
            return false;
        }
        double conversion = UnitOrReply(ctx, index + 2);
        if (conversion < 0) return false;
        shape.Width = width;
        shape.Height = height;
        shape.Conversion = conversion;
        return true;
    }

    /// <summary>longLatFromMember: the position of a member of the set; false if it is absent.</summary>
    private static bool TryGetMemberPosition(CommandContext ctx, byte* entry, ReadOnlySpan<byte> member, out double longitude, out double latitude)
    {
        longitude = latitude = 0;
        return SortedSetValue.TryGetScore(ctx.Keyspace, Database.Header(entry), member, out double score)
            && GeoHash.DecodeScore(score, out longitude, out latitude);
    }

    /// <summary>addReplyDoubleDistance: a bulk string with four decimals.</summary>
    private static void AddDistance(CommandContext ctx, double distance)
    {
        Span<byte> buffer = stackalloc byte[GeoHash.MaxDistanceLength];
        ctx.Reply.AddBulk(buffer[..GeoHash.FormatDistance(distance, buffer)]);
    }

    /// <summary>addReplyHumanLongDouble: "%.17Lf" trimmed; a bulk string in RESP2, a double in RESP3.</summary>
    private static void AddCoordinate(CommandContext ctx, double value)
    {
        Span<byte> buffer = stackalloc byte[128];
        var reply = ctx.Reply;
        if (reply.Protocol < 3)
        {
            reply.AddBulk(buffer[..LongDouble.FromDouble(value).FormatHuman(buffer)]);
            return;
        }
        buffer[0] = (byte)',';
        int length = 1 + LongDouble.FromDouble(value).FormatHuman(buffer[1..]);
        buffer[length++] = (byte)'\r';
        buffer[length++] = (byte)'\n';
        reply.AddRaw(buffer[..length]);
    }

    // ---- GEOADD ------------------------------------------------------------------------------

    /// <summary>geoaddCommand: [NX|XX] [CH] then longitude latitude member triples, added as ZADD would with the geohash scores.</summary>
    private static void GeoAdd(CommandContext ctx)
    {
        bool nx = false, xx = false, ch = false;
        int longIndex = 2;
        for (; longIndex < ctx.ArgCount; longIndex++)
        {
            if (ctx.ArgIs(longIndex, "nx"u8)) nx = true;
            else if (ctx.ArgIs(longIndex, "xx"u8)) xx = true;
            else if (ctx.ArgIs(longIndex, "ch"u8)) ch = true;
            else break;
        }
        int remaining = ctx.ArgCount - longIndex;
        if (remaining % 3 != 0 || (xx && nx) || remaining == 0)
        {
            ctx.Reply.AddError(ErrorMessages.Syntax);
            return;
        }
        int elements = remaining / 3;
        long maxLength = 0;
        for (int i = 0; i < elements; i++)
        {
            if (!TryGetLongLatOrReply(ctx, longIndex + i * 3, out _, out _)) return;
            maxLength = Math.Max(maxLength, ctx.Arg(longIndex + i * 3 + 2).Length);
        }

        var key = ctx.Arg(1);
        byte* entry = ctx.LookupWriteOfType(key, DataType.SortedSet, out bool wrongType);
        if (wrongType) return;
        long added = 0, updated = 0;
        if (entry != null || !xx)
        {
            var limits = SortedSetCommands.Limits(ctx);
            ValueHeader* header;
            if (entry == null)
            {
                entry = SortedSetValue.Create(ctx.Db, key, elements, maxLength, limits);
                header = Database.Header(entry);
            }
            else
            {
                header = Database.Header(entry);
                SortedSetValue.MaybeConvert(ctx.Keyspace, header, elements, maxLength, limits);
            }
            var flags = nx ? ZAddFlags.Nx : xx ? ZAddFlags.Xx : ZAddFlags.None;
            for (int i = 0; i < elements; i++)
            {
                int at = longIndex + i * 3;
                NumberParser.TryParseDouble(ctx.Arg(at), out double longitude);
                NumberParser.TryParseDouble(ctx.Arg(at + 1), out double latitude);
                double score = GeoHash.Score(longitude, latitude);
                SortedSetValue.Add(ctx.Keyspace, header, score, ctx.Arg(at + 2), flags, limits, out var outcome, out _);
                if ((outcome & ZAddOutcome.Added) != 0) added++;
                if ((outcome & ZAddOutcome.Updated) != 0) updated++;
            }
            ctx.MarkDirty(added + updated);
        }
        ctx.Reply.AddInteger(ch ? added + updated : added);
        if (added + updated > 0) ctx.KeyChanged(NotifyClass.SortedSet, "zadd", key);
    }

    // ---- GEOHASH / GEOPOS / GEODIST ---------------------------------------------------------

    private static void GeoHashCommand(CommandContext ctx)
    {
        byte* entry = ctx.LookupReadOfType(ctx.Arg(1), DataType.SortedSet, out bool wrongType);
        if (wrongType) return;
        ctx.Reply.AddArrayLength(ctx.ArgCount - 2);
        Span<byte> text = stackalloc byte[11];
        for (int i = 2; i < ctx.ArgCount; i++)
        {
            if (entry == null || !TryGetMemberPosition(ctx, entry, ctx.Arg(i), out double longitude, out double latitude))
            {
                ctx.Reply.AddNull();
                continue;
            }
            GeoHash.StandardGeohash(longitude, latitude, text);
            ctx.Reply.AddBulk(text);
        }
    }

    private static void GeoPos(CommandContext ctx)
    {
        byte* entry = ctx.LookupReadOfType(ctx.Arg(1), DataType.SortedSet, out bool wrongType);
        if (wrongType) return;
        ctx.Reply.AddArrayLength(ctx.ArgCount - 2);
        for (int i = 2; i < ctx.ArgCount; i++)
        {
            if (entry == null || !TryGetMemberPosition(ctx, entry, ctx.Arg(i), out double longitude, out double latitude))
            {
                ctx.Reply.AddNullArray();
                continue;
            }
            ctx.Reply.AddArrayLength(2);
            AddCoordinate(ctx, longitude);
            AddCoordinate(ctx, latitude);
        }
    }

    private static void GeoDist(CommandContext ctx)
    {
        double toMeters = 1;
        if (ctx.ArgCount == 5)
        {
            toMeters = UnitOrReply(ctx, 4);
            if (toMeters < 0) return;
        }
        else if (ctx.ArgCount > 5)
        {
            ctx.Reply.AddError(ErrorMessages.Syntax);
            return;
        }
        byte* entry = ctx.LookupReadOfType(ctx.Arg(1), DataType.SortedSet, out bool wrongType);
        if (wrongType) return;
        if (entry == null)
        {
            ctx.Reply.AddNull();
            return;
        }
        var header = Database.Header(entry);
        if (!SortedSetValue.TryGetScore(ctx.Keyspace, header, ctx.Arg(2), out double score1)
            || !SortedSetValue.TryGetScore(ctx.Keyspace, header, ctx.Arg(3), out double score2)
            || !GeoHash.DecodeScore(score1, out double lon1, out double lat1)
            || !GeoHash.DecodeScore(score2, out double lon2, out double lat2))
        {
            ctx.Reply.AddNull();
            return;
        }
        AddDistance(ctx, GeoHash.Distance(lon1, lat1, lon2, lat2) / toMeters);
    }

    // ---- the searches ------------------------------------------------------------------------

    [Flags]
    private enum SearchFlags
    {
        None = 0,
        Coords = 1,
        Member = 2,
        NoStore = 4,
        Search = 8,
        SearchStore = 16,
    }

    private static void GeoRadius(CommandContext ctx) => SearchGeneric(ctx, 1, SearchFlags.Coords);

    private static void GeoRadiusByMember(CommandContext ctx) => SearchGeneric(ctx, 1, SearchFlags.Member);

    private static void GeoRadiusRo(CommandContext ctx) => SearchGeneric(ctx, 1, SearchFlags.Coords | SearchFlags.NoStore);

    private static void GeoRadiusByMemberRo(CommandContext ctx) => SearchGeneric(ctx, 1, SearchFlags.Member | SearchFlags.NoStore);

    private static void GeoSearch(CommandContext ctx) => SearchGeneric(ctx, 1, SearchFlags.Search);

    private static void GeoSearchStore(CommandContext ctx) => SearchGeneric(ctx, 2, SearchFlags.Search | SearchFlags.SearchStore);

    private enum SortOrder { None, Asc, Desc }

    /// <summary>georadiusGeneric: every search command, step for step as Valkey (option parsing, errors, results).</summary>
    private static void SearchGeneric(CommandContext ctx, int sourceIndex, SearchFlags flags)
    {
        byte* source = ctx.LookupReadOfType(ctx.Arg(sourceIndex), DataType.SortedSet, out bool wrongType);
        if (wrongType) return;

        int baseArgs;
        int storeKey = -1;
        var shape = new GeoShape();
        if ((flags & SearchFlags.Coords) != 0)
        {
            baseArgs = 6;
            if (!TryGetLongLatOrReply(ctx, 2, out shape.Longitude, out shape.Latitude)) return;
            if (!TryGetDistanceOrReply(ctx, baseArgs - 2, ref shape)) return;
        }
        else if ((flags & SearchFlags.Member) != 0)
        {
            baseArgs = 5;
            if (source != null)
            {
                if (!TryGetMemberPosition(ctx, source, ctx.Arg(2), out shape.Longitude, out shape.Latitude))
                {
                    ctx.Reply.AddError(ErrorMessages.GeoMemberNotDecoded);
                    return;
                }
                if (!TryGetDistanceOrReply(ctx, baseArgs - 2, ref shape)) return;
            }
        }
        else
        {
            baseArgs = 2;
            if ((flags & SearchFlags.SearchStore) != 0)
            {
                baseArgs = 3;
                storeKey = 1;
            }
        }

        bool withDist = false, withHash = false, withCoords = false;
        bool fromMember = false, fromLonLat = false, byRadius = false, byBox = false, storeDist = false, any = false;
        var sort = SortOrder.None;
        long count = 0;
        bool search = (flags & SearchFlags.Search) != 0;
        bool radiusStoreAllowed = (flags & (SearchFlags.NoStore | SearchFlags.Search)) == 0;
        int remaining = ctx.ArgCount - baseArgs;
        for (int i = 0; i < remaining; i++)
        {
            int at = baseArgs + i;
            if (ctx.ArgIs(at, "withdist"u8)) withDist = true;
            else if (ctx.ArgIs(at, "withhash"u8)) withHash = true;
            else if (ctx.ArgIs(at, "withcoord"u8)) withCoords = true;
            else if (ctx.ArgIs(at, "any"u8)) any = true;
            else if (ctx.ArgIs(at, "asc"u8)) sort = SortOrder.Asc;
            else if (ctx.ArgIs(at, "desc"u8)) sort = SortOrder.Desc;
            else if (ctx.ArgIs(at, "count"u8) && i + 1 < remaining)
            {
                if (!ctx.TryGetInt64OrReply(at + 1, out count)) return;
                if (count <= 0)
                {
                    ctx.Reply.AddError(ErrorMessages.GeoCountNotPositive);
                    return;
                }
                i++;
            }
            else if (ctx.ArgIs(at, "store"u8) && i + 1 < remaining && radiusStoreAllowed)
            {
                storeKey = at + 1;
                storeDist = false;
                i++;
            }
            else if (ctx.ArgIs(at, "storedist"u8) && i + 1 < remaining && radiusStoreAllowed)
            {
                storeKey = at + 1;
                storeDist = true;
                i++;
            }
            else if (ctx.ArgIs(at, "storedist"u8) && search && (flags & SearchFlags.SearchStore) != 0)
            {
                storeDist = true;
            }
            else if (ctx.ArgIs(at, "frommember"u8) && i + 1 < remaining && search && !fromLonLat)
            {
                if (source != null && !TryGetMemberPosition(ctx, source, ctx.Arg(at + 1), out shape.Longitude, out shape.Latitude))
                {
                    ctx.Reply.AddError(ErrorMessages.GeoMemberNotDecoded);
                    return;
                }
                fromMember = true;
                i++;
            }
            else if (ctx.ArgIs(at, "fromlonlat"u8) && i + 2 < remaining && search && !fromMember)
            {
                if (!TryGetLongLatOrReply(ctx, at + 1, out shape.Longitude, out shape.Latitude)) return;
                fromLonLat = true;
                i += 2;
            }
            else if (ctx.ArgIs(at, "byradius"u8) && i + 2 < remaining && search && !byBox)
            {
                if (!TryGetDistanceOrReply(ctx, at + 1, ref shape)) return;
                shape.IsBox = false;
                byRadius = true;
                i += 2;
            }
            else if (ctx.ArgIs(at, "bybox"u8) && i + 3 < remaining && search && !byRadius)
            {
                if (!TryGetBoxOrReply(ctx, at + 1, ref shape)) return;
                shape.IsBox = true;
                byBox = true;
                i += 3;
            }
            else
            {
                ctx.Reply.AddError(ErrorMessages.Syntax);
                return;
            }
        }

        if (storeKey > 0 && (withDist || withHash || withCoords))
        {
            ctx.Reply.AddError(ErrorMessages.GeoStoreWithOptions((flags & SearchFlags.SearchStore) != 0 ? "GEOSEARCHSTORE" : "STORE option in GEORADIUS"));
            return;
        }
        if (search && !(fromMember || fromLonLat))
        {
            ctx.Reply.AddError(ErrorMessages.GeoNeedFrom(ctx.ArgString(0)));
            return;
        }
        if (search && !(byRadius || byBox))
        {
            ctx.Reply.AddError(ErrorMessages.GeoNeedBy(ctx.ArgString(0)));
            return;
        }
        if (any && count == 0)
        {
            ctx.Reply.AddError(ErrorMessages.GeoAnyWithoutCount);
            return;
        }

        if (source == null)
        {
            if (storeKey > 0)
            {
                var key = ctx.Arg(storeKey);
                if (ctx.Db.Delete(key))
                {
                    ctx.KeyChanged(NotifyClass.Generic, "del", key);
                    ctx.MarkDirty();
                }
                ctx.Reply.AddInteger(0);
            }
            else
            {
                ctx.Reply.AddEmptyArray();
            }
            return;
        }

        if (count != 0 && sort == SortOrder.None && !any) sort = SortOrder.Asc;

        var areas = GeoHash.CalculateAreasByShape(shape);
        var points = new GeoPoints(shape, any ? count : 0);
        try
        {
            CollectNeighbors(ctx, Database.Header(source), areas, ref points);
            if (points.Count == 0 && storeKey < 0)
            {
                ctx.Reply.AddEmptyArray();
                return;
            }
            long resultLength = points.Count;
            long returned = count == 0 || resultLength < count ? resultLength : count;
            if (sort != SortOrder.None)
            {
                if (returned == resultLength) points.StableSort(sort == SortOrder.Desc);
                else points.PartialSort(sort == SortOrder.Desc, 0, returned - 1);
            }
            if (storeKey < 0) ReplyPoints(ctx, ref points, (int)returned, shape.Conversion, withDist, withHash, withCoords);
            else StorePoints(ctx, ref points, (int)returned, shape.Conversion, ctx.Arg(storeKey), storeDist, search);
        }
        finally
        {
            points.Dispose();
        }
    }

    /// <summary>membersOfAllNeighbors: the centre cell then its neighbours, skipping removed cells and repeats of the last one searched.</summary>
    private static void CollectNeighbors(CommandContext ctx, ValueHeader* header, in GeoHashRadius areas, ref GeoPoints points)
    {
        Span<GeoHashBits> cells = stackalloc GeoHashBits[9];
        areas.SearchOrder(cells);
        int lastProcessed = 0;
        for (int i = 0; i < cells.Length; i++)
        {
            if (cells[i].IsZero) continue;
            // As Valkey: "last processed" starts at 0, so the centre cell is never compared against.
            if (lastProcessed != 0 && cells[i].Bits == cells[lastProcessed].Bits && cells[i].Step == cells[lastProcessed].Step) continue;
            if (points.Full) break;
            GeoHash.ScoresOfBox(cells[i], out ulong min, out ulong max);
            var range = new ScoreRange(min, max, minExclusive: false, maxExclusive: true);
            SortedSetValue.VisitRange(ctx.Keyspace, header, range, 0, -1, reverse: false, ref points);
            lastProcessed = i;
        }
    }

    private static void ReplyPoints(CommandContext ctx, ref GeoPoints points, int returned, double conversion,
        bool withDist, bool withHash, bool withCoords)
    {
        var reply = ctx.Reply;
        int options = (withDist ? 1 : 0) + (withCoords ? 1 : 0) + (withHash ? 1 : 0);
        reply.AddArrayLength(returned);
        for (int i = 0; i < returned; i++)
        {
            ref var p = ref points.Items[i];
            if (options > 0) reply.AddArrayLength(options + 1);
            reply.AddBulk(points.Member(i));
            if (withDist) AddDistance(ctx, p.Distance / conversion);
            if (withHash) reply.AddInteger((long)p.Score);
            if (withCoords)
            {
                reply.AddArrayLength(2);
                AddCoordinate(ctx, p.Longitude);
                AddCoordinate(ctx, p.Latitude);
            }
        }
    }

    private static void StorePoints(CommandContext ctx, ref GeoPoints points, int returned, double conversion,
        ReadOnlySpan<byte> key, bool storeDist, bool search)
    {
        var elements = new List<(byte[] Member, double Score)>(returned);
        for (int i = 0; i < returned; i++)
        {
            ref var p = ref points.Items[i];
            elements.Add((points.Member(i).ToArray(), storeDist ? p.Distance / conversion : p.Score));
        }
        elements.Sort(static (a, b) =>
        {
            int c = a.Score.CompareTo(b.Score);
            return c != 0 ? c : a.Member.AsSpan().SequenceCompareTo(b.Member);
        });
        // Replies the count, replaces (or, with no results, deletes) the key and signals it.
        SortedSetRangeCommands.StoreResult(ctx, key, elements, search ? "geosearchstore" : "georadiusstore");
        if (returned > 1) ctx.MarkDirty(returned - 1); // Valkey counts one change per stored element.
    }

    // ---- the points found --------------------------------------------------------------------

    private struct GeoPoint
    {
        public double Longitude, Latitude, Distance, Score;
        public int Offset, Length;
    }

    /// <summary>Valkey's geoArray: points inside the shape with their members copied out (pooled buffers).</summary>
    private struct GeoPoints : ISortedSetVisitor, IDisposable
    {
        private readonly GeoShape _shape;
        private readonly long _limit;
        public GeoPoint[] Items;
        private byte[] _bytes;
        private int _used;
        public int Count;

        public GeoPoints(in GeoShape shape, long limit)
        {
            _shape = shape;
            _limit = limit;
            Items = ArrayPool<GeoPoint>.Shared.Rent(16);
            _bytes = ArrayPool<byte>.Shared.Rent(256);
        }

        /// <summary>COUNT ... ANY: enough points were found, the search stops.</summary>
        public readonly bool Full => Count > 0 && _limit > 0 && Count >= _limit;

        public readonly ReadOnlySpan<byte> Member(int i) => _bytes.AsSpan(Items[i].Offset, Items[i].Length);

        public void Visit(ReadOnlySpan<byte> member, double score)
        {
            if (Full) return;
            if (!GeoHash.WithinShape(_shape, score, out double longitude, out double latitude, out double distance)) return;
            if (Count == Items.Length)
            {
                var bigger = ArrayPool<GeoPoint>.Shared.Rent(Count * 2);
                Items.AsSpan(0, Count).CopyTo(bigger);
                ArrayPool<GeoPoint>.Shared.Return(Items);
                Items = bigger;
            }
            if (_used + member.Length > _bytes.Length)
            {
                var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_bytes.Length * 2, _used + member.Length));
                _bytes.AsSpan(0, _used).CopyTo(bigger);
                ArrayPool<byte>.Shared.Return(_bytes);
                _bytes = bigger;
            }
            member.CopyTo(_bytes.AsSpan(_used));
            Items[Count++] = new GeoPoint
            {
                Longitude = longitude, Latitude = latitude, Distance = distance, Score = score, Offset = _used, Length = member.Length,
            };
            _used += member.Length;
        }

        private static int Compare(in GeoPoint a, in GeoPoint b, bool desc)
        {
            int cmp = a.Distance > b.Distance ? 1 : a.Distance == b.Distance ? 0 : -1;
            return desc ? -cmp : cmp;
        }

        /// <summary>glibc's qsort (a merge sort): equal distances keep their order.</summary>
        public readonly void StableSort(bool desc)
        {
            if (Count < 2) return;
            var temp = ArrayPool<GeoPoint>.Shared.Rent(Count);
            MergeSort(Items, temp, 0, Count, desc);
            ArrayPool<GeoPoint>.Shared.Return(temp);
        }

        private static void MergeSort(GeoPoint[] a, GeoPoint[] temp, int from, int n, bool desc)
        {
            if (n < 2) return;
            int n1 = n / 2;
            MergeSort(a, temp, from, n1, desc);
            MergeSort(a, temp, from + n1, n - n1, desc);
            int i = from, j = from + n1, k = 0, iEnd = from + n1, jEnd = from + n;
            while (i < iEnd && j < jEnd) temp[k++] = Compare(a[i], a[j], desc) <= 0 ? a[i++] : a[j++];
            while (i < iEnd) temp[k++] = a[i++];
            Array.Copy(temp, 0, a, from, k);
        }

        /// <summary>Valkey's pqsort (Bentley &amp; McIlroy's quicksort recursing only into partitions meeting [left, right]).</summary>
        public readonly void PartialSort(bool desc, long left, long right) => PartialQuickSort(Items, 0, Count, left, right, desc);

        private static void PartialQuickSort(GeoPoint[] v, int a, int n, long left, long right, bool desc)
        {
            while (true)
            {
                if (n < 7)
                {
                    for (int m = a + 1; m < a + n; m++)
                        for (int l = m; l > a && Compare(v[l - 1], v[l], desc) > 0; l--) Swap(v, l, l - 1);
                    return;
                }
                int pm = a + n / 2;
                if (n > 7)
                {
                    int pl = a, pn = a + n - 1;
                    if (n > 40)
                    {
                        int d = n / 8;
                        pl = Median3(v, pl, pl + d, pl + 2 * d, desc);
                        pm = Median3(v, pm - d, pm, pm + d, desc);
                        pn = Median3(v, pn - 2 * d, pn - d, pn, desc);
                    }
                    pm = Median3(v, pl, pm, pn, desc);
                }
                Swap(v, a, pm);
                int pa = a + 1, pb = a + 1, pc = a + n - 1, pd = a + n - 1;
                while (true)
                {
                    int r;
                    while (pb <= pc && (r = Compare(v[pb], v[a], desc)) <= 0)
                    {
                        if (r == 0) Swap(v, pa++, pb);
                        pb++;
                    }
                    while (pb <= pc && (r = Compare(v[pc], v[a], desc)) >= 0)
                    {
                        if (r == 0) Swap(v, pc, pd--);
                        pc--;
                    }
                    if (pb > pc) break;
                    Swap(v, pb++, pc--);
                }
                int end = a + n;
                int s = Math.Min(pa - a, pb - pa);
                SwapBlocks(v, a, pb - s, s);
                s = Math.Min(pd - pc, end - pd - 1);
                SwapBlocks(v, pb, end - s, s);
                if ((s = pb - pa) > 1 && Overlaps(a, s, left, right)) PartialQuickSort(v, a, s, left, right, desc);
                if ((s = pd - pc) > 1)
                {
                    a = end - s;
                    n = s;
                    if (Overlaps(a, n, left, right)) continue;
                }
                return;
            }
        }

        private static bool Overlaps(int from, int n, long left, long right) => !(right < from || left > from + n - 1);

        private static int Median3(GeoPoint[] v, int a, int b, int c, bool desc) =>
            Compare(v[a], v[b], desc) < 0
                ? (Compare(v[b], v[c], desc) < 0 ? b : (Compare(v[a], v[c], desc) < 0 ? c : a))
                : (Compare(v[b], v[c], desc) > 0 ? b : (Compare(v[a], v[c], desc) < 0 ? a : c));

        private static void Swap(GeoPoint[] v, int i, int j) => (v[i], v[j]) = (v[j], v[i]);

        private static void SwapBlocks(GeoPoint[] v, int i, int j, int n)
        {
            for (int k = 0; k < n; k++) Swap(v, i + k, j + k);
        }

        public void Dispose()
        {
            if (Items != null) ArrayPool<GeoPoint>.Shared.Return(Items);
            if (_bytes != null) ArrayPool<byte>.Shared.Return(_bytes);
            Items = null!;
            _bytes = null!;
        }
    }
}
