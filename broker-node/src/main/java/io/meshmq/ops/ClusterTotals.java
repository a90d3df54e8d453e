package io.meshmq.ops;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.LWWMapKey;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;
import org.apache.pekko.cluster.ddata.typed.javadsl.ReplicatorMessageAdapter;
import org.apache.pekko.cluster.typed.Cluster;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The cluster's totals for {@code $SYS/cluster/...}: every node writes its own {@link NodeStats} into one Distributed
 * Data {@code LWWMap} (node address → figures; local write, spread by gossip) and sums the entries of the Up members.
 * One entry per node, so the data stays small; entries of nodes that left are removed by whoever writes next.
 * Totals lag the nodes' figures by about one {@code broker.sys.interval} plus gossip.
 *
 * <p>On a single node there is no replication: the totals are the node's own figures.
 */
public abstract class ClusterTotals {
    /** The totals and the number of nodes they are over. */
    public record Totals(int nodes, NodeStats sum) {}

    /** Hands this node's current figures over (once per $SYS round). */
    abstract void report(NodeStats own);

    /** The cluster's totals, with {@code own} (fresher than the replica) for this node. */
    abstract Totals current(NodeStats own);

    /**
     * Whether this node publishes the cluster's topics: one node (the cluster leader) does, so subscribers get each
     * change once, not once per node.
     */
    abstract boolean publishesHere();

    static ClusterTotals single() {
        return new ClusterTotals() {
            @Override void report(NodeStats own) {}

            @Override Totals current(NodeStats own) { return new Totals(1, own); }

            @Override boolean publishesHere() { return true; }
        };
    }

    static ClusterTotals replicated(ActorSystem<?> system) {
        return new Replicated(system);
    }

    /**
     * The totals over the Up members {@code up}: their entries in {@code replica}, with {@code own} instead of the
     * replica's (older) entry for this node {@code self}. A member without an entry yet counts as a node, with nothing.
     */
    static Totals sum(Map<String, NodeStats> replica, Set<String> up, String self, NodeStats own) {
        NodeStats sum = up.contains(self) ? own : NodeStats.ZERO;
        for (Map.Entry<String, NodeStats> e : replica.entrySet()) {
            if (!e.getKey().equals(self) && up.contains(e.getKey())) sum = sum.plus(e.getValue());
        }
        return new Totals(up.size(), sum);
    }

    private static final org.apache.pekko.cluster.ddata.Key<LWWMap<String, NodeStats>> KEY = LWWMapKey.create("meshmq-sys-node-stats");

    private static final class Replicated extends ClusterTotals {
        private final Cluster cluster;
        private final ActorRef<Command> actor;
        private volatile Map<String, NodeStats> replica = Map.of();

        Replicated(ActorSystem<?> system) {
            this.cluster = Cluster.get(system);
            this.actor = system.systemActorOf(behavior(), "sys-cluster-totals", Props.empty());
        }

        private sealed interface Command {}

        private record Report(NodeStats own, Set<String> members) implements Command {}

        private record Seen(Map<String, NodeStats> entries) implements Command {}

        private record Ignored() implements Command {}

        private Behavior<Command> behavior() {
            return Behaviors.setup(ctx -> DistributedData.<Command, LWWMap<String, NodeStats>>withReplicatorMessageAdapter(replicator -> {
                SelfUniqueAddress self = DistributedData.get(ctx.getSystem()).selfUniqueAddress();
                String selfKey = self.uniqueAddress().address().toString();
                replicator.subscribe(KEY, rsp -> rsp instanceof Replicator.Changed<LWWMap<String, NodeStats>> c
                        ? new Seen(c.dataValue().getEntries()) : new Ignored());
                return Behaviors.receive(Command.class)
                        .onMessage(Report.class, r -> {
                            replicator.askUpdate(replyTo -> new Replicator.Update<>(KEY, LWWMap.create(), Replicator.writeLocal(),
                                    replyTo, map -> withoutLeft(map.put(self, selfKey, r.own()), self, r.members())),
                                    rsp -> new Ignored());
                            return Behaviors.same();
                        })
                        .onMessage(Seen.class, s -> { replica = Map.copyOf(s.entries()); return Behaviors.same(); })
                        .onMessage(Ignored.class, i -> Behaviors.same())
                        .build();
            }));
        }

        /** Drops the entries of nodes that are no longer members (a node that just joined writes again next round). */
        private static LWWMap<String, NodeStats> withoutLeft(LWWMap<String, NodeStats> map, SelfUniqueAddress self,
                                                             Set<String> members) {
            LWWMap<String, NodeStats> out = map;
            for (String node : map.getEntries().keySet()) if (!members.contains(node)) out = out.remove(self, node);
            return out;
        }

        private Set<String> members(boolean upOnly) {
            Set<String> out = new HashSet<>();
            for (Member m : cluster.state().getMembers()) {
                if (!upOnly || m.status() == MemberStatus.up()) out.add(m.address().toString());
            }
            return out;
        }

        @Override void report(NodeStats own) { actor.tell(new Report(own, members(false))); }

        @Override Totals current(NodeStats own) {
            return sum(replica, members(true), cluster.selfMember().address().toString(), own);
        }

        @Override boolean publishesHere() {
            var leader = cluster.state().getLeader();
            return leader != null && leader.equals(cluster.selfMember().address());
        }
    }
}
