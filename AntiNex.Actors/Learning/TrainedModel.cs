using System.Buffers;
using System.Globalization;
using AntiNex.Data;
using AntiNex.Learning.Trees;
using AntiNex.Reporting;
using AntiNex.Requests;

namespace AntiNex.Learning;

/// <summary>
/// A loaded, ready-to-predict model: a dense network (TorchSharp) or a gradient-boosted tree ensemble (ML.NET), behind
/// the same feature pipeline, unscorable-row guard and decoding. Owns native memory: dispose it. Predict/PredictRaw are
/// thread-safe (the forward pass runs under a lock, without gradients, in a dispose scope); Dispose must not race with them.
/// </summary>
public sealed class TrainedModel : IDisposable
{
    internal ModelState State { get; private set; }
    private readonly DenseNetwork? _net;
    private readonly TreeModel? _trees;
    private readonly NoveltyDetector? _novelty;
    private readonly object _forwardLock = new();
    private readonly int _artifactBytes;
    // Plain numeric network models without a novelty detector: the pipeline as tensor operations over a whole block.
    private readonly BlockScaling? _block;
    // Forward passes of a few rows in managed code, when the engine options ask for it (no TorchSharp call, no lock).
    private readonly ManagedForward? _managed;
    private volatile bool _disposed;

    internal TrainedModel(ModelState state, DenseNetwork net, int artifactBytes, NoveltyDetector? novelty = null,
        bool smallForwardsInManagedCode = false)
    {
        State = state; _net = net; _artifactBytes = artifactBytes; _novelty = novelty;
        net.eval();
        if (novelty is null) _block = BlockScaling.TryCreate(state.Pipeline);
        if (smallForwardsInManagedCode) _managed = ManagedForward.From(net);
    }

    internal TrainedModel(ModelState state, TreeModel trees, int artifactBytes, NoveltyDetector? novelty = null)
    {
        State = state; _trees = trees; _artifactBytes = artifactBytes; _novelty = novelty;
    }

    /// <summary>Artifact blob holding a tree ensemble's model.</summary>
    internal const string TreesBlob = "trees";

    /// <summary>Values per output row: the network's output units, or the tree ensemble's (same layout).</summary>
    private int Outputs => _net?.Outputs ?? _trees!.OutputWidth;

    /// <summary>Loads artifact bytes; throws <see cref="ArtifactException"/> for truncated/corrupt bytes.</summary>
    public static TrainedModel Load(byte[] artifact, EngineOptions? options = null)
    {
        TorchSetup.Apply(options);
        var content = ArtifactFormat.Read(artifact);
        if (content.State.ModelKind is not null)
        {
            // Whatever a malformed state makes the tree path throw (a missing pipeline or target) is an artifact error too.
            try { return LoadTrees(content, artifact.Length); }
            catch (Exception e) when (e is not ArtifactException)
            {
                throw new ArtifactException($"artifact tree model cannot be loaded: {e.Message}", e);
            }
        }
        var (state, weights) = content;
        DenseNetwork? net = null;
        NoveltyDetector? novelty = null;
        try
        {
            if (state.Layers.Count == 0 || state.NetworkInputs <= 0 || state.Pipeline.Width != state.NetworkInputs)
                throw new ArtifactException(
                    $"artifact architecture is inconsistent: {state.Layers.Count} layers, {state.NetworkInputs} inputs, feature layout width " +
                    $"{state.Pipeline.Width}");
            // The output layer decodes as the task says: one unit for binary, one per class for multi-class.
            int units = state.Layers[^1].Units, classes = state.Task == TaskKind.Regression ? 0 : state.Target.ClassValues.Count;
            if (state.Task == TaskKind.Binary ? units != 1 || classes != 2 : state.Task == TaskKind.MultiClass && units != classes)
                throw new ArtifactException(
                    $"artifact output layer is inconsistent: {units} unit(s) for a {state.Task} model with {classes} classes");
            net = new DenseNetwork(state.NetworkInputs, state.Layers, initGenerator: null);
            if (state.EnsembleSize is < 1 or > 50) throw new ArtifactException($"artifact ensemble size {state.EnsembleSize} is out of range");
            net.AttachMembers(Enumerable.Range(1, state.EnsembleSize - 1)
                .Select(_ => new DenseNetwork(state.NetworkInputs, state.Layers, initGenerator: null)).ToList());
            var noveltyWeights = weights.Where(w => w.Name.StartsWith(NoveltyPrefix, StringComparison.Ordinal))
                .Select(w => (w.Name[NoveltyPrefix.Length..], w.Shape, w.Data)).ToList();
            if (state.Novelty is { } ns)
            {
                if (ns.NormalClass is not (0 or 1) || state.Task != TaskKind.Binary)
                    throw new ArtifactException(
                        $"artifact novelty detector is inconsistent: normal class index {ns.NormalClass} for a {state.Task} model");
                novelty = NoveltyDetector.Load(state.NetworkInputs, ns.Hidden, ns.Threshold, noveltyWeights);
            }
            else if (noveltyWeights.Count > 0) throw new ArtifactException(
                $"artifact has {noveltyWeights.Count} novelty tensors but no novelty detector description");
            net.ImportWeights(weights.Where(w => !w.Name.StartsWith(NoveltyPrefix, StringComparison.Ordinal)).ToList());
            return new TrainedModel(state, net, artifact.Length, novelty, options?.SmallForwardsInManagedCode ?? false);
        }
        catch (ArtifactException) { net?.Dispose(); novelty?.Dispose(); throw; }
        catch (Exception e)
        {
            net?.Dispose(); novelty?.Dispose(); throw new ArtifactException(
            $"artifact cannot be turned into a network: {e.Message}", e);
        }
    }

