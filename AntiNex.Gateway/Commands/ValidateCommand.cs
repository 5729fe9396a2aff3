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
            var label = LabelIssue(json);
            AntiNexRequest request;
            IReadOnlyList<string> parseWarnings;
            try { request = AntiNexRequest.Parse(json, out parseWarnings); }
            catch (RequestException e) when (label is not null) // one line for the label, in the words train and predict use
            {
                throw new RequestException([label, .. e.Issues.Where(i => i.Field != label.Field)]);
            }
            var warnings = parseWarnings.ToList();
            var issues = request.CheckPaths(roots, requireData, warnings);
            if (label is not null) issues = [label, .. issues];
            if (issues.Count > 0) throw new RequestException(issues);
            Console.WriteLine(
                ConsoleText.Plain($"valid: {file.Name} (label '{request.Label}', {request.MlType}, predict_feature '{request.PredictFeature}')"));
            foreach (var w in warnings) Console.WriteLine($"  warning: {ConsoleText.Plain(w)}");
            return ExitCodes.Ok;
        }
        catch (RequestException e)
        {
            Console.Error.WriteLine($"invalid: {file.Name}");
            foreach (var issue in e.Issues) Console.Error.WriteLine($"  {ConsoleText.Plain(issue.Field)}: {ConsoleText.Plain(issue.Message)}");
            return ExitCodes.BadInput;
        }
    }

    /// <summary>The label's problem as train and predict refuse it (the engine's parser takes a request without one);
    /// null when it names a model, or when the text is no JSON object (the parser says why).</summary>
    private static RequestIssue? LabelIssue(string json)
    {
        try
        {
            using var doc = RequestJson.Parse(json);
            return doc.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object ? RequestFile.LabelIssue(doc.RootElement) : null;
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or RequestException) { return null; }
    }
}
