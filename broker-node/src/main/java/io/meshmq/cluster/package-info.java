/**
 * Cluster mode: several broker nodes in one Pekko cluster that clients see as one broker. {@link
 * io.meshmq.cluster.ClusterMode} turns the {@code broker.cluster.*} settings into Pekko settings and tells start-up
 * whether the node is clustered; the replicated subscription index is {@link
 * io.meshmq.routing.ReplicatedSubscriptionRegistry}; retained messages live in a cluster singleton ({@link
 * io.meshmq.cluster.ClusterRetainedStore}); sessions were sharded entities from the start. When a node dies, {@link
 * io.meshmq.cluster.WillWatch} publishes the wills of clients whose connection and session died together, and {@link
 * io.meshmq.cluster.MemberRemovals} tells publishers' connections to send again what was on its way there.
 */
package io.meshmq.cluster;
