namespace Inspection.CloudInference;

/// <summary>Builds the cloud service; used by <c>Program</c> and by tests that run the real app.</summary>
public static class CloudInferenceApp
{
    /// <param name="args">Host arguments: <c>--Cloud:HttpUrl=…</c>, <c>--environment …</c> and the like.</param>
    /// <param name="configure">Last-minute changes to the builder (tests swap the model or the clock here).</param>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = CreateBuilder(args);
        builder.AddCloudInference();
        configure?.Invoke(builder);
        var app = builder.Build();
        app.MapCloudInference();
        return app;
    }

    /// <summary>
    /// The builder with the service's configuration sources and nothing else: what the host and the <c>accounts</c>
    /// command read <c>Cloud:StoragePath</c> and the rest from.
    /// </summary>
    public static WebApplicationBuilder CreateBuilder(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);

        // The content root is the working directory (relative paths such as the model resolve against
        // it), so the appsettings.json shipped beside the binary is added as the lowest-priority source:
        // one in the working directory, environment variables and the command line still win.
        var shipped = Path.Combine(AppContext.BaseDirectory, "appsettings.json");
        if (!string.Equals(Path.GetFullPath(shipped), Path.GetFullPath("appsettings.json", builder.Environment.ContentRootPath), StringComparison.Ordinal))
        {
            builder.Configuration.AddJsonFile(shipped, optional: true, reloadOnChange: false);
            var sources = builder.Configuration.Sources;
            var added = sources[^1];
            sources.RemoveAt(sources.Count - 1);
            sources.Insert(0, added);
        }

        return builder;
    }

    /// <summary>
    /// Runs the service until the host is told to stop (SIGTERM, Ctrl+C) or <paramref name="cancellationToken"/> is
    /// cancelled. A service that cannot start (an invalid setting, a missing model, a port in use) writes one line
    /// saying why to <paramref name="error"/> and returns 1, so systemd restarts it and the journal shows the reason.
    /// </summary>
    /// <returns>0 after a clean stop, 1 when the service could not start.</returns>
    public static async Task<int> RunAsync(string[] args, TextWriter error, CancellationToken cancellationToken = default)
    {
        WebApplication app;
        try
        {
            app = Build(args);
        }
        catch (Exception ex) when (ex is FormatException or InvalidOperationException)
        {
            await error.WriteLineAsync($"The cloud service could not start: {ex.Message}".AsMemory(), CancellationToken.None).ConfigureAwait(false);
            return 1;
        }

        await using (app.ConfigureAwait(false))
        {
            try
            {
                await app.StartAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                await error.WriteLineAsync($"The cloud service could not start: {ex.Message}".AsMemory(), CancellationToken.None).ConfigureAwait(false);
                return 1;
            }

            await app.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
            return 0;
        }
    }
}
