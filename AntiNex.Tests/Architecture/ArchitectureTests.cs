using AntiNex.Persistence.Redis;
using AntiNex.Requests;
using AntiNex.Tests.Infrastructure;

namespace AntiNex.Tests.Architecture;

/// <summary>
/// The walls between the folders of AntiNex.Actors, checked on the compiled assembly (so every use counts, down to a
/// type used inside a lambda): the learning code knows nothing of actors or Redis, the Redis plugin knows nothing of
/// learning or of our actors, and no two folders depend on each other.
/// </summary>
public sealed class ArchitectureTests
{
    private static readonly TypeReferences Actors = new(typeof(AntiNexRequest).Assembly.Location);

    /// <summary>Learning code: requests, data, the engine, its reports, model search.</summary>
    private static readonly string[] EngineRooms = ["Requests", "Data", "Learning", "Reporting", "Search"];

    public static TheoryData<string> EngineNamespaces() => [.. EngineRooms.Select(r => "AntiNex." + r)];

    [Theory]
    [MemberData(nameof(EngineNamespaces))]
    public void The_learning_code_knows_nothing_of_actors_redis_or_the_cluster(string room)
        => AssertNoReference(room, "Akka", "StackExchange.Redis", "AntiNex.Models", "AntiNex.Cluster", "AntiNex.Persistence");

    [Fact]
    public void The_redis_plugin_knows_nothing_of_learning_or_of_our_actors()
        => AssertNoReference("AntiNex.Persistence", "TorchSharp", "AntiNex.Learning", "AntiNex.Requests", "AntiNex.Data",
            "AntiNex.Reporting", "AntiNex.Search", "AntiNex.Models", "AntiNex.Cluster");

    [Fact]
    public void The_model_actors_reach_redis_only_through_the_persistence_plugin()
        => AssertNoReference("AntiNex.Models", "StackExchange.Redis");

    [Fact]
    public void No_two_folders_depend_on_each_other()
    {
        var graph = Actors.Namespaces.Select(Room).Distinct().ToDictionary(r => r, _ => new HashSet<string>());
        var why = new Dictionary<(string, string), string>();
        foreach (var ns in Actors.Namespaces)
            foreach (var (from, to) in Actors.From(ns))
            {
                var (a, b) = (Room(ns), Room(to));
                if (a == b || !graph.ContainsKey(b)) continue;
                graph[a].Add(b);
                why.TryAdd((a, b), $"{ns}.{from} -> {to}");
            }
        var cycles = StronglyConnected(graph).Where(c => c.Count > 1).ToList();
        Assert.True(cycles.Count == 0, "folders depending on each other:\n" + string.Join("\n", cycles.Select(c =>
            string.Join(" <-> ", c) + ": " + string.Join("; ", c.SelectMany(a => c.Where(b => why.ContainsKey((a, b))).Select(b => why[(a, b)]))))));
    }

    [Fact]
    public void The_plugin_configuration_names_its_classes_from_their_types()
    {
        var config = RedisPersistenceConfig.DefaultConfig();
        Assert.Equal(typeof(RedisJournal), Type.GetType(config.GetString($"{RedisPersistenceConfig.JournalPluginId}.class")));
        Assert.Equal(typeof(RedisSnapshotStore), Type.GetType(config.GetString($"{RedisPersistenceConfig.SnapshotPluginId}.class")));
        var folder = Path.Combine(Repo.Root, "AntiNex.Actors", "Persistence");
        var hardCoded = Directory.EnumerateFiles(folder, "*.cs", SearchOption.AllDirectories)
            .Where(f => File.ReadAllText(f).Contains(", AntiNex.Actors", StringComparison.Ordinal)).ToList();
        Assert.True(hardCoded.Count == 0, "assembly name written out in: " + string.Join(", ", hardCoded));
    }

    [Fact]
    public void The_engine_fits_every_tree_with_the_served_spec()
    {
        // The learner's bare defaults can diverge on a rare class (TreeSpec.Served says why); only the benchmark may use them.
        var learning = Path.Combine(Repo.Root, "AntiNex.Actors", "Learning");
        var fits = Directory.EnumerateFiles(learning, "*.cs", SearchOption.AllDirectories)
            .SelectMany(f => File.ReadLines(f).Select(l => (File: Path.GetFileName(f), Line: l)))
            .Where(l => l.Line.Contains("TreeLearner.Fit(", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(fits);
        var bare = fits.Where(l => !l.Line.Contains("TreeLearner.Fit(TreeSpec.Served(", StringComparison.Ordinal)).ToList();
        Assert.True(bare.Count == 0, "a tree fitted without TreeSpec.Served: " + string.Join("; ", bare.Select(l => $"{l.File}: {l.Line.Trim()}")));
    }

    /// <summary>AntiNex.Learning -> Learning; AntiNex.Persistence.Redis -> Persistence; anything else as is.</summary>
    private static string Room(string ns)
    {
        var parts = ns.Split('.');
        return parts.Length >= 2 && parts[0] == "AntiNex" ? parts[1] : ns;
    }

    private static void AssertNoReference(string room, params string[] forbidden)
    {
        var namespaces = Actors.Namespaces.Where(ns => ns == room || ns.StartsWith(room + ".", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(namespaces);
        var violations = namespaces
            .SelectMany(ns => Actors.From(ns).Select(r => (ns, r.From, r.To)))
            .Where(v => forbidden.Any(f => v.To == f || v.To.StartsWith(f + ".", StringComparison.Ordinal)))
            .Select(v => $"{v.ns}.{v.From} -> {v.To}")
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.True(violations.Count == 0, $"{room} must not use {string.Join(", ", forbidden)}:\n" + string.Join("\n", violations.Take(40)));
    }

    /// <summary>Tarjan's strongly connected components.</summary>
    private static List<List<string>> StronglyConnected(Dictionary<string, HashSet<string>> graph)
    {
        var index = new Dictionary<string, int>();
        var low = new Dictionary<string, int>();
        var stack = new Stack<string>();
        var onStack = new HashSet<string>();
        var result = new List<List<string>>();
        void Visit(string v)
        {
            index[v] = low[v] = index.Count;
            stack.Push(v);
            onStack.Add(v);
            foreach (var w in graph[v])
            {
                if (!index.ContainsKey(w)) { Visit(w); low[v] = Math.Min(low[v], low[w]); }
                else if (onStack.Contains(w)) low[v] = Math.Min(low[v], index[w]);
            }
            if (low[v] != index[v]) return;
            var component = new List<string>();
            string x;
            do { x = stack.Pop(); onStack.Remove(x); component.Add(x); } while (x != v);
            result.Add(component.Order(StringComparer.Ordinal).ToList());
        }
        foreach (var v in graph.Keys.Order(StringComparer.Ordinal))
            if (!index.ContainsKey(v)) Visit(v);
        return result;
    }
}
