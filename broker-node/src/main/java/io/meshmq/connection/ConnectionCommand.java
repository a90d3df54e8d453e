package io.meshmq.connection;

import io.meshmq.ops.CborSerializable;

/**
 * Everything a connection actor receives: from its socket, its timers, the client's session and the router.
 * Sessions may live on another node, so what they send is serializable.
 */
public interface ConnectionCommand extends CborSerializable {}
