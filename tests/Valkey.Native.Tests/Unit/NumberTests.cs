using System.Globalization;
using System.Numerics;
using System.Text;
using NUnit.Framework;
using Valkey.Native.Util;

namespace Valkey.Native.Tests.Unit;

/// <summary>
/// Number parsing and formatting must produce Valkey's exact bytes. The tables were produced by
/// running Valkey's own util.c routines (string2ll, string2d, string2ld, d2string with the bundled
/// fpconv, ld2string) compiled with gcc on x86-64 glibc, where long double is the x87 80-bit format.
/// Strings use one char per byte and are converted with Latin-1.
/// </summary>
[TestFixture]
public class NumberTests
{
    private static byte[] Bytes(string s) => Encoding.Latin1.GetBytes(s);

    private static string Text(ReadOnlySpan<byte> bytes) => Encoding.Latin1.GetString(bytes);

    private static string Show(string s)
    {
        var sb = new StringBuilder("'");
        foreach (char c in s.Length > 60 ? s[..60] + "..." : s)
            sb.Append(c is >= ' ' and < (char)127 ? c.ToString() : $"\\x{(int)c:X2}");
        return sb.Append('\'').ToString();
    }

    // ---- string2ll ---------------------------------------------------------------------------

    public readonly record struct Int64Case(string Input, bool Valid, long Value)
    {
        public override string ToString() => $"{Show(Input)} => {(Valid ? Value.ToString(CultureInfo.InvariantCulture) : "invalid")}";
    }

    public static readonly Int64Case[] Int64Cases =
    [
        new Int64Case("0", true, 0L),
        new Int64Case("-0", false, 0L),
        new Int64Case("00", false, 0L),
        new Int64Case("01", false, 0L),
        new Int64Case("-01", false, 0L),
        new Int64Case("1", true, 1L),
        new Int64Case("-1", true, -1L),
        new Int64Case("+1", false, 0L),
        new Int64Case(" 1", false, 0L),
        new Int64Case("1 ", false, 0L),
        new Int64Case("", false, 0L),
        new Int64Case("-", false, 0L),
        new Int64Case("+", false, 0L),
        new Int64Case("12a", false, 0L),
        new Int64Case("a12", false, 0L),
        new Int64Case("9223372036854775807", true, 9223372036854775807L),
        new Int64Case("9223372036854775808", false, 0L),
        new Int64Case("-9223372036854775808", true, -9223372036854775808L),
        new Int64Case("-9223372036854775809", false, 0L),
        new Int64Case("18446744073709551615", false, 0L),
        new Int64Case("18446744073709551616", false, 0L),
        new Int64Case("99999999999999999999", false, 0L),
        new Int64Case("-99999999999999999999", false, 0L),
        new Int64Case("10000000000000000000", false, 0L),
        new Int64Case("123456789012345678901", false, 0L),
        new Int64Case("1234567890123456789", true, 1234567890123456789L),
        new Int64Case("-1234567890123456789", true, -1234567890123456789L),
        new Int64Case("1e5", false, 0L),
        new Int64Case("1.0", false, 0L),
        new Int64Case("0x10", false, 0L),
        new Int64Case("\u00095", false, 0L),
        new Int64Case("5\u000A", false, 0L),
        new Int64Case("1\u00002", false, 0L),
        new Int64Case("\u00B2", false, 0L),
    ];

    [TestCaseSource(nameof(Int64Cases))]
    public void TryParseInt64_matches_string2ll(Int64Case c)
    {
        bool ok = NumberParser.TryParseInt64(Bytes(c.Input), out long value);
        Assert.That(ok, Is.EqualTo(c.Valid));
        if (ok) Assert.That(value, Is.EqualTo(c.Value));
    }

    [Test]
    public void TryParseInt64_round_trips_every_formatted_value()
    {
        var random = new Random(42);
        Span<byte> buffer = stackalloc byte[NumberFormatter.MaxInt64Length];
        long[] fixedValues = [0, 1, -1, 9, 10, -10, 99, 100, long.MaxValue, long.MinValue, long.MaxValue - 1, long.MinValue + 1, 999_999_999_999, 1_000_000_000_000];
        foreach (long value in fixedValues.Concat(Enumerable.Range(0, 2000).Select(_ => random.NextInt64(long.MinValue, long.MaxValue) >> random.Next(64))))
        {
            int length = NumberFormatter.FormatInt64(value, buffer);
            Assert.That(Text(buffer[..length]), Is.EqualTo(value.ToString(CultureInfo.InvariantCulture)));
            Assert.That(NumberParser.TryParseInt64(buffer[..length], out long back), Is.True);
            Assert.That(back, Is.EqualTo(value));
        }
    }

    // ---- ll2string / digits10 ------------------------------------------------------------------

    [TestCase(0L, "0")]
    [TestCase(-1L, "-1")]
    [TestCase(long.MaxValue, "9223372036854775807")]
    [TestCase(long.MinValue, "-9223372036854775808")]
    [TestCase(1234567890L, "1234567890")]
    [TestCase(-100L, "-100")]
    public void FormatInt64_writes_plain_decimal(long value, string expected)
    {
        Span<byte> buffer = stackalloc byte[NumberFormatter.MaxInt64Length];
        int length = NumberFormatter.FormatInt64(value, buffer);
        Assert.That(Text(buffer[..length]), Is.EqualTo(expected));
        Assert.That(NumberFormatter.DigitCount(value), Is.EqualTo(expected.Length));
    }

    [TestCase(0UL, 1)]
    [TestCase(9UL, 1)]
    [TestCase(10UL, 2)]
    [TestCase(99UL, 2)]
    [TestCase(100UL, 3)]
    [TestCase(9_999UL, 4)]
    [TestCase(10_000UL, 5)]
    [TestCase(99_999_999UL, 8)]
    [TestCase(100_000_000UL, 9)]
    [TestCase(999_999_999_999UL, 12)]
    [TestCase(1_000_000_000_000UL, 13)]
    [TestCase(9_999_999_999_999_999_999UL, 19)]
    [TestCase(10_000_000_000_000_000_000UL, 20)]
    [TestCase(ulong.MaxValue, 20)]
    public void DigitCount_counts_decimal_digits(ulong value, int expected)
    {
        Assert.That(NumberFormatter.DigitCount(value), Is.EqualTo(expected));
        Span<byte> buffer = stackalloc byte[20];
        int length = NumberFormatter.FormatUInt64(value, buffer);
        Assert.That(length, Is.EqualTo(expected));
        Assert.That(Text(buffer[..length]), Is.EqualTo(value.ToString(CultureInfo.InvariantCulture)));
    }

    [Test]
    public void Formatting_into_a_too_small_buffer_throws()
    {
        Assert.Throws<ArgumentException>(() => NumberFormatter.FormatInt64(long.MinValue, new byte[19]));
        Assert.Throws<ArgumentException>(() => NumberFormatter.FormatUInt64(100, new byte[2]));
        Assert.Throws<ArgumentException>(() => NumberFormatter.FormatDouble(0.1, new byte[2]));
        Assert.That(NumberFormatter.FormatInt64(-5, new byte[2]), Is.EqualTo(2));
    }

    // ---- d2string (addReplyDouble) ----------------------------------------------------------

    public readonly record struct DoubleFormatCase(double Value, string Expected)
    {
        public override string ToString() => $"{Value.ToString("R", CultureInfo.InvariantCulture)} (0x{BitConverter.DoubleToUInt64Bits(Value):X16}) => {Expected}";
    }

