using System.Runtime.CompilerServices;
using Valkey.Native.Persistence;

namespace Valkey.Native.Storage.Snapshot;

/// <summary>
/// The RDB writer's <see cref="IMemoryView"/> over a <see cref="CowSnapshot"/>: every read copies
/// the bytes as of the snapshot into the caller's scratch space (the live memory may already have
/// changed, so a span over it is never returned).
/// </summary>
public readonly unsafe struct SnapshotMemoryView(CowSnapshot snapshot) : IMemoryView
{
    public ReadOnlySpan<byte> Read(byte* address, int length, Span<byte> scratch)
    {
        if ((uint)length > (uint)scratch.Length)
            throw new ArgumentException("scratch is smaller than the requested length", nameof(scratch));
        Span<byte> target = scratch[..length];
        snapshot.Read(address, target);
        return target;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T ReadStruct<T>(byte* address) where T : unmanaged => snapshot.Read<T>(address);
}
