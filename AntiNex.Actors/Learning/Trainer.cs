using AntiNex.Reporting;
using AntiNex.Requests;
using TorchSharp;
using static TorchSharp.torch;

namespace AntiNex.Learning;

/// <summary>The training loop: seeded shuffling and dropout, per-epoch progress, cancellation, dispose scopes per batch.</summary>
internal static class Trainer
{
    /// <summary>Fits the request's network in place (seeded shuffling and dropout, one progress tick per epoch) and leaves
    /// it in eval mode. Checks cancellation every batch.</summary>
    public static FitResult Fit(FitRequest request, CancellationToken ct)
    {
        var (net, train, validation, s, progress, phase, fold, folds) = request;
        double validationSeconds = 0;
        var history = new List<EpochHistory>();
        using var gen = new Generator((ulong)s.Seed + 1);
        using var optimizer = Optimizers.Create(net.parameters(), s.Optimizer, s.LearningRate, s.Optimizer == "adam" ? 0 : s.WeightDecay);
        // Decoupled weight decay for adam, done here rather than with optim.AdamW: AdamW's step crashed natively
        // ("toDouble" on a Scalar) after a few epochs on KDDTrain+ with TorchSharp 0.107 (measured).
        bool decoupledDecay = s.Optimizer == "adam" && s.WeightDecay > 0;
        var decayed = decoupledDecay ? net.parameters().ToArray() : [];
        double baseLr = optimizer.LearningRate, lr = baseLr;
        // Over the managed matrix, not a copy (torch.tensor would clone it: a second full matrix). Batches are index_select
        // copies in torch's own memory, so the network reads the same aligned values either way.
        using var flat = torch.frombuffer(train.X, ScalarType.Float32);
        using var x = flat.view(train.StoredRows, train.Width);
        // An indexed split (a DatasetMatrix's rows) picks its batch rows through the index: no copy of the split.
        using var rowIndex = train.Index is { } index ? torch.tensor(Array.ConvertAll(index, i => (long)i)) : null;
        using var y = TargetTensor(train, s.Task);
        using var classWeights = s.ClassWeights is { } cw ? torch.tensor(cw) : null;
        using var classIndex = classWeights is null ? null : torch.tensor(train.Classes!.Select(c => (long)c).ToArray());
        using var sampleWeights = classWeights?.index_select(0, classIndex!);
        bool batchNorm = net.Specs.Any(l => l.BatchNorm);
        using var fullBatch = s.BatchSize.ToScalar(); // one Scalar for every full batch, not one per batch
        var es = s.EarlyStopping;
        double best = double.NaN, plateauBest = double.PositiveInfinity;
        int bestEpoch = 0, sinceBest = 0, sincePlateauBest = 0;
        List<(string Name, long[] Shape, float[] Data)>? bestWeights = null;
        int epochsRun = 0;
        MemoryTrace.Mark($"{phase} start");
        net.train();
        for (int epoch = 1; epoch <= s.Epochs; epoch++)
        {
            ct.ThrowIfCancellationRequested();
            epochsRun = epoch;
            // Epoch-level schedules set the rate before the epoch; reduce_on_plateau after it.
            if (s.Schedule is { Kind: "cosine" } cos)
                lr = cos.MinLr + 0.5 * (baseLr - cos.MinLr) * (1 + Math.Cos(Math.PI * (epoch - 1) / s.Epochs));
            else if (s.Schedule is { Kind: "step" } step)
                lr = baseLr * Math.Pow(step.Gamma, (epoch - 1) / step.StepSize);
            optimizer.LearningRate = lr;
            // Loss and hit counts accumulate in tensors and are read once per epoch: a per-batch .item() would
            // synchronise and cost more than the small network's step itself.
            // Batch logits are parked at their rows (one index_copy_ per batch); the epoch's training accuracy is
            // computed from them once, at the end of the epoch.
            using var lossAcc = torch.zeros(1, dtype: ScalarType.Float32);
            using var epochLogits = s.Task == TaskKind.Regression ? null : torch.zeros(train.Rows, net.Outputs);
            long skippedRow = -1; // a batch-norm epoch's single last row: not trained on, so not in its loss or accuracy
            using (var perm = torch.randperm(train.Rows, generator: gen))
            {
                for (int start = 0; start < train.Rows; start += s.BatchSize)
                {
                    ct.ThrowIfCancellationRequested();
                    using var scope = torch.NewDisposeScope();
                    int len = Math.Min(s.BatchSize, train.Rows - start);
                    // batch statistics need 2+ rows: a last single row waits for the next epoch's shuffle
                    if (len == 1 && batchNorm && start > 0) { skippedRow = perm[start].item<long>(); continue; }
                    var idx = perm.narrow(0, start, len);
                    var xb = x.index_select(0, rowIndex is null ? idx : rowIndex.index_select(0, idx));
                    var yb = y.index_select(0, idx);
                    optimizer.ZeroGrad();
                    var logits = net.Logits(xb, gen);
                    var loss = Loss(net, logits, yb, s.Task, s.Loss, sampleWeights?.index_select(0, idx));
                    loss.backward();
                    optimizer.Step();
                    using (torch.no_grad())
                    {
                        if (decoupledDecay)
                        {
                            using var keep = torch.tensor((float)(1 - lr * s.WeightDecay));
                            foreach (var p in decayed) p.mul_(keep);
                        }
                        using var rows = len == s.BatchSize ? null : len.ToScalar(); // held, not implicit: see KeptAliveAdam
                        lossAcc.add_(loss.detach(), rows ?? fullBatch);
                        epochLogits?.index_copy_(0, idx, logits.detach());
                    }
                }
            }
            double lossSum = lossAcc.item<float>();
            long correct = 0;
            int trainedRows = train.Rows - (skippedRow >= 0 ? 1 : 0);
            if (epochLogits is not null)
            {
                // Hits' intermediates are row-sized: freed here, every epoch, not left to the finalizer.
                using var hitsScope = torch.NewDisposeScope();
                correct = Hits(net, epochLogits, y, s.Task).item<long>();
                if (skippedRow >= 0)
                {
                    var row = torch.tensor(new[] { skippedRow });
                    correct -= Hits(net, epochLogits.index_select(0, row), y.index_select(0, row), s.Task).item<long>();
                }
            }
            double? acc = s.Task == TaskKind.Regression ? null : (double)correct / trainedRows;
            double? valLoss = null, valAcc = null;
            if (validation is { Rows: > 0 })
            {
                var t0 = System.Diagnostics.Stopwatch.GetTimestamp();
                (valLoss, valAcc) = Evaluate(net, validation, s);
                net.train();
                validationSeconds += System.Diagnostics.Stopwatch.GetElapsedTime(t0).TotalSeconds;
            }
            var h = new EpochHistory(epoch, lossSum / trainedRows, acc, valLoss, valAcc);
            history.Add(h);
            progress?.Report(new TrainingProgress(phase, fold, folds, epoch, s.Epochs, h.Loss, h.Accuracy, h.ValLoss, h.ValAccuracy));
            MemoryTrace.Mark($"{phase} epoch {epoch}");

            if (s.Schedule is { Kind: "reduce_on_plateau" } rop)
            {
                var watched = request.ValidationIsTest ? h.Loss : valLoss ?? h.Loss; // never the test rows' loss
                if (watched < plateauBest - 1e-12) { plateauBest = watched; sincePlateauBest = 0; }
                else if (++sincePlateauBest > rop.Patience) { lr = Math.Max(rop.MinLr, lr * rop.Factor); sincePlateauBest = 0; }
            }
            if (es is not null)
            {
                if (valLoss is null || request.ValidationIsTest)
                    throw new RequestException("early_stopping", "needs validation_split > 0: it never watches the test rows");
                double score = es.Monitor == "val_acc" ? -(valAcc ?? 0) : valLoss.Value; // lower is better
                if (double.IsNaN(best) || score < best - es.MinDelta)
                {
                    best = score; bestEpoch = epoch; sinceBest = 0;
                    if (es.RestoreBestWeights) bestWeights = net.ExportWeights();
                }
                else if (++sinceBest > es.Patience) break;
            }
        }
        if (es is { RestoreBestWeights: true } && bestWeights is not null && bestEpoch != epochsRun) net.ImportWeights(bestWeights);
        net.eval();
        return new FitResult(history, validationSeconds, new FitInfo(epochsRun, es is null ? null : bestEpoch, lr));
    }

