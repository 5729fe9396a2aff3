using System.CommandLine;
using AntiNex.Gateway.Commands;

// antinex-gateway: one binary for the in-process engine (train --local, validate), the cluster console
// (train/predict/describe/forget/models/status/bench), and the benchmarks. Each command lives in Commands/.
var root = new RootCommand("AntiNex Cluster gateway console: train and predict AntiNex requests, locally or on the cluster.");
foreach (var command in CommandCatalog.All())
    CommandMerge.AddOrMerge(root, command); // features may share a verb, e.g. `bench` and `bench persistence`
return await root.Parse(args).InvokeAsync();
