package io.meshmq.bench;

import io.meshmq.codec.MqttPacket;
import io.meshmq.codec.ProtocolVersion;
import io.meshmq.codec.QoS;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Scenario {@code resume}: how long a persistent session is unavailable after its node is killed.
 *
 * <ol>
 *   <li>{@code --subscribers} persistent (Clean Session 0 / Session Expiry 3600) QoS 1 subscribers connect to the node
 *       of {@code --sub-ports} and subscribe; sharding places their session entities on any node.</li>
 *   <li>A publisher on {@code --pub-ports} sends {@code --messages} QoS 1 messages and gets every PUBACK (so they
 *       are journaled in every session). The subscribers read them and do <b>not</b> acknowledge them: they stay in
 *       the sessions, to be sent again after the resume.</li>
 *   <li>The broker process {@code --kill-pid} gets SIGKILL. Each subscriber at once reconnects (same client id,
 *       Clean Session 0) to the surviving nodes ({@code --reconnect-ports}, round-robin), each attempt bounded by
 *       {@code --attempt-timeout}, until a CONNACK arrives, then reads the messages again.</li>
 * </ol>
 * Reported per subscriber, from the kill: CONNACK (and whether the session was present), the first message again, all
 * messages again. A session whose entity was on a surviving node resumes at the first attempt; one whose entity was
 * on the killed node waits for failure detection, the Split Brain Resolver's downing and sharding's removal margin.
 */
final class Resume {
    private Resume() {}

    static final long FAST_MS = 5_000; // below this, the session's entity did not have to move

    static final class Sub {
        final int index;
        final String id;
        int attempts;
        long connackMs = -1;
        boolean present;
        long firstMs = -1;
        long allMs = -1;
        int received;
        String lastError = "";
        int home; // node (1-based, of --mgmt-ports) that hosted the session entity before the kill; 0: unknown

        Sub(int index, String id) {
            this.index = index;
            this.id = id;
        }
    }

    static void run(Bench.Options o, Map<String, Object> r) throws Exception {
        ProtocolVersion v = o.protocol();
        int subs = o.subscribers < 0 ? 12 : o.subscribers;
        int m = o.messages < 0 ? 5 : o.messages;
        if (o.killPid <= 0) throw new IllegalArgumentException("resume needs --kill-pid");
        ProcessHandle victim = ProcessHandle.of(o.killPid).orElseThrow(() -> new IllegalArgumentException("no process " + o.killPid));
        int[] reconnect = o.reconnectPorts.length > 0 ? o.reconnectPorts : o.pubPorts.length > 0 ? o.pubPorts : new int[]{o.port};
        String run = Bench.runId();
        String base = "bench/" + run;
        r.put("subscribers", subs);
        r.put("messages", m);
        r.put("version", o.version);
        r.put("sub_port", o.subPort(0));
        r.put("reconnect_ports", Bench.portList(reconnect));
        r.put("attempt_timeout_ms", o.attemptTimeoutMs);
        Bench.log("resume against " + o.host + ": " + subs + " persistent QoS 1 subscribers on port " + o.subPort(0)
                + ", publisher on " + o.pubPort(0) + ", " + m + " unacknowledged messages each; then SIGKILL to pid "
                + o.killPid + " and reconnect to " + Bench.portList(reconnect));

        List<Sub> state = new ArrayList<>();
        List<BenchClient> clients = new ArrayList<>();
        for (int i = 0; i < subs; i++) {
            Sub s = new Sub(i, "bench-resume-" + run + "-" + i);
            state.add(s);
            Bench.clearSession(o, o.subPort(i), s.id);
            BenchClient c = new BenchClient(o.host, o.subPort(i), s.id, v, (int) o.timeoutMs).connect(false, 0, 3600);
            c.subscribe(base + "/#", QoS.AT_LEAST_ONCE);
            clients.add(c);
        }

        // m acknowledged QoS 1 messages: every session holds them (journaled before the PUBACK)
        try (BenchClient p = new BenchClient(o.host, o.pubPort(0), "bench-pub-" + run, v, (int) o.timeoutMs).connect(true, 0, 0)) {
            BenchClient.PublishTemplate t = new BenchClient.PublishTemplate(base + "/t", QoS.AT_LEAST_ONCE, o.payload, v);
            for (int k = 0; k < m; k++) {
                t.stamp(k + 1, System.nanoTime(), k);
                p.out.write(t.bytes);
            }
            p.out.flush();
            int acked = 0;
            while (acked < m) if (p.next() instanceof MqttPacket.PubAck) acked++;
            p.disconnect();
        }
        // the subscribers get them and keep them unacknowledged
        for (BenchClient c : clients) {
            int n = 0;
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(o.timeoutMs);
            while (n < m && System.nanoTime() < deadline) if (c.next() instanceof MqttPacket.Publish) n++;
            if (n < m) throw new IOException(c.clientId + ": got " + n + " of " + m + " messages before the kill");
        }
        Thread.sleep(500);
        if (o.mgmtPorts.length > 0) for (Sub s : state) s.home = SessionHome.node(o, s.id);

        long t0 = System.nanoTime();
        Instant killedAt = Instant.now();
        boolean sent = victim.destroyForcibly(); // SIGKILL
        for (BenchClient c : clients) c.close(); // the client sees its socket reset
        Bench.log("killed pid " + o.killPid + " at " + killedAt + " (signal sent: " + sent + ")");
        r.put("killed_at", killedAt);

        List<Thread> threads = new ArrayList<>();
        long deadline = t0 + TimeUnit.MILLISECONDS.toNanos(o.timeoutMs);
        for (Sub s : state) {
            Thread th = new Thread(() -> reconnect(o, v, s, m, reconnect, t0, deadline), "resume-" + s.index);
            th.setDaemon(true);
            th.start();
            threads.add(th);
        }
        for (Thread th : threads) th.join(o.timeoutMs + 5_000);

        for (Sub s : state) {
            Bench.log(String.format(Locale.ROOT, "subscriber %2d (entity on node %d): CONNACK after %6d ms (attempt %d, session present %s), first message %6d ms, all %d of %d %6d ms%s",
                    s.index, s.home, s.connackMs, s.attempts, s.present, s.firstMs, s.received, m, s.allMs,
                    s.connackMs < 0 ? " -- no CONNACK; last error: " + s.lastError : ""));
        }
        long[] connack = state.stream().mapToLong(s -> s.connackMs).filter(x -> x >= 0).sorted().toArray();
        long[] first = state.stream().mapToLong(s -> s.firstMs).filter(x -> x >= 0).sorted().toArray();
        long[] fastC = Arrays.stream(connack).filter(x -> x < FAST_MS).toArray();
        long[] slowC = Arrays.stream(connack).filter(x -> x >= FAST_MS).toArray();
        long[] slowF = state.stream().filter(s -> s.connackMs >= FAST_MS && s.firstMs >= 0).mapToLong(s -> s.firstMs).sorted().toArray();
        r.put("resumed", connack.length);
        r.put("session_present", state.stream().filter(s -> s.present).count());
        r.put("complete", state.stream().filter(s -> s.received >= m).count());
        r.put("fast", fastC.length);
        r.put("slow", slowC.length);
        r.put("connack_fast_max_ms", max(fastC));
        r.put("connack_slow_min_ms", min(slowC));
        r.put("connack_slow_median_ms", median(slowC));
        r.put("connack_max_ms", max(connack));
        r.put("first_msg_slow_median_ms", median(slowF));
        r.put("first_msg_max_ms", max(first));
        if (o.mgmtPorts.length > 0) {
            StringBuilder homes = new StringBuilder();
            for (Sub s : state) homes.append(homes.length() == 0 ? "" : ",").append(s.home);
            r.put("entity_nodes", homes);
        }
        Bench.log("resumed " + connack.length + " of " + subs + " (" + r.get("session_present") + " with session present, "
                + r.get("complete") + " with all " + m + " messages): " + fastC.length + " at once (max " + max(fastC)
                + " ms), " + slowC.length + " after their entity moved (CONNACK median " + median(slowC) + " ms, first message median "
                + median(slowF) + " ms)");
        for (Sub s : state) Bench.clearSession(o, reconnect[s.index % reconnect.length], s.id);
    }

