using NUnit.Framework;
using StackExchange.Redis;
using Valkey.Native.Tests.Infrastructure;

namespace Valkey.Native.Tests.Integration;

/// <summary>
/// DEL, UNLINK, EXISTS, TYPE, RENAME, RENAMENX, COPY, TOUCH and OBJECT against the shared
/// server. Every test uses its own key names, so they can share it.
/// </summary>
[TestFixture]
public class KeyCommandsTests : SharedServerFixture
{
    /// <summary>A key name unique to the running test.</summary>
    private static string K(string name) => $"keys:{TestContext.CurrentContext.Test.Name}:{name}";

    // ---- DEL / UNLINK ----------------------------------------------------------------------

    [Test]
    public void DelRemovesEveryGivenKeyAndCountsOnlyExistingOnes()
    {
        string a = K("a"), b = K("b"), c = K("c"), missing = K("missing");
        Db.StringSet(a, "1");
        Db.StringSet(b, "2");
        Db.HashSet(c, "f", "v");
        Assert.That(Db.KeyDelete(new RedisKey[] { a, b, c, missing }), Is.EqualTo(3));
        Assert.That(Db.KeyExists(a), Is.False);
        Assert.That(Db.KeyExists(b), Is.False);
        Assert.That(Db.KeyExists(c), Is.False);
        Assert.That(Db.KeyDelete(a), Is.False);
    }

    [Test]
    public void DelCountsARepeatedKeyOnce()
    {
        string a = K("a");
        Db.StringSet(a, "1");
        Assert.That(Execute("DEL", a, a, a), Is.EqualTo(":1\r\n"));
    }

    [Test]
    public void UnlinkBehavesLikeDel()
    {
        string a = K("a"), b = K("b");
        Db.StringSet(a, "1");
        Db.StringSet(b, new string('x', 1000));
        Assert.That(Execute("UNLINK", a, b, K("none")), Is.EqualTo(":2\r\n"));
        Assert.That(Db.KeyExists(a) || Db.KeyExists(b), Is.False);
    }

    [Test]
    public void DelDoesNotCountAnExpiredKey()
    {
        string a = K("a");
        Db.StringSet(a, "v", TimeSpan.FromMilliseconds(5));
        Thread.Sleep(30);
        Assert.That(Execute("DEL", a), Is.EqualTo(":0\r\n"));
    }

    [Test]
    public void DelWithoutKeysIsAnArityError()
    {
        Assert.That(Execute("DEL"), Is.EqualTo("-ERR wrong number of arguments for 'del' command\r\n"));
        Assert.That(Execute("UNLINK"), Is.EqualTo("-ERR wrong number of arguments for 'unlink' command\r\n"));
    }

    [Test]
    public void DelAcceptsBinaryAndEmptyKeyNames()
    {
        string prefix = K("bin");
        using var raw = SharedServer.CreateRawClient();
        byte[] binaryKey = [.. System.Text.Encoding.UTF8.GetBytes(prefix), 0, 1, 0xFF, (byte)'\r', (byte)'\n'];
        raw.SendCommand("SET"u8.ToArray(), binaryKey, "v"u8.ToArray());
        Assert.That(raw.ReadReply(), Is.EqualTo("+OK\r\n"));
        raw.SendCommand("EXISTS"u8.ToArray(), binaryKey);
        Assert.That(raw.ReadReply(), Is.EqualTo(":1\r\n"));
        raw.SendCommand("DEL"u8.ToArray(), binaryKey);
        Assert.That(raw.ReadReply(), Is.EqualTo(":1\r\n"));
        raw.SendCommand("EXISTS"u8.ToArray(), binaryKey);
        Assert.That(raw.ReadReply(), Is.EqualTo(":0\r\n"));
    }

    // ---- EXISTS / TYPE / TOUCH ---------------------------------------------------------------

    [Test]
    public void ExistsCountsEveryOccurrence()
    {
        string a = K("a"), b = K("b");
        Db.StringSet(a, "1");
        Db.StringSet(b, "");
        Assert.That(Execute("EXISTS", a, a, b, K("none")), Is.EqualTo(":3\r\n"));
        Assert.That(Db.KeyExists(K("none")), Is.False);
    }

