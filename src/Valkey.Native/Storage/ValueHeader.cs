using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Valkey.Native.Storage;

/// <summary>Value types, numbered as Valkey numbers them (OBJ_STRING ...), which RDB also uses.</summary>
public enum DataType : byte
{
    String = 0,
    List = 1,
    Set = 2,
    SortedSet = 3,
    Hash = 4,
    Module = 5,
    Stream = 6,
}

/// <summary>Encodings, numbered as Valkey's OBJ_ENCODING_* constants.</summary>
public enum ValueEncoding : byte
{
    Raw = 0,
    Int = 1,
    HashTable = 2,
    IntSet = 6,
    SkipList = 7,
    EmbStr = 8,
    QuickList = 9,
    Stream = 10,
    ListPack = 11,
}

/// <summary>
/// The header at the start of every key's payload in the keyspace table, followed by the
/// value's data: an inline long (int), inline bytes (embstr) or a pointer to an arena block
/// (raw strings, collections).
/// </summary>
/// <remarks>
/// <para>Layout: <c>[type 1][encoding 1][flags 2][access clock 4][length 4]</c> = 12 bytes, then, only
/// for a key that has (or had) a TTL, a 12-byte expiry block <c>[expireAtMs 8][volatile slot 4]</c>,
/// then the data. Keys without a TTL, nearly all keys in most datasets, so pay 12 header bytes
/// instead of 24 (Valkey likewise keeps expiry times out of the object, in a dict of its own).
/// <see cref="ExpireBlockFlag"/> in the flag word says the block is there; <see cref="Flags"/>
/// hides that bit so value code setting or clearing its own flags cannot disturb it.</para>
/// <para>The payload follows the key unpadded (see <see cref="KeyTable"/>), so fields and data
/// may be unaligned: x64 loads and stores do not care, and nothing here is accessed atomically.</para>
/// <para>Read the expiry only through <see cref="ExpireAt"/>/<see cref="HasExpire"/> on a pointer,
/// never on a copy of the struct (a copy does not include the block): code reading a header
/// through a memory view uses <see cref="HasExpireBlock"/> and <see cref="ExpireOffset"/>.</para>
/// </remarks>
[StructLayout(LayoutKind.Sequential)]
public struct ValueHeader
{
    public const long NoExpire = -1;

    /// <summary>Flag-word bit: the 12-byte expiry block follows the header.</summary>
    public const ushort ExpireBlockFlag = 0x8000;
    /// <summary>Bytes of the optional expiry block.</summary>
    public const int ExpireBlockSize = 12;
    /// <summary>Offset of expireAtMs from the header start, when the block is there.</summary>
    public const int ExpireOffset = 12;
    private const int VolatileSlotOffset = 20;

    public DataType Type;
    public ValueEncoding Encoding;
    private ushort _flagWord;
    /// <summary>LRU clock (seconds) of the last access, or LFU data when an LFU policy is set.</summary>
    public uint AccessClock;
    /// <summary>Byte length of an embstr/raw string (hashes with field TTLs keep half a pointer here).</summary>
    public int Length;

    /// <summary>Size of the header without the expiry block.</summary>
    public const int Size = 12;

    /// <summary>The value's own flags (the expiry-block bit is neither shown nor changed).</summary>
    public ushort Flags
    {
        readonly get => (ushort)(_flagWord & ~ExpireBlockFlag);
        set => _flagWord = (ushort)((value & ~ExpireBlockFlag) | (_flagWord & ExpireBlockFlag));
    }

    public readonly bool HasExpireBlock => (_flagWord & ExpireBlockFlag) != 0;

    /// <summary>Offset of the data from the header start (valid on a copy too).</summary>
    public readonly int DataOffset => (_flagWord & ExpireBlockFlag) != 0 ? Size + ExpireBlockSize : Size;

    /// <summary>Initializes a fresh header (no expiry block, no flags, length 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Init(ValueHeader* header, DataType type, ValueEncoding encoding, uint accessClock)
    {
        header->Type = type;
        header->Encoding = encoding;
        header->_flagWord = 0;
        header->AccessClock = accessClock;
        header->Length = 0;
    }

