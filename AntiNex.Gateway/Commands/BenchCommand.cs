using System.CommandLine;

namespace AntiNex.Gateway.Commands;

/// <summary>`bench`: the benchmarks, each printing figures: the cluster's predict path, the learning engine, the Redis
/// persistence plugin, model signing.</summary>
internal static class BenchCommand
{
    public static Command Create() =>
        new("bench", "Benchmarks that print figures: cluster predict load, the learning engine, Redis persistence, model signing.")
    {
        BenchClusterCommand.Create(),
        BenchEngineCommand.Create(),
        BenchTrainingCommand.Create(),
        BenchPersistenceCommand.Create(),
        BenchIntegrityCommand.Create(),
        BenchSeedCommand.Create(),
        BenchLabelsCommand.Create(),
    };
}
