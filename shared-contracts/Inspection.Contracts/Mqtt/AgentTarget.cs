namespace Inspection.Contracts.Mqtt;

/// <summary>
/// The edge agent release a device should run, part of its <see cref="DesiredState"/>: a signed agent bundle. The
/// device trusts none of it on its word: the download must have this size and SHA-256, and the bundle's manifest must
/// be signed by a pinned publisher key, name this version, and be newer than the agent that runs.
/// </summary>
/// <param name="Version">Semantic version of the release; a device refuses one at or below the version it runs.</param>
/// <param name="Url">Absolute http(s) URL of the bundle (<c>agent-&lt;version&gt;.zip</c>).</param>
/// <param name="Sha256">SHA-256 of the bundle file.</param>
/// <param name="Size">Size of the bundle file in bytes.</param>
public sealed record AgentTarget(string Version, string Url, string Sha256, long Size);
