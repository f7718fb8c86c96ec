using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Valkey.Native.Storage;

/// <summary>
/// HyperLogLog values byte for byte as Valkey stores them in a plain string (hyperloglog.c):
/// a 16-byte header ("HYLL", encoding byte, 3 unused bytes, the cached cardinality as 8
/// little-endian bytes whose top bit marks it stale) followed by either the dense form (16384
/// 6-bit registers packed LSB first, 12288 bytes) or the sparse run-length form (ZERO 00xxxxxx,
/// XZERO 01xxxxxx yyyyyyyy, VAL 1vvvvvxx). Elements are hashed with MurmurHash64A (seed
/// 0xadc83b19) and the cardinality is Ertl's improved estimator, so counts equal Valkey's.
/// <para>
/// Read-only operations work on spans of the stored value; operations that can resize a value
/// (sparse updates, promotion to dense) go through <see cref="HyperLogLogBuffer"/>. The "raw"
/// form (one byte per register) is what merges build. Unpacking and packing dense registers
/// use Vector256/Vector128 when the hardware has them (<see cref="SimdEnabled"/>), with scalar
/// references kept for tests and PFDEBUG SIMD OFF.
/// </para>
/// </summary>
public static class HyperLogLog
{
    public const int P = 14;
    public const int Q = 64 - P;
    public const int Registers = 1 << P;
    public const int BitsPerRegister = 6;
    public const int RegisterMax = (1 << BitsPerRegister) - 1;
    public const int HeaderSize = 16;
    public const int DenseRegisterBytes = (Registers * BitsPerRegister + 7) / 8;
    public const int DenseSize = HeaderSize + DenseRegisterBytes;
    public const byte EncodingDense = 0;
    public const byte EncodingSparse = 1;
    public const byte MaxEncoding = 1;
    public const uint HashSeed = 0xadc83b19;

    public const int SparseValMaxValue = 32;
    public const int SparseValMaxLen = 4;
    public const int SparseZeroMaxLen = 64;
    public const int SparseXZeroMaxLen = 16384;
    /// <summary>Length of a new (empty) HLL: the header and one XZERO:16384.</summary>
    public const int EmptySparseSize = HeaderSize + (Registers + SparseXZeroMaxLen - 1) / SparseXZeroMaxLen * 2;

    private const double AlphaInf = 0.721347520444481703680; // 0.5 / ln(2)

    /// <summary>Whether the vectorized register unpack/pack paths may be used (PFDEBUG SIMD ON|OFF).</summary>
    public static bool SimdEnabled { get; set; } = true;

    /// <summary>True when a vectorized path is in effect (enabled and accelerated by the hardware).</summary>
    public static bool SimdActive => SimdEnabled && Vector128.IsHardwareAccelerated;

    // ---- header ------------------------------------------------------------------------------

    /// <summary>
    /// Valkey's isHLLObjectOrReply minus the type check: at least a header, the "HYLL" magic, a
    /// known encoding and, when dense, exactly the dense size. (A sparse body is checked lazily.)
    /// </summary>
    public static bool IsValid(ReadOnlySpan<byte> value) =>
        value.Length >= HeaderSize
        && value[0] == (byte)'H' && value[1] == (byte)'Y' && value[2] == (byte)'L' && value[3] == (byte)'L'
        && value[4] <= MaxEncoding
        && (value[4] != EncodingDense || value.Length == DenseSize);

    public static bool IsDense(ReadOnlySpan<byte> value) => value[4] == EncodingDense;

    /// <summary>The cached cardinality when its "stale" bit is clear.</summary>
    public static bool TryGetCachedCardinality(ReadOnlySpan<byte> value, out long cardinality)
    {
        ulong card = BinaryPrimitives.ReadUInt64LittleEndian(value.Slice(8, 8));
        cardinality = (long)card;
        return (value[15] & 0x80) == 0;
    }

    public static void SetCachedCardinality(Span<byte> value, ulong cardinality) =>
        BinaryPrimitives.WriteUInt64LittleEndian(value.Slice(8, 8), cardinality);

