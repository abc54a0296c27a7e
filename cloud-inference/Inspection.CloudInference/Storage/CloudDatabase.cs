using Inspection.LiteDb;
using LiteDB;
using Microsoft.Extensions.Options;

namespace Inspection.CloudInference.Storage;

/// <summary>
/// The one <see cref="LiteDatabase"/> of the cloud file (LiteDB allows one instance per file per
/// process; it is thread-safe). Escalations and desired states share it. While it is open, it holds an exclusive lock on
/// <c>&lt;file&gt;.lock</c>: LiteDB's direct mode takes none, and two writers would corrupt the file.
/// </summary>
public sealed partial class CloudDatabase : IDisposable
{
    private readonly LiteDatabase _database;
    private readonly FileStream _lock;

    public CloudDatabase(IOptions<CloudOptions> options, IHostEnvironment environment, ILogger<CloudDatabase> logger)
    {
        var path = Path.GetFullPath(options.Value.StoragePath, environment.ContentRootPath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        FilePath = path;
        _lock = Lock(path);
        // Its own mapper, not LiteDB's process-wide one: that one builds type mappings lazily and not thread-safely, so
        // two clouds in one process (the tests) starting their stores at once failed with "Member ... not found".
        _database = new LiteDatabase(new ConnectionString { Filename = path, Connection = ConnectionType.Direct }, new BsonMapper());
        Log.Opened(logger, path);
    }

    /// <summary>Full path of the database file.</summary>
    public string FilePath { get; }

    public LiteDatabase Database => _database;

    // A request or message handler still writing at shutdown must not leave LiteDB a transaction whose finalizer ends the process.
    public void Dispose()
    {
        LiteDatabaseRetirement.Dispose(_database, TimeProvider.System);
        _lock.Dispose();
    }

    // FileShare.None is an exclusive flock on Linux: held by the open file, released when it closes or the process ends.
    private static FileStream Lock(string path)
    {
        try
        {
            return new FileStream(path + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex)
        {
            throw new StoreInUseException(
                $"The cloud database {path} is in use by another process (a running cloud service?): stop it first, "
                + "or point Cloud:StoragePath at another file.", ex);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Cloud database at {Path}")]
        public static partial void Opened(ILogger logger, string path);
    }
}
