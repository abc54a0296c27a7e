using System.Security.Cryptography;
using Inspection.Detection.Packaging;

namespace Inspection.CloudInference.Tests.Infrastructure;

/// <summary>
/// Real signed agent bundles (<see cref="AgentBundleBuilder"/>, what <c>ModelTools pack-agent</c> writes) of a small
/// stand-in release: an entry script and a payload file. The cloud only verifies and serves them; the agent's own
/// install of a bundle is tested in the edge agent's tests.
/// </summary>
internal static class TestAgentBundles
{
    public const string Entry = "Inspection.EdgeAgent";

    /// <summary>A bundle of release <paramref name="version"/> signed with <paramref name="key"/>.</summary>
    public static byte[] Build(TempDirectory directory, string version, ECDsa key)
    {
        var publish = directory.File($"agent-publish-{version}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(publish);
        File.WriteAllText(Path.Combine(publish, Entry), $"#!/bin/sh\necho agent {version}\n");

        // Enough bytes that a ranged download has something to skip.
        File.WriteAllBytes(Path.Combine(publish, "Inspection.EdgeAgent.dll"), RandomNumberGenerator.GetBytes(64 * 1024));
        using var output = new MemoryStream();
        AgentBundleBuilder.Pack(publish, version, Entry, key, output, TimeProvider.System);
        return output.ToArray();
    }

    /// <summary>Uploads a bundle with <paramref name="client"/> (default: the cloud's admin).</summary>
    public static async Task<HttpResponseMessage> UploadAsync(TestCloud cloud, byte[] bundle, HttpClient? client = null)
    {
        using var content = new ByteArrayContent(bundle);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/zip");
        return await (client ?? cloud.Http).PostAsync("api/agent-releases", content, TestContext.Current.CancellationToken);
    }
}