    public static void InvalidateCache(Span<byte> value) => value[15] |= 0x80;

    /// <summary>Writes a new empty sparse HLL (<see cref="EmptySparseSize"/> bytes) and returns its length.</summary>
    public static int WriteEmpty(Span<byte> destination)
    {
        var v = destination[..EmptySparseSize];
        v.Clear();
        "HYLL"u8.CopyTo(v);
        v[4] = EncodingSparse;
        int remaining = Registers, at = HeaderSize;
        while (remaining > 0)
        {
            int run = Math.Min(remaining, SparseXZeroMaxLen);
            WriteXZero(v, at, run);
            at += 2;
            remaining -= run;
        }
        return EmptySparseSize;
    }

    // ---- hashing -----------------------------------------------------------------------------

    /// <summary>MurmurHash2, 64-bit version (endian-neutral, as Valkey's MurmurHash64A).</summary>
    public static ulong MurmurHash64A(ReadOnlySpan<byte> key, uint seed)
    {
        const ulong m = 0xc6a4a7935bd1e995;
        const int r = 47;
        ulong h = seed ^ ((ulong)key.Length * m);
        int blocks = key.Length & ~7;
        for (int i = 0; i < blocks; i += 8)
        {
            ulong k = BinaryPrimitives.ReadUInt64LittleEndian(key.Slice(i, 8));
            k *= m;
            k ^= k >> r;
            k *= m;
            h ^= k;
            h *= m;
        }
        int tail = key.Length & 7;
        if (tail > 0)
        {
            for (int i = tail - 1; i >= 0; i--) h ^= (ulong)key[blocks + i] << (8 * i);
            h *= m;
        }
        h ^= h >> r;
        h *= m;
        h ^= h >> r;
        return h;
    }

    /// <summary>
    /// The register an element maps to (<paramref name="index"/>) and the length of the "000..1"
    /// pattern of the rest of its hash, counting the final 1 (1 to Q+1).
    /// </summary>
    public static int PatternLength(ReadOnlySpan<byte> element, out int index)
    {
        ulong hash = MurmurHash64A(element, HashSeed);
        index = (int)(hash & (Registers - 1));
        hash >>= P;
        hash |= 1UL << Q;
        return 1 + BitOperations.TrailingZeroCount(hash);
    }

    // ---- dense registers ---------------------------------------------------------------------

    /// <summary>Register <paramref name="index"/> of packed dense registers (the bytes after the header).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int GetRegister(ReadOnlySpan<byte> registers, int index)
    {
        int bit = index * BitsPerRegister;
        int at = bit >> 3, shift = bit & 7;
        int value = registers[at] >> shift;
        if (shift > 2) value |= registers[at + 1] << (8 - shift);
        return value & RegisterMax;
    }

    /// <summary>Sets register <paramref name="index"/> to <paramref name="value"/> (0..63).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SetRegister(Span<byte> registers, int index, int value)
    {
        int bit = index * BitsPerRegister;
        int at = bit >> 3, shift = bit & 7;
        registers[at] = (byte)((registers[at] & ~(RegisterMax << shift)) | (value << shift));
        if (shift > 2)
        {
            int high = 8 - shift;
            registers[at + 1] = (byte)((registers[at + 1] & ~(RegisterMax >> high)) | (value >> high));
        }
    }

    /// <summary>Raises a dense register to <paramref name="count"/> if it is lower; true if it changed.</summary>
    public static bool DenseSet(Span<byte> registers, int index, int count)
    {
        if (count <= GetRegister(registers, index)) return false;
        SetRegister(registers, index, count);
        return true;
    }

    /// <summary>Adds an element to dense registers; true if a register changed.</summary>
    public static bool DenseAdd(Span<byte> registers, ReadOnlySpan<byte> element)
    {
        int count = PatternLength(element, out int index);
        return DenseSet(registers, index, count);
    }

    // ---- raw registers (one byte each) <-> dense ---------------------------------------------