    /// <summary>Loss and accuracy (fraction; null for regression) without gradients.</summary>
    public static (double Loss, double? Accuracy) Evaluate(DenseNetwork net, TensorData data, FitSettings s)
    {
        net.eval();
        using var _ = torch.no_grad();
        if (data.Rows > EvaluateChunkRows) return EvaluateInChunks(net, data, s);
        using var scope = torch.NewDisposeScope();
        var x = RowsTensor(data, 0, data.Rows); // aligned copy: see Forward
        var y = TargetTensor(data, s.Task);
        var logits = net.Logits(x, null);
        var loss = Loss(net, logits, y, s.Task, s.Loss).item<float>();
        double? acc = s.Task == TaskKind.Regression ? null : (double)Correct(net, logits, y, s.Task) / data.Rows;
        return (loss, acc);
    }

    /// <summary>Above this many rows, <see cref="Evaluate"/> goes chunk by chunk: a large file's validation or test rows
    /// would otherwise hold every layer's activations for all rows at once (gigabytes at millions of rows).</summary>
    internal const int EvaluateChunkRows = 16_384;

    /// <summary>The row-weighted mean of the chunks' losses and the summed hits (the same figures up to float rounding).</summary>
    private static (double Loss, double? Accuracy) EvaluateInChunks(DenseNetwork net, TensorData data, FitSettings s)
    {
        double lossSum = 0;
        long correct = 0;
        for (int start = 0; start < data.Rows; start += EvaluateChunkRows)
        {
            using var scope = torch.NewDisposeScope();
            int len = Math.Min(EvaluateChunkRows, data.Rows - start);
            var part = data with
            {
                Rows = len,
                Classes = data.Classes?.AsSpan(start, len).ToArray(),
                Targets = data.Targets?.AsSpan(start, len).ToArray(),
            };
            var x = RowsTensor(data, start, len);
            var y = TargetTensor(part, s.Task);
            var logits = net.Logits(x, null);
            lossSum += (double)Loss(net, logits, y, s.Task, s.Loss).item<float>() * len;
            if (s.Task != TaskKind.Regression) correct += Correct(net, logits, y, s.Task);
        }
        return (lossSum / data.Rows, s.Task == TaskKind.Regression ? null : (double)correct / data.Rows);
    }

