using NUnit.Framework;
using Valkey.Native.Util;

namespace Valkey.Native.Tests.Unit;

/// <summary>CRC-64/Jones: the catalogue check value and a bitwise reference (files written by redis-server are checked in RdbInteropTests).</summary>
[TestFixture]
public sealed class Crc64Tests
{
    [Test]
    public void CheckValueMatchesValkey() =>
        Assert.That(Crc64.Compute("123456789"u8), Is.EqualTo(0xe9c6d914c4b8d9caUL));

    [Test]
    public void EmptyInputIsZero() => Assert.That(Crc64.Compute(ReadOnlySpan<byte>.Empty), Is.EqualTo(0UL));

    private static ulong Bitwise(ReadOnlySpan<byte> data)
    {
        ulong crc = 0;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x95AC9329AC4BC9B5UL : crc >> 1;
        }
        return crc;
    }

    [Test]
    public void SlicedTableMatchesBitwiseForEveryLengthAndSplit()
    {
        var rng = new Random(42);
        var data = new byte[300];
        rng.NextBytes(data);
        for (int len = 0; len <= data.Length; len += 7)
        {
            var span = data.AsSpan(0, len);
            ulong expected = Bitwise(span);
            Assert.That(Crc64.Compute(span), Is.EqualTo(expected), $"length {len}");
            int split = len / 3;
            Assert.That(Crc64.Update(Crc64.Update(0, span[..split]), span[split..]), Is.EqualTo(expected), $"split {len}");
        }
    }
}
