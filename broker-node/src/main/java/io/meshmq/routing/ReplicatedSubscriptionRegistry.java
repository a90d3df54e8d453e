package io.meshmq.routing;

import io.meshmq.ops.CborSerializable;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import org.apache.pekko.cluster.ddata.Key;
import org.apache.pekko.cluster.ddata.ORSet;
import org.apache.pekko.cluster.ddata.ORSetKey;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;
import org.apache.pekko.cluster.ddata.typed.javadsl.ReplicatorMessageAdapter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The subscription registry of a cluster. The subscriptions of all nodes are replicated with Pekko Distributed Data
 * as {@code partitions} ORSet keys of {@code clientId NUL filter} entries (partitioned by hash of the filter, so a
 * change gossips a small delta); every node keeps a {@link LocalSubscriptionRegistry} built from them, and a PUBLISH
 * is matched on the node that received it against that index, with no network lookup.
 *
 * <p>{@link #add}/{@link #remove} complete when the replicator has the change at the configured write consistency
 * ({@code majority} by default, {@code local} or {@code all}) and the change is in the index of this node and of every
 * other node that answered within the write timeout: the writing node asks each peer's registry to apply the key's
 * local replica to its index ({@link Sync}), so a PUBLISH on another node right after the SUBACK sees the
 * subscription. Changes made elsewhere reach the index through the replicator's change notifications (old and new
 * set of a key are diffed). Shared subscriptions: the index keeps the replicated members of each group, and the node
 * that receives a PUBLISH picks one member, so each message goes to exactly one member cluster-wide.
 *
 * <p>An update that misses its consistency in time fails the returned stage (the SUBACK then carries 0x80) but stays
 * in the local replica and spreads by gossip.
 */
public final class ReplicatedSubscriptionRegistry implements SubscriptionRegistry {
    private static final Logger log = LoggerFactory.getLogger(ReplicatedSubscriptionRegistry.class);
    static final ServiceKey<Command> SERVICE = ServiceKey.create(Command.class, "meshmq-subscription-registry");

    /** How {@code add}/{@code remove} wait: {@code local}, {@code majority} or {@code all} (of the replicator). */
    public enum Consistency { LOCAL, MAJORITY, ALL }

    public record Settings(int partitions, Consistency consistency, Duration writeTimeout) {
        public static Settings from(com.typesafe.config.Config c) {
            return new Settings(c.getInt("subscription-partitions"),
                    Consistency.valueOf(c.getString("subscription-write-consistency").toUpperCase(java.util.Locale.ROOT)),
                    c.getDuration("subscription-write-timeout"));
        }
    }

    private final LocalSubscriptionRegistry index = new LocalSubscriptionRegistry();
    private final Settings settings;
    private final ActorSystem<?> system;
    private final ActorRef<Command> actor;
    private final List<Key<ORSet<String>>> keys = new ArrayList<>();
    private volatile Set<ActorRef<Command>> peers = Set.of();

    private ReplicatedSubscriptionRegistry(ActorSystem<?> system, Settings settings) {
        this.system = system;
        this.settings = settings;
        for (int i = 0; i < settings.partitions(); i++) keys.add(ORSetKey.create("meshmq-subs-" + i));
        this.actor = system.systemActorOf(behavior(), "subscription-registry", Props.empty());
    }

    public static ReplicatedSubscriptionRegistry start(ActorSystem<?> system, Settings settings) {
        return new ReplicatedSubscriptionRegistry(system, settings);
    }

    @Override
    public CompletionStage<Done> add(String clientId, String filter) {
        return write(clientId, filter, true);
    }

    @Override
    public CompletionStage<Done> remove(String clientId, String filter) {
        return write(clientId, filter, false);
    }

    @Override
    public void match(String topic, MatchSink sink) { index.match(topic, sink); }

    @Override
    public int size() { return index.size(); }

    /**
     * Reads every partition from a majority of the nodes into this node's replica and index. Start-up calls it once
     * the node is Up and before clients are accepted, so that a node that just joined routes to the subscriptions
     * made before it joined. Completes (with what could be read) within about {@code timeout}.
     */
    public CompletionStage<Done> initialSync(Duration timeout) {
        CompletableFuture<Done> done = new CompletableFuture<>();
        actor.tell(new InitialSync(timeout, done));
        return done;
    }

