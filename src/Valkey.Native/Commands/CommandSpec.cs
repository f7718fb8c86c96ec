namespace Valkey.Native.Commands;

/// <summary>Command flags, as COMMAND reports them (Valkey's CMD_*).</summary>
[Flags]
public enum CommandFlags : uint
{
    None = 0,
    Write = 1 << 0,
    ReadOnly = 1 << 1,
    DenyOom = 1 << 2,
    Admin = 1 << 3,
    PubSub = 1 << 4,
    NoScript = 1 << 5,
    Blocking = 1 << 6,
    Loading = 1 << 7,
    Stale = 1 << 8,
    SkipMonitor = 1 << 9,
    SkipSlowlog = 1 << 10,
    Fast = 1 << 11,
    NoAuth = 1 << 12,
    MayReplicate = 1 << 13,
    Sentinel = 1 << 14,
    NoMandatoryKeys = 1 << 15,
    Protected = 1 << 16,
    NoAsyncLoading = 1 << 17,
    NoMulti = 1 << 18,
    MovableKeys = 1 << 19,
    AllowBusy = 1 << 20,
    TouchesArbitraryKeys = 1 << 21,
}

/// <summary>ACL categories (the @names COMMAND and ACL CAT report).</summary>
[Flags]
public enum AclCategories : uint
{
    None = 0,
    Keyspace = 1 << 0,
    Read = 1 << 1,
    Write = 1 << 2,
    Set = 1 << 3,
    SortedSet = 1 << 4,
    List = 1 << 5,
    Hash = 1 << 6,
    String = 1 << 7,
    Bitmap = 1 << 8,
    HyperLogLog = 1 << 9,
    Geo = 1 << 10,
    Stream = 1 << 11,
    PubSub = 1 << 12,
    Admin = 1 << 13,
    Fast = 1 << 14,
    Slow = 1 << 15,
    Blocking = 1 << 16,
    Dangerous = 1 << 17,
    Connection = 1 << 18,
    Transaction = 1 << 19,
    Scripting = 1 << 20,
}

/// <summary>A command handler: reads its arguments from the context and writes one reply.</summary>
public delegate void CommandHandler(CommandContext ctx);

/// <summary>
/// A command's own key finder (Valkey's getkeys_proc): adds the key arguments of the command line
/// in <paramref name="ctx"/> with their access flags. For commands whose key specs cannot tell
/// (unknown positions, flags that depend on the arguments); COMMAND GETKEYS falls back to it.
/// </summary>
public delegate void KeyExtractor(CommandContext ctx, List<KeyReference> keys);

/// <summary>
/// One row of the command table: everything dispatch, arity checks, COMMAND INFO/DOCS/GETKEYS
/// and INFO commandstats need. Families declare their rows next to their handlers, with the
/// values of Valkey's src/commands/&lt;name&gt;.json. Nothing about a command lives anywhere else.
/// </summary>
public sealed class CommandSpec
{
    /// <summary>
    /// A row. Where its keys are is declared once, by <see cref="KeySpecs"/>; the legacy
    /// <paramref name="firstKey"/>/<paramref name="lastKey"/>/<paramref name="step"/> are only a
    /// shorthand for a row without key specs (they become one range spec, RW+UPDATE for write
    /// commands, RO+ACCESS otherwise). A row never gives both (CommandSpecTests checks).
    /// </summary>
    public CommandSpec(string name, int arity, CommandFlags flags, AclCategories acl, CommandHandler? handler,
        int firstKey = 0, int lastKey = 0, int step = 0)
    {
        Name = name.ToLowerInvariant();
        NameBytes = System.Text.Encoding.ASCII.GetBytes(Name);
        Arity = arity;
        Flags = flags;
        Acl = acl | ImpliedCategories(flags);
        Handler = handler;
        FullName = Name;
        DeclaredKeyPositions = (firstKey, lastKey, step);
        if (firstKey > 0)
        {
            var keyFlags = (flags & CommandFlags.Write) != 0 ? KeySpecFlags.RW | KeySpecFlags.Update : KeySpecFlags.RO | KeySpecFlags.Access;
            int last = lastKey < 0 ? lastKey : lastKey - firstKey;
            SetKeySpecs([KeySpec.Index(firstKey, keyFlags, last, Math.Max(1, step))]);
        }
    }

    /// <summary>Categories every command gets from its flags, as Valkey's setImplicitACLCategories.</summary>
    private static AclCategories ImpliedCategories(CommandFlags flags)
    {
        var acl = AclCategories.None;
        if ((flags & CommandFlags.Write) != 0) acl |= AclCategories.Write;
        if ((flags & CommandFlags.ReadOnly) != 0) acl |= AclCategories.Read;
        if ((flags & CommandFlags.Admin) != 0) acl |= AclCategories.Admin | AclCategories.Dangerous;
        if ((flags & CommandFlags.PubSub) != 0) acl |= AclCategories.PubSub;
        if ((flags & CommandFlags.Fast) != 0) acl |= AclCategories.Fast;
        if ((flags & CommandFlags.Blocking) != 0) acl |= AclCategories.Blocking;
        if ((acl & AclCategories.Fast) == 0) acl |= AclCategories.Slow;
        return acl;
    }

