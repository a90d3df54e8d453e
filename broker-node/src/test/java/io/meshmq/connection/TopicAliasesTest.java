package io.meshmq.connection;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** Topic aliases of one connection (MQTT 3.3.2.3.4). */
class TopicAliasesTest {

    @Test
    @DisplayName("MQTT-3.3.2-9/-10: inbound aliases 1..maximum are accepted, 0 and beyond are invalid")
    void inboundRange() {
        TopicAliases a = new TopicAliases(2, 0);
        assertThat(a.resolveInbound("a/b", 1)).isEqualTo("a/b");
        assertThat(a.resolveInbound("", 1)).isEqualTo("a/b");
        assertThat(a.resolveInbound("", 2)).isNull();            // never set
        assertThat(a.resolveInbound("x", 3)).isNull();
        assertThat(a.isInboundAliasOutOfRange(3)).isTrue();
        assertThat(a.isInboundAliasOutOfRange(0)).isTrue();
        assertThat(a.resolveInbound("", null)).isNull();          // empty topic without alias
    }

    @Test
    @DisplayName("MQTT-3.3.2-8: outbound aliases stay within the client's Topic Alias Maximum; a known topic is sent empty")
    void outboundWithinMaximum() {
        TopicAliases a = new TopicAliases(0, 2);
        assertThat(a.outbound("t1")).isEqualTo(new TopicAliases.Outbound(1, false));
        assertThat(a.outbound("t1")).isEqualTo(new TopicAliases.Outbound(1, true));
        assertThat(a.outbound("t2")).isEqualTo(new TopicAliases.Outbound(2, false));
        TopicAliases.Outbound t3 = a.outbound("t3");            // evicts the least recently used (t1)
        assertThat(t3.alias()).isEqualTo(1);
        assertThat(t3.known()).isFalse();
        assertThat(new TopicAliases(0, 0).outbound("t").alias()).isZero();
    }

    @Test
    @DisplayName("A forgotten alias (its packet was dropped) is never left pointing at two topics")
    void forgetNeverCollides() {
        Random rnd = new Random(7);
        TopicAliases a = new TopicAliases(0, 5);
        Map<Integer, String> client = new HashMap<>();       // what the client believes
        for (int i = 0; i < 10_000; i++) {
            String topic = "t" + rnd.nextInt(12);
            TopicAliases.Outbound o = a.outbound(topic);
            assertThat(o.alias()).isBetween(1, 5);
            if (o.known()) {
                assertThat(client.get(o.alias())).isEqualTo(topic);
            } else if (rnd.nextInt(4) == 0) {
                a.forget(topic);                                // dropped: the client never learns it
            } else {
                client.put(o.alias(), topic);
            }
        }
    }
}
