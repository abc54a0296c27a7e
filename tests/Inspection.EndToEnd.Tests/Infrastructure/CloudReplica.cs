using Grpc.Health.V1;
using Grpc.Net.Client;

namespace Inspection.EndToEnd.Tests.Infrastructure;

/// <summary>
/// One replica of the cloud as its own process (the real service on the real cloud model), on ports of its own, with
/// its store from a <see cref="ReplicaStore"/> and its own MQTT client id on a shared broker, as replicas run in
/// production. Ready once it answers the gRPC health check for escalations with SERVING.
/// </summary>
internal sealed class CloudReplica : IAsyncDisposable
{
    private CloudReplica(int index, ServiceProcess process, int grpcPort)
    {
        Index = index;
        Process = process;
        GrpcPort = grpcPort;
    }

    public int Index { get; }

    public ServiceProcess Process { get; }

    public int GrpcPort { get; }

    /// <summary>What an edge puts in <c>Cloud:Addresses</c>.</summary>
    public string Address => $"http://127.0.0.1:{GrpcPort}";

    public static Task<CloudReplica> StartAsync(int index, string directory, ReplicaStore store, int mqttPort, IEnumerable<string> extra, CancellationToken cancellationToken) =>
        LoopbackPort.BindAsync(
            grpcPort => StartOnAsync(index, grpcPort, LoopbackPort.Candidate(), directory, store, mqttPort, extra, cancellationToken),
            static ex => ex is ServiceExitedException && ex.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase));

    /// <summary>Resident and peak resident memory of the process now, from /proc (kB as the kernel reports them).</summary>
    public (long RssKb, long PeakKb) Memory()
    {
        var lines = File.ReadAllLines($"/proc/{Process.Id}/status");
        long Field(string name) => long.Parse(lines.Single(l => l.StartsWith(name + ":", StringComparison.Ordinal)).Split(':')[1].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        return (Field("VmRSS"), Field("VmHWM"));
    }

    public ValueTask DisposeAsync() => Process.DisposeAsync();

    private static async Task<CloudReplica> StartOnAsync(
        int index, int grpcPort, int httpPort, string directory, ReplicaStore store, int mqttPort, IEnumerable<string> extra, CancellationToken cancellationToken)
    {
        // Each replica a content root of its own: the control key it generates at start lives there.
        var root = Directory.CreateDirectory(Path.Combine(directory, $"replica-{index}")).FullName;
        var process = ServiceProcess.StartDotnet(
            $"cloud-{index}",
            RepoPaths.CloudInferenceDll,
            [
                $"--Cloud:GrpcUrl=http://127.0.0.1:{grpcPort}",
                $"--Cloud:HttpUrl=http://127.0.0.1:{httpPort}",
                "--Cloud:Broker:Enabled=false",
                $"--Cloud:Mqtt:Port={mqttPort}",
                $"--Cloud:Mqtt:ClientId=inspection-cloud-{index}",
                $"--Detector:ModelPath={RepoPaths.CloudModel}",
                .. store.Arguments(index),
                .. extra,
            ],
            root);
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{grpcPort}");
        var health = new Health.HealthClient(channel);
        bool serving;
        try
        {
            serving = await Eventually.WaitAsync(
                $"cloud replica {index} to answer SERVING, or to stop",
                async ct =>
                {
                    if (process.HasExited)
                    {
                        return false;
                    }

                    try
                    {
                        var reply = await health.CheckAsync(new HealthCheckRequest { Service = Inspection.Contracts.V1.Escalation.Descriptor.FullName }, deadline: DateTime.UtcNow.AddSeconds(2), cancellationToken: ct);
                        return reply.Status == HealthCheckResponse.Types.ServingStatus.Serving;
                    }
                    catch (Grpc.Core.RpcException)
                    {
                        return false;
                    }
                },
                done => done || process.HasExited,
                TimeSpan.FromSeconds(90),
                cancellationToken);
        }
        catch
        {
            // A start that timed out or was cancelled leaves no process behind.
            await process.DisposeAsync();
            throw;
        }

        if (!serving)
        {
            // Read before disposing: a disposed process has no exit code, and the output says why it stopped.
            var why = $"cloud replica {index} stopped while starting ({process.Stopped ?? "still running, not serving"}): {process.Output}";
            await process.DisposeAsync();
            throw new ServiceExitedException(why);
        }

        return new CloudReplica(index, process, grpcPort);
    }
}
