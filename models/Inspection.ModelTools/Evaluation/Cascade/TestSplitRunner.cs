using System.Globalization;
using Inspection.Detection;
using Inspection.ModelTools.Dataset;
using Inspection.ModelTools.Evaluation.Metrics;
using Inspection.ModelTools.Line;

namespace Inspection.ModelTools.Evaluation.Cascade;

/// <summary>
/// Renders the dataset's test split in memory (the same frames <c>dataset</c> writes to <c>images/test</c>) and
/// runs every model once over each frame.
/// </summary>
public static class TestSplitRunner
{
    /// <summary>Frame width of the test split, as <c>dataset</c> writes it by default.</summary>
    public const int FrameWidth = 640;

    /// <summary>Frame height of the test split, as <c>dataset</c> writes it by default.</summary>
    public const int FrameHeight = 480;

    /// <param name="seed">The dataset seed (as given to <c>dataset --seed</c>).</param>
    /// <param name="frameCount">Test frames, from the first.</param>
    /// <param name="models">The models by name, run in this order on every frame.</param>
    /// <param name="progress">Called with the number of frames done after each frame; may be null.</param>
    /// <param name="cancellationToken">Stops between frames.</param>
    /// <param name="variant">The part the line carries.</param>
    public static TestSplitPredictions Run(
        int seed,
        int frameCount,
        IReadOnlyList<KeyValuePair<string, IDetector>> models,
        Action<int>? progress,
        CancellationToken cancellationToken,
        LineVariant variant = LineVariant.A)
    {
        return RunLine(DatasetExporter.LineSeedFor(seed, DatasetSplit.Test), frameCount, models, progress, cancellationToken, variant);
    }

    /// <summary>
    /// Like <see cref="Run"/>, on any line: the frames a split of <paramref name="lineSeed"/> would hold (one every
    /// <see cref="DatasetExporter.FrameStride"/> line frames from <see cref="DatasetExporter.FirstFrame"/>).
    /// </summary>
    public static TestSplitPredictions RunLine(
        int lineSeed,
        int frameCount,
        IReadOnlyList<KeyValuePair<string, IDetector>> models,
        Action<int>? progress,
        CancellationToken cancellationToken,
        LineVariant variant = LineVariant.A)
    {
        ArgumentNullException.ThrowIfNull(models);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(frameCount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(frameCount, DatasetExporter.MaxFramesPerSplit);
        var truth = new IReadOnlyList<LabeledBox>[frameCount];
        var sources = new string[frameCount];
        var predictions = models.ToDictionary(m => m.Key, _ => new IReadOnlyList<Inspection.Detection.Detection>[frameCount], StringComparer.Ordinal);
        using var line = new SyntheticLine(lineSeed, FrameWidth, FrameHeight, variant);
        for (var i = 0; i < frameCount; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var rendered = line.Render(DatasetExporter.FrameIndexOf(i));
            truth[i] = [.. rendered.Truth.Select(t => new LabeledBox(t.ClassId, t.Box))];
            sources[i] = string.Create(CultureInfo.InvariantCulture,
                $"{DatasetExporter.FolderName(DatasetSplit.Test)}/{DatasetExporter.FileStem(i)} (line frame {rendered.FrameIndex})");
            foreach (var (name, detector) in models)
            {
                // The detector reuses its buffers between calls, but the detections it returns are fresh objects.
                predictions[name][i] = detector.Detect(rendered.Frame);
            }

            progress?.Invoke(i + 1);
        }

        return new TestSplitPredictions(
            truth, sources, predictions.ToDictionary(p => p.Key, p => (IReadOnlyList<IReadOnlyList<Inspection.Detection.Detection>>)p.Value, StringComparer.Ordinal));
    }
}
