package io.meshmq.cluster;

import com.typesafe.config.Config;
import io.meshmq.routing.ReplicatedSubscriptionRegistry;
import io.meshmq.routing.SubscriptionRegistry;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Subscriptions written on one node reach the routing index of another through Distributed Data's change
 * notifications alone (write consistency {@code local}: no peer sync), each in its own partition. Regression: the
 * registry subscribed every key with its own message adapter, but an actor has one adapter per message class, so
 * every key's change was applied as the last key's and subscriptions went missing from the index.
 */
class ReplicatedRegistryNotificationsTest {

    @Test
    @DisplayName("a node's index holds every subscription written on another node, from change notifications (all partitions)")
    void changesOfEveryPartitionReachTheOtherNodesIndex() throws Exception {
        int a = SubscriptionDataSize.freePort(), b = SubscriptionDataSize.freePort();
        List<ActorSystem<Void>> systems = new ArrayList<>();
        try {
            Config ca = SubscriptionDataSize.config(a, a, 16).withValue("broker.cluster.subscription-write-consistency",
                    com.typesafe.config.ConfigValueFactory.fromAnyRef("local"));
            Config cb = SubscriptionDataSize.config(b, a, 16).withValue("broker.cluster.subscription-write-consistency",
                    com.typesafe.config.ConfigValueFactory.fromAnyRef("local"));
            systems.add(ActorSystem.create(Behaviors.empty(), ClusterMode.SYSTEM_NAME, ca));
            systems.add(ActorSystem.create(Behaviors.empty(), ClusterMode.SYSTEM_NAME, cb));
            SubscriptionDataSize.awaitUp(systems, 2);
            var writer = ReplicatedSubscriptionRegistry.start(systems.get(0), ReplicatedSubscriptionRegistry.Settings.from(ca.getConfig("broker.cluster")));
            var reader = ReplicatedSubscriptionRegistry.start(systems.get(1), ReplicatedSubscriptionRegistry.Settings.from(cb.getConfig("broker.cluster")));
            int n = 400;
            List<CompletableFuture<?>> writes = new ArrayList<>();
            for (int i = 0; i < n; i++) writes.add(writer.add("c" + i, "t/" + i + "/#").toCompletableFuture());
            CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (reader.size() < n && System.nanoTime() < deadline) Thread.sleep(50);
            Thread.sleep(1_000); // and nothing is taken away again by a later notification
            assertThat(writer.size()).isEqualTo(n);
            assertThat(reader.size()).isEqualTo(n);
            for (int i = 0; i < n; i++) {
                String expected = "c" + i;
                boolean[] found = {false};
                reader.match("t/" + i + "/x", new SubscriptionRegistry.MatchSink() {
                    @Override public void subscriber(String clientId) { if (clientId.equals(expected)) found[0] = true; }
                    @Override public void sharedSubscriber(String clientId, String filter) { }
                });
                assertThat(found[0]).as("t/%d/# of c%d routed on the other node", i, i).isTrue();
            }
        } finally {
            for (ActorSystem<Void> s : systems) s.terminate();
            for (ActorSystem<Void> s : systems) s.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }
}
