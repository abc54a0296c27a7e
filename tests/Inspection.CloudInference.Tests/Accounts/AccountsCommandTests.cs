using System.Net;
using System.Net.Http.Json;
using Inspection.CloudInference.Accounts;
using Inspection.CloudInference.Tests.Infrastructure;

namespace Inspection.CloudInference.Tests.Accounts;

/// <summary><c>accounts add|token</c>: the first admin written while the cloud is stopped.</summary>
public sealed class AccountsCommandTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly StringWriter _output = new();
    private readonly StringWriter _error = new();

    public void Dispose()
    {
        _output.Dispose();
        _error.Dispose();
        _directory.Dispose();
    }

    [Fact]
    public async Task Add_ThenToken_TheCloudSignsBothIn()
    {
        var passwordFile = Path.Combine(_directory.Path, "password.txt");
        await File.WriteAllTextAsync(passwordFile, "first-admin-pw\n", TestContext.Current.CancellationToken);

        var added = await RunAsync(null, "accounts", "add", "--name", "boss", "--role", "admin", "--password-file", passwordFile);
        var tokenExit = await RunAsync(null, "accounts", "token", "--name", "boss", "--token-name", "demo");
        var token = _output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[^1];

        Assert.Equal(AccountsCommand.Ok, added);
        Assert.Equal(AccountsCommand.Ok, tokenExit);
        Assert.StartsWith(AccountStore.TokenPrefix, token);
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        using var signIn = await cloud.Anonymous.PostAsJsonAsync("api/session", new { name = "boss", password = "first-admin-pw" }, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);
        using var accounts = await cloud.Client(token).GetAsync("api/accounts", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, accounts.StatusCode);
    }

    [Fact]
    public async Task Add_PasswordFromStandardInput_Created()
    {
        var exit = await RunAsync("from-stdin-pw\n", "accounts", "add", "--name", "ops", "--role", "operator", "--password-stdin");

        Assert.Equal(AccountsCommand.Ok, exit);
        Assert.Contains("Account 'ops' created with role operator.", _output.ToString());
    }

    [Fact]
    public async Task Add_NameExists_ClearErrorAndTheFirstKept()
    {
        await RunAsync("first-password\n", "accounts", "add", "--name", "boss", "--role", "admin", "--password-stdin");

        var exit = await RunAsync("second-password\n", "accounts", "add", "--name", "BOSS", "--role", "operator", "--password-stdin");

        Assert.Equal(AccountsCommand.Refused, exit);
        Assert.Contains("an account named 'BOSS' exists already", _error.ToString());
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        Assert.Equal(AccountRoles.Admin, cloud.Accounts.Find("boss")!.Role);
    }

    [Fact]
    public async Task Add_StoreInUseByARunningCloud_ClearErrorAndNothingWritten()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);

        var exit = await RunAsync("some-password\n", "accounts", "add", "--name", "late", "--role", "admin", "--password-stdin");

        Assert.Equal(AccountsCommand.StoreFailed, exit);
        Assert.Contains("is in use by another process (a running cloud service?)", _error.ToString());
        Assert.Null(cloud.Accounts.Find("late"));
    }

    [Theory]
    [InlineData(new[] { "--name", "x", "--role", "admin" }, "exactly one of --password-file FILE or --password-stdin")]
    [InlineData(new[] { "--name", "x", "--role", "chief", "--password-stdin" }, "role 'chief' is not known")]
    [InlineData(new[] { "--name", "x", "--role", "admin", "--password-file", "/nonexistent/pw" }, "could not be read")]
    public async Task Add_BadArguments_ClearError(string[] options, string message)
    {
        var exit = await RunAsync("long-enough-pw\n", ["accounts", "add", .. options]);

        Assert.Equal(AccountsCommand.BadArguments, exit);
        Assert.Contains(message, _error.ToString());
    }

    [Fact]
    public async Task Token_UnknownAccount_Refused()
    {
        var exit = await RunAsync(null, "accounts", "token", "--name", "ghost");

        Assert.Equal(AccountsCommand.Refused, exit);
        Assert.Contains("no account named 'ghost'", _error.ToString());
    }

    private Task<int> RunAsync(string? input, params string[] args) =>
        AccountsCommand.RunAsync(
            [.. args, $"--Cloud:StoragePath={Path.Combine(_directory.Path, "cloud.db")}"],
            new StringReader(input ?? ""),
            _output,
            _error,
            TestContext.Current.CancellationToken);
}
