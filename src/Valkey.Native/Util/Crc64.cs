namespace Valkey.Native.Util;

/// <summary>
/// CRC-64/Jones as Valkey's crc64.c computes it (polynomial 0xad93d23594c935a9, reflected,
/// initial value 0, no final xor): the checksum of RDB files and DUMP payloads.
/// Check value: crc64("123456789") = 0xe9c6d914c4b8d9ca.
/// </summary>
/// <remarks>Table-driven, slicing by 8: eight tables of 256 entries let one step consume eight bytes.</remarks>
public static class Crc64
{
    private const ulong ReflectedPolynomial = 0x95AC9329AC4BC9B5UL;
    private static readonly ulong[] s_tables = BuildTables();

    private static ulong[] BuildTables()
    {
        var t = new ulong[8 * 256];
        for (int i = 0; i < 256; i++)
        {
            ulong crc = (ulong)i;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ ReflectedPolynomial : crc >> 1;
            t[i] = crc;
        }
        for (int i = 0; i < 256; i++)
        {
            ulong crc = t[i];
            for (int s = 1; s < 8; s++)
            {
                crc = t[crc & 0xFF] ^ (crc >> 8);
                t[s * 256 + i] = crc;
            }
        }
        return t;
    }

    /// <summary>Continues <paramref name="crc"/> (0 to start) over <paramref name="data"/>.</summary>
    public static ulong Update(ulong crc, ReadOnlySpan<byte> data)
    {
        var t = s_tables;
        int i = 0;
        while (data.Length - i >= 8)
        {
            ulong v = crc ^ System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(data[i..]);
            crc = t[7 * 256 + (int)(v & 0xFF)] ^ t[6 * 256 + (int)((v >> 8) & 0xFF)]
                ^ t[5 * 256 + (int)((v >> 16) & 0xFF)] ^ t[4 * 256 + (int)((v >> 24) & 0xFF)]
                ^ t[3 * 256 + (int)((v >> 32) & 0xFF)] ^ t[2 * 256 + (int)((v >> 40) & 0xFF)]
                ^ t[1 * 256 + (int)((v >> 48) & 0xFF)] ^ t[(int)(v >> 56)];
            i += 8;
        }
        for (; i < data.Length; i++) crc = t[(int)((crc ^ data[i]) & 0xFF)] ^ (crc >> 8);
        return crc;
    }

    public static ulong Compute(ReadOnlySpan<byte> data) => Update(0, data);
}
