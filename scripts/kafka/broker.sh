#!/usr/bin/env bash
# Real Apache Kafka brokers (KRaft; ZooKeeper for versions before 3.3) for kafka-edge's
# integration tests. Run `scripts/kafka/broker.sh help` for usage. Needs scripts/setup.sh to have
# run (jars in scripts/kafka/lib/ and scripts/kafka/versions/*/lib/, kcat on PATH, java).
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CURRENT_LIB_DIR="$SCRIPT_DIR/lib"
# The jars of the Kafka in use: the current 4.x, or an older one (select_kafka).
LIB_DIR=$CURRENT_LIB_DIR
LOG4J_CONFIG="$SCRIPT_DIR/log4j2.properties"
# Kafka before 4.0 (and ZooKeeper) log through log4j 1 (reload4j).
LOG4J1_CONFIG="$SCRIPT_DIR/log4j.properties"
# Brokers use the same quiet config unless BROKER_LOG4J names another file
# (e.g. one at INFO level, when debugging a broker).
BROKER_LOG4J=${BROKER_LOG4J:-$LOG4J_CONFIG}

# Tunables (environment).
START_TIMEOUT=${BROKER_START_TIMEOUT:-90}   # seconds to wait for the brokers to answer Metadata
STOP_TIMEOUT=${BROKER_STOP_TIMEOUT:-15}     # seconds between SIGTERM and SIGKILL
BROKER_HEAP=${BROKER_HEAP:-"-Xmx512m -Xms256m"}
BROKER_JAVA_OPTS=${BROKER_JAVA_OPTS:-}      # extra JVM options for brokers
TOOL_JAVA_OPTS=${TOOL_JAVA_OPTS:-"-Xmx512m"} # JVM options for `tool`
SECURE_REAUTH_MS=${SECURE_REAUTH_MS:-3000}  # connections.max.reauth.ms of the REAUTH listener

# The one user of a --secure broker's SASL listeners (a throwaway test credential).
SASL_USER=alice
SASL_PASSWORD=alice-secret
KEYSTORE_PASSWORD=keystore-secret

usage() {
  cat <<'EOF'
Usage: scripts/kafka/broker.sh COMMAND [OPTIONS]

Commands
  start --dir DIR [--nodes 1|3] [--port P] [--secure] [--set KEY=VALUE]...
        [--kafka VERSION] [--feature NAME=LEVEL]... [--classpath PATH]...
      Wipe DIR (refused if a broker started there is still running, or if DIR
      is a non-empty directory that this script did not create), format and
      start a KRaft cluster of combined broker+controller nodes, wait until
      every node answers a Metadata request listing all nodes, then print the
      bootstrap list (and nothing else) on stdout, e.g.
          127.0.0.1:9092
          127.0.0.1:19092,127.0.0.1:19093,127.0.0.1:19094
      --set adds a server property to every node (repeatable; last one wins).
      --secure (one node only) adds TLS and SASL listeners, see "Secure
      listeners" below.
      --kafka starts an older Kafka instead of the current 4.x (see "Older
      Kafka versions" below).
      --feature sets a feature level at format time (KRaft; Kafka 3.9+), e.g.
      --feature transaction.version=1 (repeatable).
      --classpath adds jars or a class folder to the brokers' classpath, e.g.
      a metrics reporter (repeatable; kept for start-node).
  stop --dir DIR
      SIGTERM every node started in DIR (by its pid file), SIGKILL what is
      left after BROKER_STOP_TIMEOUT (15) seconds. No error if nothing runs.
  kill-node --dir DIR --node N
      SIGKILL node N (1-based) of the cluster in DIR.
  start-node --dir DIR --node N
      Restart node N on its existing data and wait until it answers Metadata
      listing itself (i.e. it is registered and unfenced).
  status --dir DIR
      One line per node on stdout; exit status 0 only if every node runs.
  bootstrap --dir DIR
      Print the bootstrap list of the cluster in DIR.
  tool [--kafka VERSION] CLASS [ARGS...]
      Run a Kafka Java tool with the broker's classpath (the current 4.x unless
      --kafka) and the quiet log4j config (WARN+ on stderr only), e.g.
        broker.sh tool org.apache.kafka.tools.TopicCommand \
            --bootstrap-server 127.0.0.1:9092 --create --topic t --partitions 3
        broker.sh tool org.apache.kafka.tools.consumer.ConsoleConsumer \
            --bootstrap-server 127.0.0.1:9092 --topic t --from-beginning --max-messages 2
      Other classes: org.apache.kafka.tools.ProducerPerformance, DumpLogSegments,
      GetOffsetShell, MetadataQuorumCommand, kafka.tools.StorageTool.
  help

Ports (--port P overrides the first broker port; --port auto picks a free P in 20000-32000)
  1 node : broker P (default 9092), controller P+1 (default 9093)
  3 nodes: brokers P, P+1, P+2 (default 19092-19094),
           controllers P+10, P+11, P+12 (default 19102-19104)
  With ZooKeeper, ZooKeeper takes the first controller port (P+1 or P+10).
  Listeners bind 127.0.0.1 only. node.id (broker.id) of node N is N.

Older Kafka versions (start --kafka VERSION)
  VERSION is one with a pom in scripts/kafka/versions/VERSION/ (scripts/setup.sh
  fetches its jars into lib/ there): 2.1.1 (the oldest the Java client 4.x
  supports) and 3.9.1 (the last 3.x). Versions before 3.3 run on ZooKeeper
  (3.5.9, one server started and stopped with the cluster, data in
  DIR/zookeeper/); later ones on KRaft. PLAINTEXT listeners only (no --secure).
  The 4.x tools (`tool` without --kafka) speak to every one of them.

Secure listeners (start --secure; one node)
  P+2 SSL             TLS, broker certificate signed by a throwaway CA
  P+3 SASL_PLAINTEXT  PLAIN, SCRAM-SHA-256, SCRAM-SHA-512
  P+4 SASL_SSL        the same mechanisms over TLS
  P+5 OAUTHBEARER     SASL_PLAINTEXT, the broker's unsecured JWS validator (tests only)
  P+6 REAUTH          SASL_PLAINTEXT, all four mechanisms, connections.max.reauth.ms
                      = SECURE_REAUTH_MS (3000): sessions must be renewed (KIP-368)
  User alice, password alice-secret (PLAIN in the JAAS lines; SCRAM users added
  at format time). DIR/tls/ holds ca.pem (the CA to trust), other-ca.pem (a CA
  that signed nothing here) and the broker's keystore. DIR/secure.env has
  shell assignments of KAFKA_SSL_BOOTSTRAP, KAFKA_SASL_PLAINTEXT_BOOTSTRAP,
  KAFKA_SASL_SSL_BOOTSTRAP, KAFKA_OAUTHBEARER_BOOTSTRAP, KAFKA_REAUTH_BOOTSTRAP,
  KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD, KAFKA_CA_PEM, KAFKA_OTHER_CA_PEM,
  KAFKA_REAUTH_MS.

Layout of DIR
  DIR/cluster.env             version, nodes, ports and cluster id (read by the other commands)
  DIR/zookeeper/              ZooKeeper's zoo.cfg, data, server.log and pid (older Kafka only)
  DIR/node-N/server.properties
  DIR/node-N/data/            log.dirs (metadata log included)
  DIR/node-N/server.log       the JVM's stdout+stderr (log4j2: WARN and above)
  DIR/node-N/pid              present while the node runs

Environment
  BROKER_START_TIMEOUT (90)  BROKER_STOP_TIMEOUT (15)
  BROKER_HEAP ("-Xmx512m -Xms256m")  BROKER_JAVA_OPTS  TOOL_JAVA_OPTS ("-Xmx512m")
  BROKER_LOG4J (log4j2 config file for brokers; default scripts/kafka/log4j2.properties)
  SECURE_REAUTH_MS (3000)
  JAVA_HOME (else java from PATH)

Everything except the bootstrap list / status lines goes to stderr.
EOF
}

