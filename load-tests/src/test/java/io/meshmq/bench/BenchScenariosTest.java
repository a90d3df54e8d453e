package io.meshmq.bench;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.meshmq.ops.Broker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keeps the bench tool from rotting: each scenario runs about a second against a broker in this JVM and must
 * move messages. No timing thresholds: the figures belong in docs/benchmarks.md, not in CI.
 */
class BenchScenariosTest {
    static Broker broker;

    @BeforeAll
    static void start() throws Exception {
        Path dir = Files.createTempDirectory("meshmq-bench-test");
        // Broker.loadConfig layers the broker's own defaults (meshmq-defaults.conf) over the reference.conf that
        // the shaded broker-node jar (what this module's test classpath gets from the reactor) merges.
        Config config = Broker.loadConfig(ConfigFactory.parseMap(Map.of(
                "broker.data-dir", dir.toString(),
                "broker.mqtt.host", "127.0.0.1",
                "broker.mqtt.port", 0)));
        broker = Broker.start(config);
    }

    @AfterAll
    static void stop() {
        if (broker != null) broker.close();
    }

    static Bench.Options options(String... args) {
        String[] all = new String[args.length + 6];
        all[0] = "--port"; all[1] = String.valueOf(broker.mqttPort());
        all[2] = "--warmup"; all[3] = "300ms";
        all[4] = "--duration"; all[5] = "1s";
        System.arraycopy(args, 0, all, 6, args.length);
        return Bench.parse(all);
    }

    static long num(Map<String, Object> r, String key) {
        assertThat(r).containsKey(key);
        return Long.parseLong(String.valueOf(r.get(key)));
    }

    @ParameterizedTest(name = "{0} QoS {1} MQTT {2}")
    @CsvSource({
            "fan-in, 0, 4", "fan-in, 1, 5",
            "fan-out, 0, 4", "fan-out, 1, 5",
    })
    void flowScenariosMoveMessages(String scenario, int qos, int version) throws Exception {
        Map<String, Object> r = Bench.run(options("--scenario", scenario, "--qos", String.valueOf(qos),
                "--version", String.valueOf(version), "--publishers", "2", "--subscribers", "2", "--rate", "2000"));
        assertThat(r).doesNotContainKey("error");
        assertThat(num(r, "received_total")).isPositive();
        assertThat(num(r, "published_per_s")).isPositive();
    }

    @Test
    void latencyReportsPercentiles() throws Exception {
        Map<String, Object> r = Bench.run(options("--scenario", "latency", "--rate", "500"));
        assertThat(num(r, "latency_samples")).isPositive();
        assertThat(r).containsKeys("p50_ms", "p99_ms", "p99_9_ms", "max_ms");
    }

    @Test
    void persistentSessionsReceive() throws Exception {
        Map<String, Object> r = Bench.run(options("--scenario", "persistent", "--publishers", "2", "--rate", "1000"));
        assertThat(r).doesNotContainKey("error");
        assertThat(num(r, "received_total")).isPositive();
        assertThat(num(r, "acked_per_s")).isPositive();
    }

    @Test
    void queuedDrainDeliversEverything() throws Exception {
        Map<String, Object> r = Bench.run(options("--scenario", "queued-drain", "--messages", "500"));
        assertThat(num(r, "acked")).isEqualTo(500);
        assertThat(num(r, "received_unique")).isEqualTo(500);
        assertThat(num(r, "drain_ms")).isNotNegative();
    }

    @Test
    void hostileStepsReportTheFigure() throws Exception {
        Map<String, Object> r = Bench.run(options("--scenario", "hostile", "--rate", "500", "--publishers", "2",
                "--bad-rates", "20,40", "--bad-kind", "mixed"));
        assertThat(r).doesNotContainKey("error");
        assertThat(num(r, "baseline_per_s")).isPositive();
        assertThat(r).containsKeys("step_20_ratio", "step_20_bad_per_s", "absorbed_bad_per_s");
    }

    @Test
    void idleConnectionsOpen() throws Exception {
        Map<String, Object> r = Bench.run(options("--scenario", "idle-connections", "--connections", "50",
                "--broker-pid", String.valueOf(ProcessHandle.current().pid())));
        assertThat(num(r, "open")).isEqualTo(50);
        assertThat(r).containsKeys("heap_per_conn_kib", "rss_per_conn_kib");
    }
}
