using System.Runtime.CompilerServices;

namespace Valkey.Native.Storage;

/// <summary>
/// One stream node: an arena block holding consecutive entries (Valkey keeps a listpack per
/// radix-tree node; this is our denser equivalent).
/// <para>Layout: <c>[master ID 16][used 4][count 4][deleted 4][entriesLp 4][last 4][first 4]</c>, then the
/// master fields <c>varint n, (varint len, bytes) * n</c> (the fields of the node's first entry),
/// then the entries from offset <c>first</c>. <c>count</c> counts entries ever stored (deleted ones
/// included, as Valkey's count + deleted); <c>last</c> is the offset of the last entry.</para>
/// <para>Entry: <c>varint (ms - master.ms) &lt;&lt; 2 | flags</c> (flag bit 0 deleted, bit 1 same fields as the
/// master; both in the first byte, so deleting flips a bit in place), then the sequence:
/// <c>varint seq - master.seq</c> when the ms equals the master's (never negative then), else
/// <c>varint seq</c> (sequences restart at 0 each millisecond, so both are usually one byte);
/// then either the values only (<c>varint len, bytes</c> per master field) or <c>varint n</c> and n
/// field/value pairs; finally the entry's length (without this trailer) as a backward varint, so
/// the node can be walked from its end. An ms delta of <see cref="MsDeltaEscape"/> or more is
/// stored as the escape followed by a varint of the delta (IDs near 2^64 only).</para>
/// <para><c>entriesLp</c> is the size Valkey's listpack encoding of the entries would take, so that
/// stream-node-max-bytes splits nodes where Valkey does (see <see cref="LpBytes"/>).</para>
/// </summary>
internal static unsafe class StreamNode
{
    public const int HeaderSize = 40;
    public const byte FlagDeleted = 1;
    public const byte FlagSameFields = 2;
    private const int FlagBits = 2;
    private const ulong FlagMask = 3;
    /// <summary>ms deltas from here on do not fit beside the flags in a 64-bit varint.</summary>
    public const ulong MsDeltaEscape = (1UL << 62) - 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static ref StreamId Master(byte* n) => ref *(StreamId*)n;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static ref int Used(byte* n) => ref *(int*)(n + 16);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static ref int Count(byte* n) => ref *(int*)(n + 20);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static ref int Deleted(byte* n) => ref *(int*)(n + 24);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static ref int EntriesLp(byte* n) => ref *(int*)(n + 28);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static ref int Last(byte* n) => ref *(int*)(n + 32);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static ref int First(byte* n) => ref *(int*)(n + 36);

    public static int Live(byte* n) => Count(n) - Deleted(n);

    // ---- varints ------------------------------------------------------------------------------

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong ReadVarint(byte* p, ref int pos)
    {
        ulong v = 0;
        int shift = 0;
        byte b;
        do
        {
            b = p[pos++];
            v |= (ulong)(b & 0x7F) << shift;
            shift += 7;
        } while ((b & 0x80) != 0);
        return v;
    }

    public static int VarintSize(ulong v)
    {
        int n = 1;
        while (v >= 0x80) { v >>= 7; n++; }
        return n;
    }

    public static int WriteVarint(byte* p, ulong v)
    {
        int n = 0;
        while (v >= 0x80) { p[n++] = (byte)(v | 0x80); v >>= 7; }
        p[n++] = (byte)v;
        return n;
    }

    /// <summary>Writes <paramref name="v"/> so it can be read backwards from <c>p + size</c> (the last byte holds the low 7 bits).</summary>
    public static int WriteBackVarint(byte* p, ulong v)
    {
        int n = VarintSize(v);
        for (int i = 0; i < n; i++) p[n - 1 - i] = (byte)(((v >> (7 * i)) & 0x7F) | (i < n - 1 ? 0x80u : 0u));
        return n;
    }

    /// <summary>Reads a backward varint ending just before <paramref name="end"/>; <paramref name="start"/> is where it begins.</summary>
    public static ulong ReadBackVarint(byte* p, int end, out int start)
    {
        ulong v = 0;
        int i = 0;
        int pos = end - 1;
        while (true)
        {
            byte b = p[pos];
            v |= (ulong)(b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0) break;
            pos--;
            i++;
        }
        start = pos;
        return v;
    }

    // ---- entries --------------------------------------------------------------------------------

    /// <summary>Decodes the ID of the entry at <paramref name="pos"/>; <paramref name="after"/> is the offset after its ID deltas.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static StreamId ReadId(byte* n, int pos, out byte flags, out int after)
    {
        int p = pos;
        ulong first = ReadVarint(n, ref p);
        flags = (byte)(first & FlagMask);
        ulong msDelta = first >> FlagBits;
        if (msDelta == MsDeltaEscape) msDelta = ReadVarint(n, ref p);
        ulong seq = ReadVarint(n, ref p);
        after = p;
        StreamId master = Master(n);
        return msDelta == 0 ? new StreamId(master.Ms, master.Seq + seq) : new StreamId(master.Ms + msDelta, seq);
    }

