namespace AntiNex.Learning;

/// <summary>
/// The exact feature matrices a request's network is trained and tested on (see <see cref="FeatureExport.Build"/>).
/// The pipeline is fitted on <see cref="Train"/>'s fitting rows only; validation and test rows are only transformed.
/// </summary>
public sealed record FeatureMatrices
{
    public required TaskKind Task { get; init; }
    /// <summary>Every training-split row, in the engine's order: fitting rows first, then the validation_split rows.</summary>
    public required FeatureMatrix Train { get; init; }
    /// <summary>How many of <see cref="Train"/>'s rows (its first ones) the network and the pipeline were fitted on;
    /// the rest are the validation_split rows (early stopping, threshold).</summary>
    public required int FitRows { get; init; }
    /// <summary>Positions in <see cref="Train"/> of the training-split rows in the split's own order: the order in which a
    /// tree request (model_kind fast_tree / light_gbm, or auto's tree) fits them. Tree learners are not indifferent to row
    /// order, so a baseline that fits them in this order fits the very tree the engine serves.</summary>
    public required IReadOnlyList<int> SplitOrder { get; init; }
    /// <summary>The request's test_dataset (or the held-out split), then each extra test file, in the order given.</summary>
    public required IReadOnlyList<FeatureMatrix> Tests { get; init; }
    /// <summary>Column names after one-hot: "name" for numeric inputs, "name=value" and "name=&lt;other&gt;" for categorical ones.</summary>
    public required IReadOnlyList<string> FeatureNames { get; init; }
    public required IReadOnlyList<string> ClassNames { get; init; }
    public required IReadOnlyList<double> ClassValues { get; init; }
    public required FeaturePipeline Pipeline { get; init; }
    public int Width => FeatureNames.Count;
    public int ValidationRows => Train.Rows - FitRows;
}
