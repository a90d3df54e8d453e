package io.meshmq.bench;

import io.meshmq.codec.ProtocolVersion;
import io.meshmq.codec.QoS;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The {@code hostile} scenario: how many bad connections per second one node absorbs while its well-behaved clients
 * keep at least 90 % of their throughput. Well-behaved publishers send at a fixed total rate ({@code --rate}, QoS
 * {@code --qos}) to subscribers; first the baseline is measured, then each step adds bad connections at a given rate
 * ({@code --bad-rates}) and measures again. Bad connections ({@code --bad-kind}): {@code silent} sockets that never
 * send a byte (held until the broker's CONNECT timeout closes them, at most {@code --bad-max-open} at a time on this
 * side), {@code garbage} sockets that send random bytes and close, or {@code mixed} (alternating). The figure,
 * {@code absorbed_bad_per_s}, is the bad-connection rate actually achieved in the highest step whose good throughput
 * stayed at or above 90 % of the baseline, counted as connections the broker accepted (TCP handshake done; a
 * broker that accepts more slowly than offered absorbs only what it accepts); steps stop after the first one below.
 */
final class HostileLoad {
    private HostileLoad() {}

    static final double KEEP = 0.90;

    static void run(Bench.Options o, Map<String, Object> r) throws Exception {
        ProtocolVersion v = o.protocol();
        QoS qos = o.qosLevel();
        int pubs = o.publishers < 0 ? 4 : o.publishers;
        int subs = o.subscribers < 0 ? 1 : o.subscribers;
        long rate = o.rate == 0 ? 10_000 : o.rate;
        String base = "bench/" + Bench.runId();
        r.put("publishers", pubs);
        r.put("subscribers", subs);
        r.put("qos", qos.value());
        r.put("rate", rate);
        r.put("bad_kind", o.badKind);
        Bench.log(String.format("hostile against %s:%d (%s): %d publishers -> %d subscribers, QoS %d, %d msg/s in all; "
                        + "bad %s connections at %s/s, warm-up %d ms and %d ms measured per step", o.host, o.port, o.label,
                pubs, subs, qos.value(), rate, o.badKind, o.badRates, o.warmupMs, o.durationMs));

        List<Bench.Subscriber> subscribers = new ArrayList<>();
        List<Bench.Publisher> publishers = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        try {
            for (int i = 0; i < subs; i++) {
                BenchClient c = new BenchClient(o.host, o.port, "bench-sub-" + base.substring(6) + "-" + i, v, (int) o.timeoutMs)
                        .connect(true, 0, 0);
                c.subscribe(base + "/#", qos);
                subscribers.add(new Bench.Subscriber(c, false, 0));
            }
            for (int i = 0; i < pubs; i++) {
                BenchClient c = new BenchClient(o.host, o.port, "bench-pub-" + base.substring(6) + "-" + i, v, (int) o.timeoutMs)
                        .connect(true, 0, 0);
                publishers.add(new Bench.Publisher(c, new BenchClient.PublishTemplate(base + "/p" + i, qos, o.payload, v), qos,
                        (double) rate / pubs, o.window, Long.MAX_VALUE));
            }
            for (Bench.Subscriber s : subscribers) threads.add(start("sub-" + s.client.clientId, s));
            for (Bench.Publisher p : publishers) {
                threads.add(start("pub-" + p.client.clientId, p));
                if (qos != QoS.AT_MOST_ONCE) threads.add(start("ack-" + p.client.clientId, p::readAcks));
            }

            Thread.sleep(o.warmupMs);
            double baseline = measure(subscribers, o.durationMs);
            r.put("baseline_per_s", Math.round(baseline));
            Bench.log(String.format(Locale.ROOT, "baseline: %,.0f msg/s delivered", baseline));
            long absorbed = 0;
            for (long badRate : o.badRateList()) {
                Generator g = new Generator(o, badRate);
                try {
                    g.start();
                    Thread.sleep(o.warmupMs);
                    long attempted0 = g.attempted.get(), opened0 = g.opened.get();
                    long t0 = System.nanoTime();
                    double good = measure(subscribers, o.durationMs);
                    double secs = (System.nanoTime() - t0) / 1e9;
                    double offered = (g.attempted.get() - attempted0) / secs;
                    double achieved = (g.opened.get() - opened0) / secs;
                    double ratio = baseline == 0 ? 0 : good / baseline;
                    String k = "step_" + badRate;
                    r.put(k + "_offered_per_s", Math.round(offered));
                    r.put(k + "_bad_per_s", Math.round(achieved));
                    r.put(k + "_good_per_s", Math.round(good));
                    r.put(k + "_ratio", String.format(Locale.ROOT, "%.3f", ratio));
                    Bench.log(String.format(Locale.ROOT, "bad %s at %,d/s (offered %,.0f/s, accepted by the broker %,.0f/s, %d errors): "
                                    + "good %,.0f msg/s = %.1f %% of baseline",
                            o.badKind, badRate, offered, achieved, g.errors.get(), good, ratio * 100));
                    Throwable failure = firstFailure(publishers, subscribers);
                    if (failure != null) {
                        r.put("error", String.valueOf(failure).replace(' ', '_'));
                        break;
                    }
                    if (ratio < KEEP) break;
                    absorbed = Math.round(achieved);
                } finally {
                    g.stop();
                }
                Thread.sleep(Math.min(2_000, o.warmupMs));   // let the broker close what is left before the next step
            }
            r.put("absorbed_bad_per_s", absorbed);
            Bench.log(String.format(Locale.ROOT, "absorbed: %,d bad connections/s with the good clients at >= %.0f %% of their throughput",
                    absorbed, KEEP * 100));
        } finally {
            for (Bench.Publisher p : publishers) { p.stop = true; p.client.disconnect(); }
            for (Bench.Subscriber s : subscribers) { s.stop = true; s.client.disconnect(); }
            for (Thread t : threads) t.join(2_000);
        }
    }

