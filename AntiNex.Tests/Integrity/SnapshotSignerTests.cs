using System.Security.Cryptography;
using AntiNex.Persistence.Signing;

namespace AntiNex.Tests.Integrity;

/// <summary>HMAC signing of snapshot payloads: any change to the payload or to what it claims to be is refused.</summary>
public sealed class SnapshotSignerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("antinex-key-").FullName;
    private static readonly SnapshotIdentity Identity = new("model-web", 7, 638_000_000_000_000_000, 4711, "snapshot.v1");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static SigningKey NewKey() => SigningKey.FromBytes(RandomNumberGenerator.GetBytes(32));

    [Fact]
    public void A_signed_payload_verifies()
    {
        var signer = new SnapshotSigner(NewKey());
        var payload = RandomNumberGenerator.GetBytes(4096);
        Assert.True(signer.Verify(Identity, payload, signer.Sign(Identity, payload)).Ok);
    }

    [Fact]
    public void Flipping_any_single_byte_of_the_payload_is_refused()
    {
        var signer = new SnapshotSigner(NewKey());
        var payload = RandomNumberGenerator.GetBytes(257);
        var signature = signer.Sign(Identity, payload);
        for (var i = 0; i < payload.Length; i++)
        {
            var altered = payload.ToArray();
            altered[i] ^= (byte)(1 << (i % 8));
            var result = signer.Verify(Identity, altered, signature);
            Assert.False(result.Ok, $"byte {i} flipped but the signature still verified");
            Assert.Contains("does not match", result.Reason);
        }
    }

    [Fact]
    public void A_truncated_or_extended_payload_is_refused()
    {
        var signer = new SnapshotSigner(NewKey());
        var payload = RandomNumberGenerator.GetBytes(100);
        var signature = signer.Sign(Identity, payload);
        Assert.False(signer.Verify(Identity, payload[..99], signature).Ok);
        Assert.False(signer.Verify(Identity, [.. payload, 0], signature).Ok);
    }

    [Fact]
    public void The_same_payload_under_another_label_or_sequence_number_is_refused()
    {
        var signer = new SnapshotSigner(NewKey());
        var payload = RandomNumberGenerator.GetBytes(64);
        var signature = signer.Sign(Identity, payload);
        Assert.False(signer.Verify(Identity with { PersistenceId = "model-other" }, payload, signature).Ok);
        Assert.False(signer.Verify(Identity with { SequenceNr = 8 }, payload, signature).Ok);
        Assert.False(signer.Verify(Identity with { Manifest = "snapshot.v2" }, payload, signature).Ok);
        Assert.False(signer.Verify(Identity with { TimestampTicks = Identity.TimestampTicks + 1 }, payload, signature).Ok);
    }

    [Fact]
    public void A_signature_made_with_another_key_is_refused_and_names_the_key_ids()
    {
        var ours = new SnapshotSigner(NewKey());
        var theirs = new SnapshotSigner(NewKey());
        var payload = RandomNumberGenerator.GetBytes(64);
        var result = ours.Verify(Identity, payload, theirs.Sign(Identity, payload));
        Assert.False(result.Ok);
        Assert.Contains(theirs.KeyId, result.Reason);
        Assert.Contains(ours.KeyId, result.Reason);
    }

    [Fact]
    public void A_forged_signature_claiming_our_key_id_is_refused()
    {
        var signer = new SnapshotSigner(NewKey());
        var payload = RandomNumberGenerator.GetBytes(64);
        var forged = $"{SnapshotSigner.Scheme}:{signer.KeyId}:{Convert.ToHexStringLower(SHA256.HashData(payload))}";
        Assert.False(signer.Verify(Identity, payload, forged).Ok);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("md5:abc:00")]
    [InlineData("hs256:nohex")]
    public void A_missing_or_malformed_signature_is_refused(string? signature)
    {
        var signer = new SnapshotSigner(NewKey());
        Assert.False(signer.Verify(Identity, [1, 2, 3], signature).Ok);
    }

    [Fact]
    public void A_previous_key_still_verifies_but_new_signatures_use_the_current_key()
    {
        var old = NewKey();
        var current = NewKey();
        var payload = RandomNumberGenerator.GetBytes(64);
        var oldSignature = new SnapshotSigner(old).Sign(Identity, payload);
        var rotated = new SnapshotSigner(current, [old]);
        Assert.True(rotated.Verify(Identity, payload, oldSignature).Ok);
        Assert.Contains(current.Id, rotated.Sign(Identity, payload));
    }

    [Fact]
    public void A_key_file_is_trimmed_and_must_hold_at_least_32_bytes()
    {
        var good = Path.Combine(_dir, "good.key");
        File.WriteAllText(good, Convert.ToBase64String(RandomNumberGenerator.GetBytes(48)) + "\n");
        var a = SigningKey.FromFile(good, "--model-key-file");
        File.WriteAllText(good, File.ReadAllText(good).Trim() + "\r\n\n");
        Assert.Equal(a.Id, SigningKey.FromFile(good, "--model-key-file").Id);

        var shortKey = Path.Combine(_dir, "short.key");
        File.WriteAllText(shortKey, "0123456789abcdef\n");
        var error = Assert.Throws<SigningKeyException>(() => SigningKey.FromFile(shortKey, "--model-key-file"));
        Assert.Contains("--model-key-file", error.Message);
        Assert.Contains("16 bytes", error.Message);
        Assert.Contains(shortKey, error.Message);

        var missing = Assert.Throws<SigningKeyException>(() => SigningKey.FromFile(Path.Combine(_dir, "none.key"), "--model-key-file"));
        Assert.Contains("not found", missing.Message);
        var weak = Path.Combine(_dir, "weak.key");
        File.WriteAllText(weak, new string('a', 64));
        Assert.Throws<SigningKeyException>(() => SigningKey.FromFile(weak, "--model-key-file"));
    }

    [Fact]
    public void Messages_and_ToString_never_contain_the_key()
    {
        var path = Path.Combine(_dir, "secret.key");
        var secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(48));
        File.WriteAllText(path, secret);
        var key = SigningKey.FromFile(path, "--model-key-file");
        var signer = new SnapshotSigner(key);
        var payload = RandomNumberGenerator.GetBytes(16);
        var texts = new[]
        {
            key.ToString(), key.Id, signer.Sign(Identity, payload),
            signer.Verify(Identity, [9], signer.Sign(Identity, payload)).Reason,
        };
        Assert.All(texts, t => Assert.DoesNotContain(secret[..16], t));
    }
}
