using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Inspection.Detection;
using Inspection.Detection.Parts;
using Inspection.ModelTools.Dataset;
using Inspection.ModelTools.Evaluation.Cascade;
using Inspection.ModelTools.Evaluation.Parts;
using Inspection.ModelTools.Line;
using Inspection.ModelTools.Models;
using OpenCvSharp;

namespace Inspection.ModelTools.Evaluation.Loop;

/// <summary>
/// <c>review-set</c>: a stand-in for the review workspace's export. Runs the edge and cloud models with the shipped
/// part rules over consecutive frames of lines carrying a part variant, takes the parts the cascade sends on (every
/// escalated part, or only those the cloud leaves to a person) and writes the frames escalated for them in the review
/// export's layout (<c>images/</c>, <c>labels/</c>, <c>data.yaml</c>, <c>provenance.jsonl</c>), labelled from the
/// line's ground truth: what a reviewer who answers from the line's labels would export. <c>--audit-share</c> adds the
/// share of confidently decided parts the agent's <c>Parts:AuditShare</c> would send (their most telling frame), as a
/// line being commissioned sends them.
/// </summary>
public static class ReviewSetCommand
{
    /// <summary>The reviewer named in <c>provenance.jsonl</c>.</summary>
    public const string GroundTruthReviewer = "ground-truth";

