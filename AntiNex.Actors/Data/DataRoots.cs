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
        _realRoots = Roots.Select(r =>
        {
            try { return Directory.Exists(r) ? RealPath(r) : r; }
            catch (IOException e) { throw new IOException($"data root '{r}': {e.Message}", e); } // the operator's own setting
        }).ToList();
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
                string real;
                try { real = RealPath(candidate); }
                catch (IOException e) // a symlink loop, or a file raced into a folder's place: the reason names no path
                {
                    throw new RequestException(field, $"'{datasetPath}' cannot be resolved inside the data roots: {e.Message}");
                }
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

    /// <summary>Longest chain of symlinks followed in one path (Linux's own limit), so that a loop ends.</summary>
    internal const int MaxSymlinks = 40;

    /// <summary>
    /// The real path, as realpath(3) gives it: components are followed one by one from "/"; a symlink's target is put in
    /// front of the components still to follow (an absolute target starts again from "/"), and ".." steps up from the
    /// folder already reached, never lexically: a link "d/../x.csv" through a linked folder d ends beside d's target, as
    /// opening the link does. Throws IOException (naming no path) for a loop or a component above a file.
    /// </summary>
    internal static string RealPath(string path)
    {
        // No lexical clean-up of the path: "a/link/.." must leave link's target, not cancel it.
        var absolute = Path.IsPathRooted(path) ? path : Path.Combine(Directory.GetCurrentDirectory(), path);
        var todo = new Stack<string>(Components(absolute).Reverse());
        var real = new List<string>();
        int links = 0;
        while (todo.Count > 0)
        {
            var part = todo.Pop();
            if (part == ".") continue;
            if (part == "..")
            {
                if (real.Count > 0) real.RemoveAt(real.Count - 1); // ".." of "/" is "/"
                continue;
            }
            var next = Join(real) + part; // not Path.Combine: a part never restarts the path
            if (new FileInfo(next).LinkTarget is { } target)
            {
                if (++links > MaxSymlinks) throw new IOException("too many levels of symbolic links");
                if (target.StartsWith('/')) real.Clear();
                foreach (var p in Components(target).Reverse()) todo.Push(p);
                continue;
            }
            // Only a folder has components below it (the kernel refuses "file/..", and so does this).
            if (todo.Count > 0 && !Directory.Exists(next)) throw new IOException("a component of the path is not a folder");
            real.Add(part);
        }
        return real.Count == 0 ? "/" : Join(real).TrimEnd('/');
    }

    private static string[] Components(string path) => path.Split('/', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>"/a/b/" for [a, b]; "/" for none.</summary>
    private static string Join(List<string> parts) => parts.Count == 0 ? "/" : "/" + string.Join('/', parts) + "/";
}
