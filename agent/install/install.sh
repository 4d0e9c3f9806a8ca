#!/bin/sh
# Installs the Hearth agent for this user only (no sudo): a pinned Node runtime and the agent (one JavaScript
# file), both checked against SHA-256 sums baked in here, then pairs this computer and starts the agent at login.
#
#   curl -fsSL https://your-hearth-server/install.sh | sh
#
# Served by your Hearth server, which fills in its own address (and an install key, from Settings → Devices).
# Environment: HEARTH_INSTALL_DIR (program folder, default ${XDG_DATA_HOME:-~/.local/share}/hearth),
# HEARTH_BIN_DIR (where the `hearth` launcher goes, default ~/.local/bin), HEARTH_HOME (settings, as for `hearth`).
# Running it again updates the program in place; settings, credentials and history are never touched.
#
# Exit codes: 0 everything worked; 1 nothing or not everything was installed (the message says why);
# 4 installed and paired, but the background service could not be started (the message says how to start it).
#
# macOS: the runtime is Node's official build (from npm's node-darwin-* packages), signed and notarised by the
# Node.js project, and kept byte for byte; the agent is JavaScript, so there is nothing of ours to sign. curl sets
# no quarantine flag, so Gatekeeper does not stop it. A release that ships a binary of its own must sign and notarise it.
#
# This script reads nothing from standard input (it IS standard input when piped to sh): every command it runs
# gets </dev/null, so none can swallow the rest of the script.
set -eu

# Filled by the server when it serves this script.
SERVER='@@HEARTH_SERVER@@'
INSTALL_KEY='@@HEARTH_INSTALL_KEY@@'
RUNTIME_BASE='@@HEARTH_RUNTIME_BASE@@'
# Baked in by scripts/build-agent.mjs.
VERSION='@@BUILD_VERSION@@'
NODE_VERSION='@@BUILD_NODE_VERSION@@'
APP_PATH='@@BUILD_APP_PATH@@'
APP_SHA256='@@BUILD_APP_SHA256@@'

say() { printf '%s\n' "$*"; }
step() { printf '… %s\n' "$*"; }
fail() {
  printf 'hearth install: %s\n' "$*" >&2
  exit 1
}

# The runtime for a platform key (linux-x64, darwin-arm64, …): RT_PATH under RUNTIME_BASE, its SHA-256, its size
# and the binary's path inside the tarball.
runtime_for() {
  case "$1" in
    # @@BUILD_RUNTIME_TABLE@@ (the build puts one arm per platform of agent/runtime.json here)
    *) return 1 ;;
  esac
}

detect_platform() {
  case "$(uname -s)" in
    Linux) os=linux ;;
    Darwin) os=darwin ;;
    *) fail "this script installs on Linux and macOS; on Windows run in PowerShell: irm $SERVER/install.ps1 | iex" ;;
  esac
  case "$(uname -m)" in
    x86_64 | amd64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) fail "no Node runtime is pinned for $(uname -m) processors; Hearth installs on x64 and arm64" ;;
  esac
  # An x64 shell under Rosetta on an Apple silicon Mac: the native runtime is the right one.
  if [ "$os" = darwin ] && [ "$arch" = x64 ] && [ "$(sysctl -n sysctl.proc_translated 2>/dev/null || echo 0)" = 1 ]; then arch=arm64; fi
  # Node's official Linux builds need glibc; Alpine and other musl systems cannot run them.
  if [ "$os" = linux ] && ldd --version 2>&1 </dev/null | grep -qi musl; then
    fail "this Linux uses musl (Alpine?); the pinned Node runtime needs glibc. Run the agent from a repo checkout with your own Node 22 instead (see the README)"
  fi
  PLATFORM="$os-$arch"
}

need_tools() {
  if command -v curl >/dev/null 2>&1; then DOWNLOADER=curl
  elif command -v wget >/dev/null 2>&1; then DOWNLOADER=wget
  else fail "curl or wget is needed to download; install one of them and run this again"
  fi
  command -v tar >/dev/null 2>&1 || fail "tar is needed to unpack the Node runtime; install it and run this again"
  if command -v sha256sum >/dev/null 2>&1; then HASHER=sha256sum
  elif command -v shasum >/dev/null 2>&1; then HASHER=shasum
  else fail "sha256sum (or shasum) is needed to check the downloads; install coreutils and run this again"
  fi
}

