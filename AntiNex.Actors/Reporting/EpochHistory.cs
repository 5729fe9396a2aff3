namespace AntiNex.Reporting;

public sealed record EpochHistory(int Epoch, double Loss, double? Accuracy, double? ValLoss, double? ValAccuracy);
