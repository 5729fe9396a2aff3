using System.Text.RegularExpressions;
using System.Xml.Linq;
using AntiNex.Tests.Infrastructure;

namespace AntiNex.Tests.Deploy;

/// <summary>
/// The images of deploy/docker are never built on the development machine (no Docker engine), so what would only fail at
/// `docker run` is checked here from the files: the runtime stage carries every shared framework the program starts
/// with, the entry point runs the dll the project builds, and each Dockerfile's own .dockerignore (the one BuildKit reads)
/// keeps out everything the root one does.
/// </summary>
public sealed partial class ContainerImageTests
{
    private static string DockerDir => Path.Combine(Repo.Root, "deploy", "docker");

    [Theory]
    [InlineData("Dockerfile.node", "AntiNex.Node")]
    [InlineData("Dockerfile.gateway", "AntiNex.Gateway")]
    public void The_runtime_stage_has_every_shared_framework_the_program_needs(string dockerfile, string project)
    {
        var frameworks = Project(project).Descendants("FrameworkReference").Select(r => (string?)r.Attribute("Include")).ToList();
        var image = FromLine().Matches(File.ReadAllText(Path.Combine(DockerDir, dockerfile))).Last().Groups["image"].Value;
        // runtime:<v> holds Microsoft.NETCore.App only: a program needing Microsoft.AspNetCore.App exits at once there.
        if (frameworks.Contains("Microsoft.AspNetCore.App"))
            Assert.True(image.StartsWith("mcr.microsoft.com/dotnet/aspnet:", StringComparison.Ordinal),
                $"{dockerfile}: {project} references Microsoft.AspNetCore.App, but its runtime stage is {image}");
        Assert.StartsWith("mcr.microsoft.com/dotnet/", image);
    }

    [Theory]
    [InlineData("Dockerfile.node", "node-entrypoint.sh", "AntiNex.Node")]
    [InlineData("Dockerfile.gateway", "gateway-entrypoint.sh", "AntiNex.Gateway")]
    public void The_entry_point_runs_the_dll_the_dockerfile_publishes(string dockerfile, string entrypoint, string project)
    {
        var assembly = (string?)Project(project).Descendants("AssemblyName").Single();
        var docker = File.ReadAllText(Path.Combine(DockerDir, dockerfile));
        Assert.Contains($"dotnet publish {project}/{project}.csproj -c Release --no-restore -o /app", docker);
        Assert.Contains($"COPY deploy/docker/{entrypoint} ", docker);
        Assert.Contains($"exec dotnet /app/{assembly}.dll \"$@\"", File.ReadAllText(Path.Combine(DockerDir, entrypoint)));
    }

    [Theory]
    [InlineData("Dockerfile.node.dockerignore")]
    [InlineData("Dockerfile.gateway.dockerignore")]
    public void Each_dockerfile_ignore_file_keeps_out_what_the_root_one_does(string ignoreFile)
    {
        // BuildKit reads only the file next to the Dockerfile: a pattern missing there (.run*/ with a run folder's api-key,
        // say) goes into the build context, whatever the root file says.
        var own = Patterns(Path.Combine(DockerDir, ignoreFile));
        var missing = Patterns(Path.Combine(Repo.Root, ".dockerignore")).Where(p => !own.Contains(p)).ToList();
        Assert.True(missing.Count == 0, $"deploy/docker/{ignoreFile} lacks the root .dockerignore's {string.Join(", ", missing)}");
    }

    private static XDocument Project(string project) => XDocument.Load(Path.Combine(Repo.Root, project, project + ".csproj"));

    private static HashSet<string> Patterns(string file)
        => File.ReadAllLines(file).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToHashSet(StringComparer.Ordinal);

    [GeneratedRegex(@"^FROM\s+(?:--\S+\s+)*(?<image>\S+)", RegexOptions.Multiline)]
    private static partial Regex FromLine();
}
