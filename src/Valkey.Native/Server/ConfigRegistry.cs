namespace Valkey.Native.Server;

// Placeholder: replaced by the configuration registry.
public sealed class ConfigFileException(string message) : Exception(message);

public sealed class ConfigRegistry(ServerConfig config)
{
    public ServerConfig Config { get; } = config;
    public ServerContext? Server { get; set; }
    public void LoadStartup(string[] args) { }
}
