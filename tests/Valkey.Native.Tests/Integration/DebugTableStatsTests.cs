using System.Diagnostics;
using System.Text.RegularExpressions;
using NUnit.Framework;
using StackExchange.Redis;
using Valkey.Native.Tests.Infrastructure;
using static Valkey.Native.Tests.Infrastructure.Resp;

namespace Valkey.Native.Tests.Integration;

/// <summary>
/// DEBUG HTSTATS / HTSTATS-KEY / DICT-RESIZING / CLIENT-EVICTION / REPLYBUFFER: Valkey's text
/// layouts byte for byte, and the behaviour the knobs control (table resizing held and resumed,
/// reply buffer sizes shrinking and growing back). These change global state, so the fixture
/// has a server of its own; each test uses its own database or keys.
/// </summary>
[TestFixture]
[NonParallelizable]
public class DebugTableStatsTests : OwnServerFixture
{
    protected override string[] ServerArguments => ["--enable-debug-command", "yes"];

    private const string Main = "Hash table 0 stats (main hash table):\n";

    private static string SizeAndCount(long size, long count) => $" table size: {size}\n number of elements: {count}\n";

    private static bool WaitFor(Func<bool> condition, double seconds = 5)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < TimeSpan.FromSeconds(seconds))
        {
            if (condition()) return true;
            Thread.Sleep(20);
        }
        return false;
    }

    private RawRespClient InDb(int db)
    {
        var raw = Raw();
        Assert.That(raw.Execute("SELECT", db.ToString()), Is.EqualTo("+OK\r\n"));
        Assert.That(raw.Execute("FLUSHDB"), Is.EqualTo("+OK\r\n"));
        return raw;
    }

    // ---- HTSTATS -----------------------------------------------------------------------------------

    [Test]
    public void HtStatsOfAnUnusedDatabaseListsNoTable()
    {
        // Valkey allocates a database's dict with its first key: before that both sections are empty.
        Assert.That(Execute("DEBUG", "HTSTATS", "13"), Is.EqualTo("$29\r\n[Dictionary HT]\n[Expires HT]\n\r\n"));
    }

    [Test]
    public void HtStatsReportsTableSizeAndElements()
    {
        using var raw = InDb(12);
        raw.Execute("SET", "a", "1");
        raw.Execute("SET", "b", "2");
        raw.Execute("SET", "c", "3");
        raw.Execute("PEXPIRE", "c", "100000");
        string text = "[Dictionary HT]\n" + Main + SizeAndCount(4, 3) + "[Expires HT]\n" + Main + SizeAndCount(16, 1);
        Assert.That(raw.Execute("DEBUG", "HTSTATS", "12"), Is.EqualTo(Bulk(text)));
        raw.Execute("HELLO", "3");
        Assert.That(raw.Execute("DEBUG", "HTSTATS", "12"), Is.EqualTo($"={text.Length + 4}\r\ntxt:{text}\r\n"), "a verbatim string in RESP3");
    }

    [Test]
    public void HtStatsOfAnEmptiedTableHasNoStats()
    {
        using var raw = InDb(14);
        raw.Execute("SET", "k", "v");
        raw.Execute("PEXPIRE", "k", "100000");
        raw.Execute("DEL", "k");
        string text = "[Dictionary HT]\n" + Main + "No stats available for empty dictionaries\n"
            + "[Expires HT]\n" + Main + "No stats available for empty dictionaries\n";
        Assert.That(raw.Execute("DEBUG", "HTSTATS", "14"), Is.EqualTo(Bulk(text)));
    }

    [Test]
    public void HtStatsFullAddsChainStatistics()
    {
        using var raw = InDb(11);
        for (int i = 0; i < 100; i++) raw.Execute("SET", "key:" + i, "v");
        raw.Execute("PEXPIRE", "key:7", "100000");
        string text = BulkText(raw.Execute("DEBUG", "HTSTATS", "11", "FULL"));
        // The key table: chain figures depend on the hash seed, but must agree with each other.
        var main = text[..text.IndexOf("[Expires HT]", StringComparison.Ordinal)];
        AssertConsistentFullStats(main, 100);
        // The TTL index is a dense array: every key has its own slot.
        string expires = "[Expires HT]\n" + Main + SizeAndCount(16, 1)
            + " different slots: 1\n max chain length: 1\n avg chain length (counted): 1.00\n avg chain length (computed): 1.00\n"
            + " Chain length distribution:\n   0: 15 (93.75%)\n   1: 1 (6.25%)\n";
        Assert.That(text[text.IndexOf("[Expires HT]", StringComparison.Ordinal)..], Is.EqualTo(expires));
    }

    /// <summary>Checks a FULL block: slots + empty buckets = size, Σ length·buckets = elements, averages and percentages.</summary>
    private static void AssertConsistentFullStats(string block, long elements)
    {
        var size = long.Parse(Regex.Match(block, @" table size: (\d+)\n").Groups[1].Value);
        Assert.That(block, Does.Contain($" number of elements: {elements}\n"));
        long slots = long.Parse(Regex.Match(block, @" different slots: (\d+)\n").Groups[1].Value);
        long maxChain = long.Parse(Regex.Match(block, @" max chain length: (\d+)\n").Groups[1].Value);
        // printf rounding (half to even), checked against glibc in Unit/DebugStatsFormatTests.
        string average = Valkey.Native.Commands.DebugHashTables.FormatFloat2((float)elements / slots);
        Assert.That(block, Does.Contain($" avg chain length (counted): {average}\n"));
        Assert.That(block, Does.Contain($" avg chain length (computed): {average}\n"));
        var lines = Regex.Matches(block, @"\n   (\d+): (\d+) \((\d+\.\d\d)%\)");
        Assert.That(lines, Is.Not.Empty);
        long buckets = 0, counted = 0, longest = 0;
        foreach (Match m in lines)
        {
            long length = long.Parse(m.Groups[1].Value), n = long.Parse(m.Groups[2].Value);
            buckets += n;
            counted += length * n;
            longest = Math.Max(longest, length);
            Assert.That(double.Parse(m.Groups[3].Value, System.Globalization.CultureInfo.InvariantCulture), Is.EqualTo(100.0 * n / size).Within(0.006));
        }
        Assert.That(buckets, Is.EqualTo(size), "every bucket is listed once");
        Assert.That(counted, Is.EqualTo(elements), "the chains hold every element");
        Assert.That(longest, Is.EqualTo(maxChain));
        Assert.That(size - slots, Is.EqualTo(long.Parse(Regex.Match(block, @"\n   0: (\d+) ").Groups[1].Value)));
    }

    [Test]
    public void HtStatsErrors()
    {
        using var raw = Raw();
        Assert.That(raw.Execute("DEBUG", "HTSTATS", "x"), Is.EqualTo("-ERR value is not an integer or out of range\r\n"));
        Assert.That(raw.Execute("DEBUG", "HTSTATS", "16"), Is.EqualTo("-ERR Out of range database\r\n"));
        Assert.That(raw.Execute("DEBUG", "HTSTATS", "-1"), Is.EqualTo("-ERR Out of range database\r\n"));
        Assert.That(raw.Execute("DEBUG", "HTSTATS"), Is.EqualTo("-ERR unknown subcommand or wrong number of arguments for 'HTSTATS'. Try DEBUG HELP.\r\n"));
        Assert.That(raw.Execute("DEBUG", "HTSTATS-KEY", "htstats:missing"), Is.EqualTo("-ERR no such key\r\n"));
        raw.Execute("SET", "htstats:string", "v");
        raw.Execute("SADD", "htstats:small-set", "a", "b");
        raw.Execute("SADD", "htstats:intset", "1", "2");
        const string notTable = "-ERR The value stored at the specified key is not represented using an hash table\r\n";
        Assert.That(raw.Execute("DEBUG", "HTSTATS-KEY", "htstats:string"), Is.EqualTo(notTable));
        Assert.That(raw.Execute("DEBUG", "HTSTATS-KEY", "htstats:small-set"), Is.EqualTo(notTable), "listpack");
        Assert.That(raw.Execute("DEBUG", "HTSTATS-KEY", "htstats:intset"), Is.EqualTo(notTable), "intset");
    }

    // Past the listpack limits (128 set/zset entries, 512 hash fields by default).
    [TestCase("SADD", "htstats:set", 200, 256)]
    [TestCase("HSET", "htstats:hash", 600, 1024)]
    [TestCase("ZADD", "htstats:zset", 200, 256)]
    public void HtStatsKeyDescribesTheValuesTable(string command, string key, int count, int tableSize)
    {
        using var raw = Raw();
        raw.Execute("DEL", key);
        for (int i = 0; i < count; i++)
        {
            string reply = command == "SADD" ? raw.Execute("SADD", key, "m" + i)
                : command == "HSET" ? raw.Execute("HSET", key, "f" + i, "v")
                : raw.Execute("ZADD", key, i.ToString(), "m" + i);
            Assert.That(reply, Is.EqualTo(":1\r\n"));
        }
        // Each access moves a bucket of a rehash in progress (as the suite's SRANDMEMBER loop relies on).
        Assert.That(WaitFor(() =>
        {
            for (int i = 0; i < 20; i++) raw.Execute(command == "HSET" ? "HEXISTS" : command == "SADD" ? "SISMEMBER" : "ZSCORE", key, command == "HSET" ? "f1" : "m1");
            return !raw.Execute("DEBUG", "HTSTATS-KEY", key).Contains("rehashing target");
        }), Is.True, "rehashing completes");
        Assert.That(raw.Execute("DEBUG", "HTSTATS-KEY", key), Is.EqualTo(Bulk(Main + SizeAndCount(tableSize, count))));
        AssertConsistentFullStats(BulkText(raw.Execute("DEBUG", "HTSTATS-KEY", key, "full")), count);
    }

    [Test]
    public void HtStatsKeyShowsBothTablesWhileRehashing()
    {
        using var raw = Raw();
        raw.Execute("DEL", "htstats:growing");
        // 129 members: the 129th converts the listpack; then 128 more fill and outgrow the table.
        for (int i = 0; i < 257; i++) raw.Execute("SADD", "htstats:growing", "m" + i);
        string text = BulkText(raw.Execute("DEBUG", "HTSTATS-KEY", "htstats:growing"));
        if (!text.Contains("rehashing target")) Assert.Ignore("the rehash finished before it could be observed");
        var m = Regex.Match(text, @"^Hash table 0 stats \(main hash table\):\n table size: (\d+)\n number of elements: (\d+)\nHash table 1 stats \(rehashing target\):\n table size: (\d+)\n number of elements: (\d+)\n$");
        Assert.That(m.Success, Is.True, text);
        Assert.That(long.Parse(m.Groups[2].Value) + long.Parse(m.Groups[4].Value), Is.EqualTo(257));
        Assert.That(long.Parse(m.Groups[3].Value), Is.EqualTo(2 * long.Parse(m.Groups[1].Value)));
    }

    // ---- DICT-RESIZING -----------------------------------------------------------------------------

    private static string MainTableOf(RawRespClient raw, int db)
    {
        string text = BulkText(raw.Execute("DEBUG", "HTSTATS", db.ToString()));
        return text[..text.IndexOf("[Expires HT]", StringComparison.Ordinal)];
    }

    [Test]
    public void DictResizingZeroHoldsTheKeyTableSize()
    {
        using var raw = InDb(10);
        try
        {
            for (int i = 0; i < 200; i++) raw.Execute("SET", "k" + i, "v");
            Assert.That(WaitFor(() => MainTableOf(raw, 10) == "[Dictionary HT]\n" + Main + SizeAndCount(256, 200)), Is.True, MainTableOf(raw, 10));

            Assert.That(raw.Execute("DEBUG", "DICT-RESIZING", "0"), Is.EqualTo("+OK\r\n"));
            for (int i = 0; i < 195; i++) raw.Execute("DEL", "k" + i);
            Thread.Sleep(300); // several cron runs
            Assert.That(MainTableOf(raw, 10), Is.EqualTo("[Dictionary HT]\n" + Main + SizeAndCount(256, 5)), "no shrink");

            Assert.That(raw.Execute("DEBUG", "DICT-RESIZING", "1"), Is.EqualTo("+OK\r\n"));
            Assert.That(WaitFor(() => MainTableOf(raw, 10) == "[Dictionary HT]\n" + Main + SizeAndCount(8, 5)), Is.True,
                "the cron shrinks the table once allowed: " + MainTableOf(raw, 10));

            // Growth is held too, and caught up by the cron (Valkey's tryResizeHashTables).
            raw.Execute("DEBUG", "DICT-RESIZING", "0");
            for (int i = 0; i < 30; i++) raw.Execute("SET", "n" + i, "v");
            Thread.Sleep(300);
            Assert.That(MainTableOf(raw, 10), Is.EqualTo("[Dictionary HT]\n" + Main + SizeAndCount(8, 35)), "no growth");
            raw.Execute("DEBUG", "DICT-RESIZING", "1");
            Assert.That(WaitFor(() => MainTableOf(raw, 10) == "[Dictionary HT]\n" + Main + SizeAndCount(64, 35)), Is.True, MainTableOf(raw, 10));
        }
        finally
        {
            raw.Execute("DEBUG", "DICT-RESIZING", "1");
        }
    }

    // ---- CLIENT-EVICTION ---------------------------------------------------------------------------

    [Test]
    public void ClientEvictionListsTheMemoryBuckets()
    {
        using var raw = Raw();
        Assert.That(raw.Execute("CONFIG", "GET", "maxmemory-clients"), Is.EqualTo("*2\r\n$17\r\nmaxmemory-clients\r\n$1\r\n0\r\n"));
        Assert.That(raw.Execute("DEBUG", "CLIENT-EVICTION"), Is.EqualTo("-ERR maxmemory-clients is disabled.\r\n"));
        using var big = Raw();
        try
        {
            Assert.That(raw.Execute("CONFIG", "SET", "maxmemory-clients", "1gb"), Is.EqualTo("+OK\r\n"));
            big.Execute("CLIENT", "SETNAME", "eviction-big");
            // A 200 KB argument still arriving: the client holds a query buffer of that size.
            big.Send("*2\r\n$4\r\nECHO\r\n$200000\r\n" + new string('x', 100_000));
            Assert.That(WaitFor(() => ClientField(raw, "eviction-big", "qbuf") >= 100_000), Is.True);
            long bigMem = ClientField(raw, "eviction-big", "tot-mem");

            string text = BulkText(raw.Execute("DEBUG", "CLIENT-EVICTION"));
            var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.That(lines, Has.Length.EqualTo(19));
            Assert.That(lines[0], Does.StartWith("bucket          0 -      32767: tot-mem: "));
            Assert.That(lines[1], Does.StartWith("bucket      32768 -      65535: tot-mem: "));
            Assert.That(lines[17], Does.StartWith("bucket 2147483648 - 4294967295: tot-mem: "));
            Assert.That(lines[18], Does.StartWith("bucket 4294967296+            : tot-mem: "));
            var counts = lines.Select(l => Regex.Match(l, @"tot-mem: +(\d+), clients: (\d+)$")).ToArray();
            Assert.That(counts.All(m => m.Success), Is.True, text);
            Assert.That(counts[18].Value, Is.EqualTo("tot-mem:          0, clients: 0"), "%10zu padding");
            Assert.That(counts.Sum(m => long.Parse(m.Groups[2].Value)), Is.EqualTo(2), "both connections are evictable");
            int bucket = Math.Max(15, 64 - System.Numerics.BitOperations.LeadingZeroCount((ulong)bigMem)) - 15;
            Assert.That(bucket, Is.GreaterThan(0));
            Assert.That(long.Parse(counts[bucket].Groups[1].Value), Is.GreaterThanOrEqualTo(bigMem));
            Assert.That(long.Parse(counts[bucket].Groups[2].Value), Is.EqualTo(1));

            Assert.That(raw.Execute("CLIENT", "NO-EVICT", "on"), Is.EqualTo("+OK\r\n"));
            text = BulkText(raw.Execute("DEBUG", "CLIENT-EVICTION"));
            Assert.That(Regex.Matches(text, @"clients: (\d+)").Sum(m => long.Parse(m.Groups[1].Value)), Is.EqualTo(1), "NO-EVICT clients are not listed");
        }
        finally
        {
            raw.Execute("CONFIG", "SET", "maxmemory-clients", "0");
        }
    }

    private static long ClientField(RawRespClient raw, string name, string field)
    {
        string line = BulkText(raw.Execute("CLIENT", "LIST")).Split('\n').Single(l => l.Contains($" name={name} "));
        return long.Parse(Regex.Match(line, $" {Regex.Escape(field)}=(\\d+)").Groups[1].Value);
    }

    [Test]
    public void HelpListsTheSubcommands()
    {
        string help = Execute("DEBUG", "HELP");
        Assert.That(help, Does.Contain("+HTSTATS <dbid> [full]\r\n+    Return hash table statistics of the specified database.\r\n"));
        Assert.That(help, Does.Contain("+HTSTATS-KEY <key> [full]\r\n"));
        Assert.That(help, Does.Contain("+CLIENT-EVICTION\r\n+    Show low level client eviction pools info (maxmemory-clients).\r\n"));
        Assert.That(help, Does.Contain("+REPLYBUFFER PEAK-RESET-TIME <NEVER||RESET|time>\r\n"));
        Assert.That(help, Does.Contain("+REPLYBUFFER RESIZING <0|1>\r\n+    Enable or disable the reply buffer resize cron job\r\n"));
        Assert.That(help, Does.Contain("+DICT-RESIZING <0|1>\r\n+    Enable or disable the main dict and expire dict resizing.\r\n"));
    }

    [Test]
    public void ClientListShowsTheStaticBufferPartOfPendingReplies()
    {
        using var raw = Raw();
        using var reader = Raw();
        try
        {
            raw.Execute("DEBUG", "REPLYBUFFER", "PEAK-RESET-TIME", "100");
            reader.Execute("CLIENT", "SETNAME", "obl-client");
            Assert.That(WaitFor(() => ClientField(raw, "obl-client", "rbs") == 1024), Is.True);
            // A reply the client does not read: the first rbs bytes count as obl, the rest as reply blocks.
            raw.Execute("SETRANGE", "obl:big", "20000000", "x");
            reader.SendCommand("GET", "obl:big");
            Assert.That(WaitFor(() => ClientField(raw, "obl-client", "omem") > 0), Is.True);
            // The cron regrows a filled buffer (up to 16 KB), so compare fields of one CLIENT LIST line.
            string line = BulkText(raw.Execute("CLIENT", "LIST")).Split('\n').Single(l => l.Contains(" name=obl-client "));
            long rbs = long.Parse(Regex.Match(line, @" rbs=(\d+)").Groups[1].Value);
            Assert.That(line, Does.Contain($" rbp={rbs} obl={rbs} "), line);
            Assert.That(rbs, Is.InRange(1024, 16384));
        }
        finally
        {
            raw.Execute("DEBUG", "REPLYBUFFER", "PEAK-RESET-TIME", "reset");
        }
    }

    // ---- REPLYBUFFER -------------------------------------------------------------------------------

    [Test]
    public void ReplyBufferErrors()
    {
        using var raw = Raw();
        Assert.That(raw.Execute("DEBUG", "REPLYBUFFER", "NOPE", "1"), Is.EqualTo("-ERR unknown subcommand or wrong number of arguments for 'REPLYBUFFER'. Try DEBUG HELP.\r\n"));
        Assert.That(raw.Execute("DEBUG", "REPLYBUFFER", "RESIZING"), Is.EqualTo("-ERR unknown subcommand or wrong number of arguments for 'REPLYBUFFER'. Try DEBUG HELP.\r\n"));
        Assert.That(raw.Execute("DEBUG", "REPLYBUFFER", "PEAK-RESET-TIME", "soon"), Is.EqualTo("-ERR value is not an integer or out of range\r\n"));
    }

    [Test]
    public void ClientInfoReportsTheReplyBufferPeak()
    {
        using var c = Raw();
        Assert.That(c.Execute("CLIENT", "SETNAME", "rbp-client"), Is.EqualTo("+OK\r\n"));
        c.Execute("SET", "rbp:value", new string('v', 100));
        Assert.That(c.Execute("GET", "rbp:value"), Has.Length.EqualTo(108));
        // The largest reply so far (CLIENT INFO's own reply is not out yet); the buffer is 16 KB at first.
        Assert.That(c.Execute("CLIENT", "INFO"), Does.Contain(" rbs=16384 rbp=108 "));
    }

    [Test]
    public void ReplyBufferShrinksForIdleClientsAndGrowsBackForBigReplies()
    {
        using var raw = Raw();
        using var tc = Raw();
        try
        {
            long shrinks = InfoField(raw, "reply_buffer_shrinks"), expands = InfoField(raw, "reply_buffer_expands");
            Assert.That(raw.Execute("DEBUG", "REPLYBUFFER", "PEAK-RESET-TIME", "100"), Is.EqualTo("+OK\r\n"));
            tc.Execute("CLIENT", "SETNAME", "rbs-client");
            Assert.That(WaitFor(() => ClientField(raw, "rbs-client", "rbs") is >= 1024 and < 2046), Is.True,
                "an idle client's buffer shrinks to the minimum: rbs=" + ClientField(raw, "rbs-client", "rbs"));
            Assert.That(InfoField(raw, "reply_buffer_shrinks"), Is.GreaterThan(shrinks));

            raw.Execute("SET", "rbs:big", new string('x', 32768));
            Assert.That(raw.Execute("DEBUG", "REPLYBUFFER", "PEAK-RESET-TIME", "never"), Is.EqualTo("+OK\r\n"));
            Assert.That(WaitFor(() =>
            {
                tc.Execute("GET", "rbs:big");
                return ClientField(raw, "rbs-client", "rbs") is >= 16384 and < 32768;
            }), Is.True, "a client filling its buffer gets it doubled up to 16 KB");
            Assert.That(InfoField(raw, "reply_buffer_expands"), Is.GreaterThanOrEqualTo(expands + 4), "1k -> 2k -> 4k -> 8k -> 16k");
            Assert.That(ClientField(raw, "rbs-client", "rbp"), Is.EqualTo(16384), "the peak is the full buffer");
        }
        finally
        {
            raw.Execute("DEBUG", "REPLYBUFFER", "PEAK-RESET-TIME", "reset");
        }
    }

    [Test]
    public void ReplyBufferResizingZeroKeepsTheSize()
    {
        using var raw = Raw();
        using var tc = Raw();
        try
        {
            Assert.That(raw.Execute("DEBUG", "REPLYBUFFER", "RESIZING", "0"), Is.EqualTo("+OK\r\n"));
            raw.Execute("DEBUG", "REPLYBUFFER", "PEAK-RESET-TIME", "100");
            tc.Execute("CLIENT", "SETNAME", "rbs-frozen");
            Thread.Sleep(500);
            Assert.That(ClientField(raw, "rbs-frozen", "rbs"), Is.EqualTo(16384));
            Assert.That(ClientField(raw, "rbs-frozen", "rbp"), Is.EqualTo(0), "the peak still resets");
            Assert.That(raw.Execute("DEBUG", "REPLYBUFFER", "RESIZING", "1"), Is.EqualTo("+OK\r\n"));
            Assert.That(WaitFor(() => ClientField(raw, "rbs-frozen", "rbs") < 16384), Is.True, "resizing resumes");
        }
        finally
        {
            raw.Execute("DEBUG", "REPLYBUFFER", "RESIZING", "1");
            raw.Execute("DEBUG", "REPLYBUFFER", "PEAK-RESET-TIME", "reset");
        }
    }

    private static long InfoField(RawRespClient raw, string field) => InfoParser.Field(BulkText(raw.Execute("INFO", "stats")), field);

    // ---- real clients ------------------------------------------------------------------------------

    [Test]
    public void StackExchangeRedisReadsTheTextReplies()
    {
        var db = Redis.GetDatabase(9);
        db.KeyDelete("se:htstats");
        db.StringSet("se:htstats", "v");
        var server = Redis.GetServer(Redis.GetEndPoints()[0]);
        string stats = server.Execute("DEBUG", "HTSTATS", "9").ToString();
        Assert.That(stats, Does.StartWith("[Dictionary HT]\n" + Main + " table size: "));
        Assert.That(stats, Does.Contain("[Expires HT]\n"));
        Assert.That(server.Execute("DEBUG", "DICT-RESIZING", "1").ToString(), Is.EqualTo("OK"));
        var ex = Assert.Throws<RedisServerException>(() => server.Execute("DEBUG", "HTSTATS-KEY", "se:htstats"));
        Assert.That(ex!.Message, Is.EqualTo("ERR The value stored at the specified key is not represented using an hash table"));
    }

    [Test]
    public void RedisCliPrintsTheStatsText()
    {
        string output = RedisCli.Run(Server.Port, "-n", "8", "DEBUG", "HTSTATS", "8").StdOut;
        Assert.That(output, Is.EqualTo("[Dictionary HT]\n[Expires HT]\n"));
    }
}
