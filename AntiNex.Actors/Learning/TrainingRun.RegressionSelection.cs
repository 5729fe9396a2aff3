using System.Diagnostics;
using AntiNex.Learning.Selection;
using AntiNex.Learning.Trees;
using AntiNex.Reporting;
using AntiNex.Requests;

namespace AntiNex.Learning;

internal sealed partial class TrainingRun
{
    /// <summary>
    /// model_kind "auto" on a regression target: FastTree, LightGBM and the network (with each scaler auto compares) are
    /// fitted on the training split minus the selection rows and scored by their MSE there, in the target's own units. As
    /// for multi-class, FastTree is the reference: another candidate replaces it only if its MSE is lower on
    /// <see cref="SureShare"/> of the paired bootstrap resamples of the selection rows (the two trees' MSEs are often a
    /// few percent apart, and a pick on that much was noise); of those, the lowest MSE wins.
    /// </summary>
    private (AntiNexRequest Chosen, SelectionReport Report) SelectRegression(PreparedData data, RowSplit split, FitSettings settings)
    {
        Report("select", "comparing candidate models on an inner validation of the training rows");
        var watch = Stopwatch.StartNew();
        var q = request.Quality;
        var (innerFit, selection) = InnerSplit.Carve(split.TrainRows, null, q.SelectionSplit, request.Seed);
        // The candidates' target scale comes from the rows they are fitted on: the selection rows' range stays unknown to them.
        data = WithScaledTarget(data, innerFit);
        var truth = selection.Select(i => data.Y[i]).ToArray();
        var candidates = new List<(Choice Choice, CandidateScore Score, double[] Errors)>();
        void Add(Choice choice, float[] outputs)
        {
            // The candidates predict the scaled target (apply_scaler); the errors are read in the target's units.
            var predicted = outputs.Select(o => data.Codec.UnscaleTarget(o)).ToArray();
            var (mse, _, r2) = Metrics.Regress(truth, predicted);
            var errors = predicted.Select((p, i) => (p - truth[i]) * (p - truth[i])).ToArray();
            candidates.Add((choice, new CandidateScore(choice.Name, mse, null, null, null, null) { Mse = mse, R2 = r2 }, errors));
        }
        foreach (var (kindName, tree) in BinaryTreeCandidates)
            if (TryFitTreeCandidate(tree, data, innerFit, [selection]) is { } fit)
                Add(new Choice($"{kindName}, scaler {q.Scaler}", false, null, false) { Scaler = q.Scaler, Kind = kindName }, fit.Outputs[0]);
        foreach (var scaler in q.ScalerByData ? AutoRecipe.Scalers : [q.Scaler])
        {
            var run = scaler == q.Scaler ? this : Sibling(WithQuality(request, q with { Scaler = scaler }));
            Add(new Choice($"network, scaler {scaler}", false, null, false) { Scaler = scaler },
                run.FitCandidate(data, innerFit, settings, [selection], null).Outputs[0]);
        }
        var reference = candidates.OrderBy(c => ReferenceRank(c.Choice)).First();
        var verdicts = new Dictionary<Choice, string> { [reference.Choice] = "reference" };
        var admitted = new List<(Choice Choice, CandidateScore Score)>();
        foreach (var c in candidates.Where(c => c != reference))
        {
            double share = PairedBootstrap.ShareLower(c.Errors, reference.Errors, request.Seed);
            string lower = $"MSE lower on {100 * share:0} % of {PairedBootstrap.Resamples} resamples";
            if (share < SureShare) { verdicts[c.Choice] = $"{lower} (needs {100 * SureShare:0} %)"; continue; }
            verdicts[c.Choice] = $"admitted: {lower}";
            admitted.Add((c.Choice, c.Score));
        }
        var winner = admitted.Count > 0 ? admitted.MinBy(a => a.Score.Score).Choice : reference.Choice;
        var report = new SelectionReport
        {
            Winner = winner.Name, FitRows = innerFit.Length, SelectionRows = selection.Length, Seconds = watch.Elapsed.TotalSeconds,
            Metric = $"MSE on the selection rows, in the target's units; the reference ({reference.Choice.Name}) is replaced only by a " +
                $"candidate with a lower MSE on {100 * SureShare:0} % of {PairedBootstrap.Resamples} bootstrap resamples of them",
            Candidates = candidates.Select(c => c.Score with { Verdict = (c.Choice == winner ? "winner; " : "") + verdicts[c.Choice] }).ToList(),
        };
        return (Apply(winner, data, split), report);
    }
}
