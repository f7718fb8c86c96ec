using NUnit.Framework;
using StackExchange.Redis;
using Valkey.Native.Tests.Infrastructure;
using static Valkey.Native.Tests.Infrastructure.Resp;

namespace Valkey.Native.Tests.Integration;

/// <summary>
/// PING, ECHO, QUIT, RESET, AUTH and HELLO end to end, byte-exact over a raw socket. Tests that
/// need a password use a server of their own started with --requirepass.
/// </summary>
[TestFixture]
public class ConnectionCommandsTests : SharedServerFixture
{
    private static string K(string name) => $"conn:{TestContext.CurrentContext.Test.Name}:{name}";

    // ---- PING / ECHO -----------------------------------------------------------------------

    [Test]
    public void PingWithoutArgumentIsPongAndWithOneEchoesIt()
    {
        using var raw = Raw();
        Assert.That(raw.Execute("PING"), Is.EqualTo("+PONG\r\n"));
        Assert.That(raw.Execute("ping", "hello world"), Is.EqualTo(Bulk("hello world")));
        Assert.That(raw.Execute("PING", ""), Is.EqualTo("$0\r\n\r\n"));
    }

    [Test]
    public void PingWithTwoArgumentsIsAnArityError()
    {
        using var raw = Raw();
        Assert.That(raw.Execute("PING", "a", "b"), Is.EqualTo("-ERR wrong number of arguments for 'ping' command\r\n"));
    }

    [Test]
    public void InlinePingWorks()
    {
        using var raw = Raw();
        raw.Send("PING\r\n");
        Assert.That(raw.ReadReply(), Is.EqualTo("+PONG\r\n"));
    }

    [Test]
    public void EchoReturnsBinarySafeBulk()
    {
        using var raw = Raw();
        byte[] payload = [0, 13, 10, 255, (byte)'x'];
        raw.SendCommand("ECHO"u8.ToArray(), payload);
        var expected = new List<byte>("$5\r\n"u8.ToArray());
        expected.AddRange(payload);
        expected.AddRange("\r\n"u8.ToArray());
        Assert.That(raw.ReadReplyBytes(), Is.EqualTo(expected.ToArray()));
        Assert.That(raw.Execute("ECHO"), Is.EqualTo("-ERR wrong number of arguments for 'echo' command\r\n"));
        Assert.That(raw.Execute("ECHO", "a", "b"), Is.EqualTo("-ERR wrong number of arguments for 'echo' command\r\n"));
    }

    // ---- QUIT -------------------------------------------------------------------------------

    [Test]
    public void QuitRepliesOkAndClosesTheConnection()
    {
        using var raw = Raw();
        Assert.That(raw.Execute("QUIT"), Is.EqualTo("+OK\r\n"));
        Assert.That(raw.IsClosed(TimeSpan.FromSeconds(5)), Is.True);
    }

    [Test]
    public void CommandsPipelinedAfterQuitAreNotExecuted()
    {
        string key = K("k");
        using (var raw = Raw())
        {
            raw.Send(RawRespClient.EncodeCommand("QUIT").Concat(RawRespClient.EncodeCommand("SET", key, "bar")).ToArray());
            Assert.That(raw.ReadReply(), Is.EqualTo("+OK\r\n"));
            Assert.That(raw.IsClosed(TimeSpan.FromSeconds(5)), Is.True);
            Assert.That(raw.ReadUntilClosed(), Is.Empty, "nothing after +OK");
        }
        using var check = Raw();
        Assert.That(check.Execute("EXISTS", key), Is.EqualTo(":0\r\n"));
    }

    [Test]
    public void QuitWithABigPipelinedCommandBehindItStillOnlyRepliesOk()
    {
        string key = K("k");
        using (var raw = Raw())
        {
            raw.Send(RawRespClient.EncodeCommand("QUIT").Concat(RawRespClient.EncodeCommand("SET", key, new string('x', 100_000))).ToArray());
            Assert.That(raw.ReadReply(), Is.EqualTo("+OK\r\n"));
            Assert.That(raw.IsClosed(TimeSpan.FromSeconds(5)), Is.True);
        }
        using var check = Raw();
        Assert.That(check.Execute("EXISTS", key), Is.EqualTo(":0\r\n"));
    }

