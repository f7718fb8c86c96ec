using NUnit.Framework;
using StackExchange.Redis;
using Valkey.Native.Tests.Infrastructure;

namespace Valkey.Native.Tests.Integration;

/// <summary>
/// Semantics of the string family through StackExchange.Redis against the shared server.
/// Every test uses keys prefixed with its own name, so tests never see each other's data.
/// Byte-exact replies and error texts are in <see cref="StringCommandsRawTests"/>.
/// </summary>
[TestFixture]
public class StringCommandsTests : SharedServerFixture
{
    /// <summary>A key unique to the running test (hash-tagged so multi-key commands stay in one slot).</summary>
    private static RedisKey K(string name = "k") => $"{{str}}:{TestContext.CurrentContext.Test.Name}:{name}";

    private static TimeSpan? Ttl(RedisKey key) => Db.KeyTimeToLive(key);

    // ---- GET / SET -----------------------------------------------------------------------

    [Test]
    public void SetThenGetReturnsTheValue()
    {
        Assert.That(Db.StringSet(K(), "foobar"), Is.True);
        Assert.That((string?)Db.StringGet(K()), Is.EqualTo("foobar"));
    }

    [Test]
    public void SetAndGetAnEmptyValue()
    {
        Db.StringSet(K(), "");
        var value = Db.StringGet(K());
        Assert.That(value.IsNull, Is.False);
        Assert.That((string?)value, Is.EqualTo(""));
    }

    [Test]
    public void GetOfAMissingKeyIsNull()
    {
        Assert.That(Db.StringGet(K("missing")).IsNull, Is.True);
    }

    [Test]
    public void BinaryValuesSurviveByteForByte()
    {
        byte[] value = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        Db.StringSet(K(), value);
        Assert.That((byte[]?)Db.StringGet(K()), Is.EqualTo(value));
    }

    [TestCase(1)]
    [TestCase(44)]
    [TestCase(45)]
    [TestCase(100_000)]
    [TestCase(4_000_000)]
    public void ValuesOfEverySizeRoundTrip(int size)
    {
        string value = string.Concat(Enumerable.Repeat("abcd", size / 4 + 1))[..size];
        Db.StringSet(K(), value);
        Assert.That((string?)Db.StringGet(K()), Is.EqualTo(value));
        Assert.That(Db.StringLength(K()), Is.EqualTo(size));
    }

    [Test]
    public void IntegerLookingValuesComeBackAsWritten()
    {
        foreach (string v in new[] { "0", "-1", "123", "9223372036854775807", "-9223372036854775808", "0123", "-0", "+1", " 1", "1 ", "99999999999999999999" })
        {
            Db.StringSet(K(), v);
            Assert.That((string?)Db.StringGet(K()), Is.EqualTo(v), v);
            Assert.That(Db.StringLength(K()), Is.EqualTo(v.Length), v);
        }
    }

    [Test]
    public void SetOverwritesAValueOfAnotherType()
    {
        Db.HashSet(K(), "field", "value");
        Assert.That(Db.StringSet(K(), "now a string"), Is.True);
        Assert.That((string?)Db.StringGet(K()), Is.EqualTo("now a string"));
    }

    [Test]
    public void GetOfAnotherTypeIsWrongType()
    {
        Db.HashSet(K(), "field", "value");
        var e = Assert.Throws<RedisServerException>(() => Db.StringGet(K()));
        Assert.That(e!.Message, Does.StartWith("WRONGTYPE"));
    }

    [Test]
    public void SetNxOnlyWritesAMissingKey()
    {
        Assert.That(Db.StringSet(K(), "1", when: When.NotExists), Is.True);
        Assert.That(Db.StringSet(K(), "2", when: When.NotExists), Is.False);
        Assert.That((string?)Db.StringGet(K()), Is.EqualTo("1"));
    }

    [Test]
    public void SetXxOnlyWritesAnExistingKey()
    {
        Assert.That(Db.StringSet(K(), "1", when: When.Exists), Is.False);
        Assert.That(Db.KeyExists(K()), Is.False);
        Db.StringSet(K(), "bar");
        Assert.That(Db.StringSet(K(), "2", when: When.Exists), Is.True);
        Assert.That((string?)Db.StringGet(K()), Is.EqualTo("2"));
    }

    [Test]
    public void SetGetReturnsThePreviousValue()
    {
        Db.StringSet(K(), "bar");
        Assert.That((string?)Db.StringSetAndGet(K(), "bar2"), Is.EqualTo("bar"));
        Assert.That((string?)Db.StringGet(K()), Is.EqualTo("bar2"));
    }

    [Test]
    public void SetGetOnAMissingKeyReturnsNullAndSets()
    {
        Assert.That(Db.StringSetAndGet(K(), "bar").IsNull, Is.True);
        Assert.That((string?)Db.StringGet(K()), Is.EqualTo("bar"));
    }

    [Test]
    public void SetGetWithNxAndAnExistingKeyReturnsItAndKeepsIt()
    {
        Db.StringSet(K(), "bar");
        var old = Db.Execute("SET", K(), "baz", "GET", "NX");
        Assert.That((string?)old, Is.EqualTo("bar"));
        Assert.That((string?)Db.StringGet(K()), Is.EqualTo("bar"));
    }

