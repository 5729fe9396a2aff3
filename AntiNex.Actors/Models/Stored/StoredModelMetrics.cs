// The stored shape of a version's metrics, separate from the ModelMetrics that replies carry, so a reply can change
// without touching what is stored.
namespace AntiNex.Models;

public sealed record StoredModelMetrics(
    double? Accuracy, double? Precision, double? Recall, double? F1, double? RocAuc,
    double? Mse, double? Mae, double? R2, double? CvMean, double? CvStd,
    int TrainRows, int TestRows, double TrainSeconds)
{
    public static StoredModelMetrics From(ModelMetrics m) => new(m.Accuracy, m.Precision, m.Recall, m.F1, m.RocAuc,
        m.Mse, m.Mae, m.R2, m.CvMean, m.CvStd, m.TrainRows, m.TestRows, m.TrainSeconds);

    public ModelMetrics ToMetrics() => new(Accuracy, Precision, Recall, F1, RocAuc, Mse, Mae, R2, CvMean, CvStd,
        TrainRows, TestRows, TrainSeconds);
}
