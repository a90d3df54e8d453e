#!/usr/bin/env bash
# Runs one Gatling MQTT simulation (load-tests/src/test/java/io/meshmq/gatling/simulations) and leaves its HTML report
# under load-tests/target/gatling/. Without -Dhosts it starts a broker (broker-node/target/broker-node.jar, port
# picked by the broker, data in a temporary directory) on 127.0.0.1 and stops it afterwards.
#
#   load-tests/gatling.sh DeviceFleet -Dusers=200 -Dduration=30
#   load-tests/gatling.sh TelemetryFanIn -Dusers=100 -Drate=10 -Dhosts=10.0.0.1:1883,10.0.0.2:1883
#   load-tests/gatling.sh DeviceFleet -Dtransport=wss     # tcp (default), tls, ws or wss; without -Dhosts the
#                                                         # broker gets that listener (a self-signed certificate
#                                                         # for tls/wss, which the clients then trust: -DtrustAll)
#   CPUS="broker=0 gatling=1" load-tests/gatling.sh DeviceFleet -Dusers=1000   # pin each to a core (taskset)
#   load-tests/gatling.sh --list
#
# Simulations: DeviceFleet, TelemetryFanIn, CommandFanOut, PersistentSessions, ConnectStorm; their -D parameters
# are in each class's comment and load-tests/README.md. Exit status: 0 when the simulation's assertions hold,
# 2 when they do not, other values on errors.
# Environment: GATLING_JAVA_OPTS ("-Xmx1g"), BROKER_JAVA_OPTS ("-Xmx1g"), CPUS (""), TIMEOUT (900 s, the whole
# run's bound on top of each simulation's maxDuration), BUILD=1 to rebuild first.
set -euo pipefail
SELF="$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"
cd "$(dirname "$0")/.."
ROOT=$PWD
SIMS="DeviceFleet TelemetryFanIn CommandFanOut PersistentSessions ConnectStorm"

if [[ $# -lt 1 || "$1" == -h || "$1" == --help ]]; then sed -n '2,18p' "$SELF" | sed 's/^# \{0,1\}//'; exit 1; fi
if [[ "$1" == --list ]]; then tr ' ' '\n' <<<"$SIMS"; exit 0; fi
SIM=$1; shift
[[ "$SIM" == *.* ]] || SIM=io.meshmq.gatling.simulations.$SIM
PROPS=("$@")
for p in "${PROPS[@]}"; do [[ "$p" == -D* ]] || { echo "not a -Dname=value parameter: $p" >&2; exit 1; }; done

GATLING_JAVA_OPTS=${GATLING_JAVA_OPTS:--Xmx1g}
BROKER_JAVA_OPTS=${BROKER_JAVA_OPTS:--Xmx1g}
CPUS=${CPUS:-}
TIMEOUT=${TIMEOUT:-900}
BROKER_JAR=$ROOT/broker-node/target/broker-node.jar
CLASSPATH_FILE=$ROOT/load-tests/target/gatling.classpath
RESULTS=$ROOT/load-tests/target/gatling

if [[ -n "${BUILD:-}" || ! -f $BROKER_JAR || ! -f $CLASSPATH_FILE || ! -d $ROOT/load-tests/target/test-classes/io/meshmq/gatling ]]; then
  echo "building (mvn -q -DskipTests package)..."; mvn -q -B -ntp -DskipTests package
fi

ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
pin() { # pin ROLE: the taskset prefix for broker|gatling
  local cpu; cpu=$(tr ' ' '\n' <<<"$CPUS" | sed -n "s/^$1=//p")
  [[ -n "$cpu" ]] && echo "taskset -c $cpu" || true
}

WORK=$(mktemp -d /tmp/meshmq-gatling.XXXXXX)
BROKER_PID=""
cleanup() {
  if [[ -n "$BROKER_PID" ]]; then kill "$BROKER_PID" 2>/dev/null || true; wait "$BROKER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK/data"
}
trap cleanup EXIT

HOSTS=""
TRANSPORT=tcp
TRUST_ALL=""
for p in "${PROPS[@]}"; do
  [[ "$p" == -Dhosts=* ]] && HOSTS=${p#-Dhosts=}
  [[ "$p" == -Dtransport=* ]] && TRANSPORT=${p#-Dtransport=}
  [[ "$p" == -DtrustAll=* ]] && TRUST_ALL=${p#-DtrustAll=}
done
case "$TRANSPORT" in tcp|tls|ws|wss) ;; *) echo "-Dtransport: tcp, tls, ws or wss, not $TRANSPORT" >&2; exit 1;; esac
if [[ -z "$HOSTS" ]]; then
  LISTENER=()
  if [[ "$TRANSPORT" == tls || "$TRANSPORT" == wss ]]; then
    # a throw-away self-signed certificate for 127.0.0.1; the clients trust any certificate (-DtrustAll=true)
    keytool -genkeypair -alias server -keyalg EC -groupname secp256r1 -dname CN=127.0.0.1 \
      -ext SAN=ip:127.0.0.1,dns:localhost -validity 2 -storetype PKCS12 -keystore "$WORK/server.p12" \
      -storepass changeit -keypass changeit >/dev/null 2>&1 || { echo "keytool failed" >&2; exit 1; }
    LISTENER+=(-Dbroker.tls.key-store="$WORK/server.p12" -Dbroker.tls.key-store-password=changeit)
    [[ -n "$TRUST_ALL" ]] || PROPS+=("-DtrustAll=true")
  fi
  case "$TRANSPORT" in
    tls) LISTENER+=(-Dbroker.tls.enabled=on -Dbroker.tls.host=127.0.0.1 -Dbroker.tls.port=0) ;;
    ws)  LISTENER+=(-Dbroker.websocket.enabled=on -Dbroker.websocket.host=127.0.0.1 -Dbroker.websocket.port=0) ;;
    wss) LISTENER+=(-Dbroker.websocket.host=127.0.0.1 -Dbroker.websocket.tls.enabled=on -Dbroker.websocket.tls.port=0) ;;
  esac
  $(pin broker) java $BROKER_JAVA_OPTS -Dbroker.mqtt.host=127.0.0.1 -Dbroker.mqtt.port=0 -Dbroker.data-dir="$WORK/data" \
    "${LISTENER[@]}" -jar "$BROKER_JAR" > "$WORK/broker.log" 2>&1 &
  BROKER_PID=$!
  for _ in $(seq 120); do
    grep -q "MeshMQ broker ready" "$WORK/broker.log" 2>/dev/null && break
    kill -0 "$BROKER_PID" 2>/dev/null || break
    sleep 0.5
  done
  case "$TRANSPORT" in
    tcp) HOSTS=$(grep -o 'MeshMQ broker ready: MQTT on [0-9.]*:[0-9]*' "$WORK/broker.log" | sed 's/.* on //' || true) ;;
    tls) HOSTS=$(grep -o 'MQTT over TLS on [0-9.]*:[0-9]*' "$WORK/broker.log" | sed 's/.* on //' || true) ;;
    ws)  HOSTS=$(grep -o 'on ws://[0-9.]*:[0-9]*' "$WORK/broker.log" | sed 's|.*ws://||' || true) ;;
    wss) HOSTS=$(grep -o 'on wss://[0-9.]*:[0-9]*' "$WORK/broker.log" | sed 's|.*wss://||' || true) ;;
  esac
  [[ -n "$HOSTS" ]] || { echo "the broker did not start:"; tail -20 "$WORK/broker.log"; exit 1; }
  echo "broker (pid $BROKER_PID) on $HOSTS, log $WORK/broker.log"
  PROPS+=("-Dhosts=$HOSTS")
