using NUnit.Framework;
using StackExchange.Redis;
using Valkey.Native.Commands;
using Valkey.Native.Tests.Infrastructure;
using static Valkey.Native.Tests.Infrastructure.Resp;

namespace Valkey.Native.Tests.Integration;

/// <summary>
/// COMMAND, COUNT, INFO, DOCS, LIST, GETKEYS and GETKEYSANDFLAGS against the shared server
/// (read-only introspection). COMMAND INFO replies are checked byte for byte against the
/// shape Valkey 8 produces.
/// </summary>
[TestFixture]
public class CommandCommandsTests : SharedServerFixture
{
    /// <summary>Runs a command through StackExchange.Redis.</summary>
    private static RedisResult Redis(string command, params object[] args) => Db.Execute(command, args);

    private static string[] Strings(RedisResult r) => ((RedisResult[])r!).Select(x => x.ToString()!).ToArray();

    // ---- COUNT / COMMAND ----------------------------------------------------------------------

    [Test]
    public void CountIsTheNumberOfTopLevelTableRows()
    {
        int rows = CommandTable.AllFamilies().Count();
        using var raw = Raw();
        Assert.That(raw.Execute("COMMAND", "COUNT"), Is.EqualTo($":{rows}\r\n"));
        Assert.That(rows, Is.GreaterThan(20));
    }

    [Test]
    public void CommandListsEveryCommandOnce()
    {
        var all = (RedisResult[])Redis("COMMAND")!;
        var names = all.Select(c => ((RedisResult[])c!)[0].ToString()).ToList();
        Assert.That(names, Has.Count.EqualTo(CommandTable.AllFamilies().Count()));
        Assert.That(names, Is.Unique);
        Assert.That(names, Does.Contain("get").And.Contain("command").And.Contain("client"));
        Assert.That(all.All(c => ((RedisResult[])c!).Length == 10), Is.True, "every entry has 10 elements");
    }

    // ---- INFO ------------------------------------------------------------------------------------

    private const string GetKeySpec =
        "*6\r\n" + "$5\r\nflags\r\n" + "*2\r\n+RO\r\n+access\r\n" +
        "$12\r\nbegin_search\r\n" + "*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n" +
        "$9\r\nfind_keys\r\n" + "*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n";

    [Test]
    public void InfoGetIsByteExactInResp2()
    {
        using var raw = Raw();
        string expected = "*1\r\n*10\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n" +
                          "*3\r\n+@read\r\n+@string\r\n+@fast\r\n*0\r\n*1\r\n" + GetKeySpec + "*0\r\n";
        Assert.That(raw.Execute("COMMAND", "INFO", "get"), Is.EqualTo(expected));
        Assert.That(raw.Execute("COMMAND", "INFO", "GET"), Is.EqualTo(expected), "names are case-insensitive");
    }

    [Test]
    public void InfoGetIsByteExactInResp3()
    {
        using var raw = Raw();
        raw.Execute("HELLO", "3");
        string spec = "%3\r\n" + "$5\r\nflags\r\n" + "~2\r\n+RO\r\n+access\r\n" +
                      "$12\r\nbegin_search\r\n" + "%2\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n%1\r\n$5\r\nindex\r\n:1\r\n" +
                      "$9\r\nfind_keys\r\n" + "%2\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n%3\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n";
        string expected = "*1\r\n*10\r\n$3\r\nget\r\n:2\r\n~2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n" +
                          "~3\r\n+@read\r\n+@string\r\n+@fast\r\n~0\r\n~1\r\n" + spec + "~0\r\n";
        Assert.That(raw.Execute("COMMAND", "INFO", "get"), Is.EqualTo(expected));
    }

    [Test]
    public void InfoOfUnknownOrInvalidNamesIsNull()
    {
        using var raw = Raw();
        Assert.That(raw.Execute("COMMAND", "INFO", "nosuchcommand"), Is.EqualTo("*1\r\n$-1\r\n"));
        Assert.That(raw.Execute("COMMAND", "INFO", "get|key"), Is.EqualTo("*1\r\n$-1\r\n"), "GET has no subcommands");
        Assert.That(raw.Execute("COMMAND", "INFO", "client|id|x"), Is.EqualTo("*1\r\n$-1\r\n"), "one level of subcommands only");
    }

