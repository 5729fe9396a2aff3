using Akka.Actor;
using AntiNex.Gateway.Cluster;
using AntiNex.Replicas;

namespace AntiNex.Tests.Gateway;

/// <summary>The gateway's table of copies: a writer whose node became unreachable is asked second until a reachable node
/// reports the label's writer again; a forgotten label's copies in reports sent before the forget do not come back.</summary>
public sealed class CopyTableTests
{
    private const string NodeA = "akka.tcp://antinex@a:1", NodeB = "akka.tcp://antinex@b:1";

    [Fact]
    public void A_writer_on_an_unreachable_node_is_asked_second_until_its_label_is_reported_again()
    {
        var table = new CopyTable();
        table.Rebuild([Report(NodeA, writers: ["m", "n"]), Report(NodeB, replicas: new() { ["m"] = 1 })]);
        Assert.False(table.WriterSuspect("m"));

        table.WritersUnreachable(["m", "n"]);
        table.Rebuild([Report(NodeB, replicas: new() { ["m"] = 1 })]);
        Assert.True(table.WriterSuspect("m"));
        Assert.True(table.WriterSuspect("n"));

        // The entity recovered on node B: its writer answers first again.
        table.Rebuild([Report(NodeB, writers: ["m"], replicas: new() { ["n"] = 1 })]);
        Assert.False(table.WriterSuspect("m"));
        Assert.True(table.WriterSuspect("n"));
    }

    [Fact]
    public void A_forgotten_label_stays_forgotten_against_older_reports_until_a_new_version_is_announced()
    {
        var table = new CopyTable();
        table.Rebuild([Report(NodeB, replicas: new() { ["m"] = 3 })]);
        Assert.Equal(3, table.Newest("m"));
        Assert.Single(table.Current("m"));

        table.Forget("m");
        table.Rebuild([Report(NodeB, replicas: new() { ["m"] = 3 })]); // sent before node B heard of the forget
        Assert.Equal(0, table.Newest("m"));
        Assert.Empty(table.Current("m"));

        table.Announced("m", 1); // trained again
        table.Rebuild([Report(NodeB, replicas: new() { ["m"] = 1 })]);
        Assert.Equal(1, table.Newest("m"));
        Assert.Single(table.Current("m"));
    }

    private static CopiesHeld Report(string address, string[]? writers = null, Dictionary<string, long>? replicas = null)
        => new(address, address[^3..], ActorRefs.Nobody, writers ?? [], replicas ?? []);
}
