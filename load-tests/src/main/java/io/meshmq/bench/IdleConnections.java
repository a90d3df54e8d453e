package io.meshmq.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Opens N idle MQTT connections (CONNECT with keep-alive 60, clean session), holds them for the duration, closes
 * them. With {@code --broker-pid} it measures the broker process before and after: its live heap after a full GC
 * (jcmd GC.run, then GC.heap_info; JVM brokers only) and its resident set size (/proc, any broker).
 * Needs {@code ulimit -n} above N.
 */
final class IdleConnections {
    private IdleConnections() {}

    private static final Pattern USED = Pattern.compile("used (\\d+)K");

    static void run(Bench.Options o, Map<String, Object> r) throws Exception {
        int n = o.connections;
        String run = Bench.runId();
        r.put("connections", n);
        r.put("version", o.version);
        Bench.log("idle-connections against " + o.host + ":" + o.port + " (" + o.label + "): " + n
                + " connections, keep-alive 60 s, held " + o.durationMs + " ms");
        long heap0 = heapKiB(o.brokerPid), rss0 = rssKiB(o.brokerPid);
        List<BenchClient> clients = java.util.Collections.synchronizedList(new ArrayList<>(n));
        AtomicInteger next = new AtomicInteger();
        long t0 = System.nanoTime();
        long deadline = t0 + TimeUnit.MILLISECONDS.toNanos(Math.max(o.timeoutMs, 120_000));
        ExecutorService pool = Executors.newFixedThreadPool(16);
        List<Future<?>> fs = new ArrayList<>();
        for (int t = 0; t < 16; t++) {
            fs.add(pool.submit(() -> {
                int i;
                while ((i = next.getAndIncrement()) < n && System.nanoTime() < deadline) {
                    BenchClient c = new BenchClient(o.host, o.port, "bench-idle-" + run + "-" + i, o.protocol(), (int) o.timeoutMs, 512);
                    try {
                        c.connect(true, 60, 0);
                    } catch (IOException e) {
                        c.close();
                        throw e;
                    }
                    clients.add(c);
                }
                return null;
            }));
        }
        Throwable failure = null;
        for (Future<?> f : fs) {
            try { f.get(); } catch (Exception e) { if (failure == null) failure = e.getCause(); }
        }
        pool.shutdown();
        long t1 = System.nanoTime();
        int open = clients.size();
        r.put("open", open);
        r.put("connect_per_s", Math.round(open / ((t1 - t0) / 1e9)));
        Bench.log(open + " connections open in " + Math.round((t1 - t0) / 1e6) + " ms" + (failure == null ? "" : " (stopped: " + failure + ")"));
        Thread.sleep(Math.min(o.durationMs, 55_000));
        long heap1 = heapKiB(o.brokerPid), rss1 = rssKiB(o.brokerPid);
        if (heap0 >= 0 && heap1 >= 0 && open > 0) {
            r.put("heap_before_kib", heap0);
            r.put("heap_after_kib", heap1);
            r.put("heap_per_conn_kib", String.format(Locale.ROOT, "%.2f", (heap1 - heap0) / (double) open));
        }
        if (rss0 >= 0 && rss1 >= 0 && open > 0) {
            r.put("rss_before_kib", rss0);
            r.put("rss_after_kib", rss1);
            r.put("rss_per_conn_kib", String.format(Locale.ROOT, "%.2f", (rss1 - rss0) / (double) open));
        }
        if (failure != null) r.put("error", String.valueOf(failure).replace(' ', '_'));
        Bench.log("broker heap " + heap0 + " -> " + heap1 + " KiB, RSS " + rss0 + " -> " + rss1 + " KiB"
                + (r.containsKey("heap_per_conn_kib") ? ", heap per connection " + r.get("heap_per_conn_kib") + " KiB" : ""));
        for (BenchClient c : clients) c.disconnect();
    }

    /** Live heap of a JVM after a full GC, in KiB; -1 when the pid is not given or not a JVM we can attach to. */
    static long heapKiB(long pid) {
        if (pid <= 0) return -1;
        try {
            jcmd(pid, "GC.run");
            jcmd(pid, "GC.run");
            String info = jcmd(pid, "GC.heap_info");
            Matcher m = USED.matcher(info);
            return m.find() ? Long.parseLong(m.group(1)) : -1;
        } catch (Exception e) {
            return -1;
        }
    }

    static long rssKiB(long pid) {
        if (pid <= 0) return -1;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        } catch (Exception ignored) {
        }
        return -1;
    }

    private static String jcmd(long pid, String command) throws Exception {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IOException("jcmd " + command + ": " + out);
        return out;
    }
}
