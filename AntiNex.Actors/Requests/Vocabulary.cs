namespace AntiNex.Requests;

/// <summary>The names a request may use for inits, activations, losses and optimizers (Keras names).</summary>
public static class Vocabulary
{
    public static readonly IReadOnlyList<string> Inits =
        ["uniform", "normal", "glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "lecun_uniform", "lecun_normal", "zeros", "ones"];

    /// <summary>"linear" also stands for JSON null (the original's linear activation).</summary>
    public static readonly IReadOnlyList<string> Activations =
        ["relu", "sigmoid", "tanh", "softmax", "linear", "elu", "selu", "softplus", "leaky_relu"];

    public static readonly IReadOnlyList<string> Losses =
        ["binary_crossentropy", "categorical_crossentropy", "mse", "mae"];

    public static readonly IReadOnlyList<string> Optimizers = ["adam", "sgd", "rmsprop", "adagrad", "adamax", "nadam"];

    /// <summary>Keras aliases accepted for losses.</summary>
    public static string NormalizeLoss(string loss) => loss.ToLowerInvariant() switch
    {
        "mean_squared_error" => "mse",
        "mean_absolute_error" => "mae",
        "sparse_categorical_crossentropy" => "categorical_crossentropy",
        var l => l,
    };

    public static string NormalizeActivation(string? activation) => activation?.ToLowerInvariant() switch
    {
        null or "" or "none" or "null" => "linear",
        "leakyrelu" => "leaky_relu",
        var a => a,
    };

    /// <summary>Keras' default learning rate of an optimizer (what runs when the request gives no learning_rate).</summary>
    public static double DefaultLearningRate(string optimizer) => optimizer switch
    {
        "sgd" or "adagrad" => 0.01,
        "adamax" or "nadam" => 0.002,
        _ => 0.001, // adam, rmsprop
    };

    public static string Allowed(IReadOnlyList<string> names) => "allowed: " + string.Join(", ", names);
}
