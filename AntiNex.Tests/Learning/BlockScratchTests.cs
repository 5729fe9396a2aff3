using AntiNex.Learning;
using AntiNex.Tests.Data;

namespace AntiNex.Tests.Learning;

/// <summary>
/// Block forward passes of single networks run in scratch memory reused across requests and models
/// (<see cref="BlockScratch"/>): concurrent blocks must never see each other's activations, a block cut into several passes
/// must answer what one pass answers, and the idle scratch kept stays bounded.
/// </summary>
public class BlockScratchTests : IClassFixture<BlockScoringTests.Models>
{
    private readonly BlockScoringTests.Models _m;
    public BlockScratchTests(BlockScoringTests.Models m) => _m = m;

    private static float[] Block(int rows, int columns, int seed)
    {
        var rng = new Random(seed);
        var block = new float[rows * columns];
        for (int k = 0; k < block.Length; k++) block[k] = (float)(rng.NextDouble() * 24 - 12);
        block[3 * columns] = float.NaN; // one row for the per-value path as well
        return block;
    }

    [Fact]
    public void Concurrent_blocks_of_several_models_each_get_their_own_answers()
    {
        string[] names = ["minmax", "multiclass", "regression", "unscaled"];
        var models = names.Select(n => TrainedModel.Load(_m.Artifacts[n], EngineTestData.SingleThread)).ToArray();
        try
        {
            // Per model, three blocks of different sizes and contents, answered one at a time first.
            var cases = models.SelectMany((model, i) => new[] { 257, 1_000, 4_099 }.Select((rows, j) =>
            {
                int columns = model.Summary.InputFeatures.Count;
                var block = Block(rows, columns, seed: 10 * i + j);
                return (Model: model, Block: block, Rows: rows, Columns: columns, Expected: model.PredictRows(block, 0, rows, columns));
            })).ToArray();
            Assert.All(cases, c => Assert.Contains(c.Expected, v => v != c.Expected[0])); // answers that would show a mix-up

            var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
            Parallel.For(0, 4 * cases.Length, new ParallelOptions { MaxDegreeOfParallelism = 6 }, k =>
            {
                var c = cases[(k * 7) % cases.Length];
                var answer = c.Model.PredictRows(c.Block, 0, c.Rows, c.Columns);
                if (!answer.AsSpan().SequenceEqual(c.Expected)) failures.Add($"case {(k * 7) % cases.Length} (iteration {k})");
            });
            Assert.Empty(failures);
            Assert.InRange(BlockScratch.IdleCount, 1, BlockScratch.MaxIdle);
        }
        finally
        {
            foreach (var model in models) model.Dispose();
        }
    }

    [Theory]
    [InlineData("minmax")]
    [InlineData("multiclass")]
    [InlineData("regression")]
    public void A_block_cut_into_several_passes_answers_what_one_pass_answers(string name)
    {
        using var model = TrainedModel.Load(_m.Artifacts[name], EngineTestData.SingleThread);
        int columns = model.Summary.InputFeatures.Count, rows = 2_000;
        var block = Block(rows, columns, seed: 5);
        var once = model.PredictRows(block, 0, rows, columns);
        model.ScratchPassRows = 333; // six passes and a short last one
        var cut = model.PredictRows(block, 0, rows, columns);
        if (name == "regression")
            for (int i = 0; i < rows; i++) Assert.Equal(once[i], cut[i], 1e-4 * Math.Max(1, Math.Abs(once[i])));
        else Assert.Equal(once, cut);
        // And the per-value path agrees with both (classes exactly).
        if (name != "regression")
        {
            var rowsList = Enumerable.Range(0, rows).Select(r => block.AsSpan(r * columns, columns).ToArray().Select(v => (double)v).ToArray())
                .ToList();
            Assert.Equal(model.PredictRaw(rowsList), cut);
        }
    }

    [Fact]
    public void Idle_scratch_is_reused_and_bounded()
    {
        var rented = Enumerable.Range(0, BlockScratch.MaxIdle + 2).Select(_ => BlockScratch.Rent(1_000)).ToList();
        foreach (var t in rented) BlockScratch.Return(t);
        Assert.InRange(BlockScratch.IdleCount, 1, BlockScratch.MaxIdle);
        // A scratch larger than the cap is never kept.
        var huge = BlockScratch.Rent(BlockScratch.MaxFloats * 2);
        BlockScratch.Return(huge);
        Assert.True(huge.IsInvalid);
    }
}
