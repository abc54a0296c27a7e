using System.Collections.Concurrent;
using System.CommandLine;
using System.Diagnostics.Tracing;
using System.Globalization;
using Google.Protobuf;
using Grpc.Net.Client;
using Inspection.CloudInference.Escalations;
using Inspection.Contracts.V1;
using Inspection.ModelTools.Line;
using Inspection.ModelTools.Models;
using Microsoft.Extensions.DependencyInjection;
using OpenCvSharp;

namespace Inspection.CloudInference.Bench;

/// <summary>
/// <c>bench-alloc</c>: managed bytes allocated per escalated frame on the cloud's path, the real cloud app (real cloud
/// model, LiteDB store) and a gRPC client in this process, one stream per call. Frames of three sizes run side by side
/// in one run: the allocation that grows with the JPEG, divided by the JPEG's growth, says how many times each JPEG
/// byte is copied on the way (parsing, storing; the client's request wraps the JPEG without a copy, as the edge does).
/// Native memory (OpenCV's decoded image, ONNX Runtime's buffers) is not counted. Measures; asserts nothing.
/// </summary>
public static class AllocationBench
{
    public static Command Create()
    {
        var frames = new Option<int>("--frames") { Description = "Frames per size, after 8 not counted.", DefaultValueFactory = _ => 60 };
        var model = new Option<FileInfo>("--model")
        {
            Description = "The cloud model.",
            DefaultValueFactory = _ => new FileInfo(Path.Combine(BenchPaths.RepositoryRoot(), "models", ShippedModels.Cloud)),
        };
        var types = new Option<bool>("--types")
        {
            Description = "Also sample what is allocated (the runtime's allocation ticks, one per ~100 KiB) and print the types that take most.",
        };
        var command = new Command("bench-alloc", "Managed bytes allocated per escalated frame in the cloud, by JPEG size, in one run.") { frames, model, types };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var path = parse.GetValue(model)!.FullName;
            if (!File.Exists(path))
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"bench-alloc: no model at '{path}'.").ConfigureAwait(false);
                return 2;
            }

            var n = Math.Max(1, parse.GetValue(frames));
            var folder = Directory.CreateTempSubdirectory("bench-alloc-").FullName;
            try
            {
                await using var app = CloudInferenceApp.Build(
                [
                    "--Cloud:GrpcUrl=http://127.0.0.1:0",
                    "--Cloud:HttpUrl=http://127.0.0.1:0",
                    $"--Cloud:StoragePath={Path.Combine(folder, "cloud.db")}",
                    $"--Cloud:AgentReleases:StoragePath={Path.Combine(folder, "agent-releases")}",
                    $"--Cloud:Models:StoragePath={Path.Combine(folder, "models")}",
                    "--Cloud:Broker:Enabled=false",
                    $"--Detector:ModelPath={path}",
                    "--Logging:LogLevel:Default=Error",
                ]);
                await app.StartAsync(cancellationToken).ConfigureAwait(false);
                var port = app.Services.GetRequiredService<CloudEndpoints>().Grpc.Port;
                using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{port}");
                var client = new Escalation.EscalationClient(channel);

                await output.WriteLineAsync($"bench-alloc: {n} frames per size on one stream each, the cloud model on {app.Services.GetRequiredService<CloudDetector>().ExecutionProvider}, {BenchPaths.Cpu()}, {Environment.ProcessorCount} logical CPUs").ConfigureAwait(false);
                await output.WriteLineAsync("frame      JPEG KiB  allocated KiB/frame").ConfigureAwait(false);
                var rows = new List<(double Jpeg, double Allocated)>();
                using var ticks = parse.GetValue(types) ? new AllocationTicks() : null;
                ulong sequence = 0;
                foreach (var (width, height) in new[] { (320, 240), (640, 480), (1280, 960) })
                {
                    var jpegs = Render(width, height, 8);
                    await SendAsync(client, jpegs, 8, () => ++sequence, cancellationToken).ConfigureAwait(false);
                    var before = GC.GetTotalAllocatedBytes(precise: true);
                    await SendAsync(client, jpegs, n, () => ++sequence, cancellationToken).ConfigureAwait(false);
                    var perFrame = (GC.GetTotalAllocatedBytes(precise: true) - before) / (double)n;
                    var jpeg = Enumerable.Range(0, n).Average(i => jpegs[i % jpegs.Count].Length);
                    rows.Add((jpeg, perFrame));
                    await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{width}x{height,-5} {jpeg / 1024,9:F0}  {perFrame / 1024,19:F0}")).ConfigureAwait(false);
                }

                var slope = (rows[^1].Allocated - rows[0].Allocated) / (rows[^1].Jpeg - rows[0].Jpeg);
                if (ticks is not null)
                {
                    await output.WriteLineAsync("sampled allocations by type (each tick ~100 KiB, all three sizes):").ConfigureAwait(false);
                    foreach (var (type, count) in ticks.Top(12))
                    {
                        await output.WriteLineAsync($"  {count,6}  {type}").ConfigureAwait(false);
                    }
                }

                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"each further JPEG byte allocates {slope:F2} managed bytes (client and cloud together)")).ConfigureAwait(false);
                await app.StopAsync(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                Directory.Delete(folder, recursive: true);
            }

            return 0;
        });
        return command;
    }

    private static async Task SendAsync(Escalation.EscalationClient client, List<byte[]> jpegs, int count, Func<ulong> next, CancellationToken cancellationToken)
    {
        using var call = client.Escalate(cancellationToken: cancellationToken);
        var reading = Task.Run(async () =>
        {
            while (await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false))
            {
            }
        }, cancellationToken);
        for (var i = 0; i < count; i++)
        {
            var jpeg = jpegs[i % jpegs.Count];
            await call.RequestStream.WriteAsync(
                new EscalationRequest
                {
                    Key = new FrameKey { DeviceId = "bench-alloc", Sequence = next() },
                    LineId = "bench",
                    Jpeg = UnsafeByteOperations.UnsafeWrap(jpeg),
                    Width = 0,
                    Height = 0,
                },
                cancellationToken).ConfigureAwait(false);
        }

        await call.RequestStream.CompleteAsync().ConfigureAwait(false);
        await reading.ConfigureAwait(false);
    }

    private static List<byte[]> Render(int width, int height, int count)
    {
        using var line = new SyntheticLine(11, width, height);
        var jpegs = new List<byte[]>();
        for (var i = 0; i < count; i++)
        {
            using var frame = line.Render(i * 7L).Frame;
            Cv2.ImEncode(".jpg", frame, out var jpeg);
            jpegs.Add(jpeg);
        }

        return jpegs;
    }

    // The runtime's GC AllocationTick events in this process, counted by type: where the managed bytes go, without a
    // profiler attached.
    private sealed class AllocationTicks : EventListener
    {
        private readonly ConcurrentDictionary<string, int> _counts = new(StringComparer.Ordinal);

        public IEnumerable<(string Type, int Count)> Top(int n) =>
            _counts.OrderByDescending(static c => c.Value).Take(n).Select(static c => (c.Key, c.Value));

        protected override void OnEventSourceCreated(EventSource eventSource)
        {
            if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
            {
                EnableEvents(eventSource, EventLevel.Verbose, (EventKeywords)0x1); // GC keyword: AllocationTick is verbose
            }
        }

        protected override void OnEventWritten(EventWrittenEventArgs eventData)
        {
            if (eventData.EventName?.StartsWith("GCAllocationTick", StringComparison.Ordinal) == true
                && eventData.PayloadNames?.IndexOf("TypeName") is int index and >= 0
                && eventData.Payload?[index] is string type)
            {
                _counts.AddOrUpdate(type, 1, static (_, c) => c + 1);
            }
        }
    }
}
