using System.CommandLine;
using Inspection.CloudInference.Bench;

return await new RootCommand("Benchmarks of the cloud on this machine.")
{
    RolloutBench.Create(), BatchingBench.Create(), StoreBench.Create(), ReplicaBench.Create(), AllocationBench.Create(),
}.Parse(args).InvokeAsync();
