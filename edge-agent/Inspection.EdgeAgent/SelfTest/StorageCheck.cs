using LiteDB;
using Inspection.EdgeAgent.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Inspection.EdgeAgent.SelfTest;

/// <summary>
/// The database folder (the folder of <c>Storage:Path</c>) takes a LiteDB write, read and delete. The probe is its own
/// database file beside the real one, removed afterwards: the real records are never opened, so a running agent
/// (which holds its database) is not disturbed either.
/// </summary>
public sealed class StorageCheck(IOptions<StorageOptions> options, IHostEnvironment environment, TimeProvider time) : ISelfTestCheck
{
    public string Name => "storage";

    public Task<SelfTestResult> RunAsync(CancellationToken cancellationToken)
    {
        var database = Path.GetFullPath(options.Value.Path, environment.ContentRootPath);
        var folder = Path.GetDirectoryName(database)!;
        var probe = Path.Combine(folder, $".self-test-{Guid.NewGuid():N}.db");
        try
        {
            Directory.CreateDirectory(folder);
            using (var db = new LiteDatabase(new ConnectionString { Filename = probe, Connection = ConnectionType.Direct }))
            {
                var probes = db.GetCollection("probe");
                var token = Guid.NewGuid().ToString("N");
                var id = probes.Insert(new BsonDocument { ["token"] = token, ["written"] = time.GetUtcNow().UtcDateTime });
                if (probes.FindById(id)?["token"].AsString != token)
                {
                    return Task.FromResult(SelfTestResult.Fail($"a probe record written in {folder} (Storage:Path) did not read back the same"));
                }

                if (!probes.Delete(id) || probes.Count() != 0)
                {
                    return Task.FromResult(SelfTestResult.Fail($"a probe record in {folder} (Storage:Path) could not be deleted"));
                }
            }

            return Task.FromResult(SelfTestResult.Pass($"{folder} takes a LiteDB write, read and delete ({Path.GetFileName(database)} untouched)"));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or LiteException)
        {
            return Task.FromResult(SelfTestResult.Fail($"the database folder {folder} (Storage:Path) is not writable: {ex.Message}"));
        }
        finally
        {
            Delete(probe);
            Delete(Path.Combine(folder, Path.GetFileNameWithoutExtension(probe) + "-log.db"));
        }
    }

    private static void Delete(string file)
    {
        try
        {
            File.Delete(file);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Nothing was written where it could not be deleted either.
        }
    }
}
