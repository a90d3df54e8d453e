package io.meshmq.cluster;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.meshmq.ops.Broker;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.StreamSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Three nodes on 127.0.0.1 that know each other only by their management endpoints ({@code broker.management.contact-points},
 * Pekko Discovery's config method): Pekko Management Cluster Bootstrap, not seed nodes, forms the cluster, as it does
 * on Kubernetes with the Kubernetes API as discovery.
 */
class ClusterBootstrapTest {
    static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    @DisplayName("bootstrap with config discovery forms one cluster of three; /ready answers 503 until the third node lets it form, then 200 on every node")
    void bootstrapFormsTheClusterAndReadinessWaitsForIt() throws Exception {
        try (EmbeddedPostgres postgres = EmbeddedPostgres.builder().start()) {
            bootstrapThreeNodes(postgres); // the nodes stop before the database
        }
    }

    private void bootstrapThreeNodes(EmbeddedPostgres postgres) throws Exception {
        ExecutorService starter = Executors.newFixedThreadPool(3);
        List<Future<Broker>> starting = new ArrayList<>();
        try {
            int[] management = {ThreeNodeCluster.freePort(), ThreeNodeCluster.freePort(), ThreeNodeCluster.freePort()};
            String contactPoints = "127.0.0.1:" + management[0] + ",127.0.0.1:" + management[1] + ",127.0.0.1:" + management[2];
            List<Map<String, Object>> settings = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                Map<String, Object> m = ThreeNodeCluster.nodeSettings(postgres, ThreeNodeCluster.freePort());
                m.put("broker.management.port", management[i]);
                m.put("broker.management.cluster-bootstrap", "on");
                m.put("broker.management.contact-points", contactPoints);
                // all three must answer: the first two alone cannot form a cluster, whatever the timing
                m.put("broker.management.required-contact-points", 3);
                m.put("broker.cluster.join-timeout", "180s");
                settings.add(m);
            }
            for (Map<String, Object> m : settings) {
                assertThat(ThreeNodeCluster.nodeConfig(m).getStringList("pekko.cluster.seed-nodes")).as("no seed nodes").isEmpty();
            }

            starting.add(starter.submit(() -> Broker.start(ThreeNodeCluster.nodeConfig(settings.get(0)))));
            HttpResponse<String> first = awaitAnswer(management[0], "/ready");
            assertThat(first.statusCode()).as("/ready of the only node: " + first.body()).isEqualTo(503);

            starting.add(starter.submit(() -> Broker.start(ThreeNodeCluster.nodeConfig(settings.get(1)))));
            HttpResponse<String> second = awaitAnswer(management[1], "/ready");
            assertThat(second.statusCode()).as("/ready of the second node: " + second.body()).isEqualTo(503);
            HttpResponse<String> firstAgain = get(management[0], "/ready");
            assertThat(firstAgain.statusCode()).as("two of three contact points: still no cluster, " + firstAgain.body()).isEqualTo(503);
            assertThat(starting.get(0).isDone()).as("the first node's start-up waits for the cluster").isFalse();

            starting.add(starter.submit(() -> Broker.start(ThreeNodeCluster.nodeConfig(settings.get(2)))));
            List<Broker> nodes = new ArrayList<>();
            for (Future<Broker> f : starting) nodes.add(f.get(200, TimeUnit.SECONDS));

            for (int i = 0; i < 3; i++) {
                HttpResponse<String> ready = await200(management[i], "/ready");
                assertThat(ready.statusCode()).as("/ready of node " + i + ": " + ready.body()).isEqualTo(200);
                // each node learns the others' Up status by gossip, a moment after its own readiness
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (upMembers(nodes.get(i)) < 3 && System.nanoTime() < deadline) Thread.sleep(50);
                assertThat(upMembers(nodes.get(i))).as("Up members seen by node " + i).isEqualTo(3);
            }
            assertThat(StreamSupport.stream(Cluster.get(nodes.get(0).system()).state().getMembers().spliterator(), false)
                    .map(mb -> mb.address()).distinct().count()).isEqualTo(3);

            // one broker: a message published on the third node reaches a subscriber of the first
            Mqtt5BlockingClient sub = client(nodes.get(0).mqttPort(), ThreeNodeCluster.unique("boot-sub"));
            Mqtt5BlockingClient pub = client(nodes.get(2).mqttPort(), ThreeNodeCluster.unique("boot-pub"));
            String topic = ThreeNodeCluster.unique("boot");
            try (Mqtt5BlockingClient.Mqtt5Publishes in = sub.publishes(MqttGlobalPublishFilter.ALL)) {
                sub.subscribeWith().topicFilter(topic).qos(MqttQos.AT_LEAST_ONCE).send();
                pub.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(ThreeNodeCluster.bytes("formed")).send();
                Optional<Mqtt5Publish> m = in.receive(20, TimeUnit.SECONDS);
                assertThat(m).isPresent();
                assertThat(ThreeNodeCluster.text(m.get())).isEqualTo("formed");
            } finally {
                sub.disconnect();
                pub.disconnect();
            }
        } finally {
            starter.shutdownNow(); // a start-up still waiting for the cluster is interrupted and stops its node
            for (Future<Broker> f : starting) {
                try {
                    f.get(60, TimeUnit.SECONDS).close();
                } catch (Exception notStarted) {
                    // its start-up failed or was interrupted: Broker.start stopped the node
                }
            }
        }
    }

    static Mqtt5BlockingClient client(int port, String id) {
        Mqtt5BlockingClient c = com.hivemq.client.mqtt.MqttClient.builder().useMqttVersion5().identifier(id)
                .serverHost("127.0.0.1").serverPort(port).buildBlocking();
        c.connect();
        return c;
    }

    static long upMembers(Broker node) {
        return StreamSupport.stream(Cluster.get(node.system()).state().getMembers().spliterator(), false)
                .filter(mb -> mb.status() == MemberStatus.up()).count();
    }

    static HttpResponse<String> get(int port, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The first answer of {@code path}, once the node's management server is up (it starts before the node joins). */
    static HttpResponse<String> awaitAnswer(int port, String path) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try {
                return get(port, path);
            } catch (ConnectException notYet) {
                if (System.nanoTime() > deadline) throw notYet;
                Thread.sleep(100);
            }
        }
    }

    static HttpResponse<String> await200(int port, String path) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        HttpResponse<String> r = awaitAnswer(port, path);
        while (r.statusCode() != 200 && System.nanoTime() < deadline) {
            Thread.sleep(100);
            r = get(port, path);
        }
        return r;
    }
}
