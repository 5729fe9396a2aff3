using System.Diagnostics;
using AntiNex.Learning.Selection;
using AntiNex.Learning.Trees;
using AntiNex.Reporting;
using AntiNex.Requests;
using TorchSharp;

namespace AntiNex.Learning;

internal sealed partial class TrainingRun
{
    /// <summary>Novelty detector settings the auto mode tries (the max_fpr values) and uses (size, epochs).</summary>
    private static readonly double[] NoveltyFprs = [0.01, 0.02, 0.05];
    private static readonly IReadOnlyList<int> NoveltyLayers = [128, 32];
    private const int NoveltyEpochs = 10;

    /// <summary>One auto-mode choice: decision threshold, novelty detector, class weights.</summary>
    private sealed record Choice(string Name, bool F1Threshold, double? NoveltyFpr, bool Balanced)
    {
        public string? Scaler { get; init; }
        /// <summary>network, or a tree kind (TreeKinds.LightGbm): served by the engine's tree model kind.</summary>
        public string Kind { get; init; } = TreeKinds.Network;
    }

    /// <summary>Tree candidates. LightGBM only: FastTree's one-versus-all multi-class costs k fits, minutes on a loaded node.</summary>
    private static readonly (string Kind, TreeKind Tree)[] TreeCandidates = [(TreeKinds.LightGbm, TreeKind.LightGbm)];

    /// <summary>What one candidate network gave on the evaluation row sets: its outputs, the F1 threshold chosen on its own
    /// validation carve (binary), and with a detector the reconstruction errors and those of the normal validation rows.</summary>
    private sealed record CandidateFit(float[][] Outputs, double? F1Threshold, double[][]? Errors, double[]? NormalValidationErrors);

    /// <summary>
    /// model_kind "auto": the data-dependent parts of the recipe (loss by task, output width by classes found), then the
    /// candidates compared on training rows only, then the winner trained and evaluated like any request.
    /// </summary>
    private TrainingOutcome RunAuto(PreparedData data, RowSplit split, Stopwatch wall)
    {
        var baseRequest = request.Copy();
        if (request.Quality.LossByTask)
            baseRequest.Loss = data.Task == TaskKind.Binary ? "binary_crossentropy" : "categorical_crossentropy";
        if (request.Layers is null)
            data = data with { Layers = AutoRecipe.Layers(data.Task == TaskKind.Binary ? 1 : data.Codec.ClassValues.Count, false) };
        var run = Sibling(baseRequest);
        if (options.CrossValidationOnly) return run.Continue(data, split, wall, null);
        var settings = run.Recipe(data);
        var (chosen, report) = run.Select(data, split, settings);
        var final = run.Sibling(chosen);
        return final.Continue(data, split, wall, report);
    }

    /// <summary>A run of another request on the same roots, options, progress and cancellation, carrying the warnings so far.</summary>
    private TrainingRun Sibling(AntiNexRequest other)
    {
        var run = new TrainingRun(other, roots, options, progress, ct);
        run._warnings.AddRange(_warnings);
        return run;
    }

