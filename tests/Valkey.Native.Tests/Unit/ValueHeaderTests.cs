using System.Diagnostics;
using System.Text;
using NUnit.Framework;
using Valkey.Native.Storage;
using Valkey.Native.Tests.Infrastructure;

namespace Valkey.Native.Tests.Unit;

/// <summary>
/// The compact value header: 12 bytes, plus a 12-byte expiry block only for keys that have (had)
/// a TTL; keys follow the entry header unpadded. Checks the memory a small key takes and that
/// adding the block (which grows, and may move, the entry) keeps the value, the TTL bookkeeping
/// and every other header field intact.
/// </summary>
[TestFixture]
public sealed unsafe class ValueHeaderTests : KeyspaceFixture
{
    private static string Str(ValueHeader* h)
    {
        Span<byte> scratch = stackalloc byte[24];
        return Encoding.UTF8.GetString(StringValue.Read(h, scratch));
    }

    private string Get(string key)
    {
        byte* e = Db.Lookup(B(key), LookupFlags.NoTouch | LookupFlags.NoStats);
        return e == null ? "(nil)" : Str(Database.Header(e));
    }

    [Test]
    public void SmallStringKeyWithoutTtlFitsThe48ByteClass()
    {
        // 16 entry header + 10-byte key + 12 value header + 10-byte embstr = 48 (was 16 + 16 + 24 + 10 = 66 -> 80).
        byte* e = Db.SetString("key:123456"u8, "val:123456"u8);
        Assert.That(Keyspace.Arena.UsableSize(e), Is.EqualTo((nuint)48));
        Assert.That(Database.Header(e)->DataOffset, Is.EqualTo(ValueHeader.Size));
        Assert.That(ValueHeader.HasExpire(Database.Header(e)), Is.False);
        // 11-byte key and 13-byte value (perf/memory-compare.sh's string case): 52 -> the 56 class.
        byte* e2 = Db.SetString("key:0000001"u8, "value:0000001"u8);
        Assert.That(Keyspace.Arena.UsableSize(e2), Is.EqualTo((nuint)56));
    }

    [TestCase("hello world", "embstr")]
    [TestCase("12345678901", "int")]
    [TestCase("a value that is much longer than forty-four bytes, so raw", "raw")]
    public void SettingATtlAddsTheBlockAndKeepsTheValue(string value, string encoding)
    {
        byte* e = Db.SetString("k"u8, B(value));
        Assert.That(ValueNames.EncodingName(Database.Header(e)->Encoding), Is.EqualTo(encoding));
        uint clock = Database.Header(e)->AccessClock = 0xABCDEF;
        long at = Keyspace.NowMs + 100_000;
        e = Db.SetExpire(e, at);
        ValueHeader* h = Database.Header(e);
        Assert.That(h->HasExpireBlock, Is.True);
        Assert.That(h->DataOffset, Is.EqualTo(ValueHeader.Size + ValueHeader.ExpireBlockSize));
        Assert.That(ValueHeader.ExpireAt(h), Is.EqualTo(at));
        Assert.That(h->AccessClock, Is.EqualTo(clock));
        Assert.That(Str(h), Is.EqualTo(value));
        Assert.That(Db.Table.Find("k"u8) == e, Is.True, "the table links the moved entry");
        Assert.That(Db.VolatileCount, Is.EqualTo(1));

        // A second TTL reuses the block: no move.
        Assert.That(Db.SetExpire(e, at + 1) == e, Is.True);
        Assert.That(ValueHeader.ExpireAt(Database.Header(e)), Is.EqualTo(at + 1));
        Assert.That(Db.VolatileCount, Is.EqualTo(1));

        // PERSIST keeps the block but clears the TTL.
        Assert.That(Db.RemoveExpire(e), Is.True);
        Assert.That(Db.RemoveExpire(e), Is.False);
        h = Database.Header(e);
        Assert.That(ValueHeader.HasExpire(h), Is.False);
        Assert.That(ValueHeader.ExpireAt(h), Is.EqualTo(ValueHeader.NoExpire));
        Assert.That(Str(h), Is.EqualTo(value));
        Assert.That(Db.VolatileCount, Is.EqualTo(0));
        Assert.That(Db.SetExpire(e, at) == e, Is.True);
        Assert.That(Db.VolatileCount, Is.EqualTo(1));
    }

    [Test]
    public void FlagsNeverTouchTheExpireBlockBit()
    {
        byte* e = Db.SetExpire(Db.SetString("k"u8, "v"u8), Keyspace.NowMs + 5000);
        ValueHeader* h = Database.Header(e);
        Assert.That(h->Flags, Is.EqualTo(0), "the block bit is not a value flag");
        h->Flags = 0xFFFF;
        Assert.That(h->HasExpireBlock, Is.True);
        h->Flags = 0;
        Assert.That(h->HasExpireBlock, Is.True);
        Assert.That(ValueHeader.ExpireAt(h), Is.EqualTo(Keyspace.NowMs + 5000));
        Assert.That(Str(h), Is.EqualTo("v"));
    }

