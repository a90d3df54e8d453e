package io.meshmq.retain;

import io.meshmq.topic.Topics;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.ToLongFunction;

/**
 * Retained messages by topic name (MQTT 3.3.1.3): at most one per topic, handed to each new subscription whose
 * filter matches. Stored in a trie of topic levels so that a subscription to {@code sport/#} or {@code +/status}
 * visits only the matching branches instead of scanning every retained topic.
 *
 * <p>This is the in-memory index only. Deciding what to retain (a retained PUBLISH with an empty payload deletes,
 * MQTT-3.3.1-6/7), expiry and persistence belong to the broker's actor layer, which calls {@link #put} and
 * {@link #remove}. The store is generic in the message type so that layer decides what it keeps.
 *
 * <p><b>Not thread-safe.</b> One actor owns the store and calls every method; unlike the subscription trie it is
 * not on the PUBLISH fan-out path for other threads, so it uses plain maps. A sink passed to {@link #match} must
 * not modify the store.
 *
 * @param <T> the retained message type
 */
public final class RetainedStore<T> {

    private final ToLongFunction<? super T> sizeOf;
    private final Predicate<? super T> limited;
    private final Node<T> root = new Node<>();
    private int size;
    private long totalBytes;
    /** Count and size of the messages {@link #fits} holds to the limits. */
    private int limitedSize;
    private long limitedBytes;

    /** A store that does not track sizes: {@link #totalBytes()} stays 0. */
    public RetainedStore() {
        this(message -> 0L);
    }

    /** @param sizeOf the size a message counts for in {@link #totalBytes()}, e.g. its payload length */
    public RetainedStore(ToLongFunction<? super T> sizeOf) {
        this(sizeOf, message -> true);
    }

    /**
     * @param sizeOf  the size a message counts for in {@link #totalBytes()}, e.g. its payload length
     * @param limited which messages {@link #fits} holds to the limits (and counts against them); the others, e.g.
     *                the broker's own statistics, always fit
     */
    public RetainedStore(ToLongFunction<? super T> sizeOf, Predicate<? super T> limited) {
        this.sizeOf = Objects.requireNonNull(sizeOf, "sizeOf");
        this.limited = Objects.requireNonNull(limited, "limited");
    }

    /**
     * Retains {@code message} for {@code topic}, replacing any message retained there before.
     *
     * @return the replaced message, or null
     * @throws IllegalArgumentException if {@code topic} is not a valid topic name (it contains a wildcard)
     */
    public T put(String topic, T message) {
        Objects.requireNonNull(message, "message");
        if (!Topics.isValidName(topic)) throw new IllegalArgumentException("not a topic name: " + topic);
        Node<T> node = root;
        for (String level : Topics.levels(topic)) node = node.childOrCreate(level);
        T previous = node.message;
        node.message = message;
        if (previous == null) size++;
        else forget(previous);
        long bytes = sizeOf.applyAsLong(message);
        totalBytes += bytes;
        if (limited.test(message)) {
            limitedSize++;
            limitedBytes += bytes;
        }
        return previous;
    }

    /**
     * Whether retaining {@code message} for {@code topic} keeps the store within {@code maxMessages} messages and
     * {@code maxBytes} of {@link #totalBytes()} (0: no limit). Replacing a retained message with one no larger always
     * fits, even when the store is over a limit (lowered since, or set after the messages were retained), so a
     * client can keep updating its topic; a new topic needs room for one more message and its size. Only messages
     * the {@code limited} predicate selects count and are checked.
     */
    public boolean fits(String topic, T message, int maxMessages, long maxBytes) {
        if (!limited.test(message)) return true;
        long added = sizeOf.applyAsLong(message);
        T previous = get(topic);
        if (previous != null && limited.test(previous)) {
            long replaced = sizeOf.applyAsLong(previous);
            return added <= replaced || maxBytes <= 0 || limitedBytes - replaced + added <= maxBytes;
        }
        if (maxMessages > 0 && limitedSize >= maxMessages) return false;
        return maxBytes <= 0 || limitedBytes + added <= maxBytes;
    }

    private void forget(T previous) {
        long bytes = sizeOf.applyAsLong(previous);
        totalBytes -= bytes;
        if (limited.test(previous)) {
            limitedSize--;
            limitedBytes -= bytes;
        }
    }

