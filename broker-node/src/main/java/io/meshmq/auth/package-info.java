/**
 * Authentication and authorization of clients (MQTT 5.4). For now the hook the connection calls on CONNECT, with an
 * allow-all default; providers and per-topic ACLs plug in behind these interfaces.
 */
package io.meshmq.auth;
