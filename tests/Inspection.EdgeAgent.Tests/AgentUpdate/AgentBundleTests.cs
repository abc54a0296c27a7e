using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using Inspection.Detection.Packaging;

namespace Inspection.EdgeAgent.Tests.AgentUpdate;

/// <summary>
/// An agent bundle is extracted only when everything in it is what the signed manifest says: no path out of the
/// release folder, no link, no file the manifest does not name, nothing larger than allowed, no model manifest.
/// </summary>
public sealed class AgentBundleTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly TrustedKeys _trusted;

    public AgentBundleTests()
    {
        _trusted = TrustedKeys.Of("device", _key);
    }

    [Fact]
    public void Extract_PackedRelease_EveryFileAsPublishedAndTheEntryExecutable()
    {
        var publish = FakeAgentRelease.Publish(_temp.Folder("publish"), "2.0.0", "good");
        Directory.CreateDirectory(Path.Combine(publish, "runtimes", "linux-x64"));
        File.WriteAllText(Path.Combine(publish, "runtimes", "linux-x64", "libnative.so"), "native");
        var bundle = Pack(publish, "2.0.0");

        var manifest = Extract(bundle, _temp.File("release"));

        Assert.Equal("2.0.0", manifest.Version);
        foreach (var file in Directory.GetFiles(publish, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(publish, file);
            Assert.Equal(File.ReadAllBytes(file), File.ReadAllBytes(Path.Combine(_temp.File("release"), relative)));
        }

        Assert.True(OperatingSystem.IsLinux() && File.GetUnixFileMode(Path.Combine(_temp.File("release"), FakeAgentRelease.Entry)).HasFlag(UnixFileMode.UserExecute));
    }

    [Fact]
    public void Extract_EntryThatLeavesTheFolder_Refused()
    {
        var bundle = Pack(FakeAgentRelease.Publish(_temp.Folder("publish"), "2.0.0", "good"), "2.0.0");
        AddEntry(bundle, "../outside.sh", "echo owned");

        var refused = Assert.Throws<PackageRejectedException>(() => Extract(bundle, _temp.File("release")));

        Assert.Contains("'../outside.sh', a path that is not a plain relative one", refused.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(_temp.File("outside.sh")));
    }

    [Fact]
    public void Extract_SymbolicLinkEntry_Refused()
    {
        var bundle = Pack(FakeAgentRelease.Publish(_temp.Folder("publish"), "2.0.0", "good"), "2.0.0");
        using (var zip = ZipFile.Open(bundle, ZipArchiveMode.Update))
        {
            var link = zip.CreateEntry("etc-passwd");
            link.ExternalAttributes = (0xA000 | 0b111_111_111) << 16;
            using var writer = new StreamWriter(link.Open());
            writer.Write("/etc/passwd");
        }

        var refused = Assert.Throws<PackageRejectedException>(() => Extract(bundle, _temp.File("release")));

        Assert.Contains("etc-passwd is a symbolic link", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Extract_FileTheManifestDoesNotName_Refused()
    {
        var bundle = Pack(FakeAgentRelease.Publish(_temp.Folder("publish"), "2.0.0", "good"), "2.0.0");
        AddEntry(bundle, "extra.dll", "not signed");

        var refused = Assert.Throws<PackageRejectedException>(() => Extract(bundle, _temp.File("release")));

        Assert.Contains("extra.dll, which its manifest does not name", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Extract_LargerThanAllowed_RefusedBeforeAnythingIsWritten()
    {
        var bundle = Pack(FakeAgentRelease.Publish(_temp.Folder("publish"), "2.0.0", "good"), "2.0.0");

        var refused = Assert.Throws<PackageRejectedException>(() => Extract(bundle, _temp.File("release"), maxBytes: 1000));

        Assert.Contains("more than the 1000 accepted", refused.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_temp.File("release")));
    }

    [Fact]
    public void Extract_ManifestChangedAfterSigning_Refused()
    {
        var bundle = Pack(FakeAgentRelease.Publish(_temp.Folder("publish"), "2.0.0", "good"), "2.0.0");
        using (var zip = ZipFile.Open(bundle, ZipArchiveMode.Update))
        {
            var entry = zip.GetEntry(ModelPackage.ManifestFile)!;
            string text;
            using (var reader = new StreamReader(entry.Open()))
            {
                text = reader.ReadToEnd();
            }

            entry.Delete();
            using var writer = new StreamWriter(zip.CreateEntry(ModelPackage.ManifestFile).Open());
            writer.Write(text.Replace("\"2.0.0\"", "\"9.0.0\"", StringComparison.Ordinal));
        }

        var refused = Assert.Throws<PackageRejectedException>(() => Extract(bundle, _temp.File("release")));

        Assert.Contains("its signature does not match its manifest", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Pack_PublishFolderWithALink_RefusedWithTheFile()
    {
        var publish = FakeAgentRelease.Publish(_temp.Folder("publish"), "2.0.0", "good");
        File.CreateSymbolicLink(Path.Combine(publish, "libcuda.so"), "/usr/lib/libcuda.so");
        using var output = new MemoryStream();

        var refused = Assert.Throws<InvalidDataException>(() => AgentBundleBuilder.Pack(publish, "2.0.0", FakeAgentRelease.Entry, _key, output, TimeProvider.System));

        Assert.Contains("libcuda.so' is a symbolic link", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Extract_ModelPackageManifest_RefusedAsNotAnAgent()
    {
        var bundle = _temp.File("model.zip");
        var manifest = Encoding.UTF8.GetBytes("""{"schemaVersion":1,"name":"m","release":1}""");
        using (var output = File.Create(bundle))
        {
            ModelPackage.Write(output, manifest, ManifestSignature.Sign(manifest, _key), new Dictionary<string, byte[]>());
        }

        var refused = Assert.Throws<PackageRejectedException>(() => Extract(bundle, _temp.File("release")));

        Assert.Contains("is not an edge agent's", refused.Message, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        _trusted.Dispose();
        _key.Dispose();
        _temp.Dispose();
    }

    private static void AddEntry(string bundle, string name, string text)
    {
        using var zip = ZipFile.Open(bundle, ZipArchiveMode.Update);
        using var writer = new StreamWriter(zip.CreateEntry(name).Open());
        writer.Write(text);
    }

    private string Pack(string publish, string version)
    {
        var bundle = _temp.File($"agent-{version}.zip");
        using var output = File.Create(bundle);
        AgentBundleBuilder.Pack(publish, version, FakeAgentRelease.Entry, _key, output, TimeProvider.System);
        return bundle;
    }

    private AgentManifest Extract(string bundle, string folder, long maxBytes = 100_000_000)
    {
        using var stream = File.OpenRead(bundle);
        return AgentBundle.Extract(stream, _trusted, folder, maxBytes);
    }
}
