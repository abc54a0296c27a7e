#!/usr/bin/env bash
# Runs the whole system on this machine: the cloud (gRPC escalation service, operator page, embedded MQTT
# broker, LiteDB) and edge agents, each watching its own synthetic production line (a generated video of
# parts on a conveyor, some with defects). The agents group frames into parts with the part tracker
# (Parts:Source=tracker): each part is decided once, an uncertain part is escalated once and reviewed once.
# Prints a live fleet summary, and at the end frames and parts side by side; shows a mode change over MQTT
# (one device goes local-only, its outbox fills, then it returns to normal and drains) and a model rollout
# (the edge model packed and signed as release 1, registered, and rolled out to every device, a canary first:
# each shadows, swaps and commits it without stopping its line, and the accuracy gate watches it after).
# Stops cleanly on Ctrl-C or after --duration seconds.
# Usage: ./demo.sh [--devices N (2)] [--duration SECONDS (0 = until Ctrl-C)] [--frames N (600)] [--fps N (15)]
#        ./demo.sh --closed-loop [options of models/closed-loop.sh --from-review]: one turn of the closed loop on a new
#        part variant through the real system (agents, review, export, fine-tune, before/after, signed release, canary
#        rollout); 13–24 minutes here, by load (README, "Review workspace").
set -euo pipefail
cd "$(dirname "$0")"
root="$PWD"
devices=2; duration=0; frames=600; fps=15
[[ "${1:-}" == --closed-loop ]] && { shift; exec models/closed-loop.sh --from-review "$@"; }
while (($#)); do
  case "$1" in
    --devices) devices="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --frames) frames="$2"; shift 2 ;;
    --fps) fps="$2"; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "demo.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

if ! dpkg-query -W -f='${Status}' libgtk-3-0 2>/dev/null | grep -q "install ok installed"; then
  echo "demo.sh: installing libgtk-3-0 (needed by OpenCV's native library)"
  sudo=""; [[ $(id -u) -ne 0 ]] && sudo="sudo"
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends libgtk-3-0 >/dev/null
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
work="$root/.demo"
rm -rf "$work"; mkdir -p "$work"
echo "demo: building (Release)…"
dotnet build Inspection.sln -c Release -nologo -v q -clp:ErrorsOnly
bin() { echo "$root/$1/bin/Release/net10.0/$2"; }
tools=$(bin models/Inspection.ModelTools Inspection.ModelTools.dll)
cloud=$(bin cloud-inference/Inspection.CloudInference Inspection.CloudInference.dll)
edge=$(bin edge-agent/Inspection.EdgeAgent Inspection.EdgeAgent.dll)
cli=$(bin operator-cli/Inspection.OperatorCli Inspection.OperatorCli.dll)

for f in models/edge/inspection-edge.onnx models/cloud/inspection-cloud.onnx; do
  [[ -f "$f" ]] || { echo "demo: $f is missing; it is committed (git checkout -- $f) or rebuilt by models/rebuild.sh" >&2; exit 1; }
done

echo "demo: generating $devices synthetic line video(s), $frames frames each…"
# Seeds whose lines show faint defects early, so that line1-cam1 (the one the mode change is shown on)
# escalates from the first minute.
seeds=(14 3 9 6 10 13)
for i in $(seq 1 "$devices"); do
  seed=${seeds[i - 1]:-$((i * 7))}
  dotnet "$tools" line --out "$work/line-$i" --seed "$seed" --frames "$frames" --fps "$fps" >"$work/line-$i.log"
done

# A publisher key for the model update: made here, trusted by the registry and the devices of this demo only.
dotnet "$tools" keygen --out "$work/keys" --name demo-publisher >"$work/keygen.log"
mkdir -p "$work/trusted-keys" && cp "$work/keys/demo-publisher.public.pem" "$work/trusted-keys/"

# Broker identities: the embedded broker accepts only the cloud's and each device's account, each device only on
# its own topics (a client without them, e.g. mosquitto_pub -i probe …/line1-cam2/desired, is refused).
dotnet "$cli" identity mqtt --cloud-user cloud $(for i in $(seq 1 "$devices"); do echo --device "line1-cam$i"; done) --out "$work/identity" >"$work/identity.log"
cloud_identity=(--Cloud:Broker:PasswordFile="$work/identity/broker/passwd" --Cloud:Broker:AclFile="$work/identity/broker/acl"
  --Cloud:Mqtt:Username=cloud --Cloud:Mqtt:PasswordFile="$work/identity/cloud/mqtt-password")

