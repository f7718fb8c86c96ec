using System.Runtime.InteropServices;
using System.Text;
using Valkey.Native.Protocol;
using Valkey.Native.Util;

namespace Valkey.Native.Server;

/// <summary>
/// Reads configuration the way valkey-server does: the command line becomes extra config lines
/// appended after the file (and stdin), and the whole text is read line by line with sdssplitargs
/// quoting, "include" and later-directive-wins semantics. Errors are fatal and reported with
/// Valkey's exact stderr text through <see cref="ConfigFileException"/>.
/// </summary>
public static class ConfigFile
{
    /// <summary>Includes deeper than this are refused (Valkey recurses until the stack overflows).</summary>
    public const int MaxIncludeDepth = 32;

    /// <summary>Directives Valkey understands that we do not implement: refused with a clear reason.</summary>
    private static readonly string[] UnsupportedDirectives = ["rename-command", "user", "loadmodule", "sentinel"];

    /// <summary>Old directives Valkey still accepts and ignores, with their allowed argument counts.</summary>
    private static readonly (string Name, int MinArgc, int MaxArgc)[] DeprecatedDirectives =
    [
        ("list-max-ziplist-entries", 2, 2),
        ("list-max-ziplist-value", 2, 2),
        ("lua-replicate-commands", 2, 2),
        ("io-threads-do-reads", 2, 2),
    ];

    /// <summary>
    /// Turns <c>[config-file] [--name value ...]</c> into the config file name (null if none),
    /// the stdin flag ("-" first or last) and the option text appended after the file: each
    /// <c>--name</c> starts a new line, and the arguments after it are its values, quoted with
    /// sdscatrepr. Right after a bare <c>--name</c> the next argument is a value even if it starts
    /// with "--"; a bare <c>--save</c> followed by another option (or last) means <c>save ""</c>.
    /// </summary>
    public static string BuildOptions(string[] args, out string? configFile, out bool fromStdin)
    {
        configFile = null;
        fromStdin = false;
        var options = new StringBuilder();
        int j = 0;
        if (args.Length > 0 && !args[0].StartsWith('-'))
        {
            configFile = args[0];
            j = 1;
        }
        bool lastOptionHasValue = true;
        for (; j < args.Length; j++)
        {
            string a = args[j];
            bool isLast = j == args.Length - 1;
            if (a == "-" && (j == 0 || isLast))
            {
                fromStdin = true;
            }
            else if (lastOptionHasValue && a.StartsWith("--", StringComparison.Ordinal))
            {
                if (options.Length > 0) options.Append('\n');
                options.Append(a, 2, a.Length - 2).Append(' ');
                if (CountArgs(a) == 1)
                {
                    // Only the name (like "--port"): the next argument is its value, whatever it looks like.
                    lastOptionHasValue = false;
                    bool nextIsOption = !isLast && args[j + 1].StartsWith("--", StringComparison.Ordinal);
                    if (a.Equals("--save", StringComparison.OrdinalIgnoreCase) && (nextIsOption || isLast))
                    {
                        // "--save --other ..." and a trailing "--save" are how scripts write an empty save list.
                        options.Append("\"\"");
                        lastOptionHasValue = true;
                    }
                    else if (a.Equals("--sentinel", StringComparison.OrdinalIgnoreCase) && nextIsOption)
                    {
                        lastOptionHasValue = true;
                    }
                }
                else
                {
                    // "--port 6380" as one argument: name and value together.
                    lastOptionHasValue = true;
                }
            }
            else
            {
                options.Append(ConfigText.Repr(a)).Append(' ');
                lastOptionHasValue = true;
            }
        }
        return options.ToString();
    }

