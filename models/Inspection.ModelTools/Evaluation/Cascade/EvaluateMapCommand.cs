using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Inspection.Detection;
using Inspection.ModelTools.Dataset;
using Inspection.ModelTools.Evaluation.Parts;
using Inspection.ModelTools.Line;
using Inspection.ModelTools.Models;
using Microsoft.Extensions.Logging.Abstractions;

namespace Inspection.ModelTools.Evaluation.Cascade;

/// <summary>
/// <c>evaluate-map</c>: mAP50, mAP50-95 and per-class precision/recall of the edge model (and its fp32 twin), the
/// cloud model and the cascade on the dataset's test split, the share of frames the cascade escalates, and the
/// sweep of the uncertain band the shipped band is chosen from. Prints tables; writes <c>metrics.json</c> and PNG charts.
/// </summary>
public static class EvaluateMapCommand
{
    /// <summary>
    /// Score threshold the models are run with. AP needs every prediction however weak, as Ultralytics' own
    /// validation does; precision and recall are then read at <c>--threshold</c>.
    /// </summary>
    public const float RecordingScoreThreshold = 0.001f;

    public static Command Create()
    {
        var edge = ModelOption("--edge", "The edge model (int8) whose decisions drive the cascade.", required: true);
        var cloud = ModelOption("--cloud", "The cloud model that re-inspects uncertain frames.", required: true);
        var edgeFp32 = ModelOption("--edge-fp32", "Optional: the edge model's fp32 twin, to measure what quantization costs.", required: false);
        var seed = new Option<int>("--seed") { Description = "Dataset seed (as for 'dataset --seed'); its test split is rendered in memory.", DefaultValueFactory = _ => 1 };
        var frames = new Option<int>("--frames") { Description = "Test-split frames to evaluate, from the first.", DefaultValueFactory = _ => 300 };
        var lower = new Option<float>("--lower") { Description = "Lower edge of the shipped uncertain band.", DefaultValueFactory = _ => ShippedModels.Band.Lower };
        var upper = new Option<float>("--upper") { Description = "Upper edge of the shipped uncertain band (the edge's defect threshold).", DefaultValueFactory = _ => ShippedModels.Band.Upper };
        var threshold = new Option<float>("--threshold")
        {
            Description = "Confidence at which precision and recall are reported (the detector's default score threshold).",
            DefaultValueFactory = _ => 0.25f,
        };
        var target = new Option<double>("--target")
        {
            Description = "Share of cloud-only mAP50 the chosen band must reach.",
            DefaultValueFactory = _ => BandChooser.DefaultTargetShare,
        };
        var maxEscalated = new Option<double>("--max-escalated")
        {
            Description = "Escalation budget: the chosen band escalates at most this share of frames (0.10 = 10 %).",
            DefaultValueFactory = _ => BandChooser.DefaultMaxEscalatedShare,
        };
        var maxLower = new Option<double>("--max-lower")
        {
            Description = "The chosen band's lower edge is at most this (1: any): a frame whose best detection reaches it is escalated or rejected, never passed on the edge's word.",
            DefaultValueFactory = _ => 1.0,
        };
        maxLower.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<double>();
            if (!(value is > 0 and <= 1))
            {
                result.AddError(string.Create(CultureInfo.InvariantCulture, $"--max-lower must be above 0 and at most 1, got {value}."));
            }
        });
        maxEscalated.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<double>();
            if (!(value is >= 0 and <= 1))
            {
                result.AddError(string.Create(CultureInfo.InvariantCulture, $"--max-escalated must be between 0 and 1 (0.10 means 10 % of frames), got {value}."));
            }
        });
        var nmsIou = new Option<float>("--nms-iou") { Description = "Detector:IouThreshold for every model (default: the shipped configuration's).", DefaultValueFactory = _ => ShippedModels.NmsIou };
        var agnostic = new Option<bool>("--agnostic-nms") { Description = "Detector:ClassAgnosticNms for every model." };
        var allowSeen = new Option<bool>("--allow-seen-seed")
        {
            Description = "Evaluate even on a seed whose test line the shipped models were trained or validated on; the output and metrics.json then carry a warning.",
        };
        var partFrames = new Option<int>("--part-frames")
        {
            Description = "Consecutive line frames for the part-level evaluation (tracker, part rules, cloud per part), 0 to skip; ~75 frames per part.",
            DefaultValueFactory = _ => 0,
        };
        var cloudLower = new Option<float>("--cloud-lower") { Description = "Cloud:Decision:Lower for the part-level evaluation.", DefaultValueFactory = _ => ShippedModels.CloudBand.Lower };
        var cloudUpper = new Option<float>("--cloud-upper") { Description = "Cloud:Decision:Upper for the part-level evaluation.", DefaultValueFactory = _ => ShippedModels.CloudBand.Upper };
        var maxFrames = new Option<int>("--max-escalated-frames") { Description = "Parts:MaxEscalatedFrames (K) for the part-level evaluation.", DefaultValueFactory = _ => ShippedModels.MaxEscalatedFrames };
        var wholeViews = new Option<bool>("--whole-views-only") { Description = "Parts:WholeViewsOnly for the part-level evaluation.", DefaultValueFactory = _ => ShippedModels.WholeViewsOnly };
        var bands = new Option<FileInfo?>("--bands")
        {
            Description = "A bands.json of 'choose-bands': its edge and cloud bands, K, whole-view rule and margin replace --lower/--upper/--cloud-lower/--cloud-upper/--max-escalated-frames/--whole-views-only.",
        };
        var variant = LineVariantOption.Create("The part on the test line: a (the original part) or b (the new variant); the seed rules are the same for both.");
        var threads = new Option<int>("--threads") { Description = "CPU threads per inference (0: ONNX Runtime decides).", DefaultValueFactory = _ => 0 };
        var output = new Option<DirectoryInfo>("--out")
        {
            Description = "Folder for metrics.json and the charts (created if missing; files of an earlier run are replaced).",
            DefaultValueFactory = _ => new DirectoryInfo(Path.Combine("models", "generated", "eval")),
        };

        frames.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<int>();
            if (value < 1 || value > DatasetExporter.MaxFramesPerSplit)
            {
                result.AddError($"--frames must be between 1 and {DatasetExporter.MaxFramesPerSplit}, got {value}.");
            }
        });
        threshold.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<float>();
            if (!(value is >= 0 and <= 1))
            {
                result.AddError(string.Create(CultureInfo.InvariantCulture, $"--threshold must be between 0 and 1, got {value}."));
            }
        });
        target.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<double>();
            if (!(value is > 0 and <= 1))
            {
                result.AddError(string.Create(CultureInfo.InvariantCulture, $"--target must be above 0 and at most 1 (0.98 means 98 % of cloud-only mAP50), got {value}."));
            }
        });
        threads.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<int>();
            if (value is < 0 or > 256)
            {
                result.AddError($"--threads must be between 0 (ONNX Runtime decides) and 256, got {value}.");
            }
        });
        output.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<DirectoryInfo>() is { } dir && File.Exists(dir.FullName))
            {
                result.AddError($"--out '{dir.FullName}' is a file; give a folder for metrics.json and the charts.");
            }
        });

        var command = new Command(
            "evaluate-map",
            "mAP50/mAP50-95 and per-class P/R of edge, cloud and the cascade on the test split; band sweep; metrics.json and PNG charts.")
        {
            edge, cloud, edgeFp32, seed, frames, lower, upper, threshold, target, maxEscalated, maxLower, nmsIou, agnostic, threads, output, allowSeen,
            partFrames, cloudLower, cloudUpper, maxFrames, wholeViews, bands, variant,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var band = new DecisionBand(parse.GetValue(lower), parse.GetValue(upper));
            var parts = new PartSettings(
                band, new DecisionBand(parse.GetValue(cloudLower), parse.GetValue(cloudUpper)), Math.Max(1, parse.GetValue(maxFrames)), parse.GetValue(wholeViews));
            var margin = PartRecorder.DefaultDetectionMargin;
            if (parse.GetValue(bands) is { } file)
            {
                var chosen = ChosenBands.Read(file.FullName);
                band = new DecisionBand(chosen.EdgeLower, chosen.EdgeUpper);
                parts = new PartSettings(band, new DecisionBand(chosen.CloudLower, chosen.CloudUpper), chosen.MaxEscalatedFrames, chosen.WholeViewsOnly);
                margin = chosen.DetectionMargin;
            }

            var settings = new Settings(
                parse.GetValue(edge)!.FullName,
                parse.GetValue(cloud)!.FullName,
                parse.GetValue(edgeFp32)?.FullName,
                parse.GetValue(seed),
                parse.GetValue(frames),
                band,
                parse.GetValue(threshold),
                parse.GetValue(target),
                parse.GetValue(maxEscalated),
                parse.GetValue(maxLower),
                parse.GetValue(nmsIou),
                parse.GetValue(agnostic),
                parse.GetValue(threads),
                parse.GetValue(output)!.FullName,
                parse.GetValue(allowSeen),
                Math.Max(0, parse.GetValue(partFrames)),
                parts,
                margin,
                parse.GetValue(variant));
            return Task.FromResult(Run(settings, parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, cancellationToken));
        });
        return command;
    }

    private static int Run(Settings settings, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (settings.Band.Validate() is { } problem)
        {
            // Checked here rather than by a parser validator: the two options are only wrong together.
            stderr.WriteLine($"evaluate-map: --lower/--upper: {problem}.");
            return 1;
        }

        // Checked before any model is loaded: a refused seed costs nothing and writes nothing.
        var lineSeed = DatasetExporter.LineSeedFor(settings.Seed, DatasetSplit.Test);
        string? seedWarning = null;
        if (SeedUse.SeenBecause(lineSeed) is { } seen)
        {
            var seenProblem = string.Create(CultureInfo.InvariantCulture,
                $"dataset seed {settings.Seed}: its test split is rendered from line {lineSeed}, and {seen}, so figures on it flatter the models. "
                + $"Evaluate on the unseen dataset seeds {SeedUse.Join(SeedUse.UnseenDatasetSeeds)} instead (models/README.md, 'Seeds and what they were used for')");
            if (!settings.AllowSeenSeed)
            {
                stderr.WriteLine($"evaluate-map: refused: {seenProblem}, or pass --allow-seen-seed to evaluate anyway.");
                return 1;
            }

            seedWarning = $"WARNING: SEEN SEED, NOT AN UNSEEN-SEED RESULT: {seenProblem}.";
            stdout.WriteLine(seedWarning);
        }
        else if (SeedUse.ChosenOnNote(lineSeed) is { } note)
        {
            stdout.WriteLine($"Note: {note}.");
        }

        if (settings.Variant != LineVariant.A)
        {
            stdout.WriteLine($"Part variant {LineVariantOption.Name(settings.Variant)}: the test line carries the new part.");
        }

        var stopwatch = Stopwatch.StartNew();
        var models = new List<KeyValuePair<string, IDetector>>();
        try
        {
            var paths = new List<(string Name, string Path)> { (CascadeEvaluation.Edge, settings.Edge) };
            if (settings.EdgeFp32 is { } fp32)
            {
                paths.Add((CascadeEvaluation.EdgeFp32, fp32));
            }

            paths.Add((CascadeEvaluation.Cloud, settings.Cloud));
            foreach (var (name, path) in paths)
            {
                var detector = OnnxDetector.Load(
                    new DetectorOptions { ModelPath = path, ExecutionProviders = ["CPU"], ScoreThreshold = RecordingScoreThreshold, IntraOpThreads = settings.Threads,
                        IouThreshold = settings.NmsIou, ClassAgnosticNms = settings.AgnosticNms },
                    NullLogger.Instance);
                models.Add(new(name, detector));
                stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{name,-10} {detector.Model.Name} v{detector.Model.Version}, {detector.Model.InputWidth}x{detector.Model.InputHeight} on {detector.ExecutionProvider}, classes {string.Join(", ", detector.Model.ClassNames)} ({path})"));
            }

            if (ClassMismatch(models) is { } mismatch)
            {
                stderr.WriteLine($"evaluate-map: {mismatch}");
                return 1;
            }

            var recorded = TestSplitRunner.Run(settings.Seed, settings.Frames, models, done =>
            {
                if (done % 50 == 0 || done == settings.Frames)
                {
                    stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {done}/{settings.Frames} frames, {stopwatch.Elapsed.TotalSeconds:F0} s"));
                }
            }, cancellationToken, settings.Variant);

            PartEvaluation? parts = null;
            if (settings.PartFrames > 0)
            {
                parts = EvaluateParts(settings, lineSeed, models, stdout, stopwatch, cancellationToken);
            }

            var evaluation = CascadeEvaluator.Evaluate(
                recorded, settings.Seed, DefectClasses.Names, settings.Threshold, settings.Band, settings.Target, cancellationToken, settings.MaxEscalated, settings.MaxLower)
                with { SeedWarning = seedWarning, Parts = parts };
            stdout.Write(EvaluationTable.Models(evaluation));
            stdout.Write(EvaluationTable.Confusion(evaluation));
            if (evaluation.Reports.TryGetValue(CascadeEvaluation.EdgeFp32, out var fp32Report))
            {
                stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"Quantization: edge mAP50 {evaluation.Reports[CascadeEvaluation.Edge].Map50:0.000} vs fp32 twin {fp32Report.Map50:0.000} ({(evaluation.Reports[CascadeEvaluation.Edge].Map50 - fp32Report.Map50) * 100:+0.0;-0.0;0.0} points)."));
            }

            stdout.Write(EvaluationTable.Sweep(evaluation));
            if (parts is not null)
            {
                stdout.Write(parts.Describe());
            }

            if (seedWarning is not null)
            {
                // Repeated at the end, where a reader of a long run's output looks first.
                stdout.WriteLine(seedWarning);
            }

            var written = EvaluationOutput.Write(settings.Output, evaluation);
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Wrote {string.Join(", ", written.Select(Path.GetFileName))} to {settings.Output} in {stopwatch.Elapsed.TotalSeconds:F0} s."));
            return 0;
        }
        catch (Exception e) when (e is ModelContractException or FileNotFoundException or ArgumentException or IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"evaluate-map: {e.Message}");
            return 1;
        }
        finally
        {
            foreach (var (_, detector) in models)
            {
                detector.Dispose();
            }
        }
    }

    /// <summary>
    /// The part-level evaluation on consecutive frames of the test line: the edge model (with the part band's lowest
    /// score as its threshold, as the agent may run it) and the tracker on every frame, the cloud on escalated frames.
    /// </summary>
    private static PartEvaluation EvaluateParts(
        Settings settings, int lineSeed, IReadOnlyList<KeyValuePair<string, IDetector>> models, TextWriter stdout, Stopwatch stopwatch, CancellationToken cancellationToken)
    {
        var cloud = models.First(m => m.Key == CascadeEvaluation.Cloud).Value;
        using var edge = Parts.ChooseBandsCommand.Load(settings.Edge, settings.NmsIou, settings.Threads, Math.Min(settings.Parts.EdgeBand.Lower, 0.05f));
        using var line = new SyntheticLine(lineSeed, TestSplitRunner.FrameWidth, TestSplitRunner.FrameHeight, settings.Variant);
        var recording = PartRecorder.Record(line, settings.PartFrames, edge, cloud, new Inspection.Detection.Parts.PartTrackerOptions(), settings.DetectionMargin, done =>
        {
            if (done % 500 == 0 || done == settings.PartFrames)
            {
                stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  parts: {done}/{settings.PartFrames} consecutive frames, {stopwatch.Elapsed.TotalSeconds:F0} s"));
            }
        }, cancellationToken);
        var score = PartScorer.Score(recording.Clip, settings.Parts);

        // Saved with the cloud's detections on every frame K = 3 could send, so 'score-parts' can score the clip with
        // other settings (the ones 'choose-bands' picks) without the models.
        recording.Clip.Prefetch(PartSweep.KValues.Max());
        Directory.CreateDirectory(settings.Output);
        EvaluationOutput.WriteAtomically(Path.Combine(settings.Output, SavedPartClip.FileName), System.Text.Encoding.UTF8.GetBytes(recording.Clip.ToSaved().ToJson()));
        return new PartEvaluation(
            lineSeed, settings.PartFrames, settings.Parts, settings.DetectionMargin, score, recording.Clip.TrackedParts.Count, recording.EdgeMs, recording.TrackerMs,
            recording.Clip.CloudRuns == 0 ? 0 : recording.Clip.CloudMilliseconds / recording.Clip.CloudRuns);
    }

    /// <summary>
    /// The cascade mixes the models' predictions and scores them against the line's labels, so every model must
    /// use the line's classes in the line's order.
    /// </summary>
    private static string? ClassMismatch(IReadOnlyList<KeyValuePair<string, IDetector>> models)
    {
        foreach (var (name, detector) in models)
        {
            if (!detector.Model.ClassNames.SequenceEqual(DefectClasses.Names, StringComparer.Ordinal))
            {
                return $"the {name} model's classes ({string.Join(", ", detector.Model.ClassNames)}) are not the synthetic line's "
                    + $"({string.Join(", ", DefectClasses.Names)}), in that order; evaluate models trained on this line.";
            }
        }

        return null;
    }

    private static Option<FileInfo> ModelOption(string name, string description, bool required)
    {
        var option = new Option<FileInfo>(name) { Description = description, Required = required };
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<FileInfo>() is { } file && !file.Exists)
            {
                result.AddError($"{name}: no model at '{file.FullName}'.");
            }
        });
        return option;
    }

    private sealed record Settings(
        string Edge, string Cloud, string? EdgeFp32, int Seed, int Frames, DecisionBand Band, float Threshold, double Target, double MaxEscalated, double MaxLower, float NmsIou, bool AgnosticNms, int Threads, string Output, bool AllowSeenSeed,
        int PartFrames, PartSettings Parts, float DetectionMargin, LineVariant Variant);
}