    [Test]
    public void SetGetWithXxAndNoKeyReturnsNullAndSetsNothing()
    {
        var old = Db.Execute("SET", K(), "bar", "GET", "XX");
        Assert.That(old.IsNull, Is.True);
        Assert.That(Db.KeyExists(K()), Is.False);
    }

    [Test]
    public void SetGetAgainstAnotherTypeFailsAndLeavesItAlone()
    {
        Db.HashSet(K(), "f", "v");
        Assert.Throws<RedisServerException>(() => Db.StringSetAndGet(K(), "x"));
        Assert.That(Db.KeyType(K()), Is.EqualTo(RedisType.Hash));
    }

    [Test]
    public void OptionsAreCaseInsensitive()
    {
        Assert.That((string?)Db.Execute("SET", K(), "v", "nX", "Ex", "100"), Is.EqualTo("OK"));
        Assert.That(Ttl(K()), Is.Not.Null);
    }

    // ---- expiry options ------------------------------------------------------------------

    [Test]
    public void SetExGivesASecondsTtl()
    {
        Db.Execute("SET", K(), "bar", "EX", "10");
        Assert.That(Ttl(K())!.Value.TotalSeconds, Is.InRange(5, 10));
    }

    [Test]
    public void SetPxGivesAMillisecondsTtl()
    {
        Db.Execute("SET", K(), "bar", "PX", "10000");
        Assert.That(Ttl(K())!.Value.TotalSeconds, Is.InRange(5, 10));
    }

    [Test]
    public void SetExAtAndPxAtGiveAbsoluteDeadlines()
    {
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        Db.Execute("SET", K("a"), "bar", "EXAT", (now + 10).ToString());
        Db.Execute("SET", K("b"), "bar", "PXAT", ((now + 10) * 1000).ToString());
        Assert.That(Ttl(K("a"))!.Value.TotalSeconds, Is.InRange(5, 10));
        Assert.That(Ttl(K("b"))!.Value.TotalSeconds, Is.InRange(5, 10));
    }

    [Test]
    public void APlainSetRemovesTheTtl()
    {
        Db.StringSet(K(), "v", TimeSpan.FromSeconds(100));
        Db.StringSet(K(), "w");
        Assert.That(Ttl(K()), Is.Null);
    }

    [Test]
    public void SetKeepTtlKeepsTheTtl()
    {
        Db.StringSet(K(), "v", TimeSpan.FromSeconds(100));
        Db.StringSet(K(), "w", null, keepTtl: true);
        Assert.That((string?)Db.StringGet(K()), Is.EqualTo("w"));
        Assert.That(Ttl(K())!.Value.TotalSeconds, Is.InRange(90, 100));
    }

    [Test]
    public void SetWithAnExpireReplacesTheOldTtl()
    {
        Db.StringSet(K(), "v", TimeSpan.FromSeconds(1000));
        Db.Execute("SET", K(), "w", "XX", "PX", "10000");
        Assert.That(Ttl(K())!.Value.TotalSeconds, Is.InRange(5, 10));
    }

    [Test]
    public void SetWithADeadlineInThePastDeletesTheKey()
    {
        long past = DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 100;
        Db.StringSet(K(), "old");
        Assert.That((string?)Db.Execute("SET", K(), "bar", "EXAT", past.ToString()), Is.EqualTo("OK"));
        Assert.That(Db.KeyExists(K()), Is.False);
        Assert.That((string?)Db.Execute("SET", K(), "bar", "PXAT", (past * 1000).ToString()), Is.EqualTo("OK"));
        Assert.That(Db.KeyExists(K()), Is.False);
    }

    [Test]
    public void SetGetWithAPastDeadlineReturnsTheOldValueAndDeletes()
    {
        Db.StringSet(K(), "old");
        var reply = Db.Execute("SET", K(), "new", "GET", "PXAT", "1");
        Assert.That((string?)reply, Is.EqualTo("old"));
        Assert.That(Db.KeyExists(K()), Is.False);
    }

    [Test]
    public async Task AKeyWithAShortTtlDisappears()
    {
        Db.Execute("SET", K(), "v", "PX", "50");
        await Task.Delay(200);
        Assert.That(Db.StringGet(K()).IsNull, Is.True);
        Assert.That(Db.KeyExists(K()), Is.False);
    }

    // ---- IFEQ (Valkey 8.1) ---------------------------------------------------------------

    [Test]
    public void SetIfEqWritesOnlyWhenTheCurrentValueMatches()
    {
        Db.StringSet(K(), "initial_value");
        Assert.That((string?)Db.Execute("SET", K(), "new_value", "IFEQ", "initial_value"), Is.EqualTo("OK"));
        Assert.That((string?)Db.StringGet(K()), Is.EqualTo("new_value"));
        Assert.That(Db.Execute("SET", K(), "should_not_set", "IFEQ", "wrong_value").IsNull, Is.True);
        Assert.That((string?)Db.StringGet(K()), Is.EqualTo("new_value"));
    }

    [Test]
    public void SetIfEqOnAMissingKeySetsNothing()
    {
        Assert.That(Db.Execute("SET", K(), "v", "IFEQ", "x").IsNull, Is.True);
        Assert.That(Db.KeyExists(K()), Is.False);
    }