    /// <summary>Number of sdssplitargs arguments in <paramref name="text"/> (0 on unbalanced quotes).</summary>
    private static int CountArgs(string text)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        var list = new ArgList();
        return InlineSplitter.TrySplit(bytes, list) ? list.Count : 0;
    }

    /// <summary>
    /// valkey-server's getAbsolutePath(): trims blanks, prefixes the working directory to a relative
    /// path and folds only leading "../" (so INFO and CONFIG REWRITE name the file as Valkey would).
    /// </summary>
    public static string GetAbsolutePath(string fileName)
    {
        string rel = fileName.Trim(' ', '\r', '\n', '\t');
        if (rel.StartsWith('/')) return rel;
        string abs = Directory.GetCurrentDirectory();
        if (abs.Length > 0 && !abs.EndsWith('/')) abs += "/";
        while (rel.StartsWith("../", StringComparison.Ordinal))
        {
            rel = rel[3..];
            if (abs.Length > 1)
            {
                int cut = abs.LastIndexOf('/', abs.Length - 2);
                abs = abs[..(cut + 1)];
            }
        }
        return abs + rel;
    }

    /// <summary>
    /// loadServerConfig(): the file (or every file a wildcard name matches), then stdin, then
    /// "\n" + <paramref name="options"/>, read as one text.
    /// </summary>
    public static void Load(ConfigRegistry registry, string? fileName, bool fromStdin, string? options, int depth = 0)
    {
        if (depth > MaxIncludeDepth)
            throw new ConfigFileException(FatalMessage(null, null, $"Too many nested includes (more than {MaxIncludeDepth})"));
        var content = new MemoryStream();
        if (fileName != null)
        {
            if (fileName.AsSpan().IndexOfAny("*?[") >= 0)
            {
                // With a wildcard an empty match is fine (an empty conf.d directory).
                foreach (string path in ExpandGlob(fileName)) AppendFile(content, path);
            }
            else
            {
                AppendFile(content, fileName);
            }
        }
        if (fromStdin)
        {
            using var stdin = Console.OpenStandardInput();
            stdin.CopyTo(content);
        }
        if (options != null)
        {
            content.WriteByte((byte)'\n');
            byte[] o = Encoding.UTF8.GetBytes(options);
            content.Write(o, 0, o.Length);
        }
        LoadFromText(registry, content.ToArray(), depth);
    }

    private static void AppendFile(MemoryStream content, string path)
    {
        // fopen(3) opens a directory fine and reading it yields nothing: Valkey loads it as empty.
        if (Directory.Exists(path)) return;
        try
        {
            using var f = File.OpenRead(path);
            f.CopyTo(content);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigFileException($"Fatal error, can't open config file '{path}': {StrError(e)}\n");
        }
    }

    /// <summary>
    /// loadServerConfigFromString(): one directive per line, "#" comments, later lines override
    /// earlier ones (save lines accumulate). Throws <see cref="ConfigFileException"/> on the first error.
    /// </summary>
    public static void LoadFromText(ConfigRegistry registry, byte[] text, int depth = 0)
    {
        registry.ReadingConfigFile = true;
        var args = new ArgList();
        int lineStart = 0, lineNumber = 0;
        while (lineStart <= text.Length)
        {
            int nl = Array.IndexOf(text, (byte)'\n', lineStart);
            int lineEnd = nl < 0 ? text.Length : nl;
            lineNumber++;
            ReadOnlySpan<byte> line = Trim(text.AsSpan(lineStart, lineEnd - lineStart), " \t\r\n"u8);
            lineStart = lineEnd + 1;
            if (line.IsEmpty || line[0] == '#') continue;

            // The splitter unescapes in place: work on a copy so the error report shows the line as written.
            byte[] copy = line.ToArray();
            string? error = InlineSplitter.TrySplit(copy, args)
                ? ProcessDirective(registry, copy, args, depth)
                : "Unbalanced quotes in configuration line";
            if (error != null)
                throw new ConfigFileException(FatalMessage(lineNumber, Encoding.UTF8.GetString(line), error));
        }

        // As Valkey: the log file must be writable now, because the server could not report later.
        string logFile = registry.Config.LogFile;
        if (logFile.Length > 0)
        {
            try
            {
                using var _ = new FileStream(logFile, FileMode.Append, FileAccess.Write);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new ConfigFileException(FatalMessage(null, null, $"Can't open the log file: {StrError(e)}"));
            }
        }
        registry.ReadingConfigFile = false;
    }

    /// <summary>Applies one split line; returns the error text or null.</summary>
    private static string? ProcessDirective(ConfigRegistry registry, byte[] buffer, ArgList args, int depth)
    {
        int argc = args.Count;
        if (argc == 0) return null;
        var argv = new string[argc];
        for (int i = 0; i < argc; i++) argv[i] = Encoding.UTF8.GetString(buffer, args.OffsetAt(i), args.LengthAt(i));
        string name = AsciiLower(argv[0]);

        var parameter = registry.Find(name);
        if (parameter != null)
        {
            string[] values;
            if (!parameter.Has(ConfigFlags.MultiArg))
            {
                if (argc != 2) return "wrong number of arguments";
                values = [argv[1]];
            }
            else if (argc == 2 && argv[1].Length > 0)
            {
                // One non-empty value for a multi-value parameter is split again, so that
                // --bind "127.0.0.1 ::1" works; an empty one (--save "") stays one empty value.
                values = SplitArgs(argv[1]);
            }
            else
            {
                values = argv[1..];
            }
            return parameter.Set(registry.Config, values, out string? error) == SetResult.Failed ? error : null;
        }

        foreach (var (dname, min, max) in DeprecatedDirectives)
        {
            if (name == dname && argc >= min && argc <= max) return null;
        }
        if (name == "include" && argc == 2)
        {
            Load(registry, argv[1], fromStdin: false, options: null, depth + 1);
            // Valkey leaves "reading a config file" mode when the included text ends, so save lines
            // after an include replace instead of appending; we keep reading the including file as a
            // config file, which is what the documented "save lines accumulate" rule says.
            registry.ReadingConfigFile = true;
            return null;
        }
        if (Array.IndexOf(UnsupportedDirectives, name) >= 0 || name.Contains('.'))
            return $"The '{name}' directive is not supported by Valkey.Native";
        return "Bad directive or wrong number of arguments";
    }

    /// <summary>sdssplitargs of a value; unbalanced quotes give no values, as in Valkey.</summary>
    internal static string[] SplitArgs(string text)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        var list = new ArgList();
        if (!InlineSplitter.TrySplit(bytes, list)) return [];
        var result = new string[list.Count];
        for (int i = 0; i < result.Length; i++) result[i] = Encoding.UTF8.GetString(bytes, list.OffsetAt(i), list.LengthAt(i));
        return result;
    }

    /// <summary>Valkey's fatal config error text (stderr), line and quoted directive included when known.</summary>
    public static string FatalMessage(int? lineNumber, string? line, string error)
    {
        var sb = new StringBuilder();
        sb.Append($"\n*** FATAL CONFIG FILE ERROR (Version {ServerContext.Version}) ***\n");
        if (lineNumber != null)
        {
            sb.Append($"Reading the configuration file, at line {lineNumber}\n");
            sb.Append($">>> '{line}'\n");
        }
        return sb.Append(error).Append('\n').ToString();
    }

    internal static ReadOnlySpan<byte> Trim(ReadOnlySpan<byte> s, ReadOnlySpan<byte> chars)
    {
        int start = 0, end = s.Length;
        while (start < end && chars.IndexOf(s[start]) >= 0) start++;
        while (end > start && chars.IndexOf(s[end - 1]) >= 0) end--;
        return s[start..end];
    }

    /// <summary>sdstolower(): ASCII only, as C's tolower in the "C" locale.</summary>
    internal static string AsciiLower(string s) => string.Create(s.Length, s, static (span, src) =>
    {
        for (int i = 0; i < src.Length; i++) span[i] = char.IsAsciiLetterUpper(src[i]) ? (char)(src[i] | 0x20) : src[i];
    });

    /// <summary>strerror() text for a file-system exception.</summary>
    internal static string StrError(Exception e) => e switch
    {
        FileNotFoundException or DirectoryNotFoundException => Marshal.GetPInvokeErrorMessage(2), // ENOENT
        UnauthorizedAccessException => Marshal.GetPInvokeErrorMessage(13), // EACCES
        PathTooLongException => Marshal.GetPInvokeErrorMessage(36), // ENAMETOOLONG
        _ => e.Message,
    };

    /// <summary>
    /// glob(3) without flags: every path component may hold * ? [..] (as our GlobMatcher reads
    /// them), hidden entries match only a pattern that starts with '.', results sorted.
    /// </summary>
    internal static List<string> ExpandGlob(string pattern)
    {
        bool absolute = pattern.StartsWith('/');
        string[] parts = pattern.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var current = new List<string> { absolute ? "/" : "" };
        for (int p = 0; p < parts.Length; p++)
        {
            string part = parts[p];
            bool last = p == parts.Length - 1;
            var next = new List<string>();
            foreach (string dir in current)
            {
                if (part.AsSpan().IndexOfAny("*?[") < 0)
                {
                    string candidate = dir + part;
                    if (last ? File.Exists(candidate) || Directory.Exists(candidate) : Directory.Exists(candidate))
                        next.Add(last ? candidate : candidate + "/");
                    continue;
                }
                string listDir = dir.Length == 0 ? "." : dir;
                if (!Directory.Exists(listDir)) continue;
                byte[] patternBytes = Encoding.UTF8.GetBytes(part);
                var names = new List<string>();
                try
                {
                    foreach (string entry in Directory.EnumerateFileSystemEntries(listDir))
                    {
                        string name = Path.GetFileName(entry);
                        if (name.StartsWith('.') && !part.StartsWith('.')) continue;
                        if (!last && !Directory.Exists(entry)) continue;
                        if (GlobMatcher.IsMatch(patternBytes, Encoding.UTF8.GetBytes(name))) names.Add(name);
                    }
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    continue; // unreadable directory: glob skips it too
                }
                names.Sort(StringComparer.Ordinal);
                foreach (string name in names) next.Add(last ? dir + name : dir + name + "/");
            }
            current = next;
        }
        return current;
    }
}

