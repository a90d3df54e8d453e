package io.meshmq.bench;

import io.meshmq.codec.ProtocolVersion;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Connection set-up rate: {@code --publishers} workers (default 4) each open a connection, send CONNECT, wait for
 * CONNACK, send DISCONNECT and close, again and again. With {@code --tls true} every connection is a full TLS
 * handshake (no session resumption is attempted), so plain and TLS runs give the cost of the handshake.
 */
final class ConnectRate {
    private ConnectRate() {}

    static void run(Bench.Options o, Map<String, Object> r) throws Exception {
        int workers = o.publishers < 0 ? 4 : o.publishers;
        ProtocolVersion v = o.protocol();
        String run = Bench.runId();
        r.put("workers", workers);
        r.put("version", o.version);
        Bench.log("connect-rate against " + o.host + ":" + o.port + " (" + o.label + "): " + workers + " workers"
                + (o.tls ? ", TLS" : "") + ", warm-up " + o.warmupMs + " ms, measured " + o.durationMs + " ms");
        long start = System.nanoTime();
        long measureFrom = start + o.warmupMs * 1_000_000L;
        long end = measureFrom + o.durationMs * 1_000_000L;
        AtomicLong failures = new AtomicLong();
        List<long[]> samples = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < workers; w++) {
            int worker = w;
            long[] lat = new long[2_000_000];
            samples.add(lat);
            Thread t = new Thread(() -> {
                int n = 0;
                long i = 0;
                while (true) {
                    long t0 = System.nanoTime();
                    if (t0 >= end) break;
                    try (BenchClient c = new BenchClient(o.host, o.port, "bench-conn-" + run + "-" + worker + "-" + (i++), v,
                            (int) o.timeoutMs, 4096)) {
                        c.connect(true, 0, 0);
                        c.disconnect();
                    } catch (Exception e) {
                        failures.incrementAndGet();
                        continue;
                    }
                    long t1 = System.nanoTime();
                    if (t0 >= measureFrom && n < lat.length) lat[n++] = t1 - t0;
                }
                lat[lat.length - 1] = n;   // the count, in the last slot
            }, "connect-rate-" + w);
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) t.join();
        int total = 0;
        for (long[] l : samples) total += (int) l[l.length - 1];
        long[] all = new long[total];
        int k = 0;
        for (long[] l : samples) {
            int n = (int) l[l.length - 1];
            System.arraycopy(l, 0, all, k, n);
            k += n;
        }
        Arrays.sort(all);
        r.put("connects_per_s", Math.round(total / (o.durationMs / 1000.0)));
        r.put("p50_ms", total == 0 ? "-" : String.format("%.2f", all[total / 2] / 1e6));
        r.put("p99_ms", total == 0 ? "-" : String.format("%.2f", all[Math.min(total - 1, (int) (total * 0.99))] / 1e6));
        r.put("failures", failures.get());
    }
}
