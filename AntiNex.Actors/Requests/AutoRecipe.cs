namespace AntiNex.Requests;

/// <summary>
/// model_kind "auto": the recipe fields a request leaves out are filled with a tabular-network recipe, so a request
/// needs only its data fields (dataset, label, features, categorical columns, target). Fields the request gives win.
/// The choices that depend on the data (output width, loss, novelty, threshold, class weights, model kind) are made
/// by the engine on the training rows (Learning/Selection).
/// </summary>
public static class AutoRecipe
{
    public const int Epochs = 40;
    public const int BatchSize = 128;
    public const double ValidationSplit = 0.1;
    public const int Patience = 4;
    public const string Scaler = "standard";
    /// <summary>Scalers compared on the inner validation when the request names none (the first is the default).</summary>
    public static readonly IReadOnlyList<string> Scalers = ["standard", "ple"];
    /// <summary>Hidden layers of the network when model_desc is absent; the output layer follows the classes found.</summary>
    public static readonly IReadOnlyList<LayerSpec> Hidden =
        [new LayerSpec(128, "he_uniform", "relu", 0.3), new LayerSpec(64, "he_uniform", "relu", 0.3)];

    /// <summary>The layers for the task: the hidden layers, then 1 sigmoid unit (two classes), k softmax units or 1 linear unit.</summary>
    public static List<LayerSpec> Layers(int outputs, bool regression)
        => [.. Hidden, new LayerSpec(outputs, "glorot_uniform", regression ? "linear" : outputs == 1 ? "sigmoid" : "softmax")];

    /// <summary>What auto chooses itself cannot be given.</summary>
    internal static void Check(AntiNexRequest r, Action<string, string> issue)
    {
        if (r.Quality.Novelty is not null || r.Quality.EnsembleFolds || r.Quality.EnsembleSeeds > 1)
            issue("model_kind", "\"auto\" chooses the novelty detector itself and serves the one model it judged: leave out novelty and " +
                  "ensemble");
        if (r.Quality.OutlierExposure > 0)
            issue("outlier_exposure", "\"auto\" chooses it itself on the training rows: leave it out");
    }

    /// <summary>Fills what the request does not give; <paramref name="given"/> says whether a top-level (or manifest) field is present.</summary>
    internal static void FillIn(AntiNexRequest r, Func<string, bool> given)
    {
        if (!given("epochs")) r.Epochs = Epochs;
        if (!given("batch_size")) r.BatchSize = BatchSize;
        if (!given("num_splits")) r.NumSplits = 0; // the inner validation replaces the CV's role; a request may still ask for CV
        if (!given("apply_scaler")) r.ApplyScaler = true;
        if (!given("log_features") && r.LogFeatures.Count == 0) r.LogFeaturesAuto = true;
        var q = r.Quality;
        if (!given("validation_split")) q = q with { ValidationSplit = ValidationSplit };
        if (!given("early_stopping")) q = q with { EarlyStopping = new EarlyStopping(Patience) };
        if (!given("scaler")) q = q with { Scaler = Scaler, ScalerGiven = true, ScalerByData = true };
        r.Quality = q with { LossByTask = !given("loss") };
    }
}
