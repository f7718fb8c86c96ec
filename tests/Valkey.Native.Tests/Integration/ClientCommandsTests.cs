using System.Text.RegularExpressions;
using NUnit.Framework;
using Valkey.Native.Tests.Infrastructure;
using static Valkey.Native.Tests.Infrastructure.Resp;

namespace Valkey.Native.Tests.Integration;

/// <summary>
/// CLIENT subcommands end to end. CLIENT KILL closes other connections, so the fixture has a
/// server of its own; tests create the connections they kill.
/// </summary>
[TestFixture]
[NonParallelizable]
public class ClientCommandsTests : OwnServerFixture
{
    private static Dictionary<string, string> ParseLine(string line)
    {
        var map = new Dictionary<string, string>();
        foreach (var field in line.Split(' '))
        {
            int eq = field.IndexOf('=');
            map[field[..eq]] = field[(eq + 1)..];
        }
        return map;
    }

    private static Dictionary<string, string> Self(RawRespClient raw) => ParseLine(BulkText(raw.Execute("CLIENT", "INFO")).TrimEnd('\n'));

    private static long Id(RawRespClient raw) => long.Parse(raw.Execute("CLIENT", "ID")[1..^2]);

    // ---- ID / names ------------------------------------------------------------------------

    [Test]
    public void IdIsAnIncreasingIntegerMatchingClientInfo()
    {
        using var a = Raw();
        using var b = Raw();
        long ia = Id(a), ib = Id(b);
        Assert.That(ib, Is.GreaterThan(ia));
        Assert.That(Self(a)["id"], Is.EqualTo(ia.ToString()));
    }

    [Test]
    public void SetnameGetnameAndClearing()
    {
        using var raw = Raw();
        Assert.That(raw.Execute("CLIENT", "GETNAME"), Is.EqualTo("$-1\r\n"));
        Assert.That(raw.Execute("CLIENT", "SETNAME", "worker-1"), Is.EqualTo("+OK\r\n"));
        Assert.That(raw.Execute("CLIENT", "GETNAME"), Is.EqualTo(Bulk("worker-1")));
        Assert.That(Self(raw)["name"], Is.EqualTo("worker-1"));
        Assert.That(raw.Execute("CLIENT", "SETNAME", ""), Is.EqualTo("+OK\r\n"));
        Assert.That(raw.Execute("CLIENT", "GETNAME"), Is.EqualTo("$-1\r\n"), "an empty name removes the name");
    }

    [TestCase("has space")]
    [TestCase("new\nline")]
    [TestCase("tab\there")]
    [TestCase("del\u007f")]
    [TestCase("é")]
    public void InvalidNamesAreRejected(string name)
    {
        using var raw = Raw();
        Assert.That(raw.Execute("CLIENT", "SETNAME", name), Is.EqualTo("-ERR Client names cannot contain spaces, newlines or special characters.\r\n"));
        Assert.That(raw.Execute("CLIENT", "GETNAME"), Is.EqualTo("$-1\r\n"));
    }

    [Test]
    public void SetinfoStoresLibraryNameAndVersion()
    {
        using var raw = Raw();
        Assert.That(raw.Execute("CLIENT", "SETINFO", "LIB-NAME", "redis-py"), Is.EqualTo("+OK\r\n"));
        Assert.That(raw.Execute("CLIENT", "SETINFO", "lib-ver", "5.0.1"), Is.EqualTo("+OK\r\n"));
        var info = Self(raw);
        Assert.That(info["lib-name"], Is.EqualTo("redis-py"));
        Assert.That(info["lib-ver"], Is.EqualTo("5.0.1"));
        Assert.That(raw.Execute("CLIENT", "SETINFO", "lib-ver", ""), Is.EqualTo("+OK\r\n"));
        Assert.That(Self(raw)["lib-ver"], Is.EqualTo(""));
    }

    [Test]
    public void SetinfoErrors()
    {
        using var raw = Raw();
        Assert.That(raw.Execute("CLIENT", "SETINFO", "color", "red"), Is.EqualTo("-ERR Unrecognized option 'color'\r\n"));
        Assert.That(raw.Execute("CLIENT", "SETINFO", "lib-name", "a b"), Is.EqualTo("-ERR lib-name cannot contain spaces, newlines or special characters.\r\n"));
        Assert.That(raw.Execute("CLIENT", "SETINFO", "lib-name"), Is.EqualTo("-ERR wrong number of arguments for 'client|setinfo' command\r\n"));
    }

