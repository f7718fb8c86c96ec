using System.Text;
using NUnit.Framework;
using Valkey.Native.Tests.Infrastructure;

namespace Valkey.Native.Tests.Integration;

/// <summary>
/// Every command in the table with random argument lists (numbers, huge and negative values,
/// keywords, binary junk) against keys of every existing type: the server must answer each
/// request with a well-formed reply and stay up. A crash or hang fails the test.
/// </summary>
[NonParallelizable]
public class CommandFuzzTests
{
    // Commands that would end the session or stall the server by design.
    private static readonly HashSet<string> Excluded = new(StringComparer.OrdinalIgnoreCase)
    {
        "shutdown", "debug", "quit", "reset", "client", "config", "hello", "auth", "select", "swapdb", "function",
        // Commands that may legitimately block the connection (a timeout of 0 waits forever),
        // or turn it into a different kind of connection.
        "blpop", "brpop", "brpoplpush", "blmove", "blmpop", "bzpopmin", "bzpopmax", "bzmpop", "xread", "xreadgroup",
        "wait", "waitaof", "monitor", "subscribe", "psubscribe", "ssubscribe", "sync", "psync", "failover",
    };

    private static readonly string[] Samples =
    [
        "0", "1", "-1", "2", "10", "100", "-100", "9223372036854775807", "-9223372036854775808", "18446744073709551616",
        "1.5", "-0.0", "inf", "-inf", "nan", "1e308", "", " ", "k1", "k2", "h1", "s1", "*", "?", "[a-z]", "\\",
        "ex", "px", "exat", "pxat", "nx", "xx", "gt", "lt", "keepttl", "get", "count", "match", "type", "len", "idx",
        "withmatchlen", "minmatchlen", "ifeq", "persist", "db", "replace", "async", "sync", "string", "hash",
        "\u0000\u0001\u00ff", "\r\n", new string('x', 300),
    ];

    [Test]
    public void RandomArgumentsNeverCrashTheServer()
    {
        using var server = ServerProcess.Start("--enable-debug-command", "yes");
        using var raw = server.CreateRawClient(TimeSpan.FromSeconds(10));
        var names = ListCommands(raw).Where(n => !Excluded.Contains(n)).ToList();
        Assert.That(names, Has.Count.GreaterThan(50), "COMMAND LIST returned the table");
        var rng = new Random(20261123);

        for (int round = 0; round < 30; round++)
        {
            // Keys of each type the server has, recreated every round.
            raw.Execute("SET", "k1", "hello");
            raw.Execute("SET", "k2", "12345");
            raw.Execute("HSET", "h1", "f", "v", "g", "1");
            foreach (var name in names)
            {
                int argc = rng.Next(0, 7);
                var args = new List<byte[]> { Encoding.UTF8.GetBytes(name) };
                for (int i = 0; i < argc; i++) args.Add(Encoding.UTF8.GetBytes(Samples[rng.Next(Samples.Length)]));
                raw.SendCommand(args.ToArray());
                string reply = raw.ReadReply();
                Assert.That(reply, Is.Not.Empty, $"{name} with {argc} args");
            }
            Assert.That(raw.Execute("PING"), Is.EqualTo("+PONG\r\n"), $"server alive after round {round}");
        }
        Assert.That(server.HasExited, Is.False);
        Assert.That(server.Log, Does.Not.Contain("internal error"), "no handler threw");
    }

    private static List<string> ListCommands(RawRespClient raw)
    {
        string reply = raw.Execute("COMMAND", "LIST");
        var names = new List<string>();
        foreach (var line in reply.Split("\r\n"))
        {
            if (line.Length > 0 && line[0] is not ('*' or '$')) names.Add(line);
        }
        return names;
    }
}
