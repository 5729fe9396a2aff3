namespace AntiNex.Requests;

/// <summary>Normal-profile novelty detector (binary only): an autoencoder of the normal class's fitting rows; a row whose
/// reconstruction error exceeds the (1 - MaxFpr) quantile of the validation normal rows' errors is called an attack.</summary>
public sealed record NoveltyOptions(double NormalClass, double MaxFpr, IReadOnlyList<int> Layers, int Epochs, int BatchSize = 256,
    double LearningRate = 1e-3)
{
    public static readonly IReadOnlyList<int> DefaultLayers = [64, 16];
}
