using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace AntiNex.Requests;

/// <summary>
/// Engine limits from an "EngineLimits" configuration section: a node's appsettings.json
/// (<c>"EngineLimits": {"MaxEpochs": 500}</c>) or the environment (<c>ANTINEX_EngineLimits__MaxEpochs=500</c>), which
/// `serve` reads too, so that its local model copies refuse what the nodes refuse. A key left out keeps its default (see
/// <see cref="EngineLimits"/>); a bad value stops the process with the key's name.
/// </summary>
public static class EngineLimitsSettings
{
    public static EngineLimits From(IConfiguration section)
    {
        var d = new EngineLimits();
        return new EngineLimits
        {
            MaxRequestBytes = (int)Number(section, nameof(d.MaxRequestBytes), d.MaxRequestBytes, int.MaxValue),
            MaxPredictRows = (int)Number(section, nameof(d.MaxPredictRows), d.MaxPredictRows, int.MaxValue),
            MaxCsvColumns = (int)Number(section, nameof(d.MaxCsvColumns), d.MaxCsvColumns, int.MaxValue),
            MaxCsvRows = (int)Number(section, nameof(d.MaxCsvRows), d.MaxCsvRows, int.MaxValue),
            MaxCsvRecordBytes = (int)Number(section, nameof(d.MaxCsvRecordBytes), d.MaxCsvRecordBytes, int.MaxValue),
            MaxLayerUnits = (int)Number(section, nameof(d.MaxLayerUnits), d.MaxLayerUnits, int.MaxValue),
            MaxNetworkParameters = (long)Number(section, nameof(d.MaxNetworkParameters), d.MaxNetworkParameters, long.MaxValue),
            MaxEpochs = (int)Number(section, nameof(d.MaxEpochs), d.MaxEpochs, int.MaxValue),
            MaxLabelLength = (int)Number(section, nameof(d.MaxLabelLength), d.MaxLabelLength, 4096),
            MaxAbsTrainingValue = Number(section, nameof(d.MaxAbsTrainingValue), d.MaxAbsTrainingValue, 1e300),
            MaxTrainingTime = DurationText.ParseOr(section[nameof(d.MaxTrainingTime)], $"EngineLimits:{nameof(d.MaxTrainingTime)}",
                d.MaxTrainingTime),
        };
    }

    private static double Number(IConfiguration c, string key, double fallback, double max)
    {
        var raw = c[key];
        if (string.IsNullOrWhiteSpace(raw)) return fallback;
        if (!double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || v < 1 || v > max)
            throw new ArgumentException($"EngineLimits:{key}: '{raw}' is not a number in [1, {max}]");
        return v;
    }
}
