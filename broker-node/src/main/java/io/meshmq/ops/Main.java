package io.meshmq.ops;

/**
 * {@code java -jar broker-node.jar}: starts one broker node with the configuration from system properties,
 * {@code -Dconfig.file=...} (or {@code -Dconfig.resource=cluster-config/postgres.conf}) and reference.conf.
 * SIGTERM stops it cleanly through Pekko's coordinated shutdown.
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) throws Exception {
        Broker broker = Broker.start(Broker.loadConfig());
        broker.system().getWhenTerminated().toCompletableFuture().join();
    }
}