    // ---- INFO / LIST -------------------------------------------------------------------------

    private static readonly string[] FieldOrder =
    [
        "id", "addr", "laddr", "fd", "name", "age", "idle", "flags", "db", "sub", "psub", "ssub", "multi", "watch",
        "qbuf", "qbuf-free", "argv-mem", "multi-mem", "rbs", "rbp", "obl", "oll", "omem", "tot-mem", "events", "cmd",
        "user", "redir", "resp", "lib-name", "lib-ver", "tot-net-in", "tot-net-out", "tot-cmds",
    ];

    [Test]
    public void ClientInfoHasValkey8FieldsInOrder()
    {
        using var raw = Raw();
        string text = BulkText(raw.Execute("CLIENT", "INFO"));
        Assert.That(text, Does.EndWith("\n"));
        var names = text.TrimEnd('\n').Split(' ').Select(f => f[..f.IndexOf('=')]).ToArray();
        Assert.That(names, Is.EqualTo(FieldOrder));
    }

    [Test]
    public void ClientListLineForTheCallerMatchesValkeysIntrospectionTest()
    {
        using var raw = Raw();
        string text = BulkText(raw.Execute("CLIENT", "LIST"));
        string mine = text.Split('\n').Single(l => l.StartsWith($"id={Id(raw)} ", StringComparison.Ordinal));
        // The pattern of Valkey's own test (unit/introspection.tcl "CLIENT LIST").
        Assert.That(mine, Does.Match(
            @"^id=\d+ addr=[^ ]+:\d+ laddr=[^ ]+:\d+ fd=\d+ name= age=\d+ idle=\d+ flags=N db=0 sub=0 psub=0 ssub=0 multi=-1 watch=0 qbuf=0 qbuf-free=\d+ argv-mem=10 multi-mem=0 rbs=\d+ rbp=\d+ obl=0 oll=0 omem=0 tot-mem=\d+ events=r cmd=client\|list user=default redir=-1 resp=2 lib-name= lib-ver= tot-net-in=\d+ tot-net-out=\d+ tot-cmds=\d+$"));
    }

    [Test]
    public void QbufShowsWhatIsPipelinedBehindTheRunningCommand()
    {
        using var raw = Raw();
        raw.Send(RawRespClient.EncodeCommand("CLIENT", "INFO").Concat(RawRespClient.EncodeCommand("PING")).ToArray());
        var info = ParseLine(BulkText(raw.ReadReply()).TrimEnd('\n'));
        Assert.That(raw.ReadReply(), Is.EqualTo("+PONG\r\n"));
        Assert.That(info["qbuf"], Is.EqualTo("14"), "*1\\r\\n$4\\r\\nPING\\r\\n is still unread");
        Assert.That(info["argv-mem"], Is.EqualTo("10"));
    }

    [Test]
    public void ClientListShowsEveryConnectionAndTheirState()
    {
        using var a = Raw();
        using var b = Raw();
        b.Execute("SELECT", "3");
        b.Execute("CLIENT", "SETNAME", "bee");
        b.Execute("PING");
        var lines = BulkText(a.Execute("CLIENT", "LIST")).TrimEnd('\n').Split('\n').Select(ParseLine).ToList();
        var bLine = lines.Single(l => l["id"] == Id(b).ToString());
        Assert.That(bLine["name"], Is.EqualTo("bee"));
        Assert.That(bLine["db"], Is.EqualTo("3"));
        Assert.That(bLine["cmd"], Is.EqualTo("ping"));
        Assert.That(bLine["qbuf"], Is.EqualTo("0"), "an idle connection has an empty query buffer");
        Assert.That(bLine["argv-mem"], Is.EqualTo("0"));
        Assert.That(bLine["addr"], Is.EqualTo(Self(b)["addr"]));
        Assert.That(lines.Count(l => l["laddr"] == $"127.0.0.1:{Server.Port}"), Is.EqualTo(lines.Count));
    }

