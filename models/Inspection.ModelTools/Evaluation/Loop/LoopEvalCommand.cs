using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Inspection.Detection;
using Inspection.Detection.Parts;
using Inspection.ModelTools.Dataset;
using Inspection.ModelTools.Evaluation.Cascade;
using Inspection.ModelTools.Evaluation.Metrics;
using Inspection.ModelTools.Evaluation.Parts;
using Inspection.ModelTools.Line;
using Inspection.ModelTools.Models;

namespace Inspection.ModelTools.Evaluation.Loop;

/// <summary>
/// <c>loop-eval</c>: an edge model before and after a closed loop, side by side, on reserved seeds of every part
/// variant asked for, with the shipped edge and cloud bands for both (nothing is chosen here): the share of parts
/// escalated, defective parts passed (escapes), clean parts rejected, parts left to a person and what that means per
/// hour at the line's part rate, and the edge model's mAP50 on the test-split frames. Mean and worst over the seeds.
/// </summary>
public static class LoopEvalCommand
{
    public static Command Create()
    {
        var before = new Option<FileInfo>("--before") { Description = "The edge model before the loop.", DefaultValueFactory = _ => new FileInfo(Path.Combine("models", ShippedModels.Edge)) };
        var after = new Option<FileInfo>("--after") { Description = "The edge model after the loop.", Required = true };
        var cloud = new Option<FileInfo>("--cloud") { Description = "The cloud model (the same for both).", DefaultValueFactory = _ => new FileInfo(Path.Combine("models", ShippedModels.Cloud)) };
        var seeds = new Option<int[]>("--seeds")
        {
            Description = $"Dataset seeds whose test lines are evaluated: reserved ({SeedUse.Join(SeedUse.UnseenDatasetSeeds)}) for figures, or the loop's validation seeds ({SeedUse.Join(SeedUse.LoopValidationDatasetSeeds)}) for choosing its settings.",
            AllowMultipleArgumentsPerToken = true,
            DefaultValueFactory = _ => [.. SeedUse.UnseenDatasetSeeds.Take(3)],
        };
        var variants = new Option<LineVariant[]>("--variants")
        {
            Description = "Part variants to evaluate (a b).",
            AllowMultipleArgumentsPerToken = true,
            DefaultValueFactory = _ => [LineVariant.A, LineVariant.B],
            CustomParser = r => [.. r.Tokens.Select(t => Enum.TryParse<LineVariant>(t.Value, true, out var v) && Enum.IsDefined(v) && !int.TryParse(t.Value, out _) ? v : Fail(r, t.Value))],
        };
        var partFrames = new Option<int>("--part-frames") { Description = "Consecutive frames per line for the part figures (about 75 per part).", DefaultValueFactory = _ => 1500 };
        var mapFrames = new Option<int>("--map-frames") { Description = "Test-split frames per line for mAP50.", DefaultValueFactory = _ => 100 };
        var fps = new Option<double>("--fps") { Description = "The line's frame rate, for the figures per hour.", DefaultValueFactory = _ => 15 };
        var threads = new Option<int>("--threads") { Description = "CPU threads per inference (0: ONNX Runtime decides).", DefaultValueFactory = _ => 0 };
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder for loop-eval.json and loop-eval.md.", DefaultValueFactory = _ => new DirectoryInfo(Path.Combine("models", "generated", "loop-eval")) };
        seeds.Validators.Add(r =>
        {
            foreach (var seed in r.GetValueOrDefault<int[]>() ?? [])
            {
                if (!SeedUse.UnseenDatasetSeeds.Contains(seed) && !SeedUse.LoopValidationDatasetSeeds.Contains(seed))
                {
                    r.AddError($"--seeds: {seed} is neither a reserved dataset seed (before/after figures are reported on {SeedUse.Join(SeedUse.UnseenDatasetSeeds)} only) nor a loop validation seed ({SeedUse.Join(SeedUse.LoopValidationDatasetSeeds)}, for choosing the loop's settings).");
                }
            }
        });
        foreach (var model in new[] { before, after, cloud })
        {
            model.Validators.Add(r =>
            {
                if (r.GetValueOrDefault<FileInfo>() is { Exists: false } missing)
                {
                    r.AddError($"{model.Name}: no model at '{missing.FullName}'.");
                }
            });
        }

        partFrames.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 200 or > 100_000)
            {
                r.AddError($"--part-frames must be between 200 and 100000, got {r.GetValueOrDefault<int>()}.");
            }
        });
        mapFrames.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 1 || r.GetValueOrDefault<int>() > DatasetExporter.MaxFramesPerSplit)
            {
                r.AddError($"--map-frames must be between 1 and {DatasetExporter.MaxFramesPerSplit}, got {r.GetValueOrDefault<int>()}.");
            }
        });
        fps.Validators.Add(r =>
        {
            if (!(r.GetValueOrDefault<double>() is > 0 and < 1000))
            {
                r.AddError("--fps must be a positive frame rate below 1000.");
            }
        });

        var command = new Command("loop-eval", "Before/after a closed loop: escalations, escapes, items for a person per hour and mAP50 on reserved seeds of each part variant, shipped bands.")
        {
            before, after, cloud, seeds, variants, partFrames, mapFrames, fps, threads, output,
        };
        command.SetAction((parse, cancellationToken) => Task.FromResult(Run(
            new Dictionary<string, string> { ["before"] = parse.GetValue(before)!.FullName, ["after"] = parse.GetValue(after)!.FullName },
            parse.GetValue(cloud)!.FullName, parse.GetValue(seeds)!, parse.GetValue(variants)!, parse.GetValue(partFrames), parse.GetValue(mapFrames), parse.GetValue(fps),
            parse.GetValue(threads), parse.GetValue(output)!.FullName, parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, cancellationToken)));
        return command;
    }

    /// <summary>Parts per hour at <paramref name="fps"/>: one part enters every <see cref="SyntheticLine.PartPeriodFrames"/> frames on average.</summary>
    public static double PartsPerHour(double fps) => fps * 3600 / SyntheticLine.PartPeriodFrames;

    private static LineVariant Fail(System.CommandLine.Parsing.ArgumentResult result, string text)
    {
        result.AddError($"--variants takes a and/or b, got '{text}'.");
        return LineVariant.A;
    }

    private static int Run(
        IReadOnlyDictionary<string, string> edges, string cloudPath, int[] seeds, LineVariant[] variants, int partFrames, int mapFrames, double fps, int threads, string output,
        TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        var settings = new PartSettings(ShippedModels.Band, ShippedModels.CloudBand, ShippedModels.MaxEscalatedFrames, ShippedModels.WholeViewsOnly);
        var rows = new List<LoopRow>();
        try
        {
            using var cloud = ChooseBandsCommand.Load(cloudPath, ShippedModels.NmsIou, threads, 0.05f);
            foreach (var variant in variants.Distinct())
            {
                foreach (var seed in seeds.Distinct())
                {
                    var lineSeed = DatasetExporter.LineSeedFor(seed, DatasetSplit.Test);
                    using var line = new SyntheticLine(lineSeed, TestSplitRunner.FrameWidth, TestSplitRunner.FrameHeight, variant);
                    foreach (var (name, path) in edges)
                    {
                        using var mapEdge = ChooseBandsCommand.Load(path, ShippedModels.NmsIou, threads);
                        var predictions = TestSplitRunner.RunLine(lineSeed, mapFrames, [new("edge", mapEdge)], null, cancellationToken, variant);
                        var map50 = DetectionMetrics.Compute(predictions.ImagesOf("edge"), DefectClasses.Names.Count, 0.25f).Map50;
                        using var partEdge = ChooseBandsCommand.Load(path, ShippedModels.NmsIou, threads, Math.Min(settings.EdgeBand.Lower, 0.05f));
                        var recording = PartRecorder.Record(line, partFrames, partEdge, cloud, new PartTrackerOptions(), PartRecorder.DefaultDetectionMargin, null, cancellationToken);
                        var score = PartScorer.Score(recording.Clip, settings);
                        var perPart = score.Parts == 0 ? 0 : PartsPerHour(fps) / score.Parts;
                        var row = new LoopRow(LineVariantOption.Name(variant), seed, lineSeed, name, map50, score, score.Escalated * perPart, score.LeftToPerson * perPart);
                        rows.Add(row);
                        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                            $"  {row.Variant} seed {seed} (line {lineSeed}) {name,-6}: mAP50 {map50:0.000}, {score.Parts} parts, escalated {score.Escalated} ({score.EscalatedShare:P1}), escapes {score.Escapes}, clean rejected {score.FalseRejects}, to a person {score.LeftToPerson}; {stopwatch.Elapsed.TotalSeconds:F0} s"));
                    }
                }
            }
        }
        catch (Exception e) when (e is ModelContractException or IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"loop-eval: {e.Message}");
            return 1;
        }

        var table = Table(rows, fps);
        stdout.Write(table);
        Directory.CreateDirectory(output);
        File.WriteAllText(Path.Combine(output, "loop-eval.md"), table, new UTF8Encoding(false));
        File.WriteAllText(Path.Combine(output, "loop-eval.json"), JsonSerializer.Serialize(new { edges, cloud = cloudPath, seeds, partFrames, mapFrames, fps, rows }, new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true }));
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Wrote loop-eval.md and loop-eval.json to {output} in {stopwatch.Elapsed.TotalSeconds:F0} s."));
        return 0;
    }

    /// <summary>The before/after table, one row per variant and model: mean and worst over the seeds.</summary>
    public static string Table(IReadOnlyList<LoopRow> rows, double fps)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"Shipped bands: edge {ShippedModels.Band.Lower:0.00} / {ShippedModels.Band.Upper:0.00}, cloud {ShippedModels.CloudBand.Lower:0.00} / {ShippedModels.CloudBand.Upper:0.00}, K {ShippedModels.MaxEscalatedFrames}; {PartsPerHour(fps):0} parts per hour at {fps:0.#} frames/s. Mean / worst over the seeds.\n\n");
        text.Append("| variant | model | seeds | parts (defective) | escalated | escapes | clean rejected | left to a person | escalations per hour | person items per hour | edge mAP50 |\n");
        text.Append("|---|---|---|---|---|---|---|---|---|---|---|\n");
        foreach (var group in rows.GroupBy(r => (r.Variant, r.Model)))
        {
            var list = group.ToList();
            var sum = list.Aggregate(PartScore.Zero, (s, r) => s.Add(r.Parts));
            text.Append(CultureInfo.InvariantCulture,
                $"| {group.Key.Variant} | {group.Key.Model} | {string.Join(" ", list.Select(r => r.DatasetSeed))} | {sum.Parts} ({sum.Defective}) "
                + $"| {sum.EscalatedShare:P1} / {list.Max(r => r.Parts.EscalatedShare):P1} "
                + $"| {sum.Escapes} / {list.Max(r => r.Parts.Escapes)} "
                + $"| {sum.FalseRejects} / {list.Max(r => r.Parts.FalseRejects)} "
                + $"| {sum.LeftToPerson} / {list.Max(r => r.Parts.LeftToPerson)} "
                + $"| {list.Average(r => r.EscalatedPerHour):0} / {list.Max(r => r.EscalatedPerHour):0} "
                + $"| {list.Average(r => r.PersonItemsPerHour):0.0} / {list.Max(r => r.PersonItemsPerHour):0.0} "
                + $"| {list.Average(r => r.Map50):0.000} / {list.Min(r => r.Map50):0.000} |\n");
        }

        return text.ToString();
    }
}
