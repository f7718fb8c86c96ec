using NUnit.Framework;
using Valkey.Native.Util;

namespace Valkey.Native.Tests.Unit;

/// <summary><see cref="Lzf"/>: round trips over sizes and patterns, incompressible input, and liblzf streams decoded by hand.</summary>
[TestFixture]
public sealed class LzfTests
{
    private static byte[] Pattern(int kind, int size, Random rng)
    {
        var b = new byte[size];
        switch (kind)
        {
            case 0: rng.NextBytes(b); break;                                          // incompressible
            case 1: for (int i = 0; i < size; i++) b[i] = (byte)'a'; break;            // one byte repeated
            case 2: for (int i = 0; i < size; i++) b[i] = (byte)('a' + i % 26); break; // short period
            case 3: for (int i = 0; i < size; i++) b[i] = (byte)(i * 7 % 253); break;  // long period
            case 4:                                                                     // text-like with repeats
                var words = new[] { "hello ", "world ", "valkey ", "list ", "node ", "12345 " };
                int p = 0;
                while (p < size)
                {
                    var w = words[rng.Next(words.Length)];
                    for (int j = 0; j < w.Length && p < size; j++) b[p++] = (byte)w[j];
                }
                break;
            default: for (int i = 0; i < size; i++) b[i] = (byte)(rng.Next(4) == 0 ? rng.Next(256) : 'x'); break;
        }
        return b;
    }

    [Test]
    public void RoundTripsAtManySizesAndPatterns()
    {
        var rng = new Random(42);
        int[] sizes = [1, 2, 3, 4, 5, 31, 32, 33, 47, 48, 64, 100, 255, 256, 263, 264, 265, 266, 1000, 4096, 8191, 8192, 8193, 9000, 20000, 70000];
        for (int kind = 0; kind < 6; kind++)
        {
            foreach (int size in sizes)
            {
                var input = Pattern(kind, size, rng);
                var packed = new byte[size + size / 16 + 64];
                int len = Lzf.Compress(input, packed);
                Assert.That(len, Is.GreaterThan(0), $"kind {kind} size {size}");
                var output = new byte[size];
                Assert.That(Lzf.Decompress(packed.AsSpan(0, len), output), Is.EqualTo(size), $"kind {kind} size {size}");
                Assert.That(output, Is.EqualTo(input), $"kind {kind} size {size}");
                if (kind is 1 or 2 && size >= 1000) Assert.That(len, Is.LessThan(size / 4), $"kind {kind} size {size} compresses");
            }
        }
    }

    [Test]
    public void IncompressibleInputDoesNotFitASmallerBudget()
    {
        var input = Pattern(0, 1000, new Random(7));
        Assert.That(Lzf.Compress(input, new byte[1000 - 8]), Is.EqualTo(0));
        // with room for the literal control bytes it always encodes (1 per 32 bytes)
        var room = new byte[1000 + 1000 / 32 + 2];
        int len = Lzf.Compress(input, room);
        Assert.That(len, Is.GreaterThan(1000));
        var output = new byte[1000];
        Assert.That(Lzf.Decompress(room.AsSpan(0, len), output), Is.EqualTo(1000));
        Assert.That(output, Is.EqualTo(input));
    }

    [Test]
    public void EmptyInputIsNotCompressed() => Assert.That(Lzf.Compress([], new byte[16]), Is.EqualTo(0));

    [Test]
    public void DecodesStreamsAsLiblzfWritesThem()
    {
        // lzf_compress("abc"): one literal run of 3 bytes.
        var output = new byte[3];
        Assert.That(Lzf.Decompress(new byte[] { 0x02, (byte)'a', (byte)'b', (byte)'c' }, output), Is.EqualTo(3));
        Assert.That(output, Is.EqualTo("abc"u8.ToArray()));
        // lzf_compress of ten 'a': literal 'a', a reference of 7 bytes at distance 1 (len 5 << 5, offset 0),
        // then the last two bytes as literals (liblzf never matches into the last two input bytes).
        output = new byte[10];
        Assert.That(Lzf.Decompress(new byte[] { 0x00, 0x61, 0xA0, 0x00, 0x01, 0x61, 0x61 }, output), Is.EqualTo(10));
        Assert.That(output, Is.EqualTo(Enumerable.Repeat((byte)'a', 10).ToArray()));
        // A long reference: control 0xE0 with an extra length byte: 7 + 3 + 2 = 12 bytes, distance 3.
        output = new byte[15];
        Assert.That(Lzf.Decompress(new byte[] { 0x02, (byte)'x', (byte)'y', (byte)'z', 0xE0, 0x03, 0x02 }, output), Is.EqualTo(15));
        Assert.That(output, Is.EqualTo("xyzxyzxyzxyzxyz"u8.ToArray()));
    }

    [Test]
    public void OurStreamsFollowTheFormatByHand()
    {
        var packed = new byte[16];
        int len = Lzf.Compress("abc"u8, packed);
        Assert.That(packed.AsSpan(0, len).ToArray(), Is.EqualTo(new byte[] { 0x02, (byte)'a', (byte)'b', (byte)'c' }));
        // ten 'a': literal 'a', then a 9-byte reference at distance 1 (len field 7 = 0xE0 + extra 0).
        len = Lzf.Compress(Enumerable.Repeat((byte)'a', 10).ToArray(), packed);
        Assert.That(packed.AsSpan(0, len).ToArray(), Is.EqualTo(new byte[] { 0x00, 0x61, 0xE0, 0x00, 0x00 }));
    }

    [Test]
    public void CorruptStreamsAreRejected()
    {
        var output = new byte[10];
        Assert.That(Lzf.Decompress(new byte[] { 0x20, 0x00 }, output), Is.EqualTo(-1), "reference before the start");
        Assert.That(Lzf.Decompress(new byte[] { 0x05, 0x61 }, output), Is.EqualTo(-1), "truncated literal run");
        Assert.That(Lzf.Decompress(new byte[] { 0x00, 0x61, 0xE0, 0x10, 0x00 }, output), Is.EqualTo(-1), "output overflow");
    }
}
