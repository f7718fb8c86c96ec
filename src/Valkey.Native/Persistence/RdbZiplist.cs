using System.Buffers.Binary;
using Valkey.Native.Util;

namespace Valkey.Native.Persistence;

/// <summary>
/// Reading the pre-listpack compact encodings that RDB files and DUMP payloads of Redis &lt;= 6.2
/// carry (RDB &lt; 10): ziplists (lists, quicklist nodes, small hashes and sorted sets) and zipmaps
/// (hashes of Redis &lt; 2.6). Nothing is kept in these formats: every blob is validated as a whole
/// (Valkey's deep ziplistValidateIntegrity / zipmapValidateIntegrity, always on, since the loader
/// decodes every element anyway) and its elements handed out as byte arrays.
/// </summary>
public static class RdbZiplist
{
    private const int HeaderSize = 10;   // zlbytes u32, zltail u32, zllen u16
    private const byte End = 0xFF;

    /// <summary>
    /// Decodes a ziplist into <paramref name="items"/> (integers formatted as decimal text); false when
    /// the blob breaks any structural rule (sizes, tail offset, prevlen chain, encodings, count).
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<byte> zl, List<byte[]> items)
    {
        if (zl.Length < HeaderSize + 1) return false;
        uint bytes = BinaryPrimitives.ReadUInt32LittleEndian(zl);
        uint tail = BinaryPrimitives.ReadUInt32LittleEndian(zl[4..]);
        int count = BinaryPrimitives.ReadUInt16LittleEndian(zl[8..]);
        if (bytes != zl.Length || zl[^1] != End || tail > zl.Length - 1) return false;
        Span<byte> scratch = stackalloc byte[24];
        int pos = HeaderSize, previousLength = 0, lastStart = HeaderSize, seen = 0;
        int end = zl.Length - 1;
        while (pos < end)
        {
            int start = pos;
            // prevlen: one byte below 254, else 254 then 4 bytes.
            int prevlen;
            if (zl[pos] < 254) { prevlen = zl[pos]; pos += 1; }
            else if (zl[pos] == 254)
            {
                if (pos + 5 > end) return false;
                uint p = BinaryPrimitives.ReadUInt32LittleEndian(zl[(pos + 1)..]);
                if (p > int.MaxValue) return false;
                prevlen = (int)p;
                pos += 5;
            }
            else return false;
            if (prevlen != previousLength) return false;
            if (pos >= end) return false;
            byte enc = zl[pos];
            long dataLength;
            bool isInt = false;
            long value = 0;
            switch (enc >> 6)
            {
                case 0:
                    dataLength = enc & 0x3F;
                    pos += 1;
                    break;
                case 1:
                    if (pos + 2 > end) return false;
                    dataLength = ((enc & 0x3F) << 8) | zl[pos + 1];
                    pos += 2;
                    break;
                case 2:
                    if (pos + 5 > end) return false;
                    dataLength = BinaryPrimitives.ReadUInt32BigEndian(zl[(pos + 1)..]);
                    pos += 5;
                    break;
                default:
                    isInt = true;
                    int width = enc switch
                    {
                        0xC0 => 2, 0xD0 => 4, 0xE0 => 8, 0xF0 => 3, 0xFE => 1,
                        >= 0xF1 and <= 0xFD => 0,
                        _ => -1,
                    };
                    if (width < 0) return false;
                    pos += 1;
                    if (pos + width > end) return false;
                    var d = zl.Slice(pos, width);
                    value = enc switch
                    {
                        0xC0 => BinaryPrimitives.ReadInt16LittleEndian(d),
                        0xD0 => BinaryPrimitives.ReadInt32LittleEndian(d),
                        0xE0 => BinaryPrimitives.ReadInt64LittleEndian(d),
                        0xF0 => (d[0] | (d[1] << 8) | (d[2] << 16)) << 8 >> 8,
                        0xFE => (sbyte)d[0],
                        _ => (enc & 0x0F) - 1,
                    };
                    dataLength = width;
                    break;
            }
            if (pos + dataLength > end) return false;
            if (isInt) items.Add(scratch[..NumberFormatter.FormatInt64(value, scratch)].ToArray());
            else items.Add(zl.Slice(pos, (int)dataLength).ToArray());
            pos += (int)dataLength;
            previousLength = pos - start;
            lastStart = start;
            seen++;
        }
        if (pos != end) return false;
        // The tail offset points at the last entry (at the end marker's position when empty).
        if (seen == 0 ? tail != HeaderSize : tail != lastStart) return false;
        return count == ushort.MaxValue || count == seen;
    }

    /// <summary>
    /// Decodes a zipmap (<c>zmlen, ([len] key [len][free] value [free bytes])*, 0xFF</c>) into
    /// field/value pairs; false when it is malformed (Valkey's zipmapValidateIntegrity, deep).
    /// </summary>
    public static bool TryDecodeZipmap(ReadOnlySpan<byte> zm, List<(byte[] Field, byte[] Value)> pairs)
    {
        if (zm.Length < 2 || zm[^1] != End) return false;
        int declared = zm[0];
        int pos = 1, end = zm.Length - 1, seen = 0;
        while (pos < end)
        {
            if (!ReadZipmapLength(zm, ref pos, end, out int fieldLength)) return false;
            if (pos + fieldLength > end) return false;
            byte[] field = zm.Slice(pos, fieldLength).ToArray();
            pos += fieldLength;
            if (!ReadZipmapLength(zm, ref pos, end, out int valueLength)) return false;
            if (pos >= end) return false;
            int free = zm[pos++];
            if ((long)pos + valueLength + free > end) return false;
            byte[] value = zm.Slice(pos, valueLength).ToArray();
            pos += valueLength + free;
            pairs.Add((field, value));
            seen++;
        }
        // zipmapValidateIntegrity refuses an empty zipmap outright.
        if (pos != end || seen == 0) return false;
        return declared >= 254 || declared == seen;
    }

    private static bool ReadZipmapLength(ReadOnlySpan<byte> zm, ref int pos, int end, out int length)
    {
        length = 0;
        if (pos >= end) return false;
        byte b = zm[pos];
        if (b < 254)
        {
            length = b;
            pos += 1;
            return true;
        }
        if (b != 254 || pos + 5 > end) return false;
        uint l = BinaryPrimitives.ReadUInt32LittleEndian(zm[(pos + 1)..]);
        if (l > int.MaxValue) return false;
        length = (int)l;
        pos += 5;
        return true;
    }
}
