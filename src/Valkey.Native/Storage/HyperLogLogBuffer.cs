using static Valkey.Native.Storage.HyperLogLog;

namespace Valkey.Native.Storage;

/// <summary>
/// A growable working copy of one HLL value, for the operations that can change its length:
/// sparse register updates (an opcode split grows the value by up to 3 bytes, a VAL merge
/// shrinks it by one) and promotion to dense, which happens when a register needs a value above
/// 32 or when the sparse form would grow past <see cref="SparseMaxBytes"/> (hll-sparse-max-bytes).
/// Each step follows Valkey's hllSparseSet so the resulting bytes are identical. The byte after
/// the value is kept like an sds terminator (0 unless an update wrote there), which is what a
/// truncated trailing XZERO opcode reads. Reused across commands: allocates only when it grows.
/// </summary>
public sealed class HyperLogLogBuffer
{
    private byte[] _buffer = new byte[DenseSize + 8];
    private readonly byte[] _dense = new byte[DenseSize];
    private int _length;

    /// <summary>The longest sparse form allowed before promotion to dense (hll-sparse-max-bytes).</summary>
    public long SparseMaxBytes { get; set; } = 3000;

    public int Length => _length;

    /// <summary>The current value (valid until the next change).</summary>
    public ReadOnlySpan<byte> Value => _buffer.AsSpan(0, _length);

    public bool IsDense => _buffer[4] == EncodingDense;

    /// <summary>The packed registers of a dense value.</summary>
    public Span<byte> DenseRegisters => _buffer.AsSpan(HeaderSize, DenseRegisterBytes);

    /// <summary>Starts from a copy of a stored value (already checked with <see cref="HyperLogLog.IsValid"/>).</summary>
    public void Load(ReadOnlySpan<byte> value)
    {
        Reserve(value.Length + 8, keep: 0);
        value.CopyTo(_buffer);
        _length = value.Length;
        _buffer.AsSpan(_length, 8).Clear();
    }

    /// <summary>Starts from a new, empty, sparse HLL (createHLLObject).</summary>
    public void LoadEmpty()
    {
        _length = WriteEmpty(_buffer);
        _buffer.AsSpan(_length, 8).Clear();
    }

    public void InvalidateCache() => HyperLogLog.InvalidateCache(_buffer);

    /// <summary>Drops a buffer grown far beyond any well-formed HLL (a huge corrupted value was loaded).</summary>
    public void TrimExcess()
    {
        if (_buffer.Length > 4 * DenseSize) _buffer = new byte[DenseSize + 8];
        _length = 0;
    }

    /// <summary>hllAdd: 1 if a register changed, 0 if not, -1 if the value is corrupted.</summary>
    public int Add(ReadOnlySpan<byte> element)
    {
        int count = PatternLength(element, out int index);
        return Set(index, count);
    }

    /// <summary>Raises register <paramref name="index"/> to <paramref name="count"/>: 1 changed, 0 unchanged, -1 corrupted.</summary>
    public int Set(int index, int count) => _buffer[4] switch
    {
        EncodingDense => DenseSet(DenseRegisters, index, count) ? 1 : 0,
        EncodingSparse => SparseSet(index, count),
        _ => -1,
    };

    /// <summary>hllSparseToDense: converts a sparse value in place; false (unchanged) if it is corrupted.</summary>
    public bool ToDense()
    {
        if (IsDense) return true;
        if (!SparseToDense(Value, _dense)) return false;
        Reserve(DenseSize + 8, keep: 0);
        _dense.CopyTo(_buffer, 0);
        _length = DenseSize;
        _buffer.AsSpan(_length, 8).Clear();
        return true;
    }

    private void Reserve(int capacity, int keep)
    {
        if (_buffer.Length >= capacity) return;
        var bigger = new byte[Math.Max(capacity, _buffer.Length * 2)];
        _buffer.AsSpan(0, keep).CopyTo(bigger);
        _buffer = bigger;
    }

