#!/usr/bin/env bash
# Proves the dependency-audit gate of Directory.Build.props with a real restore: a scratch project that imports the
# repository's build settings and references one of its packages is restored against a local advisory feed (the
# NuGet vulnerability-info format, served on loopback) that lists an advisory for that package.
#   high advisory              -> restore fails (NU1903)
#   critical advisory          -> restore fails (NU1904)
#   moderate advisory          -> restore passes, warning NU1902
#   high advisory acknowledged -> restore passes (NuGetAuditSuppress)
# Prints one line per case and exits non-zero if the gate does not behave so. Called by test.sh.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
server_pid=""
cleanup() {
  [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

package=LiteDB
version=$(sed -n 's/.*PackageVersion Include="LiteDB" Version="\([^"]*\)".*/\1/p' "$repo/Directory.Packages.props")
[[ -n $version ]] || { echo "audit gate: LiteDB's version not found in Directory.Packages.props" >&2; exit 1; }
advisory="https://github.com/advisories/GHSA-0000-test-gate"

# The feed's server binds a port the kernel picks and says which (no probe-then-bind race).
mkdir -p "$work/feed/vulnerability"
cat > "$work/serve.py" <<'PY'
import functools, http.server, sys
class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass
handler = functools.partial(Quiet, directory=sys.argv[1])
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
print(server.server_address[1], flush=True)
server.serve_forever()
PY
exec 3< <(python3 "$work/serve.py" "$work/feed")
server_pid=$!
read -r -t 30 port <&3
feed="http://127.0.0.1:$port"

mkdir -p "$work/project"
cat > "$work/project/Directory.Build.props" <<EOF
<Project>
  <Import Project="$repo/Directory.Build.props" />
</Project>
EOF
cat > "$work/project/gate.csproj" <<EOF
<Project Sdk="Microsoft.NET.Sdk">
  <ItemGroup>
    <PackageReference Include="$package" />
  </ItemGroup>
</Project>
EOF
cp "$repo/global.json" "$work/project/"

case_number=0
# restore_with SEVERITY SUPPRESS -> sets $status and $output
restore_with() {
  local severity=$1 suppress=$2
  case_number=$((case_number + 1))
  # A fresh page name per case: NuGet caches advisory pages by address.
  cat > "$work/feed/vulnerability/page$case_number.json" <<EOF
{"$(echo "$package" | tr '[:upper:]' '[:lower:]')":[{"url":"$advisory","severity":$severity,"versions":"[$version]"}]}
EOF
  cat > "$work/feed/vulnerability/index$case_number.json" <<EOF
[{"@name":"base","@id":"$feed/vulnerability/page$case_number.json","@updated":"2026-01-0${case_number}T00:00:00Z"}]
EOF
  cat > "$work/feed/index$case_number.json" <<EOF
{"version":"3.0.0","resources":[{"@id":"$feed/vulnerability/index$case_number.json","@type":"VulnerabilityInfo/6.7.0"}]}
EOF
  cat > "$work/project/nuget.config" <<EOF
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources><clear /><add key="nuget.org" value="https://api.nuget.org/v3/index.json" protocolVersion="3" /></packageSources>
  <auditSources><clear /><add key="local" value="$feed/index$case_number.json" allowInsecureConnections="true" /></auditSources>
</configuration>
EOF
  {
    echo '<Project><ItemGroup>'
    echo "<PackageVersion Include=\"$package\" Version=\"$version\" />"
    [[ $suppress == yes ]] && echo "<NuGetAuditSuppress Include=\"$advisory\" />"
    echo '</ItemGroup></Project>'
  } > "$work/project/Directory.Packages.props"
  rm -rf "$work/project/obj"
  set +e
  output=$(cd "$work/project" && NUGET_HTTP_CACHE_PATH="$work/http-cache" dotnet restore -nologo 2>&1)
  status=$?
  set -e
}

failures=0
check() {
  local name=$1 expected_status=$2 expected_code=$3
  if [[ $expected_status == fail && $status -ne 0 || $expected_status == pass && $status -eq 0 ]] \
     && { [[ -z $expected_code ]] || grep -q "$expected_code" <<<"$output"; }; then
    local verb=passes; [[ $expected_status == fail ]] && verb=fails
    echo "audit gate: $name -> restore $verb${expected_code:+ ($expected_code)}: ok"
  else
    echo "audit gate: $name -> expected restore to ${expected_status}${expected_code:+ with $expected_code}, got exit $status:" >&2
    echo "$output" >&2
    failures=$((failures + 1))
  fi
}

restore_with 2 no;  check "high advisory on $package $version" fail NU1903
restore_with 3 no;  check "critical advisory" fail NU1904
restore_with 1 no;  check "moderate advisory" pass NU1902
restore_with 2 yes; check "high advisory acknowledged (NuGetAuditSuppress)" pass ""
exit "$failures"
