using Inspection.Detection;
using Inspection.ModelTools.Evaluation.Cascade;
using Inspection.ModelTools.Evaluation.Metrics;

namespace Inspection.ModelTools.Tests.Evaluation.Cascade;

/// <summary>Hand-made frames for the cascade tests.</summary>
internal static class CascadeTestData
{
    public static readonly BoundingBox Defect = new(10, 10, 50, 50);

    public static readonly BoundingBox Elsewhere = new(200, 200, 240, 240);

    public static Inspection.Detection.Detection Det(float confidence, BoundingBox box, int classId = 0) =>
        new(classId, classId == 0 ? "scratch" : "spot", confidence, box);

    /// <summary>
    /// Four frames, one scratch each. The cloud finds every scratch at 0.9. The edge finds frames 0 and 3 (at 0.9
    /// and 0.6) and puts a box in the wrong place on frames 1 (0.5) and 2 (0.2); so the cascade matches the cloud
    /// exactly when frames 1 and 2, and only they need be, are escalated: a band 0.15 / 0.55.
    /// </summary>
    public static IReadOnlyList<CascadeFrame> FourFrames() =>
    [
        Frame(edge: Det(0.9f, Defect), cloud: Det(0.9f, Defect), "f0"),
        Frame(edge: Det(0.5f, Elsewhere), cloud: Det(0.9f, Defect), "f1"),
        Frame(edge: Det(0.2f, Elsewhere), cloud: Det(0.9f, Defect), "f2"),
        Frame(edge: Det(0.6f, Defect), cloud: Det(0.9f, Defect), "f3"),
    ];

    /// <summary><see cref="FourFrames"/> as recorded predictions of the models <c>edge</c> and <c>cloud</c>.</summary>
    public static TestSplitPredictions FourFramesRecorded()
    {
        var frames = FourFrames();
        return new TestSplitPredictions(
            [.. frames.Select(f => f.Truth)],
            [.. frames.Select(f => f.Source!)],
            new Dictionary<string, IReadOnlyList<IReadOnlyList<Inspection.Detection.Detection>>>
            {
                [CascadeEvaluation.Edge] = [.. frames.Select(f => f.Edge)],
                [CascadeEvaluation.Cloud] = [.. frames.Select(f => f.Cloud)],
            });
    }

    private static CascadeFrame Frame(Inspection.Detection.Detection edge, Inspection.Detection.Detection cloud, string source) =>
        new([new LabeledBox(0, Defect)], [edge], [cloud], source);
}
