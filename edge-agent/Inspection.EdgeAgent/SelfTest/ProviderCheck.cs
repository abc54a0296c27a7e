namespace Inspection.EdgeAgent.SelfTest;

/// <summary>
/// The execution provider that actually runs the model. Passes only when it is the first of
/// <c>Detector:ExecutionProviders</c> (TensorRT on a Jetson), and otherwise says why each earlier one did not load:
/// a device silently inspecting on its CPU is slower than the line, so that is a failure here.
/// </summary>
public sealed class ProviderCheck(SelfTestModel model) : ISelfTestCheck
{
    public string Name => "provider";

    public Task<SelfTestResult> RunAsync(CancellationToken cancellationToken)
    {
        var load = model.Load();
        if (load.Detector is not { } detector)
        {
            return Task.FromResult(SelfTestResult.Fail($"no execution provider runs the model: {load.Error}"));
        }

        var skipped = detector.SkippedProviders;
        return Task.FromResult(skipped.Count == 0
            ? SelfTestResult.Pass($"{detector.ExecutionProvider} (the first of Detector:ExecutionProviders)")
            : SelfTestResult.Fail($"{detector.ExecutionProvider}, not the first of Detector:ExecutionProviders: {string.Join("; ", skipped)}"));
    }
}
