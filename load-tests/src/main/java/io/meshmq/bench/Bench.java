package io.meshmq.bench;

import io.meshmq.codec.MqttPacket;
import io.meshmq.codec.ProtocolVersion;
import io.meshmq.codec.QoS;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * MeshMQ's load tool. Scenarios: fan-in, fan-out, latency, persistent, queued-drain, idle-connections, hostile.
 * Every run is bounded in time (warm-up + duration + a short drain) and connects only to {@code --host}.
 *
 * <pre>java -jar load-tests/target/meshmq-bench.jar --host 127.0.0.1 --port 1883 --scenario fan-in \
 *     --publishers 8 --subscribers 1 --qos 0 --payload 64 --warmup 3s --duration 10s --rate 0 --version 4</pre>
 *
 * Prints human-readable lines and one machine-readable line starting with {@code RESULT}.
 */
public final class Bench {
    private Bench() {}

    /** Command-line options; every field has a default. */
    public static final class Options {
        public String host = "127.0.0.1";
        public int port = 1883;
        public String scenario = "fan-in";
        public int publishers = -1;          // -1: the scenario's default
        public int subscribers = -1;
        public int qos = 0;
        public int payload = 64;
        public long warmupMs = 3_000;
        public long durationMs = 10_000;
        public long rate = 0;                // total msg/s over all publishers; 0 = unlimited
        public boolean persistent = false;
        public int version = 4;
        public int window = 1024;            // unacknowledged QoS 1 PUBLISHes per publisher
        public int connections = 10_000;     // idle-connections
        public int messages = -1;            // queued-drain (10,000), resume (5)
        // Cluster: the ports publishers and subscribers connect to, round-robin (empty: --port for all of them)
        public int[] pubPorts = {};
        public int[] subPorts = {};
        public int[] reconnectPorts = {};    // resume: where subscribers reconnect after the kill (empty: --pub-ports)
        public long killPid = -1;            // resume: the broker process to SIGKILL
        public long attemptTimeoutMs = 1_000; // resume: one reconnect attempt (connect + CONNACK) at most this long
        public int[] mgmtPorts = {};         // cluster: management ports of nodes 1..N, to report where sessions live
        public boolean shared = false;       // fan-in: a shared subscription instead of a plain wildcard
        public long brokerPid = -1;          // idle-connections: measure this process' heap (jcmd) and RSS
        public String label = "broker";
        public long timeoutMs = 30_000;      // connect/handshake/drain timeout
        public String badKind = "mixed";     // hostile: silent | garbage | mixed
        public String badRates = "50,100,200,400,800,1600,3200,6400,12800";   // hostile: bad connections/s per step
        public int badMaxOpen = 10_000;      // hostile: silent sockets held open at once on the bench side
        public boolean tls = false;          // connect with TLS (any server certificate is trusted)

        /** The steps of the hostile scenario, in the order given. */
        public List<Long> badRateList() {
            List<Long> l = new ArrayList<>();
            for (String s : badRates.split(",")) if (!s.isBlank()) l.add(Long.parseLong(s.trim()));
            return l;
        }

        int pubPort(int i) { return pubPorts.length == 0 ? port : pubPorts[i % pubPorts.length]; }

        int subPort(int i) { return subPorts.length == 0 ? port : subPorts[i % subPorts.length]; }

        ProtocolVersion protocol() {
            return switch (version) {
                case 4 -> ProtocolVersion.MQTT_3_1_1;
                case 5 -> ProtocolVersion.MQTT_5;
                default -> throw new IllegalArgumentException("--version must be 4 or 5");
            };
        }

        QoS qosLevel() {
            if (qos != 0 && qos != 1) throw new IllegalArgumentException("--qos must be 0 or 1");
            return QoS.of(qos);
        }
    }

    public static void main(String[] args) throws Exception {
        if (Arrays.asList(args).contains("--help") || Arrays.asList(args).contains("-h")) {
            usage();
            return;
        }
        if (Arrays.asList(args).contains("--embedded-postgres")) {
            EmbeddedPg.main(args);
            return;
        }
        Options o = parse(args);
        Map<String, Object> r = run(o);
        System.out.println(resultLine(r));
        System.exit(0); // reader threads of closed sockets are daemons, but do not wait on anything
    }

