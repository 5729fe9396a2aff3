using AntiNex.Learning;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.FastTree;
using Microsoft.ML.Trainers.LightGbm;

namespace AntiNex.Baselines;

/// <summary>What one model predicted on one test file: class index per row, positive-class score (binary) for ROC AUC.</summary>
public sealed record Predictions(int[] Predicted, double[]? PositiveScore);

/// <summary>
/// ML.NET FastTree and LightGBM with their default hyper-parameters, trained on the exported training matrix only
/// (fitting and validation rows: trees need no validation split) and applied to the exported test matrices. The trees
/// never see a test row, and they see exactly the network's inputs (a fair comparison: identical features).
/// </summary>
public static class TreeBaselines
{
    public static readonly string[] Names = ["FastTree", "LightGBM"];

    public static IReadOnlyList<Predictions> TrainAndPredict(string name, FeatureMatrices m, int seed, int threads)
    {
        var ml = new MLContext(seed);
        int k = m.ClassNames.Count;
        bool binary = m.Task == TaskKind.Binary;
        var train = ToDataView(ml, m.Train, k, binary);
        ITransformer model = (name, binary) switch
        {
            ("FastTree", true) => ml.BinaryClassification.Trainers.FastTree(new FastTreeBinaryTrainer.Options
            {
                LabelColumnName = "Label", FeatureColumnName = "Features", Seed = seed, NumberOfThreads = threads,
            }).Fit(train),
            ("LightGBM", true) => ml.BinaryClassification.Trainers.LightGbm(new LightGbmBinaryTrainer.Options
            {
                LabelColumnName = "Label", FeatureColumnName = "Features", Seed = seed, NumberOfThreads = threads,
            }).Fit(train),
            // Multi-class: one FastTree per class (one-versus-all), or LightGBM's native multi-class objective. The class
            // index becomes a key (fitted on the training rows) and the predicted key goes back to the class index.
            ("FastTree", false) => ml.Transforms.Conversion.MapValueToKey("Label")
                .Append(ml.MulticlassClassification.Trainers.OneVersusAll(
                    ml.BinaryClassification.Trainers.FastTree(new FastTreeBinaryTrainer.Options
                    {
                        LabelColumnName = "Label", FeatureColumnName = "Features", Seed = seed, NumberOfThreads = threads,
                    }), labelColumnName: "Label"))
                .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel")).Fit(train),
            ("LightGBM", false) => ml.Transforms.Conversion.MapValueToKey("Label")
                .Append(ml.MulticlassClassification.Trainers.LightGbm(new LightGbmMulticlassTrainer.Options
                {
                    LabelColumnName = "Label", FeatureColumnName = "Features", Seed = seed, NumberOfThreads = threads,
                }))
                .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel")).Fit(train),
            _ => throw new ArgumentException($"unknown tree baseline '{name}' (known: {string.Join(", ", Names)})"),
        };
        return m.Tests.Select(t => Predict(ml, model, t, k, binary)).ToList();
    }

    private static Predictions Predict(MLContext ml, ITransformer model, FeatureMatrix t, int k, bool binary)
    {
        var scored = model.Transform(ToDataView(ml, t, k, binary));
        if (binary)
        {
            var rows = ml.Data.CreateEnumerable<BinaryOut>(scored, reuseRowObject: false).ToList();
            // PredictedLabel is score > 0 (probability > 0.5); the probability ranks rows for ROC AUC.
            return new Predictions(rows.Select(r => r.PredictedLabel ? 1 : 0).ToArray(), rows.Select(r => (double)r.Probability).ToArray());
        }
        var multi = ml.Data.CreateEnumerable<MultiOut>(scored, reuseRowObject: false).ToList();
        return new Predictions(multi.Select(r => (int)r.PredictedLabel).ToArray(), null);
    }

    /// <summary>Rows of the exported matrix as an IDataView: a float vector of the matrix width; the label as bool (binary)
    /// or as the class index (multi-class; a class the training data lacks gets a value no training row has).</summary>
    private static IDataView ToDataView(MLContext ml, FeatureMatrix m, int k, bool binary)
    {
        if (binary)
        {
            var schema = SchemaDefinition.Create(typeof(BinaryRow));
            schema[nameof(BinaryRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, m.Width);
            var rows = Enumerable.Range(0, m.Rows).Select(i => new BinaryRow { Features = m.Row(i).ToArray(), Label = m.Classes[i] == 1 });
            return ml.Data.LoadFromEnumerable(rows.ToList(), schema);
        }
        var multiSchema = SchemaDefinition.Create(typeof(MultiRow));
        multiSchema[nameof(MultiRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, m.Width);
        var multiRows = Enumerable.Range(0, m.Rows).Select(i => new MultiRow { Features = m.Row(i).ToArray(), Label = m.Classes[i] >= 0 ? (uint)m.Classes[i] : uint.MaxValue });
        return ml.Data.LoadFromEnumerable(multiRows.ToList(), multiSchema);
    }

    private sealed class BinaryRow
    {
        public float[] Features { get; set; } = [];
        public bool Label { get; set; }
    }

    private sealed class MultiRow
    {
        public float[] Features { get; set; } = [];
        public uint Label { get; set; }
    }

    private sealed class BinaryOut
    {
        public bool PredictedLabel { get; set; }
        public float Probability { get; set; }
    }

    private sealed class MultiOut
    {
        public uint PredictedLabel { get; set; }
    }
}
