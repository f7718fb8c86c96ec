using NUnit.Framework;
using Valkey.Native.Server;

namespace Valkey.Native.Tests.Unit;

/// <summary>LATENCY GRAPH's text (Valkey's sparkline with fill characters "_o#" and '|'), byte for byte.</summary>
[TestFixture]
public sealed class LatencyGraphTests
{
    private const long Now = 1_800_000_000;
    private static readonly string Ruler = new string('-', 80) + "\n";

    private static LatencyMonitor.Series Series(long max, params (long Age, long Latency)[] samples)
    {
        var series = new LatencyMonitor.Series();
        for (int i = 0; i < samples.Length; i++)
        {
            series.Times[i] = Now - samples[i].Age;
            series.Latencies[i] = samples[i].Latency;
        }
        series.Next = samples.Length % LatencyMonitor.SeriesLength;
        series.Max = max;
        return series;
    }

    [Test]
    public void OneSampleSitsOnTheBottomRow() =>
        Assert.That(LatencyMonitor.Graph("expire-cycle", Series(140, (0, 137)), Now), Is.EqualTo(
            "expire-cycle - high 137 ms, low 137 ms (all time high 140 ms)\n" + Ruler +
            " \n \n \n_\n \n0\ns\n"));

    [Test]
    public void BarsScaleBetweenLowAndHighWithAgeLabels() =>
        // Levels (of 12) for 10, 100, 45, 20 between 10 and 100: 0, 11, 4, 1.
        Assert.That(LatencyMonitor.Graph("command", Series(100, (90000, 10), (4000, 100), (70, 45), (5, 20)), Now), Is.EqualTo(
            "command - high 100 ms, low 10 ms (all time high 100 ms)\n" + Ruler +
            " #  \n" +
            " |  \n" +
            " |o \n" +
            "_||o\n" +
            "    \n" +
            "1115\n" +
            "dhms\n"));

    [Test]
    public void MoreThanEightyColumnsContinueInASecondBlock()
    {
        var samples = Enumerable.Range(0, 85).Select(i => ((long)(84 - i), (long)(i + 1))).ToArray();
        string graph = LatencyMonitor.Graph("command", Series(85, samples), Now);
        string[] lines = graph.Split('\n');
        Assert.That(lines[0], Is.EqualTo("command - high 85 ms, low 1 ms (all time high 85 ms)"));
        // Block 1: 4 bar rows, a margin row, 3 label rows ("84s"), all 80 wide; then an empty line.
        for (int i = 2; i < 10; i++) Assert.That(lines[i], Has.Length.EqualTo(80), $"line {i}");
        Assert.That(lines[6], Is.EqualTo(new string(' ', 80)));
        // Ages 84..60 s read "1m", 59..10 "59s".."10s", 9..5 "9s".."5s".
        Assert.That(lines[7], Is.EqualTo(new string('1', 25) + string.Concat(Enumerable.Range(0, 55).Select(i => $"{59 - i}s"[0]))));
        Assert.That(lines[9], Is.EqualTo(new string(' ', 25) + new string('s', 50) + new string(' ', 5)), "third label row: only two-digit seconds");
        Assert.That(lines[10], Is.Empty, "blocks are separated by a blank line");
        Assert.That(string.Join("\n", lines[11..]), Is.EqualTo("#####\n|||||\n|||||\n|||||\n     \n43210\nsssss\n"));
    }
}
