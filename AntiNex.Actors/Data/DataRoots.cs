// CONTRACT: where datasets may be read from. A request must never read outside these roots.
using AntiNex.Requests;

namespace AntiNex.Data;

/// <summary>
/// Dataset path confinement and mapping of the original AntiNex's paths.
/// A relative path (the original's "./tests/datasets/classification/x.csv") or an absolute path of the original's
/// layout ("/opt/antinex/antinex-datasets/v1/.../x.csv") is tried under each root as the full relative path, then
/// with leading folders dropped one by one, down to the bare file name; the first existing file wins.
/// An absolute path inside a root is used as is. Refused: "..", absolute paths outside the roots (other than the
/// original's /opt/antinex/ layout), and files whose real path (symlinks resolved) leaves the roots.
/// Refusals name the request's path and the relative paths tried, never a root's or a link target's absolute path: they
/// reach remote callers (the HTTP API), who have no business learning the node's file system layout.
/// </summary>
public sealed class DataRoots
{
    /// <summary>Message prefix of "file not found" issues, so callers can tell them from confinement errors.</summary>
    public const string NotFoundPrefix = "not found";

    private static readonly string[] OriginalPrefixes = ["/opt/antinex/antinex-datasets/", "/opt/antinex/"];

    public IReadOnlyList<string> Roots { get; }
    private readonly IReadOnlyList<string> _realRoots;

    public DataRoots(IEnumerable<string> roots)
    {
        Roots = roots.Select(Path.GetFullPath).ToList();
        _realRoots = Roots.Select(r => Directory.Exists(r) ? RealPath(r) : r).ToList();
    }

    /// <summary>Maps a request's dataset path (original AntiNex paths included) to a real file inside a root;
    /// throws RequestException(field) when missing or outside the roots.</summary>
    public string Resolve(string datasetPath, string field = "dataset")
    {
        if (string.IsNullOrWhiteSpace(datasetPath)) throw new RequestException(field, "empty path");
        if (datasetPath.IndexOf('\0') >= 0) throw new RequestException(field, "path contains a NUL character");
        var normalized = datasetPath.Replace('\\', '/');
        var parts = normalized.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Any(p => p == ".."))
            throw new RequestException(field, $"'{datasetPath}' contains '..': paths must stay inside the data roots");
        if (Roots.Count == 0)
            throw new RequestException(field, $"{NotFoundPrefix}: no data roots are configured, so '{datasetPath}' cannot be read (use --data-root)");

        List<string> relativeCandidates;
        if (Path.IsPathRooted(normalized))
        {
            var full = Path.GetFullPath(normalized);
            var inside = Roots.FirstOrDefault(r => IsInside(full, r));
            if (inside is not null)
                relativeCandidates = [Path.GetRelativePath(inside, full)];
            else if (OriginalPrefixes.FirstOrDefault(p => normalized.StartsWith(p, StringComparison.Ordinal)) is { } prefix)
                relativeCandidates = Suffixes(normalized[prefix.Length..].Split('/', StringSplitOptions.RemoveEmptyEntries));
            else
                throw new RequestException(field, $"'{datasetPath}' is outside the data roots ({RootsText})");
        }
        else
        {
            relativeCandidates = Suffixes(parts.Where(p => p != ".").ToArray());
        }

        foreach (var rel in relativeCandidates)
        {
            foreach (var (root, realRoot) in Roots.Zip(_realRoots))
            {
                var candidate = Path.GetFullPath(Path.Combine(root, rel));
                if (!IsInside(candidate, root) || !File.Exists(candidate)) continue;
                var real = RealPath(candidate);
                if (!_realRoots.Any(rr => IsInside(real, rr)))
                    throw new RequestException(field, $"'{datasetPath}' resolves through a symlink to a file outside the data roots");
                return candidate;
            }
        }
        throw new RequestException(field,
            $"{NotFoundPrefix}: '{datasetPath}' matches no file under the data roots ({RootsText}); tried " +
            $"{string.Join(", ", relativeCandidates)}");
    }

    /// <summary>The roots as a refusal names them: how many, and where the operator set them.</summary>
    private string RootsText => Roots.Count == 1 ? "the configured --data-root" : $"the {Roots.Count} configured --data-root folders";

    /// <summary>a/b/c.csv -> [a/b/c.csv, b/c.csv, c.csv].</summary>
    private static List<string> Suffixes(string[] parts)
    {
        var list = new List<string>();
        for (int i = 0; i < parts.Length; i++) list.Add(string.Join('/', parts[i..]));
        return list;
    }

    private static bool IsInside(string path, string root)
    {
        var r = root.EndsWith('/') ? root : root + "/";
        return path.StartsWith(r, StringComparison.Ordinal);
    }

    /// <summary>Resolves symlinks in every component (the file and each folder above it).</summary>
    internal static string RealPath(string path)
    {
        var full = Path.GetFullPath(path);
        var parts = full.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var current = "/";
        for (int hops = 0, i = 0; i < parts.Length; i++)
        {
            var next = Path.Combine(current, parts[i]);
            FileSystemInfo info = Directory.Exists(next) ? new DirectoryInfo(next) : new FileInfo(next);
            if (info.LinkTarget is { } target)
            {
                if (++hops > 40) throw new IOException($"too many symlinks under '{path}'");
                var resolved = Path.GetFullPath(target, current);
                // Re-walk the resolved target followed by the remaining components.
                var rest = parts[(i + 1)..];
                parts = [.. resolved.Split('/', StringSplitOptions.RemoveEmptyEntries), .. rest];
                current = "/";
                i = -1;
                continue;
            }
            current = next;
        }
        return current;
    }
}
