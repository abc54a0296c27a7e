using Inspection.Detection.Packaging;

namespace Inspection.Detection.Tests.Packaging;

public sealed class TrustedKeysTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void Load_TwoPublicKeys_TrustsBothForRotation()
    {
        using var old = TestPackages.NewKey();
        using var next = TestPackages.NewKey();
        File.WriteAllText(_directory.File("old.pem"), old.ExportSubjectPublicKeyInfoPem());
        File.WriteAllText(_directory.File("next.pem"), next.ExportSubjectPublicKeyInfoPem());
        File.WriteAllText(_directory.File("README.txt"), "not a key, not a .pem: ignored");

        using var trusted = TrustedKeys.Load(_directory.Path, "device");

        Assert.Equal(
            new[] { ManifestSignature.KeyIdOf(old), ManifestSignature.KeyIdOf(next) }.Order(StringComparer.Ordinal),
            trusted.KeyIds.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Load_PrivateKeyInTheFolder_RefusedNamingTheFile()
    {
        using var key = TestPackages.NewKey();
        var path = _directory.File("publisher.pem");
        File.WriteAllText(path, key.ExportPkcs8PrivateKeyPem());

        var error = Assert.Throws<InvalidDataException>(() => TrustedKeys.Load(_directory.Path, "device"));

        Assert.Contains(path, error.Message);
        Assert.Contains("private key", error.Message);
    }

    [Fact]
    public void Load_GarbagePem_RefusedNamingTheFile()
    {
        var path = _directory.File("broken.pem");
        File.WriteAllText(path, "-----BEGIN PUBLIC KEY-----\nnot base64\n-----END PUBLIC KEY-----\n");

        var error = Assert.Throws<InvalidDataException>(() => TrustedKeys.Load(_directory.Path, "device"));

        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void Load_MissingFolder_SaysWhichFolder()
    {
        var missing = _directory.File("nowhere");

        var error = Assert.Throws<DirectoryNotFoundException>(() => TrustedKeys.Load(missing, "device"));

        Assert.Contains(missing, error.Message);
    }
}
