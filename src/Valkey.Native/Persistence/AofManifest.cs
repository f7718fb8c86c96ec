using System.Text;

namespace Valkey.Native.Persistence;

/// <summary>Kinds of AOF files in a manifest: 'b' base, 'h' history (to delete), 'i' incremental.</summary>
public enum AofFileType : byte { Base = (byte)'b', History = (byte)'h', Incr = (byte)'i' }

public sealed record AofFileInfo(string Name, long Seq, AofFileType Type);

/// <summary>
/// The multi-part AOF manifest of Valkey 7+ (aof.c: aofInfoFormat / aofLoadManifestFromFile):
/// <c>appendonly.aof.manifest</c> in <c>appenddirname</c>, one line per file,
/// <c>file &lt;name&gt; seq &lt;n&gt; type b|h|i</c>, with at most one base, then the incremental files in
/// order. Names are quoted (C-style escapes) when they contain spaces or special bytes.
/// Files are named <c>&lt;appendfilename&gt;.&lt;seq&gt;.base.rdb|.base.aof</c> and <c>&lt;appendfilename&gt;.&lt;seq&gt;.incr.aof</c>.
/// </summary>
public sealed class AofManifest
{
    public AofFileInfo? Base { get; set; }
    public List<AofFileInfo> Incr { get; } = [];
    public List<AofFileInfo> History { get; } = [];
    public long CurrentBaseSeq { get; set; }
    public long CurrentIncrSeq { get; set; }

    public const string BaseSuffix = ".base";
    public const string IncrSuffix = ".incr";
    public const string RdbExt = ".rdb";
    public const string AofExt = ".aof";
    public const string ManifestSuffix = ".manifest";

    public static string ManifestName(string appendFilename) => appendFilename + ManifestSuffix;
    public static string BaseName(string appendFilename, long seq, bool rdb) => $"{appendFilename}.{seq}{BaseSuffix}{(rdb ? RdbExt : AofExt)}";
    public static string IncrName(string appendFilename, long seq) => $"{appendFilename}.{seq}{IncrSuffix}{AofExt}";

    /// <summary>Base first, then incremental files in order (the loading order).</summary>
    public IEnumerable<AofFileInfo> LoadOrder()
    {
        if (Base != null) yield return Base;
        foreach (var f in Incr) yield return f;
    }

    public AofManifest Clone()
    {
        var m = new AofManifest { Base = Base, CurrentBaseSeq = CurrentBaseSeq, CurrentIncrSeq = CurrentIncrSeq };
        m.Incr.AddRange(Incr);
        m.History.AddRange(History);
        return m;
    }

    /// <summary>The manifest text: base, history, then incremental files (Valkey's getAofManifestAsString order).</summary>
    public string Format()
    {
        var sb = new StringBuilder();
        void Line(AofFileInfo f) => sb.Append("file ").Append(Quote(f.Name)).Append(" seq ").Append(f.Seq).Append(" type ").Append((char)f.Type).Append('\n');
        if (Base != null) Line(Base);
        foreach (var f in History) Line(f);
        foreach (var f in Incr) Line(f);
        return sb.ToString();
    }

    /// <summary>Parses manifest text; throws <see cref="FormatException"/> with Valkey's messages on bad content.</summary>
    public static AofManifest Parse(string text)
    {
        var m = new AofManifest();
        long maxIncrSeq = 0;
        int lineNo = 0;
        if (text.Length == 0) throw new FormatException("Found an empty AOF manifest");
        var lines = text.Split('\n');
        // aofLoadManifestFromFile reads lines with fgets: the text after the last '\n' is a last line too.
        int count = text.EndsWith('\n') ? lines.Length - 1 : lines.Length;
        for (int n = 0; n < count; n++)
        {
            string rawLine = lines[n];
            lineNo++;
            // Comments are recognised before trimming; a blank line is an error, as in Valkey.
            if (rawLine.StartsWith('#')) continue;
            if (rawLine.Length >= ManifestMaxLine || n == lines.Length - 1) throw new FormatException("The AOF manifest file contains too long line");
            string line = rawLine.Trim(' ', '\t', '\r');
            if (line.Length == 0) throw new FormatException("Invalid AOF manifest file format");
            var args = SplitArgs(line) ?? throw new FormatException("Invalid AOF manifest file format");
            if (args.Count < 6 || args.Count % 2 != 0) throw new FormatException("Invalid AOF manifest file format");
            string? name = null;
            long seq = -1;
            char type = '\0';
            for (int i = 0; i + 1 < args.Count; i += 2)
            {
                // Unknown keys are skipped: newer versions may add fields.
                switch (args[i].ToLowerInvariant())
                {
                    case "file":
                        name = args[i + 1];
                        if (name.Contains('/')) throw new FormatException("File can't be a path, just a filename");
                        break;
                    case "seq": seq = Atoll(args[i + 1]); break;
                    case "type": type = args[i + 1].Length > 0 ? args[i + 1][0] : '\0'; break;
                }
            }
            // atoll: a missing or zero sequence counts as absent.
            if (name == null || seq == 0 || type == '\0') throw new FormatException("Invalid AOF manifest file format");
            switch (type)
            {
                case 'b':
                    if (m.Base != null) throw new FormatException("Found duplicate base file information");
                    m.Base = new AofFileInfo(name, seq, AofFileType.Base);
                    m.CurrentBaseSeq = seq;
                    break;
                case 'h':
                    m.History.Add(new AofFileInfo(name, seq, AofFileType.History));
                    break;
                case 'i':
                    if (seq <= maxIncrSeq) throw new FormatException("Found a non-monotonic sequence number");
                    m.Incr.Add(new AofFileInfo(name, seq, AofFileType.Incr));
                    m.CurrentIncrSeq = maxIncrSeq = seq;
                    break;
                default:
                    throw new FormatException("Unknown AOF file type");
            }
        }
        if (m.Base == null && m.Incr.Count == 0) throw new FormatException("Found an empty AOF manifest");
        return m;
    }

