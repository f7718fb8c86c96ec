using System.Text.RegularExpressions;
using NUnit.Framework;
using Valkey.Native.Tests.Infrastructure;
using static Valkey.Native.Tests.Infrastructure.Resp;

namespace Valkey.Native.Tests.Integration;

/// <summary>
/// SLOWLOG and COMMANDLOG (slow / large-request / large-reply): thresholds, lengths, the entry
/// format, argument trimming and redaction. The logs are global, so the server is our own.
/// </summary>
[TestFixture]
[NonParallelizable]
public class SlowLogTests : OwnServerFixture
{
    protected override string[] ServerArguments => ["--enable-debug-command", "yes"];

    [SetUp]
    public void ResetLogs()
    {
        using var raw = Raw();
        raw.Execute("CONFIG", "SET", "slowlog-log-slower-than", "-1", "slowlog-max-len", "128",
            "commandlog-request-larger-than", "-1", "commandlog-reply-larger-than", "-1");
        raw.Execute("SLOWLOG", "RESET");
        raw.Execute("COMMANDLOG", "RESET", "large-request");
        raw.Execute("COMMANDLOG", "RESET", "large-reply");
    }

    [Test]
    public void ConfigNamesAndAliasesShareTheirValues()
    {
        using var raw = Raw();
        Assert.That(raw.Execute("CONFIG", "SET", "slowlog-log-slower-than", "12345"), Is.EqualTo("+OK\r\n"));
        Assert.That(raw.Execute("CONFIG", "GET", "commandlog-execution-slower-than"), Is.EqualTo("*2\r\n" + Bulk("commandlog-execution-slower-than") + Bulk("12345")));
        Assert.That(raw.Execute("CONFIG", "SET", "commandlog-slow-execution-max-len", "7"), Is.EqualTo("+OK\r\n"));
        Assert.That(raw.Execute("CONFIG", "GET", "slowlog-max-len"), Is.EqualTo("*2\r\n" + Bulk("slowlog-max-len") + Bulk("7")));
        Assert.That(raw.Execute("CONFIG", "SET", "slowlog-log-slower-than", "-2"), Does.StartWith("-ERR CONFIG SET failed"));
    }

    [Test]
    public void OnlySlowerCommandsAreLogged()
    {
        using var raw = Raw();
        raw.Execute("CONFIG", "SET", "slowlog-log-slower-than", "100000");
        raw.Execute("PING");
        Assert.That(raw.Execute("SLOWLOG", "LEN"), Is.EqualTo(Int(0)));
        raw.Execute("DEBUG", "SLEEP", "0.2");
        Assert.That(raw.Execute("SLOWLOG", "LEN"), Is.EqualTo(Int(1)));
        raw.Execute("CONFIG", "SET", "slowlog-log-slower-than", "-1");
        raw.Execute("DEBUG", "SLEEP", "0.2");
        Assert.That(raw.Execute("SLOWLOG", "LEN"), Is.EqualTo(Int(1)), "a negative threshold disables the log");
    }

    [Test]
    public void EntryHasIdTimeDurationArgsAddressAndName()
    {
        using var raw = Raw();
        raw.Execute("CLIENT", "SETNAME", "slowlog-client");
        raw.Execute("CONFIG", "SET", "slowlog-log-slower-than", "0");
        raw.Execute("SET", "slowlog:k", "v");
        raw.Execute("CONFIG", "SET", "slowlog-log-slower-than", "-1");
        string reply = raw.Execute("SLOWLOG", "GET", "2");
        // Newest first: SET, then the CONFIG SET that enabled the log (the one disabling it is not logged).
        var m = Regex.Match(reply,
            @"^\*2\r\n\*6\r\n:(\d+)\r\n:(\d+)\r\n:(\d+)\r\n\*3\r\n\$3\r\nSET\r\n\$9\r\nslowlog:k\r\n\$1\r\nv\r\n\$\d+\r\n127\.0\.0\.1:\d+\r\n\$14\r\nslowlog-client\r\n\*6\r\n:(\d+)\r\n:\d+\r\n:\d+\r\n\*4\r\n\$6\r\nCONFIG\r\n\$3\r\nSET\r\n\$23\r\nslowlog-log-slower-than\r\n\$1\r\n0\r\n\$\d+\r\n127\.0\.0\.1:\d+\r\n\$14\r\nslowlog-client\r\n$");
        Assert.That(m.Success, Is.True, reply);
        Assert.That(long.Parse(m.Groups[1].Value), Is.EqualTo(long.Parse(m.Groups[4].Value) + 1), "ids grow by one");
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        Assert.That(long.Parse(m.Groups[2].Value), Is.InRange(now - 5, now + 1));
    }

