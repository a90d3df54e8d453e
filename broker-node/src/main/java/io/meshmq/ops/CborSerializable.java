package io.meshmq.ops;

/**
 * Marker for messages and events serialized with Jackson CBOR (bound in reference.conf). Everything that is
 * journaled or may cross a node boundary implements it.
 */
public interface CborSerializable {}
