using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Valkey.Native.Protocol;

/// <summary>
/// Incremental parser for client requests: RESP multibulk (an array of bulk strings, the same
/// in RESP2 and RESP3) when the first byte is '*', an inline command line otherwise. Mirrors
/// Valkey's processMultibulkBuffer/processInlineBuffer, including their error texts and their
/// leniencies (the byte after a line's '\r' and the two bytes after a bulk are skipped unchecked).
/// </summary>
/// <remarks>
/// Every call receives the current command from its first byte with everything buffered so far.
/// Progress (arguments parsed, scan position) is kept between calls, so a command arriving in
/// many pieces is scanned once overall. Arguments are reported as offsets from the command start;
/// inline arguments are unescaped in place in the caller's buffer.
/// </remarks>
public sealed class RespParser
{
    public enum ParseStatus
    {
        Complete,
        Incomplete,
        Error,
    }

    /// <summary>PROTO_INLINE_MAX_SIZE: how much may be buffered while waiting for a line end.</summary>
    public const int MaxLineSearchLength = 64 * 1024;

    public const int UnauthenticatedMaxArgs = 10;
    /// <summary>Largest single command (all its bulks) the query buffer can hold.</summary>
    public const long MaxCommandBytes = int.MaxValue - 4096;

    public const long UnauthenticatedMaxBulkLength = 16384;

    public const long DefaultMaxBulkLength = 512L * 1024 * 1024;

    private const string TooBigInlineRequest = "Protocol error: too big inline request";
    private const string UnbalancedQuotes = "Protocol error: unbalanced quotes in request";
    private const string TooBigMultibulkCount = "Protocol error: too big mbulk count string";
    private const string InvalidMultibulkLength = "Protocol error: invalid multibulk length";
    private const string UnauthenticatedMultibulkLength = "Protocol error: unauthenticated multibulk length";
    private const string TooBigBulkCount = "Protocol error: too big bulk count string";
    private const string InvalidBulkLength = "Protocol error: invalid bulk length";
    private const string UnauthenticatedBulkLength = "Protocol error: unauthenticated bulk length";

    private enum Stage : byte
    {
        CommandStart,
        InlineLine,
        MultibulkCount,
        BulkHeader,
        BulkData,
    }

    private Stage _stage;

    /// <summary>First byte not yet parsed: the start of the pending bulk header or bulk data.</summary>
    private int _pos;

    /// <summary>Where the search for the pending line end resumes: all bytes before it are known not to end it.</summary>
    private int _scanFrom;

    private int _argsLeft;
    private long _bulkLength;

    public RespParser(long maxBulkLength = DefaultMaxBulkLength)
    {
        MaxBulkLength = maxBulkLength;
    }

    /// <summary>proto-max-bulk-len: longest bulk string accepted.</summary>
    public long MaxBulkLength { get; set; }

    /// <summary>
    /// Arguments of the last Complete command as offsets from that command's first byte. Valid until
    /// the next call to <see cref="Parse"/> that starts a new command.
    /// </summary>
    public ArgList Args { get; } = new();

    /// <summary>After <see cref="ParseStatus.Error"/>: the message to send after "-ERR ".</summary>
    /// <remarks>
    /// The only variable part is the byte in "expected '$', got 'X'", stored as the char with the same
    /// code (Latin-1), so encode it with Latin-1 to send the very byte Valkey would send.
    /// </remarks>
    public string? Error { get; private set; }

    /// <summary>
    /// After <see cref="ParseStatus.Incomplete"/>: how many bytes from the command start must be
    /// buffered before parsing can progress (known while a bulk's data is awaited), else 0.
    /// </summary>
    public long BytesNeeded { get; private set; }

    /// <summary>
    /// After <see cref="ParseStatus.Incomplete"/> while a bulk's data is awaited: the offset of that
    /// data from the command start (what Valkey has already moved out of its query buffer), else 0.
    /// </summary>
    public long AwaitedBulkStart => BytesNeeded > 0 ? _pos : 0;

    /// <summary>Whether the last Complete command was an inline one.</summary>
    public bool IsInline { get; private set; }

