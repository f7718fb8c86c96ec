using NUnit.Framework;
using Valkey.Native.Tests.Infrastructure;
using static Valkey.Native.Tests.Infrastructure.Resp;

namespace Valkey.Native.Tests.Integration;

/// <summary>MEMORY USAGE and MEMORY HELP (the rest of MEMORY comes with the introspection issue).</summary>
public class MemoryCommandsTests : SharedServerFixture
{
    [Test]
    public void UsageOfAMissingKeyIsNull()
    {
        Assert.That(Execute("MEMORY", "USAGE", "mem:missing"), Is.EqualTo("$-1\r\n"));
    }

    [Test]
    public void UsageGrowsWithTheValue()
    {
        Execute("SET", "mem:small", "x");
        Execute("SET", "mem:big", new string('x', 10_000));
        long small = Integer(Execute("MEMORY", "USAGE", "mem:small"));
        long big = Integer(Execute("MEMORY", "USAGE", "mem:big"));
        Assert.That(small, Is.GreaterThan(0));
        Assert.That(big, Is.GreaterThanOrEqualTo(10_000 + small));
        Execute("DEL", "mem:small", "mem:big");
    }

    [Test]
    public void UsageCountsEveryFieldOfACollection()
    {
        Execute("HSET", "mem:hash", "f", "v");
        long one = Integer(Execute("MEMORY", "USAGE", "mem:hash"));
        for (int i = 0; i < 1000; i++) Execute("HSET", "mem:hash", $"field:{i}", new string('v', 50));
        long many = Integer(Execute("MEMORY", "USAGE", "mem:hash", "SAMPLES", "0"));
        Assert.That(many, Is.GreaterThan(one + 1000 * 50));
        Execute("DEL", "mem:hash");
    }

    [TestCase("SAMPLES", "-1", "-ERR syntax error\r\n")]
    [TestCase("SAMPLES", "abc", "-ERR value is not an integer or out of range\r\n")]
    [TestCase("BOGUS", "1", "-ERR syntax error\r\n")]
    public void BadOptionsAreRejected(string option, string value, string expected)
    {
        Execute("SET", "mem:opt", "v");
        Assert.That(Execute("MEMORY", "USAGE", "mem:opt", option, value), Is.EqualTo(expected));
        Execute("DEL", "mem:opt");
    }

    [Test]
    public void HelpListsTheSubcommands()
    {
        string help = Execute("MEMORY", "HELP");
        Assert.That(help, Does.StartWith("*14\r\n+MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n"));
        Assert.That(help, Does.Contain("+USAGE <key> [SAMPLES <count>]\r\n"));
        Assert.That(help, Does.EndWith("+HELP\r\n+    Print this help.\r\n"));
    }
}
