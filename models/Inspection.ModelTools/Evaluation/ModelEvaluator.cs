using Inspection.ModelTools.Line;

namespace Inspection.ModelTools.Evaluation;

/// <summary>Runs a model over rendered frames of the synthetic line and collects defect and part scores.</summary>
public static class ModelEvaluator
{
    /// <summary>
    /// Scores every <paramref name="step"/>-th frame of [0, <paramref name="frames"/>) of each seed: each visible
    /// defect (its class's best score over its box) and each fully visible part (best score of any class over the plate).
    /// </summary>
    public static IReadOnlyList<ScoreSample> Measure(
        ModelRunner runner, IEnumerable<int> seeds, int frames, int step, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runner);
        ArgumentNullException.ThrowIfNull(seeds);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(frames);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(step);
        var samples = new List<ScoreSample>();
        foreach (var seed in seeds)
        {
            using var line = new SyntheticLine(seed);
            for (var index = 0; index < frames; index += step)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var rendered = line.Render(index);
                if (rendered.Parts.Count == 0)
                {
                    continue;
                }

                runner.Run(rendered.Frame);
                foreach (var truth in rendered.Truth)
                {
                    var score = runner.MaxScore(truth.ClassId, truth.Box.X1, truth.Box.Y1, truth.Box.X2, truth.Box.Y2);
                    samples.Add(new ScoreSample(truth.Faint ? SampleKind.FaintDefect : SampleKind.ClearDefect, truth.ClassId, score, seed, index));
                }

                foreach (var part in rendered.Parts.Where(p => p.FullyVisible))
                {
                    var kind = part.IsDefective ? SampleKind.DefectivePart : SampleKind.CleanPart;
                    samples.Add(new ScoreSample(kind, -1, runner.MaxScoreOnPart(part), seed, index));
                }
            }
        }

        return samples;
    }
}