    /// <summary>Forgets any partially parsed command.</summary>
    public void Reset()
    {
        _stage = Stage.CommandStart;
        _pos = 0;
        _scanFrom = 0;
        _argsLeft = 0;
        _bulkLength = 0;
        Args.Clear();
        Error = null;
        BytesNeeded = 0;
        IsInline = false;
    }

    /// <summary>
    /// Parses the command that starts at <paramref name="data"/>[0]. On Complete, <paramref name="consumed"/>
    /// is its length and <see cref="Args"/> holds its arguments (none for an empty command, which the
    /// caller skips); otherwise <paramref name="consumed"/> is 0. On Error the connection must be closed
    /// after replying with <see cref="Error"/>.
    /// </summary>
    public ParseStatus Parse(Span<byte> data, bool authenticated, out int consumed)
    {
        consumed = 0;
        BytesNeeded = 0;
        if (_stage == Stage.CommandStart)
        {
            if (data.IsEmpty) return ParseStatus.Incomplete;
            Args.Clear();
            Error = null;
            _pos = 0;
            _scanFrom = 0;
            _stage = data[0] == (byte)'*' ? Stage.MultibulkCount : Stage.InlineLine;
        }
        else if ((uint)_scanFrom > (uint)data.Length || (uint)_pos > (uint)data.Length)
        {
            ThrowShrunkBuffer();
        }

        return _stage switch
        {
            Stage.InlineLine => ParseInline(data, out consumed),
            Stage.MultibulkCount => ParseMultibulkCount(data, authenticated, out consumed),
            _ => ParseBulks(data, authenticated, out consumed),
        };
    }

    private ParseStatus ParseInline(Span<byte> data, out int consumed)
    {
        consumed = 0;
        int newline = RespScanner.IndexOfNewlineOrNul(data[_scanFrom..]);
        if (newline >= 0) newline += _scanFrom;
        if (newline < 0 || data[newline] == 0)
        {
            _scanFrom = newline < 0 ? data.Length : newline;
            return data.Length > MaxLineSearchLength ? Fail(TooBigInlineRequest) : ParseStatus.Incomplete;
        }

        int lineLength = newline > 0 && data[newline - 1] == (byte)'\r' ? newline - 1 : newline;
        if (!InlineSplitter.SplitWithoutNul(data[..lineLength], Args)) return Fail(UnbalancedQuotes);
        return Complete(newline + 1, inline: true, out consumed);
    }

    private ParseStatus ParseMultibulkCount(Span<byte> data, bool authenticated, out int consumed)
    {
        consumed = 0;
        if (!TryReadPlainLengthLine(data, 0, (byte)'*', out int cr, out long count))
        {
            cr = FindLineEnd(data, _scanFrom);
            if (cr < 0)
            {
                return data.Length > MaxLineSearchLength ? Fail(TooBigMultibulkCount) : ParseStatus.Incomplete;
            }
            // Valkey only requires some byte after the '\r' and skips it without checking for '\n'.
            if (cr > data.Length - 2) return ParseStatus.Incomplete;
            if (!RespScanner.TryParseLength(data[1..cr], out count)) return Fail(InvalidMultibulkLength);
        }

        if (count > int.MaxValue) return Fail(InvalidMultibulkLength);
        if (count > UnauthenticatedMaxArgs && !authenticated) return Fail(UnauthenticatedMultibulkLength);

        int next = cr + 2;
        if (count <= 0) return Complete(next, inline: false, out consumed);

        _argsLeft = (int)count;
        _pos = next;
        _scanFrom = next;
        _stage = Stage.BulkHeader;
        return ParseBulks(data, authenticated, out consumed);
    }

