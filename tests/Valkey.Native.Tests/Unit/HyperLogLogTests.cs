using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using NUnit.Framework;
using Valkey.Native.Storage;

namespace Valkey.Native.Tests.Unit;

/// <summary>
/// <see cref="HyperLogLog"/> and <see cref="HyperLogLogBuffer"/> on their own: bytes and counts
/// equal to what Redis 7 / Valkey produce for the same elements (reference values recorded from
/// redis-server 7.0.15), the sparse update path against a dense model, promotion rules, the
/// vectorized register paths against their scalar references, and corrupted values.
/// </summary>
[TestFixture]
public sealed class HyperLogLogTests
{
    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    private static byte[] Hex(string hex) => Convert.FromHexString(hex);

    private static HyperLogLogBuffer NewHll(long sparseMaxBytes = 3000)
    {
        var hll = new HyperLogLogBuffer { SparseMaxBytes = sparseMaxBytes };
        hll.LoadEmpty();
        return hll;
    }

    private static int AddAll(HyperLogLogBuffer hll, IEnumerable<string> elements)
    {
        int updated = 0;
        foreach (var e in elements)
        {
            int r = hll.Add(B(e));
            Assert.That(r, Is.GreaterThanOrEqualTo(0), $"adding {e}");
            updated += r;
        }
        return updated;
    }

    private static ulong Count(ReadOnlySpan<byte> value)
    {
        Assert.That(HyperLogLog.TryCount(value, out ulong card), Is.True, "value is well formed");
        return card;
    }

    /// <summary>The registers of any valid value, one byte each (sparse values are expanded).</summary>
    private static byte[] RawRegisters(ReadOnlySpan<byte> value)
    {
        var raw = new byte[HyperLogLog.Registers];
        Assert.That(HyperLogLog.Merge(raw, value), Is.True);
        return raw;
    }

    private static byte[] RandomRaw(Random random, int maxValue)
    {
        var raw = new byte[HyperLogLog.Registers];
        for (int i = 0; i < raw.Length; i++) raw[i] = (byte)random.Next(maxValue + 1);
        return raw;
    }

    // ---- bytes equal to Valkey's ---------------------------------------------------------------

    [Test]
    public void EmptyHllIsOneXZeroRun()
    {
        var hll = NewHll();
        Assert.That(hll.Value.ToArray(), Is.EqualTo(Hex("48594C4C010000000000000000000000" + "7FFF")));
        Assert.That(hll.Length, Is.EqualTo(HyperLogLog.EmptySparseSize));
        Assert.That(HyperLogLog.DecodeSparse(hll.Value), Is.EqualTo("Z:16384"));
        Assert.That(Count(hll.Value), Is.EqualTo(0UL));
    }

    [Test]
    public void SmallSetsProduceRedisSparseBytes()
    {
        var hll = NewHll();
        Assert.That(AddAll(hll, ["a", "b", "c"]), Is.EqualTo(3));
        // redis-server 7.0.15: PFADD h a b c; GET h (the cache is marked stale by the adds).
        Assert.That(hll.Value.ToArray(), Is.EqualTo(Hex("48594C4C010000000000000000000080" + "60F38050B1844BFB80425A")));
        Assert.That(HyperLogLog.DecodeSparse(hll.Value), Is.EqualTo("Z:8436 v:1,1 Z:4274 v:2,1 Z:3068 v:1,1 Z:603"));
        Assert.That(Count(hll.Value), Is.EqualTo(3UL));

        var other = NewHll();
        AddAll(other, ["hello", "world"]);
        Assert.That(Convert.ToHexString(other.Value).ToLowerInvariant(), Is.EqualTo("48594c4c0100000000000000000000804ab5885948805bfe"));
        Assert.That(HyperLogLog.DecodeSparse(other.Value), Is.EqualTo("Z:2742 v:3,1 Z:6473 v:1,1 Z:7167"));
        Assert.That(Count(other.Value), Is.EqualTo(2UL));
    }

