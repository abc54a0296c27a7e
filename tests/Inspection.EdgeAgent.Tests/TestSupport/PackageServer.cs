using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;

namespace Inspection.EdgeAgent.Tests.TestSupport;

/// <summary>
/// Serves package files over real HTTP on 127.0.0.1 the way the registry does (Range, an ETag of the file's SHA-256),
/// from a folder laid out as <c>{release}/{path}</c>; a test can make it cut a file short once (a network cut) or
/// answer with other bytes.
/// </summary>
internal sealed class PackageServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private PackageServer(WebApplication app, string folder, Uri baseAddress)
    {
        _app = app;
        Folder = folder;
        BaseAddress = baseAddress;
    }

    public string Folder { get; }

    public Uri BaseAddress { get; }

    /// <summary>Every request: path and the Range header it carried (empty when none).</summary>
    public ConcurrentQueue<(string Path, string Range)> Requests { get; } = new();

    /// <summary>Paths whose next response is cut off after this many bytes (then served whole again).</summary>
    public ConcurrentDictionary<string, long> CutOnce { get; } = new();

    public static async Task<PackageServer> StartAsync(string folder)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        PackageServer? server = null;
        app.MapGet("/{**path}", async (HttpContext context, string path) =>
        {
            server!.Requests.Enqueue((path, context.Request.Headers.Range.ToString()));
            var file = Path.GetFullPath(Path.Combine(folder, path));
            if (!file.StartsWith(folder + Path.DirectorySeparatorChar, StringComparison.Ordinal) || !File.Exists(file))
            {
                context.Response.StatusCode = 404;
                return;
            }

            if (server.CutOnce.TryRemove(path, out var cutAfter))
            {
                var bytes = await File.ReadAllBytesAsync(file);
                context.Response.ContentLength = bytes.Length;
                await context.Response.Body.WriteAsync(bytes.AsMemory(0, (int)Math.Min(cutAfter, bytes.Length)));
                await context.Response.Body.FlushAsync();
                context.Abort();
                return;
            }

            var sha = global::Inspection.Detection.Packaging.ModelPackage.Sha256OfFile(file);
            var tag = new EntityTagHeaderValue($"\"{sha}\"");
            await Results.File(file, "application/octet-stream", enableRangeProcessing: true, entityTag: tag).ExecuteAsync(context);
        });
        await app.StartAsync(TestContext.Current.CancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server = new PackageServer(app, folder, new Uri(address.Replace("[::1]", "127.0.0.1", StringComparison.Ordinal) + "/"));
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }
}
