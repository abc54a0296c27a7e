namespace Inspection.CloudInference.Accounts;

/// <summary>
/// Where <see cref="AccountStore"/> keeps accounts and token hashes: the LiteDB file, or PostgreSQL tables every cloud
/// replica reads, so an account or a token made on one replica signs in on all of them and a disabled one on none.
/// An account's id is its lower-case name, so names are unique whatever their case.
/// </summary>
public interface IAccountTable
{
    StoredAccount? FindAccount(string id);

    /// <summary>Every account, by id.</summary>
    IReadOnlyList<StoredAccount> Accounts();

    /// <summary>Adds the account; false when one with its id exists already.</summary>
    bool TryInsert(StoredAccount account);

    /// <summary>Writes the account as it is now (the last writer wins: changes are rare and made by people).</summary>
    void Update(StoredAccount account);

    /// <summary>
    /// Writes the account, which is no longer an enabled admin, only if another enabled admin remains; false otherwise.
    /// Check and write are one step, so two writers cannot each remove one of the last two admins.
    /// </summary>
    bool UpdateKeepingAnAdmin(StoredAccount account);

    /// <summary>The token with this hash, or null.</summary>
    StoredToken? FindToken(string hash);

    /// <summary>The tokens of one account.</summary>
    IReadOnlyList<StoredToken> TokensOf(string accountId);

    void Insert(StoredToken token);

    void Update(StoredToken token);
}
