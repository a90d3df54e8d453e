package io.meshmq.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * The {@code broker.cluster} settings: whether this node is part of a multi-node cluster, and the Pekko settings
 * they stand for ({@code host}/{@code port} → Artery's canonical address, {@code seed-nodes} "H1:N1,H2:N2" →
 * {@code pekko.cluster.seed-nodes} as {@code pekko://meshmq@H:N}).
 */
public final class ClusterMode {
    /** The actor system's name; seed-node addresses must use it. */
    public static final String SYSTEM_NAME = "meshmq";

    private ClusterMode() {}

    /** {@code config} with the Pekko settings that {@code broker.cluster.*} stand for. */
    public static Config apply(Config config) {
        Config c = config.getConfig("broker.cluster");
        Config out = ConfigFactory.empty();
        String host = c.getString("host");
        if (!host.isEmpty()) {
            out = out.withValue("pekko.remote.artery.canonical.hostname", ConfigValueFactory.fromAnyRef(host));
        }
        int port = c.getInt("port");
        if (port >= 0) {
            out = out.withValue("pekko.remote.artery.canonical.port", ConfigValueFactory.fromAnyRef(port));
        }
        List<String> seeds = seedNodes(c.getString("seed-nodes"));
        if (!seeds.isEmpty()) {
            out = out.withValue("pekko.cluster.seed-nodes", ConfigValueFactory.fromIterable(seeds));
        }
        return out.withFallback(config).resolve();
    }

    /** "H1:N1, H2:N2" → ["pekko://meshmq@H1:N1", ...]; full {@code pekko://} addresses are kept as they are. */
    static List<String> seedNodes(String list) {
        List<String> out = new ArrayList<>();
        for (String s : list.split(",")) {
            String t = s.trim();
            if (t.isEmpty()) continue;
            if (t.startsWith("pekko://")) { out.add(t); continue; }
            if (t.lastIndexOf(':') <= 0) throw new IllegalArgumentException("broker.cluster.seed-nodes: expected host:port, got " + t);
            out.add("pekko://" + SYSTEM_NAME + "@" + t);
        }
        return out;
    }

    /** Clustered: {@code broker.cluster.enabled}, or seed nodes are set (after {@link #apply}). */
    public static boolean enabled(Config full) {
        return full.getBoolean("broker.cluster.enabled") || !full.getStringList("pekko.cluster.seed-nodes").isEmpty();
    }
}
