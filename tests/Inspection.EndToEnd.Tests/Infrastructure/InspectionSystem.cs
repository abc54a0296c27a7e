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
        GrpcPort = FreePort.Next();
        HttpPort = FreePort.Next();
        MqttPort = FreePort.Next();
        Api = new CloudApi($"http://127.0.0.1:{HttpPort}");
    }

    public string Directory { get; }

    public int GrpcPort { get; }

    public int HttpPort { get; }

    public int MqttPort { get; set; }

    public CloudApi Api { get; }

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

    public async Task<ServiceProcess> StartCloudAsync(bool embeddedBroker, CancellationToken cancellationToken)
    {
        Cloud = Track(ServiceProcess.StartDotnet(
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
            ],
            Directory));
        await Eventually.WaitAsync(
            "the cloud to serve /healthz",
            async ct => (await Api.GetAsync("/api/summary", ct)).ValueKind,
            kind => kind == System.Text.Json.JsonValueKind.Object,
            TimeSpan.FromSeconds(60),
            cancellationToken,
            Cloud);
        return Cloud;
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
                "--Reporting:IntervalSeconds=1",
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

    public string Output() => string.Join(Environment.NewLine, _processes.Select(p => p.ToString()));

    private ServiceProcess Track(ServiceProcess process)
    {
        _processes.Add(process);
        return process;
    }
}

/// <summary>What an edge agent's database holds: every result id (= sequence), the uncertain ones, those with a cloud verdict.</summary>
internal sealed record EdgeDatabaseSnapshot(
    IReadOnlyList<long> Sequences,
    IReadOnlyList<long> Uncertain,
    IReadOnlyList<long> UncertainWithVerdict,
    int OutboxDepth,
    int Rejected);