    [Test]
    public void InfoOfASubcommandByFullName()
    {
        using var raw = Raw();
        string reply = raw.Execute("COMMAND", "INFO", "client|id");
        Assert.That(reply, Does.StartWith("*1\r\n*10\r\n" + Bulk("client|id") + ":2\r\n"));
        Assert.That(reply, Does.Contain("+@connection\r\n"));
    }

    [Test]
    public void ContainerInfoListsItsSubcommands()
    {
        var info = (RedisResult[])((RedisResult[])Redis("COMMAND", "INFO", "client")!)[0]!;
        Assert.That(info[0].ToString(), Is.EqualTo("client"));
        Assert.That((long)info[1], Is.EqualTo(-2));
        var subs = ((RedisResult[])info[9]!).Select(s => ((RedisResult[])s!)[0].ToString()).ToList();
        Assert.That(subs, Does.Contain("client|list").And.Contain("client|kill").And.Contain("client|setname"));
    }

    [Test]
    public void FlagsAndCategoriesFollowValkey()
    {
        var set = (RedisResult[])((RedisResult[])Redis("COMMAND", "INFO", "set")!)[0]!;
        Assert.That(Strings(set[2]), Is.EqualTo(new[] { "write", "denyoom" }));
        Assert.That(Strings(set[6]), Is.EqualTo(new[] { "@write", "@string", "@slow" }));
        var quit = (RedisResult[])((RedisResult[])Redis("COMMAND", "INFO", "quit")!)[0]!;
        Assert.That(Strings(quit[2]), Is.EqualTo(new[] { "noscript", "loading", "stale", "fast", "no_auth", "allow_busy" }));
        var debug = (RedisResult[])((RedisResult[])Redis("COMMAND", "INFO", "debug")!)[0]!;
        Assert.That(Strings(debug[2]), Is.EqualTo(new[] { "admin", "noscript", "loading", "stale" }), "protected is hidden");
        Assert.That(Strings(debug[6]), Is.EqualTo(new[] { "@admin", "@slow", "@dangerous" }));
    }

    [Test]
    public void KeyPositionsComeFromTheKeySpecs()
    {
        var mset = (RedisResult[])((RedisResult[])Redis("COMMAND", "INFO", "mset")!)[0]!;
        Assert.That(new[] { (long)mset[3], (long)mset[4], (long)mset[5] }, Is.EqualTo(new long[] { 1, -1, 2 }));
        var ping = (RedisResult[])((RedisResult[])Redis("COMMAND", "INFO", "ping")!)[0]!;
        Assert.That(new[] { (long)ping[3], (long)ping[4], (long)ping[5] }, Is.EqualTo(new long[] { 0, 0, 0 }));
        Assert.That(((RedisResult[])ping[8]!), Is.Empty, "no key specs");
        var keys = (RedisResult[])((RedisResult[])Redis("COMMAND", "INFO", "keys")!)[0]!;
        Assert.That(Strings(keys[7]), Is.EqualTo(new[] { "request_policy:all_shards", "nondeterministic_output_order" }), "tips");
    }

    // ---- DOCS ---------------------------------------------------------------------------------------

    [Test]
    public void DocsOfGet()
    {
        using var raw = Raw();
        string expected = "*2\r\n" + Bulk("get") + "*8\r\n" +
                          Bulk("summary") + Bulk("Returns the string value of a key.") +
                          Bulk("since") + Bulk("1.0.0") + Bulk("group") + Bulk("string") +
                          Bulk("complexity") + Bulk("O(1)");
        Assert.That(raw.Execute("COMMAND", "DOCS", "get"), Is.EqualTo(expected));
    }

