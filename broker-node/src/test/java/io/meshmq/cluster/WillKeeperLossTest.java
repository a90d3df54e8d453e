package io.meshmq.cluster;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import org.apache.pekko.actor.Address;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Down;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.StreamSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A client whose connection and session live on one node has its will kept by another node's WillWatch (a session
 * that dies with its connection cannot publish it). Here that other node dies first, then the client's own node:
 * the will must still be published, once, by the last node.
 */
class WillKeeperLossTest {
    private static final int SURVIVOR = 0, CLIENTS_NODE = 1, KEEPER = 2;

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    @DisplayName("MQTT-3.1.2-8 across nodes: the will is published once even when the node keeping it for the client's node is lost before the client's node")
    void willSurvivesTheLossOfItsKeeper() throws Exception {
        try (ThreeNodeCluster c = ThreeNodeCluster.start()) {
            Address keeper = Cluster.get(c.node(KEEPER).system()).selfMember().address();
            String run = ThreeNodeCluster.unique("keeper");
            String willTopic = "wills/" + run;

            // a device on node 1 whose session is on node 1 too, with its will kept by node 2
            Mqtt5BlockingClient device = null;
            String deviceId = null;
            List<Mqtt5BlockingClient> tried = new ArrayList<>();
            for (int i = 0; i < 60 && device == null; i++) {
                String id = run + "-d" + i;
                Mqtt5BlockingClient d = c.unconnected(CLIENTS_NODE, id);
                d.connectWith().cleanStart(true).keepAlive(60).willPublish().topic(willTopic).payload(ThreeNodeCluster.bytes(id))
                        .qos(MqttQos.AT_LEAST_ONCE).applyWillPublish().send();
                Optional<org.apache.pekko.actor.typed.ActorRef<WillWatch.Command>> watch =
                        WillWatch.get(c.node(CLIENTS_NODE).system()).elsewhere(id);
                if (c.hostOfSession(id) == CLIENTS_NODE && watch.isPresent() && watch.get().path().address().equals(keeper)) {
                    device = d;
                    deviceId = id;
                } else {
                    tried.add(d);
                }
            }
            for (Mqtt5BlockingClient d : tried) d.disconnect();   // normal DISCONNECT: no will
            assertThat(device).as("a client id with its session on node 1 and its will kept on node 2, in 60 tries").isNotNull();

            // the watcher's session must outlive both kills: one that lives on the last node
            Mqtt5BlockingClient watcher = null;
            for (int i = 0; i < 60 && watcher == null; i++) {
                String id = ThreeNodeCluster.unique("watcher");
                Mqtt5BlockingClient w = c.client(SURVIVOR, id);
                if (c.hostOfSession(id) == SURVIVOR) watcher = w;
                else w.disconnect();
            }
            assertThat(watcher).as("a watcher with its session on node 0, in 60 tries").isNotNull();
            watcher.subscribeWith().topicFilter(willTopic).qos(MqttQos.AT_LEAST_ONCE).send();
            List<String> wills = new ArrayList<>();
            try (Mqtt5BlockingClient.Mqtt5Publishes in = watcher.publishes(MqttGlobalPublishFilter.ALL)) {
                c.kill(KEEPER);
                // the device is still connected: no will yet (its connection hands the will to node 0 meanwhile)
                collect(in, wills, Duration.ofSeconds(3));
                assertThat(wills).as("wills while the device is connected").isEmpty();

                killSecond(c, CLIENTS_NODE);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
                while (wills.isEmpty() && System.nanoTime() < deadline) collect(in, wills, Duration.ofMillis(500));
                collect(in, wills, Duration.ofSeconds(4));   // then look for repeats
            } finally {
                if (watcher.getState().isConnected()) watcher.disconnect();
            }
            assertThat(wills).as("wills published after the keeper's node and then the device's node died").containsExactly(deviceId);
        }
    }

    private static void collect(Mqtt5BlockingClient.Mqtt5Publishes in, List<String> into, Duration during) throws InterruptedException {
        long until = System.nanoTime() + during.toNanos();
        while (System.nanoTime() < until) {
            Optional<Mqtt5Publish> m = in.receive(100, TimeUnit.MILLISECONDS);
            m.ifPresent(p -> into.add(ThreeNodeCluster.text(p)));
        }
    }

    /** Kills node {@code i} of the two left and downs it from the last one (ThreeNodeCluster.kill waits for two). */
    private static void killSecond(ThreeNodeCluster c, int i) throws Exception {
        Address address = Cluster.get(c.node(i).system()).selfMember().address();
        c.node(i).system().terminate();
        c.node(i).system().getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
        c.alive[i] = false;
        Cluster.get(c.node(SURVIVOR).system()).manager().tell(new Down(address));
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline && StreamSupport.stream(
                Cluster.get(c.node(SURVIVOR).system()).state().getMembers().spliterator(), false).count() > 1) {
            Thread.sleep(100);
        }
    }
}
