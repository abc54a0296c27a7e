using Grpc.Net.Client;
using Inspection.CloudInference;
using Inspection.CloudInference.Escalations;
using Inspection.Contracts.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Inspection.CloudInference.Tests.Infrastructure;

/// <summary>
/// The real cloud app on 127.0.0.1: Kestrel on ports the system picks (port 0, read back), the embedded broker, LiteDB in a folder
/// the test owns (reused across restarts) and ONNX Runtime on <see cref="TinyOnnxModel"/>.
/// </summary>
public sealed class TestCloud : IAsyncDisposable
{
    private TestCloud(WebApplication app, int grpcPort, int httpPort, int brokerPort, BrightnessDetector? detector)
    {
        App = app;
        GrpcPort = grpcPort;
        HttpPort = httpPort;
        BrokerPort = brokerPort;
        Detector = detector;
        ApiUri = new Uri($"http://127.0.0.1:{httpPort}/");
        Http = new HttpClient { BaseAddress = ApiUri };
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

    public HttpClient Http { get; }

    public GrpcChannel Channel { get; }

    public Escalation.EscalationClient Escalations { get; }

    /// <summary>The app's arguments for a given folder and ports; what <see cref="StartAsync"/> passes.</summary>
    public static List<string> Arguments(string storageDirectory, int grpcPort, int httpPort, int brokerPort, string modelPath) =>
    [
        $"--Cloud:GrpcUrl=http://127.0.0.1:{grpcPort}",
        $"--Cloud:HttpUrl=http://127.0.0.1:{httpPort}",
        $"--Cloud:StoragePath={Path.Combine(storageDirectory, "cloud.db")}",
        $"--Cloud:Broker:Port={brokerPort}",
        $"--Cloud:Mqtt:Port={brokerPort}",
        "--Cloud:Mqtt:ReconnectSeconds=1",
        $"--Detector:ModelPath={modelPath}",
        "--Detector:WarmupRuns=1",
        "--Logging:LogLevel:Default=Warning",

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
        Http.Dispose();
        await App.StopAsync(CancellationToken.None);
        await App.DisposeAsync();
    }
}