    [Test]
    public void DocsSkipsUnknownNamesAndHasHistoryAndSubcommands()
    {
        var docs = (RedisResult[])Redis("COMMAND", "DOCS", "nosuch", "set", "client")!;
        Assert.That(docs.Length, Is.EqualTo(4), "two entries, the unknown name is skipped");
        Assert.That(docs[0].ToString(), Is.EqualTo("set"));
        var set = (RedisResult[])docs[1]!;
        var setMap = Enumerable.Range(0, set.Length / 2).ToDictionary(i => set[2 * i].ToString()!, i => set[2 * i + 1]);
        var history = (RedisResult[])setMap["history"]!;
        Assert.That(((RedisResult[])history[0]!)[0].ToString(), Is.EqualTo("2.6.12"));
        var client = (RedisResult[])docs[3]!;
        var clientMap = Enumerable.Range(0, client.Length / 2).ToDictionary(i => client[2 * i].ToString()!, i => client[2 * i + 1]);
        Assert.That(clientMap["group"].ToString(), Is.EqualTo("connection"));
        var subs = (RedisResult[])clientMap["subcommands"]!;
        Assert.That(Enumerable.Range(0, subs.Length / 2).Select(i => subs[2 * i].ToString()), Does.Contain("client|kill"));
    }

    [Test]
    public void DocsWithoutNamesCoversEveryCommand()
    {
        var docs = (RedisResult[])Redis("COMMAND", "DOCS")!;
        Assert.That(docs.Length, Is.EqualTo(2 * CommandTable.AllFamilies().Count()));
    }

    // ---- LIST -----------------------------------------------------------------------------------------

    [Test]
    public void ListIncludesSubcommands()
    {
        var names = Strings(Redis("COMMAND", "LIST"));
        Assert.That(names, Does.Contain("get").And.Contain("client|list").And.Contain("command|getkeys"));
        Assert.That(names, Is.Unique);
    }

    [Test]
    public void ListFilters()
    {
        Assert.That(Strings(Redis("COMMAND", "LIST", "FILTERBY", "PATTERN", "get")), Is.EqualTo(new[] { "get" }));
        Assert.That(Strings(Redis("COMMAND", "LIST", "FILTERBY", "pattern", "client|*name")).OrderBy(s => s),
            Is.EqualTo(new[] { "client|getname", "client|setname" }));
        Assert.That(Strings(Redis("COMMAND", "LIST", "FILTERBY", "PATTERN", "nothing*")), Is.Empty);
        var connection = Strings(Redis("COMMAND", "LIST", "FILTERBY", "ACLCAT", "connection"));
        Assert.That(connection, Does.Contain("ping").And.Contain("client|id").And.Not.Contain("get"));
        Assert.That(Strings(Redis("COMMAND", "LIST", "FILTERBY", "ACLCAT", "nosuchcategory")), Is.Empty);
        Assert.That(Strings(Redis("COMMAND", "LIST", "FILTERBY", "MODULE", "any")), Is.Empty);
    }

    [Test]
    public void ListSyntaxErrors()
    {
        using var raw = Raw();
        Assert.That(raw.Execute("COMMAND", "LIST", "bad"), Is.EqualTo("-ERR syntax error\r\n"));
        Assert.That(raw.Execute("COMMAND", "LIST", "FILTERBY", "bad"), Is.EqualTo("-ERR syntax error\r\n"));
        Assert.That(raw.Execute("COMMAND", "LIST", "FILTERBY", "bad", "x"), Is.EqualTo("-ERR syntax error\r\n"));
    }

    // ---- GETKEYS ----------------------------------------------------------------------------------------

    [Test]
    public void GetkeysFindsKeysByKeySpecs()
    {
        Assert.That(Strings(Redis("COMMAND", "GETKEYS", "GET", "k1")), Is.EqualTo(new[] { "k1" }));
        Assert.That(Strings(Redis("COMMAND", "GETKEYS", "MSET", "a", "1", "b", "2")), Is.EqualTo(new[] { "a", "b" }));
        Assert.That(Strings(Redis("COMMAND", "GETKEYS", "DEL", "a", "b", "c")), Is.EqualTo(new[] { "a", "b", "c" }));
        Assert.That(Strings(Redis("COMMAND", "GETKEYS", "RENAME", "src", "dst")), Is.EqualTo(new[] { "src", "dst" }));
        Assert.That(Strings(Redis("COMMAND", "GETKEYS", "OBJECT", "ENCODING", "k")), Is.EqualTo(new[] { "k" }), "a subcommand");
    }