    /// <summary>A tree-ensemble artifact: its blob must hold a tree model that fits the stored pipeline, task and classes.</summary>
    private static TrainedModel LoadTrees(ArtifactContent content, int artifactBytes)
    {
        var state = content.State;
        if (!TreeKinds.IsTrees(state.ServedKind))
            throw new ArtifactException($"artifact model kind '{state.ModelKind}' is not supported by this build (known: network, " +
                $"{TreeKinds.FastTree}, {TreeKinds.LightGbm})");
        var blob = content.Blobs.Where(b => b.Name == TreesBlob).Select(b => b.Data).FirstOrDefault()
            ?? throw new ArtifactException($"artifact of model kind {state.ModelKind} has no '{TreesBlob}' blob");
        TreeModel trees;
        try { trees = TreeModel.FromBytes(blob); }
        catch (InvalidDataException e) { throw new ArtifactException($"artifact tree ensemble: {e.Message}", e); }
        int classes = state.Task == TaskKind.Regression ? 0 : state.Target.ClassValues.Count;
        if (trees.Kind != TreeKinds.Of(state.ServedKind) || trees.Task != state.Task || trees.Classes != classes
            || trees.Inputs != state.Pipeline.Width || state.NetworkInputs != state.Pipeline.Width)
            throw new ArtifactException(
                $"artifact tree ensemble is inconsistent: {trees.Kind} {trees.Task}, {trees.Inputs} inputs, {trees.Classes} classes for a " +
                $"{state.ModelKind} {state.Task} model with {state.Pipeline.Width} inputs and {classes} classes");
        // A tree ensemble may carry the novelty detector (model_kind auto puts one on top of it), never network tensors.
        if (content.Weights.Any(w => !w.Name.StartsWith(NoveltyPrefix, StringComparison.Ordinal)))
            throw new ArtifactException("artifact tree ensemble also carries network tensors");
        var noveltyWeights = content.Weights.Select(w => (w.Name[NoveltyPrefix.Length..], w.Shape, w.Data)).ToList();
        if (state.Novelty is not { } ns)
            return noveltyWeights.Count == 0 ? new TrainedModel(state, trees, artifactBytes)
                : throw new ArtifactException($"artifact has {noveltyWeights.Count} novelty tensors but no novelty detector description");
        if (ns.NormalClass is not (0 or 1) || state.Task != TaskKind.Binary)
            throw new ArtifactException($"artifact novelty detector is inconsistent: normal class index {ns.NormalClass} for a {state.Task} model");
        try
        {
            return new TrainedModel(state, trees, artifactBytes, NoveltyDetector.Load(state.Pipeline.Width, ns.Hidden, ns.Threshold,
                noveltyWeights));
        }
        catch (Exception e) when (e is not ArtifactException)
        {
            throw new ArtifactException($"artifact novelty detector cannot be loaded: {e.Message}", e);
        }
    }