    [Test]
    public void LargerSetsMatchRedisBytesAndCounts()
    {
        // redis-server 7.0.15: PFADD of "e:0".."e:(n-1)" in batches of 1000, then STRLEN/SHA-256 of GET and PFCOUNT.
        var expected = new (int N, ulong Count, bool Dense, int Length)[]
        {
            (1, 1, false, 21), (10, 10, false, 48), (100, 100, false, 279), (1000, 995, false, 1880),
            (10000, 10077, true, 12304), (100000, 100342, true, 12304),
        };
        foreach (var (n, count, dense, length) in expected)
        {
            var hll = NewHll();
            AddAll(hll, Enumerable.Range(0, n).Select(i => $"e:{i}"));
            Assert.That(hll.IsDense, Is.EqualTo(dense), $"n={n}");
            Assert.That(hll.Length, Is.EqualTo(length), $"n={n}");
            Assert.That(Count(hll.Value), Is.EqualTo(count), $"n={n}");
            string sha = Convert.ToHexString(SHA256.HashData(hll.Value)).ToLowerInvariant();
            if (n == 1000) Assert.That(sha, Is.EqualTo("c2671a9624dab5ce1b720750b043da93e6c1cfb2bf4b545672c63a6ac04f30f8"));
            if (n == 10000) Assert.That(sha, Is.EqualTo("f900667938e991c396c6f8cea8ee52416b0e05c121eb5ef1097f9f192f7b074a"));
        }
    }

    [Test]
    public void MurmurHash64AFollowsTheReferenceAlgorithm()
    {
        // A straightforward transcription of the published MurmurHash64A, byte-wise tail.
        static ulong Reference(byte[] key, uint seed)
        {
            const ulong m = 0xc6a4a7935bd1e995;
            ulong h = seed ^ (ulong)key.Length * m;
            int i = 0;
            for (; i + 8 <= key.Length; i += 8)
            {
                ulong k = BitConverter.ToUInt64(key, i);
                k *= m; k ^= k >> 47; k *= m;
                h ^= k; h *= m;
            }
            int rest = key.Length - i;
            if (rest >= 7) h ^= (ulong)key[i + 6] << 48;
            if (rest >= 6) h ^= (ulong)key[i + 5] << 40;
            if (rest >= 5) h ^= (ulong)key[i + 4] << 32;
            if (rest >= 4) h ^= (ulong)key[i + 3] << 24;
            if (rest >= 3) h ^= (ulong)key[i + 2] << 16;
            if (rest >= 2) h ^= (ulong)key[i + 1] << 8;
            if (rest >= 1) { h ^= key[i]; h *= m; }
            h ^= h >> 47; h *= m; h ^= h >> 47;
            return h;
        }
        var random = new Random(5);
        for (int len = 0; len < 40; len++)
        {
            var key = new byte[len];
            random.NextBytes(key);
            Assert.That(HyperLogLog.MurmurHash64A(key, HyperLogLog.HashSeed), Is.EqualTo(Reference(key, HyperLogLog.HashSeed)), $"length {len}");
        }
    }

    [Test]
    public void PatternLengthIsBetweenOneAndQPlusOne()
    {
        for (int i = 0; i < 20000; i++)
        {
            int count = HyperLogLog.PatternLength(B($"x{i}"), out int index);
            Assert.That(index, Is.InRange(0, HyperLogLog.Registers - 1));
            Assert.That(count, Is.InRange(1, HyperLogLog.Q + 1));
        }
    }

    // ---- registers -----------------------------------------------------------------------------

    [Test]
    public void DenseRegistersRoundTripWithoutDisturbingNeighbours()
    {
        var random = new Random(1);
        var registers = new byte[HyperLogLog.DenseRegisterBytes];
        var model = new int[HyperLogLog.Registers];
        for (int round = 0; round < 5; round++)
        {
            for (int i = 0; i < model.Length; i++)
            {
                model[i] = random.Next(64);
                HyperLogLog.SetRegister(registers, i, model[i]);
            }
            for (int i = 0; i < model.Length; i++) Assert.That(HyperLogLog.GetRegister(registers, i), Is.EqualTo(model[i]), $"register {i}");
        }
        // Bit layout: register i occupies bits 6i..6i+5, LSB first.
        Array.Clear(registers);
        HyperLogLog.SetRegister(registers, 1, 0x3F);
        Assert.That(registers[0], Is.EqualTo(0xC0));
        Assert.That(registers[1], Is.EqualTo(0x0F));
        HyperLogLog.SetRegister(registers, HyperLogLog.Registers - 1, 0x3F);
        Assert.That(registers[^1], Is.EqualTo(0xFC));
    }

