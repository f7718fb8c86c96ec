using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Valkey.Native.Commands;
using Valkey.Native.Networking;
using Valkey.Native.Util;

namespace Valkey.Native.Server;

/// <summary>
/// A growable byte buffer in native memory (AOF buffer, pending propagation ops): appending
/// never allocates on the GC heap, and the memory is reused from one command to the next.
/// </summary>
public unsafe struct NativeByteBuffer
{
    public byte* Data;
    public int Length;
    public int Capacity;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Ensure(int extra)
    {
        if (Length + extra > Capacity) Grow(extra);
    }

    private void Grow(int extra)
    {
        long wanted = Math.Max((long)Length + extra, Math.Max(4096, (long)Capacity * 2));
        if (wanted > int.MaxValue - 64) throw new OutOfMemoryException("propagation buffer over 2 GB");
        Data = (byte*)NativeMemory.Realloc(Data, (nuint)wanted);
        Capacity = (int)wanted;
    }

    public void Append(ReadOnlySpan<byte> bytes)
    {
        Ensure(bytes.Length);
        bytes.CopyTo(new Span<byte>(Data + Length, bytes.Length));
        Length += bytes.Length;
    }

    /// <summary>A RESP header line: <paramref name="prefix"/>, the number, CRLF ("*3\r\n", "$5\r\n").</summary>
    public void AppendHeader(byte prefix, long value)
    {
        Ensure(24);
        Data[Length++] = prefix;
        Length += NumberFormatter.FormatInt64(value, new Span<byte>(Data + Length, 21));
        Data[Length++] = (byte)'\r';
        Data[Length++] = (byte)'\n';
    }

    /// <summary>One RESP bulk string.</summary>
    public void AppendBulk(ReadOnlySpan<byte> value)
    {
        AppendHeader((byte)'$', value.Length);
        Ensure(value.Length + 2);
        value.CopyTo(new Span<byte>(Data + Length, value.Length));
        Length += value.Length;
        Data[Length++] = (byte)'\r';
        Data[Length++] = (byte)'\n';
    }

    public void AppendBulk(long value)
    {
        Span<byte> digits = stackalloc byte[24];
        AppendBulk(digits[..NumberFormatter.FormatInt64(value, digits)]);
    }

    public readonly ReadOnlySpan<byte> Span => new(Data, Length);

    /// <summary>Drops the first <paramref name="count"/> bytes (after a partial write).</summary>
    public void Consume(int count)
    {
        if (count >= Length) { Length = 0; return; }
        Buffer.MemoryCopy(Data + count, Data, Capacity, Length - count);
        Length -= count;
    }

    /// <summary>Gives big buffers back after a burst (cron), so one huge command does not pin memory.</summary>
    public void ShrinkIfIdle(int keep)
    {
        if (Length == 0 && Capacity > keep)
        {
            NativeMemory.Free(Data);
            Data = null;
            Capacity = 0;
        }
    }

    public void Free()
    {
        NativeMemory.Free(Data);
        Data = null;
        Length = Capacity = 0;
    }
}

/// <summary>Where propagated commands go (the AOF now, replicas later).</summary>
public interface IPropagationTarget
{
    /// <summary>
    /// One command as a RESP array. <paramref name="dbId"/> is the database it ran in, or -1 for
    /// MULTI/EXEC (the target emits SELECT itself when the database changes, as Valkey's feedAppendOnlyFile).
    /// </summary>
    void Feed(int dbId, ReadOnlySpan<byte> command);
}

/// <summary>
/// Valkey's command propagation (server.c call / alsoPropagate / propagatePendingCommands /
/// preventCommandPropagation): while a top-level command runs (an "execution unit": a client
/// command, EXEC with its queued commands, a blocked command being served), every write that changed
/// the dataset is collected as a deterministic command; when the unit ends the collected commands go to
/// the targets, wrapped in MULTI/EXEC when there are several.
/// </summary>
/// <remarks>
/// By default a command that changed the dataset (server dirty counter moved) propagates its own
/// arguments verbatim. A handler that must propagate something else (SET EX → SET PXAT, SPOP → SREM,
/// BLPOP → LPOP...) calls <see cref="CommandContext.RewriteArgs"/> (replaces its own propagation; may be
/// called several times to emit several commands) or <see cref="CommandContext.AlsoPropagate"/> (adds a
/// command before its own). Expired and evicted keys propagate as DEL, or UNLINK when freed lazily (<see cref="PropagateDeletion"/>).
/// When nothing consumes propagation (<see cref="Enabled"/> false) all of this costs a branch per command:
/// handlers may test <see cref="CommandContext.Propagating"/> before preparing rewritten arguments.
/// </remarks>
public sealed unsafe class Propagation : IDisposable
{
    private struct PendingOp
    {
        public int DbId;
        public int Start;
    }

    private readonly ServerContext _server;
    private NativeByteBuffer _pending;
    private PendingOp[] _ops = new PendingOp[8];
    private int _opCount;
    private int _depth;
    /// <summary>The running command asked not to propagate its own arguments (preventCommandPropagation).</summary>
    private bool _prevent;
    private CommandSpec? _exec;

    public Propagation(ServerContext server) => _server = server;

    /// <summary>True when a target wants commands (AOF on). Checked first everywhere: off costs a branch.</summary>
    public bool Enabled { get; private set; }

    /// <summary>The AOF (null when appendonly is off).</summary>
    public IPropagationTarget? Aof { get; private set; }

    /// <summary>Inside a command or execution unit (nested calls count).</summary>
    public int Depth => _depth;

