using Akka.Actor.Setup;

namespace AntiNex.Persistence.Redis;

/// <summary>Hands a connection opened before the actor system to the plugin (see <see cref="RedisConnections"/>).</summary>
public sealed class RedisConnectionSetup(RedisPluginConnection connection) : Setup
{
    public RedisPluginConnection Connection => connection;
}
