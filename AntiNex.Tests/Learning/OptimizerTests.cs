using AntiNex.Learning;
using AntiNex.Requests;
using TorchSharp;
using static TorchSharp.torch;

namespace AntiNex.Tests.Learning;

/// <summary>The kept-alive optimizers replace torch.optim's in the training loop (TorchSharp's own steps can free a Scalar that
/// libtorch still reads). It must be the same optimizer: same weights after the same steps, learning-rate changes included.</summary>
public class OptimizerTests
{
    private static readonly List<LayerSpec> Layers = [new(16, "he_uniform", "relu"), new(8, "he_uniform", "tanh"),
        new(1, "glorot_uniform", "sigmoid")];

    [Fact]
    public void Kept_alive_adam_follows_torch_adam_step_for_step()
    {
        using var genA = new Generator(5);
        using var genB = new Generator(5);
        using var a = new DenseNetwork(8, Layers, genA);
        using var b = new DenseNetwork(8, Layers, genB);
        using var data = new Generator(11);
        using var x = torch.randn([128, 8], generator: data);
        using var y = torch.rand([128, 1], generator: data).gt(0.5).to_type(ScalarType.Float32);
        using var reference = optim.Adam(a.parameters(), 0.01, 0.9, 0.999, 1e-7);
        using var ours = new KeptAliveAdam(b.parameters().ToList(), 0.01, 0.9, 0.999, 1e-7);

        StepBoth(reference, a, ours, b, x, y, steps: 60, before: step =>
        {
            if (step != 31) return; // as a schedule does: lower the rate halfway
            foreach (var g in reference.ParamGroups) g.LearningRate = 0.002;
            ours.LearningRate = 0.002;
        });

        var wa = a.ExportWeights();
        var wb = b.ExportWeights();
        Assert.Equal(wa.Select(w => w.Name), wb.Select(w => w.Name));
        double maxDiff = wa.Zip(wb).Max(p => p.First.Data.Zip(p.Second.Data).Max(d => Math.Abs(d.First - d.Second)));
        Assert.True(maxDiff <= 1e-6, $"weights differ by up to {maxDiff} after 60 steps");
        // And it did learn something: the weights moved away from their initial values.
        using var genC = new Generator(5);
        using var untouched = new DenseNetwork(8, Layers, genC);
        double moved = untouched.ExportWeights().Zip(wb).Max(p => p.First.Data.Zip(p.Second.Data).Max(d => Math.Abs(d.First - d.Second)));
        Assert.True(moved > 1e-3, $"weights moved only {moved}");
    }

    public static TheoryData<string, double> KeptAliveOptimizers => new()
    {
        { "sgd", 0 }, { "sgd", 0.01 }, { "rmsprop", 0 }, { "rmsprop", 0.01 }, { "adagrad", 0 }, { "adagrad", 0.01 },
        { "adamax", 0 }, { "adamax", 0.01 }, { "nadam", 0 }, { "nadam", 0.01 },
    };

    [Theory]
    [MemberData(nameof(KeptAliveOptimizers))]
    public void Kept_alive_optimizers_follow_torch_step_for_step(string name, double weightDecay)
    {
        using var genA = new Generator(7);
        using var genB = new Generator(7);
        using var a = new DenseNetwork(8, Layers, genA);
        using var b = new DenseNetwork(8, Layers, genB);
        using var data = new Generator(13);
        using var x = torch.randn([96, 8], generator: data);
        using var y = torch.rand([96, 1], generator: data).gt(0.5).to_type(ScalarType.Float32);
        // The reference: TorchSharp's own optimizer with the Keras defaults the engine uses.
        using optim.Optimizer reference = name switch
        {
            "sgd" => optim.SGD(a.parameters(), 0.05, weight_decay: weightDecay),
            "rmsprop" => optim.RMSProp(a.parameters(), 0.001, 0.9, 1e-7, weight_decay: weightDecay),
            "adamax" => optim.Adamax(a.parameters(), 0.002, 0.9, 0.999, 1e-7, weight_decay: weightDecay),
            "nadam" => optim.NAdam(a.parameters(), 0.002, 0.9, 0.999, 1e-7, weight_decay: weightDecay),
            _ => optim.Adagrad(a.parameters(), 0.01, initial_accumulator_value: 0.1, eps: 1e-7, weight_decay: weightDecay),
        };
        using var ours = Optimizers.Create(b.parameters(), name, name == "sgd" ? 0.05 : null, weightDecay);
        StepBoth(reference, a, ours, b, x, y, steps: 40);
        var maxDiff = a.ExportWeights().Zip(b.ExportWeights()).Max(p => p.First.Data.Zip(p.Second.Data).Max(d => Math.Abs(d.First - d.Second)));
        Assert.True(maxDiff <= 1e-6, $"{name} (weight decay {weightDecay}): weights differ by up to {maxDiff} after 40 steps");
    }

    /// <summary>The same full-batch BCE steps on two identical networks: torch's optimizer on one, ours on the other.</summary>
    private static void StepBoth(optim.Optimizer reference, DenseNetwork a, IStepper ours, DenseNetwork b, Tensor x, Tensor y,
        int steps, Action<int>? before = null)
    {
        for (int step = 1; step <= steps; step++)
        {
            before?.Invoke(step);
            using var scope = torch.NewDisposeScope(); // as the training loop: a scope per batch
            reference.zero_grad();
            nn.functional.binary_cross_entropy(a.forward(x), y).backward();
            reference.step();
            ours.ZeroGrad();
            nn.functional.binary_cross_entropy(b.forward(x), y).backward();
            ours.Step();
        }
    }

    [Fact]
    public void Adam_moment_buffers_survive_the_per_batch_dispose_scope()
    {
        // The training loop opens a dispose scope per batch; the optimizer's state must outlive it.
        using var gen = new Generator(3);
        using var net = new DenseNetwork(4, [new(4, "he_uniform", "relu"), new(1, "glorot_uniform", "sigmoid")], gen);
        using var x = torch.ones(8, 4);
        using var y = torch.ones(8, 1);
        using var adam = new KeptAliveAdam(net.parameters().ToList(), 0.01, 0.9, 0.999, 1e-7);
        for (int i = 0; i < 3; i++)
        {
            using var scope = torch.NewDisposeScope();
            adam.ZeroGrad();
            nn.functional.binary_cross_entropy(net.forward(x), y).backward();
            adam.Step(); // the second step would throw "Tensor invalid -- empty handle" if the buffers were scoped
        }
    }
}
