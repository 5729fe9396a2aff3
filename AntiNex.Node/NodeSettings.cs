// Node settings: appsettings.json < environment (ANTINEX_*) < command line. Secrets (the Redis password, the
// certificate password) come only from files or the environment: the command line is visible to every user in ps. Lists (seeds, data roots, roles)
// accept
// repeated options, indexed keys (ANTINEX_SEEDS__0) or one comma-separated value (ANTINEX_SEEDS=a,b).
using AntiNex.Cluster.Security;
using AntiNex.Requests;
using Microsoft.Extensions.Configuration;

namespace AntiNex.Node;

public sealed partial record NodeSettings
{
    public string Hostname { get; init; } = "127.0.0.1";
    public string? PublicHostname { get; init; }
    public int Port { get; init; } = 4053;
    public IReadOnlyList<string> Seeds { get; init; } = [];
    public string? Redis { get; init; }
    /// <summary>Redis ACL user (not a secret); null = the "default" user.</summary>
    public string? RedisUser { get; init; }
    /// <summary>File whose first line is the Redis password (or ANTINEX_REDIS_PASSWORD).</summary>
    public string? RedisPasswordFile { get; init; }
    public ClusterTlsSettings Tls { get; init; } = new();
    public string RedisPrefix { get; init; } = "antinex:";
    public IReadOnlyList<string> DataRoots { get; init; } = [];
    public IReadOnlyList<string> Roles { get; init; } = ["model"];
    public int TrainingConcurrency { get; init; } = 1;
    /// <summary>1 by default: small dense networks train fastest single-threaded, the result is bit-reproducible, and
    /// cores stay free for other models. 0 = torch's default.</summary>
    public int TorchThreads { get; init; } = 1;
    public TimeSpan PassivateAfter { get; init; } = TimeSpan.FromMinutes(10);
    public int MaxLoadedModels { get; init; } = 100;
    /// <summary>HTTP port for /health/live and /health/ready (bound to <see cref="Hostname"/>); 0 disables.</summary>
    public int HealthPort { get; init; }
    /// <summary>Failure detection and downing; null timings follow from <see cref="ClusterSize"/> (see FailureDetection).</summary>
    public int ClusterSize { get; init; } = 3;
    public TimeSpan? StableAfter { get; init; }
    public TimeSpan? DownRemovalMargin { get; init; }
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(1);
    public TimeSpan AcceptableHeartbeatPause { get; init; } = TimeSpan.FromSeconds(3);
    public string Downing { get; init; } = "keep-majority";
    public TimeSpan ShardRetryInterval { get; init; } = TimeSpan.FromSeconds(1);
    public TimeSpan HandOffTimeout { get; init; } = TimeSpan.FromSeconds(20);
    /// <summary>Read-only copies of each label's current version on other model nodes; null = 1 (none on a lone node).</summary>
    public int? Replicas { get; init; }
    public string? PlotDirectory { get; init; }
    public bool LogJson { get; init; }
    public string LogLevel { get; init; } = "Information";
    /// <summary>Secret file holding the cluster's model signing key (HMAC-SHA256, >= 32 bytes); required with Redis.</summary>
    public string? ModelKeyFile { get; init; }
    /// <summary>Earlier signing keys still accepted when verifying stored models (key rotation).</summary>
    public IReadOnlyList<string> PreviousModelKeyFiles { get; init; } = [];
    /// <summary>Load models stored before signing was on (migration); they are signed at their next training.</summary>
    public bool AllowUnsignedModels { get; init; }
    /// <summary>Explicitly run without the protections that are on by default (e.g. unsigned models). Logs a warning.</summary>
    public bool Insecure { get; init; }

