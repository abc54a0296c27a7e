#!/usr/bin/env bash
# Installs or upgrades the edge agent on a Jetson, from the unpacked publish tarball. Step by step, with every
# failure message and what to do about it, in README.md beside this script ("Install").
#
#   sudo ./install.sh [--device-id ID] [--onnxruntime PATH] [--opencvsharp PATH] [--self-test-skip CHECKS] [--no-start]
#   sudo ./install.sh --check      preflight only: changes nothing
#   ./install.sh --help
#
# Exit codes: 0 installed and running (or --check: every check passed), 1 a preflight check failed (nothing was
# changed), 2 wrong usage, 3 the agent's self-test failed (the service is not enabled or started; an upgrade goes back
# to the release that ran before), 4 the service did not become active, 5 a step failed unexpectedly (it says which).
set -euo pipefail

readonly service=inspection-edge-agent
# The platform this agent is built and tested for: Jetson Orin on JetPack 6.1/6.2 (L4T R36.4 and later R36 releases),
# with CUDA 12, TensorRT 10 and cuDNN 9. JetPack 6.0 (L4T R36.3) ships cuDNN 8, which an ONNX Runtime built against
# cuDNN 9 cannot load; JetPack 7 ships CUDA 13, for which the build steps in README.md were not written.
readonly l4t_major=36 l4t_min_revision=4 cuda_major=12 tensorrt_major=10 cudnn_major=9

usage() {
  cat <<'EOF'
Installs or upgrades the inspection edge agent on a Jetson (run from the unpacked package, as root).

  sudo ./install.sh [options]

  --device-id ID          this device's id (Edge:DeviceId), written to /etc/inspection/edge-agent.env;
                          required on the first install unless the configuration names one
  --onnxruntime PATH      the TensorRT-enabled ONNX Runtime built on this device (libonnxruntime.so, or its
                          folder); without it an upgrade keeps the one the running release has, and a first
                          install runs on the CPU build that came with the package
  --opencvsharp PATH      libOpenCvSharpExtern.so built against JetPack's OpenCV; without it the running
                          release's one is kept
  --self-test-skip LIST   checks the agent's self-test skips (comma-separated, e.g. source while no camera
                          is attached); passed on as self-test --skip LIST
  --no-start              install only: no self-test, the service is neither enabled nor started
  --check                 run the preflight checks only and change nothing
  --help                  this text

Keeps /etc/inspection/edge-agent.json and edge-agent.env (the new default configuration goes beside it as
edge-agent.json.dist) and never touches the data in /var/lib/inspection. Exit codes: 0 done, 1 preflight failed
(nothing changed), 2 usage, 3 self-test failed (service not enabled or started), 4 service not active,
5 a step failed unexpectedly (it names the command).

Environment (defaults in brackets): INSTALL_ROOT [/] prefix of every system path the script reads or writes;
INSTALL_MIN_FREE_MB_OPT [1024], INSTALL_MIN_FREE_MB_STATE [1024] free space needed under /opt/inspection and
/var/lib/inspection; INSTALL_SELF_TEST_TIMEOUT [1800] seconds the self-test (with a TensorRT engine build) may take;
INSTALL_ACTIVE_TIMEOUT [120] seconds to wait for the service to report active.
EOF
}

device_id=""; ort_arg=""; cvx_arg=""; skip_checks=""; start=1; check_only=0
need_value() { [[ $# -ge 2 && -n $2 ]] || { echo "install.sh: $1 needs a value (see --help)." >&2; exit 2; }; }
while (($#)); do
  case "$1" in
    --device-id) need_value "$@"; device_id="$2"; shift 2 ;;
    --onnxruntime) need_value "$@"; ort_arg="$2"; shift 2 ;;
    --opencvsharp) need_value "$@"; cvx_arg="$2"; shift 2 ;;
    --self-test-skip) need_value "$@"; skip_checks="$2"; shift 2 ;;
    --no-start) start=0; shift ;;
    --check) check_only=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "install.sh: unknown option '$1' (see --help)." >&2; exit 2 ;;
  esac
done

