using AntiNex.Learning;
using AntiNex.Requests;
using TorchSharp;

namespace AntiNex.Tests.Learning;

/// <summary>Held-out scores must decide a non-finite network output (a diverged network) as serving answers it: the alarm
/// class. Deciding it as class 0 reported a diverged network's accuracy as the share of class 0.</summary>
public class NonFiniteOutputTests
{
    private static readonly TargetCodec Binary = new() { ClassValues = [0, 1], ClassNames = ["0", "1"] };

    [Fact]
    public void A_fold_score_counts_a_non_finite_output_as_the_alarm_class()
    {
        var data = new TensorData(new float[4], 4, 1, [1, 1, 0, 0], null);
        float[] outputs = [float.NaN, float.NaN, 0.2f, 0.1f];
        Assert.Equal(100.0, TrainingRun.FoldScoreOf(outputs, data, [0, 1, 2, 3], [1, 1, 0, 0], Binary, 1, 0.5));
        // multi-class: argmax over NaN would be class 0
        var multi = new TensorData(new float[2], 2, 1, [1, 0], null);
        var codec3 = new TargetCodec { ClassValues = [0, 1, 2], ClassNames = ["0", "1", "2"] };
        float[] three = [float.NaN, float.NaN, float.NaN, 0.8f, 0.1f, 0.1f];
        Assert.Equal(100.0, TrainingRun.FoldScoreOf(three, multi, [0, 1], [1, 0], codec3, 3, null));
    }

    [Fact]
    public void A_regression_fold_scores_a_non_finite_output_as_serving_answers_it()
    {
        var data = new TensorData(new float[2], 2, 1, null, [0f, 0f]);
        var codec = new TargetCodec { Regression = true };
        Assert.Equal(2.0, TrainingRun.FoldScoreOf([float.NaN, 0f], data, [0, 1], [2, 0], codec, 1, null), 9);
    }

    [Fact]
    public void An_operating_point_and_a_chosen_threshold_treat_a_non_finite_score_as_positive()
    {
        var at = Metrics.At([1, 0, 0], [double.NaN, 0.2, 0.1], 0.5);
        Assert.Equal(100.0, at.Accuracy, 9);
        // A cut is chosen as if the NaN rows were called positive, as serving calls them: here the positives are exactly
        // the NaN row and the 0.9 row, so F1 = 1 for any cut between 0.3 and 0.9.
        double t = Metrics.ChooseThreshold([1, 1, 0, 0], [double.NaN, 0.9, 0.3, 0.1], "f1", null);
        Assert.InRange(t, 0.3, 0.9 - 1e-9);
        Assert.Equal(100.0, Metrics.At([1, 1, 0, 0], [double.NaN, 0.9, 0.3, 0.1], t).Accuracy, 9);
    }

    [Theory]
    [InlineData(TaskKind.Binary)]
    [InlineData(TaskKind.MultiClass)]
    public void Validation_accuracy_counts_a_non_finite_output_as_the_alarm_class(TaskKind task)
    {
        // Rows 0-2 hold a NaN input, so NaN outputs: served as class 1, two of them right. Row 3 is finite and labelled with
        // the class the network gives it. The accuracy val_acc early stopping watches was 2 of 4 (NaN read as class 0).
        bool multi = task == TaskKind.MultiClass;
        float[] x = [float.NaN, 1, 0.5f, float.NaN, float.NaN, float.NaN, 0.3f, -0.2f];
        List<LayerSpec> layers = [new(4, "he_uniform", "relu"), new(multi ? 3 : 1, "glorot_uniform", multi ? "softmax" : "sigmoid")];
        using var gen = new torch.Generator(5);
        using var net = new DenseNetwork(2, layers, gen);
        var finite = Trainer.Forward(net, x[6..], 1, 2);
        int own = multi ? Array.IndexOf(finite, finite.Max()) : finite[0] > 0.5f ? 1 : 0;
        var data = new TensorData(x, 4, 2, [1, 0, 1, own], null);
        var s = new FitSettings(task, 1, 8, multi ? "categorical_crossentropy" : "binary_crossentropy", "adam", null, 1);
        Assert.Equal(0.75, Trainer.Evaluate(net, data, s).Accuracy!.Value, 9);
    }

