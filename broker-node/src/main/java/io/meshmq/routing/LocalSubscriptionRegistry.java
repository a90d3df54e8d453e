package io.meshmq.routing;

import io.meshmq.topic.SubscriptionTrie;
import io.meshmq.topic.SharedSubscription;
import org.apache.pekko.Done;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The subscription index of one node: a topic trie read concurrently by every connection, written under one lock
 * by sessions. Shared subscriptions keep one trie entry per group and filter; each message picks one member of the
 * group in turn (MQTT 4.8.2).
 */
public final class LocalSubscriptionRegistry implements SubscriptionRegistry {
    private static final CompletionStage<Done> DONE = CompletableFuture.completedFuture(Done.getInstance());

    /** A trie value: a client's plain subscription, or a shared group. */
    private sealed interface Entry permits Plain, Group {}

    private record Plain(String clientId) implements Entry {}

    private static final class Group implements Entry {
        final String sharedFilter;
        final CopyOnWriteArrayList<String> members = new CopyOnWriteArrayList<>();
        final AtomicInteger next = new AtomicInteger();

        Group(String sharedFilter) { this.sharedFilter = sharedFilter; }

        String pick() {
            int n = members.size();
            if (n == 0) return null;
            try {
                return members.get(Math.floorMod(next.getAndIncrement(), n));
            } catch (IndexOutOfBoundsException raced) {
                return members.isEmpty() ? null : members.get(0);
            }
        }
    }

    private final SubscriptionTrie<Entry> trie = new SubscriptionTrie<>();
    private final ConcurrentHashMap<String, Group> groups = new ConcurrentHashMap<>();
    private final AtomicInteger sharedMembers = new AtomicInteger();

    @Override
    public CompletionStage<Done> add(String clientId, String filter) {
        synchronized (this) {
            SharedSubscription shared = SharedSubscription.parse(filter);
            if (shared == null) {
                trie.add(filter, new Plain(clientId));
            } else {
                Group g = groups.get(filter);
                if (g == null) {
                    g = new Group(filter);
                    groups.put(filter, g);
                    trie.add(shared.filter(), g);
                }
                if (!g.members.contains(clientId)) {
                    g.members.add(clientId);
                    sharedMembers.incrementAndGet();
                }
            }
        }
        return DONE;
    }

    @Override
    public CompletionStage<Done> remove(String clientId, String filter) {
        synchronized (this) {
            SharedSubscription shared = SharedSubscription.parse(filter);
            if (shared == null) {
                trie.remove(filter, new Plain(clientId));
            } else {
                Group g = groups.get(filter);
                if (g != null && g.members.remove(clientId)) {
                    sharedMembers.decrementAndGet();
                    if (g.members.isEmpty()) {
                        groups.remove(filter);
                        trie.remove(shared.filter(), g);
                    }
                }
            }
        }
        return DONE;
    }

    @Override
    public void match(String topic, MatchSink sink) {
        trie.match(topic, e -> {
            if (e instanceof Plain p) {
                sink.subscriber(p.clientId());
            } else if (e instanceof Group g) {
                String member = g.pick();
                if (member != null) sink.sharedSubscriber(member, g.sharedFilter);
            }
        });
    }

    @Override
    public int size() { return trie.size() - groups.size() + sharedMembers.get(); }
}
