using System.Runtime.InteropServices;

namespace Valkey.Native.Networking;

/// <summary>
/// Pool of fixed-size unmanaged I/O chunks shared by every connection's query and reply
/// buffers. Used only on the event-loop thread. Retains at most <see cref="MaxRetainedChunks"/>
/// free chunks so a burst (a 100 MB reply) does not pin memory forever.
/// </summary>
public sealed unsafe class IoBufferPool : IDisposable
{
    public const int ChunkSize = 16 * 1024;
    public const int MaxRetainedChunks = 512;

    private readonly Stack<nint> _free = new();

    /// <summary>Bytes currently handed out (query buffers, reply chunks, big blocks).</summary>
    public long BytesInUse { get; private set; }

    /// <summary>Bytes held by the pool but not in use.</summary>
    public long BytesRetained => (long)_free.Count * ChunkSize;

    public byte* RentChunk()
    {
        BytesInUse += ChunkSize;
        if (_free.TryPop(out nint p)) return (byte*)p;
        return (byte*)NativeMemory.Alloc(ChunkSize);
    }

    public void ReturnChunk(byte* chunk)
    {
        BytesInUse -= ChunkSize;
        if (_free.Count < MaxRetainedChunks) _free.Push((nint)chunk);
        else NativeMemory.Free(chunk);
    }

    /// <summary>Allocates a block of any size outside the chunk pool (big bulk strings).</summary>
    public byte* AllocBlock(int size)
    {
        BytesInUse += size;
        return (byte*)NativeMemory.Alloc((nuint)size);
    }

    public byte* ReallocBlock(byte* block, int oldSize, int newSize)
    {
        BytesInUse += newSize - oldSize;
        return (byte*)NativeMemory.Realloc(block, (nuint)newSize);
    }

    public void FreeBlock(byte* block, int size)
    {
        BytesInUse -= size;
        NativeMemory.Free(block);
    }

    /// <summary>Frees a buffer obtained either as a chunk (size == ChunkSize) or as a block.</summary>
    public void Release(byte* buffer, int size)
    {
        if (size == ChunkSize) ReturnChunk(buffer);
        else FreeBlock(buffer, size);
    }

    public void Dispose()
    {
        while (_free.TryPop(out nint p)) NativeMemory.Free((void*)p);
    }
}
