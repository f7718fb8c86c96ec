using Valkey.Native.Commands;
using Valkey.Native.Networking;
using Valkey.Native.Protocol;

namespace Valkey.Native.Server;

/// <summary>
/// One client's transaction state (Valkey's client->mstate plus the CLIENT_MULTI, CLIENT_DIRTY_CAS
/// and CLIENT_DIRTY_EXEC flags and client->watched_keys). Created the first time the client sends
/// MULTI or WATCH and reused for the rest of the connection.
/// <para>
/// Queued commands keep their own copy of their arguments (the query buffer is reused once
/// QUEUED is sent): the bytes go into one pooled unmanaged buffer, the (offset, length) pairs
/// and the command rows into arrays kept between transactions, so queueing allocates nothing
/// on the GC heap once those arrays have grown to the client's usual transaction size.
/// </para>
/// </summary>
public sealed unsafe class MultiState
{
    private readonly struct QueuedCommand(CommandSpec spec, int firstArg, int argCount)
    {
        public readonly CommandSpec Spec = spec;
        public readonly int FirstArg = firstArg;
        public readonly int ArgCount = argCount;
    }

    /// <summary>Valkey counts each queued argument as a robj pointer in multi-mem.</summary>
    private const int ArgPointerBytes = 8;
    private const int MaxBufferBytes = int.MaxValue - 64;

    private readonly IoBufferPool _pool;
    private byte* _buffer;
    private int _capacity;
    private int _used;
    private int[] _argOffsets = new int[16];
    private int[] _argLengths = new int[16];
    private int _argCount;
    private QueuedCommand[] _commands = new QueuedCommand[4];
    private int _count;
    private readonly ArgList _execArgs = new();

    public MultiState(IoBufferPool pool) => _pool = pool;

    /// <summary>CLIENT_MULTI: MULTI was sent and neither EXEC nor DISCARD yet.</summary>
    public bool Active { get; internal set; }
    /// <summary>CLIENT_DIRTY_CAS: a watched key was touched; EXEC will reply a null array.</summary>
    public bool DirtyCas { get; internal set; }
    /// <summary>CLIENT_DIRTY_EXEC: a command was rejected while queueing; EXEC will reply EXECABORT.</summary>
    public bool DirtyExec { get; internal set; }

    /// <summary>Queued commands (CLIENT LIST multi=).</summary>
    public int Count => _count;
    /// <summary>Bytes held by queued arguments, as Valkey's mstate.argv_len_sums (CLIENT LIST multi-mem).</summary>
    public long ArgumentBytes { get; private set; }
    /// <summary>Union of the queued commands' flags (mstate.cmd_flags): EXEC of a transaction holding a denyoom command is refused when OOM.</summary>
    public CommandFlags QueuedFlags { get; private set; }

    /// <summary>The keys this client watches (client->watched_keys), managed by <see cref="WatchedKeys"/>.</summary>
    internal List<WatchedKeys.WatchedKey> Watched { get; } = new();

    /// <summary>Sum of the watched keys' lengths, kept by <see cref="WatchedKeys"/> so memory accounting never walks the list.</summary>
    internal long WatchedKeyBytes;

    /// <summary>
    /// What one watch costs us besides its key bytes: the WatchedKey object (~48), its slot in this
    /// list (8), the server-side key array header (24), dictionary entry (~28) and watcher list with
    /// its array (~56). Shared server-side parts are charged to each watcher: an over- rather than
    /// an underestimate, as client eviction wants.
    /// </summary>
    internal const int WatchedKeyOverheadBytes = 164;

    /// <summary>One row of the queued-command array (spec reference, first argument, count).</summary>
    private const int QueuedCommandBytes = 16;

    /// <summary>
    /// Valkey's multiStateMemOverhead: queued argument bytes, the queued-command array as allocated,
    /// and the watched keys (here with their key bytes). O(1): client eviction asks on every command.
    /// </summary>
    internal long MemoryBytes =>
        ArgumentBytes + (long)_commands.Length * QueuedCommandBytes + (long)Watched.Count * WatchedKeyOverheadBytes + WatchedKeyBytes;

