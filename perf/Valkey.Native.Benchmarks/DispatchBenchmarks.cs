using BenchmarkDotNet.Attributes;
using Valkey.Native.Tests.Infrastructure;
using Valkey.Native.Tests.Shared;

namespace Valkey.Native.Benchmarks;

/// <summary>
/// One command through the whole in-process path (parse, table lookup, arity, handler,
/// keyspace, reply). MemoryDiagnoser must show 0 B allocated for GET and SET.
/// </summary>
[MemoryDiagnoser]
public class DispatchBenchmarks
{
    private InProcessServer _server = null!;
    private byte[] _set = null!;
    private byte[] _get = null!;
    private byte[] _incr = null!;
    private byte[] _hset = null!;
    private byte[] _pipeline = null!;

    [GlobalSetup]
    public void Setup()
    {
        _server = new InProcessServer();
        _set = RawRespClient.EncodeCommand("SET", "key:000042", "value-of-some-typical-length-0123456789");
        _get = RawRespClient.EncodeCommand("GET", "key:000042");
        _incr = RawRespClient.EncodeCommand("INCR", "counter");
        _hset = RawRespClient.EncodeCommand("HSET", "user:1", "name", "Alice");
        var pipe = new List<byte>();
        for (int i = 0; i < 16; i++) pipe.AddRange(RawRespClient.EncodeCommand("GET", "key:000042"));
        _pipeline = pipe.ToArray();
        _server.Run(_set);
    }

    [GlobalCleanup]
    public void Cleanup() => _server.Dispose();

    [Benchmark(Baseline = true)]
    public void Get() => _server.Run(_get);

    [Benchmark]
    public void Set() => _server.Run(_set);

    [Benchmark]
    public void Incr() => _server.Run(_incr);

    [Benchmark]
    public void HSet() => _server.Run(_hset);

    [Benchmark(OperationsPerInvoke = 16)]
    public void PipelinedGet16() => _server.Run(_pipeline);
}
