using Inspection.CloudInference.Storage;
using LiteDB;

namespace Inspection.CloudInference.Models;

/// <summary>Releases in the cloud's LiteDB file (collection <c>models</c>); their files live only in the registry folder.</summary>
public sealed class LiteDbModelTable(CloudDatabase database) : IModelTable
{
    private readonly ILiteCollection<RegisteredModel> _models = database.Database.GetCollection<RegisteredModel>("models");

    public bool HoldsFiles => false;

    public long MaxFileBytes => long.MaxValue;

    public IReadOnlyList<RegisteredModel> List() => [.. _models.FindAll().OrderByDescending(m => m.Id)];

    public RegisteredModel? Find(long release) => _models.FindById(release);

    public bool TryInsert(RegisteredModel model, IReadOnlyList<(string Path, byte[] Bytes)> files)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (_models.FindById(model.Id) is not null)
        {
            return false;
        }

        _models.Insert(model);
        return true;
    }

    public IReadOnlyList<(string Path, byte[] Bytes)>? Files(long release) => null;
}
