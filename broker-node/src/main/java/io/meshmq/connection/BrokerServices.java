package io.meshmq.connection;

import io.meshmq.auth.Authenticator;
import io.meshmq.ops.Metrics;
import io.meshmq.routing.Router;
import io.meshmq.session.SessionEntity;
import org.apache.pekko.actor.typed.RecipientRef;

/** What a connection needs from the broker, wired once at start-up. */
public record BrokerServices(Router router, SessionDirectory sessions, Metrics metrics,
                             ConnectionSettings connectionSettings, Authenticator authenticator,
                             ConnectionRegistry connections) {

    /** Reaches a client's session wherever it lives. */
    public interface SessionDirectory {
        /** Where to send a client's session commands; a connection keeps it for its lifetime. */
        RecipientRef<SessionEntity.Command> session(String clientId);
    }
}
