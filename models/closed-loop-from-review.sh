#!/usr/bin/env bash
# The closed loop through the real system on a new part variant: variant-b lines (training-range seeds) rendered as
# videos with labels; the cloud (embedded broker, an admin account and token, a registry trusting a key made in the run
# folder, every escalation of the variant's line reviewed) and edge agents watching them with the part tracker, every
# frame inspected, confidently decided parts sent as audits; a scripted reviewer answering the
# review queue from the lines' ground truth through the review API until it is empty; the dataset export; the
# quantization-aware fine-tune on it; the int8 file; before/after on reserved seeds of both variants; the new release
# packed, signed, uploaded and rolled out (the first agent as canary) to the agents, restarted on the shipped model over
# looping videos. Prints each stage's time and one table at the end. Every process it starts is stopped on any exit.
# Usage: models/closed-loop.sh --from-review [--out DIR (models/generated/closed-loop/run-TIME)] [--devices N (2)]
#          [--lines SEED... (1000 1001)] [--frames N (7500)] [--fps N (15)] [--steps N (400)] [--release N (3)]
#          [--part-frames N (1000)] [--map-frames N (60)] [--rollout-timeout SECONDS (1200)] [--review-min-parts N (20)]
#          [--audit-share X (1)] [--extra-share X (0.3)]
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
# 2 lines of 7 500 frames: the amount of variant-b line (10 × 1 500 frames, every part reviewed) chosen with the stand-in
# on the loop's validation seeds 801–803, with its 400 steps and review share 0.3 (models/README.md).
out="models/generated/closed-loop/run-$(date +%Y%m%d-%H%M%S)"; devices=2; seeds=(1000 1001); frames=7500; fps=15; steps=400
release=3; part_frames=1000; map_frames=60; rollout_timeout=1200; review_min_parts=20; audit_share=1; extra_share=0.3
while (($#)); do
  case "$1" in
    --from-review) shift ;;
    --out) out="$2"; shift 2 ;;
    --devices) devices="$2"; shift 2 ;;
    --lines) seeds=(); shift; while (($#)) && [[ "$1" != --* ]]; do seeds+=("$1"); shift; done ;;
    --frames) frames="$2"; shift 2 ;;
    --fps) fps="$2"; shift 2 ;;
    --steps) steps="$2"; shift 2 ;;
    --release) release="$2"; shift 2 ;;
    --part-frames) part_frames="$2"; shift 2 ;;
    --map-frames) map_frames="$2"; shift 2 ;;
    --rollout-timeout) rollout_timeout="$2"; shift 2 ;;
    --review-min-parts) review_min_parts="$2"; shift 2 ;;
    --audit-share) audit_share="$2"; shift 2 ;;
    --extra-share) extra_share="$2"; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "closed-loop.sh --from-review: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
