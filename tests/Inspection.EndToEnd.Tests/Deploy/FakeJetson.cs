using System.Diagnostics;
using System.Runtime.Versioning;
using System.Security.Cryptography;
using Inspection.EndToEnd.Tests.Infrastructure;

namespace Inspection.EndToEnd.Tests.Deploy;

/// <summary>
/// A Jetson as <c>deploy/jetson/install.sh</c> sees it, in a temp folder: a root of fake system files (JetPack 6.2's
/// <c>/etc/nv_tegra_release</c> and CUDA <c>version.json</c>, <c>/run/systemd/system</c>) that the script reads through
/// <c>INSTALL_ROOT</c>, and, first on <c>PATH</c>, stubs for what only the device can do or what must not happen on a
/// test machine (dpkg's package list, systemctl, user and ownership changes, runuser). Each stub writes what it was
/// asked to a log. The unpacked package holds the real script, unit and configuration, the built agent's real
/// deps.json, and a stand-in agent whose self-test exits with <see cref="SelfTestExitCode"/>.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed class FakeJetson : IDisposable
{
    /// <summary>The engineer's id for the device in the tests.</summary>
    public const string DeviceId = "jetson-07";

    private const string JetPack62Release = "# R36 (release), REVISION: 4.3, GCID: 38968081, BOARD: generic, EABI: aarch64, DATE: Wed Jan  8 01:49:37 UTC 2025";

    private static readonly string[] JetPack62Packages =
    [
        "nvidia-l4t-core 36.4.3-20250107174145 ii ",
        "libnvinfer-bin 10.3.0.30-1+cuda12.5 ii ",
        "libnvinfer10 10.3.0.30-1+cuda12.5 ii ",
        "libnvinfer-dev 10.3.0.30-1+cuda12.5 un ",
        "libcudnn9-cuda-12 9.3.0.75-1 ii ",
    ];

    private readonly TempDirectory _temp = new();
    private int _builds;

    public FakeJetson()
    {
        Root = _temp.Folder("root");
        Package = _temp.Folder("package");
        State = _temp.Folder("stub-state");
        Bin = _temp.Folder("bin");

        WriteRootFile("etc/nv_tegra_release", JetPack62Release + "\n");
        WriteRootFile("usr/local/cuda/version.json", CudaVersionJson("12.6.68"));
        Directory.CreateDirectory(RootPath("run/systemd/system"));
        Directory.CreateDirectory(RootPath("etc/systemd/system"));
        Packages = JetPack62Packages;
        File.WriteAllLines(StatePath("groups"), ["video", "render"]);
        File.WriteAllText(StatePath("users"), string.Empty);
        ServiceState = "inactive";
        WriteStubs();
        WritePackage();
    }

    /// <summary>The fake filesystem root (<c>INSTALL_ROOT</c>).</summary>
    public string Root { get; }

    /// <summary>The unpacked publish tarball: install.sh, the unit, edge-agent.json, app/.</summary>
    public string Package { get; }

    private string State { get; }

    private string Bin { get; }

    /// <summary>dpkg's view of the installed packages, one "name version status" line each.</summary>
    public IReadOnlyList<string> Packages
    {
        get => File.ReadAllLines(StatePath("dpkg"));
        set => File.WriteAllLines(StatePath("dpkg"), value);
    }

    /// <summary>What the stand-in agent's <c>self-test</c> exits with.</summary>
    public int SelfTestExitCode
    {
        set => File.WriteAllText(StatePath("self-test-exit"), value.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>What <c>systemctl is-active</c> answers.</summary>
    public string ServiceState
    {
        get => File.ReadAllText(StatePath("active")).Trim();
        set => File.WriteAllText(StatePath("active"), value + "\n");
    }

    /// <summary>When set, <c>systemctl start/restart</c> fails, as a unit that crashes at start.</summary>
    public bool ServiceFailsToStart
    {
        set
        {
            if (value)
            {
                File.WriteAllText(StatePath("start-fails"), "1");
            }
            else
            {
                File.Delete(StatePath("start-fails"));
            }
        }
    }

    /// <summary>Every command the stubs were asked to run, in order ("systemctl enable inspection-edge-agent", …).</summary>
    public IReadOnlyList<string> Calls => File.Exists(StatePath("calls")) ? File.ReadAllLines(StatePath("calls")) : [];

    /// <summary>Each run of the stand-in agent: its arguments, user, working folder and whole environment.</summary>
    public IReadOnlyList<string> AgentRuns => File.Exists(StatePath("agent")) ? File.ReadAllText(StatePath("agent")).Split("--- run\n", StringSplitOptions.RemoveEmptyEntries) : [];

    public string RootPath(string relative) => Path.Combine(Root, relative);

    public void WriteRootFile(string relative, string content)
    {
        var path = RootPath(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    public static string CudaVersionJson(string version) =>
        $$"""
        {
           "cuda" : {
              "name" : "CUDA SDK",
              "version" : "{{version}}"
           },
           "cuda_cccl" : {
              "name" : "CUDA C++ Core Compute Libraries",
              "version" : "12.6.37"
           }
        }
        """;

    /// <summary>Makes the package a new build of the agent (another release), as the next publish would.</summary>
    public void NewBuild() => File.WriteAllText(Path.Combine(Package, "app", "Inspection.EdgeAgent.dll"), $"agent build {++_builds}");

    /// <summary>Makes a stubbed command fail from now on, as on a read-only or full filesystem.</summary>
    public void BreakCommand(string name, string error) => WriteStub(name, $"echo '{error}' >&2\nexit 1");

    /// <summary>Puts other weights under the package's model file name, as a package with a retrained model would.</summary>
    public void NewModelWeights(string content) => File.WriteAllText(Path.Combine(Package, "app", "models", "edge", "inspection-edge.onnx"), content);

    /// <summary>
    /// A folder as an ONNX Runtime build on the device leaves it (<c>build/Linux/Release</c>): the library under its
    /// versioned name with the unversioned link, and the provider libraries (TensorRT's unless left out).
    /// </summary>
    public string OnnxRuntimeBuild(string version, bool withTensorRt = true, bool versionedName = true)
    {
        var folder = _temp.Folder(Path.Combine($"onnxruntime-{version}-{_builds}-{Guid.NewGuid():N}", "build", "Linux", "Release"));
        if (versionedName)
        {
            File.WriteAllText(Path.Combine(folder, $"libonnxruntime.so.{version}"), $"onnxruntime {version}");
            File.CreateSymbolicLink(Path.Combine(folder, "libonnxruntime.so"), $"libonnxruntime.so.{version}");
        }
        else
        {
            File.WriteAllText(Path.Combine(folder, "libonnxruntime.so"), $"onnxruntime {version}");
        }

        File.WriteAllText(Path.Combine(folder, "libonnxruntime_providers_shared.so"), "shared");
        File.WriteAllText(Path.Combine(folder, "libonnxruntime_providers_cuda.so"), "cuda");
        if (withTensorRt)
        {
            File.WriteAllText(Path.Combine(folder, "libonnxruntime_providers_tensorrt.so"), "tensorrt");
        }

        return folder;
    }

    /// <summary>Runs the real install.sh from the package with real bash, the stubs first on PATH.</summary>
    public async Task<InstallRun> InstallAsync(IEnumerable<string> arguments, IDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(Package, "install.sh"));
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["PATH"] = Bin + ":" + Environment.GetEnvironmentVariable("PATH");
        info.Environment["INSTALL_ROOT"] = Root;
        info.Environment["INSTALL_ACTIVE_TIMEOUT"] = "5";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        var callsBefore = Calls.Count;
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        return new InstallRun(process.ExitCode, await stdout + await stderr, Calls.Skip(callsBefore).ToList());
    }

    public Task<InstallRun> InstallAsync(params string[] arguments) => InstallAsync(arguments, null);

    /// <summary>
    /// Every file, folder and link under the fake root with its content hash, mode or target: two snapshots are
    /// equal only if nothing was created, changed or removed.
    /// </summary>
    public IReadOnlyDictionary<string, string> Snapshot()
    {
        var entries = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 };
        foreach (var path in Directory.EnumerateFileSystemEntries(Root, "*", options))
        {
            var info = new FileInfo(path);
            entries[Path.GetRelativePath(Root, path)] = info.LinkTarget is { } target ? "link " + target
                : Directory.Exists(path) ? $"dir {File.GetUnixFileMode(path)}"
                : $"file {File.GetUnixFileMode(path)} {Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)))}";
        }

        return entries;
    }

    public void Dispose() => _temp.Dispose();

    private string StatePath(string name) => Path.Combine(State, name);

    private void WritePackage()
    {
        var jetson = Path.Combine(RepoPaths.Root, "deploy", "jetson");
        foreach (var name in new[] { "install.sh", "edge-agent.json", "inspection-edge-agent.service", "inspection-agent-update.path", "inspection-agent-update.service" })
        {
            File.Copy(Path.Combine(jetson, name), Path.Combine(Package, name));
        }

        var app = Directory.CreateDirectory(Path.Combine(Package, "app")).FullName;
        // The built agent's own deps.json: the script reads the managed ONNX Runtime version from the real format.
        var deps = Path.Combine(Path.GetDirectoryName(RepoPaths.EdgeAgentDll)!, "Inspection.EdgeAgent.deps.json");
        File.Copy(deps, Path.Combine(app, "Inspection.EdgeAgent.deps.json"));
        File.WriteAllText(Path.Combine(app, "libonnxruntime.so"), "the CPU build from the package");
        Directory.CreateDirectory(Path.Combine(app, "models", "edge"));
        NewModelWeights("model, first weights");
        NewBuild();
        // env -i clears the environment, so the stand-in agent has its log's path written into it.
        WriteExecutable(Path.Combine(app, "Inspection.EdgeAgent"), $$"""
            #!/usr/bin/env bash
            { echo "--- run"; echo "args: $*"; echo "user: $USER"; echo "cwd: $(pwd -P)"; env | sort; } >> '{{StatePath("agent")}}'
            echo "provider        PASS  CPU (stand-in agent)"
            code=$(cat '{{StatePath("self-test-exit")}}' 2>/dev/null || echo 0)
            [[ $code == 0 ]] || echo "camera          FAIL  no frame from camera:0 (stand-in agent)"
            exit "$code"
            """);
    }

    private void WriteStubs()
    {
        var calls = StatePath("calls");
        WriteStub("id", $$"""
            echo "id $*" >> '{{calls}}'
            if [[ $1 == -u ]]; then echo "${FAKE_UID:-0}"; exit 0; fi
            grep -qx -- "$1" '{{StatePath("users")}}'
            """);
        WriteStub("getent", $$"""
            [[ $1 == group ]] && grep -qx -- "$2" '{{StatePath("groups")}}'
            """);
        WriteStub("useradd", $$"""
            echo "useradd $*" >> '{{calls}}'
            echo "${@: -1}" >> '{{StatePath("users")}}'
            """);
        WriteStub("usermod", $$"""echo "usermod $*" >> '{{calls}}'""");
        WriteStub("chown", $$"""echo "chown $*" >> '{{calls}}'""");
        WriteStub("runuser", $$"""
            echo "runuser $*" >> '{{calls}}'
            while [[ $1 != -- ]]; do shift; done
            shift
            exec "$@"
            """);
        WriteStub("dpkg-query", $$"""
            [[ -s '{{StatePath("dpkg")}}' ]] || exit 1
            cat '{{StatePath("dpkg")}}'
            """);
        var active = StatePath("active");
        WriteStub("systemctl", $$"""
            echo "systemctl $*" >> '{{calls}}'
            case $1 in
              is-active) state=$(cat '{{active}}'); [[ $2 == --quiet ]] || echo "$state"; [[ $state == active ]] ;;
              start|restart) if [[ -e '{{StatePath("start-fails")}}' ]]; then echo failed > '{{active}}'; exit 1; fi; echo active > '{{active}}' ;;
              stop) echo inactive > '{{active}}' ;;
            esac
            """);
    }

    private void WriteStub(string name, string body) => WriteExecutable(Path.Combine(Bin, name), "#!/usr/bin/env bash\n" + body + "\n");

    private static void WriteExecutable(string path, string content)
    {
        File.WriteAllText(path, content);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
    }
}