    [Test]
    public void DenseSetOnlyRaises()
    {
        var registers = new byte[HyperLogLog.DenseRegisterBytes];
        Assert.That(HyperLogLog.DenseSet(registers, 77, 5), Is.True);
        Assert.That(HyperLogLog.DenseSet(registers, 77, 5), Is.False);
        Assert.That(HyperLogLog.DenseSet(registers, 77, 3), Is.False);
        Assert.That(HyperLogLog.GetRegister(registers, 77), Is.EqualTo(5));
    }

    [TestCase(true)]
    [TestCase(false)]
    public void VectorMergeAndCompressMatchScalarReferences(bool useAvx2)
    {
        var random = new Random(2);
        for (int round = 0; round < 20; round++)
        {
            var source = RandomRaw(random, round % 2 == 0 ? 63 : 5);
            var packed = new byte[HyperLogLog.DenseRegisterBytes];
            HyperLogLog.CompressDenseScalar(packed, source);
            var packedVector = new byte[HyperLogLog.DenseRegisterBytes];
            random.NextBytes(packedVector); // compress overwrites everything
            HyperLogLog.CompressDenseVector(packedVector, source, useAvx2);
            Assert.That(packedVector, Is.EqualTo(packed), "compress");

            var start = RandomRaw(random, 40);
            var scalar = (byte[])start.Clone();
            var vector = (byte[])start.Clone();
            HyperLogLog.MergeDenseScalar(scalar, packed);
            HyperLogLog.MergeDenseVector(vector, packed, useAvx2);
            Assert.That(vector, Is.EqualTo(scalar), "merge");
            for (int i = 0; i < scalar.Length; i++) Assert.That(scalar[i], Is.EqualTo(Math.Max(start[i], source[i])));
        }
    }

    [Test]
    public void VectorHistogramsMatchScalarReferences()
    {
        var random = new Random(8);
        foreach (int top in new[] { 0, 1, 3, 4, 5, 20, 51, 62, 63 })
        {
            var raw = RandomRaw(random, top);
            if (top > 2) Array.Clear(raw, 100, 3000); // long zero stretches, as in sparse-ish HLLs
            var packed = new byte[HyperLogLog.DenseRegisterBytes];
            HyperLogLog.CompressDenseScalar(packed, raw);

            var expected = new int[64];
            foreach (byte r in raw) expected[r]++;
            var histograms = new int[5][];
            for (int k = 0; k < histograms.Length; k++) histograms[k] = new int[64];
            HyperLogLog.RawHistogramScalar(raw, histograms[0]);
            HyperLogLog.RawHistogramVector128(raw, histograms[1]);
            if (System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated) HyperLogLog.RawHistogramVector256(raw, histograms[2]);
            else HyperLogLog.RawHistogramScalar(raw, histograms[2]);
            HyperLogLog.DenseHistogramScalar(packed, histograms[3]);
            HyperLogLog.DenseHistogram(packed, histograms[4]);
            for (int k = 0; k < histograms.Length; k++) Assert.That(histograms[k], Is.EqualTo(expected), $"top {top}, histogram {k}");
        }
    }

    [Test]
    public void SimdSwitchDoesNotChangeResults()
    {
        var hll = NewHll(0);
        AddAll(hll, Enumerable.Range(0, 5000).Select(i => $"s{i}"));
        Assert.That(hll.IsDense, Is.True);
        bool saved = HyperLogLog.SimdEnabled;
        try
        {
            HyperLogLog.SimdEnabled = false;
            ulong scalar = Count(hll.Value);
            byte[] rawScalar = RawRegisters(hll.Value);
            HyperLogLog.SimdEnabled = true;
            Assert.That(Count(hll.Value), Is.EqualTo(scalar));
            Assert.That(RawRegisters(hll.Value), Is.EqualTo(rawScalar));
        }
        finally
        {
            HyperLogLog.SimdEnabled = saved;
        }
    }

    // ---- sparse updates ------------------------------------------------------------------------