/// <summary>
/// CONFIG REWRITE: keeps the old file's comments, unknown lines and order, replaces the lines of
/// known parameters in place, blanks their extra lines, and appends the parameters that differ
/// from their defaults after a "# Generated by CONFIG REWRITE" marker. The new file replaces the
/// old one atomically (temporary file + rename).
/// </summary>
public static class ConfigRewriter
{
    public const string Signature = "# Generated by CONFIG REWRITE";

    /// <summary>Lines of other directives that loading accepts without a parameter row.</summary>
    private static readonly string[] KnownDirectives = ["include", "rename-command", "user", "loadmodule", "sentinel"];

    private sealed class State
    {
        public readonly List<byte[]> Lines = new();
        public readonly Dictionary<string, List<int>> OptionToLines = new(StringComparer.OrdinalIgnoreCase);
        public readonly HashSet<string> Rewritten = new(StringComparer.OrdinalIgnoreCase);
        public bool NeedsSignature = true;
        public bool ForceAll;
    }

    /// <summary>The new file content for <paramref name="path"/> (which may not exist yet).</summary>
    public static byte[] BuildContent(ConfigRegistry registry, string path, bool forceAll)
    {
        var state = ReadOldFile(registry, path);
        state.ForceAll = forceAll;
        var defaults = new ServerConfig();
        foreach (var p in registry.Parameters)
        {
            var line = p.Rewrite(registry.Config, defaults);
            if (line.Line == null) state.Rewritten.Add(p.Name);
            else RewriteLine(state, p.Name, line.Line, line.Force);
        }
        RemoveOrphaned(state);
        return Join(state);
    }

