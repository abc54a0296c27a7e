#!/usr/bin/env bash
# Rebuilds the project's models from nothing, seeded: the dataset (Ultralytics layout), the edge detector
# (fp32, 480 input trained on 320-px crops, residual stages, fine-tuned quantization-aware, then written as int8 QDQ
# with the ranges it was tuned for),
# the cloud detector (fp32, 640 trained on 320-px crops, dilated last stages, residual),
# the YOLOv8n-cost timing graph, the choice of the edge and cloud bands, K and the whole-view rule on the validation
# lines (choose-bands), and the part- and frame-level figures with those settings on the five reserved seeds.
# Installs the edge and cloud files into models/edge and models/cloud and prints their SHA-256.
# Usage: models/rebuild.sh [--seed N (1)] [--no-install] [--out DIR (models/generated/rebuild)]
set -euo pipefail
cd "$(dirname "$0")/.."
seed=1; install=1; out=models/generated/rebuild
edge_steps=3500; qat_steps=500; cloud_steps=2800
while (($#)); do
  case "$1" in
    --seed) seed="$2"; shift 2 ;;
    --no-install) install=0; shift ;;
    --out) out="$2"; shift 2 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "rebuild.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
started=$(date +%s)
stamp() { echo "rebuild: [$(( $(date +%s) - started )) s] $*"; }
stamp "building the model tools and the trainer (Release)…"
dotnet build models/Inspection.ModelTools -c Release -nologo -v q -clp:ErrorsOnly
dotnet build models/Inspection.Trainer -c Release -nologo -v q -clp:ErrorsOnly
tools="dotnet models/Inspection.ModelTools/bin/Release/net10.0/Inspection.ModelTools.dll"
trainer="dotnet models/Inspection.Trainer/bin/Release/net10.0/linux-x64/Inspection.Trainer.dll"
mkdir -p "$out"

stamp "dataset (seed $seed) → $out/dataset"
$tools dataset --out "$out/dataset" --seed "$seed"

stamp "edge: training fp32 at 480 (on 320-px crops), residual, $edge_steps steps → $out/edge"
$trainer train --out "$out/edge" --steps "$edge_steps" --imgsz 480 --train-crop 320 --seed "$seed" --width-mult 1.0 --residual

stamp "edge: $qat_steps quantization-aware steps (int8 simulated, ranges p99.999 of training frames) → $out/edge-qat"
$trainer train --out "$out/edge-qat" --steps "$qat_steps" --imgsz 480 --train-crop 320 --seed "$seed" --width-mult 1.0 --residual \
  --lr 0.0002 --init-weights "$out/edge/detector.dat" --quant-aware --range-percentile 99.999

stamp "edge: int8 QDQ with the ranges it was tuned for → $out/edge-qat/detector-int8.onnx"
$tools quantize --model "$out/edge-qat/detector.onnx" --out "$out/edge-qat/detector-int8.onnx" \
  --ranges "$out/edge-qat/activation-ranges.json" --calib-seed "$seed" --activations int8

stamp "cloud: training fp32 at 640 (on 320-px crops), dilated last stages, residual, $cloud_steps steps → $out/cloud"
$trainer train --out "$out/cloud" --steps "$cloud_steps" --imgsz 640 --train-crop 320 --seed "$seed" --width-mult 1.0 --val-frames 100 \
  --dilations 1 1 1 1 1 2 4 --residual

stamp "cloud: dynamic batch dimension (the cloud batches escalated frames), checked against single runs"
$tools dynamic-batch --model "$out/cloud/detector.onnx"

stamp "timing graph (YOLOv8n cost, random weights) → models/generated/timing/yolov8n-timing.onnx"
$tools build-timing --out models/generated/timing/yolov8n-timing.onnx --seed "$seed"

stamp "choosing the edge and cloud bands, K and the whole-view rule on the validation lines → $out/choice"
first_val=$(( seed * 1000 + 500 ))
$tools choose-bands --edge "$out/edge-qat/detector-int8.onnx" --cloud "$out/cloud/detector.onnx" --trainer-seed "$seed" \
  --lines $(seq "$first_val" $(( first_val + 7 ))) --part-frames 1200 --map-frames 100 --out "$out/choice"

for reserved in 901 902 903 904 905; do
  stamp "figures with the chosen settings on reserved seed $reserved → $out/eval-$reserved"
  $tools evaluate-map --edge "$out/edge-qat/detector-int8.onnx" --edge-fp32 "$out/edge-qat/detector.onnx" \
    --cloud "$out/cloud/detector.onnx" --seed "$reserved" --bands "$out/choice/bands.json" --part-frames 3000 --out "$out/eval-$reserved"
done

if ((install)); then
  cp "$out/edge-qat/detector-int8.onnx" models/edge/inspection-edge.onnx
  cp "$out/edge-qat/detector.onnx" models/edge/inspection-edge-fp32.onnx
  cp "$out/cloud/detector.onnx" models/cloud/inspection-cloud.onnx
  stamp "installed:"
  sha256sum models/edge/inspection-edge.onnx models/edge/inspection-edge-fp32.onnx models/cloud/inspection-cloud.onnx
fi
stamp "done"