    [Test]
    public void SetIfEqWithGetReturnsTheOldValue()
    {
        Assert.That(Db.Execute("SET", K(), "new_value", "IFEQ", "initial_value", "GET").IsNull, Is.True);
        Assert.That(Db.KeyExists(K()), Is.False);
        Db.StringSet(K(), "initial_value");
        Assert.That((string?)Db.Execute("SET", K(), "new_value", "IFEQ", "initial_value", "GET"), Is.EqualTo("initial_value"));
        Assert.That((string?)Db.StringGet(K()), Is.EqualTo("new_value"));
        Assert.That((string?)Db.Execute("SET", K(), "other", "IFEQ", "nope", "GET"), Is.EqualTo("new_value"));
        Assert.That((string?)Db.StringGet(K()), Is.EqualTo("new_value"));
    }

    [Test]
    public void SetIfEqComparesIntegerEncodedValuesAsText()
    {
        Db.StringSet(K(), "42");
        Assert.That(Db.Execute("SET", K(), "x", "IFEQ", "042").IsNull, Is.True);
        Assert.That((string?)Db.Execute("SET", K(), "x", "IFEQ", "42"), Is.EqualTo("OK"));
        Assert.That((string?)Db.StringGet(K()), Is.EqualTo("x"));
    }

    [Test]
    public void SetIfEqWithAnExpireSetsTheTtl()
    {
        Db.StringSet(K(), "a");
        Db.Execute("SET", K(), "b", "IFEQ", "a", "EX", "100");
        Assert.That(Ttl(K())!.Value.TotalSeconds, Is.InRange(90, 100));
    }

    [Test]
    public void SetIfEqAgainstAnotherTypeIsWrongType()
    {
        Db.HashSet(K(), "f", "v");
        var e = Assert.Throws<RedisServerException>(() => Db.Execute("SET", K(), "v", "IFEQ", "v"));
        Assert.That(e!.Message, Does.StartWith("WRONGTYPE"));
        e = Assert.Throws<RedisServerException>(() => Db.Execute("SET", K(), "v", "IFEQ", "v", "GET"));
        Assert.That(e!.Message, Does.StartWith("WRONGTYPE"));
        Assert.That(Db.KeyType(K()), Is.EqualTo(RedisType.Hash));
    }

    // ---- SETNX / SETEX / PSETEX / GETSET / GETDEL / GETEX --------------------------------

    [Test]
    public void SetNxCommandReturnsOneThenZero()
    {
        Assert.That((long)Db.Execute("SETNX", K(), "foobared"), Is.EqualTo(1));
        Assert.That((long)Db.Execute("SETNX", K(), "blabla"), Is.EqualTo(0));
        Assert.That((string?)Db.StringGet(K()), Is.EqualTo("foobared"));
    }

    [Test]
    public void SetNxDoesNotTouchAVolatileKey()
    {
        Db.StringSet(K(), "10", TimeSpan.FromSeconds(100));
        Assert.That((long)Db.Execute("SETNX", K(), "20"), Is.EqualTo(0));
        Assert.That((string?)Db.StringGet(K()), Is.EqualTo("10"));
    }

    [Test]
    public void SetExAndPSetExSetValueAndTtl()
    {
        Assert.That((string?)Db.Execute("SETEX", K("a"), "100", "v1"), Is.EqualTo("OK"));
        Assert.That((string?)Db.Execute("PSETEX", K("b"), "100000", "v2"), Is.EqualTo("OK"));
        Assert.That((string?)Db.StringGet(K("a")), Is.EqualTo("v1"));
        Assert.That((string?)Db.StringGet(K("b")), Is.EqualTo("v2"));
        Assert.That(Ttl(K("a"))!.Value.TotalSeconds, Is.InRange(90, 100));
        Assert.That(Ttl(K("b"))!.Value.TotalSeconds, Is.InRange(90, 100));
    }

    [Test]
    public void GetSetReturnsTheOldValueAndClearsTheTtl()
    {
        Assert.That(Db.StringGetSet(K(), "xyz").IsNull, Is.True);
        Assert.That((string?)Db.StringGet(K()), Is.EqualTo("xyz"));
        Db.StringSet(K(), "bar", TimeSpan.FromSeconds(100));
        Assert.That((string?)Db.StringGetSet(K(), "xyz"), Is.EqualTo("bar"));
        Assert.That(Ttl(K()), Is.Null);
    }

    [Test]
    public void GetDelReturnsTheValueAndDeletes()
    {
        Db.StringSet(K(), "bar");
        Assert.That((string?)Db.StringGetDelete(K()), Is.EqualTo("bar"));
        Assert.That(Db.KeyExists(K()), Is.False);
        Assert.That(Db.StringGetDelete(K()).IsNull, Is.True);
    }

    [Test]
    public void GetDelAgainstAnotherTypeFailsAndKeepsTheKey()
    {
        Db.HashSet(K(), "f", "v");
        Assert.Throws<RedisServerException>(() => Db.StringGetDelete(K()));
        Assert.That(Db.KeyExists(K()), Is.True);
    }

    [Test]
    public void GetExWithoutOptionsIsAGet()
    {
        Db.StringSet(K(), "bar", TimeSpan.FromSeconds(100));
        Assert.That((string?)Db.Execute("GETEX", K()), Is.EqualTo("bar"));
        Assert.That(Ttl(K()), Is.Not.Null);
        Assert.That(Db.Execute("GETEX", K("missing")).IsNull, Is.True);
    }

