using System.Runtime.CompilerServices;
using System.Text;
using Valkey.Native.Networking;
using Valkey.Native.Util;

namespace Valkey.Native.Protocol;

/// <summary>Receives every error reply, for INFO errorstats and per-command failure counts.</summary>
public interface IErrorReplySink
{
    void OnErrorReply(ReadOnlySpan<byte> errorCode);
}

/// <summary>
/// The one place replies are encoded (Valkey's addReply* family). RESP2/RESP3 differences
/// and buffer growth are handled here, never at call sites. Output accumulates in a chain of
/// segments over pooled unmanaged chunks and is sent with one writev per loop iteration.
/// </summary>
public sealed unsafe class ReplyWriter : IDisposable
{
    private struct Segment
    {
        public byte* Start;
        public int Length;
        /// <summary>The buffer this segment frees when sent: set only on the last segment that uses it.</summary>
        public byte* Owned;
        public int OwnedSize;
    }

    private const int DeferredHeaderReserve = 24; // '*' + 20 digits + CRLF fits
    private static ReadOnlySpan<byte> Crlf => "\r\n"u8;

    private readonly IoBufferPool _pool;
    private Segment[] _segments = new Segment[8];
    private int _head;      // first unsent segment
    private int _tail;      // one past the last segment
    private int _headSent;  // bytes of _segments[_head] already written
    private byte* _cursor;  // write position in the current chunk
    private byte* _limit;   // end of the current chunk

    public ReplyWriter(IoBufferPool pool) => _pool = pool;

    /// <summary>2 or 3, as negotiated with HELLO.</summary>
    public int Protocol { get; set; } = 2;

    /// <summary>When false, replies are dropped (CLIENT REPLY OFF/SKIP).</summary>
    public bool Enabled { get; set; } = true;

    public IErrorReplySink? ErrorSink { get; set; }

    /// <summary>Error replies produced since creation (the dispatcher diffs it to spot failed calls).</summary>
    public long ErrorCount { get; private set; }

    /// <summary>Bytes queued and not yet written to the socket.</summary>
    public long PendingBytes { get; private set; }

    public bool HasPending => PendingBytes > 0;

