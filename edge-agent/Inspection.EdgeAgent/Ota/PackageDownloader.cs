using System.Net;
using System.Net.Http.Headers;
using Inspection.Detection.Packaging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;

namespace Inspection.EdgeAgent.Ota;

/// <summary>
/// Fetches a package's files over HTTP into the staging folder. A file grows in <c>NAME.partial</c> and is resumed
/// with <c>Range</c> after a cut or a restart (with <c>If-Range</c> on its SHA-256, so a server that now has other
/// bytes sends the whole file instead of a mismatched tail); it becomes <c>NAME</c> only once its size and SHA-256 are
/// the signed manifest's. Network failures are retried with growing pauses until the download succeeds or is
/// cancelled (the target changed, the agent stops); wrong bytes are not retried.
/// </summary>
public sealed partial class PackageDownloader
{
    /// <summary>The DI key of the HTTP client downloads use.</summary>
    public const string HttpClientKey = "ota";

    private const string PartialSuffix = ".partial";
    private readonly HttpClient _http;
    private readonly OtaOptions _options;
    private readonly ILogger<PackageDownloader> _logger;
    private readonly ResiliencePipeline _retry;

    public PackageDownloader([FromKeyedServices(HttpClientKey)] HttpClient http, IOptions<OtaOptions> options, TimeProvider time, ILogger<PackageDownloader> logger)
    {
        _http = http;
        _options = options.Value;
        _logger = logger;
        _retry = new ResiliencePipelineBuilder { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromSeconds(1),
                MaxDelay = TimeSpan.FromSeconds(_options.MaxRetryDelaySeconds),
                ShouldHandle = new PredicateBuilder().Handle<HttpRequestException>().Handle<IOException>(ex => ex is not DiskFullException)
                    .Handle<TimeoutException>(),
                OnRetry = args =>
                {
                    Log.Retrying(_logger, args.RetryDelay.TotalSeconds, args.Outcome.Exception?.Message ?? "no answer");
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
    }

    /// <summary>
    /// Fetches a small file whole (the manifest), at most <paramref name="limit"/> bytes, retrying network failures.
    /// </summary>
    public Task<byte[]> GetAsync(Uri url, int limit, CancellationToken cancellationToken) =>
        _retry.ExecuteAsync(
            async token =>
            {
                using var response = await SendAsync(url, null, null, token).ConfigureAwait(false);
                if (response.Content.Headers.ContentLength > limit)
                {
                    throw new PackageRejectedException($"{url} is {response.Content.Headers.ContentLength} bytes, more than the {limit} a manifest may have");
                }

                var bytes = await response.Content.ReadAsByteArrayAsync(token).ConfigureAwait(false);
                return bytes.Length <= limit ? bytes : throw new PackageRejectedException($"{url} is larger than the {limit} bytes a manifest may have");
            },
            cancellationToken).AsTask();

    /// <summary>
    /// Downloads <paramref name="file"/> from <paramref name="url"/> to <paramref name="path"/>, resuming what is staged.
    /// Reports the bytes staged so far through <paramref name="progress"/>. Throws <see cref="PackageRejectedException"/>
    /// when the finished file is not the manifest's, <see cref="DiskFullException"/> when it cannot be written.
    /// </summary>
    public async Task DownloadAsync(Uri url, PackageFile file, string path, Action<long> progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(progress);
        if (File.Exists(path) && new FileInfo(path).Length == file.Size && ModelPackage.Sha256OfFile(path) == file.Sha256)
        {
            progress(file.Size);
            return;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var partial = path + PartialSuffix;
        await _retry.ExecuteAsync(token => new ValueTask(FetchAsync(url, file, partial, progress, token)), cancellationToken).ConfigureAwait(false);

        var staged = new FileInfo(partial);
        if (staged.Length != file.Size || ModelPackage.Sha256OfFile(partial) != file.Sha256)
        {
            File.Delete(partial);
            throw new PackageRejectedException(
                $"{file.Path} as downloaded from {url} ({staged.Length} bytes) does not match the size and SHA-256 in the signed manifest: the server sent other bytes");
        }

        File.Move(partial, path, overwrite: true);
    }

    /// <summary>Bytes already staged for <paramref name="path"/> (the file, or its partial download).</summary>
    public static long StagedBytes(string path) =>
        File.Exists(path) ? new FileInfo(path).Length : File.Exists(path + PartialSuffix) ? new FileInfo(path + PartialSuffix).Length : 0;

    private async Task FetchAsync(Uri url, PackageFile file, string partial, Action<long> progress, CancellationToken cancellationToken)
    {
        var offset = File.Exists(partial) ? new FileInfo(partial).Length : 0;
        if (offset > file.Size)
        {
            offset = 0;
        }

        if (offset == file.Size)
        {
            return;
        }

        using var response = await SendAsync(url, offset > 0 ? offset : null, file.Sha256, cancellationToken).ConfigureAwait(false);
        var resumed = response.StatusCode == HttpStatusCode.PartialContent;
        if (!resumed)
        {
            offset = 0;
        }

        if (offset > 0)
        {
            Log.Resuming(_logger, file.Path, offset, file.Size);
        }

        await using var source = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        FileStream target;
        try
        {
            target = new FileStream(partial, resumed ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None);
        }
        catch (IOException ex)
        {
            throw new DiskFullException($"{partial} cannot be written: {ex.Message}", ex);
        }

        await using (target)
        {
            var buffer = new byte[81920];
            long written = offset;
            int read;
            while ((read = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (written + read > file.Size)
                {
                    throw new PackageRejectedException($"{url} sends more than the {file.Size} bytes the signed manifest gives for {file.Path}");
                }

                try
                {
                    await target.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                }
                catch (IOException ex)
                {
                    throw new DiskFullException($"{partial} cannot be written after {written} bytes: {ex.Message}", ex);
                }

                written += read;
                progress(written);
            }

            await target.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<HttpResponseMessage> SendAsync(Uri url, long? offset, string? etag, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (offset is { } from)
        {
            request.Headers.Range = new RangeHeaderValue(from, null);
            if (etag is not null)
            {
                request.Headers.IfRange = new RangeConditionHeaderValue(new EntityTagHeaderValue($"\"{etag}\""));
            }
        }

        // A deadline for the answer's headers; the body is read with the caller's token, so a large file on a slow
        // line is not cut by it.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(_options.RequestTimeoutSeconds));
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"{url} did not answer within {_options.RequestTimeoutSeconds} s");
        }

        if (response.StatusCode is HttpStatusCode.OK or HttpStatusCode.PartialContent)
        {
            return response;
        }

        var status = (int)response.StatusCode;
        response.Dispose();
        if (status is 404 or 410 or 401 or 403)
        {
            // The registry answered: retrying will not make the file appear.
            throw new PackageRejectedException($"{url} answered {status}: the package is not served there");
        }

        throw new HttpRequestException($"{url} answered {status}", null, (HttpStatusCode)status);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1800, Level = LogLevel.Warning, Message = "Model download interrupted ({Reason}); retrying in {Seconds:0.0} s")]
        public static partial void Retrying(ILogger logger, double seconds, string reason);

        [LoggerMessage(EventId = 1801, Level = LogLevel.Information, Message = "Resuming the download of {File} at byte {Offset} of {Size}")]
        public static partial void Resuming(ILogger logger, string file, long offset, long size);
    }
}
