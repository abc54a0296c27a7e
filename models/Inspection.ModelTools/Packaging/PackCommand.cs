using System.CommandLine;
using Inspection.Detection;
using Inspection.Detection.Packaging;

namespace Inspection.ModelTools.Packaging;

/// <summary><c>pack</c>: a signed model package (manifest, signature, model, golden set) from an ONNX file.</summary>
public static class PackCommand
{
    public static Command Create()
    {
        var model = new Option<FileInfo>("--model") { Description = "The .onnx model (any Ultralytics detection export).", Required = true };
        var key = new Option<FileInfo>("--key") { Description = "The publisher's NAME.private.pem (from 'keygen').", Required = true };
        var output = new Option<FileInfo>("--out") { Description = "The package archive to write (.zip).", Required = true };
        var release = new Option<long>("--release") { Description = "Release number: above every release the devices have committed (they refuse lower ones).", Required = true };
        var version = new Option<string?>("--version") { Description = "Semantic version (default: the model metadata's)." };
        var name = new Option<string?>("--name") { Description = "Model name (default: the file name without .onnx)." };
        var lower = new Option<float>("--band-lower") { Description = "Decision band, lower edge (best score below: pass).", DefaultValueFactory = _ => 0.25f };
        var upper = new Option<float>("--band-upper") { Description = "Decision band, upper edge (best score at or above: defect).", DefaultValueFactory = _ => 0.85f };
        var score = new Option<float>("--score-threshold") { Description = "Detections below this score are dropped before NMS.", DefaultValueFactory = _ => 0.15f };
        var iou = new Option<float>("--iou-threshold") { Description = "NMS overlap threshold.", DefaultValueFactory = _ => 0.3f };
        var agnostic = new Option<bool>("--class-agnostic-nms") { Description = "Boxes of different classes suppress each other." };
        var minAgent = new Option<string>("--min-agent-version") { Description = "Oldest edge agent that may run the model.", DefaultValueFactory = _ => "1.0.0" };
        var goldenFrames = new Option<int>("--golden-frames") { Description = "Golden frames from the synthetic line (one without a defect).", DefaultValueFactory = _ => 4 };
        var goldenSeed = new Option<int>("--golden-seed") { Description = "Seed of the synthetic line the golden frames come from.", DefaultValueFactory = _ => 4242 };
        var minScore = new Option<float>("--golden-min-score") { Description = "Golden detections at or above this score must be found again.", DefaultValueFactory = _ => GoldenTolerance.Default.MinScore };
        var minIou = new Option<float>("--golden-min-iou") { Description = "Overlap a detection found again must have with the golden one.", DefaultValueFactory = _ => GoldenTolerance.Default.MinIou };
        var maxDiff = new Option<float>("--golden-max-score-diff") { Description = "Largest score difference allowed against a golden detection.", DefaultValueFactory = _ => GoldenTolerance.Default.MaxScoreDifference };
        goldenFrames.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is < 1 or > 32)
            {
                result.AddError("--golden-frames must be between 1 and 32.");
            }
        });
        release.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<long>() < 1)
            {
                result.AddError("--release must be 1 or more.");
            }
        });

        var command = new Command("pack", "Pack and sign a model: manifest (hashes, metadata summary, recommended settings, golden set), signature, model, golden frames.")
        {
            model, key, output, release, version, name, lower, upper, score, iou, agnostic, minAgent, goldenFrames, goldenSeed, minScore, minIou, maxDiff,
        };
        command.SetAction(parse =>
        {
            var settings = new PackSettings(
                parse.GetValue(model)!.FullName,
                parse.GetValue(key)!.FullName,
                parse.GetValue(output)!.FullName,
                new PackageDetails(
                    parse.GetValue(release),
                    parse.GetValue(name),
                    parse.GetValue(version),
                    new RecommendedSettings(parse.GetValue(lower), parse.GetValue(upper), parse.GetValue(score), parse.GetValue(iou), parse.GetValue(agnostic)),
                    parse.GetValue(minAgent)!,
                    new GoldenTolerance(parse.GetValue(minScore), parse.GetValue(minIou), parse.GetValue(maxDiff))),
                parse.GetValue(goldenFrames),
                parse.GetValue(goldenSeed));
            try
            {
                var manifest = ModelPacker.Pack(settings, TimeProvider.System);
                var detections = manifest.Golden.Frames.Sum(f => f.Detections.Count);
                parse.InvocationConfiguration.Output.WriteLine(
                    $"Packed {manifest.Name} {manifest.Version} release {manifest.Release} ({manifest.Model.Size} bytes, sha256 {manifest.Model.Sha256}) " +
                    $"with {manifest.Golden.Frames.Count} golden frames ({detections} detections), signed by key {manifest.KeyId}: {settings.OutputPath}");
                return 0;
            }
            catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or ModelContractException or UnauthorizedAccessException)
            {
                parse.InvocationConfiguration.Error.WriteLine($"pack: {e.Message}");
                return 2;
            }
        });
        return command;
    }
}
