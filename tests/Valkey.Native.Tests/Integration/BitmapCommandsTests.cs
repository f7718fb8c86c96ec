using System.Numerics;
using System.Text;
using NUnit.Framework;
using StackExchange.Redis;
using Valkey.Native.Storage;
using Valkey.Native.Tests.Infrastructure;
using Valkey.Native.Tests.Shared;
using static Valkey.Native.Tests.Infrastructure.Resp;

namespace Valkey.Native.Tests.Integration;

/// <summary>
/// The bitmap family (bitops.c) against the shared server: byte-exact replies and errors over a
/// raw socket (binary values sent and read as bytes), growth of strings, every encoding as input,
/// results of the SIMD paths on long values checked against simple models, and the same commands
/// through StackExchange.Redis. Keys are prefixed with the test's name.
/// </summary>
[TestFixture]
public class BitmapCommandsTests : SharedServerFixture
{
    private const string BitOffsetError = "-ERR bit offset is not an integer or out of range\r\n";
    private const string BitValueError = "-ERR bit is not an integer or out of range\r\n";
    private const string NotInteger = "-ERR value is not an integer or out of range\r\n";
    private const string SyntaxError = "-ERR syntax error\r\n";
    private const string TypeError = "-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.\r\n";

    private static string K(string name = "k") => $"{{bit}}:{TestContext.CurrentContext.Test.Name}:{name}";

    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    /// <summary>Runs a command whose arguments may be binary; returns the raw reply bytes.</summary>
    private byte[] RunBytes(params byte[][] args)
    {
        Client.SendCommand(args);
        return Client.ReadReplyBytes();
    }

    private void SetBytes(string key, byte[] value) =>
        Assert.That(RunBytes(B("SET"), B(key), value), Is.EqualTo(B(Ok)));

    /// <summary>The value of a key as bytes (null if missing).</summary>
    private byte[]? GetBytes(string key)
    {
        byte[] reply = RunBytes(B("GET"), B(key));
        if (reply.AsSpan().SequenceEqual("$-1\r\n"u8)) return null;
        int headerEnd = Array.IndexOf(reply, (byte)'\n') + 1;
        Assert.That(reply[0], Is.EqualTo((byte)'$'));
        return reply[headerEnd..^2];
    }

    private static long PopCount(ReadOnlySpan<byte> data)
    {
        long n = 0;
        foreach (byte b in data) n += BitOperations.PopCount(b);
        return n;
    }

    private static long FirstBit(byte[] data, long from, long to, int bit)
    {
        for (long i = from; i <= to && i < data.Length * 8L; i++)
        {
            if (((data[i >> 3] >> (7 - (int)(i & 7))) & 1) == bit) return i;
        }
        return -1;
    }

    // ---- SETBIT / GETBIT ------------------------------------------------------------------------------

    [Test]
    public void SetbitGrowsAZeroFilledStringAndRepliesTheOldBit()
    {
        Assert.That(Run("SETBIT", K(), "7", "1"), Is.EqualTo(Int(0)));
        Assert.That(GetBytes(K()), Is.EqualTo(new byte[] { 0x01 }));
        Assert.That(Run("SETBIT", K(), "7", "1"), Is.EqualTo(Int(1)));
        Assert.That(Run("SETBIT", K(), "7", "0"), Is.EqualTo(Int(1)));
        Assert.That(Run("SETBIT", K(), "17", "1"), Is.EqualTo(Int(0)));
        Assert.That(GetBytes(K()), Is.EqualTo(new byte[] { 0x00, 0x00, 0x40 }));
        Assert.That(Run("SETBIT", K(), "100", "0"), Is.EqualTo(Int(0)), "clearing past the end still grows the string");
        Assert.That(Run("STRLEN", K()), Is.EqualTo(Int(13)));
        Assert.That(Run("TYPE", K()), Is.EqualTo("+string\r\n"));
        Assert.That(Run("OBJECT", "ENCODING", K()), Is.EqualTo(Bulk("raw")));
    }

    [Test]
    public void SetbitTurnsIntAndEmbstrValuesRaw()
    {
        Run("SET", K("int"), "1");
        Assert.That(Run("OBJECT", "ENCODING", K("int")), Is.EqualTo(Bulk("int")));
        // "1" is 0x31 = 00110001: setting bit 6 gives 0x33, "3".
        Assert.That(Run("SETBIT", K("int"), "6", "1"), Is.EqualTo(Int(0)));
        Assert.That(Run("GET", K("int")), Is.EqualTo(Bulk("3")));
        Assert.That(Run("OBJECT", "ENCODING", K("int")), Is.EqualTo(Bulk("raw")));

        Run("SET", K("emb"), "@");
        Assert.That(Run("SETBIT", K("emb"), "0", "0"), Is.EqualTo(Int(0)), "no change");
        Assert.That(Run("GET", K("emb")), Is.EqualTo(Bulk("@")));
        Assert.That(Run("OBJECT", "ENCODING", K("emb")), Is.EqualTo(Bulk("raw")), "unshared even when nothing changes, as Valkey");
    }

    [Test]
    public void SetbitKeepsTheTtlAndTheRestOfALongValue()
    {
        string value = new string('x', 100);
        Run("SET", K(), value, "EX", "1000");
        Assert.That(Run("SETBIT", K(), "799", "1"), Is.EqualTo(Int(0)));
        Assert.That(Run("SETBIT", K(), "807", "1"), Is.EqualTo(Int(0)));
        byte[] expected = [.. B(value), 0x01];
        expected[99] |= 0x01;
        Assert.That(GetBytes(K()), Is.EqualTo(expected));
        Assert.That(Integer(Run("TTL", K())), Is.InRange(990, 1000));
    }

    [Test]
    public void SetbitErrorsComeBeforeAnyWrite()
    {
        Assert.That(Run("SETBIT", K(), "-1", "1"), Is.EqualTo(BitOffsetError));
        Assert.That(Run("SETBIT", K(), "abc", "1"), Is.EqualTo(BitOffsetError));
        Assert.That(Run("SETBIT", K(), "1.5", "1"), Is.EqualTo(BitOffsetError));
        Assert.That(Run("SETBIT", K(), "4294967296", "1"), Is.EqualTo(BitOffsetError), "512 MB × 8 bits is the limit");
        Assert.That(Run("SETBIT", K(), "-1", "5"), Is.EqualTo(BitOffsetError), "the offset is checked first");
        foreach (string bad in new[] { "2", "-1", "10", "x", "" })
            Assert.That(Run("SETBIT", K(), "0", bad), Is.EqualTo(BitValueError), bad);
        Assert.That(Run("EXISTS", K()), Is.EqualTo(Int(0)));
        Run("RPUSH", K("list"), "a");
        Assert.That(Run("SETBIT", K("list"), "0", "1"), Is.EqualTo(WrongType));
        Assert.That(Run("SETBIT", K()), Is.EqualTo("-ERR wrong number of arguments for 'setbit' command\r\n"));
    }

