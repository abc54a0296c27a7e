namespace Inspection.Contracts.Mqtt;

/// <summary>One reason a device degraded on its own, as its reported state lists them.</summary>
/// <param name="Cause">What it reacts to: <c>cloud-unreachable</c>, <c>outbox-near-quota</c>, <c>inference-slow</c>, <c>camera-lost</c>, <c>model-failing</c>.</param>
/// <param name="Mode">The mode this cause asks for (wire name).</param>
/// <param name="Reason">What was measured, in words, e.g. <c>cloud unreachable: Unavailable after 2 calls</c>.</param>
/// <param name="Since">When the device entered it.</param>
public sealed record AutomaticDegradation(string Cause, string Mode, string Reason, DateTimeOffset Since);
