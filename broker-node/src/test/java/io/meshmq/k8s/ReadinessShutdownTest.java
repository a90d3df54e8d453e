package io.meshmq.k8s;

import io.meshmq.it.BrokerFixture;
import io.meshmq.ops.BrokerHealth;
import io.meshmq.ops.Operations;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class ReadinessShutdownTest {
    @Test
    @DisplayName("on shutdown, readiness is already false when the listeners are unbound; liveness stays true")
    void readinessTurnsFalseBeforeUnbind() throws Exception {
        BrokerFixture broker = BrokerFixture.start(Map.of("broker.sys.interval", "0s"));
        var classic = Adapter.toClassic(broker.broker.system());
        Operations ops = Operations.get(classic);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!ops.health().ready().toCompletableFuture().get().ok() && System.nanoTime() < deadline) Thread.sleep(50);
        assertThat(ops.health().ready().toCompletableFuture().get().ok()).isTrue();

        CompletableFuture<BrokerHealth.Status> atUnbind = new CompletableFuture<>();
        CompletableFuture<BrokerHealth.Status> aliveAtUnbind = new CompletableFuture<>();
        CoordinatedShutdown.get(classic).addTask(CoordinatedShutdown.PhaseServiceUnbind(), "test-observe-readiness", () -> {
            ops.health().ready().thenAccept(atUnbind::complete);
            ops.health().alive().thenAccept(aliveAtUnbind::complete);
            return CompletableFuture.completedFuture(Done.getInstance());
        });
        broker.close();
        assertThat(atUnbind.get(10, TimeUnit.SECONDS)).isEqualTo(new BrokerHealth.Status(false, "shutting down"));
        assertThat(aliveAtUnbind.get(10, TimeUnit.SECONDS).ok()).isTrue();
    }
}