    /// <summary>Network outputs after the output activation, [rows x outputs], in chunks of <see cref="EvaluateChunkRows"/> rows.</summary>
    public static float[] Forward(DenseNetwork net, float[] x, int rows, int width) => Forward(net, new TensorData(x, rows, width, null, null));

    /// <summary><see cref="Forward(DenseNetwork, float[], int, int)"/> over a split's rows (an indexed split: no copy of it).</summary>
    internal static float[] Forward(DenseNetwork net, TensorData data)
    {
        int outputs = net.Outputs, rows = data.Rows;
        var result = new float[ArrayCells.Of(rows, outputs, "predict_feature", "class outputs")];
        using var _ = torch.no_grad();
        const int batch = EvaluateChunkRows; // each layer's activations for the chunk are alive at once: small chunks, small peaks
        for (int start = 0; start < rows; start += batch)
        {
            using var scope = torch.NewDisposeScope();
            int len = Math.Min(batch, rows - start);
            // Copied into torch-owned (aligned) memory: a tensor over a pinned managed array inherits that array's
            // alignment, and the CPU kernels then round differently from call to call (~1e-8, seen in the novelty
            // detector); a chosen threshold must not move between two identical trainings.
            var xb = RowsTensor(data, start, len);
            var outT = net.forward(xb).contiguous();
            outT.data<float>().CopyTo(result, start * outputs); // below rows * outputs, which ArrayCells proved fits an int
        }
        return result;
    }

