#!/usr/bin/env bash
# Builds the edge agent for a Jetson (linux-arm64) into one tarball a line engineer copies to the device:
#   artifacts/inspection-edge-agent-linux-arm64.tar.gz
# Self-contained: the device needs no .NET installation. The ONNX Runtime inside is the CPU build;
# install.sh swaps in JetPack's TensorRT-enabled one (see README.md in this folder).
# Usage: deploy/jetson/publish.sh [--output DIR] [--version X.Y.Z]
#   --version  the agent's version (what it reports, and what an over-the-air bundle of it must be packed as)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="$root/artifacts"
version_args=()
while (($#)); do
  case "$1" in
    --output) out="$2"; shift 2 ;;
    --version) version_args=("-p:Version=$2"); shift 2 ;;
    *) echo "publish.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

stage="$out/inspection-edge-agent"
rm -rf "$stage"
mkdir -p "$stage"
dotnet publish "$root/edge-agent/Inspection.EdgeAgent/Inspection.EdgeAgent.csproj" \
  -c Release -r linux-arm64 --self-contained true -p:PublishReadyToRun=false "${version_args[@]}" -nologo -v q -o "$stage/app"
mkdir -p "$stage/app/models/edge"
# The int8 QDQ model only: the fp32 twin is for evaluation and re-quantizing, not for the device.
cp "$root/models/edge/inspection-edge.onnx" "$stage/app/models/edge/"
# The prepared input "Inspection.EdgeAgent self-test" runs the model on (SelfTest:InputPath).
cp "$root/models/edge/self-test-input.rgb" "$stage/app/models/edge/"
cp "$root/deploy/jetson/inspection-edge-agent.service" "$root/deploy/jetson/edge-agent.json" \
   "$root/deploy/jetson/inspection-agent-update.path" "$root/deploy/jetson/inspection-agent-update.service" \
   "$root/deploy/jetson/install.sh" "$stage/"
cp "$root/deploy/jetson/README.md" "$stage/app/README.md"
tar -C "$out" -czf "$out/inspection-edge-agent-linux-arm64.tar.gz" inspection-edge-agent
echo "publish.sh: $out/inspection-edge-agent-linux-arm64.tar.gz ($(du -h "$out/inspection-edge-agent-linux-arm64.tar.gz" | cut -f1))"
