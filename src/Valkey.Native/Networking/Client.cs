using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Valkey.Native.Commands;
using Valkey.Native.Protocol;
using Valkey.Native.Server;
using Valkey.Native.Storage;

namespace Valkey.Native.Networking;

/// <summary>How a client reached us (CLIENT LIST's laddr/addr and the unix-socket flag).</summary>
public enum ConnectionKind { Tcp, Unix }

/// <summary>
/// One connection: its query buffer (unmanaged, pooled, grown for big bulk strings), the
/// incremental parser, the reply writer and the session state commands read and change.
/// Everything runs on the event-loop thread.
/// </summary>
public sealed unsafe class Client : IFileEventHandler
{
    /// <summary>
    /// Stop executing a client's pipeline while this much reply data is unsent (backpressure).
    /// Valkey never stops reading (only client-output-buffer-limit / maxmemory-clients act), and its
    /// suite fills one client's output past 10 MB (client-eviction "client total memory grows"):
    /// the threshold stays well above that.
    /// </summary>
    public const long ReplyBackpressureBytes = 32L * 1024 * 1024;

    private readonly ServerContext _server;
    private byte* _query;
    private int _queryCapacity;
    private int _queryLength;
    private int _queryStart;
    private bool _readPaused;
    /// <summary>
    /// The query buffer is the client's own (Valkey's private querybuf, as opposed to the shared
    /// one): it once held a partial command, so it is kept when drained and only the cron shrinks
    /// or frees it (<see cref="CronResizeQueryBuffer"/>).
    /// </summary>
    private bool _privateQuery;
    /// <summary>Largest query buffer content (or planned read) since the last cron check (querybuf_peak).</summary>
    private long _queryPeak;

    public Client(ServerContext server, long id, int fd, ConnectionKind kind)
    {
        _server = server;
        Id = id;
        Fd = fd;
        Kind = kind;
        Reply = new ReplyWriter(server.BufferPool) { ErrorSink = server.Stats };
        // A reply passing the output buffer limit closes the client mid-command (long loops stop on CloseAsap).
        Reply.ChunkAdded = CheckOutputBufferLimits;
        Parser = new RespParser(server.Config.ProtoMaxBulkLen);
        Context = new CommandContext(server, this);
        Db = server.Keyspace.Databases[0];
        CreatedAtMs = LastInteractionMs = Environment.TickCount64;
        Authenticated = !server.AuthRequired;
    }

    public long Id { get; }
    public int Fd { get; }
    public ConnectionKind Kind { get; }
    public ReplyWriter Reply { get; }
    public RespParser Parser { get; }
    public CommandContext Context { get; }

    public Database Db { get; private set; }
    public int DbIndex => Db.Id;
    public bool Authenticated { get; set; }
    public string? Name { get; set; }
    public string? LibName { get; set; }
    public string? LibVersion { get; set; }
    public CommandSpec? LastCommand { get; set; }
    public long CreatedAtMs { get; }
    public long LastInteractionMs { get; private set; }
    public long CommandsProcessed { get; set; }
    public long NetInputBytes { get; private set; }
    public long NetOutputBytes { get; private set; }

    /// <summary>Close once the pending reply is written (QUIT, protocol errors).</summary>
    public bool CloseAfterReply { get; set; }
    /// <summary>Close at the next opportunity without writing more (CLIENT KILL).</summary>
    public bool CloseAsap { get; set; }
    public bool IsClosed { get; private set; }
    /// <summary>CLIENT REPLY SKIP: drop the reply of the next command only.</summary>
    public bool SkipNextReply { get; set; }
    public bool ReplyOff { get; set; }
    /// <summary>CLIENT NO-EVICT ON: exempt from client eviction.</summary>
    public bool NoEvict { get; set; }
    /// <summary>CLIENT NO-TOUCH ON: this connection's reads do not update keys' access clock (TOUCH still does).</summary>
    public bool NoTouch { get; set; }
    /// <summary>CLIENT CAPA REDIRECT was sent: the client understands -REDIRECT replies.</summary>
    public bool CapaRedirect { get; set; }
    internal bool InPendingWrites { get; set; }
    /// <summary>Pub/sub channels and patterns (Server/PubSub); null until the first subscription.</summary>
    public ClientSubscriptions? Subscriptions { get; internal set; }
    /// <summary>CLIENT TRACKING settings (Server/Tracking); null while tracking is off.</summary>
    public ClientTrackingState? Tracking { get; internal set; }
    /// <summary>MONITOR mode (Server/Monitor): receives a line for every command the server runs.</summary>
    public bool IsMonitor { get; internal set; }
    internal bool WantsWritable { get; set; }