# download URL FILE: a progress bar on a terminal (the runtime is ~50 MB), quiet otherwise.
download() {
  if [ "$DOWNLOADER" = curl ]; then
    if [ -t 2 ]; then curl -fL -# -o "$2" "$1" </dev/null; else curl -fsSL -o "$2" "$1" </dev/null; fi
  else
    if [ -t 2 ]; then wget -q --show-progress -O "$2" "$1" </dev/null; else wget -q -O "$2" "$1" </dev/null; fi
  fi || fail "could not download $1; check that $SERVER is reachable from here and run this again"
}

sha256_of() {
  if [ "$HASHER" = sha256sum ]; then sha256sum "$1" </dev/null | cut -d' ' -f1; else shasum -a 256 "$1" </dev/null | cut -d' ' -f1; fi
}

# verify FILE SHA256 WHAT: refuses (exit 1, nothing installed yet) unless the file is exactly what the build pinned.
verify() {
  actual=$(sha256_of "$1")
  [ "$actual" = "$2" ] || fail "refused: checksum mismatch for $3 (expected $2, got $actual). Nothing was installed. The download was changed on the way or on the server; try again, and tell whoever runs $SERVER if it happens again."
}

# A value for a JSON string, and one for a single-quoted sh word.
json_escape() { printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g'; }
sh_quote() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }

settings_dir() {
  if [ -n "${HEARTH_HOME:-}" ]; then printf '%s' "$HEARTH_HOME"
  elif [ "$os" = darwin ]; then printf '%s' "$HOME/Library/Application Support/hearth"
  else printf '%s' "${XDG_CONFIG_HOME:-$HOME/.config}/hearth"
  fi
}

case "$SERVER" in http://* | https://*) ;; *) fail "this script was not served by a Hearth server (no server address in it); copy the install line from your server's Settings → Devices" ;; esac
[ -n "${HOME:-}" ] || fail "HOME is not set"

detect_platform
need_tools
runtime_for "$PLATFORM" || fail "no Node runtime is pinned for $PLATFORM"

