using AntiNex.Gateway.Commands;

// antinex-gateway: one binary for the in-process engine (train --local, validate), the cluster console
// (train/predict/describe/forget/models/status/search/queue/interactive), and the benchmarks. Each command lives in Commands/.
ConsoleWidth.FitStdout();
var parsed = CommandCatalog.Root().Parse(args);
var code = await parsed.InvokeAsync();
// An unknown option or a missing argument is bad usage (exit 2, as every command's own checks); System.CommandLine says 1.
return parsed.Errors.Count > 0 ? ExitCodes.BadInput : code;