    [Test]
    public void ExistsAndTypeHideAnExpiredKey()
    {
        string a = K("a");
        Db.StringSet(a, "v", TimeSpan.FromMilliseconds(5));
        Thread.Sleep(30);
        Assert.That(Execute("EXISTS", a), Is.EqualTo(":0\r\n"));
        Db.StringSet(a, "v", TimeSpan.FromMilliseconds(5));
        Thread.Sleep(30);
        Assert.That(Execute("TYPE", a), Is.EqualTo("+none\r\n"));
    }

    [Test]
    public void TypeNamesEachKind()
    {
        string s = K("s"), h = K("h");
        Db.StringSet(s, "12");
        Db.HashSet(h, "f", "v");
        Assert.That(Execute("TYPE", s), Is.EqualTo("+string\r\n"));
        Assert.That(Execute("TYPE", h), Is.EqualTo("+hash\r\n"));
        Assert.That(Execute("TYPE", K("none")), Is.EqualTo("+none\r\n"));
        Assert.That(Db.KeyType(h), Is.EqualTo(RedisType.Hash));
        Assert.That(Db.KeyType(s), Is.EqualTo(RedisType.String));
    }

    [Test]
    public void TouchCountsExistingKeys()
    {
        string a = K("a"), b = K("b");
        Db.StringSet(a, "1");
        Db.StringSet(b, "2");
        Assert.That(Execute("TOUCH", a, b, K("c"), a), Is.EqualTo(":3\r\n"));
    }

    // ---- RENAME / RENAMENX -------------------------------------------------------------------

    [Test]
    public void RenameMovesTheValueAndTheOldNameDisappears()
    {
        string a = K("a"), b = K("b");
        Db.StringSet(a, "hello");
        Assert.That(Db.KeyRename(a, b), Is.True);
        Assert.That(Db.StringGet(b).ToString(), Is.EqualTo("hello"));
        Assert.That(Db.KeyExists(a), Is.False);
    }

    [Test]
    public void RenameOverwritesAnExistingTarget()
    {
        string a = K("a"), b = K("b");
        Db.StringSet(a, "foo");
        Db.HashSet(b, "f", "v");
        Assert.That(Execute("RENAME", a, b), Is.EqualTo("+OK\r\n"));
        Assert.That(Execute("TYPE", b), Is.EqualTo("+string\r\n"));
        Assert.That(Db.StringGet(b).ToString(), Is.EqualTo("foo"));
        Assert.That(Db.KeyExists(a), Is.False);
    }

    [Test]
    public void RenameKeepsTheSourceTtl()
    {
        string a = K("a"), b = K("b");
        Db.StringSet(a, "v", TimeSpan.FromSeconds(100));
        Db.KeyRename(a, b);
        var ttl = Db.KeyTimeToLive(b);
        Assert.That(ttl, Is.Not.Null);
        Assert.That(ttl!.Value.TotalSeconds, Is.InRange(90, 100));
    }

    [Test]
    public void RenameDoesNotInheritTheTargetTtl()
    {
        string a = K("a"), b = K("b");
        Db.StringSet(a, "v");
        Db.StringSet(b, "old", TimeSpan.FromSeconds(100));
        Db.KeyRename(a, b);
        Assert.That(Execute("TTL", b), Is.EqualTo(":-1\r\n"));
    }

    [Test]
    public void RenameOfAMissingKeyIsAnError()
    {
        Assert.That(Execute("RENAME", K("none"), K("x")), Is.EqualTo("-ERR no such key\r\n"));
        Assert.That(Execute("RENAMENX", K("none"), K("x")), Is.EqualTo("-ERR no such key\r\n"));
    }

    [Test]
    public void RenameOntoItself()
    {
        string a = K("a");
        Db.StringSet(a, "v");
        Assert.That(Execute("RENAME", a, a), Is.EqualTo("+OK\r\n"));
        Assert.That(Execute("RENAMENX", a, a), Is.EqualTo(":0\r\n"));
        Assert.That(Db.StringGet(a).ToString(), Is.EqualTo("v"));
        Assert.That(Execute("RENAME", K("none"), K("none")), Is.EqualTo("-ERR no such key\r\n"));
    }