    /// <summary>Rows [start, start + len) of the data as a torch-owned (aligned) [len x width] tensor. frombuffer reads the managed
    /// rows in place (no managed copy per chunk: a large file's predictions would leave gigabytes of garbage); the clone, or for an
    /// indexed split the index_select, is the aligned copy, holding the very same values either way.</summary>
    private static Tensor RowsTensor(TensorData d, int start, int len)
    {
        if (d.Index is not { } index)
            return torch.frombuffer(d.X, ScalarType.Float32, count: (long)len * d.Width, offset: (long)start * d.Width).view(len, d.Width).clone();
        var rows = new long[len];
        for (int i = 0; i < len; i++) rows[i] = index[start + i];
        using var all = torch.frombuffer(d.X, ScalarType.Float32).view(d.StoredRows, d.Width);
        using var picked = torch.tensor(rows);
        return all.index_select(0, picked);
    }

    private static Tensor TargetTensor(TensorData d, TaskKind task) => task switch
    {
        TaskKind.Binary => torch.tensor(d.Classes!.Select(c => (float)c).ToArray(), [d.Rows, 1]),
        TaskKind.MultiClass => torch.tensor(d.Classes!.Select(c => (long)c).ToArray(), [d.Rows]),
        _ => torch.tensor(d.Targets!, [d.Rows, 1]),
    };

    /// <summary>Keras-style losses. Sigmoid+BCE and softmax+CCE use the fused, numerically stable forms on the logits.</summary>
    private static Tensor Loss(DenseNetwork net, Tensor logits, Tensor y, TaskKind task, string loss, Tensor? sampleWeights = null)
    {
        if (sampleWeights is not null) return WeightedLoss(net, logits, y, task, loss, sampleWeights);
        var act = net.OutputActivation;
        if (task == TaskKind.MultiClass)
        {
            if (loss == "categorical_crossentropy" && act == "softmax") return nn.functional.cross_entropy(logits, y);
            var p = net.Output(logits);
            var onehot = nn.functional.one_hot(y, net.Outputs).to_type(ScalarType.Float32);
            return loss switch
            {
                "categorical_crossentropy" => -(onehot * p.clamp(Scalars.ProbLo, Scalars.ProbHi).log()).sum(1).mean(),
                "binary_crossentropy" => nn.functional.binary_cross_entropy(p.clamp(Scalars.ProbLo, Scalars.ProbHi), onehot),
                "mae" => nn.functional.l1_loss(p, onehot),
                _ => nn.functional.mse_loss(p, onehot),
            };
        }
        if (task == TaskKind.Binary && loss is "binary_crossentropy" or "categorical_crossentropy")
        {
            if (act == "sigmoid") return nn.functional.binary_cross_entropy_with_logits(logits, y);
            return nn.functional.binary_cross_entropy(net.Output(logits).clamp(Scalars.ProbLo, Scalars.ProbHi), y);
        }
        var o = net.Output(logits);
        return loss == "mae" ? nn.functional.l1_loss(o, y) : nn.functional.mse_loss(o, y);
    }

