using AntiNex.Learning;
using AntiNex.Requests;
using TorchSharp;
using static TorchSharp.torch;

namespace AntiNex.Tests.Learning;

/// <summary>The network's activations and batch norm pass held Scalars instead of calling TorchSharp's elu, softplus,
/// leaky_relu and BatchNorm1d.forward (which make Scalars nothing holds): they must still give those calls' values, gradients
/// and running statistics.</summary>
public class HeldScalarActivationTests
{
    [Theory]
    [InlineData("elu")]
    [InlineData("softplus")]
    [InlineData("leaky_relu")]
    public void An_activation_gives_torchs_values_and_gradients(string activation)
    {
        using var scope = NewDisposeScope();
        using var gen = new Generator(5);
        // Both sides of softplus' threshold (20), far beyond it (exp overflows float32 there), and around 0.
        var x = cat([randn(64, 8, generator: gen) * 4, tensor(new float[] { -30, -1, 0, 19.9f, 20, 20.1f, 90, 200 }).view(1, 8)]);
        var mine = x.detach().requires_grad_();
        var theirs = x.detach().requires_grad_();
        var got = DenseNetwork.Activate(mine, activation);
        var expected = activation switch
        {
            "elu" => nn.functional.elu(theirs, 1.0, false),
            "softplus" => nn.functional.softplus(theirs, 1, 20),
            _ => nn.functional.leaky_relu(theirs, 0.3, false),
        };
        Assert.True(got.allclose(expected, rtol: 1e-6, atol: 1e-7), activation);
        got.sum().backward();
        expected.sum().backward();
        Assert.True(mine.grad!.isfinite().all().item<bool>(), $"{activation}: non-finite gradient");
        Assert.True(mine.grad!.allclose(theirs.grad!, rtol: 1e-5, atol: 1e-7), $"{activation}: gradients differ");
    }

    [Fact]
    public void Batch_norm_gives_the_modules_values_and_statistics_in_training_and_in_eval()
    {
        using var scope = NewDisposeScope();
        List<LayerSpec> layers = [new(4, "glorot_uniform", "linear") { BatchNorm = true }, new(1, "glorot_uniform", "linear")];
        using var init = new Generator(2);
        using var net = new DenseNetwork(3, layers, init);
        using var reference = nn.BatchNorm1d(4, eps: 1e-3, momentum: 0.01);
        var norm = net.named_modules().Select(m => m.module).OfType<TorchSharp.Modules.BatchNorm1d>().Single();
        reference.load_state_dict(norm.state_dict());
        using var gen = new Generator(9);
        for (int step = 0; step < 3; step++)
        {
            var x = randn(16, 3, generator: gen);
            var linear = net.named_modules().Select(m => m.module).OfType<TorchSharp.Modules.Linear>().First().forward(x);
            var logits = net.Logits(x, null);
            var expected = net.named_modules().Select(m => m.module).OfType<TorchSharp.Modules.Linear>().Last()
                .forward(reference.forward(linear));
            Assert.True(logits.allclose(expected, rtol: 1e-6, atol: 1e-7));
        }
        Assert.Equal(3L, norm.num_batches_tracked!.item<long>());
        Assert.Equal(reference.num_batches_tracked!.item<long>(), norm.num_batches_tracked!.item<long>());
        Assert.True(norm.running_mean!.allclose(reference.running_mean!) && norm.running_var!.allclose(reference.running_var!));
        net.eval();
        reference.eval();
        using (no_grad())
        {
            var x = randn(16, 3, generator: gen);
            var linear = net.named_modules().Select(m => m.module).OfType<TorchSharp.Modules.Linear>().First().forward(x);
            var expected = net.named_modules().Select(m => m.module).OfType<TorchSharp.Modules.Linear>().Last()
                .forward(reference.forward(linear));
            Assert.True(net.Infer(x).allclose(expected, rtol: 1e-6, atol: 1e-7));
        }
        Assert.Equal(3L, norm.num_batches_tracked!.item<long>());
    }
}