    [TestCase("EX", 10L)]
    [TestCase("PX", 10000L)]
    public void GetExSetsARelativeTtl(string option, long amount)
    {
        Db.StringSet(K(), "bar");
        Assert.That((string?)Db.Execute("GETEX", K(), option, amount), Is.EqualTo("bar"));
        Assert.That(Ttl(K())!.Value.TotalSeconds, Is.InRange(5, 10));
    }

    [Test]
    public void GetExSetsAbsoluteDeadlines()
    {
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        Db.StringSet(K("a"), "bar");
        Db.StringSet(K("b"), "bar");
        Db.Execute("GETEX", K("a"), "EXAT", now + 10);
        Db.Execute("GETEX", K("b"), "PXAT", (now + 10) * 1000);
        Assert.That(Ttl(K("a"))!.Value.TotalSeconds, Is.InRange(5, 10));
        Assert.That(Ttl(K("b"))!.Value.TotalSeconds, Is.InRange(5, 10));
    }

    [Test]
    public void GetExPersistRemovesTheTtl()
    {
        Db.StringSet(K(), "bar", TimeSpan.FromSeconds(10));
        Assert.That((string?)Db.Execute("GETEX", K(), "PERSIST"), Is.EqualTo("bar"));
        Assert.That(Ttl(K()), Is.Null);
    }

    [Test]
    public void GetExWithAPastDeadlineReturnsTheValueAndDeletes()
    {
        Db.StringSet(K(), "bar");
        Assert.That((string?)Db.Execute("GETEX", K(), "PXAT", "1"), Is.EqualTo("bar"));
        Assert.That(Db.KeyExists(K()), Is.False);
    }

    [Test]
    public void GetExThroughTheClientApi()
    {
        Db.StringSet(K(), "v");
        Assert.That((string?)Db.StringGetSetExpiry(K(), TimeSpan.FromSeconds(50)), Is.EqualTo("v"));
        Assert.That(Ttl(K())!.Value.TotalSeconds, Is.InRange(40, 50));
        Assert.That((string?)Db.StringGetSetExpiry(K(), null), Is.EqualTo("v"));
        Assert.That(Ttl(K()), Is.Null);
    }

    // ---- DELIFEQ ---------------------------------------------------------------------------

    [Test]
    public void DelIfEqDeletesOnlyOnAnExactMatch()
    {
        Assert.That((long)Db.Execute("DELIFEQ", K(), "test"), Is.EqualTo(0));
        Db.StringSet(K(), "nope");
        Assert.That((long)Db.Execute("DELIFEQ", K(), "test"), Is.EqualTo(0));
        Assert.That(Db.KeyExists(K()), Is.True);
        Db.StringSet(K(), "test");
        Assert.That((long)Db.Execute("DELIFEQ", K(), "TEST"), Is.EqualTo(0));
        Assert.That((long)Db.Execute("DELIFEQ", K(), "test"), Is.EqualTo(1));
        Assert.That(Db.KeyExists(K()), Is.False);
    }

    [Test]
    public void DelIfEqMatchesIntegerEncodedValues()
    {
        Db.StringSet(K(), "-15");
        Assert.That((long)Db.Execute("DELIFEQ", K(), "-15"), Is.EqualTo(1));
        Assert.That(Db.KeyExists(K()), Is.False);
    }

    [Test]
    public void DelIfEqAgainstAnotherTypeIsWrongType()
    {
        Db.HashSet(K(), "f", "test");
        var e = Assert.Throws<RedisServerException>(() => Db.Execute("DELIFEQ", K(), "test"));
        Assert.That(e!.Message, Does.StartWith("WRONGTYPE"));
    }

    // ---- MGET / MSET / MSETNX --------------------------------------------------------------

    [Test]
    public void MGetReturnsNullForMissingAndOtherTypes()
    {
        Db.StringSet(K("foo"), "BAR");
        Db.StringSet(K("bar"), "FOO");
        Db.HashSet(K("hash"), "f", "v");
        var values = Db.StringGet(new[] { K("foo"), K("none"), K("bar"), K("hash") });
        Assert.That(values.Select(v => (string?)v), Is.EqualTo(new[] { "BAR", null, "FOO", null }));
    }

    [Test]
    public void MSetSetsEveryPairAndTheLastDuplicateWins()
    {
        Db.Execute("MSET", K("x"), "10", K("y"), "foo bar", K("z"), "x x x\n\n\r\n", K("x"), "yyy");
        var values = Db.StringGet(new[] { K("x"), K("y"), K("z") });
        Assert.That(values.Select(v => (string?)v), Is.EqualTo(new[] { "yyy", "foo bar", "x x x\n\n\r\n" }));
    }

    [Test]
    public void MSetClearsTtls()
    {
        Db.StringSet(K("a"), "1", TimeSpan.FromSeconds(100));
        Db.StringSet(new KeyValuePair<RedisKey, RedisValue>[] { new(K("a"), "2") });
        Assert.That(Ttl(K("a")), Is.Null);
    }

    [Test]
    public void MSetNxIsAllOrNothing()
    {
        Db.StringSet(K("x"), "x");
        Assert.That((long)Db.Execute("MSETNX", K("x1"), "xxx", K("y2"), "yyy", K("x"), "20"), Is.EqualTo(0));
        Assert.That(Db.KeyExists(new[] { K("x1"), K("y2") }), Is.EqualTo(0));
        Assert.That((string?)Db.StringGet(K("x")), Is.EqualTo("x"));
        Assert.That((long)Db.Execute("MSETNX", K("x1"), "xxx", K("y2"), "yyy"), Is.EqualTo(1));
        Assert.That((string?)Db.StringGet(K("x1")), Is.EqualTo("xxx"));
        Assert.That((string?)Db.StringGet(K("y2")), Is.EqualTo("yyy"));
    }

