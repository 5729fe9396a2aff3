using AntiNex.Gateway.Commands;

// antinex-gateway: one binary for the in-process engine (train --local, validate), the cluster console
// (train/predict/describe/forget/models/status/search/queue/interactive), and the benchmarks. Each command lives in Commands/.
return await CommandCatalog.Root().Parse(args).InvokeAsync();
