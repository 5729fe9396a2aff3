using System.Diagnostics;
using AntiNex.Data;
using AntiNex.Reporting;
using AntiNex.Requests;
using TorchSharp;

namespace AntiNex.Learning;

/// <summary>
/// ensemble.folds: the K cross-validation fold networks, averaged, are the served model (no separate final fit).
/// Holds the shared feature pipeline, the first member (with the others attached) and what the fits did.
/// </summary>
internal sealed class FoldEnsemble
{
    public required FeaturePipeline Pipeline { get; init; }
    /// <summary>Fold 1's network with folds 2..K attached as members (DenseNetwork.AttachMembers): one artifact.</summary>
    public required DenseNetwork Network { get; init; }
    /// <summary>Fold 1's per-epoch history (the report keeps one history; the other folds' epochs are in the CV entries).</summary>
    public required List<EpochHistory> History { get; init; }
    public required FitInfo Info { get; init; }
    /// <summary>Chosen on the out-of-fold predictions of the training split; null without a threshold rule.</summary>
    public double? Threshold { get; init; }
    public string? ThresholdRule { get; init; }
    public double FitSeconds { get; init; }
    public double ValidationSeconds { get; init; }
    /// <summary>Sum over folds of fitting rows x epochs run (for rows/s).</summary>
    public double RowEpochs { get; init; }
    /// <summary>Validation rows carved inside fold 1's training rows (each fold carves its own, of about this size).</summary>
    public int ValidationRows { get; init; }

    /// <summary>The report fields that describe the fold networks rather than a single final fit.</summary>
    public TrainingReport Amend(TrainingReport report)
    {
        var trainingSeconds = FitSeconds - ValidationSeconds;
        report = report with
        {
            FitSeconds = FitSeconds,
            ValidationSeconds = ValidationSeconds,
            ValidationRows = ValidationRows,
            RowsPerSecond = trainingSeconds > 0 ? RowEpochs / trainingSeconds : 0,
            EpochsRun = Info.EpochsRun,
            BestEpoch = Info.BestEpoch,
        };
        return ThresholdRule is null ? report : report with { ThresholdRule = ThresholdRule };
    }

    /// <summary>The rule's text for the report: what was optimised, on which rows.</summary>
    public static string DescribeRule(ThresholdRule rule, int rows)
        => rule.Describe($"the out-of-fold predictions of the training split ({rows} rows, "
            + "each scored by the fold network that did not train on it)");
}

