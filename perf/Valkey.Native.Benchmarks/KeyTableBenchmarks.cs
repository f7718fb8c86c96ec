using System.Text.Unicode;
using BenchmarkDotNet.Attributes;
using Valkey.Native.Storage;

namespace Valkey.Native.Benchmarks;

/// <summary>
/// Hot paths of the keyspace table: lookups (hit and miss), inserts that grow the table through
/// incremental rehashing, and payload resizing (what SET/APPEND over an existing key does).
/// Every operation should report 0 B allocated: keys and entries live in the arena.
/// </summary>
[MemoryDiagnoser]
public unsafe class KeyTableBenchmarks
{
    private const int BatchSize = 100_000;

    [Params(1_000_000)]
    public int KeyCount;

    private Arena _arena = null!;
    private KeyTable _table = null!;
    private byte[] _keyBytes = null!;       // all keys back to back, so key material is not GC objects either
    private int[] _keyOffsets = null!;
    private byte[] _missBytes = null!;
    private int[] _missOffsets = null!;
    private int[] _lookupOrder = null!;     // random order, so lookups miss the cache as real traffic does
    private int[] _distinctOrder = null!;   // random and without repeats: resized entries move, so none may be seen twice

    private Arena _growArena = null!;
    private KeyTable _growTable = null!;
    private byte*[] _resizeEntries = null!;

    [GlobalSetup]
    public void Setup()
    {
        (_keyBytes, _keyOffsets) = BuildKeys("key:", KeyCount);
        (_missBytes, _missOffsets) = BuildKeys("absent:", BatchSize);
        var random = new Random(17);
        _lookupOrder = new int[BatchSize];
        for (int i = 0; i < BatchSize; i++) _lookupOrder[i] = random.Next(KeyCount);
        int[] shuffled = Enumerable.Range(0, KeyCount).ToArray();
        random.Shuffle(shuffled);
        _distinctOrder = shuffled[..BatchSize];

        _arena = new Arena();
        _table = new KeyTable(_arena, 0xBE7C4);
        for (int i = 0; i < KeyCount; i++)
        {
            byte* entry = _table.Add(KeyAt(_keyBytes, _keyOffsets, i), 16);
            *(long*)KeyTable.PayloadOf(entry) = i;
        }
        while (_table.RehashSteps(1000)) { }

        _resizeEntries = new byte*[BatchSize];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _table.Dispose();
        _arena.Dispose();
    }

    private static (byte[] Bytes, int[] Offsets) BuildKeys(string prefix, int count)
    {
        var offsets = new int[count + 1];
        var bytes = new byte[count * (prefix.Length + 11)];
        int at = 0;
        for (int i = 0; i < count; i++)
        {
            offsets[i] = at;
            Utf8.TryWrite(bytes.AsSpan(at), $"{prefix}{i}", out int written);
            at += written;
        }
        offsets[count] = at;
        return (bytes, offsets);
    }

    private static ReadOnlySpan<byte> KeyAt(byte[] bytes, int[] offsets, int i) =>
        bytes.AsSpan(offsets[i], offsets[i + 1] - offsets[i]);

    [Benchmark(OperationsPerInvoke = BatchSize)]
    public long FindHit()
    {
        long sum = 0;
        for (int i = 0; i < BatchSize; i++)
            sum += *(long*)KeyTable.PayloadOf(_table.Find(KeyAt(_keyBytes, _keyOffsets, _lookupOrder[i])));
        return sum;
    }

    [Benchmark(OperationsPerInvoke = BatchSize)]
    public int FindMiss()
    {
        int found = 0;
        for (int i = 0; i < BatchSize; i++)
            if (_table.Find(KeyAt(_missBytes, _missOffsets, i)) != null) found++;
        return found;
    }

    [Benchmark(OperationsPerInvoke = BatchSize)]
    public int FindOrAddExisting()
    {
        int added = 0;
        for (int i = 0; i < BatchSize; i++)
        {
            _table.FindOrAdd(KeyAt(_keyBytes, _keyOffsets, _lookupOrder[i]), 16, out bool wasAdded);
            if (wasAdded) added++;
        }
        return added;
    }

    [IterationSetup(Target = nameof(AddGrowingFromEmpty))]
    public void SetupGrowTable()
    {
        _growArena = new Arena();
        _growTable = new KeyTable(_growArena, 0xBE7C4);
    }

    [IterationCleanup(Target = nameof(AddGrowingFromEmpty))]
    public void CleanupGrowTable()
    {
        _growTable.Dispose();
        _growArena.Dispose();
    }

    /// <summary>Inserts into an empty table, so the cost includes every resize and rehash step on the way.</summary>
    [Benchmark(OperationsPerInvoke = BatchSize)]
    public long AddGrowingFromEmpty()
    {
        for (int i = 0; i < BatchSize; i++)
        {
            byte* entry = _growTable.Add(KeyAt(_keyBytes, _keyOffsets, i), 16);
            *(long*)KeyTable.PayloadOf(entry) = i;
        }
        return _growTable.Count;
    }

    [IterationSetup(Target = nameof(ResizePayloadGrowAndShrink))]
    public void SetupResize()
    {
        for (int i = 0; i < BatchSize; i++) _resizeEntries[i] = _table.Find(KeyAt(_keyBytes, _keyOffsets, _distinctOrder[i]));
    }

    /// <summary>Grows a payload past its size class (the entry moves and is relinked), then shrinks it back.</summary>
    [Benchmark(OperationsPerInvoke = BatchSize * 2)]
    public long ResizePayloadGrowAndShrink()
    {
        long sum = 0;
        for (int i = 0; i < BatchSize; i++)
        {
            byte* entry = _resizeEntries[i];
            entry = _table.ResizePayload(entry, 200);
            entry = _table.ResizePayload(entry, 16);
            _resizeEntries[i] = entry;
            sum += *(long*)KeyTable.PayloadOf(entry);
        }
        return sum;
    }

    [Benchmark(OperationsPerInvoke = BatchSize)]
    public ulong HashOnly()
    {
        ulong acc = 0;
        for (int i = 0; i < BatchSize; i++) acc ^= KeyHash.Hash(KeyAt(_keyBytes, _keyOffsets, i), 0xBE7C4);
        return acc;
    }
}
