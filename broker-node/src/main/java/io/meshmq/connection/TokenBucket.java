package io.meshmq.connection;

import java.util.function.LongSupplier;

/**
 * A token bucket: {@code ratePerSecond} tokens flow in, up to {@code capacity}. {@link #take} always takes and may
 * leave the bucket in debt; it returns how long the debt takes to pay back. Not thread-safe unless noted.
 */
public final class TokenBucket {
    private final double ratePerNano;
    private final double capacity;
    private double tokens;
    private final LongSupplier nanoTime;
    private long last;

    public TokenBucket(double ratePerSecond, double capacity) {
        this(ratePerSecond, capacity, System::nanoTime);
    }

    /** With a clock of its own, so that tests decide how much time passes. */
    TokenBucket(double ratePerSecond, double capacity, LongSupplier nanoTime) {
        this.ratePerNano = ratePerSecond / 1e9;
        this.capacity = Math.max(1, capacity);
        this.tokens = this.capacity;
        this.nanoTime = nanoTime;
        this.last = nanoTime.getAsLong();
    }

    /** Takes {@code n} tokens; returns the nanoseconds until the bucket is out of debt (0: no debt). */
    public long take(long n) {
        refill();
        tokens -= n;
        return tokens >= 0 ? 0 : (long) Math.ceil(-tokens / ratePerNano);
    }

    /** Takes one token if there is one. */
    public boolean tryTake() {
        refill();
        if (tokens < 1) return false;
        tokens -= 1;
        return true;
    }

    private void refill() {
        long now = nanoTime.getAsLong();
        tokens = Math.min(capacity, tokens + (now - last) * ratePerNano);
        last = now;
    }
}