    [Test]
    public void ClientListFilters()
    {
        using var a = Raw();
        using var b = Raw();
        long ib = Id(b);
        string byId = BulkText(a.Execute("CLIENT", "LIST", "ID", ib.ToString(), "999999"));
        Assert.That(byId.TrimEnd('\n').Split('\n'), Has.Length.EqualTo(1), "unknown ids are skipped");
        Assert.That(byId, Does.StartWith($"id={ib} "));
        Assert.That(BulkText(a.Execute("CLIENT", "LIST", "TYPE", "normal")), Does.Contain($"id={ib} "));
        Assert.That(a.Execute("CLIENT", "LIST", "TYPE", "pubsub"), Is.EqualTo("$0\r\n\r\n"));
        Assert.That(a.Execute("CLIENT", "LIST", "TYPE", "replica"), Is.EqualTo("$0\r\n\r\n"));
        Assert.That(a.Execute("CLIENT", "LIST", "TYPE", "bogus"), Is.EqualTo("-ERR Unknown client type 'bogus'\r\n"));
        Assert.That(a.Execute("CLIENT", "LIST", "ID", "x"), Is.EqualTo("-ERR Invalid client ID\r\n"));
        Assert.That(a.Execute("CLIENT", "LIST", "TYPE"), Is.EqualTo("-ERR syntax error\r\n"));
        Assert.That(a.Execute("CLIENT", "LIST", "foo", "bar"), Is.EqualTo("-ERR syntax error\r\n"));
    }

    [Test]
    public void Resp3ClientInfoIsVerbatim()
    {
        using var raw = Raw();
        raw.Execute("HELLO", "3");
        string reply = raw.Execute("CLIENT", "INFO");
        Assert.That(reply, Does.Match(@"^=\d+\r\ntxt:id=\d+ .* resp=3 .*\n\r\n$"));
    }

    // ---- KILL ----------------------------------------------------------------------------------

    [Test]
    public void KillByAddressOldForm()
    {
        using var killer = Raw();
        using var victim = Raw();
        string addr = Self(victim)["addr"];
        Assert.That(killer.Execute("CLIENT", "KILL", addr), Is.EqualTo("+OK\r\n"));
        Assert.That(victim.IsClosed(TimeSpan.FromSeconds(5)), Is.True);
        Assert.That(killer.Execute("CLIENT", "KILL", addr), Is.EqualTo("-ERR No such client\r\n"));
        Assert.That(killer.Execute("CLIENT", "KILL", "1.2.3.4:5"), Is.EqualTo("-ERR No such client\r\n"));
    }

    [Test]
    public void OldFormCanKillTheCallerAfterItsReply()
    {
        using var raw = Raw();
        Assert.That(raw.Execute("CLIENT", "KILL", Self(raw)["addr"]), Is.EqualTo("+OK\r\n"));
        Assert.That(raw.IsClosed(TimeSpan.FromSeconds(5)), Is.True);
    }

    [Test]
    public void KillByIdRepliesTheCount()
    {
        using var killer = Raw();
        using var victim = Raw();
        Assert.That(killer.Execute("CLIENT", "KILL", "ID", Id(victim).ToString()), Is.EqualTo(":1\r\n"));
        Assert.That(victim.IsClosed(TimeSpan.FromSeconds(5)), Is.True);
        Assert.That(killer.Execute("CLIENT", "KILL", "ID", "987654"), Is.EqualTo(":0\r\n"));
        Assert.That(killer.Execute("PING"), Is.EqualTo("+PONG\r\n"));
    }

    [Test]
    public void NewFormSkipsTheCallerUnlessSkipmeNo()
    {
        using var raw = Raw();
        string addr = Self(raw)["addr"];
        Assert.That(raw.Execute("CLIENT", "KILL", "ADDR", addr), Is.EqualTo(":0\r\n"));
        Assert.That(raw.Execute("CLIENT", "KILL", "ADDR", addr, "SKIPME", "yes"), Is.EqualTo(":0\r\n"));
        Assert.That(raw.Execute("CLIENT", "KILL", "ADDR", addr, "SKIPME", "no"), Is.EqualTo(":1\r\n"), "the reply comes before the close");
        Assert.That(raw.IsClosed(TimeSpan.FromSeconds(5)), Is.True);
    }