    [Test]
    public void GetbitReadsEveryEncoding()
    {
        Assert.That(Run("GETBIT", K("missing"), "0"), Is.EqualTo(Int(0)));
        Assert.That(Run("GETBIT", K("missing"), "4294967295"), Is.EqualTo(Int(0)), "the largest offset");
        Assert.That(Run("GETBIT", K("missing"), "4294967296"), Is.EqualTo(BitOffsetError));
        Run("SET", K("int"), "1");
        int[] intBits = [0, 0, 1, 1, 0, 0, 0, 1];
        for (int i = 0; i < 8; i++) Assert.That(Run("GETBIT", K("int"), i.ToString()), Is.EqualTo(Int(intBits[i])), $"bit {i}");
        Assert.That(Run("OBJECT", "ENCODING", K("int")), Is.EqualTo(Bulk("int")), "reads change nothing");
        Run("SET", K("emb"), "`");
        Assert.That(Run("GETBIT", K("emb"), "1"), Is.EqualTo(Int(1)));
        Assert.That(Run("GETBIT", K("emb"), "2"), Is.EqualTo(Int(1)));
        Assert.That(Run("GETBIT", K("emb"), "3"), Is.EqualTo(Int(0)));
        Assert.That(Run("GETBIT", K("emb"), "8"), Is.EqualTo(Int(0)));
        Assert.That(Run("GETBIT", K("emb"), "10000"), Is.EqualTo(Int(0)));
        Assert.That(Run("STRLEN", K("emb")), Is.EqualTo(Int(1)), "reading past the end grows nothing");
        Run("RPUSH", K("list"), "a");
        Assert.That(Run("GETBIT", K("list"), "0"), Is.EqualTo(WrongType));
        Assert.That(Run("GETBIT", K("list"), "x"), Is.EqualTo(BitOffsetError), "the offset is parsed before the lookup");
    }

    [Test]
    public void SetbitAndGetbitThroughStackExchangeRedis()
    {
        var key = (RedisKey)K();
        Assert.That(Db.StringSetBit(key, 10, true), Is.False);
        Assert.That(Db.StringSetBit(key, 10, true), Is.True);
        Assert.That(Db.StringGetBit(key, 10), Is.True);
        Assert.That(Db.StringGetBit(key, 11), Is.False);
        Assert.That((byte[]?)Db.StringGet(key), Is.EqualTo(new byte[] { 0x00, 0x20 }));
    }

    // ---- BITCOUNT ----------------------------------------------------------------------------------------

    [Test]
    public void BitcountOverWholeValuesAndRanges()
    {
        Run("SET", K(), "foobar");
        Assert.That(Run("BITCOUNT", K()), Is.EqualTo(Int(26)));
        Assert.That(Run("BITCOUNT", K(), "0", "0"), Is.EqualTo(Int(4)));
        Assert.That(Run("BITCOUNT", K(), "1", "1"), Is.EqualTo(Int(6)));
        Assert.That(Run("BITCOUNT", K(), "1"), Is.EqualTo(Int(22)), "start only: to the end (Valkey 8)");
        Assert.That(Run("BITCOUNT", K(), "-2", "-1"), Is.EqualTo(Int(7)));
        Assert.That(Run("BITCOUNT", K(), "-2", "-1", "byte"), Is.EqualTo(Int(7)));
        Assert.That(Run("BITCOUNT", K(), "5", "30", "BIT"), Is.EqualTo(Int(17)));
        Assert.That(Run("BITCOUNT", K(), "-3", "-1", "bit"), Is.EqualTo(Int(1)));
        Assert.That(Run("BITCOUNT", K(), "7", "8", "bit"), Is.EqualTo(Int(0)));
        Assert.That(Run("BITCOUNT", K(), "-1000", "1000"), Is.EqualTo(Int(26)));
        Assert.That(Run("BITCOUNT", K(), "4", "2"), Is.EqualTo(Int(0)));
        Assert.That(Run("BITCOUNT", K(), "-6", "-7"), Is.EqualTo(Int(0)));
        Assert.That(Run("BITCOUNT", K(), "0", "4294967296"), Is.EqualTo(Int(26)));
        Assert.That(Run("BITCOUNT", K("missing")), Is.EqualTo(Int(0)));
        Assert.That(Run("BITCOUNT", K("missing"), "0", "1000", "bit"), Is.EqualTo(Int(0)));
        Run("SET", K("int"), "123");
        Assert.That(Run("BITCOUNT", K("int")), Is.EqualTo(Int(PopCount(B("123")))));
        Run("SET", K("empty"), "");
        Assert.That(Run("BITCOUNT", K("empty")), Is.EqualTo(Int(0)));
    }

    [Test]
    public void BitcountErrors()
    {
        Run("SET", K(), "1");
        Assert.That(Run("BITCOUNT", K(), "0", "1", "hello"), Is.EqualTo(SyntaxError));
        Assert.That(Run("BITCOUNT", K(), "0", "1", "bit", "x"), Is.EqualTo(SyntaxError));
        Assert.That(Run("BITCOUNT", K("missing"), "0", "1", "hello"), Is.EqualTo(SyntaxError), "missing keys are no excuse");
        Assert.That(Run("BITCOUNT", K(), "a", "b"), Is.EqualTo(NotInteger));
        Assert.That(Run("BITCOUNT", K(), "0", "b"), Is.EqualTo(NotInteger));
        Run("RPUSH", K("list"), "a");
        Assert.That(Run("BITCOUNT", K("list")), Is.EqualTo(WrongType));
        Assert.That(Run("BITCOUNT", K("list"), "-6", "-7"), Is.EqualTo(WrongType), "type checked before the empty-range shortcut");
        Assert.That(Run("BITCOUNT", K("list"), "a", "b"), Is.EqualTo(NotInteger), "arguments checked before the type");
    }

