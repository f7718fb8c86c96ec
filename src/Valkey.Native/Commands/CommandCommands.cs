using System.Text;
using Valkey.Native.Protocol;
using Valkey.Native.Util;

namespace Valkey.Native.Commands;

/// <summary>
/// COMMAND and its subcommands: the command table as clients see it (redis-cli, client
/// libraries and cluster proxies read it to learn arity, flags and where the keys are).
/// Replies have the shape of Valkey 8's addReplyCommandInfo / addReplyCommandDocs.
/// Key specs, tips, history and doc flags are not part of <see cref="CommandSpec"/>, so they
/// come from <see cref="CommandMetadata"/>, a table generated from Valkey's command JSON files.
/// COMMAND DOCS omits the "arguments" entry: argument trees are not carried (yet).
/// </summary>
public static class CommandCommands
{
    public static readonly CommandSpec[] Commands =
    [
        new CommandSpec("command", -1, CommandFlags.Loading | CommandFlags.Stale | CommandFlags.Sentinel, AclCategories.Slow | AclCategories.Connection, CommandAll)
        { Group = "server", Summary = "Returns detailed information about all commands.", Since = "2.8.13", Complexity = "O(N) where N is the total number of commands" }
        .WithSubcommands(
            new CommandSpec("count", 2, CommandFlags.Loading | CommandFlags.Stale | CommandFlags.Sentinel, AclCategories.Slow | AclCategories.Connection, Count)
            { Group = "server", Summary = "Returns a count of commands.", Since = "2.8.13", Complexity = "O(1)" },
            new CommandSpec("docs", -2, CommandFlags.Loading | CommandFlags.Stale | CommandFlags.Sentinel, AclCategories.Slow | AclCategories.Connection, Docs)
            { Group = "server", Summary = "Returns documentary information about one, multiple or all commands.", Since = "7.0.0", Complexity = "O(N) where N is the number of commands to look up" },
            new CommandSpec("getkeys", -3, CommandFlags.Loading | CommandFlags.Stale | CommandFlags.Sentinel, AclCategories.Slow | AclCategories.Connection, GetKeys)
            { Group = "server", Summary = "Extracts the key names from an arbitrary command.", Since = "2.8.13", Complexity = "O(N) where N is the number of arguments to the command" },
            new CommandSpec("getkeysandflags", -3, CommandFlags.Loading | CommandFlags.Stale | CommandFlags.Sentinel, AclCategories.Slow | AclCategories.Connection, GetKeysAndFlags)
            { Group = "server", Summary = "Extracts the key names and access flags for an arbitrary command.", Since = "7.0.0", Complexity = "O(N) where N is the number of arguments to the command" },
            new CommandSpec("help", 2, CommandFlags.Loading | CommandFlags.Stale | CommandFlags.Sentinel, AclCategories.Slow | AclCategories.Connection, Help)
            { Group = "server", Summary = "Returns helpful text about the different subcommands.", Since = "5.0.0", Complexity = "O(1)" },
            new CommandSpec("info", -2, CommandFlags.Loading | CommandFlags.Stale | CommandFlags.Sentinel, AclCategories.Slow | AclCategories.Connection, Info)
            { Group = "server", Summary = "Returns information about one, multiple or all commands.", Since = "2.8.13", Complexity = "O(N) where N is the number of commands to look up" },
            new CommandSpec("list", -2, CommandFlags.Loading | CommandFlags.Stale | CommandFlags.Sentinel, AclCategories.Slow | AclCategories.Connection, List)
            { Group = "server", Summary = "Returns a list of command names.", Since = "7.0.0", Complexity = "O(N) where N is the total number of commands" }),
    ];

    private static readonly string[] HelpLines =
    [
        "(no subcommand)",
        "    Return details about all commands.",
        "COUNT",
        "    Return the total number of commands in this server.",
        "LIST",
        "    Return a list of all commands in this server.",
        "INFO [<command-name> ...]",
        "    Return details about multiple commands.",
        "    If no command names are given, documentation details for all",
        "    commands are returned.",
        "DOCS [<command-name> ...]",
        "    Return documentation details about multiple commands.",
        "    If no command names are given, documentation details for all",
        "    commands are returned.",
        "GETKEYS <full-command>",
        "    Return the keys from a full command.",
        "GETKEYSANDFLAGS <full-command>",
        "    Return the keys and the access flags from a full command.",
    ];

    // ---- handlers ------------------------------------------------------------------------

    /// <summary>COMMAND (no subcommand): the info of every top-level command.</summary>
    private static void CommandAll(CommandContext ctx) => ReplyAllInfo(ctx);

    private static void Count(CommandContext ctx) => ctx.Reply.AddInteger(ctx.Server.Commands.Count);

    private static void Help(CommandContext ctx) => ctx.ReplyHelpWithHeader(HelpLines);

    private static void Info(CommandContext ctx)
    {
        if (ctx.ArgCount == 2)
        {
            ReplyAllInfo(ctx);
            return;
        }
        ctx.Reply.AddArrayLength(ctx.ArgCount - 2);
        for (int i = 2; i < ctx.ArgCount; i++) WriteInfo(ctx.Reply, LookupByFullName(ctx, ctx.Arg(i)));
    }

    private static void ReplyAllInfo(CommandContext ctx)
    {
        ctx.Reply.AddArrayLength(ctx.Server.Commands.Count);
        foreach (var cmd in ctx.Server.Commands.All) WriteInfo(ctx.Reply, cmd);
    }

    private static void Docs(CommandContext ctx)
    {
        var reply = ctx.Reply;
        if (ctx.ArgCount == 2)
        {
            reply.AddMapLength(ctx.Server.Commands.Count);
            foreach (var cmd in ctx.Server.Commands.All)
            {
                reply.AddBulk(cmd.FullName);
                WriteDocs(reply, cmd);
            }
            return;
        }
        // Unknown names are skipped, so the map length is only known at the end.
        int handle = reply.BeginDeferredLength();
        int found = 0;
        for (int i = 2; i < ctx.ArgCount; i++)
        {
            var cmd = LookupByFullName(ctx, ctx.Arg(i));
            if (cmd == null) continue;
            reply.AddBulk(cmd.FullName);
            WriteDocs(reply, cmd);
            found++;
        }
        reply.SetDeferredMapLength(handle, found);
    }

    private enum ListFilter { None, Module, AclCategory, Pattern }

    /// <summary>COMMAND LIST [FILTERBY MODULE name | ACLCAT category | PATTERN pattern].</summary>
    private static void List(CommandContext ctx)
    {
        var filter = ListFilter.None;
        byte[] filterArg = [];
        for (int i = 2; i < ctx.ArgCount; i++)
        {
            int more = ctx.ArgCount - 1 - i;
            if (ctx.ArgIs(i, "filterby"u8) && more == 2)
            {
                if (ctx.ArgIs(i + 1, "module"u8)) filter = ListFilter.Module;
                else if (ctx.ArgIs(i + 1, "aclcat"u8)) filter = ListFilter.AclCategory;
                else if (ctx.ArgIs(i + 1, "pattern"u8)) filter = ListFilter.Pattern;
                else
                {
                    ctx.Reply.AddError(ErrorMessages.Syntax);
                    return;
                }
                filterArg = ctx.Arg(i + 2).ToArray();
                i += 2;
            }
            else
            {
                ctx.Reply.AddError(ErrorMessages.Syntax);
                return;
            }
        }
        AclCategories category = AclCategories.None;
        if (filter == ListFilter.AclCategory) TryParseAclCategory(Encoding.UTF8.GetString(filterArg), out category);

        var names = new List<string>();
        foreach (var cmd in ctx.Server.Commands.All)
        {
            AddListed(cmd);
            if (cmd.Subcommands != null) foreach (var sub in cmd.Subcommands) AddListed(sub);
        }
        ctx.Reply.AddArrayLength(names.Count);
        foreach (var n in names) ctx.Reply.AddBulk(n);

        void AddListed(CommandSpec cmd)
        {
            bool keep = filter switch
            {
                ListFilter.None => true,
                // No modules can be loaded, so a module filter never matches.
                ListFilter.Module => false,
                ListFilter.AclCategory => category != AclCategories.None && (EffectiveAcl(cmd) & category) != 0,
                _ => GlobMatcher.IsMatch(filterArg, Encoding.ASCII.GetBytes(cmd.FullName), ignoreCase: true),
            };
            if (keep) names.Add(cmd.FullName);
        }
    }

    private static void GetKeys(CommandContext ctx) => GetKeysImpl(ctx, withFlags: false);

    private static void GetKeysAndFlags(CommandContext ctx) => GetKeysImpl(ctx, withFlags: true);

    /// <summary>COMMAND GETKEYS / GETKEYSANDFLAGS: the keys of a full command line, as getKeysSubcommandImpl.</summary>
    private static void GetKeysImpl(CommandContext ctx, bool withFlags)
    {
        var args = new byte[ctx.ArgCount - 2][];
        for (int i = 2; i < ctx.ArgCount; i++) args[i - 2] = ctx.Arg(i).ToArray();
        var cmd = LookupForArgs(ctx, args);
        if (cmd == null)
        {
            ctx.Reply.AddError("ERR Invalid command specified");
            return;
        }
        if (!HasKeys(cmd))
        {
            ctx.Reply.AddError("ERR The command has no key arguments");
            return;
        }
        if ((cmd.Arity > 0 && cmd.Arity != args.Length) || args.Length < -cmd.Arity)
        {
            ctx.Reply.AddError("ERR Invalid number of arguments specified for command");
            return;
        }
        var keys = new List<KeyReference>();
        if (!ExtractKeys(ctx, cmd, args, keys))
        {
            if (cmd.Is(CommandFlags.NoMandatoryKeys)) ctx.Reply.AddEmptyArray();
            else ctx.Reply.AddError("ERR Invalid arguments specified for command");
            return;
        }
        ctx.Reply.AddArrayLength(keys.Count);
        foreach (var k in keys)
        {
            if (!withFlags)
            {
                ctx.Reply.AddBulk(args[k.Position]);
                continue;
            }
            ctx.Reply.AddArrayLength(2);
            ctx.Reply.AddBulk(args[k.Position]);
            WriteKeySpecFlags(ctx.Reply, k.Flags);
        }
    }