    /** Forgets the message retained for {@code topic}; returns it, or null if there was none. */
    public T remove(String topic) {
        String[] levels = Topics.levels(topic);
        @SuppressWarnings("unchecked")
        Node<T>[] path = new Node[levels.length + 1];
        path[0] = root;
        for (int i = 0; i < levels.length; i++) {
            Node<T> child = path[i].child(levels[i]);
            if (child == null) return null;
            path[i + 1] = child;
        }
        Node<T> node = path[levels.length];
        T previous = node.message;
        if (previous == null) return null;
        node.message = null;
        size--;
        forget(previous);
        // Unlink nodes left without message or children, so memory follows the retained topics, not the churn.
        for (int i = levels.length; i > 0 && path[i].isEmpty(); i--) {
            Node<T> parent = path[i - 1];
            parent.children.remove(levels[i - 1]);
            if (parent.children.isEmpty()) parent.children = null;
        }
        return previous;
    }

    /** The message retained for exactly {@code topic}, or null. */
    public T get(String topic) {
        Node<T> node = root;
        for (String level : Topics.levels(topic)) {
            node = node.child(level);
            if (node == null) return null;
        }
        return node.message;
    }

    /**
     * Passes every retained message whose topic {@code filter} matches to {@code sink} (MQTT 4.7): each at most
     * once, in no particular order. Topics starting with '$' are not matched by a first-level wildcard
     * (MQTT-4.7.2-1), and {@code a/#} also matches {@code a}.
     *
     * @param filter a plain filter; the caller strips {@code $share/{group}/} first
     * @throws IllegalArgumentException if the filter is invalid or shared
     */
    public void match(String filter, Consumer<? super T> sink) {
        if (Topics.isShared(filter) || !Topics.isValidFilter(filter)) {
            throw new IllegalArgumentException("not a plain topic filter: " + filter);
        }
        matchLevel(root, Topics.levels(filter), 0, sink);
    }

    private static <T> void matchLevel(Node<T> node, String[] levels, int depth, Consumer<? super T> sink) {
        if (depth == levels.length) {
            if (node.message != null) sink.accept(node.message);
            return;
        }
        String level = levels[depth];
        if (level.equals("#")) {
            emitSubtree(node, depth == 0, sink);
            return;
        }
        Map<String, Node<T>> children = node.children;
        if (children == null) return;
        if (level.equals("+")) {
            for (Map.Entry<String, Node<T>> child : children.entrySet()) {
                if (depth == 0 && isDollarLevel(child.getKey())) continue;
                matchLevel(child.getValue(), levels, depth + 1, sink);
            }
        } else {
            Node<T> child = children.get(level);
            if (child != null) matchLevel(child, levels, depth + 1, sink);
        }
    }

    /**
     * '#': the node's own message (the parent level, "a/#" matches "a") and everything below it. Iterative
     * because retained topics can be much deeper than the filter that asks for them.
     */
    private static <T> void emitSubtree(Node<T> start, boolean hideDollarTopics, Consumer<? super T> sink) {
        ArrayDeque<Node<T>> pending = new ArrayDeque<>();
        if (start.message != null) sink.accept(start.message);
        if (start.children != null) {
            for (Map.Entry<String, Node<T>> child : start.children.entrySet()) {
                if (hideDollarTopics && isDollarLevel(child.getKey())) continue;
                pending.push(child.getValue());
            }
        }
        while (!pending.isEmpty()) {
            Node<T> node = pending.pop();
            if (node.message != null) sink.accept(node.message);
            if (node.children != null) for (Node<T> child : node.children.values()) pending.push(child);
        }
    }

    private static boolean isDollarLevel(String level) { return !level.isEmpty() && level.charAt(0) == '$'; }

    /** Number of retained messages. */
    public int size() { return size; }

    public boolean isEmpty() { return size == 0; }

    /** Sum of the sizes of the retained messages, as measured by the function given at construction. */
    public long totalBytes() { return totalBytes; }

    /** Nodes below the root, for tests that check pruning. */
    int nodeCount() {
        int count = 0;
        ArrayDeque<Node<T>> pending = new ArrayDeque<>();
        pending.push(root);
        while (!pending.isEmpty()) {
            Node<T> node = pending.pop();
            if (node.children == null) continue;
            count += node.children.size();
            for (Node<T> child : node.children.values()) pending.push(child);
        }
        return count;
    }

    /** One topic level; {@code children} is null for leaves, which are most nodes. */
    private static final class Node<T> {
        Map<String, Node<T>> children;
        T message;

        boolean isEmpty() { return children == null && message == null; }

        Node<T> child(String level) { return children == null ? null : children.get(level); }

        Node<T> childOrCreate(String level) {
            if (children == null) children = new HashMap<>(4);
            return children.computeIfAbsent(level, l -> new Node<>());
        }
    }
}