    static void usage() {
        System.out.println("""
                usage: java -jar meshmq-bench.jar [options]
                  --host 127.0.0.1 --port 1883 --version 4|5
                  --scenario fan-in|fan-out|latency|persistent|queued-drain|idle-connections|hostile|connect-rate|resume
                  --publishers N --subscribers N --qos 0|1 --payload 64 --rate 0(unlimited)|msg/s (total)
                  --warmup 3s --duration 10s --persistent false|true --window 1024 --shared false
                  --messages 10000 (queued-drain) --connections 10000 (idle-connections)
                  --broker-pid PID (idle-connections: measure the broker's heap with jcmd and its RSS)
                  --label NAME (printed in the RESULT line)
                  hostile: --rate (good msg/s, default 10000) --bad-kind silent|garbage|mixed
                    --bad-rates 50,100,...,12800 (bad connections/s per step) --bad-max-open 10000
                    (--warmup and --duration are per step)
                  --pub-ports P1,P2 --sub-ports P3 (cluster: publishers / subscribers connect to these ports of
                    --host, round-robin; default --port)
                  --mgmt-ports M1,M2,M3 (cluster: management ports of nodes 1..N; reports the node that hosts each
                    subscriber's session entity, from /cluster/shards/Session)
                  resume: --sub-ports P (the node to kill) --pub-ports P (publisher) --reconnect-ports P,P (survivors,
                    default --pub-ports) --kill-pid PID --subscribers 12 --messages 5 --attempt-timeout 1s --timeout 180s
                java -jar meshmq-bench.jar --embedded-postgres [--pg-port 0] [--duration 2h]
                  starts PostgreSQL (fsync=on, synchronous_commit=on), prints its port, holds it (not as root)""");
    }

    public static Options parse(String[] args) {
        Options o = new Options();
        for (int i = 0; i < args.length; i++) {
            String k = args[i];
            if (!k.startsWith("--")) throw new IllegalArgumentException("unexpected argument " + k);
            if (i + 1 >= args.length) throw new IllegalArgumentException(k + " needs a value");
            String v = args[++i];
            switch (k) {
                case "--host" -> o.host = v;
                case "--port" -> o.port = Integer.parseInt(v);
                case "--scenario" -> o.scenario = v;
                case "--publishers" -> o.publishers = Integer.parseInt(v);
                case "--subscribers" -> o.subscribers = Integer.parseInt(v);
                case "--qos" -> o.qos = Integer.parseInt(v);
                case "--payload" -> o.payload = Integer.parseInt(v);
                case "--warmup" -> o.warmupMs = millis(v);
                case "--duration" -> o.durationMs = millis(v);
                case "--rate" -> o.rate = Long.parseLong(v);
                case "--persistent" -> o.persistent = Boolean.parseBoolean(v);
                case "--version" -> o.version = Integer.parseInt(v);
                case "--window" -> o.window = Integer.parseInt(v);
                case "--connections" -> o.connections = Integer.parseInt(v);
                case "--messages" -> o.messages = Integer.parseInt(v);
                case "--shared" -> o.shared = Boolean.parseBoolean(v);
                case "--broker-pid" -> o.brokerPid = Long.parseLong(v);
                case "--label" -> o.label = v;
                case "--pub-ports" -> o.pubPorts = ports(v);
                case "--sub-ports" -> o.subPorts = ports(v);
                case "--reconnect-ports" -> o.reconnectPorts = ports(v);
                case "--kill-pid" -> o.killPid = Long.parseLong(v);
                case "--mgmt-ports" -> o.mgmtPorts = ports(v);
                case "--attempt-timeout" -> o.attemptTimeoutMs = millis(v);
                case "--timeout" -> o.timeoutMs = millis(v);
                case "--bad-kind" -> o.badKind = v;
                case "--bad-rates" -> o.badRates = v;
                case "--bad-max-open" -> o.badMaxOpen = Integer.parseInt(v);
                case "--tls" -> o.tls = Boolean.parseBoolean(v);
                default -> throw new IllegalArgumentException("unknown option " + k + " (see --help)");
            }
        }
        if (o.window < 1 || o.window > 60_000) throw new IllegalArgumentException("--window must be 1..60000");
        if (o.durationMs > 3_600_000 || o.warmupMs > 600_000) throw new IllegalArgumentException("runs are capped at 1h");
        o.protocol();
        o.qosLevel();
        if (!List.of("silent", "garbage", "mixed").contains(o.badKind)) throw new IllegalArgumentException("--bad-kind must be silent, garbage or mixed");
        if (o.badRateList().isEmpty() || o.badRateList().stream().anyMatch(x -> x <= 0)) throw new IllegalArgumentException("--bad-rates needs positive rates");
        return o;
    }

