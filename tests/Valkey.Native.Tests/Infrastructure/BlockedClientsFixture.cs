using System.Diagnostics;
using NUnit.Framework;
using static Valkey.Native.Tests.Infrastructure.Resp;

namespace Valkey.Native.Tests.Infrastructure;

/// <summary>
/// A server of its own for tests of blocking commands: they read global counters
/// (blocked_clients), so they cannot share a server. Blocking commands go through raw
/// connections; every test ends only when no client is blocked any more.
/// </summary>
public abstract class BlockedClientsFixture : OwnServerFixture
{
    protected override string[] ServerArguments => ["--enable-debug-command", "yes"];

    /// <summary>How long a client must stay silent to count as still blocked.</summary>
    protected static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(150);

    /// <summary>The exact RESP2 reply of an array of bulk strings.</summary>
    protected static string Arr(params string[] items) => $"*{items.Length}\r\n" + string.Concat(items.Select(Bulk));

    /// <summary>A field of INFO clients.</summary>
    protected long Info(string field) => InfoParser.Field(BulkText(Execute("INFO", "clients")), field);

    /// <summary>Waits until INFO reports exactly <paramref name="count"/> blocked clients.</summary>
    protected void WaitForBlocked(int count)
    {
        var sw = Stopwatch.StartNew();
        long now;
        while ((now = Info("blocked_clients")) != count)
        {
            if (sw.Elapsed > TimeSpan.FromSeconds(5)) Assert.Fail($"expected {count} blocked clients, INFO says {now}");
            Thread.Sleep(5);
        }
    }

    /// <summary>Sends a blocking command and waits until the server counts one more blocked client.</summary>
    protected void Block(RawRespClient client, params string[] command)
    {
        long before = Info("blocked_clients");
        client.SendCommand(command);
        WaitForBlocked((int)before + 1);
    }

    [TearDown]
    public void NoClientLeftBlocked() => WaitForBlocked(0);
}
