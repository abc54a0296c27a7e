namespace Inspection.CloudInference;

/// <summary>Builds the cloud service; used by <c>Program</c> and by tests that run the real app.</summary>
public static class CloudInferenceApp
{
    /// <param name="args">Host arguments: <c>--Cloud:HttpUrl=…</c>, <c>--environment …</c> and the like.</param>
    /// <param name="configure">Last-minute changes to the builder (tests swap the model or the clock here).</param>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.AddCloudInference();
        configure?.Invoke(builder);
        var app = builder.Build();
        app.MapCloudInference();
        return app;
    }
}