    [Test]
    public void GetkeysAndFlags()
    {
        using var raw = Raw();
        Assert.That(raw.Execute("COMMAND", "GETKEYSANDFLAGS", "SET", "k1", "v1"),
            Is.EqualTo("*1\r\n*2\r\n$2\r\nk1\r\n*2\r\n+OW\r\n+update\r\n"));
        Assert.That(raw.Execute("COMMAND", "GETKEYSANDFLAGS", "SET", "k1", "v1", "GET"),
            Is.EqualTo("*1\r\n*2\r\n$2\r\nk1\r\n*3\r\n+RW\r\n+access\r\n+update\r\n"));
        Assert.That(raw.Execute("COMMAND", "GETKEYSANDFLAGS", "MSET", "k1", "v1", "k2", "v2"),
            Is.EqualTo("*2\r\n*2\r\n$2\r\nk1\r\n*2\r\n+OW\r\n+update\r\n*2\r\n$2\r\nk2\r\n*2\r\n+OW\r\n+update\r\n"));
    }

    [Test]
    public void GetkeysAndFlagsOfSortUseItsOwnKeyFinder()
    {
        using var raw = Raw();
        // SORT's key specs are "unknown" for BY/GET/STORE: the STORE target comes from SORT's own key finder.
        Assert.That(raw.Execute("COMMAND", "GETKEYSANDFLAGS", "SORT", "k1", "STORE", "k2"),
            Is.EqualTo("*2\r\n*2\r\n$2\r\nk1\r\n*2\r\n+RO\r\n+access\r\n*2\r\n$2\r\nk2\r\n*2\r\n+OW\r\n+update\r\n"));
        Assert.That(raw.Execute("COMMAND", "GETKEYS", "SORT", "k1", "LIMIT", "0", "1", "GET", "store", "STORE", "k2"),
            Is.EqualTo("*2\r\n$2\r\nk1\r\n$2\r\nk2\r\n"), "GET's argument is skipped even when it reads \"store\"");
    }

    [Test]
    public void GetkeysErrors()
    {
        using var raw = Raw();
        Assert.That(raw.Execute("COMMAND", "GETKEYS", "NOSUCH", "x"), Is.EqualTo("-ERR Invalid command specified\r\n"));
        Assert.That(raw.Execute("COMMAND", "GETKEYS", "PING", "x"), Is.EqualTo("-ERR The command has no key arguments\r\n"));
        Assert.That(raw.Execute("COMMAND", "GETKEYS", "GET", "a", "b"), Is.EqualTo("-ERR Invalid number of arguments specified for command\r\n"));
        Assert.That(raw.Execute("COMMAND", "GETKEYS", "CLIENT", "NOSUCH"), Is.EqualTo("-ERR Invalid command specified\r\n"));
        Assert.That(raw.Execute("COMMAND", "GETKEYS"), Is.EqualTo("-ERR wrong number of arguments for 'command|getkeys' command\r\n"));
    }

    // ---- HELP and errors -------------------------------------------------------------------------------

    [Test]
    public void HelpAndUnknownSubcommand()
    {
        using var raw = Raw();
        string help = raw.Execute("COMMAND", "HELP");
        Assert.That(help, Does.StartWith("*21\r\n+COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+(no subcommand)\r\n"));
        Assert.That(help, Does.EndWith("+HELP\r\n+    Print this help.\r\n"));
        Assert.That(raw.Execute("COMMAND", "FOO"), Is.EqualTo("-ERR unknown subcommand 'FOO'. Try COMMAND HELP.\r\n"));
    }

    [Test]
    public void StackExchangeRedisCanReadTheCommandTable()
    {
        var server = SharedServer.Connection.GetServers()[0];
        var commands = server.Execute("COMMAND");
        Assert.That(commands.Length, Is.EqualTo(CommandTable.AllFamilies().Count()));
    }
}