    // ---- lookup ----------------------------------------------------------------------------

    /// <summary>"name" or "container|sub" (one level only, as lookupCommandBySds); null if unknown.</summary>
    private static CommandSpec? LookupByFullName(CommandContext ctx, ReadOnlySpan<byte> fullName)
    {
        int bar = fullName.IndexOf((byte)'|');
        if (bar < 0)
        {
            return ctx.Server.Commands.Find(fullName);
        }
        var rest = fullName[(bar + 1)..];
        if (rest.IndexOf((byte)'|') >= 0) return null;
        var container = ctx.Server.Commands.Find(fullName[..bar]);
        if (container?.Subcommands == null) return null;
        return FindSubcommandIgnoreCase(container, rest);
    }

    /// <summary>The command a full argument vector runs (the subcommand for containers), or null.</summary>
    private static CommandSpec? LookupForArgs(CommandContext ctx, byte[][] args)
    {
        var cmd = ctx.Server.Commands.Find(args[0]);
        if (cmd == null || cmd.Subcommands == null || args.Length == 1) return cmd;
        return FindSubcommandIgnoreCase(cmd, args[1]);
    }

    private static CommandSpec? FindSubcommandIgnoreCase(CommandSpec container, ReadOnlySpan<byte> name) =>
        CommandTable.FindSubcommand(container, name);

    // ---- ACL categories --------------------------------------------------------------------

    private static readonly (string Name, AclCategories Flag)[] AclNames =
    [
        ("keyspace", AclCategories.Keyspace), ("read", AclCategories.Read), ("write", AclCategories.Write),
        ("set", AclCategories.Set), ("sortedset", AclCategories.SortedSet), ("list", AclCategories.List),
        ("hash", AclCategories.Hash), ("string", AclCategories.String), ("bitmap", AclCategories.Bitmap),
        ("hyperloglog", AclCategories.HyperLogLog), ("geo", AclCategories.Geo), ("stream", AclCategories.Stream),
        ("pubsub", AclCategories.PubSub), ("admin", AclCategories.Admin), ("fast", AclCategories.Fast),
        ("slow", AclCategories.Slow), ("blocking", AclCategories.Blocking), ("dangerous", AclCategories.Dangerous),
        ("connection", AclCategories.Connection), ("transaction", AclCategories.Transaction), ("scripting", AclCategories.Scripting),
    ];

    public static bool TryParseAclCategory(string name, out AclCategories category)
    {
        foreach (var (n, f) in AclNames)
        {
            if (string.Equals(n, name, StringComparison.OrdinalIgnoreCase))
            {
                category = f;
                return true;
            }
        }
        category = AclCategories.None;
        return false;
    }

    /// <summary>
    /// The declared categories plus the ones Valkey derives from the flags
    /// (setImplicitACLCategories), so a row that lists only "@string" still reports "@read @fast".
    /// </summary>
    public static AclCategories EffectiveAcl(CommandSpec cmd)
    {
        var acl = cmd.Acl;
        if (cmd.Is(CommandFlags.Write)) acl |= AclCategories.Write;
        if (cmd.Is(CommandFlags.ReadOnly) && (acl & AclCategories.Scripting) == 0) acl |= AclCategories.Read;
        if (cmd.Is(CommandFlags.Admin)) acl |= AclCategories.Admin | AclCategories.Dangerous;
        if (cmd.Is(CommandFlags.PubSub)) acl |= AclCategories.PubSub;
        if (cmd.Is(CommandFlags.Fast)) acl |= AclCategories.Fast;
        if (cmd.Is(CommandFlags.Blocking)) acl |= AclCategories.Blocking;
        if ((acl & AclCategories.Fast) == 0) acl |= AclCategories.Slow;
        return acl;
    }

    // ---- COMMAND INFO ------------------------------------------------------------------------

    /// <summary>Flags COMMAND shows, in Valkey's order (may_replicate, sentinel, protected... are hidden on purpose).</summary>
    private static readonly (CommandFlags Flag, string Name)[] VisibleFlags =
    [
        (CommandFlags.Write, "write"), (CommandFlags.ReadOnly, "readonly"), (CommandFlags.DenyOom, "denyoom"),
        (CommandFlags.Admin, "admin"), (CommandFlags.PubSub, "pubsub"), (CommandFlags.NoScript, "noscript"),
        (CommandFlags.Blocking, "blocking"), (CommandFlags.Loading, "loading"), (CommandFlags.Stale, "stale"),
        (CommandFlags.SkipMonitor, "skip_monitor"), (CommandFlags.SkipSlowlog, "skip_slowlog"), (CommandFlags.Fast, "fast"),
        (CommandFlags.NoAuth, "no_auth"), (CommandFlags.NoMandatoryKeys, "no_mandatory_keys"),
        (CommandFlags.NoAsyncLoading, "no_async_loading"), (CommandFlags.NoMulti, "no_multi"),
        (CommandFlags.MovableKeys, "movablekeys"), (CommandFlags.AllowBusy, "allow_busy"),
    ];

    /// <summary>One command's 10-element info array, or a null for an unknown name.</summary>
    public static void WriteInfo(ReplyWriter reply, CommandSpec? cmd)
    {
        if (cmd == null)
        {
            reply.AddNull();
            return;
        }
        var meta = CommandMetadata.Find(cmd.FullName);
        var specs = meta?.Specs ?? SynthesizedSpecs(cmd);
        LegacyRange(cmd, specs, meta != null, out int first, out int last, out int step, out bool movable);

        reply.AddArrayLength(10);
        reply.AddBulk(cmd.FullName);
        reply.AddInteger(cmd.Arity);
        var flags = cmd.Flags | (movable ? CommandFlags.MovableKeys : 0);
        int flagCount = 0;
        foreach (var (f, _) in VisibleFlags) if ((flags & f) != 0) flagCount++;
        reply.AddSetLength(flagCount);
        foreach (var (f, n) in VisibleFlags) if ((flags & f) != 0) reply.AddSimpleString(n);
        reply.AddInteger(first);
        reply.AddInteger(last);
        reply.AddInteger(step);

        var acl = EffectiveAcl(cmd);
        int aclCount = 0;
        foreach (var (_, f) in AclNames) if ((acl & f) != 0) aclCount++;
        reply.AddSetLength(aclCount);
        foreach (var (n, f) in AclNames) if ((acl & f) != 0) reply.AddSimpleString("@" + n);

        var tips = meta?.Tips ?? [];
        reply.AddSetLength(tips.Length);
        foreach (var t in tips) reply.AddBulk(t);

        reply.AddSetLength(specs.Length);
        foreach (var s in specs) WriteKeySpec(reply, s);

        if (cmd.Subcommands == null)
        {
            reply.AddSetLength(0);
        }
        else
        {
            reply.AddArrayLength(cmd.Subcommands.Length);
            foreach (var sub in cmd.Subcommands) WriteInfo(reply, sub);
        }
    }

    private static void WriteKeySpec(ReplyWriter reply, KeySpec s)
    {
        reply.AddMapLength(s.Notes != null ? 4 : 3);
        if (s.Notes != null)
        {
            reply.AddBulk("notes");
            reply.AddBulk(s.Notes);
        }
        reply.AddBulk("flags");
        WriteKeySpecFlags(reply, s.Flags);

        reply.AddBulk("begin_search");
        reply.AddMapLength(2);
        reply.AddBulk("type");
        switch (s.Begin)
        {
            case BeginSearch.Index:
                reply.AddBulk("index");
                reply.AddBulk("spec");
                reply.AddMapLength(1);
                reply.AddBulk("index");
                reply.AddInteger(s.Index);
                break;
            case BeginSearch.Keyword:
                reply.AddBulk("keyword");
                reply.AddBulk("spec");
                reply.AddMapLength(2);
                reply.AddBulk("keyword");
                reply.AddBulk(s.Keyword!);
                reply.AddBulk("startfrom");
                reply.AddInteger(s.StartFrom);
                break;
            default:
                reply.AddBulk("unknown");
                reply.AddBulk("spec");
                reply.AddMapLength(0);
                break;
        }

        reply.AddBulk("find_keys");
        reply.AddMapLength(2);
        reply.AddBulk("type");
        switch (s.Find)
        {
            case FindKeys.Range:
                reply.AddBulk("range");
                reply.AddBulk("spec");
                reply.AddMapLength(3);
                reply.AddBulk("lastkey");
                reply.AddInteger(s.LastKey);
                reply.AddBulk("keystep");
                reply.AddInteger(s.KeyStep);
                reply.AddBulk("limit");
                reply.AddInteger(s.Limit);
                break;
            case FindKeys.KeyNum:
                reply.AddBulk("keynum");
                reply.AddBulk("spec");
                reply.AddMapLength(3);
                reply.AddBulk("keynumidx");
                reply.AddInteger(s.KeyNumIndex);
                reply.AddBulk("firstkey");
                reply.AddInteger(s.FirstKey);
                reply.AddBulk("keystep");
                reply.AddInteger(s.KeyStep);
                break;
            default:
                reply.AddBulk("unknown");
                reply.AddBulk("spec");
                reply.AddMapLength(0);
                break;
        }
    }

