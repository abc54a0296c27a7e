using System.Net.Http.Json;
using System.Text.Json;

namespace Inspection.EndToEnd.Tests.Infrastructure;

/// <summary>The cloud's HTTP JSON API as an operator's tools see it: plain JSON, no shared types.</summary>
/// <param name="baseUrl">The cloud's HTTP address.</param>
/// <param name="token">The API token every request carries (the system's admin).</param>
internal sealed class CloudApi(string baseUrl, string token) : IDisposable
{
    // Only bounds a cloud that hangs: a model upload is validated (ONNX load, golden set) within the request, which
    // takes seconds on a loaded 2-core machine.
    private readonly HttpClient _http = new()
    {
        BaseAddress = new Uri(baseUrl),
        Timeout = TimeSpan.FromSeconds(60),
        DefaultRequestHeaders = { Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token) },
    };

    public string BaseUrl { get; } = baseUrl;

    public async Task<JsonElement> GetAsync(string path, CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync(path, cancellationToken);
        response.EnsureSuccessStatusCode();
        using var document = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
        return document.RootElement.Clone();
    }

    public async Task<JsonElement?> FindDeviceAsync(string deviceId, CancellationToken cancellationToken)
    {
        var fleet = await GetAsync("/api/fleet", cancellationToken);
        foreach (var device in fleet.GetProperty("devices").EnumerateArray())
        {
            if (device.GetProperty("deviceId").GetString() == deviceId)
            {
                return device;
            }
        }

        return null;
    }

    public async Task<long> SetModeAsync(string deviceId, string mode, CancellationToken cancellationToken)
    {
        using var response = await _http.PutAsJsonAsync($"/api/devices/{deviceId}/desired-mode", new { mode }, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"PUT desired-mode answered {(int)response.StatusCode}: {body}");
        using var document = JsonDocument.Parse(body);
        return document.RootElement.GetProperty("version").GetInt64();
    }

    /// <summary>Uploads a model package to the registry; fails the test unless it is registered.</summary>
    public async Task UploadModelAsync(byte[] package, CancellationToken cancellationToken)
    {
        using var content = new ByteArrayContent(package);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/zip");
        using var response = await _http.PostAsync("/api/models", content, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"POST /api/models answered {(int)response.StatusCode}: {body}");
    }

    /// <summary>Points a device at a registered release; returns the desired-state version.</summary>
    public async Task<long> SetModelAsync(string deviceId, long release, CancellationToken cancellationToken)
    {
        using var response = await _http.PutAsJsonAsync($"/api/devices/{deviceId}/desired-model", new { release }, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"PUT desired-model answered {(int)response.StatusCode}: {body}");
        using var document = JsonDocument.Parse(body);
        return document.RootElement.GetProperty("version").GetInt64();
    }

    /// <summary>Starts a rollout (the body as the API takes it); returns its id.</summary>
    public async Task<string> StartRolloutAsync(object request, CancellationToken cancellationToken)
    {
        using var response = await _http.PostAsJsonAsync("/api/rollouts", request, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"POST /api/rollouts answered {(int)response.StatusCode}: {body}");
        using var document = JsonDocument.Parse(body);
        return document.RootElement.GetProperty("id").GetString()!;
    }

    public async Task<List<(string DeviceId, long Sequence)>> EscalationKeysAsync(CancellationToken cancellationToken)
    {
        var list = await GetAsync("/api/escalations?limit=500", cancellationToken);
        return list.EnumerateArray()
            .Select(e => (e.GetProperty("deviceId").GetString()!, e.GetProperty("sequence").GetInt64()))
            .ToList();
    }

    public void Dispose() => _http.Dispose();
}