    [Test]
    public void BitcountOfLongValuesAtEveryEdge()
    {
        var random = new Random(3);
        foreach (int length in new[] { 15, 16, 17, 33, 100, 1000, 4097, 20_011 })
        {
            byte[] value = new byte[length];
            random.NextBytes(value);
            SetBytes(K(), value);
            Assert.That(Run("BITCOUNT", K()), Is.EqualTo(Int(PopCount(value))), $"length {length}");
            for (int i = 0; i < 20; i++)
            {
                int start = random.Next(length), end = random.Next(start, length);
                Assert.That(Run("BITCOUNT", K(), start.ToString(), end.ToString()),
                    Is.EqualTo(Int(PopCount(value.AsSpan(start, end - start + 1)))), $"bytes {start}..{end} of {length}");
                long startBit = random.NextInt64(length * 8L), endBit = random.NextInt64(startBit, length * 8L);
                long expected = 0;
                for (long b = startBit; b <= endBit; b++) expected += (value[b >> 3] >> (7 - (int)(b & 7))) & 1;
                Assert.That(Run("BITCOUNT", K(), startBit.ToString(), endBit.ToString(), "BIT"), Is.EqualTo(Int(expected)),
                    $"bits {startBit}..{endBit} of {length}");
            }
        }
    }

    [Test]
    public void BitcountThroughStackExchangeRedis()
    {
        var key = (RedisKey)K();
        Db.StringSet(key, "foobar");
        Assert.That(Db.StringBitCount(key), Is.EqualTo(26));
        Assert.That(Db.StringBitCount(key, 1, 1), Is.EqualTo(6));
        Assert.That(Db.StringBitCount(key, 5, 30, StringIndexType.Bit), Is.EqualTo(17));
    }

    // ---- BITPOS ------------------------------------------------------------------------------------------

    [Test]
    public void BitposFindsTheFirstSetOrClearBit()
    {
        SetBytes(K("a"), [0xFF, 0xF0, 0x00]);
        Assert.That(Run("BITPOS", K("a"), "0"), Is.EqualTo(Int(12)));
        Assert.That(Run("BITPOS", K("a"), "1"), Is.EqualTo(Int(0)));
        Assert.That(Run("BITPOS", K("a"), "0", "1"), Is.EqualTo(Int(12)));
        Assert.That(Run("BITPOS", K("a"), "0", "0", "-1", "bit"), Is.EqualTo(Int(12)));
        SetBytes(K("b"), [0x00, 0x0F, 0x00]);
        Assert.That(Run("BITPOS", K("b"), "1"), Is.EqualTo(Int(12)));
        Assert.That(Run("BITPOS", K("b"), "1", "2"), Is.EqualTo(Int(-1)));
        Assert.That(Run("BITPOS", K("b"), "1", "13", "-1", "BIT"), Is.EqualTo(Int(13)));
        Assert.That(Run("BITPOS", K("b"), "1", "16", "200", "bit"), Is.EqualTo(Int(-1)));
        Assert.That(Run("BITPOS", K("b"), "0", "4", "7", "bit"), Is.EqualTo(Int(4)));
        Assert.That(Run("BITPOS", K("b"), "0", "12", "15", "bit"), Is.EqualTo(Int(-1)));
        Assert.That(Run("BITPOS", K("b"), "1", "-1", "-1"), Is.EqualTo(Int(-1)));
        Assert.That(Run("BITPOS", K("b"), "1", "3", "1"), Is.EqualTo(Int(-1)), "empty range");
    }

    [Test]
    public void BitposForAClearBitDependsOnWhetherTheEndWasGiven()
    {
        SetBytes(K(), [0xFF, 0xFF, 0xFF]);
        Assert.That(Run("BITPOS", K(), "0"), Is.EqualTo(Int(24)), "the string continues with zeros");
        Assert.That(Run("BITPOS", K(), "0", "0"), Is.EqualTo(Int(24)));
        Assert.That(Run("BITPOS", K(), "0", "2"), Is.EqualTo(Int(24)));
        Assert.That(Run("BITPOS", K(), "0", "0", "-1"), Is.EqualTo(Int(-1)), "an explicit end is a hard limit");
        Assert.That(Run("BITPOS", K(), "0", "0", "-1", "bit"), Is.EqualTo(Int(-1)));
        Assert.That(Run("BITPOS", K("missing"), "0"), Is.EqualTo(Int(0)));
        Assert.That(Run("BITPOS", K("missing"), "1"), Is.EqualTo(Int(-1)));
        Assert.That(Run("BITPOS", K("missing"), "0", "5", "10"), Is.EqualTo(Int(0)));
        Run("SET", K("empty"), "");
        Assert.That(Run("BITPOS", K("empty"), "0"), Is.EqualTo(Int(-1)), "an existing empty string has no bits at all");
        Assert.That(Run("BITPOS", K("empty"), "1"), Is.EqualTo(Int(-1)));
    }

    [Test]
    public void BitposErrors()
    {
        Run("SET", K(), "1");
        Assert.That(Run("BITPOS", K(), "2"), Is.EqualTo("-ERR The bit argument must be 1 or 0.\r\n"));
        Assert.That(Run("BITPOS", K(), "a"), Is.EqualTo(NotInteger));
        Assert.That(Run("BITPOS", K(), "0", "a", "b"), Is.EqualTo(NotInteger));
        Assert.That(Run("BITPOS", K(), "0", "1", "hello", "hello2"), Is.EqualTo(SyntaxError));
        Assert.That(Run("BITPOS", K(), "0", "0", "1", "hello"), Is.EqualTo(SyntaxError));
        Assert.That(Run("BITPOS", K("missing"), "0", "0", "1", "hello"), Is.EqualTo(SyntaxError));
        Run("RPUSH", K("list"), "a");
        Assert.That(Run("BITPOS", K("list"), "0"), Is.EqualTo(WrongType));
        Assert.That(Run("BITPOS", K("list"), "1", "a", "b"), Is.EqualTo(NotInteger));
    }

    [Test]
    public void BitposAcrossLongRuns([Values(0, 1)] int bit)
    {
        byte run = bit == 1 ? (byte)0x00 : (byte)0xFF;
        var random = new Random(bit);
        foreach (int length in new[] { 40, 1000, 9000 })
        {
            foreach (int position in new[] { 0, 7, 8, 9, 31 * 8 + 3, length * 8 / 2 + 5, length * 8 - 1 })
            {
                if (position >= length * 8) continue;
                byte[] value = new byte[length];
                value.AsSpan().Fill(run);
                value[position >> 3] ^= (byte)(0x80 >> (position & 7));
                SetBytes(K(), value);
                Assert.That(Run("BITPOS", K(), bit.ToString()), Is.EqualTo(Int(position)), $"length {length}, bit at {position}");
                long from = random.NextInt64(length * 8L), to = random.NextInt64(from, length * 8L);
                Assert.That(Run("BITPOS", K(), bit.ToString(), from.ToString(), to.ToString(), "BIT"),
                    Is.EqualTo(Int(FirstBit(value, from, to, bit))), $"length {length}, bit at {position}, range {from}..{to}");
            }
        }
    }

