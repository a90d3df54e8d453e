package io.meshmq.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.meshmq.ops.Broker;
import io.meshmq.routing.ReplicatedSubscriptionRegistry;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.ddata.ORSet;
import org.apache.pekko.cluster.ddata.ORSetKey;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.serialization.SerializationExtension;

import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.StreamSupport;

/**
 * The replicated subscription data of a cluster with many subscriptions: its serialized size, the memory it takes per
 * node, and what Artery carries between the nodes while subscriptions are added, while the cluster idles, and when a
 * new node joins and reads them all. Not a test: a program run by {@code load-tests/cluster-bench.sh ddata}.
 *
 * <p>It starts {@code --nodes} actor systems in this JVM with the broker's configuration (cluster provider, Artery on
 * 127.0.0.1, the broker's Distributed Data settings) and a {@link ReplicatedSubscriptionRegistry} on each, exactly as
 * a broker node runs it, but without MQTT listeners, sessions and journal, so the counted traffic is cluster
 * membership, the receptionist, and the subscription registry. Subscriptions are added through
 * {@link ReplicatedSubscriptionRegistry#add} (what a SUBSCRIBE does: WriteMajority, then every other node confirms
 * its index), client {@code c} on node {@code c % nodes}. Bytes are counted by {@link ArteryBytes}.
 *
 * <pre>--nodes 3 --subscriptions 100000 --per-client 4 --in-flight 256 --idle 20s --join true</pre>
 */
