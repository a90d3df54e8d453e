package io.meshmq.topic;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * The documented mode of use: one writer thread churning subscriptions while reader threads match. Readers must
 * never throw, must only see values whose filter matches, and must always see the subscriptions that are never
 * touched during the run. No timing is asserted; the run length is a fixed number of writes.
 */
class SubscriptionTrieConcurrencyTest {

    record Sub(String filter, int id) {}

    private static final String[] FILTERS = {
        "#", "+", "a", "a/#", "a/+", "+/+", "a/b", "a/b/#", "a//b", "$x/#", "$x/+", "a/+/c", "+/b/#", "b/#"};
    private static final String[] TOPICS = {"a", "a/b", "a/b/c", "a//b", "$x", "$x/a", "b", "b/b/c", "/a"};

    @Test
    void readersSeeConsistentStateWhileOneWriterChurns() throws Exception {
        SubscriptionTrie<Sub> trie = new SubscriptionTrie<>();
        List<Sub> stable = List.of(new Sub("a/#", -1), new Sub("+/b/#", -2), new Sub("$x/#", -3));
        for (Sub s : stable) trie.add(s.filter(), s);

        AtomicBoolean done = new AtomicBoolean();
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        int readers = 4;
        CountDownLatch started = new CountDownLatch(readers);
        List<Thread> threads = new ArrayList<>();
        for (int r = 0; r < readers; r++) {
            int seed = r;
            Thread t = new Thread(() -> {
                Random random = new Random(seed);
                started.countDown();
                try {
                    while (!done.get()) {
                        String topic = TOPICS[random.nextInt(TOPICS.length)];
                        List<Sub> seen = new ArrayList<>();
                        trie.match(topic, seen::add);
                        for (Sub s : seen) {
                            if (!Topics.matches(s.filter(), topic)) throw new AssertionError(s + " for " + topic);
                        }
                        for (Sub s : stable) {
                            if (Topics.matches(s.filter(), topic) && !seen.contains(s)) {
                                throw new AssertionError("missed stable " + s + " for " + topic);
                            }
                        }
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            }, "reader-" + r);
            threads.add(t);
            t.start();
        }
        started.await();

        // Ids 0..29 per filter cross the array/set threshold in both directions.
        Random random = new Random(42);
        List<Sub> live = new ArrayList<>();
        for (int i = 0; i < 300_000 && failures.isEmpty(); i++) {
            if (live.isEmpty() || random.nextInt(100) < 50) {
                Sub s = new Sub(FILTERS[random.nextInt(FILTERS.length)], random.nextInt(30));
                trie.add(s.filter(), s);
                if (!live.contains(s)) live.add(s);
            } else {
                Sub s = live.remove(random.nextInt(live.size()));
                assertThat(trie.remove(s.filter(), s)).isTrue();
            }
        }
        done.set(true);
        for (Thread t : threads) t.join();

        assertThat(failures).isEmpty();
        assertThat(trie.size()).isEqualTo(live.size() + stable.size());
        for (Sub s : live) trie.remove(s.filter(), s);
        for (Sub s : stable) trie.remove(s.filter(), s);
        assertThat(trie.rootIsBare()).isTrue();
    }
}
