// A training job belongs to the key that started it, secret and all: a key added again under the same id (a leaked key
// replaced by a new secret) does not keep the old key's jobs, at a restart of `serve` or at a reload of its key file.
using System.Security.Cryptography;
using System.Text;
using AntiNex.Gateway.Http;
using AntiNex.Gateway.Http.Api;
using AntiNex.Gateway.Http.Auth;

namespace AntiNex.Tests.Http;

public sealed class TrainingJobsKeyTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("antinex-jobs-key-").FullName;

    private static string Sha(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    private void Stored(string id, string? keySha256)
    {
        var now = DateTimeOffset.UtcNow.ToString("O");
        var hash = keySha256 is null ? "" : $",\"key_sha256\":\"{keySha256}\"";
        File.WriteAllText(Path.Combine(_dir, id + ".json"),
            $"{{\"id\":\"{id}\",\"label\":\"web-a\",\"key_id\":\"web\",\"request_json\":\"{{}}\",\"state\":\"training\"," +
            $"\"created_utc\":\"{now}\",\"events\":[]{hash}}}");
    }

    [Fact]
    public async Task A_job_of_a_key_replaced_under_the_same_id_is_revoked_at_a_restart_and_one_stored_without_the_hash_is_not()
    {
        Stored("job-leaked", Sha("leaked-secret"));
        Stored("job-legacy", null);
        await using var store = new JobStore(_dir, TimeSpan.FromHours(1));
        // No cluster: a job submitted again fails on its own, later and with another code than "revoked".
        var jobs = new TrainingJobs(null!, new HttpServeOptions(), store);
        var replaced = new ApiKeyStore([new ApiKey("web", Sha("new-secret"), [ApiScope.Train], "*")]);

        jobs.Resume(replaced);

        Assert.Equal("revoked", jobs.Find("job-leaked")!.Error?.Code);
        // A job stored before jobs kept their key's hash is matched by the key's id, as it was.
        Assert.NotEqual("revoked", jobs.Find("job-legacy")!.Error?.Code);
    }

    [Fact]
    public async Task A_job_keeps_its_keys_hash_in_its_file()
    {
        await using (var store = new JobStore(_dir, TimeSpan.FromHours(1)))
        {
            var job = new TrainingJob("job-kept", "web-a", "web", "{}", null, Sha("secret"));
            store.Save(job);
        }
        await using var again = new JobStore(_dir, TimeSpan.FromHours(1));
        Assert.Equal(Sha("secret"), Assert.Single(again.LoadAll()).KeySha256);
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); }
        catch (IOException) { }
    }
}
