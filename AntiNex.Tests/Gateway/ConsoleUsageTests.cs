using System.Net;
using System.Net.Sockets;
using AntiNex.Gateway.Commands;
using AntiNex.Tests.Infrastructure;

namespace AntiNex.Tests.Gateway;

/// <summary>How the console answers a user's mistakes, as a real process: seeds as a node takes them, usage errors as exit 2
/// on one unfolded line, a taken HTTP port refused before anything joins, and --timeout bounding the join.</summary>
public sealed class ConsoleUsageTests
{
    private static (int Code, string Out, string Err) Gateway(params string[] args) => GatewayProcess.Run(TimeSpan.FromSeconds(60), args);

    [Fact]
    public void A_comma_separated_seed_list_is_taken_as_a_node_takes_it_and_the_join_gives_up_at_the_commands_timeout()
    {
        string a = $"akka.tcp://antinex@127.0.0.1:{FreePorts.Take()}", b = $"akka.tcp://antinex@127.0.0.1:{FreePorts.Take()}";
        var (code, _, err) = Gateway("models", "--seed-node", $"{a},{b}", "--insecure", "--timeout", "2s");
        Assert.True(code == ExitCodes.Unreachable, $"exit {code}: {err}");
        // Both seeds tried, on one line (piped output is not folded at 80 columns), within the command's own 2 s.
        Assert.Contains($"could not join the cluster through [{a}, {b}] within 2 s", err);
    }

    [Theory]
    [InlineData("models", "--seed-node", "akka.tcp://antinex@127.0.0.1:40x4", "--insecure")]
    [InlineData("models", "--seed-node", "akka.tcp://antinex@127.0.0.1:4053,127.0.0.1:4054", "--insecure")]
    public void A_seed_that_is_not_an_address_is_a_usage_error_naming_it(params string[] args)
    {
        var (code, _, err) = Gateway(args);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("--seed-node: '", err);
        Assert.Contains("is not a seed node address (akka.tcp://antinex@HOST:PORT)", err);
        Assert.DoesNotContain("Unhandled exception", err);
    }

    [Theory]
    [InlineData("akka.tcp://antinex@127.0.0.1:4053", true)]
    [InlineData("akka.ssl.tcp://antinex@10.0.0.5:4053", true)]
    [InlineData("akka.tcp://antinex@127.0.0.1", false)]
    [InlineData("127.0.0.1:4053", false)]
    [InlineData("http://antinex@127.0.0.1:4053", false)]
    public void A_seed_address_is_akka_tcp_or_its_tls_scheme_with_a_host_and_a_port(string seed, bool valid)
        => Assert.Equal(valid, AntiNex.Cluster.SeedAddress.IsValid(seed));

    [Theory]
    [InlineData("train", """{"label": "\ud800", "dataset": "d.csv", "predict_feature": "y"}""", "label: contains an invalid UTF-16")]
    [InlineData("validate", """{"label": "m", "dataset": "d.csv", "predict_feature": "\ud800"}""", "predict_feature: contains an invalid UTF-16")]
    [InlineData("train", """{"label": "victim", "dataset": "d.csv", "predict_feature": "y", "label": "other"}""", "label: appears more than once")]
    [InlineData("validate", """{"label": "victim", "dataset": "d.csv", "predict_feature": "y", "label": "other"}""", "label: appears more than once")]
    public void A_request_file_that_cannot_mean_one_thing_is_bad_input_naming_the_field(string command, string json, string error)
    {
        var file = Path.Combine(Path.GetTempPath(), $"antinex-request-{Guid.NewGuid():N}.json");
        File.WriteAllText(file, json);
        try
        {
            // The file is read before any join: the seed is never contacted.
            var (code, stdout, err) = command == "train"
                ? Gateway("train", "-f", file, "--seed-node", $"akka.tcp://antinex@127.0.0.1:{FreePorts.Take()}", "--insecure", "--timeout", "2s")
                : Gateway("validate", "-f", file);
            Assert.True(code == ExitCodes.BadInput, $"exit {code}: {stdout} {err}");
            Assert.Contains(error, stdout + err);
            Assert.DoesNotContain("Unhandled exception", err);
        }
        finally { File.Delete(file); }
    }

    private static string NoSeed() => $"akka.tcp://antinex@127.0.0.1:{FreePorts.Take()}";