    /// <summary>Rewrites the file in place; throws IOException/UnauthorizedAccessException on failure.</summary>
    public static void Rewrite(ConfigRegistry registry, string path, bool forceAll)
    {
        byte[] content = BuildContent(registry, path, forceAll);
        string tmp = path + "." + Path.GetRandomFileName().Replace(".", "")[..6];
        try
        {
            using (var f = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write))
            {
                f.Write(content);
                f.Flush(flushToDisk: true);
            }
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(tmp, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            File.Move(tmp, path, overwrite: true);
        }
        catch
        {
            try { File.Delete(tmp); } catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
            throw;
        }
    }

    private static State ReadOldFile(ConfigRegistry registry, string path)
    {
        var state = new State();
        byte[] text;
        try
        {
            text = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return state; // a missing file is rewritten from scratch
        }
        if (text.Length == 0) return state;

        var args = new ArgList();
        int lineStart = 0;
        byte[] signature = Encoding.ASCII.GetBytes(Signature);
        while (lineStart <= text.Length)
        {
            int nl = Array.IndexOf(text, (byte)'\n', lineStart);
            int lineEnd = nl < 0 ? text.Length : nl;
            byte[] line = ConfigFile.Trim(text.AsSpan(lineStart, lineEnd - lineStart), "\r\n\t "u8).ToArray();
            lineStart = lineEnd + 1;
            int lineIndex = state.Lines.Count;

            if (line.Length == 0 || line[0] == '#')
            {
                if (state.NeedsSignature && line.AsSpan().SequenceEqual(signature)) state.NeedsSignature = false;
                state.Lines.Add(line);
                continue;
            }

            byte[] copy = (byte[])line.Clone();
            string? name = null;
            if (InlineSplitter.TrySplit(copy, args) && args.Count > 0)
                name = ConfigFile.AsciiLower(Encoding.UTF8.GetString(copy, args.OffsetAt(0), args.LengthAt(0)));
            var parameter = name == null ? null : registry.Find(name);
            if (name == null || (parameter == null && Array.IndexOf(KnownDirectives, name) < 0))
            {
                // Unparsable or unknown (a parameter that no longer exists): kept, commented out.
                state.Lines.Add([.. "# ??? "u8, .. line]);
                continue;
            }
            state.Lines.Add(line);
            // Lines written with an alias count as the parameter's own lines.
            string option = parameter?.Name ?? name;
            if (!state.OptionToLines.TryGetValue(option, out var list)) state.OptionToLines[option] = list = new List<int>();
            list.Add(lineIndex);
        }
        return state;
    }

