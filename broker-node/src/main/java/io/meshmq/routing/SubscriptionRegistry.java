package io.meshmq.routing;

import org.apache.pekko.Done;

import java.util.concurrent.CompletionStage;

/**
 * Which client ids subscribe to which topic filters, as seen by the router of every node. Sessions write it; every
 * PUBLISH reads it. The single-node implementation is an in-memory index; the cluster one replicates it.
 */
public interface SubscriptionRegistry {

    /** Adds {@code clientId}'s subscription; completes when a PUBLISH routed afterwards will see it. */
    CompletionStage<Done> add(String clientId, String filter);

    CompletionStage<Done> remove(String clientId, String filter);

    /**
     * Makes sure a subscription that should already be there is: what a recovered or woken persistent session does
     * for each of its subscriptions. Unlike {@link #add}, may complete without writing when this node's registry
     * already holds it (in a cluster, a node restart then costs no write per persistent subscription).
     */
    default CompletionStage<Done> ensure(String clientId, String filter) {
        return add(clientId, filter);
    }

    /** Visits every subscriber of {@code topic}: each client id once per plain match, and one member per shared group. */
    void match(String topic, MatchSink sink);

    /**
     * The filters registered for {@code clientId}. Only for cleaning up after a session lost with its node (rare):
     * it may scan the whole registry. A single node loses no session without losing the registry with it.
     */
    default CompletionStage<java.util.List<String>> filtersOf(String clientId) {
        return java.util.concurrent.CompletableFuture.completedFuture(java.util.List.of());
    }

    /** Number of subscriptions, for metrics. */
    int size();

    interface MatchSink {
        /** A plain subscriber; may be called more than once for one client id with overlapping filters. */
        void subscriber(String clientId);

        /** The chosen member of a shared subscription group for this message (MQTT 4.8.2). */
        void sharedSubscriber(String clientId, String sharedFilter);
    }
}
