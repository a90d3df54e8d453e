package io.meshmq.ops;

import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.management.javadsl.ManagementRouteProvider;
import org.apache.pekko.management.javadsl.ManagementRouteProviderSettings;

import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.onSuccess;
import static org.apache.pekko.http.javadsl.server.Directives.path;

/**
 * The broker's routes on Pekko Management's HTTP server ({@code pekko.management.http.routes.meshmq} in
 * meshmq-defaults.conf): {@code GET /metrics} (Prometheus text), {@code GET /ready} and {@code GET /alive}
 * (200 or 503, with the reason as text).
 */
public final class OpsRoutes implements ManagementRouteProvider {
    private static final ContentType PROMETHEUS_TEXT = ContentTypes.parse("text/plain; version=0.0.4; charset=utf-8");

    private final ExtendedActorSystem system;

    public OpsRoutes(ExtendedActorSystem system) { this.system = system; }

    @Override
    public Route routes(ManagementRouteProviderSettings settings) {
        Operations ops = Operations.get(system);
        return get(() -> concat(
                path("metrics", () -> complete(HttpEntities.create(PROMETHEUS_TEXT, ops.metrics().scrape().getBytes(java.nio.charset.StandardCharsets.UTF_8)))),
                path("ready", () -> status(() -> ops.health().ready())),
                path("alive", () -> status(() -> ops.health().alive()))));
    }

    private static Route status(Supplier<CompletionStage<BrokerHealth.Status>> check) {
        return onSuccess(check.get(), s -> complete(s.ok() ? StatusCodes.OK : StatusCodes.SERVICE_UNAVAILABLE, s.detail()));
    }
}