internal sealed partial class TrainingRun
{
    /// <summary>
    /// Trains the K fold networks of ensemble.folds. They double as the CV: each fold's held-out rows give its score
    /// (added to <paramref name="folds"/>) and its out-of-fold predictions. One artifact has one feature pipeline, so it is
    /// fitted once on the whole training split and every fold network trains on it: a fold's held-out rows contributed to
    /// the scaler statistics (CV scores only; the test rows never do). Inside each fold the recipe is the final fit's:
    /// validation carve of the fold's training rows (early stopping, schedules), class weights on its fitting rows.
    /// </summary>
    private FoldEnsemble TrainFoldEnsemble(PreparedData data, int[] trainRows, int[] foldOf, FitSettings settings, List<FoldScore> folds)
    {
        var (frame, features, y, classes, codec, layers) = (data.Frame, data.Features, data.Y, data.Classes, data.Codec, data.Layers);
        int k = request.NumSplits;
        var pipeline = FeaturePipeline.Fit(frame, trainRows, features, request);
        CheckNetworkSize(pipeline.Width, layers, k, folds: true); // all k are held at once: refused before the first fold trains
        var members = new List<DenseNetwork>();
        int outputs = layers[^1].Units;
        var outOfFold = new float[ArrayCells.Of(trainRows.Length, outputs, "predict_feature", "class outputs")];
        List<EpochHistory>? firstHistory = null;
        FitInfo? firstInfo = null;
        int firstValidationRows = 0;
        double validationSeconds = 0, rowEpochs = 0;
        var watch = Stopwatch.StartNew();
        try
        {
            for (int f = 0; f < k; f++)
            {
                ct.ThrowIfCancellationRequested();
                var heldPositions = Enumerable.Range(0, trainRows.Length).Where(i => foldOf[i] == f).ToArray();
                var foldTrain = trainRows.Where((_, i) => foldOf[i] != f).ToArray();
                var held = heldPositions.Select(i => trainRows[i]).ToArray();
                var s = settings with { Seed = request.Seed + 1000L * (f + 1) }; // the same seeds as the plain CV's folds
                var (fitRows, valRows) = RowSplit.Carve(request, foldTrain, classes, (int)s.Seed);
                s = s with { ClassWeights = ClassWeightsFor(fitRows, classes, codec) };
                var train = ToTensorData(pipeline, frame, fitRows, y, classes, codec);
                var val = valRows.Length > 0 ? ToTensorData(pipeline, frame, valRows, y, classes, codec) : null;
                var heldData = ToTensorData(pipeline, frame, held, y, classes, codec);
                using var gen = new torch.Generator((ulong)s.Seed);
                var net = NewNetwork(pipeline.Width, layers, gen);
                members.Add(net);
                var (history, valSeconds, info) = Trainer.Fit(new FitRequest(net, train, val, s, progress, "cv", f + 1, k), ct);
                validationSeconds += valSeconds;
                rowEpochs += (double)fitRows.Length * info.EpochsRun;
                if (f == 0) { firstHistory = history; firstInfo = info; firstValidationRows = valRows.Length; }

                // The fold's score uses the fold's own validation threshold, exactly like the plain CV, so CV means
                // stay comparable between a fold ensemble and the same request without one.
                double? foldThreshold = outputs != 1 ? null
                    : Metrics.ThresholdOf(request.Quality.Threshold, val?.Classes, () => Trainer.Forward(net, val!.X, val.Rows, val.Width));
                var heldOut = Trainer.Forward(net, heldData.X, heldData.Rows, heldData.Width);
                for (int i = 0; i < heldPositions.Length; i++)
                    Array.Copy(heldOut, (long)i * outputs, outOfFold, (long)heldPositions[i] * outputs, outputs);
                var score = FoldScoreOf(heldOut, heldData, held, y, codec, outputs, foldThreshold);
                folds.Add(new FoldScore(f + 1, score, foldTrain.Length, held.Length)
                {
                    EpochsRun = info.EpochsRun, BestEpoch = info.BestEpoch, ValidationRows = valRows.Length,
                });
            }
            watch.Stop();

            double? threshold = null;
            string? ruleText = null;
            if (request.Quality.Threshold is { } tr && outputs == 1 && classes is not null)
            {
                // Every training row scored by the one member that never saw it: clean, and uses all training rows.
                threshold = Metrics.ThresholdOf(tr, trainRows.Select(i => classes[i]).ToArray(), () => outOfFold);
                ruleText = FoldEnsemble.DescribeRule(tr, trainRows.Length);
            }
            var first = members[0];
            first.AttachMembers(members.Skip(1).ToList());
            return new FoldEnsemble
            {
                Pipeline = pipeline, Network = first, History = firstHistory!, Info = firstInfo!, Threshold = threshold,
                ThresholdRule = ruleText, FitSeconds = watch.Elapsed.TotalSeconds,
                ValidationSeconds = validationSeconds, RowEpochs = rowEpochs, ValidationRows = firstValidationRows,
            };
        }
        catch
        {
            foreach (var m in members) m.Dispose();
            throw;
        }
    }

    /// <summary>A fold's score on its held-out rows: accuracy % (classification) or MSE in target units (regression). A row
    /// whose outputs are not finite is decided as serving decides it (<see cref="TrainedModel"/>'s Decode): the alarm class,
    /// or 0 for regression; otherwise a diverged network would score as the share of class 0.</summary>
    internal static double FoldScoreOf(float[] outputs, TensorData data, int[] rows, double[] y, TargetCodec codec, int k, double? threshold)
    {
        var unscorable = InputGuard.FlagNonFiniteOutputs(outputs, data.Rows, null);
        if (codec.Regression)
        {
            var pred = Enumerable.Range(0, data.Rows).Select(i => unscorable?[i] == true ? 0 : codec.UnscaleTarget(outputs[i])).ToArray();
            return Metrics.Regress(rows.Select(i => y[i]).ToArray(), pred).Mse;
        }
        int correct = 0;
        for (int i = 0; i < data.Rows; i++)
        {
            int c;
            if (unscorable?[i] == true) c = 1; // the alarm class of a model without a novelty detector
            else if (k == 1) c = outputs[i] > (threshold ?? 0.5) ? 1 : 0;
            else { c = 0; for (int j = 1; j < k; j++) if (outputs[i * k + j] > outputs[i * k + c]) c = j; }
            if (c == data.Classes![i]) correct++;
        }
        return 100.0 * correct / data.Rows;
    }
}
