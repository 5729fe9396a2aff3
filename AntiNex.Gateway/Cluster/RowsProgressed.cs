namespace AntiNex.Gateway.Cluster;

/// <summary>Progress of a predict sent in pieces: rows answered so far (gateway-local, never sent to a node).</summary>
public sealed record RowsProgressed(string Label, long Rows);
