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
/// The fixed header at the start of every key's payload in the keyspace table. The value's
/// data follows it: an inline long (int), inline bytes (embstr) or a pointer to an arena
/// block (raw strings, collections).
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public struct ValueHeader
{
    public const long NoExpire = -1;

    public DataType Type;
    public ValueEncoding Encoding;
    public ushort Flags;
    /// <summary>LRU clock (seconds) of the last access, or LFU data when an LFU policy is set.</summary>
    public uint AccessClock;
    /// <summary>Absolute expiry in Unix milliseconds, or <see cref="NoExpire"/>.</summary>
    public long ExpireAtMs;
    /// <summary>Slot in the database's volatile-key list, or -1.</summary>
    public int VolatileIndex;
    /// <summary>Byte length of an embstr/raw string (unused by other encodings).</summary>
    public int Length;

    public static unsafe int Size => sizeof(ValueHeader);

    public readonly bool HasExpire => ExpireAtMs != NoExpire;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe byte* DataOf(ValueHeader* header) => (byte*)header + sizeof(ValueHeader);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe byte* PointerAt(ValueHeader* header) => *(byte**)DataOf(header);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void SetPointer(ValueHeader* header, byte* p) => *(byte**)DataOf(header) = p;
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
