using System.Runtime.CompilerServices;

namespace Valkey.Native.Protocol;

/// <summary>
/// The arguments of one parsed command, as (offset, length) pairs into the connection's
/// read buffer. Reused for every command of a connection, so parsing allocates nothing
/// in steady state; it only grows when a command has more arguments than ever before.
/// </summary>
public sealed class ArgList
{
    private int[] _offsets;
    private int[] _lengths;

    public ArgList(int initialCapacity = 16)
    {
        _offsets = new int[initialCapacity];
        _lengths = new int[initialCapacity];
    }

    public int Count { get; private set; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(int offset, int length)
    {
        if (Count == _offsets.Length) Grow();
        _offsets[Count] = offset;
        _lengths[Count] = length;
        Count++;
    }

    public void Clear() => Count = 0;

    /// <summary>Drops arguments from <paramref name="count"/> on (used by incremental parsing).</summary>
    public void Truncate(int count) => Count = count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int OffsetAt(int index) => _offsets[index];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int LengthAt(int index) => _lengths[index];

    /// <summary>Shifts every offset by <paramref name="delta"/> (after the buffer was compacted).</summary>
    public void Rebase(int delta)
    {
        for (int i = 0; i < Count; i++) _offsets[i] += delta;
    }

    private void Grow()
    {
        int newSize = _offsets.Length * 2;
        Array.Resize(ref _offsets, newSize);
        Array.Resize(ref _lengths, newSize);
    }
}
