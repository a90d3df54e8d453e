package io.meshmq.cluster;

import io.meshmq.retain.RetainedMessageStore;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.ClusterSingleton;
import org.apache.pekko.cluster.typed.SingletonActor;

import java.time.Duration;

/**
 * The retained store of a cluster: the same event-sourced {@link RetainedMessageStore} (same persistence id as a
 * single node, so a node's retained messages carry over when it becomes a cluster), run as a Cluster Singleton.
 * Every node reaches it through a singleton proxy, so a SUBSCRIBE on any node sees every retained message; when its
 * node is lost, the singleton starts on the oldest remaining node and recovers from the shared journal.
 *
 * <p>Why a singleton and not K sharded entities by topic hash: a subscription with wildcards matches topics of every
 * hash, so a sharded store would scatter every retained lookup to all K entities and merge the answers. The
 * singleton keeps one index and one journal stream; its cost is that all retained writes and lookups go through one
 * actor (an actor handles tens of thousands of them a second; retained traffic is a small part of all traffic).
 */
public final class ClusterRetainedStore {
    public static final String NAME = "retained-messages";

    private ClusterRetainedStore() {}

    public static ActorRef<RetainedMessageStore.Command> init(ActorSystem<?> system, String journalPluginId,
                                                              String snapshotPluginId, RetainedMessageStore.Quota quota) {
        return ClusterSingleton.get(system).init(SingletonActor.of(
                Behaviors.supervise(RetainedMessageStore.create(NAME, journalPluginId, snapshotPluginId, quota))
                        .onFailure(SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(5), 0.2)),
                NAME));
    }
}
