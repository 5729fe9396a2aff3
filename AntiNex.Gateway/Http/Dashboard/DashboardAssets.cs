using System.Reflection;
using Microsoft.AspNetCore.Http;

namespace AntiNex.Gateway.Http.Dashboard;

/// <summary>The dashboard's static files (HTML, CSS, JavaScript), embedded in the gateway binary and read once.</summary>
internal sealed class DashboardAssets
{
    private const string Prefix = "dashboard/";

    private static readonly Dictionary<string, string> ContentTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        [".html"] = "text/html; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".svg"] = "image/svg+xml",
    };

    // The page loads only its own files and talks only to this service: no inline script, no outside origin, no framing.
    private const string ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob:; "
        + "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

    private readonly Dictionary<string, (byte[] Bytes, string ContentType)> _files;

    private DashboardAssets(Dictionary<string, (byte[], string)> files) => _files = files;

    public static DashboardAssets Load()
    {
        var assembly = typeof(DashboardAssets).Assembly;
        var files = new Dictionary<string, (byte[], string)>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            var file = name[Prefix.Length..];
            if (!ContentTypes.TryGetValue(Path.GetExtension(file), out var type)) continue;
            files[file] = (Read(assembly, name), type);
        }
        if (!files.ContainsKey("index.html")) throw new InvalidOperationException("the dashboard's index.html is not embedded in the gateway");
        return new DashboardAssets(files);
    }

    /// <summary>The file, or 404 for a name that is not one of the embedded files (no path is ever opened).</summary>
    public IResult Serve(HttpContext context, string file)
    {
        // On the 404 too: it names the file asked for, and every answer under /dashboard/ keeps the page's rules.
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        if (!_files.TryGetValue(file, out var asset)) return ApiErrors.NotFound($"no dashboard file '{file}'");
        // Small files, and a new gateway version may change them: revalidate rather than cache for long.
        headers.CacheControl = "no-cache";
        return Results.Bytes(asset.Bytes, asset.ContentType);
    }

    private static byte[] Read(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
