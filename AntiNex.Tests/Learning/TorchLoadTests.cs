using TorchSharp;
using static TorchSharp.torch;

namespace AntiNex.Tests.Learning;

public class TorchLoadTests
{
    [Fact]
    public void TorchSharp_loads_and_a_tiny_network_learns_xor_like_data()
    {
        torch.manual_seed(1);
        using var scope = torch.NewDisposeScope();
        var x = torch.tensor(new float[] { 0, 0, 0, 1, 1, 0, 1, 1 }, new long[] { 4, 2 });
        var y = torch.tensor(new float[] { 0, 1, 1, 0 }, new long[] { 4, 1 });
        var net = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1));
        var opt = optim.Adam(net.parameters(), 0.05);
        float first = 0, last = 0;
        for (int i = 0; i < 300; i++)
        {
            opt.zero_grad();
            var loss = nn.functional.binary_cross_entropy_with_logits(net.forward(x), y);
            loss.backward();
            opt.step();
            if (i == 0) first = loss.item<float>();
            last = loss.item<float>();
        }
        Assert.True(last < first / 4, $"loss {first} -> {last}");
    }
}