    /// <summary>MANIFEST_MAX_LINE: a longer line (or a last line without '\n') is refused.</summary>
    private const int ManifestMaxLine = 1024;

    /// <summary>atoll: optional sign and leading digits, 0 when there are none.</summary>
    private static long Atoll(string s)
    {
        int i = 0;
        while (i < s.Length && char.IsWhiteSpace(s[i])) i++;
        bool negative = i < s.Length && s[i] == '-';
        if (i < s.Length && (s[i] == '-' || s[i] == '+')) i++;
        long v = 0;
        while (i < s.Length && s[i] >= '0' && s[i] <= '9') v = unchecked(v * 10 + (s[i++] - '0'));
        return negative ? -v : v;
    }

    /// <summary>Quotes a file name as sdscatrepr does when it has spaces, quotes or non-printable bytes.</summary>
    public static string Quote(string name)
    {
        bool plain = name.Length > 0;
        foreach (char c in name)
        {
            if (c <= ' ' || c >= 127 || c == '"' || c == '\\' || c == '\'') { plain = false; break; }
        }
        if (plain) return name;
        var sb = new StringBuilder("\"");
        foreach (byte b in Encoding.UTF8.GetBytes(name))
        {
            switch (b)
            {
                case (byte)'\\': sb.Append("\\\\"); break;
                case (byte)'"': sb.Append("\\\""); break;
                case (byte)'\n': sb.Append("\\n"); break;
                case (byte)'\r': sb.Append("\\r"); break;
                case (byte)'\t': sb.Append("\\t"); break;
                case (byte)'\a': sb.Append("\\a"); break;
                case (byte)'\b': sb.Append("\\b"); break;
                default:
                    if (b >= 32 && b < 127) sb.Append((char)b);
                    else sb.Append("\\x").Append(b.ToString("x2"));
                    break;
            }
        }
        return sb.Append('"').ToString();
    }

    /// <summary>sdssplitargs: words separated by blanks, "double" (with escapes) or 'single' quoted; null when unbalanced.</summary>
    public static List<string>? SplitArgs(string line)
    {
        var result = new List<string>();
        int i = 0;
        while (true)
        {
            while (i < line.Length && char.IsWhiteSpace(line[i])) i++;
            if (i >= line.Length) return result;
            var bytes = new List<byte>();
            if (line[i] == '"')
            {
                i++;
                while (true)
                {
                    if (i >= line.Length) return null;
                    char c = line[i];
                    if (c == '\\' && i + 3 < line.Length && line[i + 1] == 'x' && Uri.IsHexDigit(line[i + 2]) && Uri.IsHexDigit(line[i + 3]))
                    {
                        bytes.Add(Convert.ToByte(line.Substring(i + 2, 2), 16));
                        i += 4;
                        continue;
                    }
                    if (c == '\\' && i + 1 < line.Length)
                    {
                        char e = line[i + 1];
                        bytes.Add(e switch { 'n' => (byte)'\n', 'r' => (byte)'\r', 't' => (byte)'\t', 'b' => (byte)'\b', 'a' => (byte)'\a', _ => (byte)e });
                        i += 2;
                        continue;
                    }
                    if (c == '"')
                    {
                        i++;
                        if (i < line.Length && !char.IsWhiteSpace(line[i])) return null;
                        break;
                    }
                    bytes.AddRange(Encoding.UTF8.GetBytes(c.ToString()));
                    i++;
                }
            }
            else if (line[i] == '\'')
            {
                i++;
                while (true)
                {
                    if (i >= line.Length) return null;
                    if (line[i] == '\\' && i + 1 < line.Length && line[i + 1] == '\'') { bytes.Add((byte)'\''); i += 2; continue; }
                    if (line[i] == '\'')
                    {
                        i++;
                        if (i < line.Length && !char.IsWhiteSpace(line[i])) return null;
                        break;
                    }
                    bytes.AddRange(Encoding.UTF8.GetBytes(line[i].ToString()));
                    i++;
                }
            }
            else
            {
                int start = i;
                while (i < line.Length && !char.IsWhiteSpace(line[i])) i++;
                bytes.AddRange(Encoding.UTF8.GetBytes(line[start..i]));
            }
            result.Add(Encoding.UTF8.GetString(bytes.ToArray()));
        }
    }
}
