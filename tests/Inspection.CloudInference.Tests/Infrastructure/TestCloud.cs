using Grpc.Net.Client;
using System.Net.Http.Headers;
using Inspection.CloudInference;
using Inspection.CloudInference.Accounts;
using Inspection.CloudInference.Escalations;
using Inspection.Contracts.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Inspection.CloudInference.Tests.Infrastructure;

/// <summary>
/// The real cloud app on 127.0.0.1: Kestrel on ports the system picks (port 0, read back), the embedded broker, LiteDB in a folder
/// the test owns (reused across restarts) and ONNX Runtime on <see cref="TinyOnnxModel"/>. <see cref="Http"/> is signed in
/// as the admin <see cref="AdminName"/> with an API token; <see cref="ClientAs"/> gives a client of another role.
/// </summary>
public sealed class TestCloud : IAsyncDisposable
{
    /// <summary>The admin account every test cloud has; <see cref="Http"/> carries its token.</summary>
    public const string AdminName = "test-admin";

    /// <summary>The password of every account the test support creates.</summary>
    public const string Password = "test-password-1";

    private readonly List<HttpClient> _clients = [];

    private TestCloud(WebApplication app, int grpcPort, int httpPort, int brokerPort, BrightnessDetector? detector)
    {
        App = app;
        GrpcPort = grpcPort;
        HttpPort = httpPort;
        BrokerPort = brokerPort;
        Detector = detector;
        ApiUri = new Uri($"http://127.0.0.1:{httpPort}/");
        Token = TokenFor(AdminName, AccountRoles.Admin);
        Http = Client(Token);
        Anonymous = new HttpClient { BaseAddress = ApiUri };
        Channel = GrpcChannel.ForAddress($"http://127.0.0.1:{grpcPort}");
        Escalations = new Escalation.EscalationClient(Channel);
    }

    public WebApplication App { get; }

    public int GrpcPort { get; }

    public int HttpPort { get; }

    public int BrokerPort { get; }

    /// <summary>The detector the app runs, when it runs the brightness test model.</summary>
    public BrightnessDetector? Detector { get; }

    public Uri ApiUri { get; }

    /// <summary>Signed in as <see cref="AdminName"/> (an API token): may do everything.</summary>
    public HttpClient Http { get; }

    /// <summary>The API token of <see cref="AdminName"/>, for the operator CLI's <c>--token</c>.</summary>
    public string Token { get; }

    /// <summary>No credentials at all.</summary>
    public HttpClient Anonymous { get; }

    public AccountStore Accounts => App.Services.GetRequiredService<AccountStore>();

    /// <summary>
    /// A client signed in with a token of the account <c>test-{role}</c> (created with <see cref="Password"/> when it is
    /// missing); disposed with the cloud.
    /// </summary>
    public HttpClient ClientAs(string role) => Client(TokenFor($"test-{role}", role));

    /// <summary>A new token of the account <paramref name="name"/>, which is created with <paramref name="role"/> when missing.</summary>
    public string TokenFor(string name, string role)
    {
        var accounts = App.Services.GetRequiredService<AccountStore>();
        if (accounts.Find(name) is null)
        {
            try
            {
                accounts.Create(name, role, Password, "test");
            }
            catch (InvalidOperationException) when (accounts.Find(name) is not null)
            {
                // Replicas on one PostgreSQL database share accounts: another one starting at the same time made it.
            }
        }

        return accounts.IssueToken(name, "test", "test").Token;
    }

    /// <summary>A client that sends <paramref name="token"/> as its bearer token; disposed with the cloud.</summary>
    public HttpClient Client(string token)
    {
        var client = new HttpClient { BaseAddress = ApiUri };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        _clients.Add(client);
        return client;
    }

    public GrpcChannel Channel { get; }

    public Escalation.EscalationClient Escalations { get; }

    /// <summary>The app's arguments for a given folder and ports; what <see cref="StartAsync"/> passes.</summary>
    public static List<string> Arguments(string storageDirectory, int grpcPort, int httpPort, int brokerPort, string modelPath) =>
    [
        $"--Cloud:GrpcUrl=http://127.0.0.1:{grpcPort}",
        $"--Cloud:HttpUrl=http://127.0.0.1:{httpPort}",
        $"--Cloud:StoragePath={Path.Combine(storageDirectory, "cloud.db")}",
        $"--Cloud:AgentReleases:StoragePath={Path.Combine(storageDirectory, "agent-releases")}",
        $"--Cloud:Broker:Port={brokerPort}",
        $"--Cloud:Mqtt:Port={brokerPort}",
        "--Cloud:Mqtt:ReconnectSeconds=1",
        $"--Detector:ModelPath={modelPath}",
        "--Detector:WarmupRuns=1",
        "--Logging:LogLevel:Default=Warning",

        // The batch window runs on the app's clock: a test that injects a fake clock would hold a lone frame until it
        // moved. Frames queued together still share a batch; the window itself is tested on its own.
        "--Cloud:Batching:MaxWaitMilliseconds=0",

        // The grey levels of BrightnessDetector are set around this band; the shipped band is chosen for the real models.
        "--Cloud:Decision:Lower=0.35",
        "--Cloud:Decision:Upper=0.75",
    ];

    public static Task<TestCloud> StartAsync(
        string storageDirectory,
        IEnumerable<string>? extraArgs = null,
        Action<WebApplicationBuilder>? configure = null,
        bool realCloudModel = false,
        int modelInputLength = 1)
    {
        var modelPath = realCloudModel ? RepoPaths.CloudModel : TinyOnnxModel.Write(storageDirectory);

        // gRPC and HTTP bind port 0 and are read back; MQTTnet's broker cannot say which port it got, so it binds a
        // candidate and a taken one is retried with the next.
        return LoopbackPort.BindAsync(async brokerPort =>
        {
            var args = Arguments(storageDirectory, 0, 0, brokerPort, modelPath);
            args.AddRange(extraArgs ?? []);

            BrightnessDetector? detector = null;
            var app = CloudInferenceApp.Build([.. args], builder =>
            {
                if (!realCloudModel)
                {
                    builder.Services.AddSingleton<DetectorFactory>((options, _) => detector = new BrightnessDetector(options.ModelPath, modelInputLength));
                }

                configure?.Invoke(builder);
            });

            try
            {
                await app.StartAsync(TestContext.Current.CancellationToken);
            }
            catch
            {
                await app.DisposeAsync();
                throw;
            }

            var endpoints = app.Services.GetRequiredService<CloudEndpoints>();
            return new TestCloud(app, endpoints.Grpc.Port, endpoints.Http.Port, brokerPort, detector);
        });
    }

    /// <summary>Sends frames on one stream and collects every reply.</summary>
    public async Task<List<EscalationReply>> EscalateAsync(params EscalationRequest[] requests)
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var call = Escalations.Escalate(cancellationToken: cancellationToken);
        var replies = new List<EscalationReply>();
        var reading = Task.Run(async () =>
        {
            while (await call.ResponseStream.MoveNext(cancellationToken))
            {
                replies.Add(call.ResponseStream.Current);
            }
        }, cancellationToken);
        foreach (var request in requests)
        {
            await call.RequestStream.WriteAsync(request, cancellationToken);
        }

        await call.RequestStream.CompleteAsync();
        await reading;
        return replies;
    }

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        Anonymous.Dispose();
        await App.StopAsync(CancellationToken.None);
        await App.DisposeAsync();
    }
}