    // ---- raw output -------------------------------------------------------------------

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Span<byte> Reserve(int size)
    {
        if (_limit - _cursor < size) NewChunk(size);
        return new Span<byte>(_cursor, size);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Commit(int written)
    {
        _cursor += written;
        _segments[_tail - 1].Length += written;
        PendingBytes += written;
    }

    private void NewChunk(int minimum)
    {
        // Keep ownership on the current segment: it is the last user of its chunk.
        byte* chunk; int size;
        if (minimum <= IoBufferPool.ChunkSize) { chunk = _pool.RentChunk(); size = IoBufferPool.ChunkSize; }
        else { chunk = _pool.AllocBlock(minimum); size = minimum; }
        AppendSegment(new Segment { Start = chunk, Length = 0, Owned = chunk, OwnedSize = size });
        _cursor = chunk;
        _limit = chunk + size;
        ChunkAdded?.Invoke();
    }

    /// <summary>
    /// Called each time the reply takes another chunk (every ~16 KB), so the owner can check its
    /// output buffer limit while a long reply is still being produced (Valkey checks on each append).
    /// </summary>
    public Action? ChunkAdded { get; set; }

    private void AppendSegment(Segment s)
    {
        // Never slide segments here: a deferred-length handle is a segment index and must stay
        // valid until it is set. Sent segments are compacted away in Consume instead.
        if (_tail == _segments.Length) Array.Resize(ref _segments, _segments.Length * 2);
        _segments[_tail++] = s;
    }

    /// <summary>Drops sent segments from the front of the array (only between commands, from Consume).</summary>
    private void CompactSentSegments()
    {
        if (_head == 0) return;
        Array.Copy(_segments, _head, _segments, 0, _tail - _head);
        Array.Clear(_segments, _tail - _head, _head);
        _tail -= _head;
        _head = 0;
    }

    /// <summary>Appends bytes verbatim (already valid RESP).</summary>
    public void AddRaw(ReadOnlySpan<byte> data)
    {
        if (!Enabled) return;
        while (!data.IsEmpty)
        {
            long free = _limit - _cursor;
            if (free == 0)
            {
                // Big payloads get one block of their exact size instead of many chunks.
                NewChunk(data.Length > IoBufferPool.ChunkSize * 4 ? data.Length : IoBufferPool.ChunkSize);
                free = _limit - _cursor;
            }
            int n = (int)Math.Min(free, data.Length);
            data[..n].CopyTo(new Span<byte>(_cursor, n));
            Commit(n);
            data = data[n..];
        }
    }

    private void AddPrefixedLength(byte prefix, long length)
    {
        if (!Enabled) return;
        Span<byte> s = Reserve(23);
        s[0] = prefix;
        int n = 1 + NumberFormatter.FormatInt64(length, s[1..]);
        s[n] = (byte)'\r'; s[n + 1] = (byte)'\n';
        Commit(n + 2);
    }

    // ---- RESP types ------------------------------------------------------------------

    public void AddOk() => AddRaw("+OK\r\n"u8);

    public void AddSimpleString(ReadOnlySpan<byte> text)
    {
        if (!Enabled) return;
        AddRaw("+"u8);
        AddRaw(text);
        AddRaw(Crlf);
    }

    public void AddSimpleString(string text) => AddAscii((byte)'+', text);

    /// <summary>
    /// Adds an error reply. <paramref name="message"/> starts with its code ("ERR ...", "WRONGTYPE ...");
    /// CR and LF inside it become spaces so a client-supplied argument cannot break the protocol.
    /// </summary>
    public void AddError(ReadOnlySpan<byte> message)
    {
        ErrorCount++;
        if (message.Length > 0 && message[0] == (byte)'-') message = message[1..];
        int space = message.IndexOf((byte)' ');
        ErrorSink?.OnErrorReply(space < 0 ? message : message[..space]);
        if (!Enabled) return;
        AddRaw("-"u8);
        int start = 0;
        for (int i = 0; i < message.Length; i++)
        {
            if (message[i] == '\r' || message[i] == '\n')
            {
                AddRaw(message[start..i]);
                AddRaw(" "u8);
                start = i + 1;
            }
        }
        AddRaw(message[start..]);
        AddRaw(Crlf);
    }

    public void AddError(string message)
    {
        int max = Encoding.UTF8.GetMaxByteCount(message.Length);
        if (max <= 512)
        {
            Span<byte> buf = stackalloc byte[max];
            AddError(buf[..Encoding.UTF8.GetBytes(message, buf)]);
        }
        else
        {
            AddError(Encoding.UTF8.GetBytes(message));
        }
    }

    public void AddInteger(long value) => AddPrefixedLength((byte)':', value);

    public void AddBulk(ReadOnlySpan<byte> value)
    {
        if (!Enabled) return;
        AddPrefixedLength((byte)'$', value.Length);
        AddRaw(value);
        AddRaw(Crlf);
    }

    public void AddBulk(string value)
    {
        int max = Encoding.UTF8.GetMaxByteCount(value.Length);
        if (max <= 1024)
        {
            Span<byte> buf = stackalloc byte[max];
            AddBulk(buf[..Encoding.UTF8.GetBytes(value, buf)]);
        }
        else
        {
            AddBulk(Encoding.UTF8.GetBytes(value));
        }
    }

    /// <summary>An integer sent as a bulk string (GET of an int-encoded value).</summary>
    public void AddBulk(long value)
    {
        Span<byte> digits = stackalloc byte[24];
        AddBulk(digits[..NumberFormatter.FormatInt64(value, digits)]);
    }

    public void AddNull()
    {
        if (Protocol >= 3) AddRaw("_\r\n"u8);
        else AddRaw("$-1\r\n"u8);
    }

    /// <summary>A null where RESP2 uses the null array (e.g. a timed-out blocking pop).</summary>
    public void AddNullArray()
    {
        if (Protocol >= 3) AddRaw("_\r\n"u8);
        else AddRaw("*-1\r\n"u8);
    }

    public void AddArrayLength(long count) => AddPrefixedLength((byte)'*', count);

    public void AddEmptyArray() => AddRaw("*0\r\n"u8);

    public void AddMapLength(long pairs)
    {
        if (Protocol >= 3) AddPrefixedLength((byte)'%', pairs);
        else AddPrefixedLength((byte)'*', pairs * 2);
    }

    public void AddSetLength(long count) => AddPrefixedLength(Protocol >= 3 ? (byte)'~' : (byte)'*', count);

    public void AddPushLength(long count) => AddPrefixedLength(Protocol >= 3 ? (byte)'>' : (byte)'*', count);

    public void AddAttributeLength(long pairs) => AddPrefixedLength((byte)'|', pairs);

    public void AddBool(bool value)
    {
        if (Protocol >= 3) AddRaw(value ? "#t\r\n"u8 : "#f\r\n"u8);
        else AddRaw(value ? ":1\r\n"u8 : ":0\r\n"u8);
    }

    public void AddDouble(double value)
    {
        Span<byte> text = stackalloc byte[64];
        int n = NumberFormatter.FormatDouble(value, text);
        if (Protocol >= 3)
        {
            AddRaw(","u8);
            AddRaw(text[..n]);
            AddRaw(Crlf);
        }
        else
        {
            AddBulk(text[..n]);
        }
    }

    /// <summary>Human-readable text: RESP3 verbatim string of format "txt", RESP2 bulk string.</summary>
    public void AddVerbatim(ReadOnlySpan<byte> text, string format = "txt")
    {
        if (Protocol < 3) { AddBulk(text); return; }
        AddPrefixedLength((byte)'=', text.Length + 4);
        Span<byte> f = stackalloc byte[4];
        Encoding.ASCII.GetBytes(format, f);
        f[3] = (byte)':';
        AddRaw(f);
        AddRaw(text);
        AddRaw(Crlf);
    }

    public void AddVerbatim(string text, string format = "txt") => AddVerbatim(Encoding.UTF8.GetBytes(text), format);

    public void AddBigNumber(ReadOnlySpan<byte> digits)
    {
        if (Protocol < 3) { AddBulk(digits); return; }
        AddRaw("("u8);
        AddRaw(digits);
        AddRaw(Crlf);
    }

    /// <summary>The reply of a HELP subcommand: an array of status lines.</summary>
    public void AddHelp(ReadOnlySpan<string> lines)
    {
        AddArrayLength(lines.Length);
        foreach (var line in lines) AddSimpleString(line);
    }

    private void AddAscii(byte prefix, string text)
    {
        if (!Enabled) return;
        Span<byte> p = stackalloc byte[1];
        p[0] = prefix;
        AddRaw(p);
        int max = Encoding.UTF8.GetMaxByteCount(text.Length);
        if (max <= 1024)
        {
            Span<byte> buf = stackalloc byte[max];
            AddRaw(buf[..Encoding.UTF8.GetBytes(text, buf)]);
        }
        else
        {
            AddRaw(Encoding.UTF8.GetBytes(text));
        }
        AddRaw(Crlf);
    }

    // ---- deferred lengths (count known only after the elements) ------------------------

    /// <summary>
    /// Reserves room for an aggregate header whose count is not known yet (SCAN, KEYS) and
    /// returns a handle for <see cref="SetDeferredArrayLength"/>. The elements that follow go
    /// into a new segment so the header can be written later without moving them.
    /// </summary>
    public int BeginDeferredLength()
    {
        if (!Enabled) return -1;
        if (_tail == 0 || _limit - _cursor < DeferredHeaderReserve + 16) NewChunk(IoBufferPool.ChunkSize);
        byte* header = _cursor;
        _cursor += DeferredHeaderReserve;
        ref Segment current = ref _segments[_tail - 1];
        byte* owned = current.Owned; int ownedSize = current.OwnedSize;
        current.Owned = null; current.OwnedSize = 0;
        AppendSegment(new Segment { Start = header, Length = 0 });
        int handle = _tail - 1;
        AppendSegment(new Segment { Start = _cursor, Length = 0, Owned = owned, OwnedSize = ownedSize });
        return handle;
    }

    public void SetDeferredArrayLength(int handle, long count) => SetDeferred(handle, (byte)'*', count);

    public void SetDeferredMapLength(int handle, long pairs)
    {
        if (Protocol >= 3) SetDeferred(handle, (byte)'%', pairs);
        else SetDeferred(handle, (byte)'*', pairs * 2);
    }

    public void SetDeferredSetLength(int handle, long count) => SetDeferred(handle, Protocol >= 3 ? (byte)'~' : (byte)'*', count);

    private void SetDeferred(int handle, byte prefix, long count)
    {
        if (handle < 0) return;
        ref Segment s = ref _segments[handle];
        var span = new Span<byte>(s.Start, DeferredHeaderReserve);
        span[0] = prefix;
        int n = 1 + NumberFormatter.FormatInt64(count, span[1..]);
        span[n] = (byte)'\r'; span[n + 1] = (byte)'\n';
        s.Length = n + 2;
        PendingBytes += n + 2;
    }

    // ---- sending -------------------------------------------------------------------------

    public enum FlushResult { Done, WouldBlock, Failed }

    /// <summary>Writes as much as the socket takes with gather writes; frees what was sent.</summary>
    /// <remarks>
    /// SkipLocalsInit: without it the 4 KB iovec array is zeroed on every call (a memset per
    /// reply at pipeline 1); only the entries filled below are passed to writev.
    /// </remarks>
    [SkipLocalsInit]
    public FlushResult FlushTo(int fd, out long bytesWritten)
    {
        bytesWritten = 0;
        const int MaxIov = 256;
        LibC.IoVec* iov = stackalloc LibC.IoVec[MaxIov];
        while (PendingBytes > 0)
        {
            if (_tail - _head == 1)
            {
                // One segment (the common small reply): write(2) instead of a one-entry writev,
                // which saves the kernel copying and checking an iovec array.
                ref Segment only = ref _segments[_head];
                int length = only.Length - _headSent;
                if (length > 0)
                {
                    nint sent = LibC.Write(fd, only.Start + _headSent, length);
                    if (sent < 0)
                    {
                        int errno = LibC.LastError;
                        if (errno == LibC.EAGAIN) return FlushResult.WouldBlock;
                        if (errno == LibC.EINTR) continue;
                        return FlushResult.Failed;
                    }
                    bytesWritten += sent;
                    Consume(sent);
                    if (sent < length) return FlushResult.WouldBlock;
                    continue;
                }
            }
            int count = 0;
            long batch = 0;
            for (int i = _head; i < _tail && count < MaxIov; i++)
            {
                ref Segment s = ref _segments[i];
                int skip = i == _head ? _headSent : 0;
                int len = s.Length - skip;
                if (len <= 0) continue;
                iov[count].Base = s.Start + skip;
                iov[count].Length = (nuint)len;
                batch += len;
                count++;
            }
            if (count == 0)
            {
                // Nothing left to hand to writev: the pending count must be zero; never spin on it.
                System.Diagnostics.Debug.Fail($"reply accounting drift: {PendingBytes} bytes pending, no segment to send");
                ReleaseBuffers();
                return FlushResult.Done;
            }
            nint written = LibC.WriteV(fd, iov, count);
            if (written < 0)
            {
                int errno = LibC.LastError;
                if (errno == LibC.EAGAIN) return FlushResult.WouldBlock;
                if (errno == LibC.EINTR) continue;
                return FlushResult.Failed;
            }
            bytesWritten += written;
            Consume(written);
            if (written < batch) return FlushResult.WouldBlock;
        }
        return FlushResult.Done;
    }

    private void Consume(long bytes)
    {
        PendingBytes -= bytes;
        if (PendingBytes == 0)
        {
            // Fully sent: idle connections keep no buffers; the pool makes the next rent cheap.
            ReleaseBuffers();
            return;
        }
        while (_head < _tail)
        {
            ref Segment s = ref _segments[_head];
            long left = s.Length - _headSent;
            if (bytes < left) { _headSent += (int)bytes; break; }
            bytes -= left;
            if (s.Owned != null) _pool.Release(s.Owned, s.OwnedSize);
            s = default;
            _head++;
            _headSent = 0;
        }
        if (_head > 32 && _head * 2 > _tail) CompactSentSegments();
    }

    /// <summary>Returns all buffers to the pool (connection closed, or idle with nothing pending).</summary>
    public void ReleaseBuffers()
    {
        for (int i = _head; i < _tail; i++)
        {
            if (_segments[i].Owned != null) _pool.Release(_segments[i].Owned, _segments[i].OwnedSize);
            _segments[i] = default;
        }
        _head = _tail = _headSent = 0;
        _cursor = _limit = null;
        PendingBytes = 0;
    }

    /// <summary>Copies all pending bytes out (tests, MONITOR-like inspection).</summary>
    public byte[] PeekPending()
    {
        var result = new byte[PendingBytes];
        int pos = 0;
        for (int i = _head; i < _tail; i++)
        {
            int skip = i == _head ? _headSent : 0;
            var span = new ReadOnlySpan<byte>(_segments[i].Start + skip, _segments[i].Length - skip);
            span.CopyTo(result.AsSpan(pos));
            pos += span.Length;
        }
        return result;
    }

    public void Dispose() => ReleaseBuffers();
}
