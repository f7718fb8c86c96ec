namespace Valkey.Native.Storage;

/// <summary>
/// Type-dispatched operations on the memory a value owns outside its keyspace entry.
/// Each value family adds its case here (one switch, not one virtual object per key).
/// </summary>
public static unsafe class ValueMemory
{
    /// <summary>Frees the out-of-line memory of a value (not the entry itself).</summary>
    public static void Free(Keyspace keyspace, ValueHeader* header)
    {
        switch (header->Type)
        {
            case DataType.String:
                if (header->Encoding == ValueEncoding.Raw) keyspace.Arena.Free(ValueHeader.PointerAt(header));
                break;
            case DataType.Hash:
                HashValue.Free(keyspace, header);
                break;
            case DataType.List:
                ListValue.Free(keyspace, header);
                break;
            case DataType.Set:
                SetValue.Free(keyspace, header);
                break;
            case DataType.SortedSet:
                SortedSetValue.Free(keyspace, header);
                break;
            case DataType.Stream:
                StreamValue.Free(keyspace, header);
                break;
        }
    }

    /// <summary>
    /// Deep-copies the out-of-line memory of <paramref name="source"/> into <paramref name="target"/>,
    /// whose header and inline data were already copied byte for byte (COPY).
    /// </summary>
    public static void CloneInto(Keyspace keyspace, ValueHeader* source, ValueHeader* target)
    {
        switch (source->Type)
        {
            case DataType.String:
                if (source->Encoding == ValueEncoding.Raw)
                {
                    byte* block = keyspace.Arena.Alloc((nuint)Math.Max(source->Length, 1));
                    Buffer.MemoryCopy(ValueHeader.PointerAt(source), block, source->Length, source->Length);
                    ValueHeader.SetPointer(target, block);
                }
                break;
            case DataType.Hash:
                HashValue.CloneInto(keyspace, source, target);
                break;
            case DataType.List:
                ListValue.CloneInto(keyspace, source, target);
                break;
            case DataType.Set:
                SetValue.CloneInto(keyspace, source, target);
                break;
            case DataType.SortedSet:
                SortedSetValue.CloneInto(keyspace, source, target);
                break;
            case DataType.Stream:
                StreamValue.CloneInto(keyspace, source, target);
                break;
        }
    }

    /// <summary>
    /// Valkey's lazyfreeGetFreeEffort: roughly how many allocations freeing the value takes
    /// (elements of a hash table or skiplist, nodes of a quicklist; 1 for a single block).
    /// </summary>
    public static long FreeEffort(Keyspace keyspace, ValueHeader* header) => (header->Type, header->Encoding) switch
    {
        (DataType.List, ValueEncoding.QuickList) => ListValue.NodeCount(header),
        (DataType.Set, ValueEncoding.HashTable) => SetValue.Count(keyspace, header),
        (DataType.Hash, ValueEncoding.HashTable) => HashValue.Count(keyspace, header),
        (DataType.SortedSet, ValueEncoding.SkipList) => SortedSetValue.Count(keyspace, header),
        (DataType.Stream, _) => StreamValue.FreeEffort(header) + StreamGroups.FreeEffort(keyspace, StreamValue.GroupsRef(header)),
        _ => 1,
    };

    /// <summary>A key-table visitor that frees each entry's value (FLUSHDB, and flushed tables on the lazy-free worker).</summary>
    public readonly struct EntryValueFreer(Keyspace keyspace) : IKeyTableVisitor
    {
        public void Visit(byte* entry) => Free(keyspace, Database.Header(entry));
    }

    /// <summary>Inline data size of a value as stored in its entry (after the header).</summary>
    public static int InlineDataSize(ValueHeader* header) => header->Type == DataType.String && header->Encoding == ValueEncoding.EmbStr
        ? header->Length
        : 8;

    /// <summary>
    /// The managed part of a large collection: hashtable hashes and sets and skiplist sorted sets
    /// hold a <see cref="KeyTable"/> object (by handle), whose own bytes are on the GC heap.
    /// </summary>
    private static long ManagedBytes(ValueHeader* header) =>
        (header->Type, header->Encoding) is (DataType.Hash, ValueEncoding.HashTable) or (DataType.Set, ValueEncoding.HashTable)
            or (DataType.SortedSet, ValueEncoding.SkipList)
            ? KeyTable.ManagedObjectBytes
            : 0;

    /// <summary>Bytes used by the value's out-of-line memory (MEMORY USAGE, DEBUG OBJECT).</summary>
    public static long OutOfLineBytes(Keyspace keyspace, ValueHeader* header) => ManagedBytes(header) + header->Type switch
    {
        DataType.String when header->Encoding == ValueEncoding.Raw => (long)keyspace.Arena.UsableSize(ValueHeader.PointerAt(header)),
        DataType.Hash => HashValue.MemoryBytes(keyspace, header),
        DataType.List => ListValue.MemoryBytes(keyspace, header),
        DataType.Set => SetValue.MemoryBytes(keyspace, header),
        DataType.SortedSet => SortedSetValue.MemoryBytes(keyspace, header),
        DataType.Stream => StreamValue.MemoryBytes(keyspace, header),
        _ => 0,
    };
}
