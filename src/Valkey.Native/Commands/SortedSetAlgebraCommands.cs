using System.Text;
using Valkey.Native.Storage;
using Valkey.Native.Util;

namespace Valkey.Native.Commands;

/// <summary>
/// ZUNION, ZINTER, ZDIFF, their STORE forms and ZINTERCARD (Valkey's zunionInterDiffGenericCommand).
/// Inputs may be sorted sets or plain sets (whose members score 1). Not hot paths: elements are
/// copied out into managed collections and the result sorted as the skiplist would order it.
/// Rows are in <see cref="SortedSetCommands"/>.
/// </summary>
public static unsafe class SortedSetAlgebraCommands
{
    private enum Operation { Union, Inter, Diff }

    private enum Aggregate { Sum, Min, Max }

    /// <summary>One input: its value (null when the key is missing) and weight.</summary>
    private struct Source
    {
        public ValueHeader* Header;
        public double Weight;
        public long Length;
    }

    internal static void ZUnion(CommandContext ctx) => Generic(ctx, -1, 1, Operation.Union, false);

    internal static void ZUnionStore(CommandContext ctx) => Generic(ctx, 1, 2, Operation.Union, false);

    internal static void ZInter(CommandContext ctx) => Generic(ctx, -1, 1, Operation.Inter, false);

    internal static void ZInterStore(CommandContext ctx) => Generic(ctx, 1, 2, Operation.Inter, false);

    internal static void ZInterCard(CommandContext ctx) => Generic(ctx, -1, 1, Operation.Inter, true);

    internal static void ZDiff(CommandContext ctx) => Generic(ctx, -1, 1, Operation.Diff, false);

    internal static void ZDiffStore(CommandContext ctx) => Generic(ctx, 1, 2, Operation.Diff, false);

    private static void Generic(CommandContext ctx, int dstIndex, int numKeysIndex, Operation op, bool cardinalityOnly)
    {
        if (!ctx.TryGetInt64OrReply(numKeysIndex, out long setCount)) return;
        if (setCount < 1)
        {
            ctx.Reply.AddError($"ERR at least 1 input key is needed for '{ctx.Command.FullName}' command");
            return;
        }
        if (setCount > ctx.ArgCount - (numKeysIndex + 1))
        {
            ctx.Reply.AddError(ErrorMessages.Syntax);
            return;
        }
        int n = (int)setCount;
        var keyspace = ctx.Keyspace;
        var sources = new Source[n];
        int j = numKeysIndex + 1;
        for (int i = 0; i < n; i++, j++)
        {
            byte* entry = ctx.Db.LookupRead(ctx.Arg(j));
            sources[i].Weight = 1.0;
            if (entry == null) continue;
            ValueHeader* h = Database.Header(entry);
            if (h->Type != DataType.SortedSet && h->Type != DataType.Set)
            {
                ctx.Reply.AddError(ErrorMessages.WrongType);
                return;
            }
            sources[i].Header = h;
            sources[i].Length = h->Type == DataType.Set ? SetValue.Count(keyspace, h) : SortedSetValue.Count(keyspace, h);
        }

        var aggregate = Aggregate.Sum;
        bool withScores = false;
        long limit = 0;
        while (j < ctx.ArgCount)
        {
            int remaining = ctx.ArgCount - j;
            if (op != Operation.Diff && !cardinalityOnly && remaining >= n + 1 && ctx.ArgIs(j, "weights"u8))
            {
                j++;
                for (int i = 0; i < n; i++, j++)
                {
                    if (!ctx.TryGetDoubleOrReply(j, out sources[i].Weight, ErrorMessages.WeightNotFloat)) return;
                }
            }
            else if (op != Operation.Diff && !cardinalityOnly && remaining >= 2 && ctx.ArgIs(j, "aggregate"u8))
            {
                if (ctx.ArgIs(j + 1, "sum"u8)) aggregate = Aggregate.Sum;
                else if (ctx.ArgIs(j + 1, "min"u8)) aggregate = Aggregate.Min;
                else if (ctx.ArgIs(j + 1, "max"u8)) aggregate = Aggregate.Max;
                else
                {
                    ctx.Reply.AddError(ErrorMessages.Syntax);
                    return;
                }
                j += 2;
            }
            else if (remaining >= 1 && dstIndex < 0 && !cardinalityOnly && ctx.ArgIs(j, "withscores"u8))
            {
                j++;
                withScores = true;
            }
            else if (cardinalityOnly && remaining >= 2 && ctx.ArgIs(j, "limit"u8))
            {
                if (!ctx.TryGetRangeOrReply(j + 1, 0, long.MaxValue, out limit, ErrorMessages.LimitCantBeNegative)) return;
                j += 2;
            }
            else
            {
                ctx.Reply.AddError(ErrorMessages.Syntax);
                return;
            }
        }

        // Smallest input first (a stable sort, as glibc's qsort merges), except for DIFF.
        if (op != Operation.Diff)
            sources = [.. sources.Select((s, i) => (s, i)).OrderBy(p => p.s.Length).ThenBy(p => p.i).Select(p => p.s)];

        if (cardinalityOnly)
        {
            ctx.Reply.AddInteger(InterCardinality(keyspace, sources, limit));
            return;
        }
        var result = op switch
        {
            Operation.Union => Union(keyspace, sources, aggregate),
            Operation.Inter => Inter(keyspace, sources, aggregate),
            _ => Diff(keyspace, sources),
        };
        result.Sort(CompareElements);

        if (dstIndex >= 0)
        {
            string eventName = op switch { Operation.Union => "zunionstore", Operation.Inter => "zinterstore", _ => "zdiffstore" };
            SortedSetRangeCommands.StoreResult(ctx, ctx.Arg(dstIndex), result, eventName);
            return;
        }
        var reply = ctx.Reply;
        reply.AddArrayLength(withScores && reply.Protocol == 2 ? result.Count * 2L : result.Count);
        var writer = new SortedSetCommands.ElementWriter(reply, withScores, nested: withScores && reply.Protocol > 2);
        foreach (var (member, score) in result) writer.Visit(member, score);
    }

