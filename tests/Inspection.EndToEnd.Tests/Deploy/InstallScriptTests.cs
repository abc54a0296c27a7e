using System.Diagnostics;
using System.Runtime.Versioning;
using Inspection.EndToEnd.Tests.Infrastructure;

namespace Inspection.EndToEnd.Tests.Deploy;

/// <summary>
/// deploy/jetson/install.sh run by real bash on a <see cref="FakeJetson"/>: the preflight's refusals, the upgrade that
/// keeps configuration and data, and the self-test that stands between a new release and an enabled service.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class InstallScriptTests
{
    private const string Service = "inspection-edge-agent";

    [Theory]
    [InlineData("not-root", "not running as root: run it with sudo")]
    [InlineData("jetpack-5", "L4T R35.4.1 is not supported: this agent needs L4T R36.4 or a later R36 release")]
    [InlineData("jetpack-6.0", "L4T R36.3.0 is not supported")]
    [InlineData("no-l4t", "cannot tell the Jetson Linux (L4T) release")]
    [InlineData("cuda-11", "CUDA 11.4.315 is not supported: this agent's ONNX Runtime build needs CUDA 12.x")]
    [InlineData("no-cuda", "CUDA not found (no /usr/local/cuda/version.json or nvcc)")]
    [InlineData("tensorrt-8", "TensorRT 8.6.2.3 is not supported: this agent needs TensorRT 10.x")]
    [InlineData("no-tensorrt", "TensorRT not installed (no libnvinfer package)")]
    [InlineData("cudnn-8", "cuDNN 8.9.4.25 is not supported: ONNX Runtime built against cuDNN 9 cannot load cuDNN 8")]
    [InlineData("onnxruntime-other-version", "is 1.30.0, but this package's agent is built against ONNX Runtime 1.31.0: build 1.31.0 on the device")]
    [InlineData("onnxruntime-without-tensorrt", "has no libonnxruntime_providers_tensorrt.so beside it: it was built without --use_tensorrt")]
    [InlineData("onnxruntime-unknown-version", "cannot tell the version of the ONNX Runtime in")]
    [InlineData("onnxruntime-missing", "no libonnxruntime.so in")]
    [InlineData("opt-full", "MB free for /opt/inspection, 100000000 MB needed")]
    [InlineData("state-full", "MB free for /var/lib/inspection, 100000000 MB needed")]
    [InlineData("no-systemd", "systemd is not running this machine")]
    [InlineData("no-device-id", "no device id: pass --device-id")]
    [InlineData("invalid-device-id", "--device-id 'line 7/cam' is not valid")]
    [InlineData("other-device-id", "this device is already 'jetson-01' (Edge__DeviceId in /etc/inspection/edge-agent.env), not 'jetson-07'")]
    [InlineData("incomplete-package", "is incomplete")]
    public async Task Install_PreflightFails_SaysWhatToDoAndChangesNothing(string fault, string message)
    {
        using var jetson = new FakeJetson();
        var arguments = new List<string> { "--device-id", FakeJetson.DeviceId };
        var environment = new Dictionary<string, string>();
        switch (fault)
        {
            case "not-root":
                environment["FAKE_UID"] = "1000";
                break;
            case "jetpack-5":
                jetson.WriteRootFile("etc/nv_tegra_release", "# R35 (release), REVISION: 4.1, GCID: 33958178, BOARD: t186ref, EABI: aarch64\n");
                break;
            case "jetpack-6.0":
                jetson.WriteRootFile("etc/nv_tegra_release", "# R36 (release), REVISION: 3.0, GCID: 36191598, BOARD: generic, EABI: aarch64\n");
                break;
            case "no-l4t":
                File.Delete(jetson.RootPath("etc/nv_tegra_release"));
                jetson.Packages = jetson.Packages.Where(line => !line.StartsWith("nvidia-l4t-core", StringComparison.Ordinal)).ToList();
                break;
            case "cuda-11":
                jetson.WriteRootFile("usr/local/cuda/version.json", FakeJetson.CudaVersionJson("11.4.315"));
                break;
            case "no-cuda":
                File.Delete(jetson.RootPath("usr/local/cuda/version.json"));
                break;
            case "tensorrt-8":
                jetson.Packages = [.. jetson.Packages.Where(line => !line.StartsWith("libnvinfer", StringComparison.Ordinal)), "libnvinfer8 8.6.2.3-1+cuda12.2 ii "];
                break;
            case "no-tensorrt":
                jetson.Packages = [.. jetson.Packages.Where(line => !line.StartsWith("libnvinfer", StringComparison.Ordinal)), "libnvinfer10 10.3.0.30-1+cuda12.5 rc "];
                break;
            case "cudnn-8":
                jetson.Packages = [.. jetson.Packages.Where(line => !line.StartsWith("libcudnn", StringComparison.Ordinal)), "libcudnn8 8.9.4.25-1+cuda12.2 ii "];
                break;
            case "onnxruntime-other-version":
                arguments.AddRange(["--onnxruntime", Path.Combine(jetson.OnnxRuntimeBuild("1.30.0"), "libonnxruntime.so")]);
                break;
            case "onnxruntime-without-tensorrt":
                arguments.AddRange(["--onnxruntime", Path.Combine(jetson.OnnxRuntimeBuild("1.31.0", withTensorRt: false), "libonnxruntime.so")]);
                break;
            case "onnxruntime-unknown-version":
                arguments.AddRange(["--onnxruntime", jetson.OnnxRuntimeBuild("1.31.0", versionedName: false)]);
                break;
            case "onnxruntime-missing":
                arguments.AddRange(["--onnxruntime", Path.Combine(jetson.Root, "home", "libonnxruntime.so")]);
                break;
            case "opt-full":
                environment["INSTALL_MIN_FREE_MB_OPT"] = "100000000";
                break;
            case "state-full":
                environment["INSTALL_MIN_FREE_MB_STATE"] = "100000000";
                break;
            case "no-systemd":
                Directory.Delete(jetson.RootPath("run/systemd"), recursive: true);
                break;
            case "no-device-id":
                arguments.Clear();
                break;
            case "invalid-device-id":
                arguments[1] = "line 7/cam";
                break;
            case "other-device-id":
                jetson.WriteRootFile("etc/inspection/edge-agent.env", "Edge__DeviceId=jetson-01\n");
                break;
            case "incomplete-package":
                File.Delete(Path.Combine(jetson.Package, "app", "Inspection.EdgeAgent.deps.json"));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(fault), fault, "no such fault");
        }

        var before = jetson.Snapshot();
        var run = await jetson.InstallAsync(arguments, environment);

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Contains("  FAILED  ", run.Output);
        Assert.Contains(message, run.Output);
        Assert.Contains("1 check(s) FAILED; nothing was changed", run.Output);
        Assert.Empty(run.ChangingCalls);
        Assert.Equal(before, jetson.Snapshot());
    }

    [Fact]
    public async Task Check_SupportedJetson_PassesEveryCheckAndChangesNothing()
    {
        using var jetson = new FakeJetson();
        var before = jetson.Snapshot();

        var run = await jetson.InstallAsync("--check", "--device-id", FakeJetson.DeviceId,
            "--onnxruntime", Path.Combine(jetson.OnnxRuntimeBuild("1.31.0"), "libonnxruntime.so"));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("ok      Jetson Linux L4T R36.4.3", run.Output);
        Assert.Contains("ok      CUDA 12.6.68", run.Output);
        Assert.Contains("ok      TensorRT 10.3.0.30", run.Output);
        Assert.Contains("ok      cuDNN 9.3.0.75", run.Output);
        Assert.Contains("ok      ONNX Runtime 1.31.0 with TensorRT", run.Output);
        Assert.Contains("preflight: all checks passed", run.Output);
        Assert.DoesNotContain("FAILED", run.Output);
        Assert.Empty(run.ChangingCalls);
        Assert.Equal(before, jetson.Snapshot());
    }

    [Fact]
    public async Task Install_FirstTime_RunsTheSelfTestAsTheServiceThenEnablesAndStartsIt()
    {
        using var jetson = new FakeJetson();
        // A local drop-in (systemctl edit) is part of the service's environment, so the self-test gets it too.
        jetson.WriteRootFile($"etc/systemd/system/{Service}.service.d/override.conf",
            "[Service]\nEnvironment=\"Logging__LogLevel__Default=Debug\" \"LINE_NOTE=line 7 top camera\"\n");
        var onnxRuntime = jetson.OnnxRuntimeBuild("1.31.0");

        var run = await jetson.InstallAsync("--device-id", FakeJetson.DeviceId, "--self-test-skip", "source",
            "--onnxruntime", Path.Combine(onnxRuntime, "libonnxruntime.so"));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("useradd --system --user-group --home-dir /var/lib/inspection --no-create-home --shell /usr/sbin/nologin inspection", run.Calls);
        Assert.Contains("usermod -aG video inspection", run.Calls);
        Assert.Contains("usermod -aG render inspection", run.Calls);
        var selfTest = run.IndexOfCall("runuser -u inspection -- env -i ");
        Assert.True(selfTest >= 0, run.ToString());
        Assert.True(run.IndexOfCall("systemctl enable " + Service) > selfTest, run.ToString());
        Assert.True(run.IndexOfCall("systemctl restart " + Service) > run.IndexOfCall("systemctl enable " + Service), run.ToString());

        // The updater the agent hands its own updates to: installed, its path unit watching, the request folder the agent's.
        Assert.True(File.Exists(jetson.RootPath("etc/systemd/system/inspection-agent-update.service")), run.ToString());
        Assert.True(File.Exists(jetson.RootPath("etc/systemd/system/inspection-agent-update.path")), run.ToString());
        Assert.Contains("systemctl enable --now inspection-agent-update.path", run.Calls);
        Assert.Contains($"chown inspection:inspection {jetson.RootPath("var/lib/inspection/agent-update")}", run.Calls);
        Assert.Contains("  | provider        PASS  CPU (stand-in agent)", run.Output);
        Assert.Contains($"OK: {Service} is active and enabled", run.Output);
        Assert.Equal("active", jetson.ServiceState);

        var agent = Assert.Single(jetson.AgentRuns);
        Assert.Contains("args: self-test --skip source\n", agent);
        Assert.Contains("user: inspection\n", agent);
        Assert.Contains("INSPECTION_EDGE_CONFIG=/etc/inspection/edge-agent.json\n", agent);
        Assert.Contains("DOTNET_ENVIRONMENT=Production\n", agent);
        Assert.Contains("LD_LIBRARY_PATH=/usr/local/cuda/lib64:/usr/lib/aarch64-linux-gnu/tegra\n", agent);
        Assert.Contains($"Edge__DeviceId={FakeJetson.DeviceId}\n", agent);
        Assert.Contains("LINE_NOTE=line 7 top camera\n", agent);
        Assert.Contains("HOME=/var/lib/inspection\n", agent);

        var current = new DirectoryInfo(jetson.RootPath("opt/inspection/edge-agent"));
        Assert.StartsWith("releases/1.0.0-", current.LinkTarget);
        Assert.Contains($"cwd: {current.ResolveLinkTarget(returnFinalTarget: true)!.FullName}\n", agent);
        Assert.Equal("libonnxruntime.so.1.31.0", new FileInfo(Path.Combine(current.FullName, "libonnxruntime.so")).LinkTarget);
        Assert.True(File.Exists(Path.Combine(current.FullName, "libonnxruntime_providers_tensorrt.so")));
        Assert.StartsWith("1.31.0 ", File.ReadAllText(Path.Combine(current.FullName, "onnxruntime-native.txt")));
        Assert.Equal(File.ReadAllText(Path.Combine(jetson.Package, "edge-agent.json")), File.ReadAllText(jetson.RootPath("etc/inspection/edge-agent.json")));
        Assert.Equal($"Edge__DeviceId={FakeJetson.DeviceId}\n", File.ReadAllText(jetson.RootPath("etc/inspection/edge-agent.env")));
        Assert.Equal(
            File.ReadAllText(Path.Combine(jetson.Package, Service + ".service")),
            File.ReadAllText(jetson.RootPath($"etc/systemd/system/{Service}.service")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute,
            File.GetUnixFileMode(jetson.RootPath("etc/inspection/tls")));
        Assert.Contains($"chown root:inspection {jetson.RootPath("etc/inspection/tls")}", run.Calls);
    }

    [Fact]
    public async Task Install_Again_KeepsTheEditedConfigurationTheDataAndTheDeviceBuildOfOnnxRuntime()
    {
        using var jetson = new FakeJetson();
        var first = await jetson.InstallAsync("--device-id", FakeJetson.DeviceId,
            "--onnxruntime", Path.Combine(jetson.OnnxRuntimeBuild("1.31.0"), "libonnxruntime.so"));
        Assert.True(first.ExitCode == 0, first.ToString());
        var firstRelease = new DirectoryInfo(jetson.RootPath("opt/inspection/edge-agent")).LinkTarget;

        const string Edited = "{ \"Edge\": { \"LineId\": \"line-7\" }, \"Capture\": { \"Source\": \"camera:1\" } }\n";
        jetson.WriteRootFile("etc/inspection/edge-agent.json", Edited);
        jetson.WriteRootFile("etc/inspection/edge-agent.env", $"Edge__DeviceId={FakeJetson.DeviceId}\nMqtt__Password=s3cret\n");
        jetson.WriteRootFile("var/lib/inspection/edge.db", "results and outbox");
        jetson.WriteRootFile("var/lib/inspection/trt-cache/TensorrtExecutionProvider_abc.engine", "engine");
        jetson.WriteRootFile("var/lib/inspection/models/current.json", "{ \"release\": 3 }");
        var data = DataSnapshot(jetson);
        jetson.NewBuild();

        var second = await jetson.InstallAsync("--device-id", FakeJetson.DeviceId);

        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Equal(Edited, File.ReadAllText(jetson.RootPath("etc/inspection/edge-agent.json")));
        Assert.Equal(File.ReadAllText(Path.Combine(jetson.Package, "edge-agent.json")), File.ReadAllText(jetson.RootPath("etc/inspection/edge-agent.json.dist")));
        Assert.Contains("kept /etc/inspection/edge-agent.json; the new default is beside it as edge-agent.json.dist", second.Output);
        Assert.Equal($"Edge__DeviceId={FakeJetson.DeviceId}\nMqtt__Password=s3cret\n", File.ReadAllText(jetson.RootPath("etc/inspection/edge-agent.env")));
        Assert.Equal(data, DataSnapshot(jetson));
        Assert.DoesNotContain(second.Calls, call => call.StartsWith("useradd", StringComparison.Ordinal));
        Assert.Contains("systemctl stop " + Service, second.Calls);
        Assert.Contains("Mqtt__Password=s3cret\n", jetson.AgentRuns[^1]);

        var current = new DirectoryInfo(jetson.RootPath("opt/inspection/edge-agent"));
        Assert.NotEqual(firstRelease, current.LinkTarget);
        Assert.Equal(firstRelease, new DirectoryInfo(jetson.RootPath("opt/inspection/previous")).LinkTarget);
        // The ONNX Runtime built on the device came along, not the package's CPU build.
        Assert.Contains("ok      ONNX Runtime 1.31.0 with TensorRT (kept from the running release)", second.Output);
        Assert.Equal("libonnxruntime.so.1.31.0", new FileInfo(Path.Combine(current.FullName, "libonnxruntime.so")).LinkTarget);
    }

    [Fact]
    public async Task Install_PackageWithOtherModelWeights_RemovesOnlyTheEnginesOfTheOldWeights()
    {
        using var jetson = new FakeJetson();
        var first = await jetson.InstallAsync("--device-id", FakeJetson.DeviceId);
        Assert.True(first.ExitCode == 0, first.ToString());
        // Engine names from ONNX Runtime hash the model's file name and graph, not its weights.
        jetson.WriteRootFile("var/lib/inspection/trt-cache/TensorrtExecutionProvider_TRTKernel_graph_main_123_0_0_sm87.engine", "engine of the first weights");
        jetson.WriteRootFile("var/lib/inspection/trt-cache/TensorrtExecutionProvider_TRTKernel_graph_main_123_0_0_sm87.profile", "profile");
        jetson.WriteRootFile("var/lib/inspection/trt-cache/TensorrtExecutionProvider_cache_sm87.timing", "timing cache");
        jetson.WriteRootFile("var/lib/inspection/edge.db", "results and outbox");
        jetson.WriteRootFile("var/lib/inspection/models/trt-cache/ab12/TensorrtExecutionProvider_x.engine", "engine of an update");
        jetson.NewModelWeights("model, retrained weights");

        var second = await jetson.InstallAsync();

        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Contains("the package's models/edge/inspection-edge.onnx differs from the running release's: removed the TensorRT engines built for the old weights from /var/lib/inspection/trt-cache", second.Output);
        Assert.Equal(
            ["edge.db", "models/trt-cache/ab12/TensorrtExecutionProvider_x.engine", "trt-cache/TensorrtExecutionProvider_cache_sm87.timing"],
            Directory.EnumerateFiles(jetson.RootPath("var/lib/inspection"), "*", SearchOption.AllDirectories)
                .Select(file => Path.GetRelativePath(jetson.RootPath("var/lib/inspection"), file)).Order(StringComparer.Ordinal));
        Assert.Equal("results and outbox", File.ReadAllText(jetson.RootPath("var/lib/inspection/edge.db")));
    }

    [Fact]
    public async Task Install_KeptOnnxRuntimeOlderThanTheNewPackage_FailsPreflightAndKeepsTheRunningRelease()
    {
        using var jetson = new FakeJetson();
        var first = await jetson.InstallAsync("--device-id", FakeJetson.DeviceId,
            "--onnxruntime", Path.Combine(jetson.OnnxRuntimeBuild("1.31.0"), "libonnxruntime.so"));
        Assert.True(first.ExitCode == 0, first.ToString());
        // The next package is built against a newer managed ONNX Runtime API.
        var deps = Path.Combine(jetson.Package, "app", "Inspection.EdgeAgent.deps.json");
        File.WriteAllText(deps, File.ReadAllText(deps).Replace("Microsoft.ML.OnnxRuntime.Managed/1.31.0", "Microsoft.ML.OnnxRuntime.Managed/1.32.0", StringComparison.Ordinal));
        jetson.NewBuild();
        var before = jetson.Snapshot();

        var second = await jetson.InstallAsync();

        Assert.True(second.ExitCode == 1, second.ToString());
        Assert.Contains("the ONNX Runtime the running release uses (built on this device) is 1.31.0, but this package's agent is built against ONNX Runtime 1.32.0", second.Output);
        Assert.Empty(second.ChangingCalls);
        Assert.Equal(before, jetson.Snapshot());
        Assert.Equal("active", jetson.ServiceState);
    }

    [Theory]
    [InlineData(1, "self-test FAILED: a check failed")]
    [InlineData(2, "self-test FAILED: the agent's configuration is not usable")]
    public async Task Install_SelfTestFails_StopsBeforeTheServiceIsEnabled(int exitCode, string reason)
    {
        using var jetson = new FakeJetson();
        jetson.SelfTestExitCode = exitCode;

        var run = await jetson.InstallAsync("--device-id", FakeJetson.DeviceId);

        Assert.True(run.ExitCode == 3, run.ToString());
        Assert.Contains("  | camera          FAIL  no frame from camera:0 (stand-in agent)", run.Output);
        Assert.Contains(reason, run.Output);
        Assert.Contains("did not pass its self-test; the service was not enabled or started", run.Output);
        Assert.Single(jetson.AgentRuns);
        Assert.DoesNotContain(run.Calls, call => call.StartsWith("systemctl enable", StringComparison.Ordinal)
            || call.StartsWith("systemctl start", StringComparison.Ordinal) || call.StartsWith("systemctl restart", StringComparison.Ordinal));
        Assert.False(File.Exists(jetson.RootPath($"etc/systemd/system/{Service}.service")));
        Assert.Equal("inactive", jetson.ServiceState);
    }

    [Fact]
    public async Task Install_UpgradeFailsItsSelfTest_GoesBackToTheReleaseThatRan()
    {
        using var jetson = new FakeJetson();
        var first = await jetson.InstallAsync("--device-id", FakeJetson.DeviceId);
        Assert.True(first.ExitCode == 0, first.ToString());
        var running = new DirectoryInfo(jetson.RootPath("opt/inspection/edge-agent")).LinkTarget;
        jetson.NewBuild();
        jetson.SelfTestExitCode = 1;

        var second = await jetson.InstallAsync();

        Assert.True(second.ExitCode == 3, second.ToString());
        Assert.Equal(running, new DirectoryInfo(jetson.RootPath("opt/inspection/edge-agent")).LinkTarget);
        Assert.Contains("the release that ran before runs again", second.Output);
        Assert.True(second.IndexOfCall("systemctl start " + Service) > second.IndexOfCall("systemctl stop " + Service), second.ToString());
        Assert.DoesNotContain(second.Calls, call => call.StartsWith("systemctl enable", StringComparison.Ordinal));
        Assert.Equal("active", jetson.ServiceState);
    }

    [Fact]
    public async Task Install_OverAnInstallationWithoutReleases_MovesItAsideAndKeepsItsNativeLibraries()
    {
        using var jetson = new FakeJetson();
        // What the earlier install.sh left: a plain folder with JetPack's ONNX Runtime and OpenCvSharp copied in.
        var legacy = jetson.RootPath("opt/inspection/edge-agent");
        foreach (var file in Directory.EnumerateFileSystemEntries(jetson.OnnxRuntimeBuild("1.31.0")))
        {
            Directory.CreateDirectory(legacy);
            if (new FileInfo(file).LinkTarget is { } target)
            {
                File.CreateSymbolicLink(Path.Combine(legacy, Path.GetFileName(file)), target);
            }
            else
            {
                File.Copy(file, Path.Combine(legacy, Path.GetFileName(file)));
            }
        }

        jetson.WriteRootFile("opt/inspection/edge-agent/libOpenCvSharpExtern.so", "built against JetPack's OpenCV");
        jetson.WriteRootFile("etc/inspection/edge-agent.env", $"Edge__DeviceId={FakeJetson.DeviceId}\n");
        jetson.ServiceState = "active";

        var run = await jetson.InstallAsync();

        Assert.True(run.ExitCode == 0, run.ToString());
        var current = new DirectoryInfo(legacy);
        Assert.StartsWith("releases/1.0.0-", current.LinkTarget);
        Assert.StartsWith("releases/before-", new DirectoryInfo(jetson.RootPath("opt/inspection/previous")).LinkTarget);
        Assert.Equal("built against JetPack's OpenCV", File.ReadAllText(Path.Combine(legacy, "libOpenCvSharpExtern.so")));
        Assert.Equal("libonnxruntime.so.1.31.0", new FileInfo(Path.Combine(legacy, "libonnxruntime.so")).LinkTarget);
    }

    [Fact]
    public async Task Install_ServiceDoesNotBecomeActive_SaysSoAndExitsWithFour()
    {
        using var jetson = new FakeJetson();
        jetson.ServiceFailsToStart = true;

        var run = await jetson.InstallAsync("--device-id", FakeJetson.DeviceId);

        Assert.True(run.ExitCode == 4, run.ToString());
        Assert.Contains($"FAILED: {Service} did not start: see 'systemctl status {Service}'", run.Output);
    }

    [Fact]
    public async Task Install_StepFailsMidway_NamesTheCommandAndExitsWithFive()
    {
        using var jetson = new FakeJetson();
        jetson.BreakCommand("chown", "chown: changing ownership: Read-only file system");

        var run = await jetson.InstallAsync("--device-id", FakeJetson.DeviceId);

        Assert.True(run.ExitCode == 5, run.ToString());
        Assert.Contains("chown: changing ownership: Read-only file system", run.Output);
        Assert.Matches(@"FAILED: 'chown [^']*' \(line \d+\) ended with exit code 1; the steps after it were not done", run.Output);
        Assert.Empty(jetson.AgentRuns);
        Assert.DoesNotContain(run.Calls, call => call.StartsWith("systemctl enable", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Install_NoStart_InstallsWithoutSelfTestAndLeavesTheServiceOff()
    {
        using var jetson = new FakeJetson();

        var run = await jetson.InstallAsync("--device-id", FakeJetson.DeviceId, "--no-start");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Empty(jetson.AgentRuns);
        Assert.Contains("systemctl daemon-reload", run.Calls);
        Assert.DoesNotContain(run.Calls, call => call.StartsWith("systemctl enable", StringComparison.Ordinal)
            || call.StartsWith("systemctl start", StringComparison.Ordinal) || call.StartsWith("systemctl restart", StringComparison.Ordinal));
        Assert.True(File.Exists(Path.Combine(jetson.RootPath("opt/inspection/edge-agent"), "Inspection.EdgeAgent")));
    }

    [Theory]
    [InlineData("--device jetson-07", "", "unknown option '--device' (see --help)")]
    [InlineData("--device-id", "", "--device-id needs a value (see --help)")]
    [InlineData("--device-id jetson-07", "INSTALL_SELF_TEST_TIMEOUT=30m", "INSTALL_SELF_TEST_TIMEOUT='30m' is not a whole number")]
    public async Task Usage_Wrong_ExitsWithTwoBeforeAnyCheck(string arguments, string setting, string message)
    {
        using var jetson = new FakeJetson();
        var environment = new Dictionary<string, string>();
        if (setting.Length > 0)
        {
            environment[setting.Split('=')[0]] = setting.Split('=')[1];
        }

        var before = jetson.Snapshot();
        var run = await jetson.InstallAsync(arguments.Split(' '), environment);

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains(message, run.Output);
        Assert.Empty(run.Calls);
        Assert.Equal(before, jetson.Snapshot());
    }

    [Fact]
    public async Task InstallScript_Shellcheck_FindsNothing()
    {
        var script = Path.Combine(RepoPaths.Root, "deploy", "jetson", "install.sh");
        var info = new ProcessStartInfo("shellcheck") { RedirectStandardOutput = true, UseShellExecute = false };
        info.ArgumentList.Add(script);
        Process process;
        try
        {
            process = Process.Start(info)!;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException("shellcheck is not installed: apt-get install shellcheck (./test.sh installs it).", ex);
        }

        using (process)
        {
            var output = await process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
            await process.WaitForExitAsync(TestContext.Current.CancellationToken);
            Assert.True(process.ExitCode == 0, output);
        }
    }

    private static Dictionary<string, string> DataSnapshot(FakeJetson jetson) =>
        jetson.Snapshot().Where(entry => entry.Key.StartsWith("var/lib/inspection", StringComparison.Ordinal))
            .ToDictionary(entry => entry.Key, entry => entry.Value);
}
