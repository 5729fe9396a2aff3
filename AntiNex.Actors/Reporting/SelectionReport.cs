namespace AntiNex.Reporting;

/// <summary>
/// model_kind "auto": how the served model was chosen. Every candidate was fitted on the training split minus the
/// selection rows and scored on the selection rows (and, for a binary target with attack kinds, on a leave-attack-kind-out
/// split); the test rows were never used. The winner is then fitted on the whole training split.
/// </summary>
public sealed record SelectionReport
{
    public string Winner { get; init; } = "";
    /// <summary>What the score is: accuracy on the selection rows, its mean with the leave-out balanced accuracy, or macro-F1.</summary>
    public string Metric { get; init; } = "";
    public int FitRows { get; init; }
    public int SelectionRows { get; init; }
    /// <summary>Leave-attack-kind-out: the attack kinds held out of the fit, and the rows it is scored on (those kinds and
    /// the normal selection rows).</summary>
    public IReadOnlyList<string>? HeldOutKinds { get; init; }
    public int? LeaveOutRows { get; init; }
    public IReadOnlyList<CandidateScore> Candidates { get; init; } = [];
    public double Seconds { get; init; }
}

/// <summary>One candidate's validation figures (percent; macro-F1 in 0..1; a regression's MSE and R² in target units, and no
/// accuracy or macro-F1); <see cref="Score"/> decides.</summary>
public sealed record CandidateScore(string Name, double Score, double? Accuracy, double? MacroF1, double? Fpr, double? LeaveOutBalancedAccuracy)
{
    public double? Mse { get; init; }
    public double? R2 { get; init; }
    /// <summary>Why the rule took or passed it (e.g. "FPR above the best tree's", "not admitted: costs ..."); "winner; ..." for the winner.</summary>
    public string? Verdict { get; init; }
}