    /// <summary>Label, ml_type, feature layout, metrics: small, serialisable.</summary>
    public ModelSummary Summary => new()
    {
        Label = State.Label,
        MlType = State.MlType,
        PredictFeature = State.PredictFeature,
        InputFeatures = State.Pipeline.Features.Select(f => f.Name).ToList(),
        CategoricalFeatures = State.Pipeline.Features.Where(f => f.Categorical).Select(f => f.Name).ToList(),
        NetworkInputs = State.NetworkInputs,
        CreatedUtc = State.CreatedUtc,
        TestAccuracy = State.TestAccuracy,
        ArtifactBytes = _artifactBytes,
        ModelKind = State.ServedKind,
        MarkEmpty = TrainedCells.MarkEmpty,
        NonFinite = TrainedCells.NonFinite,
    };

    /// <summary>How the training request read its empty and NaN/Infinity cells (mark_empty, non_finite).</summary>
    public CellRules TrainedCells => new(State.MarkEmpty ?? -1, AntiNexRequest.ParseNonFinite(State.NonFinite ?? "error") ?? false);

    /// <summary>Predicts the rows a request carries (predict_rows, or dataset), using the model's own features and scaler; the
    /// request's mark_empty and non_finite when it gives them, else the model's (a warning when they differ).</summary>
    /// <param name="unseen">when given, gets the counts behind the unseen-category warnings too (a gateway adds up those of
    /// a predict's blocks).</param>
    public PredictionResult Predict(AntiNexRequest request, DataRoots roots, ICollection<UnseenCategory>? unseen = null)
    {
        var plan = PredictPlan(State.PredictFeature);
        var warnings = new List<string>();
        var cells = CellRules.Serving(request, TrainedCells, warnings);
        Frame frame;
        if (request.PredictRows is { } rows)
        {
            frame = Frame.FromPredictRows(rows, plan, cells, "predict_rows");
            warnings.AddRange(frame.IncompleteRowWarnings());
            // NaN/Infinity cells (JSON carries them as the strings "NaN", "Infinity") read as empty: said, as a training says it.
            if (frame.NonFiniteWarning("predict_rows", cells.MarkEmpty) is { } nonFinite) warnings.Add(nonFinite);
        }
        else if (request.Dataset is { } ds)
        {
            var path = roots.Resolve(ds, request.DatasetField);
            // A request without its own layout reads the dataset the way the model's training CSV was read.
            var (header, columns) = request.Columns is null && State.Columns is not null ? (State.CsvHeader, State.Columns)
                : (request.CsvHeader, request.Columns);
            frame = CsvLoader.Load(path, plan, header, columns, cells, request.DatasetField,
                maxRows: EngineLimits.Current.MaxPredictRows);
            // Said as a training says it of its file: a predicted row read in another encoding or with a cell emptied is worth a word.
            warnings.AddRange(frame.FileWarnings(request.DatasetField, path, cells.MarkEmpty));
        }
        else throw new RequestException("predict_rows", "the request has neither predict_rows nor a dataset to predict");
        var field = request.PredictRows is not null ? "predict_rows" : request.DatasetField;
        foreach (var u in State.Pipeline.UnseenCategories(frame))
        {
            warnings.Add(u.Warning(field));
            unseen?.Add(u);
        }
        frame = frame.SortBy(request.SortValues.Where(frame.Has).ToList());
        var result = PredictFrame(frame, request.Label is "no-label-set" ? State.Label : request.Label, request.MaxRecords);
        warnings.AddRange(result.Warnings ?? []);
        return warnings.Count == 0 ? result : result with { Warnings = warnings };
    }

