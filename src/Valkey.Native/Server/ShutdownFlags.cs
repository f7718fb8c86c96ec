namespace Valkey.Native.Server;

/// <summary>
/// SHUTDOWN modifiers as bits (Valkey's SHUTDOWN_* values), shared by the SHUTDOWN command and the
/// shutdown-on-sigterm / shutdown-on-sigint parameters.
/// </summary>
public static class ShutdownFlags
{
    public const int None = 0;
    public const int Save = 1;
    public const int NoSave = 2;
    public const int Now = 4;
    public const int Force = 8;

    /// <summary>Parameter names in Valkey's table order (CONFIG GET lists set bits in this order).</summary>
    private static readonly (string Name, int Bit)[] Names =
        [("default", None), ("save", Save), ("nosave", NoSave), ("now", Now), ("force", Force)];

    public static string Format(int flags)
    {
        if (flags == None) return "default";
        var parts = new List<string>();
        foreach (var (name, bit) in Names) if (bit != 0 && (flags & bit) == bit) parts.Add(name);
        return string.Join(' ', parts);
    }

    /// <summary>Parses shutdown-on-sig* arguments (each may hold several space-separated words).</summary>
    public static SetResult Parse(string[] args, int current, Action<int> store, out string? error)
    {
        int flags = 0, words = 0;
        foreach (string word in args.SelectMany(a => a.Split(' ', StringSplitOptions.RemoveEmptyEntries)))
        {
            words++;
            int i = Array.FindIndex(Names, n => string.Equals(n.Name, word, StringComparison.OrdinalIgnoreCase));
            if (i < 0)
            {
                error = "argument(s) must be one of the following: default, save, nosave, now, force";
                return SetResult.Failed;
            }
            flags |= Names[i].Bit;
        }
        if (words == 0)
        {
            error = "argument(s) must be one of the following: default, save, nosave, now, force";
            return SetResult.Failed;
        }
        if ((flags & Save) != 0 && (flags & NoSave) != 0)
        {
            error = "shutdown options SAVE and NOSAVE can't be used simultaneously";
            return SetResult.Failed;
        }
        error = null;
        if (flags == current) return SetResult.Unchanged;
        store(flags);
        return SetResult.Changed;
    }
}
