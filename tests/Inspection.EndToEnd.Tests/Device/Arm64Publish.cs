using System.Diagnostics;
using Inspection.EndToEnd.Tests.Infrastructure;

namespace Inspection.EndToEnd.Tests.Device;

/// <summary>
/// The edge agent published self-contained for linux-arm64 once for all emulation tests, laid out as
/// deploy/jetson/publish.sh lays it out (the int8 model and the self-test input under models/edge), and the means to
/// run it: qemu-aarch64-static with a Cortex-A76 (the Orin's A78AE has no SVE either) and a fake ARM
/// <c>/proc/cpuinfo</c> bound over the host's for that process only.
/// </summary>
public sealed class Arm64Publish : IAsyncLifetime
{
    public const string Qemu = "/usr/bin/qemu-aarch64-static";

    // The arm64 dynamic loader, from libc6:arm64 (multiarch); the apphost names it as its interpreter.
    public const string Arm64Loader = "/lib/ld-linux-aarch64.so.1";

    private readonly TempDirectory _folder = new();

    public string App => Path.Combine(_folder.Path, "app");

    /// <summary>A CPU description ONNX Runtime's cpuinfo can read: under qemu it reads the host's x86 one and crashes.</summary>
    public string CpuInfo => _folder.File("cpuinfo");

    public TimeSpan PublishTime { get; private set; }

    public async ValueTask InitializeAsync()
    {
        // Missing tools fail here, named, rather than skipping: CI must not pass an arm64 build it never ran.
        Assert.True(File.Exists(Qemu), $"{Qemu} is missing: install qemu-user-static (test.sh installs it).");
        Assert.True(File.Exists(Arm64Loader),
            $"{Arm64Loader} is missing: dpkg --add-architecture arm64 and install libc6:arm64 libstdc++6:arm64 zlib1g:arm64 (test.sh does).");

        var started = Stopwatch.GetTimestamp();
        var project = Path.Combine(RepoPaths.Root, "edge-agent", "Inspection.EdgeAgent", "Inspection.EdgeAgent.csproj");

        // Its own obj and bin folders (git ignores artifacts/): a linux-arm64 restore in the projects' own obj folders
        // would leave the x64 build without its CUDA ONNX Runtime and OpenCV until the next restore. Kept between runs,
        // so a second publish is incremental.
        var build = Path.Combine(RepoPaths.Root, "artifacts", "arm64-emulation");
        var (code, stdout, stderr) = await ChildProcess.RunAsync(
            "dotnet",
            ["publish", project, "-c", "Release", "-r", "linux-arm64", "--self-contained", "true", "-p:PublishReadyToRun=false", "-nologo", "-v", "q",
                "--artifacts-path", build, "-o", App],
            RepoPaths.Root,
            new Dictionary<string, string>(),
            TestContext.Current.CancellationToken);
        Assert.True(code == 0, $"dotnet publish -r linux-arm64 failed ({code}):{Environment.NewLine}{stdout}{stderr}");
        PublishTime = Stopwatch.GetElapsedTime(started);

        var models = Directory.CreateDirectory(Path.Combine(App, "models", "edge")).FullName;
        File.Copy(RepoPaths.EdgeModel, Path.Combine(models, "inspection-edge.onnx"));
        File.Copy(Path.Combine(RepoPaths.Root, "models", "edge", "self-test-input.rgb"), Path.Combine(models, "self-test-input.rgb"));

        var cpus = Enumerable.Range(0, Environment.ProcessorCount).Select(static i =>
            $"processor\t: {i}\nBogoMIPS\t: 50.00\nFeatures\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm lrcpc dcpop asimddp\n"
            + "CPU implementer\t: 0x41\nCPU architecture: 8\nCPU variant\t: 0x4\nCPU part\t: 0xd0b\nCPU revision\t: 1\n");
        await File.WriteAllTextAsync(CpuInfo, string.Join("\n", cpus), TestContext.Current.CancellationToken);
    }

    /// <summary>Runs the arm64 apphost under qemu with <paramref name="args"/>, in the publish folder.</summary>
    public Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(IEnumerable<string> args, CancellationToken cancellationToken)
    {
        // unshare -m: the bind mount is seen by this process tree only, never by the host.
        var command = $"mount --bind '{CpuInfo}' /proc/cpuinfo && exec {Qemu} ./Inspection.EdgeAgent "
            + string.Join(' ', args.Select(static a => $"'{a}'"));
        return ChildProcess.RunAsync(
            "unshare",
            ["-m", "--", "sh", "-c", command],
            App,
            new Dictionary<string, string>
            {
                ["QEMU_CPU"] = "cortex-a76",
                ["DOTNET_SYSTEM_GLOBALIZATION_INVARIANT"] = "1",

                // qemu-user and the runtime's W^X double mapping of JIT code: now and then a freshly emitted stub runs
                // stale (seen here as a NullReferenceException inside InvokeStub_MqttOptions.set_Port while binding
                // options, in 3 of 6 runs under load; dotnet/sdk#27190 is the same). An emulation fault, not the
                // device's: the Jetson runs with W^X on.
                ["DOTNET_EnableWriteXorExecute"] = "0",
            },
            cancellationToken);
    }

    public ValueTask DisposeAsync()
    {
        _folder.Dispose();
        return ValueTask.CompletedTask;
    }
}
