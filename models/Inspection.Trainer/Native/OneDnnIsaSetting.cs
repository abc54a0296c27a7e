namespace Inspection.Trainer.Native;

/// <summary>The oneDNN instruction-set limit native code sees.</summary>
/// <param name="Variable">The environment variable that holds it (<c>ONEDNN_MAX_CPU_ISA</c> or <c>DNNL_MAX_CPU_ISA</c>).</param>
/// <param name="Value">Its value, e.g. <c>AVX2</c> or <c>ALL</c>.</param>
/// <param name="SetHere">True when the trainer set it; false when it came from the environment the trainer was started in.</param>
public sealed record OneDnnIsaSetting(string Variable, string Value, bool SetHere);
