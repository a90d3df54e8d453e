package io.meshmq.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import io.meshmq.routing.ReplicatedSubscriptionRegistry;
import io.meshmq.routing.SubscriptionRegistry;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The registry's {@code majority} write: sent to all nodes while all are reachable (so every index has the change
 * when the SUBACK goes out), and still confirmed by a majority when one node stops answering, both before the
 * failure detector has marked it unreachable (the write to all times out and is retried to a majority) and after.
 * And {@code ensure}, what waking persistent sessions use: no write for a subscription the node already holds.
 */
class ReplicatedRegistryConsistencyTest {

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    @DisplayName("majority subscription writes succeed with one of three nodes cut off, before and after it is marked unreachable")
    void majorityWriteSurvivesASilentNode() throws Exception {
        List<ActorSystem<Void>> systems = new ArrayList<>();
        List<ReplicatedSubscriptionRegistry> registries = new ArrayList<>();
        try {
            startThree(systems, registries);
            ReplicatedSubscriptionRegistry a = registries.get(0), b = registries.get(1), c = registries.get(2);

            // all reachable: the change is in every node's index when the write completes
            a.add("all-up", "t/all").toCompletableFuture().get(10, TimeUnit.SECONDS);
            for (ReplicatedSubscriptionRegistry r : registries) assertThat(routes(r, "t/all", "all-up")).isTrue();

            // cut C off; nobody has noticed yet
            Address addressC = Cluster.get(systems.get(2)).selfMember().address();
            for (int i = 0; i < 2; i++) {
                NetworkPartitionTest.blackhole(systems.get(i), addressC);
                NetworkPartitionTest.blackhole(systems.get(2), Cluster.get(systems.get(i)).selfMember().address());
            }
            a.add("c-silent", "t/silent").toCompletableFuture().get(15, TimeUnit.SECONDS);
            assertThat(routes(a, "t/silent", "c-silent")).isTrue();
            assertThat(routes(b, "t/silent", "c-silent")).as("on B, the other node of the majority").isTrue();

            // once C is unreachable for A, the write goes to a majority at once
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (Cluster.get(systems.get(0)).state().getUnreachable().isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertThat(Cluster.get(systems.get(0)).state().getUnreachable()).as("C unreachable for A").isNotEmpty();
            b.add("c-unreachable", "t/unreachable").toCompletableFuture().get(15, TimeUnit.SECONDS);
            assertThat(routes(a, "t/unreachable", "c-unreachable")).isTrue();
            assertThat(routes(b, "t/unreachable", "c-unreachable")).isTrue();
            assertThat(routes(c, "t/unreachable", "c-unreachable")).as("C, cut off, cannot have it").isFalse();
        } finally {
            for (ActorSystem<Void> s : systems) s.terminate();
            for (ActorSystem<Void> s : systems) s.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    @DisplayName("ensure() of a subscription the node already holds writes nothing: it succeeds on a node cut off from the majority, where a write fails")
    void ensureOfAHeldSubscriptionDoesNotWrite() throws Exception {
        List<ActorSystem<Void>> systems = new ArrayList<>();
        List<ReplicatedSubscriptionRegistry> registries = new ArrayList<>();
        try {
            startThree(systems, registries);
            ReplicatedSubscriptionRegistry c = registries.get(2);
            registries.get(0).add("held", "t/held").toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertThat(routes(c, "t/held", "held")).isTrue();

            // C alone: no majority for it any more
            for (int i = 0; i < 2; i++) {
                NetworkPartitionTest.blackhole(systems.get(i), Cluster.get(systems.get(2)).selfMember().address());
                NetworkPartitionTest.blackhole(systems.get(2), Cluster.get(systems.get(i)).selfMember().address());
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (Cluster.get(systems.get(2)).state().getUnreachable().size() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertThat(Cluster.get(systems.get(2)).state().getUnreachable()).as("A and B unreachable for C").hasSize(2);

            c.ensure("held", "t/held").toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertThatThrownBy(() -> c.add("new", "t/new").toCompletableFuture().get(20, TimeUnit.SECONDS))
                    .as("a real write from C cannot reach a majority").hasRootCauseInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> c.ensure("new2", "t/new2").toCompletableFuture().get(20, TimeUnit.SECONDS))
                    .as("ensure() of a subscription C does not hold writes it, and fails the same way")
                    .hasRootCauseInstanceOf(IllegalStateException.class);
        } finally {
            for (ActorSystem<Void> s : systems) s.terminate();
            for (ActorSystem<Void> s : systems) s.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }

    /** Three in-JVM nodes with Artery's test mode (for blackholes) and a Split Brain Resolver that waits 10 minutes. */
    private static void startThree(List<ActorSystem<Void>> systems, List<ReplicatedSubscriptionRegistry> registries)
            throws Exception {
        int[] ports = {SubscriptionDataSize.freePort(), SubscriptionDataSize.freePort(), SubscriptionDataSize.freePort()};
        for (int port : ports) {
            Config c = SubscriptionDataSize.config(port, ports[0], 16)
                    .withValue("pekko.remote.artery.advanced.test-mode", ConfigValueFactory.fromAnyRef("on"))
                    // a cut-off node must stay a member (unreachable, not downed) for the whole test
                    .withValue("pekko.cluster.split-brain-resolver.stable-after", ConfigValueFactory.fromAnyRef("600s"))
                    .withValue("broker.cluster.subscription-write-timeout", ConfigValueFactory.fromAnyRef("6s"));
            systems.add(ActorSystem.create(Behaviors.empty(), ClusterMode.SYSTEM_NAME, c));
            SubscriptionDataSize.awaitUp(systems, systems.size());
            registries.add(ReplicatedSubscriptionRegistry.start(systems.get(systems.size() - 1),
                    ReplicatedSubscriptionRegistry.Settings.from(c.getConfig("broker.cluster"))));
        }
    }

    private static boolean routes(SubscriptionRegistry registry, String topic, String clientId) {
        return SubscriptionDataSize.routes(registry, topic, clientId);
    }
}
