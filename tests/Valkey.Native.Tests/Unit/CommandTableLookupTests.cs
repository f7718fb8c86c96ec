using System.Text;
using NUnit.Framework;
using Valkey.Native.Commands;

namespace Valkey.Native.Tests.Unit;

/// <summary>The request-path lookup (bytes, ASCII case folded, open addressing) finds exactly the declared names.</summary>
public class CommandTableLookupTests
{
    private static readonly CommandTable Table = new();

    [Test]
    public void EveryCommandIsFoundInLowerUpperAndMixedCase()
    {
        int checkedCount = 0;
        foreach (var spec in Table.All)
        {
            string name = spec.Name;
            string mixed = string.Concat(name.Select((c, i) => i % 2 == 0 ? char.ToUpperInvariant(c) : c));
            foreach (var form in new[] { name.ToLowerInvariant(), name.ToUpperInvariant(), mixed })
            {
                Assert.That(Table.Find(Encoding.ASCII.GetBytes(form)), Is.SameAs(spec), form);
            }
            checkedCount++;
        }
        Assert.That(checkedCount, Is.EqualTo(Table.Count));
        Assert.That(checkedCount, Is.GreaterThan(200));
    }

    [TestCase("")]
    [TestCase("gett")]
    [TestCase("ge")]
    [TestCase("g\u00e9t")]
    [TestCase("get ")]
    [TestCase("nosuchcommand")]
    public void UnknownNamesAreNotFound(string name)
    {
        Assert.That(Table.Find(Encoding.Latin1.GetBytes(name)), Is.Null);
    }

    [Test]
    public void NonLettersAreNotCaseFolded()
    {
        // '-' | 0x20 is itself and '_' | 0x20 is DEL: only A-Z fold, as Valkey's strcasecmp-based lookup.
        Assert.That(Table.Find("get"u8), Is.Not.Null);
        Assert.That(Table.Find("G\u00c5T"u8.ToArray()), Is.Null);
        Assert.That(Table.Find(new byte[] { (byte)'g', (byte)'e', (byte)'t' + 0x80 }), Is.Null);
        Assert.That(Table.Find(Encoding.ASCII.GetBytes(new string('a', 65))), Is.Null);
    }
}
