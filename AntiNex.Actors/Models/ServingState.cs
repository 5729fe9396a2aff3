// What a model entity serves, as one immutable value: built from the snapshot on recovery, advanced by events, and
// replaced in one assignment when a new version is stored (a predict sees the old or the new version, never a mix).
namespace AntiNex.Models;

public sealed record ServingState(
    long Version, long HighestVersion, StoredModelSummary? Summary, StoredModelMetrics? Metrics, DateTimeOffset? TrainedUtc,
    byte[]? Artifact)
{
    public static readonly ServingState Empty = new(0, 0, null, null, null, null);

    /// <summary>A stored artifact exists (the network may still have to be loaded from it, or has been).</summary>
    public bool HasModel => Artifact is not null || ArtifactLoaded;

    /// <summary>The artifact was turned into the entity's network and its bytes let go (<see cref="ReleaseArtifact"/>).</summary>
    public bool ArtifactLoaded { get; init; }

    /// <summary>Once the network is loaded the bytes are not needed: dropping them halves a loaded model's memory.</summary>
    public ServingState ReleaseArtifact() => Artifact is null ? this : this with { Artifact = null, ArtifactLoaded = true };

    /// <summary>Numbers keep increasing past an orphan event (a version whose snapshot never got stored).</summary>
    public long NextVersion => Math.Max(Version, HighestVersion) + 1;

    public static ServingState From(StoredModelSnapshot s) => new(s.Version, s.Version, s.Summary, s.Metrics, s.TrainedUtc, s.Artifact);

    /// <summary>An event records a trained version; it serves only once its snapshot is stored (<see cref="Serve"/>).</summary>
    public ServingState Apply(StoredModelTrained e) => this with { HighestVersion = Math.Max(HighestVersion, e.Version) };

    /// <summary>An event newer than the served version whose snapshot is not stored (yet, or ever).</summary>
    public bool IsOrphan(StoredModelTrained e) => e.Version > Version;

    /// <summary>The stored snapshot's version serves from now on.</summary>
    public ServingState Serve(StoredModelSnapshot s) => From(s) with { HighestVersion = Math.Max(HighestVersion, s.Version) };
}
