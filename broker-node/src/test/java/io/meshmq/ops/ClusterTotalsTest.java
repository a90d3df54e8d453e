package io.meshmq.ops;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** How the $SYS/cluster totals are summed from the nodes' shared figures. */
class ClusterTotalsTest {
    static final String A = "pekko://meshmq@127.0.0.1:2551", B = "pekko://meshmq@127.0.0.1:2552",
            C = "pekko://meshmq@127.0.0.1:2553";

    @Test
    @DisplayName("the Up members' figures add up; this node's own figures replace its older replicated entry")
    void sumsUpMembersWithOwnFiguresFresh() {
        Map<String, NodeStats> replica = Map.of(
                A, new NodeStats(1, 10, 20, 100, 200, 0),
                B, new NodeStats(2, 5, 5, 50, 50, 1),
                C, new NodeStats(3, 1, 1, 10, 10, 2));
        NodeStats ownA = new NodeStats(4, 11, 21, 110, 210, 0);
        ClusterTotals.Totals t = ClusterTotals.sum(replica, Set.of(A, B, C), A, ownA);
        assertThat(t.nodes()).isEqualTo(3);
        assertThat(t.sum()).isEqualTo(new NodeStats(9, 17, 27, 170, 270, 3));
    }

    @Test
    @DisplayName("a node that left (no longer Up) drops out; an Up member not heard from yet counts as a node with nothing")
    void leftNodesDropOutAndNewOnesCount() {
        Map<String, NodeStats> replica = Map.of(
                A, new NodeStats(1, 1, 1, 1, 1, 0),
                B, new NodeStats(5, 5, 5, 5, 5, 5));
        ClusterTotals.Totals t = ClusterTotals.sum(replica, Set.of(A, C), A, new NodeStats(2, 2, 2, 2, 2, 0));
        assertThat(t.nodes()).isEqualTo(2);
        assertThat(t.sum()).isEqualTo(new NodeStats(2, 2, 2, 2, 2, 0));
    }

    @Test
    @DisplayName("a single node: the totals are its own figures")
    void singleNode() {
        NodeStats own = new NodeStats(3, 4, 5, 6, 7, 8);
        assertThat(ClusterTotals.single().current(own)).isEqualTo(new ClusterTotals.Totals(1, own));
        assertThat(ClusterTotals.single().publishesHere()).isTrue();
    }
}
