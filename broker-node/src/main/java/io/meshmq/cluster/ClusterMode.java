package io.meshmq.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The {@code broker.cluster} settings: whether this node is part of a multi-node cluster, and the Pekko settings
 * they stand for ({@code host}/{@code port} → Artery's canonical address, {@code seed-nodes} "H1:N1,H2:N2" →
 * {@code pekko.cluster.seed-nodes} as {@code pekko://meshmq@H:N}), and the bootstrap contact points of
 * {@code broker.management.contact-points}.
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
        return bootstrapContactPoints(config).withFallback(out).withFallback(config).resolve();
    }

    /**
     * {@code broker.management.contact-points} "H1:P1,H2:P2" (every node's management endpoint) → Pekko Discovery's
     * {@code config} method as cluster bootstrap's discovery, for nodes without Kubernetes; nothing when empty.
     */
    static Config bootstrapContactPoints(Config config) {
        Config management = config.getConfig("broker.management");
        String bootstrap = "pekko.management.cluster.bootstrap.";
        Config out = ConfigFactory.empty();
        int required = management.getInt("required-contact-points");
        if (required > 0) {
            out = out.withValue(bootstrap + "contact-point-discovery.required-contact-point-nr", ConfigValueFactory.fromAnyRef(required));
        }
        List<Map<String, Object>> endpoints = new ArrayList<>();
        for (String s : management.getString("contact-points").split(",")) {
            String t = s.trim();
            if (t.isEmpty()) continue;
            int colon = t.lastIndexOf(':');
            if (colon <= 0) throw new IllegalArgumentException("broker.management.contact-points: expected host:port, got " + t);
            endpoints.add(Map.of("host", t.substring(0, colon), "port", Integer.parseInt(t.substring(colon + 1))));
        }
        if (endpoints.isEmpty()) return out;
        out = out
                .withValue("pekko.discovery.config.services." + SYSTEM_NAME + ".endpoints", ConfigValueFactory.fromIterable(endpoints))
                .withValue(bootstrap + "contact-point-discovery.discovery-method", ConfigValueFactory.fromAnyRef("config"))
                .withValue(bootstrap + "contact-point-discovery.service-name", ConfigValueFactory.fromAnyRef(SYSTEM_NAME))
                // Bootstrap keeps, of several contact points on one host, only the one on its own management port
                // (meant for pods exposing several ports): nodes sharing a host differ by port alone.
                .withValue(bootstrap + "contact-point.filter-on-fallback-port", ConfigValueFactory.fromAnyRef(false));
        String host = management.getString("host");
        String hostname = "pekko.management.http.hostname";
        boolean hostnameUnset = !config.hasPath(hostname) || "<hostname>".equals(config.getString(hostname));
        if (hostnameUnset && !host.isEmpty() && !host.equals("0.0.0.0") && !host.equals("::")) {
            // the node finds itself among the contact points by this host and its management port (Pekko's default
            // is the machine's address, which is not the 127.0.0.1 of a one-machine cluster)
            out = out.withValue("pekko.management.http.hostname", ConfigValueFactory.fromAnyRef(host));
        }
        return out;
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

    /** Clustered: {@code broker.cluster.enabled}, seed nodes are set (after {@link #apply}), or bootstrap forms the cluster. */
    public static boolean enabled(Config full) {
        return full.getBoolean("broker.cluster.enabled") || !full.getStringList("pekko.cluster.seed-nodes").isEmpty()
                || (full.getInt("broker.management.port") >= 0 && full.getBoolean("broker.management.cluster-bootstrap"));
    }
}
