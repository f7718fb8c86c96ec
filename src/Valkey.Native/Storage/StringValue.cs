using Valkey.Native.Util;

namespace Valkey.Native.Storage;

/// <summary>
/// String values as Valkey encodes them: "int" (a canonical 64-bit integer of at most 20
/// characters, stored as 8 bytes), "embstr" (up to 44 bytes, inline in the key's entry) and
/// "raw" (a separate arena block with room to grow, for APPEND/SETRANGE).
/// </summary>
public static unsafe class StringValue
{
    public const int EmbStrLimit = 44;
    public const long MaxLength = 512L * 1024 * 1024;

    /// <summary>Chooses the encoding Valkey's tryObjectEncoding would pick and the inline data size.</summary>
    public static ValueEncoding ChooseEncoding(ReadOnlySpan<byte> value, out long intValue, out int dataSize)
    {
        if (value.Length <= 20 && NumberParser.TryParseInt64(value, out intValue))
        {
            dataSize = sizeof(long);
            return ValueEncoding.Int;
        }
        intValue = 0;
        if (value.Length <= EmbStrLimit)
        {
            dataSize = value.Length;
            return ValueEncoding.EmbStr;
        }
        dataSize = sizeof(byte*);
        return ValueEncoding.Raw;
    }

    /// <summary>Writes the value into a header whose data area has the size ChooseEncoding asked for.</summary>
    public static void Write(Arena arena, ValueHeader* header, ReadOnlySpan<byte> value, ValueEncoding encoding, long intValue)
    {
        header->Type = DataType.String;
        header->Encoding = encoding;
        byte* data = ValueHeader.DataOf(header);
        switch (encoding)
        {
            case ValueEncoding.Int:
                *(long*)data = intValue;
                header->Length = 0;
                break;
            case ValueEncoding.EmbStr:
                value.CopyTo(new Span<byte>(data, value.Length));
                header->Length = value.Length;
                break;
            default:
                byte* block = arena.Alloc((nuint)Math.Max(value.Length, 1));
                value.CopyTo(new Span<byte>(block, value.Length));
                ValueHeader.SetPointer(header, block);
                header->Length = value.Length;
                header->Encoding = ValueEncoding.Raw;
                break;
        }
    }

    /// <summary>The bytes of a string value; int-encoded values are formatted into <paramref name="scratch"/> (24 bytes).</summary>
    public static ReadOnlySpan<byte> Read(ValueHeader* header, Span<byte> scratch)
    {
        byte* data = ValueHeader.DataOf(header);
        switch (header->Encoding)
        {
            case ValueEncoding.Int:
                return scratch[..NumberFormatter.FormatInt64(*(long*)data, scratch)];
            case ValueEncoding.EmbStr:
                return new ReadOnlySpan<byte>(data, header->Length);
            default:
                return new ReadOnlySpan<byte>(ValueHeader.PointerAt(header), header->Length);
        }
    }

    public static long Length(ValueHeader* header)
    {
        if (header->Encoding != ValueEncoding.Int) return header->Length;
        Span<byte> scratch = stackalloc byte[24];
        return NumberFormatter.FormatInt64(*(long*)ValueHeader.DataOf(header), scratch);
    }

    public static bool TryGetInt64(ValueHeader* header, out long value)
    {
        if (header->Encoding == ValueEncoding.Int)
        {
            value = *(long*)ValueHeader.DataOf(header);
            return true;
        }
        Span<byte> scratch = stackalloc byte[24];
        var bytes = Read(header, scratch);
        return NumberParser.TryParseInt64(bytes, out value);
    }
}
