using Inspection.ModelTools.Evaluation.Metrics;

namespace Inspection.ModelTools.Evaluation.Cascade;

/// <summary>
/// The test split's ground truth and every model's predictions on it, recorded once so that the metrics and the
/// band sweep never run a model again.
/// </summary>
public sealed class TestSplitPredictions
{
    private readonly Dictionary<string, IReadOnlyList<IReadOnlyList<Inspection.Detection.Detection>>> _byModel;

    /// <param name="truth">Ground truth per frame.</param>
    /// <param name="sources">A name per frame, quoted in error messages; same length as <paramref name="truth"/>.</param>
    /// <param name="byModel">Predictions per model name, one list per frame, same length as <paramref name="truth"/>.</param>
    public TestSplitPredictions(
        IReadOnlyList<IReadOnlyList<LabeledBox>> truth,
        IReadOnlyList<string> sources,
        IReadOnlyDictionary<string, IReadOnlyList<IReadOnlyList<Inspection.Detection.Detection>>> byModel)
    {
        ArgumentNullException.ThrowIfNull(truth);
        ArgumentNullException.ThrowIfNull(sources);
        ArgumentNullException.ThrowIfNull(byModel);
        if (sources.Count != truth.Count)
        {
            throw new ArgumentException($"{sources.Count} frame names for {truth.Count} frames.", nameof(sources));
        }

        foreach (var (name, predictions) in byModel)
        {
            if (predictions.Count != truth.Count)
            {
                throw new ArgumentException($"Model '{name}' has predictions for {predictions.Count} frames, not {truth.Count}.", nameof(byModel));
            }
        }

        Truth = truth;
        Sources = sources;
        _byModel = new(byModel, StringComparer.Ordinal);
    }

    public IReadOnlyList<IReadOnlyList<LabeledBox>> Truth { get; }

    public IReadOnlyList<string> Sources { get; }

    public int FrameCount => Truth.Count;

    /// <summary>Whether predictions of <paramref name="model"/> were recorded.</summary>
    public bool Has(string model) => _byModel.ContainsKey(model);

    /// <summary>The recorded predictions of <paramref name="model"/>, one list per frame.</summary>
    public IReadOnlyList<IReadOnlyList<Inspection.Detection.Detection>> Of(string model) =>
        _byModel.TryGetValue(model, out var predictions)
            ? predictions
            : throw new KeyNotFoundException($"No predictions recorded for model '{model}'; recorded: {string.Join(", ", _byModel.Keys)}.");

    /// <summary>The frames as the metrics see them, with the predictions of <paramref name="model"/>.</summary>
    public IReadOnlyList<EvaluationImage> ImagesOf(string model)
    {
        var predictions = Of(model);
        return [.. Truth.Select((truth, i) => new EvaluationImage(truth, [.. predictions[i].Select(ScoredBox.From)], Sources[i]))];
    }

    /// <summary>The frames as the cascade sees them: truth, the edge model's and the cloud model's predictions.</summary>
    public IReadOnlyList<CascadeFrame> CascadeFrames(string edge, string cloud)
    {
        var edgePredictions = Of(edge);
        var cloudPredictions = Of(cloud);
        return [.. Truth.Select((truth, i) => new CascadeFrame(truth, edgePredictions[i], cloudPredictions[i], Sources[i]))];
    }

    /// <summary>The frames of several recordings one after the other, for figures over several lines.</summary>
    public static TestSplitPredictions Concat(IReadOnlyList<TestSplitPredictions> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (parts.Count == 0)
        {
            throw new ArgumentException("Nothing to join.", nameof(parts));
        }

        var models = parts[0]._byModel.Keys.ToList();
        return new TestSplitPredictions(
            [.. parts.SelectMany(p => p.Truth)],
            [.. parts.SelectMany(p => p.Sources)],
            models.ToDictionary(m => m, m => (IReadOnlyList<IReadOnlyList<Inspection.Detection.Detection>>)[.. parts.SelectMany(p => p.Of(m))], StringComparer.Ordinal));
    }
}
