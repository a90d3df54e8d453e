/**
 * Topic names and topic filters: validity rules and matching (MQTT 4.7), shared subscriptions
 * {@code $share/{group}/{filter}} (MQTT 4.8.2), and the subscription index that finds the subscribers of a
 * PUBLISH.
 *
 * <p>{@link io.meshmq.topic.Topics#matches} is the reference definition of a match; the
 * {@link io.meshmq.topic.SubscriptionTrie} and {@code io.meshmq.retain.RetainedStore} must agree with it, and
 * their property tests check exactly that. This package is pure Java with no actors: the broker's registry
 * actor owns the writes, as each class documents.
 */
package io.meshmq.topic;
