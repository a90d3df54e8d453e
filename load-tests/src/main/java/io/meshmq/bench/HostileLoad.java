package io.meshmq.bench;

import io.meshmq.codec.ProtocolVersion;
import io.meshmq.codec.QoS;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
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
 * stayed at or above 90 % of the baseline; steps stop after the first one below.
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
                    long opened0 = g.opened.get();
                    long t0 = System.nanoTime();
                    double good = measure(subscribers, o.durationMs);
                    double achieved = (g.opened.get() - opened0) / ((System.nanoTime() - t0) / 1e9);
                    double ratio = baseline == 0 ? 0 : good / baseline;
                    String k = "step_" + badRate;
                    r.put(k + "_bad_per_s", Math.round(achieved));
                    r.put(k + "_good_per_s", Math.round(good));
                    r.put(k + "_ratio", String.format(Locale.ROOT, "%.3f", ratio));
                    Bench.log(String.format(Locale.ROOT, "bad %s at %,d/s (achieved %,.0f/s, %d connect errors): good %,.0f msg/s = %.1f %% of baseline",
                            o.badKind, badRate, achieved, g.errors.get(), good, ratio * 100));
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

    /** Opens bad connections at a fixed rate on two threads until stopped; closes everything it holds at stop. */
    static final class Generator {
        static final int THREADS = 2;
        final Bench.Options o;
        final long rate;
        final AtomicLong opened = new AtomicLong();
        final AtomicLong errors = new AtomicLong();
        final List<Thread> threads = new ArrayList<>();
        volatile boolean stop;

        Generator(Bench.Options o, long rate) {
            this.o = o;
            this.rate = rate;
        }

        void start() {
            for (int i = 0; i < THREADS; i++) {
                int id = i;
                Thread t = new Thread(() -> loop(id), "bad-" + i);
                t.setDaemon(true);
                t.start();
                threads.add(t);
            }
        }

        void stop() throws InterruptedException {
            stop = true;
            for (Thread t : threads) t.join(10_000);
        }

        private void loop(int id) {
            Random random = new Random(id);
            ArrayDeque<Socket> silent = new ArrayDeque<>();
            int maxOpen = Math.max(1, o.badMaxOpen / THREADS);
            double interval = 1e9 * THREADS / rate;
            long t0 = System.nanoTime();
            try {
                for (long n = 0; !stop; n++) {
                    long due = t0 + (long) (n * interval);
                    long wait;
                    while ((wait = due - System.nanoTime()) > 0 && !stop) LockSupport.parkNanos(Math.min(wait, 50_000_000));
                    if (stop) break;
                    boolean garbage = switch (o.badKind) {
                        case "garbage" -> true;
                        case "silent" -> false;
                        default -> (n & 1) == 1;
                    };
                    Socket s = new Socket();
                    try {
                        s.connect(new InetSocketAddress(o.host, o.port), (int) o.timeoutMs);
                        opened.incrementAndGet();
                        if (garbage) {
                            byte[] junk = new byte[16 + random.nextInt(240)];
                            random.nextBytes(junk);
                            s.getOutputStream().write(junk);
                            s.close();
                        } else {
                            silent.add(s);
                            while (silent.size() > maxOpen) silent.poll().close();
                        }
                    } catch (IOException e) {
                        errors.incrementAndGet();
                        s.close();
                    }
                }
            } catch (IOException ignored) {
                // closing failed: nothing to do
            } finally {
                for (Socket s : silent) {
                    try { s.close(); } catch (IOException ignored) { }
                }
            }
        }
    }
}
