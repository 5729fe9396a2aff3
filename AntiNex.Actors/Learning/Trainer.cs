using AntiNex.Requests;
using TorchSharp;
using static TorchSharp.torch;

namespace AntiNex.Learning;

public enum TaskKind { Binary, MultiClass, Regression }

/// <summary>Training data as the network sees it: row-major features, class indices or (scaled) targets.</summary>
internal sealed record TensorData(float[] X, int Rows, int Width, int[]? Classes, float[]? Targets);

internal sealed record FitSettings(TaskKind Task, int Epochs, int BatchSize, string Loss, string Optimizer, double? LearningRate, long Seed);

/// <summary>The training loop: seeded shuffling and dropout, per-epoch progress, cancellation, dispose scopes per batch.</summary>
internal static class Trainer
{
    public static List<EpochHistory> Fit(DenseNetwork net, TensorData train, TensorData? validation, FitSettings s,
        IProgress<TrainingProgress>? progress, string phase, int fold, int folds, CancellationToken ct)
        => Fit(net, train, validation, s, progress, phase, fold, folds, ct, out _);

    /// <param name="validationSeconds">time spent on the per-epoch validation pass (not training).</param>
    public static List<EpochHistory> Fit(DenseNetwork net, TensorData train, TensorData? validation, FitSettings s,
        IProgress<TrainingProgress>? progress, string phase, int fold, int folds, CancellationToken ct, out double validationSeconds)
    {
        validationSeconds = 0;
        var history = new List<EpochHistory>();
        using var gen = new Generator((ulong)s.Seed + 1);
        using var optimizer = CreateOptimizer(net, s.Optimizer, s.LearningRate);
        using var x = torch.tensor(train.X, [train.Rows, train.Width]);
        using var y = TargetTensor(train, s.Task);
        net.train();
        for (int epoch = 1; epoch <= s.Epochs; epoch++)
        {
            ct.ThrowIfCancellationRequested();
            // Loss and hit counts accumulate in tensors and are read once per epoch: a per-batch .item() would
            // synchronise and cost more than the small network's step itself.
            // Batch logits are parked at their rows (one index_copy_ per batch); the epoch's training accuracy is
            // computed from them once, at the end of the epoch.
            using var lossAcc = torch.zeros(1, dtype: ScalarType.Float32);
            using var epochLogits = s.Task == TaskKind.Regression ? null : torch.zeros(train.Rows, net.Outputs);
            using (var perm = torch.randperm(train.Rows, generator: gen))
            {
                for (int start = 0; start < train.Rows; start += s.BatchSize)
                {
                    ct.ThrowIfCancellationRequested();
                    using var scope = torch.NewDisposeScope();
                    int len = Math.Min(s.BatchSize, train.Rows - start);
                    var idx = perm.narrow(0, start, len);
                    var xb = x.index_select(0, idx);
                    var yb = y.index_select(0, idx);
                    optimizer.zero_grad();
                    var logits = net.Logits(xb, gen);
                    var loss = Loss(net, logits, yb, s.Task, s.Loss);
                    loss.backward();
                    optimizer.step();
                    using (torch.no_grad())
                    {
                        lossAcc.add_(loss.detach(), len);
                        epochLogits?.index_copy_(0, idx, logits.detach());
                    }
                }
            }
            double lossSum = lossAcc.item<float>();
            long correct = 0;
            if (epochLogits is not null)
            {
                using var hits = Hits(net, epochLogits, y, s.Task);
                correct = hits.item<long>();
            }
            double? acc = s.Task == TaskKind.Regression ? null : (double)correct / train.Rows;
            double? valLoss = null, valAcc = null;
            if (validation is { Rows: > 0 })
            {
                var t0 = System.Diagnostics.Stopwatch.GetTimestamp();
                (valLoss, valAcc) = Evaluate(net, validation, s);
                net.train();
                validationSeconds += System.Diagnostics.Stopwatch.GetElapsedTime(t0).TotalSeconds;
            }
            var h = new EpochHistory(epoch, lossSum / train.Rows, acc, valLoss, valAcc);
            history.Add(h);
            progress?.Report(new TrainingProgress(phase, fold, folds, epoch, s.Epochs, h.Loss, h.Accuracy, h.ValLoss, h.ValAccuracy));
        }
        net.eval();
        return history;
    }

    /// <summary>Loss and accuracy (fraction; null for regression) without gradients.</summary>
    public static (double Loss, double? Accuracy) Evaluate(DenseNetwork net, TensorData data, FitSettings s)
    {
        net.eval();
        using var _ = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var x = torch.tensor(data.X, [data.Rows, data.Width]);
        var y = TargetTensor(data, s.Task);
        var logits = net.Logits(x, null);
        var loss = Loss(net, logits, y, s.Task, s.Loss).item<float>();
        double? acc = s.Task == TaskKind.Regression ? null : (double)Correct(net, logits, y, s.Task) / data.Rows;
        return (loss, acc);
    }

