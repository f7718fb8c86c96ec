using System.Net.Sockets;
using System.Text.RegularExpressions;
using NUnit.Framework;
using Valkey.Native.Tests.Infrastructure;
using static Valkey.Native.Tests.Infrastructure.Resp;

namespace Valkey.Native.Tests.Integration;

/// <summary>
/// MONITOR on a server of its own (monitors see every connection's commands): the exact line
/// format (timestamp, database, peer address, sdscatrepr quoting), redaction of AUTH/HELLO
/// secrets, ADMIN commands left out, MULTI/EXEC order, a blocked command shown once, MONITOR
/// inside MULTI, RESET leaving monitor mode, CLIENT LIST's O flag and the unix-socket variant.
/// </summary>
[TestFixture]
public class MonitorTests : OwnServerFixture
{
    private static readonly string SocketPath = Path.Combine(Path.GetTempPath(), $"vn-monitor-{Environment.ProcessId}.sock");

    protected override string[] ServerArguments => ["--unixsocket", SocketPath, "--enable-debug-command", "yes"];

    private RawRespClient Monitor()
    {
        var m = Raw();
        Assert.That(m.Execute("MONITOR"), Is.EqualTo("+OK\r\n"));
        return m;
    }

    private static string Addr(RawRespClient c)
    {
        string info = BulkText(c.Execute("CLIENT", "INFO"));
        return Regex.Match(info, @" addr=(\S+) ").Groups[1].Value;
    }

    /// <summary>A monitor line: "+seconds.micros [db addr] args\r\n" with args already quoted.</summary>
    private static void AssertLine(string line, int db, string addr, string args)
    {
        var m = Regex.Match(line, @"^\+(\d+)\.(\d{6}) \[(.*?)\] (.*)\r\n$", RegexOptions.Singleline);
        Assert.That(m.Success, Is.True, line);
        long seconds = long.Parse(m.Groups[1].Value);
        Assert.That(seconds, Is.EqualTo(DateTimeOffset.UtcNow.ToUnixTimeSeconds()).Within(5), "a unix timestamp");
        Assert.That(m.Groups[3].Value, Is.EqualTo($"{db} {addr}"));
        Assert.That(m.Groups[4].Value, Is.EqualTo(args));
    }

    [Test]
    public void MonitorSeesOtherClientsCommandsInOrderWithExactFormat()
    {
        using var m = Monitor();
        using var c = Raw();
        string addr = Addr(c); // CLIENT INFO is not ADMIN: it shows up too
        c.Execute("SET", "mon:foo", "bar");
        c.Execute("GET", "mon:foo");
        c.Execute("SELECT", "3");
        c.Execute("PING");
        c.Execute("SELECT", "0");
        AssertLine(m.ReadReply(), 0, addr, "\"CLIENT\" \"INFO\"");
        AssertLine(m.ReadReply(), 0, addr, "\"SET\" \"mon:foo\" \"bar\"");
        AssertLine(m.ReadReply(), 0, addr, "\"GET\" \"mon:foo\"");
        AssertLine(m.ReadReply(), 3, addr, "\"SELECT\" \"3\"");
        AssertLine(m.ReadReply(), 3, addr, "\"PING\"");
        AssertLine(m.ReadReply(), 0, addr, "\"SELECT\" \"0\"");
    }

    [Test]
    public void ArgumentsAreQuotedAndEscapedAsSdsCatRepr()
    {
        using var m = Monitor();
        using var c = Raw();
        string addr = Addr(c);
        m.ReadReply();
        byte[] binary = [(byte)'a', 0, (byte)'"', (byte)'\\', (byte)'\n', (byte)'\r', (byte)'\t', 7, 8, 0xff, (byte)' ', (byte)'z'];
        c.SendCommand("ECHO"u8.ToArray(), binary);
        c.ReadReply();
        AssertLine(m.ReadReply(), 0, addr, "\"ECHO\" \"a\\x00\\\"\\\\\\n\\r\\t\\a\\b\\xff z\"");
        c.Execute("ECHO", "");
        AssertLine(m.ReadReply(), 0, addr, "\"ECHO\" \"\"");
    }

    [Test]
    public void SecretsAreRedacted()
    {
        using var m = Monitor();
        using var c = Raw();
        string addr = Addr(c);
        m.ReadReply();
        c.Execute("AUTH", "not-real");
        c.Execute("AUTH", "user", "not-a-password");
        c.Execute("HELLO", "2", "AUTH", "user", "pass", "SETNAME", "visible");
        AssertLine(m.ReadReply(), 0, addr, "\"AUTH\" \"(redacted)\"");
        AssertLine(m.ReadReply(), 0, addr, "\"AUTH\" \"(redacted)\" \"(redacted)\"");
        AssertLine(m.ReadReply(), 0, addr, "\"HELLO\" \"2\" \"AUTH\" \"(redacted)\" \"(redacted)\" \"SETNAME\" \"visible\"");
    }

