/**
 * Retained messages (MQTT 3.3.1.3): the last retained PUBLISH of each topic, delivered to new subscriptions
 * whose filter matches.
 *
 * <p>For now this is the pure in-memory index {@link io.meshmq.retain.RetainedStore}. Deciding what to retain
 * (an empty retained payload deletes), message expiry and persistence are added later by the broker's actor
 * layer, which owns the store.
 */
package io.meshmq.retain;
