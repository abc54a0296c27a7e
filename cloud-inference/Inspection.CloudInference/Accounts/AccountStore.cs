using System.Security.Cryptography;
using System.Text;
using Inspection.CloudInference.Storage;
using LiteDB;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Inspection.CloudInference.Accounts;

/// <summary>
/// Accounts and their API tokens in the cloud database. Passwords are kept as salted PBKDF2 hashes and tokens as SHA-256
/// hashes, so the file alone signs nobody in. A refusal throws: <see cref="ArgumentException"/> for bad input,
/// <see cref="KeyNotFoundException"/> for an unknown account or token, <see cref="InvalidOperationException"/> for a change
/// the current state does not allow; every change is logged with who made it.
/// </summary>
public sealed partial class AccountStore
{
    /// <summary>What every token starts with, so a leaked one is recognisable in a log or a repository scan.</summary>
    public const string TokenPrefix = "insp_";

    public const int MaxNameLength = 64;

    // A token's last use is written at most this often: the CLI's watches would otherwise write on every refresh.
    private static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);

    private readonly IAccountTable _table;
    private readonly PasswordHasher<StoredAccount> _hasher = new();
    private readonly TimeProvider _time;
    private readonly ILogger<AccountStore> _logger;
    private readonly int _minPasswordLength;

    // Checked against when the name is unknown, so an unknown name costs the same time as a wrong password.
    private readonly Lazy<string> _decoyHash;

    public AccountStore(CloudDatabase database, IOptions<AccountOptions> options, TimeProvider time, ILogger<AccountStore> logger)
        : this(new LiteDbAccountTable(database), options, time, logger)
    {
    }

    public AccountStore(IAccountTable table, IOptions<AccountOptions> options, TimeProvider time, ILogger<AccountStore> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _table = table;
        _time = time;
        _logger = logger;
        _minPasswordLength = options.Value.MinPasswordLength;
        _decoyHash = new(() => _hasher.HashPassword(new StoredAccount(), Convert.ToHexString(RandomNumberGenerator.GetBytes(16))));
    }

    public StoredAccount Create(string name, string role, string password, string actor)
    {
        var id = ValidName(name);
        if (!AccountRoles.IsValid(role))
        {
            throw new ArgumentException(AccountRoles.Problem(role));
        }

        var account = new StoredAccount
        {
            Id = id,
            Name = name,
            Role = role,
            CreatedAt = Now(),
            CreatedBy = actor,
            Stamp = NewStamp(),
        };
        account.PasswordHash = _hasher.HashPassword(account, ValidPassword(password));
        if (!_table.TryInsert(account))
        {
            throw new InvalidOperationException($"an account named '{name}' exists already: choose another name, or reset its password");
        }

        Log.Created(_logger, account.Name, role, actor);
        return account;
    }

    public IReadOnlyList<StoredAccount> List() => _table.Accounts();

    public StoredAccount? Find(string name) => string.IsNullOrEmpty(name) ? null : _table.FindAccount(name.ToLowerInvariant());

    /// <summary>
    /// The account when <paramref name="password"/> is its password and it is enabled; otherwise null, the same way for an
    /// unknown name, a wrong password and a disabled account, so the answer tells an attacker nothing.
    /// </summary>
    public StoredAccount? SignIn(string? name, string? password)
    {
        var account = string.IsNullOrEmpty(name) ? null : Find(name);
        if (account is null || string.IsNullOrEmpty(password))
        {
            _hasher.VerifyHashedPassword(new StoredAccount(), _decoyHash.Value, password ?? "");
            Log.SignInRefused(_logger, name ?? "");
            return null;
        }

        var result = _hasher.VerifyHashedPassword(account, account.PasswordHash, password);
        if (result == PasswordVerificationResult.Failed || account.DisabledAt is not null)
        {
            Log.SignInRefused(_logger, account.Name);
            return null;
        }

        if (result == PasswordVerificationResult.SuccessRehashNeeded)
        {
            account.PasswordHash = _hasher.HashPassword(account, password);
            _table.Update(account);
        }

        Log.SignedIn(_logger, account.Name);
        return account;
    }

    /// <summary>The account a sign-in cookie names, while it is enabled and unchanged since the cookie was issued.</summary>
    public StoredAccount? Current(string id, string stamp) =>
        _table.FindAccount(id) is { DisabledAt: null } account && account.Stamp == stamp ? account : null;

    public StoredAccount Disable(string name, string actor)
    {
        var account = Existing(name);
        if (account.DisabledAt is not null)
        {
            return account;
        }

        var wasAdmin = account.Role == AccountRoles.Admin;
        account.DisabledAt = Now();
        account.Stamp = NewStamp();
        Write(account, wasAdmin);
        Log.Disabled(_logger, account.Name, actor);
        return account;
    }

    public StoredAccount Enable(string name, string actor)
    {
        var account = Existing(name);
        if (account.DisabledAt is null)
        {
            return account;
        }

        account.DisabledAt = null;
        account.Stamp = NewStamp();
        _table.Update(account);
        Log.Enabled(_logger, account.Name, actor);
        return account;
    }

    public StoredAccount SetRole(string name, string role, string actor)
    {
        if (!AccountRoles.IsValid(role))
        {
            throw new ArgumentException(AccountRoles.Problem(role));
        }

        var account = Existing(name);
        if (account.Role == role)
        {
            return account;
        }

        var from = account.Role;
        account.Role = role;
        account.Stamp = NewStamp();
        Write(account, from == AccountRoles.Admin && account.DisabledAt is null);
        Log.RoleChanged(_logger, account.Name, from, role, actor);
        return account;
    }

    public StoredAccount ResetPassword(string name, string password, string actor)
    {
        var account = Existing(name);
        account.PasswordHash = _hasher.HashPassword(account, ValidPassword(password));
        account.Stamp = NewStamp();
        _table.Update(account);
        Log.PasswordReset(_logger, account.Name, actor);
        return account;
    }

    /// <summary>Issues a token for the account: the token itself is returned once here and never stored.</summary>
    public (string Token, StoredToken Stored) IssueToken(string name, string? tokenName, string actor)
    {
        var account = Existing(name);
        if (account.DisabledAt is not null)
        {
            throw new InvalidOperationException($"account '{account.Name}' is disabled: enable it before issuing it a token");
        }

        var label = string.IsNullOrWhiteSpace(tokenName) ? "token" : tokenName.Trim();
        if (label.Length > MaxNameLength)
        {
            throw new ArgumentException($"a token name is at most {MaxNameLength} characters");
        }

        var token = TokenPrefix + Base64Url(RandomNumberGenerator.GetBytes(32));
        var hash = Hash(token);
        var stored = new StoredToken
        {
            Id = hash,
            TokenId = hash[..12],
            AccountId = account.Id,
            Name = label,
            CreatedAt = Now(),
            CreatedBy = actor,
        };
        _table.Insert(stored);
        Log.TokenIssued(_logger, stored.TokenId, label, account.Name, actor);
        return (token, stored);
    }

    public IReadOnlyList<StoredToken> Tokens(string name)
    {
        var account = Existing(name);
        return [.. _table.TokensOf(account.Id).OrderBy(t => t.CreatedAt)];
    }

    public StoredToken RevokeToken(string name, string tokenId, string actor)
    {
        var account = Existing(name);
        var token = _table.TokensOf(account.Id).FirstOrDefault(t => t.TokenId == tokenId)
            ?? throw new KeyNotFoundException($"account '{account.Name}' has no token '{tokenId}'");
        if (token.RevokedAt is null)
        {
            token.RevokedAt = Now();
            token.RevokedBy = actor;
            _table.Update(token);
            Log.TokenRevoked(_logger, token.TokenId, account.Name, actor);
        }

        return token;
    }

    /// <summary>The account and token a bearer token stands for, while neither is revoked nor disabled; else null.</summary>
    public (StoredAccount Account, StoredToken Token)? Authenticate(string token)
    {
        if (!token.StartsWith(TokenPrefix, StringComparison.Ordinal)
            || _table.FindToken(Hash(token)) is not { RevokedAt: null } stored
            || _table.FindAccount(stored.AccountId) is not { DisabledAt: null } account)
        {
            return null;
        }

        var now = Now();
        if (stored.LastUsedAt is not { } last || now - last >= LastUsedResolution)
        {
            stored.LastUsedAt = now;
            try
            {
                _table.Update(stored);
            }
            catch (Exception ex) when (ex is LiteException or IOException or System.Data.Common.DbException)
            {
                // Only a convenience for the token list: a store that takes no writes must not refuse a valid token.
                Log.LastUseNotStored(_logger, stored.TokenId, ex.Message);
            }
        }

        return (account, stored);
    }

    internal static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string NewStamp() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    private static string ValidName(string? name)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > MaxNameLength
            || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' or '@'))
        {
            throw new ArgumentException(
                $"account name '{name}' is not usable: 1 to {MaxNameLength} characters, letters, digits and . - _ @ only");
        }

        return name.ToLowerInvariant();
    }

    private string ValidPassword(string? password)
    {
        if (string.IsNullOrEmpty(password) || password.Length < _minPasswordLength)
        {
            throw new ArgumentException($"the password must have at least {_minPasswordLength} characters (Cloud:Accounts:MinPasswordLength)");
        }

        return password;
    }

    private StoredAccount Existing(string name) =>
        Find(name) ?? throw new KeyNotFoundException($"no account named '{name}'");

    // Without an enabled admin, nobody could manage accounts again short of stopping the cloud for the command.
    private void Write(StoredAccount account, bool wasEnabledAdmin)
    {
        if (!wasEnabledAdmin || (account.Role == AccountRoles.Admin && account.DisabledAt is null))
        {
            _table.Update(account);
            return;
        }

        if (!_table.UpdateKeepingAnAdmin(account))
        {
            throw new InvalidOperationException($"'{account.Name}' is the last enabled admin: make another account admin first");
        }
    }

    private DateTime Now() => _time.GetUtcNow().UtcDateTime;

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Account {Name} created with role {Role} by {Actor}")]
        public static partial void Created(ILogger logger, string name, string role, string actor);

        [LoggerMessage(Level = LogLevel.Information, Message = "Account {Name} disabled by {Actor}")]
        public static partial void Disabled(ILogger logger, string name, string actor);

        [LoggerMessage(Level = LogLevel.Information, Message = "Account {Name} enabled by {Actor}")]
        public static partial void Enabled(ILogger logger, string name, string actor);

        [LoggerMessage(Level = LogLevel.Information, Message = "Account {Name} changed from role {From} to {To} by {Actor}")]
        public static partial void RoleChanged(ILogger logger, string name, string from, string to, string actor);

        [LoggerMessage(Level = LogLevel.Information, Message = "Password of account {Name} reset by {Actor}")]
        public static partial void PasswordReset(ILogger logger, string name, string actor);

        [LoggerMessage(Level = LogLevel.Information, Message = "Token {TokenId} ({TokenName}) issued for account {Name} by {Actor}")]
        public static partial void TokenIssued(ILogger logger, string tokenId, string tokenName, string name, string actor);

        [LoggerMessage(Level = LogLevel.Information, Message = "Token {TokenId} of account {Name} revoked by {Actor}")]
        public static partial void TokenRevoked(ILogger logger, string tokenId, string name, string actor);

        [LoggerMessage(Level = LogLevel.Warning, Message = "The last use of token {TokenId} could not be stored: {Reason}")]
        public static partial void LastUseNotStored(ILogger logger, string tokenId, string reason);

        [LoggerMessage(Level = LogLevel.Information, Message = "{Name} signed in")]
        public static partial void SignedIn(ILogger logger, string name);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Sign-in refused for '{Name}'")]
        public static partial void SignInRefused(ILogger logger, string name);
    }
}
