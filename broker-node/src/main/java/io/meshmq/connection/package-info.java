/**
 * One network connection of a client (MQTT 3.1.4, 4.8, 4.13): CONNECT handling, keep-alive, topic aliases, receive
 * maximum, maximum packet size, protocol errors and their reason codes. Owns no session state; it talks to the
 * client's session by messages only.
 */
package io.meshmq.connection;