log() { printf 'broker.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

java_bin() {
  if [[ -n ${JAVA_HOME:-} && -x $JAVA_HOME/bin/java ]]; then
    printf '%s\n' "$JAVA_HOME/bin/java"
  elif command -v java >/dev/null 2>&1; then
    command -v java
  else
    die "java not found (install a JDK 17+, or set JAVA_HOME)"
  fi
}

require_lib() {
  local jars=("$LIB_DIR"/kafka_2.1[23]-*.jar)
  [[ -e ${jars[0]} ]] || die "Kafka jars missing in $LIB_DIR: run scripts/setup.sh"
  [[ -f $LOG4J_CONFIG && -f $LOG4J1_CONFIG ]] || die "missing $LOG4J_CONFIG or $LOG4J1_CONFIG"
}

# ---- Kafka versions -----------------------------------------------------------

KAFKA_VERSION="" # empty: the current 4.x in scripts/kafka/lib

# Use the jars of VERSION (empty: the current 4.x). Sets LIB_DIR.
select_kafka() {
  KAFKA_VERSION=$1
  if [[ -z $KAFKA_VERSION ]]; then
    LIB_DIR=$CURRENT_LIB_DIR
    return
  fi
  [[ $KAFKA_VERSION =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "bad Kafka version '$KAFKA_VERSION'"
  if [[ ! -f $SCRIPT_DIR/versions/$KAFKA_VERSION/pom.xml ]]; then
    local known
    known=$(cd "$SCRIPT_DIR/versions" && ls -d -- */ 2>/dev/null | tr -d / | tr '\n' ' ')
    die "no Kafka $KAFKA_VERSION here (versions with a pom in scripts/kafka/versions/: ${known:-none})"
  fi
  LIB_DIR=$SCRIPT_DIR/versions/$KAFKA_VERSION/lib
}

# True for the Kafka in use if it needs ZooKeeper (before 3.3, KRaft was not ready).
uses_zookeeper() {
  [[ -n $KAFKA_VERSION ]] || return 1
  local major minor
  IFS=. read -r major minor _ <<<"$KAFKA_VERSION"
  ((major < 3 || (major == 3 && minor < 3)))
}

# True for the Kafka in use if it is 4.0 or newer (log4j2, share groups).
is_kafka4() {
  [[ -z $KAFKA_VERSION || ${KAFKA_VERSION%%.*} -ge 4 ]]
}

# The JVM option that points the Kafka in use at its quiet logging config.
log_option() {
  if is_kafka4; then
    printf '%s\n' "-Dlog4j2.configurationFile=$1"
  else
    printf '%s\n' "-Dlog4j.configuration=file:$LOG4J1_CONFIG"
  fi
}

require_kcat() {
  command -v kcat >/dev/null 2>&1 || die "kcat not found: run scripts/setup.sh"
}

# Run a Kafka class with the lib classpath. Output is left to the caller.
run_java() {
  local java opts
  java=$(java_bin)
  # shellcheck disable=SC2206 # word splitting of the option strings is intended
  opts=($TOOL_JAVA_OPTS)
  "$java" "${opts[@]}" -Djava.awt.headless=true "$(log_option "$LOG4J_CONFIG")" \
    -cp "$LIB_DIR/*" "$@"
}

# ---- cluster state ----------------------------------------------------------

# Set by load_cluster / start: DIR (absolute), NODES, CLUSTER_ID,
# BROKER_PORTS and CONTROLLER_PORTS (arrays indexed 1..NODES).
DIR=""
NODES=0
CLUSTER_ID=""
SECURE=0
ZK_PORT=""        # set when the cluster runs on ZooKeeper
EXTRA_CLASSPATH="" # --classpath entries, ':'-separated
declare -a BROKER_PORTS=() CONTROLLER_PORTS=()

abs_dir() {
  # Absolute path of $1 (which must exist).
  (cd "$1" && pwd -P)
}

node_dir() { printf '%s/node-%s\n' "$DIR" "$1"; }

load_cluster() {
  local dir=$1
  [[ -d $dir ]] || return 1
  DIR=$(abs_dir "$dir")
  [[ -f $DIR/cluster.env ]] || return 1
  local key value
  BROKER_PORTS=() CONTROLLER_PORTS=()
  select_kafka ""
  ZK_PORT="" EXTRA_CLASSPATH=""
  while IFS='=' read -r key value; do
    case $key in
      NODES) NODES=$value ;;
      CLUSTER_ID) CLUSTER_ID=$value ;;
      SECURE) SECURE=$value ;;
      KAFKA_VERSION) select_kafka "$value" ;;
      ZK_PORT) ZK_PORT=$value ;;
      EXTRA_CLASSPATH) EXTRA_CLASSPATH=$value ;;
      BROKER_PORT_*) BROKER_PORTS[${key#BROKER_PORT_}]=$value ;;
      CONTROLLER_PORT_*) CONTROLLER_PORTS[${key#CONTROLLER_PORT_}]=$value ;;
      '' | '#'*) ;;
      *) ;;
    esac
  done <"$DIR/cluster.env"
  [[ $NODES =~ ^[0-9]+$ && $NODES -ge 1 ]] || die "$DIR/cluster.env is damaged"
}