    [Test]
    public void AdminCommandsAreNotShown()
    {
        using var m = Monitor();
        using var c = Raw();
        string addr = Addr(c);
        m.ReadReply();
        c.Execute("CONFIG", "GET", "maxmemory");
        c.Execute("CLIENT", "LIST");
        c.Execute("DEBUG", "SLEEP", "0");
        c.Execute("CLIENT", "GETNAME");
        AssertLine(m.ReadReply(), 0, addr, "\"CLIENT\" \"GETNAME\"");
    }

    [Test]
    public void TransactionsShowQueuedCommandsAtExecBeforeExec()
    {
        using var m = Monitor();
        using var c = Raw();
        string addr = Addr(c);
        m.ReadReply();
        c.Execute("MULTI");
        c.Execute("SET", "mon:tx", "1");
        Assert.That(c.Execute("EXEC"), Is.EqualTo("*1\r\n+OK\r\n"));
        AssertLine(m.ReadReply(), 0, addr, "\"MULTI\"");
        AssertLine(m.ReadReply(), 0, addr, "\"SET\" \"mon:tx\" \"1\"");
        AssertLine(m.ReadReply(), 0, addr, "\"EXEC\"");

        c.Execute("MULTI");
        c.Execute("NOSUCHCOMMAND");
        Assert.That(c.Execute("EXEC"), Does.StartWith("-EXECABORT"));
        AssertLine(m.ReadReply(), 0, addr, "\"MULTI\"");
        AssertLine(m.ReadReply(), 0, addr, "\"EXEC\"");
    }

    [Test]
    public void MonitorInsideMultiIsRefused()
    {
        using var c = Raw();
        c.Execute("MULTI");
        Assert.That(c.Execute("MONITOR"), Is.EqualTo("+QUEUED\r\n"));
        Assert.That(c.Execute("EXEC"), Is.EqualTo("*1\r\n-ERR MONITOR isn't allowed for DENY BLOCKING client\r\n"));
        Assert.That(BulkText(c.Execute("CLIENT", "INFO")), Does.Contain(" flags=N "));
    }

    [Test]
    public void BlockedCommandIsShownOnce()
    {
        using var m = Monitor();
        using var blocked = Raw();
        using var pusher = Raw();
        string addr = Addr(blocked), pusherAddr = Addr(pusher);
        m.ReadReplies(2);
        blocked.SendCommand("BLPOP", "mon:list", "0");
        AssertLine(m.ReadReply(), 0, addr, "\"BLPOP\" \"mon:list\" \"0\"");
        pusher.Execute("LPUSH", "mon:list", "1");
        Assert.That(blocked.ReadReply(), Is.EqualTo("*2\r\n$8\r\nmon:list\r\n$1\r\n1\r\n"));
        pusher.Execute("LPUSH", "mon:list", "2");
        AssertLine(m.ReadReply(), 0, pusherAddr, "\"LPUSH\" \"mon:list\" \"1\"");
        AssertLine(m.ReadReply(), 0, pusherAddr, "\"LPUSH\" \"mon:list\" \"2\"");
        pusher.Execute("DEL", "mon:list");
    }

    [Test]
    public void ResetLeavesMonitorModeAndClientListShowsO()
    {
        using var m = Monitor();
        Assert.That(m.WaitForData(TimeSpan.FromMilliseconds(50)), Is.False);
        using var c = Raw();
        Assert.That(BulkText(c.Execute("CLIENT", "LIST")), Does.Contain(" flags=O "));
        Assert.That(m.Execute("RESET"), Is.EqualTo("+RESET\r\n"));
        c.Execute("PING");
        Assert.That(m.Execute("ECHO", "after"), Is.EqualTo(Bulk("after")), "no monitor line precedes the reply");
        Assert.That(m.WaitForData(TimeSpan.FromMilliseconds(100)), Is.False);
        Assert.That(BulkText(c.Execute("CLIENT", "LIST")), Does.Not.Contain(" flags=O "));
    }

    [Test]
    public void UnixSocketClientsAreShownWithTheSocketPath()
    {
        using var m = Monitor();
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Connect(new UnixDomainSocketEndPoint(SocketPath));
        using var c = new RawRespClient(new NetworkStream(socket, ownsSocket: false));
        Assert.That(c.Execute("PING"), Is.EqualTo("+PONG\r\n"));
        AssertLine(m.ReadReply(), 0, "unix:" + SocketPath, "\"PING\"");
    }
}
