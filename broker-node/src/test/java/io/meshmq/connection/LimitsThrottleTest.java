package io.meshmq.connection;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** The per-client budgets of broker.limits (publish-rate, bytes-rate) with a clock the test moves. */
class LimitsThrottleTest {
    private static final long SECOND = 1_000_000_000L;
    private final AtomicLong now = new AtomicLong(42 * SECOND);

    private static Limits limits(int publishRate, long bytesRate, Duration maxDelay) {
        return new Limits(0, 0, 0, 0, 0, publishRate, 0, maxDelay, bytesRate, 0, 0, 0);
    }

    private TokenBucket bucket(double rate, double capacity) { return new TokenBucket(rate, capacity, now::get); }

    @Test
    @DisplayName("a token bucket lends up to its capacity, then owes time; time pays the debt back")
    void tokenBucketDebt() {
        TokenBucket b = bucket(1000, 1000);
        assertThat(b.take(1000)).isZero();
        assertThat(b.take(500) / 1_000_000).as("ms of debt").isEqualTo(500);
        now.addAndGet(SECOND / 2 + 1_000_000);
        assertThat(b.take(0)).isZero();
        now.addAndGet(10 * SECOND);            // refills only up to the capacity
        assertThat(b.take(1000)).isZero();
        assertThat(b.take(1)).isPositive();
        assertThat(b.tryTake()).isFalse();
    }

    @Test
    @DisplayName("within the byte budget a read goes on at once; over it, it is held back for the debt; past max-delay it is the hard limit")
    void bytesRate() {
        Limits l = limits(0, 1000, Duration.ofSeconds(2));
        TokenBucket bytes = bucket(1000, 1000);
        assertThat(l.throttle(null, 5, bytes, 1000)).isEqualTo(new Limits.Throttle(0, null));
        assertThat(l.throttle(null, 5, bytes, 500)).isEqualTo(new Limits.Throttle(500, "bytes-throttled"));
        now.addAndGet(SECOND / 2);
        assertThat(l.throttle(null, 0, bytes, 1500)).isEqualTo(new Limits.Throttle(1500, "bytes-throttled"));
        assertThat(l.throttle(null, 0, bytes, 600)).isEqualTo(new Limits.Throttle(-1, "bytes-rate"));
    }

    @Test
    @DisplayName("with both budgets the longer debt decides and names the counter; a read without PUBLISH costs no publish token")
    void bothBudgets() {
        Limits l = limits(10, 1000, Duration.ofSeconds(30));
        TokenBucket publishes = bucket(10, 10);
        TokenBucket bytes = bucket(1000, 1000);
        assertThat(l.throttle(publishes, 10, bytes, 100).delayMillis()).isZero();
        assertThat(l.throttle(publishes, 5, bytes, 100)).isEqualTo(new Limits.Throttle(500, "publish-throttled"));
        assertThat(l.throttle(publishes, 0, bytes, 3000)).isEqualTo(new Limits.Throttle(2200, "bytes-throttled"));
        assertThat(l.throttle(publishes, 400, bytes, 0)).isEqualTo(new Limits.Throttle(-1, "publish-rate"));
    }

    @Test
    @DisplayName("0 means off: no buckets, never a delay")
    void off() {
        Limits l = Limits.NONE;
        assertThat(l.publishBucket()).isNull();
        assertThat(l.bytesBucket()).isNull();
        assertThat(l.throttle(null, 1_000_000, null, Long.MAX_VALUE)).isEqualTo(new Limits.Throttle(0, null));
    }
}