    /// <summary>The provenance file of a review set.</summary>
    public const string ProvenanceFileName = "provenance.jsonl";

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static Command Create(TimeProvider? time = null)
    {
        time ??= TimeProvider.System;
        var edge = new Option<FileInfo>("--edge") { Description = "The edge model whose uncertain parts are reviewed.", DefaultValueFactory = _ => new FileInfo(Path.Combine("models", ShippedModels.Edge)) };
        var cloud = new Option<FileInfo>("--cloud") { Description = "The cloud model that re-inspects them.", DefaultValueFactory = _ => new FileInfo(Path.Combine("models", ShippedModels.Cloud)) };
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder for the set (new or empty).", Required = true };
        var variant = LineVariantOption.Create("The part on the lines (default b, the new variant).");
        variant.DefaultValueFactory = _ => LineVariant.B;
        var lines = new Option<int[]>("--lines")
        {
            Description = "Line seeds to run: training-range lines only (never test, reserved or validation lines). Default: 1000–1003.",
            AllowMultipleArgumentsPerToken = true,
            DefaultValueFactory = _ => [.. SeedUse.TrainingLinesFor(SeedUse.ShippedTrainerSeed).Take(4)],
        };
        var frames = new Option<int>("--frames") { Description = "Consecutive frames per line (about 75 per part).", DefaultValueFactory = _ => 1500 };
        var pick = new Option<ReviewPick>("--pick") { Description = "escalated: every part the edge escalated; person: only those the cloud left uncertain.", DefaultValueFactory = _ => ReviewPick.Escalated };
        var auditShare = new Option<double>("--audit-share")
        {
            Description = "Share of the parts the edge decided confidently that are also sent for review as audits (the agent's Parts:AuditShare; 0 none, 1 all).",
            DefaultValueFactory = _ => 0,
        };
        auditShare.Validators.Add(r =>
        {
            if (!(r.GetValueOrDefault<double>() is >= 0 and <= 1))
            {
                r.AddError(string.Create(CultureInfo.InvariantCulture, $"--audit-share must be between 0 (no audits) and 1 (every confidently decided part), got {r.GetValueOrDefault<double>()}."));
            }
        });
        var threads = new Option<int>("--threads") { Description = "CPU threads per inference (0: ONNX Runtime decides).", DefaultValueFactory = _ => 0 };
        frames.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 100 or > 100_000)
            {
                r.AddError($"--frames must be between 100 and 100000, got {r.GetValueOrDefault<int>()}.");
            }
        });
        lines.Validators.Add(r =>
        {
            foreach (var line in r.GetValueOrDefault<int[]>() ?? [])
            {
                if (Refusal(line) is { } why)
                {
                    r.AddError($"--lines: {why}.");
                }
            }
        });
        foreach (var model in new[] { edge, cloud })
        {
            model.Validators.Add(r =>
            {
                if (r.GetValueOrDefault<FileInfo>() is { Exists: false } missing)
                {
                    r.AddError($"{model.Name}: no model at '{missing.FullName}'.");
                }
            });
        }

        output.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<DirectoryInfo>() is { } dir && (File.Exists(dir.FullName) || (dir.Exists && dir.EnumerateFileSystemInfos().Any())))
            {
                r.AddError($"--out '{dir.FullName}' is not a new or empty folder; a review set is written whole into an empty one.");
            }
        });

        var command = new Command("review-set", "Stand-in review export: the parts the cascade escalates on variant lines, labelled from ground truth (images/, labels/, data.yaml, provenance.jsonl).")
        {
            edge, cloud, output, variant, lines, frames, pick, auditShare, threads,
        };
        command.SetAction((parse, cancellationToken) => Task.FromResult(Run(
            parse.GetValue(edge)!.FullName, parse.GetValue(cloud)!.FullName, parse.GetValue(output)!.FullName, parse.GetValue(variant), parse.GetValue(lines)!,
            parse.GetValue(frames), parse.GetValue(pick), parse.GetValue(auditShare), parse.GetValue(threads), time, parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, cancellationToken)));
        return command;
    }

    /// <summary>Why a review set must not be drawn from <paramref name="lineSeed"/>, or null.</summary>
    public static string? Refusal(int lineSeed) => SeedUse.UseOf(lineSeed) switch
    {
        LineUse.Test or LineUse.Reserved => string.Create(CultureInfo.InvariantCulture,
            $"line {lineSeed} is a test line; the loop's figures are reported on test lines, so nothing trained may come from one"),
        LineUse.Validation => string.Create(CultureInfo.InvariantCulture,
            $"line {lineSeed} is a validation line, kept for choosing settings; draw review sets from training-range lines (e.g. {SeedUse.Join(SeedUse.TrainingLinesFor(SeedUse.ShippedTrainerSeed).Take(4))})"),
        _ => null,
    };

    private static int Run(
        string edgePath, string cloudPath, string output, LineVariant variant, int[] lineSeeds, int frameCount, ReviewPick pick, double auditShare, int threads, TimeProvider time,
        TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        var settings = new PartSettings(ShippedModels.Band, ShippedModels.CloudBand, ShippedModels.MaxEscalatedFrames, ShippedModels.WholeViewsOnly);
        try
        {
            using var edge = ChooseBandsCommand.Load(edgePath, ShippedModels.NmsIou, threads, Math.Min(settings.EdgeBand.Lower, 0.05f));
            using var cloud = ChooseBandsCommand.Load(cloudPath, ShippedModels.NmsIou, threads, 0.05f);
            if (!edge.Model.ClassNames.SequenceEqual(DefectClasses.Names, StringComparer.Ordinal) || !cloud.Model.ClassNames.SequenceEqual(DefectClasses.Names, StringComparer.Ordinal))
            {
                stderr.WriteLine($"review-set: the models' classes must be the line's ({string.Join(", ", DefectClasses.Names)}), in that order.");
                return 1;
            }

            var models = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["edge"] = $"{edge.Model.Name} v{edge.Model.Version}",
                ["cloud"] = $"{cloud.Model.Name} v{cloud.Model.Version}",
            };
            Directory.CreateDirectory(Path.Combine(output, "images"));
            Directory.CreateDirectory(Path.Combine(output, "labels"));
            var items = new List<ReviewItem>();
            int parts = 0, escalated = 0, toPerson = 0, audited = 0;
            foreach (var lineSeed in lineSeeds)
            {
                using var line = new SyntheticLine(lineSeed, TestSplitRunner.FrameWidth, TestSplitRunner.FrameHeight, variant);
                var recording = PartRecorder.Record(line, frameCount, edge, cloud, new PartTrackerOptions(), PartRecorder.DefaultDetectionMargin, null, cancellationToken);
                var clip = recording.Clip;
                parts += clip.TrueParts.Count(p => p.WithinClip);
                for (var t = 0; t < clip.TrackedParts.Count; t++)
                {
                    var tracked = clip.TrackedParts[t];
                    var ranked = clip.RankedViews(t, settings.WholeViewsOnly);
                    if (tracked.TruePartId is null || ranked.Count == 0)
                    {
                        continue;
                    }

                    var edgeDecision = PartScorer.Decide(settings.EdgeBand, ranked[0].EdgeScore);
                    var key = EscalationKey(lineSeed, tracked.Id);
                    string? audit = null;
                    List<PartView> sent;
                    if (edgeDecision == Decision.Uncertain)
                    {
                        sent = [.. ranked.Where(v => v.EdgeScore >= settings.EdgeBand.Lower).Take(settings.MaxEscalatedFrames)];
                        escalated++;
                    }
                    else if (AuditSample.Picks(key, auditShare))
                    {
                        // The edge's audit sends the part's most telling frames whatever their score, as it decided them.
                        sent = [.. ranked.Take(settings.MaxEscalatedFrames)];
                        audit = edgeDecision.ToString().ToLowerInvariant();
                        audited++;
                    }
                    else
                    {
                        continue;
                    }

                    var verdict = sent.Aggregate(Decision.Pass, (d, v) => PartVerdict.Combine(d, PartScorer.Decide(settings.CloudBand, clip.CloudScore(v.Frame, v.Box))));
                    toPerson += verdict == Decision.Uncertain ? 1 : 0;
                    if (pick == ReviewPick.Person && verdict != Decision.Uncertain)
                    {
                        continue;
                    }

                    foreach (var view in sent)
                    {
                        items.Add(Write(output, line, view, tracked, key, verdict, audit, models, time));
                    }
                }

                stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  line {lineSeed} ({LineVariantOption.Name(variant)}): {frameCount} frames, {items.Count} images so far, {stopwatch.Elapsed.TotalSeconds:F0} s"));
            }

            File.WriteAllText(Path.Combine(output, DataYamlFileName), DataYaml(), new UTF8Encoding(false));
            File.WriteAllLines(Path.Combine(output, ProvenanceFileName), items.Select(i => JsonSerializer.Serialize(i, JsonOptions)), new UTF8Encoding(false));
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Wrote {items.Count} images ({items.Count(i => i.Boxes == 0)} background, {items.Sum(i => i.Boxes)} boxes) to {output} in {stopwatch.Elapsed.TotalSeconds:F0} s: "
                + $"{parts} parts, {escalated} escalated by the edge ({(parts == 0 ? 0 : 100.0 * escalated / parts):F1} %), {audited} sent as audits, {toPerson} left to a person by the cloud; picked: {pick.ToString().ToLowerInvariant()}."));
            return 0;
        }
        catch (Exception e) when (e is ModelContractException or IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"review-set: {e.Message}");
            return 1;
        }
    }

    /// <summary>The set's <c>data.yaml</c>: the model's classes; every image is both train and val for Ultralytics.</summary>
    public static string DataYaml()
    {
        var yaml = new StringBuilder("# Reviewed parts, Ultralytics detection layout. Paths are relative to this file.\ntrain: images\nval: images\n");
        yaml.Append(CultureInfo.InvariantCulture, $"nc: {DefectClasses.Names.Count}\nnames:\n");
        for (var id = 0; id < DefectClasses.Names.Count; id++)
        {
            yaml.Append(CultureInfo.InvariantCulture, $"  {id}: {DefectClasses.Names[id]}\n");
        }

        return yaml.ToString();
    }

    private const string DataYamlFileName = "data.yaml";

    /// <summary>The idempotency key of a part of a synthetic line: its camera and the tracker's id, as the agent's.</summary>
    public static string EscalationKey(int lineSeed, long trackerId) =>
        string.Create(CultureInfo.InvariantCulture, $"synthetic-line-{lineSeed}/part-{trackerId}");

    private static ReviewItem Write(
        string output, SyntheticLine line, PartView view, TrackedPart tracked, string key, Decision cloudVerdict, string? audit, IReadOnlyDictionary<string, string> models, TimeProvider time)
    {
        var frameIndex = DatasetExporter.FirstFrame + view.Frame;
        using var rendered = line.Render(frameIndex);
        var stem = string.Create(CultureInfo.InvariantCulture, $"l{line.Seed}-{LineVariantOption.Name(line.Variant)}-f{frameIndex:D6}");
        Cv2.ImEncode(".jpg", rendered.Frame, out var jpeg, [(int)ImwriteFlags.JpegQuality, DatasetExporter.JpegQuality]);
        File.WriteAllBytes(Path.Combine(output, "images", stem + ".jpg"), jpeg);

        // The reviewer labels every defect in the image, from the line's ground truth; a clean view is an empty file.
        File.WriteAllText(Path.Combine(output, "labels", stem + ".txt"), DatasetExporter.LabelText(rendered.Truth, line.Width, line.Height), new UTF8Encoding(false));
        var defective = rendered.Parts.FirstOrDefault(p => p.PartId == tracked.TruePartId)?.IsDefective ?? false;
        return new ReviewItem(
            $"images/{stem}.jpg", $"synthetic-line-{line.Seed}", $"{line.Seed} (variant {LineVariantOption.Name(line.Variant)})",
            key, frameIndex, models, GroundTruthReviewer,
            time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture), defective ? "accept" : "reject", view.EdgeScore,
            cloudVerdict.ToString().ToLowerInvariant(), rendered.Truth.Count, audit);
    }
}
