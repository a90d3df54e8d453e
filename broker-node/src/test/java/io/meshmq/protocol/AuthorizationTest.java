package io.meshmq.protocol;

import io.meshmq.codec.MqttPacket;
import io.meshmq.codec.Properties;
import io.meshmq.codec.ProtocolVersion;
import io.meshmq.codec.QoS;
import io.meshmq.codec.ReasonCode;
import io.meshmq.it.BrokerFixture;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/** Topic ACLs (broker.auth.acl-file): SUBSCRIBE, PUBLISH, delivery of retained messages, wills, reload. */
class AuthorizationTest {
    @TempDir
    Path dir;

    BrokerFixture start(String... rules) throws Exception {
        Path acl = dir.resolve("acl");
        Files.write(acl, List.of(rules));
        return BrokerFixture.start(Map.of("broker.auth.acl-file", acl.toString(), "broker.auth.reload-interval", "200ms"));
    }

    static RawClient connect(BrokerFixture b, ProtocolVersion v, String id) throws Exception {
        return RawClient.connect(b.port(), v, id, true, 0, Properties.EMPTY);
    }

    static long metric(BrokerFixture b, String name) {
        return b.broker.metrics().snapshot().getOrDefault(name, 0L);
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what);
            Thread.sleep(50);
        }
    }

    /** Publishes received until one on {@code topic} arrives (bounded wait). */
    static List<MqttPacket.Publish> receiveUntil(RawClient c, String topic) {
        List<MqttPacket.Publish> got = new ArrayList<>();
        while (true) {
            Optional<MqttPacket> p = c.poll(RawClient.WAIT);
            assertThat(p).as("a PUBLISH on %s", topic).isPresent();
            if (p.get() instanceof MqttPacket.Publish pub) {
                got.add(pub);
                if (pub.qos() == QoS.AT_LEAST_ONCE) Clients.quietly(() -> sendQuietly(c, new MqttPacket.PubAck(pub.packetId(), ReasonCode.SUCCESS, Properties.EMPTY)));
                if (pub.topic().equals(topic)) return got;
            }
        }
    }

    static void sendQuietly(RawClient c, MqttPacket p) {
        try { c.send(p); } catch (Exception e) { throw new RuntimeException(e); }
    }

    static List<String> topics(List<MqttPacket.Publish> ps) { return ps.stream().map(MqttPacket.Publish::topic).toList(); }

    @Test
    @DisplayName("an ACL allowing devices/%c/# and denying everything else: SUBACK 0x87/0x80 and PUBACK 0x87 or silent drop")
    void ownSubtreeOnly() throws Exception {
        try (BrokerFixture b = start("allow all client:admin #", "allow all * devices/%c/#", "deny all * #");
             RawClient admin = connect(b, ProtocolVersion.MQTT_5, "admin");
             RawClient dev5 = connect(b, ProtocolVersion.MQTT_5, "dev5");
             RawClient dev3 = connect(b, ProtocolVersion.MQTT_3_1_1, "dev3")) {
            MqttPacket.SubAck a5 = dev5.subscribe(1, List.of(MqttPacket.Subscription.of("devices/dev5/#", QoS.AT_LEAST_ONCE),
                    MqttPacket.Subscription.of("devices/+/temp", QoS.AT_LEAST_ONCE),
                    MqttPacket.Subscription.of("#", QoS.AT_MOST_ONCE)), Properties.EMPTY);
            assertThat(a5.reasonCodes()).containsExactly(ReasonCode.GRANTED_QOS_1, ReasonCode.NOT_AUTHORIZED, ReasonCode.NOT_AUTHORIZED);
            MqttPacket.SubAck a3 = dev3.subscribe(1, List.of(MqttPacket.Subscription.of("devices/dev5/#", QoS.AT_LEAST_ONCE),
                    MqttPacket.Subscription.of("devices/dev3/#", QoS.AT_LEAST_ONCE)), Properties.EMPTY);
            // MQTT 3.1.1 SUBACK: 0x80 for a failure (the raw decoder reads it as UNSPECIFIED_ERROR)
            assertThat(a3.reasonCodes().get(0).value()).isEqualTo(0x80);
            assertThat(a3.reasonCodes().get(1)).isEqualTo(ReasonCode.GRANTED_QOS_1);
            admin.subscribe(1, "#", QoS.AT_LEAST_ONCE);

            dev5.publish("devices/dev3/cmd", QoS.AT_LEAST_ONCE, 7, "forbidden");
            MqttPacket.PubAck denied = (MqttPacket.PubAck) dev5.receive();
            assertThat(denied.packetId()).isEqualTo(7);
            assertThat(denied.reasonCode()).isEqualTo(ReasonCode.NOT_AUTHORIZED);
            dev3.publish("devices/dev5/cmd", QoS.AT_LEAST_ONCE, 8, "forbidden too");
            MqttPacket.PubAck acked = (MqttPacket.PubAck) dev3.receive();   // 3.1.1: acknowledged, not delivered
            assertThat(acked.packetId()).isEqualTo(8);
            dev3.publish("devices/dev3/status", QoS.AT_LEAST_ONCE, 9, "allowed");
            assertThat(((MqttPacket.PubAck) dev3.receive()).packetId()).isEqualTo(9);

            List<MqttPacket.Publish> seen = receiveUntil(admin, "devices/dev3/status");
            assertThat(topics(seen)).doesNotContain("devices/dev3/cmd", "devices/dev5/cmd");
            assertThat(metric(b, "rejected.acl.publish")).isEqualTo(2);
            assertThat(metric(b, "rejected.acl.subscribe")).isEqualTo(3);
        }
    }

    @Test
    @DisplayName("a retained message on a topic the subscriber may not read is not delivered; a readable one is")
    void deniedRetainedMessageNotDelivered() throws Exception {
        try (BrokerFixture b = start("allow all client:admin #", "deny subscribe * devices/%c/secret",
                "allow all * devices/%c/#", "deny all * #");
             RawClient admin = connect(b, ProtocolVersion.MQTT_5, "admin")) {
            admin.send(new MqttPacket.Publish("devices/dev1/secret", QoS.AT_LEAST_ONCE, true, false, 1, "s".getBytes(), Properties.EMPTY));
            admin.send(new MqttPacket.Publish("devices/dev1/open", QoS.AT_LEAST_ONCE, true, false, 2, "o".getBytes(), Properties.EMPTY));
            admin.receive();
            admin.receive();
            try (RawClient dev1 = connect(b, ProtocolVersion.MQTT_5, "dev1")) {
                assertThat(dev1.subscribe(1, "devices/dev1/#", QoS.AT_LEAST_ONCE).reasonCodes()).containsExactly(ReasonCode.GRANTED_QOS_1);
                List<MqttPacket.Publish> seen = receiveUntil(dev1, "devices/dev1/open");
                await("the secret retained message to be dropped", () -> metric(b, "dropped.acl.deliver") >= 1);
                dev1.publish("devices/dev1/marker", QoS.AT_LEAST_ONCE, 3, "m");
                seen.addAll(receiveUntil(dev1, "devices/dev1/marker"));
                assertThat(topics(seen)).doesNotContain("devices/dev1/secret");
            }
        }
    }

    @Test
    @DisplayName("a will to a topic its owner may not publish to is not published; an allowed will is")
    void forbiddenWillNotPublished() throws Exception {
        try (BrokerFixture b = start("allow all client:watcher #", "allow all * devices/%c/#", "deny all * #");
             RawClient watcher = connect(b, ProtocolVersion.MQTT_5, "watcher")) {
            watcher.subscribe(1, "#", QoS.AT_LEAST_ONCE);
            RawClient bad = RawClient.open(b.port(), ProtocolVersion.MQTT_5);
            bad.sendConnect("bad", true, 0, Properties.EMPTY,
                    new MqttPacket.Will("alarms/all", "forged".getBytes(), QoS.AT_LEAST_ONCE, false, Properties.EMPTY));
            RawClient good = RawClient.open(b.port(), ProtocolVersion.MQTT_5);
            good.sendConnect("good", true, 0, Properties.EMPTY,
                    new MqttPacket.Will("devices/good/will", "gone".getBytes(), QoS.AT_LEAST_ONCE, false, Properties.EMPTY));
            bad.close();     // socket closed without DISCONNECT: the will is due
            await("the forbidden will to be discarded", () -> metric(b, "rejected.acl.will") >= 1);
            good.close();
            List<MqttPacket.Publish> seen = receiveUntil(watcher, "devices/good/will");
            assertThat(topics(seen)).doesNotContain("alarms/all");
        }
    }

    @Test
    @DisplayName("the ACL file is reloaded without a restart when it changes")
    void aclFileReload() throws Exception {
        try (BrokerFixture b = start("allow all * a/#");
             RawClient c = connect(b, ProtocolVersion.MQTT_5, "reloader")) {
            assertThat(c.subscribe(1, "b/x", QoS.AT_MOST_ONCE).reasonCodes()).containsExactly(ReasonCode.NOT_AUTHORIZED);
            Files.write(dir.resolve("acl"), List.of("# now b/ too", "allow all * a/#", "allow all * b/#"));
            int[] id = {2};
            await("the new rules to be in force", () -> {
                try {
                    return c.subscribe(id[0]++, "b/x", QoS.AT_MOST_ONCE).reasonCodes().get(0) == ReasonCode.GRANTED_QOS_0;
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
        }
    }
}
