using System.Diagnostics;
using NUnit.Framework;
using StackExchange.Redis;
using Valkey.Native.Tests.Infrastructure;
using static Valkey.Native.Tests.Infrastructure.Resp;

namespace Valkey.Native.Tests.Integration;

/// <summary>EXPIRE/PEXPIRE/EXPIREAT/PEXPIREAT, TTL/PTTL/EXPIRETIME/PEXPIRETIME and PERSIST on the shared server.</summary>
[TestFixture]
public class ExpireCommandsTests : SharedServerFixture
{
    private static string K(string name) => $"expire:{TestContext.CurrentContext.Test.Name}:{name}";

    private static long NowMs => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    // ---- setting TTLs --------------------------------------------------------------------------

    [Test]
    public void ExpireSetsATtlInSeconds()
    {
        string a = K("a");
        Db.StringSet(a, "v");
        Assert.That(Execute("EXPIRE", a, "100"), Is.EqualTo(":1\r\n"));
        Assert.That(Integer(Execute("TTL", a)), Is.InRange(99, 100));
        Assert.That(Integer(Execute("PTTL", a)), Is.InRange(98_000, 100_000));
        // Setting it again replaces it.
        Assert.That(Execute("EXPIRE", a, "200"), Is.EqualTo(":1\r\n"));
        Assert.That(Integer(Execute("TTL", a)), Is.InRange(199, 200));
    }

    [Test]
    public void PExpireSetsATtlInMilliseconds()
    {
        string a = K("a");
        Db.StringSet(a, "v");
        Assert.That(Execute("PEXPIRE", a, "100000"), Is.EqualTo(":1\r\n"));
        Assert.That(Integer(Execute("PTTL", a)), Is.InRange(98_000, 100_000));
        Assert.That(Integer(Execute("TTL", a)), Is.InRange(99, 100));
    }

    [Test]
    public void ExpireAtAndPExpireAtUseAbsoluteTimes()
    {
        string a = K("a"), b = K("b");
        Db.StringSet(a, "v");
        Db.StringSet(b, "v");
        long at = DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 100;
        Assert.That(Execute("EXPIREAT", a, at.ToString()), Is.EqualTo(":1\r\n"));
        Assert.That(Execute("EXPIRETIME", a), Is.EqualTo($":{at}\r\n"));
        Assert.That(Execute("PEXPIRETIME", a), Is.EqualTo($":{at * 1000}\r\n"));
        long atMs = NowMs + 123_456;
        Assert.That(Execute("PEXPIREAT", b, atMs.ToString()), Is.EqualTo(":1\r\n"));
        Assert.That(Execute("PEXPIRETIME", b), Is.EqualTo($":{atMs}\r\n"));
        Assert.That(Execute("EXPIRETIME", b), Is.EqualTo($":{(atMs + 500) / 1000}\r\n"));
    }

    [Test]
    public void KeysVanishWhenTheirTimeComes()
    {
        string a = K("a");
        Db.StringSet(a, "v");
        Assert.That(Execute("PEXPIRE", a, "500"), Is.EqualTo(":1\r\n"));
        Assert.That(Db.StringGet(a).ToString(), Is.EqualTo("v"));
        Thread.Sleep(700);
        Assert.That(Db.StringGet(a).IsNull, Is.True);
        Assert.That(Execute("TTL", a), Is.EqualTo(":-2\r\n"));
    }

    [Test]
    public void ExpireOnAMissingKeyReturnsZero()
    {
        Assert.That(Execute("EXPIRE", K("none"), "100"), Is.EqualTo(":0\r\n"));
        Assert.That(Execute("PEXPIREAT", K("none"), "1"), Is.EqualTo(":0\r\n"));
        Assert.That(Db.KeyExists(K("none")), Is.False);
    }