    [Theory]
    [InlineData(TaskKind.Binary)]
    [InlineData(TaskKind.MultiClass)]
    public void Training_accuracy_counts_a_non_finite_output_as_the_alarm_class_as_validation_does(TaskKind task)
    {
        // Every input is NaN, so every output is: three of the four rows are class 1, the alarm class serving answers.
        // The epoch's training accuracy read NaN as class 0 (0.25) while its val_acc on the same rows said 0.75.
        bool multi = task == TaskKind.MultiClass;
        var data = new TensorData(Enumerable.Repeat(float.NaN, 8).ToArray(), 4, 2, [1, 1, 1, 0], null);
        List<LayerSpec> layers = [new(4, "he_uniform", "relu"), new(multi ? 3 : 1, "glorot_uniform", multi ? "softmax" : "sigmoid")];
        using var gen = new torch.Generator(5);
        using var net = new DenseNetwork(2, layers, gen);
        var s = new FitSettings(task, 1, 4, multi ? "categorical_crossentropy" : "binary_crossentropy", "adam", null, 1);
        var epoch = Trainer.Fit(new FitRequest(net, data, data, s, null, "fit"), default).History[0];
        Assert.Equal(0.75, epoch.ValAccuracy!.Value, 9);
        Assert.Equal(0.75, epoch.Accuracy!.Value, 9);
    }

    [Fact]
    public void Roc_auc_and_curves_rank_a_non_finite_score_as_the_most_alarming()
    {
        // The NaN row is the attack, and serving calls it one: a perfect ranking, not the worst.
        Assert.Equal(1.0, Metrics.RocAuc([1, 0, 0], [double.NaN, 0.2, 0.1])!.Value, 9);
        Assert.Equal(1.0, Metrics.RocAuc([1, 1, 0], [double.NaN, double.PositiveInfinity, 0.9])!.Value, 9);
        Assert.Equal(0.5, Metrics.RocAuc([1, 0], [double.NaN, double.PositiveInfinity])!.Value, 9); // tied, as both serve as alarms
        var (roc, _) = Metrics.Curves([1, 0, 0], [double.NaN, 0.2, 0.1]);
        Assert.Equal((0.0, 1.0), roc[1]);
    }

    [Fact]
    public void R2_of_constant_targets_is_one_for_a_perfect_prediction_and_zero_otherwise()
    {
        Assert.Equal(1.0, Metrics.Regress([3, 3, 3], [3, 3, 3]).R2);
        Assert.Equal(0.0, Metrics.Regress([3, 3, 3], [3, 4, 3]).R2);
        Assert.Equal(1.0, Metrics.Regress([1, 2, 3], [1, 2, 3]).R2);
    }
    [Fact]
    public void The_with_novelty_report_keeps_a_flagged_row_off_the_normal_class_when_the_normal_class_is_1()
    {
        // Normal class 1: the network says "normal" (score 0.9) for all four rows; the detector flags the two attacks.
        var state = new NoveltyState(1, [4], 0.1, 0.01);
        var options = new AntiNex.Requests.NoveltyOptions(1, 0.01, [4], 1);
        int[] truth = [0, 0, 1, 1];
        var report = NoveltyProfile.Report(state, options, 10, 10, truth, [0.9, 0.9, 0.9, 0.9], 0.5, [true, true, false, false]);
        Assert.Equal(50.0, report.WithoutNovelty.Accuracy, 6);
        Assert.Equal(100.0, report.WithNovelty.Accuracy, 6); // flagged rows forced to class 0, the attacks
    }
}
