using Inspection.EdgeAgent;
using Inspection.EdgeAgent.AgentUpdate;
using Inspection.EdgeAgent.SelfTest;
using Microsoft.Extensions.Hosting;

// "self-test [--json] [--skip …]" checks the device with the agent's configuration and exits (0 pass, 1 fail, 2 usage).
if (args is [SelfTestCommand.Verb, ..])
{
    return await SelfTestCommand.RunAsync(args, Console.Out, Console.Error, CancellationToken.None);
}

// "apply-agent-update" is the updater a systemd unit runs when the agent has asked for a new release of itself.
if (args is [AgentUpdateCommand.Verb, ..])
{
    return await AgentUpdateCommand.RunAsync(args, Console.Out, Console.Error, CancellationToken.None);
}

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
