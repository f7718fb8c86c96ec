using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Valkey.Native.Storage;

/// <summary>
/// Seeded 64-bit hash for keys: SipHash-1-2, the variant Valkey uses for its dictionaries.
/// A keyed PRF is what keeps a client from crafting keys that all land in one bucket
/// (hash flooding); with a random seed per process, collisions cannot be precomputed.
/// One compression round per 8 bytes and two finalization rounds make it cheap for the
/// short keys a keyspace mostly holds.
/// </summary>
public static class KeyHash
{
    /// <summary>Hashes <paramref name="data"/> under a 64-bit seed.</summary>
    /// <remarks>SipHash takes a 128-bit key; the second half is derived from the seed.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Hash(ReadOnlySpan<byte> data, ulong seed) =>
        SipHash12(data, seed, DeriveSecondKeyHalf(seed));

    /// <summary>The second 64 bits of the SipHash key for a given seed (a SplitMix64 step).</summary>
    public static ulong DeriveSecondKeyHalf(ulong seed)
    {
        ulong z = seed + 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>SipHash-1-2 with an explicit 128-bit key (k0, k1), little-endian as in the reference.</summary>
    public static ulong SipHash12(ReadOnlySpan<byte> data, ulong k0, ulong k1)
    {
        ulong v0 = k0 ^ 0x736F6D6570736575UL;
        ulong v1 = k1 ^ 0x646F72616E646F6DUL;
        ulong v2 = k0 ^ 0x6C7967656E657261UL;
        ulong v3 = k1 ^ 0x7465646279746573UL;

        ref byte start = ref MemoryMarshal.GetReference(data);
        int length = data.Length;
        int wholeWords = length & ~7;
        for (int offset = 0; offset < wholeWords; offset += 8)
        {
            ulong m = ReadLittleEndian64(ref Unsafe.Add(ref start, offset));
            v3 ^= m;
            Round(ref v0, ref v1, ref v2, ref v3);
            v0 ^= m;
        }

        ulong last = ((ulong)length << 56) | ReadTail(ref Unsafe.Add(ref start, wholeWords), length & 7);
        v3 ^= last;
        Round(ref v0, ref v1, ref v2, ref v3);
        v0 ^= last;

        v2 ^= 0xFF;
        Round(ref v0, ref v1, ref v2, ref v3);
        Round(ref v0, ref v1, ref v2, ref v3);
        return v0 ^ v1 ^ v2 ^ v3;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Round(ref ulong v0, ref ulong v1, ref ulong v2, ref ulong v3)
    {
        v0 += v1; v1 = BitOperations.RotateLeft(v1, 13); v1 ^= v0; v0 = BitOperations.RotateLeft(v0, 32);
        v2 += v3; v3 = BitOperations.RotateLeft(v3, 16); v3 ^= v2;
        v0 += v3; v3 = BitOperations.RotateLeft(v3, 21); v3 ^= v0;
        v2 += v1; v1 = BitOperations.RotateLeft(v1, 17); v1 ^= v2; v2 = BitOperations.RotateLeft(v2, 32);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong ReadLittleEndian64(ref byte source)
    {
        ulong value = Unsafe.ReadUnaligned<ulong>(ref source);
        return BitConverter.IsLittleEndian ? value : BinaryPrimitives.ReverseEndianness(value);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint ReadLittleEndian32(ref byte source)
    {
        uint value = Unsafe.ReadUnaligned<uint>(ref source);
        return BitConverter.IsLittleEndian ? value : BinaryPrimitives.ReverseEndianness(value);
    }

    /// <summary>
    /// The 0..7 trailing bytes as a little-endian integer, read with at most two loads and
    /// no per-byte loop: overlapping reads put identical bytes at identical positions.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong ReadTail(ref byte tail, int count)
    {
        if (count >= 4)
        {
            ulong low = ReadLittleEndian32(ref tail);
            ulong high = ReadLittleEndian32(ref Unsafe.Add(ref tail, count - 4));
            return low | (high << ((count - 4) * 8));
        }
        if (count == 0) return 0;
        int middle = count >> 1;
        return tail
               | ((ulong)Unsafe.Add(ref tail, middle) << (middle * 8))
               | ((ulong)Unsafe.Add(ref tail, count - 1) << ((count - 1) * 8));
    }
}
