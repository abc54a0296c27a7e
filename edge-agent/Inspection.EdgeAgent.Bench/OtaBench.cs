using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using Inspection.Contracts.Mqtt;
using Inspection.Detection.Packaging;
using Inspection.EdgeAgent;
using Inspection.EdgeAgent.Control;
using Inspection.EdgeAgent.Diagnostics;
using Inspection.EdgeAgent.Inspection;
using Inspection.EdgeAgent.Ota;
using Inspection.EdgeAgent.Storage;
using Inspection.ModelTools.Line;
using Inspection.ModelTools.Packaging;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;

namespace Inspection.EdgeAgent.Bench;

/// <summary>
/// <c>bench-ota</c>: one edge agent (the real host, in this process) inspecting the synthetic line at a fixed frame
/// rate takes model updates served over HTTP on loopback, one after another: the shipped edge model packed again
/// under releases 1, 2, … Prints, per update, how long desired → committed took and each step of it, the swap gap
/// (last decision on the old model to first on the new, against one frame interval), the frame rate the line kept
/// while a second model ran beside the deciding one and the share of frames it ran on; at the end the frames
/// inspected against the sequences used (a frame dropped or inspected twice would show as a difference).
/// Measures; asserts nothing.
/// </summary>
public static class OtaBench
{
    public static Command Create()
    {
        var model = new Option<FileInfo>("--model") { Description = "The .onnx model each release packs.", DefaultValueFactory = _ => new FileInfo("models/edge/inspection-edge.onnx") };
        var swaps = new Option<int>("--swaps") { Description = "Updates, one after another.", DefaultValueFactory = _ => 3 };
        var fps = new Option<int>("--fps") { Description = "Frames per second of the line (Capture:MaxFps).", DefaultValueFactory = _ => 15 };
        var shadow = new Option<int>("--shadow-frames") { Description = "Ota:ShadowFrames.", DefaultValueFactory = _ => 50 };
        var health = new Option<int>("--health-frames") { Description = "Ota:HealthFrames.", DefaultValueFactory = _ => 30 };
        var command = new Command("bench-ota", "Time model updates of one edge agent on loopback: desired → committed, each step, the swap gap, frames dropped.")
        {
            model, swaps, fps, shadow, health,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var file = parse.GetValue(model)!;
            if (!file.Exists)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"bench-ota: no model at '{file.FullName}'.").ConfigureAwait(false);
                return 2;
            }

