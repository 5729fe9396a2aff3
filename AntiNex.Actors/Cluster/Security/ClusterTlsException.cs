namespace AntiNex.Cluster.Security;

/// <summary>A member cannot start its secure transport: the message names the setting and the problem.</summary>
public sealed class ClusterTlsException(string message, Exception? inner = null) : Exception(message, inner);