    /// <summary>hllSparseSet: updates one register of the sparse form in place, splitting and merging opcodes.</summary>
    private int SparseSet(int index, int count)
    {
        if (count > SparseValMaxValue) return Promote(index, count);
        // Room for the worst split (+3 bytes), the terminator and a write past a truncated XZERO.
        Reserve(_length + 8, keep: _length + 1);
        byte[] b = _buffer;
        int start = HeaderSize, end = _length, p = start, prev = -1;
        long first = 0, span = 0;

        // Step 1: find the opcode covering the register.
        while (p < end)
        {
            byte op = b[p];
            int opLength = 1;
            if (IsZero(op)) span = ZeroLen(op);
            else if (IsVal(op)) span = ValLen(op);
            else
            {
                span = XZeroLen(op, b[p + 1]);
                opLength = 2;
            }
            if (index <= first + span - 1) break;
            prev = p;
            p += opLength;
            first += span;
        }
        if (span == 0 || p >= end) return -1;

        byte current = b[p];
        bool isXZero = IsXZero(current), isZero = IsZero(current), isVal = IsVal(current);
        int next = isXZero ? p + 2 : p + 1;
        if (next >= end) next = -1;
        int runLength = isZero ? ZeroLen(current) : isXZero ? XZeroLen(current, b[p + 1]) : ValLen(current);

        // Step 2: the trivial in-place cases.
        if (isVal)
        {
            if (ValValue(current) >= count) return 0;
            if (runLength == 1)
            {
                b[p] = Val(count, 1);
                return Updated(prev, end);
            }
        }
        if (isZero && runLength == 1)
        {
            b[p] = Val(count, 1);
            return Updated(prev, end);
        }

        // The general case: split the opcode into up to three (at most 5 bytes).
        Span<byte> seq = stackalloc byte[5];
        int n = 0;
        long last = first + span - 1;
        if (isZero || isXZero)
        {
            if (index != first) n = WriteZeroRun(seq, n, (int)(index - first));
            seq[n++] = Val(count, 1);
            if (index != last) n = WriteZeroRun(seq, n, (int)(last - index));
        }
        else
        {
            int value = ValValue(current);
            if (index != first) seq[n++] = Val(value, (int)(index - first));
            seq[n++] = Val(count, 1);
            if (index != last) seq[n++] = Val(value, (int)(last - index));
        }

        // Step 3: replace the old opcode, moving the tail when the length changes.
        int oldLength = isXZero ? 2 : 1;
        int delta = n - oldLength;
        if (delta > 0 && _length + delta > SparseMaxBytes) return Promote(index, count);
        if (delta != 0 && next >= 0) b.AsSpan(next, end - next).CopyTo(b.AsSpan(next + delta));
        _length += delta;
        b[_length] = 0;
        seq[..n].CopyTo(b.AsSpan(p));
        end += delta;
        return Updated(prev, end);
    }

    private static int WriteZeroRun(Span<byte> seq, int n, int length)
    {
        if (length > SparseZeroMaxLen)
        {
            WriteXZero(seq, n, length);
            return n + 2;
        }
        seq[n] = Zero(length);
        return n + 1;
    }

    /// <summary>Step 4: merge adjacent VAL opcodes of equal value (up to 5 opcodes from the previous one), then invalidate the cache.</summary>
    private int Updated(int prev, int end)
    {
        byte[] b = _buffer;
        int p = prev >= 0 ? prev : HeaderSize;
        int scan = 5;
        while (p < end && scan-- > 0)
        {
            byte op = b[p];
            if (IsXZero(op))
            {
                p += 2;
                continue;
            }
            if (IsZero(op))
            {
                p++;
                continue;
            }
            if (p + 1 < end && IsVal(b[p + 1]))
            {
                int v1 = ValValue(op), v2 = ValValue(b[p + 1]);
                if (v1 == v2)
                {
                    int len = ValLen(op) + ValLen(b[p + 1]);
                    if (len <= SparseValMaxLen)
                    {
                        b[p + 1] = Val(v1, len);
                        b.AsSpan(p + 1, end - p).CopyTo(b.AsSpan(p));
                        _length--;
                        b[_length] = 0;
                        end--;
                        continue;
                    }
                }
            }
            p++;
        }
        InvalidateCache();
        return 1;
    }

    /// <summary>Promotes to dense and sets the register there (which always changes it).</summary>
    private int Promote(int index, int count)
    {
        if (!ToDense()) return -1;
        DenseSet(DenseRegisters, index, count);
        return 1;
    }
}
