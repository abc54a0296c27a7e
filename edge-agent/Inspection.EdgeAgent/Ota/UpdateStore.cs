using Inspection.Contracts.Mqtt;
using Inspection.EdgeAgent.Storage;
using LiteDB;

namespace Inspection.EdgeAgent.Ota;

/// <summary>
/// The persisted model update (<see cref="UpdateRecord"/>) in the agent's database, and the releases that failed here
/// (not tried again: going forward means publishing a new release). Every write is made durable before it returns,
/// so a state the device reported survives kill -9.
/// </summary>
public sealed class UpdateStore
{
    private const string FailedDocumentId = "failed-releases";
    private const string HighestDocumentId = "highest-release";
    private readonly EdgeDatabase _database;
    private readonly ILiteCollection<BsonDocument> _collection;

    public UpdateStore(EdgeDatabase database)
    {
        _database = database;
        _collection = database.Database.GetCollection("ota");
    }

    public UpdateRecord? Load()
    {
        var document = _collection.FindById(UpdateRecord.DocumentId);
        return document is null ? null : _database.Database.Mapper.ToObject<UpdateRecord>(document);
    }

    public void Save(UpdateRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        _collection.Upsert(_database.Database.Mapper.ToDocument(record));
        _database.MakeDurable();
    }

    public static ModelTarget? TargetOf(UpdateRecord record) =>
        System.Text.Json.JsonSerializer.Deserialize(record.TargetJson, CommittedJsonContext.Default.ModelTarget);

    public static string Serialize(ModelTarget target) => System.Text.Json.JsonSerializer.Serialize(target, CommittedJsonContext.Default.ModelTarget);

    /// <summary>
    /// The highest release ever committed here, kept beside the pointer so that a rollback (which moves the pointer
    /// back, or removes it) does not open the way to older releases.
    /// </summary>
    public long HighestCommitted() => _collection.FindById(HighestDocumentId)?["release"].AsInt64 ?? 0;

    public void RecordCommitted(long release)
    {
        if (release <= HighestCommitted())
        {
            return;
        }

        _collection.Upsert(new BsonDocument { ["_id"] = HighestDocumentId, ["release"] = release });
        _database.MakeDurable();
    }

    public bool HasFailed(long release) =>
        _collection.FindById(FailedDocumentId)?["releases"].AsArray.Any(r => r.AsInt64 == release) == true;

    public void MarkFailed(long release)
    {
        var document = _collection.FindById(FailedDocumentId) ?? new BsonDocument { ["_id"] = FailedDocumentId, ["releases"] = new BsonArray() };
        var releases = document["releases"].AsArray;
        if (!releases.Any(r => r.AsInt64 == release))
        {
            releases.Add(release);
        }

        _collection.Upsert(document);
        _database.MakeDurable();
    }
}