    [Test]
    public void KillFiltersCombine()
    {
        using var killer = Raw();
        using var v1 = Raw();
        using var v2 = Raw();
        string laddr = $"127.0.0.1:{Server.Port}";
        // LADDR and USER match everyone; the ID narrows it to v1.
        Assert.That(killer.Execute("CLIENT", "KILL", "LADDR", laddr, "USER", "default", "ID", Id(v1).ToString()), Is.EqualTo(":1\r\n"));
        Assert.That(v1.IsClosed(TimeSpan.FromSeconds(5)), Is.True);
        Assert.That(v2.Execute("PING"), Is.EqualTo("+PONG\r\n"));
        Assert.That(killer.Execute("CLIENT", "KILL", "MAXAGE", "100000"), Is.EqualTo(":0\r\n"), "nobody is that old");
        Assert.That(killer.Execute("CLIENT", "KILL", "LADDR", "10.0.0.1:1"), Is.EqualTo(":0\r\n"));
        Assert.That(killer.Execute("CLIENT", "KILL", "TYPE", "pubsub"), Is.EqualTo(":0\r\n"));
    }

    [Test]
    public void KillByTypeNormalKillsEveryoneElse()
    {
        using var server = ServerProcess.Start();
        using var killer = server.CreateRawClient();
        using var v1 = server.CreateRawClient();
        using var v2 = server.CreateRawClient();
        v1.Execute("PING");
        v2.Execute("PING");
        Assert.That(killer.Execute("CLIENT", "KILL", "TYPE", "normal"), Is.EqualTo(":2\r\n"));
        Assert.That(v1.IsClosed(TimeSpan.FromSeconds(5)), Is.True);
        Assert.That(v2.IsClosed(TimeSpan.FromSeconds(5)), Is.True);
        Assert.That(killer.Execute("PING"), Is.EqualTo("+PONG\r\n"));
    }

    [TestCase(new[] { "ID", "0" }, "-ERR client-id should be greater than 0\r\n")]
    [TestCase(new[] { "ID", "abc" }, "-ERR client-id should be greater than 0\r\n")]
    [TestCase(new[] { "MAXAGE", "0" }, "-ERR maxage should be greater than 0\r\n")]
    [TestCase(new[] { "MAXAGE", "x" }, "-ERR maxage is not an integer or out of range\r\n")]
    [TestCase(new[] { "TYPE", "bogus" }, "-ERR Unknown client type 'bogus'\r\n")]
    [TestCase(new[] { "USER", "bob" }, "-ERR No such user 'bob'\r\n")]
    [TestCase(new[] { "SKIPME", "maybe" }, "-ERR syntax error\r\n")]
    [TestCase(new[] { "FOO", "bar" }, "-ERR syntax error\r\n")]
    [TestCase(new[] { "ID", "1", "ADDR" }, "-ERR syntax error\r\n")]
    public void KillErrors(string[] args, string expected)
    {
        using var raw = Raw();
        Assert.That(raw.Execute(["CLIENT", "KILL", .. args]), Is.EqualTo(expected));
        Assert.That(raw.Execute("CLIENT", "KILL"), Is.EqualTo("-ERR wrong number of arguments for 'client|kill' command\r\n"));
    }

    // ---- REPLY ---------------------------------------------------------------------------------

    [Test]
    public void ReplyOffSilencesUntilReplyOn()
    {
        using var raw = Raw();
        raw.SendCommand("CLIENT", "REPLY", "OFF");
        raw.SendCommand("SET", "reply:off", "1");
        raw.SendCommand("GET", "reply:off");
        raw.SendCommand("ECHO", "lost");
        Assert.That(raw.Execute("CLIENT", "REPLY", "ON"), Is.EqualTo("+OK\r\n"), "nothing arrives before ON's +OK");
        Assert.That(raw.Execute("GET", "reply:off"), Is.EqualTo(Bulk("1")), "the silenced commands ran");
    }

