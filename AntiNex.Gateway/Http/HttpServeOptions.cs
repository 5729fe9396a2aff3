namespace AntiNex.Gateway.Http;

/// <summary>Settings of the HTTP service (`serve`). Secure defaults: loopback only, every non-health endpoint behind an
/// API key, bounded bodies, a rate limit per key.</summary>
public sealed record HttpServeOptions
{
    public IReadOnlyList<string> Urls { get; init; } = ["http://127.0.0.1:8080"];
    /// <summary>PFX/PKCS#12 or PEM certificate for https URLs; a PEM's key is in <see cref="HttpsKeyFile"/> (or the same file).</summary>
    public string? HttpsCertificateFile { get; init; }
    public string? HttpsKeyFile { get; init; }
    public string? HttpsPasswordFile { get; init; }
    /// <summary>Allows plain http on a non-loopback address (behind a TLS-terminating proxy, or a private network).</summary>
    public bool InsecureHttp { get; init; }
    /// <summary>The key file `serve` follows (changes take effect within about a second); null when the keys come from
    /// the environment.</summary>
    public string? ApiKeysFile { get; init; }
    public long MaxBodyBytes { get; init; } = 8 * 1024 * 1024;
    /// <summary>Requests per second per API key (a key's own rate_limit wins); 0 = no limit.</summary>
    public int RateLimit { get; init; } = 2000;
    public TimeSpan PredictTimeout { get; init; } = TimeSpan.FromSeconds(60);
    public TimeSpan TrainTimeout { get; init; } = TimeSpan.FromHours(2);
    /// <summary>Unfinished training jobs one API key may have at once.</summary>
    public int JobsPerKey { get; init; } = 8;
    /// <summary>Finished training jobs kept for GET /api/jobs/{id}.</summary>
    public int JobsKept { get; init; } = 500;
    /// <summary>Folder of the job store (jobs survive a restart); null keeps jobs in memory only.</summary>
    public string? JobsDirectory { get; init; }
    /// <summary>Labels whose current model `serve` keeps in process to answer small infers itself (least recently used
    /// out); 0 sends every infer to the cluster.</summary>
    public int LocalCopies { get; init; } = 32;
    /// <summary>Infers of at most this many rows may be answered by a local copy; larger ones go to the cluster.</summary>
    public int LocalCopyRows { get; init; } = 10_000;
    /// <summary>How long a stored job is kept after it finished.</summary>
    public TimeSpan JobsTimeToLive { get; init; } = TimeSpan.FromDays(7);
}