    [Test]
    public void MSetNxWithTheSameNewKeyTwiceKeepsTheLast()
    {
        Assert.That((long)Db.Execute("MSETNX", K("a"), "xxx", K("a"), "yyy"), Is.EqualTo(1));
        Assert.That((string?)Db.StringGet(K("a")), Is.EqualTo("yyy"));
        Assert.That((long)Db.Execute("MSETNX", K("a"), "zzz", K("a"), "www"), Is.EqualTo(0));
        Assert.That((string?)Db.StringGet(K("a")), Is.EqualTo("yyy"));
    }

    // ---- APPEND / STRLEN / GETRANGE / SETRANGE ---------------------------------------------

    [Test]
    public void AppendCreatesThenExtends()
    {
        Assert.That(Db.StringAppend(K(), "Hello"), Is.EqualTo(5));
        Assert.That(Db.StringAppend(K(), " World"), Is.EqualTo(11));
        Assert.That((string?)Db.StringGet(K()), Is.EqualTo("Hello World"));
    }

    [Test]
    public void AppendToAnIntegerValue()
    {
        Db.StringSet(K(), "1");
        Assert.That(Db.StringAppend(K(), "2"), Is.EqualTo(2));
        Assert.That((string?)Db.StringGet(K()), Is.EqualTo("12"));
        Assert.That(Db.StringIncrement(K()), Is.EqualTo(13));
    }

    [Test]
    public void AppendManyTimesBuildsALargeValue()
    {
        var expected = new System.Text.StringBuilder();
        for (int i = 0; i < 2000; i++)
        {
            string piece = $"<{i}>";
            expected.Append(piece);
            Assert.That(Db.StringAppend(K(), piece), Is.EqualTo(expected.Length));
        }
        Assert.That((string?)Db.StringGet(K()), Is.EqualTo(expected.ToString()));
    }

    [Test]
    public void AppendKeepsTheTtl()
    {
        Db.StringSet(K(), "a", TimeSpan.FromSeconds(100));
        Db.StringAppend(K(), "b");
        Assert.That(Ttl(K()), Is.Not.Null);
    }

    [Test]
    public void StrLenOfMissingIntegerAndPlainValues()
    {
        Assert.That(Db.StringLength(K("none")), Is.EqualTo(0));
        Db.StringSet(K("int"), "-555");
        Assert.That(Db.StringLength(K("int")), Is.EqualTo(4));
        Db.StringSet(K("str"), "foozzz0123456789 baz");
        Assert.That(Db.StringLength(K("str")), Is.EqualTo(20));
    }

    [TestCase(0, 3, "Hell")]
    [TestCase(0, -1, "Hello World")]
    [TestCase(-4, -1, "orld")]
    [TestCase(5, 3, "")]
    [TestCase(5, 5000, " World")]
    [TestCase(-5000, 10000, "Hello World")]
    [TestCase(-1, -5, "")]
    [TestCase(20, 30, "")]
    [TestCase(0, 4294967297, "Hello World")]
    public void GetRangeOfAPlainString(long start, long end, string expected)
    {
        Db.StringSet(K(), "Hello World");
        Assert.That((string?)Db.StringGetRange(K(), start, end), Is.EqualTo(expected));
    }

    [TestCase(0, 2, "123")]
    [TestCase(-3, -1, "234")]
    [TestCase(3, 5000, "4")]
    [TestCase(5, 3, "")]
    public void GetRangeOfAnIntegerValue(long start, long end, string expected)
    {
        Db.StringSet(K(), "1234");
        Assert.That((string?)Db.StringGetRange(K(), start, end), Is.EqualTo(expected));
    }

    [Test]
    public void GetRangeOfAMissingKeyIsEmpty()
    {
        var value = Db.StringGetRange(K(), 0, -1);
        Assert.That(value.IsNull, Is.False);
        Assert.That((string?)value, Is.EqualTo(""));
    }

    [Test]
    public void GetRangeMatchesASliceOnRandomBinaryStrings()
    {
        var random = new Random(1234);
        for (int n = 0; n < 200; n++)
        {
            byte[] value = new byte[random.Next(0, 300)];
            random.NextBytes(value);
            Db.StringSet(K(), value);
            long start = random.Next(-350, 350), end = random.Next(-350, 350);
            Assert.That((byte[]?)Db.StringGetRange(K(), start, end), Is.EqualTo(Slice(value, start, end)), $"{start} {end}");
        }
    }

    /// <summary>The GETRANGE rules, written independently of the server.</summary>
    private static byte[] Slice(byte[] value, long start, long end)
    {
        long n = value.Length;
        if (start < 0 && end < 0 && start > end) return [];
        if (start < 0) start = Math.Max(0, n + start);
        if (end < 0) end = Math.Max(0, n + end);
        end = Math.Min(end, n - 1);
        if (start > end || n == 0) return [];
        return value[(int)start..(int)(end + 1)];
    }