    [Test]
    public void RenameNxOnlyWhenTheTargetIsFree()
    {
        string a = K("a"), b = K("b"), c = K("c");
        Db.StringSet(a, "foo");
        Db.StringSet(b, "bar");
        Assert.That(Execute("RENAMENX", a, b), Is.EqualTo(":0\r\n"));
        Assert.That(Db.StringGet(a).ToString(), Is.EqualTo("foo"));
        Assert.That(Db.StringGet(b).ToString(), Is.EqualTo("bar"));
        Assert.That(Execute("RENAMENX", a, c), Is.EqualTo(":1\r\n"));
        Assert.That(Db.StringGet(c).ToString(), Is.EqualTo("foo"));
        Assert.That(Db.KeyExists(a), Is.False);
    }

    [Test]
    public void RenameNxTreatsAnExpiredTargetAsFree()
    {
        string a = K("a"), b = K("b");
        Db.StringSet(a, "new");
        Db.StringSet(b, "old", TimeSpan.FromMilliseconds(5));
        Thread.Sleep(30);
        Assert.That(Execute("RENAMENX", a, b), Is.EqualTo(":1\r\n"));
        Assert.That(Db.StringGet(b).ToString(), Is.EqualTo("new"));
        Assert.That(Execute("TTL", b), Is.EqualTo(":-1\r\n"));
    }

    [Test]
    public void RenameCarriesEveryEncodingAndHashes()
    {
        string i = K("int"), e = K("emb"), r = K("raw"), h = K("hash");
        string big = new string('r', 500);
        Db.StringSet(i, "12345");
        Db.StringSet(e, "short");
        Db.StringSet(r, big);
        Db.HashSet(h, new[] { new HashEntry("f1", "v1"), new HashEntry("f2", "v2") });
        foreach (var key in new[] { i, e, r, h }) Db.KeyRename(key, key + ":renamed");
        Assert.That(Db.StringGet(i + ":renamed").ToString(), Is.EqualTo("12345"));
        Assert.That(Db.StringGet(e + ":renamed").ToString(), Is.EqualTo("short"));
        Assert.That(Db.StringGet(r + ":renamed").ToString(), Is.EqualTo(big));
        Assert.That(Db.HashGet(h + ":renamed", "f2").ToString(), Is.EqualTo("v2"));
        Assert.That(Db.HashLength(h + ":renamed"), Is.EqualTo(2));
    }

    // ---- COPY ----------------------------------------------------------------------------------

    [Test]
    public void CopyDuplicatesAString()
    {
        string a = K("a"), b = K("b");
        Db.StringSet(a, "foobar");
        Assert.That(Execute("COPY", a, b), Is.EqualTo(":1\r\n"));
        Assert.That(Db.StringGet(a).ToString(), Is.EqualTo("foobar"));
        Assert.That(Db.StringGet(b).ToString(), Is.EqualTo("foobar"));
    }

    [Test]
    public void CopyDoesNotReplaceWithoutReplace()
    {
        string a = K("a"), b = K("b");
        Db.StringSet(a, "new");
        Db.StringSet(b, "old");
        Assert.That(Execute("COPY", a, b), Is.EqualTo(":0\r\n"));
        Assert.That(Db.StringGet(b).ToString(), Is.EqualTo("old"));
        Assert.That(Execute("COPY", a, b, "REPLACE"), Is.EqualTo(":1\r\n"));
        Assert.That(Db.StringGet(b).ToString(), Is.EqualTo("new"));
    }

    [Test]
    public void CopiedStringsAreIndependent()
    {
        string a = K("a"), b = K("b");
        string big = new string('x', 100);
        Db.StringSet(a, big);
        Execute("COPY", a, b);
        Db.StringAppend(b, "tail");
        Assert.That(Db.StringGet(a).ToString(), Is.EqualTo(big));
        Assert.That(Db.StringGet(b).ToString(), Is.EqualTo(big + "tail"));
        Db.KeyDelete(a);
        Assert.That(Db.StringGet(b).ToString(), Is.EqualTo(big + "tail"));
    }

