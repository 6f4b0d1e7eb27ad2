#!/usr/bin/env bash
# Peer tools the tests use to check our outputs, in their own venv so they are never runtime
# dependencies of kgtool: sssom-py (`sssom validate`, the SSSOM TSV parser) and owlready2 (bundles
# the HermiT OWL reasoner; needs `java`, OpenJDK from Debian).
#
#   scripts/peers.sh          create/refresh the venv when missing or incomplete; prints its path
#   PEERS_VENV=DIR scripts/peers.sh   use another folder (default: .venv-peers beside this script's
#                                     parent, i.e. the checkout root; git-ignored)
#
# Idempotent: a venv where both tools import is reused without touching the network.
# Footprint (measured 2026-12-02): about 420 MB, 100 packages (sssom brings linkml, pandas, numpy;
# owlready2 is 27 MB with HermiT's jar), 2 min 20 s to create on the 2-core box. Why these two:
# sssom-py is the SSSOM reference implementation (mapping-commons, release 0.4.21), and owlready2
# (0.51, maintained since 2017) is the simplest way to get HermiT from PyPI.
# Exit codes: 0 ready; 77 cannot be set up here (no network/python venv); other: real failure.
set -euo pipefail

log() { echo "peers.sh: $*" >&2; }
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="${PEERS_VENV:-$root/.venv-peers}"
python="${PYTHON:-python3}"
# Versions known to work together (sssom 0.4.x reads/validates SSSOM 1.0; owlready2 ships HermiT 1.4).
SSSOM_SPEC="sssom>=0.4.15,<0.5"
OWLREADY_SPEC="owlready2>=0.46"

ready() {
    [ -x "$venv/bin/python" ] && [ -x "$venv/bin/sssom" ] &&
        "$venv/bin/python" -c 'import sssom, owlready2' >/dev/null 2>&1
}

if ready; then echo "$venv"; exit 0; fi
if ! command -v java >/dev/null 2>&1; then
    log "java is missing (HermiT needs it); install openjdk-17-jre-headless"
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >&2 || exit 77
    else
        exit 77
    fi
fi
log "creating $venv"
"$python" -m venv "$venv" || exit 77
# (grep drops the local index's "Location ... is ignored" noise; pip's own status decides)
status=0
"$venv/bin/pip" install -q --disable-pip-version-check "$SSSOM_SPEC" "$OWLREADY_SPEC" \
    > "$venv/pip.log" 2>&1 || status=$?
grep -v "^WARNING: Location" "$venv/pip.log" >&2 || true
[ "$status" = 0 ] || { log "pip install failed ($status): no package index reachable?"; exit 77; }
ready || { log "installed, but sssom/owlready2 do not import"; exit 1; }
echo "$venv"
