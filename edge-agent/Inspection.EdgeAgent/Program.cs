using Inspection.EdgeAgent;
using Microsoft.Extensions.Hosting;

var builder = Host.CreateApplicationBuilder(args);
builder.Services.AddSystemd();
builder.AddEdgeAgent();

using var host = builder.Build();
await host.RunAsync();
