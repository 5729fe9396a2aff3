using AntiNex.Tests.Infrastructure;

namespace AntiNex.Tests.Deploy;

/// <summary>deploy/k8s/network-policy.yaml, read from the file (no cluster here): the nodes' akka.tcp port admits the
/// cluster's members only (nodes and the gateway), not every pod of the app.</summary>
public sealed class NetworkPolicyTests
{
    [Fact]
    public void Only_nodes_and_the_gateway_reach_the_nodes_cluster_port()
    {
        var policy = File.ReadAllText(Path.Combine(Repo.Root, "deploy", "k8s", "network-policy.yaml"))
            .Split("\n---").Single(d => d.Contains("\n  name: antinex-node\n"));
        var rule = policy[policy.IndexOf("ingress:", StringComparison.Ordinal)..];
        rule = rule[..rule.IndexOf("port: 4053", StringComparison.Ordinal)];
        var selectors = rule.Split('\n').Where(l => l.Contains("podSelector:")).Select(l => l.Trim()).ToList();
        Assert.Equal(
            ["- podSelector: { matchLabels: { app.kubernetes.io/name: antinex-node } }",
             "- podSelector: { matchLabels: { app.kubernetes.io/name: antinex-gateway } }"], selectors);
        // Redis carries the app's part-of label: a selector on it would let Redis (or anything labelled so) in.
        Assert.DoesNotContain("part-of", rule);
    }
}
