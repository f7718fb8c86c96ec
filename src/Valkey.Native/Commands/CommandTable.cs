namespace Valkey.Native.Commands;

/// <summary>
/// The command table: every family's declared rows, looked up case-insensitively from the
/// request bytes without allocating. Drives dispatch, arity checks, COMMAND and commandstats.
/// To add a command: add its row to its family's <c>Commands</c> array and write the handler.
/// </summary>
public sealed class CommandTable
{
    private readonly Dictionary<string, CommandSpec> _byName = new(StringComparer.OrdinalIgnoreCase);
    private const int MaxNameLength = 64;

    public CommandTable() : this(AllFamilies()) { }

    public CommandTable(IEnumerable<CommandSpec> commands)
    {
        foreach (var c in commands)
        {
            if (!_byName.TryAdd(c.Name, c)) throw new InvalidOperationException($"command '{c.Name}' declared twice");
        }
        BuildByteIndex();
    }

    // ---- the request-path lookup: bytes, case-insensitive, no char conversion ---------------
    // Every command pays for the lookup, so it hashes the request bytes directly (ASCII letters
    // folded) into an open-addressing table of the lowercase names, instead of widening the name
    // to chars and going through the generic dictionary. Built once: the table never changes.

    private CommandSpec?[] _slots = [];
    private byte[][] _slotNames = [];
    private int _slotMask;

    private void BuildByteIndex()
    {
        int size = 16;
        while (size < _byName.Count * 4) size <<= 1; // load <= 1/4: probes stay short
        _slots = new CommandSpec?[size];
        _slotNames = new byte[size][];
        _slotMask = size - 1;
        foreach (var (name, spec) in _byName)
        {
            byte[] lower = System.Text.Encoding.ASCII.GetBytes(name.ToLowerInvariant());
            int i = (int)FoldedHash(lower) & _slotMask;
            while (_slots[i] != null) i = (i + 1) & _slotMask;
            _slots[i] = spec;
            _slotNames[i] = lower;
        }
    }

    /// <summary>FNV-1a over the bytes with ASCII letters lowercased (matches <see cref="CommandContext.AsciiEqualsIgnoreCase"/>).</summary>
    private static uint FoldedHash(ReadOnlySpan<byte> name)
    {
        uint h = 2166136261;
        foreach (byte b in name)
        {
            uint c = b;
            if (c - 'A' <= 'Z' - 'A') c |= 0x20;
            h = (h ^ c) * 16777619;
        }
        return h;
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
        int i = (int)FoldedHash(name) & _slotMask;
        while (true)
        {
            var spec = _slots[i];
            if (spec == null) return null;
            if (CommandContext.AsciiEqualsIgnoreCase(name, _slotNames[i])) return spec;
            i = (i + 1) & _slotMask;
        }
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
