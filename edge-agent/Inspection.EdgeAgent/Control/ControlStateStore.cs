using Inspection.Contracts.Mqtt;
using Inspection.EdgeAgent.Storage;
using LiteDB;

namespace Inspection.EdgeAgent.Control;

/// <summary>
/// Persists the applied desired state (version and commanded mode), so a restarted agent resumes with
/// what it was told and ignores the same retained message when it reconnects.
/// </summary>
public sealed class ControlStateStore
{
    private const string DocumentId = "desired";
    private readonly EdgeDatabase _database;

    public ControlStateStore(EdgeDatabase database)
    {
        _database = database;
    }

    public (long Version, DegradationMode Mode) Load()
    {
        var document = _database.ControlCollection.FindById(DocumentId);
        if (document is null)
        {
            return (0, DegradationMode.Normal);
        }

        DegradationModes.TryParse(document["mode"].AsString, out var mode);
        return (document["version"].AsInt64, mode);
    }

    public void Save(long version, DegradationMode mode)
    {
        _database.ControlCollection.Upsert(new BsonDocument
        {
            ["_id"] = DocumentId,
            ["version"] = version,
            ["mode"] = mode.ToWire(),
        });
        _database.MakeDurable();
    }
}