    @Override
    public CompletionStage<List<String>> filtersOf(String clientId) {
        CompletableFuture<List<String>> found = new CompletableFuture<>();
        actor.tell(new FiltersOf(clientId, found));
        return found;
    }

    static String entry(String clientId, String filter) { return clientId + '\u0000' + filter; }

    private int partitionOf(String filter) { return Math.floorMod(filter.hashCode(), settings.partitions()); }

    private CompletionStage<Done> write(String clientId, String filter, boolean add) {
        CompletableFuture<Done> written = new CompletableFuture<>();
        int p = partitionOf(filter);
        String e = entry(clientId, filter);
        actor.tell(new Write(p, e, add, written));
        if (settings.consistency() == Consistency.LOCAL) return written;
        // then every peer that answers in time has it in its index too
        long deadline = System.nanoTime() + settings.writeTimeout().toNanos();
        return written.thenCompose(d -> knownPeers(deadline)).thenCompose(now -> {
            if (now.isEmpty()) return written;
            CompletableFuture<?>[] acks = now.stream()
                    .map(peer -> AskPattern.<Command, Synced>ask(peer, r -> new Sync(p, e, add, r),
                                    settings.writeTimeout(), system.scheduler())
                            .toCompletableFuture()
                            .exceptionally(err -> {
                                log.debug("peer {} did not confirm subscription change in time", peer.path().address());
                                return null;
                            }))
                    .toArray(CompletableFuture[]::new);
            return CompletableFuture.allOf(acks).thenApply(x -> Done.getInstance());
        });
    }

    /**
     * The registries of the other reachable Up members. The receptionist's listing can lag behind membership (right
     * after the cluster forms or a node joins); a peer missing from it would not be asked to sync, and a SUBACK could
     * go out before that node routes to the subscription. So wait, up to the write deadline, until it lists them all.
     */
    private CompletionStage<Set<ActorRef<Command>>> knownPeers(long deadline) {
        CompletableFuture<Set<ActorRef<Command>>> result = new CompletableFuture<>();
        awaitPeers(deadline, result);
        return result;
    }

    private void awaitPeers(long deadline, CompletableFuture<Set<ActorRef<Command>>> result) {
        Set<ActorRef<Command>> now = peers;
        if (now.size() >= otherReachableUpMembers() || System.nanoTime() >= deadline) {
            result.complete(now);
            return;
        }
        system.scheduler().scheduleOnce(Duration.ofMillis(20), () -> awaitPeers(deadline, result), system.executionContext());
    }

    private int otherReachableUpMembers() {
        var state = org.apache.pekko.cluster.typed.Cluster.get(system).state();
        var self = org.apache.pekko.cluster.typed.Cluster.get(system).selfMember();
        int n = 0;
        for (org.apache.pekko.cluster.Member m : state.getMembers()) {
            if (m.equals(self) || state.getUnreachable().contains(m)) continue;
            if (m.status() == org.apache.pekko.cluster.MemberStatus.up() || m.status() == org.apache.pekko.cluster.MemberStatus.weaklyUp()) n++;
        }
        return n;
    }

    // ---- the replicating actor ----------------------------------------------------------------------------

    interface Command {}

    private record Write(int partition, String entry, boolean add, CompletableFuture<Done> done) implements Command {}

    private record Written(Write write, Replicator.UpdateResponse<ORSet<String>> response) implements Command {}

    private record Local(int partition, Replicator.GetResponse<ORSet<String>> response, Runnable then) implements Command {}

    private record Changed(int partition, ORSet<String> set) implements Command {}

    private record Peers(Receptionist.Listing listing) implements Command {}

    private record InitialSync(Duration timeout, CompletableFuture<Done> done) implements Command {}

    private record InitialRead(boolean fromAll, Duration timeout, int partition, Replicator.GetResponse<ORSet<String>> response, int[] left,
                               CompletableFuture<Done> done) implements Command {}

    /** From a writing node: apply your replica of {@code partition} and answer once it shows the change. */
    public record Sync(int partition, String entry, boolean present, ActorRef<Synced> replyTo)
            implements Command, CborSerializable {}

    public record Synced() implements CborSerializable {}

    private record Retry(Sync sync, int attempt) implements Command {}

    private record FiltersOf(String clientId, CompletableFuture<List<String>> found) implements Command {}

