using AntiNex.Learning;
using AntiNex.Requests;
using AntiNex.Tests.Data;

namespace AntiNex.Tests.Learning;

public class ArtifactTests : IClassFixture<ArtifactTests.Trained>
{
    /// <summary>One small model shared by the artifact tests.</summary>
    public sealed class Trained : IDisposable
    {
        public EngineTestData.TempRoot Root { get; } = new();
        public TrainingOutcome Outcome { get; }
        public AntiNexRequest Request { get; }
        public Trained()
        {
            Root.Write("blobs.csv", EngineTestData.BinaryCsv(240, 11));
            Request = EngineTestData.Request(EngineTestData.BinaryRequest(epochs: 4, splits: 0));
            Outcome = TrainingEngine.Train(Request, Root.Roots, EngineTestData.SingleThread, null, CancellationToken.None);
        }
        public void Dispose() => Root.Dispose();
    }

    private readonly Trained _t;
    public ArtifactTests(Trained t) => _t = t;

    [Fact]
    public void Loaded_model_predicts_bit_identically_to_the_trained_one()
    {
        using var model = TrainedModel.Load(_t.Outcome.Artifact);
        var again = model.Predict(_t.Request, _t.Root.Roots);
        Assert.Equal(_t.Outcome.Predictions!.Samples, again.Samples); // record equality: every double bit-identical
        // The training's line over its own dataset says it is in-sample; the line itself is the loaded model's.
        Assert.Equal(again.Summary + AntiNex.Learning.TrainingRun.InSampleNote, _t.Outcome.Predictions.Summary);
        Assert.Equal("Blobs", model.Summary.Label);
        Assert.Equal(["x0", "x1", "proto", "const"], model.Summary.InputFeatures);
        Assert.Equal(2 + 4 + 1, model.Summary.NetworkInputs); // proto: tcp, udp, icmp + "other"
        Assert.Equal(_t.Outcome.Report.Accuracy, model.Summary.TestAccuracy);
        Assert.Equal(_t.Outcome.Artifact.Length, model.Summary.ArtifactBytes);
    }

    [Fact]
    public void A_metric_that_is_not_a_number_is_stored_and_read_back_instead_of_failing_the_training()
    {
        // A diverged cross-validation fold makes the CV mean NaN; the trained model must still be stored.
        var (state, weights) = ArtifactFormat.Read(_t.Outcome.Artifact);
        var artifact = ArtifactFormat.Write(state with { CvMean = double.NaN, Mse = double.PositiveInfinity }, weights);
        var (back, _) = ArtifactFormat.Read(artifact);
        Assert.True(double.IsNaN(back.CvMean!.Value));
        Assert.True(double.IsPositiveInfinity(back.Mse!.Value));
        using var model = TrainedModel.Load(artifact);
        Assert.Equal("Blobs", model.Summary.Label);
    }

    [Fact]
    public void A_state_whose_task_does_not_fit_its_output_layer_is_refused_on_load()
    {
        var (state, weights) = ArtifactFormat.Read(_t.Outcome.Artifact);
        var multi = ArtifactFormat.Write(state with { Task = TaskKind.MultiClass }, weights); // one output unit, two classes
        var e = Assert.Throws<ArtifactException>(() => TrainedModel.Load(multi));
        Assert.Contains("output layer is inconsistent", e.Message);
    }

