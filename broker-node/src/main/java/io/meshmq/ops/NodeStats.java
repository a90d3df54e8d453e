package io.meshmq.ops;

/**
 * One node's figures that add up to the cluster's ({@code $SYS/cluster/...}): what a node sends the others through
 * Distributed Data ({@link ClusterTotals}). Counters count since the node started.
 */
public record NodeStats(long clientsConnected, long messagesReceived, long messagesSent, long bytesReceived,
                        long bytesSent, long messagesDropped) implements CborSerializable {
    public static final NodeStats ZERO = new NodeStats(0, 0, 0, 0, 0, 0);

    public static NodeStats of(Metrics m) {
        return new NodeStats(m.connectionsCurrent(), m.messagesIn(), m.messagesOut(), m.bytesIn(), m.bytesOut(),
                m.droppedTotal());
    }

    public NodeStats plus(NodeStats o) {
        return new NodeStats(clientsConnected + o.clientsConnected, messagesReceived + o.messagesReceived,
                messagesSent + o.messagesSent, bytesReceived + o.bytesReceived, bytesSent + o.bytesSent,
                messagesDropped + o.messagesDropped);
    }
}
