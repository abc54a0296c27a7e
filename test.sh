#!/usr/bin/env bash
# Runs the whole test suite on this machine, installing what the tests need when it is missing:
#   libgtk-3-0   OpenCvSharp's native library links against it
#   mosquitto    the real MQTT broker the end-to-end tests start on a free port
#   postgresql   the real database server the PostgreSQL store tests start in a temporary folder (its service stays off)
#   python3-onnx Debian's ONNX checker, which every model file written by models/ must pass
#   chromium     headless browser for the operator page test
#   shellcheck   lints deploy/jetson/install.sh (InstallScriptTests)
#   systemd      systemd-analyze, which checks the shipped unit offline (no systemd needs to run)
#   qemu-user-static and, with the arm64 architecture added, libc6:arm64 libstdc++6:arm64 zlib1g:arm64 libssl3:arm64
#                the Jetson (linux-arm64) build runs its self-test under emulation (Category=Arm64Emulation)
# Before the build it audits the dependencies (a high or critical advisory fails the run) and proves that gate.
# Device-only tests (GPU, TensorRT, camera) carry the trait Category=Device and are excluded here.
# Usage: ./test.sh [extra dotnet test arguments]
set -euo pipefail
cd "$(dirname "$0")"

packages=(libgtk-3-0 mosquitto postgresql python3-onnx chromium shellcheck systemd qemu-user-static libc6:arm64 libstdc++6:arm64 zlib1g:arm64 libssl3:arm64)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "test.sh: installing ${missing[*]}"
  sudo=""; [[ $(id -u) -ne 0 ]] && sudo="sudo"
  # The arm64 libraries come from Debian's multiarch archive (installing zlib1g:arm64 moves the host's zlib1g to the
  # same version).
  dpkg --print-foreign-architectures | grep -qx arm64 || $sudo dpkg --add-architecture arm64
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
results=.test-output
rm -rf "$results"
mkdir -p "$results"

# Dependency audit (Directory.Build.props, nuget.config): restore checks every package, direct and transitive; a
# high or critical advisory fails it, and so this script. What the audit said is printed, including a package
# source that serves no advisory data (NU1905: then nothing could be checked). check-gate.sh proves the gate itself.
if ! dotnet restore Inspection.sln -nologo > "$results/restore.log" 2>&1; then
  cat "$results/restore.log"
  exit 1
fi
audit=$(grep -oE "warning NU19[0-9]{2}: [^[]*" "$results/restore.log" | sed 's/ *$//' | sort | uniq -c | sed 's/^ *\([0-9]*\) /  \1 projects: /' || true)
echo "dependency audit: ${audit:+$'\n'}${audit:-no advisory for any package}"
bash tests/audit/check-gate.sh

dotnet build Inspection.sln -c Release -nologo -v q -clp:ErrorsOnly --no-restore
# One test assembly at a time: the end-to-end tests run whole processes, and on 2 cores the assemblies
# would otherwise starve one another.
set +e
dotnet test --solution Inspection.sln -c Release --no-build \
  --results-directory "$PWD/$results" --report-xunit-trx \
  --max-parallel-test-modules 1 --filter-not-trait "Category=Device" "$@" 2>&1 | tee "$results/console.log"
status=${PIPESTATUS[0]}
set -e

# The failed tests again, by name with the first lines of their messages, where a reader of a long log looks first.
awk '/^[[:space:]]*failed [^:]/ && !/failed with/ {n=8} n > 0 {print; n--}' "$results/console.log" | sed 's/^/FAILED: /' || true

# One plain closing line, summed over every test assembly.
awk '/^  total:/ {t=$2} /^  failed:/ {f=$2} /^  succeeded:/ {s=$2} /^  skipped:/ {k=$2}
     END { if (t == "") { print "0 passed, 0 failed"; exit } printf "%d passed, %d failed, %d skipped\n", s, f, k }' \
  "$results/console.log"
exit "$status"