    /// <summary>Command-line names → configuration keys. Repeatable options become indexed keys.</summary>
    private static readonly Dictionary<string, string> Options = new(StringComparer.OrdinalIgnoreCase)
    {
        ["--hostname"] = "Hostname", ["--public-hostname"] = "PublicHostname", ["--port"] = "Port",
        ["--seed-node"] = "Seeds", ["--redis"] = "Redis", ["--redis-prefix"] = "RedisPrefix", ["--data-root"] = "DataRoots",
        ["--roles"] = "Roles", ["--training-concurrency"] = "TrainingConcurrency", ["--torch-threads"] = "TorchThreads",
        ["--passivate-after"] = "PassivateAfter", ["--max-loaded-models"] = "MaxLoadedModels", ["--health-port"] = "HealthPort",
        ["--stable-after"] = "StableAfter", ["--cluster-size"] = "ClusterSize", ["--down-removal-margin"] = "DownRemovalMargin",
        ["--heartbeat-interval"] = "HeartbeatInterval", ["--acceptable-heartbeat-pause"] = "AcceptableHeartbeatPause",
        ["--downing"] = "Downing", ["--shard-retry-interval"] = "ShardRetryInterval", ["--handoff-timeout"] = "HandOffTimeout",
        ["--replicas"] = "Replicas", ["--plot-dir"] = "PlotDirectory", ["--log-json"] = "LogJson", ["--log-level"] = "LogLevel",
        ["--redis-user"] = "RedisUser", ["--redis-password-file"] = "RedisPasswordFile",
        ["--tls-certificate"] = "TlsCertificate", ["--tls-password-file"] = "TlsPasswordFile", ["--tls-ca"] = "TlsCa",
        ["--model-key-file"] = "ModelKeyFile", ["--previous-model-key-file"] = "PreviousModelKeyFiles",
        ["--allow-unsigned-models"] = "AllowUnsignedModels", ["--insecure"] = "Insecure",
    };
    private static readonly HashSet<string> Repeatable = ["Seeds", "DataRoots", "Roles", "PreviousModelKeyFiles"];
    private static readonly HashSet<string> Flags = ["LogJson", "AllowUnsignedModels", "Insecure"];

    /// <summary>Every option this parser knows (the help text must list each).</summary>
    public static IReadOnlyCollection<string> OptionNames => Options.Keys;

    public const string Usage = """
        antinex-node [options]   (every option also reads from appsettings.json and ANTINEX_<NAME> environment variables)
          --hostname HOST              bind address (default 127.0.0.1)
          --public-hostname HOST       address other members use to reach this node (default: hostname)
          --port N                     Akka.Remote port (default 4053; 0 = any free port)
          --seed-node akka.tcp://antinex@HOST:PORT   seed node, repeatable (none: this node starts a new cluster)
          --redis CONNSTRING           Redis for journal, snapshots and the model catalog (none: in-memory, dev only);
                                       no password here: it would be visible in ps
          --redis-user NAME            Redis ACL user (default: Redis's "default" user)
          --redis-password-file FILE   file holding the Redis password (or env ANTINEX_REDIS_PASSWORD)
          --redis-prefix PREFIX        key prefix in Redis (default antinex:)
          --data-root DIR              folder datasets may be read from, repeatable
          --roles a,b                  cluster roles (default model)
          --training-concurrency N     trainings run at once on this node (default 1)
          --torch-threads N            torch threads per training/inference (default 1; 0 = torch's default)
          --passivate-after DURATION   unload an idle model after (default 00:10:00)
          --max-loaded-models N        models held in memory on this node, LRU-unloaded beyond (default 100)
          --health-port N              HTTP /health/live and /health/ready on --hostname (default 0 = off)
          --cluster-size N             model nodes planned for: picks stable-after and the removal margin (default 3)
          --stable-after DURATION      split-brain-resolver stable-after (default from --cluster-size: 3 nodes 4s, 10 nodes 10s)
          --down-removal-margin DURATION  wait before a downed node's shards restart elsewhere (default half of stable-after, >= 2s)
          --heartbeat-interval DURATION   failure-detector heartbeat (default 1s)
          --acceptable-heartbeat-pause DURATION  silence tolerated before a node is unreachable (default 3s)
          --downing keep-majority|keep-oldest    which side of a partition survives (default keep-majority)
          --shard-retry-interval DURATION  shard region retries of shard homes / coordinator registration (default 1s)
          --handoff-timeout DURATION   longest wait for a moving shard's entities to stop (default 20s)
          --replicas N                 read-only copies of each label on other model nodes (default 1; 0 = off)
          --plot-dir DIR               folder for training-curve, ROC/PR and confusion-matrix PNGs (default: none written)
          --log-json                   JSON log lines
          --log-level LEVEL            Trace|Debug|Information|Warning|Error|Critical|None (default Information)
          --model-key-file FILE        secret file with the model signing key (HMAC-SHA256, >= 32 bytes); required with --redis
          --previous-model-key-file FILE   an earlier key, still accepted when verifying stored models (rotation), repeatable
          --allow-unsigned-models      also load models stored unsigned (migration; each is signed at its next training)
          --Section:Key VALUE          any other setting, e.g. --Telemetry:PrometheusPort 9464
        antinex-node sign-journal [--check | --strip] [options]   sign a journal written before events were signed, once,
                                       with every node stopped (--help there says more)
        """ + "\n" + ClusterTlsSettings.Usage;

