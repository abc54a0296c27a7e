using System.Security.Cryptography;
using Inspection.Detection.Packaging;
using Inspection.EdgeAgent.AgentUpdate;

namespace Inspection.EdgeAgent.Tests.AgentUpdate;

/// <summary>The release link is switched by a rename: whoever follows it meanwhile always finds a complete release.</summary>
public sealed class AgentReleasesTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    [Fact]
    public async Task Switch_WhileAReaderFollowsTheLink_TheLinkAlwaysNamesACompleteRelease()
    {
        var releases = new AgentReleases(_temp.Folder("opt"), "edge-agent");
        foreach (var version in (string[])["1.0.0", "2.0.0"])
        {
            Directory.CreateDirectory(releases.PathOf(version));
            File.WriteAllText(Path.Combine(releases.PathOf(version), "release.txt"), version);
        }

        releases.Switch("1.0.0");
        using var done = new CancellationTokenSource();
        var failures = new List<string>();
        var reads = 0;
        var reader = Task.Run(
            () =>
            {
                while (!done.IsCancellationRequested)
                {
                    try
                    {
                        var text = File.ReadAllText(Path.Combine(releases.LinkPath, "release.txt"));
                        if (text is not ("1.0.0" or "2.0.0"))
                        {
                            failures.Add($"read '{text}'");
                        }
                    }
                    catch (IOException ex)
                    {
                        failures.Add(ex.Message);
                    }

                    reads++;
                }
            },
            TestContext.Current.CancellationToken);

        for (var i = 0; i < 2000; i++)
        {
            releases.Switch(i % 2 == 0 ? "2.0.0" : "1.0.0");
        }

        await done.CancelAsync();
        await reader;

        Assert.True(reads > 0);
        Assert.Empty(failures);
        Assert.Equal("1.0.0", releases.Current());

        // Only the link and the releases: no new link left behind by a switch.
        Assert.Equal(["edge-agent", "releases"], Directory.GetFileSystemEntries(releases.InstallPath).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Switch_ToAMissingRelease_ThrowsAndTheLinkStays()
    {
        var releases = new AgentReleases(_temp.Folder("opt"), "edge-agent");
        Directory.CreateDirectory(releases.PathOf("1.0.0"));
        releases.Switch("1.0.0");

        Assert.Throws<DirectoryNotFoundException>(() => releases.Switch("3.0.0"));

        Assert.Equal("1.0.0", releases.Current());
    }

    [Fact]
    public void Prune_ManyReleases_KeepsTheRunningTheOneToGoBackToAndThePreviousLinks()
    {
        var releases = new AgentReleases(_temp.Folder("opt"), "edge-agent");
        foreach (var version in (string[])["1.0.0", "1.1.0", "1.2.0", "2.0.0"])
        {
            Directory.CreateDirectory(releases.PathOf(version));
        }

        releases.Switch("2.0.0");
        releases.MarkPrevious("1.0.0");

        var removed = releases.Prune("2.0.0", "1.2.0");

        // install.sh's previous link still names a release.
        Assert.Equal(["1.1.0"], removed);
        Assert.Equal(["1.0.0", "1.2.0", "2.0.0"], Directory.GetDirectories(releases.ReleasesPath).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Install_RunningReleaseHasTheDevicesTensorRtBuild_NewReleaseKeepsItInPlaceOfTheBundlesCpuBuild()
    {
        var releases = new AgentReleases(_temp.Folder("opt"), "edge-agent");
        var running = Directory.CreateDirectory(releases.PathOf("1.0.0")).FullName;
        File.WriteAllText(Path.Combine(running, "libonnxruntime.so.1.31.0"), "built on the device");
        File.WriteAllText(Path.Combine(running, "libonnxruntime_providers_shared.so"), "device shared");
        File.WriteAllText(Path.Combine(running, "libonnxruntime_providers_tensorrt.so"), "device tensorrt");
        File.WriteAllText(Path.Combine(running, "onnxruntime-native.txt"), "1.31.0 /home/nvidia/onnxruntime");
        releases.Switch("1.0.0");
        var publish = FakeAgentRelease.Publish(_temp.Folder("publish"), "2.0.0", "good");
        File.WriteAllText(Path.Combine(publish, "libonnxruntime.so"), "cpu build from the bundle");
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var trusted = TrustedKeys.Of("device", key);
        var bundle = _temp.File("agent-2.0.0.zip");
        using (var output = File.Create(bundle))
        {
            AgentBundleBuilder.Pack(publish, "2.0.0", FakeAgentRelease.Entry, key, output, TimeProvider.System);
        }

        releases.Install(bundle, trusted, 100_000_000);

        var installed = releases.PathOf("2.0.0");
        Assert.False(File.Exists(Path.Combine(installed, "libonnxruntime.so")));
        Assert.Equal("built on the device", File.ReadAllText(Path.Combine(installed, "libonnxruntime.so.1.31.0")));
        Assert.Equal("device tensorrt", File.ReadAllText(Path.Combine(installed, "libonnxruntime_providers_tensorrt.so")));
        Assert.Equal("1.31.0 /home/nvidia/onnxruntime", File.ReadAllText(Path.Combine(installed, "onnxruntime-native.txt")));
        Assert.True(File.Exists(Path.Combine(installed, "Inspection.FakeAgent.dll")));
    }

    public void Dispose() => _temp.Dispose();
}
