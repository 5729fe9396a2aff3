namespace AntiNex.Data;

/// <summary>
/// The rows of a CSV with fewer fields than its header. They are read with their missing cells empty (mark_empty for a
/// number, "" for text), as pandas reads a short row's missing cells as NaN; counted so that the reader is told, since a
/// short row is usually a line cut short.
/// </summary>
/// <param name="Source">the field and the file ("dataset flows.csv").</param>
/// <param name="Count">how many rows were short.</param>
/// <param name="FirstRow">the first short row, 0-based as predictions number rows.</param>
/// <param name="FirstLine">the line the first short row is on, 1-based with the header, as an editor counts.</param>
/// <param name="Fields">the fields the first short row has.</param>
/// <param name="Expected">the fields the header names.</param>
public sealed record ShortRows(string Source, long Count, int FirstRow, long FirstLine, int Fields, int Expected)
{
    public string Warning => $"{Source}: {Count:N0} row{(Count == 1 ? " has" : "s have")} fewer fields than the header's {Expected}; " +
        $"the missing cells were read as empty (mark_empty for a number); the first is row {FirstRow} (line {FirstLine} of the file), " +
        $"with {Fields} field{(Fields == 1 ? "" : "s")}";
}