bootstrap_list() {
  local i out=""
  for ((i = 1; i <= NODES; i++)); do
    out+="${out:+,}127.0.0.1:${BROKER_PORTS[i]}"
  done
  printf '%s\n' "$out"
}

# The pid in node N's pid file if that process is alive and is the broker we
# started for that node (guards against pid reuse and zombies); else nothing.
node_pid() {
  local n=$1 nd pid args
  nd=$(node_dir "$n")
  [[ -f $nd/pid ]] || return 1
  pid=$(<"$nd/pid")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  if [[ -r /proc/$pid/cmdline ]]; then
    args=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
  else
    args=$(ps -p "$pid" -o args= 2>/dev/null) || return 1
  fi
  [[ $args == *"kafka.Kafka $nd/server.properties"* ]] || return 1
  printf '%s\n' "$pid"
}

port_in_use() {
  # True if something accepts TCP connections on 127.0.0.1:$1.
  timeout 3 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

# A base port P such that P..P+COUNT-1 are all free on 127.0.0.1, picked at random in
# 20000-32000: below Linux's range for outgoing connections' local ports (32768-60999), so no
# client connection can take one of them between this check and the broker's bind.
free_port_base() {
  local count=$1 base p try
  for ((try = 0; try < 50; try++)); do
    base=$((20000 + RANDOM % (12000 - count)))
    for ((p = base; p < base + count; p++)); do
      port_in_use "$p" && continue 2
    done
    printf '%s\n' "$base"
    return
  done
  die "start: no $count free consecutive ports found in 20000-32000"
}

# kcat -L against node N's broker port; prints the metadata listing.
kcat_metadata() {
  timeout 15 kcat -L -b "127.0.0.1:${BROKER_PORTS[$1]}" -m 5 2>/dev/null
}

# ---- node processes ----------------------------------------------------------

write_properties() {
  local n=$1 nd voters i rf min_isr
  shift
  nd=$(node_dir "$n")
  voters=""
  for ((i = 1; i <= NODES; i++)); do
    voters+="${voters:+,}$i@127.0.0.1:${CONTROLLER_PORTS[i]}"
  done
  if ((NODES >= 3)); then rf=3 min_isr=2; else rf=1 min_isr=1; fi
  local listeners="PLAINTEXT://127.0.0.1:${BROKER_PORTS[n]}"
  local protocols="PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"
  if ((SECURE)); then
    local name
    for name in "${SECURE_LISTENERS[@]}"; do
      listeners+=",$name://127.0.0.1:$(secure_port "$name")"
    done
    protocols+=",SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL"
    protocols+=",OAUTHBEARER:SASL_PLAINTEXT,REAUTH:SASL_PLAINTEXT"
  fi
  {
    if [[ -n $ZK_PORT ]]; then
      cat <<EOF
# Generated by scripts/kafka/broker.sh: node $n of $NODES, Kafka $KAFKA_VERSION on ZooKeeper
broker.id=$n
zookeeper.connect=127.0.0.1:$ZK_PORT
listeners=$listeners
advertised.listeners=$listeners
EOF
    else
      cat <<EOF
# Generated by scripts/kafka/broker.sh: node $n of $NODES, Kafka ${KAFKA_VERSION:-4.x}, cluster $CLUSTER_ID
process.roles=broker,controller
node.id=$n
controller.quorum.voters=$voters
listeners=$listeners,CONTROLLER://127.0.0.1:${CONTROLLER_PORTS[n]}
advertised.listeners=$listeners
controller.listener.names=CONTROLLER
listener.security.protocol.map=$protocols
EOF
    fi
    cat <<EOF
inter.broker.listener.name=PLAINTEXT
log.dirs=$nd/data

num.partitions=1
auto.create.topics.enable=false
group.initial.rebalance.delay.ms=0
offsets.topic.replication.factor=$rf
transaction.state.log.replication.factor=$rf
transaction.state.log.min.isr=$min_isr
# Internal topics with 50 partitions each are slow to create on a small test
# machine; a few partitions still spread coordinators over the nodes.
offsets.topic.num.partitions=$NODES
transaction.state.log.num.partitions=$NODES
EOF
    if is_kafka4; then
      cat <<EOF
share.coordinator.state.topic.replication.factor=$rf
share.coordinator.state.topic.min.isr=$min_isr
share.coordinator.state.topic.num.partitions=$NODES
EOF
    fi
    if ((SECURE)); then secure_properties; fi
    if (($# > 0)); then
      printf '\n# --set\n'
      printf '%s\n' "$@"
    fi
  } >"$nd/server.properties"
}

# ---- secure listeners (start --secure) -------------------------------------------

SECURE_LISTENERS=(SSL SASL_PLAINTEXT SASL_SSL OAUTHBEARER REAUTH)

# Port of a secure listener of the single node: P+2 onwards, in SECURE_LISTENERS order.
secure_port() {
  local i
  for i in "${!SECURE_LISTENERS[@]}"; do
    if [[ ${SECURE_LISTENERS[i]} == "$1" ]]; then
      printf '%s\n' $((BROKER_PORTS[1] + 2 + i))
      return
    fi
  done
  die "no secure listener $1"
}

# A throwaway CA, the broker's certificate (127.0.0.1 and localhost) in a PKCS12 keystore, a
# client certificate for mutual TLS, and a second CA that signed nothing here (the wrong CA).
make_tls_material() {
  local tls=$DIR/tls
  mkdir -p "$tls"
  (
    cd "$tls"
    ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
    openssl req -x509 "${ec[@]}" -keyout ca.key -out ca.pem -days 2 \
      -subj "/CN=kafka-edge test CA" 2>/dev/null
    openssl req -x509 "${ec[@]}" -keyout other-ca.key -out other-ca.pem -days 2 \
      -subj "/CN=kafka-edge other CA" 2>/dev/null
    for name in broker client; do
      openssl req "${ec[@]}" -keyout "$name.key" -out "$name.csr" \
        -subj "/CN=kafka-edge test $name" 2>/dev/null
      openssl x509 -req -in "$name.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
        -extfile <(echo "subjectAltName=IP:127.0.0.1,DNS:localhost") -out "$name.pem" 2>/dev/null
    done
    openssl pkcs12 -export -in broker.pem -inkey broker.key -certfile ca.pem \
      -out broker.p12 -passout "pass:$KEYSTORE_PASSWORD"
  ) || die "start: making the TLS certificates failed (is openssl installed?)"
}

# Server properties of the secure listeners.
secure_properties() {
  local tls=$DIR/tls jaas_plain jaas_scram jaas_oauth mechanisms name
  jaas_plain="org.apache.kafka.common.security.plain.PlainLoginModule required"
  jaas_plain+=" user_$SASL_USER=\"$SASL_PASSWORD\";"
  jaas_scram="org.apache.kafka.common.security.scram.ScramLoginModule required;"
  # Without a callback handler of its own, the broker validates OAUTHBEARER tokens with its
  # unsecured JWS validator: unsigned tokens, checked for expiry. For tests only.
  jaas_oauth="org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required"
  jaas_oauth+=" unsecuredLoginStringClaim_sub=\"admin\";"
  cat <<EOF

# --secure: TLS and SASL listeners
ssl.keystore.type=PKCS12
ssl.keystore.location=$tls/broker.p12
ssl.keystore.password=$KEYSTORE_PASSWORD
ssl.truststore.type=PEM
ssl.truststore.location=$tls/ca.pem
# The SSL listener wants a client certificate (mutual TLS); SASL_SSL does not.
listener.name.ssl.ssl.client.auth=required
listener.name.oauthbearer.sasl.enabled.mechanisms=OAUTHBEARER
listener.name.oauthbearer.oauthbearer.sasl.jaas.config=$jaas_oauth
EOF
  for name in sasl_plaintext sasl_ssl reauth; do
    mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512
    [[ $name == reauth ]] && mechanisms+=,OAUTHBEARER
    echo "listener.name.$name.sasl.enabled.mechanisms=$mechanisms"
    echo "listener.name.$name.plain.sasl.jaas.config=$jaas_plain"
    echo "listener.name.$name.scram-sha-256.sasl.jaas.config=$jaas_scram"
    echo "listener.name.$name.scram-sha-512.sasl.jaas.config=$jaas_scram"
  done
  echo "listener.name.reauth.oauthbearer.sasl.jaas.config=$jaas_oauth"
  for name in plain scram-sha-256 scram-sha-512 oauthbearer; do
    echo "listener.name.reauth.$name.connections.max.reauth.ms=$SECURE_REAUTH_MS"
  done
}

# DIR/secure.env: where the secure listeners are, for scripts/test.sh and tests/_lib/kafka.ts.
write_secure_env() {
  {
    echo "KAFKA_SSL_BOOTSTRAP=127.0.0.1:$(secure_port SSL)"
    echo "KAFKA_SASL_PLAINTEXT_BOOTSTRAP=127.0.0.1:$(secure_port SASL_PLAINTEXT)"
    echo "KAFKA_SASL_SSL_BOOTSTRAP=127.0.0.1:$(secure_port SASL_SSL)"
    echo "KAFKA_OAUTHBEARER_BOOTSTRAP=127.0.0.1:$(secure_port OAUTHBEARER)"
    echo "KAFKA_REAUTH_BOOTSTRAP=127.0.0.1:$(secure_port REAUTH)"
    echo "KAFKA_REAUTH_MS=$SECURE_REAUTH_MS"
    echo "KAFKA_SASL_USERNAME=$SASL_USER"
    echo "KAFKA_SASL_PASSWORD=$SASL_PASSWORD"
    echo "KAFKA_TLS_DIR=$DIR/tls"
  } >"$DIR/secure.env"
}

# Launch node N in the background (its own session, output to server.log).
launch_node() {
  local n=$1 nd java pidfile
  nd=$(node_dir "$n")
  java=$(java_bin)
  pidfile=$nd/pid
  local -a heap extra java_cmd
  # shellcheck disable=SC2206 # word splitting of the option strings is intended
  heap=($BROKER_HEAP)
  # shellcheck disable=SC2206
  extra=($BROKER_JAVA_OPTS)
  java_cmd=("$java" "${heap[@]}" -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true
    "$(log_option "$BROKER_LOG4J")" "-Dkafka.logs.dir=$nd"
    "${extra[@]}" -cp "$LIB_DIR/*${EXTRA_CLASSPATH:+:$EXTRA_CLASSPATH}"
    kafka.Kafka "$nd/server.properties")
  {
    printf '\n===== %s starting node %s\n' "$(date '+%F %T')" "$n"
  } >>"$nd/server.log"
  spawn "$pidfile" "$nd/server.log" "${java_cmd[@]}" || die "node $n did not start (no pid file); see $nd/server.log"
}

# Run a command in the background, in its own session, output appended to LOG; PIDFILE gets its
# pid. The inner shell writes its own pid, then becomes the command: the pid file holds the
# command's pid whether or not setsid had to fork. Fails if no pid file appeared.
spawn() {
  local pidfile=$1 logfile=$2 i
  shift 2
  rm -f "$pidfile"
  local launcher=()
  if command -v setsid >/dev/null 2>&1; then launcher=(setsid); else launcher=(nohup); fi
  # shellcheck disable=SC2016 # $$ and $@ are for the inner shell
  "${launcher[@]}" bash -c 'echo $$ >"$0"; exec "$@"' "$pidfile" "$@" \
    </dev/null >>"$logfile" 2>&1 &
  for ((i = 0; i < 100; i++)); do
    [[ -s $pidfile ]] && return 0
    sleep 0.05
  done
  return 1
}

# ---- ZooKeeper (Kafka before 3.3) ----------------------------------------------

zk_dir() { printf '%s/zookeeper\n' "$DIR"; }

# The pid of this cluster's ZooKeeper if it runs (checked as node_pid does); else nothing.
zk_pid() {
  local zd pid args
  zd=$(zk_dir)
  [[ -f $zd/pid ]] || return 1
  pid=$(<"$zd/pid")
  [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
  args=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || ps -p "$pid" -o args= 2>/dev/null) ||
    return 1
  [[ $args == *"ZooKeeperServerMain $zd/zoo.cfg"* ]] || return 1
  printf '%s\n' "$pid"
}

# Start the cluster's ZooKeeper (its version's own jars) and wait until it accepts connections.
start_zookeeper() {
  local zd java i
  zd=$(zk_dir)
  java=$(java_bin)
  mkdir -p "$zd/data"
  cat >"$zd/zoo.cfg" <<EOF
dataDir=$zd/data
clientPort=$ZK_PORT
clientPortAddress=127.0.0.1
tickTime=2000
maxClientCnxns=0
EOF
  # No AdminServer (it would take port 8080); no log4j MBeans (ZooKeeper 3.5 fails to register
  # them with reload4j).
  spawn "$zd/pid" "$zd/server.log" "$java" -Xmx128m -Djava.awt.headless=true \
    -Dzookeeper.admin.enableServer=false -Dzookeeper.jmx.log4j.disable=true \
    "-Dlog4j.configuration=file:$LOG4J1_CONFIG" -cp "$LIB_DIR/*" \
    org.apache.zookeeper.server.ZooKeeperServerMain "$zd/zoo.cfg" ||
    die "ZooKeeper did not start (no pid file); see $zd/server.log"
  for ((i = 0; i < 300; i++)); do
    port_in_use "$ZK_PORT" && return 0
    zk_pid >/dev/null || break
    sleep 0.1
  done
  tail -n 40 "$zd/server.log" >&2 2>/dev/null || true
  die "ZooKeeper did not come up on 127.0.0.1:$ZK_PORT; see $zd/server.log"
}

stop_zookeeper() {
  local pid i
  pid=$(zk_pid) || return 0
  log "stopping ZooKeeper (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 10 * STOP_TIMEOUT; i++)); do
    zk_pid >/dev/null || break
    sleep 0.1
  done
  if pid=$(zk_pid); then kill -KILL "$pid" 2>/dev/null || true; fi
  rm -f "$(zk_dir)/pid"
}

show_log_tail() {
  local n=$1 nd
  nd=$(node_dir "$n")
  log "---- last lines of $nd/server.log ----"
  tail -n 40 "$nd/server.log" >&2 2>/dev/null || true
  log "----"
}

# Wait until each node in "$@" answers Metadata listing the required brokers.
# mode=all: every node of the cluster must be listed; mode=self: the node itself.
wait_ready() {
  local mode=$1
  shift
  local -a pending=("$@")
  local deadline=$((SECONDS + START_TIMEOUT)) n md count still
  while ((${#pending[@]} > 0)); do
    still=()
    for n in "${pending[@]}"; do
      if ! node_pid "$n" >/dev/null; then
        log "node $n exited during start-up"
        show_log_tail "$n"
        return 1
      fi
      if port_in_use "${BROKER_PORTS[n]}" && md=$(kcat_metadata "$n"); then
        count=$(sed -n 's/^ *\([0-9][0-9]*\) brokers:.*/\1/p' <<<"$md" | head -n 1)
        if [[ $mode == all && ${count:-0} -ge $NODES ]] ||
          [[ $mode == self && $md == *"broker $n at 127.0.0.1:${BROKER_PORTS[n]}"* ]]; then
          continue
        fi
      fi
      still+=("$n")
    done
    pending=("${still[@]+"${still[@]}"}")
    ((${#pending[@]} == 0)) && break
    if ((SECONDS >= deadline)); then
      log "timed out after ${START_TIMEOUT}s waiting for node(s) ${pending[*]} to answer Metadata"
      for n in "${pending[@]}"; do show_log_tail "$n"; done
      return 1
    fi
    sleep 0.5
  done
}

# SIGTERM the given nodes together, SIGKILL stragglers after STOP_TIMEOUT.
stop_nodes() {
  local -a pids=() stopping=() left
  local n pid i
  for n in "$@"; do
    if pid=$(node_pid "$n"); then
      pids+=("$pid")
      stopping+=("$n")
    else
      rm -f "$(node_dir "$n")/pid"
    fi
  done
  ((${#pids[@]} == 0)) && return 0
  log "stopping node(s) ${stopping[*]} (pids ${pids[*]})"
  kill -TERM "${pids[@]}" 2>/dev/null || true
  local deadline=$((SECONDS + STOP_TIMEOUT))
  while :; do
    left=()
    for i in "${!stopping[@]}"; do
      node_pid "${stopping[i]}" >/dev/null && left+=("${stopping[i]}")
    done
    ((${#left[@]} == 0)) && break
    if ((SECONDS >= deadline)); then
      log "node(s) ${left[*]} still running after ${STOP_TIMEOUT}s: SIGKILL"
      for n in "${left[@]}"; do
        if pid=$(node_pid "$n"); then kill -KILL "$pid" 2>/dev/null || true; fi
      done
      for ((i = 0; i < 50; i++)); do
        left=()
        for n in "${stopping[@]}"; do node_pid "$n" >/dev/null && left+=("$n"); done
        ((${#left[@]} == 0)) && break
        sleep 0.1
      done
      ((${#left[@]} == 0)) || die "node(s) ${left[*]} survived SIGKILL"
      break
    fi
    sleep 0.2
  done
  for n in "${stopping[@]}"; do rm -f "$(node_dir "$n")/pid"; done
}

all_nodes() { seq 1 "$NODES"; }

# ---- commands ----------------------------------------------------------------

cmd_start() {
  local dir="" nodes=1 port="" arg secure=0 version="" classpath=""
  local -a sets=() features=()
  while (($# > 0)); do
    arg=$1
    case $arg in
      --dir) dir=${2:?--dir needs a value}; shift 2 ;;
      --nodes) nodes=${2:?--nodes needs a value}; shift 2 ;;
      --port) port=${2:?--port needs a value}; shift 2 ;;
      --set) sets+=("${2:?--set needs KEY=VALUE}"); shift 2 ;;
      --secure) secure=1; shift ;;
      --kafka) version=${2:?--kafka needs a version}; shift 2 ;;
      --feature) features+=(--feature "${2:?--feature needs NAME=LEVEL}"); shift 2 ;;
      --classpath) classpath+="${classpath:+:}$(realpath -m "${2:?--classpath needs a path}")"; shift 2 ;;
      *) die "start: unknown argument '$arg' (see: broker.sh help)" ;;
    esac
  done
  [[ -n $dir ]] || die "start: --dir DIR is required"
  [[ $nodes == 1 || $nodes == 3 ]] || die "start: --nodes must be 1 or 3"
  [[ $secure == 0 || $nodes == 1 ]] || die "start: --secure is for one node"
  select_kafka "$version"
  [[ $secure == 0 || -z $version ]] || die "start: --secure is for the current Kafka only"
  if uses_zookeeper && ((${#features[@]} > 0)); then
    die "start: --feature needs KRaft; Kafka $version runs on ZooKeeper"
  fi
  if [[ -z $port ]]; then
    if ((nodes == 1)); then port=9092; else port=19092; fi
  elif [[ $port == auto ]]; then
    port=$(free_port_base 13)
  fi
  if ! [[ $port =~ ^[0-9]+$ ]] || ((port < 1024 || port > 65000)); then
    die "start: bad --port '$port'"
  fi
  local s
  for s in "${sets[@]+"${sets[@]}"}"; do
    [[ $s == *=* ]] || die "start: --set expects KEY=VALUE, got '$s'"
  done
  for s in "${features[@]+"${features[@]}"}"; do
    [[ $s == --feature || $s == *=* ]] || die "start: --feature expects NAME=LEVEL, got '$s'"
  done
  require_lib
  require_kcat

  # Make DIR fresh, refusing to clobber a running cluster or a foreign directory.
  if [[ -e $dir ]]; then
    [[ -d $dir ]] || die "start: $dir exists and is not a directory"
    if load_cluster "$dir"; then
      local n
      for n in $(all_nodes); do
        if node_pid "$n" >/dev/null; then
          die "start: a broker started in $DIR is still running (node $n); run: broker.sh stop --dir $dir"
        fi
      done
      if zk_pid >/dev/null; then
        die "start: the ZooKeeper started in $DIR is still running; run: broker.sh stop --dir $dir"
      fi
    elif [[ -n $(ls -A "$dir") ]]; then
      die "start: $dir is not empty and holds no broker.sh cluster; refusing to wipe it"
    fi
    DIR=$(abs_dir "$dir")
    [[ $DIR != / && $DIR != "$HOME" ]] || die "start: refusing to use $DIR"
    find "$DIR" -mindepth 1 -maxdepth 1 -exec rm -rf {} +
  else
    mkdir -p "$dir"
    DIR=$(abs_dir "$dir")
  fi

  select_kafka "$version" # load_cluster read the version of what DIR held before
  NODES=$nodes
  SECURE=$secure
  EXTRA_CLASSPATH=$classpath
  ZK_PORT=""
  local i p
  BROKER_PORTS=() CONTROLLER_PORTS=()
  for ((i = 1; i <= NODES; i++)); do
    BROKER_PORTS[i]=$((port + i - 1))
    if ((NODES == 1)); then
      CONTROLLER_PORTS[i]=$((port + 1))
    else
      CONTROLLER_PORTS[i]=$((port + 10 + i - 1))
    fi
  done
  local -a extra_ports=()
  if ((SECURE)); then
    for p in "${SECURE_LISTENERS[@]}"; do extra_ports+=("$(secure_port "$p")"); done
  fi
  for ((i = 1; i <= NODES; i++)); do
    for p in "${BROKER_PORTS[i]}" "${CONTROLLER_PORTS[i]}" "${extra_ports[@]+"${extra_ports[@]}"}"; do
      if port_in_use "$p"; then
        die "start: port $p on 127.0.0.1 is already in use (another broker? try --port)"
      fi
    done
  done

  if uses_zookeeper; then
    ZK_PORT=${CONTROLLER_PORTS[1]}
    CLUSTER_ID=zookeeper
  else
    CLUSTER_ID=$(run_java kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n 1)
    [[ $CLUSTER_ID =~ ^[A-Za-z0-9_-]{22}$ ]] || die "start: StorageTool random-uuid failed ('$CLUSTER_ID')"
  fi

  {
    echo "# Written by scripts/kafka/broker.sh start"
    echo "KAFKA_VERSION=$KAFKA_VERSION"
    echo "NODES=$NODES"
    echo "CLUSTER_ID=$CLUSTER_ID"
    echo "SECURE=$SECURE"
    echo "ZK_PORT=$ZK_PORT"
    echo "EXTRA_CLASSPATH=$EXTRA_CLASSPATH"
    for ((i = 1; i <= NODES; i++)); do
      echo "BROKER_PORT_$i=${BROKER_PORTS[i]}"
      echo "CONTROLLER_PORT_$i=${CONTROLLER_PORTS[i]}"
    done
  } >"$DIR/cluster.env"

  log "cluster $CLUSTER_ID: Kafka ${KAFKA_VERSION:-4.x}, $NODES node(s) in $DIR"
  local -a scram_users=()
  if ((SECURE)); then
    make_tls_material
    local mechanism
    for mechanism in SCRAM-SHA-256 SCRAM-SHA-512; do
      scram_users+=(--add-scram "$mechanism=[name=$SASL_USER,password=$SASL_PASSWORD]")
    done
  fi
  # Format every node's storage (static voters: no --standalone/--initial-controllers).
  local -a fmt_pids=()
  for ((i = 1; i <= NODES; i++)); do
    mkdir -p "$(node_dir "$i")/data"
    write_properties "$i" "${sets[@]+"${sets[@]}"}"
    uses_zookeeper && continue
    run_java kafka.tools.StorageTool format -t "$CLUSTER_ID" \
      -c "$(node_dir "$i")/server.properties" "${scram_users[@]+"${scram_users[@]}"}" \
      "${features[@]+"${features[@]}"}" >"$(node_dir "$i")/format.log" 2>&1 &
    fmt_pids[i]=$!
  done
  for ((i = 1; i <= NODES; i++)); do
    [[ -n ${fmt_pids[i]:-} ]] || continue
    if ! wait "${fmt_pids[i]}"; then
      cat "$(node_dir "$i")/format.log" >&2
      die "start: formatting node $i failed"
    fi
  done
  if [[ -n $ZK_PORT ]]; then start_zookeeper; fi

  for ((i = 1; i <= NODES; i++)); do launch_node "$i"; done
  log "waiting for node(s) to answer Metadata (up to ${START_TIMEOUT}s)"
  local t0=$SECONDS
  # shellcheck disable=SC2046 # all_nodes prints plain numbers
  if ! wait_ready all $(all_nodes); then
    log "start failed; stopping what was started"
    # shellcheck disable=SC2046
    STOP_TIMEOUT=5 stop_nodes $(all_nodes) || true
    STOP_TIMEOUT=5 stop_zookeeper || true
    exit 1
  fi
  log "ready after $((SECONDS - t0))s: $(bootstrap_list)"
  if ((SECURE)); then write_secure_env; fi
  bootstrap_list
}

parse_dir_node() {
  # Sets _dir and _node from --dir DIR [--node N].
  _dir="" _node=""
  while (($# > 0)); do
    case $1 in
      --dir) _dir=${2:?--dir needs a value}; shift 2 ;;
      --node) _node=${2:?--node needs a value}; shift 2 ;;
      *) die "unknown argument '$1' (see: broker.sh help)" ;;
    esac
  done
  [[ -n $_dir ]] || die "--dir DIR is required"
}

require_node_arg() {
  if ! [[ $_node =~ ^[0-9]+$ ]] || ((_node < 1 || _node > NODES)); then
    die "--node must be between 1 and $NODES"
  fi
}

cmd_stop() {
  local _dir _node
  parse_dir_node "$@"
  if ! load_cluster "$_dir"; then
    log "no cluster in $_dir: nothing to stop"
    return 0
  fi
  # shellcheck disable=SC2046
  stop_nodes $(all_nodes)
  stop_zookeeper # after the brokers, which deregister from it
}

cmd_kill_node() {
  local _dir _node pid
  parse_dir_node "$@"
  load_cluster "$_dir" || die "no cluster in $_dir"
  require_node_arg
  if pid=$(node_pid "$_node"); then
    log "SIGKILL node $_node (pid $pid)"
    kill -KILL "$pid"
    local i
    for ((i = 0; i < 100; i++)); do
      node_pid "$_node" >/dev/null || break
      sleep 0.1
    done
    node_pid "$_node" >/dev/null && die "node $_node survived SIGKILL"
  else
    log "node $_node is not running"
  fi
  rm -f "$(node_dir "$_node")/pid"
}

cmd_start_node() {
  local _dir _node
  parse_dir_node "$@"
  load_cluster "$_dir" || die "no cluster in $_dir"
  require_node_arg
  require_lib
  require_kcat
  node_pid "$_node" >/dev/null && die "node $_node is already running"
  local p
  for p in "${BROKER_PORTS[_node]}" "${CONTROLLER_PORTS[_node]}"; do
    [[ $p == "$ZK_PORT" ]] && continue
    port_in_use "$p" && die "port $p on 127.0.0.1 is already in use"
  done
  if [[ -n $ZK_PORT ]] && ! zk_pid >/dev/null; then start_zookeeper; fi
  local t0=$SECONDS logfile lines
  logfile=$(node_dir "$_node")/server.log
  while :; do
    lines=$(wc -l <"$logfile")
    launch_node "$_node"
    wait_ready self "$_node" && break
    STOP_TIMEOUT=5 stop_nodes "$_node" || true
    # On ZooKeeper, a killed broker's registration lives until its session expires (6 s by
    # default); a broker started before then finds its id taken and exits. Try again.
    if [[ -n $ZK_PORT ]] && ((SECONDS - t0 < 30)) &&
      tail -n "+$((lines + 1))" "$logfile" | grep -q 'NodeExistsException'; then
      log "node $_node: ZooKeeper still holds its old registration; starting it again in 2 s"
      sleep 2
      continue
    fi
    exit 1
  done
  log "node $_node ready after $((SECONDS - t0))s"
}

cmd_status() {
  local _dir _node n pid rc=0
  parse_dir_node "$@"
  if ! load_cluster "$_dir"; then
    echo "no cluster in $_dir"
    return 1
  fi
  echo "cluster $CLUSTER_ID in $DIR, Kafka ${KAFKA_VERSION:-4.x}, $NODES node(s), bootstrap $(bootstrap_list)"
  if [[ -n $ZK_PORT ]]; then
    if pid=$(zk_pid); then
      echo "zookeeper: running pid $pid 127.0.0.1:$ZK_PORT"
    else
      echo "zookeeper: stopped 127.0.0.1:$ZK_PORT"
      rc=1
    fi
  fi
  local controller
  for n in $(all_nodes); do
    controller=" controller 127.0.0.1:${CONTROLLER_PORTS[n]}"
    [[ -n $ZK_PORT ]] && controller=""
    if pid=$(node_pid "$n"); then
      echo "node $n: running pid $pid broker 127.0.0.1:${BROKER_PORTS[n]}$controller"
    else
      echo "node $n: stopped broker 127.0.0.1:${BROKER_PORTS[n]}$controller"
      rc=1
    fi
  done
  return "$rc"
}

cmd_bootstrap() {
  local _dir _node
  parse_dir_node "$@"
  load_cluster "$_dir" || die "no cluster in $_dir"
  bootstrap_list
}

cmd_tool() {
  if [[ ${1:-} == --kafka ]]; then
    select_kafka "${2:?--kafka needs a version}"
    shift 2
  fi
  (($# >= 1)) || die "tool: CLASS is required, e.g. org.apache.kafka.tools.TopicCommand"
  require_lib
  local java opts
  java=$(java_bin)
  # shellcheck disable=SC2206 # word splitting of the option strings is intended
  opts=($TOOL_JAVA_OPTS)
  exec "$java" "${opts[@]}" -Djava.awt.headless=true "$(log_option "$LOG4J_CONFIG")" \
    -cp "$LIB_DIR/*" "$@"
}

main() {
  local cmd=${1:-help}
  (($# > 0)) && shift
  case $cmd in
    start) cmd_start "$@" ;;
    stop) cmd_stop "$@" ;;
    kill-node) cmd_kill_node "$@" ;;
    start-node) cmd_start_node "$@" ;;
    status) cmd_status "$@" ;;
    bootstrap) cmd_bootstrap "$@" ;;
    tool) cmd_tool "$@" ;;
    help | -h | --help) usage ;;
    *)
      usage >&2
      die "unknown command '$cmd'"
      ;;
  esac
}

main "$@"
