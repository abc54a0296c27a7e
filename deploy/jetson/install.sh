#!/usr/bin/env bash
# Installs or upgrades the edge agent on a Jetson. Run as root from the unpacked publish tarball:
#   sudo ./install.sh --device-id jetson-07 [--onnxruntime /path/to/libonnxruntime.so*] \
#                     [--opencvsharp /path/to/libOpenCvSharpExtern.so] [--no-start]
# Keeps an existing /etc/inspection/edge-agent.json and the data in /var/lib/inspection.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
device_id=""; ort=""; cvx=""; start=1
while (($#)); do
  case "$1" in
    --device-id) device_id="$2"; shift 2 ;;
    --onnxruntime) ort="$2"; shift 2 ;;
    --opencvsharp) cvx="$2"; shift 2 ;;
    --no-start) start=0; shift ;;
    *) echo "install.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
[[ $(id -u) -eq 0 ]] || { echo "install.sh: run as root (sudo)." >&2; exit 1; }
[[ $(uname -m) == aarch64 ]] || echo "install.sh: warning: this is $(uname -m), not a Jetson (aarch64)." >&2

app=/opt/inspection/edge-agent
id inspection >/dev/null 2>&1 || useradd --system --home /var/lib/inspection --shell /usr/sbin/nologin inspection
for g in video render; do getent group "$g" >/dev/null && usermod -aG "$g" inspection; done

systemctl stop inspection-edge-agent 2>/dev/null || true
mkdir -p "$app" /etc/inspection /var/lib/inspection
# Publisher public keys for model updates: root's to write, the agent's to read (never a private key here).
install -d -m 755 /etc/inspection/trusted-keys
# The device certificate and key (mTLS to the cloud); readable by the agent's group, the key by the agent only.
install -d -m 750 -o root -g inspection /etc/inspection/tls
# The cloud's control public key(s): the agent takes desired states signed by these only, and does not start without one.
install -d -m 755 /etc/inspection/control-keys
rm -rf "$app.new"
cp -a "$here/app" "$app.new"
# JetPack-native libraries replace the CPU/x64 builds that came with the package.
if [[ -n "$ort" ]]; then
  cp -a "$(dirname "$ort")"/libonnxruntime*.so* "$app.new/"
  echo "install.sh: using ONNX Runtime from $(dirname "$ort")"
else
  echo "install.sh: no --onnxruntime given: the agent runs on the CPU build (see README.md, 'ONNX Runtime with TensorRT')." >&2
fi
if [[ -n "$cvx" ]]; then
  cp -a "$cvx" "$app.new/libOpenCvSharpExtern.so"
else
  [[ -e "$app/libOpenCvSharpExtern.so" ]] && cp -a "$app/libOpenCvSharpExtern.so" "$app.new/"
  [[ -e "$app.new/libOpenCvSharpExtern.so" ]] || echo "install.sh: no libOpenCvSharpExtern.so: build it against JetPack's OpenCV (README.md, 'OpenCV')." >&2
fi
rm -rf "$app.old"; [[ -d "$app" ]] && mv "$app" "$app.old"; mv "$app.new" "$app"

if [[ ! -e /etc/inspection/edge-agent.json ]]; then
  cp "$here/edge-agent.json" /etc/inspection/edge-agent.json
fi
if [[ -n "$device_id" ]]; then
  touch /etc/inspection/edge-agent.env
  sed -i '/^Edge__DeviceId=/d' /etc/inspection/edge-agent.env
  echo "Edge__DeviceId=$device_id" >> /etc/inspection/edge-agent.env
fi
chown -R inspection:inspection /var/lib/inspection
install -m 0644 "$here/inspection-edge-agent.service" /etc/systemd/system/inspection-edge-agent.service
systemctl daemon-reload
systemctl enable inspection-edge-agent >/dev/null
if ((start)); then
  systemctl start inspection-edge-agent
  echo "install.sh: started; follow it with: journalctl -u inspection-edge-agent -f"
fi