    [Test]
    public void CopiedHashesAreIndependent()
    {
        string a = K("a"), b = K("b");
        Db.HashSet(a, new[] { new HashEntry("f1", "v1"), new HashEntry("f2", "v2") });
        Assert.That(Execute("COPY", a, b), Is.EqualTo(":1\r\n"));
        Db.HashSet(b, "f3", "v3");
        Db.HashDelete(a, "f1");
        Assert.That(Db.HashLength(a), Is.EqualTo(1));
        Assert.That(Db.HashLength(b), Is.EqualTo(3));
        Assert.That(Db.HashGet(b, "f1").ToString(), Is.EqualTo("v1"));
        Assert.That(Execute("OBJECT", "ENCODING", b), Is.EqualTo(Execute("OBJECT", "ENCODING", a)));
    }

    [Test]
    public void CopyKeepsTheTtlAndDoesNotInventOne()
    {
        string a = K("a"), b = K("b"), c = K("c"), d = K("d");
        Db.StringSet(a, "v", TimeSpan.FromSeconds(100));
        Execute("COPY", a, b);
        Assert.That(Db.KeyTimeToLive(b)!.Value.TotalSeconds, Is.InRange(90, 100));
        Db.StringSet(c, "v");
        Execute("COPY", c, d);
        Assert.That(Execute("TTL", d), Is.EqualTo(":-1\r\n"));
    }

    [Test]
    public void CopyToAnotherDatabase()
    {
        string a = K("a");
        Db.StringSet(a, "v");
        var db9 = SharedServer.Connection.GetDatabase(9);
        db9.KeyDelete(a);
        Assert.That(Execute("COPY", a, a, "DB", "9"), Is.EqualTo(":1\r\n"));
        Assert.That(db9.StringGet(a).ToString(), Is.EqualTo("v"));
        Assert.That(Execute("COPY", a, a, "DB", "9"), Is.EqualTo(":0\r\n"));
        Assert.That(Execute("COPY", a, a, "db", "9", "replace"), Is.EqualTo(":1\r\n"));
        db9.KeyDelete(a);
    }

    [Test]
    public void CopyErrors()
    {
        string a = K("a");
        Db.StringSet(a, "v");
        Assert.That(Execute("COPY", a, a), Is.EqualTo("-ERR source and destination objects are the same\r\n"));
        Assert.That(Execute("COPY", K("none"), K("none")), Is.EqualTo("-ERR source and destination objects are the same\r\n"));
        Assert.That(Execute("COPY", a, K("b"), "DB", "notanumber"), Is.EqualTo("-ERR value is not an integer or out of range\r\n"));
        Assert.That(Execute("COPY", a, K("b"), "DB", "16"), Is.EqualTo("-ERR DB index is out of range\r\n"));
        Assert.That(Execute("COPY", a, K("b"), "DB", "-1"), Is.EqualTo("-ERR DB index is out of range\r\n"));
        Assert.That(Execute("COPY", a, K("b"), "DB", "4294967296"),
            Is.EqualTo("-ERR value is out of range, value must between -2147483648 and 2147483647\r\n"));
        Assert.That(Execute("COPY", a, K("b"), "DB"), Is.EqualTo("-ERR syntax error\r\n"));
        Assert.That(Execute("COPY", a, K("b"), "FOO"), Is.EqualTo("-ERR syntax error\r\n"));
        Assert.That(Execute("COPY", a), Is.EqualTo("-ERR wrong number of arguments for 'copy' command\r\n"));
        Assert.That(Execute("COPY", K("none"), K("b")), Is.EqualTo(":0\r\n"));
        Assert.That(Db.KeyExists(K("b")), Is.False);
    }

    [Test]
    public void CopySameNameToAnotherDatabaseIsAllowed()
    {
        string a = K("a");
        Db.StringSet(a, "v");
        Assert.That(Execute("COPY", a, a, "DB", "0"), Is.EqualTo("-ERR source and destination objects are the same\r\n"));
        var db8 = SharedServer.Connection.GetDatabase(8);
        db8.KeyDelete(a);
        Assert.That(Execute("COPY", a, a, "DB", "8"), Is.EqualTo(":1\r\n"));
        db8.KeyDelete(a);
    }

