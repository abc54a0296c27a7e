using System.CommandLine;
using System.Globalization;
using Inspection.ModelTools.Line;
using Inspection.ModelTools.Models;

namespace Inspection.ModelTools.Evaluation;

/// <summary><c>evaluate</c>: runs a model over rendered frames and prints recall, precision and score histograms.</summary>
public static class EvaluateCommand
{
    public static Command Create()
    {
        var model = new Option<FileInfo>("--model") { Description = "The .onnx model to evaluate.", Required = true };
        var seeds = new Option<int[]>("--seeds") { Description = "Seeds of the lines to render.", DefaultValueFactory = _ => [101, 102, 103], AllowMultipleArgumentsPerToken = true };
        var frames = new Option<int>("--frames") { Description = "Frames per seed.", DefaultValueFactory = _ => 1200 };
        var step = new Option<int>("--step") { Description = "Score every n-th frame.", DefaultValueFactory = _ => 10 };
        var threshold = new Option<float>("--threshold") { Description = "Score at or above which a defect counts as found.", DefaultValueFactory = _ => 0.5f };
        var allowSeen = new Option<bool>("--allow-seen-seed")
        {
            Description = "Evaluate even on lines the shipped models were trained or validated on; the output then carries a warning.",
        };
        var raw = new Option<bool>("--raw") { Description = "Print logits instead of scores (for comparing models whose scores crowd near 0 or 1)." };
        foreach (var positive in new[] { frames, step })
        {
            positive.Validators.Add(result =>
            {
                if (result.GetValueOrDefault<int>() <= 0)
                {
                    result.AddError($"{result.Option.Name} must be at least 1.");
                }
            });
        }

        threshold.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<float>();
            if (!(value is > 0 and < 1))
            {
                result.AddError("--threshold must be between 0 and 1.");
            }
        });

        var command = new Command("evaluate", "Run a model over rendered frames; print per-class recall/precision and score histograms.")
        {
            model, seeds, frames, step, threshold, raw, allowSeen,
        };
        model.Validators.Add(result =>
        {
            var file = result.GetValueOrDefault<FileInfo>();
            if (file is not null && !file.Exists)
            {
                result.AddError($"No model at '{file.FullName}'; build one with 'build --out models'.");
            }
        });
        command.SetAction((parse, cancellationToken) =>
        {
            var seen = parse.GetValue(seeds)!.Select(s => (Seed: s, Reason: SeedUse.SeenBecause(s))).Where(s => s.Reason is not null).ToList();
            var output = parse.InvocationConfiguration.Output;
            foreach (var (_, reason) in seen)
            {
                var problem = $"{reason}, so figures on it flatter the models. Evaluate on the unseen lines {SeedUse.Join(SeedUse.UnseenLineSeeds)} instead (models/README.md, 'Seeds and what they were used for')";
                if (!parse.GetValue(allowSeen))
                {
                    parse.InvocationConfiguration.Error.WriteLine($"evaluate: refused: {problem}, or pass --allow-seen-seed to evaluate anyway.");
                    return Task.FromResult(1);
                }

                output.WriteLine($"WARNING: SEEN SEED, NOT AN UNSEEN-SEED RESULT: {problem}.");
            }

            using var runner = new ModelRunner(parse.GetValue(model)!.FullName);
            var samples = ModelEvaluator.Measure(runner, parse.GetValue(seeds)!, parse.GetValue(frames), parse.GetValue(step), cancellationToken);
            Print(samples, parse.GetValue(threshold), parse.GetValue(raw));
            if (seen.Count > 0)
            {
                output.WriteLine($"WARNING: SEEN SEED: lines {SeedUse.Join(seen.Select(s => s.Seed))} were trained or validated on; these figures flatter the models.");
            }

            return Task.FromResult(0);
        });
        return command;
    }

    private static void Print(IReadOnlyList<ScoreSample> samples, float threshold, bool raw)
    {
        Func<float, double> value = raw ? s => Math.Log(Math.Max(s, 1e-7) / Math.Max(1 - s, 1e-7)) : s => s;
        Console.WriteLine(raw ? "Logit percentiles (p5 / p25 / p50 / p75 / p95, min, max):" : "Score percentiles (p5 / p25 / p50 / p75 / p95, min, max):");
        var groups = new List<(string Name, IReadOnlyList<double> Values)>();
        foreach (var kind in new[] { SampleKind.ClearDefect, SampleKind.FaintDefect })
        {
            for (var c = 0; c < DefectClasses.Names.Count; c++)
            {
                groups.Add(($"{kind} {DefectClasses.Names[c]}", samples.Where(s => s.Kind == kind && s.ClassId == c).Select(s => value(s.Score)).ToList()));
            }
        }

        groups.Add(("CleanPart", samples.Where(s => s.Kind == SampleKind.CleanPart).Select(s => value(s.Score)).ToList()));
        groups.Add(("DefectivePart", samples.Where(s => s.Kind == SampleKind.DefectivePart).Select(s => value(s.Score)).ToList()));
        foreach (var (name, values) in groups)
        {
            Console.WriteLine($"  {name,-22} n={values.Count,5}  {Percentiles(values)}");
        }

        if (raw)
        {
            return;
        }

        Console.WriteLine($"At threshold {threshold.ToString("0.00", CultureInfo.InvariantCulture)}:");
        for (var c = 0; c < DefectClasses.Names.Count; c++)
        {
            var clear = samples.Where(s => s.Kind == SampleKind.ClearDefect && s.ClassId == c).ToList();
            var faint = samples.Where(s => s.Kind == SampleKind.FaintDefect && s.ClassId == c).ToList();
            Console.WriteLine(
                $"  {DefectClasses.Names[c],-8} recall clear {Rate(clear, threshold)}  faint {Rate(faint, threshold)}  all {Rate([.. clear, .. faint], threshold)}");
        }

        var parts = samples.Where(s => s.Kind is SampleKind.CleanPart or SampleKind.DefectivePart).ToList();
        var flagged = parts.Where(s => s.Score >= threshold).ToList();
        var truePositives = flagged.Count(s => s.Kind == SampleKind.DefectivePart);
        Console.WriteLine(
            $"  parts    precision {(flagged.Count == 0 ? "n/a" : ((double)truePositives / flagged.Count).ToString("P1", CultureInfo.InvariantCulture))} " +
            $"({truePositives}/{flagged.Count} flagged parts defective), clean parts flagged {flagged.Count - truePositives}/{parts.Count(s => s.Kind == SampleKind.CleanPart)}");
        var band = ShippedModels.Band;
        Console.WriteLine($"Decisions with the suggested band {band.Lower:0.00} / {band.Upper:0.00} (pass | uncertain | defect):");
        foreach (var kind in Enum.GetValues<SampleKind>())
        {
            var scores = samples.Where(s => s.Kind == kind).Select(s => s.Score).ToList();
            Console.WriteLine(
                $"  {kind,-14} {scores.Count(s => s < band.Lower),5} | {scores.Count(s => s >= band.Lower && s < band.Upper),5} | {scores.Count(s => s >= band.Upper),5}");
        }

        Console.WriteLine("Histogram of part scores (clean | defective), bins of 0.1:");
        for (var bin = 0; bin < 10; bin++)
        {
            var low = bin / 10f;
            var high = bin == 9 ? 1.01f : (bin + 1) / 10f;
            var clean = parts.Count(s => s.Kind == SampleKind.CleanPart && s.Score >= low && s.Score < high);
            var defective = parts.Count(s => s.Kind == SampleKind.DefectivePart && s.Score >= low && s.Score < high);
            Console.WriteLine($"  [{low:0.0}, {Math.Min(high, 1f):0.0}{(bin == 9 ? "]" : ")")}  {clean,5} | {defective,5}");
        }
    }

    private static string Rate(IReadOnlyList<ScoreSample> samples, float threshold) =>
        samples.Count == 0 ? "n/a" : $"{samples.Count(s => s.Score >= threshold)}/{samples.Count} ({(double)samples.Count(s => s.Score >= threshold) / samples.Count:P1})".Replace(" %", "%", StringComparison.Ordinal);

    private static string Percentiles(IReadOnlyList<double> values)
    {
        if (values.Count == 0)
        {
            return "-";
        }

        var sorted = values.Order().ToArray();
        double At(double p) => sorted[(int)Math.Round(p * (sorted.Length - 1))];
        return string.Join(" / ", new[] { 0.05, 0.25, 0.5, 0.75, 0.95 }.Select(p => At(p).ToString("0.000", CultureInfo.InvariantCulture)))
            + $"  [{sorted[0].ToString("0.000", CultureInfo.InvariantCulture)}, {sorted[^1].ToString("0.000", CultureInfo.InvariantCulture)}]";
    }
}
