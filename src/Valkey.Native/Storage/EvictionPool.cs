namespace Valkey.Native.Storage;

/// <summary>
/// Valkey's eviction pool (evict.c): the best eviction candidates seen by the last samplings,
/// kept sorted by score in ascending order (the best candidate last). Each eviction samples a
/// few keys per database and merges them here, so candidates found by earlier rounds still
/// compete: this makes the sampled approximation of LRU/LFU/TTL much closer to the exact one.
/// The pool stores key bytes, not entry pointers (entries move and die): a popped candidate
/// must be looked up again and may be a ghost. Key buffers are kept between uses, so steady
/// state eviction allocates nothing (keys over <see cref="CachedKeyBytes"/> get their own array).
/// </summary>
public sealed class EvictionPool
{
    public const int Size = 16;
    public const int CachedKeyBytes = 255;

    private struct Slot
    {
        public bool Used;
        public ulong Score;
        public int DbId;
        public int KeyLength;
        public byte[] Buffer;
    }

    private readonly Slot[] _slots = new Slot[Size];

    public EvictionPool()
    {
        for (int i = 0; i < Size; i++) _slots[i].Buffer = new byte[CachedKeyBytes];
    }

    public int Count
    {
        get
        {
            int n = 0;
            for (int i = 0; i < Size; i++) if (_slots[i].Used) n++;
            return n;
        }
    }

    /// <summary>
    /// Offers a sampled key with its score (higher = better to evict). It goes in sorted order;
    /// when the pool is full it displaces the worst entry, or is dropped if it is worse than all.
    /// </summary>
    public void Insert(ulong score, ReadOnlySpan<byte> key, int dbId)
    {
        int k = 0;
        while (k < Size && _slots[k].Used && _slots[k].Score < score) k++;
        if (k == 0 && _slots[Size - 1].Used) return;
        if (k < Size && !_slots[k].Used)
        {
            // An empty slot: the used ones are always a prefix, so nothing is to its right.
        }
        else if (!_slots[Size - 1].Used)
        {
            // Room on the right: shift k.. one place right, reusing the free last buffer at k.
            byte[] spare = _slots[Size - 1].Buffer;
            for (int i = Size - 1; i > k; i--) _slots[i] = _slots[i - 1];
            _slots[k].Buffer = spare;
        }
        else
        {
            // Full: drop the worst (slot 0), shifting 1..k-1 left, and insert at k-1.
            k--;
            byte[] spare = _slots[0].Buffer;
            for (int i = 0; i < k; i++) _slots[i] = _slots[i + 1];
            _slots[k].Buffer = spare;
        }
        ref Slot slot = ref _slots[k];
        if (key.Length > CachedKeyBytes) slot.Buffer = new byte[key.Length];
        else if (slot.Buffer.Length > CachedKeyBytes) slot.Buffer = new byte[CachedKeyBytes];
        key.CopyTo(slot.Buffer);
        slot.KeyLength = key.Length;
        slot.Score = score;
        slot.DbId = dbId;
        slot.Used = true;
    }

    /// <summary>
    /// Removes the best candidate (highest score) and copies its key into <paramref name="keyBuffer"/>
    /// (grown if needed). Returns the key length, or -1 if the pool is empty.
    /// </summary>
    public int PopBest(ref byte[] keyBuffer, out int dbId, out ulong score)
    {
        for (int k = Size - 1; k >= 0; k--)
        {
            ref Slot slot = ref _slots[k];
            if (!slot.Used) continue;
            if (keyBuffer.Length < slot.KeyLength) keyBuffer = new byte[slot.KeyLength];
            slot.Buffer.AsSpan(0, slot.KeyLength).CopyTo(keyBuffer);
            slot.Used = false;
            dbId = slot.DbId;
            score = slot.Score;
            return slot.KeyLength;
        }
        dbId = -1;
        score = 0;
        return -1;
    }

    public void Clear()
    {
        for (int i = 0; i < Size; i++) _slots[i].Used = false;
    }
}