    /// <summary>Raw feature rows in <see cref="ModelSummary.InputFeatures"/> order (unscaled). Batched, thread-safe.
    /// Returns per row the predicted value: the class value (classification) or the target in its own units (regression).
    /// Categorical inputs are given as numbers and matched against the training vocabulary by their invariant text.
    /// Every value is finite: out-of-range inputs are clipped, and a row that cannot be scored gets the alarm class
    /// (see <see cref="PredictRawFlagged"/> for the per-row flag).</summary>
    public float[] PredictRaw(IReadOnlyList<double[]> rows) => PredictRawFlagged(rows).Values;

    /// <summary><see cref="PredictRaw"/> with a flag per row: true when the row could not be scored (a value far outside
    /// the training range, beyond the clip bound; a NaN input; or a non-finite network output) and was answered with the
    /// alarm class (classification), or its clipped value (regression; 0 if not finite).</summary>
    public RawPredictions PredictRawFlagged(IReadOnlyList<double[]> rows)
    {
        if (rows.Count == 0) return new RawPredictions([], []);
        var beyond = new bool[rows.Count];
        var x = State.Pipeline.TransformRaw(rows, beyond);
        var (outputs, unscorable) = ScoreLocked(x, rows.Count, beyond);
        var novel = NoveltyLocked(x, rows.Count);
        var result = new float[rows.Count];
        for (int i = 0; i < rows.Count; i++) result[i] = (float)Decode(outputs, i, novel?[i] ?? false, unscorable?[i] ?? false).Value;
        var flags = unscorable ?? new bool[rows.Count];
        ScoringMeter.RecordUnscorable(State.Label, flags.Count(f => f));
        return new RawPredictions(result, flags);
    }

    /// <summary>Raw rows as <see cref="PredictRawFlagged"/> takes them, answered with everything a predict report says of a
    /// row (value, probability, class name): the same decisions as <see cref="Predict"/> over predict_rows holding the same
    /// numbers, without building a request, a frame or a report.</summary>
    public RowDecisions PredictRawDecisions(IReadOnlyList<double[]> rows)
    {
        if (rows.Count == 0) return new RowDecisions([], [], [], []);
        var beyond = new bool[rows.Count];
        var x = State.Pipeline.TransformRaw(rows, beyond);
        return Decide(x, rows.Count, beyond, named: rows.Count);
    }

    /// <summary>Scores transformed rows (with the unscorable guard and the novelty detector) and decides each one; the one
    /// place a predict's per-row answers come from. Class names are given to the first <paramref name="named"/> rows only
    /// (a report shows a few samples of a large file; the rest would be garbage).</summary>
    private RowDecisions Decide(float[] x, int n, bool[] beyond, int named)
    {
        var (outputs, unscorable) = ScoreLocked(x, n, beyond);
        var novel = NoveltyLocked(x, n);
        bool regression = State.Task == TaskKind.Regression;
        var values = new double[n];
        var probabilities = new double?[n];
        var names = new string?[n];
        for (int i = 0; i < n; i++)
        {
            var (value, _, probability) = Decode(outputs, i, novel?[i] ?? false, unscorable?[i] ?? false);
            values[i] = value;
            probabilities[i] = probability;
            if (!regression && i < named) names[i] = TargetCodec.DefaultName(value, State.LabelRules);
        }
        var flags = unscorable ?? new bool[n];
        ScoringMeter.RecordUnscorable(State.Label, flags.Count(f => f));
        return new RowDecisions(values, probabilities, names, flags);
    }

