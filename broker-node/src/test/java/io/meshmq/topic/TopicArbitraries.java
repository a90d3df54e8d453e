package io.meshmq.topic;

import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/**
 * Generators for topic names and plain filters over a tiny level alphabet, so that random filters and topics
 * collide often: empty levels, a '$' level (MQTT-4.7.2-1) and a prefix pair ("a"/"ab") are the interesting cases.
 */
public final class TopicArbitraries {
    private TopicArbitraries() {}

    private static final List<String> NAME_LEVELS = List.of("a", "ab", "b", "$x", "");

    /** Valid topic names of 1 to 4 levels; "" alone is excluded because a topic name needs one character. */
    public static Arbitrary<String> topics() {
        return Arbitraries.of(NAME_LEVELS).list().ofMinSize(1).ofMaxSize(4)
                .map(levels -> String.join("/", levels))
                .filter(Topics::isValidName);
    }

    /** Valid plain filters of 1 to 4 levels, with '+' anywhere and optionally a trailing '#'. */
    public static Arbitrary<String> filters() {
        Arbitrary<String> level = Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.of(NAME_LEVELS)), Tuple.of(1, Arbitraries.just("+")));
        Arbitrary<List<String>> prefix = level.list().ofMinSize(0).ofMaxSize(3);
        return Combinators.combine(prefix, level, Arbitraries.integers().between(0, 2)).as((p, last, tail) -> {
            StringBuilder sb = new StringBuilder();
            for (String l : p) sb.append(l).append('/');
            // tail 0: end with a normal level; 1: end with '#'; 2: end with '/#' after a normal level
            if (tail == 0) sb.append(last);
            else if (tail == 1) sb.append('#');
            else sb.append(last).append("/#");
            return sb.toString();
        }).filter(Topics::isValidFilter);
    }

    /** The specification read literally, as an independent model for {@link Topics#matches}. */
    public static boolean referenceMatches(String filter, String topic) {
        String[] f = filter.split("/", -1), t = topic.split("/", -1);
        if (topic.startsWith("$") && (f[0].equals("+") || f[0].equals("#"))) return false;
        for (int i = 0; i < f.length; i++) {
            if (f[i].equals("#")) return true;
            if (i >= t.length) return false;
            if (!f[i].equals("+") && !f[i].equals(t[i])) return false;
        }
        return f.length == t.length;
    }
}