public final class SubscriptionDataSize {
    private SubscriptionDataSize() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> a = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) a.put(args[i], args[i + 1]);
        int nodes = Integer.parseInt(a.getOrDefault("--nodes", "3"));
        int subs = Integer.parseInt(a.getOrDefault("--subscriptions", "100000"));
        int perClient = Integer.parseInt(a.getOrDefault("--per-client", "4"));
        int inFlight = Integer.parseInt(a.getOrDefault("--in-flight", "256"));
        long idleMs = Duration.parse("PT" + a.getOrDefault("--idle", "20s").toUpperCase(Locale.ROOT)).toMillis();
        boolean join = Boolean.parseBoolean(a.getOrDefault("--join", "true"));
        int partitions = Integer.parseInt(a.getOrDefault("--partitions",
                String.valueOf(Broker.loadConfig(ConfigFactory.empty()).getInt("broker.cluster.subscription-partitions"))));

        int[] ports = new int[nodes + 1];
        for (int i = 0; i <= nodes; i++) ports[i] = freePort();
        List<ActorSystem<Void>> systems = new ArrayList<>();
        List<ReplicatedSubscriptionRegistry> registries = new ArrayList<>();
        List<Config> configs = new ArrayList<>();
        try {
            log("%d nodes in one JVM (Artery ports %s), %,d subscriptions (%d per client), %d partitions, %d adds in flight",
                    nodes, java.util.Arrays.toString(java.util.Arrays.copyOf(ports, nodes)), subs, perClient, partitions, inFlight);
            for (int i = 0; i < nodes; i++) {
                Config c = config(ports[i], ports[0], partitions);
                configs.add(c);
                systems.add(ActorSystem.create(Behaviors.empty(), ClusterMode.SYSTEM_NAME, c));
            }
            awaitUp(systems, nodes);
            for (int i = 0; i < nodes; i++) {
                registries.add(ReplicatedSubscriptionRegistry.start(systems.get(i),
                        ReplicatedSubscriptionRegistry.Settings.from(configs.get(i).getConfig("broker.cluster"))));
            }
            Thread.sleep(3_000);

            var s0 = ArteryBytes.snapshot();
            Thread.sleep(idleMs);
            report("idle, no subscriptions, " + idleMs / 1000 + " s", ArteryBytes.diff(s0, ArteryBytes.snapshot()), idleMs);

            long heap0 = usedHeapAfterGc();
            var s1 = ArteryBytes.snapshot();
            long t0 = System.nanoTime();
            Semaphore window = new Semaphore(inFlight);
            AtomicLong failed = new AtomicLong();
            long tenth = Math.max(1, subs / 10);
            long lastT = t0;
            for (int k = 0; k < subs; k++) {
                int client = k / perClient;
                window.acquire();
                registries.get(client % nodes).add(clientId(client), filter(client, k % perClient))
                        .whenComplete((d, e) -> {
                            if (e != null) failed.incrementAndGet();
                            window.release();
                        });
                if ((k + 1) % tenth == 0) {
                    long now = System.nanoTime();
                    log("  %,7d added, last %,d at %,.0f/s", k + 1, tenth, tenth / ((now - lastT) / 1e9));
                    lastT = now;
                }
            }
            window.acquire(inFlight);
            long t1 = System.nanoTime();
            double addSecs = (t1 - t0) / 1e9;
            log("added %,d subscriptions in %.1f s (%,.0f/s), %d not confirmed at majority in time", subs, addSecs, subs / addSecs,
                    failed.get());
            long converge = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            long lastSum = -1, stableSince = System.nanoTime();
            while (System.nanoTime() < converge && registries.stream().anyMatch(r -> r.size() < subs)) {
                long sum = registries.stream().mapToLong(ReplicatedSubscriptionRegistry::size).sum();
                if (sum != lastSum) { lastSum = sum; stableSince = System.nanoTime(); }
                else if (System.nanoTime() - stableSince > TimeUnit.SECONDS.toNanos(10)) break; // no change for 10 s
                Thread.sleep(100);
            }
            StringBuilder sizes = new StringBuilder();
            for (var r : registries) sizes.append(sizes.length() == 0 ? "" : ", ").append(r.size());
            log("routing index size per node: %s (after %.1f s)", sizes, (System.nanoTime() - t0) / 1e9);
            for (int i = 0; i < nodes; i++) checkIndex(systems.get(i), registries.get(i), partitions, "node " + (i + 1));
            report("while adding " + String.format(Locale.ROOT, "%,d", subs) + " subscriptions",
                    ArteryBytes.diff(s1, ArteryBytes.snapshot()), (long) (addSecs * 1000));

            var s2 = ArteryBytes.snapshot();
            Thread.sleep(idleMs);
            report("idle with " + String.format(Locale.ROOT, "%,d", subs) + " subscriptions, " + idleMs / 1000 + " s",
                    ArteryBytes.diff(s2, ArteryBytes.snapshot()), idleMs);

            long heap1 = usedHeapAfterGc();
            log("live heap of all %d nodes: %,d -> %,d bytes: %,.0f bytes per subscription per node (replica, applied set "
                            + "and routing index together)", nodes, heap0, heap1, (heap1 - heap0) / (double) nodes / subs);

            serializedSizes(systems.get(0), partitions, subs);
            reconcileCost(systems.get(0));

            if (join) {
                var s3 = ArteryBytes.snapshot();
                long j0 = System.nanoTime();
                Config c = config(ports[nodes], ports[0], partitions);
                ActorSystem<Void> extra = ActorSystem.create(Behaviors.empty(), ClusterMode.SYSTEM_NAME, c);
                systems.add(extra);
                awaitUp(systems, nodes + 1);
                long up = System.nanoTime();
                ReplicatedSubscriptionRegistry r = ReplicatedSubscriptionRegistry.start(extra,
                        ReplicatedSubscriptionRegistry.Settings.from(c.getConfig("broker.cluster")));
                Duration t = c.getDuration("broker.cluster.subscription-write-timeout");
                r.initialSync(t).toCompletableFuture().get(t.toMillis() * 2 + 5000, TimeUnit.MILLISECONDS);
                long synced = System.nanoTime();
                log("a new node joined in %.1f s; its start-up read of all partitions (ReadAll) took %.2f s; its index then held %,d subscriptions",
                        (up - j0) / 1e9, (synced - up) / 1e9, r.size());
                Thread.sleep(5_000);
                report("a node joining and reading the subscriptions (join + initial read + 5 s)",
                        ArteryBytes.diff(s3, ArteryBytes.snapshot()), (System.nanoTime() - j0) / 1_000_000);
            }
        } finally {
            for (ActorSystem<Void> s : systems) s.terminate();
            for (ActorSystem<Void> s : systems) s.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
        System.exit(0);
    }

    /** 16 hex digits that do not follow from the client's number (like a MAC or serial), so gzip cannot shrink them. */
    static String clientId(int client) { return String.format(Locale.ROOT, "%016x", mix(client)); }

    static long mix(long z) {
        z = (z + 0x9E3779B97F4A7C15L) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Per client: its command, config and OTA filters, and a broadcast filter shared by 100 clients. */
    static String filter(int client, int i) {
        String id = clientId(client);
        return switch (i % 4) {
            case 0 -> "devices/" + id + "/cmd/#";
            case 1 -> "devices/" + id + "/config";
            case 2 -> "devices/" + id + "/ota/+";
            default -> String.format(Locale.ROOT, "fleet/%05d/broadcast", client / 100);
        } + (i >= 4 ? "/" + i : "");
    }

    static Config config(int port, int seedPort, int partitions) {
        Map<String, Object> m = new HashMap<>();
        m.put("broker.cluster.enabled", "on");
        m.put("broker.cluster.host", "127.0.0.1");
        m.put("broker.cluster.port", port);
        m.put("broker.cluster.seed-nodes", "127.0.0.1:" + seedPort);
        m.put("broker.cluster.subscription-partitions", partitions);
        m.put("broker.management.port", -1);
        m.put("pekko.remote.artery.advanced.instruments", List.of(ArteryBytes.class.getName()));
        return ClusterMode.apply(Broker.loadConfig(ConfigFactory.parseMap(m)));
    }

    static void awaitUp(List<ActorSystem<Void>> systems, int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            boolean all = systems.stream().allMatch(s -> StreamSupport.stream(Cluster.get(s).state().getMembers().spliterator(), false)
                    .filter(mb -> mb.status() == MemberStatus.up()).count() == n);
            if (all) return;
            Thread.sleep(100);
        }
        throw new IllegalStateException("cluster did not reach " + n + " Up members");
    }

    /** Each partition's ORSet as node 0 holds it, serialized by Pekko (the form full-state gossip and writes carry). */
    static void serializedSizes(ActorSystem<Void> system, int partitions, int subs) throws Exception {
        var serialization = SerializationExtension.get(Adapter.toClassic(system));
        long total = 0, min = Long.MAX_VALUE, max = 0, elements = 0, elementBytes = 0, maxElements = 0;
        for (int p = 0; p < partitions; p++) {
            ORSet<String> set = localReplica(system, p);
            if (set == null) continue;
            int bytes = serialization.serialize(set).get().length;
            total += bytes;
            min = Math.min(min, bytes);
            max = Math.max(max, bytes);
            int n = set.getElements().size();
            elements += n;
            maxElements = Math.max(maxElements, n);
            for (String e : set.getElements()) elementBytes += e.getBytes(StandardCharsets.UTF_8).length;
        }
        log("serialized ORSets (Pekko's ReplicatedDataSerializer, as full-state gossip carries them before compression): "
                        + "%,d bytes for %,d entries in %d keys = %.1f bytes per subscription (entries themselves %.1f bytes); "
                        + "per key %,d..%,d bytes (largest key %,d entries)",
                total, elements, partitions, total / (double) elements, elementBytes / (double) elements, min, max, maxElements);
        if (elements != subs) log("(expected %,d entries)", subs);
    }

    /** This node's replica of partition {@code p}, or null when it has none. */
    static ORSet<String> localReplica(ActorSystem<Void> system, int p) throws Exception {
        org.apache.pekko.cluster.ddata.Key<ORSet<String>> key = ORSetKey.create("meshmq-subs-" + p);
        Replicator.GetResponse<ORSet<String>> rsp = AskPattern.<Replicator.Command, Replicator.GetResponse<ORSet<String>>>ask(
                DistributedData.get(system).replicator(), replyTo -> new Replicator.Get<>(key, Replicator.readLocal(), replyTo),
                Duration.ofSeconds(10), system.scheduler()).toCompletableFuture().get(15, TimeUnit.SECONDS);
        return rsp instanceof Replicator.GetSuccess<ORSet<String>> ok ? ok.dataValue() : null;
    }

    /** Whether {@code registry} routes {@code topic} to {@code clientId}'s plain subscription. */
    static boolean routes(io.meshmq.routing.SubscriptionRegistry registry, String topic, String clientId) {
        boolean[] found = {false};
        registry.match(topic, new io.meshmq.routing.SubscriptionRegistry.MatchSink() {
            @Override public void subscriber(String c) { if (c.equals(clientId)) found[0] = true; }
            @Override public void sharedSubscriber(String c, String f) { }
        });
        return found[0];
    }

    /** Counts the entries of this node's replica that its routing index does not route to (should be none). */
    static void checkIndex(ActorSystem<Void> system, ReplicatedSubscriptionRegistry registry, int partitions, String name)
            throws Exception {
        long entries = 0, missing = 0;
        Map<Integer, Integer> missingByKind = new java.util.TreeMap<>();
        for (int p = 0; p < partitions; p++) {
            ORSet<String> set = localReplica(system, p);
            if (set == null) continue;
            for (String e : set.getElements()) {
                entries++;
                int nul = e.indexOf('\u0000');
                String client = e.substring(0, nul), filter = e.substring(nul + 1);
                String topic = filter.replace("/#", "/x").replace("+", "x");
                if (!routes(registry, topic, client)) {
                    missing++;
                    missingByKind.merge(filter.startsWith("fleet/") ? 3 : filter.endsWith("/#") ? 0 : filter.endsWith("+") ? 2 : 1, 1, Integer::sum);
                }
            }
        }
        log("%s: %,d entries in its replica, %,d of them not routed by its index (by kind cmd/config/ota/fleet: %s); index size %,d",
                name, entries, missing, missingByKind, registry.size());
    }

    /**
     * What the registry does with one partition: on a change notification (at most one per key per
     * {@code notify-subscribers-interval}), list the replica's elements and diff them against the applied set; for a
     * change a SUBSCRIBE waits for (the writer's and each peer's), look the one entry up in the replica. Timed alone
     * for keys of several sizes (best of 10, after warm-up).
     */
    static void reconcileCost(ActorSystem<Void> system) {
        var self = DistributedData.get(system).selfUniqueAddress();
        for (int round = 0; round < 2; round++) {
            for (int n : new int[]{100, 1_000, 10_000, 100_000}) {
                ORSet<String> before = ORSet.empty();
                for (int i = 0; i < n; i++) before = before.add(self, clientId(i) + '\u0000' + filter(i, 0));
                ORSet<String> incoming = before.add(self, "new\u0000filter");
                java.util.Set<String> applied = new java.util.HashSet<>(before.getElements());
                long bestDiff = Long.MAX_VALUE, bestLookup = Long.MAX_VALUE;
                for (int r = 0; r < 10; r++) {
                    java.util.Set<String> was = new java.util.HashSet<>(applied);
                    long t0 = System.nanoTime();
                    java.util.Set<String> now = incoming.getElements();
                    List<String> gone = new ArrayList<>();
                    for (String e : was) if (!now.contains(e)) gone.add(e);
                    gone.forEach(was::remove);
                    int added = 0;
                    for (String e : now) if (was.add(e)) added++;
                    long t1 = System.nanoTime();
                    boolean shown = incoming.contains("new\u0000filter");
                    long t2 = System.nanoTime();
                    bestDiff = Math.min(bestDiff, t1 - t0);
                    bestLookup = Math.min(bestLookup, t2 - t1);
                    if (added != 1 || !gone.isEmpty() || !shown) throw new IllegalStateException("diff: " + added + " added, " + gone.size() + " gone");
                }
                if (round == 1) log("one partition with %,d entries: diff on a change notification %.3f ms; lookup of a waited-for change %.2f us",
                        n, bestDiff / 1e6, bestLookup / 1e3);
            }
        }
    }

    static void report(String phase, Map<String, long[]> d, long millis) {
        long msgs = 0, bytes = 0;
        for (long[] v : d.values()) { msgs += v[0]; bytes += v[1]; }
        log("Artery, all nodes, %s: %,d messages, %,d bytes (%,.0f bytes/s)", phase, msgs, bytes, bytes / (millis / 1000.0));
        d.entrySet().stream().sorted((x, y) -> Long.compare(y.getValue()[1], x.getValue()[1])).limit(12)
                .forEach(e -> log("    %-50s %,10d msgs %,14d bytes (avg %,d)", e.getKey(), e.getValue()[0], e.getValue()[1],
                        e.getValue()[1] / Math.max(1, e.getValue()[0])));
    }

    static long usedHeapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(300);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    static int freePort() throws java.io.IOException {
        try (ServerSocket s = new ServerSocket(0)) { return s.getLocalPort(); }
    }

    static void log(String format, Object... args) {
        System.out.println("[ddata] " + String.format(Locale.ROOT, format, args));
        System.out.flush();
    }
}
