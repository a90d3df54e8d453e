package io.meshmq.topic;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class TopicsProperties {

    @Property(tries = 5000)
    void matchesAgreesWithLevelByLevelReading(@ForAll("filters") String filter, @ForAll("topics") String topic) {
        assertThat(Topics.matches(filter, topic))
                .as("'%s' matches '%s'", filter, topic)
                .isEqualTo(TopicArbitraries.referenceMatches(filter, topic));
    }

    @Property
    void aTopicUsedAsFilterMatchesItself(@ForAll("topics") String topic) {
        assertThat(Topics.matches(topic, topic)).isTrue();
    }

    @Property
    void levelsRejoinToTheOriginal(@ForAll("topics") String topic) {
        assertThat(String.join("/", Topics.levels(topic))).isEqualTo(topic);
        assertThat(Topics.levels(topic)).containsExactly(topic.split("/", -1));
    }

    @Provide Arbitrary<String> filters() { return TopicArbitraries.filters(); }

    @Provide Arbitrary<String> topics() { return TopicArbitraries.topics(); }
}
