package io.meshmq.it;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.meshmq.ops.Broker;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** A broker started in the test's JVM on a free port, with its journal in a fresh temporary directory. */
public final class BrokerFixture implements AutoCloseable {
    public final Path dataDir;
    public final Broker broker;

    private BrokerFixture(Path dataDir, Broker broker) {
        this.dataDir = dataDir;
        this.broker = broker;
    }

    public static BrokerFixture start() throws Exception {
        return start(Map.of());
    }

    public static BrokerFixture start(Map<String, Object> overrides) throws Exception {
        Path dir = Files.createTempDirectory("meshmq-test");
        return start(dir, overrides);
    }

    public static BrokerFixture start(Path dataDir, Map<String, Object> overrides) throws Exception {
        Map<String, Object> m = new HashMap<>();
        m.put("broker.data-dir", dataDir.toString());
        m.put("broker.mqtt.host", "127.0.0.1");
        m.put("broker.mqtt.port", 0);
        // several brokers may run in one JVM: the management server (default 8558) on a free port
        m.put("broker.management.host", "127.0.0.1");
        m.put("broker.management.port", 0);
        m.putAll(overrides);
        Config config = Broker.loadConfig(ConfigFactory.parseMap(m));
        return new BrokerFixture(dataDir, Broker.start(config));
    }

    public int port() { return broker.mqttPort(); }

    public String tcpUri() { return "tcp://127.0.0.1:" + port(); }

    /** The ws:// listener's port (broker.websocket.enabled), -1 when off. */
    public int webSocketPort() { return broker.webSocketPort(); }

    /** The wss:// listener's port (broker.websocket.tls.enabled), -1 when off. */
    public int webSocketTlsPort() { return broker.webSocketTlsPort(); }

    @Override
    public void close() { broker.close(); }
}
