namespace Valkey.Native.Commands;

// Placeholder: replaced by the family's implementation.
public static class SetCommands
{
    public static readonly CommandSpec[] Commands = [];
}
