namespace Valkey.Native.Storage;

/// <summary>
/// Integer handles for the few managed structures a value may need (today: the hash table of
/// a hash or set that outgrew its compact encoding). Values store the handle in their arena
/// data, so small values never have a GC object; only large collections do.
/// </summary>
/// <remarks>
/// <see cref="Remove"/> may run on the lazy-free worker while the command thread adds and
/// looks up other handles, so adding and removing are locked (both are rare: once per large
/// collection). <see cref="Get"/> is lock-free: the command thread never asks for a handle
/// that is being removed, and a slot is only reused after its removal completed.
/// </remarks>
public sealed class ObjectHandles
{
    private object?[] _objects = new object?[16];
    private int _count;
    private readonly Stack<int> _free = new();
    private readonly Lock _lock = new();

    public int Add(object value)
    {
        lock (_lock)
        {
            if (_free.TryPop(out int slot))
            {
                _objects[slot] = value;
                return slot;
            }
            if (_count == _objects.Length) Array.Resize(ref _objects, _objects.Length * 2);
            _objects[_count] = value;
            return _count++;
        }
    }

    public T Get<T>(int handle) where T : class => (T)Volatile.Read(ref _objects)[handle]!;

    public void Remove(int handle)
    {
        lock (_lock)
        {
            _objects[handle] = null;
            _free.Push(handle);
        }
    }

    public int Count
    {
        get
        {
            lock (_lock) return _count - _free.Count;
        }
    }

    /// <summary>
    /// Calls <paramref name="visit"/> for every live handle (rare paths: a snapshot capturing the
    /// managed roots of its point in time). Runs under the lock, so the visitor must not add or remove.
    /// </summary>
    public void ForEach(Action<int, object> visit)
    {
        lock (_lock)
        {
            for (int i = 0; i < _count; i++)
            {
                object? value = _objects[i];
                if (value != null) visit(i, value);
            }
        }
    }
}
