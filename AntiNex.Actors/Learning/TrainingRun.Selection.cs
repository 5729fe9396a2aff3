using System.Diagnostics;
using AntiNex.Learning.Selection;
using AntiNex.Learning.Trees;
using AntiNex.Reporting;
using AntiNex.Requests;
using TorchSharp;

namespace AntiNex.Learning;

internal sealed partial class TrainingRun
{
    /// <summary>Novelty detector settings the auto mode tries on top of the base, tightest first (the max_fpr values), and uses
    /// (size, epochs).</summary>
    private static readonly double[] NoveltyFprs = [0.002, 0.005, 0.01, 0.02];
    /// <summary>What it must add on the leave-attack-kind-out rows: balanced-accuracy points, at least, and per point of cost.</summary>
    private const double NoveltyMinGain = 2.0, NoveltyGainPerCost = 4.0;
    private static readonly IReadOnlyList<int> NoveltyLayers = [128, 32];
    private const int NoveltyEpochs = 10;
    /// <summary>Outlier exposure auto tries on a tree base, gentlest first: the share of features each synthetic row replaces
    /// (half: far from normal traffic; a quarter: closer, catching more new kinds and risking more normal rows).</summary>
    private static readonly double[] ExposureShares = [0.5, 0.25];
    /// <summary>Decision thresholds auto tries below 0.5 on a LightGBM base, gentlest first. A boosted ensemble's probability for a
    /// row unlike every training row stays near what its nearest leaves say; a new attack kind often lands a little above zero,
    /// where 0.5 calls it normal. Only on LightGBM: the leave-out rows judge a tree base by a LightGBM refit, and FastTree's
    /// calibrated probabilities put the same threshold elsewhere.</summary>
    private static readonly double[] ThresholdSteps = [0.3, 0.2, 0.1, 0.05, 0.02];

    /// <summary>One auto-mode choice: decision threshold, novelty detector, class weights.</summary>
    private sealed record Choice(string Name, bool F1Threshold, double? NoveltyFpr, bool Balanced)
    {
        public string? Scaler { get; init; }
        /// <summary>network, or a tree kind (TreeKinds.LightGbm): served by the engine's tree model kind.</summary>
        public string Kind { get; init; } = TreeKinds.Network;
        /// <summary>outlier_exposure for a tree base (0 = off).</summary>
        public double Exposure { get; init; }
        /// <summary>A fixed decision threshold auto chose for a tree base (null: 0.5, or the F1 threshold).</summary>
        public double? Threshold { get; init; }
    }

