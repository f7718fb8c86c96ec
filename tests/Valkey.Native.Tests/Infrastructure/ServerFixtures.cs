using NUnit.Framework;
using StackExchange.Redis;

namespace Valkey.Native.Tests.Infrastructure;

/// <summary>
/// A fixture with a server of its own (for tests that change global state: CONFIG SET, FLUSHALL,
/// DEBUG, CLIENT KILL, statistics...), started once before its tests with <see cref="ServerArguments"/>
/// and disposed after them. A derived fixture's own [OneTimeSetUp] runs after the server is up.
/// </summary>
public abstract class OwnServerFixture
{
    private ConnectionMultiplexer? _redis;

    /// <summary>Arguments after <c>--port N --bind 127.0.0.1</c>; read once, when the fixture starts.</summary>
    protected virtual string[] ServerArguments => [];

    /// <summary>Whether <see cref="Redis"/> connects as soon as the server is up (else on first use).</summary>
    protected virtual bool ConnectRedisAtStart => false;

    protected ServerProcess Server { get; private set; } = null!;

    /// <summary>A StackExchange.Redis connection to <see cref="Server"/> (do not dispose it).</summary>
    protected ConnectionMultiplexer Redis => _redis ??= Server.Connect();

    [OneTimeSetUp]
    public void StartOwnServer()
    {
        Server = ServerProcess.Start(ServerArguments);
        if (ConnectRedisAtStart) _redis = Server.Connect();
    }

    [OneTimeTearDown]
    public void StopOwnServer()
    {
        _redis?.Dispose();
        _redis = null;
        Server?.Dispose();
    }

    /// <summary>A new raw client to <see cref="Server"/> (dispose it).</summary>
    protected RawRespClient Raw() => Server.CreateRawClient();

    /// <summary>Runs one command on a new connection and returns the raw reply.</summary>
    protected string Execute(params string[] args) => Server.Execute(args);
}

/// <summary>
/// A fixture on <see cref="SharedServer"/>: its tests must use their own keys and leave global state alone.
/// <see cref="Run"/> talks over one raw connection per test, opened on first use and closed after the test.
/// </summary>
public abstract class SharedServerFixture
{
    private RawRespClient? _client;

    protected static IDatabase Db => SharedServer.Connection.GetDatabase();

    /// <summary>A new raw client to the shared server (dispose it).</summary>
    protected static RawRespClient Raw() => SharedServer.CreateRawClient();

    /// <summary>Runs one command on a new connection and returns the raw reply.</summary>
    protected static string Execute(params string[] args) => SharedServer.Execute(args);

    /// <summary>The test's own raw connection (RESP version, selected database... last until the test ends).</summary>
    protected RawRespClient Client => _client ??= SharedServer.CreateRawClient();

    /// <summary>Runs one command on the test's own connection and returns the raw reply.</summary>
    protected string Run(params string[] args) => Client.Execute(args);

    [TearDown]
    public void CloseTestConnection()
    {
        _client?.Dispose();
        _client = null;
    }
}
