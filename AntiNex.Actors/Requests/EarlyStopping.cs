namespace AntiNex.Requests;

/// <summary>Early stopping on the validation split (never on test rows).</summary>
public sealed record EarlyStopping(int Patience, string Monitor = "val_loss", bool RestoreBestWeights = true, double MinDelta = 0);
