/**
 * From a PUBLISH to the sessions that want it (MQTT 4.5, 4.7, 4.8.2): the Application Message, the subscription
 * registry read by every publisher, and the router that matches and hands messages to sessions and the retained
 * store. No actor sits on this path.
 */
package io.meshmq.routing;
