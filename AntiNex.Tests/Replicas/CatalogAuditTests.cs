using AntiNex.Replicas;

namespace AntiNex.Tests.Replicas;

/// <summary>
/// A node that missed a version or forget notice (DistributedPubSub delivers at most once) learns it from its next
/// catalog reads: a copy older than its card is told the card's version; a copy whose label the catalog stops listing is
/// dropped after two reads in a row, and no copy of it is placed again, while a fresh notice or a new listing keeps it.
/// </summary>
public sealed class CatalogAuditTests
{
    private static readonly Dictionary<string, long> NoCards = [];

    [Fact]
    public void A_copy_behind_its_card_is_brought_to_the_card_version()
    {
        var audit = new CatalogAudit();
        var verdict = audit.Read(Listed("web", "dns"), V(("web", 4), ("dns", 2)),
            V(("web", 3), ("dns", 2), ("new", 0)), []);

        Assert.Equal([("web", 4L)], verdict.CatchUp); // dns is current; new has no card yet (still loading)
        Assert.Empty(verdict.Gone);
    }

    [Fact]
    public void A_label_missing_from_two_reads_in_a_row_is_dropped_and_not_placed_again()
    {
        var audit = new CatalogAudit();
        var copies = new Dictionary<string, long> { ["web"] = 3, ["dns"] = 1 };

        var first = audit.Read(Listed("dns"), NoCards, copies, ["old"]);
        Assert.Empty(first.Gone); // one read: a first version's card may still be on its way
        Assert.False(audit.Forgotten("web"));

        var second = audit.Read(Listed("dns"), NoCards, copies, ["old"]);
        Assert.Equal(["web"], second.Gone);
        Assert.True(audit.Forgotten("web"));
        Assert.True(audit.Forgotten("old")); // heard of through another node's stale report: not placed either
        Assert.False(audit.Forgotten("dns"));

        // Dropped here, "web" is still in a stale report: it stays refused until the catalog lists it again.
        var third = audit.Read(Listed("dns"), NoCards, V(("dns", 1)), ["web"]);
        Assert.Empty(third.Gone);
        Assert.True(audit.Forgotten("web"));
        audit.Read(Listed("dns", "web"), NoCards, V(("dns", 1)), ["web"]);
        Assert.False(audit.Forgotten("web")); // trained again
    }

    [Fact]
    public void A_version_notice_starts_the_count_again()
    {
        var audit = new CatalogAudit();
        var copies = new Dictionary<string, long> { ["web"] = 0 };
        audit.Read(Listed(), NoCards, copies, []);
        audit.Announced("web"); // a new version, whose card is not written yet
        Assert.Empty(audit.Read(Listed(), NoCards, copies, []).Gone);
        Assert.Equal(["web"], audit.Read(Listed(), NoCards, copies, []).Gone);
    }

    [Fact]
    public void Labels_no_longer_held_or_heard_of_are_forgotten_by_the_audit()
    {
        var audit = new CatalogAudit();
        audit.Read(Listed(), NoCards, V(), ["gone"]);
        audit.Read(Listed(), NoCards, V(), ["gone"]);
        Assert.True(audit.Forgotten("gone"));
        audit.Read(Listed(), NoCards, V(), []);
        Assert.False(audit.Forgotten("gone")); // not tracked any more: a later first version starts clean
    }

    private static HashSet<string> Listed(params string[] ids) => [.. ids];

    private static Dictionary<string, long> V(params (string Id, long Version)[] versions)
        => versions.ToDictionary(v => v.Id, v => v.Version);
}