    [Test]
    public void SparseUpdatesAgreeWithADenseModel()
    {
        var random = new Random(3);
        for (int round = 0; round < 30; round++)
        {
            var sparse = NewHll(long.MaxValue);
            var model = new byte[HyperLogLog.Registers];
            int adds = random.Next(1, 3000);
            for (int i = 0; i < adds; i++)
            {
                // Clustered indexes exercise VAL splits and merges, not only XZERO splits.
                int index = round % 3 == 0 ? random.Next(64) : random.Next(HyperLogLog.Registers);
                int count = random.Next(1, 33);
                int expected = count > model[index] ? 1 : 0;
                Assert.That(sparse.Set(index, count), Is.EqualTo(expected), $"round {round} add {i}");
                model[index] = (byte)Math.Max(model[index], count);
            }
            Assert.That(sparse.IsDense, Is.False);
            Assert.That(RawRegisters(sparse.Value), Is.EqualTo(model));
            AssertCanonicalSparse(sparse.Value);

            var dense = new byte[HyperLogLog.DenseSize];
            Assert.That(HyperLogLog.SparseToDense(sparse.Value, dense), Is.True);
            Assert.That(dense[4], Is.EqualTo(HyperLogLog.EncodingDense));
            Assert.That(RawRegisters(dense), Is.EqualTo(model));
            Assert.That(Count(dense), Is.EqualTo(Count(sparse.Value)));
            Assert.That(Count(sparse.Value), Is.EqualTo(HyperLogLog.CountRaw(model)));
        }
    }

    /// <summary>Every opcode is well formed, runs add up, no zero-length XZERO.</summary>
    private static void AssertCanonicalSparse(ReadOnlySpan<byte> value)
    {
        var body = value[HyperLogLog.HeaderSize..];
        int p = 0, total = 0;
        while (p < body.Length)
        {
            byte op = body[p];
            if ((op & 0xC0) == 0x40)
            {
                Assert.That(p + 1, Is.LessThan(body.Length), "XZERO has both bytes");
                total += (((op & 0x3F) << 8) | body[p + 1]) + 1;
                p += 2;
            }
            else
            {
                total += (op & 0x80) != 0 ? (op & 3) + 1 : (op & 0x3F) + 1;
                p++;
            }
        }
        Assert.That(total, Is.EqualTo(HyperLogLog.Registers));
    }

    [Test]
    public void SparseStaysWithinMaxBytesThenPromotes()
    {
        foreach (long max in new long[] { 0, 30, 100, 500, 3000 })
        {
            var hll = NewHll(max);
            int i = 0;
            while (!hll.IsDense)
            {
                Assert.That(hll.Length, Is.LessThanOrEqualTo(Math.Max(max, HyperLogLog.EmptySparseSize)), $"max {max}");
                hll.Add(B($"p{i++}"));
                Assert.That(i, Is.LessThan(100000));
            }
            Assert.That(hll.Length, Is.EqualTo(HyperLogLog.DenseSize));
        }
    }

    [Test]
    public void RegisterAbove32PromotesToDense()
    {
        var hll = NewHll();
        Assert.That(hll.Set(10, 32), Is.EqualTo(1));
        Assert.That(hll.IsDense, Is.False);
        Assert.That(hll.Set(11, 33), Is.EqualTo(1));
        Assert.That(hll.IsDense, Is.True);
        Assert.That(HyperLogLog.GetRegister(hll.DenseRegisters, 10), Is.EqualTo(32));
        Assert.That(HyperLogLog.GetRegister(hll.DenseRegisters, 11), Is.EqualTo(33));
    }

    [Test]
    public void PromotionKeepsTheHeaderAndCache()
    {
        var hll = NewHll();
        AddAll(hll, ["a", "b"]);
        var value = hll.Value.ToArray();
        HyperLogLog.SetCachedCardinality(value, 2);
        value[5] = 7; // an "unused" byte is carried over as Valkey copies the whole header
        hll.Load(value);
        Assert.That(hll.ToDense(), Is.True);
        var dense = hll.Value;
        Assert.That(dense[..4].ToArray(), Is.EqualTo("HYLL"u8.ToArray()));
        Assert.That(dense[4], Is.EqualTo(HyperLogLog.EncodingDense));
        Assert.That(dense[5], Is.EqualTo(7));
        Assert.That(HyperLogLog.TryGetCachedCardinality(dense, out long cached), Is.True);
        Assert.That(cached, Is.EqualTo(2));
    }