    [Test]
    public void SubstrIsGetRange()
    {
        Db.StringSet(K(), "abcde");
        Assert.That((string?)Db.Execute("SUBSTR", K(), 0, 0), Is.EqualTo("a"));
        Assert.That((string?)Db.Execute("SUBSTR", K(), 0, 3), Is.EqualTo("abcd"));
        Assert.That((string?)Db.Execute("SUBSTR", K(), -4, -1), Is.EqualTo("bcde"));
        Assert.That((string?)Db.Execute("SUBSTR", K(), -1, -3), Is.EqualTo(""));
        Assert.That((string?)Db.Execute("SUBSTR", K(), 7, 8), Is.EqualTo(""));
        Assert.That((string?)Db.Execute("SUBSTR", K("none"), 0, 1), Is.EqualTo(""));
    }

    [Test]
    public void SetRangeOnAMissingKey()
    {
        Assert.That((long)Db.StringSetRange(K("a"), 0, "foo"), Is.EqualTo(3));
        Assert.That((string?)Db.StringGet(K("a")), Is.EqualTo("foo"));
        Assert.That((long)Db.StringSetRange(K("b"), 0, ""), Is.EqualTo(0));
        Assert.That(Db.KeyExists(K("b")), Is.False);
        Assert.That((long)Db.StringSetRange(K("c"), 1, "foo"), Is.EqualTo(4));
        Assert.That((string?)Db.StringGet(K("c")), Is.EqualTo("\0foo"));
    }

    [TestCase("foo", 0, "b", 3, "boo")]
    [TestCase("foo", 0, "", 3, "foo")]
    [TestCase("foo", 1, "b", 3, "fbo")]
    [TestCase("foo", 4, "bar", 7, "foo\0bar")]
    [TestCase("1234", 0, "2", 4, "2234")]
    [TestCase("1234", 0, "", 4, "1234")]
    [TestCase("1234", 1, "3", 4, "1334")]
    [TestCase("1234", 5, "2", 6, "1234\u00002")]
    public void SetRangeOnAnExistingValue(string initial, long offset, string patch, long expectedLength, string expected)
    {
        Db.StringSet(K(), initial);
        Assert.That((long)Db.StringSetRange(K(), offset, patch), Is.EqualTo(expectedLength));
        Assert.That((string?)Db.StringGet(K()), Is.EqualTo(expected));
    }

    [Test]
    public void SetRangeGrowsALargeValueAndKeepsTheTtl()
    {
        Db.StringSet(K(), new string('a', 100), TimeSpan.FromSeconds(100));
        Assert.That((long)Db.StringSetRange(K(), 100_000, "z"), Is.EqualTo(100_001));
        byte[] value = (byte[])Db.StringGet(K())!;
        Assert.That(value.Length, Is.EqualTo(100_001));
        Assert.That(value[99], Is.EqualTo((byte)'a'));
        Assert.That(value[100..100_000].All(b => b == 0), Is.True);
        Assert.That(value[100_000], Is.EqualTo((byte)'z'));
        Assert.That(Ttl(K()), Is.Not.Null);
    }

    // ---- INCR family -----------------------------------------------------------------------

    [Test]
    public void IncrCreatesTheKeyAtZero()
    {
        Assert.That(Db.StringIncrement(K()), Is.EqualTo(1));
        Assert.That((string?)Db.StringGet(K()), Is.EqualTo("1"));
        Assert.That(Db.StringIncrement(K()), Is.EqualTo(2));
        Assert.That(Db.StringDecrement(K()), Is.EqualTo(1));
        Assert.That(Db.StringDecrement(K("d")), Is.EqualTo(-1));
        Assert.That(Db.StringIncrement(K("d")), Is.EqualTo(0));
    }

    [Test]
    public void IncrByAndDecrByOver32Bits()
    {
        Db.StringSet(K(), "17179869184");
        Assert.That(Db.StringIncrement(K()), Is.EqualTo(17179869185));
        Db.StringSet(K(), "17179869184");
        Assert.That(Db.StringIncrement(K(), 17179869184), Is.EqualTo(34359738368));
        Db.StringSet(K(), "17179869184");
        Assert.That(Db.StringDecrement(K(), 17179869185), Is.EqualTo(-1));
        Assert.That(Db.StringDecrement(K("new"), 1), Is.EqualTo(-1));
    }

    [Test]
    public void IncrReachesTheLimitsExactlyAndNoFurther()
    {
        Db.StringSet(K(), long.MaxValue - 1);
        Assert.That(Db.StringIncrement(K()), Is.EqualTo(long.MaxValue));
        Assert.Throws<RedisServerException>(() => Db.StringIncrement(K()));
        Assert.That((long)Db.StringGet(K()), Is.EqualTo(long.MaxValue));
        Db.StringSet(K(), long.MinValue + 1);
        Assert.That(Db.StringDecrement(K()), Is.EqualTo(long.MinValue));
        Assert.Throws<RedisServerException>(() => Db.StringDecrement(K()));
        Assert.That(Db.StringIncrement(K(), -1L + 1), Is.EqualTo(long.MinValue));
    }

    [TestCase("    11")]
    [TestCase("11    ")]
    [TestCase("    11    ")]
    [TestCase("1.5")]
    [TestCase("")]
    [TestCase("abc")]
    [TestCase("99999999999999999999")]
    public void IncrOfANonIntegerFails(string value)
    {
        Db.StringSet(K(), value);
        var e = Assert.Throws<RedisServerException>(() => Db.StringIncrement(K()));
        Assert.That(e!.Message, Is.EqualTo("ERR value is not an integer or out of range"));
        Assert.That((string?)Db.StringGet(K()), Is.EqualTo(value));
    }

