using Inspection.CloudInference.Accounts;
using Inspection.CloudInference.Tests.Infrastructure;
using Inspection.Contracts.Api.Accounts;
using Inspection.OperatorCli.Tests.Infrastructure;

namespace Inspection.OperatorCli.Tests.Accounts;

/// <summary>The CLI's token and the <c>account</c> verbs against the real cloud.</summary>
public sealed class AccountCommandTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly TestCli _cli = new();

    public void Dispose()
    {
        _cli.Dispose();
        _directory.Dispose();
    }

    [Fact]
    public async Task Fleet_NoToken_NotAuthorizedExitCodeSayingHowToSignIn()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);

        var exit = await _cli.RunAsync("fleet", "--api", cloud.ApiUri.ToString());

        Assert.Equal(ExitCodes.NotAuthorized, exit);
        Assert.Contains("Not signed in", _cli.Error);
        Assert.Contains("--token, --token-file or $INSPECTION_TOKEN", _cli.Error);
    }

    [Fact]
    public async Task SetMode_OperatorTokenFromTheEnvironment_NotAllowed()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        _cli.Environment["INSPECTION_TOKEN"] = cloud.TokenFor("op", AccountRoles.Operator);

        var fleet = await _cli.RunAsync("fleet", "--api", cloud.ApiUri.ToString());
        var exit = await _cli.RunAsync("set-mode", "--device", "cam-1", "--mode", "local-only", "--api", cloud.ApiUri.ToString());

        Assert.Equal(ExitCodes.Ok, fleet);
        Assert.Equal(ExitCodes.NotAuthorized, exit);
        Assert.Contains("Not allowed: HTTP 403: account 'op' (operator) may not do this", _cli.Error);
    }

    [Fact]
    public async Task Account_AddRoleListTokenDisable_EachDoneByTheAdmin()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        var tokenFile = Path.Combine(_directory.Path, "token");
        await File.WriteAllTextAsync(tokenFile, cloud.Token + "\n", TestContext.Current.CancellationToken);
        var passwordFile = Path.Combine(_directory.Path, "password");
        await File.WriteAllTextAsync(passwordFile, "ana-password-1\n", TestContext.Current.CancellationToken);
        string[] admin = ["--api", cloud.ApiUri.ToString(), "--token-file", tokenFile];

        Assert.Equal(ExitCodes.Ok, await _cli.RunAsync(["account", "add", "ana", "--role", "operator", "--password-file", passwordFile, .. admin]));
        Assert.Equal(ExitCodes.Ok, await _cli.RunAsync(["account", "role", "ana", "engineer", .. admin]));
        Assert.Equal(ExitCodes.Ok, await _cli.RunAsync(["account", "list", .. admin]));
        Assert.Equal("engineer", _cli.Row("ana")[1]);
        Assert.Equal(ExitCodes.Ok, await _cli.RunAsync(["account", "token", "--name", "ana", "--token-name", "laptop", .. admin]));
        var anaToken = _cli.Output.Split('\n', StringSplitOptions.TrimEntries).Last(line => line.StartsWith(AccountStore.TokenPrefix, StringComparison.Ordinal));
        Assert.Equal(ExitCodes.Ok, await _cli.RunAsync("fleet", "--api", cloud.ApiUri.ToString(), "--token", anaToken));
        Assert.Equal(ExitCodes.Ok, await _cli.RunAsync(["account", "disable", "ana", .. admin]));

        Assert.Equal(ExitCodes.NotAuthorized, await _cli.RunAsync("fleet", "--api", cloud.ApiUri.ToString(), "--token", anaToken));
        Assert.NotNull(cloud.Accounts.Find("ana")!.DisabledAt);
    }

    [Fact]
    public async Task Account_AddExistingName_RefusedWithTheReason()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        var passwordFile = Path.Combine(_directory.Path, "password");
        await File.WriteAllTextAsync(passwordFile, "some-password-1", TestContext.Current.CancellationToken);

        var exit = await _cli.RunAsync("account", "add", TestCloud.AdminName, "--role", "operator", "--password-file", passwordFile, "--api", cloud.ApiUri.ToString(), "--token", cloud.Token);

        Assert.Equal(ExitCodes.Refused, exit);
        Assert.Contains("exists already", _cli.Error);
    }

    [Fact]
    public async Task Account_EnableAndPasswordReset_DoneByTheAdmin()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        var anaToken = cloud.TokenFor("ana", AccountRoles.Operator);
        cloud.Accounts.Disable("ana", "test");
        var passwordFile = Path.Combine(_directory.Path, "new-password");
        await File.WriteAllTextAsync(passwordFile, "ana-new-password-2\n", TestContext.Current.CancellationToken);
        string[] admin = ["--api", cloud.ApiUri.ToString(), "--token", cloud.Token];
        Assert.Equal(ExitCodes.NotAuthorized, await _cli.RunAsync("fleet", "--api", cloud.ApiUri.ToString(), "--token", anaToken));

        Assert.Equal(ExitCodes.Ok, await _cli.RunAsync(["account", "enable", "ana", .. admin]));
        Assert.Equal(ExitCodes.Ok, await _cli.RunAsync(["account", "password", "ana", "--password-file", passwordFile, .. admin]));

        Assert.Contains("Account 'ana' enabled.", _cli.Output);
        Assert.Contains("Password of account 'ana' reset.", _cli.Output);
        Assert.Null(cloud.Accounts.Find("ana")!.DisabledAt);
        Assert.Equal(ExitCodes.Ok, await _cli.RunAsync("fleet", "--api", cloud.ApiUri.ToString(), "--token", anaToken));
        Assert.NotNull(cloud.Accounts.SignIn("ana", "ana-new-password-2"));
        Assert.Null(cloud.Accounts.SignIn("ana", TestCloud.Password));
    }

    [Fact]
    public async Task AccountToken_ListThenRevokeByNameAndById_TheRevokedTokensStopWorking()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        var own = cloud.TokenFor("ana", AccountRoles.Operator);
        var (laptop, _) = cloud.Accounts.IssueToken("ana", "laptop", "test");
        var (_, nightly) = cloud.Accounts.IssueToken("ana", "nightly-export", "test");
        string[] admin = ["--api", cloud.ApiUri.ToString(), "--token", cloud.Token];

        Assert.Equal(ExitCodes.Ok, await _cli.RunAsync(["account", "token", "list", "ana", .. admin]));
        Assert.Equal(["laptop", "nightly-export", "test"], _cli.TableRows().Skip(1).Select(row => row[1]).Order());
        Assert.Equal(ExitCodes.Ok, await _cli.RunAsync(["account", "token", "revoke", "ana", "laptop", .. admin]));
        Assert.Equal(ExitCodes.Ok, await _cli.RunAsync(["account", "token", "revoke", "ana", nightly.TokenId, .. admin]));

        Assert.Equal(ExitCodes.NotAuthorized, await _cli.RunAsync("fleet", "--api", cloud.ApiUri.ToString(), "--token", laptop));
        Assert.Equal(ExitCodes.Ok, await _cli.RunAsync("fleet", "--api", cloud.ApiUri.ToString(), "--token", own));

        // An account lists its own tokens without naming itself.
        using var self = new TestCli();
        Assert.Equal(ExitCodes.Ok, await self.RunAsync("account", "token", "list", "--json", "--api", cloud.ApiUri.ToString(), "--token", own));
        var tokens = System.Text.Json.JsonSerializer.Deserialize<List<TokenView>>(self.Output, System.Text.Json.JsonSerializerOptions.Web)!;
        Assert.Equal(
            [("laptop", true), ("nightly-export", true), ("test", false)],
            tokens.Select(t => (t.Name, t.RevokedAt is not null)).OrderBy(t => t.Name, StringComparer.Ordinal));
        Assert.All(tokens, t => Assert.Null(t.Token));
    }

    [Fact]
    public async Task AccountVerbs_OperatorToken_NotAllowedAndNothingChanged()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        cloud.TokenFor("ana", AccountRoles.Operator);
        cloud.Accounts.Disable("ana", "test");
        var passwordFile = Path.Combine(_directory.Path, "password");
        await File.WriteAllTextAsync(passwordFile, "guessed-password-1", TestContext.Current.CancellationToken);
        string[] op = ["--api", cloud.ApiUri.ToString(), "--token", cloud.TokenFor("op", AccountRoles.Operator)];
        var adminToken = Assert.Single(cloud.Accounts.Tokens(TestCloud.AdminName));

        Assert.Equal(ExitCodes.NotAuthorized, await _cli.RunAsync(["account", "enable", "ana", .. op]));
        Assert.Equal(ExitCodes.NotAuthorized, await _cli.RunAsync(["account", "password", TestCloud.AdminName, "--password-file", passwordFile, .. op]));
        Assert.Equal(ExitCodes.NotAuthorized, await _cli.RunAsync(["account", "token", "list", TestCloud.AdminName, .. op]));
        Assert.Equal(ExitCodes.NotAuthorized, await _cli.RunAsync(["account", "token", "revoke", TestCloud.AdminName, adminToken.TokenId, .. op]));

        Assert.Contains("Not allowed: HTTP 403: account 'op' (operator) may not do this", _cli.Error);
        Assert.NotNull(cloud.Accounts.Find("ana")!.DisabledAt);
        Assert.Null(cloud.Accounts.SignIn(TestCloud.AdminName, "guessed-password-1"));
        Assert.Null(Assert.Single(cloud.Accounts.Tokens(TestCloud.AdminName)).RevokedAt);
    }

    [Fact]
    public async Task AccountVerbs_UnknownAccountOrToken_NotFoundNamingIt()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        cloud.TokenFor("ana", AccountRoles.Operator);
        string[] admin = ["--api", cloud.ApiUri.ToString(), "--token", cloud.Token];

        Assert.Equal(ExitCodes.NotFound, await _cli.RunAsync(["account", "enable", "nobody", .. admin]));
        Assert.Contains("no account named 'nobody'", _cli.Error);
        Assert.Equal(ExitCodes.NotFound, await _cli.RunAsync(["account", "token", "list", "nobody", .. admin]));
        Assert.Equal(ExitCodes.NotFound, await _cli.RunAsync(["account", "token", "revoke", "ana", "no-such-token", .. admin]));
        Assert.Contains("Account 'ana' has no token with the id or working token named 'no-such-token'; its tokens: ", _cli.Error);
        Assert.Null(Assert.Single(cloud.Accounts.Tokens("ana")).RevokedAt);
    }

    [Fact]
    public async Task AccountTokenRevoke_NameOfTwoWorkingTokens_BadArgumentsListingTheirIds()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        cloud.TokenFor("ana", AccountRoles.Operator);
        var (_, first) = cloud.Accounts.IssueToken("ana", "laptop", "test");
        var (_, second) = cloud.Accounts.IssueToken("ana", "laptop", "test");

        var exit = await _cli.RunAsync("account", "token", "revoke", "ana", "laptop", "--api", cloud.ApiUri.ToString(), "--token", cloud.Token);

        Assert.Equal(ExitCodes.BadArguments, exit);
        Assert.Contains("has 2 working tokens named 'laptop': give the id of the one to revoke (", _cli.Error);
        Assert.Contains(first.TokenId, _cli.Error);
        Assert.Contains(second.TokenId, _cli.Error);
        Assert.All(cloud.Accounts.Tokens("ana"), t => Assert.Null(t.RevokedAt));
    }

    [Fact]
    public async Task AccountPassword_UnreadableFile_BadArgumentsNamingItAndNothingSent()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        cloud.TokenFor("ana", AccountRoles.Operator);
        var missing = Path.Combine(_directory.Path, "no-such-password");

        var exit = await _cli.RunAsync("account", "password", "ana", "--password-file", missing, "--api", cloud.ApiUri.ToString(), "--token", cloud.Token);

        Assert.Equal(ExitCodes.BadArguments, exit);
        Assert.Contains($"The password file {missing} could not be read", _cli.Error);
        Assert.NotNull(cloud.Accounts.SignIn("ana", TestCloud.Password));
    }

    [Fact]
    public async Task TokenFile_Missing_BadArgumentsNamingTheFile()
    {
        var missing = Path.Combine(_directory.Path, "no-such-token");

        var exit = await _cli.RunAsync("fleet", "--api", "http://127.0.0.1:1", "--token-file", missing);

        Assert.Equal(ExitCodes.BadArguments, exit);
        Assert.Contains($"--token-file {missing} could not be read", _cli.Error);
    }
}