    /// <summary>Copies type, encoding, flags, clock and length, keeping the target's own expiry-block state.</summary>
    public static unsafe void CopyBase(ValueHeader* source, ValueHeader* target)
    {
        target->Type = source->Type;
        target->Encoding = source->Encoding;
        target->Flags = source->Flags;
        target->AccessClock = source->AccessClock;
        target->Length = source->Length;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe byte* DataOf(ValueHeader* header) => (byte*)header + header->DataOffset;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe byte* PointerAt(ValueHeader* header) => *(byte**)DataOf(header);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void SetPointer(ValueHeader* header, byte* p) => *(byte**)DataOf(header) = p;

    // ---- expiry (Database owns the volatile list; these only read and write the block) ----

    /// <summary>Absolute expiry in Unix milliseconds, or <see cref="NoExpire"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe long ExpireAt(ValueHeader* header) =>
        header->HasExpireBlock ? *(long*)((byte*)header + ExpireOffset) : NoExpire;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe bool HasExpire(ValueHeader* header) => ExpireAt(header) != NoExpire;

    /// <summary>Slot in the database's volatile-key list, or -1.</summary>
    internal static unsafe int VolatileSlot(ValueHeader* header) =>
        header->HasExpireBlock ? *(int*)((byte*)header + VolatileSlotOffset) : -1;

    /// <summary>Writes the block of a header that has one.</summary>
    internal static unsafe void SetExpireFields(ValueHeader* header, long expireAtMs, int volatileSlot)
    {
        System.Diagnostics.Debug.Assert(header->HasExpireBlock);
        *(long*)((byte*)header + ExpireOffset) = expireAtMs;
        *(int*)((byte*)header + VolatileSlotOffset) = volatileSlot;
    }

    internal static unsafe void SetVolatileSlot(ValueHeader* header, int volatileSlot) =>
        *(int*)((byte*)header + VolatileSlotOffset) = volatileSlot;

    /// <summary>Forgets an idle block (no TTL, not in the volatile list); the data bytes after it are not preserved.</summary>
    internal static unsafe void DropExpireBlock(ValueHeader* header)
    {
        System.Diagnostics.Debug.Assert(VolatileSlot(header) < 0);
        header->_flagWord &= unchecked((ushort)~ExpireBlockFlag);
    }

    /// <summary>
    /// Inserts the expiry block (NoExpire, slot -1) between header and <paramref name="dataSize"/>
    /// bytes of data; the header must already have room for them (block and data after it).
    /// </summary>
    internal static unsafe void InsertExpireBlock(ValueHeader* header, int dataSize)
    {
        System.Diagnostics.Debug.Assert(!header->HasExpireBlock);
        byte* data = (byte*)header + Size;
        Buffer.MemoryCopy(data, data + ExpireBlockSize, dataSize, dataSize);   // overlapping: memmove
        header->_flagWord |= ExpireBlockFlag;
        SetExpireFields(header, NoExpire, -1);
    }
}

/// <summary>Names used by TYPE and OBJECT ENCODING.</summary>
public static class ValueNames
{
    public static string TypeName(DataType type) => type switch
    {
        DataType.String => "string",
        DataType.List => "list",
        DataType.Set => "set",
        DataType.SortedSet => "zset",
        DataType.Hash => "hash",
        DataType.Stream => "stream",
        _ => "none",
    };

    public static string EncodingName(ValueEncoding encoding) => encoding switch
    {
        ValueEncoding.Raw => "raw",
        ValueEncoding.Int => "int",
        ValueEncoding.HashTable => "hashtable",
        ValueEncoding.IntSet => "intset",
        ValueEncoding.SkipList => "skiplist",
        ValueEncoding.EmbStr => "embstr",
        ValueEncoding.QuickList => "quicklist",
        ValueEncoding.Stream => "stream",
        ValueEncoding.ListPack => "listpack",
        _ => "unknown",
    };

    /// <summary>Parses a TYPE name as SCAN ... TYPE accepts it; false if unknown.</summary>
    public static bool TryParseType(ReadOnlySpan<byte> name, out DataType type)
    {
        Span<byte> lower = stackalloc byte[8];
        type = DataType.String;
        if (name.Length > lower.Length) return false;
        for (int i = 0; i < name.Length; i++) lower[i] = (byte)(name[i] | (name[i] is >= (byte)'A' and <= (byte)'Z' ? 0x20 : 0));
        var l = lower[..name.Length];
        if (l.SequenceEqual("string"u8)) type = DataType.String;
        else if (l.SequenceEqual("list"u8)) type = DataType.List;
        else if (l.SequenceEqual("set"u8)) type = DataType.Set;
        else if (l.SequenceEqual("zset"u8)) type = DataType.SortedSet;
        else if (l.SequenceEqual("hash"u8)) type = DataType.Hash;
        else if (l.SequenceEqual("stream"u8)) type = DataType.Stream;
        else return false;
        return true;
    }
}
