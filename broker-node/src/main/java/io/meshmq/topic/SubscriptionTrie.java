package io.meshmq.topic;

import java.util.Arrays;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The subscription index consulted on every PUBLISH: maps plain topic filters (MQTT 4.7) to values (typically a
 * session's subscription) and finds every value whose filter matches a topic name.
 *
 * <p><b>Structure.</b> One trie node per filter level; a level is either a literal (possibly empty, as in
 * {@code a//b}), {@code +} or {@code #}, all stored as ordinary child keys. Matching a topic of n levels walks the
 * literal child, the {@code +} child and the {@code #} child at each level, so its cost depends on the topic's
 * depth and on how many wildcard filters overlap it, not on the total number of subscriptions. A topic starting
 * with '$' skips the first-level {@code +} and {@code #} children (MQTT-4.7.2-1); {@code a/#} also matches
 * {@code a} (MQTT 4.7.1.2). Shared subscriptions are not special here: the caller strips {@code $share/{group}/}
 * (see {@link SharedSubscription}) and stores the plain filter with a value naming the group.
 *
 * <p><b>Values.</b> Each (filter, value) pair is stored once, by {@link Object#equals}: adding it again does
 * nothing. A filter's values live in an immutable array, replaced on every change (almost all filters have one
 * or a few subscribers), and switch to a concurrent hash set past {@value #ARRAY_MAX} values so that a filter
 * with a hundred thousand subscribers does not copy an array on every subscribe. Removing the last value of a
 * filter prunes every node left empty, so memory follows the live subscriptions, not the churn.
 *
 * <p><b>Concurrency: one writer, many readers.</b> {@link #add} and {@link #remove} are not synchronized and must
 * be called by one thread at a time (the broker's subscription-registry actor owns all writes). {@link #match},
 * {@link #size} and {@link #isEmpty} may be called from any number of other threads at the same time:
 * <ul>
 *   <li>child maps are {@link ConcurrentHashMap}s, whose lock-free {@code get} costs about what a
 *       {@code HashMap.get} does, so there is no separate single-threaded variant to choose between;</li>
 *   <li>node fields are volatile and every object is fully built before it is published through one of them
 *       (a new node's map, a new value array), so a reader sees either the old or the new state of a node,
 *       never a half-built one, and never throws because of a concurrent write;</li>
 *   <li>a reader that reached a node just pruned sees it empty: an unsubscribe racing a match may or may not
 *       be seen, and likewise a subscribe. Within one match a pair is visited at most once, except that a pair
 *       removed and re-added while a match is iterating a large (set-backed) value collection may be visited
 *       twice; delivery code that cannot tolerate that must deduplicate.</li>
 * </ul>
 * Copy-on-write of whole child maps was rejected: one node (e.g. {@code devices/}) can have a million children,
 * and copying that map per subscribe would be far slower than a concurrent map.
 *
 * <p>Matching recurses once per topic level, bounded by the deepest stored filter; the broker should cap the
 * number of topic levels it accepts (as it caps topic length) so that a hostile filter cannot make it deep.
 *
 * @param <V> the subscription value; must implement equals/hashCode as the identity of a subscription
 */
public final class SubscriptionTrie<V> {

    /** Values per filter kept in a copy-on-write array; one more switches to a concurrent set. */
    static final int ARRAY_MAX = 8;

    private final Node root = new Node();
    /** Written only by the single writer, so ++/-- need no atomicity; volatile so readers see a recent count. */
    private volatile int size;

    /**
     * Subscribes {@code value} to a plain {@code filter}. Adding a pair that is already present does nothing.
     *
     * @throws IllegalArgumentException if the filter is invalid or shared ({@code $share/...})
     */
    public void add(String filter, V value) {
        Objects.requireNonNull(value, "value");
        if (Topics.isShared(filter) || !Topics.isValidFilter(filter)) {
            throw new IllegalArgumentException("not a plain topic filter: " + filter);
        }
        Node node = root;
        for (String level : Topics.levels(filter)) node = node.childOrCreate(level);
        if (node.addValue(value)) size++;
    }

    /** Unsubscribes the pair; returns false if it was not present. Prunes nodes that become empty. */
    public boolean remove(String filter, V value) {
        Objects.requireNonNull(value, "value");
        String[] levels = Topics.levels(filter);
        Node[] path = new Node[levels.length + 1];
        path[0] = root;
        for (int i = 0; i < levels.length; i++) {
            ConcurrentHashMap<String, Node> children = path[i].children;
            Node child = children == null ? null : children.get(levels[i]);
            if (child == null) return false;
            path[i + 1] = child;
        }
        if (!path[levels.length].removeValue(value)) return false;
        size--;
        // Walk back up, unlinking each node that now holds nothing, so churn does not leave dead branches.
        for (int i = levels.length; i > 0 && path[i].isEmpty(); i--) {
            Node parent = path[i - 1];
            ConcurrentHashMap<String, Node> siblings = parent.children;
            siblings.remove(levels[i - 1]);
            if (siblings.isEmpty()) parent.children = null;
        }
        return true;
    }

    /**
     * Passes every value whose filter matches {@code topic} to {@code sink}, each stored pair once (see the class
     * comment for the one exception under concurrent writes). A value subscribed through several matching
     * filters is passed once per filter: MQTT lets the server deliver once per subscription (MQTT 3.3.4), and
     * picking among overlapping subscriptions is the caller's decision.
     *
     * @param topic a valid topic name (no wildcards); not checked here because this is the PUBLISH hot path
     */
    public void match(String topic, Consumer<? super V> sink) {
        matchLevel(root, Topics.levels(topic), 0, Topics.isDollarTopic(topic), sink);
    }

    private static <V> void matchLevel(Node node, String[] levels, int depth, boolean dollarTopic,
                                       Consumer<? super V> sink) {
        ConcurrentHashMap<String, Node> children = node.children; // read the volatile once
        if (depth == levels.length) {
            node.<V>emit(sink);
            // "sport/#" matches "sport": the '#' child of the last level's node (MQTT 4.7.1.2).
            if (children != null) {
                Node multi = children.get("#");
                if (multi != null) multi.<V>emit(sink);
            }
            return;
        }
        if (children == null) return;
        // MQTT-4.7.2-1: a first-level wildcard must not match a topic starting with '$'.
        if (depth != 0 || !dollarTopic) {
            Node multi = children.get("#");
            if (multi != null) multi.<V>emit(sink);
            Node single = children.get("+");
            if (single != null) matchLevel(single, levels, depth + 1, dollarTopic, sink);
        }
        String level = levels[depth];
        // A wildcard character in a topic name is a caller bug; skipping it keeps each pair visited once.
        if (!isWildcardLevel(level)) {
            Node literal = children.get(level);
            if (literal != null) matchLevel(literal, levels, depth + 1, dollarTopic, sink);
        }
    }

    private static boolean isWildcardLevel(String level) {
        return level.length() == 1 && (level.charAt(0) == '+' || level.charAt(0) == '#');
    }

    /** Number of stored (filter, value) pairs. */
    public int size() { return size; }

    public boolean isEmpty() { return size == 0; }

    /** Nodes below the root, for tests that check pruning. Walks the whole trie. */
    int nodeCount() { return root.countDescendants(); }

    /** Whether the root holds neither children nor values, i.e. everything was pruned. */
    boolean rootIsBare() { return root.isEmpty(); }

    /** One filter level. Fields are volatile so that readers see fully built maps and value arrays. */
    private static final class Node {
        /** Null for a leaf: most nodes are leaves, and an empty ConcurrentHashMap is not free. */
        volatile ConcurrentHashMap<String, Node> children;
        /** Null, an immutable Object[] of at most ARRAY_MAX values, or a concurrent Set of values. */
        volatile Object values;

        boolean isEmpty() { return children == null && values == null; }

        Node childOrCreate(String level) {
            ConcurrentHashMap<String, Node> map = children;
            if (map == null) {
                map = new ConcurrentHashMap<>(2);
                children = map;
            }
            Node child = map.get(level);
            if (child == null) {
                child = new Node();
                map.put(level, child);
            }
            return child;
        }

        boolean addValue(Object value) {
            Object current = values;
            if (current == null) {
                values = new Object[] {value};
                return true;
            }
            if (current instanceof Object[] array) {
                for (Object existing : array) if (existing.equals(value)) return false;
                if (array.length < ARRAY_MAX) {
                    Object[] grown = Arrays.copyOf(array, array.length + 1);
                    grown[array.length] = value;
                    values = grown;
                } else {
                    Set<Object> set = ConcurrentHashMap.newKeySet(array.length * 2);
                    set.addAll(Arrays.asList(array));
                    set.add(value);
                    values = set; // published only once complete
                }
                return true;
            }
            return asSet(current).add(value);
        }

        boolean removeValue(Object value) {
            Object current = values;
            if (current == null) return false;
            if (current instanceof Object[] array) {
                int index = -1;
                for (int i = 0; i < array.length; i++) {
                    if (array[i].equals(value)) {
                        index = i;
                        break;
                    }
                }
                if (index < 0) return false;
                if (array.length == 1) {
                    values = null;
                } else {
                    Object[] shrunk = new Object[array.length - 1];
                    System.arraycopy(array, 0, shrunk, 0, index);
                    System.arraycopy(array, index + 1, shrunk, index, array.length - index - 1);
                    values = shrunk;
                }
                return true;
            }
            Set<Object> set = asSet(current);
            if (!set.remove(value)) return false;
            // Back to a compact array well below the threshold, so add/remove at the boundary does not flap.
            if (set.size() <= ARRAY_MAX / 2) {
                Object[] array = set.toArray();
                values = array.length == 0 ? null : array;
            }
            return true;
        }

        @SuppressWarnings("unchecked")
        <V> void emit(Consumer<? super V> sink) {
            Object current = values;
            if (current == null) return;
            if (current instanceof Object[] array) {
                for (Object value : array) sink.accept((V) value);
            } else {
                for (Object value : asSet(current)) sink.accept((V) value);
            }
        }

        int countDescendants() {
            ConcurrentHashMap<String, Node> map = children;
            if (map == null) return 0;
            int count = 0;
            for (Node child : map.values()) count += 1 + child.countDescendants();
            return count;
        }

        @SuppressWarnings("unchecked")
        private static Set<Object> asSet(Object values) { return (Set<Object>) values; }
    }
}