    public static readonly DoubleFormatCase[] DoubleFormatCases =
    [
        new DoubleFormatCase(0.0, "0"),
        new DoubleFormatCase(-0.0, "-0"),
        new DoubleFormatCase(double.NaN, "nan"),
        new DoubleFormatCase(double.PositiveInfinity, "inf"),
        new DoubleFormatCase(double.NegativeInfinity, "-inf"),
        new DoubleFormatCase(1.0, "1"),
        new DoubleFormatCase(-1.0, "-1"),
        new DoubleFormatCase(0.1, "0.1"),
        new DoubleFormatCase(-0.1, "-0.1"),
        new DoubleFormatCase(0.5, "0.5"),
        new DoubleFormatCase(1.5, "1.5"),
        new DoubleFormatCase(3.141, "3.141"),
        new DoubleFormatCase(1e-7, "1e-7"),
        new DoubleFormatCase(1.5e-7, "1.5e-7"),
        new DoubleFormatCase(1e-6, "0.000001"),
        new DoubleFormatCase(0.0001, "0.0001"),
        new DoubleFormatCase(0.00012345678, "1.2345678e-4"),
        new DoubleFormatCase(12345.678901234, "1.2345678901234e+4"),
        new DoubleFormatCase(123.456, "123.456"),
        new DoubleFormatCase(1e15, "1000000000000000"),
        new DoubleFormatCase(1e16, "10000000000000000"),
        new DoubleFormatCase(1e17, "100000000000000000"),
        new DoubleFormatCase(1e18, "1000000000000000000"),
        new DoubleFormatCase(1e19, "1e+19"),
        new DoubleFormatCase(1e20, "1e+20"),
        new DoubleFormatCase(1e21, "1e+21"),
        new DoubleFormatCase(1e22, "1e+22"),
        new DoubleFormatCase(1e23, "99999999999999990000000"),
        new DoubleFormatCase(1.5e20, "1.5e+20"),
        new DoubleFormatCase(123456789e15, "1.23456789e+23"),
        new DoubleFormatCase(4611686018427387904.0, "4611686018427387904"),
        new DoubleFormatCase(-4611686018427387904.0, "-4611686018427387904"),
        new DoubleFormatCase(4611686018427387905.0, "4611686018427387904"),
        new DoubleFormatCase(9223372036854775807.0, "9223372036854776000"),
        new DoubleFormatCase(18446744073709551616.0, "18446744073709552000"),
        new DoubleFormatCase(4611686018427387904.5, "4611686018427387904"),
        new DoubleFormatCase(4503599627370496.5, "4503599627370496"),
        new DoubleFormatCase(2251799813685248.25, "2251799813685248"),
        new DoubleFormatCase(double.MaxValue, "1.7976931348623157e+308"),
        new DoubleFormatCase(double.MinValue, "-1.7976931348623157e+308"),
        new DoubleFormatCase(double.Epsilon, "5e-324"),
        new DoubleFormatCase(-double.Epsilon, "-5e-324"),
        new DoubleFormatCase(2.2250738585072014e-308, "2.2250738585072014e-308"),
        new DoubleFormatCase(2.2250738585072009e-308, "2.225073858507201e-308"),
        new DoubleFormatCase(1.7976931348623157e308, "1.7976931348623157e+308"),
        new DoubleFormatCase(5e-324, "5e-324"),
        new DoubleFormatCase(1e308, "1e+308"),
        new DoubleFormatCase(1e-308, "1e-308"),
        new DoubleFormatCase(0.3, "0.3"),
        new DoubleFormatCase(0.7, "0.7"),
        new DoubleFormatCase(1.0 / 3, "0.3333333333333333"),
        new DoubleFormatCase(2.0 / 3, "0.6666666666666666"),
        new DoubleFormatCase(100.0 / 7, "14.285714285714286"),
        new DoubleFormatCase(1e100, "1e+100"),
        new DoubleFormatCase(1e-100, "1e-100"),
        new DoubleFormatCase(123456789012345680000.0, "123456789012345680000"),
        new DoubleFormatCase(0.000001, "0.000001"),
        new DoubleFormatCase(0.0000001234, "1.234e-7"),
        new DoubleFormatCase(1234567.0, "1234567"),
        new DoubleFormatCase(12345678.9, "12345678.9"),
        new DoubleFormatCase(1e-5, "0.00001"),
        new DoubleFormatCase(9.999999999999999e22, "99999999999999990000000"),
        new DoubleFormatCase(5e-7, "5e-7"),
        new DoubleFormatCase(2.5, "2.5"),
        new DoubleFormatCase(-2.5e-300, "-2.5e-300"),
        new DoubleFormatCase(17.5, "17.5"),
        new DoubleFormatCase(0.1 + 0.2, "0.30000000000000004"),
        new DoubleFormatCase(1.1, "1.1"),
        new DoubleFormatCase(2.2, "2.2"),
        new DoubleFormatCase(3.3000000000000003, "3.3000000000000003"),
        new DoubleFormatCase(4.35, "4.35"),
        new DoubleFormatCase(0.15, "0.15"),
        new DoubleFormatCase(1e-10, "1e-10"),
        new DoubleFormatCase(299792458.0, "299792458"),
        new DoubleFormatCase(6.02214076e23, "6.02214076e+23"),
        new DoubleFormatCase(1.602176634e-19, "1.602176634e-19"),
    ];