    [Test]
    public void APastOrNegativeTimeDeletesTheKey()
    {
        string a = K("a"), b = K("b"), c = K("c");
        Db.StringSet(a, "v");
        Db.StringSet(b, "v", TimeSpan.FromSeconds(100));
        Db.HashSet(c, "f", "v");
        Assert.That(Execute("EXPIRE", a, "-1"), Is.EqualTo(":1\r\n"));
        Assert.That(Execute("PEXPIREAT", b, "1"), Is.EqualTo(":1\r\n"));
        Assert.That(Execute("EXPIRE", c, "0"), Is.EqualTo(":1\r\n"));
        Assert.That(Execute("EXISTS", a, b, c), Is.EqualTo(":0\r\n"));
    }

    [Test]
    public void ExpireOnlyWorksOnLiveKeys()
    {
        string a = K("a");
        Db.StringSet(a, "v", TimeSpan.FromMilliseconds(5));
        Thread.Sleep(30);
        Assert.That(Execute("EXPIRE", a, "100"), Is.EqualTo(":0\r\n"));
        Assert.That(Execute("EXISTS", a), Is.EqualTo(":0\r\n"));
    }

    // ---- NX / XX / GT / LT ------------------------------------------------------------------------

    [Test]
    public void ExpireNx()
    {
        string a = K("a"), b = K("b");
        Db.StringSet(a, "v", TimeSpan.FromSeconds(100));
        Db.StringSet(b, "v");
        Assert.That(Execute("EXPIRE", a, "200", "NX"), Is.EqualTo(":0\r\n"));
        Assert.That(Integer(Execute("TTL", a)), Is.InRange(99, 100));
        Assert.That(Execute("EXPIRE", b, "200", "nx"), Is.EqualTo(":1\r\n"));
        Assert.That(Integer(Execute("TTL", b)), Is.InRange(199, 200));
    }

    [Test]
    public void ExpireXx()
    {
        string a = K("a"), b = K("b");
        Db.StringSet(a, "v", TimeSpan.FromSeconds(100));
        Db.StringSet(b, "v");
        Assert.That(Execute("EXPIRE", a, "200", "XX"), Is.EqualTo(":1\r\n"));
        Assert.That(Integer(Execute("TTL", a)), Is.InRange(199, 200));
        Assert.That(Execute("EXPIRE", b, "200", "XX"), Is.EqualTo(":0\r\n"));
        Assert.That(Execute("TTL", b), Is.EqualTo(":-1\r\n"));
    }

    [Test]
    public void ExpireGt()
    {
        string a = K("a"), b = K("b");
        Db.StringSet(a, "v", TimeSpan.FromSeconds(100));
        Db.StringSet(b, "v");
        Assert.That(Execute("EXPIRE", a, "50", "GT"), Is.EqualTo(":0\r\n"));
        Assert.That(Execute("EXPIRE", a, "200", "GT"), Is.EqualTo(":1\r\n"));
        Assert.That(Integer(Execute("TTL", a)), Is.InRange(199, 200));
        // No TTL is an infinite one: nothing is greater.
        Assert.That(Execute("EXPIRE", b, "200", "GT"), Is.EqualTo(":0\r\n"));
        Assert.That(Execute("TTL", b), Is.EqualTo(":-1\r\n"));
    }

    [Test]
    public void ExpireLt()
    {
        string a = K("a"), b = K("b");
        Db.StringSet(a, "v", TimeSpan.FromSeconds(100));
        Db.StringSet(b, "v");
        Assert.That(Execute("EXPIRE", a, "200", "LT"), Is.EqualTo(":0\r\n"));
        Assert.That(Execute("EXPIRE", a, "50", "LT"), Is.EqualTo(":1\r\n"));
        Assert.That(Integer(Execute("TTL", a)), Is.InRange(49, 50));
        // ...and everything is less than no TTL.
        Assert.That(Execute("EXPIRE", b, "200", "LT"), Is.EqualTo(":1\r\n"));
        Assert.That(Integer(Execute("TTL", b)), Is.InRange(199, 200));
    }

