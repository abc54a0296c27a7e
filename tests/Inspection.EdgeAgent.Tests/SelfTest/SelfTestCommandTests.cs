using System.Text.Json;
using Inspection.EdgeAgent.SelfTest;
using Inspection.EdgeAgent.Tests.TestSupport;

namespace Inspection.EdgeAgent.Tests.SelfTest;

/// <summary>
/// The <c>self-test</c> verb through its real entry point: the agent's own configuration and composition, the shipped
/// int8 model on ONNX Runtime, LiteDB in a temp folder, the in-process broker and a Kestrel cloud on loopback.
/// </summary>
public sealed class SelfTestCommandTests : IDisposable
{
    private static readonly string[] AllButModel = ["source", "storage", "broker", "cloud", "keys"];
    private readonly TempDirectory _temp = new();
    private readonly string _keys;
    private readonly string _images;

    public SelfTestCommandTests()
    {
        _keys = _temp.Folder("keys");
        ControlKey.Create(_keys).Dispose();
        _images = _temp.Folder("images");
        Frames.WriteImage(Path.Combine(_images, "0001.png"), 128);
    }

    [Fact]
    public async Task RunAsync_EveryPartWorking_ExitsZeroAndReportsTheDetections()
    {
        await using var broker = await EmbeddedBroker.LaunchAsync();
        await using var cloud = await TestCloud.StartAsync(static r => TestCloud.Stored(r));

        var (code, stdout, stderr) = await RunAsync(json: true, [], $"--Mqtt:Port={broker.Port}", $"--Cloud:Address={cloud.Address}");

        Assert.True(code == SelfTestCommand.ExitPassed, $"exit {code}: {stdout}{stderr}");
        using var report = JsonDocument.Parse(stdout);
        Assert.Equal("pass", report.RootElement.GetProperty("verdict").GetString());
        var checks = report.RootElement.GetProperty("checks").EnumerateArray().ToList();
        Assert.Equal(["provider", "model", "inference", "source", "storage", "broker", "cloud", "keys"], checks.Select(static c => c.GetProperty("name").GetString()));
        Assert.All(checks, static c => Assert.Equal("pass", c.GetProperty("status").GetString()));
        var detections = checks[2].GetProperty("detections").EnumerateArray().ToList();
        Assert.NotEmpty(detections);
        Assert.Equal("dent", detections[0].GetProperty("className").GetString());
        Assert.True(detections[0].GetProperty("confidence").GetSingle() > 0.9f);
        Assert.Contains("[1, 3, 480, 480]", checks[1].GetProperty("detail").GetString(), StringComparison.Ordinal);

        // The probe database is gone and the real one was never created.
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_temp.Path, "data")));
    }

    [Fact]
    public async Task RunAsync_TensorRtFirstWithoutGpu_ProviderFailsNamingWhy()
    {
        var (code, stdout, _) = await RunAsync(
            json: false, [.. AllButModel, "model", "inference"], "--Detector:ExecutionProviders:0=TensorRT", "--Detector:ExecutionProviders:1=CPU");

        Assert.Equal(SelfTestCommand.ExitFailed, code);
        var line = Line(stdout, "provider");
        Assert.Contains("FAIL", line, StringComparison.Ordinal);
        Assert.Contains("CPU, not the first of Detector:ExecutionProviders: TensorRT (", line, StringComparison.Ordinal);
        Assert.Contains("self-test: FAIL (provider failed", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_ModelOfAnotherInputSize_InferenceFailsWithTheShape()
    {
        var model = TestModels.Brightness(_temp.File("brightness.onnx"));

        var (code, stdout, _) = await RunAsync(json: false, [.. AllButModel, "provider"], $"--Detector:ModelPath={model}");

        Assert.Equal(SelfTestCommand.ExitFailed, code);
        Assert.Contains("PASS", Line(stdout, "model"), StringComparison.Ordinal);
        Assert.Contains(
            $"holds 691200 bytes, but the model's input [1, 3, {TestModels.InputSize}, {TestModels.InputSize}] needs {3 * TestModels.InputSize * TestModels.InputSize}",
            Line(stdout, "inference"),
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_PreparedInputMissing_InferenceFailsNamingTheSetting()
    {
        var missing = _temp.File("nowhere.rgb");

        var (code, stdout, _) = await RunAsync(json: false, [.. AllButModel, "provider"], $"--SelfTest:InputPath={missing}");

        Assert.Equal(SelfTestCommand.ExitFailed, code);
        Assert.Contains($"FAIL  the prepared input {missing} (SelfTest:InputPath) cannot be read", Line(stdout, "inference"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_ModelWithWrongOutputShape_ModelFailsWithTheShape()
    {
        var model = TestModels.WrongShape(_temp.File("wrong.onnx"));

        var (code, stdout, _) = await RunAsync(json: false, AllButModel, $"--Detector:ModelPath={model}");

        Assert.Equal(SelfTestCommand.ExitFailed, code);
        var line = Line(stdout, "model");
        Assert.Contains("FAIL", line, StringComparison.Ordinal);
        Assert.Contains("[1, 7]", line, StringComparison.Ordinal);
        Assert.Contains("FAIL", Line(stdout, "inference"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_ReadOnlyDatabaseFolder_StorageFailsNamingTheFolder()
    {
        var folder = _temp.Folder("read-only");
        using var readOnly = ReadOnlyFolder.Make(folder);

        var (code, stdout, _) = await RunAsync(json: false, Except("storage"), $"--Storage:Path={Path.Combine(folder, "edge.db")}");

        Assert.Equal(SelfTestCommand.ExitFailed, code);
        Assert.Contains($"FAIL  the database folder {folder} (Storage:Path) is not writable", Line(stdout, "storage"), StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(folder));
    }

    [Fact]
    public async Task RunAsync_NoBrokerOnThePort_BrokerFails()
    {
        using var refused = LoopbackPort.Refused();

        var (code, stdout, _) = await RunAsync(json: false, Except("broker"), $"--Mqtt:Port={refused.Port}");

        Assert.Equal(SelfTestCommand.ExitFailed, code);
        Assert.Contains($"FAIL  cannot connect to the broker 127.0.0.1:{refused.Port} (Mqtt:Host, Mqtt:Port)", Line(stdout, "broker"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_NoCloudOnThePort_CloudFails()
    {
        using var refused = LoopbackPort.Refused();

        var (code, stdout, _) = await RunAsync(json: false, Except("cloud"), $"--Cloud:Address=http://127.0.0.1:{refused.Port}");

        Assert.Equal(SelfTestCommand.ExitFailed, code);
        Assert.Contains($"FAIL  cannot reach the cloud at http://127.0.0.1:{refused.Port} (Cloud:Address): Unavailable", Line(stdout, "cloud"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_OneOfTwoReplicasRefuses_CloudFailsNamingThatReplica()
    {
        await using var cloud = await TestCloud.StartAsync(static r => TestCloud.Stored(r));
        using var refused = LoopbackPort.Refused();

        var (code, stdout, _) = await RunAsync(
            json: false,
            Except("cloud"),
            $"--Cloud:Addresses:0={cloud.Address}",
            $"--Cloud:Addresses:1=http://127.0.0.1:{refused.Port}");

        Assert.Equal(SelfTestCommand.ExitFailed, code);
        var line = Line(stdout, "cloud");
        Assert.Contains("FAIL  1 of 2 replicas in Cloud:Addresses fail", line, StringComparison.Ordinal);
        Assert.Contains($"{cloud.Address} answers the gRPC health check: SERVING", line, StringComparison.Ordinal);
        Assert.Contains($"cannot reach the cloud at http://127.0.0.1:{refused.Port} (Cloud:Addresses): Unavailable", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_NoPublisherKey_KeysFails()
    {
        var empty = _temp.Folder("no-keys");

        var (code, stdout, _) = await RunAsync(json: false, Except("keys"), $"--Ota:TrustedKeysPath={empty}");

        Assert.Equal(SelfTestCommand.ExitFailed, code);
        var line = Line(stdout, "keys");
        Assert.Contains($"FAIL  Ota:TrustedKeysPath {empty} holds no publisher key (*.pem)", line, StringComparison.Ordinal);
        Assert.Contains("1 control key", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_SourceThatEndsAtOnce_SourceFails()
    {
        var empty = _temp.Folder("no-images");

        var (code, stdout, _) = await RunAsync(json: false, Except("source"), $"--Capture:Source=folder:{empty}");

        Assert.Equal(SelfTestCommand.ExitFailed, code);
        Assert.Contains("FAIL", Line(stdout, "source"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--skip", "camera")]
    [InlineData("--verbose", "")]
    [InlineData("--Edge:DeviceId=", "")]
    public async Task RunAsync_UsageOrConfigurationError_ExitsTwoSayingWhy(string option, string value)
    {
        string[] extra = value.Length == 0 ? [option] : [option, value];

        var (code, stdout, stderr) = await RunAsync(json: true, [], extra);

        Assert.Equal(SelfTestCommand.ExitUsage, code);
        Assert.Empty(stdout);
        Assert.StartsWith("self-test: ", stderr, StringComparison.Ordinal);
    }

    public void Dispose() => _temp.Dispose();

    private static string[] Except(string check) =>
        [.. new[] { "provider", "model", "inference", "source", "storage", "broker", "cloud", "keys" }.Where(c => c != check)];

    private static string Line(string text, string check) =>
        text.Split('\n').SingleOrDefault(l => l.StartsWith(check + " ", StringComparison.Ordinal)) ?? throw new Xunit.Sdk.XunitException($"no '{check}' line in:\n{text}");

    private async Task<(int Code, string Stdout, string Stderr)> RunAsync(bool json, string[] skip, params string[] extra)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        string[] args =
        [
            SelfTestCommand.Verb,
            .. json ? ["--json"] : Array.Empty<string>(),
            .. skip.Length == 0 ? Array.Empty<string>() : ["--skip", string.Join(',', skip)],
            "--Edge:DeviceId=self-test-device",
            $"--Capture:Source=folder:{_images}",
            $"--Detector:ModelPath={RepositoryRoot.Combine("models", "edge", "inspection-edge.onnx")}",
            "--Detector:ExecutionProviders:0=CPU",
            $"--SelfTest:InputPath={RepositoryRoot.Combine("models", "edge", "self-test-input.rgb")}",
            "--SelfTest:TimeoutSeconds=10",
            $"--Storage:Path={Path.Combine(_temp.Path, "data", "edge.db")}",
            $"--Ota:TrustedKeysPath={_keys}",
            $"--Control:TrustedKeysPath={_keys}",
            .. extra,
        ];
        var code = await SelfTestCommand.RunAsync(args, output, error, TestContext.Current.CancellationToken);
        return (code, output.ToString(), error.ToString());
    }
}
