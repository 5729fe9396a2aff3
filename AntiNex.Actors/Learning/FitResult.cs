using AntiNex.Reporting;

namespace AntiNex.Learning;

/// <summary>What one fit did: per-epoch history, the time spent on the per-epoch validation pass (not training),
/// and what early stopping / the schedule did.</summary>
internal sealed record FitResult(List<EpochHistory> History, double ValidationSeconds, FitInfo Info);
