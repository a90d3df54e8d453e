package io.meshmq.topic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SharedSubscriptionTest {

    @Test
    void parsesGroupAndFilter() {
        SharedSubscription s = SharedSubscription.parse("$share/consumer1/sport/tennis/+");
        assertThat(s).isEqualTo(new SharedSubscription("consumer1", "sport/tennis/+"));
        assertThat(s.group()).isEqualTo("consumer1");
        assertThat(s.filter()).isEqualTo("sport/tennis/+");
        assertThat(s.topicFilter()).isEqualTo("$share/consumer1/sport/tennis/+");
    }

    @Test
    void filterKeepsLeadingSlashAndDollarLevels() {
        assertThat(SharedSubscription.parse("$share/g//finance").filter()).isEqualTo("/finance");
        assertThat(SharedSubscription.parse("$share/g/#").filter()).isEqualTo("#");
        assertThat(SharedSubscription.parse("$share/g/$SYS/#").filter()).isEqualTo("$SYS/#");
    }

    @ParameterizedTest
    @ValueSource(strings = {"sport/#", "#", "$SYS/x", "$shared/g/a", "$share", "share/g/a"})
    void nonSharedFiltersGiveNull(String filter) {
        assertThat(SharedSubscription.parse(filter)).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"$share/g", "$share/", "$share//a", "$share/g+/a", "$share/g#/a", "$share/g/",
            "$share/g/a/#/b"})
    void malformedSharedFiltersAreRejected(String filter) {
        assertThatIllegalArgumentException().isThrownBy(() -> SharedSubscription.parse(filter));
    }

    @net.jqwik.api.Property
    void parseAcceptsExactlyTheSharedFiltersTopicsAccepts(
            @net.jqwik.api.ForAll("shareCandidates") String filter) {
        if (Topics.isValidFilter(filter)) {
            SharedSubscription s = SharedSubscription.parse(filter);
            assertThat(s.topicFilter()).isEqualTo(filter);
        } else {
            assertThatIllegalArgumentException().isThrownBy(() -> SharedSubscription.parse(filter));
        }
    }

    @net.jqwik.api.Provide
    net.jqwik.api.Arbitrary<String> shareCandidates() {
        net.jqwik.api.Arbitrary<String> group = net.jqwik.api.Arbitraries.of("g", "", "g+", "#", "$share");
        net.jqwik.api.Arbitrary<String> rest = net.jqwik.api.Arbitraries.oneOf(
                TopicArbitraries.filters(), net.jqwik.api.Arbitraries.of("", "a/#/b", "a+", "$share/h/a"));
        return net.jqwik.api.Combinators.combine(group, rest).as((g, r) -> "$share/" + g + "/" + r);
    }
}