    /// <summary>
    /// Fits the candidates on the training split minus the selection rows and scores them on the selection rows (and on a
    /// leave-attack-kind-out split for a binary target with attack kinds). Binary: the network at 0.5 or at the F1
    /// threshold of its validation carve, each without or with the novelty detector at several max_fpr; score = accuracy on
    /// the selection rows, or its mean with the leave-out balanced accuracy (half the weight on traffic like the training
    /// rows, half on attack kinds never seen). Multi-class: unweighted or balanced class weights; score = macro-F1.
    /// Ties keep the earlier, simpler candidate.
    /// </summary>
    private (AntiNexRequest Chosen, SelectionReport Report) Select(PreparedData data, RowSplit split, FitSettings settings)
    {
        Report("select", "comparing candidate models on an inner validation of the training rows");
        var watch = Stopwatch.StartNew();
        var q = request.Quality;
        var classes = data.Classes!;
        int k = data.Codec.ClassValues.Count;
        bool binary = data.Task == TaskKind.Binary;
        var (innerFit, selection) = InnerSplit.Carve(split.TrainRows, classes, q.SelectionSplit, request.Seed);
        var truth = selection.Select(i => classes[i]).ToArray();
        var scored = new List<(Choice Choice, CandidateScore Score)>();
        int normal = NormalClassOf(data, split.TrainRows);
        LeaveKindOut? lao = null;
        if (binary && q.ValidationSplit > 0 && data.Frame.Text.TryGetValue(data.PredictFeature, out var kinds))
            lao = LeaveKindOut.Of(kinds, classes, normal, innerFit, split.TrainRows, selection);
        int[][] evaluate = lao is null ? [selection] : [selection, lao.Evaluate];

        // The scaler first (the request's recipe otherwise): each scaler's network on the selection rows.
        (TrainingRun Run, CandidateFit Fit, double Score)? best = null;
        foreach (var scaler in q.ScalerByData ? AutoRecipe.Scalers : [q.Scaler])
        {
            var run = scaler == q.Scaler ? this : Sibling(WithQuality(request, q with { Scaler = scaler }));
            var fit = run.FitCandidate(data, innerFit, settings, evaluate, lao is null ? null : normal);
            var predicted = binary ? Scores.Binary(fit.Outputs[0], 0.5, null, normal) : Scores.ArgMax(fit.Outputs[0], k);
            double macro = Scores.MacroF1(truth, predicted, k), accuracy = Scores.Accuracy(truth, predicted);
            double score = binary ? accuracy : 100 * macro;
            if (q.ScalerByData)
                scored.Add((new Choice($"network, scaler {scaler}", false, null, q.BalancedClassWeights) { Scaler = scaler },
                    new CandidateScore($"network, scaler {scaler} (scaler choice)", score, accuracy, macro,
                        binary ? Scores.Fpr(truth, predicted, normal) : null, null)));
            if (best is null || score > best.Value.Score) best = (run, fit, score);
        }
        var (chosen, iid, _) = best!.Value;
        var (winner, metric) = binary
            ? chosen.SelectBinary(data, innerFit, selection, settings, iid, lao, truth, normal, k, scored)
            : chosen.SelectMultiClass(data, innerFit, selection, settings, iid, truth, k, scored);
        var report = new SelectionReport
        {
            Winner = winner.Name, Metric = metric, FitRows = innerFit.Length, SelectionRows = selection.Length, HeldOutKinds = lao?.HeldOutKinds,
            LeaveOutRows = lao?.Evaluate.Length, Candidates = scored.Select(s => s.Score).ToList(), Seconds = watch.Elapsed.TotalSeconds,
        };
        return (chosen.Apply(winner, data, split), report);
    }

