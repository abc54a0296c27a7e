using System.Text.Json.Serialization;

namespace Inspection.EdgeAgent.SelfTest;

/// <summary>What one check found: one line of the report.</summary>
/// <param name="Status">Pass, fail or skip.</param>
/// <param name="Detail">What was found, in words a line engineer acts on (the reason, for a failure).</param>
public sealed record SelfTestResult(SelfTestStatus Status, string Detail)
{
    /// <summary>The check's name, as <c>--skip</c> takes it.</summary>
    [JsonPropertyOrder(-1)]
    public string Name { get; init; } = string.Empty;

    /// <summary>How long the check took.</summary>
    public double ElapsedMilliseconds { get; init; }

    /// <summary>The inference check's detections, strongest first; null for the other checks.</summary>
    public IReadOnlyList<SelfTestDetection>? Detections { get; init; }

    public static SelfTestResult Pass(string detail) => new(SelfTestStatus.Pass, detail);

    public static SelfTestResult Fail(string detail) => new(SelfTestStatus.Fail, detail);
}
