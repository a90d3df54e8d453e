package io.meshmq.ops;

import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Readiness and liveness of one node, as {@code /ready}, {@code /alive} and Pekko Management's
 * {@code /health/ready}, {@code /health/alive} report them.
 * <ul>
 *   <li>ready: the node is an Up cluster member, its MQTT listener(s) are bound, it is not shutting down, and the
 *       journal answers {@code select 1} in time ({@link JournalPing}).</li>
 *   <li>alive: the actor system runs. No journal or cluster check, so a slow database or a load spike does not make
 *       Kubernetes restart healthy nodes.</li>
 * </ul>
 */
public final class BrokerHealth {
    /** A check's answer and, when it fails, why (the probe's response body). */
    public record Status(boolean ok, String detail) {}

    private final Cluster cluster;
    private volatile JournalPing journal;
    private volatile boolean listenersBound;
    private volatile boolean shuttingDown;

    BrokerHealth(Cluster cluster) {
        this.cluster = cluster;
    }

    void journal(JournalPing ping) { this.journal = ping; }

    /** Called once the MQTT listener(s) accept connections. */
    public void listenersBound() { listenersBound = true; }

    /** Called first in coordinated shutdown (before the listeners are unbound): readiness turns false for good. */
    public void shuttingDown() { shuttingDown = true; }

    public boolean isShuttingDown() { return shuttingDown; }

    public CompletionStage<Status> ready() {
        if (shuttingDown) return done(false, "shutting down");
        if (!listenersBound) return done(false, "starting: MQTT listener not bound yet");
        MemberStatus status = cluster.selfMember().status();
        if (status != MemberStatus.up()) return done(false, "cluster member status is " + status + ", not Up");
        JournalPing j = journal;
        if (j == null) return done(false, "starting: no journal check yet");
        return j.ping().thenApply(ok -> ok ? new Status(true, "ready")
                : new Status(false, "journal did not answer select 1 in time"));
    }

    public CompletionStage<Status> alive() {
        return done(true, "alive");
    }

    private static CompletionStage<Status> done(boolean ok, String detail) {
        return CompletableFuture.completedFuture(new Status(ok, detail));
    }
}