    [Test]
    public void BitposThroughStackExchangeRedis()
    {
        var key = (RedisKey)K();
        Db.StringSet(key, new byte[] { 0x00, 0xFF, 0x00 });
        Assert.That(Db.StringBitPosition(key, true), Is.EqualTo(8));
        Assert.That(Db.StringBitPosition(key, false, 1, 2), Is.EqualTo(16));
        Assert.That(Db.StringBitPosition(key, true, 9, 15, StringIndexType.Bit), Is.EqualTo(9));
    }

    // ---- BITOP -------------------------------------------------------------------------------------------

    [Test]
    public void BitopPadsShorterSourcesWithZeros()
    {
        SetBytes(K("a"), [0x01, 0x02, 0xFF, 0xFF]);
        SetBytes(K("b"), [0x01, 0x02, 0xFF]);
        Assert.That(Run("BITOP", "AND", K("and"), K("a"), K("b")), Is.EqualTo(Int(4)));
        Assert.That(Run("BITOP", "or", K("or"), K("a"), K("b")), Is.EqualTo(Int(4)));
        Assert.That(Run("BITOP", "Xor", K("xor"), K("a"), K("b")), Is.EqualTo(Int(4)));
        Assert.That(GetBytes(K("and")), Is.EqualTo(new byte[] { 0x01, 0x02, 0xFF, 0x00 }));
        Assert.That(GetBytes(K("or")), Is.EqualTo(new byte[] { 0x01, 0x02, 0xFF, 0xFF }));
        Assert.That(GetBytes(K("xor")), Is.EqualTo(new byte[] { 0x00, 0x00, 0x00, 0xFF }));
        Assert.That(Run("BITOP", "AND", K("and2"), K("missing"), K("a")), Is.EqualTo(Int(4)), "a missing key is all zeros");
        Assert.That(GetBytes(K("and2")), Is.EqualTo(new byte[4]));
        Assert.That(Run("BITOP", "OR", K("single"), K("a")), Is.EqualTo(Int(4)));
        Assert.That(GetBytes(K("single")), Is.EqualTo(GetBytes(K("a"))));
        Assert.That(Run("OBJECT", "ENCODING", K("and")), Is.EqualTo(Bulk("raw")), "a new raw string, as Valkey's createObject");
    }

    [Test]
    public void BitopNotAndADestinationThatIsAlsoTheSource()
    {
        SetBytes(K("s"), [0xAA, 0x00, 0xFF, 0x55]);
        Assert.That(Run("BITOP", "NOT", K("d"), K("s")), Is.EqualTo(Int(4)));
        Assert.That(GetBytes(K("d")), Is.EqualTo(new byte[] { 0x55, 0xFF, 0x00, 0xAA }));
        Assert.That(Run("BITOP", "NOT", K("s"), K("s")), Is.EqualTo(Int(4)));
        Assert.That(GetBytes(K("s")), Is.EqualTo(new byte[] { 0x55, 0xFF, 0x00, 0xAA }));
        Run("SET", K("a"), "1");
        Run("SET", K("b"), "2");
        Assert.That(Run("BITOP", "XOR", K("x"), K("a"), K("b"), K("a")), Is.EqualTo(Int(1)), "int-encoded sources read as their digits");
        Assert.That(Run("GET", K("x")), Is.EqualTo(Bulk("2")));
    }

    [Test]
    public void BitopReplacesADestinationOfAnyTypeAndDropsItsTtl()
    {
        Run("RPUSH", K("d"), "x");
        Run("EXPIRE", K("d"), "1000");
        Run("SET", K("s"), "abc");
        Assert.That(Run("BITOP", "OR", K("d"), K("s")), Is.EqualTo(Int(3)));
        Assert.That(Run("TYPE", K("d")), Is.EqualTo("+string\r\n"));
        Assert.That(Run("GET", K("d")), Is.EqualTo(Bulk("abc")));
        Assert.That(Run("TTL", K("d")), Is.EqualTo(Int(-1)));
    }

    [Test]
    public void BitopIntoTheSameDestinationAgain([Values(20, 5000, 70_000, 1_000_000)] int length)
    {
        // Same size again: the destination's block is reused in place (no new pages); the result must not show it.
        var random = new Random(length);
        byte[] a = new byte[length], b = new byte[length];
        random.NextBytes(a);
        random.NextBytes(b);
        SetBytes(K("a"), a);
        SetBytes(K("b"), b);
        Assert.That(Run("BITOP", "AND", K("d"), K("a"), K("b")), Is.EqualTo(Int(length)));
        Run("EXPIRE", K("d"), "1000");
        Assert.That(Run("BITOP", "XOR", K("d"), K("a"), K("b")), Is.EqualTo(Int(length)));
        Assert.That(GetBytes(K("d")), Is.EqualTo(a.Zip(b, (x, y) => (byte)(x ^ y)).ToArray()));
        Assert.That(Run("TTL", K("d")), Is.EqualTo(Int(-1)), "the TTL goes even when the block stays");
        Assert.That(Run("BITOP", "OR", K("d"), K("missing"), K("a")), Is.EqualTo(Int(length)));
        Assert.That(GetBytes(K("d")), Is.EqualTo(a), "a missing first source: zeros, then OR");
        Assert.That(Run("BITOP", "XOR", K("d"), K("d"), K("a")), Is.EqualTo(Int(length)), "the destination is also a source");
        Assert.That(GetBytes(K("d")), Is.EqualTo(new byte[length]));
        Assert.That(Run("BITOP", "NOT", K("d"), K("a")), Is.EqualTo(Int(length)));
        Assert.That(GetBytes(K("d")), Is.EqualTo(a.Select(x => (byte)~x).ToArray()));
        Assert.That(Run("OBJECT", "ENCODING", K("d")), Is.EqualTo(Bulk("raw")));
    }