    /// <summary>Raw rows as one row-major float32 block (<paramref name="columns"/> values a row, in
    /// <see cref="ModelSummary.InputFeatures"/> order, unscaled): the same answers as <see cref="PredictRaw"/> over those rows.
    /// A plain numeric network model scales the whole block with tensor operations, runs the forward pass on it and
    /// decodes straight from the outputs; rows holding a value near or beyond the clip bound (or NaN), and every row of
    /// other models, take the per-value path.</summary>
    public float[] PredictRows(float[] values, int offset, int rows, int columns)
    {
        if (rows <= 0) return [];
        if (_block is null || columns != _block.Columns || (long)offset + (long)rows * columns > values.Length)
            return PredictRaw(new RowView<float>(values, offset, rows, columns));
        var result = new float[rows];
        List<int>? slow = null;
        int outputs = Outputs;
        var decode = new FastDecoder(State);
        var scores = ArrayPool<float>.Shared.Rent(OutputCells(Math.Min(rows, ForwardChunkRows)));
        try
        {
            for (int start = 0; start < rows; start += ForwardChunkRows)
            {
                int len = Math.Min(ForwardChunkRows, rows - start);
                int at = offset + start * columns;
                ForwardBlockLocked(values, at, len, columns, scores);
                for (int i = 0; i < len; i++)
                {
                    if (!_block.InRange(values.AsSpan(at + i * columns, columns))) (slow ??= []).Add(start + i);
                    else if (!decode.TryDecode(scores, i, outputs, out result[start + i])) (slow ??= []).Add(start + i);
                }
            }
        }
        finally { ArrayPool<float>.Shared.Return(scores); }
        if (slow is not null) PredictSlowRows(values, offset, columns, slow, result);
        return result;
    }

    /// <summary>Rows near or beyond the clip bound (answered as alarms when beyond): gathered into one pooled block for the
    /// per-value path, which clips, flags and decodes them (no allocation per row).</summary>
    private void PredictSlowRows(float[] values, int offset, int columns, List<int> slow, float[] result)
    {
        var gathered = ArrayPool<float>.Shared.Rent(slow.Count * columns);
        try
        {
            for (int k = 0; k < slow.Count; k++) values.AsSpan(offset + slow[k] * columns, columns).CopyTo(gathered.AsSpan(k * columns));
            var again = PredictRaw(new RowView<float>(gathered, 0, slow.Count, columns));
            for (int k = 0; k < slow.Count; k++) result[slow[k]] = again[k];
        }
        finally { ArrayPool<float>.Shared.Return(gathered); }
    }

    /// <summary>Rows per forward pass of <see cref="PredictRows"/>: bounds the activations held at once.</summary>
    private const int ForwardChunkRows = 65_536;

    private void ForwardBlockLocked(float[] values, int at, int rows, int columns, float[] scores)
    {
        if (_managed is not null && _managed.Fits(rows))
        {
            ForwardBlockManaged(values.AsSpan(at, rows * columns), rows, columns, scores);
            return;
        }
        lock (_forwardLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var _ = TorchSharp.torch.no_grad();
            if (_net!.CanInferInto && rows >= ScratchFromRows)
            {
                ForwardBlockInScratch(values, at, rows, columns, scores);
                return;
            }
            using var scope = TorchSharp.torch.NewDisposeScope();
            // frombuffer reads the managed block in place; the scaling writes a new torch-owned (aligned) tensor.
            var raw = TorchSharp.torch.frombuffer(values, TorchSharp.torch.ScalarType.Float32, count: (long)rows * columns, offset: at)
                .view(rows, columns);
            var output = _net!.Infer(_block!.Apply(raw)).contiguous();
            output.data<float>().CopyTo(scores, 0);
        }
    }

    /// <summary>Blocks of fewer rows keep the plain forward pass: their tensors are small (no fresh mapping to fault in), and
    /// the scratch's views and copies are more native calls than the pass itself for a single row.</summary>
    private const int ScratchFromRows = 256;

    /// <summary>Rows per scratch pass; null = as many as one scratch holds (tests set a few to cut a block into passes).</summary>
    internal int? ScratchPassRows { get; set; }