    // ---- blocking commands (BLPOP & co.; the registry is Server/BlockedClients) ------------

    /// <summary>What this client is blocked on; created the first time it blocks, reused after.</summary>
    public BlockState? Blocking { get; internal set; }
    /// <summary>Valkey's CLIENT_BLOCKED: a command is waiting (for keys); nothing else executes meanwhile.</summary>
    public bool IsBlocked { get; internal set; }
    /// <summary>CLIENT PAUSE postponed this client's command: it waits in the query buffer (Server/ClientPause).</summary>
    public bool IsPostponed { get; internal set; }
    /// <summary>Size of the request being executed, as read from the socket (the command log's large-request value).</summary>
    internal long CurrentRequestBytes;
    /// <summary>
    /// Valkey's CLIENT_DENY_BLOCKING: set by MULTI/EXEC and scripting while they execute commands
    /// (not yet built). Blocking commands then reply as on timeout instead of blocking.
    /// </summary>
    public bool DenyBlocking { get; set; }

    /// <summary>MULTI/WATCH state (queued commands, dirty flags, watched keys); null until first used.</summary>
    public MultiState? Multi { get; internal set; }
    /// <summary>True while a blocked command runs again because a key it waits on became ready.</summary>
    public bool IsReprocessingCommand { get; private set; }
    /// <summary>Valkey's CLIENT_UNBLOCKED: queued to process its pipelined input before the loop sleeps.</summary>
    internal bool InUnblockedQueue { get; set; }
    /// <summary>Time spent in earlier attempts of the blocked command (commandstats counts it once).</summary>
    internal long BlockedMicroseconds;
    private int _blockedCommandLength;
    private bool _blockedSkipReply;

    /// <summary>Bytes of the blocked command still in the query buffer (Valkey has consumed them: CLIENT LIST's qbuf).</summary>
    internal int BlockedCommandBytes => _blockedCommandLength;

    public int QueryBufferLength => _queryLength - _queryStart;
    public int QueryBufferCapacity => _queryCapacity;

    public void SelectDatabase(int index) => Db = _server.Keyspace.Databases[index];

    // ---- reading and executing -------------------------------------------------------

    public void OnReadable()
    {
        // A read that filled the buffer may have left the rest of a pipelined
        // batch in the socket (16 x 1 KB SETs = 16.9 KB > the 16 KB chunk): read it now, so the
        // batch's replies go out in one write instead of two (Valkey reads it in one read: its
        // query buffer grows greedily past 16 KB). At most one more read, about what Valkey takes
        // per event: with four, 50 clients pipelining 16 MSETs of 10 KB each got 1.7x redis'
        // throughput but a p99 above redis', each client's turn holding up the others.
        for (int round = 0; round < 2; round++)
        {
            if (!ReadAndProcess() || IsClosed || _readPaused || IsBlocked || IsPostponed || CloseAfterReply || CloseAsap) return;
        }
    }

