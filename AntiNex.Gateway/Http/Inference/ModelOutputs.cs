using AntiNex.Learning;
using AntiNex.Models;
using AntiNex.Reporting;

namespace AntiNex.Gateway.Http.Inference;

/// <summary>What a model answers per row: every model the predicted value ("predicted": the class value or the
/// regression target); a classifier also the probability of that class and the class name.</summary>
public static class ModelOutputs
{
    public const string Predicted = "predicted", Probability = "probability", Label = "label";
    public const string Platform = "antinex_torchsharp";

    public static bool IsRegression(ModelSummary s) => s.MlType.Equals("regression", StringComparison.OrdinalIgnoreCase);

    public static IReadOnlyList<string> Of(ModelSummary s) => IsRegression(s) ? [Predicted] : [Predicted, Probability, Label];

    /// <summary>The model's name is its id (the label trimmed and lower-cased), the name its URL uses.</summary>
    public static ModelMetadata Metadata(string modelId, ModelDescription d)
    {
        var s = d.Summary!;
        var declared = ModelInputs.Of(s);
        var inputs = declared.Names.Select((f, i) => new MetadataTensor(f, declared.Datatype(i), [-1])).ToList();
        var outputs = Of(s).Select(o => new MetadataTensor(o, o == Label ? "BYTES" : "FP64", [-1])).ToList();
        return new ModelMetadata(modelId, [d.Version.ToString(System.Globalization.CultureInfo.InvariantCulture)], Platform, inputs, outputs);
    }

    /// <summary>Tensors from the engine's row decisions, as <see cref="FromSamples"/> gives them for the same rows.</summary>
    public static List<ResponseOutput> FromDecisions(RowDecisions decisions, IReadOnlyList<string> wanted)
    {
        long[] shape = [decisions.Count];
        var outputs = new List<ResponseOutput>(wanted.Count);
        foreach (var name in wanted)
        {
            object data = name switch
            {
                Predicted => decisions.Values,
                Probability => Array.ConvertAll(decisions.Probabilities, p => p ?? -1),
                _ => Array.ConvertAll(decisions.Names, n => n ?? ""),
            };
            outputs.Add(new ResponseOutput(name, shape, name == Label ? "BYTES" : "FP64", data));
        }
        return outputs;
    }

    /// <summary>Tensors from a predict reply's samples, in row order. A probability of -1 marks a row the novelty
    /// detector alone called an attack (the network's score does not back that decision).</summary>
    public static List<ResponseOutput> FromSamples(IReadOnlyList<SamplePrediction> samples, IReadOnlyList<string> wanted)
    {
        long[] shape = [samples.Count];
        var outputs = new List<ResponseOutput>(wanted.Count);
        foreach (var name in wanted)
        {
            object data = name switch
            {
                Predicted => samples.Select(s => s.Predicted).ToArray(),
                Probability => samples.Select(s => s.Probability ?? -1).ToArray(),
                _ => samples.Select(s => s.LabelName ?? "").ToArray(),
            };
            outputs.Add(new ResponseOutput(name, shape, name == Label ? "BYTES" : "FP64", data));
        }
        return outputs;
    }
}
