/**
 * Authentication and authorization of clients (MQTT 5.4): users from the password file or a database table,
 * password logins and SCRAM-SHA-256 enhanced authentication (MQTT 4.12), TLS certificate identities, ACL rules.
 * {@link io.meshmq.auth.Security} is the per-node entry point; other providers plug in behind
 * {@link io.meshmq.auth.Authenticator} and {@link io.meshmq.auth.UserStore}.
 */
package io.meshmq.auth;
