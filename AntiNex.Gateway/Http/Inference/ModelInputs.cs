// A model's inputs as the inference protocol declares them: numeric ones are FP64 tensors, categorical ones BYTES tensors
// of the text the model's pipeline one-hot encodes. A categorical input also takes numbers (a protocol number, a port),
// matched by their text as the model's raw-row path matches them. A version stored before summaries named their
// categorical inputs, not loaded yet, is declared all FP64 and takes text for any input (its own pipeline judges it).
using System.Runtime.CompilerServices;
using AntiNex.Learning;

namespace AntiNex.Gateway.Http.Inference;

public sealed class ModelInputs
{
    public const string Numeric = "FP64", Text = "BYTES";

    // Built once per cached model description (the summary object is kept for a few seconds), not per request.
    private static readonly ConditionalWeakTable<ModelSummary, ModelInputs> BySummary = new();

    private readonly bool[] _categorical;

    public ModelInputs(IReadOnlyList<string> names, IReadOnlyCollection<string>? categorical)
    {
        Names = names;
        ListsCategorical = categorical is not null;
        _categorical = names.Select(n => categorical?.Contains(n) == true).ToArray();
        Categorical = names.Where((_, i) => _categorical[i]).ToList();
    }

    public static ModelInputs Of(ModelSummary summary) => BySummary.GetValue(summary, s => new ModelInputs(s.InputFeatures, s.CategoricalFeatures));

    /// <summary>Input names in model order (the order of a single [rows, inputs] tensor's columns).</summary>
    public IReadOnlyList<string> Names { get; }

    public int Count => Names.Count;

    /// <summary>The categorical inputs, in model order; empty for an all-numeric model.</summary>
    public IReadOnlyList<string> Categorical { get; }

    public bool IsCategorical(int index) => _categorical[index];

    /// <summary>Whether the model's summary names its categorical inputs (false: a version stored before it did).</summary>
    public bool ListsCategorical { get; }

    /// <summary>Whether a BYTES tensor may feed the input: a categorical one, or any input while the list is unknown.</summary>
    public bool TakesText(int index) => _categorical[index] || !ListsCategorical;

    public int IndexOf(string name)
    {
        for (var i = 0; i < Names.Count; i++)
            if (string.Equals(Names[i], name, StringComparison.Ordinal)) return i;
        return -1;
    }

    /// <summary>The tensor datatype the metadata declares for the input.</summary>
    public string Datatype(int index) => _categorical[index] ? Text : Numeric;
}
