using System.CommandLine;
using Inspection.EdgeAgent.Bench;

return await new RootCommand("Benchmarks of the edge agent on this machine.") { OtaBench.Create(), RecoveryBench.Create(), PartsBench.Create(), TelemetryBench.Create() }.Parse(args).InvokeAsync();
