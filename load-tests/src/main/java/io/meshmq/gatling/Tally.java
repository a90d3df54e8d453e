package io.meshmq.gatling;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Delivery accounting across virtual users: publishers record the key of each acknowledged message
 * ({@code publish(...).tally(name)}), subscribers record what arrives on a tallied subscription
 * ({@code subscribe(...).tally(name)}), and {@code awaitDelivered(name)} waits until everything a virtual user
 * published has arrived somewhere. Keys are the payload text before the first '|'.
 */
public final class Tally {
    private final String name;
    private final Set<String> arrived = ConcurrentHashMap.newKeySet();
    private final AtomicLong published = new AtomicLong(), received = new AtomicLong(), unique = new AtomicLong(),
            confirmed = new AtomicLong();

    Tally(String name) {
        this.name = name;
    }

    void notePublished() {
        published.incrementAndGet();
    }

    void noteReceived(String key) {
        received.incrementAndGet();
        if (arrived.add(key)) unique.incrementAndGet();
    }

    /** Whether the key has arrived; once confirmed it is forgotten (a later duplicate counts as a new arrival). */
    boolean confirm(String key) {
        if (!arrived.remove(key)) return false;
        confirmed.incrementAndGet();
        return true;
    }

    public String name() { return name; }
    /** Messages acknowledged by the broker to publishers. */
    public long published() { return published.get(); }
    /** Messages received by subscribers, duplicates included. */
    public long received() { return received.get(); }
    /** Distinct keys received (a key received again after it was confirmed counts again). */
    public long receivedUnique() { return unique.get(); }
    /** Published messages a publisher saw arrive in awaitDelivered. */
    public long confirmed() { return confirmed.get(); }

    @Override
    public String toString() {
        return "tally " + name + ": published " + published() + ", received " + received() + " (" + receivedUnique()
                + " unique), confirmed " + confirmed();
    }
}
