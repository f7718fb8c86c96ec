using NUnit.Framework;
using Valkey.Native.Tests.Infrastructure;
using static Valkey.Native.Tests.Infrastructure.Resp;

namespace Valkey.Native.Tests.Integration;

/// <summary>
/// Per-client memory (Valkey's getClientMemoryUsage): CLIENT LIST tot-mem counts watched keys,
/// subscriptions and the MULTI queue, and maxmemory-clients evicts a client by them.
/// The fixture has a server of its own: eviction closes connections and changes configs.
/// </summary>
[TestFixture]
[NonParallelizable]
public class ClientMemoryTests : OwnServerFixture
{
    private static long Id(RawRespClient raw) => long.Parse(raw.Execute("CLIENT", "ID")[1..^2]);

    /// <summary>One numeric field of client <paramref name="id"/>'s CLIENT LIST line, read from another connection.</summary>
    private static long Field(RawRespClient observer, long id, string name)
    {
        string line = BulkText(observer.Execute("CLIENT", "LIST", "ID", id.ToString())).TrimEnd('\n');
        foreach (var field in line.Split(' '))
        {
            if (field.StartsWith(name + "=", StringComparison.Ordinal)) return long.Parse(field[(name.Length + 1)..]);
        }
        throw new AssertionException($"no field {name} in: {line}");
    }

    private static string[] Names(string prefix, int from, int count) =>
        Enumerable.Range(from, count).Select(i => prefix + i).ToArray();

    [Test]
    public void WatchedKeysAreCountedInTotMem()
    {
        using var observer = Raw();
        using var watcher = Raw();
        long id = Id(watcher);
        long before = Field(observer, id, "tot-mem");
        for (int batch = 0; batch < 20; batch++)
            Assert.That(watcher.Execute(["WATCH", .. Names("cm:watch:", batch * 100, 100)]), Is.EqualTo("+OK\r\n"));
        Assert.That(Field(observer, id, "watch"), Is.EqualTo(2000));
        long after = Field(observer, id, "tot-mem");
        // At least the key bytes plus a pointer-sized overhead per watch (Valkey 8: ~56 bytes each).
        Assert.That(after - before, Is.GreaterThanOrEqualTo(2000L * (56 + 10)), $"before={before} after={after}");

        Assert.That(watcher.Execute("UNWATCH"), Is.EqualTo("+OK\r\n"));
        Assert.That(Field(observer, id, "tot-mem"), Is.LessThan(before + 2000), "UNWATCH gives the memory back");
    }

    [Test]
    public void SubscriptionsAreCountedInTotMem()
    {
        using var observer = Raw();
        using var subscriber = Raw();
        long id = Id(subscriber);
        long before = Field(observer, id, "tot-mem");
        subscriber.SendCommand(["SUBSCRIBE", .. Names("cm:ch:", 0, 500)]);
        subscriber.ReadReplies(500);
        subscriber.SendCommand(["PSUBSCRIBE", .. Names("cm:pat:*", 0, 500)]);
        subscriber.ReadReplies(500);
        subscriber.SendCommand(["SSUBSCRIBE", "cm:shard:1"]);
        subscriber.ReadReplies(1);
        Assert.That(Field(observer, id, "sub"), Is.EqualTo(500));
        Assert.That(Field(observer, id, "psub"), Is.EqualTo(500));
        Assert.That(Field(observer, id, "ssub"), Is.EqualTo(1));
        long after = Field(observer, id, "tot-mem");
        Assert.That(after - before, Is.GreaterThanOrEqualTo(1001L * 40), $"before={before} after={after}");
    }

    [Test]
    public void QueuedTransactionIsCountedInTotMem()
    {
        using var observer = Raw();
        using var client = Raw();
        long id = Id(client);
        string value = new('v', 200_000);
        Assert.That(client.Execute("MULTI"), Is.EqualTo("+OK\r\n"));
        Assert.That(client.Execute("SET", "cm:multi", value), Is.EqualTo("+QUEUED\r\n"));
        long multiMem = Field(observer, id, "multi-mem");
        long totMem = Field(observer, id, "tot-mem");
        Assert.That(multiMem, Is.GreaterThanOrEqualTo(200_000));
        Assert.That(totMem, Is.GreaterThanOrEqualTo(multiMem + Field(observer, id, "qbuf")), "tot-mem includes multi-mem");
        Assert.That(client.Execute("DISCARD"), Is.EqualTo("+OK\r\n"));
        Assert.That(Field(observer, id, "tot-mem"), Is.LessThan(totMem - 150_000), "DISCARD frees the queue");
    }

    [Test]
    public void MaxmemoryClientsEvictsAClientHoldingManyWatchedKeys()
    {
        using var admin = Raw();
        using var normal = Raw();
        using var watcher = Raw();
        long evictedBefore = InfoField(admin, "evicted_clients");
        Assert.That(admin.Execute("CONFIG", "SET", "maxmemory-clients", "200000"), Is.EqualTo("+OK\r\n"));
        try
        {
            bool evicted = false;
            for (int batch = 0; batch < 100 && !evicted; batch++)
            {
                try
                {
                    watcher.SendCommand(["WATCH", .. Names("cm:evict:", batch * 100, 100)]);
                    evicted = watcher.ReadReply() != "+OK\r\n";
                }
                catch (IOException)
                {
                    evicted = true;
                }
            }
            // 10,000 watches are far beyond 200 KB; Valkey evicts after ~3,000.
            Assert.That(evicted || watcher.IsClosed(TimeSpan.FromSeconds(2)), Is.True, "the watcher was not evicted");
            Assert.That(normal.Execute("PING"), Is.EqualTo("+PONG\r\n"), "a small client survives");
            Assert.That(InfoField(admin, "evicted_clients"), Is.GreaterThan(evictedBefore));
            Assert.That(InfoField(admin, "total_watched_keys"), Is.EqualTo(0), "the evicted client's watches are gone");
        }
        finally
        {
            admin.Execute("CONFIG", "SET", "maxmemory-clients", "0");
        }
    }

    private static long InfoField(RawRespClient raw, string name)
    {
        foreach (var line in BulkText(raw.Execute("INFO", "everything")).Split("\r\n"))
        {
            if (line.StartsWith(name + ":", StringComparison.Ordinal)) return long.Parse(line[(name.Length + 1)..]);
        }
        throw new AssertionException($"INFO has no {name}");
    }

    [Test]
    public void BgrewriteaofInsideMultiIsScheduledThenRuns()
    {
        using var raw = Raw();
        long rewrites = InfoField(raw, "aof_rewrites");
        Assert.That(raw.Execute("MULTI"), Is.EqualTo("+OK\r\n"));
        Assert.That(raw.Execute("BGREWRITEAOF"), Is.EqualTo("+QUEUED\r\n"));
        Assert.That(raw.Execute("EXEC"), Is.EqualTo("*1\r\n+Background append only file rewriting scheduled\r\n"));
        // Scheduled, not started: aof_rewrites counts it only once cron starts it.
        Assert.That(InfoField(raw, "aof_rewrites"), Is.EqualTo(rewrites));
        PersistenceTestHelpers.WaitForRewrite(raw, 10);
        Assert.That(InfoField(raw, "aof_rewrites"), Is.EqualTo(rewrites + 1), "the scheduled rewrite ran from cron");
        Assert.That(raw.Execute("BGREWRITEAOF"), Does.StartWith("+Background append only file rewriting started"), "outside MULTI it starts at once");
    }
}
