namespace AntiNex.Requests;

public static class MlTypes
{
    public const string Classification = "classification";
    public const string Regression = "regression";
    public const string Standalone = "standalone-classification";
    public static readonly IReadOnlyList<string> All = [Classification, Regression, Standalone];
}
