/**
 * Running the broker: start-up wiring ({@link io.meshmq.ops.Broker}), the entry point, configuration, journal schema,
 * metrics hooks and graceful shutdown.
 */
package io.meshmq.ops;
