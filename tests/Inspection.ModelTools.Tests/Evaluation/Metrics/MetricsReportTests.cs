using System.Text.Json;
using Inspection.Detection;
using Inspection.ModelTools.Evaluation.Metrics;

namespace Inspection.ModelTools.Tests.Evaluation.Metrics;

public sealed class MetricsReportTests
{
    [Fact]
    public void ToJson_Report_WritesCamelCaseWithEveryClass()
    {
        EvaluationImage[] images =
        [
            new([new LabeledBox(0, new BoundingBox(0, 0, 10, 10))], [new ScoredBox(0, 0.9f, new BoundingBox(0, 0, 10, 5))]),
        ];
        var report = DetectionMetrics.Compute(images, classCount: 2, confidenceThreshold: 0.25f);

        using var json = JsonDocument.Parse(report.ToJson());

        var root = json.RootElement;
        Assert.Equal(1.0, root.GetProperty("map50").GetDouble(), 1e-9);
        Assert.Equal(0.1, root.GetProperty("map50To95").GetDouble(), 1e-9);
        Assert.Equal(0.25, root.GetProperty("confidenceThreshold").GetDouble(), 1e-6);
        Assert.Equal(1, root.GetProperty("imageCount").GetInt32());
        var classes = root.GetProperty("classes");
        Assert.Equal(2, classes.GetArrayLength());
        Assert.Equal(10, classes[0].GetProperty("apPerIouThreshold").GetArrayLength());
        Assert.Equal(1, classes[0].GetProperty("atThreshold").GetProperty("truePositives").GetInt32());
        Assert.Equal(0.9, classes[0].GetProperty("curve")[0].GetProperty("confidence").GetDouble(), 1e-6);
        Assert.Equal(JsonValueKind.Null, classes[1].GetProperty("ap50").ValueKind);
        Assert.Equal(JsonValueKind.Null, classes[1].GetProperty("atBestF1").ValueKind);
        var counts = root.GetProperty("confusion").GetProperty("counts");
        Assert.Equal(3, counts.GetArrayLength());
        Assert.Equal(1, counts[0][0].GetInt32());
    }
}
