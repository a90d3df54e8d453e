package io.meshmq.topic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SubscriptionTrieTest {

    private final SubscriptionTrie<String> trie = new SubscriptionTrie<>();

    private List<String> match(String topic) {
        List<String> out = new ArrayList<>();
        trie.match(topic, out::add);
        return out;
    }

    @Test
    void emptyTrieMatchesNothing() {
        assertThat(trie.isEmpty()).isTrue();
        assertThat(trie.size()).isZero();
        assertThat(match("a")).isEmpty();
    }

    @Test
    void multiLevelWildcardExamplesOfMqtt471() {
        trie.add("sport/tennis/player1/#", "s1");
        trie.add("sport/#", "s2");
        trie.add("#", "s3");
        assertThat(match("sport/tennis/player1")).containsExactlyInAnyOrder("s1", "s2", "s3");
        assertThat(match("sport/tennis/player1/ranking")).containsExactlyInAnyOrder("s1", "s2", "s3");
        assertThat(match("sport/tennis/player1/score/wimbledon")).containsExactlyInAnyOrder("s1", "s2", "s3");
        assertThat(match("sport")).containsExactlyInAnyOrder("s2", "s3");
        assertThat(match("sport/tennis")).containsExactlyInAnyOrder("s2", "s3");
        assertThat(match("news")).containsExactly("s3");
    }

    @Test
    void singleLevelWildcardExamplesOfMqtt471() {
        trie.add("sport/+", "plus");
        trie.add("+/+", "plusplus");
        trie.add("/+", "slashplus");
        trie.add("+", "single");
        assertThat(match("sport")).containsExactly("single");
        assertThat(match("sport/")).containsExactlyInAnyOrder("plus", "plusplus");
        assertThat(match("/finance")).containsExactlyInAnyOrder("plusplus", "slashplus");
        assertThat(match("sport/tennis/x")).isEmpty();
    }

    @Test
    void dollarTopicsAreHiddenFromFirstLevelWildcards() {
        trie.add("#", "all");
        trie.add("+/monitor/Clients", "plus");
        trie.add("$SYS/#", "sys");
        trie.add("$SYS/monitor/+", "sysplus");
        assertThat(match("$SYS/monitor/Clients")).containsExactlyInAnyOrder("sys", "sysplus");
        assertThat(match("$SYS")).containsExactly("sys");
        assertThat(match("x/monitor/Clients")).containsExactlyInAnyOrder("all", "plus");
        // Only the first level is special: a '$' further down is an ordinary character.
        trie.add("a/+", "a+");
        assertThat(match("a/$b")).containsExactlyInAnyOrder("all", "a+");
    }

    @Test
    void emptyLevelsAreOrdinaryLevels() {
        trie.add("a//b", "empty");
        trie.add("a/+/b", "plus");
        trie.add("a/b", "ab");
        assertThat(match("a//b")).containsExactlyInAnyOrder("empty", "plus");
        assertThat(match("a/b")).containsExactly("ab");
        assertThat(match("a/b/")).isEmpty();
    }

    @Test
    void sameValueThroughSeveralFiltersIsVisitedOncePerFilter() {
        trie.add("a/b", "v");
        trie.add("a/+", "v");
        trie.add("a/#", "v");
        assertThat(match("a/b")).containsExactly("v", "v", "v");
    }

    @Test
    void addingAPairTwiceStoresItOnce() {
        trie.add("a/b", "v");
        trie.add("a/b", "v");
        assertThat(trie.size()).isEqualTo(1);
        assertThat(match("a/b")).containsExactly("v");
        assertThat(trie.remove("a/b", "v")).isTrue();
        assertThat(trie.remove("a/b", "v")).isFalse();
        assertThat(match("a/b")).isEmpty();
    }

    @Test
    void removeUsesValueEquality() {
        trie.add("a", new String("v"));
        assertThat(trie.remove("a", new String("v"))).isTrue();
        assertThat(trie.isEmpty()).isTrue();
    }

    @Test
    void removeOfUnknownPairsChangesNothing() {
        trie.add("a/b", "v");
        assertThat(trie.remove("a/b", "w")).isFalse();
        assertThat(trie.remove("a", "v")).isFalse();
        assertThat(trie.remove("a/b/c", "v")).isFalse();
        assertThat(trie.remove("x", "v")).isFalse();
        assertThat(trie.size()).isEqualTo(1);
        assertThat(trie.nodeCount()).isEqualTo(2);
    }

    @Test
    void removingTheLastValuePrunesEmptyNodesButKeepsSharedPrefixes() {
        trie.add("a/b/c/d", "deep");
        trie.add("a/b", "shallow");
        assertThat(trie.nodeCount()).isEqualTo(4);
        trie.remove("a/b/c/d", "deep");
        assertThat(trie.nodeCount()).isEqualTo(2); // a, a/b still hold "shallow"
        assertThat(match("a/b")).containsExactly("shallow");
        trie.remove("a/b", "shallow");
        assertThat(trie.nodeCount()).isZero();
        assertThat(trie.rootIsBare()).isTrue();
    }

    @Test
    void churnDoesNotGrowTheTrie() {
        trie.add("keep/#", "k");
        int baseline = trie.nodeCount();
        for (int i = 0; i < 10_000; i++) {
            String filter = "devices/" + i + "/+/state";
            trie.add(filter, "c" + i);
            trie.remove(filter, "c" + i);
        }
        assertThat(trie.nodeCount()).isEqualTo(baseline);
        assertThat(trie.size()).isEqualTo(1);
    }

    @Test
    void manySubscribersOfOneFilterCrossTheArrayThresholdBothWays() {
        int n = SubscriptionTrie.ARRAY_MAX * 4;
        for (int i = 0; i < n; i++) trie.add("alerts/#", "s" + i);
        trie.add("alerts/#", "s0"); // duplicate in set mode
        assertThat(trie.size()).isEqualTo(n);
        assertThat(match("alerts/fire")).hasSize(n).doesNotHaveDuplicates();
        for (int i = 0; i < n - 1; i++) assertThat(trie.remove("alerts/#", "s" + i)).isTrue();
        assertThat(match("alerts")).containsExactly("s" + (n - 1));
        trie.remove("alerts/#", "s" + (n - 1));
        assertThat(trie.rootIsBare()).isTrue();
    }

    @Test
    void sharedAndInvalidFiltersAreRejected() {
        assertThatIllegalArgumentException().isThrownBy(() -> trie.add("$share/g/a", "v"));
        assertThatIllegalArgumentException().isThrownBy(() -> trie.add("a/#/b", "v"));
        assertThatIllegalArgumentException().isThrownBy(() -> trie.add("a+", "v"));
        assertThatIllegalArgumentException().isThrownBy(() -> trie.add("", "v"));
        assertThat(trie.isEmpty()).isTrue();
    }

    @Test
    void largeTrieMatchesOnlyTheRelevantBranch() {
        for (int i = 0; i < 100_000; i++) trie.add("devices/" + i + "/cmd", "d" + i);
        trie.add("devices/+/cmd", "fleet");
        assertThat(trie.size()).isEqualTo(100_001);
        assertThat(match("devices/4242/cmd")).containsExactlyInAnyOrder("d4242", "fleet");
        assertThat(match("devices/4242/status")).isEmpty();
    }
}
