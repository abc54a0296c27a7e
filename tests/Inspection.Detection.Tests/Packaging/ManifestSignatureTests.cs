using System.Text;
using Inspection.Detection.Packaging;

namespace Inspection.Detection.Tests.Packaging;

public sealed class ManifestSignatureTests
{
    private static readonly byte[] Manifest = Encoding.UTF8.GetBytes("{\"schemaVersion\":1}");

    [Fact]
    public void Verify_SignedByATrustedKey_Holds()
    {
        using var key = TestPackages.NewKey();
        using var trusted = TrustedKeys.Of("device", key);

        var signature = ManifestSignature.Sign(Manifest, key);

        Assert.Null(ManifestSignature.Verify(Manifest, signature, ManifestSignature.KeyIdOf(key), trusted));
    }

    [Fact]
    public void Verify_ManifestChangedAfterSigning_RefusedSayingSo()
    {
        using var key = TestPackages.NewKey();
        using var trusted = TrustedKeys.Of("device", key);
        var signature = ManifestSignature.Sign(Manifest, key);
        var changed = (byte[])Manifest.Clone();
        changed[^2] ^= 1;

        var error = ManifestSignature.Verify(changed, signature, ManifestSignature.KeyIdOf(key), trusted);

        Assert.Contains("does not match its manifest", error);
    }

    [Fact]
    public void Verify_KeyNotTrusted_RefusedNamingTheKeyAndTheTrustedOnes()
    {
        using var publisher = TestPackages.NewKey();
        using var other = TestPackages.NewKey();
        using var trusted = TrustedKeys.Of("device", other);

        var error = ManifestSignature.Verify(Manifest, ManifestSignature.Sign(Manifest, publisher), ManifestSignature.KeyIdOf(publisher), trusted);

        Assert.Equal(
            $"it is signed by key {ManifestSignature.KeyIdOf(publisher)}, which this device does not trust (trusted: {ManifestSignature.KeyIdOf(other)})",
            error);
    }

    [Fact]
    public void Verify_KeyIdOfATrustedKeyButSignedByAnother_Refused()
    {
        using var trustedKey = TestPackages.NewKey();
        using var attacker = TestPackages.NewKey();
        using var trusted = TrustedKeys.Of("device", trustedKey);

        var error = ManifestSignature.Verify(Manifest, ManifestSignature.Sign(Manifest, attacker), ManifestSignature.KeyIdOf(trustedKey), trusted);

        Assert.Contains("does not match", error);
    }

    [Theory]
    [InlineData("not base64 at all!")]
    [InlineData("AAAA")]
    public void Verify_MalformedSignature_Refused(string signature)
    {
        using var key = TestPackages.NewKey();
        using var trusted = TrustedKeys.Of("device", key);

        Assert.NotNull(ManifestSignature.Verify(Manifest, signature, ManifestSignature.KeyIdOf(key), trusted));
    }

    [Fact]
    public void KeyIdOf_SamePublicKey_SameIdFromThePrivateAndThePublicHalf()
    {
        using var key = TestPackages.NewKey();
        using var publicOnly = System.Security.Cryptography.ECDsa.Create();
        publicOnly.ImportSubjectPublicKeyInfo(key.ExportSubjectPublicKeyInfo(), out _);

        Assert.Equal(ManifestSignature.KeyIdOf(key), ManifestSignature.KeyIdOf(publicOnly));
        Assert.Matches("^[0-9a-f]{16}$", ManifestSignature.KeyIdOf(key));
    }
}