    /// <summary>One read and the processing of what it brought; true if the read filled all the room it was given.</summary>
    private bool ReadAndProcess()
    {
        if (IsClosed || _readPaused) return false;
        EnsureReadRoom();
        int room = _queryCapacity - _queryLength;
        nint n = LibC.Read(Fd, _query + _queryLength, room);
        if (n < 0)
        {
            int errno = LibC.LastError;
            if (errno == LibC.EAGAIN || errno == LibC.EINTR) return false;
            _server.CloseClient(this);
            return false;
        }
        if (n == 0)
        {
            _server.CloseClient(this);
            return false;
        }
        _queryLength += (int)n;
        if (Math.Max(QueryBufferLength, Parser.BytesNeeded) > _queryPeak) _queryPeak = Math.Max(QueryBufferLength, Parser.BytesNeeded);
        NetInputBytes += n;
        _server.Stats.NetInputBytes += n;
        LastInteractionMs = Environment.TickCount64;
        if (QueryBufferLength > _server.Config.ClientQueryBufferLimit)
        {
            _server.Log.Warning($"Closing client that reached max query buffer length: id={Id} qbuf={QueryBufferLength}");
            _server.Stats.ClientQueryBufferLimitDisconnections++;
            _server.CloseClient(this);
            return false;
        }
        ProcessInput();
        return n == room;
    }

    private void EnsureReadRoom()
    {
        if (_query == null)
        {
            _query = _server.BufferPool.RentChunk();
            _queryCapacity = IoBufferPool.ChunkSize;
            _queryLength = _queryStart = 0;
        }
        // The parser tells how much one pending command needs (a big bulk): grow once to that.
        long needed = Parser.BytesNeeded;
        int pending = _queryLength - _queryStart;
        if (_queryStart > 0 && (_queryCapacity - _queryLength < 4096 || needed > _queryCapacity - _queryStart))
        {
            Buffer.MemoryCopy(_query + _queryStart, _query, _queryCapacity, pending);
            _queryLength = pending;
            _queryStart = 0;
        }
        // While a bulk is awaited we need exactly `needed` bytes, no headroom: a buffer that already
        // fits a 750 KB argument must not double for it (client eviction counts the capacity:
        // maxmemory-clients would see 1.5 MB). A big bulk (>= 32 KB missing, Valkey's
        // PROTO_MBULK_BIG_ARG) that is most of the command gets exactly its size, as Valkey's
        // non-greedy growth for big arguments; otherwise growth doubles, so a command made of many
        // bulks is not copied once per bulk (each exact growth at least doubles the buffered part).
        long missing = needed - pending;
        long want = missing > 0 ? needed : pending + 4096L;
        if (want > _queryCapacity)
        {
            bool exact = missing >= 32 * 1024 && pending <= missing;
            long grownTo = exact ? want : Math.Max(want, (long)_queryCapacity * 2);
            int newCapacity = (int)Math.Min(grownTo, int.MaxValue - 64);
            byte* grown = _server.BufferPool.AllocBlock(newCapacity);
            Buffer.MemoryCopy(_query, grown, newCapacity, _queryLength);
            _server.BufferPool.Release(_query, _queryCapacity);
            _query = grown;
            _queryCapacity = newCapacity;
        }
    }

