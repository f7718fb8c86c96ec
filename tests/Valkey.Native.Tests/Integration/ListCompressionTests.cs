using NUnit.Framework;
using StackExchange.Redis;
using Valkey.Native.Tests.Infrastructure;

namespace Valkey.Native.Tests.Integration;

/// <summary>
/// list-compress-depth end to end on a server of its own: lists created under a depth keep it
/// (DEBUG OBJECT ql_compressed), compressible data takes less memory (MEMORY USAGE), and every
/// list command gives the same results on a compressed list as on an uncompressed copy.
/// </summary>
[TestFixture]
public class ListCompressionTests : OwnServerFixture
{
    protected override string[] ServerArguments => ["--enable-debug-command", "yes"];

    private static long Integer(string reply)
    {
        Assert.That(reply, Does.StartWith(":"), reply);
        return long.Parse(reply[1..].Trim());
    }

    private static RedisValue[] Elements(int count, int from = 0) =>
        Enumerable.Range(from, count).Select(i => (RedisValue)$"a fairly repetitive list element, number {i % 40} of a pattern").ToArray();

    private void Fill(IDatabase db, string key, int depth, int count)
    {
        Assert.That(Execute("CONFIG", "SET", "list-compress-depth", depth.ToString()), Is.EqualTo("+OK\r\n"));
        db.KeyDelete(key);
        for (int i = 0; i < count; i += 100) db.ListRightPush(key, Elements(Math.Min(100, count - i), i));
    }

    [TearDown]
    public void ResetDepth() => Execute("CONFIG", "SET", "list-compress-depth", "0");

    [Test]
    public void CompressedListsTakeLessMemoryAndKeepTheirDepth()
    {
        var db = Redis.GetDatabase();
        Fill(db, "plain", 0, 3000);
        Fill(db, "packed", 1, 3000);
        long plain = Integer(Execute("MEMORY", "USAGE", "plain"));
        long packed = Integer(Execute("MEMORY", "USAGE", "packed"));
        Assert.That(packed * 3, Is.LessThan(plain), $"compressed {packed} vs raw {plain}");
        // the depth is the list's own: still reported after the configuration changes back
        Execute("CONFIG", "SET", "list-compress-depth", "0");
        Assert.That(Execute("DEBUG", "OBJECT", "packed"), Does.Contain("ql_compressed:1"));
        Assert.That(Execute("DEBUG", "OBJECT", "plain"), Does.Contain("ql_compressed:0"));
        Assert.That(Execute("DEBUG", "OBJECT", "packed"), Does.Contain("encoding:quicklist"));
        // reads leave the interior compressed
        Assert.That(db.ListRange("packed", 0, -1), Has.Length.EqualTo(3000));
        Assert.That((string?)db.ListGetByIndex("packed", 1500), Is.EqualTo((string?)Elements(1, 1500)[0]));
        Assert.That(Integer(Execute("MEMORY", "USAGE", "packed")), Is.EqualTo(packed));
        Assert.That(Execute("DEBUG", "DIGEST-VALUE", "packed"), Is.EqualTo(Execute("DEBUG", "DIGEST-VALUE", "plain")));
        // a copy is compressed too; freeing either (DEL, UNLINK) leaves the other intact
        Assert.That(Execute("COPY", "packed", "copy"), Is.EqualTo(":1\r\n"));
        Assert.That(Integer(Execute("MEMORY", "USAGE", "copy")), Is.EqualTo(packed));
        Assert.That(Execute("UNLINK", "packed"), Is.EqualTo(":1\r\n"));
        Assert.That(Execute("DEBUG", "DIGEST-VALUE", "copy"), Is.EqualTo(Execute("DEBUG", "DIGEST-VALUE", "plain")));
    }

    [TestCase(1)]
    [TestCase(2)]
    public void EditsInTheMiddleMatchAnUncompressedList(int depth)
    {
        var db = Redis.GetDatabase();
        Fill(db, "a", 0, 2000);
        Fill(db, "b", depth, 2000);
        var rng = new Random(depth);
        for (int step = 0; step < 300; step++)
        {
            int len = (int)db.ListLength("a");
            int i = rng.Next(len);
            string v = rng.Next(3) == 0 ? rng.Next(1000).ToString() : $"new value {rng.Next(50)} with some repeated text repeated text";
            switch (rng.Next(7))
            {
                case 0:
                    foreach (var k in new[] { "a", "b" }) db.ListSetByIndex(k, i, v);
                    break;
                case 1:
                    var pivot = db.ListGetByIndex("a", i);
                    foreach (var k in new[] { "a", "b" }) db.ListInsertAfter(k, pivot, v);
                    break;
                case 2:
                    var target = db.ListGetByIndex("a", i);
                    int count = rng.Next(-2, 3);
                    long removed = db.ListRemove("a", target, count);
                    Assert.That(db.ListRemove("b", target, count), Is.EqualTo(removed));
                    break;
                case 3:
                    int left = rng.Next(3), right = -1 - rng.Next(3);
                    foreach (var k in new[] { "a", "b" }) db.ListTrim(k, left, right);
                    break;
                case 4:
                    foreach (var k in new[] { "a", "b" }) { db.ListLeftPush(k, v); db.ListRightPop(k); }
                    break;
                case 5:
                    Assert.That(db.ListPosition("b", db.ListGetByIndex("a", i)), Is.EqualTo(db.ListPosition("a", db.ListGetByIndex("a", i))));
                    break;
                default:
                    Assert.That(db.ListRange("b", i, i + 50), Is.EqualTo(db.ListRange("a", i, i + 50)));
                    break;
            }
            if (step % 25 == 0) Assert.That(db.ListRange("b", 0, -1), Is.EqualTo(db.ListRange("a", 0, -1)), $"step {step}");
        }
        Assert.That(db.ListRange("b", 0, -1), Is.EqualTo(db.ListRange("a", 0, -1)));
        Assert.That(Execute("DEBUG", "DIGEST-VALUE", "b"), Is.EqualTo(Execute("DEBUG", "DIGEST-VALUE", "a")));
        Assert.That(Integer(Execute("MEMORY", "USAGE", "b")) * 2, Is.LessThan(Integer(Execute("MEMORY", "USAGE", "a"))));
    }
}
