using Inspection.CloudInference.Escalations;
using Inspection.CloudInference.Storage;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Inspection.CloudInference.Tests.Escalations;

/// <summary>The escalation store contract on the embedded LiteDB file.</summary>
public sealed class LiteDbEscalationStoreTests : EscalationStoreContractTests, IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly List<CloudDatabase> _databases = [];

    public void Dispose()
    {
        foreach (var database in _databases)
        {
            database.Dispose();
        }

        _directory.Dispose();
    }

    protected override Task<IEscalationStore> CreateStoreAsync(RejectedFrameOptions options)
    {
        var database = new CloudDatabase(
            Options.Create(new CloudOptions { StoragePath = _directory.File($"cloud-{_databases.Count}.db") }),
            new HostingEnvironment { ContentRootPath = _directory.Path },
            NullLogger<CloudDatabase>.Instance);
        _databases.Add(database);
        return Task.FromResult<IEscalationStore>(new EscalationStore(database, Options.Create(options)));
    }
}
