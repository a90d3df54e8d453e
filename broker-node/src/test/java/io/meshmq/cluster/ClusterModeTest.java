package io.meshmq.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.meshmq.ops.Broker;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The {@code broker.cluster.*} system properties and the local-cluster overlay become the right Pekko settings. */
class ClusterModeTest {

    @Test
    @DisplayName("a single node stays unclustered: no seed nodes, Artery on 127.0.0.1 with a free port")
    void singleNodeByDefault() {
        Config c = ClusterMode.apply(Broker.loadConfig());
        assertThat(ClusterMode.enabled(c)).isFalse();
        assertThat(c.getStringList("pekko.cluster.seed-nodes")).isEmpty();
        assertThat(c.getInt("pekko.remote.artery.canonical.port")).isZero();
        assertThat(c.getString("pekko.cluster.downing-provider-class"))
                .isEqualTo("org.apache.pekko.cluster.sbr.SplitBrainResolverProvider");
        assertThat(c.getString("pekko.cluster.split-brain-resolver.active-strategy")).isEqualTo("keep-majority");
    }

    @Test
    @DisplayName("-Dbroker.cluster.host/port/seed-nodes become Artery's canonical address and pekko://meshmq@H:N seed nodes")
    void clusterProperties() {
        Config c = ClusterMode.apply(Broker.loadConfig(ConfigFactory.parseMap(Map.of(
                "broker.cluster.host", "10.0.0.5",
                "broker.cluster.port", 2552,
                "broker.cluster.seed-nodes", "10.0.0.4:2551, 10.0.0.5:2552"))));
        assertThat(ClusterMode.enabled(c)).isTrue();
        assertThat(c.getString("pekko.remote.artery.canonical.hostname")).isEqualTo("10.0.0.5");
        assertThat(c.getInt("pekko.remote.artery.canonical.port")).isEqualTo(2552);
        assertThat(c.getStringList("pekko.cluster.seed-nodes"))
                .containsExactly("pekko://meshmq@10.0.0.4:2551", "pekko://meshmq@10.0.0.5:2552");
        assertThatThrownBy(() -> ClusterMode.seedNodes("nohost")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    @DisplayName("broker.management.contact-points turn on config discovery for bootstrap: every endpoint, no port filter, this node's host")
    void bootstrapContactPoints() {
        Config c = ClusterMode.apply(Broker.loadConfig(ConfigFactory.parseMap(Map.of(
                "broker.management.host", "127.0.0.1",
                "broker.management.port", 8559,
                "broker.management.cluster-bootstrap", "on",
                "broker.management.contact-points", "127.0.0.1:8558, 127.0.0.1:8559",
                "broker.management.required-contact-points", 2))));
        assertThat(ClusterMode.enabled(c)).as("bootstrap implies cluster mode").isTrue();
        assertThat(c.getStringList("pekko.cluster.seed-nodes")).isEmpty();
        String discovery = "pekko.management.cluster.bootstrap.contact-point-discovery.";
        assertThat(c.getString(discovery + "discovery-method")).isEqualTo("config");
        assertThat(c.getString(discovery + "service-name")).isEqualTo(ClusterMode.SYSTEM_NAME);
        assertThat(c.getInt(discovery + "required-contact-point-nr")).isEqualTo(2);
        assertThat(c.getBoolean("pekko.management.cluster.bootstrap.contact-point.filter-on-fallback-port")).isFalse();
        assertThat(c.getString("pekko.management.http.hostname")).isEqualTo("127.0.0.1");
        assertThat(c.getConfigList("pekko.discovery.config.services.meshmq.endpoints"))
                .extracting(e -> e.getString("host") + ":" + e.getInt("port"))
                .containsExactly("127.0.0.1:8558", "127.0.0.1:8559");
        assertThatThrownBy(() -> ClusterMode.apply(Broker.loadConfig(ConfigFactory.parseMap(Map.of(
                "broker.management.contact-points", "nohost"))))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    @DisplayName("cluster-config/local-cluster.conf: PostgreSQL journal, cluster on, seeds 2551/2552, the port per node by property")
    void localClusterOverlay() {
        String before = System.getProperty("config.resource");
        System.setProperty("config.resource", "cluster-config/local-cluster.conf");
        System.setProperty("broker.cluster.port", "2553");
        try {
            Config c = ClusterMode.apply(Broker.loadConfig());
            assertThat(ClusterMode.enabled(c)).isTrue();
            assertThat(c.getString("broker.journal.dialect")).isEqualTo("postgres");
            assertThat(c.getInt("pekko.remote.artery.canonical.port")).isEqualTo(2553);
            assertThat(c.getString("pekko.remote.artery.canonical.hostname")).isEqualTo("127.0.0.1");
            assertThat(c.getStringList("pekko.cluster.seed-nodes"))
                    .isEqualTo(List.of("pekko://meshmq@127.0.0.1:2551", "pekko://meshmq@127.0.0.1:2552"));
        } finally {
            if (before == null) System.clearProperty("config.resource"); else System.setProperty("config.resource", before);
            System.clearProperty("broker.cluster.port");
            ConfigFactory.invalidateCaches();
        }
    }
}