    [Fact]
    public void Predict_uses_the_models_feature_order_and_scaler_for_predict_rows()
    {
        using var model = TrainedModel.Load(_t.Outcome.Artifact);
        // columns in another order, extra columns, an unseen category, no target column
        // predict_rows as a JSON string holding the rows, as the original AntiNex sends it
        var rows = """[{"extra":1,"const":7,"proto":"sctp","x1":1.5,"x0":1.9},{"const":7,"proto":"gre","x1":-1.8,"x0":-1.7}]""";
        var request = EngineTestData.Request($$"""
            {"label": "Blobs", "predict_feature": "label", "predict_rows": {{System.Text.Json.JsonSerializer.Serialize(rows)}} }
            """);
        var p = model.Predict(request, _t.Root.Roots);
        Assert.Equal(2, p.Rows);
        Assert.Equal("attack", p.Samples[0].LabelName);
        Assert.Equal("benign", p.Samples[1].LabelName);
        Assert.Null(p.Samples[0].Original);
        Assert.Equal(model.PredictRaw([[1.9, 1.5, 0, 7], [-1.7, -1.8, 0, 7]]), p.Samples.Select(s => (float)s.Predicted).ToArray());
    }

    [Fact]
    public void A_missing_feature_column_at_predict_time_is_named()
    {
        using var model = TrainedModel.Load(_t.Outcome.Artifact);
        var request = EngineTestData.Request("""{"predict_feature": "label", "predict_rows": [{"x0": 1, "proto": "tcp", "const": 7}]}""");
        var e = Assert.Throws<RequestException>(() => model.Predict(request, _t.Root.Roots));
        Assert.Contains("'x1'", e.Message);
    }

    [Fact]
    public void Truncated_corrupted_or_foreign_bytes_give_a_clear_error()
    {
        var bytes = _t.Outcome.Artifact;
        Assert.Contains("truncated", Assert.Throws<ArtifactException>(() => TrainedModel.Load(bytes[..(bytes.Length / 2)])).Message);
        Assert.Contains("truncated", Assert.Throws<ArtifactException>(() => TrainedModel.Load(bytes[..10])).Message);
        foreach (var at in new[] { 20, bytes.Length / 2, bytes.Length - 40, bytes.Length - 1 })
        {
            var flipped = (byte[])bytes.Clone();
            flipped[at] ^= 0x10;
            Assert.Contains("checksum", Assert.Throws<ArtifactException>(() => TrainedModel.Load(flipped)).Message);
        }
        var foreign = (byte[])bytes.Clone();
        foreign[0] = (byte)'X';
        Assert.Contains("magic", Assert.Throws<ArtifactException>(() => TrainedModel.Load(foreign)).Message);
        Assert.Throws<ArtifactException>(() => TrainedModel.Load([]));
    }

    [Fact]
    public void Concurrent_predict_raw_calls_agree_with_sequential_ones()
    {
        using var model = TrainedModel.Load(_t.Outcome.Artifact);
        var rng = new Random(3);
        var batches = Enumerable.Range(0, 16).Select(_ => Enumerable.Range(0, 64)
            .Select(_ => new double[] { rng.NextDouble() * 4 - 2, rng.NextDouble() * 4 - 2, 0, 7 }).ToList()).ToList();
        var sequential = batches.Select(b => model.PredictRaw(b)).ToList();
        var parallel = new float[batches.Count][];
        Parallel.For(0, batches.Count, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => parallel[i] = model.PredictRaw(batches[i]));
        for (int i = 0; i < batches.Count; i++) Assert.Equal(sequential[i], parallel[i]);
    }

    [Fact]
    public void A_disposed_model_refuses_to_predict()
    {
        var model = TrainedModel.Load(_t.Outcome.Artifact);
        model.Dispose();
        model.Dispose(); // idempotent
        Assert.Throws<ObjectDisposedException>(() => model.PredictRaw([[0, 0, 0, 7]]));
    }

    /// <summary>An artifact of the given body, with a valid header and checksum: what a corrupted length inside a body that
    /// still passes the checksum looks like (a writer's bug, or bytes crafted to get past the checksum).</summary>
    private static byte[] Sealed(byte[] body)
    {
        var result = new byte[4 + 2 + 8 + body.Length + 32];
        "ANXM"u8.CopyTo(result);
        BitConverter.TryWriteBytes(result.AsSpan(4), (ushort)2);
        BitConverter.TryWriteBytes(result.AsSpan(6), (long)body.Length);
        body.CopyTo(result, 14);
        System.Security.Cryptography.SHA256.HashData(result.AsSpan(0, 14 + body.Length), result.AsSpan(14 + body.Length));
        return result;
    }