    static int[] ports(String v) {
        return Arrays.stream(v.split(",")).map(String::trim).filter(x -> !x.isEmpty()).mapToInt(Integer::parseInt).toArray();
    }

    static long millis(String v) {
        v = v.trim().toLowerCase(Locale.ROOT);
        if (v.endsWith("ms")) return Long.parseLong(v.substring(0, v.length() - 2));
        if (v.endsWith("s")) return (long) (Double.parseDouble(v.substring(0, v.length() - 1)) * 1000);
        if (v.endsWith("m")) return (long) (Double.parseDouble(v.substring(0, v.length() - 1)) * 60_000);
        if (v.endsWith("h")) return (long) (Double.parseDouble(v.substring(0, v.length() - 1)) * 3_600_000);
        return (long) (Double.parseDouble(v) * 1000);
    }

    /** Runs one scenario and returns its figures (in insertion order). */
    public static Map<String, Object> run(Options o) throws Exception {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("label", o.label);
        r.put("scenario", o.scenario);
        if (o.tls) { BenchClient.Tls.enable(); r.put("tls", true); }
        switch (o.scenario) {
            case "fan-in" -> flow(o, def(o.publishers, 8), def(o.subscribers, 1), true, o.persistent, o.qosLevel(), false, r);
            case "fan-out" -> flow(o, def(o.publishers, 1), def(o.subscribers, 100), false, o.persistent, o.qosLevel(), false, r);
            case "latency" -> {
                if (o.rate == 0) o.rate = 2_000;
                flow(o, def(o.publishers, 1), def(o.subscribers, 1), true, o.persistent, o.qosLevel(), true, r);
            }
            case "persistent" -> flow(o, def(o.publishers, 8), def(o.subscribers, 1), true, true, QoS.AT_LEAST_ONCE, false, r);
            case "queued-drain" -> queuedDrain(o, r);
            case "idle-connections" -> IdleConnections.run(o, r);
            case "hostile" -> HostileLoad.run(o, r);
            case "connect-rate" -> ConnectRate.run(o, r);
            case "resume" -> Resume.run(o, r);
            default -> throw new IllegalArgumentException("unknown scenario " + o.scenario);
        }
        return r;
    }

    private static int def(int v, int d) { return v < 0 ? d : v; }

