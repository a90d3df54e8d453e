package io.meshmq.k8s;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.meshmq.it.BrokerFixture;
import io.meshmq.ops.Operations;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The management endpoints the StatefulSet's probes and Prometheus use, and the $SYS topics, on a broker in this JVM. */
class OpsEndpointsTest {
    static BrokerFixture broker;
    static int management;
    static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws Exception {
        broker = BrokerFixture.start(Map.of("broker.sys.interval", "200ms"));
        management = Operations.get(org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(broker.broker.system())).managementPort();
    }

    @AfterAll
    static void stop() { if (broker != null) broker.close(); }

    static HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + management + path))
                .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Polls until the path answers 200 (readiness turns true once the listener is bound and the journal answers). */
    static HttpResponse<String> await200(String path) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        HttpResponse<String> r = get(path);
        while (r.statusCode() != 200 && System.nanoTime() < deadline) {
            Thread.sleep(100);
            r = get(path);
        }
        return r;
    }

    @Test
    @DisplayName("the probe paths (/ready, /alive, /health/ready, /health/alive) answer 200 on a started broker")
    void probes() throws Exception {
        assertThat(management).isPositive();
        for (String path : ProbePaths.SERVED) {
            HttpResponse<String> r = await200(path);
            assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
        }
        assertThat(get("/no-such-path").statusCode()).isEqualTo(404);
        assertThat(get("/cluster/members").body()).as("Pekko Management's read-only cluster routes").contains("\"members\"");
    }

    @Test
    @DisplayName("/metrics: Prometheus text whose connection, message and byte counters move when a client publishes")
    void metricsMove() throws Exception {
        Map<String, Double> before = scrape();
        Mqtt5BlockingClient client = MqttClient.builder().useMqttVersion5().identifier("metrics-test")
                .serverHost("127.0.0.1").serverPort(broker.port()).buildBlocking();
        client.connect();
        client.subscribeWith().topicFilter("metrics/#").qos(MqttQos.AT_LEAST_ONCE).send();
        try (Mqtt5BlockingClient.Mqtt5Publishes publishes = client.publishes(com.hivemq.client.mqtt.MqttGlobalPublishFilter.SUBSCRIBED)) {
            client.publishWith().topic("metrics/a").payload("hello".getBytes(StandardCharsets.UTF_8)).qos(MqttQos.AT_LEAST_ONCE).send();
            assertThat(publishes.receive(10, TimeUnit.SECONDS)).isPresent();
            Map<String, Double> after = scrape();
            assertThat(after.get("meshmq_connections_current")).isGreaterThanOrEqualTo(1.0);
            assertThat(after.get("meshmq_connections_opened_total")).isGreaterThan(before.getOrDefault("meshmq_connections_opened_total", 0.0));
            assertThat(after.get("meshmq_messages_received_total")).isGreaterThanOrEqualTo(before.get("meshmq_messages_received_total") + 1);
            assertThat(after.get("meshmq_messages_sent_total")).isGreaterThanOrEqualTo(before.get("meshmq_messages_sent_total") + 1);
            assertThat(after.get("meshmq_payload_bytes_received_total")).isGreaterThanOrEqualTo(before.get("meshmq_payload_bytes_received_total") + 5);
            assertThat(after.get("meshmq_subscriptions")).isGreaterThanOrEqualTo(1.0);
            assertThat(after).containsKeys("jvm_memory_used_bytes", "meshmq_sessions_recovered_total",
                    "meshmq_sessions_expired_total", "meshmq_retained_messages", "meshmq_cluster_members", "meshmq_ready");
        } finally {
            client.disconnect();
        }
        HttpResponse<String> r = get("/metrics");
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/plain"));
    }

    @Test
    @DisplayName("$SYS: a subscriber of $SYS/broker/# receives clients/connected, version and uptime as retained messages")
    void sysTopics() throws Exception {
        Mqtt5BlockingClient client = MqttClient.builder().useMqttVersion5().identifier("sys-test")
                .serverHost("127.0.0.1").serverPort(broker.port()).buildBlocking();
        client.connect();
        Map<String, String> seen = new HashMap<>();
        try (Mqtt5BlockingClient.Mqtt5Publishes publishes = client.publishes(com.hivemq.client.mqtt.MqttGlobalPublishFilter.SUBSCRIBED)) {
            client.subscribeWith().topicFilter("$SYS/broker/#").qos(MqttQos.AT_MOST_ONCE).send();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            java.util.List<String> wanted = java.util.List.of("$SYS/broker/clients/connected", "$SYS/broker/version",
                    "$SYS/broker/uptime", "$SYS/broker/messages/received", "$SYS/broker/subscriptions/count",
                    "$SYS/broker/retained messages/count");
            while (System.nanoTime() < deadline && !seen.keySet().containsAll(wanted)) {
                Optional<Mqtt5Publish> p = publishes.receive(1, TimeUnit.SECONDS);
                p.ifPresent(m -> seen.put(m.getTopic().toString(), new String(m.getPayloadAsBytes(), StandardCharsets.UTF_8)));
            }
        } finally {
            client.disconnect();
        }
        assertThat(seen).containsKeys("$SYS/broker/clients/connected", "$SYS/broker/version", "$SYS/broker/uptime",
                "$SYS/broker/messages/received", "$SYS/broker/subscriptions/count", "$SYS/broker/retained messages/count");
        assertThat(Long.parseLong(seen.get("$SYS/broker/clients/connected"))).isGreaterThanOrEqualTo(0);
        assertThat(seen.get("$SYS/broker/uptime")).matches("\\d+ seconds");
        assertThat(seen.get("$SYS/broker/version")).startsWith("MeshMQ version ");
    }

    @Test
    @DisplayName("$SYS/cluster/... on a single node: one node, and totals equal to the node's own $SYS/broker/... figures")
    void singleNodeClusterTotals() throws Exception {
        Mqtt5BlockingClient client = MqttClient.builder().useMqttVersion5().identifier("sys-cluster-test")
                .serverHost("127.0.0.1").serverPort(broker.port()).buildBlocking();
        client.connect();
        Map<String, String> seen = new java.util.concurrent.ConcurrentHashMap<>();
        java.util.List<String> pairs = java.util.List.of("clients/connected", "messages/received", "bytes/received",
                "subscriptions/count");
        try (Mqtt5BlockingClient.Mqtt5Publishes publishes = client.publishes(com.hivemq.client.mqtt.MqttGlobalPublishFilter.SUBSCRIBED)) {
            client.subscribeWith().topicFilter("$SYS/cluster/#").qos(MqttQos.AT_MOST_ONCE).send();
            client.subscribeWith().topicFilter("$SYS/broker/#").qos(MqttQos.AT_MOST_ONCE).send();
            client.publishWith().topic("sys/cluster/single").payload("x".getBytes(StandardCharsets.UTF_8)).send();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            // both are computed in the same round: once this client's PUBLISH is counted, they agree
            // nodes is published once (it does not change) and comes as a retained message, which may arrive after
            // the rounds that make the others agree
            while (System.nanoTime() < deadline && !(agree(seen, pairs) && !"0".equals(seen.get("$SYS/cluster/messages/received"))
                    && seen.containsKey("$SYS/cluster/nodes"))) {
                Optional<Mqtt5Publish> p = publishes.receive(1, TimeUnit.SECONDS);
                p.ifPresent(m -> seen.put(m.getTopic().toString(), new String(m.getPayloadAsBytes(), StandardCharsets.UTF_8)));
            }
        } finally {
            client.disconnect();
        }
        assertThat(seen).containsEntry("$SYS/cluster/nodes", "1");
        for (String t : pairs) {
            assertThat(seen.get("$SYS/cluster/" + t)).as(t).isNotNull().isEqualTo(seen.get("$SYS/broker/" + t));
        }
    }

    private static boolean agree(Map<String, String> seen, java.util.List<String> pairs) {
        for (String t : pairs) {
            String c = seen.get("$SYS/cluster/" + t);
            if (c == null || !c.equals(seen.get("$SYS/broker/" + t))) return false;
        }
        return true;
    }

    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*\\})? (\\S+)");

    /** Metric name → sum of its samples (over all label sets). */
    static Map<String, Double> scrape() throws Exception {
        HttpResponse<String> r = get("/metrics");
        assertThat(r.statusCode()).isEqualTo(200);
        return parse(r.body());
    }

    static Map<String, Double> parse(String text) {
        Map<String, Double> m = new HashMap<>();
        for (String line : text.split("\n")) {
            if (line.startsWith("#") || line.isBlank()) continue;
            Matcher x = SAMPLE.matcher(line);
            if (x.find()) m.merge(x.group(1), Double.parseDouble(x.group(3)), Double::sum);
        }
        return m;
    }
}
