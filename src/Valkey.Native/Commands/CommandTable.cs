namespace Valkey.Native.Commands;

/// <summary>
/// The command table: every family's declared rows, looked up case-insensitively from the
/// request bytes without allocating. Drives dispatch, arity checks, COMMAND and commandstats.
/// To add a command: add its row to its family's <c>Commands</c> array and write the handler.
/// </summary>
public sealed class CommandTable
{
    private readonly Dictionary<string, CommandSpec> _byName = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, CommandSpec>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private const int MaxNameLength = 64;

    public CommandTable() : this(AllFamilies()) { }

    public CommandTable(IEnumerable<CommandSpec> commands)
    {
        foreach (var c in commands)
        {
            if (!_byName.TryAdd(c.Name, c)) throw new InvalidOperationException($"command '{c.Name}' declared twice");
        }
        _lookup = _byName.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>Every family's rows. A new family file adds one line here.</summary>
    public static IEnumerable<CommandSpec> AllFamilies() =>
        ConnectionCommands.Commands
            .Concat(StringCommands.Commands)
            .Concat(AofCommands.Commands)
            .Concat(KeyCommands.Commands)
            .Concat(ExpireCommands.Commands)
            .Concat(DatabaseCommands.Commands)
            .Concat(HashCommands.Commands)
            .Concat(HashFieldExpireCommands.Commands)
            .Concat(ListCommands.Commands)
            .Concat(SetCommands.Commands)
            .Concat(SortedSetCommands.Commands)
            .Concat(HyperLogLogCommands.Commands)
            .Concat(BitmapCommands.Commands)
            .Concat(SortCommands.Commands)
            .Concat(ServerCommands.Commands)
            .Concat(PersistenceCommands.Commands)
            .Concat(DumpCommands.Commands)
            .Concat(ConfigCommands.Commands)
            .Concat(ClientCommands.Commands)
            .Concat(CommandCommands.Commands)
            .Concat(ObjectCommands.Commands)
            .Concat(DebugCommands.Commands)
            .Concat(FunctionCommands.Commands)
            .Concat(MemoryCommands.Commands)
            .Concat(TransactionCommands.Commands)
            .Concat(PubSubCommands.Commands)
            .Concat(MonitorCommands.Commands)
            .Concat(GeoCommands.Commands)
            .Concat(StreamCommands.Commands)
            .Concat(StreamGroupCommands.Commands)
            .Concat(SlowLogCommands.Commands)
            .Concat(LatencyCommands.Commands);

    public IEnumerable<CommandSpec> All => _byName.Values;
    public int Count => _byName.Count;

    public CommandSpec? Find(ReadOnlySpan<byte> name)
    {
        if (name.Length == 0 || name.Length > MaxNameLength) return null;
        Span<char> chars = stackalloc char[name.Length];
        for (int i = 0; i < name.Length; i++) chars[i] = (char)name[i];
        return _lookup.TryGetValue(chars, out var spec) ? spec : null;
    }

    public CommandSpec? Find(string name) => _byName.TryGetValue(name, out var spec) ? spec : null;

    public static CommandSpec? FindSubcommand(CommandSpec container, ReadOnlySpan<byte> name)
    {
        if (container.Subcommands == null) return null;
        foreach (var sub in container.Subcommands)
        {
            if (CommandContext.AsciiEqualsIgnoreCase(name, sub.NameBytes)) return sub;
        }
        return null;
    }

    public void ResetStats()
    {
        foreach (var c in _byName.Values) c.ResetStats();
    }
}