    /// <summary>Binary: the network at 0.5 or at the F1 threshold of its validation carve, each without or with the novelty
    /// detector at several max_fpr; the tree candidates at 0.5 or at their F1 threshold. Score: accuracy on the selection rows,
    /// or with attack kinds its mean with the
    /// leave-attack-kind-out balanced accuracy (half the weight on traffic like the training rows, half on kinds never seen).</summary>
    private (Choice Winner, string Metric) SelectBinary(PreparedData data, int[] innerFit, int[] selection, FitSettings settings, CandidateFit iid,
        LeaveKindOut? lao, int[] truth, int normal, int k, List<(Choice Choice, CandidateScore Score)> scored)
    {
        var q = request.Quality;
        var classes = data.Classes!;
        var leaveOut = lao is null ? null : FitCandidate(data, lao.Fit, settings, [lao.Evaluate], null);
        var laoTruth = lao?.Evaluate.Select(i => classes[i]).ToArray();
        bool[] thresholds = q.Threshold is not null ? [true] : iid.F1Threshold is null ? [false] : [false, true];
        double?[] fprs = lao is null || iid.Errors is null ? [null] : [null, .. NoveltyFprs.Select(f => (double?)f)];
        var mine = new List<(Choice Choice, CandidateScore Score)>();
        foreach (var f1 in thresholds)
            foreach (var fpr in fprs)
            {
                double? cut = fpr is { } f ? NoveltyDetector.QuantileThreshold(iid.NormalValidationErrors!, f) : null;
                var predicted = Scores.Binary(iid.Outputs[0], f1 ? iid.F1Threshold ?? 0.5 : 0.5, Flags(iid.Errors?[0], cut), normal);
                double accuracy = Scores.Accuracy(truth, predicted);
                double? laoScore = null;
                if (lao is not null)
                {
                    var laoPredicted = Scores.Binary(leaveOut!.Outputs[0], f1 ? leaveOut.F1Threshold ?? 0.5 : 0.5, Flags(iid.Errors?[1], cut),
                        normal);
                    laoScore = Scores.BalancedAccuracy(laoTruth!, laoPredicted, 2);
                }
                var name = $"network, scaler {q.Scaler}" + (f1 ? ", f1 threshold" : "") + (fpr is { } nf ? $" + novelty max_fpr {nf}" : "");
                mine.Add((new Choice(name, f1, fpr, q.BalancedClassWeights) { Scaler = q.Scaler },
                    new CandidateScore(name, laoScore is { } l ? (accuracy + l) / 2 : accuracy, accuracy, Scores.MacroF1(truth, predicted, k),
                        Scores.Fpr(truth, predicted, normal), laoScore)));
            }
        foreach (var (kindName, tree) in TreeCandidates)
        {
            // A tree ensemble is served without the detector: its candidates are the trees at 0.5 or at their F1 threshold.
            var fit = FitTreeCandidate(tree, data, innerFit, lao is null ? [selection] : [selection, lao.Evaluate]);
            var laoFit = lao is null ? null : FitTreeCandidate(tree, data, lao.Fit, [lao.Evaluate]);
            bool[] treeThresholds = q.Threshold is not null ? [true] : fit.F1Threshold is null ? [false] : [false, true];
            foreach (var f1 in treeThresholds)
            {
                var predicted = Scores.Binary(fit.Outputs[0], f1 ? fit.F1Threshold ?? 0.5 : 0.5, null, normal);
                double accuracy = Scores.Accuracy(truth, predicted);
                double? laoScore = laoFit is null ? null
                    : Scores.BalancedAccuracy(laoTruth!, Scores.Binary(laoFit.Outputs[0], f1 ? laoFit.F1Threshold ?? 0.5 : 0.5, null, normal), 2);
                var name = $"{kindName}, scaler {q.Scaler}" + (f1 ? ", f1 threshold" : "");
                mine.Add((new Choice(name, f1, null, false) { Scaler = q.Scaler, Kind = kindName },
                    new CandidateScore(name, laoScore is { } l ? (accuracy + l) / 2 : accuracy, accuracy, Scores.MacroF1(truth, predicted, k),
                        Scores.Fpr(truth, predicted, normal), laoScore)));
            }
        }
        scored.AddRange(mine);
        var metric = lao is null ? "accuracy % on the selection rows"
            : "mean of the accuracy % on the selection rows and the balanced accuracy % on the leave-attack-kind-out rows";
        return (Best(mine), metric);
    }