    private ParseStatus ParseBulks(Span<byte> data, bool authenticated, out int consumed)
    {
        consumed = 0;
        ArgList args = Args;
        int pos = _pos;
        int argsLeft = _argsLeft;
        long bulkLength = _bulkLength;
        bool awaitingData = _stage == Stage.BulkData;
        int scanFrom = _scanFrom;
        long available = data.Length;

        while (argsLeft > 0)
        {
            if (!awaitingData)
            {
                if (!TryReadPlainLengthLine(data, pos, (byte)'$', out int cr, out bulkLength))
                {
                    cr = FindLineEnd(data, scanFrom);
                    if (cr < 0)
                    {
                        if (available - pos > MaxLineSearchLength) return Fail(TooBigBulkCount);
                        break;
                    }
                    if (cr > available - 2) break;

                    byte first = data[pos];
                    if (first != (byte)'$') return Fail(ExpectedDollar(first));
                    if (!RespScanner.TryParseLength(data[(pos + 1)..cr], out bulkLength)) return Fail(InvalidBulkLength);
                }
                // One command is held in one buffer addressed with int offsets: past 2 GB in total it
                // cannot be buffered, whatever proto-max-bulk-len allows, so it is refused like an invalid length.
                if (bulkLength < 0 || bulkLength > MaxBulkLength || bulkLength > MaxCommandBytes - cr - 4)
                    return Fail(InvalidBulkLength);
                if (bulkLength > UnauthenticatedMaxBulkLength && !authenticated) return Fail(UnauthenticatedBulkLength);

                pos = cr + 2;
                awaitingData = true;
            }

            if (available - pos < bulkLength + 2)
            {
                BytesNeeded = pos + bulkLength + 2;
                break;
            }

            args.Add(pos, (int)bulkLength);
            pos += (int)bulkLength + 2;
            scanFrom = pos;
            argsLeft--;
            awaitingData = false;
        }

        if (argsLeft == 0) return Complete(pos, inline: false, out consumed);

        _pos = pos;
        _argsLeft = argsLeft;
        _bulkLength = bulkLength;
        _stage = awaitingData ? Stage.BulkData : Stage.BulkHeader;
        if (awaitingData) _scanFrom = pos;
        return ParseStatus.Incomplete;
    }

    /// <summary>
    /// Fast path for the usual length line: <paramref name="marker"/> at <paramref name="pos"/>, 1 to 18 digits without a
    /// leading zero, '\r' and at least one more byte. Such a line contains no earlier '\r' or NUL and is a
    /// valid string2ll number, so the answer equals the general path's. Anything else returns false and is
    /// left to the general path.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TryReadPlainLengthLine(ReadOnlySpan<byte> data, int pos, byte marker, out int cr, out long value)
    {
        const int maxDigits = 18;
        ref byte start = ref MemoryMarshal.GetReference(data);
        int firstDigit = pos + 1;
        int crLimit = Math.Min(data.Length - 2, firstDigit + maxDigits);
        cr = 0;
        value = 0;
        if (crLimit <= firstDigit || Unsafe.Add(ref start, pos) != marker) return false;

        ulong v = 0;
        int i = firstDigit;
        for (; i <= crLimit; i++)
        {
            uint digit = (uint)(Unsafe.Add(ref start, i) - '0');
            if (digit > 9) break;
            v = v * 10 + digit;
        }
        cr = i;
        value = (long)v;
        return i <= crLimit && i > firstDigit && Unsafe.Add(ref start, i) == (byte)'\r' &&
               (Unsafe.Add(ref start, firstDigit) != (byte)'0' || i == firstDigit + 1);
    }

    /// <summary>
    /// Position of the '\r' ending the line whose search resumes at <paramref name="from"/>, or -1 while
    /// it is not known (no '\r' yet, or a NUL comes first, which hides any later '\r' from Valkey's strchr).
    /// Records where the next search has to resume.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int FindLineEnd(ReadOnlySpan<byte> data, int from)
    {
        int found = RespScanner.IndexOfCrOrNul(data[from..]);
        if (found < 0)
        {
            _scanFrom = data.Length;
            return -1;
        }
        found += from;
        _scanFrom = found;
        return data[found] == 0 ? -1 : found;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ParseStatus Complete(int length, bool inline, out int consumed)
    {
        consumed = length;
        IsInline = inline;
        _stage = Stage.CommandStart;
        return ParseStatus.Complete;
    }

    private ParseStatus Fail(string message)
    {
        Error = message;
        _stage = Stage.CommandStart;
        return ParseStatus.Error;
    }

    /// <summary>Valkey formats the byte with %c and then turns '\r' and '\n' into spaces to keep the reply valid.</summary>
    private static string ExpectedDollar(byte got)
    {
        char shown = got is (byte)'\r' or (byte)'\n' ? ' ' : (char)got;
        return $"Protocol error: expected '$', got '{shown}'";
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowShrunkBuffer() =>
        throw new ArgumentException("The data must hold everything passed before for the pending command.");
}
