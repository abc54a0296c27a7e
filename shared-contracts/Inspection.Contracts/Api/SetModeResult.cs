using Inspection.Contracts.Mqtt;

namespace Inspection.Contracts.Api;

/// <summary>The outcome of commanding a device's mode.</summary>
/// <param name="State">The desired state issued and stored.</param>
/// <param name="Published">
/// True when the broker accepted it; false when the broker is unreachable — the state is stored and
/// published as soon as the connection is back.
/// </param>
public sealed record SetModeResult(DesiredState State, bool Published);