    /// <summary><paramref name="raw"/>[i] = max(raw[i], register i) for every register of a dense body.</summary>
    public static void MergeDense(Span<byte> raw, ReadOnlySpan<byte> registers)
    {
        if (SimdActive) MergeDenseVector(raw, registers);
        else MergeDenseScalar(raw, registers);
    }

    /// <summary>The scalar reference of <see cref="MergeDense"/>.</summary>
    public static void MergeDenseScalar(Span<byte> raw, ReadOnlySpan<byte> registers)
    {
        for (int i = 0; i < Registers; i++)
        {
            int v = GetRegister(registers, i);
            if (v > raw[i]) raw[i] = (byte)v;
        }
    }

    /// <summary>Writes every register of a dense body from <paramref name="raw"/> (values 0..63).</summary>
    public static void CompressDense(Span<byte> registers, ReadOnlySpan<byte> raw)
    {
        if (SimdActive) CompressDenseVector(registers, raw);
        else CompressDenseScalar(registers, raw);
    }

    /// <summary>The scalar reference of <see cref="CompressDense"/>.</summary>
    public static void CompressDenseScalar(Span<byte> registers, ReadOnlySpan<byte> raw)
    {
        for (int i = 0; i < Registers; i++) SetRegister(registers, i, raw[i]);
    }

