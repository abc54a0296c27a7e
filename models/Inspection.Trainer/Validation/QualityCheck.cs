using Inspection.Detection;
using Inspection.Trainer.Training;
using Microsoft.Extensions.Logging;

namespace Inspection.Trainer.Validation;

/// <summary>
/// Runs an exported model through the same <see cref="OnnxDetector"/> the edge agent uses (letterbox, decode,
/// NMS, score threshold) on held-out frames and counts matches against the line's ground truth in frame pixels.
/// </summary>
public static class QualityCheck
{
    public static QualityReport Run(string modelPath, SyntheticSampler validation, IReadOnlyList<(int Seed, long Frame)> frames, float scoreThreshold, ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(validation);
        ArgumentNullException.ThrowIfNull(frames);
        using var detector = OnnxDetector.Load(
            new DetectorOptions { ModelPath = modelPath, ExecutionProviders = ["CPU"], ScoreThreshold = scoreThreshold },
            logger);
        var perClass = new Dictionary<string, (int Defects, int Detections, int TruePositives)>(StringComparer.Ordinal);
        int defects = 0, detections = 0, matches = 0;
        foreach (var (seed, frameIndex) in frames)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var rendered = validation.Render(seed, frameIndex);
            var found = detector.Detect(rendered.Frame);
            var scored = found.Select(d => (d.ClassId, d.Confidence, d.Box)).ToList();
            var truth = rendered.Truth.Select(t => (t.ClassId, t.Box)).ToList();
            defects += truth.Count;
            detections += scored.Count;
            matches += GreedyMatcher.CountMatches(scored, truth);
            for (var id = 0; id < detector.Model.ClassNames.Count; id++)
            {
                var name = detector.Model.ClassNames[id];
                var classScored = scored.Where(d => d.ClassId == id).ToList();
                var classTruth = truth.Where(t => t.ClassId == id).ToList();
                var (d0, n0, m0) = perClass.GetValueOrDefault(name);
                perClass[name] = (d0 + classTruth.Count, n0 + classScored.Count, m0 + GreedyMatcher.CountMatches(classScored, classTruth));
            }
        }

        return new QualityReport(frames.Count, defects, detections, matches, scoreThreshold, perClass);
    }
}
