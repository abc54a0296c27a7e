using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using Inspection.EndToEnd.Tests.Infrastructure;

namespace Inspection.EndToEnd.Tests.Device;

/// <summary>
/// The Jetson build (linux-arm64, self-contained) proven on this machine under qemu: the .NET runtime starts, ONNX
/// Runtime's arm64 library runs the shipped int8 model, LiteDB writes and reads, the broker and the cloud answer. Not
/// <c>Category=Device</c>: it needs no device, so CI runs it. What only a Jetson shows (TensorRT, CUDA, the camera
/// through an OpenCV built for JetPack) stays in the Device tests.
/// </summary>
[Trait("Category", "Arm64Emulation")]
public sealed class Arm64EmulationTests(Arm64Publish publish) : IClassFixture<Arm64Publish>
{
    // Measured: boxes differ by 1.5e-5 px between x64 and arm64 (qemu's Cortex-A76, no SVE); 1e-3 leaves room for
    // another ONNX Runtime build while still catching a wrong kernel (a different int8 path moves boxes by tenths).
    private const float Tolerance = 1e-3f;

    [Fact]
    public void Publish_Arm64_CarriesAarch64OnnxRuntimeAndTheManagedAssemblies()
    {
        var onnxRuntime = Path.Combine(publish.App, "libonnxruntime.so");
        Assert.True(File.Exists(onnxRuntime), $"libonnxruntime.so is not in the arm64 publish output {publish.App}");
        Assert.Equal(("ELF", 183), ElfMachine(onnxRuntime)); // EM_AARCH64
        foreach (var assembly in new[] { "Inspection.EdgeAgent.dll", "Inspection.Detection.dll", "Microsoft.ML.OnnxRuntime.dll", "LiteDB.dll", "MQTTnet.dll", "Grpc.Net.Client.dll" })
        {
            Assert.True(File.Exists(Path.Combine(publish.App, assembly)), $"{assembly} is not in the arm64 publish output");
        }

        Assert.Equal(("ELF", 183), ElfMachine(Path.Combine(publish.App, "Inspection.EdgeAgent")));
    }

    [Fact]
    public async Task SelfTest_Arm64UnderEmulation_PassesAndDetectsAsX64()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var system = new InspectionSystem();
        await system.StartCloudAsync(embeddedBroker: true, ct);
        var publishers = Directory.CreateDirectory(Path.Combine(system.Directory, "trusted-keys")).FullName;
        using (var key = ECDsa.Create(ECCurve.NamedCurves.nistP256))
        {
            await File.WriteAllTextAsync(Path.Combine(publishers, "publisher.public.pem"), key.ExportSubjectPublicKeyInfoPem(), ct);
        }

        string[] Settings(string name) =>
        [
            "self-test", "--json", "--skip", "source",
            $"--Edge:DeviceId={name}",
            $"--Capture:Source=folder:{system.Directory}",
            "--Detector:ExecutionProviders:0=CPU",
            $"--Storage:Path={Path.Combine(system.Directory, name, "edge.db")}",
            $"--Cloud:Address=http://127.0.0.1:{system.GrpcPort}",
            $"--Mqtt:Port={system.MqttPort}",
            $"--Ota:TrustedKeysPath={publishers}",
            $"--Control:TrustedKeysPath={system.ControlKeysFolder}",
            "--SelfTest:TimeoutSeconds=60",
        ];

        var x64 = await ChildProcess.RunAsync(
            "dotnet",
            [RepoPaths.EdgeAgentDll, .. Settings("x64"), $"--Detector:ModelPath={RepoPaths.EdgeModel}",
                $"--SelfTest:InputPath={Path.Combine(RepoPaths.Root, "models", "edge", "self-test-input.rgb")}"],
            system.Directory,
            new Dictionary<string, string>(),
            ct);
        Assert.True(x64.ExitCode == 0, $"the x64 self-test failed ({x64.ExitCode}): {FailedChecks(x64.Stdout)}{Environment.NewLine}{x64.Stdout}{x64.Stderr}");

        // The model and input from the publish folder's own models/edge (its defaults); no warm-up run beyond the
        // contract probe, so the emulated run is three inferences: probe, test input, nothing else.
        var started = Stopwatch.GetTimestamp();
        var arm64 = await publish.RunAsync([.. Settings("arm64"), "--Detector:WarmupRuns=0"], ct);
        var emulated = Stopwatch.GetElapsedTime(started);
        Assert.True(arm64.ExitCode == 0, $"the arm64 self-test under qemu failed ({arm64.ExitCode}): {FailedChecks(arm64.Stdout)}{Environment.NewLine}{arm64.Stdout}{arm64.Stderr}");
        TestContext.Current.SendDiagnosticMessage($"arm64 publish {publish.PublishTime.TotalSeconds:F0} s, emulated self-test {emulated.TotalSeconds:F0} s");

