package io.meshmq.cluster;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import io.meshmq.it.SteadyPublisher;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.remote.RARP;
import org.apache.pekko.remote.transport.ThrottlerTransportAdapter;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.StreamSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A network partition: node C's Artery traffic to and from A and B is dropped (Artery's test mode blackholes the
 * associations both ways), while all three keep their journal. The Split Brain Resolver (keep-majority, stable-after
 * shortened to 5 s) must down C on its own side and C on the majority side, and a session that lived on C must move
 * to the majority without ever being active on both sides at once.
 */
class NetworkPartitionTest {
    private static final int A = 0;
    private static final int C = 2;

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    @DisplayName("a node cut off from the other two is downed by the Split Brain Resolver on both sides; its persistent session resumes on the majority side, never active on both sides, and no acknowledged QoS 1 message is lost")
    void isolatedNodeIsDownedAndItsSessionMovesWithoutOverlap() throws Exception {
        try (ThreeNodeCluster cluster = ThreeNodeCluster.start(Map.of(
                "pekko.remote.artery.advanced.test-mode", "on",
                "pekko.cluster.split-brain-resolver.stable-after", "5s"))) {
            String topic = ThreeNodeCluster.unique("partition");
            Set<String> received = ConcurrentHashMap.newKeySet();
            // a persistent QoS 1 subscriber connected to C whose session lives on C
            Mqtt5AsyncClient sub = null;
            String id = null;
            for (int attempt = 0; attempt < 30 && sub == null; attempt++) {
                String candidateId = ThreeNodeCluster.unique("isolated");
                Mqtt5AsyncClient candidate = MqttClient.builder().useMqttVersion5().identifier(candidateId)
                        .serverHost("127.0.0.1").serverPort(cluster.port(C)).buildAsync();
                candidate.publishes(MqttGlobalPublishFilter.ALL, p -> received.add(ThreeNodeCluster.text(p)));
                candidate.connectWith().cleanStart(true).sessionExpiryInterval(600).send().get(20, TimeUnit.SECONDS);
                if (cluster.hostOfSession(candidateId) == C) { sub = candidate; id = candidateId; }
                else candidate.disconnect().get(10, TimeUnit.SECONDS);
            }
            assertThat(sub).as("a client id whose session lives on C").isNotNull();
            sub.subscribeWith().topicFilter(topic).qos(MqttQos.AT_LEAST_ONCE).send().get(20, TimeUnit.SECONDS);

            SteadyPublisher pub = new SteadyPublisher(cluster.port(A), topic, x -> true);
            List<String> overlaps = new ArrayList<>();
            int atReconnect;
            try {
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (received.size() < 50 && System.nanoTime() < until) Thread.sleep(50);
                assertThat(received).as("messages before the partition").hasSizeGreaterThanOrEqualTo(50);

                isolate(cluster, C);

                // watch where the session lives until the majority side has it and C does not
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
                boolean onMajority = false;
                boolean onC = true;
                while (System.nanoTime() < deadline && (!onMajority || onC)) {
                    onMajority = holds(cluster, 0, id) || holds(cluster, 1, id);
                    onC = holds(cluster, C, id);
                    if (onMajority && onC) overlaps.add("session " + id + " active on C and on the majority side");
                    Thread.sleep(100);
                }
                assertThat(onMajority && !onC).as("the session moved to the majority side").isTrue();
                assertThat(Cluster.get(cluster.node(C).system()).selfMember().status())
                        .as("C's own view of itself").isIn(MemberStatus.down(), MemberStatus.exiting(), MemberStatus.removed());
                assertThat(upMembers(cluster.node(A).system())).as("members Up on the majority side").isEqualTo(2);

                // the subscriber lost C; it resumes its session through A
                try { sub.disconnect().get(5, TimeUnit.SECONDS); } catch (Exception alreadyGone) { /* C closed it */ }
                Mqtt5AsyncClient again = MqttClient.builder().useMqttVersion5().identifier(id)
                        .serverHost("127.0.0.1").serverPort(cluster.port(A)).buildAsync();
                again.publishes(MqttGlobalPublishFilter.ALL, p -> received.add(ThreeNodeCluster.text(p)));
                assertThat(again.connectWith().cleanStart(false).sessionExpiryInterval(600).send().get(60, TimeUnit.SECONDS)
                        .isSessionPresent()).as("session present on the majority side").isTrue();
                sub = again;
                atReconnect = pub.acked.get();
                long more = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (pub.acked.get() < atReconnect + 50 && System.nanoTime() < more) Thread.sleep(50);
            } finally {
                pub.stop();
            }
            int acked = pub.acked.get();
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!receivedAll(received, acked) && System.nanoTime() < until) Thread.sleep(100);
            sub.disconnect();

            assertThat(overlaps).as("moments the session was active on both sides").isEmpty();
            assertThat(pub.failures).as("publisher failures").isEmpty();
            assertThat(acked).as("acknowledged after the subscriber resumed").isGreaterThanOrEqualTo(atReconnect + 50);
            List<Integer> missing = new ArrayList<>();
            for (int i = 0; i < acked; i++) if (!received.contains(String.valueOf(i))) missing.add(i);
            assertThat(missing).as("acknowledged messages never delivered (of %d)", acked).isEmpty();
        }
    }

    /** Drops all Artery traffic between node {@code i} and the two others, both ways, on both ends. */
    private static void isolate(ThreeNodeCluster cluster, int i) throws Exception {
        Address isolated = Cluster.get(cluster.node(i).system()).selfMember().address();
        for (int j = 0; j < 3; j++) {
            if (j == i) continue;
            Address other = Cluster.get(cluster.node(j).system()).selfMember().address();
            blackhole(cluster.node(j).system(), isolated);
            blackhole(cluster.node(i).system(), other);
        }
    }

    static void blackhole(ActorSystem<?> on, Address peer) throws Exception {
        RARP remote = (RARP) RARP.apply(Adapter.toClassic(on));
        var done = remote.provider().transport().managementCommand(new ThrottlerTransportAdapter.SetThrottle(peer,
                (ThrottlerTransportAdapter.Direction) scalaObject("org.apache.pekko.remote.transport.ThrottlerTransportAdapter$Direction$Both$"),
                (ThrottlerTransportAdapter.ThrottleMode) scalaObject("org.apache.pekko.remote.transport.ThrottlerTransportAdapter$Blackhole$")));
        scala.concurrent.Await.result(done, scala.concurrent.duration.Duration.create(5, TimeUnit.SECONDS));
    }

    /** A Scala {@code object} nested in another, which Java source cannot name. */
    private static Object scalaObject(String binaryName) throws ReflectiveOperationException {
        return Class.forName(binaryName).getField("MODULE$").get(null);
    }

    /** Whether node {@code i}'s shard region holds the session; a node whose sharding has stopped holds nothing. */
    private static boolean holds(ThreeNodeCluster cluster, int i, String clientId) {
        try {
            return ThreeNodeCluster.holdsSession(cluster.node(i), clientId);
        } catch (Exception stoppedOrUnanswered) {
            return false;
        }
    }

    private static long upMembers(ActorSystem<?> system) {
        return StreamSupport.stream(Cluster.get(system).state().getMembers().spliterator(), false)
                .filter(m -> m.status() == MemberStatus.up()).count();
    }

    private static boolean receivedAll(Set<String> received, int count) {
        for (int i = 0; i < count; i++) if (!received.contains(String.valueOf(i))) return false;
        return true;
    }
}
