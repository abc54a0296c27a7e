using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Inspection.Contracts.V1;
using Inspection.EdgeAgent.Degradation;
using Inspection.EdgeAgent.Forwarding;
using Inspection.ModelTools.Line;
using OpenCvSharp;
using EdgeCloudOptions = Inspection.EdgeAgent.Forwarding.CloudOptions;

namespace Inspection.CloudInference.Bench;

/// <summary>
/// <c>bench-replicas</c>: the same load against one cloud replica and against two, side by side in one run. Each
/// replica is the real cloud as its own process (real cloud model, its own LiteDB file); C concurrent clients each
/// hold the channel an edge holds (<see cref="CloudChannel"/>: one address, or round robin over both replicas) and
/// stream synthetic line frames in calls of B frames. Prints throughput, p50 / p99 reply latency per frame (from its
/// write to its reply), the busy answers (<c>RESOURCE_EXHAUSTED</c>, waited out as the hint says and sent again) and
/// how the frames were split. One replica runs twice, with the ONNX Runtime threads of one replica and with those of
/// two. Measures; asserts nothing.
/// </summary>
public static class ReplicaBench
{
    public static Command Create()
    {
        var frames = new Option<int>("--frames") { Description = "Frames per setting.", DefaultValueFactory = _ => 600 };
        var clients = new Option<int>("--clients") { Description = "Concurrent clients (each its own channel, as edges).", DefaultValueFactory = _ => 20 };
        var batch = new Option<int>("--batch") { Description = "Frames per call.", DefaultValueFactory = _ => 4 };
        var threads = new Option<int>("--threads") { Description = "ONNX Runtime intra-op threads per replica (at least 1); the single replica also runs with twice as many.", DefaultValueFactory = _ => 1 };
        var cloudDll = new Option<FileInfo>("--cloud") { Description = "The built cloud service.", DefaultValueFactory = _ => new FileInfo(Built("cloud-inference/Inspection.CloudInference/bin/{0}/net10.0/Inspection.CloudInference.dll")) };
        var command = new Command("bench-replicas", "Throughput and reply latency of one cloud replica against two under the same load, from concurrent edge channels.")
        {
            frames, clients, batch, threads, cloudDll,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var cloud = parse.GetValue(cloudDll)!;
            if (!cloud.Exists)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"bench-replicas: no cloud service at '{cloud.FullName}'; build Inspection.sln first.").ConfigureAwait(false);
                return 2;
            }

