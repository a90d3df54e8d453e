/**
 * Sockets: Pekko Streams TCP and TLS listeners and pekko-http WebSocket listeners (ws, wss; binary frames, subprotocol
 * mqtt) that all feed one connection actor per client through {@link io.meshmq.transport.ConnectionFlow}, with
 * backpressure inbound and a bounded, coalescing queue outbound. {@link io.meshmq.transport.ServerTls} makes each
 * connection's TLS engine (TLS 1.2/1.3, configured cipher suites, optional client certificates, PEM or PKCS12 keys)
 * from a context that is rebuilt when the key material files change.
 */
package io.meshmq.transport;
