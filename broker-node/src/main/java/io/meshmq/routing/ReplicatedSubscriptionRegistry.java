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
 * other node that answered within the write timeout: the writing node asks each peer's registry to apply the
 * change to its index as soon as its replica shows it ({@link Sync}), so a PUBLISH on another node right after the
 * SUBACK sees the subscription. Changes not announced that way reach the index by a periodic scan of the local
 * replica ({@code subscription-scan-interval}). Shared subscriptions: the index keeps the replicated members of each
 * group, and the node that receives a PUBLISH picks one member, so each message goes to exactly one member
 * cluster-wide.
 *
 * <p>An update that misses its consistency in time fails the returned stage (the SUBACK then carries 0x80) but stays
 * in the local replica and spreads by gossip.
 */
public final class ReplicatedSubscriptionRegistry implements SubscriptionRegistry {
    private static final Logger log = LoggerFactory.getLogger(ReplicatedSubscriptionRegistry.class);
    static final ServiceKey<Command> SERVICE = ServiceKey.create(Command.class, "meshmq-subscription-registry");

    /** How {@code add}/{@code remove} wait: {@code local}, {@code majority} or {@code all} (of the replicator). */
    public enum Consistency { LOCAL, MAJORITY, ALL }

    public record Settings(int partitions, Consistency consistency, Duration writeTimeout, Duration scanInterval,
                           int writesInFlight) {
        public static Settings from(com.typesafe.config.Config c) {
            return new Settings(c.getInt("subscription-partitions"),
                    Consistency.valueOf(c.getString("subscription-write-consistency").toUpperCase(java.util.Locale.ROOT)),
                    c.getDuration("subscription-write-timeout"), c.getDuration("subscription-scan-interval"),
                    c.getInt("subscription-writes-in-flight"));
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

    /**
     * Completes at once when this node's replica already holds the entry (it was written, and replicated, when it was
     * first added): a node that starts in a running cluster reads every key first ({@link #initialSync}), so waking
     * its persistent sessions costs no write. Only after a full cluster restart, when the replicas are empty, are the
     * subscriptions written again.
     */
    @Override
    public CompletionStage<Done> ensure(String clientId, String filter) {
        CompletableFuture<Boolean> held = new CompletableFuture<>();
        actor.tell(new Holds(partitionOf(filter), entry(clientId, filter), held));
        return held.thenCompose(yes -> yes ? CompletableFuture.completedFuture(Done.getInstance()) : add(clientId, filter));
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
        actor.tell(new Write(p, e, add, written, false));
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

    /** {@code toMajority}: the retry of a {@code majority} write that was first sent to all nodes. */
    private record Write(int partition, String entry, boolean add, CompletableFuture<Done> done, boolean toMajority)
            implements Command {}

    private record Written(Write write, Replicator.UpdateResponse<ORSet<String>> response) implements Command {}

    /** A partition's local replica as the replicator handed it over: on a change (full) or a read (not full). */
    private record State(int partition, ORSet<String> set, boolean full, Runnable then) implements Command {}

    /** Time to read every partition and make the index equal to it. */
    private enum Scan implements Command { SCAN }

    private static final Scan SCAN = Scan.SCAN;

    /** What a local read was asked for, handed back with its answer. */
    private record ReadTag(boolean full, Runnable then) {}

    private record Peers(Receptionist.Listing listing) implements Command {}

    private record InitialSync(Duration timeout, CompletableFuture<Done> done) implements Command {}

    private record InitialRead(boolean fromAll, Duration timeout, int partition, Replicator.GetResponse<ORSet<String>> response, int[] left,
                               CompletableFuture<Done> done) implements Command {}

    /** From a writing node: answer once your index shows that {@code entry} is {@code present} (or not). */
    public record Sync(int partition, String entry, boolean present, ActorRef<Synced> replyTo)
            implements Command, CborSerializable {}

    public record Synced() implements CborSerializable {}

    /** Time to read a partition's local replica again for the changes that wait on it. */
    private record ReadAgain(int partition) implements Command {}

    private record FiltersOf(String clientId, CompletableFuture<List<String>> found) implements Command {}

    private record Holds(int partition, String entry, CompletableFuture<Boolean> held) implements Command {}

    /** A change waiting until this node's replica shows it; then it is put into the index and {@code shown} runs. */
    private record Waiting(String entry, boolean present, long deadline, Runnable shown, Runnable expired) {}

    /** How often a partition is read again while a change waits on it. */
    private static final Duration READ_AGAIN = Duration.ofMillis(10);

    private static final Runnable NOTHING = () -> { };

    private Behavior<Command> behavior() {
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers ->
                DistributedData.<Command, ORSet<String>>withReplicatorMessageAdapter(replicator ->
                        new Replicating(ctx, timers, replicator).behavior())));
    }

    /**
     * Keeps the index equal to the local replica at a cost per change that does not grow with the size of a
     * partition. A SUBSCRIBE's change is applied alone, on every node, as soon as the node's replica shows it: the
     * writer applies its own, and asks each peer ({@link Sync}) to apply it. What no sync announces (a change whose
     * writer stopped waiting or died, a gossip repair after a partition, a {@code local} write) comes in with the
     * periodic scan, which reads every partition and diffs those that changed since the last scan (the replicator
     * hands over the very instance it holds until the key changes, so an unchanged partition costs nothing).
     *
     * <p>The registry does not subscribe to the replicator's change notifications on purpose: for a key with
     * subscribers the replicator serializes and compresses the whole key to digest it at the first change after
     * every notification round; with the digests left lazy it does that at most once per gossip round, and only for
     * keys gossip compares. Measured: with 64 keys and notifications, adding subscriptions slowed from 650/s to
     * 90/s between 20,000 and 60,000 subscriptions, the time going to those digests (docs/scaling.md).
     *
     * <p>Reads ask the (classic) replicator directly with this actor's adapter as the recipient, so answers arrive
     * in the order the replicator sent them: each state handed over is the same as or newer than the one before (the
     * local replica only grows by merging), and no merge is needed here.
     */
    private final class Replicating {
        private final org.apache.pekko.actor.typed.javadsl.ActorContext<Command> ctx;
        private final TimerScheduler<Command> timers;
        private final ReplicatorMessageAdapter<Command, ORSet<String>> replicator;
        private final org.apache.pekko.actor.ActorRef classicReplicator;
        private final org.apache.pekko.actor.ActorRef stateReader;
        private final SelfUniqueAddress self;
        /** Per partition, the entries applied to {@link #index}. */
        private final Map<Integer, Set<String>> applied = new HashMap<>();
        /** Per partition, the last state diffed into the index in full: the same instance again means no change. */
        private final Map<Integer, ORSet<String>> lastFull = new HashMap<>();
        /** Per partition, the changes (of this node's writes and of peers' syncs) that wait to show in the replica. */
        private final Map<Integer, List<Waiting>> waiting = new HashMap<>();
        private final Map<String, Integer> partitionOfKey = new HashMap<>();
        /**
         * Writes handed to the replicator and not answered yet, and those waiting for their turn. Bounded because
         * the replicators fall behind when offered more than they can do (measured: 2,048 SUBSCRIBEs in flight on 3
         * nodes filled their mailboxes with deltas until the heap ran out); here a waiting write costs a few bytes.
         */
        private int writing;
        private final java.util.ArrayDeque<Write> waitingWrites = new java.util.ArrayDeque<>();

        @SuppressWarnings({"unchecked", "rawtypes"})
        Replicating(org.apache.pekko.actor.typed.javadsl.ActorContext<Command> ctx, TimerScheduler<Command> timers,
                    ReplicatorMessageAdapter<Command, ORSet<String>> replicator) {
            this.ctx = ctx;
            this.timers = timers;
            this.replicator = replicator;
            this.self = DistributedData.get(ctx.getSystem()).selfUniqueAddress();
            for (int i = 0; i < keys.size(); i++) partitionOfKey.put(keys.get(i).id(), i);
            this.classicReplicator = org.apache.pekko.cluster.ddata.DistributedData
                    .get(org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(ctx.getSystem())).replicator();
            // One adapter for the answers of all keys (an actor has one adapter per class): the partition comes from
            // the key.
            ActorRef<org.apache.pekko.cluster.ddata.Replicator.GetResponse> reads = ctx.messageAdapter(
                    org.apache.pekko.cluster.ddata.Replicator.GetResponse.class, rsp -> {
                        int p = partitionOfKey.get(rsp.key().id());
                        ReadTag tag = (ReadTag) rsp.getRequest().orElse(new ReadTag(false, NOTHING));
                        return rsp instanceof org.apache.pekko.cluster.ddata.Replicator.GetSuccess ok
                                ? new State(p, (ORSet<String>) ok.dataValue(), tag.full(), tag.then())
                                : new State(p, ORSet.empty(), tag.full(), tag.then());
                    });
            this.stateReader = org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(reads);
        }

        Behavior<Command> behavior() {
            ctx.getSystem().receptionist().tell(Receptionist.register(SERVICE, ctx.getSelf()));
            ActorRef<Receptionist.Listing> listings = ctx.messageAdapter(Receptionist.Listing.class, Peers::new);
            ctx.getSystem().receptionist().tell(Receptionist.subscribe(SERVICE, listings));
            timers.startTimerWithFixedDelay(SCAN, SCAN, settings.scanInterval());
            return Behaviors.receive(Command.class)
                    .onMessage(Write.class, this::onNewWrite)
                    .onMessage(Written.class, this::onWritten)
                    .onMessage(State.class, this::onState)
                    .onMessage(Peers.class, this::onPeers)
                    .onMessage(InitialSync.class, this::onInitialSync)
                    .onMessage(InitialRead.class, this::onInitialRead)
                    .onMessage(Sync.class, this::onSync)
                    .onMessage(ReadAgain.class, r -> { readLocal(r.partition(), false, NOTHING); return Behaviors.same(); })
                    .onMessage(FiltersOf.class, this::onFiltersOf)
                    .onMessage(Holds.class, h -> {
                        h.held().complete(applied.getOrDefault(h.partition(), Set.of()).contains(h.entry()));
                        return Behaviors.same();
                    })
                    .onMessage(Scan.class, x -> {
                        for (int p = 0; p < keys.size(); p++) readLocal(p, true, NOTHING);
                        return Behaviors.same();
                    })
                    .build();
        }

        /**
         * {@code majority} is written to all nodes while every member is reachable, with half the timeout, and to a
         * majority if that fails. The SUBACK waits for every reachable node's index anyway ({@link Sync}); a majority
         * write hands the change to the nodes outside the majority only by the replicator's delta propagation
         * (every 400 ms with the default gossip interval), so the SUBACK waited for it, and their replicas differed
         * from the others at gossip rounds, which then sent whole keys. Measured with 200,000 subscriptions added
         * 2,048 at a time (3 nodes): 40-60 % more SUBSCRIBEs per second.
         */
        private Replicator.WriteConsistency consistency(Write w) {
            return switch (settings.consistency()) {
                case LOCAL -> Replicator.writeLocal();
                case MAJORITY -> !w.toMajority() && everyMemberReachable()
                        ? new Replicator.WriteAll(settings.writeTimeout().dividedBy(2))
                        : new Replicator.WriteMajority(w.toMajority() ? settings.writeTimeout().dividedBy(2) : settings.writeTimeout());
                case ALL -> new Replicator.WriteAll(settings.writeTimeout());
            };
        }

        private boolean everyMemberReachable() {
            return org.apache.pekko.cluster.typed.Cluster.get(ctx.getSystem()).state().getUnreachable().isEmpty();
        }

        /**
         * Asks the replicator for its local replica of the partition; the answer comes as a {@link State} in order
         * with the change notifications. {@code full}: diff the whole partition into the index; {@code then} runs
         * after the answer is applied.
         */
        private void readLocal(int partition, boolean full, Runnable then) {
            classicReplicator.tell(new org.apache.pekko.cluster.ddata.Replicator.Get<>(keys.get(partition),
                            org.apache.pekko.cluster.ddata.Replicator.readLocal(),
                            java.util.Optional.of(new ReadTag(full, then))),
                    stateReader);
        }

        private Behavior<Command> onNewWrite(Write w) {
            if (writing < settings.writesInFlight()) {
                writing++;
                return onWrite(w);
            }
            waitingWrites.add(w);
            return Behaviors.same();
        }

        private void writeDone() {
            writing--;
            Write next = waitingWrites.poll();
            if (next != null) {
                writing++;
                onWrite(next);
            }
        }

        private Behavior<Command> onWrite(Write w) {
            Replicator.WriteConsistency consistency = consistency(w);
            boolean retryToMajority = consistency instanceof Replicator.WriteAll && settings.consistency() == Consistency.MAJORITY;
            replicator.askUpdate(replyTo -> new Replicator.Update<>(keys.get(w.partition()), ORSet.empty(), consistency,
                            replyTo, set -> w.add() ? set.add(self, w.entry()) : set.remove(self, w.entry())),
                    rsp -> new Written(retryToMajority ? w : new Write(w.partition(), w.entry(), w.add(), w.done(), true), rsp));
            return Behaviors.same();
        }

        private Behavior<Command> onWritten(Written r) {
            Write w = r.write();
            if (!w.toMajority() && !(r.response() instanceof Replicator.UpdateSuccess)) {
                // not all nodes in half the time (one may have become unreachable): a majority is enough
                onWrite(new Write(w.partition(), w.entry(), w.add(), w.done(), true));
                return Behaviors.same();
            }
            writeDone();
            Runnable answer = () -> {
                if (r.response() instanceof Replicator.UpdateSuccess) {
                    w.done().complete(Done.getInstance());
                } else {
                    log.warn("subscription change not confirmed at {} consistency: {}", settings.consistency(), r.response());
                    w.done().completeExceptionally(new IllegalStateException("subscription not replicated: " + r.response()));
                }
            };
            // The local replica has the change (unless a concurrent opposite change from another node won): put it
            // into this node's index, then answer. Expiry answers too: the replicator's verdict is what counts here.
            if (applied.getOrDefault(w.partition(), Set.of()).contains(w.entry()) == w.add()) answer.run();
            else await(w.partition(), new Waiting(w.entry(), w.add(), deadline(), answer, answer));
            return Behaviors.same();
        }

        private long deadline() { return System.nanoTime() + settings.writeTimeout().toNanos(); }

        /**
         * From a writing node: answers once this node's index shows the change. Most often it already does (a change
         * change or a scan brought it); else the partition is read now and again every {@link #READ_AGAIN} until it does
         * or the write timeout passes: a majority write reaches a node outside the majority only by the replicator's
         * delta propagation, a little after the writer's answer.
         */
        private Behavior<Command> onSync(Sync s) {
            if (applied.getOrDefault(s.partition(), Set.of()).contains(s.entry()) == s.present()) {
                s.replyTo().tell(new Synced());
            } else {
                // no answer when it expires: the writer has stopped waiting for this node by then
                await(s.partition(), new Waiting(s.entry(), s.present(), deadline(), () -> s.replyTo().tell(new Synced()), () -> { }));
            }
            return Behaviors.same();
        }

        private void await(int partition, Waiting w) {
            waiting.computeIfAbsent(partition, p -> new ArrayList<>()).add(w);
            readLocal(partition, false, NOTHING);
        }

        private Behavior<Command> onState(State s) {
            int p = s.partition();
            if (s.full() && lastFull.get(p) != s.set()) diff(p, s.set());
            settle(p, s.set());
            s.then().run();
            return Behaviors.same();
        }

        /** Applies the waiting changes that {@code set} shows, one entry each; reads again later for the others. */
        private void settle(int partition, ORSet<String> set) {
            List<Waiting> list = waiting.get(partition);
            if (list == null) return;
            long now = System.nanoTime();
            List<Runnable> done = new ArrayList<>();
            list.removeIf(w -> {
                if (set.contains(w.entry()) == w.present()) {
                    Set<String> entries = applied.computeIfAbsent(partition, x -> new HashSet<>());
                    if (w.present() ? entries.add(w.entry()) : entries.remove(w.entry())) apply(w.entry(), w.present());
                    done.add(w.shown());
                    return true;
                }
                if (now - w.deadline() > 0) {
                    done.add(w.expired());
                    return true;
                }
                return false;
            });
            if (list.isEmpty()) {
                waiting.remove(partition);
                timers.cancel(partition);
            } else if (!timers.isTimerActive(partition)) {
                timers.startSingleTimer(partition, new ReadAgain(partition), READ_AGAIN);
            }
            done.forEach(Runnable::run);
        }

        /** Makes the index hold exactly the entries of {@code set} for this partition. */
        private void diff(int partition, ORSet<String> set) {
            lastFull.put(partition, set);
            Set<String> now = set.getElements();
            Set<String> was = applied.computeIfAbsent(partition, p -> new HashSet<>());
            List<String> gone = new ArrayList<>();
            for (String e : was) if (!now.contains(e)) gone.add(e);
            for (String e : gone) {
                was.remove(e);
                apply(e, false);
            }
            for (String e : now) if (was.add(e)) apply(e, true);
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
            if (r.response() instanceof Replicator.GetFailure && r.fromAll()) {
                // some node did not answer (it may be down): a majority then
                replicator.askGet(replyTo -> new Replicator.Get<>(keys.get(r.partition()),
                                new Replicator.ReadMajority(r.timeout()), replyTo),
                        rsp -> new InitialRead(false, r.timeout(), r.partition(), rsp, r.left(), r.done()));
                return Behaviors.same();
            }
            if (r.response() instanceof Replicator.GetFailure) {
                log.warn("subscriptions of partition {} not read from a majority at start-up; using this node's replica",
                        r.partition());
            }
            // What was read is in the local replica now (the replicator repairs it before answering); take it from
            // there, in order with the change notifications, and complete start-up when every partition is in.
            readLocal(r.partition(), true, () -> {
                if (--r.left()[0] == 0) r.done().complete(Done.getInstance());
            });
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

        private void apply(String entry, boolean add) {
            int nul = entry.indexOf('\u0000');
            String clientId = entry.substring(0, nul);
            String filter = entry.substring(nul + 1);
            if (add) index.add(clientId, filter);
            else index.remove(clientId, filter);
        }
    }
}
