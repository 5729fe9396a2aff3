// Node-wide services a model entity needs; one instance per node, shared by all entities.
using AntiNex.Data;
using AntiNex.Learning;

namespace AntiNex.Models;

public sealed record ModelRuntime(
    DataRoots DataRoots,
    EngineOptions EngineOptions,
    TrainingScheduler Scheduler,
    LoadedModels Loaded,
    IModelCatalog Catalog,
    TimeSpan PassivateAfter,
    string NodeName)
{
    /// <summary>Predictions returned per reply at most: keeps replies well under the remote frame size.</summary>
    public int MaxSamplesPerReply { get; init; } = 10_000;
    /// <summary>Minimum spacing of epoch progress messages per training (phase changes always go through).</summary>
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromMilliseconds(200);
    /// <summary>Labels with an accepted, unfinished training (Redis on real nodes): woken when a node leaves.</summary>
    public ILabelSet TrainingsInFlight { get; init; } = new InMemoryLabelSet();
}
