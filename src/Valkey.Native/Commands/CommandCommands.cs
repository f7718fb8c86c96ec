using System.Text;
using Valkey.Native.Protocol;
using Valkey.Native.Util;

namespace Valkey.Native.Commands;

/// <summary>
/// COMMAND and its subcommands: the command table as clients see it (redis-cli, client
/// libraries and cluster proxies read it to learn arity, flags and where the keys are).
/// Replies have the shape of Valkey 8's addReplyCommandInfo / addReplyCommandDocs. Everything
/// comes from the <see cref="CommandSpec"/> rows: key specs, tips, history and doc flags included.
/// COMMAND DOCS omits the "arguments" entry: argument trees are not carried (yet).
/// </summary>
public static class CommandCommands
{
    public static readonly CommandSpec[] Commands =
    [
        new CommandSpec("command", -1, CommandFlags.Loading | CommandFlags.Stale | CommandFlags.Sentinel, AclCategories.Slow | AclCategories.Connection, CommandAll)
        {
            Group = "server", Summary = "Returns detailed information about all commands.", Since = "2.8.13", Complexity = "O(N) where N is the total number of commands",
            Tips = ["nondeterministic_output_order"],
        }
        .WithSubcommands(
            new CommandSpec("count", 2, CommandFlags.Loading | CommandFlags.Stale | CommandFlags.Sentinel, AclCategories.Slow | AclCategories.Connection, Count)
            { Group = "server", Summary = "Returns a count of commands.", Since = "2.8.13", Complexity = "O(1)" },
            new CommandSpec("docs", -2, CommandFlags.Loading | CommandFlags.Stale | CommandFlags.Sentinel, AclCategories.Slow | AclCategories.Connection, Docs)
            {
                Group = "server", Summary = "Returns documentary information about one, multiple or all commands.", Since = "7.0.0", Complexity = "O(N) where N is the number of commands to look up",
                Tips = ["nondeterministic_output_order"],
            },
            new CommandSpec("getkeys", -3, CommandFlags.Loading | CommandFlags.Stale | CommandFlags.Sentinel, AclCategories.Slow | AclCategories.Connection, GetKeys)
            { Group = "server", Summary = "Extracts the key names from an arbitrary command.", Since = "2.8.13", Complexity = "O(N) where N is the number of arguments to the command" },
            new CommandSpec("getkeysandflags", -3, CommandFlags.Loading | CommandFlags.Stale | CommandFlags.Sentinel, AclCategories.Slow | AclCategories.Connection, GetKeysAndFlags)
            { Group = "server", Summary = "Extracts the key names and access flags for an arbitrary command.", Since = "7.0.0", Complexity = "O(N) where N is the number of arguments to the command" },
            new CommandSpec("help", 2, CommandFlags.Loading | CommandFlags.Stale | CommandFlags.Sentinel, AclCategories.Slow | AclCategories.Connection, Help)
            { Group = "server", Summary = "Returns helpful text about the different subcommands.", Since = "5.0.0", Complexity = "O(1)" },
            new CommandSpec("info", -2, CommandFlags.Loading | CommandFlags.Stale | CommandFlags.Sentinel, AclCategories.Slow | AclCategories.Connection, Info)
            {
                Group = "server", Summary = "Returns information about one, multiple or all commands.", Since = "2.8.13", Complexity = "O(N) where N is the number of commands to look up",
                Tips = ["nondeterministic_output_order"],
                History = [("7.0.0", "Allowed to be called with no argument to get info on all commands.")],
            },
            new CommandSpec("list", -2, CommandFlags.Loading | CommandFlags.Stale | CommandFlags.Sentinel, AclCategories.Slow | AclCategories.Connection, List)
            {
                Group = "server", Summary = "Returns a list of command names.", Since = "7.0.0", Complexity = "O(N) where N is the total number of commands",
                Tips = ["nondeterministic_output_order"],
            }),
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
        reply.AddArrayLength(10);
        reply.AddBulk(cmd.FullName);
        reply.AddInteger(cmd.Arity);
        var flags = cmd.Flags | (cmd.MovableKeys ? CommandFlags.MovableKeys : 0);
        int flagCount = 0;
        foreach (var (f, _) in VisibleFlags) if ((flags & f) != 0) flagCount++;
        reply.AddSetLength(flagCount);
        foreach (var (f, n) in VisibleFlags) if ((flags & f) != 0) reply.AddSimpleString(n);
        reply.AddInteger(cmd.FirstKey);
        reply.AddInteger(cmd.LastKey);
        reply.AddInteger(cmd.Step);

        var acl = EffectiveAcl(cmd);
        int aclCount = 0;
        foreach (var (_, f) in AclNames) if ((acl & f) != 0) aclCount++;
        reply.AddSetLength(aclCount);
        foreach (var (n, f) in AclNames) if ((acl & f) != 0) reply.AddSimpleString("@" + n);

        reply.AddSetLength(cmd.Tips.Length);
        foreach (var t in cmd.Tips) reply.AddBulk(t);

        reply.AddSetLength(cmd.KeySpecs.Length);
        foreach (var s in cmd.KeySpecs) WriteKeySpec(reply, s);

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

        switch (s.Begin)
        {
            case BeginSearch.Index:
                WriteSearchStep(reply, "begin_search", "index", 1);
                WriteIntegerField(reply, "index", s.Position);
                break;
            case BeginSearch.Keyword:
                WriteSearchStep(reply, "begin_search", "keyword", 2);
                reply.AddBulk("keyword");
                reply.AddBulk(s.Keyword!);
                WriteIntegerField(reply, "startfrom", s.StartFrom);
                break;
            default:
                WriteSearchStep(reply, "begin_search", "unknown", 0);
                break;
        }

        switch (s.Find)
        {
            case FindKeys.Range:
                WriteSearchStep(reply, "find_keys", "range", 3);
                WriteIntegerField(reply, "lastkey", s.LastKey);
                WriteIntegerField(reply, "keystep", s.KeyStep);
                WriteIntegerField(reply, "limit", s.Limit);
                break;
            case FindKeys.KeyNum:
                WriteSearchStep(reply, "find_keys", "keynum", 3);
                WriteIntegerField(reply, "keynumidx", s.KeyNumIndex);
                WriteIntegerField(reply, "firstkey", s.FirstKey);
                WriteIntegerField(reply, "keystep", s.KeyStep);
                break;
            default:
                WriteSearchStep(reply, "find_keys", "unknown", 0);
                break;
        }
    }

