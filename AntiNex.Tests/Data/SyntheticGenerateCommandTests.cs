using AntiNex.Data.Synthetic;
using AntiNex.Tests.Infrastructure;

namespace AntiNex.Tests.Data;

/// <summary>`antinex-gateway generate` as a user runs it: a real process.</summary>
public class SyntheticGenerateCommandTests
{
    private static (int Code, string Out, string Err) Gateway(params string[] args) => GatewayProcess.Run(TimeSpan.FromSeconds(60), args);

    [Fact]
    public void Generate_writes_the_same_bytes_as_the_library_and_reports_the_balance()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"antinex-gen-{Guid.NewGuid():N}");
        try
        {
            var file = Path.Combine(dir, "sub", "demo.csv");
            var (code, stdout, stderr) = Gateway("generate", "--rows", "2500", "--seed", "5", "--attack-fraction", "0.2", "--out", file);
            Assert.True(code == 0, stderr);
            Assert.Contains("wrote 2,500 rows", stdout);

            using var expected = new StringWriter();
            SyntheticTraffic.Write(expected, 2500, seed: 5, attackFraction: 0.2);
            Assert.Equal(expected.ToString(), File.ReadAllText(file));
            Assert.Equal([file], Directory.GetFiles(Path.GetDirectoryName(file)!)); // no temporary file left
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, true); }
    }

    [Fact]
    public void Bad_options_are_refused_with_the_option_named_and_exit_code_2()
    {
        var (code, _, stderr) = Gateway("generate", "--rows", "10", "--attack-fraction", "1.5", "--out", "/tmp/never.csv");
        Assert.Equal(2, code);
        Assert.Contains("--attack-fraction", stderr);
        Assert.False(File.Exists("/tmp/never.csv"));

        (code, _, stderr) = Gateway("generate", "--rows", "-5", "--out", "/tmp/never.csv");
        Assert.Equal(2, code);
        Assert.Contains("--rows", stderr);
    }
}