    [Test]
    public void ExpireLtWithXx()
    {
        string a = K("a"), b = K("b");
        Db.StringSet(a, "v", TimeSpan.FromSeconds(100));
        Db.StringSet(b, "v");
        Assert.That(Execute("EXPIRE", a, "50", "XX", "LT"), Is.EqualTo(":1\r\n"));
        Assert.That(Integer(Execute("TTL", a)), Is.InRange(49, 50));
        Assert.That(Execute("EXPIRE", b, "50", "XX", "LT"), Is.EqualTo(":0\r\n"));
        Assert.That(Execute("TTL", b), Is.EqualTo(":-1\r\n"));
    }

    [Test]
    public void ConflictingAndUnknownOptions()
    {
        string a = K("a");
        Db.StringSet(a, "v");
        const string nxError = "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n";
        Assert.That(Execute("EXPIRE", a, "100", "NX", "XX"), Is.EqualTo(nxError));
        Assert.That(Execute("EXPIRE", a, "100", "NX", "GT"), Is.EqualTo(nxError));
        Assert.That(Execute("PEXPIRE", a, "100", "LT", "NX"), Is.EqualTo(nxError));
        Assert.That(Execute("EXPIRE", a, "100", "GT", "LT"), Is.EqualTo("-ERR GT and LT options at the same time are not compatible\r\n"));
        Assert.That(Execute("EXPIRE", a, "100", "AB"), Is.EqualTo("-ERR Unsupported option AB\r\n"));
        Assert.That(Execute("EXPIRE", a, "100", "XX", "AB"), Is.EqualTo("-ERR Unsupported option AB\r\n"));
        // Options are checked before the time and the key.
        Assert.That(Execute("EXPIRE", K("none"), "abc", "GT", "LT"), Is.EqualTo("-ERR GT and LT options at the same time are not compatible\r\n"));
        Assert.That(Execute("TTL", a), Is.EqualTo(":-1\r\n"));
    }

    // ---- time argument errors and overflow ----------------------------------------------------------

    [Test]
    public void TimeMustBeAnInteger()
    {
        string a = K("a");
        Db.StringSet(a, "v");
        const string notInteger = "-ERR value is not an integer or out of range\r\n";
        Assert.That(Execute("EXPIRE", a, ""), Is.EqualTo(notInteger));
        Assert.That(Execute("EXPIRE", a, "1.5"), Is.EqualTo(notInteger));
        Assert.That(Execute("PEXPIRE", a, "abc"), Is.EqualTo(notInteger));
        Assert.That(Execute("EXPIREAT", a, "9223372036854775808"), Is.EqualTo(notInteger));
        Assert.That(Execute("EXPIRE", a), Is.EqualTo("-ERR wrong number of arguments for 'expire' command\r\n"));
        Assert.That(Execute("TTL", a), Is.EqualTo(":-1\r\n"));
    }

    [Test]
    public void OverflowingTimesAreRejected()
    {
        string a = K("a");
        Db.StringSet(a, "v");
        Assert.That(Execute("EXPIRE", a, "9223372036854775807"), Is.EqualTo("-ERR invalid expire time in 'expire' command\r\n"));
        Assert.That(Execute("EXPIRE", a, "9223372036854775"), Is.EqualTo("-ERR invalid expire time in 'expire' command\r\n"));
        Assert.That(Execute("EXPIREAT", a, "9223372036854776"), Is.EqualTo("-ERR invalid expire time in 'expireat' command\r\n"));
        Assert.That(Execute("PEXPIRE", a, "9223372036854770000"), Is.EqualTo("-ERR invalid expire time in 'pexpire' command\r\n"));
        Assert.That(Execute("EXPIRE", a, "-9223372036854775808"), Is.EqualTo("-ERR invalid expire time in 'expire' command\r\n"));
        Assert.That(Execute("EXPIRE", a, "-9223372036854776"), Is.EqualTo("-ERR invalid expire time in 'expire' command\r\n"));
        Assert.That(Execute("TTL", a), Is.EqualTo(":-1\r\n"));
    }