    // ---- header and cache ----------------------------------------------------------------------

    [Test]
    public void CachedCardinalityIsLittleEndianWithAStaleBit()
    {
        var value = NewHll().Value.ToArray();
        Assert.That(HyperLogLog.TryGetCachedCardinality(value, out long c), Is.True);
        Assert.That(c, Is.EqualTo(0));
        HyperLogLog.SetCachedCardinality(value, 0x0102030405);
        Assert.That(value[8..16], Is.EqualTo(new byte[] { 5, 4, 3, 2, 1, 0, 0, 0 }));
        HyperLogLog.InvalidateCache(value);
        Assert.That(value[15], Is.EqualTo(0x80));
        Assert.That(HyperLogLog.TryGetCachedCardinality(value, out _), Is.False);
    }

    [Test]
    public void IsValidChecksMagicEncodingAndDenseLength()
    {
        var sparse = NewHll().Value.ToArray();
        Assert.That(HyperLogLog.IsValid(sparse), Is.True);
        Assert.That(HyperLogLog.IsValid(sparse.AsSpan(0, 15)), Is.False, "shorter than a header");
        Assert.That(HyperLogLog.IsValid(sparse.AsSpan(0, 16)), Is.True, "a bare sparse header passes the header check");
        var badMagic = (byte[])sparse.Clone();
        badMagic[2] = (byte)'X';
        Assert.That(HyperLogLog.IsValid(badMagic), Is.False);
        var badEncoding = (byte[])sparse.Clone();
        badEncoding[4] = 2;
        Assert.That(HyperLogLog.IsValid(badEncoding), Is.False);
        var denseHeaderOnSparseLength = (byte[])sparse.Clone();
        denseHeaderOnSparseLength[4] = 0;
        Assert.That(HyperLogLog.IsValid(denseHeaderOnSparseLength), Is.False);
        var dense = new byte[HyperLogLog.DenseSize];
        "HYLL"u8.CopyTo(dense);
        Assert.That(HyperLogLog.IsValid(dense), Is.True);
        Assert.That(HyperLogLog.IsValid(dense.AsSpan(0, HyperLogLog.DenseSize - 1)), Is.False);
    }

    // ---- corrupted values ----------------------------------------------------------------------

    [Test]
    public void CorruptedSparseValuesAreDetected()
    {
        var hll = NewHll();
        AddAll(hll, ["a", "b", "c"]);
        byte[] good = hll.Value.ToArray();

        byte[] tail = [.. good, .. "hello"u8.ToArray()];
        Assert.That(HyperLogLog.TryCount(tail, out _), Is.False, "registers beyond 16384");
        Assert.That(HyperLogLog.Merge(new byte[HyperLogLog.Registers], tail), Is.False);
        Assert.That(HyperLogLog.SparseToDense(tail, new byte[HyperLogLog.DenseSize]), Is.False);

        byte[] shortRuns = good[..^2];
        Assert.That(HyperLogLog.TryCount(shortRuns, out _), Is.False, "registers missing");

        var buffer = new HyperLogLogBuffer();
        buffer.Load(tail);
        Assert.That(buffer.ToDense(), Is.False);
        Assert.That(buffer.Value.ToArray(), Is.EqualTo(tail), "a failed promotion leaves the value alone");
        Assert.That(buffer.Set(0, 40), Is.EqualTo(-1), "promotion of a corrupted value fails");
    }

    [Test]
    public void RunLengthOverflowIsDetectedWithoutCrashing()
    {
        // CVE-2025-32023: XZERO:16384 / ZERO:64 pairs repeated until an int run counter would wrap.
        var header = NewHll().Value[..HyperLogLog.HeaderSize].ToArray();
        var body = new List<byte>();
        for (int i = 0; i < 100000; i++) body.AddRange([0x7F, 0xFF, 0x3F]);
        body.Add(0x80);
        byte[] value = [.. header, .. body];
        Assert.That(HyperLogLog.TryCount(value, out _), Is.False);
        Assert.That(HyperLogLog.Merge(new byte[HyperLogLog.Registers], value), Is.False);
        Assert.That(HyperLogLog.SparseToDense(value, new byte[HyperLogLog.DenseSize]), Is.False);
        var buffer = new HyperLogLogBuffer();
        buffer.Load(value);
        Assert.That(buffer.Set(HyperLogLog.Registers - 1, 40), Is.EqualTo(-1));
        Assert.That(buffer.Value.Length, Is.EqualTo(value.Length), "a failed update leaves the value alone");

        // The working buffer grew for the huge value; trimming gives it up and it still works.
        buffer.TrimExcess();
        buffer.LoadEmpty();
        Assert.That(buffer.Add(B("a")), Is.EqualTo(1));
    }

