using System.Text;
using Valkey.Native.Util;

namespace Valkey.Native.Server;

/// <summary>A fatal start-up configuration error; the message is printed to stderr verbatim.</summary>
public sealed class ConfigFileException(string message) : Exception(message);

/// <summary>
/// The configuration parameters by name (and old alias): start-up loading, CONFIG GET's matching,
/// CONFIG SET's all-or-nothing update with rollback, and CONFIG REWRITE. Values live in
/// <see cref="ServerConfig"/>; a change made at run time is announced with
/// <see cref="ServerConfig.RaiseChanged"/> so the server can apply it.
/// </summary>
public sealed class ConfigRegistry
{
    /// <summary>A name CONFIG GET can report: a parameter's own name or its alias.</summary>
    public sealed record Entry(string Name, byte[] NameBytes, ConfigParameter Parameter)
    {
        public bool IsAlias => !ReferenceEquals(Name, Parameter.Name);
    }

    private readonly Dictionary<string, ConfigParameter> _byName = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<Entry> _entries = new();

    public ConfigRegistry(ServerConfig config)
    {
        Config = config;
        Parameters = ConfigParameters.Create(this);
        foreach (var p in Parameters)
        {
            Add(p.Name, p);
            if (p.Alias != null) Add(p.Alias, p);
        }
    }

    private void Add(string name, ConfigParameter p)
    {
        if (!_byName.TryAdd(name, p)) throw new InvalidOperationException($"config parameter '{name}' declared twice");
        _entries.Add(new Entry(name, Encoding.ASCII.GetBytes(name), p));
    }

    public ServerConfig Config { get; }
    public ServerContext? Server { get; set; }

    /// <summary>Every parameter once, in table order (CONFIG REWRITE order for appended lines).</summary>
    public IReadOnlyList<ConfigParameter> Parameters { get; }

    /// <summary>Every name, aliases included, in table order.</summary>
    public IReadOnlyList<Entry> Entries => _entries;

    /// <summary>True while config text is being read ("save" lines then accumulate).</summary>
    internal bool ReadingConfigFile { get; set; }
    /// <summary>A "save" line was read: later ones append instead of replacing the defaults.</summary>
    internal bool SaveLoaded { get; set; }

    /// <summary>The parameter with this name or alias (case-insensitive), or null.</summary>
    public ConfigParameter? Find(string name) => _byName.TryGetValue(name, out var p) ? p : null;

    // ---- start-up ----------------------------------------------------------------------

    /// <summary>
    /// <c>valkey-native [config-file|-] [--name value ...]</c>, as valkey-server: the file, then
    /// stdin, then the options, later directives overriding earlier ones. Throws
    /// <see cref="ConfigFileException"/> with Valkey's fatal error text.
    /// </summary>
    public void LoadStartup(string[] args)
    {
        if (args.Length == 0) return;
        string options = ConfigFile.BuildOptions(args, out string? file, out bool fromStdin);
        if (file != null) Config.ConfigFile = ConfigFile.GetAbsolutePath(file);
        ConfigFile.Load(this, file != null ? Config.ConfigFile : null, fromStdin, options);
    }

    // ---- CONFIG GET --------------------------------------------------------------------

    /// <summary>
    /// The (name, value) pairs for CONFIG GET: a pattern without * ? [ is an exact lookup (hidden
    /// parameters included, reported under the name as asked); otherwise a case-insensitive glob
    /// over every name and alias except hidden ones. No name is reported twice.
    /// </summary>
    public List<KeyValuePair<string, string>> Get(IEnumerable<byte[]> patterns)
    {
        var result = new List<KeyValuePair<string, string>>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (byte[] pattern in patterns)
        {
            if (pattern.AsSpan().IndexOfAny("[*?"u8) < 0)
            {
                string name = Encoding.UTF8.GetString(pattern);
                if (seen.Contains(name)) continue;
                var p = Find(name);
                if (p == null) continue;
                seen.Add(name);
                result.Add(new(name, p.Get(Config)));
                continue;
            }
            foreach (var e in _entries)
            {
                if (e.Parameter.Has(ConfigFlags.Hidden) || seen.Contains(e.Name)) continue;
                if (!GlobMatcher.IsMatch(pattern, e.NameBytes, ignoreCase: true)) continue;
                seen.Add(e.Name);
                result.Add(new(e.Name, e.Parameter.Get(Config)));
            }
        }
        return result;
    }

    // ---- CONFIG SET --------------------------------------------------------------------