    /// <summary>
    /// Feeds request bytes as if they had been read from the socket (benchmarks and in-process
    /// tests drive the full parse → dispatch → reply path this way, without a connection).
    /// </summary>
    internal void InjectInput(ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            EnsureReadRoom();
            int n = Math.Min(data.Length, _queryCapacity - _queryLength);
            data[..n].CopyTo(new Span<byte>(_query + _queryLength, n));
            _queryLength += n;
            data = data[n..];
            ProcessInput();
        }
    }

    /// <summary>Executes every complete command in the query buffer (pipelining), stopping for backpressure.</summary>
    public void ProcessInput()
    {
        while (!IsClosed && !CloseAfterReply && !CloseAsap && !IsBlocked && !IsPostponed && !InUnblockedQueue && _queryStart < _queryLength)
        {
            if (Reply.PendingBytes > ReplyBackpressureBytes)
            {
                PauseReading();
                break;
            }
            var data = new Span<byte>(_query + _queryStart, _queryLength - _queryStart);
            var status = Parser.Parse(data, Authenticated, out int consumed);
            if (status == RespParser.ParseStatus.Incomplete) break;
            if (status == RespParser.ParseStatus.Error)
            {
                _server.Log.Verbose($"Protocol error ({Parser.Error}) from client: id={Id}");
                Reply.Enabled = true;
                // Valkey echoes the offending byte as is (e.g. "expected '$', got 'X'"): Latin-1 keeps it one byte.
                Reply.AddError(System.Text.Encoding.Latin1.GetBytes("ERR " + Parser.Error));
                CloseAfterReply = true;
                _queryStart = _queryLength;
                break;
            }
            if (Parser.Args.Count > 0)
            {
                Context.Bind(_query + _queryStart, Parser.Args);
                bool skip = SkipNextReply;
                Reply.Enabled = !ReplyOff && !skip;
                CurrentRequestBytes = consumed;
                _server.BeforeCommand();
                _server.Dispatcher.Execute(this);
                if (IsPostponed)
                {
                    // CLIENT PAUSE: not executed; parsed again from the buffer when the pause ends.
                    Reply.Enabled = true;
                    break;
                }
                if (skip) SkipNextReply = false;
                Reply.Enabled = true;
                if (IsClosed) return;
                if (IsBlocked)
                {
                    // The command stays in the query buffer (its arguments point there) until it completes.
                    _blockedCommandLength = consumed;
                    _blockedSkipReply = skip;
                    break;
                }
                _queryStart += consumed;
                CheckOutputBufferLimits();
                _server.AfterCommand();
                continue;
            }
            _queryStart += consumed;
        }
        if (_queryStart == _queryLength && _query != null)
        {
            if (_privateQuery)
            {
                _queryLength = _queryStart = 0;
            }
            else
            {
                // Nothing buffered: give the buffer back so idle clients hold no query memory.
                _server.BufferPool.Release(_query, _queryCapacity);
                _query = null;
                _queryCapacity = _queryLength = _queryStart = 0;
            }
        }
        else if (_query != null)
        {
            _privateQuery = true;
        }
        if (Reply.HasPending || CloseAfterReply) _server.QueueWrite(this);
    }

    /// <summary>
    /// Runs the blocked command again (a key it waits on became ready). If it completes, its
    /// bytes leave the query buffer; if it blocks again it stays blocked with its first timeout.
    /// </summary>
    internal void ExecuteBlockedCommandAgain()
    {
        Context.Bind(_query + _queryStart, Parser.Args);
        Reply.Enabled = !ReplyOff && !_blockedSkipReply;
        IsReprocessingCommand = true;
        _server.BeforeCommand();
        _server.Dispatcher.Execute(this);
        IsReprocessingCommand = false;
        Reply.Enabled = true;
        if (IsClosed) return;
        if (!IsBlocked) FinishBlockedCommand();
        CheckOutputBufferLimits();
        if (Reply.HasPending) _server.QueueWrite(this);
    }

    /// <summary>The blocked command is over (served, timed out, unblocked): drop it from the query buffer.</summary>
    internal void FinishBlockedCommand()
    {
        _queryStart += _blockedCommandLength;
        _blockedCommandLength = 0;
        _blockedSkipReply = false;
        if (Blocking != null) Blocking.Payload = null;
    }

    /// <summary>Points the context at the blocked command again (the query buffer may have moved since it blocked).</summary>
    internal void BindBlockedCommand() => Context.Bind(_query + _queryStart, Parser.Args);

    /// <summary>Replies for a blocked command from outside it (timeout, CLIENT UNBLOCK) honour CLIENT REPLY OFF/SKIP.</summary>
    internal void EnableBlockedReply() => Reply.Enabled = !ReplyOff && !_blockedSkipReply;

    /// <summary>
    /// clientsCronResizeQueryBuffer: a private query buffer wasting more than 4 KB is freed (or cut
    /// to its pending bytes) after 2 idle seconds, or shrunk towards the recent peak when it is
    /// over 32 KB and more than twice that peak. The peak is then measured afresh.
    /// </summary>
    internal void CronResizeQueryBuffer(long nowMs)
    {
        if (_query == null || !_privateQuery)
        {
            _queryPeak = 0;
            return;
        }
        int pending = _queryLength - _queryStart;
        if (_queryCapacity - pending > 4096)
        {
            if ((nowMs - LastInteractionMs) / 1000 > 2)
            {
                if (pending == 0)
                {
                    _server.BufferPool.Release(_query, _queryCapacity);
                    _query = null;
                    _queryCapacity = _queryLength = _queryStart = 0;
                    _privateQuery = false;
                }
                else
                {
                    ResizeQueryBuffer(pending);
                }
            }
            else if (_queryCapacity > 32 * 1024 && _queryCapacity / 2 > _queryPeak)
            {
                long target = Math.Max(pending, _queryPeak);
                if (Parser.BytesNeeded > target) target = Parser.BytesNeeded;
                ResizeQueryBuffer((int)Math.Min(target, int.MaxValue - 64));
            }
        }
        _queryPeak = _queryLength - _queryStart;
    }

    private void ResizeQueryBuffer(int wanted)
    {
        int capacity = Math.Max(IoBufferPool.ChunkSize, wanted);
        if (capacity >= _queryCapacity) return;
        int pending = _queryLength - _queryStart;
        byte* fresh = capacity == IoBufferPool.ChunkSize ? _server.BufferPool.RentChunk() : _server.BufferPool.AllocBlock(capacity);
        Buffer.MemoryCopy(_query + _queryStart, fresh, capacity, pending);
        _server.BufferPool.Release(_query, _queryCapacity);
        _query = fresh;
        _queryCapacity = capacity;
        _queryStart = 0;
        _queryLength = pending;
    }

    private void PauseReading()
    {
        if (_readPaused) return;
        _readPaused = true;
        _server.UpdateInterest(this);
    }

    internal bool ReadPaused => _readPaused;

    // ---- output buffer limits (normal class; the pubsub class is checked by Server/PubSub) ----

    // ---- reply buffer sizing as Valkey reports it (Server/ReplyBufferSizing) ----

    /// <summary>CLIENT LIST rbs: the size Valkey's static reply buffer would have for this client.</summary>
    internal int ReplyBufferSize = ReplyBufferSizing.ChunkBytes;
    /// <summary>CLIENT LIST rbp: the most of that buffer used since the last peak reset.</summary>
    internal int ReplyBufferPeak;
    /// <summary>When (Environment.TickCount64 ms) the peak last restarted.</summary>
    internal long ReplyPeakResetAtMs = Environment.TickCount64;

    /// <summary>When (seconds, monotonic) the reply backlog first went over the normal soft limit; 0 = under it.</summary>
    internal long OutputSoftLimitSince { get; private set; }

    /// <summary>
    /// Valkey's checkClientOutputBufferLimits for the normal class (client-output-buffer-limit
    /// normal &lt;hard&gt; &lt;soft&gt; &lt;seconds&gt;): a client whose unsent replies pass the hard limit,
    /// or stay over the soft limit longer than its seconds, is closed asap. The default (0 0 0)
    /// never closes anyone; pipelines are then only throttled (<see cref="ReplyBackpressureBytes"/>).
    /// </summary>
    internal void CheckOutputBufferLimits()
    {
        // Fast path (runs after every command): a backlog within the static buffer counts as 0 bytes,
        // so no limit can trip and there is no soft-limit timer to reset.
        if (Reply.PendingBytes <= IoBufferPool.ChunkSize && OutputSoftLimitSince == 0) return;
        if (CloseAsap || IsClosed || Subscriptions is { Total: > 0 }) return;
        var limit = _server.Config.ClientOutputBufferLimits[0];
        if (limit.Hard == 0 && limit.Soft == 0) return;
        // As getClientOutputBufferMemoryUsage, a reply that fits Valkey's static 16 KB per-client buffer
        // does not count (a small +OK never trips a tiny limit); beyond it, Valkey counts whole allocated
        // reply blocks, which the full pending size approximates.
        long pending = Reply.PendingBytes;
        long used = pending <= IoBufferPool.ChunkSize ? 0 : pending;
        bool hard = limit.Hard > 0 && used >= limit.Hard;
        bool soft = limit.Soft > 0 && used >= limit.Soft;
        if (soft)
        {
            long now = Environment.TickCount64 / 1000;
            if (OutputSoftLimitSince == 0) { OutputSoftLimitSince = now; soft = false; }
            else if (now - OutputSoftLimitSince <= limit.SoftSeconds) soft = false;
        }
        else OutputSoftLimitSince = 0;
        if (!hard && !soft) return;
        _server.Log.Warning($"Client id={Id} addr={PeerAddress} scheduled to be closed ASAP for overcoming of output buffer limits.");
        _server.Stats.ClientOutputBufferLimitDisconnections++;
        CloseAsap = true;
        _server.QueueWrite(this);
    }

    // ---- writing ---------------------------------------------------------------------

    public void OnWritable()
    {
        // appendfsync always: replies produced in this iteration may not leave before the AOF has them (AE_BARRIER).
        _server.Aof.BeforeRepliesLeave();
        Flush();
    }

    /// <summary>Writes pending replies; resumes a paused pipeline once the backlog drains.</summary>
    internal void Flush()
    {
        if (IsClosed) return;
        if (CloseAsap) { _server.CloseClient(this); return; }
        ReplyBufferSizing.NoteQueuedBytes(this, Reply.PendingBytes);
        var result = Reply.FlushTo(Fd, out long written);
        NetOutputBytes += written;
        _server.Stats.NetOutputBytes += written;
        // A client still receiving a long reply is not idle (the timeout must not cut it off).
        if (written > 0) LastInteractionMs = Environment.TickCount64;
        if (result == ReplyWriter.FlushResult.Failed)
        {
            _server.CloseClient(this);
            return;
        }
        bool wantWritable = result == ReplyWriter.FlushResult.WouldBlock;
        if (!wantWritable && CloseAfterReply)
        {
            _server.CloseClient(this);
            return;
        }
        bool resume = _readPaused && Reply.PendingBytes <= ReplyBackpressureBytes / 2;
        if (resume) _readPaused = false;
        if (wantWritable != WantsWritable || resume)
        {
            WantsWritable = wantWritable;
            _server.UpdateInterest(this);
        }
        if (resume) ProcessInput();
    }

    internal void ReleaseBuffers()
    {
        IsClosed = true;
        if (_query != null) _server.BufferPool.Release(_query, _queryCapacity);
        _query = null;
        _queryCapacity = _queryLength = _queryStart = 0;
        Reply.ReleaseBuffers();
    }

    // ---- addresses (CLIENT LIST, logs); computed on demand -------------------------------

    private string? _peer, _local;

    public string PeerAddress => _peer ??= FormatAddress(peer: true);
    public string LocalAddress => _local ??= FormatAddress(peer: false);

    private string FormatAddress(bool peer)
    {
        if (Kind == ConnectionKind.Unix) return peer ? (_server.Config.UnixSocket + ":0") : (_server.Config.UnixSocket + ":0");
        byte* addr = stackalloc byte[128];
        int len = 128;
        int rc = peer ? LibC.GetPeerName(Fd, addr, &len) : LibC.GetSockName(Fd, addr, &len);
        if (rc != 0) return "?:0";
        return SocketAddressText.Format(addr, len);
    }

    public bool IsLoopback => Kind == ConnectionKind.Unix || PeerAddress.StartsWith("127.") || PeerAddress.StartsWith("[::1]:");
}

/// <summary>Formats a sockaddr as Valkey prints it: "ip:port" (IPv6 without brackets).</summary>
internal static unsafe class SocketAddressText
{
    public static string Format(byte* addr, int len)
    {
        ushort family = *(ushort*)addr;
        int port = (addr[2] << 8) | addr[3];
        if (family == LibC.AF_INET)
        {
            var ip = new IPAddress(new ReadOnlySpan<byte>(addr + 4, 4));
            return $"{ip}:{port}";
        }
        if (family == LibC.AF_INET6)
        {
            var ip = new IPAddress(new ReadOnlySpan<byte>(addr + 8, 16));
            if (ip.IsIPv4MappedToIPv6) return $"{ip.MapToIPv4()}:{port}";
            return $"[{ip}]:{port}";
        }
        return "?:0";
    }
}