    private static readonly (KeySpecFlags Flag, string Name)[] KeySpecFlagNames =
    [
        (KeySpecFlags.RO, "RO"), (KeySpecFlags.RW, "RW"), (KeySpecFlags.OW, "OW"), (KeySpecFlags.RM, "RM"),
        (KeySpecFlags.Access, "access"), (KeySpecFlags.Update, "update"), (KeySpecFlags.Insert, "insert"),
        (KeySpecFlags.Delete, "delete"), (KeySpecFlags.NotKey, "not_key"), (KeySpecFlags.Incomplete, "incomplete"),
        (KeySpecFlags.VariableFlags, "variable_flags"),
    ];

    private static void WriteKeySpecFlags(ReplyWriter reply, KeySpecFlags flags)
    {
        int n = 0;
        foreach (var (f, _) in KeySpecFlagNames) if ((flags & f) != 0) n++;
        reply.AddSetLength(n);
        foreach (var (f, name) in KeySpecFlagNames) if ((flags & f) != 0) reply.AddSimpleString(name);
    }

    /// <summary>
    /// first/last/step as Valkey derives them from the key specs (populateCommandLegacyRangeSpec),
    /// and whether the keys "move" (need a spec other than one plain range). Commands with no
    /// metadata report the positions their row declares.
    /// </summary>
    private static void LegacyRange(CommandSpec cmd, KeySpec[] specs, bool fromMetadata, out int first, out int last, out int step, out bool movable)
    {
        movable = cmd.Is(CommandFlags.MovableKeys) || cmd.Keys != null && !fromMetadata;
        first = last = step = 0;
        if (!fromMetadata)
        {
            first = cmd.FirstKey;
            last = cmd.LastKey;
            step = cmd.Step;
            return;
        }
        if (specs.Length == 0) return;
        if (specs.Length == 1 && specs[0].Begin == BeginSearch.Index && specs[0].Find == FindKeys.Range)
        {
            var s = specs[0];
            first = s.Index;
            last = s.LastKey >= 0 ? s.LastKey + first : s.LastKey;
            step = s.KeyStep;
            if ((s.Flags & KeySpecFlags.Incomplete) != 0) movable = true;
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
            if (s.KeyStep != 1 || (previousLast != 0 && previousLast != (uint)(s.Index - 1)))
            {
                movable = true;
                continue;
            }
            if ((s.Flags & KeySpecFlags.Incomplete) != 0) movable = true;
            firstKey = Math.Min(firstKey, s.Index);
            int absoluteLast = s.LastKey >= 0 ? s.LastKey + s.Index : s.LastKey;
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

    /// <summary>For a row without metadata: one range spec from its declared key positions.</summary>
    private static KeySpec[] SynthesizedSpecs(CommandSpec cmd)
    {
        if (cmd.FirstKey <= 0) return [];
        var flags = cmd.Is(CommandFlags.Write) ? KeySpecFlags.RW | KeySpecFlags.Update : KeySpecFlags.RO | KeySpecFlags.Access;
        int last = cmd.LastKey < 0 ? cmd.LastKey : cmd.LastKey - cmd.FirstKey;
        return [new KeySpec(flags, BeginSearch.Index, cmd.FirstKey, null, 0, FindKeys.Range, last, Math.Max(1, cmd.Step), 0, 0, 0, null)];
    }

    // ---- COMMAND DOCS ------------------------------------------------------------------------

    private static void WriteDocs(ReplyWriter reply, CommandSpec cmd)
    {
        var meta = CommandMetadata.Find(cmd.FullName);
        int pairs = 1; // group is always present
        if (cmd.Summary.Length > 0) pairs++;
        if (cmd.Since.Length > 0) pairs++;
        if (cmd.Complexity.Length > 0) pairs++;
        if (meta?.DocFlags != null) pairs++;
        if (meta?.DeprecatedSince != null) pairs++;
        if (meta?.ReplacedBy != null) pairs++;
        if (meta?.History != null) pairs++;
        if (cmd.Subcommands != null) pairs++;
        reply.AddMapLength(pairs);
        if (cmd.Summary.Length > 0)
        {
            reply.AddBulk("summary");
            reply.AddBulk(cmd.Summary);
        }
        if (cmd.Since.Length > 0)
        {
            reply.AddBulk("since");
            reply.AddBulk(cmd.Since);
        }
        reply.AddBulk("group");
        // The JSON files spell "sorted_set"; COMMAND DOCS reports "sorted-set" (commandGroupStr).
        reply.AddBulk(cmd.Group.Replace('_', '-'));
        if (cmd.Complexity.Length > 0)
        {
            reply.AddBulk("complexity");
            reply.AddBulk(cmd.Complexity);
        }
        if (meta?.DocFlags != null)
        {
            reply.AddBulk("doc_flags");
            var docFlags = meta.DocFlags.Split(' ');
            reply.AddSetLength(docFlags.Length);
            foreach (var f in docFlags) reply.AddSimpleString(f);
        }
        if (meta?.DeprecatedSince != null)
        {
            reply.AddBulk("deprecated_since");
            reply.AddBulk(meta.DeprecatedSince);
        }
        if (meta?.ReplacedBy != null)
        {
            reply.AddBulk("replaced_by");
            reply.AddBulk(meta.ReplacedBy);
        }
        if (meta?.History != null)
        {
            reply.AddBulk("history");
            reply.AddSetLength(meta.History.Length);
            foreach (var (since, changes) in meta.History)
            {
                reply.AddArrayLength(2);
                reply.AddBulk(since);
                reply.AddBulk(changes);
            }
        }
        if (cmd.Subcommands != null)
        {
            reply.AddBulk("subcommands");
            reply.AddMapLength(cmd.Subcommands.Length);
            foreach (var sub in cmd.Subcommands)
            {
                reply.AddBulk(sub.FullName);
                WriteDocs(reply, sub);
            }
        }
    }

    // ---- key extraction ------------------------------------------------------------------------

    /// <summary>A key argument found in a command line: its index (0 = command name) and access flags.</summary>
    public readonly record struct KeyReference(int Position, KeySpecFlags Flags);

    /// <summary>True if the command can have key arguments at all (doesCommandHaveKeys).</summary>
    public static bool HasKeys(CommandSpec cmd)
    {
        if (cmd.Keys != null || HasNativeKeyFinder(cmd.FullName)) return true;
        var meta = CommandMetadata.Find(cmd.FullName);
        if (meta == null) return cmd.FirstKey > 0;
        foreach (var s in meta.Specs) if ((s.Flags & KeySpecFlags.NotKey) == 0) return true;
        return false;
    }

    /// <summary>
    /// The keys of <paramref name="args"/> (args[0] is the command name), as getKeysFromCommandWithSpecs:
    /// key specs when they are complete and their flags fixed, else the command's own key finder.
    /// False when the arguments do not match the specs (a syntax error the command itself would report).
    /// </summary>
    public static bool ExtractKeys(CommandContext ctx, CommandSpec cmd, byte[][] args, List<KeyReference> keys)
    {
        keys.Clear();
        var meta = CommandMetadata.Find(cmd.FullName);
        var specs = meta?.Specs ?? SynthesizedSpecs(cmd);
        var all = KeySpecFlags.None;
        bool hasRealSpec = false;
        foreach (var s in specs)
        {
            all |= s.Flags;
            if ((s.Flags & KeySpecFlags.NotKey) == 0) hasRealSpec = true;
        }
        if (hasRealSpec && (all & KeySpecFlags.VariableFlags) == 0)
        {
            if (KeysFromSpecs(specs, cmd, args, keys)) return keys.Count > 0;
            keys.Clear();
        }
        if (NativeKeyFinder(cmd.FullName, args, keys)) return keys.Count > 0;
        if (cmd.Keys != null)
        {
            // A family's extractor knows positions only; report the specs' common flags.
            var positions = RunKeyExtractor(ctx, cmd.Keys, args);
            var flags = all & ~(KeySpecFlags.VariableFlags | KeySpecFlags.Incomplete | KeySpecFlags.NotKey);
            foreach (int p in positions) keys.Add(new KeyReference(p, flags));
            return keys.Count > 0;
        }
        return false;
    }

    /// <summary>
    /// Runs a family's extractor over <paramref name="args"/> instead of the current command line:
    /// a scratch context bound to a copy of them, so the caller's context is left untouched.
    /// </summary>
    private static unsafe List<int> RunKeyExtractor(CommandContext ctx, KeyExtractor extractor, byte[][] args)
    {
        int total = 0;
        foreach (var a in args) total += a.Length;
        var buffer = new byte[Math.Max(1, total)];
        var list = new ArgList(Math.Max(1, args.Length));
        int offset = 0;
        foreach (var a in args)
        {
            a.CopyTo(buffer, offset);
            list.Add(offset, a.Length);
            offset += a.Length;
        }
        var positions = new List<int>();
        var scratch = new CommandContext(ctx.Server, ctx.Client) { Command = ctx.Command };
        fixed (byte* p = buffer)
        {
            scratch.Bind(p, list);
            extractor(scratch, positions);
        }
        return positions;
    }

    /// <summary>getKeysUsingKeySpecs: false on an invalid or incomplete spec.</summary>
    private static bool KeysFromSpecs(KeySpec[] specs, CommandSpec cmd, byte[][] args, List<KeyReference> keys)
    {
        int argc = args.Length;
        foreach (var spec in specs)
        {
            if ((spec.Flags & KeySpecFlags.NotKey) != 0) continue;
            int first = 0;
            if (spec.Begin == BeginSearch.Index)
            {
                first = spec.Index;
            }
            else if (spec.Begin == BeginSearch.Keyword)
            {
                int start = spec.StartFrom > 0 ? spec.StartFrom : argc + spec.StartFrom;
                int end = spec.StartFrom > 0 ? argc - 1 : 1;
                for (int i = start; i != end; i = start <= end ? i + 1 : i - 1)
                {
                    if (i >= argc || i < 1) break;
                    if (Encoding.ASCII.GetString(args[i]).Equals(spec.Keyword, StringComparison.OrdinalIgnoreCase))
                    {
                        first = i + 1;
                        break;
                    }
                }
                if (first == 0) continue; // keyword absent: this spec has no keys
            }
            else
            {
                return false;
            }

            int last, step;
            if (spec.Find == FindKeys.Range)
            {
                step = spec.KeyStep;
                if (spec.LastKey >= 0) last = first + spec.LastKey;
                else if (spec.Limit == 0) last = argc + spec.LastKey;
                else last = first + ((argc - first) / spec.Limit + spec.LastKey);
            }
            else if (spec.Find == FindKeys.KeyNum)
            {
                step = spec.KeyStep;
                if (spec.KeyNumIndex >= argc || first + spec.KeyNumIndex >= argc) return false;
                if (!NumberParser.TryParseInt64(args[first + spec.KeyNumIndex], out long numKeys) || numKeys < 0) return false;
                first += spec.FirstKey;
                last = first + (int)numKeys - 1;
            }
            else
            {
                return false;
            }

            if (last >= argc || last < first || first >= argc) return false;
            for (int i = first; i <= last; i += step)
            {
                if (i >= argc || i < first)
                {
                    if (cmd.Arity < 0) continue;
                    return false;
                }
                keys.Add(new KeyReference(i, spec.Flags));
            }
            if ((spec.Flags & KeySpecFlags.Incomplete) != 0) return false;
        }
        return true;
    }

    private static bool HasNativeKeyFinder(string fullName) => fullName is "set" or "bitfield" or "sort" or "sort_ro" or "migrate";

    /// <summary>
    /// Valkey's own key finders for the commands whose specs cannot tell (unknown positions,
    /// flags that depend on the arguments): SET, BITFIELD, SORT, SORT_RO, MIGRATE.
    /// </summary>
    private static bool NativeKeyFinder(string fullName, byte[][] args, List<KeyReference> keys)
    {
        switch (fullName)
        {
            case "set":
            {
                bool get = false;
                for (int i = 3; i < args.Length; i++) if (CommandContext.AsciiEqualsIgnoreCase(args[i], "get"u8)) get = true;
                keys.Add(new KeyReference(1, get ? KeySpecFlags.RW | KeySpecFlags.Access | KeySpecFlags.Update : KeySpecFlags.OW | KeySpecFlags.Update));
                return true;
            }
            case "bitfield":
            {
                bool readOnly = true;
                for (int i = 2; i < args.Length; i++)
                {
                    int remaining = args.Length - i - 1;
                    if (CommandContext.AsciiEqualsIgnoreCase(args[i], "get"u8) && remaining >= 2) i += 2;
                    else if ((CommandContext.AsciiEqualsIgnoreCase(args[i], "set"u8) || CommandContext.AsciiEqualsIgnoreCase(args[i], "incrby"u8)) && remaining >= 3) { readOnly = false; break; }
                    else if (CommandContext.AsciiEqualsIgnoreCase(args[i], "overflow"u8) && remaining >= 1) i += 1;
                    else { readOnly = false; break; } // a syntax error: assume it writes
                }
                keys.Add(new KeyReference(1, readOnly ? KeySpecFlags.RO | KeySpecFlags.Access : KeySpecFlags.RW | KeySpecFlags.Access | KeySpecFlags.Update));
                return true;
            }
            case "sort_ro":
                keys.Add(new KeyReference(1, KeySpecFlags.RO | KeySpecFlags.Access));
                return true;
            case "sort":
            {
                keys.Add(new KeyReference(1, KeySpecFlags.RO | KeySpecFlags.Access));
                int store = -1;
                for (int i = 2; i < args.Length; i++)
                {
                    // Options take no argument unless listed; the last STORE wins, as SORT itself.
                    if (CommandContext.AsciiEqualsIgnoreCase(args[i], "limit"u8)) i += 2;
                    else if (CommandContext.AsciiEqualsIgnoreCase(args[i], "get"u8) || CommandContext.AsciiEqualsIgnoreCase(args[i], "by"u8)) i += 1;
                    else if (CommandContext.AsciiEqualsIgnoreCase(args[i], "store"u8) && i + 1 < args.Length) store = i + 1;
                }
                if (store > 0) keys.Add(new KeyReference(store, KeySpecFlags.OW | KeySpecFlags.Update));
                return true;
            }
            case "migrate":
            {
                int first = 3, count = 1;
                if (args.Length > 6)
                {
                    for (int i = 6; i < args.Length; i++)
                    {
                        if (CommandContext.AsciiEqualsIgnoreCase(args[i], "keys"u8))
                        {
                            // KEYS with a non-empty key argument is a syntax error MIGRATE reports itself.
                            if (args[3].Length > 0) count = 0;
                            else { first = i + 1; count = args.Length - first; }
                            break;
                        }
                        if (CommandContext.AsciiEqualsIgnoreCase(args[i], "auth"u8)) i += 1;
                        else if (CommandContext.AsciiEqualsIgnoreCase(args[i], "auth2"u8)) i += 2;
                    }
                }
                for (int i = 0; i < count; i++) keys.Add(new KeyReference(first + i, KeySpecFlags.RW | KeySpecFlags.Access | KeySpecFlags.Delete));
                return true;
            }
            default:
                return false;
        }
    }
}

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

public enum BeginSearch { Unknown, Index, Keyword }

public enum FindKeys { Unknown, Range, KeyNum }

/// <summary>Where a command's keys are: where to start looking, then how to find them from there.</summary>
public sealed record KeySpec(
    KeySpecFlags Flags,
    BeginSearch Begin, int Index, string? Keyword, int StartFrom,
    FindKeys Find, int LastKey, int KeyStep, int Limit, int KeyNumIndex, int FirstKey,
    string? Notes);

/// <summary>What COMMAND reports beyond a <see cref="CommandSpec"/> row: key specs, tips and documentation extras.</summary>
public sealed record CommandMeta(
    string FullName, KeySpec[] Specs, string[]? Tips, string? DocFlags, string? DeprecatedSince, string? ReplacedBy,
    (string Since, string Changes)[]? History);

/// <summary>
/// Key specs, tips, history and doc flags of every Valkey 8.0 command, generated from
/// src/commands/*.json (commands without any of these are omitted). It covers commands no
/// family implements yet, so a new family's COMMAND INFO is right as soon as its row exists.
/// Specs are written compactly: begin "i&lt;pos&gt;" (index), "k&lt;startfrom&gt;:&lt;KEYWORD&gt;" or "u" (unknown);
/// find "r&lt;lastkey&gt;,&lt;step&gt;,&lt;limit&gt;" (range), "n&lt;keynumidx&gt;,&lt;firstkey&gt;,&lt;step&gt;" (keynum) or "u".
/// Built on first use, so servers that never run COMMAND pay nothing.
/// </summary>
public static class CommandMetadata
{
    private static Dictionary<string, CommandMeta>? _byName;

    public static CommandMeta? Find(string fullName)
    {
        var map = _byName ??= Build();
        return map.TryGetValue(fullName, out var meta) ? meta : null;
    }

    private static Dictionary<string, CommandMeta> Build()
    {
        var map = new Dictionary<string, CommandMeta>(StringComparer.OrdinalIgnoreCase);
        foreach (var m in Table()) map[m.FullName] = m;
        return map;
    }

    private static CommandMeta M(string name, KeySpec[]? specs = null, string[]? tips = null, string? docFlags = null,
        string? deprecatedSince = null, string? replacedBy = null, (string, string)[]? history = null) =>
        new(name, specs ?? [], tips, docFlags, deprecatedSince, replacedBy, history);

    private static KeySpec K(string flags, string begin, string find, string? notes = null)
    {
        var f = KeySpecFlags.None;
        foreach (var name in flags.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            f |= name switch
            {
                "RO" => KeySpecFlags.RO,
                "RW" => KeySpecFlags.RW,
                "OW" => KeySpecFlags.OW,
                "RM" => KeySpecFlags.RM,
                "ACCESS" => KeySpecFlags.Access,
                "UPDATE" => KeySpecFlags.Update,
                "INSERT" => KeySpecFlags.Insert,
                "DELETE" => KeySpecFlags.Delete,
                "NOT_KEY" => KeySpecFlags.NotKey,
                "INCOMPLETE" => KeySpecFlags.Incomplete,
                "VARIABLE_FLAGS" => KeySpecFlags.VariableFlags,
                _ => throw new ArgumentException($"unknown key spec flag {name}"),
            };
        }
        var b = BeginSearch.Unknown;
        int index = 0, startFrom = 0;
        string? keyword = null;
        if (begin[0] == 'i')
        {
            b = BeginSearch.Index;
            index = int.Parse(begin.AsSpan(1));
        }
        else if (begin[0] == 'k')
        {
            b = BeginSearch.Keyword;
            int colon = begin.IndexOf(':');
            startFrom = int.Parse(begin.AsSpan(1, colon - 1));
            keyword = begin[(colon + 1)..];
        }
        var k = FindKeys.Unknown;
        int a = 0, c = 0, d = 0;
        if (find[0] is 'r' or 'n')
        {
            k = find[0] == 'r' ? FindKeys.Range : FindKeys.KeyNum;
            var parts = find[1..].Split(',');
            a = int.Parse(parts[0]);
            c = int.Parse(parts[1]);
            d = int.Parse(parts[2]);
        }
        return k == FindKeys.KeyNum
            ? new KeySpec(f, b, index, keyword, startFrom, k, 0, d, 0, a, c, notes)
            : new KeySpec(f, b, index, keyword, startFrom, k, a, c, d, 0, 0, notes);
    }

    private static CommandMeta[] Table() =>
    [
        M("acl|deluser", tips: ["request_policy:all_nodes", "response_policy:all_succeeded"]),
        M("acl|getuser", history: [("6.2.0", "Added Pub/Sub channel patterns."), ("7.0.0", "Added selectors and changed the format of key and channel patterns from a list to their rule representation.")]),
        M("acl|log", history: [("7.2.0", "Added entry ID, timestamp created, and timestamp last updated.")]),
        M("acl|save", tips: ["request_policy:all_nodes", "response_policy:all_succeeded"]),
        M("acl|setuser", tips: ["request_policy:all_nodes", "response_policy:all_succeeded"], history: [("6.2.0", "Added Pub/Sub channel patterns."), ("7.0.0", "Added selectors and key based permissions.")]),
        M("append", specs: [K("RW INSERT", "i1", "r0,1,0")]),
        M("auth", history: [("6.0.0", "Added ACL style (username and password).")]),
        M("bgsave", history: [("3.2.2", "Added the `SCHEDULE` option.")]),
        M("bitcount", specs: [K("RO ACCESS", "i1", "r0,1,0")], history: [("7.0.0", "Added the `BYTE|BIT` option."), ("8.0.0", "`end` made optional; when called without argument the command reports the last BYTE.")]),
        M("bitfield", specs: [K("RW UPDATE ACCESS VARIABLE_FLAGS", "i1", "r0,1,0", "This command allows both access and modification of the key")]),
        M("bitfield_ro", specs: [K("RO ACCESS", "i1", "r0,1,0")]),
        M("bitop", specs: [K("OW UPDATE", "i2", "r0,1,0"), K("RO ACCESS", "i3", "r-1,1,0")]),
        M("bitpos", specs: [K("RO ACCESS", "i1", "r0,1,0")], history: [("7.0.0", "Added the `BYTE|BIT` option.")]),
        M("blmove", specs: [K("RW ACCESS DELETE", "i1", "r0,1,0"), K("RW INSERT", "i2", "r0,1,0")]),
        M("blmpop", specs: [K("RW ACCESS DELETE", "i2", "n0,1,1")]),
        M("blpop", specs: [K("RW ACCESS DELETE", "i1", "r-2,1,0")], history: [("6.0.0", "`timeout` is interpreted as a double instead of an integer.")]),
        M("brpop", specs: [K("RW ACCESS DELETE", "i1", "r-2,1,0")], history: [("6.0.0", "`timeout` is interpreted as a double instead of an integer.")]),
        M("brpoplpush", specs: [K("RW ACCESS DELETE", "i1", "r0,1,0"), K("RW INSERT", "i2", "r0,1,0")], docFlags: "deprecated", deprecatedSince: "6.2.0", replacedBy: "`BLMOVE` with the `RIGHT` and `LEFT` arguments", history: [("6.0.0", "`timeout` is interpreted as a double instead of an integer.")]),
        M("bzmpop", specs: [K("RW ACCESS DELETE", "i2", "n0,1,1")]),
        M("bzpopmax", specs: [K("RW ACCESS DELETE", "i1", "r-2,1,0")], history: [("6.0.0", "`timeout` is interpreted as a double instead of an integer.")]),
        M("bzpopmin", specs: [K("RW ACCESS DELETE", "i1", "r-2,1,0")], history: [("6.0.0", "`timeout` is interpreted as a double instead of an integer.")]),
        M("client|info", tips: ["nondeterministic_output"]),
        M("client|kill", history: [("2.8.12", "Added new filter format."), ("2.8.12", "`ID` option."), ("3.2.0", "Added `master` type in for `TYPE` option."), ("5.0.0", "Replaced `slave` `TYPE` with `replica`. `slave` still supported for backward compatibility."), ("6.2.0", "`LADDR` option."), ("8.0.0", "`MAXAGE` option."), ("8.0.0", "Replaced `master` `TYPE` with `primary`. `master` still supported for backward compatibility.")]),
        M("client|list", tips: ["nondeterministic_output"], history: [("2.8.12", "Added unique client `id` field."), ("5.0.0", "Added optional `TYPE` filter."), ("6.0.0", "Added `user` field."), ("6.2.0", "Added `argv-mem`, `tot-mem`, `laddr` and `redir` fields and the optional `ID` filter."), ("7.0.0", "Added `resp`, `multi-mem`, `rbs` and `rbp` fields."), ("7.0.3", "Added `ssub` field."), ("8.0.0", "Replaced `master` `TYPE` with `primary`. `master` still supported for backward compatibility.")]),
        M("client|pause", history: [("6.2.0", "`CLIENT PAUSE WRITE` mode added along with the `mode` option.")]),
        M("client|setinfo", tips: ["request_policy:all_nodes", "response_policy:all_succeeded"]),
        M("client|setname", tips: ["request_policy:all_nodes", "response_policy:all_succeeded"]),
        M("cluster|bumpepoch", tips: ["nondeterministic_output"]),
        M("cluster|count-failure-reports", tips: ["nondeterministic_output"]),
        M("cluster|getkeysinslot", tips: ["nondeterministic_output"]),
        M("cluster|info", tips: ["nondeterministic_output"]),
        M("cluster|links", tips: ["nondeterministic_output"]),
        M("cluster|meet", history: [("4.0.0", "Added the optional `cluster_bus_port` argument.")]),
        M("cluster|myshardid", tips: ["nondeterministic_output"]),
        M("cluster|nodes", tips: ["nondeterministic_output"]),
        M("cluster|replicas", tips: ["nondeterministic_output"]),
        M("cluster|setslot", history: [("8.0.0", "Added the `TIMEOUT` option.")]),
        M("cluster|shards", tips: ["nondeterministic_output"]),
        M("cluster|slaves", tips: ["nondeterministic_output"], docFlags: "deprecated", deprecatedSince: "5.0.0", replacedBy: "`CLUSTER REPLICAS`"),
        M("cluster|slot-stats", tips: ["nondeterministic_output", "request_policy:all_shards"]),
        M("cluster|slots", tips: ["nondeterministic_output"], history: [("4.0.0", "Added node IDs."), ("7.0.0", "Added additional networking metadata field.")]),
        M("command", tips: ["nondeterministic_output_order"]),
        M("command|docs", tips: ["nondeterministic_output_order"]),
        M("command|info", tips: ["nondeterministic_output_order"], history: [("7.0.0", "Allowed to be called with no argument to get info on all commands.")]),
        M("command|list", tips: ["nondeterministic_output_order"]),
        M("config|get", history: [("7.0.0", "Added the ability to pass multiple pattern parameters in one call")]),
        M("config|resetstat", tips: ["request_policy:all_nodes", "response_policy:all_succeeded"]),
        M("config|rewrite", tips: ["request_policy:all_nodes", "response_policy:all_succeeded"]),
        M("config|set", tips: ["request_policy:all_nodes", "response_policy:all_succeeded"], history: [("7.0.0", "Added the ability to set multiple parameters in one call.")]),
        M("copy", specs: [K("RO ACCESS", "i1", "r0,1,0"), K("OW UPDATE", "i2", "r0,1,0")]),
        M("dbsize", tips: ["request_policy:all_shards", "response_policy:agg_sum"]),
        M("debug", docFlags: "syscmd"),
        M("decr", specs: [K("RW ACCESS UPDATE", "i1", "r0,1,0")]),
        M("decrby", specs: [K("RW ACCESS UPDATE", "i1", "r0,1,0")]),
        M("del", specs: [K("RM DELETE", "i1", "r-1,1,0")], tips: ["request_policy:multi_shard", "response_policy:agg_sum"]),
        M("dump", specs: [K("RO ACCESS", "i1", "r0,1,0")], tips: ["nondeterministic_output"]),
        M("eval", specs: [K("RW ACCESS UPDATE", "i2", "n0,1,1", "We cannot tell how the keys will be used so we assume the worst, RW and UPDATE")]),
        M("eval_ro", specs: [K("RO ACCESS", "i2", "n0,1,1", "We cannot tell how the keys will be used so we assume the worst, RO and ACCESS")]),
        M("evalsha", specs: [K("RW ACCESS UPDATE", "i2", "n0,1,1")]),
        M("evalsha_ro", specs: [K("RO ACCESS", "i2", "n0,1,1")]),
        M("exists", specs: [K("RO", "i1", "r-1,1,0")], tips: ["request_policy:multi_shard", "response_policy:agg_sum"], history: [("3.0.3", "Accepts multiple `key` arguments.")]),
        M("expire", specs: [K("RW UPDATE", "i1", "r0,1,0")], history: [("7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`.")]),
        M("expireat", specs: [K("RW UPDATE", "i1", "r0,1,0")], history: [("7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`.")]),
        M("expiretime", specs: [K("RO ACCESS", "i1", "r0,1,0")]),
        M("fcall", specs: [K("RW ACCESS UPDATE", "i2", "n0,1,1", "We cannot tell how the keys will be used so we assume the worst, RW and UPDATE")]),
        M("fcall_ro", specs: [K("RO ACCESS", "i2", "n0,1,1", "We cannot tell how the keys will be used so we assume the worst, RO and ACCESS")]),
        M("flushall", tips: ["request_policy:all_shards", "response_policy:all_succeeded"], history: [("4.0.0", "Added the `ASYNC` flushing mode modifier."), ("6.2.0", "Added the `SYNC` flushing mode modifier.")]),
        M("flushdb", tips: ["request_policy:all_shards", "response_policy:all_succeeded"], history: [("4.0.0", "Added the `ASYNC` flushing mode modifier."), ("6.2.0", "Added the `SYNC` flushing mode modifier.")]),
        M("function|delete", tips: ["request_policy:all_shards", "response_policy:all_succeeded"]),
        M("function|flush", tips: ["request_policy:all_shards", "response_policy:all_succeeded"]),
        M("function|kill", tips: ["request_policy:all_shards", "response_policy:one_succeeded"]),
        M("function|list", tips: ["nondeterministic_output_order"]),
        M("function|load", tips: ["request_policy:all_shards", "response_policy:all_succeeded"]),
        M("function|restore", tips: ["request_policy:all_shards", "response_policy:all_succeeded"]),
        M("function|stats", tips: ["nondeterministic_output", "request_policy:all_shards", "response_policy:special"]),
        M("geoadd", specs: [K("RW UPDATE", "i1", "r0,1,0")], history: [("6.2.0", "Added the `CH`, `NX` and `XX` options.")]),
        M("geodist", specs: [K("RO ACCESS", "i1", "r0,1,0")]),
        M("geohash", specs: [K("RO ACCESS", "i1", "r0,1,0")]),
        M("geopos", specs: [K("RO ACCESS", "i1", "r0,1,0")]),
        M("georadius", specs: [K("RO ACCESS", "i1", "r0,1,0"), K("OW UPDATE", "k6:STORE", "r0,1,0"), K("OW UPDATE", "k6:STOREDIST", "r0,1,0")], docFlags: "deprecated", deprecatedSince: "6.2.0", replacedBy: "`GEOSEARCH` and `GEOSEARCHSTORE` with the `BYRADIUS` argument", history: [("6.2.0", "Added the `ANY` option for `COUNT`."), ("7.0.0", "Added support for uppercase unit names.")]),
        M("georadius_ro", specs: [K("RO ACCESS", "i1", "r0,1,0")], docFlags: "deprecated", deprecatedSince: "6.2.0", replacedBy: "`GEOSEARCH` with the `BYRADIUS` argument", history: [("6.2.0", "Added the `ANY` option for `COUNT`."), ("7.0.0", "Added support for uppercase unit names.")]),
        M("georadiusbymember", specs: [K("RO ACCESS", "i1", "r0,1,0"), K("OW UPDATE", "k5:STORE", "r0,1,0"), K("OW UPDATE", "k5:STOREDIST", "r0,1,0")], docFlags: "deprecated", deprecatedSince: "6.2.0", replacedBy: "`GEOSEARCH` and `GEOSEARCHSTORE` with the `BYRADIUS` and `FROMMEMBER` arguments", history: [("6.2.0", "Added the `ANY` option for `COUNT`."), ("7.0.0", "Added support for uppercase unit names.")]),
        M("georadiusbymember_ro", specs: [K("RO ACCESS", "i1", "r0,1,0")], docFlags: "deprecated", deprecatedSince: "6.2.0", replacedBy: "`GEOSEARCH` with the `BYRADIUS` and `FROMMEMBER` arguments", history: [("6.2.0", "Added the `ANY` option for `COUNT`."), ("7.0.0", "Added support for uppercase unit names.")]),
        M("geosearch", specs: [K("RO ACCESS", "i1", "r0,1,0")], history: [("7.0.0", "Added support for uppercase unit names.")]),
        M("geosearchstore", specs: [K("OW UPDATE", "i1", "r0,1,0"), K("RO ACCESS", "i2", "r0,1,0")], history: [("7.0.0", "Added support for uppercase unit names.")]),
        M("get", specs: [K("RO ACCESS", "i1", "r0,1,0")]),
        M("getbit", specs: [K("RO ACCESS", "i1", "r0,1,0")]),
        M("getdel", specs: [K("RW ACCESS DELETE", "i1", "r0,1,0")]),
        M("getex", specs: [K("RW ACCESS UPDATE", "i1", "r0,1,0", "RW and UPDATE because it changes the TTL")]),
        M("getrange", specs: [K("RO ACCESS", "i1", "r0,1,0")]),
        M("getset", specs: [K("RW ACCESS UPDATE", "i1", "r0,1,0")], docFlags: "deprecated", deprecatedSince: "6.2.0", replacedBy: "`SET` with the `!GET` argument"),
        M("hdel", specs: [K("RW DELETE", "i1", "r0,1,0")], history: [("2.4.0", "Accepts multiple `field` arguments.")]),
        M("hello", history: [("6.2.0", "`protover` made optional; when called without arguments the command reports the current connection's context.")]),
        M("hexists", specs: [K("RO", "i1", "r0,1,0")]),
        M("hget", specs: [K("RO ACCESS", "i1", "r0,1,0")]),
        M("hgetall", specs: [K("RO ACCESS", "i1", "r0,1,0")], tips: ["nondeterministic_output_order"]),
        M("hincrby", specs: [K("RW ACCESS UPDATE", "i1", "r0,1,0")]),
        M("hincrbyfloat", specs: [K("RW ACCESS UPDATE", "i1", "r0,1,0")]),
        M("hkeys", specs: [K("RO ACCESS", "i1", "r0,1,0")], tips: ["nondeterministic_output_order"]),
        M("hlen", specs: [K("RO", "i1", "r0,1,0")]),
        M("hmget", specs: [K("RO ACCESS", "i1", "r0,1,0")]),
        M("hmset", specs: [K("RW UPDATE", "i1", "r0,1,0")], docFlags: "deprecated", deprecatedSince: "4.0.0", replacedBy: "`HSET` with multiple field-value pairs"),
        M("hrandfield", specs: [K("RO ACCESS", "i1", "r0,1,0")], tips: ["nondeterministic_output"]),
        M("hscan", specs: [K("RO ACCESS", "i1", "r0,1,0")], tips: ["nondeterministic_output"]),
        M("hset", specs: [K("RW UPDATE", "i1", "r0,1,0")], history: [("4.0.0", "Accepts multiple `field` and `value` arguments.")]),
        M("hsetnx", specs: [K("RW INSERT", "i1", "r0,1,0")]),
        M("hstrlen", specs: [K("RO", "i1", "r0,1,0")]),
        M("hvals", specs: [K("RO ACCESS", "i1", "r0,1,0")], tips: ["nondeterministic_output_order"]),
        M("incr", specs: [K("RW ACCESS UPDATE", "i1", "r0,1,0")]),
        M("incrby", specs: [K("RW ACCESS UPDATE", "i1", "r0,1,0")]),
        M("incrbyfloat", specs: [K("RW ACCESS UPDATE", "i1", "r0,1,0")]),
        M("info", tips: ["nondeterministic_output", "request_policy:all_shards", "response_policy:special"], history: [("7.0.0", "Added support for taking multiple section arguments.")]),
        M("keys", tips: ["request_policy:all_shards", "nondeterministic_output_order"]),
        M("lastsave", tips: ["nondeterministic_output"]),
        M("latency|doctor", tips: ["nondeterministic_output", "request_policy:all_nodes", "response_policy:special"]),
        M("latency|graph", tips: ["nondeterministic_output", "request_policy:all_nodes", "response_policy:special"]),
        M("latency|histogram", tips: ["nondeterministic_output", "request_policy:all_nodes", "response_policy:special"]),
        M("latency|history", tips: ["nondeterministic_output", "request_policy:all_nodes", "response_policy:special"]),
        M("latency|latest", tips: ["nondeterministic_output", "request_policy:all_nodes", "response_policy:special"]),
        M("latency|reset", tips: ["request_policy:all_nodes", "response_policy:agg_sum"]),
        M("lcs", specs: [K("RO ACCESS", "i1", "r1,1,0")]),
        M("lindex", specs: [K("RO ACCESS", "i1", "r0,1,0")]),
        M("linsert", specs: [K("RW INSERT", "i1", "r0,1,0")]),
        M("llen", specs: [K("RO", "i1", "r0,1,0")]),
        M("lmove", specs: [K("RW ACCESS DELETE", "i1", "r0,1,0"), K("RW INSERT", "i2", "r0,1,0")]),
        M("lmpop", specs: [K("RW ACCESS DELETE", "i1", "n0,1,1")]),
        M("lpop", specs: [K("RW ACCESS DELETE", "i1", "r0,1,0")], history: [("6.2.0", "Added the `count` argument.")]),
        M("lpos", specs: [K("RO ACCESS", "i1", "r0,1,0")]),
        M("lpush", specs: [K("RW INSERT", "i1", "r0,1,0")], history: [("2.4.0", "Accepts multiple `element` arguments.")]),
        M("lpushx", specs: [K("RW INSERT", "i1", "r0,1,0")], history: [("4.0.0", "Accepts multiple `element` arguments.")]),
        M("lrange", specs: [K("RO ACCESS", "i1", "r0,1,0")]),
        M("lrem", specs: [K("RW DELETE", "i1", "r0,1,0")]),
        M("lset", specs: [K("RW UPDATE", "i1", "r0,1,0")]),
        M("ltrim", specs: [K("RW DELETE", "i1", "r0,1,0")]),
        M("memory|doctor", tips: ["nondeterministic_output", "request_policy:all_shards", "response_policy:special"]),
        M("memory|malloc-stats", tips: ["nondeterministic_output", "request_policy:all_shards", "response_policy:special"]),
        M("memory|purge", tips: ["request_policy:all_shards", "response_policy:all_succeeded"]),
        M("memory|stats", tips: ["nondeterministic_output", "request_policy:all_shards", "response_policy:special"]),
        M("memory|usage", specs: [K("RO", "i2", "r0,1,0")]),
        M("mget", specs: [K("RO ACCESS", "i1", "r-1,1,0")], tips: ["request_policy:multi_shard"]),
        M("migrate", specs: [K("RW ACCESS DELETE", "i3", "r0,1,0"), K("RW ACCESS DELETE INCOMPLETE", "k-2:KEYS", "r-1,1,0")], tips: ["nondeterministic_output"], history: [("3.0.0", "Added the `COPY` and `REPLACE` options."), ("3.0.6", "Added the `KEYS` option."), ("4.0.7", "Added the `AUTH` option."), ("6.0.0", "Added the `AUTH2` option.")]),
        M("module|list", tips: ["nondeterministic_output_order"]),
        M("move", specs: [K("RW ACCESS UPDATE", "i1", "r0,1,0")]),
        M("mset", specs: [K("OW UPDATE", "i1", "r-1,2,0")], tips: ["request_policy:multi_shard", "response_policy:all_succeeded"]),
        M("msetnx", specs: [K("OW INSERT", "i1", "r-1,2,0")]),
        M("object|encoding", specs: [K("RO", "i2", "r0,1,0")], tips: ["nondeterministic_output"]),
        M("object|freq", specs: [K("RO", "i2", "r0,1,0")], tips: ["nondeterministic_output"]),
        M("object|idletime", specs: [K("RO", "i2", "r0,1,0")], tips: ["nondeterministic_output"]),
        M("object|refcount", specs: [K("RO", "i2", "r0,1,0")], tips: ["nondeterministic_output"]),
        M("persist", specs: [K("RW UPDATE", "i1", "r0,1,0")]),
        M("pexpire", specs: [K("RW UPDATE", "i1", "r0,1,0")], history: [("7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`.")]),
        M("pexpireat", specs: [K("RW UPDATE", "i1", "r0,1,0")], history: [("7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`.")]),
        M("pexpiretime", specs: [K("RO ACCESS", "i1", "r0,1,0")]),
        M("pfadd", specs: [K("RW INSERT", "i1", "r0,1,0")]),
        M("pfcount", specs: [K("RW ACCESS", "i1", "r-1,1,0", "RW because it may change the internal representation of the key, and propagate to replicas")]),
        M("pfdebug", specs: [K("RW ACCESS", "i2", "r0,1,0")], docFlags: "syscmd"),
        M("pfmerge", specs: [K("RW ACCESS INSERT", "i1", "r0,1,0"), K("RO ACCESS", "i2", "r-1,1,0")]),
        M("pfselftest", docFlags: "syscmd"),
        M("ping", tips: ["request_policy:all_shards", "response_policy:all_succeeded"]),
        M("psetex", specs: [K("OW UPDATE", "i1", "r0,1,0")], docFlags: "deprecated", deprecatedSince: "2.6.12", replacedBy: "`SET` with the `PX` argument"),
        M("pttl", specs: [K("RO ACCESS", "i1", "r0,1,0")], tips: ["nondeterministic_output"], history: [("2.8.0", "Added the -2 reply.")]),
        M("quit", docFlags: "deprecated", deprecatedSince: "7.2.0", replacedBy: "just closing the connection"),
        M("randomkey", tips: ["request_policy:all_shards", "response_policy:special", "nondeterministic_output"]),
        M("rename", specs: [K("RW ACCESS DELETE", "i1", "r0,1,0"), K("OW UPDATE", "i2", "r0,1,0")]),
        M("renamenx", specs: [K("RW ACCESS DELETE", "i1", "r0,1,0"), K("OW INSERT", "i2", "r0,1,0")], history: [("3.2.0", "The command no longer returns an error when source and destination names are the same.")]),
        M("replconf", docFlags: "syscmd"),
        M("restore", specs: [K("OW UPDATE", "i1", "r0,1,0")], history: [("3.0.0", "Added the `REPLACE` modifier."), ("5.0.0", "Added the `ABSTTL` modifier."), ("5.0.0", "Added the `IDLETIME` and `FREQ` options.")]),
        M("restore-asking", specs: [K("OW UPDATE", "i1", "r0,1,0")], docFlags: "syscmd", history: [("3.0.0", "Added the `REPLACE` modifier."), ("5.0.0", "Added the `ABSTTL` modifier."), ("5.0.0", "Added the `IDLETIME` and `FREQ` options.")]),
        M("rpop", specs: [K("RW ACCESS DELETE", "i1", "r0,1,0")], history: [("6.2.0", "Added the `count` argument.")]),
        M("rpoplpush", specs: [K("RW ACCESS DELETE", "i1", "r0,1,0"), K("RW INSERT", "i2", "r0,1,0")], docFlags: "deprecated", deprecatedSince: "6.2.0", replacedBy: "`LMOVE` with the `RIGHT` and `LEFT` arguments"),
        M("rpush", specs: [K("RW INSERT", "i1", "r0,1,0")], history: [("2.4.0", "Accepts multiple `element` arguments.")]),
        M("rpushx", specs: [K("RW INSERT", "i1", "r0,1,0")], history: [("4.0.0", "Accepts multiple `element` arguments.")]),
        M("sadd", specs: [K("RW INSERT", "i1", "r0,1,0")], history: [("2.4.0", "Accepts multiple `member` arguments.")]),
        M("scan", tips: ["nondeterministic_output", "request_policy:special", "response_policy:special"], history: [("6.0.0", "Added the `TYPE` subcommand.")]),
        M("scard", specs: [K("RO", "i1", "r0,1,0")]),
        M("script|exists", tips: ["request_policy:all_shards", "response_policy:agg_logical_and"]),
        M("script|flush", tips: ["request_policy:all_nodes", "response_policy:all_succeeded"], history: [("6.2.0", "Added the `ASYNC` and `SYNC` flushing mode modifiers.")]),
        M("script|kill", tips: ["request_policy:all_shards", "response_policy:one_succeeded"]),
        M("script|load", tips: ["request_policy:all_nodes", "response_policy:all_succeeded"]),
        M("sdiff", specs: [K("RO ACCESS", "i1", "r-1,1,0")], tips: ["nondeterministic_output_order"]),
        M("sdiffstore", specs: [K("OW UPDATE", "i1", "r0,1,0"), K("RO ACCESS", "i2", "r-1,1,0")]),
        M("set", specs: [K("RW ACCESS UPDATE VARIABLE_FLAGS", "i1", "r0,1,0", "RW and ACCESS due to the optional `GET` argument")], history: [("2.6.12", "Added the `EX`, `PX`, `NX` and `XX` options."), ("6.0.0", "Added the `KEEPTTL` option."), ("6.2.0", "Added the `GET`, `EXAT` and `PXAT` option."), ("7.0.0", "Allowed the `NX` and `GET` options to be used together.")]),
        M("setbit", specs: [K("RW ACCESS UPDATE", "i1", "r0,1,0")]),
        M("setex", specs: [K("OW UPDATE", "i1", "r0,1,0")], docFlags: "deprecated", deprecatedSince: "2.6.12", replacedBy: "`SET` with the `EX` argument"),
        M("setnx", specs: [K("OW INSERT", "i1", "r0,1,0")], docFlags: "deprecated", deprecatedSince: "2.6.12", replacedBy: "`SET` with the `NX` argument"),
        M("setrange", specs: [K("RW UPDATE", "i1", "r0,1,0")]),
        M("shutdown", history: [("7.0.0", "Added the `NOW`, `FORCE` and `ABORT` modifiers.")]),
        M("sinter", specs: [K("RO ACCESS", "i1", "r-1,1,0")], tips: ["nondeterministic_output_order"]),
        M("sintercard", specs: [K("RO ACCESS", "i1", "n0,1,1")]),
        M("sinterstore", specs: [K("OW UPDATE", "i1", "r0,1,0"), K("RO ACCESS", "i2", "r-1,1,0")]),
        M("sismember", specs: [K("RO", "i1", "r0,1,0")]),
        M("slaveof", docFlags: "deprecated", deprecatedSince: "5.0.0", replacedBy: "`REPLICAOF`"),
        M("slowlog|get", tips: ["request_policy:all_nodes", "nondeterministic_output"], history: [("4.0.0", "Added client IP address, port and name to the reply.")]),
        M("slowlog|len", tips: ["request_policy:all_nodes", "response_policy:agg_sum", "nondeterministic_output"]),
        M("slowlog|reset", tips: ["request_policy:all_nodes", "response_policy:all_succeeded"]),
        M("smembers", specs: [K("RO ACCESS", "i1", "r0,1,0")], tips: ["nondeterministic_output_order"]),
        M("smismember", specs: [K("RO ACCESS", "i1", "r0,1,0")]),
        M("smove", specs: [K("RW ACCESS DELETE", "i1", "r0,1,0"), K("RW INSERT", "i2", "r0,1,0")]),
        M("sort", specs: [K("RO ACCESS", "i1", "r0,1,0"), K("RO ACCESS", "u", "u", "For the optional BY/GET keyword. It is marked 'unknown' because the key names derive from the content of the key we sort"), K("OW UPDATE", "u", "u", "For the optional STORE keyword. It is marked 'unknown' because the keyword can appear anywhere in the argument array")]),
        M("sort_ro", specs: [K("RO ACCESS", "i1", "r0,1,0"), K("RO ACCESS", "u", "u", "For the optional BY/GET keyword. It is marked 'unknown' because the key names derive from the content of the key we sort")]),
        M("spop", specs: [K("RW ACCESS DELETE", "i1", "r0,1,0")], tips: ["nondeterministic_output"], history: [("3.2.0", "Added the `count` argument.")]),
        M("spublish", specs: [K("NOT_KEY", "i1", "r0,1,0")]),
        M("srandmember", specs: [K("RO ACCESS", "i1", "r0,1,0")], tips: ["nondeterministic_output"], history: [("2.6.0", "Added the optional `count` argument.")]),
        M("srem", specs: [K("RW DELETE", "i1", "r0,1,0")], history: [("2.4.0", "Accepts multiple `member` arguments.")]),
        M("sscan", specs: [K("RO ACCESS", "i1", "r0,1,0")], tips: ["nondeterministic_output"]),
        M("ssubscribe", specs: [K("NOT_KEY", "i1", "r-1,1,0")]),
        M("strlen", specs: [K("RO", "i1", "r0,1,0")]),
        M("substr", specs: [K("RO ACCESS", "i1", "r0,1,0")], docFlags: "deprecated", deprecatedSince: "2.0.0", replacedBy: "`GETRANGE`"),
        M("sunion", specs: [K("RO ACCESS", "i1", "r-1,1,0")], tips: ["nondeterministic_output_order"]),
        M("sunionstore", specs: [K("OW UPDATE", "i1", "r0,1,0"), K("RO ACCESS", "i2", "r-1,1,0")]),
        M("sunsubscribe", specs: [K("NOT_KEY", "i1", "r-1,1,0")]),
        M("time", tips: ["nondeterministic_output"]),
        M("touch", specs: [K("RO", "i1", "r-1,1,0")], tips: ["request_policy:multi_shard", "response_policy:agg_sum"]),
        M("ttl", specs: [K("RO ACCESS", "i1", "r0,1,0")], tips: ["nondeterministic_output"], history: [("2.8.0", "Added the -2 reply.")]),
        M("type", specs: [K("RO", "i1", "r0,1,0")]),
        M("unlink", specs: [K("RM DELETE", "i1", "r-1,1,0")], tips: ["request_policy:multi_shard", "response_policy:agg_sum"]),
        M("wait", tips: ["request_policy:all_shards", "response_policy:agg_min"]),
        M("waitaof", tips: ["request_policy:all_shards", "response_policy:agg_min"]),
        M("watch", specs: [K("RO", "i1", "r-1,1,0")]),
        M("xack", specs: [K("RW UPDATE", "i1", "r0,1,0")]),
        M("xadd", specs: [K("RW UPDATE", "i1", "r0,1,0", "UPDATE instead of INSERT because of the optional trimming feature")], tips: ["nondeterministic_output"], history: [("6.2.0", "Added the `NOMKSTREAM` option, `MINID` trimming strategy and the `LIMIT` option."), ("7.0.0", "Added support for the `<ms>-*` explicit ID form.")]),
        M("xautoclaim", specs: [K("RW DELETE", "i1", "r0,1,0")], tips: ["nondeterministic_output"], history: [("7.0.0", "Added an element to the reply array, containing deleted entries the command cleared from the PEL")]),
        M("xclaim", specs: [K("RW UPDATE", "i1", "r0,1,0")], tips: ["nondeterministic_output"]),
        M("xdel", specs: [K("RW DELETE", "i1", "r0,1,0")]),
        M("xgroup|create", specs: [K("RW INSERT", "i2", "r0,1,0")], history: [("7.0.0", "Added the `entries_read` named argument.")]),
        M("xgroup|createconsumer", specs: [K("RW INSERT", "i2", "r0,1,0")]),
        M("xgroup|delconsumer", specs: [K("RW DELETE", "i2", "r0,1,0")]),
        M("xgroup|destroy", specs: [K("RW DELETE", "i2", "r0,1,0")]),
        M("xgroup|setid", specs: [K("RW UPDATE", "i2", "r0,1,0")], history: [("7.0.0", "Added the optional `entries_read` argument.")]),
        M("xinfo|consumers", specs: [K("RO ACCESS", "i2", "r0,1,0")], tips: ["nondeterministic_output"], history: [("7.2.0", "Added the `inactive` field, and changed the meaning of `idle`.")]),
        M("xinfo|groups", specs: [K("RO ACCESS", "i2", "r0,1,0")], history: [("7.0.0", "Added the `entries-read` and `lag` fields")]),
        M("xinfo|stream", specs: [K("RO ACCESS", "i2", "r0,1,0")], history: [("6.0.0", "Added the `FULL` modifier."), ("7.0.0", "Added the `max-deleted-entry-id`, `entries-added`, `recorded-first-entry-id`, `entries-read` and `lag` fields"), ("7.2.0", "Added the `active-time` field, and changed the meaning of `seen-time`.")]),
        M("xlen", specs: [K("RO", "i1", "r0,1,0")]),
        M("xpending", specs: [K("RO ACCESS", "i1", "r0,1,0")], tips: ["nondeterministic_output"], history: [("6.2.0", "Added the `IDLE` option and exclusive range intervals.")]),
        M("xrange", specs: [K("RO ACCESS", "i1", "r0,1,0")], history: [("6.2.0", "Added exclusive ranges.")]),
        M("xread", specs: [K("RO ACCESS", "k1:STREAMS", "r-1,1,2")]),
        M("xreadgroup", specs: [K("RO ACCESS", "k4:STREAMS", "r-1,1,2")]),
        M("xrevrange", specs: [K("RO ACCESS", "i1", "r0,1,0")], history: [("6.2.0", "Added exclusive ranges.")]),
        M("xsetid", specs: [K("RW UPDATE", "i1", "r0,1,0")], history: [("7.0.0", "Added the `entries_added` and `max_deleted_entry_id` arguments.")]),
        M("xtrim", specs: [K("RW DELETE", "i1", "r0,1,0")], tips: ["nondeterministic_output"], history: [("6.2.0", "Added the `MINID` trimming strategy and the `LIMIT` option.")]),
        M("zadd", specs: [K("RW UPDATE", "i1", "r0,1,0")], history: [("2.4.0", "Accepts multiple elements."), ("3.0.2", "Added the `XX`, `NX`, `CH` and `INCR` options."), ("6.2.0", "Added the `GT` and `LT` options.")]),
        M("zcard", specs: [K("RO", "i1", "r0,1,0")]),
        M("zcount", specs: [K("RO ACCESS", "i1", "r0,1,0")]),
        M("zdiff", specs: [K("RO ACCESS", "i1", "n0,1,1")]),
        M("zdiffstore", specs: [K("OW UPDATE", "i1", "r0,1,0"), K("RO ACCESS", "i2", "n0,1,1")]),
        M("zincrby", specs: [K("RW ACCESS UPDATE", "i1", "r0,1,0")]),
        M("zinter", specs: [K("RO ACCESS", "i1", "n0,1,1")]),
        M("zintercard", specs: [K("RO ACCESS", "i1", "n0,1,1")]),
        M("zinterstore", specs: [K("OW UPDATE", "i1", "r0,1,0"), K("RO ACCESS", "i2", "n0,1,1")]),
        M("zlexcount", specs: [K("RO ACCESS", "i1", "r0,1,0")]),
        M("zmpop", specs: [K("RW ACCESS DELETE", "i1", "n0,1,1")]),
        M("zmscore", specs: [K("RO ACCESS", "i1", "r0,1,0")]),
        M("zpopmax", specs: [K("RW ACCESS DELETE", "i1", "r0,1,0")]),
        M("zpopmin", specs: [K("RW ACCESS DELETE", "i1", "r0,1,0")]),
        M("zrandmember", specs: [K("RO ACCESS", "i1", "r0,1,0")], tips: ["nondeterministic_output"]),
        M("zrange", specs: [K("RO ACCESS", "i1", "r0,1,0")], history: [("6.2.0", "Added the `REV`, `BYSCORE`, `BYLEX` and `LIMIT` options.")]),
        M("zrangebylex", specs: [K("RO ACCESS", "i1", "r0,1,0")], docFlags: "deprecated", deprecatedSince: "6.2.0", replacedBy: "`ZRANGE` with the `BYLEX` argument"),
        M("zrangebyscore", specs: [K("RO ACCESS", "i1", "r0,1,0")], docFlags: "deprecated", deprecatedSince: "6.2.0", replacedBy: "`ZRANGE` with the `BYSCORE` argument", history: [("2.0.0", "Added the `WITHSCORES` modifier.")]),
        M("zrangestore", specs: [K("OW UPDATE", "i1", "r0,1,0"), K("RO ACCESS", "i2", "r0,1,0")]),
        M("zrank", specs: [K("RO ACCESS", "i1", "r0,1,0")], history: [("7.2.0", "Added the optional `WITHSCORE` argument.")]),
        M("zrem", specs: [K("RW DELETE", "i1", "r0,1,0")], history: [("2.4.0", "Accepts multiple elements.")]),
        M("zremrangebylex", specs: [K("RW DELETE", "i1", "r0,1,0")]),
        M("zremrangebyrank", specs: [K("RW DELETE", "i1", "r0,1,0")]),
        M("zremrangebyscore", specs: [K("RW DELETE", "i1", "r0,1,0")]),
        M("zrevrange", specs: [K("RO ACCESS", "i1", "r0,1,0")], docFlags: "deprecated", deprecatedSince: "6.2.0", replacedBy: "`ZRANGE` with the `REV` argument"),
        M("zrevrangebylex", specs: [K("RO ACCESS", "i1", "r0,1,0")], docFlags: "deprecated", deprecatedSince: "6.2.0", replacedBy: "`ZRANGE` with the `REV` and `BYLEX` arguments"),
        M("zrevrangebyscore", specs: [K("RO ACCESS", "i1", "r0,1,0")], docFlags: "deprecated", deprecatedSince: "6.2.0", replacedBy: "`ZRANGE` with the `REV` and `BYSCORE` arguments", history: [("2.1.6", "`min` and `max` can be exclusive.")]),
        M("zrevrank", specs: [K("RO ACCESS", "i1", "r0,1,0")], history: [("7.2.0", "Added the optional `WITHSCORE` argument.")]),
        M("zscan", specs: [K("RO ACCESS", "i1", "r0,1,0")], tips: ["nondeterministic_output"], history: [("8.0.0", "Added noscores option.")]),
        M("zscore", specs: [K("RO ACCESS", "i1", "r0,1,0")]),
        M("zunion", specs: [K("RO ACCESS", "i1", "n0,1,1")]),
        M("zunionstore", specs: [K("OW UPDATE", "i1", "r0,1,0"), K("RO ACCESS", "i2", "n0,1,1")]),
    ];
}
