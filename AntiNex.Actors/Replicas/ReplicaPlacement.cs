// Which nodes hold the read-only copies of a label: rendezvous hashing over the reachable model nodes other than the
// writer's, so every node computes the same answer from the same membership, and a membership change moves only the
// copies of the nodes that came or went.
namespace AntiNex.Replicas;

public static class ReplicaPlacement
{
    /// <summary>Replicas per label when not set: 1 as soon as there is another model node, else none.</summary>
    public static int DefaultReplicas(int? configured) => configured ?? 1;

    public static IReadOnlyList<string> Choose(string modelId, IEnumerable<string> members, string? writer, int replicas)
        => members.Where(m => m != writer).Distinct()
            .OrderByDescending(m => Score(modelId, m)).ThenBy(m => m, StringComparer.Ordinal)
            .Take(Math.Max(0, replicas)).ToList();

    // FNV-1a over "label|member": stable across processes and .NET versions (string.GetHashCode is randomised).
    private static ulong Score(string modelId, string member)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in modelId + "|" + member)
        {
            hash ^= c;
            hash *= 1099511628211UL;
        }
        hash ^= hash >> 33; // finaliser: spread the nearly equal prefixes
        hash *= 0xff51afd7ed558ccdUL;
        hash ^= hash >> 33;
        return hash;
    }
}
