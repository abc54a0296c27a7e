#!/usr/bin/env bash
# One turn of the closed loop on a new part variant, from the shipped models: the review set (the parts the shipped
# cascade escalates on variant-b lines of the training range, and with --audit-share the parts it decides confidently,
# as the agents' Parts:AuditShare sends them while a line is commissioned; labelled from the line's ground truth: a
# stand-in for the review workspace's export), a quantization-aware fine-tune of the shipped edge weights on the base data plus
# that set, the int8 file with the ranges it was tuned for, the before/after figures on reserved seeds of both
# variants (shipped bands for both models), and a signed release package (key made in a temp folder).
# Nothing is installed: models/edge stays as shipped. Generated files go to --out.
# Usage: models/closed-loop.sh [--out DIR (models/generated/loop)] [--review DIR (use this export instead of making one)]
#                              [--lines SEED... (1000 1001 1002 1003 1004 1006 1007 1008 1009 1010)] [--frames N (1500)] [--audit-share X (1)]
#                              [--steps N (400)] [--extra-share X (0.3)] [--release N (3)]
#                              [--seeds SEED... (901 902 903; 801 802 803 to choose settings on)]
#        models/closed-loop.sh --from-review [...]: the same turn through the real system (cloud, agents, review API,
#                              rollout); its options: models/closed-loop-from-review.sh --help
set -euo pipefail
for arg in "$@"; do
  [[ "$arg" == --from-review ]] && exec "$(dirname "$0")/closed-loop-from-review.sh" "$@"
done
cd "$(dirname "$0")/.."
out=models/generated/loop; review=""; steps=400; release=3; lines=(1000 1001 1002 1003 1004 1006 1007 1008 1009 1010); frames=1500; audit_share=1
extra_share=0.3; seeds=(901 902 903)
while (($#)); do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    --review) review="$2"; shift 2 ;;
    --steps) steps="$2"; shift 2 ;;
    --lines) lines=(); shift; while (($#)) && [[ "$1" != --* ]]; do lines+=("$1"); shift; done ;;
    --frames) frames="$2"; shift 2 ;;
    --audit-share) audit_share="$2"; shift 2 ;;
    --extra-share) extra_share="$2"; shift 2 ;;
    --seeds) seeds=(); shift; while (($#)) && [[ "$1" != --* ]]; do seeds+=("$1"); shift; done ;;
    --release) release="$2"; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "closed-loop.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
# libtorch's AVX-512 kernels give NaN losses on some EPYCs.
export DNNL_MAX_CPU_ISA="${DNNL_MAX_CPU_ISA:-AVX2}"
started=$(date +%s)
stamp() { echo "closed-loop: [$(( $(date +%s) - started )) s] $*"; }
stamp "building the model tools and the trainer (Release)…"
dotnet build models/Inspection.ModelTools -c Release -nologo -v q -clp:ErrorsOnly
dotnet build models/Inspection.Trainer -c Release -nologo -v q -clp:ErrorsOnly
tools="dotnet models/Inspection.ModelTools/bin/Release/net10.0/Inspection.ModelTools.dll"
trainer="dotnet models/Inspection.Trainer/bin/Release/net10.0/linux-x64/Inspection.Trainer.dll"
mkdir -p "$out"

if [[ -z "$review" ]]; then
  review="$out/review"
  rm -rf "$review"
  stamp "review set: the shipped cascade on variant-b lines ${lines[*]}, escalated parts and a share $audit_share of the confident ones (audits) labelled from ground truth → $review"
  $tools review-set --out "$review" --variant b --lines "${lines[@]}" --frames "$frames" --pick escalated --audit-share "$audit_share"
fi

stamp "edge: $steps quantization-aware steps from the shipped weights, base data + review set at share $extra_share → $out/edge-qat"
$trainer train --out "$out/edge-qat" --steps "$steps" --imgsz 480 --train-crop 320 --seed 1 --width-mult 1.0 --residual \
  --lr 0.0002 --init-onnx models/edge/inspection-edge-fp32.onnx --quant-aware --range-percentile 99.999 \
  --extra-dataset "$review" --extra-share "$extra_share" --model-version "2.1.0" --val-frames 100

stamp "edge: int8 QDQ with the ranges it was tuned for → $out/edge-qat/detector-int8.onnx"
$tools quantize --model "$out/edge-qat/detector.onnx" --out "$out/edge-qat/detector-int8.onnx" \
  --ranges "$out/edge-qat/activation-ranges.json" --activations int8

stamp "before/after on dataset seeds ${seeds[*]} of variants a and b, shipped bands → $out/eval"
$tools loop-eval --before models/edge/inspection-edge.onnx --after "$out/edge-qat/detector-int8.onnx" \
  --cloud models/cloud/inspection-cloud.onnx --seeds "${seeds[@]}" --variants a b --part-frames 1000 --map-frames 60 --out "$out/eval"

keys=$(mktemp -d)
trap 'rm -rf "$keys"' EXIT
stamp "signed release $release (key made in a temp folder) → $out/edge-r$release.zip"
$tools keygen --out "$keys" --name loop
$tools pack --model "$out/edge-qat/detector-int8.onnx" --key "$keys/loop.private.pem" --release "$release" --name inspection-edge --out "$out/edge-r$release.zip" \
  --band-lower 0.15 --band-upper 0.70
stamp "done"