((devices >= 1 && devices <= ${#seeds[@]})) || { echo "closed-loop.sh: --devices $devices needs as many --lines seeds (${#seeds[@]} given)" >&2; exit 2; }

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
mkdir -p "$out"; work="$(cd "$out" && pwd)"
started=$(date +%s); stage_started=$started; stages=()
stamp() { echo "closed-loop: [$(( $(date +%s) - started )) s] $*"; }
stage() {
  local now; now=$(date +%s)
  ((${#stages[@]})) && stages[-1]="${stages[-1]}|$((now - stage_started))"
  stage_started=$now; stages+=("$1"); stamp "$1"
}

stage "build"
for p in models/Inspection.ModelTools models/Inspection.Trainer cloud-inference/Inspection.CloudInference edge-agent/Inspection.EdgeAgent operator-cli/Inspection.OperatorCli; do
  dotnet build "$p" -c Release -nologo -v q -clp:ErrorsOnly
done
bin() { echo "$root/$1/bin/Release/net10.0/$2"; }
tools="dotnet $(bin models/Inspection.ModelTools Inspection.ModelTools.dll)"
trainer="dotnet $root/models/Inspection.Trainer/bin/Release/net10.0/linux-x64/Inspection.Trainer.dll"
cloud=$(bin cloud-inference/Inspection.CloudInference Inspection.CloudInference.dll)
edge=$(bin edge-agent/Inspection.EdgeAgent Inspection.EdgeAgent.dll)
cli="dotnet $(bin operator-cli/Inspection.OperatorCli Inspection.OperatorCli.dll)"
base_model="$root/models/edge/inspection-edge.onnx"

pids=()
stop_all() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  pids=()
}
trap 'code=$?; trap - EXIT INT TERM; stop_all; ((code)) && echo "closed-loop: stopped with code $code; logs in $work/" >&2; exit $code' EXIT
trap 'exit 130' INT TERM

stage "render ${devices} variant-b line(s), ${frames} frames each (seeds ${seeds[*]:0:devices})"
for i in $(seq 1 "$devices"); do
  $tools line --out "$work/line-$i" --seed "${seeds[i - 1]}" --variant b --frames "$frames" --fps "$fps" >"$work/line-$i.log"
done

stage "keys, broker identities, the admin account and its token"
$tools keygen --out "$work/keys" --name loop-publisher >"$work/keygen.log"
mkdir -p "$work/trusted-keys" && cp "$work/keys/loop-publisher.public.pem" "$work/trusted-keys/"
$cli identity mqtt --cloud-user cloud $(for i in $(seq 1 "$devices"); do echo --device "line1-cam$i"; done) --out "$work/identity" >"$work/identity.log"
head -c 24 /dev/urandom | base64 >"$work/admin.password"
dotnet "$cloud" accounts add --name loop-admin --role admin --password-file "$work/admin.password" --Cloud:StoragePath="$work/cloud.db" >"$work/accounts.log"
dotnet "$cloud" accounts token --name loop-admin --token-name closed-loop --Cloud:StoragePath="$work/cloud.db" >"$work/admin.token"
INSPECTION_TOKEN=$(cat "$work/admin.token"); export INSPECTION_TOKEN

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
grpc_port=$(port); http_port=$(port); mqtt_port=$(port)
api="http://127.0.0.1:$http_port"; export INSPECTION_API="$api"

stage "start the cloud and ${devices} edge agent(s), every frame inspected"
# The cloud keeps its shipped band; the line carrying the new variant is reviewed whole (Cloud:Review:AllOnLines), as an
# engineer sets it when a new variant starts: every escalation of line-1, audits included, reaches a person, whatever
# the cloud (trained on variant a only) decides about it.
dotnet "$cloud" \
  --Cloud:GrpcUrl="http://127.0.0.1:$grpc_port" --Cloud:HttpUrl="$api" \
  --Cloud:Broker:Port="$mqtt_port" --Cloud:Mqtt:Port="$mqtt_port" \
  --Cloud:Broker:PasswordFile="$work/identity/broker/passwd" --Cloud:Broker:AclFile="$work/identity/broker/acl" \
  --Cloud:Mqtt:Username=cloud --Cloud:Mqtt:PasswordFile="$work/identity/cloud/mqtt-password" \
  --Cloud:StoragePath="$work/cloud.db" --Detector:ModelPath="$root/models/cloud/inspection-cloud.onnx" \
  --Cloud:Models:StoragePath="$work/registry" --Cloud:Models:TrustedKeysPath="$work/trusted-keys" \
  --Cloud:Review:AllOnLines:0=line-1 \
  >"$work/cloud.log" 2>&1 &
cloud_pid=$!; pids+=($cloud_pid)
for _ in $(seq 1 240); do curl -fs "$api/healthz" >/dev/null 2>&1 && break; kill -0 "$cloud_pid" 2>/dev/null || break; sleep 0.5; done
curl -fs "$api/healthz" >/dev/null || { echo "closed-loop: the cloud did not start; see $work/cloud.log" >&2; tail -20 "$work/cloud.log" >&2; exit 1; }

# $1 device index, $2 loop (true|false), $3 max fps (0: as fast as the model goes), $4 audit share.
# The agents keep the shipped shadow bar (Ota:MinAgreement 0.9): the rollout's review check judges the retrained
# release on the reviewed parts and tells the devices the bar for it (a model meant to decide differently on a changed
# line agreed with the running one on only 24–48 % of variant-b frames).
# Parts:AuditShare (--audit-share, 1 by default while the line is commissioned) also sends the parts the edge decides
# confidently, marked as audits: the shipped model confidently rejects clean variant-b parts and misses few-seen
# defects, and only what reaches a person can correct it. The line's decisions stay the edge's own.
start_agent() {
  local i=$1
  dotnet "$edge" \
    --Edge:DeviceId="line1-cam$i" --Edge:LineId="line-1" \
    --Capture:Source="file:$work/line-$i/line.avi" --Capture:Loop="$2" --Capture:MaxFps="$3" \
    --Degradation:InferenceSlowEnabled=false \
    --Detector:ModelPath="$base_model" --Storage:Path="$work/edge-$i.db" \
    --Cloud:Address="http://127.0.0.1:$grpc_port" --Mqtt:Port="$mqtt_port" \
    --Mqtt:Username="line1-cam$i" --Mqtt:PasswordFile="$work/identity/devices/line1-cam$i/mqtt-password" \
    --Ota:TrustedKeysPath="$work/trusted-keys" --Ota:ModelsPath="$work/models-$i" --Ota:HealthFrames=45 \
    --Parts:Source=tracker --Parts:AuditShare="$4" --Control:TrustedKeysPath="$work/control-keys" \
    >>"$work/edge-$i.log" 2>&1 &
  agent_pids[i]=$!
  pids+=($!)
}
declare -a agent_pids
for i in $(seq 1 "$devices"); do start_agent "$i" false 0 "$audit_share"; done

stage "wait until every agent inspected its whole video and its outbox is empty"
# Through the fleet view (the agents' reported state): all frames inspected, none skipped, nothing waiting.
read -r -d '' fleet_py <<'PY' || true
import json, os, sys
fleet = json.load(sys.stdin); frames = int(os.environ["FRAMES"]); want = int(os.environ["DEVICES"])
done = 0
for d in fleet["devices"]:
    s = (d.get("reported") or {}).get("stats")
    if not s:
        continue
    name = d["deviceId"]
    if s.get("skipped", 0) > 0:
        print(f"{name} skipped {s['skipped']} frames: the review cannot map its sequences to the video", file=sys.stderr)
        sys.exit(2)
    parts = s.get("parts") or {}
    if s["frames"] >= frames and s["outboxDepth"] == 0 and parts.get("inView", 0) == 0:
        done += 1
    print(f"  {name}: {s['frames']}/{frames} frames, outbox {s['outboxDepth']}, parts escalated {parts.get('escalated', 0)} of "
          f"{parts.get('passed', 0) + parts.get('rejected', 0) + parts.get('uncertain', 0)} decided", file=sys.stderr)
sys.exit(0 if done >= want else 1)
PY
fleet_done() {
  curl -fs --max-time 10 -H "Authorization: Bearer $INSPECTION_TOKEN" "$api/api/fleet" | FRAMES="$frames" DEVICES="$devices" python3 -c "$fleet_py"
}
deadline=$(( $(date +%s) + 3600 ))
until fleet_done 2>"$work/fleet-wait.txt"; do
  rc=$?; ((rc == 2)) && { cat "$work/fleet-wait.txt" >&2; exit 1; }
  (( $(date +%s) > deadline )) && { echo "closed-loop: the agents did not finish within an hour" >&2; cat "$work/fleet-wait.txt" >&2; exit 1; }
  sleep 10
done
cat "$work/fleet-wait.txt"
curl -fs -H "Authorization: Bearer $INSPECTION_TOKEN" "$api/api/fleet" >"$work/fleet-before.json"

stage "scripted review until the queue is empty"
line_args=(); for i in $(seq 1 "$devices"); do line_args+=(--line "line1-cam$i=$work/line-$i"); done
$tools review-from-truth --cloud "$api" --token-file "$work/admin.token" "${line_args[@]}" --summary "$work/review.json" | tee "$work/review.log"

stage "dataset export"
$cli dataset export --out "$work/export" >"$work/export.log"
cat "$work/export.log"

stage "fine-tune ($steps quantization-aware steps from the shipped weights, base data + review export at share $extra_share)"
# Only one training run at a time on a small machine; libtorch's AVX-512 kernels give NaN losses on some EPYCs.
export DNNL_MAX_CPU_ISA="${DNNL_MAX_CPU_ISA:-AVX2}"
$trainer train --out "$work/edge-qat" --steps "$steps" --imgsz 480 --train-crop 320 --seed 1 --width-mult 1.0 --residual \
  --lr 0.0002 --init-onnx "$root/models/edge/inspection-edge-fp32.onnx" --quant-aware --range-percentile 99.999 \
  --extra-dataset "$work/export" --extra-share "$extra_share" --model-version "2.1.0" --val-frames 100 >"$work/train.log" 2>&1
tail -3 "$work/train.log"

stage "quantize (int8 QDQ, the ranges it was tuned for)"
$tools quantize --model "$work/edge-qat/detector.onnx" --out "$work/edge-qat/detector-int8.onnx" \
  --ranges "$work/edge-qat/activation-ranges.json" --activations int8 >"$work/quantize.log"

stage "before/after on reserved seeds 901–905 of variants a and b"
$tools loop-eval --before "$base_model" --after "$work/edge-qat/detector-int8.onnx" \
  --cloud "$root/models/cloud/inspection-cloud.onnx" --seeds 901 902 903 904 905 --variants a b \
  --part-frames "$part_frames" --map-frames "$map_frames" --out "$work/eval" >"$work/loop-eval.log"
cat "$work/eval/loop-eval.md"

stage "pack and sign release $release, upload it"
$tools pack --model "$work/edge-qat/detector-int8.onnx" --key "$work/keys/loop-publisher.private.pem" --release "$release" \
  --name inspection-edge --out "$work/edge-r$release.zip" --band-lower 0.15 --band-upper 0.70 >"$work/pack.log"
$cli model upload --file "$work/edge-r$release.zip" >"$work/upload.log"

stage "restart the agents on the shipped model over looping videos; roll release $release out, line1-cam1 first"
for i in $(seq 1 "$devices"); do
  kill -TERM "${agent_pids[i]}" 2>/dev/null || true; wait "${agent_pids[i]}" 2>/dev/null || true
  # Commissioning is over: no audits. The accuracy gate compares the cloud's verdicts with the edge's on what the
  # edge escalates, and the cloud model, not retrained here, still misreads the variant's finish on audited parts.
  start_agent "$i" true "$fps" 0
done
targets=$(seq -s, -f "line1-cam%g" 1 "$devices")
for _ in $(seq 1 120); do
  online=$(curl -fs -H "Authorization: Bearer $INSPECTION_TOKEN" "$api/api/fleet" | python3 -c 'import json,sys; print(sum(1 for d in json.load(sys.stdin)["devices"] if d.get("online")))' || echo 0)
  ((online >= devices)) && break; sleep 2
done
# Judged on the reviewed parts of these devices first (the review check), then canary first. A refused check ends the
# stage with its reason (the figures are in rollout-start.err).
set +e
$cli rollout start --release "$release" --devices "$targets" --canary-devices line1-cam1 --gate-escalations 10 --gate-minutes 0.5 \
  --review-check --review-min-parts "$review_min_parts" \
  --json >"$work/rollout-start.json" 2>"$work/rollout-start.err"
start_rc=$?
set -e
if ((start_rc != 0)); then
  cat "$work/rollout-start.err" >&2
  rollout_result="not started (exit $start_rc): $(tr '\n' ' ' <"$work/rollout-start.err")"
else
  python3 -c 'import json,sys; c=json.load(open(sys.argv[1])).get("reviewCheck") or {}; print("review check:", c.get("summary", "none"))' "$work/rollout-start.json" | tee "$work/review-check.txt"
  rollout_id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$work/rollout-start.json")
  set +e
  timeout "$rollout_timeout" $cli rollout status "$rollout_id" --watch --interval 5 >"$work/rollout-watch.log" 2>&1
  rollout_rc=$?
  set -e
  $cli rollout status "$rollout_id" | tee "$work/rollout-status.txt"
  $cli rollout status "$rollout_id" --json >"$work/rollout-status.json" || true
  case $rollout_rc in
    0) rollout_result="completed" ;;
    5) rollout_result="halted or cancelled (see rollout-status.txt)" ;;
    124) rollout_result="not finished within ${rollout_timeout} s" ;;
    *) rollout_result="status failed (exit $rollout_rc)" ;;
  esac
fi
stage "end"
stop_all

echo
echo "closed-loop: time per stage"
for s in "${stages[@]}"; do
  [[ "$s" == *"|"* ]] && printf '  %-110s %6s s\n' "${s%|*}" "${s##*|}"
done
echo "  total $(( $(date +%s) - started )) s; rollout: $rollout_result"
echo
REVIEW="$work/review.json" EVAL="$work/eval/loop-eval.json" ROLLOUT="$rollout_result" python3 - <<'PY' | tee "$work/closed-loop.md"
import json, os
review = json.load(open(os.environ["REVIEW"]))
rows = json.load(open(os.environ["EVAL"]))["rows"]
def agg(variant, model):
    sel = [r for r in rows if r["variant"] == variant and r["model"] == model]
    parts = sum(r["parts"]["parts"] for r in sel)
    esc = sum(r["parts"]["escalated"] for r in sel)
    escapes = sum(r["parts"]["escapes"] for r in sel)
    defective = sum(r["parts"]["defective"] for r in sel)
    m = sum(r["map50"] for r in sel) / max(1, len(sel))
    return f"{100.0 * esc / max(1, parts):.1f} % ({esc}/{parts})", f"{escapes} of {defective}", f"{m:.3f}"
print("| variant | model | escalation rate | escapes | edge mAP50 |")
print("|---|---|---|---|---|")
for v in ("b", "a"):
    for model in ("before", "after"):
        e, x, m = agg(v, model)
        print(f"| {v}{' (new)' if v == 'b' else ' (old)'} | {model} | {e} | {x} | {m} |")
print()
print(f"Review through the workspace API (variant-b lines, before the loop): {review['items']} items reviewed "
      f"(accept {review['accepted']}, fix {review['fixed']}, reject {review['rejected']}), "
      f"{review['keystrokesPerItem']:.2f} keystrokes per item, about {review['itemsPerHour']:.0f} items per hour a person would review "
      f"(keystroke-level estimate). Rollout: {os.environ['ROLLOUT']}.")
PY
echo "closed-loop: every file of this run is in $work/"