# Accounts for the page and the API, written by the cloud's own command before it starts (as the first admin is on a
# plant): an admin the CLI calls below use through a token, and an operator who may look but not command.
demo_admin_password="demo-admin-$RANDOM$RANDOM"; demo_operator_password="demo-operator-$RANDOM$RANDOM"
printf '%s\n' "$demo_admin_password" >"$work/demo-admin.password"
printf '%s\n' "$demo_operator_password" | dotnet "$cloud" accounts add --name demo-operator --role operator --password-stdin \
  --Cloud:StoragePath="$work/cloud.db" >"$work/accounts.log"
dotnet "$cloud" accounts add --name demo-admin --role admin --password-file "$work/demo-admin.password" \
  --Cloud:StoragePath="$work/cloud.db" >>"$work/accounts.log"
INSPECTION_TOKEN=$(dotnet "$cloud" accounts token --name demo-admin --token-name demo --Cloud:StoragePath="$work/cloud.db")
export INSPECTION_TOKEN
accounts() {
  echo "demo: sign in at $api/ as demo-admin / $demo_admin_password (engineer buttons) or demo-operator / $demo_operator_password (read only)"
}

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
grpc_port=$(port); http_port=$(port); mqtt_port=$(port)
api="http://127.0.0.1:$http_port"

# Frames and parts side by side, from the devices' reported counters and the cloud's stored escalations.
summary() {
  local fleet totals parts
  local auth=(-H "Authorization: Bearer $INSPECTION_TOKEN")
  fleet=$(curl -fs --max-time 5 "${auth[@]}" "$api/api/fleet") && totals=$(curl -fs --max-time 5 "${auth[@]}" "$api/api/summary") || return 1
  parts=$(curl -fs --max-time 5 "${auth[@]}" "$api/api/summary/parts" || echo null)
  FLEET="$fleet" TOTALS="$totals" PARTS="$parts" python3 - <<'PY'
import json, os
fleet, totals, parts = (json.loads(os.environ[k]) for k in ("FLEET", "TOTALS", "PARTS"))
stats = [d["reported"]["stats"] for d in fleet["devices"] if d.get("reported")]
edge = lambda k: sum(s[k] for s in stats)
print("demo: summary")
print(f"  frames on the edge:  inspected {edge('frames')}, pass {edge('pass')}, defect {edge('defect')}, uncertain {edge('uncertain')}, escalated {edge('escalated')}")
with_parts = [s["parts"] for s in stats if s.get("parts")]
if with_parts:
    part = lambda k: sum(p[k] for p in with_parts)
    print(f"  parts on the edge:   passed {part('passed')}, rejected {part('rejected')}, uncertain {part('uncertain')}, escalated {part('escalated')}, in view {part('inView')}")
else:
    print("  parts on the edge:   none reported (the agents decide frames only)")
parts = parts or {"stored": 0, "pass": 0, "defect": 0, "uncertain": 0, "frames": 0}
print(f"  frames in the cloud: stored {totals['escalationsStored'] - parts['stored']}, pass {totals['pass'] - parts['pass']}, "
      f"defect {totals['defect'] - parts['defect']}, left to review {totals['uncertain'] - parts['uncertain']}")
print(f"  parts in the cloud:  stored {parts['stored']} ({parts['frames']} frames), passed {parts['pass']}, rejected {parts['defect']}, "
      f"left to review {parts['uncertain']}")
print(f"  review queue: {totals['uncertain']} item(s); duplicates answered {totals['duplicatesAnswered']}, rejected {totals['rejected']}")
PY
}

