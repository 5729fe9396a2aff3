using AntiNex.Tests.Infrastructure;

namespace AntiNex.Tests.Deploy;

/// <summary>
/// Secure by default in deploy/k8s and deploy/docker-compose.yml, read from the files (no cluster or Docker engine
/// here): every pod and container runs as non-root without capabilities or privilege escalation, no pod holds a Kubernetes
/// API token it does not use.
/// </summary>
public sealed class ManifestHardeningTests
{
    private const string ContainerContext = "securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: [ALL] } }";
    private static string K8s(string file) => File.ReadAllText(Path.Combine(Repo.Root, "deploy", "k8s", file));

    [Theory]
    [InlineData("node.yaml")]
    [InlineData("gateway.yaml")]
    [InlineData("redis.yaml")]
    public void Every_pod_runs_non_root_with_no_capabilities_and_no_service_account_token(string file)
    {
        var lines = K8s(file).Split('\n');
        var workloads = lines.Count(l => l.StartsWith("kind: StatefulSet") || l.StartsWith("kind: Deployment"));
        var containers = lines.Count(l => l.TrimStart().StartsWith("image:", StringComparison.Ordinal));
        Assert.True(workloads > 0 && containers > 0, $"{file}: no workload found");
        Assert.Equal(workloads, lines.Count(l => l.Trim() == "automountServiceAccountToken: false"));
        var pods = lines.Where(l => l.Trim().StartsWith("securityContext: { runAsNonRoot: true,", StringComparison.Ordinal)).ToList();
        Assert.Equal(workloads, pods.Count);
        Assert.All(pods, p => Assert.Contains("seccompProfile: { type: RuntimeDefault }", p));
        // Init containers too: each container line carries the same context.
        Assert.Equal(containers, lines.Count(l => l.Trim() == ContainerContext));
    }

    [Fact]
    public void The_namespace_enforces_the_restricted_pod_security_level()
        => Assert.Contains("pod-security.kubernetes.io/enforce: restricted", K8s("namespace.yaml"));

    [Fact]
    public void Every_compose_container_drops_capabilities_and_redis_starts_as_its_own_user()
    {
        var lines = File.ReadAllLines(Path.Combine(Repo.Root, "deploy", "docker-compose.yml"));
        var hardened = Block(lines, "x-hardened: &hardened", 0);
        Assert.Contains("  cap_drop: [ALL]", hardened);
        Assert.Contains("  security_opt: [\"no-new-privileges:true\"]", hardened);
        Assert.Contains("  <<: *hardened", Block(lines, "x-node: &node", 0));
        var services = Block(lines, "services:", 0);
        var names = services.Where(l => l.Length > 2 && l[2] != ' ' && l[2] != '#' && l.EndsWith(':')).Select(l => l.Trim()).ToList();
        Assert.Equal(["redis:", "seed:", "node:", "gateway:"], names);
        foreach (var name in names)
        {
            var service = Block(services, name, 2);
            Assert.True(service.Contains("    <<: *hardened") || service.Contains("    <<: *node"), $"compose service {name} is not hardened");
        }
        Assert.Contains("    user: \"999:999\"", Block(services, "redis:", 2));
    }

    /// <summary>The lines under <paramref name="key"/> (at <paramref name="indent"/> spaces) until the next key as shallow.</summary>
    private static List<string> Block(IReadOnlyList<string> lines, string key, int indent)
    {
        var start = lines.ToList().FindIndex(l => l == new string(' ', indent) + key);
        Assert.True(start >= 0, $"'{key}' not found");
        return lines.Skip(start + 1)
            .TakeWhile(l => l.Trim().Length == 0 || l.TrimStart().StartsWith('#') || l.Length - l.TrimStart().Length > indent).ToList();
    }
}
