using Inspection.CloudInference.Accounts;
using Inspection.CloudInference.Escalations;
using Inspection.CloudInference.Fleet;
using Inspection.CloudInference.Storage;

namespace Inspection.CloudInference.Web;

/// <summary>The operator page and the health probe.</summary>
public static class WebExtensions
{
    private const string PageResource = "Inspection.CloudInference.Web.index.html";
    private const string ReviewPageResource = "Inspection.CloudInference.Web.review.html";

    public static IEndpointRouteBuilder MapOperatorPage(this IEndpointRouteBuilder endpoints)
    {
        // Embedded in the assembly: the page is there whatever the content root, with no build step.
        var page = ReadResource(PageResource);

        // Not signed in: the cookie scheme sends the browser to /signin and back.
        endpoints.MapGet("/", () => Results.Content(page, "text/html; charset=utf-8")).RequireAuthorization(AccessPolicies.Operator);
        var review = ReadResource(ReviewPageResource);
        endpoints.MapGet("/review", () => Results.Content(review, "text/html; charset=utf-8")).RequireAuthorization(AccessPolicies.Operator);
        endpoints.MapGet("/healthz", (CloudDetector detector, FleetRegistry registry, CloudDatabase database, IServiceProvider services) =>
        {
            // What the service needs to do its work, each checked now: a model to judge frames with, a store it can
            // write escalations to, and the broker the fleet view and commands go through.
            var problems = new List<string>();
            if (detector.Model is null)
            {
                problems.Add("no model loaded");
            }

            if (StoreProblem(database) is { } store)
            {
                problems.Add(store);
            }

            if (services.GetService<PostgreSqlDatabase>()?.Problem() is { } shared)
            {
                problems.Add(shared);
            }

            if (!registry.BrokerConnected)
            {
                problems.Add("not connected to the MQTT broker: no fleet view and no commands to devices");
            }

            var body = new
            {
                status = problems.Count == 0 ? "ok" : "degraded",
                problems,
                model = detector.ModelRef.Name,
                modelVersion = detector.ModelRef.Version,
                executionProvider = detector.ExecutionProvider,
                brokerConnected = registry.BrokerConnected,
            };
            return problems.Count == 0 ? Results.Ok(body) : Results.Json(body, statusCode: StatusCodes.Status503ServiceUnavailable);
        });
        return endpoints;
    }

    /// <summary>Writes a probe document: null when the store takes writes, else why not.</summary>
    internal static string? StoreProblem(CloudDatabase database)
    {
        try
        {
            database.Database.GetCollection("health").Upsert(new LiteDB.BsonDocument { ["_id"] = "probe", ["at"] = DateTime.UtcNow });
            return null;
        }
        catch (Exception ex) when (ex is LiteDB.LiteException or IOException or UnauthorizedAccessException)
        {
            // LiteDB keeps failing after a failed write even once the cause is gone: only a restart reopens the file.
            return $"the store at {database.FilePath} does not take writes: {ex.Message}. Free disk space or fix the file's permissions, then restart the cloud";
        }
    }

    internal static string ReadResource(string name)
    {
        using var stream = typeof(WebExtensions).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"The page resource {name} is missing from the build.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