    [Test]
    public void MaxLenKeepsTheNewestAndZeroDisables()
    {
        using var raw = Raw();
        raw.Execute("CONFIG", "SET", "slowlog-max-len", "10", "slowlog-log-slower-than", "0");
        for (int i = 0; i < 30; i++) raw.Execute("PING");
        Assert.That(raw.Execute("SLOWLOG", "LEN"), Is.EqualTo(Int(10)));
        Assert.That(raw.Execute("SLOWLOG", "GET", "5"), Does.StartWith("*5\r\n"));
        Assert.That(raw.Execute("SLOWLOG", "GET", "-1"), Does.StartWith("*10\r\n"));
        Assert.That(raw.Execute("SLOWLOG", "GET"), Does.StartWith("*10\r\n"));
        Assert.That(raw.Execute("SLOWLOG", "GET", "0"), Is.EqualTo("*0\r\n"));
        raw.Execute("CONFIG", "SET", "slowlog-max-len", "3");
        Assert.That(raw.Execute("SLOWLOG", "LEN"), Is.EqualTo(Int(3)), "shrinking the max length trims at once");
        raw.Execute("CONFIG", "SET", "slowlog-max-len", "0");
        raw.Execute("SLOWLOG", "RESET");
        raw.Execute("PING");
        Assert.That(raw.Execute("SLOWLOG", "LEN"), Is.EqualTo(Int(0)));
    }

    [Test]
    public void CountErrorsAndSyntax()
    {
        using var raw = Raw();
        Assert.That(raw.Execute("SLOWLOG", "GET", "-2"), Is.EqualTo(Err("ERR count should be greater than or equal to -1")));
        Assert.That(raw.Execute("SLOWLOG", "GET", "x"), Is.EqualTo(Err("ERR count should be greater than or equal to -1")));
        Assert.That(raw.Execute("SLOWLOG", "GET", "1", "2"), Is.EqualTo(Err("ERR unknown subcommand or wrong number of arguments for 'GET'. Try SLOWLOG HELP.")));
        Assert.That(raw.Execute("SLOWLOG", "LEN", "x"), Is.EqualTo(Err("ERR wrong number of arguments for 'slowlog|len' command")));
        Assert.That(raw.Execute("SLOWLOG", "HELP"), Does.Contain("+GET [<count>]\r\n"));
    }

    [Test]
    public void LongCommandsAreTrimmed()
    {
        using var raw = Raw();
        raw.Execute("CONFIG", "SET", "slowlog-log-slower-than", "0");
        var args = new List<string> { "SADD", "slowlog:set" };
        for (int i = 3; i <= 33; i++) args.Add(i.ToString());
        raw.Execute(args.ToArray());
        raw.Execute("SADD", "slowlog:set", "foo", new string('A', 129));
        raw.Execute("CONFIG", "SET", "slowlog-log-slower-than", "-1");
        string reply = raw.Execute("SLOWLOG", "GET", "3");
        Assert.That(reply, Does.Contain("*32\r\n$4\r\nSADD\r\n$11\r\nslowlog:set\r\n$1\r\n3\r\n"));
        Assert.That(reply, Does.Contain("$2\r\n31\r\n$22\r\n... (2 more arguments)\r\n"));
        Assert.That(reply, Does.Contain("$" + (128 + 18) + "\r\n" + new string('A', 128) + "... (1 more bytes)\r\n"));
    }

    [Test]
    public void SecretsAreRedacted()
    {
        using var raw = Raw();
        raw.Execute("CONFIG", "SET", "slowlog-log-slower-than", "0");
        raw.Execute("AUTH", "secret-password");
        raw.Execute("AUTH", "someuser", "secret-password");
        raw.Execute("CONFIG", "SET", "requirepass", "");
        raw.Execute("HELLO", "2", "AUTH", "default", "secret-password");
        raw.Execute("CONFIG", "SET", "slowlog-log-slower-than", "-1");
        string reply = raw.Execute("SLOWLOG", "GET", "-1");
        Assert.That(reply, Does.Not.Contain("secret-password"));
        Assert.That(reply, Does.Contain("*2\r\n$4\r\nAUTH\r\n$10\r\n(redacted)\r\n"));
        Assert.That(reply, Does.Contain("*3\r\n$4\r\nAUTH\r\n$10\r\n(redacted)\r\n$10\r\n(redacted)\r\n"));
        Assert.That(reply, Does.Contain("*4\r\n$6\r\nCONFIG\r\n$3\r\nSET\r\n$11\r\nrequirepass\r\n$10\r\n(redacted)\r\n"));
        Assert.That(reply, Does.Contain("*5\r\n$5\r\nHELLO\r\n$1\r\n2\r\n$4\r\nAUTH\r\n$10\r\n(redacted)\r\n$10\r\n(redacted)\r\n"));
    }

