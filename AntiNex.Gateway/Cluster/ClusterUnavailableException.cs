namespace AntiNex.Gateway.Cluster;

/// <summary>No model node could answer a cluster-wide question (none is Up, or every one asked failed): the HTTP
/// service answers 503 and the console exits "unreachable". Its own type, so that a programming error that happens to
/// throw <see cref="InvalidOperationException"/> is reported as the internal error it is.</summary>
public sealed class ClusterUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