    // 16 registers live in 12 bytes: four 3-byte groups, each a little-endian 24-bit word holding
    // 4 registers (bits 0-5, 6-11, 12-17, 18-23). Unpacking spreads each group into a 32-bit lane
    // and moves the registers to bits 0, 8, 16 and 24; packing does the reverse.
    private static Vector128<byte> SpreadIndices => Vector128.Create((byte)0, 1, 2, 0x80, 3, 4, 5, 0x80, 6, 7, 8, 0x80, 9, 10, 11, 0x80);
    private static Vector128<byte> GatherIndices => Vector128.Create((byte)0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, 0x80, 0x80, 0x80, 0x80);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> Unpack16(Vector128<byte> packed)
    {
        Vector128<uint> w = Vector128.Shuffle(packed, SpreadIndices).AsUInt32();
        Vector128<uint> r = (w & Vector128.Create(0x3Fu))
            | ((w << 2) & Vector128.Create(0x3F00u))
            | ((w << 4) & Vector128.Create(0x3F0000u))
            | ((w << 6) & Vector128.Create(0x3F000000u));
        return r.AsByte();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> Pack16(Vector128<byte> raw)
    {
        Vector128<uint> x = raw.AsUInt32();
        Vector128<uint> w = (x & Vector128.Create(0x3Fu))
            | ((x & Vector128.Create(0x3F00u)) >> 2)
            | ((x & Vector128.Create(0x3F0000u)) >> 4)
            | ((x & Vector128.Create(0x3F000000u)) >> 6);
        return Vector128.Shuffle(w.AsByte(), GatherIndices);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<byte> Unpack32(Vector256<byte> twoGroups)
    {
        Vector256<byte> spread = Vector256.Create(SpreadIndices, SpreadIndices);
        Vector256<uint> w = Avx2.Shuffle(twoGroups, spread).AsUInt32();
        Vector256<uint> r = (w & Vector256.Create(0x3Fu))
            | ((w << 2) & Vector256.Create(0x3F00u))
            | ((w << 4) & Vector256.Create(0x3F0000u))
            | ((w << 6) & Vector256.Create(0x3F000000u));
        return r.AsByte();
    }

    /// <summary>Vectorized <see cref="MergeDenseScalar"/> (same result).</summary>
    public static void MergeDenseVector(Span<byte> raw, ReadOnlySpan<byte> registers) => MergeDenseVector(raw, registers, Avx2.IsSupported);

    /// <summary><see cref="MergeDenseVector(Span{byte}, ReadOnlySpan{byte})"/>; tests pass false to check the Vector128 path on AVX2 hardware.</summary>
    internal static void MergeDenseVector(Span<byte> raw, ReadOnlySpan<byte> registers, bool useAvx2)
    {
        if (raw.Length < Registers || registers.Length < DenseRegisterBytes) throw new ArgumentException("register buffers too small");
        ref byte src = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(registers);
        ref byte dst = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(raw);
        const int groups = Registers / 16; // 16 registers per 12 packed bytes
        int g = 0;
        // A 16-byte load of group g reads 4 bytes of group g+1, so the last group is done in scalar code.
        if (useAvx2 && Avx2.IsSupported)
        {
            for (; g + 1 < groups - 1; g += 2)
            {
                var packed = Vector256.Create(
                    Vector128.LoadUnsafe(ref src, (nuint)(g * 12)),
                    Vector128.LoadUnsafe(ref src, (nuint)(g * 12 + 12)));
                var current = Vector256.LoadUnsafe(ref dst, (nuint)(g * 16));
                Vector256.Max(current, Unpack32(packed)).StoreUnsafe(ref dst, (nuint)(g * 16));
            }
        }
        for (; g < groups - 1; g++)
        {
            var packed = Vector128.LoadUnsafe(ref src, (nuint)(g * 12));
            var current = Vector128.LoadUnsafe(ref dst, (nuint)(g * 16));
            Vector128.Max(current, Unpack16(packed)).StoreUnsafe(ref dst, (nuint)(g * 16));
        }
        for (int i = g * 16; i < Registers; i++)
        {
            int v = GetRegister(registers, i);
            if (v > raw[i]) raw[i] = (byte)v;
        }
    }

    /// <summary>Vectorized <see cref="CompressDenseScalar"/> (same result).</summary>
    public static void CompressDenseVector(Span<byte> registers, ReadOnlySpan<byte> raw) => CompressDenseVector(registers, raw, Avx2.IsSupported);

    /// <summary><see cref="CompressDenseVector(Span{byte}, ReadOnlySpan{byte})"/>; tests pass false to check the Vector128 path on AVX2 hardware.</summary>
    internal static void CompressDenseVector(Span<byte> registers, ReadOnlySpan<byte> raw, bool useAvx2)
    {
        if (raw.Length < Registers || registers.Length < DenseRegisterBytes) throw new ArgumentException("register buffers too small");
        ref byte src = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(raw);
        ref byte dst = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(registers);
        const int groups = Registers / 16;
        int g = 0;
        // Each 16-byte store writes 4 zero bytes into the next group, which the next store (or
        // the scalar tail, for the last group) overwrites: ascending order matters.
        if (useAvx2 && Avx2.IsSupported)
        {
            Vector256<byte> gather = Vector256.Create(GatherIndices, GatherIndices);
            for (; g + 1 < groups - 1; g += 2)
            {
                Vector256<uint> x = Vector256.LoadUnsafe(ref src, (nuint)(g * 16)).AsUInt32();
                Vector256<uint> w = (x & Vector256.Create(0x3Fu))
                    | ((x & Vector256.Create(0x3F00u)) >> 2)
                    | ((x & Vector256.Create(0x3F0000u)) >> 4)
                    | ((x & Vector256.Create(0x3F000000u)) >> 6);
                Vector256<byte> packed = Avx2.Shuffle(w.AsByte(), gather);
                packed.GetLower().StoreUnsafe(ref dst, (nuint)(g * 12));
                packed.GetUpper().StoreUnsafe(ref dst, (nuint)(g * 12 + 12));
            }
        }
        for (; g < groups - 1; g++)
        {
            Pack16(Vector128.LoadUnsafe(ref src, (nuint)(g * 16))).StoreUnsafe(ref dst, (nuint)(g * 12));
        }
        for (int i = g * 16; i < Registers; i++) SetRegister(registers, i, raw[i]);
    }

    // ---- sparse ------------------------------------------------------------------------------

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool IsZero(byte op) => (op & 0xC0) == 0;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool IsXZero(byte op) => (op & 0xC0) == 0x40;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool IsVal(byte op) => (op & 0x80) != 0;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int ZeroLen(byte op) => (op & 0x3F) + 1;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int XZeroLen(byte op, byte next) => (((op & 0x3F) << 8) | next) + 1;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int ValValue(byte op) => ((op >> 2) & 0x1F) + 1;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int ValLen(byte op) => (op & 0x3) + 1;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static byte Val(int value, int len) => (byte)(((value - 1) << 2) | (len - 1) | 0x80);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static byte Zero(int len) => (byte)(len - 1);

    internal static void WriteXZero(Span<byte> buffer, int at, int len)
    {
        int l = len - 1;
        buffer[at] = (byte)((l >> 8) | 0x40);
        buffer[at + 1] = (byte)(l & 0xFF);
    }

    /// <summary>The byte after an XZERO opcode; a truncated opcode at the very end reads 0, like Valkey's string terminator.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static byte Next(ReadOnlySpan<byte> body, int at) => at + 1 < body.Length ? body[at + 1] : (byte)0;

    /// <summary>
    /// Walks the opcodes of a sparse body calling <paramref name="visitor"/> for each VAL run.
    /// False when the runs do not cover exactly the 16384 registers (a corrupted value).
    /// </summary>
    private static bool WalkSparse<TVisitor>(ReadOnlySpan<byte> body, ref TVisitor visitor) where TVisitor : struct, ISparseVisitor, allows ref struct
    {
        long index = 0;
        int p = 0;
        while (p < body.Length)
        {
            byte op = body[p];
            if (IsZero(op))
            {
                int run = ZeroLen(op);
                if (index + run > Registers) return false;
                visitor.Zeros(run);
                index += run;
                p++;
            }
            else if (IsXZero(op))
            {
                int run = XZeroLen(op, Next(body, p));
                if (index + run > Registers) return false;
                visitor.Zeros(run);
                index += run;
                p += 2;
            }
            else
            {
                int run = ValLen(op);
                if (index + run > Registers) return false;
                visitor.Values((int)index, run, ValValue(op));
                index += run;
                p++;
            }
        }
        return index == Registers;
    }

    private interface ISparseVisitor
    {
        void Zeros(int run);
        void Values(int first, int run, int value);
    }

    private ref struct MaxVisitor(Span<byte> raw) : ISparseVisitor
    {
        private readonly Span<byte> _raw = raw;
        public readonly void Zeros(int run) { }
        public readonly void Values(int first, int run, int value)
        {
            for (int i = first; i < first + run; i++) if (value > _raw[i]) _raw[i] = (byte)value;
        }
    }

    private ref struct DenseVisitor(Span<byte> registers) : ISparseVisitor
    {
        private readonly Span<byte> _registers = registers;
        public readonly void Zeros(int run) { }
        public readonly void Values(int first, int run, int value)
        {
            for (int i = first; i < first + run; i++) SetRegister(_registers, i, value);
        }
    }

    private ref struct HistogramVisitor(Span<int> histogram) : ISparseVisitor
    {
        private readonly Span<int> _histogram = histogram;
        public readonly void Zeros(int run) => _histogram[0] += run;
        public readonly void Values(int first, int run, int value) => _histogram[value] += run;
    }

    /// <summary>
    /// Merges a validated HLL value (dense or sparse) into <paramref name="raw"/> (max per register).
    /// False if a sparse value is corrupted (then <paramref name="raw"/> may be partly updated, as in Valkey).
    /// </summary>
    public static bool Merge(Span<byte> raw, ReadOnlySpan<byte> value)
    {
        if (IsDense(value))
        {
            MergeDense(raw, value[HeaderSize..]);
            return true;
        }
        var visitor = new MaxVisitor(raw);
        return WalkSparse(value[HeaderSize..], ref visitor);
    }

    /// <summary>
    /// Converts a sparse value into the dense one in <paramref name="dense"/> (<see cref="DenseSize"/>
    /// bytes): the header is copied (magic, unused bytes and cached cardinality) with the encoding
    /// set to dense. False if the sparse value is corrupted.
    /// </summary>
    public static bool SparseToDense(ReadOnlySpan<byte> sparse, Span<byte> dense)
    {
        dense = dense[..DenseSize];
        dense.Clear();
        sparse[..HeaderSize].CopyTo(dense);
        dense[4] = EncodingDense;
        var visitor = new DenseVisitor(dense[HeaderSize..]);
        return WalkSparse(sparse[HeaderSize..], ref visitor);
    }

    /// <summary>PFDEBUG DECODE: "Z:n" for XZERO, "z:n" for ZERO, "v:value,len" for VAL, space separated.</summary>
    public static string DecodeSparse(ReadOnlySpan<byte> value)
    {
        var body = value[HeaderSize..];
        var text = new System.Text.StringBuilder();
        int p = 0;
        while (p < body.Length)
        {
            byte op = body[p];
            if (IsZero(op))
            {
                text.Append("z:").Append(ZeroLen(op)).Append(' ');
                p++;
            }
            else if (IsXZero(op))
            {
                text.Append("Z:").Append(XZeroLen(op, Next(body, p))).Append(' ');
                p += 2;
            }
            else
            {
                text.Append("v:").Append(ValValue(op)).Append(',').Append(ValLen(op)).Append(' ');
                p++;
            }
        }
        return text.ToString().Trim(' ');
    }

    // ---- self test (PFSELFTEST) -------------------------------------------------------------

    /// <summary>
    /// PFSELFTEST: (1) 1000 rounds of random values written to and read back from every dense
    /// register; (2) ten million distinct elements added to a dense and a sparse HLL side by side,
    /// checking at 1, 10, 100... that the sparse one stays sparse while small, that both count
    /// alike and that the error is within 6 standard errors. Returns null or Valkey's failure text.
    /// </summary>
    public static string? SelfTest(long sparseMaxBytes, Random random)
    {
        var dense = new byte[DenseSize];
        "HYLL"u8.CopyTo(dense);
        Span<byte> registers = dense.AsSpan(HeaderSize);
        var expected = new byte[Registers];
        for (int round = 0; round < 1000; round++)
        {
            for (int i = 0; i < Registers; i++)
            {
                int r = random.Next() & RegisterMax;
                expected[i] = (byte)r;
                SetRegister(registers, i, r);
            }
            for (int i = 0; i < Registers; i++)
            {
                int v = GetRegister(registers, i);
                if (v != expected[i]) return $"TESTFAILED Register {i} should be {expected[i]} but is {v}";
            }
        }

        registers.Clear();
        var sparse = new HyperLogLogBuffer { SparseMaxBytes = sparseMaxBytes };
        sparse.LoadEmpty();
        double relativeError = 1.04 / Math.Sqrt(Registers);
        long checkpoint = 1;
        ulong seed = (ulong)(uint)random.Next() | (ulong)(uint)random.Next() << 32;
        Span<byte> element = stackalloc byte[8];
        for (uint j = 1; j <= 10_000_000; j++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(element, j ^ seed);
            DenseAdd(registers, element);
            sparse.Add(element);
            if (j != checkpoint) continue;

            if (j < sparseMaxBytes / 2 && sparse.IsDense) return "TESTFAILED sparse encoding not used";
            TryCount(dense, out ulong denseCount);
            TryCount(sparse.Value, out ulong sparseCount);
            if (denseCount != sparseCount) return "TESTFAILED dense/sparse disagree";
            long error = Math.Abs(checkpoint - (long)denseCount);
            long maxError = j == 10 ? 1 : (long)Math.Ceiling(relativeError * 6 * checkpoint);
            if (error > maxError) return $"TESTFAILED Too big error. card:{checkpoint} abserr:{error}";
            checkpoint *= 10;
        }
        return null;
    }

    // ---- counting ----------------------------------------------------------------------------

    /// <summary>
    /// The estimate of a validated value (dense or sparse). False if the sparse form is
    /// corrupted. Ignores (and does not touch) the cached cardinality.
    /// </summary>
    public static bool TryCount(ReadOnlySpan<byte> value, out ulong cardinality)
    {
        Span<int> histogram = stackalloc int[64];
        histogram.Clear();
        if (IsDense(value))
        {
            DenseHistogram(value[HeaderSize..], histogram);
        }
        else
        {
            var visitor = new HistogramVisitor(histogram);
            if (!WalkSparse(value[HeaderSize..], ref visitor))
            {
                cardinality = 0;
                return false;
            }
        }
        cardinality = Estimate(histogram);
        return true;
    }

    /// <summary>The estimate of raw registers (one byte each; PFCOUNT of several keys).</summary>
    public static ulong CountRaw(ReadOnlySpan<byte> raw)
    {
        Span<int> histogram = stackalloc int[64];
        histogram.Clear();
        RawHistogram(raw, histogram);
        return Estimate(histogram);
    }

    /// <summary>Histogram of dense registers (64 buckets).</summary>
    public static void DenseHistogram(ReadOnlySpan<byte> registers, Span<int> histogram)
    {
        if (SimdActive)
        {
            Span<byte> raw = stackalloc byte[Registers];
            raw.Clear();
            MergeDenseVector(raw, registers);
            RawHistogram(raw, histogram);
        }
        else
        {
            DenseHistogramScalar(registers, histogram);
        }
    }

    /// <summary>The scalar reference of <see cref="DenseHistogram"/>.</summary>
    public static void DenseHistogramScalar(ReadOnlySpan<byte> registers, Span<int> histogram)
    {
        for (int i = 0; i < Registers; i++) histogram[GetRegister(registers, i)]++;
    }

    /// <summary>Histogram of raw registers (64 buckets; register values must be below 64).</summary>
    public static void RawHistogram(ReadOnlySpan<byte> raw, Span<int> histogram)
    {
        raw = raw[..Registers];
        if (SimdActive && Vector256.IsHardwareAccelerated) RawHistogramVector256(raw, histogram);
        else if (SimdActive) RawHistogramVector128(raw, histogram);
        else RawHistogramScalar(raw, histogram);
    }

    /// <summary>The scalar reference of <see cref="RawHistogram"/> (all-zero words are counted at once, as in Valkey).</summary>
    public static void RawHistogramScalar(ReadOnlySpan<byte> raw, Span<int> histogram)
    {
        for (int i = 0; i < Registers; i += 8)
        {
            if (BinaryPrimitives.ReadUInt64LittleEndian(raw.Slice(i, 8)) == 0)
            {
                histogram[0] += 8;
                continue;
            }
            for (int j = i; j < i + 8; j++) histogram[raw[j]]++;
        }
    }

    // Vectorized histograms count one register value at a time over the whole 16 KB (which stays
    // in L1): compare-equal gives -1 per matching byte, subtracted into byte counters that are
    // widened and summed every 255 rounds. Only values up to the highest register are counted;
    // typical HLLs top out around 20-30, so this beats the serialized scalar increments.
    internal static void RawHistogramVector256(ReadOnlySpan<byte> raw, Span<int> histogram)
    {
        ref byte start = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(raw);
        Vector256<byte> highest = Vector256<byte>.Zero;
        for (int i = 0; i < Registers; i += 32) highest = Vector256.Max(highest, Vector256.LoadUnsafe(ref start, (nuint)i));
        int top = 0;
        for (int lane = 0; lane < Vector256<byte>.Count; lane++) top = Math.Max(top, highest.GetElement(lane));
        if (top >= histogram.Length)
        {
            RawHistogramScalar(raw, histogram);
            return;
        }
        // Four values per pass share the loads and keep four independent counters.
        for (int value = 0; value <= top; value += 4)
        {
            Vector256<byte> n0 = Vector256.Create((byte)value), n1 = Vector256.Create((byte)(value + 1));
            Vector256<byte> n2 = Vector256.Create((byte)(value + 2)), n3 = Vector256.Create((byte)(value + 3));
            int t0 = 0, t1 = 0, t2 = 0, t3 = 0;
            for (int i = 0; i < Registers;)
            {
                Vector256<byte> c0 = Vector256<byte>.Zero, c1 = c0, c2 = c0, c3 = c0;
                int end = Math.Min(Registers, i + 255 * 32);
                for (; i < end; i += 32)
                {
                    Vector256<byte> x = Vector256.LoadUnsafe(ref start, (nuint)i);
                    c0 -= Vector256.Equals(x, n0);
                    c1 -= Vector256.Equals(x, n1);
                    c2 -= Vector256.Equals(x, n2);
                    c3 -= Vector256.Equals(x, n3);
                }
                t0 += SumBytes(c0);
                t1 += SumBytes(c1);
                t2 += SumBytes(c2);
                t3 += SumBytes(c3);
            }
            histogram[value] += t0;
            if (value + 1 < histogram.Length) histogram[value + 1] += t1;
            if (value + 2 < histogram.Length) histogram[value + 2] += t2;
            if (value + 3 < histogram.Length) histogram[value + 3] += t3;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int SumBytes(Vector256<byte> counts)
    {
        (Vector256<ushort> low, Vector256<ushort> high) = Vector256.Widen(counts);
        return Vector256.Sum(low + high);
    }

    internal static void RawHistogramVector128(ReadOnlySpan<byte> raw, Span<int> histogram)
    {
        ref byte start = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(raw);
        Vector128<byte> highest = Vector128<byte>.Zero;
        for (int i = 0; i < Registers; i += 16) highest = Vector128.Max(highest, Vector128.LoadUnsafe(ref start, (nuint)i));
        int top = 0;
        for (int lane = 0; lane < Vector128<byte>.Count; lane++) top = Math.Max(top, highest.GetElement(lane));
        if (top >= histogram.Length)
        {
            RawHistogramScalar(raw, histogram);
            return;
        }
        for (int value = 0; value <= top; value++)
        {
            Vector128<byte> needle = Vector128.Create((byte)value);
            int total = 0;
            for (int i = 0; i < Registers;)
            {
                Vector128<byte> counts = Vector128<byte>.Zero;
                int end = Math.Min(Registers, i + 255 * 16);
                for (; i < end; i += 16) counts -= Vector128.Equals(Vector128.LoadUnsafe(ref start, (nuint)i), needle);
                (Vector128<ushort> low, Vector128<ushort> high) = Vector128.Widen(counts);
                total += Vector128.Sum(low + high);
            }
            histogram[value] += total;
        }
    }

    /// <summary>
    /// Ertl's improved estimator ("New cardinality estimation algorithms for HyperLogLog
    /// sketches", arXiv:1702.01284) from a register histogram, evaluated in the same order of
    /// double operations as Valkey's hllCount so results are identical.
    /// </summary>
    public static ulong Estimate(ReadOnlySpan<int> histogram)
    {
        const double m = Registers;
        double z = m * Tau((m - histogram[Q + 1]) / m);
        for (int j = Q; j >= 1; j--)
        {
            z += histogram[j];
            z *= 0.5;
        }
        z += m * Sigma(histogram[0] / m);
        double e = Math.Round(AlphaInf * m * m / z, MidpointRounding.AwayFromZero);
        return (ulong)e;
    }

    public static double Sigma(double x)
    {
        if (x == 1.0) return double.PositiveInfinity;
        double zPrevious;
        double y = 1;
        double z = x;
        do
        {
            x *= x;
            zPrevious = z;
            z += x * y;
            y += y;
        } while (zPrevious != z);
        return z;
    }

    public static double Tau(double x)
    {
        if (x == 0.0 || x == 1.0) return 0.0;
        double zPrevious;
        double y = 1.0;
        double z = 1 - x;
        do
        {
            x = Math.Sqrt(x);
            zPrevious = z;
            y *= 0.5;
            double d = 1 - x;
            z -= d * d * y;
        } while (zPrevious != z);
        return z / 3;
    }
}
