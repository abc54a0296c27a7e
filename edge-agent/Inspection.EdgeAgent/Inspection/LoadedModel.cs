using Inspection.Contracts.Mqtt;
using Inspection.Detection;

namespace Inspection.EdgeAgent.Inspection;

/// <summary>
/// A loaded, warm model with what the pipeline decides with: its decision band (a package's recommended band, or
/// the configured one for the model the agent was set up with) and the package it came from.
/// </summary>
public sealed class LoadedModel : IDisposable
{
    public LoadedModel(IDetector detector, DecisionBand band, long? release, string? sha256)
    {
        Detector = detector;
        Band = band;
        Release = release;
        Sha256 = sha256;
    }

    public IDetector Detector { get; }

    public DecisionBand Band { get; }

    /// <summary>The committed package's release, or null for the configured model.</summary>
    public long? Release { get; }

    /// <summary>SHA-256 of the ONNX file, when known.</summary>
    public string? Sha256 { get; }

    /// <summary>How the reported state names it.</summary>
    public ModelInfo Info => new(Detector.Model.Name, Detector.Model.Version, Release, Sha256);

    public void Dispose() => Detector.Dispose();
}
