package io.meshmq.retain;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshmq.topic.TopicArbitraries;
import io.meshmq.topic.Topics;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** The store against a plain map from topic to message, scanned with {@link Topics#matches}. */
class RetainedStoreProperties {

    /** A put when message is non-null, otherwise a remove. */
    record Op(String topic, String message) {}

    @Property(tries = 500)
    void behavesLikeAMapScannedWithMatches(@ForAll("ops") List<Op> ops, @ForAll("filterLists") List<String> filters) {
        RetainedStore<String> store = new RetainedStore<>(String::length);
        Map<String, String> model = new HashMap<>();
        for (Op op : ops) {
            if (op.message() != null) {
                assertThat(store.put(op.topic(), op.message())).isEqualTo(model.put(op.topic(), op.message()));
            } else {
                assertThat(store.remove(op.topic())).isEqualTo(model.remove(op.topic()));
            }
            assertThat(store.size()).isEqualTo(model.size());
            assertThat(store.totalBytes()).isEqualTo(model.values().stream().mapToLong(String::length).sum());
            assertThat(store.get(op.topic())).isEqualTo(model.get(op.topic()));
        }
        for (String filter : filters) {
            List<String> expected = new ArrayList<>();
            model.forEach((topic, message) -> {
                if (Topics.matches(filter, topic)) expected.add(message);
            });
            List<String> actual = new ArrayList<>();
            store.match(filter, actual::add);
            assertThat(actual).as("match(%s) over %s", filter, model).containsExactlyInAnyOrderElementsOf(expected);
        }
        for (String topic : List.copyOf(model.keySet())) store.remove(topic);
        assertThat(store.isEmpty()).isTrue();
        assertThat(store.totalBytes()).isZero();
        assertThat(store.nodeCount()).isZero();
    }

    @Provide Arbitrary<List<Op>> ops() {
        // The topic itself as the message (or a marked variant) makes replacements and sizes visible.
        Arbitrary<String> message = Arbitraries.of("m", "mm", "mmm").injectNull(0.3);
        return Combinators.combine(TopicArbitraries.topics(), message)
                .as((topic, m) -> new Op(topic, m == null ? null : topic + "#" + m))
                .list().ofMaxSize(80);
    }

    @Provide Arbitrary<List<String>> filterLists() {
        return TopicArbitraries.filters().list().ofMinSize(1).ofMaxSize(20);
    }
}
