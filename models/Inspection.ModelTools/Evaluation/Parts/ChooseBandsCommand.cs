using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Inspection.Detection;
using Inspection.Detection.Parts;
using Inspection.ModelTools.Evaluation.Cascade;
using Inspection.ModelTools.Evaluation.Metrics;
using Inspection.ModelTools.Line;
using Inspection.ModelTools.Models;
using Microsoft.Extensions.Logging.Abstractions;

namespace Inspection.ModelTools.Evaluation.Parts;

/// <summary>
/// <c>choose-bands</c>: chooses the edge band, the cloud band, K and the whole-view rule (and the NMS overlap among
/// those given) on the validation lines, never on a test line: part-level evaluation on consecutive frames of each
/// line, frame-level mAP on sampled frames, the sweep, the choice by <see cref="PartChooser"/>, and the cloud band's
/// curve. Writes <c>bands.json</c> and <c>cloud-band.png</c>; exits 1 when no setting meets the constraints.
/// </summary>
public static class ChooseBandsCommand
{
    public static Command Create()
    {
        var edge = new Option<FileInfo>("--edge") { Description = "The edge model.", DefaultValueFactory = _ => new FileInfo(Path.Combine("models", ShippedModels.Edge)) };
        var cloud = new Option<FileInfo>("--cloud") { Description = "The cloud model.", DefaultValueFactory = _ => new FileInfo(Path.Combine("models", ShippedModels.Cloud)) };
        var lines = new Option<int[]>("--lines")
        {
            Description = "Line seeds to choose on (validation lines of --trainer-seed only; default: the shipped models' 1500–1507).",
            DefaultValueFactory = _ => [.. SeedUse.BandChoiceLines],
            AllowMultipleArgumentsPerToken = true,
        };
        var trainerSeed = new Option<int>("--trainer-seed")
        {
            Description = "The trainer --seed the models were built with: only its validation lines (seed × 1000 + 500…507) may be chosen on.",
            DefaultValueFactory = _ => SeedUse.ShippedTrainerSeed,
        };
        var partFrames = new Option<int>("--part-frames") { Description = "Consecutive frames per line for the part-level evaluation (a part every ~75 frames).", DefaultValueFactory = _ => 1500 };
        var mapFrames = new Option<int>("--map-frames") { Description = "Sampled frames per line (one every 37) for the frame-level mAP.", DefaultValueFactory = _ => 100 };
        var nmsIou = new Option<float[]>("--nms-iou")
        {
            Description = "NMS overlaps to try (each runs both models again).", DefaultValueFactory = _ => [ShippedModels.NmsIou], AllowMultipleArgumentsPerToken = true,
        };
        var target = new Option<double>("--target") { Description = "Share of cloud-only mAP50 the cascade must keep.", DefaultValueFactory = _ => PartChooser.DefaultTargetShare };
        var maxEscalated = new Option<double>("--max-escalated") { Description = "Largest share of parts escalated.", DefaultValueFactory = _ => PartChooser.DefaultMaxEscalatedShare };
        var maxFalseRejects = new Option<double>("--max-false-rejects") { Description = "Largest share of clean parts the cascade may reject.", DefaultValueFactory = _ => PartChooser.DefaultMaxFalseRejectShare };
        var minLower = new Option<float>("--min-lower")
        {
            Description = "Lowest edge lower edge tried: the agent's shipped Detector:ScoreThreshold (it drops detections below it).", DefaultValueFactory = _ => new DetectorOptions().ScoreThreshold,
        };
        var minCloudLower = new Option<float>("--min-cloud-lower")
        {
            Description = "Lowest cloud lower edge tried: the cloud's shipped Detector:ScoreThreshold.", DefaultValueFactory = _ => 0.25f,
        };
        var margin = new Option<float>("--margin") { Description = "Parts:DetectionMargin in pixels.", DefaultValueFactory = _ => PartRecorder.DefaultDetectionMargin };
        var threads = new Option<int>("--threads") { Description = "CPU threads per inference (0: ONNX Runtime decides).", DefaultValueFactory = _ => 0 };
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder for bands.json and cloud-band.png.", DefaultValueFactory = _ => new DirectoryInfo(Path.Combine("models", "generated", "choice")) };
        var command = new Command("choose-bands", "Choose the edge and cloud bands, K and the whole-view rule on the validation lines (part-level), write bands.json.")
        {
            edge, cloud, lines, trainerSeed, partFrames, mapFrames, nmsIou, target, maxEscalated, maxFalseRejects, minLower, minCloudLower, margin, threads, output,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var settings = new Settings(
                parse.GetValue(edge)!.FullName, parse.GetValue(cloud)!.FullName, parse.GetValue(lines)!, parse.GetValue(trainerSeed), Math.Max(1, parse.GetValue(partFrames)),
                Math.Max(1, parse.GetValue(mapFrames)), parse.GetValue(nmsIou)!, parse.GetValue(target), parse.GetValue(maxEscalated), parse.GetValue(maxFalseRejects), parse.GetValue(minLower), parse.GetValue(minCloudLower), parse.GetValue(margin),
                parse.GetValue(threads), parse.GetValue(output)!.FullName);
            return Task.FromResult(Run(settings, parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, cancellationToken));
        });
        return command;
    }

    private static int Run(Settings settings, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        // Checked before any model is loaded: a refused line costs nothing and writes nothing.
        foreach (var line in settings.Lines)
        {
            if (SeedUse.ChoiceRefusal(line, settings.TrainerSeed) is { } refusal)
            {
                stderr.WriteLine($"choose-bands: refused: {refusal}. Choose on the validation lines {SeedUse.Join(SeedUse.ValidationLinesFor(settings.TrainerSeed))}.");
                return 1;
            }
        }

        if (settings.Lines.Length == 0 || settings.NmsIou.Length == 0)
        {
            stderr.WriteLine("choose-bands: give at least one line and one NMS overlap.");
            return 1;
        }

        var stopwatch = Stopwatch.StartNew();
        var culture = CultureInfo.InvariantCulture;
        var perIou = new List<(float Iou, PartChoice Choice, List<PartClip> Clips, List<SyntheticLine> Lines)>();
        try
        {
            foreach (var iou in settings.NmsIou)
            {
                using var edge = Load(settings.Edge, iou, settings.Threads);
                using var cloud = Load(settings.Cloud, iou, settings.Threads);

                // The part rules read only the best score on a part, and no band swept starts below the grid's first
                // step: the agent's score threshold may sit there, and the model then spends less time on boxes nobody reads.
                using var partEdge = Load(settings.Edge, iou, settings.Threads, PartSweep.Bands[0].Lower);
                var models = new List<KeyValuePair<string, IDetector>> { new(CascadeEvaluation.Edge, edge), new(CascadeEvaluation.Cloud, cloud) };
                var sampled = new List<TestSplitPredictions>();
                var clips = new List<PartClip>();
                var synthetic = new List<SyntheticLine>();
                foreach (var lineSeed in settings.Lines)
                {
                    sampled.Add(TestSplitRunner.RunLine(lineSeed, settings.MapFrames, models, null, cancellationToken));
                    var line = new SyntheticLine(lineSeed, TestSplitRunner.FrameWidth, TestSplitRunner.FrameHeight);
                    synthetic.Add(line);
                    var recording = PartRecorder.Record(line, settings.PartFrames, partEdge, cloud, new PartTrackerOptions(), settings.Margin, null, cancellationToken);
                    clips.Add(recording.Clip);
                    stdout.WriteLine(string.Create(culture,
                        $"  NMS {iou:0.00} line {lineSeed}: {recording.Clip.TrueParts.Count(p => p.WithinClip)} parts in {settings.PartFrames} frames (render {recording.RenderMs:F1} ms, edge {recording.EdgeMs:F1} ms, tracker {recording.TrackerMs:F2} ms per frame), {stopwatch.Elapsed.TotalSeconds:F0} s"));
                }

                var frames = TestSplitPredictions.Concat(sampled);
                var cloudMap = DetectionMetrics.Compute(frames.ImagesOf(CascadeEvaluation.Cloud), DefectClasses.Names.Count, 0.25f).Map50;
                var sweep = BandSweep.Run(
                    frames.CascadeFrames(CascadeEvaluation.Edge, CascadeEvaluation.Cloud), [.. PartSweep.Bands.Select(b => new SweepBand(b, false))],
                    DefectClasses.Names.Count, 0.25f, cancellationToken);
                var cascadeMap = sweep.ToDictionary(p => new DecisionBand(p.Lower, p.Upper), p => p.Map50);
                var candidates = PartSweep.Run(clips, cascadeMap, cloudMap, iou, settings.Target, settings.MaxEscalated, settings.MaxFalseRejects, settings.MinLower, settings.MinCloudLower, out var pruned, cancellationToken);
                var choice = PartChooser.Choose(candidates, settings.Target, settings.MaxEscalated, settings.MaxFalseRejects, pruned);
                var cloudMs = clips.Sum(c => c.CloudMilliseconds) / Math.Max(1, clips.Sum(c => c.CloudRuns));
                stdout.WriteLine(string.Create(culture,
                    $"NMS {iou:0.00}: cloud-only mAP50 {cloudMap:0.000} on {frames.FrameCount} sampled frames; {pruned} settings dropped on the edge's figures alone; cloud ran on {clips.Sum(c => c.CloudRuns)} frames ({cloudMs:F1} ms each with rendering)."));
                stdout.WriteLine("  " + choice.Describe());
                perIou.Add((iou, choice, clips, synthetic));
            }

            var best = PartChooser.Choose(perIou.Where(p => p.Choice.Chosen is not null).Select(p => p.Choice.Chosen!), settings.Target, settings.MaxEscalated, settings.MaxFalseRejects);
            var consideredAll = perIou.Sum(p => p.Choice.Considered);
            var feasibleAll = perIou.Sum(p => p.Choice.Feasible);
            if (best.Chosen is not { } chosen)
            {
                stderr.WriteLine(string.Create(culture,
                    $"choose-bands: no setting passes no defective part, escalates at most {settings.MaxEscalated:P0} of parts, rejects at most {settings.MaxFalseRejects:P0} of clean parts and keeps {settings.Target:P0} of the cloud's mAP50 on lines {SeedUse.Join(settings.Lines)}; nothing written. The models need retraining, or the constraints loosening."));
                return 1;
            }

            var chosenClips = perIou.First(p => p.Iou == chosen.NmsIou).Clips;
            var curve = PartSweep.CloudCurve(chosenClips, chosen.Settings with { EdgeBand = PartSweep.EverythingToTheCloud, EveryPartToCloud = true }, settings.MinCloudLower);
            stdout.WriteLine(string.Create(culture,
                $"Cloud band curve (every part, clean ones included, sent to the cloud with its {chosen.Settings.MaxEscalatedFrames} best views; bands lower / lower + 0.05):"));
            stdout.WriteLine("  lower upper  escalated  left-to-person  share   defective-passed-by-cloud  clean-rejected-by-cloud");
            foreach (var point in curve)
            {
                stdout.WriteLine(string.Create(culture,
                    $"  {point.Lower,5:0.00} {point.Upper,5:0.00}  {point.Escalated,9}  {point.LeftToPerson,14}  {point.LeftToPersonShare,5:P0}   {point.DefectivePassedByCloud,10} of {point.DefectiveEscalated,-13}  {point.CleanRejectedByCloud} of {point.CleanEscalated}"));
            }

            var s = chosen.Settings;
            var bands = new ChosenBands(
                s.EdgeBand.Lower, s.EdgeBand.Upper, s.CloudBand.Lower, s.CloudBand.Upper, s.MaxEscalatedFrames, s.WholeViewsOnly, settings.Margin, chosen.NmsIou,
                settings.Lines, settings.PartFrames, settings.MapFrames, best with { Considered = consideredAll, Feasible = feasibleAll },
                [.. perIou.Select(p => p.Choice)], curve, consideredAll - feasibleAll);
            var png = CloudBandChart.Render(curve, s.CloudBand.Lower, string.Create(culture,
                $"Cloud band on validation lines {settings.Lines.Min()}-{settings.Lines.Max()}, every part to the cloud, K {s.MaxEscalatedFrames}"));
            ChosenBands.Write(settings.Output, bands, png);
            stdout.WriteLine((best with { Considered = consideredAll, Feasible = feasibleAll }).Describe());
            stdout.WriteLine(string.Create(culture, $"Wrote {ChosenBands.FileName}, {ChosenBands.CurveFileName} to {settings.Output} in {stopwatch.Elapsed.TotalSeconds:F0} s."));
            return 0;
        }
        catch (Exception e) when (e is ModelContractException or FileNotFoundException or ArgumentException or IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"choose-bands: {e.Message}");
            return 1;
        }
        finally
        {
            foreach (var line in perIou.SelectMany(p => p.Lines))
            {
                line.Dispose();
            }
        }
    }

    internal static OnnxDetector Load(string path, float iou, int threads, float scoreThreshold = EvaluateMapCommand.RecordingScoreThreshold) =>
        OnnxDetector.Load(
            new DetectorOptions
            {
                ModelPath = path, ExecutionProviders = ["CPU"], ScoreThreshold = scoreThreshold, IntraOpThreads = threads, IouThreshold = iou,
            },
            NullLogger.Instance);

    private sealed record Settings(
        string Edge, string Cloud, int[] Lines, int TrainerSeed, int PartFrames, int MapFrames, float[] NmsIou, double Target, double MaxEscalated, double MaxFalseRejects, float MinLower, float MinCloudLower, float Margin, int Threads, string Output);
}
