#!/usr/bin/env bash
# JMH benchmarks of hot code (broker-node/src/test/java/io/meshmq/jmh), on broker-node's test classpath.
#   load-tests/jmh.sh                    # all of them
#   load-tests/jmh.sh RouterBenchmark    # a JMH include pattern; further arguments go to JMH (e.g. -f 2 -wi 5)
# Local use only: nothing is opened to the network; each benchmark runs a fixed number of timed iterations.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -o -pl broker-node test-compile dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile=target/jmh.classpath >/dev/null 2>&1 || \
mvn -q -pl broker-node test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/jmh.classpath
CP="broker-node/target/test-classes:broker-node/target/classes:$(cat broker-node/target/jmh.classpath)"
exec java -cp "$CP" org.openjdk.jmh.Main "${@:-io.meshmq.jmh}"
