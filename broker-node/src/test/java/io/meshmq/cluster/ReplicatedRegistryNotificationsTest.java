package io.meshmq.cluster;

import com.typesafe.config.Config;
import io.meshmq.routing.ReplicatedSubscriptionRegistry;
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
 * Subscriptions written and removed on one node reach the routing index of another without any peer sync (write
 * consistency {@code local}), by gossip and the registry's periodic scan of its replica, each in its own partition.
 * Regression: the registry once subscribed every key with its own message adapter, but an actor has one adapter per
 * message class, so every key's change was applied as the last key's and subscriptions went missing from the index.
 */
class ReplicatedRegistryNotificationsTest {

    @Test
    @DisplayName("a node's index follows every subscription added and removed on another node without syncs (all partitions)")
    void changesOfEveryPartitionReachTheOtherNodesIndex() throws Exception {
        int a = SubscriptionDataSize.freePort(), b = SubscriptionDataSize.freePort();
        List<ActorSystem<Void>> systems = new ArrayList<>();
        try {
            // at most 4 writes handed to Distributed Data at once: the other 396 wait their turn in the registry
            Config ca = SubscriptionDataSize.config(a, a, 16).withValue("broker.cluster.subscription-write-consistency",
                    com.typesafe.config.ConfigValueFactory.fromAnyRef("local"))
                    .withValue("broker.cluster.subscription-writes-in-flight", com.typesafe.config.ConfigValueFactory.fromAnyRef(4));
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
                assertThat(SubscriptionDataSize.routes(reader, "t/" + i + "/x", "c" + i)).as("t/%d/# of c%d routed on the other node", i, i).isTrue();
            }

            List<CompletableFuture<?>> removals = new ArrayList<>();
            for (int i = 0; i < n; i += 2) removals.add(writer.remove("c" + i, "t/" + i + "/#").toCompletableFuture());
            CompletableFuture.allOf(removals.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (reader.size() > n / 2 && System.nanoTime() < deadline) Thread.sleep(50);
            assertThat(writer.size()).isEqualTo(n / 2);
            assertThat(reader.size()).isEqualTo(n / 2);
            for (int i = 0; i < n; i++) {
                assertThat(SubscriptionDataSize.routes(reader, "t/" + i + "/x", "c" + i)).as("t/%d/# of c%d routed on the other node after removing every second", i, i)
                        .isEqualTo(i % 2 == 1);
            }
        } finally {
            for (ActorSystem<Void> s : systems) s.terminate();
            for (ActorSystem<Void> s : systems) s.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }
}