    static String runId() { return Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36); }

    static String resultLine(Map<String, Object> r) {
        StringBuilder sb = new StringBuilder("RESULT");
        r.forEach((k, v) -> sb.append(' ').append(k).append('=').append(v));
        return sb.toString();
    }

    static void log(String s) { System.out.println("[bench] " + s); }

    // ------------------------------------------------------------------------------------------ fan-in/out

    private static void flow(Options o, int pubs, int subs, boolean fanIn, boolean persistent, QoS qos,
                             boolean latency, Map<String, Object> r) throws Exception {
        ProtocolVersion v = o.protocol();
        String base = "bench/" + runId();
        String filter = fanIn ? base + "/#" : base + "/t";
        if (fanIn && o.shared) filter = "$share/bench/" + filter;
        r.put("publishers", pubs);
        r.put("subscribers", subs);
        r.put("qos", qos.value());
        r.put("persistent", persistent);
        r.put("payload", o.payload);
        r.put("rate", o.rate);
        r.put("version", o.version);
        if (o.pubPorts.length > 0 || o.subPorts.length > 0) {
            r.put("pub_ports", portList(o.pubPorts.length == 0 ? new int[]{o.port} : o.pubPorts));
            r.put("sub_ports", portList(o.subPorts.length == 0 ? new int[]{o.port} : o.subPorts));
        }
        log(String.format("%s against %s:%s (%s): %d publishers -> %d subscribers on %s, QoS %d, %d-byte payload, "
                        + "rate %s, warm-up %d ms, measured %d ms%s", o.scenario, o.host, o.pubPorts.length + o.subPorts.length == 0
                        ? String.valueOf(o.port) : "pub " + r.get("pub_ports") + " / sub " + r.get("sub_ports"), o.label, pubs, subs, filter,
                qos.value(), o.payload, o.rate == 0 ? "unlimited" : o.rate + " msg/s", o.warmupMs, o.durationMs,
                persistent ? ", persistent subscriber sessions" : ""));

        List<Subscriber> subscribers = new ArrayList<>();
        List<Publisher> publishers = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        try {
            for (int i = 0; i < subs; i++) {
                String id = "bench-sub-" + base.substring(6) + "-" + i;
                if (persistent) clearSession(o, o.subPort(i), id);
                BenchClient c = new BenchClient(o.host, o.subPort(i), id, v, (int) o.timeoutMs)
                        .connect(!persistent, 0, persistent ? 3600 : 0);
                c.subscribe(filter, qos);
                Subscriber s = new Subscriber(c, latency, 0);
                subscribers.add(s);
            }
            for (int i = 0; i < pubs; i++) {
                BenchClient c = new BenchClient(o.host, o.pubPort(i), "bench-pub-" + base.substring(6) + "-" + i, v,
                        (int) o.timeoutMs).connect(true, 0, 0);
                String topic = fanIn ? base + "/p" + i : base + "/t";
                double perPub = o.rate == 0 ? 0 : (double) o.rate / pubs;
                publishers.add(new Publisher(c, new BenchClient.PublishTemplate(topic, qos, o.payload, v), qos,
                        perPub, o.window, Long.MAX_VALUE));
            }
            if (o.mgmtPorts.length > 0) {
                StringBuilder hosts = new StringBuilder();
                for (Subscriber s : subscribers) hosts.append(hosts.length() == 0 ? "" : ",").append(SessionHome.node(o, s.client.clientId));
                r.put("sub_session_node", hosts);
                log("session entities of the subscribers on node(s) " + hosts + " (1-based, of --mgmt-ports; 0: not found)");
            }
            for (Subscriber s : subscribers) threads.add(start("sub-" + s.client.clientId, s));
            for (Publisher p : publishers) {
                threads.add(start("pub-" + p.client.clientId, p));
                if (qos != QoS.AT_MOST_ONCE) threads.add(start("ack-" + p.client.clientId, p::readAcks));
            }

            Thread.sleep(o.warmupMs);
            long s0 = received(subscribers), p0 = published(publishers), a0 = acked(publishers);
            long t0 = System.nanoTime();
            for (Subscriber s : subscribers) s.measureFrom = t0;
            Thread.sleep(o.durationMs);
            long s1 = received(subscribers), p1 = published(publishers), a1 = acked(publishers);
            long t1 = System.nanoTime();
            for (Subscriber s : subscribers) s.measureUntil = t1;
            double secs = (t1 - t0) / 1e9;

            for (Publisher p : publishers) p.stop = true;
            Thread.sleep(Math.min(2_000, 200 + o.durationMs / 10)); // let in-flight messages arrive
            long sEnd = received(subscribers);
            for (Subscriber s : subscribers) s.stop = true;

            Throwable failure = firstFailure(publishers, subscribers);
            r.put("delivered_per_s", Math.round((s1 - s0) / secs));
            r.put("published_per_s", Math.round((p1 - p0) / secs));
            if (qos != QoS.AT_MOST_ONCE) r.put("acked_per_s", Math.round((a1 - a0) / secs));
            long sent = published(publishers);
            long expected = sent * (fanIn ? (o.shared ? 1 : subs) : subs);
            r.put("sent_total", sent);
            r.put("received_total", sEnd);
            r.put("delivery_ratio", String.format(Locale.ROOT, "%.4f", expected == 0 ? 0.0 : (double) sEnd / expected));
            if (latency) latencies(subscribers, r);
            if (failure != null) r.put("error", String.valueOf(failure).replace(' ', '_'));
            log(String.format(Locale.ROOT, "delivered %,d msg/s, published %,d msg/s%s over %.1f s", Math.round((s1 - s0) / secs),
                    Math.round((p1 - p0) / secs), qos == QoS.AT_MOST_ONCE ? "" : ", acknowledged " + Math.round((a1 - a0) / secs) + " msg/s", secs));
        } finally {
            for (Publisher p : publishers) { p.stop = true; p.client.disconnect(); }
            for (Subscriber s : subscribers) { s.stop = true; s.client.disconnect(); }
            for (Thread t : threads) t.join(2_000);
            if (persistent) for (int i = 0; i < subscribers.size(); i++) clearSession(o, o.subPort(i), subscribers.get(i).client.clientId);
        }
    }

    private static Thread start(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static Throwable firstFailure(List<Publisher> ps, List<Subscriber> ss) {
        for (Publisher p : ps) if (p.failure != null) return p.failure;
        for (Subscriber s : ss) if (s.failure != null) return s.failure;
        return null;
    }

    static long received(List<Subscriber> ss) { long n = 0; for (Subscriber s : ss) n += s.received; return n; }
    static long published(List<Publisher> ps) { long n = 0; for (Publisher p : ps) n += p.sent; return n; }
    static long acked(List<Publisher> ps) { long n = 0; for (Publisher p : ps) n += p.acked; return n; }

    private static void latencies(List<Subscriber> subs, Map<String, Object> r) {
        int n = 0;
        for (Subscriber s : subs) n += s.latCount;
        long[] all = new long[n];
        int k = 0;
        for (Subscriber s : subs) { System.arraycopy(s.lat, 0, all, k, s.latCount); k += s.latCount; }
        Arrays.sort(all);
        r.put("latency_samples", n);
        if (n == 0) return;
        for (double q : new double[]{50, 90, 99, 99.9}) {
            long ns = all[Math.min(n - 1, (int) Math.ceil(q / 100 * n) - 1)];
            r.put("p" + (q == Math.rint(q) ? String.valueOf((int) q) : String.valueOf(q)).replace('.', '_') + "_ms",
                    String.format(Locale.ROOT, "%.3f", ns / 1e6));
        }
        r.put("max_ms", String.format(Locale.ROOT, "%.3f", all[n - 1] / 1e6));
        log("latency p50 " + r.get("p50_ms") + " ms, p90 " + r.get("p90_ms") + " ms, p99 " + r.get("p99_ms")
                + " ms, p99.9 " + r.get("p99_9_ms") + " ms, max " + r.get("max_ms") + " ms (" + n + " samples)");
    }

    /** Connects with a clean session and leaves, so a persistent session of that id starts empty / is removed. */
    static void clearSession(Options o, String clientId) { clearSession(o, o.port, clientId); }

    static void clearSession(Options o, int port, String clientId) {
        try (BenchClient c = new BenchClient(o.host, port, clientId, o.protocol(), (int) o.timeoutMs)) {
            c.connect(true, 0, 0);
            c.disconnect();
        } catch (IOException e) {
            log("could not clear session " + clientId + ": " + e);
        }
    }

    // ------------------------------------------------------------------------------------------ queued-drain

    private static void queuedDrain(Options o, Map<String, Object> r) throws Exception {
        ProtocolVersion v = o.protocol();
        String base = "bench/" + runId();
        String subId = "bench-drain-" + base.substring(6);
        int pubs = def(o.publishers, 1);
        int m = def(o.messages, 10_000);
        r.put("messages", m);
        r.put("publishers", pubs);
        r.put("version", o.version);
        log("queued-drain against " + o.host + ":" + o.port + " (" + o.label + "): " + m + " QoS 1 messages to an offline persistent session");
        clearSession(o, o.subPort(0), subId);
        try (BenchClient c = new BenchClient(o.host, o.subPort(0), subId, v, (int) o.timeoutMs).connect(false, 0, 3600)) {
            c.subscribe(base + "/#", QoS.AT_LEAST_ONCE);
            c.disconnect();
        }
        Thread.sleep(200); // the broker notices the disconnect

        List<Publisher> publishers = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        long tp0 = System.nanoTime();
        for (int i = 0; i < pubs; i++) {
            BenchClient c = new BenchClient(o.host, o.pubPort(i), "bench-pub-" + base.substring(6) + "-" + i, v,
                    (int) o.timeoutMs).connect(true, 0, 0);
            int count = m / pubs + (i < m % pubs ? 1 : 0);
            Publisher p = new Publisher(c, new BenchClient.PublishTemplate(base + "/p" + i, QoS.AT_LEAST_ONCE, o.payload, v),
                    QoS.AT_LEAST_ONCE, 0, o.window, count);
            p.seqBase = i == 0 ? 0 : publishers.stream().mapToLong(x -> x.limit).sum();
            publishers.add(p);
            threads.add(start("pub-" + i, p));
            threads.add(start("ack-" + i, p::readAcks));
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(o.timeoutMs);
        while (acked(publishers) < m && System.nanoTime() < deadline) Thread.sleep(1);
        long tp1 = System.nanoTime();
        long acked = acked(publishers);
        for (Publisher p : publishers) { p.stop = true; p.client.disconnect(); }
        r.put("acked", acked);
        r.put("publish_ms", Math.round((tp1 - tp0) / 1e6));
        r.put("publish_acked_per_s", Math.round(acked / ((tp1 - tp0) / 1e9)));
        log("published and acknowledged " + acked + " messages in " + r.get("publish_ms") + " ms");

        long t0 = System.nanoTime();
        BitSet seen = new BitSet(m);
        long received = 0;
        boolean present;
        long firstMs = -1;
        try (BenchClient c = new BenchClient(o.host, o.subPort(0), subId, v, 500)) {
            c.connect(false, 0, 3600);
            present = c.sessionPresent;
            deadline = t0 + TimeUnit.MILLISECONDS.toNanos(o.timeoutMs);
            while (seen.cardinality() < m && System.nanoTime() < deadline) {
                List<MqttPacket> ps;
                try {
                    ps = c.read();
                } catch (SocketTimeoutException e) {
                    continue;
                }
                for (MqttPacket p : ps) {
                    if (p instanceof MqttPacket.Publish pub) {
                        if (firstMs < 0) firstMs = (System.nanoTime() - t0) / 1_000_000;
                        received++;
                        long seq = BenchClient.getLong(pub.payload(), 8);
                        if (seq >= 0 && seq < m) seen.set((int) seq);
                        if (pub.qos() != QoS.AT_MOST_ONCE) writePubAck(c, pub.packetId());
                    }
                }
                if (!c.moreAvailable()) c.out.flush();
            }
            c.out.flush();
            c.disconnect();
        }
        long t1 = System.nanoTime();
        clearSession(o, o.subPort(0), subId);
        int unique = seen.cardinality();
        r.put("session_present", present);
        r.put("received_unique", unique);
        r.put("received_total", received);
        r.put("first_ms", firstMs);
        r.put("drain_ms", unique == m ? Math.round((t1 - t0) / 1e6) : -1);
        log("reconnected (session present: " + present + "): " + unique + " of " + m + " distinct messages ("
                + received + " in all) in " + Math.round((t1 - t0) / 1e6) + " ms" + (unique < m ? " -- INCOMPLETE" : ""));
        for (Thread t : threads) t.join(1_000);
    }

    static String portList(int[] ports) {
        StringBuilder sb = new StringBuilder();
        for (int p : ports) sb.append(sb.length() == 0 ? "" : ",").append(p);
        return sb.toString();
    }

    static void writePubAck(BenchClient c, int id) throws IOException {
        // PUBACK, remaining length 2, packet id: valid in 3.1.1 and (reason Success omitted) in 5.
        c.out.write(0x40);
        c.out.write(2);
        c.out.write(id >>> 8);
        c.out.write(id & 0xFF);
    }

    // ------------------------------------------------------------------------------------------ workers

    /** Reads PUBLISHes on one connection, counts them, acknowledges QoS 1 ones, and samples latency. */
    static final class Subscriber implements Runnable {
        final BenchClient client;
        final boolean recordLatency;
        volatile long received;
        volatile boolean stop;
        volatile long measureFrom = Long.MAX_VALUE;
        volatile long measureUntil = Long.MAX_VALUE;
        long[] lat = new long[1024];
        int latCount;
        volatile Throwable failure;

        Subscriber(BenchClient client, boolean recordLatency, int unused) {
            this.client = client;
            this.recordLatency = recordLatency;
        }

        @Override public void run() {
            long n = 0;
            try {
                client.soTimeout(200);
                while (!stop) {
                    List<MqttPacket> ps;
                    try {
                        ps = client.read();
                    } catch (SocketTimeoutException e) {
                        client.out.flush();
                        continue;
                    }
                    long now = recordLatency ? System.nanoTime() : 0;
                    for (MqttPacket p : ps) {
                        if (p instanceof MqttPacket.Publish pub) {
                            n++;
                            if (pub.qos() != QoS.AT_MOST_ONCE) writePubAck(client, pub.packetId());
                            if (recordLatency) {
                                long sentAt = BenchClient.getLong(pub.payload(), 0);
                                if (sentAt >= measureFrom && sentAt < measureUntil) {
                                    if (latCount == lat.length) lat = Arrays.copyOf(lat, lat.length * 2);
                                    lat[latCount++] = now - sentAt;
                                }
                            }
                        }
                    }
                    received = n;
                    if (!client.moreAvailable()) client.out.flush();
                }
            } catch (Throwable e) {
                if (!stop) failure = e;
            }
        }
    }

    /** Publishes as fast as allowed (or at a fixed rate), with a window of unacknowledged QoS 1 messages. */
    static final class Publisher implements Runnable {
        final BenchClient client;
        final BenchClient.PublishTemplate template;
        final QoS qos;
        final double rate;
        final Semaphore window;
        final long limit;
        long seqBase;
        volatile long sent;
        volatile long acked;
        volatile boolean stop;
        volatile Throwable failure;

        Publisher(BenchClient client, BenchClient.PublishTemplate template, QoS qos, double rate, int window, long limit) {
            this.client = client;
            this.template = template;
            this.qos = qos;
            this.rate = rate;
            this.window = new Semaphore(window);
            this.limit = limit;
        }

        @Override public void run() {
            try {
                long start = System.nanoTime();
                double interval = rate > 0 ? 1e9 / rate : 0;
                long seq = 0;
                while (!stop && seq < limit) {
                    if (rate > 0) {
                        long due = start + (long) (seq * interval);
                        long wait;
                        while ((wait = due - System.nanoTime()) > 0 && !stop) {
                            if (wait > 200_000) LockSupport.parkNanos(wait - 100_000);
                            else Thread.onSpinWait();
                        }
                    }
                    if (qos != QoS.AT_MOST_ONCE && !window.tryAcquire()) {
                        client.out.flush();
                        while (!window.tryAcquire(100, TimeUnit.MILLISECONDS)) if (stop) return;
                    }
                    template.stamp((int) (seq % 65535) + 1, System.nanoTime(), seqBase + seq);
                    client.out.write(template.bytes);
                    seq++;
                    sent = seq;
                    if (rate > 0) client.out.flush();
                }
                client.out.flush();
            } catch (Throwable e) {
                if (!stop) failure = e;
            }
        }

        /** The PUBACK reader of a QoS 1 publisher. */
        void readAcks() {
            long n = 0;
            try {
                client.soTimeout(200);
                while (!(stop && (n >= sent || Thread.currentThread().isInterrupted()))) {
                    List<MqttPacket> ps;
                    try {
                        ps = client.read();
                    } catch (SocketTimeoutException e) {
                        if (stop) return;
                        continue;
                    }
                    int k = 0;
                    for (MqttPacket p : ps) if (p instanceof MqttPacket.PubAck) k++;
                    if (k > 0) {
                        n += k;
                        acked = n;
                        window.release(k);
                    }
                }
            } catch (Throwable e) {
                if (!stop) failure = e;
            }
        }
    }

    static <T> List<T> all(List<Future<T>> fs) throws Exception {
        List<T> out = new ArrayList<>();
        for (Future<T> f : fs) out.add(f.get());
        return out;
    }

    static ExecutorService pool(int n) { return Executors.newFixedThreadPool(n); }
}
