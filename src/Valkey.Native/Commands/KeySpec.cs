namespace Valkey.Native.Commands;

/// <summary>Key spec flags (Valkey's CMD_KEY_*), as COMMAND INFO and GETKEYSANDFLAGS report them.</summary>
[Flags]
public enum KeySpecFlags
{
    None = 0,
    RO = 1 << 0,
    RW = 1 << 1,
    OW = 1 << 2,
    RM = 1 << 3,
    Access = 1 << 4,
    Update = 1 << 5,
    Insert = 1 << 6,
    Delete = 1 << 7,
    NotKey = 1 << 8,
    Incomplete = 1 << 9,
    VariableFlags = 1 << 10,
}

/// <summary>How a key spec finds its first key: a fixed argument index or after a keyword.</summary>
public enum BeginSearch { Unknown, Index, Keyword }

/// <summary>How a key spec finds the keys from there: a range, or a count argument followed by the keys.</summary>
public enum FindKeys { Unknown, Range, KeyNum }

/// <summary>Documentation flags COMMAND DOCS reports (Valkey's CMD_DOC_*), in its order.</summary>
[Flags]
public enum DocFlags
{
    None = 0,
    Deprecated = 1 << 0,
    SysCmd = 1 << 1,
}

/// <summary>A key argument found in a command line: its index (0 = command name) and access flags.</summary>
public readonly record struct KeyReference(int Position, KeySpecFlags Flags);

/// <summary>
/// Where a command's keys are (one "key_specs" entry of Valkey's src/commands/*.json): where to
/// start looking (<see cref="Begin"/>: argument <see cref="Position"/>, or after <see cref="Keyword"/>
/// searched from <see cref="StartFrom"/>), then how to find them from there (<see cref="Find"/>). Rows declare them with the helpers below,
/// which read like the JSON: <c>KeySpec.Index(1, RW | Access | Delete)</c> is
/// <c>{"begin_search": {"index": {"pos": 1}}, "find_keys": {"range": {"lastkey": 0, "step": 1, "limit": 0}}}</c>.
/// Family files write the flags bare with <c>using static Valkey.Native.Commands.KeySpecFlags;</c>.
/// </summary>
public sealed record KeySpec(
    KeySpecFlags Flags,
    BeginSearch Begin, int Position, string? Keyword, int StartFrom,
    FindKeys Find, int LastKey, int KeyStep, int Limit, int KeyNumIndex, int FirstKey,
    string? Notes)
{
    /// <summary>
    /// Keys from argument <paramref name="index"/> on: "range" with <paramref name="lastKey"/>
    /// relative to it (0 = only that key, -1 = up to the last argument, -2 = all but the last...),
    /// every <paramref name="step"/>; <paramref name="limit"/> as Valkey's range limit.
    /// </summary>
    public static KeySpec Index(int index, KeySpecFlags flags, int lastKey = 0, int step = 1, int limit = 0, string? notes = null) =>
        new(flags, BeginSearch.Index, index, null, 0, FindKeys.Range, lastKey, step, limit, 0, 0, notes);

    /// <summary>
    /// From argument <paramref name="index"/>: "keynum" — the key count is at
    /// <paramref name="keyNumIndex"/>, the first key at <paramref name="firstKey"/> (both relative to it).
    /// </summary>
    public static KeySpec IndexKeyNum(int index, KeySpecFlags flags, int keyNumIndex = 0, int firstKey = 1, int step = 1, string? notes = null) =>
        new(flags, BeginSearch.Index, index, null, 0, FindKeys.KeyNum, 0, step, 0, keyNumIndex, firstKey, notes);

    /// <summary>
    /// After <paramref name="keyword"/>, searched from argument <paramref name="startFrom"/> (negative:
    /// from the end, backwards); then a range as in <see cref="Index"/>.
    /// </summary>
    public static KeySpec AfterKeyword(string keyword, int startFrom, KeySpecFlags flags, int lastKey = 0, int step = 1, int limit = 0, string? notes = null) =>
        new(flags, BeginSearch.Keyword, 0, keyword, startFrom, FindKeys.Range, lastKey, step, limit, 0, 0, notes);

    /// <summary>Keys only the command's own key finder can locate ("unknown" begin and find).</summary>
    public static KeySpec Unknown(KeySpecFlags flags, string? notes = null) =>
        new(flags, BeginSearch.Unknown, 0, null, 0, FindKeys.Unknown, 0, 0, 0, 0, 0, notes);

    /// <summary>
    /// The legacy (first, last, step) COMMAND reports, derived from the key specs exactly as Valkey's
    /// populateCommandLegacyRangeSpec: one plain range is taken as is; several ranges with step 1
    /// that follow each other are glued; anything else is left out and makes the keys "movable"
    /// (as does an incomplete spec). No specs: 0, 0, 0 and not movable.
    /// </summary>
    public static void LegacyRange(KeySpec[] specs, out int first, out int last, out int step, out bool movable)
    {
        first = last = step = 0;
        movable = false;
        if (specs.Length == 0) return;
        if (specs.Length == 1 && specs[0].Begin == BeginSearch.Index && specs[0].Find == FindKeys.Range)
        {
            var s = specs[0];
            first = s.Position;
            last = s.LastKey >= 0 ? s.LastKey + first : s.LastKey;
            step = s.KeyStep;
            movable = (s.Flags & KeySpecFlags.Incomplete) != 0;
            return;
        }
        int firstKey = int.MaxValue;
        uint lastKey = 0;
        uint previousLast = 0;
        foreach (var s in specs)
        {
            if (s.Begin != BeginSearch.Index || s.Find != FindKeys.Range)
            {
                movable = true;
                continue;
            }
            if (s.KeyStep != 1 || (previousLast != 0 && previousLast != (uint)(s.Position - 1)))
            {
                movable = true;
                continue;
            }
            if ((s.Flags & KeySpecFlags.Incomplete) != 0) movable = true;
            firstKey = Math.Min(firstKey, s.Position);
            int absoluteLast = s.LastKey >= 0 ? s.LastKey + s.Position : s.LastKey;
            // Unsigned comparison, as Valkey: a negative (relative-to-end) last key wins.
            lastKey = Math.Max(lastKey, (uint)absoluteLast);
            previousLast = lastKey;
        }
        if (firstKey == int.MaxValue)
        {
            movable = true;
            return;
        }
        first = firstKey;
        last = (int)lastKey;
        step = 1;
    }
}