    public void SetAof(IPropagationTarget? aof)
    {
        Aof = aof;
        Enabled = aof != null;
        _exec ??= _server.Commands.Find("exec"u8);
    }

    // ---- called by the dispatcher around each call ------------------------------------------

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool Enter()
    {
        _depth++;
        bool outer = _prevent;
        _prevent = false;
        return outer;
    }

    /// <summary>
    /// End of one call: its own arguments are propagated when it changed the dataset (and did not
    /// rewrite or prevent them); at the end of the outermost call the collected commands are flushed.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Leave(Client client, CommandSpec cmd, long dirtyBefore, bool outerPrevent)
    {
        _depth--;
        if (Enabled) LeaveEnabled(client, cmd, dirtyBefore);
        _prevent = outerPrevent;
    }

    private void LeaveEnabled(Client client, CommandSpec cmd, long dirtyBefore)
    {
        if (!_prevent && _server.Stats.Dirty != dirtyBefore && !ReferenceEquals(cmd, _exec) && !client.IsBlocked)
        {
            var ctx = client.Context;
            int argc = ctx.ArgCount;
            BeginOp(client.DbIndex, argc);
            for (int i = 0; i < argc; i++) _pending.AppendBulk(ctx.Arg(i));
        }
        // Commands that may delete arbitrary expired keys (SCAN, RANDOMKEY) run directly are not
        // wrapped in a transaction, as Valkey's CMD_TOUCHES_ARBITRARY_KEYS.
        if (_depth == 0) FlushPending(transactionAllowed: !cmd.Is(CommandFlags.TouchesArbitraryKeys));
    }

    /// <summary>An error escaped a handler: forget the unit's bookkeeping (what was collected still goes out).</summary>
    internal void ResetAfterError()
    {
        _depth = 0;
        _prevent = false;
        if (Enabled) FlushPending();
    }

    // ---- the API handlers use (through CommandContext) --------------------------------------

    /// <summary>preventCommandPropagation: the running command's own arguments will not be propagated.</summary>
    public void PreventCurrent() => _prevent = true;

    /// <summary>
    /// Starts one command of <paramref name="argc"/> arguments to propagate in database <paramref name="dbId"/>;
    /// write exactly argc arguments with the returned writer. Outside any call it goes out at once.
    /// </summary>
    public PropagationWriter Begin(int dbId, int argc)
    {
        if (!Enabled) return default;
        BeginOp(dbId, argc);
        return new PropagationWriter(this);
    }

    /// <summary>Valkey's propagateDeletion: an expired or evicted key goes out as DEL.</summary>
    public void PropagateDeletion(int dbId, ReadOnlySpan<byte> key, bool unlink = false)
    {
        if (!Enabled) return;
        BeginOp(dbId, 2);
        // propagateDeletion: UNLINK when the deletion itself was lazy (lazyfree-lazy-expire / -eviction).
        _pending.AppendBulk(unlink ? "UNLINK"u8 : "DEL"u8);
        _pending.AppendBulk(key);
        if (_depth == 0) FlushPending();
    }

    /// <summary>Outside a command (cron, active expiry): sends what a <see cref="Begin"/> collected.</summary>
    public void FlushIfIdle()
    {
        if (_depth == 0 && _opCount > 0) FlushPending();
    }

    internal ref NativeByteBuffer PendingBuffer => ref _pending;

    private void BeginOp(int dbId, int argc)
    {
        if (_opCount == _ops.Length) Array.Resize(ref _ops, _ops.Length * 2);
        _ops[_opCount++] = new PendingOp { DbId = dbId, Start = _pending.Length };
        _pending.AppendHeader((byte)'*', argc);
    }

    private void FlushPending(bool transactionAllowed = true)
    {
        int count = _opCount;
        if (count == 0) return;
        var target = Aof;
        if (target != null)
        {
            bool transaction = count > 1 && transactionAllowed;
            if (transaction) target.Feed(-1, "*1\r\n$5\r\nMULTI\r\n"u8);
            for (int i = 0; i < count; i++)
            {
                int start = _ops[i].Start;
                int end = i + 1 < count ? _ops[i + 1].Start : _pending.Length;
                target.Feed(_ops[i].DbId, new ReadOnlySpan<byte>(_pending.Data + start, end - start));
            }
            if (transaction) target.Feed(-1, "*1\r\n$4\r\nEXEC\r\n"u8);
        }
        _opCount = 0;
        _pending.Length = 0;
        _pending.ShrinkIfIdle(1 << 20);
    }

    public void Dispose() => _pending.Free();

    /// <summary>Writes the arguments of one propagated command (a no-op when propagation is off).</summary>
    public readonly struct PropagationWriter
    {
        private readonly Propagation? _owner;

        internal PropagationWriter(Propagation owner) => _owner = owner;

        public bool Active => _owner != null;

        public PropagationWriter Arg(ReadOnlySpan<byte> value)
        {
            _owner?._pending.AppendBulk(value);
            return this;
        }

        public PropagationWriter Arg(long value)
        {
            _owner?._pending.AppendBulk(value);
            return this;
        }

        /// <summary>An argument of the command being executed, as received.</summary>
        public PropagationWriter Arg(CommandContext ctx, int index)
        {
            _owner?._pending.AppendBulk(ctx.Arg(index));
            return this;
        }

        /// <summary>Arguments [from, to) of the command being executed.</summary>
        public PropagationWriter Args(CommandContext ctx, int from, int to)
        {
            if (_owner != null)
            {
                for (int i = from; i < to; i++) _owner._pending.AppendBulk(ctx.Arg(i));
            }
            return this;
        }
    }
}
