using AntiNex.Gateway.Cluster;

namespace AntiNex.Gateway.Commands;

/// <summary>
/// The cluster connection of an <c>interactive</c> session. Each line the session reads is parsed and run by the same
/// command tree as the command line; cluster commands run on this connection instead of joining the cluster again.
/// </summary>
internal static class ClusterSession
{
    private static readonly AsyncLocal<GatewayClient?> Current = new();

    /// <summary>The session's client, or null outside an interactive session.</summary>
    public static GatewayClient? Client => Current.Value;

    /// <summary>Runs <paramref name="body"/> with <paramref name="client"/> as the session's connection.</summary>
    public static async Task<int> RunWithAsync(GatewayClient client, Func<Task<int>> body)
    {
        var previous = Current.Value;
        Current.Value = client;
        try { return await body(); }
        finally { Current.Value = previous; }
    }
}