DIR=${HEARTH_INSTALL_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/hearth}
BIN_DIR=${HEARTH_BIN_DIR:-$HOME/.local/bin}
# The launcher holds absolute paths: it must work from any folder.
case "$DIR" in /*) ;; *) DIR="$(pwd)/$DIR" ;; esac
case "$BIN_DIR" in /*) ;; *) BIN_DIR="$(pwd)/$BIN_DIR" ;; esac
LAUNCHER="$BIN_DIR/hearth"
SETTINGS=$(settings_dir)

say "Installing the Hearth agent $VERSION for $PLATFORM from $SERVER"
TMP=$(mktemp -d 2>/dev/null || mktemp -d -t hearth)
trap 'rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM

# 1. The runtime: skipped when the same pinned Node is already there (a re-run or an update of the agent alone).
if [ -x "$DIR/runtime/node" ] && [ "$("$DIR/runtime/node" --version 2>/dev/null </dev/null || true)" = "v$NODE_VERSION" ]; then
  say "✓ Node $NODE_VERSION already installed"
  NEW_RUNTIME=
else
  step "Downloading Node $NODE_VERSION ($((RT_SIZE / 1048576)) MB)"
  download "$RUNTIME_BASE/$RT_PATH" "$TMP/runtime.tgz"
  verify "$TMP/runtime.tgz" "$RT_SHA256" "the Node runtime ($RUNTIME_BASE/$RT_PATH)"
  mkdir "$TMP/runtime"
  tar -xzf "$TMP/runtime.tgz" -C "$TMP/runtime" "$RT_BINARY" </dev/null || fail "could not unpack $RT_BINARY from the Node runtime; nothing was installed"
  NEW_RUNTIME="$TMP/runtime/$RT_BINARY"
  chmod 755 "$NEW_RUNTIME"
  say "✓ Node $NODE_VERSION downloaded and checked (SHA-256)"
fi

# 2. The agent itself.
step "Downloading the Hearth agent $VERSION"
download "$SERVER$APP_PATH" "$TMP/hearth.cjs"
verify "$TMP/hearth.cjs" "$APP_SHA256" "the agent ($SERVER$APP_PATH)"
say "✓ Agent downloaded and checked (SHA-256)"

# 3. Into place: each file is written beside its final name and renamed over it, so a running agent keeps its old
# files and a failure halfway leaves the previous install whole.
step "Installing into $DIR"
mkdir -p "$DIR/runtime" "$DIR/app" "$BIN_DIR"
if [ -n "$NEW_RUNTIME" ]; then
  mv -f "$NEW_RUNTIME" "$DIR/runtime/node.new"
  mv -f "$DIR/runtime/node.new" "$DIR/runtime/node"
fi
[ -f "$DIR/app/hearth.cjs" ] && cp -p "$DIR/app/hearth.cjs" "$DIR/app/hearth.cjs.previous"
mv -f "$TMP/hearth.cjs" "$DIR/app/hearth.cjs.new"
mv -f "$DIR/app/hearth.cjs.new" "$DIR/app/hearth.cjs"
cat >"$DIR/install.json.new" <<JSON
{
  "schema": 1,
  "server": "$(json_escape "$SERVER")",
  "version": "$VERSION",
  "node": "$NODE_VERSION",
  "platform": "$PLATFORM",
  "launcher": "$(json_escape "$LAUNCHER")",
  "installed_at": "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
}
JSON
mv -f "$DIR/install.json.new" "$DIR/install.json"
printf '#!/bin/sh\nexec %s %s "$@"\n' "$(sh_quote "$DIR/runtime/node")" "$(sh_quote "$DIR/app/hearth.cjs")" >"$LAUNCHER.new"
chmod 755 "$LAUNCHER.new"
mv -f "$LAUNCHER.new" "$LAUNCHER"
say "✓ Installed: $LAUNCHER"

# 4. Pairing. A line with an install key comes from "Add a computer", whose page waits for this pairing: always pair
# (it replaces an old pairing, which may have been removed on the server). Without a key, a computer already paired
# with this server keeps its pairing: the re-run only updated the program.
if [ -z "$INSTALL_KEY" ] && [ -f "$SETTINGS/credentials.json" ] && grep -qF "\"server\": \"$(json_escape "$SERVER")\"" "$SETTINGS/credentials.json" </dev/null; then
  say "✓ Already paired with $SERVER (to pair again: hearth pair --server $SERVER)"
else
  step "Pairing this computer with $SERVER"
  # The key goes in the environment, not the command line: other users of this computer can read every process's
  # arguments (ps, /proc/<pid>/cmdline). A key the server refuses (expired, used) becomes a plain pairing.
  HEARTH_INSTALLER=1 HEARTH_INSTALL_KEY="$INSTALL_KEY" "$LAUNCHER" pair --server "$SERVER" </dev/null || fail "pairing did not finish (see above). The agent is installed: pair later with \`$LAUNCHER pair --server $SERVER\`, then run \`$LAUNCHER service install\`."
fi

# 5. The background service (systemd user unit or launchd agent): starts now and at every login.
step "Starting the agent as a background service"
SERVICE_OK=1
"$LAUNCHER" service install </dev/null || SERVICE_OK=

say ""
say "Program:  $DIR"
say "Settings: $SETTINGS"
say "Log file: $SETTINGS/logs/agent.log"
case ":${PATH:-}:" in
  *":$BIN_DIR:"*) ;;
  *) say "Note: $BIN_DIR is not on your PATH. Add it to your shell's startup file (export PATH=\"$BIN_DIR:\$PATH\"), or run $LAUNCHER directly." ;;
esac
if [ -z "$SERVICE_OK" ]; then
  say ""
  say "Installed and paired, but the background service could not be started (see above)."
  say "Start the agent by hand with: $LAUNCHER start"
  say "Or fix the cause and run:     $LAUNCHER service install"
  exit 4
fi
say "✓ Done: the Hearth agent $VERSION is running and starts at login."
