package io.meshmq.ops;

import org.apache.pekko.actor.ActorSystem;

import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * The broker's checks as Pekko Management health checks ({@code pekko.management.health-checks.readiness-checks}
 * and {@code liveness-checks} in meshmq-defaults.conf), so {@code /health/ready} and {@code /health/alive} agree with
 * {@code /ready} and {@code /alive}.
 */
public final class HealthChecks {
    private HealthChecks() {}

    /** Readiness: see {@link BrokerHealth#ready()}. */
    public static final class Ready implements Supplier<CompletionStage<Boolean>> {
        private final ActorSystem system;

        public Ready(ActorSystem system) { this.system = system; }

        @Override public CompletionStage<Boolean> get() {
            return Operations.get(system).health().ready().thenApply(BrokerHealth.Status::ok);
        }
    }

    /** Liveness: see {@link BrokerHealth#alive()}. */
    public static final class Alive implements Supplier<CompletionStage<Boolean>> {
        private final ActorSystem system;

        public Alive(ActorSystem system) { this.system = system; }

        @Override public CompletionStage<Boolean> get() {
            return Operations.get(system).health().alive().thenApply(BrokerHealth.Status::ok);
        }
    }
}