            var plan = new Plan(Math.Max(1, parse.GetValue(frames)), Math.Max(1, parse.GetValue(clients)), Math.Clamp(parse.GetValue(batch), 1, 64), Math.Max(0, parse.GetValue(threads)));
            var output = parse.InvocationConfiguration.Output;
            var jpegs = Render(8);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"bench-replicas: {plan.Frames} frames per setting from {plan.Clients} clients, {plan.Batch} frames per call, {jpegs.Average(j => j.Length) / 1024:0} KiB JPEGs; {BenchPaths.Cpu()}, {Environment.ProcessorCount} logical CPUs (the replicas share them)"));
            output.WriteLine("| replicas | threads each | frames/s | p50 ms | p99 ms | busy answers | frames per replica |");
            output.WriteLine("|---:|---:|---:|---:|---:|---:|---|");

            // One replica with the threads of one and with the threads of two, so the second replica's gain is not
            // mistaken for the gain of the threads it brings.
            var threadsEach = Math.Max(1, plan.Threads);
            foreach (var (replicas, threadCount) in new[] { (1, threadsEach), (1, threadsEach * 2), (2, threadsEach) })
            {
                output.WriteLine(await RunAsync(cloud.FullName, replicas, plan with { Threads = threadCount }, jpegs, cancellationToken).ConfigureAwait(false));
            }

            return 0;
        });
        return command;
    }

    private static async Task<string> RunAsync(string dll, int replicas, Plan plan, List<byte[]> jpegs, CancellationToken cancellationToken)
    {
        var folder = Directory.CreateTempSubdirectory("bench-replicas-").FullName;
        var processes = new List<(Process Process, string Address)>();
        try
        {
            for (var i = 0; i < replicas; i++)
            {
                processes.Add(StartReplica(dll, Path.Combine(folder, $"replica-{i}"), plan.Threads));
            }

            foreach (var (process, address) in processes)
            {
                await WaitServingAsync(process, address, cancellationToken).ConfigureAwait(false);
            }

            var addresses = processes.Select(p => p.Address).ToList();
            var channels = Enumerable.Range(0, plan.Clients)
                .Select(_ => CloudChannel.Create(new EdgeCloudOptions { Addresses = addresses }, new DegradationOptions(), tls: null))
                .ToList();
            try
            {
                var busy = 0;

                // One frame per client first: connections made and the model's batch shapes warm before anything is timed.
                await Task.WhenAll(channels.Select((c, i) => SendAsync(c, $"warm-{i}", 1, [jpegs[0]], null, cancellationToken))).ConfigureAwait(false);

                var latencies = new double[plan.Frames];
                var next = -1;
                var wall = Stopwatch.StartNew();
                await Task.WhenAll(channels.Select((channel, client) => Task.Run(async () =>
                {
                    var sequence = 0UL;
                    while (true)
                    {
                        var first = Interlocked.Add(ref next, plan.Batch) - plan.Batch + 1;
                        if (first >= plan.Frames)
                        {
                            return;
                        }

                        var count = Math.Min(plan.Batch, plan.Frames - first);
                        var frames = Enumerable.Range(first, count).Select(i => jpegs[i % jpegs.Count]).ToList();
                        var slice = new ArraySegment<double>(latencies, first, count);
                        while (true)
                        {
                            try
                            {
                                await SendAsync(channel, $"bench-{client}", sequence + 1, frames, slice, cancellationToken).ConfigureAwait(false);
                                sequence += (ulong)count;
                                break;
                            }
                            catch (RpcException ex) when (ex.StatusCode == StatusCode.ResourceExhausted)
                            {
                                Interlocked.Increment(ref busy);
                                var hint = ex.Trailers.GetValue(OutboxForwarder.RetryPushbackTrailer);
                                await Task.Delay(int.TryParse(hint, CultureInfo.InvariantCulture, out var ms) ? ms : 200, cancellationToken).ConfigureAwait(false);
                            }
                        }
                    }
                }, cancellationToken))).ConfigureAwait(false);
                wall.Stop();

                Array.Sort(latencies);
                var perReplica = await StoredPerReplicaAsync(processes, folder).ConfigureAwait(false);
                return string.Create(CultureInfo.InvariantCulture,
                    $"| {replicas} | {plan.Threads} | {plan.Frames / wall.Elapsed.TotalSeconds:0.0} | {Percentile(latencies, 0.50):0} | {Percentile(latencies, 0.99):0} | {busy} | {string.Join(" / ", perReplica)} |");
            }
            finally
            {
                channels.ForEach(c => c.Dispose());
            }
        }
        finally
        {
            foreach (var (process, _) in processes)
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                    await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
                }

                process.Dispose();
            }

            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    // One call with the frames; each frame's reply latency into 'latencies' (write → reply).
    private static async Task SendAsync(GrpcChannel channel, string device, ulong firstSequence, List<byte[]> frames, ArraySegment<double>? latencies, CancellationToken cancellationToken)
    {
        var client = new Escalation.EscalationClient(channel);
        using var call = client.Escalate(deadline: DateTime.UtcNow.AddSeconds(60), cancellationToken: cancellationToken);
        var written = new long[frames.Count];
        var reading = Task.Run(async () =>
        {
            var answered = 0;
            while (await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false))
            {
                var index = (int)(call.ResponseStream.Current.Key.Sequence - firstSequence);
                if (latencies is { } slice && index >= 0 && index < slice.Count)
                {
                    slice[index] = Stopwatch.GetElapsedTime(written[index]).TotalMilliseconds;
                }

                answered++;
            }

            return answered;
        }, cancellationToken);
        for (var i = 0; i < frames.Count; i++)
        {
            written[i] = Stopwatch.GetTimestamp();
            await call.RequestStream.WriteAsync(Request(device, firstSequence + (ulong)i, frames[i]), cancellationToken).ConfigureAwait(false);
        }

        await call.RequestStream.CompleteAsync().ConfigureAwait(false);
        await reading.ConfigureAwait(false);
    }

    // How the balancer split the timed frames: each replica stopped, its own LiteDB file counted.
    private static async Task<List<int>> StoredPerReplicaAsync(List<(Process Process, string Address)> processes, string folder)
    {
        var counts = new List<int>();
        for (var i = 0; i < processes.Count; i++)
        {
            processes[i].Process.Kill(entireProcessTree: true);
            await processes[i].Process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            using var db = new LiteDB.LiteDatabase(new LiteDB.ConnectionString { Filename = Path.Combine(folder, $"replica-{i}", "cloud.db"), Connection = LiteDB.ConnectionType.Direct });
            counts.Add(db.GetCollection("escalations").Count(LiteDB.Query.StartsWith("DeviceId", "bench-")));
        }

        return counts;
    }

    private static EscalationRequest Request(string device, ulong sequence, byte[] jpeg) => new()
    {
        Key = new FrameKey { DeviceId = device, Sequence = sequence },
        LineId = "line-bench",
        CapturedAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(DateTime.UtcNow),
        Jpeg = ByteString.CopyFrom(jpeg),
        Width = 640,
        Height = 480,
        EdgeModel = new ModelRef { Name = "inspection-edge", Version = "1.0.0" },
        Reason = "uncertain: scratch 0.50",
    };

    private static (Process Process, string Address) StartReplica(string dll, string folder, int threads)
    {
        Directory.CreateDirectory(folder);
        var (grpcPort, httpPort) = (FreePort(), FreePort());
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = folder };
        foreach (var arg in new[]
                 {
                     dll,
                     $"--Cloud:GrpcUrl=http://127.0.0.1:{grpcPort}", $"--Cloud:HttpUrl=http://127.0.0.1:{httpPort}",
                     "--Cloud:Broker:Enabled=false", $"--Cloud:Mqtt:Port={FreePort()}",
                     $"--Cloud:StoragePath={Path.Combine(folder, "cloud.db")}",
                     $"--Detector:ModelPath={Built("models/cloud/inspection-cloud.onnx")}",
                     $"--Detector:IntraOpThreads={threads}",
                     "--Logging:LogLevel:Default=Warning",
                 })
        {
            info.ArgumentList.Add(arg);
        }

        var process = Process.Start(info)!;
        _ = process.StandardOutput.BaseStream.CopyToAsync(Stream.Null);
        _ = process.StandardError.BaseStream.CopyToAsync(Stream.Null);
        return (process, $"http://127.0.0.1:{grpcPort}");
    }

    private static async Task WaitServingAsync(Process process, string address, CancellationToken cancellationToken)
    {
        using var channel = GrpcChannel.ForAddress(address);
        var health = new Health.HealthClient(channel);
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(120))
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"the cloud replica at {address} exited with {process.ExitCode} while starting");
            }

            try
            {
                var reply = await health.CheckAsync(new HealthCheckRequest { Service = Escalation.Descriptor.FullName }, deadline: DateTime.UtcNow.AddSeconds(2), cancellationToken: cancellationToken).ConfigureAwait(false);
                if (reply.Status == HealthCheckResponse.Types.ServingStatus.Serving)
                {
                    return;
                }
            }
            catch (RpcException)
            {
            }

            await Task.Delay(250, cancellationToken).ConfigureAwait(false);
        }

        throw new TimeoutException($"the cloud replica at {address} did not answer SERVING within 120 s");
    }

    private static List<byte[]> Render(int count)
    {
        using var line = new SyntheticLine(2705);
        return [.. Enumerable.Range(0, count).Select(i =>
        {
            using var rendered = line.Render(300 + (i * 40));
            return rendered.Frame.ImEncode(".jpg", new ImageEncodingParam(ImwriteFlags.JpegQuality, 90));
        })];
    }

    private static double Percentile(double[] sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string Built(string relative)
    {
#if DEBUG
        const string configuration = "Debug";
#else
        const string configuration = "Release";
#endif
        return Path.GetFullPath(string.Format(CultureInfo.InvariantCulture, relative, configuration));
    }

    private sealed record Plan(int Frames, int Clients, int Batch, int Threads);
}