    // ---- OBJECT --------------------------------------------------------------------------------

    [Test]
    public void ObjectEncodingOfStrings()
    {
        string i = K("i"), e = K("e"), r = K("r");
        Db.StringSet(i, "12345");
        Db.StringSet(e, "hello");
        Db.StringSet(r, new string('x', 100));
        Assert.That(Execute("OBJECT", "ENCODING", i), Is.EqualTo("$3\r\nint\r\n"));
        Assert.That(Execute("OBJECT", "ENCODING", e), Is.EqualTo("$6\r\nembstr\r\n"));
        Assert.That(Execute("OBJECT", "ENCODING", r), Is.EqualTo("$3\r\nraw\r\n"));
        Assert.That(Execute("OBJECT", "ENCODING", K("none")), Is.EqualTo("$-1\r\n"));
    }

    [Test]
    public void ObjectRefcountReportsSharedSmallIntegers()
    {
        string small = K("small"), big = K("big"), text = K("text"), negative = K("neg");
        Db.StringSet(small, "9999");
        Db.StringSet(big, "10000");
        Db.StringSet(negative, "-1");
        Db.StringSet(text, "abc");
        Assert.That(Execute("OBJECT", "REFCOUNT", small), Is.EqualTo(":2147483647\r\n"));
        Assert.That(Execute("OBJECT", "REFCOUNT", big), Is.EqualTo(":1\r\n"));
        Assert.That(Execute("OBJECT", "REFCOUNT", negative), Is.EqualTo(":1\r\n"));
        Assert.That(Execute("OBJECT", "REFCOUNT", text), Is.EqualTo(":1\r\n"));
        Assert.That(Execute("OBJECT", "REFCOUNT", K("none")), Is.EqualTo("$-1\r\n"));
    }

    [Test]
    public void ObjectIdletimeOfAFreshKeyIsSmall()
    {
        string a = K("a");
        Db.StringSet(a, "v");
        string reply = Execute("OBJECT", "IDLETIME", a);
        Assert.That(reply, Is.EqualTo(":0\r\n").Or.EqualTo(":1\r\n"));
        Assert.That(Execute("OBJECT", "IDLETIME", K("none")), Is.EqualTo("$-1\r\n"));
    }

    [Test]
    public void ObjectFreqNeedsAnLfuPolicy()
    {
        string a = K("a");
        Db.StringSet(a, "v");
        Assert.That(Execute("OBJECT", "FREQ", a), Is.EqualTo(
            "-ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.\r\n"));
        Assert.That(Execute("OBJECT", "FREQ", K("none")), Is.EqualTo("$-1\r\n"));
    }

    [Test]
    public void ObjectHelpAndErrors()
    {
        var help = (RedisResult[])Db.Execute("OBJECT", "HELP")!;
        Assert.That(help.Length, Is.EqualTo(15));
        Assert.That(help[0].ToString(), Is.EqualTo("OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"));
        Assert.That(help[1].ToString(), Is.EqualTo("ENCODING <key>"));
        Assert.That(help[^2].ToString(), Is.EqualTo("HELP"));
        Assert.That(help[^1].ToString(), Is.EqualTo("    Print this help."));
        Assert.That(Execute("OBJECT", "NOPE", "x"), Is.EqualTo("-ERR unknown subcommand 'NOPE'. Try OBJECT HELP.\r\n"));
        Assert.That(Execute("OBJECT", "ENCODING"), Is.EqualTo("-ERR wrong number of arguments for 'object|encoding' command\r\n"));
        Assert.That(Execute("OBJECT"), Is.EqualTo("-ERR wrong number of arguments for 'object' command\r\n"));
    }

    [Test]
    public void ObjectDoesNotHideOrReviveExpiredKeys()
    {
        string a = K("a");
        Db.StringSet(a, "v", TimeSpan.FromMilliseconds(5));
        Thread.Sleep(30);
        Assert.That(Execute("OBJECT", "ENCODING", a), Is.EqualTo("$-1\r\n"));
        Assert.That(Execute("EXISTS", a), Is.EqualTo(":0\r\n"));
    }
}