    [Test]
    public void ExtremeAbsoluteTimesWork()
    {
        string a = K("a"), b = K("b");
        Db.StringSet(a, "v");
        Assert.That(Execute("PEXPIREAT", a, "9223372036854770000"), Is.EqualTo(":1\r\n"));
        Assert.That(Execute("PEXPIRETIME", a), Is.EqualTo(":9223372036854770000\r\n"));
        Assert.That(Execute("EXPIREAT", a, "9223372036854775"), Is.EqualTo(":1\r\n"));
        Assert.That(Execute("PEXPIRETIME", a), Is.EqualTo(":9223372036854775000\r\n"));
        Db.StringSet(b, "v");
        Assert.That(Execute("PEXPIREAT", b, "-9223372036854770000"), Is.EqualTo(":1\r\n"));
        Assert.That(Execute("EXISTS", b), Is.EqualTo(":0\r\n"));
        Db.StringSet(b, "v");
        Assert.That(Execute("EXPIRE", b, "-9223372036854775"), Is.EqualTo(":1\r\n"));
        Assert.That(Execute("EXISTS", b), Is.EqualTo(":0\r\n"));
    }

    // ---- reading TTLs ----------------------------------------------------------------------------

    [Test]
    public void TtlOfMissingAndPersistentKeys()
    {
        string a = K("a");
        Db.StringSet(a, "v");
        foreach (var cmd in new[] { "TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME" })
        {
            Assert.That(Execute(cmd, a), Is.EqualTo(":-1\r\n"), cmd);
            Assert.That(Execute(cmd, K("none")), Is.EqualTo(":-2\r\n"), cmd);
        }
    }

    [Test]
    public void TtlOfAnExpiredKeyIsMinusTwo()
    {
        string a = K("a");
        Db.StringSet(a, "v", TimeSpan.FromMilliseconds(5));
        Thread.Sleep(30);
        Assert.That(Execute("TTL", a), Is.EqualTo(":-2\r\n"));
        Assert.That(Execute("PTTL", a), Is.EqualTo(":-2\r\n"));
        Assert.That(Execute("PEXPIRETIME", a), Is.EqualTo(":-2\r\n"));
    }

    [Test]
    public void TtlRoundsToTheNearestSecond()
    {
        string a = K("a"), b = K("b");
        Db.StringSet(a, "v");
        Db.StringSet(b, "v");
        Execute("PEXPIRE", a, "1400");
        Execute("PEXPIRE", b, "2900");
        Assert.That(Execute("TTL", a), Is.EqualTo(":1\r\n"));
        Assert.That(Execute("TTL", b), Is.EqualTo(":3\r\n"));
    }

    [Test]
    public void TtlThroughStackExchangeRedis()
    {
        string a = K("a");
        Db.StringSet(a, "v");
        Assert.That(Db.KeyTimeToLive(a), Is.Null);
        Assert.That(Db.KeyExpire(a, TimeSpan.FromMinutes(5)), Is.True);
        Assert.That(Db.KeyTimeToLive(a)!.Value.TotalSeconds, Is.InRange(290, 300));
        var at = DateTime.UtcNow.AddHours(1);
        Assert.That(Db.KeyExpire(a, at), Is.True);
        Assert.That(Db.KeyTimeToLive(a)!.Value.TotalMinutes, Is.InRange(59, 60));
    }

    // ---- PERSIST ---------------------------------------------------------------------------------

    [Test]
    public void PersistRemovesTheTtl()
    {
        string a = K("a");
        Db.StringSet(a, "v", TimeSpan.FromSeconds(100));
        Assert.That(Execute("PERSIST", a), Is.EqualTo(":1\r\n"));
        Assert.That(Execute("TTL", a), Is.EqualTo(":-1\r\n"));
        Assert.That(Execute("PERSIST", a), Is.EqualTo(":0\r\n"));
        Assert.That(Execute("PERSIST", K("none")), Is.EqualTo(":0\r\n"));
        Assert.That(Db.KeyPersist(a), Is.False);
    }