    [Test]
    public void OverwritingAndResizingKeepTheVolatileListInStep()
    {
        // Many keys with TTLs whose entries then move (values grow across size classes); active
        // expiry must find every one of them through the volatile list.
        const int n = 2000;
        long past = Keyspace.NowMs - 1, future = Keyspace.NowMs + 1_000_000;
        for (int i = 0; i < n; i++)
        {
            byte* e = Db.SetString(B($"vk:{i}"), B($"v{i}"));
            Db.SetExpire(e, future);
        }
        Assert.That(Db.VolatileCount, Is.EqualTo(n));
        for (int i = 0; i < n; i++)
        {
            byte* e = Db.SetString(B($"vk:{i}"), B(new string('x', 20 + i % 25) + i), keepTtl: true);   // entries move
            if (i % 2 == 1) Db.SetExpire(e, past);
        }
        Assert.That(Db.VolatileCount, Is.EqualTo(n));
        for (int i = 0; i < n; i += 2)
            Assert.That(Get($"vk:{i}"), Is.EqualTo(new string('x', 20 + i % 25) + i));
        // Overwriting without KEEPTTL drops the TTL and its block: back to the small entry.
        byte* plain = Db.SetString("vk:0"u8, "plain"u8);
        Assert.That(ValueHeader.HasExpire(Database.Header(plain)), Is.False);
        Assert.That(Database.Header(plain)->HasExpireBlock, Is.False);
        Assert.That(Keyspace.Arena.UsableSize(plain), Is.EqualTo((nuint)(16 + 4 + 12 + 5 <= 48 ? 48 : 0)));
        Assert.That(Db.VolatileCount, Is.EqualTo(n - 1));

        long deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 10;
        while (Db.VolatileCount > n / 2 - 1) Assert.That(Db.ActiveExpire(20, 0, deadline), Is.True);
        Assert.That(Db.VolatileCount, Is.EqualTo(n / 2 - 1));
        for (int i = 1; i < n; i += 2) Assert.That(Db.Exists(B($"vk:{i}")), Is.False);
        for (int i = 2; i < n; i += 2)
        {
            byte* e = Db.Table.Find(B($"vk:{i}"));
            Assert.That(ValueHeader.ExpireAt(Database.Header(e)), Is.EqualTo(future));
        }
        Assert.That(Get("vk:0"), Is.EqualTo("plain"));
    }

    [Test]
    public void MoveAndCopyCarryTheTtlAndTheValue()
    {
        long at = Keyspace.NowMs + 60_000;
        byte* src = Db.SetExpire(Db.SetString("src"u8, "some value"u8), at);
        byte* copy = Db.CopyValueFrom(src, "copy"u8);
        Assert.That(Str(Database.Header(copy)), Is.EqualTo("some value"));
        Assert.That(ValueHeader.ExpireAt(Database.Header(copy)), Is.EqualTo(at));
        Database other = Keyspace.Databases[1];
        byte* moved = other.MoveValueFrom(Db, Db.Table.Find("src"u8), "dst"u8);
        Assert.That(Str(Database.Header(moved)), Is.EqualTo("some value"));
        Assert.That(ValueHeader.ExpireAt(Database.Header(moved)), Is.EqualTo(at));
        Assert.That(other.VolatileCount, Is.EqualTo(1));
        Assert.That(Db.VolatileCount, Is.EqualTo(1), "only the copy is left here");
        Assert.That(Db.Exists("src"u8), Is.False);

        // A key without TTL copies without a block.
        byte* plain = Db.SetString("plain"u8, "p"u8);
        byte* plainCopy = Db.CopyValueFrom(plain, "plain2"u8);
        Assert.That(Database.Header(plainCopy)->HasExpireBlock, Is.False);
        Assert.That(Str(Database.Header(plainCopy)), Is.EqualTo("p"));
    }

    [Test]
    public void CollectionsKeepTheirDataWhenTheBlockIsInserted()
    {
        // The database's volatile-key list is allocated on first use and kept: warm it up first.
        Db.SetExpire(Db.SetString("warm"u8, "w"u8), Keyspace.NowMs + 1000);
        Assert.That(Db.Delete("warm"u8), Is.True);
        long baseline = Keyspace.Arena.UsedBytes;
        byte* e = Db.Add("h"u8, DataType.Hash, ValueEncoding.ListPack, 8);
        HashValue.InitEmpty(Keyspace, Database.Header(e));
        for (int i = 0; i < 300; i++)   // past the listpack limit: a hashtable with a field TTL heap
            HashValue.SetField(Keyspace, Database.Header(e), B($"f{i}"), B($"v{i}"), i == 7 ? Keyspace.NowMs + 50_000 : -1, false, 128, 64);
        Assert.That(HashValue.HasVolatileFields(Database.Header(e)), Is.True);
        e = Db.SetExpire(e, Keyspace.NowMs + 100_000);
        ValueHeader* h = Database.Header(e);
        Assert.That(HashValue.HasVolatileFields(h), Is.True, "flags and the heap pointer survive the move");
        Assert.That(HashValue.Count(Keyspace, h), Is.EqualTo(300));
        Assert.That(HashValue.NextFieldExpire(h), Is.EqualTo(Keyspace.NowMs + 50_000));
        Assert.That(Db.Delete("h"u8), Is.True);
        Assert.That(Keyspace.Arena.UsedBytes, Is.EqualTo(baseline), "every byte given back");
    }
}
