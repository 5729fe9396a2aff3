// A model's inputs as the inference protocol declares them: numeric ones are FP64 tensors, categorical ones BYTES tensors
// of the text the model's pipeline one-hot encodes (a number there would only be matched as text, and mean nothing).
using System.Runtime.CompilerServices;
using AntiNex.Learning;

namespace AntiNex.Gateway.Http.Inference;

public sealed class ModelInputs
{
    public const string Numeric = "FP64", Text = "BYTES";

    // Built once per cached model description (the summary object is kept for a few seconds), not per request.
    private static readonly ConditionalWeakTable<ModelSummary, ModelInputs> Known = new();

    private readonly bool[] _categorical;

    public ModelInputs(IReadOnlyList<string> names, IReadOnlyCollection<string>? categorical)
    {
        Names = names;
        _categorical = names.Select(n => categorical?.Contains(n) == true).ToArray();
        Categorical = names.Where((_, i) => _categorical[i]).ToList();
    }

    public static ModelInputs Of(ModelSummary summary) => Known.GetValue(summary, s => new ModelInputs(s.InputFeatures, s.CategoricalFeatures));

    /// <summary>Input names in model order (the order of a single [rows, inputs] tensor's columns).</summary>
    public IReadOnlyList<string> Names { get; }

    public int Count => Names.Count;

    /// <summary>The categorical inputs, in model order; empty for an all-numeric model.</summary>
    public IReadOnlyList<string> Categorical { get; }

    public bool IsCategorical(int index) => _categorical[index];

    public int IndexOf(string name)
    {
        for (var i = 0; i < Names.Count; i++)
            if (string.Equals(Names[i], name, StringComparison.Ordinal)) return i;
        return -1;
    }

    /// <summary>The tensor datatype the metadata declares for the input.</summary>
    public string Datatype(int index) => _categorical[index] ? Text : Numeric;
}