    /// <summary>Multi-class: the network unweighted or with balanced class weights (unless the request gives them), and the
    /// tree candidates; score = macro-F1.</summary>
    private (Choice Winner, string Metric) SelectMultiClass(PreparedData data, int[] innerFit, int[] selection, FitSettings settings,
        CandidateFit plain, int[] truth, int k, List<(Choice Choice, CandidateScore Score)> scored)
    {
        var q = request.Quality;
        bool[] weightings = q.BalancedClassWeights || q.ClassWeights is not null ? [q.BalancedClassWeights] : [false, true];
        var mine = new List<(Choice Choice, CandidateScore Score)>();
        foreach (var balanced in weightings)
        {
            var fit = balanced == q.BalancedClassWeights ? plain
                : Sibling(WithQuality(request, q with { BalancedClassWeights = balanced })).FitCandidate(data, innerFit, settings, [selection], null);
            var predicted = Scores.ArgMax(fit.Outputs[0], k);
            double macro = Scores.MacroF1(truth, predicted, k);
            var name = $"network, scaler {q.Scaler}" + (balanced ? ", balanced class weights" : "");
            mine.Add((new Choice(name, false, null, balanced) { Scaler = q.Scaler },
                new CandidateScore(name, 100 * macro, Scores.Accuracy(truth, predicted), macro, Scores.Fpr(truth, predicted, 0), null)));
        }
        foreach (var (kindName, tree) in TreeCandidates)
        {
            var predicted = Scores.ArgMax(FitTreeCandidate(tree, data, innerFit, [selection]).Outputs[0], k);
            double macro = Scores.MacroF1(truth, predicted, k);
            var name = $"{kindName}, scaler {q.Scaler}";
            mine.Add((new Choice(name, false, null, false) { Scaler = q.Scaler, Kind = kindName },
                new CandidateScore(name, 100 * macro, Scores.Accuracy(truth, predicted), macro, Scores.Fpr(truth, predicted, 0), null)));
        }
        scored.AddRange(mine);
        return (Best(mine), "macro-F1 (x100) on the selection rows");
    }

    /// <summary>The highest score; ties keep the earlier, simpler candidate.</summary>
    private static Choice Best(List<(Choice Choice, CandidateScore Score)> candidates)
        => candidates.First(c => c.Score.Score == candidates.Max(x => x.Score.Score)).Choice;

    /// <summary>The request the winner is trained with on the whole training split.</summary>
    private AntiNexRequest Apply(Choice c, PreparedData data, RowSplit split)
    {
        var q = request.Quality with
        {
            Threshold = c.F1Threshold ? request.Quality.Threshold ?? new ThresholdRule("f1", null) : null,
            BalancedClassWeights = c.Balanced,
            Scaler = c.Scaler ?? request.Quality.Scaler,
            Novelty = c.NoveltyFpr is { } f
                ? new NoveltyOptions(data.Codec.ClassValues[NormalClassOf(data, split.TrainRows)], f, NoveltyLayers, NoveltyEpochs) : null,
        };
        var chosen = WithQuality(request, q);
        chosen.ModelKind = c.Kind;
        return chosen;
    }

    private static AntiNexRequest WithQuality(AntiNexRequest r, QualityOptions q)
    {
        var copy = r.Copy();
        copy.Quality = q;
        return copy;
    }

    /// <summary>The normal class: class value 0 (the AntiNex convention) when present, else the most frequent training class.</summary>
    private static int NormalClassOf(PreparedData data, int[] trainRows)
    {
        int zero = data.Codec.IndexOf(0);
        return zero >= 0 ? zero : trainRows.GroupBy(i => data.Classes![i]).OrderByDescending(g => g.Count()).ThenBy(g => g.Key).First().Key;
    }

    private static bool[]? Flags(double[]? errors, double? cut) => errors is null || cut is not { } c ? null : errors.Select(e => e > c).ToArray();

