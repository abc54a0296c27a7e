using System.Globalization;

namespace Inspection.EdgeAgent.SelfTest;

/// <summary>The model loads, passes the detection contract (input and output shapes) and is warm; with the time it took.</summary>
public sealed class ModelCheck(SelfTestModel model) : ISelfTestCheck
{
    public string Name => "model";

    public Task<SelfTestResult> RunAsync(CancellationToken cancellationToken)
    {
        var load = model.Load();
        if (load.Detector is not { } detector)
        {
            return Task.FromResult(SelfTestResult.Fail($"the model {load.ModelPath} cannot be loaded: {load.Error}"));
        }

        var metadata = detector.Model;
        var engine = load.EngineCache is null ? string.Empty : $"; TensorRT {load.EngineCache}";
        return Task.FromResult(SelfTestResult.Pass(string.Create(
            CultureInfo.InvariantCulture,
            $"{metadata.Name} {metadata.Version} from {load.ModelPath} loaded and warm in {load.Elapsed.TotalMilliseconds:F0} ms "
            + $"({load.WarmupRuns} warm-up runs on {detector.ExecutionProvider}){engine}; input {ShapeText.Of(detector.InputShape)}, "
            + $"output {ShapeText.Of(detector.OutputShape)} ({detector.OutputLayout}), {metadata.ClassNames.Count} classes")));
    }
}
