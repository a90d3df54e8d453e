package io.meshmq.ops;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The broker's {@link Main} in a separate JVM, as an operator starts it, its output going to a log file. */
final class BrokerProcess implements AutoCloseable {
    private static final Pattern READY = Pattern.compile("MeshMQ broker ready: MQTT on [^:]+:(\\d+)");

    final Process process;
    final int port;
    final Path log;

    private BrokerProcess(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    static BrokerProcess start(Path dataDir, String... extraProperties) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx512m");
        cmd.add("-Dbroker.mqtt.host=127.0.0.1");
        cmd.add("-Dbroker.mqtt.port=0");
        cmd.add("-Dbroker.data-dir=" + dataDir);
        cmd.addAll(List.of(extraProperties));
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Main.class.getName());
        Path log = Files.createTempFile(dataDir.getParent(), "broker-", ".log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline) {
            Matcher m = READY.matcher(Files.readString(log, StandardCharsets.UTF_8));
            if (m.find()) return new BrokerProcess(p, Integer.parseInt(m.group(1)), log);
            if (!p.isAlive()) break;
            Thread.sleep(100);
        }
        p.destroyForcibly();
        throw new IllegalStateException("broker did not become ready: " + Files.readString(log, StandardCharsets.UTF_8));
    }

    boolean awaitExit(long seconds) throws InterruptedException {
        return process.waitFor(seconds, TimeUnit.SECONDS);
    }

    String output() throws java.io.IOException {
        return Files.readString(log, StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws Exception {
        if (process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }
}