    /// <summary>rewriteConfigRewriteLine(): reuse the option's first old line, else append if forced.</summary>
    private static void RewriteLine(State state, string option, string line, bool force)
    {
        state.Rewritten.Add(option);
        bool hasOld = state.OptionToLines.TryGetValue(option, out var old);
        if (!hasOld && !force && !state.ForceAll) return;
        byte[] bytes = Encoding.UTF8.GetBytes(line);
        if (hasOld)
        {
            state.Lines[old![0]] = bytes;
            old.RemoveAt(0);
            if (old.Count == 0) state.OptionToLines.Remove(option);
            return;
        }
        if (state.NeedsSignature)
        {
            state.Lines.Add(Encoding.ASCII.GetBytes(Signature));
            state.NeedsSignature = false;
        }
        state.Lines.Add(bytes);
    }

    /// <summary>Blanks the old lines left over for rewritten options (duplicates, removed values).</summary>
    private static void RemoveOrphaned(State state)
    {
        foreach (var (option, lines) in state.OptionToLines)
        {
            if (!state.Rewritten.Contains(option)) continue; // lines we do not understand stay
            foreach (int i in lines) state.Lines[i] = [];
        }
    }

    /// <summary>Joins the lines, each ending in "\n", collapsing runs of empty lines into one.</summary>
    private static byte[] Join(State state)
    {
        var output = new MemoryStream();
        bool wasEmpty = false;
        foreach (byte[] line in state.Lines)
        {
            if (line.Length == 0)
            {
                if (wasEmpty) continue;
                wasEmpty = true;
            }
            else
            {
                wasEmpty = false;
            }
            output.Write(line);
            output.WriteByte((byte)'\n');
        }
        return output.ToArray();
    }
}
