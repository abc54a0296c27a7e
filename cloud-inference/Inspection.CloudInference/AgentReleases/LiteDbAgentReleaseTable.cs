using Inspection.CloudInference.Storage;
using LiteDB;

namespace Inspection.CloudInference.AgentReleases;

/// <summary>Releases in the cloud's LiteDB file (collection <c>agent_releases</c>); their bundles live only in the release folder.</summary>
public sealed class LiteDbAgentReleaseTable(CloudDatabase database) : IAgentReleaseTable
{
    private readonly ILiteCollection<AgentRelease> _releases = database.Database.GetCollection<AgentRelease>("agent_releases");

    public bool HoldsBundles => false;

    public long MaxBundleBytes => long.MaxValue;

    public IReadOnlyList<AgentRelease> List() => [.. _releases.FindAll()];

    public AgentRelease? Find(string version) => _releases.FindById(version);

    public Task<bool> TryInsertAsync(AgentRelease release, string bundlePath, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(release);

        // The store registers one bundle at a time on its only replica: the check and the insert cannot interleave.
        if (_releases.FindById(release.Version) is not null)
        {
            return Task.FromResult(false);
        }

        _releases.Insert(release);
        return Task.FromResult(true);
    }

    public Task<bool> CopyBundleAsync(string version, Stream target, CancellationToken cancellationToken) => Task.FromResult(false);
}
