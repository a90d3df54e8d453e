/**
 * Sockets: Pekko Streams TCP and TLS listeners (TLS 1.2/1.3, PEM or PKCS12 keys, optional client certificates) that
 * feed one connection actor per socket, with backpressure inbound and a bounded, coalescing queue outbound.
 */
package io.meshmq.transport;