    [Test]
    public void BitopWithOnlyEmptyInputsDeletesTheDestination()
    {
        Run("SET", K("d"), "old");
        Run("SET", K("empty"), "");
        Assert.That(Run("BITOP", "AND", K("d"), K("missing"), K("empty")), Is.EqualTo(Int(0)));
        Assert.That(Run("EXISTS", K("d")), Is.EqualTo(Int(0)));
        Run("RPUSH", K("list"), "x");
        Assert.That(Run("BITOP", "NOT", K("list"), K("missing")), Is.EqualTo(Int(0)));
        Assert.That(Run("EXISTS", K("list")), Is.EqualTo(Int(0)), "whatever its type");
        Assert.That(Run("BITOP", "OR", K("none"), K("missing")), Is.EqualTo(Int(0)));
        Assert.That(Run("EXISTS", K("none")), Is.EqualTo(Int(0)));
    }

    [Test]
    public void BitopErrors()
    {
        Run("SET", K("a"), "x");
        Run("SET", K("d"), "keep");
        Run("RPUSH", K("list"), "x");
        Assert.That(Run("BITOP", "NOT", K("d"), K("a"), K("a")), Is.EqualTo("-ERR BITOP NOT must be called with a single source key.\r\n"));
        Assert.That(Run("BITOP", "NAND", K("d"), K("a")), Is.EqualTo(SyntaxError));
        Assert.That(Run("BITOP", "DIFF", K("d"), K("a"), K("a")), Is.EqualTo(SyntaxError), "Valkey has no DIFF/DIFF1/ANDOR/ONE (Redis 8.2 operators)");
        Assert.That(Run("BITOP", "AND", K("d"), K("a"), K("list")), Is.EqualTo(WrongType));
        Assert.That(Run("GET", K("d")), Is.EqualTo(Bulk("keep")), "nothing written after an error");
        Assert.That(Run("BITOP", "AND", K("d")), Is.EqualTo("-ERR wrong number of arguments for 'bitop' command\r\n"));
    }

    [Test]
    public void BitopOfLongRandomValuesMatchesAModel([Values("AND", "OR", "XOR")] string op)
    {
        var random = new Random(op.Length);
        for (int round = 0; round < 5; round++)
        {
            int count = random.Next(1, 6);
            var values = new List<byte[]>();
            var keys = new List<string>();
            for (int i = 0; i < count; i++)
            {
                byte[] v = new byte[random.Next(0, 3000)];
                random.NextBytes(v);
                // Runs of 0x00/0xFF like real bitmaps.
                if (i % 2 == 1) v.AsSpan(0, v.Length / 2).Fill(0xFF);
                values.Add(v);
                keys.Add(K("src" + i));
                SetBytes(keys[^1], v);
            }
            int max = values.Max(v => v.Length);
            byte[] expected = new byte[max];
            for (int j = 0; j < max; j++)
            {
                int acc = j < values[0].Length ? values[0][j] : 0;
                for (int i = 1; i < count; i++)
                {
                    int b = j < values[i].Length ? values[i][j] : 0;
                    acc = op == "AND" ? acc & b : op == "OR" ? acc | b : acc ^ b;
                }
                expected[j] = (byte)acc;
            }
            Assert.That(Run(["BITOP", op, K("dest"), .. keys]), Is.EqualTo(Int(max)));
            Assert.That(max == 0 ? null : GetBytes(K("dest")), Is.EqualTo(max == 0 ? null : expected), $"round {round}");
        }
    }

    [Test]
    public void BitopThroughStackExchangeRedis()
    {
        var a = (RedisKey)K("a");
        var b = (RedisKey)K("b");
        Db.StringSet(a, new byte[] { 0xF0, 0x0F });
        Db.StringSet(b, new byte[] { 0xFF });
        Assert.That(Db.StringBitOperation(Bitwise.And, K("and"), a, b), Is.EqualTo(2));
        Assert.That((byte[]?)Db.StringGet(K("and")), Is.EqualTo(new byte[] { 0xF0, 0x00 }));
        Assert.That(Db.StringBitOperation(Bitwise.Not, K("not"), a), Is.EqualTo(2));
        Assert.That((byte[]?)Db.StringGet(K("not")), Is.EqualTo(new byte[] { 0x0F, 0xF0 }));
    }

    // ---- BITFIELD ----------------------------------------------------------------------------------------

    [Test]
    public void BitfieldSetGetAndIncrby()
    {
        Assert.That(Run("BITFIELD", K(), "SET", "i8", "0", "-100"), Is.EqualTo("*1\r\n:0\r\n"));
        Assert.That(Run("BITFIELD", K(), "set", "i8", "0", "101"), Is.EqualTo("*1\r\n:-100\r\n"));
        Assert.That(Run("BITFIELD", K(), "GET", "i8", "0", "GET", "u8", "0"), Is.EqualTo("*2\r\n:101\r\n:101\r\n"));
        Assert.That(Run("BITFIELD", K("u"), "SET", "u8", "0", "255", "INCRBY", "u8", "0", "100", "GET", "u8", "0"),
            Is.EqualTo("*3\r\n:0\r\n:99\r\n:99\r\n"));
        Assert.That(Run("BITFIELD", K("s"), "SET", "i8", "0", "255", "SET", "i8", "0", "100", "GET", "i8", "0"),
            Is.EqualTo("*3\r\n:0\r\n:-1\r\n:100\r\n"));
        Assert.That(Run("BITFIELD", K("hash"), "SET", "u8", "#0", "65", "SET", "u8", "#1", "66", "SET", "u8", "#2", "67"),
            Is.EqualTo("*3\r\n:0\r\n:0\r\n:0\r\n"));
        Assert.That(Run("GET", K("hash")), Is.EqualTo(Bulk("ABC")));
        Assert.That(Run("BITFIELD", K("hash"), "GET", "u4", "#3", "GET", "i4", "#3"), Is.EqualTo("*2\r\n:2\r\n:2\r\n"), "#3 of 4 bits is bit 12");
        Assert.That(Run("BITFIELD", K("empty")), Is.EqualTo("*0\r\n"));
        Assert.That(Run("EXISTS", K("empty")), Is.EqualTo(Int(0)));
    }

    [Test]
    public void BitfieldFieldsAtUnalignedOffsetsSpanNineBytes()
    {
        // An i64 at bit 3 covers 9 bytes: 3 bits of the first, 5 of the last.
        Assert.That(Run("BITFIELD", K(), "SET", "i64", "3", "-2", "GET", "i64", "3", "GET", "u63", "3", "GET", "u5", "0"),
            Is.EqualTo("*4\r\n:0\r\n:-2\r\n:" + long.MaxValue + "\r\n:3\r\n"));
        Assert.That(GetBytes(K()), Is.EqualTo(new byte[] { 0x1F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xC0 }));
        Assert.That(Run("BITFIELD", K("u63"), "SET", "u63", "7", long.MaxValue.ToString(), "GET", "u63", "7", "GET", "i1", "6", "GET", "i1", "7"),
            Is.EqualTo("*4\r\n:0\r\n:" + long.MaxValue + "\r\n:0\r\n:-1\r\n"));
        Assert.That(Run("STRLEN", K("u63")), Is.EqualTo(Int(9)), "grown to the last bit written, 69");
        Assert.That(Run("BITFIELD", K("u63"), "GET", "u8", "68", "GET", "i64", "1000"), Is.EqualTo("*2\r\n:192\r\n:0\r\n"),
            "reads past the end see zeros");
    }

