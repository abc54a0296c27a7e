using Inspection.EdgeAgent;
using Microsoft.Extensions.Hosting;

var builder = Host.CreateApplicationBuilder(args);
builder.Services.AddSystemd();
builder.AddEdgeAgent();

using var host = builder.Build();
try
{
    await host.RunAsync();
}
catch (Exception ex) when (ex is not OutOfMemoryException)
{
    // The host has logged why it could not start (invalid settings, missing model); exit as a failure, not a crash.
    return 1;
}

return Environment.ExitCode;
