package io.meshmq.topic;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TopicsTest {

    // Quoted cells keep empty strings and leading '$'/'#' intact; the third column is the expected result.
    @ParameterizedTest(name = "''{0}'' matches ''{1}'' = {2}")
    @CsvSource(delimiter = '|', emptyValue = "", textBlock = """
            # MQTT 4.7.1.2 multi-level wildcard examples
            'sport/tennis/player1/#'  | 'sport/tennis/player1'                  | true
            'sport/tennis/player1/#'  | 'sport/tennis/player1/ranking'          | true
            'sport/tennis/player1/#'  | 'sport/tennis/player1/score/wimbledon'  | true
            'sport/tennis/player1/#'  | 'sport/tennis/player2'                  | false
            'sport/tennis/player1/#'  | 'sport/tennis'                          | false
            'sport/tennis/player1/#'  | 'sport/tennis/player1x'                 | false
            'sport/#'                 | 'sport'                                 | true
            'sport/#'                 | 'sport/'                                | true
            'sport/#'                 | 'sports'                                | false
            '#'                       | 'sport'                                 | true
            '#'                       | '/'                                     | true
            '#'                       | '/finance'                              | true
            '#'                       | 'a//b'                                  | true
            # MQTT 4.7.1.3 single-level wildcard examples
            'sport/tennis/+'          | 'sport/tennis/player1'                  | true
            'sport/tennis/+'          | 'sport/tennis/player2'                  | true
            'sport/tennis/+'          | 'sport/tennis/player1/ranking'          | false
            'sport/+'                 | 'sport'                                 | false
            'sport/+'                 | 'sport/'                                | true
            'sport/+'                 | 'sport/x/'                              | false
            '+/+'                     | '/finance'                              | true
            '/+'                      | '/finance'                              | true
            '+'                       | '/finance'                              | false
            '+'                       | 'finance'                               | true
            '+/tennis/#'              | 'sport/tennis/player1'                  | true
            '+/tennis/#'              | 'sport/tennis'                          | true
            '+/tennis/#'              | 'sport/squash'                          | false
            '+/+/#'                   | 'a'                                     | false
            '+/#'                     | 'a'                                     | true
            # MQTT 4.7.2 topics beginning with $ (MQTT-4.7.2-1)
            '#'                       | '$SYS/monitor/Clients'                  | false
            '+/monitor/Clients'       | '$SYS/monitor/Clients'                  | false
            '$SYS/#'                  | '$SYS/monitor/Clients'                  | true
            '$SYS/#'                  | '$SYS/x'                                | true
            '$SYS/#'                  | '$SYS'                                  | true
            '$SYS/monitor/+'          | '$SYS/monitor/Clients'                  | true
            '+'                       | '$SYS'                                  | false
            'a/#'                     | 'a/$b'                                  | true
            'a/+'                     | 'a/$b'                                  | true
            # Exact filters and empty levels
            'a/b'                     | 'a/b'                                   | true
            'a/b'                     | 'a/bc'                                  | false
            'a/bc'                    | 'a/b'                                   | false
            'a/b'                     | 'a/b/'                                  | false
            'a/b/'                    | 'a/b'                                   | false
            'a//b'                    | 'a//b'                                  | true
            'a//b'                    | 'a/b'                                   | false
            'a/+/b'                   | 'a//b'                                  | true
            'a/+/b'                   | 'a/b'                                   | false
            'a/+'                     | 'a//b'                                  | false
            '/'                       | '/'                                     | true
            '+/+'                     | '/'                                     | true
            '+'                       | '/'                                     | false
            '/#'                      | '/'                                     | true
            '/#'                      | 'a'                                     | false
            '//#'                     | '/'                                     | true
            'a/b/#'                   | 'a'                                     | false
            'A'                       | 'a'                                     | false
            """)
    void matchesFollowsMqtt47(String filter, String topic, boolean expected) {
        assertThat(Topics.matches(filter, topic)).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            'a'          | true
            '/'          | true
            'a//b'       | true
            '$SYS/x'     | true
            'a/+'        | false
            'a/#'        | false
            'a+'         | false
            """)
    void validNames(String topic, boolean expected) {
        assertThat(Topics.isValidName(topic)).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            '#'                    | true
            'a/#'                  | true
            '+'                    | true
            '+/+'                  | true
            'a//b'                 | true
            'a/#/b'                | false
            'a#'                   | false
            'a+'                   | false
            '+a'                   | false
            '$share/g/a/+'         | true
            '$share/g/#'           | true
            '$share/g'             | false
            '$share//a'            | false
            '$share/g+/a'          | false
            '$share/g/'            | false
            """)
    void validFilters(String filter, boolean expected) {
        assertThat(Topics.isValidFilter(filter)).isEqualTo(expected);
    }
}
