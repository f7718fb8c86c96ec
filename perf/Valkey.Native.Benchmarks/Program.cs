using BenchmarkDotNet.Running;

namespace Valkey.Native.Benchmarks;

/// <summary>
/// In-process micro-benchmarks (parser, dispatch, keyspace). Run with
/// <c>./build.sh bench</c> or <c>dotnet run -c Release --project perf/Valkey.Native.Benchmarks -- --filter '*'</c>.
/// Side-by-side throughput against redis-server is perf/compare.sh.
/// </summary>
public static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
