using System.Security.Cryptography;
using AntiNex.Persistence.Signing;

namespace AntiNex.Tests.Integrity;

/// <summary>HMAC signing of journal events: bound to the persistence id, sequence number, serializer and manifest, and
/// never interchangeable with a snapshot's signature made by the same key.</summary>
public sealed class EventSignerTests
{
    private static readonly EventIdentity Identity = new("model-web", 7, 7, "");

    private static SigningKey NewKey() => SigningKey.FromBytes(RandomNumberGenerator.GetBytes(32));

    [Fact]
    public void A_signed_event_verifies_and_any_change_to_it_or_its_identity_is_refused()
    {
        var signer = new EventSigner(NewKey());
        var payload = RandomNumberGenerator.GetBytes(300);
        var signature = signer.Sign(Identity, payload);
        Assert.True(signer.Verify(Identity, payload, signature).Ok);
        var altered = payload.ToArray();
        altered[150] ^= 0x01;
        Assert.Contains("does not match", signer.Verify(Identity, altered, signature).Reason);
        Assert.False(signer.Verify(Identity with { PersistenceId = "model-other" }, payload, signature).Ok);
        Assert.False(signer.Verify(Identity with { SequenceNr = 8 }, payload, signature).Ok);
        Assert.False(signer.Verify(Identity with { SerializerId = 8 }, payload, signature).Ok);
        Assert.False(signer.Verify(Identity with { Manifest = "x" }, payload, signature).Ok);
        Assert.Contains("no signature", signer.Verify(Identity, payload, null).Reason);
    }

    [Fact]
    public void A_snapshot_signature_never_passes_as_an_event_signature_nor_the_reverse()
    {
        var key = NewKey();
        var events = new EventSigner(key);
        var snapshots = new SnapshotSigner(key);
        var payload = RandomNumberGenerator.GetBytes(64);
        var snapshotIdentity = new SnapshotIdentity(Identity.PersistenceId, Identity.SequenceNr, 0, Identity.SerializerId, Identity.Manifest);
        Assert.False(events.Verify(Identity, payload, snapshots.Sign(snapshotIdentity, payload)).Ok);
        Assert.False(snapshots.Verify(snapshotIdentity, payload, events.Sign(Identity, payload)).Ok);
    }

    [Fact]
    public void A_previous_key_verifies_but_never_signs()
    {
        var old = NewKey();
        var current = NewKey();
        var payload = RandomNumberGenerator.GetBytes(32);
        var rotated = new EventSigner(current, [old]);
        Assert.True(rotated.Verify(Identity, payload, new EventSigner(old).Sign(Identity, payload)).Ok);
        Assert.Contains(current.Id, rotated.Sign(Identity, payload));
        Assert.Contains("does not hold", new EventSigner(current).Verify(Identity, payload, new EventSigner(old).Sign(Identity, payload)).Reason);
    }
}