            await RunAsync(file.FullName, Math.Max(1, parse.GetValue(swaps)), Math.Max(1, parse.GetValue(fps)), parse.GetValue(shadow), parse.GetValue(health), parse.InvocationConfiguration.Output, cancellationToken).ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    private static async Task RunAsync(string modelPath, int swaps, int fps, int shadowFrames, int healthFrames, TextWriter output, CancellationToken cancellationToken)
    {
        var folder = Directory.CreateTempSubdirectory("bench-ota-").FullName;
        try
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var trusted = Directory.CreateDirectory(Path.Combine(folder, "trusted-keys")).FullName;
            await File.WriteAllTextAsync(Path.Combine(trusted, "publisher.pem"), key.ExportSubjectPublicKeyInfoPem(), cancellationToken).ConfigureAwait(false);
            var served = Directory.CreateDirectory(Path.Combine(folder, "served")).FullName;
            await using var server = await StartServerAsync(served, cancellationToken).ConfigureAwait(false);
            var baseAddress = server.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

            var video = Path.Combine(folder, "line");
            using (var line = new SyntheticLine(7))
            {
                LineExporter.Export(line, video, 300, fps, images: false, cancellationToken);
            }

            using var host = BuildAgent(folder, modelPath, Path.Combine(video, LineExporter.VideoFileName), trusted, fps, shadowFrames, healthFrames);
            var feed = host.Services.GetRequiredService<OtaProgressFeed>();
            var steps = new List<(OtaProgress Progress, long Frames)>();
            var stats = host.Services.GetRequiredService<EdgeStats>();
            feed.Published += progress =>
            {
                lock (steps)
                {
                    steps.Add((progress, stats.Frames));
                }
            };
            await host.StartAsync(cancellationToken).ConfigureAwait(false);
            var models = host.Services.GetRequiredService<ActiveModel>();
            var state = host.Services.GetRequiredService<DeviceState>();
            var interval = 1000.0 / fps;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"bench-ota: {Path.GetFileName(modelPath)} at {fps} fps (frame interval {interval:0.0} ms), shadow {shadowFrames} frames, health window {healthFrames} frames, {Environment.ProcessorCount} cores"));
            output.WriteLine("release  desired→committed  download  verify  load  golden  shadow  health   swap gap  1st new frame late  fps in shadow+health  both models on  result");

            var totals = new List<double>();
            var gaps = new List<double>();
            var late = new List<double>();
            var rates = new List<double>();
            var shares = new List<double>();
            var images = ModelPacker.GoldenImages(4242, 3).Select(g => g.Png).ToList();
            for (var release = 1L; release <= swaps; release++)
            {
                var target = Publish(served, new Uri(baseAddress + "/"), modelPath, images, release, key);
                var clock = Stopwatch.StartNew();
                state.Apply(new DesiredState(MqttPayloads.SchemaVersion, release, DegradationModes.Normal, Model: target));
                OtaProgress? ended = null;
                while (ended is null)
                {
                    await Task.Delay(20, cancellationToken).ConfigureAwait(false);
                    lock (steps)
                    {
                        ended = steps.Select(s => s.Progress).LastOrDefault(p => p.Release == release && OtaStates.IsFinal(p.State));
                    }
                }

                var total = clock.Elapsed.TotalMilliseconds;
                List<(OtaProgress Progress, long Frames)> mine;
                lock (steps)
                {
                    mine = [.. steps.Where(p => p.Progress.Release == release)];
                }

                (OtaProgress Progress, long Frames)? First(string state) =>
                    mine.FirstOrDefault(p => p.Progress.State == state) is { Progress: not null } found ? found : null;
                double Phase(string from, string to) =>
                    First(from) is { } start && First(to) is { } end ? (end.Progress.At - start.Progress.At).TotalMilliseconds : double.NaN;

                // Frames the line inspected while a second model ran beside the deciding one, and how many it ran on.
                var gap = models.LastSwap?.Gap.TotalMilliseconds ?? double.NaN;
                var lateness = models.LastSwap?.FirstFrameLateness.TotalMilliseconds ?? double.NaN;
                var (rate, share) = First(OtaStates.Shadowing) is { } shadowStart && First(OtaStates.Committed) is { } committed
                    ? ((committed.Frames - shadowStart.Frames) / (committed.Progress.At - shadowStart.Progress.At).TotalSeconds,
                        (double)(shadowFrames + healthFrames) / Math.Max(1, committed.Frames - shadowStart.Frames))
                    : (double.NaN, double.NaN);
                totals.Add(total);
                gaps.Add(gap);
                late.Add(lateness);
                rates.Add(rate);
                shares.Add(share);
                output.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"{release,7}  {total,15:0} ms  {Phase(OtaStates.Downloading, OtaStates.Verifying),8:0}  {Phase(OtaStates.Verifying, OtaStates.Loading),6:0}  {Phase(OtaStates.Loading, OtaStates.Validating),4:0}  {Phase(OtaStates.Validating, OtaStates.Shadowing),6:0}  {Phase(OtaStates.Shadowing, OtaStates.Swapped),6:0}  {Phase(OtaStates.Swapped, OtaStates.Committed),6:0}  {gap,6:0.0} ms  {lateness,15:0.0} ms  {rate,16:0.00} fps  {share,13:P0}  {ended.State}{(ended.State == OtaStates.Committed ? string.Empty : $": {ended.Reason}")}"));
            }

            await host.StopAsync(cancellationToken).ConfigureAwait(false);
            var results = host.Services.GetRequiredService<EdgeDatabase>().ResultCollection.FindAll().Select(r => r.Id).OrderBy(id => id).ToList();
            var gapsInSequence = results.Zip(results.Skip(1)).Count(pair => pair.Second != pair.First + 1);
            output.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"desired→committed: median {Median(totals):0} ms, worst {totals.Max():0} ms; swap gap (last decision on the old model to first on the new): median {Median(gaps):0.0} ms, worst {gaps.Max():0.0} ms against a {interval:0.0} ms frame interval ({gaps.Count(g => g <= interval)} of {gaps.Count} within one interval, {gaps.Count(g => g <= interval + 1)} within it + 1 ms); the first frame on the new model started after its slot by median {Median(late):0.0} ms, worst {late.Max():0.0} ms (the timer's wake-up included); frame rate during the changes: median {Median(rates):0.00} fps, lowest {rates.Min():0.00} fps; second model on {Median(shares):P0} of those frames (median)"));
            output.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"frames inspected {stats.Frames}, results stored {results.Count}, sequences {results.FirstOrDefault()}–{results.LastOrDefault()}, breaks in the sequence {gapsInSequence}, model errors {stats.DetectorErrors}, frames dropped {stats.Frames - results.Count + gapsInSequence}"));
        }
        finally
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static IHost BuildAgent(string folder, string modelPath, string video, string trusted, int fps, int shadowFrames, int healthFrames)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], ContentRootPath = folder, EnvironmentName = "Bench" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Edge:DeviceId"] = "bench-device",
            ["Capture:Source"] = "file:" + video,
            ["Capture:Loop"] = "true",
            ["Capture:MaxFps"] = fps.ToString(CultureInfo.InvariantCulture),
            ["Detector:ModelPath"] = modelPath,
            ["Detector:ExecutionProviders:0"] = "CPU",
            ["Detector:IouThreshold"] = "0.3",
            ["Storage:Path"] = Path.Combine(folder, "edge.db"),
            ["Cloud:Address"] = "http://127.0.0.1:1",
            ["Mqtt:Port"] = "1",
            ["Ota:TrustedKeysPath"] = trusted,
            // The bench applies desired states directly, never over MQTT; the agent still needs a key pinned to start.
            ["Control:TrustedKeysPath"] = trusted,
            ["Ota:ModelsPath"] = Path.Combine(folder, "models"),
            ["Ota:ShadowFrames"] = shadowFrames.ToString(CultureInfo.InvariantCulture),
            ["Ota:HealthFrames"] = healthFrames.ToString(CultureInfo.InvariantCulture),
            ["Ota:MinFreeDiskMegabytes"] = "1",
        });
        builder.Logging.ClearProviders();
        builder.AddEdgeAgent();
        return builder.Build();
    }

    private static ModelTarget Publish(string served, Uri baseAddress, string modelPath, List<byte[]> images, long release, ECDsa key)
    {
        using var archive = new MemoryStream();
        ModelPackageBuilder.Build(
            modelPath, images, new PackageDetails(release, null, null, new RecommendedSettings(0.25f, 0.85f, 0.15f, 0.3f, false), "1.0.0", GoldenTolerance.Default), key, TimeProvider.System, archive);
        archive.Position = 0;
        using var trust = TrustedKeys.Of("bench", key);
        var package = ModelPackage.Open(archive, trust, long.MaxValue);
        var folder = Directory.CreateDirectory(Path.Combine(served, release.ToString(CultureInfo.InvariantCulture))).FullName;
        File.WriteAllBytes(Path.Combine(folder, ModelPackage.ManifestFile), package.ManifestBytes);
        foreach (var (path, bytes) in package.Files)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(folder, path))!);
            File.WriteAllBytes(Path.Combine(folder, path), bytes);
        }

        var manifest = package.Manifest;
        return new ModelTarget(
            manifest.Name, release, manifest.Version, manifest.Model.Sha256, manifest.Model.Size,
            new Uri(baseAddress, $"{release}/{ModelPackage.ManifestFile}").AbsoluteUri, ModelPackage.Sha256Of(package.ManifestBytes), package.Signature);
    }

    private static async Task<WebApplication> StartServerAsync(string folder, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.MapGet("/{**path}", (string path) =>
        {
            var file = Path.GetFullPath(Path.Combine(folder, path));
            if (!file.StartsWith(folder + Path.DirectorySeparatorChar, StringComparison.Ordinal) || !File.Exists(file))
            {
                return Results.NotFound();
            }

            var sha = ModelPackage.Sha256OfFile(file);
            return Results.File(file, "application/octet-stream", enableRangeProcessing: true, entityTag: new EntityTagHeaderValue($"\"{sha}\""));
        });
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        return app;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Where(v => !double.IsNaN(v)).Order().ToList();
        return sorted.Count == 0 ? double.NaN
            : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2]
            : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
