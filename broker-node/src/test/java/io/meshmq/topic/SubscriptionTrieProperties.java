package io.meshmq.topic;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/** The trie against the obvious model: a set of (filter, value) pairs scanned with {@link Topics#matches}. */
class SubscriptionTrieProperties {

    record Pair(String filter, int value) {}

    record Op(boolean add, String filter, int value) {}

    @Property(tries = 500)
    void matchReturnsExactlyTheValuesOfMatchingFilters(@ForAll("pairs") List<Pair> pairs,
                                                       @ForAll("topicLists") List<String> topics) {
        SubscriptionTrie<Integer> trie = new SubscriptionTrie<>();
        Set<Pair> model = new LinkedHashSet<>(pairs);
        for (Pair p : pairs) trie.add(p.filter(), p.value());
        assertThat(trie.size()).isEqualTo(model.size());
        for (String topic : topics) assertMatchesModel(trie, model, topic);
    }

    @Property(tries = 500)
    void addRemoveSequencesKeepTheTrieEqualToTheModel(@ForAll("ops") List<Op> ops,
                                                      @ForAll("topicLists") List<String> topics) {
        SubscriptionTrie<Integer> trie = new SubscriptionTrie<>();
        Set<Pair> model = new LinkedHashSet<>();
        for (Op op : ops) {
            Pair p = new Pair(op.filter(), op.value());
            if (op.add()) {
                trie.add(p.filter(), p.value());
                model.add(p);
            } else {
                assertThat(trie.remove(p.filter(), p.value())).isEqualTo(model.remove(p));
            }
            assertThat(trie.size()).isEqualTo(model.size());
            assertThat(trie.isEmpty()).isEqualTo(model.isEmpty());
        }
        for (String topic : topics) assertMatchesModel(trie, model, topic);

        for (Pair p : List.copyOf(model)) assertThat(trie.remove(p.filter(), p.value())).isTrue();
        assertThat(trie.size()).isZero();
        assertThat(trie.nodeCount()).isZero();
        assertThat(trie.rootIsBare()).isTrue();
    }

    private static void assertMatchesModel(SubscriptionTrie<Integer> trie, Set<Pair> model, String topic) {
        List<Integer> expected = new ArrayList<>();
        for (Pair p : model) if (Topics.matches(p.filter(), topic)) expected.add(p.value());
        List<Integer> actual = new ArrayList<>();
        trie.match(topic, actual::add);
        assertThat(actual).as("match(%s) over %s", topic, model).containsExactlyInAnyOrderElementsOf(expected);
    }

    /** Mostly a small fixed pool so that filters collide and share values past the array threshold. */
    private static Arbitrary<String> filter() {
        Arbitrary<String> pool = Arbitraries.of("#", "+", "a", "a/#", "+/+", "a/+", "$x/#", "a//b", "/+", "+/#");
        return Arbitraries.frequencyOf(Tuple.of(2, pool), Tuple.of(1, TopicArbitraries.filters()));
    }

    private static Arbitrary<Integer> value() {
        return Arbitraries.integers().between(0, SubscriptionTrie.ARRAY_MAX + 4);
    }

    @Provide Arbitrary<List<Pair>> pairs() {
        return Combinators.combine(filter(), value()).as(Pair::new).list().ofMaxSize(60);
    }

    @Provide Arbitrary<List<Op>> ops() {
        Arbitrary<Boolean> add = Arbitraries.frequency(Tuple.of(3, true), Tuple.of(2, false));
        return Combinators.combine(add, filter(), value()).as(Op::new).list().ofMaxSize(120);
    }

    @Provide Arbitrary<List<String>> topicLists() {
        return TopicArbitraries.topics().list().ofMinSize(1).ofMaxSize(20);
    }
}
