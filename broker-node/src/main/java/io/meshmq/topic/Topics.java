package io.meshmq.topic;

/**
 * Topic name and topic filter rules of MQTT 4.7. Strings reaching here are already well-formed UTF-8 without
 * U+0000 (the codec checks that); these functions check the wildcard and length rules.
 */
public final class Topics {
    private Topics() {}

    public static final String SHARE_PREFIX = "$share/";

    /** A topic name for PUBLISH: at least one character, no wildcards (MQTT-4.7.3-1, MQTT-3.3.2-2). */
    public static boolean isValidName(String topic) {
        if (topic.isEmpty()) return false;
        for (int i = 0; i < topic.length(); i++) {
            char c = topic.charAt(i);
            if (c == '+' || c == '#') return false;
        }
        return true;
    }

    /**
     * A topic filter for SUBSCRIBE/UNSUBSCRIBE (MQTT 4.7.1): '#' only alone as the last level, '+' only as a
     * whole level. A shared filter {@code $share/{group}/{filter}} needs a group without wildcards or '/' and a
     * valid filter (MQTT 4.8.2).
     */
    public static boolean isValidFilter(String filter) {
        if (filter.isEmpty()) return false;
        if (filter.startsWith(SHARE_PREFIX)) {
            int slash = filter.indexOf('/', SHARE_PREFIX.length());
            if (slash < 0) return false;
            String group = filter.substring(SHARE_PREFIX.length(), slash);
            if (group.isEmpty() || group.indexOf('+') >= 0 || group.indexOf('#') >= 0) return false;
            return isValidPlainFilter(filter.substring(slash + 1));
        }
        return isValidPlainFilter(filter);
    }

    private static boolean isValidPlainFilter(String filter) {
        if (filter.isEmpty()) return false;
        int len = filter.length();
        for (int i = 0; i < len; i++) {
            char c = filter.charAt(i);
            if (c == '#') {
                boolean levelStart = i == 0 || filter.charAt(i - 1) == '/';
                if (!levelStart || i != len - 1) return false;
            } else if (c == '+') {
                boolean levelStart = i == 0 || filter.charAt(i - 1) == '/';
                boolean levelEnd = i == len - 1 || filter.charAt(i + 1) == '/';
                if (!levelStart || !levelEnd) return false;
            }
        }
        return true;
    }

    public static boolean isShared(String filter) { return filter.startsWith(SHARE_PREFIX); }

    public static boolean hasWildcard(String filter) { return filter.indexOf('+') >= 0 || filter.indexOf('#') >= 0; }

    /**
     * Whether {@code filter} (not shared) matches {@code topic} (MQTT 4.7). Compares level by level: '+' takes
     * any one level (also an empty one), '#' takes the rest including the parent level ("a/#" matches "a").
     * Topics starting with '$' are not matched by a filter starting with a wildcard (MQTT-4.7.2-1).
     * Both arguments are assumed valid ({@link #isValidFilter}, {@link #isValidName}).
     */
    public static boolean matches(String filter, String topic) {
        if (isDollarTopic(topic) && !filter.isEmpty() && isWildcardChar(filter.charAt(0))) return false;
        int fl = filter.length(), tl = topic.length();
        int fStart = 0, tStart = 0; // start of the current level in each string
        while (true) {
            int fEnd = levelEnd(filter, fStart), tEnd = levelEnd(topic, tStart);
            int fLen = fEnd - fStart;
            boolean plus = fLen == 1 && filter.charAt(fStart) == '+';
            boolean hash = fLen == 1 && filter.charAt(fStart) == '#';
            if (hash) return true; // '#' is always the last filter level
            if (!plus && (fLen != tEnd - tStart || !filter.regionMatches(fStart, topic, tStart, fLen))) return false;
            boolean filterDone = fEnd == fl, topicDone = tEnd == tl;
            if (filterDone || topicDone) {
                // The topic may end one level early if the filter's only remaining level is '#'.
                return filterDone == topicDone || (topicDone && fl - fEnd == 2 && filter.charAt(fl - 1) == '#');
            }
            fStart = fEnd + 1;
            tStart = tEnd + 1;
        }
    }

    /** Topics such as {@code $SYS/...} are reserved for the server and hidden from leading wildcards. */
    public static boolean isDollarTopic(String topic) { return !topic.isEmpty() && topic.charAt(0) == '$'; }

    private static boolean isWildcardChar(char c) { return c == '+' || c == '#'; }

    /** Index of the '/' ending the level starting at {@code from}, or the string length for the last level. */
    private static int levelEnd(String s, int from) {
        int slash = s.indexOf('/', from);
        return slash < 0 ? s.length() : slash;
    }

    /**
     * Splits a topic name or plain filter into its levels, keeping empty ones: "a//b" has three levels and
     * "/finance" two. Avoids String.split's regex and list machinery because this runs on every PUBLISH.
     */
    public static String[] levels(String s) {
        int count = 1;
        for (int i = 0; i < s.length(); i++) if (s.charAt(i) == '/') count++;
        String[] out = new String[count];
        int start = 0;
        for (int i = 0; i < count - 1; i++) {
            int slash = s.indexOf('/', start);
            out[i] = s.substring(start, slash);
            start = slash + 1;
        }
        out[count - 1] = s.substring(start);
        return out;
    }
}
