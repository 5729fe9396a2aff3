// Model integrity on a node: the signing key is mandatory whenever models are stored in Redis (secure by default),
// checked before anything starts so a missing, unreadable or short key is a clear startup error, never a silent
// unsigned store. The key itself is read again by the snapshot store and the journal from the same file; it is never logged.
using AntiNex.Persistence.Redis;
using AntiNex.Persistence.Signing;

namespace AntiNex.Node;

internal static class ModelSigning
{
    public const string KeyHelp = "pass --model-key-file FILE (or ANTINEX_MODEL_KEY_FILE / appsettings ModelKeyFile); create one with " +
                                  "`openssl rand -base64 48 > FILE && chmod 600 FILE`, the same file on every node";

    /// <summary>Throws <see cref="SigningKeyException"/> naming the option and the file when the key cannot be used.
    /// Returns the warnings to log (insecure mode, key readable by others).</summary>
    public static IReadOnlyList<string> Check(NodeSettings settings)
    {
        var warnings = new List<string>();
        if (settings.Redis is null) return warnings; // in-memory store: nothing leaves the process, nothing to sign
        if (settings.ModelKeyFile is null)
        {
            if (!settings.Insecure) throw new SigningKeyException(
                $"--model-key-file: no model signing key; {KeyHelp}; or --insecure to store models unsigned");
            warnings.Add("INSECURE: models are stored in Redis unsigned and loaded unverified (--insecure, no --model-key-file); " +
                         "anyone who can write to Redis can replace a model");
            return warnings;
        }
        var (key, _) = Keys(settings);
        if (SigningKey.IsNeedlesslyReadableByOthers(settings.ModelKeyFile))
            warnings.Add($"model key file {settings.ModelKeyFile} is readable by group/others; chmod 600 it");
        if (settings.AllowUnsignedModels)
            warnings.Add("--allow-unsigned-models: models stored without a signature are loaded (migration); turn it off once retrained");
        warnings.Insert(0, $"models are signed and verified with key {key.Id}");
        return warnings;
    }

    /// <summary>The node's key ring: --model-key-file and every --previous-model-key-file (which must be set).</summary>
    public static (SigningKey Current, IReadOnlyList<SigningKey> Previous) Keys(NodeSettings settings)
        => SigningKey.Ring(settings.ModelKeyFile!, settings.PreviousModelKeyFiles, "--model-key-file", "--previous-model-key-file");

    /// <summary>The snapshot-store options that carry the key file (the store reads the file itself).</summary>
    public static void Apply(RedisSnapshotOptions options, NodeSettings settings)
    {
        if (settings.ModelKeyFile is null) return;
        options.SigningKeyFile = Path.GetFullPath(settings.ModelKeyFile);
        options.PreviousSigningKeyFiles = settings.PreviousModelKeyFiles.Select(Path.GetFullPath).ToList();
        options.AllowUnsigned = settings.AllowUnsignedModels;
    }

    /// <summary>The journal's options: the same keys, since an unsigned event could make the label train and sign what a
    /// Redis writer chose. Unsigned events are never replayed: a journal written before signing is signed once by
    /// <c>antinex-node sign-journal</c>, so no switch left on keeps the door open.</summary>
    public static void Apply(RedisJournalOptions options, NodeSettings settings)
    {
        if (settings.ModelKeyFile is null) return;
        options.SigningKeyFile = Path.GetFullPath(settings.ModelKeyFile);
        options.PreviousSigningKeyFiles = settings.PreviousModelKeyFiles.Select(Path.GetFullPath).ToList();
    }
}
