using System.Text.Json;

namespace AntiNex.Gateway.Cluster;

/// <summary>A JSON value as an error message quotes it: its raw text, cut at 40 characters so that a huge value
/// cannot bury the message.</summary>
internal static class RawJson
{
    public static string Shown(JsonElement e) => e.GetRawText() is var raw && raw.Length > 40 ? raw[..40] + "..." : raw;
}