    private static void reconnect(Bench.Options o, ProtocolVersion v, Sub s, int m, int[] ports, long t0, long deadline) {
        BitSet seen = new BitSet(m);
        while (System.nanoTime() < deadline && s.connackMs < 0) {
            int port = ports[(s.index + s.attempts) % ports.length];
            s.attempts++;
            try (BenchClient c = new BenchClient(o.host, port, s.id, v, (int) o.attemptTimeoutMs)) {
                c.connect(false, 0, 3600);
                s.connackMs = ms(t0);
                s.present = c.sessionPresent;
                c.soTimeout(200);
                long readUntil = Math.min(deadline, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.max(5_000, o.timeoutMs / 4)));
                while (seen.cardinality() < m && System.nanoTime() < readUntil) {
                    List<MqttPacket> ps;
                    try {
                        ps = c.read();
                    } catch (SocketTimeoutException e) {
                        continue;
                    }
                    for (MqttPacket p : ps) {
                        if (p instanceof MqttPacket.Publish pub) {
                            if (s.firstMs < 0) s.firstMs = ms(t0);
                            long seq = BenchClient.getLong(pub.payload(), 8);
                            if (seq >= 0 && seq < m) seen.set((int) seq);
                            Bench.writePubAck(c, pub.packetId());
                        }
                    }
                    c.out.flush();
                }
                s.received = seen.cardinality();
                if (s.received >= m) s.allMs = ms(t0);
                c.disconnect();
            } catch (IOException e) {
                s.lastError = String.valueOf(e);
                if (s.connackMs >= 0) return; // lost after the CONNACK: report what came
                try {
                    Thread.sleep(50);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    private static long ms(long t0) { return (System.nanoTime() - t0) / 1_000_000; }

    private static long max(long[] a) { return a.length == 0 ? -1 : a[a.length - 1]; }

    private static long min(long[] a) { return a.length == 0 ? -1 : a[0]; }

    private static long median(long[] a) { return a.length == 0 ? -1 : a[a.length / 2]; }
}