    private Behavior<Command> behavior() {
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers ->
                DistributedData.<Command, ORSet<String>>withReplicatorMessageAdapter(replicator ->
                        new Replicating(ctx, timers, replicator).behavior())));
    }

    private final class Replicating {
        private final org.apache.pekko.actor.typed.javadsl.ActorContext<Command> ctx;
        private final TimerScheduler<Command> timers;
        private final ReplicatorMessageAdapter<Command, ORSet<String>> replicator;
        private final SelfUniqueAddress self;
        /** Per partition, the entries applied to {@link #index}. */
        private final Map<Integer, Set<String>> applied = new HashMap<>();
        /** Per partition, the replicated set as far as this actor has seen it. */
        private final Map<Integer, ORSet<String>> seen = new HashMap<>();

        Replicating(org.apache.pekko.actor.typed.javadsl.ActorContext<Command> ctx, TimerScheduler<Command> timers,
                    ReplicatorMessageAdapter<Command, ORSet<String>> replicator) {
            this.ctx = ctx;
            this.timers = timers;
            this.replicator = replicator;
            this.self = DistributedData.get(ctx.getSystem()).selfUniqueAddress();
        }

        Behavior<Command> behavior() {
            // One adapter function for all keys, which finds the partition from the key: an actor has one message
            // adapter per message class, so a function per key would be replaced by the next one, and every key's
            // change would be applied as the last key's (which lost subscriptions from the index).
            Map<String, Integer> partitionOfKey = new HashMap<>();
            for (int i = 0; i < keys.size(); i++) partitionOfKey.put(keys.get(i).id(), i);
            for (Key<ORSet<String>> key : keys) {
                replicator.subscribe(key, rsp -> {
                    int p = partitionOfKey.get(rsp.key().id());
                    return rsp instanceof Replicator.Changed<ORSet<String>> c ? new Changed(p, c.dataValue())
                            : new Changed(p, ORSet.empty());
                });
            }
            ctx.getSystem().receptionist().tell(Receptionist.register(SERVICE, ctx.getSelf()));
            ActorRef<Receptionist.Listing> listings = ctx.messageAdapter(Receptionist.Listing.class, Peers::new);
            ctx.getSystem().receptionist().tell(Receptionist.subscribe(SERVICE, listings));
            return Behaviors.receive(Command.class)
                    .onMessage(Write.class, this::onWrite)
                    .onMessage(Written.class, this::onWritten)
                    .onMessage(Local.class, this::onLocal)
                    .onMessage(Changed.class, c -> { reconcile(c.partition(), c.set()); return Behaviors.same(); })
                    .onMessage(Peers.class, this::onPeers)
                    .onMessage(InitialSync.class, this::onInitialSync)
                    .onMessage(InitialRead.class, this::onInitialRead)
                    .onMessage(Sync.class, s -> { check(s, 0); return Behaviors.same(); })
                    .onMessage(Retry.class, r -> { check(r.sync(), r.attempt()); return Behaviors.same(); })
                    .onMessage(FiltersOf.class, this::onFiltersOf)
                    .build();
        }

        private Replicator.WriteConsistency consistency() {
            return switch (settings.consistency()) {
                case LOCAL -> Replicator.writeLocal();
                case MAJORITY -> new Replicator.WriteMajority(settings.writeTimeout());
                case ALL -> new Replicator.WriteAll(settings.writeTimeout());
            };
        }

        private Behavior<Command> onWrite(Write w) {
            replicator.askUpdate(replyTo -> new Replicator.Update<>(keys.get(w.partition()), ORSet.empty(), consistency(),
                            replyTo, set -> w.add() ? set.add(self, w.entry()) : set.remove(self, w.entry())),
                    rsp -> new Written(w, rsp));
            return Behaviors.same();
        }

        private Behavior<Command> onWritten(Written r) {
            Write w = r.write();
            // the local replica has the change in any case: put it into this node's index now
            readLocal(w.partition(), () -> {
                if (r.response() instanceof Replicator.UpdateSuccess) {
                    w.done().complete(Done.getInstance());
                } else {
                    log.warn("subscription change not confirmed at {} consistency: {}", settings.consistency(), r.response());
                    w.done().completeExceptionally(new IllegalStateException("subscription not replicated: " + r.response()));
                }
            });
            return Behaviors.same();
        }

        private void readLocal(int partition, Runnable then) {
            replicator.askGet(replyTo -> new Replicator.Get<>(keys.get(partition), Replicator.readLocal(), replyTo),
                    rsp -> new Local(partition, rsp, then));
        }

        private Behavior<Command> onLocal(Local l) {
            if (l.response() instanceof Replicator.GetSuccess<ORSet<String>> ok) reconcile(l.partition(), ok.dataValue());
            else if (l.response() instanceof Replicator.NotFound) reconcile(l.partition(), ORSet.empty());
            l.then().run();
            return Behaviors.same();
        }

        private Behavior<Command> onInitialSync(InitialSync s) {
            int[] left = {keys.size()};
            for (int i = 0; i < keys.size(); i++) {
                int p = i;
                // from every node: a node that joined a moment ago may not have gossiped yet, so a majority that
                // happens to be this node and another newcomer could miss subscriptions of sessions woken elsewhere
                replicator.askGet(replyTo -> new Replicator.Get<>(keys.get(p), new Replicator.ReadAll(s.timeout()), replyTo),
                        rsp -> new InitialRead(true, s.timeout(), p, rsp, left, s.done()));
            }
            return Behaviors.same();
        }

        private Behavior<Command> onInitialRead(InitialRead r) {
            if (r.response() instanceof Replicator.GetSuccess<ORSet<String>> ok) {
                reconcile(r.partition(), ok.dataValue());
            } else if (r.response() instanceof Replicator.GetFailure && r.fromAll()) {
                // some node did not answer (it may be down): a majority then
                replicator.askGet(replyTo -> new Replicator.Get<>(keys.get(r.partition()),
                                new Replicator.ReadMajority(r.timeout()), replyTo),
                        rsp -> new InitialRead(false, r.timeout(), r.partition(), rsp, r.left(), r.done()));
                return Behaviors.same();
            } else if (r.response() instanceof Replicator.GetFailure) {
                log.warn("subscriptions of partition {} not read from a majority at start-up; using this node's replica",
                        r.partition());
                readLocal(r.partition(), () -> { });
            }
            if (--r.left()[0] == 0) r.done().complete(Done.getInstance());
            return Behaviors.same();
        }

        private Behavior<Command> onFiltersOf(FiltersOf f) {
            String prefix = f.clientId() + '\u0000';
            List<String> filters = new ArrayList<>();
            for (Set<String> entries : applied.values()) {
                for (String e : entries) if (e.startsWith(prefix)) filters.add(e.substring(prefix.length()));
            }
            f.found().complete(filters);
            return Behaviors.same();
        }

        private Behavior<Command> onPeers(Peers p) {
            Set<ActorRef<Command>> others = new HashSet<>(p.listing().getServiceInstances(SERVICE));
            others.remove(ctx.getSelf());
            peers = Set.copyOf(others);
            return Behaviors.same();
        }

        /** Applies the local replica of the partition; answers when it shows the change, else looks again shortly. */
        private void check(Sync s, int attempt) {
            readLocal(s.partition(), () -> {
                boolean present = applied.getOrDefault(s.partition(), Set.of()).contains(s.entry());
                if (present == s.present()) {
                    s.replyTo().tell(new Synced());
                } else if ((attempt + 1) * 5L < settings.writeTimeout().toMillis()) {
                    // a majority write may reach this node a little after the writer's answer
                    timers.startSingleTimer(s, new Retry(s, attempt + 1), Duration.ofMillis(5));
                }
            });
        }

        /**
         * Makes the index hold the entries of the partition as of {@code set} merged into what was seen before:
         * change notifications and read answers come by different paths, so an older state may arrive after a newer
         * one, and merging (the CRDT's own join) keeps the newer.
         */
        private void reconcile(int partition, ORSet<String> set) {
            ORSet<String> merged = seen.containsKey(partition) ? seen.get(partition).merge(set) : set;
            seen.put(partition, merged);
            Set<String> now = merged.getElements();
            Set<String> before = applied.getOrDefault(partition, Set.of());
            for (String e : now) if (!before.contains(e)) apply(e, true);
            for (String e : before) if (!now.contains(e)) apply(e, false);
            applied.put(partition, new HashSet<>(now));
        }

        private void apply(String entry, boolean add) {
            int nul = entry.indexOf('\u0000');
            String clientId = entry.substring(0, nul);
            String filter = entry.substring(nul + 1);
            if (add) index.add(clientId, filter);
            else index.remove(clientId, filter);
        }
    }
}
