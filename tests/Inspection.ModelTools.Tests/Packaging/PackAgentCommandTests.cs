using System.CommandLine;
using Inspection.Detection.Packaging;

namespace Inspection.ModelTools.Tests.Packaging;

/// <summary><c>keygen</c> then <c>pack-agent</c> as a publisher runs them on a published agent folder.</summary>
public sealed class PackAgentCommandTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly StringWriter _output = new();
    private readonly StringWriter _error = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task PackAgent_PublishedFolder_BundleVerifiesWithThePublicKeyAndExtractsEveryFile()
    {
        var keys = _directory.Folder("keys");
        Assert.Equal(0, await InvokeAsync("keygen", "--out", keys, "--name", "plant"));
        var publish = Publish();
        File.WriteAllText(Path.Combine(publish, "Inspection.EdgeAgent.deps.json"), """{"libraries":{"Inspection.EdgeAgent/1.4.0":{"type":"project"}}}""");
        var bundle = _directory.File("agent-1.4.0.zip");

        var exit = await InvokeAsync("pack-agent", publish, "--version", "1.4.0", "--key", Path.Combine(keys, "plant.private.pem"), "--out", bundle);

        Assert.True(exit == 0, _error.ToString());
        var trust = _directory.Folder("device-trust");
        File.Copy(Path.Combine(keys, "plant.public.pem"), Path.Combine(trust, "plant.pem"));
        using var trusted = TrustedKeys.Load(trust, "device");
        using var stream = File.OpenRead(bundle);
        var manifest = AgentBundle.Extract(stream, trusted, _directory.File("release"), 1024 * 1024);
        Assert.Equal("1.4.0", manifest.Version);
        Assert.Equal("Inspection.EdgeAgent", manifest.Entry);
        Assert.Equal(["Inspection.EdgeAgent", "Inspection.EdgeAgent.deps.json", "Inspection.EdgeAgent.dll", "runtimes/linux-arm64/native/libonnxruntime.so"], manifest.Files.Select(f => f.Path));
        Assert.Equal("native", File.ReadAllText(Path.Combine(_directory.File("release"), "runtimes", "linux-arm64", "native", "libonnxruntime.so")));
        Assert.Contains($"sha256 {ModelPackage.Sha256OfFile(bundle)}", _output.ToString(), StringComparison.Ordinal);
        Assert.False(File.Exists(bundle + ".partial"));
    }

    [Fact]
    public async Task PackAgent_NotASemanticVersion_RefusedBeforeAnythingIsWritten()
    {
        var keys = _directory.Folder("keys");
        Assert.Equal(0, await InvokeAsync("keygen", "--out", keys));

        var exit = await InvokeAsync("pack-agent", Publish(), "--version", "1.4", "--key", Path.Combine(keys, "publisher.private.pem"), "--out", _directory.File("a.zip"));

        Assert.NotEqual(0, exit);
        Assert.Contains("--version must be a semantic version", _output.ToString() + _error.ToString(), StringComparison.Ordinal);
        Assert.False(File.Exists(_directory.File("a.zip")));
    }

    [Fact]
    public async Task PackAgent_NoEntryInTheFolder_RefusedWithTheReason()
    {
        var keys = _directory.Folder("keys");
        Assert.Equal(0, await InvokeAsync("keygen", "--out", keys));

        var exit = await InvokeAsync("pack-agent", Publish(), "--version", "1.4.0", "--key", Path.Combine(keys, "publisher.private.pem"), "--entry", "agent", "--out", _directory.File("a.zip"));

        Assert.Equal(2, exit);
        Assert.Contains("entry 'agent' (the executable the service starts) is not one of the bundle's files", _error.ToString(), StringComparison.Ordinal);
        Assert.False(File.Exists(_directory.File("a.zip")));
        Assert.False(File.Exists(_directory.File("a.zip.partial")));
    }

    [Fact]
    public async Task PackAgent_AgentBuiltWithAnotherVersion_RefusedNamingTheVersionToPublishWith()
    {
        var keys = _directory.Folder("keys");
        Assert.Equal(0, await InvokeAsync("keygen", "--out", keys));
        var publish = Publish();
        File.WriteAllText(Path.Combine(publish, "Inspection.EdgeAgent.deps.json"), """{"libraries":{"Inspection.EdgeAgent/1.0.0":{"type":"project"}}}""");

        var exit = await InvokeAsync("pack-agent", publish, "--version", "1.4.0", "--key", Path.Combine(keys, "publisher.private.pem"), "--out", _directory.File("a.zip"));

        Assert.Equal(2, exit);
        Assert.Contains("built as version 1.0.0, not 1.4.0: publish it with -p:Version=1.4.0", _error.ToString(), StringComparison.Ordinal);
        Assert.False(File.Exists(_directory.File("a.zip")));
    }

    private string Publish()
    {
        var publish = _directory.Folder("publish");
        File.WriteAllText(Path.Combine(publish, "Inspection.EdgeAgent"), "apphost");
        File.WriteAllText(Path.Combine(publish, "Inspection.EdgeAgent.dll"), "agent");
        Directory.CreateDirectory(Path.Combine(publish, "runtimes", "linux-arm64", "native"));
        File.WriteAllText(Path.Combine(publish, "runtimes", "linux-arm64", "native", "libonnxruntime.so"), "native");
        return publish;
    }

    private async Task<int> InvokeAsync(params string[] args) =>
        await ModelToolsCommand.Create().Parse(args).InvokeAsync(
            new InvocationConfiguration { Output = _output, Error = _error }, TestContext.Current.CancellationToken);
}
