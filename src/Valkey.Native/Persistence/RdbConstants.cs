namespace Valkey.Native.Persistence;

/// <summary>RDB format numbers (Valkey's rdb.h): opcodes, object types, length and string encodings.</summary>
public static class RdbConstants
{
    /// <summary>
    /// The version this server writes when the content allows it: 10, the format of Redis 7.0, so
    /// that files and DUMP payloads load into Redis 7.0 and every Valkey (7.2-9.x accept it). Only a
    /// hash with field TTLs needs more: then the file or payload is version 80 (Valkey 9.0's
    /// "VALKEY080", type <see cref="TypeHash2"/>), which only Valkey 9+ reads.
    /// </summary>
    public const int WriteVersion = 10;
    public const int FieldTtlVersion = 80;
    /// <summary>
    /// Newest version read: 81, what Valkey 9.2 writes. Its only addition, the path-hash type (23), is not
    /// supported: such a key fails with "Unknown RDB encoding type 23", every other key of the file loads.
    /// </summary>
    public const int MaxReadVersion = 81;
    public const int ForeignVersionMin = 12;
    public const int ForeignVersionMax = 79;

    public const byte Len6Bit = 0;
    public const byte Len14Bit = 1;
    public const byte Len32Bit = 0x80;
    public const byte Len64Bit = 0x81;
    public const byte EncVal = 3;

    public const byte EncInt8 = 0;
    public const byte EncInt16 = 1;
    public const byte EncInt32 = 2;
    public const byte EncLzf = 3;

    public const byte TypeString = 0;
    public const byte TypeList = 1;
    public const byte TypeSet = 2;
    public const byte TypeZset = 3;
    public const byte TypeHash = 4;
    public const byte TypeZset2 = 5;
    public const byte TypeModulePreGa = 6;
    public const byte TypeModule2 = 7;
    public const byte TypeHashZipmap = 9;
    public const byte TypeListZiplist = 10;
    public const byte TypeSetIntset = 11;
    public const byte TypeZsetZiplist = 12;
    public const byte TypeHashZiplist = 13;
    public const byte TypeListQuicklist = 14;
    public const byte TypeStreamListpacks = 15;
    public const byte TypeHashListpack = 16;
    public const byte TypeZsetListpack = 17;
    public const byte TypeListQuicklist2 = 18;
    public const byte TypeStreamListpacks2 = 19;
    public const byte TypeSetListpack = 20;
    public const byte TypeStreamListpacks3 = 21;
    public const byte TypeHash2 = 22;

    public const byte OpSlotImport = 243;
    public const byte OpSlotInfo = 244;
    public const byte OpFunction2 = 245;
    public const byte OpFunctionPreGa = 246;
    public const byte OpModuleAux = 247;
    public const byte OpIdle = 248;
    public const byte OpFreq = 249;
    public const byte OpAux = 250;
    public const byte OpResizeDb = 251;
    public const byte OpExpireTimeMs = 252;
    public const byte OpExpireTime = 253;
    public const byte OpSelectDb = 254;
    public const byte OpEof = 255;

    /// <summary>Quicklist node containers (quicklist.h).</summary>
    public const int ContainerPlain = 1;
    public const int ContainerPacked = 2;

    /// <summary>The oldest type a version may contain, for a reader checking a file's claims (types newer than the file are corrupt).</summary>
    public static int MinVersionForType(byte type) => type switch
    {
        TypeHashListpack or TypeZsetListpack or TypeListQuicklist2 or TypeStreamListpacks2 => 10,
        TypeSetListpack or TypeStreamListpacks3 => 11,
        TypeHash2 => 80,
        _ => 1,
    };

    public static string TypeName(int type) => type switch
    {
        TypeString => "string",
        TypeList => "list-linkedlist",
        TypeSet => "set-hashtable",
        TypeZset => "zset-v1",
        TypeHash => "hash-hashtable",
        TypeZset2 => "zset-v2",
        TypeModulePreGa => "module-pre-release",
        TypeModule2 => "module-value",
        TypeHashZipmap => "hash-zipmap",
        TypeListZiplist => "list-ziplist",
        TypeSetIntset => "set-intset",
        TypeZsetZiplist => "zset-ziplist",
        TypeHashZiplist => "hash-ziplist",
        TypeListQuicklist => "quicklist",
        TypeStreamListpacks => "stream",
        TypeHashListpack => "hash-listpack",
        TypeZsetListpack => "zset-listpack",
        TypeListQuicklist2 => "quicklist-v2",
        TypeStreamListpacks2 => "stream-v2",
        TypeSetListpack => "set-listpack",
        TypeStreamListpacks3 => "stream-v3",
        TypeHash2 => "hash-hashtable-with-ttl",
        _ => "unknown",
    };
}

/// <summary>A malformed or unsupported RDB file or payload: the loader stops with this message.</summary>
public class RdbFormatException(string message) : Exception(message);

/// <summary>
/// A value with no elements (Valkey's RDB_LOAD_ERR_EMPTY_KEY): RESTORE refuses it, loading a file
/// skips the key with a notice ("rdbLoadObject skipping empty key"), as Valkey does.
/// </summary>
public sealed class RdbEmptyKeyException() : RdbFormatException("Empty keys are not allowed");
