using System.CommandLine;
using Inspection.FleetSimulator;

// Stopping a thousand devices takes longer than the 2 s System.CommandLine grants after Ctrl+C by default.
return await FleetCommand.Create().Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(60) });
