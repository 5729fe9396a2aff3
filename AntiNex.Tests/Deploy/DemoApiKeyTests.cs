using System.Text.Json;
using AntiNex.Tests.Infrastructure;

namespace AntiNex.Tests.Deploy;

/// <summary>The demo's API key step (deploy/lib/secrets.sh): when the demo's saved secret is missing, only the `demo`
/// key is replaced; keys a user added to the same file (as the README shows) stay, with their secrets still valid.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class DemoApiKeyTests
{
    [Fact]
    public async Task A_lost_demo_secret_replaces_the_demo_key_only_and_a_kept_one_changes_nothing()
    {
        var run = Directory.CreateTempSubdirectory("antinex-demo-key-").FullName;
        var keys = Path.Combine(run, "api-keys.json");
        try
        {
            var ops = await GatewayProcess.RunAsync(TimeSpan.FromMinutes(1), "serve", "keys", "add", "--id", "ops", "--scopes", "read",
                "--file", keys);
            Assert.True(ops.ExitCode == 0, ops.Stderr);

            await EnsureDemoKey(run);
            var first = File.ReadAllText(Path.Combine(run, "api-key")).Trim();
            Assert.NotEmpty(first);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(run, "api-key")));
            Assert.Equal(["demo", "ops"], KeyIds(keys));

            await EnsureDemoKey(run); // the secret is kept: nothing changes
            Assert.Equal(first, File.ReadAllText(Path.Combine(run, "api-key")).Trim());

            File.Delete(Path.Combine(run, "api-key")); // lost: a new demo key, the user's key stays
            await EnsureDemoKey(run);
            Assert.NotEqual(first, File.ReadAllText(Path.Combine(run, "api-key")).Trim());
            Assert.Equal(["demo", "ops"], KeyIds(keys));
        }
        finally { Directory.Delete(run, recursive: true); }
    }

    private static List<string> KeyIds(string file)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(file));
        var ids = new List<string>();
        void Walk(JsonElement e)
        {
            if (e.ValueKind == JsonValueKind.Object)
                foreach (var p in e.EnumerateObject())
                {
                    if (p.Name == "id" && p.Value.ValueKind == JsonValueKind.String) ids.Add(p.Value.GetString()!);
                    else Walk(p.Value);
                }
            else if (e.ValueKind == JsonValueKind.Array)
                foreach (var item in e.EnumerateArray()) Walk(item);
        }
        Walk(doc.RootElement);
        return ids.Order(StringComparer.Ordinal).ToList();
    }

    private static async Task EnsureDemoKey(string run)
    {
        var gateway = Repo.Dll("AntiNex.Gateway", "antinex-gateway");
        var script = $"source '{Repo.Root}/deploy/lib/secrets.sh' && ensure_demo_api_key \"$1\" dotnet \"$2\"";
        var result = await Bash.LineAsync(script, [run, gateway], TimeSpan.FromMinutes(2));
        Assert.True(result.ExitCode == 0, result.Output);
    }
}