    // ---- RESET --------------------------------------------------------------------------------

    [Test]
    public void ResetRestoresDatabaseNameProtocolAndReplyMode()
    {
        using var raw = Raw();
        Assert.That(raw.Execute("SELECT", "5"), Is.EqualTo("+OK\r\n"));
        Assert.That(raw.Execute("CLIENT", "SETNAME", "before-reset"), Is.EqualTo("+OK\r\n"));
        Assert.That(raw.Execute("CLIENT", "SETINFO", "LIB-NAME", "mylib"), Is.EqualTo("+OK\r\n"));
        Assert.That(raw.Execute("HELLO", "3"), Does.StartWith("%7\r\n"));
        Assert.That(raw.Execute("CLIENT", "NO-TOUCH", "ON"), Is.EqualTo("+OK\r\n"));
        raw.SendCommand("CLIENT", "REPLY", "OFF");
        Assert.That(raw.Execute("RESET"), Is.EqualTo("+RESET\r\n"), "RESET replies even with replies off");

        string info = raw.Execute("CLIENT", "INFO");
        Assert.That(info, Does.Contain(" db=0 "));
        Assert.That(info, Does.Contain(" name= "));
        Assert.That(info, Does.Contain(" resp=2 "));
        Assert.That(info, Does.Contain(" flags=N "), "NO-TOUCH is cleared");
        Assert.That(info, Does.Contain(" lib-name=mylib "), "the library name survives RESET");
        Assert.That(info, Does.StartWith("$"), "RESP2 again: a bulk string, not a verbatim string");
        Assert.That(raw.Execute("PING"), Is.EqualTo("+PONG\r\n"), "replies are on again");
    }

    [Test]
    public void ResetTakesArityOne()
    {
        using var raw = Raw();
        Assert.That(raw.Execute("RESET", "x"), Is.EqualTo("-ERR wrong number of arguments for 'reset' command\r\n"));
    }

    // ---- AUTH without a password ----------------------------------------------------------------

    [Test]
    public void AuthWithoutConfiguredPasswordIsAnError()
    {
        using var raw = Raw();
        Assert.That(raw.Execute("AUTH", "secret"), Is.EqualTo(
            "-ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?\r\n"));
    }

    [Test]
    public void AuthDefaultUserWithAnyPasswordSucceedsWhenNoPasswordIsSet()
    {
        using var raw = Raw();
        Assert.That(raw.Execute("AUTH", "default", "whatever"), Is.EqualTo("+OK\r\n"));
        Assert.That(raw.Execute("AUTH", "alice", "whatever"), Is.EqualTo("-WRONGPASS invalid username-password pair or user is disabled.\r\n"));
        Assert.That(raw.Execute("AUTH", "a", "b", "c"), Is.EqualTo("-ERR syntax error\r\n"));
    }

    // ---- HELLO -----------------------------------------------------------------------------------

    [Test]
    public void HelloWithoutVersionRepliesTheServerMapInTheCurrentProtocol()
    {
        using var raw = Raw();
        string id = raw.Execute("CLIENT", "ID")[1..^2];
        string expected = "*14\r\n" + Bulk("server") + Bulk("valkey") + Bulk("version") + Bulk("8.0.1") +
                          Bulk("proto") + ":2\r\n" + Bulk("id") + ":" + id + "\r\n" + Bulk("mode") + Bulk("standalone") +
                          Bulk("role") + Bulk("master") + Bulk("modules") + "*0\r\n";
        Assert.That(raw.Execute("HELLO"), Is.EqualTo(expected));
    }

