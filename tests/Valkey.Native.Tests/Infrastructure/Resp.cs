using System.Text;
using NUnit.Framework;

namespace Valkey.Native.Tests.Infrastructure;

/// <summary>
/// RESP2 reply text as the server writes it, for byte-exact assertions
/// (<c>using static Valkey.Native.Tests.Infrastructure.Resp;</c> lets tests write <c>Bulk("x")</c>).
/// </summary>
public static class Resp
{
    public const string Ok = "+OK\r\n";
    public const string WrongType = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";

    /// <summary>A bulk string: <c>$len\r\ntext\r\n</c> (len in UTF-8 bytes).</summary>
    public static string Bulk(string s) => $"${Encoding.UTF8.GetByteCount(s)}\r\n{s}\r\n";

    /// <summary>An error reply; <paramref name="message"/> includes its code ("ERR ...").</summary>
    public static string Err(string message) => "-" + message + "\r\n";

    /// <summary>An integer reply.</summary>
    public static string Int(long n) => $":{n}\r\n";

    /// <summary>The text of a RESP2 bulk reply (asserts that it is one).</summary>
    public static string BulkText(string reply)
    {
        Assert.That(reply, Does.StartWith("$"), reply);
        return reply[(reply.IndexOf("\r\n", StringComparison.Ordinal) + 2)..^2];
    }

    /// <summary>The value of an integer reply (asserts that it is one).</summary>
    public static long Integer(string reply)
    {
        Assert.That(reply, Does.StartWith(":"), reply);
        return long.Parse(reply[1..^2]);
    }
}

/// <summary>Reading INFO output (<c>name:value</c> lines under <c># Section</c> titles).</summary>
public static class InfoParser
{
    /// <summary>The section titles, in order.</summary>
    public static List<string> SectionTitles(string info) =>
        info.Split("\r\n").Where(l => l.StartsWith("# ", StringComparison.Ordinal)).Select(l => l[2..]).ToList();

    /// <summary>Every field of an INFO text (asserts each line is name:value and each name appears once).</summary>
    public static Dictionary<string, string> Fields(string info)
    {
        var map = new Dictionary<string, string>();
        foreach (var line in info.Split("\r\n"))
        {
            if (line.Length == 0 || line.StartsWith('#')) continue;
            int colon = line.IndexOf(':');
            Assert.That(colon, Is.GreaterThan(0), $"line \"{line}\" is name:value");
            Assert.That(map.TryAdd(line[..colon], line[(colon + 1)..]), Is.True, $"{line[..colon]} appears once");
        }
        return map;
    }

    /// <summary>
    /// The integer value of the line <c>field:N</c> in an INFO text or a raw INFO reply
    /// (lines end in \r\n or \n); fails the test if there is none.
    /// </summary>
    public static long Field(string info, string field)
    {
        foreach (string line in info.Split('\n'))
        {
            if (line.StartsWith(field + ":", StringComparison.Ordinal)) return long.Parse(line.TrimEnd('\r')[(field.Length + 1)..]);
        }
        Assert.Fail($"{field} not in INFO: {info}");
        return 0;
    }
}
