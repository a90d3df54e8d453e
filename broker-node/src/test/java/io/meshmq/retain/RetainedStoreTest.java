package io.meshmq.retain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RetainedStoreTest {

    private final RetainedStore<String> store = new RetainedStore<>(m -> m.length());

    private List<String> match(String filter) {
        List<String> out = new ArrayList<>();
        store.match(filter, out::add);
        return out;
    }

    @BeforeEach
    void retainSome() {
        store.put("sport/tennis/player1", "p1");
        store.put("sport/tennis/player1/ranking", "rank");
        store.put("sport/tennis/player1/score/wimbledon", "wimb");
        store.put("sport", "sport");
        store.put("sport/", "sport/");
        store.put("/finance", "/fin");
        store.put("a//b", "a//b");
        store.put("$SYS/monitor/Clients", "sys");
    }

    @Test
    void getAndSize() {
        assertThat(store.size()).isEqualTo(8);
        assertThat(store.get("sport")).isEqualTo("sport");
        assertThat(store.get("sport/")).isEqualTo("sport/");
        assertThat(store.get("sport/tennis")).isNull(); // an inner node without its own message
        assertThat(store.get("nothing/here")).isNull();
    }

    @Test
    void multiLevelWildcardIncludesTheParentLevel() {
        assertThat(match("sport/tennis/player1/#")).containsExactlyInAnyOrder("p1", "rank", "wimb");
        assertThat(match("sport/#")).containsExactlyInAnyOrder("sport", "sport/", "p1", "rank", "wimb");
    }

    @Test
    void singleLevelWildcard() {
        assertThat(match("sport/+")).containsExactly("sport/");
        assertThat(match("+/+")).containsExactlyInAnyOrder("sport/", "/fin");
        assertThat(match("/+")).containsExactly("/fin");
        assertThat(match("+")).containsExactly("sport");
        assertThat(match("a/+/b")).containsExactly("a//b");
        assertThat(match("sport/tennis/+")).containsExactly("p1");
    }

    @Test
    void dollarTopicsAreHiddenFromFirstLevelWildcards() {
        assertThat(match("#")).hasSize(7).doesNotContain("sys");
        assertThat(match("+/monitor/Clients")).isEmpty();
        assertThat(match("$SYS/#")).containsExactly("sys");
        assertThat(match("$SYS/monitor/+")).containsExactly("sys");
    }

    @Test
    void exactFilterFindsOneTopic() {
        assertThat(match("a//b")).containsExactly("a//b");
        assertThat(match("a/b")).isEmpty();
    }

    @Test
    void putReplacesAndTracksBytes() {
        long before = store.totalBytes();
        assertThat(store.put("sport", "football")).isEqualTo("sport");
        assertThat(store.get("sport")).isEqualTo("football");
        assertThat(store.size()).isEqualTo(8);
        assertThat(store.totalBytes()).isEqualTo(before - "sport".length() + "football".length());
    }

    @Test
    void removePrunesAndTracksBytes() {
        assertThat(store.remove("sport/tennis/player1/score/wimbledon")).isEqualTo("wimb");
        assertThat(store.remove("sport/tennis/player1/score/wimbledon")).isNull();
        assertThat(store.remove("sport/tennis")).isNull();
        assertThat(store.size()).isEqualTo(7);
        for (String t : List.of("sport/tennis/player1", "sport/tennis/player1/ranking", "sport", "sport/",
                "/finance", "a//b", "$SYS/monitor/Clients")) {
            assertThat(store.remove(t)).isNotNull();
        }
        assertThat(store.isEmpty()).isTrue();
        assertThat(store.totalBytes()).isZero();
        assertThat(store.nodeCount()).isZero();
    }

    @Test
    void fitsWithinTheMessageLimitOnlyByReplacing() {
        assertThat(store.size()).isEqualTo(8);
        assertThat(store.fits("new/topic", "x", 8, 0)).isFalse();
        assertThat(store.fits("new/topic", "x", 9, 0)).isTrue();
        assertThat(store.fits("sport", "sport", 8, 0)).isTrue();
        assertThat(store.fits("sport", "a much longer message", 8, 0)).as("replacing does not add a message").isTrue();
        store.remove("sport");
        assertThat(store.fits("new/topic", "x", 8, 0)).isTrue();
    }

    @Test
    void fitsWithinTheByteLimit() {
        long total = store.totalBytes();
        assertThat(store.fits("new/topic", "x", 0, total)).isFalse();
        assertThat(store.fits("new/topic", "x", 0, total + 1)).isTrue();
        assertThat(store.fits("sport", "spor", 0, total)).as("smaller replacement").isTrue();
        assertThat(store.fits("sport", "tennis", 0, total)).as("one byte more").isFalse();
        assertThat(store.fits("sport", "tennis", 0, total + 1)).isTrue();
    }

    @Test
    void overTheLimitsAlreadyAReplacementNoLargerStillFits() {
        // the limits were lowered after these messages were retained
        assertThat(store.fits("sport", "sport", 2, 10)).isTrue();
        assertThat(store.fits("sport", "s", 2, 10)).isTrue();
        assertThat(store.fits("sport", "sports", 2, 10)).isFalse();
        assertThat(store.fits("new/topic", "x", 2, 10)).isFalse();
    }

    @Test
    void messagesOutsideTheLimitsNeitherCountNorAreRefused() {
        RetainedStore<String> s = new RetainedStore<>(String::length, m -> !m.startsWith("sys:"));
        s.put("$SYS/a", "sys:12345");
        s.put("x", "12");
        assertThat(s.fits("y", "3", 2, 3)).as("the sys message takes no room").isTrue();
        s.put("y", "3");
        assertThat(s.fits("z", "4", 2, 0)).isFalse();
        assertThat(s.fits("$SYS/b", "sys:6789", 2, 3)).as("exempt").isTrue();
        assertThat(s.fits("$SYS/a", "sys:a much longer value", 2, 3)).isTrue();
        s.remove("$SYS/a");
        assertThat(s.fits("z", "4", 2, 0)).as("still two limited messages").isFalse();
        s.remove("x");
        assertThat(s.fits("z", "4", 2, 3)).isTrue();
        assertThat(s.size()).isEqualTo(1);
        assertThat(s.totalBytes()).isEqualTo(1);
    }

    @Test
    void zeroMeansNoLimit() {
        assertThat(store.fits("new/topic", "x".repeat(10_000), 0, 0)).isTrue();
    }

    @Test
    void storeWithoutSizerCountsNoBytes() {
        RetainedStore<String> plain = new RetainedStore<>();
        plain.put("a", "xyz");
        assertThat(plain.totalBytes()).isZero();
        assertThat(plain.size()).isEqualTo(1);
    }

    @Test
    void rejectsWildcardTopicsAndSharedOrInvalidFilters() {
        assertThatIllegalArgumentException().isThrownBy(() -> store.put("a/+", "x"));
        assertThatIllegalArgumentException().isThrownBy(() -> store.put("", "x"));
        assertThatIllegalArgumentException().isThrownBy(() -> store.match("$share/g/#", m -> {}));
        assertThatIllegalArgumentException().isThrownBy(() -> store.match("a/#/b", m -> {}));
        assertThat(store.size()).isEqualTo(8);
    }

    @Test
    void deepTopicsUnderHashDoNotRecurse() {
        String deep = "d/" + "x/".repeat(20_000) + "end";
        store.put(deep, "deep");
        assertThat(match("d/#")).containsExactly("deep");
        assertThat(store.remove(deep)).isEqualTo("deep");
    }
}
