using System.CommandLine;

namespace AntiNex.Gateway.Commands;

/// <summary>
/// Lets several features contribute to one verb: e.g. the cluster's <c>bench</c> (predict load, with its own action)
/// and <c>bench persistence</c> from the persistence feature. Same-named top-level commands are merged: the one with an
/// action is kept and receives the other's subcommands; two actions for one verb is a programming error.
/// </summary>
public static class CommandMerge
{
    public static void AddOrMerge(Command parent, Command command)
    {
        var existing = parent.Subcommands.FirstOrDefault(c => c.Name == command.Name);
        if (existing is null)
        {
            parent.Subcommands.Add(command);
            return;
        }
        if (existing.Action is not null && command.Action is not null)
            throw new InvalidOperationException($"Two commands named '{command.Name}' both define an action; give one of them another name.");
        var (keep, donor) = existing.Action is null && command.Action is not null ? (command, existing) : (existing, command);
        if (!ReferenceEquals(keep, existing))
        {
            parent.Subcommands.Remove(existing);
            parent.Subcommands.Add(keep);
        }
        foreach (var sub in donor.Subcommands.ToList())
            AddOrMerge(keep, sub);
        foreach (var option in donor.Options.Where(o => keep.Options.All(k => k.Name != o.Name)).ToList())
            keep.Options.Add(option);
    }
}
