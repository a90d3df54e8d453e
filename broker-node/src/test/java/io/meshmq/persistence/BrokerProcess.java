package io.meshmq.persistence;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A broker node in its own JVM ({@code io.meshmq.ops.Main} on the test's class path), so that the test can kill it
 * with SIGKILL and start it again. Its output goes to a log file (and the port is read from the ready line).
 */
final class BrokerProcess implements AutoCloseable {
    private static final Pattern READY = Pattern.compile("MeshMQ broker ready: MQTT on [^:]+:(\\d+)");

    private final Process process;
    private final int port;
    final String readyLine;
    final Path log;

    private BrokerProcess(Process process, String readyLine, Path log) {
        this.process = process;
        Matcher m = READY.matcher(readyLine);
        if (!m.find()) throw new IllegalArgumentException(readyLine);
        this.port = Integer.parseInt(m.group(1));
        this.readyLine = readyLine;
        this.log = log;
    }

    /**
     * Starts {@code io.meshmq.ops.Main} with {@code -Dkey=value} for each of {@code properties} and waits (at most
     * {@code timeoutSeconds}) for its ready line.
     */
    static BrokerProcess start(Path dataDir, Map<String, String> properties, Path log, long timeoutSeconds)
            throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx512m");
        cmd.add("-Dbroker.mqtt.host=127.0.0.1");
        cmd.add("-Dbroker.mqtt.port=0");
        cmd.add("-Dbroker.data-dir=" + dataDir);
        properties.forEach((k, v) -> cmd.add("-D" + k + "=" + v));
        cmd.add("-cp");
        cmd.add(testClassPath());
        cmd.add("io.meshmq.ops.Main");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().remove("BROKER_DATA_DIR");
        Process p = pb.start();
        CompletableFuture<String> ready = new CompletableFuture<>();
        Thread pump = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                 PrintWriter out = new PrintWriter(Files.newBufferedWriter(log, StandardCharsets.UTF_8,
                         StandardOpenOption.CREATE, StandardOpenOption.APPEND), true)) {
                String line;
                while ((line = in.readLine()) != null) {
                    out.println(line);
                    Matcher m = READY.matcher(line);
                    if (!ready.isDone() && m.find()) ready.complete(line);
                }
            } catch (IOException e) {
                ready.completeExceptionally(e);
            } finally {
                ready.completeExceptionally(new IllegalStateException("broker process ended before it was ready"));
            }
        }, "broker-process-output");
        pump.setDaemon(true);
        pump.start();
        try {
            String line = ready.get(timeoutSeconds, TimeUnit.SECONDS);
            return new BrokerProcess(p, line, log);
        } catch (Exception e) {
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
            throw new IllegalStateException("broker did not become ready; its log: " + log + "\n" + tail(log), e);
        }
    }

    /** Surefire may hand the test JVM a manifest-only jar; it also tells the real class path. */
    private static String testClassPath() {
        String cp = System.getProperty("surefire.test.class.path");
        return cp != null && !cp.isBlank() ? cp : System.getProperty("java.class.path");
    }

    int port() { return port; }

    long pid() { return process.pid(); }

    boolean isAlive() { return process.isAlive(); }

    /** SIGKILL (on Linux {@link Process#destroyForcibly()}), then waits for the process to be gone; the exit code. */
    int kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) throw new IllegalStateException("broker process survived SIGKILL");
        return process.exitValue();
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }
}
