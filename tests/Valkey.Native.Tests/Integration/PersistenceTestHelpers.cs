using System.Text;
using NUnit.Framework;
using Valkey.Native.Tests.Infrastructure;
using static Valkey.Native.Tests.Infrastructure.Resp;

namespace Valkey.Native.Tests.Integration;

/// <summary>
/// Waits and readers shared by the persistence tests (RDB, BGSAVE, AOF): background saves and
/// rewrites run on a thread of their own and the server's log is read asynchronously, so tests poll
/// INFO or the log until a deadline instead of asserting at once. Valkey's suite has the same
/// helpers (waitForBgsave, waitForBgrewriteaof, wait_for_log_messages).
/// </summary>
public static class PersistenceTestHelpers
{
    public static string PersistenceInfo(ServerProcess server) => BulkText(server.Execute("INFO", "persistence"));

    public static string PersistenceInfo(RawRespClient raw) => BulkText(raw.Execute("INFO", "persistence"));

    /// <summary>One numeric field of INFO persistence.</summary>
    public static long PersistenceField(ServerProcess server, string field) => InfoParser.Field(PersistenceInfo(server), field);

    /// <summary>Polls <paramref name="condition"/> until it holds; fails with <paramref name="what"/> after the deadline.</summary>
    public static void WaitFor(Func<bool> condition, string what, int seconds = 20, int pollMs = 20)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), what);
            Thread.Sleep(pollMs);
        }
    }

    /// <summary>Valkey's waitForBgsave: until no BGSAVE is in progress.</summary>
    public static void WaitForBgsave(ServerProcess server, int seconds = 60) =>
        WaitFor(() => PersistenceField(server, "rdb_bgsave_in_progress") == 0, "the background save did not end", seconds);

    public static void WaitForBgsave(RawRespClient raw, int seconds = 120) =>
        WaitFor(() => InfoParser.Field(PersistenceInfo(raw), "rdb_bgsave_in_progress") == 0, "the background save did not end", seconds);

    /// <summary>Valkey's waitForBgrewriteaof: until no rewrite is in progress nor scheduled.</summary>
    public static void WaitForRewrite(ServerProcess server, int seconds = 20) =>
        WaitFor(() =>
        {
            string info = PersistenceInfo(server);
            return InfoParser.Field(info, "aof_rewrite_in_progress") == 0 && InfoParser.Field(info, "aof_rewrite_scheduled") == 0;
        }, "rewrite did not finish", seconds, pollMs: 50);

    /// <summary>
    /// <see cref="WaitForRewrite(ServerProcess, int)"/> on a client's connection. aof_rewrites counts
    /// rewrites started (Valkey's stat_aof_rewrites), so completion is detected this way, never by it.
    /// </summary>
    public static void WaitForRewrite(RawRespClient raw, int seconds = 30) =>
        WaitFor(() =>
        {
            string info = PersistenceInfo(raw);
            return InfoParser.Field(info, "aof_rewrite_in_progress") == 0 && InfoParser.Field(info, "aof_rewrite_scheduled") == 0;
        }, "rewrite did not finish", seconds, pollMs: 50);

    /// <summary>The log shows <paramref name="text"/> within the deadline.</summary>
    public static void AssertLogSoon(ServerProcess server, string text, int seconds = 10)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!server.Log.Contains(text, StringComparison.Ordinal) && DateTime.UtcNow < deadline) Thread.Sleep(20);
        Assert.That(server.Log, Does.Contain(text));
    }

    /// <summary>The log shows <paramref name="text"/> at least <paramref name="occurrences"/> times within the deadline.</summary>
    public static void WaitForLog(ServerProcess server, string text, int occurrences = 1, int seconds = 10)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (CountOf(server.Log, text) < occurrences)
        {
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), $"log never showed '{text}' x{occurrences}:\n{server.Log}");
            Thread.Sleep(20);
        }
    }

    /// <summary>How many times <paramref name="needle"/> occurs (Valkey's count_log_message).</summary>
    public static int CountOf(string haystack, string needle)
    {
        int n = 0;
        for (int i = haystack.IndexOf(needle, StringComparison.Ordinal); i >= 0; i = haystack.IndexOf(needle, i + 1, StringComparison.Ordinal)) n++;
        return n;
    }

    public static string AofDir(ServerProcess server, string name = "appendonlydir") => Path.Combine(server.WorkingDirectory, name);

    /// <summary>The newest incremental file of the AOF directory.</summary>
    public static string IncrFile(ServerProcess server) =>
        Directory.GetFiles(AofDir(server), "*.incr.aof").OrderBy(f => f, StringComparer.Ordinal).Last();

    /// <summary>The manifest's lines (the AOF directory's default names).</summary>
    public static string[] ManifestLines(ServerProcess server) =>
        File.ReadAllLines(Path.Combine(AofDir(server), "appendonly.aof.manifest"));

    /// <summary>
    /// The commands of an AOF file from byte <paramref name="from"/> as "NAME ARG ..." lines, annotations
    /// dropped; <paramref name="upperCaseName"/> upper-cases the command name (clients send either case).
    /// </summary>
    public static List<string> AofCommands(string file, long from = 0, bool upperCaseName = false)
    {
        var result = new List<string>();
        var data = File.ReadAllBytes(file);
        int pos = (int)from;
        string Line()
        {
            int end = Array.IndexOf(data, (byte)'\n', pos);
            string s = Encoding.UTF8.GetString(data, pos, end - 1 - pos);
            pos = end + 1;
            return s;
        }
        while (pos < data.Length)
        {
            string header = Line();
            if (header.StartsWith('#')) continue;
            Assert.That(header, Does.StartWith("*"));
            int argc = int.Parse(header[1..]);
            var args = new List<string>();
            for (int i = 0; i < argc; i++)
            {
                int len = int.Parse(Line()[1..]);
                args.Add(Encoding.UTF8.GetString(data, pos, len));
                pos += len + 2;
            }
            if (upperCaseName) args[0] = args[0].ToUpperInvariant();
            result.Add(string.Join(' ', args));
        }
        return result;
    }
}