    /// <summary>A body holding the trained model's state and one tensor written by <paramref name="tensor"/>.</summary>
    private byte[] BodyWith(Action<BinaryWriter> tensor, int? jsonLength = null)
    {
        var (state, _) = ArtifactFormat.Read(_t.Outcome.Artifact);
        var json = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(state, ArtifactFormat.Json);
        using var body = new MemoryStream();
        using (var w = new BinaryWriter(body, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            w.Write(jsonLength ?? json.Length);
            w.Write(json);
            w.Write(1);
            tensor(w);
        }
        return body.ToArray();
    }

    [Fact]
    public void Impossible_lengths_inside_a_checksummed_body_are_refused_before_anything_is_allocated()
    {
        var cases = new Dictionary<string, byte[]>
        {
            ["json length"] = BodyWith(_ => { }, jsonLength: int.MaxValue),
            ["rank"] = BodyWith(w => { w.Write("w"); w.Write(int.MaxValue); }),
            ["negative dim"] = BodyWith(w => { w.Write("w"); w.Write(2); w.Write(-2L); w.Write(-2L); w.Write(4); }),
            ["overflowing dims"] = BodyWith(w => { w.Write("w"); w.Write(2); w.Write(long.MaxValue); w.Write(4L); w.Write(4); }),
        };
        foreach (var (what, body) in cases)
        {
            var e = Record.Exception(() => ArtifactFormat.Read(Sealed(body)));
            Assert.True(e is ArtifactException, $"{what}: {e?.GetType().Name} {e?.Message}");
        }
    }

    [Fact]
    public void A_tensor_larger_than_the_bytes_left_is_refused_as_truncated()
    {
        // 2^29 values (2 GB) announced, 16 bytes present
        var body = BodyWith(w => { w.Write("w"); w.Write(1); w.Write(1L << 29); w.Write(1 << 29); w.Write(new byte[16]); });
        Assert.Contains("truncated", Assert.Throws<ArtifactException>(() => ArtifactFormat.Read(Sealed(body))).Message);
    }

    [Fact]
    public void A_weight_written_twice_in_place_of_another_is_refused()
    {
        var (state, weights) = ArtifactFormat.Read(_t.Outcome.Artifact);
        var twice = weights.ToList();
        twice[1] = twice[0]; // count and every name still match the network; weights[1]'s layer would keep its random init
        var e = Assert.Throws<ArtifactException>(() => TrainedModel.Load(ArtifactFormat.Write(state, twice)));
        Assert.Contains("more than once", e.Message);
    }

    [Fact]
    public void Exported_scores_answer_a_non_finite_output_with_the_alarm_class_as_serving_does()
    {
        var (state, weights) = ArtifactFormat.Read(_t.Outcome.Artifact);
        var nan = weights.Select(w => w with { Data = Enumerable.Repeat(float.NaN, w.Data.Length).ToArray() }).ToList();
        using var model = TrainedModel.Load(ArtifactFormat.Write(state, nan));
        var served = model.PredictRawFlagged([[1.9, 1.5, 0, 7], [-1.7, -1.8, 0, 7]]);
        Assert.All(served.Unscorable, Assert.True);
        var m = new FeatureMatrix
        {
            Name = "t", X = new float[2 * state.NetworkInputs], Rows = 2, Width = state.NetworkInputs, Targets = [0, 0], RowIds = [0, 1],
        };
        var scores = FeatureExport.Score(model, m);
        Assert.Equal([1, 1], scores.Predicted);
        Assert.Equal(served.Values.Select(v => (int)v), scores.Predicted); // class values 0/1 are their indices here
    }
}
