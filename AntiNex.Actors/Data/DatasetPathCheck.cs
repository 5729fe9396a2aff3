using AntiNex.Requests;

namespace AntiNex.Data;

/// <summary>Checks a request's dataset paths against the data roots. Lives beside <see cref="DataRoots"/> so that
/// requests stay plain parsed data: Data knows requests, requests know nothing of where files are.</summary>
public static class DatasetPathCheck
{
    /// <summary>A path outside the roots is always an issue; a file that cannot be found is an issue only when
    /// <paramref name="requireFiles"/> (training needs it; validation not), else it becomes a warning.</summary>
    public static IReadOnlyList<RequestIssue> CheckPaths(this AntiNexRequest request, DataRoots roots, bool requireFiles,
        List<string>? warnings = null)
    {
        var issues = new List<RequestIssue>();
        void Check(string? path, string field)
        {
            if (path is null) return;
            try { roots.Resolve(path, field); }
            catch (RequestException e) when (!requireFiles && e.Issues.All(IsNotFound))
            {
                warnings?.AddRange(e.Issues.Select(i => i.ToString()));
            }
            catch (RequestException e) { issues.AddRange(e.Issues); }
        }
        Check(request.Dataset, request.DatasetField);
        Check(request.TestDataset, "test_dataset");
        return issues;
    }

    private static bool IsNotFound(RequestIssue issue) => issue.Message.StartsWith(DataRoots.NotFoundPrefix, StringComparison.Ordinal);
}