    /// <summary>
    /// One candidate network (this run's recipe) fitted on <paramref name="rows"/>: validation carve, pipeline, class
    /// weights and early stopping inside those rows, exactly as the final fit does on the training split. With
    /// <paramref name="noveltyClass"/>, the novelty detector is fitted on the normal fitting rows too.
    /// </summary>
    private CandidateFit FitCandidate(PreparedData data, int[] rows, FitSettings settings, IReadOnlyList<int[]> evaluate, int? noveltyClass)
    {
        ct.ThrowIfCancellationRequested();
        var (frame, y, classes, codec) = (data.Frame, data.Y, data.Classes, data.Codec);
        var (fitRows, valRows) = RowSplit.Carve(request, rows, classes, request.Seed);
        var pipeline = FeaturePipeline.Fit(frame, fitRows, data.Features, request);
        var train = ToTensorData(pipeline, frame, fitRows, y, classes, codec);
        var val = valRows.Length > 0 ? ToTensorData(pipeline, frame, valRows, y, classes, codec) : null;
        settings = settings with { ClassWeights = ClassWeightsFor(fitRows, classes, codec) };
        using var gen = new torch.Generator((ulong)request.Seed);
        using var net = NewNetwork(pipeline.Width, data.Layers, gen);
        Trainer.Fit(new FitRequest(net, train, val, settings, progress, "select"), ct);
        var sets = evaluate.Select(e => ToTensorData(pipeline, frame, e, y, classes, codec)).ToList();
        var outputs = sets.Select(s => Trainer.Forward(net, s.X, s.Rows, s.Width)).ToArray();
        double? f1 = net.Outputs == 1 && val is not null
            ? Metrics.ChooseThreshold(val.Classes!, Trainer.Forward(net, val.X, val.Rows, val.Width).Select(v => (double)v).ToArray(), "f1", null)
            : null;
        if (noveltyClass is not { } normal || val is null) return new CandidateFit(outputs, f1, null, null);
        var (fitX, fitN) = RowsOf(train, normal);
        var (valX, valN) = RowsOf(val, normal);
        if (fitN == 0 || valN == 0) return new CandidateFit(outputs, f1, null, null);
        using var detector = NoveltyDetector.Fit(fitX, fitN, train.Width, NoveltyLayers, NoveltyEpochs, 256, 1e-3, request.Seed, ct);
        return new CandidateFit(outputs, f1, sets.Select(s => detector.Errors(s.X, s.Rows)).ToArray(), detector.Errors(valX, valN));
    }

    /// <summary>One tree candidate on <paramref name="rows"/>: fitted on the validation carve's fitting rows with this run's
    /// pipeline, as the tree model kind serves it; its F1 threshold (binary) from the carve's validation rows.</summary>
    private CandidateFit FitTreeCandidate(TreeKind kind, PreparedData data, int[] rows, IReadOnlyList<int[]> evaluate)
    {
        ct.ThrowIfCancellationRequested();
        var (frame, y, classes, codec) = (data.Frame, data.Y, data.Classes, data.Codec);
        var (fitRows, valRows) = RowSplit.Carve(request, rows, classes, request.Seed);
        var pipeline = FeaturePipeline.Fit(frame, fitRows, data.Features, request);
        var train = ToTensorData(pipeline, frame, fitRows, y, classes, codec);
        Report("select", $"fitting {kind} on {fitRows.Length} rows");
        var model = TreeLearner.Fit(new TreeSpec(kind), train.X, train.Rows, train.Width, train.Classes!.Select(c => (float)c).ToArray(),
            codec.ClassValues.Count, request.Seed, ct);
        float[] Score(TensorData d)
        {
            var o = new float[d.Rows * model.OutputWidth];
            model.Score(d.X, d.Rows, o);
            return o;
        }
        var outputs = evaluate.Select(e => Score(ToTensorData(pipeline, frame, e, y, classes, codec))).ToArray();
        double? f1 = null;
        if (model.OutputWidth == 1 && valRows.Length > 0)
        {
            var val = ToTensorData(pipeline, frame, valRows, y, classes, codec);
            f1 = Metrics.ChooseThreshold(val.Classes!, Score(val).Select(v => (double)v).ToArray(), "f1", null);
        }
        return new CandidateFit(outputs, f1, null, null);
    }

    private static (float[] X, int Rows) RowsOf(TensorData d, int cls)
    {
        var idx = Enumerable.Range(0, d.Rows).Where(i => d.Classes![i] == cls).ToArray();
        var x = new float[idx.Length * d.Width];
        for (int j = 0; j < idx.Length; j++) Array.Copy(d.X, idx[j] * d.Width, x, j * d.Width, d.Width);
        return (x, idx.Length);
    }
}
