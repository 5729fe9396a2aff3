// One label's model loaded inside `serve`: the same artifact bytes and the same predict code as the node's copies,
// so its answers are the console's answers.
using AntiNex.Learning;

namespace AntiNex.Gateway.Http.Local;

public sealed class LocalCopy(string modelId, long version, TrainedModel model, string source)
{
    public string ModelId { get; } = modelId;
    public long Version { get; } = version;
    public TrainedModel Model { get; } = model;
    /// <summary>The model node whose snapshot read the artifact came from.</summary>
    public string Source { get; } = source;
    /// <summary>The model's input features, read once (the summary builds a new list each time).</summary>
    public IReadOnlyList<string> InputFeatures { get; } = model.Summary.InputFeatures;
    public ModelSummary Summary { get; } = model.Summary;
}
