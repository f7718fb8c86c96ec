using System.Globalization;
using System.Numerics;
using System.Runtime.Intrinsics;
using System.Text;
using NUnit.Framework;
using Valkey.Native.Protocol;

namespace Valkey.Native.Tests.Unit;

[TestFixture]
public class RespScannerTests
{
    public enum ScanPath
    {
        Scalar,
        Vector128,
        Vector256,
        Dispatch,
    }

    private const int MaxLength = 300;

    // Offsets of the scanned slice inside a larger buffer, so loads start at every kind of alignment.
    private static readonly int[] Alignments = [0, 1, 3, 7, 15, 16, 31, 33];

    // Bytes that differ from '\r' (0x0D), '\n' (0x0A) and NUL by a single bit, to catch sloppy compares.
    private static readonly byte[] Fillers = [(byte)'a', 0x8D, 0x8A, 0x0C, 0x0B, 0x80, 0xFF, 0x2D, 0x01];

    private static int Run(ScanPath path, ReadOnlySpan<byte> s, byte needle, bool stopAtNul)
    {
        switch (path)
        {
            case ScanPath.Scalar:
                return RespScanner.IndexOfScalar(s, needle, stopAtNul);
            case ScanPath.Vector128:
                Assume.That(Vector128.IsHardwareAccelerated, "Vector128 is not accelerated on this machine");
                return RespScanner.IndexOfVector128(s, needle, stopAtNul);
            case ScanPath.Vector256:
                Assume.That(Vector256.IsHardwareAccelerated, "Vector256 is not accelerated on this machine");
                return RespScanner.IndexOfVector256(s, needle, stopAtNul);
            default:
                if (needle == (byte)'\r') return stopAtNul ? RespScanner.IndexOfCrOrNul(s) : RespScanner.IndexOfCr(s);
                if (needle == (byte)'\n') return stopAtNul ? RespScanner.IndexOfNewlineOrNul(s) : RespScanner.IndexOfNewline(s);
                return stopAtNul ? RespScanner.IndexOfOrNul(s, needle) : RespScanner.IndexOf(s, needle);
        }
    }