    [Test]
    public void PersistKeepsTheKeyAliveAfterItsOldTime()
    {
        string a = K("a");
        Db.StringSet(a, "v", TimeSpan.FromMilliseconds(500));
        Assert.That(Execute("PERSIST", a), Is.EqualTo(":1\r\n"));
        Thread.Sleep(700);
        Assert.That(Db.StringGet(a).ToString(), Is.EqualTo("v"));
    }

    [Test]
    public void ManyVolatileKeysExpireAndOthersRemain()
    {
        var keys = Enumerable.Range(0, 200).Select(i => K("k" + i)).ToArray();
        var batch = Db.CreateBatch();
        var tasks = new List<Task>();
        for (int i = 0; i < keys.Length; i++)
            tasks.Add(i % 2 == 0 ? batch.StringSetAsync(keys[i], "v", TimeSpan.FromMilliseconds(100)) : batch.StringSetAsync(keys[i], "v"));
        batch.Execute();
        Task.WaitAll(tasks.ToArray());
        Thread.Sleep(300);
        long live = Db.KeyExists(keys.Select(k => (RedisKey)k).ToArray());
        Assert.That(live, Is.EqualTo(100));
    }
}

/// <summary>Active expiry on a server of its own: expired keys go without being touched, and so does their memory.</summary>
[TestFixture]
[NonParallelizable]
public class ActiveExpiryTests
{
    private static long UsedMemory(IServer server) => InfoParser.Field(server.InfoRaw("memory") ?? "", "used_memory");

    [Test]
    public void ActiveExpiryReclaimsKeysAndMemoryWithoutAccess()
    {
        using var process = ServerProcess.Start("--enable-debug-command", "yes");
        using var connection = process.Connect();
        var db = connection.GetDatabase();
        var server = connection.GetServer(process.Endpoint);

        long baseline = UsedMemory(server);
        // Active expiry waits until the whole set is in and measured: on a loaded machine the
        // pipeline can take longer than the TTL. Nothing looks the keys up, so nothing else reclaims them.
        Assert.That(db.Execute("DEBUG", "SET-ACTIVE-EXPIRE", "0").ToString(), Is.EqualTo("OK"));
        const int count = 100_000;
        var batch = db.CreateBatch();
        var tasks = new List<Task>(count);
        string value = new string('v', 100); // raw-encoded: an out-of-line block per key too
        for (int i = 0; i < count; i++) tasks.Add(batch.StringSetAsync("volatile:" + i, value, TimeSpan.FromSeconds(1)));
        batch.Execute();
        Task.WaitAll(tasks.ToArray());
        db.StringSet("persistent", "stays");

        Assert.That((long)db.Execute("DBSIZE"), Is.EqualTo(count + 1));
        long filled = UsedMemory(server);
        Assert.That(filled - baseline, Is.GreaterThan(count * 100L), "100k keys with 100-byte values must show in used_memory");
        Assert.That(db.Execute("DEBUG", "SET-ACTIVE-EXPIRE", "1").ToString(), Is.EqualTo("OK"));

        // Only DBSIZE from here on: it counts keys without looking any of them up.
        var sw = Stopwatch.StartNew();
        long size;
        do
        {
            Thread.Sleep(200);
            size = (long)db.Execute("DBSIZE");
        } while (size > 1 && sw.Elapsed < TimeSpan.FromSeconds(15));
        Assert.That(size, Is.EqualTo(1), $"active expiry left {size - 1} expired keys after {sw.Elapsed.TotalSeconds:F1} s");
        Assert.That(db.StringGet("persistent").ToString(), Is.EqualTo("stays"));

        // Let the cron shrink the emptied key table, then compare with the baseline.
        long after = UsedMemory(server);
        for (int i = 0; i < 20 && after - baseline > (filled - baseline) / 10; i++)
        {
            Thread.Sleep(100);
            after = UsedMemory(server);
        }
        Assert.That(after - baseline, Is.LessThan((filled - baseline) / 10),
            $"used_memory baseline {baseline}, filled {filled}, after expiry {after}");
    }
}
