#!/usr/bin/env bash
# One-time (idempotent) set-up for kafka-edge development and tests (using the package needs none
# of this: only the runtime it runs on):
#   - a JDK 17+ and Maven (Debian packages)  only if java / mvn are not on PATH
#   - npm packages (npm ci)                  only if node_modules is missing or stale
#   - wrangler and its Node 22 (npm ci in    only if examples/workers/node_modules is
#     examples/workers)                        missing or stale
#   - kcat (Debian package)                  only if kcat is not on PATH
#   - openssl (Debian package)               only if openssl is not on PATH
#   - Kafka broker + tools jars via Maven    only if scripts/kafka/lib is missing or
#     into scripts/kafka/lib/                  was filled from a different pom.xml
#   - older Kafka brokers (2.1.1, 3.9.1)      the same, per scripts/kafka/versions/*/pom.xml
#     into scripts/kafka/versions/*/lib/       (the broker only, for tests/compat/)
# What it cannot install (no apt-get: not Debian or Ubuntu), it names and stops. A second run
# checks these and returns quickly. With --npm, only the npm packages (what the unit tests need:
# no Java, no broker).
set -euo pipefail
npm_only=false
[[ ${1:-} == --npm ]] && npm_only=true

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

KAFKA_DIR=scripts/kafka

log() { printf 'setup: %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d' ' -f1
  else
    shasum -a 256 "$1" | cut -d' ' -f1
  fi
}

as_root() {
  if [[ $(id -u) -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "need root (or sudo) to run: $*"
  fi
}

# Installs Debian packages with apt-get (its package lists fetched once per run).
apt_updated=0
apt_install() {
  command -v apt-get >/dev/null 2>&1 || return 1
  log "installing $* (apt-get)"
  if [[ $apt_updated == 0 ]]; then
    as_root apt-get update -qq
    apt_updated=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# ---- Java (brokers, Kafka tools, golden-bytes helpers: a JDK, for `java File.java`) ----
if $npm_only; then
  :
elif [[ -n ${JAVA_HOME:-} && -x $JAVA_HOME/bin/java ]]; then
  :
elif ! command -v java >/dev/null 2>&1; then
  apt_install default-jdk-headless ||
    die "java not found: install a JDK 17 or newer (Debian: apt-get install -y default-jdk-headless) or set JAVA_HOME"
  command -v java >/dev/null 2>&1 || die "java still not on PATH after apt-get install"
fi

# ---- npm packages ----
if [[ ! -d node_modules || ! -f node_modules/.package-lock.json ||
  package-lock.json -nt node_modules/.package-lock.json ]]; then
  command -v npm >/dev/null 2>&1 || die "npm not found: install Node.js 20 or newer"
  log "npm ci"
  npm ci --no-audit --no-fund
fi

if $npm_only; then
  log "ok (node_modules)"
  exit 0
fi

# ---- wrangler, for the Workers example (it needs Node >= 22: its own, from npm) ----
example=examples/workers
if [[ ! -d $example/node_modules || ! -f $example/node_modules/.package-lock.json ||
  $example/package-lock.json -nt $example/node_modules/.package-lock.json ]]; then
  log "npm ci ($example)"
  npm ci --no-audit --no-fund --prefix "$example"
fi

# ---- kcat ----
if ! command -v kcat >/dev/null 2>&1; then
  apt_install kcat ||
    die "kcat not found and apt-get is unavailable: install kcat yourself (e.g. brew install kcat)"
  command -v kcat >/dev/null 2>&1 || die "kcat still not on PATH after apt-get install"
fi

# ---- openssl (the test broker's throwaway CA and certificates) ----
if ! command -v openssl >/dev/null 2>&1; then
  apt_install openssl || die "openssl not found: install it"
fi

# ---- Kafka jars ----
# Fills lib/ beside POM with its dependencies, unless lib/ was filled from this very pom.
fetch_kafka_jars() {
  local pom=$1 lib want have=""
  lib=$(dirname "$pom")/lib
  want=$(sha256_of "$pom")
  [[ -f $lib/.pom.sha256 ]] && have=$(<"$lib/.pom.sha256")
  [[ -d $lib && $have == "$want" ]] && return
  if ! command -v mvn >/dev/null 2>&1; then
    apt_install maven ||
      die "mvn not found: install Maven 3.8 or newer (Debian: apt-get install -y maven)"
  fi
  log "copying Kafka jars into $lib (Maven)"
  rm -rf "$lib"
  # Each pom pins outputDirectory to the lib/ beside it. (scripts/kafka/.mvn/jvm.config stops the
  # ANSI resets Debian's Maven 3.8.7 prints when it exits, even with -B and NO_COLOR.)
  mvn -B -q -f "$pom" org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy-dependencies >&2
  local jars=("$lib"/kafka_2.1[23]-*.jar)
  [[ -e ${jars[0]} ]] || die "Maven finished but $lib has no kafka_2.12 or kafka_2.13 jar"
  printf '%s\n' "$want" >"$lib/.pom.sha256"
}
for pom in "$KAFKA_DIR/pom.xml" "$KAFKA_DIR"/versions/*/pom.xml; do fetch_kafka_jars "$pom"; done

log "ok (java, node_modules, $example/node_modules, kcat, openssl, Kafka jars in $KAFKA_DIR/lib and $KAFKA_DIR/versions/*/lib)"
