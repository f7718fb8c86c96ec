using System.Globalization;

namespace Valkey.Native.Server;

/// <summary>
/// oom-score-adj / oom-score-adj-values: writes /proc/self/oom_score_adj as Valkey's setOOMScoreAdj.
/// The base score (read the first time we take control) is restored when the feature is turned off.
/// Only the primary class applies here: there is no replica role and background saves are not forked children.
/// </summary>
public static class OomScoreAdj
{
    private const string ProcFile = "/proc/self/oom_score_adj";
    public static readonly int[] DefaultValues = [0, 200, 800];
    private static bool s_adjusted;
    private static int s_base;

    /// <summary>Applies the current setting; false (after logging why) when /proc could not be read or written.</summary>
    public static bool Apply(ServerConfig config, Log log)
    {
        if (!OperatingSystem.IsLinux()) return config.OomScoreAdj == "no";
        int value;
        if (config.OomScoreAdj != "no")
        {
            if (!s_adjusted)
            {
                try
                {
                    s_base = int.Parse(File.ReadAllText(ProcFile).Trim(), CultureInfo.InvariantCulture);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
                {
                    log.Warning($"Unable to read oom_score_adj: {e.Message}");
                    return false;
                }
                s_adjusted = true;
            }
            value = config.OomScoreAdjValues[0];
            if (config.OomScoreAdj == "yes") value += s_base; // relative
            value = Math.Clamp(value, -1000, 1000);
        }
        else if (s_adjusted)
        {
            s_adjusted = false;
            value = s_base;
        }
        else
        {
            return true;
        }
        try
        {
            File.WriteAllText(ProcFile, value.ToString(CultureInfo.InvariantCulture) + "\n");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log.Warning($"Unable to write oom_score_adj: {e.Message}");
            return false;
        }
    }

    public static SetResult SetValues(ServerConfig config, string[] args, Log? log, out string? error)
    {
        string[] words = args.Length == 1 ? args[0].Split(' ', StringSplitOptions.RemoveEmptyEntries) : args;
        if (words.Length != 3)
        {
            error = "wrong number of arguments";
            return SetResult.Failed;
        }
        var values = new int[3];
        for (int i = 0; i < 3; i++)
        {
            if (!long.TryParse(words[i], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long v) || v < -2000 || v > 2000)
            {
                error = "Invalid oom-score-adj-values, elements must be between -2000 and 2000.";
                return SetResult.Failed;
            }
            values[i] = (int)v;
        }
        error = null;
        if (values[1] < values[0] || values[2] < values[1])
            log?.Warning("The oom-score-adj-values configuration may not work for non-privileged processes! Please consult the documentation.");
        if (values.AsSpan().SequenceEqual(config.OomScoreAdjValues)) return SetResult.Unchanged;
        config.OomScoreAdjValues = values;
        return SetResult.Changed;
    }
}