    [Test]
    public void BitfieldOverflowWrapSatFail()
    {
        Run("BITFIELD", K("u"), "SET", "u8", "#0", "100");
        Assert.That(Run("BITFIELD", K("u"), "OVERFLOW", "WRAP", "INCRBY", "u8", "#0", "257"), Is.EqualTo("*1\r\n:101\r\n"));
        Assert.That(Run("BITFIELD", K("u"), "OVERFLOW", "SAT", "INCRBY", "u8", "#0", "257"), Is.EqualTo("*1\r\n:255\r\n"));
        Assert.That(Run("BITFIELD", K("u"), "OVERFLOW", "sat", "INCRBY", "u8", "#0", "-1000"), Is.EqualTo("*1\r\n:0\r\n"));
        Assert.That(Run("BITFIELD", K("u"), "OVERFLOW", "FAIL", "INCRBY", "u8", "#0", "-1", "INCRBY", "u8", "#0", "5"),
            Is.EqualTo("*2\r\n$-1\r\n:5\r\n"), "FAIL: a null and nothing written");
        Assert.That(Run("BITFIELD", K("u"), "OVERFLOW", "SAT", "SET", "u8", "0", "-1"), Is.EqualTo("*1\r\n:5\r\n"));
        Assert.That(Run("BITFIELD", K("u"), "GET", "u8", "0"), Is.EqualTo("*1\r\n:255\r\n"), "a negative SET value overflows upwards in unsigned types");

        Run("BITFIELD", K("i"), "SET", "i8", "#0", "100");
        Assert.That(Run("BITFIELD", K("i"), "INCRBY", "i8", "#0", "257"), Is.EqualTo("*1\r\n:101\r\n"), "WRAP is the default");
        Assert.That(Run("BITFIELD", K("i"), "OVERFLOW", "SAT", "INCRBY", "i8", "#0", "100", "INCRBY", "i8", "#0", "-1000"),
            Is.EqualTo("*2\r\n:127\r\n:-128\r\n"));
        Assert.That(Run("BITFIELD", K("i"), "OVERFLOW", "WRAP", "SET", "i8", "#0", "128", "OVERFLOW", "FAIL", "SET", "i8", "#0", "128"),
            Is.EqualTo("*2\r\n:-128\r\n$-1\r\n"), "OVERFLOW applies to the subcommands after it");
        Assert.That(Run("BITFIELD", K("i64"), "SET", "i64", "0", long.MaxValue.ToString(), "INCRBY", "i64", "0", "1",
            "OVERFLOW", "SAT", "INCRBY", "i64", "0", "-1", "INCRBY", "i64", "0", long.MinValue.ToString()),
            Is.EqualTo($"*4\r\n:0\r\n:{long.MinValue}\r\n:{long.MinValue}\r\n:{long.MinValue}\r\n"));
        Assert.That(Run("BITFIELD", K("i1"), "SET", "i1", "0", "1", "GET", "i1", "0", "OVERFLOW", "SAT", "SET", "i1", "0", "-5", "GET", "i1", "0"),
            Is.EqualTo("*4\r\n:0\r\n:-1\r\n:-1\r\n:-1\r\n"));
        Assert.That(Run("BITFIELD", K("sat"), "OVERFLOW", "SAT", "SET", "i8", "0", long.MinValue.ToString(), "GET", "i8", "0"),
            Is.EqualTo("*2\r\n:0\r\n:127\r\n"), "Valkey's unsigned headroom arithmetic: a huge negative counts as an overflow upwards");

        using var resp3 = Raw();
        resp3.Execute("HELLO", "3");
        Assert.That(resp3.Execute("BITFIELD", K("u"), "OVERFLOW", "FAIL", "INCRBY", "u8", "0", "1"), Is.EqualTo("*1\r\n_\r\n"));
    }

    [Test]
    public void BitfieldErrorsComeBeforeAnyWrite()
    {
        foreach (string type in new[] { "u64", "i65", "i0", "u0", "x8", "I8", "U8", "i", "i08", "i-1", "" })
            Assert.That(Run("BITFIELD", K(), "SET", type, "0", "1"), Is.EqualTo(TypeError), type);
        foreach (string offset in new[] { "-1", "#-1", "a", "#", "1.0", "4294967296", "#536870912" })
            Assert.That(Run("BITFIELD", K(), "SET", "u8", offset, "1"), Is.EqualTo(BitOffsetError), offset);
        Assert.That(Run("BITFIELD", K(), "SET", "u8", "0", "x"), Is.EqualTo(NotInteger));
        Assert.That(Run("BITFIELD", K(), "OVERFLOW", "nope", "SET", "u8", "0", "1"), Is.EqualTo("-ERR Invalid OVERFLOW type specified\r\n"));
        Assert.That(Run("BITFIELD", K(), "GET", "u8"), Is.EqualTo(SyntaxError));
        Assert.That(Run("BITFIELD", K(), "SET", "u8", "0"), Is.EqualTo(SyntaxError));
        Assert.That(Run("BITFIELD", K(), "OVERFLOW"), Is.EqualTo(SyntaxError));
        Assert.That(Run("BITFIELD", K(), "FOO", "u8", "0"), Is.EqualTo(SyntaxError));
        Assert.That(Run("BITFIELD", K(), "SET", "u8", "0", "1", "GET", "u64", "0"), Is.EqualTo(TypeError), "a later error cancels earlier writes");
        Assert.That(Run("EXISTS", K()), Is.EqualTo(Int(0)));
        Assert.That(Run("BITFIELD", K(), "GET", "u8", "#4294967295"), Is.EqualTo(BitOffsetError), "#n × bits past the limit");
        Run("RPUSH", K("list"), "x");
        Assert.That(Run("BITFIELD", K("list"), "GET", "u8", "0"), Is.EqualTo(WrongType));
        Assert.That(Run("BITFIELD", K("list")), Is.EqualTo(WrongType));
        Assert.That(Run("BITFIELD", K("list"), "GET", "u64", "0"), Is.EqualTo(TypeError), "arguments checked before the type");
    }

