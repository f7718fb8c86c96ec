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
    /// <summary>Stop executing a client's pipeline while this much reply data is unsent (backpressure).</summary>
    public const long ReplyBackpressureBytes = 8L * 1024 * 1024;

    private readonly ServerContext _server;
    private byte* _query;
    private int _queryCapacity;
    private int _queryLength;
    private int _queryStart;
    private bool _readPaused;

    public Client(ServerContext server, long id, int fd, ConnectionKind kind)
    {
        _server = server;
        Id = id;
        Fd = fd;
        Kind = kind;
        Reply = new ReplyWriter(server.BufferPool) { ErrorSink = server.Stats };
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
    internal bool WantsWritable { get; set; }

    public int QueryBufferLength => _queryLength - _queryStart;
    public int QueryBufferCapacity => _queryCapacity;

    public void SelectDatabase(int index) => Db = _server.Keyspace.Databases[index];

    // ---- reading and executing -------------------------------------------------------

    public void OnReadable()
    {
        if (IsClosed || _readPaused) return;
        EnsureReadRoom();
        nint n = LibC.Read(Fd, _query + _queryLength, _queryCapacity - _queryLength);
        if (n < 0)
        {
            int errno = LibC.LastError;
            if (errno == LibC.EAGAIN || errno == LibC.EINTR) return;
            _server.CloseClient(this);
            return;
        }
        if (n == 0)
        {
            _server.CloseClient(this);
            return;
        }
        _queryLength += (int)n;
        NetInputBytes += n;
        _server.Stats.NetInputBytes += n;
        LastInteractionMs = Environment.TickCount64;
        if (QueryBufferLength > _server.Config.ClientQueryBufferLimit)
        {
            _server.Log.Warning($"Closing client that reached max query buffer length: id={Id} qbuf={QueryBufferLength}");
            _server.Stats.ClientQueryBufferLimitDisconnections++;
            _server.CloseClient(this);
            return;
        }
        ProcessInput();
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
        long want = Math.Max(needed, pending + 4096L);
        if (want > _queryCapacity)
        {
            int newCapacity = (int)Math.Min(Math.Max(want, (long)_queryCapacity * 2), int.MaxValue - 64);
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
        while (!IsClosed && !CloseAfterReply && !CloseAsap && _queryStart < _queryLength)
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
                _server.BeforeCommand();
                _server.Dispatcher.Execute(this);
                if (skip) SkipNextReply = false;
                Reply.Enabled = true;
                if (IsClosed) return;
            }
            _queryStart += consumed;
        }
        if (_queryStart == _queryLength && _query != null)
        {
            // Nothing buffered: give the buffer back so idle clients hold no query memory.
            _server.BufferPool.Release(_query, _queryCapacity);
            _query = null;
            _queryCapacity = _queryLength = _queryStart = 0;
        }
        if (Reply.HasPending || CloseAfterReply) _server.QueueWrite(this);
    }

    private void PauseReading()
    {
        if (_readPaused) return;
        _readPaused = true;
        _server.UpdateInterest(this);
    }

    internal bool ReadPaused => _readPaused;

    // ---- writing ---------------------------------------------------------------------

    public void OnWritable() => Flush();

    /// <summary>Writes pending replies; resumes a paused pipeline once the backlog drains.</summary>
    internal void Flush()
    {
        if (IsClosed) return;
        if (CloseAsap) { _server.CloseClient(this); return; }
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