    /// <summary>Bytes of an entry's ID prefix (flags, ms delta, sequence) for <paramref name="id"/> in a node with <paramref name="master"/>.</summary>
    public static int IdPrefixSize(StreamId master, StreamId id)
    {
        ulong msDelta = id.Ms - master.Ms;
        int size = msDelta >= MsDeltaEscape ? VarintSize(MsDeltaEscape << FlagBits) + VarintSize(msDelta) : VarintSize(msDelta << FlagBits);
        return size + VarintSize(msDelta == 0 ? id.Seq - master.Seq : id.Seq);
    }

    /// <summary>Writes the ID prefix (see <see cref="IdPrefixSize"/>); <paramref name="id"/> must not precede <paramref name="master"/>.</summary>
    public static int WriteIdPrefix(byte* p, StreamId master, StreamId id, byte flags)
    {
        ulong msDelta = id.Ms - master.Ms;
        int n;
        if (msDelta >= MsDeltaEscape)
        {
            n = WriteVarint(p, MsDeltaEscape << FlagBits | flags);
            n += WriteVarint(p + n, msDelta);
        }
        else n = WriteVarint(p, msDelta << FlagBits | flags);
        return n + WriteVarint(p + n, msDelta == 0 ? id.Seq - master.Seq : id.Seq);
    }

    /// <summary>Offset of the entry after the one at <paramref name="pos"/> (equal to Used at the end).</summary>
    public static int NextEntry(byte* n, int pos)
    {
        ReadId(n, pos, out byte flags, out int p);
        int items;
        if ((flags & FlagSameFields) != 0)
        {
            int mp = HeaderSize;
            items = (int)ReadVarint(n, ref mp);
        }
        else items = 2 * (int)ReadVarint(n, ref p);
        for (int i = 0; i < items; i++)
        {
            int len = (int)ReadVarint(n, ref p);
            p += len;
        }
        int entryLength = p - pos;
        return p + VarintSize((ulong)entryLength);
    }

    /// <summary>Offset of the entry before the one at <paramref name="pos"/> (pos must be after the first entry).</summary>
    public static int PreviousEntry(byte* n, int pos)
    {
        int length = (int)ReadBackVarint(n, pos, out int trailerStart);
        return trailerStart - length;
    }

    // ---- Valkey listpack sizes (for stream-node-max-bytes) ---------------------------------------------

    /// <summary>Bytes of one listpack element holding integer <paramref name="v"/> (encoding + backlen).</summary>
    public static int LpIntSize(long v)
    {
        if (v >= 0 && v <= 127) return 2;
        if (v >= -4096 && v <= 4095) return 3;
        if (v >= short.MinValue && v <= short.MaxValue) return 4;
        if (v >= -(1 << 23) && v < (1 << 23)) return 5;
        if (v >= int.MinValue && v <= int.MaxValue) return 6;
        return 10;
    }

    /// <summary>Bytes of one listpack element holding <paramref name="s"/> (integers are stored as such, as lpAppend does).</summary>
    public static int LpStringSize(ReadOnlySpan<byte> s)
    {
        if (Listpack.IsCanonicalInteger(s, out long v)) return LpIntSize(v);
        long enc = s.Length < 64 ? 1 + s.Length : s.Length < 4096 ? 2 + s.Length : 5L + s.Length;
        int back = enc <= 127 ? 1 : enc < 16383 ? 2 : enc < 2097151 ? 3 : enc < 268435455 ? 4 : 5;
        return (int)Math.Min(int.MaxValue, enc + back);
    }

    /// <summary>The listpack bytes Valkey's node would have now: header/terminator, master entry and entries.</summary>
    public static long LpBytes(byte* n)
    {
        long size = 7 + LpIntSize(Live(n)) + LpIntSize(Deleted(n)) + 2;
        int p = HeaderSize;
        int fields = (int)ReadVarint(n, ref p);
        size += LpIntSize(fields);
        for (int i = 0; i < fields; i++)
        {
            int len = (int)ReadVarint(n, ref p);
            size += LpStringSize(new ReadOnlySpan<byte>(n + p, len));
            p += len;
        }
        return size + EntriesLp(n);
    }
}

/// <summary>
/// Iterates live stream entries in an ID range, forwards or backwards (Valkey's streamIterator).
/// Obtain one from <see cref="StreamValue.Iterate"/>; after <see cref="MoveNext"/> returns true,
/// <see cref="Id"/> and <see cref="FieldCount"/> describe the entry and <see cref="NextField"/>
/// enumerates its field/value pairs (spans into arena memory: valid until the stream changes).
/// A plain struct of pointers: copyable, never allocates.
/// </summary>
public unsafe struct StreamIterator
{
    private readonly StreamValue.Meta* _meta;
    private readonly StreamId _start;
    private readonly StreamId _end;
    private readonly bool _reverse;
    private int _slot;          // absolute index slot of the current node
    private byte* _node;
    private int _pos;           // offset of the current entry (or where the next one starts, forwards)
    private bool _started;
    private bool _done;
    private int _fieldsStart;   // offset of the current entry's fields (after the count, if any)
    private bool _sameFields;
    private int _fieldPos;
    private int _masterPos;
    private int _fieldIndex;

