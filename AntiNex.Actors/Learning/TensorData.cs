namespace AntiNex.Learning;

/// <summary>Training data as the network sees it: row-major features, class indices or (scaled) targets.</summary>
internal sealed record TensorData(float[] X, int Rows, int Width, int[]? Classes, float[]? Targets);
