/**
 * The MQTT wire format for MQTT 3.1 ({@code MQIsdp}, level 3), 3.1.1 (level 4) and 5.0 (level 5): packet model,
 * framing, encoding and strict validation. No I/O, no actors, no session state; callers feed bytes and get packets
 * ({@link io.meshmq.codec.MqttDecoder}) or hand packets and get bytes ({@link io.meshmq.codec.MqttEncoder}).
 *
 * <p>Spec sections implemented (MQTT 5.0 numbering; the 3.1.1 sections are the same where they exist):
 * 1.5 data representation (two/four byte integers, UTF-8 Encoded Strings with the well-formedness and U+0000 rules
 * of 1.5.4, variable byte integers of 1.5.5, binary data, string pairs); 2.1 fixed header (packet types, reserved
 * flags, remaining length); 2.2 variable header (packet identifiers, properties with the per-packet table 2-4);
 * 2.4 reason codes; 3.1-3.15 the fifteen control packets, including the MQTT 5 short forms of PUBACK, PUBREC,
 * PUBREL, PUBCOMP, DISCONNECT and AUTH, and the 3.x return codes of CONNACK and SUBACK.
 *
 * <p>What belongs to the session rather than here: topic alias mapping, receive maximum and packet identifier
 * bookkeeping, authentication, authorization, and the maximum packet size the peer announced for outbound traffic.
 */
package io.meshmq.codec;