    /** Messages per second the subscribers receive over {@code millis}. */
    static double measure(List<Bench.Subscriber> subscribers, long millis) throws InterruptedException {
        long s0 = Bench.received(subscribers), t0 = System.nanoTime();
        Thread.sleep(millis);
        long s1 = Bench.received(subscribers), t1 = System.nanoTime();
        return (s1 - s0) / ((t1 - t0) / 1e9);
    }

    private static Throwable firstFailure(List<Bench.Publisher> ps, List<Bench.Subscriber> ss) {
        for (Bench.Publisher p : ps) if (p.failure != null) return p.failure;
        for (Bench.Subscriber s : ss) if (s.failure != null) return s.failure;
        return null;
    }

    private static Thread start(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /**
     * Opens bad connections at a fixed rate until stopped, with non-blocking connects on one selector thread, so a
     * broker that accepts slowly does not slow the offered rate down (pending connects count as attempted). Holds at
     * most {@code --bad-max-open} sockets (oldest closed first); closes everything at stop.
     */
    static final class Generator {
        final Bench.Options o;
        final long rate;
        /** Connections attempted, and those the broker accepted (TCP handshake done). */
        final AtomicLong attempted = new AtomicLong();
        final AtomicLong opened = new AtomicLong();
        final AtomicLong errors = new AtomicLong();
        private Thread thread;
        volatile boolean stop;

        Generator(Bench.Options o, long rate) {
            this.o = o;
            this.rate = rate;
        }

        void start() {
            thread = new Thread(this::loop, "bad-connections");
            thread.setDaemon(true);
            thread.start();
        }

        void stop() throws InterruptedException {
            stop = true;
            thread.join(10_000);
        }

        private void loop() {
            Random random = new Random(rate);
            InetSocketAddress broker = new InetSocketAddress(o.host, o.port);
            ArrayDeque<SocketChannel> held = new ArrayDeque<>();   // oldest first; closed ones are skipped
            int[] open = {0};
            double interval = 1e9 / rate;
            long t0 = System.nanoTime();
            long n = 0;
            try (Selector selector = Selector.open()) {
                while (!stop) {
                    long due = (long) ((System.nanoTime() - t0) / interval);
                    for (int burst = 0; n < due && burst < 1_000 && !stop; n++, burst++) {
                        boolean garbage = switch (o.badKind) {
                            case "garbage" -> true;
                            case "silent" -> false;
                            default -> (n & 1) == 1;
                        };
                        SocketChannel ch;
                        try {
                            ch = SocketChannel.open();
                        } catch (IOException outOfDescriptors) {
                            errors.incrementAndGet();
                            continue;
                        }
                        open[0]++;
                        held.add(ch);
                        attempted.incrementAndGet();
                        try {
                            ch.configureBlocking(false);
                            if (ch.connect(broker)) connected(ch, garbage, random, open);
                            else ch.register(selector, SelectionKey.OP_CONNECT, garbage);
                        } catch (IOException e) {
                            errors.incrementAndGet();
                            close(ch, open);
                        }
                        while (open[0] > o.badMaxOpen && !held.isEmpty()) close(held.poll(), open);
                    }
                    while (!held.isEmpty() && !held.peek().isOpen()) held.poll();
                    selector.select(1);
                    for (SelectionKey k : selector.selectedKeys()) {
                        SocketChannel ch = (SocketChannel) k.channel();
                        try {
                            if (k.isValid() && k.isConnectable() && ch.finishConnect()) {
                                k.cancel();
                                connected(ch, (Boolean) k.attachment(), random, open);
                            }
                        } catch (IOException e) {
                            errors.incrementAndGet();
                            close(ch, open);
                        }
                    }
                    selector.selectedKeys().clear();
                }
            } catch (IOException e) {
                errors.incrementAndGet();
            } finally {
                for (SocketChannel ch : held) close(ch, open);
            }
        }

        private void connected(SocketChannel ch, boolean garbage, Random random, int[] open) throws IOException {
            opened.incrementAndGet();
            if (garbage) {
                byte[] junk = new byte[16 + random.nextInt(240)];
                random.nextBytes(junk);
                ch.write(ByteBuffer.wrap(junk));   // a fresh socket's buffer takes it at once
                close(ch, open);
            }
        }

        private static void close(SocketChannel ch, int[] open) {
            if (!ch.isOpen()) return;
            open[0]--;
            try { ch.close(); } catch (IOException ignored) { }
        }
    }
}
