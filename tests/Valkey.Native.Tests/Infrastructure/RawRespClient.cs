using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Valkey.Native.Tests.Infrastructure;

/// <summary>Thrown when bytes received from the server are not valid RESP2/RESP3.</summary>
public sealed class RespProtocolException : Exception
{
    public RespProtocolException(string message) : base(message) { }
}

/// <summary>
/// A raw-socket RESP client for byte-exact protocol checks.
/// <para>
/// Everything has a timeout (<see cref="Timeout"/>, 10 s by default), so a test never hangs:
/// a read that does not complete in time throws <see cref="TimeoutException"/> showing the bytes received so far.
/// </para>
/// <para>
/// Strings are sent as UTF-8. <see cref="ReadReply"/> returns the exact bytes of one complete reply
/// (type byte, CRLFs and all) decoded as UTF-8; use <see cref="ReadReplyBytes"/> for binary payloads.
/// Understood: RESP2 <c>+ - : $ *</c> (including <c>$-1</c> / <c>*-1</c>) and RESP3
/// <c>_ , # ! = ( % ~ &gt; |</c>, streamed strings (<c>$?</c> with <c>;</c> chunks) and streamed aggregates
/// (<c>*? %? ~? &gt;?</c> ended by <c>.</c>). An attribute frame (<c>|</c>) is returned together with the
/// reply it annotates, as one reply.
/// </para>
/// </summary>
public sealed class RawRespClient : IDisposable
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);
    private const int MaxDepth = 10_000;
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    private readonly Socket? _socket;
    private readonly Stream? _stream;
    private byte[] _buffer = new byte[64 * 1024];
    private int _start;   // first unread byte
    private int _end;     // one past the last buffered byte
    private bool _eof;
    private bool _disposed;

    /// <summary>Timeout applied to every read (and to connecting and sending).</summary>
    public TimeSpan Timeout { get; set; }

    /// <summary>Connects to <paramref name="host"/>:<paramref name="port"/> (loopback by default).</summary>
    public RawRespClient(int port, string host = "127.0.0.1", TimeSpan? timeout = null)
    {
        Timeout = timeout ?? DefaultTimeout;
        var address = IPAddress.Parse(host);
        _socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var cts = new CancellationTokenSource(Timeout);
            _socket.ConnectAsync(new IPEndPoint(address, port), cts.Token).AsTask().GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
            _socket.Dispose();
            throw new TimeoutException($"RawRespClient: connecting to {host}:{port} timed out after {Timeout.TotalSeconds:0.###} s");
        }
        catch
        {
            _socket.Dispose();
            throw;
        }
        _socket.SendTimeout = ToMs(Timeout);
    }

    /// <summary>Reads from (and writes to) an arbitrary stream; used to test the framing without a server.</summary>
    public RawRespClient(Stream stream, TimeSpan? timeout = null)
    {
        Timeout = timeout ?? DefaultTimeout;
        _stream = stream;
    }

    /// <summary>Number of bytes received but not consumed yet.</summary>
    public int BufferedCount => _end - _start;

    // ------------------------------------------------------------------ sending

    public void Send(byte[] data) => Send(data.AsSpan());

    public void Send(ReadOnlySpan<byte> data)
    {
        ThrowIfDisposed();
        if (_socket is not null)
        {
            while (!data.IsEmpty)
            {
                int n;
                try { n = _socket.Send(data); }
                catch (SocketException e) when (e.SocketErrorCode == SocketError.TimedOut || e.SocketErrorCode == SocketError.WouldBlock)
                {
                    throw new TimeoutException($"RawRespClient: send timed out after {Timeout.TotalSeconds:0.###} s", e);
                }
                data = data[n..];
            }
        }
        else
        {
            _stream!.Write(data);
            _stream.Flush();
        }
    }

    /// <summary>Sends <paramref name="text"/> as UTF-8, as is (use it for inline commands: "PING\r\n").</summary>
    public void Send(string text) => Send(Utf8.GetBytes(text));

    /// <summary>Sends one command encoded as a RESP array of bulk strings.</summary>
    public void SendCommand(params string[] args) => Send(EncodeCommand(args));

    /// <summary>Sends one command encoded as a RESP array of bulk strings (binary-safe arguments).</summary>
    public void SendCommand(params byte[][] args) => Send(EncodeCommand(args));

    /// <summary>Sends one command and reads one reply.</summary>
    public string Execute(params string[] args)
    {
        SendCommand(args);
        return ReadReply();
    }

    public static byte[] EncodeCommand(params string[] args) =>
        EncodeCommand(Array.ConvertAll(args, a => Utf8.GetBytes(a)));

    public static byte[] EncodeCommand(params byte[][] args)
    {
        var ms = new MemoryStream();
        void Ascii(string s) { var b = Encoding.ASCII.GetBytes(s); ms.Write(b, 0, b.Length); }
        Ascii($"*{args.Length}\r\n");
        foreach (var arg in args)
        {
            Ascii($"${arg.Length}\r\n");
            ms.Write(arg, 0, arg.Length);
            Ascii("\r\n");
        }
        return ms.ToArray();
    }

    /// <summary>Half-closes the connection (no more sends); the server may still reply.</summary>
    public void ShutdownSend()
    {
        ThrowIfDisposed();
        _socket?.Shutdown(SocketShutdown.Send);
    }

    // ------------------------------------------------------------------ receiving

    /// <summary>Reads exactly one complete reply and returns its raw bytes decoded as UTF-8.</summary>
    public string ReadReply() => Utf8.GetString(ReadReplyBytes());

    /// <summary>Reads exactly one complete reply and returns its raw bytes.</summary>
    public byte[] ReadReplyBytes()
    {
        ThrowIfDisposed();
        var deadline = Deadline();
        while (true)
        {
            int length = GetFrameLength(_buffer.AsSpan(_start, _end - _start));
            if (length > 0)
                return Take(length);
            if (!Fill(deadline))
                throw new IOException($"RawRespClient: connection closed before a complete reply arrived; received so far: \"{Escape(Buffered())}\"");
        }
    }

    /// <summary>Reads <paramref name="count"/> complete replies.</summary>
    public string[] ReadReplies(int count)
    {
        var result = new string[count];
        for (int i = 0; i < count; i++) result[i] = ReadReply();
        return result;
    }

    /// <summary>Reads one line and returns it without its terminating CRLF.</summary>
    public string ReadLine()
    {
        ThrowIfDisposed();
        var deadline = Deadline();
        while (true)
        {
            int cr = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n"u8);
            if (cr >= 0)
            {
                var line = Take(cr + 2);
                return Utf8.GetString(line, 0, cr);
            }
            if (!Fill(deadline))
                throw new IOException($"RawRespClient: connection closed before a complete line arrived; received so far: \"{Escape(Buffered())}\"");
        }
    }

    /// <summary>Reads exactly <paramref name="count"/> bytes.</summary>
    public byte[] ReadExactly(int count)
    {
        ThrowIfDisposed();
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var deadline = Deadline();
        while (_end - _start < count)
        {
            if (!Fill(deadline))
                throw new IOException($"RawRespClient: connection closed after {_end - _start} of {count} bytes; received: \"{Escape(Buffered())}\"");
        }
        return Take(count);
    }

    /// <summary>Reads everything until the server closes the connection (throws on timeout).</summary>
    public byte[] ReadUntilClosed(TimeSpan? timeout = null)
    {
        ThrowIfDisposed();
        var deadline = Deadline(timeout);
        while (Fill(deadline)) { }
        return Take(_end - _start);
    }

    /// <summary>
    /// Waits up to <paramref name="timeout"/> (default: <see cref="Timeout"/>) for the server to close the connection.
    /// Returns true if it did (data received meanwhile stays buffered), false if it was still open when the time ran out.
    /// </summary>
    public bool IsClosed(TimeSpan? timeout = null)
    {
        ThrowIfDisposed();
        var deadline = Deadline(timeout);
        try
        {
            while (Fill(deadline)) { }
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>
    /// Waits up to <paramref name="wait"/> for at least one byte (buffered bytes count). Consumes nothing.
    /// Use <c>Assert.That(client.WaitForData(TimeSpan.FromMilliseconds(200)), Is.False)</c> to check that no reply came.
    /// </summary>
    public bool WaitForData(TimeSpan wait)
    {
        ThrowIfDisposed();
        if (_end > _start) return true;
        var deadline = Deadline(wait);
        try
        {
            return Fill(deadline) || _end > _start;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    // ------------------------------------------------------------------ framing

    /// <summary>
    /// Returns the length in bytes of the first complete RESP reply in <paramref name="data"/>,
    /// or -1 if <paramref name="data"/> holds only a prefix of one. Throws <see cref="RespProtocolException"/>
    /// if the bytes cannot be the start of a valid reply.
    /// </summary>
    public static int GetFrameLength(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty) return -1;
        return ParseValue(data, 0, 0);
    }

    // Returns the position just past the value that starts at pos, or -1 if incomplete.
    private static int ParseValue(ReadOnlySpan<byte> d, int pos, int depth)
    {
        if (depth > MaxDepth) throw new RespProtocolException($"nesting deeper than {MaxDepth}");
        if (pos >= d.Length) return -1;
        byte type = d[pos];
        switch (type)
        {
            case (byte)'+':
            case (byte)'-':
            case (byte)',':
            {
                int lineEnd = FindLineEnd(d, pos + 1, out int next);
                if (lineEnd < 0) return -1;
                if (type == ',' && lineEnd == pos + 1) throw Bad(d, pos, "empty double");
                return next;
            }
            case (byte)':':
            case (byte)'(':
            {
                int lineEnd = FindLineEnd(d, pos + 1, out int next);
                if (lineEnd < 0) return -1;
                ValidateInteger(d, pos, pos + 1, lineEnd, allowBig: type == '(');
                return next;
            }
            case (byte)'_':
            {
                int lineEnd = FindLineEnd(d, pos + 1, out int next);
                if (lineEnd < 0) return -1;
                if (lineEnd != pos + 1) throw Bad(d, pos, "null '_' must be followed directly by CRLF");
                return next;
            }
            case (byte)'#':
            {
                int lineEnd = FindLineEnd(d, pos + 1, out int next);
                if (lineEnd < 0) return -1;
                if (lineEnd != pos + 2 || (d[pos + 1] != 't' && d[pos + 1] != 'f')) throw Bad(d, pos, "boolean must be #t or #f");
                return next;
            }
            case (byte)'$':
            case (byte)'!':
            case (byte)'=':
            {
                int lineEnd = FindLineEnd(d, pos + 1, out int next);
                if (lineEnd < 0) return -1;
                if (type == '$' && lineEnd == pos + 2 && d[pos + 1] == '?')
                    return ParseStreamedString(d, next);
                long len = ParseLength(d, pos, pos + 1, lineEnd);
                if (len == -1)
                {
                    if (type != '$') throw Bad(d, pos, $"'{(char)type}' cannot have length -1");
                    return next;
                }
                if (len < 0) throw Bad(d, pos, "negative length");
                if (type == '=' && len < 4) throw Bad(d, pos, "verbatim string shorter than its 4-byte 'fmt:' prefix");
                long endL = next + len + 2;
                if (endL > int.MaxValue) throw Bad(d, pos, "bulk too large");
                int end = (int)endL;
                if (d.Length < end) return -1;
                if (d[end - 2] != '\r' || d[end - 1] != '\n') throw Bad(d, pos, $"bulk of length {len} not followed by CRLF");
                if (type == '=' && d[next + 3] != ':') throw Bad(d, pos, "verbatim string without 'fmt:' prefix");
                return end;
            }
            case (byte)'*':
            case (byte)'~':
            case (byte)'>':
            case (byte)'%':
            case (byte)'|':
            {
                int lineEnd = FindLineEnd(d, pos + 1, out int next);
                if (lineEnd < 0) return -1;
                int perItem = type is (byte)'%' or (byte)'|' ? 2 : 1;
                if (lineEnd == pos + 2 && d[pos + 1] == '?')
                {
                    if (type == '|') throw Bad(d, pos, "attributes cannot be streamed");
                    return ParseStreamedAggregate(d, next, depth);
                }
                long count = ParseLength(d, pos, pos + 1, lineEnd);
                if (count == -1)
                {
                    if (type != '*') throw Bad(d, pos, $"'{(char)type}' cannot have count -1");
                    return next;
                }
                if (count < 0) throw Bad(d, pos, "negative count");
                int p = next;
                for (long i = 0; i < count * perItem; i++)
                {
                    p = ParseValue(d, p, depth + 1);
                    if (p < 0) return -1;
                }
                // An attribute annotates the value that follows it: both form one reply / one element.
                if (type == '|') return ParseValue(d, p, depth + 1);
                return p;
            }
            default:
                throw Bad(d, pos, $"unexpected type byte 0x{type:X2} ('{Printable(type)}')");
        }
    }

    private static int ParseStreamedString(ReadOnlySpan<byte> d, int p)
    {
        while (true)
        {
            if (p >= d.Length) return -1;
            if (d[p] != ';') throw Bad(d, p, "streamed string chunk must start with ';'");
            int lineEnd = FindLineEnd(d, p + 1, out int next);
            if (lineEnd < 0) return -1;
            long len = ParseLength(d, p, p + 1, lineEnd);
            if (len < 0) throw Bad(d, p, "negative chunk length");
            if (len == 0) return next;
            long endL = next + len + 2;
            if (endL > int.MaxValue) throw Bad(d, p, "chunk too large");
            int end = (int)endL;
            if (d.Length < end) return -1;
            if (d[end - 2] != '\r' || d[end - 1] != '\n') throw Bad(d, p, "chunk not followed by CRLF");
            p = end;
        }
    }

    private static int ParseStreamedAggregate(ReadOnlySpan<byte> d, int p, int depth)
    {
        while (true)
        {
            if (p >= d.Length) return -1;
            if (d[p] == '.')
            {
                if ((p + 1 < d.Length && d[p + 1] != '\r') || (p + 2 < d.Length && d[p + 2] != '\n'))
                    throw Bad(d, p, "'.' must be followed by CRLF");
                return p + 3 <= d.Length ? p + 3 : -1;
            }
            p = ParseValue(d, p, depth + 1);
            if (p < 0) return -1;
        }
    }

    // Finds the CRLF ending the line that starts at 'from'; returns the index of '\r' (or -1 if incomplete)
    // and sets 'next' to the index after '\n'. A bare CR or LF inside the line is a protocol error.
    private static int FindLineEnd(ReadOnlySpan<byte> d, int from, out int next)
    {
        next = -1;
        int i = d[from..].IndexOfAny((byte)'\r', (byte)'\n');
        if (i < 0) return -1;
        i += from;
        if (d[i] == '\n') throw Bad(d, i, "bare LF inside a line");
        if (i + 1 >= d.Length) return -1;
        if (d[i + 1] != '\n') throw Bad(d, i, "CR not followed by LF");
        next = i + 2;
        return i;
    }

    private static long ParseLength(ReadOnlySpan<byte> d, int typePos, int from, int to)
    {
        var s = d[from..to];
        if (s.Length == 2 && s[0] == '-' && s[1] == '1') return -1;
        if (s.Length == 0 || s.Length > 10) throw Bad(d, typePos, "bad length");
        long v = 0;
        foreach (var c in s)
        {
            if (c < '0' || c > '9') throw Bad(d, typePos, "bad length");
            v = v * 10 + (c - '0');
        }
        if (v > int.MaxValue) throw Bad(d, typePos, "length too large");
        return v;
    }

    private static void ValidateInteger(ReadOnlySpan<byte> d, int typePos, int from, int to, bool allowBig)
    {
        var s = d[from..to];
        if (!s.IsEmpty && (s[0] == '-' || s[0] == '+')) s = s[1..];
        if (s.IsEmpty) throw Bad(d, typePos, "empty integer");
        if (!allowBig && s.Length > 19) throw Bad(d, typePos, "integer out of 64-bit range");
        foreach (var c in s)
            if (c < '0' || c > '9') throw Bad(d, typePos, "bad integer");
    }

    private static RespProtocolException Bad(ReadOnlySpan<byte> d, int pos, string what)
    {
        int from = Math.Max(0, pos - 32);
        int to = Math.Min(d.Length, pos + 64);
        return new RespProtocolException($"RESP protocol violation at byte {pos}: {what}; around it: \"{Escape(d[from..to])}\"");
    }

    private static string Printable(byte b) => b is >= 0x20 and < 0x7F ? ((char)b).ToString() : "?";

    /// <summary>Makes control characters visible, e.g. "+OK\r\n" → "+OK\\r\\n"; handy in assertion messages.</summary>
    public static string Escape(string s) => Escape(Utf8.GetBytes(s));

    public static string Escape(ReadOnlySpan<byte> bytes)
    {
        var sb = new StringBuilder(bytes.Length + 16);
        foreach (var b in bytes)
        {
            switch (b)
            {
                case (byte)'\r': sb.Append("\\r"); break;
                case (byte)'\n': sb.Append("\\n"); break;
                case (byte)'\t': sb.Append("\\t"); break;
                case (byte)'\\': sb.Append("\\\\"); break;
                case (byte)'"': sb.Append("\\\""); break;
                default:
                    if (b is >= 0x20 and < 0x7F) sb.Append((char)b);
                    else sb.Append("\\x").Append(b.ToString("x2"));
                    break;
            }
        }
        return sb.ToString();
    }

    // ------------------------------------------------------------------ buffering

    private long Deadline(TimeSpan? timeout = null) =>
        Stopwatch.GetTimestamp() + (long)((timeout ?? Timeout).TotalSeconds * Stopwatch.Frequency);

    private ReadOnlySpan<byte> Buffered() => _buffer.AsSpan(_start, _end - _start);

    private byte[] Take(int count)
    {
        var result = _buffer.AsSpan(_start, count).ToArray();
        _start += count;
        if (_start == _end) _start = _end = 0;
        return result;
    }

    // Reads more bytes into the buffer. Returns false at end of stream (peer closed / reset);
    // throws TimeoutException when the deadline passes first.
    private bool Fill(long deadline)
    {
        if (_eof) return false;
        if (_end == _buffer.Length)
        {
            int used = _end - _start;
            if (_start > 0 && used < _buffer.Length / 2)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, used);
            }
            else
            {
                var bigger = new byte[_buffer.Length * 2];
                Buffer.BlockCopy(_buffer, _start, bigger, 0, used);
                _buffer = bigger;
            }
            _start = 0;
            _end = used;
        }

        long remainingTicks = deadline - Stopwatch.GetTimestamp();
        if (remainingTicks <= 0) throw TimedOut();
        var remaining = TimeSpan.FromSeconds((double)remainingTicks / Stopwatch.Frequency);

        int n;
        if (_socket is not null)
        {
            try
            {
                long micro = Math.Max(1, (long)remaining.TotalMicroseconds);
                if (!_socket.Poll(micro > int.MaxValue ? int.MaxValue : (int)micro, SelectMode.SelectRead))
                    throw TimedOut();
                n = _socket.Receive(_buffer, _end, _buffer.Length - _end, SocketFlags.None);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown)
            {
                n = 0;
            }
        }
        else
        {
            try
            {
                if (_stream!.CanTimeout) _stream.ReadTimeout = ToMs(remaining);
                n = _stream.Read(_buffer, _end, _buffer.Length - _end);
            }
            catch (IOException e) when (e.InnerException is SocketException { SocketErrorCode: SocketError.TimedOut or SocketError.WouldBlock })
            {
                throw TimedOut();
            }
        }

        if (n <= 0)
        {
            _eof = true;
            return false;
        }
        _end += n;
        return true;
    }

    private TimeoutException TimedOut() =>
        new($"RawRespClient: no complete data within {Timeout.TotalSeconds:0.###} s; received so far: \"{Escape(Buffered())}\"");

    private static int ToMs(TimeSpan t) => (int)Math.Clamp(Math.Ceiling(t.TotalMilliseconds), 1, int.MaxValue);

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _socket?.Dispose();
        _stream?.Dispose();
    }
}