    public string Name { get; }
    /// <summary>Lowercase ASCII name, for allocation-free subcommand matching.</summary>
    public byte[] NameBytes { get; }
    /// <summary>"container|sub" for subcommands, otherwise the name.</summary>
    public string FullName { get; private set; }
    /// <summary>Positive: exact argument count including the name; negative: at least -Arity.</summary>
    public int Arity { get; }
    public CommandFlags Flags { get; }
    public AclCategories Acl { get; }
    public CommandHandler? Handler { get; }

    // ---- keys ------------------------------------------------------------------------------

    private KeySpec[] _keySpecs = [];

    /// <summary>Where the keys are ("key_specs"), in the JSON's order. Empty: the command takes no keys.</summary>
    public KeySpec[] KeySpecs
    {
        get => _keySpecs;
        init
        {
            SetKeySpecs(value);
            HasDeclaredKeySpecs = true;
        }
    }

    /// <summary>The legacy key range COMMAND reports, derived from <see cref="KeySpecs"/> (populateCommandLegacyRangeSpec).</summary>
    public int FirstKey { get; private set; }
    public int LastKey { get; private set; }
    public int Step { get; private set; }

    /// <summary>
    /// True when the legacy range does not cover every key (COMMAND's "movablekeys"): derived from
    /// the key specs as Valkey does; a row without key specs but with a key finder also qualifies.
    /// </summary>
    public bool MovableKeys => _movableBySpecs || (!HasDeclaredKeySpecs && Keys != null);

    private bool _movableBySpecs;

    /// <summary>The command's own key finder (getkeys_proc), for keys its specs cannot describe.</summary>
    public KeyExtractor? Keys { get; init; }

    /// <summary>True when the row declares <see cref="KeySpecs"/> (rather than constructor key positions).</summary>
    internal bool HasDeclaredKeySpecs { get; private set; }

    /// <summary>The constructor's legacy key positions as written (0, 0, 0 when not given).</summary>
    internal (int First, int Last, int Step) DeclaredKeyPositions { get; }

    private void SetKeySpecs(KeySpec[] specs)
    {
        _keySpecs = specs;
        KeySpec.LegacyRange(specs, out int first, out int last, out int step, out _movableBySpecs);
        FirstKey = first;
        LastKey = last;
        Step = step;
    }

    // ---- documentation (COMMAND DOCS) and tips (COMMAND INFO) -------------------------------

    public string Group { get; init; } = "generic";
    public string Summary { get; init; } = "";
    public string Since { get; init; } = "1.0.0";
    public string Complexity { get; init; } = "O(1)";

    /// <summary>Hints for clients and proxies ("command_tips"), e.g. "nondeterministic_output".</summary>
    public string[] Tips { get; init; } = [];

    /// <summary>Behaviour changes by version ("history"), oldest first.</summary>
    public (string Since, string Changes)[] History { get; init; } = [];

    /// <summary>Set for deprecated commands, with <see cref="ReplacedBy"/>; implies <see cref="DocFlags.Deprecated"/>.</summary>
    public string? DeprecatedSince { get; init; }

    /// <summary>What to use instead of a deprecated command.</summary>
    public string? ReplacedBy { get; init; }

    private readonly DocFlags _docFlags;

    /// <summary>"doc_flags": the declared ones (SYSCMD) plus DEPRECATED when <see cref="DeprecatedSince"/> is set.</summary>
    public DocFlags DocFlags
    {
        get => _docFlags | (DeprecatedSince != null ? DocFlags.Deprecated : DocFlags.None);
        init => _docFlags = value;
    }

    public CommandSpec? Parent { get; private set; }
    public CommandSpec[]? Subcommands { get; private set; }

    /// <summary>Declares subcommands; the container then dispatches on its second argument.</summary>
    public CommandSpec WithSubcommands(params CommandSpec[] subcommands)
    {
        foreach (var sub in subcommands)
        {
            sub.Parent = this;
            sub.FullName = Name + "|" + sub.Name;
        }
        Subcommands = subcommands;
        return this;
    }

    public bool Is(CommandFlags flag) => (Flags & flag) != 0;

    // ---- INFO commandstats -------------------------------------------------------------
    public long Calls;
    public long Microseconds;
    public long RejectedCalls;
    public long FailedCalls;
    /// <summary>Latency distribution (INFO latencystats, LATENCY HISTOGRAM); created by the first call with latency-tracking on.</summary>
    public Server.LatencyHistogram? LatencyHistogram;

    public void ResetStats()
    {
        Calls = Microseconds = RejectedCalls = FailedCalls = 0;
        LatencyHistogram = null;
        if (Subcommands != null) foreach (var s in Subcommands) s.ResetStats();
    }
}