    /// <summary>Random bit patterns and values; Grisu2 is not always shortest, so these pin its exact digits.</summary>
    public static readonly DoubleFormatCase[] RandomDoubleFormatCases =
    [
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x2E84496E7857DD86UL), "1.3053460867029954e-84"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x407C887513496948UL), "456.52858284641525"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x443077659B1CFF3BUL), "303751358391357500000"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x404481224AADA33CUL), "41.008859"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x43E58844C2354E2BUL), "12412525380302363000"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x40509719DF52AA90UL), "66.36095412323834"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x44758DB3F5803FAFUL), "6361478404148043000000"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x4048EA40B780346EUL), "49.8301"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0xBA4E6C3686FF0DE2UL), "-7.679770943959195e-28"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x406CE9AF4B59FF40UL), "231.30264823510697"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x41AA00B65956BF9CUL), "2.181271486694306e+8"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x405199FB9389B520UL), "70.40598"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0xBB3A6A06131DB618UL), "-2.1849277071905373e-23"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x408125FBD0BF5384UL), "548.7479567477571"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x43DE156D398E3584UL), "8671035558460789000"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x4052D095182A9931UL), "75.2591"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0xB5834F4CECB736D8UL), "-6.451308150889079e-51"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x4084B812402FD03EUL), "663.0089114890504"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x41C37256386AB35CUL), "6.525205608335986e+8"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x403542D77318FC50UL), "21.2611"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x0EF8E010FAACED22UL), "1.5280270045256436e-236"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x4080EB0632BAE3CCUL), "541.3780264473694"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x40B88EB62000B69CUL), "6286.711425823767"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x4028D6323BBC6EB1UL), "12.418352"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0xC34797C42393446AUL), "-13281586261166292"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0xC0759C3EBCA6C6A2UL), "-345.76531663081016"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x4505E46A0CAA7067UL), "3.308262254692346e+24"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x40341D63886594AFUL), "20.1148"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x510323696A151044UL), "1.8154020014524075e+82"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x4060EC0DA43074D8UL), "135.37666520561356"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x402219D17AAB6471UL), "9.050426324293058"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x4036E66666666666UL), "22.9"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x39A7FF57BFFA0775UL), "5.915823902656395e-31"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x40805EB01236D774UL), "523.8359722408773"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x3E10AEBF50187082UL), "9.710555141077365e-10"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x4055195810624DD3UL), "84.396"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0xF5D93C67C5BC543BUL), "-4.8501601968282754e+259"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x40618AC83C230D00UL), "140.33694273801666"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x42D0088DC770D3F4UL), "70515697763151.81"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x4026682D38476F2AUL), "11.20347"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0xC7C64D559B509FBEUL), "-5.92891181510175e+37"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0xC080D65CD007D6EAUL), "-538.7953186619245"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x3F84611E2CB56151UL), "0.009950862635989795"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x402B3851EB851EB8UL), "13.61"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x9871D7697E4BA594UL), "-6.256810315685157e-191"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x40850837C2A83246UL), "673.0272267475455"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x3F8CF548204E33FAUL), "0.014139712797055271"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x404F2E978D4FDF3BUL), "62.364"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0xB56211CCF0A737C3UL), "-1.509237848895361e-51"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x408F32A45FE18206UL), "998.3302610032849"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x3CC0C0822742A582UL), "4.649610136541366e-16"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x40511A3D70A3D70AUL), "68.41"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0xECAD86A154F1B974UL), "-3.1807537675321595e+215"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0xC082516E0035F544UL), "-586.1787113395189"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x3BF44399C0F22544UL), "6.86573222767188e-20"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x4057870A3D70A3D7UL), "94.11"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0xE65DDC49011AE8E6UL), "-1.2688032135518973e+185"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0xC085D5753B53B957UL), "-698.6822420636116"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x3F47103D27E09B1CUL), "7.038401233828459e-4"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x4036D9999999999AUL), "22.85"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x48C3FD37CD9201FFUL), "3.4825980929129125e+42"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0xC0804B70F4B1EA5EUL), "-521.4301542186402"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x3DFFB0E4A5398D83UL), "4.611645832784807e-10"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x40481A305532617CUL), "48.2046"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0xF8D5F553A9F33434UL), "-1.1878864849984304e+274"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0xC0654618A8B88384UL), "-170.1905101398262"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x3EAC46FC0D784AE5UL), "8.427287196431138e-7"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x403E400000000000UL), "30.25"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0xA95EE6299085AB8AUL), "-2.0557344765099228e-109"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x407CE9F38D281BF0UL), "462.62196078937177"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x412017A44125C0E2UL), "5.27314127241161e+5"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x4035DEB851EB851FUL), "21.87"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x637B38B5C8C90052UL), "1.6437281279975534e+171"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0xC0843E1C587976C9UL), "-647.763840626657"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x3EE1D453B6DB7199UL), "8.50172156268633e-6"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x4041BB061C79B34AUL), "35.461124"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0xCCBE3F3EE4337C1DUL), "-4.860514082999982e+61"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0xC08C663EC08A4862UL), "-908.7806406787242"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x43A9016C2B682D5EUL), "900920129806053120"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x404B353DEA465A57UL), "54.415952"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0xF35B15BFB8703835UL), "-4.7343961899911476e+247"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x4070ADAA0FE578A8UL), "266.854019066212"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x3B2CA9ED5D290027UL), "1.1855060778221761e-23"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x4049E28F5C28F5C3UL), "51.77"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0xA28E6D2AE81B9FCCUL), "-3.1189121571775664e-142"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x406CBC9062DE7540UL), "229.89262526940183"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x412AD11D052F6D19UL), "8.787345101274579e+5"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x4031603AFB7E9100UL), "17.3759"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0xCC868B40957CD5F8UL), "-4.528342213552716e+60"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x407CFAE4E3344788UL), "463.68088074132584"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x3C3DE3EA3491062AUL), "1.6203559999755235e-18"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x404EE3ACC4EF88B9UL), "61.77871"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0xCFFECFA18FCA024EUL), "-2.2297980572184568e+77"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x408EE9FA4268A7F0UL), "989.2471969772578"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x4296F9672FEC221EUL), "6315108465416.529"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x402599999999999AUL), "10.8"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0xB2C4D80A8B5646C9UL), "-3.958495359425812e-64"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0xC0772855907E247AUL), "-370.52088975214394"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x3AC3032951E27145UL), "1.2286442727565836e-25"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x4032333333333333UL), "18.2"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0xDB7B359EA2A639E0UL), "-4.828340639481946e+132"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x406F3966FECB9138UL), "249.79382266768675"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x3D65CF3CE62591C8UL), "6.198639253841341e-13"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x404CF546E4C0DF59UL), "57.916226"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x76027C9A30AA1AF2UL), "2.842407315942793e+260"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0xC0839D78B85E0B4AUL), "-627.6839454028316"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x443100F09BCF1DAEUL), "313662374561331400000"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x4046B1C432CA57A8UL), "45.3888"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0xB74880CAD5A9BFEEUL), "-2.197513562220996e-42"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x40831D1E7BC005D4UL), "611.6398844720629"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x42494B7976B8A988UL), "217280867697.32446"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x4055AADC5D638866UL), "86.6697"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0xB3F9E5C798297C0AUL), "-2.5785762592265218e-58"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0xC086E392FF9B3A8CUL), "-732.4467765929453"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x3E8C1D73459E8A54UL), "2.094733727006296e-7"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x4043E51EB851EB85UL), "39.79"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x749067345B4F61E9UL), "3.006515368327151e+253"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x407754292B7B90D4UL), "373.26005123393884"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x437A7A94ADE9796FUL), "119250054175758064"),
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x3FD28F5C28F5C28FUL), "0.29"),
    ];

    /// <summary>
    /// Doubles where fpconv's Grisu2 does not give the shortest, closest digits (what .NET's "R" and
    /// Python's repr give, shown in the comments); Valkey sends Grisu2's digits.
    /// </summary>
    public static readonly DoubleFormatCase[] Grisu2QuirkCases =
    [
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x73F0937B953D8336UL), "2.9670091465261977e+250"), // shortest: 2.967009146526198e+250
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x7F8167E73843472DUL), "1.5278523628806908e+306"), // shortest: 1.527852362880691e+306
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x62F4ABA9097148ECUL), "4.8756169771412584e+168"), // shortest: 4.875616977141258e+168
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x8BD1104348F2FBB7UL), "-9.309630188465351e-252"), // shortest: -9.30963018846535e-252
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0xB14A9A497D1483D9UL), "-3.0113170944193138e-71"), // shortest: -3.011317094419314e-71
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0xAFE34C2720A44AC2UL), "-5.2080069128319475e-78"), // shortest: -5.208006912831947e-78
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x0C864FBF3FC9062DUL), "2.4930017762267752e-248"), // shortest: 2.493001776226775e-248
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0xDC5A756E0CD07269UL), "-7.692486148886211e+136"), // shortest: -7.69248614888621e+136
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0xA3D7D3AF4B3C99C3UL), "-5.1221157988045834e-136"), // shortest: -5.122115798804583e-136
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0xCCFAA2AC74B22A9EUL), "-6.8482413178956025e+62"), // shortest: -6.848241317895602e+62
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x7A22A3FFFB039448UL), "2.1147860807546472e+280"), // shortest: 2.114786080754647e+280
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x8A86CF1A8A269DC8UL), "-5.9338962039088365e-258"), // shortest: -5.933896203908837e-258
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x4183EEC39EE833D0UL), "4.1801843863380074e+7"), // shortest: 41801843.863380075
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x430693DFF9D602D6UL), "794379958272090.7"), // shortest: 794379958272090.8
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0xAF95B9EF48CA3E72UL), "-1.8323442687969804e-79"), // shortest: -1.8323442687969805e-79
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x431E083BF94E335DUL), "2113325745016023.3"), // shortest: 2113325745016023.2
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x1C704D64CBF6DEFDUL), "1.0546099752578001e-171"), // shortest: 1.0546099752578002e-171
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0xC317C4471CFF4253UL), "-1672433543139476.7"), // shortest: -1672433543139476.8
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x4305C60B923FE926UL), "766090938940708.7"), // shortest: 766090938940708.8
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x4319F5F1DCDC6F83UL), "1826823389780960.7"), // shortest: 1826823389780960.8
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x2E8B20413FDAB276UL), "1.7454078082898775e-84"), // shortest: 1.7454078082898776e-84
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0xC2B2694180AB0910UL), "-20243279817481.063"), // shortest: -20243279817481.062
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x17A2935547296845UL), "7.951952807381985e-195"), // shortest: 7.951952807381986e-195
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x431F425F51FEA8A9UL), "2199675360750122.3"), // shortest: 2199675360750122.2
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x9F3249677F7116E2UL), "-2.0811264683644362e-158"), // shortest: -2.0811264683644363e-158
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x05759C34A2E5A38CUL), "2.3252112917610214e-282"), // shortest: 2.3252112917610215e-282
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x43139350E2310AFDUL), "1377500039758527.3"), // shortest: 1377500039758527.2
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x31BF056A8C133DC8UL), "4.4946822835927984e-69"), // shortest: 4.4946822835927985e-69
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0xC2BB9A3B42C7D290UL), "-30349233145810.563"), // shortest: -30349233145810.562
        new DoubleFormatCase(BitConverter.UInt64BitsToDouble(0x430BA899633C46FAUL), "973150139943135.3"), // shortest: 973150139943135.2
    ];

    [TestCaseSource(nameof(DoubleFormatCases))]
    [TestCaseSource(nameof(RandomDoubleFormatCases))]
    [TestCaseSource(nameof(Grisu2QuirkCases))]
    public void FormatDouble_matches_d2string(DoubleFormatCase c)
    {
        Span<byte> buffer = stackalloc byte[NumberFormatter.MaxDoubleLength];
        int length = NumberFormatter.FormatDouble(c.Value, buffer);
        Assert.That(Text(buffer[..length]), Is.EqualTo(c.Expected));
    }

    [TestCaseSource(nameof(RandomDoubleFormatCases))]
    [TestCaseSource(nameof(Grisu2QuirkCases))]
    public void FormatDouble_output_parses_back_to_the_same_double(DoubleFormatCase c)
    {
        Span<byte> buffer = stackalloc byte[NumberFormatter.MaxDoubleLength];
        int length = NumberFormatter.FormatDouble(c.Value, buffer);
        Assert.That(NumberParser.TryParseDouble(buffer[..length], out double back), Is.True);
        Assert.That(BitConverter.DoubleToUInt64Bits(back), Is.EqualTo(BitConverter.DoubleToUInt64Bits(c.Value)));
    }

    // ---- string2d --------------------------------------------------------------------------

    public readonly record struct DoubleParseCase(string Input, bool Valid, ulong Bits)
    {
        public override string ToString() => $"{Show(Input)} => {(Valid ? $"0x{Bits:X16}" : "invalid")}";
    }

    public static readonly DoubleParseCase[] DoubleParseCases =
    [
        new DoubleParseCase("0", true, 0x0000000000000000UL),
        new DoubleParseCase("-0", true, 0x8000000000000000UL),
        new DoubleParseCase("+0", true, 0x0000000000000000UL),
        new DoubleParseCase("1", true, 0x3FF0000000000000UL),
        new DoubleParseCase("-1", true, 0xBFF0000000000000UL),
        new DoubleParseCase("+1", true, 0x3FF0000000000000UL),
        new DoubleParseCase("1.", true, 0x3FF0000000000000UL),
        new DoubleParseCase(".5", true, 0x3FE0000000000000UL),
        new DoubleParseCase("-.5", true, 0xBFE0000000000000UL),
        new DoubleParseCase("+.5", true, 0x3FE0000000000000UL),
        new DoubleParseCase(".", false, 0UL),
        new DoubleParseCase("-", false, 0UL),
        new DoubleParseCase("+", false, 0UL),
        new DoubleParseCase("", false, 0UL),
        new DoubleParseCase(" 1", false, 0UL),
        new DoubleParseCase("1 ", false, 0UL),
        new DoubleParseCase("\u00091", false, 0UL),
        new DoubleParseCase("1\u0009", false, 0UL),
        new DoubleParseCase("\u000A1", false, 0UL),
        new DoubleParseCase("1e5", true, 0x40F86A0000000000UL),
        new DoubleParseCase("1E5", true, 0x40F86A0000000000UL),
        new DoubleParseCase("1e+5", true, 0x40F86A0000000000UL),
        new DoubleParseCase("1e-5", true, 0x3EE4F8B588E368F1UL),
        new DoubleParseCase("1e", false, 0UL),
        new DoubleParseCase("1e+", false, 0UL),
        new DoubleParseCase("e5", false, 0UL),
        new DoubleParseCase("1.5e3", true, 0x4097700000000000UL),
        new DoubleParseCase("1.5e3.", false, 0UL),
        new DoubleParseCase("1..5", false, 0UL),
        new DoubleParseCase("inf", true, 0x7FF0000000000000UL),
        new DoubleParseCase("-inf", true, 0xFFF0000000000000UL),
        new DoubleParseCase("+inf", true, 0x7FF0000000000000UL),
        new DoubleParseCase("INF", true, 0x7FF0000000000000UL),
        new DoubleParseCase("Inf", true, 0x7FF0000000000000UL),
        new DoubleParseCase("infinity", true, 0x7FF0000000000000UL),
        new DoubleParseCase("-Infinity", true, 0xFFF0000000000000UL),
        new DoubleParseCase("INFINITY", true, 0x7FF0000000000000UL),
        new DoubleParseCase("infinit", false, 0UL),
        new DoubleParseCase("infinityy", false, 0UL),
        new DoubleParseCase("in", false, 0UL),
        new DoubleParseCase("nan", false, 0UL),
        new DoubleParseCase("NaN", false, 0UL),
        new DoubleParseCase("-nan", false, 0UL),
        new DoubleParseCase("nan(1)", false, 0UL),
        new DoubleParseCase("0x10", true, 0x4030000000000000UL),
        new DoubleParseCase("0X1p4", true, 0x4030000000000000UL),
        new DoubleParseCase("0x1.8p1", true, 0x4008000000000000UL),
        new DoubleParseCase("-0x.8", true, 0xBFE0000000000000UL),
        new DoubleParseCase("0x", false, 0UL),
        new DoubleParseCase("0x.", false, 0UL),
        new DoubleParseCase("0xg", false, 0UL),
        new DoubleParseCase("0x1p", false, 0UL),
        new DoubleParseCase("0x1p+", false, 0UL),
        new DoubleParseCase("0x1P-2", true, 0x3FD0000000000000UL),
        new DoubleParseCase("0x1.fffffffffffff8p1023", false, 0UL),
        new DoubleParseCase("0x1.fffffffffffff7ffp1023", true, 0x7FEFFFFFFFFFFFFFUL),
        new DoubleParseCase("0x1p-1074", true, 0x0000000000000001UL),
        new DoubleParseCase("0x1p-1075", false, 0UL),
        new DoubleParseCase("0x1.0000000001p-1075", true, 0x0000000000000001UL),
        new DoubleParseCase("0x1p-1076", false, 0UL),
        new DoubleParseCase("0x0p99999", true, 0x0000000000000000UL),
        new DoubleParseCase("1e308", true, 0x7FE1CCF385EBC8A0UL),
        new DoubleParseCase("1.7976931348623157e308", true, 0x7FEFFFFFFFFFFFFFUL),
        new DoubleParseCase("1.7976931348623158e308", true, 0x7FEFFFFFFFFFFFFFUL),
        new DoubleParseCase("1.7976931348623159e308", false, 0UL),
        new DoubleParseCase("1e309", false, 0UL),
        new DoubleParseCase("-1e309", false, 0UL),
        new DoubleParseCase("1e-320", true, 0x00000000000007E8UL),
        new DoubleParseCase("4.9e-324", true, 0x0000000000000001UL),
        new DoubleParseCase("2.5e-324", true, 0x0000000000000001UL),
        new DoubleParseCase("2.4703282292062328e-324", true, 0x0000000000000001UL),
        new DoubleParseCase("2.4703282292062327e-324", false, 0UL),
        new DoubleParseCase("1e-400", false, 0UL),
        new DoubleParseCase("0e-400", true, 0x0000000000000000UL),
        new DoubleParseCase("0.0e999999", true, 0x0000000000000000UL),
        new DoubleParseCase("1e99999999999999999999", false, 0UL),
        new DoubleParseCase("00001.5000", true, 0x3FF8000000000000UL),
        new DoubleParseCase("3.14159", true, 0x400921F9F01B866EUL),
        new DoubleParseCase("0.1", true, 0x3FB999999999999AUL),
        new DoubleParseCase("0.30000000000000004", true, 0x3FD3333333333334UL),
        new DoubleParseCase("123456789012345678901234567890", true, 0x45F8EE90FF6C373EUL),
        new DoubleParseCase("9007199254740993", true, 0x4340000000000000UL),
        new DoubleParseCase("9007199254740993.0000000000000001", true, 0x4340000000000001UL),
        new DoubleParseCase("1_000", false, 0UL),
        new DoubleParseCase("1,5", false, 0UL),
        new DoubleParseCase("1\u00002", false, 0UL),
        new DoubleParseCase("\u00A01", false, 0UL),
        new DoubleParseCase("\u00B9", false, 0UL),
        new DoubleParseCase("0x1.000000000000080000000000000000001p0", true, 0x3FF0000000000001UL),
        new DoubleParseCase("0x1.00000000000008p0", true, 0x3FF0000000000000UL),
        new DoubleParseCase("0x1.00000000000018p0", true, 0x3FF0000000000002UL),
    ];

    [TestCaseSource(nameof(DoubleParseCases))]
    public void TryParseDouble_matches_string2d(DoubleParseCase c)
    {
        bool ok = NumberParser.TryParseDouble(Bytes(c.Input), out double value);
        Assert.That(ok, Is.EqualTo(c.Valid));
        if (ok) Assert.That(BitConverter.DoubleToUInt64Bits(value), Is.EqualTo(c.Bits));
    }

    [Test]
    public void TryParseDouble_accepts_very_long_inputs_like_strtod()
    {
        // string2d has no length limit; the value is still correctly rounded.
        string ones = "0." + new string('0', 2000) + "1e2001";
        Assert.That(NumberParser.TryParseDouble(Bytes(ones), out double value), Is.True);
        Assert.That(value, Is.EqualTo(1.0));
    }

    [TestCase(12345, 0, 12346)]
    [TestCase(12345, 1, 12346)]
    [TestCase(12345, -1, 12345)]
    [TestCase(12346, 0, 12346)]
    [TestCase(12346, 1, 12347)]
    [TestCase(12346, -1, 12346)]
    public void TryParseDouble_rounds_halfway_cases_with_hundreds_of_digits_exactly(long k, int nudge, long expectedK)
    {
        // Exactly halfway between the doubles (2^52 + k) × 2^-1074 and the next one up (774 bytes of
        // text); glibc rounds these ties to even and the nudged ones away from the tie, as here.
        BigInteger m = (BigInteger.One << 52) + k;
        string text = ((2 * m + 1) * BigInteger.Pow(5, 1075) + nudge).ToString(CultureInfo.InvariantCulture) + "e-1075";
        Assert.That(NumberParser.TryParseDouble(Bytes(text), out double value), Is.True);
        Assert.That(BitConverter.DoubleToUInt64Bits(value), Is.EqualTo((1UL << 52) + (ulong)expectedK));
    }

    // ---- string2ld and ld2string -------------------------------------------------------------

    /// <summary>Human is ld2string(LD_STR_HUMAN), or null when too long to list; General is LD_STR_AUTO.</summary>
    public readonly record struct LongDoubleParseCase(string Input, bool Valid, string? Human, string? General)
    {
        public override string ToString() => $"{Show(Input)} => {(Valid ? General : "invalid")}";
    }

    public static readonly LongDoubleParseCase[] LongDoubleParseCases =
    [
        new LongDoubleParseCase("0", true, "0", "0"),
        new LongDoubleParseCase("-0", true, "0", "-0"),
        new LongDoubleParseCase("1", true, "1", "1"),
        new LongDoubleParseCase("10.5", true, "10.5", "10.5"),
        new LongDoubleParseCase("0.1", true, "0.1", "0.1"),
        new LongDoubleParseCase("-0.1", true, "-0.1", "-0.1"),
        new LongDoubleParseCase("3.0e3", true, "3000", "3000"),
        new LongDoubleParseCase("1.1e300", true, null, "1.1e+300"),
        new LongDoubleParseCase("5e-300", true, "0", "5e-300"),
        new LongDoubleParseCase("1e20", true, "100000000000000000000", "1e+20"),
        new LongDoubleParseCase("-1e-20", true, "0", "-1e-20"),
        new LongDoubleParseCase("1e-17", true, "0.00000000000000001", "1e-17"),
        new LongDoubleParseCase("5e-18", true, "0", "5e-18"),
        new LongDoubleParseCase("1.00000381469726562500", true, "1.00000381469726562", "1.0000038146972656"),
        new LongDoubleParseCase("3.00000381469726562500", true, "3.00000381469726562", "3.0000038146972656"),
        new LongDoubleParseCase("0.3", true, "0.3", "0.3"),
        new LongDoubleParseCase("1e4932", true, null, "1e+4932"),
        new LongDoubleParseCase("1.18973149535723176502e4932", true, null, "1.1897314953572318e+4932"),
        new LongDoubleParseCase("1.18973149535723176508e4932", false, null, null),
        new LongDoubleParseCase("1.2e4932", false, null, null),
        new LongDoubleParseCase("3.6e-4951", true, "0", "3.6451995318824746e-4951"),
        new LongDoubleParseCase("3.64519953188247460253e-4951", true, "0", "3.6451995318824746e-4951"),
        new LongDoubleParseCase("1.8e-4951", false, null, null),
        new LongDoubleParseCase("1.83e-4951", true, "0", "3.6451995318824746e-4951"),
        new LongDoubleParseCase("1e-4952", false, null, null),
        new LongDoubleParseCase("0x1p-16445", true, "0", "3.6451995318824746e-4951"),
        new LongDoubleParseCase("0x1p-16446", false, null, null),
        new LongDoubleParseCase("0x1.0001p-16446", true, "0", "3.6451995318824746e-4951"),
        new LongDoubleParseCase("0x1p16383", true, null, "5.9486574767861588e+4931"),
        new LongDoubleParseCase("0x1p16384", false, null, null),
        new LongDoubleParseCase("0x1.fffffffffffffffep16383", true, null, "1.1897314953572318e+4932"),
        new LongDoubleParseCase("0x1.ffffffffffffffffp16383", false, null, null),
        new LongDoubleParseCase("0x1p-16382", true, "0", "3.3621031431120935e-4932"),
        new LongDoubleParseCase("inf", true, "inf", "inf"),
        new LongDoubleParseCase("-inf", true, "-inf", "-inf"),
        new LongDoubleParseCase("Infinity", true, "inf", "inf"),
        new LongDoubleParseCase("nan", false, null, null),
        new LongDoubleParseCase(" 1", false, null, null),
        new LongDoubleParseCase("1 ", false, null, null),
        new LongDoubleParseCase("", false, null, null),
        new LongDoubleParseCase(".", false, null, null),
        new LongDoubleParseCase("1e", false, null, null),
        new LongDoubleParseCase("+5", true, "5", "5"),
        new LongDoubleParseCase("0x10", true, "16", "16"),
        new LongDoubleParseCase("18446744073709551615", true, "18446744073709551615", "1.8446744073709552e+19"),
        new LongDoubleParseCase("18446744073709551616", true, "18446744073709551616", "1.8446744073709552e+19"),
        new LongDoubleParseCase("18446744073709551617", true, "18446744073709551616", "1.8446744073709552e+19"),
        new LongDoubleParseCase("36893488147419103231", true, "36893488147419103232", "3.6893488147419103e+19"),
        new LongDoubleParseCase("9223372036854775807", true, "9223372036854775807", "9.2233720368547758e+18"),
        new LongDoubleParseCase("123456789.123456789", true, "123456789.12345678899873747", "123456789.12345679"),
        new LongDoubleParseCase("0.00000000000000001", true, "0.00000000000000001", "1e-17"),
        new LongDoubleParseCase("0.000000000000000005", true, "0", "5e-18"),
        new LongDoubleParseCase("0.000000000000000015", true, "0.00000000000000002", "1.5e-17"),
        new LongDoubleParseCase("99999999999999999.999999", true, "100000000000000000", "1e+17"),
        new LongDoubleParseCase("1e-5000", false, null, null),
        new LongDoubleParseCase("0e-5000", true, "0", "0"),
        new LongDoubleParseCase("2.5", true, "2.5", "2.5"),
        new LongDoubleParseCase("100", true, "100", "100"),
    ];

    [TestCaseSource(nameof(LongDoubleParseCases))]
    public void LongDouble_parse_and_format_match_string2ld_and_ld2string(LongDoubleParseCase c)
    {
        bool ok = LongDouble.TryParse(Bytes(c.Input), out LongDouble value);
        Assert.That(ok, Is.EqualTo(c.Valid));
        if (!ok) return;
        Span<byte> buffer = new byte[LongDouble.MaxHumanLength];
        if (c.Human != null) Assert.That(Text(buffer[..value.FormatHuman(buffer)]), Is.EqualTo(c.Human));
        Assert.That(Text(buffer[..value.FormatGeneral(buffer)]), Is.EqualTo(c.General));
    }

    [Test]
    public void LongDouble_parse_rejects_inputs_of_5120_bytes_or_more()
    {
        string justFits = new string('0', 5118) + "1";
        Assert.That(LongDouble.TryParse(Bytes(justFits), out LongDouble value), Is.True);
        Assert.That(value.ToString(), Is.EqualTo("1"));
        Assert.That(LongDouble.TryParse(Bytes("0" + justFits), out _), Is.False);
    }

    [Test]
    public void LongDouble_largest_values_format_within_MaxHumanLength()
    {
        Assert.That(LongDouble.TryParse("-0x1.fffffffffffffffep16383"u8, out LongDouble lowest), Is.True);
        Span<byte> buffer = new byte[LongDouble.MaxHumanLength];
        int length = lowest.FormatHuman(buffer);
        Assert.That(length, Is.EqualTo(1 + 4933));
        Assert.That(Text(buffer[..24]), Is.EqualTo("-11897314953572317650212"));
        Assert.That(Text(buffer[(length - 10)..length]), Is.EqualTo("1989770240"));
    }

    [Test]
    public void LongDouble_conversions_are_exact()
    {
        Assert.That(LongDouble.FromInt64(long.MinValue).ToString(), Is.EqualTo("-9223372036854775808"));
        Assert.That(LongDouble.FromInt64(long.MaxValue).ToString(), Is.EqualTo("9223372036854775807"));
        Assert.That(LongDouble.FromInt64(0).IsZero, Is.True);
        Assert.That(LongDouble.FromDouble(0.1).ToString(), Is.EqualTo("0.10000000000000001"));
        Assert.That(LongDouble.FromDouble(double.Epsilon).FormatGeneralText(), Is.EqualTo("4.9406564584124654e-324"));
        Assert.That(LongDouble.FromDouble(-0.0).IsNegative, Is.True);
        Assert.That(LongDouble.FromDouble(double.NegativeInfinity).IsInfinity, Is.True);
        Assert.That(LongDouble.FromDouble(double.NaN).IsNaN, Is.True);
    }

    [Test]
    public void LongDouble_special_value_arithmetic()
    {
        Assert.That((LongDouble.PositiveInfinity + LongDouble.NegativeInfinity).IsNaN, Is.True);
        Assert.That((LongDouble.PositiveInfinity + LongDouble.FromInt64(-5)).IsInfinity, Is.True);
        Assert.That((LongDouble.NaN + LongDouble.FromInt64(1)).IsNaN, Is.True);
        LongDouble negativeZero = LongDouble.FromDouble(-0.0);
        Assert.That((negativeZero + negativeZero).IsNegative, Is.True);
        Assert.That((negativeZero + LongDouble.Zero).IsNegative, Is.False);
        Assert.That((LongDouble.FromInt64(3) + LongDouble.FromInt64(-3)).IsNegative, Is.False);
        Assert.That((negativeZero + negativeZero).ToString(), Is.EqualTo("0"));
    }

    // ---- INCRBYFLOAT: string2ld(a) + string2ld(b), then ld2string(LD_STR_HUMAN) -----------------

    /// <summary>Expected is the reply, "ERR" (not a valid float), "NANINF" (would produce NaN or
    /// Infinity), or "LONG:length:prefix" for replies too long to list.</summary>
    public readonly record struct IncrCase(string Current, string Increment, string Expected)
    {
        public override string ToString() => $"{Show(Current)} + {Show(Increment)} => {Show(Expected)}";
    }

    public static readonly IncrCase[] IncrByFloatCases =
    [
        new IncrCase("10.5", "0.1", "10.6"),
        new IncrCase("0.1", "0.2", "0.3"),
        new IncrCase("0.1", "0.1", "0.2"),
        new IncrCase("1.1e300", "1", "1100000000000000000031679530732795138591532332325862506718383847413637247277123812426882416762248657849988461241352992611336706554823545160973174225130610215620027094046395127399610417538983706465906638682164129361456386852562032955198318116281073243798236543816165261761777879190685034590410989633536"),
        new IncrCase("5e-300", "0", "0"),
        new IncrCase("3.0e3", "0", "3000"),
        new IncrCase("5.0e3", "2.0e2", "5200"),
        new IncrCase("-0", "-0", "0"),
        new IncrCase("-0", "0", "0"),
        new IncrCase("0", "-1e-20", "0"),
        new IncrCase("1e-20", "0", "0"),
        new IncrCase("1", "-1", "0"),
        new IncrCase("1.5", "-1.5", "0"),
        new IncrCase("-5", "2", "-3"),
        new IncrCase("10", "-10.5", "-0.5"),
        new IncrCase("1e4932", "1e4932", "NANINF"),
        new IncrCase("-1e4932", "-1e4932", "NANINF"),
        new IncrCase("1.18973149535723176502e4932", "1e4931", "NANINF"),
        new IncrCase("inf", "1", "NANINF"),
        new IncrCase("1", "-inf", "NANINF"),
        new IncrCase("inf", "-inf", "NANINF"),
        new IncrCase("nan", "1", "ERR"),
        new IncrCase("1", "nan", "ERR"),
        new IncrCase(" 1", "1", "ERR"),
        new IncrCase("1 ", "1", "ERR"),
        new IncrCase("1e", "1", "ERR"),
        new IncrCase("", "1", "ERR"),
        new IncrCase("1", "", "ERR"),
        new IncrCase("abc", "1", "ERR"),
        new IncrCase("1e5000", "1", "ERR"),
        new IncrCase("1e-5000", "1", "ERR"),
        new IncrCase("0e-5000", "1", "1"),
        new IncrCase("0x10", "0x1p-1", "16.5"),
        new IncrCase("+1", "+1", "2"),
        new IncrCase("9223372036854775807", "1", "9223372036854775808"),
        new IncrCase("18446744073709551615", "1", "18446744073709551616"),
        new IncrCase("18446744073709551616", "1", "18446744073709551616"),
        new IncrCase("36893488147419103232", "1", "36893488147419103232"),
        new IncrCase("36893488147419103232", "2", "36893488147419103232"),
        new IncrCase("36893488147419103232", "4", "36893488147419103236"),
        new IncrCase("36893488147419103232", "6", "36893488147419103240"),
        new IncrCase("1e20", "1", "100000000000000000000"),
        new IncrCase("1e19", "0.5", "10000000000000000000"),
        new IncrCase("17179869184", "1.5", "17179869185.5"),
        new IncrCase("1.00000381469726562500", "0", "1.00000381469726562"),
        new IncrCase("3.00000381469726562500", "0", "3.00000381469726562"),
        new IncrCase("1e-17", "0", "0.00000000000000001"),
        new IncrCase("5e-18", "0", "0"),
        new IncrCase("1.5e-17", "0", "0.00000000000000002"),
        new IncrCase("0.00000000000000001", "0.00000000000000001", "0.00000000000000002"),
        new IncrCase("123.456", "0.0001", "123.45610000000000001"),
        new IncrCase("99999999999999999", "0.1", "99999999999999999.1015625"),
        new IncrCase("2", "0.33333333333333333333", "2.33333333333333333"),
        new IncrCase("1", "1e-19", "1"),
        new IncrCase("1", "1e-18", "1"),
        new IncrCase("1", "5e-20", "1"),
        new IncrCase("1", "-1e-19", "1"),
        new IncrCase("3.14159265358979323846", "2.71828182845904523536", "5.85987448204883847"),
        new IncrCase("1e-4950", "-1e-4950", "0"),
        new IncrCase("0x1p-16445", "0x1p-16445", "0"),
        new IncrCase("0x1p-16445", "-0x1p-16445", "0"),
        new IncrCase("0x1p16383", "0x1p16383", "NANINF"),
        new IncrCase("0x1.fffffffffffffffep16383", "0x1p16319", "NANINF"),
        new IncrCase("0x1.fffffffffffffffep16383", "0x1p16318", "LONG:4933:1189731495357231765021263853030970205169"),
        new IncrCase("5.0e3", "-5000", "0"),
        new IncrCase("1.23456789012345678901234567890", "0", "1.23456789012345679"),
        new IncrCase("0.1", "-0.1", "0"),
        new IncrCase("100", "-99.9", "0.1"),
        new IncrCase("-100", "99.9", "-0.1"),
        new IncrCase("0.000001", "0.000002", "0.000003"),
        new IncrCase("12345678901234567890", "0.5", "12345678901234567890"),
        new IncrCase("1e21", "-1e21", "0"),
        new IncrCase("1e21", "1", "1000000000000000000000"),
        new IncrCase("-1.5", "0.25", "-1.25"),
        new IncrCase("0.450134507", "1.219e37", "12189999999999999999491930880988938240"),
        new IncrCase("0xce4a948b8c162d2bp-64", "-0xd7096df88282eb60p0", "-15495036907053837151"),
        new IncrCase("690354695111285956", "3.0259e22", "30259690354695111286784"),
        new IncrCase("-0xa21b1b05e1fffb94p-48", "722.6352", "-40776.47035851459100897"),
        new IncrCase("-627849890653467817", "75144671268801467", "-552705219384666350"),
        new IncrCase("0xd38b25da9d010245p-50", "540.5", "14079.28696675604493738"),
        new IncrCase("468061459014167174", "5.5474e-27", "468061459014167174"),
        new IncrCase("7.914e-37", "-728753907819809707", "-728753907819809707"),
        new IncrCase("-683013196162977530", "6.1267e-3", "-683013196162977530"),
        new IncrCase("886.5472", "0xbb1e4e6dc3884e43p-70", "886.55862079981860224"),
        new IncrCase("0.133598099", "4.4005839513116056239e-4", "0.13403815739513116"),
        new IncrCase("0xd4641b752c3c97e6p-39", "0.986624694", "27838519.90203719072815147"),
        new IncrCase("879497539634266508", "-177159283739909890", "702338255894356618"),
        new IncrCase("0xe5ec23cb6789ed5cp-34", "203824982410985808", "203824983375350338.84375"),
        new IncrCase("3.142347718806e-16", "0xcf00a56b92b1e4c4p-34", "868231514.89325673528946936"),
        new IncrCase("4.479e29", "-495.573", "447899999999999999986645336064"),
        new IncrCase("194454677654005347", "6.8715484727e14", "195141832501275347"),
        new IncrCase("0.864736854", "7.87773370622253566e-16", "0.86473685400000079"),
        new IncrCase("0xbf5540974bf34d59p-4", "0xaf0ec1a1f4447b56p-9", "886324476167935763.25"),
        new IncrCase("-928314156995433070", "0.692251408", "-928314156995433069.3125"),
        new IncrCase("0xb903cc16c17852c9p-53", "-152.96871", "1327.14995319453346212"),
        new IncrCase("9.973e18", "0.273013471", "9973000000000000000"),
        new IncrCase("612.608", "9.193e15", "9193000000000612.6083984375"),
        new IncrCase("2.7329880328877052e22", "65227395230832625", "27329945556272282832896"),
        new IncrCase("-799.531", "7.7471877296854652073e23", "774718772968546520727552"),
        new IncrCase("2.228e34", "2.47924e22", "22280000000024792398690145796096000"),
        new IncrCase("7.703e-27", "4.04674491816e10", "40467449181.60000000149011612"),
        new IncrCase("6.560e-10", "205.125068", "205.125068000656"),
        new IncrCase("6.124082e2", "265353916800004688", "265353916800005300.40625"),
        new IncrCase("7.324432968026592050e-18", "8.31797728e-14", "0.00000000000008319"),
        new IncrCase("276.1", "0xf9ac2da5089e2984p-51", "8265.62228743298218347"),
        new IncrCase("-171024613925782031", "-0xe303a8d17b74a6e8p-13", "-173021452779445684.21875"),
        new IncrCase("0.694135887", "362.2858", "362.97993588700000001"),
        new IncrCase("4.4457679156911825e10", "121208550586014044", "121208595043693200.9140625"),
        new IncrCase("-635396640204884020", "15.12807216", "-635396640204884004.875"),
        new IncrCase("-579954615671887407", "-0x81b7d2239f0a3326p-52", "-579954615671889482.5"),
        new IncrCase("2.433e-34", "516601703345236183", "516601703345236183"),
        new IncrCase("2.725e-30", "8.473e-14", "0.00000000000008473"),
        new IncrCase("0.539348145", "4.686e0", "5.225348145"),
        new IncrCase("9.649e-2", "-0xad44a9dc0e4d8f4ap-43", "-1419413.13595915574580886"),
        new IncrCase("9.485e-9", "-422062683837143416", "-422062683837143416"),
        new IncrCase("-677058582757302111", "0.575201223", "-677058582757302110.4375"),
        new IncrCase("0.280296581", "-652010942057446584", "-652010942057446583.75"),
        new IncrCase("-300.83099", "-568067907138182858", "-568067907138183158.84375"),
        new IncrCase("46972670698220240", "0.53786281", "46972670698220240.5390625"),
        new IncrCase("1.8971227263912567e10", "-876047993767453294", "-876047974796226030.0625"),
        new IncrCase("-0xa26380c82215cec7p-24", "-95.34421", "-697454086273.42939645051956177"),
        new IncrCase("2.12371752472942221246e-2", "696708538048929916", "696708538048929916"),
        new IncrCase("9.423e40", "-0x9db72a39d5ec22f0p-5", "94230000000000000001879467340813354139648"),
        new IncrCase("7.507e10", "-0xecab853338945946p-65", "75069999999.53775390237569809"),
        new IncrCase("8.860e27", "914.0", "8860000000000000000067108864"),
        new IncrCase("997502834376023360", "0.912445277", "997502834376023360.9375"),
        new IncrCase("-245427198442853077", "0xdc26c16a79b2adb8p-35", "-245427197981162151.6875"),
        new IncrCase("7.741e8", "0.687771937", "774100000.6877719369949773"),
        new IncrCase("-742095026842569783", "-500.35712333", "-742095026842570283.375"),
        new IncrCase("7.167e-21", "1.1e-13", "0.00000000000011"),
        new IncrCase("-785.85", "3.14387101718504036e-13", "-785.84999999999968562"),
        new IncrCase("-690.0", "-808554601492417010", "-808554601492417700"),
        new IncrCase("0.397440010", "0.182581384", "0.580021394"),
        new IncrCase("-280.0", "0.545371357", "-279.454628643"),
        new IncrCase("0.465071601", "0xc849424d3e2722d3p-66", "0.66066356187315124"),
        new IncrCase("3.781e5", "-992988639634894018", "-992988639634515918"),
        new IncrCase("0xdde4e15d3e05eff2p-14", "-709.46511", "975900413064530.2840576171875"),
        new IncrCase("179.6", "-0x95fa0a72b941435bp-41", "-4914257.62406963298053597"),
        new IncrCase("513.93", "8.215e-15", "513.93000000000000821"),
        new IncrCase("5.23902306301288e30", "0.623727852", "5239023063012879999736473452544"),
        new IncrCase("540.781642", "0.807928941", "541.58957094100000002"),
        new IncrCase("0xd206666dd2e03538p-52", "4.2494066e-21", "3360.40000707982410511"),
        new IncrCase("-0xff45c67bf616e6cfp-54", "566647609989048777", "566647609989047755.90625"),
        new IncrCase("7.1453395927184e23", "3.394e8", "714533959271840339394560"),
        new IncrCase("0x9e3ac01da30fb758p-36", "0.281061865", "165915650.13337177499488462"),
        new IncrCase("0.157890494", "454893470213425014", "454893470213425014.15625"),
        new IncrCase("6.83e4", "-0xa024c1d8310ecb7fp-4", "-721222579969319403.9375"),
        new IncrCase("8.2652e8", "0.428426564", "826520000.42842656397260725"),
        new IncrCase("0x9284528390753036p-18", "8.991e22", "89910000040274254422016"),
        new IncrCase("322015539272276381", "418944116021131964", "740959655293408345"),
        new IncrCase("0.255210685", "9.78511403501507359692e20", "978511403501507359680"),
        new IncrCase("-0xbe53559c75c7fc05p-5", "-295281697162427203", "-723856679060945699.125"),
        new IncrCase("3.706e33", "-493705049384484922", "3705999999999999506238866603376640"),
        new IncrCase("0.693459057", "7.971e40", "79710000000000000001020047063843835215872"),
        new IncrCase("-0xb2d6dcd7e86434eep-59", "0xccec6b6ce1a3dd6dp-27", "110017473925.85009876638650894"),
        new IncrCase("925.608", "8.983e-14", "925.6080000000000898"),
        new IncrCase("5.448e14", "0.89524382", "544800000000000.895233154296875"),
        new IncrCase("5.348619787873034603e-4", "158331914723981783", "158331914723981783"),
        new IncrCase("6.802e-29", "2.697426928188926709e10", "26974269281.88926709070801735"),
        new IncrCase("0.34435282", "0.732802881", "1.077155701"),
        new IncrCase("0xcd9e1878d9d992a1p-50", "1.7540447437758e-21", "13159.52389850988825604"),
        new IncrCase("0.344012372", "979903085554021134", "979903085554021134.375"),
        new IncrCase("6.674e3", "0xbdab953570ce7c60p-21", "6517020018072.4526824951171875"),
        new IncrCase("-0xc1d3be3eba024c36p-65", "-171.85", "-172.22856859698968446"),
        new IncrCase("4.866e-35", "185.526", "185.526"),
        new IncrCase("631.02", "-795.0", "-163.97999999999999998"),
        new IncrCase("2.571e-11", "0.653116269", "0.65311626902571"),
        new IncrCase("0.494289409", "5.3e-11", "0.494289409053"),
        new IncrCase("6.396e-5", "-845.21107592", "-845.21101196"),
        new IncrCase("8.379e0", "0xfe867091333d511dp-12", "4477653882188765.448486328125"),
        new IncrCase("1.8361e25", "7.06019443e9", "18361000000000007060062208"),
        new IncrCase("793938488394944718", "0.919902266", "793938488394944718.9375"),
        new IncrCase("4.577426258529e18", "2.184e-19", "4577426258529000000"),
        new IncrCase("8.5e-11", "394.652", "394.652000000085"),
        new IncrCase("-0xebe0f592ac00e53cp-43", "979.0", "-1931339.69661713313644213"),
        new IncrCase("723771136473813883", "427640465319092632", "1151411601792906515"),
        new IncrCase("6.6e6", "1.75710067e1", "6600017.57100669999999809"),
        new IncrCase("112593311127000741", "0.930478501", "112593311127000741.9296875"),
        new IncrCase("6.696915758439e-27", "0.856456638", "0.856456638"),
        new IncrCase("-97.973233", "-92363337059151315", "-92363337059151412.9765625"),
        new IncrCase("-838.73902", "5.783e-24", "-838.73902000000000001"),
        new IncrCase("2.571e35", "6.509e-11", "257099999999999999997373769232416768"),
        new IncrCase("-239.05", "7.383e-23", "-239.05"),
        new IncrCase("-231.16", "6.614e-30", "-231.16"),
    ];

    [TestCaseSource(nameof(IncrByFloatCases))]
    public void IncrByFloat_matches_valkey(IncrCase c)
    {
        string actual;
        if (!LongDouble.TryParse(Bytes(c.Current), out LongDouble current) ||
            !LongDouble.TryParse(Bytes(c.Increment), out LongDouble increment))
        {
            actual = "ERR";
        }
        else
        {
            LongDouble sum = current + increment;
            actual = sum.IsNaN || sum.IsInfinity ? "NANINF" : sum.ToString();
        }

        if (c.Expected.StartsWith("LONG:", StringComparison.Ordinal))
        {
            string[] parts = c.Expected.Split(':');
            Assert.That(actual.Length, Is.EqualTo(int.Parse(parts[1], CultureInfo.InvariantCulture)));
            Assert.That(actual, Does.StartWith(parts[2]));
        }
        else
        {
            Assert.That(actual, Is.EqualTo(c.Expected));
        }
    }

    // ---- addReplyHumanLongDouble of a double (GEO coordinates) and LD_STR_AUTO (ZSCAN scores) -----

    public readonly record struct HumanDoubleCase(double Value, string Human, string General)
    {
        public override string ToString() => $"{Value.ToString("R", CultureInfo.InvariantCulture)} => {Human} / {General}";
    }

    public static readonly HumanDoubleCase[] HumanDoubleCases =
    [
        new HumanDoubleCase(0.0, "0", "0"),
        new HumanDoubleCase(-0.0, "0", "-0"),
        new HumanDoubleCase(0.1, "0.10000000000000001", "0.10000000000000001"),
        new HumanDoubleCase(-0.1, "-0.10000000000000001", "-0.10000000000000001"),
        new HumanDoubleCase(1.0, "1", "1"),
        new HumanDoubleCase(13.361389338970184, "13.36138933897018433", "13.361389338970184"),
        new HumanDoubleCase(38.115556395496299, "38.11555639549629859", "38.115556395496299"),
        new HumanDoubleCase(-122.27652043104172, "-122.27652043104171753", "-122.27652043104172"),
        new HumanDoubleCase(85.05112877980659, "85.05112877980658936", "85.051128779806589"),
        new HumanDoubleCase(180.0, "180", "180"),
        new HumanDoubleCase(-180.0, "-180", "-180"),
        new HumanDoubleCase(1e-20, "0", "9.9999999999999995e-21"),
        new HumanDoubleCase(1e17, "100000000000000000", "1e+17"),
        new HumanDoubleCase(1e20, "100000000000000000000", "1e+20"),
        new HumanDoubleCase(123456789.0, "123456789", "123456789"),
        new HumanDoubleCase(0.5, "0.5", "0.5"),
        new HumanDoubleCase(1e-5, "0.00001", "1.0000000000000001e-05"),
        new HumanDoubleCase(0.0001, "0.0001", "0.0001"),
        new HumanDoubleCase(3.0000000000000004, "3.00000000000000044", "3.0000000000000004"),
        new HumanDoubleCase(1.0 / 3, "0.33333333333333331", "0.33333333333333331"),
        new HumanDoubleCase(2.5e-300, "0", "2.5e-300"),
        new HumanDoubleCase(1e22, "10000000000000000000000", "1e+22"),
        new HumanDoubleCase(12345678901234567.0, "12345678901234568", "12345678901234568"),
    ];

    [TestCaseSource(nameof(HumanDoubleCases))]
    public void FormatDoubleHuman_matches_ld2string(HumanDoubleCase c)
    {
        Span<byte> buffer = stackalloc byte[NumberFormatter.MaxDoubleHumanLength];
        int length = NumberFormatter.FormatDoubleHuman(c.Value, buffer);
        Assert.That(Text(buffer[..length]), Is.EqualTo(c.Human));
        Assert.That(LongDouble.FromDouble(c.Value).FormatGeneralText(), Is.EqualTo(c.General));
    }

    [Test]
    public void FormatDoubleHuman_fits_the_largest_double()
    {
        Span<byte> buffer = stackalloc byte[NumberFormatter.MaxDoubleHumanLength];
        Assert.That(NumberFormatter.FormatDoubleHuman(double.MinValue, buffer), Is.EqualTo(310));
        Assert.That(NumberFormatter.FormatDoubleHuman(-double.Epsilon, buffer), Is.EqualTo(1));
        Assert.That(buffer[0], Is.EqualTo((byte)'0'));
    }
}

internal static class LongDoubleTestExtensions
{
    public static string FormatGeneralText(this LongDouble value)
    {
        Span<byte> buffer = stackalloc byte[LongDouble.MaxGeneralLength];
        return Encoding.ASCII.GetString(buffer[..value.FormatGeneral(buffer)]);
    }
}
