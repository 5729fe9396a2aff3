namespace AntiNex.Learning;

/// <summary>One progress tick: data loading, the auto mode's candidate comparison, a CV fold's epoch, or the final fit's
/// epoch.</summary>
public sealed record TrainingProgress(
    string Phase,          // "load" | "select" | "cv" | "fit" | "evaluate"
    int Fold, int Folds,   // 0/0 outside cross-validation
    int Epoch, int Epochs,
    double Loss, double? Accuracy, double? ValLoss, double? ValAccuracy,
    string? Message = null);
