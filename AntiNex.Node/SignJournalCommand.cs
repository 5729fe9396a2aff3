// `antinex-node sign-journal`: the one-time step that lets a cluster whose journal was written before events were
// signed start with signing on. It runs with the node's own Redis and key settings, while every node is stopped, and
// vouches for the journal as it is: run it right after the upgrade, not after anyone else could have written to Redis.
using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using AntiNex.Cluster;
using AntiNex.Persistence.Redis;
using AntiNex.Persistence.Signing;
using Microsoft.Extensions.Configuration;
using StackExchange.Redis;

namespace AntiNex.Node;

internal static class SignJournalCommand
{
    public const string Name = "sign-journal";

    public const string Usage = """
        antinex-node sign-journal [--check | --strip] [node options]
          Signs, in place, every journal event stored unsigned (written before events were signed), with the model key.
          Run it once, with every node stopped, right after upgrading a cluster whose Redis holds such a journal; a node
          refuses an unsigned event and the label stays unavailable until then. It lists every event it signs, and leaves
          a signed mark: after it, an unsigned event was added in Redis, and no later run signs it. It reads --redis, --redis-user,
          --redis-password-file, --redis-prefix, --model-key-file and --previous-model-key-file like the node
          (appsettings.json and ANTINEX_* too).
          --check   change nothing; report signed, unsigned and refused events (exit 1 unless every event verifies)
          --strip   remove the signature of every event that verifies (only to go back to a version that reads no signed
                    events; that version replays whatever Redis holds)
          Exit codes: 0 done, every event in the asked state; 1 some events left as they were (listed); 2 usage; 3 Redis;
          4 nodes still run on this Redis (nothing changed).
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        var mode = JournalSignaturesMode.Sign;
        var rest = new List<string>();
        foreach (var arg in args)
        {
            if (arg is "--check") mode = JournalSignaturesMode.Check;
            else if (arg is "--strip") mode = JournalSignaturesMode.Strip;
            else if (arg is "--help" or "-h") { Console.WriteLine(Usage); return 0; }
            else rest.Add(arg);
        }
        if (args.Contains("--check") && args.Contains("--strip")) return Fail("--check and --strip: give one of them", 2);

        NodeSettings settings;
        EventSigner signer;
        RedisAccess redis;
        try
        {
            var configuration = new ConfigurationBuilder()
                .SetBasePath(AppContext.BaseDirectory).AddJsonFile("appsettings.json", optional: true)
                .AddEnvironmentVariables("ANTINEX_").AddInMemoryCollection(NodeSettings.ParseArgs(rest.ToArray())).Build();
            settings = NodeSettings.From(configuration);
            if (settings.Redis is null) return Fail("--redis: the Redis whose journal to sign is required", 2);
            if (settings.ModelKeyFile is null) return Fail($"--model-key-file: the key the nodes sign with is required; {ModelSigning.KeyHelp}", 2);
            var (current, previous) = ModelSigning.Keys(settings);
            signer = new EventSigner(current, previous);
            redis = RedisAccess.From(settings);
        }
        catch (Exception ex) when (ex is ArgumentException or SigningKeyException)
        {
            // The node's parser appends the node's whole usage: this command's own is the one that helps here.
            var first = ex.Message.Split('\n')[0];
            return Fail(first + (first.StartsWith("unknown option", StringComparison.Ordinal) ? "\n" + Usage : ""), 2);
        }

        // The envelopes are read back with the node's own serializers before they are vouched for.
        using var system = ActorSystem.Create("antinex-sign-journal", ConfigurationFactory.ParseString("""
            akka.loglevel = WARNING
            akka.actor.serializers.antinex = "AntiNex.Cluster.AntiNexSerializer, AntiNex.Actors"
            akka.actor.serialization-bindings { "AntiNex.Models.IAntiNexMessage, AntiNex.Actors" = antinex }
            """));
        Akka.Persistence.Persistence.Instance.Apply(system);
        var serializer = system.Serialization.FindSerializerForType(typeof(Persistent));
        try
        {
            using var connection = redis.Connect();
            if (!connection.IsConnected) return Fail($"Redis {redis.Safe} does not answer", 3);
            var liveness = new RedisClusterLiveness(() => Task.FromResult<IConnectionMultiplexer>(connection), settings.RedisPrefix);
            if (mode != JournalSignaturesMode.Check && await RunningNodesAsync(liveness, settings.RedisPrefix) is { } running)
                return Fail(running, 4);
            Console.WriteLine($"{Verb(mode)} the journal in Redis {redis.Safe}, key prefix {settings.RedisPrefix}, key {signer.KeyId}");
            var lastShown = DateTime.UtcNow;
            var report = await new JournalSignatures(connection, -1, settings.RedisPrefix, signer, serializer).RunAsync(mode, (journals, events) =>
            {
                if (DateTime.UtcNow - lastShown < TimeSpan.FromSeconds(2)) return;
                lastShown = DateTime.UtcNow;
                Console.WriteLine($"  ... {journals:N0} journals, {events:N0} events");
            });
            Print(report);
            if (report.Journals == 0)
                return Fail($"no journal under key prefix '{settings.RedisPrefix}' in Redis {redis.Safe}: check --redis-prefix " +
                            "(a cluster that never stored an event has nothing to sign)", 1);
            // A node started while this ran (a restart policy) may have written in between: say so rather than "done".
            if (mode != JournalSignaturesMode.Check && await RunningNodesAsync(liveness, settings.RedisPrefix) is { } late)
                return Fail(late + "; it started while this ran: run it again with every node stopped", 4);
            return report.Clean ? 0 : 1;
        }
        catch (Exception ex) when (ex is StackExchange.Redis.RedisException or TimeoutException)
        {
            var hint = ex.Message.Contains("NOPERM", StringComparison.Ordinal)
                ? "; the Redis user's ACL predates this command (it needs SCAN): restart Redis with the ACL of this version " +
                  "(README: upgrading from a version that did not sign journal events)"
                : "";
            return Fail($"Redis {redis.Safe}: {ex.Message}{hint}", 3);
        }
        catch (ArgumentException ex)
        {
            return Fail(ex.Message, 3);
        }
    }

    /// <summary>Null when no node is Up on this Redis; else the refusal naming them. Nodes keep a record there while Up (the
    /// join guard's): a node writing events meanwhile would write them in its own form.</summary>
    private static async Task<string?> RunningNodesAsync(RedisClusterLiveness liveness, string prefix)
    {
        var alive = await liveness.AliveAsync();
        return alive.Count == 0 ? null
            : $"nodes are running on this Redis ({string.Join(", ", alive)}, key {prefix}cluster:members); stop every node first " +
              "(the record of a killed node expires within 10 s)";
    }

    private static string Verb(JournalSignaturesMode mode) => mode switch
    {
        JournalSignaturesMode.Check => "Checking",
        JournalSignaturesMode.Strip => "Removing the signatures of",
        _ => "Signing",
    };

    private static void Print(JournalSignaturesReport r)
    {
        Console.WriteLine();
        if (r.SignedBefore is { } before) Console.WriteLine($"This journal was signed on {before:u} (its mark verifies).");
        if (r.SignedNow.Count > 0)
        {
            Console.WriteLine("Signed now (check that each is an event this cluster wrote before the upgrade):");
            foreach (var e in r.SignedNow) Console.WriteLine($"  {e.PersistenceId}#{e.SequenceNr}  {e.PayloadType}");
            Console.WriteLine();
        }
        var changed = r.Mode == JournalSignaturesMode.Check ? "changed" : "changed now";
        Console.WriteLine($"| journals | events | signed (verified) | unsigned | {changed} | refused |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|");
        Console.WriteLine($"| {r.Journals:N0} | {r.Events:N0} | {r.Signed:N0} | {r.Unsigned:N0} | {r.Changed:N0} | {r.Refused.Count:N0} |");
        if (r.Refused.Count > 0)
        {
            Console.WriteLine();
            Console.WriteLine("Left as they were (a node refuses them: their label stays unavailable until each is deleted or restored):");
            foreach (var e in r.Refused.Take(200)) Console.WriteLine($"  {e.PersistenceId}#{e.SequenceNr}: {e.Reason}");
            if (r.Refused.Count > 200) Console.WriteLine($"  ... and {r.Refused.Count - 200:N0} more");
        }
        if (r.Journals == 0) return;
        Console.WriteLine(r.Mode switch
        {
            JournalSignaturesMode.Check when r.Clean => "Every event verifies: nodes can replay this journal.",
            JournalSignaturesMode.Check => $"{r.Unsigned:N0} unsigned and {r.Refused.Count:N0} refused events: a node refuses the label " +
                                           "whose recovery replays one.",
            JournalSignaturesMode.Sign when r.Clean => "Every event is signed: start the nodes.",
            JournalSignaturesMode.Strip when r.Clean => "No event is signed any more.",
            _ => "Some events were left as they were (above).",
        });
    }

    private static int Fail(string message, int code)
    {
        Console.Error.WriteLine($"antinex-node sign-journal: {message}");
        return code;
    }
}
