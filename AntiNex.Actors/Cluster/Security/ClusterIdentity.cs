// This member's certificate subject, readable anywhere the actor system is: the gateway stamps it on the commands it
// sends (RequestOrigin.Subject) so the nodes can record who asked.
using Akka.Actor;

namespace AntiNex.Cluster.Security;

public sealed class ClusterIdentity : IExtension
{
    /// <summary>The subject of this member's certificate; null on a plaintext (--insecure) member.</summary>
    public string? Subject { get; internal set; }

    public static ClusterIdentity Get(ActorSystem system) => system.WithExtension<ClusterIdentity, ClusterIdentityProvider>();
}

public sealed class ClusterIdentityProvider : ExtensionIdProvider<ClusterIdentity>
{
    public override ClusterIdentity CreateExtension(ExtendedActorSystem system) => new();
}
