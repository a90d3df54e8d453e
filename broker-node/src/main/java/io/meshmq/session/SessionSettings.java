package io.meshmq.session;

import com.typesafe.config.Config;

import java.time.Duration;

/**
 * Limits and tuning of sessions, from {@code broker.session} in reference.conf.
 *
 * @param maxQueuedMessages   QoS 1/2 messages a session keeps; beyond it new ones are dropped and counted
 * @param maxInflight         server-side cap of unacknowledged outbound QoS 1/2 PUBLISH packets per client
 * @param ackJournalBatch     acknowledgements journaled together (they are applied at once in memory)
 * @param ackJournalInterval  longest time an acknowledgement waits to be journaled
 * @param snapshotEvery       events between snapshots, bounding recovery time
 */
public record SessionSettings(int maxQueuedMessages, int maxInflight, int ackJournalBatch,
                              Duration ackJournalInterval, int snapshotEvery, String journalPluginId,
                              String snapshotPluginId) {

    public static SessionSettings from(Config c) {
        return new SessionSettings(c.getInt("max-queued-messages"), c.getInt("max-inflight"),
                c.getInt("ack-journal-batch"), c.getDuration("ack-journal-interval"), c.getInt("snapshot-every"),
                c.getString("journal-plugin"), c.getString("snapshot-plugin"));
    }

    public static SessionSettings defaults() {
        return new SessionSettings(100_000, 65_535, 256, Duration.ofMillis(200), 2000,
                "jdbc-journal", "jdbc-snapshot-store");
    }
}
