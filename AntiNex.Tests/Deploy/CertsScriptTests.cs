using AntiNex.Tests.Infrastructure;

namespace AntiNex.Tests.Deploy;

/// <summary>deploy/certs.sh with a real openssl: a CA, a member it issues, and `show` listing both; `show` of a folder
/// without a CA says how to make one.</summary>
public sealed class CertsScriptTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("antinex-certs-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static async Task<(int Exit, string Output)> CertsAsync(params string[] args)
    {
        var run = await Bash.ScriptAsync("deploy/certs.sh", args);
        return (run.ExitCode, run.Output);
    }

    [Fact]
    public async Task Show_lists_the_ca_and_each_member_it_issued()
    {
        Assert.Equal(0, (await CertsAsync("init", _dir)).Exit);
        Assert.Equal(0, (await CertsAsync("issue", _dir, "node-7")).Exit);
        var (exit, output) = await CertsAsync("show", _dir);
        Assert.True(exit == 0, output);
        Assert.Contains("ca.crt: subject=O = AntiNex, CN = AntiNex cluster CA", output);
        Assert.Contains("node-7.p12: subject=O = AntiNex, CN = node-7", output);
        Assert.Contains("node-7.p12: issuer=O = AntiNex, CN = AntiNex cluster CA", output);
    }

    [Fact]
    public async Task Show_of_a_folder_without_a_ca_says_how_to_make_one()
    {
        var (exit, output) = await CertsAsync("show", _dir);
        Assert.Equal(1, exit);
        Assert.Equal($"certs.sh: no CA in {_dir}: run 'certs.sh init {_dir}' first", output.Trim());
    }
}