    /// <summary>The skiplist's order: score, then member bytes.</summary>
    private static int CompareElements((byte[] Member, double Score) a, (byte[] Member, double Score) b)
    {
        if (a.Score < b.Score) return -1;
        if (a.Score > b.Score) return 1;
        return a.Member.AsSpan().SequenceCompareTo(b.Member);
    }

    private static void Accumulate(ref double target, double value, Aggregate aggregate)
    {
        switch (aggregate)
        {
            case Aggregate.Sum:
                target += value;
                // +inf + -inf: Valkey's convention is 0, not NaN.
                if (double.IsNaN(target)) target = 0;
                break;
            case Aggregate.Min:
                target = value < target ? value : target;
                break;
            default:
                target = value > target ? value : target;
                break;
        }
    }

    /// <summary>Every element of one input (sets score 1), copied out.</summary>
    private static List<(byte[] Member, double Score)> Elements(Keyspace keyspace, ValueHeader* h)
    {
        if (h->Type == DataType.Set) return SetValue.Members(keyspace, h).Select(m => (m, 1.0)).ToList();
        var list = new List<(byte[] Member, double Score)>((int)Math.Min(SortedSetValue.Count(keyspace, h), 1 << 20));
        var collector = new SortedSetCommands.Collector(list);
        SortedSetValue.ForEach(keyspace, h, ref collector);
        return list;
    }

    /// <summary>zuiFind: the member's score in an input (1 in a set); false if absent.</summary>
    private static bool TryFind(Keyspace keyspace, ValueHeader* h, ReadOnlySpan<byte> member, out double score)
    {
        if (h->Type == DataType.Set)
        {
            score = 1.0;
            return SetValue.Contains(keyspace, h, member);
        }
        return SortedSetValue.TryGetScore(keyspace, h, member, out score);
    }

    private static List<(byte[] Member, double Score)> Union(Keyspace keyspace, Source[] sources, Aggregate aggregate)
    {
        var scores = new Dictionary<string, double>();
        var order = new List<byte[]>();
        foreach (var source in sources)
        {
            if (source.Header == null || source.Length == 0) continue;
            foreach (var (member, value) in Elements(keyspace, source.Header))
            {
                double score = source.Weight * value;
                if (double.IsNaN(score)) score = 0;
                string k = Encoding.Latin1.GetString(member);
                if (scores.TryGetValue(k, out double existing))
                {
                    Accumulate(ref existing, score, aggregate);
                    scores[k] = existing;
                }
                else
                {
                    scores[k] = score;
                    order.Add(member);
                }
            }
        }
        var result = new List<(byte[] Member, double Score)>(order.Count);
        foreach (var member in order) result.Add((member, scores[Encoding.Latin1.GetString(member)]));
        return result;
    }

    private static List<(byte[] Member, double Score)> Inter(Keyspace keyspace, Source[] sources, Aggregate aggregate)
    {
        var result = new List<(byte[] Member, double Score)>();
        if (sources[0].Header == null || sources[0].Length == 0) return result;
        foreach (var (member, value) in Elements(keyspace, sources[0].Header))
        {
            if (InAll(keyspace, sources, member, value, aggregate, out double score)) result.Add((member, score));
        }
        return result;
    }

    private static long InterCardinality(Keyspace keyspace, Source[] sources, long limit)
    {
        if (sources[0].Header == null || sources[0].Length == 0) return 0;
        long cardinality = 0;
        foreach (var (member, value) in Elements(keyspace, sources[0].Header))
        {
            if (!InAll(keyspace, sources, member, value, Aggregate.Sum, out _)) continue;
            cardinality++;
            if (limit != 0 && cardinality >= limit) break;
        }
        return cardinality;
    }

    /// <summary>Whether an element of the first input is in every other one, aggregating the weighted scores.</summary>
    private static bool InAll(Keyspace keyspace, Source[] sources, byte[] member, double value, Aggregate aggregate, out double score)
    {
        score = sources[0].Weight * value;
        if (double.IsNaN(score)) score = 0;
        for (int j = 1; j < sources.Length; j++)
        {
            double other;
            if (sources[j].Header == sources[0].Header) other = value * sources[j].Weight;
            else if (sources[j].Header != null && TryFind(keyspace, sources[j].Header, member, out other)) other *= sources[j].Weight;
            else return false;
            Accumulate(ref score, other, aggregate);
        }
        return true;
    }

    private static List<(byte[] Member, double Score)> Diff(Keyspace keyspace, Source[] sources)
    {
        var result = new List<(byte[] Member, double Score)>();
        if (sources[0].Header == null || sources[0].Length == 0) return result;
        // The first input appearing again removes everything.
        for (int j = 1; j < sources.Length; j++)
            if (sources[j].Header == sources[0].Header) return result;
        foreach (var (member, value) in Elements(keyspace, sources[0].Header))
        {
            bool elsewhere = false;
            for (int j = 1; j < sources.Length && !elsewhere; j++)
                elsewhere = sources[j].Header != null && TryFind(keyspace, sources[j].Header, member, out _);
            if (!elsewhere) result.Add((member, value));
        }
        return result;
    }
}
