using TorchSharp;

namespace AntiNex.Learning;

/// <summary>Loads libtorch and runs one tiny forward pass, so that the first model a node loads (after a restart, the
/// first predict of a label) does not pay the native library's start-up (about a second).</summary>
public static class EngineWarmup
{
    public static void Run(EngineOptions? options)
    {
        TorchSetup.Apply(options);
        using var _ = torch.no_grad();
        using var layer = torch.nn.Linear(4, 2);
        using var x = torch.zeros(1, 4);
        using var y = layer.forward(x);
        y.data<float>().ToArray();
    }
}
