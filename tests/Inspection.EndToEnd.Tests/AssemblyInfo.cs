// Each scenario runs the cloud, edge agents and sometimes mosquitto as real processes on a 2-core machine:
// one scenario at a time keeps them from starving each other.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