    [Test]
    public void BitfieldOnIntAndEmbstrValues()
    {
        Run("SET", K(), "1");
        Assert.That(Run("BITFIELD", K(), "GET", "u8", "0", "GET", "u16", "4"), Is.EqualTo("*2\r\n:49\r\n:4096\r\n"));
        Assert.That(Run("OBJECT", "ENCODING", K()), Is.EqualTo(Bulk("int")), "GET only: a read");
        Assert.That(Run("BITFIELD", K(), "SET", "u8", "0", "50"), Is.EqualTo("*1\r\n:49\r\n"));
        Assert.That(Run("GET", K()), Is.EqualTo(Bulk("2")));
        Assert.That(Run("OBJECT", "ENCODING", K()), Is.EqualTo(Bulk("raw")));
    }

    [Test]
    public void BitfieldRoReadsOnly()
    {
        Run("SET", K(), "A");
        Assert.That(Run("BITFIELD_RO", K(), "GET", "u8", "0", "GET", "i4", "4", "GET", "u8", "100"), Is.EqualTo("*3\r\n:65\r\n:1\r\n:0\r\n"));
        Assert.That(Run("BITFIELD_RO", K()), Is.EqualTo("*0\r\n"));
        Assert.That(Run("BITFIELD_RO", K(), "GET", "u8", "0", "SET", "u8", "0", "1"), Is.EqualTo("-ERR BITFIELD_RO only supports the GET subcommand\r\n"));
        Assert.That(Run("BITFIELD_RO", K(), "INCRBY", "u64", "0", "1"), Is.EqualTo(TypeError), "arguments are checked first");
        Assert.That(Run("BITFIELD_RO", K(), "OVERFLOW", "SAT", "GET", "u8", "0"), Is.EqualTo("*1\r\n:65\r\n"));
        Assert.That(Run("BITFIELD_RO", K("missing"), "GET", "i8", "0"), Is.EqualTo("*1\r\n:0\r\n"));
        Assert.That(Run("EXISTS", K("missing")), Is.EqualTo(Int(0)));
        Assert.That(Run("GET", K()), Is.EqualTo(Bulk("A")));
        Assert.That(Run("BITFIELD_RO"), Is.EqualTo("-ERR wrong number of arguments for 'bitfield_ro' command\r\n"));
    }

    [Test]
    public void KeysAndFlagsOfTheFamily()
    {
        Assert.That(Run("COMMAND", "GETKEYSANDFLAGS", "BITFIELD", "k", "GET", "u8", "0", "OVERFLOW", "SAT"),
            Is.EqualTo("*1\r\n*2\r\n$1\r\nk\r\n*2\r\n+RO\r\n+access\r\n"));
        Assert.That(Run("COMMAND", "GETKEYSANDFLAGS", "BITFIELD", "k", "GET", "u8", "0", "SET", "u8", "0", "1"),
            Is.EqualTo("*1\r\n*2\r\n$1\r\nk\r\n*3\r\n+RW\r\n+access\r\n+update\r\n"));
        Assert.That(Run("COMMAND", "GETKEYSANDFLAGS", "BITOP", "AND", "d", "a", "b"),
            Is.EqualTo("*3\r\n*2\r\n$1\r\nd\r\n*2\r\n+OW\r\n+update\r\n*2\r\n$1\r\na\r\n*2\r\n+RO\r\n+access\r\n*2\r\n$1\r\nb\r\n*2\r\n+RO\r\n+access\r\n"));
        Assert.That(Run("COMMAND", "GETKEYS", "BITOP", "NOT", "d", "a"), Is.EqualTo("*2\r\n$1\r\nd\r\n$1\r\na\r\n"));
        string getbit = Run("COMMAND", "INFO", "getbit");
        Assert.That(getbit, Does.StartWith("*1\r\n*10\r\n$6\r\ngetbit\r\n:3\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n*3\r\n+@read\r\n+@bitmap\r\n+@fast\r\n"));
        string bitop = Run("COMMAND", "INFO", "bitop");
        Assert.That(bitop, Does.StartWith("*1\r\n*10\r\n$5\r\nbitop\r\n:-4\r\n*2\r\n+write\r\n+denyoom\r\n:2\r\n:-1\r\n:1\r\n*3\r\n+@write\r\n+@bitmap\r\n+@slow\r\n"));
        Assert.That(Run("COMMAND", "DOCS", "bitcount"), Does.Contain("bitmap").And.Contain("`end` made optional"));
    }
}

/// <summary>
/// Keyspace events, dirty counts and GC allocations of the bitmap commands, driven in process
/// (the event hook sees exactly what keyspace notifications would publish).
/// </summary>
[TestFixture]
public class BitmapCommandsInProcessTests
{
    private static (InProcessServer Server, List<string> Events) Start()
    {
        var server = new InProcessServer();
        var events = new List<string>();
        server.Server.NotifyHook = (NotifyClass type, string name, ReadOnlySpan<byte> key, int db) =>
            events.Add($"{type}:{name}:{Encoding.UTF8.GetString(key)}");
        return (server, events);
    }

    [Test]
    public void SetbitReportsAChangeOnlyWhenTheValueOrLengthChanges()
    {
        var (server, events) = Start();
        using var _ = server;
        long d0 = server.Server.Stats.Dirty;
        server.Execute("SETBIT", "k", "0", "0");
        Assert.That(events, Is.EqualTo(new[] { "New:new:k", "String:setbit:k" }), "a new key always counts");
        server.Execute("SETBIT", "k", "0", "0");
        Assert.That(events, Has.Count.EqualTo(2), "same bit, same length: nothing");
        server.Execute("SETBIT", "k", "0", "1");
        server.Execute("SETBIT", "k", "90", "0");
        Assert.That(events[2..], Is.EqualTo(new[] { "String:setbit:k", "String:setbit:k" }), "a change of value, then of length");
        Assert.That(server.Server.Stats.Dirty - d0, Is.EqualTo(3));
    }

