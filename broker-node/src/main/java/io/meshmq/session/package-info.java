/**
 * Client sessions (MQTT 4.1): the session state and what each event does to it ({@link io.meshmq.session.SessionState}),
 * and the sharded, event-sourced entity that owns one session per client id ({@link io.meshmq.session.SessionEntity}):
 * subscriptions, the outbound QoS 1/2 queue and its flow control (MQTT 4.3, 4.9), inbound QoS 2 packet ids, expiry
 * and wills. Persistent sessions are journaled; clean ones run the same logic in memory.
 */
package io.meshmq.session;
