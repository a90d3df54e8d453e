package io.meshmq.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A broker node in its own JVM ({@code io.meshmq.ops.Main} on the test's class path), as an operator starts it, so
 * that a test can stop it with SIGTERM or kill it with SIGKILL and start it again. Its output goes to a log file; the
 * port is read from the ready line.
 */
public final class BrokerProcess implements AutoCloseable {
    private static final Pattern READY = Pattern.compile("MeshMQ broker ready: MQTT on [^:]+:(\\d+)[^\\n]*");

    private final Process process;
    private final int port;
    public final String readyLine;
    public final Path log;

    private BrokerProcess(Process process, int port, String readyLine, Path log) {
        this.process = process;
        this.port = port;
        this.readyLine = readyLine;
        this.log = log;
    }

    /** Starts the broker with {@code -Dkey=value} for each property and waits for its ready line. */
    public static BrokerProcess start(Path dataDir, Map<String, String> properties, Path log, long timeoutSeconds)
            throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx512m");
        cmd.add("-Dbroker.mqtt.host=127.0.0.1");
        cmd.add("-Dbroker.mqtt.port=0");
        cmd.add("-Dbroker.management.host=127.0.0.1");
        cmd.add("-Dbroker.management.port=0");
        cmd.add("-Dbroker.data-dir=" + dataDir);
        properties.forEach((k, v) -> cmd.add("-D" + k + "=" + v));
        cmd.add("-cp");
        cmd.add(testClassPath());
        cmd.add("io.meshmq.ops.Main");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().remove("BROKER_DATA_DIR");
        Process p = pb.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        while (System.nanoTime() < deadline && p.isAlive()) {
            Matcher m = READY.matcher(read(log));
            if (m.find()) return new BrokerProcess(p, Integer.parseInt(m.group(1)), m.group(), log);
            Thread.sleep(100);
        }
        p.destroyForcibly();
        p.waitFor(30, TimeUnit.SECONDS);
        throw new IllegalStateException("broker did not become ready; its log: " + log + "\n" + tail(log));
    }

    /** Surefire may hand the test JVM a manifest-only jar; it also tells the real class path. */
    private static String testClassPath() {
        String cp = System.getProperty("surefire.test.class.path");
        return cp != null && !cp.isBlank() ? cp : System.getProperty("java.class.path");
    }

    public int port() { return port; }

    public long pid() { return process.pid(); }

    public boolean isAlive() { return process.isAlive(); }

    /** SIGKILL, then waits for the process to be gone; returns the exit code. */
    public int kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) throw new IllegalStateException("broker process survived SIGKILL");
        return process.exitValue();
    }

    /** SIGTERM, as Kubernetes or systemd stop a process. */
    public void terminate() { process.destroy(); }

    public boolean awaitExit(long seconds) throws InterruptedException {
        return process.waitFor(seconds, TimeUnit.SECONDS);
    }

    public String output() { return read(log); }

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

    private static String read(Path log) {
        try {
            return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "";
        }
    }

    public static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }
}
