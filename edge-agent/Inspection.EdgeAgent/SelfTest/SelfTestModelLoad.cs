using Inspection.Detection;

namespace Inspection.EdgeAgent.SelfTest;

/// <summary>How loading the model went, shared by the provider, model and inference checks.</summary>
/// <param name="Detector">The loaded, warm model; null when it could not be loaded.</param>
/// <param name="ModelPath">The model file tried.</param>
/// <param name="Error">Why it could not be loaded, when <paramref name="Detector"/> is null.</param>
/// <param name="Elapsed">Load and warm-up together.</param>
/// <param name="WarmupRuns">Warm-up inferences run after loading.</param>
/// <param name="EngineCache">On TensorRT: whether the engine was built now or taken from the cache; otherwise null.</param>
public sealed record SelfTestModelLoad(
    OnnxDetector? Detector, string ModelPath, string? Error, TimeSpan Elapsed, int WarmupRuns, string? EngineCache);
