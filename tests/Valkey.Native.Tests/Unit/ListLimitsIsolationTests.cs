using NUnit.Framework;
using Valkey.Native.Storage;
using Valkey.Native.Tests.Shared;

namespace Valkey.Native.Tests.Unit;

/// <summary>
/// The list settings (list-max-listpack-size, list-compress-depth, DEBUG QUICKLIST-PACKED-THRESHOLD)
/// belong to each server: two servers in one process build their lists each with its own.
/// </summary>
[TestFixture]
public sealed unsafe class ListLimitsIsolationTests
{
    private static InProcessServer NewServer(int fill)
    {
        var server = new InProcessServer();
        server.Server.Config.EnableDebugCommand = "yes";
        server.Server.Config.ListMaxListpackSize = fill;
        return server;
    }

    private static ValueHeader* Header(InProcessServer server, string key)
    {
        byte* entry = server.Server.Keyspace.Databases[0].Table.Find(System.Text.Encoding.ASCII.GetBytes(key));
        Assert.That(entry != null, Is.True, key + " exists");
        return Database.Header(entry);
    }

    private static void PushTen(InProcessServer server, string key)
    {
        for (int i = 0; i < 10; i++)
            Assert.That(server.Execute("RPUSH", key, new string((char)('a' + i), 20)), Is.EqualTo($":{i + 1}\r\n"));
    }

    [Test]
    public void PackedThresholdAndCompressDepthStayWithTheirServer()
    {
        using var tuned = NewServer(fill: 4);
        using var plain = NewServer(fill: 4);
        Assert.That(tuned.Execute("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "10"), Is.EqualTo("+OK\r\n"));
        tuned.Server.Config.ListCompressDepth = 1;

        Assert.That(tuned.Server.ListLimits, Is.EqualTo(new ListLimits(4, 1, 10)));
        Assert.That(plain.Server.ListLimits, Is.EqualTo(new ListLimits(4, 0, ListLimits.NoPackedThreshold)));

        PushTen(tuned, "l");
        PushTen(plain, "l");
        ValueHeader* t = Header(tuned, "l"), p = Header(plain, "l");
        Assert.That(t->Encoding, Is.EqualTo(ValueEncoding.QuickList));
        Assert.That(p->Encoding, Is.EqualTo(ValueEncoding.QuickList));
        // Fill 4: the 5th push converts, the 4-element listpack becoming the first node. Past a 10-byte
        // threshold the 20-byte elements pushed after it are "large": a node each (1 + 6); otherwise 4 per node.
        Assert.That(ListValue.NodeCount(t), Is.EqualTo(7));
        Assert.That(ListValue.NodeCount(p), Is.EqualTo(3));
        Assert.That(ListValue.DepthOf(t), Is.EqualTo(1));
        Assert.That(ListValue.DepthOf(p), Is.EqualTo(0));

        // 0 restores "not set" on that server only.
        Assert.That(tuned.Execute("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "0"), Is.EqualTo("+OK\r\n"));
        Assert.That(tuned.Server.QuicklistPackedThreshold, Is.EqualTo(ListLimits.NoPackedThreshold));
        PushTen(tuned, "l2");
        Assert.That(ListValue.NodeCount(Header(tuned, "l2")), Is.EqualTo(3));
    }

    [Test]
    public void DefaultLimitsAreValkeysDefaults()
    {
        Assert.That(ListLimits.Default, Is.EqualTo(new ListLimits(-2, 0, ListLimits.NoPackedThreshold)));
        Assert.That(new Persistence.RdbLoadOptions().ListLimits, Is.EqualTo(ListLimits.Default));
    }
}
