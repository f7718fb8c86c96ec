using System.Text;
using BenchmarkDotNet.Attributes;
using Valkey.Native.Protocol;

namespace Valkey.Native.Benchmarks;

[MemoryDiagnoser]
public class ParserBenchmarks
{
    private const int PipelineDepth = 16;

    private readonly RespParser _parser = new();
    private byte[] _set = [];
    private byte[] _get = [];
    private byte[] _pipeline = [];
    private byte[] _inline = [];
    private byte[] _inlineOriginal = [];
    private byte[] _scanBuffer = [];

    [GlobalSetup]
    public void Setup()
    {
        _set = Multibulk("SET", "key:000000000001", new string('v', 64));
        _get = Multibulk("GET", "key:000000000001");
        _pipeline = Enumerable.Range(0, PipelineDepth)
            .SelectMany(i => i % 2 == 0 ? Multibulk("GET", $"key:{i:D12}") : Multibulk("SET", $"key:{i:D12}", "value"))
            .ToArray();
        _inlineOriginal = Encoding.ASCII.GetBytes("SET key:000000000001 \"hello world\"\r\n");
        _inline = (byte[])_inlineOriginal.Clone();
        _scanBuffer = new byte[4096];
        _scanBuffer.AsSpan().Fill((byte)'a');
        _scanBuffer[^1] = (byte)'\r';
    }

    [Benchmark]
    public int ParseSet()
    {
        _parser.Parse(_set, true, out int consumed);
        return consumed + _parser.Args.Count;
    }

    [Benchmark]
    public int ParseGet()
    {
        _parser.Parse(_get, true, out int consumed);
        return consumed + _parser.Args.Count;
    }

    [Benchmark(OperationsPerInvoke = PipelineDepth)]
    public int ParsePipeline16()
    {
        int args = 0;
        Span<byte> rest = _pipeline;
        while (!rest.IsEmpty)
        {
            _parser.Parse(rest, true, out int consumed);
            args += _parser.Args.Count;
            rest = rest[consumed..];
        }
        return args;
    }

    [Benchmark]
    public int ParseInline()
    {
        // Inline parsing unescapes in place, so every run starts from a fresh copy.
        _inlineOriginal.CopyTo(_inline, 0);
        _parser.Parse(_inline, true, out int consumed);
        return consumed + _parser.Args.Count;
    }

    [Benchmark]
    public int ScanCrIn4K() => RespScanner.IndexOfCrOrNul(_scanBuffer);

    private static byte[] Multibulk(params string[] args)
    {
        var sb = new StringBuilder($"*{args.Length}\r\n");
        foreach (string a in args) sb.Append($"${a.Length}\r\n{a}\r\n");
        return Encoding.ASCII.GetBytes(sb.ToString());
    }
}
