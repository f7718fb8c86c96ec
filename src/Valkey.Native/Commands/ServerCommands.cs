namespace Valkey.Native.Commands;

// Placeholder: replaced by the family's real implementation.
public static class ServerCommands
{
    public static readonly CommandSpec[] Commands = [];
}
