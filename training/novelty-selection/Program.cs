using System.Globalization;
using AntiNex.Data;
using AntiNex.Learning;
using AntiNex.Requests;

// novelty-selection: chooses the novelty detector's setting on TRAINING data only. Trains the request's network on the
// leave-attack-out split's train.txt (make-lao.sh), then, per autoencoder size, fits the detector on the normal fitting
// rows, sets thresholds on the normal validation rows for each max_fpr, and prints the balanced accuracy (mean of the
// normal and attack recalls) on holdout.txt of "network says attack OR error above the threshold".
// Usage: novelty-selection REQUEST.json LAO_DIR SEED "128,32;64,16" "0.02,0.05,0.1" [AE_EPOCHS=10]
var (requestFile, laoDir, seed) = (args[0], args[1], int.Parse(args[2], CultureInfo.InvariantCulture));
var sizes = args[3].Split(';').Select(h => h.Split(',').Select(w => int.Parse(w, CultureInfo.InvariantCulture)).ToArray()).ToList();
var fprs = args[4].Split(',').Select(f => double.Parse(f, CultureInfo.InvariantCulture)).ToArray();
int aeEpochs = args.Length > 5 ? int.Parse(args[5], CultureInfo.InvariantCulture) : 10;

var request = AntiNexRequest.Parse(File.ReadAllText(requestFile), out _);
request.Seed = seed;
request.Dataset = "train.txt";
request.TestDataset = "holdout.txt";
var roots = new DataRoots([laoDir]);
var options = new EngineOptions { TorchThreads = 1 };
var m = FeatureExport.Build(request, roots);
int normal = m.ClassValues.ToList().IndexOf(0);
Log($"seed {seed}: {m.Train.Rows} training rows x {m.Width} columns, holdout {m.Tests[0].Rows} rows");
var outcome = TrainingEngine.Train(request, roots, options, null, default);
using var model = TrainedModel.Load(outcome.Artifact, options);
var holdout = m.Tests[0];
var network = FeatureExport.Score(model, holdout).Predicted;
Log($"seed {seed}: network trained");

var fitIdx = Enumerable.Range(0, m.FitRows).Where(i => m.Train.Classes[i] == normal).ToArray();
var valIdx = Enumerable.Range(m.FitRows, m.ValidationRows).Where(i => m.Train.Classes[i] == normal).ToArray();
float[] Gather(int[] idx)
{
    var a = new float[idx.Length * m.Width];
    for (int k = 0; k < idx.Length; k++) m.Train.Row(idx[k]).CopyTo(a.AsSpan(k * m.Width));
    return a;
}
var fitX = Gather(fitIdx);
var valX = Gather(valIdx);
Print($"seed {seed} network only", network, null, 0);
foreach (var hidden in sizes)
{
    using var ae = NoveltyDetector.Fit(fitX, fitIdx.Length, m.Width, hidden, aeEpochs, 256, 1e-3, seed);
    var valErr = ae.Errors(valX, valIdx.Length);
    var err = ae.Errors(holdout.X, holdout.Rows);
    foreach (var f in fprs)
        Print($"seed {seed} layers {string.Join("-", hidden)} epochs {aeEpochs} max_fpr {f}", network, err,
            NoveltyDetector.QuantileThreshold(valErr, f));
}

void Print(string name, int[] predicted, double[]? err, double threshold)
{
    int tp = 0, fp = 0, tn = 0, fn = 0;
    for (int i = 0; i < holdout.Rows; i++)
    {
        bool attack = predicted[i] != normal || (err is not null && err[i] > threshold);
        bool truth = holdout.Classes[i] != normal;
        if (attack && truth) tp++; else if (attack) fp++; else if (truth) fn++; else tn++;
    }
    double attackRecall = 100.0 * tp / Math.Max(1, tp + fn), normalRecall = 100.0 * tn / Math.Max(1, tn + fp);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{name,-50} attack recall {attackRecall,6:0.00}  normal recall {normalRecall,6:0.00}  balanced {(attackRecall + normalRecall) / 2,6:0.00}"));
}

static void Log(string line) => Console.Error.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] {line}");
