namespace AntiNex.Requests;

/// <summary>One dense layer of model_desc (a dropout entry of the original becomes the previous layer's Dropout).</summary>
public sealed record LayerSpec(int Units, string Init, string Activation, double Dropout = 0)
{
    /// <summary>A batch_norm layer after this dense layer: normalises its output before the activation.</summary>
    public bool BatchNorm { get; init; }
}