    [Test]
    public void Hello3RepliesAResp3MapAndSwitchesTheProtocol()
    {
        using var raw = Raw();
        string id = raw.Execute("CLIENT", "ID")[1..^2];
        string expected = "%7\r\n" + Bulk("server") + Bulk("valkey") + Bulk("version") + Bulk("8.0.1") +
                          Bulk("proto") + ":3\r\n" + Bulk("id") + ":" + id + "\r\n" + Bulk("mode") + Bulk("standalone") +
                          Bulk("role") + Bulk("master") + Bulk("modules") + "*0\r\n";
        Assert.That(raw.Execute("HELLO", "3"), Is.EqualTo(expected));
        Assert.That(raw.Execute("GET", K("missing")), Is.EqualTo("_\r\n"), "RESP3 null");
        Assert.That(raw.Execute("HELLO", "2"), Does.StartWith("*14\r\n"));
        Assert.That(raw.Execute("GET", K("missing")), Is.EqualTo("$-1\r\n"), "back to the RESP2 null");
    }

    [TestCase("1")]
    [TestCase("4")]
    [TestCase("-3")]
    public void HelloWithAnUnsupportedVersionIsNoproto(string version)
    {
        using var raw = Raw();
        Assert.That(raw.Execute("HELLO", version), Is.EqualTo("-NOPROTO unsupported protocol version\r\n"));
    }

    [Test]
    public void HelloWithANonNumericVersionIsAnError()
    {
        using var raw = Raw();
        Assert.That(raw.Execute("HELLO", "three"), Is.EqualTo("-ERR Protocol version is not an integer or out of range\r\n"));
    }

    [Test]
    public void HelloSetnameNamesTheConnection()
    {
        using var raw = Raw();
        Assert.That(raw.Execute("HELLO", "2", "SETNAME", "hello-name"), Does.StartWith("*14\r\n"));
        Assert.That(raw.Execute("CLIENT", "GETNAME"), Is.EqualTo(Bulk("hello-name")));
        Assert.That(raw.Execute("HELLO", "2", "SETNAME", "bad name"),
            Is.EqualTo("-ERR Client names cannot contain spaces, newlines or special characters.\r\n"));
        Assert.That(raw.Execute("CLIENT", "GETNAME"), Is.EqualTo(Bulk("hello-name")), "a rejected HELLO changes nothing");
    }

    [Test]
    public void HelloWithAnUnknownOptionIsASyntaxError()
    {
        using var raw = Raw();
        Assert.That(raw.Execute("HELLO", "3", "FOO"), Is.EqualTo("-ERR Syntax error in HELLO option 'FOO'\r\n"));
        Assert.That(raw.Execute("HELLO", "3", "AUTH", "default"), Is.EqualTo("-ERR Syntax error in HELLO option 'AUTH'\r\n"));
        Assert.That(raw.Execute("PING"), Is.EqualTo("+PONG\r\n"), "the protocol did not change");
    }

    [Test]
    public void StackExchangeRedisConnectsWithResp3()
    {
        using var mux = SharedServer.Instance.Connect(o => o.Protocol = RedisProtocol.Resp3);
        var db = mux.GetDatabase();
        Assert.That(db.Ping(), Is.GreaterThan(TimeSpan.Zero));
        Assert.That(mux.GetServers()[0].Protocol, Is.EqualTo(RedisProtocol.Resp3));
    }

    // ---- with requirepass -------------------------------------------------------------------------

    [TestFixture]
    [NonParallelizable]
    public class WithPassword
    {
        private ServerProcess _server = null!;

        [OneTimeSetUp]
        public void Start() => _server = ServerProcess.Start("--requirepass", "s3cret");

        [OneTimeTearDown]
        public void Stop() => _server.Dispose();

        [Test]
        public void CommandsNeedAuthButAuthQuitHelloAndResetDoNot()
        {
            using var raw = _server.CreateRawClient();
            Assert.That(raw.Execute("GET", "x"), Is.EqualTo("-NOAUTH Authentication required.\r\n"));
            Assert.That(raw.Execute("HELLO", "3"), Is.EqualTo(
                "-NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time\r\n"));
            Assert.That(raw.Execute("RESET"), Is.EqualTo("+RESET\r\n"));
            Assert.That(raw.Execute("QUIT"), Is.EqualTo("+OK\r\n"));
        }

