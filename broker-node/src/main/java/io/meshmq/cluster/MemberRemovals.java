package io.meshmq.cluster;

import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts the members this node has seen removed from the cluster after being downed (crashed or cut off; a graceful
 * leave is not counted). A delivery sent to a session on a node that dies
 * is lost with it; a connection waiting for its acknowledgement sends it again once a removal happened after it was
 * sent (and sharding has had a moment to learn the shard's next home), instead of waiting for the delivery timeout.
 */
public final class MemberRemovals implements Extension {
    public static final class Id extends ExtensionId<MemberRemovals> {
        @Override public MemberRemovals createExtension(ActorSystem<?> system) { return new MemberRemovals(system); }
    }

    public static final Id ID = new Id();

    /** Started by cluster start-up on every node; a single node loses no member. */
    public static MemberRemovals get(ActorSystem<?> system) { return ID.apply(system); }

    public static boolean enabled(ActorSystem<?> system) { return system.hasExtension(ID); }

    private final AtomicLong removals = new AtomicLong();
    private volatile long lastRemovalNanos;

    private MemberRemovals(ActorSystem<?> system) {
        var watcher = system.systemActorOf(Behaviors.receive(ClusterEvent.MemberRemoved.class)
                .onAnyMessage(removed -> {
                    // a node that left gracefully handed its shards over first: what was sent there is not lost
                    if (removed.previousStatus() == MemberStatus.down()) {
                        lastRemovalNanos = System.nanoTime();
                        removals.incrementAndGet();
                    }
                    return Behaviors.same();
                }).build(), "member-removals", Props.empty());
        Cluster.get(system).subscriptions().tell(Subscribe.create(watcher, ClusterEvent.MemberRemoved.class));
    }

    /** How many downed members were removed so far. */
    public long count() { return removals.get(); }

    /** When the last removal was seen ({@link System#nanoTime()}); meaningless while {@link #count()} is 0. */
    public long lastRemovalNanos() { return lastRemovalNanos; }
}