    [Test]
    public void BitfieldCountsEveryChangedField()
    {
        var (server, events) = Start();
        using var _ = server;
        long d0 = server.Server.Stats.Dirty;
        server.Execute("BITFIELD", "f", "SET", "i5", "0", "0", "SET", "u8", "8", "0");
        Assert.That(events, Is.EqualTo(new[] { "New:new:f", "String:setbit:f" }), "one event per command");
        Assert.That(server.Server.Stats.Dirty - d0, Is.EqualTo(2), "both fields count on a new key");
        server.Execute("BITFIELD", "f", "SET", "i5", "0", "0", "GET", "u8", "0");
        Assert.That(events, Has.Count.EqualTo(2));
        server.Execute("BITFIELD", "f", "INCRBY", "i5", "0", "1", "INCRBY", "i5", "0", "1", "SET", "u8", "8", "0");
        Assert.That(events, Has.Count.EqualTo(3));
        Assert.That(server.Server.Stats.Dirty - d0, Is.EqualTo(4));
        // OVERFLOW FAIL writes nothing, yet the key it had to grow stays: Valkey's behaviour.
        Assert.That(server.Execute("BITFIELD", "g", "OVERFLOW", "FAIL", "SET", "u2", "0", "9"), Is.EqualTo("*1\r\n$-1\r\n"));
        Assert.That(server.Execute("STRLEN", "g"), Is.EqualTo(":1\r\n"));
        Assert.That(events[3..], Is.EqualTo(new[] { "New:new:g" }));
        Assert.That(server.Server.Stats.Dirty - d0, Is.EqualTo(4));
    }

    [Test]
    public void BitopRaisesSetOrDel()
    {
        var (server, events) = Start();
        using var _ = server;
        server.Execute("SET", "a", "x");
        events.Clear();
        long d0 = server.Server.Stats.Dirty;
        server.Execute("BITOP", "NOT", "d", "a");
        server.Execute("BITOP", "NOT", "d", "a");
        server.Execute("BITOP", "AND", "d", "missing");
        server.Execute("BITOP", "AND", "d", "missing");
        // Reading the missing source is a key miss each time (Valkey's lookupKeyRead).
        Assert.That(events, Is.EqualTo(new[] { "New:new:d", "String:set:d", "String:set:d", "KeyMiss:keymiss:missing", "Generic:del:d", "KeyMiss:keymiss:missing" }));
        Assert.That(server.Server.Stats.Dirty - d0, Is.EqualTo(3), "deleting nothing changes nothing");
    }

    [TestCase("GETBIT", "alloc:bits", "100")]
    [TestCase("SETBIT", "alloc:bits", "100", "1")]
    [TestCase("BITCOUNT", "alloc:bits", "1", "-2")]
    [TestCase("BITPOS", "alloc:bits", "1", "2", "-1", "BIT")]
    [TestCase("BITFIELD", "alloc:bits", "INCRBY", "u8", "#3", "1", "GET", "i16", "5")]
    [TestCase("BITFIELD_RO", "alloc:bits", "GET", "i16", "5")]
    [TestCase("BITOP", "XOR", "alloc:dest", "alloc:bits", "alloc:bits")]
    [TestCase("BITOP", "XOR", "alloc:dest", "alloc:big", "alloc:bits")]
    public void SteadyStateAllocatesNothing(params string[] command)
    {
        using var server = new InProcessServer();
        server.Execute("SETBIT", "alloc:bits", "4000", "1");
        server.Execute("SETBIT", "alloc:big", "200000", "1");
        long allocated = server.AllocatedBytes(warmup: 1000, runs: 10_000, RawRespClient.EncodeCommand(command));
        Assert.That(allocated, Is.EqualTo(0), $"{string.Join(' ', command)} allocated {allocated} bytes over 10,000 runs");
    }
}

/// <summary>Offsets up to 2^32-1 bits (a 512 MB string) and the proto-max-bulk-len limit, on a server of its own.</summary>
[TestFixture]
public class BitmapLargeOffsetTests : OwnServerFixture
{
    [Test]
    public void OffsetsUpToTheLastBitOf512Megabytes()
    {
        using var raw = Raw();
        Assert.That(raw.Execute("SETBIT", "big", "4294967295", "1"), Is.EqualTo(Int(0)));
        Assert.That(raw.Execute("STRLEN", "big"), Is.EqualTo(Int(536_870_912)));
        Assert.That(raw.Execute("GETBIT", "big", "4294967295"), Is.EqualTo(Int(1)));
        Assert.That(raw.Execute("GETBIT", "big", "4294967294"), Is.EqualTo(Int(0)));
        Assert.That(raw.Execute("BITCOUNT", "big"), Is.EqualTo(Int(1)));
        Assert.That(raw.Execute("BITCOUNT", "big", "-1", "-1"), Is.EqualTo(Int(1)));
        Assert.That(raw.Execute("BITPOS", "big", "1"), Is.EqualTo(Int(4_294_967_295)));
        Assert.That(raw.Execute("BITPOS", "big", "0"), Is.EqualTo(Int(0)));
        Assert.That(raw.Execute("BITFIELD", "big", "GET", "u8", "#536870911", "INCRBY", "u4", "4294967292", "3"), Is.EqualTo("*2\r\n:1\r\n:4\r\n"));
        Assert.That(raw.Execute("BITOP", "NOT", "big2", "big"), Is.EqualTo(Int(536_870_912)));
        Assert.That(raw.Execute("BITPOS", "big2", "0"), Is.EqualTo(Int(4_294_967_293)), "the last byte is now 0x04");
        Assert.That(raw.Execute("SETBIT", "big", "4294967296", "1"), Is.EqualTo("-ERR bit offset is not an integer or out of range\r\n"));
        Assert.That(raw.Execute("DEL", "big", "big2"), Is.EqualTo(Int(2)));
    }

    [Test]
    public void TheOffsetLimitFollowsProtoMaxBulkLen()
    {
        using var raw = Raw();
        Assert.That(raw.Execute("CONFIG", "SET", "proto-max-bulk-len", "1mb"), Is.EqualTo(Ok), "the smallest value allowed");
        try
        {
            Assert.That(raw.Execute("SETBIT", "small", "8388608", "1"), Is.EqualTo("-ERR bit offset is not an integer or out of range\r\n"));
            Assert.That(raw.Execute("SETBIT", "small", "8388607", "1"), Is.EqualTo(Int(0)));
            Assert.That(raw.Execute("BITFIELD", "small", "SET", "u8", "#1048576", "1"), Is.EqualTo("-ERR bit offset is not an integer or out of range\r\n"));
            Assert.That(raw.Execute("BITFIELD", "small", "SET", "u8", "#1048575", "1"), Is.EqualTo("*1\r\n:1\r\n"));
            Assert.That(raw.Execute("STRLEN", "small"), Is.EqualTo(Int(1_048_576)));
        }
        finally
        {
            raw.Execute("CONFIG", "SET", "proto-max-bulk-len", "536870912");
            raw.Execute("DEL", "small");
        }
    }
}
