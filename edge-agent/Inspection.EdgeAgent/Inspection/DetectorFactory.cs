using Inspection.Detection;

namespace Inspection.EdgeAgent.Inspection;

/// <summary>
/// Loads and warms a detection model with the given options. Registered as a service so the backend can be chosen at
/// composition: ONNX Runtime by default, any other <see cref="IDetector"/> in tests.
/// </summary>
public delegate IDetector DetectorFactory(DetectorOptions options);
