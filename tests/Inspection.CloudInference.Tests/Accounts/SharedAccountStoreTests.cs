using Inspection.CloudInference.Accounts;
using Inspection.CloudInference.Storage;
using Inspection.CloudInference.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Inspection.CloudInference.Tests.Accounts;

/// <summary>Two replicas' account stores on one real PostgreSQL database: accounts and tokens made on one work on the other.</summary>
public sealed class SharedAccountStoreTests(PostgreSqlServer server) : IClassFixture<PostgreSqlServer>, IDisposable
{
    private const string Password = "correct horse battery";
    private readonly List<IDisposable> _databases = [];

    public void Dispose()
    {
        foreach (var database in _databases)
        {
            database.Dispose();
        }
    }

    [Fact]
    public async Task Create_SameNameInAnotherCaseOnTheOtherReplica_Refused()
    {
        var (first, second) = await TwoReplicasAsync();
        first.Create("Ana", AccountRoles.Admin, Password, "setup");

        var refused = Assert.Throws<InvalidOperationException>(() => second.Create("ANA", AccountRoles.Operator, Password, "setup"));

        Assert.Contains("exists already", refused.Message, StringComparison.Ordinal);
        var ana = Assert.Single(second.List());
        Assert.Equal("Ana", ana.Name);
        Assert.Equal(AccountRoles.Admin, ana.Role);
        Assert.NotNull(second.SignIn("ana", Password));
    }

    [Fact]
    public async Task IssueToken_OnOneReplica_WorksOnTheOtherUntilRevokedThere()
    {
        var (first, second) = await TwoReplicasAsync();
        first.Create("ana", AccountRoles.Admin, Password, "setup");
        var (token, stored) = first.IssueToken("ana", "ci", "ana");

        var signedIn = second.Authenticate(token);

        Assert.NotNull(signedIn);
        Assert.Equal("ana", signedIn.Value.Account.Id);
        Assert.Equal(stored.TokenId, Assert.Single(second.Tokens("ana")).TokenId);
        Assert.Null(second.Authenticate(token + "x"));

        second.RevokeToken("ana", stored.TokenId, "ana");

        Assert.Null(first.Authenticate(token));
        Assert.NotNull(Assert.Single(first.Tokens("ana")).RevokedAt);
    }

    [Fact]
    public async Task Disable_OnOneReplica_CookieOfTheOtherNoLongerSignsIn()
    {
        var (first, second) = await TwoReplicasAsync();
        first.Create("ana", AccountRoles.Admin, Password, "setup");
        var bob = first.Create("bob", AccountRoles.Operator, Password, "ana");
        Assert.NotNull(second.Current(bob.Id, bob.Stamp));

        second.Disable("bob", "ana");

        Assert.Null(first.Current(bob.Id, bob.Stamp));
        Assert.Null(first.SignIn("bob", Password));
    }

    [Fact]
    public async Task Disable_LastTwoAdminsOnTwoReplicasAtOnce_OneRefusedEveryTime()
    {
        var (first, second) = await TwoReplicasAsync();
        first.Create("ana", AccountRoles.Admin, Password, "setup");
        first.Create("bob", AccountRoles.Admin, Password, "setup");

        for (var round = 0; round < 20; round++)
        {
            using var barrier = new Barrier(2);
            var results = await Task.WhenAll(
                Task.Run(() => TryDisable(first, "ana", barrier), TestContext.Current.CancellationToken),
                Task.Run(() => TryDisable(second, "bob", barrier), TestContext.Current.CancellationToken));

            Assert.Equal(1, results.Count(disabled => disabled));
            Assert.Single(first.List(), a => a.Role == AccountRoles.Admin && a.DisabledAt is null);
            first.Enable(results[0] ? "ana" : "bob", "setup");
        }
    }

    [Fact]
    public async Task AccountsCommand_OnANewSharedDatabase_CreatesTheTablesAndTheAdminEveryReplicaSignsIn()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var connectionString = await server.CreateDatabaseAsync(cancellationToken);
        using var directory = new TempDirectory();
        using var output = new StringWriter();
        using var error = new StringWriter();
        string[] storage =
        [
            $"--Cloud:StoragePath={Path.Combine(directory.Path, "cloud.db")}",
            "--Cloud:StorageProvider=postgresql",
            $"--Cloud:PostgreSqlConnectionString={connectionString}",
        ];

        var added = await AccountsCommand.RunAsync(["accounts", "add", "--name", "Boss", "--role", "admin", "--password-stdin", .. storage], new StringReader(Password + "\n"), output, error, cancellationToken);
        var issued = await AccountsCommand.RunAsync(["accounts", "token", "--name", "boss", "--token-name", "ci", .. storage], new StringReader(""), output, error, cancellationToken);

        Assert.Equal(AccountsCommand.Ok, added);
        Assert.Equal(AccountsCommand.Ok, issued);
        Assert.Equal(string.Empty, error.ToString());
        var token = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[^1];
        var database = new PostgreSqlDatabase(connectionString);
        _databases.Add(database);
        var replica = Store(database);
        Assert.Equal("boss", replica.Authenticate(token)?.Account.Id);
        Assert.NotNull(replica.SignIn("BOSS", Password));
        Assert.False(File.Exists(Path.Combine(directory.Path, "cloud.db")));
    }

    private static bool TryDisable(AccountStore store, string name, Barrier barrier)
    {
        barrier.SignalAndWait();
        try
        {
            store.Disable(name, "test");
            return true;
        }
        catch (InvalidOperationException ex) when (ex.Message.Contains("last enabled admin", StringComparison.Ordinal))
        {
            return false;
        }
    }

    private async Task<(AccountStore First, AccountStore Second)> TwoReplicasAsync()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var connectionString = await server.CreateDatabaseAsync(cancellationToken);
        var firstDatabase = new PostgreSqlDatabase(connectionString);
        var secondDatabase = new PostgreSqlDatabase(connectionString);
        _databases.Add(firstDatabase);
        _databases.Add(secondDatabase);
        await PostgreSqlMigrations.ApplyAsync(firstDatabase.DataSource, cancellationToken);
        return (Store(firstDatabase), Store(secondDatabase));
    }

    private static AccountStore Store(PostgreSqlDatabase database) =>
        new(new PostgreSqlAccountTable(database), Options.Create(new AccountOptions()), TimeProvider.System, NullLogger<AccountStore>.Instance);
}
