namespace AntiNex.Learning;

/// <summary>What an artifact holds: the model's description, its named float tensors (network weights) and its named
/// byte blobs (a tree ensemble's model). Deconstructs to (State, Weights).</summary>
internal sealed record ArtifactContent(ModelState State, List<(string Name, long[] Shape, float[] Data)> Weights,
    List<(string Name, byte[] Data)> Blobs)
{
    public void Deconstruct(out ModelState state, out List<(string Name, long[] Shape, float[] Data)> weights)
        => (state, weights) = (State, Weights);
}
