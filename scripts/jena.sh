#!/usr/bin/env bash
# Apache Jena 4.5 command-line tools (Debian package libapache-jena-java) for tests that compare
# kgtool with an independent engine.
#
#   scripts/jena.sh install          install the package when missing (apt-get update first) and
#                                    apply the Debian jar fix (below); prints nothing on success
#   scripts/jena.sh classpath        install if needed, print the Java classpath
#   scripts/jena.sh shacl ARGS...    run Jena's `shacl` command, e.g.
#                                    scripts/jena.sh shacl validate --shapes s.ttl --data d.ttl
#   scripts/jena.sh run CLASS ARGS   run any Jena main class (riotcmd.riot, arq.sparql, ...)
#   scripts/jena.sh shacl-batch SHAPES DATA OUT [DATA OUT ...]
#                                    validate several data files in one JVM (scripts/jena/ShaclBatch.java,
#                                    run by Java's source launcher); each OUT gets the report as N-Triples
#
# The fix: Debian's jena-core.jar moved the shaded Xerces classes to `xerces.*` but left their
# message bundles under org/apache/jena/ext/xerces/, so every tool dies at start-up with
# ExceptionInInitializerError in XSSimpleTypeDecl. Copying the bundles to `xerces/` in a directory
# on the classpath fixes it (research/perf-baseline.md, research/sparql-server.md).
#
# Environment: JENA_FIX_DIR (default /tmp/kgtool-jena-fix), JAVA (default: java on PATH).
# Exit codes: 0 ok; 77 Jena is missing and cannot be installed here (not root, no apt-get, no
# archive); anything else is Jena's own exit code or a real failure.
set -euo pipefail

log() { echo "jena.sh: $*" >&2; }

J=/usr/share/java
FIX=${JENA_FIX_DIR:-/tmp/kgtool-jena-fix}
JAVA=${JAVA:-java}

install_if_missing() {
    if [ ! -f "$J/jena-shacl.jar" ]; then
        if [ "$(id -u)" != 0 ]; then log "Jena is missing and installing it needs root"; return 77; fi
        if ! command -v apt-get >/dev/null 2>&1; then log "Jena is missing and there is no apt-get"; return 77; fi
        log "installing libapache-jena-java from the Debian archive"
        if ! apt-get -o DPkg::Lock::Timeout=300 update -qq >/dev/null 2>&1; then
            log "apt-get update failed: the package archive is not reachable"; return 77
        fi
        if ! DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq \
                --no-install-recommends libapache-jena-java >/dev/null 2>&1; then
            log "apt-get install libapache-jena-java failed"; return 77
        fi
        [ -f "$J/jena-shacl.jar" ] || { log "jena-shacl.jar still missing after install"; return 77; }
    fi
    command -v "$JAVA" >/dev/null 2>&1 || { log "no java on PATH"; return 77; }
    if [ ! -f "$FIX/.done" ]; then
        local tmp
        tmp=$(mktemp -d "${FIX}.XXXXXX")
        (cd "$tmp" && unzip -qo "$J/jena-core.jar" 'org/apache/jena/ext/xerces/*.properties' \
            && mv org/apache/jena/ext/xerces . && rm -rf org && touch .done)
        rm -rf "$FIX"
        mv "$tmp" "$FIX"   # atomic: a concurrent caller sees no half-made fix directory
    fi
}

classpath() {
    local cp=$FIX j
    for j in jena-base jena-core jena-arq jena-iri jena-cmds jena-shacl jena-shex jena-rdfconnection \
             jena-tdb jena-tdb2 jena-dboe-base jena-dboe-index jena-dboe-storage jena-dboe-trans-data \
             jena-dboe-transaction commons-cli commons-codec commons-compress commons-csv commons-io \
             commons-lang3 dexx.collection gson guava httpclient httpcore jackson-core jackson-databind \
             jackson-annotations jsonld-java jakarta.json-api protobuf thrift titanium-json-ld \
             commons-logging slf4j-api slf4j-simple; do
        [ -f "$J/$j.jar" ] && cp=$cp:$J/$j.jar
    done
    echo "$cp"
}

cmd=${1:-}
shift || true
case "$cmd" in
    install) install_if_missing ;;
    classpath) install_if_missing; classpath ;;
    shacl) install_if_missing; exec "$JAVA" -cp "$(classpath)" shacl.shacl "$@" ;;
    run) install_if_missing; cls=$1; shift; exec "$JAVA" -cp "$(classpath)" "$cls" "$@" ;;
    shacl-batch) install_if_missing
        exec "$JAVA" -cp "$(classpath)" "$(dirname "$0")/jena/ShaclBatch.java" "$@" ;;
    *) log "usage: scripts/jena.sh install | classpath | shacl ARGS... | run CLASS ARGS... | shacl-batch SHAPES DATA OUT..."; exit 2 ;;
esac
