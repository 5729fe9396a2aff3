using System.CommandLine;
using AntiNex.Data;
using AntiNex.Requests;

namespace AntiNex.Gateway.Commands;

/// <summary>
/// `validate -f REQUEST.json [--data-root DIR]...`: parses and checks a request without training.
/// Exit 0 when valid (warnings printed), 2 with one line per bad field otherwise.
/// A dataset path outside the data roots is an error; a dataset file that cannot be found is a warning unless
/// --require-data is given (validation reads no data; training will fail on it).
/// </summary>
internal static class ValidateCommand
{
    public static Command Create()
    {
        var file = EngineCli.RequestFile();
        var roots = EngineCli.DataRoots();
        var requireData = new Option<bool>("--require-data") { Description = "A dataset file that cannot be found is an error (default: a warning)" };
        var command = new Command("validate", "Check an AntiNex request (fields, defaults, dataset paths) without training.");
        command.Options.Add(file);
        command.Options.Add(roots);
        command.Options.Add(requireData);
        command.SetAction(parse => Run(parse.GetValue(file)!, EngineCli.ResolveRoots(parse.GetValue(roots)), parse.GetValue(requireData)));
        return command;
    }

    public static int Run(FileInfo file, AntiNex.Data.DataRoots roots, bool requireData)
    {
        string json;
        try { json = File.ReadAllText(file.FullName); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"invalid: {file.Name}");
            Console.Error.WriteLine($"  request: cannot read {file.FullName}: {e.Message}");
            return ExitCodes.BadInput;
        }
        try
        {
            var request = AntiNexRequest.Parse(json, out var parseWarnings);
            var warnings = parseWarnings.ToList();
            var issues = request.CheckPaths(roots, requireData, warnings);
            if (issues.Count > 0) throw new RequestException(issues);
            Console.WriteLine($"valid: {file.Name} (label '{request.Label}', {request.MlType}, predict_feature '{request.PredictFeature}')");
            foreach (var w in warnings) Console.WriteLine($"  warning: {w}");
            return ExitCodes.Ok;
        }
        catch (RequestException e)
        {
            Console.Error.WriteLine($"invalid: {file.Name}");
            foreach (var issue in e.Issues) Console.Error.WriteLine($"  {issue.Field}: {issue.Message}");
            return ExitCodes.BadInput;
        }
    }
}