    /// <summary><see cref="ForwardBlockLocked"/> for a single network, in memory rented from <see cref="BlockScratch"/>: the
    /// scaled inputs and every layer's activations of a pass are views of one reused tensor, so scoring a block allocates no
    /// large tensor (no page faults, no zeroing, no unmapping). Blocks needing more than one scratch go in several passes.</summary>
    private void ForwardBlockInScratch(float[] values, int at, int rows, int columns, float[] scores)
    {
        var widths = _net!.Specs.Select(s => s.Units).Prepend(columns).ToArray();
        int outputs = Outputs;
        int pass = Math.Min(rows, ScratchPassRows ?? BlockScratch.RowsPerPass(BlockScratch.FloatsFor(1, widths)));
        var scratch = BlockScratch.Rent(BlockScratch.FloatsFor(pass, widths));
        try
        {
            for (int start = 0; start < rows; start += pass)
            {
                using var scope = TorchSharp.torch.NewDisposeScope();
                int len = Math.Min(pass, rows - start);
                long used = 0;
                var segments = new TorchSharp.torch.Tensor[widths.Length];
                for (int k = 0; k < widths.Length; k++)
                {
                    segments[k] = scratch.narrow(0, used, (long)len * widths[k]).view(len, widths[k]);
                    used += BlockScratch.Align((long)len * widths[k]);
                }
                var raw = TorchSharp.torch.frombuffer(values, TorchSharp.torch.ScalarType.Float32, count: (long)len * columns,
                    offset: at + (long)start * columns).view(len, columns);
                var output = _net.InferInto(_block!.ApplyInto(raw, segments[0]), segments[1..]);
                TorchSharp.torch.frombuffer(scores, TorchSharp.torch.ScalarType.Float32, count: (long)len * outputs,
                    offset: (long)start * outputs).view(len, outputs).copy_(output);
            }
        }
        finally { BlockScratch.Return(scratch); }
    }