    /// <summary>
    /// Copies the command bound to <paramref name="ctx"/> into the queue (queueMultiCommand).
    /// False only when the queued arguments would pass 2 GB (the caller rejects the command).
    /// </summary>
    public bool Queue(CommandContext ctx, CommandSpec spec)
    {
        // A transaction that is going to fail anyway keeps nothing.
        if (DirtyCas || DirtyExec) return true;
        int argc = ctx.ArgCount;
        long bytes = 0;
        for (int i = 0; i < argc; i++) bytes += ctx.Arg(i).Length;
        if (_used + bytes > MaxBufferBytes) return false;
        EnsureBufferRoom(bytes);
        EnsureArgRoom(argc);
        if (_count == _commands.Length) Array.Resize(ref _commands, _count * 2);
        int first = _argCount;
        for (int i = 0; i < argc; i++)
        {
            var arg = ctx.Arg(i);
            arg.CopyTo(new Span<byte>(_buffer + _used, arg.Length));
            _argOffsets[_argCount] = _used;
            _argLengths[_argCount] = arg.Length;
            _argCount++;
            _used += arg.Length;
        }
        _commands[_count++] = new QueuedCommand(spec, first, argc);
        QueuedFlags |= spec.Flags;
        ArgumentBytes += bytes + (long)ArgPointerBytes * argc;
        return true;
    }

    /// <summary>
    /// Points <paramref name="ctx"/> at the arguments of queued command <paramref name="index"/>
    /// and returns its row. The binding stays valid until the queue is reset.
    /// </summary>
    internal CommandSpec BindQueued(CommandContext ctx, int index)
    {
        ref readonly QueuedCommand q = ref _commands[index];
        _execArgs.Clear();
        for (int i = 0; i < q.ArgCount; i++) _execArgs.Add(_argOffsets[q.FirstArg + i], _argLengths[q.FirstArg + i]);
        ctx.Bind(_buffer, _execArgs);
        return q.Spec;
    }

    /// <summary>True if a queued command has any of <paramref name="flags"/> (mstate.cmd_flags; CLIENT PAUSE WRITE checks EXEC with it).</summary>
    public bool AnyQueued(CommandFlags flags)
    {
        for (int i = 0; i < _count; i++)
        {
            if (_commands[i].Spec.Is(flags)) return true;
        }
        return false;
    }

    /// <summary>Drops the queued commands (resetClientMultiState); the flags are the caller's business.</summary>
    public void ResetQueue()
    {
        if (_buffer != null) _pool.Release(_buffer, _capacity);
        _buffer = null;
        _capacity = _used = 0;
        _argCount = 0;
        _count = 0;
        ArgumentBytes = 0;
        QueuedFlags = CommandFlags.None;
    }

    private void EnsureBufferRoom(long bytes)
    {
        if (_used + bytes <= _capacity) return;
        long wanted = Math.Min(Math.Max((long)_capacity * 2, _used + bytes), MaxBufferBytes);
        int capacity = wanted <= IoBufferPool.ChunkSize ? IoBufferPool.ChunkSize : (int)wanted;
        byte* grown = capacity == IoBufferPool.ChunkSize ? _pool.RentChunk() : _pool.AllocBlock(capacity);
        if (_buffer != null)
        {
            Buffer.MemoryCopy(_buffer, grown, capacity, _used);
            _pool.Release(_buffer, _capacity);
        }
        _buffer = grown;
        _capacity = capacity;
    }

    private void EnsureArgRoom(int argc)
    {
        if (_argCount + argc <= _argOffsets.Length) return;
        int size = Math.Max(_argOffsets.Length * 2, _argCount + argc);
        Array.Resize(ref _argOffsets, size);
        Array.Resize(ref _argLengths, size);
    }
}
