package io.meshmq.topic;

import java.util.Objects;

/**
 * A shared subscription filter {@code $share/{ShareName}/{filter}} (MQTT 4.8.2): the broker delivers each
 * matching message to one session of the group instead of to all of them. The trie and retained store only
 * ever see {@link #filter()}; the group decides which subscriber receives a message.
 *
 * @param group  the ShareName: non-empty, no '/', '+' or '#' (MQTT-4.8.2-1, MQTT-4.8.2-2)
 * @param filter the plain topic filter that selects the messages
 */
public record SharedSubscription(String group, String filter) {

    public SharedSubscription {
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(filter, "filter");
        if (group.isEmpty() || group.indexOf('/') >= 0 || Topics.hasWildcard(group)) {
            throw new IllegalArgumentException("invalid share name: " + group);
        }
        if (filter.isEmpty() || !Topics.isValidFilter(filter)) {
            throw new IllegalArgumentException("invalid shared topic filter: " + filter);
        }
    }

    /**
     * Splits a SUBSCRIBE/UNSUBSCRIBE filter. Returns null for an ordinary (non-shared) filter, so callers can
     * branch on it; throws {@link IllegalArgumentException} for a malformed {@code $share/} filter, which
     * {@link Topics#isValidFilter} rejects (the caller should have answered with a failure reason code).
     */
    public static SharedSubscription parse(String topicFilter) {
        if (!Topics.isShared(topicFilter)) return null;
        int groupStart = Topics.SHARE_PREFIX.length();
        int slash = topicFilter.indexOf('/', groupStart);
        if (slash < 0) throw new IllegalArgumentException("shared filter without topic filter: " + topicFilter);
        return new SharedSubscription(topicFilter.substring(groupStart, slash), topicFilter.substring(slash + 1));
    }

    /** The full filter as a client writes it, e.g. for UNSUBSCRIBE bookkeeping. */
    public String topicFilter() { return Topics.SHARE_PREFIX + group + '/' + filter; }
}
