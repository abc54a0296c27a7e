using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Inspection.Contracts.Api;

namespace Inspection.OperatorCli;

/// <summary>The cloud's HTTP JSON API (camelCase, as ASP.NET Core writes it), one request per call.</summary>
public sealed class CloudApiClient : IDisposable
{
    /// <summary>The API's JSON: camelCase, numbers as numbers, enums none.</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly HttpClient _http;

    /// <param name="baseAddress">The API's base URL.</param>
    /// <param name="timeout">How long one request may take.</param>
    /// <param name="token">The account's API token, sent as <c>Authorization: Bearer</c>; null sends none.</param>
    public CloudApiClient(Uri baseAddress, TimeSpan timeout, string? token = null)
    {
        _http = new HttpClient { BaseAddress = baseAddress, Timeout = timeout };
        if (token is not null)
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
    }

    public Uri BaseAddress => _http.BaseAddress!;

    public async Task<ApiAnswer<T>> GetAsync<T>(string path, CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync(path, cancellationToken).ConfigureAwait(false);
        return await ReadAsync<T>(response, cancellationToken).ConfigureAwait(false);
    }

    public async Task<ApiAnswer<T>> PostAsync<TBody, T>(string path, TBody body, CancellationToken cancellationToken)
    {
        using var response = await _http.PostAsJsonAsync(path, body, Json, cancellationToken).ConfigureAwait(false);
        return await ReadAsync<T>(response, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A POST without a body (an action such as disabling an account).</summary>
    public async Task<ApiAnswer<T>> PostAsync<T>(string path, CancellationToken cancellationToken)
    {
        using var response = await _http.PostAsync(path, null, cancellationToken).ConfigureAwait(false);
        return await ReadAsync<T>(response, cancellationToken).ConfigureAwait(false);
    }

    public async Task<ApiAnswer<T>> PutAsync<TBody, T>(string path, TBody body, CancellationToken cancellationToken)
    {
        using var response = await _http.PutAsJsonAsync(path, body, Json, cancellationToken).ConfigureAwait(false);
        return await ReadAsync<T>(response, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A DELETE (revoking a token), answered with what was deleted.</summary>
    public async Task<ApiAnswer<T>> DeleteAsync<T>(string path, CancellationToken cancellationToken)
    {
        using var response = await _http.DeleteAsync(path, cancellationToken).ConfigureAwait(false);
        return await ReadAsync<T>(response, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Posts <paramref name="content"/> as the body, streamed, with the given media type.</summary>
    public async Task<ApiAnswer<T>> PostStreamAsync<T>(string path, Stream content, string mediaType, CancellationToken cancellationToken)
    {
        using var body = new StreamContent(content);
        body.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        if (content.CanSeek)
        {
            body.Headers.ContentLength = content.Length - content.Position;
        }

        // Expect: 100-continue: the body (an agent bundle is hundreds of MB) goes only once the cloud has taken the
        // request. A refusal that comes before it reads the body (no account, a role that may not upload) is then heard
        // as the refusal, instead of as a write into a connection the cloud has closed ("unreachable").
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = body };
        request.Headers.ExpectContinue = true;
        using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        return await ReadAsync<T>(response, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Downloads a file the API serves (a zip) into <paramref name="destination"/>; a refusal throws as every other call
    /// does, with the API's <c>error</c> text.
    /// </summary>
    public async Task DownloadAsync(string path, Stream destination, CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync(path, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            throw new CloudApiException((int)response.StatusCode, ErrorText(text) ?? response.ReasonPhrase ?? "no details");
        }

        await response.Content.CopyToAsync(destination, cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => _http.Dispose();

    private static async Task<ApiAnswer<T>> ReadAsync<T>(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        var status = (int)response.StatusCode;
        if (!response.IsSuccessStatusCode)
        {
            throw new CloudApiException(status, ErrorText(text) ?? response.ReasonPhrase ?? "no details");
        }

        if (string.IsNullOrWhiteSpace(text))
        {
            throw new CloudApiException(status, $"{response.RequestMessage?.RequestUri?.AbsolutePath} answered with an empty body");
        }

        using var document = JsonDocument.Parse(text);
        var value = document.RootElement.Deserialize<T>(Json)
            ?? throw new CloudApiException(status, $"{response.RequestMessage?.RequestUri?.AbsolutePath} answered null");
        return new ApiAnswer<T>(value, document.RootElement.Clone(), response.StatusCode);
    }

    // The API's refusals carry {"error": "…"}; a proxy in between may answer with anything else.
    private static string? ErrorText(string body)
    {
        try
        {
            return string.IsNullOrWhiteSpace(body) ? null : JsonSerializer.Deserialize<ApiError>(body, Json)?.Error;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