    /// <summary>class_weights: the per-row loss times the row's class weight, averaged (Keras sample_weight semantics).</summary>
    private static Tensor WeightedLoss(DenseNetwork net, Tensor logits, Tensor y, TaskKind task, string loss, Tensor w)
    {
        Tensor perRow;
        if (task == TaskKind.MultiClass)
        {
            if (loss == "categorical_crossentropy" && net.OutputActivation == "softmax")
                perRow = nn.functional.cross_entropy(logits, y, reduction: nn.Reduction.None);
            else
            {
                var p = net.Output(logits);
                var onehot = nn.functional.one_hot(y, net.Outputs).to_type(ScalarType.Float32);
                perRow = loss switch
                {
                    "categorical_crossentropy" => -(onehot * p.clamp(Scalars.ProbLo, Scalars.ProbHi).log()).sum(1),
                    "mae" => (p - onehot).abs().mean([1]),
                    _ => (p - onehot).pow(Scalars.Two).mean([1]),
                };
            }
        }
        else if (task == TaskKind.Binary && loss is "binary_crossentropy" or "categorical_crossentropy" && net.OutputActivation == "sigmoid")
            perRow = nn.functional.binary_cross_entropy_with_logits(logits, y, reduction: nn.Reduction.None).view(-1);
        else
        {
            var o = net.Output(logits);
            perRow = loss == "mae" ? (o - y).abs().view(-1) : loss is "binary_crossentropy" or "categorical_crossentropy"
                ? nn.functional.binary_cross_entropy(o.clamp(Scalars.ProbLo, Scalars.ProbHi), y, reduction: nn.Reduction.None).view(-1)
                : (o - y).pow(Scalars.Two).view(-1);
        }
        return (perRow * w).mean();
    }

    /// <summary>Number of correct predictions of trained rows, as a 1-element int64 tensor (no sync). A row whose outputs are
    /// not finite counts as the alarm class, as <see cref="Correct"/> counts it for validation: argmax or "p &gt; 0.5" would
    /// call it class 0, and the epoch's accuracy would disagree with its val_acc.</summary>
    private static Tensor Hits(DenseNetwork net, Tensor logits, Tensor y, TaskKind task)
    {
        var p = net.Output(logits);
        // p > 0.5 <=> logit > 0 for a sigmoid output; bool vs 0/1 float compares by value
        var hit = task == TaskKind.MultiClass ? logits.argmax(1).eq(y)
            : (net.OutputActivation == "sigmoid" ? logits.gt(Scalars.Zero) : p.gt(Scalars.Half)).eq(y).view(-1);
        var unscorable = p.isfinite().logical_not().any(1);
        return torch.where(unscorable, y.eq(Scalars.One).view(-1), hit).sum();
    }

    /// <summary>Correct predictions of evaluated rows. A row whose outputs are not finite (a diverged network) counts as serving
    /// answers it, the alarm class (as TrainingRun.FoldScoreOf decides it): argmax or "p &gt; 0.5" would call it class 0, and
    /// val_acc early stopping would keep a diverged epoch as scoring the share of class 0.</summary>
    private static long Correct(DenseNetwork net, Tensor logits, Tensor y, TaskKind task)
    {
        using var _ = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var p = net.Output(logits);
        var hits = task == TaskKind.MultiClass ? logits.argmax(1).eq(y) : p.gt(Scalars.Half).to_type(ScalarType.Float32).eq(y).view(-1);
        if (p.isfinite().all().item<bool>()) return hits.sum().item<long>(); // the usual case: nothing to copy out
        int rows = (int)logits.shape[0];
        var unscorable = InputGuard.FlagNonFiniteOutputs(p.contiguous().data<float>().ToArray(), rows, null);
        if (unscorable is null) return hits.sum().item<long>();
        var hit = hits.data<bool>().ToArray();
        var alarm = task == TaskKind.MultiClass
            ? y.data<long>().Select(c => c == 1).ToArray()
            : y.data<float>().Select(c => c == 1f).ToArray();
        long correct = 0;
        for (int i = 0; i < rows; i++) if (unscorable[i] ? alarm[i] : hit[i]) correct++;
        return correct;
    }
}