    [Test]
    public void ExecIsNotLoggedButItsCommandsAre()
    {
        using var raw = Raw();
        raw.Execute("CONFIG", "SET", "slowlog-log-slower-than", "100000");
        raw.Execute("MULTI");
        raw.Execute("DEBUG", "SLEEP", "0.2");
        raw.Execute("EXEC");
        string reply = raw.Execute("SLOWLOG", "GET");
        Assert.That(reply, Does.StartWith("*1\r\n"));
        Assert.That(reply, Does.Contain("*3\r\n$5\r\nDEBUG\r\n$5\r\nSLEEP\r\n$3\r\n0.2\r\n"));
    }

    [Test]
    public void BlockedCommandIsLoggedWhenItCompletes()
    {
        using var raw = Raw();
        using var blocked = Raw();
        raw.Execute("CONFIG", "SET", "slowlog-log-slower-than", "0");
        raw.Execute("SLOWLOG", "RESET");
        blocked.SendCommand("BLPOP", "slowlog:list", "0.2");
        Thread.Sleep(50);
        Assert.That(raw.Execute("SLOWLOG", "GET", "-1"), Does.Not.Contain("BLPOP"));
        Assert.That(blocked.ReadReply(), Is.EqualTo("*-1\r\n"));
        raw.Execute("CONFIG", "SET", "slowlog-log-slower-than", "-1");
        Assert.That(raw.Execute("SLOWLOG", "GET", "-1"), Does.Contain("$5\r\nBLPOP\r\n$12\r\nslowlog:list\r\n$3\r\n0.2\r\n"));
    }

    [Test]
    public void CommandLogLargeRequestAndReply()
    {
        using var raw = Raw();
        string big = new string('x', 500);
        raw.Execute("CONFIG", "SET", "commandlog-request-larger-than", "400", "commandlog-reply-larger-than", "400");
        raw.Execute("SET", "cmdlog:big", big);
        raw.Execute("GET", "cmdlog:big");
        raw.Execute("CONFIG", "SET", "commandlog-request-larger-than", "-1", "commandlog-reply-larger-than", "-1");
        Assert.That(raw.Execute("COMMANDLOG", "LEN", "large-request"), Is.EqualTo(Int(1)));
        Assert.That(raw.Execute("COMMANDLOG", "LEN", "large-reply"), Is.EqualTo(Int(1)));
        string request = raw.Execute("COMMANDLOG", "GET", "-1", "large-request");
        // *3 $3 SET $10 cmdlog:big $500 ...: 4+9+17+(6+500+2) = 538 bytes.
        Assert.That(request, Does.StartWith("*1\r\n*6\r\n:0\r\n"));
        Assert.That(request, Does.Contain("\r\n:538\r\n*3\r\n$3\r\nSET\r\n"));
        string replyLog = raw.Execute("COMMANDLOG", "GET", "1", "large-reply");
        Assert.That(replyLog, Does.Contain("\r\n:508\r\n*2\r\n$3\r\nGET\r\n$10\r\ncmdlog:big\r\n"));
        Assert.That(raw.Execute("COMMANDLOG", "RESET", "large-reply"), Is.EqualTo("+OK\r\n"));
        Assert.That(raw.Execute("COMMANDLOG", "LEN", "large-reply"), Is.EqualTo(Int(0)));
        Assert.That(raw.Execute("COMMANDLOG", "LEN", "slow"), Is.EqualTo(Int(0)));
        Assert.That(raw.Execute("COMMANDLOG", "LEN", "huge"), Is.EqualTo(Err("ERR type should be one of the following: slow, large-request, large-reply")));
        Assert.That(raw.Execute("COMMANDLOG", "GET", "-5", "slow"), Is.EqualTo(Err("ERR count should be greater than or equal to -1")));
        Assert.That(raw.Execute("COMMANDLOG", "GET", "1"), Is.EqualTo(Err("ERR wrong number of arguments for 'commandlog|get' command")));
    }
}
