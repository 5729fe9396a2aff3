// Who may join: real node processes with mutual TLS (the default) against processes that lack the cluster CA's
// certificate. Strangers' commands fail, the nodes log each refusal with the peer's address, nothing is lost.
using AntiNex.Cluster.Security;
using AntiNex.Models;
using AntiNex.Tests.Infrastructure;
using Xunit.Abstractions;

namespace AntiNex.Tests.Cluster;

[Collection("cluster-processes")]
public sealed class ClusterTrustTests(ITestOutputHelper output) : ClusterTestBase(output)
{
    private static readonly TimeSpan StrangerRun = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Gateways_without_a_cluster_certificate_cannot_join_and_the_model_they_tried_to_forget_survives()
    {
        var node = StartNode(SeedPorts[0]);
        await node.WaitReadyAsync(Ready);
        var gateway = await ConnectGatewayAsync();
        await TrainAsync(gateway, "kept-model");
        var before = TestData.Fingerprint(await PredictAsync(gateway, "kept-model"));

        using var otherCa = new TestPki("Some other CA");
        var selfSigned = TestPki.Shared.SelfSigned("antinex-gateway");
        var foreign = otherCa.Issue("antinex-gateway");
        string[] forget = ["forget", "kept-model", "--seed-node", node.Address, "--timeout", "15s"];
        var strangers = await Task.WhenAll(
            GatewayProcess.RunAsync(StrangerRun, [.. forget, "--insecure"]),
            GatewayProcess.RunAsync(StrangerRun, [.. forget, .. selfSigned.Args]),
            GatewayProcess.RunAsync(StrangerRun, [.. forget, .. foreign.Args]));
        foreach (var (code, stdout, stderr) in strangers)
        {
            Log.Step($"stranger: exit {code}: {stderr.Trim()}");
            Assert.Equal(4, code); // cluster unreachable: the handshake never completes
            Assert.DoesNotContain("forgot", stdout, StringComparison.OrdinalIgnoreCase);
        }

        // No certificate at all and no --insecure, or a certificate the cluster CA did not issue: the gateway itself
        // refuses to start, naming the option to fix.
        var bare = await GatewayProcess.RunAsync(StrangerRun, [.. forget, "--tls-certificate", ""]);
        Assert.Equal(2, bare.ExitCode);
        Assert.Contains("--tls-certificate: missing", OneLine(bare.Stderr));
        var mismatched = await GatewayProcess.RunAsync(StrangerRun, [.. forget, .. TestPki.Shared.SelfSigned("x", trustingClusterCa: true).Args]);
        Assert.Equal(2, mismatched.ExitCode);
        Assert.Contains("not issued by the cluster CA", OneLine(mismatched.Stderr));

        var log = await File.ReadAllTextAsync(node.LogPath);
        Assert.Contains("TLS: refused peer", log);
        // Self-signed and foreign-CA certificates: refused by the CA pin, with the peer's address and subject.
        Assert.Matches(@"TLS: refused peer \S*127\.0\.0\.1\]?:\d+: certificate does not chain to the cluster CA.*" +
                       @"subject CN=antinex-gateway, O=AntiNex, issuer CN=antinex-gateway", log);
        Assert.Matches(@"TLS: refused peer \S*127\.0\.0\.1\]?:\d+: certificate does not chain to the cluster CA.*issuer CN=Some other CA", log);
        // Plaintext: not even a TLS record.
        Assert.Matches(@"Rejected incoming connection from \S*127\.0\.0\.1\]?:\d+\]? due to TLS handshake failure", log);

        var after = await PredictAsync(gateway, "kept-model");
        Assert.Equal(before, TestData.Fingerprint(after));
        Assert.True(((ModelDescription)await gateway.DescribeAsync("kept-model", AskTimeout)).Trained);
        Passed();
    }

    /// <summary>The console wraps long error lines; compare the words, not the layout.</summary>
    private static string OneLine(string text) => System.Text.RegularExpressions.Regex.Replace(text, @"\s+", " ");

    [Fact]
    public async Task A_plaintext_node_cannot_join_a_tls_cluster()
    {
        var node = StartNode(SeedPorts[0]);
        await node.WaitReadyAsync(Ready);
        // Not on a seed address: a TLS member that connects OUT to a listener failing the handshake shuts itself down
        // (Akka.Remote's fail-fast on a TLS handshake failure, exit code 79), so seed addresses must be members'.
        var plaintextPort = FreePorts.Take();
        var plaintext = StartNode(plaintextPort, "--insecure");
        await Assert.ThrowsAsync<TimeoutException>(() => plaintext.WaitReadyAsync(TimeSpan.FromSeconds(20)));
        Assert.Contains("INSECURE", await File.ReadAllTextAsync(plaintext.LogPath)); // it said so at start

        var gateway = await ConnectGatewayAsync();
        var status = await gateway.StatusAsync(AskTimeout);
        Assert.DoesNotContain(status.Members, m => m.Address.EndsWith($":{plaintextPort}"));
        Assert.False(node.HasExited, "the TLS member keeps running");
        Passed();
    }

    [Fact]
    public async Task A_node_refuses_to_start_with_an_expired_certificate_and_says_why()
    {
        var now = DateTimeOffset.UtcNow;
        var expired = TestPki.Shared.Issue("antinex-node-old", now.AddDays(-60), now.AddDays(-1));
        var node = StartNode(SeedPorts[0], expired.Args);
        Assert.True(await node.WaitForExitAsync(TimeSpan.FromSeconds(60)), "a node with an expired certificate must not start");
        Assert.Matches(@"--tls-certificate \S+: expired on \d{4}-\d\d-\d\d", node.Tail());
        Passed();
    }

    [Fact]
    public void Certificates_are_checked_before_the_transport_starts()
    {
        var now = DateTimeOffset.UtcNow;
        string Problem(ClusterTlsSettings s) => Assert.Throws<ClusterTlsException>(() => ClusterCredentials.Load(s)).Message;

        var good = TestPki.Node;
        Assert.Contains("CN=antinex-node", ClusterCredentials.Load(good.Settings).Subject);
        Assert.Contains("file not found", Problem(good.Settings with { CertificatePath = "/nonexistent/node.p12" }));
        Assert.Contains("--tls-password-file: missing", Problem(good.Settings with { PasswordFile = null }));
        Assert.Contains("--tls-ca: missing", Problem(good.Settings with { CaPath = null }));
        Assert.Contains("not valid yet", Problem(TestPki.Shared.Issue("future", now.AddDays(1), now.AddDays(30)).Settings));
        Assert.Contains("expired on", Problem(TestPki.Shared.Issue("past", now.AddDays(-30), now.AddDays(-1)).Settings));
        Assert.Contains("no private key", Problem(TestPki.Shared.WithoutKey("bare").Settings));
        var wrongPassword = Path.Combine(TestPki.Shared.Directory, "wrong.password");
        File.WriteAllText(wrongPassword, "not-the-password\n");
        Assert.Contains("wrong password", Problem(good.Settings with { PasswordFile = wrongPassword }));
        Assert.Contains("not issued by the cluster CA", Problem(TestPki.Shared.SelfSigned("x", trustingClusterCa: true).Settings));
        using var other = new TestPki("Other CA");
        Assert.Contains("not issued by the cluster CA", Problem(other.Issue("y").Settings with { CaPath = TestPki.Shared.CaPath }));
        Passed();
    }
}