    private static int Reference(ReadOnlySpan<byte> s, byte needle, bool stopAtNul)
    {
        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] == needle || (stopAtNul && s[i] == 0)) return i;
        }
        return -1;
    }

    /// <summary>Buffer whose bytes around the slice are needles, so any read outside the slice shows up as a wrong hit.</summary>
    private static byte[] Surrounded(int alignment, int length, byte needle, byte filler)
    {
        var buffer = new byte[alignment + length + 64];
        buffer.AsSpan().Fill(needle);
        buffer.AsSpan(alignment, length).Fill(filler);
        return buffer;
    }

    [Test]
    public void SingleNeedleAtEveryPositionOfEveryLength(
        [Values] ScanPath path, [Values((byte)'\r', (byte)'\n')] byte needle, [Values] bool stopAtNul)
    {
        foreach (int alignment in Alignments)
        {
            for (int length = 0; length <= MaxLength; length++)
            {
                byte filler = Fillers[(length + alignment) % Fillers.Length];
                byte[] buffer = Surrounded(alignment, length, needle, filler);
                Span<byte> slice = buffer.AsSpan(alignment, length);

                int absent = Run(path, slice, needle, stopAtNul);
                if (absent != -1)
                    Assert.Fail($"needle absent: got {absent}, length {length}, alignment {alignment}");

                for (int position = 0; position < length; position++)
                {
                    slice[position] = needle;
                    int found = Run(path, slice, needle, stopAtNul);
                    if (found != position)
                        Assert.Fail($"expected {position}, got {found}, length {length}, alignment {alignment}");
                    slice[position] = filler;
                }
            }
        }
    }

    [Test]
    public void FirstOfTwoNeedlesWins([Values] ScanPath path, [Values] bool stopAtNul)
    {
        const byte needle = (byte)'\r';
        for (int length = 2; length <= 130; length++)
        {
            byte[] buffer = Surrounded(5, length, needle, (byte)'x');
            Span<byte> slice = buffer.AsSpan(5, length);
            for (int first = 0; first < length; first++)
            {
                for (int second = first + 1; second < length; second++)
                {
                    slice[first] = needle;
                    slice[second] = needle;
                    int found = Run(path, slice, needle, stopAtNul);
                    if (found != first) Assert.Fail($"expected {first}, got {found} (second {second}, length {length})");
                    slice[first] = (byte)'x';
                    slice[second] = (byte)'x';
                }
            }
        }
    }

    [Test]
    public void NulStopsOnlyTheOrNulVariant([Values] ScanPath path)
    {
        for (int length = 2; length <= MaxLength; length++)
        {
            for (int nulAt = 0; nulAt < length - 1; nulAt++)
            {
                var data = new byte[length];
                data.AsSpan().Fill((byte)'q');
                data[nulAt] = 0;
                data[length - 1] = (byte)'\r';

                int withNul = Run(path, data, (byte)'\r', stopAtNul: true);
                int exact = Run(path, data, (byte)'\r', stopAtNul: false);
                if (withNul != nulAt || exact != length - 1)
                    Assert.Fail($"length {length}, NUL at {nulAt}: OrNul {withNul}, exact {exact}");
            }
        }
    }

    [Test]
    public void RandomBuffersMatchTheReference([Values] ScanPath path, [Values] bool stopAtNul)
    {
        var random = new Random(12345);
        byte[] alphabet = [(byte)'\r', (byte)'\n', 0, (byte)'a', 0x8D, 0xFF, (byte)'$', (byte)'1'];
        for (int round = 0; round < 20_000; round++)
        {
            int length = random.Next(0, 600);
            int alignment = random.Next(0, 40);
            var buffer = new byte[alignment + length + 8];
            // Sparse needles, so long needle-free stretches exercise the vector loops.
            for (int i = 0; i < buffer.Length; i++)
                buffer[i] = random.Next(60) == 0 ? alphabet[random.Next(alphabet.Length)] : (byte)random.Next(0x20, 0x7F);
            ReadOnlySpan<byte> slice = buffer.AsSpan(alignment, length);
            byte needle = random.Next(2) == 0 ? (byte)'\r' : (byte)'\n';
            int expected = Reference(slice, needle, stopAtNul);
            int actual = Run(path, slice, needle, stopAtNul);
            if (actual != expected) Assert.Fail($"round {round}: expected {expected}, got {actual}");
        }
    }

    [Test]
    public void ArbitraryNeedleIncludingHighBytes([Values] ScanPath path)
    {
        foreach (byte needle in new byte[] { 0x00, 0x7F, 0x80, 0xFE, 0xFF })
        {
            for (int length = 0; length <= 100; length++)
            {
                for (int position = -1; position < length; position++)
                {
                    var data = new byte[length];
                    data.AsSpan().Fill((byte)(needle ^ 1));
                    if (position >= 0) data[position] = needle;
                    int found = Run(path, data, needle, stopAtNul: false);
                    if (found != position) Assert.Fail($"needle {needle:X2}, length {length}: expected {position}, got {found}");
                }
            }
        }
    }

    [TestCase("0", 0L)]
    [TestCase("1", 1L)]
    [TestCase("9", 9L)]
    [TestCase("10", 10L)]
    [TestCase("-1", -1L)]
    [TestCase("-10", -10L)]
    [TestCase("16384", 16384L)]
    [TestCase("2147483647", 2147483647L)]
    [TestCase("2147483648", 2147483648L)]
    [TestCase("536870912", 536870912L)]
    [TestCase("9223372036854775807", long.MaxValue)]
    [TestCase("-9223372036854775807", -long.MaxValue)]
    [TestCase("-9223372036854775808", long.MinValue)]
    [TestCase("1000000000000000000", 1000000000000000000L)]
    public void TryParseLengthAccepts(string text, long expected)
    {
        bool ok = RespScanner.TryParseLength(Encoding.ASCII.GetBytes(text), out long value);
        Assert.That(ok, Is.True);
        Assert.That(value, Is.EqualTo(expected));
    }

    [TestCase("")]
    [TestCase("-")]
    [TestCase("+1")]
    [TestCase("+")]
    [TestCase("-0")]
    [TestCase("00")]
    [TestCase("01")]
    [TestCase("-01")]
    [TestCase("--1")]
    [TestCase(" 1")]
    [TestCase("1 ")]
    [TestCase("1a")]
    [TestCase("a1")]
    [TestCase("1.0")]
    [TestCase("1e3")]
    [TestCase("0x10")]
    [TestCase("9223372036854775808")]
    [TestCase("-9223372036854775809")]
    [TestCase("18446744073709551615")]
    [TestCase("18446744073709551616")]
    [TestCase("99999999999999999999")]
    [TestCase("-99999999999999999999")]
    [TestCase("100000000000000000000")]
    [TestCase("123456789012345678901234567890")]
    [TestCase("/")]
    [TestCase(":")]
    [TestCase("1/")]
    [TestCase("1:")]
    public void TryParseLengthRejects(string text)
    {
        bool ok = RespScanner.TryParseLength(Encoding.ASCII.GetBytes(text), out long value);
        Assert.That(ok, Is.False, $"value {value}");
    }

    [Test]
    public void TryParseLengthRejectsEmbeddedNulAndCr()
    {
        Assert.That(RespScanner.TryParseLength("1\0"u8, out _), Is.False);
        Assert.That(RespScanner.TryParseLength("1\r"u8, out _), Is.False);
        Assert.That(RespScanner.TryParseLength("\01"u8, out _), Is.False);
    }

    [Test]
    public void TryParseLengthMatchesStringToLongLongOnRandomInput()
    {
        var random = new Random(777);
        const string alphabet = "0123456789-+ a";
        var builder = new StringBuilder();
        for (int round = 0; round < 200_000; round++)
        {
            builder.Clear();
            int length = random.Next(0, 23);
            bool digitsOnly = random.Next(3) != 0;
            if (digitsOnly && random.Next(2) == 0) builder.Append('-');
            while (builder.Length < length)
                builder.Append(digitsOnly ? (char)('0' + random.Next(10)) : alphabet[random.Next(alphabet.Length)]);
            string text = builder.ToString();

            bool expectedOk = ReferenceString2ll(text, out long expected);
            bool ok = RespScanner.TryParseLength(Encoding.ASCII.GetBytes(text), out long value);
            if (ok != expectedOk || (ok && value != expected))
                Assert.Fail($"'{text}': expected {expectedOk}/{expected}, got {ok}/{value}");
        }
    }

    [Test]
    public void TryParseLengthRoundTripsBoundaryValues()
    {
        long[] values =
        [
            long.MinValue, long.MinValue + 1, -1_000_000_000_000_000_000, int.MinValue - 1L, int.MinValue, -1,
            0, 1, int.MaxValue, int.MaxValue + 1L, uint.MaxValue, 999_999_999_999_999_999, long.MaxValue - 1, long.MaxValue,
        ];
        foreach (long v in values)
        {
            byte[] text = Encoding.ASCII.GetBytes(v.ToString(CultureInfo.InvariantCulture));
            Assert.That(RespScanner.TryParseLength(text, out long parsed), Is.True, $"{v}");
            Assert.That(parsed, Is.EqualTo(v));
        }
    }

    /// <summary>string2ll's contract restated independently: a canonical decimal of at most 20 characters that fits a long.</summary>
    private static bool ReferenceString2ll(string text, out long value)
    {
        value = 0;
        if (text.Length == 0 || text.Length >= 21) return false;
        bool negative = text[0] == '-';
        string digits = negative ? text[1..] : text;
        if (digits.Length == 0 || digits.Any(c => c < '0' || c > '9')) return false;
        if (digits == "0") return !negative;
        if (digits[0] == '0') return false;
        BigInteger big = BigInteger.Parse(text, CultureInfo.InvariantCulture);
        if (big < long.MinValue || big > long.MaxValue) return false;
        value = (long)big;
        return true;
    }
}