    public StreamId Id { get; private set; }
    /// <summary>Number of field/value pairs of the current entry.</summary>
    public int FieldCount { get; private set; }

    internal StreamIterator(StreamValue.Meta* meta, StreamId start, StreamId end, bool reverse)
    {
        _meta = meta;
        _start = start;
        _end = end;
        _reverse = reverse;
        _done = meta->NodeCount == 0 || start > end;
    }

    /// <summary>Index slot (absolute) of the last node whose master ID is &lt;= <paramref name="id"/>, or IndexStart - 1.</summary>
    private static int SeekSlot(StreamValue.Meta* m, StreamId id)
    {
        int lo = m->IndexStart, hi = m->IndexStart + m->NodeCount - 1, found = m->IndexStart - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            if (m->Index[mid].Master <= id) { found = mid; lo = mid + 1; }
            else hi = mid - 1;
        }
        return found;
    }

    /// <summary>Advances to the next live entry in range; false when there is none.</summary>
    public bool MoveNext()
    {
        if (_done) return false;
        StreamValue.Meta* m = _meta;
        if (!_started)
        {
            _started = true;
            if (!_reverse)
            {
                _slot = Math.Max(SeekSlot(m, _start), m->IndexStart);
                _node = m->Index[_slot].Node;
                _pos = StreamNode.First(_node);
            }
            else
            {
                _slot = SeekSlot(m, _end);
                if (_slot < m->IndexStart) { _done = true; return false; }
                _node = m->Index[_slot].Node;
                _pos = -1;  // start from the last entry
            }
        }
        int endSlot = m->IndexStart + m->NodeCount;
        while (true)
        {
            int entry;
            if (!_reverse)
            {
                if (_pos >= StreamNode.Used(_node))
                {
                    if (++_slot >= endSlot) { _done = true; return false; }
                    _node = m->Index[_slot].Node;
                    _pos = StreamNode.First(_node);
                    // Nodes are ordered: once a node starts after the end, nothing else can match.
                    if (m->Index[_slot].Master > _end) { _done = true; return false; }
                }
                entry = _pos;
                _pos = StreamNode.NextEntry(_node, entry);
            }
            else
            {
                if (_pos == -1) entry = StreamNode.Last(_node);
                else if (_pos <= StreamNode.First(_node))
                {
                    if (--_slot < m->IndexStart) { _done = true; return false; }
                    _node = m->Index[_slot].Node;
                    entry = StreamNode.Last(_node);
                }
                else entry = StreamNode.PreviousEntry(_node, _pos);
                _pos = entry;
            }
            StreamId id = StreamNode.ReadId(_node, entry, out byte flags, out int after);
            if (!_reverse)
            {
                if (id > _end) { _done = true; return false; }
                if (id < _start || (flags & StreamNode.FlagDeleted) != 0) continue;
            }
            else
            {
                if (id < _start) { _done = true; return false; }
                if (id > _end || (flags & StreamNode.FlagDeleted) != 0) continue;
            }
            Id = id;
            _entry = entry;
            _sameFields = (flags & StreamNode.FlagSameFields) != 0;
            if (_sameFields)
            {
                int mp = StreamNode.HeaderSize;
                FieldCount = (int)StreamNode.ReadVarint(_node, ref mp);
                _fieldsStart = after;
            }
            else
            {
                FieldCount = (int)StreamNode.ReadVarint(_node, ref after);
                _fieldsStart = after;
            }
            ResetFields();
            return true;
        }
    }

    /// <summary>Restarts <see cref="NextField"/> at the current entry's first field.</summary>
    public void ResetFields()
    {
        _fieldPos = _fieldsStart;
        _fieldIndex = 0;
        _masterPos = StreamNode.HeaderSize;
        if (_sameFields && _node != null) StreamNode.ReadVarint(_node, ref _masterPos);
    }

    /// <summary>The next field/value pair of the current entry; false after the last one.</summary>
    public bool NextField(out ReadOnlySpan<byte> field, out ReadOnlySpan<byte> value)
    {
        if (_fieldIndex >= FieldCount)
        {
            field = default;
            value = default;
            return false;
        }
        _fieldIndex++;
        byte* n = _node;
        int len;
        if (_sameFields)
        {
            len = (int)StreamNode.ReadVarint(n, ref _masterPos);
            field = new ReadOnlySpan<byte>(n + _masterPos, len);
            _masterPos += len;
        }
        else
        {
            len = (int)StreamNode.ReadVarint(n, ref _fieldPos);
            field = new ReadOnlySpan<byte>(n + _fieldPos, len);
            _fieldPos += len;
        }
        len = (int)StreamNode.ReadVarint(n, ref _fieldPos);
        value = new ReadOnlySpan<byte>(n + _fieldPos, len);
        _fieldPos += len;
        return true;
    }

    /// <summary>The current entry's node and offset (for in-place deletion by StreamValue).</summary>
    internal readonly byte* Node => _node;
    internal readonly int Slot => _slot;
    internal readonly int EntryOffset => _entry;
    private int _entry;
}