    /// <summary><see cref="ForwardBlockLocked"/> in managed code: each row scaled as <see cref="BlockScaling.Apply"/> does, then
    /// the network's forward pass.</summary>
    private void ForwardBlockManaged(ReadOnlySpan<float> raw, int rows, int columns, float[] scores)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Span<float> x = columns <= 512 ? stackalloc float[columns] : new float[columns];
        for (int r = 0; r < rows; r++)
        {
            // A row outside the safe range goes the per-value way; its scores here would never be read.
            if (!_block!.InRange(raw.Slice(r * columns, columns))) continue;
            _block.ApplyRow(raw.Slice(r * columns, columns), x);
            _managed!.Forward(x, 1, scores.AsSpan(r * _managed.Outputs, _managed.Outputs));
        }
    }

    public void Dispose()
    {
        lock (_forwardLock)
        {
            if (_disposed) return;
            _disposed = true;
            _net?.Dispose();
            _novelty?.Dispose();
            _block?.Dispose();
        }
    }

    internal void Restate(ModelState state) => State = state;

    /// <summary>Artifact tensor names of the novelty detector's autoencoder start with this.</summary>
    internal const string NoveltyPrefix = "novelty.";

    internal byte[] ToArtifact()
    {
        var novelty = (_novelty?.ExportWeights() ?? []).Select(w => (NoveltyPrefix + w.Name, w.Shape, w.Data)).ToList();
        return _trees is not null
            ? ArtifactFormat.Write(State, novelty, [(TreesBlob, _trees.ToBytes())])
            : ArtifactFormat.Write(State, [.. _net!.ExportWeights(), .. novelty]);
    }

    /// <summary>Per row: flagged by the novelty detector (reconstruction error above its threshold); null without one.</summary>
    internal bool[]? NoveltyLocked(float[] x, int rows)
    {
        if (_novelty is null) return null;
        lock (_forwardLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _novelty.Errors(x, rows).Select(_novelty.IsNovel).ToArray();
        }
    }

    /// <summary>The novelty detector's reconstruction errors (null without one), for reports.</summary>
    internal double[]? NoveltyErrorsLocked(float[] x, int rows)
    {
        if (_novelty is null) return null;
        lock (_forwardLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _novelty.Errors(x, rows);
        }
    }

    /// <summary>The forward pass with the unscorable guard: rows with a value beyond the clip bound
    /// (<paramref name="beyond"/>), rows with a NaN input (zeroed) and rows whose outputs are not finite are flagged.
    /// Flags are null when every row scored.</summary>
    internal (float[] Outputs, bool[]? Unscorable) ScoreLocked(float[] x, int rows, bool[]? beyond = null)
    {
        var unscorable = InputGuard.SanitizeInputs(x, rows, State.NetworkInputs);
        if (beyond is not null && Array.IndexOf(beyond, true) >= 0)
        {
            unscorable ??= new bool[rows];
            for (int i = 0; i < rows; i++) unscorable[i] |= beyond[i];
        }
        var outputs = ForwardLocked(x, rows);
        return (outputs, InputGuard.FlagNonFiniteOutputs(outputs, rows, unscorable));
    }

    /// <summary>The class an unscorable row is given: never the normal one. With a novelty detector, the class that is not
    /// its normal_class; otherwise index 1, the class after the lowest class value (AntiNex convention: 0 or -1 = normal).</summary>
    private int AlarmClass => State.Novelty is { } ns && State.Task == TaskKind.Binary ? 1 - ns.NormalClass : 1;

    internal float[] ForwardLocked(float[] x, int rows)
    {
        if (_managed is not null && _managed.Fits(rows))
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var outputs = new float[OutputCells(rows)];
            _managed.Forward(x.AsSpan(0, rows * State.NetworkInputs), rows, outputs);
            return outputs;
        }
        lock (_forwardLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_trees is null) return Trainer.Forward(_net!, x, rows, State.NetworkInputs);
            var outputs = new float[OutputCells(rows)];
            _trees.Score(x, rows, outputs);
            return outputs;
        }
    }

    /// <summary>rows x the model's outputs as one buffer's length: refused past what one array holds, as training's are,
    /// rather than wrapping around the int product.</summary>
    internal int OutputCells(int rows) => ArrayCells.Of(rows, Outputs, "predict_feature", "class outputs");

    /// <summary>Network output row -> (value, class index or -1, probability of the chosen class).</summary>
    /// <param name="novel">the row is flagged by the novelty detector: a binary model never calls it the normal class
    /// (its probability is then null: the network's own score does not back the decision).</param>
    /// <param name="unscorable">the row could not be scored: the alarm class (no probability), or 0 for regression when
    /// the output is not finite.</param>
    internal (double Value, int Class, double? Probability) Decode(float[] outputs, int row, bool novel = false, bool unscorable = false)
    {
        if (unscorable)
        {
            if (State.Task == TaskKind.Regression)
            {
                var v = State.Target.UnscaleTarget(outputs[row]);
                return (double.IsFinite(v) ? v : 0, -1, null);
            }
            return (State.Target.ClassValues[AlarmClass], AlarmClass, null);
        }
        switch (State.Task)
        {
            case TaskKind.Binary:
            {
                double p = outputs[row];
                int c = p > (State.Threshold ?? 0.5) ? 1 : 0;
                if (novel && State.Novelty is { } ns && c == ns.NormalClass)
                    return (State.Target.ClassValues[1 - c], 1 - c, null);
                return (State.Target.ClassValues[c], c, c == 1 ? p : 1 - p);
            }
            case TaskKind.MultiClass:
            {
                int k = Outputs, best = 0;
                for (int j = 1; j < k; j++) if (outputs[row * k + j] > outputs[row * k + best]) best = j;
                return (State.Target.ClassValues[best], best, outputs[row * k + best]);
            }
            default:
                return (State.Target.UnscaleTarget(outputs[row]), -1, null);
        }
    }

    internal IReadOnlyList<ColumnPlan> PredictPlan(string predictFeature)
    {
        var plan = State.Pipeline.Features
            .Select(f => new ColumnPlan(f.Name, f.Categorical ? ColumnKind.Text : ColumnKind.Numeric, "features_to_process"))
            .ToList();
        plan.Add(new ColumnPlan(predictFeature, State.Task == TaskKind.Regression ? ColumnKind.Numeric : ColumnKind.Text, "predict_feature",
            Required: false));
        return plan;
    }

    /// <summary>Predicts every row of a frame; samples capped at maxRecords; accuracy over rows that carry a known target.</summary>
    internal PredictionResult PredictFrame(Frame frame, string label, int maxRecords)
    {
        var all = Enumerable.Range(0, frame.RowCount).ToArray();
        var beyond = new bool[frame.RowCount];
        var x = State.Pipeline.Transform(frame, all, beyond);
        return PredictFrameRows(x, beyond, frame, label, maxRecords);
    }

    /// <summary><see cref="PredictFrame"/> for a frame whose rows this model's pipeline has already transformed (x, beyond):
    /// a training file's own predictions reuse its feature matrix instead of building a second one.</summary>
    internal PredictionResult PredictFrameRows(float[] x, bool[] beyond, Frame frame, string label, int maxRecords)
    {
        var decisions = Decide(x, frame.RowCount, beyond, named: Math.Min(frame.RowCount, maxRecords));
        var pf = State.PredictFeature;
        bool hasTarget = frame.Has(pf);
        var samples = new List<SamplePrediction>(Math.Min(frame.RowCount, maxRecords));
        // The file's spellings of a trained class in another letter case are that class, as they were in the training.
        var rules = hasTarget && State.Task != TaskKind.Regression && State.TargetRules is { } stored
            ? stored.WithCaseVariants(frame.Text[pf], out _) : State.TargetRules;
        var unknownClasses = new Dictionary<string, int>(StringComparer.Ordinal);
        int known = 0, correct = 0, unscorableRows = 0;
        for (int i = 0; i < frame.RowCount; i++)
        {
            bool flagged = decisions.Unscorable[i];
            if (flagged) unscorableRows++;
            var value = decisions.Values[i];
            double? original = null;
            if (hasTarget)
            {
                if (State.Task == TaskKind.Regression) original = frame.Numeric[pf][i];
                else
                {
                    var cell = frame.Text[pf][i];
                    try { original = TargetCodec.ClassValueOf(cell, rules, "predict_feature", i); }
                    catch (RequestException)
                    {
                        original = null;
                        if (!string.IsNullOrWhiteSpace(cell)) unknownClasses[cell.Trim()] = unknownClasses.GetValueOrDefault(cell.Trim()) + 1;
                    }
                }
            }
            if (original is { } o && State.Task != TaskKind.Regression)
            {
                known++;
                if (o == value) correct++;
            }
            if (samples.Count < maxRecords)
                samples.Add(new SamplePrediction(frame.RowIds[i], original, value, decisions.Names[i], decisions.Probabilities[i])
                { Unscorable = flagged });
        }
        double? accuracy = known > 0 ? 100.0 * correct / known : null;
        var shown = accuracy ?? State.TestAccuracy;
        var accText = shown is { } a ? a.ToString("0.####", CultureInfo.InvariantCulture) : "None";
        return new PredictionResult
        {
            Label = label,
            Samples = samples,
            Rows = frame.RowCount,
            Accuracy = accuracy,
            UnscorableRows = unscorableRows,
            Summary = $"{label} made predictions={frame.RowCount} found={samples.Count} accuracy={accText}"
                + (unscorableRows > 0 ? $" unscorable={unscorableRows}" : ""),
            Warnings = unknownClasses.Count == 0 ? null : [UnknownClassWarning(pf, unknownClasses)],
        };
    }

    /// <summary>Rows whose class the model does not know are not scored: said, so the accuracy is not read as over every row.</summary>
    private static string UnknownClassWarning(string pf, Dictionary<string, int> unknown)
    {
        var names = unknown.Keys.Order(StringComparer.Ordinal).ToList();
        int rows = unknown.Values.Sum();
        return $"predict_feature: '{pf}' holds classes the model was not trained on ({string.Join(", ", names.Take(10))}" +
            (names.Count > 10 ? $", ... ({names.Count} in all)" : "") + $") in {rows:N0} row{(rows == 1 ? "" : "s")}: " +
            "those rows are left out of the accuracy";
    }
}
