using LiteDB;

namespace Inspection.EndToEnd.Tests.Infrastructure;

/// <summary>
/// The whole system on loopback, as the demo runs it: a cloud process (with its embedded broker, or pointed at
/// a real mosquitto), and edge agent processes on synthetic line videos, each in its own temp folder.
/// </summary>
internal sealed class InspectionSystem : IAsyncDisposable
{
    private readonly List<ServiceProcess> _processes = [];

    public InspectionSystem()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("inspection-e2e-").FullName;
        // Chosen before anything starts, because an edge may start (and restart) before the cloud does; the cloud
        // binds them itself, and a first start that finds one taken picks new ones (StartCloudAsync).
        GrpcPort = LoopbackPort.Candidate();
        HttpPort = LoopbackPort.Candidate();
        MqttPort = LoopbackPort.Candidate();
        // The admin the cloud starts with, written by the cloud's own 'accounts' command as an operator would.
        Token = AddAdmin(Path.Combine(Directory, "cloud.db"));
        Api = new CloudApi($"http://127.0.0.1:{HttpPort}", Token);

        // The cloud's control key where the cloud would generate it beside its database, made now because an edge
        // may start first and refuses to start without the public half pinned.
        using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        File.WriteAllText(Path.Combine(Directory, "control.private.pem"), key.ExportPkcs8PrivateKeyPem());
        ControlKeysFolder = System.IO.Directory.CreateDirectory(Path.Combine(Directory, "control-keys")).FullName;
        File.WriteAllText(Path.Combine(ControlKeysFolder, "control.public.pem"), key.ExportSubjectPublicKeyInfoPem());
    }

    /// <summary>The cloud's control public key, which every edge pins (Control:TrustedKeysPath).</summary>
    public string ControlKeysFolder { get; }

    public string Directory { get; }

    public int GrpcPort { get; private set; }

    public int HttpPort { get; private set; }

    public int MqttPort { get; set; }

    public CloudApi Api { get; private set; }

    /// <summary>The admin account of the cloud, for the page's sign-in form.</summary>
    public const string AdminName = "e2e-admin";

    public const string AdminPassword = "e2e-admin-password";

    /// <summary>An API token of <see cref="AdminName"/>; <see cref="Api"/> sends it.</summary>
    public string Token { get; }

    public ServiceProcess? Cloud { get; private set; }

    /// <summary>Renders a synthetic line video (the demo's generator) and returns its path.</summary>
    public string RenderLine(int seed, int frames)
    {
        var folder = Path.Combine(Directory, $"line-{seed}");
        var result = Inspection.ModelTools.Line.LineExporter.Export(
            new Inspection.ModelTools.Line.SyntheticLine(seed, 640, 480), folder, frames, 15, images: false, CancellationToken.None);
        Assert.True(result.VideoWritten, "the synthetic line video was not written");
        Assert.True(result.Defects > 0, $"seed {seed} puts no defect into its first {frames} frames; the scenario would prove nothing");
        return Path.Combine(folder, Inspection.ModelTools.Line.LineExporter.VideoFileName);
    }

    public async Task<ServiceProcess> StartCloudAsync(bool embeddedBroker, CancellationToken cancellationToken, params string[] extra)
    {
        for (var attempt = 1; ; attempt++)
        {
            var cloud = Track(ServiceProcess.StartDotnet(
                "cloud",
                RepoPaths.CloudInferenceDll,
                [
                    $"--Cloud:GrpcUrl=http://127.0.0.1:{GrpcPort}",
                    $"--Cloud:HttpUrl=http://127.0.0.1:{HttpPort}",
                    $"--Cloud:Broker:Enabled={embeddedBroker}",
                    $"--Cloud:Broker:Port={MqttPort}",
                    $"--Cloud:Mqtt:Port={MqttPort}",
                    "--Cloud:Mqtt:ReconnectSeconds=1",
                    $"--Cloud:StoragePath={Path.Combine(Directory, "cloud.db")}",
                    $"--Detector:ModelPath={RepoPaths.CloudModel}",
                    .. extra,
                ],
                Directory));
            // A cloud that stopped answers nothing: look at the process before asking it, or the refused connections
            // would hide the exit until the timeout.
            await Eventually.WaitAsync(
                "the cloud to serve /api/summary, or to stop",
                async ct => cloud.HasExited || (await Api.GetAsync("/api/summary", ct)).ValueKind == System.Text.Json.JsonValueKind.Object,
                done => done,
                TimeSpan.FromSeconds(90),
                cancellationToken);
            if (!cloud.HasExited)
            {
                Cloud = cloud;
                return cloud;
            }

            // A port another process took between the choice and the bind: nothing was told these ports yet when
            // this is the first process of the system, so new ones can be chosen.
            var portTaken = cloud.Output.Contains("address already in use", StringComparison.OrdinalIgnoreCase);
            if (!portTaken || _processes.Count > 1 || attempt == 5)
            {
                Assert.Fail($"The cloud stopped while starting (exit code {cloud.ExitCode}).{Environment.NewLine}{cloud}");
            }

            _processes.Remove(cloud);
            await cloud.DisposeAsync();
            GrpcPort = LoopbackPort.Candidate();
            HttpPort = LoopbackPort.Candidate();
            Api.Dispose();
            Api = new CloudApi($"http://127.0.0.1:{HttpPort}", Token);
            if (embeddedBroker)
            {
                MqttPort = LoopbackPort.Candidate();
            }
        }
    }

    public ServiceProcess StartEdge(string deviceId, string video, bool loop, int maxFps, params string[] extra)
    {
        var edge = ServiceProcess.StartDotnet(
            deviceId,
            RepoPaths.EdgeAgentDll,
            [
                $"--Edge:DeviceId={deviceId}",
                "--Edge:LineId=line-e2e",
                $"--Capture:Source=file:{video}",
                $"--Capture:Loop={loop}",
                $"--Capture:MaxFps={maxFps}",
                $"--Detector:ModelPath={RepoPaths.EdgeModel}",
                $"--Storage:Path={EdgeDatabasePath(deviceId)}",
                $"--Cloud:Address=http://127.0.0.1:{GrpcPort}",
                "--Cloud:MaxBackoffSeconds=2",
                $"--Mqtt:Port={MqttPort}",
                "--Mqtt:ReconnectDelaySeconds=1",
                $"--Control:TrustedKeysPath={ControlKeysFolder}",
                "--Reporting:IntervalSeconds=1",
                // The cloud and the agents share 2 cores here, so inference is often slower than these scenarios' frame
                // rates; none of them is about that, and reduced inspection would change what they observe.
                "--Degradation:InferenceSlowEnabled=false",
                // The scenarios widen the uncertain band below the default score threshold.
                "--Detector:ScoreThreshold=0.1",
                .. extra,
            ],
            Directory);
        return Track(edge);
    }

    public string EdgeDatabasePath(string deviceId) => Path.Combine(Directory, $"edge-{deviceId}.db");

    /// <summary>Reads an edge agent's LiteDB file after the agent stopped (LiteDB allows one process per file).</summary>
    public EdgeDatabaseSnapshot ReadEdgeDatabase(string deviceId)
    {
        using var db = new LiteDatabase(new ConnectionString { Filename = EdgeDatabasePath(deviceId), Connection = ConnectionType.Direct, ReadOnly = true });
        var results = db.GetCollection("results").FindAll().ToList();
        return new EdgeDatabaseSnapshot(
            results.Select(r => r["_id"].AsInt64).ToList(),
            results.Where(r => r["Decision"].AsString == "Uncertain").Select(r => r["_id"].AsInt64).ToList(),
            results.Where(r => r["Decision"].AsString == "Uncertain" && !r["CloudVerdict"].IsNull).Select(r => r["_id"].AsInt64).ToList(),
            db.GetCollection("outbox").Count(),
            db.GetCollection("rejected").Count());
    }

    /// <summary>The parts an agent recorded: id, the edge's decision, the cloud's verdict (null until it answered) and the frames it escalated.</summary>
    public IReadOnlyList<EdgePart> ReadEdgeParts(string deviceId)
    {
        using var db = new LiteDatabase(new ConnectionString { Filename = EdgeDatabasePath(deviceId), Connection = ConnectionType.Direct, ReadOnly = true });
        return db.GetCollection("parts").FindAll()
            .Select(p => new EdgePart(
                p["_id"].AsInt64,
                p["EdgeDecision"].AsString,
                p["CloudVerdict"].IsNull ? null : p["CloudVerdict"].AsString,
                p["EscalatedFrames"].AsArray.Select(f => f.AsInt64).ToList()))
            .ToList();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in Enumerable.Reverse(_processes))
        {
            await process.DisposeAsync();
        }

        Api.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static string AddAdmin(string storagePath)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var store = $"--Cloud:StoragePath={storagePath}";
        var added = Inspection.CloudInference.Accounts.AccountsCommand.RunAsync(
            ["accounts", "add", "--name", AdminName, "--role", "admin", "--password-stdin", store], new StringReader(AdminPassword), output, error).GetAwaiter().GetResult();
        Assert.True(added == 0, $"accounts add failed: {error}");
        var issued = Inspection.CloudInference.Accounts.AccountsCommand.RunAsync(
            ["accounts", "token", "--name", AdminName, store], TextReader.Null, output, error).GetAwaiter().GetResult();
        Assert.True(issued == 0, $"accounts token failed: {error}");
        return output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[^1];
    }

    public string Output() => string.Join(Environment.NewLine, _processes.Select(p => p.ToString()));

    private ServiceProcess Track(ServiceProcess process)
    {
        _processes.Add(process);
        return process;
    }
}

/// <summary>One part as an agent recorded it.</summary>
internal sealed record EdgePart(long Id, string EdgeDecision, string? CloudVerdict, IReadOnlyList<long> EscalatedFrames);

/// <summary>What an edge agent's database holds: every result id (= sequence), the uncertain ones, those with a cloud verdict.</summary>
internal sealed record EdgeDatabaseSnapshot(
    IReadOnlyList<long> Sequences,
    IReadOnlyList<long> Uncertain,
    IReadOnlyList<long> UncertainWithVerdict,
    int OutboxDepth,
    int Rejected);
