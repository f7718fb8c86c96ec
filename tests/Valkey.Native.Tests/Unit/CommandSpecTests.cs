using NUnit.Framework;
using Valkey.Native.Commands;
using static Valkey.Native.Commands.KeySpecFlags;

namespace Valkey.Native.Tests.Unit;

/// <summary>
/// The command table rows are the only place a command is described (dispatch, arity, COMMAND
/// INFO/DOCS/GETKEYS). These checks keep every row consistent with itself, so nothing about a
/// command has to be kept in sync by hand: names are unique, and the legacy key range COMMAND
/// reports agrees with the key specs it is derived from.
/// </summary>
[TestFixture]
public class CommandSpecTests
{
    /// <summary>Every row: top-level commands and their subcommands.</summary>
    private static List<CommandSpec> AllRows()
    {
        var rows = new List<CommandSpec>();
        foreach (var cmd in CommandTable.AllFamilies())
        {
            rows.Add(cmd);
            if (cmd.Subcommands != null) rows.AddRange(cmd.Subcommands);
        }
        return rows;
    }

    [Test]
    public void NoTwoRowsShareAName()
    {
        var top = CommandTable.AllFamilies().ToList();
        var duplicates = top.GroupBy(c => c.Name, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        foreach (var container in top.Where(c => c.Subcommands != null))
        {
            duplicates.AddRange(container.Subcommands!.GroupBy(s => s.FullName, StringComparer.OrdinalIgnoreCase)
                .Where(g => g.Count() > 1).Select(g => g.Key));
        }
        Assert.That(duplicates, Is.Empty, "command names declared more than once");
        Assert.That(() => new CommandTable(), Throws.Nothing);
    }

    [Test]
    public void DuplicateRowsAreRejectedByTheTable()
    {
        var a = new CommandSpec("dup", 1, CommandFlags.None, AclCategories.None, _ => { });
        var b = new CommandSpec("DUP", 1, CommandFlags.None, AclCategories.None, _ => { });
        Assert.That(() => new CommandTable([a, b]), Throws.InvalidOperationException);
    }

    /// <summary>
    /// Key positions are stated once: a row with key specs does not also pass the constructor's
    /// first/last/step, and the range COMMAND INFO reports covers exactly the keys the specs find
    /// (a subset of them when the keys are "movable"), for every argument count the arity allows.
    /// </summary>
    [Test]
    public void KeyPositionsAgreeWithKeySpecs()
    {
        var problems = new List<string>();
        foreach (var row in AllRows())
        {
            var declared = row.DeclaredKeyPositions;
            if (row.HasDeclaredKeySpecs && declared != (0, 0, 0))
            {
                problems.Add($"{row.FullName}: states key positions twice (constructor {declared}, KeySpecs give " +
                             $"{(row.FirstKey, row.LastKey, row.Step)}); keep only KeySpecs");
            }
            if (!row.HasDeclaredKeySpecs && declared.First > 0 && (row.FirstKey, row.LastKey, row.Step) != declared)
            {
                problems.Add($"{row.FullName}: constructor positions {declared} became {(row.FirstKey, row.LastKey, row.Step)}");
            }
            if (row.KeySpecs.Length == 0 && (row.FirstKey, row.LastKey, row.Step) != (0, 0, 0))
            {
                problems.Add($"{row.FullName}: no key specs but a key range {(row.FirstKey, row.LastKey, row.Step)}");
            }
            if (row.Flags.HasFlag(CommandFlags.MovableKeys))
            {
                problems.Add($"{row.FullName}: declares MovableKeys, which is derived from its key specs");
            }
            foreach (int argc in ArgumentCounts(row))
            {
                var legacy = LegacyPositions(row, argc);
                var bySpecs = SpecPositions(row, argc);
                bool agrees = row.MovableKeys ? legacy.IsSubsetOf(bySpecs) : legacy.SetEquals(bySpecs);
                if (!agrees)
                {
                    problems.Add($"{row.FullName} with {argc} arguments: range {(row.FirstKey, row.LastKey, row.Step)} gives " +
                                 $"[{string.Join(",", legacy.Order())}], key specs give [{string.Join(",", bySpecs.Order())}]");
                    break;
                }
            }
            if (row.Arity > 0 && (row.FirstKey >= row.Arity || row.LastKey >= row.Arity))
            {
                problems.Add($"{row.FullName}: key range {(row.FirstKey, row.LastKey)} beyond its arity {row.Arity}");
            }
        }
        Assert.That(problems, Is.Empty);
    }

    [Test]
    public void DeprecationStatesBothSinceAndReplacement()
    {
        var problems = AllRows().Where(r => (r.DeprecatedSince == null) != (r.ReplacedBy == null)).Select(r => r.FullName);
        Assert.That(problems, Is.Empty);
        var setnx = CommandTable.AllFamilies().Single(c => c.Name == "setnx");
        Assert.That(setnx.DocFlags, Is.EqualTo(DocFlags.Deprecated), "deprecated_since implies the deprecated doc flag");
    }

    private static IEnumerable<int> ArgumentCounts(CommandSpec row) =>
        row.Arity > 0 ? [row.Arity] : Enumerable.Range(-row.Arity, 6);

    /// <summary>The positions COMMAND's (first, last, step) name for a command line of <paramref name="argc"/> arguments.</summary>
    private static HashSet<int> LegacyPositions(CommandSpec row, int argc)
    {
        var positions = new HashSet<int>();
        if (row.FirstKey <= 0) return positions;
        int last = row.LastKey < 0 ? argc + row.LastKey : row.LastKey;
        for (int i = row.FirstKey; i <= last && i < argc; i += Math.Max(1, row.Step)) positions.Add(i);
        return positions;
    }

    /// <summary>The positions the row's index/range key specs name (the only kind a legacy range can express).</summary>
    private static HashSet<int> SpecPositions(CommandSpec row, int argc)
    {
        var positions = new HashSet<int>();
        foreach (var s in row.KeySpecs)
        {
            if (s.Begin != BeginSearch.Index || s.Find != FindKeys.Range) continue;
            int last = s.LastKey >= 0 ? s.Position + s.LastKey
                : s.Limit == 0 ? argc + s.LastKey
                : s.Position + ((argc - s.Position) / s.Limit + s.LastKey);
            for (int i = s.Position; i <= last && i < argc; i += s.KeyStep) positions.Add(i);
        }
        return positions;
    }

    // ---- the derivation itself, on Valkey's own commands (COMMAND INFO of Valkey 8) ------------------

    private static IEnumerable<TestCaseData> LegacyRangeCases()
    {
        yield return new TestCaseData((object)new[] { KeySpec.Index(1, RO | Access) }, 1, 1, 1, false).SetName("get");
        yield return new TestCaseData((object)new[] { KeySpec.Index(1, OW | Update, lastKey: -1, step: 2) }, 1, -1, 2, false).SetName("mset");
        yield return new TestCaseData((object)new[] { KeySpec.Index(1, RW | Access | Delete, lastKey: -2) }, 1, -2, 1, false).SetName("blpop");
        yield return new TestCaseData((object)new[] { KeySpec.Index(1, RW | Access | Delete), KeySpec.Index(2, RW | Insert) }, 1, 2, 1, false).SetName("smove");
        yield return new TestCaseData((object)new[] { KeySpec.Index(2, OW | Update), KeySpec.Index(3, RO | Access, lastKey: -1) }, 2, -1, 1, false).SetName("bitop");
        yield return new TestCaseData((object)new[] { KeySpec.Index(1, OW | Update), KeySpec.IndexKeyNum(2, RO | Access) }, 1, 1, 1, true).SetName("zunionstore");
        yield return new TestCaseData((object)new[] { KeySpec.AfterKeyword("STREAMS", 1, RO | Access, lastKey: -1, step: 2) }, 0, 0, 0, true).SetName("xread");
        yield return new TestCaseData((object)new[] { KeySpec.Index(1, RO | Access), KeySpec.Unknown(RO | Access), KeySpec.Unknown(OW | Update) }, 1, 1, 1, true).SetName("sort");
        yield return new TestCaseData((object)new[] { KeySpec.Index(3, RW | Access | Delete), KeySpec.AfterKeyword("KEYS", -2, RW | Access | Delete | Incomplete, lastKey: -1) }, 3, 3, 1, true).SetName("migrate");
        yield return new TestCaseData((object)Array.Empty<KeySpec>(), 0, 0, 0, false).SetName("ping");
    }

    [TestCaseSource(nameof(LegacyRangeCases))]
    public void LegacyRangeIsDerivedAsValkeyDoes(KeySpec[] specs, int first, int last, int step, bool movable)
    {
        var row = new CommandSpec("x", -2, CommandFlags.None, AclCategories.None, _ => { }) { KeySpecs = specs };
        Assert.That((row.FirstKey, row.LastKey, row.Step, row.MovableKeys), Is.EqualTo((first, last, step, movable)));
    }

    [Test]
    public void ConstructorPositionsBecomeOneRangeSpec()
    {
        var row = new CommandSpec("x", -3, CommandFlags.Write, AclCategories.None, _ => { }, 1, -1, 2);
        Assert.That(row.KeySpecs, Is.EqualTo(new[] { KeySpec.Index(1, RW | Update, lastKey: -1, step: 2) }));
        Assert.That((row.FirstKey, row.LastKey, row.Step, row.MovableKeys), Is.EqualTo((1, -1, 2, false)));
        var withFinder = new CommandSpec("y", -2, CommandFlags.ReadOnly, AclCategories.None, _ => { }, 1, 1, 1) { Keys = (_, _) => { } };
        Assert.That(withFinder.MovableKeys, Is.True, "a row without key specs but with a key finder has movable keys");
    }
}