    [Test]
    public void IncrKeepsTheTtl()
    {
        Db.StringSet(K(), "5", TimeSpan.FromSeconds(100));
        Db.StringIncrement(K(), 10);
        Assert.That((long)Db.StringGet(K()), Is.EqualTo(15));
        Assert.That(Ttl(K()), Is.Not.Null);
    }

    [Test]
    public void IncrAgainstAnotherTypeIsWrongType()
    {
        Db.HashSet(K(), "f", "1");
        var e = Assert.Throws<RedisServerException>(() => Db.StringIncrement(K()));
        Assert.That(e!.Message, Does.StartWith("WRONGTYPE"));
    }

    // ---- INCRBYFLOAT -----------------------------------------------------------------------

    [Test]
    public void IncrByFloatOnAMissingKey()
    {
        Assert.That((string?)Db.Execute("INCRBYFLOAT", K(), "1"), Is.EqualTo("1"));
        Assert.That((string?)Db.Execute("INCRBYFLOAT", K(), "0.25"), Is.EqualTo("1.25"));
        Assert.That((string?)Db.StringGet(K()), Is.EqualTo("1.25"));
    }

    [TestCase("10.50", "0.1", "10.6")]
    [TestCase("10.6", "-5", "5.6")]
    [TestCase("5.0e3", "2.0e2", "5200")]
    [TestCase("1.5", "1.5", "3")]
    [TestCase("17179869184", "1.5", "17179869185.5")]
    [TestCase("17179869184", "17179869184", "34359738368")]
    [TestCase("1", "-1.1", "-0.1")]
    [TestCase("0", "0.1", "0.1")]
    [TestCase("0.1", "0.2", "0.3")]
    [TestCase("1e20", "0", "100000000000000000000")]
    [TestCase("0", "-1e-20", "0")]
    [TestCase("3", "0x10", "19")]
    [TestCase("9223372036854775807", "1", "9223372036854775808")]
    public void IncrByFloatMatchesValkeysLongDoubleResults(string initial, string increment, string expected)
    {
        Db.StringSet(K(), initial);
        Assert.That((string?)Db.Execute("INCRBYFLOAT", K(), increment), Is.EqualTo(expected));
        Assert.That((string?)Db.StringGet(K()), Is.EqualTo(expected));
    }

    [Test]
    public void IncrByFloatNeverProducesNegativeZero()
    {
        Db.Execute("INCRBYFLOAT", K(), (1.0 / 41).ToString("R", System.Globalization.CultureInfo.InvariantCulture));
        var result = Db.Execute("INCRBYFLOAT", K(), (-1.0 / 41).ToString("R", System.Globalization.CultureInfo.InvariantCulture));
        Assert.That((string?)result, Is.EqualTo("0"));
    }

    [TestCase("    11")]
    [TestCase("11    ")]
    [TestCase(" 11 ")]
    [TestCase("abc")]
    [TestCase("1\u00002")]
    public void IncrByFloatOfANonNumberFails(string value)
    {
        Db.StringSet(K(), value);
        var e = Assert.Throws<RedisServerException>(() => Db.Execute("INCRBYFLOAT", K(), "1.0"));
        Assert.That(e!.Message, Is.EqualTo("ERR value is not a valid float"));
    }

    [Test]
    public void IncrByFloatKeepsTheTtl()
    {
        Db.StringSet(K(), "1", TimeSpan.FromSeconds(100));
        Db.StringIncrement(K(), 0.5);
        Assert.That(Ttl(K()), Is.Not.Null);
    }

    [Test]
    public void IncrByFloatThroughTheClientApi()
    {
        Assert.That(Db.StringIncrement(K(), 2.5), Is.EqualTo(2.5));
        Assert.That(Db.StringDecrement(K(), 1.25), Is.EqualTo(1.25));
    }

    // ---- LCS -------------------------------------------------------------------------------

    private const string Rna1 = "CACCTTCCCAGGTAACAAACCAACCAACTTTCGATCTCTTGTAGATCTGTTCTCTAAACGAACTTTAAAATCTGTGTGGCTGTCACTCGGCTGCATGCTTAGTGCACTCACGCAGTATAATTAATAACTAATTACTGTCGTTGACAGGACACGAGTAACTCGTCTATCTTCTGCAGGCTGCTTACGGTTTCGTCCGTGTTGCAGCCGATCATCAGCACATCTAGGTTTCGTCCGGGTGTG";
    private const string Rna2 = "ATTAAAGGTTTATACCTTCCCAGGTAACAAACCAACCAACTTTCGATCTCTTGTAGATCTGTTCTCTAAACGAACTTTAAAATCTGTGTGGCTGTCACTCGGCTGCATGCTTAGTGCACTCACGCAGTATAATTAATAACTAATTACTGTCGTTGACAGGACACGAGTAACTCGTCTATCTTCTGCAGGCTGCTTACGGTTTCGTCCGTGTTGCAGCCGATCATCAGCACATCTAGGTTT";
    private const string RnaLcs = "ACCTTCCCAGGTAACAAACCAACCAACTTTCGATCTCTTGTAGATCTGTTCTCTAAACGAACTTTAAAATCTGTGTGGCTGTCACTCGGCTGCATGCTTAGTGCACTCACGCAGTATAATTAATAACTAATTACTGTCGTTGACAGGACACGAGTAACTCGTCTATCTTCTGCAGGCTGCTTACGGTTTCGTCCGTGTTGCAGCCGATCATCAGCACATCTAGGTTT";

