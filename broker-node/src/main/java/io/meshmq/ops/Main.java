package io.meshmq.ops;

import io.meshmq.auth.PasswdCommand;

/**
 * {@code java -jar broker-node.jar}: starts one broker node with the configuration from system properties,
 * {@code -Dconfig.file=...} (or {@code -Dconfig.resource=cluster-config/postgres.conf}) and reference.conf.
 * SIGTERM stops it cleanly through Pekko's coordinated shutdown.
 * {@code java -jar broker-node.jar passwd FILE add|change|remove USER}: edits a password file (docs/security.md).
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("passwd")) {
            System.exit(PasswdCommand.run(java.util.Arrays.copyOfRange(args, 1, args.length), System.in, System.out, System.err));
        }
        Broker broker = Broker.start(Broker.loadConfig());
        broker.system().getWhenTerminated().toCompletableFuture().join();
    }
}
