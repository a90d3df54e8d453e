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
     * Whether {@code filter} (not shared) matches {@code topic} (MQTT 4.7). Topics starting with '$' are not
     * matched by a filter starting with a wildcard (MQTT-4.7.2-1).
     */
    public static boolean matches(String filter, String topic) {
        if (!topic.isEmpty() && topic.charAt(0) == '$' && !filter.isEmpty()
                && (filter.charAt(0) == '+' || filter.charAt(0) == '#')) {
            return false;
        }
        int fi = 0, ti = 0;
        int fl = filter.length(), tl = topic.length();
        while (fi < fl) {
            char fc = filter.charAt(fi);
            if (fc == '#') return true;
            if (fc == '+') {
                while (ti < tl && topic.charAt(ti) != '/') ti++;
                fi++;
            } else {
                if (ti >= tl || topic.charAt(ti) != fc) {
                    // "a/#" matches "a": the parent level of a multi-level wildcard
                    return ti == tl && fc == '/' && fi + 2 == fl && filter.charAt(fi + 1) == '#';
                }
                fi++;
                ti++;
            }
            if (fi < fl && ti >= tl && filter.charAt(fi - 1) != '/' ) {
                // topic exhausted mid-filter: only "/#" may remain
                return fl - fi == 2 && filter.charAt(fi) == '/' && filter.charAt(fi + 1) == '#';
            }
        }
        return ti == tl;
    }
}
