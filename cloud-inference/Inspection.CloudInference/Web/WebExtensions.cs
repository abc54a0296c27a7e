using Inspection.CloudInference.Escalations;
using Inspection.CloudInference.Fleet;

namespace Inspection.CloudInference.Web;

/// <summary>The operator page and the health probe.</summary>
public static class WebExtensions
{
    private const string PageResource = "Inspection.CloudInference.Web.index.html";

    public static IEndpointRouteBuilder MapOperatorPage(this IEndpointRouteBuilder endpoints)
    {
        // Embedded in the assembly: the page is there whatever the content root, with no build step.
        var page = ReadPage();
        endpoints.MapGet("/", () => Results.Content(page, "text/html; charset=utf-8"));
        endpoints.MapGet("/healthz", (CloudDetector detector, FleetRegistry registry) => Results.Ok(new
        {
            status = "ok",
            model = detector.ModelRef.Name,
            modelVersion = detector.ModelRef.Version,
            executionProvider = detector.ExecutionProvider,
            brokerConnected = registry.BrokerConnected,
        }));
        return endpoints;
    }

    private static string ReadPage()
    {
        using var stream = typeof(WebExtensions).Assembly.GetManifestResourceStream(PageResource)
            ?? throw new InvalidOperationException($"The operator page resource {PageResource} is missing from the build.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
