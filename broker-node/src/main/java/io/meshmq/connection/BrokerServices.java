package io.meshmq.connection;

import io.meshmq.auth.Authenticator;
import io.meshmq.ops.Metrics;
import io.meshmq.routing.Router;
import io.meshmq.session.SessionEntity;

/** What a connection needs from the broker, wired once at start-up. */
public record BrokerServices(Router router, SessionDirectory sessions, Metrics metrics,
                             ConnectionSettings connectionSettings, Authenticator authenticator,
                             ConnectionRegistry connections) {

    /** Reaches a client's session wherever it lives. */
    public interface SessionDirectory {
        /** Sends a command to the session of {@code clientId}, wherever it lives. */
        void tell(String clientId, SessionEntity.Command command);
    }
}
