using Valkey.Native.Storage;

namespace Valkey.Native.Commands;

/// <summary>Which SCAN variant is parsing its options (each accepts one extra option).</summary>
public enum ScanKind { Keys, Hash, Set, SortedSet }

/// <summary>
/// The options shared by SCAN, HSCAN, SSCAN and ZSCAN (Valkey's scanGenericCommand):
/// COUNT, MATCH, and TYPE / NOVALUES / NOSCORES where the variant allows them, with Valkey's
/// errors. One parser for all four so they cannot drift apart.
/// </summary>
public readonly ref struct ScanOptions
{
    public long Count { get; init; }
    /// <summary>The MATCH pattern, empty when every element matches (no MATCH, or MATCH *).</summary>
    public ReadOnlySpan<byte> Pattern { get; init; }
    public bool UsePattern { get; init; }
    public bool FilterType { get; init; }
    public DataType Type { get; init; }
    public bool NoValues { get; init; }
    public bool NoScores { get; init; }

    /// <summary>Parses options from <paramref name="first"/> on; on error replies and returns false.</summary>
    public static bool TryParseOrReply(CommandContext ctx, int first, ScanKind kind, out ScanOptions options)
    {
        options = default;
        long count = 10;
        int patternIndex = -1;
        bool filterType = false, noValues = false, noScores = false;
        DataType type = DataType.String;
        for (int i = first; i < ctx.ArgCount;)
        {
            int remaining = ctx.ArgCount - i;
            if (ctx.ArgIs(i, "count"u8) && remaining >= 2)
            {
                if (!ctx.TryGetInt64OrReply(i + 1, out count)) return false;
                if (count < 1)
                {
                    ctx.Reply.AddError(ErrorMessages.Syntax);
                    return false;
                }
                i += 2;
            }
            else if (ctx.ArgIs(i, "match"u8) && remaining >= 2)
            {
                patternIndex = i + 1;
                i += 2;
            }
            else if (kind == ScanKind.Keys && ctx.ArgIs(i, "type"u8) && remaining >= 2)
            {
                // Checked before any key is looked at, so a bad name reclaims no expired key.
                if (!ValueNames.TryParseType(ctx.Arg(i + 1), out type))
                {
                    string name = ctx.ArgString(i + 1);
                    int nul = name.IndexOf('\0');
                    ctx.Reply.AddError($"ERR unknown type name '{(nul >= 0 ? name[..nul] : name)}'");
                    return false;
                }
                filterType = true;
                i += 2;
            }
            else if (ctx.ArgIs(i, "novalues"u8))
            {
                if (kind != ScanKind.Hash)
                {
                    ctx.Reply.AddError("ERR NOVALUES option can only be used in HSCAN"u8);
                    return false;
                }
                noValues = true;
                i++;
            }
            else if (ctx.ArgIs(i, "noscores"u8))
            {
                if (kind != ScanKind.SortedSet)
                {
                    ctx.Reply.AddError("ERR NOSCORES option can only be used in ZSCAN"u8);
                    return false;
                }
                noScores = true;
                i++;
            }
            else
            {
                ctx.Reply.AddError(ErrorMessages.Syntax);
                return false;
            }
        }
        ReadOnlySpan<byte> pattern = patternIndex >= 0 ? ctx.Arg(patternIndex) : default;
        options = new ScanOptions
        {
            Count = count,
            Pattern = pattern,
            // "*" matches everything, so it is the same as no pattern.
            UsePattern = patternIndex >= 0 && !(pattern.Length == 1 && pattern[0] == (byte)'*'),
            FilterType = filterType,
            Type = type,
            NoValues = noValues,
            NoScores = noScores,
        };
        return true;
    }
}
