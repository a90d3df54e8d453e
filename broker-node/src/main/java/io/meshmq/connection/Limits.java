package io.meshmq.connection;

import com.typesafe.config.Config;

import java.time.Duration;

/**
 * Abuse limits from {@code broker.limits} (see docs/configuration.md). 0 means unlimited everywhere.
 *
 * @param maxConnections            client connections one node accepts; more get CONNACK 0x89 Server Busy (3.1.1: 3)
 * @param maxConnectionRate         CONNECT packets per second one node accepts (burst of the same size); more get
 *                                  CONNACK 0x9F Connection Rate Exceeded (3.1.1: 3) and are closed
 * @param maxTopicLength            longest topic name or filter, in characters
 * @param maxTopicLevels            most levels in a topic name or filter
 * @param maxSubscriptionsPerClient subscriptions one session may hold; more get SUBACK 0x97 Quota Exceeded (3.1.1: 0x80)
 * @param publishRate               PUBLISH packets per second per client (token bucket); over it, reading slows down
 * @param publishBurst              the bucket's size; 0: one second's worth
 * @param publishMaxDelay           a client so far over its budget (of PUBLISH packets or of bytes) that it would wait
 *                                  longer than this is disconnected with 0x96 Message Rate Too High
 * @param bytesRate                 bytes read per second per client (token bucket); over it, reading slows down
 * @param bytesBurst                the byte bucket's size; 0: one second's worth
 * @param maxRetainedMessages       retained messages the broker (a cluster: the cluster) holds; a retained message
 *                                  for a new topic over it is delivered but not retained
 * @param maxRetainedBytes          total size of the retained messages (payload, topic and 64 bytes each, as
 *                                  {@code ApplicationMessage.weight}); a retained message over it is delivered but
 *                                  not retained
 */
public record Limits(int maxConnections, int maxConnectionRate, int maxTopicLength, int maxTopicLevels,
                     int maxSubscriptionsPerClient, int publishRate, int publishBurst, Duration publishMaxDelay,
                     long bytesRate, long bytesBurst, int maxRetainedMessages, long maxRetainedBytes) {

    public static final Limits NONE = new Limits(0, 0, 0, 0, 0, 0, 0, Duration.ofSeconds(30), 0, 0, 0, 0);

    public static Limits from(Config c) {
        return new Limits(c.getInt("max-connections"), c.getInt("max-connection-rate"), c.getInt("max-topic-length"),
                c.getInt("max-topic-levels"), c.getInt("max-subscriptions-per-client"), c.getInt("publish-rate"),
                c.getInt("publish-burst"), c.getDuration("publish-max-delay"), c.getBytes("bytes-rate"),
                c.getBytes("bytes-burst"), c.getInt("max-retained-messages"), c.getBytes("max-retained-bytes"));
    }

    /** How many more subscriptions a session holding {@code held} may add (Integer.MAX_VALUE: no limit). */
    public int subscriptionRoom(int held) {
        return maxSubscriptionsPerClient <= 0 ? Integer.MAX_VALUE : Math.max(0, maxSubscriptionsPerClient - held);
    }

    /** Whether a topic name or plain filter is within the length and level limits. */
    public boolean topicWithinLimits(String topic) {
        if (maxTopicLength > 0 && topic.length() > maxTopicLength) return false;
        if (maxTopicLevels > 0) {
            int levels = 1;
            for (int i = 0; i < topic.length(); i++) if (topic.charAt(i) == '/' && ++levels > maxTopicLevels) return false;
        }
        return true;
    }

    /** A per-connection bucket for {@link #publishRate}, or null when unlimited. */
    public TokenBucket publishBucket() {
        return publishRate <= 0 ? null : new TokenBucket(publishRate, publishBurst > 0 ? publishBurst : publishRate);
    }

    /** A per-connection bucket for {@link #bytesRate}, or null when unlimited. */
    public TokenBucket bytesBucket() {
        return bytesRate <= 0 ? null : new TokenBucket(bytesRate, bytesBurst > 0 ? bytesBurst : bytesRate);
    }

    /**
     * How long to hold back a read that took {@code publishes} tokens from {@code publish} and {@code bytes} from
     * {@code bytes} (either may be null: unlimited), as {@link Throttle}: the longer of the two debts decides, and
     * a debt longer than {@link #publishMaxDelay} is the hard limit.
     */
    public Throttle throttle(TokenBucket publish, int publishes, TokenBucket bytesBucket, long bytes) {
        long p = publish == null || publishes == 0 ? 0 : publish.take(publishes);
        long b = bytesBucket == null || bytes == 0 ? 0 : bytesBucket.take(bytes);
        long max = publishMaxDelay.toNanos();
        if (p > max) return new Throttle(-1, "publish-rate");
        if (b > max) return new Throttle(-1, "bytes-rate");
        if (p == 0 && b == 0) return Throttle.NONE;
        return new Throttle(Math.max(1, Math.max(p, b) / 1_000_000), p >= b ? "publish-throttled" : "bytes-throttled");
    }

    /**
     * The outcome of {@link #throttle}: {@code delayMillis} 0 (read on at once), positive (hold the read back this
     * long) or -1 (disconnect, 0x96); {@code reason} names the limit for the {@code rejected.limit.*} counter.
     */
    public record Throttle(long delayMillis, String reason) {
        static final Throttle NONE = new Throttle(0, null);
    }

    /** A node-wide bucket for {@link #maxConnectionRate}, or null when unlimited. */
    public TokenBucket connectionRateBucket() {
        return maxConnectionRate <= 0 ? null : new TokenBucket(maxConnectionRate, maxConnectionRate);
    }
}