    [Theory]
    [InlineData("--save-model", "model.bin")]
    [InlineData("--also-test", "nsl-kdd/KDDTest-21.txt")]
    [InlineData("--data-root", "/tmp")]
    [InlineData("--threads", "4")]
    public void An_in_process_training_option_on_a_cluster_training_is_refused_not_dropped(string option, string value)
    {
        // Refused before the file is read or anything joins (the seed does not exist).
        var (code, _, err) = Gateway("train", "-f", "request.json", option, value, "--seed-node", NoSeed(), "--insecure");
        Assert.True(code == ExitCodes.BadInput, $"exit {code}: {err}");
        Assert.Contains($"{option}: only with --local", err);
    }

    [Fact]
    public void A_csv_option_on_a_json_predict_is_refused_and_a_csv_is_never_overwritten_by_its_own_predictions()
    {
        using var root = new Data.EngineTestData.TempRoot();
        var json = root.Write("p.json", """{"label": "m", "predict_rows": [{"a": 1}]}""");
        var (code, _, err) = Gateway("predict", "-f", json, "--out", Path.Combine(root.Path, "out.csv"), "--seed-node", NoSeed(), "--insecure");
        Assert.True(code == ExitCodes.BadInput, $"exit {code}: {err}");
        Assert.Contains("--out: only with a CSV file", err);

        var rows = root.Write("rows.csv", "a\n1\n");
        (code, _, err) = Gateway("predict", "-f", rows, "--label", "m", "--out", Path.Combine(root.Path, ".", "rows.csv"), "--seed-node", NoSeed(),
            "--insecure");
        Assert.True(code == ExitCodes.BadInput, $"exit {code}: {err}");
        Assert.Contains("is the input file", err);
        Assert.Equal("a\n1\n", File.ReadAllText(rows));
    }

    [Theory]
    [InlineData("0:00:00", "must be longer than zero")]
    [InlineData("-0:05:00", "must be longer than zero")]
    [InlineData("-5m", "must be longer than zero")]
    [InlineData("1e16s", "is longer than the 24 days allowed")]
    [InlineData("600h", "is longer than the 24 days allowed")]
    [InlineData("soon", "is not a duration")]
    public void A_timeout_that_no_timer_can_keep_is_a_usage_error_before_joining(string timeout, string error)
    {
        var (code, _, err) = Gateway("models", "--seed-node", NoSeed(), "--insecure", "--timeout", timeout);
        Assert.True(code == ExitCodes.BadInput, $"exit {code}: {err}");
        Assert.Contains($"--timeout: '{timeout}' {error}", err);
        Assert.DoesNotContain("could not join", err);
        Assert.DoesNotContain("Exception", err);
    }

    [Theory]
    [InlineData("2d", 2 * 86400.0)]
    [InlineData("1h30m", 5400.0)]
    [InlineData("2d12h", 60 * 3600.0)]
    [InlineData("1m30.5s", 90.5)]
    [InlineData("24d", 24 * 86400.0)]
    [InlineData("1.5h", 5400.0)] // the one-unit forms read as before
    [InlineData("250ms", 0.25)]
    [InlineData("90", 90.0)]
    [InlineData("00:05:00", 300.0)]
    public void A_duration_is_written_in_days_hours_minutes_and_seconds_alone_or_together(string text, double seconds)
        => Assert.Equal(TimeSpan.FromSeconds(seconds), Durations.Parse(text, "--timeout"));

    [Theory]
    [InlineData("25d", "is longer than the 24 days allowed")]
    [InlineData("23d25h", "is longer than the 24 days allowed")]
    [InlineData("30m1h", "is not a duration")] // largest unit first, each once
    [InlineData("1h1h", "is not a duration")]
    [InlineData("1h30", "is not a duration")]
    [InlineData("h", "is not a duration")]
    public void A_duration_of_several_units_keeps_the_limit_and_their_order(string text, string error)
        => Assert.Contains($"--timeout: '{text}' {error}", Assert.Throws<UsageException>(() => Durations.Parse(text, "--timeout")).Message);

