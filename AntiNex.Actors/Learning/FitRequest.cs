namespace AntiNex.Learning;

/// <summary>One network's fit: the network, its rows, the recipe and where its per-epoch progress goes.</summary>
/// <param name="Validation">rows scored after each epoch (val_loss/val_acc); early stopping watches them, so with
/// early stopping they must be the validation split, never test rows.</param>
/// <param name="Phase">progress phase ("cv", "fit", "ensemble"); <paramref name="Fold"/>/<paramref name="Folds"/> number the
/// fold or ensemble member (0/0 for the final fit).</param>
internal sealed record FitRequest(DenseNetwork Network, TensorData Train, TensorData? Validation, FitSettings Settings,
    IProgress<TrainingProgress>? Progress, string Phase, int Fold = 0, int Folds = 0)
{
    /// <summary>The <see cref="Validation"/> rows are held-out test rows, scored for the report's val_* columns only: nothing
    /// in the fit may watch them (reduce_on_plateau then watches the training loss; early stopping is refused).</summary>
    public bool ValidationIsTest { get; init; }
}