    [Test]
    public void LcsOfTwoLongStrings()
    {
        Db.StringSet(K("a"), Rna1);
        Db.StringSet(K("b"), Rna2);
        Assert.That((string?)Db.StringLongestCommonSubsequence(K("a"), K("b")), Is.EqualTo(RnaLcs));
        Assert.That(Db.StringLongestCommonSubsequenceLength(K("a"), K("b")), Is.EqualTo(RnaLcs.Length));
    }

    [Test]
    public void LcsIndexesWithMatchLengths()
    {
        Db.StringSet(K("a"), Rna1);
        Db.StringSet(K("b"), Rna2);
        var result = Db.StringLongestCommonSubsequenceWithMatches(K("a"), K("b"));
        Assert.That(result.LongestMatchLength, Is.EqualTo(RnaLcs.Length));
        var ranges = result.Matches.Select(m => (m.FirstStringIndex, m.SecondStringIndex, m.Length)).ToArray();
        Assert.That(ranges, Is.EqualTo(new[]
        {
            (238L, 239L, 1L), (236L, 238L, 1L), (229L, 236L, 2L), (224L, 235L, 1L), (1L, 13L, 222L),
        }));
        var filtered = Db.StringLongestCommonSubsequenceWithMatches(K("a"), K("b"), minLength: 5);
        Assert.That(filtered.Matches.Select(m => m.Length), Is.EqualTo(new[] { 222L }));
    }

    [Test]
    public void LcsRepliesAgreeWithEachOtherOnRandomStrings()
    {
        var random = new Random(42);
        for (int n = 0; n < 60; n++)
        {
            string a = RandomText(random, random.Next(0, 40));
            string b = RandomText(random, random.Next(0, 40));
            Db.StringSet(K("a"), a);
            Db.StringSet(K("b"), b);
            string lcs = (string)Db.StringLongestCommonSubsequence(K("a"), K("b"))!;
            long len = Db.StringLongestCommonSubsequenceLength(K("a"), K("b"));
            Assert.That(lcs.Length, Is.EqualTo(len), $"{a} / {b}");
            Assert.That(len, Is.EqualTo(ReferenceLcsLength(a, b)), $"{a} / {b}");
            Assert.That(IsSubsequence(lcs, a) && IsSubsequence(lcs, b), Is.True, $"{lcs} in {a} / {b}");

            var idx = Db.StringLongestCommonSubsequenceWithMatches(K("a"), K("b"));
            Assert.That(idx.LongestMatchLength, Is.EqualTo(len));
            Assert.That(idx.Matches.Sum(m => m.Length), Is.EqualTo(len), "the ranges cover the whole subsequence");
            foreach (var m in idx.Matches)
            {
                Assert.That(a.Substring((int)m.FirstStringIndex, (int)m.Length),
                    Is.EqualTo(b.Substring((int)m.SecondStringIndex, (int)m.Length)), $"{a} / {b}");
            }
            // Ranges come last match first.
            var starts = idx.Matches.Select(m => m.FirstStringIndex).ToArray();
            Assert.That(starts, Is.Ordered.Descending);
        }
    }

    private static string RandomText(Random random, int length) =>
        new(Enumerable.Range(0, length).Select(_ => "abc"[random.Next(3)]).ToArray());

    private static bool IsSubsequence(string sub, string of)
    {
        int i = 0;
        foreach (char c in of) if (i < sub.Length && sub[i] == c) i++;
        return i == sub.Length;
    }

    private static long ReferenceLcsLength(string a, string b)
    {
        var t = new int[a.Length + 1, b.Length + 1];
        for (int i = 1; i <= a.Length; i++)
            for (int j = 1; j <= b.Length; j++)
                t[i, j] = a[i - 1] == b[j - 1] ? t[i - 1, j - 1] + 1 : Math.Max(t[i - 1, j], t[i, j - 1]);
        return t[a.Length, b.Length];
    }

    [Test]
    public void LcsWithMissingKeysIsEmpty()
    {
        Db.StringSet(K("a"), "abc");
        Assert.That((string?)Db.StringLongestCommonSubsequence(K("a"), K("none")), Is.EqualTo(""));
        Assert.That(Db.StringLongestCommonSubsequenceLength(K("none"), K("none2")), Is.EqualTo(0));
    }

    [Test]
    public void LcsWorksOnIntegerEncodedValues()
    {
        Db.StringSet(K("a"), "123456");
        Db.StringSet(K("b"), "1x3y5z");
        Assert.That((string?)Db.StringLongestCommonSubsequence(K("a"), K("b")), Is.EqualTo("135"));
    }

    [Test]
    public void LcsAgainstAnotherTypeFails()
    {
        Db.StringSet(K("a"), "abc");
        Db.HashSet(K("h"), "f", "v");
        var e = Assert.Throws<RedisServerException>(() => Db.StringLongestCommonSubsequence(K("a"), K("h")));
        Assert.That(e!.Message, Is.EqualTo("ERR The specified keys must contain string values"));
    }
}
