namespace Valkey.Native.Storage;

/// <summary>
/// Integer handles for the few managed structures a value may need (today: the hash table of
/// a hash that outgrew its listpack). Values store the handle in their arena data, so small
/// values never have a GC object; only large collections do.
/// </summary>
public sealed class ObjectHandles
{
    private readonly List<object?> _objects = new();
    private readonly Stack<int> _free = new();

    public int Add(object value)
    {
        if (_free.TryPop(out int slot))
        {
            _objects[slot] = value;
            return slot;
        }
        _objects.Add(value);
        return _objects.Count - 1;
    }

    public T Get<T>(int handle) where T : class => (T)_objects[handle]!;

    public void Remove(int handle)
    {
        _objects[handle] = null;
        _free.Push(handle);
    }

    public int Count => _objects.Count - _free.Count;
}
