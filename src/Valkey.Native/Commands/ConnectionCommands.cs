namespace Valkey.Native.Commands;

// Placeholder: replaced by the family's real implementation.
public static class ConnectionCommands
{
    public static readonly CommandSpec[] Commands = [];
}
