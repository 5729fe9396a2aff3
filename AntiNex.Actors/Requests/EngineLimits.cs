namespace AntiNex.Requests;

/// <summary>
/// Limits against resource exhaustion. Each one, when exceeded, is a <see cref="RequestException"/> naming the request
/// field (or the dataset) and the limit, and nothing else is harmed. The defaults suit a node with a few GB of memory;
/// a node sets its own from its settings (<see cref="Current"/>, once at startup).
/// </summary>
public sealed record EngineLimits
{
    /// <summary>Request JSON text, in bytes (UTF-8).</summary>
    public int MaxRequestBytes { get; init; } = 32 * 1024 * 1024;
    /// <summary>Rows a predict request may carry (predict_rows, or the dataset it names).</summary>
    public int MaxPredictRows { get; init; } = 1_000_000;
    /// <summary>Columns of a CSV file (header width).</summary>
    public int MaxCsvColumns { get; init; } = 5_000;
    /// <summary>Data rows of a CSV file.</summary>
    public int MaxCsvRows { get; init; } = 10_000_000;
    /// <summary>One record (row) of a CSV file, in bytes of UTF-8 text: a quote opened early in a large file and never closed
    /// would otherwise read the rest of the file into one cell (gigabytes of memory, then an error naming nothing).</summary>
    public int MaxCsvRecordBytes { get; init; } = 16 * 1024 * 1024;
    /// <summary>Units of one dense layer (num_neurons).</summary>
    public int MaxLayerUnits { get; init; } = 65_536;
    /// <summary>Trainable weights and biases of one network (all dense layers, inputs after one-hot included).</summary>
    public long MaxNetworkParameters { get; init; } = 20_000_000;
    public int MaxEpochs { get; init; } = 10_000;
    /// <summary>Wall time of one training; past it the training is cancelled ("cancelled: wall time limit").</summary>
    public TimeSpan MaxTrainingTime { get; init; } = TimeSpan.FromHours(4);
    /// <summary>Label length in characters. Labels are printable text: no control or format characters, no '[' or ']'.</summary>
    public int MaxLabelLength { get; init; } = 128;
    /// <summary>A training value beyond ±this (training file, predict_rows used as training data) is refused, naming the
    /// column and row: such magnitudes overflow the scaler's arithmetic. Predicted rows are never refused for it:
    /// they are clipped (see FeaturePipeline.ClipRanges).</summary>
    public double MaxAbsTrainingValue { get; init; } = 1e15;

    /// <summary>The process-wide limits, used wherever none are passed. Set once at startup (the node does it from its
    /// settings); tests pass their own instead.</summary>
    public static EngineLimits Current { get; set; } = new();
}