here="$(cd "$(dirname "$0")" && pwd)"
# Every system path hangs off INSTALL_ROOT, so the preflight and the install can run against a folder of fake files.
root="${INSTALL_ROOT:-}"; root="${root%/}"
etc_dir="$root/etc/inspection"
opt_dir="$root/opt/inspection"
releases="$opt_dir/releases"
# The unit's ExecStart and WorkingDirectory and the configuration's Detector:ModelPath name this path: it is the
# "current" link of the releases/<release> layout, switched atomically (a rename) from one release to the next.
app_link="$opt_dir/edge-agent"
state_dir="$root/var/lib/inspection"
unit_file="$root/etc/systemd/system/$service.service"
cuda_home="$root/usr/local/cuda"
min_free_opt="${INSTALL_MIN_FREE_MB_OPT:-1024}"
min_free_state="${INSTALL_MIN_FREE_MB_STATE:-1024}"
self_test_timeout="${INSTALL_SELF_TEST_TIMEOUT:-1800}"
active_timeout="${INSTALL_ACTIVE_TIMEOUT:-120}"
for setting in INSTALL_MIN_FREE_MB_OPT:$min_free_opt INSTALL_MIN_FREE_MB_STATE:$min_free_state \
               INSTALL_SELF_TEST_TIMEOUT:$self_test_timeout INSTALL_ACTIVE_TIMEOUT:$active_timeout; do
  [[ ${setting#*:} =~ ^[0-9]+$ ]] || { echo "install.sh: ${setting%%:*}='${setting#*:}' is not a whole number (see --help)." >&2; exit 2; }
done

say() { echo "install.sh: $*"; }
failures=0
pass() { printf '  ok      %s\n' "$1"; }
warn() { printf '  note    %s\n' "$1"; }
fail() { printf '  FAILED  %s\n' "$1"; failures=$((failures + 1)); }

# major.minor.patch of a Debian or ONNX Runtime version string (36.4.3-20250107174145 → 36.4.3).
numeric_version() { sed -n 's/^[^0-9]*\([0-9][0-9]*\(\.[0-9][0-9]*\)*\).*/\1/p' <<<"$1" | head -n 1; }
major_of() { echo "${1%%.*}"; }

# The version of the first installed Debian package whose name matches the regular expression, e.g. libnvinfer10.
installed_version() {
  local pattern=$1 glob=$2
  dpkg-query -W -f='${Package} ${Version} ${db:Status-Abbrev}\n' "$glob" 2>/dev/null \
    | awk -v re="^${pattern}\$" '$1 ~ re && $3 ~ /^ii/ { print $2; exit }' || true
}

# Free megabytes on the filesystem that holds PATH (or its nearest existing parent).
free_mb() {
  local path=$1
  while [[ ! -e $path ]]; do path=$(dirname "$path"); done
  df -Pk "$path" | awk 'NR == 2 { print int($4 / 1024) }'
}

# --- what the package and the device carry -------------------------------------------------------------------------
deps_json="$here/app/Inspection.EdgeAgent.deps.json"
managed_ort=""; agent_version=""
if [[ -f $deps_json ]]; then
  managed_ort=$(grep -o '"Microsoft\.ML\.OnnxRuntime\.Managed/[^"]*"' "$deps_json" | head -n 1 | sed 's/.*\/\(.*\)"/\1/' || true)
  agent_version=$(grep -o '"Inspection\.EdgeAgent/[^"]*"' "$deps_json" | head -n 1 | sed 's/.*\/\(.*\)"/\1/' || true)
fi

# What runs now: a release the current link points to, or an installation from before the releases layout.
current_release=""; current_dir=""
if [[ -L $app_link ]]; then
  current_release=$(readlink -f "$app_link")
  [[ -d $current_release ]] || current_release=""
  current_dir=$current_release
elif [[ -d $app_link ]]; then
  current_dir=$app_link
fi
# The folder of the ONNX Runtime built on the device: the one given, else the running installation's own copy of it.
ort_dir=""; ort_origin=""
if [[ -n $ort_arg ]]; then
  if [[ -d $ort_arg ]]; then ort_dir="$ort_arg"; else ort_dir="$(dirname "$ort_arg")"; fi
  ort_origin="given"
elif [[ -n $current_dir && -e $current_dir/libonnxruntime_providers_tensorrt.so ]]; then
  ort_dir="$current_dir"; ort_origin="kept"
fi

# The version of a native ONNX Runtime: its build names the library libonnxruntime.so.<version>; a copy that lost the
# name can be told by the source tree's VERSION_NUMBER file, beside it or up to three folders above (build/Linux/Release).
native_ort_version() {
  local dir=$1 file name up
  if [[ -f $dir/onnxruntime-native.txt ]]; then
    awk '{ print $1; exit }' "$dir/onnxruntime-native.txt"; return
  fi
  for file in "$dir"/libonnxruntime.so "$dir"/libonnxruntime.so.*; do
    [[ -e $file ]] || continue
    name=$(basename "$(readlink -f "$file")")
    if [[ $name =~ ^libonnxruntime\.so\.([0-9]+\.[0-9]+\.[0-9]+)$ ]]; then echo "${BASH_REMATCH[1]}"; return; fi
  done
  up=$dir
  for _ in 0 1 2 3; do
    if [[ -f $up/VERSION_NUMBER ]]; then numeric_version "$(head -n 1 "$up/VERSION_NUMBER")"; return; fi
    up=$(dirname "$up")
  done
}

# Device ids as the agent accepts them (Edge:DeviceId): 1-64 letters, digits, '-', '_' or '.'.
env_file="$etc_dir/edge-agent.env"
configured_id=""
[[ -f $env_file ]] && configured_id=$(sed -n 's/^[[:space:]]*Edge__DeviceId=//p' "$env_file" | tail -n 1 | tr -d '"'"'" || true)
json_id=""
[[ -f $etc_dir/edge-agent.json ]] && json_id=$(grep -o '"DeviceId"[[:space:]]*:[[:space:]]*"[^"]*"' "$etc_dir/edge-agent.json" | head -n 1 | sed 's/.*"\([^"]*\)"$/\1/' || true)

# --- preflight: read only ------------------------------------------------------------------------------------------
preflight() {
  say "preflight checks"

  if [[ $(id -u) -eq 0 ]]; then pass "running as root"
  else fail "not running as root: run it with sudo (sudo ./install.sh …); it creates a system user and a systemd service."
  fi

  if [[ -x $here/app/Inspection.EdgeAgent && -f $here/app/Inspection.EdgeAgent.dll && -f $here/$service.service && -f $here/edge-agent.json && -n $managed_ort ]]; then
    pass "package: edge agent ${agent_version:-?}, ONNX Runtime managed API $managed_ort"
  else
    fail "the package in $here is incomplete (app/Inspection.EdgeAgent and its .dll, app/Inspection.EdgeAgent.deps.json naming Microsoft.ML.OnnxRuntime.Managed, $service.service, edge-agent.json): run install.sh from the folder the tarball of deploy/jetson/publish.sh unpacks to."
  fi

  local arch; arch=$(uname -m)
  [[ $arch == aarch64 ]] || warn "this machine is $arch, not a Jetson (aarch64): the package's binaries are for linux-arm64."

  # Jetson Linux (L4T) release: /etc/nv_tegra_release ("# R36 (release), REVISION: 4.3, …"), else the package.
  local l4t="" release_file="$root/etc/nv_tegra_release"
  if [[ -f $release_file ]]; then
    l4t=$(sed -n 's/^# R\([0-9][0-9]*\) (release), REVISION: \([0-9][0-9.]*\).*/\1.\2/p' "$release_file" | head -n 1)
  fi
  [[ -n $l4t ]] || l4t=$(numeric_version "$(installed_version 'nvidia-l4t-core' 'nvidia-l4t-core')")
  if [[ -z $l4t ]]; then
    fail "cannot tell the Jetson Linux (L4T) release: neither /etc/nv_tegra_release nor the package nvidia-l4t-core is there. This agent runs on a Jetson Orin flashed with JetPack 6.1 or 6.2 (L4T R36.4)."
  else
    local major=${l4t%%.*} revision=0
    if [[ $l4t == *.* ]]; then revision=${l4t#*.}; revision=${revision%%.*}; fi
    if [[ $major -eq $l4t_major && $revision -ge $l4t_min_revision ]]; then pass "Jetson Linux L4T R$l4t (JetPack 6.1 or later 6.x)"
    else fail "Jetson Linux L4T R$l4t is not supported: this agent needs L4T R$l4t_major.$l4t_min_revision or a later R$l4t_major release (JetPack 6.1, 6.2). Flash the device with JetPack 6.1 or 6.2 (NVIDIA SDK Manager), or 'sudo apt-get dist-upgrade' within JetPack 6."
    fi
  fi

  # CUDA: /usr/local/cuda/version.json ("cuda": {"version": "12.6.68"}), else nvcc.
  local cuda=""
  if [[ -f $cuda_home/version.json ]]; then
    cuda=$(tr -d '\n' <"$cuda_home/version.json" | grep -o '"cuda"[[:space:]]*:[[:space:]]*{[^}]*}' | head -n 1 \
      | grep -o '"version"[[:space:]]*:[[:space:]]*"[^"]*"' | sed 's/.*"\([^"]*\)"$/\1/' || true)
  fi
  if [[ -z $cuda && -x $cuda_home/bin/nvcc ]]; then
    cuda=$("$cuda_home/bin/nvcc" --version 2>/dev/null | sed -n 's/.*release [0-9.]*, V\([0-9.]*\).*/\1/p' | head -n 1 || true)
  fi
  if [[ -z $cuda ]]; then fail "CUDA not found (no /usr/local/cuda/version.json or nvcc): install JetPack's components with 'sudo apt-get install nvidia-jetpack'."
  elif [[ $(major_of "$cuda") -eq $cuda_major ]]; then pass "CUDA $cuda"
  else fail "CUDA $cuda is not supported: this agent's ONNX Runtime build needs CUDA $cuda_major.x (JetPack 6.1/6.2 ship 12.6). Point /usr/local/cuda at JetPack's CUDA $cuda_major (sudo update-alternatives --config cuda) or reflash with JetPack 6.1/6.2."
  fi

  local trt; trt=$(numeric_version "$(installed_version 'libnvinfer[0-9]+' 'libnvinfer*')")
  if [[ -z $trt ]]; then fail "TensorRT not installed (no libnvinfer package): install JetPack's components with 'sudo apt-get install nvidia-jetpack'."
  elif [[ $(major_of "$trt") -eq $tensorrt_major ]]; then pass "TensorRT $trt"
  else fail "TensorRT $trt is not supported: this agent needs TensorRT $tensorrt_major.x (JetPack 6.1/6.2 ship 10.3); reflash with JetPack 6.1/6.2."
  fi

  local cudnn; cudnn=$(numeric_version "$(installed_version 'libcudnn[0-9]+(-cuda-[0-9]+)?' 'libcudnn*')")
  if [[ -z $cudnn ]]; then fail "cuDNN not installed (no libcudnn package): install JetPack's components with 'sudo apt-get install nvidia-jetpack'."
  elif [[ $(major_of "$cudnn") -eq $cudnn_major ]]; then pass "cuDNN $cudnn"
  else fail "cuDNN $cudnn is not supported: ONNX Runtime built against cuDNN $cudnn_major cannot load cuDNN $(major_of "$cudnn") (JetPack 6.0 ships cuDNN 8); reflash with JetPack 6.1/6.2."
  fi

  # The native ONNX Runtime must be the very version the agent's managed API was built against.
  if [[ -n $ort_dir ]]; then
    local native; native=$(native_ort_version "$ort_dir")
    local what="the ONNX Runtime in $ort_dir"; [[ $ort_origin == kept ]] && what="the ONNX Runtime the running release uses (built on this device)"
    if ! compgen -G "$ort_dir/libonnxruntime.so*" >/dev/null; then
      fail "no libonnxruntime.so in $ort_dir: pass --onnxruntime the libonnxruntime.so of your ONNX Runtime build (README.md, 'ONNX Runtime with TensorRT'), e.g. ~/onnxruntime/build/Linux/Release/libonnxruntime.so."
    elif [[ ! -e $ort_dir/libonnxruntime_providers_tensorrt.so ]]; then
      fail "$what has no libonnxruntime_providers_tensorrt.so beside it: it was built without --use_tensorrt; build it as README.md shows ('ONNX Runtime with TensorRT')."
    elif [[ -z $native ]]; then
      fail "cannot tell the version of $what: keep the build's file name libonnxruntime.so.<version> (copy with cp -a), or put the source tree's VERSION_NUMBER file beside it."
    elif [[ -n $managed_ort && $native != "$managed_ort" ]]; then
      fail "$what is $native, but this package's agent is built against ONNX Runtime $managed_ort: build $managed_ort on the device (README.md, 'ONNX Runtime with TensorRT': git clone --branch v$managed_ort …) and pass it with --onnxruntime."
    else
      pass "ONNX Runtime $native with TensorRT ($([[ $ort_origin == kept ]] && echo "kept from the running release" || echo "$ort_dir"))"
    fi
  else
    warn "no --onnxruntime: the agent runs on the CPU build of ONNX Runtime $managed_ort that came with the package (README.md, 'ONNX Runtime with TensorRT')."
  fi

  if [[ -n $cvx_arg && ! -f $cvx_arg ]]; then
    fail "--opencvsharp $cvx_arg: no such file; pass the libOpenCvSharpExtern.so you built (README.md, 'OpenCV')."
  elif [[ -z $cvx_arg && ! -e $current_dir/libOpenCvSharpExtern.so ]]; then
    warn "no --opencvsharp: without libOpenCvSharpExtern.so built against JetPack's OpenCV the agent cannot read a camera (README.md, 'OpenCV')."
  fi

  if [[ -n $device_id ]]; then
    if [[ ! $device_id =~ ^[A-Za-z0-9._-]{1,64}$ ]]; then
      fail "--device-id '$device_id' is not valid: use 1-64 letters, digits, '-', '_' or '.'."
    elif [[ -n $configured_id && $configured_id != "$device_id" ]]; then
      fail "this device is already '$configured_id' (Edge__DeviceId in /etc/inspection/edge-agent.env), not '$device_id': a device id is its identity (certificate, broker account, results); to change it on purpose, edit that file yourself, then run install.sh without --device-id."
    else
      pass "device id $device_id"
    fi
  elif [[ -n $configured_id ]]; then
    pass "device id $configured_id (/etc/inspection/edge-agent.env)"
  elif [[ -n $json_id && $json_id != CHANGE-ME ]]; then
    pass "device id $json_id (/etc/inspection/edge-agent.json)"
  else
    fail "no device id: pass --device-id (e.g. --device-id jetson-07, the id its certificate is issued for); it goes into /etc/inspection/edge-agent.env."
  fi

  local free
  free=$(free_mb "$opt_dir")
  if [[ $free -ge $min_free_opt ]]; then pass "$free MB free for /opt/inspection"
  else fail "only $free MB free for /opt/inspection, $min_free_opt MB needed (this release and the one before it are kept): free space on that filesystem (df -h /opt), e.g. old files or 'sudo apt-get clean'."
  fi
  free=$(free_mb "$state_dir")
  if [[ $free -ge $min_free_state ]]; then pass "$free MB free for /var/lib/inspection"
  else fail "only $free MB free for /var/lib/inspection, $min_free_state MB needed (TensorRT engines, results, the outbox, model updates): free space on that filesystem (df -h /var/lib), e.g. 'sudo journalctl --vacuum-size=200M'."
  fi

  if [[ -d $root/run/systemd/system ]] && command -v systemctl >/dev/null; then pass "systemd runs this machine"
  else fail "systemd is not running this machine (no /run/systemd/system or systemctl): the agent runs as a systemd service; run install.sh on the Jetson itself, not in a container or chroot."
  fi

  if ((failures)); then
    say "preflight: $failures check(s) FAILED; nothing was changed. Fix what is listed above and run install.sh again."
    return 1
  fi
  say "preflight: all checks passed"
}

if ! preflight; then exit 1; fi
if ((check_only)); then exit 0; fi

# A command that fails from here on (a full disk, a read-only filesystem) stops the script with what failed and where.
on_error() {
  say "FAILED: '$2' (line $1) ended with exit code $3; the steps after it were not done. Fix the cause and run install.sh again."
  exit 5
}
set -E
trap 'on_error "$LINENO" "$BASH_COMMAND" "$?"' ERR

# --- install -------------------------------------------------------------------------------------------------------
# Lines of the package's unit and its local drop-ins (systemctl edit) for KEY, in the order systemd reads them.
unit_values() {
  local key=$1 file
  for file in "$here/$service.service" "$unit_file.d"/*.conf; do
    [[ -f $file ]] && sed -n "s/^[[:space:]]*$key=//p" "$file"
  done
  return 0
}
svc_user=$(unit_values User | tail -n 1); svc_user=${svc_user:-inspection}
svc_group=$(unit_values Group | tail -n 1); svc_group=${svc_group:-$svc_user}

if ! id "$svc_user" >/dev/null 2>&1; then
  if getent group "$svc_group" >/dev/null; then
    useradd --system --gid "$svc_group" --home-dir /var/lib/inspection --no-create-home --shell /usr/sbin/nologin "$svc_user"
  else
    useradd --system --user-group --home-dir /var/lib/inspection --no-create-home --shell /usr/sbin/nologin "$svc_user"
  fi
  say "created the system user $svc_user"
fi
# video: /dev/video* cameras; render: the GPU's device nodes on JetPack.
for g in video render; do
  if getent group "$g" >/dev/null; then usermod -aG "$g" "$svc_user"; fi
done

mkdir -p "$etc_dir" "$releases" "$state_dir"
# Publisher and control public keys: root's to write, the agent's to read (never a private key here).
mkdir -p "$etc_dir/trusted-keys" "$etc_dir/control-keys"
chmod 755 "$etc_dir/trusted-keys" "$etc_dir/control-keys"
# The device certificate and key (mTLS to the cloud): readable by the agent's group only.
mkdir -p "$etc_dir/tls"
chmod 750 "$etc_dir/tls"
chown "root:$svc_group" "$etc_dir/tls"
# Only the top folder: what is inside is the agent's, and left as it is.
chown "$svc_user:$svc_group" "$state_dir"

# Stage the new release beside the running one, so the line keeps running while files are copied. Its name: the
# agent's version and a hash of the agent, its dependencies and its models, so the same package is the same release.
mapfile -d '' models < <(find "$here/app/models" -name '*.onnx' -print0 2>/dev/null | sort -z)
release="${agent_version:-0}-$(cat "$here/app/Inspection.EdgeAgent.dll" "$deps_json" "${models[@]}" | sha256sum | cut -c1-12)"
staging="$releases/.staging-$release"
rm -rf "$staging"
cp -a "$here/app" "$staging"
if [[ -n $ort_dir ]]; then
  native=$(native_ort_version "$ort_dir")
  # The package's CPU build goes, so that no mix of two ONNX Runtime builds can be loaded.
  rm -f "$staging"/libonnxruntime*.so*
  cp -a "$ort_dir"/libonnxruntime*.so* "$staging/"
  source_note=$ort_dir
  if [[ $ort_origin == kept && -f $ort_dir/onnxruntime-native.txt ]]; then
    source_note=$(sed -n '1s/^[^ ]* //p' "$ort_dir/onnxruntime-native.txt")
  fi
  echo "$native $source_note" >"$staging/onnxruntime-native.txt"
  say "ONNX Runtime $native with TensorRT from $source_note"
fi
if [[ -n $cvx_arg ]]; then
  cp -a "$cvx_arg" "$staging/libOpenCvSharpExtern.so"
elif [[ -e $current_dir/libOpenCvSharpExtern.so ]]; then
  cp -a "$current_dir/libOpenCvSharpExtern.so" "$staging/"
fi

# Configuration: the engineer's files are never overwritten.
if [[ -e $etc_dir/edge-agent.json ]]; then
  cp "$here/edge-agent.json" "$etc_dir/edge-agent.json.dist"
  if cmp -s "$etc_dir/edge-agent.json" "$etc_dir/edge-agent.json.dist"; then
    say "kept /etc/inspection/edge-agent.json (the same as the new default)"
  else
    say "kept /etc/inspection/edge-agent.json; the new default is beside it as edge-agent.json.dist (compare: diff -u /etc/inspection/edge-agent.json /etc/inspection/edge-agent.json.dist)"
  fi
else
  cp "$here/edge-agent.json" "$etc_dir/edge-agent.json"
  say "wrote /etc/inspection/edge-agent.json (edit Capture:Source, Cloud:Address, Mqtt:Host)"
fi
if [[ -n $device_id && $configured_id != "$device_id" ]]; then
  # Appended to what is there: the preflight refused an id that differs from one already set.
  [[ ! -s $env_file || -z $(tail -c 1 "$env_file") ]] || echo >>"$env_file"
  echo "Edge__DeviceId=$device_id" >>"$env_file"
  say "set Edge__DeviceId=$device_id in /etc/inspection/edge-agent.env"
fi

# The running agent holds the camera and the GPU the self-test needs: stop it for the switch.
was_active=0
if systemctl is-active --quiet "$service"; then
  was_active=1
  say "stopping the running agent for the switch and the self-test"
  systemctl stop "$service"
fi

previous=""; replaced=""
if [[ -d $app_link && ! -L $app_link ]]; then
  # An installation from before the releases layout: it becomes the release to go back to.
  previous="$releases/before-$(date -u +%Y%m%dT%H%M%SZ)"
  mv "$app_link" "$previous"
  rm -rf "$opt_dir/edge-agent.old"
elif [[ -n $current_release ]]; then
  previous=$current_release
fi
if [[ -d $releases/$release ]]; then
  if [[ $releases/$release -ef $previous ]]; then
    # The same release again (e.g. with another ONNX Runtime): the copy that ran is kept until the new one passes.
    replaced="$releases/.replaced-$release"
    rm -rf "$replaced"
    mv "$releases/$release" "$replaced"
    previous=""
  else
    rm -rf "${releases:?}/$release"
  fi
fi
mv "$staging" "$releases/$release"

switch_to() { # atomically points the current link at releases/NAME
  ln -sfn "releases/$1" "$opt_dir/.edge-agent.new"
  mv -T "$opt_dir/.edge-agent.new" "$app_link"
}
switch_to "$release"
say "installed release $release to /opt/inspection/releases/$release (/opt/inspection/edge-agent points to it)"

# ONNX Runtime names a TensorRT engine after the model's file name, graph and the ONNX Runtime, CUDA and TensorRT
# versions, not after its weights: new weights under the same file name would run on the engine of the old ones. Model
# updates over the air get a cache folder per SHA-256; the configured model shares one folder (Detector:TensorRtCachePath),
# so when the package brings other model bytes, that folder's engines go and the self-test builds them again.
old_models=${replaced:-${previous:-}}
if [[ -n $old_models && -d $old_models/models ]]; then
  changed=""
  while IFS= read -r -d '' model; do
    relative=${model#"$releases/$release/"}
    if [[ -f $old_models/$relative ]] && ! cmp -s "$model" "$old_models/$relative"; then changed="$relative"; fi
  done < <(find "$releases/$release/models" -name '*.onnx' -print0 2>/dev/null)
  cache=""
  [[ -f $env_file ]] && cache=$(sed -n 's/^[[:space:]]*Detector__TensorRtCachePath=//p' "$env_file" | tail -n 1)
  [[ -n $cache ]] || cache=$(grep -o '"TensorRtCachePath"[[:space:]]*:[[:space:]]*"[^"]*"' "$etc_dir/edge-agent.json" | head -n 1 | sed 's/.*"\([^"]*\)"$/\1/' || true)
  if [[ -n $changed && $cache == /* && -d $root$cache ]] && compgen -G "$root$cache/*.engine" >/dev/null; then
    rm -f "$root$cache"/*.engine "$root$cache"/*.profile
    say "the package's $changed differs from the running release's: removed the TensorRT engines built for the old weights from $cache (the timing cache stays); the self-test builds new ones"
  fi
fi

# After a failed self-test: the release that ran before is put back, and started again if it was running.
go_back() {
  if [[ -n $replaced ]]; then
    rm -rf "${releases:?}/$release"
    mv "$replaced" "$releases/$release"
    say "put back the copy of release $release that ran before"
  elif [[ -n $previous ]]; then
    switch_to "$(basename "$previous")"
    say "switched back to release $(basename "$previous")"
  fi
  if ((was_active)); then
    if systemctl start "$service"; then outcome="the release that ran before runs again"
    else outcome="the release that ran before did not start again either: see 'systemctl status $service'"
    fi
  elif [[ -n $replaced || -n $previous ]]; then
    outcome="the service was left stopped, as it was"
  else
    outcome="the service was not enabled or started"
  fi
}

# Keeps the current release and the one before it (the 'previous' link, for going back by hand); older ones go.
prune() {
  local dir
  if [[ -n $previous ]] && ! [[ $previous -ef $app_link ]]; then
    ln -sfn "releases/$(basename "$previous")" "$opt_dir/.previous.new"
    mv -T "$opt_dir/.previous.new" "$opt_dir/previous"
  fi
  for dir in "$releases"/*; do
    [[ -d $dir ]] || continue
    [[ $dir -ef $app_link || $dir -ef $opt_dir/previous ]] && continue
    rm -rf "$dir"
  done
  rm -rf "$replaced"
}

if ((!start)); then
  install -D -m 0644 "$here/$service.service" "$unit_file"
  systemctl daemon-reload
  prune
  stopped=""; ((was_active)) && stopped=" (the agent that ran is stopped)"
  say "DONE (--no-start): release $release installed, not self-tested; the service was not started$stopped. Put the keys and the certificate in place and edit /etc/inspection/edge-agent.json (README.md, 'Install'), then run: sudo ./install.sh"
  exit 0
fi

# --- the self-test, as the service will run: its user, its environment, its working folder -------------------------
# systemd specifiers the unit's values may use.
expand_specifiers() {
  local v=$1
  v=${v//%%/$'\x01'}; v=${v//%S//var/lib}; v=${v//%C//var/cache}; v=${v//%L//var/log}; v=${v//%t//run}
  v=${v//%E//etc}; v=${v//%h//var/lib/inspection}; v=${v//%u/$svc_user}; v=${v//%n/$service.service}
  echo "${v//$'\x01'/%}"
}
declare -A env_vars=([PATH]=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin [HOME]=/var/lib/inspection
  [USER]=$svc_user [LOGNAME]=$svc_user [SHELL]=/usr/sbin/nologin [LANG]=C.UTF-8)
# StateDirectory= and its kin: systemd creates them for the service's user and names them in the environment.
for pair in StateDirectory:/var/lib:STATE_DIRECTORY CacheDirectory:/var/cache:CACHE_DIRECTORY \
            LogsDirectory:/var/log:LOGS_DIRECTORY ConfigurationDirectory:/etc:CONFIGURATION_DIRECTORY; do
  IFS=: read -r key base var <<<"$pair"
  paths=()
  while read -r line; do
    for name in $line; do
      name=${name%%:*}
      paths+=("$base/$name")
      [[ $key == ConfigurationDirectory ]] && continue
      mkdir -p "$root$base/$name"
      chown "$svc_user:$svc_group" "$root$base/$name"
    done
  done < <(unit_values "$key")
  if ((${#paths[@]})); then env_vars[$var]=$(IFS=:; echo "${paths[*]}"); fi
done
# Environment= (quoted words, as systemd splits them), then EnvironmentFile= (KEY=VALUE lines), in unit order.
while read -r line; do
  [[ -n $line ]] || continue
  while IFS= read -r -d '' word; do
    [[ $word == *=* ]] && env_vars[${word%%=*}]=$(expand_specifiers "${word#*=}")
  done < <(xargs printf '%s\0' <<<"$line")
done < <(unit_values Environment)
while read -r line; do
  file=$(expand_specifiers "${line#-}")
  [[ -f $root$file ]] || continue
  while IFS= read -r entry || [[ -n $entry ]]; do
    entry=${entry#"${entry%%[![:space:]]*}"}
    [[ -z $entry || $entry == \#* || $entry == \;* || $entry != *=* ]] && continue
    value=${entry#*=}
    if [[ $value =~ ^\"(.*)\"$ || $value =~ ^\'(.*)\'$ ]]; then value=${BASH_REMATCH[1]}; fi
    env_vars[${entry%%=*}]=$value
  done <"$root$file"
done < <(unit_values EnvironmentFile)
env_args=()
for name in "${!env_vars[@]}"; do env_args+=("$name=${env_vars[$name]}"); done
workdir=$(unit_values WorkingDirectory | tail -n 1); workdir=${workdir#-}
[[ -n $workdir ]] || workdir=/opt/inspection/edge-agent

self_test=(self-test)
if [[ -n $skip_checks ]]; then self_test+=(--skip "$skip_checks"); fi
say "self-test of release $release as user $svc_user (on TensorRT the first run builds the engine: minutes)"
# --foreground keeps the self-test in this terminal's process group (Ctrl-C stops it too); on the time-out runuser
# passes timeout's SIGTERM on to the agent.
trap - ERR
set +e
(
  cd "$root$workdir" &&
    timeout --foreground "$self_test_timeout" \
      runuser -u "$svc_user" -- env -i "${env_args[@]}" "$app_link/Inspection.EdgeAgent" "${self_test[@]}"
) 2>&1 | sed -u 's/^/  | /'
verdict=${PIPESTATUS[0]}
set -e
trap 'on_error "$LINENO" "$BASH_COMMAND" "$?"' ERR
if ((verdict != 0)); then
  case $verdict in
    1) reason="a check failed (the FAIL line above says which and why)" ;;
    2) reason="the agent's configuration is not usable (see above): fix /etc/inspection/edge-agent.json or edge-agent.env" ;;
    124) reason="it did not finish within $self_test_timeout s (INSTALL_SELF_TEST_TIMEOUT): a wedged GPU or camera?" ;;
    126|127) reason="the agent could not be run (exit code $verdict): is the package built for linux-arm64?" ;;
    *) reason="it ended with exit code $verdict" ;;
  esac
  say "self-test FAILED: $reason."
  outcome=""
  go_back
  say "FAILED: release $release did not pass its self-test; $outcome. Fix the cause and run install.sh again."
  exit 3
fi
say "self-test passed"

# --- the service ---------------------------------------------------------------------------------------------------
install -D -m 0644 "$here/$service.service" "$unit_file"
# The updater the agent hands its own updates to (README.md, "Updating the agent itself"): a path unit that watches for
# the agent's request, and the one-shot service it starts. Packages from before agent updates have neither.
updater=""
if [[ -f $here/inspection-agent-update.path && -f $here/inspection-agent-update.service ]]; then
  updater=inspection-agent-update
  install -D -m 0644 "$here/$updater.service" "$root/etc/systemd/system/$updater.service"
  install -D -m 0644 "$here/$updater.path" "$root/etc/systemd/system/$updater.path"
  mkdir -p "$state_dir/agent-update"
  chown "$svc_user:$svc_group" "$state_dir/agent-update"
fi
systemctl daemon-reload
systemctl enable "$service" >/dev/null
if [[ -n $updater ]]; then
  systemctl enable --now "$updater.path" >/dev/null
fi
prune
# Type=notify: restart returns once the agent has said READY=1 (model loaded and warm) or has failed.
if ! systemctl restart "$service"; then
  say "FAILED: $service did not start: see 'systemctl status $service' and 'journalctl -u $service -n 100'."
  exit 4
fi
state=""
for ((waited = 0; waited <= active_timeout; waited++)); do
  state=$(systemctl is-active "$service" || true)
  [[ $state == active ]] && break
  [[ $state == failed ]] && break
  sleep 1
done
if [[ $state != active ]]; then
  say "FAILED: $service is '$state', not active: see 'systemctl status $service' and 'journalctl -u $service -n 100'."
  exit 4
fi
say "OK: $service is active and enabled, release $release, ONNX Runtime $([[ -n $ort_dir ]] && echo "$native with TensorRT" || echo "$managed_ort (CPU build)"). Follow it with: journalctl -u $service -f"