    /// <summary>Network outputs after the output activation, [rows x outputs], in chunks of 65,536 rows.</summary>
    public static float[] Forward(DenseNetwork net, float[] x, int rows, int width)
    {
        int outputs = net.Outputs;
        var result = new float[rows * outputs];
        using var _ = torch.no_grad();
        const int batch = 65_536;
        for (int start = 0; start < rows; start += batch)
        {
            using var scope = torch.NewDisposeScope();
            int len = Math.Min(batch, rows - start);
            var xb = len == rows ? torch.tensor(x, [len, width]) : torch.tensor(x.AsSpan(start * width, len * width).ToArray(), [len, width]);
            var outT = net.forward(xb).contiguous();
            outT.data<float>().CopyTo(result, start * outputs);
        }
        return result;
    }

    private static Tensor TargetTensor(TensorData d, TaskKind task) => task switch
    {
        TaskKind.Binary => torch.tensor(d.Classes!.Select(c => (float)c).ToArray(), [d.Rows, 1]),
        TaskKind.MultiClass => torch.tensor(d.Classes!.Select(c => (long)c).ToArray(), [d.Rows]),
        _ => torch.tensor(d.Targets!, [d.Rows, 1]),
    };

    /// <summary>Keras-style losses. Sigmoid+BCE and softmax+CCE use the fused, numerically stable forms on the logits.</summary>
    private static Tensor Loss(DenseNetwork net, Tensor logits, Tensor y, TaskKind task, string loss)
    {
        var act = net.OutputActivation;
        if (task == TaskKind.MultiClass)
        {
            if (loss == "categorical_crossentropy" && act == "softmax") return nn.functional.cross_entropy(logits, y);
            var p = net.Output(logits);
            var onehot = nn.functional.one_hot(y, net.Outputs).to_type(ScalarType.Float32);
            return loss switch
            {
                "categorical_crossentropy" => -(onehot * p.clamp(1e-7, 1 - 1e-7).log()).sum(1).mean(),
                "binary_crossentropy" => nn.functional.binary_cross_entropy(p.clamp(1e-7, 1 - 1e-7), onehot),
                "mae" => nn.functional.l1_loss(p, onehot),
                _ => nn.functional.mse_loss(p, onehot),
            };
        }
        if (task == TaskKind.Binary && loss is "binary_crossentropy" or "categorical_crossentropy")
        {
            if (act == "sigmoid") return nn.functional.binary_cross_entropy_with_logits(logits, y);
            return nn.functional.binary_cross_entropy(net.Output(logits).clamp(1e-7, 1 - 1e-7), y);
        }
        var o = net.Output(logits);
        return loss == "mae" ? nn.functional.l1_loss(o, y) : nn.functional.mse_loss(o, y);
    }

    /// <summary>Number of correct predictions in a batch, as a 1-element int64 tensor (no sync).</summary>
    private static Tensor Hits(DenseNetwork net, Tensor logits, Tensor y, TaskKind task)
    {
        if (task == TaskKind.MultiClass) return logits.argmax(1).eq(y).sum();
        // p > 0.5 <=> logit > 0 for a sigmoid output
        var predicted = net.OutputActivation == "sigmoid" ? logits.gt(0) : net.Output(logits).gt(0.5);
        return predicted.eq(y).sum(); // bool vs 0/1 float compares by value
    }

    private static long Correct(DenseNetwork net, Tensor logits, Tensor y, TaskKind task)
    {
        using var _ = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        if (task == TaskKind.MultiClass) return logits.argmax(1).eq(y).sum().item<long>();
        var p = net.Output(logits);
        return p.gt(0.5).to_type(ScalarType.Float32).eq(y).sum().item<long>();
    }

    private static optim.Optimizer CreateOptimizer(DenseNetwork net, string name, double? lr)
    {
        var ps = net.parameters();
        // Keras defaults (learning rates, epsilon 1e-7, RMSprop rho 0.9).
        return name switch
        {
            "adam" => optim.Adam(ps, lr ?? 0.001, 0.9, 0.999, 1e-7),
            "sgd" => optim.SGD(ps, lr ?? 0.01),
            "rmsprop" => optim.RMSProp(ps, lr ?? 0.001, 0.9, 1e-7),
            "adagrad" => optim.Adagrad(ps, lr ?? 0.01, initial_accumulator_value: 0.1, eps: 1e-7),
            "adamax" => optim.Adamax(ps, lr ?? 0.002, 0.9, 0.999, 1e-7),
            "nadam" => optim.NAdam(ps, lr ?? 0.002, 0.9, 0.999, 1e-7),
            _ => throw new RequestException("optimizer", $"unknown optimizer '{name}'; {Vocabulary.Allowed(Vocabulary.Optimizers)}"),
        };
    }
}
