using NUnit.Framework;
using Valkey.Native.Tests.Infrastructure;

namespace Valkey.Native.Tests.Integration;

/// <summary>
/// The session from the project's issue, typed into Debian's redis-cli: strings, a counter,
/// a hash and QUIT. redis-cli's output is compared with what it prints against Valkey, both
/// in its raw (piped) format and in its interactive format (--no-raw).
/// </summary>
[TestFixture]
[NonParallelizable]
public class RedisCliSessionTests : OwnServerFixture
{
    private const string Session =
        "SET mykey \"hello valkey\"\n" +
        "GET mykey\n" +
        "INCR counter\n" +
        "INCR counter\n" +
        "HSET user:1 name Alice age 30\n" +
        "HGETALL user:1\n" +
        "QUIT\n";

    [OneTimeSetUp]
    public void RequireRedisCli()
    {
        if (!RedisCli.IsAvailable) Assert.Ignore("redis-cli is not installed");
    }

    [SetUp]
    public void Flush() => Assert.That(Server.Cli("FLUSHALL").StdOut.Trim(), Is.EqualTo("OK"));

    [Test]
    public void SessionInInteractiveFormat()
    {
        var result = RedisCli.RunScript(Server.Port, Session, "--no-raw");
        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        Assert.That(result.StdErr, Is.Empty, result.ToString());
        Assert.That(result.StdOut, Is.EqualTo(
            "OK\n" +
            "\"hello valkey\"\n" +
            "(integer) 1\n" +
            "(integer) 2\n" +
            "(integer) 2\n" +
            "1) \"name\"\n" +
            "2) \"Alice\"\n" +
            "3) \"age\"\n" +
            "4) \"30\"\n"), result.ToString());
    }

    [Test]
    public void SessionInRawFormat()
    {
        var result = RedisCli.RunScript(Server.Port, Session);
        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        Assert.That(result.StdOut, Is.EqualTo("OK\nhello valkey\n1\n2\n2\nname\nAlice\nage\n30\n"), result.ToString());
    }

    [Test]
    public void OneShotCommandsAndQuit()
    {
        Assert.That(Server.Cli("SET", "mykey", "hello valkey").StdOut, Is.EqualTo("OK\n"));
        Assert.That(Server.Cli("GET", "mykey").StdOut, Is.EqualTo("hello valkey\n"));
        Assert.That(Server.Cli("QUIT").ExitCode, Is.EqualTo(0));
        Assert.That(Server.Cli("PING").StdOut, Is.EqualTo("PONG\n"), "the server is still up after a client quit");
    }

    [Test]
    public void InfoAndClientListThroughRedisCli()
    {
        var info = Server.Cli("INFO", "server");
        Assert.That(info.StdOut, Does.Contain("valkey_version:8.0.1"), info.ToString());
        var list = Server.Cli("CLIENT", "LIST");
        Assert.That(list.StdOut, Does.Match(@"^id=\d+ addr=127\.0\.0\.1:\d+ .* cmd=client\|list .*\n$"), list.ToString());
        var hello = Server.Cli("-3", "HELLO", "3");
        Assert.That(hello.StdOut, Does.Contain("valkey").And.Contain("8.0.1"), hello.ToString());
    }
}
