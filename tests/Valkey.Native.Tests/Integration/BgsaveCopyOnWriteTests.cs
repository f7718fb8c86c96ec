using NUnit.Framework;
using Valkey.Native.Tests.Infrastructure;
using static Valkey.Native.Tests.Infrastructure.Resp;
using static Valkey.Native.Tests.Integration.PersistenceTestHelpers;

namespace Valkey.Native.Tests.Integration;

/// <summary>
/// What a background save costs the command thread's writes and reads (Storage/Arena.cs snapshot
/// mode, docs/architecture.md "Snapshots"): an overwrite during the save puts the new value on a
/// fresh page instead of copying the old value's page, and a read does not refresh the key's LRU
/// clock (Valkey skips it while a fork child is alive).
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class BgsaveCopyOnWriteTests
{
    private static bool SaveRunning(RawRespClient raw) => InfoParser.Field(PersistenceInfo(raw), "rdb_bgsave_in_progress") != 0;

    [Test]
    public void OverwritingValuesDuringABackgroundSaveCopiesOnlyTheEntryPages()
    {
        const int keys = 20_000, overwrites = 5_000, valueSize = 1000;
        using var server = ServerProcess.Start("--save", "", "--enable-debug-command", "yes");
        using var raw = server.CreateRawClient(TimeSpan.FromSeconds(60));
        Assert.That(raw.Execute("DEBUG", "POPULATE", keys.ToString(), "key", valueSize.ToString()), Is.EqualTo("+OK\r\n"));
        string digestAtBgsave = raw.Execute("DEBUG", "DIGEST");
        // 200 us per key: the save lasts about 4 s, far longer than the overwrites below.
        Assert.That(raw.Execute("CONFIG", "SET", "rdb-key-save-delay", "200"), Is.EqualTo("+OK\r\n"));
        Assert.That(raw.Execute("BGSAVE"), Is.EqualTo("+Background saving started\r\n"));

        var random = new Random(5);
        string newValue = new('n', valueSize);
        for (int batch = 0; batch < overwrites / 500; batch++)
        {
            var pipeline = new MemoryStream();
            for (int i = 0; i < 500; i++) pipeline.Write(RawRespClient.EncodeCommand("SET", $"key:{random.Next(keys)}", newValue));
            raw.Send(pipeline.ToArray());
            foreach (string reply in raw.ReadReplies(500)) Assert.That(reply, Is.EqualTo("+OK\r\n"));
        }
        Assert.That(SaveRunning(raw), Is.True, "the overwrites ran during the save");
        Assert.That(raw.Execute("CONFIG", "SET", "rdb-key-save-delay", "0"), Is.EqualTo("+OK\r\n"));
        WaitForBgsave(raw);

        string info = PersistenceInfo(raw);
        Assert.That(InfoParser.Fields(info)["rdb_last_bgsave_status"], Is.EqualTo("ok"));
        long copied = InfoParser.Field(info, "rdb_last_cow_size");
        // Writing each value in place would copy its page: ~5,000 x 4 KB = 20 MB. Replacing values
        // copies only the pages of the keys' entries (~60 bytes each, 20,000 of them: under 2 MB).
        Assert.That(copied, Is.GreaterThan(0), "the entries' pages were still copied");
        Assert.That(copied, Is.LessThan(4L << 20), $"rdb_last_cow_size {copied}");

        // And the file holds the dataset of the BGSAVE moment.
        string dir = Path.Combine(Path.GetTempPath(), "valkey-native-tests", "bgsave-cow-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        try
        {
            File.Copy(Path.Combine(server.WorkingDirectory, "dump.rdb"), Path.Combine(dir, "dump.rdb"));
            using var second = new ServerProcess(["--save", "", "--enable-debug-command", "yes"], workingDirectory: dir);
            using var raw2 = second.CreateRawClient(TimeSpan.FromSeconds(60));
            Assert.That(raw2.Execute("DEBUG", "DIGEST"), Is.EqualTo(digestAtBgsave));
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }

        // After the save, the values replaced during it were freed for reuse: memory accounting
        // is back to one value per key.
        Assert.That(raw.Execute("DBSIZE"), Is.EqualTo($":{keys}\r\n"));
        Assert.That(raw.Execute("STRLEN", "key:1"), Is.EqualTo($":{valueSize}\r\n"));
    }

    [Test]
    public void ReadsDuringABackgroundSaveDoNotRefreshTheIdleTime()
    {
        using var server = ServerProcess.Start("--save", "", "--enable-debug-command", "yes");
        using var raw = server.CreateRawClient(TimeSpan.FromSeconds(60));
        Assert.That(raw.Execute("DEBUG", "POPULATE", "10000", "filler", "100"), Is.EqualTo("+OK\r\n"));
        raw.Execute("SET", "watched", "v");
        Thread.Sleep(2200);
        Assert.That(Integer(raw.Execute("OBJECT", "IDLETIME", "watched")), Is.GreaterThanOrEqualTo(2));

        // 300 us per key: a save of about 3 s.
        Assert.That(raw.Execute("CONFIG", "SET", "rdb-key-save-delay", "300"), Is.EqualTo("+OK\r\n"));
        Assert.That(raw.Execute("BGSAVE"), Is.EqualTo("+Background saving started\r\n"));
        Assert.That(raw.Execute("GET", "watched"), Is.EqualTo(Bulk("v")));
        Assert.That(SaveRunning(raw), Is.True);
        Assert.That(Integer(raw.Execute("OBJECT", "IDLETIME", "watched")), Is.GreaterThanOrEqualTo(2),
            "a read during the save leaves the LRU clock alone (no page copy for an LRU hint)");

        Assert.That(raw.Execute("CONFIG", "SET", "rdb-key-save-delay", "0"), Is.EqualTo("+OK\r\n"));
        WaitForBgsave(raw);
        Assert.That(raw.Execute("GET", "watched"), Is.EqualTo(Bulk("v")));
        Assert.That(Integer(raw.Execute("OBJECT", "IDLETIME", "watched")), Is.LessThanOrEqualTo(1), "reads touch the key again once the save is over");
    }

    [Test]
    public void TheSnapshotWriterThreadRunsAtALowerPriorityThanTheCommandThread()
    {
        if (!OperatingSystem.IsLinux()) Assert.Ignore("per-thread nice values are Linux's");
        using var server = ServerProcess.Start("--save", "", "--enable-debug-command", "yes");
        using var raw = server.CreateRawClient(TimeSpan.FromSeconds(60));
        Assert.That(raw.Execute("DEBUG", "POPULATE", "5000", "k", "10"), Is.EqualTo("+OK\r\n"));
        Assert.That(raw.Execute("CONFIG", "SET", "rdb-key-save-delay", "1000"), Is.EqualTo("+OK\r\n"));
        Assert.That(raw.Execute("BGSAVE"), Is.EqualTo("+Background saving started\r\n"));
        int pid = server.ProcessId!.Value;
        // /proc/PID/task/TID/stat: "tid (comm) state ..." — field 19 is the nice value.
        var nices = new Dictionary<string, int>();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!nices.ContainsKey("bgsave") && DateTime.UtcNow < deadline)
        {
            foreach (string task in Directory.GetDirectories($"/proc/{pid}/task"))
            {
                string stat;
                try { stat = File.ReadAllText(Path.Combine(task, "stat")); } catch (IOException) { continue; }
                int open = stat.IndexOf('('), close = stat.LastIndexOf(')');
                string comm = stat[(open + 1)..close];
                string[] rest = stat[(close + 2)..].Split(' ');
                nices[comm] = int.Parse(rest[16]);   // fields from 3 on: index 16 = field 19
            }
            Thread.Sleep(20);
        }
        Assert.That(nices, Does.ContainKey("bgsave"), "the writer thread is named bgsave");
        Assert.That(nices["bgsave"], Is.EqualTo(10));
        Assert.That(nices.Where(kv => kv.Key != "bgsave").Select(kv => kv.Value), Has.Some.EqualTo(0), "the other threads keep nice 0");
        Assert.That(raw.Execute("BGSAVE", "CANCEL"), Does.StartWith("+"));
    }

    private static long Integer(string reply)
    {
        Assert.That(reply, Does.StartWith(":"));
        return long.Parse(reply.AsSpan(1, reply.Length - 3));
    }
}
