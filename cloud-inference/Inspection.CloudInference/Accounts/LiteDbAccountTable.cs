using Inspection.CloudInference.Storage;
using LiteDB;

namespace Inspection.CloudInference.Accounts;

/// <summary>Accounts and token hashes in the cloud's LiteDB file (collections <c>accounts</c>, <c>account_tokens</c>).</summary>
public sealed class LiteDbAccountTable : IAccountTable
{
    private readonly ILiteCollection<StoredAccount> _accounts;
    private readonly ILiteCollection<StoredToken> _tokens;
    private readonly Lock _admins = new();

    public LiteDbAccountTable(CloudDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _accounts = database.Database.GetCollection<StoredAccount>("accounts");
        _tokens = database.Database.GetCollection<StoredToken>("account_tokens");
        _tokens.EnsureIndex(x => x.AccountId);
    }

    public StoredAccount? FindAccount(string id) => _accounts.FindById(id);

    public IReadOnlyList<StoredAccount> Accounts() => [.. _accounts.FindAll().OrderBy(a => a.Id, StringComparer.Ordinal)];

    public bool TryInsert(StoredAccount account)
    {
        try
        {
            _accounts.Insert(account);
            return true;
        }
        catch (LiteException ex) when (ex.ErrorCode == LiteException.INDEX_DUPLICATE_KEY)
        {
            return false;
        }
    }

    public void Update(StoredAccount account) => _accounts.Update(account);

    public bool UpdateKeepingAnAdmin(StoredAccount account)
    {
        ArgumentNullException.ThrowIfNull(account);
        lock (_admins)
        {
            if (_accounts.Count(a => a.Role == AccountRoles.Admin && a.DisabledAt == null && a.Id != account.Id) == 0)
            {
                return false;
            }

            _accounts.Update(account);
            return true;
        }
    }

    public StoredToken? FindToken(string hash) => _tokens.FindById(hash);

    public IReadOnlyList<StoredToken> TokensOf(string accountId) => [.. _tokens.Find(t => t.AccountId == accountId)];

    public void Insert(StoredToken token) => _tokens.Insert(token);

    public void Update(StoredToken token) => _tokens.Update(token);
}