    [Test]
    public void RandomCorruptionNeverThrows()
    {
        var random = new Random(4);
        for (int round = 0; round < 300; round++)
        {
            var hll = NewHll();
            AddAll(hll, Enumerable.Range(0, random.Next(0, 2000)).Select(i => $"{round}:{i}"));
            var value = hll.Value.ToArray();
            for (int k = 0; k < 1 + random.Next(4); k++) value[HyperLogLog.HeaderSize + random.Next(value.Length - HyperLogLog.HeaderSize)] = (byte)random.Next(256);
            if (!HyperLogLog.IsValid(value)) continue;
            HyperLogLog.TryCount(value, out _);
            HyperLogLog.Merge(new byte[HyperLogLog.Registers], value);
            var buffer = new HyperLogLogBuffer { SparseMaxBytes = 3000 };
            buffer.Load(value);
            for (int i = 0; i < 50; i++) buffer.Add(B($"c{i}"));
            if (!buffer.IsDense) HyperLogLog.DecodeSparse(buffer.Value);
        }
    }

    [Test]
    public void TruncatedTrailingXZeroReadsAZeroSecondByte()
    {
        // XZERO:16256, then a lone 0x40: an XZERO whose second byte is missing reads it as 0 (Valkey's
        // string terminator), so it covers 1 register and the runs add up to 16257: corrupted.
        var value = new byte[HyperLogLog.HeaderSize + 3];
        NewHll().Value[..HyperLogLog.HeaderSize].CopyTo(value);
        value[16] = 0x7F;
        value[17] = 0x7F;
        value[18] = 0x40;
        Assert.That(HyperLogLog.DecodeSparse(value), Is.EqualTo("Z:16256 Z:1"));
        Assert.That(HyperLogLog.TryCount(value, out _), Is.False);
    }

    // ---- estimator -----------------------------------------------------------------------------

    [Test]
    public void EstimatorHelpersMatchTheirDefinitions()
    {
        Assert.That(HyperLogLog.Sigma(1.0), Is.EqualTo(double.PositiveInfinity));
        Assert.That(HyperLogLog.Sigma(0.0), Is.EqualTo(0.0));
        Assert.That(HyperLogLog.Tau(0.0), Is.EqualTo(0.0));
        Assert.That(HyperLogLog.Tau(1.0), Is.EqualTo(0.0));
        // sigma(x) = x + sum_k x^(2^k) 2^(k-1)
        double x = 0.5, expected = x, power = x, weight = 1;
        for (int k = 1; k < 12; k++)
        {
            power *= power;
            expected += power * weight;
            weight *= 2;
        }
        Assert.That(HyperLogLog.Sigma(0.5), Is.EqualTo(expected).Within(1e-12));

        var histogram = new int[64];
        histogram[0] = HyperLogLog.Registers;
        Assert.That(HyperLogLog.Estimate(histogram), Is.EqualTo(0UL), "all registers zero");
        histogram[0] = HyperLogLog.Registers - 1;
        histogram[1] = 1;
        Assert.That(HyperLogLog.Estimate(histogram), Is.EqualTo(1UL));
    }

    [Test]
    public void CountRawEqualsCountOfTheDenseForm()
    {
        var random = new Random(6);
        var raw = RandomRaw(random, 20);
        var dense = new byte[HyperLogLog.DenseSize];
        "HYLL"u8.CopyTo(dense);
        HyperLogLog.CompressDense(dense.AsSpan(HyperLogLog.HeaderSize), raw);
        Assert.That(Count(dense), Is.EqualTo(HyperLogLog.CountRaw(raw)));
    }

    [Test]
    public void SelfTestPasses()
    {
        Assert.That(HyperLogLog.SelfTest(3000, new Random(7)), Is.Null);
    }
}