        using var x64Report = JsonDocument.Parse(x64.Stdout);
        using var arm64Report = JsonDocument.Parse(arm64.Stdout);
        foreach (var report in new[] { x64Report, arm64Report })
        {
            Assert.Equal("pass", report.RootElement.GetProperty("verdict").GetString());
            var statuses = report.RootElement.GetProperty("checks").EnumerateArray()
                .ToDictionary(static c => c.GetProperty("name").GetString()!, static c => c.GetProperty("status").GetString());
            Assert.Equal("skip", statuses["source"]);
            Assert.All(new[] { "provider", "model", "inference", "storage", "broker", "cloud", "keys" }, name => Assert.Equal("pass", statuses[name]));
        }

        var expected = Detections(x64Report);
        var actual = Detections(arm64Report);
        Assert.NotEmpty(expected);
        Assert.Equal(expected.Count, actual.Count);
        var worst = 0f;
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].ClassId, actual[i].ClassId);
            for (var v = 0; v < expected[i].Values.Length; v++)
            {
                worst = Math.Max(worst, Math.Abs(expected[i].Values[v] - actual[i].Values[v]));
            }
        }

        TestContext.Current.SendDiagnosticMessage($"x64 vs arm64: {expected.Count} detections, largest difference {worst:E2} (confidence or px)");
        Assert.True(worst <= Tolerance, $"arm64 detections differ from x64 by {worst} (tolerance {Tolerance}):{Environment.NewLine}{x64.Stdout}{Environment.NewLine}{arm64.Stdout}");
    }

    [Fact]
    public async Task SelfTest_Arm64WithoutOpenCvNative_SourceFailsNamingTheLibrary()
    {
        // No OpenCvSharpExtern is served for linux-arm64 (on a Jetson it is built against JetPack's OpenCV): the source
        // check must say so rather than pass or crash. Only the source check runs: no inference, a few seconds. The
        // folder holds an image (written here by the x64 OpenCV), so reading it is what needs the library.
        using var images = new TempDirectory();
        using (var frame = new OpenCvSharp.Mat(48, 64, OpenCvSharp.MatType.CV_8UC3, OpenCvSharp.Scalar.All(128)))
        {
            Assert.True(OpenCvSharp.Cv2.ImWrite(images.File("0001.png"), frame), "the test image was not written");
        }

        var (code, stdout, stderr) = await publish.RunAsync(
            ["self-test", "--skip", "provider,model,inference,storage,broker,cloud,keys", "--Edge:DeviceId=arm64",
                $"--Capture:Source=folder:{images.Path}", $"--Control:TrustedKeysPath={publish.App}"],
            TestContext.Current.CancellationToken);

        Assert.True(code == 1, $"exit {code}:{Environment.NewLine}{stdout}{stderr}");
        Assert.Contains(
            "source     FAIL  OpenCV's native library libOpenCvSharpExtern.so cannot be loaded, so no camera, stream or image can be read: "
            + "Unable to load shared library 'OpenCvSharpExtern' or one of its dependencies.\n",
            stdout,
            StringComparison.Ordinal);
    }

    // The failing checks first, on one line: a CI log that keeps only the start of a failure still says why.
    private static string FailedChecks(string stdout)
    {
        try
        {
            using var report = JsonDocument.Parse(stdout);
            return string.Join("; ", report.RootElement.GetProperty("checks").EnumerateArray()
                .Where(static c => c.GetProperty("status").GetString() == "fail")
                .Select(static c => $"{c.GetProperty("name").GetString()}: {c.GetProperty("detail").GetString()}"));
        }
        catch (JsonException)
        {
            return "no JSON report";
        }
    }

    private static List<(int ClassId, float[] Values)> Detections(JsonDocument report)
    {
        var inference = report.RootElement.GetProperty("checks").EnumerateArray().Single(static c => c.GetProperty("name").GetString() == "inference");
        return [.. inference.GetProperty("detections").EnumerateArray().Select(static d => (
            d.GetProperty("classId").GetInt32(),
            new[] { "confidence", "x1", "y1", "x2", "y2" }.Select(p => d.GetProperty(p).GetSingle()).ToArray()))];
    }

    // The ELF magic and e_machine (offset 18, little-endian) of a native file.
    private static (string Magic, int Machine) ElfMachine(string path)
    {
        var header = new byte[20];
        using (var file = File.OpenRead(path))
        {
            file.ReadExactly(header);
        }

        return (System.Text.Encoding.ASCII.GetString(header, 1, 3), header[18] | (header[19] << 8));
    }
}
