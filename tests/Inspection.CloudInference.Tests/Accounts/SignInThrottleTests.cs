using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using Inspection.CloudInference.Accounts;
using Inspection.CloudInference.Tests.Infrastructure;
using Inspection.Contracts.Api;
using Inspection.EdgeAgent.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Inspection.CloudInference.Tests.Accounts;

/// <summary>
/// The sign-in limit against the real cloud, with the documented defaults (5 failures within 300 s) and a fake clock:
/// clients come from different loopback addresses (127.0.0.2, 127.0.0.3, …) so the per-address count is real.
/// </summary>
public sealed class SignInThrottleTests : IDisposable
{
    private const int LimitedEventId = 3200;

    private readonly TempDirectory _directory = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero));
    private readonly ListLoggerProvider _logs = new();

    public void Dispose()
    {
        _logs.Dispose();
        _directory.Dispose();
    }

    [Fact]
    public async Task SignIn_FiveFailures_RightPasswordRefusedWith429RetryAfterAndOneLogLine()
    {
        await using var cloud = await StartAsync();
        cloud.TokenFor("ana", AccountRoles.Operator);
        using var client = From(cloud, "127.0.0.2");

        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, await SignInAsync(client, "ana", "wrong-password"));
        }

        _time.Advance(TimeSpan.FromSeconds(10));
        using var refused = await PostSignInAsync(client, "ana", TestCloud.Password);
        using var again = await PostSignInAsync(client, "ana", TestCloud.Password);

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(290), refused.Headers.RetryAfter!.Delta);
        var error = (await refused.Content.ReadFromJsonAsync<ApiError>(TestContext.Current.CancellationToken))!.Error;
        Assert.Contains("too many failed sign-ins", error);
        Assert.Contains("try again in 290 s (after 2026-12-01 08:05:00 UTC)", error);
        Assert.False(refused.Headers.Contains("Set-Cookie"));
        Assert.Equal(HttpStatusCode.TooManyRequests, again.StatusCode);
        var logged = Assert.Single(_logs.Entries, e => e.EventId == LimitedEventId);
        Assert.Equal(("ana", "127.0.0.2", 5), (logged.Values["Name"], logged.Values["Address"], logged.Values["Failures"]));
    }

    [Fact]
    public async Task SignIn_NameLimited_OtherNamesElsewhereSignInWhileTheNameAndTheAddressStayLimited()
    {
        await using var cloud = await StartAsync();
        cloud.TokenFor("ana", AccountRoles.Operator);
        cloud.TokenFor("bob", AccountRoles.Operator);
        using var guesser = From(cloud, "127.0.0.2");
        using var elsewhere = From(cloud, "127.0.0.3");

        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, await SignInAsync(guesser, "ana", "wrong-password"));
        }

        // bob from another address is not affected; ana is limited from every address, and the guesser's address for
        // every name.
        Assert.Equal(HttpStatusCode.OK, await SignInAsync(elsewhere, "bob", TestCloud.Password));
        Assert.Equal(HttpStatusCode.TooManyRequests, await SignInAsync(elsewhere, "ANA", TestCloud.Password));
        Assert.Equal(HttpStatusCode.TooManyRequests, await SignInAsync(guesser, "bob", TestCloud.Password));
    }

    [Fact]
    public async Task SignIn_WindowPasses_LimitLifted()
    {
        await using var cloud = await StartAsync();
        cloud.TokenFor("ana", AccountRoles.Operator);
        using var client = From(cloud, "127.0.0.2");
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, await SignInAsync(client, "ana", "wrong-password"));
        }

        _time.Advance(TimeSpan.FromSeconds(299));
        using var stillLimited = await PostSignInAsync(client, "ana", TestCloud.Password);
        _time.Advance(TimeSpan.FromSeconds(1));
        var lifted = await SignInAsync(client, "ana", TestCloud.Password);

        Assert.Equal(HttpStatusCode.TooManyRequests, stillLimited.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(1), stillLimited.Headers.RetryAfter!.Delta);
        Assert.Equal(HttpStatusCode.OK, lifted);
    }

    [Fact]
    public async Task SignIn_SuccessFromAnotherAddress_DoesNotResetTheGuessersCount()
    {
        await using var cloud = await StartAsync();
        cloud.TokenFor("ana", AccountRoles.Operator);
        using var guesser = From(cloud, "127.0.0.2");
        using var owner = From(cloud, "127.0.0.3");

        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, await SignInAsync(guesser, "ana", "wrong-password"));
        }

        Assert.Equal(HttpStatusCode.OK, await SignInAsync(owner, "ana", TestCloud.Password));
        Assert.Equal(HttpStatusCode.Unauthorized, await SignInAsync(guesser, "ana", "wrong-password"));

        Assert.Equal(HttpStatusCode.TooManyRequests, await SignInAsync(guesser, "ana", TestCloud.Password));
    }

    [Fact]
    public async Task SignIn_MistypedThenRight_StartsAfreshFromThatAddress()
    {
        await using var cloud = await StartAsync();
        cloud.TokenFor("ana", AccountRoles.Operator);
        using var client = From(cloud, "127.0.0.2");

        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, await SignInAsync(client, "ana", "wrong-password"));
        }

        Assert.Equal(HttpStatusCode.OK, await SignInAsync(client, "ana", TestCloud.Password));

        // Four more mistakes are four, not eight: the fifth attempt is still checked against the password.
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, await SignInAsync(client, "ana", "wrong-password"));
        }

        Assert.Equal(HttpStatusCode.OK, await SignInAsync(client, "ana", TestCloud.Password));
        Assert.DoesNotContain(_logs.Entries, e => e.EventId == LimitedEventId);
    }

    private Task<TestCloud> StartAsync() =>
        TestCloud.StartAsync(_directory.Path, configure: builder =>
        {
            builder.Services.AddSingleton<TimeProvider>(_time);
            builder.Logging.AddProvider(_logs);
        });

    // A client whose connections leave from another loopback address, as a second machine's would.
    private static HttpClient From(TestCloud cloud, string address)
    {
        var handler = new SocketsHttpHandler
        {
            UseCookies = true,
            AllowAutoRedirect = false,
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                try
                {
                    socket.Bind(new IPEndPoint(IPAddress.Parse(address), 0));
                    await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        return new HttpClient(handler) { BaseAddress = cloud.ApiUri };
    }

    private static async Task<HttpStatusCode> SignInAsync(HttpClient client, string name, string password)
    {
        using var response = await PostSignInAsync(client, name, password);
        return response.StatusCode;
    }

    private static Task<HttpResponseMessage> PostSignInAsync(HttpClient client, string name, string password) =>
        client.PostAsJsonAsync("api/session", new { name, password }, TestContext.Current.CancellationToken);
}