pids=()
cleanup() {
  trap - INT TERM EXIT
  echo
  # While the cloud still runs: the totals of the run.
  ((${#pids[@]})) && { summary || echo "demo: the cloud did not answer; no summary"; }
  echo "demo: stopping…"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  echo "demo: stopped. Logs and databases are in $work/"
  accounts
}
trap cleanup INT TERM EXIT

dotnet "$cloud" \
  --Cloud:GrpcUrl="http://127.0.0.1:$grpc_port" --Cloud:HttpUrl="$api" \
  --Cloud:Broker:Port="$mqtt_port" --Cloud:Mqtt:Port="$mqtt_port" "${cloud_identity[@]}" \
  --Cloud:StoragePath="$work/cloud.db" --Detector:ModelPath="$root/models/cloud/inspection-cloud.onnx" \
  --Cloud:Models:StoragePath="$work/registry" --Cloud:Models:TrustedKeysPath="$work/trusted-keys" \
  >"$work/cloud.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 120); do curl -fs "$api/healthz" >/dev/null 2>&1 && break; sleep 0.5; done
curl -fs "$api/healthz" >/dev/null || { echo "demo: the cloud did not start; see $work/cloud.log" >&2; tail -20 "$work/cloud.log" >&2; exit 1; }

# The cloud generated its control key at start ($work/control.private.pem); every agent pins its public half.
for i in $(seq 1 "$devices"); do
  edge_identity=(--Mqtt:Username="line1-cam$i" --Mqtt:PasswordFile="$work/identity/devices/line1-cam$i/mqtt-password")
  dotnet "$edge" \
    --Edge:DeviceId="line1-cam$i" --Edge:LineId="line-1" \
    --Capture:Source="file:$work/line-$i/line.avi" --Capture:Loop=true --Capture:MaxFps="$fps" \
    --Detector:ModelPath="$root/models/edge/inspection-edge.onnx" \
    --Storage:Path="$work/edge-$i.db" \
    --Cloud:Address="http://127.0.0.1:$grpc_port" --Mqtt:Port="$mqtt_port" "${edge_identity[@]}" \
    --Ota:TrustedKeysPath="$work/trusted-keys" --Ota:ModelsPath="$work/models-$i" --Ota:HealthFrames=45 \
    --Parts:Source=tracker \
    --Control:TrustedKeysPath="$work/control-keys" \
    >"$work/edge-$i.log" 2>&1 &
  pids+=($!)
done

echo
echo "demo: operator page: $api/    (JSON: $api/api/fleet, $api/api/escalations, with 'Authorization: Bearer \$INSPECTION_TOKEN')"
accounts
echo "demo: logs in $work/; Ctrl-C stops everything."
echo

# The mode change: device 1 goes local-only after 20 s (its outbox fills), back to normal after 40 s.
(
  sleep 20
  echo ">>> demo: commanding line1-cam1 → local-only"
  dotnet "$cli" set-mode --device line1-cam1 --mode local-only --wait --timeout 30 --api "$api" || true
  sleep 20
  echo ">>> demo: commanding line1-cam1 → normal"
  dotnet "$cli" set-mode --device line1-cam1 --mode normal --wait --timeout 30 --api "$api" || true
  sleep 10
  echo ">>> demo: packing the edge model as release 1, registering it, rolling it out: canary line1-cam1, then the rest (watch MODEL and UPDATE)"
  if dotnet "$tools" pack --model "$root/models/edge/inspection-edge.onnx" --key "$work/keys/demo-publisher.private.pem" \
       --release 1 --out "$work/edge-r1.zip" >"$work/pack.log" 2>&1 \
     && dotnet "$cli" model upload --file "$work/edge-r1.zip" --api "$api" >"$work/upload.log" 2>&1 \
     && dotnet "$cli" rollout start --release 1 --all --canary-devices line1-cam1 --gate-escalations 10 --gate-minutes 0.5 \
          --api "$api" >"$work/rollout.log" 2>&1; then
    echo ">>> demo: $(head -1 "$work/rollout.log"); follow it: dotnet $cli rollout status ro-1 --watch --api $api"
  else
    echo ">>> demo: the rollout could not be started; see $work/pack.log, $work/upload.log and $work/rollout.log"
  fi
) &
pids+=($!)

watch_args=(fleet --watch --interval 2 --api "$api")
((duration > 0)) && watch_args+=(--duration "$duration")
dotnet "$cli" "${watch_args[@]}" || true