    /// <summary>
    /// One step of a key spec in COMMAND DOCS/INFO: <c>step => {type => type, spec => {fields pairs}}</c>;
    /// the caller writes the <paramref name="specFields"/> pairs of the spec map.
    /// </summary>
    private static void WriteSearchStep(ReplyWriter reply, string step, string type, int specFields)
    {
        reply.AddBulk(step);
        reply.AddMapLength(2);
        reply.AddBulk("type");
        reply.AddBulk(type);
        reply.AddBulk("spec");
        reply.AddMapLength(specFields);
    }

    private static void WriteIntegerField(ReplyWriter reply, string name, long value)
    {
        reply.AddBulk(name);
        reply.AddInteger(value);
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

    // ---- COMMAND DOCS ------------------------------------------------------------------------

    private static readonly (DocFlags Flag, string Name)[] DocFlagNames = [(DocFlags.Deprecated, "deprecated"), (DocFlags.SysCmd, "syscmd")];

    private static void WriteDocs(ReplyWriter reply, CommandSpec cmd)
    {
        var docFlags = cmd.DocFlags;
        int pairs = 1; // group is always present
        if (cmd.Summary.Length > 0) pairs++;
        if (cmd.Since.Length > 0) pairs++;
        if (cmd.Complexity.Length > 0) pairs++;
        if (docFlags != DocFlags.None) pairs++;
        if (cmd.DeprecatedSince != null) pairs++;
        if (cmd.ReplacedBy != null) pairs++;
        if (cmd.History.Length > 0) pairs++;
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
        if (docFlags != DocFlags.None)
        {
            reply.AddBulk("doc_flags");
            int n = 0;
            foreach (var (f, _) in DocFlagNames) if ((docFlags & f) != 0) n++;
            reply.AddSetLength(n);
            foreach (var (f, name) in DocFlagNames) if ((docFlags & f) != 0) reply.AddSimpleString(name);
        }
        if (cmd.DeprecatedSince != null)
        {
            reply.AddBulk("deprecated_since");
            reply.AddBulk(cmd.DeprecatedSince);
        }
        if (cmd.ReplacedBy != null)
        {
            reply.AddBulk("replaced_by");
            reply.AddBulk(cmd.ReplacedBy);
        }
        if (cmd.History.Length > 0)
        {
            reply.AddBulk("history");
            reply.AddSetLength(cmd.History.Length);
            foreach (var (since, changes) in cmd.History)
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

    /// <summary>True if the command can have key arguments at all (doesCommandHaveKeys).</summary>
    public static bool HasKeys(CommandSpec cmd)
    {
        if (cmd.Keys != null) return true;
        foreach (var s in cmd.KeySpecs) if ((s.Flags & KeySpecFlags.NotKey) == 0) return true;
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
        var specs = cmd.KeySpecs;
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
        if (cmd.Keys != null)
        {
            RunKeyExtractor(ctx, cmd.Keys, args, keys);
            return keys.Count > 0;
        }
        return false;
    }

    /// <summary>
    /// Runs a family's extractor over <paramref name="args"/> instead of the current command line:
    /// a scratch context bound to a copy of them, so the caller's context is left untouched.
    /// </summary>
    private static unsafe void RunKeyExtractor(CommandContext ctx, KeyExtractor extractor, byte[][] args, List<KeyReference> keys)
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
        var scratch = new CommandContext(ctx.Server, ctx.Client) { Command = ctx.Command };
        fixed (byte* p = buffer)
        {
            scratch.Bind(p, list);
            extractor(scratch, keys);
        }
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
                first = spec.Position;
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
}