        [Test]
        public void WrongPasswordIsWrongpassAndRightPasswordAuthenticates()
        {
            using var raw = _server.CreateRawClient();
            Assert.That(raw.Execute("AUTH", "nope"), Is.EqualTo("-WRONGPASS invalid username-password pair or user is disabled.\r\n"));
            Assert.That(raw.Execute("AUTH", "s3cre"), Is.EqualTo("-WRONGPASS invalid username-password pair or user is disabled.\r\n"));
            Assert.That(raw.Execute("AUTH", "s3cret"), Is.EqualTo("+OK\r\n"));
            Assert.That(raw.Execute("PING"), Is.EqualTo("+PONG\r\n"));
        }

        [Test]
        public void TwoArgumentFormNeedsTheDefaultUser()
        {
            using var raw = _server.CreateRawClient();
            Assert.That(raw.Execute("AUTH", "admin", "s3cret"), Is.EqualTo("-WRONGPASS invalid username-password pair or user is disabled.\r\n"));
            Assert.That(raw.Execute("AUTH", "DEFAULT", "s3cret"), Is.EqualTo("-WRONGPASS invalid username-password pair or user is disabled.\r\n"),
                "user names are case-sensitive");
            Assert.That(raw.Execute("AUTH", "default", "s3cret"), Is.EqualTo("+OK\r\n"));
        }

        [Test]
        public void HelloAuthAuthenticatesAndSwitchesProtocolInOneStep()
        {
            using var raw = _server.CreateRawClient();
            Assert.That(raw.Execute("HELLO", "3", "AUTH", "default", "wrong"),
                Is.EqualTo("-WRONGPASS invalid username-password pair or user is disabled.\r\n"));
            Assert.That(raw.Execute("HELLO", "3", "AUTH", "default", "s3cret", "SETNAME", "authed"), Does.StartWith("%7\r\n"));
            Assert.That(raw.Execute("CLIENT", "GETNAME"), Is.EqualTo(Bulk("authed")));
        }

        [Test]
        public void ResetLogsTheConnectionOut()
        {
            using var raw = _server.CreateRawClient();
            Assert.That(raw.Execute("AUTH", "s3cret"), Is.EqualTo("+OK\r\n"));
            Assert.That(raw.Execute("RESET"), Is.EqualTo("+RESET\r\n"));
            Assert.That(raw.Execute("PING"), Is.EqualTo("-NOAUTH Authentication required.\r\n"));
        }

        [Test]
        public void FailedAuthenticationsAreCountedInInfo()
        {
            using var raw = _server.CreateRawClient();
            Assert.That(raw.Execute("AUTH", "s3cret"), Is.EqualTo("+OK\r\n"));
            long before = InfoField(raw, "acl_access_denied_auth");
            using (var other = _server.CreateRawClient())
            {
                other.Execute("AUTH", "bad");
                other.Execute("AUTH", "default", "bad");
            }
            Assert.That(InfoField(raw, "acl_access_denied_auth"), Is.EqualTo(before + 2));
        }

        [Test]
        public void StackExchangeRedisConnectsWithThePassword()
        {
            using var mux = _server.Connect(o => o.Password = "s3cret");
            var db = mux.GetDatabase();
            db.StringSet("pw:key", "v");
            Assert.That((string?)db.StringGet("pw:key"), Is.EqualTo("v"));
        }

        private static long InfoField(RawRespClient raw, string field)
        {
            string info = raw.Execute("INFO", "stats");
            foreach (var line in info.Split("\r\n"))
            {
                if (line.StartsWith(field + ":", StringComparison.Ordinal)) return long.Parse(line[(field.Length + 1)..]);
            }
            Assert.Fail($"{field} missing from INFO");
            return 0;
        }
    }
}
