// CONTRACT: where datasets may be read from. A request must never read outside these roots.
namespace AntiNex.Data;

public sealed class DataRoots
{
    public IReadOnlyList<string> Roots { get; }
    public DataRoots(IEnumerable<string> roots) => Roots = roots.Select(Path.GetFullPath).ToList();

    /// <summary>Maps a request's dataset path (original AntiNex paths included) to a real file inside a root;
    /// throws RequestException(field) when missing or outside the roots.</summary>
    public string Resolve(string datasetPath, string field = "dataset") => throw new NotImplementedException();
}