    /// <summary>Tree candidates: FastTree and LightGBM for a binary target; for multi-class LightGBM, and FastTree while its
    /// one-versus-all fit (one binary fit per class) stays within <see cref="MaxOneVersusAllWork"/>.</summary>
    private static readonly (string Kind, TreeKind Tree)[] BinaryTreeCandidates =
        [(TreeKinds.FastTree, TreeKind.FastTree), (TreeKinds.LightGbm, TreeKind.LightGbm)];
    private static readonly (string Kind, TreeKind Tree)[] MultiClassTreeCandidates =
        [(TreeKinds.LightGbm, TreeKind.LightGbm), (TreeKinds.FastTree, TreeKind.FastTree)];
    /// <summary>Classes x fitting rows up to which FastTree's one-versus-all is a multi-class candidate: 16 classes of
    /// 100,000 rows pass (tens of seconds per class on one core); beyond it the k binary fits would dominate the run.</summary>
    private const long MaxOneVersusAllWork = 2_000_000;

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
            baseRequest.Loss = data.Task switch
            {
                TaskKind.Binary => "binary_crossentropy",
                TaskKind.MultiClass => "categorical_crossentropy",
                _ => "mse",
            };
        if (request.Layers is null)
            data = data with
            {
                Layers = AutoRecipe.Layers(data.Task == TaskKind.MultiClass ? data.Codec.ClassValues.Count : 1, data.Regression),
            };
        var run = Sibling(baseRequest);
        if (options.CrossValidationOnly) return run.Continue(data, split, wall, null);
        var settings = run.Recipe(data);
        var (chosen, report) = data.Regression ? run.SelectRegression(data, split, settings) : run.Select(data, split, settings);
        var final = run.Sibling(chosen);
        return final.Continue(data, split, wall, report);
    }

    /// <summary>This run's quality options (readable on a sibling run).</summary>
    private QualityOptions Quality => request.Quality;

    /// <summary>A run of another request on the same roots, options, progress and cancellation, carrying the warnings so far.</summary>
    private TrainingRun Sibling(AntiNexRequest other)
    {
        var run = new TrainingRun(other, roots, options, progress, ct);
        run._warnings.AddRange(_warnings);
        return run;
    }

    /// <summary>
    /// Fits the candidates on the training split minus the selection rows and scores them on the selection rows (and on a
    /// leave-attack-kind-out split for a binary target with attack kinds). The scaler is chosen for the network first; the
    /// tree ensembles always take the request's scaler (standard: trees split on order, finer inputs serve them better).
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
        string? noLeaveOut = null;
        if (binary && q.ValidationSplit > 0 && data.Frame.Text.TryGetValue(data.PredictFeature, out var kinds))
            lao = LeaveKindOut.Of(kinds, classes, normal, innerFit, split.TrainRows, selection, out noLeaveOut);

        // The scaler first (the request's recipe otherwise): each scaler's network on the selection rows.
        (TrainingRun Run, CandidateFit Fit, double Score)? best = null;
        CandidateFit? own = null; // this run's (the request's scaler) fit: its detector errors go with the trees
        foreach (var scaler in q.ScalerByData ? AutoRecipe.Scalers : [q.Scaler])
        {
            var run = scaler == q.Scaler ? this : Sibling(WithQuality(request, q with { Scaler = scaler }));
            var fit = run.FitCandidate(data, innerFit, settings, [selection], lao is null ? null : normal);
            if (run == this) own = fit;
            var predicted = binary ? Scores.Binary(fit.Outputs[0], 0.5, null, normal) : Scores.ArgMax(fit.Outputs[0], k);
            double macro = Scores.MacroF1(truth, predicted, k), accuracy = Scores.Accuracy(truth, predicted);
            double score = binary ? accuracy : 100 * macro;
            if (q.ScalerByData)
                scored.Add((new Choice($"network, scaler {scaler}", false, null, q.BalancedClassWeights) { Scaler = scaler },
                    new CandidateScore($"network, scaler {scaler} (scaler choice)", score, accuracy, macro,
                        binary ? Scores.Fpr(truth, predicted, normal) : null, null)
                    { Verdict = "scaler choice for the network" }));
            if (best is null || score > best.Value.Score) best = (run, fit, score);
        }
        var (chosen, iid, _) = best!.Value;
        var (winner, metric) = binary
            ? SelectBinary(chosen, this, data, innerFit, selection, settings, iid, own!, lao, truth, normal, k, scored)
            : chosen.SelectMultiClass(this, data, innerFit, selection, settings, iid, truth, k, scored);
        if (lao is null && noLeaveOut is not null)
            metric += $"; no leave-attack-kind-out split ({noLeaveOut}): no step on top of the base is tried";
        var report = new SelectionReport
        {
            Winner = winner.Name, Metric = metric, FitRows = innerFit.Length, SelectionRows = selection.Length, HeldOutKinds = lao?.HeldOutKinds,
            LeaveOutRows = lao?.Evaluate.Length, Candidates = scored.Select(s => s.Score).ToList(), Seconds = watch.Elapsed.TotalSeconds,
        };
        return (chosen.Apply(winner, data, split), report);
    }

    /// <summary>One binary base candidate: a network or a tree ensemble at a threshold, with what it scored.</summary>
    private sealed record BinaryBase(Choice Choice, TrainingRun Run, float[] Selection, double Threshold, double Accuracy, double Fpr,
        CandidateFit Fit, TreeKind? Tree);

    /// <summary>
    /// Binary, in two stages. Known traffic first: the network (chosen scaler) and the tree ensembles (FastTree, LightGBM),
    /// each at 0.5 or at its F1 threshold, scored by accuracy on the selection rows; the base is the most accurate candidate
    /// that is at least as accurate as the best tree AND has no higher false-positive rate (so it is never worse than a tree
    /// on traffic like the training rows; ties keep the lower FPR, then the earlier candidate). Then, with attack kinds, steps
    /// on top of the base, each on the best admitted step before it: for a tree base outlier exposure (gentlest share first),
    /// then for LightGBM a lower decision threshold (highest first); then the novelty detector, tightest max_fpr first. Each is admitted
    /// only if on the selection rows it costs at most
    /// novelty_budget accuracy points and twice that in FPR points (default 0: not one known-traffic row), and on the
    /// leave-attack-kind-out rows it adds at least <see cref="NoveltyMinGain"/> balanced-accuracy points and
    /// <see cref="NoveltyGainPerCost"/> times its accuracy cost; the admitted setting with the best leave-out balanced
    /// accuracy wins (ties keep the tighter one).
    /// </summary>
    private static (Choice Winner, string Metric) SelectBinary(TrainingRun self, TrainingRun trainer, PreparedData data, int[] innerFit,
        int[] selection, FitSettings settings, CandidateFit network, CandidateFit own, LeaveKindOut? lao, int[] truth, int normal, int k,
        List<(Choice Choice, CandidateScore Score)> scored)
    {
        var q = self.Quality;
        var bases = new List<BinaryBase>();
        CandidateScore Known(BinaryBase b, string verdict) => new(b.Choice.Name, b.Accuracy, b.Accuracy,
            Scores.MacroF1(truth, Scores.Binary(b.Selection, b.Threshold, null, normal), k), b.Fpr, null)
        { Verdict = verdict };
        void Add(Choice choice, TrainingRun run, CandidateFit fit, TreeKind? tree)
        {
            // Trees at 0.5 only: served at 0.5 they fit every training row (no carve withheld), and an F1 threshold from a
            // 10 % carve moved tree decisions by noise, not signal.
            bool[] thresholds = q.Threshold is not null ? [true] : fit.F1Threshold is null || tree is not null ? [false] : [false, true];
            foreach (var f1 in thresholds)
            {
                double t = q.Threshold?.Value ?? (f1 ? fit.F1Threshold ?? 0.5 : 0.5);
                var predicted = Scores.Binary(fit.Outputs[0], t, null, normal);
                var name = choice.Name + (!f1 ? "" : q.Threshold?.Value is { } v ? $", threshold {v}"
                    : q.Threshold is { Optimize: "max_fpr", MaxFpr: { } m } ? $", max_fpr {m} threshold" : ", f1 threshold");
                bases.Add(new BinaryBase(choice with { Name = name, F1Threshold = f1 }, run, fit.Outputs[0], t, Scores.Accuracy(truth, predicted),
                    Scores.Fpr(truth, predicted, normal), fit, tree));
            }
        }
        foreach (var (kindName, tree) in BinaryTreeCandidates)
        {
            if (trainer.TryFitTreeCandidate(tree, data, innerFit, [selection]) is not { } fit) continue;
            Add(new Choice($"{kindName}, scaler {trainer.Quality.Scaler}", false, null, false)
            { Scaler = trainer.Quality.Scaler, Kind = kindName }, trainer,
                fit with { Errors = own.Errors, NormalValidationErrors = own.NormalValidationErrors }, tree); // the detector on the trees' inputs
        }
        Add(new Choice($"network, scaler {q.Scaler}", false, null, q.BalancedClassWeights) { Scaler = q.Scaler }, self, network, null);

        // No tree could be fitted (LightGBM and FastTree both refused these few rows): the network is compared with itself.
        var bestTree = bases.Where(b => b.Tree is not null).OrderByDescending(b => b.Accuracy).ThenBy(b => b.Fpr).FirstOrDefault()
            ?? bases.OrderByDescending(b => b.Accuracy).ThenBy(b => b.Fpr).First();
        var eligible = bases.Where(b => b.Accuracy >= bestTree.Accuracy && b.Fpr <= bestTree.Fpr).ToList();
        var chosen = eligible.OrderByDescending(b => b.Accuracy).ThenBy(b => b.Fpr).First();
        var mine = bases.Select(b => (b.Choice, Known(b, b == chosen ? "base: most accurate, never below the best tree"
            : eligible.Contains(b) ? EligibleVerdict(b.Accuracy, b.Fpr, chosen.Accuracy, chosen.Fpr)
            : b.Accuracy < bestTree.Accuracy ? "below the best tree's accuracy"
            : "FPR above the best tree's"))).ToList();
        var metric = "accuracy % on the selection rows; the base must match the best tree's accuracy and FPR there";
        var winner = chosen.Choice;
        // A tree base is judged on the leave-out rows by a LightGBM fit without the held-out kinds: none, no second stage.
        var laoFit = lao is null ? null
            : chosen.Tree is not null ? trainer.TryFitTreeCandidate(TreeKind.LightGbm, data, lao.Fit, [lao.Evaluate], 0, chosen.Run)
            : chosen.Run.FitCandidate(data, lao.Fit, settings, [lao.Evaluate], null);
        if (lao is not null && laoFit is not null)
        {
            metric += "; outlier exposure (a tree base), a lower threshold (LightGBM) and the novelty detector are admitted by their cost " +
                $"on the selection rows (novelty_budget {q.NoveltyBudget}) and their gain on the leave-attack-kind-out rows";
            var classes = data.Classes!;
            var laoTruth = lao.Evaluate.Select(i => classes[i]).ToArray();
            // The base refitted without the held-out kinds, scored on their rows and the normal selection rows. A tree base is
            // refitted as LightGBM: the gains are judged against a tree ensemble at a tenth of FastTree's cost.
            double laoThreshold = q.Threshold?.Value ?? (chosen.Choice.F1Threshold ? laoFit.F1Threshold ?? 0.5 : 0.5);
            double baseLao = Scores.BalancedAccuracy(laoTruth, Scores.Binary(laoFit.Outputs[0], laoThreshold, null, normal), 2);
            mine[bases.IndexOf(chosen)] = (chosen.Choice, Known(chosen, "base: most accurate, never below the best tree") with
            { LeaveOutBalancedAccuracy = baseLao });
            double bestLao = baseLao;
            var top = (chosen.Choice, Selection: chosen.Selection, chosen.Threshold, Lao: laoFit.Outputs[0], LaoThreshold: laoThreshold);
            // What a step on top of the base costs on the selection rows and gains on the leave-out rows: admitted within the
            // budget, for a real gain, and kept if it beats every admitted step before it.
            bool Consider(Choice choice, int[] known, int[] laoPredicted)
            {
                double accuracy = Scores.Accuracy(truth, known), fprRate = Scores.Fpr(truth, known, normal);
                double laoScore = Scores.BalancedAccuracy(laoTruth, laoPredicted, 2);
                double cost = chosen.Accuracy - accuracy, gain = laoScore - baseLao;
                bool admitted = cost <= q.NoveltyBudget + 1e-9 && fprRate - chosen.Fpr <= 2 * q.NoveltyBudget + 1e-9 && gain >= NoveltyMinGain
                    && gain >= NoveltyGainPerCost * cost;
                bool better = admitted && laoScore > bestLao;
                string verdict = !admitted ? $"not admitted: costs {cost:0.00} accuracy / {fprRate - chosen.Fpr:0.00} FPR points, gains {gain:0.00}"
                    : better ? "admitted" : "admitted, no better than a simpler step";
                if (better) (winner, bestLao) = (choice, laoScore);
                mine.Add((choice, new CandidateScore(choice.Name, laoScore, accuracy, Scores.MacroF1(truth, known, k), fprRate, laoScore)
                { Verdict = verdict }));
                return better;
            }
            int[] Decide(float[] scores, double threshold, bool[]? flags) => Scores.Binary(scores, threshold, flags, normal);
            if (chosen.Tree is { } tree)
                foreach (var share in ExposureShares)
                {
                    // Outlier exposure: the same tree fitted with synthetic not-normal rows among its own.
                    if (trainer.TryFitTreeCandidate(tree, data, innerFit, [selection], share, chosen.Run) is not { } exposed
                        || trainer.TryFitTreeCandidate(TreeKind.LightGbm, data, lao.Fit, [lao.Evaluate], share, chosen.Run) is not { } exposedLao)
                        continue;
                    var choice = chosen.Choice with { Name = chosen.Choice.Name + $" + outlier exposure {share}", Exposure = share };
                    // Judged at the threshold it would be served at: the request's rule chooses one for the exposed tree itself.
                    double at = q.Threshold?.Value ?? (chosen.Choice.F1Threshold ? exposed.F1Threshold ?? 0.5 : 0.5);
                    double atLao = q.Threshold?.Value ?? (chosen.Choice.F1Threshold ? exposedLao.F1Threshold ?? 0.5 : 0.5);
                    if (Consider(choice, Decide(exposed.Outputs[0], at, null), Decide(exposedLao.Outputs[0], atLao, null)))
                        top = (choice, exposed.Outputs[0], at, exposedLao.Outputs[0], atLao);
                }
            // A lower threshold on the LightGBM so far, judged as the steps before it. Not when the request gives its own rule,
            // nor when the positive output (the one a threshold lowers) is the normal class.
            if (chosen.Tree == TreeKind.LightGbm && q.Threshold is null && normal == 0)
            {
                var below = top;
                foreach (var t in ThresholdSteps)
                {
                    var choice = below.Choice with { Name = below.Choice.Name + $" + threshold {t}", Threshold = t };
                    if (Consider(choice, Decide(below.Selection, t, null), Decide(below.Lao, t, null)))
                        top = (choice, below.Selection, t, below.Lao, t);
                }
            }
            // The detector on the leave-out rows is fitted without the held-out kinds, as the base was: on the base's inputs
            // (the network's run, or this run's for a tree base, whose detector is this run's network's).
            var laoDetector = chosen.Fit.Errors is null ? null
                : (chosen.Tree is null ? chosen.Run : trainer).FitDetector(data, lao.Fit, [lao.Evaluate], normal);
            if (chosen.Fit.Errors is { } errors && laoDetector is not null)
                foreach (var fpr in NoveltyFprs)
                {
                    double cut = NoveltyDetector.QuantileThreshold(chosen.Fit.NormalValidationErrors!, fpr);
                    double laoCut = NoveltyDetector.QuantileThreshold(laoDetector.NormalValidation, fpr);
                    var choice = top.Choice with { Name = top.Choice.Name + $" + novelty max_fpr {fpr}", NoveltyFpr = fpr };
                    Consider(choice, Decide(top.Selection, top.Threshold, Flags(errors[0], cut)),
                        Decide(top.Lao, top.LaoThreshold, Flags(laoDetector.Errors[0], laoCut)));
                }
        }
        foreach (var m in mine)
            scored.Add((m.Choice, m.Choice == winner ? m.Item2 with { Verdict = "winner; " + m.Item2.Verdict } : m.Item2));
        return (winner, metric);
    }

    /// <summary>What a multi-class challenger needs to replace the reference tree: to be ahead in macro-F1 on this share of
    /// the bootstrap resamples of the selection rows.</summary>
    private const double SureShare = 0.95;

    /// <summary>
    /// Multi-class: the network unweighted or with balanced class weights (unless the request gives them), and the tree
    /// candidates (FastTree only within <see cref="MaxOneVersusAllWork"/>). The reference is FastTree (LightGBM when
    /// FastTree is not a candidate): another candidate replaces it only if it is at least as accurate on the selection rows
    /// and ahead in macro-F1 on <see cref="SureShare"/> of their bootstrap resamples; of those, the highest macro-F1 wins.
    /// Macro-F1 on rare classes turns on one or two selection rows: the plain highest score served a tree or network that
    /// then lost to FastTree on held-out rows.
    /// </summary>
    private (Choice Winner, string Metric) SelectMultiClass(TrainingRun trainer, PreparedData data, int[] innerFit, int[] selection,
        FitSettings settings, CandidateFit plain, int[] truth, int k, List<(Choice Choice, CandidateScore Score)> scored)
    {
        var q = request.Quality;
        bool[] weightings = q.BalancedClassWeights || q.ClassWeights is not null ? [q.BalancedClassWeights] : [false, true];
        var mine = new List<(Choice Choice, CandidateScore Score, int[] Predicted)>();
        void Add(Choice choice, int[] predicted)
        {
            double macro = Scores.MacroF1(truth, predicted, k);
            mine.Add((choice, new CandidateScore(choice.Name, 100 * macro, Scores.Accuracy(truth, predicted), macro,
                Scores.Fpr(truth, predicted, 0), null), predicted));
        }
        foreach (var balanced in weightings)
        {
            var fit = balanced == q.BalancedClassWeights ? plain
                : Sibling(WithQuality(request, q with { BalancedClassWeights = balanced })).FitCandidate(data, innerFit, settings, [selection], null);
            var name = $"network, scaler {q.Scaler}" + (balanced ? ", balanced class weights" : "");
            Add(new Choice(name, false, null, balanced) { Scaler = q.Scaler }, Scores.ArgMax(fit.Outputs[0], k));
        }
        foreach (var (kindName, tree) in MultiClassTreeCandidates)
        {
            if (tree == TreeKind.FastTree && (long)k * innerFit.Length > MaxOneVersusAllWork) continue;
            var treeScaler = trainer.Quality.Scaler;
            if (trainer.TryFitTreeCandidate(tree, data, innerFit, [selection]) is not { } fit) continue;
            Add(new Choice($"{kindName}, scaler {treeScaler}", false, null, false) { Scaler = treeScaler, Kind = kindName },
                Scores.ArgMax(fit.Outputs[0], k));
        }
        var reference = mine.OrderBy(m => ReferenceRank(m.Choice)).First();
        var verdicts = new Dictionary<Choice, string>();
        var admitted = new List<(Choice Choice, CandidateScore Score)>();
        foreach (var m in mine.Where(m => m.Choice != reference.Choice))
        {
            double share = PairedBootstrap.ShareAhead(truth, m.Predicted, reference.Predicted, k, request.Seed);
            string ahead = $"macro-F1 ahead on {100 * share:0} % of {PairedBootstrap.Resamples} resamples";
            if (m.Score.Accuracy < reference.Score.Accuracy) { verdicts[m.Choice] = $"less accurate than the reference; {ahead}"; continue; }
            if (share < SureShare) { verdicts[m.Choice] = $"{ahead} (needs {100 * SureShare:0} %)"; continue; }
            verdicts[m.Choice] = $"admitted: {ahead}";
            admitted.Add((m.Choice, m.Score));
        }
        var winner = admitted.Count > 0 ? Best(admitted) : reference.Choice;
        verdicts[reference.Choice] = "reference";
        scored.AddRange(mine.Select(m => (m.Choice, m.Score with
        {
            Verdict = (m.Choice == winner ? "winner; " : "") + verdicts[m.Choice],
        })));
        return (winner, $"macro-F1 (x100) on the selection rows; the reference ({reference.Choice.Name}) is replaced only by a candidate " +
            $"at least as accurate and ahead in macro-F1 on {100 * SureShare:0} % of {PairedBootstrap.Resamples} bootstrap resamples of them");
    }

    /// <summary>Why an eligible binary base was not served: a tie with the winner says so, since "less accurate" there
    /// would tell the reader the winner scored higher when only the candidate order decided.</summary>
    internal static string EligibleVerdict(double accuracy, double fpr, double winnerAccuracy, double winnerFpr)
        => accuracy < winnerAccuracy ? "eligible, less accurate"
            : fpr > winnerFpr ? "eligible, as accurate, higher FPR"
            : "eligible, tied with the winner (the earlier candidate is served)";

    /// <summary>The highest score; ties keep the earlier, simpler candidate.</summary>
    private static Choice Best(List<(Choice Choice, CandidateScore Score)> candidates)
        => candidates.First(c => c.Score.Score == candidates.Max(x => x.Score.Score)).Choice;

    /// <summary>The request the winner is trained with on the whole training split.</summary>
    private AntiNexRequest Apply(Choice c, PreparedData data, RowSplit split)
    {
        var q = request.Quality with
        {
            Threshold = c.Threshold is { } t ? ThresholdRule.Fixed(t)
                : c.F1Threshold ? request.Quality.Threshold ?? new ThresholdRule("f1", null) : null,
            BalancedClassWeights = c.Balanced,
            OutlierExposure = c.Exposure,
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
        if (noveltyClass is not null && !AutoNoveltyFits(pipeline.Width)) noveltyClass = null; // decided before the network trains
        var train = ToTensorData(pipeline, frame, fitRows, y, classes, codec);
        var val = valRows.Length > 0 ? ToTensorData(pipeline, frame, valRows, y, classes, codec) : null;
        settings = settings with { ClassWeights = ClassWeightsFor(fitRows, classes, codec) };
        using var gen = new torch.Generator((ulong)request.Seed);
        using var net = NewNetwork(pipeline.Width, data.Layers, gen);
        Trainer.Fit(new FitRequest(net, train, val, settings, progress, "select"), ct);
        var sets = evaluate.Select(e => ToTensorData(pipeline, frame, e, y, classes, codec)).ToList();
        var outputs = sets.Select(s => Trainer.Forward(net, s.X, s.Rows, s.Width)).ToArray();
        double? f1 = net.Outputs == 1 && val is not null && !codec.Regression
            ? ChosenThreshold(val.Classes!, Trainer.Forward(net, val.X, val.Rows, val.Width))
            : null;
        var detector = noveltyClass is { } normal ? FitDetector(train, val, sets, normal) : null;
        return new CandidateFit(outputs, f1, detector?.Errors, detector?.NormalValidation);
    }

    /// <summary>A candidate's threshold chosen on its carve's validation rows by the rule it would be served with: the
    /// request's own rule (f1 or max_fpr) when it gives one, else F1 (the auto mode's F1 candidate).</summary>
    private double ChosenThreshold(int[] truth, float[] scores)
    {
        var rule = request.Quality.Threshold is { Value: null } given ? given : new ThresholdRule("f1", null);
        return Metrics.ChooseThreshold(truth, scores.Select(v => (double)v).ToArray(), rule.Optimize, rule.MaxFpr);
    }

    /// <summary>The novelty detector alone, fitted on <paramref name="rows"/> as <see cref="FitCandidate"/> fits it (this
    /// run's pipeline on the carve's fitting rows, the normal ones), scoring <paramref name="evaluate"/>. The leave-out split
    /// needs its own: a pipeline fitted with the held-out kinds' rows knows their categories, which a new kind's would not
    /// be, and the detector would flag them for it.</summary>
    private DetectorScores? FitDetector(PreparedData data, int[] rows, IReadOnlyList<int[]> evaluate, int normal)
    {
        ct.ThrowIfCancellationRequested();
        var (frame, y, classes, codec) = (data.Frame, data.Y, data.Classes, data.Codec);
        var (fitRows, valRows) = RowSplit.Carve(request, rows, classes, request.Seed);
        if (valRows.Length == 0) return null;
        var pipeline = FeaturePipeline.Fit(frame, fitRows, data.Features, request);
        var train = ToTensorData(pipeline, frame, fitRows, y, classes, codec);
        var val = ToTensorData(pipeline, frame, valRows, y, classes, codec);
        return FitDetector(train, val, evaluate.Select(e => ToTensorData(pipeline, frame, e, y, classes, codec)).ToList(), normal);
    }

    private DetectorScores? FitDetector(TensorData train, TensorData? val, IReadOnlyList<TensorData> sets, int normal)
    {
        if (val is null) return null;
        var (fitX, fitN) = RowsOf(train, normal);
        var (valX, valN) = RowsOf(val, normal);
        if (fitN < 2 || valN == 0) return null; // the detector needs two normal fitting rows; without, auto tries no detector
        if (!AutoNoveltyFits(train.Width)) return null;
        Report("select", $"fitting the novelty detector on {fitN} normal rows");
        using var detector = NoveltyDetector.Fit(fitX, fitN, train.Width, NoveltyLayers, NoveltyEpochs, 256, 1e-3, request.Seed, ct);
        return new DetectorScores(sets.Select(s => detector.Errors(s.X, s.Rows)).ToArray(), detector.Errors(valX, valN));
    }

    /// <summary>Auto's own detector counts against MaxNetworkParameters as a requested one does; one the caller never asked
    /// for is left out with a warning (as without normal rows), not a reason to refuse the request.</summary>
    private bool AutoNoveltyFits(int inputs)
    {
        var limit = options.EffectiveLimits.MaxNetworkParameters;
        var size = NetworkSize.Autoencoder(inputs, NoveltyLayers);
        if (size <= limit) return true;
        var note = $"model_kind auto: no novelty detector was tried: its autoencoder would have {size:N0} weights and biases at " +
                   $"{inputs} inputs after one-hot, above the limit of {limit:N0}";
        if (!_warnings.Contains(note)) _warnings.Add(note);
        return false;
    }

    /// <summary>A detector's errors on each evaluated row set, and on the normal rows of its validation carve (its cuts).</summary>
    private sealed record DetectorScores(double[][] Errors, double[] NormalValidation);

    /// <summary>One tree candidate on <paramref name="rows"/>: fitted on the validation carve's fitting rows with this run's
    /// pipeline, as the tree model kind serves it; its F1 threshold (binary) from the carve's validation rows.</summary>
    private CandidateFit FitTreeCandidate(TreeKind kind, PreparedData data, int[] rows, IReadOnlyList<int[]> evaluate, double exposure = 0)
    {
        ct.ThrowIfCancellationRequested();
        var (frame, y, classes, codec) = (data.Frame, data.Y, data.Classes, data.Codec);
        var (fitRows, valRows) = RowSplit.Carve(request, rows, classes, request.Seed);
        var pipeline = FeaturePipeline.Fit(frame, fitRows, data.Features, request);
        var train = Exposed(ToTensorData(pipeline, frame, fitRows, y, classes, codec), pipeline, data, rows, exposure, request.Seed);
        Report("select", $"fitting {kind} on {fitRows.Length} rows");
        var model = TreeLearner.Fit(TreeSpec.Served(kind), train.X, train.Rows, train.Width,
            train.Classes?.Select(c => (float)c).ToArray() ?? train.Targets!, codec.Regression ? 0 : codec.ClassValues.Count, request.Seed, ct);
        float[] Score(TensorData d)
        {
            var o = new float[ArrayCells.Of(d.Rows, model.OutputWidth, "predict_feature", "class outputs")];
            model.Score(d.X, d.Rows, o);
            return o;
        }
        var outputs = evaluate.Select(e => Score(ToTensorData(pipeline, frame, e, y, classes, codec))).ToArray();
        double? f1 = null;
        if (model.OutputWidth == 1 && valRows.Length > 0 && !codec.Regression)
        {
            var val = ToTensorData(pipeline, frame, valRows, y, classes, codec);
            f1 = ChosenThreshold(val.Classes!, Score(val));
        }
        return new CandidateFit(outputs, f1, null, null);
    }

    /// <summary><see cref="FitTreeCandidate"/> on <paramref name="run"/> (this run by default), or null when the learner cannot
    /// fit these rows (LightGBM on a few dozen rows): the candidate or step drops out of the comparison and the report's
    /// warnings say why, once per learner.</summary>
    private CandidateFit? TryFitTreeCandidate(TreeKind kind, PreparedData data, int[] rows, IReadOnlyList<int[]> evaluate, double exposure = 0,
        TrainingRun? run = null)
    {
        try { return (run ?? this).FitTreeCandidate(kind, data, rows, evaluate, exposure); }
        catch (TreeFitException e)
        {
            var left = $"model_kind auto: {TreeKinds.Name(kind)} left out where it could not be fitted";
            Report("select", $"{left} ({e.Message})");
            if (!_warnings.Any(w => w.StartsWith(left, StringComparison.Ordinal))) _warnings.Add($"{left} ({e.Message})");
            return null;
        }
    }

    /// <summary>The reference a multi-class or regression challenger must beat: FastTree, else LightGBM, else (neither could
    /// be fitted on these rows) the first network. OrderBy is stable, so ties keep the candidates' order.</summary>
    private static int ReferenceRank(Choice c) => c.Kind == TreeKinds.FastTree ? 0 : c.Kind == TreeKinds.LightGbm ? 1 : 2;

    private static (float[] X, int Rows) RowsOf(TensorData d, int cls)
    {
        var idx = Enumerable.Range(0, d.Rows).Where(i => d.Classes![i] == cls).ToArray();
        var x = new float[idx.Length * d.Width];
        for (int j = 0; j < idx.Length; j++) Array.Copy(d.X, idx[j] * d.Width, x, j * d.Width, d.Width);
        return (x, idx.Length);
    }
}