    [Test]
    public void ReplySkipDropsOnlyTheNextReply()
    {
        using var raw = Raw();
        raw.SendCommand("CLIENT", "REPLY", "SKIP");
        raw.SendCommand("ECHO", "skipped");
        Assert.That(raw.Execute("ECHO", "seen"), Is.EqualTo(Bulk("seen")));
        Assert.That(raw.Execute("PING"), Is.EqualTo("+PONG\r\n"));
    }

    [Test]
    public void ReplyWithABadModeIsASyntaxError()
    {
        using var raw = Raw();
        Assert.That(raw.Execute("CLIENT", "REPLY", "MAYBE"), Is.EqualTo("-ERR syntax error\r\n"));
    }

    // ---- NO-EVICT / NO-TOUCH ----------------------------------------------------------------------

    [Test]
    public void NoEvictAndNoTouchShowAsFlags()
    {
        using var raw = Raw();
        Assert.That(raw.Execute("CLIENT", "NO-EVICT", "on"), Is.EqualTo("+OK\r\n"));
        Assert.That(Self(raw)["flags"], Is.EqualTo("e"));
        Assert.That(raw.Execute("CLIENT", "NO-TOUCH", "ON"), Is.EqualTo("+OK\r\n"));
        Assert.That(Self(raw)["flags"], Is.EqualTo("eT"));
        Assert.That(raw.Execute("CLIENT", "NO-EVICT", "off"), Is.EqualTo("+OK\r\n"));
        Assert.That(raw.Execute("CLIENT", "NO-TOUCH", "off"), Is.EqualTo("+OK\r\n"));
        Assert.That(Self(raw)["flags"], Is.EqualTo("N"));
        Assert.That(raw.Execute("CLIENT", "NO-EVICT", "maybe"), Is.EqualTo("-ERR syntax error\r\n"));
        Assert.That(raw.Execute("CLIENT", "NO-TOUCH", "maybe"), Is.EqualTo("-ERR syntax error\r\n"));
    }

    [Test]
    public void CapaAcceptsAnyCapability()
    {
        using var raw = Raw();
        Assert.That(raw.Execute("CLIENT", "CAPA", "redirect"), Is.EqualTo("+OK\r\n"));
        Assert.That(raw.Execute("CLIENT", "CAPA", "unknown-one", "REDIRECT"), Is.EqualTo("+OK\r\n"));
        Assert.That(raw.Execute("CLIENT", "CAPA"), Is.EqualTo("-ERR wrong number of arguments for 'client|capa' command\r\n"));
    }

    // ---- HELP and errors ---------------------------------------------------------------------------

    [Test]
    public void HelpHasValkeysHeaderAndFooter()
    {
        using var raw = Raw();
        string reply = raw.Execute("CLIENT", "HELP");
        var lines = reply.Split("\r\n");
        Assert.That(lines[0], Does.Match(@"^\*\d+$"));
        Assert.That(lines[1], Is.EqualTo("+CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"));
        Assert.That(lines[^3], Is.EqualTo("+HELP"));
        Assert.That(lines[^2], Is.EqualTo("+    Print this help."));
        Assert.That(int.Parse(lines[0][1..]), Is.EqualTo(lines.Length - 2), "the count matches the lines");
        Assert.That(reply, Does.Contain("+REPLY (ON|OFF|SKIP)\r\n"));
    }

    [Test]
    public void UnknownSubcommandAndArity()
    {
        using var raw = Raw();
        Assert.That(raw.Execute("CLIENT", "FOO"), Is.EqualTo("-ERR unknown subcommand 'FOO'. Try CLIENT HELP.\r\n"));
        Assert.That(raw.Execute("CLIENT"), Is.EqualTo("-ERR wrong number of arguments for 'client' command\r\n"));
        Assert.That(raw.Execute("CLIENT", "ID", "x"), Is.EqualTo("-ERR wrong number of arguments for 'client|id' command\r\n"));
    }

    [Test]
    public void StackExchangeRedisSeesTheClientList()
    {
        using var mux = Server.Connect(o => o.ClientName = "se-redis");
        var clients = mux.GetServers()[0].ClientList();
        Assert.That(clients.Any(c => c.Name == "se-redis"), Is.True);
        Assert.That(clients.All(c => c.Id > 0), Is.True);
    }
}