    /// <summary>Turns argv into configuration key/values; throws ArgumentException naming the bad option.</summary>
    public static Dictionary<string, string?> ParseArgs(string[] args)
    {
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        var counts = new Dictionary<string, int>();
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            string? inline = null;
            var eq = arg.IndexOf('=');
            if (arg.StartsWith("--") && eq > 0) { inline = arg[(eq + 1)..]; arg = arg[..eq]; }
            if (!Options.TryGetValue(arg, out var key))
            {
                // Section settings pass through as configuration keys, e.g. --Telemetry:PrometheusPort 9464.
                if (arg.StartsWith("--") && arg.Contains(':') && (inline is not null || i + 1 < args.Length))
                {
                    values[arg[2..]] = inline ?? args[++i];
                    continue;
                }
                throw new ArgumentException($"unknown option '{arg}'\n{Usage}");
            }
            string value;
            if (Flags.Contains(key) && inline is null) value = "true";
            else if (inline is not null) value = inline;
            else if (i + 1 < args.Length) value = args[++i];
            else throw new ArgumentException($"option '{arg}' needs a value");
            if (key == "Redis" && PasswordOption().IsMatch(value))
                throw new ArgumentException("--redis: a password on the command line is visible to every user (ps); " +
                                            "put it in a file for --redis-password-file, or in ANTINEX_REDIS_PASSWORD");
            if (Repeatable.Contains(key))
            {
                foreach (var part in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    var n = counts.GetValueOrDefault(key);
                    values[$"{key}:{n}"] = part;
                    counts[key] = n + 1;
                }
            }
            else values[key] = value;
        }
        return values;
    }

    public static NodeSettings From(IConfigurationRoot c)
    {
        var d = new NodeSettings();
        // One reading of --insecure for TLS and for model signing: never one off and the other on.
        var insecure = Flag(c, "Insecure");
        var tls = ClusterTlsSettings.From(key => NullIfEmpty(c[key]) ?? ClusterTlsSettings.FromEnvironment(key)) with { Insecure = insecure };
        return new NodeSettings
        {
            // Blank is unset, not "": an empty host name would bind every interface.
            Hostname = NullIfEmpty(c["Hostname"])?.Trim() ?? d.Hostname,
            PublicHostname = NullIfEmpty(c["PublicHostname"]),
            Port = Int(c, "Port", d.Port, 0, 65535),
            Seeds = AntiNex.Cluster.SeedAddress.Checked(List(c, "Seeds"), "Seeds"),
            Redis = NullIfEmpty(c["Redis"]),
            RedisUser = NullIfEmpty(c["RedisUser"]),
            RedisPasswordFile = NullIfEmpty(c["RedisPasswordFile"]),
            Tls = tls,
            RedisPrefix = c["RedisPrefix"] ?? d.RedisPrefix,
            DataRoots = List(c, "DataRoots"),
            Roles = List(c, "Roles") is { Count: > 0 } roles ? CheckedRoles(roles) : d.Roles,
            TrainingConcurrency = Int(c, "TrainingConcurrency", d.TrainingConcurrency, 1, 256),
            TorchThreads = Int(c, "TorchThreads", d.TorchThreads, 0, 1024),
            PassivateAfter = Duration(c, "PassivateAfter", d.PassivateAfter),
            MaxLoadedModels = Int(c, "MaxLoadedModels", d.MaxLoadedModels, 1, 1_000_000),
            HealthPort = Int(c, "HealthPort", d.HealthPort, 0, 65535),
            ClusterSize = Int(c, "ClusterSize", d.ClusterSize, 1, 10_000),
            StableAfter = OptionalDuration(c, "StableAfter"),
            DownRemovalMargin = OptionalDuration(c, "DownRemovalMargin"),
            HeartbeatInterval = Duration(c, "HeartbeatInterval", d.HeartbeatInterval),
            AcceptableHeartbeatPause = Duration(c, "AcceptableHeartbeatPause", d.AcceptableHeartbeatPause),
            Downing = AntiNex.Cluster.FailureDetection.ParseStrategy(c["Downing"]) == AntiNex.Cluster.DowningStrategy.KeepOldest
                ? "keep-oldest" : "keep-majority",
            ShardRetryInterval = Duration(c, "ShardRetryInterval", d.ShardRetryInterval),
            HandOffTimeout = Duration(c, "HandOffTimeout", d.HandOffTimeout),
            Replicas = string.IsNullOrWhiteSpace(c["Replicas"]) ? null : Int(c, "Replicas", 1, 0, 100),
            PlotDirectory = NullIfEmpty(c["PlotDirectory"]),
            LogJson = Flag(c, "LogJson"),
            LogLevel = CheckedLogLevel(NullIfEmpty(c["LogLevel"]) ?? d.LogLevel),
            ModelKeyFile = NullIfEmpty(c["ModelKeyFile"]) ?? NullIfEmpty(c["MODEL_KEY_FILE"]), // ANTINEX_MODEL_KEY_FILE too
            PreviousModelKeyFiles = List(c, "PreviousModelKeyFiles"),
            AllowUnsignedModels = Flag(c, "AllowUnsignedModels"),
            Insecure = insecure,
        };
    }

    /// <summary>The failure-detection settings the cluster options take.</summary>
    public AntiNex.Cluster.FailureDetection Failure() => new()
    {
        ClusterSize = ClusterSize,
        StableAfter = StableAfter,
        DownRemovalMargin = DownRemovalMargin,
        HeartbeatInterval = HeartbeatInterval,
        AcceptableHeartbeatPause = AcceptableHeartbeatPause,
        Strategy = AntiNex.Cluster.FailureDetection.ParseStrategy(Downing),
        ShardRetryInterval = ShardRetryInterval,
        HandOffTimeout = HandOffTimeout,
    };

    private static TimeSpan? OptionalDuration(IConfiguration c, string key)
        => string.IsNullOrWhiteSpace(c[key]) ? null : Duration(c, key, TimeSpan.Zero);

    /// <summary>A password inside a connection string, however it is spaced (StackExchange.Redis trims keys and values).</summary>
    [System.Text.RegularExpressions.GeneratedRegex(@"password\s*=", System.Text.RegularExpressions.RegexOptions.IgnoreCase)]
    private static partial System.Text.RegularExpressions.Regex PasswordOption();

    /// <summary>A flag: true/false, 1/0, yes/no or on/off (any case); blank is false; anything else names the setting.</summary>
    private static bool Flag(IConfiguration c, string key) => ClusterTlsSettings.Switch(key, c[key]);

    private static string? NullIfEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;

    /// <summary>The roles a member can take, in lower case: a typo ("modle") would start a member that hosts nothing.</summary>
    private static IReadOnlyList<string> CheckedRoles(IReadOnlyList<string> roles)
    {
        string[] known = [AntiNex.Cluster.AntiNexRoles.Model, AntiNex.Cluster.AntiNexRoles.Gateway];
        var lower = roles.Select(r => r.ToLowerInvariant()).Distinct().ToList();
        if (lower.FirstOrDefault(r => !known.Contains(r)) is { } unknown)
            throw new ArgumentException($"Roles: '{unknown}' is not a role (known: {string.Join(", ", known)})");
        return lower;
    }

    private static string CheckedLogLevel(string raw)
        => Enum.TryParse<Microsoft.Extensions.Logging.LogLevel>(raw, true, out var level) && Enum.IsDefined(level)
            && !int.TryParse(raw, out _) ? raw
            : throw new ArgumentException($"LogLevel: '{raw}' is not a level (Trace, Debug, Information, Warning, Error, Critical, None)");

    /// <summary>A list setting from the one source that sets it, the later source winning as for any other setting: the
    /// image's ANTINEX_DataRoots and a --data-root on the command line do not add up.</summary>
    private static IReadOnlyList<string> List(IConfigurationRoot c, string key)
    {
        foreach (var provider in c.Providers.Reverse())
        {
            var values = new List<string>();
            if (provider.TryGet(key, out var own) && !string.IsNullOrWhiteSpace(own)) values.Add(own);
            foreach (var child in provider.GetChildKeys([], key).Distinct())
                if (provider.TryGet($"{key}:{child}", out var v) && !string.IsNullOrWhiteSpace(v)) values.Add(v);
            // A repeated option may itself hold a comma-separated list (--seed-node a,b): split every value.
            if (values.Count > 0)
                return values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    .Distinct().ToList();
        }
        return [];
    }

    private static int Int(IConfiguration c, string key, int fallback, int min, int max)
    {
        var raw = c[key];
        if (string.IsNullOrWhiteSpace(raw)) return fallback;
        if (!int.TryParse(raw, out var v) || v < min || v > max)
            throw new ArgumentException($"{key}: '{raw}' is not an integer in [{min}, {max}]");
        return v;
    }

    /// <summary>TimeSpan ("00:10:00"), a number with a unit suffix (500ms, 30s, 10m, 2h) or plain seconds.</summary>
    public static TimeSpan Duration(IConfiguration c, string key, TimeSpan fallback) => DurationText.ParseOr(c[key], key, fallback);
}
