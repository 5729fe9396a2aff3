using AntiNex.Reporting;

namespace AntiNex.Learning;

/// <summary>Result of one training: the serialised model (stored as a snapshot, never sent remotely) and its report.</summary>
public sealed record TrainingOutcome(byte[] Artifact, TrainingReport Report, PredictionResult? Predictions);
