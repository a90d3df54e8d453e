/**
 * Cluster mode: several broker nodes in one Pekko cluster that clients see as one broker. {@link
 * io.meshmq.cluster.ClusterMode} turns the {@code broker.cluster.*} settings into Pekko settings and tells start-up
 * whether the node is clustered; the replicated subscription index is {@link
 * io.meshmq.routing.ReplicatedSubscriptionRegistry}; retained messages live in a cluster singleton ({@link
 * io.meshmq.cluster.ClusterRetainedStore}); sessions were sharded entities from the start.
 */
package io.meshmq.cluster;