fi

echo "$(date -u +%FT%TZ) $SIM ${PROPS[*]}; $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); cores: ${CPUS:-shared}"
set +e
timeout --kill-after=10 "$TIMEOUT" $(pin gatling) java $GATLING_JAVA_OPTS --add-opens=java.base/java.lang=ALL-UNNAMED \
  "${PROPS[@]}" -cp "$ROOT/load-tests/target/test-classes:$ROOT/load-tests/target/classes:$(cat "$CLASSPATH_FILE")" \
  io.gatling.app.Gatling -s "$SIM" -rf "$RESULTS" -rd "hosts $HOSTS; load average $(cut -d' ' -f1-3 /proc/loadavg)"
STATUS=$?
set -e
echo "$(date -u +%FT%TZ) exit status $STATUS (0: assertions hold); load average $(cut -d' ' -f1-3 /proc/loadavg)"
REPORT=$(ls -td "$RESULTS"/*/ 2>/dev/null | head -1)
if [[ -n "$REPORT" && -f "$REPORT/index.html" ]]; then
  # One line per request from the report's pages (times in ms): what docs/benchmarks.md quotes.
  printf '%-26s %9s %7s %9s %6s %6s %6s %6s\n' request count KO "count/s" p50 p95 p99 max
  for f in "$REPORT"/req_*.html; do
    [[ -f "$f" ]] || continue
    name=$(grep -o '<title>[^<]*' "$f" | sed 's/<title>Gatling Stats - //')
    sed 's/<[^>]*>/ /g' "$f" | tr -s ' ' | grep -v '^ *$' | awk -v n="$name" '
      { l[NR] = $0; gsub(/^ +| +$/, "", l[NR]) }
      END {
        for (i = 1; i <= NR; i++) {
          if (l[i] == "Total count") { c = l[i+1]; ko = l[i+3] }
          if (l[i] == "Mean count/s") r = l[i+1]
          if (l[i] == "50th percentile") p50 = l[i+1]
          if (l[i] == "95th percentile") p95 = l[i+1]
          if (l[i] == "99th percentile") p99 = l[i+1]
          if (l[i] == "Max") mx = l[i+1]
        }
        printf "%-26s %9s %7s %9s %6s %6s %6s %6s\n", substr(n, 1, 26), c, ko, r, p50, p95, p99, mx
      }'
  done
  echo "report: ${REPORT}index.html"
fi
exit $STATUS
