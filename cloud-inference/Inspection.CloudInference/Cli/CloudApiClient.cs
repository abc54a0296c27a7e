using System.Net.Http.Json;
using System.Text.Json;
using Inspection.CloudInference.Escalations;
using Inspection.CloudInference.Fleet;
using Inspection.CloudInference.Web;
using Inspection.Contracts.Mqtt;

namespace Inspection.CloudInference.Cli;

/// <summary>The operator commands' view of the cloud's JSON API.</summary>
public sealed class CloudApiClient : IDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly HttpClient _http;

    public CloudApiClient(Uri baseAddress, TimeSpan timeout)
    {
        _http = new HttpClient { BaseAddress = baseAddress, Timeout = timeout };
    }

    public Uri BaseAddress => _http.BaseAddress!;

    public async Task<FleetSnapshot> GetFleetAsync(CancellationToken cancellationToken) =>
        await GetAsync<FleetSnapshot>("api/fleet", cancellationToken).ConfigureAwait(false);

    public async Task<EscalationSummary> GetSummaryAsync(CancellationToken cancellationToken) =>
        await GetAsync<EscalationSummary>("api/summary", cancellationToken).ConfigureAwait(false);

    /// <summary>Sets a device's desired mode.</summary>
    /// <exception cref="CloudApiException">The API refused the request; <see cref="CloudApiException.IsBadRequest"/> for invalid input.</exception>
    public async Task<SetModeResult> SetModeAsync(string deviceId, string mode, string issuedBy, CancellationToken cancellationToken)
    {
        using var response = await _http.PutAsJsonAsync(
            $"api/devices/{Uri.EscapeDataString(deviceId)}/desired-mode",
            new SetModeRequest(mode, issuedBy),
            Json,
            cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        var state = await response.Content.ReadFromJsonAsync<DesiredState>(Json, cancellationToken).ConfigureAwait(false)
            ?? throw new CloudApiException((int)response.StatusCode, "the API answered with an empty body");
        return new SetModeResult(state, response.StatusCode == System.Net.HttpStatusCode.OK);
    }

    public void Dispose() => _http.Dispose();

    private async Task<T> GetAsync<T>(string path, CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync(path, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        return await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken).ConfigureAwait(false)
            ?? throw new CloudApiException((int)response.StatusCode, $"{path} answered with an empty body");
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        string message;
        try
        {
            var error = await response.Content.ReadFromJsonAsync<ApiError>(Json, cancellationToken).ConfigureAwait(false);
            message = error?.Error ?? response.ReasonPhrase ?? "no details";
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException)
        {
            message = response.ReasonPhrase ?? "no details";
        }

        throw new CloudApiException((int)response.StatusCode, message);
    }
}
