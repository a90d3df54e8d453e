package io.meshmq.connection;

import org.apache.pekko.actor.typed.ActorRef;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** The live connections of this node, so that shutdown can disconnect every client and wait for them. */
public final class ConnectionRegistry {
    private final Set<ActorRef<ConnectionCommand>> live = ConcurrentHashMap.newKeySet();

    void add(ActorRef<ConnectionCommand> c) { live.add(c); }

    void remove(ActorRef<ConnectionCommand> c) { live.remove(c); }

    public int size() { return live.size(); }

    /** Tells every connection to disconnect its client with {@code command}. */
    public void tellAll(ConnectionCommand command) {
        for (ActorRef<ConnectionCommand> c : live) c.tell(command);
    }
}
