using System.Runtime.InteropServices;

namespace Valkey.Native.Storage;

/// <summary>
/// Frees large values and whole flushed databases on a background thread (Valkey's lazyfree.c
/// and its bio thread), so UNLINK of a 10M-element collection or FLUSHALL ASYNC returns at once.
/// </summary>
/// <remarks>
/// <para>Handing over: the command thread unlinks the key, copies the value's header and inline
/// data into a small native block, and queues it; the worker frees the value's arena memory
/// through the ordinary type code (<see cref="ValueMemory.Free"/>). A flushed database hands over
/// its whole detached key table.</para>
/// <para>Sharing the arena: before the first job is queued the command thread puts the arena in
/// <see cref="Arena.SharedMode"/>, which serializes arena operations with a lock. The worker
/// reports each finished job; once every queued job is finished, <see cref="LeaveSharedModeIfIdle"/>
/// (called from the server cron on the command thread) switches the lock off again, so the hot
/// path only pays for it while background freeing is actually under way.</para>
/// </remarks>
public sealed unsafe class LazyFree : IDisposable
{
    /// <summary>Valkey's LAZYFREE_THRESHOLD: values cheaper than this to free are freed at once.</summary>
    public const long Threshold = 64;

    private readonly Keyspace _keyspace;
    private readonly Queue<Job> _jobs = new();
    private readonly object _gate = new();
    private Thread? _thread;
    private bool _stopping;
    private long _queued;         // command thread only
    private long _finished;       // written by the worker
    private long _pendingObjects;
    private long _freedObjects;

    private readonly struct Job(byte* valueCopy, KeyTable? table, long objects)
    {
        public readonly byte* ValueCopy = valueCopy;
        public readonly KeyTable? Table = table;
        public readonly long Objects = objects;
    }

    public LazyFree(Keyspace keyspace) => _keyspace = keyspace;

    /// <summary>lazyfree-lazy-server-del: implicit deletes and overwrites free through <see cref="FreeValue"/> (off in bare keyspaces).</summary>
    public bool ServerDel { get; set; }
    /// <summary>lazyfree-lazy-expire: expired keys free through <see cref="FreeValue"/> (off in bare keyspaces).</summary>
    public bool Expire { get; set; }

    /// <summary>Objects queued and not yet freed (INFO lazyfree_pending_objects).</summary>
    public long PendingObjects => Interlocked.Read(ref _pendingObjects);

    /// <summary>Objects freed in the background since the last CONFIG RESETSTAT (INFO lazyfreed_objects).</summary>
    public long FreedObjects => Interlocked.Read(ref _freedObjects);

    public void ResetStats() => Interlocked.Exchange(ref _freedObjects, 0);

    /// <summary>Whether every queued job has finished.</summary>
    public bool Idle => Volatile.Read(ref _finished) == _queued;

    /// <summary>
    /// Valkey's freeObjAsync: queues the out-of-line memory of a value that was already unlinked
    /// from its table when freeing it would take more than <see cref="Threshold"/> steps, else
    /// frees it at once. The caller frees the keyspace entry itself afterwards either way.
    /// </summary>
    public void FreeValue(ValueHeader* header)
    {
        if (ValueMemory.FreeEffort(_keyspace, header) <= Threshold)
        {
            ValueMemory.Free(_keyspace, header);
            return;
        }
        int size = header->DataOffset + ValueMemory.InlineDataSize(header);   // the copy keeps the expiry-block bit, so DataOf agrees
        byte* copy = (byte*)NativeMemory.Alloc((nuint)size);
        Buffer.MemoryCopy(header, copy, size, size);
        Enqueue(new Job(copy, null, 1));
    }

    /// <summary>Valkey's emptyDbAsync: frees every entry of a detached key table, then the table.</summary>
    public void FreeTable(KeyTable table)
    {
        Enqueue(new Job(null, table, table.Count));
    }

    private void Enqueue(Job job)
    {
        _keyspace.Arena.SharedMode = true;
        _queued++;
        Interlocked.Add(ref _pendingObjects, job.Objects);
        lock (_gate)
        {
            _jobs.Enqueue(job);
            if (_thread == null)
            {
                _thread = new Thread(WorkerLoop) { IsBackground = true, Name = "lazyfree" };
                _thread.Start();
            }
            Monitor.Pulse(_gate);
        }
    }

    /// <summary>Command thread, between commands: drops the arena lock once the worker is idle.</summary>
    public void LeaveSharedModeIfIdle()
    {
        if (_keyspace.Arena.SharedMode && Idle) _keyspace.Arena.SharedMode = false;
    }

    /// <summary>Blocks until every queued job has finished (shutdown, tests).</summary>
    public void WaitIdle()
    {
        lock (_gate)
        {
            while (!Idle) Monitor.Wait(_gate);
        }
    }

    private void WorkerLoop()
    {
        while (true)
        {
            Job job;
            lock (_gate)
            {
                while (_jobs.Count == 0 && !_stopping) Monitor.Wait(_gate);
                if (_jobs.Count == 0) return;
                job = _jobs.Dequeue();
            }
            Run(job);
            Interlocked.Add(ref _pendingObjects, -job.Objects);
            Interlocked.Add(ref _freedObjects, job.Objects);
            lock (_gate)
            {
                Interlocked.Increment(ref _finished);
                Monitor.PulseAll(_gate);
            }
        }
    }

    private void Run(Job job)
    {
        if (job.Table != null)
        {
            var freer = new ValueMemory.EntryValueFreer(_keyspace);
            job.Table.Clear(ref freer);
            job.Table.Dispose();
            return;
        }
        ValueMemory.Free(_keyspace, (ValueHeader*)job.ValueCopy);
        NativeMemory.Free(job.ValueCopy);
    }

    public void Dispose()
    {
        Thread? thread;
        lock (_gate)
        {
            _stopping = true;
            thread = _thread;
            Monitor.PulseAll(_gate);
        }
        thread?.Join();
        LeaveSharedModeIfIdle();
    }
}