    [Theory]
    [InlineData("train", """{"label": "m", "dataset": "d.csv", "predict_feature": "y", "epochs": "ten"}""", "epochs: ")]
    [InlineData("predict", """{"label": "m", "predict_feature": "y", "predict_rows": []}""", "predict_rows: has zero rows")]
    [InlineData("validate", """{"dataset": "d.csv", "predict_feature": "y"}""", "label: required, a non-empty string")]
    public void What_validate_refuses_train_and_predict_refuse_before_sending_and_validate_refuses_what_they_do(string command,
        string json, string error)
    {
        var file = Path.Combine(Path.GetTempPath(), $"antinex-request-{Guid.NewGuid():N}.json");
        File.WriteAllText(file, json);
        try
        {
            // Refused before any join (the seed does not exist): exit 2, nothing sent.
            var (code, stdout, err) = command == "validate" ? Gateway("validate", "-f", file)
                : Gateway(command, "-f", file, "--seed-node", NoSeed(), "--insecure", "--timeout", "2s");
            Assert.True(code == ExitCodes.BadInput, $"exit {code}: {stdout} {err}");
            Assert.Contains(error, stdout + err);
            Assert.DoesNotContain("could not join", err);
            if (command == "validate") // and the other two refuse that file as validate now does
                foreach (var other in new[] { "train", "predict" })
                    Assert.Equal(ExitCodes.BadInput, Gateway(other, "-f", file, "--seed-node", NoSeed(), "--insecure", "--timeout", "2s").Code);
        }
        finally { File.Delete(file); }
    }

    [Fact]
    public void A_port_beyond_the_range_is_a_usage_error_naming_it()
    {
        var (code, _, err) = Gateway("models", "--seed-node", NoSeed(), "--insecure", "--port", "70000", "--timeout", "2s");
        Assert.True(code == ExitCodes.BadInput, $"exit {code}: {err}");
        Assert.Contains("--port: 70000 is not a port", err);
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    public void A_blank_hostname_is_a_usage_error_not_every_interface(string blank)
    {
        var (code, _, err) = Gateway("models", "--seed-node", NoSeed(), "--insecure", "--hostname", blank, "--timeout", "2s");
        Assert.True(code == ExitCodes.BadInput, $"exit {code}: {err}");
        Assert.Contains("--hostname: blank", err);
    }

    [Theory]
    [InlineData("cancelled", "training of 'm' was cancelled: " + AntiNex.Models.ModelFailed.DeadlinePassed, ExitCodes.Timeout)]
    [InlineData("timeout", "no answer in time", ExitCodes.Timeout)]
    [InlineData("cancelled", "training of 'm' was cancelled by a cancel request", ExitCodes.ModelFailed)]
    [InlineData("training-failed", "diverged", ExitCodes.ModelFailed)]
    public void A_request_that_ran_out_of_time_exits_3_whoever_noticed_first(string failure, string message, int exit)
    {
        var reply = AntiNex.Models.ModelFailed.Of("m", failure, message);
        Assert.Equal(exit, new Output(json: true).Reply(reply));
        Assert.Equal(exit, new Output(json: false).Reply(reply));
    }

    [Fact]
    public void An_unknown_option_is_bad_usage_with_exit_code_2()
    {
        var (code, _, err) = Gateway("cancel", "some-label", "--seed", "3");
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("'--seed'", err);
    }

    [Fact]
    public void Serve_on_a_port_another_process_holds_is_refused_in_one_line_before_joining()
    {
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var url = $"http://127.0.0.1:{((IPEndPoint)holder.LocalEndpoint).Port}";
        var keys = Path.Combine(Path.GetTempPath(), $"antinex-keys-{Guid.NewGuid():N}.json"); // never read: the port is checked first
        var (code, _, err) = Gateway("serve", "--urls", url, "--api-keys", keys, "--insecure");
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains($"--urls: '{url}': another process already listens there", err);
        Assert.DoesNotContain("Exception", err);
        Assert.DoesNotContain("could not join", err);
    }

    [Theory]
    [InlineData(true, null, ConsoleWidth.Redirected)]
    [InlineData(true, "132", 132)]
    [InlineData(false, "100", 100)]
    [InlineData(false, null, null)]
    [InlineData(true, "wide", ConsoleWidth.Redirected)]
    public void Piped_output_is_laid_out_wide_unless_COLUMNS_says_otherwise(bool redirected, string? columns, int? width)
        => Assert.Equal(width, ConsoleWidth.For(redirected, columns));
}