    /// <summary>
    /// CONFIG SET name value [name value ...], all or nothing: every name is checked first
    /// (unknown, immutable, protected, duplicate), then every value is set; if one fails, those
    /// already set are restored. Changed parameters are then applied (RaiseChanged); if applying
    /// one throws, everything is restored and re-applied. Returns null on success, else the error
    /// reply (with its ERR code).
    /// </summary>
    public string? Set(IReadOnlyList<KeyValuePair<string, string>> pairs, bool clientIsLocal)
    {
        var targets = new ConfigParameter[pairs.Count];
        string? unknownName = null, errorArg = null, error = null;
        bool invalid = false;
        for (int i = 0; i < pairs.Count && !invalid; i++)
        {
            string name = pairs[i].Key;
            var p = Find(name);
            if (p == null)
            {
                unknownName = name;
                invalid = true;
            }
            else if (p.Has(ConfigFlags.Immutable) || (p.Has(ConfigFlags.Protected) && !AllowProtectedAction(Config.EnableProtectedConfigs, clientIsLocal)))
            {
                error = p.Has(ConfigFlags.Immutable) ? "can't set immutable config" : "can't set protected config";
                errorArg = name;
                invalid = true;
            }
            else if (Array.IndexOf(targets, p, 0, i) >= 0)
            {
                error = "duplicate parameter";
                errorArg = name;
                invalid = true;
            }
            targets[i] = p!;
        }
        if (invalid) return FormatSetError(unknownName, errorArg, error);
        // DENY_LOADING_CONFIG: these would act on the half-loaded dataset (appendonly rewrites it) or move the
        // files being loaded (dir); Valkey answers the LOADING error for them, ahead of any value error.
        if (Server is { LoadingState.Active: true } && targets.Any(t => t.Name is "appendonly" or "dir" or "repl-diskless-load"))
            return System.Text.Encoding.ASCII.GetString(Commands.ErrorMessages.LoadingFor(Config.ExtendedRedisCompatibility));

        var oldValues = new string[targets.Length];
        for (int i = 0; i < targets.Length; i++) oldValues[i] = targets[i].Get(Config);

        var changed = new List<ConfigParameter>();
        for (int i = 0; i < targets.Length; i++)
        {
            var result = PerformSet(targets[i], pairs[i].Value, out error);
            if (result == SetResult.Failed)
            {
                Restore(targets, oldValues, i + 1);
                return FormatSetError(null, targets[i].Name, error);
            }
            if (result == SetResult.Changed) changed.Add(targets[i]);
        }

        foreach (var p in changed)
        {
            string? applyError = Apply(p.Name);
            if (applyError == null) continue;
            Server?.Log.Warning($"Failed applying new configuration. Possibly related to new {p.Name} setting. Restoring previous settings.");
            Restore(targets, oldValues, targets.Length);
            foreach (var q in changed)
            {
                string? again = Apply(q.Name);
                if (again != null) Server?.Log.Warning($"Failed applying restored failed CONFIG SET command: {again}");
            }
            return FormatSetError(null, p.Name, applyError);
        }
        return null;
    }

    /// <summary>allowProtectedAction(): "yes", or "local" for a loopback / unix socket client.</summary>
    public static bool AllowProtectedAction(string setting, bool clientIsLocal) =>
        setting == "yes" || (setting == "local" && clientIsLocal);

    /// <summary>
    /// Raises <see cref="ServerConfig.Changed"/>; a subscriber reports that it could not apply the
    /// value (a port already in use...) by throwing, and its message becomes the CONFIG SET error.
    /// </summary>
    private string? Apply(string name)
    {
        try
        {
            Config.RaiseChanged(name);
            return null;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return e.Message;
        }
    }

    /// <summary>performInterfaceSet(): a multi-value parameter's CONFIG SET value is split on single spaces.</summary>
    private SetResult PerformSet(ConfigParameter p, string value, out string? error)
    {
        string[] args = !p.Has(ConfigFlags.MultiArg) ? [value] : value.Length == 0 ? [] : value.Split(' ');
        return p.Set(Config, args, out error);
    }

    private void Restore(ConfigParameter[] targets, string[] oldValues, int count)
    {
        for (int i = 0; i < count; i++)
        {
            if (PerformSet(targets[i], oldValues[i], out string? error) == SetResult.Failed)
            {
                string shown = targets[i].Has(ConfigFlags.Sensitive) ? "(redacted)" : oldValues[i];
                Server?.Log.Warning($"Failed restoring failed CONFIG SET command. Error setting {targets[i].Name} to '{shown}': {error}");
            }
        }
    }

    private static string FormatSetError(string? unknownName, string? errorArg, string? error) =>
        unknownName != null ? $"ERR Unknown option or number of arguments for CONFIG SET - '{unknownName}'"
        : error != null ? $"ERR CONFIG SET failed (possibly related to argument '{errorArg}') - {error}"
        : $"ERR CONFIG SET failed (possibly related to argument '{errorArg}')";

    // ---- CONFIG REWRITE ----------------------------------------------------------------

    /// <summary>
    /// Rewrites the start-up config file (<paramref name="forceAll"/> writes every parameter, for
    /// DEBUG CONFIG-REWRITE-FORCE-ALL). Returns null on success, else the strerror-style reason.
    /// Callers check that there is a config file first.
    /// </summary>
    public string? Rewrite(bool forceAll = false)
    {
        try
        {
            ConfigRewriter.Rewrite(this, Config.ConfigFile, forceAll);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return ConfigFile.StrError(e);
        }
    }
}
