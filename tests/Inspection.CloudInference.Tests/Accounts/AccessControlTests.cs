using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Inspection.CloudInference.Accounts;
using Inspection.CloudInference.Tests.Infrastructure;

namespace Inspection.CloudInference.Tests.Accounts;

/// <summary>Every endpoint of the JSON API against no credentials and each role.</summary>
public sealed class AccessControlTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Theory]
    [InlineData("PUT", "api/devices/cam-1/desired-mode", "{\"mode\":\"local-only\"}", AccountRoles.Engineer)]
    [InlineData("PUT", "api/devices/cam-1/desired-model", "{\"release\":99}", AccountRoles.Engineer)]
    [InlineData("POST", "api/models", "not a zip", AccountRoles.Engineer)]
    [InlineData("POST", "api/rollouts", "{\"release\":99,\"target\":{\"all\":true}}", AccountRoles.Engineer)]
    [InlineData("POST", "api/rollouts/ro-1/pause", "{}", AccountRoles.Engineer)]
    [InlineData("POST", "api/rollouts/ro-1/resume", "{}", AccountRoles.Engineer)]
    [InlineData("POST", "api/rollouts/ro-1/cancel", "{}", AccountRoles.Engineer)]
    [InlineData("POST", "api/accounts", "{\"name\":\"new-one\",\"role\":\"operator\",\"password\":\"long-enough-1\"}", AccountRoles.Admin)]
    [InlineData("PUT", "api/accounts/someone/role", "{\"role\":\"engineer\"}", AccountRoles.Admin)]
    [InlineData("PUT", "api/accounts/someone/password", "{\"password\":\"another-one-2\"}", AccountRoles.Admin)]
    [InlineData("POST", "api/accounts/someone/disable", "", AccountRoles.Admin)]
    [InlineData("POST", "api/accounts/someone/enable", "", AccountRoles.Admin)]
    [InlineData("POST", "api/accounts/someone/tokens", "{\"name\":\"script\"}", AccountRoles.Admin)]
    [InlineData("GET", "api/accounts", "", AccountRoles.Admin)]
    [InlineData("GET", "api/fleet", "", AccountRoles.Operator)]
    [InlineData("GET", "api/escalations", "", AccountRoles.Operator)]
    [InlineData("GET", "api/escalations/cam-1/1/image", "", AccountRoles.Operator)]
    [InlineData("GET", "api/summary", "", AccountRoles.Operator)]
    [InlineData("GET", "api/summary/parts", "", AccountRoles.Operator)]
    [InlineData("GET", "api/models", "", AccountRoles.Operator)]
    [InlineData("GET", "api/models/1", "", AccountRoles.Operator)]
    [InlineData("GET", "api/rollouts", "", AccountRoles.Operator)]
    [InlineData("GET", "api/rollouts/ro-1", "", AccountRoles.Operator)]
    [InlineData("GET", "api/session", "", AccountRoles.Operator)]
    public async Task Endpoint_EachRole_RefusedBelowItsRoleAllowedFromIt(string method, string path, string body, string least)
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        cloud.Accounts.Create("someone", AccountRoles.Operator, TestCloud.Password, "test");

        var anonymous = await SendAsync(cloud.Anonymous, method, path, body);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.Status);
        Assert.Contains("not signed in", anonymous.Error);

        foreach (var role in AccountRoles.All)
        {
            var answer = await SendAsync(cloud.ClientAs(role), method, path, body);
            if (AccountRoles.AtLeast(least).Contains(role))
            {
                Assert.True(
                    answer.Status is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden),
                    $"{role} was refused {method} /{path}: {(int)answer.Status} {answer.Error}");
            }
            else
            {
                Assert.Equal(HttpStatusCode.Forbidden, answer.Status);
                Assert.Contains($"'test-{role}'", answer.Error);
                Assert.Contains("may", answer.Error);
            }
        }
    }

    [Fact]
    public async Task Token_Revoked_Refused()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        var token = cloud.TokenFor("scripts", AccountRoles.Engineer);
        var client = cloud.Client(token);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(client, "GET", "api/fleet", "")).Status);

        var id = cloud.Accounts.Tokens("scripts").Single().TokenId;
        using var revoke = await cloud.Http.DeleteAsync($"api/accounts/scripts/tokens/{id}", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);

        var refused = await SendAsync(client, "GET", "api/fleet", "");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.Status);
        Assert.Contains("revoked", refused.Error);
    }

    [Fact]
    public async Task Token_AccountDisabled_RefusedUntilEnabled()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        var client = cloud.Client(cloud.TokenFor("leaver", AccountRoles.Engineer));

        using (await cloud.Http.PostAsync("api/accounts/leaver/disable", null, TestContext.Current.CancellationToken))
        {
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(client, "GET", "api/fleet", "")).Status);
        using (await cloud.Http.PostAsync("api/accounts/leaver/enable", null, TestContext.Current.CancellationToken))
        {
        }

        Assert.Equal(HttpStatusCode.OK, (await SendAsync(client, "GET", "api/fleet", "")).Status);
    }

    [Fact]
    public async Task Tokens_OperatorForItselfAllowed_ForAnotherRefused()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        var operatorClient = cloud.ClientAs(AccountRoles.Operator);

        var own = await SendAsync(operatorClient, "POST", "api/accounts/test-operator/tokens", "{\"name\":\"laptop\"}");
        var other = await SendAsync(operatorClient, "POST", $"api/accounts/{TestCloud.AdminName}/tokens", "{\"name\":\"stolen\"}");

        Assert.Equal(HttpStatusCode.Created, own.Status);
        Assert.StartsWith(AccountStore.TokenPrefix, JsonDocument.Parse(own.Body).RootElement.GetProperty("token").GetString());
        Assert.Equal(HttpStatusCode.Forbidden, other.Status);
    }

    [Fact]
    public async Task Role_LastAdminDemoted_RefusedWithConflict()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);

        var answer = await SendAsync(cloud.Http, "PUT", $"api/accounts/{TestCloud.AdminName}/role", "{\"role\":\"engineer\"}");

        Assert.Equal(HttpStatusCode.Conflict, answer.Status);
        Assert.Contains("last enabled admin", answer.Error);
    }

    [Fact]
    public async Task Create_BadInput_ClearErrorsAndNothingStored()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);

        var shortPassword = await SendAsync(cloud.Http, "POST", "api/accounts", "{\"name\":\"ana\",\"role\":\"operator\",\"password\":\"short\"}");
        var badRole = await SendAsync(cloud.Http, "POST", "api/accounts", "{\"name\":\"ana\",\"role\":\"boss\",\"password\":\"long-enough-1\"}");
        var badName = await SendAsync(cloud.Http, "POST", "api/accounts", "{\"name\":\"ana smith\",\"role\":\"operator\",\"password\":\"long-enough-1\"}");
        var created = await SendAsync(cloud.Http, "POST", "api/accounts", "{\"name\":\"Ana\",\"role\":\"operator\",\"password\":\"long-enough-1\"}");
        var duplicate = await SendAsync(cloud.Http, "POST", "api/accounts", "{\"name\":\"ana\",\"role\":\"admin\",\"password\":\"long-enough-1\"}");

        Assert.Equal(HttpStatusCode.BadRequest, shortPassword.Status);
        Assert.Contains("at least 10 characters", shortPassword.Error);
        Assert.Equal(HttpStatusCode.BadRequest, badRole.Status);
        Assert.Contains("role 'boss' is not known", badRole.Error);
        Assert.Equal(HttpStatusCode.BadRequest, badName.Status);
        Assert.Contains("letters, digits", badName.Error);
        Assert.Equal(HttpStatusCode.Created, created.Status);
        Assert.Equal(HttpStatusCode.Conflict, duplicate.Status);
        Assert.Contains("exists already", duplicate.Error);
        Assert.Equal(AccountRoles.Operator, cloud.Accounts.Find("ana")!.Role);
    }

    internal static async Task<Answer> SendAsync(HttpClient client, string method, string path, string body)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method != "GET")
        {
            request.Content = new StringContent(body, Encoding.UTF8, path == "api/models" ? "application/zip" : "application/json");
        }

        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        var error = "";
        if (!response.IsSuccessStatusCode && text.StartsWith('{'))
        {
            error = JsonDocument.Parse(text).RootElement.TryGetProperty("error", out var e) ? e.GetString() ?? "" : "";
        }

        return new Answer(response.StatusCode, text, error);
    }

    internal sealed record Answer(HttpStatusCode Status, string Body, string Error);
}
