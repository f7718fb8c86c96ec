using System.Diagnostics;
using NUnit.Framework;
using Valkey.Native.Tests.Infrastructure;
using static Valkey.Native.Tests.Infrastructure.Resp;
using static Valkey.Native.Tests.Integration.PersistenceTestHelpers;

namespace Valkey.Native.Tests.Integration;

/// <summary>
/// SAVE and restart, DEBUG RELOAD, BGSAVE/LASTSAVE/INFO persistence, save points, SHUTDOWN SAVE/NOSAVE,
/// and bad files: a corrupt RDB stops the start-up with a clear error, a failed save leaves the
/// last good file alone.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class PersistenceTests
{
    [Test]
    public void SaveAndRestartLoadsIdenticalDataForEveryTypeWithExpiriesAndFieldTtls()
    {
        using var server = ServerProcess.Start("--save", "", "--list-compress-depth", "1");
        SortedDictionary<string, string> before;
        using (var mux = server.Connect())
        {
            RdbTestData.Populate(mux.GetDatabase(0), mux.GetDatabase(5));
            using var raw = server.CreateRawClient();
            raw.Execute("HSET", "hf:key", "a", "1", "b", "2", "c", "3");
            Assert.That(raw.Execute("HEXPIRE", "hf:key", "500", "FIELDS", "1", "a"), Is.EqualTo("*1\r\n:1\r\n"));
            before = RdbTestData.Snapshot(mux);
            raw.Execute("SET", "gone:soon", "x", "PX", "1000");
            Assert.That(raw.Execute("SAVE"), Is.EqualTo("+OK\r\n"));
        }
        Assert.That(File.Exists(Path.Combine(server.WorkingDirectory, "dump.rdb")));
        Assert.That(Directory.GetFiles(server.WorkingDirectory, "temp-*.rdb"), Is.Empty);
        Thread.Sleep(1100); // gone:soon expires while the server is down
        server.Restart();
        Assert.That(server.Log, Does.Contain("DB loaded from disk"));
        using var mux2 = server.Connect();
        var after = RdbTestData.Snapshot(mux2);
        Assert.That(after, Is.EqualTo(before));
        using var raw2 = server.CreateRawClient();
        Assert.That(raw2.Execute("HTTL", "hf:key", "FIELDS", "2", "a", "b"), Does.Match(@"^\*2\r\n:(49\d|500)\r\n:-1\r\n$"));
        Assert.That(Integer(raw2.Execute("TTL", "str:ttl")), Is.InRange(17000, 18000));
        Assert.That(InfoParser.Field(PersistenceInfo(server), "rdb_last_load_keys_loaded"), Is.EqualTo(before.Count));
        Assert.That(InfoParser.Field(PersistenceInfo(server), "rdb_last_load_keys_expired"), Is.EqualTo(1));
        Assert.That(InfoParser.Fields(BulkText(raw2.Execute("INFO", "keyspace")))["db0"], Does.Contain("keys_with_volatile_items=1"));
    }

    [Test]
    public void DebugReloadKeepsTheDatasetAndItsOptionsWork()
    {
        using var server = ServerProcess.Start("--save", "", "--enable-debug-command", "yes");
        using var mux = server.Connect();
        RdbTestData.Populate(mux.GetDatabase(0), mux.GetDatabase(5));
        var before = RdbTestData.Snapshot(mux);
        using var raw = server.CreateRawClient();
        Assert.That(raw.Execute("DEBUG", "RELOAD"), Is.EqualTo("+OK\r\n"));
        Assert.That(RdbTestData.Snapshot(mux), Is.EqualTo(before));
        Assert.That(raw.Execute("DEBUG", "DIGEST"), Is.EqualTo(raw.Execute("DEBUG", "DIGEST")));

        // NOSAVE loads the file as it is: a key added since the last save is gone.
        raw.Execute("SET", "added:later", "1");
        Assert.That(raw.Execute("DEBUG", "RELOAD", "NOSAVE"), Is.EqualTo("+OK\r\n"));
        Assert.That(raw.Execute("EXISTS", "added:later"), Is.EqualTo(":0\r\n"));

        // NOFLUSH without MERGE: the keys are already there, which is an error; MERGE replaces them.
        raw.Execute("SET", "str:embstr", "changed");
        Assert.That(raw.Execute("DEBUG", "RELOAD", "NOSAVE", "NOFLUSH"), Is.EqualTo("-ERR Error trying to load the RDB dump, check server logs.\r\n"));
        Assert.That(raw.Execute("DEBUG", "RELOAD", "NOSAVE", "NOFLUSH", "MERGE"), Is.EqualTo("+OK\r\n"));
        Assert.That(raw.Execute("GET", "str:embstr"), Is.EqualTo(Bulk("hello")));
    }

    [Test]
    public void SaveBgsaveLastsaveAndInfo()
    {
        using var server = ServerProcess.Start("--save", "");
        using var raw = server.CreateRawClient();
        long start = Integer(raw.Execute("LASTSAVE"));
        raw.Execute("SET", "k1", "v");
        raw.Execute("SET", "k2", "v");
        string info = PersistenceInfo(server);
        Assert.That(InfoParser.Field(info, "rdb_changes_since_last_save"), Is.EqualTo(2));
        Assert.That(InfoParser.Field(info, "rdb_saves"), Is.EqualTo(0));
        Thread.Sleep(1100);
        Assert.That(raw.Execute("BGSAVE"), Is.EqualTo("+Background saving started\r\n"));
        WaitForBgsave(server);
        info = PersistenceInfo(server);
        Assert.That(InfoParser.Field(info, "rdb_changes_since_last_save"), Is.EqualTo(0));
        Assert.That(InfoParser.Field(info, "rdb_saves"), Is.EqualTo(1));
        Assert.That(InfoParser.Field(info, "rdb_bgsave_in_progress"), Is.EqualTo(0));
        Assert.That(InfoParser.Fields(info)["rdb_last_bgsave_status"], Is.EqualTo("ok"));
        Assert.That(Integer(raw.Execute("LASTSAVE")), Is.GreaterThan(start));
        Assert.That(InfoParser.Field(info, "rdb_last_save_time"), Is.EqualTo(Integer(raw.Execute("LASTSAVE"))));
        Assert.That(raw.Execute("SAVE"), Is.EqualTo("+OK\r\n"));
        Assert.That(raw.Execute("BGSAVE", "SCHEDULE"), Is.EqualTo("+Background saving started\r\n"));
        WaitForBgsave(server);
        Assert.That(raw.Execute("BGSAVE", "CANCEL"), Is.EqualTo("-ERR Background saving is currently not in progress or scheduled\r\n"));
        Assert.That(raw.Execute("BGSAVE", "NOW"), Is.EqualTo("-ERR syntax error\r\n"));
        Assert.That(server.Log, Does.Contain("Background saving started"));
    }

    [Test]
    public void SavePointsSaveFromTheCron()
    {
        using var server = ServerProcess.Start("--save", "1 2");
        using var raw = server.CreateRawClient();
        raw.Execute("SET", "sp1", "v");
        raw.Execute("SET", "sp2", "v");
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (InfoParser.Field(PersistenceInfo(server), "rdb_saves") == 0 && DateTime.UtcNow < deadline) Thread.Sleep(100);
        Assert.That(InfoParser.Field(PersistenceInfo(server), "rdb_saves"), Is.EqualTo(1));
        Assert.That(server.Log, Does.Contain("2 changes in 1 seconds. Saving..."));
    }

    [Test]
    public void ShutdownSaveAndNosave()
    {
        using var server = ServerProcess.Start("--save", "");
        string file = Path.Combine(server.WorkingDirectory, "dump.rdb");
        using (var raw = server.CreateRawClient())
        {
            raw.Execute("SET", "sd", "1");
            raw.SendCommand("SHUTDOWN", "SAVE");
        }
        Assert.That(server.WaitForExit(TimeSpan.FromSeconds(10)), Is.Not.Null);
        Assert.That(File.Exists(file));
        File.Delete(file);

        server.Restart();
        Assert.That(server.Execute("CONFIG", "SET", "save", "3600 1"), Is.EqualTo("+OK\r\n"));
        server.Execute("SET", "sd", "2");
        using (var raw = server.CreateRawClient()) raw.SendCommand("SHUTDOWN", "NOSAVE");
        Assert.That(server.WaitForExit(TimeSpan.FromSeconds(10)), Is.Not.Null);
        Assert.That(File.Exists(file), Is.False, "NOSAVE skips the save points' final save");

        // With save points and no option, SHUTDOWN saves.
        server.Restart();
        server.Execute("CONFIG", "SET", "save", "3600 1");
        server.Execute("SET", "sd", "3");
        using (var raw = server.CreateRawClient()) raw.SendCommand("SHUTDOWN");
        Assert.That(server.WaitForExit(TimeSpan.FromSeconds(10)), Is.Not.Null);
        Assert.That(File.Exists(file));
    }

    [Test]
    public void AFailedSaveNeverTouchesTheLastGoodFileAndStopsWrites()
    {
        using var server = ServerProcess.Start("--save", "3600 1");
        using var raw = server.CreateRawClient();
        raw.Execute("SET", "good", "1");
        Assert.That(raw.Execute("SAVE"), Is.EqualTo("+OK\r\n"));
        string file = Path.Combine(server.WorkingDirectory, "dump.rdb");
        byte[] good = File.ReadAllBytes(file);
        raw.Execute("SET", "good", "2");
        // The temporary file cannot be created: a directory is in its way.
        string blocker = Path.Combine(server.WorkingDirectory, $"temp-{server.ProcessId}.rdb");
        Directory.CreateDirectory(blocker);
        Assert.That(raw.Execute("SAVE"), Is.EqualTo("-ERR\r\n"));
        Assert.That(InfoParser.Fields(PersistenceInfo(server))["rdb_last_bgsave_status"], Is.EqualTo("ok"), "SAVE does not set the bgsave status");
        Assert.That(File.ReadAllBytes(file), Is.EqualTo(good));
        Directory.Delete(blocker);

        // A background save that cannot install its file (a non-empty directory where dbfilename goes).
        File.Delete(file);
        Directory.CreateDirectory(file);
        File.WriteAllText(Path.Combine(file, "x"), "x");
        Assert.That(raw.Execute("BGSAVE"), Is.EqualTo("+Background saving started\r\n"));
        WaitForBgsave(server);
        Assert.That(InfoParser.Fields(PersistenceInfo(server))["rdb_last_bgsave_status"], Is.EqualTo("err"));
        // stop-writes-on-bgsave-error (default yes) with save points: writes and PING are refused, reads are not.
        Assert.That(raw.Execute("SET", "good", "3"), Does.StartWith("-MISCONF Valkey is configured to save RDB snapshots"));
        Assert.That(raw.Execute("PING"), Does.StartWith("-MISCONF"));
        Assert.That(raw.Execute("GET", "good"), Is.EqualTo(Bulk("2")));
        Directory.Delete(file, recursive: true);
        Assert.That(raw.Execute("SAVE"), Is.EqualTo("+OK\r\n"));
        Assert.That(InfoParser.Fields(PersistenceInfo(server))["rdb_last_bgsave_status"], Is.EqualTo("ok"));
        Assert.That(raw.Execute("SET", "good", "3"), Is.EqualTo("+OK\r\n"));
    }

    [TestCase("checksum", "Wrong RDB checksum")]
    [TestCase("truncated", "Unexpected EOF")]
    [TestCase("type", "Unknown RDB encoding type")]
    [TestCase("version", "Can't handle RDB format version")]
    public void ACorruptFileStopsTheStartWithAClearError(string damage, string message)
    {
        string dir;
        using (var server = ServerProcess.Start("--save", ""))
        {
            server.Execute("SET", "k", "some value here");
            server.Execute("RPUSH", "l", "a", "b");
            Assert.That(server.Execute("SAVE"), Is.EqualTo("+OK\r\n"));
            dir = Path.Combine(Path.GetTempPath(), "valkey-native-tests", "rdb-corrupt-" + Guid.NewGuid().ToString("N")[..8]);
            Directory.CreateDirectory(dir);
            File.Copy(Path.Combine(server.WorkingDirectory, "dump.rdb"), Path.Combine(dir, "dump.rdb"));
        }
        try
        {
            string path = Path.Combine(dir, "dump.rdb");
            byte[] file = File.ReadAllBytes(path);
            switch (damage)
            {
                case "checksum": file[^1] ^= 0xFF; break;
                case "truncated": file = file[..(file.Length / 2)]; break;
                case "type":
                    int at = Array.IndexOf(file, (byte)0xFB); // RESIZEDB, then 2 lengths, then the first key's type
                    file[at + 3] = 99;
                    break;
                case "version": file[8] = (byte)'9'; file[7] = (byte)'3'; break;
            }
            File.WriteAllBytes(path, file);
            var psi = new ProcessStartInfo(ServerProcess.FindBinary())
            {
                RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = dir,
            };
            foreach (var a in new[] { "--port", ServerProcess.GetFreePort().ToString(), "--bind", "127.0.0.1", "--save", "" }) psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            var stderr = p.StandardError.ReadToEndAsync();
            string output = p.StandardOutput.ReadToEnd();
            Assert.That(p.WaitForExit(20000), Is.True, "the loader must not hang");
            Assert.That(p.ExitCode, Is.EqualTo(1));
            Assert.That(output + stderr.Result, Does.Contain(message).And.Contain("Fatal error loading the DB"));
            Assert.That(File.ReadAllBytes(path), Is.EqualTo(file), "the bad file is left as it is");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public void CheckRdbReportsAGoodAndABadFile()
    {
        using var server = ServerProcess.Start("--save", "");
        server.Execute("SET", "a", "1");
        server.Execute("SADD", "s", "1", "2");
        Assert.That(server.Execute("SAVE"), Is.EqualTo("+OK\r\n"));
        string path = Path.Combine(server.WorkingDirectory, "dump.rdb");
        var (code, output) = RunCheck(path);
        Assert.That(code, Is.EqualTo(0), output);
        Assert.That(output, Does.Contain("Checksum OK").And.Contain("RDB looks OK").And.Contain("[info] 2 keys read"));
        byte[] bad = File.ReadAllBytes(path);
        bad[^3] ^= 1;
        File.WriteAllBytes(path, bad);
        (code, output) = RunCheck(path);
        Assert.That(code, Is.EqualTo(1));
        Assert.That(output, Does.Contain("--- RDB ERROR DETECTED ---").And.Contain("Wrong RDB checksum"));
    }

    private static (int, string) RunCheck(string path)
    {
        var psi = new ProcessStartInfo(ServerProcess.FindBinary()) { RedirectStandardOutput = true, UseShellExecute = false };
        psi.ArgumentList.Add("check-rdb");
        psi.ArgumentList.Add(path);
        using var p = Process.Start(psi)!;
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit(20000);
        return (p.ExitCode, output);
    }
}
